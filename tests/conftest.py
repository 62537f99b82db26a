"""Shared fixtures: the bundled catalogue and a solve helper for small scenarios."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from grid_flex.api import run
from grid_flex.io.catalog import Catalog, load_catalog
from grid_flex.results import Results
from grid_flex.schema.scenario import Scenario


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def solve_small() -> Callable[[Scenario], Results]:
    """Solve a scenario whose series are inline (no files)."""

    def _solve(scenario: Scenario) -> Results:
        return run(scenario)

    return _solve
