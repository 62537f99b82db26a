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

import hashlib
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
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
        None, gt=0, description="low/high = base × (1 ∓ step)"
    )

    @model_validator(mode="after")
    def _bounds(self) -> Step:
        absolute = self.low is not None and self.high is not None
        if absolute == (self.rel_step_frac is not None) or (
            (self.low is None) != (self.high is None)
        ):
            raise ValueError("give low and high, or rel_step_frac")
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


def case_key(
    scenario: Scenario, base_dir: Path, version: str = __version__, run: str = "solve"
) -> str:
    """sha256 of the resolved scenario (absolute file paths), version and run.

    ``run`` enters the hash only for a study (``"size"``), so solve keys do not
    depend on it.
    """
    data = _absolute_files(scenario.model_dump(mode="json"), base_dir)
    payload: dict[str, Any] = {"scenario": data, "version": version}
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
        return _folder_cases(spec_dir / spec.scenarios, source, spec.run)
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
        key = case_key(sc, base_dir, run=run)
        cases.append(Case(len(cases), values, sc, base_dir, key, group, param, run))
    if problems:
        raise ScenarioError(
            source,
            problems[:20]
            + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else []),
        )
    return cases


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
    for i, f in enumerate(files):
        try:
            sc, base_dir = load_scenario(f)
        except ScenarioError as exc:
            problems += [f"{f.name}: {p}" for p in exc.problems]
            continue
        run = run_of(spec_run, sc)
        key = case_key(sc, base_dir, run=run)
        cases.append(Case(i, {"file": f.name}, sc, base_dir, key, "file", run=run))
    if problems:
        raise ScenarioError(source, problems)
    return cases
