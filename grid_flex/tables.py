"""Write time-series tables fast: vectorised time stamps, pyarrow CSV and Parquet.

A year at 15 minutes is 35,136 rows; formatting its time stamps row by row
(``strftime``) and writing it with :meth:`pandas.DataFrame.to_csv` took longer than
building and solving its LP. Here a stamp is assembled from three small lookup tables
(the distinct days, times of day and UTC offsets of the index), and the table is
written by pyarrow's C++ writers.

CSV conventions: a missing value (NaN) is an empty cell; numbers are written in the
shortest form that reads back to the same float64 (``3`` for 3.0, ``1e-05``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from grid_flex.conventions import UTC_TEXT

UTC_FORMAT = UTC_TEXT
SECONDS_PER_DAY = 86_400


def _stamps(seconds: np.ndarray, sep: str, suffix: pa.Array | str) -> pa.Array:
    """``YYYY-MM-DD{sep}HH:MM:SS{suffix}`` for integer seconds since the epoch."""
    day, time_of_day = np.divmod(seconds, SECONDS_PER_DAY)
    days, day_pos = np.unique(day, return_inverse=True)
    times, time_pos = np.unique(time_of_day, return_inverse=True)
    day_text = pa.array(np.datetime_as_string(days.astype("M8[D]")).tolist())
    time_text = pa.array(
        [
            f"{sep}{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"
            for t in times.tolist()
        ]
    )
    tail = pa.scalar(suffix) if isinstance(suffix, str) else suffix
    return pa.compute.binary_join_element_wise(
        day_text.take(pa.array(day_pos)), time_text.take(pa.array(time_pos)), tail, ""
    )


def utc_stamps(index: pd.DatetimeIndex) -> pa.Array:
    """The index as UTC text, ``2020-01-01T06:00:00Z`` (:data:`UTC_FORMAT`)."""
    seconds = index.tz_convert("UTC").tz_localize(None).as_unit("s").asi8
    return _stamps(seconds, "T", "Z")


def local_stamps(index: pd.DatetimeIndex, timezone: str) -> pa.Array:
    """The index as local wall time with its UTC offset, ``2020-01-01T00:00:00-06:00``.

    ISO 8601, like the UTC column: the same text as ``Timestamp.isoformat()`` of each
    stamp in ``timezone`` (whole seconds).
    """
    utc_s = index.tz_convert("UTC").tz_localize(None).as_unit("s").asi8
    local_s = index.tz_convert(timezone).tz_localize(None).as_unit("s").asi8
    offsets, offset_pos = np.unique(local_s - utc_s, return_inverse=True)
    offset_text = pa.array(
        [
            f"{'+' if o >= 0 else '-'}{abs(o) // 3600:02d}:{abs(o) % 3600 // 60:02d}"
            for o in offsets.tolist()
        ]
    )
    return _stamps(local_s, "T", offset_text.take(pa.array(offset_pos)))


def with_text_stamps(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each tz-aware date-time column as UTC text (:data:`UTC_FORMAT`).

    For tables other than the time series (rolling windows, portfolio periods), so
    every file spells time the same way.
    """
    out = frame
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            if out is frame:
                out = frame.copy()
            out[name] = column.dt.tz_convert("UTC").dt.strftime(UTC_FORMAT)
    return out


def without_negative_zero(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with -0.0 written as 0.0 in its float columns (NaN kept).

    A cost of nothing comes out of the arithmetic as -0.0 (``-1 × 0.0``); a table
    should not show ``-0.0``.
    """
    floats = [n for n in frame.columns if frame[n].dtype == np.float64]
    if not floats:
        return frame
    out = frame.copy()
    out[floats] = out[floats] + 0.0
    return out


def _column(values: pd.Series) -> pa.Array:
    if values.dtype == np.float64:
        # NaN becomes a missing cell; adding 0.0 turns -0.0 into 0.0.
        return pa.array(values.to_numpy() + 0.0, from_pandas=True)
    return pa.array(values, from_pandas=True)


def write_timeseries_csv(table: pd.DataFrame, path: str | Path, timezone: str) -> None:
    """Write ``table`` (a tz-aware UTC index) as CSV with UTC and local time columns.

    Columns: the index (named as it is, UTC, :data:`UTC_FORMAT`),
    ``interval_start_local`` (ISO 8601 with the offset in ``timezone``), then the
    table's.
    """
    import pyarrow.csv as pacsv

    index = pd.DatetimeIndex(table.index)
    names = [str(index.name or "interval_start_utc"), "interval_start_local"]
    arrays = [utc_stamps(index), local_stamps(index, timezone)]
    for name in table.columns:
        names.append(str(name))
        arrays.append(_column(table[name]))
    pacsv.write_csv(
        pa.table(arrays, names=names),
        str(path),
        write_options=pacsv.WriteOptions(quoting_style="needed"),
    )


def write_timeseries_parquet(
    table: pd.DataFrame, path: str | Path, timezone: str
) -> None:
    """Write ``table`` as Parquet with ``interval_start_local`` as text.

    The UTC index is kept as a time-stamp index (:func:`pandas.read_parquet` restores
    it).
    """
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(table, preserve_index=True)
    arrow = arrow.add_column(
        0, "interval_start_local", local_stamps(pd.DatetimeIndex(table.index), timezone)
    )
    pq.write_table(arrow, str(path))
