"""Headroom sold to grid programs obeys every limit, and its deployment counts.

Issue 14 (formulation): reg-down was sold during a mining ban, an emergency and
above an import cap (3.5 MW sold in banned hours with the fleet at 0), and the
expected deployment of reserves was left out of quotas, demand charges, 4CP tags
and emissions. Each test below failed before the fix; optima are worked by hand.

Common setup: one S21 fleet (1000 units, 3.5 MW, hashing worth V = 119.05 USD/MWh)
at an energy price of 200 USD/MWh, so the fleet is off and free to sell its whole
3.5 MW as load increase (reg-down) at 5 USD/MW/h. The fleet's deployment value is
declared at 200 USD/MWh, so an expected deployment costs nothing: the offer is
decided by the capacity price and the limits alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.testing import (
    assert_balance_closes,
    hand_battery,
    s21_fleet,
    small_scenario,
)

pytestmark = pytest.mark.solver

P = 3.5  # fleet capacity [MW]
V = mining_value_usd_per_mwh(0.05, 17.5, 0.0)  # S21 hashing value, 119.05 USD/MWh
PRICE = 200.0  # energy price [USD/MWh], above the fleet's 119.05 hashing value
PI = 5.0  # reg-down capacity price [USD/MW/h]
AS = "ancillary_services"
OFFER = f"{AS}.reg_down.fleet.offer_mw"


def fleet() -> dict[str, Any]:
    return s21_fleet(count=1000)


def battery() -> dict[str, Any]:
    return hand_battery(initial_soc_frac=0.5)


def reg_down(deployment_frac: float = 0.0, assets: tuple[str, ...] = ("fleet",)):
    return {
        "type": AS,
        "services": [
            {
                "name": "reg_down",
                "direction": "down",
                "capacity_price_usd_per_mw_per_h": PI,
                "deployment_frac": deployment_frac,
                "min_duration_h": 0.0,
                "eligible_assets": list(assets),
            }
        ],
        "deployment_value_usd_per_mwh": {a: PRICE for a in assets if a == "fleet"},
    }


def hour(h: int) -> dict[str, str]:
    return {
        "start": f"2024-06-03T{h:02d}:00:00+00:00",
        "end": f"2024-06-03T{h + 1:02d}:00:00+00:00",
    }


def solve(solve_small, programs, assets=None, n=2):
    sc = small_scenario([PRICE] * n, assets or [fleet()], programs=programs)
    res = solve_small(sc)
    assert_balance_closes(res)
    return res


def test_without_limits_the_whole_fleet_is_sold_as_reg_down(solve_small):
    # The reference the limit tests depart from: 3.5 MW × 5 USD/MW/h × 2 h = 35.
    res = solve(solve_small, [reg_down()])
    np.testing.assert_allclose(res.timeseries[OFFER], [P, P], atol=1e-9)
    assert res.objective_usd == pytest.approx(2 * P * PI)


def test_no_reg_down_is_sold_on_a_banned_fleet(solve_small):
    # Hour 1 banned: the fleet must stay at 0 MW even when called, so no reg-down
    # there (before: 3.5 MW sold). Profit 3.5 × 5 × 1 h = 17.5.
    ban = {"type": "mining_ban", "windows": {"periods": [hour(1)]}}
    res = solve(solve_small, [reg_down(), ban])
    np.testing.assert_allclose(res.timeseries[OFFER], [P, 0.0], atol=1e-9)
    assert res.objective_usd == pytest.approx(P * PI)


def test_reg_down_fits_under_an_emergency_ceiling(solve_small):
    # Event in hour 1 with min_curtail_frac 0.5: load + reg-down ≤ 0.5 × 3.5 = 1.75.
    # Profit 17.5 + 1.75 × 5 = 26.25.
    sb6 = {
        "type": "emergency_curtailment",
        "events": {"periods": [hour(1)]},
        "min_curtail_frac": 0.5,
    }
    res = solve(solve_small, [sb6, reg_down()])  # limit listed first: order-free
    np.testing.assert_allclose(res.timeseries[OFFER], [P, 1.75], atol=1e-9)
    assert res.objective_usd == pytest.approx(P * PI + 1.75 * PI)


def test_a_battery_kept_from_charging_sells_no_reg_down_in_the_event(solve_small):
    # Only the battery (1 MW, 2 MWh stored, η_d = 0.9) sells reg-down; no export.
    # Its stored energy is worth most run through the fleet (V = 119.05 USD/MWh,
    # grid at 200): it discharges d0 + d1 = 2 × 0.9 = 1.8 MWh into the fleet. Its
    # reg-down room is p − net = 1 + d_t, except in the emergency hour 1, where it
    # may not charge: net + held ≤ 0 leaves only d1 (before: 1 + d1).
    # Profit = 1.8 × V + 5 × (1 + d0 + d1) = 1.8 × (V + 5) + 5.
    sb6 = {
        "type": "emergency_curtailment",
        "events": {"periods": [hour(1)]},
        "min_curtail_frac": 0.5,
    }
    res = solve(
        solve_small,
        [sb6, reg_down(assets=("bess",))],
        assets=[fleet(), battery()],
    )
    ts = res.timeseries
    offer = ts[f"{AS}.reg_down.bess.offer_mw"].to_numpy()
    net = ts["bess.net_load_mw"].to_numpy()
    assert offer[1] == pytest.approx(-net[1], abs=1e-9)
    assert offer.sum() == pytest.approx(1.0 + 1.8)
    assert res.objective_usd == pytest.approx(1.8 * (V + PI) + PI)


def test_reg_down_fits_under_a_time_varying_import_cap(solve_small):
    # Cap of 2 MW in hour 1 (connection 1000 MW): import + reg-down ≤ 2.
    # Profit 17.5 + 2 × 5 = 27.5.
    cap = {"type": "import_cap", "caps": [{"periods": [hour(1)], "cap_mw": 2.0}]}
    res = solve(solve_small, [cap, reg_down()])
    np.testing.assert_allclose(res.timeseries[OFFER], [P, 2.0], atol=1e-9)
    assert res.objective_usd == pytest.approx(P * PI + 2.0 * PI)


def test_import_cap_with_export_keeps_both_rows(solve_small):
    # With export allowed the cap is written twice (import ≤ cap, and import −
    # export + held ≤ cap). Nothing exports here (price 200 on both sides, the
    # fleet off, no battery): same optimum as above.
    cap = {"type": "import_cap", "caps": [{"periods": [hour(1)], "cap_mw": 2.0}]}
    sc = small_scenario(
        [PRICE] * 2,
        [fleet()],
        programs=[cap, reg_down()],
        site={"import_limit_mw": 1000.0, "export_limit_mw": 5.0},
    )
    res = solve_small(sc)
    np.testing.assert_allclose(res.timeseries[OFFER], [P, 2.0], atol=1e-9)
    assert res.objective_usd == pytest.approx(P * PI + 2.0 * PI)


# ---- expected deployment counts where energy counts ---------------------------------
def test_expected_deployment_counts_in_emissions(solve_small):
    # deployment_frac 0.3: each hour's 3.5 MW offer is expected to run the fleet
    # 0.3 × 3.5 = 1.05 MWh; at 0.5 t/MWh that is 0.525 t per hour, 1.05 t in all
    # (before: 0 t, the import being 0).
    emissions = {
        "type": "emissions",
        "marginal_co2": {
            "format": "inline",
            "unit": "tco2_per_mwh",
            "values": [0.5, 0.5],
        },
    }
    res = solve(solve_small, [reg_down(0.3), emissions])
    k = res.summary["programs"]["emissions"]
    assert k["grid_tco2"] == pytest.approx(2 * 0.3 * P * 0.5)
    assert k["net_tco2"] == pytest.approx(1.05)


def test_expected_deployment_counts_in_an_energy_quota(solve_small):
    # Quota 0.7 MWh for the day (whole quota, the horizon cuts the day): expected
    # energy 0.2 × (o0 + o1) ≤ 0.7, so o0 + o1 ≤ 3.5 and the reg-down revenue is
    # 5 × 3.5 = 17.5 (before: 35 with a quota that never saw the energy).
    quota = {
        "type": "energy_quota",
        "quota_mwh": 0.7,
        "period": "day",
        "partial_periods": "full",
    }
    res = solve(solve_small, [reg_down(0.2), quota])
    assert float(res.timeseries[OFFER].sum()) == pytest.approx(P)
    assert res.objective_usd == pytest.approx(P * PI)
    k = res.summary["programs"]["energy_quota"]
    assert k["used_mwh"] == pytest.approx(0.7)


def test_expected_deployment_counts_in_a_demand_charge_peak(solve_small):
    # 0.01 USD/kW-month = 10 USD per MW of peak; the expected draw 0.3 × 3.5 = 1.05
    # MW sets the peak: charge 10.5, revenue 35 − 10.5 = 24.5 (before: peak 0).
    charge = {"type": "demand_charge", "id": "dc", "usd_per_kw_month": 0.01}
    res = solve(solve_small, [reg_down(0.3), charge])
    k = res.summary["programs"]["dc"]
    assert k["max_monthly_peak_mw"] == pytest.approx(1.05)
    assert k["charge_usd"] == pytest.approx(10.5)
    assert res.objective_usd == pytest.approx(2 * P * PI - 10.5)


def test_expected_deployment_counts_in_the_4cp_tag(solve_small):
    # A known 4CP interval in hour 1 at 1 USD/kW-year: a MW in it costs 250 USD of
    # tag. Expected draw 0.3 × o1 costs 75 × o1 against 5 × o1 earned: o1 = 0.
    # Hour 0 still sells 3.5 MW: profit 17.5 (before: 35, tag 0).
    cp = {
        "type": "four_cp",
        "id": "four_cp",
        "timezone": "UTC",
        "usd_per_kw_year": 1.0,
        "intervals": ["2024-06-03T02:00:00"],
    }
    res = solve(solve_small, [reg_down(0.3), cp])
    np.testing.assert_allclose(res.timeseries[OFFER], [P, 0.0], atol=1e-9)
    assert res.objective_usd == pytest.approx(P * PI)
    assert res.summary["programs"]["four_cp"]["tag_mw"] == pytest.approx(0.0, abs=1e-9)


# ---- battery energy held for several programs at once is summed --------------------
def test_energy_held_for_reserves_and_capacity_dr_on_one_battery_is_summed(solve_small):
    # Battery 2 MW / 4 MWh, RTE 1, 2 MWh stored at the start; a 3.5 MW fleet runs
    # all along (V − 30 = 89.05 USD/MWh). Hour 0: capacity DR holds 1 MW on the
    # battery for 2 h (2 MWh), and a reg-up service (10 USD/MW/h, 2 h, hour 0 only)
    # wants the rest of its power. The store holds 2 MWh at the start of hour 0:
    # 2 × (1 + o) ≤ 2 leaves o = 0. Before the fix each program checked its own
    # energy (2 × o ≤ 2 and 2 × 1 ≤ 2) and sold o = 1 MW: 10 USD the battery could
    # not back. Hour 1 is the DR event (declared baseline 3.5 MW, no payment or
    # penalty); the 2 MWh stored (free end) then runs the fleet: 2 × 30 USD saved.
    bess = hand_battery(power_mw=2.0, round_trip_eff_frac=1.0, initial_soc_frac=0.5)
    up = {
        "type": AS,
        "services": [
            {
                "name": "reg_up",
                "direction": "up",
                "capacity_price_usd_per_mw_per_h": 10.0,
                "deployment_frac": 0.0,
                "min_duration_h": 2.0,
                "eligible_assets": ["bess"],
                "windows": {"periods": [hour(0)]},
            }
        ],
    }
    dr = {
        "type": "demand_response",
        "id": "dr",
        "events": {"periods": [hour(1)]},
        "committed_mw": 1.0,
        "baseline_mw": 3.5,
        "capacity": {"assets": ["bess"], "min_duration_h": 2.0},
    }
    sc = small_scenario([30.0, 30.0], [fleet(), bess], programs=[up, dr])
    res = solve_small(sc)
    ts = res.timeseries
    assert ts["dr.held_mw"].iloc[0] == pytest.approx(1.0)
    assert ts[f"{AS}.reg_up.bess.offer_mw"].iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert res.objective_usd == pytest.approx((V - 30.0) * P * 2 + 2.0 * 30.0)


def test_reg_down_held_in_a_dr_event_counts_against_the_delivery(solve_small):
    # DR event in hour 1: 3.5 MW committed below a declared 3.5 MW baseline, 1000
    # USD/MWh shortfall penalty. The fleet is off (price 200), so it delivers the
    # 3.5 MW; reg-down sold in that hour would, when called, raise the draw into
    # shortfall (1000 > 5 USD/MW/h): none is sold there (before: 3.5 MW).
    # Profit 3.5 × 5 in hour 0 = 17.5.
    dr = {
        "type": "demand_response",
        "id": "dr",
        "events": {"periods": [hour(1)]},
        "committed_mw": 3.5,
        "baseline_mw": 3.5,
        "penalty_usd_per_mwh": 1000.0,
    }
    res = solve(solve_small, [dr, reg_down()])
    np.testing.assert_allclose(res.timeseries[OFFER], [P, 0.0], atol=1e-9)
    assert res.objective_usd == pytest.approx(P * PI)
    assert res.timeseries["dr.shortfall_mw"].iloc[1] == pytest.approx(0.0, abs=1e-9)
