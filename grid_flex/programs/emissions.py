"""Emissions program: grid CO2 from marginal rates, priced and/or capped (domain.md §5).

Formulation (intervals t; ``mer[t]`` the marginal emission rate, e.g. EPA AVERT)::

    grid[t]   = (imp[t] + e[t]) · Δt[t] · mer[t]  (− exp[t] · Δt[t] · mer[t] if
                credit_exports)
    heat[t]   = − Σ_h emissions_tco2_h[t]   over heat-recovery assets h    [tCO2]
    direct[t] = Σ_a emissions_tco2_a[t]     over the other assets a        [tCO2]
    net[t]    = grid[t] + direct[t] − heat[t] · credit_avoided_heat       [tCO2]
    cost[t]   = λ · net[t]                                                  [USD]
    Σ_t net[t] ≤ cap                       (one row, when cap_tco2 is set)

``e[t]`` is the expected net deployment of reserves (``deployment_frac`` × offer,
load increases less reductions; :func:`grid_flex.model.headroom.expected_import_mw`).
``heat[t]`` are the boiler emissions avoided by reused heat (the heat-recovery asset
reports them as negative direct emissions). When the credits exceed the grid
emissions, ``net`` and so the carbon cost are negative: the program then earns the
carbon price on the tonnes avoided, kept as a negative cost rather than moved to
revenue, so that ``cost_usd`` is always ``λ · net``.

Marginal rates are used as published: AVERT has a few negative hours (load then
lowers fossil output), and importing in them lowers ``grid``; nothing is clipped.

The cap's dual ``d(profit)/d(cap)`` [USD/tCO2] is its shadow price (≥ 0); the
marginal abatement cost, the operating profit (before carbon cost) lost per tonne the
cap removes, is that shadow price plus the carbon price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from grid_flex.model.headroom import expected_import_mw
from grid_flex.model.linear import FloatArray, LinExpr
from grid_flex.model.terms import (
    BuildContext,
    Evaluation,
    ProgramTerms,
    Quantity,
    ResolveContext,
)
from grid_flex.programs._paths import field_path
from grid_flex.schema.programs import EmissionsEntry

#: Scenario ``type`` this module builds.
TYPE = "emissions"
#: Asset kind whose ``emissions_tco2`` are avoided boiler emissions (heat credits).
HEAT_RECOVERY_KIND = "heat_recovery"
#: The cap counts as binding when its slack is below this share of max(1, |cap|).
CAP_ACTIVE_RTOL = 1e-6


@dataclass(frozen=True)
class EmissionsParams:
    """Resolved parameters of one emissions program."""

    id: str
    marginal_co2_tco2_per_mwh: FloatArray
    carbon_price_usd_per_tco2: float
    cap_tco2: float | None
    average_co2_tco2_per_mwh: float | None
    credit_avoided_heat: bool
    credit_exports: bool
    renewable_share_frac: float | None
    btc_price_usd: float | None


def resolve(entry: EmissionsEntry, rctx: ResolveContext) -> EmissionsParams:
    """Scenario entry → :class:`EmissionsParams`, reading the marginal-rate series.

    The series must be an emission rate (quantity ``co2``, converted to tCO2/MWh);
    an electric or price series is refused with the field named.
    """
    mer = rctx.load(entry.marginal_co2, field_path(entry.id, "marginal_co2"), ("co2_",))
    return EmissionsParams(
        id=entry.id,
        marginal_co2_tco2_per_mwh=np.asarray(mer, dtype=float),
        carbon_price_usd_per_tco2=entry.carbon_price_usd_per_tco2,
        cap_tco2=entry.cap_tco2,
        average_co2_tco2_per_mwh=entry.average_co2_tco2_per_mwh,
        credit_avoided_heat=entry.credit_avoided_heat,
        credit_exports=entry.credit_exports,
        renewable_share_frac=entry.renewable_share_frac,
        btc_price_usd=entry.btc_price_usd,
    )


def build(ctx: BuildContext, params: EmissionsParams) -> ProgramTerms:
    """Declare the program's expressions (and its cap) and return its terms."""
    site = ctx.site
    assert site is not None, "programs are built with the site's terms"
    n, dt = ctx.n, ctx.dt_h
    who = f"emissions program {params.id}"
    mer = params.marginal_co2_tco2_per_mwh
    t_per_mw = mer * dt  # tCO2 per MW held over the interval
    grid = expected_import_mw(site, credit_reductions=True) * t_per_mw
    if params.credit_exports and site.grid_export_mw is not None:
        grid = grid - site.grid_export_mw * t_per_mw
    avoided_heat = LinExpr.zeros(n)
    direct = LinExpr.zeros(n)
    has_heat, has_direct = False, False
    for aid, terms in site.assets.items():
        if terms.emissions_tco2 is None:
            continue
        if site.kinds.get(aid) == HEAT_RECOVERY_KIND:
            avoided_heat = avoided_heat - terms.emissions_tco2
            has_heat = True
        else:
            direct = direct + terms.emissions_tco2
            has_direct = True
    net = grid + direct
    if params.credit_avoided_heat:
        net = net - avoided_heat
    ctx.expression(
        "grid_tco2",
        grid,
        doc=f"{who}: grid emissions, import × Δt × marginal rate [tCO2]",
    )
    ctx.expression(
        "net_tco2",
        net,
        doc=f"{who}: net emissions, grid + direct − avoided heat credits [tCO2]",
    )
    price = params.carbon_price_usd_per_tco2
    cost = net * price if price > 0 else LinExpr.zeros(n)
    cap_family = None
    if params.cap_tco2 is not None:
        cap_family = ctx.constraint(
            "emissions_cap",
            net.sum(),
            "<=",
            params.cap_tco2,
            doc=f"{who}: net emissions over the horizon ≤ cap_tco2 "
            f"({params.cap_tco2:g} tCO2) [tCO2]",
        )
        ctx.declare_limit(
            cap_family,
            field=f"programs.{params.id}.cap_tco2",
            what=f"emissions cap '{params.id}'",
            unit="tCO2",
            side="upper",
        )
    outputs = [
        Quantity("marginal_co2_tco2_per_mwh", LinExpr.constant(mer)),
        Quantity("grid_tco2", grid),
        Quantity("avoided_heat_tco2", avoided_heat),
        Quantity("net_tco2", net),
    ]
    if has_direct:
        outputs.append(Quantity("direct_tco2", direct))
    avg = params.average_co2_tco2_per_mwh
    if avg is not None:
        outputs.append(
            Quantity("location_based_tco2", site.grid_import_mw * (avg * dt))
        )

    def kpis(ev: Evaluation) -> dict[str, Any]:
        values = ev.values
        bought_mwh = values["grid_import_mw"] * dt
        total_bought = float(bought_mwh.sum())
        hours = float(dt.sum())
        net_total = float(values["net_tco2"].sum())
        out: dict[str, Any] = {
            "grid_tco2": float(values["grid_tco2"].sum()),
            "avoided_heat_tco2": float(values["avoided_heat_tco2"].sum()),
            "heat_credit_counted": bool(params.credit_avoided_heat and has_heat),
            "direct_tco2": float(values["direct_tco2"].sum()) if has_direct else 0.0,
            "net_tco2": net_total,
            "location_based_tco2": float(values["location_based_tco2"].sum())
            if avg is not None
            else float("nan"),
            "carbon_price_usd_per_tco2": price,
            "carbon_cost_usd": float(values["cost_usd"].sum()),
            "cap_tco2": float("nan") if params.cap_tco2 is None else params.cap_tco2,
            "cap_binding": False,
            "cap_shadow_price_usd_per_tco2": float("nan"),
            "marginal_abatement_cost_usd_per_tco2": float("nan"),
            "mean_marginal_rate_bought_tco2_per_mwh": float(bought_mwh @ mer)
            / total_bought
            if total_bought > 0
            else float("nan"),
            "mean_marginal_rate_tco2_per_mwh": float(mer @ dt) / hours,
        }
        if cap_family is not None and params.cap_tco2 is not None:
            shadow = float(ev.dual(cap_family)[0])
            slack = params.cap_tco2 - net_total
            out["cap_binding"] = bool(
                slack <= CAP_ACTIVE_RTOL * max(1.0, abs(params.cap_tco2))
            )
            out["cap_shadow_price_usd_per_tco2"] = shadow
            out["marginal_abatement_cost_usd_per_tco2"] = shadow + price
        return out

    return ProgramTerms(
        cost_usd=cost,
        revenue_usd=LinExpr.zeros(n),
        outputs=tuple(outputs),
        kpis=kpis,
        extra={"net_tco2": net, "grid_tco2": grid, "cap": cap_family},
    )


# ---- rolling operation ------------------------------------------------------------
@dataclass(frozen=True)
class EmissionsState:
    """Net emissions counted against the cap so far [tCO2]."""

    used_tco2: float


def final_state(
    params: EmissionsParams,
    previous: EmissionsState | None,
    values: Mapping[str, FloatArray],
) -> EmissionsState | None:
    """Add the committed intervals' net emissions (only when there is a cap)."""
    if params.cap_tco2 is None:
        return None
    before = 0.0 if previous is None else previous.used_tco2
    return EmissionsState(before + float(values["net_tco2"].sum()))


def resume(
    params: EmissionsParams,
    state: EmissionsState | None,
    *,
    window_h: float,
    left_h: float,
) -> EmissionsParams:
    """The window's share of the budget left, in proportion to its hours.

    ``cap = (cap − used) × window_h / left_h`` (all of it in the last window).
    """
    if params.cap_tco2 is None:
        return params
    share = 1.0 if left_h <= 0 else min(1.0, window_h / left_h)
    used = 0.0 if state is None else state.used_tco2
    return replace(params, cap_tco2=(params.cap_tco2 - used) * share)
