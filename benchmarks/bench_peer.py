"""grid-flex end to end against the same LP in linopy, side by side.

Usage::

    python benchmarks/bench_peer.py [--repeat 3] [--step 60 --step 15]

A is ``grid-flex solve -q`` on the default scenario; B is ``peer_linopy.py`` (the same
LP in linopy, solved by HiGHS through ``Model.solve`` with linopy's default LP-file
hand-off, and again with ``io_api="direct"``). Runs alternate A B A B after one
unmeasured run of each; printed are medians and the median of the paired ratios.
Both sides must reach the same objective. Needs ``pip install -e ".[bench]"``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_floor import grid_flex_command, timed

HERE = Path(__file__).resolve().parent
PEER = HERE / "peer_linopy.py"


def main() -> None:
    """Time both sides at each step and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--step", type=int, action="append", choices=[60, 15])
    parser.add_argument("--scenario", default="west_texas_2020")
    args = parser.parse_args()
    print(
        "| step, rows × cols | peer hand-off | grid-flex | linopy "
        "| ratio grid-flex / linopy | peak MiB grid-flex / linopy |\n"
        "|---|---|---|---|---|---|",
        flush=True,
    )
    for step in args.step or [60, 15]:
        sets = ["--set", f"horizon.timestep_min={step}"]
        gf = [*grid_flex_command(), "solve", args.scenario, "-q", *sets]
        with tempfile.TemporaryDirectory() as tmp:
            saved = subprocess.run(
                [
                    sys.executable,
                    str(HERE / "floor.py"),
                    "save",
                    args.scenario,
                    *sets,
                    "--out",
                    str(Path(tmp) / "lp.mps"),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
        lp = json.loads(saved.stdout.strip().splitlines()[-1])
        for io_api in ("lp", "direct"):
            peer = [sys.executable, str(PEER), args.scenario, *sets, "--io-api", io_api]
            out = subprocess.run(peer, capture_output=True, text=True, check=True)
            obj = json.loads(out.stdout.strip().splitlines()[-1])["objective"]
            if abs(obj - lp["objective"]) > 1e-7 * max(1.0, abs(lp["objective"])):
                raise RuntimeError(f"linopy {obj} != grid-flex {lp['objective']}")
            timed(gf)
            a_runs, b_runs = [], []
            for _ in range(args.repeat):
                a_runs.append(timed(gf))
                b_runs.append(timed(peer))
            ratio = statistics.median(
                a["wall_s"] / b["wall_s"] for a, b in zip(a_runs, b_runs, strict=True)
            )
            print(
                f"| {step} min, {lp['rows']:,} × {lp['cols']:,} | {io_api} "
                f"| {statistics.median(r['wall_s'] for r in a_runs):.2f} s "
                f"| {statistics.median(r['wall_s'] for r in b_runs):.2f} s "
                f"| {ratio:.2f} "
                f"| {statistics.median(r['peak_mib'] for r in a_runs):.0f} / "
                f"{statistics.median(r['peak_mib'] for r in b_runs):.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
