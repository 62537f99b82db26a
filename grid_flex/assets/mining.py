"""ASIC fleet: power drawn per interval, hashrate earned at the hashprice.

Formulation (one fleet, intervals t, curve segments k)::

    0 ≤ x[k,t] ≤ ΔP_k                       segment power            [MW]
    0 ≤ x[k,t] ≤ ΔP_k · d[t]                derated in hot intervals [MW]
    P[t]  = Σ_k x[k,t]                      miner power              [MW]
    aux[t] = (PUE − 1) · P[t]               cooling and auxiliaries  [MW]
    L[t]  = PUE · P[t]                      fleet net load on the bus [MW]
    H[t]  = Σ_k r_k · x[k,t]                hashrate                 [TH/s]
    rev[t] = H[t] · HP[t] · (1 − f_pool) · Δt[t] / 24                [USD]
    cost[t] = c_opex · P[t] · Δt[t]                                  [USD]

with ``ΔP_k = (p_k − p_{k−1}) · P_nom · a`` and
``r_k = (h_k − h_{k−1}) / (p_k − p_{k−1}) · H_nom / P_nom`` from the concave curve
points ``(p_k, h_k)`` relative to nameplate, ``a`` the availability. Concavity
(``r_1 ≥ r_2 ≥ …``) makes the cheapest segments fill first, so no binaries are needed.

Every real site draws power besides its miners (fans, pumps, evaporative cooling,
transformers, lighting): ``PUE`` (default by cooling, :data:`DEFAULT_PUE`) scales
the miners' power to the site's. With an ambient temperature series ``θ[t]`` the
available power derates linearly above ``θ_d`` (S21: ~40 °C) to zero at the
shutdown temperature ``θ_s`` (47 °C), domain.md §1.3::

    d[t] = clip((θ_s − θ[t]) / (θ_s − θ_d), 0, 1)

(the linear path between the two documented points is an assumption).
The fleet's capacity enters only through ``ΔP_k = share_k · P_nom`` (one place): with
a ``size`` block ``P_nom`` is a column of the LP (:mod:`grid_flex.model.capacity`) and
the bound becomes the row ``x[k,t] ≤ share_k · P_nom``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from grid_flex.conventions import HOURS_PER_DAY, mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError
from grid_flex.model.capacity import CapacitySpec
from grid_flex.model.linear import FloatArray
from grid_flex.model.terms import (
    AssetTerms,
    BuildContext,
    Evaluation,
    Quantity,
    ResolveContext,
)
from grid_flex.nodata.mining import curve_points, size_costs
from grid_flex.schema.assets import AsicFleetEntry
from grid_flex.schema.catalog import AsicSpec

#: Facility PUE by cooling type: air 1.2 (the lean end of 1.2–1.5), single-phase
#: immersion 1.05 (within 1.03–1.10), d-central.tech "immersion vs air cooling" via
#: domain.md §4.1; hydro (water-cooled plates) taken as immersion [assumed].
DEFAULT_PUE: dict[str, float] = {"air": 1.2, "immersion": 1.05, "hydro": 1.05}


def fleet_pue(given: float | str | None, cooling: str) -> float:
    """The fleet's PUE: as given, else the default of its cooling [-].

    Not given (None) and ``"cooling"`` both take :data:`DEFAULT_PUE` of the fleet's
    cooling: every real site draws power besides its miners. ``pue: 1.0`` models
    miners alone.
    """
    if given is None or given == "cooling":
        return DEFAULT_PUE[cooling]
    return float(given)


def derate_frac(
    temperature_c: FloatArray, derate_above_c: float, shutdown_above_c: float
) -> FloatArray:
    """Share of available power usable at each ambient temperature [-]."""
    span = shutdown_above_c - derate_above_c
    return np.clip((shutdown_above_c - temperature_c) / span, 0.0, 1.0)


@dataclass(frozen=True)
class FleetParams:
    """Resolved parameters of one ASIC fleet."""

    id: str
    model_ref: str
    unit_power_w: float
    unit_hashrate_ths: float
    power: CapacitySpec  # nameplate fleet power [MW]
    availability_frac: float
    pool_fee_frac: float
    opex_usd_per_mwh: float
    curve: tuple[tuple[float, float], ...]
    cooling: str = "air"
    pue: float = 1.0
    #: Share of available power usable per interval (temperature derate) [-].
    derate_frac: FloatArray | None = None

    @property
    def nameplate_power_mw(self) -> float:
        """Nameplate power (the largest size of a sized fleet) [MW]."""
        return self.power.upper

    @property
    def unit_count(self) -> float:
        """Number of miners at nameplate power [units]."""
        return self.nameplate_power_mw * 1e6 / self.unit_power_w

    @property
    def nameplate_hashrate_ths(self) -> float:
        """Hashrate at nameplate power [TH/s]."""
        return self.unit_count * self.unit_hashrate_ths

    @property
    def efficiency_j_per_th(self) -> float:
        """Nameplate efficiency [J/TH]."""
        return self.unit_power_w / self.unit_hashrate_ths

    @property
    def segment_share(self) -> FloatArray:
        """Available power of each curve segment per MW of nameplate [-]."""
        p = np.array([0.0] + [c[0] for c in self.curve])
        return np.diff(p) * self.availability_frac

    @property
    def segment_width_mw(self) -> FloatArray:
        """Available power of each curve segment [MW]."""
        return self.segment_share * self.nameplate_power_mw

    @property
    def segment_ths_per_mw(self) -> FloatArray:
        """Hashrate per MW on each segment [TH/s per MW]."""
        p = np.array([0.0] + [c[0] for c in self.curve])
        h = np.array([0.0] + [c[1] for c in self.curve])
        scale = self.unit_hashrate_ths * 1e6 / self.unit_power_w
        return np.diff(h) / np.diff(p) * scale

    @property
    def max_power_mw(self) -> float:
        """Most power the available units can draw [MW]."""
        return float(self.segment_width_mw.sum())

    @property
    def max_hashrate_ths(self) -> float:
        """Hashrate at that power [TH/s]."""
        return float(self.segment_width_mw @ self.segment_ths_per_mw)


def resolve(entry: AsicFleetEntry, rctx: ResolveContext) -> FleetParams:
    """Scenario entry + catalogue model → :class:`FleetParams`."""
    spec = rctx.catalog.get_asic(entry.model)
    if entry.size is not None:
        power = fleet_size(entry, spec)
    elif entry.count is not None:
        power = CapacitySpec.of(entry.count * spec.power_w / 1e6, "mw")
    else:
        assert entry.power_mw is not None
        power = CapacitySpec.of(entry.power_mw, "mw")
    points = curve_points(entry, spec)
    cooling = entry.cooling or spec.cooling
    derate = None
    if entry.ambient_temperature is not None:
        temp = rctx.load(
            entry.ambient_temperature,
            f"assets.{entry.id}.ambient_temperature",
            ("temperature_",),
        )
        derate = derate_frac(temp, entry.derate_above_c, entry.shutdown_above_c)
    return FleetParams(
        id=entry.id,
        model_ref=entry.model,
        unit_power_w=spec.power_w,
        unit_hashrate_ths=spec.hashrate_ths,
        power=power,
        availability_frac=entry.availability_frac,
        pool_fee_frac=entry.pool_fee_frac,
        opex_usd_per_mwh=entry.opex_usd_per_mwh,
        curve=tuple(points),
        cooling=cooling,
        pue=fleet_pue(entry.pue, cooling),
        derate_frac=derate,
    )


def fleet_size(entry: AsicFleetEntry, spec: AsicSpec) -> CapacitySpec:
    """The fleet's nameplate power as a decision, costs from size or catalogue [MW]."""
    size = entry.size
    assert size is not None
    unit_mw = spec.power_w / 1e6

    def mw(name: str) -> float | None:
        v_mw: float | None = getattr(size, f"{name}_mw")
        v_count: float | None = getattr(size, f"{name}_count")
        return v_mw if v_count is None else v_count * unit_mw

    miners, life = size_costs(entry, spec)
    price = spec.price
    fom = size.fixed_om_usd_per_mw_yr
    if fom is None:
        fom = price.fixed_om_usd_per_mw_yr if price is not None else 0.0
    hi = mw("max")
    # build-out with a life of its own is a second cost part; else bought with them
    apart = size.infrastructure_life_yr is not None
    return CapacitySpec(
        unit="mw",
        min=mw("min") or 0.0,
        max=np.inf if hi is None else hi,
        existing=mw("existing") or 0.0,
        capex_usd_per_unit=miners + (0.0 if apart else size.infrastructure_usd_per_mw),
        life_yr=life,
        fixed_om_usd_per_unit_yr=fom,
        purchase_size=unit_mw,
        build_out_usd_per_unit=size.infrastructure_usd_per_mw if apart else 0.0,
        build_out_life_yr=size.infrastructure_life_yr or life,
    )


def bid_curve(
    params: FleetParams, hashprice_usd_per_ths_day: float
) -> list[dict[str, float]]:
    """Price-responsive bid: MW the fleet draws at or below each price step.

    One step per curve segment, most efficient first: the fleet draws the cumulative
    site power (miners × PUE) of every segment whose value of hashing per site MWh
    (net of pool fee and opex, divided by PUE) is above the price [USD/MWh → MW].
    Uses one hashprice (the horizon mean in the KPIs).
    """
    widths = params.segment_width_mw
    steps = []
    cumulative = 0.0
    for width, rate in zip(widths, params.segment_ths_per_mw, strict=True):
        cumulative += float(width) * params.pue
        price = (
            mining_value_usd_per_mwh(
                hashprice_usd_per_ths_day, 1e6 / rate, params.pool_fee_frac
            )
            - params.opex_usd_per_mwh
        ) / params.pue
        steps.append({"price_usd_per_mwh": float(price), "power_mw": cumulative})
    return steps


def build(ctx: BuildContext, params: FleetParams) -> AssetTerms:
    """Declare the fleet's segment powers and return its terms."""
    inputs, n = ctx.inputs, ctx.n
    if inputs.hashprice_usd_per_ths_day is None:
        raise ScenarioError("hashprice", ["required by ASIC fleets"])
    shares = params.segment_share
    rates = params.segment_ths_per_mw
    k = len(shares)
    pue = params.pue
    derate = np.ones(n) if params.derate_frac is None else params.derate_frac
    row_share = np.repeat(shares, n) * np.tile(derate, k)  # ΔP_k · d[t] per MW
    blk = ctx.block
    cap = ctx.capacity(
        f"{params.id}.power_mw",
        params.power,
        doc=f"fleet {params.id}: nameplate power (size)",
    )
    ctx.layer.index_set(blk, "K", range(k), doc="hashrate curve segments")
    seg = ctx.layer.add_var(
        blk,
        "segment_power_mw",
        blk.K * ctx.T,
        lb=0.0,
        ub=cap.ub(row_share),
        doc=f"fleet {params.id}: power on each hashrate-curve segment "
        "(≤ segment share × availability × temperature derate × nameplate) [MW]",
    )
    cap.limit(
        ctx,
        "segment_capacity",
        seg.expr,
        share=row_share,
        doc=f"fleet {params.id}: segment power ≤ segment share × derate × "
        "nameplate [MW]",
    )
    parts = [seg.expr.take(np.arange(i * n, (i + 1) * n)) for i in range(k)]
    power = parts[0]
    hashrate = parts[0] * rates[0]
    for i in range(1, k):
        power = power + parts[i]
        hashrate = hashrate + parts[i] * rates[i]
    ctx.layer.add_expression(
        blk, "power_mw", ctx.T, power, doc=f"fleet {params.id}: miners' power [MW]"
    )
    site_power = power * pue
    aux = power * (pue - 1.0)
    dt = ctx.dt_h
    usd_per_ths = (
        inputs.hashprice_usd_per_ths_day * (1.0 - params.pool_fee_frac) * dt
    ) / HOURS_PER_DAY
    revenue = hashrate * usd_per_ths
    cost = power * (params.opex_usd_per_mwh * dt)
    hp = inputs.hashprice_usd_per_ths_day

    def kpis(ev: Evaluation) -> dict[str, Any]:
        values = ev.values
        p = values["power_mw"]
        h = values["hashrate_ths"]
        nameplate = ev.capacity(cap)
        top = float(params.segment_share.sum())  # curve end × availability
        p_max = nameplate * top
        h_max = float((params.segment_share * nameplate) @ rates)
        if p_max <= 0.0:
            return {"nameplate_power_mw": nameplate, "available_power_mw": 0.0}
        energy = float(p @ dt)
        hours = float(dt.sum())
        derated = {
            "pue": pue,
            "auxiliary_mwh": energy * (pue - 1.0),
            "site_energy_mwh": energy * pue,
        }
        if params.derate_frac is not None:
            lost = (1.0 - derate) * p_max
            derated["derated_mwh"] = float(lost @ dt)
            derated["hours_derated_h"] = float(dt[derate < 1.0 - 1e-9].sum())
        hp_mean = float(hp @ dt / hours)
        v_full = hp_mean * (1 - params.pool_fee_frac) * h_max
        p_avail = p_max * derate  # what the miners could draw in each interval
        curtailed = p < p_avail * (1 - 1e-6)
        curtailed_mwh = float((p_avail - p) @ dt)
        return {
            "nameplate_power_mw": nameplate,
            "unit_count": nameplate * 1e6 / params.unit_power_w,
            "available_power_mw": p_max,
            "energy_mwh": energy,
            **derated,
            "mining_revenue_usd": float(values["revenue_usd"].sum()),
            "opex_usd": float(values["cost_usd"].sum()),
            "curtailed_mwh": curtailed_mwh,
            "curtailed_full_load_h": curtailed_mwh / p_max,
            "hours_curtailed_h": float(dt[curtailed].sum()),
            "hours_fully_off_h": float(dt[p <= 1e-6 * p_max].sum()),
            "curtailed_share_of_hours_frac": float(dt[curtailed].sum() / hours),
            # Duke "Rethinking Load Growth": curtailment as a share of max-uptime
            # energy (0.25 %, 0.5 %, 1 % define the curtailment-enabled headroom).
            "curtailment_rate_frac": curtailed_mwh / (p_max * hours),
            "hashrate_weighted_uptime_frac": float((h @ dt) / (h_max * hours)),
            "mean_hashrate_ths": float(h @ dt / hours),
            "mean_hashprice_usd_per_ths_day": hp_mean,
            # per MWh drawn by the site (miners × PUE)
            "breakeven_full_load_usd_per_mwh": (
                v_full / (HOURS_PER_DAY * p_max) - params.opex_usd_per_mwh
            )
            / pue,
            "breakeven_marginal_usd_per_mwh": (
                mining_value_usd_per_mwh(hp_mean, 1e6 / rates[-1], params.pool_fee_frac)
                - params.opex_usd_per_mwh
            )
            / pue,
            "bid_curve": bid_curve(_at(params, nameplate), hp_mean),
        }

    outputs = [Quantity("power_mw", power)]
    if pue != 1.0:
        outputs.append(Quantity("auxiliary_mw", aux))
    return AssetTerms(
        net_load_mw=site_power,
        cost_usd=cost,
        revenue_usd=revenue,
        outputs=(
            *outputs,
            Quantity("hashrate_ths", hashrate),
            Quantity("revenue_usd", revenue),
            Quantity("cost_usd", cost),
        ),
        kpis=kpis,
        capacity_mw=params.max_power_mw * pue,
        capacity_expr_mw=cap.expr * (float(shares.sum()) * pue),
        heat_mwth=power,  # every MWh an ASIC draws leaves it as heat (aux: not)
        cooling=params.cooling,
        flex_down_mw=site_power,
        flex_up_mw=cap.rows(n, float(shares.sum()) * pue * derate) - site_power,
        extra={"max_hashrate_ths": _max_hashrate_ths(params, derate)},
    )


def _max_hashrate_ths(params: FleetParams, derate: FloatArray) -> FloatArray:
    """Most hashrate per interval: nameplate (largest size) × availability × derate.

    For pre-solve checks (a hashrate forward's volume) [TH/s]; ``inf`` for a sized
    fleet without a largest size.
    """
    top = params.power.upper
    if not np.isfinite(top):
        return np.full(len(derate), np.inf)
    per_mw = float(params.segment_share @ params.segment_ths_per_mw)
    return np.asarray(per_mw * top * derate, dtype=float)


def _at(params: FleetParams, nameplate_mw: float) -> FleetParams:
    """The same fleet at a solved nameplate power."""
    return replace(params, power=CapacitySpec.of(nameplate_mw, "mw"))
