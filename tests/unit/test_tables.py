"""The fast table writers give the same text and values as pandas' slow path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grid_flex.tables import (
    UTC_FORMAT,
    local_stamps,
    utc_stamps,
    write_timeseries_csv,
    write_timeseries_parquet,
)


@pytest.mark.parametrize(
    ("start", "freq", "timezone"),
    [
        ("2020-03-07 00:00", "15min", "America/Chicago"),  # spring forward
        ("2021-10-30 12:00", "5min", "Europe/Berlin"),  # fall back, + offset
        ("1969-12-31 20:00", "60min", "Asia/Kolkata"),  # before 1970, half-hour offset
        ("2024-06-03 00:00", "30min", "UTC"),
    ],
)
def test_stamps_match_strftime_across_dst_changes(start: str, freq: str, timezone: str):
    index = pd.date_range(start, periods=3000, freq=freq, tz="UTC")
    assert utc_stamps(index).to_pylist() == list(index.strftime(UTC_FORMAT))
    expected = [t.isoformat() for t in index.tz_convert(timezone)]  # ISO 8601
    assert local_stamps(index, timezone).to_pylist() == expected


def table() -> pd.DataFrame:
    index = pd.date_range("2020-11-01 04:00", periods=8, freq="60min", tz="UTC")
    index.name = "interval_start_utc"
    rng = np.random.default_rng(7)
    values = rng.normal(0.0, 1e4, (8, 3))
    values[2, 1] = np.nan
    values[3, 2] = -0.0
    values[4, 0] = 1e-12
    return pd.DataFrame(values, index=index, columns=["a.x_mw", "b.y_usd", "c,z"])


def test_csv_reads_back_to_the_same_floats_and_stamps(tmp_path: Path):
    frame = table()
    path = tmp_path / "t.csv"
    write_timeseries_csv(frame, path, "America/Chicago")
    back = pd.read_csv(path, keep_default_na=True)
    assert list(back.columns) == [
        "interval_start_utc",
        "interval_start_local",
        *frame.columns,
    ]
    assert list(back["interval_start_utc"]) == list(frame.index.strftime(UTC_FORMAT))
    local = [t.isoformat() for t in frame.index.tz_convert("America/Chicago")]
    assert list(back["interval_start_local"]) == local
    for name in frame.columns:  # shortest round-trip text: equal bit for bit
        np.testing.assert_array_equal(back[name].to_numpy(), frame[name].to_numpy())
    assert ",," in path.read_text(encoding="utf-8")  # NaN is an empty cell


def test_parquet_reads_back_with_its_index(tmp_path: Path):
    frame = table()
    path = tmp_path / "t.parquet"
    write_timeseries_parquet(frame, path, "America/Chicago")
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(
        back.drop(columns="interval_start_local"), frame, check_freq=False
    )
    local = [t.isoformat() for t in frame.index.tz_convert("America/Chicago")]
    assert list(back["interval_start_local"]) == local
