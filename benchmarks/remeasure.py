"""Re-measure the whole-process figures of benchmarks/README.md in one run.

Usage::

    python benchmarks/remeasure.py                      # everything within 14 min
    python benchmarks/remeasure.py --list               # items, estimates, commands
    python benchmarks/remeasure.py --only floor60 --only sizing
    python benchmarks/remeasure.py --long --budget-min 40   # also the long items
    python benchmarks/remeasure.py --json /tmp/rm1.json  # then what did not fit:
    python benchmarks/remeasure.py --rest /tmp/rm1.json --json /tmp/rm2.json

Every item is a README figure taken from whole processes: a command (A) timed in turn
with the one it is compared with (B), A B A B, and the paired medians of the A/B
ratios; or a benchmark script whose own printed table is the README's (run once, its
output reprinted). Wall time is read around the child, CPU time (user + system) and
peak resident memory are the kernel's accounting of the finished child
(``os.wait4``, what ``/usr/bin/time -v`` prints). The floor tables (``floor60``,
``floor15``) come from ``bench_floor.run_case``, one item per case.

Items run in priority order (the floor tables and the short paired figures first)
and an item starts only if its estimated time on a quiet 2-core machine still fits
in ``--budget-min`` (default 14 minutes): what does not fit is listed at the end
with the command that measures it alone. Items marked *long* (the year-modes study,
the 1,000-case sweep) run only with ``--long``. The tables are printed at the end in
README order, with the load average at each item's start.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bench_floor  # noqa: E402  (the floor runner beside this file)

PY = sys.executable
OUT = "{out}"  # replaced by a fresh folder or file per run


@dataclass
class Item:
    """One README figure: how to measure it and about how long that takes."""

    key: str  # --only name (several items may share one: a whole table)
    section: str  # README section the figure belongs to
    label: str
    est_s: float  # whole item on a quiet 2-core machine, generous
    run: Callable[[Path], list[str]]  # returns the Markdown rows it measured
    command: str  # what measures it alone
    long: bool = False
    rows: list[str] = field(default_factory=list)
    status: str = "not run"
    took_s: float = 0.0
    load: float = 0.0


def _timed(cmd: list[str], tmp: Path) -> dict[str, float]:
    """One run of ``cmd``; ``{out}`` in it becomes a path that does not exist yet."""
    out = Path(tempfile.mkdtemp(dir=tmp)) / "out"
    run = [a.replace(OUT, str(out)) for a in cmd]
    t0 = time.perf_counter()
    proc = subprocess.Popen(run, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    shutil.rmtree(out.parent, ignore_errors=True)
    code = os.waitstatus_to_exitcode(status)
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024,
        "exit": code,
        "stderr": err[-400:],  # type: ignore[dict-item]
    }


def _fmt(runs: list[dict[str, float]]) -> str:
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k != "stderr"}
    return f"{med['wall_s']:.2f} s / {med['cpu_s']:.2f} s / {med['peak_mib']:.0f} MiB"


def paired(
    a: list[str],
    b: list[str] | None,
    repeat: int,
    *,
    exit_a: int = 0,
    warmup: bool = True,
) -> Callable[[Path], list[str]]:
    """A B A B ... ``repeat`` times (after one unmeasured pair); one table row."""

    def run(tmp: Path) -> list[str]:
        def check(r: dict[str, Any], cmd: list[str], want: int) -> None:
            if r["exit"] != want:
                raise RuntimeError(
                    f"{' '.join(cmd)} exited {r['exit']}: {r['stderr'].strip()}"
                )

        if warmup:
            check(_timed(a, tmp), a, exit_a)
            if b is not None:
                check(_timed(b, tmp), b, 0)
        ra, rb = [], []
        for _ in range(repeat):
            ra.append(_timed(a, tmp))
            check(ra[-1], a, exit_a)
            if b is not None:
                rb.append(_timed(b, tmp))
                check(rb[-1], b, 0)
        if b is None:
            return [f"{_fmt(ra)} | | | | {repeat}"]

        def ratio(k: str) -> float:
            return statistics.median(x[k] / y[k] for x, y in zip(ra, rb, strict=True))

        return [
            f"{_fmt(ra)} | {_fmt(rb)} | {ratio('wall_s'):.2f} | "
            f"{ratio('cpu_s'):.2f} | {repeat}"
        ]

    return run


def script(cmd: list[str]) -> Callable[[Path], list[str]]:
    """A benchmark script run once: its printed lines, and its own whole-process row."""

    def run(tmp: Path) -> list[str]:
        out = Path(tempfile.mkdtemp(dir=tmp)) / "out"
        argv = [a.replace(OUT, str(out)) for a in cmd]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
        stdout, stderr = proc.communicate()
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"exit {proc.returncode}: {stderr.strip()[-400:]}")
        shutil.rmtree(out.parent, ignore_errors=True)
        lines = [ln for ln in stdout.splitlines() if ln.strip()]
        return [*lines, f"(whole script: {wall:.1f} s wall)"]

    return run


def floor_case(name: str, scenario: str, step: int) -> Callable[[Path], list[str]]:
    """One row of the floor table (``bench_floor.run_case``)."""

    def run(tmp: Path) -> list[str]:
        repeat = 2 if step == 60 else 1
        r = bench_floor.run_case(scenario, step, repeat, tmp, warmup=0)
        return [bench_floor.table_row(name, step, r)]

    return run


def prepared(
    prep: list[str], then: Callable[[Path], list[str]]
) -> Callable[[Path], list[str]]:
    """Run ``prep`` once (e.g. solve the folder a report reads), then measure."""

    def run(tmp: Path) -> list[str]:
        subprocess.run(prep, check=True, capture_output=True)
        return then(tmp)

    return run


# ---- the items -----------------------------------------------------------------------
#: Quiet-machine estimates [s] of one floor case (save + pairs + HiGHS alone).
FLOOR_EST = {
    60: {
        "all_programs_2020": 60,
        "west_texas_2020_sized": 45,
        "caiso_2020_regulation": 40,
        "caiso_ironmtn_2019": 18,
        "germany_2018_smard": 18,
        "houston_hospital_heat_2020": 20,
        "west_texas_2020": 18,
        "west_texas_gpu_mining_2020": 20,
        "west_texas_today": 18,
        "all_assets_2020": 22,
    },
    15: {
        "caiso_2020_regulation": 90,
        "houston_hospital_heat_2020": 75,
        "west_texas_gpu_mining_2020": 80,
        "west_texas_2020_sized": 90,
        "all_assets_2020": 35,
        "germany_2018_smard": 30,
        "caiso_ironmtn_2019": 28,
        "west_texas_2020": 30,
        "west_texas_today": 25,
        "uri_all_programs_2021": 25,
    },
}
#: Left out at 15 minutes (HiGHS alone needs minutes on it; README says so).
FLOOR15_SKIP = {"all_programs_2020"}


def items(gf: list[str], tmp: Path) -> list[Item]:
    """Every figure, in README order (run order is by priority, see main)."""
    spec80 = tmp / "sweep80.yaml"
    spec80.write_text(
        "base: west_texas_2020\ngrid:\n"
        "  - {path: hashprice.derive.btc_price_usd, "
        "range: {start: 8000, stop: 14000, num: 8}}\n"
        "  - {path: energy.adders_usd_per_mwh, range: {start: 0, stop: 20, num: 10}}\n",
        encoding="utf-8",
    )
    spec1000 = tmp / "sweep1000.yaml"
    bench = str(HERE)
    rolling = [
        "solve",
        "west_texas_2020",
        "--set",
        "assets.battery.final_soc=0.5",
    ]
    folder15 = tmp / "gf_year15"
    out: list[Item] = [
        Item(
            "pipeline",
            "Figures (pipeline)",
            "`grid-flex solve -q` on the default scenario, 3 runs",
            8,
            paired([*gf, "solve", "-q"], None, 3),
            "grid-flex solve -q",
        ),
        Item(
            "hashprice",
            "Hashprice paths and the pro forma",
            "A `bench_hashprice.py` / B `python -c 'import grid_flex.bitcoin, "
            "grid_flex.finance'`, 5 pairs",
            12,
            paired(
                [PY, f"{bench}/bench_hashprice.py"],
                [PY, "-c", "import grid_flex.bitcoin, grid_flex.finance"],
                5,
            ),
            "python benchmarks/bench_hashprice.py",
        ),
        Item(
            "rolling",
            "Rolling-horizon operation",
            "A rolling 48:24 / B one solve (README's A and B), 3 pairs",
            30,
            paired(
                [
                    *gf,
                    *rolling,
                    "--set",
                    "rolling.foresight=false",
                    "--rolling",
                    "48:24",
                    "-q",
                    "-o",
                    OUT,
                ],
                [*gf, *rolling, "-q", "-o", OUT],
                3,
            ),
            "see README, Rolling-horizon operation",
        ),
        Item(
            "reserves",
            "Reserves on the program-heavy year (HiGHS in-process, A/B)",
            "`bench_highs_programs.py benchmarks/all_programs_2020.yaml --versus "
            "ancillary_services --repeat 1`",
            45,
            script(
                [
                    PY,
                    f"{bench}/bench_highs_programs.py",
                    "benchmarks/all_programs_2020.yaml",
                    "--versus",
                    "ancillary_services",
                    "--repeat",
                    "1",
                ]
            ),
            "python benchmarks/bench_highs_programs.py "
            "benchmarks/all_programs_2020.yaml --versus ancillary_services --repeat 3",
        ),
        Item(
            "sizing",
            "Sizing and feasibility studies",
            "A `solve benchmarks/west_texas_2020_sized.yaml -q` / B `solve "
            "west_texas_2020 -q`, 3 pairs",
            35,
            paired(
                [*gf, "solve", "benchmarks/west_texas_2020_sized.yaml", "-q"],
                [*gf, "solve", "west_texas_2020", "-q"],
                3,
            ),
            "see README, Sizing and feasibility studies",
        ),
        Item(
            "size_study",
            "Sizing and feasibility studies",
            "`grid-flex size west_texas_greenfield_2025 -q -o DIR`, once",
            40,
            paired(
                [*gf, "size", "west_texas_greenfield_2025", "-q", "-o", OUT],
                None,
                1,
                warmup=False,
            ),
            "grid-flex size west_texas_greenfield_2025 -q -o DIR",
        ),
        Item(
            "year_modes",
            "How years enter the LP (bench_year_modes.py)",
            "`bench_year_modes.py --set study.bitcoin."
            "difficulty_growth_frac_per_yr=0.25`",
            200,
            script(
                [
                    PY,
                    f"{bench}/bench_year_modes.py",
                    "--set",
                    "study.bitcoin.difficulty_growth_frac_per_yr=0.25",
                ]
            ),
            "python benchmarks/bench_year_modes.py "
            "--set study.bitcoin.difficulty_growth_frac_per_yr=0.25",
            long=True,
        ),
        Item(
            "report",
            "The HTML report of a 15-minute year",
            "A `grid-flex report` of the 15-minute GPU year / B `python -c pass`, "
            "3 pairs (folder solved first, not timed)",
            30,
            prepared(
                [
                    *gf,
                    "solve",
                    "west_texas_gpu_mining_2020",
                    "--set",
                    "horizon.timestep_min=15",
                    "-q",
                    "-o",
                    str(folder15),
                ],
                paired(
                    [*gf, "report", str(folder15), "-q", "-o", f"{OUT}.html"],
                    [PY, "-c", "pass"],
                    3,
                ),
            ),
            "python benchmarks/bench_report.py --folder /tmp/gf_year15 --repeat 3",
        ),
        Item(
            "sweep_workers",
            "Sweeps and re-solves",
            "A `grid-flex sweep` of 80 cases (BTC × adders) `--workers 2` / B "
            "`--workers 1`, 1 pair",
            90,
            paired(
                [*gf, "sweep", str(spec80), "-q", "-o", OUT, "--workers", "2"],
                [*gf, "sweep", str(spec80), "-q", "-o", OUT, "--workers", "1"],
                1,
                warmup=False,
            ),
            "see README, Sweeps and re-solves",
        ),
        Item(
            "sweep_1000",
            "Sweeps and re-solves",
            "`grid-flex sweep` of 1,000 cases of the default year, `--workers 1`",
            260,
            prepared(
                [PY, f"{bench}/bench_sweep.py", "spec", "1000", str(spec1000)],
                paired(
                    [*gf, "sweep", str(spec1000), "-q", "-o", OUT, "--workers", "1"],
                    None,
                    1,
                    warmup=False,
                ),
            ),
            "python benchmarks/bench_sweep.py spec 1000 spec.yaml && "
            "grid-flex sweep spec.yaml -o runs/1000 --workers 1",
            long=True,
        ),
    ]
    out.append(
        Item(
            "light",
            "End to end against the floor (light commands)",
            "`bench_light.py --repeat 3` (no B: this checkout alone)",
            40,
            script([PY, f"{bench}/bench_light.py", "--repeat", "3"]),
            "python benchmarks/bench_light.py --repeat 3",
        )
    )
    for step in (60, 15):
        for name, scenario in bench_floor.cases().items():
            if step == 15 and name in FLOOR15_SKIP:
                continue
            out.append(
                Item(
                    f"floor{step}",
                    f"End to end against the floor ({step} min)",
                    name,
                    FLOOR_EST[step].get(name, 12 if step == 60 else 15),
                    floor_case(name, scenario, step),
                    f"python benchmarks/bench_floor.py --case {name} --step {step}",
                )
            )
    out += [
        Item(
            "peer",
            "Against the peer: the same LP in linopy",
            "`bench_peer.py --repeat 1` (both steps, both hand-offs)",
            90,
            script([PY, f"{bench}/bench_peer.py", "--repeat", "1"]),
            "python benchmarks/bench_peer.py --repeat 2",
        ),
        Item(
            "infeasible",
            "Infeasible means explained",
            "A `solve west_texas_gpu_mining_2020 --set site.import_limit_mw=1` "
            "(exit 1) / B the feasible solve, 3 pairs",
            35,
            paired(
                [
                    *gf,
                    "solve",
                    "west_texas_gpu_mining_2020",
                    "--set",
                    "site.import_limit_mw=1",
                    "-q",
                ],
                [*gf, "solve", "west_texas_gpu_mining_2020", "-q"],
                3,
                exit_a=1,
            ),
            "see README, Infeasible means explained",
        ),
        Item(
            "portfolio",
            "Portfolio: three sites against one",
            "`bench_portfolio.py --repeat 3` (nordic_2018)",
            45,
            script([PY, f"{bench}/bench_portfolio.py", "--repeat", "3"]),
            "python benchmarks/bench_portfolio.py --repeat 3",
        ),
        Item(
            "portfolio_texas",
            "Portfolio: three sites against one",
            "`bench_portfolio.py --repeat 1` on texas_2020 vs west_4cp",
            40,
            script(
                [
                    PY,
                    f"{bench}/bench_portfolio.py",
                    "--repeat",
                    "1",
                    "--spec",
                    "scenarios/portfolios/texas_2020.yaml",
                    "--site",
                    "scenarios/portfolios/texas_2020/west_4cp.yaml",
                ]
            ),
            "python benchmarks/bench_portfolio.py --repeat 1 --spec "
            "scenarios/portfolios/texas_2020.yaml --site "
            "scenarios/portfolios/texas_2020/west_4cp.yaml",
        ),
        Item(
            "risk",
            "Risk studies",
            "`bench_risk.py solve 365 1` (the deterministic year), once",
            25,
            paired(
                [PY, f"{bench}/bench_risk.py", "solve", "365", "1"],
                None,
                1,
                warmup=False,
            ),
            "/usr/bin/time -v python benchmarks/bench_risk.py solve 365 1",
        ),
    ]
    return out


#: Run order: the floor tables and the short paired figures first.
PRIORITY = [
    "floor60",
    "light",
    "pipeline",
    "hashprice",
    "rolling",
    "sizing",
    "infeasible",
    "report",
    "portfolio",
    "floor15",
    "peer",
    "size_study",
    "risk",
    "reserves",
    "portfolio_texas",
    "sweep_workers",
    "year_modes",
    "sweep_1000",
]

#: Items whose rows are a benchmark script's own printed table.
SCRIPTS = {
    "reserves",
    "year_modes",
    "peer",
    "portfolio",
    "portfolio_texas",
    "light",
}

PAIR_HEAD = (
    "| figure | A wall / cpu / peak | B wall / cpu / peak | A/B wall | A/B cpu "
    "| runs | load |\n|---|---|---|---|---|---|---|"
)


def main() -> None:
    """Measure what fits in the budget and print the tables in README order."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget-min", type=float, default=14.0)
    parser.add_argument("--only", action="append", help="item keys (repeatable)")
    parser.add_argument("--long", action="store_true", help="also the long items")
    parser.add_argument("--list", action="store_true", help="list items and exit")
    parser.add_argument("--json", type=Path, help="write every item's rows here")
    parser.add_argument(
        "--rest",
        type=Path,
        help="skip the items a previous run's --json file holds as measured",
    )
    args = parser.parse_args()
    done = set()
    if args.rest is not None:
        earlier = json.loads(args.rest.read_text(encoding="utf-8"))
        done = {(i["key"], i["label"]) for i in earlier if i["status"] == "measured"}
    os.chdir(ROOT)  # benchmark cases are given relative to the repository
    gf = bench_floor.grid_flex_command()
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        todo = items(gf, tmp)
        if args.list:
            for it in todo:
                flag = " (long)" if it.long else ""
                print(f"{it.key:16s} ~{it.est_s:4.0f} s{flag}  {it.label}")
            total = sum(it.est_s for it in todo if not it.long)
            print(f"estimated total without --long: {total / 60:.1f} min")
            return
        compileall.compile_dir(ROOT / "grid_flex", quiet=1)  # as installed
        order = sorted(todo, key=lambda it: PRIORITY.index(it.key))
        budget_s = args.budget_min * 60
        for it in order:
            if (args.only and it.key not in args.only) or (it.key, it.label) in done:
                it.status = "not asked"
                continue
            if it.long and not args.long:
                it.status = "long: run with --long"
                continue
            elapsed = time.perf_counter() - t_start
            if elapsed + it.est_s > budget_s:
                it.status = f"over budget: {it.command}"
                continue
            it.load = os.getloadavg()[0]
            print(
                f"[{elapsed / 60:5.1f} min] {it.key}: {it.label}",
                file=sys.stderr,
                flush=True,
            )
            t0 = time.perf_counter()
            try:
                it.rows = it.run(tmp)
                it.status = "measured"
            except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
                why = getattr(exc, "stderr", None) or str(exc)
                it.status = f"failed: {str(why).strip()[-300:]}"
            it.took_s = time.perf_counter() - t0
            if args.json:
                args.json.write_text(
                    json.dumps(
                        [
                            {
                                "key": i.key,
                                "label": i.label,
                                "status": i.status,
                                "rows": i.rows,
                                "took_s": i.took_s,
                                "load": i.load,
                            }
                            for i in todo
                        ],
                        indent=1,
                    ),
                    encoding="utf-8",
                )
        _print_tables(todo)
    print(
        f"\nwhole run {(time.perf_counter() - t_start) / 60:.1f} min; "
        f"load average at the end {os.getloadavg()[0]:.1f}"
    )


def _kind(it: Item) -> str:
    """How an item's rows print: ``floor``, ``script`` (as printed) or ``pair``."""
    if it.key.startswith("floor"):
        return "floor"
    return "script" if it.key in SCRIPTS else "pair"


def _print_tables(todo: list[Item]) -> None:
    """The measured rows by README section; what was not measured, and why."""
    head = None
    for it in todo:
        if it.status != "measured":
            continue
        kind = _kind(it)
        if (it.section, kind) != head:
            head = (it.section, kind)
            print(f"\n### {it.section}\n")
            if kind == "floor":
                print(bench_floor.TABLE_HEAD)
            elif kind == "pair":
                print(PAIR_HEAD)
        if kind == "pair":
            print(f"| {it.label} | {it.rows[0]} | {it.load:.1f} |")
        else:
            print("\n".join(it.rows))
    left = [it for it in todo if it.status not in ("measured", "not asked")]
    if left:
        print("\n### Not measured in this run\n")
        for it in left:
            print(f"- {it.key} ({it.label}): {it.status}")


if __name__ == "__main__":
    main()
