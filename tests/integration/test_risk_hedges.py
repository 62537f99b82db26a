"""Hedges as first-stage decisions of a risk study, against optima worked by hand.

Two equiprobable scenarios, α = 0.5: CVaR is the worse scenario's NPV (α = 1 − the
smallest probability). A 1 MW fleet (S21, 17.5 J/TH, linear curve, PUE 1,
availability 1) runs in every hour of both scenarios, so each scenario's NPV is a
constant plus the hedge's settlement, linear in the hedge's size, and the design is
read off the slope of ``(1 − ω) E + ω · worst``.
"""

from __future__ import annotations

from typing import Any

import pytest

from grid_flex.studies.risk import RiskScenario, solve_risk
from grid_flex.studies.risk_study import run_risk
from grid_flex.testing import small_scenario

pytestmark = pytest.mark.solver

HOURS = 24
#: S21 at 17.5 J/TH: 10⁶ W / 17.5 W per TH/s of hashrate per MW [TH/s per MW].
THS_PER_MW = 1e6 / 17.5


def base(programs: list[dict[str, Any]], *, pool_fee_frac: float = 0.0) -> Any:
    fleet = {
        "type": "asic_fleet",
        "id": "fleet",
        "model": "asic/antminer_s21",
        "power_mw": 1.0,
        "pue": 1.0,
        "availability_frac": 1.0,
        "pool_fee_frac": pool_fee_frac,
        "hashrate_curve": "linear",
    }
    return small_scenario(
        [20.0] * HOURS,
        [fleet],
        hashprice_usd_per_ths_day=0.1,
        programs=programs,
        study={
            "discount_frac_per_yr": 0.1,
            "analysis_yr": 1,
            "start_year": 2027,
            "federal_tax_frac": 0.0,
            "breakeven_btc_price": False,
        },
    )


def prices(p: float) -> dict[str, Any]:
    return {
        "energy": {
            "price": {"format": "inline", "unit": "usd_per_mwh", "values": [p] * HOURS}
        }
    }


# ---- fixed-price block ----------------------------------------------------------
# Spot 20 or 80 USD/MWh (p = ½ each, E = 50), block price F = 55. Per MW of block and
# hour the swap pays p − F: −35 in the cheap scenario, +25 in the dear one, −5 in
# expectation. The fleet draws L = 1 MW in every hour, so NPV_s = K − p_s·L·24·w +
# B·(p_s − F)·24·w: the dear scenario is the worse while B < L (they cross at B = L).
# d/dB [(1 − ω) E + ω · worst] ∝ (1 − ω)(−5) + ω · 25 > 0  ⇔  ω > 5 / 30 = 1/6; above
# it the block grows to B = L = 1 MW (beyond, the cheap scenario is the worse and the
# slope (1 − ω)(−5) + ω(−35) is negative). Risk-neutral: B = 0.
BLOCK = {
    "type": "fixed_price_contract",
    "id": "contract",
    "fixed_price_usd_per_mwh": 55.0,
    "size": {"max_mw": 3.0},
}
SPOT = [
    RiskScenario("cheap", 0.5, prices(20.0)),
    RiskScenario("dear", 0.5, prices(80.0)),
]


@pytest.mark.parametrize(("omega", "block_mw"), [(0.0, 0.0), (0.15, 0.0), (0.2, 1.0)])
def test_fixed_price_block_bought_exactly_when_omega_passes_one_sixth(omega, block_mw):
    out = solve_risk(base([BLOCK]), SPOT, alpha=0.5, omega=omega)
    assert out.capacities["contract.block_mw"] == pytest.approx(block_mw, abs=1e-6)


def test_full_block_levels_the_two_scenarios_and_cvar_is_the_worse():
    out = solve_risk(base([BLOCK]), SPOT, alpha=0.5, omega=1.0)
    assert out.capacities["contract.block_mw"] == pytest.approx(1.0, abs=1e-6)
    npv = out.scenario_results.set_index("scenario")["profit_usd"]
    # B = L: each scenario pays F for the MWh it draws, whatever the spot price
    assert npv["cheap"] == pytest.approx(npv["dear"], rel=1e-9)
    assert out.risk["cvar_usd"] == pytest.approx(npv.min(), rel=1e-9)


def test_block_at_or_below_mean_spot_price_is_a_free_hedge():
    # F = 50 = E[p]: the swap is worth 0 in expectation, so any ω > 0 buys B = L
    free = BLOCK | {"fixed_price_usd_per_mwh": 50.0}
    out = solve_risk(base([free]), SPOT, alpha=0.5, omega=0.01)
    assert out.capacities["contract.block_mw"] == pytest.approx(1.0, abs=1e-6)


# ---- hashrate forward ------------------------------------------------------------
# Spot hashprice 0.03 or 0.06 USD/TH/s/day (E = 0.045), forward at F = 0.04, pool fee
# f = 10 %. Per TH/s and day the forward pays F − h: +0.01 when low, −0.02 when high,
# −0.005 in expectation. NPV_s = K + H(1 − f)h_s·D·w + V(F − h_s)·D·w, H the fleet's
# hashrate: the low scenario is the worse while V < H(1 − f) (they cross there).
# d/dV ∝ (1 − ω)(−0.005) + ω · 0.01 > 0  ⇔  ω > 1/3; above it V = 0.9·H, below the
# delivery bound V ≤ H. With F = 0.05 > E[h] risk-neutral sells all it can deliver:
# V = H (the delivery row binds, not max_ths).
def forward(fixed: float) -> dict[str, Any]:
    return {
        "type": "hashrate_forward",
        "id": "fwd",
        "fixed_hashprice_usd_per_ths_day": fixed,
        "size": {"max_ths": 100000.0},
    }


def hashprice(h: float) -> dict[str, Any]:
    return {"hashprice": {"usd_per_ths_day": h}}


HP = [
    RiskScenario("low", 0.5, hashprice(0.03)),
    RiskScenario("high", 0.5, hashprice(0.06)),
]
H = THS_PER_MW * 1.0


@pytest.mark.parametrize(
    ("omega", "forward_ths"), [(0.0, 0.0), (0.3, 0.0), (0.4, 0.9 * H), (1.0, 0.9 * H)]
)
def test_hashrate_forward_sold_exactly_when_omega_passes_one_third(omega, forward_ths):
    sc = base([forward(0.04)], pool_fee_frac=0.1)
    out = solve_risk(sc, HP, alpha=0.5, omega=omega)
    assert out.capacities["fwd.forward_ths"] == pytest.approx(forward_ths, rel=1e-6)


def test_hashrate_forward_is_bounded_by_what_the_fleet_delivers():
    sc = base([forward(0.05)], pool_fee_frac=0.1)
    out = solve_risk(sc, HP, alpha=0.5, omega=0.0)
    assert out.capacities["fwd.forward_ths"] == pytest.approx(H, rel=1e-6)


def test_hedges_side_by_side_in_designs():
    # Both hedges offered, ω = 1 (maximise the worse scenario). The fleet's net
    # hashrate H (1 − f) = 51,428.6 TH/s is worth 51,428.6 · h / 24 USD per MWh:
    #   bad  (80 USD/MWh, h 0.03): 64.29 < 80, the fleet stays off: K_b = 0
    #   good (20 USD/MWh, h 0.06): 128.57 − 20 = K_g = 108.571 USD per hour
    # One MW of block moves bad by +25 and good by −35 per hour. Unbounded, max-min
    # would buy it up to the crossing 108.571 / 60 = 1.8095 MW, more than the 1 MW the
    # site can ever draw; the block is held to the site's most draw, B ≤ 1 MW, and
    # bad (25 B) is still the worse there: B = 1, bad 25, good 73.571 per hour.
    # Then the forward: running p MW in bad to deliver V = p·H loses 15.714 p on the
    # fleet and earns V (0.04 − 0.03)/24 = 23.810 p: bad + 8.095 p; in good (fleet
    # full anyway) it pays V (0.04 − 0.06)/24 = −47.619 p. Crossing:
    # 25 + 8.095 p = 73.571 − 47.619 p → p = 48.571 / 55.714 = 34/39, V = 34/39 · H.
    sc = base([BLOCK, forward(0.04)], pool_fee_frac=0.1)
    both = [
        RiskScenario("bad", 0.5, prices(80.0) | hashprice(0.03)),
        RiskScenario("good", 0.5, prices(20.0) | hashprice(0.06)),
    ]
    r, _ = run_risk(sc, both, alpha=0.5, omega=1.0)
    d = r.designs.set_index("key")
    assert d.loc["contract.block_mw", "unit"] == "mw"
    assert d.loc["fwd.forward_ths", "unit"] == "ths"
    assert d.loc["contract.block_mw", "risk_neutral"] == pytest.approx(0.0, abs=1e-6)
    assert d.loc["fwd.forward_ths", "risk_neutral"] == pytest.approx(0.0, abs=1e-6)
    gap = 0.9 * H * 0.06 / 24 - 20.0  # K_g − K_b, K_b = 0
    assert gap == pytest.approx(108.5714, rel=1e-5)
    assert d.loc["contract.block_mw", "risk_averse"] == pytest.approx(1.0, rel=1e-6)
    bad_gain = H * 0.01 / 24 - (80.0 - 0.9 * H * 0.03 / 24)  # 8.095 per MW run
    good_loss = H * 0.02 / 24  # 47.619
    p = (gap - 60.0) / (bad_gain + good_loss)
    assert p == pytest.approx(34 / 39, rel=1e-9)
    assert d.loc["fwd.forward_ths", "risk_averse"] == pytest.approx(p * H, rel=1e-6)
    npv = r.averse.scenario_results.set_index("scenario")["profit_usd"]
    assert npv["bad"] == pytest.approx(npv["good"], rel=1e-9)
    assert r.values["evpi_usd"] >= -1e-6
    assert r.values["vss_usd"] >= -1e-6


# ---- bad input ---------------------------------------------------------------------
def test_block_given_twice_or_a_forward_on_a_battery_names_the_field():
    from grid_flex.errors import ScenarioError
    from grid_flex.inputs import prepare_inputs

    with pytest.raises(ScenarioError, match="block_mw or size"):
        base([BLOCK | {"block_mw": 1.0}])
    with pytest.raises(ScenarioError, match="max_mw"):
        base([BLOCK | {"size": {"max_mw": 1e6}}])
    bad = forward(0.04) | {"fleets": ["battery"]}
    sc = base([bad])
    with pytest.raises(ScenarioError, match=r"programs\.fwd\.fleets.*'battery'"):
        prepare_inputs(sc, ".")
