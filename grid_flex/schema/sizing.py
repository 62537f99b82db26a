"""``size`` blocks: capacities as decisions, with bounds, an existing part and costs.

An asset (or the site's connection) with a ``size`` block has its capacity chosen by
the LP between ``min`` and ``max``. The ``existing`` part costs nothing more; each new
unit costs its capex (annualised with the capital recovery factor at the study's
discount rate over ``life_yr``) plus fixed O&M per year. Costs left empty come from
the catalogue entry's ``price`` (dated and sourced); a sized asset whose catalogue
entry has no price and whose ``size`` block gives none is an error.
"""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import Field, model_validator

from grid_flex.schema.base import (
    Fraction,
    NonNegativeFloat,
    PositiveFloat,
    StrictModel,
)
from grid_flex.schema.series import SeriesSpec
from grid_flex.schema.windows import WindowSet


class SizeBlock(StrictModel):
    """A ``size`` block: ``min_``, ``max_`` and ``existing_`` of each unit, in order.

    :meth:`_exclusive` (a block's fields that must not be given together) runs
    first; a subclass's own validators run after this one.
    """

    #: Units of the block's ``min_``/``max_``/``existing_`` triples, checked in order.
    BOUNDED_UNITS: ClassVar[tuple[str, ...]] = ()

    def _exclusive(self) -> None:
        """Raise ``ValueError`` on fields given together that exclude each other."""

    @model_validator(mode="after")
    def _bounds_in_order(self) -> Self:
        self._exclusive()
        for unit in self.BOUNDED_UNITS:
            lo, hi, old = (
                getattr(self, f"{k}_{unit}") for k in ("min", "max", "existing")
            )
            if hi is not None and lo is not None and lo > hi:
                raise ValueError(f"min_{unit} {lo} is above max_{unit} {hi}")
            if hi is not None and old is not None and old > hi:
                raise ValueError(f"existing_{unit} {old} is above max_{unit} {hi}")
        return self


class FleetSize(SizeBlock):
    """Size an ASIC fleet by nameplate power (or by whole units of its model)."""

    BOUNDED_UNITS = ("mw", "count")

    min_mw: NonNegativeFloat | None = Field(default=None, description="[MW]")
    max_mw: PositiveFloat | None = Field(
        default=None, description="Largest fleet; empty means unbounded [MW]"
    )
    existing_mw: NonNegativeFloat | None = Field(
        default=None, description="Already installed, costs nothing more [MW]"
    )
    min_count: NonNegativeFloat | None = Field(default=None, description="[units]")
    max_count: PositiveFloat | None = Field(default=None, description="[units]")
    existing_count: NonNegativeFloat | None = Field(default=None, description="[units]")
    capex_usd_per_th: NonNegativeFloat | None = Field(
        default=None, description="Miner price; default: catalogue [USD per TH/s]"
    )
    capex_usd_per_unit: NonNegativeFloat | None = Field(
        default=None, description="Miner price per unit; default: catalogue [USD]"
    )
    infrastructure_usd_per_mw: NonNegativeFloat = Field(
        default=0.0,
        description="Site build-out per MW of miners (containers, transformers) "
        "[USD/MW]",
    )
    infrastructure_life_yr: PositiveFloat | None = Field(
        default=None,
        description="Life of the build-out; empty: replaced with the miners [yr]",
    )
    life_yr: PositiveFloat | None = Field(
        default=None, description="Useful life; default: catalogue [yr]"
    )
    fixed_om_usd_per_mw_yr: NonNegativeFloat | None = Field(
        default=None, description="Fixed O&M; default: catalogue [USD/MW/yr]"
    )

    def _exclusive(self) -> None:
        for k in ("min", "max", "existing"):
            if getattr(self, f"{k}_mw") is not None and (
                getattr(self, f"{k}_count") is not None
            ):
                raise ValueError(f"give {k}_mw or {k}_count, not both")
        if self.capex_usd_per_th is not None and self.capex_usd_per_unit is not None:
            raise ValueError("give capex_usd_per_th or capex_usd_per_unit, not both")


class GpuClusterSize(SizeBlock):
    """Size a GPU cluster by whole nodes of its catalogue model."""

    BOUNDED_UNITS = ("nodes",)

    min_nodes: NonNegativeFloat = Field(default=0.0, description="[nodes]")
    max_nodes: PositiveFloat | None = Field(
        default=None, description="Largest cluster; empty means unbounded [nodes]"
    )
    existing_nodes: NonNegativeFloat = Field(
        default=0.0, description="Already installed, costs nothing more [nodes]"
    )
    capex_usd_per_node: NonNegativeFloat | None = Field(
        default=None, description="Node price; default: catalogue [USD/node]"
    )
    infrastructure_usd_per_mw: NonNegativeFloat = Field(
        default=0.0,
        description="Facility build-out per MW of node IT power (power, cooling, "
        "network) [USD/MW]",
    )
    infrastructure_life_yr: PositiveFloat | None = Field(
        default=None,
        description="Life of the build-out; empty: replaced with the nodes [yr]",
    )
    life_yr: PositiveFloat | None = Field(
        default=None, description="Useful life; default: catalogue [yr]"
    )
    fixed_om_usd_per_node_yr: NonNegativeFloat | None = Field(
        default=None, description="Support and maintenance; default: catalogue"
    )


class BatterySize(SizeBlock):
    """Size a battery: energy, and power either at a fixed duration or on its own."""

    BOUNDED_UNITS = ("mwh", "mw")

    min_mwh: NonNegativeFloat = Field(default=0.0, description="[MWh]")
    max_mwh: PositiveFloat | None = Field(
        default=None, description="Largest energy; empty means unbounded [MWh]"
    )
    existing_mwh: NonNegativeFloat = Field(default=0.0, description="[MWh]")
    duration_h: PositiveFloat | None = Field(
        default=None,
        description="Power = energy / duration; empty sizes power on its own [h]",
    )
    min_mw: NonNegativeFloat = Field(default=0.0, description="[MW]")
    max_mw: PositiveFloat | None = Field(default=None, description="[MW]")
    existing_mw: NonNegativeFloat = Field(default=0.0, description="[MW]")
    capex_usd_per_kwh: NonNegativeFloat | None = Field(
        default=None, description="Energy part of the price; default: catalogue"
    )
    capex_usd_per_kw: NonNegativeFloat | None = Field(
        default=None, description="Power part of the price; default: catalogue"
    )
    life_yr: PositiveFloat | None = Field(
        default=None, description="Useful life; default: catalogue [yr]"
    )
    fixed_om_usd_per_kw_yr: NonNegativeFloat | None = Field(
        default=None, description="Fixed O&M per kW of power; default: catalogue"
    )

    @model_validator(mode="after")
    def _one_power(self) -> BatterySize:
        if self.duration_h is not None and (
            self.max_mw is not None or self.min_mw > 0 or self.existing_mw > 0
        ):
            raise ValueError("give duration_h or min_mw/max_mw/existing_mw, not both")
        return self


class ConnectionSize(SizeBlock):
    """Size the site's import connection (a firm MW the utility builds for it)."""

    BOUNDED_UNITS = ("mw",)

    min_mw: NonNegativeFloat = Field(default=0.0, description="[MW]")
    max_mw: PositiveFloat | None = Field(
        default=None, description="Largest connection; empty means unbounded [MW]"
    )
    existing_mw: NonNegativeFloat = Field(default=0.0, description="[MW]")
    capex_usd_per_kw: NonNegativeFloat = Field(
        description="Interconnection cost per kW (domain: 50-300 USD/kW, "
        "finance.md §2.6, [unverified]) [USD/kW]"
    )
    life_yr: PositiveFloat = Field(description="Life of the connection [yr]")
    fixed_om_usd_per_kw_yr: NonNegativeFloat = Field(
        default=0.0, description="Fixed O&M [USD/kW/yr]"
    )


class NonFirmConnection(ConnectionSize):
    """A non-firm part of the connection: import the utility may curtail.

    The offer utilities make to large flexible loads: more import MW, cheaper than
    firm, but not available in stated intervals (``curtailed``: periods, recurring
    local hours, or every interval above a price). Import is limited to
    ``firm + a[t] · non_firm`` with ``a[t] = curtailed_available_frac`` inside the
    curtailed intervals and 1 outside. Give ``min_mw = max_mw`` for a fixed offer.
    A fixed offer may instead come with ``cap_series``, the non-firm MW the utility
    allows per interval: then ``a[t] = min(1, cap[t] / max_mw)``.
    """

    curtailed: WindowSet | None = Field(
        default=None, description="Intervals in which the non-firm part is curtailed"
    )
    cap_series: SeriesSpec | None = Field(
        default=None,
        description="Non-firm MW the utility allows per interval, a power series "
        "(unit mw or kw), for a fixed offer (min_mw = max_mw) [MW]",
    )
    curtailed_available_frac: Fraction = Field(
        default=0.0,
        description="Share of the non-firm MW still available when curtailed [-]",
    )

    @model_validator(mode="after")
    def _one_availability(self) -> NonFirmConnection:
        if (self.curtailed is None) == (self.cap_series is None):
            raise ValueError(
                "give curtailed (windows with a share left) or cap_series (MW per "
                "interval), one of them"
            )
        if self.cap_series is not None and self.min_mw != self.max_mw:
            raise ValueError(
                "cap_series needs a fixed offer (min_mw = max_mw): a sized non-firm "
                "part is curtailed by a share of its size; use curtailed windows"
            )
        return self


class HeatPumpSize(SizeBlock):
    """Size a heat pump by its largest heat output (no catalogue: give its costs)."""

    BOUNDED_UNITS = ("mwth",)

    min_mwth: NonNegativeFloat = Field(default=0.0, description="[MWth]")
    max_mwth: PositiveFloat | None = Field(
        default=None, description="Largest pump; empty means unbounded [MWth]"
    )
    existing_mwth: NonNegativeFloat = Field(default=0.0, description="[MWth]")
    capex_usd_per_kwth: NonNegativeFloat = Field(
        description="Installed cost per kW of heat output (finance.md §2.7: "
        "~1,200 EUR/kWth central, 750-3,100 CHF/kWth decentralised) [USD/kWth]"
    )
    life_yr: PositiveFloat = Field(description="Life (finance.md §2.7: 20-23 yr)")
    fixed_om_usd_per_kwth_yr: NonNegativeFloat = Field(
        default=0.0, description="Fixed O&M [USD/kWth/yr]"
    )


class StoreSize(SizeBlock):
    """Size a hot-water store by the heat it holds (give its costs)."""

    BOUNDED_UNITS = ("mwhth",)

    min_mwhth: NonNegativeFloat = Field(default=0.0, description="[MWhth]")
    max_mwhth: PositiveFloat | None = Field(
        default=None, description="Largest store; empty means unbounded [MWhth]"
    )
    existing_mwhth: NonNegativeFloat = Field(default=0.0, description="[MWhth]")
    capex_usd_per_kwhth: NonNegativeFloat = Field(
        description="Installed cost per kWh of heat (finance.md §2.7: steel tanks "
        "~20-100 EUR/kWhth [unverified], pits < 4 EUR/kWhth) [USD/kWhth]"
    )
    life_yr: PositiveFloat = Field(description="Life [yr]")
    fixed_om_usd_per_kwhth_yr: NonNegativeFloat = Field(
        default=0.0, description="Fixed O&M [USD/kWhth/yr]"
    )
