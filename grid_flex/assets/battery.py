"""Battery: charge, discharge and state of charge (domain.md §3.1).

Formulation (intervals t, ``s[t]`` = energy stored at the *end* of interval t)::

    0 ≤ c[t], d[t] ≤ P                                   charge, discharge [MW]
    E·soc_min ≤ s[t] ≤ E·soc_max                         stored energy     [MWh]
    s[t] = (1 − σ·Δt) · s[t−1] + η_c·c[t]·Δt − d[t]·Δt/η_d,   s[−1] = s_0
    s_0 = E·soc_init (or free);  s[T−1] = s_0 (cyclic) | ≥ E·soc_end | free
    net load = c[t] − d[t];   cost[t] = c_deg · d[t] · Δt

``η_c = η_d = √RTE`` unless ``charge_eff_frac`` and ``discharge_eff_frac`` are given
(DER-VET applies the whole RTE on charging: ``η_c = RTE``, ``η_d = 1``). A pure LP
may charge and discharge in the same interval when energy is worth less than nothing
(negative prices); that burns energy through losses, which is then the profitable
thing to do, and the results report it.

``E`` and ``P`` are capacities (:mod:`grid_flex.model.capacity`): numbers that stay
bounds, or, with a ``size`` block, columns (``P = E / duration`` at a fixed duration)
that the bounds above read as rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from grid_flex.model.capacity import Capacity, CapacitySpec
from grid_flex.model.linear import FloatArray, LinExpr
from grid_flex.model.terms import (
    AssetTerms,
    BuildContext,
    Evaluation,
    Quantity,
    ResolveContext,
)
from grid_flex.nodata.battery import size_prices, soc_settings
from grid_flex.schema.assets import BatteryEntry
from grid_flex.schema.catalog import BatterySpec


@dataclass(frozen=True)
class BatteryParams:
    """Resolved parameters of one battery."""

    id: str
    model_ref: str
    energy: CapacitySpec  # rated energy [MWh]
    power: CapacitySpec | None  # power limit [MW]; None: energy / duration_h
    charge_eff_frac: float
    discharge_eff_frac: float
    soc_min_frac: float
    soc_max_frac: float
    self_discharge_frac_per_h: float
    degradation_usd_per_mwh: float
    initial_soc_frac: float | None
    final_soc: Literal["cyclic", "free"] | float
    duration_h: float | None = None
    unit_energy_mwh: float | None = None

    @property
    def energy_mwh(self) -> float:
        """Rated energy (the largest size of a sized battery) [MWh]."""
        return self.energy.upper

    @property
    def power_mw(self) -> float:
        """Power limit (the largest size of a sized battery) [MW]."""
        if self.power is None:
            assert self.duration_h is not None
            return self.energy.upper / self.duration_h
        return self.power.upper


def resolve(entry: BatteryEntry, rctx: ResolveContext) -> BatteryParams:
    """Scenario entry + catalogue unit → :class:`BatteryParams`."""
    spec = rctx.catalog.get_battery(entry.model)
    count = entry.count or 1
    energy: CapacitySpec
    power: CapacitySpec | None
    if entry.size is not None:
        energy, power = battery_size(entry, spec)
    else:
        energy = CapacitySpec.of(
            entry.energy_mwh
            if entry.energy_mwh is not None
            else count * spec.energy_mwh,
            "mwh",
        )
        power = CapacitySpec.of(
            entry.power_mw if entry.power_mw is not None else count * spec.power_mw,
            "mw",
        )

    def pick(value: float | None, default: float) -> float:
        return default if value is None else value

    rte, lo, hi = soc_settings(entry, spec)
    init = entry.initial_soc_frac
    eff = math.sqrt(rte)
    eff_c, eff_d = eff, eff
    if entry.charge_eff_frac is not None and entry.discharge_eff_frac is not None:
        eff_c, eff_d = entry.charge_eff_frac, entry.discharge_eff_frac
    return BatteryParams(
        id=entry.id,
        model_ref=entry.model,
        energy=energy,
        power=power,
        duration_h=entry.size.duration_h if entry.size is not None else None,
        unit_energy_mwh=spec.energy_mwh,
        charge_eff_frac=eff_c,
        discharge_eff_frac=eff_d,
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


def battery_size(
    entry: BatteryEntry, spec: BatterySpec
) -> tuple[CapacitySpec, CapacitySpec | None]:
    """Energy and power as decisions, costs from the size block or the catalogue.

    At a fixed ``duration_h`` the power part of the price is folded into the energy
    capacity (``USD/kW / duration``) and power is ``E / duration`` (returned None).
    """
    size = entry.size
    assert size is not None
    per_kwh, per_kw, life, fom = size_prices(entry, spec)
    fom_mw = (fom or 0.0) * 1e3
    hi_e = np.inf if size.max_mwh is None else size.max_mwh
    if size.duration_h is not None:
        d = size.duration_h
        energy = CapacitySpec(
            unit="mwh",
            min=size.min_mwh,
            max=hi_e,
            existing=size.existing_mwh,
            capex_usd_per_unit=per_kwh * 1e3 + per_kw * 1e3 / d,
            life_yr=life,
            fixed_om_usd_per_unit_yr=fom_mw / d,
            purchase_size=spec.energy_mwh,
        )
        return energy, None
    energy = CapacitySpec(
        unit="mwh",
        min=size.min_mwh,
        max=hi_e,
        existing=size.existing_mwh,
        capex_usd_per_unit=per_kwh * 1e3,
        life_yr=life,
        purchase_size=spec.energy_mwh,
    )
    power = CapacitySpec(
        unit="mw",
        min=size.min_mw,
        max=np.inf if size.max_mw is None else size.max_mw,
        existing=size.existing_mw,
        capex_usd_per_unit=per_kw * 1e3,
        life_yr=life,
        fixed_om_usd_per_unit_yr=fom_mw,
        purchase_size=spec.power_mw,
    )
    return energy, power


def capacities(ctx: BuildContext, params: BatteryParams) -> tuple[Capacity, Capacity]:
    """The battery's energy [MWh] and power [MW] capacities on its block."""
    who = f"battery {params.id}"
    energy = ctx.capacity(
        f"{params.id}.energy_mwh", params.energy, doc=f"{who}: rated energy (size)"
    )
    if params.power is not None:
        power = ctx.capacity(
            f"{params.id}.power_mw", params.power, doc=f"{who}: power limit (size)"
        )
        return energy, power
    assert params.duration_h is not None
    d = params.duration_h
    spec = params.energy.scaled(1.0 / d, "mw")
    if energy.var is None:
        return energy, Capacity(f"{params.id}.power_mw", spec)
    # P = E / duration: the energy column scaled, not a column (nor a cost) of its own
    power = Capacity(f"{params.id}.power_mw", spec, energy.var, factor=1 / d)
    ctx.capacities[power.key] = power  # reported, never costed or shared on its own
    return energy, power


def build(ctx: BuildContext, params: BatteryParams) -> AssetTerms:
    """Declare charge, discharge and state of charge; return the battery's terms."""
    n, dt = ctx.n, ctx.dt_h
    cap_e, cap_p = capacities(ctx, params)
    who = f"battery {params.id}"
    s_lo, s_hi = params.soc_min_frac, params.soc_max_frac
    charge = ctx.var("charge_mw", ub=cap_p.ub(), doc=f"{who}: charging power [MW]")
    discharge = ctx.var(
        "discharge_mw", ub=cap_p.ub(), doc=f"{who}: discharging power [MW]"
    )
    for name, x in (("charge", charge), ("discharge", discharge)):
        cap_p.limit(
            ctx, f"{name}_max", x.expr, doc=f"{who}: {name} ≤ power capacity [MW]"
        )
    soc = ctx.var(
        "soc_mwh",
        lb=cap_e.lb(s_lo),
        ub=cap_e.ub(s_hi),
        doc=f"{who}: energy stored at interval end [MWh]",
    )
    cap_e.limit(ctx, "soc_max", soc.expr, share=s_hi, doc=f"{who}: soc ≤ soc_max·E")
    cap_e.limit(
        ctx, "soc_min", soc.expr, share=s_lo, sense=">=", doc=f"{who}: soc ≥ soc_min·E"
    )
    init = params.initial_soc_frac
    soc0 = ctx.var(
        "soc_initial_mwh",
        lb=cap_e.lb(s_lo if init is None else init),
        ub=cap_e.ub(s_hi if init is None else init),
        doc=f"{who}: energy stored at the start (initial_soc_frac) [MWh]",
        scalar=True,
    )
    if init is None:
        cap_e.limit(ctx, "soc_initial_max", soc0.expr, share=s_hi, doc=who)
        cap_e.limit(ctx, "soc_initial_min", soc0.expr, share=s_lo, sense=">=", doc=who)
    else:
        cap_e.limit(
            ctx,
            "soc_initial",
            soc0.expr,
            share=init,
            sense="==",
            doc=f"{who}: starts at initial_soc_frac × E [MWh]",
        )
    previous = LinExpr.stack(soc0.expr, soc.expr.take(np.arange(n - 1)))
    keep = 1.0 - params.self_discharge_frac_per_h * dt
    balance = ctx.constraint(
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
        end = ctx.constraint(
            "soc_final", last - soc0.expr, "==", doc=f"{who}: ends where it started"
        )
        ctx.declare_limit(
            end,
            field=f"assets.{params.id}.final_soc",
            what=f"battery '{params.id}' end state (cyclic: final − initial energy)",
            unit="MWh",
            side="both",
        )
    elif params.final_soc != "free":
        end = ctx.constraint(
            "soc_final",
            last - cap_e.rows(1, float(params.final_soc)),
            ">=",
            doc=f"{who}: ends at least at final_soc × energy_mwh",
        )
        ctx.declare_limit(
            end,
            field=f"assets.{params.id}.final_soc",
            what=f"battery '{params.id}' end state (final − final_soc × energy)",
            unit="MWh",
            side="lower",
        )
    net = charge.expr - discharge.expr
    cost = discharge.expr * (params.degradation_usd_per_mwh * dt)
    ctx.layer.add_expression(
        ctx.block, "net_load_mw", ctx.T, net, doc=f"{who}: charge − discharge [MW]"
    )

    def kpis(ev: Evaluation) -> dict[str, float]:
        values = ev.values
        c, d = values["charge_mw"], values["discharge_mw"]
        e, p = ev.capacity(cap_e), ev.capacity(cap_p)
        both = np.minimum(c, d) > 1e-6 * p
        return {
            "energy_mwh": e,
            "power_mw": p,
            "charged_mwh": float(c @ dt),
            "discharged_mwh": float(d @ dt),
            "equivalent_full_cycles": float(d @ dt / e) if e > 0 else 0.0,
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
        capacity_mw=cap_p.upper,
        capacity_expr_mw=cap_p.expr,
        flex_down_mw=net + cap_p.rows(n),
        flex_up_mw=cap_p.rows(n) - net,
        extra={
            # for programs that reserve stored energy (reserves, demand response);
            # the SOC limits are numbers, or one-row expressions for a sized battery
            "soc_mwh": soc.expr,  # energy stored at the end of each interval
            "soc_initial_mwh": soc0.expr,
            "soc_min_mwh": _level(cap_e, s_lo),
            "soc_max_mwh": _level(cap_e, s_hi),
            "soc_balance": balance,  # replaced when deployed reserves move the SOC
            "charge_mw": charge.expr,
            "discharge_mw": discharge.expr,
            "power_rows_mw": cap_p.rows(n),
            "charge_eff_frac": params.charge_eff_frac,
            "discharge_eff_frac": params.discharge_eff_frac,
            "power_mw": cap_p.upper,
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
    params: BatteryParams,
    previous: BatteryState | None,
    values: Mapping[str, FloatArray],
) -> BatteryState:
    """State after the committed intervals (``values`` hold only those)."""
    return BatteryState(soc_mwh=float(values["soc_mwh"][-1]))


def resume(
    params: BatteryParams, state: BatteryState | None, *, window_h: float, left_h: float
) -> BatteryParams:
    """Start the next window with the energy the last one left stored."""
    if state is None:
        return params
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


def _level(cap: Capacity, share: float) -> LinExpr | float:
    """``share · E``: a number, or a one-row expression for a sized battery [MWh]."""
    return cap.expr * share if cap.is_variable else cap.upper * share
