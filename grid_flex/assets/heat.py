"""Heat recovery: capture the heat of compute assets and serve heat customers.

Built after the other assets (``PHASE = 1``): it reads the heat its ``sources`` release
(``AssetTerms.heat_mwth``) and how they are cooled (``AssetTerms.cooling``).

Formulation (customers c, intervals t; domain.md §4)::

    Q[t]    = Σ_s φ_s · heat_s[t]                          heat captured      [MWth]
    H[c,t]  = fuel[c,t] · 0.29307107 · η_c · k_c            demand (DOE fuel)  [MWth]
            | heat[c,t] · k_c                               demand (heat)      [MWth]
    0 ≤ d[c,t] ≤ H[c,t]   (0 when T_loop < T_supply,c)      direct delivery    [MWth]
    0 ≤ h[c,t] ≤ H[c,t],  Σ_c h[c,t] ≤ h_max                heat-pump output   [MWth]
    d[c,t] + h[c,t] ≤ H[c,t]                                served heat        [MWth]
    Σ_c d + (1 − 1/COP)·Σ_c h + ch[t] − dis[t] ≤ Q[t]      loop balance       [MWth]
    dump[t] = Q[t] − (left-hand side above) ≥ 0             heat rejected      [MWth]
    s[t] = (1 − λ·Δt)·s[t−1] + (ch[t] − dis[t])·Δt,  0 ≤ s ≤ E, 0 ≤ ch, dis ≤ P,
    s[−1] = s[T−1] = f_0·E                                  store (cyclic)     [MWhth]
    net load[t] = Σ_c h[c,t] / COP + fan · dump[t]          electricity        [MW]
    revenue[t]  = Σ_c (d + h)[c,t] · v_c · Δt                                  [USD]
    emissions[t] = −Σ_c (d + h)[c,t] · Δt · (3.41214 / η_c) · EF_gas          [tCO2]

with ``v_c = p_gas · 3.41214 / η_c`` (the boiler fuel one MWhth saves, in MMBtu, times
its price) or the customer's heat sale price [USD/MWhth].

Choices:

* **Capture** ``φ_s`` is ``capture_frac`` if given, else set by the source's cooling:
  air 0.5, immersion 0.95, hydro 0.95 (domain.md §8).
* **One loop, one temperature.** ``loop_temp_degc`` if given, else the *lowest* of the
  sources' cooling defaults (air 45 °C, immersion/hydro 60 °C): water mixed from a
  45 °C and a 60 °C source cannot be hotter than the cooler one's outlet, so a loop
  fed by air-cooled and liquid-cooled sources is rated at 45 °C. A customer can be
  served directly only when ``T_loop ≥ supply_temp_degc``; otherwise only through the
  heat pump (an error names the temperatures if there is none).
* **Heat pump** (optional): output ``h`` draws ``h/COP`` of electricity from the site
  bus and ``h·(1 − 1/COP)`` of heat from the loop (``Q_out = Q_src + W``). COP is
  constant (default 4.0, domain.md §8: a 35–45 °C loop lifted to 75 °C at half of
  Carnot). It may also serve customers the loop reaches directly, when adding
  electricity to scarce loop heat pays.
* **Thermal store** (optional) is a hot-water tank on the loop, at loop temperature:
  charged with captured heat, discharged into the loop's delivery header (to the
  customers directly or through the heat pump), with a standing loss ``λ`` per hour
  of the heat stored; it starts and ends at ``initial_frac`` of its capacity (a
  study that chains blocks may free the start: ``StorageParams.start_free``). The
  schema gives the store no temperature of its own, and the loop temperature is the
  only unambiguous one when customers need different temperatures.
* **Dump**: captured heat not used is rejected (dry cooler), costing
  ``dump_fan_mw_per_mwth`` of fan power per MWth, a site load.
* Heat is valued per customer and capped at its demand; heat pump and fan
  electricity are paid at the site's energy price through the site balance, and
  their emissions are the grid's (the emissions program's business). The avoided
  boiler emissions are returned as negative ``emissions_tco2``, whichever way the
  heat is valued (a sold MWhth displaces the same boiler fuel).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

import numpy as np

from grid_flex.conventions import KWH_PER_MMBTU
from grid_flex.errors import ScenarioError
from grid_flex.model.capacity import CapacitySpec
from grid_flex.model.linear import FloatArray, LinExpr
from grid_flex.model.terms import (
    AssetTerms,
    BuildContext,
    Evaluation,
    Quantity,
    ResolveContext,
)
from grid_flex.nodata.heat import demand_kinds, temperature_problems
from grid_flex.schema.assets import (
    HeatCustomer,
    HeatPump,
    HeatRecoveryEntry,
    ThermalStorage,
)
from grid_flex.schema.scenario import scenario_source

#: Built after the assets whose heat it recovers.
PHASE: Final = 1

#: MMBtu per MWh (1000 / 293.07107 = 3.41214), for heat and fuel alike [MMBtu/MWh].
MMBTU_PER_MWH: Final = 1000.0 / KWH_PER_MMBTU
#: Share of a source's heat captured, by cooling (domain.md §8) [-].
CAPTURE_FRAC_BY_COOLING: Final[dict[str, float]] = {
    "air": 0.5,
    "immersion": 0.95,
    "hydro": 0.95,
}
#: Loop temperature a cooling type supports (domain.md §4.1, §8) [°C].
LOOP_TEMP_DEGC_BY_COOLING: Final[dict[str, float]] = {
    "air": 45.0,
    "immersion": 60.0,
    "hydro": 60.0,
}


@dataclass(frozen=True)
class CustomerParams:
    """Resolved heat customer.

    Attributes
    ----------
    id : str
        Customer id (unique within the asset).
    demand_mwth : ndarray
        Heat demand per interval, after boiler efficiency and scale [MWth].
    supply_temp_degc : float
        Temperature the customer needs [°C].
    value_usd_per_mwhth : float
        Value of one MWhth served (avoided fuel or sale price) [USD/MWhth].
    fuel_mmbtu_per_mwhth : float
        Boiler fuel one MWhth served saves (3.41214 / η) [MMBtu/MWhth].
    """

    id: str
    demand_mwth: FloatArray
    supply_temp_degc: float
    value_usd_per_mwhth: float
    fuel_mmbtu_per_mwhth: float


@dataclass(frozen=True)
class HeatPumpParams:
    """Resolved heat pump: COP [-] and largest heat output (a capacity) [MWth]."""

    cop: float
    output: CapacitySpec

    @property
    def max_output_mwth(self) -> float:
        """Largest heat output (the most a sized pump may reach) [MWth]."""
        return self.output.upper


@dataclass(frozen=True)
class StorageParams:
    """Resolved thermal store.

    Attributes
    ----------
    energy : CapacitySpec
        Heat it holds when full: a number or a decision [MWhth].
    power_mwth : float
        Largest charge or discharge rate [MWth].
    loss_frac_per_h : float
        Share of the stored heat lost per hour [1/h].
    initial_frac : float
        Share of capacity stored at the start and the end [-].
    start_mwhth : float or None
        Heat stored at the start when it differs from ``initial_frac`` (a rolling
        window resumed from the previous one) [MWhth].
    end_free : bool
        No end condition (a rolling window that ends before the horizon).
    start_free : bool
        The heat stored at the start is a decision (column ``storage_initial_mwhth``,
        0 ≤ · ≤ capacity) that a study links to the end of an earlier block (a
        portfolio's period blocks).
    """

    energy: CapacitySpec
    power_mwth: float
    loss_frac_per_h: float
    initial_frac: float
    start_mwhth: float | None = None
    end_free: bool = False
    start_free: bool = False

    @property
    def capacity_mwhth(self) -> float:
        """Heat it holds when full (the most a sized store may reach) [MWhth]."""
        return self.energy.upper


@dataclass(frozen=True)
class HeatParams:
    """Resolved heat-recovery asset (see the module docstring for the LP)."""

    id: str
    sources: tuple[str, ...]
    capture_frac: float | None
    loop_temp_degc: float | None
    customers: tuple[CustomerParams, ...]
    heat_pump: HeatPumpParams | None
    storage: StorageParams | None
    dump_fan_mw_per_mwth: float
    gas_co2_tco2_per_mmbtu: float


# ---- resolve -------------------------------------------------------------------------
def resolve(entry: HeatRecoveryEntry, rctx: ResolveContext) -> HeatParams:
    """Scenario entry → :class:`HeatParams`, reading each customer's demand series.

    Checks that need no data come first, so that ``grid-flex validate --no-data``
    runs them; checks that need the sources' cooling are made by :func:`build`.
    """
    where = f"assets.{entry.id}"
    kinds = demand_kinds(entry)
    customers = []
    for i, (cust, kind) in enumerate(zip(entry.customers, kinds, strict=True)):
        field = f"{where}.customers[{i}].demand"
        raw = rctx.load(cust.demand, field, kind[1])
        customers.append(_customer(cust, kind[0], raw, rctx, field))
    pump = entry.heat_pump
    store = entry.storage
    return HeatParams(
        id=entry.id,
        sources=tuple(entry.sources),
        capture_frac=entry.capture_frac,
        loop_temp_degc=entry.loop_temp_degc,
        customers=tuple(customers),
        heat_pump=None if pump is None else HeatPumpParams(pump.cop, _pump_spec(pump)),
        storage=None
        if store is None
        else StorageParams(
            energy=_store_spec(store),
            power_mwth=store.power_mwth,
            loss_frac_per_h=store.loss_frac_per_h,
            initial_frac=store.initial_frac,
        ),
        dump_fan_mw_per_mwth=entry.dump_fan_mw_per_mwth,
        gas_co2_tco2_per_mmbtu=entry.gas_co2_tco2_per_mmbtu,
    )


def _pump_spec(pump: HeatPump) -> CapacitySpec:
    """The pump's largest heat output: given, or a decision with its costs [MWth]."""
    return _thermal_spec(pump.max_output_mwth, pump.size, "mwth")


def _store_spec(store: ThermalStorage) -> CapacitySpec:
    """The store's heat content when full: given, or a decision [MWhth]."""
    return _thermal_spec(store.capacity_mwhth, store.size, "mwhth")


def _thermal_spec(given: float | None, size: Any, unit: str) -> CapacitySpec:
    """A heat capacity in ``unit`` (``mwth`` or ``mwhth``): given, or a decision.

    A ``size`` block names its fields by that unit (``min_mwth``,
    ``capex_usd_per_kwth``,
    ...); its costs per kW(h)th become costs per MW(h)th.
    """
    if size is None:
        assert given is not None
        return CapacitySpec.of(given, unit)
    per_k = "k" + unit[1:]
    hi = getattr(size, f"max_{unit}")
    return CapacitySpec(
        unit=unit,
        min=getattr(size, f"min_{unit}"),
        max=np.inf if hi is None else hi,
        existing=getattr(size, f"existing_{unit}"),
        capex_usd_per_unit=getattr(size, f"capex_usd_per_{per_k}") * 1e3,
        life_yr=size.life_yr,
        fixed_om_usd_per_unit_yr=getattr(size, f"fixed_om_usd_per_{per_k}_yr") * 1e3,
    )


def _customer(
    cust: HeatCustomer,
    kind: Literal["heat", "fuel"],
    raw: FloatArray,
    rctx: ResolveContext,
    field: str,
) -> CustomerParams:
    """A customer's demand in MWth and its value per MWhth."""
    bad = np.flatnonzero(~np.isfinite(raw) | (raw < 0))
    if len(bad):
        k = int(bad[0])
        raise ScenarioError(
            field,
            [
                f"{field}: value {float(raw[k]):g} at {rctx.index[k]:%Y-%m-%d %H:%M} "
                f"UTC; heat demand must be a finite number ≥ 0 ({len(bad)} such "
                "intervals)"
            ],
        )
    eff = cust.boiler_eff_frac
    if kind == "fuel":
        # MMBtu/h of boiler fuel → MWth of heat: × 0.29307107 MWh/MMBtu × η
        demand = raw * (KWH_PER_MMBTU / 1000.0) * eff * cust.demand_scale
    else:
        demand = raw * cust.demand_scale
    fuel_per_mwhth = MMBTU_PER_MWH / eff
    if cust.value == "sale":
        assert cust.sale_price_usd_per_mwhth is not None  # schema
        value = cust.sale_price_usd_per_mwhth
    else:
        value = cust.gas_price_usd_per_mmbtu * fuel_per_mwhth
    return CustomerParams(
        id=cust.id,
        demand_mwth=np.asarray(demand, dtype=float),
        supply_temp_degc=cust.supply_temp_degc,
        value_usd_per_mwhth=float(value),
        fuel_mmbtu_per_mwhth=float(fuel_per_mwhth),
    )


# ---- build ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Loop:
    """The loop as the sources define it: captured heat and temperature."""

    captured_mwth: LinExpr
    capture_frac: dict[str, float]
    loop_temp_degc: float
    capacity_mwth: float | None


def _loop(ctx: BuildContext, params: HeatParams) -> _Loop:
    """Check the sources against the built assets; captured heat and loop temperature.

    Raises
    ------
    ScenarioError
        A source that is not an asset, gives no heat, is claimed by several loops
        beyond its heat, or leaves the loop too cold for a customer.
    """
    where = f"assets.{params.id}"
    kinds = {p.id: kind for kind, p in ctx.inputs.assets}
    problems: list[str] = []
    captured = LinExpr.zeros(ctx.n)
    fracs: dict[str, float] = {}
    temps: dict[str, float] = {}
    capacity: float | None = 0.0
    for i, sid in enumerate(params.sources):
        field = f"{where}.sources[{i}]"
        if sid not in kinds:
            problems.append(
                f"{field}: {sid!r} is not an asset of this scenario (assets: "
                f"{', '.join(sorted(kinds))})"
            )
            continue
        terms = ctx.built.get(sid)
        if terms is None or terms.heat_mwth is None:
            problems.append(
                f"{field}: asset {sid!r} ({kinds[sid]}) gives no heat to recover; "
                "sources must be compute assets (asic_fleet, gpu_cluster)"
            )
            continue
        cooling = terms.cooling
        if params.capture_frac is not None:
            frac = params.capture_frac
        elif cooling in CAPTURE_FRAC_BY_COOLING:
            frac = CAPTURE_FRAC_BY_COOLING[cooling]
        else:
            problems.append(
                f"{field}: asset {sid!r} does not say how it is cooled; set "
                f"{where}.capture_frac"
            )
            continue
        if params.loop_temp_degc is None:
            if cooling not in LOOP_TEMP_DEGC_BY_COOLING:
                problems.append(
                    f"{field}: asset {sid!r} does not say how it is cooled; set "
                    f"{where}.loop_temp_degc"
                )
                continue
            temps[sid] = LOOP_TEMP_DEGC_BY_COOLING[cooling]
        fracs[sid] = frac
        captured = captured + terms.heat_mwth * frac
        if capacity is not None and terms.capacity_mw is not None:
            capacity += frac * terms.capacity_mw
        else:
            capacity = None
    problems += _shared_source_problems(ctx, params, fracs)
    if problems:
        raise ScenarioError(scenario_source(ctx.inputs.scenario), problems)
    if params.loop_temp_degc is not None:
        loop_temp = params.loop_temp_degc
    else:
        coolest = min(temps, key=lambda s: temps[s])
        loop_temp = temps[coolest]
        cooling = ctx.built[coolest].cooling
        why = f"the default for {cooling}-cooled source {coolest!r}; loop_temp_degc"
        problems = temperature_problems(params, loop_temp, f"{why} not set")
        if problems:
            raise ScenarioError(scenario_source(ctx.inputs.scenario), problems)
    return _Loop(captured, fracs, loop_temp, capacity)


def _shared_source_problems(
    ctx: BuildContext, params: HeatParams, fracs: dict[str, float]
) -> list[str]:
    """Sources whose heat several heat-recovery loops claim beyond 100 %."""
    out = []
    for sid, frac in fracs.items():
        total, others = frac, []
        for _, other in ctx.inputs.assets:
            if (
                not isinstance(other, HeatParams)
                or other.id == params.id
                or sid not in other.sources
            ):
                continue
            cooling = ctx.built[sid].cooling or ""
            f = other.capture_frac
            if f is None:
                f = CAPTURE_FRAC_BY_COOLING.get(cooling, 0.0)
            total += f
            others.append(other.id)
        if total > 1.0 + 1e-9:
            out.append(
                f"assets.{params.id}.sources: {sid!r} also feeds "
                f"{', '.join(others)}; together they would capture {total:.0%} of "
                "its heat (at most 100 %); lower capture_frac or list it once"
            )
    return out


def build(ctx: BuildContext, params: HeatParams) -> AssetTerms:
    """Declare deliveries, heat pump, store and loop balance; return the terms."""
    n, dt = ctx.n, ctx.dt_h
    who = f"heat recovery {params.id}"
    loop = _loop(ctx, params)
    pump, store = params.heat_pump, params.storage
    pump_cap = (
        None
        if pump is None
        else ctx.capacity(
            f"{params.id}.heat_pump_mwth", pump.output, doc=f"{who}: heat pump output"
        )
    )
    store_cap = (
        None
        if store is None
        else ctx.capacity(
            f"{params.id}.storage_mwhth", store.energy, doc=f"{who}: store content"
        )
    )

    # -- customers: direct delivery and heat-pump output, each ≤ demand
    served: dict[str, LinExpr] = {}
    pumped: dict[str, LinExpr] = {}
    direct_total = LinExpr.zeros(n)
    for c in params.customers:
        h_c = c.demand_mwth
        parts = []
        if c.supply_temp_degc <= loop.loop_temp_degc:
            d = ctx.var(
                f"{c.id}_direct_mwth",
                ub=h_c,
                doc=f"{who}: loop heat delivered directly to customer {c.id} "
                f"(≤ its demand) [MWth]",
            ).expr
            parts.append(d)
            direct_total = direct_total + d
        if pump is not None:
            h = ctx.var(
                f"{c.id}_heat_pump_mwth",
                ub=np.minimum(h_c, pump.max_output_mwth),
                doc=f"{who}: heat-pump output to customer {c.id} (≤ its demand and "
                f"heat_pump.max_output_mwth) [MWth]",
            ).expr
            parts.append(h)
            pumped[c.id] = h
        total = parts[0] if len(parts) == 1 else parts[0] + parts[1]
        if len(parts) == 2:
            ctx.constraint(
                f"{c.id}_demand_limit",
                total,
                "<=",
                h_c,
                doc=f"{who}: heat served to customer {c.id} (direct + heat pump) ≤ "
                f"its demand [MWth]",
            )
        served[c.id] = total

    # -- heat pump: output limit, electricity, loop heat it takes
    pump_out = LinExpr.zeros(n)
    for h in pumped.values():
        pump_out = pump_out + h
    pump_power = LinExpr.zeros(n)
    pump_source = LinExpr.zeros(n)
    if pump is not None:
        assert pump_cap is not None
        if pump_cap.is_variable:
            pump_cap.limit(
                ctx,
                "heat_pump_output_limit",
                pump_out,
                doc=f"{who}: total heat-pump output ≤ the pump's size [MWth]",
            )
        elif len(pumped) > 1:
            ctx.constraint(
                "heat_pump_output_limit",
                pump_out,
                "<=",
                pump.max_output_mwth,
                doc=f"{who}: total heat-pump output ≤ heat_pump.max_output_mwth "
                f"({pump.max_output_mwth:g}) [MWth]",
            )
        pump_power = pump_out * (1.0 / pump.cop)
        pump_source = pump_out * (1.0 - 1.0 / pump.cop)

    # -- thermal store on the loop
    charge = discharge = stored = LinExpr.zeros(n)
    start = LinExpr.zeros(1)
    if store is not None:
        assert store_cap is not None
        e = store.capacity_mwhth
        charge = ctx.var(
            "storage_charge_mwth",
            ub=store.power_mwth,
            doc=f"{who}: heat charged into the store (≤ storage.power_mwth) [MWth]",
        ).expr
        discharge = ctx.var(
            "storage_discharge_mwth",
            ub=store.power_mwth,
            doc=f"{who}: heat discharged from the store (≤ storage.power_mwth) [MWth]",
        ).expr
        stored = ctx.var(
            "storage_mwhth",
            ub=e,
            doc=f"{who}: heat stored at interval end (≤ storage.capacity_mwhth) "
            "[MWhth]",
        ).expr
        store_cap.limit(
            ctx, "storage_max", stored, doc=f"{who}: stored heat ≤ the store's size"
        )
        start = store_cap.rows(1, store.initial_frac)
        if store.start_mwhth is not None:
            start = LinExpr.constant([store.start_mwhth])
        if store.start_free:
            start = ctx.var(
                "storage_initial_mwhth",
                ub=e,
                doc=f"{who}: heat stored at the start, linked to an earlier block's "
                "end [MWhth]",
                scalar=True,
            ).expr
            store_cap.limit(
                ctx,
                "storage_initial_max",
                start,
                doc=f"{who}: heat stored at the start ≤ the store's size",
            )
        previous = LinExpr.stack(start, stored.take(np.arange(n - 1)))
        keep = 1.0 - store.loss_frac_per_h * dt
        ctx.constraint(
            "storage_balance",
            stored - previous * keep - (charge - discharge) * dt,
            "==",
            doc=f"{who}: stored heat = previous × (1 − loss_frac_per_h·Δt) + "
            "(charge − discharge)·Δt [MWhth]",
        )
        if not store.end_free:
            ctx.constraint(
                "storage_final",
                stored.take([n - 1]) - store_cap.rows(1, store.initial_frac),
                "==",
                doc=f"{who}: the store ends where it started (storage.initial_frac × "
                "capacity_mwhth), so heat it loses standing must be made up from "
                "captured heat [MWhth]",
            )

    # -- loop balance: what is taken from the loop ≤ what the sources give
    taken = direct_total + pump_source + charge - discharge
    ctx.constraint(
        "loop_heat_balance",
        taken - loop.captured_mwth,
        "<=",
        doc=f"{who}: heat taken from the loop (direct delivery + heat-pump source "
        "+ store charge − discharge) ≤ heat captured from its sources "
        f"({', '.join(params.sources)}) [MWth]",
    )
    dump = loop.captured_mwth - taken
    fan_power = dump * params.dump_fan_mw_per_mwth
    ctx.expression(
        "captured_mwth", loop.captured_mwth, doc=f"{who}: heat captured [MWth]"
    )
    ctx.expression("dump_mwth", dump, doc=f"{who}: captured heat rejected [MWth]")

    # -- value and avoided emissions
    served_total = LinExpr.zeros(n)
    revenue = LinExpr.zeros(n)
    fuel_saved = LinExpr.zeros(n)
    for c in params.customers:
        served_total = served_total + served[c.id]
        revenue = revenue + served[c.id] * (c.value_usd_per_mwhth * dt)
        fuel_saved = fuel_saved + served[c.id] * (c.fuel_mmbtu_per_mwhth * dt)
    avoided = fuel_saved * params.gas_co2_tco2_per_mmbtu
    net_load = pump_power + fan_power
    demand_total = np.sum([c.demand_mwth for c in params.customers], axis=0)

    outputs = [
        Quantity("captured_mwth", loop.captured_mwth),
        Quantity("demand_mwth", LinExpr.constant(demand_total)),
        Quantity("served_mwth", served_total),
        Quantity("loop_heat_used_mwth", direct_total + pump_source),
        Quantity("dump_mwth", dump),
        Quantity("fan_power_mw", fan_power),
    ]
    for c in params.customers:
        outputs += [
            Quantity(f"{c.id}_demand_mwth", LinExpr.constant(c.demand_mwth)),
            Quantity(f"{c.id}_served_mwth", served[c.id]),
        ]
    if pump is not None:
        outputs += [
            Quantity("heat_pump_output_mwth", pump_out),
            Quantity("heat_pump_power_mw", pump_power),
        ]
    if store is not None:
        outputs += [
            Quantity("storage_charge_mwth", charge),
            Quantity("storage_discharge_mwth", discharge),
            Quantity("storage_mwhth", stored),
        ]
    outputs += [
        Quantity("revenue_usd", revenue),
        Quantity("fuel_saved_mmbtu", fuel_saved),
        Quantity("avoided_tco2", avoided),
    ]

    def kpis(ev: Evaluation) -> dict[str, float]:
        v = ev.values
        step = ev.timestep_h

        def energy(name: str) -> float:
            return float(v[name] @ step) if name in v else 0.0

        captured_e = energy("captured_mwth")
        demand_e = energy("demand_mwth")
        served_e = energy("served_mwth")
        out = {
            "loop_temp_degc": loop.loop_temp_degc,
            "captured_mwhth": captured_e,
            "demand_mwhth": demand_e,
            "served_mwhth": served_e,
            "dumped_mwhth": energy("dump_mwth"),
            "demand_met_frac": served_e / demand_e if demand_e > 0 else float("nan"),
            "captured_reused_frac": energy("loop_heat_used_mwth") / captured_e
            if captured_e > 0
            else float("nan"),
            "heat_value_usd": float(v["revenue_usd"].sum()),
            "fuel_saved_mmbtu": float(v["fuel_saved_mmbtu"].sum()),
            "avoided_tco2": float(v["avoided_tco2"].sum()),
            "fan_energy_mwh": energy("fan_power_mw"),
            "heat_pump_output_mwhth": energy("heat_pump_output_mwth"),
            "heat_pump_energy_mwh": energy("heat_pump_power_mw"),
            "storage_losses_mwhth": energy("storage_charge_mwth")
            - energy("storage_discharge_mwth"),
        }
        for sid, frac in loop.capture_frac.items():
            out[f"{sid}_capture_frac"] = frac
        for c in params.customers:
            d_e = energy(f"{c.id}_demand_mwth")
            s_e = energy(f"{c.id}_served_mwth")
            out[f"{c.id}_served_mwhth"] = s_e
            out[f"{c.id}_demand_met_frac"] = s_e / d_e if d_e > 0 else float("nan")
            out[f"{c.id}_value_usd"] = s_e * c.value_usd_per_mwhth
        return out

    capacity = None
    if loop.capacity_mwth is not None:
        capacity = params.dump_fan_mw_per_mwth * loop.capacity_mwth
        if pump is not None:
            capacity += pump.max_output_mwth / pump.cop
    return AssetTerms(
        net_load_mw=net_load,
        cost_usd=LinExpr.zeros(n),
        revenue_usd=revenue,
        outputs=tuple(outputs),
        kpis=kpis,
        capacity_mw=capacity,
        emissions_tco2=-avoided,
        # for studies that chain blocks: the store's start (one row) and content
        extra={"storage_initial_mwhth": start, "storage_mwhth": stored},
    )


# ---- rolling operation: state carried between windows ------------------------------
@dataclass(frozen=True)
class HeatState:
    """Heat in the store at the end of the committed part of a window [MWhth]."""

    storage_mwhth: float


def final_state(
    params: HeatParams, previous: HeatState | None, values: Mapping[str, FloatArray]
) -> HeatState | None:
    """The store's content after the committed intervals (None without a store)."""
    if params.storage is None:
        return None
    return HeatState(float(values["storage_mwhth"][-1]))


def resume(
    params: HeatParams, state: HeatState | None, *, window_h: float, left_h: float
) -> HeatParams:
    """Start the window's store with the heat the previous window left in it."""
    if state is None or params.storage is None:
        return params
    store = replace(params.storage, start_mwhth=state.storage_mwhth)
    return replace(params, storage=store)


def open_end(params: HeatParams) -> HeatParams:
    """For a window that ends before the horizon: the store may end anywhere."""
    if params.storage is None:
        return params
    return replace(params, storage=replace(params.storage, end_free=True))


def end_value(
    params: HeatParams, terms: AssetTerms, price_usd_per_mwh: FloatArray
) -> LinExpr | None:
    """Value of the heat stored at a window's end [USD] (one row).

    A stored MWhth later replaces a MWhth a customer would otherwise get from its
    boiler: it is worth the lowest customer value per MWhth, less one day of
    standing losses.
    """
    store = params.storage
    if store is None or not params.customers:
        return None
    stored = next(q.expr for q in terms.outputs if q.name == "storage_mwhth")
    value = min(c.value_usd_per_mwhth for c in params.customers)
    keep = max(0.0, 1.0 - store.loss_frac_per_h * 24.0)
    return stored.take([stored.n - 1]) * (value * keep)
