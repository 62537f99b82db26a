"""Profit-versus-emissions trade-off curves of a site with an emissions program.

Two ways to trace the curve, each from N solves of the scenario with its emissions
program patched (the scenario mapping is dumped, edited and validated again):

``by="cap"``
    The carbon price is set to 0 and the cap removed to find the most the site emits,
    ``E_max`` (the profit-maximising schedule); the objective is then replaced by
    "minimise net emissions" to find the least it can emit, ``E_min``. The N points
    cap net emissions at N values evenly spaced from ``E_max`` down to ``E_min``
    (both ends raised by a hair, :data:`CAP_MARGIN_RTOL`, so that the first cap is
    slack, with a shadow price of 0 rather than any subgradient of the kink at
    ``E_max``, and solver tolerances cannot make the last one infeasible). Each point
    reports the operating profit, the emissions and the cap's shadow price
    ``d(profit)/d(cap)`` [USD/tCO2], the slope of the curve: the marginal abatement
    cost. (When several schedules earn the maximum profit, ``E_max`` is the emissions
    of the one HiGHS returns.)
``by="carbon_price"``
    The cap is removed and the carbon price set to N values evenly spaced from 0 to
    ``max_carbon_price_usd_per_tco2``.

Points are solved by the sweep engine: in this process by a
:class:`~grid_flex.studies.resolve.Resolver`, the sweep's re-solver (between points
only costs and right-hand sides change, so HiGHS re-solves each from the previous
basis instead of a rebuilt model), or with ``workers``/``dask`` on its local worker
processes or Dask cluster (:func:`grid_flex.studies.sweep.solve_many`; the two
``by="cap"`` end points are solved here first).

Operating profit is the site profit before the carbon cost (``profit_usd +
carbon_cost_usd``). Along either curve both it and the net emissions are
non-increasing, up to solver tolerances.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyomo.core as pyo

from grid_flex.errors import ScenarioError
from grid_flex.io.scenario import scenario_from_dict
from grid_flex.results import Results
from grid_flex.schema.scenario import Scenario, scenario_source
from grid_flex.site import SiteModel
from grid_flex.solve import SolveOptions
from grid_flex.studies import progress
from grid_flex.studies.resolve import Resolver

By = Literal["cap", "carbon_price"]

#: Caps run from ``E_max + m`` to ``E_min + m``, ``m = CAP_MARGIN_RTOL · max(1,
#: |E_max|, |E_min|)`` [tCO2].
CAP_MARGIN_RTOL = 1e-7
#: Name of the objective that replaces profit when looking for ``E_min``.
MIN_EMISSIONS_OBJECTIVE = "tradeoff_min_net_tco2"

COLUMNS = (
    "point",
    "by",
    "carbon_price_usd_per_tco2",
    "cap_tco2",
    "net_tco2",
    "grid_tco2",
    "energy_bought_mwh",
    "operating_profit_usd",
    "carbon_cost_usd",
    "profit_usd",
    "cap_shadow_price_usd_per_tco2",
)


def is_tradeoff_table(path: Path) -> bool:
    """Whether ``path`` is a trade-off CSV grid-flex wrote (header :data:`COLUMNS`).

    ``grid-flex tradeoff -o`` replaces such a file and refuses any other.
    """
    try:
        with path.open(encoding="utf-8") as handle:
            header = handle.readline(4096)
    except (OSError, UnicodeDecodeError):
        return False
    return header.rstrip("\r\n") == ",".join(COLUMNS)


def _program_index(scenario: Scenario, program_id: str | None) -> int:
    """Position of the emissions program in ``scenario.programs``."""
    for i, entry in enumerate(scenario.programs):
        if entry.type == "emissions" and program_id in (None, entry.id):
            return i
    have = ", ".join(p.id for p in scenario.programs) or "none"
    wanted = "an emissions program" if program_id is None else f"program {program_id!r}"
    raise ScenarioError(
        scenario_source(scenario),
        [
            f"programs: a trade-off needs {wanted} (type: emissions, with "
            f"marginal_co2); the scenario's programs: {have}"
        ],
    )


def _patched(scenario: Scenario, index: int, **fields: Any) -> Scenario:
    """``scenario`` with fields of program ``index`` replaced, validated again."""
    data = scenario.model_dump(mode="json")
    data["programs"][index].update(fields)
    source = f"{scenario_source(scenario)} (trade-off point)"
    return scenario_from_dict(data, source=source)


def _min_emissions(program_id: str) -> Any:
    """An ``extra`` hook replacing the objective by 'minimise net emissions'."""

    def hook(site: SiteModel) -> None:
        net = site.programs[program_id].extra["net_tco2"]
        total = site.layer.add_total(
            site.block,
            "tradeoff_net_tco2",
            net,
            doc=f"trade-off: net emissions of program {program_id} [tCO2]",
        )
        for obj in site.model.component_data_objects(pyo.Objective, active=True):
            obj.deactivate()
        site.model.add_component(
            MIN_EMISSIONS_OBJECTIVE,
            pyo.Objective(
                expr=total,
                sense=pyo.minimize,
                doc="trade-off: minimise net emissions [tCO2]",
            ),
        )

    return hook


def _point(
    results: Results, program_id: str, point: int, by: By, cap_tco2: float | None
) -> dict[str, Any]:
    s = results.summary
    k = s["programs"][program_id]
    carbon_cost = float(k["carbon_cost_usd"])
    return {
        "point": point,
        "by": by,
        "carbon_price_usd_per_tco2": float(k["carbon_price_usd_per_tco2"]),
        "cap_tco2": float("nan") if cap_tco2 is None else cap_tco2,
        "net_tco2": float(k["net_tco2"]),
        "grid_tco2": float(k["grid_tco2"]),
        "energy_bought_mwh": float(s["energy_bought_mwh"]),
        "operating_profit_usd": float(s["profit_usd"]) + carbon_cost,
        "carbon_cost_usd": carbon_cost,
        "profit_usd": float(s["profit_usd"]),
        "cap_shadow_price_usd_per_tco2": float(k["cap_shadow_price_usd_per_tco2"]),
    }


def _row_point(
    row: dict[str, Any], program_id: str, point: int, by: By, cap_tco2: float | None
) -> dict[str, Any]:
    """:func:`_point` from a sweep row (KPIs flattened as ``programs.<id>.<kpi>``)."""
    from grid_flex.studies.sweep import raise_for_row

    raise_for_row(row)
    k = f"programs.{program_id}."
    carbon_cost = float(row[k + "carbon_cost_usd"])
    return {
        "point": point,
        "by": by,
        "carbon_price_usd_per_tco2": float(row[k + "carbon_price_usd_per_tco2"]),
        "cap_tco2": float("nan") if cap_tco2 is None else cap_tco2,
        "net_tco2": float(row[k + "net_tco2"]),
        "grid_tco2": float(row[k + "grid_tco2"]),
        "energy_bought_mwh": float(row["energy_bought_mwh"]),
        "operating_profit_usd": float(row["profit_usd"]) + carbon_cost,
        "carbon_cost_usd": carbon_cost,
        "profit_usd": float(row["profit_usd"]),
        "cap_shadow_price_usd_per_tco2": float(
            row[k + "cap_shadow_price_usd_per_tco2"]
        ),
    }


def tradeoff_curve(
    scenario: Scenario,
    base_dir: str | Path = ".",
    *,
    points: int,
    by: By,
    max_carbon_price_usd_per_tco2: float = 500.0,
    program_id: str | None = None,
    options: SolveOptions | None = None,
    workers: int = 1,
    dask: str | None = None,
) -> pd.DataFrame:
    """Operating profit versus net emissions over ``points`` solves.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario with an emissions program.
    base_dir : str or Path
        Folder relative series paths start from (the scenario file's folder).
    points : int
        Number of points on the curve (≥ 2).
    by : {"cap", "carbon_price"}
        Trace the curve by tightening a cap on net emissions from the unconstrained
        level to the least achievable, or by raising the carbon price from 0.
    max_carbon_price_usd_per_tco2 : float
        Highest carbon price for ``by="carbon_price"`` [USD/tCO2].
    program_id : str, optional
        Emissions program to vary (default: the first one).
    options : SolveOptions, optional
        HiGHS settings (default: the scenario's, one thread). Applies to the
        points solved in this process; workers use the scenario's, one thread.
    workers : int
        Local worker processes for the points (1: this process).
    dask : str, optional
        ``local:N`` or a Dask scheduler address for the points.

    Returns
    -------
    pandas.DataFrame
        One row per point, columns :data:`COLUMNS`: the carbon price [USD/tCO2] and
        cap [tCO2] applied, net and grid emissions [tCO2], energy bought [MWh],
        operating profit (before carbon cost), carbon cost and profit [USD], and the
        cap's shadow price [USD/tCO2] (NaN without a cap).
    """
    index = _program_index(scenario, program_id)
    pid = scenario.programs[index].id
    problems = []
    if points < 2:
        problems.append(f"points: need at least 2 points on the curve (got {points})")
    if by not in ("cap", "carbon_price"):
        problems.append(f"by: expected 'cap' or 'carbon_price' (got {by!r})")
    if not max_carbon_price_usd_per_tco2 > 0:
        problems.append(
            "max_carbon_price_usd_per_tco2: must be above 0 "
            f"(got {max_carbon_price_usd_per_tco2})"
        )
    if workers < 1:
        problems.append(f"workers: need at least 1 (got {workers})")
    if problems:
        raise ScenarioError("trade-off", problems)

    resolver = Resolver(options)

    progress.expect(points if by == "carbon_price" else points + 2)

    def solve(sc: Scenario, **kw: Any) -> Results:
        out = resolver.run(sc, base_dir, **kw)
        progress.step()
        return out

    def curve(cases: list[tuple[Scenario, float | None]]) -> pd.DataFrame:
        if workers == 1 and dask is None:
            rows = [
                _point(solve(sc), pid, i, by, cap) for i, (sc, cap) in enumerate(cases)
            ]
        else:
            from grid_flex.studies.sweep import solve_many

            found = solve_many(
                [sc for sc, _ in cases], base_dir, workers=workers, dask=dask
            )
            progress.step(len(found))
            rows = [
                _row_point(row, pid, i, by, cap)
                for i, (row, (_, cap)) in enumerate(zip(found, cases, strict=True))
            ]
        return pd.DataFrame(rows, columns=list(COLUMNS))

    if by == "carbon_price":
        prices = np.linspace(0.0, max_carbon_price_usd_per_tco2, points)
        return curve(
            [
                (
                    _patched(
                        scenario, index, cap_tco2=None, carbon_price_usd_per_tco2=p
                    ),
                    None,
                )
                for p in prices.tolist()
            ]
        )

    free = _patched(scenario, index, cap_tco2=None, carbon_price_usd_per_tco2=0.0)
    e_max = float(solve(free).summary["programs"][pid]["net_tco2"])
    least = solve(free, extra=_min_emissions(pid))
    e_min = float(least.summary["programs"][pid]["net_tco2"])
    margin = CAP_MARGIN_RTOL * max(1.0, abs(e_max), abs(e_min))
    top, bottom = e_max + margin, min(e_min + margin, e_max)
    return curve(
        [
            (
                _patched(scenario, index, cap_tco2=cap, carbon_price_usd_per_tco2=0.0),
                cap,
            )
            for cap in np.linspace(top, bottom, points).tolist()
        ]
    )
