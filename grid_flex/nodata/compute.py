"""A GPU cluster entry's checks on the standard library: its size's price, its jobs.

:func:`grid_flex.assets.compute.resolve` calls these functions (one copy of each
check and message); the data-free check calls :func:`check`. The job windows are
placed on the horizon's regular intervals (``nodata.intervals.Intervals``) and the
work and floors are checked interval by interval, in plain floats.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from grid_flex.errors import ScenarioError
from grid_flex.io.horizon import LocalTimeError, local_to_utc, utc_text
from grid_flex.nodata.intervals import Intervals
from grid_flex.schema.assets import GpuClusterEntry, TrainingJob
from grid_flex.schema.catalog import GpuNodeSpec

#: Relative tolerance of the pre-solve capacity checks [-].
CHECK_RTOL = 1e-9
_US = dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class JobWindow:
    """A training job placed on the horizon.

    ``coverage_frac``: share of each interval from ``window_start`` on that lies
    between release and deadline [-]; ``work_gpu_h`` the work in GPU-hours.
    """

    id: str
    work_gpu_h: float
    min_power_frac: float
    max_power_frac: float
    window_start: int
    coverage_frac: tuple[float, ...]
    release_text: str
    deadline_text: str

    def hours(self, step_h: float) -> float:
        """Hours of the window inside the horizon, intervals of ``step_h`` hours."""
        return sum(self.coverage_frac) * step_h


def stamp_text(t: dt.datetime, timezone: str = "UTC") -> str:
    """A time for messages: UTC, preceded by local time outside UTC."""
    utc = utc_text(t)
    if timezone == "UTC":
        return utc
    local = t.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")
    return f"{local} ({utc})"


def size_costs(entry: GpuClusterEntry, spec: GpuNodeSpec) -> tuple[float, float, float]:
    """Price of a node, life and support cost of a sized cluster, checked.

    Returns
    -------
    tuple
        ``(usd_per_node, life_yr, fixed_om_usd_per_node_yr)``: the size block's,
        else the catalogue's dated price.

    Raises
    ------
    ScenarioError
        No node price, or no life, in either.
    """
    size = entry.size
    assert size is not None
    where = f"assets.{entry.id}.size"
    price = spec.price
    if size.capex_usd_per_node is not None:
        per_node = size.capex_usd_per_node
    elif price is not None:
        per_node = price.usd_per_node
    else:
        raise ScenarioError(
            where,
            [
                f"{where}: catalogue entry {entry.model} has no price; give "
                f"size.capex_usd_per_node and size.life_yr, or add a price to "
                f"models/{entry.model}.yaml"
            ],
        )
    life = size.life_yr if size.life_yr is not None else price and price.life_yr
    if not life:
        raise ScenarioError(
            where, [f"{where}.life_yr: required (catalogue {entry.model} has none)"]
        )
    fom = size.fixed_om_usd_per_node_yr
    if fom is None:
        fom = price.fixed_om_usd_per_node_yr if price is not None else 0.0
    return per_node, float(life), fom


def it_power_bounds_mw(
    entry: GpuClusterEntry, spec: GpuNodeSpec
) -> tuple[float, float]:
    """Least and most nameplate IT power of the cluster [MW] (``inf``: unbounded).

    Raises
    ------
    ScenarioError
        From :func:`size_costs`, and for inference reductions on a sized cluster.
    """
    node_mw = spec.power_max_kw / 1000.0
    if entry.size is not None:
        size_costs(entry, spec)
        if entry.inference is not None and (
            entry.inference.flex_frac > 0 and entry.inference.max_events_per_month > 0
        ):
            where = f"assets.{entry.id}"
            raise ScenarioError(
                f"{where}.inference",
                [
                    f"{where}.inference.flex_frac: inference reductions (events) are "
                    "not offered on a sized cluster; set flex_frac: 0 or give count "
                    "instead of size"
                ],
            )
        s = entry.size
        most = math.inf if s.max_nodes is None else s.max_nodes * node_mw
        return max(s.min_nodes * node_mw, s.existing_nodes * node_mw), most
    if entry.count is not None:
        mw = entry.count * spec.power_max_kw / 1000.0
    else:
        assert entry.it_power_mw is not None
        mw = entry.it_power_mw
    return mw, mw


def job_window(
    job: TrainingJob,
    field: str,
    grid: Intervals,
    gpu_h_per_mwh: float,
    problems: list[str],
) -> JobWindow | None:
    """One job's window on the horizon; appends to ``problems`` on bad input."""
    tz = grid.timezone
    times: dict[str, dt.datetime] = {}
    for name in ("release", "deadline"):
        value = getattr(job, name)
        try:
            times[name] = local_to_utc(value, tz)
        except LocalTimeError:
            problems.append(
                f"{field}.{name}: {value} does not exist or is ambiguous in "
                f"{tz} (daylight-saving change); give it with its UTC offset"
            )
    if len(times) < 2:
        return None
    release, deadline = times["release"], times["deadline"]
    step_us = grid.step // _US
    coverage = []
    first = max(0, (release - grid.start) // grid.step)
    for k in range(first, grid.n):
        start = grid.at(k)
        if start >= deadline:
            break
        overlap_us = (min(start + grid.step, deadline) - max(start, release)) // _US
        coverage.append(min(1.0, max(0.0, overlap_us / step_us)))
    while coverage and coverage[-1] <= 0:
        coverage.pop()
    while coverage and coverage[0] <= 0:
        coverage.pop(0)
        first += 1
    if not coverage:
        if deadline <= grid.start:
            problems.append(
                f"{field}.deadline: {stamp_text(deadline, tz)} is at or before the "
                f"horizon start {stamp_text(grid.start, tz)}; the job's window lies "
                "outside the horizon"
            )
        else:
            problems.append(
                f"{field}.release: {stamp_text(release, tz)} is at or after the "
                f"horizon end {stamp_text(grid.end, tz)}; the job's window lies "
                "outside the horizon"
            )
        return None
    if job.work_gpu_h is not None:
        work = job.work_gpu_h
    else:
        assert job.work_mwh is not None
        work = job.work_mwh * gpu_h_per_mwh
    return JobWindow(
        id=job.id,
        work_gpu_h=work,
        min_power_frac=job.min_power_frac,
        max_power_frac=job.max_power_frac,
        window_start=first,
        coverage_frac=tuple(coverage),
        release_text=stamp_text(release, tz),
        deadline_text=stamp_text(deadline, tz),
    )


def capacity_problems(
    where: str,
    jobs: list[tuple[str, TrainingJob, JobWindow]],
    p_check: float | None,
    p_floor: float,
    gpu_h_per_mwh: float,
    inference_mw: tuple[float, float],
    grid: Intervals,
) -> list[str]:
    """Floors that cannot be met and work the cluster could never deliver.

    ``jobs``: (field, entry, window) of each job; ``p_check`` the largest available
    IT power (``None``: unbounded, any work fits), ``p_floor`` the smallest, at which
    floors must not exceed the work [MW]; ``inference_mw`` the inference load and
    its deepest reduction [MW].
    """
    step_h = grid.step_h
    if p_check is None:
        return [
            problem
            for field, _, job in jobs
            if (problem := floor_problem(job, field, p_floor, gpu_h_per_mwh, step_h))
        ]
    p_it = p_check
    problems: list[str] = []
    load, reduction = inference_mw
    load_min = load - reduction
    floor_total = [0.0] * grid.n
    for _, _, job in jobs:
        rate = job.min_power_frac * p_it
        for k, c in enumerate(job.coverage_frac, start=job.window_start):
            floor_total[k] += rate * c

    # Floors plus the full inference load must fit (so the LP is always feasible).
    limit = p_it * (1 + CHECK_RTOL) + 1e-12
    over = [k for k, f in enumerate(floor_total) if f + load > limit]
    if over:
        t = over[0]
        names = ", ".join(
            job.id for _, _, job in jobs if job.min_power_frac * p_it * _cover(job, t)
        )
        when = stamp_text(grid.at(t), grid.timezone)
        problems.append(
            f"{where}.training_jobs: at {when} the floors (min_power_frac × "
            f"{p_it:g} MW available IT power) of job(s) {names} need "
            f"{floor_total[t]:g} MW which, with the inference load of "
            f"{load:g} MW, exceeds the {p_it:g} MW of available IT power "
            f"({len(over)} interval(s)); lower min_power_frac or move the windows"
        )

    for field, entry, job in jobs:
        hours = job.hours(step_h)
        window = f"between release {job.release_text} and deadline {job.deadline_text}"
        if problem := floor_problem(job, field, p_floor, gpu_h_per_mwh, step_h):
            problems.append(problem)
        rate = job.min_power_frac * p_it
        room_mwh = 0.0
        for k, c in enumerate(job.coverage_frac, start=job.window_start):
            others = floor_total[k] - rate * c
            room_mwh += min(
                job.max_power_frac * p_it * c, max(0.0, p_it - load_min - others)
            )
        most_gpu_h = room_mwh * step_h * gpu_h_per_mwh
        if job.work_gpu_h > most_gpu_h * (1 + CHECK_RTOL) + 1e-9:
            less = []
            if load > 0:
                less.append(f"the inference load at its deepest ({load_min:g} MW)")
            if len(jobs) > 1:
                less.append("the other jobs' floors")
            beside = f", less {' and '.join(less)}" if less else ""
            if entry.work_gpu_h is not None:
                name = "work_gpu_h"
                asked = f"{job.work_gpu_h:.6g} GPU-h"
                could = f"{most_gpu_h:.6g} GPU-h"
            else:
                name = "work_mwh"
                asked = f"{entry.work_mwh:.6g} MWh"
                could = f"{most_gpu_h / gpu_h_per_mwh:.6g} MWh"
            problems.append(
                f"{field}.{name}: {asked} is more than the "
                f"{could} the cluster could ever deliver {window} ({hours:g} h "
                f"inside the horizon at max_power_frac {job.max_power_frac:g} × "
                f"{p_it:g} MW available IT power{beside})"
            )
    return problems


def _cover(job: JobWindow, k: int) -> float:
    """Coverage of interval ``k`` by the job's window [-]."""
    i = k - job.window_start
    return job.coverage_frac[i] if 0 <= i < len(job.coverage_frac) else 0.0


def floor_problem(
    job: JobWindow, field: str, p_it: float, gpu_h_per_mwh: float, step_h: float
) -> str | None:
    """A floor that delivers more than the job's work at ``p_it`` MW available."""
    hours = job.hours(step_h)
    floor_gpu_h = job.min_power_frac * p_it * hours * gpu_h_per_mwh
    if floor_gpu_h <= job.work_gpu_h * (1 + CHECK_RTOL):
        return None
    return (
        f"{field}.min_power_frac: running at its floor "
        f"({job.min_power_frac:g} × {p_it:g} MW) for the {hours:g} h of its "
        f"window in the horizon delivers {floor_gpu_h:.6g} GPU-h, more than "
        f"its work of {job.work_gpu_h:.6g} GPU-h"
    )


def check(
    entry: GpuClusterEntry, spec: GpuNodeSpec, grid: Intervals
) -> list[JobWindow]:
    """Every check of a GPU cluster before the solve; its jobs' windows.

    Raises
    ------
    ScenarioError
        A sized cluster without a price or life, or offering inference reductions;
        a job window outside the horizon, a job time that does not exist (or is
        ambiguous) in the horizon's zone, work the cluster could never deliver in
        its window, floors (``min_power_frac``) that deliver more than the work or
        that do not fit in the cluster beside the inference load.
    """
    lower_mw, upper_mw = it_power_bounds_mw(entry, spec)
    avail = entry.availability_frac
    gpu_h_per_mwh = 1000.0 / (spec.power_max_kw / spec.gpu_count)
    p_it = upper_mw * avail
    # At the largest size (work it could deliver) and the smallest (floors above the
    # work); an unbounded cluster can deliver any work.
    p_check = p_it if math.isfinite(p_it) else None
    inf = entry.inference
    load_mw = inf.load_frac * (p_it if p_check is not None else 0.0) if inf else 0.0
    reduction_mw = inf.flex_frac * load_mw if inf else 0.0
    where = f"assets.{entry.id}"
    problems: list[str] = []
    jobs = []
    for i, job in enumerate(entry.training_jobs):
        field = f"{where}.training_jobs[{i}]"
        placed = job_window(job, field, grid, gpu_h_per_mwh, problems)
        if placed is not None:
            jobs.append((field, job, placed))
    if not problems:
        problems += capacity_problems(
            where,
            jobs,
            p_check,
            lower_mw * avail,
            gpu_h_per_mwh,
            (load_mw, reduction_mw),
            grid,
        )
    if problems:
        raise ScenarioError(where, problems)
    return [job for _, _, job in jobs]
