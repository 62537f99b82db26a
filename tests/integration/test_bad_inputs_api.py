"""The Python API refuses or applies what it is given; it never ignores it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyomo.environ as pyo
import pytest
import yaml

import grid_flex as gf
from grid_flex.errors import CatalogError, ScenarioError
from grid_flex.io.catalog import Catalog, load_catalog
from grid_flex.io.scenario import scenario_from_dict
from grid_flex.resources import models_dir

pytestmark = pytest.mark.solver

#: Two hours, a 1 MW battery: prices 10 then 50 USD/MWh, start empty, end free.
SMALL = {
    "name": "api_small",
    "site": {"import_limit_mw": 5.0, "export_limit_mw": 5.0, "timezone": "UTC"},
    "horizon": {
        "start": "2024-06-03T00:00:00+00:00",
        "end": "2024-06-03T02:00:00+00:00",
        "timestep_min": 60,
        "timezone": "UTC",
    },
    "energy": {
        "price": {"format": "inline", "unit": "usd_per_mwh", "values": [10.0, 50.0]}
    },
    "assets": [
        {
            "type": "battery",
            "id": "bat",
            "model": "battery/generic_lfp_4h_1mw",
            "count": 1,
            "initial_soc_frac": 0.0,
            "soc_min_frac": 0.0,
            "final_soc": "free",
        }
    ],
}


def test_run_scenario_object_applies_assignments() -> None:
    sc = scenario_from_dict(SMALL, source="small")
    base = gf.run(sc)
    limited = gf.run(sc, assignments=["site.export_limit_mw=0"])
    # With export allowed the battery buys at 10 and sells at 50; with none it can
    # only serve the site, which has no other load: nothing to gain.
    assert base.summary["profit_usd"] > 0
    assert limited.summary["profit_usd"] == pytest.approx(0.0, abs=1e-6)


def test_run_scenario_object_applies_override_files(tmp_path: Path) -> None:
    sc = scenario_from_dict(SMALL, source="small")
    patch = tmp_path / "patch.yaml"
    patch.write_text("site:\n  export_limit_mw: 0\n", encoding="utf-8")
    limited = gf.run(sc, overrides=[patch])
    assert limited.summary["profit_usd"] == pytest.approx(0.0, abs=1e-6)


def test_run_scenario_object_bad_assignment_is_refused() -> None:
    sc = scenario_from_dict(SMALL, source="small")
    with pytest.raises(ScenarioError, match=r"site\.import_limit_mw"):
        gf.run(sc, assignments=["site.import_limit_mw=-3"])


# ---- reproducibility: the results folder freezes the catalogue ----------------
#: Two hours of an S21 fleet at a price below its breakeven: it runs flat out.
FLEET = {
    "name": "frozen_catalogue",
    "site": {"import_limit_mw": 5.0, "timezone": "UTC"},
    "horizon": {
        "start": "2024-06-03T00:00:00+00:00",
        "end": "2024-06-03T02:00:00+00:00",
        "timestep_min": 60,
        "timezone": "UTC",
    },
    "energy": {
        "price": {"format": "inline", "unit": "usd_per_mwh", "values": [20.0, 30.0]}
    },
    "hashprice": {"usd_per_ths_day": 0.05},
    "assets": [
        {
            "type": "asic_fleet",
            "id": "fleet",
            "model": "asic/antminer_s21",
            "count": 100,
            "hashrate_curve": "linear",
            "availability_frac": 1.0,
            "pool_fee_frac": 0.0,
            "pue": 1.0,  # miners alone (the hand figures below)
        }
    ],
}


def _changed_catalogue(tmp_path: Path) -> Catalog:
    """A copy of the bundled catalogue whose S21 draws 7,000 W instead of 3,500 W."""
    root = tmp_path / "models"
    shutil.copytree(models_dir(), root)
    file = root / "asic" / "antminer_s21.yaml"
    text = file.read_text(encoding="utf-8")
    assert "power_w: 3500" in text
    file.write_text(text.replace("power_w: 3500", "power_w: 7000"), encoding="utf-8")
    return load_catalog(root)


def test_frozen_scenario_ignores_later_catalogue_changes(tmp_path: Path) -> None:
    sc = scenario_from_dict(FLEET, source="fleet")
    first = gf.run(sc, out_dir=tmp_path / "out")
    frozen = yaml.safe_load((tmp_path / "out" / "scenario.yaml").read_text())
    assert frozen["catalog_entries"]["asic/antminer_s21"]["power_w"] == 3500
    changed = _changed_catalogue(tmp_path)

    # 100 x 200 TH/s x 0.05 USD/TH/day x 2 h / 24 = 83.33 USD of hashing; energy
    # 100 x 3.5 kW = 0.35 MW x (20 + 30) USD/MWh x 1 h = 17.50 USD.
    assert first.summary["profit_usd"] == pytest.approx(83.333333 - 17.5, rel=1e-6)
    again = gf.run(tmp_path / "out" / "scenario.yaml", catalog=changed)
    assert again.summary["profit_usd"] == pytest.approx(first.summary["profit_usd"])
    # The same scenario without its frozen entries follows the changed catalogue
    # (0.7 MW x 50 USD/MWh = 35 USD of energy), so the check above can fail.
    moved = gf.run(sc, catalog=changed)
    assert moved.summary["profit_usd"] == pytest.approx(83.333333 - 35.0, rel=1e-6)


def test_frozen_entry_under_a_wrong_reference_is_refused(tmp_path: Path) -> None:
    sc = scenario_from_dict(FLEET, source="fleet")
    gf.run(sc, out_dir=tmp_path / "out")
    text = (tmp_path / "out" / "scenario.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("  asic/antminer_s21:", "  asic/antminer_s19:"))
    with pytest.raises(CatalogError, match="must be 'asic/antminer_s21'"):
        gf.run(bad)


def test_extra_hook_says_the_folder_does_not_reproduce_the_run(
    tmp_path: Path,
) -> None:
    def cap_fleet(site: gf.SiteModel) -> None:
        m = site.model
        m.fleet_cap = pyo.Constraint(
            m.T, rule=lambda m, t: m.asset["fleet"].power_mw[t] <= 0.1
        )

    sc = scenario_from_dict(FLEET, source="fleet")
    results = gf.run(sc, out_dir=tmp_path / "out", extra=cap_fleet)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    reason = summary["summary"]["not_reproducible_from_folder"]
    assert "cap_fleet" in reason
    head = (tmp_path / "out" / "scenario.yaml").read_text().splitlines()[:4]
    assert any(line.startswith("# NOT REPRODUCIBLE") for line in head)
    assert results.summary["profit_usd"] < 83.333333 - 17.5  # the hook did act
    plain = gf.run(sc, out_dir=tmp_path / "plain")
    summary = json.loads((tmp_path / "plain" / "summary.json").read_text())
    assert "not_reproducible_from_folder" not in summary["summary"]
    assert plain.summary["profit_usd"] > results.summary["profit_usd"]
