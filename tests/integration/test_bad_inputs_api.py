"""The Python API refuses or applies what it is given; it never ignores it."""

from __future__ import annotations

from pathlib import Path

import pytest

import grid_flex as gf
from grid_flex.errors import ScenarioError
from grid_flex.io.scenario import scenario_from_dict

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
