"""Rolling-horizon operation: decide window by window on forecasts, settle at actuals.

The run (design.md §5, "one window model, data updated between windows"):

1. **Windows.** From the horizon start, solve ``lookahead_h`` hours, keep (commit)
   the first ``commit_h`` hours, start the next window at the end of the committed
   part. The window that reaches the horizon's end commits all of it.
2. **Each window is the site on its own horizon.** Every asset and program entry is
   re-resolved on the window (no slicing of resolved parameters); series are read
   once on the whole horizon and cut to the window. The energy price (and optionally
   the hashprice) is the forecast made at the window start
   (:mod:`grid_flex.studies.rolling_forecast`); ``rolling.forecasts.programs``
   replaces program fields in the model the operator decides on.
3. **State.** Each module carries its own state
   (:mod:`~grid_flex.studies.rolling_state`): taken at the end of the committed
   part, resumed at the next window's start.
   Windows that end before the horizon drop forced end states and value what is
   stored at their end instead (``end_value``).
4. **Settlement.** The scenario as written (actual prices, programs as written) is
   built on the whole horizon with every per-interval decision fixed at its
   committed value and solved: the realised schedule's money at actual prices, in
   the same table and summary as a normal solve. Monthly peaks, tags and other
   horizon-level quantities follow from the fixed schedule.
5. **Foresight.** Optionally (``rolling.foresight``) the perfect-foresight solve and
   a rolling run on perfect forecasts: their difference to the realised profit per
   stream is ``foresight.csv`` (:mod:`~grid_flex.studies.rolling_report`).
"""

from __future__ import annotations

import gc
import json
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.core as pyo
from pydantic import BaseModel

from grid_flex.api import solve, solve_options
from grid_flex.conventions import utc_text
from grid_flex.errors import DataError, InputError, ScenarioError, SolveError
from grid_flex.inputs import (
    ModelInputs,
    horizon_index,
    prepare_inputs,
    resolve_context,
)
from grid_flex.io.catalog import Catalog, load_catalog
from grid_flex.io.scenario import load_scenario, scenario_from_dict
from grid_flex.io.timeseries import format_stamp
from grid_flex.model.arrays import ArrayLayer, attach_array_layer, compile_arrays
from grid_flex.model.linear import FloatArray, LinExpr
from grid_flex.model.terms import ResolveContext
from grid_flex.output import write_results
from grid_flex.results import Results, extract
from grid_flex.schema.rolling import Forecasts, Rolling
from grid_flex.schema.scenario import Scenario, scenario_source
from grid_flex.site import SiteModel, build_model, build_site
from grid_flex.solve import Solution, SolveOptions, WarmStart
from grid_flex.studies import progress
from grid_flex.studies import rolling_state as protocol
from grid_flex.studies.rolling_forecast import (
    Forecast,
    hashprice_forecast,
    price_forecast,
)
from grid_flex.studies.rolling_report import foresight_table, rolling_summary
from grid_flex.studies.rolling_state import RollingRun


@dataclass(frozen=True)
class Window:
    """Positions on the horizon: solve ``[start, stop)``, commit ``[start, commit)``."""

    number: int
    start: int
    commit: int
    stop: int
    #: the window reaches the horizon's end (and commits all of it)
    last: bool = False


def plan_windows(
    n: int, step_h: float, lookahead_h: float, commit_h: float
) -> list[Window]:
    """Windows over ``n`` intervals of ``step_h`` hours."""
    problems = []
    for name, hours in (("lookahead_h", lookahead_h), ("commit_h", commit_h)):
        steps = hours / step_h
        if abs(steps - round(steps)) > 1e-9 or round(steps) < 1:
            problems.append(
                f"rolling.{name}: {hours:g} h is not a whole number of "
                f"{step_h * 60:g}-minute intervals (horizon.timestep_min)"
            )
    if commit_h > lookahead_h:
        problems.append(
            f"rolling.commit_h: {commit_h:g} h is longer than rolling.lookahead_h "
            f"({lookahead_h:g} h); a window cannot commit more than it looks at"
        )
    if problems:
        raise ScenarioError("rolling", problems)
    look, keep = round(lookahead_h / step_h), round(commit_h / step_h)
    out: list[Window] = []
    start = 0
    while start < n:
        stop = min(start + look, n)
        commit = n if stop == n else start + keep
        out.append(Window(len(out), start, commit, stop, last=stop == n))
        start = commit
    return out


# ---- the decision model of one window ----------------------------------------------
def decision_scenario(scenario: Scenario, forecasts: Forecasts) -> Scenario:
    """The scenario the operator decides on: program fields replaced per id."""
    if not forecasts.programs:
        return scenario
    ids = {p.id for p in scenario.programs}
    unknown = sorted(set(forecasts.programs) - ids)
    if unknown:
        raise ScenarioError(
            scenario_source(scenario),
            [
                f"rolling.forecasts.programs.{u}: no program with this id "
                f"(programs: {', '.join(sorted(ids)) or 'none'})"
                for u in unknown
            ],
        )
    data = scenario.model_dump(mode="python", exclude_unset=False)
    data.pop("rolling", None)
    for entry in data["programs"]:
        entry.update(forecasts.programs.get(entry["id"], {}))
    try:
        return scenario_from_dict(data, source=scenario_source(scenario))
    except ScenarioError as exc:
        raise ScenarioError(
            scenario_source(scenario),
            [f"rolling.forecasts.programs: {p}" for p in exc.problems],
        ) from exc


class _WindowInputs:
    """Resolve the decision scenario on each window's own horizon."""

    def __init__(
        self,
        decision: Scenario,
        base_dir: Path,
        catalog: Catalog,
        actual: ModelInputs,
        price: Forecast,
        hashprice: Forecast | None,
    ) -> None:
        self.decision = decision
        self.catalog = catalog
        self.actual = actual
        self.price = price
        self.hashprice = hashprice
        # Whole-horizon parameters (see _resolve) see the forecast when it is
        # a series, and the actual price under persistence.
        whole_price = price.history if price.lag == 0 else actual.price_usd_per_mwh
        self._full = resolve_context(
            decision, catalog, actual.index, base_dir, whole_price
        )
        self._series: dict[tuple[str, int], FloatArray] = {}
        self._whole: dict[str, Any] = {}

    def _load(self, spec: Any, field: str, expect: tuple[str, ...]) -> FloatArray:
        key = (field, id(spec))
        if key not in self._series:
            self._series[key] = self._full.load(spec, field, expect)
        return self._series[key]

    def _resolve(
        self, entry: Any, rctx: ResolveContext, start: int, stop: int, program: bool
    ) -> Any:
        """An entry on the window: re-resolved, or cut by its own ``window_params``.

        A module whose parameters depend on the whole horizon (4CP probabilities are
        normalised over each month; a training job's deadline may lie beyond the
        window) provides ``window_params(params, start, stop, timestep_h)`` and is
        resolved once on the horizon.
        """
        module = protocol.module(entry.type, program=program)
        cut = getattr(module, "window_params", None)
        if cut is None:
            return module.resolve(entry, rctx)
        if entry.id not in self._whole:
            self._whole[entry.id] = module.resolve(entry, self._full)
        return cut(self._whole[entry.id], start, stop, self.actual.timestep_h)

    def inputs(self, w: Window, states: Mapping[str, Any]) -> ModelInputs:
        """The window's inputs, every module resumed from ``states``."""
        a, b = w.start, w.stop
        actual = self.actual
        sc = self.decision
        index = actual.index[a:b]
        price = self.price.window(a, b)

        def load(spec: Any, field: str, expect: tuple[str, ...]) -> FloatArray:
            return self._load(spec, field, expect)[a:b]

        rctx = ResolveContext(
            catalog=self.catalog,
            index=index,
            timestep_h=actual.timestep_h[a:b],
            load=load,
            timezone=sc.horizon.timezone,
            price_usd_per_mwh=price,
            asset_kinds={e.id: e.type for e in sc.assets},
        )
        dt = actual.timestep_h
        window_h, left_h = float(dt[a:b].sum()), float(dt[a:].sum())
        assets = protocol.prepare(
            tuple((e.type, self._resolve(e, rctx, a, b, False)) for e in sc.assets),
            states,
            program=False,
            last=w.last,
            window_h=window_h,
            left_h=left_h,
        )
        programs = protocol.prepare(
            tuple((e.type, self._resolve(e, rctx, a, b, True)) for e in sc.programs),
            states,
            program=True,
            last=w.last,
            window_h=window_h,
            left_h=left_h,
        )
        energy = sc.energy
        return ModelInputs(
            index=index,
            timestep_h=actual.timestep_h[a:b],
            price_usd_per_mwh=price,
            import_price_usd_per_mwh=price
            + (actual.import_price_usd_per_mwh[a:b] - actual.price_usd_per_mwh[a:b]),
            export_price_usd_per_mwh=price * energy.export_price_frac,
            hashprice_usd_per_ths_day=None
            if self.hashprice is None
            else self.hashprice.window(a, b),
            import_limit_mw=actual.import_limit_mw[a:b],
            non_firm_available_frac=None
            if actual.non_firm_available_frac is None
            else actual.non_firm_available_frac[a:b],
            export_limit_mw=actual.export_limit_mw[a:b],
            assets=assets,
            scenario=sc,
            programs=programs,
        )


def _value_stored_energy(site: SiteModel) -> None:
    """Maximise profit plus the value of what assets hold at the window's end."""
    inputs = site.inputs
    terms: list[LinExpr] = []
    for kind, params in inputs.assets:
        value = protocol.hook(kind, "end_value", program=False)
        if value is not None:
            terms.append(
                value(params, site.assets[params.id], inputs.price_usd_per_mwh)
            )
    if not terms:
        return
    block, layer = site.block, site.layer
    objective = getattr(block, "objective", None)
    if objective is not None:  # a Pyomo build (array builds have none)
        objective.deactivate()
    layer.add_total(
        block,
        "window_value_usd",
        LinExpr.stack(site.profit_usd.sum(), *terms),
        doc="window objective: profit + value of what is stored at its end [USD]",
    )
    layer.set_objective(
        block,
        "window_objective",
        "window_value_usd",
        maximize=True,
        doc="maximise profit plus the value of stored energy at the window's end",
    )


def _family_name(component: Any) -> str:
    return str(component.getname(fully_qualified=True))


#: Sets named ``*_T`` hold interval positions (a training job's window).
POSITIONAL_SUFFIX = "_T"


def _positional(index: Any) -> bool:
    """An index set of interval positions other than ``T`` itself."""
    name = str(index.local_name)
    return name.endswith(POSITIONAL_SUFFIX) and name != "T" and index.dimen == 1


def _commit(site: SiteModel, x: FloatArray, w: Window, run: RollingRun) -> None:
    """Record the committed values of every per-interval variable family."""
    n = w.stop - w.start
    c = w.commit - w.start
    T = site.block.T
    for va in site.layer.variables:
        comp = va.component
        if not comp.is_indexed():
            continue
        index = comp.index_set()
        subsets = list(index.subsets())
        if _positional(index):
            keys = [int(k) for k in index]
            vals = x[va.offset : va.offset + va.n]
            keep = [i for i, k in enumerate(keys) if k < c]
            if keep:
                run.positional.setdefault(_family_name(comp), []).append(
                    (w.start, [keys[i] for i in keep], vals[keep].copy())
                )
            continue
        if subsets[-1] is not T or va.n % n:
            continue
        values = x[va.offset : va.offset + va.n].reshape(va.n // n, n)[:, :c]
        run.committed.setdefault(_family_name(comp), []).append(
            (w.start, values.copy())
        )


def _module_values(
    site: SiteModel, x: FloatArray, c: int
) -> dict[str, dict[str, FloatArray]]:
    """Per module id: its reported quantities over the committed intervals."""
    out: dict[str, dict[str, FloatArray]] = {}
    dt = site.inputs.timestep_h[:c]
    site_values = {q.name: q.expr.value(x)[:c] for q in site.site_outputs}
    site_values["timestep_h"] = dt
    for aid, terms in site.assets.items():
        values = {q.name: q.expr.value(x)[:c] for q in terms.outputs}
        values["timestep_h"] = dt
        values.setdefault("net_load_mw", terms.net_load_mw.value(x)[:c])
        out[aid] = values
    for pid, pterms in site.programs.items():
        values = dict(site_values)
        values |= {q.name: q.expr.value(x)[:c] for q in pterms.outputs}
        values["revenue_usd"] = pterms.revenue_usd.value(x)[:c]
        values["cost_usd"] = pterms.cost_usd.value(x)[:c]
        out[pid] = values
    return out


def _final_states(
    inputs: ModelInputs,
    previous: Mapping[str, Any],
    values: Mapping[str, Mapping[str, FloatArray]],
) -> dict[str, Any]:
    states: dict[str, Any] = {}
    for entries, program in ((inputs.assets, False), (inputs.programs, True)):
        for kind, params in entries:
            final = protocol.hook(kind, "final_state", program=program)
            if final is not None:
                state = final(params, previous.get(params.id), values[params.id])
                if state is not None:
                    states[params.id] = state
    return states


def _window_text(w: Window, index: pd.DatetimeIndex, states: Mapping[str, Any]) -> str:
    end = index[w.stop - 1] + (
        index[1] - index[0] if len(index) > 1 else pd.Timedelta(0)
    )
    return (
        f"rolling window {w.number} ({format_stamp(index[w.start])} to "
        f"{format_stamp(end)}), started from state "
        f"{json.dumps(protocol.as_json(states))}"
    )


#: HiGHS models kept by one rolling pass (one per window structure).
MAX_WINDOW_MODELS = 4


class WindowSolver:
    """HiGHS models kept between windows, updated in place and re-solved warm.

    Consecutive windows of the same structure (the same rows and columns: equal
    lengths, the same month boundaries and job windows inside) differ only in
    numbers (prices, start states, budgets). Their LP is handed to the HiGHS model
    kept for that structure (:class:`grid_flex.solve.WarmStart`): only the changed
    costs, bounds, right-hand sides and coefficients are passed, and HiGHS starts
    from the last window's basis. A new structure gets its own model (at most
    :data:`MAX_WINDOW_MODELS`, least recently used dropped). ``modes`` counts the
    solves by kind (``cold``, ``in_place``, ``basis``).
    """

    def __init__(self, options: SolveOptions, *, warm: bool = True) -> None:
        self.options = options
        self.warm = warm
        self._models: OrderedDict[tuple[Any, ...], WarmStart] = OrderedDict()
        self.modes: dict[str, int] = {"cold": 0, "in_place": 0, "basis": 0}
        #: how the last window was solved (one of ``modes``; ``pyomo`` when rebuilt)
        self.last_mode = ""

    def solve(self, site: SiteModel) -> Solution:
        """Solve an array-only window build (raise as :func:`grid_flex.api.solve`)."""
        assert isinstance(site.layer, ArrayLayer)
        lp = compile_arrays(site.layer)
        key = (lp.shape, lp.sense, len(lp.a.data)) if self.warm else ()
        model = self._models.pop(key, None) if self.warm else None
        if model is None:
            model = WarmStart(self.options)
        self._models[key] = model
        while len(self._models) > MAX_WINDOW_MODELS:
            self._models.popitem(last=False)
        before = dict(model.modes)
        solution = model.solve(lp)
        for mode, count in model.modes.items():
            if count != before[mode]:
                self.modes[mode] += count - before[mode]
                self.last_mode = mode
        return solution


def solve_window(
    inputs: ModelInputs,
    last: bool,
    options: SolveOptions,
    *,
    arrays: bool = True,
    solver: WindowSolver | None = None,
) -> tuple[SiteModel, Solution]:
    """Build and solve one window: as arrays (fast), or as a Pyomo model.

    Array builds are solved by ``solver`` (warm, from the previous window's basis;
    a cold one-off solver when None). A window that fails as arrays is built again
    with Pyomo, whose solve explains an infeasible window in the scenario's terms.
    """
    extra = None if last else _value_stored_energy
    if arrays:
        model = pyo.ConcreteModel(name=inputs.scenario.name)
        attach_array_layer(model)
        # With the collector off, build_site leaves the collector's state alone (it
        # neither releases the run's frozen objects nor freezes the window's).
        enabled = gc.isenabled()
        gc.disable()
        try:
            site = build_site(model, inputs)
        finally:
            if enabled:
                gc.enable()
        if extra is not None:
            extra(site)
        try:
            return site, (solver or WindowSolver(options, warm=False)).solve(site)
        except SolveError:
            pass  # explained below
    site = build_model(inputs, extra=extra)
    return site, solve(site, options)


def roll(
    scenario: Scenario,
    base_dir: Path,
    spec: Rolling,
    *,
    catalog: Catalog,
    actual: ModelInputs,
    options: SolveOptions,
    arrays: bool = True,
    warm: bool = True,
    resume: tuple[int, Mapping[str, Any]] | None = None,
) -> RollingRun:
    """One rolling pass: solve every window, carry the state, keep the commitments.

    ``arrays=False`` builds every window as a Pyomo model (slower; the same optimum);
    ``warm=False`` solves each array-built window from scratch (the same optimum).
    ``resume=(k, states)`` starts at window ``k`` from ``states`` (the ``state_in``
    of window ``k`` in ``rolling_states.jsonl``, see :func:`read_states`); the
    windows before it are not solved, so only windows ``k`` and later are committed.
    """
    decision = decision_scenario(scenario, spec.forecasts)
    price = price_forecast(scenario, base_dir, actual, spec.forecasts.price)
    hashprice = hashprice_forecast(spec.forecasts.hashprice, actual)
    windows = _WindowInputs(decision, base_dir, catalog, actual, price, hashprice)
    step_h = float(actual.timestep_h[0])
    plan = plan_windows(len(actual.index), step_h, spec.lookahead_h, spec.commit_h)
    progress.expect(len(plan))
    run = RollingRun(
        forecast_methods={
            "price": price.method,
            "price_warm_up": price.warm_up,
            "hashprice": None if hashprice is None else hashprice.method,
            "programs": sorted(spec.forecasts.programs),
        }
    )
    states: dict[str, Any] = {}
    if resume is not None:
        first, given = resume
        if not 0 <= first < len(plan):
            raise ScenarioError(
                "rolling",
                [f"resume: window {first} does not exist (0 to {len(plan) - 1})"],
            )
        plan, states = plan[first:], dict(given)
    index = actual.index
    # Memory stays flat: what exists now (data, the libraries) is frozen out of the
    # collector, so collecting each few windows' garbage (cyclic Pyomo blocks) only
    # scans what the windows made.
    gc.collect()
    gc.freeze()
    try:
        solver = WindowSolver(options, warm=warm) if arrays else None
        _roll_windows(plan, windows, states, run, index, options, solver)
    finally:
        gc.unfreeze()
    return run


#: Windows between two collections of the windows' garbage.
COLLECT_EVERY = 8


def _roll_windows(
    plan: list[Window],
    windows: _WindowInputs,
    states: dict[str, Any],
    run: RollingRun,
    index: pd.DatetimeIndex,
    options: SolveOptions,
    solver: WindowSolver | None,
) -> None:
    for w in plan:
        if w.number % COLLECT_EVERY == COLLECT_EVERY - 1:
            gc.collect()
        t0 = time.perf_counter()
        try:
            inputs = windows.inputs(w, states)
            site, solution = solve_window(
                inputs, w.last, options, arrays=solver is not None, solver=solver
            )
        except ScenarioError as exc:
            raise ScenarioError(
                exc.source,
                [f"{_window_text(w, index, states)}: {p}" for p in exc.problems],
            ) from exc
        except (InputError, SolveError) as exc:
            raise type(exc)(f"{_window_text(w, index, states)}: {exc}") from exc
        x = solution.layer_x(site.layer)
        _commit(site, x, w, run)
        values = _module_values(site, x, w.commit - w.start)
        new = _final_states(inputs, states, values)
        run.log.append(
            {
                "window": w.number,
                "start_utc": index[w.start],
                "commit_end_utc": index[w.commit - 1] + (index[1] - index[0]),
                "end_utc": index[w.stop - 1] + (index[1] - index[0]),
                "intervals": w.stop - w.start,
                "window_objective_usd": solution.objective,
                "seconds": time.perf_counter() - t0,
                "solve": _solve_kind(solver, site),
                "state_in": json.dumps(protocol.as_json(states)),
                "state_out": json.dumps(protocol.as_json(new)),
            }
        )
        run.states.append(
            {
                "window": w.number,
                "start_utc": utc_text(index[w.start]),
                "commit_end_utc": utc_text(run.log[-1]["commit_end_utc"]),
                "end_utc": utc_text(run.log[-1]["end_utc"]),
                "state_in": protocol.as_json(states),
                "state_out": protocol.as_json(new),
            }
        )
        states = new
        progress.step()


def _solve_kind(solver: WindowSolver | None, site: SiteModel) -> str:
    """How a window was solved: ``in_place``/``basis``/``cold`` (arrays), ``pyomo``."""
    if solver is None or not isinstance(site.layer, ArrayLayer):
        return "pyomo"
    return solver.last_mode


def _settled_families(inputs: ModelInputs) -> set[str]:
    """Variable families settled at actual values, not fixed at the windows' values.

    A module lists them in ``SETTLED_VARIABLES`` (accounts that follow from the
    decisions, such as a demand-response shortfall against a baseline the windows
    could only forecast).
    """
    out: set[str] = set()
    for entries, program, block in (
        (inputs.assets, False, "asset"),
        (inputs.programs, True, "program"),
    ):
        for kind, params in entries:
            module = protocol.module(kind, program=program)
            for name in getattr(module, "SETTLED_VARIABLES", ()):
                out.add(f"{block}[{params.id}].{name}")
    return out


def read_states(path: str | Path) -> list[dict[str, Any]]:
    """The windows of a ``rolling_states.jsonl``, states as the modules' objects.

    Each record has ``window``, ``start_utc``, ``commit_end_utc``, ``end_utc`` and
    ``state_in`` / ``state_out`` (module id → state); pass a window's ``state_in`` to
    :func:`roll` (``resume=(window, state_in)``) to start again from it.

    Raises
    ------
    DataError
        Naming the file and line of a record that is not valid JSON or whose state
        no module knows.
    """
    out = []
    text = Path(path).read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            record["state_in"] = protocol.from_json(record["state_in"])
            record["state_out"] = protocol.from_json(record["state_out"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{Path(path).name}: line {number}: {exc}") from exc
        out.append(record)
    return out


# ---- settlement ---------------------------------------------------------------------
def settle(
    actual: ModelInputs, run: RollingRun, options: SolveOptions
) -> tuple[Results, list[str]]:
    """The committed schedule on the whole horizon at actual prices.

    Returns the results and the per-interval variable families the windows did not
    decide (left to the settlement solve; empty for the bundled kinds).
    """
    site = build_model(actual)
    n = len(actual.index)
    settled = _settled_families(actual)
    families = {_family_name(va.component): va for va in site.layer.variables}
    columns = site.layer.columns
    T = site.block.T
    undecided = []
    for va in site.layer.variables:
        comp = va.component
        if not comp.is_indexed():
            continue
        name = _family_name(comp)
        index = comp.index_set()
        timed = list(index.subsets())[-1] is T or _positional(index)
        decided = name in run.committed or name in run.positional
        if timed and not decided and name not in settled:
            undecided.append(name)
    for name, pieces in run.committed.items():
        family = families.get(name)
        if family is None or name in settled:
            # a variable of the decision model only (e.g. a forecast form), or an
            # account the settlement works out at actual values (a shortfall)
            continue
        for start, values in pieces:
            rows, c = values.shape
            if family.n != rows * n:
                raise SolveError(
                    f"settlement: {name} has {family.n} columns, expected {rows * n}"
                )
            cols = family.offset + (np.arange(rows)[:, None] * n + start + np.arange(c))
            flat = zip(cols.ravel().tolist(), values.ravel().tolist(), strict=True)
            for col, v in flat:
                var = columns[col]
                var.set_value(v, skip_validation=True)  # solver noise past a bound
                var.fix()
    for name, parts in run.positional.items():
        component = site.model.find_component(name)
        if component is None:
            continue
        for start, keys, values in parts:
            for k, v in zip(keys, values.tolist(), strict=True):
                var = component[k + start]
                var.set_value(v, skip_validation=True)
                var.fix()
    try:
        solution = solve(site, options)
    except SolveError as exc:
        raise type(exc)(
            f"settling the committed schedule at actual prices failed: {exc}"
        ) from exc
    return extract(site, solution), undecided


# ---- the study ----------------------------------------------------------------------
def rolling_spec(
    scenario: Scenario,
    *,
    lookahead_h: float | None = None,
    commit_h: float | None = None,
    forecasts: Forecasts | Mapping[str, Any] | None = None,
    foresight: bool | None = None,
) -> Rolling:
    """The scenario's ``rolling`` section, each argument given replacing its field."""
    base = scenario.rolling
    data: dict[str, Any] = base.model_dump() if base is not None else {}
    for key, value in (
        ("lookahead_h", lookahead_h),
        ("commit_h", commit_h),
        ("foresight", foresight),
    ):
        if value is not None:
            data[key] = value
    if forecasts is not None:
        data["forecasts"] = (
            forecasts.model_dump() if isinstance(forecasts, Forecasts) else forecasts
        )
    missing = [k for k in ("lookahead_h", "commit_h") if k not in data]
    if missing:
        raise ScenarioError(
            scenario_source(scenario),
            [f"rolling.{k}: required for a rolling run" for k in missing],
        )
    try:
        return Rolling.model_validate(data)
    except ValueError as exc:
        raise ScenarioError(scenario_source(scenario), [f"rolling: {exc}"]) from exc


def _choice_left(block: Any) -> bool:
    """Whether a size block leaves its capacity to choose (no unit with min = max)."""
    data = block.model_dump()
    return not any(
        value is not None and data.get("max_" + key[4:]) == value
        for key, value in data.items()
        if key.startswith("min_")
    )


def sized_fields(scenario: Scenario) -> list[str]:
    """Fields of ``scenario`` whose capacity is chosen (a ``size``/``commitment``).

    A block whose bounds fix the size (``min = max``, e.g. a fixed non-firm offer)
    is operated as built and not listed.
    """
    found: list[str] = []

    def walk(model: Any, path: str) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            here = f"{path}.{name}"
            if name in ("size", "commitment") and value is not None:
                if _choice_left(value):
                    found.append(here)
            elif isinstance(value, BaseModel):
                walk(value, here)
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, BaseModel):
                        walk(item, f"{here}[{i}]")

    walk(scenario.site, "site")
    for i, asset in enumerate(scenario.assets):
        walk(asset, f"assets[{i}]")
    for program in scenario.programs:
        walk(program, f"programs.{program.id}")
    return found


def run_rolling(
    scenario: str | Path | Scenario,
    *,
    base_dir: str | Path | None = None,
    lookahead_h: float | None = None,
    commit_h: float | None = None,
    forecasts: Forecasts | Mapping[str, Any] | None = None,
    foresight: bool | None = None,
    out_dir: str | Path | None = None,
    catalog: Catalog | None = None,
    options: SolveOptions | None = None,
    timeseries_format: str | None = None,
) -> Results:
    """Operate ``scenario`` in rolling windows and settle at actual prices.

    Parameters
    ----------
    scenario : path or Scenario
        A scenario file, bundled name or validated scenario; its ``rolling`` section
        gives the defaults of the arguments below.
    lookahead_h, commit_h : float, optional
        Window length and the part of it kept [h].
    forecasts : Forecasts or mapping, optional
        What the operator decides on (see :class:`grid_flex.schema.rolling.Forecasts`).
    foresight : bool, optional
        Also compute the value of perfect foresight and of a perfect forecast.
    out_dir : path, optional
        Write the results folder (adds ``foresight.csv`` and ``rolling_windows.csv``).

    Returns
    -------
    Results
        The realised schedule settled at actual prices (same table and summary as a
        normal solve) with ``summary["rolling"]`` and the extra tables.
    """
    t0 = time.perf_counter()
    if isinstance(scenario, Scenario):
        sc, base = scenario, Path(base_dir or ".")
    else:
        sc, base = load_scenario(scenario)
    sized = sized_fields(sc)
    if sized:
        raise ScenarioError(
            scenario_source(sc),
            [
                f"{field}: a rolling run operates the site as built and cannot "
                "choose a capacity (each window would choose its own); give the "
                "chosen value (e.g. committed_mw, or a fixed size) or size it "
                "first with grid-flex size"
                for field in sized
            ],
        )
    spec = rolling_spec(
        sc,
        lookahead_h=lookahead_h,
        commit_h=commit_h,
        forecasts=forecasts,
        foresight=foresight,
    )
    cat = catalog if catalog is not None else load_catalog()
    opts = options or solve_options(sc)
    horizon_index(sc.horizon)
    actual = prepare_inputs(sc, base, cat)
    problems = protocol.rolling_problems(actual.assets, program=False)
    problems += protocol.rolling_problems(actual.programs, program=True)
    if problems:
        raise ScenarioError(scenario_source(sc), problems)
    t1 = time.perf_counter()
    run = roll(sc, base, spec, catalog=cat, actual=actual, options=opts)
    t2 = time.perf_counter()
    results, undecided = settle(actual, run, opts)
    t3 = time.perf_counter()
    comparisons: dict[str, Results] = {}
    if spec.foresight:
        from grid_flex.api import run as run_once

        progress.expect(1)
        comparisons["perfect_foresight"] = run_once(
            sc, base_dir=base, catalog=cat, options=opts
        )
        progress.step()
        perfect = Rolling.model_validate(
            {**spec.model_dump(), "forecasts": {}, "foresight": False}
        )
        if perfect.forecasts == spec.forecasts:
            comparisons["rolling_perfect_forecast"] = results
        else:
            prun = roll(sc, base, perfect, catalog=cat, actual=actual, options=opts)
            comparisons["rolling_perfect_forecast"] = settle(actual, prun, opts)[0]
    t4 = time.perf_counter()
    results.summary["rolling"] = rolling_summary(
        spec, run, results, comparisons, undecided
    )
    if comparisons:
        results.tables["foresight.csv"] = foresight_table(results, comparisons)
    results.tables["rolling_windows.csv"] = pd.DataFrame(run.log)
    results.tables["rolling_states.jsonl"] = pd.DataFrame(run.states)
    results.timings_s = {
        "inputs_s": t1 - t0,
        "windows_s": t2 - t1,
        "settle_s": t3 - t2,
        "foresight_s": t4 - t3,
    }
    if out_dir is not None:
        write_results(
            results, sc, out_dir, base_dir=base, timeseries_format=timeseries_format
        )
    return results
