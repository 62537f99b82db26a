"""Errors of a scenario's checks headed with its file and named by its field.

Shared by the data-free check (:mod:`grid_flex.nodata.scenario`) and the inputs'
preparation (:mod:`grid_flex.inputs`), so both name a problem the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from grid_flex.errors import CatalogError, DataError, ScenarioError
from grid_flex.schema.scenario import Scenario, scenario_source


@contextlib.contextmanager
def naming(scenario: Scenario) -> Iterator[None]:
    """Head errors found after schema validation with the scenario's file."""
    origin = scenario_source(scenario)
    try:
        yield
    except ScenarioError as exc:
        problems = [
            p if p.startswith(exc.source) else f"{exc.source}: {p}"
            for p in exc.problems
        ]
        raise ScenarioError(origin, problems) from exc
    except DataError as exc:
        raise DataError(f"{origin}: {exc}") from exc


@contextlib.contextmanager
def entry_errors(what: str, i: int, entry: Any) -> Iterator[None]:
    """A catalogue reference that does not resolve, named by the entry's field."""
    try:
        yield
    except CatalogError as exc:
        raise ScenarioError(
            f"{what}[{i}].model", [f"{what}[{i}].model ({entry.id}): {exc}"]
        ) from exc
