"""Window sets on the horizon: any interval a window overlaps is inside."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grid_flex.errors import ScenarioError
from grid_flex.io.catalog import load_catalog
from grid_flex.model.terms import ResolveContext
from grid_flex.programs.windows import window_mask
from grid_flex.schema.windows import WindowSet


def rctx(periods: int = 4, freq: str = "1h", tz: str = "UTC") -> ResolveContext:
    index = pd.date_range("2024-06-03", periods=periods, freq=freq, tz="UTC")
    step_h = pd.Timedelta(freq).total_seconds() / 3600
    return ResolveContext(
        catalog=load_catalog(),
        index=index,
        timestep_h=np.full(periods, step_h),
        load=lambda *_: np.zeros(periods),
        timezone=tz,
        price_usd_per_mwh=np.array([10.0, 500.0, 20.0, 30.0][:periods]),
    )


def test_a_period_covering_part_of_an_interval_includes_it():
    ws = WindowSet.model_validate(
        {"periods": [{"start": "2024-06-03T01:30:00", "end": "2024-06-03T02:45:00"}]}
    )
    assert window_mask(ws, rctx(), field="w").tolist() == [False, True, True, False]


def test_a_period_inside_one_interval_is_not_outside_the_horizon():
    ws = WindowSet.model_validate(
        {"periods": [{"start": "2024-06-03T01:15:00", "end": "2024-06-03T01:45:00"}]}
    )
    assert window_mask(ws, rctx(), field="w").tolist() == [False, True, False, False]


def test_a_period_after_the_horizon_is_an_error_naming_the_field():
    ws = WindowSet.model_validate(
        {"periods": [{"start": "2024-06-04T01:00:00", "end": "2024-06-04T02:00:00"}]}
    )
    with pytest.raises(ScenarioError, match=r"w\.periods\[0\].*outside the horizon"):
        window_mask(ws, rctx(), field="w")


def test_recurring_quarter_hours_on_an_hourly_and_15_minute_horizon():
    ws = WindowSet.model_validate(
        {"recurring": [{"start_hour": 1.75, "end_hour": 2.25}]}
    )
    assert window_mask(ws, rctx(), field="w").tolist() == [False, True, True, False]
    fine = window_mask(ws, rctx(periods=12, freq="15min"), field="w")
    assert np.flatnonzero(fine).tolist() == [7, 8]  # 01:45 and 02:00


def test_price_trigger():
    ws = WindowSet.model_validate({"price_above_usd_per_mwh": 100})
    assert window_mask(ws, rctx(), field="w").tolist() == [False, True, False, False]
