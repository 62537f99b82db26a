"""Seasonal (season × time-of-day) tariff tables."""

from __future__ import annotations

import pandas as pd
import pytest

from grid_flex.errors import DataError
from grid_flex.io.seasonal_tariff import read_seasonal_tariff, tariff_series

TABLE = """season,months,hour_from,hour_to,price_usd_per_mwh
wet,5-10,0,24,25
dry,11-4,8,20,60
dry,11-4,20,8,45
"""


def test_table_spreads_over_local_months_and_hours(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(TABLE)
    grid = read_seasonal_tariff(f)
    idx = pd.DatetimeIndex(
        [
            "2018-06-01T12:00Z",  # wet
            "2018-01-15T09:00Z",  # 10:00 in Oslo (UTC+1): dry day band
            "2018-01-15T19:00Z",  # 20:00 local: dry night band
            "2018-04-30T22:00Z",  # 2018-05-01 00:00 local (UTC+2): wet
        ]
    )
    assert list(tariff_series(grid, idx, "Europe/Oslo")) == [25.0, 60.0, 45.0, 25.0]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (TABLE.replace("11-4,20,8", "11-3,20,8"), "month 4 hour 0 has no price"),
        (TABLE + "x,1,0,1,5\n", "row 5: month 1 hour 0 is already priced"),
        (TABLE.replace("5-10", "5-13"), "row 2: months '5-13'"),
        ("season,months\nwet,1-12\n", "missing columns"),
    ],
)
def test_bad_table_names_the_row(tmp_path, text, words):
    f = tmp_path / "t.csv"
    f.write_text(text)
    with pytest.raises(DataError, match=words):
        read_seasonal_tariff(f)
