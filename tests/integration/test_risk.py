"""Risk studies end to end: scenario sets, the risk command and its files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from grid_flex.cli import main
from grid_flex.studies.risk_set import gbm_scenarios, load_risk_study
from grid_flex.studies.risk_study import mean_value_patch, run_risk
from grid_flex.testing import (
    BITCOIN_2027,
    STUDY_DAY_USD_PER_MWH,
    s21_study,
)

pytestmark = pytest.mark.solver

PRICES = STUDY_DAY_USD_PER_MWH  # one day, hourly
BITCOIN = BITCOIN_2027


def base(**study: Any) -> Any:
    return s21_study(**study)


def write_study(tmp: Path, **study: Any) -> Path:
    (tmp / "base.yaml").write_text(
        yaml.safe_dump(base().model_dump(mode="json", exclude_unset=True))
    )
    data = {"scenario": "base.yaml", "alpha": 0.75, "omega": 0.5} | study
    path = tmp / "risk.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


GBM = {"generate": {"btc_gbm": {"paths": 4, "seed": 3, "volatility_frac_per_yr": 0.6}}}


def test_gbm_paths_are_reproducible_and_have_the_stated_drift():
    spec = {"paths": 4000, "seed": 1, "drift_frac_per_yr": 0.1}
    a = gbm_scenarios(base(), spec, "t")
    b = gbm_scenarios(base(), spec, "t")
    assert [s.patch for s in a[:3]] == [s.patch for s in b[:3]]
    p = np.array(
        [
            [
                s.patch["study"]["bitcoin"]["btc_price_usd"][y]
                for y in (2027, 2028, 2029)
            ]
            for s in a
        ]
    )
    assert (p[:, 0] == 100000.0).all()
    # E[P_t] = P0 e^{μt}: 100,000 · e^{0.2} = 122,140 at t = 2 (σ = 0.6: sampling
    # error of the mean ≈ P·sqrt(e^{σ²t} − 1)/√4000 ≈ 1.7 %)
    assert p[:, 2].mean() == pytest.approx(100000.0 * np.exp(0.2), rel=0.06)
    assert sum(s.probability for s in a) == pytest.approx(1.0)


def test_tied_difficulty_follows_the_price_with_elasticity_one():
    s = gbm_scenarios(base(), {"paths": 1, "seed": 2, "difficulty_tie_frac": 1.0}, "t")
    btc = s[0].patch["study"]["bitcoin"]
    ratio = btc["btc_price_usd"][2028] / btc["btc_price_usd"][2027]
    assert btc["difficulty_growth_frac_per_yr"][2028] == pytest.approx(1.2 * ratio - 1)


def test_risk_command_writes_the_files_and_cvar_closes(tmp_path):
    study = write_study(tmp_path, frontier_omegas=[0.0, 1.0], **GBM)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["risk", str(study), "-o", str(out)])
    assert res.exit_code == 0, res.output
    for f in (
        "scenario_set.csv",
        "scenario_results.csv",
        "designs.csv",
        "frontier.csv",
    ):
        assert (out / f).is_file(), f
    risk = json.loads((out / "summary.json").read_text())["summary"]["risk"]
    t = pd.read_csv(out / "scenario_results.csv").sort_values("profit_usd")
    # α = 0.75 with 4 equiprobable paths: CVaR is the worst path's NPV
    assert risk["cvar_usd"] == pytest.approx(t["profit_usd"].iloc[0], rel=1e-9)
    assert risk["expected_usd"] == pytest.approx(t["profit_usd"].mean(), rel=1e-9)
    assert risk["alpha"] == 0.75
    assert risk["omega"] == 0.5
    assert risk["evpi_usd"] >= -1e-6 * abs(risk["ws_usd"])
    assert risk["vss_usd"] >= -1e-6 * abs(risk["rp_usd"])
    assert risk["cost_of_risk_aversion_usd"] >= -1e-6
    f = pd.read_csv(out / "frontier.csv")
    # ω = 1 maximises CVaR, ω = 0 the expectation: each wins on its own measure
    assert f["cvar_usd"].iloc[1] >= f["cvar_usd"].iloc[0] - 1e-6
    assert f["expected_usd"].iloc[0] >= f["expected_usd"].iloc[1] - 1e-6
    # same design at ω = 0 and 1 → same re-optimised operation, same expectation
    if f["fleet.power_mw"].iloc[0] == pytest.approx(f["fleet.power_mw"].iloc[1]):
        assert f["expected_usd"].iloc[1] == pytest.approx(f["expected_usd"].iloc[0])
    assert len(pd.read_csv(out / "scenario_set.csv")) == 4


def test_written_scenarios_and_mean_value_design(tmp_path):
    path = "study.bitcoin.btc_price_usd"
    study = write_study(
        tmp_path,
        scenarios=[
            {"name": "bear", "probability": 0.4, "set": [f"{path}=40000"]},
            {"name": "bull", "probability": 0.6, "set": [f"{path}=150000"]},
        ],
    )
    rs = load_risk_study(study)
    mv, kept = mean_value_patch(rs.scenarios)
    assert kept == []
    assert mv == {"study": {"bitcoin": {"btc_price_usd": pytest.approx(106000.0)}}}
    r, _ = run_risk(rs.base, rs.scenarios, rs.base_dir, alpha=0.6, omega=1.0)
    assert r.values["evpi_usd"] >= -1e-6
    assert r.values["vss_usd"] >= -1e-6
    assert r.averse.risk["cvar_usd"] == pytest.approx(
        r.averse.scenario_results["profit_usd"].min(), rel=1e-9
    )


@pytest.mark.parametrize(
    ("study", "words"),
    [
        ({"alpha": 1.2, **GBM}, "alpha"),
        ({"omega": -1, **GBM}, "omega"),
        ({"generate": {"btc_gbm": {"paths": 3}}}, "generate.btc_gbm.seed"),
        (
            {"generate": {"btc_gbm": {"seed": 1, "volatility_frac_per_yr": 60}}},
            "generate.btc_gbm.volatility_frac_per_yr: 60 is outside [0, 2]",
        ),
        (
            {"generate": {"btc_gbm": {"seed": 1, "drift_frac_per_yr": 15}}},
            "generate.btc_gbm.drift_frac_per_yr: 15 is outside [-1, 2]",
        ),
        (
            {"generate": {"btc_gbm": {"seed": 1, "difficulty_tie_frac": -0.5}}},
            "generate.btc_gbm.difficulty_tie_frac: -0.5 is outside [0, 1]",
        ),
        (
            {
                "scenarios": [
                    {"name": "a", "probability": 0.7},
                    {"name": "b", "probability": 0.2},
                ]
            },
            "sum to 0.9",
        ),
        (
            {
                "scenarios": [
                    {"name": "a", "probability": -0.5},
                    {"name": "b", "probability": 1.5},
                ]
            },
            "scenarios[0].probability",
        ),
        (
            {
                "scenarios": [
                    {"name": "a", "probability": 1, "set": ["site.no_such_mw=3"]}
                ]
            },
            "no_such_mw",
        ),
    ],
)
def test_bad_risk_study_exits_2_naming_the_field(tmp_path, study, words):
    path = write_study(tmp_path, **study)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["risk", str(path), "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert words in res.output
    assert not out.exists()


def test_bundled_risk_study_on_three_paths_and_one_day(tmp_path):
    # the bundled set is 20 paths × 3 ERCOT weather years over 2025-2030 reduced to 6
    # (two per weather year); here three of them (renormalised) on one day, so it
    # runs in seconds
    from dataclasses import replace

    from grid_flex.resources import scenarios_dir

    study = scenarios_dir() / "risk" / "west_texas_greenfield_2025_risk.yaml"
    rs = load_risk_study(study, assignments=("horizon.end=2020-01-02T00:00:00",))
    assert len(rs.scenarios) == 6
    assert sum(s.probability for s in rs.scenarios) == pytest.approx(1.0)
    years = [s.patch["study"]["weather_years"][0]["year"] for s in rs.scenarios]
    assert sorted(years) == [2019, 2019, 2020, 2020, 2021, 2021]
    assert (rs.alpha, rs.omega) == (0.95, 0.5)
    assert rs.base.programs[0].size is not None  # the fixed-price block is sized
    three = [replace(s, probability=1 / 3) for s in rs.scenarios[:3]]
    r, _ = run_risk(rs.base, three, rs.base_dir, alpha=0.6, omega=0.5)
    v = r.values
    assert v["evpi_usd"] >= -1e-6 * max(1.0, abs(v["ws_usd"]))
    assert v["vss_usd"] is not None
    assert v["vss_usd"] >= -1e-6 * max(1.0, abs(v["rp_usd"]))
    assert v["cost_of_risk_aversion_usd"] >= -1e-6 * max(1.0, abs(v["rp_usd"]))
    t = r.averse.scenario_results.sort_values("profit_usd")
    # α = 0.6 of three equiprobable paths: the worst 40 % is the worst path (1/3)
    # and a fifteenth of the next: (1/3 · p1 + 1/15 · p2) / 0.4
    p1, p2 = t["profit_usd"].iloc[0], t["profit_usd"].iloc[1]
    assert r.averse.risk["cvar_usd"] == pytest.approx((p1 / 3 + p2 / 15) / 0.4)


def test_risk_command_finds_a_bundled_study_by_name(tmp_path):
    res = CliRunner().invoke(
        main,
        [
            "risk",
            "west_texas_greenfield_2025_risk",
            "--set",
            "study.no_such_rate=7",
        ],
    )
    # found by name, then the bad --set on its base is refused naming the field
    assert res.exit_code == 2, res.output
    assert "no_such_rate" in res.output


def test_a_scenario_with_a_bad_price_file_is_named_without_a_weather_hint(tmp_path):
    # one missing price in the patched file: the error names it, and gives no
    # weather_years hint (the base study has none, and the file covers the day)
    stamps = pd.date_range("2024-06-03", periods=len(PRICES), freq="h", tz="UTC")
    values: list[Any] = list(PRICES)
    values[5] = None
    pd.DataFrame({"timestamp": stamps, "lmp": values}).to_csv(
        tmp_path / "p_nan.csv", index=False
    )
    price = (
        "energy.price={format: csv, file: p_nan.csv, time_column: timestamp, "
        "value_column: lmp, unit: usd_per_mwh, time_convention: start, timezone: UTC}"
    )
    path = write_study(
        tmp_path,
        scenarios=[
            {"name": "a", "probability": 0.5},
            {"name": "b", "probability": 0.5, "set": [price]},
        ],
    )
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["risk", str(path), "-q", "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert "risk scenario 'b'" in res.output
    assert "1 missing value: 2024-06-03 05:00 UTC" in res.output
    assert "complete_from" not in res.output
    assert not out.exists()
