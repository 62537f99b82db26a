"""Scenario reduction: keep ``k`` scenarios of a set, move the others' probability.

Fast forward selection (Heitsch & Römisch 2003, "Scenario reduction algorithms in
stochastic programming"): scenarios are points ``x_s`` (every number any patch
gives, each scaled by its standard deviation over the set; a number a scenario's
patch leaves out counts at the study's own value; numbers by year and inline
series element by element); the distance between two scenarios whose
patches differ in anything that is not a number (e.g. the weather year drawn) is
infinite, so each such group keeps its own representatives. Starting from none,
the scenario that most lowers ``Σ_{j not kept} p_j · min_{s kept} ‖x_j − x_s‖`` is
kept, ``k`` times; then every dropped scenario's probability goes to its nearest
kept one (ties: the first kept). The reduced set has the same total probability.

What this costs in accuracy is measured, not assumed (benchmarks/bench_risk.py and
tests/integration/test_risk_reduce.py: the reduced design evaluated on the whole set
against the whole set's optimum).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from grid_flex.errors import ScenarioError
from grid_flex.schema.scenario import Scenario
from grid_flex.studies.risk import RiskScenario, patched

#: Distance standing for "different groups" (no finite scaled distance reaches it).
APART = 1e12


def _leaves(patch: Any, path: str = "") -> tuple[dict[str, float], dict[str, Any]]:
    """Numbers of a patch by path, and everything else (the group)."""
    nums: dict[str, float] = {}
    other: dict[str, Any] = {}
    if isinstance(patch, Mapping):
        for k, v in patch.items():
            n, o = _leaves(v, f"{path}{k}.")
            nums |= n
            other |= o
    elif isinstance(patch, list) and all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in patch
    ):
        nums |= {f"{path}{i}": float(x) for i, x in enumerate(patch)}
    elif isinstance(patch, int | float) and not isinstance(patch, bool):
        nums[path.rstrip(".")] = float(patch)
    else:
        other[path.rstrip(".")] = patch
    return nums, other


def _by_id(data: Any) -> Any:
    """``data`` with lists of asset and program entries keyed by id, as patches are."""
    if isinstance(data, Mapping):
        return {k: _by_id(v) for k, v in data.items()}
    if (
        isinstance(data, list)
        and data
        and all(isinstance(e, Mapping) and (e.get("id") or e.get("type")) for e in data)
    ):
        return {(e.get("id") or e.get("type")): _by_id(e) for e in data}
    return data


def _own_value(resolved: dict[str, float], key: str) -> float | None:
    """A scenario's number at a patch path: the path's, or a constant above it.

    A constant holds in every year, so ``study.bitcoin.btc_price_usd: 90000`` is the
    value of ``study.bitcoin.btc_price_usd.2027`` too.
    """
    parts = key.split(".")
    for n in range(len(parts), 0, -1):
        v = resolved.get(".".join(parts[:n]))
        if v is not None:
            return v
    return None


def distances(
    scenarios: Sequence[RiskScenario], base: Scenario | None = None
) -> np.ndarray:
    """Pairwise distances (scaled numbers; :data:`APART` across groups).

    With ``base``, a number one scenario's patch leaves out counts at that
    scenario's own value (the base's, patched), not 0.
    """
    leaves = [_leaves(s.patch) for s in scenarios]
    keys = sorted({k for n, _ in leaves for k in n})
    rows: list[list[float]] = []
    for s, (n, _) in zip(scenarios, leaves, strict=True):
        own: dict[str, float] = {}
        if base is not None and any(k not in n for k in keys):
            own = _leaves(_by_id(patched(base, s).model_dump(mode="json")))[0]
        row = []
        for k in keys:
            v = n.get(k)
            if v is None:
                v = _own_value(own, k)
            row.append(0.0 if v is None else v)
        rows.append(row)
    x = np.array(rows, dtype=float).reshape(len(scenarios), len(keys))
    if x.size:
        std = x.std(axis=0)
        x = x[:, std > 0] / std[std > 0]
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
    groups = [json.dumps(o, sort_keys=True, default=str) for _, o in leaves]
    g = np.array([groups.index(k) for k in groups])
    out: np.ndarray = np.where(g[:, None] == g[None, :], d, APART)
    return out


def reduce_scenarios(
    scenarios: Sequence[RiskScenario],
    k: int,
    source: str = "reduce_to",
    base: Scenario | None = None,
) -> list[RiskScenario]:
    """The ``k`` scenarios kept by fast forward selection, with moved probability.

    ``base``: the study's scenario, whose values count where a patch says nothing.
    """
    n = len(scenarios)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ScenarioError(source, [f"reduce_to: {k!r} is not an integer ≥ 1"])
    if k >= n:
        return list(scenarios)
    d = distances(scenarios, base)
    groups = len({tuple(row < APART) for row in d})
    if k < groups:
        raise ScenarioError(
            source,
            [
                f"reduce_to: {k} is fewer than the {groups} groups of scenarios that "
                "differ in more than numbers (e.g. weather years); keep at least one "
                "of each"
            ],
        )
    p = np.array([s.probability for s in scenarios])
    kept: list[int] = []
    nearest = np.full(n, np.inf)
    for _ in range(k):
        best, best_cost = -1, np.inf
        for c in range(n):
            if c in kept:
                continue
            near = np.minimum(nearest, d[:, c])
            mask = np.ones(n, dtype=bool)
            mask[[*kept, c]] = False
            cost = float(p[mask] @ near[mask])
            if cost < best_cost:
                best, best_cost = c, cost
        kept.append(best)
        nearest = np.minimum(nearest, d[:, best])
    owner = np.array(kept)[np.argmin(d[:, kept], axis=1)]
    return [
        RiskScenario(scenarios[i].name, float(p[owner == i].sum()), scenarios[i].patch)
        for i in sorted(kept)
    ]
