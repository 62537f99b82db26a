"""Equipment catalogue entries: ASIC models, battery systems, GPU nodes.

Catalogue files live in ``models/<kind>/<id>.yaml``; scenarios refer to them as
``<kind>/<id>`` (for example ``asic/antminer_s21``). Every entry names its source and
the date it was retrieved.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from grid_flex.schema.base import (
    Fraction,
    NonNegativeFloat,
    PositiveFloat,
    SnakeId,
    StrictModel,
)

Cooling = Literal["air", "immersion", "hydro"]


class Provenance(StrictModel):
    """Where a catalogue value comes from."""

    source: str = Field(
        description="URL, repository path or document the values come from"
    )
    retrieved: dt.date = Field(description="Date the source was read")
    note: str | None = Field(default=None, description="Caveats, e.g. '[unverified]'")


class Price(StrictModel):
    """What an item costs, dated and sourced (finance.md §2)."""

    as_of: dt.date = Field(description="Date the price applies to")
    source: str = Field(description="Where the price comes from")
    life_yr: PositiveFloat = Field(description="Useful (economic) life [yr]")
    note: str | None = Field(default=None, description="Caveats, e.g. '[unverified]'")


class AsicPrice(Price):
    """Price of one ASIC model: per TH/s or per unit (exactly one)."""

    usd_per_th: NonNegativeFloat | None = Field(
        default=None, description="[USD per TH/s]"
    )
    usd_per_unit: NonNegativeFloat | None = Field(default=None, description="[USD]")
    fixed_om_usd_per_mw_yr: NonNegativeFloat = Field(
        default=0.0, description="Fixed O&M per MW of miners [USD/MW/yr]"
    )

    @model_validator(mode="after")
    def _one(self) -> AsicPrice:
        if (self.usd_per_th is None) == (self.usd_per_unit is None):
            raise ValueError("give exactly one of usd_per_th or usd_per_unit")
        return self


class BatteryPrice(Price):
    """Installed price of storage: energy part plus power part (NREL ATB form)."""

    usd_per_kwh: NonNegativeFloat = Field(description="Energy part [USD/kWh]")
    usd_per_kw: NonNegativeFloat = Field(description="Power part [USD/kW]")
    fixed_om_usd_per_kw_yr: NonNegativeFloat = Field(
        default=0.0, description="Fixed O&M per kW of power [USD/kW/yr]"
    )


class GpuPrice(Price):
    """Price of one GPU node."""

    usd_per_node: NonNegativeFloat = Field(description="[USD per node]")
    fixed_om_usd_per_node_yr: NonNegativeFloat = Field(
        default=0.0, description="Support and maintenance [USD/node/yr]"
    )


class CurvePoint(StrictModel):
    """One point of a hashrate(power) curve, relative to nameplate."""

    power_frac: float = Field(gt=0.0, le=2.0, description="Power / nameplate power [-]")
    hashrate_frac: float = Field(
        gt=0.0, le=2.0, description="Hashrate / nameplate hashrate [-]"
    )


class AsicSpec(StrictModel):
    """One ASIC miner model at nameplate (stock firmware, 25 °C)."""

    kind: Literal["asic"] = "asic"
    id: SnakeId
    vendor: str
    model: str
    hashrate_ths: PositiveFloat = Field(description="Nameplate hashrate [TH/s]")
    power_w: PositiveFloat = Field(description="Nameplate wall power [W]")
    cooling: Cooling = Field(description="Cooling type, sets heat capture later")
    hashrate_curve: list[CurvePoint] | None = Field(
        default=None,
        description="Measured under/over-clocking points, relative to nameplate",
    )
    price: AsicPrice | None = Field(default=None, description="For sizing")
    provenance: Provenance

    @property
    def efficiency_j_per_th(self) -> float:
        """Nameplate efficiency [J/TH] (= W per TH/s)."""
        return self.power_w / self.hashrate_ths


class BatterySpec(StrictModel):
    """A battery energy storage system (one unit)."""

    kind: Literal["battery"] = "battery"
    id: SnakeId
    vendor: str
    model: str
    energy_mwh: PositiveFloat = Field(description="Usable nameplate energy [MWh]")
    power_mw: PositiveFloat = Field(description="Charge and discharge power limit [MW]")
    round_trip_eff_frac: Fraction = Field(default=0.85, description="AC round trip [-]")
    soc_min_frac: Fraction = Field(
        default=0.05, description="Lowest state of charge [-]"
    )
    soc_max_frac: Fraction = Field(
        default=0.95, description="Highest state of charge [-]"
    )
    self_discharge_frac_per_h: Fraction = Field(
        default=0.0, description="Share of stored energy lost per hour [1/h]"
    )
    degradation_usd_per_mwh: float = Field(
        default=30.0, ge=0.0, description="Wear cost per MWh discharged [USD/MWh]"
    )
    price: BatteryPrice | None = Field(default=None, description="For sizing")
    provenance: Provenance

    @model_validator(mode="after")
    def _soc_order(self) -> BatterySpec:
        if self.soc_min_frac >= self.soc_max_frac:
            raise ValueError("soc_min_frac must be below soc_max_frac")
        return self


class GpuNodeSpec(StrictModel):
    """A GPU server node (e.g. an 8-GPU HGX H100)."""

    kind: Literal["gpu"] = "gpu"
    id: SnakeId
    vendor: str
    model: str
    gpu_count: int = Field(gt=0, description="GPUs per node [count]")
    power_max_kw: PositiveFloat = Field(description="Maximum node input power [kW]")
    power_typical_kw: PositiveFloat = Field(description="Typical node draw [kW]")
    cooling: Cooling
    price: GpuPrice | None = Field(default=None, description="For sizing")
    provenance: Provenance


CatalogEntry = AsicSpec | BatterySpec | GpuNodeSpec
