"""Risk-study LP: growth with scenarios, HiGHS methods, reduction accuracy, year size.

Usage::

    python benchmarks/bench_risk.py growth DAYS        # rows/cols/time, 1,2,4,8 scen.
    python benchmarks/bench_risk.py methods DAYS N     # decomposed, simplex, IPM
    python benchmarks/bench_risk.py reduce DAYS N K    # N paths reduced to K: cost
    python benchmarks/bench_risk.py solve DAYS N [M]   # build + solve N scenarios once
    python benchmarks/bench_risk.py bundled DAYS [M]   # the bundled study, E and CVaR

Every case is the bundled West-Texas risk study (fleets, battery, the fixed-price
block as a first-stage hedge; one weather year drawn per path) on its first ``DAYS``
days (365: the whole year, hourly), with its first ``N`` paths (renormalised).
``solve`` is the whole-process case to time with ``/usr/bin/time -v`` (peak RSS);
``solve DAYS 1`` is the deterministic solve it is compared with (the base study's
own BTC path, weather year 2019). ``M`` is the solve method: ``decomposed`` (the
default, :func:`grid_flex.studies.risk.solve_study`), or the extensive form whole by
``simplex``, ``ipm`` (with crossover) or ``ipm_nox`` (without). ``KEY=VALUE``
arguments patch the base (``--set``). ``bundled`` runs the
bundled study as ``grid-flex risk`` does for its two designs (risk-neutral, then CVaR
95 % at ω = 0.5 with its evaluation), printing both and the time of each step.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from typing import Any

import pandas as pd

from grid_flex.model.handoff import compile_model
from grid_flex.resources import scenarios_dir
from grid_flex.solve import SolveOptions, _highs, solve_model
from grid_flex.studies.risk import (
    RiskModel,
    RiskScenario,
    build_risk,
    evaluate_design,
    outcome,
    solve_outcome,
    solve_study,
)
from grid_flex.studies.risk_reduce import reduce_scenarios
from grid_flex.studies.risk_set import RiskStudy, gbm_scenarios, load_risk_study

STUDY = scenarios_dir() / "risk" / "west_texas_greenfield_2025_risk.yaml"


#: ``KEY=VALUE`` arguments after the others: ``--set`` patches of the base.
ASSIGNMENTS: list[str] = []


def study(days: int) -> RiskStudy:
    end = pd.Timestamp("2020-01-01") + pd.Timedelta(days=days)
    end = min(end, pd.Timestamp("2021-01-01"))
    return load_risk_study(
        STUDY, assignments=(f"horizon.end={end.isoformat()}", *ASSIGNMENTS)
    )


def paths(rs: RiskStudy, n: int) -> list[RiskScenario]:
    spec = {"paths": max(n, 20), "seed": 2028, "weather": "sample"}
    spec |= {"drift_frac_per_yr": 0.15, "volatility_frac_per_yr": 0.6}
    spec |= {"difficulty_tie_frac": 0.5}
    return [
        replace(s, probability=1.0 / n) for s in gbm_scenarios(rs.base, spec, "")[:n]
    ]


def growth(days: int) -> None:
    rs = study(days)
    print("scenarios rows cols nnz build_s compile_s highs_s")
    for n in (1, 2, 4, 8):
        t0 = time.perf_counter()
        rm = build_risk(rs.base, paths(rs, n), rs.base_dir, alpha=0.95, omega=0.0)
        t1 = time.perf_counter()
        lp = compile_model(rm.model)
        t2 = time.perf_counter()
        h = _highs(lp, SolveOptions())
        h.run()
        t3 = time.perf_counter()
        rows, cols = lp.shape
        nnz = len(lp.a.data)
        print(f"{n} {rows} {cols} {nnz} {t1 - t0:.2f} {t2 - t1:.2f} {t3 - t2:.2f}")


def solved(rm: RiskModel, method: str) -> Any:
    """Solve ``rm`` by ``method`` (see the module docstring)."""
    if method == "decomposed":
        return solve_study(rm, SolveOptions())
    opts = SolveOptions(
        method="simplex" if method == "simplex" else "ipm",
        sizing_method="monolithic",
    )
    if method != "ipm_nox":
        return solve_model(rm.model, opts)
    lp = compile_model(rm.model)
    h = _highs(lp, opts)
    h.setOptionValue("run_crossover", "off")
    h.run()
    print(f"ipm without crossover: objective {h.getInfo().objective_function_value}")
    return None


def methods(days: int, n: int) -> None:
    rs = study(days)
    rm = build_risk(rs.base, paths(rs, n), rs.base_dir, alpha=0.95, omega=0.0)
    t0 = time.perf_counter()
    sol = solve_study(rm, SolveOptions())
    print(
        f"decomposed s={time.perf_counter() - t0:.2f} (compile included) "
        f"objective={sol.objective:.2f} report={sol.report}"
    )
    lp = compile_model(rm.model)
    print(f"rows×cols={lp.shape}")
    for name, method, crossover in (
        ("simplex", "simplex", "on"),
        ("ipm+crossover", "ipm", "on"),
        ("ipm", "ipm", "off"),
    ):
        h = _highs(lp, SolveOptions(method=method))
        h.setOptionValue("run_crossover", crossover)
        t0 = time.perf_counter()
        h.run()
        info = h.getInfo()
        print(
            f"{name} highs_s={time.perf_counter() - t0:.2f} "
            f"objective={info.objective_function_value:.2f} "
            f"status={h.modelStatusToString(h.getModelStatus())}"
        )


def reduce(days: int, n: int, k: int) -> None:
    rs = study(days)
    full = paths(rs, n)
    opts = SolveOptions()
    t0 = time.perf_counter()
    rm = build_risk(rs.base, full, rs.base_dir, alpha=0.95, omega=0.0)
    rp = outcome(rm, solve_model(rm.model, opts), 0.95, 0.0)
    t1 = time.perf_counter()
    small = build_risk(
        rs.base, reduce_scenarios(full, k), rs.base_dir, alpha=0.95, omega=0.0
    )
    red = outcome(small, solve_model(small.model, opts), 0.95, 0.0)
    t2 = time.perf_counter()
    ev = evaluate_design(rm, red.capacities, opts, 0.95)
    gap = rp.objective_usd - ev.objective_usd
    print(f"full {n}: E[NPV]={rp.objective_usd:,.0f} USD in {t1 - t0:.1f} s")
    print(f"reduced {k}: estimate {red.objective_usd:,.0f} USD in {t2 - t1:.1f} s")
    print(
        f"reduced design on all {n}: {ev.objective_usd:,.0f} USD, "
        f"gap {gap:,.0f} USD ({gap / abs(rp.objective_usd):.3%})"
    )
    for key in rp.capacities:
        print(
            f"  {key}: full {rp.capacities[key]:.3f} reduced {red.capacities[key]:.3f}"
        )


def solve(days: int, n: int, method: str = "decomposed") -> None:
    rs = study(days)
    t0 = time.perf_counter()
    # n = 1: the deterministic study (the base's own BTC path, weather year 2019)
    sc = (
        paths(rs, n)
        if n > 1
        else [RiskScenario("base", 1.0, {"study": {"years_in_lp": "one"}})]
    )
    rm = build_risk(rs.base, sc, rs.base_dir, alpha=0.95, omega=0.0)
    t1 = time.perf_counter()
    sol = solved(rm, method)
    if sol is None:
        return
    out = outcome(rm, sol, 0.95, 0.0)
    print(
        f"{n} scenarios × {days} d ({method}): shape={sol.lp.shape} "
        f"E[NPV]={out.objective_usd:,.0f} USD build={t1 - t0:.1f} s "
        f"wall={time.perf_counter() - t0:.1f} s "
        f"timings={ {k: round(v, 2) for k, v in sol.timings_s.items()} } "
        f"report={getattr(sol, 'report', {})} "
        f"capacities={ {k: round(v, 3) for k, v in out.capacities.items()} }"
    )


def bundled(days: int, method: str = "decomposed") -> None:
    rs = study(days)
    t0 = time.perf_counter()
    rm = build_risk(rs.base, rs.scenarios, rs.base_dir, alpha=rs.alpha, omega=0.0)
    t1 = time.perf_counter()
    print(f"{len(rs.scenarios)} scenarios × {days} d: build {t1 - t0:.1f} s")
    neutral = outcome(rm, solved(rm, method), rs.alpha, 0.0)
    t2 = time.perf_counter()
    opts = SolveOptions(
        sizing_method="auto" if method == "decomposed" else "monolithic"
    )
    averse = solve_outcome(rm, opts, rs.alpha, rs.omega)[0]
    t3 = time.perf_counter()
    for name, o, dt in (("risk-neutral", neutral, t2 - t1), ("CVaR", averse, t3 - t2)):
        print(
            f"{name}: {dt:.1f} s E={o.risk['expected_usd']:,.0f} "
            f"VaR={o.risk['var_usd']:,.0f} CVaR={o.risk['cvar_usd']:,.0f} USD "
            f"capacities={ {k: round(v, 3) for k, v in o.capacities.items()} }"
        )
        print(o.scenario_results.to_string(index=False))


if __name__ == "__main__":
    what, *args = sys.argv[1:]
    run = {
        "growth": growth,
        "methods": methods,
        "reduce": reduce,
        "solve": solve,
        "bundled": bundled,
    }[what]
    ASSIGNMENTS.extend(a for a in args if "=" in a)
    run(*[int(a) if a.isdigit() else a for a in args if "=" not in a])
