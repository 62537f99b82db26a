"""``check_scenario``: every check of a scenario that needs no data file.

Above :mod:`grid_flex.inputs` and :mod:`grid_flex.nodata`: the checks run on the
standard library where every entry's kind has them
(:func:`grid_flex.nodata.scenario.checked_without_index`), else on the horizon's
pandas index (:func:`grid_flex.inputs.check_scenario_on_index`, imported only then).
"""

from __future__ import annotations

from grid_flex.io.catalog import Catalog, load_catalog, with_entries
from grid_flex.nodata.scenario import checked_without_index
from grid_flex.schema.scenario import Scenario


def check_scenario(scenario: Scenario, catalog: Catalog | None = None) -> None:
    """Checks that need no data file: the horizon and the catalogue references.

    Modules that need a series to check their entry are checked up to that point;
    :func:`grid_flex.inputs.prepare_inputs` makes the rest. Loads no pandas, numpy
    or Pyomo unless an entry's kind has no check in
    :data:`grid_flex.nodata.scenario.CHECKS` (every registered kind has one).

    Raises
    ------
    ScenarioError, DataError
        The first problem found, headed with the scenario's file.
    """
    base = catalog if catalog is not None else load_catalog()
    if not checked_without_index(
        scenario, with_entries(base, scenario.catalog_entries)
    ):
        from grid_flex.inputs import check_scenario_on_index

        check_scenario_on_index(scenario, base)
