"""HiGHS alone on a scenario's LP, optionally without some programs.

Usage::

    python benchmarks/bench_highs_programs.py benchmarks/all_programs_2020.yaml
    python benchmarks/bench_highs_programs.py benchmarks/all_programs_2020.yaml \
        ancillary_services            # the same site without reserves
    python benchmarks/bench_highs_programs.py benchmarks/all_programs_2020.yaml \
        --versus ancillary_services --repeat 3     # paired: with / without reserves
    python benchmarks/bench_highs_programs.py benchmarks/all_programs_2020.yaml \
        --families                    # rows, nonzeros and binding rows per family
    python benchmarks/bench_highs_programs.py benchmarks/all_programs_2020.yaml \
        --option solver=ipm --option run_crossover=off

Builds and compiles the model, then times only HiGHS's ``run`` on the compiled
matrices and prints the LP's shape, the wall and CPU time (all threads; steadier
than the wall time on a loaded machine), the iterations and the optimum.
Program types (or ids) given after the scenario are dropped before the build. With
``--versus`` a second LP without those programs is built too and the two are solved
alternately (A B A B ...), so machine load affects both alike; the median of the
paired ratios A/B is printed. ``--families`` lists, per constraint family, its rows,
its nonzeros and how many of its rows are nonbasic (binding) at the optimum: the
simplex method pays roughly one iteration per binding row it has to find.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import yaml

from grid_flex.inputs import prepare_inputs
from grid_flex.io.scenario import scenario_from_dict
from grid_flex.model.handoff import CompiledLP, compile_model
from grid_flex.site import build_model
from grid_flex.solve import SolveOptions, _highs

#: The built models, kept alive so that their components keep their full names.
_MODELS: list[Any] = []


def compiled(path: str, drop: set[str]) -> CompiledLP:
    """The scenario's LP with the programs (types or ids) in ``drop`` left out."""
    data = yaml.safe_load(Path(path).read_text())
    data["programs"] = [
        p
        for p in data.get("programs", [])
        if p["type"] not in drop and p.get("id") not in drop
    ]
    scenario = scenario_from_dict(data, source=path)
    site = build_model(prepare_inputs(scenario, Path(path).parent))
    _MODELS.append(site.model)
    return compile_model(site.model)


def _value(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def run(lp: CompiledLP, options: list[str]) -> tuple[highspy.Highs, float, float]:
    """Solve ``lp`` with HiGHS (``options`` as ``name=value``).

    Returns the solver, the wall time and the process's CPU time (all threads:
    what a parallel option costs beside what it saves) [s].
    """
    h = _highs(lp, SolveOptions())
    for option in options:
        name, _, value = option.partition("=")
        if h.setOptionValue(name, _value(value)) != highspy.HighsStatus.kOk:
            raise SystemExit(f"HiGHS refuses the option {option!r}")
    cpu = time.process_time()
    start = time.perf_counter()
    h.run()
    return h, time.perf_counter() - start, time.process_time() - cpu


def report(
    label: str, lp: CompiledLP, h: highspy.Highs, elapsed_s: float, cpu_s: float
) -> None:
    """One line: shape, nonzeros, HiGHS wall and CPU time, iterations, objective."""
    info = h.getInfo()
    print(
        f"{label} rows×cols={lp.shape} nnz={len(lp.a.data)} highs_s={elapsed_s:.2f} "
        f"cpu_s={cpu_s:.2f} iterations={info.simplex_iteration_count} "
        f"ipm_iterations={info.ipm_iteration_count} "
        f"objective={info.objective_function_value:.6f}",
        flush=True,
    )


def families(lp: CompiledLP, h: highspy.Highs) -> None:
    """Rows, nonzeros and nonbasic (binding) rows at the optimum, per family."""
    status = np.array([int(s) for s in h.getBasis().row_status])
    basic = int(highspy.HighsBasisStatus.kBasic)
    per_row = np.zeros(lp.shape[0], dtype=np.int64)
    np.add.at(per_row, lp.a.indices, 1)  # column-wise storage: indices are rows
    rows: Counter[str] = Counter()
    nnz: Counter[str] = Counter()
    binding: Counter[str] = Counter()
    for owner in lp.row_owners:
        name = owner.family.component.name if owner.family is not None else "foreign"
        span = slice(owner.start, owner.stop)
        rows[name] += owner.stop - owner.start
        nnz[name] += int(per_row[span].sum())
        binding[name] += int(np.sum(status[span] != basic))
    print(f"{'family':60s} {'rows':>7s} {'nnz':>8s} {'binding':>8s}")
    for name, count in rows.most_common():
        print(f"{name:60s} {count:7d} {nnz[name]:8d} {binding[name]:8d}")


def main() -> None:
    """Time HiGHS on the scenario named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("drop", nargs="*", help="program types or ids to leave out")
    parser.add_argument(
        "--versus",
        action="append",
        default=[],
        help="also solve without these programs, alternately (repeatable)",
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--option", action="append", default=[], help="HiGHS option name=value"
    )
    parser.add_argument("--families", action="store_true")
    args = parser.parse_args()
    drop = set(args.drop)
    a = compiled(args.scenario, drop)
    b = compiled(args.scenario, drop | set(args.versus)) if args.versus else None
    ratios, cpu_ratios = [], []
    for _ in range(args.repeat):
        h, ta, ca = run(a, args.option)
        report(f"A drop={sorted(drop)}", a, h, ta, ca)
        if b is not None:
            hb, tb, cb = run(b, args.option)
            report(f"B drop={sorted(drop | set(args.versus))}", b, hb, tb, cb)
            ratios.append(ta / tb)
            cpu_ratios.append(ca / cb)
    for what, values in (("time", ratios), ("CPU time", cpu_ratios)):
        if values:
            print(
                f"A/B HiGHS {what}, paired: median {statistics.median(values):.2f} "
                f"({', '.join(f'{r:.2f}' for r in values)})"
            )
    if args.families:
        families(a, h)


if __name__ == "__main__":
    main()
