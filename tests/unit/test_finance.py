"""Finance functions against the vectors of finance.md §4 and hand-worked cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grid_flex import finance as fin
from grid_flex.errors import FinanceInputError, InputError

T4 = [-1000.0, 300.0, 400.0, 500.0, 200.0]
T7 = [-1000.0, 2300.0, -1320.0]


# ---- T1–T3, T19, T20: annuity factors ----------------------------------------------
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


# ---- T4–T9: NPV, IRR, MIRR ---------------------------------------------------------
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


# ---- T10–T12: payback --------------------------------------------------------------
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


# ---- T13–T16: depreciation ---------------------------------------------------------
def test_t13_macrs_5yr():
    dep = fin.macrs_usd(1_000_000, "5yr_hy")
    np.testing.assert_allclose(
        dep, [200_000, 320_000, 192_000, 115_200, 115_200, 57_600], atol=1e-6
    )
    assert list(dep.index) == [1, 2, 3, 4, 5, 6]


def test_t14_macrs_5yr_with_40_percent_bonus():
    dep = fin.macrs_usd(1_000_000, "5yr_hy", bonus_frac=0.4)
    np.testing.assert_allclose(
        dep, [520_000, 192_000, 115_200, 69_120, 69_120, 34_560], atol=1e-6
    )


def test_t15_pv_of_tax_shield():
    dep = fin.macrs_usd(1_000_000, "5yr_hy")
    assert fin.npv(0.21 * dep, 0.08) == pytest.approx(170_378.42, abs=0.01)


def test_t16_itc_basis_reduction():
    assert fin.depreciable_basis_usd(1_000_000, itc_frac=0.30) == pytest.approx(850_000)


@pytest.mark.parametrize("table", ["5yr_hy", "7yr_hy", "5yr_mq4"])
@pytest.mark.parametrize("bonus", [0.0, 0.4, 1.0])
def test_macrs_tables_sum_to_the_basis(table, bonus):
    assert fin.macrs_usd(123_456.0, table, bonus).sum() == pytest.approx(
        123_456.0, rel=1e-12
    )


def test_macrs_mid_quarter_first_year_is_5_percent():
    assert fin.macrs_usd(1000.0, "5yr_mq4").iloc[:2].tolist() == pytest.approx(
        [50.0, 380.0]
    )


def test_unknown_macrs_table_is_named():
    with pytest.raises(FinanceInputError, match="macrs = '3yr'"):
        fin.macrs_usd(1.0, "3yr")


# ---- salvage and replacement -------------------------------------------------------
def test_linear_salvage():
    assert fin.linear_salvage_usd(1000.0, 5, 2) == pytest.approx(600.0)
    assert fin.linear_salvage_usd(1000.0, 5, 7) == 0.0


def test_replacement_years():
    assert fin.replacement_years(0, 3, 10) == [3, 6, 9]
    assert fin.replacement_years(0, 5, 10) == [5]  # life ends at 10: not replaced
    assert fin.replacement_years(2, 20, 10) == []


def test_with_replacements_scales_cost():
    capex = pd.DataFrame({"year": [0], "amount_usd": [1000.0], "life_yr": [2]})
    out = fin.with_replacements(capex, 5, cost_change_frac_per_yr=-0.10)
    assert out["year"].tolist() == [0, 2, 4]
    np.testing.assert_allclose(out["amount_usd"], [1000.0, 810.0, 656.1])
    assert out["replacement"].tolist() == [False, True, True]


def test_with_replacements_books_a_fractional_life_on_its_true_times():
    # 2.5-yr life, N = 5: bought at 0 and 2.5 (booked at the end of year 3, the year it
    # falls in); the second serves to 5.0 exactly: no third purchase, no salvage
    capex = pd.DataFrame({"year": [0], "amount_usd": [1000.0], "life_yr": [2.5]})
    out = fin.with_replacements(capex, 5)
    assert out["year"].tolist() == [0, 3]
    assert out["life_yr"].tolist() == [3, 2]  # booked 0..3, 3..5
    assert "salvage_usd" not in out  # none left at N: the default applies (0)
    # N = 6: a third purchase at 5.0 (year 5), 1 yr old at N: (2.5 - 1) / 2.5 left;
    # with a cost change of -10 %/yr it costs 1000 · 0.9^5
    out = fin.with_replacements(capex, 6, cost_change_frac_per_yr=-0.10)
    assert out["year"].tolist() == [0, 3, 5]
    np.testing.assert_allclose(out["amount_usd"], [1000.0, 1000 * 0.9**2.5, 590.49])
    assert out["salvage_usd"].iloc[-1] == pytest.approx(590.49 * 1.5 / 2.5)
    assert out["replacement"].tolist() == [False, True, True]
    # 1.5-yr life, N = 3: bought at 0 and 1.5 (year 2), which serves to 3.0 exactly
    capex["life_yr"] = 1.5
    assert fin.with_replacements(capex, 3)["year"].tolist() == [0, 2]
    # salvage "none": nothing left of the one in service at N
    out = fin.with_replacements(capex.assign(life_yr=2.5), 3, salvage="none")
    assert out["salvage_usd"].iloc[-1] == 0.0
    with pytest.raises(FinanceInputError, match="under one year"):
        fin.with_replacements(capex.assign(life_yr=0.5), 3)


def test_proforma_writes_off_a_purchase_in_the_last_year():
    # bought at year N = 2 and sold there for 400: taxable 400 - 1000 = -600
    capex = pd.DataFrame(
        {"year": [2], "amount_usd": [1000.0], "life_yr": [3], "salvage_usd": [400.0]}
    )
    pf = fin.proforma(_ops(2), capex, discount_frac_per_yr=0.0, federal_tax_frac=0.5)
    assert pf["depreciation_usd"].tolist() == [0.0, 0.0, 1000.0]
    assert pf["federal_tax_usd"].iloc[-1] == pytest.approx(300.0)


# ---- pro forma ---------------------------------------------------------------------
def _ops(n, **cols):
    return pd.DataFrame(
        {k: [v] * n for k, v in cols.items()}, index=pd.RangeIndex(1, n + 1)
    )


def test_proforma_without_tax_by_hand():
    # capex 1000 at year 0, life 6, N = 3: linear salvage 1000 * 3/6 = 500 at year 3.
    # Operating 500 - 100 = 400 a year. Net: -1000, 400, 400, 900.
    pf = fin.proforma(
        _ops(3, mining_revenue_usd=500.0, energy_cost_usd=100.0),
        pd.DataFrame({"year": [0], "amount_usd": [1000.0], "life_yr": [6]}),
        discount_frac_per_yr=0.10,
        federal_tax_frac=0.0,
    )
    np.testing.assert_allclose(pf["net_cash_flow_usd"], [-1000, 400, 400, 900])
    np.testing.assert_allclose(pf["energy_cost_usd"], [0, -100, -100, -100])
    by_hand = -1000 + 400 / 1.1 + 400 / 1.21 + 900 / 1.331
    assert pf["cumulative_discounted_usd"].iloc[-1] == pytest.approx(by_hand)
    assert fin.metrics(pf)["npv_usd"] == pytest.approx(by_hand)


def test_proforma_tax_with_depreciation_and_write_off():
    # 5-yr MACRS on 1000, life 3 = N: depreciation 200, 320, 192 + write-off 288.
    # Taxable 400 - dep = 200, 80, -80; at 21 % (loss offsets other income):
    # tax 42, 16.8, -16.8 -> net -1000, 358, 383.2, 416.8.
    pf = fin.proforma(
        _ops(3, mining_revenue_usd=400.0),
        pd.DataFrame(
            {"year": [0], "amount_usd": [1000.0], "life_yr": [3], "macrs": ["5yr_hy"]}
        ),
        discount_frac_per_yr=0.08,
    )
    np.testing.assert_allclose(pf["depreciation_usd"], [0, 200, 320, 480])
    np.testing.assert_allclose(pf["federal_tax_usd"], [0, -42, -16.8, 16.8])
    np.testing.assert_allclose(pf["net_cash_flow_usd"], [-1000, 358, 383.2, 416.8])
    assert pf["salvage_usd"].sum() == 0.0
    # every USD of basis is deducted once
    assert pf["depreciation_usd"].sum() == pytest.approx(1000.0)


def test_proforma_carry_forward_losses():
    # 100 % bonus on 1000: taxable -600, 400, 400. Carry forward, 80 % cap:
    # y2 uses 320 of 600 -> tax .21*80 = 16.8; y3 uses the 280 left -> .21*120 = 25.2.
    args = (
        _ops(3, mining_revenue_usd=400.0),
        pd.DataFrame(
            {"year": [0], "amount_usd": [1000.0], "life_yr": [3], "bonus_frac": [1.0]}
        ),
    )
    cf = fin.proforma(*args, discount_frac_per_yr=0.1, tax_losses="carry_forward")
    np.testing.assert_allclose(cf["federal_tax_usd"], [0, 0, -16.8, -25.2])
    off = fin.proforma(*args, discount_frac_per_yr=0.1, tax_losses="offset")
    np.testing.assert_allclose(off["federal_tax_usd"], [0, 126, -84, -84])


def test_proforma_state_tax_is_deductible_federally():
    # taxable 100: state 5 %, federal 21 % of 95.
    pf = fin.proforma(
        _ops(1, compute_revenue_usd=100.0),
        pd.DataFrame(columns=["year", "amount_usd", "life_yr"]),
        discount_frac_per_yr=0.1,
        state_tax_frac=0.05,
    )
    assert pf["state_tax_usd"].iloc[1] == pytest.approx(-5.0)
    assert pf["federal_tax_usd"].iloc[1] == pytest.approx(-0.21 * 95)


def test_proforma_itc_and_salvage_override():
    pf = fin.proforma(
        _ops(2, heat_revenue_usd=10.0),
        pd.DataFrame(
            {
                "year": [0],
                "amount_usd": [1000.0],
                "life_yr": [10],
                "itc_frac": [0.3],
                "salvage_usd": [123.0],
            }
        ),
        discount_frac_per_yr=0.1,
        federal_tax_frac=0.0,
    )
    assert pf["itc_usd"].tolist() == [0.0, 300.0, 0.0]
    assert pf["salvage_usd"].tolist() == [0.0, 0.0, 123.0]
    # depreciable basis 850 (T16): deducted in full over years 1..2 (sale at N)
    assert pf["depreciation_usd"].sum() == pytest.approx(850.0)


def _study_like_proforma(**kw):
    n = 6
    ops = pd.DataFrame(
        {
            "mining_revenue_usd": np.linspace(900, 500, n),
            "compute_revenue_usd": 50.0,
            "heat_revenue_usd": 20.0,
            "program_credit_usd": 30.0,
            "energy_cost_usd": 300.0,
            "demand_charge_usd": 20.0,
            "four_cp_charge_usd": 15.0,
            "fixed_om_usd": 25.0,
            "variable_om_usd": 5.0,
        },
        index=pd.RangeIndex(1, n + 1),
    )
    capex = fin.with_replacements(
        pd.DataFrame(
            {
                "name": ["asic", "battery"],
                "year": [0, 0],
                "amount_usd": [1500.0, 800.0],
                "life_yr": [4, 15],
                "macrs": ["5yr_hy", "7yr_hy"],
                "itc_frac": [0.0, 0.3],
            }
        ),
        n,
        cost_change_frac_per_yr=-0.1,
    )
    return fin.proforma(
        ops, capex, discount_frac_per_yr=0.12, state_tax_frac=0.0075, **kw
    )


@pytest.mark.parametrize("losses", ["offset", "carry_forward"])
def test_proforma_identities(losses):
    pf = _study_like_proforma(tax_losses=losses)
    assert list(pf.index) == list(range(7))
    net = pf[list(fin.CASH_LINES)].sum(axis=1)
    np.testing.assert_allclose(pf["net_cash_flow_usd"], net, rtol=1e-12)
    np.testing.assert_allclose(pf["cumulative_usd"], net.cumsum(), rtol=1e-12)
    # NPV recomputed from the discounted column equals metrics' NPV
    m = fin.metrics(pf)
    assert pf["discounted_cash_flow_usd"].sum() == pytest.approx(
        m["npv_usd"], rel=1e-12
    )
    assert m["npv_usd"] == pytest.approx(fin.npv(pf["net_cash_flow_usd"], 0.12))
    # capex: year 0 and the ASIC replacement at year 4 (1500 * 0.9^4)
    assert pf.loc[4, "capex_usd"] == pytest.approx(-1500 * 0.9**4)
    # salvage: replacement ASIC at half life (2 of 4 yr left), battery 9 of 15 left
    assert pf.loc[6, "salvage_usd"] == pytest.approx(1500 * 0.9**4 / 2 + 800 * 9 / 15)
    # taxable income = operating - depreciation + salvage
    np.testing.assert_allclose(
        pf["taxable_income_usd"],
        pf["operating_cash_flow_usd"] - pf["depreciation_usd"] + pf["salvage_usd"],
    )


def test_metrics_irr_or_mirr_with_reason():
    pf = _study_like_proforma()
    m = fin.metrics(pf)
    if fin.sign_changes(pf["net_cash_flow_usd"]) == 1:
        assert m["return_basis"] == "irr"
        assert m["irr_frac"] is not None
        assert fin.npv(pf["net_cash_flow_usd"], m["irr_frac"]) == pytest.approx(
            0, abs=1e-6
        )
    else:
        assert m["return_basis"] == "mirr"
        assert m["irr_frac"] is None
        assert "mirr" in m["irr_reason"]
    assert m["mirr_frac"] is not None


def test_metrics_replacement_makes_irr_undefined():
    # A big replacement late in life: flows -1000, +600, +600, -700, +600 -> 3 sign
    # changes, IRR undefined, MIRR given.
    pf = fin.proforma(
        _ops(4, mining_revenue_usd=600.0),
        pd.DataFrame(
            {"year": [0, 3], "amount_usd": [1000.0, 1300.0], "life_yr": [3, 1]}
        ),
        discount_frac_per_yr=0.1,
        federal_tax_frac=0.0,
    )
    np.testing.assert_allclose(pf["net_cash_flow_usd"], [-1000, 600, 600, -700, 600])
    m = fin.metrics(pf)
    assert m["irr_frac"] is None
    assert "3 sign changes" in m["irr_reason"]
    assert m["return_basis"] == "mirr"
    assert m["mirr_frac"] is not None
    # cumulative -1000, -400, 200, -500, 100: flagged, last crossing 3 + 500/600
    assert m["simple_payback_yr"] == pytest.approx(3 + 500 / 600)
    assert "negative again" in m["simple_payback_reason"]


def test_metrics_cost_per_btc():
    pf = fin.proforma(
        _ops(2, mining_revenue_usd=100.0, energy_cost_usd=40.0, fixed_om_usd=10.0),
        pd.DataFrame({"year": [0], "amount_usd": [60.0], "life_yr": [2]}),
        discount_frac_per_yr=0.0,
        federal_tax_frac=0.0,
    )
    m = fin.metrics(pf, btc_mined=pd.Series({1: 0.5, 2: 0.5}))
    assert m["energy_cost_per_btc_usd"] == pytest.approx(80.0)  # 80 USD / 1 BTC
    assert m["cash_cost_per_btc_usd"] == pytest.approx(100.0)
    assert m["levelised_cost_per_btc_usd"] == pytest.approx(160.0)  # + 60 capex at r=0


def test_proforma_rejects_bad_tables():
    caps = pd.DataFrame({"year": [0], "amount_usd": [1.0], "life_yr": [0]})
    with pytest.raises(FinanceInputError, match=r"capex row 0: life_yr = 0"):
        fin.proforma(_ops(2), caps, discount_frac_per_yr=0.1)
    with pytest.raises(FinanceInputError, match="unknown column 'mining_usd'"):
        fin.proforma(_ops(2, mining_usd=1.0), caps.iloc[:0], discount_frac_per_yr=0.1)
    with pytest.raises(FinanceInputError, match=r"years \[2\] are missing"):
        fin.proforma(_ops(1), caps.iloc[:0], discount_frac_per_yr=0.1, analysis_yr=2)
    with pytest.raises(FinanceInputError, match="year 2, column 'energy_cost_usd'"):
        fin.proforma(
            pd.DataFrame({"energy_cost_usd": [1.0, np.nan]}, index=[1, 2]),
            caps.iloc[:0],
            discount_frac_per_yr=0.1,
        )
    with pytest.raises(FinanceInputError, match="discount_frac_per_yr"):
        fin.proforma(_ops(2), caps.iloc[:0], discount_frac_per_yr=-1.0)


# ---- breakeven ---------------------------------------------------------------------
def test_breakeven_matches_brentq():
    scipy_optimize = pytest.importorskip("scipy.optimize")

    def f(x):
        return x**3 - 2 * x - 5

    out = fin.breakeven(f, 1.0, 3.0, xtol=1e-12)
    assert out.value == pytest.approx(scipy_optimize.brentq(f, 1.0, 3.0), abs=1e-10)


def test_breakeven_price_of_an_annuity_by_hand():
    # NPV(-1000, p, p, p; 10 %) = 0  <=>  p = 1000 * CRF(0.10, 3) = 402.1148...
    calls = []

    def npv_at(price):
        calls.append(price)
        return fin.npv([-1000.0, price, price, price], 0.10)

    out = fin.breakeven(npv_at, 0.0, 5000.0, xtol=1e-9)
    assert out.value == pytest.approx(1000 * fin.crf(0.10, 3), abs=1e-8)
    assert len(calls) <= 10  # linear in price: few evaluations


def test_breakeven_without_sign_change_is_none():
    out = fin.breakeven(lambda x: x + 10.0, 0.0, 1.0)
    assert out.value is None
    assert "same sign" in out.reason


def test_escalation_factors_agree_with_pwf():
    # pwf = sum over years 1..n of escalation factor x discount factor
    for starts in (1, 2, 3):
        esc = fin.escalation_factors(0.025, 12, starts)
        disc = fin.discount_factors(0.07, 12)
        assert (esc[1:] * disc[1:]).sum() == pytest.approx(
            fin.pwf(0.07, 12, 0.025, escalation_starts_yr=starts), rel=1e-12
        )
    assert fin.escalation_factors(0.1, 2, 2).tolist() == pytest.approx([1.0, 1.0, 1.1])
