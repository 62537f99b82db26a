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
from typing import Any

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

#: Bundled scenarios whose kinds all have a data-free check on the standard library.
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
)


def outcome(check, scenario) -> str:  # type: ignore[no-untyped-def]
    """``"ok"`` or the exception's type and text."""
    try:
        check(scenario)
    except (ScenarioError, DataError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return "ok"


@pytest.mark.parametrize("name", bundled_names())
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
