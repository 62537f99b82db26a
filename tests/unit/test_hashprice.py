"""Hashprice and the value of hashing (domain.md §1.2, §1.5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.inputs import hashprice_series, subsidy_btc
from grid_flex.schema.scenario import Hashprice, HashpriceDerivation


@pytest.mark.parametrize(
    ("efficiency", "expected"),
    [(17.5, 105.0), (13.5, 136.0), (21.5, 85.0), (29.5, 62.0)],
)
def test_value_of_hashing_matches_domain_table(efficiency, expected):
    # domain.md §1.5: HP 0.045 USD/TH/day, 2 % pool fee.
    assert mining_value_usd_per_mwh(0.045, efficiency, 0.02) == pytest.approx(
        expected, abs=0.6
    )


def test_derived_hashprice_matches_the_late_2025_check():
    # domain.md §1.2: P = 91k USD, D = 152 T, S + F = 3.15 BTC -> 0.038 USD/TH/day.
    index = pd.date_range("2025-11-01", periods=3, freq="h", tz="UTC")
    hp = Hashprice(
        derive=HashpriceDerivation(
            btc_price_usd=91_000, difficulty=152e12, fees_btc_per_block=0.025
        )
    )
    values = hashprice_series(hp, ".", index)
    by_hand = 3.15 * 86_400 / (152 * 2**32) * 91_000  # the 1e12 of TH cancels D's T
    np.testing.assert_allclose(values, by_hand, rtol=1e-12)
    np.testing.assert_allclose(values, 0.038, atol=0.0005)


def test_network_hashrate_gives_the_same_hashprice_as_difficulty():
    index = pd.date_range("2025-11-01", periods=2, freq="h", tz="UTC")
    difficulty = 152e12
    hashrate_ehs = difficulty * 2**32 / 600 / 1e18  # H = D * 2^32 / 600
    by_d = HashpriceDerivation(btc_price_usd=91_000, difficulty=difficulty)
    by_h = HashpriceDerivation(btc_price_usd=91_000, network_hashrate_ehs=hashrate_ehs)
    a = hashprice_series(Hashprice(derive=by_d), ".", index)
    b = hashprice_series(Hashprice(derive=by_h), ".", index)
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_subsidy_halves_on_the_halving_date():
    index = pd.date_range("2024-04-19", "2024-04-21", freq="12h", tz="UTC")
    d = HashpriceDerivation(btc_price_usd=60_000, difficulty=80e12)
    np.testing.assert_allclose(subsidy_btc(index, d), [6.25, 6.25, 3.125, 3.125, 3.125])
    np.testing.assert_allclose(
        subsidy_btc(pd.DatetimeIndex([pd.Timestamp("2020-05-11", tz="UTC")]), d), 6.25
    )
