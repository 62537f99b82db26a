"""Issue 15 item 2: lean headroom rows keep every bundled program scenario's optimum.

Every bundled scenario with grid programs (the rolling variants solve the same
site), and the two program-heavy benchmark
cases, is solved on a short horizon with the lean formulation (rows implied by
others left out, ``SKIP_IMPLIED_ROWS``) and with the full one. The optima must be
equal (1e-9 relative) and the lean optimum must satisfy every row of the full LP,
so it is optimal there too, whatever vertex HiGHS picked.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

import grid_flex as gf
from grid_flex import site as site_module
from grid_flex.io.scenario import load_scenario
from grid_flex.resources import scenarios_dir

pytestmark = pytest.mark.solver

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
CASES = [
    *(
        p.stem
        for p in sorted(scenarios_dir().glob("*.yaml"))
        if load_scenario(p)[0].programs and not p.stem.endswith("_rolling")
    ),
    str(BENCHMARKS / "all_programs_2020.yaml"),
    str(BENCHMARKS / "uri_all_programs_2021.yaml"),
]
#: Horizon kept per scenario [days]: the 4CP intervals run to 6 September.
DAYS = {"ercot_summer_2019_4cp": 98}
#: Short-horizon patches: a 4CP month and the July import cap in the window; the
#: GPU site without its training jobs (their windows lie after three days).
SETS = {
    "all_programs_2020": ["horizon.start=2020-07-27T00:00:00"],
    "west_texas_gpu_mining_2020": ["assets.gpu_cluster.training_jobs=[]"],
}


def solved(name: str) -> tuple[gf.Solution, dict[str, float]]:
    sets = SETS.get(Path(name).stem, [])
    sc, _ = load_scenario(name, assignments=sets)
    days = DAYS.get(name, 3)
    end = sc.horizon.start + dt.timedelta(days=days)
    sc, base = load_scenario(
        name, assignments=[*sets, f"horizon.end={end.isoformat()}"]
    )
    site = gf.build_model(gf.prepare_inputs(sc, base))
    solution = gf.solve(site)
    x = dict(zip((v.name for v in solution.lp.columns), solution.x, strict=True))
    return solution, x


@pytest.mark.parametrize("name", CASES, ids=lambda c: Path(c).stem)
def test_lean_rows_keep_the_bundled_optimum(monkeypatch, name: str) -> None:
    lean, x = solved(name)
    monkeypatch.setattr(site_module, "SKIP_IMPLIED_ROWS", False)
    full, _ = solved(name)
    assert lean.objective == pytest.approx(full.objective, rel=1e-9, abs=1e-6)
    assert lean.lp.shape[0] <= full.lp.shape[0]
    assert lean.lp.shape[1] == full.lp.shape[1]
    # The lean optimum, read into the full LP's columns, satisfies all its rows.
    values = np.array([x[v.name] for v in full.lp.columns])
    activity = full.lp.A @ values
    scale = 1.0 + np.abs(activity)
    assert np.all(activity >= full.lp.row_lb - 1e-6 * scale)
    assert np.all(activity <= full.lp.row_ub + 1e-6 * scale)
