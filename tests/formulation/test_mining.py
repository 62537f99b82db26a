"""ASIC fleet: optima worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.testing import assert_balance_closes, s21_fleet, small_scenario

pytestmark = pytest.mark.solver

S21 = {"power_w": 3500.0, "hashrate_ths": 200.0}  # catalogue nameplate, 17.5 J/TH


def fleet(**kw: object) -> dict[str, object]:
    return s21_fleet(
        **{"count": 1000, "availability_frac": 0.9, "pool_fee_frac": 0.02, **kw}
    )


def test_mining_only_profit_is_sum_of_positive_margins(solve_small):
    hp = 0.05
    value = mining_value_usd_per_mwh(hp, 17.5, 0.02)  # 116.67 USD/MWh
    prices = np.array([20.0, 150.0, value - 1.0, value + 1.0, -30.0, 95.0])
    res = solve_small(small_scenario(prices, [fleet()], hashprice_usd_per_ths_day=hp))
    cap_mw = 1000 * S21["power_w"] / 1e6 * 0.9
    expected = np.maximum(0.0, value - prices) * cap_mw * 1.0
    assert res.objective_usd == pytest.approx(expected.sum(), rel=1e-9)
    power = res.timeseries["fleet.power_mw"].to_numpy()
    np.testing.assert_allclose(power, np.where(prices < value, cap_mw, 0.0), atol=1e-9)
    assert_balance_closes(res)


def test_adders_and_opex_shift_the_breakeven(solve_small):
    hp = 0.05
    value = mining_value_usd_per_mwh(hp, 17.5, 0.02)
    prices = [value - 12.0, value - 8.0]
    sc = small_scenario(
        prices,
        [fleet(opex_usd_per_mwh=5.0)],
        hashprice_usd_per_ths_day=hp,
        energy={"adders_usd_per_mwh": 5.0},
    )
    res = solve_small(sc)
    power = res.timeseries["fleet.power_mw"].to_numpy()
    cap = 3.5 * 0.9
    # margin after 10 USD/MWh of adders and opex: +2 in interval 0, -2 in interval 1
    np.testing.assert_allclose(power, [cap, 0.0], atol=1e-9)
    assert res.objective_usd == pytest.approx(2.0 * cap, rel=1e-9)


def test_fifteen_minute_intervals_weight_energy_by_length(solve_small):
    hp = 0.05
    value = mining_value_usd_per_mwh(hp, 17.5, 0.02)
    prices = np.array([10.0, 200.0, 30.0, 60.0])
    res = solve_small(
        small_scenario(prices, [fleet()], timestep_min=15, hashprice_usd_per_ths_day=hp)
    )
    cap = 3.5 * 0.9
    expected = (np.maximum(0.0, value - prices) * cap * 0.25).sum()
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    assert res.summary["assets"]["fleet"]["energy_mwh"] == pytest.approx(3 * cap * 0.25)


def test_concave_curve_least_efficient_segment_stops_first(solve_small):
    # Two segments: 0-50 % power at 1.2x nameplate TH/MW, 50-100 % at 0.8x.
    hp = 0.05
    curve = [
        {"power_frac": 0.5, "hashrate_frac": 0.6},
        {"power_frac": 1.0, "hashrate_frac": 1.0},
    ]
    v = mining_value_usd_per_mwh(hp, 17.5, 0.02)
    v_first, v_second = 1.2 * v, 0.8 * v
    prices = np.array([0.5 * v_second, 0.5 * (v_first + v_second), 1.1 * v_first])
    res = solve_small(
        small_scenario(
            prices,
            [fleet(hashrate_curve=curve, availability_frac=1.0)],
            hashprice_usd_per_ths_day=hp,
        )
    )
    cap = 3.5
    power = res.timeseries["fleet.power_mw"].to_numpy()
    np.testing.assert_allclose(power, [cap, cap / 2, 0.0], atol=1e-9)
    hashrate = res.timeseries["fleet.hashrate_ths"].to_numpy()
    np.testing.assert_allclose(hashrate, [200_000.0, 120_000.0, 0.0], rtol=1e-9)
    expected = (
        (v_first - prices[0]) * cap / 2
        + (v_second - prices[0]) * cap / 2
        + (v_first - prices[1]) * cap / 2
    )
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    kpis = res.summary["assets"]["fleet"]
    assert kpis["breakeven_marginal_usd_per_mwh"] == pytest.approx(v_second)
    assert kpis["breakeven_full_load_usd_per_mwh"] == pytest.approx(v)
    # Bid curve: half the fleet up to v_first, all of it up to v_second.
    steps = [(b["price_usd_per_mwh"], b["power_mw"]) for b in kpis["bid_curve"]]
    assert steps == [
        pytest.approx((v_first, cap / 2)),
        pytest.approx((v_second, cap)),
    ]
    # Curtailment statistics: interval 1 half curtailed, interval 2 fully.
    assert kpis["hours_curtailed_h"] == pytest.approx(2.0)
    assert kpis["hours_fully_off_h"] == pytest.approx(1.0)
    assert kpis["curtailment_rate_frac"] == pytest.approx((cap / 2 + cap) / (3 * cap))
    # Flexible capacity each interval: the fleet could drop what it draws.
    np.testing.assert_allclose(res.timeseries["site.flexible_down_mw"], power)
    np.testing.assert_allclose(res.timeseries["site.flexible_up_mw"], cap - power)


def test_import_limit_shared_between_fleets_goes_to_the_efficient_one(solve_small):
    hp = 0.05
    prices = [40.0, 40.0]
    fleets = [
        fleet(id="old", model="asic/antminer_s19", count=1000, availability_frac=1.0),
        fleet(id="new", model="asic/antminer_s21", count=1000, availability_frac=1.0),
    ]
    res = solve_small(
        small_scenario(
            prices, fleets, hashprice_usd_per_ths_day=hp, site={"import_limit_mw": 4.0}
        )
    )
    ts = res.timeseries
    np.testing.assert_allclose(ts["new.power_mw"], 3.5, atol=1e-9)
    np.testing.assert_allclose(ts["old.power_mw"], 0.5, atol=1e-9)
    np.testing.assert_allclose(ts["site.grid_import_mw"], 4.0, atol=1e-9)


def test_power_mw_sizing_equals_count_sizing(solve_small):
    prices = [30.0, 200.0]
    by_count = solve_small(small_scenario(prices, [fleet(count=1000)]))
    by_power = solve_small(small_scenario(prices, [fleet(count=None, power_mw=3.5)]))
    assert by_power.objective_usd == pytest.approx(by_count.objective_usd, rel=1e-12)


def test_higher_price_never_raises_draw(solve_small):
    rng = np.random.default_rng(7)
    prices = rng.uniform(0, 200, 24)
    base = solve_small(small_scenario(prices, [fleet()]))
    raised = prices.copy()
    raised[5] += 80.0
    more = solve_small(small_scenario(raised, [fleet()]))
    assert more.timeseries["fleet.power_mw"].iloc[5] <= (
        base.timeseries["fleet.power_mw"].iloc[5] + 1e-9
    )
    assert more.objective_usd <= base.objective_usd + 1e-9
