"""Trade-off curves and the MiCA disclosure on a week of the bundled default scenario.

The week (2020-01-01 to 01-08, hourly, Central time) of ``west_texas_2020`` with an
emissions program on EPA AVERT's Texas (TE) marginal rates.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from grid_flex.api import run
from grid_flex.cli import main
from grid_flex.disclosure import (
    DISCLOSURE_FILE,
    GPU_HOURS_PARTS,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    NOT_DECLARED,
    gpu_hours,
    mica_disclosure,
    write_disclosure,
)
from grid_flex.errors import ScenarioError
from grid_flex.io.scenario import load_scenario
from grid_flex.results import Results
from grid_flex.schema.scenario import Scenario
from grid_flex.tradeoff import COLUMNS, tradeoff_curve

pytestmark = pytest.mark.solver

END = "horizon.end=2020-01-08T00:00:00"
AVERT_TE = (
    '{format: avert, file: "bundled:avert_2023_co2_lb_per_kwh_by_region.csv", '
    "region: TE}"
)
PROGRAM = (
    f"programs=[{{type: emissions, marginal_co2: {AVERT_TE}, "
    "average_co2_tco2_per_mwh: 0.37, renewable_share_frac: 0.25}]"
)
HOURS = 168.0  # one week
PER_YEAR = 8760.0 / HOURS


@pytest.fixture(scope="module")
def week() -> tuple[Scenario, Path]:
    return load_scenario("west_texas_2020", assignments=[END, PROGRAM])


@pytest.fixture(scope="module")
def solved(week: tuple[Scenario, Path]) -> Results:
    return run(week[0], base_dir=week[1])


def pairs(values: pd.Series) -> list[tuple[float, float]]:
    return list(itertools.pairwise(values.to_numpy(dtype=float).tolist()))


# ---- trade-off -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def by_cap(week: tuple[Scenario, Path]) -> pd.DataFrame:
    return tradeoff_curve(week[0], week[1], points=4, by="cap")


def test_tightening_cap_lowers_emissions_and_profit_with_rising_shadow_price(
    by_cap: pd.DataFrame, solved: Results
):
    curve = by_cap
    assert list(curve.columns) == list(COLUMNS)
    assert len(curve) == 4
    # the first point is the unconstrained optimum: same profit, no shadow price
    assert curve["operating_profit_usd"].iloc[0] == pytest.approx(
        solved.summary["profit_usd"], rel=1e-9
    )
    assert curve["net_tco2"].iloc[0] == pytest.approx(
        solved.summary["programs"]["emissions"]["net_tco2"], rel=1e-9
    )
    assert curve["cap_shadow_price_usd_per_tco2"].iloc[0] == pytest.approx(0, abs=1e-6)
    # each cap holds, and caps are evenly spaced
    assert (curve["net_tco2"] <= curve["cap_tco2"] * (1 + 1e-9) + 1e-6).all()
    np.testing.assert_allclose(
        np.diff(curve["cap_tco2"]), np.diff(curve["cap_tco2"])[0]
    )
    tol = 1e-6 * float(curve["operating_profit_usd"].abs().max())
    assert all(b <= a + 1e-6 for a, b in pairs(curve["net_tco2"]))
    assert all(b <= a + tol for a, b in pairs(curve["operating_profit_usd"]))
    # profit is concave in the cap: its slope, the shadow price, rises as it tightens
    assert all(b >= a - 1e-6 for a, b in pairs(curve["cap_shadow_price_usd_per_tco2"]))
    assert curve["cap_shadow_price_usd_per_tco2"].iloc[-1] > 0
    assert curve["net_tco2"].iloc[-1] < 0.5 * curve["net_tco2"].iloc[0]
    assert (curve["carbon_cost_usd"] == 0).all()


def test_shadow_price_is_the_slope_between_points(by_cap: pd.DataFrame):
    # Concavity: the chord slope between two points lies between their shadow prices.
    caps = by_cap["cap_tco2"].to_numpy()
    profit = by_cap["operating_profit_usd"].to_numpy()
    shadow = by_cap["cap_shadow_price_usd_per_tco2"].to_numpy()
    for i in range(1, len(caps)):
        chord = (profit[i - 1] - profit[i]) / (caps[i - 1] - caps[i])
        assert shadow[i - 1] - 1e-6 <= chord <= shadow[i] + 1e-6


def test_raising_carbon_price_lowers_emissions_and_operating_profit(
    week: tuple[Scenario, Path],
):
    curve = tradeoff_curve(
        week[0], week[1], points=4, by="carbon_price", max_carbon_price_usd_per_tco2=600
    )
    np.testing.assert_allclose(curve["carbon_price_usd_per_tco2"], [0, 200, 400, 600])
    assert curve["cap_tco2"].isna().all()
    tol = 1e-6 * float(curve["operating_profit_usd"].abs().max())
    assert all(b <= a + 1e-6 for a, b in pairs(curve["net_tco2"]))
    assert all(b <= a + tol for a, b in pairs(curve["operating_profit_usd"]))
    assert curve["net_tco2"].iloc[-1] < curve["net_tco2"].iloc[0]
    np.testing.assert_allclose(
        curve["carbon_cost_usd"],
        curve["carbon_price_usd_per_tco2"] * curve["net_tco2"],
        rtol=1e-9,
    )


def test_tradeoff_needs_an_emissions_program():
    sc, base = load_scenario("west_texas_2020", assignments=[END])
    with pytest.raises(ScenarioError) as err:
        tradeoff_curve(sc, base, points=3, by="cap")
    assert "programs" in str(err.value)
    assert "emissions" in str(err.value)


def test_tradeoff_refuses_fewer_than_two_points(week: tuple[Scenario, Path]):
    with pytest.raises(ScenarioError, match="points"):
        tradeoff_curve(week[0], week[1], points=1, by="carbon_price")


def test_cli_tradeoff_prints_and_writes_the_curve(tmp_path: Path):
    out = tmp_path / "curves" / "curve.csv"
    args = ["tradeoff", "west_texas_2020", "--points", "2", "--by", "carbon_price"]
    result = CliRunner().invoke(
        main, [*args, "--set", END, "--set", PROGRAM, "-o", str(out)]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    assert "operating_profit_usd" in result.output
    table = pd.read_csv(out)
    assert list(table.columns) == list(COLUMNS)
    assert table["carbon_price_usd_per_tco2"].tolist() == [0.0, 500.0]


def test_points_on_worker_processes_equal_the_in_process_curve(
    week: tuple[Scenario, Path], by_cap: pd.DataFrame
):
    # The sweep engine's worker processes: each starts cold, the in-process curve is
    # re-solved warm point after point; the same optima either way.
    parallel = tradeoff_curve(week[0], week[1], points=4, by="cap", workers=2)
    assert list(parallel.columns) == list(by_cap.columns)
    for col in COLUMNS:
        if col != "by":
            np.testing.assert_allclose(
                parallel[col], by_cap[col], rtol=1e-6, atol=1e-6, err_msg=col
            )


def test_cli_tradeoff_on_dask_writes_the_curve(tmp_path: Path):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "curve.csv"
    args = ["tradeoff", "west_texas_2020", "--points", "2", "--by", "carbon_price"]
    result = CliRunner().invoke(
        main,
        [*args, "--set", END, "--set", PROGRAM, "-o", str(out), "--dask", "local:1"],
    )
    assert result.exit_code == 0, (result.output, result.exception)
    table = pd.read_csv(out)
    assert table["carbon_price_usd_per_tco2"].tolist() == [0.0, 500.0]
    # A carbon price never raises emissions.
    assert table["net_tco2"].iloc[1] <= table["net_tco2"].iloc[0] + 1e-6


def test_cli_tradeoff_without_emissions_program_is_bad_input():
    args = ["tradeoff", "west_texas_2020", "--points", "2", "--set", END]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "programs" in result.output


# ---- MiCA disclosure -----------------------------------------------------------------
EXPECTED_ROWS = {
    "energy_consumption": "kWh",
    "energy_consumption_annualised": "kWh/yr",
    "non_renewable_energy_share": "%",
    "ghg_scope1": "tCO2e/yr",
    "ghg_scope2_location_based": "tCO2e/yr",
    "ghg_scope2_market_based": "tCO2e/yr",
    "grid_emissions_marginal": "tCO2/yr",
    "avoided_heat_emissions": "tCO2/yr",
    "net_emissions_marginal": "tCO2/yr",
    "mean_hashrate": "TH/s",
    "energy_intensity_per_ths": "kWh/yr per TH/s",
    "ghg_intensity_per_ths": "kgCO2e/yr per TH/s",
    "btc_mined": "BTC",
    "energy_intensity_per_btc": "kWh/BTC",
    "ghg_intensity_per_btc": "tCO2e/BTC",
    "validated_transactions_allocated": "tx",
    "energy_intensity_per_transaction": "kWh/tx",
    "ghg_intensity_per_transaction": "kgCO2e/tx",
    "gpu_hours": "GPU-h",
    "energy_intensity_per_gpu_hour": "kWh/GPU-h",
    "ghg_intensity_per_gpu_hour": "kgCO2e/GPU-h",
    "heat_reused_share": "%",
    "waste_electrical_equipment": "t/yr",
    "non_recycled_weee_share": "%",
    "impact_on_natural_resources": "-",
}


def values(table: pd.DataFrame) -> dict[str, Any]:
    return dict(zip(table["indicator"], table["value"], strict=True))


def test_mica_table_has_the_indicators_with_units(
    solved: Results, week: tuple[Scenario, Path]
):
    table = mica_disclosure(solved, week[0])
    assert list(table.columns) == ["indicator", "value", "unit", "basis"]
    assert dict(zip(table["indicator"], table["unit"], strict=True)) == EXPECTED_ROWS
    assert table["basis"].str.len().min() > 5


def test_mica_figures_follow_the_results(solved: Results, week: tuple[Scenario, Path]):
    v = values(mica_disclosure(solved, week[0]))
    s = solved.summary
    k = s["programs"]["emissions"]
    assert s["horizon_h"] == HOURS
    kwh = s["energy_bought_mwh"] * 1000  # gross consumption: exports not netted
    assert v["energy_consumption"] == pytest.approx(kwh)
    assert v["energy_consumption_annualised"] == pytest.approx(kwh * PER_YEAR)
    assert v["non_renewable_energy_share"] == pytest.approx(75.0)
    assert v["ghg_scope1"] == 0.0
    assert v["grid_emissions_marginal"] == pytest.approx(k["grid_tco2"] * PER_YEAR)
    assert v["ghg_scope2_location_based"] == pytest.approx(
        s["energy_bought_mwh"] * 0.37 * PER_YEAR
    )
    assert v["net_emissions_marginal"] == pytest.approx(k["net_tco2"] * PER_YEAR)
    # a year at 1 TH/s costs (J/TH) × 8760 h / 1000 kWh: between the S19 XP (21.5
    # J/TH) and the S19j Pro (29.5 J/TH), plus battery losses
    assert 21.5 * 8.76 < v["energy_intensity_per_ths"] < 29.5 * 8.76 * 1.05
    # hashprice derived from BTC 11,000 USD, difficulty 16 T, 12.5 + 0.4 BTC/block:
    # (12.9 · 86,400 · 1e12) / (16e12 · 2^32) BTC per TH/s per day
    btc_per_ths_day = 12.9 * 86_400 * 1e12 / (16e12 * 2**32)
    ts = solved.timeseries
    hashrate = ts["s19xp_fleet.hashrate_ths"] + ts["s19jpro_fleet.hashrate_ths"]
    btc = float(hashrate.sum()) / 24 * btc_per_ths_day
    assert v["btc_mined"] == pytest.approx(btc, rel=1e-9)
    assert v["energy_intensity_per_btc"] == pytest.approx(kwh / btc)
    assert v["ghg_intensity_per_btc"] == pytest.approx(
        s["energy_bought_mwh"] * 0.37 / btc
    )
    for name in ("gpu_hours", "heat_reused_share", "avoided_heat_emissions"):
        assert v[name] == NOT_APPLICABLE


def test_mica_without_emissions_program_or_btc_price(tmp_path: Path):
    sc, base = load_scenario(
        "west_texas_2020",
        assignments=[END, "hashprice.derive=null", "hashprice.usd_per_ths_day=0.1"],
    )
    v = values(mica_disclosure(run(sc, base_dir=base), sc))
    assert v["non_renewable_energy_share"] == NOT_DECLARED
    for name in ("grid_emissions_marginal", "ghg_intensity_per_ths", "btc_mined"):
        assert v[name] == NOT_AVAILABLE
    assert isinstance(v["energy_intensity_per_ths"], float)


def test_write_disclosure_puts_the_csv_in_the_results_folder(
    solved: Results, week: tuple[Scenario, Path], tmp_path: Path
):
    folder = tmp_path / "results"
    path = write_disclosure(solved, week[0], folder)
    assert path == folder / DISCLOSURE_FILE
    table = pd.read_csv(path)
    assert table["indicator"].tolist() == list(EXPECTED_ROWS)
    assert sorted(p.name for p in folder.iterdir()) == [DISCLOSURE_FILE]


def test_cli_disclose_writes_results_and_table(tmp_path: Path):
    out = tmp_path / "week"
    result = CliRunner().invoke(
        main, ["disclose", "west_texas_2020", "--set", END, "--set", PROGRAM, "-o", out]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    assert "energy_intensity_per_btc" in result.output
    assert (out / "summary.json").is_file()
    assert (out / DISCLOSURE_FILE).is_file()


def test_gpu_hours_are_read_from_totals_or_parts():
    assert gpu_hours({"gpu_h_delivered": 10.0, "spot_gpu_h": 3.0}) == (
        10.0,
        "gpu_h_delivered",
    )
    parts = {
        "training_delivered_gpu_h": 5.0,
        "job_a_delivered_gpu_h": 5.0,  # part of the training total: not added again
        "training_undelivered_gpu_h": 7.0,
        "inference_served_gpu_h": 2.0,
        "spot_gpu_h": 1.0,
    }
    total, names = gpu_hours(parts)
    assert total == 8.0
    assert names == " + ".join(GPU_HOURS_PARTS)
    assert gpu_hours({"energy_mwh": 3.0}) is None


def test_mica_shares_energy_between_mining_gpus_and_heat():
    # A synthetic run: a fleet and a GPU cluster drawing 3 and 1 MW for 2 h, and a
    # heat-recovery asset serving 2 MWth; the site buys 8.4 MWh (battery losses).
    index = pd.date_range("2024-01-01", periods=2, freq="h", tz="UTC")
    ts = pd.DataFrame(
        {
            "site.timestep_h": [1.0, 1.0],
            "site.hashprice_usd_per_ths_day": [0.05, 0.05],
            "fleet.net_load_mw": [3.0, 3.0],
            "fleet.hashrate_ths": [100_000.0, 100_000.0],
            "gpus.net_load_mw": [1.0, 1.0],
            "heat.net_load_mw": [0.0, 0.0],
            "heat.served_mwth": [2.0, 2.0],
        },
        index=index,
    )
    summary = {
        "start_utc": str(index[0]),
        "end_utc": str(index[-1]),
        "energy_bought_mwh": 8.4,
        "energy_sold_mwh": 0.0,
        "assets": {
            "fleet": {"type": "asic_fleet"},
            "gpus": {"type": "gpu_cluster", "inference_served_gpu_h": 700.0},
            "heat": {"type": "heat_recovery"},
        },
        "programs": {
            "emissions": {
                "grid_tco2": 4.2,
                "direct_tco2": 0.0,
                "avoided_heat_tco2": 0.9,
                "net_tco2": 3.3,
                "location_based_tco2": 4.2,  # scope 2 is location-based
            }
        },
    }
    results = Results(objective_usd=0.0, timeseries=ts, summary=summary)
    program = (
        f"programs=[{{type: emissions, marginal_co2: {AVERT_TE}, btc_price_usd: 5e4, "
        "average_co2_tco2_per_mwh: 0.5}]"
    )
    sc, _ = load_scenario("west_texas_2020", assignments=[END, program])
    v = values(mica_disclosure(results, sc))
    # mining drew 6 of the 8 MWh of compute: 75 % of 8.4 MWh and of 4.2 t
    assert v["energy_intensity_per_ths"] == pytest.approx(
        0.75 * 8400 * 8760 / 2 / 100_000
    )
    assert v["ghg_intensity_per_ths"] == pytest.approx(
        0.75 * 4.2 * 1000 * 8760 / 2 / 100_000
    )
    # 100,000 TH/s for 2 h at 0.05 USD/TH/day and 50,000 USD/BTC
    btc = 100_000 * 2 / 24 * 0.05 / 50_000
    assert v["btc_mined"] == pytest.approx(btc)
    assert v["gpu_hours"] == 700.0
    assert v["energy_intensity_per_gpu_hour"] == pytest.approx(0.25 * 8400 / 700)
    assert v["ghg_intensity_per_gpu_hour"] == pytest.approx(0.25 * 4.2 * 1000 / 700)
    # 4 MWhth served of the 8 MWh the compute assets turned into heat
    assert v["heat_reused_share"] == pytest.approx(50.0)
    assert v["avoided_heat_emissions"] == pytest.approx(0.9 * 8760 / 2)


def test_mica_on_a_site_with_miners_gpus_and_heat_recovery():
    # Reads the KPI names the GPU-cluster and heat-recovery modules really report.
    from grid_flex.testing import small_scenario

    assets = [
        {
            "type": "asic_fleet",
            "id": "fleet",
            "model": "asic/antminer_s21",
            "count": 1000,
            "cooling": "immersion",
        },
        {
            "type": "gpu_cluster",
            "id": "gpus",
            "model": "compute/nvidia_hgx_h100",
            "it_power_mw": 1.0,
            "spot_usd_per_gpu_h": 2.0,
            "cooling": "immersion",
        },
        {
            "type": "heat_recovery",
            "id": "heat",
            "sources": ["fleet", "gpus"],
            "customers": [
                {
                    "id": "greenhouse",
                    "demand": {"format": "inline", "unit": "mwth", "values": [1, 2, 1]},
                }
            ],
        },
    ]
    program = {
        "type": "emissions",
        "marginal_co2": {
            "format": "inline",
            "unit": "tco2_per_mwh",
            "values": [0.4, 0.6, 0.5],
        },
        "btc_price_usd": 60_000.0,
        "average_co2_tco2_per_mwh": 0.45,
    }
    sc = small_scenario([20.0, 40.0, 30.0], assets, programs=[program])
    res = run(sc)
    v = values(mica_disclosure(res, sc))
    s = res.summary
    assert v["gpu_hours"] == pytest.approx(s["assets"]["gpus"]["spot_gpu_h"])
    assert v["gpu_hours"] > 0
    compute_mwh = s["assets"]["fleet"]["energy_mwh"] + float(
        res.timeseries["gpus.net_load_mw"].sum()
    )
    served = s["assets"]["heat"]["served_mwhth"]
    assert served == pytest.approx(4.0)
    assert v["heat_reused_share"] == pytest.approx(100 * served / compute_mwh)
    assert v["avoided_heat_emissions"] > 0
    # the activities' shares add up to the site: energy and scope 1 + 2 emissions
    kwh = s["energy_bought_mwh"] * 1000  # gross consumption: exports not netted
    assert v["energy_intensity_per_btc"] * v["btc_mined"] + v[
        "energy_intensity_per_gpu_hour"
    ] * v["gpu_hours"] == pytest.approx(kwh)
    grid_kg = s["programs"]["emissions"]["location_based_tco2"] * 1000
    assert v["ghg_intensity_per_btc"] * 1000 * v["btc_mined"] + v[
        "ghg_intensity_per_gpu_hour"
    ] * v["gpu_hours"] == pytest.approx(grid_kg)
