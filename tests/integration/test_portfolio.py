"""Portfolio study: allocation across sites and periods, optima worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from grid_flex.api import prepare_inputs
from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError
from grid_flex.studies.portfolio import (
    Fleet,
    Moves,
    Period,
    PolicyEvent,
    PortfolioSite,
    run_portfolio,
)
from grid_flex.testing import small_scenario

pytestmark = pytest.mark.solver

HP = 0.05
V = mining_value_usd_per_mwh(HP, 17.5, 0.0)  # 119.05 USD/MWh for an S21 at 0.05
T0 = pd.Timestamp("2024-06-03T00:00:00+00:00")
H = pd.Timedelta(hours=1)
# two "seasons" of 2 h each
PERIODS = [Period("wet", T0, T0 + 2 * H), Period("dry", T0 + 2 * H, T0 + 4 * H)]


def fleet_asset() -> dict[str, object]:
    return {
        "type": "asic_fleet",
        "id": "fleet",
        "model": "asic/antminer_s21",
        "power_mw": 1.0,
        "availability_frac": 1.0,
        "pool_fee_frac": 0.0,
        "hashrate_curve": "linear",
    }


def site(sid: str, prices: list[float], **kw: float) -> PortfolioSite:
    sc = small_scenario(prices, [fleet_asset()], hashprice_usd_per_ths_day=HP)
    return PortfolioSite(sid, prepare_inputs(sc), **kw)


# A is cheap in the wet season, B in the dry season.
A = [20.0, 20.0, 110.0, 110.0]
B = [110.0, 110.0, 20.0, 20.0]
# Static (1 MW stays put): 2(V−20) + 2(V−110) either way.
STATIC = 2 * (V - 20) + 2 * (V - 110)
# Moving A→B for the dry season gains 2(V−20) − 2(V−110) = 180 USD, minus the cost
# c per MW and 1 h of lost margin at B (downtime): V − 20. Breakeven c* = 180 − (V−20).
C_STAR = 180.0 - (V - 20.0)


@pytest.mark.parametrize(("factor", "moves"), [(0.99, True), (1.01, False)])
def test_moving_pays_exactly_above_margin_difference_less_cost_and_downtime(
    factor, moves
):
    c = factor * C_STAR
    res = run_portfolio(
        [site("A", A), site("B", B)],
        [Fleet("fleet", 1.0)],
        PERIODS,
        Moves(cost_usd_per_mw=c, downtime_h=1.0),
    )
    assert res.static_objective_usd == pytest.approx(STATIC, rel=1e-9)
    if moves:
        assert res.objective_usd == pytest.approx(
            STATIC + 180.0 - c - (V - 20.0), rel=1e-9
        )
        assert len(res.moves) == 1
        row = res.moves.iloc[0]
        assert (row.from_site, row.to_site, row.moved_mw) == (
            "A",
            "B",
            pytest.approx(1),
        )
        assert row.cost_usd == pytest.approx(c)
    else:
        assert res.objective_usd == pytest.approx(STATIC, rel=1e-9)
        assert res.moves.empty
    assert res.value_of_mobility_usd == pytest.approx(
        max(0.0, 180.0 - c - (V - 20.0)), abs=1e-7
    )
    # the fleet is whole in every period
    tot = res.allocation.groupby("period")["allocated_mw"].sum()
    assert tot.to_numpy() == pytest.approx([1.0, 1.0])


def test_ban_forces_all_machines_out_from_its_date():
    # A is the better site throughout, but is banned from the dry season on.
    res = run_portfolio(
        [site("A", [20.0] * 4), site("B", [60.0] * 4)],
        [Fleet("fleet", 1.0)],
        PERIODS,
        Moves(cost_usd_per_mw=1.0),
        [PolicyEvent("A", T0 + 2 * H, 0.0)],
    )
    a = res.allocation.set_index(["site", "period"])["allocated_mw"]
    assert a["A", "wet"] == pytest.approx(1.0)
    assert a["A", "dry"] == pytest.approx(0.0)
    assert a["B", "dry"] == pytest.approx(1.0)
    # 2(V−20) at A, then 2(V−60) at B, minus 1 USD moving
    assert res.objective_usd == pytest.approx(2 * (V - 20) + 2 * (V - 60) - 1.0)


def test_site_capacity_limit_holds_each_period():
    res = run_portfolio(
        [site("A", [20.0] * 4, max_fleet_mw=0.4), site("B", [60.0] * 4)],
        [Fleet("fleet", 1.0)],
        PERIODS,
    )
    a = res.allocation.set_index(["site", "period"])["allocated_mw"]
    for p in ("wet", "dry"):
        assert a["A", p] == pytest.approx(0.4)
        assert a["B", p] == pytest.approx(0.6)


def test_bad_input_names_the_field():
    s = [site("A", A), site("B", B)]
    with pytest.raises(ScenarioError, match=r"fleets\[0\]\.sites.*'C'"):
        run_portfolio(s, [Fleet("fleet", 1.0, sites=("A", "C"))], PERIODS)
    gap = [PERIODS[0], Period("dry", T0 + 3 * H, T0 + 4 * H)]
    with pytest.raises(ScenarioError, match=r"periods\[1\]\.start"):
        run_portfolio(s, [Fleet("fleet", 1.0)], gap)
    with pytest.raises(ScenarioError, match=r"sites\[1\] \(C\): horizon"):
        run_portfolio([s[0], site("C", [*A, 20.0])], [Fleet("fleet", 1.0)], PERIODS)
