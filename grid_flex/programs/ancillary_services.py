"""Ancillary services offered by the site's own assets (domain.md §2.3, §2.6, §3.1).

Formulation (services s, eligible assets a of s, intervals t)::

    0 ≤ o[s,a,t] ≤ ∞ in the service's windows, 0 outside          offer     [MW]
    Σ_{s up}   o[s,a,t]  held as FlexUse(a, down)   ┐ the site adds, per asset,
    Σ_{s down} o[s,a,t]  held as FlexUse(a, up)     ┘ Σ_programs ≤ flex_down/up_mw
    Σ_a o[s,a,t] ≤ max_offer_mw                                     (when set)
    for an energy-limited asset (state of charge in ``AssetTerms.extra``), at both
    ends of the interval (soc[t−1] and soc[t]):
        soc ≥ soc_min + Σ_{s up}   o[s,a,t] · d_s / η_d
        soc ≤ soc_max − Σ_{s down} o[s,a,t] · d_s · η_c
    Σ_a o[s,a,t] = K_s in every window interval        (with ``commitment``)
    revenue[t] = Σ_{s,a} π_s[t] · o[s,a,t] · Δt                              [USD]
    E[s,a,t]   = f_s · o[s,a,t] · Δt           expected deployed energy      [MWh]
    cost[t]    = Σ_{s,a} ±(V[a,t] − p[t]) · E[s,a,t]   (+ up, − down)        [USD]

A service with ``commitment: {min_mw, max_mw}`` is offered for the season: one
capacity ``K_s`` (key ``<id>.<service>_committed_mw``, :mod:`grid_flex.model.capacity`)
offered in full in every interval of its windows, which a feasibility or risk study
shares across its blocks and scenarios (a reserve commitment chosen here and now);
revenue and deployment cost then follow it.

``π_s`` is the capacity price [USD/MW/h], ``d_s`` ``min_duration_h``, ``f_s``
``deployment_frac`` (DER-VET ``eou``/``eod``), ``p`` the import price (energy price +
adders) and ``V`` the value one MWh has for the asset:

* ``deployment_value_usd_per_mwh[a]`` when declared;
* for an energy-limited asset (battery) ``p / (η_c·η_d)`` up and ``p · η_c·η_d``
  down (``battery_deployment: settled``, the default): the energy delivered
  (absorbed) is taken as bought back (sold back) at the same interval's price with
  its round-trip losses;
* with ``battery_deployment: state_of_charge``, the DER-VET/StorageVET convention
  (``MarketServiceUpAndDown``: legs ``up_ch``, ``up_dis``, ``down_ch``,
  ``down_dis``; energy option ``eou``/``eod``; settlement at the energy price):
  ``V = 0``, i.e. deployed energy is settled at ``p``, and each battery offer is a
  charge leg plus a discharge leg ::

      up:   o = o_ch + o_dis,   o_ch ≤ c,       o_dis ≤ P − d
      down: o = o_ch + o_dis,   o_ch ≤ P − c,   o_dis ≤ d
      s[t] = … + Σ_s f_s·Δt·(η_c·(o_ch,down − o_ch,up) + (o_dis,down − o_dis,up)/η_d)

  so the expected deployment moves the state of charge (the battery's balance is
  replaced by one with these terms) and reducing a charge costs no round-trip loss
  (it removes ``η_c`` per MWh from the store, not ``1/(η_c·η_d)``). A battery with a
  declared ``deployment_value_usd_per_mwh`` keeps the settled form;
* for other loads, read from the asset's own terms: the net value per MWh (revenue
  − cost per unit of load) of the variables that make up its load, the **highest**
  for up (deployment stops consumption: the loss is at most the best MWh) and the
  **lowest** for down. For an ASIC fleet these are its most and least efficient
  hashrate-curve segments (equal on a linear curve: ``V_mine − opex``, domain.md
  §1.5). Deployment therefore never looks cheaper than it is.

A load offering *up* can reduce by its ``flex_down_mw`` (a fleet: its power); one
offering *down* can increase by ``flex_up_mw``. Reserves, capacity demand response
and any other program holding flexibility stack through ``FlexUse``: the same MW is
never sold twice, and the energy a battery holds for ``min_duration_h`` is summed
over every program holding it at once (reserves and capacity demand response) and
kept in store once (:func:`grid_flex.model.headroom.hold_energy`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from grid_flex.errors import ScenarioError
from grid_flex.model.capacity import CapacitySpec
from grid_flex.model.headroom import soc_terms
from grid_flex.model.linear import FloatArray, LinExpr
from grid_flex.model.terms import (
    AssetTerms,
    BuildContext,
    Evaluation,
    FlexUse,
    KpiFunction,
    ProgramTerms,
    Quantity,
    ResolveContext,
    SiteTerms,
)
from grid_flex.nodata.assets import Direction, check_assets, no_flex_problem
from grid_flex.programs.windows import window_mask
from grid_flex.schema.flexibility import AncillaryServicesEntry
from grid_flex.schema.scenario import scenario_source

if TYPE_CHECKING:
    from grid_flex.model.data import ModelInputs

TYPE = "ancillary_services"
#: Built before the other programs, whose limits then bound what it holds.
HOLDS_FLEX = 1

#: Series names accepted as capacity prices (quantity, currency and unit).
CAPACITY_PRICE_NAMES = (
    "capacity_price_usd_per_mw_per_h",
    "regup_price_usd_per_mw_per_h",
    "regdown_price_usd_per_mw_per_h",
)

BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class ServiceParams:
    """Resolved parameters of one service."""

    name: str
    position: int
    direction: Direction
    price_usd_per_mw_per_h: FloatArray
    deployment_frac: float
    min_duration_h: float
    eligible_assets: tuple[str, ...]
    offer_mask: BoolArray
    max_offer_mw: float | None
    exclusive: bool
    #: The offer committed for the season [MW] (sized), or None: interval by interval.
    commitment: CapacitySpec | None = None


@dataclass(frozen=True)
class AncillaryParams:
    """Resolved parameters of an ancillary-services program."""

    id: str
    services: tuple[ServiceParams, ...]
    gpu_clusters_allowed: tuple[str, ...]
    battery_deployment: str
    deployment_value_usd_per_mwh: Mapping[str, float]

    def field(self, name: str) -> str:
        """Dotted scenario path of a field of this entry."""
        return f"programs.{self.id}.{name}"


def resolve(entry: AncillaryServicesEntry, rctx: ResolveContext) -> AncillaryParams:
    """Scenario entry → :class:`AncillaryParams`, reading price series and windows.

    The listed assets are checked first: that needs only their ids and kinds, so the
    data-free check makes it even when a price is a series.
    """
    check_assets(entry, rctx.asset_kinds)
    n = len(rctx.index)
    services = []
    for i, s in enumerate(entry.services):
        where = f"programs.{entry.id}.services[{i}]"
        if s.capacity_price is not None:
            price = capacity_price(s.capacity_price, rctx, f"{where}.capacity_price")
        else:
            assert s.capacity_price_usd_per_mw_per_h is not None
            price = np.full(n, s.capacity_price_usd_per_mw_per_h)
        mask = (
            np.ones(n, dtype=bool)
            if s.windows is None
            else window_mask(s.windows, rctx, field=f"{where}.windows")
        )
        services.append(
            ServiceParams(
                name=s.name,
                position=i,
                direction=s.direction,
                price_usd_per_mw_per_h=price,
                deployment_frac=s.deployment_frac,
                min_duration_h=s.min_duration_h,
                eligible_assets=tuple(s.eligible_assets),
                offer_mask=mask,
                max_offer_mw=s.max_offer_mw,
                exclusive=s.exclusive,
                commitment=None
                if s.commitment is None
                else CapacitySpec(
                    unit="mw", min=s.commitment.min_mw, max=s.commitment.max_mw
                ),
            )
        )
    return AncillaryParams(
        id=entry.id,
        services=tuple(services),
        gpu_clusters_allowed=tuple(entry.gpu_clusters_allowed),
        deployment_value_usd_per_mwh=dict(entry.deployment_value_usd_per_mwh),
        battery_deployment=entry.battery_deployment,
    )


def capacity_price(spec: Any, rctx: ResolveContext, field: str) -> FloatArray:
    """A capacity-price series on the horizon [USD/MW/h]; other quantities refused."""
    values = rctx.load(spec, field, CAPACITY_PRICE_NAMES)
    return np.asarray(values, dtype=float)


def flex_problems(
    ids: Sequence[str], site: SiteTerms, *, direction: Direction, field: str
) -> list[str]:
    """Listed assets whose built terms declare no room in ``direction``.

    The part of the eligibility check that needs the terms: it catches kinds not in
    :data:`grid_flex.nodata.assets.NO_FLEX_KINDS` whose module declares no
    ``flex_down_mw`` / ``flex_up_mw``.
    """
    room = "flex_down_mw" if direction == "up" else "flex_up_mw"
    return [
        no_flex_problem(f"{field}[{j}]", aid, site.kinds[aid], direction)
        for j, aid in enumerate(ids)
        if getattr(site.assets[aid], room) is None
    ]


def load_value_bounds(
    terms: AssetTerms, ncols: int, dt: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Lowest and highest net value per MWh among an asset's load variables [USD/MWh].

    For each interval, each variable with a positive coefficient in the asset's net
    load is valued at (revenue − cost coefficient) / (load coefficient · Δt). NaN
    where the asset has no such variable.
    """
    n = terms.net_load_mw.n

    def merged(expr: LinExpr) -> tuple[NDArray[np.int64], FloatArray]:
        key = expr.rows.astype(np.int64) * ncols + expr.cols
        uniq, inv = np.unique(key, return_inverse=True)
        sums = np.bincount(inv, weights=expr.coefs, minlength=len(uniq))
        return uniq.astype(np.int64), sums.astype(float)

    keys, load = merged(terms.net_load_mw)
    keep = load > 0
    keys, load = keys[keep], load[keep]

    def coef(expr: LinExpr) -> FloatArray:
        k, v = merged(expr)
        out = np.zeros(len(keys))
        if len(k):
            pos = np.minimum(np.searchsorted(k, keys), len(k) - 1)
            hit = k[pos] == keys
            out[hit] = v[pos[hit]]
        return out

    rows = keys // ncols
    value = (coef(terms.revenue_usd) - coef(terms.cost_usd)) / (load * dt[rows])
    low, high = np.full(n, np.inf), np.full(n, -np.inf)
    np.minimum.at(low, rows, value)
    np.maximum.at(high, rows, value)
    low[~np.isfinite(low)] = np.nan
    high[~np.isfinite(high)] = np.nan
    return low, high


# ---- build --------------------------------------------------------------------------
def build(ctx: BuildContext, params: AncillaryParams) -> ProgramTerms:
    """Declare the offers, their energy and money; hold them through ``FlexUse``."""
    site = ctx.site
    assert site is not None, "programs are built with the site's terms"
    n, dt = ctx.n, ctx.dt_h
    who = f"ancillary services {params.id}"
    _check(params, site, ctx.inputs)
    p = ctx.inputs.import_price_usd_per_mwh
    blk = ctx.block
    ctx.layer.sub_blocks(
        blk,
        "service",
        [s.name for s in params.services],
        doc=f"{who}: one block per service",
    )
    held: dict[tuple[str, Direction], LinExpr] = {}
    expected: dict[tuple[str, Direction], LinExpr] = {}
    energy: dict[tuple[str, Direction], LinExpr] = {}
    values: dict[tuple[str, Direction], FloatArray] = {}
    revenue, cost = LinExpr.zeros(n), LinExpr.zeros(n)
    outputs: list[Quantity] = []
    # DER-VET convention (battery_deployment: state_of_charge): batteries offer in
    # legs and the expected deployment moves their state of charge.
    soc_moved: dict[str, LinExpr] = {}
    legs: dict[tuple[str, str], LinExpr] = {}
    if params.battery_deployment == "state_of_charge":
        listed = dict.fromkeys(a for s in params.services for a in s.eligible_assets)
        soc_moved = {
            a: LinExpr.zeros(n)
            for a in listed
            if a not in params.deployment_value_usd_per_mwh
            and soc_terms(site.assets[a]) is not None
        }
    for s in params.services:
        sub = blk.service[s.name]
        total, s_cost = LinExpr.zeros(n), LinExpr.zeros(n)
        for aid in s.eligible_assets:
            # Boxed: no asset can offer more than its reach (a battery twice its
            # power: stop charging, then discharge); implied by the headroom rows.
            ub = np.where(s.offer_mask, _reach_mw(site.assets[aid]), 0.0)
            if aid in soc_moved:
                offer = _legs(ctx, sub, s, aid, ub, legs, soc_moved, outputs, who)
            else:
                offer = ctx.layer.add_var(
                    sub,
                    f"offer_{aid}_mw",
                    ctx.T,
                    lb=0.0,
                    ub=ub,
                    doc=f"{who}: capacity of {aid} offered to {s.name} "
                    f"({s.direction}; 0 outside the service's windows) [MW]",
                ).expr
            key = (aid, s.direction)
            held[key] = held[key] + offer if key in held else offer
            if s.deployment_frac > 0:
                e_mw = offer * s.deployment_frac
                expected[key] = expected[key] + e_mw if key in expected else e_mw
            if s.min_duration_h > 0:
                e = offer * s.min_duration_h
                energy[key] = energy[key] + e if key in energy else e
            if key not in values:
                values[key] = (
                    np.zeros(n)  # settled at the energy price; the SOC moves
                    if aid in soc_moved
                    else _deployment_value(params, ctx, aid, s.direction)
                )
            sign = 1.0 if s.direction == "up" else -1.0
            s_cost = s_cost + offer * (
                s.deployment_frac * dt * sign * (values[key] - p)
            )
            total = total + offer
            outputs.append(Quantity(f"{s.name}.{aid}.offer_mw", offer))
        s_revenue = total * (s.price_usd_per_mw_per_h * dt)
        if s.max_offer_mw is not None:
            ctx.layer.add_constraint(
                sub,
                "max_offer",
                ctx.T,
                total,
                "<=",
                s.max_offer_mw,
                doc=f"{who}: total offer to {s.name} ≤ max_offer_mw "
                f"({s.max_offer_mw:g} MW) [MW]",
                labels=ctx.inputs.labels,
            )
        if s.commitment is not None:
            _committed(ctx, params, s, total, who)
        revenue, cost = revenue + s_revenue, cost + s_cost
        outputs += [
            Quantity(f"{s.name}.offer_mw", total),
            Quantity(
                f"{s.name}.price_usd_per_mw_per_h",
                LinExpr.constant(s.price_usd_per_mw_per_h),
            ),
            Quantity(f"{s.name}.revenue_usd", s_revenue),
            Quantity(f"{s.name}.deployed_mwh", total * (s.deployment_frac * dt)),
            Quantity(f"{s.name}.deployment_cost_usd", s_cost),
        ]
    for aid, moved in soc_moved.items():
        _leg_limits(ctx, params, aid, site.assets[aid], legs, moved, who)
    uses = []
    for aid in dict.fromkeys(a for a, _ in held):
        up, down = held.get((aid, "up")), held.get((aid, "down"))
        uses.append(
            FlexUse(
                aid,
                down_mw=up,
                up_mw=down,
                expected_down_mw=expected.get((aid, "up")),
                expected_up_mw=expected.get((aid, "down")),
                down_mwh=energy.get((aid, "up")),
                up_mwh=energy.get((aid, "down")),
                within_room=aid in soc_moved,  # the leg rows imply the headroom
            )
        )
    return ProgramTerms(
        cost_usd=cost,
        revenue_usd=revenue,
        outputs=tuple(outputs),
        kpis=_kpis(params, dt),
        flex_uses=tuple(uses),
    )


def _reach_mw(terms: AssetTerms) -> float:
    """Most an asset could offer in one direction [MW] (∞ without a capacity)."""
    if terms.capacity_mw is None:
        return float("inf")
    return (2.0 if soc_terms(terms) is not None else 1.0) * float(terms.capacity_mw)


#: Legs of a battery's offer (DER-VET): (direction, leg) → what it changes.
LEGS = {
    ("up", "charge"): "charging less",
    ("up", "discharge"): "discharging more",
    ("down", "charge"): "charging more",
    ("down", "discharge"): "discharging less",
}


def _legs(
    ctx: BuildContext,
    sub: Any,
    s: ServiceParams,
    aid: str,
    ub: FloatArray,
    legs: dict[tuple[str, str], LinExpr],
    soc_moved: dict[str, LinExpr],
    outputs: list[Quantity],
    who: str,
) -> LinExpr:
    """A battery's offer as a charge leg plus a discharge leg (DER-VET) [MW].

    Accumulates each leg per asset in ``legs`` and the expected change of stored
    energy its deployment causes in ``soc_moved[aid]`` (MWh per interval, with the
    leg's efficiency: a reduced charge returns ``η_c`` per MWh, an added discharge
    takes ``1/η_d``).
    """
    soc = soc_terms(ctx.site.assets[aid]) if ctx.site is not None else None
    assert soc is not None
    eta_c, eta_d = float(soc["charge_eff_frac"]), float(soc["discharge_eff_frac"])
    offer = LinExpr.zeros(ctx.n)
    sign = -1.0 if s.direction == "up" else 1.0  # up deployments empty the store
    for leg, per_mwh in (("charge", eta_c), ("discharge", 1.0 / eta_d)):
        var = ctx.layer.add_var(
            sub,
            f"offer_{aid}_{leg}_mw",
            ctx.T,
            lb=0.0,
            ub=ub,
            doc=f"{who}: capacity of {aid} offered to {s.name} by "
            f"{LEGS[(s.direction, leg)]} ({s.direction}, DER-VET leg) [MW]",
        ).expr
        key = (aid, f"{s.direction}_{leg}")
        legs[key] = legs[key] + var if key in legs else var
        if s.deployment_frac > 0:
            soc_moved[aid] = soc_moved[aid] + var * (
                sign * s.deployment_frac * per_mwh * ctx.dt_h
            )
        outputs.append(Quantity(f"{s.name}.{aid}.{leg}_offer_mw", var))
        offer = offer + var
    return offer


def _leg_limits(
    ctx: BuildContext,
    params: AncillaryParams,
    aid: str,
    terms: AssetTerms,
    legs: dict[tuple[str, str], LinExpr],
    moved: LinExpr,
    who: str,
) -> None:
    """Each leg within what the battery's schedule leaves; deployment moves the SOC.

    ``up charge ≤ c``, ``up discharge ≤ P − d``, ``down charge ≤ P − c``, ``down
    discharge ≤ d``; the battery's SOC balance is replaced by one that adds the
    expected deployed energy (``moved``), so it is not settled within the interval.
    """
    ex = terms.extra
    c, d, power = ex["charge_mw"], ex["discharge_mw"], ex["power_rows_mw"]
    room = {
        ("up", "charge"): c,
        ("up", "discharge"): power - d,
        ("down", "charge"): power - c,
        ("down", "discharge"): d,
    }
    for (direction, leg), what in LEGS.items():
        total = legs.get((aid, f"{direction}_{leg}"))
        if total is None:
            continue
        ctx.constraint(
            f"{aid}_{direction}_{leg}_leg",
            total - room[(direction, leg)],
            "<=",
            doc=f"{who}, battery {aid}: {direction} offers by {what} ≤ the "
            f"{'charging' if leg == 'charge' else 'discharging'} power the "
            "schedule leaves [MW]",
        )
    if not moved.coefs.size:
        return
    old = ex["soc_balance"]
    old.component.deactivate()
    ex["soc_balance"] = ctx.layer.add_constraint(
        old.component.parent_block(),
        f"soc_balance_{params.id}",
        ctx.T,
        old.expr - moved,
        "==",
        old.lower,
        doc=f"battery {aid}: state-of-charge balance with the expected deployment "
        f"of {params.id} (deployment_frac × legs, DER-VET): deployed energy moves "
        "the stored energy [MWh]",
        labels=old.labels,
    )


def _check(params: AncillaryParams, site: SiteTerms, inputs: ModelInputs) -> None:
    """Flexibility of every listed asset from its terms (ids and kinds: ``resolve``)."""
    problems = []
    for s in params.services:
        problems += flex_problems(
            s.eligible_assets,
            site,
            direction=s.direction,
            field=params.field(f"services[{s.position}].eligible_assets"),
        )
    if problems:
        raise ScenarioError(scenario_source(inputs.scenario), problems)


def _deployment_value(
    params: AncillaryParams, ctx: BuildContext, aid: str, direction: Direction
) -> FloatArray:
    """Value of one MWh to asset ``aid`` per interval, ``V`` above [USD/MWh]."""
    site = ctx.site
    assert site is not None
    p = ctx.inputs.import_price_usd_per_mwh
    declared = params.deployment_value_usd_per_mwh.get(aid)
    if declared is not None:
        return np.full(ctx.n, declared)
    terms = site.assets[aid]
    soc = soc_terms(terms)
    if soc is not None:
        rte = float(soc["charge_eff_frac"]) * float(soc["discharge_eff_frac"])
        return np.asarray(p / rte if direction == "up" else p * rte, dtype=float)
    low, high = load_value_bounds(terms, ctx.layer.ncols, ctx.dt_h)
    value = high if direction == "up" else low
    return np.where(np.isnan(value), p, value)


def _kpis(params: AncillaryParams, dt: FloatArray) -> KpiFunction:
    hours = float(dt.sum())

    def kpis(ev: Evaluation) -> dict[str, Any]:
        v = ev.values
        out: dict[str, Any] = {}
        capacity, deployed, deploy_cost = 0.0, 0.0, 0.0
        for s in params.services:
            offer = v[f"{s.name}.offer_mw"]
            rev = float(v[f"{s.name}.revenue_usd"].sum())
            mwh = float(v[f"{s.name}.deployed_mwh"].sum())
            cost = float(v[f"{s.name}.deployment_cost_usd"].sum())
            out |= {
                f"{s.name}.direction": s.direction,
                f"{s.name}.offered_mw_mean": float(offer @ dt) / hours,
                f"{s.name}.offered_mw_max": float(offer.max()),
                f"{s.name}.offered_mwh": float(offer @ dt),
                f"{s.name}.revenue_usd": rev,
                f"{s.name}.deployed_mwh": mwh,
                f"{s.name}.deployment_cost_usd": cost,
            }
            capacity, deployed, deploy_cost = (
                capacity + rev,
                deployed + mwh,
                deploy_cost + cost,
            )
        return out | {
            "capacity_revenue_usd": capacity,
            "deployed_mwh": deployed,
            "deployment_cost_usd": deploy_cost,
        }

    return kpis


def _committed(
    ctx: BuildContext,
    params: AncillaryParams,
    s: ServiceParams,
    total: LinExpr,
    who: str,
) -> None:
    """The season's commitment: total offer = ``K_s`` in every window interval."""
    assert s.commitment is not None
    cap = ctx.capacity(
        f"{params.id}.{s.name}_committed_mw",
        s.commitment,
        doc=f"{who}: offer to {s.name} committed for the season (size)",
    )
    rows = np.flatnonzero(s.offer_mask)
    if not len(rows):
        return
    held = ctx.rows(
        f"{s.name}_committed",
        (total - cap.rows(ctx.n)).take(rows),
        "==",
        0.0,
        doc=f"{who}: total offer to {s.name} = the MW committed for the season in "
        "every interval of its windows [MW]",
        labels=ctx.inputs.index[rows].tolist(),
    )
    ctx.declare_limit(
        held,
        field=params.field(f"services[{s.position}].commitment.min_mw"),
        what=f"reserve '{s.name}' offer committed for the season",
        unit="MW",
        side="lower",
    )
