"""Flexibility held by the programs built so far: :class:`Holdings` [MW]."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from grid_flex.model.linear import LinExpr


@dataclass(frozen=True)
class Holdings:
    """Flexibility the holding programs sold, per asset, and its expected deployment.

    Attributes
    ----------
    increase_mw, reduction_mw : mapping of asset id to LinExpr
        Σ over programs of the load increase (reg-down) / reduction (reg-up,
        capacity DR) held on each asset per interval [MW].
    expected_increase_mw, expected_reduction_mw : LinExpr or None
        Site totals of the expected deployed load increase / reduction, the mean
        power over each interval (``deployment_frac`` × offer) [MW].
    """

    increase_mw: Mapping[str, LinExpr] = field(default_factory=dict)
    reduction_mw: Mapping[str, LinExpr] = field(default_factory=dict)
    expected_increase_mw: LinExpr | None = None
    expected_reduction_mw: LinExpr | None = None

    def increase_on(self, asset_ids: Sequence[str]) -> LinExpr | None:
        """Σ of the load increase held on ``asset_ids`` (None when none is) [MW]."""
        held = [self.increase_mw[a] for a in asset_ids if a in self.increase_mw]
        return total_of(held)

    @property
    def any_increase(self) -> LinExpr | None:
        """Σ over every asset of the load increase held (None when none is) [MW]."""
        return total_of(list(self.increase_mw.values()))


def total_of(exprs: Sequence[LinExpr]) -> LinExpr | None:
    """Σ of ``exprs`` [MW]; None when there is none."""
    if not exprs:
        return None
    total = exprs[0]
    for e in exprs[1:]:
        total = total + e
    return total
