"""Scenario entries for grid programs and policies (one class per kind, by type)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from grid_flex.schema.base import NonNegativeFloat, PositiveFloat, SnakeId, StrictModel
from grid_flex.schema.series import SeriesSpec


class EmissionsEntry(StrictModel):
    """Grid emissions from marginal rates, priced and/or capped (domain.md §5).

    Grid emissions per interval are ``import · Δt · mer``; heat reused by a
    heat-recovery asset avoids boiler emissions, which are credited when
    ``credit_avoided_heat``.
    """

    type: Literal["emissions"]
    id: SnakeId = "emissions"
    marginal_co2: SeriesSpec = Field(
        description="Marginal emission rate series, e.g. AVERT region TE [tCO2/MWh]"
    )
    carbon_price_usd_per_tco2: NonNegativeFloat = Field(
        default=0.0, description="Carbon price entering the objective [USD/tCO2]"
    )
    cap_tco2: float | None = Field(
        default=None,
        allow_inf_nan=False,
        description="Cap on net emissions over the horizon; may be negative when "
        "heat or export credits can exceed grid emissions [tCO2]",
    )
    average_co2_tco2_per_mwh: NonNegativeFloat | None = Field(
        default=None,
        description="Average (location-based) grid factor for inventories [tCO2/MWh]",
    )
    credit_avoided_heat: bool = Field(
        default=True,
        description="Subtract boiler emissions avoided by reused heat from the total",
    )
    credit_exports: bool = Field(
        default=False,
        description="Count exported energy as avoided marginal emissions",
    )
    renewable_share_frac: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Renewable share of the energy used, for disclosure only [-]",
    )
    btc_price_usd: PositiveFloat | None = Field(
        default=None,
        description="BTC price used to express intensities per BTC mined [USD]",
    )
    market_based_co2_tco2_per_mwh: NonNegativeFloat | None = Field(
        default=None,
        description="Market-based scope 2 factor of the supply the site contracts "
        "(RECs/PPAs, supplier mix; GHG Protocol Scope 2 Guidance 2015), for an "
        "extra disclosure column beside the location-based one [tCO2/MWh]",
    )
    transactions_per_day: PositiveFloat | None = Field(
        default=None,
        description="Transactions the whole network validates per day, for "
        "intensities per validated transaction (no default: e.g. the daily count "
        "published by blockchain explorers) [tx/day]",
    )
    network_hashrate_ehs: PositiveFloat | None = Field(
        default=None,
        description="Network hashrate for the site's share of the network; default "
        "from the hashprice derivation's difficulty, H = D · 2^32 / 600 [EH/s]",
    )


ProgramEntry = Annotated[EmissionsEntry, Field(discriminator="type")]
