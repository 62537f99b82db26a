"""Windows (periods, recurring local hours, a price trigger) on the standard library.

:func:`period_spans` is the one copy of the explicit periods' checks (a local time a
daylight-saving change skips or repeats, a period outside the horizon);
:func:`grid_flex.programs.windows.window_mask` calls it before it builds its mask on
the horizon's index. :func:`selected` is the same mask as a list, for the data-free
checks that need it (a window that selects nothing, an event's baseline); a price
trigger raises :class:`DataNext` there, as the index path stops at the price.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from grid_flex.errors import ScenarioError
from grid_flex.io.horizon import utc_text
from grid_flex.nodata.four_cp import stamp_utc
from grid_flex.nodata.intervals import Intervals
from grid_flex.schema.windows import Recurring, WindowSet

Span = tuple[dt.datetime, dt.datetime]


class DataNext(Exception):
    """The next check of an entry needs a series (the energy price): stop there."""


def period_spans(
    windows: WindowSet,
    horizon: Span,
    timezone: str,
    *,
    field: str,
    outside: Literal["error", "ignore"] = "error",
) -> list[Span]:
    """Every explicit period as UTC ``(start, end)``, checked, in order.

    Parameters
    ----------
    windows : WindowSet
        The declared windows.
    horizon : tuple of datetime
        Start and end of the horizon, UTC.
    timezone : str
        Zone of naive date-times (the horizon's).
    field : str
        Dotted scenario path of ``windows``, for messages.
    outside : {"error", "ignore"}
        What to do with a period that overlaps no interval of the horizon.

    Raises
    ------
    ScenarioError
        A naive start or end skipped or repeated by a daylight-saving change, or
        (``outside="error"``) a period outside the horizon.
    """
    out = []
    for i, period in enumerate(windows.periods):
        where = f"{field}.periods[{i}]"
        start = stamp_utc(period.start, timezone, f"{where}.start")
        end = stamp_utc(period.end, timezone, f"{where}.end")
        if outside == "error" and not (start < horizon[1] and end > horizon[0]):
            raise ScenarioError(
                where,
                [
                    f"{where}: {utc_text(start)} to {utc_text(end)} lies outside the "
                    f"horizon ({utc_text(horizon[0])} to {utc_text(horizon[1])})"
                ],
            )
        out.append((start, end))
    return out


def in_recurring(rec: Recurring, local: dt.datetime, step_h: float) -> bool:
    """Whether the interval starting at ``local`` (its zone's time) overlaps ``rec``."""
    hour = local.hour + local.minute / 60.0
    return (
        hour < rec.end_hour
        and hour + step_h > rec.start_hour
        and (rec.months is None or local.month in rec.months)
        and (rec.weekdays is None or local.weekday() in rec.weekdays)
    )


def selected(windows: WindowSet, grid: Intervals, *, field: str) -> list[bool]:
    """Which intervals of the horizon lie in ``windows`` (periods checked first).

    Raises
    ------
    ScenarioError
        From :func:`period_spans`.
    DataNext
        The windows include a price trigger.
    """
    spans = check(windows, grid, field=field)
    step, step_h = grid.step, grid.step_h
    mask = []
    for t, local in zip(grid.starts(), grid.local_starts(grid.timezone), strict=True):
        end = t + step
        mask.append(
            any(t < b and end > a for a, b in spans)
            or any(in_recurring(rec, local, step_h) for rec in windows.recurring)
        )
    return mask


def any_selected(windows: WindowSet, grid: Intervals, *, field: str) -> bool:
    """Whether ``windows`` select some interval (periods checked first).

    Stops at the first interval a recurring window selects.

    Raises
    ------
    ScenarioError
        From :func:`period_spans`.
    DataNext
        The windows include a price trigger.
    """
    spans = check(windows, grid, field=field)
    if spans:  # each overlaps the horizon, or period_spans refused it
        return True
    step_h = grid.step_h
    return any(
        in_recurring(rec, local, step_h)
        for local in grid.local_starts(grid.timezone)
        for rec in windows.recurring
    )


def check(windows: WindowSet, grid: Intervals, *, field: str) -> list[Span]:
    """The checks :func:`grid_flex.programs.windows.window_mask` makes before the price.

    Returns the explicit periods' spans (UTC).

    Raises
    ------
    ScenarioError
        From :func:`period_spans`.
    DataNext
        The windows include a price trigger.
    """
    spans = period_spans(windows, grid.span, grid.timezone, field=field)
    if windows.price_above_usd_per_mwh is not None:
        raise DataNext(field)
    return spans
