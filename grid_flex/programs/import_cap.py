"""Import cap: a time-varying limit on grid import (domain.md §7).

Non-firm service, curtail-on-instruction hours and seasonal limits all cap what the
site may import in some intervals, below its connection (``site.import_limit_mw``).

Formulation (``cap[t]`` the lowest of the caps whose windows hold t and of
``cap_series``; ``L[t]`` the site's import limit)::

    import[t] ≤ cap[t]        for every t with cap[t] < L[t]              [MW]

Intervals with no cap, or a cap at or above the connection, get no row. Load
increase held for grid programs (reg-down) must fit under the cap too
(:func:`grid_flex.model.headroom.import_ceiling`).

KPIs: ``capped_h`` (hours with a row), ``binding_intervals`` and ``binding_h`` (a
positive shadow price: the cap costs profit there), ``withheld_mwh`` (Σ over binding
intervals of (site's maximum draw − cap) × Δt, the site's maximum draw being the
lower of its connection and the sum of its assets' capacities: an upper bound of
the energy the cap took away), ``profit_lost_at_most_usd`` (Σ shadow price ×
(maximum draw − cap): by concavity of the optimal profit in the limits, an upper
bound of what lifting the cap would earn) and ``cap_value_usd_per_mw`` (Σ shadow
prices: profit gained per MW the cap is raised in every capped interval).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grid_flex.errors import ScenarioError
from grid_flex.io.timeseries import format_stamp
from grid_flex.model.headroom import import_ceiling
from grid_flex.model.linear import FloatArray, LinExpr
from grid_flex.model.terms import (
    BuildContext,
    Evaluation,
    ProgramTerms,
    Quantity,
    ResolveContext,
    SiteTerms,
)
from grid_flex.programs._paths import field_path
from grid_flex.programs.mining_ban import BINDING_DUAL_TOL
from grid_flex.programs.windows import window_mask
from grid_flex.schema.contracts import ImportCapEntry

TYPE = "import_cap"


@dataclass(frozen=True)
class ImportCapParams:
    """Resolved parameters of one import cap."""

    id: str
    cap_mw: FloatArray  # +inf where no cap applies


def resolve(entry: ImportCapEntry, rctx: ResolveContext) -> ImportCapParams:
    """Scenario entry → :class:`ImportCapParams`: the lowest cap per interval."""
    cap = np.full(len(rctx.index), np.inf)
    for i, rule in enumerate(entry.caps):
        where = field_path(entry.id, f"caps[{i}]")
        mask = window_mask(rule, rctx, field=where)
        cap = np.where(mask, np.minimum(cap, rule.cap_mw), cap)
    if entry.cap_series is not None:
        where = field_path(entry.id, "cap_series")
        series = np.asarray(rctx.load(entry.cap_series, where, ("power_",)))
        bad = ~np.isfinite(series) | (series < 0)
        if bad.any():
            i = int(np.argmax(bad))
            raise ScenarioError(
                where,
                [
                    f"{where}: the cap must be a finite power ≥ 0 MW; got "
                    f"{series[i]} at {format_stamp(rctx.index[i])}"
                ],
            )
        cap = np.minimum(cap, series)
    return ImportCapParams(id=entry.id, cap_mw=cap)


def site_max_draw_mw(site: SiteTerms, import_limit_mw: FloatArray) -> FloatArray:
    """Most the site could import per interval [MW].

    The lower of the connection and the sum of the assets' capacities (the
    connection alone when an asset declares no capacity).
    """
    capacities = [terms.capacity_mw for terms in site.assets.values()]
    if any(c is None for c in capacities):
        return np.asarray(import_limit_mw, dtype=float)
    total = float(sum(c for c in capacities if c is not None))
    return np.minimum(import_limit_mw, total)


def build(ctx: BuildContext, params: ImportCapParams) -> ProgramTerms:
    """Cap grid import where the cap is below the connection; return the terms."""
    site = ctx.site
    assert site is not None, "programs are built with the site's terms"
    n, dt = ctx.n, ctx.dt_h
    limit = ctx.inputs.import_limit_mw
    cap = np.minimum(params.cap_mw, limit)
    rows = np.flatnonzero(params.cap_mw < limit)
    family = None
    if len(rows):
        family = import_ceiling(
            ctx,
            "import_cap",
            rows,
            cap[rows],
            doc=f"import cap {params.id}: grid import ≤ the cap in force "
            f"(programs.{params.id}.caps / cap_series) [MW]",
            labels=list(ctx.inputs.index[rows]),
        )
        ctx.declare_limit(
            family,
            field=f"programs.{params.id}.caps",
            what=f"import cap '{params.id}'",
            unit="MW",
            side="upper",
        )
    max_draw = site_max_draw_mw(site, limit)

    def kpis(ev: Evaluation) -> dict[str, Any]:
        out: dict[str, Any] = {
            "capped_intervals": len(rows),
            "capped_h": float(dt[rows].sum()),
            "lowest_cap_mw": float(cap[rows].min()) if len(rows) else float("nan"),
            "binding_intervals": 0,
            "binding_h": 0.0,
            "withheld_mwh": 0.0,
            "profit_lost_at_most_usd": 0.0,
            "cap_value_usd_per_mw": 0.0,
        }
        if family is None:
            return out
        dual = np.nan_to_num(ev.dual(family))
        hit = dual > BINDING_DUAL_TOL
        at = rows[hit]
        gap = np.maximum(max_draw[rows] - cap[rows], 0.0)
        out |= {
            "binding_intervals": int(hit.sum()),
            "binding_h": float(dt[at].sum()),
            "withheld_mwh": float(gap[hit] @ dt[at]),
            "profit_lost_at_most_usd": float(dual[hit] @ gap[hit]),
            "cap_value_usd_per_mw": float(dual.sum()),
        }
        return out

    return ProgramTerms(
        cost_usd=LinExpr.zeros(n),
        revenue_usd=LinExpr.zeros(n),
        outputs=(Quantity("cap_mw", LinExpr.constant(cap)),),
        kpis=kpis,
        extra={"constraint": family},
    )
