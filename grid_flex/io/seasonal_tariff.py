"""Seasonal tariffs: a table of season × time-of-day prices, spread over a horizon.

Hydro contracts are written as a price per season (a set of months) and hour band,
in the site's local time. The CSV has one row per band and one price column,
``price_usd_per_mwh`` or ``price_eur_per_mwh``::

    season,months,hour_from,hour_to,price_usd_per_mwh
    wet,5-10,0,24,25
    dry,11-4,8,20,60
    dry,11-4,20,8,45

``months`` is ``a-b`` (inclusive, may wrap past December) or a space-separated list;
``[hour_from, hour_to)`` may wrap past midnight. Every (month, hour) must be covered
exactly once. A scenario uses the table as its energy price with
``{format: seasonal_tariff, file: ..., timezone: ...}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grid_flex.errors import DataError
from grid_flex.model.linear import FloatArray

COLUMNS = ("season", "months", "hour_from", "hour_to")
#: The price column, one of (its name is the series' quantity and unit).
PRICE_COLUMNS = ("price_usd_per_mwh", "price_eur_per_mwh")


def _months(text: str, where: str) -> list[int]:
    text = str(text).strip()
    try:
        if "-" in text:
            a, b = (int(x) for x in text.split("-"))
            out = list(range(a, b + 1)) if a <= b else [*range(a, 13), *range(1, b + 1)]
        else:
            out = [int(x) for x in text.split()]
    except ValueError:
        raise DataError(f"{where}: months {text!r} is not 'a-b' or a list") from None
    if not out or any(m < 1 or m > 12 for m in out):
        raise DataError(f"{where}: months {text!r} must lie in 1..12")
    return out


def read_tariff_table(path: str | Path) -> tuple[FloatArray, str]:
    """The table as a 12 × 24 array (month, local hour) and its price column's name.

    Prices are in the column's currency and unit (USD/MWh or EUR/MWh).
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the tariff table ({exc})") from exc
    missing = [c for c in COLUMNS if c not in frame.columns]
    prices = [c for c in PRICE_COLUMNS if c in frame.columns]
    if missing or len(prices) != 1:
        raise DataError(
            f"{path}: missing columns {missing} or not exactly one price column "
            f"(expected {list(COLUMNS)} and one of {list(PRICE_COLUMNS)}; "
            f"found {list(frame.columns)})"
        )
    column = prices[0]
    grid = np.full((12, 24), np.nan)
    records: list[dict[Any, Any]] = frame.to_dict("records")
    for i, row in enumerate(records, start=2):
        where = f"{path}: row {i}"
        try:
            h0, h1 = int(row["hour_from"]), int(row["hour_to"])
            price = float(row[column])
        except (TypeError, ValueError):
            raise DataError(f"{where}: hours and price must be numbers") from None
        if not (0 <= h0 <= 23 and 1 <= h1 <= 24) or h0 == h1:
            raise DataError(f"{where}: hours [{h0}, {h1}) must be within 0..24")
        if not np.isfinite(price):
            raise DataError(f"{where}: {column} is not a finite number")
        hours = list(range(h0, h1)) if h0 < h1 else [*range(h0, 24), *range(0, h1)]
        for m in _months(str(row["months"]), where):
            for h in hours:
                if not np.isnan(grid[m - 1, h]):
                    raise DataError(f"{where}: month {m} hour {h} is already priced")
                grid[m - 1, h] = price
    holes = np.argwhere(np.isnan(grid))
    if len(holes):
        m, h = holes[0]
        raise DataError(
            f"{path}: month {m + 1} hour {h} has no price ({len(holes)} month-hours "
            "uncovered)"
        )
    return grid, column


def read_seasonal_tariff(path: str | Path) -> FloatArray:
    """Read the table into a 12 × 24 array of prices (month, local hour)."""
    return read_tariff_table(path)[0]


def tariff_series(
    grid: FloatArray, index: pd.DatetimeIndex, timezone: str
) -> FloatArray:
    """Prices on ``index`` (UTC interval starts) from a 12 × 24 table."""
    local = index.tz_convert(timezone)
    return np.asarray(grid[local.month - 1, local.hour], dtype=float)


def seasonal_tariff_series(
    path: str | Path, index: pd.DatetimeIndex, timezone: str
) -> pd.Series:
    """The table spread over ``index`` as a price series named by its column.

    ``timezone`` is the IANA zone the table's months and hours are written in.
    """
    grid, column = read_tariff_table(path)
    try:
        values = tariff_series(grid, index, timezone)
    except Exception as exc:  # pytz/zoneinfo raise several kinds
        raise DataError(
            f"{path}: timezone {timezone!r} is not an IANA zone ({exc})"
        ) from exc
    out = pd.Series(values, index=index, name=column)
    out.attrs["source"] = str(path)
    return out
