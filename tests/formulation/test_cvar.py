"""Two-stage expected value and CVaR: optima worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError
from grid_flex.studies.feasibility import run_feasibility
from grid_flex.studies.risk import RiskScenario, solve_risk
from grid_flex.studies.risk_cvar import tail_stats
from grid_flex.testing import s21_fleet, small_scenario

pytestmark = pytest.mark.solver

PRICE = 20.0  # USD/MWh, flat, one day hourly
S21_THS_PER_MW = 200.0 / 0.0035  # 57,142.857 TH/s per MW (17.5 J/TH)
CAPEX_USD_PER_TH = 10.0
CAPEX_USD_PER_MW = CAPEX_USD_PER_TH * S21_THS_PER_MW  # 571,428.6 USD/MW
MAX_MW = 5.0


def fleet() -> dict[str, Any]:
    return s21_fleet(
        hashrate_curve="linear",
        size={"max_mw": MAX_MW, "life_yr": 1, "capex_usd_per_th": CAPEX_USD_PER_TH},
    )


def base() -> Any:
    return small_scenario(
        [PRICE] * 24,
        [fleet()],
        hashprice_usd_per_ths_day=0.1,
        study={
            "discount_frac_per_yr": 0.0,
            "analysis_yr": 1,
            "federal_tax_frac": 0.0,
            "breakeven_btc_price": False,
        },
    )


def npv_per_mw(hp: float) -> float:
    """One year (the day × 365) of hashing every hour minus the capex of one MW."""
    margin = mining_value_usd_per_mwh(hp, 17.5, 0.0) - PRICE  # > 0 at both prices
    return margin * 8760.0 - CAPEX_USD_PER_MW


HIGH, LOW = 0.1, 0.02
# HIGH: (238.10 − 20) · 8760 − 571,428.6 = +1,339,127 USD/MW
# LOW:  (47.62 − 20) · 8760 − 571,428.6 = −329,476 USD/MW
A_HIGH, A_LOW = npv_per_mw(HIGH), npv_per_mw(LOW)


def two(p_high: float = 0.5) -> list[RiskScenario]:
    return [
        RiskScenario("high", p_high, {"hashprice": {"usd_per_ths_day": HIGH}}),
        RiskScenario("low", 1.0 - p_high, {"hashprice": {"usd_per_ths_day": LOW}}),
    ]


def test_hand_numbers_have_the_signs_the_cases_need():
    assert A_HIGH > 0 > A_LOW
    assert 0.5 * A_HIGH + 0.5 * A_LOW > 0


def test_risk_neutral_two_scenarios_build_the_fleet_and_earn_the_expectation():
    # NPV_s = C · a_s is linear in C: E = C (a_h + a_l)/2 > 0 → C = 5 MW
    r = solve_risk(base(), two(), omega=0.0)
    assert r.capacities["fleet.power_mw"] == pytest.approx(MAX_MW, abs=1e-6)
    npv = dict(
        zip(
            r.scenario_results["scenario"],
            r.scenario_results["profit_usd"],
            strict=True,
        )
    )
    assert npv["high"] == pytest.approx(MAX_MW * A_HIGH, rel=1e-7)
    assert npv["low"] == pytest.approx(MAX_MW * A_LOW, rel=1e-7)
    assert r.objective_usd == pytest.approx(MAX_MW * (A_HIGH + A_LOW) / 2, rel=1e-7)
    assert r.risk["expected_usd"] == pytest.approx(r.objective_usd, rel=1e-9)


@pytest.mark.parametrize(
    ("omega", "built"),
    [
        # (1 − ω) E[a] + ω a_low = 504,826 − ω · 834,302 changes sign at ω* = 0.6051
        (0.55, True),
        (0.65, False),
        (1.0, False),
    ],
)
def test_cvar_weight_switches_the_design_where_the_hand_sum_changes_sign(omega, built):
    # α = 0.5 with p = ½, ½: the worst half is exactly the low scenario
    r = solve_risk(base(), two(), alpha=0.5, omega=omega)
    e = (A_HIGH + A_LOW) / 2
    omega_star = e / (e - A_LOW)
    assert (omega < omega_star) == built
    c = MAX_MW if built else 0.0
    assert r.capacities["fleet.power_mw"] == pytest.approx(c, abs=1e-6)
    assert r.objective_usd == pytest.approx(
        c * ((1 - omega) * e + omega * A_LOW), rel=1e-7, abs=1e-3
    )


def test_omega_one_alpha_one_minus_min_probability_is_the_worst_case_design():
    # p = 0.8 / 0.2; α = 1 − 0.2: CVaR is the worst scenario's NPV, whichever it is;
    # max_C min_s C · a_s = 0 at C = 0 (a_low < 0) although E[a] > 0
    r = solve_risk(base(), two(0.8), alpha=0.8, omega=1.0)
    assert r.capacities["fleet.power_mw"] == pytest.approx(0.0, abs=1e-6)
    assert r.objective_usd == pytest.approx(0.0, abs=1e-3)
    neutral = solve_risk(base(), two(0.8), alpha=0.8, omega=0.0)
    assert neutral.capacities["fleet.power_mw"] == pytest.approx(MAX_MW, abs=1e-6)


@pytest.mark.parametrize("omega", [0.0, 0.5, 1.0])
def test_identical_scenarios_give_the_deterministic_study(omega):
    sc = base()
    det = run_feasibility(sc)
    same = [RiskScenario(f"s{i}", p, {}) for i, p in enumerate((0.25, 0.25, 0.5))]
    r = solve_risk(sc, same, alpha=0.9, omega=omega)
    assert r.capacities == pytest.approx(det.optimal.capacities, abs=1e-6)
    assert r.objective_usd == pytest.approx(det.optimal.objective_usd, rel=1e-9)
    assert r.scenario_results["profit_usd"].tolist() == pytest.approx(
        [det.optimal.objective_usd] * 3, rel=1e-9
    )


def test_reported_cvar_is_the_mean_of_the_worst_scenarios_recomputed():
    r = solve_risk(base(), two(0.5), alpha=0.5, omega=0.3)
    t = r.scenario_results.sort_values("profit_usd")
    assert r.risk["cvar_usd"] == pytest.approx(t["profit_usd"].iloc[0], rel=1e-9)
    # a boundary split: 4 equiprobable outcomes, worst 30 % = ¼ of the worst + ⅙·...
    s = tail_stats([4.0, 1.0, 3.0, 2.0], [0.25] * 4, 0.7)
    assert s["cvar_usd"] == pytest.approx((0.25 * 1.0 + 0.05 * 2.0) / 0.3)
    assert s["var_usd"] == 2.0
    assert s["expected_usd"] == pytest.approx(2.5)


@pytest.mark.parametrize(
    ("kw", "scen", "words"),
    [
        ({"alpha": 1.0}, None, "risk.alpha"),
        ({"alpha": 0.0}, None, "risk.alpha"),
        ({"omega": 1.5}, None, "risk.omega"),
        ({"omega": -0.1}, None, "risk.omega"),
        ({}, [RiskScenario("a", 0.5), RiskScenario("b", 0.4)], "sum to 0.9"),
        ({}, [RiskScenario("a", 1.5), RiskScenario("b", -0.5)], "probability"),
        (
            {},
            [RiskScenario("a", 1.0, {"hashprice": {"usd_per_ths_dya": 0.1}})],
            "usd_per_ths_dya",
        ),
    ],
)
def test_bad_risk_input_names_the_field(kw, scen, words):
    with pytest.raises(ScenarioError, match=words):
        solve_risk(base(), scen or two(), **kw)


def test_var_at_tied_probabilities_is_the_lower_quantile_of_the_loss():
    # Rockafellar–Uryasev VaR_α(L) = min{ζ : P(L ≤ ζ) ≥ α}, L = −NPV.
    # 60 equiprobable NPVs 1..60 at α = 0.95: losses sorted up are −60, …, −1 and
    # P(L ≤ −k) = (60 − k + 1)/60 ≥ 0.95 ⇔ 61 − k ≥ 57 ⇔ k ≤ 4, so the smallest ζ is
    # −4: VaR in NPV terms is 4, the 4th-worst NPV (the worst 3 = 3/60 = 5 % exactly
    # fill the tail; the 3rd-worst, 3, has P(L ≤ −3) = 58/60 too, but −4 < −3).
    npv = [float(k) for k in range(60, 0, -1)]
    s = tail_stats(npv, [1.0 / 60] * 60, 0.95)
    assert s["var_usd"] == 4.0
    # CVaR is the mean of the worst 5 % = the worst three: (1 + 2 + 3)/3 = 2
    assert s["cvar_usd"] == pytest.approx(2.0)
    # the reviewer's small case: NPVs 1..4 at α = 0.5; P(L ≤ −3) = P(NPV ≥ 3) = 0.5
    # ≥ 0.5 and P(L ≤ −4) = 0.25 < 0.5, so VaR = 3 (not 2, the best of the worst half)
    assert tail_stats([1.0, 2.0, 3.0, 4.0], [0.25] * 4, 0.5)["var_usd"] == 3.0
    # untied: NPVs 1..4 at α = 0.7: P(NPV ≥ 2) = 0.75 ≥ 0.7, P(NPV ≥ 3) = 0.5 → 2
    assert tail_stats([1.0, 2.0, 3.0, 4.0], [0.25] * 4, 0.7)["var_usd"] == 2.0
