"""The peer: the same LP written in linopy, as its documentation recommends.

Usage::

    python benchmarks/peer_linopy.py [SCENARIO] [--set KEY=VALUE] [--io-api lp|direct]

One process does what ``grid-flex solve -q`` does, with linopy as the modeling layer:
load the scenario and prepare its inputs (grid-flex's own loader, so both sides read
and align the same data), declare the LP with linopy's labelled variables and
vectorised constraints (``add_variables`` with coordinates, ``shift`` for the
state of charge, ``sum`` over a dimension), solve it with HiGHS through
``Model.solve`` and read the solution back as tables. It prints the objective, which
must equal grid-flex's. Covered: ASIC fleets (any curve, PUE, derate) and batteries on
a site without exports or programs: the default scenario at any time step.

linopy is a benchmark-only dependency: ``pip install -e ".[bench]"``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np


def build(inputs: Any) -> Any:
    """The site LP of ``inputs`` as a :class:`linopy.Model` (maximise profit)."""
    import linopy
    import pandas as pd
    import xarray as xr

    if inputs.programs or bool((inputs.export_limit_mw > 0).any()):
        raise SystemExit("the peer covers sites without programs or exports")
    n = len(inputs.index)
    time = pd.RangeIndex(n, name="time")
    dt = xr.DataArray(inputs.timestep_h, coords=[time])
    m = linopy.Model()
    grid = m.add_variables(
        lower=0.0,
        upper=xr.DataArray(inputs.import_limit_mw, coords=[time]),
        name="grid_import_mw",
    )
    net_load: Any = 0
    profit: Any = -(
        grid * xr.DataArray(inputs.import_price_usd_per_mwh, coords=[time]) * dt
    )
    for kind, p in inputs.assets:
        if kind == "asic_fleet":
            segment = pd.RangeIndex(len(p.segment_share), name="segment")
            derate = np.ones(n) if p.derate_frac is None else p.derate_frac
            x = m.add_variables(
                lower=0.0,
                upper=xr.DataArray(
                    np.outer(p.segment_share * p.nameplate_power_mw, derate),
                    coords=[segment, time],
                ),
                name=f"{p.id}_segment_power_mw",
            )
            power = x.sum("segment")
            hashrate = (x * xr.DataArray(p.segment_ths_per_mw, coords=[segment])).sum(
                "segment"
            )
            usd_per_ths = xr.DataArray(
                inputs.hashprice_usd_per_ths_day * (1 - p.pool_fee_frac) / 24.0,
                coords=[time],
            )
            profit = (
                profit + hashrate * usd_per_ths * dt - power * p.opex_usd_per_mwh * dt
            )
            net_load = net_load + power * p.pue
        elif kind == "battery":
            e, pw = p.energy_mwh, p.power_mw
            c = m.add_variables(
                lower=0.0, upper=pw, coords=[time], name=f"{p.id}_charge"
            )
            d = m.add_variables(
                lower=0.0, upper=pw, coords=[time], name=f"{p.id}_discharge"
            )
            s = m.add_variables(
                lower=e * p.soc_min_frac,
                upper=e * p.soc_max_frac,
                coords=[time],
                name=f"{p.id}_soc_mwh",
            )
            s0_lo = e * (
                p.soc_min_frac if p.initial_soc_frac is None else p.initial_soc_frac
            )
            s0_hi = e * (
                p.soc_max_frac if p.initial_soc_frac is None else p.initial_soc_frac
            )
            s0 = m.add_variables(lower=s0_lo, upper=s0_hi, name=f"{p.id}_soc_initial")
            keep = 1.0 - p.self_discharge_frac_per_h * dt
            flow = c * (p.charge_eff_frac * dt) - d * (dt / p.discharge_eff_frac)
            later = time[1:]
            m.add_constraints(
                (s - keep * s.roll(time=1) - flow).sel(time=later) == 0,
                name=f"{p.id}_soc_balance",
            )
            m.add_constraints(
                (s - flow).isel(time=0) - keep.isel(time=0) * s0 == 0,
                name=f"{p.id}_soc_first",
            )
            if p.final_soc == "cyclic":
                m.add_constraints(s.isel(time=n - 1) - s0 == 0, name=f"{p.id}_cyclic")
            elif p.final_soc != "free":
                m.add_constraints(s.isel(time=n - 1) >= e * float(p.final_soc))
            net_load = net_load + c - d
            profit = profit - d * (p.degradation_usd_per_mwh * dt)
        else:
            raise SystemExit(f"the peer does not model {kind} assets")
    m.add_constraints(grid - net_load == 0, name="power_balance")
    m.add_objective(profit.sum(), sense="max")
    return m


def main() -> None:
    """Load, build in linopy, solve with HiGHS, read the solution; print objective."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", nargs="?", default="west_texas_2020")
    parser.add_argument("--set", dest="assignments", action="append", default=[])
    parser.add_argument("--io-api", choices=["lp", "direct"], default=None)
    args = parser.parse_args()
    from grid_flex.inputs import prepare_inputs
    from grid_flex.io.scenario import load_scenario

    scenario, base = load_scenario(args.scenario, assignments=args.assignments)
    m = build(prepare_inputs(scenario, base))
    extra = {} if args.io_api is None else {"io_api": args.io_api}
    status, condition = m.solve(solver_name="highs", output_flag=False, **extra)
    if status != "ok":
        raise SystemExit(f"linopy/HiGHS: {status} {condition}")
    tables = {name: m.solution[name].to_pandas() for name in m.solution.data_vars}
    print(json.dumps({"objective": float(m.objective.value), "tables": len(tables)}))


if __name__ == "__main__":
    main()
