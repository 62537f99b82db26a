"""MiCA disclosure: gross energy, and scope 2 never marginal (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest

from grid_flex.api import run
from grid_flex.disclosure import NO_SCOPE2, NOT_AVAILABLE, mica_disclosure
from grid_flex.testing import s21_fleet, small_scenario

pytestmark = pytest.mark.solver

FLEET = s21_fleet(count=1000)
BESS = {
    "type": "battery",
    "id": "bess",
    "model": "battery/generic_lfp_4h_1mw",
    "energy_mwh": 4.0,
    "power_mw": 1.0,
    "round_trip_eff_frac": 0.81,
    "initial_soc_frac": 0.0,
    "soc_min_frac": 0.0,
    "final_soc": "free",
}


def emissions(**kw: Any) -> dict[str, Any]:
    return {
        "type": "emissions",
        "marginal_co2": {
            "format": "inline",
            "unit": "tco2_per_mwh",
            "values": [0.5, 0.8],
        },
        "btc_price_usd": 60_000.0,
        **kw,
    }


def disclose(**kw: Any) -> tuple[dict[str, Any], dict[str, Any], Any]:
    # Hour 0 at 10 USD/MWh: the fleet runs and the battery charges; hour 1 at 500:
    # the fleet stops and the battery sells its energy back.
    sc = small_scenario(
        [10.0, 500.0],
        [FLEET, BESS],
        site={"import_limit_mw": 10.0, "export_limit_mw": 1.0},
        programs=[emissions(**kw)],
    )
    res = run(sc)
    table = mica_disclosure(res, sc)
    return (
        dict(zip(table["indicator"], table["value"], strict=True)),
        dict(zip(table["indicator"], table["basis"], strict=True)),
        res,
    )


def test_energy_is_gross_consumption_not_net_of_exports():
    v, _, res = disclose(average_co2_tco2_per_mwh=0.4)
    bought = res.summary["energy_bought_mwh"]
    assert res.summary["energy_sold_mwh"] >= 0.81 - 1e-9  # the battery sells back
    # gross: every MWh imported (before: imports − exports)
    assert v["energy_consumption"] == pytest.approx(bought * 1000)
    # scope 2 location-based: imports × 0.4 t/MWh over 2 h, annualised
    assert v["ghg_scope2_location_based"] == pytest.approx(bought * 0.4 * 8760 / 2)


def test_scope2_is_never_marginal():
    # Without an average factor there is no scope 2 figure, so no GHG intensity
    # (before: the intensities were computed from the marginal emissions).
    v, basis, _ = disclose()
    assert v["ghg_scope2_location_based"] == NOT_AVAILABLE
    for name in ("ghg_intensity_per_ths", "ghg_intensity_per_btc"):
        assert v[name] == NOT_AVAILABLE
        assert basis[name] == NO_SCOPE2
    assert "not a scope 2 figure" in basis["grid_emissions_marginal"]
    assert "ghg_scope2_marginal" not in v
