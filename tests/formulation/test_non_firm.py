"""Firm and non-firm parts of the connection: optima worked out by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grid_flex.api import run
from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError, UnboundedError
from grid_flex.testing import assert_balance_closes, s21_fleet, small_scenario

pytestmark = pytest.mark.solver

HOURS_PER_YEAR = 8760.0
HP = 0.05  # USD/TH/s/day
PRICE = 30.0  # USD/MWh, every hour
MARGIN = mining_value_usd_per_mwh(HP, 17.5, 0.0) - PRICE  # 119.05 − 30 = 89.05 USD/MWh
FLEET = s21_fleet(power_mw=1.0, hashrate_curve="linear")
CURTAILED = {  # the utility may curtail the non-firm part in the second hour
    "periods": [
        {"start": "2024-06-03T01:00:00+00:00", "end": "2024-06-03T02:00:00+00:00"}
    ]
}


def per_mw(capex_usd_per_kw: float) -> float:
    """Cost of one MW over the 4-h horizon: r = 0, 1-year life [USD/MW]."""
    return capex_usd_per_kw * 1e3 * 4 / HOURS_PER_YEAR


def site(firm_usd_per_kw: float, non_firm_usd_per_kw: float, **nf: Any) -> dict:
    return {
        "import_limit_mw": None,
        "size": {"capex_usd_per_kw": firm_usd_per_kw, "life_yr": 1},
        "non_firm": {
            "capex_usd_per_kw": non_firm_usd_per_kw,
            "life_yr": 1,
            "curtailed": CURTAILED,
            **nf,
        },
    }


@pytest.mark.parametrize(("factor", "firm"), [(0.99, True), (1.01, False)])
def test_a_load_that_fits_in_non_firm_hours_takes_non_firm_when_cheaper(factor, firm):
    # A 1 MW fleet earns MARGIN per MWh in each of the 4 hours. With F firm and N
    # non-firm MW, import ≤ F in the curtailed hour and ≤ F + N in the others, so
    # F + N = 1 and profit = MARGIN·(3 + F) − c_f·F − c_nf·(1 − F): linear in F with
    # slope MARGIN − (c_f − c_nf). Firm wins iff it costs less than one hour's margin
    # more than non-firm; else the fleet stops in the curtailed hour on non-firm.
    c_nf = per_mw(10.0)  # 4.566 USD/MW
    c_f = c_nf + factor * MARGIN
    firm_usd_per_kw = c_f * HOURS_PER_YEAR / 4 / 1e3  # ≈ 203 or 207 USD/kW
    sc = small_scenario(
        [PRICE] * 4,
        [FLEET],
        hashprice_usd_per_ths_day=HP,
        site=site(firm_usd_per_kw, 10.0),
        study={"discount_frac_per_yr": 0.0},
    )
    res = run(sc)
    caps = res.summary["capacities"]
    assert caps["site.import_mw"]["value"] == pytest.approx(float(firm), abs=1e-7)
    assert caps["site.non_firm_mw"]["value"] == pytest.approx(float(not firm), abs=1e-7)
    expected = 4 * MARGIN - c_f if firm else 3 * MARGIN - c_nf
    assert res.objective_usd == pytest.approx(expected, rel=1e-7)
    imp = res.timeseries["site.grid_import_mw"].to_numpy()
    assert imp == pytest.approx([1.0, 1.0 if firm else 0.0, 1.0, 1.0], abs=1e-7)
    assert_balance_closes(res)


def test_part_of_the_non_firm_part_left_when_curtailed():
    # Firm fixed at 0.2 MW; a fixed non-firm offer of 1 MW keeps 30 % when curtailed:
    # the fleet may draw 0.2 + 0.3 = 0.5 MW in the second hour, 1 MW otherwise.
    sc = small_scenario(
        [PRICE] * 4,
        [FLEET],
        hashprice_usd_per_ths_day=HP,
        site={
            "import_limit_mw": 0.2,
            "non_firm": {
                "min_mw": 1.0,
                "max_mw": 1.0,
                "capex_usd_per_kw": 0.0,
                "life_yr": 1,
                "curtailed": CURTAILED,
                "curtailed_available_frac": 0.3,
            },
        },
    )
    res = run(sc)
    imp = res.timeseries["site.grid_import_mw"].to_numpy()
    assert imp == pytest.approx([1.0, 0.5, 1.0, 1.0], abs=1e-7)
    assert res.objective_usd == pytest.approx(3.5 * MARGIN, rel=1e-7)


def test_recurring_curtailed_hours_cap_the_import():
    # A non-firm-only site (no firm MW) curtailed 17:00-19:00 local (UTC here):
    # the fleet runs 22 of the 24 hours.
    sc = small_scenario(
        [PRICE] * 24,
        [FLEET],
        hashprice_usd_per_ths_day=HP,
        site={
            "import_limit_mw": None,
            "size": {"max_mw": 0.0001, "capex_usd_per_kw": 1e4, "life_yr": 1},
            "non_firm": {
                "max_mw": 5.0,
                "capex_usd_per_kw": 1.0,
                "life_yr": 1,
                "curtailed": {"recurring": [{"start_hour": 17, "end_hour": 19}]},
            },
        },
    )
    res = run(sc)
    imp = res.timeseries["site.grid_import_mw"].to_numpy()
    expected = np.ones(24)
    expected[17:19] = 0.0
    assert imp == pytest.approx(expected, abs=1e-7)
    assert res.summary["capacities"]["site.non_firm_mw"]["value"] == pytest.approx(1)


def test_an_unbounded_non_firm_part_is_explained():
    sc = small_scenario(
        [PRICE] * 2,
        [{**FLEET, "power_mw": None, "size": {"capex_usd_per_th": 0.01, "life_yr": 1}}],
        hashprice_usd_per_ths_day=HP,
        site={
            "import_limit_mw": 1.0,
            "non_firm": {
                "capex_usd_per_kw": 1.0,
                "life_yr": 1,
                "curtailed": {"price_above_usd_per_mwh": 100.0},
            },
        },
    )
    with pytest.raises(UnboundedError, match=r"site\.non_firm\.max_mw"):
        run(sc)


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"min_mw": 5.0, "max_mw": 2.0}, ["non_firm", "min_mw", "max_mw"]),
        ({"capex_usd_per_kw": -1.0}, ["non_firm.capex_usd_per_kw"]),
        ({"life_yr": 0}, ["non_firm.life_yr"]),
        ({"max_mw": 1e6}, ["non_firm.max_mw", "MW"]),
        ({"curtailed_available_frac": 1.5}, ["curtailed_available_frac"]),
        ({"curtailed": {}}, ["curtailed"]),
    ],
)
def test_bad_non_firm_blocks_name_the_field(patch, words):
    with pytest.raises(ScenarioError) as info:
        small_scenario([PRICE], [FLEET], site=site(100.0, 10.0, **patch))
    msg = str(info.value)
    for w in words:
        assert w in msg


def cap_site(cap_mw: list[float], **nf: Any) -> dict:
    """Firm 0.2 MW and a fixed 1 MW non-firm offer capped per hour by ``cap_mw``."""
    return {
        "import_limit_mw": 0.2,
        "non_firm": {
            "min_mw": 1.0,
            "max_mw": 1.0,
            "capex_usd_per_kw": 0.0,
            "life_yr": 1,
            "cap_series": {"format": "inline", "unit": "mw", "values": cap_mw},
            **nf,
        },
    }


def test_a_non_firm_cap_series_limits_import_hour_by_hour():
    # The utility allows 1, 0.5, 0 and 2 MW of non-firm import in the four hours
    # (2 MW is more than the 1 MW offer: capped by it). With 0.2 MW firm and a 1 MW
    # fleet that hashes whenever it can (margin 89.05 USD/MWh > 0), the import is
    # min(1, 0.2 + cap) = 1, 0.7, 0.2, 1 MW, and the profit MARGIN · 2.9 MWh.
    sc = small_scenario(
        [PRICE] * 4,
        [FLEET],
        hashprice_usd_per_ths_day=HP,
        site=cap_site([1.0, 0.5, 0.0, 2.0]),
    )
    res = run(sc)
    imp = res.timeseries["site.grid_import_mw"].to_numpy()
    np.testing.assert_allclose(imp, [1.0, 0.7, 0.2, 1.0], atol=1e-9)
    assert res.objective_usd == pytest.approx(MARGIN * 2.9, rel=1e-9)
    assert_balance_closes(res)


@pytest.mark.parametrize(
    ("nf", "words"),
    [
        ({"min_mw": 0.0}, ["cap_series", "fixed offer"]),
        ({"curtailed": CURTAILED}, ["curtailed", "cap_series", "one of them"]),
    ],
    ids=["sized", "both"],
)
def test_a_cap_series_needs_a_fixed_offer_and_no_windows(nf, words):
    with pytest.raises(ScenarioError) as err:
        small_scenario(
            [PRICE] * 4,
            [FLEET],
            hashprice_usd_per_ths_day=HP,
            site=cap_site([1.0] * 4, **nf),
        )
    text = str(err.value)
    assert "site.non_firm" in text
    for w in words:
        assert w in text


def test_a_negative_non_firm_cap_is_named_with_its_time():
    sc = small_scenario(
        [PRICE] * 4,
        [FLEET],
        hashprice_usd_per_ths_day=HP,
        site=cap_site([1.0, -0.5, 0.0, 1.0]),
    )
    with pytest.raises(Exception, match=r"site\.non_firm\.cap_series") as err:
        run(sc)
    assert "2024-06-03" in str(err.value)
