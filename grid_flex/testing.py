"""Helpers for tests of grid-flex and of studies built on it.

``small_scenario`` writes tiny hand-checkable scenarios with inline series;
``s21_fleet`` and ``hand_battery`` are the asset entries most of them hold,
``s21_study`` a small sized study; the
``assert_*`` functions check invariants every solved site must satisfy.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np

from grid_flex.io.scenario import deep_merge, scenario_from_dict
from grid_flex.results import Results
from grid_flex.schema.scenario import Scenario

#: The ASIC model hand-computed sites mine with: Antminer S21, 200 TH/s at 3.5 kW.
S21 = "asic/antminer_s21"
#: The catalogue's 1 MW / 4 MWh LFP battery.
LFP_4H = "battery/generic_lfp_4h_1mw"


#: A study's bitcoin block for hand-sized tests: 100 kUSD/BTC, difficulty 1.2e14 on
#: 2027-01-01 growing 20 %/yr, 0.05 BTC of fees a block.
BITCOIN_2027: dict[str, Any] = {
    "btc_price_usd": 100000.0,
    "difficulty_start": 1.2e14,
    "difficulty_start_date": "2027-01-01",
    "difficulty_growth_frac_per_yr": 0.2,
    "fees_btc_per_block": 0.05,
}


def s21_fleet(fid: str = "fleet", **fields: Any) -> dict[str, Any]:
    """An S21 fleet entry with every miner available and no pool fee.

    ``fields`` add to or replace these (``count``, ``power_mw`` or a ``size`` block
    sizes it; ``model`` changes the miner).
    """
    return {
        "type": "asic_fleet",
        "id": fid,
        "model": S21,
        "availability_frac": 1.0,
        "pool_fee_frac": 0.0,
        **fields,
    }


def hand_battery(bid: str = "bess", **fields: Any) -> dict[str, Any]:
    """A 1 MW / 4 MWh battery to compute by hand; ``fields`` add to or replace these.

    0.9 each way (0.81 round trip), the whole range usable, no wear cost, starting
    empty and ending anywhere.
    """
    return {
        "type": "battery",
        "id": bid,
        "model": LFP_4H,
        "energy_mwh": 4.0,
        "power_mw": 1.0,
        "round_trip_eff_frac": 0.81,
        "soc_min_frac": 0.0,
        "soc_max_frac": 1.0,
        "degradation_usd_per_mwh": 0.0,
        "initial_soc_frac": 0.0,
        "final_soc": "free",
        **fields,
    }


def small_scenario(
    prices_usd_per_mwh: Sequence[float],
    assets: list[dict[str, Any]],
    *,
    timestep_min: int = 60,
    hashprice_usd_per_ths_day: float | None = 0.05,
    start: str = "2024-06-03T00:00:00+00:00",
    **patch: Any,
) -> Scenario:
    """A scenario with inline prices on a UTC horizon of ``len(prices)`` intervals.

    ``patch`` is deep-merged into the scenario mapping (e.g. ``site={...}``). An ASIC
    fleet that does not state its ``pue`` gets ``pue: 1.0`` (miners alone): the
    hand-computed test sites count the miners' power only unless they say otherwise
    (a scenario file's fleet takes its cooling default instead).
    """
    n = len(prices_usd_per_mwh)
    import pandas as pd

    t0 = pd.Timestamp(start)
    end = t0 + pd.Timedelta(minutes=timestep_min * n)
    data: dict[str, Any] = {
        "name": "small",
        "site": {"import_limit_mw": 1000.0},
        "horizon": {
            "start": t0.isoformat(),
            "end": end.isoformat(),
            "timestep_min": timestep_min,
            "timezone": "UTC",
        },
        "energy": {
            "price": {
                "format": "inline",
                "unit": "usd_per_mwh",
                "values": [float(p) for p in prices_usd_per_mwh],
            }
        },
        "assets": [
            {"pue": 1.0, **a} if a.get("type") == "asic_fleet" else a
            for a in copy.deepcopy(assets)
        ],
    }
    if hashprice_usd_per_ths_day is not None:
        data["hashprice"] = {"usd_per_ths_day": hashprice_usd_per_ths_day}
    data = deep_merge(data, patch)
    return scenario_from_dict(data, source="small_scenario")


#: One hourly day of hand prices [USD/MWh] for sized-study tests.
STUDY_DAY_USD_PER_MWH: tuple[float, ...] = (20.0, 60.0, 150.0, 90.0) * 6


def s21_study(capex_usd_per_th: float = 6.0, **study: Any) -> Scenario:
    """A 2-yr study (from 2027, 10 %/yr, no tax) sizing an S21 fleet up to 5 MW.

    One hourly day of :data:`STUDY_DAY_USD_PER_MWH`, hashprice 0.1 USD/TH/s/day,
    the fleet's life 3 yr (longer than the study: no replacement) at
    ``capex_usd_per_th``; ``study`` replaces fields of the study block (e.g.
    ``bitcoin=``, ``salvage=``).
    """
    fleet = s21_fleet(
        hashrate_curve="linear",
        size={"max_mw": 5.0, "life_yr": 3, "capex_usd_per_th": capex_usd_per_th},
    )
    return small_scenario(
        STUDY_DAY_USD_PER_MWH,
        [fleet],
        hashprice_usd_per_ths_day=0.1,
        study={
            "discount_frac_per_yr": 0.1,
            "analysis_yr": 2,
            "start_year": 2027,
            "federal_tax_frac": 0.0,
            "breakeven_btc_price": False,
            "bitcoin": BITCOIN_2027,
        }
        | study,
    )


def assert_balance_closes(results: Results, tol_mw: float = 1e-6) -> None:
    """Import − export equals the sum of asset net loads in every interval."""
    ts = results.timeseries
    export = ts.get("site.grid_export_mw", 0.0)
    asset_ids = list(results.summary["assets"])
    net = sum(ts[f"{a}.net_load_mw"] for a in asset_ids)
    residual = (ts["site.grid_import_mw"] - export - net).abs()
    worst = float(residual.max())
    assert worst <= tol_mw, f"balance residual {worst} MW at {residual.idxmax()}"


def assert_soc_consistent(
    results: Results,
    battery_id: str,
    *,
    charge_eff_frac: float,
    discharge_eff_frac: float,
    self_discharge_frac_per_h: float = 0.0,
    initial_mwh: float | None = None,
    tol_mwh: float = 1e-6,
) -> None:
    """The stored energy follows the charge/discharge record interval by interval."""
    ts = results.timeseries
    dt = ts["site.timestep_h"].to_numpy()
    c = ts[f"{battery_id}.charge_mw"].to_numpy()
    d = ts[f"{battery_id}.discharge_mw"].to_numpy()
    s = ts[f"{battery_id}.soc_mwh"].to_numpy()
    prev = np.concatenate(([s[0] if initial_mwh is None else initial_mwh], s[:-1]))
    expected = (
        prev * (1 - self_discharge_frac_per_h * dt)
        + (charge_eff_frac * c - d / discharge_eff_frac) * dt
    )
    if initial_mwh is None:
        expected, s = expected[1:], s[1:]
    worst = float(np.abs(expected - s).max())
    assert worst <= tol_mwh, f"state of charge drifts by {worst} MWh"
