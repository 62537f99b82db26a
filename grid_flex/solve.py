"""Solve a compiled grid-flex model with HiGHS and map the outcome back.

This is the only module that talks to ``highspy``. An optimal answer is loaded into
the Pyomo variables (and into a ``dual`` suffix if the model declares one); anything
else raises a :class:`~grid_flex.errors.SolveError` whose message names the
constraints and bounds involved in the scenario's own words.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import highspy
import numpy as np
import pandas as pd

from grid_flex.errors import InfeasibleError, SolverFailure, UnboundedError
from grid_flex.io.timeseries import format_stamp
from grid_flex.model.handoff import CompiledLP, check_size, compile_model
from grid_flex.model.linear import FloatArray, LinearLayer

Method = Literal["choose", "simplex", "ipm", "pdlp"]
SizingMethod = Literal["auto", "monolithic", "decomposed"]

#: HiGHS IIS strategy "elastic LP" (the light test finds nothing on most of our LPs).
IIS_ELASTIC_LP = 2
IIS_TIME_LIMIT_S = 30.0
IIS_MAX_LINES = 16
#: The explanation by cause may take this many times the failed solve, at least
#: RELAX_MIN_TIME_S [s].
RELAX_TIME_FACTOR = 5.0
RELAX_MIN_TIME_S = 10.0


@dataclass(frozen=True)
class SolveOptions:
    """HiGHS settings exposed to users.

    Parameters
    ----------
    method : {"choose", "simplex", "ipm", "pdlp"}
        HiGHS ``solver`` option; "choose" lets HiGHS pick (dual simplex on our LPs).
    time_limit_s : float or None
        Wall-clock limit for HiGHS [s].
    presolve : bool
        Run HiGHS presolve.
    threads : int or None
        HiGHS thread count (None: HiGHS default).
    verbose : bool
        Print HiGHS's log.
    sizing_method : {"auto", "monolithic", "decomposed"}
        How an LP with sized capacities (first-stage columns) is solved: whole, or by
        the capacity decomposition of :mod:`grid_flex.decompose`; "auto" decomposes
        large LPs with few bounded capacities.
    sizing_gap_frac : float
        Relative optimality gap at which the decomposition stops [-].
    sizing_max_iterations : int
        Subproblem solves after which the decomposition gives up and the LP is
        solved whole.
    """

    method: Method = "choose"
    time_limit_s: float | None = None
    presolve: bool = True
    threads: int | None = None
    verbose: bool = False
    sizing_method: SizingMethod = "auto"
    sizing_gap_frac: float = 1e-7
    sizing_max_iterations: int = 50


@dataclass
class Solution:
    """An optimal solution and what it cost to get it."""

    objective: float
    x: FloatArray
    row_duals: FloatArray
    lp: CompiledLP
    timings_s: dict[str, float] = field(default_factory=dict)
    #: CPU time of this process while HiGHS ran [s] (set by :class:`WarmStart`).
    highs_cpu_s: float | None = None
    #: How an LP with first-stage columns was solved (:mod:`grid_flex.decompose`).
    report: dict[str, Any] = field(default_factory=dict)

    def layer_x(self, layer: LinearLayer) -> FloatArray:
        """Column values of one layer, in the layer's column order."""
        off = self.lp.layer_offsets[id(layer)]
        return self.x[off : off + layer.ncols]

    def family_duals(self, family: Any) -> FloatArray:
        """Duals of one constraint family in row order (NaN for rows not passed).

        Sign: the change of the objective (in its own sense) per unit increase of the
        row's right-hand side.
        """
        out = np.full(family.expr.n, np.nan)
        for owner in self.lp.row_owners:
            if owner.family is family:
                out[owner.positions] = self.row_duals[owner.start : owner.stop]
        return out


def solve_model(model: Any, options: SolveOptions | None = None) -> Solution:
    """Compile ``model``, solve it with HiGHS and load the optimum into it."""
    opts = options or SolveOptions()
    try:
        return _solve(model, opts)
    finally:
        gc.unfreeze()  # objects frozen by build_site go back to the collector


def solve_compiled(lp: CompiledLP, options: SolveOptions | None = None) -> Solution:
    """Solve an LP already in matrix form (nothing is loaded back into a model)."""
    solution = _solve_arrays(lp, options or SolveOptions(), give_up=frozenset())
    assert solution is not None  # nothing to give up on: any failure raised
    return solution


def try_solve_compiled(
    lp: CompiledLP, options: SolveOptions | None = None
) -> Solution | None:
    """Solve an LP in matrix form; None if it is infeasible or unbounded.

    Nothing is explained here: the caller builds the Pyomo model, whose solve
    (:func:`solve_model`) names the limits in the scenario's words. Any other failure
    (time limit, numerical trouble) raises :class:`SolverFailure` as usual.
    """
    return _solve_arrays(lp, options or SolveOptions(), give_up=_EXPLAINED)


def _solve_arrays(
    lp: CompiledLP, opts: SolveOptions, *, give_up: frozenset[Any]
) -> Solution | None:
    """Hand ``lp`` to HiGHS; None for a status in ``give_up``, else raise or solve."""
    t0 = time.perf_counter()
    h = _highs(lp, opts)
    if len(lp.a.data) >= RELEASE_MIN_NONZEROS:
        release_free_memory()
    t1 = time.perf_counter()
    _run(h, opts)
    t2 = time.perf_counter()
    status = h.getModelStatus()
    if status in give_up:
        return None
    if status != highspy.HighsModelStatus.kOptimal:
        _raise_for_status(h, status, lp)
    sol = h.getSolution()
    del h  # HiGHS's copy of the LP and its factors: freed before the results
    if len(lp.a.data) >= RELEASE_MIN_NONZEROS:
        release_free_memory()  # else the solution's Python floats come on top
    x = np.asarray(sol.col_value, dtype=float)
    return Solution(
        objective=float(lp.c @ x + lp.c0),
        x=x,
        row_duals=np.asarray(sol.row_dual, dtype=float),
        lp=lp,
        timings_s={"handoff_s": t1 - t0, "highs_s": t2 - t1},
    )


#: Outcomes that :func:`solve_model` explains in the scenario's words.
_EXPLAINED = frozenset(
    {
        highspy.HighsModelStatus.kInfeasible,
        highspy.HighsModelStatus.kUnbounded,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    }
)


def _solve(model: Any, opts: SolveOptions) -> Solution:
    t0 = time.perf_counter()
    lp = compile_model(model)
    t1 = time.perf_counter()
    h = _highs(lp, opts)
    t2 = time.perf_counter()
    _run(h, opts)
    t3 = time.perf_counter()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        if status == highspy.HighsModelStatus.kInfeasible:
            _explain_by_cause(h, model, lp, opts, t3 - t2)
            h = _highs(lp, opts)  # a fresh copy for the IIS (the relaxation alters h)
            h.run()
        _raise_for_status(h, status, lp)
    sol = h.getSolution()
    x = np.asarray(sol.col_value, dtype=float)
    # HiGHS reports row duals in the objective's own sense: d(objective)/d(row bound).
    duals = np.asarray(sol.row_dual, dtype=float)
    objective = float(lp.c @ x + lp.c0)
    _load(model, lp, x, duals)
    t4 = time.perf_counter()
    return Solution(
        objective=objective,
        x=x,
        row_duals=duals,
        lp=lp,
        timings_s={
            "compile_s": t1 - t0,
            "handoff_s": t2 - t1,
            "highs_s": t3 - t2,
            "load_s": t4 - t3,
        },
    )


def _new_highs(verbose: bool) -> highspy.Highs:
    """A HiGHS instance; quiet unless ``verbose``.

    highspy prints its banner to the process's standard output when the first
    instance is constructed, before any option can be set; a quiet instance is
    constructed with file descriptor 1 pointed at the null device.
    """
    if verbose:
        return highspy.Highs()  # type: ignore[no-untyped-call]
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    return h


#: A one-off solve of an LP with at least this many matrix entries first returns the
#: memory its allocators keep free to the system (:func:`release_free_memory`).
RELEASE_MIN_NONZEROS = 100_000


def release_free_memory() -> None:
    """Return to the system the memory this process freed but its allocators keep.

    Building and compiling a year's LP frees many temporary arrays; glibc's ``malloc``
    and pyarrow's pool (which pandas's Arrow-backed strings use) keep those pages
    resident. HiGHS's solve is where a command's memory peaks, so a one-off solve of
    a large LP hands them back first (``malloc_trim``, ``release_unused``; a few
    milliseconds), and again once HiGHS is freed, before its solution becomes
    Python floats (which cannot reuse the pages glibc keeps): the default 15-minute
    year peaks about 17 MiB lower. Elsewhere than glibc (macOS, musl) there is
    nothing to trim and this does nothing.
    """
    arrow = sys.modules.get("pyarrow")  # only if already loaded (pandas loads it)
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL(None).malloc_trim  # glibc's; absent from musl
    except (OSError, AttributeError):
        return
    trim(0)


def _run(h: highspy.Highs, opts: SolveOptions) -> None:
    """``h.run()``, repeated once after resetting HiGHS's thread scheduler.

    HiGHS refuses a ``threads`` option other than the count its process-wide
    scheduler was started with (by an earlier solve in this process).
    """
    status = h.run()
    if (
        status == highspy.HighsStatus.kError
        and opts.threads is not None
        and h.getModelStatus() == highspy.HighsModelStatus.kNotset
    ):
        highspy.Highs.resetGlobalScheduler(True)
        h.run()


def _highs(lp: CompiledLP, opts: SolveOptions) -> highspy.Highs:
    h = _new_highs(opts.verbose)
    h.setOptionValue("output_flag", bool(opts.verbose))
    h.setOptionValue("solver", opts.method)
    h.setOptionValue("presolve", "on" if opts.presolve else "off")
    if opts.time_limit_s is not None:
        h.setOptionValue("time_limit", float(opts.time_limit_s))
    if opts.threads is not None:
        h.setOptionValue("threads", int(opts.threads))
    inf = highspy.kHighsInf
    hl = highspy.HighsLp()
    nrow, ncol = lp.shape
    hl.num_col_ = ncol
    hl.num_row_ = nrow
    hl.sense_ = (
        highspy.ObjSense.kMinimize if lp.sense == 1 else highspy.ObjSense.kMaximize
    )
    hl.offset_ = lp.c0
    hl.col_cost_ = lp.c
    hl.col_lower_ = np.where(np.isfinite(lp.col_lb), lp.col_lb, -inf)
    hl.col_upper_ = np.where(np.isfinite(lp.col_ub), lp.col_ub, inf)
    hl.row_lower_ = np.where(np.isfinite(lp.row_lb), lp.row_lb, -inf)
    hl.row_upper_ = np.where(np.isfinite(lp.row_ub), lp.row_ub, inf)
    hl.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    hl.a_matrix_.num_col_ = ncol
    hl.a_matrix_.num_row_ = nrow
    check_size(nrow, ncol, len(lp.a.data))  # HiGHS's indices are 32-bit
    hl.a_matrix_.start_ = lp.a.indptr.astype(np.int32)
    hl.a_matrix_.index_ = lp.a.indices.astype(np.int32, copy=False)
    hl.a_matrix_.value_ = lp.a.data.astype(float, copy=False)
    h.passModel(hl)
    return h


def _load(model: Any, lp: CompiledLP, x: FloatArray, duals: FloatArray) -> None:
    for v, val in zip(lp.columns, x.tolist(), strict=True):
        v.set_value(val, skip_validation=True)
    import pyomo.core as pyo  # loading into a Pyomo model: array solves need none

    dual = getattr(model, "dual", None)
    if isinstance(dual, pyo.Suffix) and dual.import_enabled():
        for owner in lp.row_owners:
            block = duals[owner.start : owner.stop].tolist()
            cons = (
                [owner.family.data[p] for p in owner.positions]
                if owner.family is not None and owner.positions is not None
                else list(owner.foreign)
            )
            for con, d in zip(cons, block, strict=True):
                dual[con] = d


# ---- explaining failures ------------------------------------------------------------
def _row_description(lp: CompiledLP, row: int) -> str:
    for owner in lp.row_owners:
        if owner.start <= row < owner.stop:
            if owner.family is not None and owner.positions is not None:
                pos = int(owner.positions[row - owner.start])
                label = owner.family.labels[pos]
                if isinstance(label, pd.Timestamp):
                    label = format_stamp(label)
                return f"{owner.family.doc} [{owner.family.component.name}] at {label}"
            con = owner.foreign[row - owner.start]
            return f"user constraint {con.name}"
    return f"row {row}"


def _col_description(lp: CompiledLP, col: int, bound: int) -> str:
    var = lp.columns[col]
    doc = var.parent_component().doc or var.parent_component().name
    lb, ub = var.lb, var.ub
    if bound == 2:
        text = f"≥ {lb:g}"
    elif bound == 3:
        text = f"≤ {ub:g}"
    elif lb is not None and ub is not None and lb == ub:
        text = f"fixed at {lb:g}"
    else:
        text = f"within [{lb}, {ub}]"
    return f"{doc} [{var.name}] {text}"


def _explain_by_cause(
    h: highspy.Highs, model: Any, lp: CompiledLP, opts: SolveOptions, solve_s: float
) -> None:
    """Raise an :class:`InfeasibleError` naming the user-set limits that must give.

    Returns (without raising) when no declared limit explains the infeasibility;
    the caller then reports HiGHS's irreducible infeasible subsystem.
    """
    from grid_flex.explain import explain_infeasible
    from grid_flex.model.linear import find_layers

    budget = max(RELAX_MIN_TIME_S, RELAX_TIME_FACTOR * solve_s)
    if opts.time_limit_s is not None:
        budget = min(budget, max(opts.time_limit_s, RELAX_MIN_TIME_S))
    try:
        causes = explain_infeasible(h, lp, find_layers(model), time_limit_s=budget)
    except Exception:  # the explanation is a courtesy; it must never mask the cause
        return
    if not causes:
        return
    shown = causes[:IIS_MAX_LINES]
    lines = [c.text() for c in shown]
    if len(causes) > len(shown):
        lines.append(f"... and {len(causes) - len(shown)} more limits")
    raise InfeasibleError(
        "The scenario has no feasible schedule. Relaxing the limits it sets (priced "
        "per unit beyond the limit), the least change that makes it feasible is:\n"
        + "\n".join(f"  - {line}" for line in lines)
    )


def _raise_for_status(h: highspy.Highs, status: Any, lp: CompiledLP) -> None:
    model_status = h.modelStatusToString(status)
    if status == highspy.HighsModelStatus.kInfeasible:
        lines: list[str] = []
        try:
            h.setOptionValue("iis_strategy", IIS_ELASTIC_LP)
            h.setOptionValue("iis_time_limit", IIS_TIME_LIMIT_S)
            _status, iis = h.getIis()
            if iis.valid_:
                lines = [_row_description(lp, int(r)) for r in iis.row_index_]
                lines += [
                    _col_description(lp, int(c), int(b))
                    for c, b in zip(iis.col_index_, iis.col_bound_, strict=False)
                ]
        except Exception:  # the IIS is a courtesy; it must never mask the cause
            lines = []
        if len(lines) > IIS_MAX_LINES:
            more = len(lines) - IIS_MAX_LINES
            lines = [*lines[:IIS_MAX_LINES], f"... and {more} more"]
        detail = (
            "\nThese requirements cannot all hold together:\n"
            + "\n".join(f"  - {line}" for line in lines)
            if lines
            else ""
        )
        raise InfeasibleError(
            "The scenario has no feasible schedule: its limits and obligations "
            f"contradict each other.{detail}"
        )
    if status in (
        highspy.HighsModelStatus.kUnbounded,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    ):
        raise UnboundedError(
            "The scenario lets profit grow without limit: some quantity has no upper "
            "bound (a capacity, an export limit or a user-added variable). "
            f"HiGHS status: {model_status}"
        )
    if status == highspy.HighsModelStatus.kTimeLimit:
        raise SolverFailure(
            "HiGHS reached the time limit before proving an optimum; raise "
            "solver.time_limit_s or shorten the horizon"
        )
    raise SolverFailure(f"HiGHS stopped without an optimum: {model_status}")


# ---- re-solves: one HiGHS model kept between LPs that differ only in numbers --------
#: Above this share of changed matrix entries the LP is passed whole (with the basis).
MAX_COEFF_CHANGE_FRAC = 0.05


class WarmStart:
    """A HiGHS model kept between solves, updated in place and re-solved from its basis.

    :meth:`solve` compares each LP with the previous one. Same shape and sparsity:
    only the changed costs, column bounds, row bounds and matrix entries are passed
    (``changeColsCost``, ``changeColsBounds``, ``changeRowsBounds``, ``changeCoeff``)
    and HiGHS starts from its last basis. Same shape, other sparsity: the LP is passed
    whole and the last basis set on it. Otherwise: a cold solve. ``modes`` counts
    each kind of solve (``"cold"``, ``"in_place"``, ``"basis"``).
    """

    def __init__(self, options: SolveOptions | None = None) -> None:
        self.options = options or SolveOptions()
        self._h: highspy.Highs | None = None
        self._lp: CompiledLP | None = None
        self.modes: dict[str, int] = {"cold": 0, "in_place": 0, "basis": 0}

    @property
    def highs(self) -> highspy.Highs | None:
        """The HiGHS object holding the last LP solved (None before the first)."""
        return self._h

    def solve(self, lp: CompiledLP) -> Solution:
        """Solve ``lp`` (nothing is loaded into Pyomo); raise as :func:`solve_model`."""
        t0 = time.perf_counter()
        mode = self._update(lp)
        h = self._h
        assert h is not None
        t1 = time.perf_counter()
        cpu0 = time.process_time()
        _run(h, self.options)
        t2 = time.perf_counter()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal and mode != "cold":
            # A warm start must never change the outcome: retry from scratch.
            mode = "cold"
            self._h = h = _highs(lp, self.options)
            _run(h, self.options)
            t2 = time.perf_counter()
            status = h.getModelStatus()
        cpu_s = time.process_time() - cpu0
        if status != highspy.HighsModelStatus.kOptimal:
            self._h, self._lp = None, None  # never warm-start from a failed state
            _raise_for_status(h, status, lp)
        self._lp = lp
        self.modes[mode] += 1
        sol = h.getSolution()
        # highspy hands the vectors over as lists: fromiter is quicker than asarray
        x = np.fromiter(sol.col_value, dtype=float, count=lp.shape[1])
        duals = np.fromiter(sol.row_dual, dtype=float, count=lp.shape[0])
        return Solution(
            objective=float(lp.c @ x + lp.c0),
            x=x,
            row_duals=duals,
            lp=lp,
            timings_s={
                "compile_s": 0.0,
                "handoff_s": t1 - t0,
                "highs_s": t2 - t1,
                "load_s": time.perf_counter() - t2,
            },
            highs_cpu_s=cpu_s,
        )

    def _update(self, lp: CompiledLP) -> str:
        prev, h = self._lp, self._h
        if (
            prev is None
            or h is None
            or prev.shape != lp.shape
            or prev.sense != lp.sense
        ):
            self._h = _highs(lp, self.options)
            return "cold"
        same_pattern = np.array_equal(prev.a.indptr, lp.a.indptr) and np.array_equal(
            prev.a.indices, lp.a.indices
        )
        changed = (
            np.flatnonzero(prev.a.data != lp.a.data)
            if same_pattern
            else np.empty(0, dtype=np.int64)
        )
        if not same_pattern or len(changed) > MAX_COEFF_CHANGE_FRAC * len(lp.a.data):
            basis = h.getBasis()
            self._h = _highs(lp, self.options)
            self._h.setBasis(basis)
            return "basis"
        if len(changed):
            col_of = np.repeat(np.arange(lp.shape[1]), np.diff(lp.a.indptr))
            rows_k = lp.a.indices[changed].tolist()
            cols_k = col_of[changed].tolist()
            vals_k = lp.a.data[changed].tolist()
            for r, c, v in zip(rows_k, cols_k, vals_k, strict=True):
                h.changeCoeff(int(r), int(c), float(v))
        j = np.flatnonzero(prev.c != lp.c)
        if len(j):
            h.changeColsCost(len(j), j.astype(np.int32), lp.c[j])
        j = np.flatnonzero((prev.col_lb != lp.col_lb) | (prev.col_ub != lp.col_ub))
        if len(j):
            lo, hi = _finite(lp.col_lb[j]), _finite(lp.col_ub[j])
            h.changeColsBounds(len(j), j.astype(np.int32), lo, hi)
        i = np.flatnonzero((prev.row_lb != lp.row_lb) | (prev.row_ub != lp.row_ub))
        if len(i):
            lo, hi = _finite(lp.row_lb[i]), _finite(lp.row_ub[i])
            h.changeRowsBounds(len(i), i.astype(np.int32), lo, hi)  # type: ignore[attr-defined]
        if prev.c0 != lp.c0:
            h.changeObjectiveOffset(lp.c0)
        return "in_place"


def _finite(values: FloatArray) -> FloatArray:
    """±inf as HiGHS's infinity."""
    inf = highspy.kHighsInf
    return np.clip(values, -inf, inf).astype(float)
