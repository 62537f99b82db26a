"""ASIC fleets' auxiliary load (PUE), temperature derating and TOU adders, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError
from grid_flex.testing import assert_balance_closes, s21_fleet, small_scenario

pytestmark = pytest.mark.solver

HP = 0.05
#: S21 (17.5 J/TH) at 2 % pool fee: 0.05 · 0.98 · 1e6 / (24 · 17.5) = 116.667 USD/MWh
V = mining_value_usd_per_mwh(HP, 17.5, 0.02)
CAP = 1000 * 3500 / 1e6 * 0.9  # 1,000 S21 at 90 % availability: 3.15 MW of miners


def fleet(**kw: object) -> dict[str, object]:
    return s21_fleet(
        **{"count": 1000, "availability_frac": 0.9, "pool_fee_frac": 0.02, **kw}
    )


def test_pue_scales_the_site_draw_and_moves_the_breakeven(solve_small):
    # With PUE 1.2 one miner MWh costs 1.2 site MWh: mine while 1.2 · p < V,
    # i.e. p < 97.22 USD/MWh. At 100 USD/MWh a miners-only model would mine.
    prices = np.array([90.0, 100.0, 120.0])
    res = solve_small(
        small_scenario(prices, [fleet(pue=1.2)], hashprice_usd_per_ths_day=HP)
    )
    ts = res.timeseries
    np.testing.assert_allclose(ts["fleet.power_mw"], [CAP, 0, 0], atol=1e-9)
    np.testing.assert_allclose(ts["fleet.auxiliary_mw"], [0.2 * CAP, 0, 0], atol=1e-9)
    # energy balance: the grid supplies miners + auxiliaries (3.78 MW)
    np.testing.assert_allclose(ts["site.grid_import_mw"], [1.2 * CAP, 0, 0], atol=1e-9)
    assert_balance_closes(res)
    # (116.667 − 1.2 · 90) · 3.15 = 27.30 USD
    assert res.objective_usd == pytest.approx((V - 1.2 * 90.0) * CAP, rel=1e-9)
    kpi = res.summary["assets"]["fleet"]
    assert kpi["auxiliary_mwh"] == pytest.approx(0.2 * CAP)
    assert kpi["site_energy_mwh"] == pytest.approx(1.2 * CAP)
    assert kpi["breakeven_full_load_usd_per_mwh"] == pytest.approx(V / 1.2)
    assert "assumptions" not in res.summary


def test_pue_from_cooling_and_unstated_pue_is_an_assumption(solve_small):
    imm = solve_small(
        small_scenario(
            [10.0],
            [fleet(pue="cooling", cooling="immersion")],
            hashprice_usd_per_ths_day=HP,
        )
    )
    assert imm.summary["assets"]["fleet"]["pue"] == pytest.approx(1.05)
    assert imm.timeseries["site.grid_import_mw"].iloc[0] == pytest.approx(1.05 * CAP)
    air = solve_small(
        small_scenario([10.0], [fleet(pue="cooling")], hashprice_usd_per_ths_day=HP)
    )
    assert air.summary["assets"]["fleet"]["pue"] == pytest.approx(1.2)
    # Not given (small_scenario states pue 1.0 unless the entry names it): the
    # cooling default too, said in the assumptions.
    plain = solve_small(
        small_scenario([10.0], [fleet(pue=None)], hashprice_usd_per_ths_day=HP)
    )
    assert plain.summary["assets"]["fleet"]["pue"] == pytest.approx(1.2)
    notes = plain.summary["assumptions"]
    assert "fleet fleet: pue not given, so the default of its cooling" in notes


def test_hot_hours_derate_the_available_power(solve_small):
    # derate 40 → 47 °C: 25 and 40 °C full, 43.5 °C half, 47 and 50 °C nothing.
    temps = [25.0, 40.0, 43.5, 47.0, 50.0]
    sc = small_scenario(
        [20.0] * 5,
        [
            fleet(
                ambient_temperature={
                    "format": "inline",
                    "unit": "degc",
                    "values": temps,
                }
            )
        ],
        hashprice_usd_per_ths_day=HP,
    )
    res = solve_small(sc)
    expect = CAP * np.array([1.0, 1.0, 0.5, 0.0, 0.0])
    np.testing.assert_allclose(res.timeseries["fleet.power_mw"], expect, atol=1e-9)
    assert res.objective_usd == pytest.approx((V - 20.0) * expect.sum(), rel=1e-9)
    kpi = res.summary["assets"]["fleet"]
    assert kpi["derated_mwh"] == pytest.approx(CAP * 2.5)
    assert kpi["hours_derated_h"] == pytest.approx(3.0)
    assert kpi["curtailed_mwh"] == pytest.approx(0.0, abs=1e-9)  # derate ≠ curtail
    # the headroom a program could buy is the derated room, not the nameplate
    np.testing.assert_allclose(res.timeseries["site.flexible_up_mw"], 0.0, atol=1e-9)


def test_derate_thresholds_are_the_users_and_must_be_ordered(solve_small):
    temp = {"format": "inline", "unit": "degc", "values": [30.0]}
    sc = small_scenario(
        [20.0],
        [fleet(ambient_temperature=temp, derate_above_c=20.0, shutdown_above_c=40.0)],
        hashprice_usd_per_ths_day=HP,
    )
    res = solve_small(sc)  # (40 − 30) / (40 − 20) = half
    assert res.timeseries["fleet.power_mw"].iloc[0] == pytest.approx(0.5 * CAP)
    with pytest.raises(ScenarioError, match="shutdown_above_c"):
        small_scenario(
            [20.0],
            [fleet(derate_above_c=45.0, shutdown_above_c=40.0)],
            hashprice_usd_per_ths_day=HP,
        )


def test_windowed_adders_are_summed_per_interval(solve_small):
    # Flat 100 USD/MWh; adders: 2 everywhere, 20 in local hours 02-04, 5 from
    # 03:00 to 05:00 → import price 102, 102, 122, 127, 107, 102.
    # The fleet (V = 116.67) mines where that is below V: hours 0, 1, 4, 5.
    adders = [
        2.0,
        {"usd_per_mwh": 20.0, "recurring": [{"start_hour": 2, "end_hour": 4}]},
        {
            "usd_per_mwh": 5.0,
            "periods": [
                {
                    "start": "2024-06-03T03:00:00+00:00",
                    "end": "2024-06-03T05:00:00+00:00",
                }
            ],
        },
    ]
    sc = small_scenario(
        [100.0] * 6,
        [fleet()],
        hashprice_usd_per_ths_day=HP,
        energy={"adders_usd_per_mwh": adders},
    )
    res = solve_small(sc)
    import_price = np.array([102.0, 102.0, 122.0, 127.0, 107.0, 102.0])
    on = import_price < V
    np.testing.assert_allclose(
        res.timeseries["fleet.power_mw"], np.where(on, CAP, 0.0), atol=1e-9
    )
    expected = ((V - import_price) * CAP)[on].sum()
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    cost = res.timeseries["site.energy_cost_usd"].to_numpy()
    np.testing.assert_allclose(cost, np.where(on, import_price * CAP, 0.0), atol=1e-9)


def test_an_adder_period_outside_the_horizon_is_refused():
    from grid_flex.inputs import prepare_inputs

    adders = [
        {
            "usd_per_mwh": 5.0,
            "periods": [{"start": "2030-01-01T00:00:00", "end": "2030-01-02T00:00:00"}],
        }
    ]
    sc = small_scenario([50.0], [fleet()], energy={"adders_usd_per_mwh": adders})
    with pytest.raises(ScenarioError, match=r"energy\.adders_usd_per_mwh\[0\]"):
        prepare_inputs(sc)
