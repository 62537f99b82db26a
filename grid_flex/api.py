"""The public pipeline, one function per stage, and :func:`run` that chains them.

scenario, base_dir = load_scenario(path)        # validate
inputs = prepare_inputs(scenario, base_dir)      # read and align data
site = build_model(inputs, extra=...)            # Pyomo model, open to additions
solution = solve(site, options)                  # HiGHS
results = extract(site, solution)                # table + KPIs, closure-checked
write_results(results, scenario, out_dir)        # atomic folder of files
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from grid_flex.decompose import solve_lp, solve_model_lp
from grid_flex.errors import UnboundedError
from grid_flex.inputs import ModelInputs, prepare_inputs
from grid_flex.io.catalog import Catalog
from grid_flex.io.scenario import apply_to_scenario, load_scenario
from grid_flex.model.arrays import (
    ArrayBlock,
    PyomoComponentAdded,
    attach_array_layer,
    compile_arrays,
)
from grid_flex.model.capacity import first_stage_columns
from grid_flex.output import NOT_REPRODUCIBLE, write_results
from grid_flex.results import Results, extract
from grid_flex.schema.scenario import Scenario
from grid_flex.site import SiteModel, build_model, build_site
from grid_flex.solve import Solution, SolveOptions
from grid_flex.unbounded import explain_unbounded


def solve_options(scenario: Scenario) -> SolveOptions:
    """HiGHS options from the scenario's ``solver`` section."""
    s = scenario.solver
    return SolveOptions(
        method=s.method,
        time_limit_s=s.time_limit_s,
        presolve=s.presolve,
        threads=s.threads,
        sizing_method=s.sizing_method,
        sizing_gap_frac=s.sizing_gap_frac,
        sizing_max_iterations=s.sizing_max_iterations,
    )


def solve(site: SiteModel, options: SolveOptions | None = None) -> Solution:
    """Solve a built site (and anything a study added to its model) with HiGHS.

    Sized capacities are solved by the capacity decomposition when
    ``options.sizing_method`` asks for it (:mod:`grid_flex.decompose`); the optimum
    is loaded into the Pyomo model either way.

    An unbounded LP with sized capacities that have no ``max`` is explained in the
    scenario's terms (which capacity grows without limit) by
    :func:`grid_flex.unbounded.explain_unbounded`.
    """
    opts = options or solve_options(site.inputs.scenario)
    first_stage = [
        c.var.component
        for c in site.capacities.values()
        if c.var is not None and c.spec.sized
    ]
    try:
        return solve_model_lp(site.model, first_stage, opts)
    except UnboundedError as exc:
        raise explain_unbounded(
            site.model, site.capacities.values(), opts, exc
        ) from exc


def solve_arrays(
    inputs: ModelInputs, options: SolveOptions
) -> tuple[SiteModel, Solution] | None:
    """Build the site's LP as arrays only and solve it; None if Pyomo is needed.

    The asset and program modules build on an array-only layer
    (:class:`grid_flex.model.arrays.ArrayLayer`) on plain blocks
    (:class:`~grid_flex.model.arrays.ArrayBlock`): no Pyomo object at all, so the
    solve imports no Pyomo, the same LP as :func:`build_model` compiles (tested), and
    nothing to load the optimum back into (the default year at 15 minutes peaks at
    456 MiB instead of 639 MiB, whole process). Once compiled, the row families'
    coordinates are dropped (:meth:`~grid_flex.model.arrays.ArrayLayer.release_rows`:
    the returned site's families keep their row counts and bounds, not their
    entries). Sized capacities are solved as
    ``options.sizing_method`` says (:func:`grid_flex.decompose.solve_lp`). Returns
    None when a module put Pyomo components of its own on the model, or when the LP
    is infeasible or unbounded (the Pyomo build's solve explains that in the
    scenario's words).
    """
    model = ArrayBlock(inputs.scenario.name)
    layer = attach_array_layer(model)
    try:
        site = build_site(model, inputs)
    except PyomoComponentAdded:  # a module needs Pyomo: the caller builds with it
        return None
    finally:
        gc.unfreeze()  # build_site froze what it made; nothing here needs that
    # The objective is the layer's own total: extract re-checks profit against it.
    lp = dataclasses.replace(compile_arrays(layer), objective=layer.objective)
    layer.release_rows()  # compiled into lp: HiGHS's solve starts lower without them
    first_stage = first_stage_columns(
        site.capacities.values(), lp.layer_offsets[id(layer)]
    )
    solution = solve_lp(lp, first_stage, options, give_up_on_failure=True)
    return None if solution is None else (site, solution)


def run(
    scenario: str | Path | Scenario,
    *,
    base_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    overrides: Sequence[str | Path] = (),
    assignments: Sequence[str] = (),
    catalog: Catalog | None = None,
    extra: Callable[[SiteModel], None] | None = None,
    options: SolveOptions | None = None,
    full_model: bool = False,
) -> Results:
    """Load (if a path), prepare, build, solve and extract; write if ``out_dir``.

    Without ``extra`` the LP is built as arrays only (:func:`solve_arrays`), unless
    ``full_model``; an infeasible or unbounded case is then built again with Pyomo,
    whose solve explains it.

    Parameters
    ----------
    scenario : path or Scenario
        A scenario file, the name of a bundled scenario, or a validated scenario.
    base_dir : path, optional
        Folder relative series paths start from, for a ``Scenario`` object (default:
        the current folder). Ignored for files, whose own folder is used.
    out_dir : path, optional
        Folder to write results to (created atomically).
    overrides, assignments :
        Override files and ``key.path=value`` patches (see :func:`load_scenario`),
        applied to a file and to a ``Scenario`` object alike.
    catalog : Catalog, optional
        Equipment catalogue (bundled by default).
    extra : callable, optional
        ``extra(site)`` adds components to the model before the solve. The results
        then say (``summary["not_reproducible_from_folder"]``, and a comment in the
        folder's ``scenario.yaml``) that the folder alone does not reproduce them.
    options : SolveOptions, optional
        HiGHS settings (default: the scenario's ``solver`` section).
    full_model : bool
        Build the Pyomo model (as :func:`build_model` does) even without ``extra``.
    """
    t0 = time.perf_counter()
    if isinstance(scenario, Scenario):
        sc, base = scenario, Path(base_dir or ".")
        sc = apply_to_scenario(sc, override_files=overrides, assignments=assignments)
    else:
        sc, base = load_scenario(
            scenario, override_files=overrides, assignments=assignments
        )
    t1 = time.perf_counter()
    inputs = prepare_inputs(sc, base, catalog)
    t2 = time.perf_counter()
    opts = options or solve_options(sc)
    solved = None if extra is not None or full_model else solve_arrays(inputs, opts)
    if solved is None:
        site = build_model(inputs, extra=extra)
        t3 = time.perf_counter()
        solution = solve(site, opts)
    else:
        site, solution = solved
        t3 = time.perf_counter() - sum(solution.timings_s.values())
    results = extract(site, solution)
    if solution.report:
        results.summary["sizing_solve"] = solution.report
    if extra is not None:
        name = getattr(extra, "__qualname__", None) or repr(extra)
        results.summary[NOT_REPRODUCIBLE] = (
            f"the model was changed by the Python hook extra={name}, which the "
            "folder does not hold; re-running its scenario.yaml solves the model "
            "without it"
        )
    t4 = time.perf_counter()
    results.timings_s = {
        "load_s": t1 - t0,
        "inputs_s": t2 - t1,
        "build_s": t3 - t2,
        **solution.timings_s,
        "extract_s": t4 - t3 - sum(solution.timings_s.values()),
    }
    if out_dir is not None:
        write_results(results, sc, out_dir, base_dir=base, catalog=catalog)
    return results


__all__ = [
    "ModelInputs",
    "Results",
    "SiteModel",
    "Solution",
    "SolveOptions",
    "build_model",
    "extract",
    "load_scenario",
    "prepare_inputs",
    "run",
    "solve",
    "solve_arrays",
    "solve_options",
    "write_results",
]
