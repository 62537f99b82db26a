"""Whole-process cost of the light commands: ``--version``, ``scenarios``, ``catalog``
and ``validate --no-data`` on every bundled scenario and benchmark case.

Usage::

    python benchmarks/bench_light.py [--repeat 3] [--vs DIR] [--case NAME ...]

Each command runs as ``python -c "from grid_flex.cli import main; main()" ARGS``
with this checkout first on ``PYTHONPATH`` (A); with ``--vs DIR``, the same command
with the checkout ``DIR`` instead (B), in turn A B A B. Both checkouts' modules are
compiled to bytecode first, as an installed package's are. CPU time and peak
resident memory are the kernel's accounting of each finished child (``os.wait4``,
what ``/usr/bin/time -v`` prints). Printed: medians, the median of the paired CPU
ratios A/B, and whether the process imported pandas (``-X importtime``).
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench_floor import timed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLI = ["-c", "from grid_flex.cli import main; main()"]


def commands() -> dict[str, list[str]]:
    """label → grid-flex arguments."""
    out = {
        "--version": ["--version"],
        "scenarios": ["scenarios"],
        "catalog": ["catalog"],
    }
    names = [p.stem for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
    names += [str(p.relative_to(ROOT)) for p in sorted(HERE.glob("*.yaml"))]
    for name in names:
        out[f"validate {Path(name).stem} --no-data"] = ["validate", name, "--no-data"]
    return out


def run(checkout: Path, args: list[str]) -> dict[str, float]:
    """One timed run of ``args`` on ``checkout``'s grid_flex."""
    os.environ["PYTHONPATH"] = str(checkout)
    os.chdir(checkout)  # ``python -c`` puts the working folder first on sys.path
    return timed([sys.executable, *CLI, *args])


def loads_pandas(checkout: Path, args: list[str]) -> bool:
    """Whether the command imported pandas."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run(
        [sys.executable, "-X", "importtime", *CLI, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=checkout,
        check=True,
    )
    return any(
        line.rsplit("|", 1)[-1].strip() == "pandas" for line in out.stderr.splitlines()
    )


def main() -> None:
    """Time every light command (paired against ``--vs``) and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--vs", type=Path, help="checkout to compare with (B)")
    ap.add_argument("--case", nargs="*", help="only labels containing one of these")
    opts = ap.parse_args()
    checkouts = [ROOT] + ([opts.vs.resolve()] if opts.vs else [])
    for c in checkouts:
        compileall.compile_dir(c / "grid_flex", quiet=1)
    todo = {
        label: args
        for label, args in commands().items()
        if not opts.case or any(c in label for c in opts.case)
    }
    print(
        "| command | CPU A | CPU B | CPU A/B | peak MiB A / B | pandas A / B |\n"
        "|---|---|---|---|---|---|"
    )
    for label, args in todo.items():
        runs: list[list[dict[str, float]]] = [[] for _ in checkouts]
        for _ in range(opts.repeat):
            for k, c in enumerate(checkouts):
                runs[k].append(run(c, args))
        cpu = [statistics.median(r["cpu_s"] for r in rs) for rs in runs]
        peak = [statistics.median(r["peak_mib"] for r in rs) for rs in runs]
        pandas = ["yes" if loads_pandas(c, args) else "no" for c in checkouts]
        if len(checkouts) == 2:
            ratio = statistics.median(
                a["cpu_s"] / b["cpu_s"] for a, b in zip(*runs, strict=True)
            )
            print(
                f"| `{label}` | {cpu[0]:.2f} s | {cpu[1]:.2f} s | {ratio:.2f} | "
                f"{peak[0]:.0f} / {peak[1]:.0f} | {pandas[0]} / {pandas[1]} |"
            )
        else:
            print(f"| `{label}` | {cpu[0]:.2f} s | | | {peak[0]:.0f} | {pandas[0]} |")
    print(f"\nload average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
