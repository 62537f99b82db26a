"""Forecasts for rolling operation: what the operator believes at each window start.

A :class:`Forecast` answers ``window(start, stop)``: the values the operator uses for
intervals ``start ≤ t < stop`` when deciding at ``start`` (positions on the horizon).

* ``perfect``: the actual series.
* ``persistence_day`` / ``persistence_week``: the same interval one day (week) before,
  taken from the last day (week) known at the window start and repeated:
  ``f[t] = a[start − L + ((t − start) mod L)]`` with ``L`` intervals a day (week).
  Before the horizon the scenario's own data file is read when it reaches back that
  far; otherwise the horizon's first day (week) stands in for the day (week) before
  it (a warm-up that uses one day or week of data not yet known; reported in the
  summary as ``warm_up``).
* a series (``rolling.forecasts.price``): another file on the horizon, e.g. the
  day-ahead price as the forecast of a real-time price. It must cover the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grid_flex.conventions import index_step
from grid_flex.errors import DataError, ScenarioError
from grid_flex.inputs import ModelInputs, price_series
from grid_flex.model.linear import FloatArray
from grid_flex.schema.scenario import Scenario

#: Lag of each persistence method [h].
PERSISTENCE_LAG_H = {"persistence_day": 24.0, "persistence_week": 168.0}


@dataclass(frozen=True)
class Forecast:
    """A forecast of one series on the horizon.

    Attributes
    ----------
    method : str
        ``perfect``, ``persistence_day``, ``persistence_week`` or ``series``.
    history : ndarray
        Values on ``lag`` intervals before the horizon followed by the horizon's
        actual values (``lag = 0`` for perfect and series forecasts), in the series'
        unit.
    lag : int
        Persistence lag [intervals] (0: the forecast is ``history`` itself).
    warm_up : bool
        True when the values before the horizon were not in the data and the
        horizon's first ``lag`` intervals stand in for them.
    """

    method: str
    history: FloatArray
    lag: int
    warm_up: bool = False

    def window(self, start: int, stop: int) -> FloatArray:
        """Forecast for horizon positions ``start ≤ t < stop`` made at ``start``."""
        if self.lag == 0:
            return self.history[start:stop]
        t = np.arange(start, stop)
        # history position of horizon interval j is j + lag
        return self.history[start + (t - start) % self.lag]


def _lag_intervals(method: str, index: pd.DatetimeIndex, field: str) -> int:
    step_h = index_step(index) / pd.Timedelta(hours=1)
    lag_h = PERSISTENCE_LAG_H[method]
    lag = round(lag_h / step_h)
    if lag > len(index):
        raise ScenarioError(
            field,
            [
                f"{field}: {method} needs a horizon of at least {lag_h:g} h "
                f"(the horizon has {len(index) * step_h:g} h)"
            ],
        )
    return lag


def persistence(
    method: str,
    actual: FloatArray,
    index: pd.DatetimeIndex,
    field: str,
    before: FloatArray | None = None,
) -> Forecast:
    """A persistence forecast of ``actual``; ``before`` = values before the horizon."""
    lag = _lag_intervals(method, index, field)
    if before is not None and len(before) == lag:
        return Forecast(method, np.concatenate([before, actual]), lag)
    return Forecast(method, np.concatenate([actual[:lag], actual]), lag, warm_up=True)


def price_forecast(
    scenario: Scenario, base_dir: Path, actual: ModelInputs, spec: Any
) -> Forecast:
    """The energy-price forecast named by ``rolling.forecasts.price`` [USD/MWh]."""
    field = "rolling.forecasts.price"
    index = actual.index
    price = actual.price_usd_per_mwh
    if spec == "perfect":
        return Forecast("perfect", price, 0)
    if isinstance(spec, str):
        lag = _lag_intervals(spec, index, field)
        step = index_step(index)
        earlier = pd.date_range(
            index[0] - lag * step, periods=lag, freq=step, name=index.name
        )
        try:
            before = price_series(
                scenario.energy.price, scenario, base_dir, earlier, "energy.price"
            )
        except (DataError, ScenarioError):
            before = None  # the file does not reach back: warm up on the horizon
        return persistence(spec, price, index, field, before)
    values = price_series(spec, scenario, base_dir, index, field)
    return Forecast("series", np.asarray(values, dtype=float), 0)


def hashprice_forecast(method: str, actual: ModelInputs) -> Forecast | None:
    """The hashprice forecast (``rolling.forecasts.hashprice``), None if none."""
    hp = actual.hashprice_usd_per_ths_day
    if hp is None:
        return None
    if method == "perfect":
        return Forecast("perfect", hp, 0)
    return persistence(method, hp, actual.index, "rolling.forecasts.hashprice")
