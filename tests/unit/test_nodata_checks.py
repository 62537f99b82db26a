"""The data-free check without pandas equals the check on the horizon's index.

:func:`grid_flex.validation.check_scenario` (``grid-flex validate --no-data``)
runs the horizon, catalogue and per-kind checks on the standard library and hands
other kinds to :func:`grid_flex.inputs.check_scenario_on_index`; here both run on
the same scenarios and must accept the same ones and refuse the others with the same
exception and the same text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from grid_flex.errors import DataError, ScenarioError
from grid_flex.inputs import check_scenario_on_index
from grid_flex.io.catalog import load_catalog, with_entries
from grid_flex.io.horizon import horizon_bounds_utc, timedelta_text
from grid_flex.io.scenario import bundled_names, load_scenario, scenario_from_dict
from grid_flex.nodata.scenario import checked_without_index
from grid_flex.schema.scenario import Horizon, Scenario
from grid_flex.validation import check_scenario

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
#: Benchmark cases (scenario files beside the benchmark scripts).
BENCH_CASES = tuple(str(p) for p in sorted(BENCH.glob("*.yaml")))

#: Bundled scenarios and benchmark cases: every one is checked on the standard
#: library (none may fall back to the pandas index).
WITHOUT_INDEX = (
    "west_texas_2020",
    "west_texas_today",
    "caiso_ironmtn_2019",
    "ercot_uri_feb2021_15min",
    "ercot_uri_feb2021_contract",
    "ercot_uri_feb2021_rolling",
    "germany_2018_smard",
    "houston_hospital_heat_2020",
    "ercot_summer_2019_4cp",
    "ercot_summer_2019_4cp_rolling",
    "caiso_2020_regulation",  # reserves, demand response
    "west_texas_gpu_mining_2020",  # GPU jobs and inference
    str(BENCH / "all_assets_2020.yaml"),
    str(BENCH / "all_programs_2020.yaml"),  # every program kind
    str(BENCH / "uri_all_programs_2021.yaml"),
    str(BENCH / "west_texas_2020_sized.yaml"),
)


def outcome(check, scenario) -> str:  # type: ignore[no-untyped-def]
    """``"ok"`` or the exception's type and text."""
    try:
        check(scenario)
    except (ScenarioError, DataError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def test_a_kind_without_a_data_free_check_falls_back_to_the_index(monkeypatch):
    # Every kind has one today; a new kind without one is checked on the pandas
    # index, with the same outcome (here: the GPU cluster's, taken out).
    from grid_flex.nodata import scenario as nodata_scenario

    sc = edited(GPU, job(0, work_gpu_h=1e9))
    expected = outcome(check_scenario, sc)
    assert "could ever deliver" in expected
    checks = {k: v for k, v in nodata_scenario.CHECKS.items() if k != "gpu_cluster"}
    monkeypatch.setattr(nodata_scenario, "CHECKS", checks)
    assert not checked_without_index(
        sc, with_entries(load_catalog(), sc.catalog_entries)
    )
    assert outcome(check_scenario, sc) == expected


def test_every_bundled_case_is_listed_as_checked_without_the_index():
    assert set(WITHOUT_INDEX) == set(bundled_names()) | set(BENCH_CASES)


@pytest.mark.parametrize("name", [*bundled_names(), *BENCH_CASES])
def test_every_bundled_scenario_passes_both_checks(name: str):
    sc, _ = load_scenario(name)
    assert outcome(check_scenario, sc) == outcome(check_scenario_on_index, sc) == "ok"


@pytest.mark.parametrize("name", WITHOUT_INDEX)
def test_bundled_scenarios_of_checked_kinds_need_no_index(name: str):
    sc, _ = load_scenario(name)
    assert checked_without_index(sc, with_entries(load_catalog(), sc.catalog_entries))


WT = "west_texas_2020"
HEAT = "houston_hospital_heat_2020"
CP = "ercot_summer_2019_4cp"
CONTRACT = "ercot_uri_feb2021_contract"
SET = [
    (WT, "horizon.end=2020-01-02T00:30:00"),
    (WT, "horizon.start=2020-03-08T02:30:00"),
    (WT, "horizon.start=2020-11-01T01:30:00"),
    (WT, "assets.battery.model=battery/x"),
    (WT, "assets.s19xp_fleet.model=asic/antminer_s99"),
    (WT, "assets.battery.soc_min_frac=0.9"),
    (WT, "assets.battery.initial_soc_frac=0.99"),
    (WT, "assets.battery.round_trip_eff_frac=0"),
    (WT, "assets.battery.final_soc=0.99"),
    (
        WT,
        "assets.s19xp_fleet.hashrate_curve=[{power_frac: 0.5, hashrate_frac: 0.3}, "
        "{power_frac: 1.0, hashrate_frac: 1.0}]",
    ),
    (HEAT, "assets.hospital_heat.sources=[immersion_miners, immersion_miners]"),
    (HEAT, "assets.hospital_heat.sources=[hospital_heat]"),
    (HEAT, "assets.hospital_heat.loop_temp_degc=20"),
    (CP, "programs.four_cp.intervals=[2019-05-20T17:00:00]"),  # before the horizon
    (CP, "programs.four_cp.intervals=[2019-09-30T23:45:00, 2019-10-01T00:15:00]"),
    (CP, "programs.four_cp.months=[6, 7, 8]"),  # the September stamp: not a CP month
    (CP, "programs.four_cp.intervals=[2019-06-19T17:00:00, 2019-06-20T17:00:00]"),
    (CP, "programs.four_cp.intervals=[2019-11-03T01:30:00]"),  # occurs twice
    (
        CONTRACT,
        "programs.contract.windows={periods: [{start: 2020-01-01T00:00:00, "
        "end: 2020-01-02T00:00:00}]}",
    ),
    (
        CONTRACT,
        "energy.adders_usd_per_mwh=[1.0, {usd_per_mwh: 2.0, periods: [{start: "
        "2020-01-01T00:00:00, end: 2020-01-02T00:00:00}]}]",
    ),
]


GOOD = [  # accepted, checked without the index
    (CP, "programs.four_cp.interval_min=60"),
    (CP, "programs.four_cp.time_convention=start"),
    (
        CONTRACT,
        "programs.contract.windows={recurring: [{start_hour: 7, end_hour: 22}]}",
    ),
    (
        CONTRACT,
        "energy.adders_usd_per_mwh=[1.0, {usd_per_mwh: 2.0, recurring: "
        "[{start_hour: 7, end_hour: 22, weekdays: [0, 1, 2, 3, 4]}]}]",
    ),
]


@pytest.mark.parametrize(("name", "assignment"), GOOD, ids=[b for _, b in GOOD])
def test_windows_without_periods_and_listed_4cp_intervals_need_no_index(
    name: str, assignment: str
):
    sc, _ = load_scenario(name, assignments=(assignment,))
    assert outcome(check_scenario, sc) == outcome(check_scenario_on_index, sc) == "ok"
    assert checked_without_index(sc, with_entries(load_catalog(), sc.catalog_entries))


@pytest.mark.parametrize(("name", "assignment"), SET, ids=[b for _, b in SET])
def test_a_bad_entry_gets_the_same_message_from_both_checks(name: str, assignment: str):
    sc, _ = load_scenario(name, assignments=(assignment,))
    fast = outcome(check_scenario, sc)
    assert fast != "ok"
    assert fast == outcome(check_scenario_on_index, sc)


def edited(name: str, edit: Callable[[dict[str, Any]], object]) -> Scenario:
    """Bundled scenario ``name`` with its mapping changed in place by ``edit``."""
    sc, _ = load_scenario(name)
    data = sc.model_dump(mode="json", exclude_unset=True)
    edit(data)
    return scenario_from_dict(data, source=f"{name} (edited)")


def sized_battery(**size: Any) -> Callable[[dict[str, Any]], None]:
    """The battery sized, its unit a copy of the 4 h LFP without a price."""

    def edit(data: dict[str, Any]) -> None:
        bess = data["assets"][2]
        del bess["count"]
        bess["size"] = {"max_mwh": 80, **size}
        bess["model"] = "battery/unpriced"
        data["catalog_entries"] = {
            "battery/unpriced": {
                "kind": "battery",
                "id": "unpriced",
                "vendor": "test",
                "model": "unpriced",
                "energy_mwh": 4.0,
                "power_mw": 1.0,
                "round_trip_eff_frac": 0.85,
                "soc_min_frac": 0.05,
                "soc_max_frac": 0.95,
                "provenance": {"source": "test", "retrieved": "2026-11-30"},
            }
        }

    return edit


def sized_fleet(model: str, **size: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        fleet = data["assets"][0]
        del fleet["power_mw"]
        fleet["model"] = model
        fleet["size"] = {"max_mw": 50, **size}

    return edit


def customer(**fields: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        cust = data["assets"][1]["customers"][0]
        for key, value in fields.items():
            cust[key] = value if key != "demand" else {**cust["demand"], **value}

    return edit


EDITS = [  # (scenario, edit, what, accepted)
    (WT, sized_fleet("asic/antminer_s19_xp"), "fleet sized, catalogue price", True),
    (WT, sized_fleet("asic/antminer_s19"), "fleet sized, no price", False),
    (WT, sized_fleet("asic/antminer_s19", capex_usd_per_th=10.0), "no life", False),
    (WT, sized_battery(), "battery sized, no price", False),
    (WT, sized_battery(capex_usd_per_kwh=200.0), "battery: no power price", False),
    (
        WT,
        sized_battery(capex_usd_per_kwh=200.0, capex_usd_per_kw=100.0, life_yr=15),
        "battery sized, priced",
        True,
    ),
    (HEAT, customer(boiler_eff_frac=0.0), "boiler efficiency 0", False),
    (HEAT, customer(demand={"column": "x_space_heating_kwh"}), "not heat", False),
    # without loop_temp_degc the loop's temperature is the sources' (checked in build)
    (HEAT, customer(supply_temp_degc=95.0), "customer hotter than the loop", True),
]


@pytest.mark.parametrize(
    ("name", "edit", "what", "accepted"), EDITS, ids=[e[2] for e in EDITS]
)
def test_an_edited_entry_gets_the_same_outcome_from_both_checks(
    name: str, edit: Callable[[dict[str, Any]], None], what: str, accepted: bool
):
    sc = edited(name, edit)
    fast = outcome(check_scenario, sc)
    assert fast == outcome(check_scenario_on_index, sc)
    assert (fast == "ok") == accepted, fast


@pytest.mark.parametrize(
    "zone", ["America/Chicago", "Europe/Berlin", "Australia/Sydney"]
)
@pytest.mark.parametrize("minute", [0, 30])
def test_horizon_times_are_read_as_pandas_reads_them(zone: str, minute: int):
    # Every local hour of a year: a start that pandas cannot localize (skipped or
    # repeated by a daylight-saving change) is refused, any other is the same UTC
    # instant as pandas makes of it.
    first = dt.datetime(2021, 1, 1, 0, minute)
    for hour in range(0, 365 * 24, 1):
        local = first + dt.timedelta(hours=hour)
        h = Horizon(start=local, end=dt.datetime(2023, 1, 1, 0, minute), timezone=zone)
        try:
            expected = pd.Timestamp(local).tz_localize(
                zone, ambiguous="raise", nonexistent="raise"
            )
        except ValueError:
            with pytest.raises(ScenarioError, match=r"horizon\.start: .* in " + zone):
                horizon_bounds_utc(h)
            continue
        start, _ = horizon_bounds_utc(h)
        assert pd.Timestamp(start) == expected


@pytest.mark.parametrize(
    "span",
    [
        dt.timedelta(minutes=30),
        dt.timedelta(days=2, minutes=10),
        dt.timedelta(hours=-1),
        dt.timedelta(days=-3, seconds=5),
        dt.timedelta(days=400, microseconds=250),
    ],
)
def test_durations_are_written_as_pandas_writes_them(span: dt.timedelta):
    assert timedelta_text(span) == str(pd.Timedelta(span))


# ---- GPU clusters, reserves, demand response, windows, tariffs (nodata2) -------------
CAISO = "caiso_2020_regulation"
GPU = "west_texas_gpu_mining_2020"
ALL_PROGRAMS = str(BENCH / "all_programs_2020.yaml")
URI_PROGRAMS = str(BENCH / "uri_all_programs_2021.yaml")
ALL_ASSETS = str(BENCH / "all_assets_2020.yaml")
OUTSIDE = {"periods": [{"start": "2019-01-01T00:00:00", "end": "2019-01-02T00:00:00"}]}


def answered_without_index(sc: Scenario) -> bool:
    """The standard-library check accepted ``sc`` or refused it: no fallback."""
    try:
        return checked_without_index(
            sc, with_entries(load_catalog(), sc.catalog_entries)
        )
    except (ScenarioError, DataError):
        return True


def program(kind: str, **fields: Any) -> Callable[[dict[str, Any]], None]:
    """Change the first program of ``kind`` (``None`` deletes a field)."""

    def edit(data: dict[str, Any]) -> None:
        entry = next(p for p in data["programs"] if p["type"] == kind)
        for key, value in fields.items():
            if value is None:
                entry.pop(key, None)
            else:
                entry[key] = value

    return edit


def service(i: int, **fields: Any) -> Callable[[dict[str, Any]], None]:
    """Change service ``i`` of the reserves entry."""

    def edit(data: dict[str, Any]) -> None:
        entry = next(p for p in data["programs"] if p["type"] == "ancillary_services")
        entry["services"][i].update(fields)

    return edit


def added(entry: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["programs"].append(entry)

    return edit


def job(i: int, **fields: Any) -> Callable[[dict[str, Any]], None]:
    """Change training job ``i`` of the GPU cluster (``None`` deletes a field)."""

    def edit(data: dict[str, Any]) -> None:
        cluster = next(a for a in data["assets"] if a["type"] == "gpu_cluster")
        for key, value in fields.items():
            if value is None:
                cluster["training_jobs"][i].pop(key, None)
            else:
                cluster["training_jobs"][i][key] = value

    return edit


def cluster(**fields: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        entry = next(a for a in data["assets"] if a["type"] == "gpu_cluster")
        for key, value in fields.items():
            if value is None:
                entry.pop(key, None)
            else:
                entry[key] = value

    return edit


def both(*edits: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        for e in edits:
            e(data)

    return edit


def horizon(start: str, end: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["horizon"]["start"], data["horizon"]["end"] = start, end

    return edit


WEEKDAY_EVENINGS = {
    "recurring": [{"weekdays": [0, 1, 2, 3, 4], "start_hour": 17, "end_hour": 20}]
}
FOUR_CP = {
    "type": "four_cp",
    "id": "cp",
    "usd_per_kw_year": 50,
    "probabilities": "default",
}
WEIGHTED = [
    {"time": "2019-07-01T17:00:00", "weight": 1.0},
    {"time": "2019-07-02T17:15:00", "weight": 2.0},
]
FORWARD = {
    "type": "hashrate_forward",
    "id": "fwd",
    "forward_ths": 1000.0,
    "fixed_hashprice_usd_per_ths_day": 0.05,
}
NEW_EDITS = [  # (scenario, edit, what, accepted)
    # reserves: the listed assets from their kinds, then windows
    (CAISO, service(0, eligible_assets=["s21_fleet", "nope"]), "unknown asset", False),
    (
        CAISO,
        program("ancillary_services", gpu_clusters_allowed=["battery"]),
        "GPU opt-in names a battery",
        False,
    ),
    (
        GPU,
        added(
            {
                "type": "ancillary_services",
                "services": [
                    {
                        "name": "reg_up",
                        "direction": "up",
                        "capacity_price_usd_per_mw_per_h": 5.0,
                        "eligible_assets": ["gpu_cluster"],
                    }
                ],
            }
        ),
        "GPU cluster not declared eligible",
        False,
    ),
    (
        ALL_ASSETS,
        added(
            {
                "type": "ancillary_services",
                "services": [
                    {
                        "name": "reg_up",
                        "direction": "up",
                        "capacity_price_usd_per_mw_per_h": 5.0,
                        "eligible_assets": ["heat"],
                    }
                ],
            }
        ),
        "heat recovery has no load",
        False,
    ),
    (URI_PROGRAMS, service(1, windows=OUTSIDE), "service window outside", False),
    (URI_PROGRAMS, service(1, windows=WEEKDAY_EVENINGS), "service window", True),
    # demand response: capacity assets, events, baselines, availability
    (
        CAISO,
        program(
            "demand_response",
            capacity={"assets": ["nope", "s21_fleet"], "price_usd_per_mw_per_h": 3.0},
        ),
        "DR capacity: unknown asset",
        False,
    ),
    (CAISO, program("demand_response", events=OUTSIDE), "DR events outside", False),
    (
        CAISO,
        program("demand_response", events=WEEKDAY_EVENINGS),
        "DR recurring events",
        True,
    ),
    (
        CAISO,
        program(
            "demand_response",
            events={"recurring": [{"start_hour": 0, "end_hour": 2}]},
        ),
        "DR event at the horizon's start: no baseline",
        False,
    ),
    (
        CAISO,
        program(
            "demand_response",
            events={"recurring": [{"start_hour": 1, "end_hour": 23}]},
            baseline_window_h=1,
        ),
        "DR events leave two hours a day: baseline of 1 h",
        True,
    ),
    (
        CAISO,
        program(
            "demand_response",
            events={"recurring": [{"start_hour": 1, "end_hour": 24}]},
            baseline_window_h=0.5,
        ),
        "DR baseline window shorter than a step",
        False,
    ),
    (
        CAISO,
        program(
            "demand_response",
            events=WEEKDAY_EVENINGS,
            capacity={
                "assets": ["battery"],
                "price_usd_per_mw_per_h": 3.0,
                "availability": OUTSIDE,
            },
        ),
        "DR availability outside",
        False,
    ),
    # tariffs and limits
    (
        URI_PROGRAMS,
        program("demand_charge", windows={"recurring": [{"months": [7]}]}),
        "demand charge window selects nothing",
        False,
    ),
    (
        URI_PROGRAMS,
        program("demand_charge", windows={"recurring": [{"months": [2]}]}),
        "demand charge window",
        True,
    ),
    (
        URI_PROGRAMS,
        program("demand_charge", windows=OUTSIDE),
        "demand charge period outside",
        False,
    ),
    (
        URI_PROGRAMS,
        program("import_cap", caps=[{**OUTSIDE, "cap_mw": 10}]),
        "import cap period outside",
        False,
    ),
    (
        URI_PROGRAMS,
        program("mining_ban", asset_ids=["battery"]),
        "ban on a battery",
        False,
    ),
    (URI_PROGRAMS, program("mining_ban", asset_ids=["nope"]), "ban: unknown", False),
    (URI_PROGRAMS, program("mining_ban", windows=OUTSIDE), "ban outside", False),
    (
        URI_PROGRAMS,
        program("emergency_curtailment", asset_ids=["battery"]),
        "curtail a battery",
        False,
    ),
    (
        URI_PROGRAMS,
        program("emergency_curtailment", events=OUTSIDE),
        "emergency outside",
        False,
    ),
    (
        URI_PROGRAMS,
        program(
            "fixed_price_contract",
            windows={
                "periods": [
                    {"start": "2021-03-14T02:30:00", "end": "2021-03-15T00:00:00"}
                ]
            },
        ),
        "contract period at a time the clocks skip",
        False,
    ),
    (
        URI_PROGRAMS,
        added({**FORWARD, "fleets": ["battery"]}),
        "forward on a battery",
        False,
    ),
    (URI_PROGRAMS, added(FORWARD), "forward on every fleet", True),
    # 4CP in its default (price-weighted) form, up to the price
    (URI_PROGRAMS, added(FOUR_CP), "4CP months outside a February horizon", False),
    (
        ALL_PROGRAMS,
        both(
            horizon("2020-06-01T00:00:00", "2020-06-05T00:00:00"),
            program("four_cp", probabilities={"weekdays": [5, 6]}),
        ),
        "4CP default window: no weekend in the horizon",
        False,
    ),
    (
        ALL_PROGRAMS,
        both(
            horizon("2020-06-01T00:00:00", "2020-06-05T00:00:00"),
            program("four_cp", probabilities={"start_hour": 9, "end_hour": 10.5}),
        ),
        "4CP default window moved",
        True,
    ),
    # 4CP from the bundled table, and listed probabilities
    (CP, program("four_cp", intervals="ercot_historic"), "4CP bundled table", True),
    (
        CP,
        both(
            horizon("2022-06-01T00:00:00", "2022-10-01T00:00:00"),
            program("four_cp", intervals="ercot_historic"),
        ),
        "4CP bundled table outside the horizon",
        False,
    ),
    (
        CP,
        program("four_cp", intervals=None, probabilities=WEIGHTED),
        "4CP probabilities in one month of four",
        False,
    ),
    (
        CP,
        program("four_cp", intervals=None, months=[7], probabilities=WEIGHTED),
        "4CP probabilities",
        True,
    ),
    (
        CP,
        program(
            "four_cp",
            intervals=None,
            months=[6, 7],
            probabilities=[{"time": "2019-07-01T00:00:00", "weight": 1.0}],
        ),
        "4CP probability ending at midnight: a June interval",
        False,
    ),
    (
        CP,
        program(
            "four_cp",
            intervals=None,
            months=[7],
            probabilities=[*WEIGHTED, {"time": "2019-05-01T17:00:00", "weight": 1.0}],
        ),
        "4CP candidate before the horizon",
        False,
    ),
    (
        CP,
        program(
            "four_cp",
            intervals=None,
            months=[7],
            probabilities=[*WEIGHTED, {"time": "2019-08-01T17:00:00", "weight": 0.5}],
        ),
        "4CP candidate weighted outside months",
        False,
    ),
    (
        CP,
        program(
            "four_cp",
            intervals=None,
            months=[7],
            probabilities=[*WEIGHTED, {"time": "2019-08-01T17:00:00", "weight": 0.0}],
        ),
        "4CP candidate outside months without weight",
        True,
    ),
    (
        CP,
        program(
            "four_cp",
            intervals=None,
            probabilities=[{"time": "2019-11-03T01:30:00", "weight": 1.0}],
        ),
        "4CP candidate at a repeated local time",
        False,
    ),
    # energy adders with periods (in a window, and at a skipped local time)
    (
        ALL_PROGRAMS,
        lambda d: d["energy"].update(
            adders_usd_per_mwh=[
                1.0,
                {"usd_per_mwh": 2.0, **WEEKDAY_EVENINGS},
                {
                    "usd_per_mwh": 3.0,
                    "periods": [
                        {"start": "2020-03-08T02:30:00", "end": "2020-03-09T00:00:00"}
                    ],
                },
            ]
        ),
        "adder period at a time the clocks skip",
        False,
    ),
    # GPU clusters: job windows, work, floors, sizes
    (GPU, job(0, release="2020-03-08T02:30:00"), "job release skipped", False),
    (
        GPU,
        job(1, release="2021-02-01T00:00:00", deadline="2021-03-01T00:00:00"),
        "job after the horizon",
        False,
    ),
    (
        GPU,
        job(1, release="2019-02-01T00:00:00", deadline="2019-03-01T00:00:00"),
        "job before the horizon",
        False,
    ),
    (GPU, job(0, work_gpu_h=1e9), "work beyond the cluster", False),
    (
        GPU,
        job(0, work_gpu_h=None, work_mwh=1e5),
        "work in MWh beyond the cluster",
        False,
    ),
    (
        GPU,
        job(2, min_power_frac=0.9, max_power_frac=1.0),
        "floor above the work",
        False,
    ),
    (
        GPU,
        job(2, min_power_frac=0.5, max_power_frac=1.0, work_gpu_h=1000),
        "floor delivers more than the work",
        False,
    ),
    (
        GPU,
        both(
            job(1, release="2020-02-10T00:00:00", min_power_frac=0.5),
            job(0, min_power_frac=0.5, work_gpu_h=3e6),
        ),
        "floors and inference above the cluster",
        False,
    ),
    (
        GPU,
        job(1, release="2020-07-31T23:20:00", deadline="2020-08-21T00:40:00"),
        "partial first and last intervals",
        True,
    ),
    (
        GPU,
        cluster(count=None, size={"max_nodes": 500}),
        "sized cluster with inference events",
        False,
    ),
    (
        GPU,
        both(
            cluster(count=None, size={"max_nodes": 500}),
            lambda d: d["assets"][1]["inference"].update(flex_frac=0.0),
        ),
        "sized cluster",
        True,
    ),
    (
        GPU,
        both(
            cluster(count=None, size={"min_nodes": 10}),
            lambda d: d["assets"][1]["inference"].update(flex_frac=0.0),
            job(2, min_power_frac=0.9, max_power_frac=1.0, work_gpu_h=1000),
        ),
        "unbounded cluster: floor above the work at its least size",
        False,
    ),
]


@pytest.mark.parametrize(
    ("name", "edit", "what", "accepted"), NEW_EDITS, ids=[e[2] for e in NEW_EDITS]
)
def test_reserves_dr_gpu_and_window_checks_agree_without_the_index(
    name: str, edit: Callable[[dict[str, Any]], None], what: str, accepted: bool
):
    sc = edited(name, edit)
    assert answered_without_index(sc)
    fast = outcome(check_scenario, sc)
    assert fast == outcome(check_scenario_on_index, sc)
    assert (fast == "ok") == accepted, fast


RECURRING = [
    {"start_hour": 17, "end_hour": 20, "weekdays": [0, 1, 2, 3, 4]},
    {"start_hour": 1.75, "end_hour": 3.25, "months": [3, 10, 11]},  # DST nights
    {"start_hour": 0, "end_hour": 24, "months": [2], "weekdays": [6]},
]


@pytest.mark.parametrize(
    "zone", ["America/Chicago", "Europe/Berlin", "Australia/Sydney", "Etc/GMT+8"]
)
@pytest.mark.parametrize(
    ("start", "end", "step_min"),
    [("2021-01-01", "2022-01-01", 60), ("2021-03-01", "2021-04-15", 15)],
)
def test_windows_on_the_clock_select_what_the_index_mask_selects(
    zone: str, start: str, end: str, step_min: int
):
    # The standard-library mask (the data-free checks) and window_mask (resolve)
    # choose the same intervals, interval by interval, across daylight-saving changes.
    from grid_flex.inputs import horizon_index
    from grid_flex.model.terms import ResolveContext
    from grid_flex.nodata.intervals import Intervals
    from grid_flex.nodata.windows import selected
    from grid_flex.programs.windows import window_mask
    from grid_flex.schema.windows import WindowSet

    h = Horizon(
        start=dt.datetime.fromisoformat(start),
        end=dt.datetime.fromisoformat(end),
        timestep_min=step_min,
        timezone=zone,
    )
    index = horizon_index(h)
    rctx = ResolveContext(
        catalog=load_catalog(),
        index=index,
        timestep_h=np.full(len(index), step_min / 60),
        load=lambda *_: np.zeros(0),
        timezone=zone,
    )
    grid = Intervals.of(h)
    assert grid == Intervals.of_index(index, rctx.timestep_h, zone)
    periods = [{"start": "2021-03-13T23:10:00", "end": "2021-03-14T05:00:00"}]
    for rec in [*([r] for r in RECURRING), RECURRING]:
        windows = WindowSet.model_validate({"recurring": rec, "periods": periods})
        fast = selected(windows, grid, field="w")
        assert fast == window_mask(windows, rctx, field="w").tolist()
        assert 0 < sum(fast) < len(fast)
