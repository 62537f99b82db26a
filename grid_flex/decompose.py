"""Solve an LP whose few first-stage columns couple everything: capacity decomposition.

A sized LP (a site's capacities, a study's capacities shared by its years, a risk
study's first-stage decisions) has a handful of columns ``C`` that appear in thousands
of rows. With ``C`` fixed the rest is an operating LP: quick to solve, and quicker to
re-solve from the previous basis when only ``C`` moves. Write ``F(C)`` for its optimum
in the minimisation convention (``F = −profit`` for a maximisation). ``F`` is convex
and piecewise linear in ``C``, and the reduced costs of the fixed columns are a
subgradient ``g`` (they are the change of the optimum per unit of each column's
bound). Each solve gives a Benders cut ``θ ≥ F(C_k) + g_k · (C − C_k)``; a master LP
over the box of ``C`` (its columns' bounds) picks the next ``C``.

Plain cutting planes (Kelley) jump between far corners of the box and can take very
many iterations. The master here is stabilised by a box-shaped trust region around
the best point found (Linderoth & Wright 2003, "Decomposition algorithms for
stochastic programming on a computational grid"): a step that does not improve on
the best point halves the box, a long step that does doubles it.

**Exact to a stated tolerance.** Every cut supports ``F``, so the minimum of the cuts
over the whole box, ``LB``, is a lower bound on the LP's optimum, and the best point
``C*`` is feasible. The loop stops when ``F(C*) − LB ≤ gap_frac · max(1, |F(C*)|)``
(default ``1e-7``), so the objective returned is the monolithic optimum to that
relative tolerance. The solution returned is the operating LP's at ``C*`` (its
primal values and row duals), which is the monolithic LP's solution with the
first-stage columns at ``C*``. Where several sizes are optimal the decomposition may
return another of them than the monolithic solve.

**Limits.** Every first-stage column needs finite bounds (the box must be bounded);
the subproblem must be feasible at every ``C`` the master tries; HiGHS must solve
each subproblem. When any of these fails, or the gap is not closed within
``max_iterations`` subproblem solves, :class:`CapacityDecomposition` gives up and says
why (``report["fallback"]``); :func:`solve_lp` then solves the LP whole
(monolithic), which also explains infeasible and unbounded LPs in the scenario's
terms.

**For other first-stage decisions (risk studies).** Any LP works: pass its
:class:`~grid_flex.model.handoff.CompiledLP` (``compile_model(model)`` for a Pyomo
extensive form) and the column positions of the first-stage variables
(:func:`columns_of` finds them from Pyomo variables): capacities, hedge volumes,
commitments, CVaR's ``η`` (give ``η`` finite bounds, e.g. the least and most any
scenario's loss can be). :func:`solve_lp` picks the method from
:class:`~grid_flex.solve.SolveOptions` (``sizing_method``); a model to load the
optimum into is :func:`solve_model_lp`'s job.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import highspy
import numpy as np
from numpy.typing import ArrayLike

from grid_flex.model.handoff import CompiledLP, compile_model
from grid_flex.model.linear import FloatArray, IntArray
from grid_flex.model.subproblem import Subproblem
from grid_flex.solve import (
    Solution,
    SolveOptions,
    _finite,
    _highs,
    _load,
    _new_highs,
    _run,
    solve_compiled,
    solve_model,
    try_solve_compiled,
)

#: ``auto`` decomposes when the LP has at most this many first-stage columns ...
AUTO_MAX_FIRST_STAGE = 40
#: ... and at least this many nonzeros (below it the whole LP solves in well under a
#: second and a few re-solves would not pay).
AUTO_MIN_NONZEROS = 50_000
#: A step is "serious" (the new best point) when it achieves this share of the
#: decrease the master predicted.
SERIOUS_STEP_FRAC = 1e-4
#: Half-width of the first trust region, as a share of each column's range.
INITIAL_RADIUS_FRAC = 1.0
#: Smallest trust-region half-width, as a share of each column's range.
MIN_RADIUS_FRAC = 1e-6
#: A column's bounds may cross by this much from rounding (then they are made equal).
BOUND_TOLERANCE = 1e-9
#: Tolerances of the master LP (its numbers are scaled to order one).
MASTER_TOLERANCE = 1e-10


@dataclass
class Iteration:
    """One subproblem solve of the decomposition (objectives in the LP's sense)."""

    iteration: int
    objective: float
    best_objective: float
    bound: float
    gap_frac: float
    radius_frac: float
    step: str
    highs_s: float
    simplex_iterations: int
    values: list[float] = field(default_factory=list)

    def line(self) -> str:
        """One log line."""
        return (
            f"decomposition {self.iteration:3d}: objective {self.objective:,.2f} "
            f"best {self.best_objective:,.2f} bound {self.bound:,.2f} "
            f"gap {self.gap_frac:.1e} radius {self.radius_frac:.3g} ({self.step}, "
            f"{self.highs_s:.2f} s, {self.simplex_iterations} simplex iterations) "
            f"at {_fmt(np.asarray(self.values))}"
        )


@dataclass
class DecompositionReport:
    """What the decomposition did: iterations, final gap, and why it gave up if so."""

    first_stage: int
    iterations: list[Iteration] = field(default_factory=list)
    gap_frac: float = math.inf
    fallback: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able summary (for ``summary.json``)."""
        out: dict[str, Any] = {
            "method": "monolithic" if self.fallback else "decomposed",
            "first_stage_columns": self.first_stage,
            "solves": sum(1 for it in self.iterations if it.step != "widen"),
            "gap_frac": self.gap_frac if math.isfinite(self.gap_frac) else None,
        }
        if self.fallback:
            out["fallback"] = self.fallback
        return out


@dataclass(frozen=True)
class _Point:
    """The whole LP's column values and row duals at one first stage."""

    x: FloatArray
    row_duals: FloatArray


class GiveUp(Exception):
    """The decomposition cannot go on; the message says why."""


class CapacityDecomposition:
    """Benders decomposition of ``lp`` over its ``first_stage`` columns.

    One HiGHS model of ``lp`` is kept: each evaluation fixes the first-stage
    columns' bounds and re-solves from the last basis. :meth:`solve` finds the
    optimum; :meth:`solve_at` re-solves with the first stage fixed at given values
    (a rounded design, business as usual) from the same basis.

    Parameters
    ----------
    lp : CompiledLP
        The whole LP (first-stage columns free within their bounds).
    first_stage : sequence of int
        Column positions of the first-stage decisions.
    options : SolveOptions, optional
        HiGHS settings and ``sizing_gap_frac``, ``sizing_max_iterations``.
    """

    def __init__(
        self,
        lp: CompiledLP,
        first_stage: Sequence[int] | IntArray,
        options: SolveOptions | None = None,
    ) -> None:
        self.lp = lp
        self.options = options or SolveOptions()
        self.cols = np.asarray(first_stage, dtype=np.int64)
        self.report = DecompositionReport(first_stage=len(self.cols))
        self.lo = lp.col_lb[self.cols].astype(float)
        self.hi = lp.col_ub[self.cols].astype(float)
        self.sub = Subproblem(lp, self.cols)
        self._rows_u: tuple[FloatArray, FloatArray, FloatArray] = self.sub.master_rows
        self._moving_cols = np.union1d(self.sub.param_cols, self.sub.bounded_cols)
        self._moving_rows = self.sub.shifted_rows
        self._h: highspy.Highs | None = None
        self._t0 = time.perf_counter()
        self.highs_s = 0.0
        self.master_s = 0.0

    # ---- subproblem ---------------------------------------------------------------
    def _evaluate(
        self, values: FloatArray
    ) -> tuple[float, FloatArray, _Point, int, float]:
        """Solve with the first stage at ``values``: F, g, point, iterations, s."""
        sub = self.sub
        b = sub.bounds(values)
        crossed = b.col_lb > b.col_ub
        if crossed.any():
            if (b.col_lb - b.col_ub)[crossed].max() > BOUND_TOLERANCE:
                raise GiveUp(
                    f"the LP is infeasible with the first stage at {_fmt(values)}"
                )
            b.col_ub[crossed] = b.col_lb[crossed]
        if self._h is None:
            self._h = _highs(
                replace(
                    sub.lp,
                    col_lb=b.col_lb,
                    col_ub=b.col_ub,
                    row_lb=b.row_lb,
                    row_ub=b.row_ub,
                ),
                self.options,
            )
        else:
            j = self._moving_cols
            self._h.changeColsBounds(
                len(j), j.astype(np.int32), _finite(b.col_lb[j]), _finite(b.col_ub[j])
            )
            i = self._moving_rows
            if len(i):
                self._h.changeRowsBounds(  # type: ignore[attr-defined]
                    len(i),
                    i.astype(np.int32),
                    _finite(b.row_lb[i]),
                    _finite(b.row_ub[i]),
                )
        h = self._h
        limit = self.options.time_limit_s
        if limit is not None:
            left = limit - (time.perf_counter() - self._t0)
            if left <= 0:
                raise GiveUp("the time limit was reached")
            h.setOptionValue("time_limit", float(left))
        t0 = time.perf_counter()
        _run(h, self.options)
        dt = time.perf_counter() - t0
        self.highs_s += dt
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise GiveUp(
                f"HiGHS found the LP with the first stage fixed "
                f"{h.modelStatusToString(status)} at {_fmt(values)}"
            )
        # Later solves start from this basis: dual simplex after bound changes.
        h.setOptionValue("solver", "simplex")
        info = h.getInfo()
        sol = h.getSolution()
        sense = self.lp.sense
        col_duals = np.asarray(sol.col_dual, dtype=float)
        y = sub.whole_row_duals(
            b, np.asarray(sol.row_dual, dtype=float), col_duals, sense * col_duals > 0
        )
        point = _Point(np.asarray(sol.col_value, dtype=float), y)
        f = sense * float(self.lp.c @ point.x + self.lp.c0)
        # d(objective)/dC in the objective's sense; F is in the minimising sense.
        g = sense * sub.gradient(y)
        return f, g, point, int(info.simplex_iteration_count), dt

    def _solution(self, point: _Point, timings: dict[str, float]) -> Solution:
        return Solution(
            objective=float(self.lp.c @ point.x + self.lp.c0),
            x=point.x,
            row_duals=point.row_duals,
            lp=self.lp,
            timings_s=timings,
            report=self.report.as_dict(),
        )

    def cut(self, values: ArrayLike) -> tuple[float, FloatArray]:
        """The LP's optimum with the first stage at ``values`` and its gradient.

        Both in the objective's own sense: ``d(objective)/d(value)`` of each
        first-stage column (a subgradient where the optimum has a kink).
        """
        f, g, _point, _it, _dt = self._evaluate(np.asarray(values, dtype=float))
        sense = self.lp.sense
        return sense * f, sense * g

    def solve_at(self, values: ArrayLike) -> Solution:
        """Re-solve with the first stage fixed at ``values`` (warm, same HiGHS model).

        Raises :class:`GiveUp` when HiGHS does not find an optimum there.
        """
        v = np.asarray(values, dtype=float)
        _f, _g, sol, _it, dt = self._evaluate(v)
        return self._solution(sol, {"highs_s": dt})

    # ---- the loop -----------------------------------------------------------------
    def solve(self) -> Solution | None:
        """The optimum within ``sizing_gap_frac``; None when giving up (see report)."""
        try:
            return self._solve()
        except GiveUp as exc:
            self.report.fallback = str(exc)
            return None

    def _solve(self) -> Solution:
        opts = self.options
        tol = opts.sizing_gap_frac
        if len(self.cols) == 0:
            raise GiveUp("the LP has no first-stage columns")
        if not (np.isfinite(self.lo).all() and np.isfinite(self.hi).all()):
            bad = [
                str(j)
                for j, lo, hi in zip(self.cols, self.lo, self.hi, strict=True)
                if not (math.isfinite(lo) and math.isfinite(hi))
            ]
            raise GiveUp(
                "first-stage columns without finite bounds (a size without max): "
                + ", ".join(bad[:5])
            )
        width = np.where(self.hi > self.lo, self.hi - self.lo, 1.0)
        span = (self.hi > self.lo).astype(float)  # 0: a fixed column stays put
        k = len(self.cols)

        def to_c(u: FloatArray) -> FloatArray:
            out: FloatArray = np.clip(self.lo + u * width * span, self.lo, self.hi)
            return out

        # Rows over the first stage alone, L ≤ B·C ≤ U, in u: B·w·u ∈ [L, U] − B·lo.
        rb, rl, ru = self.sub.master_rows
        self._rows_u = (rb * (width * span), rl - rb @ self.lo, ru - rb @ self.lo)
        u_best = self._start(span)
        f_best, g, sol, its, dt = self._evaluate(to_c(u_best))
        best_sol = sol
        ref, scale = f_best, max(1.0, abs(f_best))
        # Cuts in the scaled space: θ' ≥ a + b·(u − u_k), θ' = (θ − ref)/scale.
        cuts_a: list[float] = [(f_best - ref) / scale]
        cuts_b: list[FloatArray] = [g * width * span / scale]
        cuts_u: list[FloatArray] = [u_best.copy()]
        radius = INITIAL_RADIUS_FRAC  # half-width of the trust region (share)
        self._log(0, f_best, f_best, -math.inf, radius, "start", dt, its, to_c(u_best))
        for it in range(1, max(1, opts.sizing_max_iterations) + 1):
            t0 = time.perf_counter()
            bound_u, bound = self._master(cuts_a, cuts_b, cuts_u, np.zeros(k), span)
            lb = ref + scale * bound
            gap = (f_best - lb) / max(1.0, abs(f_best))
            self.report.gap_frac = max(gap, 0.0)
            if gap <= tol:
                self.master_s += time.perf_counter() - t0
                self._set_bound(lb)
                break
            lo_u = np.maximum(0.0, u_best - radius) * span
            hi_u = np.minimum(1.0, u_best + radius) * span
            if radius >= 1.0:
                u_new, model = bound_u, bound
            else:
                u_new, model = self._master(cuts_a, cuts_b, cuts_u, lo_u, hi_u)
            self.master_s += time.perf_counter() - t0
            predicted = (f_best - ref) / scale - model  # scaled decrease
            if predicted * scale <= tol * max(1.0, abs(f_best)):
                # No decrease within the region but some in the box: widen it.
                radius = min(1.0, 2.0 * radius)
                self._log(it, f_best, f_best, lb, radius, "widen", 0.0, 0, to_c(u_best))
                continue
            f_new, g, sol, its, dt = self._evaluate(to_c(u_new))
            cuts_a.append((f_new - ref) / scale)
            cuts_b.append(g * width * span / scale)
            cuts_u.append(u_new.copy())
            decrease = (f_best - f_new) / scale
            if decrease >= SERIOUS_STEP_FRAC * predicted:
                long_step = float(np.max(np.abs(u_new - u_best), initial=0.0))
                if decrease >= 0.5 * predicted and long_step >= radius - 1e-9:
                    radius = min(1.0, 2.0 * radius)
                u_best, f_best, best_sol = u_new, f_new, sol
                step = "serious"
            else:
                if f_new >= f_best:
                    radius = max(MIN_RADIUS_FRAC, 0.5 * radius)
                step = "null"
            self._log(it, f_new, f_best, lb, radius, step, dt, its, to_c(u_new))
        else:
            raise GiveUp(
                f"the gap ({self.report.gap_frac:.1e}) was not closed to "
                f"{tol:.0e} in {opts.sizing_max_iterations} subproblem solves"
            )
        timings = {"highs_s": self.highs_s, "master_s": self.master_s}
        return self._solution(best_sol, timings)

    def _set_bound(self, lb: float) -> None:
        if self.report.iterations:
            self.report.iterations[-1].bound = self.lp.sense * lb

    def _log(
        self,
        it: int,
        f: float,
        best: float,
        lb: float,
        radius: float,
        step: str,
        dt: float,
        its: int,
        values: FloatArray,
    ) -> None:
        sense = self.lp.sense
        row = Iteration(
            iteration=it,
            objective=sense * f,
            best_objective=sense * best,
            bound=sense * lb,
            gap_frac=(best - lb) / max(1.0, abs(best)),
            radius_frac=radius,
            step=step,
            highs_s=dt,
            simplex_iterations=its,
            values=values.tolist(),
        )
        self.report.iterations.append(row)
        if self.options.verbose:
            sys.stderr.write(row.line() + "\n")

    def _master(
        self,
        cuts_a: list[float],
        cuts_b: list[FloatArray],
        cuts_u: list[FloatArray],
        lo_u: FloatArray,
        hi_u: FloatArray,
    ) -> tuple[FloatArray, float]:
        """``min θ' s.t. θ' ≥ a_k + b_k·(u − u_k), lo_u ≤ u ≤ hi_u``: (u, θ')."""
        k = len(lo_u)
        inf = highspy.kHighsInf
        m = _new_highs(False)
        m.setOptionValue("primal_feasibility_tolerance", MASTER_TOLERANCE)
        m.setOptionValue("dual_feasibility_tolerance", MASTER_TOLERANCE)
        m.addVars(k + 1, np.r_[lo_u, -inf], np.r_[hi_u, inf])
        cost = np.zeros(k + 1)
        cost[k] = 1.0
        m.changeColsCost(k + 1, np.arange(k + 1, dtype=np.int32), cost)
        n = len(cuts_a)
        b = np.asarray(cuts_b)
        # θ' − b·u ≥ a − b·u_k
        lower = np.asarray(cuts_a) - np.einsum("ij,ij->i", b, np.asarray(cuts_u))
        values = np.hstack([-b, np.ones((n, 1))]).ravel()
        index = np.tile(np.arange(k + 1, dtype=np.int32), n)
        starts = np.arange(n, dtype=np.int32) * (k + 1)
        m.addRows(n, lower, np.full(n, inf), len(values), starts, index, values)
        self._add_rows(m, k + 1)
        m.run()
        if m.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise GiveUp(
                "the master LP stopped without an optimum: "
                + m.modelStatusToString(m.getModelStatus())
            )
        u = np.asarray(m.getSolution().col_value, dtype=float)
        return np.clip(u[:k], lo_u, hi_u), float(u[k])

    def _add_rows(self, m: highspy.Highs, ncol: int) -> None:
        """The rows over the first stage alone, on the master's first columns."""
        b, lo, hi = self._rows_u
        n, k = b.shape
        if n == 0:
            return
        values = np.hstack([b, np.zeros((n, ncol - k))]).ravel()
        index = np.tile(np.arange(ncol, dtype=np.int32), n)
        starts = np.arange(n, dtype=np.int32) * ncol
        m.addRows(n, _finite(lo), _finite(hi), len(values), starts, index, values)

    def _start(self, span: FloatArray) -> FloatArray:
        """The middle of the box, or the point nearest it (L1) that meets the rows."""
        mid = 0.5 * span
        b, lo, hi = self._rows_u
        act = b @ mid
        if len(act) == 0 or bool(((act >= lo - 1e-9) & (act <= hi + 1e-9)).all()):
            return mid
        k = len(span)
        inf = highspy.kHighsInf
        m = _new_highs(False)
        # columns: u (k), t (k) with t ≥ |u − mid|; minimise Σ t.
        m.addVars(2 * k, np.zeros(2 * k), np.r_[span, np.full(k, inf)])
        m.changeColsCost(
            2 * k, np.arange(2 * k, dtype=np.int32), np.r_[np.zeros(k), np.ones(k)]
        )
        for i in range(k):
            for sign in (1.0, -1.0):  # t_i − sign·u_i ≥ −sign·mid_i
                m.addRow(
                    -sign * mid[i],
                    inf,
                    2,
                    np.array([k + i, i], dtype=np.int32),
                    np.array([1.0, -sign]),
                )
        self._add_rows(m, 2 * k)
        m.run()
        if m.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise GiveUp("the first-stage columns' own rows cannot all hold")
        u = np.asarray(m.getSolution().col_value, dtype=float)[:k]
        out: FloatArray = np.clip(u, 0.0, span)
        return out


def _fmt(values: FloatArray) -> str:
    return "[" + ", ".join(f"{v:.6g}" for v in values.tolist()) + "]"


# ---- choosing the method and falling back --------------------------------------------
def use_decomposition(
    lp: CompiledLP, first_stage: Sequence[int] | IntArray, options: SolveOptions
) -> bool:
    """Whether ``options.sizing_method`` (``auto``: by size) asks to decompose ``lp``.

    ``auto`` decomposes when there are 1 to :data:`AUTO_MAX_FIRST_STAGE` first-stage
    columns, all with finite bounds, and the LP has at least
    :data:`AUTO_MIN_NONZEROS` nonzeros.
    """
    method = options.sizing_method
    if method == "monolithic" or len(first_stage) == 0:
        return False
    if method == "decomposed":
        return True
    cols = np.asarray(first_stage, dtype=np.int64)
    bounded = bool(
        np.isfinite(lp.col_lb[cols]).all() and np.isfinite(lp.col_ub[cols]).all()
    )
    return (
        bounded
        and len(cols) <= AUTO_MAX_FIRST_STAGE
        and len(lp.a.data) >= AUTO_MIN_NONZEROS
    )


def _monolithic_report(first_stage: int, fallback: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"method": "monolithic", "first_stage_columns": first_stage}
    if fallback:
        out["fallback"] = fallback
    return out


def solve_lp(
    lp: CompiledLP,
    first_stage: Sequence[int] | IntArray,
    options: SolveOptions | None = None,
    *,
    give_up_on_failure: bool = False,
) -> Solution | None:
    """Solve ``lp`` by decomposition over ``first_stage`` or whole, as options say.

    A decomposition that gives up is followed by the monolithic solve (its reason is
    in ``solution.report["fallback"]``).

    Parameters
    ----------
    lp : CompiledLP
        The LP.
    first_stage : sequence of int
        Column positions of the first-stage decisions (capacities, hedges, ...).
    options : SolveOptions, optional
        HiGHS settings and the sizing method.
    give_up_on_failure : bool
        Return None when the LP is infeasible or unbounded (as
        :func:`grid_flex.solve.try_solve_compiled`) instead of raising.
    """
    opts = options or SolveOptions()
    n = len(first_stage)
    fallback = None
    if use_decomposition(lp, first_stage, opts):
        t0 = time.perf_counter()
        dec = CapacityDecomposition(lp, first_stage, opts)
        solution = dec.solve()
        if solution is not None:
            return solution
        fallback = dec.report.fallback
        opts = remaining(opts, time.perf_counter() - t0)
    solved = (
        try_solve_compiled(lp, opts) if give_up_on_failure else solve_compiled(lp, opts)
    )
    if solved is not None:
        solved.report = _monolithic_report(n, fallback) if n else {}
    return solved


def remaining(options: SolveOptions, spent_s: float) -> SolveOptions:
    """``options`` with ``time_limit_s`` less the ``spent_s`` seconds already used.

    The monolithic fallback after a decomposition that gave up gets what is left
    of the user's limit, not the whole limit again (at least 1 ms: HiGHS then stops
    on the time limit and the solve says so).
    """
    if options.time_limit_s is None:
        return options
    return replace(options, time_limit_s=max(options.time_limit_s - spent_s, 1e-3))


class ModelSolver:
    """Solve a Pyomo model over its first-stage variables; re-solve it at fixed values.

    :meth:`solve` is :func:`grid_flex.solve.solve_model` with the decomposition
    (when ``options.sizing_method`` chooses it); :meth:`solve_at` re-solves with the
    first stage fixed (a rounded design, business as usual) from the
    decomposition's last basis. Both load the solution into the model.

    Parameters
    ----------
    model : Pyomo model
        The LP, first-stage variables free within their bounds.
    first_stage : iterable of Pyomo variables
        The first-stage decisions (repeats are taken once).
    options : SolveOptions, optional
        HiGHS settings and the sizing method.
    """

    def __init__(
        self,
        model: Any,
        first_stage: Iterable[Any],
        options: SolveOptions | None = None,
    ) -> None:
        self.model = model
        self.variables = list(first_stage)
        self.options = options or SolveOptions()
        self.decomposition: CapacityDecomposition | None = None

    def solve(self) -> Solution:
        """The optimum, loaded into the model; raises as :func:`solve_model`."""
        opts = self.options
        if not self.variables or opts.sizing_method == "monolithic":
            return solve_model(self.model, opts)
        t0 = time.perf_counter()
        lp = compile_model(self.model)
        compile_s = time.perf_counter() - t0
        cols = columns_of(lp, self.variables)
        fallback = None
        if use_decomposition(lp, cols, opts):
            dec = CapacityDecomposition(lp, cols, opts)
            solution = dec.solve()
            if solution is not None:
                self.decomposition = dec
                _load(self.model, lp, solution.x, solution.row_duals)
                solution.timings_s = {"compile_s": compile_s, **solution.timings_s}
                return solution
            fallback = dec.report.fallback
            opts = remaining(opts, time.perf_counter() - t0)
        solution = solve_model(self.model, opts)
        solution.report = _monolithic_report(len(cols), fallback)
        return solution

    def solve_at(self, values: Sequence[float]) -> Solution | None:
        """Re-solve with the first stage at ``values`` (in ``first_stage`` order).

        Warm, from the decomposition's basis, and loaded into the model; None when
        :meth:`solve` did not decompose or HiGHS finds no optimum there (the caller
        then fixes the variables and solves the model whole).
        """
        dec = self.decomposition
        if dec is None:
            return None
        try:
            solution = dec.solve_at(np.asarray(values, dtype=float))
        except GiveUp:
            return None
        _load(self.model, dec.lp, solution.x, solution.row_duals)
        return solution


def solve_model_lp(
    model: Any, first_stage: Iterable[Any], options: SolveOptions | None = None
) -> Solution:
    """:func:`grid_flex.solve.solve_model` with the decomposition over ``first_stage``.

    ``first_stage`` are Pyomo variables of ``model``. The optimum is loaded into the
    model as :func:`solve_model` does; a decomposition that gives up, and any LP that
    is infeasible or unbounded, goes to :func:`solve_model` (which explains it).
    """
    return ModelSolver(model, first_stage, options).solve()


def columns_of(lp: CompiledLP, variables: Iterable[Any]) -> IntArray:
    """Column positions of Pyomo variables in ``lp`` (by identity; repeats once)."""
    wanted: dict[int, int] = {}
    for v in variables:
        wanted.setdefault(id(v), len(wanted))
    out = np.full(len(wanted), -1, dtype=np.int64)
    for j, v in enumerate(lp.columns):
        i = wanted.get(id(v))
        if i is not None:
            out[i] = j
    if (out < 0).any():
        raise ValueError("a first-stage variable is not a column of the LP")
    return out
