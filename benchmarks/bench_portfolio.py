"""A three-site portfolio year against one of its sites, end to end, paired runs.

A: ``grid-flex portfolio scenarios/portfolios/nordic_2018.yaml -o DIR`` (three sites,
8,760 hours each, 12 monthly periods, moves with downtime, plus the static
re-solve). B: ``grid-flex solve`` on its heaviest site (Sweden 4 with district heat).
A and B run in turn, each a fresh process; the ratio A/B is taken run by run so
that the machine's load cancels out. Wall and CPU seconds (user + system of the
finished child) and the median of each are printed::

    python benchmarks/bench_portfolio.py --repeat 3
    python benchmarks/bench_portfolio.py --repeat 1 \\
        --spec scenarios/portfolios/texas_2020.yaml \\
        --site scenarios/portfolios/texas_2020/west_4cp.yaml
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``cmd`` (a fresh process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    """Run A and B in turn ``--repeat`` times and print medians and paired ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--spec", default="scenarios/portfolios/nordic_2018.yaml")
    ap.add_argument(
        "--site", default="scenarios/portfolios/nordic_2018/se4_district_heat.yaml"
    )
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_portfolio_"))
    exe = shutil.which("grid-flex") or "grid-flex"
    a_cmd = [exe, "portfolio", args.spec, "-o", str(tmp / "a")]
    b_cmd = [exe, "solve", args.site, "-q", "-o", str(tmp / "b")]
    rows: list[tuple[float, float, float, float]] = []
    try:
        for _ in range(args.repeat):
            aw, ac = timed(a_cmd)
            bw, bc = timed(b_cmd)
            rows.append((aw, ac, bw, bc))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    med = [statistics.median(r[i] for r in rows) for i in range(4)]
    wall_ratio = statistics.median(r[0] / r[2] for r in rows)
    cpu_ratio = statistics.median(r[1] / r[3] for r in rows)
    print(f"load average {os.getloadavg()[0]:.1f}; {args.repeat} pairs")
    print(f"A portfolio  {args.spec}: wall {med[0]:.2f} s, cpu {med[1]:.2f} s")
    print(f"B one site   {args.site}: wall {med[2]:.2f} s, cpu {med[3]:.2f} s")
    print(f"A/B (median of paired ratios): wall {wall_ratio:.2f}, cpu {cpu_ratio:.2f}")


if __name__ == "__main__":
    main()
