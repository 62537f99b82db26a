"""Hashprice and the value of hashing (domain.md §1.2, §1.5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError
from grid_flex.inputs import hashprice_series, prepare_inputs
from grid_flex.schema.scenario import Hashprice, HashpriceDerivation
from grid_flex.testing import small_scenario


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


def test_subsidy_halves_at_the_halving_block_not_at_midnight():
    # Block 840,000 at 2024-04-20T00:09:27Z: the 12-hour interval starting at
    # 00:00 holds 9 min 27 s of 6.25 BTC and the rest at 3.125 BTC (the old date
    # schedule switched at 00:00 UTC).
    index = pd.date_range("2024-04-19", "2024-04-21", freq="12h", tz="UTC")
    d = HashpriceDerivation(btc_price_usd=60_000, difficulty=80e12)
    hp = hashprice_series(Hashprice(derive=d), ".", index)
    per_subsidy = 86_400 / (80 * 2**32) * 60_000  # USD/TH/day per BTC of reward
    w = 567 / 43_200
    np.testing.assert_allclose(
        hp / per_subsidy,
        [6.25, 6.25, w * 6.25 + (1 - w) * 3.125, 3.125, 3.125],
        rtol=1e-12,
    )


def _derive_scenario(start, n, timestep_min=60, **derive):
    return small_scenario(
        [30.0] * n,
        [{"type": "asic_fleet", "id": "f", "model": "asic/antminer_s21", "count": 10}],
        timestep_min=timestep_min,
        hashprice_usd_per_ths_day=None,
        start=start,
        hashprice={"derive": {"btc_price_usd": 100_000.0, **derive}},
    )


def test_scenario_across_the_2028_halving_switches_at_the_projected_time():
    # 2028-04-17, hourly, tau = 600 s: block 1,050,000 expected at 08:09:27.
    sc = _derive_scenario("2028-04-17T00:00:00+00:00", 24, difficulty=200e12)
    inputs = prepare_inputs(sc)
    hp = inputs.hashprice_usd_per_ths_day
    per_btc = 86_400 / (200 * 2**32) * 100_000
    np.testing.assert_allclose(hp[:8], 3.125 * per_btc, rtol=1e-12)
    np.testing.assert_allclose(hp[9:], 1.5625 * per_btc, rtol=1e-12)
    assert 1.5625 * per_btc < hp[8] < 3.125 * per_btc
    text = " ".join(inputs.assumptions)
    assert "projected" in text
    assert "1,050,000 expected 2028-04-17T08:09:27Z" in text


def test_difficulty_growth_sets_the_block_interval_and_grows_difficulty():
    # g = 35 %/yr: difficulty x 1.35 after 365.25 days; tau = 593.1 s moves the
    # 2028 halving to 2028-03-31. Hourly from 2028-03-01 for 45 days.
    sc = _derive_scenario(
        "2028-03-01T00:00:00+00:00",
        45 * 24,
        difficulty=150e12,
        difficulty_growth_frac_per_yr=0.35,
        difficulty_at="2027-01-01T00:00:00Z",
    )
    inputs = prepare_inputs(sc)
    hp = pd.Series(inputs.hashprice_usd_per_ths_day, index=inputs.index)
    years = pd.Timestamp("2028-03-01", tz="UTC") - pd.Timestamp("2027-01-01", tz="UTC")
    grown = 150e12 * 1.35 ** (years / pd.Timedelta(days=365.25))
    first = 3.125 * 86_400e12 / (grown * 2**32) * 100_000
    assert hp.iloc[0] == pytest.approx(first, rel=1e-9)
    daily = hp.resample("D").mean()
    before = daily[:"2028-03-30"].pct_change().dropna()
    assert (before < 0).all()  # difficulty growth only: a little lower every day
    assert (before > -0.001).all()
    assert daily["2028-04-01"] < 0.51 * daily["2028-03-30"]  # subsidy halved
    assert "35 %/yr" in " ".join(inputs.assumptions)
    assert "2028-03-31" in " ".join(inputs.assumptions)


def test_difficulty_and_fees_as_series():
    # Two hours: difficulty 100 T then 200 T (unit t_difficulty), fees 0.1 then
    # 10,000,000 sat (= 0.1 BTC).
    sc = _derive_scenario(
        "2025-06-01T00:00:00+00:00",
        2,
        difficulty={"format": "inline", "unit": "t_difficulty", "values": [100, 200]},
        fees_btc_per_block={
            "format": "inline",
            "unit": "sat_per_block",
            "values": [1e7, 1e7],
        },
    )
    hp = prepare_inputs(sc).hashprice_usd_per_ths_day
    # T17: P = 100k, D = 100 T, S + F = 3.225 -> 0.064876 USD/TH/day
    np.testing.assert_allclose(hp, [0.064876, 0.064876 / 2], atol=1e-6)


def test_growth_with_a_difficulty_series_is_rejected():
    with pytest.raises(ScenarioError, match="difficulty series already carries"):
        _derive_scenario(
            "2025-06-01T00:00:00+00:00",
            1,
            difficulty={"format": "inline", "unit": "difficulty", "values": [1e14]},
            difficulty_growth_frac_per_yr=0.2,
        )


def test_difficulty_series_with_a_wrong_unit_is_named():
    sc = _derive_scenario(
        "2025-06-01T00:00:00+00:00",
        1,
        difficulty={"format": "inline", "unit": "usd_per_btc", "values": [1e14]},
    )
    with pytest.raises(Exception, match=r"hashprice\.derive\.difficulty"):
        prepare_inputs(sc)


def test_historical_horizon_records_no_projection():
    sc = _derive_scenario("2023-06-01T00:00:00+00:00", 3, difficulty=50e12)
    assert prepare_inputs(sc).assumptions == ()


def test_a_given_hashprice_across_a_halving_is_stated_not_silently_kept():
    sc = small_scenario(
        [30.0] * 24,
        [{"type": "asic_fleet", "id": "f", "model": "asic/antminer_s21", "count": 10}],
        start="2028-04-17T00:00:00+00:00",
        hashprice_usd_per_ths_day=0.05,
    )
    notes = prepare_inputs(sc).assumptions
    assert len(notes) == 1
    assert "1,050,000 (expected 2028-04-17T08:09:27Z)" in notes[0]
    assert "constant hashprice given is used as is, not halved" in notes[0]
    quiet = small_scenario(
        [30.0] * 3,
        [{"type": "asic_fleet", "id": "f", "model": "asic/antminer_s21", "count": 10}],
    )
    assert prepare_inputs(quiet).assumptions == ()
