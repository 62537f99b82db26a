"""Bitcoin protocol: subsidy by height, halving times, hashprice (finance.md §1, §4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grid_flex import bitcoin as btc
from grid_flex.errors import FinanceInputError


# ---- subsidy (T21) -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("height", "sat"),
    [
        (0, 5_000_000_000),
        (209_999, 5_000_000_000),
        (210_000, 2_500_000_000),
        (839_999, 625_000_000),
        (840_000, 312_500_000),
        (1_049_999, 312_500_000),
        (1_050_000, 156_250_000),
        (1_260_000, 78_125_000),
        (32 * 210_000, 1),  # 5e9 >> 32 = 1 sat
        (33 * 210_000, 0),
        (64 * 210_000, 0),
        (10**9, 0),
    ],
)
def test_subsidy_sat(height, sat):
    assert btc.subsidy_sat(height) == sat
    assert isinstance(btc.subsidy_sat(height), int)


def test_total_supply_is_just_under_21_million():
    total = sum(
        btc.HALVING_INTERVAL_BLOCKS * btc.subsidy_sat(btc.HALVING_INTERVAL_BLOCKS * k)
        for k in range(70)
    )
    assert total == 2_099_999_997_690_000  # sat, the known limit


def test_subsidy_array_matches_scalar():
    heights = np.array([0, 209_999, 210_000, 839_999, 840_000, 33 * 210_000, 10**9])
    assert btc.subsidy_sat_array(heights).tolist() == [
        btc.subsidy_sat(int(h)) for h in heights
    ]


def test_subsidy_rejects_negative_height():
    with pytest.raises(FinanceInputError, match="height = -1"):
        btc.subsidy_sat(-1)


# ---- block times (T22) -------------------------------------------------------------
def test_t22_halving_2028_at_600_s():
    assert btc.block_time(1_050_000) == pd.Timestamp("2028-04-17T08:09:27Z")
    assert btc.block_time(1_260_000) == pd.Timestamp("2032-04-14T16:09:27Z")


@pytest.mark.parametrize(
    ("tau", "day_2028", "day_2032"),
    [
        (595, "2028-04-05", "2032-03-21"),
        (590, "2028-03-24", "2032-02-26"),
        (580, "2028-02-28", "2032-01-08"),
        (570, "2028-02-04", "2031-11-20"),
    ],
)
def test_halving_dates_follow_the_mean_block_interval(tau, day_2028, day_2032):
    # finance.md §1.2 table: t(H) = t(840000) + (H - 840000) * tau
    a = btc.ChainAnchor(mean_block_interval_s=tau)
    assert str(btc.block_time(1_050_000, a).date()) == day_2028
    assert str(btc.block_time(1_260_000, a).date()) == day_2032


def test_recorded_halvings_are_kept():
    assert btc.block_time(630_000) == pd.Timestamp("2020-05-11T19:23:43Z")
    past = btc.halving_times(
        pd.Timestamp("2012-01-01", tz="UTC"), pd.Timestamp("2025-01-01", tz="UTC")
    )
    assert past["height"].tolist() == [210_000, 420_000, 630_000, 840_000]
    assert not past["projected"].any()


@pytest.mark.parametrize(("g", "tau"), [(0.20, 595.8), (0.35, 593.1), (0.50, 590.7)])
def test_mean_block_interval_from_growth(g, tau):
    assert btc.mean_block_interval_s(g) == pytest.approx(tau, abs=0.05)


def test_block_height_is_the_inverse_of_block_time():
    a = btc.ChainAnchor(mean_block_interval_s=593.0)
    heights = [500_000, 840_000, 1_000_000, 1_470_000]
    times = pd.DatetimeIndex([btc.block_time(h, a) for h in heights])
    np.testing.assert_allclose(btc.block_height_at(times, a), heights, atol=1e-3)


# ---- subsidy over time -------------------------------------------------------------
def test_subsidy_switches_at_the_projected_time_of_the_2028_halving():
    # Hourly across 2028-04-17: the halving block is expected at 08:09:27 (600 s),
    # not at 00:00. The 08:00 hour holds 9.45 min of 3.125 and 50.55 min of 1.5625.
    index = pd.date_range("2028-04-17", periods=24, freq="h", tz="UTC")
    s = btc.subsidy_btc_per_block(index)
    assert (s.iloc[:8] == 3.125).all()
    assert (s.iloc[9:] == 1.5625).all()
    before = (9 * 60 + 27) / 3600
    assert s.iloc[8] == pytest.approx(before * 3.125 + (1 - before) * 1.5625)


def test_subsidy_with_faster_blocks_switches_earlier():
    # tau = 590 s: expected 2028-03-24, so all of 2028-04-17 is at 1.5625
    index = pd.date_range("2028-04-17", periods=24, freq="h", tz="UTC")
    a = btc.ChainAnchor(mean_block_interval_s=590.0)
    assert (btc.subsidy_btc_per_block(index, a) == 1.5625).all()


def test_subsidy_is_remembered_per_horizon_and_anchor():
    # A sweep derives hashprice on one horizon case after case: the second call
    # is the remembered path, equal to the first, and unaffected by a caller who
    # changed the first result; another anchor or horizon is computed afresh.
    index = pd.date_range("2028-04-17", periods=24, freq="h", tz="UTC")
    first = btc.subsidy_btc_per_block(index)
    expected = first.copy()
    first.iloc[:] = 0.0
    pd.testing.assert_series_equal(btc.subsidy_btc_per_block(index), expected)
    fast = btc.subsidy_btc_per_block(index, btc.ChainAnchor(mean_block_interval_s=590))
    assert (fast == 1.5625).all()
    later = btc.subsidy_btc_per_block(index + pd.Timedelta(days=365))
    assert (later == 1.5625).all()
    assert len(btc._SUBSIDY_SAT) <= btc._SUBSIDY_KEPT


def test_subsidy_on_the_2024_halving_uses_the_recorded_block_time():
    index = pd.date_range("2024-04-19T23:00", periods=3, freq="h", tz="UTC")
    s = btc.subsidy_btc_per_block(index)
    w = (9 * 60 + 27) / 3600  # 00:09:27
    np.testing.assert_allclose(s, [6.25, w * 6.25 + (1 - w) * 3.125, 3.125])


# ---- hashprice (T17, T18) ----------------------------------------------------------
def test_t17_hashprice():
    # 2025: subsidy 3.125, fees 0.1, P = 100k, D = 100 T
    index = pd.date_range("2025-06-01", periods=3, freq="h", tz="UTC")
    hp = btc.hashprice_usd_per_ths_day(index, 100_000.0, 100e12, 0.1)
    np.testing.assert_allclose(hp, 0.064876, atol=1e-6)
    hp_btc = btc.hashprice_btc_per_ths_day(3.225, 100e12)
    assert float(hp_btc) == pytest.approx(6.487593e-7, rel=1e-6)


def test_t18_hashprice_late_2025():
    index = pd.date_range("2025-11-01", periods=2, freq="h", tz="UTC")
    hp = btc.hashprice_usd_per_ths_day(index, 91_000.0, 152e12, 0.025)
    np.testing.assert_allclose(hp, 0.037937, atol=1e-6)


def test_hashprice_takes_series_for_every_input():
    index = pd.date_range("2025-11-01", periods=48, freq="h", tz="UTC")
    daily = pd.date_range("2025-11-01", periods=2, freq="D", tz="UTC")
    difficulty = pd.Series([152e12, 2 * 152e12], index=daily)  # doubles on day 2
    price = pd.Series(np.full(48, 91_000.0), index=index)
    fees = np.full(48, 0.025)
    hp = btc.hashprice_usd_per_ths_day(index, price, difficulty, fees)
    np.testing.assert_allclose(hp.iloc[:24], 0.037937, atol=1e-6)
    np.testing.assert_allclose(hp.iloc[24:], 0.037937 / 2, atol=1e-6)


def test_hashprice_rejects_a_series_that_starts_late():
    index = pd.date_range("2025-11-01", periods=3, freq="h", tz="UTC")
    late = pd.Series([1e14], index=pd.DatetimeIndex(["2025-11-02"], tz="UTC"))
    with pytest.raises(FinanceInputError, match="difficulty: starts"):
        btc.hashprice_usd_per_ths_day(index, 1e5, late)


# ---- difficulty and multi-year paths -----------------------------------------------
def test_difficulty_constant_growth():
    index = pd.DatetimeIndex(["2026-01-01", "2027-01-01T06:00"], tz="UTC")
    d = btc.difficulty_path(index, 100e12, 0.35)
    # 2026-01-01 -> 2027-01-01T06:00 is 365.25 days = exactly one year
    np.testing.assert_allclose(d, [100e12, 135e12], rtol=1e-12)


def test_difficulty_growth_per_calendar_year():
    index = pd.DatetimeIndex(["2026-01-01", "2027-01-01", "2028-01-01"], tz="UTC")
    d = btc.difficulty_path(index, 100e12, {2026: 0.5, 2027: 0.2, 2028: 0.0})
    # 365 of 365.25 days at each year's rate
    f = 365 / 365.25
    np.testing.assert_allclose(
        d, [100e12, 100e12 * 1.5**f, 100e12 * 1.5**f * 1.2**f], rtol=1e-12
    )
    with pytest.raises(FinanceInputError, match="no value for 2027"):
        btc.difficulty_path(index, 100e12, {2026: 0.5, 2028: 0.0})


def test_hashprice_path_through_the_2028_halving():
    index = pd.date_range(
        "2027-01-01", "2030-01-01", freq="D", tz="UTC", inclusive="left"
    )
    path = btc.hashprice_path(
        index,
        btc_price_usd={2027: 100_000.0, 2028: 120_000.0, 2029: 150_000.0},
        difficulty_start=150e12,
        difficulty_growth_frac_per_yr=0.35,
        fees_btc_per_block=0.03,
    )
    f = path.frame
    # identity: HP = (S + F) * 86400e12 / (D * 2^32) * P on every interval
    by_hand = (
        (f["subsidy_btc_per_block"] + f["fees_btc_per_block"])
        * 86_400e12
        / (f["difficulty"] * 2**32)
        * f["btc_price_usd"]
    )
    np.testing.assert_allclose(path.hashprice_usd_per_ths_day, by_hand, rtol=1e-12)
    # halving projected at tau = 600/1.35^(14/365) = 593.1 s, i.e. on 2028-03-31
    halving = btc.block_time(1_050_000, btc.ChainAnchor(mean_block_interval_s=593.133))
    assert str(halving.date()) == "2028-03-31"
    day = f.index.get_loc(pd.Timestamp("2028-03-31", tz="UTC"))
    assert f["subsidy_btc_per_block"].iloc[day - 1] == 3.125
    assert 1.5625 < f["subsidy_btc_per_block"].iloc[day] < 3.125
    assert f["subsidy_btc_per_block"].iloc[day + 1] == 1.5625
    text = " ".join(path.assumptions)
    assert "halving at block 1,050,000 expected 2028-03-31" in text
    assert "593.1 s" in text
    assert "35 %/yr" in text


def test_hashprice_path_past_the_data_is_an_error_not_a_guess():
    index = pd.date_range("2028-12-31", periods=3, freq="D", tz="UTC")
    with pytest.raises(FinanceInputError, match="btc_price_usd has no value for 2029"):
        btc.hashprice_path(
            index,
            btc_price_usd={2028: 1e5},
            difficulty_start=1e14,
            difficulty_growth_frac_per_yr=0.2,
        )


def test_no_projection_assumption_for_a_historical_horizon():
    index = pd.date_range("2023-01-01", periods=24, freq="h", tz="UTC")
    assert btc.projection_assumptions(index) == []
    later = pd.date_range("2031-12-01", periods=24 * 200, freq="h", tz="UTC")
    notes = btc.projection_assumptions(later)
    assert "projected" in notes[0]
    assert any("1,260,000" in n for n in notes)


def test_projection_without_halving_states_only_the_block_interval():
    index = pd.date_range("2025-11-01", periods=3, freq="h", tz="UTC")
    notes = btc.projection_assumptions(index)
    assert len(notes) == 1
    assert "840,000 (2024-04-20T00:09:27Z)" in notes[0]


def test_re_anchoring_on_a_later_block():
    # anchor 900,000 at 2025-05-01T00:00Z, tau = 600 s: block 1,050,000 comes
    # 150,000 x 600 s = 1041 days 16 h later.
    t = pd.Timestamp("2025-05-01T00:00:00Z")
    a = btc.ChainAnchor(900_000, t, 600.0)
    assert btc.block_time(1_050_000, a) == t + pd.Timedelta(seconds=150_000 * 600)
    # heights between 840,000 and the anchor are interpolated between recorded times
    assert btc.block_time(840_000, a) == pd.Timestamp("2024-04-20T00:09:27Z")


def test_anchor_before_a_recorded_halving_is_refused():
    a = btc.ChainAnchor(900_000, pd.Timestamp("2023-01-01T00:00:00Z"), 600.0)
    with pytest.raises(FinanceInputError, match="not after recorded block 840,000"):
        btc.block_time(1_050_000, a)
