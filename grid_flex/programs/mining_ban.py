"""Mining ban: ASIC fleets draw nothing in windows (domain.md §7, Russia 2025).

Formulation (fleets f named by ``asset_ids``, default every ASIC fleet; ``W`` the
intervals of ``windows``)::

    P_f[t] + U_f[t] ≤ 0        for t ∈ W                               [MW]

``P_f`` is the fleet's net load (its power, ≥ 0), so the fleet is off in the window
and free outside it; ``U_f`` the load increase grid programs hold on it (reg-down,
:func:`grid_flex.model.headroom.load_ceiling`), so none is sold in banned hours.
Nothing is paid: the ban only removes options.

KPIs: ``banned_h`` (hours in the window), ``binding_intervals`` and ``binding_h``
(intervals where the ban costs profit: a positive shadow price on some fleet),
``withheld_mwh`` (Σ over binding intervals and fleets of capacity × Δt: the energy
the fleets would have drawn at full power, an upper bound of the energy lost),
``profit_lost_at_most_usd`` (Σ shadow price × capacity: by concavity of the optimal
profit in the limits, an upper bound of what lifting the ban would earn).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grid_flex.model.headroom import load_ceiling
from grid_flex.model.linear import ConstraintArray, LinExpr
from grid_flex.model.terms import (
    BuildContext,
    Evaluation,
    ProgramTerms,
    Quantity,
    ResolveContext,
)
from grid_flex.nodata.assets import ASIC_KIND, select_assets
from grid_flex.programs._paths import field_path
from grid_flex.programs.windows import window_mask
from grid_flex.schema.contracts import MiningBanEntry

TYPE = "mining_ban"

#: A limit binds where its shadow price exceeds this [USD per MW of the limit].
BINDING_DUAL_TOL = 1e-6


@dataclass(frozen=True)
class MiningBanParams:
    """Resolved parameters of one mining ban."""

    id: str
    in_window: NDArray[np.bool_]
    #: The fleets banned, checked (every ASIC fleet when the entry names none).
    asset_ids: tuple[str, ...]


def resolve(entry: MiningBanEntry, rctx: ResolveContext) -> MiningBanParams:
    """Scenario entry → :class:`MiningBanParams` (fleets checked, window as a mask).

    The fleets are checked first: that needs no data, so the data-free check makes
    it even when the window is a price trigger.
    """
    fleets = select_assets(
        rctx.asset_kinds,
        entry.asset_ids,
        {ASIC_KIND},
        field=field_path(entry.id, "asset_ids"),
        rule="a mining ban",
    )
    mask = window_mask(entry.windows, rctx, field=field_path(entry.id, "windows"))
    return MiningBanParams(id=entry.id, in_window=mask, asset_ids=fleets)


def build(ctx: BuildContext, params: MiningBanParams) -> ProgramTerms:
    """Force the named fleets' power to zero in the window; return the terms."""
    site = ctx.site
    assert site is not None, "programs are built with the site's terms"
    n, dt = ctx.n, ctx.dt_h
    who = f"mining ban {params.id}"
    fleets = params.asset_ids
    rows = np.flatnonzero(params.in_window)
    labels = list(ctx.inputs.index[rows])
    capacity = {aid: float(site.assets[aid].capacity_mw or 0.0) for aid in fleets}
    power = LinExpr.zeros(n)
    families: dict[str, ConstraintArray] = {}
    for aid in fleets:
        net = site.assets[aid].net_load_mw
        power = power + net
        if len(rows):
            families[aid] = load_ceiling(
                ctx,
                f"ban_{aid}",
                (aid,),
                rows,
                0.0,
                doc=f"{who}: fleet {aid} draws nothing in the ban windows "
                f"(programs.{params.id}.windows) [MW]",
                labels=labels,
            )
            ctx.declare_limit(
                families[aid],
                field=field_path(params.id, "windows"),
                what=f"mining ban '{params.id}' on fleet {aid}",
                unit="MW",
                side="upper",
            )
    total_capacity = sum(capacity.values())
    allowed = np.where(params.in_window, 0.0, total_capacity)
    outside = ~params.in_window

    def kpis(ev: Evaluation) -> dict[str, Any]:
        binding = np.zeros(n, dtype=bool)
        withheld = 0.0
        bound = 0.0
        for aid, family in families.items():
            dual = np.nan_to_num(ev.dual(family))
            hit = dual > BINDING_DUAL_TOL
            binding[rows[hit]] = True
            withheld += capacity[aid] * float(dt[rows[hit]].sum())
            bound += capacity[aid] * float(dual[hit].sum())
        p = ev.values["fleet_power_mw"]
        return {
            "fleets": ", ".join(fleets),
            "banned_intervals": len(rows),
            "banned_h": float(dt[params.in_window].sum()),
            "binding_intervals": int(binding.sum()),
            "binding_h": float(dt[binding].sum()),
            "withheld_mwh": withheld,
            "profit_lost_at_most_usd": bound,
            "max_power_in_window_mw": float(p[rows].max()) if len(rows) else 0.0,
            "energy_outside_window_mwh": float(p[outside] @ dt[outside]),
        }

    return ProgramTerms(
        cost_usd=LinExpr.zeros(n),
        revenue_usd=LinExpr.zeros(n),
        outputs=(
            Quantity("fleet_power_mw", power),
            Quantity("allowed_mw", LinExpr.constant(allowed)),
        ),
        kpis=kpis,
        extra={"constraints": families},
    )
