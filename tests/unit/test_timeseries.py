"""Generic CSV reader, series checks, gap filling and unit conversion."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grid_flex.errors import DataError
from grid_flex.io.timeseries import (
    check_series,
    fill_missing,
    parse_timezone,
    read_csv_series,
)
from grid_flex.resources import data_dir
from grid_flex.units import UNITS, convert, series_name

FIXTURES = Path(__file__).resolve().parents[1] / "data"
DERVET = data_dir() / "caiso_2020_da_energy_regup_regdn_dervet.csv"


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def hourly(values: list[float], start: str = "2021-01-01") -> pd.Series:
    index = pd.date_range(start, periods=len(values), freq="h", tz="UTC")
    return pd.Series(values, index=index, name="price_usd_per_mwh", dtype=float)


# --- generic CSV reader -----------------------------------------------------------
def test_hour_ending_24_and_usd_per_kwh() -> None:
    s = read_csv_series(
        FIXTURES / "user_price_he24_usd_per_kwh.csv",
        time_column=("date", "hour_ending"),
        value_column="price",
        unit="usd_per_kwh",
        time_convention="end",
        timezone="America/Chicago",
        time_format="%Y-%m-%d %H:%M",
    )
    assert s.name == "price_usd_per_mwh"
    assert s.attrs["source"] == "user_price_he24_usd_per_kwh.csv:price"
    assert len(s) == 26
    assert s.index.freq == "h"
    assert s.index[0] == utc("2021-01-01 06:00")  # HE01 CST starts 00:00 CST
    assert s.iloc[0] == pytest.approx(21.5)
    # HE 24:00 is 23:00-24:00 CST on Jan 1 = 05:00 UTC on Jan 2.
    assert s[utc("2021-01-02 05:00")] == pytest.approx(22.5)
    assert s[utc("2021-01-02 06:00")] == pytest.approx(21.0)
    check_series(s, source="test")


def test_zero_hour_as_end_of_day_fixed_offset() -> None:
    s = read_csv_series(
        DERVET,
        time_column="Datetime (he)",
        value_column="DA Price ($/kWh)",
        unit="$/kWh",
        time_convention="end",
        timezone="UTC-08:00",
    )
    assert len(s) == 8784
    assert s.index[0] == utc("2020-01-01 08:00")
    # "1/1/2021 0:00" ends the last hour of 2020 (PST).
    assert s.index[-1] == utc("2021-01-01 07:00")
    assert s.iloc[-1] == pytest.approx(38.61305)
    assert s.name == "price_usd_per_mwh"


def test_thousands_separator_dash_missing_and_absent_row() -> None:
    s = read_csv_series(
        FIXTURES / "user_price_thousands_missing.csv",
        time_column="timestamp_utc",
        value_column="price_usd_mwh",
        unit="usd_per_mwh",
        time_convention="start",
        timezone="UTC",
        sep=";",
        thousands=",",
    )
    assert s.index.freq == "h"
    assert list(s.index) == list(
        pd.date_range("2021-02-15", periods=6, freq="h", tz="UTC")
    )
    np.testing.assert_array_equal(
        s.to_numpy(), [1899.35, 9000.0, np.nan, 8750.5, np.nan, 12345.0]
    )
    with pytest.raises(
        DataError,
        # each stamp once, with its file line: an empty cell, then an absent row
        match=r"2 missing values: 2021-02-15 02:00 UTC \(line 4\), "
        r"2021-02-15 04:00 UTC \(no row, after line 5\);",
    ):
        fill_missing(s, policy="error", source=s.attrs["source"])


@pytest.mark.parametrize("flag_column", ["repeated", None])
def test_dst_repeated_hour(flag_column: str | None) -> None:
    s = read_csv_series(
        FIXTURES / "user_price_dst_flag.csv",
        time_column="local_time",
        value_column="price",
        unit="usd_per_mwh",
        time_convention="start",
        timezone="America/Chicago",
        repeated_hour_column=flag_column,
    )
    # 23:00, 00:00, 01:00 CDT, then 01:00 CST (flag Y / second copy), 02:00, 03:00 CST
    expected = pd.date_range("2021-11-07 04:00", periods=6, freq="h", tz="UTC")
    assert list(s.index) == list(expected)
    assert s.tolist() == [20.0, 21.0, 22.0, 23.0, 24.0, 25.0]


def test_dst_flag_wrong_way_round_is_a_duplicate(tmp_path: Path) -> None:
    text = (FIXTURES / "user_price_dst_flag.csv").read_text().replace(",Y,", ",N,")
    path = tmp_path / "flags.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=r"duplicate time stamp 2021-11-07 06:00 UTC"):
        read_csv_series(
            path,
            time_column="local_time",
            value_column="price",
            unit="usd_per_mwh",
            time_convention="start",
            timezone="America/Chicago",
            repeated_hour_column="repeated",
        )


def test_spring_forward_hour_that_does_not_exist() -> None:
    with pytest.raises(
        DataError, match=r"line 4: local time 2021-03-14 02:00 does not exist"
    ):
        read_csv_series(
            FIXTURES / "user_price_spring_gap.csv",
            time_column="local_time",
            value_column="price",
            unit="usd_per_mwh",
            time_convention="start",
            timezone="America/Chicago",
        )


def _read(name: str, **kwargs: object) -> pd.Series:
    options: dict[str, object] = {
        "time_column": "time",
        "value_column": "price",
        "unit": "usd_per_mwh",
        "time_convention": "start",
        "timezone": "UTC",
    }
    options.update(kwargs)
    return read_csv_series(FIXTURES / name, **options)  # type: ignore[arg-type]


def test_error_missing_column_lists_available() -> None:
    with pytest.raises(
        DataError, match=r"column 'cost' not found; available columns: 'time', 'price'"
    ):
        _read("user_price_bad_value.csv", value_column="cost")


def test_error_bad_value_names_line_and_text() -> None:
    with pytest.raises(
        DataError, match=r"user_price_bad_value.csv:price: line 5: .*'12O.5'"
    ):
        _read("user_price_bad_value.csv")


def test_error_bad_time_names_line_and_text() -> None:
    with pytest.raises(DataError, match=r"line 4: cannot read time '2021-01-01 2:OO'"):
        _read("user_price_bad_time.csv", time_format="%Y-%m-%d %H:%M")


def test_error_irregular_names_stamp() -> None:
    with pytest.raises(DataError, match=r"irregular time stamps: 2021-01-01 02:30 UTC"):
        _read("user_price_irregular.csv")


def test_error_unknown_unit_lists_accepted() -> None:
    with pytest.raises(
        DataError, match=r"unknown unit 'usd_per_therm'; accepted units: .*usd_per_kwh"
    ):
        _read("user_price_bad_value.csv", unit="usd_per_therm")


def test_error_missing_file() -> None:
    with pytest.raises(DataError, match="file not found"):
        _read("no_such_file.csv")


def test_explicit_freq_and_fixed_offset() -> None:
    s = _read("user_price_irregular.csv", freq="30min", timezone="UTC+01:00")
    assert s.index.freq == "30min"
    assert s.index[0] == utc("2020-12-31 23:00")
    assert len(s) == 9  # 00:00 .. 04:00 local at 30 min, absent half hours are NaN
    assert s.isna().sum() == 3


# --- check_series and fill_missing ------------------------------------------------
def test_check_series_sets_freq_and_rejects_bad_indexes() -> None:
    s = hourly([1.0, 2.0, 3.0])
    s.index = pd.DatetimeIndex(list(s.index))  # drop freq
    assert s.index.freq is None
    assert check_series(s, source="x").index.freq == "h"

    naive = s.copy()
    naive.index = naive.index.tz_localize(None)
    with pytest.raises(DataError, match="x: time stamps have no time zone"):
        check_series(naive, source="x")

    stamps = [utc("2021-01-01 00:00"), utc("2021-01-01 01:00"), utc("2021-01-01 01:00")]
    with pytest.raises(DataError, match="x: duplicate time stamp 2021-01-01 01:00 UTC"):
        check_series(pd.Series([1.0, 2.0, 3.0], index=stamps), source="x")

    stamps = [utc("2021-01-01 00:00"), utc("2021-01-01 02:00"), utc("2021-01-01 01:00")]
    with pytest.raises(DataError, match="out-of-order time stamp 2021-01-01 01:00 UTC"):
        check_series(pd.Series([1.0, 2.0, 3.0], index=stamps), source="x")

    stamps = [utc(f"2021-01-01 0{h}:00") for h in (0, 1, 2, 4, 5)]
    with pytest.raises(DataError, match="irregular time step at 2021-01-01 04:00 UTC"):
        check_series(pd.Series(np.ones(5), index=stamps), source="x")


def test_fill_missing_policies() -> None:
    s = hourly([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan])
    assert fill_missing(s, policy="interpolate", source="x").tolist() == [
        1.0,
        1.0,
        2.0,
        3.0,
        4.0,
        4.0,
    ]
    assert fill_missing(s, policy="ffill", source="x").tolist() == [1, 1, 1, 1, 4, 4]
    zero = fill_missing(s, policy="zero", source="x")
    assert zero.tolist() == [0, 1, 0, 0, 4, 0]
    assert zero.index.freq == "h"
    assert zero.name == s.name
    assert zero.attrs["filled"] == "4 values by zero"
    full = hourly([1.0, 2.0])
    assert fill_missing(full, policy="error", source="x") is full


def test_fill_missing_errors() -> None:
    s = hourly([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan])
    with pytest.raises(
        DataError,
        match=r"x: 4 missing values: 2021-01-01 00:00 UTC, 2021-01-01 02:00 UTC, .*; "
        r"set fill_missing to interpolate/ffill/zero",
    ):
        fill_missing(s, policy="error", source="x")
    with pytest.raises(DataError, match=r"gap of 2 h starting 2021-01-01 02:00 UTC"):
        fill_missing(s, policy="interpolate", source="x", max_gap_h=1.5)
    assert fill_missing(s, policy="interpolate", source="x", max_gap_h=2).notna().all()
    with pytest.raises(DataError, match="all 2 values are missing"):
        fill_missing(hourly([np.nan, np.nan]), policy="zero", source="x")


def test_parse_timezone() -> None:
    assert parse_timezone("UTC") == "UTC"
    assert parse_timezone("UTC-08:00") == dt.timezone(dt.timedelta(hours=-8))
    assert parse_timezone("UTC+5:30") == dt.timezone(dt.timedelta(hours=5, minutes=30))
    assert parse_timezone("Europe/Berlin") == "Europe/Berlin"
    with pytest.raises(DataError, match="unknown time zone 'Mars/Olympus'"):
        parse_timezone("Mars/Olympus")


# --- units --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("unit", "value", "expected", "name"),
    [
        ("usd_per_mwh", 35.0, 35.0, "price_usd_per_mwh"),
        ("usd_per_kwh", 0.035, 35.0, "price_usd_per_mwh"),
        ("$/kWh", 0.035, 35.0, "price_usd_per_mwh"),
        ("eur_per_kwh", 0.05, 50.0, "price_eur_per_mwh"),
        ("usd_per_kw_per_h", 0.01, 10.0, "capacity_price_usd_per_mw_per_h"),
        ("lb_per_kwh", 1.0, 0.45359237, "co2_tco2_per_mwh"),
        ("lb_per_mwh", 1000.0, 0.45359237, "co2_tco2_per_mwh"),
        ("kg_per_mwh", 500.0, 0.5, "co2_tco2_per_mwh"),
        ("kwth", 500.0, 0.5, "heat_mwth"),
        ("mmbtu_per_h_fuel", 2.0, 2.0, "fuel_mmbtu_per_h"),
        ("kw", 500.0, 0.5, "power_mw"),
    ],
)
def test_units_convert(unit: str, value: float, expected: float, name: str) -> None:
    converted, quantity, canonical = convert(np.array([value]), unit)
    assert converted[0] == pytest.approx(expected)
    assert f"{quantity}_{canonical}" == name == series_name(unit)


def test_units_electric_and_thermal_never_mix() -> None:
    assert UNITS["mw"].quantity != UNITS["mwth"].quantity
    assert UNITS["kw"].canonical == "mw"
    assert UNITS["kwth"].canonical == "mwth"
    with pytest.raises(DataError, match="unknown unit 'mwh_th'"):
        convert(np.array([1.0]), "mwh_th")


# ---- hour-ending files across both daylight-saving changes ----------------------
DST_ZONES = (
    "America/Chicago",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Berlin",
    "UTC-05:00",
)


def _hour_ending_file(
    path: Path, zone: str, style: str, minutes: int = 60, year: int = 2024
) -> pd.DatetimeIndex:
    """Write an interval-ending file for ``year``; value = position of the interval.

    ``style="clock"`` labels each interval by the instant it ends as a clock shows it
    (spring forward: 01:00, 03:00; fall back: 01:00 twice). ``style="iso"`` labels it
    by its start plus one step on the wall clock (ERCOT: HE 02 twice in the fall,
    flagged), with a repeated-hour flag column. Returns the true UTC starts.
    """
    starts = pd.date_range(
        f"{year}-01-01",
        f"{year + 1}-01-01",
        freq=f"{minutes}min",
        tz="UTC",
        inclusive="left",
    )
    step = pd.Timedelta(minutes=minutes)
    tz = parse_timezone(zone)
    local_starts = starts.tz_convert(tz)
    if style == "clock":
        labels = (starts + step).tz_convert(tz).tz_localize(None)
        flags = np.zeros(len(starts), dtype=bool)
    else:
        naive = local_starts.tz_localize(None)
        labels = naive + step
        flags = np.asarray(naive.duplicated(keep="first"))
    text = pd.DataFrame(
        {
            "time": labels.strftime("%Y-%m-%d %H:%M"),
            "flag": np.where(flags, "Y", "N"),
            "price": np.arange(len(starts)).astype(str),
        }
    )
    text.to_csv(path, index=False)
    return starts


@pytest.mark.parametrize("zone", DST_ZONES)
@pytest.mark.parametrize("style", ["clock", "iso"])
def test_hour_ending_across_both_dst_changes(
    tmp_path: Path, zone: str, style: str
) -> None:
    # Each value is its interval's position in the year, so it lands on the right UTC
    # start only if both daylight-saving days were read right (23 and 25 local hours).
    file = tmp_path / "he.csv"
    starts = _hour_ending_file(file, zone, style)
    s = read_csv_series(
        file,
        time_column="time",
        value_column="price",
        unit="usd_per_mwh",
        time_convention="end",
        timezone=zone,
        repeated_hour_column="flag" if style == "iso" else None,
    )
    assert s.index.equals(starts)
    np.testing.assert_array_equal(s.to_numpy(), np.arange(len(starts), dtype=float))


@pytest.mark.parametrize("zone", ["America/Chicago", "Europe/Berlin"])
def test_quarter_hour_ending_clock_style_across_dst(tmp_path: Path, zone: str) -> None:
    file = tmp_path / "he15.csv"
    starts = _hour_ending_file(file, zone, "clock", minutes=15)
    s = read_csv_series(
        file,
        time_column="time",
        value_column="price",
        unit="usd_per_mwh",
        time_convention="end",
        timezone=zone,
    )
    assert s.index.equals(starts)
    np.testing.assert_array_equal(s.to_numpy(), np.arange(len(starts), dtype=float))


def test_issue_example_spring_forward_hour_ending_chicago(tmp_path: Path) -> None:
    # The file of issue 14: hour ending on the clock, 2024-03-10 has no 02:00 label.
    # HE 03:00 CDT = 08:00 UTC ends the interval 01:00-02:00 CST = 07:00-08:00 UTC.
    file = tmp_path / "he.csv"
    file.write_text(
        "time,price\n2024-03-10 01:00,1\n2024-03-10 03:00,2\n2024-03-10 04:00,3\n"
    )
    s = read_csv_series(
        file,
        time_column="time",
        value_column="price",
        unit="usd_per_mwh",
        time_convention="end",
        timezone="America/Chicago",
    )
    assert list(s.index) == [
        utc("2024-03-10 06:00"),
        utc("2024-03-10 07:00"),
        utc("2024-03-10 08:00"),
    ]
    assert list(s) == [1.0, 2.0, 3.0]
