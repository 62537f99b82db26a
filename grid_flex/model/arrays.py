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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from grid_flex.model.handoff import CompiledLP, RowOwner
from grid_flex.model.linear import (
    LAYER_ATTR,
    ConstraintArray,
    FloatArray,
    LinearLayer,
    LinExpr,
    Sense,
    VarArray,
)
from grid_flex.model.sparse import compress


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


class ArrayLayer(LinearLayer):
    """A :class:`LinearLayer` that records arrays only.

    It creates no Pyomo variables, rows, expressions or objective.
    """

    def __init__(self, block: Any) -> None:
        super().__init__(block)
        self.col_lb: list[FloatArray] = []
        self.col_ub: list[FloatArray] = []

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
        bound = -body.const
        lower = np.where(sense == "<=", -np.inf, bound)
        upper = np.where(sense == ">=", np.inf, bound)
        family = ConstraintArray(
            Family(block, name, index, doc),
            [],
            [],
            LinExpr(n, body.rows, body.cols, body.coefs),
            np.broadcast_to(lower, (n,)).astype(float),
            np.broadcast_to(upper, (n,)).astype(float),
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


def compile_arrays(layer: ArrayLayer) -> CompiledLP:
    """An array-only layer's LP, rows and columns in ``compile_model``'s order.

    :func:`grid_flex.model.handoff.compile_model` gives the same LP for the site
    built with Pyomo components (tested). It records which family owns each row, so
    that KPIs can read duals (shadow prices), and names the columns (for messages).
    """
    ncol = layer.ncols
    owners: list[RowOwner] = []
    rows, cols, vals = [], [], []
    nrow = 0
    families = active_families(layer)
    for fam in families:
        e = fam.expr
        rows.append(e.rows + nrow)
        cols.append(e.cols)
        vals.append(e.coefs)
        owners.append(RowOwner(nrow, nrow + e.n, fam, np.arange(e.n)))
        nrow += e.n
    empty_i = np.empty(0, dtype=np.int64)
    a = compress(
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
