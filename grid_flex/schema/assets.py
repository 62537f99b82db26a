"""Scenario entries for each asset kind (one class per kind, discriminated by type)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from grid_flex.schema.base import (
    Fraction,
    NonNegativeFloat,
    PositiveFloat,
    SnakeId,
    StrictModel,
)
from grid_flex.schema.catalog import Cooling, CurvePoint
from grid_flex.schema.series import SeriesSpec
from grid_flex.schema.sizing import (
    BatterySize,
    FleetSize,
    GpuClusterSize,
    HeatPumpSize,
    StoreSize,
)


class AsicFleetEntry(StrictModel):
    """A fleet of identical ASIC miners.

    Size it by unit ``count`` or by nameplate ``power_mw`` (not both), or let the LP
    choose its size with a ``size`` block (then neither).
    """

    type: Literal["asic_fleet"]
    id: SnakeId
    model: str = Field(description="Catalogue reference, e.g. asic/antminer_s21")
    count: int | None = Field(default=None, gt=0, description="Number of units [count]")
    power_mw: PositiveFloat | None = Field(
        default=None, description="Nameplate fleet power [MW]"
    )
    availability_frac: Fraction = Field(
        default=0.97, description="Share of units available (uptime) [-]"
    )
    pool_fee_frac: Fraction = Field(default=0.02, description="Pool fee [-]")
    opex_usd_per_mwh: NonNegativeFloat = Field(
        default=0.0, description="Variable operating cost per MWh consumed [USD/MWh]"
    )
    cooling: Cooling | None = Field(
        default=None,
        description="How the fleet is cooled (sets heat capture); default: catalogue",
    )
    hashrate_curve: Literal["catalog", "linear"] | list[CurvePoint] = Field(
        default="catalog",
        description=(
            "Hashrate(power) curve relative to nameplate: 'catalog' (the model's "
            "measured curve if it has one, else linear), 'linear' (on/off at stock "
            "efficiency), or concave points from the origin"
        ),
    )
    pue: Annotated[float, Field(ge=1.0, le=3.0)] | Literal["cooling"] | None = Field(
        default=None,
        description=(
            "Site power per MW of miner power [-]: cooling and auxiliaries drawn in "
            "proportion to hashing power. 'cooling' takes the default of the "
            "fleet's cooling (air 1.2, immersion and hydro 1.05; domain.md §4.1); "
            "not given: the cooling default too, stated in the summary's "
            "assumptions; 1.0 models the miners alone"
        ),
    )
    ambient_temperature: SeriesSpec | None = Field(
        default=None,
        description=(
            "Ambient temperature series (unit degc); with it the fleet's available "
            "power derates linearly from derate_above_c to zero at shutdown_above_c"
        ),
    )
    derate_above_c: float = Field(
        default=40.0,
        ge=-50.0,
        le=100.0,
        description="Ambient temperature where derating starts (S21: ~40) [°C]",
    )
    shutdown_above_c: float = Field(
        default=47.0,
        ge=-50.0,
        le=100.0,
        description="Ambient temperature where the miners shut down (S21: 47) [°C]",
    )

    size: FleetSize | None = Field(
        default=None, description="Let the LP choose the fleet's nameplate power"
    )

    @model_validator(mode="after")
    def _one_size(self) -> AsicFleetEntry:
        given = (self.count is not None) + (self.power_mw is not None)
        if self.size is not None:
            if given:
                raise ValueError(
                    "with a size block give no count or power_mw "
                    "(the installed part is size.existing_mw)"
                )
        elif given != 1:
            raise ValueError("give exactly one of count, power_mw or size")
        if self.shutdown_above_c <= self.derate_above_c:
            raise ValueError(
                f"shutdown_above_c ({self.shutdown_above_c}) must be above "
                f"derate_above_c ({self.derate_above_c})"
            )
        return self


class BatteryEntry(StrictModel):
    """A battery: a catalogue unit times ``count``, or an explicit size.

    Any performance field left empty takes the catalogue value.
    """

    type: Literal["battery"]
    id: SnakeId
    model: str = Field(
        description="Catalogue reference, e.g. battery/generic_lfp_4h_1mw"
    )
    count: int | None = Field(default=None, gt=0, description="Number of units [count]")
    energy_mwh: PositiveFloat | None = Field(
        default=None, description="Rated energy, overrides count × unit [MWh]"
    )
    power_mw: PositiveFloat | None = Field(
        default=None, description="Charge/discharge limit, overrides count × unit [MW]"
    )
    round_trip_eff_frac: Fraction | None = None
    charge_eff_frac: Fraction | None = Field(
        default=None,
        description="Charging efficiency; with discharge_eff_frac, replaces the "
        "√round_trip_eff_frac split (DER-VET: charge = RTE, discharge = 1) [-]",
    )
    discharge_eff_frac: Fraction | None = Field(
        default=None, description="Discharging efficiency (with charge_eff_frac) [-]"
    )
    soc_min_frac: Fraction | None = None
    soc_max_frac: Fraction | None = None
    self_discharge_frac_per_h: Fraction | None = None
    degradation_usd_per_mwh: NonNegativeFloat | None = None
    initial_soc_frac: Fraction | None = Field(
        default=0.5,
        description="State of charge at the start, share of rated energy; "
        "null lets the optimiser choose it",
    )
    final_soc: Literal["cyclic", "free"] | Fraction = Field(
        default="cyclic",
        description=(
            "End state: 'cyclic' (end = start), 'free', or a minimum share of rated "
            "energy at the end"
        ),
    )

    size: BatterySize | None = Field(
        default=None, description="Let the LP choose energy and power"
    )

    @model_validator(mode="after")
    def _size(self) -> BatteryEntry:
        split = (self.charge_eff_frac, self.discharge_eff_frac)
        if (split[0] is None) != (split[1] is None):
            raise ValueError(
                "give both charge_eff_frac and discharge_eff_frac, or none"
            )
        if split[0] is not None and self.round_trip_eff_frac is not None:
            raise ValueError(
                "give round_trip_eff_frac or charge_eff_frac + discharge_eff_frac, "
                "not both"
            )
        if 0.0 in split:
            raise ValueError("charge_eff_frac and discharge_eff_frac must be above 0")
        if self.size is not None:
            if self.count is not None or self.energy_mwh or self.power_mw:
                raise ValueError(
                    "with a size block give no count, energy_mwh or power_mw "
                    "(the installed part is size.existing_mwh / existing_mw)"
                )
        elif self.count is None and (self.energy_mwh is None or self.power_mw is None):
            raise ValueError("give count, or both energy_mwh and power_mw, or size")
        return self


class TrainingJob(StrictModel):
    """A training job: work to deliver between a release time and a deadline.

    Work is given in GPU-hours or in MWh of IT energy (at the GPUs, before PUE). The
    LP has no on/off decisions: ``min_power_frac`` is a floor in every interval of the
    job's window, ``max_power_frac`` a ceiling, both as shares of the cluster's IT
    power. Work not delivered by the deadline is reported and penalised, so an
    impossible job is undelivered work, not an infeasible model.

    ``release`` and ``deadline`` without a UTC offset are local times in the
    horizon's ``timezone`` (as ``horizon.start``); with an offset they are exact. An
    interval the window covers only in part offers that share of its length. A window
    that reaches outside the horizon is clipped to it and the whole ``work`` must be
    done in the part inside; a window entirely outside the horizon is an error.
    """

    id: SnakeId
    release: dt.datetime = Field(description="Earliest start (local if naive)")
    deadline: dt.datetime = Field(description="Work must be done by then")
    work_gpu_h: PositiveFloat | None = Field(default=None, description="[GPU-h]")
    work_mwh: PositiveFloat | None = Field(
        default=None, description="IT energy the job needs [MWh]"
    )
    min_power_frac: Fraction = Field(
        default=0.0, description="Floor on the job's share of the cluster [-]"
    )
    max_power_frac: Fraction = Field(
        default=1.0, description="Ceiling on the job's share of the cluster [-]"
    )
    revenue_usd_per_gpu_h: NonNegativeFloat | None = Field(
        default=None, description="Paid per GPU-hour delivered [USD/GPU-h]"
    )
    contract_value_usd: NonNegativeFloat | None = Field(
        default=None, description="Fixed value, paid pro rata to work delivered [USD]"
    )
    penalty_usd_per_gpu_h: NonNegativeFloat = Field(
        default=0.0, description="Penalty per GPU-hour not delivered [USD/GPU-h]"
    )

    @model_validator(mode="after")
    def _checks(self) -> TrainingJob:
        if (self.work_gpu_h is None) == (self.work_mwh is None):
            raise ValueError("give exactly one of work_gpu_h or work_mwh")
        if (
            self.revenue_usd_per_gpu_h is not None
            and self.contract_value_usd is not None
        ):
            raise ValueError(
                "give revenue_usd_per_gpu_h or contract_value_usd, not both"
            )
        return self

    @field_validator("deadline")
    @classmethod
    def _after_release(cls, value: dt.datetime, info: ValidationInfo) -> dt.datetime:
        release = info.data.get("release")
        if release is None:
            return value
        if (release.tzinfo is None) != (value.tzinfo is None):
            raise ValueError(
                "release and deadline must both carry a UTC offset or neither"
            )
        if value <= release:
            raise ValueError(f"deadline {value} must be after release {release}")
        return value

    @field_validator("max_power_frac")
    @classmethod
    def _above_min(cls, value: float, info: ValidationInfo) -> float:
        low = info.data.get("min_power_frac")
        if low is not None and low > value:
            raise ValueError(
                f"max_power_frac {value} must not be below min_power_frac {low}"
            )
        return value


class InferenceLoad(StrictModel):
    """A must-serve inference or hosting load with bounded flexibility.

    The load may drop by up to ``flex_frac`` for at most ``max_event_h`` hours in a row
    and for at most ``max_events_per_month`` such events per calendar month (in the
    LP: a rolling-window and a monthly energy limit on the reduction).
    """

    load_frac: Fraction = Field(
        description="Share of the cluster's IT power served [-]"
    )
    revenue_usd_per_gpu_h: NonNegativeFloat = Field(
        default=0.0, description="Paid per GPU-hour served [USD/GPU-h]"
    )
    flex_frac: Fraction = Field(
        default=0.25, description="Largest reduction, share of the load [-]"
    )
    max_event_h: PositiveFloat = Field(default=3.0, description="Longest reduction [h]")
    max_events_per_month: NonNegativeFloat = Field(
        default=4.0, description="Reduction events allowed per month [count]"
    )


class GpuClusterEntry(StrictModel):
    """A GPU cluster: catalogue nodes × count (or IT power), with facility overhead."""

    type: Literal["gpu_cluster"]
    id: SnakeId
    model: str = Field(description="Catalogue reference, e.g. compute/nvidia_hgx_h100")
    count: int | None = Field(default=None, gt=0, description="Number of nodes")
    it_power_mw: PositiveFloat | None = Field(
        default=None, description="IT power at full load, excluding PUE [MW]"
    )
    pue: float = Field(default=1.2, ge=1.0, le=3.0, description="Facility/IT power [-]")
    availability_frac: Fraction = Field(default=1.0, description="Nodes available [-]")
    idle_power_frac: Fraction = Field(
        default=0.0, description="Share of node power drawn when idle [-]"
    )
    spot_usd_per_gpu_h: NonNegativeFloat | None = Field(
        default=None, description="Spare GPU-hours sold at this rate [USD/GPU-h]"
    )
    training_jobs: list[TrainingJob] = Field(default_factory=list)
    inference: InferenceLoad | None = None
    cooling: Cooling | None = Field(default=None, description="Default: catalogue")
    size: GpuClusterSize | None = Field(
        default=None, description="Let the LP choose the number of nodes"
    )

    @model_validator(mode="after")
    def _size(self) -> GpuClusterEntry:
        given = (self.count is not None) + (self.it_power_mw is not None)
        if self.size is not None:
            if given:
                raise ValueError(
                    "with a size block give no count or it_power_mw "
                    "(the installed part is size.existing_nodes)"
                )
        elif given != 1:
            raise ValueError("give exactly one of count, it_power_mw or size")
        ids = [j.id for j in self.training_jobs]
        if len(set(ids)) != len(ids):
            raise ValueError("training job ids must be unique")
        return self


class HeatCustomer(StrictModel):
    """A heat customer: a demand series served up to its value."""

    id: SnakeId
    demand: SeriesSpec = Field(
        description="Heat demand: boiler fuel (DOE, mmbtu_per_h_fuel) or heat (mwth)"
    )
    demand_scale: PositiveFloat = Field(
        default=1.0, description="Multiplier on the demand series (e.g. buildings) [-]"
    )
    boiler_eff_frac: Fraction = Field(
        default=0.8, description="Efficiency of the boiler the heat displaces [-]"
    )
    supply_temp_degc: float = Field(
        default=60.0, description="Temperature the customer needs [°C]"
    )
    value: Literal["avoided_fuel", "sale"] = Field(
        default="avoided_fuel",
        description="Value heat at the boiler fuel it saves, or at a sale price",
    )
    gas_price_usd_per_mmbtu: NonNegativeFloat = Field(
        default=3.0, description="Fuel price for avoided_fuel [USD/MMBtu]"
    )
    sale_price_usd_per_mwhth: NonNegativeFloat | None = Field(
        default=None, description="Heat sale price for value: sale [USD/MWhth]"
    )

    @model_validator(mode="after")
    def _price(self) -> HeatCustomer:
        if self.value == "sale" and self.sale_price_usd_per_mwhth is None:
            raise ValueError("value: sale needs sale_price_usd_per_mwhth")
        if self.value == "avoided_fuel" and self.sale_price_usd_per_mwhth is not None:
            raise ValueError(
                "sale_price_usd_per_mwhth is only used with value: sale (heat is "
                "valued at the avoided boiler fuel otherwise); set value: sale or "
                "remove the price"
            )
        return self


class HeatPump(StrictModel):
    """Lifts loop heat to the customers' temperature, drawing electricity.

    Give ``max_output_mwth``, or a ``size`` block to let the LP choose it.
    """

    cop: float = Field(default=4.0, gt=1.0, description="Heat out / electricity in [-]")
    max_output_mwth: PositiveFloat | None = Field(
        default=None, description="Largest heat output [MWth]"
    )
    size: HeatPumpSize | None = Field(
        default=None, description="Let the LP choose the largest heat output"
    )

    @model_validator(mode="after")
    def _one_size(self) -> HeatPump:
        if (self.max_output_mwth is None) == (self.size is None):
            raise ValueError("give exactly one of max_output_mwth or size")
        return self


class ThermalStorage(StrictModel):
    """A hot-water store on the delivery side.

    Give ``capacity_mwhth``, or a ``size`` block to let the LP choose it (the
    charge/discharge limit ``power_mwth`` stays given).
    """

    capacity_mwhth: PositiveFloat | None = None
    size: StoreSize | None = Field(
        default=None, description="Let the LP choose the heat it holds"
    )
    power_mwth: PositiveFloat
    loss_frac_per_h: Fraction = Field(default=0.005, description="Standing loss [1/h]")
    initial_frac: Fraction = 0.5

    @model_validator(mode="after")
    def _one_size(self) -> ThermalStorage:
        if (self.capacity_mwhth is None) == (self.size is None):
            raise ValueError("give exactly one of capacity_mwhth or size")
        return self


class HeatRecoveryEntry(StrictModel):
    """Captures heat from compute assets and serves heat customers."""

    type: Literal["heat_recovery"]
    id: SnakeId
    sources: list[SnakeId] = Field(min_length=1, description="Asset ids giving heat")
    capture_frac: Fraction | None = Field(
        default=None,
        description="Share of source heat captured; default by cooling "
        "(air 0.5, immersion 0.95, hydro 0.95)",
    )
    loop_temp_degc: float | None = Field(
        default=None,
        description="Loop temperature; default by cooling (air 45, liquid 60) [°C]",
    )
    customers: list[HeatCustomer] = Field(min_length=1)
    heat_pump: HeatPump | None = None
    storage: ThermalStorage | None = None
    dump_fan_mw_per_mwth: NonNegativeFloat = Field(
        default=0.0, description="Fan power to reject unused heat [MW per MWth]"
    )
    gas_co2_tco2_per_mmbtu: NonNegativeFloat = Field(
        default=0.05306, description="Boiler fuel emission factor [tCO2/MMBtu]"
    )


AssetEntry = Annotated[
    AsicFleetEntry | BatteryEntry | GpuClusterEntry | HeatRecoveryEntry,
    Field(discriminator="type"),
]
