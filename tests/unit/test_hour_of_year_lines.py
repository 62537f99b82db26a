"""Hour-of-year files (AVERT, DOE CRB, CAISO Iron Mountain): a bad value is named by
its file and line, not only by the time stamp it lands on."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from grid_flex.errors import DataError
from grid_flex.inputs import load_on_horizon
from grid_flex.io.readers import read_avert
from grid_flex.resources import data_dir
from grid_flex.schema.series import (
    AvertSeries,
    CaisoIronMountainSeries,
    DoeCrbSeries,
)

AVERT = "avert_2023_co2_lb_per_kwh_by_region.csv"
DOE = "doe_crb_hourly_heat_dhw_elec_loads.csv"
IRONMTN = "caiso_ironmtn_dam_lmp_hourly_2015_2021_hopp.csv"


def _edit(tmp_path: Path, name: str, column: str, row: int, text: str) -> Path:
    """Copy a bundled file with one cell (data row ``row``, 0-based) replaced."""
    frame = pd.read_csv(data_dir() / name, dtype=str, keep_default_na=False)
    frame.loc[row, column] = text
    out = tmp_path / name
    frame.to_csv(out, index=False)
    return out


def _utc_days(start: str, days: int) -> pd.DatetimeIndex:
    t0 = pd.Timestamp(start, tz="UTC")
    return pd.date_range(t0, t0 + pd.Timedelta(days=days), freq="h", inclusive="left")


def test_avert_blank_value_names_its_line(tmp_path: Path) -> None:
    # Hour of year 30 in fixed UTC-6 (America/Chicago standard time) is Jan 2 06:00
    # local = Jan 2 12:00 UTC; data row 30 is file line 32 (header = line 1).
    _edit(tmp_path, AVERT, "TE", 30, "")
    spec = AvertSeries(
        format="avert", file=AVERT, region="TE", timezone="America/Chicago"
    )
    with pytest.raises(DataError) as err:
        load_on_horizon(spec, tmp_path, _utc_days("2021-01-01", 3), field="co2")
    text = str(err.value)
    assert "2021-01-02 12:00 UTC (line 32)" in text, text
    assert AVERT in text


def test_doe_impossible_value_names_its_line(tmp_path: Path) -> None:
    # 1e9 MMBtu/h of fuel at hour 5 (row 5, line 7): Jan 1 05:00 UTC-6 = 11:00 UTC.
    column = "Houston_Hospital_space_heating_mmbtu"
    _edit(tmp_path, DOE, column, 5, "1e9")
    spec = DoeCrbSeries(
        format="doe_crb", file=DOE, column=column, timezone="America/Chicago"
    )
    with pytest.raises(DataError) as err:
        load_on_horizon(
            spec, tmp_path, _utc_days("2021-01-01", 2), field="heat", limits=True
        )
    text = str(err.value)
    assert "(line 7)" in text, text
    assert "2021-01-01 11:00 UTC" in text


def test_ironmtn_blank_value_names_its_line(tmp_path: Path) -> None:
    # 2018 is on time: hour of year 10 is Jan 1 10:00 PST = 18:00 UTC, line 12.
    _edit(tmp_path, IRONMTN, "2018", 10, "")
    spec = CaisoIronMountainSeries(format="caiso_ironmtn", file=IRONMTN, year=2018)
    with pytest.raises(DataError) as err:
        load_on_horizon(spec, tmp_path, _utc_days("2018-01-01", 2), field="price")
    text = str(err.value)
    assert "2018-01-01 18:00 UTC (line 12)" in text, text


def test_hour_of_year_out_of_order_names_the_line(tmp_path: Path) -> None:
    path = _edit(tmp_path, AVERT, "Timestamp", 100, "99")
    with pytest.raises(DataError, match=r"line 102 holds hour 99 where hour 100"):
        read_avert(path, "TE")
