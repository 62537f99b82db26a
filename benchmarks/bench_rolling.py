"""Rolling-horizon operation on the default site: time per stage and memory per window.

Runs a year of daily windows with 48 h look-ahead (``--lookahead-h``, ``--commit-h``)
in this process, once, and prints the stage times, the seconds per window and the
resident memory after chosen windows (Linux ``/proc/self/statm``), which must stay
flat over the windows. Whole-process times against the single perfect-foresight solve
are measured from outside (``benchmarks/README.md``).

    python benchmarks/bench_rolling.py                 # default site, 2020, 48:24
    python benchmarks/bench_rolling.py --foresight     # also the foresight runs
    python benchmarks/bench_rolling.py --cold          # each window solved from scratch

It also prints how the windows were solved (``in_place``: the kept HiGHS model
updated and re-solved from the last basis; ``cold``: a new model) and the simplex
iterations and seconds inside HiGHS.
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from pathlib import Path
from typing import Any

import grid_flex as gf
from grid_flex.studies import rolling

PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_mib() -> float:
    """Resident memory of this process now [MiB]."""
    statm = Path("/proc/self/statm").read_text(encoding="ascii")
    return int(statm.split()[1]) * PAGE_MIB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="west_texas_2020")
    parser.add_argument("--lookahead-h", type=float, default=48.0)
    parser.add_argument("--commit-h", type=float, default=24.0)
    parser.add_argument("--foresight", action="store_true")
    parser.add_argument("--cold", action="store_true")
    args = parser.parse_args()
    solve_mod = importlib.import_module("grid_flex.solve")
    highs = {"iterations": 0, "seconds": 0.0}
    inner_run = solve_mod._run

    def counted(h: Any, options: Any) -> None:
        t = time.perf_counter()
        inner_run(h, options)
        highs["seconds"] += time.perf_counter() - t
        highs["iterations"] += h.getInfo().simplex_iteration_count

    solve_mod._run = counted
    if args.cold:

        class Cold(rolling.WindowSolver):
            def __init__(self, options: Any, *, warm: bool = True) -> None:
                super().__init__(options, warm=False)

        rolling.WindowSolver = Cold  # type: ignore[misc]
    sc, base = gf.load_scenario(
        args.scenario, assignments=["assets.battery.final_soc=0.5"]
    )
    samples: list[float] = []
    inner = rolling.solve_window

    def sampled(*a: Any, **k: Any) -> Any:
        out = inner(*a, **k)
        samples.append(rss_mib())
        return out

    rolling.solve_window = sampled  # type: ignore[assignment]
    t0 = time.perf_counter()
    res = rolling.run_rolling(
        sc,
        base_dir=base,
        lookahead_h=args.lookahead_h,
        commit_h=args.commit_h,
        foresight=args.foresight,
    )
    total = time.perf_counter() - t0
    n = len(samples)
    print(
        f"{args.scenario}: {n} windows of {args.lookahead_h:g} h / {args.commit_h:g} h"
    )
    print(
        f"  in-process total {total:.2f} s; stages "
        + ", ".join(f"{k} {v:.2f} s" for k, v in res.timings_s.items())
    )
    print(f"  per window {res.timings_s['windows_s'] / n * 1000:.1f} ms")
    kinds = res.tables["rolling_windows.csv"]["solve"].value_counts().to_dict()
    print(
        f"  windows solved {kinds}; HiGHS (windows and settlement) "
        f"{highs['iterations']:,} simplex iterations, {highs['seconds']:.2f} s"
    )
    marks = sorted({0, n // 4, n // 2, 3 * n // 4, n - 1})
    print(
        "  RSS after window "
        + ", ".join(f"{m + 1}: {samples[m]:.0f} MiB" for m in marks)
    )
    print(f"  realised profit {res.summary['profit_usd']:,.0f} USD")
    if args.foresight:
        value = res.summary["rolling"]["value_of_perfect_foresight_usd"]
        print(f"  value of perfect foresight {value:,.0f} USD")


if __name__ == "__main__":
    main()
