"""An ASIC fleet entry's data-free checks: its hashrate curve and its size's price."""

from __future__ import annotations

import math

from grid_flex.errors import ScenarioError
from grid_flex.schema.assets import AsicFleetEntry
from grid_flex.schema.catalog import AsicSpec


def curve_points(entry: AsicFleetEntry, spec: AsicSpec) -> list[tuple[float, float]]:
    """The fleet's hashrate curve ``(power_frac, hashrate_frac)``, checked.

    The entry's points, else the catalogue's (``hashrate_curve: catalog``), else
    the straight line to ``(1, 1)``.

    Raises
    ------
    ScenarioError
        Points not increasing, or the curve not concave.
    """
    if isinstance(entry.hashrate_curve, list):
        points = [(p.power_frac, p.hashrate_frac) for p in entry.hashrate_curve]
    elif entry.hashrate_curve == "catalog" and spec.hashrate_curve:
        points = [(p.power_frac, p.hashrate_frac) for p in spec.hashrate_curve]
    else:
        points = [(1.0, 1.0)]
    problems = curve_problems(points)
    if problems:
        raise ScenarioError(
            f"assets.{entry.id}.hashrate_curve", [*problems, "see domain.md §1.6"]
        )
    return points


def curve_problems(points: list[tuple[float, float]]) -> list[str]:
    """Why a hashrate curve cannot be used in an LP (empty when it can)."""
    problems = []
    p_prev, h_prev, slope_prev = 0.0, 0.0, math.inf
    for i, (p, h) in enumerate(points):
        if p <= p_prev or h <= h_prev:
            problems.append(f"point {i}: power and hashrate must both increase")
            break
        slope = (h - h_prev) / (p - p_prev)
        if slope > slope_prev * (1 + 1e-9):
            problems.append(
                f"point {i}: slope {slope:.3f} exceeds the previous {slope_prev:.3f}; "
                "the curve must be concave (efficiency falls as power rises)"
            )
        p_prev, h_prev, slope_prev = p, h, slope
    return problems


def size_costs(entry: AsicFleetEntry, spec: AsicSpec) -> tuple[float, float]:
    """Miner cost and life of a sized fleet: the size block's, else the catalogue's.

    Returns
    -------
    tuple
        ``(miners_usd_per_mw, life_yr)``: capital cost per MW of miners' nameplate
        power [USD/MW] and their life [yr].

    Raises
    ------
    ScenarioError
        No price, or no life, in either.
    """
    size = entry.size
    assert size is not None
    unit_mw = spec.power_w / 1e6
    where = f"assets.{entry.id}.size"
    price = spec.price
    ths_per_mw = spec.hashrate_ths / unit_mw
    if size.capex_usd_per_th is not None:
        miners = size.capex_usd_per_th * ths_per_mw
    elif size.capex_usd_per_unit is not None:
        miners = size.capex_usd_per_unit / unit_mw
    elif price is not None:
        miners = (
            price.usd_per_th * ths_per_mw
            if price.usd_per_th is not None
            else (price.usd_per_unit or 0.0) / unit_mw
        )
    else:
        raise ScenarioError(
            where,
            [
                f"{where}: catalogue entry {entry.model} has no price; give "
                "size.capex_usd_per_th (or capex_usd_per_unit) and size.life_yr, or "
                f"add a price to models/{entry.model}.yaml"
            ],
        )
    life = size.life_yr if size.life_yr is not None else price and price.life_yr
    if not life:
        raise ScenarioError(
            where, [f"{where}.life_yr: required (catalogue {entry.model} has none)"]
        )
    return miners, life
