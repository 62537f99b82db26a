"""Hashrate forward: hashrate sold ahead at a fixed hashprice (a settled swap).

The site sells ``V`` TH/s forward at the fixed hashprice ``F`` [USD per TH/s per day].
Its fleets keep mining at the spot hashprice ``h[t]``; the forward settles the
difference on the forward volume, so the volume earns ``F`` and the rest (actual −
forward) ``h``::

    revenue[t] = V · (F − h[t]) · Δt[t] / 24        settlement, either sign   [USD]

The settlement is on the gross hashprice (as hashprice indices quote it); the pool
fee stays on the fleets' own revenue. The fleets must deliver the forward volume on
average over the horizon, in every operating block and scenario::

    Σ_t Σ_f hashrate_f[t] · Δt[t] / Σ_t Δt[t]  ≥  V                           [TH/s]

A volume above the most the fleets can deliver (nameplate hashrate × availability ×
temperature derate, averaged over the horizon, at their largest size) is refused
before the solve (:func:`check_deliverable`) naming ``forward_ths`` (or
``size.min_ths``); the delivery row is also a declared limit
(:mod:`grid_flex.model.limits`), so a site infeasible for other reasons (an import
limit, a ban) is explained by how far the forward volume must fall.

``V`` is ``forward_ths``, or with ``size: {min_ths, max_ths}`` a capacity
``<id>.forward_ths`` (:mod:`grid_flex.model.capacity`) that a feasibility or risk
study shares across all its blocks and scenarios: a hedge chosen in the first stage.
It costs nothing to build; its price is ``F``.

KPIs: ``forward_ths``, ``fixed_hashprice_usd_per_ths_day``,
``mean_spot_hashprice_usd_per_ths_day``, ``settlement_usd`` (what the forward paid the
site net; negative when the spot hashprice was above ``F`` on average),
``delivered_ths`` (the fleets' mean hashrate) and ``delivery_margin_ths`` (delivered −
forward, ≥ 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grid_flex.errors import ScenarioError
from grid_flex.model.capacity import CapacitySpec
from grid_flex.model.linear import LinExpr
from grid_flex.model.terms import (
    BuildContext,
    Evaluation,
    ProgramTerms,
    Quantity,
    ResolveContext,
)
from grid_flex.nodata.assets import forward_fleets
from grid_flex.programs._paths import field_path
from grid_flex.schema.contracts import HashrateForwardEntry
from grid_flex.schema.scenario import scenario_source

TYPE = "hashrate_forward"

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class ForwardParams:
    """Resolved parameters of one hashrate forward."""

    id: str
    volume: CapacitySpec  # forward volume [TH/s]: a number, or sized
    fixed_hashprice_usd_per_ths_day: float
    fleets: tuple[str, ...]

    @property
    def volume_field(self) -> str:
        """Scenario path of the least volume: ``forward_ths`` or ``size.min_ths``."""
        name = "size.min_ths" if self.volume.sized else "forward_ths"
        return field_path(self.id, name)


def resolve(entry: HashrateForwardEntry, rctx: ResolveContext) -> ForwardParams:
    """Scenario entry → :class:`ForwardParams` (the delivering fleets checked)."""
    fleets = forward_fleets(entry, rctx.asset_kinds)
    if entry.size is None:
        assert entry.forward_ths is not None
        volume = CapacitySpec.of(entry.forward_ths, "ths")
    else:
        volume = CapacitySpec(
            unit="ths", min=entry.size.min_ths, max=entry.size.max_ths
        )
    return ForwardParams(
        id=entry.id,
        volume=volume,
        fixed_hashprice_usd_per_ths_day=entry.fixed_hashprice_usd_per_ths_day,
        fleets=fleets,
    )


def _hashrate(ctx: BuildContext, params: ForwardParams) -> LinExpr:
    """Σ of the delivering fleets' hashrate per interval [TH/s]."""
    site = ctx.site
    assert site is not None
    total = LinExpr.zeros(ctx.n)
    for aid in params.fleets:
        q = {o.name: o.expr for o in site.assets[aid].outputs}
        total = total + q["hashrate_ths"]
    return total


def build(ctx: BuildContext, params: ForwardParams) -> ProgramTerms:
    """The settlement (money) and the delivery row."""
    hp = ctx.inputs.hashprice_usd_per_ths_day
    if hp is None:
        raise ScenarioError("hashprice", [f"required by {TYPE} {params.id}"])
    who = f"hashrate forward {params.id}"
    dt = ctx.dt_h
    fixed = params.fixed_hashprice_usd_per_ths_day
    cap = ctx.capacity(
        f"{params.id}.forward_ths", params.volume, doc=f"{who}: volume sold (size)"
    )
    volume = cap.rows(ctx.n)  # V on every row [TH/s]
    settlement = volume * ((fixed - hp) * dt / HOURS_PER_DAY)
    hashrate = _hashrate(ctx, params)
    hours = float(dt.sum())
    check_deliverable(ctx, params)
    family = ctx.constraint(
        "delivery",
        (hashrate * (dt / hours)).sum() - cap.expr,
        ">=",
        0.0,
        doc=f"{who}: the fleets' mean hashrate over the horizon ≥ the forward volume "
        f"({', '.join(params.fleets)}) [TH/s]",
    )
    ctx.declare_limit(
        family,
        field=params.volume_field,
        what=f"forward volume of hashrate forward '{params.id}'",
        unit="TH/s",
        side="lower",
    )

    def kpis(ev: Evaluation) -> dict[str, Any]:
        v = ev.capacity(cap)
        h = ev.values["delivered_ths"]
        delivered = float(h @ dt / hours)
        return {
            "forward_ths": v,
            "fixed_hashprice_usd_per_ths_day": fixed,
            "mean_spot_hashprice_usd_per_ths_day": float(hp @ dt / hours),
            "settlement_usd": float(ev.values["revenue_usd"].sum()),
            "delivered_ths": delivered,
            "delivery_margin_ths": delivered - v,
        }

    return ProgramTerms(
        cost_usd=LinExpr.zeros(ctx.n),
        revenue_usd=settlement,
        outputs=(
            Quantity("forward_ths", volume),
            Quantity("delivered_ths", hashrate),
        ),
        kpis=kpis,
    )


def check_deliverable(ctx: BuildContext, params: ForwardParams) -> None:
    """Refuse a forward volume the delivering fleets could never deliver.

    The most the fleets deliver on average over the horizon is their nameplate
    hashrate (at the largest size of a sized fleet) × availability × temperature
    derate, time-weighted; a fixed volume, or the least of a sized one, above that
    makes the delivery row infeasible: an error naming the field with the numbers.
    """
    site = ctx.site
    assert site is not None
    dt = ctx.dt_h
    hours = float(dt.sum())
    parts = {}
    for aid in params.fleets:
        top = site.assets[aid].extra.get("max_hashrate_ths")
        if top is None:  # pragma: no cover - every asic_fleet sets it
            return
        parts[aid] = float(top @ dt) / hours
    most = sum(parts.values())
    need = params.volume.lower
    if need <= most * (1 + 1e-9):
        return
    each = ", ".join(f"{a} {v:,.0f}" for a, v in parts.items())
    raise ScenarioError(
        scenario_source(ctx.inputs.scenario),
        [
            f"{params.volume_field}: {need:,.0f} TH/s is more than the delivering "
            f"fleets can hash on average over the horizon: at most {most:,.0f} TH/s "
            f"({each}; nameplate hashrate × availability × temperature derate, at "
            "the largest size of a sized fleet); lower the forward volume or add "
            "fleets"
        ],
    )
