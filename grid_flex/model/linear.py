"""Array-backed linear components on ordinary Pyomo blocks.

Asset and program modules describe their LP with numpy arrays: a variable family is
one indexed Pyomo ``Var``; a constraint family is one indexed Pyomo ``Constraint``
written from a :class:`LinExpr` (rows of ``Σ coef · x + const``). Every component is a
real Pyomo component, so a planning study can read, fix, deactivate or add to them.

The arrays are also kept, so that :mod:`grid_flex.model.handoff` can hand the model
to HiGHS as matrices without walking one Pyomo expression per row, which is where the
documented Pyomo path spends its time (``shared/docs/performance.md``). Rows that a
user deactivated or rewrote, and every component the user added, are still compiled
from their Pyomo expressions.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from grid_flex.model.sparse import Compressed, compress

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
#: Row and column positions of a :class:`LinExpr`: 32-bit, as HiGHS's own indices.
IndexArray = NDArray[np.int32]
Sense = Literal["==", "<=", ">="]
#: Most rows or columns an expression may index (HiGHS's indices are 32-bit too).
MAX_INDEX = int(np.iinfo(np.int32).max)

#: Attribute under which a block keeps its :class:`LinearLayer`.
LAYER_ATTR = "_grid_flex_layer"


def as_index(positions: ArrayLike, what: str = "index") -> IndexArray:
    """``positions`` as 32-bit row or column positions (no copy if already so).

    32 bits halve the memory of a year's coordinates against 64 (a 15-minute year's
    terms hold about 2.6 million entries); HiGHS takes 32-bit indices as well.

    Raises
    ------
    OverflowError
        If a position is negative or above ``MAX_INDEX`` (2**31 − 1).
    """
    arr = np.asarray(positions)
    if arr.dtype == np.int32:
        return arr
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) > MAX_INDEX):
        raise OverflowError(
            f"{what} positions must lie in [0, {MAX_INDEX}] (32-bit), got "
            f"[{int(arr.min())}, {int(arr.max())}]"
        )
    return arr.astype(np.int32)


@functools.lru_cache(maxsize=64)
def _shared(kind: str, n: int) -> NDArray[Any]:
    """A read-only array of ``n`` zeros (``"zeros"``), ones or positions 0..n-1.

    Expressions never change their arrays in place, so the many that need the same
    constant array (a variable family's unit coefficients, the zero constant of
    every expression without one) share one.
    """
    if kind == "zeros":
        arr = np.zeros(n)
    elif kind == "ones":
        arr = np.ones(n)
    else:
        arr = np.arange(n, dtype=np.int32)
    arr.flags.writeable = False
    return arr


#: Coordinates of a sum's part: row positions, column positions, coefficients.
Part = tuple[IndexArray, IndexArray, FloatArray]


def _joined(arrays: list[NDArray[Any]], dtype: Any) -> NDArray[Any]:
    """The arrays one after the other (the array itself when there is one)."""
    if not arrays:
        return np.empty(0, dtype=dtype)
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


class LinExpr:
    """``n`` affine rows over the columns of one :class:`LinearLayer`.

    Row ``i`` equals ``Σ_k coefs[k]·x[cols[k]] (rows[k] == i) + const[i]``. Entries are
    kept in coordinate form; duplicates add up. Row and column positions are 32-bit
    (:func:`as_index`); coefficients are float64.

    A sum of expressions keeps the coordinates of its terms as they are (its *parts*)
    instead of copying them into one array: the site's sums (net load, revenue, cost,
    profit, flexibility over every asset) would otherwise hold a second and third copy
    of every asset's terms. ``rows``, ``cols`` and ``coefs`` join the parts when read,
    in the order a copying sum would have (same values, same order), without keeping
    the result; scaling and negation apply part by part.
    """

    __slots__ = ("_coefs", "_cols", "_parts", "_rows", "const", "n")
    #: Make ``ndarray * LinExpr`` call ``LinExpr.__rmul__`` instead of broadcasting.
    __array_ufunc__ = None

    def __init__(
        self,
        n: int,
        rows: ArrayLike,
        cols: ArrayLike,
        coefs: FloatArray,
        const: FloatArray | None = None,
    ) -> None:
        if n > MAX_INDEX:
            raise OverflowError(f"{n} rows: at most {MAX_INDEX} (32-bit positions)")
        self.n = n
        self._rows: IndexArray = as_index(rows, "row")
        self._cols: IndexArray = as_index(cols, "column")
        self._coefs = coefs
        self._parts: tuple[Part, ...] | None = None
        self.const = _shared("zeros", n) if const is None else const

    @classmethod
    def _of_parts(cls, n: int, parts: tuple[Part, ...], const: FloatArray) -> LinExpr:
        """The sum of ``parts`` plus ``const``, keeping the parts' arrays (no copy)."""
        if len(parts) == 1:
            return cls(n, *parts[0], const)
        out = cls.__new__(cls)
        out.n = n
        out._parts = parts
        out.const = const
        return out

    # ---- coordinates ----------------------------------------------------------------
    @property
    def parts(self) -> tuple[Part, ...]:
        """The coordinate arrays this expression adds up (one part unless a sum)."""
        if self._parts is None:
            return ((self._rows, self._cols, self._coefs),)
        return self._parts

    @property
    def rows(self) -> IndexArray:
        """Row position of each entry (int32)."""
        if self._parts is None:
            return self._rows
        return _joined([p[0] for p in self._parts], np.int32)

    @property
    def cols(self) -> IndexArray:
        """Column position of each entry (int32)."""
        if self._parts is None:
            return self._cols
        return _joined([p[1] for p in self._parts], np.int32)

    @property
    def coefs(self) -> FloatArray:
        """Coefficient of each entry [unit of the rows per unit of the column]."""
        if self._parts is None:
            return self._coefs
        return _joined([p[2] for p in self._parts], float)

    @property
    def nnz(self) -> int:
        """Number of entries (duplicates counted)."""
        return sum(len(p[2]) for p in self.parts)

    # ---- construction -------------------------------------------------------------
    @classmethod
    def constant(cls, values: ArrayLike, n: int | None = None) -> LinExpr:
        """An expression with no variables [unit of ``values``]."""
        arr = np.asarray(values, dtype=float)
        if arr.ndim == 0:
            arr = np.full(1 if n is None else n, float(arr))
        empty = np.empty(0, dtype=np.int32)
        return cls(len(arr), empty, empty.copy(), np.empty(0), arr.copy())

    @classmethod
    def zeros(cls, n: int) -> LinExpr:
        """``n`` rows equal to zero."""
        return cls.constant(np.zeros(n))

    @classmethod
    def stack(cls, *parts: LinExpr) -> LinExpr:
        """Rows of each part, one after the other."""
        starts = np.cumsum([0] + [p.n for p in parts])
        if starts[-1] > MAX_INDEX:
            raise OverflowError(f"{starts[-1]} rows: at most {MAX_INDEX} (32-bit)")
        return cls(
            int(starts[-1]),
            np.concatenate(
                [p.rows + np.int32(s) for p, s in zip(parts, starts, strict=False)]
            ),
            np.concatenate([p.cols for p in parts]),
            np.concatenate([p.coefs for p in parts]),
            np.concatenate([p.const for p in parts]),
        )

    # ---- arithmetic ---------------------------------------------------------------
    def _broadcast(self, values: ArrayLike) -> FloatArray:
        arr = np.asarray(values, dtype=float)
        if arr.ndim == 0:
            return np.full(self.n, float(arr))
        if arr.shape != (self.n,):
            raise ValueError(f"shape {arr.shape} does not match {self.n} rows")
        return arr

    def __add__(self, other: LinExpr | ArrayLike) -> LinExpr:
        if isinstance(other, LinExpr):
            if other.n != self.n:
                raise ValueError(f"cannot add {other.n} rows to {self.n} rows")
            parts = tuple(p for p in (*self.parts, *other.parts) if len(p[2]))
            return LinExpr._of_parts(self.n, parts, self.const + other.const)
        return LinExpr._of_parts(
            self.n, self.parts, self.const + self._broadcast(other)
        )

    __radd__ = __add__

    def __neg__(self) -> LinExpr:
        parts = tuple((r, c, -k) for r, c, k in self.parts)
        return LinExpr._of_parts(self.n, parts, -self.const)

    def __sub__(self, other: LinExpr | ArrayLike) -> LinExpr:
        return self + (-other if isinstance(other, LinExpr) else -np.asarray(other))

    def __rsub__(self, other: ArrayLike) -> LinExpr:
        return (-self) + other

    def __mul__(self, factor: ArrayLike) -> LinExpr:
        f = np.asarray(factor, dtype=float)
        if f.ndim == 0:
            parts = tuple((r, c, k * f) for r, c, k in self.parts)
            return LinExpr._of_parts(self.n, parts, self.const * f)
        f = self._broadcast(f)
        parts = tuple((r, c, k * f[r]) for r, c, k in self.parts)
        return LinExpr._of_parts(self.n, parts, self.const * f)

    __rmul__ = __mul__

    # ---- reshaping ----------------------------------------------------------------
    def sum(self) -> LinExpr:
        """One row holding the sum of all rows."""
        parts = tuple(
            (np.zeros(len(k), dtype=np.int32), c, k) for _, c, k in self.parts
        )
        return LinExpr._of_parts(1, parts, np.array([self.const.sum()]))

    def take(self, positions: ArrayLike) -> LinExpr:
        """Rows at ``positions`` (in that order, repeats allowed)."""
        pos = np.asarray(positions, dtype=np.int64)
        rows = self.rows
        order = np.argsort(rows, kind="stable")
        counts = np.bincount(rows, minlength=self.n)
        del rows
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        lengths = counts[pos]
        total = int(lengths.sum())
        new_rows = np.repeat(np.arange(len(pos), dtype=np.int32), lengths)
        offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        src = order[np.repeat(starts[pos], lengths) + offsets]
        return LinExpr(
            len(pos), new_rows, self.cols[src], self.coefs[src], self.const[pos]
        )

    def shift(self, periods: int, *, cyclic: bool = True) -> LinExpr:
        """Row ``i`` becomes row ``i - periods`` (wrapping around when cyclic)."""
        idx = np.arange(self.n) - periods
        if not cyclic and ((idx < 0) | (idx >= self.n)).any():
            raise ValueError("non-cyclic shift out of range; take() explicit rows")
        return self.take(idx % self.n)

    # ---- evaluation ---------------------------------------------------------------
    def matrix(self, ncols: int) -> Compressed:
        """The coefficient matrix by row (CSR), ``n × ncols``, without the constant."""
        return compress(self.rows, self.cols, self.coefs, (self.n, ncols), by="row")

    def value(self, x: FloatArray) -> FloatArray:
        """Evaluate every row at the column values ``x``."""
        weights = _joined([k * x[c] for _, c, k in self.parts], float)
        out = np.bincount(self.rows, weights=weights, minlength=self.n)
        return out + self.const


@dataclass(eq=False)
class VarArray:
    """A variable family: one Pyomo ``Var`` and its contiguous columns."""

    component: Any
    offset: int
    n: int
    doc: str

    @functools.cached_property
    def expr(self) -> LinExpr:
        """The variables themselves as an expression, one row each (made once)."""
        cols = np.arange(self.offset, self.offset + self.n, dtype=np.int32)
        cols.flags.writeable = False
        idx = _shared("positions", self.n)
        return LinExpr(self.n, idx, cols, _shared("ones", self.n))

    @property
    def cols(self) -> IntArray:
        """Column positions in the owning layer."""
        return np.arange(self.offset, self.offset + self.n, dtype=np.int64)


@dataclass(eq=False)
class ConstraintArray:
    """A constraint family: one Pyomo ``Constraint`` and its rows as arrays."""

    component: Any
    data: list[Any]
    exprs: list[Any]
    expr: LinExpr
    lower: FloatArray
    upper: FloatArray
    doc: str
    labels: Sequence[Any]


@dataclass(eq=False)
class LinearLayer:
    """The array record of the components a grid-flex builder put on a block."""

    block: Any
    columns: list[Any] = field(default_factory=list)
    variables: list[VarArray] = field(default_factory=list)
    constraints: list[ConstraintArray] = field(default_factory=list)
    objective: Any = None
    objective_expr: Any = None
    objective_c: FloatArray | None = None
    objective_const: float = 0.0
    objective_sense: int = 1
    totals: dict[str, tuple[Any, FloatArray, float]] = field(default_factory=dict)
    #: User-set limits declared by the modules (:mod:`grid_flex.model.limits`).
    limits: list[Any] = field(default_factory=list)

    @property
    def ncols(self) -> int:
        """Number of columns (scalar variables) so far."""
        return len(self.columns)

    def _check_room(self, name: str, n: int) -> None:
        """Refuse a variable family whose columns would pass ``MAX_INDEX``."""
        if self.ncols + n > MAX_INDEX:
            raise OverflowError(
                f"{name}: {n} more columns after {self.ncols} pass the {MAX_INDEX} "
                "that 32-bit positions (and HiGHS) allow; shorten the horizon or "
                "lengthen the time step"
            )

    # ---- structure ------------------------------------------------------------------
    def index_set(self, block: Any, name: str, members: Iterable[Any], doc: str) -> Any:
        """Add the ordered index set ``block.<name>`` holding ``members``."""
        import pyomo.core as pyo

        index = pyo.Set(initialize=list(members), ordered=True, doc=doc)
        block.add_component(name, index)
        return index

    def sub_blocks(self, block: Any, name: str, keys: Sequence[Any], doc: str) -> Any:
        """Add ``block.<name>``: one sub-block per key (``block.<name>[key]``)."""
        import pyomo.core as pyo

        blocks = pyo.Block(list(keys), doc=doc)
        block.add_component(name, blocks)
        return blocks

    # ---- variables ------------------------------------------------------------------
    def add_var(
        self,
        block: Any,
        name: str,
        index: Any,
        *,
        lb: ArrayLike = 0.0,
        ub: ArrayLike = np.inf,
        doc: str,
    ) -> VarArray:
        """Add ``block.<name>`` indexed by the ordered set ``index`` (scalar if None).

        ``lb``/``ub`` are scalars or arrays in index order; ±inf means no bound.
        """
        n = 1 if index is None else len(index)
        self._check_room(name, n)
        lbs = np.broadcast_to(np.asarray(lb, dtype=float), (n,))
        ubs = np.broadcast_to(np.asarray(ub, dtype=float), (n,))
        if (lbs > ubs).any():
            bad = int(np.argmax(lbs > ubs))
            raise ValueError(f"{name}: lower bound above upper bound at row {bad}")
        import pyomo.core as pyo  # Pyomo only where a Pyomo model is built

        uniform = bool((lbs == lbs[0]).all() and (ubs == ubs[0]).all())
        lo0 = None if lbs[0] == -np.inf else float(lbs[0])
        hi0 = None if ubs[0] == np.inf else float(ubs[0])
        var = (
            pyo.Var(bounds=(lo0, hi0), doc=doc)
            if index is None
            else pyo.Var(index, bounds=(lo0, hi0), doc=doc)
        )
        block.add_component(name, var)
        data = [var] if index is None else list(var.values())
        if not uniform:
            for v, lo, hi in zip(data, lbs.tolist(), ubs.tolist(), strict=True):
                v.setlb(None if lo == -np.inf else lo)
                v.setub(None if hi == np.inf else hi)
        arr = VarArray(var, self.ncols, n, doc)
        self.columns.extend(data)
        self.variables.append(arr)
        return arr

    # ---- constraints ----------------------------------------------------------------
    def add_constraint(
        self,
        block: Any,
        name: str,
        index: Any,
        expr: LinExpr,
        sense: Sense,
        rhs: ArrayLike = 0.0,
        *,
        doc: str,
        labels: Sequence[Any] | None = None,
    ) -> ConstraintArray:
        """Add ``block.<name>[i]: expr[i] (sense) rhs[i]`` for every row.

        ``index`` is the ordered Pyomo set the rows follow (None for one scalar row).
        ``labels`` name the rows for messages (time stamps, by default row numbers).
        """
        n = expr.n
        if index is not None and len(index) != n:
            raise ValueError(f"{name}: {n} rows for an index of {len(index)}")
        body = expr - rhs
        bound = -body.const
        lower = np.where(sense == "<=", -np.inf, bound)
        upper = np.where(sense == ">=", np.inf, bound)
        pure = LinExpr(n, body.rows, body.cols, body.coefs)
        relations = self._relations(pure, lower, upper, sense)
        import pyomo.core as pyo

        if index is None:
            con = pyo.Constraint(expr=relations[0], doc=doc)
            block.add_component(name, con)
            data = [con]
        else:
            keys = list(index)
            lookup = dict(zip(keys, relations, strict=True))
            con = pyo.Constraint(index, rule=lambda _b, k: lookup[k], doc=doc)
            block.add_component(name, con)
            data = [con[k] for k in keys]
        family = ConstraintArray(
            con,
            data,
            [d._expr for d in data],
            pure,
            np.broadcast_to(lower, (n,)).astype(float),
            np.broadcast_to(upper, (n,)).astype(float),
            doc,
            labels if labels is not None else range(n),
        )
        self.constraints.append(family)
        return family

    def _bodies(self, expr: LinExpr, with_const: bool) -> list[Any]:
        """One Pyomo ``LinearExpression`` per row.

        Rows are grouped by their number of terms and built term position by term
        position, so the Python work per row is one list and one object; a coefficient
        of 1 puts the variable itself in the expression.
        """
        from pyomo.core.expr.numeric_expr import (
            LinearExpression,
            MonomialTermExpression,
        )

        csr = expr.matrix(self.ncols)
        counts = np.diff(csr.indptr)
        cols = self.columns
        const = expr.const.tolist() if with_const else None
        bodies: list[Any] = [None] * expr.n
        mono = MonomialTermExpression
        long_rows: list[int] = []
        for k in np.unique(counts).tolist():
            rows = np.flatnonzero(counts == k)
            if len(rows) < k:  # few long rows (sums over a month, totals): row-wise
                long_rows += rows.tolist()
                continue
            starts = csr.indptr[rows]
            positions: list[list[Any]] = []
            for m in range(k):
                at = starts + m
                coefs = csr.data[at].tolist()
                vars_m = [cols[j] for j in csr.indices[at].tolist()]
                positions.append(
                    [
                        v if c == 1.0 else mono((c, v))
                        for c, v in zip(coefs, vars_m, strict=True)
                    ]
                )
            row_list = rows.tolist()
            if const is not None:
                positions.insert(0, [const[r] for r in row_list])
            terms: Iterable[tuple[Any, ...]] = (
                zip(*positions, strict=True) if positions else [()] * len(row_list)
            )
            for r, args in zip(row_list, terms, strict=True):
                bodies[r] = LinearExpression(list(args))
        indptr = csr.indptr
        for r in long_rows:
            a, b = int(indptr[r]), int(indptr[r + 1])
            coefs = csr.data[a:b].tolist()
            vars_r = [cols[j] for j in csr.indices[a:b].tolist()]
            row_args: list[Any] = [] if const is None else [const[r]]
            row_args += [
                v if c == 1.0 else mono((c, v))
                for c, v in zip(coefs, vars_r, strict=True)
            ]
            bodies[r] = LinearExpression(row_args)
        return bodies

    def _relations(
        self, expr: LinExpr, lower: FloatArray, upper: FloatArray, sense: Sense
    ) -> list[Any]:
        """Pyomo relational expressions, one per row."""
        from pyomo.core.expr.relational_expr import (
            EqualityExpression,
            InequalityExpression,
        )

        bodies = self._bodies(expr, with_const=False)
        if sense == "==":
            rhs = np.broadcast_to(upper, (expr.n,)).tolist()
            return [EqualityExpression(p) for p in zip(bodies, rhs, strict=True)]
        if sense == "<=":
            rhs = np.broadcast_to(upper, (expr.n,)).tolist()
            return [
                InequalityExpression(p, False) for p in zip(bodies, rhs, strict=True)
            ]
        rhs = np.broadcast_to(lower, (expr.n,)).tolist()
        return [InequalityExpression(p, False) for p in zip(rhs, bodies, strict=True)]

    # ---- expressions and objective ---------------------------------------------------
    def add_expression(
        self, block: Any, name: str, index: Any, expr: LinExpr, *, doc: str
    ) -> Any:
        """Expose ``expr`` as a Pyomo ``Expression`` for studies that embed the site."""
        import pyomo.core as pyo

        bodies = self._bodies(expr, with_const=True)
        if index is None:
            comp = pyo.Expression(expr=bodies[0], doc=doc)
        else:
            lookup = dict(zip(list(index), bodies, strict=True))
            comp = pyo.Expression(index, rule=lambda _b, k: lookup[k], doc=doc)
        block.add_component(name, comp)
        return comp

    def add_total(self, block: Any, name: str, expr: LinExpr, *, doc: str) -> Any:
        """Add ``block.<name>``: a scalar Pyomo ``Expression`` equal to ``expr.sum()``.

        Coefficients of the same variable are merged first, so the expression has one
        term per variable.
        """
        import pyomo.core as pyo
        from pyomo.core.expr.numeric_expr import (
            LinearExpression,
            MonomialTermExpression,
        )

        total = expr.sum()
        c = np.bincount(total.cols, weights=total.coefs, minlength=self.ncols)
        nz = np.flatnonzero(c)
        cols = self.columns
        body = LinearExpression(
            [float(total.const[0])]
            + [MonomialTermExpression((float(c[j]), cols[j])) for j in nz.tolist()]
        )
        comp = pyo.Expression(expr=body, doc=doc)
        block.add_component(name, comp)
        self.totals[name] = (comp, c.astype(float), float(total.const[0]))
        return comp

    def set_objective(
        self, block: Any, name: str, total: str, *, maximize: bool, doc: str
    ) -> Any:
        """Make the total ``block.<total>`` (see :meth:`add_total`) the objective."""
        import pyomo.core as pyo

        comp, c, const = self.totals[total]
        sense = pyo.maximize if maximize else pyo.minimize
        obj = pyo.Objective(expr=comp, sense=sense, doc=doc)
        block.add_component(name, obj)
        self.objective = obj
        self.objective_expr = obj.expr
        self.objective_c = c
        self.objective_const = const
        self.objective_sense = -1 if maximize else 1
        return obj


def attach_layer(block: Any) -> LinearLayer:
    """Create the :class:`LinearLayer` of ``block`` (one per site block).

    An empty layer a study attached beforehand (e.g. one that records arrays only,
    :class:`grid_flex.model.arrays.ArrayLayer`) is used instead.
    """
    existing = block.__dict__.get(LAYER_ATTR)
    if isinstance(existing, LinearLayer) and not existing.columns:
        return existing
    layer = LinearLayer(block)
    object.__setattr__(block, LAYER_ATTR, layer)
    return layer


def find_layers(model: Any) -> list[LinearLayer]:
    """Every :class:`LinearLayer` on ``model`` or its sub-blocks, in block order."""
    import pyomo.core as pyo

    layers = []
    for blk in model.component_data_objects(pyo.Block, descend_into=True):
        layer = blk.__dict__.get(LAYER_ATTR)
        if layer is not None:
            layers.append(layer)
    own = model.__dict__.get(LAYER_ATTR)
    if own is not None:
        layers.insert(0, own)
    return layers
