"""Sweep and re-solve benchmarks (figures in benchmarks/README.md).

    python benchmarks/bench_sweep.py overhead [--cases 21] [--path P --low L --high H]
    python benchmarks/bench_sweep.py tradeoff [--points 8]   # warm vs cold re-solves
    python benchmarks/bench_sweep.py memory [--cases 300]    # RSS of one worker
    python benchmarks/bench_sweep.py spec N FILE [--days D]  # write an N-case spec
    python benchmarks/bench_sweep.py ratios FILE [--repeat 1] [--workers 2]
    python benchmarks/bench_sweep.py stages FILE [--cases 30] [--start 300]

``stages`` runs cases of FILE as one sweep worker does (in this process, BLAS on
one thread, each row stored) and prints CPU per case by stage against HiGHS's own
CPU. ``ratios`` runs ``grid-flex sweep FILE`` as whole processes, one worker then N
workers, in turn; it prints the CPU beyond HiGHS's own (Σ of each case's HiGHS CPU
time, from the store, against the whole process tree's CPU) and the wall-clock
speed-up of N workers over one.

All on the default scenario (west_texas_2020, a year hourly) unless said otherwise.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import grid_flex as gf
from grid_flex.model.handoff import compile_model
from grid_flex.solve import SolveOptions, WarmStart
from grid_flex.studies.resolve import Resolver

ONE = SolveOptions(threads=1)


def btc_cases(n: int, days: int | None = None) -> list[gf.Scenario]:
    return axis_cases("hashprice.derive.btc_price_usd", 8000, 14000, n, days)


def axis_cases(
    path: str, low: float, high: float, n: int, days: int | None = None
) -> list[gf.Scenario]:
    """The default scenario at n values of ``path`` from low to high."""
    end = (pd.Timestamp("2020-01-01") + pd.Timedelta(days=days or 0)).date()
    extra = [] if days is None else [f"horizon.end={end}T00:00:00"]
    return [
        gf.load_scenario("west_texas_2020", assignments=[f"{path}={v:.4f}", *extra])[0]
        for v in np.linspace(low, high, n)
    ]


def highs_alone_s(sc: gf.Scenario, base: Path) -> float:
    """HiGHS's own cold time on the case's LP (a fresh Highs, one thread)."""
    site = gf.build_model(gf.prepare_inputs(sc, base))
    lp = compile_model(site.model)
    warm = WarmStart(ONE)
    return warm.solve(lp).timings_s["highs_s"]


def overhead(n: int, path: str, low: float, high: float) -> None:
    """Per-case wall of a sweep worker (run_case) against HiGHS's own time."""
    from grid_flex.studies import sweep as sw

    base = gf.load_scenario("west_texas_2020")[1]
    cases = axis_cases(path, low, high, n)
    sw._RESOLVER = Resolver(ONE, freeze=True)  # as a sweep worker
    tasks = [
        {"key": str(i), "scenario": sc.model_dump(mode="json"), "base_dir": str(base),
         "out": "", "timeseries": False, "run": "solve"}
        for i, sc in enumerate(cases)
    ]  # fmt: skip
    sw.run_case(tasks[0])  # the first case of a worker is cold
    stages: dict[str, list[float]] = {}
    original = Resolver._run

    def timed(self: Resolver, *args: object) -> object:
        res = original(self, *args)  # type: ignore[arg-type]
        for k, v in res.timings_s.items():
            stages.setdefault(k, []).append(v)
        return res

    Resolver._run = timed  # type: ignore[method-assign]
    wall = []
    for task in tasks[1:]:
        t = time.perf_counter()
        row = sw.run_case(task)
        wall.append(time.perf_counter() - t)
        assert row["status"] == "ok", row
    Resolver._run = original  # type: ignore[method-assign]
    cold = [highs_alone_s(sc, base) for sc in cases[1:3]]
    med = {k: statistics.median(v) for k, v in stages.items()}
    m_wall, m_highs = statistics.median(wall), med["highs_s"]
    print(f"{path} from {low} to {high}: {len(wall)} warm cases, "
          f"modes {sw._RESOLVER.modes}")  # fmt: skip
    print(f"per case wall (median)         {m_wall * 1e3:7.1f} ms")
    print(f"  HiGHS run (warm)             {m_highs * 1e3:7.1f} ms")
    print(f"  prepare + array build        {med['build_s'] * 1e3:7.1f} ms")
    print(f"  LP update (handoff)          {med['handoff_s'] * 1e3:7.1f} ms")
    print(f"  solution read (load)         {med['load_s'] * 1e3:7.1f} ms")
    print(f"  results extraction           {med['extract_s'] * 1e3:7.1f} ms")
    print(f"HiGHS alone, cold, same LP     {statistics.median(cold) * 1e3:7.1f} ms")
    print(f"per case wall / warm HiGHS     {m_wall / m_highs:7.2f}x "
          f"(overhead {(m_wall - m_highs) / m_highs:.0%})")  # fmt: skip
    print(f"per case wall / cold HiGHS     {m_wall / statistics.median(cold):7.2f}x")


def tradeoff(points: int) -> None:
    from grid_flex.tradeoff import _patched, _program_index

    sc, base = gf.load_scenario("houston_hospital_heat_2020")
    idx = _program_index(sc, None)
    cases = [
        _patched(sc, idx, cap_tco2=None, carbon_price_usd_per_tco2=float(p))
        for p in np.linspace(0, 500, points)
    ]
    t = time.perf_counter()
    cold = [gf.run(c, base_dir=base, options=ONE).objective_usd for c in cases]
    gc.collect()
    t_cold = time.perf_counter() - t
    t = time.perf_counter()
    resolver = Resolver(ONE)
    warm = [resolver.run(c, base).objective_usd for c in cases]
    t_warm = time.perf_counter() - t
    assert np.allclose(cold, warm, rtol=1e-9), (cold, warm)
    print(f"{points} carbon prices, houston_hospital_heat_2020 (year hourly)")
    print(
        f"cold (gf.run each): {t_cold:.2f} s; re-solved: {t_warm:.2f} s; "
        f"{t_cold / t_warm:.2f}x; modes {resolver.modes}"
    )


def rss_mb() -> float:
    with Path("/proc/self/statm").open() as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def memory(n: int) -> None:
    base = gf.load_scenario("west_texas_2020")[1]
    resolver = Resolver(ONE, freeze=True)  # as a sweep worker
    prices = np.linspace(8000, 14000, n)
    marks = []
    t0 = time.perf_counter()
    for i, p in enumerate(prices):
        sc = gf.load_scenario(
            "west_texas_2020", assignments=[f"hashprice.derive.btc_price_usd={p:.2f}"]
        )[0]
        resolver.run(sc, base)
        if i in (0, 9, 29, 99, 199, n - 1):
            marks.append((i + 1, rss_mb()))
            print(
                f"after {i + 1:4d} cases: RSS {marks[-1][1]:.0f} MB "
                f"({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
    ref = next(mb for k, mb in marks if k == 30)
    print(
        f"growth from case 30 to {n}: {(marks[-1][1] - ref) / ref:+.1%}; "
        f"modes {resolver.modes}"
    )


def spec(n: int, out: Path, days: int | None) -> None:
    """An n-case grid: BTC price × energy adders (× import limit), default year."""
    a = max(1, round(n ** (1 / 3)))
    b = max(1, round((n / a) ** 0.5))
    c = max(1, -(-n // (a * b)))
    end = (pd.Timestamp("2020-01-01") + pd.Timedelta(days=days or 0)).date()
    horizon = "" if days is None else f"set: {{horizon.end: {end}}}\n"
    out.write_text(
        "base: west_texas_2020\n" + horizon + "grid:\n"
        f"  - {{path: hashprice.derive.btc_price_usd, range: "
        f"{{start: 8000, stop: 14000, num: {a}}}}}\n"
        f"  - {{path: energy.adders_usd_per_mwh, range: "
        f"{{start: 0, stop: 20, num: {b}}}}}\n"
        f"  - {{path: site.import_limit_mw, range: "
        f"{{start: 40, stop: 80, num: {c}}}}}\n",
        encoding="utf-8",
    )
    print(f"{out}: {a} x {b} x {c} = {a * b * c} cases")


def _sweep_run(spec_file: Path, workers: int) -> dict[str, float]:
    """One ``grid-flex sweep`` from scratch: wall, CPU of its processes, HiGHS CPU."""
    out = Path(tempfile.mkdtemp(prefix="bench_sweep_")) / "out"
    code = "from grid_flex.cli import main; main()"
    cmd = [sys.executable, "-c", code, "sweep", str(spec_file), "-o", str(out), "-q"]
    t = time.perf_counter()
    proc = subprocess.Popen([*cmd, "--workers", str(workers)])
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    assert status == 0, f"{cmd} exited with {status}"
    from grid_flex.studies import sweep_store as store

    cases = [row for k in store.done_keys(out) for row in store.read_case(out, k)]
    shutil.rmtree(out.parent)
    assert all(c["status"] == "ok" for c in cases)
    return {
        "wall_s": wall,
        # wait4: the sweep process and the workers it waited for
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "highs_cpu_s": sum(c["highs_cpu_s"] for c in cases),
        "cases": len(cases),
        "rss_mb": usage.ru_maxrss / 1024,
    }


def ratios(spec_file: Path, repeat: int, workers: int) -> None:
    """Overhead beyond HiGHS and N workers against one, whole processes in turn."""
    runs: dict[int, list[dict[str, float]]] = {1: [], workers: []}
    for i in range(repeat):
        for w in (1, workers):
            r = _sweep_run(spec_file, w)
            runs[w].append(r)
            print(f"pair {i + 1}, {w} worker(s): wall {r['wall_s']:.1f} s, CPU "
                  f"{r['cpu_s']:.1f} s, HiGHS CPU {r['highs_cpu_s']:.1f} s, "
                  f"{r['cases']:.0f} cases, peak RSS {r['rss_mb']:.0f} MB, "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    for w, rs in runs.items():
        over = statistics.median(r["cpu_s"] / r["highs_cpu_s"] - 1 for r in rs)
        print(f"{w} worker(s): CPU beyond HiGHS {over:.1%} (median of {len(rs)})")
    speed = statistics.median(
        a["wall_s"] / b["wall_s"] for a, b in zip(runs[1], runs[workers], strict=True)
    )
    print(f"{workers} workers vs 1: {speed:.2f}x faster (wall, median of pairs)")


def stages(spec_file: Path, n: int, start: int) -> None:
    """CPU per case by stage (process time; no profiler) as a sweep worker."""
    import collections
    from collections.abc import Callable
    from typing import Any

    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    import grid_flex.io.scenario as gio
    import grid_flex.studies.resolve as rs
    from grid_flex.studies import sweep as sw
    from grid_flex.studies.sweep_spec import expand, read_spec

    spent: dict[str, float] = collections.defaultdict(float)

    def timed(owner: Any, name: str, label: str) -> None:
        f: Callable[..., Any] = getattr(owner, name)

        def run(*a: Any, **k: Any) -> Any:
            t = time.process_time()
            try:
                return f(*a, **k)
            finally:
                spent[label] += time.process_time() - t

        setattr(owner, name, run)

    for owner, name, label in (
        (gio, "scenario_from_dict", "scenario validated"),
        (rs, "prepare_inputs", "inputs prepared"),
        (rs, "build_site", "array-only build"),
        (rs, "compile_arrays", "LP compiled"),
        (WarmStart, "solve", "LP update + HiGHS + solution read"),
        (rs, "extract", "results extracted (KPIs)"),
        (rs.gc, "collect", "garbage collection"),
        (sw.store, "write_case", "row stored"),
    ):
        timed(owner, name, label)
    spec, folder = read_spec(spec_file)
    cases = expand(spec, folder)[start : start + n + 1]
    root = Path(tempfile.mkdtemp(prefix="bench_sweep_")) / "out"
    sw.store.prepare_folder(root)
    tasks = [sw._task(c, root, False) for c in cases]
    with threadpool_limits(limits=1):
        sw.run_case(tasks[0])  # cold
        spent.clear()
        cpu = time.process_time()
        rows = []
        for task in tasks[1:]:
            rows.append(sw.run_case(task))
            sw.store.write_case(root, rows[-1])
        cpu = time.process_time() - cpu
    shutil.rmtree(root.parent)
    highs = sum(r["highs_cpu_s"] for r in rows)
    k = len(rows)
    print(f"{k} cases from case {start + 1} of {spec_file}, load "
          f"{os.getloadavg()[0]:.1f}: CPU {cpu / k * 1e3:.1f} ms a case, HiGHS "
          f"{highs / k * 1e3:.1f} ms, beyond HiGHS {(cpu - highs) / k * 1e3:.1f} ms "
          f"({(cpu - highs) / highs:.1%})")  # fmt: skip
    for label, s in spent.items():
        extra = s - highs if label.startswith("LP update") else s
        shown = label.replace("HiGHS + ", "") if label.startswith("LP") else label
        print(f"  {shown:36s} {extra / k * 1e3:6.2f} ms")


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="what", required=True)
    o = sub.add_parser("overhead")
    o.add_argument("--cases", type=int, default=21)
    o.add_argument("--path", default="hashprice.derive.btc_price_usd")
    o.add_argument("--low", type=float, default=8000)
    o.add_argument("--high", type=float, default=14000)
    sub.add_parser("tradeoff").add_argument("--points", type=int, default=8)
    sub.add_parser("memory").add_argument("--cases", type=int, default=300)
    s = sub.add_parser("spec")
    s.add_argument("n", type=int)
    s.add_argument("file", type=Path)
    s.add_argument("--days", type=int)
    r = sub.add_parser("ratios")
    r.add_argument("file", type=Path)
    r.add_argument("--repeat", type=int, default=1)
    r.add_argument("--workers", type=int, default=2)
    st = sub.add_parser("stages")
    st.add_argument("file", type=Path)
    st.add_argument("--cases", type=int, default=30)
    st.add_argument("--start", type=int, default=300)
    args = p.parse_args()
    if args.what == "overhead":
        overhead(args.cases, args.path, args.low, args.high)
    elif args.what == "tradeoff":
        tradeoff(args.points)
    elif args.what == "memory":
        memory(args.cases)
    elif args.what == "ratios":
        ratios(args.file, args.repeat, args.workers)
    elif args.what == "stages":
        stages(args.file, args.cases, args.start)
    else:
        spec(args.n, args.file, args.days)


if __name__ == "__main__":
    main()
