"""Risk studies: what a scenario may change about the shared first stage.

Costs are scenario data (each scenario's NPV pays its own capex); bounds decide what
may be built, once for every scenario, so a later scenario may not change them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from grid_flex.cli import main
from grid_flex.errors import ScenarioError
from grid_flex.studies.risk import RiskScenario, solve_risk
from grid_flex.testing import (
    s21_fleet,
    s21_study,
)

pytestmark = pytest.mark.solver

CAPEX = "assets.fleet.size.capex_usd_per_th"
TH_PER_MW = 200.0 / 0.0035  # S21: 200 TH/s at 3.5 kW


def base(capex_usd_per_th: float = 6.0) -> Any:
    # life 3 yr > the 2-yr study and no salvage: a unit's present cost is its capex
    return s21_study(capex_usd_per_th, salvage="none")


def capex(v: float) -> dict[str, Any]:
    return {"assets": {"fleet": {"size": {"capex_usd_per_th": v}}}}


def test_each_scenario_pays_its_own_capex():
    # a pays 4 USD/TH, b 8: same operation, so at the shared design C MW
    # NPV_a − NPV_b = (8 − 4) USD/TH · C · 57,142.857 TH/MW (bought in year 0,
    # life 3 yr > 2 yr: no replacement, no salvage). At the mean capex, 6 USD/TH,
    # 5 MW pays (NPV > 0, below; break-even is about 7.3 USD/TH); so the study
    # builds 5 MW and the gap is 4 · 5 · 57,142.857 = 1,142,857.1 USD.
    two = [
        RiskScenario("a", 0.5, capex(4.0)),
        RiskScenario("b", 0.5, capex(8.0)),
    ]
    out = solve_risk(base(), two, alpha=0.5, omega=0.0)
    assert out.capacities["fleet.power_mw"] == pytest.approx(5.0, rel=1e-9)
    npv = out.scenario_results.set_index("scenario")["profit_usd"]
    assert npv["a"] - npv["b"] == pytest.approx(4.0 * 5.0 * TH_PER_MW, rel=1e-9)
    # E[NPV] is linear in capex: the set's expectation is the study at 6 USD/TH
    mean = solve_risk(base(6.0), [RiskScenario("m", 1.0)], alpha=0.5, omega=0.0)
    assert mean.capacities == pytest.approx(out.capacities, rel=1e-9)
    assert out.risk["expected_usd"] == pytest.approx(mean.objective_usd, rel=1e-9)
    assert mean.objective_usd > 0.0


def test_dear_capex_in_one_scenario_can_stop_the_build():
    # at 6 USD/TH 5 MW pays; if b's capex is high enough that the mean is not worth
    # it (mean NPV < 0), nothing is built, which the first scenario's capex alone
    # would never show
    cheap = solve_risk(base(6.0), [RiskScenario("a", 1.0)], alpha=0.5, omega=0.0)
    assert cheap.capacities["fleet.power_mw"] == pytest.approx(5.0)
    # the mean capex at which 5 MW just breaks even, per TH: 6 + NPV(5 MW) / TH
    even = 6.0 + cheap.objective_usd / (5.0 * TH_PER_MW)
    dear = 2.0 * (even + 1.0) - 6.0  # mean capex 1 USD/TH above break-even
    two = [RiskScenario("a", 0.5), RiskScenario("b", 0.5, capex(dear))]
    out = solve_risk(base(6.0), two, alpha=0.5, omega=0.0)
    assert out.capacities["fleet.power_mw"] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [
        ("max_mw", 3.0, "largest size"),
        ("min_mw", 1.0, "smallest size"),
        ("existing_mw", 1.0, "existing part"),
    ],
)
def test_a_later_scenario_changing_a_bound_is_refused(field, value, what):
    two = [
        RiskScenario("a", 0.5),
        RiskScenario("b", 0.5, {"assets": {"fleet": {"size": {field: value}}}}),
    ]
    with pytest.raises(ScenarioError) as err:
        solve_risk(base(), two, alpha=0.5, omega=0.0)
    text = str(err.value)
    assert f"scenarios.b: assets.fleet.size.{field} changes the {what}" in text
    assert "fleet.power_mw" in text


def test_a_later_scenario_fixing_a_sized_capacity_is_refused():
    fixed = {"assets": [s21_fleet(hashrate_curve="linear", count=100)]}
    two = [RiskScenario("a", 0.5), RiskScenario("b", 0.5, fixed)]
    with pytest.raises(
        ScenarioError, match=r"scenarios\.b: .* fixes fleet\.power_mw at 0\.35 MW"
    ):
        solve_risk(base(), two, alpha=0.5, omega=0.0)


def test_risk_command_exits_2_on_a_changed_bound(tmp_path: Path):
    (tmp_path / "base.yaml").write_text(
        yaml.safe_dump(base().model_dump(mode="json", exclude_unset=True))
    )
    study = {
        "scenario": "base.yaml",
        "alpha": 0.9,
        "omega": 0.0,
        "scenarios": [
            {"name": "a", "probability": 0.5, "set": [f"{CAPEX}=10"]},
            {
                "name": "b",
                "probability": 0.5,
                "set": ["assets.fleet.size.max_mw=3", f"{CAPEX}=20"],
            },
        ],
    }
    path = tmp_path / "risk.yaml"
    path.write_text(yaml.safe_dump(study))
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["risk", str(path), "-q", "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert "scenarios.b: assets.fleet.size.max_mw changes the largest size" in (
        res.output
    )
    assert "3 here, 5 MW in the first scenario" in res.output
    assert not out.exists()


def test_a_later_scenario_with_a_life_under_a_year_names_it():
    # a study books purchases once a year: a life under one year is refused, in the
    # scenario that gives it and naming the field (as `grid-flex size` does)
    two = [
        RiskScenario("a", 0.5),
        RiskScenario("b", 0.5, {"assets": {"fleet": {"size": {"life_yr": 0.5}}}}),
    ]
    with pytest.raises(ScenarioError) as err:
        solve_risk(base(), two, alpha=0.5, omega=0.0)
    text = str(err.value)
    assert "risk scenario 'b'" in text
    assert "assets[0] (fleet): life_yr = 0.5 yr" in text


def test_reduction_counts_a_cost_a_scenario_leaves_out_at_the_base_value():
    # capex: a leaves it at the base's 17.5 USD/TH, b 30, c 4, so |a−b| = 12.5
    # and |a−c| = 13.5.
    # By hand (p = .4, .3, .3; k = 2; one coordinate, scaling cancels):
    # keep one: a costs .3·12.5 + .3·13.5 = 7.8, b .4·12.5 + .3·26 = 12.8,
    # c .4·13.5 + .3·26 = 13.2 → a; add b leaves c→a .3·13.5 = 4.05, add c leaves
    # b→a .3·12.5 = 3.75 → c; b moves to a: a .7, c .3.
    # Counting a's left-out capex as 0 gives c .7, b .3 instead.
    from grid_flex.studies.risk_reduce import distances, reduce_scenarios

    study = base(17.5)
    three = [
        RiskScenario("a", 0.4),
        RiskScenario("b", 0.3, capex(30.0)),
        RiskScenario("c", 0.3, capex(4.0)),
    ]
    d = distances(three, study)
    assert d[0, 1] / d[0, 2] == pytest.approx(12.5 / 13.5)
    kept = reduce_scenarios(three, 2, "t", study)
    assert [(s.name, s.probability) for s in kept] == [
        ("a", pytest.approx(0.7)),
        ("c", pytest.approx(0.3)),
    ]
