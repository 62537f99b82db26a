"""Runs of neighbouring sweep cases handed to workers (``sweep.runs_of``)."""

from __future__ import annotations

import pytest

from grid_flex.studies.sweep import MAX_RUN, RUNS_PER_WORKER, runs_of


@pytest.mark.parametrize(("n", "workers"), [(1, 2), (7, 2), (1000, 2), (343, 3)])
def test_runs_cover_every_case_once_in_order_largest_first(
    n: int, workers: int
) -> None:
    tasks = [{"key": str(i)} for i in range(n)]
    runs = runs_of(tasks, workers)
    assert [t for run in runs for t in run] == tasks  # contiguous, in spec order
    sizes = [len(r) for r in runs]
    assert sizes == sorted(sizes, reverse=True)
    assert max(sizes) <= MAX_RUN
    assert min(sizes) >= 1
    # The last run is short: a worker finishing it leaves little idle time.
    assert sizes[-1] == 1


def test_run_size_is_a_share_of_what_is_left() -> None:
    # 1,000 cases, 2 workers: ⌈1000 / (4·2)⌉ = 125, capped at MAX_RUN (64); with
    # 40 left: ⌈40 / 8⌉ = 5.
    tasks = [{"key": str(i)} for i in range(1000)]
    assert len(runs_of(tasks, 2)[0]) == MAX_RUN == 64
    assert RUNS_PER_WORKER == 4
    assert [len(r) for r in runs_of(tasks[:40], 2)][:2] == [5, 5]
    assert len(runs_of(tasks, 2, max_run=8)[0]) == 8
