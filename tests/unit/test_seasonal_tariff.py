"""Seasonal (season × time-of-day) tariff tables."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from grid_flex.errors import DataError
from grid_flex.inputs import prepare_inputs
from grid_flex.io.scenario import scenario_from_dict
from grid_flex.io.seasonal_tariff import read_seasonal_tariff, tariff_series
from grid_flex.schema.scenario import Scenario

HOUR = pd.Timedelta(hours=1)

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


def tariff_scenario(price: dict[str, str], start: str, **energy: float) -> Scenario:
    fleet = {"type": "asic_fleet", "id": "fleet", "model": "asic/antminer_s21",
             "power_mw": 1.0}  # fmt: skip
    return scenario_from_dict(
        {
            "name": "tariff",
            "site": {"import_limit_mw": 2.0},
            "horizon": {
                "start": start,
                "end": str(pd.Timestamp(start) + 4 * HOUR),
                "timestep_min": 60,
                "timezone": "UTC",
            },
            "energy": {"price": price, **energy},
            "economics": {"usd_per_eur": 1.2},
            "hashprice": {"usd_per_ths_day": 0.05},
            "assets": [fleet],
        },
        source="test",
    )


def test_scenario_prices_energy_from_a_tariff_table(tmp_path):
    # A EUR table as a scenario's energy price: spread over Oslo local time and
    # converted at 1.2 USD/EUR; adders on top (the import price).
    (tmp_path / "t.csv").write_text(TABLE.replace("price_usd", "price_eur"))
    price = {"format": "seasonal_tariff", "file": "t.csv", "timezone": "Europe/Oslo"}
    # 19:00-22:00 local: 60, then 45 three times [EUR/MWh]
    sc = tariff_scenario(price, "2018-01-15T18:00:00+00:00", adders_usd_per_mwh=5.0)
    inputs = prepare_inputs(sc, tmp_path)
    assert list(inputs.price_usd_per_mwh) == pytest.approx([72.0, 54.0, 54.0, 54.0])
    assert list(inputs.import_price_usd_per_mwh) == pytest.approx(
        [77.0, 59.0, 59.0, 59.0]
    )


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"timezone": "Europe/Nowhere"}, "timezone 'Europe/Nowhere'"),
        ({"file": "missing.csv"}, "missing.csv: file not found"),
    ],
)
def test_bad_tariff_series_names_the_field(tmp_path, patch, words):
    (tmp_path / "t.csv").write_text(TABLE)
    price = {"format": "seasonal_tariff", "file": "t.csv", "timezone": "UTC"}
    sc = tariff_scenario({**price, **patch}, "2018-01-15T18:00:00+00:00")
    with pytest.raises(DataError, match=r"energy\.price.*" + re.escape(words)):
        prepare_inputs(sc, tmp_path)
