"""The default scenario is a site of today; every bundled scenario states its era."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from grid_flex.api import run
from grid_flex.cli import main
from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.io.scenario import default_scenario_path, load_scenario
from grid_flex.resources import scenarios_dir

BUNDLED = sorted(p.stem for p in scenarios_dir().glob("*.yaml"))


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scenario_states_its_era_in_one_line(name: str) -> None:
    sc, _ = load_scenario(name)
    assert sc.era, f"{name}: no era line"
    assert "\n" not in sc.era
    assert len(sc.era) <= 240


def test_the_default_is_todays_site() -> None:
    assert default_scenario_path().stem == "west_texas_today"
    sc, _ = load_scenario("west_texas_today")
    fleets = [a for a in sc.assets if a.type == "asic_fleet"]
    assert fleets
    assert all(a.model == "asic/antminer_s21" for a in fleets)
    assert all(a.pue == "cooling" and a.opex_usd_per_mwh > 0 for a in fleets)
    assert sc.hashprice is not None
    assert sc.hashprice.usd_per_ths_day == pytest.approx(0.038)  # finance.md T18


@pytest.mark.solver
def test_default_fleet_mines_exactly_below_its_site_breakeven() -> None:
    # A miner MWh of S21 at 0.038 USD/TH/s/day and 2 % pool fee is worth
    # 0.038 · 0.98 · 1e6 / (24 · 17.5) = 88.667 USD; less 4 USD opex and spread over
    # 1.2 site MWh: 70.556 USD per site MWh, less 4 USD/MWh of adders → the fleet
    # runs at full power while the day-ahead price is below 66.556 USD/MWh and is off
    # above it (battery removed so that nothing else shares the connection).
    sc, base = load_scenario(
        "west_texas_today",
        assignments=[
            "horizon.start=2020-07-01T00:00:00",
            "horizon.end=2020-07-15T00:00:00",
        ],
    )
    sc = sc.model_copy(update={"assets": [a for a in sc.assets if a.type != "battery"]})
    res = run(sc, base_dir=base)
    value = (mining_value_usd_per_mwh(0.038, 17.5, 0.02) - 4.0) / 1.2
    kpi = res.summary["assets"]["s21_fleet"]
    assert kpi["breakeven_full_load_usd_per_mwh"] == pytest.approx(value)
    price = res.timeseries["site.price_usd_per_mwh"].to_numpy()
    power = res.timeseries["s21_fleet.power_mw"].to_numpy()
    full = 13700 * 3500 / 1e6 * 0.97
    below, above = price + 4.0 < value - 1e-6, price + 4.0 > value + 1e-6
    assert below.any()
    assert above.any()
    np.testing.assert_allclose(power[below], full, rtol=1e-9)
    np.testing.assert_allclose(power[above], 0.0, atol=1e-9)
    imp = res.timeseries["site.grid_import_mw"].to_numpy()
    np.testing.assert_allclose(imp, 1.2 * power, atol=1e-9)  # cooling load included


@pytest.mark.solver
def test_solve_prints_the_era_and_writes_it_to_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["solve", "--set", "horizon.end=2020-01-03T00:00:00", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    sc, _ = load_scenario("west_texas_today")
    assert f"era: {sc.era}" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["summary"]["era"] == sc.era
