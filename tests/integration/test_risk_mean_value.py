"""The mean-value scenario of a risk study (VSS): every scenario counts with its value.

A scenario that leaves a path to the base counts with the base's value there, and a
constant and a by-year path are averaged year by year, so VSS is not an artefact of
a path the mean-value scenario could not average.
"""

from __future__ import annotations

from typing import Any

import pytest

from grid_flex.studies.risk import RiskScenario, solve_risk
from grid_flex.studies.risk_study import mean_value_patch, run_risk
from grid_flex.testing import (
    BITCOIN_2027,
    s21_study,
)

PATH = {2027: 20000.0, 2028: 30000.0}  # the base's by-year BTC price [USD]


def base(btc: Any = None) -> Any:
    return s21_study(
        bitcoin=BITCOIN_2027 | {"btc_price_usd": PATH if btc is None else btc}
    )


def btc(v: Any) -> dict[str, Any]:
    return {"study": {"bitcoin": {"btc_price_usd": v}}}


def test_a_constant_and_the_base_path_average_year_by_year():
    # a keeps the base's path (20,000, 30,000), b gives 300,000 in every year:
    # 2027: 0.25 · 20,000 + 0.75 · 300,000 = 230,000
    # 2028: 0.25 · 30,000 + 0.75 · 300,000 = 232,500
    two = [RiskScenario("a", 0.25), RiskScenario("b", 0.75, btc(300000.0))]
    mv, kept = mean_value_patch(two, base())
    assert kept == []
    assert mv == btc({2027: 230000.0, 2028: 232500.0})
    # a merged patch counts with the merged path: a's 2028 is 10,000, 2027 the
    # base's 20,000 → 2027 as above, 2028: 0.25 · 10,000 + 0.75 · 300,000 = 227,500
    merged = [RiskScenario("a", 0.25, btc({2028: 10000.0})), two[1]]
    mv, _ = mean_value_patch(merged, base())
    assert mv == btc({2027: 230000.0, 2028: 227500.0})


def test_a_path_only_one_scenario_gives_counts_the_base_elsewhere():
    # b changes the pool fee; a keeps the base's 0: mean 0.5 · 0 + 0.5 · 0.02
    fee = {"assets": {"fleet": {"pool_fee_frac": 0.02}}}
    two = [RiskScenario("a", 0.5), RiskScenario("b", 0.5, fee)]
    mv, kept = mean_value_patch(two, base())
    assert kept == []
    assert mv == {"assets": {"fleet": {"pool_fee_frac": pytest.approx(0.01)}}}


def test_vss_is_zero_when_the_mean_value_design_is_the_stochastic_one():
    # the base path alone builds nothing; at 300,000 USD/BTC 5 MW pays, and at the
    # mean path (160,000, 165,000) too, as the stochastic study does: the
    # mean-value design is the stochastic design, so EEV = RP and VSS = 0.
    two = [RiskScenario("a", 0.5), RiskScenario("b", 0.5, btc(300000.0))]
    alone = solve_risk(base(), [RiskScenario("a", 1.0)], alpha=0.5, omega=0.0)
    assert alone.capacities["fleet.power_mw"] == pytest.approx(0.0, abs=1e-9)
    mean = solve_risk(
        base({2027: 160000.0, 2028: 165000.0}), [RiskScenario("m", 1.0)], alpha=0.5
    )
    r, _ = run_risk(base(), two, alpha=0.5, omega=0.0)
    assert r.neutral.capacities["fleet.power_mw"] == pytest.approx(5.0)
    assert mean.capacities == pytest.approx(r.neutral.capacities)
    assert r.values["rp_usd"] > 0.0
    assert r.values["eev_usd"] == pytest.approx(r.values["rp_usd"], rel=1e-9)
    assert r.values["vss_usd"] == pytest.approx(0.0, abs=1e-6 * r.values["rp_usd"])
