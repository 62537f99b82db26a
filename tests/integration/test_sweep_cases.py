"""Sweeps: the hosting-capacity curve on a hand case, stored time series, studies.

The hand case: one S21 fleet (3.5 kW a unit, worth 119 USD/MWh, bought at 20 USD/MWh:
it runs whenever it can) behind an import cap of 7, 7, 7 and 3.5 MW over four hours.
A fleet of P MW (P ≤ 7) loses P − 3.5 MW in the last hour, so its curtailed share is
(P − 3.5) / 4P: 1000 → 1600 and 2000 units (3.5, 4.2, 4.9, 5.6, 7.0 MW) lose 0,
0.7/16.8 = 0.0417, 1.4/19.6 = 0.0714, 2.1/22.4 = 0.0938 and 3.5/28 = 0.125.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import grid_flex as gf
from grid_flex.resources import scenarios_dir
from grid_flex.studies.feasibility import run_feasibility
from grid_flex.studies.resolve import one_thread_options
from grid_flex.studies.sweep import run_sweep, study_kpis

pytestmark = pytest.mark.solver

HAND_SITE = """\
name: hosting_hand_case
site: {import_limit_mw: 100}
horizon: {start: 2024-06-03T00:00:00+00:00, end: 2024-06-03T04:00:00+00:00,
          timestep_min: 60, timezone: UTC}
energy:
  price: {format: inline, unit: usd_per_mwh, values: [20, 20, 20, 20]}
hashprice: {usd_per_ths_day: 0.05}
assets:
  - {type: asic_fleet, id: fleet, model: asic/antminer_s21, count: 1000,
     availability_frac: 1.0, pool_fee_frac: 0.0, pue: 1.0}
programs:
  - type: import_cap
    cap_series: {format: inline, unit: mw, values: [7.0, 7.0, 7.0, 3.5]}
"""
HAND_SWEEP = """\
base: site.yaml
grid:
  - {path: assets.fleet.count, values: [1000, 1200, 1400, 1600, 2000]}
hosting_capacity: {limits_frac: [0.0, 0.05, 0.08, 0.1, 0.2]}
timeseries: true
"""
POWER_MW = [3.5, 4.2, 4.9, 5.6, 7.0]  # 0.0035 MW a unit


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hand")
    (folder / "site.yaml").write_text(HAND_SITE, encoding="utf-8")
    (folder / "sweep.yaml").write_text(HAND_SWEEP, encoding="utf-8")
    outcome = run_sweep(folder / "sweep.yaml", folder / "out", quiet=True)
    assert (outcome.solved, outcome.failed) == (5, 0)
    return folder / "out"


def test_hosting_capacity_curve_matches_the_hand_case(hand: Path) -> None:
    s = pd.read_csv(hand / "summary.csv")
    share = [(p - 3.5) / (4 * p) for p in POWER_MW]
    got = (
        s["assets.fleet.curtailed_mwh"]
        / (s["assets.fleet.energy_mwh"] + s["assets.fleet.curtailed_mwh"])
    ).to_numpy()
    np.testing.assert_allclose(got, share, atol=1e-9)
    hc = pd.read_csv(hand / "hosting_capacity.csv")
    assert hc["curtailment_limit_frac"].tolist() == [0.0, 0.05, 0.08, 0.1, 0.2]
    # The largest fleet whose share stays within each limit: 3.5 MW loses nothing;
    # 4.2 (0.0417) ≤ 0.05 < 4.9 (0.0714) ≤ 0.08 < 5.6 (0.0938) ≤ 0.1 < 7.0 (0.125).
    np.testing.assert_allclose(hc["hosting_capacity_mw"], POWER_MW, rtol=1e-12)
    np.testing.assert_allclose(hc["curtailment_frac"], share, atol=1e-9)
    assert hc["case"].tolist() == [0, 1, 2, 3, 4]
    assert hc["at_sweep_max"].tolist() == [False, False, False, False, True]


def test_timeseries_land_in_the_store_and_read_back(hand: Path) -> None:
    s = pd.read_csv(hand / "summary.csv")
    files = sorted((hand / "timeseries").glob("*.parquet"))
    assert sorted(f.stem for f in files) == sorted(s["key"])
    for key, p_mw, energy in zip(
        s["key"], POWER_MW, s["assets.fleet.energy_mwh"], strict=True
    ):
        ts = pd.read_parquet(hand / "timeseries" / f"{key}.parquet")
        assert str(ts.index.tz) == "UTC"
        assert ts.index[0] == pd.Timestamp("2024-06-03T00:00:00Z")
        assert len(ts) == 4
        # Full power for three hours, then the 3.5 MW cap.
        np.testing.assert_allclose(
            ts["fleet.power_mw"], [p_mw, p_mw, p_mw, min(p_mw, 3.5)], atol=1e-9
        )
        assert (ts["fleet.power_mw"] * ts["site.timestep_h"]).sum() == pytest.approx(
            energy, rel=1e-12
        )


STUDY_SWEEP = """\
base: houston_hospital_heat_sizing_2020
set: {horizon.end: 2020-01-03T00:00:00}
grid:
  - {path: study.discount_frac_per_yr, values: [0.04, 0.15]}
  - {path: energy.adders_usd_per_mwh, values: [0.0, 40.0]}
"""


def test_feasibility_study_as_the_base(tmp_path: Path) -> None:
    spec = tmp_path / "sweep.yaml"
    spec.write_text(STUDY_SWEEP, encoding="utf-8")
    outcome = run_sweep(spec, tmp_path / "out", quiet=True)
    assert (outcome.solved, outcome.failed) == (4, 0)
    s = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert (s["status"] == "ok").all()
    for col in ("npv_usd", "irr_frac", "mirr_frac", "npv_vs_bau_usd"):
        assert col in s.columns
    assert "size.hospital_heat.heat_pump_mwth" in s.columns
    assert "size_optimal.hospital_heat.storage_mwhth" in s.columns
    # Each row is the study run directly on that case's scenario (axes over a study
    # field and a scenario field both reach it).
    for i in (0, 3):
        rate, adder = s.loc[
            i, ["study.discount_frac_per_yr", "energy.adders_usd_per_mwh"]
        ]
        sc, base = gf.load_scenario(
            scenarios_dir() / "studies" / "houston_hospital_heat_sizing_2020.yaml",
            assignments=[
                "horizon.end=2020-01-03T00:00:00",
                f"study.discount_frac_per_yr={rate}",
                f"energy.adders_usd_per_mwh={adder}",
            ],
        )
        direct = study_kpis(run_feasibility(sc, base, options=one_thread_options(sc)))
        for col in (
            "npv_usd",
            "bau_npv_usd",
            "profit_usd",
            *[c for c in direct if c.startswith("size")],
        ):
            assert s.loc[i, col] == pytest.approx(direct[col], rel=1e-9, abs=1e-9), col
    # Business as usual pays nothing: a dearer grid lowers its NPV at either rate.
    for _, by_rate in s.groupby("study.discount_frac_per_yr"):
        assert by_rate.sort_values("energy.adders_usd_per_mwh")[
            "bau_npv_usd"
        ].is_monotonic_decreasing


def test_a_study_and_a_solve_of_one_scenario_have_different_keys(
    tmp_path: Path,
) -> None:
    from grid_flex.studies.sweep_spec import expand, read_spec

    spec = tmp_path / "sweep.yaml"
    spec.write_text(STUDY_SWEEP, encoding="utf-8")
    solve = tmp_path / "solve.yaml"
    solve.write_text(STUDY_SWEEP + "run: solve\n", encoding="utf-8")
    studies = expand(*read_spec(spec))
    solves = expand(*read_spec(solve))
    assert {c.run for c in studies} == {"size"}
    assert {c.run for c in solves} == {"solve"}
    assert not {c.key for c in studies} & {c.key for c in solves}
