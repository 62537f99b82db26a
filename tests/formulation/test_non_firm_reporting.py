"""The reported upward flexibility counts the non-firm part of the connection."""

from __future__ import annotations

import numpy as np
import pytest

from grid_flex.api import run
from grid_flex.testing import s21_fleet, small_scenario

pytestmark = pytest.mark.solver

FLEET = s21_fleet(power_mw=1.0)
#: The non-firm part is curtailed (nothing left) in hour 3.
CURTAILED = {
    "periods": [
        {"start": "2024-06-03T03:00:00+00:00", "end": "2024-06-03T04:00:00+00:00"}
    ]
}
NON_FIRM = {
    "min_mw": 1.0,
    "max_mw": 1.0,
    "capex_usd_per_kw": 0.0,
    "life_yr": 1,
    "curtailed": CURTAILED,
}


def test_flexible_up_counts_the_non_firm_part_where_it_is_available() -> None:
    # Firm 0.2 MW + a fixed 1 MW non-firm offer, a 1 MW S21 fleet. Hashing is worth
    # 119.05 USD/MWh at hashprice 0.05: off at 200 USD/MWh (hour 1), on at 30.
    # Hour 1: import 0, the connection allows 1.2 MW -> 1.0 MW more (the fleet's
    # capacity caps the site's own headroom). Hour 3: curtailed, only the firm
    # 0.2 MW, imported in full -> 0. The same site with a firm 1.2 MW agrees
    # outside the curtailed hour.
    prices = [30.0, 200.0, 30.0, 30.0]
    non_firm = small_scenario(
        prices,
        [FLEET],
        hashprice_usd_per_ths_day=0.05,
        site={"import_limit_mw": 0.2, "non_firm": NON_FIRM},
    )
    firm = small_scenario(
        prices, [FLEET], hashprice_usd_per_ths_day=0.05, site={"import_limit_mw": 1.2}
    )
    up = run(non_firm).timeseries["site.flexible_up_mw"].to_numpy()
    up_firm = run(firm).timeseries["site.flexible_up_mw"].to_numpy()
    np.testing.assert_allclose(up, [0.0, 1.0, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(up[:3], up_firm[:3], atol=1e-9)
