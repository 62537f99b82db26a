"""Emissions program: grid CO2 from marginal rates, carbon price and cap, by hand."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from grid_flex.api import build_model, prepare_inputs
from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import DataError, InfeasibleError
from grid_flex.schema.scenario import Scenario
from grid_flex.testing import assert_balance_closes, s21_fleet, small_scenario
from grid_flex.validation import check_scenario

pytestmark = pytest.mark.solver

AVERT = "bundled:avert_2023_co2_lb_per_kwh_by_region.csv"
HP = 0.05
#: Value of the hashes one MWh buys on an S21 at HP, 2 % pool fee: 116.667 USD/MWh.
V = mining_value_usd_per_mwh(HP, 17.5, 0.02)
CAP_MW = 3.5  # 1000 S21 × 3.5 kW, availability 1


def fleet(**kw: Any) -> dict[str, Any]:
    return s21_fleet(**{"count": 1000, "pool_fee_frac": 0.02, **kw})


def emissions(mer: list[float], **kw: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "emissions",
        "marginal_co2": {"format": "inline", "unit": "tco2_per_mwh", "values": mer},
    }
    entry.update(kw)
    return entry


def scenario(
    prices: list[float],
    mer: list[float],
    assets: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> Scenario:
    patch = kw.pop("patch", {})
    return small_scenario(
        prices,
        assets or [fleet()],
        hashprice_usd_per_ths_day=HP,
        programs=[emissions(mer, **kw)],
        **patch,
    )


def kpis(res) -> dict[str, Any]:
    return dict(res.summary["programs"]["emissions"])


# ---- emissions accounting ------------------------------------------------------------
def test_mining_only_emissions_are_import_times_rate(solve_small):
    prices = [20.0, 150.0, 60.0]  # V = 116.7: mine in intervals 0 and 2 only
    mer = [0.3, 0.9, 0.5]
    res = solve_small(scenario(prices, mer, average_co2_tco2_per_mwh=0.45))
    # 3.5 MW × 1 h × 0.3 + 0 + 3.5 MW × 1 h × 0.5 = 1.05 + 1.75 = 2.8 tCO2
    k = kpis(res)
    assert k["grid_tco2"] == pytest.approx(2.8, rel=1e-9)
    assert k["net_tco2"] == pytest.approx(2.8, rel=1e-9)
    assert k["avoided_heat_tco2"] == 0.0
    ts = res.timeseries
    np.testing.assert_allclose(ts["emissions.grid_tco2"], [1.05, 0.0, 1.75], atol=1e-9)
    np.testing.assert_allclose(ts["emissions.net_tco2"], [1.05, 0.0, 1.75], atol=1e-9)
    np.testing.assert_allclose(ts["emissions.marginal_co2_tco2_per_mwh"], mer)
    # location-based: 7 MWh bought × 0.45 = 3.15 t
    assert k["location_based_tco2"] == pytest.approx(3.15, rel=1e-9)
    # import-weighted rate 2.8 t / 7 MWh = 0.4; time average (0.3+0.9+0.5)/3
    assert k["mean_marginal_rate_bought_tco2_per_mwh"] == pytest.approx(0.4)
    assert k["mean_marginal_rate_tco2_per_mwh"] == pytest.approx(1.7 / 3)
    # no carbon price, no cap: the program costs nothing and changes no decision
    assert k["carbon_cost_usd"] == 0.0
    assert k["cap_binding"] is False
    assert np.isnan(k["marginal_abatement_cost_usd_per_tco2"])
    assert res.objective_usd == pytest.approx((V - 20.0 + V - 60.0) * CAP_MW)
    assert_balance_closes(res)


def test_emissions_weight_energy_by_interval_length(solve_small):
    # four 15-minute intervals, all mined: 3.5 MW × 0.25 h × Σ mer (2.0) = 1.75 t
    mer = [0.2, 0.4, 0.6, 0.8]
    res = solve_small(scenario([10.0] * 4, mer, patch={"timestep_min": 15}))
    assert kpis(res)["grid_tco2"] == pytest.approx(3.5 * 0.25 * 2.0, rel=1e-9)


def test_exports_are_credited_only_when_asked(solve_small):
    # A full battery that may sell: at 200 USD/MWh it discharges and exports.
    battery = {
        "type": "battery",
        "id": "battery",
        "model": "battery/generic_lfp_4h_1mw",
        "power_mw": 1.0,
        "energy_mwh": 4.0,
        "initial_soc_frac": 0.95,
        "final_soc": "free",
    }
    site = {"site": {"import_limit_mw": 10.0, "export_limit_mw": 5.0}}
    mer = [0.5, 0.7]
    for credit in (False, True):
        res = solve_small(
            scenario([200.0, 200.0], mer, [battery], credit_exports=credit, patch=site)
        )
        ts = res.timeseries
        exported = ts["site.grid_export_mw"].to_numpy()
        assert exported.sum() > 1.0  # it does export
        imported = ts["site.grid_import_mw"].to_numpy()
        expected = (imported - exported * credit) * np.array(mer)  # Δt = 1 h
        np.testing.assert_allclose(ts["emissions.grid_tco2"], expected, atol=1e-9)
        if credit:
            assert kpis(res)["net_tco2"] < 0  # avoided emissions exceed bought ones


# ---- carbon price --------------------------------------------------------------------
# Two intervals: price 50 / 30 USD/MWh, marginal rate 0.4 / 0.8 tCO2/MWh. Margin per
# tonne: (116.67 − 50)/0.4 = 166.7 USD/t in interval 0, (116.67 − 30)/0.8 = 108.3 USD/t
# in interval 1: the dirtier interval, although cheaper, is worth less per tonne.
PRICES, MER = [50.0, 30.0], [0.4, 0.8]
MAC_1 = (V - 30.0) / 0.8  # 108.33 USD/t


def test_carbon_price_curtails_where_margin_per_tonne_is_below_it(solve_small):
    res = solve_small(scenario(PRICES, MER, carbon_price_usd_per_tco2=120.0))
    # 120 USD/t lies between 108.3 and 166.7: interval 1 stops, interval 0 runs.
    power = res.timeseries["fleet.power_mw"].to_numpy()
    np.testing.assert_allclose(power, [CAP_MW, 0.0], atol=1e-9)
    k = kpis(res)
    assert k["net_tco2"] == pytest.approx(3.5 * 0.4)  # 1.4 t
    assert k["carbon_cost_usd"] == pytest.approx(120.0 * 1.4)  # 168 USD
    np.testing.assert_allclose(res.timeseries["emissions.cost_usd"], [168.0, 0.0])
    assert res.objective_usd == pytest.approx((V - 50.0) * CAP_MW - 168.0)


def test_higher_carbon_price_never_raises_emissions(solve_small):
    rng = np.random.default_rng(11)
    prices = rng.uniform(0.0, 140.0, 12).tolist()
    mer = rng.uniform(0.1, 1.0, 12).tolist()
    battery = {
        "type": "battery",
        "id": "battery",
        "model": "battery/generic_lfp_4h_1mw",
        "power_mw": 2.0,
        "energy_mwh": 8.0,
        "initial_soc_frac": 0.5,
        "final_soc": "cyclic",
    }
    nets, operating = [], []
    for price in (0.0, 60.0, 150.0, 400.0):
        res = solve_small(
            scenario(prices, mer, [fleet(), battery], carbon_price_usd_per_tco2=price)
        )
        k = kpis(res)
        nets.append(k["net_tco2"])
        operating.append(res.summary["profit_usd"] + k["carbon_cost_usd"])
    assert nets[-1] < nets[0] - 1.0  # the price does bite
    assert all(b <= a + 1e-7 for a, b in itertools.pairwise(nets)), nets
    assert all(b <= a + 1e-6 for a, b in itertools.pairwise(operating))


# ---- cap -----------------------------------------------------------------------------
def test_binding_cap_holds_and_its_shadow_price_is_the_profit_lost_per_tonne(
    solve_small,
):
    # Unconstrained: both intervals at 3.5 MW, 1.4 + 2.8 = 4.2 t. A cap of 3 t removes
    # 1.2 t where they are cheapest to lose, interval 1: 1.2/0.8 = 1.5 MWh → 2 MW.
    res = solve_small(scenario(PRICES, MER, cap_tco2=3.0))
    power = res.timeseries["fleet.power_mw"].to_numpy()
    np.testing.assert_allclose(power, [CAP_MW, 2.0], atol=1e-9)
    k = kpis(res)
    assert k["net_tco2"] == pytest.approx(3.0, abs=1e-9)
    assert k["cap_binding"] is True
    # profit = 66.67 × 3.5 + 86.67 × 2; MAC = margin / rate of interval 1
    assert res.objective_usd == pytest.approx((V - 50) * 3.5 + (V - 30) * 2.0)
    assert k["marginal_abatement_cost_usd_per_tco2"] == pytest.approx(MAC_1)
    assert k["cap_shadow_price_usd_per_tco2"] == pytest.approx(MAC_1)
    # and it is the slope of profit in the cap
    delta = 0.05
    looser = solve_small(scenario(PRICES, MER, cap_tco2=3.0 + delta))
    slope = (looser.objective_usd - res.objective_usd) / delta
    assert slope == pytest.approx(k["marginal_abatement_cost_usd_per_tco2"], rel=1e-6)


def test_cap_with_carbon_price_splits_the_abatement_cost(solve_small):
    # With 20 USD/t on top, the cap's shadow price is what the price does not cover.
    res = solve_small(scenario(PRICES, MER, cap_tco2=3.0, carbon_price_usd_per_tco2=20))
    k = kpis(res)
    assert k["cap_shadow_price_usd_per_tco2"] == pytest.approx(MAC_1 - 20.0)
    assert k["marginal_abatement_cost_usd_per_tco2"] == pytest.approx(MAC_1)
    assert k["carbon_cost_usd"] == pytest.approx(60.0)  # 3 t × 20 USD/t


def test_slack_cap_has_no_shadow_price_and_changes_nothing(solve_small):
    free = solve_small(scenario(PRICES, MER))
    res = solve_small(scenario(PRICES, MER, cap_tco2=10.0))
    k = kpis(res)
    assert k["cap_binding"] is False
    assert k["cap_shadow_price_usd_per_tco2"] == pytest.approx(0.0, abs=1e-9)
    assert res.objective_usd == pytest.approx(free.objective_usd, rel=1e-12)


def test_unreachable_cap_is_explained_in_the_programs_words(solve_small):
    # Nothing earns credits here, so net emissions cannot go below zero.
    sc = scenario(PRICES, MER, cap_tco2=-1.0)
    with pytest.raises(InfeasibleError) as err:
        solve_small(sc)
    text = str(err.value)
    assert "emissions cap 'emissions'" in text
    assert "must rise by 1 tCO2" in text  # net emissions ≥ 0 against a cap of −1
    assert "cap_tco2" in text


def test_components_are_documented_with_program_and_unit():
    site = build_model(prepare_inputs(scenario(PRICES, MER, cap_tco2=3.0)))
    block = site.model.program["emissions"]
    for name in ("emissions_cap", "grid_tco2", "net_tco2"):
        doc = block.component(name).doc
        assert "emissions program emissions" in doc
        assert "[tCO2]" in doc


# ---- heat credit ---------------------------------------------------------------------
def test_heat_credit_lowers_net_emissions(solve_small):
    immersion = fleet(cooling="immersion")
    heat = {
        "type": "heat_recovery",
        "id": "heat",
        "sources": ["fleet"],
        "customers": [
            {
                "id": "greenhouse",
                "demand": {"format": "inline", "unit": "mwth", "values": [1.0, 2.0]},
            }
        ],
    }
    credited = solve_small(scenario(PRICES, MER, [immersion, heat]))
    plain = solve_small(
        scenario(PRICES, MER, [immersion, heat], credit_avoided_heat=False)
    )
    k, k0 = kpis(credited), kpis(plain)
    assert k["avoided_heat_tco2"] > 0
    assert k["net_tco2"] == pytest.approx(k["grid_tco2"] - k["avoided_heat_tco2"])
    assert k["net_tco2"] < k0["net_tco2"]
    assert k0["net_tco2"] == pytest.approx(k0["grid_tco2"])
    ts = credited.timeseries
    np.testing.assert_allclose(
        ts["emissions.net_tco2"],
        ts["emissions.grid_tco2"] - ts["emissions.avoided_heat_tco2"],
        atol=1e-9,
    )
    # 3 MWhth served displace boiler fuel at 0.8: 3 × 3.41214 / 0.8 MMBtu × 0.05306
    assert k["avoided_heat_tco2"] == pytest.approx(3.0 * 3.41214 / 0.8 * 0.05306, 1e-4)


# ---- bad input -----------------------------------------------------------------------
def avert_scenario(region: str):
    return small_scenario(
        [30.0, 40.0, 50.0],
        [fleet()],
        hashprice_usd_per_ths_day=HP,
        programs=[
            {
                "type": "emissions",
                "marginal_co2": {"format": "avert", "file": AVERT, "region": region},
            }
        ],
    )


def test_avert_region_missing_from_the_file_names_the_field_and_the_regions():
    with pytest.raises(DataError) as err:
        prepare_inputs(avert_scenario("XX"))
    text = str(err.value)
    assert "programs.emissions.marginal_co2" in text
    assert "'XX'" in text
    for region in ("CA", "TE", "NW"):
        assert region in text


def test_avert_region_reads_tonnes_per_mwh(solve_small):
    res = solve_small(avert_scenario("TE"))
    mer = res.timeseries["emissions.marginal_co2_tco2_per_mwh"].to_numpy()
    # AVERT TE: about 1.29 lb/kWh on average, i.e. 0.59 t/MWh (domain.md §0.5)
    assert ((mer > 0.2) & (mer < 1.2)).all()
    k = kpis(res)
    imported = res.timeseries["site.grid_import_mw"].to_numpy()
    assert k["grid_tco2"] == pytest.approx(float(imported @ mer), rel=1e-9)


def test_rate_series_in_electric_units_is_refused_naming_the_field():
    sc = small_scenario(
        [30.0, 40.0],
        [fleet()],
        hashprice_usd_per_ths_day=HP,
        programs=[
            {
                "type": "emissions",
                "marginal_co2": {"format": "inline", "unit": "mw", "values": [1, 2]},
            }
        ],
    )
    with pytest.raises(DataError) as err:
        prepare_inputs(sc)
    text = str(err.value)
    assert "programs.emissions.marginal_co2" in text
    assert "power_mw" in text
    check_scenario(sc)  # the dry check reads no data and so does not object


def test_rate_series_of_the_wrong_length_names_the_field():
    sc = scenario([30.0, 40.0], [0.5, 0.5, 0.5])
    with pytest.raises(DataError, match=r"programs\.emissions\.marginal_co2.*3 values"):
        prepare_inputs(sc)
