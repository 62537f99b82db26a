"""HiGHS alone on a scenario's LP, optionally without some programs.

Usage::

    python benchmarks/bench_highs_programs.py benchmarks/all_programs_2020.yaml
    python benchmarks/bench_highs_programs.py benchmarks/all_programs_2020.yaml \
        ancillary_services            # the same site without reserves

Builds and compiles the model, then times only HiGHS's ``run`` on the compiled
matrices and prints the LP's shape, the time, the simplex iterations and the optimum.
Program types (or ids) given after the scenario are dropped before the build.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import yaml

from grid_flex.inputs import prepare_inputs
from grid_flex.io.scenario import scenario_from_dict
from grid_flex.model.build import build_model
from grid_flex.model.handoff import compile_model
from grid_flex.solve import SolveOptions, _highs


def main() -> None:
    """Time HiGHS on the scenario named on the command line."""
    path = sys.argv[1]
    drop = set(sys.argv[2:])
    data = yaml.safe_load(Path(path).read_text())
    data["programs"] = [
        p
        for p in data.get("programs", [])
        if p["type"] not in drop and p.get("id") not in drop
    ]
    scenario = scenario_from_dict(data, source=path)
    site = build_model(prepare_inputs(scenario, Path(path).parent))
    lp = compile_model(site.model)
    h = _highs(lp, SolveOptions())
    start = time.perf_counter()
    h.run()
    elapsed = time.perf_counter() - start
    info = h.getInfo()
    print(
        f"drop={sorted(drop)} rows×cols={lp.shape} highs_s={elapsed:.2f} "
        f"iterations={info.simplex_iteration_count} "
        f"objective={info.objective_function_value:.6f}"
    )


if __name__ == "__main__":
    main()
