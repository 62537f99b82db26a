"""Capacity decomposition: the same optimum as the whole LP, by hand and at random."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pyomo.environ as pyo
import pytest

from grid_flex.api import run
from grid_flex.decompose import (
    CapacityDecomposition,
    ModelSolver,
    columns_of,
    solve_lp,
)
from grid_flex.model.handoff import compile_model
from grid_flex.solve import SolveOptions, solve_compiled
from grid_flex.testing import assert_balance_closes, small_scenario

pytestmark = pytest.mark.solver

DECOMPOSED = SolveOptions(sizing_method="decomposed")


def hand_model(sense: int) -> pyo.ConcreteModel:
    """One capacity C ≤ 10 costing 3 per unit; x_t ≤ C and x_t ≤ 8 earn 5, 2, 1.

    Each unit of C up to 8 earns 5 + 2 + 1 − 3 = 5; beyond 8 it only costs 3: the
    optimum is C = 8 (inside the box), profit 8 · 5 = 40.
    """
    m = pyo.ConcreteModel()
    m.T = pyo.RangeSet(0, 2)
    m.C = pyo.Var(bounds=(0, 10))
    m.x = pyo.Var(m.T, bounds=(0, 8))
    m.cap = pyo.Constraint(m.T, rule=lambda m, t: m.x[t] <= m.C)
    profit = 5 * m.x[0] + 2 * m.x[1] + 1 * m.x[2] - 3 * m.C
    if sense < 0:
        m.obj = pyo.Objective(expr=profit, sense=pyo.maximize)
    else:
        m.obj = pyo.Objective(expr=-profit, sense=pyo.minimize)
    return m


@pytest.mark.parametrize("sense", [-1, 1])
def test_hand_case_interior_optimum_both_senses(sense):
    m = hand_model(sense)
    lp = compile_model(m)
    cols = columns_of(lp, [m.C])
    sol = solve_lp(lp, cols, DECOMPOSED)
    assert sol is not None
    assert sol.report["method"] == "decomposed"
    assert sol.objective == pytest.approx(-sense * 40.0, abs=1e-9)
    assert sol.x[cols[0]] == pytest.approx(8.0, abs=1e-9)
    whole = solve_compiled(lp)
    assert sol.objective == pytest.approx(whole.objective, abs=1e-9)


@pytest.mark.parametrize("sense", [-1, 1])
@pytest.mark.parametrize(("at", "slope"), [(3.0, 5.0), (9.0, -3.0)])
def test_cut_slope_is_the_objective_change_per_unit_of_capacity(sense, at, slope):
    # profit(C) = 5·C below 8 (each x_t = C), 40 − 3·(C − 8) above: slope 5 or −3;
    # in the LP's own sense the objective is profit (max) or −profit (min)
    m = hand_model(sense)
    lp = compile_model(m)
    dec = CapacityDecomposition(lp, columns_of(lp, [m.C]), DECOMPOSED)
    obj, grad = dec.cut([at])
    profit = 5 * at if at <= 8 else 40 - 3 * (at - 8)
    assert obj == pytest.approx(-sense * profit, abs=1e-9)
    assert grad[0] == pytest.approx(-sense * slope, abs=1e-9)
    h = 1e-3
    up, _ = dec.cut([at + h])
    down, _ = dec.cut([at - h])
    assert (up - down) / (2 * h) == pytest.approx(grad[0], abs=1e-6)


def random_model(seed: int, sense: int) -> tuple[pyo.ConcreteModel, list[object]]:
    """Capacities in rows of one and of several operating columns, both signs.

    Every row holds at x = 0 for C ≥ 0, so each subproblem is feasible.
    """
    rng = np.random.default_rng(seed)
    k, n = 3, 12
    m = pyo.ConcreteModel()
    m.K = pyo.RangeSet(0, k - 1)
    m.N = pyo.RangeSet(0, n - 1)
    m.C = pyo.Var(m.K, bounds=lambda _m, j: (0.0, float(rng.uniform(2, 9))))
    m.x = pyo.Var(m.N, bounds=(0, 10))
    # a copy of each capacity held to it by an equality (as a study block's copy)
    m.copy = pyo.Var(m.K, bounds=(0, 20))
    m.link = pyo.Constraint(m.K, rule=lambda m, j: 2 * m.copy[j] == 2 * m.C[j])
    m.rows = pyo.ConstraintList()
    for i in range(n):
        j = int(rng.integers(k))
        a = float(rng.uniform(0.5, 2.0))
        share = float(rng.uniform(0.3, 1.5))
        if i % 3 == 0:  # −a·x ≥ −share·C  (a negative coefficient)
            m.rows.add(-a * m.x[i] >= -share * m.C[j])
        elif i % 3 == 1:  # a·x ≤ share·copy + 0.5
            m.rows.add(a * m.x[i] <= share * m.copy[j] + 0.5)
        else:  # x_i + x_{i−1} ≤ share·C_j + 0.3·C_{j+1}
            m.rows.add(m.x[i] + m.x[i - 1] <= share * m.C[j] + 0.3 * m.C[(j + 1) % k])
    m.rows.add(sum(m.x[i] for i in range(n)) <= 30.0)  # no capacity in it
    m.rows.add(m.C[0] <= m.C[1] + 1.0)  # the first stage alone
    value = rng.uniform(1.0, 6.0, n)
    cost = rng.uniform(1.0, 8.0, k)
    profit = sum(float(value[i]) * m.x[i] for i in range(n)) - sum(
        float(cost[j]) * m.C[j] for j in range(k)
    )
    m.obj = pyo.Objective(
        expr=profit if sense < 0 else -profit,
        sense=pyo.maximize if sense < 0 else pyo.minimize,
    )
    return m, [m.C[j] for j in range(k)]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("sense", [-1, 1])
def test_random_lps_reach_the_whole_lps_optimum(seed, sense):
    m, first = random_model(seed, sense)
    lp = compile_model(m)
    cols = columns_of(lp, first)
    whole = solve_compiled(lp)
    sol = solve_lp(lp, cols, DECOMPOSED)
    assert sol is not None
    assert sol.report["method"] == "decomposed"
    assert sol.objective == pytest.approx(whole.objective, rel=1e-7, abs=1e-7)
    # the solution is feasible in the whole LP
    act = lp.A @ sol.x
    assert (act >= lp.row_lb - 1e-7).all()
    assert (act <= lp.row_ub + 1e-7).all()
    assert (sol.x >= lp.col_lb - 1e-9).all()
    assert (sol.x <= lp.col_ub + 1e-9).all()
    # the returned row duals are the whole LP's: the reduced costs c − Aᵀy vanish on
    # columns strictly inside their bounds (removed rows' duals included)
    d = lp.c - lp.A.T @ sol.row_duals
    inside = (sol.x > lp.col_lb + 1e-7) & (sol.x < lp.col_ub - 1e-7)
    inside[cols] = False
    assert np.abs(d[inside]).max(initial=0.0) < 1e-7


def test_gradient_matches_finite_differences_on_a_random_lp():
    m, first = random_model(3, -1)
    lp = compile_model(m)
    cols = columns_of(lp, first)
    dec = CapacityDecomposition(lp, cols, DECOMPOSED)
    assert len(dec.sub.alias_cols) == 3  # the copies are read as the capacities
    at = 0.5 * (lp.col_lb[cols] + lp.col_ub[cols]) + np.array([0.013, -0.021, 0.007])
    _, grad = dec.cut(at)
    h = 1e-4
    for j in range(len(cols)):
        e = np.zeros(len(cols))
        e[j] = h
        # the value function is piecewise linear: one-sided slopes bracket the cut
        up = (dec.cut(at + e)[0] - dec.cut(at)[0]) / h
        down = (dec.cut(at)[0] - dec.cut(at - e)[0]) / h
        lo, hi = sorted((up, down))
        assert lo - 1e-6 <= grad[j] <= hi + 1e-6


def test_iteration_limit_falls_back_to_the_whole_lp_and_says_so():
    m, first = random_model(5, -1)
    lp = compile_model(m)
    cols = columns_of(lp, first)
    opts = replace(DECOMPOSED, sizing_max_iterations=1, sizing_gap_frac=1e-12)
    sol = solve_lp(lp, cols, opts)
    assert sol is not None
    assert sol.report["method"] == "monolithic"
    assert "not closed" in sol.report["fallback"]
    assert sol.objective == pytest.approx(solve_compiled(lp).objective, rel=1e-9)


@pytest.mark.parametrize("entry", ["solve_lp", "ModelSolver"])
def test_fallback_gets_the_time_left_not_the_whole_limit(monkeypatch, entry):
    # a decomposition that spends 0.3 s of a 10 s limit and gives up: the whole LP
    # may use the 10 - 0.3 = 9.7 s left (it was given the whole 10 s again)
    import time

    import grid_flex.decompose as dmod

    def slow_give_up(self):
        time.sleep(0.3)
        self.report.fallback = "gave up"
        return None

    limits: list[float | None] = []

    def spy(fn):
        def wrapped(model_or_lp, options=None):
            limits.append(options.time_limit_s)
            return fn(model_or_lp, options)

        return wrapped

    monkeypatch.setattr(CapacityDecomposition, "solve", slow_give_up)
    monkeypatch.setattr(dmod, "solve_compiled", spy(dmod.solve_compiled))
    monkeypatch.setattr(dmod, "solve_model", spy(dmod.solve_model))
    m = hand_model(-1)
    opts = replace(DECOMPOSED, time_limit_s=10.0)
    if entry == "solve_lp":
        lp = compile_model(m)
        sol = solve_lp(lp, columns_of(lp, [m.C]), opts)
    else:
        sol = ModelSolver(m, [m.C], opts).solve()
    assert sol is not None
    assert sol.objective == pytest.approx(40.0)
    assert len(limits) == 1
    assert limits[0] is not None
    assert 9.0 < limits[0] <= 9.7 + 1e-9


def test_open_ended_capacity_falls_back_to_the_whole_lp():
    m = hand_model(-1)
    m.C.setub(None)
    lp = compile_model(m)
    sol = solve_lp(lp, columns_of(lp, [m.C]), DECOMPOSED)
    assert sol is not None
    assert sol.report["method"] == "monolithic"
    assert "finite bounds" in sol.report["fallback"]
    assert sol.objective == pytest.approx(40.0)


def test_iterations_are_logged_with_a_closing_gap():
    m, first = random_model(1, -1)
    lp = compile_model(m)
    dec = CapacityDecomposition(lp, columns_of(lp, first), DECOMPOSED)
    assert dec.solve() is not None
    its = dec.report.iterations
    assert its[0].step == "start"
    assert len(its) >= 2
    assert its[-1].gap_frac <= 1e-7
    # the best objective never gets worse (maximisation: never falls)
    best = [it.best_objective for it in its]
    assert all(b2 >= b1 - 1e-9 for b1, b2 in itertools.pairwise(best))
    assert "decomposition" in its[-1].line()


def test_model_solver_loads_the_optimum_and_re_solves_at_fixed_values():
    m = hand_model(-1)
    solver = ModelSolver(m, [m.C], DECOMPOSED)
    sol = solver.solve()
    assert sol.report["method"] == "decomposed"
    assert pyo.value(m.C) == pytest.approx(8.0)
    at5 = solver.solve_at([5.0])
    assert at5 is not None
    assert pyo.value(m.C) == pytest.approx(5.0)
    assert at5.objective == pytest.approx(25.0)  # 5 · 5


# ---- sized sites through the pipeline ------------------------------------------
def test_connection_sized_to_its_fleet_by_decomposition():
    # 1000 S21 = 3.5 MW at 100 % availability earn 119 − 35 USD/MWh every hour;
    # the connection (≤ 10 MW, 300 USD/kW over 30 yr = 10,000 USD/MW-yr) costs
    # 10,000 · 3/8760 USD per MW over 3 h: worth exactly the fleet's 3.5 MW.
    sc = small_scenario(
        [30.0, 40.0, 35.0],
        [
            {
                "type": "asic_fleet",
                "id": "fleet",
                "model": "asic/antminer_s21",
                "count": 1000,
                "availability_frac": 1.0,
                "pool_fee_frac": 0.0,
            }
        ],
        hashprice_usd_per_ths_day=0.05,
        site={
            "import_limit_mw": None,
            "size": {"capex_usd_per_kw": 300, "life_yr": 30, "max_mw": 10},
        },
        study={"discount_frac_per_yr": 0.0},
        solver={"sizing_method": "decomposed"},
    )
    res = run(sc)
    assert res.summary["sizing_solve"]["method"] == "decomposed"
    assert res.summary["capacities"]["site.import_mw"]["value"] == pytest.approx(3.5)
    mono = run(sc, assignments=["solver.sizing_method=monolithic"])
    assert res.objective_usd == pytest.approx(mono.objective_usd, rel=1e-9)
    assert_balance_closes(res)
