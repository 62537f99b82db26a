"""Every bundled scenario solves; invariants hold on real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grid_flex.api import run
from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.io.scenario import load_scenario
from grid_flex.resources import scenarios_dir
from grid_flex.testing import assert_balance_closes, assert_soc_consistent

pytestmark = pytest.mark.solver

SCENARIOS = sorted(p.stem for p in scenarios_dir().glob("*.yaml"))


@pytest.fixture(scope="module")
def solved():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = run(name)
        return cache[name]

    return get


@pytest.mark.parametrize("name", SCENARIOS)
def test_bundled_scenario_solves_and_closes(name, solved):
    res = solved(name)
    scenario, _ = load_scenario(name)
    ts = res.timeseries
    assert_balance_closes(res)
    assert len(ts) == res.summary["intervals"]
    assert ts.index.tz is not None
    assert str(ts.index.tz) == "UTC"
    assert ts.index.is_monotonic_increasing
    # Bounds: import within the connection, fleets within their available power.
    assert (ts["site.grid_import_mw"] <= scenario.site.import_limit_mw + 1e-6).all()
    assert (ts["site.grid_import_mw"] >= -1e-9).all()
    for aid, kpis in res.summary["assets"].items():
        if kpis["type"] == "asic_fleet":
            p = ts[f"{aid}.power_mw"]
            assert (p >= -1e-9).all()
            assert (p <= kpis["available_power_mw"] + 1e-6).all()
    # Money adds up from the parts: each asset's net value (its revenue, costs and
    # attributed energy), each program's revenue and cost, and any energy cost left
    # unallocated (simultaneous import and export) make the site's profit, per
    # interval, and the total equals the solver's objective.
    parts = sum(ts[f"{a}.net_value_usd"] for a in res.summary["assets"])
    for pid in res.summary["programs"]:
        parts = parts + ts[f"{pid}.revenue_usd"] - ts[f"{pid}.cost_usd"]
    parts = parts - ts["site.unallocated_energy_cost_usd"]
    scale = max(1.0, float(ts["site.profit_usd"].abs().max()))
    np.testing.assert_allclose(ts["site.profit_usd"], parts, atol=1e-7 * scale)
    assert res.summary["profit_usd"] == pytest.approx(res.objective_usd, rel=1e-9)


def test_default_battery_state_of_charge_on_real_data(solved):
    res = solved("west_texas_2020")
    ts = res.timeseries
    soc = ts["battery.soc_mwh"]
    assert soc.min() >= 0.05 * 40 - 1e-6
    assert soc.max() <= 0.95 * 40 + 1e-6
    assert soc.iloc[-1] == pytest.approx(20.0, abs=1e-6)  # cyclic from 50 %
    assert_soc_consistent(
        res,
        "battery",
        charge_eff_frac=np.sqrt(0.85),
        discharge_eff_frac=np.sqrt(0.85),
        initial_mwh=20.0,
    )
    assert (ts["battery.charge_mw"] <= 10 + 1e-6).all()
    assert (ts["battery.discharge_mw"] <= 10 + 1e-6).all()


def test_default_fleet_runs_exactly_when_hashing_beats_the_price(solved):
    """Where the interconnection is slack, the S19 XP fleet is on iff price < value."""
    res = solved("west_texas_2020")
    ts = res.timeseries
    hp = ts["site.hashprice_usd_per_ths_day"].to_numpy()
    value = mining_value_usd_per_mwh(hp, 3010 / 140, 0.02)
    cost = ts["site.import_price_usd_per_mwh"].to_numpy()
    p = ts["s19xp_fleet.power_mw"].to_numpy()
    cap = res.summary["assets"]["s19xp_fleet"]["available_power_mw"]
    clear = np.abs(cost - value) > 1.0  # away from indifference
    # Above the breakeven the fleet buys nothing: it runs only on battery energy.
    battery = ts["battery.discharge_mw"].to_numpy()
    above = clear & (cost > value)
    assert above.sum() > 5
    assert np.all(p[above] <= battery[above] + 1e-6)
    slack = ts["site.grid_import_mw"].to_numpy() < 60 - 1e-6
    assert np.allclose(p[clear & (cost < value) & slack], cap, atol=1e-6)


def test_uri_fleet_sits_out_the_price_cap(solved):
    res = solved("ercot_uri_feb2021_15min")
    ts = res.timeseries
    scarcity = ts["site.price_usd_per_mwh"] > 1000
    assert scarcity.sum() > 300  # Uri: days at the 9,000 USD/MWh cap
    assert ts.loc[scarcity, "site.grid_import_mw"].max() <= 1e-6
    # What mining happens then runs on energy the battery bought before the storm.
    fleet = ts.loc[scarcity, "s19jpro_fleet.power_mw"]
    assert (fleet <= ts.loc[scarcity, "battery.discharge_mw"] + 1e-6).all()
    assert res.summary["average_price_paid_usd_per_mwh"] < 50
    assert res.summary["average_price_usd_per_mwh"] > 1000


def test_scenario_files_reference_only_bundled_data():
    for path in Path(scenarios_dir()).glob("*.yaml"):
        text = path.read_text()
        assert "/work/" not in text, path
        assert "../shared" not in text, path
