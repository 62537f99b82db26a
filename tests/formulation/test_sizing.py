"""Capacities as decisions: optima worked out by hand."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from grid_flex.api import build_model, extract, prepare_inputs, run, solve
from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError, UnboundedError
from grid_flex.testing import assert_balance_closes, s21_fleet, small_scenario

pytestmark = [pytest.mark.solver, pytest.mark.usefixtures("sizing_method")]

HOURS_PER_YEAR = 8760.0
S21_THS_PER_MW = 200.0 / 0.0035  # 57,142.857 TH/s per MW of nameplate (17.5 J/TH)
S19JPRO_THS_PER_MW = 100.0 / 0.00295  # 33,898.3 TH/s per MW (29.5 J/TH)


def fleet(fid: str = "fleet", model: str = "asic/antminer_s21", **size: object):
    return s21_fleet(
        fid, model=model, hashrate_curve="linear", size={"life_yr": 1.0, **size}
    )


def no_discount(**patch: object) -> dict[str, object]:
    return {"study": {"discount_frac_per_yr": 0.0}, **patch}


# ---- a fleet is built exactly when its margin beats its annualised cost ------
@pytest.mark.parametrize(("factor", "built"), [(0.99, True), (1.01, False)])
def test_fleet_built_to_max_iff_margin_exceeds_annualised_cost(factor, built):
    hp = 0.05
    v = mining_value_usd_per_mwh(hp, 17.5, 0.0)  # 119.05 USD/MWh
    prices = np.array([20.0, 60.0, 150.0, 90.0, 200.0, 10.0])
    # margin per MW of nameplate over the 6 h: Σ max(0, v − p) · 1 h
    margin = float(np.maximum(0.0, v - prices).sum())  # 99.05+59.05+0+29.05+0+109.05
    # at r = 0 and a 1-year life the annual cost per MW is the capex per MW;
    # the horizon carries 6/8760 of it: breakeven capex per TH/s is
    capex_star = margin * HOURS_PER_YEAR / 6.0 / S21_THS_PER_MW
    sc = small_scenario(
        prices,
        [fleet(max_mw=5.0, capex_usd_per_th=factor * capex_star)],
        hashprice_usd_per_ths_day=hp,
        **no_discount(),
    )
    res = run(sc)
    size = res.summary["capacities"]["fleet.power_mw"]["value"]
    assert size == pytest.approx(5.0 if built else 0.0, abs=1e-7)
    expected = 5.0 * margin * (1 - factor) if built else 0.0
    assert res.objective_usd == pytest.approx(expected, rel=1e-7, abs=1e-6)
    assert_balance_closes(res)


def test_existing_part_costs_nothing_more():
    hp = 0.05
    prices = [200.0, 200.0]  # never worth running: the existing 2 MW stays idle
    sc = small_scenario(
        prices,
        [fleet(max_mw=5.0, existing_mw=2.0, capex_usd_per_th=10.0)],
        hashprice_usd_per_ths_day=hp,
        **no_discount(),
    )
    res = run(sc)
    assert res.summary["capacities"]["fleet.power_mw"]["value"] == pytest.approx(2.0)
    assert res.summary["capacity_cost_usd"] == pytest.approx(0.0, abs=1e-9)


# ---- the connection is sized to what it feeds --------------------------------
def test_connection_sized_equal_to_the_fleet_it_feeds():
    hp = 0.05
    prices = [30.0, 40.0, 35.0]  # hashing pays every hour (v = 119 USD/MWh)
    # 1000 S21 = 3.5 MW at 100 % availability; a connection of 300 USD/kW over
    # 30 years costs 10,000 USD/MW-yr: far below the 3-hour margin's yearly worth
    sc = small_scenario(
        prices,
        [s21_fleet(count=1000)],
        hashprice_usd_per_ths_day=hp,
        site={
            "import_limit_mw": None,
            "size": {"capex_usd_per_kw": 300, "life_yr": 30},
        },
        **no_discount(),
    )
    res = run(sc)
    assert res.summary["capacities"]["site.import_mw"]["value"] == pytest.approx(3.5)
    cost = 3.5 * 300e3 / 30 * 3 / HOURS_PER_YEAR
    assert res.summary["capacity_cost_usd"] == pytest.approx(cost, rel=1e-9)


# ---- two fleets, a fixed connection: merit order -----------------------------
def test_two_candidate_fleets_fill_a_fixed_connection_in_merit_order():
    hp = 0.05
    p = 40.0
    prices = [p] * 4
    v_a = mining_value_usd_per_mwh(hp, 17.5, 0.0)  # 119.05: S21
    v_b = mining_value_usd_per_mwh(hp, 29.5, 0.0)  # 70.62: S19j Pro
    share = 4 / HOURS_PER_YEAR
    # net value per MW over the horizon, capex per TH/s chosen so that both pay:
    cap_a, cap_b = 4.0, 2.0  # USD per TH/s, 1-year life, r = 0
    net_a = (v_a - p) * 4 - cap_a * S21_THS_PER_MW * share  # 316.2 − 104.4 = 211.8
    net_b = (v_b - p) * 4 - cap_b * S19JPRO_THS_PER_MW * share  # 122.5 − 30.96 = 91.5
    assert net_a > net_b > 0
    sc = small_scenario(
        prices,
        [
            fleet("a", max_mw=6.0, capex_usd_per_th=cap_a),
            fleet(
                "b", model="asic/antminer_s19j_pro", max_mw=20.0, capex_usd_per_th=cap_b
            ),
        ],
        hashprice_usd_per_ths_day=hp,
        site={"import_limit_mw": 10.0},
        **no_discount(),
    )
    res = run(sc)
    caps = res.summary["capacities"]
    assert caps["a.power_mw"]["value"] == pytest.approx(6.0)
    assert caps["b.power_mw"]["value"] == pytest.approx(4.0)
    assert res.objective_usd == pytest.approx(6.0 * net_a + 4.0 * net_b, rel=1e-9)


# ---- a battery on a two-level daily price ------------------------------------
def battery(**size: object) -> dict[str, object]:
    return {
        "type": "battery",
        "id": "battery",
        "model": "battery/generic_lfp_4h_1mw",
        "round_trip_eff_frac": 0.81,  # η = 0.9 each way
        "soc_min_frac": 0.0,
        "soc_max_frac": 1.0,
        "degradation_usd_per_mwh": 0.0,
        "initial_soc_frac": None,
        "size": {
            "life_yr": 1.0,
            "capex_usd_per_kw": 0.0,
            "fixed_om_usd_per_kw_yr": 0.0,
            **size,
        },
    }


@pytest.mark.parametrize(("factor", "built"), [(0.99, True), (1.01, False)])
def test_battery_energy_jumps_to_max_below_the_computed_capex(factor, built):
    # One day at 10 then 50 USD/MWh, η = 0.9 each way, ample power: each MWh of
    # energy capacity earns 0.9·50 − 10/0.9 = 33.889 USD a day, 12,369 USD a year
    # (style-examples §8). At r = 0 and 1 year of life that is the breakeven capex.
    prices = [10.0] * 12 + [50.0] * 12
    per_day = 0.9 * 50 - 10 / 0.9
    capex_star_per_kwh = per_day * 365 / 1e3  # 12.369 USD/kWh
    sc = small_scenario(
        prices,
        [
            battery(
                max_mwh=8.0, max_mw=100.0, capex_usd_per_kwh=factor * capex_star_per_kwh
            )
        ],
        hashprice_usd_per_ths_day=None,
        site={"import_limit_mw": 1000.0, "export_limit_mw": 1000.0},
        **no_discount(),
    )
    res = run(sc)
    energy = res.summary["capacities"]["battery.energy_mwh"]["value"]
    assert energy == pytest.approx(8.0 if built else 0.0, abs=1e-6)
    assert res.objective_usd == pytest.approx(
        8.0 * per_day * (1 - factor) if built else 0.0, rel=1e-6, abs=1e-6
    )


def test_battery_at_fixed_duration_power_follows_energy():
    # duration 2 h: power = E/2. Cheap capex: E = 8 MWh, P = 4 MW. Charging 8 MWh
    # stored takes 8/0.9 = 8.89 MWh at ≤ 4 MW over 12 cheap hours: power never binds.
    prices = [10.0] * 12 + [50.0] * 12
    sc = small_scenario(
        prices,
        [battery(max_mwh=8.0, duration_h=2.0, capex_usd_per_kwh=1.0)],
        hashprice_usd_per_ths_day=None,
        site={"import_limit_mw": 1000.0, "export_limit_mw": 1000.0},
        **no_discount(),
    )
    res = run(sc)
    kpis = res.summary["assets"]["battery"]
    assert kpis["energy_mwh"] == pytest.approx(8.0)
    assert kpis["power_mw"] == pytest.approx(4.0)
    assert res.timeseries["battery.charge_mw"].max() <= 4.0 + 1e-9


# ---- fixing a sized capacity equals a fixed capacity -------------------------
def test_fixing_a_sized_capacity_equals_a_fixed_capacity():
    hp = 0.05
    prices = [20.0, 60.0, 150.0, 90.0]
    sized = small_scenario(
        prices,
        [fleet(max_mw=50.0, capex_usd_per_th=3.0)],
        hashprice_usd_per_ths_day=hp,
        **no_discount(),
    )
    fixed_entry = fleet()
    del fixed_entry["size"]
    fixed = small_scenario(
        prices,
        [{**fixed_entry, "power_mw": 2.5}],
        hashprice_usd_per_ths_day=hp,
        **no_discount(),
    )
    site = build_model(prepare_inputs(sized))
    site.model.asset["fleet"].capacity_power_mw.fix(2.5)
    res_sized = extract(site, solve(site))
    res_fixed = run(fixed)
    assert res_sized.summary["profit_usd"] == pytest.approx(
        res_fixed.objective_usd, rel=1e-12
    )
    capex = 3.0 * S21_THS_PER_MW * 2.5 * 4 / HOURS_PER_YEAR
    assert res_sized.objective_usd == pytest.approx(
        res_fixed.objective_usd - capex, rel=1e-12
    )
    np.testing.assert_allclose(
        res_sized.timeseries["fleet.power_mw"], res_fixed.timeseries["fleet.power_mw"]
    )


def test_shared_capacity_variable_links_two_operating_blocks():
    # Two copies of one site share the fleet's size: it is built when the sum of
    # both margins beats the (study-owned) cost.
    hp = 0.05
    prices = [20.0, 60.0]
    sc = small_scenario(
        prices,
        [fleet(max_mw=4.0, capex_usd_per_th=1.0)],
        hashprice_usd_per_ths_day=hp,
        **no_discount(),
    )
    inputs = prepare_inputs(sc)
    from grid_flex.site import build_site
    from grid_flex.solve import solve_model

    m = pyo.ConcreteModel()
    m.size_mw = pyo.Var(bounds=(0, 4.0))
    m.op = pyo.Block([0, 1])
    sites = [
        build_site(
            m.op[k], inputs, objective=False, capacities={"fleet.power_mw": m.size_mw}
        )
        for k in (0, 1)
    ]
    v = mining_value_usd_per_mwh(hp, 17.5, 0.0)
    margin = (v - 20.0) + (v - 60.0)  # per MW, per block
    cost = 1.5 * margin  # less than two blocks' margin, more than one's
    m.obj = pyo.Objective(
        expr=m.op[0].profit_usd + m.op[1].profit_usd - cost * m.size_mw,
        sense=pyo.maximize,
    )
    sol = solve_model(m)
    assert pyo.value(m.size_mw) == pytest.approx(4.0)
    assert sol.objective == pytest.approx(4.0 * (2 * margin - cost), rel=1e-9)
    assert sites[0].capacities["fleet.power_mw"].is_variable


# ---- errors ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("size", "words"),
    [
        ({"min_mw": 5.0, "max_mw": 2.0}, ["min_mw", "max_mw"]),
        ({"capex_usd_per_th": -1.0}, ["capex_usd_per_th", "greater than or equal"]),
        ({"life_yr": 0}, ["life_yr", "greater than 0"]),
    ],
)
def test_bad_size_blocks_name_the_field(size, words):
    with pytest.raises(ScenarioError) as info:
        small_scenario([10.0], [fleet(**size)])
    msg = str(info.value)
    for w in words:
        assert w in msg
    assert "assets" in msg
    assert "size" in msg


def test_discount_at_or_below_minus_100_percent_is_refused():
    with pytest.raises(ScenarioError, match=r"study\.discount_frac_per_yr"):
        small_scenario(
            [10.0], [fleet(max_mw=1.0)], study={"discount_frac_per_yr": -1.0}
        )


def test_catalogue_entry_without_price_is_named():
    sc = small_scenario([10.0], [fleet(max_mw=1.0, model="asic/whatsminer_m50")])
    pattern = r"assets\.fleet\.size.*whatsminer_m50.*price"
    with pytest.raises(ScenarioError, match=pattern):
        prepare_inputs(sc)


def test_unbounded_sizing_is_explained_in_its_terms():
    sc = small_scenario(
        [20.0, 30.0],
        [fleet(capex_usd_per_th=0.1)],
        hashprice_usd_per_ths_day=0.05,
        site={"import_limit_mw": None, "size": {"capex_usd_per_kw": 1, "life_yr": 30}},
    )
    with pytest.raises(UnboundedError) as info:
        run(sc)
    msg = str(info.value)
    assert "fleet" in msg
    assert "earns more than its annualised cost at any size" in msg
    assert "size.max_mw" in msg
    assert "site.size.max_mw" in msg
    assert "HiGHS" not in msg


# ---- programs read a sized capacity as an expression -------------------------------
def test_emergency_ceiling_follows_the_chosen_fleet_size():
    # Miners at 3 USD/TH (19.57·3 = 58.7 USD per MW over these 3 h) behind a 4 MW
    # connection, margin v − 20 = 99.05 USD/MWh. Up to 4 MW each MW earns
    # 99.05·(2 + 0.4) = 237.7 > 58.7; above 4 MW only the event hour can use it,
    # 0.4·99.05 = 39.6 < 58.7: the fleet is 4 MW and may draw (1 − 0.6)·4 = 1.6 MW
    # in the event, not 40 % of its 10 MW bound (4 MW, the connection's limit).
    hp = 0.05
    sb6 = {
        "type": "emergency_curtailment",
        "id": "sb6",
        "min_curtail_frac": 0.6,
        "events": {
            "periods": [
                {
                    "start": "2024-06-03T01:00:00+00:00",
                    "end": "2024-06-03T02:00:00+00:00",
                }
            ]
        },
    }
    sc = small_scenario(
        [20.0, 20.0, 20.0],
        [fleet(max_mw=10.0, capex_usd_per_th=3.0)],
        hashprice_usd_per_ths_day=hp,
        site={"import_limit_mw": 4.0},
        programs=[sb6],
        **no_discount(),
    )
    res = run(sc)
    assert res.summary["capacities"]["fleet.power_mw"]["value"] == pytest.approx(4.0)
    np.testing.assert_allclose(
        res.timeseries["fleet.power_mw"], [4.0, 1.6, 4.0], atol=1e-9
    )


# ---- catalogue prices ---------------------------------------------------------------
def test_catalogue_price_is_used_and_a_scenario_overrides_it():
    # 1 MW of S21 at 17.5 USD/TH (catalogue, 4-year life): capex 17.5 · 57,142.9 =
    # 1,000,000 USD/MW; at 8 %/yr CRF(0.08, 4) = 0.301921 → 301,921 USD/MW-yr.
    # Prices above the mining value: the fleet is forced to its 1 MW minimum.
    entry = fleet(min_mw=1.0, max_mw=1.0)
    entry["size"] = {"min_mw": 1.0, "max_mw": 1.0}  # no costs: catalogue
    sc = small_scenario([500.0], [entry], study={"discount_frac_per_yr": 0.08})
    res = run(sc)
    crf = 0.08 * 1.08**4 / (1.08**4 - 1)
    per_year = crf * 17.5 * S21_THS_PER_MW
    assert res.summary["capacity_cost_usd"] == pytest.approx(per_year / HOURS_PER_YEAR)
    entry["size"] = {"min_mw": 1.0, "max_mw": 1.0, "capex_usd_per_th": 10.0}
    sc = small_scenario([500.0], [entry], study={"discount_frac_per_yr": 0.08})
    res = run(sc)
    per_year = crf * 10.0 * S21_THS_PER_MW
    assert res.summary["capacity_cost_usd"] == pytest.approx(per_year / HOURS_PER_YEAR)


# ---- heat pump and hot-water store --------------------------------------------
HEAT_VALUE = 10.0 * (1000.0 / 293.07107) / 0.8  # 42.65 USD/MWhth: gas 10, boiler 0.8


def heat_site(pump=None, storage=None, demand=(0.4,) * 4, supply=75.0, cooling="air"):
    miners = s21_fleet(power_mw=1.0, hashrate_curve="linear", cooling=cooling)
    customer = {
        "id": "bldg",
        "demand": {"format": "inline", "unit": "mwth", "values": list(demand)},
        "gas_price_usd_per_mmbtu": 10.0,
        "boiler_eff_frac": 0.8,
        "supply_temp_degc": supply,
    }
    entry = {
        "type": "heat_recovery",
        "id": "heat",
        "sources": ["fleet"],
        "customers": [customer],
    }
    if pump is not None:
        entry["heat_pump"] = pump
    if storage is not None:
        entry["storage"] = storage
    return [miners, entry]


@pytest.mark.parametrize(("factor", "built"), [(0.99, True), (1.01, False)])
def test_heat_pump_sized_to_the_demand_below_its_computed_capex(factor, built):
    # Air-cooled 1 MW fleet: 0.5 MWth of 45 °C loop heat; a 75 °C customer wants
    # 0.4 MWth for 4 h. Each MWth of pump earns (42.65 − 10/4) = 40.15 USD an hour,
    # 160.6 USD over the horizon; at r = 0 and 1 year the breakeven capex is
    # 160.6 · 8760/4 / 1000 = 351.7 USD/kWth.
    per_mwth = 4 * (HEAT_VALUE - 10.0 / 4)
    c_star = per_mwth * HOURS_PER_YEAR / 4 / 1e3
    pump = {
        "cop": 4.0,
        "size": {"max_mwth": 2.0, "capex_usd_per_kwth": factor * c_star, "life_yr": 1},
    }
    sc = small_scenario(
        [10.0] * 4,
        heat_site(pump=pump),
        hashprice_usd_per_ths_day=0.05,
        **no_discount(),
    )
    res = run(sc)
    size = res.summary["capacities"]["heat.heat_pump_mwth"]["value"]
    assert size == pytest.approx(0.4 if built else 0.0, abs=1e-7)


@pytest.mark.parametrize(("factor", "built"), [(0.99, True), (1.01, False)])
def test_store_sized_to_carry_the_captured_heat_below_its_computed_capex(factor, built):
    # Immersion 1 MW fleet: 0.95 MWth at 60 °C in hour 0 (price 10, it mines); in
    # hour 1 power costs 500 and it stops, when the 55 °C customer wants 1 MWth.
    # An empty store (initial_frac 0, ends empty) carries min(0.95, E) MWhth worth
    # 42.65 USD each: breakeven 42.65 · 8760/2 / 1000 = 186.8 USD/kWhth.
    c_star = HEAT_VALUE * HOURS_PER_YEAR / 2 / 1e3
    storage = {
        "power_mwth": 10.0,
        "loss_frac_per_h": 0.0,
        "initial_frac": 0.0,
        "size": {
            "max_mwhth": 5.0,
            "capex_usd_per_kwhth": factor * c_star,
            "life_yr": 1,
        },
    }
    sc = small_scenario(
        [10.0, 500.0],
        heat_site(storage=storage, demand=(0.0, 1.0), supply=55.0, cooling="immersion"),
        hashprice_usd_per_ths_day=0.05,
        **no_discount(),
    )
    res = run(sc)
    size = res.summary["capacities"]["heat.storage_mwhth"]["value"]
    assert size == pytest.approx(0.95 if built else 0.0, abs=1e-7)
