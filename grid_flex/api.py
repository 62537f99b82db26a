"""The public pipeline, one function per stage, and :func:`run` that chains them.

scenario, base_dir = load_scenario(path)        # validate
inputs = prepare_inputs(scenario, base_dir)      # read and align data
site = build_model(inputs, extra=...)            # Pyomo model, open to additions
solution = solve(site, options)                  # HiGHS
results = extract(site, solution)                # table + KPIs, closure-checked
write_results(results, scenario, out_dir)        # atomic folder of files
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from grid_flex.errors import UnboundedError
from grid_flex.inputs import ModelInputs, prepare_inputs
from grid_flex.io.catalog import Catalog
from grid_flex.io.scenario import apply_to_scenario, load_scenario
from grid_flex.model.build import SiteModel, build_model
from grid_flex.output import NOT_REPRODUCIBLE, write_results
from grid_flex.results import Results, extract
from grid_flex.schema.scenario import Scenario
from grid_flex.solve import Solution, SolveOptions, solve_model
from grid_flex.unbounded import explain_unbounded


def solve_options(scenario: Scenario) -> SolveOptions:
    """HiGHS options from the scenario's ``solver`` section."""
    s = scenario.solver
    return SolveOptions(
        method=s.method,
        time_limit_s=s.time_limit_s,
        presolve=s.presolve,
        threads=s.threads,
    )


def solve(site: SiteModel, options: SolveOptions | None = None) -> Solution:
    """Solve a built site (and anything a study added to its model) with HiGHS.

    An unbounded LP with sized capacities that have no ``max`` is explained in the
    scenario's terms (which capacity grows without limit) by
    :func:`grid_flex.unbounded.explain_unbounded`.
    """
    opts = options or solve_options(site.inputs.scenario)
    try:
        return solve_model(site.model, opts)
    except UnboundedError as exc:
        raise explain_unbounded(
            site.model, site.capacities.values(), opts, exc
        ) from exc


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
) -> Results:
    """Load (if a path), prepare, build, solve and extract; write if ``out_dir``.

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
    site = build_model(inputs, extra=extra)
    t3 = time.perf_counter()
    solution = solve(site, options)
    results = extract(site, solution)
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
    "solve_options",
    "write_results",
]
