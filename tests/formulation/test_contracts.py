"""Fixed-price power contracts: optima worked out by hand (domain.md §2.5)."""

from __future__ import annotations

import numpy as np
import pytest

from grid_flex.api import run
from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError
from grid_flex.testing import assert_balance_closes, s21_fleet, small_scenario

pytestmark = pytest.mark.solver

HP = 0.05
#: Value of hashing for an S21 (17.5 J/TH) at 2 % pool fee: 116.67 USD/MWh.
V = mining_value_usd_per_mwh(HP, 17.5, 0.02)
FIXED = 40.0


def fleet(count: int = 1000) -> dict[str, object]:
    """S21 fleet at full availability: count × 3.5 kW."""
    return s21_fleet(count=count, pool_fee_frac=0.02)


def contract(**kw: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "type": "fixed_price_contract",
        "id": "contract",
        "block_mw": 3.0,
        "fixed_price_usd_per_mwh": FIXED,
    }
    entry.update(kw)
    return entry


def test_sell_back_profit_is_max_of_hashing_and_spot_per_contracted_mwh(solve_small):
    # Mining-only site, 3.5 MW fleet behind a 3 MW connection = the block B, 15-min
    # steps (Δt = 0.25 h). Running: V·B − p·B (energy) + (p − F)·B (contract)
    # = (V − F)·B; curtailed: (p − F)·B. So the site runs iff p < V and earns
    # Σ (max(V, p) − F) · B · Δt.
    prices = np.array([20.0, 150.0, 300.0, 60.0, V + 1.0, -10.0])
    b, dt = 3.0, 0.25
    res = solve_small(
        small_scenario(
            prices,
            [fleet()],
            timestep_min=15,
            hashprice_usd_per_ths_day=HP,
            site={"import_limit_mw": b},
            programs=[contract(block_mw=b)],
        )
    )
    expected = ((np.maximum(V, prices) - FIXED) * b * dt).sum()
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    ts = res.timeseries
    on = prices < V
    np.testing.assert_allclose(ts["fleet.power_mw"], np.where(on, b, 0.0), atol=1e-9)
    # The contract pays (p − F)·B·Δt in every interval, whatever the site draws.
    np.testing.assert_allclose(
        ts["contract.revenue_usd"] - ts["contract.cost_usd"],
        (prices - FIXED) * b * dt,
        atol=1e-9,
    )
    k = res.summary["programs"]["contract"]
    assert k["contracted_mwh"] == pytest.approx(6 * b * dt)
    assert k["used_mwh"] == pytest.approx(on.sum() * b * dt)
    assert k["unused_mwh"] == pytest.approx((~on).sum() * b * dt)
    assert k["fixed_payments_usd"] == pytest.approx(FIXED * 6 * b * dt)
    # Power credits: (p − F) on the unused block = 110·0.75 + 260·0.75 + (V+1−40)·0.75
    credits = ((prices - FIXED) * b * dt)[~on].sum()
    assert k["power_credits_usd"] == pytest.approx(credits)
    assert k["curtailed_h"] == pytest.approx((~on).sum() * dt)
    assert_balance_closes(res)


def test_sell_back_contract_changes_money_not_dispatch(solve_small):
    # With sell-back the opportunity cost of a contracted MWh is the spot price: the
    # schedule is the one without a contract, and profit moves by Σ (p − F)·B·Δt.
    rng = np.random.default_rng(3)
    prices = rng.uniform(-20.0, 250.0, 12)
    assets = [
        fleet(),
        {
            "type": "battery",
            "id": "battery",
            "model": "battery/generic_lfp_4h_1mw",
            "count": 2,
        },
    ]
    plain = solve_small(small_scenario(prices, assets, hashprice_usd_per_ths_day=HP))
    hedged = solve_small(
        small_scenario(
            prices, assets, hashprice_usd_per_ths_day=HP, programs=[contract()]
        )
    )
    shift = ((prices - FIXED) * 3.0).sum()
    assert hedged.objective_usd == pytest.approx(plain.objective_usd + shift, rel=1e-9)
    np.testing.assert_allclose(
        hedged.timeseries["fleet.power_mw"], plain.timeseries["fleet.power_mw"]
    )


def test_without_sell_back_unused_contracted_energy_is_lost(solve_small):
    # Block 5 MW, fleet 3.5 MW, connection 10 MW, hourly. The contract covers the
    # fleet's 3.5 MW (spot refunded), so it runs even at 150 and 300 > V; the other
    # 1.5 MW are forfeited. Profit per hour = 3.5·V − 5·F, in every interval.
    prices = np.array([20.0, 150.0, 300.0, 60.0])
    res = solve_small(
        small_scenario(
            prices,
            [fleet()],
            hashprice_usd_per_ths_day=HP,
            site={"import_limit_mw": 10.0},
            programs=[contract(block_mw=5.0, sell_back_unused=False)],
        )
    )
    assert res.objective_usd == pytest.approx(4 * (3.5 * V - 5.0 * FIXED), rel=1e-9)
    ts = res.timeseries
    np.testing.assert_allclose(ts["fleet.power_mw"], 3.5, atol=1e-9)
    np.testing.assert_allclose(ts["contract.covered_mw"], 3.5, atol=1e-9)
    np.testing.assert_allclose(ts["contract.forfeited_mw"], 1.5, atol=1e-9)
    k = res.summary["programs"]["contract"]
    assert k["forfeited_mwh"] == pytest.approx(4 * 1.5)
    assert k["power_credits_usd"] == 0.0
    # Sell-back would instead curtail at 150 and 300 and sell the block back:
    # hours 0, 3: 3.5·V − 3.5·p + 5·(p − F); hours 1, 2: 5·(p − F).
    sold = solve_small(
        small_scenario(
            prices,
            [fleet()],
            hashprice_usd_per_ths_day=HP,
            site={"import_limit_mw": 10.0},
            programs=[contract(block_mw=5.0)],
        )
    )
    on = prices < V
    expected = np.where(on, 3.5 * (V - prices), 0.0) + 5.0 * (prices - FIXED)
    assert sold.objective_usd == pytest.approx(expected.sum(), rel=1e-9)


def test_without_sell_back_negative_price_settles_the_whole_block(solve_small):
    # At −30 the fleet runs flat out (3.5 MW ≥ block 3 MW): it pays F on the block and
    # is paid 30 on the 0.5 MW bought beyond it: 3.5·V − 3·F + 30·0.5. Exact, since
    # the site draws at least the block.
    res = solve_small(
        small_scenario(
            [-30.0],
            [fleet()],
            hashprice_usd_per_ths_day=HP,
            programs=[contract(sell_back_unused=False)],
        )
    )
    assert res.objective_usd == pytest.approx(3.5 * V - 3.0 * FIXED + 15.0, rel=1e-9)


def test_contract_windows_shape_the_block(solve_small):
    # Block only 01:00-03:00 UTC: outside it the site mines at spot (p < V).
    prices = np.array([20.0, 30.0, 300.0, 50.0])
    window = {
        "periods": [
            {"start": "2024-06-03T01:00:00+00:00", "end": "2024-06-03T03:00:00+00:00"}
        ]
    }
    res = solve_small(
        small_scenario(
            prices,
            [fleet()],
            hashprice_usd_per_ths_day=HP,
            site={"import_limit_mw": 3.0},
            programs=[contract(windows=window)],
        )
    )
    block = np.array([0.0, 3.0, 3.0, 0.0])
    mining = np.maximum(V - prices, 0.0) * 3.0
    expected = mining.sum() + ((prices - FIXED) * block).sum()
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    np.testing.assert_allclose(res.timeseries["contract.block_mw"], block)
    assert res.summary["programs"]["contract"]["contracted_mwh"] == pytest.approx(6.0)


def test_contract_refuses_a_price_triggered_shape():
    with pytest.raises(ScenarioError) as err:
        small_scenario(
            [20.0],
            [fleet()],
            programs=[contract(windows={"price_above_usd_per_mwh": 100.0})],
        )
    text = str(err.value)
    assert "programs[0]" in text
    assert "price_above_usd_per_mwh" in text
    assert "fixed in advance" in text


def test_contract_window_outside_the_horizon_is_an_error():
    window = {
        "periods": [{"start": "2025-01-01T00:00:00", "end": "2025-01-02T00:00:00"}]
    }
    sc = small_scenario([20.0], [fleet()], programs=[contract(windows=window)])
    with pytest.raises(ScenarioError) as err:
        run(sc)
    assert "programs.contract.windows.periods[0]" in str(err.value)
    assert "outside the horizon" in str(err.value)


@pytest.fixture(scope="module")
def uri():
    return run("ercot_uri_feb2021_contract")


def test_uri_contract_books_credits_while_the_fleet_is_off_at_the_cap(uri):
    ts = uri.timeseries
    price = ts["site.price_usd_per_mwh"].to_numpy()
    dt = ts["site.timestep_h"].to_numpy()
    at_cap = price >= 9000.0
    assert at_cap.sum() > 100  # Feb 15-19: over a day of 15-min intervals at the cap
    assert np.abs(ts.loc[at_cap, "s19jpro_fleet.power_mw"]).max() < 1e-6
    assert np.abs(ts.loc[at_cap, "site.grid_import_mw"]).max() < 1e-6
    # The whole 25 MW block is sold back there: the credits are (p − 25)·25·Δt.
    credits = ((price - 25.0) * 25.0 * dt)[at_cap].sum()
    booked = (ts["contract.revenue_usd"] - ts["contract.cost_usd"]).to_numpy()[at_cap]
    assert booked.sum() == pytest.approx(credits, rel=1e-9)
    k = uri.summary["programs"]["contract"]
    assert k["power_credits_usd"] >= credits * (1 - 1e-9)
    assert credits > 10e6  # more than the month's mining revenue
    assert credits > uri.summary["assets"]["s19jpro_fleet"]["mining_revenue_usd"]
    assert_balance_closes(uri)


def test_uri_fleet_runs_below_the_value_of_hashing(uri):
    ts = uri.timeseries
    price = ts["site.import_price_usd_per_mwh"].to_numpy()
    power = ts["s19jpro_fleet.power_mw"].to_numpy()
    k = uri.summary["assets"]["s19jpro_fleet"]
    cheap = price < 0.5 * k["breakeven_marginal_usd_per_mwh"]
    assert cheap.sum() > 1000
    # Where energy is well below the value of hashing the fleet is on (the battery
    # may take up to 5 MW of the 30 MW connection: at least 25 MW is left, 25 / PUE
    # of it for the miners).
    room = min(k["available_power_mw"], 25.0 / k["pue"])
    assert power[cheap].min() > 0.85 * room
