"""Scenario entries for power contracts and grid or government limits.

* :class:`FixedPriceContractEntry`: a block of energy bought at a fixed price, with
  the right to sell what the site does not use back at spot (domain.md §2.5).
* :class:`HashrateForwardEntry`: hashrate sold forward at a fixed hashprice.
* :class:`ImportCapEntry`: import caps that vary in time (non-firm service,
  curtail-on-instruction hours, seasonal limits; domain.md §7).
* :class:`EnergyQuotaEntry`: grid energy allowed per day, week or month
  (Kazakhstan-style allocations; domain.md §7).
* :class:`MiningBanEntry`: ASIC fleets forced to zero in windows (Russian regional and
  seasonal bans; domain.md §7).
* :class:`EmergencyCurtailmentEntry`: a minimum share of the load curtailed during
  grid emergencies (Texas SB 6; domain.md §2.4).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from grid_flex.schema.base import (
    Fraction,
    NonNegativeFloat,
    PositiveFloat,
    SnakeId,
    StrictModel,
)
from grid_flex.schema.series import SeriesSpec
from grid_flex.schema.windows import WindowSet

#: Power units a quota must not be given in (a quota is energy per period).
_POWER_UNITS = ("mw", "kw", "gw", "w")


class BlockSize(StrictModel):
    """The contracted block as a decision: bought ahead, shared by all scenarios.

    A hedge costs nothing to build: its price is the contract's fixed price, paid
    on every contracted MWh (``premium_usd_per_mw_yr`` adds a yearly fee per MW,
    e.g. a broker's or a credit charge, booked like fixed O&M).
    """

    min_mw: NonNegativeFloat = Field(default=0.0, description="[MW]")
    max_mw: Annotated[float, Field(gt=0.0, le=2000.0)] = Field(
        description="Largest block the site could buy (a site's import, at most "
        "2,000 MW) [MW]"
    )
    premium_usd_per_mw_yr: NonNegativeFloat = Field(
        default=0.0, description="Yearly fee per MW of block [USD/MW/yr]"
    )

    @model_validator(mode="after")
    def _order(self) -> BlockSize:
        if self.min_mw > self.max_mw:
            raise ValueError(f"min_mw {self.min_mw} is above max_mw {self.max_mw}")
        return self


class FixedPriceContractEntry(StrictModel):
    """A block of energy bought at a fixed price (a financially settled swap).

    In every contract interval the site buys ``block_mw`` × Δt at
    ``fixed_price_usd_per_mwh``. With ``sell_back_unused`` (the default) the energy
    it does not use is sold back at the spot price, so the contract pays
    ``(spot − fixed) × block × Δt`` whatever the site draws, and curtailing earns the
    spot price on the contracted energy ("power credits", domain.md §2.5). Without
    sell-back, unused contracted energy is forfeited.
    """

    type: Literal["fixed_price_contract"]
    id: SnakeId = "contract"
    block_mw: PositiveFloat | None = Field(
        default=None,
        description="Contracted power block, bought in every contract interval "
        "[MW]; give it or size",
    )
    size: BlockSize | None = Field(
        default=None,
        description="Choose the block (a first-stage hedge in a study) between "
        "min_mw and max_mw instead of giving block_mw",
    )
    fixed_price_usd_per_mwh: float = Field(
        description="Fixed price paid for the contracted energy [USD/MWh]"
    )
    windows: WindowSet | None = Field(
        default=None,
        description="Intervals the block is delivered in (e.g. weekday peak hours); "
        "every interval of the horizon when omitted",
    )
    sell_back_unused: bool = Field(
        default=True,
        description="Sell contracted energy the site does not use back at the spot "
        "price (otherwise it is forfeited)",
    )

    @model_validator(mode="after")
    def _fixed_shape(self) -> FixedPriceContractEntry:
        if (self.block_mw is None) == (self.size is None):
            raise ValueError("give block_mw or size (to choose the block), not both")
        if (
            self.windows is not None
            and self.windows.price_above_usd_per_mwh is not None
        ):
            raise ValueError(
                "windows.price_above_usd_per_mwh: a contract's delivery shape is "
                "fixed in advance; give periods or recurring hours"
            )
        return self


class CapWindow(WindowSet):
    """An import cap in force in its windows (periods, recurring hours, price)."""

    cap_mw: NonNegativeFloat = Field(
        description="Most the site may import in these windows [MW]"
    )


class ImportCapEntry(StrictModel):
    """A time-varying cap on grid import, below the site's import limit.

    The cap of an interval is the lowest of the caps whose windows contain it and of
    ``cap_series``; intervals with no cap keep the site's ``import_limit_mw``.
    """

    type: Literal["import_cap"]
    id: SnakeId = "import_cap"
    caps: list[CapWindow] = Field(
        default_factory=list,
        description="Caps in windows, e.g. {cap_mw: 5, recurring: [{months: [7, 8], "
        "start_hour: 15, end_hour: 19}]}; the lowest applies where they overlap [MW]",
    )
    cap_series: SeriesSpec | None = Field(
        default=None,
        description="A cap per interval, a power series (unit mw or kw) [MW]",
    )

    @model_validator(mode="after")
    def _some_cap(self) -> ImportCapEntry:
        if not self.caps and self.cap_series is None:
            raise ValueError("give caps (windows with cap_mw) or cap_series")
        return self


class EnergyQuotaEntry(StrictModel):
    """A cap on the grid energy imported per day, week or month (local calendar).

    ``Σ import × Δt ≤ quota_mwh`` over each period. Periods are calendar days, weeks
    (Monday to Sunday) or months in the horizon's time zone. A period cut by the
    horizon gets the share of the quota its hours in the horizon represent
    (``partial_periods: prorate``) or the whole quota (``full``).
    """

    type: Literal["energy_quota"]
    id: SnakeId = "energy_quota"
    quota_mwh: NonNegativeFloat = Field(
        description="Grid energy allowed in each period [MWh per period]"
    )
    period: Literal["day", "week", "month"] = Field(
        description="Length of the quota period (local calendar)"
    )
    partial_periods: Literal["prorate", "full"] = Field(
        default="prorate",
        description="Quota of a period the horizon cuts: its share by hours "
        "(prorate) or the whole quota (full)",
    )

    @model_validator(mode="before")
    @classmethod
    def _energy_not_power(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        need = (
            "a quota is energy per period: give quota_mwh (MWh per day, week or "
            "month, with period); to limit power in each interval use an import_cap "
            "program (cap_mw or cap_series)"
        )
        for key in data:
            if key.startswith("quota") and key != "quota_mwh":
                raise ValueError(f"{key}: {need}")
        value = data.get("quota_mwh")
        if isinstance(value, dict):
            unit = str(value.get("unit", "")).strip().lower()
            if unit in _POWER_UNITS:
                raise ValueError(
                    f"quota_mwh: got a series in {unit!r}, a power; {need}"
                )
            raise ValueError(f"quota_mwh: expected one number; {need}")
        return data


class MiningBanEntry(StrictModel):
    """ASIC fleets forced to draw nothing in windows (regional or seasonal bans)."""

    type: Literal["mining_ban"]
    id: SnakeId = "mining_ban"
    windows: WindowSet = Field(
        description="When mining is banned, e.g. periods 15 Nov to 15 Mar"
    )
    asset_ids: list[SnakeId] | None = Field(
        default=None,
        min_length=1,
        description="ASIC fleets the ban applies to; every ASIC fleet when omitted",
    )


class EmergencyCurtailmentEntry(StrictModel):
    """A minimum share of the load curtailed during grid emergencies (SB 6 style).

    In each event interval the named assets together draw at most
    ``(1 − min_curtail_frac)`` of their available capacity and, unless
    ``forbid_storage_charging`` is false, no battery of the site charges, so the
    curtailment shows in the site's grid draw.
    """

    type: Literal["emergency_curtailment"]
    id: SnakeId = "emergency_curtailment"
    events: WindowSet = Field(
        description="Emergency intervals: periods, recurring hours or a price trigger"
    )
    min_curtail_frac: Fraction = Field(
        description="Share of the assets' available capacity that must be off "
        "during events, 0-1 [-]"
    )
    asset_ids: list[SnakeId] | None = Field(
        default=None,
        min_length=1,
        description="Loads curtailed (ASIC fleets, GPU clusters); all of them when "
        "omitted",
    )
    forbid_storage_charging: bool = Field(
        default=True,
        description="Batteries of the site may not charge during events (net load "
        "≤ 0; discharging is allowed), so the site's grid draw falls with the "
        "curtailed loads; false limits the named loads only",
    )


class ForwardSize(StrictModel):
    """The hashrate sold forward as a decision (a first-stage hedge in a study)."""

    min_ths: NonNegativeFloat = Field(default=0.0, description="[TH/s]")
    max_ths: Annotated[float, Field(gt=0.0, le=1e8)] = Field(
        description="Most the site could sell forward (at most 100 EH/s) [TH/s]"
    )

    @model_validator(mode="after")
    def _order(self) -> ForwardSize:
        if self.min_ths > self.max_ths:
            raise ValueError(f"min_ths {self.min_ths} is above max_ths {self.max_ths}")
        return self


class HashrateForwardEntry(StrictModel):
    """Hashrate sold forward at a fixed hashprice (a financially settled swap).

    The site keeps mining at spot and the forward pays ``forward_ths × (fixed −
    spot hashprice)`` per day, so the forward volume earns the fixed hashprice and
    the rest (actual − forward) the spot one. The fleets must deliver at least the
    forward volume on average over the horizon, in every scenario.
    """

    type: Literal["hashrate_forward"]
    id: SnakeId = "hashrate_forward"
    fixed_hashprice_usd_per_ths_day: Annotated[float, Field(gt=0.0, le=5.0)] = Field(
        description="Hashprice the forward volume is sold at (2021-2025: "
        "0.03-0.45 USD per TH/s per day) [USD/TH/s/day]"
    )
    forward_ths: Annotated[float, Field(gt=0.0, le=1e8)] | None = Field(
        default=None, description="Hashrate sold forward; give it or size [TH/s]"
    )
    size: ForwardSize | None = Field(
        default=None,
        description="Choose the forward volume between min_ths and max_ths",
    )
    fleets: list[SnakeId] | None = Field(
        default=None,
        description="ASIC fleets that deliver it (default: every fleet of the site)",
    )

    @model_validator(mode="after")
    def _volume(self) -> HashrateForwardEntry:
        if (self.forward_ths is None) == (self.size is None):
            raise ValueError("give forward_ths or size (to choose it), not both")
        return self
