"""Time windows in scenarios: explicit periods, recurring hours, or a price trigger.

A :class:`WindowSet` is the union of its parts. Local date-times and hours are in the
horizon's time zone (naive date-times) unless they carry a UTC offset.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from grid_flex.schema.base import StrictModel


class Period(StrictModel):
    """One explicit period ``start ≤ t < end``; every interval it overlaps is inside."""

    start: dt.datetime
    end: dt.datetime

    @model_validator(mode="after")
    def _order(self) -> Period:
        if (self.start.tzinfo is None) != (self.end.tzinfo is None):
            raise ValueError("start and end must both carry a UTC offset or neither")
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class Recurring(StrictModel):
    """Recurring local hours, e.g. weekdays 15:00-18:00 from June to September.

    An interval is inside when it overlaps the local hours ``start_hour`` to
    ``end_hour`` (fractional: 15.75 = 15:45) of a day in ``months`` (1-12) and on
    ``weekdays`` (0 = Monday … 6 = Sunday), judged by the interval's local start
    date. Omitted parts match all.
    """

    months: list[int] | None = Field(default=None, description="1-12")
    weekdays: list[int] | None = Field(default=None, description="0 = Monday")
    start_hour: float = Field(default=0.0, ge=0.0, le=24.0)
    end_hour: float = Field(default=24.0, ge=0.0, le=24.0)

    @model_validator(mode="after")
    def _ranges(self) -> Recurring:
        if self.months is not None and not all(1 <= m <= 12 for m in self.months):
            raise ValueError("months must be 1-12")
        if self.weekdays is not None and not all(0 <= d <= 6 for d in self.weekdays):
            raise ValueError("weekdays must be 0 (Monday) to 6 (Sunday)")
        if self.end_hour <= self.start_hour:
            raise ValueError("end_hour must be after start_hour")
        return self


class WindowSet(StrictModel):
    """The union of explicit periods, recurring hours and price-triggered intervals."""

    periods: list[Period] = Field(default_factory=list)
    recurring: list[Recurring] = Field(default_factory=list)
    price_above_usd_per_mwh: float | None = Field(
        default=None,
        description="Also every interval whose energy price is above this [USD/MWh]",
    )

    @model_validator(mode="after")
    def _not_empty(self) -> WindowSet:
        if (
            not self.periods
            and not self.recurring
            and self.price_above_usd_per_mwh is None
        ):
            raise ValueError("give periods, recurring hours or price_above_usd_per_mwh")
        return self
