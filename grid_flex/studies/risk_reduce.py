"""Scenario reduction: keep ``k`` scenarios of a set, move the others' probability.

Fast forward selection (Heitsch & Römisch 2003, "Scenario reduction algorithms in
stochastic programming"): scenarios are points ``x_s`` (every number of their
patch, each scaled by its standard deviation over the set; numbers by year and
inline series element by element); the distance between two scenarios whose
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
from grid_flex.studies.risk import RiskScenario

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


def distances(scenarios: Sequence[RiskScenario]) -> np.ndarray:
    """Pairwise distances (scaled numbers; :data:`APART` across groups)."""
    leaves = [_leaves(s.patch) for s in scenarios]
    keys = sorted({k for n, _ in leaves for k in n})
    x = np.array([[n.get(k, 0.0) for k in keys] for n, _ in leaves], dtype=float)
    if x.size:
        std = x.std(axis=0)
        x = x[:, std > 0] / std[std > 0]
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
    groups = [json.dumps(o, sort_keys=True, default=str) for _, o in leaves]
    g = np.array([groups.index(k) for k in groups])
    out: np.ndarray = np.where(g[:, None] == g[None, :], d, APART)
    return out


def reduce_scenarios(
    scenarios: Sequence[RiskScenario], k: int, source: str = "reduce_to"
) -> list[RiskScenario]:
    """The ``k`` scenarios kept by fast forward selection, with moved probability."""
    n = len(scenarios)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ScenarioError(source, [f"reduce_to: {k!r} is not an integer ≥ 1"])
    if k >= n:
        return list(scenarios)
    d = distances(scenarios)
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
