"""Array-only builds: the site's modules write their LP without Pyomo rows.

Rolling windows and re-solves build the same site hundreds of times. Building each
as Pyomo components (one ``Var`` data object per column, one relational expression
per row) costs about twice the solve. The asset and program modules already write
every family as numpy arrays (:mod:`grid_flex.model.linear`); :class:`ArrayLayer`
keeps only those arrays — variables, rows, totals, the objective — and
:func:`compile_arrays` hands them to HiGHS as a :class:`CompiledLP` in the order
:func:`grid_flex.model.handoff.compile_model` gives for the Pyomo build. The Pyomo
block still holds the sets and sub-blocks the modules create, so names and index
sets are those of a normal build.

Tests check that a window built this way and the same window built with Pyomo give
the same optimum (``tests/integration/test_rolling.py``), and that both compiles
give the same LP (``tests/studies/``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from grid_flex.model.handoff import CompiledLP, RowOwner, check_size
from grid_flex.model.linear import (
    LAYER_ATTR,
    ConstraintArray,
    FloatArray,
    LinearLayer,
    LinExpr,
    Sense,
    VarArray,
)
from grid_flex.model.sparse import PatternMemo, compress


@dataclass(eq=False)
class Family:
    """Stands in for a Pyomo component of an array-only build (name and index)."""

    block: Any
    local_name: str
    index: Any
    doc: str
    #: False once a module replaced the family (Pyomo's ``deactivate``): its rows
    #: are left out of the LP.
    active: bool = True

    def deactivate(self) -> None:
        """Leave the family out of the LP, as a deactivated Pyomo component is."""
        self.active = False

    def parent_block(self) -> Any:
        """The block the family was declared on."""
        return self.block

    @property
    def name(self) -> str:
        """Fully qualified name, as Pyomo would give it."""
        return self.getname(fully_qualified=True)

    def getname(self, fully_qualified: bool = True) -> str:
        """``<block>.<name>``, or ``<name>`` on the model itself."""
        if not fully_qualified or self.block.parent_block() is None:
            return self.local_name
        return f"{self.block.getname(fully_qualified=True)}.{self.local_name}"

    def is_indexed(self) -> bool:
        """Whether the family has an index set."""
        return self.index is not None

    def index_set(self) -> Any:
        """The family's index set."""
        return self.index


class PyomoComponentAdded(TypeError):
    """A module put a Pyomo component on an :class:`ArrayBlock` (the LP needs Pyomo)."""


class ArrayIndex:
    """An ordered index set of an array-only build (Pyomo's ordered ``Set``'s role)."""

    __slots__ = ("doc", "members")

    def __init__(self, members: Iterable[Any], doc: str) -> None:
        self.members: Sequence[Any] = (
            members if isinstance(members, range | _Product) else tuple(members)
        )
        self.doc = doc

    def __len__(self) -> int:
        return len(self.members)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.members)

    def __contains__(self, key: object) -> bool:
        return key in self.members

    def __getitem__(self, position: int) -> Any:
        return self.members[position]

    def __mul__(self, other: ArrayIndex) -> ArrayIndex:
        """The product set, ``(a, b)`` for a in self for b in other (Pyomo's order)."""
        return ArrayIndex(_Product(self.members, other.members), self.doc)


class _Product(Sequence[tuple[Any, Any]]):
    """The ordered pairs of two sequences, made on demand (a product set's members)."""

    def __init__(self, a: Sequence[Any], b: Sequence[Any]) -> None:
        self.a, self.b = a, b

    def __len__(self) -> int:
        return len(self.a) * len(self.b)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        q, r = divmod(range(len(self))[i], len(self.b))
        return (self.a[q], self.b[r])

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return itertools.product(self.a, self.b)


class ArrayBlock:
    """A block of an array-only build: named, nested, holding plain attributes.

    It stands in for a Pyomo block when nothing but arrays is built
    (:func:`grid_flex.api.solve_arrays`), so that solving the site imports no Pyomo.
    Putting a Pyomo component on it raises :class:`PyomoComponentAdded`: the caller
    then builds the site with Pyomo instead.
    """

    _name: str
    _parent: ArrayBlock | None
    _subs: dict[Any, ArrayBlock]

    def __init__(self, name: str, parent: ArrayBlock | None = None) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_parent", parent)
        object.__setattr__(self, "_subs", {})

    def __setattr__(self, name: str, value: Any) -> None:
        if type(value).__module__.startswith("pyomo"):
            raise PyomoComponentAdded(f"{self.getname()}.{name}")
        object.__setattr__(self, name, value)

    def add_component(self, name: str, value: Any) -> None:
        """Set ``self.<name>`` (Pyomo's ``add_component``)."""
        setattr(self, name, value)

    def __getitem__(self, key: Any) -> ArrayBlock:
        """The sub-block of ``key`` of an indexed block (``ArrayLayer.sub_blocks``)."""
        return self._subs[key]

    def parent_block(self) -> ArrayBlock | None:
        """The enclosing block (None for the model)."""
        return self._parent

    def model(self) -> ArrayBlock:
        """The outermost block."""
        top = self
        while (up := top.parent_block()) is not None:
            top = up
        return top

    @property
    def name(self) -> str:
        """Fully qualified name, as Pyomo gives it."""
        return self.getname(fully_qualified=True)

    def getname(self, fully_qualified: bool = True) -> str:
        """``asset[fleet]``; nested blocks join their parents' names with dots."""
        parent = self.parent_block()
        if not fully_qualified or parent is None or parent.parent_block() is None:
            return str(self._name)
        return f"{parent.getname(fully_qualified=True)}.{self._name}"


class ArrayLayer(LinearLayer):
    """A :class:`LinearLayer` that records arrays only.

    It creates no Pyomo variables, rows, expressions or objective; on an
    :class:`ArrayBlock` it creates no Pyomo object at all (index sets and sub-blocks
    are :class:`ArrayIndex` and :class:`ArrayBlock`).
    """

    def __init__(self, block: Any) -> None:
        super().__init__(block)
        self.col_lb: list[FloatArray] = []
        self.col_ub: list[FloatArray] = []
        self.plain = isinstance(block, ArrayBlock)
        #: True once :meth:`release_rows` dropped the rows' coordinates.
        self.rows_released = False

    def release_rows(self) -> None:
        """Drop every row family's coordinates, once the LP is compiled.

        A one-off solve (:func:`grid_flex.api.solve_arrays`) needs them only to
        compile; the compiled matrix goes to HiGHS, and without them HiGHS's solve
        (where the process peaks) starts about 7 MiB lower on a 15-minute year. The
        families keep their row count, bounds and labels (duals, messages);
        :func:`compile_arrays` refuses a released layer.
        """
        none_i = np.empty(0, dtype=np.int32)
        for fam in self.constraints:
            fam.expr = LinExpr(fam.expr.n, none_i, none_i, np.empty(0))
        self.rows_released = True

    def index_set(self, block: Any, name: str, members: Iterable[Any], doc: str) -> Any:
        """An :class:`ArrayIndex` on a plain build (else Pyomo's ordered ``Set``)."""
        if not self.plain:
            return super().index_set(block, name, members, doc)
        index = ArrayIndex(members, doc)
        block.add_component(name, index)
        return index

    def sub_blocks(self, block: Any, name: str, keys: Sequence[Any], doc: str) -> Any:
        """An indexed :class:`ArrayBlock` on a plain build (else a Pyomo ``Block``)."""
        if not self.plain:
            return super().sub_blocks(block, name, keys, doc)
        holder = ArrayBlock(name, block)
        for key in keys:
            holder._subs[key] = ArrayBlock(f"{name}[{key}]", block)
        block.add_component(name, holder)
        return holder

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
        """Record a variable family's bounds (see :meth:`LinearLayer.add_var`)."""
        n = 1 if index is None else len(index)
        self._check_room(name, n)
        lbs = np.broadcast_to(np.asarray(lb, dtype=float), (n,))
        ubs = np.broadcast_to(np.asarray(ub, dtype=float), (n,))
        if (lbs > ubs).any():
            bad = int(np.argmax(lbs > ubs))
            raise ValueError(f"{name}: lower bound above upper bound at row {bad}")
        arr = VarArray(Family(block, name, index, doc), self.ncols, n, doc)
        self.columns.extend([None] * n)
        self.col_lb.append(lbs)
        self.col_ub.append(ubs)
        self.variables.append(arr)
        return arr

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
        """Record a row family (see :meth:`LinearLayer.add_constraint`)."""
        n = expr.n
        if index is not None and len(index) != n:
            raise ValueError(f"{name}: {n} rows for an index of {len(index)}")
        body = expr - rhs
        bound = np.negative(body.const, dtype=float)
        bound.flags.writeable = False  # shared by both sides of an equality
        # read-only views of one number: no memory per row
        below, above = np.broadcast_to(-np.inf, (n,)), np.broadcast_to(np.inf, (n,))
        family = ConstraintArray(
            Family(block, name, index, doc),
            [],
            [],
            LinExpr(n, body.rows, body.cols, body.coefs),
            below if sense == "<=" else bound,
            above if sense == ">=" else bound,
            doc,
            labels if labels is not None else range(n),
        )
        self.constraints.append(family)
        return family

    def add_expression(
        self, block: Any, name: str, index: Any, expr: LinExpr, *, doc: str
    ) -> Any:
        """Nothing to record: expressions are read from the modules' terms."""
        return None

    def add_total(self, block: Any, name: str, expr: LinExpr, *, doc: str) -> Any:
        """Record a total's coefficients (see :meth:`LinearLayer.add_total`)."""
        total = expr.sum()
        c = np.bincount(total.cols, weights=total.coefs, minlength=self.ncols)
        self.totals[name] = (None, c.astype(float), float(total.const[0]))
        return None

    def set_objective(
        self, block: Any, name: str, total: str, *, maximize: bool, doc: str
    ) -> Any:
        """Make a recorded total the objective."""
        _, c, const = self.totals[total]
        self.objective = name
        self.objective_c = c
        self.objective_const = const
        self.objective_sense = -1 if maximize else 1
        return None


def active_families(layer: ArrayLayer) -> list[ConstraintArray]:
    """The layer's row families that no module deactivated, in build order."""
    return [f for f in layer.constraints if getattr(f.component, "active", True)]


def attach_array_layer(block: Any) -> ArrayLayer:
    """Give ``block`` an empty :class:`ArrayLayer`; the site build then uses it."""
    layer = ArrayLayer(block)
    object.__setattr__(block, LAYER_ATTR, layer)
    return layer


@dataclass(frozen=True)
class ArrayColumn:
    """A column of an array-only build: its name, as a Pyomo variable would give."""

    name: str


class _ArrayColumns:
    """Column names of an array-only layer, made on demand (only for messages)."""

    def __init__(self, layer: ArrayLayer) -> None:
        self._layer = layer

    def __len__(self) -> int:
        return self._layer.ncols

    def __getitem__(self, j: int) -> ArrayColumn:
        for fam in self._layer.variables:
            if fam.offset <= j < fam.offset + fam.n:
                return ArrayColumn(f"{fam.component.name}[{j - fam.offset}]")
        raise IndexError(j)


def compile_arrays(layer: ArrayLayer, *, memo: PatternMemo | None = None) -> CompiledLP:
    """An array-only layer's LP, rows and columns in ``compile_model``'s order.

    :func:`grid_flex.model.handoff.compile_model` gives the same LP for the site
    built with Pyomo components (tested). It records which family owns each row, so
    that KPIs can read duals (shadow prices), and names the columns (for messages).
    ``memo`` re-uses the last matrix's ordering when the sparsity repeats (re-solves).
    """
    if layer.rows_released:
        raise RuntimeError("the layer's rows were released after its compile")
    ncol = layer.ncols
    owners: list[RowOwner] = []
    rows, cols, vals = [], [], []
    nrow = 0
    families = active_families(layer)
    check_size(sum(f.expr.n for f in families), ncol, sum(f.expr.nnz for f in families))
    for fam in families:
        e = fam.expr
        rows.append(e.rows + nrow)
        cols.append(e.cols)
        vals.append(e.coefs)
        owners.append(RowOwner(nrow, nrow + e.n, fam, np.arange(e.n)))
        nrow += e.n
    empty_i = np.empty(0, dtype=np.int64)
    a = (compress if memo is None else memo.compress)(
        np.concatenate(rows) if rows else empty_i,
        np.concatenate(cols) if cols else empty_i,
        np.concatenate(vals) if vals else np.empty(0),
        (nrow, ncol),
        by="col",
    )
    c = np.zeros(ncol)
    if layer.objective_c is not None:
        c[: len(layer.objective_c)] = layer.objective_c
    empty = np.empty(0)
    return CompiledLP(
        c=c,
        c0=layer.objective_const,
        sense=layer.objective_sense,
        a=a,
        row_lb=np.concatenate([f.lower for f in families] or [empty]),
        row_ub=np.concatenate([f.upper for f in families] or [empty]),
        col_lb=np.concatenate(layer.col_lb or [empty]),
        col_ub=np.concatenate(layer.col_ub or [empty]),
        columns=_ArrayColumns(layer),  # type: ignore[arg-type]
        layer_offsets={id(layer): 0},
        row_owners=owners,
        objective=None,  # no Pyomo objective: extract's profit check does not apply
    )
