"""Portfolio study: allocation across sites and periods, optima worked out by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from grid_flex.api import prepare_inputs, run
from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError
from grid_flex.studies.portfolio import (
    Fleet,
    HostingOffer,
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


def site(
    sid: str,
    prices: list[float],
    extra: list[dict[str, object]] = (),  # type: ignore[assignment]
    programs: list[dict[str, object]] | None = None,
    **kw: float,
) -> PortfolioSite:
    patch = {} if programs is None else {"programs": programs}
    sc = small_scenario(
        prices, [fleet_asset(), *extra], hashprice_usd_per_ths_day=HP, **patch
    )
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


# ---- hosting offers --------------------------------------------------------------
# Own site A: 20 USD/MWh in the wet season, 110 in the dry one; hosting at 70 all-in.
# Static: all at A = 2(V−20) + 2(V−110) = 216.2 beats all hosted = 4(V−70) = 196.2.
# Moving A→host for the dry season: 2(V−20) + 2(V−70) − c − (V−70) (1 h downtime at
# the host's margin); it beats static by (V−70) − 2(V−110) − c: c* = 30.95 USD/MW.
HOST_C_STAR = (V - 70.0) - 2 * (V - 110.0)


@pytest.mark.parametrize(("factor", "hosted"), [(0.99, True), (1.01, False)])
def test_fleet_goes_to_hosting_exactly_when_its_margin_beats_own_site_net_of_moves(
    factor, hosted
):
    c = factor * HOST_C_STAR
    res = run_portfolio(
        [site("A", A)],
        [Fleet("fleet", 1.0)],
        PERIODS,
        Moves(cost_usd_per_mw=c, downtime_h=1.0),
        hosting=[HostingOffer("host", 70.0, capacity_mw=1.0)],
    )
    assert res.static_objective_usd == pytest.approx(STATIC, rel=1e-9)
    a = res.allocation.set_index(["site", "period"])["allocated_mw"]
    assert a["A", "wet"] == pytest.approx(1.0)
    if hosted:
        assert a["host", "dry"] == pytest.approx(1.0)
        assert res.objective_usd == pytest.approx(2 * (V - 20) + (V - 70) - c, rel=1e-9)
        # the host bills 70 USD per MWh the fleet draws: 1 MWh after the downtime
        sites = res.sites.set_index(["site", "period"])
        assert sites.loc[("host", "dry"), "fleet_mwh"] == pytest.approx(1.0)
        assert sites.loc[("host", "dry"), "profit_usd"] == pytest.approx(V - 70)
    else:
        assert a["A", "dry"] == pytest.approx(1.0)
        assert res.objective_usd == pytest.approx(STATIC, rel=1e-9)


def test_hosting_minimum_term_keeps_arrived_machines():
    # A is dear in the wet season (110) and cheap in the dry one (20); the host is at
    # 70. Free moves, no downtime: host then A = 2(V−70) + 2(V−20) = 296.2. With a
    # one-month term the MW at the host in the wet season must stay for the dry one:
    # host, host = 196.2 < A, A = 2(V−110) + 2(V−20) = 216.2, so the fleet stays home.
    for term, expected, wet in ((0, 2 * (V - 70) + 2 * (V - 20), "host"),
                                (1, 2 * (V - 110) + 2 * (V - 20), "A")):  # fmt: skip
        res = run_portfolio(
            [site("A", B)],
            [Fleet("fleet", 1.0)],
            PERIODS,
            hosting=[HostingOffer("host", 70.0, 1.0, min_term_months=term)],
        )
        a = res.allocation.set_index(["site", "period"])["allocated_mw"]
        assert a[wet, "wet"] == pytest.approx(1.0)
        assert a["A", "dry"] == pytest.approx(1.0)
        assert res.objective_usd == pytest.approx(expected, rel=1e-9)


def test_hosting_capacity_caps_the_fleets_hosted():
    # The host at 20 beats A at 60 throughout, but takes only 0.3 MW.
    res = run_portfolio(
        [site("A", [60.0] * 4)],
        [Fleet("fleet", 1.0)],
        PERIODS,
        hosting=[HostingOffer("host", 20.0, 0.3)],
    )
    a = res.allocation.set_index(["site", "period"])["allocated_mw"]
    for p in ("wet", "dry"):
        assert a["host", p] == pytest.approx(0.3)
        assert a["A", p] == pytest.approx(0.7)
    assert res.objective_usd == pytest.approx(4 * (0.3 * (V - 20) + 0.7 * (V - 60)))


# ---- energy and emissions per site ---------------------------------------------------
def emissions(rate: float) -> dict[str, object]:
    mer = {"format": "inline", "unit": "tco2_per_mwh", "values": [rate] * 4}
    return {"type": "emissions", "marginal_co2": mer}


def test_energy_and_emissions_per_site_period_and_total():
    # The ban test's allocation: A (0.5 tCO2/MWh) in the wet season, B (no emissions
    # data) in the dry one, and a host at 0.8 tCO2/MWh that is too dear to use.
    res = run_portfolio(
        [site("A", [20.0] * 4, programs=[emissions(0.5)]), site("B", [60.0] * 4)],
        [Fleet("fleet", 1.0)],
        PERIODS,
        Moves(cost_usd_per_mw=1.0),
        [PolicyEvent("A", T0 + 2 * H, 0.0)],
        [HostingOffer("host", 500.0, 1.0, co2_tco2_per_mwh=0.8)],
    )
    t = res.sites.set_index(["site", "period"])
    # 1 MW for 2 h at each site: 2 MWh; A's 2 MWh at 0.5 t/MWh = 1 tCO2
    assert t.loc[("A", "wet"), "fleet_mwh"] == pytest.approx(2.0)
    assert t.loc[("A", "wet"), "grid_import_mwh"] == pytest.approx(2.0)
    assert t.loc[("A", "wet"), "emissions_tco2"] == pytest.approx(1.0)
    assert t.loc[("A", "dry"), "emissions_tco2"] == pytest.approx(0.0)
    assert t.loc[("B", "dry"), "fleet_mwh"] == pytest.approx(2.0)
    assert pd.isna(t.loc[("B", "dry"), "emissions_tco2"])
    assert t.loc[("host", "dry"), "emissions_tco2"] == pytest.approx(0.0)
    assert t.loc[("B", "dry"), "profit_usd"] == pytest.approx(2 * (V - 60))
    s = res.summary
    assert s["by_site"]["A"]["emissions_tco2"] == pytest.approx(1.0)
    assert s["by_site"]["B"]["emissions_tco2"] is None
    assert s["total"]["fleet_mwh"] == pytest.approx(4.0)
    assert s["total"]["emissions_tco2"] == pytest.approx(1.0)
    assert s["total"]["emissions_unknown_sites"] == ["B"]
    assert s["total"]["profit_usd"] == pytest.approx(res.objective_usd + 1.0)


# ---- storage across periods ----------------------------------------------------------
def battery(final_soc: object) -> dict[str, object]:
    return {
        "type": "battery",
        "id": "bess",
        "model": "battery/generic_lfp_4h_1mw",
        "energy_mwh": 1.0,
        "power_mw": 1.0,
        "charge_eff_frac": 1.0,
        "discharge_eff_frac": 1.0,
        "soc_min_frac": 0.0,
        "soc_max_frac": 1.0,
        "self_discharge_frac_per_h": 0.0,
        "degradation_usd_per_mwh": 0.0,
        "initial_soc_frac": 0.0,
        "final_soc": final_soc,
    }


@pytest.mark.parametrize("final_soc", ["free", "cyclic"])
def test_battery_carries_its_charge_into_the_next_period(final_soc):
    # Wet: 10 USD/MWh, the battery (empty, 1 MWh) charges 1 MWh for 10 USD and the
    # fleet runs 2 h: 2(V−10). Dry: 200 > V, so the fleet only runs on the stored
    # MWh: + V. Carried: 3V − 30 (cyclic ends empty too: the stored MWh is spent).
    # If each period restarted empty, the dry season would earn nothing: 2(V − 10).
    res = run_portfolio(
        [site("A", [10.0, 10.0, 200.0, 200.0], extra=[battery(final_soc)])],
        [Fleet("fleet", 1.0)],
        PERIODS,
        Moves(downtime_h=1.0),  # the dry season is split in two blocks too
    )
    assert res.objective_usd == pytest.approx(3 * V - 30, rel=1e-9)
    t = res.sites.set_index(["site", "period"])
    assert t.loc[("A", "dry"), "fleet_mwh"] == pytest.approx(1.0)
    assert t.loc[("A", "dry"), "grid_import_mwh"] == pytest.approx(0.0)


MMBTU_PER_MWH = 1000.0 / 293.07107
HEAT_VALUE = 10.0 * MMBTU_PER_MWH / 0.8  # 42.65 USD/MWhth: gas at 10, boiler η 0.8


def heat_site(
    prices: list[float], demand_mwth: list[float], loss_frac_per_h: float
) -> object:
    """An immersion fleet (0.95 of its power captured) with a store and a customer."""
    heat = {
        "type": "heat_recovery",
        "id": "heat",
        "sources": ["fleet"],
        "customers": [
            {
                "id": "bldg",
                "demand": {"format": "inline", "unit": "mwth", "values": demand_mwth},
                "gas_price_usd_per_mmbtu": 10.0,
                "boiler_eff_frac": 0.8,
            }
        ],
        "storage": {
            "capacity_mwhth": 1.0,
            "power_mwth": 1.0,
            "loss_frac_per_h": loss_frac_per_h,
            "initial_frac": 0.0,
        },
    }
    fleet = {**fleet_asset(), "cooling": "immersion"}
    return small_scenario(prices, [fleet, heat], hashprice_usd_per_ths_day=HP)


def test_thermal_store_carries_heat_into_the_next_period():
    # Wet: 10 USD/MWh, the fleet runs 2 h and its 1.9 MWhth fill the empty 1 MWhth
    # store; no demand. Dry: 500 USD/MWh, the fleet is off (V − 500 + 0.95 × 42.65
    # < 0), the store serves 1 MWhth of the 2 MWhth demand and ends empty as it
    # started: 2(V − 10) + 42.65. Restarting empty each period: 2(V − 10).
    sc = heat_site([10.0, 10.0, 500.0, 500.0], [0.0, 0.0, 1.0, 1.0], 0.0)
    res = run_portfolio(
        [PortfolioSite("A", prepare_inputs(sc))],
        [Fleet("fleet", 1.0)],
        PERIODS,
        Moves(downtime_h=1.0),  # the dry season is two blocks
    )
    assert res.objective_usd == pytest.approx(2 * (V - 10) + HEAT_VALUE, rel=1e-9)
    assert res.objective_usd == pytest.approx(run(sc).objective_usd, rel=1e-9)
    wet, dry = res.summary["stores"]
    assert (wet["start_mwhth"], wet["end_mwhth"]) == pytest.approx((0.0, 1.0))
    assert (dry["start_mwhth"], dry["end_mwhth"]) == pytest.approx((1.0, 0.0))
    assert dry["discharged_mwhth"] == pytest.approx(1.0)
    assert not any("thermal store" in n for n in res.summary["notes"])


def test_thermal_store_energy_balance_closes_over_the_horizon():
    # Three days hourly, 3 %/h standing loss, daily periods, 6 h downtime windows:
    # in each period start + charged − discharged − lost = end, each period starts
    # where the previous ended, the horizon ends where it started (0), so over the
    # horizon charged − discharged = lost; the optimum equals the site alone's.
    hours = np.arange(72)
    prices = list(60.0 + 70.0 * np.sin(hours * 2 * np.pi / 24))
    demand = list(0.6 * (np.cos(hours * 2 * np.pi / 24) > 0.3))
    sc = heat_site(prices, demand, 0.03)
    day = pd.Timedelta(days=1)
    periods = [Period(f"d{i}", T0 + i * day, T0 + (i + 1) * day) for i in range(3)]
    res = run_portfolio(
        [PortfolioSite("A", prepare_inputs(sc))],
        [Fleet("fleet", 1.0)],
        periods,
        Moves(downtime_h=6.0),
    )
    assert res.objective_usd == pytest.approx(run(sc).objective_usd, rel=1e-9)
    rows = res.summary["stores"]
    assert [r["period"] for r in rows] == ["d0", "d1", "d2"]
    for r in rows:
        assert r["start_mwhth"] + r["charged_mwhth"] - r["discharged_mwhth"] - r[
            "lost_mwhth"
        ] == pytest.approx(r["end_mwhth"], abs=1e-9)
    for before, after in itertools.pairwise(rows):
        assert after["start_mwhth"] == pytest.approx(before["end_mwhth"], abs=1e-9)
    assert rows[0]["start_mwhth"] == 0.0
    assert rows[-1]["end_mwhth"] == pytest.approx(0.0, abs=1e-9)
    charged = sum(r["charged_mwhth"] for r in rows)
    assert charged > 1.0  # the store is used
    assert charged - sum(r["discharged_mwhth"] for r in rows) == pytest.approx(
        sum(r["lost_mwhth"] for r in rows), abs=1e-9
    )


# ---- where the machines start, and a ban that forces them out ------------------------
def test_ban_on_the_starting_site_forces_the_move_and_static_is_infeasible():
    # The machines start at A (20 USD/MWh), banned from the dry season; B costs 60.
    # They must move A→B: 2(V−20) + 2(V−60) − c − (V−60) with 1 h downtime at B, and
    # no allocation that never moves is feasible.
    c = 5.0
    res = run_portfolio(
        [site("A", [20.0] * 4), site("B", [60.0] * 4)],
        [Fleet("fleet", 1.0, initial={"A": 1.0})],
        PERIODS,
        Moves(cost_usd_per_mw=c, downtime_h=1.0),
        [PolicyEvent("A", T0 + 2 * H, 0.0)],
    )
    assert res.objective_usd == pytest.approx(
        2 * (V - 20) + 2 * (V - 60) - c - (V - 60), rel=1e-9
    )
    assert res.static_objective_usd is None
    assert res.value_of_mobility_usd is None
    assert res.summary["static"] is None
    assert res.static_allocation.empty
    assert "no allocation that never moves" in res.summary["notes"][-1]


def test_initial_allocation_binds_the_first_period():
    # B is cheaper throughout, but the machines start at A. Moving for the dry season
    # (no downtime) gains 2(V−20) − 2(V−60) = 80 USD less 10 USD/MW: it moves, and
    # earns 2(V−60) + 2(V−20) − 10; never moving, they stay at A: 4(V−60).
    res = run_portfolio(
        [site("A", [60.0] * 4), site("B", [20.0] * 4)],
        [Fleet("fleet", 1.0, initial={"A": 1.0})],
        PERIODS,
        Moves(cost_usd_per_mw=10.0),
    )
    a = res.allocation.set_index(["site", "period"])["allocated_mw"]
    assert a["A", "wet"] == pytest.approx(1.0)
    assert a["B", "dry"] == pytest.approx(1.0)
    assert res.objective_usd == pytest.approx(2 * (V - 60) + 2 * (V - 20) - 10.0)
    assert res.static_objective_usd == pytest.approx(4 * (V - 60))


def test_initial_allocation_and_downtime_are_checked():
    s = [site("A", A), site("B", B)]
    with pytest.raises(ScenarioError, match=r"fleets\[0\]\.initial: 0\.5 MW placed"):
        run_portfolio(s, [Fleet("fleet", 1.0, initial={"A": 0.5})], PERIODS)
    with pytest.raises(ScenarioError, match=r"fleets\[0\]\.initial: site 'C'"):
        run_portfolio(s, [Fleet("fleet", 1.0, initial={"C": 1.0})], PERIODS)
    with pytest.raises(ScenarioError, match=r"moves\.downtime_days: .* periods\[1\]"):
        run_portfolio(s, [Fleet("fleet", 1.0)], PERIODS, Moves(downtime_h=2.0))


def test_emissions_cap_holds_over_the_whole_horizon_not_per_period():
    # One site at 20 USD/MWh and 0.5 tCO2/MWh, capped at 1.5 tCO2 over the 4 h: the
    # 1 MW fleet may draw 3 MWh in all, 3(V−20). Were each period given the whole
    # cap, it would run all 4 h: 4(V−20).
    capped = {**emissions(0.5), "cap_tco2": 1.5}
    res = run_portfolio(
        [site("A", [20.0] * 4, programs=[capped])], [Fleet("fleet", 1.0)], PERIODS
    )
    assert res.objective_usd == pytest.approx(3 * (V - 20), rel=1e-9)
    assert res.summary["total"]["emissions_tco2"] == pytest.approx(1.5)
    assert res.summary["total"]["fleet_mwh"] == pytest.approx(3.0)


def test_sizes_a_portfolio_would_split_are_refused():
    # A size chosen block by block would cost nothing: refused, naming the field.
    sized = {**battery("free"), "size": {"max_mwh": 4.0, "duration_h": 1.0}}
    del sized["energy_mwh"], sized["power_mw"]
    with pytest.raises(
        ScenarioError, match=r"site 'A': bess\.energy_mwh.* sized by a size block"
    ):
        run_portfolio([site("A", A, extra=[sized])], [Fleet("fleet", 1.0)], PERIODS)


# ---- energy quotas over the study -------------------------------------------------
def quota(mwh: float, period: str = "day", **kw: object) -> dict[str, object]:
    entry = {"type": "energy_quota", "id": "q", "quota_mwh": mwh, "period": period}
    return {**entry, **kw}


@pytest.mark.parametrize("c", [10.0, 40.0])
def test_energy_quota_binding_in_the_cheap_season_moves_the_fleet_away(c):
    # A: 20 USD/MWh wet, 50 dry, a quota of 1 MWh for the (one) day; B: 60 always.
    # A's MWh earn most in the wet season (V−20 > V−50), so A uses its whole quota
    # there with 0.5 MW for 2 h, and the other 0.5 MW go to B. In the dry season A
    # has no quota left: its 0.5 MW move to B if the move (0.5c) costs less than
    # what they would earn there instead of idling: optimum
    #   (V−20) + 3(V−60) − 0.5c.
    # Never moving, 0.25 MW at A use 0.5 MWh in each season (the split that fills
    # the quota: more idles in the dry season, less leaves quota unused):
    #   static = 0.5(V−20) + 0.5(V−50) + 3(V−60),
    # so moving pays by 0.5 × 30 − 0.5c: at c = 10 it moves, at c = 40 it does not.
    # Were each block given the day's quota, A would run 0.5 MW in both seasons.
    day_quota = quota(1.0, partial_periods="full")
    res = run_portfolio(
        [site("A", [20.0, 20.0, 50.0, 50.0], programs=[day_quota]),
         site("B", [60.0] * 4)],
        [Fleet("fleet", 1.0)],
        PERIODS,
        Moves(cost_usd_per_mw=c),
    )  # fmt: skip
    static = 0.5 * (V - 20) + 0.5 * (V - 50) + 3 * (V - 60)
    assert res.static_objective_usd == pytest.approx(static, rel=1e-9)
    a = res.allocation.set_index(["site", "period"])["allocated_mw"]
    if c < 30:
        assert res.objective_usd == pytest.approx(
            (V - 20) + 3 * (V - 60) - 0.5 * c, rel=1e-9
        )
        assert (a["A", "wet"], a["A", "dry"]) == pytest.approx((0.5, 0.0))
        assert res.moves.iloc[0].moved_mw == pytest.approx(0.5)
    else:
        assert res.objective_usd == pytest.approx(static, rel=1e-9)
        assert (a["A", "wet"], a["A", "dry"]) == pytest.approx((0.25, 0.25))
    used = res.summary["quotas"]
    assert [(q["site"], q["quota_mwh"]) for q in used] == [("A", 1.0)]
    assert used[0]["used_mwh"] == pytest.approx(1.0)
    assert res.sites.groupby("site")["grid_import_mwh"].sum()["A"] == pytest.approx(1)


def test_energy_quota_shared_by_blocks_equals_the_site_alone():
    # 3 MWh for the day over 4 h at 20 USD/MWh: 3(V−20), also when the periods and a
    # downtime window cut the day into three blocks (each with the whole quota, it
    # would be 4(V−20)).
    sc = small_scenario(
        [20.0] * 4,
        [fleet_asset()],
        hashprice_usd_per_ths_day=HP,
        programs=[quota(3.0, partial_periods="full")],
    )
    res = run_portfolio(
        [PortfolioSite("A", prepare_inputs(sc))],
        [Fleet("fleet", 1.0)],
        PERIODS,
        Moves(downtime_h=1.0),
    )
    assert res.objective_usd == pytest.approx(3 * (V - 20), rel=1e-9)
    assert res.objective_usd == pytest.approx(run(sc).objective_usd, rel=1e-9)


def test_a_quota_change_as_a_policy_event_shrinks_the_fleet_at_the_site():
    # Two days, one period each; A at 20, B at 60 USD/MWh; A's daily quota (100 MWh,
    # more than 1 MW draws) drops to 6 MWh from day 2. Day 1: all at A, 24(V−20).
    # Day 2: 0.25 MW at A use the 6 MWh for 24 h, 0.75 MW move to B (c = 10 USD/MW):
    # 6(V−20) + 18(V−60) − 7.5. Any more MW at A would idle part of the day.
    day = pd.Timedelta(days=1)
    periods = [Period("d1", T0, T0 + day), Period("d2", T0 + day, T0 + 2 * day)]
    a = site("A", [20.0] * 48, programs=[quota(100.0)])
    b = site("B", [60.0] * 48)
    event = PolicyEvent("A", T0 + day, quota_mwh=6.0)
    res = run_portfolio(
        [a, b], [Fleet("fleet", 1.0)], periods, Moves(cost_usd_per_mw=10.0), [event]
    )
    assert res.objective_usd == pytest.approx(
        30 * (V - 20) + 18 * (V - 60) - 7.5, rel=1e-9
    )
    alloc = res.allocation.set_index(["site", "period"])["allocated_mw"]
    assert (alloc["A", "d1"], alloc["A", "d2"]) == pytest.approx((1.0, 0.25))
    q = res.summary["quotas"]
    assert [r["quota_mwh"] for r in q] == pytest.approx([100.0, 6.0])
    assert [r["used_mwh"] for r in q] == pytest.approx([24.0, 6.0])
    # the quota event limits energy, not MW: the site still hosts the whole fleet
    assert event.mw_limit == math.inf
    # A change inside a day gives the day the hours-weighted mean of the two quotas:
    # from noon on day 2, (12 × 100 + 12 × 6) / 24 = 53 MWh.
    noon = PolicyEvent("A", T0 + day + 12 * H, quota_mwh=6.0)
    res = run_portfolio([a, b], [Fleet("fleet", 1.0)], periods, events=[noon])
    assert [r["quota_mwh"] for r in res.summary["quotas"]] == pytest.approx([100, 53])


def test_quota_events_name_their_field():
    a, b = site("A", A, programs=[quota(10.0)]), site("B", B)
    cases = (
        (PolicyEvent("B", T0, quota_mwh=1.0), r"\.quota_mwh: site 'B' has no"),
        (PolicyEvent("A", T0, quota_mwh=1.0, program="x"), r"\.program: .*'x'"),
        (PolicyEvent("A", T0, program="q"), r"\.quota_mwh: events\[0\]\.program needs"),
    )  # fmt: skip
    for event, words in cases:
        with pytest.raises(ScenarioError, match=words):
            run_portfolio([a, b], [Fleet("fleet", 1.0)], PERIODS, events=[event])
    two = site("A", A, programs=[quota(10.0), {**quota(20.0), "id": "q2"}])
    with pytest.raises(ScenarioError, match=r"events\[0\]\.program: .*'q', 'q2'"):
        run_portfolio(
            [two, b],
            [Fleet("fleet", 1.0)],
            PERIODS,
            events=[PolicyEvent("A", T0, quota_mwh=1.0)],
        )


# ---- demand charges across block edges --------------------------------------------
DEMAND_CHARGE = {"type": "demand_charge", "id": "dc", "usd_per_kw_month": 0.01}


def test_monthly_demand_charge_is_one_peak_across_the_blocks_of_a_month():
    # A 1 MW fleet at 30 USD/MWh for 4 h earns 4(V − 30); the charge is 10 USD per
    # MW of June's peak (1 MW), billed once although two periods (and a downtime
    # window) cut June into blocks: 4(V − 30) − 10, as the site alone.
    sc = small_scenario([30.0] * 4, [fleet_asset()], programs=[DEMAND_CHARGE])
    for downtime in (0.0, 1.0):
        res = run_portfolio(
            [PortfolioSite("A", prepare_inputs(sc))],
            [Fleet("fleet", 1.0)],
            PERIODS,
            Moves(downtime_h=downtime),
        )
        assert res.objective_usd == pytest.approx(4 * (V - 30) - 10, rel=1e-9)
        assert res.objective_usd == pytest.approx(run(sc).objective_usd, rel=1e-9)
    # Periods that are whole billing months: June's and July's peaks once each.
    t0 = pd.Timestamp("2024-06-30T22:00:00+00:00")
    sc = small_scenario(
        [30.0] * 4, [fleet_asset()], programs=[DEMAND_CHARGE], start=t0.isoformat()
    )
    months = [Period("jun", t0, t0 + 2 * H), Period("jul", t0 + 2 * H, t0 + 4 * H)]
    res = run_portfolio(
        [PortfolioSite("A", prepare_inputs(sc))], [Fleet("fleet", 1.0)], months
    )
    assert res.objective_usd == pytest.approx(4 * (V - 30) - 20, rel=1e-9)
    assert res.objective_usd == pytest.approx(run(sc).objective_usd, rel=1e-9)


def test_demand_charge_bills_the_highest_peak_over_both_blocks_once():
    # A (20 USD/MWh, 50 USD per MW of June's peak) may host 0.4 MW from the dry
    # season on; B costs 60. Best: 1 MW at A in the wet season, 0.6 MW moved to B
    # (1 USD/MW): 2(V−20) + 0.8(V−20) + 1.2(V−60) − 0.6 − 50 × max(1, 0.4).
    # Billed once per block it would cost 50 × (1 + 0.4), 20 USD more. Never
    # moving, 0.4 MW stay at A: 1.6(V−20) + 2.4(V−60) − 50 × 0.4.
    charge = {**DEMAND_CHARGE, "usd_per_kw_month": 0.05}
    res = run_portfolio(
        [site("A", [20.0] * 4, programs=[charge]), site("B", [60.0] * 4)],
        [Fleet("fleet", 1.0)],
        PERIODS,
        Moves(cost_usd_per_mw=1.0),
        [PolicyEvent("A", T0 + 2 * H, 0.4)],
    )
    best = 2.8 * (V - 20) + 1.2 * (V - 60) - 0.6 - 50.0
    assert res.objective_usd == pytest.approx(best, rel=1e-9)
    assert res.static_objective_usd == pytest.approx(
        1.6 * (V - 20) + 2.4 * (V - 60) - 20.0, rel=1e-9
    )
    t = res.sites.set_index(["site", "period"])["profit_usd"]
    # the charge sits in the block that bills June (the first)
    assert t["A", "wet"] == pytest.approx(2 * (V - 20) - 50.0)
    assert t["A", "dry"] == pytest.approx(0.8 * (V - 20))


def test_pre_event_baseline_cut_by_a_block_edge_is_refused():
    # The event (hours 2-3) measures its baseline over hours 0-1, in the first period
    # block: the second block would not see it.
    dr = {
        "type": "demand_response",
        "id": "dr",
        "events": {
            "periods": [
                {"start": (T0 + 2 * H).isoformat(), "end": (T0 + 4 * H).isoformat()}
            ]
        },
        "committed_mw": 0.5,
        "baseline": "pre_event_mean",
        "baseline_window_h": 2.0,
        "payment_usd_per_mwh": 200.0,
    }
    with pytest.raises(ScenarioError, match=r"programs\.dr\.baseline_window_h: "):
        run_portfolio([site("A", A, programs=[dr])], [Fleet("fleet", 1.0)], PERIODS)


def test_host_all_in_price_covers_cooling_whatever_the_home_pue():
    # A at 1000 USD/MWh never runs; the host's 50 USD/MWh all-in covers cooling, so
    # the fleet pays it on its machines' MWh: 4(V − 50) at PUE 1.0 and 1.2 alike
    # (not 1.2 × 50 per machine MWh on 4.8 MWh: 4(V − 60)).
    for pue in (1.0, 1.2):
        sc = small_scenario([1000.0] * 4, [{**fleet_asset(), "pue": pue}])
        res = run_portfolio(
            [PortfolioSite("A", prepare_inputs(sc))],
            [Fleet("fleet", 1.0)],
            PERIODS,
            hosting=[HostingOffer("host", 50.0, 1.0)],
        )
        assert res.objective_usd == pytest.approx(4 * (V - 50), rel=1e-9)
        assert res.summary["by_site"]["host"]["fleet_mwh"] == pytest.approx(4.0)


def test_hosting_term_may_not_outlast_the_horizon():
    # The fleet starts at A (20 then 110 USD/MWh); the host at 50 has a 12-month
    # term. Moving there for the last 2 h would earn 2(V − 20) + 2(V − 50) but leave
    # the term unheld: refused, so the fleet stays, 2(V − 20) + 2(V − 110).
    stay = 2 * (V - 20) + 2 * (V - 110)
    hosted = 2 * (V - 20) + 2 * (V - 50)
    for opt_in, expected in ((False, stay), (True, hosted)):
        res = run_portfolio(
            [site("A", A)],
            [Fleet("fleet", 1.0, initial={"A": 1.0})],
            PERIODS,
            hosting=[HostingOffer("host", 50.0, 1.0, 12, term_past_horizon=opt_in)],
        )
        assert res.objective_usd == pytest.approx(expected, rel=1e-9)
        assert any("term_past_horizon" in n for n in res.summary["notes"]) is opt_in
    # Without `initial` the study may not choose the host in the first period either;
    # with it, machines that start at the host stay: 4(V − 50).
    for initial, expected in ((None, 2 * (V - 20) + 2 * (V - 110)),
                              ({"host": 1.0}, 4 * (V - 50))):  # fmt: skip
        res = run_portfolio(
            [site("A", A)],
            [Fleet("fleet", 1.0, initial=initial)],
            PERIODS,
            hosting=[HostingOffer("host", 50.0, 1.0, 12)],
        )
        assert res.objective_usd == pytest.approx(expected, rel=1e-9)


def test_fixed_non_firm_offer_is_operated_as_built_and_its_cost_charged():
    # Firm 0.2 MW plus a fixed 1 MW non-firm offer, curtailed in hour 1: the 1 MW
    # fleet at 30 USD/MWh runs 1, 0.2, 1, 1 MW = 3.2 MWh, 3.2(V − 30). The offer's
    # 8,760 USD/MW-yr of O&M over 4 h of a year costs 4 USD, as for the site alone.
    curtailed = {
        "periods": [{"start": (T0 + H).isoformat(), "end": (T0 + 2 * H).isoformat()}]
    }
    non_firm = {
        "min_mw": 1.0,
        "max_mw": 1.0,
        "capex_usd_per_kw": 0.0,
        "fixed_om_usd_per_kw_yr": 8.76,
        "life_yr": 1,
        "curtailed": curtailed,
    }
    sc = small_scenario(
        [30.0] * 4, [fleet_asset()], site={"import_limit_mw": 0.2, "non_firm": non_firm}
    )
    res = run_portfolio(
        [PortfolioSite("A", prepare_inputs(sc))], [Fleet("fleet", 1.0)], PERIODS
    )
    assert res.objective_usd == pytest.approx(3.2 * (V - 30) - 4.0, rel=1e-9)
    assert res.objective_usd == pytest.approx(run(sc).objective_usd, rel=1e-9)
    assert res.summary["profit_usd_by_site"]["A"] == pytest.approx(res.objective_usd)
