"""A demand-response entry's baseline windows, checked on the standard library.

:func:`grid_flex.programs.demand_response.resolve` calls :func:`baseline_windows`
with its event mask; the data-free check calls it with the mask of
:func:`grid_flex.nodata.windows.selected` (events given as periods or recurring
hours; a price trigger stops the check before).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from grid_flex.errors import ScenarioError
from grid_flex.io.horizon import utc_text


def event_starts(mask: Sequence[bool]) -> list[int]:
    """Intervals where an event begins: in the mask, the one before not."""
    return [k for k, on in enumerate(mask) if on and (k == 0 or not mask[k - 1])]


def baseline_windows(
    mask: Sequence[bool],
    start: dt.datetime,
    step: dt.timedelta,
    window_h: float,
    *,
    field: str,
) -> list[list[int]]:
    """Per event, the non-event intervals in the ``window_h`` hours before it.

    Parameters
    ----------
    mask : sequence of bool
        Which intervals of the horizon are in an event.
    start, step : datetime, timedelta
        Start of the horizon (UTC) and the length of every interval.
    window_h : float
        Length of the baseline window [h] (``baseline_window_h``).
    field : str
        Dotted scenario path of the entry, for messages.

    Raises
    ------
    ScenarioError
        An event without a non-event interval in its baseline window.
    """
    reach = dt.timedelta(hours=window_h) // step  # intervals whose start is inside
    out = []
    for k in event_starts(mask):
        positions = [j for j in range(max(0, k - reach), k) if not mask[j]]
        if not positions:
            raise ScenarioError(
                f"{field}.baseline_window_h",
                [
                    f"{field}.baseline_window_h: the event starting "
                    f"{utc_text(start + k * step)} has no non-event interval in the "
                    f"{window_h:g} h before it to compute its baseline; start the "
                    "horizon earlier, or declare baseline_mw"
                ],
            )
        out.append(positions)
    return out
