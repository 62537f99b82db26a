"""Hashprice path over 25 years hourly and a 25-year pro forma with metrics.

Run: ``python benchmarks/bench_hashprice.py`` (prints the in-process seconds).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from grid_flex import bitcoin, finance

YEARS = range(2026, 2051)


def main() -> None:
    index = pd.date_range(
        "2026-01-01", "2051-01-01", freq="h", tz="UTC", inclusive="left"
    )
    t0 = time.perf_counter()
    path = bitcoin.hashprice_path(
        index,
        btc_price_usd={y: 100_000.0 * 1.1 ** (y - 2026) for y in YEARS},
        difficulty_start=150e12,
        difficulty_growth_frac_per_yr={y: 0.3 for y in YEARS},
        fees_btc_per_block=0.03,
    )
    t1 = time.perf_counter()
    n = len(YEARS)
    ops = pd.DataFrame(
        {
            "mining_revenue_usd": np.linspace(9e6, 3e6, n),
            "energy_cost_usd": 4e6,
            "fixed_om_usd": 5e5,
        },
        index=pd.RangeIndex(1, n + 1),
    )
    capex = finance.with_replacements(
        pd.DataFrame({"year": [0], "amount_usd": [2e7], "life_yr": [4]}), n
    )
    pf = finance.proforma(ops, capex, discount_frac_per_yr=0.12, state_tax_frac=0.0075)
    m = finance.metrics(pf)
    t2 = time.perf_counter()
    print(
        f"hashprice path: {len(index):,} intervals in {t1 - t0:.3f} s "
        f"({len(path.assumptions)} assumptions); pro forma + metrics "
        f"({n} yr, {len(capex)} purchases): {t2 - t1:.3f} s; NPV {m['npv_usd']:,.0f}"
    )


if __name__ == "__main__":
    main()
