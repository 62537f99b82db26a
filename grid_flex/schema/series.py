"""Declarations of input time series: which file, which format, which column.

A scenario names each series by format. Paths are relative to the scenario file;
``bundled:<file>`` refers to the copies of public data shipped with grid-flex.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from grid_flex.schema.base import StrictModel

FillPolicy = Literal["error", "interpolate", "ffill", "zero"]


class _FileSeries(StrictModel):
    file: str = Field(
        description="CSV path, relative to the scenario file, or 'bundled:<name>'"
    )
    fill_missing: FillPolicy = Field(
        default="error",
        description="What to do with empty cells or missing rows inside the horizon",
    )


class ErcotDamSeries(_FileSeries):
    """ERCOT day-ahead settlement point prices (hour ending, Central time) [USD/MWh]."""

    format: Literal["ercot_dam"]
    column: str = Field(description="Hub or load zone, e.g. LZ_WEST or HB_NORTH")


class ErcotRtmSeries(_FileSeries):
    """ERCOT real-time 15-minute settlement point prices, long format [USD/MWh]."""

    format: Literal["ercot_rtm"]
    settlement_point: str = Field(description="e.g. HB_NORTH or LZ_WEST")
    point_type: str | None = Field(
        default=None, description="Settlement point type (LZ or LZEW for load zones)"
    )


class CaisoDervetSeries(_FileSeries):
    """CAISO DER-VET 2020 file: day-ahead energy and regulation prices."""

    format: Literal["caiso_dervet"]
    column: Literal["price", "regup", "regdown"] = "price"


class CaisoIronMountainSeries(_FileSeries):
    """CAISO Iron Mountain node day-ahead LMP, one column per year [USD/MWh]."""

    format: Literal["caiso_ironmtn"]
    year: int


class SmardSeries(_FileSeries):
    """SMARD day-ahead prices for Germany and neighbours [EUR/MWh]."""

    format: Literal["smard"]
    column: str = Field(description="Zone, e.g. 'Germany' (spliced 2018) or 'France'")


class AvertSeries(_FileSeries):
    """EPA AVERT hourly marginal CO2 by region, placed on the calendar [t/MWh]."""

    format: Literal["avert"]
    region: str = Field(description="AVERT region, e.g. TE (Texas)")
    timezone: str = Field(
        default="America/Chicago",
        description="Local standard time of the profile's hours of year",
    )


class DoeCrbSeries(_FileSeries):
    """DOE commercial reference building hourly loads, placed on the calendar."""

    format: Literal["doe_crb"]
    column: str = Field(description="e.g. Houston_Hospital_space_heating_mmbtu")
    timezone: str = Field(default="America/Chicago")


class SeasonalTariffSeries(_FileSeries):
    """A season × time-of-day price table (hydro contracts) [USD/MWh or EUR/MWh].

    CSV columns ``season, months, hour_from, hour_to`` and one price column,
    ``price_usd_per_mwh`` or ``price_eur_per_mwh``; see
    :mod:`grid_flex.io.seasonal_tariff`.
    """

    format: Literal["seasonal_tariff"]
    timezone: str = Field(
        description="IANA zone the table's months and hours are written in"
    )


class CsvSeries(_FileSeries):
    """A user's own CSV: one time column and one value column."""

    format: Literal["csv"]
    time_column: str
    value_column: str
    unit: str = Field(description="Unit of the values, e.g. usd_per_mwh or usd_per_kwh")
    time_convention: Literal["start", "end"] = Field(
        description="Whether time stamps mark interval starts or ends"
    )
    timezone: str = Field(
        description="IANA zone (DST-aware), 'UTC' or a fixed offset like 'UTC-06:00'"
    )
    time_format: str | None = None
    sep: str = ","
    thousands: str | None = None
    decimal: str = "."
    repeated_hour_column: str | None = None


class InlineSeries(StrictModel):
    """Values written in the scenario, one per horizon interval."""

    format: Literal["inline"]
    unit: str = Field(description="Unit of the values, e.g. usd_per_mwh")
    values: list[float] = Field(min_length=1, description="One value per interval")


SeriesSpec = Annotated[
    InlineSeries
    | ErcotDamSeries
    | ErcotRtmSeries
    | CaisoDervetSeries
    | CaisoIronMountainSeries
    | SmardSeries
    | AvertSeries
    | DoeCrbSeries
    | SeasonalTariffSeries
    | CsvSeries,
    Field(discriminator="format"),
]
