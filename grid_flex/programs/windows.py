"""Turn a :class:`~grid_flex.schema.windows.WindowSet` into a mask over the horizon."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from grid_flex.model.terms import DataNeeded, ResolveContext
from grid_flex.nodata.windows import period_spans
from grid_flex.schema.windows import WindowSet

BoolArray = NDArray[np.bool_]


def window_mask(
    windows: WindowSet,
    rctx: ResolveContext,
    *,
    field: str,
    outside: Literal["error", "ignore"] = "error",
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

    Raises
    ------
    ScenarioError
        From :func:`grid_flex.nodata.windows.period_spans`: a period outside the
        horizon, or a naive time a daylight-saving change skips or repeats.
    DataNeeded
        A price trigger in a data-free check (no price given).
    """
    index = rctx.index
    mask = np.zeros(len(index), dtype=bool)
    ends = index + pd.to_timedelta(rctx.timestep_h, unit="h")
    horizon = (index[0].to_pydatetime(), ends[-1].to_pydatetime())
    spans = period_spans(windows, horizon, rctx.timezone, field=field, outside=outside)
    for start, end in spans:
        mask |= (index < pd.Timestamp(end)) & (ends > pd.Timestamp(start))  # overlap
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
