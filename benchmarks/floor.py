"""The floor: what no design of grid-flex can avoid, as a process of its own.

Two sub-commands::

    python benchmarks/floor.py save SCENARIO [--set KEY=VALUE ...] --out LP.mps
    python benchmarks/floor.py solve LP.mps [--highspy-only]

``save`` builds the scenario exactly as ``grid-flex solve`` does and writes the LP that
grid-flex hands to HiGHS (the same ``HighsLp``, same options) with HiGHS's own
``writeModel``; it prints the objective grid-flex found, as JSON. ``solve`` is the
floor process: it imports pandas, Pyomo's core and highspy (the libraries grid-flex is
built on), reads the file and solves it with HiGHS alone, and prints HiGHS's objective.
"""

from __future__ import annotations

import argparse
import json
import sys


def save(scenario: str, assignments: list[str], out: str) -> None:
    """Write the LP grid-flex hands to HiGHS for ``scenario`` to ``out`` (MPS)."""
    from grid_flex.api import solve_options
    from grid_flex.inputs import prepare_inputs
    from grid_flex.io.scenario import load_scenario
    from grid_flex.model.handoff import compile_model
    from grid_flex.site import build_model
    from grid_flex.solve import _highs, solve_model

    sc, base = load_scenario(scenario, assignments=assignments)
    site = build_model(prepare_inputs(sc, base))
    opts = solve_options(sc)
    h = _highs(compile_model(site.model), opts)
    h.writeModel(out)
    solution = solve_model(site.model, opts)
    rows, cols = solution.lp.shape
    print(json.dumps({"objective": solution.objective, "rows": rows, "cols": cols}))


def solve(path: str, highspy_only: bool = False) -> None:
    """The floor process: import the stack, read ``path`` and solve it with HiGHS.

    With ``highspy_only`` nothing but highspy is imported ("HiGHS alone", for memory).
    """
    import highspy

    if not highspy_only:  # the floor pays for the libraries grid-flex is built on
        import pandas  # noqa: F401
        import pyomo.core  # noqa: F401

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(path)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        sys.exit(f"{path}: HiGHS status {h.modelStatusToString(status)}")
    print(json.dumps({"objective": h.getInfo().objective_function_value}))


def main() -> None:
    """Parse the command line and run one sub-command."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_save = sub.add_parser("save")
    p_save.add_argument("scenario")
    p_save.add_argument("--set", dest="assignments", action="append", default=[])
    p_save.add_argument("--out", required=True)
    p_solve = sub.add_parser("solve")
    p_solve.add_argument("path")
    p_solve.add_argument("--highspy-only", action="store_true")
    args = parser.parse_args()
    if args.cmd == "save":
        save(args.scenario, args.assignments, args.out)
    else:
        solve(args.path, args.highspy_only)


if __name__ == "__main__":
    main()
