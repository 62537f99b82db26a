"""Defaults for the ERCOT 4CP program: historic intervals and default probabilities.

ERCOT system load is not in the bundled data, so the 4CP program cannot find the
coincident peaks itself. It takes them from the scenario (known intervals), from the
bundled table of historic intervals
(:func:`grid_flex.nodata.four_cp.historic_stamps`), or spreads an
expected cost over likely intervals (:func:`price_weighted_probabilities`).

The default probabilities: every interval overlapping the daily window 15:45-17:45
Central Prevailing Time on a weekday of June-September gets a weight

    w[t] = overlap(t, window) [h] · max(price[t], 0)^k        (k = 2)

normalised to 1 within each month. Why: the window caught 63 of the 64 ERCOT 4CP
intervals of 2010-2025, all on weekdays but one (domain.md §2.2a); the peak falls on
the hottest days, which in 2019-2020 were the highest-price days, and ``k = 2``
concentrates the weight on them without putting it all on one day. Since 2023 the
highest prices come in the evening net-load peak, after the 4CP window, so the price
weighting says less about which *day* it is; supply real intervals or your own
probabilities for recent years.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from grid_flex.conventions import month_keys
from grid_flex.model.linear import FloatArray, IntArray
from grid_flex.nodata.four_cp import HISTORIC_FILE
from grid_flex.resources import data_dir

#: Default price exponent ``k`` of the weighting ``price^k``.
DEFAULT_PRICE_EXPONENT = 2.0
#: Default daily window, local hours ``[start, end)``: 15:45-17:45.
DEFAULT_WINDOW_H = (15.75, 17.75)
#: Default days: Monday to Friday.
DEFAULT_WEEKDAYS = (0, 1, 2, 3, 4)


@cache
def historic_table() -> pd.DataFrame:
    """The bundled historic 4CP intervals, one row per month (2019-2021).

    Columns ``year, month, interval_end_local, system_peak_mw, confirmed, source``;
    ``interval_end_local`` is the end of the 15-minute interval in Central
    Prevailing Time, as ERCOT publishes it.
    """
    return pd.read_csv(data_dir() / HISTORIC_FILE)


def window_overlap_h(
    index: pd.DatetimeIndex,
    timestep_h: FloatArray,
    *,
    timezone: str,
    months: tuple[int, ...],
    weekdays: tuple[int, ...] = DEFAULT_WEEKDAYS,
    window_h: tuple[float, float] = DEFAULT_WINDOW_H,
) -> FloatArray:
    """Hours each interval shares with the daily window on the given days and months.

    Day, month and clock time are those of the interval's local start; intervals are
    at most an hour long, so none reaches across midnight into the afternoon window.
    """
    local = index.tz_convert(timezone)
    start = np.asarray(local.hour + local.minute / 60.0, dtype=float)
    end = start + timestep_h
    lo, hi = window_h
    overlap = np.clip(np.minimum(end, hi) - np.maximum(start, lo), 0.0, None)
    days = np.isin(local.day_of_week, weekdays) & np.isin(local.month, months)
    return np.where(days, overlap, 0.0)


def normalise_by_month(weights: FloatArray, keys: IntArray) -> FloatArray:
    """Weights scaled to sum to 1 within each month (months without weight stay 0)."""
    uniq, pos = np.unique(keys, return_inverse=True)
    totals = np.bincount(pos, weights=weights, minlength=len(uniq))
    scale = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
    return np.asarray(weights * scale[pos], dtype=float)


def price_weighted_probabilities(
    index: pd.DatetimeIndex,
    timestep_h: FloatArray,
    price_usd_per_mwh: FloatArray,
    *,
    timezone: str,
    months: tuple[int, ...],
    price_exponent: float = DEFAULT_PRICE_EXPONENT,
    weekdays: tuple[int, ...] = DEFAULT_WEEKDAYS,
    window_h: tuple[float, float] = DEFAULT_WINDOW_H,
) -> FloatArray:
    """Default probability that each interval holds its month's coincident peak.

    ``p[t] ∝ overlap_h[t] · max(price[t], 0)^k``, normalised to 1 within each
    month (local months in ``timezone``). A month whose window prices are all ≤ 0
    falls back to the overlap alone. Months without any window interval get 0.
    """
    overlap = window_overlap_h(
        index,
        timestep_h,
        timezone=timezone,
        months=months,
        weekdays=weekdays,
        window_h=window_h,
    )
    keys = month_keys(index, timezone)
    priced = overlap * np.maximum(np.asarray(price_usd_per_mwh, float), 0.0) ** (
        price_exponent
    )
    uniq, pos = np.unique(keys, return_inverse=True)
    priced_total = np.bincount(pos, weights=priced, minlength=len(uniq))
    use_overlap = (priced_total <= 0.0)[pos]
    weights = np.where(use_overlap, overlap, priced)
    return normalise_by_month(weights, keys)
