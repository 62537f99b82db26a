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


@pytest.fixture(params=["monolithic", "decomposed"])
def sizing_method(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Solve sized LPs both ways: whole, and by the capacity decomposition.

    Every solve that takes its options from the scenario (``api.solve_options``)
    gets this ``sizing_method``; a test using the fixture runs once per method.
    """
    from dataclasses import replace

    from grid_flex import api

    method = str(request.param)
    scenario_options = api.solve_options
    monkeypatch.setattr(
        api,
        "solve_options",
        lambda sc: replace(scenario_options(sc), sizing_method=method),
    )
    return method
