"""Re-solve scenarios that differ only in numbers without rebuilding the Pyomo model.

A :class:`Resolver` keeps one HiGHS model per structure (the LP's shape and sense).
Each scenario is prepared and built with the site's builders on an array-only layer
on plain blocks (:class:`grid_flex.model.arrays.ArrayLayer` on an
:class:`~grid_flex.model.arrays.ArrayBlock`: the arrays, no Pyomo object), its LP
compared with the kept one, and only the changed costs, bounds, right-hand sides and
coefficients are passed to HiGHS, which re-solves from its last basis
(:class:`grid_flex.solve.WarmStart`). Results are the same :class:`Results` that
:func:`grid_flex.api.run` returns.

Anything the numbers-only build cannot represent (a study's ``extra`` hook, or a
module that adds Pyomo components of its own) falls back to the full build and a
cold solve; so does an infeasible case, so that its error is explained with the
scenario's constraint names.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from grid_flex.api import run, solve_options
from grid_flex.errors import InfeasibleError
from grid_flex.inputs import prepare_inputs
from grid_flex.io.catalog import Catalog
from grid_flex.model.arrays import (
    ArrayBlock,
    PyomoComponentAdded,
    attach_array_layer,
    compile_arrays,
)
from grid_flex.model.handoff import CompiledLP
from grid_flex.model.sparse import PatternMemo
from grid_flex.results import Results, extract
from grid_flex.schema.scenario import Scenario
from grid_flex.site import SiteModel, build_site
from grid_flex.solve import SolveOptions, WarmStart

#: Series files kept in memory by a Resolver (each a year of floats: ~70 kB hourly).
MAX_CACHED_SERIES = 32

SeriesCache = OrderedDict[tuple[Any, ...], pd.Series]


@contextmanager
def cached_series(cache: SeriesCache) -> Iterator[None]:
    """Load each series once: read and put on the horizon, memoised.

    :func:`grid_flex.inputs.read_series` and :func:`grid_flex.inputs.load_on_horizon`
    (read, gaps filled, aligned to the horizon, checked) are memoised. The key is
    the series spec, the file's path, size and modification time and
    the horizon (and for a load, the field and its checks), so a changed file or
    spec is read again. Inline series are read from the scenario, not cached; their
    load on the horizon is. The interval lengths of the horizon
    (:func:`grid_flex.conventions.timestep_h`) are memoised too, keyed by every
    interval start.
    """
    import grid_flex.inputs as gi

    read_original = gi.read_series
    load_original = gi.load_on_horizon
    lengths_original = gi.timestep_h

    def remembered(key: tuple[Any, ...], make: Callable[[], pd.Series]) -> pd.Series:
        hit = cache.get(key)
        if hit is None:
            hit = make()
            cache[key] = hit
            while len(cache) > MAX_CACHED_SERIES:
                cache.popitem(last=False)
        else:
            cache.move_to_end(key)
        return hit.copy()

    def source(spec: Any, base_dir: Path) -> tuple[Any, ...] | None:
        """The file's identity; None if it cannot be read (the reader says why)."""
        file = getattr(spec, "file", None)
        if file is None:
            return ()
        try:
            path = gi.resolve_file(file, base_dir)
            stat = path.stat()
        except Exception:
            return None
        return (str(path), stat.st_size, stat.st_mtime_ns)

    def horizon(index: pd.DatetimeIndex) -> tuple[Any, ...]:
        return (index[0], index[-1], len(index))

    def read(spec: Any, base_dir: Path, index: pd.DatetimeIndex) -> pd.Series:
        where = source(spec, base_dir)
        if not where:  # inline, or a file the reader will name the problem of
            return read_original(spec, base_dir, index)
        key = ("read", spec.model_dump_json(), *where, *horizon(index))
        return remembered(key, lambda: read_original(spec, base_dir, index))

    def load(
        spec: Any,
        base_dir: Path,
        index: pd.DatetimeIndex,
        *,
        field: str,
        limits: bool = False,
    ) -> pd.Series:
        where = source(spec, base_dir)
        if where is None:
            return load_original(spec, base_dir, index, field=field, limits=limits)
        key = ("load", spec.model_dump_json(), *where, *horizon(index), field, limits)
        return remembered(
            key,
            lambda: load_original(spec, base_dir, index, field=field, limits=limits),
        )

    def lengths(index: pd.DatetimeIndex, freq: pd.Timedelta | None = None) -> pd.Series:
        key = ("timestep_h", index.asi8.tobytes(), index.unit, str(index.tz), freq)
        return remembered(key, lambda: lengths_original(index, freq))

    gi.read_series = read
    gi.load_on_horizon = load
    gi.timestep_h = lengths
    try:
        yield
    finally:
        gi.read_series = read_original
        gi.load_on_horizon = load_original
        gi.timestep_h = lengths_original


def build_numbers(
    scenario: Scenario,
    base_dir: str | Path,
    catalog: Catalog | None = None,
    *,
    series: SeriesCache | None = None,
    memo: PatternMemo | None = None,
) -> tuple[SiteModel, CompiledLP] | None:
    """Build ``scenario`` on an array-only layer and compile its LP from the arrays.

    The site is built on plain blocks (:class:`~grid_flex.model.arrays.ArrayBlock`,
    as :func:`grid_flex.api.solve_arrays` does): no Pyomo set, block or component
    is made. Returns None when some module put Pyomo components of its own on the
    model (the array-only LP would miss them); use the full build then. ``series``
    keeps the series files earlier cases read (see :func:`cached_series`);
    ``memo`` keeps the last matrix's ordering
    (:class:`~grid_flex.model.sparse.PatternMemo`).
    """
    if series is None:
        inputs = prepare_inputs(scenario, Path(base_dir), catalog)
    else:
        with cached_series(series):
            inputs = prepare_inputs(scenario, Path(base_dir), catalog)
    model = ArrayBlock(inputs.scenario.name)
    layer = attach_array_layer(model)
    froze = gc.isenabled()  # build_site freezes what it built only then
    try:
        site = build_site(model, inputs)
    except PyomoComponentAdded:  # a module needs Pyomo: the caller builds with it
        return None
    finally:
        if froze:
            gc.unfreeze()
    # The objective is the layer's own total: extract re-checks profit against it.
    lp = compile_arrays(layer, memo=memo)
    return site, dataclasses.replace(lp, objective=layer.objective)


def one_thread_options(scenario: Scenario) -> SolveOptions:
    """The scenario's HiGHS settings, with one thread unless it names a count."""
    base = solve_options(scenario)
    return SolveOptions(
        method=base.method,
        time_limit_s=base.time_limit_s,
        presolve=base.presolve,
        threads=1 if base.threads is None else base.threads,
    )


class Resolver:
    """Solve scenario after scenario, reusing HiGHS models between them.

    Parameters
    ----------
    options : SolveOptions, optional
        HiGHS settings for every solve (default: each scenario's own ``solver``
        section, with one thread).
    max_models : int
        HiGHS models kept at once (one per LP structure), least recently used
        dropped first.
    collect : bool
        Run :func:`gc.collect` after each solve so that a long-lived process holds
        flat memory.
    freeze : bool
        Before the first case, move every object the process holds to the
        collector's permanent generation (:func:`gc.freeze`), so that the
        collection after each case scans only what that case made (a full
        collection of a process with Pyomo and pandas loaded costs more than a
        warm re-solve). For a worker process that does nothing but solve cases
        (``grid-flex sweep``); objects alive at the freeze that later become
        cyclic garbage are never freed, so leave it off in an interactive session.

    Notes
    -----
    Cases are built and solved with the cyclic collector paused; then one
    collection frees the case's garbage (with ``collect``).
    """

    def __init__(
        self,
        options: SolveOptions | None = None,
        *,
        max_models: int = 2,
        collect: bool = True,
        freeze: bool = False,
    ) -> None:
        self.options = options
        self.max_models = max_models
        self.collect = collect
        self.freeze = freeze
        self._frozen = False
        self._models: OrderedDict[tuple[Any, ...], WarmStart] = OrderedDict()
        self._series: SeriesCache = OrderedDict()
        self._pattern = PatternMemo()
        self.modes: dict[str, int] = {"cold": 0, "in_place": 0, "basis": 0, "full": 0}
        #: CPU seconds HiGHS took on the last case (None after a full build).
        self.last_highs_cpu_s: float | None = None

    def _options(self, scenario: Scenario) -> SolveOptions:
        return self.options or one_thread_options(scenario)

    def _warm(self, key: tuple[Any, ...], options: SolveOptions) -> WarmStart:
        warm = self._models.pop(key, None)
        if warm is None or warm.options != options:
            warm = WarmStart(options)
        self._models[key] = warm
        while len(self._models) > self.max_models:
            self._models.popitem(last=False)
        return warm

    def run(
        self,
        scenario: Scenario,
        base_dir: str | Path = ".",
        *,
        catalog: Catalog | None = None,
        extra: Callable[[SiteModel], None] | None = None,
        timeseries: bool = True,
    ) -> Results:
        """Solve ``scenario``; see the module docstring for when it re-solves warm.

        ``timeseries=False``: KPIs only (the summary, checked as usual; no
        per-interval table, see :func:`grid_flex.results.extract`), for sweeps.
        A case solved by the full build (``extra``, or infeasible) comes back
        whole.
        """
        if self.freeze and not self._frozen:
            # Once (again after a full build, whose solve unfreezes everything).
            # A flag, not gc.get_freeze_count(): that walks the frozen objects.
            gc.collect()
            gc.freeze()
            self._frozen = True
        enabled = gc.isenabled()
        gc.disable()  # build_site then neither collects everything nor freezes
        try:
            return self._run(scenario, base_dir, catalog, extra, timeseries)
        finally:
            if enabled:
                gc.enable()
            if self.collect:
                gc.collect()

    def _run(
        self,
        scenario: Scenario,
        base_dir: str | Path,
        catalog: Catalog | None,
        extra: Callable[[SiteModel], None] | None,
        timeseries: bool,
    ) -> Results:
        options = self._options(scenario)
        self.last_highs_cpu_s = None
        t0 = time.perf_counter()
        built = (
            None
            if extra is not None
            else build_numbers(
                scenario, base_dir, catalog, series=self._series, memo=self._pattern
            )
        )
        if built is None:
            self.modes["full"] += 1
            self._frozen = False  # solve_model unfreezes every object
            return run(
                scenario,
                base_dir=base_dir,
                catalog=catalog,
                extra=extra,
                options=options,
            )
        site, lp = built
        t1 = time.perf_counter()
        warm = self._warm((lp.shape, lp.sense, len(lp.a.data)), options)
        before = dict(warm.modes)
        try:
            solution = warm.solve(lp)
        except InfeasibleError:
            # Explain it in the scenario's terms: the full build names every row.
            self.modes["full"] += 1
            self._frozen = False
            return run(scenario, base_dir=base_dir, catalog=catalog, options=options)
        for mode, count in warm.modes.items():
            self.modes[mode] += count - before[mode]
        self.last_highs_cpu_s = solution.highs_cpu_s
        t2 = time.perf_counter()
        results = extract(site, solution, timeseries=timeseries)
        t3 = time.perf_counter()
        results.timings_s = {
            "build_s": t1 - t0,
            **solution.timings_s,
            "extract_s": t3 - t2,
        }
        return results
