"""The money headline of a run: every revenue stream and cost, summing to the profit.

Pure pandas (no Pyomo), so the console summary and the HTML report
(:mod:`grid_flex.report`) print the same lines from a solved run or from a results
folder. Lines come from the per-interval table: each asset's and program's
``<id>.revenue_usd`` and ``<id>.cost_usd`` and the site's ``site.energy_cost_usd``
(imports at the import price minus exports at the export price), which by
construction sum to ``site.profit_usd`` in every interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

#: What an asset kind earns and spends, in words.
ASSET_REVENUE_LABELS = {
    "asic_fleet": "Mining",
    "gpu_cluster": "Compute (training, inference, spot)",
    "heat_recovery": "Heat (avoided fuel or sales)",
    "battery": "Battery",
}
ASSET_COST_LABELS = {
    "asic_fleet": "Fleet opex",
    "gpu_cluster": "Compute penalties and opex",
    "heat_recovery": "Heat recovery costs",
    "battery": "Battery wear",
}
#: What a program type earns and costs, in words.
PROGRAM_REVENUE_LABELS = {
    "fixed_price_contract": "Contract settlement (credits and sell-back)",
    "ancillary_services": "Reserve capacity",
    "demand_response": "Demand response payments",
}
PROGRAM_COST_LABELS = {
    "fixed_price_contract": "Contract fixed payments",
    "ancillary_services": "Reserve deployment",
    "demand_response": "Demand response penalties",
    "demand_charge": "Demand charge",
    "four_cp": "4CP transmission charge",
    "emissions": "Carbon cost",
}
ENERGY_LABEL = "Energy (imports less exports)"


@dataclass(frozen=True)
class Line:
    """One headline line: a revenue (positive) or a cost (negative) [USD]."""

    label: str
    owner: str
    value_usd: float
    is_cost: bool


def headline(summary: dict[str, Any], timeseries: pd.DataFrame) -> list[Line]:
    """Revenue and cost lines of a run, in order; they sum to the profit.

    Parameters
    ----------
    summary : dict
        The run's summary (``Results.summary`` or ``summary.json["summary"]``).
    timeseries : pandas.DataFrame
        The per-interval table with the ``<owner>.revenue_usd``, ``<owner>.cost_usd``
        and ``site.energy_cost_usd`` columns [USD per interval].

    Returns
    -------
    list of Line
        Revenues first (positive), then costs (negative) [USD]. Assets with neither
        revenue nor cost are left out; every program is named, with 0 if it moved no
        money.
    """
    revenues: list[Line] = []
    costs: list[Line] = []

    def total(column: str) -> float:
        if column not in timeseries.columns:
            return 0.0
        return float(timeseries[column].sum())

    for aid, kpis in summary.get("assets", {}).items():
        kind = str(kpis.get("type", ""))
        rev, cost = total(f"{aid}.revenue_usd"), total(f"{aid}.cost_usd")
        if rev != 0.0:
            label = ASSET_REVENUE_LABELS.get(kind, f"{kind} revenue")
            revenues.append(Line(f"{label} ({aid})", aid, rev, False))
        if cost != 0.0:
            label = ASSET_COST_LABELS.get(kind, f"{kind} costs")
            costs.append(Line(f"{label} ({aid})", aid, -cost, True))
    for pid, kpis in summary.get("programs", {}).items():
        kind = str(kpis.get("type", ""))
        rev, cost = total(f"{pid}.revenue_usd"), total(f"{pid}.cost_usd")
        silent = rev == 0.0 and cost == 0.0  # still named, as a zero line
        if rev != 0.0 or (silent and kind not in PROGRAM_COST_LABELS):
            label = PROGRAM_REVENUE_LABELS.get(kind, f"{kind} revenue")
            revenues.append(Line(f"{label} ({pid})", pid, rev, False))
        if cost != 0.0 or (silent and kind in PROGRAM_COST_LABELS):
            label = PROGRAM_COST_LABELS.get(kind, f"{kind} costs")
            costs.append(Line(f"{label} ({pid})", pid, -cost, True))
    energy = Line(ENERGY_LABEL, "site", -total("site.energy_cost_usd"), True)
    return [*revenues, energy, *costs]


def profit_usd(lines: list[Line]) -> float:
    """The sum of the headline lines [USD]."""
    return math.fsum(line.value_usd for line in lines)
