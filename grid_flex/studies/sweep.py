"""Run a sweep: many cases of one scenario, on local processes or a Dask cluster.

Work units are small JSON-able dicts (the resolved scenario, its folder and key); a
worker process keeps a :class:`~grid_flex.studies.resolve.Resolver`, so cases that
differ only in numbers are re-solved in place from the last HiGHS basis, with one
HiGHS thread and a garbage collection per case (flat memory). Results come back to
this process, which writes each case's row atomically (``sweep_store``) as it
arrives: a sweep killed at any moment and started again skips every finished case.

Engines: ``workers=1`` runs in this process; ``workers=N`` uses a
:class:`concurrent.futures.ProcessPoolExecutor` (spawned processes, one thread
each); ``dask="local:N"`` a Dask ``LocalCluster`` with N single-threaded worker
processes, ``dask=ADDRESS`` an existing scheduler (``Client.submit`` and
``as_completed``). Either way the cases go out in runs of neighbours in the spec's
order (:func:`runs_of`), so that a worker's warm starts begin near the optimum;
grid-flex schedules nothing itself. Local workers send each row back as soon as
it is solved; on Dask a run's rows come back together (runs of at most
:data:`MAX_DASK_RUN` cases).
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any

import pandas as pd

from grid_flex.columns import COLUMNS_FILE, column_dictionary, table_columns
from grid_flex.errors import (
    GridFlexError,
    InfeasibleError,
    InputError,
    InputWarning,
    UnboundedError,
)
from grid_flex.schema.scenario import Scenario
from grid_flex.studies import sweep_store as store
from grid_flex.studies.progress import progress_bar
from grid_flex.studies.sweep_analyses import write_analyses
from grid_flex.studies.sweep_spec import (
    Case,
    SweepSpec,
    axis_paths,
    case_key,
    expand,
    read_spec,
)
from grid_flex.version import __version__

if TYPE_CHECKING:
    from grid_flex.studies.feasibility import FeasibilityResult

Task = dict[str, Any]
Row = dict[str, Any]

#: Dask scheduler connection timeout.
DASK_TIMEOUT_S = 10


class DaskConnectionError(InputError):
    """The Dask scheduler could not be reached (nothing was solved)."""


@dataclass
class SweepOutcome:
    """What a sweep run did."""

    root: Path
    cases: int
    unique: int
    skipped: int
    solved: int
    failed: int
    seconds: float
    summary: pd.DataFrame = field(repr=False)
    lost: int = 0


# ---- the worker side ----------------------------------------------------------------
_RESOLVER: Any = None


def _resolver() -> Any:
    global _RESOLVER
    if _RESOLVER is None:
        from grid_flex.studies.resolve import Resolver

        _RESOLVER = Resolver(freeze=True)
    return _RESOLVER


def _status(exc: BaseException) -> str:
    if isinstance(exc, InfeasibleError):
        return "infeasible"
    if isinstance(exc, UnboundedError):
        return "unbounded"
    if isinstance(exc, InputError):
        return "bad_input"
    return "failed"


def _kpis(summary: Mapping[str, Any]) -> Row:
    """Scalar KPIs, flattened as ``assets.<id>.<kpi>`` / ``programs.<id>.<kpi>``."""
    out: Row = {}
    for key, value in summary.items():
        if key in ("assets", "programs"):
            for oid, kpis in value.items():
                for k, v in kpis.items():
                    if isinstance(v, int | float | str | bool) or v is None:
                        out[f"{key}.{oid}.{k}"] = v
        elif isinstance(value, int | float | str | bool) or value is None:
            out[key] = value
    return out


def study_kpis(result: FeasibilityResult) -> Row:
    """A feasibility study's row: finance, sizes and the rounded design's KPIs.

    The operating KPIs are those of the rounded design's first block (as in its
    ``summary.json``); then every scalar of the ``finance`` section (``npv_usd``,
    ``irr_frac``, ``mirr_frac``, paybacks, cost per BTC, ``npv_vs_bau_usd``, with
    the reasons a figure is missing); then ``size.<key>`` (the rounded size, the
    one bought) and ``size_optimal.<key>`` per sized capacity, the unit in the key.
    """
    from grid_flex.studies.feasibility import study_results

    row = _kpis(study_results(result).summary)
    row |= {
        k: v
        for k, v in result.finance.items()
        if isinstance(v, int | float | str | bool) or v is None
    }
    for rec in result.sizes.to_dict(orient="records"):
        row[f"size.{rec['key']}"] = rec["rounded"]
        row[f"size_optimal.{rec['key']}"] = rec["optimal"]
    return row


def _solve_case(sc: Scenario, task: Task, row: Row) -> None:
    resolver = _resolver()
    before = dict(resolver.modes)
    try:
        results = resolver.run(
            sc, task["base_dir"], timeseries=bool(task.get("timeseries"))
        )
        row |= {"status": "ok", "error": None}
        row |= _kpis(results.summary)
        row["highs_s"] = results.timings_s.get("highs_s")
        row["highs_cpu_s"] = resolver.last_highs_cpu_s
        if task.get("timeseries"):
            store.write_timeseries(Path(task["out"]), task["key"], results.timeseries)
        del results
    finally:
        modes = [m for m, n in resolver.modes.items() if n > before.get(m, 0)]
        row["resolve_mode"] = ",".join(modes)


def _size_case(sc: Scenario, task: Task, row: Row) -> None:
    from grid_flex.studies.feasibility import run_feasibility, study_results
    from grid_flex.studies.resolve import one_thread_options

    row["resolve_mode"] = "study"
    try:
        result = run_feasibility(sc, task["base_dir"], options=one_thread_options(sc))
        row |= {"status": "ok", "error": None}
        row |= study_kpis(result)
        if task.get("timeseries"):
            series = study_results(result).timeseries
            store.write_timeseries(Path(task["out"]), task["key"], series)
        del result
    finally:
        gc.collect()  # a study is a full Pyomo build: free it before the next case


def run_case(task: Task) -> Row:
    """Solve one case in this worker; return its row (never raises for a bad case).

    ``task["run"]`` is ``"solve"`` (re-solved by the worker's Resolver) or
    ``"size"`` (:func:`grid_flex.studies.feasibility.run_feasibility`).
    """
    from grid_flex.io.scenario import scenario_from_dict

    t0 = time.perf_counter()
    row: Row = {"key": task["key"], "worker_pid": os.getpid()}
    try:
        sc = scenario_from_dict(task["scenario"], source=f"sweep case {task['key']}")
        if task.get("run", "solve") == "size":
            _size_case(sc, task, row)
        else:
            _solve_case(sc, task, row)
    except (GridFlexError, ValueError, ArithmeticError) as exc:
        row |= {"status": _status(exc), "error": f"{type(exc).__name__}: {exc}"}
    row["solve_s"] = time.perf_counter() - t0
    return row


# ---- engines ------------------------------------------------------------------------
#: Most cases in one run handed to a worker (a run is solved in order, warm).
MAX_RUN = 64
#: The same on Dask, where a run's rows come back when the whole run is done.
MAX_DASK_RUN = 8
#: Runs per worker at the start; later runs shrink so that workers finish together.
RUNS_PER_WORKER = 4
#: Thread counts of numerical libraries in worker processes (one core each).
ONE_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def runs_of(
    tasks: list[Task], workers: int, *, max_run: int = MAX_RUN
) -> list[list[Task]]:
    """Split ``tasks`` into runs of neighbouring cases, largest first.

    A worker solves a run in order, so each case starts from its neighbour's
    basis (cases handed out one at a time each lie ``workers`` steps from the
    worker's last one, and HiGHS iterates more). A run holds a
    ``1 / (RUNS_PER_WORKER · workers)`` share of the cases still left (at most
    ``max_run``, at least 1): the last runs are short, so no worker is left
    with a long run while the others idle.
    """
    out: list[list[Task]] = []
    i = 0
    while i < len(tasks):
        left = len(tasks) - i
        size = max(1, min(max_run, -(-left // (RUNS_PER_WORKER * max(1, workers)))))
        out.append(tasks[i : i + size])
        i += size
    return out


_ROWS: Any = None  # a local worker's queue to the parent (set by _init_worker)
#: Set on a row its worker has written to the store already.
STORED = "_stored"


_PARENT: int | None = None  # the sweep process that started this worker


def _init_worker(rows: Any) -> None:
    global _ROWS, _PARENT
    _ROWS = rows
    _PARENT = os.getppid()


def run_chunk(tasks: list[Task]) -> list[Row]:
    """Solve a run of cases in order; each row also goes to the parent's queue.

    A task with ``store`` set is written to the sweep folder here, as soon as it
    is solved (local workers share the parent's file system): a killed sweep loses
    only the cases in flight, and the parent writes nothing. The queue (local
    worker processes) brings each row to the parent for the progress bar.
    """
    rows = []
    for task in tasks:
        if _PARENT is not None and os.getppid() != _PARENT:
            break  # the sweep was killed: solve nothing more
        row = run_case(task)
        if task.get("store"):
            row["run_id"] = task["run_id"]
            store.write_case(Path(task["out"]), row)
            row[STORED] = True
        if _ROWS is not None:
            _ROWS.put(row)
        rows.append(row)
    return rows


@contextmanager
def _one_thread_env() -> Iterator[None]:
    """One thread per numerical library in the worker processes started inside."""
    saved = {k: os.environ.get(k) for k in ONE_THREAD_ENV}
    for k in ONE_THREAD_ENV:
        os.environ.setdefault(k, "1")
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _local(tasks: list[Task], workers: int) -> Iterator[Row]:
    if workers <= 1:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        # numpy's BLAS threads spin beside HiGHS: a dot product of a year's LP
        # columns cost ~8 ms of CPU on a busy machine instead of 0.01 ms.
        with threadpool_limits(limits=1):
            for t in tasks:
                yield run_case(t)
        return
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    seen: set[str] = set()
    with (
        _one_thread_env(),
        ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(queue,),
        ) as pool,
    ):
        futures = {pool.submit(run_chunk, run): run for run in runs_of(tasks, workers)}
        pending = set(futures)
        while pending:
            try:
                row = queue.get(timeout=QUEUE_POLL_S)
            except Empty:
                row = None
            if row is not None:
                if row["key"] not in seen:
                    seen.add(row["key"])
                    yield row
                continue
            for fut in [f for f in pending if f.done()]:
                pending.discard(fut)
                try:
                    rows = fut.result()
                except BrokenProcessPool:
                    return  # a worker died: the rest are left for a rerun
                except Exception as exc:  # raised outside run_case's own handling
                    rows = [_failed(t, exc) for t in futures[fut]]
                for r in rows:  # those the queue has not delivered yet
                    if r["key"] not in seen:
                        seen.add(r["key"])
                        yield r


#: How often the parent looks for finished runs while no row arrives [s].
QUEUE_POLL_S = 0.2


def _failed(task: Task, exc: BaseException) -> Row:
    return {
        "key": task["key"],
        "status": "failed",
        "error": f"{type(exc).__name__}: {exc}",
    }


def _client(address: str) -> Any:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DaskConnectionError(
            "--dask needs dask.distributed: pip install 'grid-flex[dask]'"
        ) from exc
    if address.startswith("local:"):
        try:
            n = int(address.removeprefix("local:"))
        except ValueError:
            n = 0
        if n < 1:
            raise DaskConnectionError(f"--dask {address}: expected local:N with N ≥ 1")
        # ":0": the scheduler's HTTP server on a free port; without it the server
        # takes 8787, and another Dask on the machine there makes it fall over.
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
        return Client(cluster)  # type: ignore[no-untyped-call]
    try:
        return Client(address, timeout=DASK_TIMEOUT_S)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        raise DaskConnectionError(
            f"--dask {address}: cannot reach the Dask scheduler ({exc}); "
            "nothing was solved"
        ) from exc


def _dask(tasks: list[Task], client: Any) -> Iterator[Row]:
    from dask.distributed import as_completed as dask_completed

    workers = sum(client.nthreads().values())
    futures = {
        client.submit(
            run_chunk, run, key=f"grid-flex-cases-{run[0]['key']}", pure=False
        ): run
        for run in runs_of(tasks, workers, max_run=MAX_DASK_RUN)
    }
    done = dask_completed(  # type: ignore[no-untyped-call]
        futures, with_results=True, raise_errors=False
    )
    for fut, result in done:
        if fut.status == "error":
            yield from (_failed(t, fut.exception()) for t in futures[fut])
        else:
            yield from result
        fut.release()


def _close(client: Any) -> None:
    if client is not None:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()


_ERRORS: dict[str, type[GridFlexError]] = {
    "infeasible": InfeasibleError,
    "unbounded": UnboundedError,
    "bad_input": InputError,
}


def solve_many(
    scenarios: list[Scenario],
    base_dir: str | Path,
    *,
    workers: int = 1,
    dask: str | None = None,
) -> list[Row]:
    """Solve scenarios on the sweep's engines; their rows, in the given order.

    The rows are :func:`run_case`'s (status, error, every scalar KPI). Nothing is
    stored: for callers that solve a handful of related cases (the trade-off
    curve) on local worker processes or Dask; a lost case comes back as
    ``failed``. ``workers=1`` without ``dask`` solves in this process.
    """
    base = Path(base_dir).resolve()
    tasks = [
        {  # keys only match rows to scenarios here (nothing is stored): no data hash
            "key": f"{i}-{case_key(sc, base, digests={})}",
            "scenario": sc.model_dump(mode="json"),
            "base_dir": str(base),
            "out": "",
            "timeseries": False,
            "run": "solve",
        }
        for i, sc in enumerate(scenarios)
    ]
    client = _client(dask) if dask is not None else None
    try:
        rows = list(
            _dask(tasks, client) if client is not None else _local(tasks, workers)
        )
    finally:
        _close(client)
    by_key = {r["key"]: r for r in rows}
    lost = {"status": "failed", "error": "the worker solving it was lost"}
    return [by_key.get(t["key"], {"key": t["key"], **lost}) for t in tasks]


def raise_for_row(row: Row) -> None:
    """Raise the error a failed row of :func:`solve_many` records (as its class)."""
    status = row.get("status")
    if status != "ok":
        raise _ERRORS.get(str(status), GridFlexError)(str(row.get("error")))


# ---- the sweep ----------------------------------------------------------------------
def _require(*modules: str) -> None:
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise InputError(
            f"grid-flex sweep needs {', '.join(missing)}: "
            "pip install grid-flex again (they are among its dependencies)"
        )


def _task(case: Case, root: Path, timeseries: bool) -> Task:
    return {
        "key": case.key,
        "scenario": case.scenario.model_dump(mode="json"),
        "base_dir": str(case.base_dir),
        "out": str(root),
        "timeseries": timeseries,
        "run": case.run,
    }


def _manifest(spec: SweepSpec, cases: list[Case]) -> dict[str, Any]:
    inputs: dict[str, str] = {}
    for c in cases:
        inputs |= c.inputs
    return {
        "grid_flex_version": __version__,
        "spec": spec.model_dump(mode="json"),
        "inputs": dict(sorted(inputs.items())),
        "cases": [
            {
                "case": c.index,
                "key": c.key,
                "group": c.group,
                "param": c.param,
                "run": c.run,
                "set": c.axes,
            }
            for c in cases
        ],
    }


def remade_cases(
    previous: Mapping[str, Any] | None, cases: list[Case], done: set[str]
) -> list[Case]:
    """Cases an earlier run in the folder solved whose key has changed since.

    A case is the same when its position, group, parameter and values are; its key
    changes when anything it is made from does (a data file's content, the base
    scenario, the spec's ``set``, the grid-flex version): its old row is not used.
    """
    if not previous:
        return []

    def text(value: Any) -> str:
        return json.dumps(value, sort_keys=True, default=str)

    old = {e.get("case"): e for e in previous.get("cases", []) if isinstance(e, dict)}
    out = []
    for c in cases:
        e = old.get(c.index)
        if (
            e is not None
            and e.get("key") != c.key
            and e.get("key") in done
            and (e.get("group"), e.get("param")) == (c.group, c.param)
            and text(e.get("set")) == text(c.axes)
        ):
            out.append(c)
    return out


def _warn_remade(
    root: Path, previous: Mapping[str, Any] | None, cases: list[Case], done: set[str]
) -> None:
    """Warn that cases an earlier run solved are solved again, and why."""
    remade = remade_cases(previous, cases, done)
    if not remade or previous is None:
        return
    before = previous.get("inputs") or {}
    now: dict[str, str] = {}
    for c in cases:
        now |= c.inputs
    why = [
        f"{path} has other content"
        for path in sorted(now)
        if path in before and before[path] != now[path]
    ]
    version = previous.get("grid_flex_version")
    if version != __version__:
        why.append(f"grid-flex is {__version__}, was {version}")
    if not why:
        why.append("the base scenario, the spec's set or a data file it reads changed")
    warnings.warn(
        f"{root}: {len(remade)} of the {len(cases)} cases an earlier run solved "
        f"here were made from other input ({'; '.join(why)}): they are solved "
        "again and the tables show the new results (the old rows stay in "
        f"{store.CASES_DIR}/, unused; sweep into a new folder to start clean)",
        InputWarning,
        stacklevel=3,
    )


def run_sweep(
    spec_path: str | Path,
    out_dir: str | Path,
    *,
    workers: int = 1,
    dask: str | None = None,
    quiet: bool = False,
    on_row: Callable[[Row], None] | None = None,
) -> SweepOutcome:
    """Expand, validate and run a sweep file; write the store, summary and analyses.

    Parameters
    ----------
    spec_path : path
        The sweep YAML (see :mod:`grid_flex.studies.sweep_spec`).
    out_dir : path
        Sweep folder; an existing one is resumed (finished cases are skipped).
    workers : int
        Local worker processes (1: this process).
    dask : str, optional
        ``local:N`` for a Dask ``LocalCluster``, else a scheduler address.
    quiet : bool
        No progress bar.
    on_row : callable, optional
        Called with each finished row (tests, logging).
    """
    t0 = time.perf_counter()
    _require("pyarrow", "rich")
    spec, spec_dir = read_spec(spec_path)
    cases = expand(spec, spec_dir, source=str(spec_path))
    store.check_folder(out_dir)  # a bad folder or --dask: refused, nothing created
    client = _client(dask) if dask is not None else None  # fail before any solve
    try:
        root = store.prepare_folder(out_dir)
        previous = store.read_manifest(root)
        store.write_manifest(root, _manifest(spec, cases))
        unique = {c.key: c for c in cases}
        done = store.done_keys(root)
        _warn_remade(root, previous, cases, done)
        run_id = uuid.uuid4().hex[:12]
        stored: dict[str, Row] = {}  # this run's rows, for the summary
        in_workers = client is None and workers > 1  # they store their own rows
        todo = [
            _task(c, root, spec.timeseries) | {"store": in_workers, "run_id": run_id}
            for k, c in unique.items()
            if k not in done
        ]
        rows = _dask(todo, client) if client is not None else _local(todo, workers)
        solved = failed = 0
        with progress_bar(len(todo), "sweep", quiet=quiet) as advance:
            for row in rows:
                if not row.pop(STORED, False):
                    row["run_id"] = run_id
                    store.write_case(root, row)
                stored[row["key"]] = row
                solved += 1
                failed += row.get("status") != "ok"
                if on_row is not None:
                    on_row(row)
                advance()
    finally:
        _close(client)
    summary = write_summary(root, spec, cases, stored)
    try:
        write_analyses(root, spec, summary)
        unused_kpi_warning(spec, summary)
    finally:  # the folder's tables are described even when an analysis fails
        store.atomic_write(
            root / COLUMNS_FILE,
            lambda p: column_dictionary(
                table_columns(root), parameters=axis_paths(spec)
            ).to_csv(p, index=False),
        )
    return SweepOutcome(
        root=root,
        cases=len(cases),
        unique=len(unique),
        skipped=len(unique) - len(todo),
        solved=solved,
        failed=failed,
        seconds=time.perf_counter() - t0,
        summary=summary,
        lost=len(todo) - solved,
    )


def unused_kpi_warning(spec: SweepSpec, summary: pd.DataFrame) -> None:
    """Warn when ``kpi`` (used by no analysis) is not a column the cases reported.

    A name no case can report is refused before solving (:func:`expand`); this
    catches a study figure asked of solves (``npv_usd`` without size blocks).
    """
    ok = summary["status"] == "ok"
    if not spec.one_at_a_time and ok.any() and spec.kpi not in summary.columns:
        warnings.warn(
            f"kpi: no case reported {spec.kpi!r} (a feasibility study's figure? "
            "those come from cases with size blocks); no table uses it here",
            InputWarning,
            stacklevel=3,
        )


def write_summary(
    root: Path,
    spec: SweepSpec,
    cases: list[Case],
    stored: Mapping[str, Row] | None = None,
) -> pd.DataFrame:
    """``summary.csv``/``.parquet`` (one row per case) and ``failures.csv``.

    ``stored``: rows this run wrote, by key (not read back from their files).
    """
    from grid_flex.studies.sweep_spec import _get

    paths = axis_paths(spec)
    rows = store.read_cases(root, [c.key for c in cases], stored)
    rows = rows.drop(columns=[c for c in store.RUN_COLUMNS if c in rows.columns])
    head = []
    for c in cases:
        data = c.scenario.model_dump(mode="json")
        entry: Row = {"case": c.index, "key": c.key, "group": c.group, "param": c.param}
        if spec.scenarios is not None:
            entry["file"] = c.axes["file"]
        for p in paths:
            entry[p] = _get(data, p)
        head.append(entry)
    frame = pd.DataFrame(head).merge(rows, on="key", how="left")
    if "status" not in frame.columns:
        frame["status"] = None
    frame["status"] = frame["status"].fillna("not_run")
    front = [*pd.DataFrame(head).columns, "status", "error"]
    frame = frame.reindex(
        columns=[*front, *[c for c in frame.columns if c not in front]]
    )
    frame = frame.sort_values("case", kind="stable").reset_index(drop=True)
    store.atomic_write(root / "summary.csv", lambda p: frame.to_csv(p, index=False))
    store.atomic_write(
        root / "summary.parquet", lambda p: frame.to_parquet(p, index=False)
    )
    failures = frame.loc[frame["status"] != "ok", [*front]]
    store.atomic_write(root / "failures.csv", lambda p: failures.to_csv(p, index=False))
    return frame
