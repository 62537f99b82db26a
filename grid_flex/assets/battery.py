"""Battery: charge, discharge and state of charge (domain.md §3.1).

Formulation (intervals t, ``s[t]`` = energy stored at the *end* of interval t)::

    0 ≤ c[t], d[t] ≤ P                                   charge, discharge [MW]
    E·soc_min ≤ s[t] ≤ E·soc_max                         stored energy     [MWh]
    s[t] = (1 − σ·Δt) · s[t−1] + η_c·c[t]·Δt − d[t]·Δt/η_d,   s[−1] = s_0
    s_0 = E·soc_init (or free);  s[T−1] = s_0 (cyclic) | ≥ E·soc_end | free
    net load = c[t] − d[t];   cost[t] = c_deg · d[t] · Δt

``η_c = η_d = √RTE``. A pure LP may charge and discharge in the same interval when
energy is worth less than nothing (negative prices); that burns energy through losses,
which is then the profitable thing to do, and the results report it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from grid_flex.errors import ScenarioError
from grid_flex.model.linear import FloatArray, LinExpr
from grid_flex.model.terms import (
    AssetTerms,
    BuildContext,
    Evaluation,
    Quantity,
    ResolveContext,
)
from grid_flex.schema.assets import BatteryEntry


@dataclass(frozen=True)
class BatteryParams:
    """Resolved parameters of one battery."""

    id: str
    model_ref: str
    energy_mwh: float
    power_mw: float
    charge_eff_frac: float
    discharge_eff_frac: float
    soc_min_frac: float
    soc_max_frac: float
    self_discharge_frac_per_h: float
    degradation_usd_per_mwh: float
    initial_soc_frac: float | None
    final_soc: Literal["cyclic", "free"] | float


def resolve(entry: BatteryEntry, rctx: ResolveContext) -> BatteryParams:
    """Scenario entry + catalogue unit → :class:`BatteryParams`."""
    spec = rctx.catalog.get_battery(entry.model)
    count = entry.count or 1
    energy = (
        entry.energy_mwh if entry.energy_mwh is not None else count * spec.energy_mwh
    )
    power = entry.power_mw if entry.power_mw is not None else count * spec.power_mw

    def pick(value: float | None, default: float) -> float:
        return default if value is None else value

    rte = pick(entry.round_trip_eff_frac, spec.round_trip_eff_frac)
    lo = pick(entry.soc_min_frac, spec.soc_min_frac)
    hi = pick(entry.soc_max_frac, spec.soc_max_frac)
    where = f"assets.{entry.id}"
    problems = []
    if rte <= 0:
        problems.append(f"{where}.round_trip_eff_frac: must be above 0")
    if lo >= hi:
        problems.append(f"{where}: soc_min_frac {lo} must be below soc_max_frac {hi}")
    init = entry.initial_soc_frac
    if init is not None and not lo <= init <= hi:
        problems.append(
            f"{where}.initial_soc_frac: {init} lies outside [{lo}, {hi}] "
            "(soc_min_frac, soc_max_frac)"
        )
    if not isinstance(entry.final_soc, str) and not entry.final_soc <= hi:
        problems.append(
            f"{where}.final_soc: {entry.final_soc} is above soc_max_frac {hi}"
        )
    if problems:
        raise ScenarioError(where, problems)
    eff = math.sqrt(rte)
    return BatteryParams(
        id=entry.id,
        model_ref=entry.model,
        energy_mwh=energy,
        power_mw=power,
        charge_eff_frac=eff,
        discharge_eff_frac=eff,
        soc_min_frac=lo,
        soc_max_frac=hi,
        self_discharge_frac_per_h=pick(
            entry.self_discharge_frac_per_h, spec.self_discharge_frac_per_h
        ),
        degradation_usd_per_mwh=pick(
            entry.degradation_usd_per_mwh, spec.degradation_usd_per_mwh
        ),
        initial_soc_frac=init,
        final_soc=entry.final_soc,
    )


def build(ctx: BuildContext, params: BatteryParams) -> AssetTerms:
    """Declare charge, discharge and state of charge; return the battery's terms."""
    n, dt = ctx.n, ctx.dt_h
    e, p = params.energy_mwh, params.power_mw
    lo, hi = params.soc_min_frac * e, params.soc_max_frac * e
    who = f"battery {params.id}"
    charge = ctx.var("charge_mw", ub=p, doc=f"{who}: charging power [MW]")
    discharge = ctx.var("discharge_mw", ub=p, doc=f"{who}: discharging power [MW]")
    soc = ctx.var(
        "soc_mwh", lb=lo, ub=hi, doc=f"{who}: energy stored at interval end [MWh]"
    )
    init = params.initial_soc_frac
    soc0 = ctx.var(
        "soc_initial_mwh",
        lb=lo if init is None else init * e,
        ub=hi if init is None else init * e,
        doc=f"{who}: energy stored at the start (initial_soc_frac) [MWh]",
        scalar=True,
    )
    previous = LinExpr.stack(soc0.expr, soc.expr.take(np.arange(n - 1)))
    keep = 1.0 - params.self_discharge_frac_per_h * dt
    ctx.constraint(
        "soc_balance",
        soc.expr
        - previous * keep
        - charge.expr * (params.charge_eff_frac * dt)
        + discharge.expr * (dt / params.discharge_eff_frac),
        "==",
        doc=f"{who}: state-of-charge balance",
    )
    last = soc.expr.take([n - 1])
    if params.final_soc == "cyclic":
        ctx.constraint(
            "soc_final", last - soc0.expr, "==", doc=f"{who}: ends where it started"
        )
    elif params.final_soc != "free":
        ctx.constraint(
            "soc_final",
            last,
            ">=",
            float(params.final_soc) * e,
            doc=f"{who}: ends at least at final_soc × energy_mwh",
        )
    net = charge.expr - discharge.expr
    cost = discharge.expr * (params.degradation_usd_per_mwh * dt)
    ctx.layer.add_expression(
        ctx.block, "net_load_mw", ctx.T, net, doc=f"{who}: charge − discharge [MW]"
    )

    def kpis(ev: Evaluation) -> dict[str, float]:
        values = ev.values
        c, d = values["charge_mw"], values["discharge_mw"]
        both = np.minimum(c, d) > 1e-6 * p
        return {
            "energy_mwh": e,
            "power_mw": p,
            "charged_mwh": float(c @ dt),
            "discharged_mwh": float(d @ dt),
            "equivalent_full_cycles": float(d @ dt / e),
            "degradation_usd": float(values["cost_usd"].sum()),
            "simultaneous_charge_discharge_h": float(dt[both].sum()),
        }

    return AssetTerms(
        net_load_mw=net,
        cost_usd=cost,
        revenue_usd=LinExpr.zeros(n),
        outputs=(
            Quantity("charge_mw", charge.expr),
            Quantity("discharge_mw", discharge.expr),
            Quantity("soc_mwh", soc.expr),
            Quantity("cost_usd", cost),
        ),
        kpis=kpis,
        capacity_mw=p,
        flex_down_mw=net + p,
        flex_up_mw=p - net,
        extra={
            # for programs that reserve stored energy (reserves, demand response)
            "soc_mwh": soc.expr,  # energy stored at the end of each interval
            "soc_initial_mwh": soc0.expr,
            "soc_min_mwh": lo,
            "soc_max_mwh": hi,
            "charge_eff_frac": params.charge_eff_frac,
            "discharge_eff_frac": params.discharge_eff_frac,
            "power_mw": p,
        },
    )


# ---- rolling operation: state carried between windows ------------------------------
@dataclass(frozen=True)
class BatteryState:
    """Energy stored at the end of the committed part of a window [MWh]."""

    soc_mwh: float


def rolling_problems(params: BatteryParams) -> list[str]:
    """Why the battery cannot run in rolling windows (empty if it can)."""
    if params.final_soc == "cyclic":
        return [
            f"assets.{params.id}.final_soc: 'cyclic' ties the end of the horizon to "
            "its start, which a rolling run cannot see; give a minimum fraction "
            "(e.g. 0.5) or 'free' for rolling operation"
        ]
    return []


def final_state(
    params: BatteryParams, values: Mapping[str, FloatArray]
) -> BatteryState:
    """State after the committed intervals (``values`` hold only those)."""
    return BatteryState(soc_mwh=float(values["soc_mwh"][-1]))


def resume(params: BatteryParams, state: BatteryState) -> BatteryParams:
    """Start the next window with the energy the last one left stored."""
    frac = state.soc_mwh / params.energy_mwh
    frac = min(max(frac, params.soc_min_frac), params.soc_max_frac)  # solver noise
    return replace(params, initial_soc_frac=frac)


def open_end(params: BatteryParams) -> BatteryParams:
    """For a window that ends before the horizon: no forced end state."""
    return replace(params, final_soc="free")


def end_value(
    params: BatteryParams, terms: AssetTerms, price_usd_per_mwh: FloatArray
) -> LinExpr:
    """Value of the energy stored at a window's end [USD] (one row).

    Each stored MWh is worth what it sells for later at a typical price: the median
    of the window's forecast price times the discharge efficiency. (Duals of a
    perfect-foresight solve would value it better but would hand the operator the
    future the rolling run is meant not to know.)
    """
    soc: LinExpr = terms.extra["soc_mwh"]
    value = float(np.median(price_usd_per_mwh)) * params.discharge_eff_frac
    return soc.take([soc.n - 1]) * max(value, 0.0)
