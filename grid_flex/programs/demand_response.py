"""Demand-response and emergency events: committed curtailment against a baseline.

Formulation (intervals t; event intervals ``t ∈ ev``; an *event* is a run of
consecutive event intervals; ``g[t] = import[t] − export[t]`` the site's net draw)::

    b[t]  = baseline_mw                          (baseline: declared)
          = min(import_limit_mw, Σ_a capacity_mw[a])      (baseline: import_limit)
          = Σ_{τ ∈ W_e} g[τ]·Δt[τ] / Σ_{τ ∈ W_e} Δt[τ]   for t in event e
                                                 (baseline: pre_event_mean)
    c[t]  = b[t] − g[t] − u[t]                   delivered curtailment        [MW]
    s[t] ≥ C − c[t],  s[t] ≥ 0                   shortfall (t ∈ ev)           [MW]
    revenue[t] = π_e · (C − s[t]) · Δt
               + π_ev · (C − s[t]) · Δt[t] / H_e          for t in event e
    cost[t]    = π_s · s[t] · Δt

``u[t]`` is the load increase reserves hold in the interval (reg-down): a call
during an event raises the draw, so it counts against the delivery (reserves are
built first; :mod:`grid_flex.model.headroom`).

``baseline: import_limit`` is the most the site's loads can draw: the connection,
capped at the sum of the capacities of its loads (fleets and GPU clusters at full
power, a heat loop's fans and heat pump; the connection alone if a load declares no
capacity; see :func:`load_draw_mw`). Curtailment below a draw the site could never
reach is not delivered, so it is not credited: a 10 MW fleet on a 30 MW connection
has a 10 MW baseline, not 30. Batteries are left out: their charging is a choice,
and stopping it is no curtailment of load (a battery discharging during an event
still lowers the draw and is credited).

A commitment larger than the site could ever curtail (from its most draw down to
batteries discharging up to the export limit), or a declared baseline above the
most the site can draw, is refused before the solve with the field named
(:func:`check_deliverable`): it would be paid for load that never existed.

The per-event payment ``π_ev`` (``payment_usd_per_mw_per_event``) is paid per MW
*delivered* on average over the event: ``π_ev · (C − s̄_e)`` with ``s̄_e`` the
Δt-weighted mean shortfall over the event's ``H_e`` hours, booked in its intervals in
proportion to their length. A site that delivers nothing is not paid for the event.

``C`` is ``committed_mw``, or a decision (``size: {min_mw, max_mw}``): a capacity
``<id>.committed_mw`` (:mod:`grid_flex.model.capacity`) that a feasibility or risk
study shares across its operating blocks and scenarios, the MW committed for the
season here and now. Every term above is linear in ``C`` (the rows take ``C`` as a
column; the capacity payment is ``π_cap · C · Δt``), and the checks before the solve
read its least value ``min_mw``. ``W_e`` the intervals that start within
``baseline_window_h`` before event e, leaving out event intervals (clipped at the
horizon start). That baseline is **endogenous**: it is the LP's own import before
the event, linear in the decisions, so the LP may raise its draw beforehand to earn
more (real programs guard against that with look-back rules the LP does not know).
The payment counts ``C − s = min(c, C)``: curtailment beyond the commitment is not
paid, and a draw *above* the baseline during an event counts as negative
curtailment, both paid back and penalised (real settlements floor delivery at
zero; the LP is thus conservative there).

Energy-type obligations (the curtailment in events) limit the site's draw directly;
the capacity a reserve or another program holds is then what remains of each
asset's ``flex_down_mw``, so nothing is counted twice. With ``capacity`` the
commitment is also *held* between events::

    Σ_a h[a,t] = C    for t in availability, t ∉ ev      held reduction   [MW]
    h[a,t] held as FlexUse(a, down)  (stacked with reserves on the same asset)
    revenue[t] += π_cap · C · Δt     for t in availability

and energy-limited assets keep ``h · min_duration_h / η_d`` above their minimum state of
charge, summed with the energy reserves hold on the same asset
(:func:`grid_flex.model.headroom.hold_energy`, written once per asset by the site).
Events of two demand-response programs may not overlap, nor may events and the windows
of a reserve service marked ``exclusive``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grid_flex.errors import ScenarioError
from grid_flex.io.timeseries import format_stamp
from grid_flex.model.capacity import Capacity, CapacitySpec
from grid_flex.model.headroom import soc_terms
from grid_flex.model.linear import FloatArray, LinExpr
from grid_flex.model.terms import (
    BuildContext,
    Evaluation,
    FlexUse,
    KpiFunction,
    ProgramTerms,
    Quantity,
    ResolveContext,
    SiteTerms,
)
from grid_flex.nodata.demand_response import baseline_windows
from grid_flex.nodata.programs import capacity_assets
from grid_flex.programs.ancillary_services import AncillaryParams, flex_problems
from grid_flex.programs.import_cap import site_max_draw_mw
from grid_flex.programs.windows import window_mask
from grid_flex.schema.flexibility import DemandResponseEntry
from grid_flex.schema.scenario import scenario_source

TYPE = "demand_response"
#: Asset kind whose charging power is no curtailable load.
STORAGE_KIND = "battery"
#: Built before the other programs (capacity held between events), after the
#: reserves, whose load increase held in event intervals counts against delivery.
HOLDS_FLEX = 2

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class CapacityParams:
    """Resolved capacity part of a demand-response program."""

    assets: tuple[str, ...]
    available_mask: BoolArray
    price_usd_per_mw_per_h: float
    min_duration_h: float


@dataclass(frozen=True)
class DemandResponseParams:
    """Resolved parameters of one demand-response program."""

    id: str
    event_mask: BoolArray
    event_of: IntArray
    n_events: int
    commitment: CapacitySpec  # C [MW]: a number, or sized (a first-stage decision)
    baseline: str
    baseline_mw: float | None
    baseline_windows: tuple[IntArray, ...]
    payment_usd_per_mwh: float
    payment_usd_per_mw_per_event: float
    penalty_usd_per_mwh: float
    capacity: CapacityParams | None
    #: Rolling windows (:func:`window_params`): each event's hours, its baseline
    #: window's hours and that window's intervals before the window start
    #: (positions relative to it, negative), all from the whole horizon; the draw
    #: in those earlier intervals [MWh] (:func:`resume`); the window's start.
    event_hours_h: FloatArray | None = None
    baseline_hours_h: FloatArray | None = None
    baseline_past: tuple[IntArray, ...] = ()
    baseline_past_mwh: FloatArray | None = None
    offset: int = 0
    #: Intervals of committed draw a later window's baseline may reach back to.
    reach: int = 0

    def field(self, name: str) -> str:
        """Dotted scenario path of a field of this entry."""
        return f"programs.{self.id}.{name}"

    @property
    def committed_mw(self) -> float:
        """The least commitment (the fixed one, or ``size.min_mw``) [MW]."""
        return self.commitment.lower

    @property
    def commitment_field(self) -> str:
        """The field that sets the commitment checked before the solve."""
        return self.field("size.min_mw" if self.commitment.sized else "committed_mw")


def commitment_spec(entry: DemandResponseEntry) -> CapacitySpec:
    """The commitment as a capacity: ``committed_mw``, or chosen within ``size``."""
    if entry.size is None:
        assert entry.committed_mw is not None
        return CapacitySpec.of(entry.committed_mw, "mw")
    return CapacitySpec(unit="mw", min=entry.size.min_mw, max=entry.size.max_mw)


def resolve(entry: DemandResponseEntry, rctx: ResolveContext) -> DemandResponseParams:
    """Scenario entry → :class:`DemandResponseParams`: events and baseline windows.

    The capacity assets are checked first: that needs only their ids and kinds, so
    the data-free check makes it even when the events are a price trigger.
    """
    where = f"programs.{entry.id}"
    capacity_assets(entry, rctx.asset_kinds)
    mask = window_mask(entry.events, rctx, field=f"{where}.events")
    starts = mask & ~np.concatenate(([False], mask[:-1]))
    event_of = np.where(mask, np.cumsum(starts) - 1, -1).astype(np.int64)
    windows: list[IntArray] = []
    if entry.baseline == "pre_event_mean":
        index = rctx.index
        step = (
            (index[1] - index[0]).to_pytimedelta()
            if len(index) > 1
            else dt.timedelta(hours=float(rctx.timestep_h[0]))
        )
        windows = [
            np.asarray(w, dtype=np.int64)
            for w in baseline_windows(
                mask.tolist(),
                index[0].to_pydatetime(),
                step,
                entry.baseline_window_h,
                field=where,
            )
        ]
    capacity = None
    if entry.capacity is not None:
        cap = entry.capacity
        available = (
            np.ones(len(mask), dtype=bool)
            if cap.availability is None
            else window_mask(
                cap.availability, rctx, field=f"{where}.capacity.availability"
            )
        )
        capacity = CapacityParams(
            assets=tuple(cap.assets),
            available_mask=available,
            price_usd_per_mw_per_h=cap.price_usd_per_mw_per_h,
            min_duration_h=cap.min_duration_h,
        )
    return DemandResponseParams(
        id=entry.id,
        event_mask=mask,
        event_of=event_of,
        n_events=int(starts.sum()),
        commitment=commitment_spec(entry),
        baseline=entry.baseline,
        baseline_mw=entry.baseline_mw,
        baseline_windows=tuple(windows),
        payment_usd_per_mwh=entry.payment_usd_per_mwh,
        payment_usd_per_mw_per_event=entry.payment_usd_per_mw_per_event,
        penalty_usd_per_mwh=entry.penalty_usd_per_mwh,
        capacity=capacity,
    )


def build(ctx: BuildContext, params: DemandResponseParams) -> ProgramTerms:
    """Declare shortfall (and held capacity) and return the program's terms."""
    site = ctx.site
    assert site is not None, "programs are built with the site's terms"
    check_exclusive(ctx, params)
    dt = ctx.dt_h
    who = f"demand response {params.id}"
    mask = params.event_mask
    on = mask.astype(float)
    commitment = ctx.capacity(
        f"{params.id}.committed_mw",
        params.commitment,
        doc=f"{who}: MW committed for the season (size)",
    )
    committed = commitment.rows(ctx.n, on)  # C in event intervals, 0 outside [MW]
    events = np.flatnonzero(mask)
    draw = site.grid_import_mw
    if site.grid_export_mw is not None:
        draw = draw - site.grid_export_mw
    baseline = _baseline(ctx, params, draw)
    # Load increase held for reserves (reg-down) in event intervals: a call during
    # the event raises the draw, so it counts against the curtailment delivered.
    held_up = site.holdings.any_increase
    if held_up is not None:
        draw = draw + held_up
    curtailment = (baseline - draw) * on
    shortfall = ctx.var(
        "shortfall_mw",
        ub=np.where(mask, np.inf, 0.0),
        doc=f"{who}: committed curtailment not delivered in event intervals "
        "(0 outside events) [MW]",
    ).expr
    if len(events):
        ctx.rows(
            "shortfall_definition",
            (shortfall + curtailment - committed).take(events),
            ">=",
            0.0,
            doc=f"{who}: shortfall + (baseline − net import) ≥ committed_mw "
            f"({_mw_text(commitment)}) in each event interval [MW]",
            labels=ctx.inputs.index[events].tolist(),
        )
    delivered = committed - shortfall
    # Per event: π_ev × the MW delivered on average over the event, i.e. each
    # interval's delivery weighted by its share Δt / H_e of the event's hours.
    hours = (
        params.event_hours_h
        if params.event_hours_h is not None
        else np.bincount(
            params.event_of[events], weights=dt[events], minlength=params.n_events
        )
    )
    share = np.zeros(ctx.n)
    share[events] = dt[events] / hours[params.event_of[events]]
    per_event = delivered * (params.payment_usd_per_mw_per_event * share)
    payment = delivered * (params.payment_usd_per_mwh * dt) + per_event
    penalty = shortfall * (params.penalty_usd_per_mwh * dt)
    outputs = [
        Quantity("event_frac", LinExpr.constant(on)),
        Quantity("committed_mw", committed),
        Quantity("baseline_mw", baseline * on),
        Quantity("curtailment_mw", curtailment),
        Quantity("delivered_mw", delivered),
        Quantity("shortfall_mw", shortfall),
        Quantity("payment_usd", payment),
        Quantity("penalty_usd", penalty),
    ]
    revenue = payment
    uses: list[FlexUse] = []
    cap = params.capacity
    if cap is not None:
        cap_revenue, uses = _capacity(ctx, params, cap, commitment, outputs, who)
        revenue = revenue + cap_revenue
        outputs.append(Quantity("capacity_payment_usd", cap_revenue))
    check_deliverable(ctx, params)  # after the capacity assets' own, sharper check
    if params.baseline == "import_limit":
        refuse_sized_baseline(ctx, params)
    return ProgramTerms(
        cost_usd=penalty,
        revenue_usd=revenue,
        outputs=tuple(outputs),
        kpis=_kpis(params, commitment, dt),
        flex_uses=tuple(uses),
    )


def _baseline(
    ctx: BuildContext, params: DemandResponseParams, draw: LinExpr
) -> LinExpr:
    """Baseline per interval (meaningful in event intervals) [MW]."""
    if params.baseline == "declared":
        assert params.baseline_mw is not None
        return LinExpr.constant(np.full(ctx.n, params.baseline_mw))
    if params.baseline == "import_limit":
        # The most the site's loads can draw: curtailment below that is never
        # delivered, and a battery's charging is not load to curtail.
        site = ctx.site
        assert site is not None
        return LinExpr.constant(load_draw_mw(site, ctx.inputs.import_limit_mw))
    if params.n_events == 0:
        return LinExpr.zeros(ctx.n)
    # pre_event_mean: one row per event, the Δt-weighted mean draw over its window,
    # aggregated in one step, then repeated over the event's intervals. In a
    # rolling window, the part of an event's baseline window that lies before the
    # window start is a constant: the committed draw there (baseline_past_mwh).
    dt = ctx.dt_h
    positions = np.concatenate(params.baseline_windows).astype(np.int64)
    group = np.repeat(
        np.arange(params.n_events), [len(w) for w in params.baseline_windows]
    )
    hours = (
        params.baseline_hours_h
        if params.baseline_hours_h is not None
        else np.bincount(group, weights=dt[positions], minlength=params.n_events)
    )
    taken = draw.take(positions) * (dt[positions] / hours[group])
    const = np.asarray(
        np.bincount(group, weights=taken.const, minlength=params.n_events), dtype=float
    )
    if params.baseline_past_mwh is not None:
        const = const + params.baseline_past_mwh / hours
    per_event = LinExpr(
        params.n_events,
        group[taken.rows],
        taken.cols,
        taken.coefs,
        const.astype(float),
    )
    return per_event.take(np.maximum(params.event_of, 0))


def load_draw_mw(site: SiteTerms, import_limit_mw: FloatArray) -> FloatArray:
    """Most the site's loads can draw per interval, batteries left out [MW].

    The lower of the connection and the sum of the capacities of every asset that is
    not storage (the connection alone if one of them declares no capacity). A
    battery's charging power is a choice, not load the site has to serve: counting
    it would pay for curtailing charging that never had to happen.
    """
    loads = {a: t for a, t in site.assets.items() if site.kinds[a] != STORAGE_KIND}
    limit = np.asarray(import_limit_mw, dtype=float)
    if any(t.capacity_mw is None for t in loads.values()):
        return limit
    total = float(sum(t.capacity_mw or 0.0 for t in loads.values()))
    return np.asarray(np.minimum(limit, total), dtype=float)


def refuse_sized_baseline(ctx: BuildContext, params: DemandResponseParams) -> None:
    """Refuse ``baseline: import_limit`` when the LP chooses what the site can draw.

    That baseline is a number fixed before the solve (the connection capped at the
    loads' capacities). With a sized connection, a sized non-firm part or a sized
    load, it would be read at the largest size allowed, and the site would be paid
    for curtailing MW it may never build: an error naming the field instead.
    """
    scenario = ctx.inputs.scenario
    sized: list[str] = []
    if scenario.site.size is not None:
        sized.append("site.size")
    nf = scenario.site.non_firm
    if nf is not None and nf.max_mw != nf.min_mw:
        sized.append("site.non_firm (min_mw < max_mw)")
    for i, asset in enumerate(scenario.assets):
        if ctx.site is not None and ctx.site.kinds.get(asset.id) == STORAGE_KIND:
            continue
        if getattr(asset, "size", None) is not None:
            sized.append(f"assets[{i}] ({asset.id}).size")
    if sized:
        raise ScenarioError(
            params.field("baseline"),
            [
                f"{params.field('baseline')}: import_limit is the most the site can "
                f"draw, but the LP chooses it here ({', '.join(sized)}): it would be "
                "read at the largest size allowed and pay for curtailing load that "
                "may never be built; use baseline: declared (the contract's MW) or "
                "pre_event_mean"
            ],
        )


def check_deliverable(ctx: BuildContext, params: DemandResponseParams) -> None:
    """Refuse a commitment, or a declared baseline, the site could never deliver.

    The site's net draw lies between ``−(export limit)`` (every battery discharging
    at most its power) and its most draw (:func:`site_max_draw_mw`). A commitment
    above that range, or a declared baseline above the most the site can draw, would
    be paid for curtailment of load that never existed: an error naming the field.
    """
    site = ctx.site
    assert site is not None
    mask = params.event_mask
    if not mask.any():
        return
    inputs = ctx.inputs
    top = site_max_draw_mw(site, inputs.import_limit_mw)[mask]
    storage = [t for a, t in site.assets.items() if site.kinds[a] == STORAGE_KIND]
    if all(t.capacity_mw is not None for t in storage):
        discharge = float(sum(t.capacity_mw or 0.0 for t in storage))
        bottom = -np.minimum(inputs.export_limit_mw[mask], discharge)
    else:
        bottom = -inputs.export_limit_mw[mask]
    problems = []
    most = float((top - bottom).max())
    if params.committed_mw > most * (1 + 1e-9):
        problems.append(
            f"{params.commitment_field}: {params.committed_mw:g} MW is more than "
            f"the site can curtail in its events: at most {most:g} MW (from its most "
            f"draw, {float(top.max()):g} MW = the connection capped at its assets' "
            "capacities, down to its least, batteries discharging up to the export "
            "limit); lower the commitment"
        )
    if params.baseline == "declared":
        assert params.baseline_mw is not None
        if params.baseline_mw > float(top.max()) * (1 + 1e-9):
            problems.append(
                f"{params.field('baseline_mw')}: the declared baseline "
                f"{params.baseline_mw:g} MW is above the most the site can draw "
                f"({float(top.max()):g} MW): curtailment from it would be paid for "
                "load that never existed; declare at most that"
            )
    if problems:
        raise ScenarioError(scenario_source(inputs.scenario), problems)


def _capacity(
    ctx: BuildContext,
    params: DemandResponseParams,
    cap: CapacityParams,
    commitment: Capacity,
    outputs: list[Quantity],
    who: str,
) -> tuple[LinExpr, list[FlexUse]]:
    """Hold the commitment on the capacity assets between events."""
    site = ctx.site
    assert site is not None
    # Ids and kinds are checked in resolve; what needs the terms is checked here.
    problems = flex_problems(
        cap.assets, site, direction="up", field=params.field("capacity.assets")
    )
    if not problems:
        # A load reduces by at most its capacity; a battery by up to twice its power
        # (stop charging, then discharge).
        reach = [
            (2.0 if soc_terms(site.assets[a]) else 1.0) * mw
            for a in cap.assets
            if (mw := site.assets[a].capacity_mw) is not None
        ]
        if len(reach) == len(cap.assets) and sum(reach) < params.committed_mw:
            problems.append(
                f"{params.commitment_field}: {params.committed_mw:g} MW cannot "
                f"be held by {params.field('capacity.assets')} "
                f"({', '.join(cap.assets)}), which can reduce by at most "
                f"{sum(reach):g} MW; lower the commitment or add assets"
            )
    if problems:
        raise ScenarioError(scenario_source(ctx.inputs.scenario), problems)
    hold = cap.available_mask & ~params.event_mask
    ub = np.where(hold, np.inf, 0.0)
    total = LinExpr.zeros(ctx.n)
    uses = []
    for aid in cap.assets:
        held = ctx.var(
            f"held_{aid}_mw",
            ub=ub,
            doc=f"{who}: committed reduction held ready on {aid} between events "
            "(0 outside capacity.availability and in events) [MW]",
        ).expr
        total = total + held
        energy = held * cap.min_duration_h if cap.min_duration_h > 0 else None
        uses.append(FlexUse(aid, down_mw=held, down_mwh=energy))
        outputs.append(Quantity(f"{aid}.held_mw", held))
    rows = np.flatnonzero(hold)
    if len(rows):
        held_rows = ctx.rows(
            "capacity_held",
            (total - commitment.rows(ctx.n)).take(rows),
            "==",
            0.0,
            doc=f"{who}: reduction held on capacity.assets = committed_mw "
            f"({_mw_text(commitment)}) between events [MW]",
            labels=ctx.inputs.index[rows].tolist(),
        )
        ctx.declare_limit(
            held_rows,
            field=params.commitment_field,
            what=f"demand response '{params.id}' reduction held on "
            f"{', '.join(cap.assets)}",
            unit="MW",
            side="lower",
        )
    outputs.append(Quantity("held_mw", total))
    paid = np.where(cap.available_mask, cap.price_usd_per_mw_per_h * ctx.dt_h, 0.0)
    return commitment.rows(ctx.n, paid), uses


def _mw_text(commitment: Capacity) -> str:
    """The commitment for a row's description."""
    if commitment.is_variable:
        return f"chosen, {commitment.spec.lower:g}-{commitment.spec.upper:g} MW"
    return f"{commitment.value_fixed:g} MW"


def check_exclusive(ctx: BuildContext, params: DemandResponseParams) -> None:
    """Refuse event intervals claimed by another DR program or an exclusive service."""
    index = ctx.inputs.index
    mine = params.field("events")
    problems = []
    for _, other in ctx.inputs.programs:
        clashes: list[tuple[str, BoolArray]] = []
        if isinstance(other, DemandResponseParams) and other.id != params.id:
            clashes.append((f"{other.field('events')}", other.event_mask))
        elif isinstance(other, AncillaryParams):
            clashes += [
                (
                    f"{other.field(f'services[{s.position}]')} ({s.name}, exclusive)",
                    s.offer_mask,
                )
                for s in other.services
                if s.exclusive
            ]
        for name, claimed in clashes:
            both = np.flatnonzero(claimed & params.event_mask)
            if len(both):
                problems.append(
                    f"{mine} and {name} both claim {len(both)} interval(s), first "
                    f"{format_stamp(index[int(both[0])])}: the same MW cannot be "
                    "committed twice; move one window or drop 'exclusive'"
                )
    if problems:
        raise ScenarioError(scenario_source(ctx.inputs.scenario), problems)


def _kpis(
    params: DemandResponseParams, commitment: Capacity, dt: FloatArray
) -> KpiFunction:
    event_h = float(dt[params.event_mask].sum())

    def kpis(ev: Evaluation) -> dict[str, Any]:
        v = ev.values
        committed_mw = ev.capacity(commitment)
        committed_mwh = committed_mw * event_h
        delivered = float(v["delivered_mw"] @ dt)
        out: dict[str, Any] = {
            "committed_mw": committed_mw,
            "events": params.n_events,
            "event_hours_h": float(dt[params.event_mask].sum()),
            "committed_mwh": committed_mwh,
            "curtailed_mwh": float(v["curtailment_mw"] @ dt),
            "delivered_mwh": delivered,
            "shortfall_mwh": float(v["shortfall_mw"] @ dt),
            "delivery_frac": delivered / committed_mwh
            if committed_mwh > 0
            else float("nan"),
            "payments_usd": float(v["payment_usd"].sum()),
            "penalties_usd": float(v["penalty_usd"].sum()),
        }
        if params.capacity is not None:
            out["capacity_payment_usd"] = float(v["capacity_payment_usd"].sum())
            out["held_mw_mean"] = float(v["held_mw"] @ dt) / float(dt.sum())
        return out

    return kpis


# ---- rolling operation ------------------------------------------------------------
#: Settled at actual values after rolling windows (not fixed at the windows'): the
#: shortfall follows from the delivered curtailment against the actual baseline.
SETTLED_VARIABLES = ("shortfall_mw",)


def window_params(
    params: DemandResponseParams, start: int, stop: int, timestep_h: FloatArray
) -> DemandResponseParams:
    """The program on horizon positions ``start ≤ t < stop`` (resolved on the horizon).

    Events are resolved once on the whole horizon (the operator knows an event once
    it is called), so an event that straddles the window start or end keeps its
    whole length for the per-event payment (``π_ev · Δt / H_e`` per interval), and a
    pre-event baseline keeps its whole window: the intervals inside this window
    stay decisions, those before it are carried as the committed draw
    (:func:`resume`).
    """
    mask = params.event_mask
    dt = np.asarray(timestep_h, dtype=float)
    inside = params.event_of[start:stop]
    ids = np.unique(inside[inside >= 0])
    first = int(ids[0]) if len(ids) else 0
    all_events = np.flatnonzero(mask)
    event_hours = np.bincount(
        params.event_of[all_events], weights=dt[all_events], minlength=params.n_events
    )
    windows: list[IntArray] = []
    past: list[IntArray] = []
    baseline_hours = None
    reach = 0
    if params.baseline_windows:
        # From an event's last interval back to its baseline window's first.
        last = np.flatnonzero(mask & ~np.concatenate((mask[1:], [False])))
        reach = int(
            max(
                int(e) - int(w.min())
                for e, w in zip(last, params.baseline_windows, strict=True)
            )
        )
        kept = [params.baseline_windows[int(k)] for k in ids]
        windows = [w[(w >= start) & (w < stop)] - start for w in kept]
        past = [w[w < start] - start for w in kept]
        baseline_hours = np.array([dt[w].sum() for w in kept], dtype=float)
    capacity = params.capacity
    if capacity is not None:
        capacity = replace(capacity, available_mask=capacity.available_mask[start:stop])
    return replace(
        params,
        event_mask=mask[start:stop],
        event_of=np.where(inside >= 0, inside - first, -1).astype(np.int64),
        n_events=len(ids),
        baseline_windows=tuple(windows),
        capacity=capacity,
        event_hours_h=np.asarray(event_hours[ids.astype(np.int64)], dtype=float),
        baseline_hours_h=baseline_hours,
        baseline_past=tuple(past),
        baseline_past_mwh=None,
        offset=start,
        reach=reach,
    )


@dataclass(frozen=True)
class DemandResponseState:
    """Demand-response events called so far, and the recent committed draw.

    ``events_called`` counts events that started in committed intervals;
    ``in_event`` says whether the last committed interval is inside an event;
    ``draw_mwh`` is the site's net draw × Δt [MWh] in the last committed intervals
    a later pre-event baseline can reach back to, the first of them at horizon
    position ``draw_from``.
    """

    events_called: int
    in_event: bool
    draw_from: int = 0
    draw_mwh: tuple[float, ...] = ()


def _reach(params: DemandResponseParams) -> int:
    """Intervals before a window start that a baseline of this window reaches."""
    return max((-int(p.min()) for p in params.baseline_past if len(p)), default=0)


def final_state(
    params: DemandResponseParams,
    previous: DemandResponseState | None,
    values: Mapping[str, FloatArray],
) -> DemandResponseState:
    """Count the events that started in the committed intervals; keep the draw.

    An event that was already running when the window started (``in_event``) is not
    counted again.
    """
    dt = values["timestep_h"]
    c = len(dt)
    mask = params.event_mask[:c]
    starts = mask & ~np.concatenate(([False], mask[:-1]))
    called = int(starts.sum())
    before = 0
    draw = values["grid_import_mw"] - values.get("grid_export_mw", 0.0)
    history: tuple[float, ...] = ()
    if previous is not None:
        before = previous.events_called
        if previous.in_event and c and mask[0]:
            called -= 1  # the event began in an earlier window
        history = previous.draw_mwh
    kept = history + tuple(float(v) for v in draw * dt)
    kept = kept[-params.reach :] if params.reach else ()
    return DemandResponseState(
        before + called,
        bool(c and mask[-1]),
        draw_from=params.offset + c - len(kept),
        draw_mwh=kept,
    )


def resume(
    params: DemandResponseParams,
    state: DemandResponseState | None,
    *,
    window_h: float,
    left_h: float,
) -> DemandResponseParams:
    """The window's parameters, with the committed draw of earlier baseline hours.

    A pre-event baseline whose window begins before this window's start takes the
    draw committed there as a constant. Events are paid and penalised interval by
    interval, so the events already called change no later decision.
    """
    if not any(len(p) for p in params.baseline_past):
        return params
    if state is None or state.draw_from > params.offset - _reach(params):
        raise ScenarioError(
            params.field("baseline_window_h"),
            [
                f"{params.field('baseline_window_h')}: the baseline window reaches "
                f"{_reach(params)} intervals before the window start, but the "
                "committed draw there is not known"
            ],
        )
    drawn = np.asarray(state.draw_mwh, dtype=float)
    at = [params.offset + p - state.draw_from for p in params.baseline_past]
    past = np.array([drawn[i].sum() for i in at], dtype=float)
    return replace(params, baseline_past_mwh=past)
