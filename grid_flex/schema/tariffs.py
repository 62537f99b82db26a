"""Scenario entries for tariffs and peak charges: monthly demand charges, ERCOT 4CP.

Per-MWh adders (fees, delivery) are ``energy.adders_usd_per_mwh``; the entries here
price the site's *peak* import instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from grid_flex.schema.base import NonNegativeFloat, SnakeId, StrictModel
from grid_flex.schema.windows import WindowSet

#: ERCOT's coincident-peak months (June to September).
ERCOT_4CP_MONTHS: tuple[int, ...] = (6, 7, 8, 9)
#: Name of the bundled table of historic ERCOT 4CP intervals (``intervals:``).
ERCOT_HISTORIC = "ercot_historic"


class DemandChargeEntry(StrictModel):
    """A monthly demand charge on the site's peak grid import.

    For each calendar month (local time of the horizon) the site pays
    ``usd_per_kw_month`` per kW of its highest import over the month's intervals that
    lie in ``windows`` (every interval when ``windows`` is omitted). The import is the
    mean over each horizon interval (hourly on an hourly horizon, even where a tariff
    meters 15-minute demand). A facility charge and an on-peak charge are two entries.
    A month the horizon covers only in part pays the full monthly charge on the peak
    within the horizon (no proration).
    """

    type: Literal["demand_charge"]
    id: SnakeId = "demand_charge"
    usd_per_kw_month: NonNegativeFloat = Field(
        description="Charge per kW of the month's peak import [USD/kW-month]"
    )
    windows: WindowSet | None = Field(
        default=None,
        description="Time-of-use window the peak is measured in (e.g. on-peak "
        "weekday hours); every interval when omitted",
    )


class PriceWeightedProbabilities(StrictModel):
    """The documented default 4CP probabilities (ERCOT system load is not in our data).

    Every interval that overlaps the daily window ``[start_hour, end_hour)`` (local,
    in the entry's ``timezone``) on ``weekdays`` of a coincident-peak month gets
    the weight ``overlap [h] · max(price, 0)^price_exponent``; weights are normalised
    to 1 within each month. The window 15:45-17:45 caught 63 of the 64 ERCOT 4CP
    intervals of 2010-2025 (all on weekdays but one); weighting by the energy price
    favours the hot, high-price days the peaks fall on (domain.md §2.2a). A month
    whose window prices are all ≤ 0 spreads its weight by overlap alone.
    """

    price_exponent: NonNegativeFloat = Field(
        default=2.0,
        description="Exponent k of the price weighting price^k (0: uniform) [-]",
    )
    start_hour: float = Field(
        default=15.75, ge=0.0, le=24.0, description="Window start, local [h]"
    )
    end_hour: float = Field(
        default=17.75, ge=0.0, le=24.0, description="Window end, local [h]"
    )
    weekdays: list[int] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4],
        description="Days the peak may fall on, 0 = Monday … 6 = Sunday",
    )

    @model_validator(mode="after")
    def _ranges(self) -> PriceWeightedProbabilities:
        if self.end_hour <= self.start_hour:
            raise ValueError("end_hour must be after start_hour")
        if not self.weekdays or not all(0 <= d <= 6 for d in self.weekdays):
            raise ValueError("weekdays must list days 0 (Monday) to 6 (Sunday)")
        return self


class WeightedInterval(StrictModel):
    """A candidate coincident-peak interval and its (relative) weight."""

    time: dt.datetime = Field(
        description="Interval stamp, in the entry's time_convention and timezone"
    )
    weight: NonNegativeFloat = Field(
        description="Relative weight; normalised to 1 within each month [-]"
    )


class FourCpEntry(StrictModel):
    """ERCOT four-coincident-peak (4CP) transmission charge (domain.md §2.2).

    The site's transmission tag is its average import in the four 15-minute intervals
    of highest ERCOT load of June, July, August and September; it sets a charge of
    ``usd_per_kw_year`` per kW of tag for the *following* year, which the LP books
    against the operation that sets it. Give exactly one of

    * ``intervals``: the known 4CP intervals (stamps in ``timezone``, 15-minute
      intervals ending at the stamp by default, as ERCOT publishes them), or
      ``ercot_historic`` for the bundled table of 2019-2021
      (``data/ercot_4cp_intervals.csv``, 15-minute intervals ending at the stamp in
      Central Prevailing Time whatever ``interval_min``, ``time_convention`` and
      ``timezone`` say), of which those inside the horizon are used;
    * ``probabilities``: the expected-cost form, ``default`` (price-weighted weekday
      late afternoons, see :class:`PriceWeightedProbabilities`) or a list of weighted
      candidate intervals.

    Each month counts for ``1/len(months)`` of the tag, so a horizon covering part of
    the summer carries that part of the tag.
    """

    type: Literal["four_cp"]
    id: SnakeId = "four_cp"
    usd_per_kw_year: NonNegativeFloat = Field(
        default=50.0,
        description="Transmission charge per kW of tag and year; 25-150 by TSP "
        "[USD/kW-year]",
    )
    intervals: list[dt.datetime] | Literal["ercot_historic"] | None = Field(
        default=None,
        description="Known coincident-peak intervals, or 'ercot_historic'",
    )
    probabilities: (
        Literal["default"] | PriceWeightedProbabilities | list[WeightedInterval] | None
    ) = Field(
        default=None,
        description="Expected-cost form: 'default', its settings, or weighted "
        "candidate intervals",
    )
    months: list[int] = Field(
        default_factory=lambda: list(ERCOT_4CP_MONTHS),
        description="Coincident-peak months, one peak each (1-12)",
    )
    interval_min: Literal[5, 15, 30, 60] = Field(
        default=15, description="Length of a coincident-peak interval [min]"
    )
    time_convention: Literal["end", "start"] = Field(
        default="end",
        description="Stamps mark interval ends (ERCOT's convention) or starts",
    )
    timezone: str = Field(
        default="America/Chicago",
        description="Zone of naive stamps, of the months and of the default window "
        "(ERCOT: Central Prevailing Time)",
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {name!r} (use an IANA name)") from exc
        return name

    @field_validator("months")
    @classmethod
    def _months(cls, months: list[int]) -> list[int]:
        if not months:
            raise ValueError("give at least one month")
        if not all(1 <= m <= 12 for m in months):
            raise ValueError("months must be 1-12")
        if len(set(months)) != len(months):
            raise ValueError("months must not repeat")
        return months

    @model_validator(mode="after")
    def _one_form(self) -> FourCpEntry:
        if self.intervals is not None and self.probabilities is not None:
            raise ValueError(
                "intervals and probabilities are both given: give the known 4CP "
                "intervals or their probabilities (expected cost), not both"
            )
        if self.intervals is None and self.probabilities is None:
            raise ValueError(
                "give intervals (known 4CP intervals, or 'ercot_historic') or "
                "probabilities ('default' or weighted intervals)"
            )
        if isinstance(self.intervals, list) and not self.intervals:
            raise ValueError("intervals is empty")
        if isinstance(self.probabilities, list) and not self.probabilities:
            raise ValueError("probabilities is empty")
        return self
