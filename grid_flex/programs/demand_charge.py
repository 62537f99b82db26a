"""Monthly demand charge on the site's peak grid import.

Formulation (calendar months ``m`` in the horizon's local time; ``S`` the intervals
selected by the entry's ``windows``, every interval when it has none)::

    peak[m] ≥ 0                                        one variable per month with
                                                       selected intervals          [MW]
    imp[t] + e[t] − peak[month(t)] ≤ 0   for t ∈ S     (one constraint family)     [MW]
    cost[t] = usd_per_kw_month · 1000 · peak[m]   at t = the first horizon interval
                                                  of month m, 0 elsewhere         [USD]

``e`` is the expected load increase reserves deploy (reg-down ``deployment_frac`` ×
offer; expected reductions are not credited, a peak is a maximum;
:func:`grid_flex.model.headroom.expected_import_mw`). At the optimum ``peak[m]`` is the
month's highest import in the window (when the charge is positive). ``cost_usd`` is a
per-interval expression like every other term: the whole monthly charge is booked in the
month's first interval of the horizon (a portfolio block that continues a month
another block bills books none for it: ``billed_months``). A facility charge and an
on-peak charge are two entries, each with its own peaks.

The import is the mean over each horizon interval (a demand measured over 15 minutes
is approximated by the hourly mean on an hourly horizon). A month the horizon covers in
part pays the full monthly charge on its peak inside the horizon.

KPIs: the monthly peaks, the charge, and the charge avoided against a baseline that
draws its full load in every selected interval: ``full = min(Σ_loads capacity_mw,
import limit)``, ``avoided = Σ_m (max_{t∈S∩m} full[t] − peak[m]) · rate · 1000``.
The full load counts the computing loads only (:data:`LOAD_KINDS`: ASIC fleets and
GPU clusters, at their available capacity): a battery's charging power is not load the
site would draw without the tariff (counting it would credit the battery with avoiding
its own charging peak), and a heat loop's fans and heat pump are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from grid_flex.conventions import month_keys, month_label
from grid_flex.model.headroom import expected_import_mw
from grid_flex.model.linear import FloatArray, IntArray, LinExpr
from grid_flex.model.terms import (
    BuildContext,
    Evaluation,
    ProgramTerms,
    Quantity,
    ResolveContext,
    SiteTerms,
)
from grid_flex.nodata.programs import demand_charge_selects_nothing
from grid_flex.programs._paths import field_path
from grid_flex.programs.windows import window_mask
from grid_flex.schema.tariffs import DemandChargeEntry

TYPE = "demand_charge"

#: kW per MW: tariffs quote USD per kW, the LP works in MW.
KW_PER_MW = 1000.0

#: Asset kinds whose capacity makes up the full-load baseline of the KPIs.
LOAD_KINDS = frozenset({"asic_fleet", "gpu_cluster"})

BoolArray = NDArray[np.bool_]


def month_positions(
    index: pd.DatetimeIndex, timezone: str
) -> tuple[list[str], IntArray]:
    """Calendar months of ``index`` in ``timezone``: labels and each interval's month.

    Returns the month labels (``"2019-06"``, in time order) and, per interval, the
    position of its month (by the interval's local start).
    """
    uniq, pos = np.unique(month_keys(index, timezone), return_inverse=True)
    return [month_label(k) for k in uniq.tolist()], np.asarray(pos, dtype=np.int64)


def full_load_mw(site: SiteTerms, import_limit_mw: FloatArray) -> FloatArray:
    """Baseline import: every computing load at its capacity, capped by the limit [MW].

    Only assets of :data:`LOAD_KINDS` (ASIC fleets, GPU clusters) count: batteries
    (whose capacity is a charging power, not a load the site has to serve) and heat
    recovery (fans, heat pump) are left out. Also the baseline of the 4CP KPIs.
    """
    total = sum(
        t.capacity_mw or 0.0
        for aid, t in site.assets.items()
        if site.kinds.get(aid) in LOAD_KINDS
    )
    limit = np.asarray(import_limit_mw, dtype=float)
    return np.asarray(np.minimum(float(total), limit), dtype=float)


@dataclass(frozen=True)
class DemandChargeParams:
    """Resolved parameters of one demand charge.

    ``selected`` marks the intervals in the charge's window; ``month_pos`` gives each
    interval's month (position in ``months``).
    """

    id: str
    usd_per_kw_month: float
    selected: BoolArray
    months: tuple[str, ...]
    month_pos: IntArray
    #: Peak already set in each month before the horizon (rolling windows) [MW].
    peak_floor_mw: tuple[float, ...] | None = None
    #: Per month of ``months``: whether this model books its charge (None: every
    #: month). A portfolio's block that continues a month another block bills keeps
    #: its peak rows but books no charge; the study ties the two peaks.
    billed_months: BoolArray | None = None


def resolve(entry: DemandChargeEntry, rctx: ResolveContext) -> DemandChargeParams:
    """Scenario entry → :class:`DemandChargeParams` (the window must select some)."""
    n = len(rctx.index)
    if entry.windows is None:
        selected = np.ones(n, dtype=bool)
    else:
        field = field_path(entry.id, "windows")
        selected = window_mask(entry.windows, rctx, field=field)
        if not selected.any():
            raise demand_charge_selects_nothing(field)
    months, pos = month_positions(rctx.index, rctx.timezone)
    return DemandChargeParams(
        id=entry.id,
        usd_per_kw_month=entry.usd_per_kw_month,
        selected=selected,
        months=tuple(months),
        month_pos=pos,
    )


def build(ctx: BuildContext, params: DemandChargeParams) -> ProgramTerms:
    """Declare the monthly peaks and their rows; return the charge as a cost."""
    site = ctx.site
    assert site is not None, "programs are built with the site's terms"
    n = ctx.n
    who = f"demand charge {params.id}"
    rate = params.usd_per_kw_month * KW_PER_MW  # USD per MW of peak and month
    sel = np.flatnonzero(params.selected)
    if not len(sel):  # a rolling window wholly outside the charge's window
        return ProgramTerms(cost_usd=LinExpr.zeros(n), revenue_usd=LinExpr.zeros(n))
    # Months with at least one selected interval get a peak variable.
    charged = np.unique(params.month_pos[sel])
    var_of_month = np.full(len(params.months), -1, dtype=np.int64)
    var_of_month[charged] = np.arange(len(charged))
    labels = [params.months[m] for m in charged.tolist()]

    month_set = ctx.layer.index_set(
        ctx.block, "MONTHS", labels, doc=f"{who}: billed months"
    )
    floor = (
        np.zeros(len(charged))
        if params.peak_floor_mw is None
        else np.asarray(params.peak_floor_mw)[charged]
    )
    peak = ctx.layer.add_var(
        ctx.block,
        "peak_mw",
        month_set,
        lb=floor,
        doc=f"{who}: peak grid import of the month in the charge's window [MW]",
    )
    imp = expected_import_mw(site, credit_reductions=False)
    ctx.rows(
        "peak_def",
        imp.take(sel) - peak.expr.take(var_of_month[params.month_pos[sel]]),
        "<=",
        doc=f"{who}: grid import ≤ the month's peak, in every interval of the "
        "charge's window [MW]",
        labels=list(ctx.inputs.index[sel]),
    )
    # Per interval: the billed peak of the interval's month (0 where none is billed).
    has = var_of_month[params.month_pos] >= 0
    at = np.flatnonzero(has)
    taken = peak.expr.take(var_of_month[params.month_pos[at]])
    billed = LinExpr(n, at[taken.rows], taken.cols, taken.coefs)
    # The charge, booked in the first horizon interval of each billed month.
    first = np.array(
        [int(np.argmax(params.month_pos == m)) for m in charged.tolist()],
        dtype=np.int64,
    )
    booked = np.arange(len(charged))
    if params.billed_months is not None:
        booked = np.flatnonzero(params.billed_months[charged])
    month_peaks = peak.expr.take(booked) * rate
    cost = LinExpr(
        n, first[booked][month_peaks.rows], month_peaks.cols, month_peaks.coefs
    )
    ctx.expression(
        "charge_usd",
        cost,
        doc=f"{who}: usd_per_kw_month × 1000 × the month's peak, booked in the "
        "month's first interval [USD]",
    )
    full = full_load_mw(site, ctx.inputs.import_limit_mw)

    def kpis(ev: Evaluation) -> dict[str, Any]:
        load = ev.values["charged_import_mw"]
        peaks: dict[str, float] = {}
        baseline: dict[str, float] = {}
        for m, label in zip(charged.tolist(), labels, strict=True):
            in_m = params.selected & (params.month_pos == m)
            peaks[label] = float(load[in_m].max())
            baseline[label] = float(full[in_m].max())
        charge = float(ev.values["cost_usd"].sum())
        full_charge = sum(baseline.values()) * rate
        return {
            "usd_per_kw_month": params.usd_per_kw_month,
            "months_billed": len(labels),
            "monthly_peak_mw": peaks,
            "max_monthly_peak_mw": max(peaks.values()),
            "charge_usd": charge,
            "full_load_peak_mw": max(baseline.values()),
            "full_load_charge_usd": full_charge,
            "charge_avoided_usd": full_charge - charge,
        }

    return ProgramTerms(
        cost_usd=cost,
        revenue_usd=LinExpr.zeros(n),
        outputs=(
            Quantity("in_window_frac", LinExpr.constant(params.selected.astype(float))),
            Quantity("billed_peak_mw", billed),
            Quantity("charged_import_mw", imp),
        ),
        kpis=kpis,
        extra={"peak_mw": peak, "months": labels},
    )


# ---- rolling operation ------------------------------------------------------------
@dataclass(frozen=True)
class DemandChargeState:
    """The billed peak so far of each month, by month label (``"2020-01"``) [MW]."""

    peak_so_far_mw: dict[str, float]


def final_state(
    params: DemandChargeParams,
    previous: DemandChargeState | None,
    values: Mapping[str, FloatArray],
) -> DemandChargeState:
    """The month-to-date peaks after the committed intervals."""
    peaks = {} if previous is None else dict(previous.peak_so_far_mw)
    imp = values["grid_import_mw"]
    c = len(imp)
    sel = params.selected[:c]
    for m in np.unique(params.month_pos[:c][sel]).tolist():
        in_m = sel & (params.month_pos[:c] == m)
        label = params.months[m]
        peaks[label] = max(peaks.get(label, 0.0), float(imp[in_m].max()))
    return DemandChargeState(peaks)


def resume(
    params: DemandChargeParams,
    state: DemandChargeState | None,
    *,
    window_h: float,
    left_h: float,
) -> DemandChargeParams:
    """Drawing up to a month's peak so far costs nothing more: it is the floor."""
    if state is None:
        return params
    floor = tuple(state.peak_so_far_mw.get(m, 0.0) for m in params.months)
    return replace(params, peak_floor_mw=floor)


def window_params(
    params: DemandChargeParams, start: int, stop: int, timestep_h: FloatArray
) -> DemandChargeParams:
    """The charge on horizon positions ``start ≤ t < stop`` (resolved on the horizon).

    Its time-of-use window may select no interval of a rolling window (a weekend);
    re-resolving would then refuse it, so the horizon's selection is cut instead.
    """
    return replace(
        params,
        selected=params.selected[start:stop],
        month_pos=params.month_pos[start:stop],
    )
