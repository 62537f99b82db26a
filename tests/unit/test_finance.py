"""Finance functions against the vectors of finance.md §4 and hand-worked cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grid_flex import finance as fin
from grid_flex.errors import FinanceInputError, InputError

T4 = [-1000.0, 300.0, 400.0, 500.0, 200.0]
T7 = [-1000.0, 2300.0, -1320.0]


# ---- T1–T3, T19, T20: annuity factors ------------------------------------------------
@pytest.mark.parametrize(
    ("rate", "life", "expected"),
    [(0.08, 10, 0.149029), (0.0, 5, 0.2), (0.10, 5, 0.263797)],
    ids=["T1", "T2", "T3"],
)
def test_crf_vectors(rate, life, expected):
    assert fin.crf(rate, life) == pytest.approx(expected, abs=1e-6)


def test_crf_t1_inverse_and_zero_rate_exact():
    assert 1.0 / fin.crf(0.08, 10) == pytest.approx(6.710081, abs=1e-6)
    assert fin.crf(0.0, 5) == 0.2  # exactly 1/n, no 0/0


def test_crf_is_continuous_at_zero_rate():
    assert fin.crf(1e-9, 7) == pytest.approx(1 / 7, rel=1e-7)


def test_level_pwf_is_inverse_crf():
    for rate, life in [(0.08, 10), (0.0, 5), (0.0564, 25), (-0.02, 4)]:
        assert fin.pwf(rate, life) == pytest.approx(1 / fin.crf(rate, life), rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"escalation_starts_yr": 1}, 7.401285),  # REopt annuity(10, .02, .08)
        ({"escalation_starts_yr": 2}, 7.256162),  # REopt annuity_escalation
    ],
    ids=["T19-annuity", "T19-annuity_escalation"],
)
def test_t19_escalation_timing_is_a_parameter(kwargs, expected):
    assert fin.pwf(0.08, 10, 0.02, **kwargs) == pytest.approx(expected, abs=1e-6)


def test_t20_reopt_annuity_and_levelization():
    assert fin.pwf(0.0564, 25, 0.025) == pytest.approx(17.290744, abs=1e-6)
    assert fin.levelization_factor(0.0564, 25, 0.019, 0.005) == pytest.approx(
        0.950987, abs=1e-6
    )


def test_pwf_equal_escalation_and_discount_is_n():
    # (1+e)/(1+d) = 1 -> each of the n terms is 1 (REopt's special case).
    assert fin.pwf(0.05, 12, 0.05) == pytest.approx(12.0, rel=1e-12)


@pytest.mark.parametrize("rate", [-1.0, -1.5, float("nan"), float("inf")])
def test_crf_rejects_rates_at_or_below_minus_100_percent(rate):
    with pytest.raises(FinanceInputError, match="rate_frac_per_yr"):
        fin.crf(rate, 10)


@pytest.mark.parametrize("life", [0, -3, float("nan")])
def test_crf_rejects_non_positive_life(life):
    with pytest.raises(FinanceInputError, match="life_yr"):
        fin.crf(0.08, life)


def test_finance_errors_are_input_errors_and_value_errors():
    with pytest.raises(InputError):
        fin.npv(T4, -1.0)
    with pytest.raises(ValueError, match="discount_frac_per_yr"):
        fin.npv(T4, -2.0)


# ---- T4–T9: NPV, IRR, MIRR -----------------------------------------------------------
def test_t4_npv():
    assert fin.npv(T4, 0.10) == pytest.approx(115.5659, abs=1e-4)
    assert fin.npv(T4, 0.0) == pytest.approx(400.0, abs=1e-12)


def test_npv_year_zero_undiscounted_and_series_index_is_year_offset():
    # -1000 now, +1100 at the end of year 2 at 10 %: -1000 + 1100/1.21 = -90.909...
    flows = pd.Series({0: -1000.0, 2: 1100.0})
    assert fin.npv(flows, 0.10) == pytest.approx(-1000 + 1100 / 1.21, rel=1e-12)
    assert fin.npv(pd.Series({3: 133.1}), 0.10) == pytest.approx(100.0, rel=1e-12)


def test_npv_rejects_bad_years_and_values():
    with pytest.raises(FinanceInputError, match=r"year offset 1\.5"):
        fin.npv(pd.Series([1.0, 2.0], index=[0, 1.5]), 0.1)
    with pytest.raises(FinanceInputError, match="year 1 is nan"):
        fin.npv([1.0, float("nan")], 0.1)


@pytest.mark.parametrize(
    ("flows", "expected"),
    [(T4, 0.153221), ([-1000.0, 400.0, 400.0, 400.0], 0.097010)],
    ids=["T5", "T6"],
)
def test_irr_vectors(flows, expected):
    out = fin.irr(flows)
    assert out.value == pytest.approx(expected, abs=1e-6)
    assert out.reason == ""
    assert fin.npv(flows, out.value) == pytest.approx(0.0, abs=1e-6)


def test_t6_npv_at_10_percent():
    assert fin.npv([-1000.0, 400.0, 400.0, 400.0], 0.10) == pytest.approx(
        -5.2592, abs=1e-4
    )


def test_t7_irr_not_unique_gives_none_and_points_to_mirr():
    out = fin.irr(T7)
    assert out.value is None
    assert "2 sign changes" in out.reason
    assert "mirr" in out.reason
    assert "10 %" in out.reason
    assert "20 %" in out.reason
    np.testing.assert_allclose(fin.irr_roots(T7), [0.10, 0.20], atol=1e-9)
    assert fin.npv(T7, 0.05) == pytest.approx(-6.8027, abs=1e-4)
    assert fin.npv(T7, 0.15) == pytest.approx(1.8904, abs=1e-4)


def test_irr_of_one_signed_flows_is_none_not_zero():
    out = fin.irr([100.0, 50.0])
    assert out.value is None
    assert "one sign" in out.reason


def test_irr_negative_root_is_reported():
    # -1000 then 100 x 3 never pays back: the unique IRR is negative, not 0.
    out = fin.irr([-1000.0, 100.0, 100.0, 100.0])
    assert out.value is not None
    assert out.value < 0
    assert fin.npv([-1000.0, 100.0, 100.0, 100.0], out.value) == pytest.approx(
        0.0, abs=1e-6
    )


@pytest.mark.parametrize(
    ("flows", "finance_rate", "reinvest_rate", "expected"),
    [
        (T7, 0.10, 0.10, 0.100000),
        (T7, 0.08, 0.12, 0.099287),
        (T4, 0.10, 0.10, 0.130489),
    ],
    ids=["T8a", "T8b", "T9"],
)
def test_mirr_vectors(flows, finance_rate, reinvest_rate, expected):
    out = fin.mirr(flows, finance_rate, reinvest_rate)
    assert out.value == pytest.approx(expected, abs=1e-6)


def test_mirr_by_hand():
    # T9: FV of inflows at 10 % = 300*1.1^3 + 400*1.1^2 + 500*1.1 + 200 = 1733.3;
    # PV of outflows = 1000 -> (1733.3/1000)^(1/4) - 1.
    fv = 300 * 1.1**3 + 400 * 1.1**2 + 500 * 1.1 + 200
    assert fin.mirr(T4, 0.1, 0.1).value == pytest.approx(
        (fv / 1000) ** 0.25 - 1, rel=1e-12
    )


def test_mirr_without_inflows_is_none():
    out = fin.mirr([-1000.0, -5.0], 0.1, 0.1)
    assert out.value is None
    assert "no positive" in out.reason


# ---- T10–T12: payback ----------------------------------------------------------------
def test_t10_simple_payback_interpolates():
    # cum -1000, -700, -300, +200: 2 + 300/500 = 2.6 yr
    assert fin.payback_yr(T4).value == pytest.approx(2.600, abs=1e-12)


def test_t11_discounted_payback():
    # disc. cum -727.27, -396.69, -21.04, +115.57 -> 3 + 21.04/136.60 = 3.154 yr
    assert fin.payback_yr(T4, 0.10).value == pytest.approx(3.154, abs=5e-4)


def test_t12_never_paid_back_is_none_with_reason():
    out = fin.payback_yr([-1000.0, 100.0, 100.0, 100.0])
    assert out.value is None
    assert "never paid back within 3 yr" in out.reason


def test_payback_that_turns_negative_again_is_flagged():
    # cum: -100, 0 (paid back at 1.0), -50 (replacement), +50 -> last crossing 3.5
    out = fin.payback_yr([-100.0, 100.0, -50.0, 100.0])
    assert out.value == pytest.approx(2 + 50 / 100)
    assert "negative again in year 2" in out.reason
    ends_negative = fin.payback_yr([-100.0, 150.0, -80.0])
    assert ends_negative.value is None
    assert "negative again from year 2" in ends_negative.reason


def test_payback_with_no_investment_is_none_not_zero():
    out = fin.payback_yr([0.0, 10.0])
    assert out.value is None
    assert "never negative" in out.reason
