"""grid-flex: flexible computing loads behind one grid connection, as a Pyomo LP.

The pipeline is public stage by stage (see :mod:`grid_flex.api`)::

    import grid_flex as gf
    scenario, base = gf.load_scenario("west_texas_2020")
    inputs = gf.prepare_inputs(scenario, base)
    site = gf.build_model(inputs)          # site.model is a Pyomo ConcreteModel
    solution = gf.solve(site)
    results = gf.extract(site, solution)   # results.timeseries, results.summary
"""

from __future__ import annotations

__version__ = "0.1.0"

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
from grid_flex.model.build import SiteModel, build_model, build_site
from grid_flex.output import summary_text, write_results
from grid_flex.results import Results, extract
from grid_flex.schema.scenario import Scenario
from grid_flex.solve import Solution, SolveOptions, solve_model

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
