"""What each way of putting years in a study LP costs, and how it moves the answer.

Usage::

    python benchmarks/bench_year_modes.py [--study west_texas_greenfield_2025]
        [--set key=value ...] [--modes each weather one]

Runs ``grid-flex size STUDY --set study.years_in_lp=MODE`` once per mode, each in a
fresh process under ``/usr/bin/time -v``, and prints one line per mode: wall and CPU
time [s], peak resident memory [MiB], the rounded sizes and the after-tax NPV from
``summary.json``. The modes (README, "Sizing and feasibility studies"): ``each`` — one
operating block per year; ``weather`` — one per weather year with the discount-weighted
mean hashprice of its years; ``one`` — one block for all years, weighted by the present
worth of the years.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
from pathlib import Path


def _field(text: str, label: str) -> float:
    m = re.search(rf"{re.escape(label)}: ([\d:.]+)", text)
    if m is None:
        raise RuntimeError(f"no '{label}' in /usr/bin/time output")
    value = m.group(1)
    if ":" in value:  # h:mm:ss or m:ss
        parts = [float(p) for p in value.split(":")]
        return sum(p * 60**i for i, p in enumerate(reversed(parts)))
    return float(value)


def run_mode(study: str, mode: str, sets: list[str], out: Path) -> dict[str, object]:
    """One ``grid-flex size`` run; its cost and its answer."""
    cmd = ["/usr/bin/time", "-v", "grid-flex", "size", study, "-o", str(out)]
    for s in [*sets, f"study.years_in_lp={mode}"]:
        cmd += ["--set", s]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        msg = f"{mode}: exit {proc.returncode}\n{proc.stdout}{proc.stderr}"
        raise RuntimeError(msg)
    err = proc.stderr
    summary = json.loads((out / "summary.json").read_text())["summary"]
    sizes = {
        row.split(",")[0]: row.split(",")[8]
        for row in (out / "sizes.csv").read_text().splitlines()[1:]
    }
    return {
        "mode": mode,
        "wall_s": _field(err, "Elapsed (wall clock) time (h:mm:ss or m:ss)"),
        "cpu_s": _field(err, "User time (seconds)")
        + _field(err, "System time (seconds)"),
        "peak_mib": _field(err, "Maximum resident set size (kbytes)") / 1024,
        "npv_usd": summary["finance"]["npv_usd"],
        "sizes_rounded": sizes,
    }


def main() -> None:
    """Run the modes and print one JSON line each."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--study", default="west_texas_greenfield_2025")
    p.add_argument("--set", dest="sets", action="append", default=[])
    p.add_argument("--modes", nargs="+", default=["each", "weather", "one"])
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes:
            row = run_mode(args.study, mode, args.sets, Path(tmp) / mode)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
