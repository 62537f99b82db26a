"""Capacities: a fixed number or a decision variable, read the same way by assets.

One formulation (style-examples §2): an asset asks its build context for a
:class:`Capacity` from a :class:`CapacitySpec` and writes

* ``ub=cap.ub(share)`` as the bound of an operating variable (the fixed value, or the
  most the capacity can reach), and
* ``cap.limit(ctx, name, expr, share=..., doc=...)``: ``expr ≤ share · C`` row by row,
  which adds no row when the capacity is a number (the bound already says it).

A sized capacity is one scalar column ``C`` with ``max(min, existing) ≤ C ≤ max``.
What it costs per year is ``(crf(r, life) · capex + fixed O&M) · (C − existing)``
(:func:`annual_cost_usd_per_unit_yr`); the part that already exists costs nothing more.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike

from grid_flex.finance import crf
from grid_flex.model.linear import FloatArray, IntArray, LinExpr, Sense, VarArray


class RowSink(Protocol):
    """Where capacity rows go (a :class:`~grid_flex.model.terms.BuildContext`)."""

    @property
    def n(self) -> int:
        """Intervals of the horizon."""
        ...

    def constraint(
        self, name: str, expr: LinExpr, sense: Any, rhs: Any = 0.0, *, doc: str
    ) -> Any:
        """One row per interval (or one for the horizon)."""
        ...

    def rows(
        self,
        name: str,
        expr: LinExpr,
        sense: Any,
        rhs: Any = 0.0,
        *,
        doc: str,
        labels: Any,
    ) -> Any:
        """Rows of any count, with labels."""
        ...


@dataclass(frozen=True)
class CapacitySpec:
    """How large one capacity of an asset is.

    Attributes
    ----------
    unit : str
        Unit of the capacity (``mw``, ``mwh``, ``mwth``, ``mwhth``).
    fixed : float or None
        The capacity when it is not a decision [unit].
    min, max : float
        Bounds of a sized capacity [unit]; ``max`` may be ``inf``.
    existing : float
        Part already built: it costs nothing more [unit].
    capex_usd_per_unit : float
        Overnight cost of one more unit [USD/unit].
    life_yr : float
        Useful life [yr].
    fixed_om_usd_per_unit_yr : float
        Fixed operation and maintenance [USD/unit/yr].
    purchase_size : float or None
        Size of one purchasable unit (a miner's MW, a battery unit's MWh), for the
        whole unit counts reported with a sized capacity [unit].
    build_out_usd_per_unit : float
        A second cost part with its own life, e.g. the site build-out (containers,
        transformers, a data hall) that outlives the hardware it houses [USD/unit].
    build_out_life_yr : float
        Life of that part [yr].
    """

    unit: str
    fixed: float | None = None
    min: float = 0.0
    max: float = math.inf
    existing: float = 0.0
    capex_usd_per_unit: float = 0.0
    life_yr: float = 1.0
    fixed_om_usd_per_unit_yr: float = 0.0
    purchase_size: float | None = None
    build_out_usd_per_unit: float = 0.0
    build_out_life_yr: float = 1.0

    @classmethod
    def of(cls, value: float, unit: str) -> CapacitySpec:
        """A fixed capacity."""
        return cls(unit=unit, fixed=float(value))

    @property
    def sized(self) -> bool:
        """True when the capacity is a decision."""
        return self.fixed is None

    @property
    def lower(self) -> float:
        """Least the capacity can be [unit]."""
        return self.fixed if self.fixed is not None else max(self.min, self.existing)

    @property
    def upper(self) -> float:
        """Most the capacity can be (``inf`` when unbounded) [unit]."""
        return self.fixed if self.fixed is not None else self.max

    def scaled(self, factor: float, unit: str) -> CapacitySpec:
        """The same capacity in another unit (``factor`` new units per old unit)."""
        f = float(factor)
        return CapacitySpec(
            unit=unit,
            fixed=None if self.fixed is None else self.fixed * f,
            min=self.min * f,
            max=self.max * f,
            existing=self.existing * f,
            capex_usd_per_unit=self.capex_usd_per_unit / f,
            life_yr=self.life_yr,
            fixed_om_usd_per_unit_yr=self.fixed_om_usd_per_unit_yr / f,
            purchase_size=None
            if self.purchase_size is None
            else self.purchase_size * f,
            build_out_usd_per_unit=self.build_out_usd_per_unit / f,
            build_out_life_yr=self.build_out_life_yr,
        )


def annual_cost_usd_per_unit_yr(
    spec: CapacitySpec, discount_frac_per_yr: float
) -> float:
    """Annualised cost of one unit of new capacity: ``crf · capex + fixed O&M``.

    A build-out part adds ``crf(r, its life) · its capex``.

    Parameters
    ----------
    spec : CapacitySpec
        Costs and life.
    discount_frac_per_yr : float
        Discount rate [1/yr]; 0 gives straight-line ``capex / life``.

    Returns
    -------
    float
        [USD per unit per yr].
    """
    build_out = (
        crf(discount_frac_per_yr, spec.build_out_life_yr) * spec.build_out_usd_per_unit
        if spec.build_out_usd_per_unit
        else 0.0
    )
    return (
        crf(discount_frac_per_yr, spec.life_yr) * spec.capex_usd_per_unit
        + build_out
        + spec.fixed_om_usd_per_unit_yr
    )


@dataclass(frozen=True)
class Capacity:
    """One capacity as the LP sees it: a number, or a scalar column times ``factor``.

    Attributes
    ----------
    key : str
        ``"<asset_id>.<name>"`` (``"site.import_mw"`` for the connection).
    spec : CapacitySpec
        Bounds and costs.
    var : VarArray or None
        The scalar column when sized (or shared by a study).
    factor : float
        The capacity is ``factor`` × the column (a battery's power at a fixed
        duration is its energy column / duration).
    """

    key: str
    spec: CapacitySpec
    var: VarArray | None = None
    factor: float = 1.0

    @property
    def is_variable(self) -> bool:
        """True when the capacity is a column of the LP."""
        return self.var is not None

    @property
    def upper(self) -> float:
        """Most the capacity can be, for pre-solve checks [unit]."""
        return self.spec.upper if self.var is not None else self.value_fixed

    @property
    def value_fixed(self) -> float:
        """The fixed value (only for a capacity that is a number) [unit]."""
        assert self.spec.fixed is not None, f"{self.key} is a decision"
        return self.spec.fixed

    @property
    def expr(self) -> LinExpr:
        """The capacity as a one-row expression [unit]."""
        if self.var is None:
            return LinExpr.constant([self.value_fixed])
        return self.var.expr * self.factor if self.factor != 1.0 else self.var.expr

    def rows(self, n: int, share: ArrayLike = 1.0) -> LinExpr:
        """``share · C`` repeated on ``n`` rows [unit]."""
        return self.expr.take(np.zeros(n, dtype=np.int64)) * share

    def ub(self, share: ArrayLike = 1.0) -> Any:
        """Upper bound for an operating variable ``≤ share · C``."""
        return np.asarray(share, dtype=float) * self.upper

    def lb(self, share: ArrayLike = 1.0) -> Any:
        """Lower bound for an operating variable ``≥ share · C``."""
        low = self.spec.lower if self.var is not None else self.value_fixed
        return np.asarray(share, dtype=float) * low

    def limit(
        self,
        ctx: RowSink,
        name: str,
        expr: LinExpr,
        *,
        share: ArrayLike = 1.0,
        sense: Sense = "<=",
        doc: str,
    ) -> None:
        """Rows ``expr (sense) share · C``; none when the capacity is a number.

        With a fixed capacity the operating variable's bound (:meth:`ub`, :meth:`lb`)
        already states the relation.
        """
        if self.var is None:
            return
        row = expr - self.rows(expr.n, share)
        if expr.n in (ctx.n, 1):
            ctx.constraint(name, row, sense, doc=doc)
        else:
            ctx.rows(name, row, sense, doc=doc, labels=range(expr.n))

    def value(self, x: FloatArray) -> float:
        """The solved capacity [unit]."""
        return float(self.expr.value(x)[0])


def first_stage_columns(capacities: Iterable[Capacity], layer_offset: int) -> IntArray:
    """Column positions of the sized capacities in a compiled LP (first-stage columns).

    Parameters
    ----------
    capacities : iterable of Capacity
        A site's capacities (``SiteModel.capacities.values()``); numbers are skipped
        and a column read by several capacities (a battery's energy and its power at
        a fixed duration) is listed once.
    layer_offset : int
        Position of the site layer's first column in the LP
        (``lp.layer_offsets[id(site.layer)]``).
    """
    cols = {
        layer_offset + c.var.offset + j
        for c in capacities
        if c.var is not None and c.spec.sized
        for j in range(c.var.n)
    }
    return np.array(sorted(cols), dtype=np.int64)
