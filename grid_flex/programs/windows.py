"""Turn a :class:`~grid_flex.schema.windows.WindowSet` into a mask over the horizon."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from grid_flex.errors import ScenarioError
from grid_flex.io.timeseries import format_stamp
from grid_flex.model.terms import DataNeeded, ResolveContext
from grid_flex.schema.windows import WindowSet

BoolArray = NDArray[np.bool_]


def window_mask(
    windows: WindowSet, rctx: ResolveContext, *, field: str, outside: str = "error"
) -> BoolArray:
    """Which intervals of the horizon lie in ``windows``.

    Parameters
    ----------
    windows : WindowSet
        The declared windows.
    rctx : ResolveContext
        Gives the horizon, its time zone and the energy price.
    field : str
        Dotted scenario path of ``windows``, for messages.
    outside : {"error", "ignore"}
        What to do with an explicit period that does not overlap the horizon.
    """
    index = rctx.index
    mask = np.zeros(len(index), dtype=bool)
    ends = index + pd.to_timedelta(rctx.timestep_h, unit="h")
    end_of_horizon = ends[-1]
    for i, period in enumerate(windows.periods):
        start, end = rctx.utc(period.start), rctx.utc(period.end)
        inside = (index < end) & (ends > start)  # any overlap counts
        if not inside.any() and outside == "error":
            raise ScenarioError(
                f"{field}.periods[{i}]",
                [
                    f"{field}.periods[{i}]: {format_stamp(start)} to "
                    f"{format_stamp(end)} lies outside the horizon "
                    f"({format_stamp(index[0])} to "
                    f"{format_stamp(end_of_horizon)})"
                ],
            )
        mask |= inside
    if windows.recurring:
        local = index.tz_convert(rctx.timezone)
        hour = np.asarray(local.hour + local.minute / 60.0)
        hour_end = hour + rctx.timestep_h
        for rec in windows.recurring:
            sel = (hour < rec.end_hour) & (hour_end > rec.start_hour)
            if rec.months is not None:
                sel &= np.isin(local.month, rec.months)
            if rec.weekdays is not None:
                sel &= np.isin(local.day_of_week, rec.weekdays)
            mask |= np.asarray(sel, dtype=bool)
    if windows.price_above_usd_per_mwh is not None:
        if rctx.price_usd_per_mwh is None:
            raise DataNeeded(field)  # a data-free check: the price is not read
        mask |= rctx.price_usd_per_mwh > windows.price_above_usd_per_mwh
    return mask
