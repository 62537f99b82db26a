"""MiCA disclosure: intensities per validated transaction and market-based scope 2.

Issue 14 ("MiCA"). Site: 1000 Antminer S21 (200 TH/s, 3.5 kW each: 200,000 TH/s =
0.2 EH/s, 3.5 MW) over two hours at 10 then 500 USD/MWh; the fleet's breakeven is
below 500 and above 10 in both hashprice cases, so it runs in hour 0 only and the site
imports 3.5 MWh.
"""

from __future__ import annotations

from typing import Any

import pytest

from grid_flex.api import run
from grid_flex.disclosure import NO_SCOPE2, NOT_AVAILABLE, NOT_DECLARED, mica_disclosure
from grid_flex.testing import s21_fleet, small_scenario

pytestmark = pytest.mark.solver

FLEET = s21_fleet(count=1000)
# Network 100 EH/s as a difficulty: D = H · 600 / 2^32.
DIFFICULTY = 100e18 * 600 / 2.0**32


def disclose(
    hashprice: dict[str, Any] | None = None, **kw: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    program = {
        "type": "emissions",
        "marginal_co2": {
            "format": "inline",
            "unit": "tco2_per_mwh",
            "values": [0.5, 0.5],
        },
        **kw,
    }
    patch: dict[str, Any] = {"programs": [program]}
    if hashprice is not None:
        patch["hashprice"] = hashprice
    sc = small_scenario(
        [10.0, 500.0],
        [FLEET],
        hashprice_usd_per_ths_day=None if hashprice else 0.05,
        **patch,
    )
    res = run(sc)
    assert res.summary["energy_bought_mwh"] == pytest.approx(3.5)
    table = mica_disclosure(res, sc)
    return (
        dict(zip(table["indicator"], table["value"], strict=True)),
        dict(zip(table["indicator"], table["basis"], strict=True)),
    )


def check_per_tx(v: dict[str, Any]) -> None:
    # s = 0.2 EH/s / 100 EH/s = 0.002 in hour 0, 0 in hour 1;
    # tx = 0.002 × 480,000 tx/day × 1 h / 24 = 40 tx.
    assert v["validated_transactions_allocated"] == pytest.approx(40.0)
    # 3.5 MWh = 3,500 kWh, all mining: 3,500 / 40 = 87.5 kWh/tx.
    assert v["energy_intensity_per_transaction"] == pytest.approx(87.5)
    # scope 2 location-based 3.5 MWh × 0.4 t/MWh = 1.4 t = 1,400 kg; / 40 = 35.
    assert v["ghg_intensity_per_transaction"] == pytest.approx(35.0)


def test_per_transaction_with_a_declared_network_hashrate():
    v, basis = disclose(
        average_co2_tco2_per_mwh=0.4,
        transactions_per_day=480_000.0,
        network_hashrate_ehs=100.0,
    )
    check_per_tx(v)
    assumption = basis["validated_transactions_allocated"]
    for part in ("ASSUMPTION", "hashrate share", "100 EH/s", "480000 tx/day"):
        assert part in assumption


def test_per_transaction_with_the_network_from_the_hashprice_difficulty():
    # H = D · 2^32 / 600 = 100 EH/s; hashprice = 3.125 BTC × 86,400 × 1e12 /
    # (D · 2^32) × 30,000 USD = 0.135 USD/TH/s/day: breakeven 200,000 × 0.135 / 24
    # / 3.5 = 321 USD/MWh, so the fleet still runs in hour 0 only.
    hp = {"derive": {"btc_price_usd": 30_000.0, "difficulty": DIFFICULTY}}
    v, basis = disclose(hp, average_co2_tco2_per_mwh=0.4, transactions_per_day=480e3)
    check_per_tx(v)
    assert "hashprice.derive.difficulty" in basis["validated_transactions_allocated"]


def test_per_transaction_rows_say_why_they_are_missing():
    v, basis = disclose(average_co2_tco2_per_mwh=0.4, network_hashrate_ehs=100.0)
    for name in (
        "validated_transactions_allocated",
        "energy_intensity_per_transaction",
        "ghg_intensity_per_transaction",
    ):
        assert v[name] == NOT_AVAILABLE
        assert "transactions_per_day" in basis[name]
    # constant hashprice and no network figure: no share of the network
    v, basis = disclose(average_co2_tco2_per_mwh=0.4, transactions_per_day=480e3)
    assert v["energy_intensity_per_transaction"] == NOT_AVAILABLE
    assert "network_hashrate_ehs" in basis["energy_intensity_per_transaction"]
    # no location-based factor: energy per tx, but no GHG per tx (never marginal)
    v, basis = disclose(transactions_per_day=480e3, network_hashrate_ehs=100.0)
    assert v["energy_intensity_per_transaction"] == pytest.approx(87.5)
    assert v["ghg_intensity_per_transaction"] == NOT_AVAILABLE
    assert basis["ghg_intensity_per_transaction"] == NO_SCOPE2


def test_market_based_scope2_is_an_extra_column():
    v, basis = disclose(average_co2_tco2_per_mwh=0.4, market_based_co2_tco2_per_mwh=0.1)
    # 3.5 MWh × 0.1 t/MWh = 0.35 t over 2 h; × 8,760 / 2 = 1,533 t/yr
    assert v["ghg_scope2_market_based"] == pytest.approx(1533.0)
    # location-based unchanged: 3.5 × 0.4 × 4,380 = 6,132 t/yr, and it is the one
    # the intensities use: 1.4 t × 1,000 / mean 100,000 TH/s × 4,380 = 61.32
    assert v["ghg_scope2_location_based"] == pytest.approx(6132.0)
    assert v["ghg_intensity_per_ths"] == pytest.approx(61.32)
    assert "extra" in basis["ghg_scope2_market_based"]
    v, basis = disclose(average_co2_tco2_per_mwh=0.4)
    assert v["ghg_scope2_market_based"] == NOT_DECLARED
    assert "market_based_co2_tco2_per_mwh" in basis["ghg_scope2_market_based"]
