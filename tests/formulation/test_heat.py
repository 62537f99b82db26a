"""Heat recovery: optima worked out by hand, invariants, bad input, DOE data.

Common numbers (written out once):

* the fleet is 1 MW of S21 (17.5 J/TH) on a linear curve, availability 1, no pool
  fee, hashprice 0.05 USD/TH/day: V_mine = 0.05 · 1e6 / (24 · 17.5) = 119.05 USD/MWh;
* 1 MWh = 1000 / 293.07107 = 3.41214 MMBtu, so with a boiler of η = 0.8 one MWhth
  served saves 3.41214 / 0.8 = 4.26518 MMBtu of fuel, worth 42.6518 USD at
  10 USD/MMBtu (``HEAT_VALUE``) and 4.26518 · 0.05306 = 0.226310 tCO2.
"""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pandas as pd
import pytest

from grid_flex.api import build_model, prepare_inputs, solve
from grid_flex.errors import DataError, ScenarioError
from grid_flex.io.scenario import scenario_from_dict
from grid_flex.resources import data_dir
from grid_flex.results import Results
from grid_flex.testing import assert_balance_closes, s21_fleet, small_scenario
from grid_flex.validation import check_scenario

pytestmark = pytest.mark.solver

HP = 0.05
V_MINE = HP * 1e6 / (24 * 17.5)  # 119.05 USD/MWh
MMBTU_PER_MWH = 1000.0 / 293.07107  # 3.41214
HEAT_VALUE = 10.0 * MMBTU_PER_MWH / 0.8  # 42.65 USD/MWhth at 10 USD/MMBtu, η 0.8
CO2_PER_MWHTH = MMBTU_PER_MWH / 0.8 * 0.05306  # 0.2263 tCO2/MWhth


def fleet(**kw: Any) -> dict[str, Any]:
    return s21_fleet(
        **{"power_mw": 1.0, "hashrate_curve": "linear", "cooling": "immersion", **kw}
    )


def customer(values: list[float], unit: str = "mwth", **kw: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "bldg",
        "demand": {"format": "inline", "unit": unit, "values": values},
        "gas_price_usd_per_mmbtu": 10.0,
        "boiler_eff_frac": 0.8,
    }
    entry.update(kw)
    return entry


def heat(customers: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "heat_recovery",
        "id": "heat",
        "sources": ["fleet"],
        "customers": customers,
    }
    entry.update(kw)
    return entry


def col(res: Results, name: str) -> np.ndarray:
    return res.timeseries[name].to_numpy()


def solve_site(solve_small, prices, assets, **patch: Any) -> Results:
    return solve_small(
        small_scenario(prices, assets, hashprice_usd_per_ths_day=HP, **patch)
    )


# ---- (1) served ≤ captured and ≤ demand --------------------------------------------
def test_served_is_min_of_captured_and_demand(solve_small):
    # Price 10 ≪ V_mine: the fleet runs at 1 MW throughout; immersion captures 0.95.
    demand = [0.5, 2.0, 0.95, 0.0, 1.2]
    res = solve_site(solve_small, [10.0] * 5, [fleet(), heat([customer(demand)])])
    captured = col(res, "heat.captured_mwth")
    served = col(res, "heat.served_mwth")
    np.testing.assert_allclose(captured, 0.95, atol=1e-9)
    expected = np.minimum(0.95, demand)  # [0.5, 0.95, 0.95, 0, 0.95]
    np.testing.assert_allclose(served, expected, atol=1e-9)
    np.testing.assert_allclose(col(res, "heat.bldg_served_mwth"), expected, atol=1e-9)
    np.testing.assert_allclose(col(res, "heat.dump_mwth"), 0.95 - expected, atol=1e-9)
    assert (served <= captured + 1e-9).all()
    assert (served <= np.array(demand) + 1e-9).all()
    # objective: 5 h of mining at (119.05 − 10) plus 3.35 MWhth at 42.65
    mining = (V_MINE - 10.0) * 1.0 * 5
    assert res.objective_usd == pytest.approx(
        mining + expected.sum() * HEAT_VALUE, rel=1e-9
    )
    kpi = res.summary["assets"]["heat"]
    assert kpi["captured_mwhth"] == pytest.approx(4.75)
    assert kpi["served_mwhth"] == pytest.approx(3.35)
    assert kpi["dumped_mwhth"] == pytest.approx(1.4)
    assert kpi["demand_met_frac"] == pytest.approx(3.35 / 4.65)
    assert kpi["captured_reused_frac"] == pytest.approx(3.35 / 4.75)
    assert_balance_closes(res)


# ---- (2) value of heat by hand -----------------------------------------------------
def test_avoided_fuel_value_emissions_by_hand(solve_small):
    # 0.5 MWth served each hour: 0.5 · 3.41214 / 0.8 · 10 = 21.3259 USD per hour.
    res = solve_site(solve_small, [10.0] * 3, [fleet(), heat([customer([0.5] * 3)])])
    per_hour = 0.5 * MMBTU_PER_MWH / 0.8 * 10.0
    assert per_hour == pytest.approx(21.3259, abs=1e-4)
    np.testing.assert_allclose(col(res, "heat.revenue_usd"), per_hour, rtol=1e-9)
    fuel = 0.5 * MMBTU_PER_MWH / 0.8  # 2.13259 MMBtu per hour
    np.testing.assert_allclose(col(res, "heat.fuel_saved_mmbtu"), fuel, rtol=1e-9)
    np.testing.assert_allclose(col(res, "heat.avoided_tco2"), fuel * 0.05306)
    kpi = res.summary["assets"]["heat"]
    assert kpi["heat_value_usd"] == pytest.approx(3 * per_hour)
    assert kpi["fuel_saved_mmbtu"] == pytest.approx(3 * fuel)
    assert kpi["avoided_tco2"] == pytest.approx(3 * 0.5 * CO2_PER_MWHTH)
    assert res.summary["heat_recovery_revenue_usd"] == pytest.approx(3 * per_hour)
    assert res.objective_usd == pytest.approx(3 * (V_MINE - 10.0 + per_hour))


def test_emissions_term_is_minus_avoided_boiler_co2(solve_small):
    sc = small_scenario(
        [10.0, 10.0],
        [fleet(), heat([customer([0.5, 0.2])])],
        hashprice_usd_per_ths_day=HP,
    )
    site = build_model(prepare_inputs(sc))
    solution = solve(site)
    x = solution.layer_x(site.layer)
    emissions = site.assets["heat"].emissions_tco2
    assert emissions is not None
    # −served · Δt · 3.41214 / 0.8 · 0.05306
    np.testing.assert_allclose(
        emissions.value(x), -np.array([0.5, 0.2]) * CO2_PER_MWHTH, rtol=1e-9
    )


def test_sale_price_and_fifteen_minute_steps(solve_small):
    # 0.5 MWth for 4 quarter hours at 30 USD/MWhth: 0.5 · 0.25 · 30 = 3.75 per step.
    res = solve_small(
        small_scenario(
            [10.0] * 4,
            [
                fleet(),
                heat(
                    [customer([0.5] * 4, value="sale", sale_price_usd_per_mwhth=30.0)]
                ),
            ],
            timestep_min=15,
            hashprice_usd_per_ths_day=HP,
        )
    )
    np.testing.assert_allclose(col(res, "heat.revenue_usd"), 3.75, rtol=1e-9)
    # emissions still avoided: 0.5 MWth · 0.25 h · 0.2263 tCO2/MWhth
    np.testing.assert_allclose(
        col(res, "heat.avoided_tco2"), 0.125 * CO2_PER_MWHTH, rtol=1e-9
    )


def test_fuel_demand_converted_with_boiler_efficiency(solve_small):
    # 2 MMBtu/h of boiler fuel · 0.29307107 MWh/MMBtu · 0.8 · scale 1.5 = 0.70337 MWth
    res = solve_site(
        solve_small,
        [10.0, 10.0],
        [
            fleet(),
            heat([customer([2.0, 0.5], unit="mmbtu_per_h_fuel", demand_scale=1.5)]),
        ],
    )
    expected = np.array([2.0, 0.5]) * 0.29307107 * 0.8 * 1.5  # [0.70337, 0.17584]
    np.testing.assert_allclose(col(res, "heat.demand_mwth"), expected, rtol=1e-12)
    np.testing.assert_allclose(col(res, "heat.served_mwth"), expected, rtol=1e-9)
    # fuel saved = the fuel the building would have burnt, without the scale's
    # boiler: served · 3.41214 / 0.8 = demand fuel · 1.5
    np.testing.assert_allclose(
        col(res, "heat.fuel_saved_mmbtu"), np.array([2.0, 0.5]) * 1.5, rtol=1e-9
    )


# ---- (3) heat raises the miner's breakeven -----------------------------------------
def test_heat_raises_breakeven(solve_small):
    # Demand 0.5 MWth. Below 0.5/0.95 = 0.5263 MW the fleet's heat is all used and
    # each MWh earns V_mine + 0.95 · 42.65 = 119.05 + 40.52 = 159.57 USD; above it,
    # only V_mine. Prices: V−10 (runs fully either way), V+20 (only with heat, at
    # 0.5263 MW), V+50 (above 159.57: off either way).
    prices = np.array([V_MINE - 10.0, V_MINE + 20.0, V_MINE + 50.0])
    alone = solve_site(solve_small, prices, [fleet()])
    with_heat = solve_site(solve_small, prices, [fleet(), heat([customer([0.5] * 3)])])
    np.testing.assert_allclose(col(alone, "fleet.power_mw"), [1, 0, 0], atol=1e-9)
    p_heat = 0.5 / 0.95
    np.testing.assert_allclose(
        col(with_heat, "fleet.power_mw"), [1.0, p_heat, 0.0], atol=1e-9
    )
    np.testing.assert_allclose(
        col(with_heat, "heat.served_mwth"), [0.5, 0.5, 0.0], atol=1e-9
    )
    heat_per_mwh = 0.95 * HEAT_VALUE  # 40.52 USD per MWh of fleet power
    expected = (
        10.0
        + 0.5 * HEAT_VALUE  # hour 0: mining margin + 0.5 MWth served
        + p_heat * (heat_per_mwh - 20.0)  # hour 1: heat pays the 20 USD gap
    )
    assert with_heat.objective_usd == pytest.approx(expected, rel=1e-9)
    assert alone.objective_usd == pytest.approx(10.0, rel=1e-9)


def test_adding_a_heat_customer_never_lowers_profit(solve_small):
    rng = np.random.default_rng(11)
    n = 12
    prices = rng.uniform(60.0, 200.0, n)
    first = customer(list(rng.uniform(0.0, 0.8, n)))
    second = customer(
        list(rng.uniform(0.0, 0.6, n)), id="pool", gas_price_usd_per_mmbtu=4.0
    )
    fan = {"dump_fan_mw_per_mwth": 0.05}
    alone = solve_site(solve_small, prices, [fleet()])
    one = solve_site(solve_small, prices, [fleet(), heat([first])])
    two = solve_site(solve_small, prices, [fleet(), heat([first, second], **fan)])
    one_fan = solve_site(solve_small, prices, [fleet(), heat([first], **fan)])
    assert one.objective_usd >= alone.objective_usd - 1e-9
    assert two.objective_usd >= one_fan.objective_usd - 1e-9
    assert two.objective_usd > one_fan.objective_usd + 1.0  # the pool is worth money
    # the fan is a load: it appears in the heat asset's net load and the balance
    fan_mw = 0.05 * col(one_fan, "heat.dump_mwth")
    np.testing.assert_allclose(col(one_fan, "heat.fan_power_mw"), fan_mw, atol=1e-9)
    np.testing.assert_allclose(col(one_fan, "heat.net_load_mw"), fan_mw, atol=1e-9)
    for res in (one, two, one_fan):
        assert_balance_closes(res)
        assert (
            col(res, "heat.served_mwth") <= col(res, "heat.demand_mwth") + 1e-9
        ).all()


# ---- (4) heat pump -----------------------------------------------------------------
def test_hot_customer_is_served_through_the_heat_pump_only(solve_small):
    # Air-cooled fleet: loop 45 °C, capture 0.5 → 0.5 MWth of loop heat at 1 MW.
    # The customer needs 75 °C, so only the heat pump (COP 4) serves it:
    # hour 0: demand 0.4 → h = 0.4, loop heat 0.75 · 0.4 = 0.3, power 0.1 MW;
    # hour 1: demand 2.0 → loop-limited, 0.75 h ≤ 0.5 → h = 2/3, power 1/6 MW.
    hot = customer([0.4, 2.0], supply_temp_degc=75.0)
    pump = {"cop": 4.0, "max_output_mwth": 1.0}
    res = solve_site(
        solve_small,
        [10.0, 10.0],
        [fleet(cooling="air"), heat([hot], heat_pump=pump)],
    )
    h = np.array([0.4, 2.0 / 3.0])
    np.testing.assert_allclose(col(res, "heat.heat_pump_output_mwth"), h, atol=1e-9)
    np.testing.assert_allclose(col(res, "heat.served_mwth"), h, atol=1e-9)
    np.testing.assert_allclose(col(res, "heat.heat_pump_power_mw"), h / 4, atol=1e-9)
    np.testing.assert_allclose(col(res, "heat.net_load_mw"), h / 4, atol=1e-9)
    np.testing.assert_allclose(col(res, "heat.dump_mwth"), 0.5 - 0.75 * h, atol=1e-9)
    # the pump's electricity is bought: import = fleet + pump
    np.testing.assert_allclose(col(res, "site.grid_import_mw"), 1.0 + h / 4, atol=1e-9)
    expected = 2 * (V_MINE - 10.0) + (h * HEAT_VALUE - h / 4 * 10.0).sum()
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    block = res.summary["assets"]["heat"]
    assert block["loop_temp_degc"] == 45.0
    assert block["heat_pump_energy_mwh"] == pytest.approx(h.sum() / 4)
    # no direct path exists for a 75 °C customer on a 45 °C loop
    sc = small_scenario(
        [10.0, 10.0],
        [fleet(cooling="air"), heat([hot], heat_pump=pump)],
        hashprice_usd_per_ths_day=HP,
    )
    site = build_model(prepare_inputs(sc))
    gc.unfreeze()  # built, never solved (see build_site)
    assert site.block.asset["heat"].component("bldg_direct_mwth") is None
    assert site.block.asset["heat"].component("bldg_heat_pump_mwth") is not None
    assert_balance_closes(res)


def test_heat_pump_stops_when_electricity_costs_more_than_heat(solve_small):
    # Pumped heat is worth 42.65 USD/MWhth and costs price / 4 of electricity: it
    # pays below 4 · 42.65 = 170.6 USD/MWh. Hour 0 (price 100): the fleet runs
    # (119.05 > 100), 0.5 MWth of loop heat, the pump serves the 0.4 MWth demand
    # (0.3 from the loop). Hour 1 (price 200): mining loses 81 USD/MWh and each
    # pumped MWhth loses 50 − 42.65 = 7.35 USD, so both stop.
    hot = customer([0.4, 0.4], supply_temp_degc=75.0)
    pump = {"cop": 4.0, "max_output_mwth": 1.0}
    res = solve_site(
        solve_small,
        [100.0, 200.0],
        [fleet(cooling="air"), heat([hot], heat_pump=pump)],
    )
    np.testing.assert_allclose(col(res, "fleet.power_mw"), [1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(
        col(res, "heat.heat_pump_output_mwth"), [0.4, 0.0], atol=1e-9
    )
    expected = (V_MINE - 100.0) + 0.4 * HEAT_VALUE - 0.1 * 100.0
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)


# ---- (5) storage -------------------------------------------------------------------
def test_storage_shifts_heat_to_later_demand_with_losses(solve_small):
    # Hour 0: price 10, fleet runs, 0.95 MWth captured, no demand: the store (0.5
    # MWhth, empty at start, cyclic) fills to 0.5. Hour 1: price 500 > V_mine + heat
    # (159.6) so the fleet is off; the store loses 10 %/h, so 0.9 · 0.5 = 0.45 MWhth
    # is left to serve the 1 MWth demand, and it ends empty again.
    store = {
        "capacity_mwhth": 0.5,
        "power_mwth": 1.0,
        "loss_frac_per_h": 0.1,
        "initial_frac": 0.0,
    }
    prices = [10.0, 500.0]
    res = solve_site(
        solve_small, prices, [fleet(), heat([customer([0.0, 1.0])], storage=store)]
    )
    np.testing.assert_allclose(col(res, "fleet.power_mw"), [1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(col(res, "heat.storage_mwhth"), [0.5, 0.0], atol=1e-9)
    np.testing.assert_allclose(
        col(res, "heat.storage_charge_mwth"), [0.5, 0.0], atol=1e-9
    )
    np.testing.assert_allclose(
        col(res, "heat.storage_discharge_mwth"), [0.0, 0.45], atol=1e-9
    )
    np.testing.assert_allclose(col(res, "heat.served_mwth"), [0.0, 0.45], atol=1e-9)
    np.testing.assert_allclose(col(res, "heat.dump_mwth"), [0.45, 0.0], atol=1e-9)
    kpi = res.summary["assets"]["heat"]
    assert kpi["storage_losses_mwhth"] == pytest.approx(0.05)
    assert res.objective_usd == pytest.approx(
        (V_MINE - 10.0) + 0.45 * HEAT_VALUE, rel=1e-9
    )
    without = solve_site(solve_small, prices, [fleet(), heat([customer([0.0, 1.0])])])
    assert without.objective_usd == pytest.approx(V_MINE - 10.0, rel=1e-9)


def test_energy_closes_with_everything_on(solve_small):
    # captured = loop heat used + dumped + store (charge − discharge), and
    # served = loop heat used + heat-pump electricity (Q_out = Q_src + W).
    rng = np.random.default_rng(5)
    n = 10
    prices = rng.uniform(50.0, 220.0, n)
    customers = [
        customer(list(rng.uniform(0, 0.9, n)), id="warm", supply_temp_degc=40.0),
        customer(list(rng.uniform(0, 0.9, n)), id="hot", supply_temp_degc=80.0),
    ]
    entry = heat(
        customers,
        sources=["fleet", "air_fleet"],
        heat_pump={"cop": 3.0, "max_output_mwth": 0.4},
        storage={"capacity_mwhth": 1.0, "power_mwth": 0.5, "loss_frac_per_h": 0.02},
        dump_fan_mw_per_mwth=0.02,
    )
    res = solve_site(
        solve_small,
        prices,
        [fleet(), fleet(id="air_fleet", cooling="air", power_mw=0.5), entry],
    )
    k = res.summary["assets"]["heat"]
    dt = col(res, "site.timestep_h")
    used = col(res, "heat.loop_heat_used_mwth") @ dt
    stored = (
        col(res, "heat.storage_charge_mwth") - col(res, "heat.storage_discharge_mwth")
    ) @ dt
    assert k["captured_mwhth"] == pytest.approx(used + k["dumped_mwhth"] + stored)
    assert k["served_mwhth"] == pytest.approx(used + k["heat_pump_energy_mwh"])
    # mixed air (45 °C) and immersion (60 °C) sources: the loop runs at 45 °C
    assert k["loop_temp_degc"] == 45.0
    assert k["fleet_capture_frac"] == 0.95
    assert k["air_fleet_capture_frac"] == 0.5
    np.testing.assert_allclose(
        col(res, "heat.captured_mwth"),
        0.95 * col(res, "fleet.power_mw") + 0.5 * col(res, "air_fleet.power_mw"),
        atol=1e-9,
    )
    assert (col(res, "heat.heat_pump_output_mwth") <= 0.4 + 1e-9).all()
    for c in ("warm", "hot"):
        assert (
            col(res, f"heat.{c}_served_mwth")
            <= col(res, f"heat.{c}_demand_mwth") + 1e-9
        ).all()
    assert (col(res, "heat.dump_mwth") >= -1e-9).all()
    assert_balance_closes(res)


# ---- (6) bad input -----------------------------------------------------------------
def scenario(assets: list[dict[str, Any]], n: int = 2):
    return small_scenario([10.0] * n, assets, hashprice_usd_per_ths_day=HP)


def problems_of(exc: pytest.ExceptionInfo[ScenarioError]) -> str:
    return "\n".join(exc.value.problems)


def test_customer_without_series_is_a_schema_error():
    bad = customer([1.0, 1.0])
    del bad["demand"]
    with pytest.raises(ScenarioError, match=r"customers\[0\]\.demand: Field required"):
        scenario([fleet(), heat([bad])])


def test_sale_value_needs_a_price_and_a_price_needs_sale_value():
    with pytest.raises(ScenarioError, match="value: sale needs sale_price_usd_per"):
        scenario([fleet(), heat([customer([1.0, 1.0], value="sale")])])
    with pytest.raises(ScenarioError, match="only used with value: sale"):
        scenario([fleet(), heat([customer([1.0, 1.0], sale_price_usd_per_mwhth=5)])])


@pytest.mark.parametrize(
    ("assets", "words"),
    [
        (
            [fleet(), heat([customer([1, 1])], sources=["flet"])],
            ["assets.heat.sources[0]", "'flet' is not an asset", "fleet"],
        ),
        (
            [
                fleet(),
                {
                    "type": "battery",
                    "id": "bess",
                    "model": "battery/generic_lfp_4h_1mw",
                    "count": 1,
                },
                heat([customer([1, 1])], sources=["fleet", "bess"]),
            ],
            ["assets.heat.sources[1]", "'bess' (battery) gives no heat"],
        ),
        (
            [fleet(cooling="air"), heat([customer([1, 1], supply_temp_degc=75.0)])],
            [
                "assets.heat.customers[0].supply_temp_degc",
                "needs 75 °C",
                "runs at 45 °C",
                "air-cooled source 'fleet'",
                "heat_pump is needed",
            ],
        ),
        (
            [
                fleet(),
                fleet(id="air_fleet", cooling="air"),
                heat([customer([1, 1])], sources=["fleet", "air_fleet"]),
            ],
            ["needs 60 °C", "runs at 45 °C", "'air_fleet'"],
        ),
        (
            [
                fleet(),
                heat([customer([1, 1])]),
                heat([customer([1, 1])], id="heat2", capture_frac=0.3),
            ],
            ["'fleet' also feeds heat2", "125%"],
        ),
    ],
    ids=["unknown-source", "battery-source", "too-cold", "mixed-loop", "double-claim"],
)
def test_bad_sources_and_temperatures_are_named(solve_small, assets, words):
    with pytest.raises(ScenarioError) as exc:
        solve_small(scenario(assets))
    text = problems_of(exc)
    for w in words:
        assert w in text
    assert exc.value.source == "small_scenario"


def test_demand_in_electric_units_is_rejected_before_reading_data():
    sc = scenario([fleet(), heat([customer([1.0, 1.0], unit="mw")])])
    for stage in (check_scenario, prepare_inputs):
        with pytest.raises(ScenarioError) as exc:
            stage(sc)
        text = problems_of(exc)
        assert "assets.heat.customers[0].demand.unit" in text
        assert "'mw' is power (mw), not heat" in text
        assert "mwth" in text


def test_explicit_loop_temperature_is_checked_without_data():
    entry = heat([customer([1.0, 1.0], supply_temp_degc=70.0)], loop_temp_degc=50.0)
    with pytest.raises(ScenarioError) as exc:
        check_scenario(scenario([fleet(), entry]))
    text = problems_of(exc)
    assert "needs 70 °C" in text
    assert "runs at 50 °C (loop_temp_degc = 50)" in text
    # with a heat pump it is valid
    entry["heat_pump"] = {"max_output_mwth": 1.0}
    check_scenario(scenario([fleet(), entry]))


@pytest.mark.parametrize(
    ("bad_customer", "words"),
    [
        (customer([1.0, -0.5]), ["customers[0].demand: value -0.5", "≥ 0"]),
        (customer([1.0, 1.0], boiler_eff_frac=0.0), ["boiler_eff_frac: must be above"]),
        (
            customer([1.0, 1.0])
            | {
                "demand": {
                    "format": "doe_crb",
                    "file": "bundled:doe_crb_hourly_heat_dhw_elec_loads.csv",
                    "column": "Houston_Hospital_electric_kwh",
                }
            },
            ["demand.column", "not a heating load"],
        ),
    ],
    ids=["negative", "zero-boiler", "doe-electric"],
)
def test_bad_customers_are_named(bad_customer, words):
    with pytest.raises(ScenarioError) as exc:
        prepare_inputs(scenario([fleet(), heat([bad_customer])]))
    text = problems_of(exc)
    for w in words:
        assert w in text


def test_duplicate_sources_and_customers_are_rejected():
    entry = heat(
        [customer([1, 1]), customer([1, 1])], sources=["fleet", "fleet", "heat"]
    )
    with pytest.raises(ScenarioError) as exc:
        check_scenario(scenario([fleet(), entry]))
    text = problems_of(exc)
    assert "fleet listed more than once" in text
    assert "cannot take heat from itself" in text
    assert "customer ids must be unique; repeated: bldg" in text


# ---- (7) DOE Houston hospital on real prices ---------------------------------------
def test_doe_houston_hospital_real_scenario(solve_small):
    start, days = pd.Timestamp("2020-01-06T00:00:00"), 3
    data = {
        "name": "houston_hospital_heat",
        "site": {"import_limit_mw": 5.0},
        "horizon": {
            "start": start.isoformat(),
            "end": (start + pd.Timedelta(days=days)).isoformat(),
            "timestep_min": 60,
            "timezone": "America/Chicago",
        },
        "energy": {
            "price": {
                "format": "ercot_dam",
                "file": "bundled:ercot_dam_spp_hubs_lz_2020.csv",
                "column": "LZ_HOUSTON",
            }
        },
        "hashprice": {"usd_per_ths_day": 0.08},
        "assets": [
            fleet(),
            heat(
                [
                    {
                        "id": "hospital",
                        "demand": {
                            "format": "doe_crb",
                            "file": "bundled:doe_crb_hourly_heat_dhw_elec_loads.csv",
                            "column": "Houston_Hospital_space_heating_mmbtu",
                            "timezone": "America/Chicago",
                        },
                        "gas_price_usd_per_mmbtu": 3.0,
                    }
                ]
            ),
        ],
    }
    res = solve_small(scenario_from_dict(data, source="houston"))
    demand = col(res, "heat.hospital_demand_mwth")
    served = col(res, "heat.hospital_served_mwth")
    captured = col(res, "heat.captured_mwth")
    assert len(demand) == 24 * days
    # the profile is in local standard time (CST = UTC−6): 2020-01-06 00:00 CST is
    # hour of year 5 · 24 = 120; MMBtu/h of fuel · 0.29307107 · 0.8 = MWth
    raw = pd.read_csv(data_dir() / "doe_crb_hourly_heat_dhw_elec_loads.csv")
    fuel = raw["Houston_Hospital_space_heating_mmbtu"].to_numpy()[120 : 120 + 72]
    np.testing.assert_allclose(demand, fuel * 0.29307107 * 0.8, rtol=1e-12)
    assert demand.max() > 0
    assert (served <= demand + 1e-9).all()
    assert (served <= captured + 1e-9).all()
    # V_mine = 0.08 · 1e6 / 420 = 190 USD/MWh, above every price of these days: the
    # fleet runs flat out, 0.95 MWth is captured, and heat serves min(0.95, demand)
    np.testing.assert_allclose(col(res, "fleet.power_mw"), 1.0, atol=1e-9)
    np.testing.assert_allclose(served, np.minimum(0.95, demand), atol=1e-9)
    value = 3.0 * MMBTU_PER_MWH / 0.8
    kpi = res.summary["assets"]["heat"]
    assert kpi["heat_value_usd"] == pytest.approx(served.sum() * value, rel=1e-9)
    assert_balance_closes(res)


def test_misspelt_doe_column_names_the_field():
    entry = heat(
        [
            customer([0.0, 0.0])
            | {
                "demand": {
                    "format": "doe_crb",
                    "file": "bundled:doe_crb_hourly_heat_dhw_elec_loads.csv",
                    "column": "Houston_Hospital_space_heatin_mmbtu",
                }
            }
        ]
    )
    with pytest.raises(DataError) as exc:
        prepare_inputs(scenario([fleet(), entry]))
    text = str(exc.value)
    assert "assets.heat.customers[0].demand" in text
    assert "Houston_Hospital_space_heating_mmbtu" in text  # the close match
