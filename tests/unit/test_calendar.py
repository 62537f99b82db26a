"""Placing hour-of-year profiles on a UTC calendar."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from grid_flex.errors import DataError
from grid_flex.io.calendar import place_hour_of_year, standard_offset
from grid_flex.io.readers import read_avert
from grid_flex.resources import data_dir

CST = "UTC-06:00"


@pytest.fixture
def ramp() -> pd.Series:
    """Profile whose value is its own hour of year."""
    s = pd.Series(
        np.arange(8760, dtype=float),
        index=pd.RangeIndex(8760, name="hour_of_year"),
        name="x_mw",
    )
    s.attrs["source"] = "ramp"
    return s


def local_year(year: int, freq: str, tz: str = "America/Chicago") -> pd.DatetimeIndex:
    start = pd.Timestamp(f"{year}-01-01", tz=tz)
    end = pd.Timestamp(f"{year + 1}-01-01", tz=tz)
    return pd.date_range(start, end, freq=freq, inclusive="left").tz_convert("UTC")


def test_standard_offset() -> None:
    assert standard_offset("America/Chicago") == dt.timedelta(hours=-6)
    assert standard_offset("Europe/Berlin") == dt.timedelta(hours=1)
    assert standard_offset("Australia/Sydney") == dt.timedelta(hours=10)
    assert standard_offset("UTC-08:00") == dt.timedelta(hours=-8)


def test_leap_year_hourly(ramp: pd.Series) -> None:
    index = local_year(2020, "h")
    s = place_hour_of_year(ramp, index, timezone="America/Chicago")
    assert len(s) == 8784
    assert s.index.equals(index)
    assert s.index.freq == "h"
    assert s.name == "x_mw"
    assert s.attrs["source"] == "ramp"
    on = s.tz_convert(CST)  # local standard time, all year
    assert on.iloc[0] == 0.0
    assert on["2020-02-28 05:00"] == 58 * 24 + 5
    assert on["2020-02-29 05:00"] == 58 * 24 + 5  # Feb 29 repeats Feb 28
    assert on["2020-03-01 00:00"] == 59 * 24  # March 1 stays March 1
    assert on["2020-07-04 12:00"] == 184 * 24 + 12  # no DST shift in summer
    assert on["2020-12-31 23:00"] == 8759
    # Every hour of the profile is used; Feb 28 twice.
    assert np.bincount(s.to_numpy().astype(int)).max() == 2


def test_leap_year_15min(ramp: pd.Series) -> None:
    index = pd.date_range(
        "2020-01-01 06:00", "2021-01-01 05:45", freq="15min", tz="UTC"
    )
    s = place_hour_of_year(ramp, index, timezone="America/Chicago", name="y_mw")
    assert len(s) == 8784 * 4
    assert s.name == "y_mw"
    assert s.index.freq == "15min"
    assert s.iloc[:8].tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    on = s.tz_convert(CST)
    assert on["2020-02-29 10:45"] == 58 * 24 + 10
    assert on["2020-03-01 10:15"] == 59 * 24 + 10


def test_other_year_and_wraparound(ramp: pd.Series) -> None:
    # UTC calendar: 2019-01-01 00:00 UTC is 2018-12-31 18:00 CST -> hour 8754.
    index = pd.date_range("2019-01-01", periods=8, freq="h", tz="UTC")
    s = place_hour_of_year(ramp, index, timezone="America/Chicago")
    assert s.tolist() == [8754, 8755, 8756, 8757, 8758, 8759, 0, 1]


def test_avert_on_ercot_calendar() -> None:
    te = read_avert(data_dir() / "avert_2023_co2_lb_per_kwh_by_region.csv", "TE")
    s = place_hour_of_year(te, local_year(2019, "h"), timezone="America/Chicago")
    assert s.name == "co2_tco2_per_mwh"
    assert s.mean() == pytest.approx(te.mean())
    assert s.iloc[0] == te.iloc[0]


def test_wrong_profile_length(ramp: pd.Series) -> None:
    with pytest.raises(DataError, match="needs 8760 values, got 8784"):
        place_hour_of_year(
            pd.Series(np.zeros(8784)), local_year(2020, "h"), timezone="UTC"
        )
    naive = pd.date_range("2020-01-01", periods=3, freq="h")
    with pytest.raises(DataError, match="tz-aware"):
        place_hour_of_year(ramp, naive, timezone="UTC")
