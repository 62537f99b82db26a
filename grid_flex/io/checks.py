"""Checks of series values on the horizon: finite, within bounds, plausible units.

A value beyond its real-site bound is an error; a median that looks like a wrong unit
is a warning, not an error.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from grid_flex.errors import DataError, InputWarning
from grid_flex.io.timeseries import format_stamp, where_in_file
from grid_flex.schema.magnitudes import describe, limit_of, opt_out_hint

#: Median magnitudes outside [low, high] suggest a wrong unit:
#: (suffix, unit shown, low, high, hint for a low median, hint for a high median).
PLAUSIBLE: tuple[tuple[str, str, float, float, str, str], ...] = (
    (
        "tco2_per_mwh",
        "tCO2/MWh",
        0.005,
        3.0,
        "1000x too small for a grid's CO2 rate (ERCOT's marginal rate averages "
        "0.59 t/MWh, domain.md §0.5): kg given as t, or t given with unit: "
        "kg_per_mwh?",
        "like kg or lb per MWh rather than t/MWh (unit: kg_per_mwh or lb_per_mwh)",
    ),
    (
        "usd_per_ths_day",
        "USD/TH/s/day",
        0.0005,  # 1/76 of the lowest seen: a study's simulated BTC path may go low
        math.inf,
        "far below any hashprice seen (the record low was 0.038 in Nov 2025, "
        "0.04-0.4 since 2019, domain.md §1.2): a wrong unit, or a BTC price or "
        "difficulty off by 1000?",
        "",
    ),
    (
        "usd_per_mwh",
        "USD/MWh",
        1.0,
        2_000.0,
        "like a price per kWh rather than per MWh (unit: usd_per_kwh)",
        "like a price per GWh or in cents rather than USD/MWh",
    ),
    (
        "eur_per_mwh",
        "EUR/MWh",
        1.0,
        2_000.0,
        "like a price per kWh rather than per MWh (unit: eur_per_kwh)",
        "like a price per GWh or in cents rather than EUR/MWh",
    ),
)


def check_values(
    series: pd.Series, *, field: str, limits: bool = True, warn_units: bool = True
) -> None:
    """Refuse non-finite values and (with ``limits``) values beyond real-site bounds.

    Parameters
    ----------
    series : pandas.Series
        Values on the horizon, named ``<quantity>_<canonical unit>``.
    field : str
        Scenario field the series fills, named in messages.
    limits : bool
        Check the bounds of :mod:`grid_flex.schema.magnitudes` (off when the scenario
        sets ``allow_extreme_values``).
    warn_units : bool
        Warn (:class:`~grid_flex.errors.InputWarning`) when the median looks like a
        wrong unit.

    Raises
    ------
    DataError
        Naming the field, the file and line (when known) and the time stamp.
    """
    values = series.to_numpy(dtype=float)
    source = series.attrs.get("source", "")
    where = f"{field} ({source})" if source else field
    bad = np.flatnonzero(~np.isfinite(values) & ~np.isnan(values))
    if bad.size:
        stamp = series.index[int(bad[0])]
        raise DataError(
            f"{where}: {values[bad[0]]} at {format_stamp(stamp)}"
            f"{where_in_file(series, stamp)} is not a finite number"
        )
    name = str(series.name)
    if limits:
        limit = limit_of(name)
        beyond = np.flatnonzero(np.abs(values) > limit.bound)
        if beyond.size:
            stamp = series.index[int(beyond[0])]
            raise DataError(
                f"{where}: {values[beyond[0]]:g} at {format_stamp(stamp)}"
                f"{where_in_file(series, stamp)} is beyond {describe(limit)}, more "
                f"than any real site sees ({beyond.size:,} such values; a wrong unit?);"
                f" {opt_out_hint()}"
            )
    if warn_units:
        warn_unit(series, field=field)


def warn_unit(series: pd.Series, *, field: str) -> None:
    """Warn (:class:`~grid_flex.errors.InputWarning`) if the median looks wrong.

    A price of 0.03 "USD/MWh" is a price per kWh.
    """
    values = series.to_numpy(dtype=float)
    name = str(series.name)
    source = series.attrs.get("source", "")
    where = f"{field} ({source})" if source else field
    finite = values[np.isfinite(values)]
    if not finite.size:
        return
    median = float(np.median(np.abs(finite)))
    for suffix, shown, low, high, low_hint, high_hint in PLAUSIBLE:
        if not name.endswith(suffix):
            continue
        hint = low_hint if 0.0 < median < low else high_hint if median > high else ""
        if hint:
            warnings.warn(
                f"{where}: median {median:.4g} {shown} looks {hint}",
                InputWarning,
                stacklevel=3,
            )
        return
