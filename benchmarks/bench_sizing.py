"""Sizing speed: one sized LP solved whole and by the capacity decomposition.

Usage::

    python benchmarks/bench_sizing.py [SCENARIO] [--set key=value ...]
        [--methods monolithic decomposed] [--repeat N]

Builds the scenario's LP once (array path, as ``grid-flex solve`` does) and solves it
``--repeat`` times by each method, in turn (A B A B ...: paired, so that load cancels
in the ratio), in this process. Prints one JSON line per solve: method, seconds in
HiGHS and the master LPs, operating-LP solves, objective and sizes; then the median
ratio decomposed / monolithic and the largest relative objective difference.
Default scenario: ``benchmarks/west_texas_2020_sized.yaml``. An interior optimum:
``--set site.size.max_mw=100 --set assets.s19xp_fleet.size.max_mw=80
--set assets.s19jpro_fleet.size.max_count=20000`` (the connection binds below what
both fleets could draw, so the S19j Pro fleet is sized inside its range).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Solve the LP by each method and print the figures."""
    import pyomo.core as pyo

    from grid_flex.api import solve_options
    from grid_flex.decompose import solve_lp
    from grid_flex.inputs import prepare_inputs
    from grid_flex.io.scenario import load_scenario
    from grid_flex.model.arrays import attach_array_layer, compile_arrays
    from grid_flex.model.capacity import first_stage_columns
    from grid_flex.site import build_site

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "scenario", nargs="?", default=str(HERE / "west_texas_2020_sized.yaml")
    )
    p.add_argument("--set", dest="sets", action="append", default=[])
    p.add_argument("--methods", nargs="+", default=["monolithic", "decomposed"])
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args()

    sc, base = load_scenario(args.scenario, assignments=args.sets)
    inputs = prepare_inputs(sc, base)
    model = pyo.ConcreteModel()
    layer = attach_array_layer(model)
    site = build_site(model, inputs)
    gc.unfreeze()
    lp = compile_arrays(layer)
    cols = first_stage_columns(site.capacities.values(), lp.layer_offsets[id(layer)])
    keys = [k for k, c in site.capacities.items() if c.var is not None and c.spec.sized]
    base_opts = solve_options(sc)
    times: dict[str, list[float]] = {m: [] for m in args.methods}
    objectives: list[float] = []
    for _ in range(args.repeat):
        for method in args.methods:
            opts = replace(base_opts, sizing_method=method)  # type: ignore[arg-type]
            t0 = time.perf_counter()
            sol = solve_lp(lp, cols, opts)
            wall = time.perf_counter() - t0
            assert sol is not None
            times[method].append(wall)
            objectives.append(sol.objective)
            print(
                json.dumps(
                    {
                        "method": method,
                        "solve_s": round(wall, 3),
                        "report": sol.report,
                        "objective": sol.objective,
                        "sizes": dict(
                            zip(
                                keys,
                                [round(float(v), 6) for v in sol.x[cols]],
                                strict=False,
                            )
                        ),
                    }
                ),
                flush=True,
            )
    if len(args.methods) == 2 and args.repeat:
        a, b = args.methods
        ratios = [x / y for x, y in zip(times[b], times[a], strict=True)]
        ref = objectives[0]
        diff = max(abs(o - ref) / max(1.0, abs(ref)) for o in objectives)
        print(
            json.dumps(
                {
                    f"{b}/{a}_median": round(statistics.median(ratios), 3),
                    "largest_relative_objective_difference": diff,
                }
            )
        )


if __name__ == "__main__":
    main()
