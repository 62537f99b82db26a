"""The contract between the site model and the asset modules.

Each asset kind is one module in :mod:`grid_flex.assets` exposing

* ``resolve(entry, catalog) -> params``: scenario entry + catalogue → frozen parameters
  (no time series: those live in :class:`~grid_flex.inputs.ModelInputs`);
* ``build(ctx, params) -> AssetTerms``: declares its variables and constraints on its
  own block ``ctx.block`` and returns the terms the site sums.

The site balance and the objective only sum registered terms; nothing central names an
asset kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from grid_flex.model.linear import FloatArray, LinearLayer, LinExpr, VarArray

if TYPE_CHECKING:
    from grid_flex.inputs import ModelInputs


@dataclass(frozen=True)
class BuildContext:
    """What a builder gets: its block, the shared layer and the prepared inputs."""

    block: Any
    layer: LinearLayer
    inputs: ModelInputs
    T: Any

    @property
    def n(self) -> int:
        """Number of intervals."""
        return len(self.inputs.index)

    @property
    def dt_h(self) -> FloatArray:
        """Interval lengths [h]."""
        return self.inputs.timestep_h

    def var(
        self,
        name: str,
        *,
        lb: Any = 0.0,
        ub: Any = np.inf,
        doc: str,
        scalar: bool = False,
    ) -> VarArray:
        """A variable family on this block, indexed by T unless ``scalar``."""
        return self.layer.add_var(
            self.block, name, None if scalar else self.T, lb=lb, ub=ub, doc=doc
        )

    def constraint(
        self, name: str, expr: LinExpr, sense: Any, rhs: Any = 0.0, *, doc: str
    ) -> Any:
        """A constraint family indexed by T (or scalar when ``expr`` has one row)."""
        labels: Sequence[Any]
        if expr.n == self.n:
            index, labels = self.T, self.inputs.labels
        elif expr.n == 1:
            index, labels = None, ["horizon"]
        else:
            raise ValueError(f"{name}: {expr.n} rows, expected {self.n} or 1")
        return self.layer.add_constraint(
            self.block, name, index, expr, sense, rhs, doc=doc, labels=labels
        )


@dataclass(frozen=True)
class Quantity:
    """A per-interval result an asset reports, with its unit in ``name``."""

    name: str
    expr: LinExpr


@dataclass(frozen=True)
class AssetTerms:
    """What an asset contributes to the site.

    Attributes
    ----------
    net_load_mw : LinExpr
        Power drawn from the site bus per interval, + = load [MW].
    cost_usd : LinExpr
        Costs per interval other than energy (opex, degradation, penalties) [USD].
    revenue_usd : LinExpr
        Revenue per interval (hashing, compute, heat) [USD].
    outputs : tuple of Quantity
        Per-interval quantities for the results table (decisions, hashrate, ...).
    kpis : callable
        ``kpis(values) -> dict`` of summary figures, given the evaluated outputs.
    """

    net_load_mw: LinExpr
    cost_usd: LinExpr
    revenue_usd: LinExpr
    outputs: tuple[Quantity, ...] = ()
    kpis: Callable[[dict[str, FloatArray]], dict[str, float]] | None = None
    capacity_mw: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class AssetModule(Protocol):
    """The two functions every asset module provides."""

    def resolve(self, entry: Any, catalog: Any) -> Any:  # pragma: no cover - protocol
        """Turn a scenario entry into frozen parameters."""
        ...

    def build(self, ctx: BuildContext, params: Any) -> AssetTerms:  # pragma: no cover
        """Declare the asset's LP on ``ctx.block`` and return its terms."""
        ...
