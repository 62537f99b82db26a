"""Emergency curtailment: a minimum share of the load off during grid emergencies.

Texas SB 6 (2025) lets ERCOT curtail large loads in emergencies (domain.md §2.4, §7).
The program holds the named loads (ASIC fleets and GPU clusters; all of them by
default) below a share of their available capacity in event intervals.

Formulation (assets a named by ``asset_ids``, ``C_a`` their available capacity,
``f = min_curtail_frac``, ``E`` the event intervals)::

    Σ_a P_a[t] ≤ (1 − f) · Σ_a C_a        for t ∈ E                      [MW]
    P_b[t] ≤ 0                            for t ∈ E, every battery b     [MW]
                                          (forbid_storage_charging, default)

``P_a`` is the asset's net load; load increase that grid programs hold on these assets
and batteries (reg-down) counts against the same ceilings
(:func:`grid_flex.model.headroom.load_ceiling`). Nothing is paid: the obligation only
limits load. The same holds when mining would pay: the rule binds exactly when the site
would rather draw more.

The rule is about the site's grid draw, which limiting the computing loads alone
does not bring down: a battery could keep charging (on cheap emergency-hour energy,
say) and the site's import need not fall at all. By default, therefore, no battery
of the site may charge in event intervals (discharging, which lowers the draw, is
allowed). This was chosen over a cap on the site's import because it needs no
baseline and leaves loads not named in ``asset_ids`` untouched;
``forbid_storage_charging: false`` limits the named loads only. A battery that
would have to charge inside an event (self-discharge while at its minimum state of
charge, or a ``final_soc`` only reachable by charging in a final event) makes the LP
infeasible under the default; set ``forbid_storage_charging: false`` there.

KPIs: ``event_h``, ``binding_intervals`` / ``binding_h`` (a positive shadow price),
``curtailed_in_events_mwh`` (Σ_E (Σ C − Σ P) · Δt, what was off during events),
``withheld_mwh`` (Σ over binding intervals of f · Σ C · Δt: an upper bound of the
curtailment the rule forced beyond what the site chose) and
``profit_lost_at_most_usd`` (Σ shadow price × f · Σ C, plus Σ shadow price of the
no-charging rows × battery power: an upper bound of what the obligation cost, by
concavity of the optimal profit in the limits), ``storage_held`` (the batteries kept
from charging) and ``storage_binding_intervals``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grid_flex.errors import ScenarioError
from grid_flex.model.headroom import load_ceiling
from grid_flex.model.linear import ConstraintArray, LinExpr
from grid_flex.model.terms import (
    BuildContext,
    Evaluation,
    ProgramTerms,
    Quantity,
    ResolveContext,
)
from grid_flex.nodata.assets import CURTAILABLE_KINDS, select_assets
from grid_flex.programs._paths import field_path
from grid_flex.programs.mining_ban import BINDING_DUAL_TOL
from grid_flex.programs.windows import window_mask
from grid_flex.schema.contracts import EmergencyCurtailmentEntry
from grid_flex.schema.scenario import scenario_source

TYPE = "emergency_curtailment"

#: Asset kind kept from charging in events (``forbid_storage_charging``).
STORAGE_KIND = "battery"


@dataclass(frozen=True)
class EmergencyCurtailmentParams:
    """Resolved parameters of one emergency-curtailment obligation."""

    id: str
    in_event: NDArray[np.bool_]
    min_curtail_frac: float
    #: The loads curtailed, checked (every curtailable load when the entry names none).
    asset_ids: tuple[str, ...]
    #: Batteries may not charge in events.
    forbid_storage_charging: bool = True


def resolve(
    entry: EmergencyCurtailmentEntry, rctx: ResolveContext
) -> EmergencyCurtailmentParams:
    """Scenario entry → :class:`EmergencyCurtailmentParams` (events as a mask).

    The loads are checked first: that needs no data, so the data-free check makes it
    even when the events are a price trigger.
    """
    ids = select_assets(
        rctx.asset_kinds,
        entry.asset_ids,
        CURTAILABLE_KINDS,
        field=field_path(entry.id, "asset_ids"),
        rule="emergency curtailment",
    )
    mask = window_mask(entry.events, rctx, field=field_path(entry.id, "events"))
    return EmergencyCurtailmentParams(
        id=entry.id,
        in_event=mask,
        min_curtail_frac=entry.min_curtail_frac,
        asset_ids=ids,
        forbid_storage_charging=entry.forbid_storage_charging,
    )


def build(ctx: BuildContext, params: EmergencyCurtailmentParams) -> ProgramTerms:
    """Hold the named loads below (1 − f) of their capacity in events."""
    site = ctx.site
    assert site is not None, "programs are built with the site's terms"
    n, dt = ctx.n, ctx.dt_h
    where = field_path(params.id, "asset_ids")
    ids = params.asset_ids
    # Needs the built terms: stays here.
    missing = [aid for aid in ids if site.assets[aid].capacity_mw is None]
    if missing:
        raise ScenarioError(
            scenario_source(ctx.inputs.scenario),
            [f"{where}: {', '.join(missing)} declare no capacity to curtail from"],
        )
    capacity = float(sum(site.assets[aid].capacity_mw or 0.0 for aid in ids))
    load = LinExpr.zeros(n)
    for aid in ids:
        load = load + site.assets[aid].net_load_mw
    f = params.min_curtail_frac
    ceiling = (1.0 - f) * capacity
    rows = np.flatnonzero(params.in_event)
    # A sized asset's capacity is a column: the ceiling is then an expression.
    sized = [
        t.capacity_expr_mw
        if t.capacity_expr_mw is not None
        else LinExpr.constant([t.capacity_mw or 0.0])
        for t in (site.assets[aid] for aid in ids)
    ]
    ceiling_rows: LinExpr | float = ceiling
    if any(len(e.cols) for e in sized) and len(rows):
        total = sized[0]
        for e in sized[1:]:
            total = total + e
        ceiling_rows = total.take(np.zeros(len(rows), dtype=np.int64)) * (1.0 - f)
    family = None
    if len(rows):
        family = load_ceiling(
            ctx,
            "emergency_curtailment",
            ids,
            rows,
            ceiling_rows,
            doc=f"emergency curtailment {params.id}: load of {', '.join(ids)} ≤ "
            f"(1 − min_curtail_frac) × capacity = {ceiling:g} MW during events "
            f"(programs.{params.id}.events) [MW]",
            labels=list(ctx.inputs.index[rows]),
        )
        ctx.declare_limit(
            family,
            field=f"programs.{params.id}.min_curtail_frac",
            what=f"emergency curtailment '{params.id}' ceiling on {', '.join(ids)}",
            unit="MW",
            side="upper",
        )
    storage: dict[str, ConstraintArray] = {}
    if params.forbid_storage_charging and len(rows):
        for aid, kind in site.kinds.items():
            if kind != STORAGE_KIND:
                continue
            storage[aid] = load_ceiling(
                ctx,
                f"no_charging_{aid}",
                (aid,),
                rows,
                0.0,
                doc=f"emergency curtailment {params.id}: battery {aid} does not "
                f"charge during events (charge − discharge ≤ 0; "
                f"programs.{params.id}.forbid_storage_charging) [MW]",
                labels=list(ctx.inputs.index[rows]),
            )
    storage_power = {aid: float(site.assets[aid].capacity_mw or 0.0) for aid in storage}
    allowed = np.where(params.in_event, ceiling, capacity)

    def kpis(ev: Evaluation) -> dict[str, Any]:
        p = ev.values["curtailable_load_mw"]
        out: dict[str, Any] = {
            "assets": ", ".join(ids),
            "capacity_mw": capacity,
            "min_curtail_frac": f,
            "event_intervals": len(rows),
            "event_h": float(dt[rows].sum()),
            "curtailed_in_events_mwh": float((capacity - p[rows]) @ dt[rows]),
            "max_load_in_events_mw": float(p[rows].max()) if len(rows) else 0.0,
            "binding_intervals": 0,
            "binding_h": 0.0,
            "withheld_mwh": 0.0,
            "profit_lost_at_most_usd": 0.0,
            "storage_held": ", ".join(storage),
            "storage_binding_intervals": 0,
        }
        if family is None:
            return out
        dual = np.nan_to_num(ev.dual(family))
        hit = dual > BINDING_DUAL_TOL
        at = rows[hit]
        lost = f * capacity * float(dual[hit].sum())
        held = np.zeros(len(rows), dtype=bool)
        for aid, rows_b in storage.items():
            dual_b = np.nan_to_num(ev.dual(rows_b))
            hit_b = dual_b > BINDING_DUAL_TOL
            held |= hit_b
            lost += storage_power[aid] * float(dual_b[hit_b].sum())
        out |= {
            "binding_intervals": int(hit.sum()),
            "binding_h": float(dt[at].sum()),
            "withheld_mwh": f * capacity * float(dt[at].sum()),
            "profit_lost_at_most_usd": lost,
            "storage_binding_intervals": int(held.sum()),
        }
        return out

    return ProgramTerms(
        cost_usd=LinExpr.zeros(n),
        revenue_usd=LinExpr.zeros(n),
        outputs=(
            Quantity("curtailable_load_mw", load),
            Quantity("allowed_mw", LinExpr.constant(allowed)),
        ),
        kpis=kpis,
        extra={"constraint": family, "storage_constraints": storage},
    )
