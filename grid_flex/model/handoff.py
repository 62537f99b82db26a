"""Compile a Pyomo model holding grid-flex blocks into LP matrices for HiGHS.

Rows and columns recorded by a :class:`~grid_flex.model.linear.LinearLayer` are taken
from its arrays; everything else (rows a user deactivated or rewrote, components a
study added, a replaced objective) is compiled from its Pyomo expression with
:func:`pyomo.repn.standard_repn.generate_standard_repn`. Variable bounds and fixed
values are always read from the Pyomo variables, so fixing or re-bounding a variable
after the build is honoured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grid_flex.errors import SolveError
from grid_flex.model.linear import (
    MAX_INDEX,
    ConstraintArray,
    FloatArray,
    LinearLayer,
    find_layers,
)
from grid_flex.model.sparse import Compressed, compress


@dataclass(frozen=True)
class RowOwner:
    """Which constraint (family and row, or foreign constraint) a block of rows is."""

    start: int
    stop: int
    family: ConstraintArray | None
    positions: np.ndarray | None
    foreign: tuple[Any, ...] = ()


@dataclass(frozen=True)
class CompiledLP:
    """An LP ``min/max c·x + c0  s.t.  row_lb ≤ A x ≤ row_ub,  col_lb ≤ x ≤ col_ub``.

    ``sense`` is +1 to minimise and −1 to maximise; ``c`` is in the model's own sense.
    """

    c: FloatArray
    c0: float
    sense: int
    a: Compressed
    row_lb: FloatArray
    row_ub: FloatArray
    col_lb: FloatArray
    col_ub: FloatArray
    columns: list[Any]
    layer_offsets: dict[int, int]
    row_owners: list[RowOwner]
    objective: Any

    @property
    def A(self) -> Any:
        """The constraint matrix as a :class:`scipy.sparse.csc_array` (slow import)."""
        import scipy.sparse as sp

        return sp.csc_array((self.a.data, self.a.indices, self.a.indptr), self.a.shape)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return (len(self.row_lb), len(self.columns))


def check_size(nrow: int, ncol: int, nnz: int) -> None:
    """Refuse an LP larger than HiGHS's 32-bit indices (and grid-flex's) allow.

    Raises
    ------
    SolveError
        If the rows, columns or matrix entries number more than 2**31 − 1.
    """
    top = MAX_INDEX
    if nrow > top or ncol > top or nnz > top:
        raise SolveError(
            f"the LP has {nrow:,} rows, {ncol:,} columns and {nnz:,} matrix entries; "
            f"HiGHS takes at most {top:,} of each: shorten the horizon or lengthen "
            "the time step"
        )


def _block_active(blk: Any) -> bool:
    while blk is not None:
        if not blk.active:
            return False
        blk = blk.parent_block()
    return True


class _Columns:
    """Column numbering: layer columns first, foreign variables appended on demand."""

    def __init__(self, layers: list[LinearLayer]) -> None:
        self.columns: list[Any] = []
        self.offsets: dict[int, int] = {}
        for layer in layers:
            self.offsets[id(layer)] = len(self.columns)
            self.columns.extend(layer.columns)
        self._ids: dict[int, int] | None = None

    def index_of(self, var: Any) -> int:
        if self._ids is None:
            self._ids = {id(v): i for i, v in enumerate(self.columns)}
        j = self._ids.get(id(var))
        if j is None:
            j = len(self.columns)
            self.columns.append(var)
            self._ids[id(var)] = j
        return j


def _linear_terms(
    expr: Any, cols: _Columns, what: str
) -> tuple[list[int], list[float], float]:
    from pyomo.repn.standard_repn import generate_standard_repn

    repn = generate_standard_repn(expr, compute_values=True, quadratic=False)
    if repn.nonlinear_expr is not None or repn.quadratic_vars:
        raise SolveError(f"{what} is not linear; grid-flex solves linear programs only")
    idx = [cols.index_of(v) for v in repn.linear_vars]
    return idx, [float(c) for c in repn.linear_coefs], float(repn.constant)


def compile_model(model: Any) -> CompiledLP:
    """Compile the active parts of ``model`` to matrices (see module docstring)."""
    import pyomo.core as pyo  # a Pyomo model: array-only solves import no Pyomo

    layers = find_layers(model)
    cols = _Columns(layers)
    families = [f for layer in layers for f in layer.constraints]
    check_size(
        sum(f.expr.n for f in families),
        len(cols.columns),
        sum(f.expr.nnz for f in families),
    )
    own_components = {id(f.component) for layer in layers for f in layer.constraints}

    rows_parts: list[np.ndarray] = []
    cols_parts: list[np.ndarray] = []
    vals_parts: list[np.ndarray] = []
    lb_parts: list[np.ndarray] = []
    ub_parts: list[np.ndarray] = []
    owners: list[RowOwner] = []
    foreign: list[Any] = []
    nrow = 0

    for layer in layers:
        off = cols.offsets[id(layer)]
        for fam in layer.constraints:
            if not (
                fam.component.active and _block_active(fam.component.parent_block())
            ):
                continue
            keep = np.fromiter(
                (
                    d._active and d._expr is e
                    for d, e in zip(fam.data, fam.exprs, strict=True)
                ),
                dtype=bool,
                count=len(fam.data),
            )
            if not keep.all():
                foreign.extend(
                    d
                    for d, k in zip(fam.data, keep, strict=True)
                    if d._active and not k
                )
            positions = np.flatnonzero(keep)
            if len(positions) == 0:
                continue
            sub = fam.expr if keep.all() else fam.expr.take(positions)
            rows_parts.append(sub.rows + nrow)
            cols_parts.append(sub.cols + off)
            vals_parts.append(sub.coefs)
            lb_parts.append(fam.lower[positions])
            ub_parts.append(fam.upper[positions])
            owners.append(RowOwner(nrow, nrow + len(positions), fam, positions))
            nrow += len(positions)

    for comp in model.component_objects(pyo.Constraint, active=True, descend_into=True):
        if id(comp) in own_components:
            continue
        foreign.extend(d for d in comp.values() if d.active)

    if foreign:
        f_rows: list[int] = []
        f_cols: list[int] = []
        f_vals: list[float] = []
        f_lb: list[float] = []
        f_ub: list[float] = []
        for k, con in enumerate(foreign):
            idx, coefs, const = _linear_terms(con.body, cols, f"constraint {con.name}")
            lo, hi = con.lb, con.ub
            f_rows.extend([nrow + k] * len(idx))
            f_cols.extend(idx)
            f_vals.extend(coefs)
            f_lb.append(-np.inf if lo is None else float(lo) - const)
            f_ub.append(np.inf if hi is None else float(hi) - const)
        rows_parts.append(np.asarray(f_rows, dtype=np.int64))
        cols_parts.append(np.asarray(f_cols, dtype=np.int64))
        vals_parts.append(np.asarray(f_vals, dtype=float))
        lb_parts.append(np.asarray(f_lb))
        ub_parts.append(np.asarray(f_ub))
        owners.append(RowOwner(nrow, nrow + len(foreign), None, None, tuple(foreign)))
        nrow += len(foreign)

    objectives = list(
        model.component_data_objects(pyo.Objective, active=True, descend_into=True)
    )
    if len(objectives) != 1:
        raise SolveError(
            f"the model has {len(objectives)} active objectives; exactly one is needed"
        )
    obj = objectives[0]
    c_own: dict[int, FloatArray] = {}
    c0 = 0.0
    owner_layer = next((ly for ly in layers if ly.objective is obj), None)
    if owner_layer is not None and obj.expr is owner_layer.objective_expr:
        assert owner_layer.objective_c is not None
        c_own[cols.offsets[id(owner_layer)]] = owner_layer.objective_c
        c0 = owner_layer.objective_const
        obj_idx: list[int] = []
        obj_val: list[float] = []
    else:
        obj_idx, obj_val, c0 = _linear_terms(obj.expr, cols, f"objective {obj.name}")

    ncol = len(cols.columns)
    c = np.zeros(ncol)
    for off, vec in c_own.items():
        c[off : off + len(vec)] += vec
    if obj_idx:
        np.add.at(c, np.asarray(obj_idx, dtype=np.int64), np.asarray(obj_val))

    check_size(nrow, len(cols.columns), sum(len(r) for r in rows_parts))
    a = compress(
        np.concatenate(rows_parts) if rows_parts else np.empty(0, np.int64),
        np.concatenate(cols_parts) if cols_parts else np.empty(0, np.int64),
        np.concatenate(vals_parts) if vals_parts else np.empty(0),
        (nrow, ncol),
        by="col",
    )
    col_lb, col_ub = _bounds(cols.columns)
    return CompiledLP(
        c=c,
        c0=c0,
        sense=1 if obj.sense == pyo.minimize else -1,
        a=a,
        row_lb=np.concatenate(lb_parts) if lb_parts else np.empty(0),
        row_ub=np.concatenate(ub_parts) if ub_parts else np.empty(0),
        col_lb=col_lb,
        col_ub=col_ub,
        columns=cols.columns,
        layer_offsets=cols.offsets,
        row_owners=owners,
        objective=obj,
    )


def _bounds(columns: list[Any]) -> tuple[FloatArray, FloatArray]:
    """Column bounds from the Pyomo variables; a fixed variable has lb = ub = value."""
    n = len(columns)
    lb = np.array([v.lb for v in columns], dtype=float).reshape(n)
    ub = np.array([v.ub for v in columns], dtype=float).reshape(n)
    lb[np.isnan(lb)] = -np.inf  # None (no bound) became NaN
    ub[np.isnan(ub)] = np.inf
    fixed = np.fromiter((v.fixed for v in columns), bool, n)
    if fixed.any():
        vals = np.array([columns[j].value for j in np.flatnonzero(fixed)], dtype=float)
        if np.isnan(vals).any():
            bad = columns[int(np.flatnonzero(fixed)[np.isnan(vals).argmax()])]
            raise SolveError(f"variable {bad.name} is fixed but has no value")
        lb[fixed] = vals
        ub[fixed] = vals
    return lb, ub
