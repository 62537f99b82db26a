"""The sweep specification: a strict YAML schema and its expansion into cases.

A spec names a base scenario (a bundled name or a path relative to the spec file)
and how to vary it, over any ``key.path`` that ``--set`` reaches::

    base: west_texas_2020
    set: {horizon.end: 2020-01-08T00:00:00}      # applied to every case
    grid:                                         # cartesian product of the axes
      - {path: hashprice.derive.btc_price_usd, values: [9000, 11000, 13000]}
      - {path: energy.price_scale_frac, range: {start: 0.8, stop: 1.2, num: 3}}
    one_at_a_time:                                # ± steps around the base (tornado)
      - {path: energy.adders_usd_per_mwh, low: 0, high: 8}
      - {path: assets.battery.count, rel_step_frac: 0.5}
    sample:                                       # seeded random or Latin hypercube
      {method: lhs, n: 20, seed: 7,
       params: [{path: site.import_limit_mw, low: 40, high: 80}]}

or ``scenarios: FOLDER`` (every ``*.yaml`` in it is one case). A base with ``size``
blocks is a feasibility study (``grid-flex size``; bundled studies in
``scenarios/studies/`` by name): each case then sizes the site over its life and
records NPV, IRR/MIRR, paybacks and sizes (``run: auto``; ``run: solve`` or ``run:
size`` choose). Analyses are asked
for with ``two_way`` and ``hosting_capacity``; a tornado is made whenever
``one_at_a_time`` is given.

Every case is resolved and validated before anything is solved; problems are
raised together as one :class:`~grid_flex.errors.ScenarioError` naming the spec
file and field.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from grid_flex.errors import ScenarioError
from grid_flex.io.scenario import (
    apply_overrides,
    resolve_scenario_path,
    scenario_from_dict,
)
from grid_flex.output import _absolute_files
from grid_flex.schema.messages import validation_problems, yaml_message
from grid_flex.schema.scenario import Scenario
from grid_flex.version import __version__

#: Column holding the case's position in the expansion.
CASE_COLUMN = "case"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    """``num`` evenly spaced values from ``start`` to ``stop`` (both included)."""

    start: float
    stop: float
    num: int = Field(ge=1, description="number of values (≥ 1)")


class Axis(_Strict):
    """One grid axis: a ``--set`` path and its values (a list or a range)."""

    path: str = Field(description="key.path as for --set (assets/programs by id)")
    values: list[Any] | None = None
    range: Range | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Axis:
        if (self.values is None) == (self.range is None):
            raise ValueError("give exactly one of values or range")
        if self.values is not None and not self.values:
            raise ValueError("values: the list is empty")
        return self

    def points(self) -> list[Any]:
        """The axis values in order."""
        if self.values is not None:
            return list(self.values)
        assert self.range is not None
        r = self.range
        points: list[Any] = np.linspace(r.start, r.stop, r.num).tolist()
        return points


class Step(_Strict):
    """A one-at-a-time parameter: absolute ``low``/``high`` or a relative step."""

    path: str
    low: float | None = None
    high: float | None = None
    rel_step_frac: float | None = Field(
        None, gt=0, description="low/high = base × (1 ∓ step) (the lower one is low)"
    )

    @model_validator(mode="after")
    def _bounds(self) -> Step:
        absolute = self.low is not None and self.high is not None
        if absolute == (self.rel_step_frac is not None) or (
            (self.low is None) != (self.high is None)
        ):
            raise ValueError("give low and high, or rel_step_frac")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(
                f"low ({self.low:g}) is above high ({self.high:g}): swap them "
                "(low is the tornado's lower value)"
            )
        return self


class Bounds(_Strict):
    """A sampled parameter, uniform on [low, high]."""

    path: str
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        return self


class Sample(_Strict):
    """``n`` seeded samples: independent uniform (``random``) or Latin hypercube."""

    method: Literal["random", "lhs"]
    n: int = Field(ge=1)
    seed: int = Field(description="required: the same seed gives the same cases")
    params: list[Bounds] = Field(min_length=1)


class TwoWay(_Strict):
    """A two-way table of ``kpi`` over two grid axes."""

    x: str
    y: str
    kpi: str = "profit_usd"


class HostingCapacity(_Strict):
    """Largest fleet load whose curtailed share of energy stays within each limit."""

    limits_frac: list[float] = Field(
        default=[0.0025, 0.005, 0.01, 0.02, 0.05], min_length=1
    )
    fleets: list[str] | None = Field(
        None, description="ASIC fleet ids counted (default: every asic_fleet)"
    )


class SweepSpec(_Strict):
    """The whole sweep file (see the module docstring)."""

    base: str | None = None
    scenarios: str | None = Field(None, description="folder of scenario files")
    set: dict[str, Any] = Field(default_factory=dict)
    grid: list[Axis] = Field(default_factory=list)
    one_at_a_time: list[Step] = Field(default_factory=list)
    sample: Sample | None = None
    kpi: str = Field("profit_usd", description="KPI of the tornado")
    two_way: TwoWay | None = None
    hosting_capacity: HostingCapacity | None = None
    timeseries: bool = Field(False, description="also store each case's time series")
    run: Literal["auto", "solve", "size"] = Field(
        "auto",
        description=(
            "what each case runs: 'solve' (operate the site), 'size' (the "
            "feasibility study of grid-flex size) or 'auto' (size when the case "
            "has size blocks)"
        ),
    )

    @model_validator(mode="after")
    def _source(self) -> SweepSpec:
        if (self.base is None) == (self.scenarios is None):
            raise ValueError("give exactly one of base or scenarios")
        if self.scenarios is not None and (
            self.grid or self.one_at_a_time or self.sample or self.set
        ):
            raise ValueError("scenarios: a folder sweep takes no set/grid/steps/sample")
        paths = [a.path for a in self.grid]
        if len(set(paths)) != len(paths):
            raise ValueError("grid: an axis path is repeated")
        if self.two_way is not None:
            for name in (self.two_way.x, self.two_way.y):
                if name not in paths:
                    raise ValueError(f"two_way: {name!r} is not a grid axis")
        return self


@dataclass(frozen=True)
class Case:
    """One case: its axis values, resolved scenario and key."""

    index: int
    axes: dict[str, Any]
    scenario: Scenario
    base_dir: Path
    key: str
    group: str  # "grid", "base", "low", "high", "sample" or "file"
    param: str | None = None  # the one-at-a-time parameter (for low/high)
    run: str = "solve"  # "solve" or "size"
    #: sha256 of each data file the case reads, by path (part of its key)
    inputs: Mapping[str, str] = field(default_factory=dict)


#: Digest recorded for a data file that cannot be read (its case fails, and is
#: solved again once the file is there).
UNREADABLE = "unreadable"


def _files_of(data: Any) -> list[str]:
    """Every ``file:`` value of a dumped scenario, once each."""
    out: list[str] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "file" and isinstance(value, str):
                    out.append(value)
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    return list(dict.fromkeys(out))


#: Digests of data files already hashed in a run: (scenario folder, ``file:`` as
#: written) → (absolute path, sha256).
DigestCache = dict[tuple[str, str], tuple[str, str]]


def input_digests(
    scenario: Scenario,
    base_dir: Path,
    known: DigestCache | None = None,
    *,
    data: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """sha256 of the content of every data file ``scenario`` reads, by absolute path.

    Bundled files (``bundled:<name>``) are hashed too. ``known`` caches the digests
    across the cases of one run, so that each file is read once; ``data`` is the
    scenario's ``model_dump(mode="json")`` when the caller has it. A file that
    cannot be read gets :data:`UNREADABLE`.
    """
    from grid_flex.errors import DataError
    from grid_flex.inputs import resolve_file

    cache: DigestCache = known if known is not None else {}
    dumped = scenario.model_dump(mode="json") if data is None else data
    out: dict[str, str] = {}
    for file in _files_of(dumped):
        hit = cache.get((str(base_dir), file))
        if hit is None:
            try:
                path = resolve_file(file, base_dir).resolve()
            except DataError:  # not there: the case fails and says so
                out[file] = UNREADABLE
                continue
            try:
                with path.open("rb") as f:
                    digest = hashlib.file_digest(f, "sha256").hexdigest()
            except OSError:
                digest = UNREADABLE
            hit = cache[str(base_dir), file] = (str(path), digest)
        out[hit[0]] = hit[1]
    return out


def case_key(
    scenario: Scenario,
    base_dir: Path,
    version: str = __version__,
    run: str = "solve",
    digests: Mapping[str, str] | None = None,
    *,
    data: Mapping[str, Any] | None = None,
) -> str:
    """sha256 of the resolved scenario (absolute file paths), its data, version, run.

    ``digests`` are the content hashes of the data files the scenario reads
    (:func:`input_digests`, computed when not given): a case made from a data
    file that has changed since gets another key, so a resumed sweep solves it
    again. ``run`` enters the hash only for a study (``"size"``), so solve keys
    do not depend on it. ``data``: the scenario's ``model_dump(mode="json")``.
    """
    dumped = scenario.model_dump(mode="json") if data is None else data
    if digests is None:
        digests = input_digests(scenario, base_dir, data=dumped)
    payload: dict[str, Any] = {
        "scenario": _absolute_files(dumped, base_dir),
        "version": version,
    }
    if digests:
        payload["data"] = dict(digests)
    if run != "solve":
        payload["run"] = run
    text = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def has_sizes(scenario: Scenario) -> bool:
    """True when any capacity of the scenario is to be sized (a ``size`` block)."""

    def walk(node: Any) -> bool:
        if isinstance(node, dict):
            return any(
                (k == "size" and isinstance(v, dict)) or walk(v)
                for k, v in node.items()
            )
        if isinstance(node, list):
            return any(walk(v) for v in node)
        return False

    return walk(scenario.model_dump(mode="json", exclude_none=True))


def run_of(spec_run: str, scenario: Scenario) -> str:
    """What a case runs: ``spec_run``, or for ``auto`` size when it has sizes."""
    if spec_run != "auto":
        return spec_run
    return "size" if has_sizes(scenario) else "solve"


def base_path(spec_dir: Path, base: str) -> Path:
    """The base file: relative to the spec, a file, a bundled scenario or study."""
    from grid_flex.io.scenario import is_bundled_name
    from grid_flex.resources import scenarios_dir

    where = spec_dir / base
    if where.is_file():
        return where
    study = scenarios_dir() / "studies" / f"{base}.yaml"
    plain = scenarios_dir() / f"{base}.yaml"
    if is_bundled_name(base) and not plain.is_file() and study.is_file():
        return study
    return resolve_scenario_path(base)


def read_spec(path: str | Path) -> tuple[SweepSpec, Path]:
    """Read and validate a sweep file; return it with its folder."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(str(p), [f"cannot read: {exc.strerror}"]) from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(str(p), [yaml_message(exc)]) from exc
    except ValueError as exc:  # a date YAML reads as one but cannot build
        raise ScenarioError(str(p), [f"not a valid date or time: {exc}"]) from exc
    if not isinstance(data, dict):
        raise ScenarioError(str(p), ["top level must be a mapping of fields"])
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(str(p), validation_problems(SweepSpec, exc)) from exc
    return spec, p.parent.resolve()


def _patch(path: str, value: Any) -> dict[str, Any]:
    """``("a.b", v)`` → ``{"a": {"b": v}}``, the patch ``--set a.b=v`` makes."""
    parts = [p for p in path.split(".") if p]
    if not parts:
        raise ScenarioError("sweep", [f"{path!r}: empty key path"])
    patch: Any = value
    for part in reversed(parts):
        patch = {part: patch}
    return dict(patch)


def _get(data: Mapping[str, Any], path: str) -> Any:
    """Value at ``path`` in a scenario mapping (list entries addressed by id)."""
    node: Any = data
    for part in path.split("."):
        if isinstance(node, list):
            node = next(
                (e for e in node if isinstance(e, dict) and e.get("id") == part), None
            )
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def _has_path(data: Mapping[str, Any], path: str) -> bool:
    node: Any = data
    for part in path.split("."):
        if isinstance(node, list):
            node = next(
                (e for e in node if isinstance(e, dict) and e.get("id") == part), None
            )
            if node is None:
                return False
        elif isinstance(node, dict):
            if part not in node:
                return False
            node = node[part]
        else:
            return False
    return True


def _samples(s: Sample) -> np.ndarray:
    """``n × params`` points in [0, 1): uniform, or Latin hypercube strata."""
    rng = np.random.default_rng(s.seed)
    k = len(s.params)
    if s.method == "random":
        return rng.random((s.n, k))
    strata = np.stack([rng.permutation(s.n) for _ in range(k)], axis=1)
    return (strata + rng.random((s.n, k))) / s.n


Variant = tuple[str, dict[str, Any], str | None]


def _steps(steps: list[Step], base: Mapping[str, Any]) -> list[Variant]:
    """The base case, then a low and a high case per one-at-a-time parameter."""
    out: list[Variant] = [("base", {}, None)]
    for step in steps:
        lo: Any = step.low
        hi: Any = step.high
        if step.rel_step_frac is not None:
            centre = _get(base, step.path)
            if not isinstance(centre, int | float) or isinstance(centre, bool):
                raise ScenarioError(
                    "sweep",
                    [
                        f"one_at_a_time.{step.path}: rel_step_frac needs a number "
                        f"in the base scenario (got {centre!r}); give low and high"
                    ],
                )
            lo = centre * (1 - step.rel_step_frac)
            hi = centre * (1 + step.rel_step_frac)
            if isinstance(centre, int):
                lo, hi = round(lo), round(hi)
            lo, hi = min(lo, hi), max(lo, hi)  # a negative base: low is still lower
        out.append(("low", {step.path: lo}, step.path))
        out.append(("high", {step.path: hi}, step.path))
    return out


def _variants(spec: SweepSpec, base: Mapping[str, Any]) -> list[Variant]:
    """(group, {path: value}, parameter) for every case of a base sweep."""
    out: list[Variant] = []
    paths = [a.path for a in spec.grid]
    for combo in itertools.product(*(a.points() for a in spec.grid)) if paths else ():
        out.append(("grid", dict(zip(paths, combo, strict=True)), None))
    if spec.one_at_a_time:
        out += _steps(spec.one_at_a_time, base)
    if spec.sample is not None:
        params = spec.sample.params
        for row in _samples(spec.sample).tolist():
            values = {
                b.path: b.low + f * (b.high - b.low)
                for b, f in zip(params, row, strict=True)
            }
            out.append(("sample", values, None))
    return out or [("base", {}, None)]


def axis_paths(spec: SweepSpec) -> list[str]:
    """Every path the spec varies, in order (the summary's axis columns)."""
    paths = [a.path for a in spec.grid] + [s.path for s in spec.one_at_a_time]
    if spec.sample is not None:
        paths += [b.path for b in spec.sample.params]
    return list(dict.fromkeys(paths))


def expand(spec: SweepSpec, spec_dir: Path, source: str = "sweep") -> list[Case]:
    """Resolve and validate every case; all problems raised at once."""
    if spec.scenarios is not None:
        files = _folder_cases(spec_dir / spec.scenarios, source, spec.run)
        if wrong := kpi_problems(spec, files):
            raise ScenarioError(source, wrong)
        return files
    assert spec.base is not None
    path = base_path(spec_dir, spec.base)
    base_dir = path.parent.resolve()
    from grid_flex.io.scenario import _read_yaml

    raw = _read_yaml(path)
    fixed = [("sweep set", _patch(k, v)) for k, v in spec.set.items()]
    problems: list[str] = []
    try:
        base = apply_overrides(raw, fixed)
    except ScenarioError as exc:
        raise ScenarioError(source, [f"set: {p}" for p in exc.problems]) from exc
    resolved = _resolved(base)
    for p in axis_paths(spec):
        if not _has_path(base, p) and not _has_path(resolved, p):
            problems.append(f"{p}: no such field in the base scenario {path.name}")
    if problems:
        raise ScenarioError(source, problems)
    cases: list[Case] = []
    known: DigestCache = {}  # each data file hashed once
    for group, values, param in _variants(spec, resolved or base):
        patch = [(f"case {len(cases)}", _patch(k, v)) for k, v in values.items()]
        try:
            sc = scenario_from_dict(
                apply_overrides(base, patch), source=f"{path} (sweep case {len(cases)})"
            )
        except ScenarioError as exc:
            shown = ", ".join(f"{k}={v!r}" for k, v in values.items()) or "base"
            problems += [f"case {len(cases)} ({shown}): {p}" for p in exc.problems]
            cases.append(None)  # type: ignore[arg-type]
            continue
        run = run_of(spec.run, sc)
        dumped = sc.model_dump(mode="json")
        inputs = input_digests(sc, base_dir, known, data=dumped)
        key = case_key(sc, base_dir, run=run, digests=inputs, data=dumped)
        cases.append(
            Case(len(cases), values, sc, base_dir, key, group, param, run, inputs)
        )
    if not problems:
        problems = kpi_problems(spec, cases)
    if problems:
        raise ScenarioError(
            source,
            problems[:20]
            + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else []),
        )
    return cases


def kpi_problems(spec: SweepSpec, cases: list[Case]) -> list[str]:
    """``kpi`` and ``two_way.kpi`` that no case can report (checked before solving).

    A KPI is a name of the column dictionary (a run's summary KPI, a study's
    finance figure, or a study's ``size.<key>``/``size_optimal.<key>``); an
    ``assets.<id>.``/``programs.<id>.`` KPI needs that id in the cases.
    """
    from grid_flex.columns_tables import KPIS, SWEEP_SIZES, describe_kpi

    asked = [("kpi", spec.kpi)]
    if spec.two_way is not None:
        asked.append(("two_way.kpi", spec.two_way.kpi))
    owners: dict[str, set[str]] = {"assets": set(), "programs": set()}
    for c in cases:
        owners["assets"] |= {a.id for a in c.scenario.assets}
        owners["programs"] |= {p.id for p in c.scenario.programs}
    studies = any(c.run == "size" for c in cases)
    problems = []
    for where, name in asked:
        if any(pattern.fullmatch(name) for pattern, _ in SWEEP_SIZES):
            if not studies:
                problems.append(
                    f"{where}: {name!r} is a size of a feasibility study, and no "
                    "case of this sweep is one (a base with size blocks, run: size)"
                )
            continue
        head, _, tail = name.partition(".")
        if describe_kpi(name) is None:
            kpi = tail.rpartition(".")[2] if head in owners else name
            close = difflib.get_close_matches(kpi, KPIS, n=3)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            problems.append(
                f"{where}: {name!r} is not a KPI grid-flex reports{hint} (a results "
                "folder's columns.csv lists its summary.json KPIs; per asset or "
                "program: assets.<id>.<kpi>, programs.<id>.<kpi>)"
            )
        elif head in owners and (oid := tail.partition(".")[0]) not in owners[head]:
            problems.append(
                f"{where}: {name!r}: the cases have no {head[:-1]} {oid!r} "
                f"(theirs: {sorted(owners[head])})"
            )
    return problems


def _resolved(base: Mapping[str, Any]) -> dict[str, Any]:
    """The base with every default filled in ({} if it does not validate).

    A base that does not validate has its problems reported with each case.
    """
    try:
        return scenario_from_dict(base, source="base").model_dump(mode="json")
    except ScenarioError:
        return {}


def _folder_cases(folder: Path, source: str, spec_run: str) -> list[Case]:
    from grid_flex.io.scenario import load_scenario

    if not folder.is_dir():
        raise ScenarioError(source, [f"scenarios: {folder} is not a folder"])
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if not files:
        raise ScenarioError(source, [f"scenarios: no *.yaml files in {folder}"])
    cases = []
    problems: list[str] = []
    known: DigestCache = {}  # each data file hashed once
    for i, f in enumerate(files):
        try:
            sc, base_dir = load_scenario(f)
        except ScenarioError as exc:
            problems += [f"{f.name}: {p}" for p in exc.problems]
            continue
        run = run_of(spec_run, sc)
        dumped = sc.model_dump(mode="json")
        inputs = input_digests(sc, base_dir, known, data=dumped)
        key = case_key(sc, base_dir, run=run, digests=inputs, data=dumped)
        cases.append(
            Case(i, {"file": f.name}, sc, base_dir, key, "file", run=run, inputs=inputs)
        )
    if problems:
        raise ScenarioError(source, problems)
    return cases
