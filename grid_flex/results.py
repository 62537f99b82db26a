"""Turn a solved site into a per-interval table and a KPI summary, and check them.

:func:`extract` re-checks the solution on its own: the power balance closes in every
interval, every variable sits within its bounds, and the reported profit equals the
solver's objective. A failed check raises :class:`~grid_flex.errors.SolveError`
rather than returning numbers that do not add up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from grid_flex.conventions import index_step, utc_text
from grid_flex.errors import SolveError
from grid_flex.inputs import site_notes
from grid_flex.model.linear import FloatArray
from grid_flex.model.terms import Evaluation
from grid_flex.site import SiteModel
from grid_flex.solve import Solution

#: Absolute tolerance of the closure checks [MW] and relative one for money.
BALANCE_TOL_MW = 1e-6
MONEY_RTOL = 1e-7

#: Summary names for per-kind revenue (others are "<kind>_revenue_usd").
REVENUE_ALIASES = {
    "asic_fleet": "mining_revenue_usd",
    "gpu_cluster": "compute_revenue_usd",
}


@dataclass
class Results:
    """What a solve produced.

    Attributes
    ----------
    objective_usd : float
        Optimal operating profit over the horizon [USD].
    timeseries : pandas.DataFrame
        One row per interval (UTC interval starts); columns ``"<owner>.<quantity>"``
        where owner is ``site`` or an asset id, units in the quantity names.
    summary : dict
        Site KPIs (flat) and ``summary["assets"][id]`` per-asset KPIs.
    timings_s : dict
        Seconds per stage.
    tables : dict
        Extra tables a study adds to the results folder, by file name (CSV).
    """

    objective_usd: float
    timeseries: pd.DataFrame
    summary: dict[str, Any]
    timings_s: dict[str, float] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def summary_frame(self) -> pd.Series:
        """The summary flattened to one Series (``assets.<id>.<kpi>`` for assets)."""
        flat: dict[str, Any] = {}
        for key, value in self.summary.items():
            if key in ("assets", "programs"):
                for aid, kpis in value.items():
                    for k, v in kpis.items():
                        flat[f"{key}.{aid}.{k}"] = v
            else:
                flat[key] = value
        return pd.Series(flat, name="value")


def extract(site: SiteModel, solution: Solution, *, timeseries: bool = True) -> Results:
    """Evaluate every registered quantity at the optimum and compute the KPIs.

    ``timeseries=False`` computes the same summary (same checks, same numbers) and
    leaves :attr:`Results.timeseries` without columns (only the interval index):
    for sweeps, which keep the KPIs of each case and not its time series.
    """
    cols, summary = _evaluate(site, solution)
    index = site.inputs.index
    table = pd.DataFrame(cols, index=index) if timeseries else pd.DataFrame(index=index)
    return Results(
        objective_usd=solution.objective,
        timeseries=table,
        summary=summary,
        timings_s=dict(solution.timings_s),
    )


def _evaluate(
    site: SiteModel, solution: Solution
) -> tuple[dict[str, FloatArray], dict[str, Any]]:
    """The per-interval columns (arrays) and the checked summary of a solved site."""
    x = solution.layer_x(site.layer)
    inputs = site.inputs
    dt = inputs.timestep_h
    capacities = {key: cap.value(x) for key, cap in site.capacities.items()}
    cols: dict[str, FloatArray] = {
        "site.timestep_h": dt,
        "site.price_usd_per_mwh": inputs.price_usd_per_mwh,
        "site.import_price_usd_per_mwh": inputs.import_price_usd_per_mwh,
    }
    if inputs.hashprice_usd_per_ths_day is not None:
        cols["site.hashprice_usd_per_ths_day"] = inputs.hashprice_usd_per_ths_day
    for q in site.site_outputs:
        cols[f"site.{q.name}"] = q.expr.value(x)
    imp = cols["site.grid_import_mw"]
    net_grid = imp - cols.get("site.grid_export_mw", np.zeros_like(imp))
    # What the connection lets the site actually shed or add this interval.
    cols["site.flexible_down_mw"] = np.minimum(
        cols["site.flexible_down_mw"],
        np.maximum(0.0, net_grid + inputs.export_limit_mw),
    )
    connection_mw: float | FloatArray = capacities["site.import_mw"]
    share = inputs.non_firm_available_frac
    if share is not None and "site.non_firm_mw" in capacities:
        connection_mw = connection_mw + share * capacities["site.non_firm_mw"]
    import_limit = np.minimum(inputs.import_limit_mw, connection_mw)
    cols["site.flexible_up_mw"] = np.minimum(
        cols["site.flexible_up_mw"], np.maximum(0.0, import_limit - net_grid)
    )
    # Energy is attributed to assets at the price of the site's net position: the
    # import price (with adders) while the site imports, the export price while it
    # exports. What this leaves over (only with simultaneous import and export) is
    # reported as unallocated.
    margin_price = np.where(
        net_grid >= 0.0,
        inputs.import_price_usd_per_mwh,
        inputs.export_price_usd_per_mwh,
    )
    attributed = np.zeros_like(imp)

    asset_kpis: dict[str, dict[str, float]] = {}
    by_kind: dict[str, dict[str, float]] = {}
    kinds = dict((p.id, kind) for kind, p in inputs.assets)
    for aid, terms in site.assets.items():
        values = {q.name: q.expr.value(x) for q in terms.outputs}
        net = terms.net_load_mw.value(x)
        energy_cost = net * margin_price * dt
        attributed = attributed + energy_cost
        revenue = terms.revenue_usd.value(x)
        cost = terms.cost_usd.value(x)
        values.setdefault("net_load_mw", net)
        values.setdefault("revenue_usd", revenue)
        values.setdefault("cost_usd", cost)
        values["energy_cost_usd"] = energy_cost
        values["net_value_usd"] = revenue - cost - energy_cost
        for name, arr in values.items():
            cols[f"{aid}.{name}"] = arr
        kpis: dict[str, Any] = {"type": kinds[aid]}
        if terms.kpis is not None:
            kpis |= terms.kpis(
                Evaluation(values, solution.family_duals, dt, capacities)
            )
        kpis["energy_cost_usd"] = float(energy_cost.sum())
        kpis["net_value_usd"] = float(values["net_value_usd"].sum())
        asset_kpis[aid] = kpis
        agg = by_kind.setdefault(kinds[aid], {"revenue_usd": 0.0, "value_usd": 0.0})
        agg["revenue_usd"] += float(revenue.sum())
        agg["value_usd"] += kpis["net_value_usd"]

    cols["site.unallocated_energy_cost_usd"] = cols["site.energy_cost_usd"] - attributed
    program_kpis: dict[str, dict[str, Any]] = {}
    pkinds = {p.id: kind for kind, p in inputs.programs}
    site_values = {k.removeprefix("site."): v for k, v in cols.items()}
    for pid, pterms in site.programs.items():
        values = dict(site_values)
        values |= {q.name: q.expr.value(x) for q in pterms.outputs}
        values["revenue_usd"] = pterms.revenue_usd.value(x)
        values["cost_usd"] = pterms.cost_usd.value(x)
        for q in pterms.outputs:
            cols[f"{pid}.{q.name}"] = values[q.name]
        cols[f"{pid}.revenue_usd"] = values["revenue_usd"]
        cols[f"{pid}.cost_usd"] = values["cost_usd"]
        pk: dict[str, Any] = {"type": pkinds[pid]}
        if pterms.kpis is not None:
            pk |= pterms.kpis(Evaluation(values, solution.family_duals, dt, capacities))
        pk["revenue_usd"] = float(values["revenue_usd"].sum())
        pk["cost_usd"] = float(values["cost_usd"].sum())
        program_kpis[pid] = pk

    capacity_cost = float(site.capacity_cost_usd.value(x)[0])
    _check_closure(site, solution, cols, capacity_cost)

    imp = cols["site.grid_import_mw"]
    exp = cols.get("site.grid_export_mw", np.zeros_like(imp))
    price = inputs.price_usd_per_mwh
    bought = float(imp @ dt)
    hours = float(dt.sum())
    summary: dict[str, Any] = {
        "scenario": inputs.scenario.name,
        "start_utc": utc_text(inputs.index[0]),
        "end_utc": utc_text(inputs.index[-1] + index_step(inputs.index)),
        "intervals": len(inputs.index),
        "horizon_h": hours,
        "profit_usd": _total(cols["site.profit_usd"]),
        "revenue_usd": _total(cols["site.revenue_usd"]),
        "energy_cost_usd": _total(cols["site.energy_cost_usd"]),
        "other_cost_usd": _total(cols["site.cost_usd"]),
        "unallocated_energy_cost_usd": _total(cols["site.unallocated_energy_cost_usd"]),
    }
    for kind, agg in by_kind.items():
        summary[REVENUE_ALIASES.get(kind, f"{kind}_revenue_usd")] = agg["revenue_usd"]
        summary[f"{kind}_value_usd"] = agg["value_usd"]
    summary |= {
        "energy_bought_mwh": bought,
        "energy_sold_mwh": float(exp @ dt),
        "peak_import_mw": float(imp.max()),
        "average_price_usd_per_mwh": float(price @ dt / hours),
        "average_price_paid_usd_per_mwh": float(price @ (imp * dt) / bought)
        if bought > 0
        else float("nan"),
        "assets": asset_kpis,
        "programs": program_kpis,
    }
    sized = {k: c for k, c in site.capacities.items() if c.spec.sized}
    if sized:
        summary["capacity_cost_usd"] = capacity_cost
        summary["net_profit_usd"] = summary["profit_usd"] - capacity_cost
        summary["capacities"] = {
            key: {"unit": cap.spec.unit, "value": capacities[key]}
            for key, cap in sized.items()
        }
    if inputs.scenario.era:
        summary["era"] = inputs.scenario.era
    notes = (*inputs.assumptions, *site_notes(inputs.scenario))
    if notes:
        summary["assumptions"] = "; ".join(notes)
    return cols, summary


def _total(values: FloatArray) -> float:
    """Sum over the horizon, NaN skipped (as ``pandas.Series.sum``)."""
    return float(np.nansum(values))


def _check_closure(
    site: SiteModel,
    solution: Solution,
    cols: dict[str, FloatArray],
    capacity_cost_usd: float = 0.0,
) -> None:
    """Balance, bounds and objective re-checked on the solved values."""
    residual = np.abs(
        cols["site.grid_import_mw"]
        - cols.get("site.grid_export_mw", 0.0)
        - cols["site.net_load_mw"]
    )
    if (residual > BALANCE_TOL_MW).any():
        worst = int(np.argmax(residual))
        raise SolveError(
            f"power balance does not close at {site.inputs.index[worst]}: "
            f"residual {residual[worst]} MW"
        )
    lp = solution.lp
    tol = 1e-6 * np.maximum(1.0, np.abs(solution.x))
    low = solution.x < lp.col_lb - tol
    high = solution.x > lp.col_ub + tol
    if low.any() or high.any():
        j = int(np.flatnonzero(low | high)[0])
        raise SolveError(f"solution violates the bounds of {lp.columns[j].name}")
    own = site.layer.objective
    if (
        own is not None
        and lp.objective is own
        # an array-only build names its objective (a total of its own), a Pyomo
        # build holds the Objective, whose expression a study may have replaced
        and (isinstance(own, str) or own.expr is site.layer.objective_expr)
    ):
        profit = _total(cols["site.profit_usd"]) - capacity_cost_usd
        scale = max(1.0, abs(solution.objective))
        if abs(profit - solution.objective) > MONEY_RTOL * scale + 1e-6:
            raise SolveError(
                f"profit {profit} USD does not match the objective "
                f"{solution.objective} USD"
            )
