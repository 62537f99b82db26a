"""Where the peak resident memory of ``grid-flex solve`` goes, stage by stage.

Usage::

    python benchmarks/probe_memory.py SCENARIO [--step 15] [--tracemalloc]

Runs what ``grid-flex solve SCENARIO -q`` runs, in this process, and prints after each
stage the resident memory (``VmRSS``), the peak so far (``VmHWM``, what
``/usr/bin/time -v`` reports at exit) and the stage's own rise of the peak. The
stages are the functions the solve calls (read the scenario, prepare the inputs,
build, compile, hand-off, HiGHS, results), wrapped here without changing them. With
``--tracemalloc`` it also prints what Python (numpy included) still holds after each
stage, the largest holders first when HiGHS starts (slow: for finding, not timing).
"""

from __future__ import annotations

import argparse
import functools
import resource  # noqa: F401  (imported early so its own pages are not counted)
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROWS: list[tuple[str, float, float, float]] = []


def _status_mib(field: str) -> float:
    with Path("/proc/self/status").open() as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def mark(stage: str) -> None:
    """Record the resident memory and the peak so far after ``stage``."""
    hwm = _status_mib("VmHWM")
    rise = hwm - (ROWS[-1][2] if ROWS else hwm)
    traced = (
        tracemalloc.get_traced_memory()[0] / 2**20 if tracemalloc.is_tracing() else 0
    )
    ROWS.append((stage, _status_mib("VmRSS"), hwm, rise))
    if tracemalloc.is_tracing():
        print(f"  [{stage}] python-held {traced:.1f} MiB", file=sys.stderr)


def wrap(module: Any, name: str, stage: str) -> None:
    """Replace ``module.name`` by a wrapper that marks ``stage`` when it returns."""
    inner: Callable[..., Any] = getattr(module, name)

    @functools.wraps(inner)
    def outer(*args: Any, **kwargs: Any) -> Any:
        out = inner(*args, **kwargs)
        mark(stage)
        if stage == "hand-off" and tracemalloc.is_tracing():
            snap = tracemalloc.take_snapshot()
            for stat in snap.statistics("lineno")[:15]:
                print(f"    {stat}", file=sys.stderr)
        return out

    setattr(module, name, outer)


def main() -> None:
    """Parse the command line, instrument the solve and run it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--step", type=int, choices=(15, 60), default=None)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    mark("python")
    if args.tracemalloc:
        tracemalloc.start()
    import highspy  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    mark("libraries")
    import importlib

    api = importlib.import_module("grid_flex.api")
    decompose = importlib.import_module("grid_flex.decompose")
    solve = importlib.import_module("grid_flex.solve")
    from grid_flex.cli import _solve_options
    from grid_flex.io.scenario import load_scenario

    mark("grid-flex modules")
    wrap(api, "prepare_inputs", "inputs")
    wrap(api, "build_site", "build")
    wrap(api, "compile_arrays", "compile")
    wrap(solve, "_highs", "hand-off")
    wrap(solve, "_run", "HiGHS")
    wrap(decompose, "try_solve_compiled", "solution read, HiGHS freed")
    wrap(api, "extract", "results")
    assignments = [] if args.step is None else [f"horizon.timestep_min={args.step}"]
    sc, base = load_scenario(args.scenario, assignments=assignments)
    mark("scenario")
    api.run(sc, base_dir=base, options=_solve_options(sc, None, None, None))
    print(f"{'stage':<28} {'RSS MiB':>8} {'peak MiB':>9} {'peak rise':>10}")
    for stage, rss, hwm, rise in ROWS:
        print(f"{stage:<28} {rss:8.1f} {hwm:9.1f} {rise:+10.1f}")


if __name__ == "__main__":
    main()
