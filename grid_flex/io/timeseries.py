"""Time-series helpers shared by every reader, and the generic user CSV reader.

Every series that leaves :mod:`grid_flex.io` follows the contract of
:mod:`grid_flex.conventions`: a float :class:`pandas.Series` on a tz-aware **UTC**
:class:`pandas.DatetimeIndex` of interval **starts**, regular (``index.freq`` set),
sorted and without duplicates, named ``<quantity>_<canonical unit>``
(e.g. ``price_usd_per_mwh``), with ``attrs["source"] = "<file name>:<column>"``.
Missing values stay NaN (a missing row becomes a NaN at its time stamp) until
:func:`fill_missing` decides what to do with them.

Local time
    ``timezone`` is an IANA name (``"America/Chicago"``: daylight saving handled by
    pandas), ``"UTC"``, or a fixed offset (``"UTC-08:00"``). On the fall-back day the
    repeated local hour is resolved by a flag column when there is one (flag set = the
    second, standard-time copy) and otherwise by order (first copy = daylight time). The
    spring-forward hour simply does not occur in a correct file; a file that contains it
    raises :class:`~grid_flex.errors.DataError`.
Hour ending
    With ``time_convention="end"`` each label is the end of its interval. Both ways of
    writing the daylight-saving days are read (:func:`hour_ending_starts_utc`): as the
    ISOs write them (the start is ``label - step`` on the local wall clock; ERCOT
    "HE 02:00" on the fall-back day is 01:00-02:00 twice) and as a clock shows them
    (the start is ``label - step`` in absolute time; the spring-forward day runs
    01:00, 03:00, 04:00). ``24:00`` is midnight at the end of the day, and ``0:00`` of
    the next day is read the same way.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from grid_flex.errors import DataError
from grid_flex.units import convert, unit_spec

MissingPolicy = Literal["error", "interpolate", "ffill", "zero"]
TimeConvention = Literal["start", "end"]

#: Cell texts read as a missing value by default.
DEFAULT_MISSING: Final[tuple[str, ...]] = ("", "-", "NA", "n/a")
#: Flag texts (lower case) meaning "this is the repeated, standard-time copy".
_FLAG_TRUE: Final = frozenset({"y", "yes", "true", "t", "1"})
_FLAG_FALSE: Final = frozenset({"n", "no", "false", "f", "0", ""})
#: File line of the first data row (the header is line 1).
_FIRST_DATA_LINE: Final = 2
#: How many missing time stamps an error message lists.
_LIST_MAX: Final = 5

_FIXED_OFFSET = re.compile(
    r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE
)
_HOUR_24 = re.compile(r"(?<![\d:])24:00(?!:?[1-9])")


# ---------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------
def format_stamp(stamp: object) -> str:
    """Format a time stamp for a message: ``"2019-01-01 06:00 UTC"``.

    Non-timestamps (e.g. an hour-of-year integer) are returned as ``str``.
    """
    if isinstance(stamp, pd.Timestamp) and stamp.tzinfo is not None:
        return stamp.tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(stamp, pd.Timestamp):
        return stamp.strftime("%Y-%m-%d %H:%M")
    return str(stamp)


def parse_timezone(timezone: str) -> str | dt.tzinfo:
    """Turn a scenario time-zone string into something ``tz_localize`` accepts.

    Parameters
    ----------
    timezone : str
        ``"UTC"``, a fixed offset (``"UTC-08:00"``, ``"UTC+1"``, ``"-0800"``) or an
        IANA name (``"America/Chicago"``).

    Returns
    -------
    str or datetime.tzinfo
        ``"UTC"``, a :class:`datetime.timezone` for fixed offsets, or the IANA name.
    """
    text = timezone.strip()
    if text.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    match = _FIXED_OFFSET.match(text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        hours, minutes = int(match.group(2)), int(match.group(3) or 0)
        if hours > 23 or minutes > 59:
            raise DataError(f"invalid UTC offset {timezone!r}")
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError(
            f"unknown time zone {timezone!r}: use an IANA name ('America/Chicago'), "
            "'UTC' or a fixed offset ('UTC-08:00')"
        ) from None
    return text


def step_of(freq: str | pd.Timedelta) -> pd.Timedelta:
    """Return the fixed length of a pandas frequency (``"h"``, ``"15min"``)."""
    if isinstance(freq, pd.Timedelta):
        step = freq
    else:
        try:
            offset = to_offset(freq)
        except (ValueError, TypeError):
            offset = None
        if not isinstance(offset, Tick):
            raise DataError(
                f"invalid freq {freq!r}: give a fixed step such as 'h' or '15min'"
            )
        step = pd.Timedelta(offset)
    if step <= pd.Timedelta(0):
        raise DataError(f"invalid freq {freq!r}: the step must be positive")
    return step


def _line(position: int) -> int:
    """File line of the data row at 0-based ``position`` (header = line 1)."""
    return int(position) + _FIRST_DATA_LINE


#: File line of the data row at a 0-based position (public name for the readers).
file_line = _line


class LineMap:
    """File line of each stamp of a regular series (0 where the file has no row).

    Kept in ``series.attrs["lines"]`` by :func:`make_regular` so that later messages
    (missing values, impossible values) can name the file line as well as the time
    stamp. Shared, never copied: pandas copies ``attrs`` deeply on many operations.
    """

    def __init__(self, start: pd.Timestamp, step: pd.Timedelta, lines: np.ndarray):
        self.start, self.step = start, step
        self.lines = np.asarray(lines, dtype=np.int64)

    def __deepcopy__(self, memo: dict[int, object]) -> LineMap:
        return self

    def _position(self, stamp: pd.Timestamp) -> int | None:
        k, rest = divmod(stamp - self.start, self.step)
        return int(k) if rest == pd.Timedelta(0) and 0 <= k < len(self.lines) else None

    def where(self, stamp: pd.Timestamp) -> str:
        """``"line 8"``, ``"no row, after line 6"`` or ``""`` (not from this file)."""
        k = self._position(stamp)
        if k is None:
            return ""
        if self.lines[k] > 0:
            return f"line {self.lines[k]}"
        before = self.lines[:k][self.lines[:k] > 0]
        return f"no row, after line {before[-1]}" if before.size else "no row"


def where_in_file(series: pd.Series, stamp: pd.Timestamp) -> str:
    """The file line of ``stamp`` in ``series`` as ``" (line 8)"``, or ``""``."""
    lines = series.attrs.get("lines")
    text = lines.where(stamp) if isinstance(lines, LineMap) else ""
    return f" ({text})" if text else ""


# ---------------------------------------------------------------------------------
# validation and gap filling
# ---------------------------------------------------------------------------------
def check_series(s: pd.Series, *, source: str) -> pd.Series:
    """Validate the time-series contract and return ``s`` with ``index.freq`` set.

    Checks a tz-aware :class:`~pandas.DatetimeIndex` that is strictly increasing
    (sorted, no duplicates) with one regular step, and a numeric dtype. NaN values are
    allowed (see :func:`fill_missing`).

    Parameters
    ----------
    s : pandas.Series
        Series to check; units are not looked at.
    source : str
        Origin named in error messages (``"data/file.csv:column"``).

    Returns
    -------
    pandas.Series
        ``s`` itself if its index has a ``freq``; else a copy whose index carries the
        (regular) step as ``freq``.

    Raises
    ------
    DataError
        Naming ``source`` and the first offending time stamp.
    """
    index = s.index
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(f"{source}: index is {type(index).__name__}, not time stamps")
    if len(index) == 0:
        raise DataError(f"{source}: the series is empty")
    if index.tz is None:
        raise DataError(
            f"{source}: time stamps have no time zone (first {format_stamp(index[0])})"
        )
    if not pd.api.types.is_numeric_dtype(s.dtype):
        raise DataError(f"{source}: values are {s.dtype}, not numbers")
    deltas = index[1:] - index[:-1]
    not_increasing = np.flatnonzero(np.asarray(deltas <= pd.Timedelta(0)))
    if not_increasing.size:
        i = int(not_increasing[0]) + 1
        what = "duplicate" if index[i] == index[i - 1] else "out-of-order"
        raise DataError(f"{source}: {what} time stamp {format_stamp(index[i])}")
    if index.freq is not None:
        return s
    if len(index) < 2:
        raise DataError(
            f"{source}: cannot tell the time step of a single value at "
            f"{format_stamp(index[0])}"
        )
    step = pd.Series(deltas).mode().iloc[0]
    irregular = np.flatnonzero(np.asarray(deltas != step))
    if irregular.size:
        i = int(irregular[0]) + 1
        raise DataError(
            f"{source}: irregular time step at {format_stamp(index[i])} "
            f"({deltas[i - 1]} after the previous stamp, expected {step})"
        )
    out = s.copy()
    out.index = pd.DatetimeIndex(index, freq=to_offset(step))
    return out


def _nan_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start positions and lengths of the runs of ``True`` in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return starts, ends - starts


def fill_missing(
    s: pd.Series,
    *,
    policy: MissingPolicy,
    source: str,
    max_gap_h: float | None = None,
) -> pd.Series:
    """Apply a missing-value policy to ``s`` (units unchanged).

    Parameters
    ----------
    s : pandas.Series
        Series that may hold NaN, on a regular time index (or hour-of-year index,
        taken as hourly).
    policy : {"error", "interpolate", "ffill", "zero"}
        ``"error"`` raises if anything is missing; ``"interpolate"`` is linear in time;
        ``"ffill"`` carries the last value forward; ``"zero"`` puts 0. With
        ``interpolate`` and ``ffill``, NaN before the first value take the first value.
    source : str
        Origin named in error messages.
    max_gap_h : float, optional
        Longest run of missing values that may be filled [h]; a longer gap raises.

    Returns
    -------
    pandas.Series
        Same index, name and attrs; ``attrs["filled"]`` records what was filled.

    Raises
    ------
    DataError
        With ``"error"`` and missing values (count and first time stamps), when every
        value is missing, or when a gap is longer than ``max_gap_h``.
    """
    if policy not in get_args(MissingPolicy):
        options = ", ".join(get_args(MissingPolicy))
        raise DataError(f"{source}: unknown fill_missing policy {policy!r} ({options})")
    mask = s.isna().to_numpy()
    count = int(mask.sum())
    if count == 0:
        return s
    missing_at = s.index[mask]
    listed = ", ".join(
        f"{format_stamp(t)}{where_in_file(s, t)}" for t in missing_at[:_LIST_MAX]
    )
    more = ", ..." if count > _LIST_MAX else ""
    if policy == "error":
        what = "missing value" if count == 1 else "missing values"
        raise DataError(
            f"{source}: {count:,} {what}: {listed}{more}; set fill_missing to "
            "interpolate/ffill/zero or choose another column"
        )
    if count == len(s):
        raise DataError(f"{source}: all {count:,} values are missing; nothing to fill")
    if max_gap_h is not None:
        index = s.index
        freq = index.freq if isinstance(index, pd.DatetimeIndex) else None
        step_h = (
            pd.Timedelta(freq).total_seconds() / 3600.0
            if isinstance(freq, Tick)
            else 1.0
        )
        starts, lengths = _nan_runs(mask)
        too_long = np.flatnonzero(lengths * step_h > max_gap_h)
        if too_long.size:
            k = int(too_long[0])
            raise DataError(
                f"{source}: gap of {lengths[k] * step_h:g} h starting "
                f"{format_stamp(index[starts[k]])} is longer than max_gap_h = "
                f"{max_gap_h:g} h"
            )
    if policy == "interpolate":
        out = s.interpolate(method="linear").ffill().bfill()
    elif policy == "ffill":
        out = s.ffill().bfill()
    else:
        out = s.fillna(0.0)
    out.attrs = {**s.attrs, "filled": f"{count} values by {policy}"}
    return out


# ---------------------------------------------------------------------------------
# parsing helpers used by the readers
# ---------------------------------------------------------------------------------
def _text_dtype() -> pd.StringDtype[Literal["python"]]:
    """The string dtype of pandas in Python storage, missing values as NaN."""
    return pd.StringDtype("python", na_value=np.nan)


def load_table(path: str | Path, *, sep: str = ",") -> pd.DataFrame:
    """Read a delimited text file as strings (no type guessing, no NaN guessing).

    A UTF-8 byte-order mark is dropped and header names are stripped of blanks. The
    columns are pandas strings held as Python objects: the C parser makes those
    directly, while Arrow-backed strings (pandas 3's default with pyarrow) cost a
    conversion of every cell (on the 61,824-row ERCOT 15-minute file: 41 ms read
    against 68 ms, whole reader 99 ms against 125 ms).

    Raises
    ------
    DataError
        If the file does not exist or is not readable as delimited text.
    """
    file = Path(path)
    if not file.is_file():
        raise DataError(f"{file}: file not found")
    try:
        with warnings.catch_warnings():
            # A first data row longer than the header would silently become an index.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(
                file,
                sep=sep,
                dtype=_text_dtype(),
                keep_default_na=False,
                encoding="utf-8-sig",
                index_col=False,
            )
    except pd.errors.ParserWarning:
        raise DataError(
            f"{file}: line {_FIRST_DATA_LINE} has more fields than the header "
            f"(separator {sep!r})"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{file}: cannot read as delimited text ({exc})") from None
    table.columns = [str(c).strip() for c in table.columns]
    return table


def require_columns(
    table: pd.DataFrame, columns: Sequence[str], *, source: str
) -> None:
    """Raise :class:`DataError` naming the available columns if one is absent."""
    absent = [c for c in columns if c not in table.columns]
    if absent:
        available = ", ".join(repr(c) for c in table.columns)
        raise DataError(
            f"{source}: column {absent[0]!r} not found; available columns: {available}"
        )


def parse_numbers(
    raw: pd.Series,
    *,
    source: str,
    thousands: str | None = None,
    decimal: str = ".",
    missing_values: Sequence[str] = DEFAULT_MISSING,
) -> np.ndarray:
    """Parse a column of number texts to float, vectorised.

    Parameters
    ----------
    raw : pandas.Series
        Cell texts; its index is the 0-based data-row position in the file.
    source : str
        Origin named in error messages.
    thousands, decimal : str
        Thousands separator to drop (``","`` for ``"1,899.35"``) and decimal mark.
    missing_values : sequence of str
        Texts (after stripping blanks) that mean "missing" and become NaN.

    Raises
    ------
    DataError
        Naming the file line and raw text of the first cell that is not a number.
    """
    text = raw.astype(str).str.strip()
    missing = text.isin(list(missing_values)).to_numpy()
    cleaned = text
    if thousands:
        cleaned = cleaned.str.replace(thousands, "", regex=False)
    if decimal != ".":
        cleaned = cleaned.str.replace(decimal, ".", regex=False)
    numbers = pd.to_numeric(cleaned.where(~missing), errors="coerce")
    values = np.asarray(numbers, dtype=float)
    bad = np.flatnonzero(np.isnan(values) & ~missing)
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{source}: line {_line(raw.index[i])}: cannot read {raw.iloc[i]!r} as a "
            "number"
        )
    infinite = np.flatnonzero(np.isinf(values))
    if infinite.size:
        i = int(infinite[0])
        raise DataError(
            f"{source}: line {_line(raw.index[i])}: {raw.iloc[i]!r} is not a finite "
            "number"
        )
    return values


def parse_flags(raw: pd.Series, *, source: str) -> np.ndarray:
    """Parse a repeated-hour flag column (Y/N, true/false, 1/0) to bool.

    ``True`` marks the second (standard-time) copy of the repeated fall-back hour.
    """
    text = raw.astype(str).str.strip().str.lower()
    truthy = text.isin(list(_FLAG_TRUE)).to_numpy()
    bad = np.flatnonzero(~truthy & ~text.isin(list(_FLAG_FALSE)).to_numpy())
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{source}: line {_line(raw.index[i])}: repeated-hour flag "
            f"{raw.iloc[i]!r} is not Y/N"
        )
    return truthy


def parse_times(
    raw: pd.Series, *, source: str, time_format: str | None = None
) -> pd.DatetimeIndex:
    """Parse time texts, reading ``24:00`` as midnight at the end of the day.

    Parameters
    ----------
    raw : pandas.Series
        Time texts; its index is the 0-based data-row position in the file.
    source : str
        Origin named in error messages.
    time_format : str, optional
        ``strptime`` format (e.g. ``"%m/%d/%Y %H:%M"``); inferred when omitted.

    Returns
    -------
    pandas.DatetimeIndex
        Naive labels as written (local wall clock), or UTC if the texts carry offsets.

    Raises
    ------
    DataError
        Naming the file line and raw text of the first unreadable time.
    """
    text = raw.astype(str).str.strip()
    is_24 = text.str.contains(_HOUR_24, regex=True).to_numpy()
    fixed = text.str.replace(_HOUR_24, "00:00", regex=True) if is_24.any() else text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            parsed = pd.to_datetime(fixed, format=time_format, errors="coerce")
        except ValueError as exc:
            if "utc=True" not in str(exc):
                raise DataError(f"{source}: cannot read times ({exc})") from None
            parsed = pd.to_datetime(
                fixed, format=time_format, errors="coerce", utc=True
            )
    index = pd.DatetimeIndex(parsed)
    bad = np.flatnonzero(np.asarray(index.isna()))
    if bad.size:
        i = int(bad[0])
        hint = f" with format {time_format!r}" if time_format else ""
        raise DataError(
            f"{source}: line {_line(raw.index[i])}: cannot read time "
            f"{raw.iloc[i]!r}{hint}"
        )
    if is_24.any():
        index = index + pd.to_timedelta(is_24.astype(np.int64), unit="D")
    return index


def infer_step(labels: pd.DatetimeIndex, *, source: str) -> pd.Timedelta:
    """Most common positive difference between the distinct sorted ``labels``."""
    distinct = labels.unique().sort_values()
    if len(distinct) < 2:
        raise DataError(f"{source}: cannot infer the time step from one time stamp")
    deltas = pd.Series(distinct[1:] - distinct[:-1])
    return pd.Timedelta(deltas.mode().iloc[0])


def localize_to_utc(
    local: pd.DatetimeIndex,
    timezone: str,
    *,
    source: str,
    repeated: np.ndarray | None = None,
) -> pd.DatetimeIndex:
    """Attach ``timezone`` to wall-clock stamps and convert them to UTC.

    Parameters
    ----------
    local : pandas.DatetimeIndex
        Naive local wall-clock times, in file order (already tz-aware: just converted).
    timezone : str
        IANA name, ``"UTC"`` or fixed offset (see :func:`parse_timezone`).
    source : str
        Origin named in error messages.
    repeated : numpy.ndarray of bool, optional
        Flag of the second (standard-time) copy of an ambiguous fall-back time. Without
        it the first occurrence of an ambiguous time is daylight time and later ones
        standard time.

    Raises
    ------
    DataError
        If a time does not exist locally (inside the spring-forward gap).
    """
    if local.tz is not None:
        return local.tz_convert("UTC")
    tz = parse_timezone(timezone)
    if not isinstance(tz, str) or tz == "UTC":
        return local.tz_localize(tz).tz_convert("UTC")
    if repeated is None:
        is_dst = ~np.asarray(local.duplicated(keep="first"))
    else:
        is_dst = ~np.asarray(repeated, dtype=bool)
    aware = local.tz_localize(tz, ambiguous=is_dst, nonexistent="NaT")
    gap = np.flatnonzero(np.asarray(aware.isna()))
    if gap.size:
        i = int(gap[0])
        raise DataError(
            f"{source}: line {_line(i)}: local time {local[i]:%Y-%m-%d %H:%M} does not "
            f"exist in {timezone} (clocks spring forward)"
        )
    return aware.tz_convert("UTC")


def _localize_or_nat(
    local: pd.DatetimeIndex, tz: str, repeated: np.ndarray | None
) -> pd.DatetimeIndex:
    """``local`` in UTC; times inside the spring-forward gap become NaT."""
    if repeated is None:
        is_dst = ~np.asarray(local.duplicated(keep="first"))
    else:
        is_dst = ~np.asarray(repeated, dtype=bool)
    aware = local.tz_localize(tz, ambiguous=is_dst, nonexistent="NaT")
    return aware.tz_convert("UTC")


def _clean(stamps: pd.DatetimeIndex) -> bool:
    return not bool(stamps.isna().any()) and not bool(stamps.duplicated().any())


def hour_ending_starts_utc(
    labels: pd.DatetimeIndex,
    step: pd.Timedelta,
    timezone: str,
    *,
    source: str,
    repeated: np.ndarray | None = None,
) -> pd.DatetimeIndex:
    """UTC interval starts of interval-ending ``labels`` in ``timezone``.

    Files write the two daylight-saving days in one of two ways, and both are read:

    * the ISO way (ERCOT): the label is the hour number on the wall clock, so the
      start is ``label - step`` on the wall clock (spring forward: HE 01, 02, 04;
      fall back: HE 02 twice, the flag or the order telling the copies apart);
    * the clock way: the label is the instant the interval ends, so the start is
      ``label - step`` in absolute time (spring forward: 01:00, 03:00, 04:00, since
      02:00 never shows on a clock; fall back: 01:00 twice).

    The wall-clock reading is used when it gives distinct, existing times; otherwise
    the instant reading; otherwise the error names the first impossible label.

    Raises
    ------
    DataError
        Naming the file line of a label that fits neither reading.
    """
    if labels.tz is not None:
        return labels.tz_convert("UTC") - step
    tz = parse_timezone(timezone)
    if not isinstance(tz, str) or tz == "UTC":
        return (labels - step).tz_localize(tz).tz_convert("UTC")
    wall = _localize_or_nat(labels - step, tz, repeated)
    if _clean(wall):
        return wall
    instant = _localize_or_nat(labels, tz, repeated) - step
    if _clean(instant):
        return instant
    gap = np.flatnonzero(np.asarray(wall.isna()))
    if gap.size:
        i = int(gap[0])
        raise DataError(
            f"{source}: line {_line(i)}: interval ending {labels[i]:%Y-%m-%d %H:%M} "
            f"would start at {labels[i] - step:%Y-%m-%d %H:%M}, which does not exist "
            f"in {timezone} (clocks spring forward), and the labels are not interval "
            "ends on the clock either; check time_convention and timezone"
        )
    return wall  # duplicates are named by make_regular


def make_regular(
    values: np.ndarray | pd.Series,
    index: pd.DatetimeIndex,
    *,
    step: pd.Timedelta,
    source: str,
    name: str,
    lines: np.ndarray | pd.Index | None = None,
) -> pd.Series:
    """Build a regular, sorted UTC series; absent steps become NaN.

    Parameters
    ----------
    values : array-like of float
        One value per stamp of ``index``.
    index : pandas.DatetimeIndex
        tz-aware interval starts, any order.
    step : pandas.Timedelta
        Interval length; every stamp must lie on the grid ``index.min() + k * step``.
    source : str
        Origin named in error messages, also stored in ``attrs["source"]``.
    name : str
        Series name (with its unit).
    lines : array-like of int, optional
        File line of each value; kept as a :class:`LineMap` in ``attrs["lines"]``.

    Raises
    ------
    DataError
        On a duplicate stamp or a stamp off the regular grid, naming it.
    """
    utc = index.tz_convert("UTC")
    series = pd.Series(np.asarray(values, dtype=float), index=utc)
    order = np.argsort(np.asarray(utc.asi8), kind="stable")
    series = series.iloc[order]
    stamps = series.index
    duplicated = np.flatnonzero(np.asarray(stamps.duplicated()))
    if duplicated.size:
        stamp = format_stamp(stamps[int(duplicated[0])])
        raise DataError(
            f"{source}: duplicate time stamp {stamp} (check the time zone, the "
            "repeated-hour flag and the hour-ending/beginning convention)"
        )
    off_grid = np.flatnonzero(
        np.asarray((stamps - stamps[0]) % step != pd.Timedelta(0))
    )
    if off_grid.size:
        i = int(off_grid[0])
        raise DataError(
            f"{source}: irregular time stamps: {format_stamp(stamps[i])} is not on the "
            f"{step} grid of {format_stamp(stamps[0])} (previous stamp "
            f"{format_stamp(stamps[i - 1])})"
        )
    grid = pd.date_range(stamps[0], stamps[-1], freq=to_offset(step))
    out = series.reindex(grid)
    out.name = name
    out.attrs["source"] = source
    if lines is not None:
        at = np.zeros(len(grid), dtype=np.int64)
        at[grid.get_indexer(stamps)] = np.asarray(lines, dtype=np.int64)[order]
        out.attrs["lines"] = LineMap(grid[0], step, at)
    return out


# ---------------------------------------------------------------------------------
# generic reader
# ---------------------------------------------------------------------------------
def frame_from_table(
    table: pd.DataFrame,
    *,
    file_name: str,
    time_column: str | Sequence[str],
    value_columns: Mapping[str, str],
    time_convention: TimeConvention,
    timezone: str,
    time_format: str | None = None,
    thousands: str | None = None,
    decimal: str = ".",
    missing_values: Sequence[str] = DEFAULT_MISSING,
    repeated_hour_column: str | None = None,
    freq: str | None = None,
) -> pd.DataFrame:
    """Turn a string table (see :func:`load_table`) into a regular UTC frame.

    Parameters are those of :func:`read_csv_series`, except ``value_columns`` which
    maps each value column to its unit. Columns keep their file names; values are in
    canonical units and ``attrs["names"]`` maps each column to its series name
    ``<quantity>_<canonical unit>``.
    """
    if time_convention not in get_args(TimeConvention):
        raise DataError(
            f"{file_name}: time_convention must be 'start' or 'end', "
            f"not {time_convention!r}"
        )
    for unit in value_columns.values():
        unit_spec(unit)  # fail on an unknown unit before parsing anything
    time_columns = [time_column] if isinstance(time_column, str) else list(time_column)
    extra = [repeated_hour_column] if repeated_hour_column else []
    require_columns(table, [*time_columns, *extra, *value_columns], source=file_name)
    if table.empty:
        raise DataError(f"{file_name}: no data rows")

    raw_time = table[time_columns[0]].astype(str).str.strip()
    for column in time_columns[1:]:
        raw_time = raw_time + " " + table[column].astype(str).str.strip()
    labels = parse_times(raw_time, source=file_name, time_format=time_format)
    step = (
        step_of(freq)
        if freq is not None
        else infer_step(labels, source=f"{file_name}:{'+'.join(time_columns)}")
    )
    repeated = (
        parse_flags(table[repeated_hour_column], source=file_name)
        if repeated_hour_column
        else None
    )
    if time_convention == "end":
        utc = hour_ending_starts_utc(
            labels, step, timezone, source=file_name, repeated=repeated
        )
    else:
        utc = localize_to_utc(labels, timezone, source=file_name, repeated=repeated)

    columns: dict[str, pd.Series] = {}
    names: dict[str, str] = {}
    for column, unit in value_columns.items():
        source = f"{file_name}:{column}"
        values = parse_numbers(
            table[column],
            source=source,
            thousands=thousands,
            decimal=decimal,
            missing_values=missing_values,
        )
        converted, quantity, canonical = convert(values, unit)
        names[column] = f"{quantity}_{canonical}"
        columns[column] = make_regular(
            converted,
            utc,
            step=step,
            source=source,
            name=names[column],
            lines=table.index + _FIRST_DATA_LINE,
        )
    frame = pd.DataFrame(columns)
    lines = {c: s.attrs["lines"] for c, s in columns.items() if "lines" in s.attrs}
    frame.attrs = {"source": file_name, "names": names, "lines": lines}
    return frame


def read_csv_series(
    path: str | Path,
    *,
    time_column: str | Sequence[str],
    value_column: str,
    unit: str,
    time_convention: TimeConvention,
    timezone: str,
    time_format: str | None = None,
    sep: str = ",",
    thousands: str | None = None,
    decimal: str = ".",
    missing_values: tuple[str, ...] = DEFAULT_MISSING,
    repeated_hour_column: str | None = None,
    freq: str | None = None,
) -> pd.Series:
    """Read one value column of a user CSV as a contract series.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    time_column : str or sequence of str
        Column with the time label; several columns (e.g. date and hour) are joined
        with a blank before parsing.
    value_column : str
        Column with the values.
    unit : str
        Unit of the values (see :mod:`grid_flex.units`); the result is converted to
        the canonical unit and named ``<quantity>_<canonical unit>``
        (``"usd_per_kwh"`` -> ×1000, ``"price_usd_per_mwh"``).
    time_convention : {"start", "end"}
        Whether a label is the start (hour beginning) or end (hour ending) of its
        interval. Hour-ending ``24:00`` and ``0:00`` of the next day both work.
    timezone : str
        Time zone of the labels: IANA name (DST handled), ``"UTC"`` or ``"UTC-08:00"``.
        Ignored when the labels carry their own UTC offsets.
    time_format : str, optional
        ``strptime`` format of the (joined) time label; inferred when omitted.
    sep, thousands, decimal : str
        Field separator, thousands separator (dropped) and decimal mark.
    missing_values : tuple of str
        Cell texts that mean "missing" (kept as NaN).
    repeated_hour_column : str, optional
        Flag column (Y/N) marking the second copy of the repeated fall-back hour.
        Without it the first copy is daylight time.
    freq : str, optional
        Interval length (``"h"``, ``"15min"``); inferred from the most common
        difference between labels when omitted.

    Returns
    -------
    pandas.Series
        Float values on a regular UTC interval-start index; absent rows are NaN;
        ``attrs["source"] = "<file name>:<value column>"``.

    Raises
    ------
    DataError
        Missing file or column (available columns listed), unreadable time or value
        (file line and raw text), unknown unit (accepted units listed), duplicate or
        irregular time stamps (stamp named).
    """
    table = load_table(path, sep=sep)
    frame = frame_from_table(
        table,
        file_name=Path(path).name,
        time_column=time_column,
        value_columns={value_column: unit},
        time_convention=time_convention,
        timezone=timezone,
        time_format=time_format,
        thousands=thousands,
        decimal=decimal,
        missing_values=missing_values,
        repeated_hour_column=repeated_hour_column,
        freq=freq,
    )
    column = frame[value_column]
    series = column.rename(frame.attrs["names"][value_column])
    series.attrs = {"source": f"{Path(path).name}:{value_column}"}
    if value_column in frame.attrs["lines"]:
        series.attrs["lines"] = frame.attrs["lines"][value_column]
    return series
