"""Placing hour-of-year profiles (AVERT, DOE CRB) on a calendar of UTC time stamps."""

from __future__ import annotations

import datetime as dt
from typing import Final

import numpy as np
import pandas as pd

from grid_flex.errors import DataError
from grid_flex.io.timeseries import LineMap, parse_timezone

HOURS_PER_YEAR: Final = 8760
#: Day of a non-leap year (0-based) on which each month starts.
_MONTH_START_DAY: Final = np.array(
    [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
)


def standard_offset(timezone: str, year: int = 2023) -> dt.timedelta:
    """Return the standard-time (winter) UTC offset of ``timezone``.

    For an IANA zone this is the smaller of its January and July offsets, i.e. the
    January offset in the northern hemisphere (``"America/Chicago"`` -> UTC-6).
    ``"UTC"`` and fixed offsets (``"UTC-08:00"``) are returned as they are.
    """
    tz = parse_timezone(timezone)
    offsets = [
        pd.Timestamp(year=year, month=month, day=15, tz=tz).utcoffset()
        for month in (1, 7)
    ]
    return min(o for o in offsets if o is not None)


def place_hour_of_year(
    profile: pd.Series,
    index: pd.DatetimeIndex,
    *,
    timezone: str,
    name: str | None = None,
) -> pd.Series:
    """Put an 8,760-hour profile with no year on a calendar of interval starts.

    The hour of year of each time stamp is read in the profile's local **standard**
    time all year: AVERT and DOE CRB profiles are in local standard time, so
    ``"America/Chicago"`` means fixed UTC-6 (the zone's standard offset, see
    :func:`standard_offset`), with no daylight-saving shift. Values are looked up by
    month, day and hour of a non-leap year, so March 1 is always March 1; in a leap
    year February 29 repeats February 28. A sub-hourly interval takes the value of the
    hour it falls in; stamps near New Year whose local standard time falls in another
    year use that date's hour (the profile wraps around the year).

    Parameters
    ----------
    profile : pandas.Series
        8,760 values on an hour-of-year index 0..8759 (units unchanged).
    index : pandas.DatetimeIndex
        tz-aware interval starts (hourly or sub-hourly, any year).
    timezone : str
        Time zone the profile's hours are counted in (IANA name, ``"UTC"`` or fixed
        offset).
    name : str, optional
        Name of the result; defaults to ``profile.name``.

    Returns
    -------
    pandas.Series
        The profile's values on ``index``; ``attrs`` copied from ``profile``. A
        profile read from a file (``attrs["hour_lines"]``) gives the placed series
        a line map (``attrs["lines"]``), so later messages name the file line.

    Raises
    ------
    DataError
        If the profile does not have exactly 8,760 values on index 0..8759, or the
        index is not tz-aware.
    """
    source = str(profile.attrs.get("source", profile.name))
    if len(profile) != HOURS_PER_YEAR:
        raise DataError(
            f"{source}: an hour-of-year profile needs {HOURS_PER_YEAR} values, "
            f"got {len(profile)}"
        )
    if not np.array_equal(profile.index.to_numpy(), np.arange(HOURS_PER_YEAR)):
        raise DataError(
            f"{source}: profile index must be hours 0..{HOURS_PER_YEAR - 1}"
        )
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise DataError(f"{source}: the calendar must be tz-aware time stamps")

    local = index.tz_convert("UTC").tz_localize(None) + standard_offset(
        timezone, year=int(index[0].year) if len(index) else 2023
    )
    month = np.asarray(local.month)
    day = np.asarray(local.day)
    day = np.where((month == 2) & (day == 29), 28, day)
    day_of_year = _MONTH_START_DAY[month - 1] + day - 1
    hour_of_year = day_of_year * 24 + np.asarray(local.hour)
    values = profile.to_numpy(dtype=float)[hour_of_year]
    out = pd.Series(
        values, index=index, name=name if name is not None else profile.name
    )
    out.attrs = {k: v for k, v in profile.attrs.items() if k != "hour_lines"}
    hour_lines = profile.attrs.get("hour_lines")
    step = index[1] - index[0] if len(index) > 1 else None
    if (
        hour_lines is not None
        and step is not None
        and (index[1:] - index[:-1] == step).all()
    ):
        # Each stamp's file line: the line of the hour it took its value from.
        out.attrs["lines"] = LineMap(
            index[0], step, np.asarray(hour_lines)[hour_of_year]
        )
    return out
