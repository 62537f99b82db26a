"""Time the HTML report of a 15-minute year (35,136 intervals), in a fresh process.

Solves ``west_texas_gpu_mining_2020`` at 15 minutes once into ``--folder`` (skipped when
the folder exists), then renders its report ``--repeat`` times in fresh processes and
prints the median wall time, the page size and what each stage of the page weighs::

    python benchmarks/bench_report.py --folder /tmp/gf_year15 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

RENDER = (
    "import sys, time\n"
    "t = time.perf_counter()\n"
    "from grid_flex.report import render_report\n"
    "out = render_report(sys.argv[1], sys.argv[2])\n"
    "print(time.perf_counter() - t)\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/gf_year15"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (args.folder / "summary.json").is_file():
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from grid_flex.cli import main; main()",
                "solve",
                "west_texas_gpu_mining_2020",
                "--set",
                "horizon.timestep_min=15",
                "-q",
                "-o",
                str(args.folder),
            ],
            check=True,
        )
    out = args.folder.with_suffix(".html")
    walls, inner = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", RENDER, str(args.folder), str(out)],
            check=True,
            capture_output=True,
            text=True,
        )
        walls.append(time.perf_counter() - start)
        inner.append(float(done.stdout.split()[-1]))
    page = out.read_text(encoding="utf-8")
    data_start = page.find('id="gf-data"')
    csv_mb = (args.folder / "timeseries.csv").stat().st_size / 1e6
    print(f"folder: {args.folder} ({csv_mb:.1f} MB CSV)")
    print(f"whole process, median of {args.repeat}: {statistics.median(walls):.2f} s")
    print(f"render_report inside it: {statistics.median(inner):.2f} s")
    print(
        f"page: {len(page.encode()) / 1e6:.2f} MB, of which chart data "
        f"{len(page[data_start:].encode()) / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
