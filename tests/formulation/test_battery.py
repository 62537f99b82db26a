"""Battery: optima worked out by hand and state-of-charge invariants."""

from __future__ import annotations

import numpy as np
import pytest

from grid_flex.errors import InfeasibleError, ScenarioError
from grid_flex.testing import (
    assert_balance_closes,
    assert_soc_consistent,
    hand_battery,
    s21_fleet,
    small_scenario,
)

pytestmark = pytest.mark.solver


battery = hand_battery  # 1 MW / 4 MWh, 0.9 each way, starts empty


EXPORT = {"site": {"import_limit_mw": 10.0, "export_limit_mw": 10.0}}


def test_two_price_day_fills_then_empties(solve_small):
    prices = [10.0] * 12 + [50.0] * 12
    res = solve_small(
        small_scenario(prices, [battery()], hashprice_usd_per_ths_day=None, **EXPORT)
    )
    # Fill 4 MWh: buy 4/0.9 MWh at 10; deliver 4*0.9 MWh at 50.
    expected = 4 * 0.9 * 50 - 4 / 0.9 * 10
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    ts = res.timeseries
    assert ts["bess.charge_mw"].iloc[12:].max() == pytest.approx(0.0, abs=1e-9)
    assert ts["bess.discharge_mw"].iloc[:12].max() == pytest.approx(0.0, abs=1e-9)
    assert ts["bess.soc_mwh"].max() == pytest.approx(4.0)
    assert_soc_consistent(
        res, "bess", charge_eff_frac=0.9, discharge_eff_frac=0.9, initial_mwh=0.0
    )
    assert_balance_closes(res)


def test_degradation_cost_can_make_cycling_unprofitable(solve_small):
    prices = [10.0] * 12 + [50.0] * 12
    # Margin per MWh delivered: 50 - 10/0.81 = 37.65; a 40 USD/MWh wear cost kills it.
    res = solve_small(
        small_scenario(
            prices,
            [battery(degradation_usd_per_mwh=40.0)],
            hashprice_usd_per_ths_day=None,
            **EXPORT,
        )
    )
    assert res.objective_usd == pytest.approx(0.0, abs=1e-7)
    assert res.summary["assets"]["bess"]["discharged_mwh"] == pytest.approx(0, abs=1e-7)


def test_cyclic_end_state_returns_to_start(solve_small):
    prices = [10.0] * 12 + [50.0] * 12
    res = solve_small(
        small_scenario(
            prices,
            [battery(initial_soc_frac=0.5, final_soc="cyclic")],
            hashprice_usd_per_ths_day=None,
            **EXPORT,
        )
    )
    assert res.timeseries["bess.soc_mwh"].iloc[-1] == pytest.approx(2.0)
    # Start and end at 2 MWh; cheap hours first: top up 2 MWh (buy 2/0.9 at 10),
    # then sell the same 2 MWh (deliver 2*0.9 at 50).
    expected = 2 * 0.9 * 50 - (2 / 0.9) * 10
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)


def test_self_discharge_loses_energy_over_time(solve_small):
    prices = [10.0] * 2 + [50.0] * 10
    res = solve_small(
        small_scenario(
            prices,
            [battery(self_discharge_frac_per_h=0.01, initial_soc_frac=1.0)],
            hashprice_usd_per_ths_day=None,
            **EXPORT,
        )
    )
    assert_soc_consistent(
        res,
        "bess",
        charge_eff_frac=0.9,
        discharge_eff_frac=0.9,
        self_discharge_frac_per_h=0.01,
        initial_mwh=4.0,
    )


def test_battery_feeds_miners_through_a_tight_interconnection(solve_small):
    # 3.5 MW of S21 behind a 2.5 MW connection: the battery, charged while the fleet
    # sleeps, lets it run at full power later.
    fleet = s21_fleet(count=1000)
    # Hashprice is low in the first two hours (hashing worth 23 USD/MWh < price 30,
    # fleet off) and high after (117 USD/MWh): the battery buys 2 MWh at 30, stores
    # 1.8 MWh and delivers 1.62 MWh to the fleet on top of the 2.5 MW import.
    prices = [30.0, 30.0, 20.0, 20.0]
    hashprice = {
        "series": {
            "format": "inline",
            "unit": "usd_per_ths_day",
            "values": [0.01, 0.01, 0.05, 0.05],
        }
    }
    sc = small_scenario(
        prices,
        [fleet, battery(initial_soc_frac=0.0)],
        hashprice_usd_per_ths_day=None,
        hashprice=hashprice,
        site={"import_limit_mw": 2.5},
    )
    res = solve_small(sc)
    ts = res.timeseries
    assert ts["site.grid_import_mw"].max() <= 2.5 + 1e-9
    np.testing.assert_allclose(ts["fleet.power_mw"].iloc[:2], 0.0, atol=1e-9)
    assert ts["fleet.power_mw"].iloc[2:].sum() == pytest.approx(5.0 + 1.62)
    np.testing.assert_allclose(ts["bess.charge_mw"].iloc[:2], 1.0)
    assert_balance_closes(res)


def test_unreachable_end_state_is_explained(solve_small):
    sc = small_scenario(
        [10.0, 10.0],
        [battery(initial_soc_frac=0.05, final_soc=0.95)],
        hashprice_usd_per_ths_day=None,
    )
    with pytest.raises(InfeasibleError) as info:
        solve_small(sc)
    msg = str(info.value)
    assert "battery 'bess' end state" in msg
    assert "final_soc" in msg


def test_initial_soc_outside_bounds_is_a_scenario_error(solve_small):
    sc = small_scenario(
        [10.0],
        [battery(soc_min_frac=0.1, initial_soc_frac=0.05)],
        hashprice_usd_per_ths_day=None,
    )
    with pytest.raises(ScenarioError, match="initial_soc_frac"):
        solve_small(sc)


def test_zero_cost_battery_never_lowers_profit(solve_small):
    rng = np.random.default_rng(3)
    prices = rng.uniform(-20, 120, 48)
    fleet = {
        "type": "asic_fleet",
        "id": "fleet",
        "model": "asic/antminer_s19_xp",
        "count": 500,
    }
    without = solve_small(small_scenario(prices, [fleet]))
    with_bess = solve_small(
        small_scenario(prices, [fleet, battery(initial_soc_frac=0.0)])
    )
    assert with_bess.objective_usd >= without.objective_usd - 1e-9


def test_battery_value_uses_the_export_price_when_the_site_exports(solve_small):
    # Battery-only site with 20 USD/MWh of adders on imports: charging 4/0.9 MWh costs
    # (10 + 20) each; the 3.6 MWh delivered are exported at 80 (no adders on exports).
    prices = [10.0] * 6 + [80.0] * 6
    res = solve_small(
        small_scenario(
            prices,
            [battery()],
            hashprice_usd_per_ths_day=None,
            site={"import_limit_mw": 10.0, "export_limit_mw": 10.0},
            energy={"adders_usd_per_mwh": 20.0},
        )
    )
    expected = 4 * 0.9 * 80 - 4 / 0.9 * 30
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    assert res.summary["battery_value_usd"] == pytest.approx(expected, rel=1e-9)
    assert res.summary["assets"]["bess"]["net_value_usd"] == pytest.approx(expected)
    assert res.summary["unallocated_energy_cost_usd"] == pytest.approx(0.0, abs=1e-9)
