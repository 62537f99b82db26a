"""A long-lived process that solves scenario after scenario holds flat memory.

Pyomo models are reference cycles that only the cyclic garbage collector frees; the
build freezes its objects (``gc.freeze``) and the solve hands them back to the oldest
generation, which CPython then rarely collects. Before the fix each solve of a year
kept about 49 MB for good.
"""

from __future__ import annotations

import gc
import os
import weakref

import pytest

import grid_flex as gf
from grid_flex.inputs import prepare_inputs
from grid_flex.io.scenario import load_scenario
from grid_flex.results import extract
from grid_flex.site import build_model
from grid_flex.solve import solve_model

pytestmark = pytest.mark.solver

FOUR_WEEKS = ["horizon.end=2020-01-29T00:00:00"]


def rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_each_solved_model_is_freed_by_the_next_build():
    scenario, base = load_scenario("west_texas_2020", assignments=FOUR_WEEKS)
    inputs = prepare_inputs(scenario, base)
    models: list[weakref.ref[object]] = []
    for _ in range(10):
        site = build_model(inputs)
        models.append(weakref.ref(site.model))
        extract(site, solve_model(site.model))
        del site
    # No gc.collect() here: what the library does by itself is under test. The last
    # model may still await the collector; every earlier one must be gone.
    assert [m() is None for m in models[:-1]] == [True] * 9
    gc.collect()
    assert models[-1]() is None


@pytest.mark.parametrize("full_model", [False, True], ids=["arrays", "pyomo"])
def test_rss_stays_flat_over_ten_solves(full_model: bool) -> None:
    scenario, base = load_scenario("west_texas_2020", assignments=FOUR_WEEKS)
    gf.run(scenario, base_dir=base, full_model=full_model)
    gf.run(scenario, base_dir=base, full_model=full_model)  # pools, caches warm
    start = rss_mib()
    for _ in range(8):
        gf.run(scenario, base_dir=base, full_model=full_model)
    grown = rss_mib() - start
    # Before the fix four weeks kept about 4 MiB per solve (32 MiB over 8 solves).
    assert grown < 12.0, f"RSS grew {grown:.1f} MiB over 8 solves"
