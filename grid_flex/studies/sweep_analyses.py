"""Analyses on a finished sweep's summary: tornado, two-way table, hosting capacity.

File names (the report renders them):

``tornado.csv``
    One row per one-at-a-time parameter, largest swing first: ``parameter,
    low_value, high_value, kpi, kpi_low, kpi_high, kpi_base, swing``.
``two_way.csv``
    The KPI over two grid axes, one row per cell: ``x_name, x_value, y_name,
    y_value, kpi_name, kpi_value``.
``hosting_capacity.csv``
    For each allowed curtailment share, the largest fleet load among the solved
    cases whose fleets lose at most that share of their energy:
    ``curtailment_limit_frac, hosting_capacity_mw, curtailment_frac, case, key,
    at_sweep_max`` (``at_sweep_max``: the largest load swept already qualifies, so
    the true hosting capacity may be higher).

The curtailed share is the Duke "curtailment-enabled headroom" measure the results
compute per fleet: Σ curtailed MWh / Σ (energy + curtailed MWh) over the counted
fleets, whose nameplate MW add up to the load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grid_flex.errors import ScenarioError
from grid_flex.studies import sweep_store as store
from grid_flex.studies.sweep_spec import HostingCapacity, SweepSpec, TwoWay

TORNADO_COLUMNS = (
    "parameter",
    "low_value",
    "high_value",
    "kpi",
    "kpi_low",
    "kpi_high",
    "kpi_base",
    "swing",
)
HOSTING_COLUMNS = (
    "curtailment_limit_frac",
    "hosting_capacity_mw",
    "curtailment_frac",
    "case",
    "key",
    "at_sweep_max",
)


def _kpi_column(summary: pd.DataFrame, kpi: str) -> pd.Series:
    if kpi not in summary.columns:
        known = [c for c in summary.columns if c.endswith(("_usd", "_mwh", "_tco2"))]
        raise ScenarioError(
            "sweep",
            [
                f"kpi: {kpi!r} is not a KPI of the cases (have {known[:12]} ...); "
                "the solved cases are kept: correct kpi and run the same command "
                "again (nothing is solved twice)"
            ],
        )
    return pd.to_numeric(summary[kpi], errors="coerce")


def tornado(summary: pd.DataFrame, spec: SweepSpec) -> pd.DataFrame:
    """One row per one-at-a-time parameter (see the module docstring)."""
    kpi = _kpi_column(summary, spec.kpi)
    base = kpi[summary["group"] == "base"]
    kpi_base = float(base.iloc[0]) if len(base) else np.nan
    rows = []
    for step in spec.one_at_a_time:
        mine = summary["param"] == step.path
        low = summary.index[mine & (summary["group"] == "low")][0]
        high = summary.index[mine & (summary["group"] == "high")][0]
        k_low, k_high = float(kpi[low]), float(kpi[high])
        rows.append(
            {
                "parameter": step.path,
                "low_value": summary.at[low, step.path],
                "high_value": summary.at[high, step.path],
                "kpi": spec.kpi,
                "kpi_low": k_low,
                "kpi_high": k_high,
                "kpi_base": kpi_base,
                "swing": abs(k_high - k_low),
            }
        )
    out = pd.DataFrame(rows, columns=list(TORNADO_COLUMNS))
    return out.sort_values("swing", ascending=False, kind="stable").reset_index(
        drop=True
    )


def two_way(summary: pd.DataFrame, tw: TwoWay) -> pd.DataFrame:
    """The KPI on every (x, y) cell of the grid."""
    grid = summary[summary["group"] == "grid"]
    kpi = _kpi_column(grid, tw.kpi)
    return pd.DataFrame(
        {
            "x_name": tw.x,
            "x_value": grid[tw.x].to_numpy(),
            "y_name": tw.y,
            "y_value": grid[tw.y].to_numpy(),
            "kpi_name": tw.kpi,
            "kpi_value": kpi.to_numpy(),
        }
    )


def hosting_capacity(summary: pd.DataFrame, hc: HostingCapacity) -> pd.DataFrame:
    """Largest fleet load within each curtailment limit (see the module docstring)."""
    ok = summary[summary["status"] == "ok"]
    fleets = hc.fleets
    if fleets is None:
        fleets = [
            c.split(".")[1]
            for c in ok.columns
            if c.startswith("assets.")
            and c.endswith(".type")
            and (ok[c] == "asic_fleet").any()
        ]
    missing = [f for f in fleets if f"assets.{f}.nameplate_power_mw" not in ok.columns]
    if missing or not fleets:
        raise ScenarioError(
            "sweep",
            [f"hosting_capacity.fleets: no ASIC fleet results for {missing or 'any'}"],
        )

    def total(kpi: str) -> pd.Series:
        return sum(
            (pd.to_numeric(ok[f"assets.{f}.{kpi}"], errors="coerce") for f in fleets),
            start=pd.Series(0.0, index=ok.index),
        )

    load = total("nameplate_power_mw")
    curtailed = total("curtailed_mwh")
    share = curtailed / (total("energy_mwh") + curtailed)
    rows: list[dict[str, Any]] = []
    for limit in sorted(hc.limits_frac):
        within = share <= limit + 1e-12
        if not within.any():
            rows.append(
                {
                    "curtailment_limit_frac": limit,
                    "hosting_capacity_mw": np.nan,
                    "curtailment_frac": np.nan,
                    "case": None,
                    "key": None,
                    "at_sweep_max": False,
                }
            )
            continue
        best = int(np.argmax(np.where(within, load.to_numpy(), -np.inf)))
        rows.append(
            {
                "curtailment_limit_frac": limit,
                "hosting_capacity_mw": float(load.iloc[best]),
                "curtailment_frac": float(share.iloc[best]),
                "case": int(ok["case"].iloc[best]),
                "key": str(ok["key"].iloc[best]),
                "at_sweep_max": bool(load.iloc[best] >= load.max()),
            }
        )
    return pd.DataFrame(rows, columns=list(HOSTING_COLUMNS))


def write_analyses(root: Path, spec: SweepSpec, summary: pd.DataFrame) -> list[str]:
    """Write the analyses the spec asks for; return the file names written."""
    written = []
    tables = []
    if spec.one_at_a_time:
        tables.append(("tornado.csv", tornado(summary, spec)))
    if spec.two_way is not None:
        tables.append(("two_way.csv", two_way(summary, spec.two_way)))
    if spec.hosting_capacity is not None:
        tables.append(
            ("hosting_capacity.csv", hosting_capacity(summary, spec.hosting_capacity))
        )
    for name, table in tables:
        store.atomic_write(root / name, lambda p, t=table: t.to_csv(p, index=False))
        written.append(name)
    return written
