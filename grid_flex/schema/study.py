"""The ``study`` section: finance and life-cycle settings of a feasibility study.

``grid-flex solve`` only uses ``discount_frac_per_yr`` (to annualise the capex of
sized capacities over the horizon's share of a year). ``grid-flex size`` runs the
feasibility study: ``analysis_yr`` operating years from ``start_year``, each with its
own hashprice (``bitcoin``), power prices (``weather_years``, escalated) and costs,
sharing one set of capacities; then the pro forma, its metrics and the comparison
with business as usual.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from grid_flex.schema.base import Fraction, NonNegativeFloat, PositiveFloat, StrictModel
from grid_flex.schema.series import SeriesSpec


def _rate_ok(name: str, value: float | dict[int, float]) -> None:
    values = value.values() if isinstance(value, dict) else [value]
    for v in values:
        if not v > -1.0:
            raise ValueError(f"{name} = {v}: must be above -1 (-100 %/yr)")


class BitcoinPath(StrictModel):
    """Hashprice per operating year from BTC price, difficulty and fees.

    The block subsidy follows block heights (every halving, 2028 and 2032 included,
    at dates projected from the difficulty growth; :mod:`grid_flex.bitcoin`).
    """

    btc_price_usd: PositiveFloat | dict[int, PositiveFloat] = Field(
        description="BTC price, constant or by calendar year [USD/BTC]"
    )
    difficulty_start: PositiveFloat = Field(description="Difficulty at the start [-]")
    difficulty_start_date: dt.date = Field(description="Date of difficulty_start")
    difficulty_growth_frac_per_yr: float | dict[int, float] = Field(
        description="Difficulty growth, constant or by calendar year [1/yr]"
    )
    fees_btc_per_block: NonNegativeFloat | dict[int, NonNegativeFloat] = Field(
        default=0.0, description="Mean fees per block [BTC/block]"
    )

    @model_validator(mode="after")
    def _checks(self) -> BitcoinPath:
        _rate_ok("difficulty_growth_frac_per_yr", self.difficulty_growth_frac_per_yr)
        return self


class WeatherYear(StrictModel):
    """Power prices of one historical year, used for the operating years mapped to it.

    A file that ends before the year does is refused, unless ``complete_from`` names
    another weather year whose prices fill the missing intervals (same position in
    the year, counted from 1 January).
    """

    year: int = Field(ge=1990, le=2100, description="Calendar year of the data")
    price: SeriesSpec = Field(description="Energy price series covering that year")
    complete_from: int | None = Field(
        default=None,
        description="Fill intervals the file lacks from this weather year's prices",
    )


class Study(StrictModel):
    """How capacities are paid for and how the project is judged over its life."""

    discount_frac_per_yr: float = Field(
        default=0.10,
        gt=-1.0,
        description="Discount rate (nominal, after tax) [1/yr]; must be above -100 %",
    )
    analysis_yr: int = Field(
        default=1, ge=1, le=40, description="Operating years of the study [yr]"
    )
    start_year: int | None = Field(
        default=None,
        ge=2009,
        le=2100,
        description="Calendar year of operating year 1; default: the horizon's",
    )
    years_in_lp: Literal["each", "weather", "one"] = Field(
        default="each",
        description=(
            "How operating years enter the LP: 'each' (one operating block per year, "
            "sharing the capacities), 'weather' (one block per weather year with the "
            "discount-weighted mean hashprice of the years it stands for) or 'one' "
            "(one block weighted by the present worth of all years)"
        ),
    )
    weather_years: list[WeatherYear] | None = Field(
        default=None,
        description="Power-price years, cycled over the operating years in order",
    )
    bitcoin: BitcoinPath | None = Field(
        default=None, description="Hashprice per operating year (else the scenario's)"
    )
    energy_escalation_frac_per_yr: float = Field(
        default=0.0, description="Power prices grow by this from year 2 [1/yr]"
    )
    om_escalation_frac_per_yr: float = Field(
        default=0.0, description="Fixed O&M grows by this from year 2 [1/yr]"
    )
    capex_change_frac_per_yr: float = Field(
        default=0.0, description="Replacement hardware price change [1/yr]"
    )
    federal_tax_frac: Fraction = Field(default=0.21, description="Federal income tax")
    state_tax_frac: Fraction = Field(
        default=0.0, description="State income (or margin) tax, e.g. Texas 0.0075"
    )
    tax_losses: Literal["offset", "carry_forward"] = Field(
        default="offset",
        description="Losses offset other income (REopt) or are carried forward",
    )
    macrs: Literal["5yr_hy", "7yr_hy", "5yr_mq4"] = Field(
        default="5yr_hy", description="Tax depreciation of all hardware"
    )
    bonus_frac: Fraction = Field(default=0.0, description="Bonus depreciation share")
    salvage: Literal["linear", "none"] = Field(
        default="linear",
        description="Hardware still in service at the end: linear resale value or none",
    )
    breakeven_btc_price: bool = Field(
        default=True,
        description="Search the BTC price at which NPV is zero (re-solves the LP)",
    )

    @model_validator(mode="after")
    def _checks(self) -> Study:
        for name in (
            "energy_escalation_frac_per_yr",
            "om_escalation_frac_per_yr",
            "capex_change_frac_per_yr",
        ):
            _rate_ok(f"study.{name}", getattr(self, name))
        years = [w.year for w in self.weather_years or []]
        for i, year in enumerate(years):
            if year in years[:i]:
                raise ValueError(
                    f"weather_years[{i}].year = {year} repeats weather_years"
                    f"[{years.index(year)}]: each weather year is given once (two "
                    "years written alike is usually a typo, e.g. 2019 for 2020)"
                )
        for w in self.weather_years or []:
            if w.complete_from is not None and w.complete_from not in years:
                raise ValueError(
                    f"weather year {w.year}: complete_from {w.complete_from} is not "
                    f"one of the weather years {years}"
                )
            if w.complete_from == w.year:
                raise ValueError(f"weather year {w.year} cannot complete itself")
        return self
