"""grid-flex end to end against the floor, side by side, on every case.

Usage::

    python benchmarks/bench_floor.py [--repeat 3] [--warmup 1] [--case NAME ...]
                                     [--step 60|15] [--json FILE]

For each bundled scenario and benchmark case, at hourly and 15-minute steps:

1. save the exact LP grid-flex hands to HiGHS (``floor.py save``: MPS written by
   HiGHS's ``writeModel``) and check that HiGHS alone finds grid-flex's objective;
2. time, in turn (A B A B ...), ``grid-flex solve SCENARIO -q`` (A) and the floor
   process (B: ``floor.py solve``, which imports pandas, Pyomo's core and highspy and
   solves the saved file with HiGHS alone), after ``--warmup`` unmeasured pairs;
3. time a process that imports highspy only and solves the file ("HiGHS alone"), once,
   for its peak memory.

Scenarios with a ``rolling:`` section are left out (they solve many window LPs).
grid-flex's modules are compiled to bytecode first, as an installed package is.

Each run's wall time is read around the child process; CPU time and peak resident
memory are the kernel's accounting of the finished child (``os.wait4``), as
``/usr/bin/time -v`` reports them. Printed: medians, and the median of the paired
ratios A/B. ``--json FILE`` keeps every run.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FLOOR = HERE / "floor.py"


def cases() -> dict[str, str]:
    """name → scenario (bundled name or file) solved as one LP.

    Scenarios with a ``rolling:`` section solve hundreds of window LPs, not the one
    LP the floor solves; ``bench_rolling.py`` measures them against one solve.
    """
    from grid_flex.io.scenario import load_scenario

    out = {p.stem: p.stem for p in sorted((ROOT / "scenarios").glob("*.yaml"))}
    out |= {p.stem: str(p) for p in sorted(HERE.glob("*.yaml"))}
    return {n: sc for n, sc in out.items() if load_scenario(sc)[0].rolling is None}


def grid_flex_command() -> list[str]:
    """The ``grid-flex`` program of this interpreter's environment."""
    here = Path(sys.executable).with_name("grid-flex")
    found = str(here) if here.exists() else shutil.which("grid-flex")
    if found is None:
        sys.exit("grid-flex is not installed (pip install -e .)")
    return [found]


def timed(cmd: list[str]) -> dict[str, float]:
    """Run ``cmd``; its wall and CPU seconds and peak resident memory [MiB]."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024.0,  # Linux reports KiB
    }


def run_case(
    scenario: str, step: int, repeat: int, tmp: Path, warmup: int = 1
) -> dict[str, object]:
    """Save the LP, check the floor's optimum, time A/B pairs and HiGHS alone."""
    sets = ["--set", f"horizon.timestep_min={step}"]
    mps = tmp / f"{Path(scenario).stem}_{step}.mps"
    saved = subprocess.run(
        [sys.executable, str(FLOOR), "save", scenario, *sets, "--out", str(mps)],
        capture_output=True,
        text=True,
        check=True,
    )
    lp = json.loads(saved.stdout.strip().splitlines()[-1])
    floor_cmd = [sys.executable, str(FLOOR), "solve", str(mps)]
    checked = subprocess.run(floor_cmd, capture_output=True, text=True, check=True)
    floor_obj = json.loads(checked.stdout.strip().splitlines()[-1])["objective"]
    gap = abs(floor_obj - lp["objective"]) / max(1.0, abs(lp["objective"]))
    if gap > 1e-7:
        raise RuntimeError(f"{scenario}: HiGHS alone {floor_obj} vs {lp['objective']}")
    gf_cmd = [*grid_flex_command(), "solve", scenario, "-q", *sets]
    for _ in range(warmup):  # unmeasured: file cache
        timed(gf_cmd)
        timed(floor_cmd)
    a_runs, b_runs, alone_runs = [], [], []
    load = os.getloadavg()[0]
    for _ in range(repeat):
        a_runs.append(timed(gf_cmd))
        b_runs.append(timed(floor_cmd))
    alone_runs.append(timed([*floor_cmd, "--highspy-only"]))  # its peak barely moves
    mps.unlink()

    def med(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    def ratio(key: str) -> float:
        return statistics.median(
            a[key] / b[key] for a, b in zip(a_runs, b_runs, strict=True)
        )

    return {
        "rows": lp["rows"],
        "cols": lp["cols"],
        "objective": lp["objective"],
        "grid_flex_wall_s": med(a_runs, "wall_s"),
        "floor_wall_s": med(b_runs, "wall_s"),
        "wall_ratio": ratio("wall_s"),
        "cpu_ratio": ratio("cpu_s"),
        "grid_flex_peak_mib": med(a_runs, "peak_mib"),
        "floor_peak_mib": med(b_runs, "peak_mib"),
        "highs_alone_peak_mib": med(alone_runs, "peak_mib"),
        "load_1min": load,
        "runs": {"grid_flex": a_runs, "floor": b_runs, "highs_alone": alone_runs},
    }


TABLE_HEAD = (
    "| case | step | rows × cols | grid-flex | floor | wall ratio | cpu ratio "
    "| peak MiB grid-flex / floor / HiGHS alone | ÷ floor | ÷ HiGHS alone "
    "| load |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


def table_row(name: str, step: int, r: dict[str, Any]) -> str:
    """One case of :func:`run_case` as a row under :data:`TABLE_HEAD`."""
    return (
        f"| {name} | {step} min | {r['rows']:,} × {r['cols']:,} "
        f"| {r['grid_flex_wall_s']:.2f} s | {r['floor_wall_s']:.2f} s "
        f"| {r['wall_ratio']:.2f} | {r['cpu_ratio']:.2f} "
        f"| {r['grid_flex_peak_mib']:.0f} / {r['floor_peak_mib']:.0f} / "
        f"{r['highs_alone_peak_mib']:.0f} "
        f"| {r['grid_flex_peak_mib'] / r['floor_peak_mib']:.2f} "
        f"| {r['grid_flex_peak_mib'] / r['highs_alone_peak_mib']:.2f} "
        f"| {r['load_1min']:.1f} |"
    )


def main() -> None:
    """Run the cases and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured pairs")
    parser.add_argument("--case", action="append", help="only these (repeatable)")
    parser.add_argument("--step", type=int, action="append", choices=[60, 15])
    parser.add_argument("--json", type=Path, help="write every run here")
    args = parser.parse_args()
    steps = args.step or [60, 15]
    # An installed package runs from bytecode compiled once (pip, or the first
    # import); with PYTHONDONTWRITEBYTECODE set, every run would compile grid-flex's
    # ~100 modules again (0.2-0.3 s) while the libraries' bytecode is installed.
    compileall.compile_dir(ROOT / "grid_flex", quiet=1)
    print(TABLE_HEAD, flush=True)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, scenario in cases().items():
            if args.case and name not in args.case:
                continue
            for step in steps:
                try:
                    r = run_case(scenario, step, args.repeat, Path(tmp), args.warmup)
                except (RuntimeError, subprocess.CalledProcessError) as exc:
                    why = getattr(exc, "stderr", None) or str(exc)
                    print(f"| {name} | {step} min | not run: {why.strip()[-200:]} |")
                    continue
                results[f"{name}@{step}"] = r
                print(table_row(name, step, r), flush=True)
                if args.json:  # kept as the cases finish
                    args.json.write_text(json.dumps(results, indent=1), "utf-8")


if __name__ == "__main__":
    main()
