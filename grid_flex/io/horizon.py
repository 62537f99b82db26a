"""The horizon's checks on the standard library: start and end in UTC, whole steps.

Shared by :func:`grid_flex.inputs.horizon_index` (which then builds the pandas index)
and by the data-free check of ``grid-flex validate --no-data``, which loads no
pandas: one copy of the checks and of their messages.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from grid_flex.errors import ScenarioError
from grid_flex.schema.scenario import Horizon


def horizon_bounds_utc(h: Horizon) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of the horizon as UTC date-times, checked.

    Raises
    ------
    ScenarioError
        A naive start or end skipped or repeated by a daylight-saving change in
        ``h.timezone``, or ``end - start`` not a whole number of steps.
    """
    start, end = _utc(h, "start", h.start), _utc(h, "end", h.end)
    span = end - start
    if span % dt.timedelta(minutes=h.timestep_min):
        raise ScenarioError(
            "horizon.end",
            [
                f"horizon.end: end - start = {timedelta_text(span)} is not a whole "
                f"number of {h.timestep_min}-minute steps (horizon.timestep_min)"
            ],
        )
    return start, end


def _utc(h: Horizon, name: str, t: dt.datetime) -> dt.datetime:
    """``t`` in UTC; naive = local to the horizon's zone, which must name it once."""
    try:
        return local_to_utc(t, h.timezone)
    except LocalTimeError as exc:
        kind = (
            "does not exist (skipped by the daylight-saving change)"
            if exc.skipped
            else "occurs twice (daylight-saving fall-back)"
        )
        raise ScenarioError(
            f"horizon.{name}",
            [
                f"horizon.{name}: {t} {kind} in {h.timezone}; "
                "give the time with its UTC offset, e.g. "
                f"{t.isoformat()}-06:00, or pick another hour"
            ],
        ) from exc
    except OverflowError:
        raise ScenarioError(
            f"horizon.{name}",
            [
                f"horizon.{name}: {t} in {h.timezone} is outside the dates a "
                "calendar can hold in UTC (years 1 to 9999); give a real study period"
            ],
        ) from None


class LocalTimeError(ValueError):
    """A naive local time that a daylight-saving change skips or repeats."""

    def __init__(self, t: dt.datetime, timezone: str, *, skipped: bool) -> None:
        what = "does not exist" if skipped else "is ambiguous"
        super().__init__(f"{t} {what} in {timezone}")
        self.skipped = skipped


def local_to_utc(t: dt.datetime, timezone: str) -> dt.datetime:
    """A date-time in UTC; a naive one is local to ``timezone`` (an IANA name).

    Raises
    ------
    LocalTimeError
        A naive time skipped (``skipped=True``) or repeated by a daylight-saving
        change, as pandas' ``tz_localize(..., ambiguous="raise",
        nonexistent="raise")`` refuses them.
    """
    if t.tzinfo is not None:
        return t.astimezone(dt.UTC)
    zone = ZoneInfo(timezone)
    first = t.replace(tzinfo=zone, fold=0)
    if first.utcoffset() != t.replace(tzinfo=zone, fold=1).utcoffset():
        back = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
        raise LocalTimeError(t, timezone, skipped=back != t)
    return first.astimezone(dt.UTC)


def utc_text(t: dt.datetime) -> str:
    """A date-time for a message in UTC: ``"2019-01-01 06:00 UTC"``."""
    return t.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def timedelta_text(d: dt.timedelta) -> str:
    """A duration written the way pandas writes a Timedelta: ``1 days 00:30:00``."""
    hours, rest = divmod(d.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    sign = "+" if d.days < 0 else ""
    fraction = f".{d.microseconds:06d}" if d.microseconds else ""
    return f"{d.days} days {sign}{hours:02d}:{minutes:02d}:{seconds:02d}{fraction}"
