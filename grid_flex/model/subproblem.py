"""The operating LP left when an LP's first-stage columns are fixed, rows as bounds.

Fixing the first-stage columns ``C`` of an LP by their bounds leaves every row
``a·x + b·C ∈ [L, U]`` that holds one other column ``x`` (an operating variable under
a capacity, e.g. ``power_t ≤ C``) as a row of the LP. When ``C`` moves, thousands of
such rows become infeasible at once and a warm dual simplex pivots on each (measured:
7,464 pivots, 4.4 s on the default year, where a cold solve takes 1 s). HiGHS's
presolve turns them into bounds of ``x``, but presolve does not run on a warm start.

:class:`Subproblem` does that reduction once, for any ``C``: such rows become bounds
of their column (``x ∈ [(L − b·C)/a, (U − b·C)/a]``, swapped for ``a < 0``, and
intersected with ``x``'s own bounds and any other such row); rows with several other
columns keep ``b·C`` in their bounds; rows with no other column constrain ``C`` alone
(:attr:`Subproblem.master_rows`, for the master problem). When ``C`` moves, only
bounds change, and a column at a bound moves with it without a pivot. A column held
equal to ``C`` by an equality row (a study block's copy of a shared capacity) is
treated as ``C`` itself first, so the rows under the copy become bounds too.

From a solution of the reduced LP it gives back the whole LP's row duals and the
gradient of the optimum with respect to ``C`` (:meth:`Subproblem.gradient`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from grid_flex.model.handoff import CompiledLP
from grid_flex.model.linear import FloatArray, IntArray
from grid_flex.model.sparse import Compressed


@dataclass(frozen=True)
class Bounds:
    """Column and row bounds of the reduced LP at one ``C``."""

    col_lb: FloatArray
    col_ub: FloatArray
    row_lb: FloatArray
    row_ub: FloatArray
    #: Per bounded column: the position (in ``Subproblem.single_rows``) of the row
    #: giving its lower / upper bound, −1 when its own bound is the tighter.
    lower_from: IntArray
    upper_from: IntArray


class Subproblem:
    """``lp`` with ``first_stage`` columns fixed (see the module docstring).

    Attributes
    ----------
    lp : CompiledLP
        The reduced LP: rows with one other column removed, first-stage columns
        without entries (their bounds are set to ``C`` by :meth:`bounds`).
    rows : IntArray
        For each reduced row, its position in the whole LP.
    master_rows : tuple
        ``(B, L, U)``: rows of the whole LP over first-stage columns only,
        ``L ≤ B·C ≤ U``.
    """

    def __init__(self, whole: CompiledLP, first_stage: IntArray) -> None:
        self.whole = whole
        self.cols = np.asarray(first_stage, dtype=np.int64)
        nrow, ncol = whole.shape
        k = len(self.cols)
        a = whole.a
        col_of = np.repeat(np.arange(ncol, dtype=np.int64), np.diff(a.indptr))
        # Parametric columns: value = α + β·C. The first stage (β = I), then its
        # aliases: a column held to C by an equality row of it and C alone (a
        # study block's copy of a shared capacity, ``capacity_link``).
        p_pos = np.full(ncol, -1, dtype=np.int64)
        p_pos[self.cols] = np.arange(k)
        alpha = np.zeros(k)
        beta = np.eye(k)
        alias = _aliases(whole, col_of, p_pos, beta)
        self.alias_rows, self.alias_cols, self.alias_a, a_alpha, a_beta = alias
        p_pos[self.alias_cols] = k + np.arange(len(self.alias_cols))
        self.param_cols = np.concatenate([self.cols, self.alias_cols])
        self._alpha = np.concatenate([alpha, a_alpha])
        self._beta = np.vstack([beta, a_beta])

        in_p = p_pos[col_of] >= 0
        other = ~in_p & (a.data != 0.0)
        count = np.bincount(a.indices[other], minlength=nrow)
        touched = np.zeros(nrow, dtype=bool)
        touched[a.indices[in_p]] = True
        # Each touched row's parametric part: Σ coef · (α + β·C) = const + b·C.
        t_rows = np.flatnonzero(touched)
        t_index = np.full(nrow, -1, dtype=np.int64)
        t_index[t_rows] = np.arange(len(t_rows))
        t_of = t_index[a.indices[in_p]]
        pp = p_pos[col_of[in_p]]
        b = np.zeros((len(t_rows), k))
        np.add.at(b, t_of, a.data[in_p, None] * self._beta[pp])
        const = np.bincount(
            t_of, weights=a.data[in_p] * self._alpha[pp], minlength=len(t_rows)
        ).astype(float)

        # Every row with one other column becomes a bound (b = 0 where C is absent):
        # fewer rows make each warm pivot cheaper too.
        single = count == 1
        alone = touched & (count == 0)
        keep = ~(single | alone)
        self.rows = np.flatnonzero(keep)
        shifted = keep & touched
        #: Reduced rows whose bounds move with C.
        self.shifted_rows = np.flatnonzero(shifted[self.rows])
        moved = self.rows[self.shifted_rows]
        self._shift_b = b[t_index[moved]]
        self._shift_c = const[t_index[moved]]

        # Singleton rows: the other column and its coefficient.
        sel = other & single[a.indices]
        self.single_rows = a.indices[sel]
        self._single_col = col_of[sel]
        self._single_a = a.data[sel]
        self._single_b = _rows_of(b, t_index, self.single_rows)
        self._single_c = _rows_of(const[:, None], t_index, self.single_rows)[:, 0]
        self.bounded_cols = np.unique(self._single_col)

        # Rows over C alone constrain the master; an alias's own row is an identity.
        alone[self.alias_rows] = False
        alone_rows = np.flatnonzero(alone)
        shift = const[t_index[alone_rows]]
        self.master_rows = (
            b[t_index[alone_rows]],
            whole.row_lb[alone_rows] - shift,
            whole.row_ub[alone_rows] - shift,
        )
        self.lp = _reduced(whole, self.rows, in_p, keep)

    # ---- bounds at C ----------------------------------------------------------------
    def bounds(self, values: FloatArray) -> Bounds:
        """Bounds of the reduced LP with the first stage at ``values``.

        A parametric column outside its own bounds gives crossed bounds (lower above
        upper): the LP is infeasible at ``values``.
        """
        w = self.whole
        col_lb = w.col_lb.copy()
        col_ub = w.col_ub.copy()
        v = self._alpha + self._beta @ values
        pc = self.param_cols
        col_lb[pc] = np.maximum(v, w.col_lb[pc])
        col_ub[pc] = np.minimum(v, w.col_ub[pc])
        r_lb = w.row_lb[self.single_rows] - self._single_c
        r_ub = w.row_ub[self.single_rows] - self._single_c
        bc = self._single_b @ values
        a = self._single_a
        lo = np.where(a > 0, r_lb, r_ub)
        hi = np.where(a > 0, r_ub, r_lb)
        with np.errstate(invalid="ignore"):
            lo_val = (lo - bc) / a
            hi_val = (hi - bc) / a
        lo_val = np.where(np.isnan(lo_val), -np.inf, lo_val)
        hi_val = np.where(np.isnan(hi_val), np.inf, hi_val)
        np.maximum.at(col_lb, self._single_col, lo_val)
        np.minimum.at(col_ub, self._single_col, hi_val)
        lower_from = _source(self._single_col, lo_val, col_lb, self.whole.shape[1])
        upper_from = _source(self._single_col, hi_val, col_ub, self.whole.shape[1])
        row_lb = self.lp.row_lb.copy()
        row_ub = self.lp.row_ub.copy()
        shift = self._shift_c + self._shift_b @ values
        row_lb[self.shifted_rows] -= shift
        row_ub[self.shifted_rows] -= shift
        return Bounds(col_lb, col_ub, row_lb, row_ub, lower_from, upper_from)

    # ---- duals and gradient ---------------------------------------------------------
    def whole_row_duals(
        self,
        bounds: Bounds,
        row_duals: FloatArray,
        col_duals: FloatArray,
        at_lower: np.ndarray,
    ) -> FloatArray:
        """Row duals of the whole LP from the reduced LP's (same sense).

        A removed row's dual is its column's reduced cost divided by its
        coefficient when the row gives the column's active bound, else 0.
        """
        y = np.zeros(self.whole.shape[0])
        y[self.rows] = row_duals
        src = np.where(at_lower, bounds.lower_from, bounds.upper_from)
        j = np.flatnonzero(src >= 0)
        pos = src[j]
        y[self.single_rows[pos]] = col_duals[j] / self._single_a[pos]
        # An alias row's dual leaves its column a zero reduced cost in the whole LP.
        w = self.whole
        for r, x, coef in zip(
            self.alias_rows.tolist(),
            self.alias_cols.tolist(),
            self.alias_a.tolist(),
            strict=True,
        ):
            lo, hi = int(w.a.indptr[x]), int(w.a.indptr[x + 1])
            d = w.c[x] - float(y[w.a.indices[lo:hi]] @ w.a.data[lo:hi])
            y[r] = d / coef
        return y

    def gradient(self, row_duals_whole: FloatArray) -> FloatArray:
        """d(objective)/dC from the whole LP's row duals (the objective's sense).

        ``c_C − Σ_r y_r · B_rC``: each unit of ``C`` moves its rows' bounds by its
        coefficient there.
        """
        w = self.whole
        c = w.c[self.cols].copy()
        a = w.a
        for i, j in enumerate(self.cols.tolist()):
            lo, hi = int(a.indptr[j]), int(a.indptr[j + 1])
            c[i] -= float(row_duals_whole[a.indices[lo:hi]] @ a.data[lo:hi])
        return c


def _rows_of(b: FloatArray, t_index: IntArray, rows: IntArray) -> FloatArray:
    """Rows of ``b`` for whole-LP ``rows`` (zeros for rows without C)."""
    out = np.zeros((len(rows), b.shape[1]))
    has = t_index[rows] >= 0
    out[has] = b[t_index[rows[has]]]
    return out


def _source(
    cols: IntArray, values: FloatArray, bound: FloatArray, ncol: int
) -> IntArray:
    """Per column: the first candidate equal to its bound (−1: its own bound)."""
    out = np.full(ncol, -1, dtype=np.int64)
    hit = np.flatnonzero(values == bound[cols])
    # the first hit per column wins (assign in reverse so the first is written last)
    out[cols[hit[::-1]]] = hit[::-1]
    return out


def _aliases(
    whole: CompiledLP, col_of: IntArray, p_pos: IntArray, beta: FloatArray
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
    """Columns held to an affine function of C by an equality row ``a·x + b·C = L``.

    Returns the rows, their columns ``x``, coefficients ``a`` and each column's
    ``α = L/a`` and ``β = −b/a`` (one row per column: the first).
    """
    a = whole.a
    nrow = whole.shape[0]
    k = beta.shape[1]
    in_s = p_pos[col_of] >= 0
    other = ~in_s & (a.data != 0.0)
    count = np.bincount(a.indices[other], minlength=nrow)
    touched = np.zeros(nrow, dtype=bool)
    touched[a.indices[in_s]] = True
    eq = (whole.row_lb == whole.row_ub) & np.isfinite(whole.row_lb)
    cand = touched & (count == 1) & eq
    sel = other & cand[a.indices]
    rows, cols, coefs = a.indices[sel], col_of[sel], a.data[sel]
    _, first = np.unique(cols, return_index=True)
    rows, cols, coefs = rows[first], cols[first], coefs[first]
    r_index = np.full(nrow, -1, dtype=np.int64)
    r_index[rows] = np.arange(len(rows))
    s_sel = in_s & (r_index[a.indices] >= 0)
    b = np.zeros((len(rows), k))
    np.add.at(
        b, r_index[a.indices[s_sel]], a.data[s_sel, None] * beta[p_pos[col_of[s_sel]]]
    )
    return (
        rows,
        cols,
        coefs,
        whole.row_lb[rows] / coefs,
        -b / coefs[:, None],
    )


def _reduced(
    whole: CompiledLP,
    rows: IntArray,
    in_s: np.ndarray,
    keep: np.ndarray,
) -> CompiledLP:
    """The whole LP without the removed rows and parametric columns' entries."""
    a = whole.a
    nrow, ncol = whole.shape
    new_row = np.full(nrow, -1, dtype=np.int64)
    new_row[rows] = np.arange(len(rows))
    entry = ~in_s & keep[a.indices]
    col_of = np.repeat(np.arange(ncol, dtype=np.int64), np.diff(a.indptr))
    counts = np.bincount(col_of[entry], minlength=ncol)
    indptr = np.zeros(ncol + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    reduced = Compressed(
        indptr, new_row[a.indices[entry]], a.data[entry], (len(rows), ncol)
    )
    return replace(
        whole,
        a=reduced,
        row_lb=whole.row_lb[rows],
        row_ub=whole.row_ub[rows],
        row_owners=[],
    )
