"""Scenario entries for each asset kind (one class per kind, discriminated by type)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from grid_flex.schema.base import (
    Fraction,
    NonNegativeFloat,
    PositiveFloat,
    SnakeId,
    StrictModel,
)
from grid_flex.schema.catalog import CurvePoint


class AsicFleetEntry(StrictModel):
    """A fleet of identical ASIC miners.

    Size it by unit ``count`` or by nameplate ``power_mw`` (not both).
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
    hashrate_curve: Literal["catalog", "linear"] | list[CurvePoint] = Field(
        default="catalog",
        description=(
            "Hashrate(power) curve relative to nameplate: 'catalog' (the model's "
            "measured curve if it has one, else linear), 'linear' (on/off at stock "
            "efficiency), or concave points from the origin"
        ),
    )

    @model_validator(mode="after")
    def _one_size(self) -> AsicFleetEntry:
        if (self.count is None) == (self.power_mw is None):
            raise ValueError("give exactly one of count or power_mw")
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

    @model_validator(mode="after")
    def _size(self) -> BatteryEntry:
        if self.count is None and (self.energy_mwh is None or self.power_mw is None):
            raise ValueError("give count, or both energy_mwh and power_mw")
        return self


AssetEntry = Annotated[AsicFleetEntry | BatteryEntry, Field(discriminator="type")]
