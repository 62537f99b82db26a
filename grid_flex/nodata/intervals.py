"""The horizon's intervals on the standard library: UTC starts, a regular step.

What the data-free checks need of the horizon's pandas index
(:func:`grid_flex.inputs.horizon_index`): its start and end, its step, its time zone
and the interval starts in UTC or in a local zone, without pandas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from grid_flex.io.horizon import horizon_bounds_utc
from grid_flex.schema.scenario import Horizon


@dataclass(frozen=True)
class Intervals:
    """The horizon ``[start, end)`` in steps of ``step``; ``timezone`` its zone.

    ``start`` and ``end`` are UTC date-times; naive scenario times are local to
    ``timezone``.
    """

    start: dt.datetime
    end: dt.datetime
    step: dt.timedelta
    timezone: str

    @classmethod
    def of(cls, h: Horizon) -> Intervals:
        """The horizon's intervals, checked (:func:`horizon_bounds_utc`)."""
        start, end = horizon_bounds_utc(h)
        return cls(start, end, dt.timedelta(minutes=h.timestep_min), h.timezone)

    @classmethod
    def of_index(cls, index: Any, timestep_h: Any, timezone: str) -> Intervals:
        """The intervals of a regular, non-empty UTC pandas index (as ``rctx`` has).

        ``timestep_h``: the length of each interval [h] (an array); the first gives
        the step.
        """
        step = dt.timedelta(hours=float(timestep_h[0]))
        start = index[0].to_pydatetime()
        return cls(start, start + len(index) * step, step, timezone)

    @property
    def span(self) -> tuple[dt.datetime, dt.datetime]:
        """``(start, end)``, UTC."""
        return self.start, self.end

    @property
    def n(self) -> int:
        """Number of intervals."""
        return (self.end - self.start) // self.step

    @property
    def step_h(self) -> float:
        """Length of every interval [h]."""
        return self.step / dt.timedelta(hours=1)

    def at(self, k: int) -> dt.datetime:
        """Start of interval ``k``, UTC."""
        return self.start + k * self.step

    def starts(self) -> Iterator[dt.datetime]:
        """Start of every interval, UTC, in order."""
        t, step = self.start, self.step
        for _ in range(self.n):
            yield t
            t += step

    def local_starts(self, timezone: str) -> Iterator[dt.datetime]:
        """Start of every interval in ``timezone`` (aware), in order."""
        zone = ZoneInfo(timezone)
        for t in self.starts():
            yield t.astimezone(zone)

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether some interval overlaps ``[start, end)`` (``start < end``).

        The intervals tile ``[self.start, self.end)``, so one overlaps exactly when
        the two spans do.
        """
        return start < self.end and end > self.start
