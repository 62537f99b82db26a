"""Sweep and re-solve benchmarks (figures in benchmarks/README.md).

    python benchmarks/bench_sweep.py overhead [--cases 8]    # per-case cost vs HiGHS
    python benchmarks/bench_sweep.py tradeoff [--points 8]   # warm vs cold re-solves
    python benchmarks/bench_sweep.py memory [--cases 300]    # RSS of one worker
    python benchmarks/bench_sweep.py spec N FILE [--days D]  # write an N-case spec

All on the default scenario (west_texas_2020, a year hourly) unless said otherwise.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time
from pathlib import Path

import numpy as np

import grid_flex as gf
from grid_flex.model.handoff import compile_model
from grid_flex.solve import SolveOptions, WarmStart
from grid_flex.studies.resolve import Resolver

ONE = SolveOptions(threads=1)


def btc_cases(n: int, days: int | None = None) -> list[gf.Scenario]:
    extra = [] if days is None else [f"horizon.end=2020-01-{1 + days:02d}T00:00:00"]
    prices = np.linspace(8000, 14000, n)
    return [
        gf.load_scenario(
            "west_texas_2020",
            assignments=[f"hashprice.derive.btc_price_usd={p:.2f}", *extra],
        )[0]
        for p in prices
    ]


def highs_alone_s(sc: gf.Scenario, base: Path) -> float:
    """HiGHS's own cold time on the case's LP (a fresh Highs, one thread)."""
    site = gf.build_model(gf.prepare_inputs(sc, base))
    lp = compile_model(site.model)
    warm = WarmStart(ONE)
    return warm.solve(lp).timings_s["highs_s"]


def overhead(n: int) -> None:
    base = gf.load_scenario("west_texas_2020")[1]
    cases = btc_cases(n)
    resolver = Resolver(ONE, freeze=True)  # as a sweep worker
    resolver.run(cases[0], base)  # the first case of a worker is cold
    wall, highs, build = [], [], []
    for sc in cases[1:]:
        t = time.perf_counter()
        res = resolver.run(sc, base)
        wall.append(time.perf_counter() - t)
        highs.append(res.timings_s["highs_s"])
        build.append(res.timings_s["build_s"])
    cold = [highs_alone_s(sc, base) for sc in cases[1:4]]
    t = time.perf_counter()
    for sc in cases[1:4]:
        gf.run(sc, base_dir=base, options=ONE)
        gc.collect()
    run_s = (time.perf_counter() - t) / 3
    m_wall, m_highs = statistics.median(wall), statistics.median(highs)
    print(f"warm cases: {len(wall)}, modes {resolver.modes}")
    print(f"per case wall (median)        {m_wall:.3f} s")
    print(f"  of which HiGHS (warm)       {m_highs:.3f} s")
    print(f"  prepare + numbers-only build {statistics.median(build):.3f} s")
    print(f"HiGHS alone, cold, same LPs   {statistics.median(cold):.3f} s")
    print(f"gf.run per case (cold, full)  {run_s:.3f} s")
    print(f"overhead beyond warm HiGHS    {(m_wall - m_highs) / m_highs:.0%}")
    print(f"per case vs HiGHS-alone cold  {m_wall / statistics.median(cold):.2f}x")
    print(f"speed-up vs gf.run per case   {run_s / m_wall:.2f}x")


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
    horizon = "" if days is None else f"set: {{horizon.end: 2020-01-{1 + days:02d}}}\n"
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


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="what", required=True)
    sub.add_parser("overhead").add_argument("--cases", type=int, default=8)
    sub.add_parser("tradeoff").add_argument("--points", type=int, default=8)
    sub.add_parser("memory").add_argument("--cases", type=int, default=300)
    s = sub.add_parser("spec")
    s.add_argument("n", type=int)
    s.add_argument("file", type=Path)
    s.add_argument("--days", type=int)
    args = p.parse_args()
    if args.what == "overhead":
        overhead(args.cases)
    elif args.what == "tradeoff":
        tradeoff(args.points)
    elif args.what == "memory":
        memory(args.cases)
    else:
        spec(args.n, args.file, args.days)


if __name__ == "__main__":
    main()
