"""Time each stage of the pipeline on a full year, hourly and at 15 minutes.

Usage::

    python benchmarks/bench_pipeline.py [--repeat 3] [--pyomo] [--cli]

Stages: scenario loading, input preparation (reading and aligning data), model
construction (Pyomo components), compilation to matrices, hand-off to HiGHS
(passModel), HiGHS's own solve, loading the solution, result extraction. Medians of
``--repeat`` runs, each in a fresh process so that no run pays for another's garbage.
``--pyomo`` also times Pyomo's documented path (``SolverFactory("highs")``) on the same
model; ``--cli`` times ``grid-flex solve -q`` end to end (Python start included).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: name → (scenario, ``key=value`` override or ""). Scenario names without a folder
#: are bundled scenarios.
CASES = {
    "year_hourly": ("west_texas_2020", ""),
    "year_15min": ("west_texas_2020", "horizon.timestep_min=15"),
    "year_hourly_all_assets": (str(HERE / "all_assets_2020.yaml"), ""),
    "year_hourly_all_programs": (str(HERE / "all_programs_2020.yaml"), ""),
    "uri_15min_all_programs": (str(HERE / "uri_all_programs_2021.yaml"), ""),
}


def one_run(
    scenario_path: str, assignments: list[str], pyomo_path: bool
) -> dict[str, float]:
    """All stage timings of one run, in this process [s]."""
    import highspy

    from grid_flex.inputs import prepare_inputs
    from grid_flex.io.scenario import load_scenario
    from grid_flex.model.handoff import compile_model
    from grid_flex.results import extract
    from grid_flex.site import build_model
    from grid_flex.solve import SolveOptions, _highs, solve_model

    t0 = time.perf_counter()
    scenario, base = load_scenario(scenario_path, assignments=assignments)
    t1 = time.perf_counter()
    inputs = prepare_inputs(scenario, base)
    t2 = time.perf_counter()
    site = build_model(inputs)
    t3 = time.perf_counter()
    solution = solve_model(site.model)
    t4 = time.perf_counter()
    extract(site, solution)
    t5 = time.perf_counter()
    out = {
        "intervals": float(len(inputs.index)),
        "columns": float(solution.lp.shape[1]),
        "rows": float(solution.lp.shape[0]),
        "load_s": t1 - t0,
        "inputs_s": t2 - t1,
        "build_s": t3 - t2,
        **solution.timings_s,
        "extract_s": t5 - t4,
    }
    out["build_plus_handoff_s"] = out["build_s"] + out["compile_s"] + out["handoff_s"]
    # HiGHS alone once more on the same matrices, to see its run-to-run spread.
    lp = compile_model(site.model)
    h = _highs(lp, SolveOptions())
    t = time.perf_counter()
    h.run()
    out["highs_again_s"] = time.perf_counter() - t
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    if pyomo_path:
        import pyomo.environ as pyo

        t = time.perf_counter()
        pyo.SolverFactory("highs").solve(site.model)
        out["pyomo_highs_interface_s"] = time.perf_counter() - t
    return out


def main() -> None:
    """Run the cases in fresh processes and print a table of medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pyomo", action="store_true")
    parser.add_argument("--cli", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--set", dest="assignment", default="", help=argparse.SUPPRESS)
    parser.add_argument(
        "--case", action="append", help="Run only these cases (repeatable)."
    )
    args = parser.parse_args()
    if args.child is not None:
        sets = [args.assignment] if args.assignment else []
        print(json.dumps(one_run(args.child, sets, args.pyomo)))
        return
    for name, (scenario, assignment) in CASES.items():
        if args.case and name not in args.case:
            continue
        runs = []
        for _ in range(args.repeat):
            cmd = [sys.executable, __file__, f"--child={scenario}"]
            if assignment:
                cmd.append(f"--set={assignment}")
            if args.pyomo:
                cmd.append("--pyomo")
            proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        keys = runs[0].keys()
        med = {k: statistics.median(r[k] for r in runs) for k in keys}
        print(
            f"\n{name}: {int(med['intervals'])} intervals, "
            f"{int(med['rows'])} rows x {int(med['columns'])} columns "
            f"(median of {args.repeat})"
        )
        for k in keys:
            if k.endswith("_s"):
                print(f"  {k:<26} {med[k]:8.3f}")
        ratio = med["build_plus_handoff_s"] / med["highs_s"]
        print(f"  {'(build+handoff)/highs':<26} {ratio:8.2f}")
    if args.cli:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            subprocess.run(["grid-flex", "solve", "-q"], check=True)
            times.append(time.perf_counter() - t)
        print(
            f"\ngrid-flex solve -q (default, end to end): median "
            f"{statistics.median(times):.2f} s, runs {[round(x, 2) for x in times]}"
        )


if __name__ == "__main__":
    main()
