"""Building models without solving them does not keep dead ones alive."""

from __future__ import annotations

import gc
import weakref

from grid_flex.inputs import prepare_inputs
from grid_flex.site import build_model
from grid_flex.testing import small_scenario


def test_a_dropped_unsolved_model_is_collected_by_the_next_build():
    fleet = {"type": "asic_fleet", "id": "f", "model": "asic/antminer_s21", "count": 10}
    inputs = prepare_inputs(small_scenario([10.0] * 24, [fleet]))
    first = build_model(inputs)
    assert gc.get_freeze_count() > 0  # the build froze its objects
    alive = weakref.ref(first.model)
    del first
    second = build_model(inputs)
    try:
        assert alive() is None
    finally:
        del second
        gc.unfreeze()
