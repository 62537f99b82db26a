"""ERCOT 4CP: a transmission charge on the site's import at the coincident peaks.

The site's transmission tag is its average import in the 15-minute interval of
highest ERCOT load of each of June-September; the tag sets a charge of
``usd_per_kw_year`` per kW for the following calendar year (16 TAC §25.192,
domain.md §2.2). The LP books that annual charge against the operation that sets it.

Formulation (``N = len(months)`` peaks a year, 4 for ERCOT)::

    known intervals k (one per month):
        tag      = Σ_k imp(k) / N                                            [MW]
        imp(k)   = Σ_t frac[k, t] · imp[t]   frac = share of interval k in t [MW]
    expected form, probabilities p[t] normalised to 1 within each month m:
        tag      = Σ_m Σ_{t∈m} p[t] · imp[t] / N                              [MW]
    cost[t] = usd_per_kw_year · 1000 · w[t] · imp[t] / N                      [USD]

with ``w = Σ_k frac[k, ·]`` (known) or ``w = p``; ``imp`` includes the expected net
deployment of reserves (``deployment_frac`` × offer, increases less reductions;
:func:`grid_flex.model.headroom.expected_import_mw`). On an hourly horizon the import
of the hour that contains the 15-minute peak counts (``frac = 1``); on a 5-minute
horizon the three 5-minute intervals count for a third each. The cost is booked at
the (candidate) peak intervals, per interval.

Each month is ``1/N`` of the tag whatever the horizon, so a horizon covering part of
the summer carries that part of the tag, and the known form is the expected form with
probabilities 0 and 1. (An average over only the months in the horizon would give a
one-month horizon the whole annual charge on that month's peak.)

KPIs: the tag (``tag_mw``, or ``expected_tag_mw``), the import at each peak, the
charge, and the charge avoided against a baseline that draws its full load in every
interval: ``full = min(Σ_loads capacity_mw, import limit)`` over the computing loads
(ASIC fleets, GPU clusters; batteries and heat loops left out, see
:func:`~grid_flex.programs.demand_charge.full_load_mw`),
``avoided = (Σ_t w[t] · full[t] / N − tag) · usd_per_kw_year · 1000``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from grid_flex.conventions import month_keys, month_label
from grid_flex.errors import ScenarioError
from grid_flex.model.headroom import expected_import_mw
from grid_flex.model.linear import FloatArray, IntArray, LinExpr
from grid_flex.model.terms import (
    BuildContext,
    DataNeeded,
    Evaluation,
    ProgramTerms,
    Quantity,
    ResolveContext,
)
from grid_flex.nodata.four_cp import (
    HISTORIC_INTERVAL_MIN,
    check_covered,
    check_months,
    historic_stamps,
    known_intervals,
    listed_stamps,
    local_label,
    outside,
    span,
    stamp_utc,
)
from grid_flex.programs._paths import field_path
from grid_flex.programs.demand_charge import KW_PER_MW, full_load_mw
from grid_flex.programs.four_cp_defaults import (
    normalise_by_month,
    price_weighted_probabilities,
    window_overlap_h,
)
from grid_flex.schema.tariffs import (
    ERCOT_HISTORIC,
    FourCpEntry,
    PriceWeightedProbabilities,
)

TYPE = "four_cp"


@dataclass(frozen=True)
class Peak:
    """One known coincident-peak interval placed on the horizon.

    ``positions`` are the horizon intervals it overlaps and ``fracs`` the share of
    the peak interval in each (summing to 1).
    """

    label: str
    month: str
    positions: IntArray
    fracs: FloatArray


@dataclass(frozen=True)
class FourCpParams:
    """Resolved parameters of one 4CP charge.

    ``weight[t]`` is the share of a month's coincident-peak import that interval ``t``
    carries: the peak's share of the interval (known form) or the probability that the
    month's peak falls in it (expected form).
    """

    id: str
    usd_per_kw_year: float
    form: Literal["known", "expected"]
    peaks_per_year: int
    weight: FloatArray
    months: tuple[str, ...]
    month_pos: IntArray
    peaks: tuple[Peak, ...] = ()


# ---- placing stamps on the horizon -----------------------------------------------
def _utc(stamp: Any, timezone: str, field: str) -> pd.Timestamp:
    """A stamp as UTC: naive ones are local to ``timezone``."""
    return pd.Timestamp(stamp_utc(stamp, timezone, field))


def _place(
    start: pd.Timestamp,
    end: pd.Timestamp,
    bounds: tuple[IntArray, IntArray],
) -> tuple[IntArray, FloatArray] | None:
    """Horizon intervals overlapping ``[start, end)`` and the share of it in each.

    None if ``[start, end)`` is not wholly inside the horizon.
    """
    starts, ends = bounds
    a, b = start.as_unit("ns").value, end.as_unit("ns").value
    if a < starts[0] or b > ends[-1]:
        return None
    i0 = int(np.searchsorted(starts, a, side="right")) - 1
    i1 = int(np.searchsorted(starts, b, side="left"))
    pos = np.arange(i0, i1, dtype=np.int64)
    overlap = np.minimum(ends[pos], b) - np.maximum(starts[pos], a)
    return pos, overlap / float(b - a)


def _horizon(rctx: ResolveContext) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of the horizon (UTC)."""
    end = rctx.index[-1] + pd.Timedelta(hours=float(rctx.timestep_h[-1]))
    return rctx.index[0].to_pydatetime(), end.to_pydatetime()


def _outside(rctx: ResolveContext, field: str, what: str) -> ScenarioError:
    return outside(field, what, _horizon(rctx))


def _span(
    stamp: pd.Timestamp, length_min: int, convention: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The interval ``[start, end)`` a stamp marks (its end or its start)."""
    start, end = span(stamp.to_pydatetime(), length_min, convention)
    return pd.Timestamp(start), pd.Timestamp(end)


def _local(stamp: pd.Timestamp, timezone: str) -> str:
    return local_label(stamp.to_pydatetime(), timezone)


# ---- resolve -----------------------------------------------------------------------
def resolve(entry: FourCpEntry, rctx: ResolveContext) -> FourCpParams:
    """Scenario entry → :class:`FourCpParams`, with the checks that name the field.

    Errors: a known interval (or a weighted candidate) outside the horizon or outside
    ``months``; two known intervals in one month; ``ercot_historic`` with no interval
    in the horizon; a horizon that covers none of ``months``; a covered month without
    any probability weight.
    """
    tz = entry.timezone
    keys = month_keys(rctx.index, tz)
    in_cp = np.isin(keys % 12 + 1, entry.months)
    covered = np.unique(keys[in_cp])
    if entry.intervals is not None:
        return _resolve_known(entry, rctx, keys)
    check_covered(entry, covered.tolist())
    probs = entry.probabilities
    if probs == "default" or isinstance(probs, PriceWeightedProbabilities):
        return _resolve_default(entry, rctx, keys, covered)
    assert isinstance(probs, list)
    return _resolve_weighted(entry, rctx, keys, covered)


def _params(
    entry: FourCpEntry,
    keys: IntArray,
    weight: FloatArray,
    form: Literal["known", "expected"],
    peaks: tuple[Peak, ...] = (),
) -> FourCpParams:
    months = np.unique(keys[weight > 0])
    pos = np.searchsorted(months, keys)
    valid = pos < len(months)
    valid[valid] = months[pos[valid]] == keys[valid]
    pos = np.where(valid, pos, -1)
    return FourCpParams(
        id=entry.id,
        usd_per_kw_year=entry.usd_per_kw_year,
        form=form,
        peaks_per_year=len(entry.months),
        weight=weight,
        months=tuple(month_label(k) for k in months.tolist()),
        month_pos=np.asarray(pos, dtype=np.int64),
        peaks=peaks,
    )


def _resolve_known(
    entry: FourCpEntry, rctx: ResolveContext, keys: IntArray
) -> FourCpParams:
    field = field_path(entry.id, "intervals")
    bounds = rctx.bounds_ns()
    stamps: list[tuple[str, dt.datetime]]
    historic = entry.intervals == ERCOT_HISTORIC
    if historic:
        length, convention = HISTORIC_INTERVAL_MIN, "end"
        stamps = [(field, s) for s in historic_stamps()]
    else:
        length, convention = entry.interval_min, entry.time_convention
        stamps = listed_stamps(entry, field)
    weight = np.zeros(len(rctx.index))
    peaks: list[Peak] = []
    for k in known_intervals(
        entry,
        stamps,
        _horizon(rctx),
        length_min=length,
        convention=convention,
        historic=historic,
        field=field,
    ):
        placed = _place(pd.Timestamp(k.start), pd.Timestamp(k.end), bounds)
        assert placed is not None, "known_intervals keeps intervals inside the horizon"
        pos, fracs = placed
        weight[pos] += fracs
        peaks.append(Peak(k.label, month_label(k.month_key), pos, fracs))
    return _params(entry, keys, weight, "known", tuple(peaks))


def _resolve_default(
    entry: FourCpEntry, rctx: ResolveContext, keys: IntArray, covered: IntArray
) -> FourCpParams:
    field = field_path(entry.id, "probabilities")
    probs = entry.probabilities
    settings = (
        probs
        if isinstance(probs, PriceWeightedProbabilities)
        else PriceWeightedProbabilities()
    )
    window = (settings.start_hour, settings.end_hour)
    days = tuple(settings.weekdays)
    months = tuple(entry.months)
    overlap = window_overlap_h(
        rctx.index,
        rctx.timestep_h,
        timezone=entry.timezone,
        months=months,
        weekdays=days,
        window_h=window,
    )
    _check_months(field, keys, overlap, covered, "the default window selects")
    if rctx.price_usd_per_mwh is None:
        raise DataNeeded(field)  # a data-free check: the weighting needs the price
    weight = price_weighted_probabilities(
        rctx.index,
        rctx.timestep_h,
        rctx.price_usd_per_mwh,
        timezone=entry.timezone,
        months=months,
        price_exponent=settings.price_exponent,
        weekdays=days,
        window_h=window,
    )
    return _params(entry, keys, weight, "expected")


def _resolve_weighted(
    entry: FourCpEntry, rctx: ResolveContext, keys: IntArray, covered: IntArray
) -> FourCpParams:
    field = field_path(entry.id, "probabilities")
    assert isinstance(entry.probabilities, list)
    bounds = rctx.bounds_ns()
    raw = np.zeros(len(rctx.index))
    for i, cand in enumerate(entry.probabilities):
        where = f"{field}[{i}].time"
        stamp = _utc(cand.time, entry.timezone, where)
        start, end = _span(stamp, entry.interval_min, entry.time_convention)
        placed = _place(start, end, bounds)
        label = _local(stamp, entry.timezone)
        if placed is None:
            raise _outside(rctx, where, f"the candidate interval {label}")
        month = int(month_keys(pd.DatetimeIndex([start]), entry.timezone)[0])
        if cand.weight > 0 and month % 12 + 1 not in entry.months:
            raise ScenarioError(
                where,
                [
                    f"{where}: {label} has weight {cand.weight:g} but lies in month "
                    f"{month % 12 + 1}, not one of the coincident-peak months "
                    f"{entry.months}"
                ],
            )
        pos, fracs = placed
        raw[pos] += cand.weight * fracs
    _check_months(field, keys, raw, covered, "the listed probabilities put")
    return _params(entry, keys, normalise_by_month(raw, keys), "expected")


def _check_months(
    field: str, keys: IntArray, weight: FloatArray, covered: IntArray, who: str
) -> None:
    """Every coincident-peak month the horizon covers must carry some weight."""
    weighted = set(np.unique(keys[weight > 0]).tolist())
    check_months(field, covered.tolist(), weighted, who)


# ---- build -------------------------------------------------------------------------
def build(ctx: BuildContext, params: FourCpParams) -> ProgramTerms:
    """Declare the tag expression and return the charge as a per-interval cost."""
    site = ctx.site
    assert site is not None, "programs are built with the site's terms"
    who = f"4CP charge {params.id}"
    per_tag = params.weight / params.peaks_per_year  # MW of tag per MW imported
    rate = params.usd_per_kw_year * KW_PER_MW  # USD per MW of tag
    imp = expected_import_mw(site, credit_reductions=True)
    tag = imp * per_tag
    cost = tag * rate
    expected = params.form == "expected"
    ctx.expression(
        "tag_mw",
        tag,
        doc=f"{who}: {'expected ' if expected else ''}transmission tag carried by "
        "each interval, weight × import / peaks per year (sums to the tag) [MW]",
    )
    full = full_load_mw(site, ctx.inputs.import_limit_mw)
    full_tag = float(per_tag @ full)

    def kpis(ev: Evaluation) -> dict[str, Any]:
        load = ev.values["counted_import_mw"]
        tag_mw = float(ev.values["tag_mw"].sum())
        charge = float(ev.values["cost_usd"].sum())
        out: dict[str, Any] = {
            "form": "expected" if expected else "known_intervals",
            "usd_per_kw_year": params.usd_per_kw_year,
            "peaks_per_year": params.peaks_per_year,
            "peak_months_in_horizon": len(params.months),
            ("expected_tag_mw" if expected else "tag_mw"): tag_mw,
            "charge_usd": charge,
            "full_load_tag_mw": full_tag,
            "full_load_charge_usd": full_tag * rate,
            "charge_avoided_usd": full_tag * rate - charge,
        }
        if expected:
            per_month = np.bincount(
                params.month_pos[params.month_pos >= 0],
                weights=(params.weight * load)[params.month_pos >= 0],
                minlength=len(params.months),
            )
            out["expected_peak_import_mw"] = dict(
                zip(params.months, per_month.tolist(), strict=True)
            )
        else:
            out["peak_import_mw"] = {
                p.label: float(p.fracs @ load[p.positions]) for p in params.peaks
            }
        return out

    return ProgramTerms(
        cost_usd=cost,
        revenue_usd=LinExpr.zeros(ctx.n),
        outputs=(
            Quantity("cp_weight_frac", LinExpr.constant(params.weight)),
            Quantity("tag_mw", tag),
            Quantity("counted_import_mw", imp),
        ),
        kpis=kpis,
        extra={"tag_mw": tag},
    )


# ---- rolling operation ------------------------------------------------------------
@dataclass(frozen=True)
class FourCpState:
    """The transmission tag set so far (Σ weight × import / peaks per year) [MW]."""

    tag_so_far_mw: float


def window_params(
    params: FourCpParams, start: int, stop: int, timestep_h: FloatArray
) -> FourCpParams:
    """The program on horizon positions ``start ≤ t < stop``.

    Resolved once on the horizon: probabilities are normalised over each whole month,
    which a window cannot see, so each window keeps its part of the month's weights
    (and the known intervals that fall in it).
    """
    peaks = []
    for p in params.peaks:
        inside = (p.positions >= start) & (p.positions < stop)
        if inside.any():
            peaks.append(
                Peak(p.label, p.month, p.positions[inside] - start, p.fracs[inside])
            )
    return replace(
        params,
        weight=params.weight[start:stop],
        month_pos=params.month_pos[start:stop],
        peaks=tuple(peaks),
    )


def final_state(
    params: FourCpParams,
    previous: FourCpState | None,
    values: Mapping[str, FloatArray],
) -> FourCpState:
    """Add the committed intervals' share of the tag to the tag so far."""
    before = 0.0 if previous is None else previous.tag_so_far_mw
    return FourCpState(before + float(values["tag_mw"].sum()))


def resume(
    params: FourCpParams, state: FourCpState | None, *, window_h: float, left_h: float
) -> FourCpParams:
    """The window's parameters, unchanged.

    The tag is linear in each peak interval's import: the tag so far is a sunk
    charge that changes no later decision.
    """
    return params
