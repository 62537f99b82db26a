"""Energy quota: grid energy allowed per day, week or month (domain.md §7).

Kazakhstan-style allocations give licensed miners an amount of grid energy per
period rather than a power limit.

Formulation (periods g of the local calendar, ``G(t)`` the period of interval t)::

    Σ_{t: G(t) = g} (import[t] + e[t]) · Δt[t] ≤ Q_g          one row per g [MWh]

with ``e`` the expected load increase reserves deploy (reg-down ``deployment_frac``
× offer; expected reductions are not credited: the quota must hold if none is
called; :func:`grid_flex.model.headroom.expected_import_mw`).

``Q_g = quota_mwh`` for a period wholly inside the horizon; a period the horizon
cuts gets ``quota_mwh × (its hours in the horizon / its hours)`` with
``partial_periods: prorate`` (the default) and the whole quota with ``full``.
Periods are calendar days, Monday-to-Sunday weeks or months in the horizon's time
zone, so a local day is 23 or 25 hours long on daylight-saving changes.

KPIs: ``periods``, ``binding_periods`` (a positive shadow price), ``used_mwh`` and
``quota_mwh`` summed over the horizon, ``withheld_mwh`` (Σ over binding periods of
(site's maximum draw × hours − quota): an upper bound of the energy the quota took
away), ``profit_lost_at_most_usd`` (Σ shadow price × that energy: an upper bound of
what lifting the quota would earn) and a per-period table under ``by_period``
(start, quota, energy used, shadow price = profit per extra MWh of quota).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from grid_flex.conventions import SECONDS_PER_HOUR
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
from grid_flex.programs.import_cap import site_max_draw_mw
from grid_flex.programs.mining_ban import BINDING_DUAL_TOL
from grid_flex.schema.contracts import EnergyQuotaEntry

TYPE = "energy_quota"


@dataclass(frozen=True)
class EnergyQuotaParams:
    """Resolved parameters of one energy quota."""

    id: str
    period: str
    period_of_interval: IntArray  # period number of each interval, 0..g−1
    period_starts: tuple[str, ...]  # local start of each period (ISO)
    quota_mwh: FloatArray  # per period, prorated if cut by the horizon
    # for rolling windows: the entry's quota, each period's length and hours inside
    entry_quota_mwh: float = 0.0
    period_h: FloatArray | None = None
    inside_h: FloatArray | None = None
    #: each period's share of the entry's quota (prorated or full) [-]
    share_frac: FloatArray | None = None


def local_periods(
    index: pd.DatetimeIndex, timezone: str, period: str
) -> tuple[IntArray, pd.DatetimeIndex, pd.DatetimeIndex]:
    """Calendar period of each interval in ``timezone``.

    Returns
    -------
    codes : ndarray of int
        Period number of each interval (0 for the first period of the horizon).
    starts, ends : DatetimeIndex
        UTC start and end of each period.
    """
    naive = index.tz_convert(timezone).tz_localize(None)
    day = naive.normalize()
    if period == "day":
        first = day
    elif period == "week":
        first = day - pd.to_timedelta(day.day_of_week, unit="D")
    else:
        first = day - pd.to_timedelta(day.day - 1, unit="D")
    codes, uniques = pd.factorize(first, sort=True)
    starts_local = pd.DatetimeIndex(uniques)
    if period == "day":
        ends_local = starts_local + pd.Timedelta(days=1)
    elif period == "week":
        ends_local = starts_local + pd.Timedelta(days=7)
    else:
        ends_local = starts_local + pd.offsets.MonthBegin(1)

    def to_utc(stamps: pd.DatetimeIndex) -> pd.DatetimeIndex:
        not_dst = np.zeros(len(stamps), dtype=bool)
        return stamps.tz_localize(
            timezone, ambiguous=not_dst, nonexistent="shift_forward"
        ).tz_convert("UTC")

    return codes.astype(np.int64), to_utc(starts_local), to_utc(ends_local)


def resolve(entry: EnergyQuotaEntry, rctx: ResolveContext) -> EnergyQuotaParams:
    """Scenario entry → :class:`EnergyQuotaParams`: periods and their quotas."""
    codes, starts, ends = local_periods(rctx.index, rctx.timezone, entry.period)
    inside_h = np.bincount(codes, weights=rctx.timestep_h, minlength=len(starts))
    period_h = (ends - starts).total_seconds().to_numpy() / SECONDS_PER_HOUR
    share = np.minimum(1.0, inside_h / period_h)
    if entry.partial_periods == "full":
        share = np.ones_like(share)
    local = starts.tz_convert(rctx.timezone)
    return EnergyQuotaParams(
        id=entry.id,
        period=entry.period,
        period_of_interval=codes,
        period_starts=tuple(s.isoformat() for s in local),
        quota_mwh=entry.quota_mwh * share,
        entry_quota_mwh=entry.quota_mwh,
        period_h=period_h,
        inside_h=np.asarray(inside_h, dtype=float),
        share_frac=share,
    )


def energy_mwh(site: SiteTerms, timestep_h: FloatArray) -> LinExpr:
    """Grid energy a quota counts in each interval [MWh].

    Import plus the expected load increase of deployed reserves (reductions not
    credited): :func:`grid_flex.model.headroom.expected_import_mw` × Δt.
    """
    return expected_import_mw(site, credit_reductions=False) * timestep_h


def changed_quota(
    params: EnergyQuotaParams,
    timestep_h: FloatArray,
    changes: Sequence[tuple[int, float]],
) -> FloatArray:
    """Each period's quota when the entry's quota changes during the horizon [MWh].

    ``changes`` are (horizon position, new ``quota_mwh``) in time order: from that
    interval on, the quota per period is the new one. A period the change falls in
    gets the hours-weighted mean of the quotas in force over its intervals in the
    horizon, times its share (prorated or full, as without a change).
    """
    q = np.full(len(params.period_of_interval), params.entry_quota_mwh)
    for at, quota in changes:
        q[at:] = quota
    g = len(params.quota_mwh)
    codes = params.period_of_interval
    hours = np.bincount(codes, weights=timestep_h, minlength=g)
    mean = np.bincount(codes, weights=q * timestep_h, minlength=g) / hours
    share = np.ones(g) if params.share_frac is None else params.share_frac
    return np.asarray(mean * share, dtype=float)


def group_sum(expr: LinExpr, group_of_row: IntArray, n_groups: int) -> LinExpr:
    """One row per group: the sum of ``expr``'s rows in that group."""
    return LinExpr(
        n_groups,
        group_of_row[expr.rows],
        expr.cols,
        expr.coefs,
        np.bincount(group_of_row, weights=expr.const, minlength=n_groups).astype(float),
    )


def build(ctx: BuildContext, params: EnergyQuotaParams) -> ProgramTerms:
    """One row per period: grid energy imported ≤ the period's quota."""
    site = ctx.site
    assert site is not None, "programs are built with the site's terms"
    dt = ctx.dt_h
    codes = params.period_of_interval
    g = len(params.quota_mwh)
    energy = energy_mwh(site, dt)
    family = ctx.rows(
        "energy_quota",
        group_sum(energy, codes, g),
        "<=",
        params.quota_mwh,
        doc=f"energy quota {params.id}: grid energy imported in each "
        f"{params.period} ≤ programs.{params.id}.quota_mwh [MWh]",
        labels=list(params.period_starts),
    )
    ctx.declare_limit(
        family,
        field=f"programs.{params.id}.quota_mwh",
        what=f"energy quota '{params.id}' (per {params.period})",
        unit="MWh",
        side="upper",
    )
    max_draw_mwh = np.bincount(
        codes,
        weights=site_max_draw_mw(site, ctx.inputs.import_limit_mw) * dt,
        minlength=g,
    )

    def kpis(ev: Evaluation) -> dict[str, Any]:
        used = np.bincount(codes, weights=ev.values["energy_mwh"], minlength=g)
        dual = np.nan_to_num(ev.dual(family))
        hit = dual > BINDING_DUAL_TOL
        gap = np.maximum(max_draw_mwh - params.quota_mwh, 0.0)
        return {
            "period": params.period,
            "periods": g,
            "binding_periods": int(hit.sum()),
            "used_mwh": float(used.sum()),
            "quota_mwh": float(params.quota_mwh.sum()),
            "withheld_mwh": float(gap[hit].sum()),
            "profit_lost_at_most_usd": float(dual[hit] @ gap[hit]),
            "by_period": [
                {
                    "start": params.period_starts[k],
                    "quota_mwh": float(params.quota_mwh[k]),
                    "used_mwh": float(used[k]),
                    "binding": bool(hit[k]),
                    "shadow_price_usd_per_mwh": float(dual[k]),
                }
                for k in range(g)
            ],
        }

    return ProgramTerms(
        cost_usd=LinExpr.zeros(ctx.n),
        revenue_usd=LinExpr.zeros(ctx.n),
        outputs=(
            Quantity("energy_mwh", energy),
            Quantity("period_quota_mwh", LinExpr.constant(params.quota_mwh[codes])),
        ),
        kpis=kpis,
        extra={"constraint": family},
    )


# ---- rolling operation ------------------------------------------------------------
@dataclass(frozen=True)
class EnergyQuotaState:
    """Grid energy used so far in the period the committed part ended in."""

    period_start: str
    used_mwh: float
    elapsed_h: float


def final_state(
    params: EnergyQuotaParams,
    previous: EnergyQuotaState | None,
    values: Mapping[str, FloatArray],
) -> EnergyQuotaState:
    """Energy used and hours gone in the last committed interval's period."""
    energy = values["energy_mwh"]
    c = len(energy)
    codes = params.period_of_interval[:c]
    g = int(codes[-1])
    label = params.period_starts[g]
    used = float(energy[codes == g].sum())
    elapsed = float(values["timestep_h"][codes == g].sum())
    if previous is not None and previous.period_start == label:
        used += previous.used_mwh
        elapsed += previous.elapsed_h
    return EnergyQuotaState(label, used, elapsed)


def resume(
    params: EnergyQuotaParams,
    state: EnergyQuotaState | None,
    *,
    window_h: float,
    left_h: float,
) -> EnergyQuotaParams:
    """The window's share of what is left of the current period's quota.

    A window that sees only part of the period gets the remaining quota in
    proportion to the period's hours it covers among those left:
    ``(quota − used) × min(1, inside_h / (period_h − elapsed_h))``.
    """
    if (
        state is None
        or params.period_starts[0] != state.period_start
        or params.period_h is None
    ):
        return params
    assert params.inside_h is not None
    left = max(params.entry_quota_mwh - state.used_mwh, 0.0)
    hours_left = float(params.period_h[0]) - state.elapsed_h
    share = 1.0 if hours_left <= 0 else min(1.0, float(params.inside_h[0]) / hours_left)
    quota = params.quota_mwh.copy()
    quota[0] = left * share
    return replace(params, quota_mwh=quota)
