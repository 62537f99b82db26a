"""The risk study solved by decomposition equals the extensive form solved whole.

A second formulation of the same optimum: :func:`solve_study` decomposes over the
first stage (a sized fleet, a sized battery and a sized fixed-price block, each with
its copy in every scenario block); ``sizing_method: monolithic`` hands the whole
extensive form to HiGHS. Four GBM paths on one day with a swinging price, so the
design is interior (the fleet below its maximum) and the scenarios disagree.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from grid_flex.api import solve_options
from grid_flex.io.scenario import scenario_from_dict
from grid_flex.solve import SolveOptions
from grid_flex.studies.risk import build_risk, outcome, solve_outcome, solve_study
from grid_flex.studies.risk_set import gbm_scenarios
from grid_flex.testing import BITCOIN_2027, s21_fleet, small_scenario

pytestmark = pytest.mark.solver

PRICES = [20.0, 60.0, 150.0, 90.0] * 6
STUDY = {
    "discount_frac_per_yr": 0.1,
    "analysis_yr": 2,
    "start_year": 2027,
    "federal_tax_frac": 0.0,
    "breakeven_btc_price": False,
    "bitcoin": BITCOIN_2027,
}


def base() -> Any:
    fleet = s21_fleet(
        hashrate_curve="linear",
        size={"max_mw": 5.0, "life_yr": 3, "capex_usd_per_th": 6.0},
    )
    battery = {
        "type": "battery",
        "id": "battery",
        "model": "battery/generic_lfp_4h_1mw",
        "round_trip_eff_frac": 0.81,
        "degradation_usd_per_mwh": 0.0,
        "size": {
            "max_mwh": 8.0,
            "max_mw": 2.0,
            "life_yr": 10,
            "capex_usd_per_kw": 400.0,
        },
    }
    block = {
        "type": "fixed_price_contract",
        "id": "contract",
        "fixed_price_usd_per_mwh": 82.0,
        "size": {"max_mw": 5.0},
    }
    return small_scenario(
        PRICES,
        [fleet, battery],
        hashprice_usd_per_ths_day=0.1,
        site={"import_limit_mw": 4.0},
        programs=[block],
        study=STUDY,
    )


def scenarios(sc: Any) -> Any:
    spec = {"paths": 4, "seed": 3, "volatility_frac_per_yr": 0.6}
    return gbm_scenarios(sc, spec, "test")


WHOLE = SolveOptions(sizing_method="monolithic")


@pytest.mark.parametrize("omega", [0.0, 0.5, 1.0])
def test_decomposed_equals_the_extensive_form_solved_whole(omega):
    sc = base()
    rm = build_risk(sc, scenarios(sc), Path("."), alpha=0.75, omega=0.0)
    whole, _ = solve_outcome(rm, WHOLE, 0.75, omega)
    parts, sol = solve_outcome(rm, SolveOptions(), 0.75, omega)
    if omega == 0.0:
        assert sol.report["method"] == "decomposed"
        assert sol.report["gap_frac"] <= 1e-7
    scale = max(1.0, abs(whole.objective_usd))
    assert abs(parts.objective_usd - whole.objective_usd) <= 1e-6 * scale
    for key in ("expected_usd", "cvar_usd"):
        assert abs(parts.risk[key] - whole.risk[key]) <= 1e-6 * scale


def test_the_case_is_not_trivial():
    # the design must be interior and the scenarios must disagree, or the test above
    # would compare two zeros
    sc = base()
    rm = build_risk(sc, scenarios(sc), Path("."), alpha=0.75, omega=0.0)
    out = outcome(rm, solve_study(rm, WHOLE), 0.75, 0.0)
    assert 0.0 < out.capacities["fleet.power_mw"] < 5.0
    npv = out.scenario_results["profit_usd"]
    assert npv.max() - npv.min() > 0.1 * abs(npv.mean())


def test_monolithic_is_chosen_by_the_base_scenario():
    sc = base()
    data = sc.model_dump(mode="json", exclude_unset=True)
    data["solver"] = {"sizing_method": "monolithic"}
    whole = scenario_from_dict(data, source="test")
    opts = solve_options(whole)
    assert opts.sizing_method == "monolithic"
    two = [replace(s, probability=0.5) for s in scenarios(whole)[:2]]
    rm = build_risk(whole, two, Path("."), alpha=0.75, omega=0.0)
    sol = solve_study(rm, opts)
    assert sol.report.get("method") == "monolithic"
    sol2 = solve_study(rm, replace(opts, sizing_method="auto"))
    assert sol2.report["method"] == "decomposed"
    assert sol2.objective == pytest.approx(sol.objective, rel=1e-7, abs=1e-3)


def test_the_study_says_how_it_was_solved():
    from grid_flex.studies.risk_study import risk_summary, risk_text, run_risk

    sc = base()
    two = [replace(s, probability=0.5) for s in scenarios(sc)[:2]]
    result, _ = run_risk(sc, two, alpha=0.75, omega=0.5)
    assert result.solve_report["method"] == "decomposed"
    assert risk_summary(result)["solve"]["solves"] >= 1
    assert "solved by decomposition over the first stage" in risk_text(result)
    assert result.values["evpi_usd"] >= -1e-6 * abs(result.values["rp_usd"])
    assert result.values["vss_usd"] >= -1e-6 * abs(result.values["rp_usd"])
