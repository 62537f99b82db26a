"""GPU cluster: training jobs, must-serve inference and spot rental (domain.md §6).

Symbols (one cluster, intervals t of length Δt[t] h)::

    P        available IT power = nodes · node power_max_kw / 1000 · availability,
             or it_power_mw · availability                                  [MW]
    g        GPU-hours per IT MWh = 1000 / (node power_max_kw / gpu_count)  [GPU-h/MWh]
    c_j[t]   share of interval t inside job j's window [release, deadline)  [-]
    W_j      work of job j (work_mwh · g when given in MWh)                 [GPU-h]
    L        inference load = load_frac · P                                 [MW]

Formulation::

    min_j·P·c_j[t] ≤ x_j[t] ≤ max_j·P·c_j[t]      job j's IT power, in its window [MW]
    Σ_t x_j[t]·Δt·g + u_j = W_j,  0 ≤ u_j ≤ W_j   work balance, u = undelivered [GPU-h]
    0 ≤ d[t] ≤ flex·L·min(1, E/Δt)                inference reduction            [MW]
    Σ_{t∈w} d[t]·Δt ≤ E·flex·L                    every run w of ⌈E/Δt⌉+1 intervals
    Σ_{t∈m} d[t]·Δt ≤ N·E·flex·L                  every calendar month m
    0 ≤ y[t] ≤ P                                  spot rental (if priced)        [MW]
    B[t] = Σ_j x_j[t] + (L − d[t]) + y[t] ≤ P     busy IT power                  [MW]
    IT[t] = B[t] + i·(P − B[t])                   idle nodes draw i = idle_power_frac
    net load[t] = PUE · IT[t]                     facility power                 [MW]
    revenue[t] = g·Δt·(Σ_j ρ_j·x_j + ρ_inf·(L − d) + ρ_spot·y)                   [USD]
    cost[t] = Σ_j π_j·u_j  in the last interval of job j's window                [USD]

with E = max_event_h, N = max_events_per_month, ρ_j the job's rate per GPU-hour
(``contract_value_usd / W_j`` for a fixed-value contract) and π_j its penalty per
GPU-hour not delivered. A GPU delivers GPU-hours in proportion to the IT power it gets
(power capping slows it down linearly), so a job's work is an IT energy.

Modelling choices:

* No on/off decisions: ``min_power_frac`` is a floor in every interval of the window
  (a job that cannot pause), ``max_power_frac`` a ceiling. Undelivered work is a
  variable, so a job the cluster cannot finish in time is reported and penalised
  rather than making the model infeasible; :func:`resolve` still rejects, before the
  solve, work the cluster could never deliver in its window and floors that cannot
  be met.
* Job times without an offset are local to the horizon's timezone. A window partly
  outside the horizon is clipped and the whole work must be done in the part inside.
  The penalty is booked in the last interval of the (clipped) window.
* Inference events are relaxed to energy limits: any ``⌈E/Δt⌉ + 1`` consecutive
  intervals hold at most E hours of full-depth reduction, so no reduction runs at full
  depth for longer than E hours, even across an interval boundary when E is not a
  whole number of intervals (which makes the rule conservative there); the monthly
  row caps the reduction energy at N full events. A month only partly inside the
  horizon keeps its full allowance. Months are calendar months of the horizon's
  timezone. Windows longer than :data:`DIRECT_WINDOW_MAX` intervals are written as a
  running sum (one variable per window, bounded by E·flex·L, four entries per row)
  rather than rows of k entries.
* A ``size`` block makes the nameplate IT power a decision ``C`` (whole nodes in the
  rounded design, :mod:`grid_flex.model.capacity`): ``P = availability · C`` and
  every bound above that scales with ``P`` becomes a row on ``C``. Inference
  flexibility (events with ``flex_frac > 0``) is not offered on a sized cluster.
* Unavailable nodes draw nothing; idle available nodes draw ``idle_power_frac`` of
  their power. All IT power leaves the servers as heat (``heat_mwth = IT``); the
  PUE overhead (fans, chillers, conversion) is not offered as recoverable heat.
* ``flex_down_mw``: what the cluster could shed now (jobs above their floors, spot,
  the inference reduction still unused), times ``(1 − i)·PUE``. When a grid
  program *holds* a reduction on the cluster (reserves up, capacity DR) the site
  uses ``extra["reduction_room"]`` instead: the inference part ``h`` of what is
  held is an event that may be called, so ``d + h ≤ flex·L`` and the event-length
  and monthly limits above apply to ``d + h`` (held MW count as full-depth
  reduction energy): inference flexibility is never sold beyond its allowance.
* ``flex_up_mw``: the load the cluster could really add, times
  ``(1 − i)·PUE``: the room jobs still have in their windows, spot room (if spot is
  priced) and the inference reduction it could restore, never more than the idle
  capacity ``P − B``::

      up_it[t] = min(Σ_j (max_j·P·c_j[t] − x_j[t]) + (P − y[t]) + d[t],  P − B[t])
               = P − B[t] − max(0, P − L − Σ_j max_j·P·c_j[t] − P_spot)
      flex_up[t] = PUE · (1 − i) · up_it[t]

  with ``P_spot = P`` when spot is priced, else 0 (and no ``y`` term). The two terms
  of the min differ by a constant (``B = Σ_j x_j + L − d + y``), so the min is the
  idle capacity less the part of it no workload can take: linear, no extra
  variable. An inference-only cluster without spot can add back only ``d``; idle
  capacity nothing can use is not offered (as reg-down, say).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, overload

import numpy as np
import pandas as pd

from grid_flex.conventions import month_keys, month_label
from grid_flex.model.capacity import Capacity, CapacitySpec
from grid_flex.model.linear import (
    ConstraintArray,
    FloatArray,
    IntArray,
    LinExpr,
    Sense,
)
from grid_flex.model.terms import (
    AssetTerms,
    BuildContext,
    Evaluation,
    KpiFunction,
    Quantity,
    ResolveContext,
)
from grid_flex.nodata.compute import JobWindow, check, size_costs
from grid_flex.nodata.intervals import Intervals
from grid_flex.schema.assets import GpuClusterEntry, InferenceLoad, TrainingJob
from grid_flex.schema.catalog import GpuNodeSpec

#: Longest inference event window (in intervals) written as one row of sums; longer
#: windows use a running sum, four entries per row.
DIRECT_WINDOW_MAX = 8


@dataclass(frozen=True)
class JobParams:
    """Resolved training job.

    ``coverage_frac[k]`` is the share of interval ``window_start + k`` inside the
    job's window; the window's intervals are contiguous.
    """

    id: str
    work_gpu_h: float
    min_power_frac: float
    max_power_frac: float
    revenue_usd_per_gpu_h: float
    penalty_usd_per_gpu_h: float
    window_start: int
    coverage_frac: tuple[float, ...]
    release_text: str
    deadline_text: str
    #: rolling windows: share of the remaining work due in this window, and the
    #: GPU-hours its power floor delivers there (see :func:`window_params`)
    pace_frac: float = 1.0
    floor_gpu_h: float = 0.0

    @property
    def penalty_interval(self) -> int:
        """Interval the penalty on undelivered work is booked in."""
        return self.window_start + len(self.coverage_frac) - 1

    def coverage(self, n: int) -> FloatArray:
        """Share of each of the ``n`` horizon intervals inside the window [-]."""
        out = np.zeros(n)
        out[self.window_start : self.window_start + len(self.coverage_frac)] = (
            self.coverage_frac
        )
        return out


@dataclass(frozen=True)
class InferenceParams:
    """Resolved must-serve inference load.

    ``month_starts`` holds the first interval of each calendar month (horizon
    timezone) present in the horizon, ``month_labels`` its ``YYYY-MM``.
    """

    load_mw: float
    revenue_usd_per_gpu_h: float
    flex_frac: float
    max_event_h: float
    max_events_per_month: float
    month_starts: tuple[int, ...]
    month_labels: tuple[str, ...]
    #: reduction energy already used in the first month (rolling windows) [MWh]
    used_first_month_mwh: float = 0.0
    #: load as a share of the available IT power (a sized cluster's load) [-]
    load_frac: float = 0.0

    @property
    def max_reduction_mw(self) -> float:
        """Deepest reduction [MW of IT power]."""
        return self.flex_frac * self.load_mw

    @property
    def monthly_reduction_mwh(self) -> float:
        """Reduction energy allowed per calendar month [MWh of IT energy]."""
        return self.max_events_per_month * self.max_event_h * self.max_reduction_mw


@dataclass(frozen=True)
class ClusterParams:
    """Resolved parameters of one GPU cluster.

    ``nameplate_it_power_mw`` and ``it_power_mw`` are the largest values when the
    cluster is sized (``capacity`` then holds the decision's bounds and costs).
    """

    id: str
    model_ref: str
    nameplate_it_power_mw: float
    it_power_mw: float
    kw_per_gpu: float
    pue: float
    idle_power_frac: float
    spot_usd_per_gpu_h: float | None
    jobs: tuple[JobParams, ...]
    inference: InferenceParams | None
    cooling: str
    #: nameplate IT power, fixed or sized [MW]
    capacity: CapacitySpec | None = None
    availability_frac: float = 1.0
    node_mw: float = 0.0

    @property
    def gpu_h_per_mwh(self) -> float:
        """GPU-hours one MWh of IT energy runs [GPU-h/MWh]."""
        return 1000.0 / self.kw_per_gpu

    @property
    def gpus_available_count(self) -> float:
        """GPUs available at full power [count]."""
        return self.it_power_mw * self.gpu_h_per_mwh

    @property
    def facility_capacity_mw(self) -> float:
        """Facility power with every available GPU busy [MW]."""
        return self.pue * self.it_power_mw


# ---- resolve ---------------------------------------------------------------------
def resolve(entry: GpuClusterEntry, rctx: ResolveContext) -> ClusterParams:
    """Scenario entry + catalogue node → :class:`ClusterParams`.

    Raises
    ------
    ScenarioError
        From :func:`grid_flex.nodata.compute.check`: for a job window outside the
        horizon, a job time that does not exist (or is ambiguous) in the horizon's
        timezone, work the cluster could never deliver in its window, floors
        (``min_power_frac``) that deliver more than the work or that do not fit in
        the cluster beside the inference load.
    """
    spec = rctx.catalog.get_gpu(entry.model)
    kw_per_gpu = spec.power_max_kw / spec.gpu_count
    avail = entry.availability_frac
    windows = check(
        entry, spec, Intervals.of_index(rctx.index, rctx.timestep_h, rctx.timezone)
    )
    if entry.size is not None:
        capacity = cluster_size(entry, spec)
    elif entry.count is not None:
        capacity = CapacitySpec.of(entry.count * spec.power_max_kw / 1000.0, "mw")
    else:
        assert entry.it_power_mw is not None
        capacity = CapacitySpec.of(entry.it_power_mw, "mw")
    nameplate = capacity.upper
    p_it = nameplate * avail
    inference = (
        _resolve_inference(entry.inference, p_it if math.isfinite(p_it) else 0.0, rctx)
        if entry.inference is not None
        else None
    )
    jobs = [
        _job(job, window)
        for job, window in zip(entry.training_jobs, windows, strict=True)
    ]
    return ClusterParams(
        id=entry.id,
        model_ref=entry.model,
        nameplate_it_power_mw=nameplate,
        it_power_mw=p_it,
        kw_per_gpu=kw_per_gpu,
        pue=entry.pue,
        idle_power_frac=entry.idle_power_frac,
        spot_usd_per_gpu_h=entry.spot_usd_per_gpu_h,
        jobs=tuple(jobs),
        inference=inference,
        cooling=entry.cooling or spec.cooling,
        capacity=capacity,
        availability_frac=avail,
        node_mw=spec.power_max_kw / 1000.0,
    )


def cluster_size(entry: GpuClusterEntry, spec: GpuNodeSpec) -> CapacitySpec:
    """The cluster's nameplate IT power as a decision, in whole nodes [MW].

    Costs per MW of node IT power: node price / node MW + facility build-out; the
    node price, life and support cost default to the catalogue's dated price
    (:func:`grid_flex.nodata.compute.size_costs`).
    """
    size = entry.size
    assert size is not None
    node_mw = spec.power_max_kw / 1000.0
    per_node, life, fom = size_costs(entry, spec)
    apart = size.infrastructure_life_yr is not None
    infra = size.infrastructure_usd_per_mw
    return CapacitySpec(
        unit="mw",
        min=size.min_nodes * node_mw,
        max=math.inf if size.max_nodes is None else size.max_nodes * node_mw,
        existing=size.existing_nodes * node_mw,
        capex_usd_per_unit=per_node / node_mw + (0.0 if apart else infra),
        life_yr=life,
        fixed_om_usd_per_unit_yr=fom / node_mw,
        purchase_size=node_mw,
        build_out_usd_per_unit=infra if apart else 0.0,
        build_out_life_yr=size.infrastructure_life_yr or life,
    )


def _job(job: TrainingJob, window: JobWindow) -> JobParams:
    """A checked job window with the job's money terms."""
    if job.revenue_usd_per_gpu_h is not None:
        rate = job.revenue_usd_per_gpu_h
    elif job.contract_value_usd is not None:
        rate = job.contract_value_usd / window.work_gpu_h
    else:
        rate = 0.0
    return JobParams(
        id=window.id,
        work_gpu_h=window.work_gpu_h,
        min_power_frac=window.min_power_frac,
        max_power_frac=window.max_power_frac,
        revenue_usd_per_gpu_h=rate,
        penalty_usd_per_gpu_h=job.penalty_usd_per_gpu_h,
        window_start=window.window_start,
        coverage_frac=window.coverage_frac,
        release_text=window.release_text,
        deadline_text=window.deadline_text,
    )


def _resolve_inference(
    inf: InferenceLoad, p_it: float, rctx: ResolveContext
) -> InferenceParams:
    """The inference load and the calendar months of the horizon (local time)."""
    key = month_keys(rctx.index, rctx.timezone)
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    labels = tuple(month_label(k) for k in key[starts].tolist())
    return InferenceParams(
        load_mw=inf.load_frac * p_it,
        load_frac=inf.load_frac,
        revenue_usd_per_gpu_h=inf.revenue_usd_per_gpu_h,
        flex_frac=inf.flex_frac,
        max_event_h=inf.max_event_h,
        max_events_per_month=inf.max_events_per_month,
        month_starts=tuple(int(s) for s in starts),
        month_labels=labels,
    )


# ---- build -----------------------------------------------------------------------
def build(ctx: BuildContext, params: ClusterParams) -> AssetTerms:
    """Declare job, inference and spot powers; return the cluster's terms."""
    n, dt = ctx.n, ctx.dt_h
    p_it, g, pue = params.it_power_mw, params.gpu_h_per_mwh, params.pue
    idle = params.idle_power_frac
    avail = params.availability_frac
    who = f"gpu cluster {params.id}"
    cap = ctx.capacity(
        f"{params.id}.it_power_mw",
        params.capacity or CapacitySpec.of(params.nameplate_it_power_mw, "mw"),
        doc=f"{who}: nameplate IT power, whole nodes (size)",
    )
    busy = LinExpr.zeros(n)
    sheddable = LinExpr.zeros(n)
    # Most IT power the workloads could take per interval (jobs at their ceilings,
    # the whole inference load, spot up to P), per MW of available IT power P: the
    # cap on what may be added.
    usable_frac = np.zeros(n)
    revenue = LinExpr.zeros(n)
    cost = LinExpr.zeros(n)
    outputs: list[Quantity] = []
    has_variable_load = False

    for job in params.jobs:
        tag = f"{who}, training job {job.id}"
        # Variables only on the intervals of the job's window (indexed by position).
        positions = job.window_start + np.arange(len(job.coverage_frac))
        cover_w = np.asarray(job.coverage_frac)
        window = ctx.layer.index_set(
            ctx.block,
            f"job_{job.id}_T",
            positions.tolist(),
            doc=f"{tag}: intervals of its window",
        )
        xw = ctx.layer.add_var(
            ctx.block,
            f"job_{job.id}_it_power_mw",
            window,
            lb=cap.lb(job.min_power_frac * avail * cover_w),
            ub=cap.ub(job.max_power_frac * avail * cover_w),
            doc=(
                f"{tag}: IT power, between min_power_frac and max_power_frac × "
                f"{p_it:g} MW available IT power, in its window "
                f"[{job.release_text}, {job.deadline_text}) [MW]"
            ),
        )
        bounds: tuple[tuple[Sense, float], ...] = (
            ("<=", job.max_power_frac),
            (">=", job.min_power_frac),
        )
        for sense, frac in bounds:
            if sense == "<=" or frac > 0:
                cap.limit(
                    ctx,
                    f"job_{job.id}_{'ceiling' if sense == '<=' else 'floor'}",
                    xw.expr,
                    share=frac * avail * cover_w,
                    sense=sense,
                    doc=f"{tag}: IT power {sense} {frac:g} × available IT power [MW]",
                )
        x = LinExpr(n, positions.astype(np.int64), xw.cols, np.ones(len(positions)))
        floor = cap.rows(n, job.min_power_frac * avail * job.coverage(n))
        u = ctx.var(
            f"job_{job.id}_undelivered_gpu_h",
            ub=job.work_gpu_h,
            scalar=True,
            doc=f"{tag}: work not delivered by its deadline [GPU-h]",
        )
        gpu_h = x * (dt * g)
        ctx.constraint(
            f"job_{job.id}_work",
            gpu_h.sum() + u.expr,
            "==",
            job.work_gpu_h,
            doc=(
                f"{tag}: GPU-hours delivered in its window + undelivered work = its "
                f"work of {job.work_gpu_h:g} GPU-h [GPU-h]"
            ),
        )
        job_revenue = gpu_h * job.revenue_usd_per_gpu_h
        penalty = LinExpr(
            n,
            np.array([job.penalty_interval], dtype=np.int64),
            u.cols,
            np.array([job.penalty_usd_per_gpu_h]),
        )
        busy = busy + x
        sheddable = sheddable + (x - floor)
        usable_frac = usable_frac + job.max_power_frac * job.coverage(n)
        revenue = revenue + job_revenue
        cost = cost + penalty
        has_variable_load = True
        outputs += [
            Quantity(f"job_{job.id}_it_power_mw", x),
            Quantity(f"job_{job.id}_gpu_h", gpu_h),
            Quantity(f"job_{job.id}_revenue_usd", job_revenue),
            Quantity(f"job_{job.id}_penalty_usd", penalty),
        ]

    inf = params.inference
    event_rows: list[ConstraintArray] = []
    reduction = LinExpr.zeros(n)
    if inf is not None:
        if cap.is_variable:  # a sized cluster's load: no reductions (see resolve)
            served = cap.rows(n, inf.load_frac * avail)
        else:
            served, reduction, event_rows = _inference(ctx, inf, who)
        inf_gpu_h = served * (dt * g)
        inf_revenue = inf_gpu_h * inf.revenue_usd_per_gpu_h
        busy = busy + served
        usable_frac = usable_frac + inf.load_frac
        revenue = revenue + inf_revenue
        outputs += [
            Quantity("inference_it_power_mw", served),
            Quantity("inference_reduction_it_power_mw", reduction),
            Quantity("inference_gpu_h", inf_gpu_h),
            Quantity("inference_revenue_usd", inf_revenue),
        ]
        if reduction.coefs.size:
            sheddable = sheddable + (inf.max_reduction_mw - reduction)

    spot_rate = params.spot_usd_per_gpu_h
    if spot_rate is not None:
        y = ctx.var(
            "spot_it_power_mw",
            ub=cap.ub(avail),
            doc=(
                f"{who}: IT power rented out as spot GPU-hours at {spot_rate:g} "
                "USD/GPU-h (spot_usd_per_gpu_h) [MW]"
            ),
        )
        cap.limit(
            ctx,
            "spot_capacity",
            y.expr,
            share=avail,
            doc=f"{who}: spot IT power ≤ available IT power [MW]",
        )
        spot_gpu_h = y.expr * (dt * g)
        spot_revenue = spot_gpu_h * spot_rate
        busy = busy + y.expr
        usable_frac = usable_frac + 1.0
        sheddable = sheddable + y.expr
        revenue = revenue + spot_revenue
        has_variable_load = True
        outputs += [
            Quantity("spot_it_power_mw", y.expr),
            Quantity("spot_gpu_h", spot_gpu_h),
            Quantity("spot_revenue_usd", spot_revenue),
        ]

    if has_variable_load:
        ctx.constraint(
            "it_capacity",
            busy - cap.rows(n, avail) if cap.is_variable else busy,
            "<=",
            0.0 if cap.is_variable else p_it,
            doc=(
                f"{who}: training jobs + inference served + spot ≤ available IT "
                "power (count, it_power_mw or size × availability_frac) [MW]"
            ),
        )
    extra: dict[str, Any] = {}
    if event_rows:
        assert inf is not None
        # What the site may hold as reduction: the event limits bound the inference
        # part (the rest — jobs above their floors, spot — has no event limit).
        extra["reduction_room"] = _held_reduction_room(
            inf,
            reduction,
            sheddable - (inf.max_reduction_mw - reduction),
            (1.0 - idle) * pue,
            event_rows,
            who,
        )
    it_power = busy * (1.0 - idle) + cap.rows(n, idle * avail)
    power = it_power * pue
    # Load that can really be added: idle capacity less what no workload can take
    # (= jobs' room + spot room + restorable inference reduction, capped at P − B):
    # (P − B) − max(0, P − P·usable_frac) = P·min(1, usable_frac) − B.
    addable = cap.rows(n, avail * np.minimum(1.0, usable_frac)) - busy
    ctx.expression("it_power_mw", it_power, doc=f"{who}: IT power drawn [MW]")
    ctx.expression(
        "power_mw", power, doc=f"{who}: facility power drawn, PUE × IT power [MW]"
    )
    outputs = [
        Quantity("power_mw", power),
        Quantity("it_power_mw", it_power),
        Quantity("busy_it_power_mw", busy),
        *outputs,
        Quantity("revenue_usd", revenue),
        Quantity("cost_usd", cost),
    ]

    return AssetTerms(
        net_load_mw=power,
        cost_usd=cost,
        revenue_usd=revenue,
        outputs=tuple(outputs),
        kpis=_kpi_function(params, dt, cap),
        capacity_mw=params.facility_capacity_mw,
        capacity_expr_mw=cap.expr * (avail * pue),
        heat_mwth=it_power,  # IT power leaves the servers as heat (not the PUE part)
        cooling=params.cooling,
        flex_down_mw=sheddable * ((1.0 - idle) * pue),
        flex_up_mw=addable * ((1.0 - idle) * pue),
        extra=extra,
    )


def _inference(
    ctx: BuildContext, inf: InferenceParams, who: str
) -> tuple[LinExpr, LinExpr, list[ConstraintArray]]:
    """Served inference power and its reduction, with the event limits [MW].

    Also returns the event-limit row families (replaced when reserves are held on
    the reduction, see :func:`_held_reduction_room`).
    """
    n, dt = ctx.n, ctx.dt_h
    depth = inf.max_reduction_mw
    if depth <= 0 or inf.max_events_per_month <= 0:
        return LinExpr.constant(inf.load_mw, n), LinExpr.zeros(n), []
    tag = f"{who}, inference"
    d = ctx.var(
        "inference_reduction_it_power_mw",
        ub=depth * np.minimum(1.0, inf.max_event_h / dt),
        doc=(
            f"{tag}: reduction of the {inf.load_mw:g} MW must-serve load, at most "
            f"flex_frac {inf.flex_frac:g} of it [MW]"
        ),
    )
    families = _event_limits(ctx, inf, d.expr, tag, "inference")
    return inf.load_mw - d.expr, d.expr, families


def _place(expr: LinExpr, rows: IntArray, n_rows: int) -> LinExpr:
    """``expr``'s row i moved to row ``rows[i]`` of an ``n_rows``-row expression."""
    return LinExpr(n_rows, rows[expr.rows], expr.cols, expr.coefs)


def _event_limits(
    ctx: BuildContext,
    inf: InferenceParams,
    r: LinExpr,
    tag: str,
    prefix: str,
) -> list[ConstraintArray]:
    """Event-length and monthly energy limits on the reduction ``r`` [MW, n rows]."""
    n, dt = ctx.n, ctx.dt_h
    depth = inf.max_reduction_mw
    step_h = float(dt[0])
    allowance_mwh = inf.max_event_h * depth
    k = math.ceil(inf.max_event_h / step_h - 1e-9) + 1
    windows = n - k + 1
    span = f"{k * step_h:g} h"
    limit = (
        f"≤ max_event_h {inf.max_event_h:g} h × {depth:g} MW (no event longer than "
        "max_event_h at full depth) [MWh]"
    )
    labels = _WindowLabels(ctx.inputs.index[:windows], span)
    energy = r * dt  # reduction energy per interval [MWh]
    families = []
    if windows >= 1 and k <= DIRECT_WINDOW_MAX:
        pos = (np.arange(windows)[:, None] + np.arange(k)[None, :]).ravel()
        group = np.repeat(np.arange(windows, dtype=np.int64), k)
        families.append(
            ctx.rows(
                f"{prefix}_event_length",
                _place(energy.take(pos), group, windows),
                "<=",
                allowance_mwh,
                doc=f"{tag}: reduction energy in any {span} {limit}",
                labels=labels,
            )
        )
    elif windows >= 1:
        # Long windows: a running window sum, w[s] = w[s−1] + last − first, keeps the
        # rows at a few entries instead of k; the limit becomes w's upper bound.
        starts = ctx.layer.index_set(
            ctx.block, f"{prefix}_window_T", range(windows), f"{tag}: {span} windows"
        )
        w = ctx.layer.add_var(
            ctx.block,
            f"{prefix}_window_reduction_mwh",
            starts,
            lb=0.0,
            ub=allowance_mwh,
            doc=f"{tag}: reduction energy in the {span} from this interval {limit}",
        ).expr
        s1 = np.arange(1, windows, dtype=np.int64)
        first = np.arange(k, dtype=np.int64)
        expr = (
            w
            - _place(w.take(s1 - 1), s1, windows)
            - _place(energy.take(s1 + k - 1), s1, windows)
            + _place(energy.take(s1 - 1), s1, windows)
            - _place(energy.take(first), np.zeros(k, dtype=np.int64), windows)
        )
        families.append(
            ctx.rows(
                f"{prefix}_window_sum",
                expr,
                "==",
                0.0,
                doc=(
                    f"{tag}: reduction energy in the {span} from an interval = the "
                    "previous window's + the new interval's − the one left behind "
                    "[MWh]"
                ),
                labels=labels,
            )
        )
    month_of = (
        np.searchsorted(np.asarray(inf.month_starts), np.arange(n), side="right") - 1
    ).astype(np.int64)
    families.append(
        ctx.rows(
            f"{prefix}_monthly_events",
            _place(energy, month_of, len(inf.month_starts)),
            "<=",
            # the first month's allowance less what a previous window used (rolling)
            np.maximum(
                inf.monthly_reduction_mwh
                - np.eye(1, len(inf.month_starts))[0] * inf.used_first_month_mwh,
                0.0,
            ),
            doc=(
                f"{tag}: reduction energy per calendar month ≤ max_events_per_month "
                f"{inf.max_events_per_month:g} × max_event_h {inf.max_event_h:g} h × "
                f"{depth:g} MW [MWh]"
            ),
            labels=list(inf.month_labels),
        )
    )
    return families


def _held_reduction_room(
    inf: InferenceParams,
    reduction: LinExpr,
    other_it_mw: LinExpr,
    per_it_mw: float,
    base_rows: list[ConstraintArray],
    who: str,
) -> Callable[[BuildContext], LinExpr]:
    """The cluster's room for reductions grid programs hold (reserves up, DR).

    A held reduction of inference is an event that may be called: it is limited by
    the same event limits as the reduction the LP schedules. Returns a function the
    site calls (with a context on the cluster's block) when some program holds a
    reduction: it adds ``h`` (inference reduction held, IT MW) with
    ``d + h ≤ flex_frac · load``, rewrites the event-length and monthly limits on
    ``d + h`` (deactivating those on ``d`` alone) and returns the room
    ``(other sheddable IT power + h) · (1 − idle) · PUE`` [MW].
    """
    depth = inf.max_reduction_mw

    def room(hctx: BuildContext) -> LinExpr:
        tag = f"{who}, inference held for grid programs"
        h = hctx.var(
            "inference_held_it_power_mw",
            ub=depth,
            doc=f"{tag}: reduction of the inference load held ready [MW]",
        ).expr
        hctx.constraint(
            "inference_held_depth",
            reduction + h,
            "<=",
            depth,
            doc=f"{tag}: reduction + held ≤ flex_frac × load = {depth:g} MW [MW]",
        )
        for family in base_rows:
            family.component.deactivate()
        _event_limits(hctx, inf, reduction + h, f"{tag} (reduction + held)", "held")
        return (other_it_mw + h) * per_it_mw

    return room


def _kpi_function(params: ClusterParams, dt: FloatArray, cap: Capacity) -> KpiFunction:
    """The cluster's KPI function (closes over its parameters)."""
    hours = float(dt.sum())

    def kpis(ev: Evaluation) -> dict[str, float]:
        v = ev.values
        nameplate = ev.capacity(cap)
        p_it = nameplate * params.availability_frac
        energy = float(v["power_mw"] @ dt)
        busy_mwh = float(v["busy_it_power_mw"] @ dt)
        revenue = float(v["revenue_usd"].sum())
        out: dict[str, float] = {
            "nameplate_it_power_mw": nameplate,
            "node_count": nameplate / params.node_mw if params.node_mw else 0.0,
            "available_it_power_mw": p_it,
            "facility_capacity_mw": params.pue * p_it,
            "gpus_available_count": p_it * params.gpu_h_per_mwh,
            "pue": params.pue,
            "energy_mwh": energy,
            "it_energy_mwh": float(v["it_power_mw"] @ dt),
            "utilisation_frac": busy_mwh / (p_it * hours) if p_it > 0 else 0.0,
            "compute_revenue_usd": revenue,
            "compute_revenue_usd_per_mwh": revenue / energy if energy > 0 else 0.0,
            "penalty_usd": float(v["cost_usd"].sum()),
        }
        delivered_all = undelivered_all = training_revenue = 0.0
        for job in params.jobs:
            delivered = float(v[f"job_{job.id}_gpu_h"].sum())
            undelivered = max(0.0, job.work_gpu_h - delivered)
            job_revenue = float(v[f"job_{job.id}_revenue_usd"].sum())
            out |= {
                f"job_{job.id}_work_gpu_h": job.work_gpu_h,
                f"job_{job.id}_delivered_gpu_h": delivered,
                f"job_{job.id}_undelivered_gpu_h": undelivered,
                f"job_{job.id}_delivered_frac": delivered / job.work_gpu_h,
                f"job_{job.id}_revenue_usd": job_revenue,
                f"job_{job.id}_penalty_usd": float(
                    v[f"job_{job.id}_penalty_usd"].sum()
                ),
            }
            delivered_all += delivered
            undelivered_all += undelivered
            training_revenue += job_revenue
        if params.jobs:
            out |= {
                "training_delivered_gpu_h": delivered_all,
                "training_undelivered_gpu_h": undelivered_all,
                "training_revenue_usd": training_revenue,
            }
        inf = params.inference
        if inf is not None:
            red = v["inference_reduction_it_power_mw"]
            depth = inf.max_reduction_mw
            out |= {
                "inference_served_gpu_h": float(v["inference_gpu_h"].sum()),
                "inference_revenue_usd": float(v["inference_revenue_usd"].sum()),
                "inference_reduction_mwh": float(red @ dt),
                "inference_reduction_h": float(dt[red > 1e-6 * max(depth, 1e-9)].sum()),
                "inference_reduction_full_depth_h": float(red @ dt) / depth
                if depth > 0
                else 0.0,
            }
        if params.spot_usd_per_gpu_h is not None:
            out |= {
                "spot_gpu_h": float(v["spot_gpu_h"].sum()),
                "spot_revenue_usd": float(v["spot_revenue_usd"].sum()),
            }
        return out

    return kpis


class _WindowLabels(Sequence[str]):
    """Row labels ``"<start> + <span>"``, formatted only when a message needs one."""

    def __init__(self, starts: pd.DatetimeIndex, span: str) -> None:
        self._starts = starts
        self._span = span

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...

    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [f"{s} + {self._span}" for s in self._starts[i]]
        return f"{self._starts[i]} + {self._span}"


# ---- rolling operation: state carried between windows ------------------------------
@dataclass(frozen=True)
class ClusterState:
    """What a cluster has done so far.

    Work delivered per training job [GPU-h], and the inference reduction energy
    used in the month the committed part ended in [MWh].
    """

    delivered_gpu_h: dict[str, float]
    inference_month: str | None = None
    inference_reduction_mwh: float = 0.0


def window_params(
    params: ClusterParams, start: int, stop: int, timestep_h: FloatArray
) -> ClusterParams:
    """The cluster on horizon positions ``start ≤ t < stop`` (resolved on the horizon).

    A job keeps the part of its window inside; one whose deadline lies beyond is
    paced: ``pace_frac`` = its window's hours inside / its hours left from
    ``start`` (:func:`resume` applies it to the work left). Jobs outside are dropped.
    The inference months are those the window covers.
    """
    jobs = []
    for j in params.jobs:
        lo, hi = j.window_start, j.window_start + len(j.coverage_frac)
        a, b = max(lo, start), min(hi, stop)
        if a >= b:
            continue
        cover = np.asarray(j.coverage_frac)
        hours_in = float(cover[a - lo : b - lo] @ timestep_h[a:b])
        hours_left = float(cover[a - lo :] @ timestep_h[a:hi])
        g = 1000.0 / params.kw_per_gpu
        jobs.append(
            replace(
                j,
                window_start=a - start,
                coverage_frac=j.coverage_frac[a - lo : b - lo],
                pace_frac=1.0 if hours_left <= 0 else hours_in / hours_left,
                floor_gpu_h=j.min_power_frac * params.it_power_mw * hours_in * g,
            )
        )
    inf = params.inference
    if inf is not None:
        starts = np.asarray(inf.month_starts)
        first = int(np.searchsorted(starts, start, side="right")) - 1
        keep = [k for k in range(len(starts)) if start < starts[k] < stop]
        inf = replace(
            inf,
            month_starts=(0, *(int(starts[k]) - start for k in keep)),
            month_labels=(
                inf.month_labels[first],
                *(inf.month_labels[k] for k in keep),
            ),
        )
    return replace(params, jobs=tuple(jobs), inference=inf)


def final_state(
    params: ClusterParams,
    previous: ClusterState | None,
    values: Mapping[str, FloatArray],
) -> ClusterState:
    """Add the committed intervals' GPU-hours and inference reductions."""
    done = {} if previous is None else dict(previous.delivered_gpu_h)
    for j in params.jobs:
        done[j.id] = done.get(j.id, 0.0) + float(values[f"job_{j.id}_gpu_h"].sum())
    inf = params.inference
    if inf is None or "inference_reduction_it_power_mw" not in values:
        return ClusterState(done)
    dt = values["timestep_h"]
    c = len(dt)
    month_of = np.searchsorted(np.asarray(inf.month_starts), np.arange(c), "right") - 1
    last = int(month_of[-1])
    label = inf.month_labels[last]
    reduced = values["inference_reduction_it_power_mw"]
    used = float((reduced * dt)[month_of == last].sum())
    if previous is not None and previous.inference_month == label:
        used += previous.inference_reduction_mwh
    return ClusterState(done, label, used)


def resume(
    params: ClusterParams,
    state: ClusterState | None,
    *,
    window_h: float,
    left_h: float,
) -> ClusterParams:
    """Each job's remaining work and the inference reduction left this month.

    A job's work in the window is what is left of it, paced by ``pace_frac`` and
    never below what its power floor delivers there anyway.
    """
    done = {} if state is None else state.delivered_gpu_h
    jobs = []
    for j in params.jobs:
        left = max(j.work_gpu_h - done.get(j.id, 0.0), 0.0)
        due = max(left * j.pace_frac, j.floor_gpu_h)  # a floor delivers it anyway
        jobs.append(replace(j, work_gpu_h=due, pace_frac=1.0))
    inf = params.inference
    if (
        inf is not None
        and state is not None
        and state.inference_month == inf.month_labels[0]
    ):
        inf = replace(inf, used_first_month_mwh=state.inference_reduction_mwh)
    return replace(params, jobs=tuple(jobs), inference=inf)
