"""grid-flex: flexible computing loads behind one grid connection, as a Pyomo LP.

The pipeline is public stage by stage (see :mod:`grid_flex.api`)::

    import grid_flex as gf
    scenario, base = gf.load_scenario("west_texas_2020")
    inputs = gf.prepare_inputs(scenario, base)
    site = gf.build_model(inputs)          # site.model is a Pyomo ConcreteModel
    solution = gf.solve(site)
    results = gf.extract(site, solution)   # results.timeseries, results.summary

Exports are resolved lazily (module ``__getattr__``), so that ``import grid_flex``
and Pyomo-free parts such as :mod:`grid_flex.report` do not load Pyomo.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from grid_flex.version import __version__

#: Public name -> module that defines it.
_EXPORTS = {
    "run": "grid_flex.api",
    "solve": "grid_flex.api",
    "solve_options": "grid_flex.api",
    "CatalogError": "grid_flex.errors",
    "DataError": "grid_flex.errors",
    "GridFlexError": "grid_flex.errors",
    "InfeasibleError": "grid_flex.errors",
    "InputError": "grid_flex.errors",
    "ScenarioError": "grid_flex.errors",
    "SolveError": "grid_flex.errors",
    "SolverFailure": "grid_flex.errors",
    "UnboundedError": "grid_flex.errors",
    "ModelInputs": "grid_flex.inputs",
    "prepare_inputs": "grid_flex.inputs",
    "Catalog": "grid_flex.io.catalog",
    "load_catalog": "grid_flex.io.catalog",
    "load_scenario": "grid_flex.io.scenario",
    "SiteModel": "grid_flex.site",
    "build_model": "grid_flex.site",
    "build_site": "grid_flex.site",
    "summary_text": "grid_flex.output",
    "write_results": "grid_flex.output",
    "Results": "grid_flex.results",
    "extract": "grid_flex.results",
    "Scenario": "grid_flex.schema.scenario",
    "Solution": "grid_flex.solve",
    "SolveOptions": "grid_flex.solve",
    "solve_model": "grid_flex.solve",
}

if TYPE_CHECKING:  # pragma: no cover - names for type checkers and IDEs
    from grid_flex.api import run, solve, solve_options
    from grid_flex.errors import (
        CatalogError,
        DataError,
        GridFlexError,
        InfeasibleError,
        InputError,
        ScenarioError,
        SolveError,
        SolverFailure,
        UnboundedError,
    )
    from grid_flex.inputs import ModelInputs, prepare_inputs
    from grid_flex.io.catalog import Catalog, load_catalog
    from grid_flex.io.scenario import load_scenario
    from grid_flex.output import summary_text, write_results
    from grid_flex.results import Results, extract
    from grid_flex.schema.scenario import Scenario
    from grid_flex.site import SiteModel, build_model, build_site
    from grid_flex.solve import Solution, SolveOptions, solve_model


def __getattr__(name: str) -> Any:
    """Import an exported name on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grid_flex' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


class _Package(types.ModuleType):
    """Keeps an exported function when a submodule of the same name is imported.

    Importing ``grid_flex.solve`` (the module) would otherwise bind the package
    attribute ``solve`` to it, hiding the exported function ``grid_flex.solve``.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if (
            isinstance(value, types.ModuleType)
            and value.__name__ == f"{__name__}.{name}"
            and _EXPORTS.get(name, value.__name__) != value.__name__
        ):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "Catalog",
    "CatalogError",
    "DataError",
    "GridFlexError",
    "InfeasibleError",
    "InputError",
    "ModelInputs",
    "Results",
    "Scenario",
    "ScenarioError",
    "SiteModel",
    "Solution",
    "SolveError",
    "SolveOptions",
    "SolverFailure",
    "UnboundedError",
    "__version__",
    "build_model",
    "build_site",
    "extract",
    "load_catalog",
    "load_scenario",
    "prepare_inputs",
    "run",
    "solve",
    "solve_model",
    "solve_options",
    "summary_text",
    "write_results",
]
