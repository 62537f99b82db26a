"""Feasibility studies: years sharing capacities, pro forma, BAU, the size command."""

from __future__ import annotations

import copy
import json
import logging
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from grid_flex.cli import main
from grid_flex.errors import ScenarioError, UnboundedError
from grid_flex.finance import discount_factors, npv
from grid_flex.studies.feasibility import run_feasibility
from grid_flex.testing import BITCOIN_2027, s21_fleet, small_scenario

pytestmark = pytest.mark.solver

PRICES = [20.0, 60.0, 150.0, 90.0] * 6  # one day, hourly


def fleet(**size: Any) -> dict[str, Any]:
    return s21_fleet(
        hashrate_curve="linear", size={"max_mw": 5.0, "life_yr": 2, **size}
    )


BITCOIN = BITCOIN_2027


def study(**kw: Any) -> dict[str, Any]:
    base = {
        "discount_frac_per_yr": 0.1,
        "analysis_yr": 3,
        "federal_tax_frac": 0.0,
        "breakeven_btc_price": False,
    }
    return base | kw


@pytest.mark.usefixtures("sizing_method")
def test_lp_objective_equals_the_pretax_proforma_npv_of_its_design():
    # Two formulations of one number: the LP's objective (weights × profit − present
    # cost per unit) and the pro forma's NPV built line by line with taxes at 0.
    sc = small_scenario(PRICES, [fleet()], hashprice_usd_per_ths_day=0.1, study=study())
    r = run_feasibility(sc)
    assert r.optimal.capacities["fleet.power_mw"] == pytest.approx(5.0)
    assert r.optimal.metrics["npv_usd"] == pytest.approx(
        r.optimal.objective_usd, rel=1e-9
    )
    # 2-year life in a 3-year study: bought in year 0, replaced in year 2, half its
    # value left at the end (linear salvage)
    pf = r.optimal.proforma
    capex = 17.5 * 200 / 0.0035 * 5.0  # 5,000,000 USD
    assert pf["capex_usd"].tolist() == pytest.approx([-capex, 0.0, -capex, 0.0])
    assert pf["salvage_usd"].iloc[-1] == pytest.approx(capex / 2)


def test_every_year_has_its_hashprice_through_the_2028_halving():
    sc = small_scenario(
        PRICES,
        [fleet(capex_usd_per_th=1.0)],
        hashprice_usd_per_ths_day=0.1,
        study=study(start_year=2027, bitcoin=BITCOIN),
    )
    r = run_feasibility(sc)
    plans = {p.key: p for p in _plans(sc)}
    assert sorted(plans) == ["2027", "2028", "2029"]
    hp = {k: float(p.hashprice_by_year[p.years[0]].mean()) for k, p in plans.items()}
    # June 2027 → June 2028: subsidy 3.125 → 1.5625 BTC (April 2028 halving), fees
    # 0.05 BTC, difficulty × 1.2: (1.5625 + 0.05) / (3.125 + 0.05) / 1.2 = 0.4232
    assert hp["2028"] / hp["2027"] == pytest.approx(1.6125 / 3.175 / 1.2, rel=1e-3)
    # each year is its own block: its pro forma revenue is that block's, × 365 days
    revenue = r.optimal.proforma["mining_revenue_usd"]
    for t, key in ((1, "2027"), (2, "2028"), (3, "2029")):
        block = r.optimal.blocks[key].summary["mining_revenue_usd"]
        assert revenue[t] == pytest.approx(block * 365, rel=1e-9)
    # after the halving hashing at 20 USD/MWh still pays, at 60 and 90 no longer
    # (value 126 → ~53 USD/MWh): 6 of 24 hours mined instead of 18
    energy = {k: r.optimal.blocks[k].summary["energy_bought_mwh"] for k in hp}
    assert energy["2028"] == pytest.approx(energy["2027"] / 3, rel=1e-6)
    assert r.finance["cost_per_btc_usd"] is not None


@pytest.mark.usefixtures("sizing_method")
def test_build_out_with_its_own_life_is_bought_once_and_salvaged():
    # Miners live 2 years, their build-out 6: in a 3-year study the miners are bought
    # in year 0 and again in year 2, the build-out once; at the end half the miners'
    # value and (6 − 3)/6 of the build-out's are left (linear salvage).
    sc = small_scenario(
        PRICES,
        [fleet(infrastructure_usd_per_mw=100000.0, infrastructure_life_yr=6)],
        hashprice_usd_per_ths_day=0.1,
        study=study(),
    )
    r = run_feasibility(sc)
    assert r.optimal.capacities["fleet.power_mw"] == pytest.approx(5.0)
    pf = r.optimal.proforma
    miners = 17.5 * 200 / 0.0035 * 5.0  # 5,000,000 USD
    build_out = 100000.0 * 5.0
    assert pf["capex_usd"].tolist() == pytest.approx(
        [-(miners + build_out), 0.0, -miners, 0.0]
    )
    assert pf["salvage_usd"].iloc[-1] == pytest.approx(miners / 2 + build_out / 2)
    # the LP prices the build-out the same way: objective = pre-tax pro forma NPV
    assert r.optimal.metrics["npv_usd"] == pytest.approx(
        r.optimal.objective_usd, rel=1e-9
    )


@pytest.mark.usefixtures("sizing_method")
def test_a_fractional_life_is_replaced_when_it_ends_and_salvaged_on_its_age():
    # 2.5-year miners in a 3-year study: bought in year 0 and again at t = 2.5, booked
    # at the end of year 3 like every flow of that year; at the end the second set is
    # 0.5 yr old, (2.5 - 0.5) / 2.5 = 80 % of its value left (it was rounded up to a
    # 3-year life before: never replaced, nothing salvaged)
    sc = small_scenario(
        PRICES, [fleet(life_yr=2.5)], hashprice_usd_per_ths_day=0.1, study=study()
    )
    r = run_feasibility(sc)
    assert r.optimal.capacities["fleet.power_mw"] == pytest.approx(5.0)
    pf = r.optimal.proforma
    capex = 17.5 * 200 / 0.0035 * 5.0  # 5,000,000 USD
    assert pf["capex_usd"].tolist() == pytest.approx([-capex, 0.0, 0.0, -capex])
    assert pf["salvage_usd"].iloc[-1] == pytest.approx(0.8 * capex)
    # the LP's present cost of one MW: 1e6 now + (1e6 - 0.8e6) / 1.1^3 in year 3
    cost = r.sizes.set_index("key").loc["fleet.power_mw", "present_cost_usd_per_unit"]
    assert cost == pytest.approx(1e6 + 0.2e6 / 1.1**3, rel=1e-12)
    assert r.optimal.metrics["npv_usd"] == pytest.approx(
        r.optimal.objective_usd, rel=1e-9
    )


def test_breakeven_btc_price_gives_zero_npv_when_re_run_at_that_price():
    # A fleet worth building at 100,000 USD/BTC (mean of the path); the study finds
    # the scale k of the whole BTC path at which the rounded design's after-tax NPV
    # equals BAU's (nothing here). Re-running the study at path × k with the sizes
    # fixed there must give NPV ≈ 0: hashprice is proportional to the BTC price, so
    # this is an independent check of the search.
    path = {2027: 90000.0, 2028: 100000.0, 2029: 110000.0}
    bitcoin = BITCOIN | {"btc_price_usd": path}
    sc = small_scenario(
        PRICES,
        [fleet(capex_usd_per_th=3.0)],
        study=study(
            start_year=2027,
            bitcoin=bitcoin,
            federal_tax_frac=0.21,
            breakeven_btc_price=True,
        ),
    )
    r = run_feasibility(sc)
    size = r.rounded.capacities["fleet.power_mw"]
    assert size > 0
    assert r.finance["npv_usd"] > 0
    b = r.finance["breakeven_btc_price_usd"]
    k = b / 100000.0
    assert 0 < k < 1
    fixed = fleet(capex_usd_per_th=3.0, min_mw=size, max_mw=size)
    again = small_scenario(
        PRICES,
        [fixed],
        study=study(
            start_year=2027,
            bitcoin=bitcoin | {"btc_price_usd": {y: p * k for y, p in path.items()}},
            federal_tax_frac=0.21,
        ),
    )
    r2 = run_feasibility(again)
    assert r2.rounded.capacities["fleet.power_mw"] == pytest.approx(size)
    capex = 3.0 * 200 / 0.0035 * size
    assert abs(r2.finance["npv_usd"]) < 1e-3 * capex
    # and a little above / below that price the NPV has the expected sign
    for f, sign in ((1.02, 1), (0.98, -1)):
        up = small_scenario(
            PRICES,
            [fixed],
            study=study(
                start_year=2027,
                bitcoin=bitcoin
                | {"btc_price_usd": {y: p * k * f for y, p in path.items()}},
                federal_tax_frac=0.21,
            ),
        )
        assert np.sign(run_feasibility(up).finance["npv_usd"]) == sign


def _plans(sc: Any) -> list[Any]:
    from grid_flex.studies.feasibility_years import plan_years

    return plan_years(sc, Path("."))[0]


@pytest.mark.parametrize("mode", ["each", "weather", "one"])
@pytest.mark.usefixtures("sizing_method")
def test_year_modes_agree_on_a_flat_hashprice(mode):
    # A constant hashprice and no escalation: every year is the same, so the three
    # ways of putting years in the LP give one answer.
    sc = small_scenario(
        PRICES, [fleet()], hashprice_usd_per_ths_day=0.1, study=study(years_in_lp=mode)
    )
    r = run_feasibility(sc)
    ref = run_feasibility(
        small_scenario(PRICES, [fleet()], hashprice_usd_per_ths_day=0.1, study=study())
    )
    assert r.optimal.objective_usd == pytest.approx(ref.optimal.objective_usd, rel=1e-9)
    assert r.finance["npv_usd"] == pytest.approx(ref.finance["npv_usd"], rel=1e-9)


@pytest.mark.usefixtures("sizing_method")
def test_bau_keeps_only_the_existing_part_and_npv_is_the_difference():
    sc = small_scenario(
        PRICES,
        [fleet(existing_mw=1.0)],
        hashprice_usd_per_ths_day=0.1,
        study=study(),
    )
    r = run_feasibility(sc)
    assert r.bau.capacities["fleet.power_mw"] == pytest.approx(1.0)
    assert r.bau.proforma["capex_usd"].sum() == 0.0
    # the existing MW earns in both: the project's extra 4 MW is what BAU lacks
    assert r.bau.metrics["npv_usd"] > 0
    assert r.finance["npv_vs_bau_usd"] == pytest.approx(
        r.finance["npv_usd"] - r.finance["bau_npv_usd"]
    )
    assert r.rounded.proforma["capex_usd"].iloc[0] == pytest.approx(
        -(r.rounded.capacities["fleet.power_mw"] - 1.0) * 1e6
    )


@pytest.mark.usefixtures("sizing_method")
def test_bau_below_the_size_minimum_is_solved_without_pyomo_warnings(caplog):
    # BAU keeps only the existing 0 MW although the project's min_mw is 2: the fixed
    # value lies outside the variable's bounds on purpose (Pyomo printed W1002 lines
    # on stdout, past -q)
    sc = small_scenario(
        PRICES, [fleet(min_mw=2.0)], hashprice_usd_per_ths_day=0.1, study=study()
    )
    with caplog.at_level(logging.WARNING, logger="pyomo"):
        r = run_feasibility(sc)
    assert r.bau.capacities["fleet.power_mw"] == 0.0
    assert r.bau.proforma["mining_revenue_usd"].sum() == 0.0
    assert [rec.getMessage() for rec in caplog.records] == []


@pytest.mark.usefixtures("sizing_method")
def test_unbounded_study_is_explained():
    entry = fleet(capex_usd_per_th=0.1)
    del entry["size"]["max_mw"]
    sc = small_scenario(
        PRICES,
        [entry],
        hashprice_usd_per_ths_day=0.1,
        site={"import_limit_mw": None, "size": {"capex_usd_per_kw": 1, "life_yr": 30}},
        study=study(),
    )
    with pytest.raises(UnboundedError, match="earns more than its annualised cost"):
        run_feasibility(sc)


# ---- weather years and data that ends early -------------------------------------
def weather(complete: bool) -> list[dict[str, Any]]:
    def price(year: int) -> dict[str, Any]:
        return {
            "format": "ercot_dam",
            "file": f"bundled:ercot_dam_spp_hubs_lz_{year}.csv",
            "column": "LZ_WEST",
        }

    last = {"year": 2021, "price": price(2021)}
    if complete:
        last["complete_from"] = 2020
    return [{"year": 2020, "price": price(2020)}, last]


def test_a_weather_year_shorter_than_the_year_is_refused_without_a_rule():
    sc = small_scenario(
        [30.0] * 24,
        [fleet()],
        hashprice_usd_per_ths_day=0.1,
        start="2020-12-01T00:00:00+00:00",
        study=study(analysis_yr=2, weather_years=weather(False)),
    )
    with pytest.raises(ScenarioError, match="complete_from"):
        run_feasibility(sc)


def test_a_short_weather_year_is_completed_from_another_with_a_note():
    sc = small_scenario(
        [30.0] * 24,
        [fleet()],
        hashprice_usd_per_ths_day=0.1,
        start="2020-12-01T00:00:00+00:00",
        study=study(analysis_yr=2, weather_years=weather(True)),
    )
    r = run_feasibility(sc)
    p2020 = r.optimal.blocks["2021"].timeseries["site.price_usd_per_mwh"].to_numpy()
    p2020_own = r.optimal.blocks["2020"].timeseries["site.price_usd_per_mwh"]
    # 2021-12-01 lies after the 2021 file's end: it takes 2020's prices from the
    # same position in the year (1 Dec 2020 is day 336 of a leap year; 2021's day
    # 335 + 1: one day later in 2020's calendar)
    assert np.isfinite(p2020).all()
    assert any("complete_from" in n for n in r.assumptions)
    assert len(p2020) == len(p2020_own)


# ---- the command line --------------------------------------------------------------
def write_scenario(tmp_path: Path, **patch: Any) -> Path:
    patch = {"study": study()} | patch
    sc = small_scenario(PRICES, [fleet()], hashprice_usd_per_ths_day=0.1, **patch)
    data = json.loads(sc.model_dump_json(exclude_none=True))
    path = tmp_path / "size.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_size_command_writes_the_study_files_and_npv_closes(tmp_path):
    path = write_scenario(tmp_path, study=study(federal_tax_frac=0.21))
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["size", str(path), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "NPV" in res.output
    assert "IRR" in res.output
    for name in ("sizes.csv", "proforma.csv", "proforma_bau.csv", "summary.json"):
        assert (out / name).exists(), name
    for table in out.glob("*.csv"):  # a cost of nothing is 0, not -0.0
        assert not re.search(r"(?m)(^|,)-0(\.0+)?(,|$)", table.read_text()), table
    summary = json.loads((out / "summary.json").read_text())["summary"]
    fin = summary["finance"]
    pf = pd.read_csv(out / "proforma.csv")
    assert list(pf["year"]) == [0, 1, 2, 3]
    flows = pf["net_cash_flow_usd"].to_numpy()
    assert npv(flows, 0.1) == pytest.approx(fin["npv_usd"], rel=1e-9)
    by_hand = float(flows @ discount_factors(0.1, 3))
    assert by_hand == pytest.approx(fin["npv_usd"], rel=1e-9)
    sizes = pd.read_csv(out / "sizes.csv")
    assert sizes.loc[0, "key"] == "fleet.power_mw"
    assert sizes.loc[0, "unit_count"] == 1428  # 5 MW / 3.5 kW = 1428.6 → 1428 fit
    assert "warning" not in res.output


def test_size_with_nothing_to_size_and_no_study_section_says_so(tmp_path):
    sc = small_scenario(
        PRICES,
        [s21_fleet(count=100, hashrate_curve="linear")],
        hashprice_usd_per_ths_day=0.1,
    )
    data = json.loads(sc.model_dump_json(exclude_none=True, exclude={"study"}))
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    res = CliRunner().invoke(main, ["size", str(path), "-q"])
    assert res.exit_code == 0, res.output
    assert (
        "warning: nothing to size: neither the connection nor any asset" in res.output
    )
    assert (
        "warning: no study section: its defaults are used (1 operating year(s), "
        "discount 10%/yr, federal tax 21%, linear salvage) and the horizon's 24 h "
        "stand for a whole year (its results x 365)"
    ) in res.output


GPU = {
    "type": "gpu_cluster",
    "id": "gpu",
    "model": "compute/nvidia_hgx_h100",
    "spot_usd_per_gpu_h": 2.0,
}
NON_FIRM = {
    "capex_usd_per_kw": 50.0,
    "life_yr": 20,
    "curtailed": {"recurring": [{"start_hour": 15, "end_hour": 19}]},
}


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"study": {"discount_frac_per_yr": -1.0}}, ["discount_frac_per_yr"]),
        ({"assets": [fleet(life_yr=0)]}, ["life_yr"]),
        ({"assets": [fleet(life_yr=0.5)]}, ["assets[0] (fleet)", "at least 1"]),
        (
            {"study": {"weather_years": weather(False)[:1] * 2}},
            ["weather_years[1].year = 2020 repeats weather_years[0]"],
        ),
        (
            {
                "assets": [
                    fleet(infrastructure_usd_per_mw=1e5, infrastructure_life_yr=0.2)
                ]
            },
            ["assets[0] (fleet)", "infrastructure_life_yr = 0.2"],
        ),
        ({"assets": [fleet(min_mw=6.0)]}, ["min_mw", "max_mw"]),
        ({"assets": [fleet(capex_usd_per_th=-2.0)]}, ["capex_usd_per_th"]),
        (
            {"assets": [fleet(), GPU | {"size": {"min_nodes": 9, "max_nodes": 3}}]},
            ["assets[1]", "min_nodes", "max_nodes"],
        ),
        (
            {"assets": [fleet(), GPU | {"size": {"capex_usd_per_node": 1e12}}]},
            ["capex_usd_per_node", "USD/node"],
        ),
        (
            {"site": {"non_firm": NON_FIRM | {"life_yr": 0}}},
            ["site.non_firm.life_yr"],
        ),
        (
            {"site": {"non_firm": NON_FIRM | {"min_mw": 7.0, "max_mw": 2.0}}},
            ["site.non_firm", "min_mw"],
        ),
    ],
)
def test_size_command_bad_input_exits_2_naming_the_field(tmp_path, patch, words):
    path = write_scenario(tmp_path)
    data = yaml.safe_load(path.read_text())
    for key, value in patch.items():
        if isinstance(value, dict):
            data[key] = {**data.get(key, {}), **value}
        else:
            data[key] = copy.deepcopy(value)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["size", str(path), "-o", str(out)])
    assert res.exit_code == 2, res.output
    for w in words:
        assert w in res.output
    assert not out.exists()


# ---- bundled studies, on two days of their data -------------------------------------
@pytest.mark.parametrize(
    "name", ["west_texas_greenfield_2025", "houston_hospital_heat_sizing_2020"]
)
def test_bundled_study_runs_on_a_short_horizon(tmp_path, name):
    out = tmp_path / name
    res = CliRunner().invoke(
        main,
        ["size", name, "-o", str(out), "--set", "horizon.end=2020-01-03T00:00:00"],
    )
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())["summary"]
    pf = pd.read_csv(out / "proforma.csv")
    rate = summary["finance"]["assumptions"]["discount_frac_per_yr"]
    assert npv(pf["net_cash_flow_usd"].to_numpy(), rate) == pytest.approx(
        summary["finance"]["npv_usd"], rel=1e-9, abs=1e-6
    )
    sizes = pd.read_csv(out / "sizes.csv")
    assert (sizes["rounded"] <= sizes["max"] + 1e-9).all()
    assert (sizes["rounded"] >= sizes["min"] - 1e-9).all()


@pytest.mark.usefixtures("sizing_method")
def test_the_40_mw_site_splits_its_connection_between_gpus_and_asics():
    # Two days of the bundled study, the GPU contract scaled to them: the cluster is
    # sized to the contract (a GPU-hour earns 2.0 USD against ≈1.45 USD of node and
    # hall cost — 310 kUSD over 5 yr and 9.3 MUSD/MW over 15 yr at 12 % — and ≈0.05
    # USD of energy) and the miners take what is left of the 40 MW.
    from grid_flex.io.scenario import scenario_from_dict

    root = Path(__file__).resolve().parents[2]
    path = root / "scenarios" / "studies" / "west_texas_40mw_gpu_asic_2025.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    hours = 48.0
    data["horizon"]["end"] = "2020-01-03T00:00:00"
    gpu = next(a for a in data["assets"] if a["type"] == "gpu_cluster")
    job = gpu["training_jobs"][0]
    job["deadline"] = data["horizon"]["end"]
    job["work_gpu_h"] = job["work_gpu_h"] * hours / 8784.0
    sc = scenario_from_dict(data, source=str(path))
    r = run_feasibility(sc, root)
    caps = r.rounded.capacities
    node_mw = 10.2 / 1000
    nodes = caps["h100.it_power_mw"] / node_mw
    # the contract needs work / (hours · 8 GPUs · availability) nodes at full power
    need = job["work_gpu_h"] / (hours * 8 * gpu["availability_frac"])
    assert need - 1 <= nodes <= need + 1
    facility = caps["h100.it_power_mw"] * gpu["availability_frac"] * gpu["pue"]
    fleet_mw = caps["s21_xp.power_mw"] * 0.97
    assert fleet_mw > 20.0
    assert facility + fleet_mw <= 40.0 + 1e-6
    assert r.finance["bau_npv_usd"] == pytest.approx(0.0, abs=1e-6)
    pf = r.rounded.proforma
    rate = sc.study.discount_frac_per_yr
    assert npv(pf["net_cash_flow_usd"].to_numpy(), rate) == pytest.approx(
        r.finance["npv_usd"], rel=1e-9
    )
