"""Demand-response commitment as a first-stage decision, against optima worked by hand.

A 1 MW fleet (S21, 17.5 J/TH, linear curve, PUE 1, availability 1, no pool fee) at
hashprice 0.1 USD/TH/s/day is worth V = 10⁶/17.5 · 0.1 / 24 = 238.095 USD per MWh. A
demand-response program, called when spot is above 90 USD/MWh, pays
π_cap USD per MW committed and hour (the commitment held on the fleet between
events) and π_e = 50 USD per MWh delivered; a shortfall costs 10,000 USD/MWh, so
the site always delivers. The commitment C (0 ≤ C ≤ 2 MW, the fleet holds at most
1 MW) is chosen before the scenario is known.

Two equiprobable scenarios: "quiet" (spot 20 all day: no event) and "called" (spot
100 in hours 10-13: a 4-hour event). Per MW committed and per scenario:

    quiet:  24 · π_cap
    called: 24 · π_cap + 4 · (π_e − (V − 100)) = 24 · π_cap − 4 · 88.095

Curtailing in the event loses the fleet's margin V − 100 = 138.095 per MWh and earns
π_e = 50. Expected: 24 · π_cap − 2 · 88.095, so the site commits (up to what the
fleet holds, 1 MW) exactly when π_cap > 2 · 88.095 / 24 = 7.341 USD/MW/h.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from grid_flex.cli import main
from grid_flex.errors import ScenarioError
from grid_flex.studies.feasibility import run_feasibility
from grid_flex.studies.risk import RiskScenario, solve_risk
from grid_flex.studies.risk_study import run_risk
from grid_flex.testing import small_scenario

pytestmark = pytest.mark.solver

HOURS = 24
#: S21 at 17.5 J/TH and hashprice 0.1 USD/TH/s/day: the fleet's value [USD/MWh].
V = 1e6 / 17.5 * 0.1 / 24
CALLED = [20.0] * 10 + [100.0] * 4 + [20.0] * 10
#: Lost margin net of the energy payment, per MW and hour of event [USD/MWh].
NET_LOSS = (V - 100.0) - 50.0
#: The capacity price at which committing breaks even in expectation [USD/MW/h].
BREAKEVEN = 0.5 * 4 * NET_LOSS / 24


def dr(price: float, **size: float) -> dict[str, Any]:
    return {
        "type": "demand_response",
        "id": "dr",
        "events": {"price_above_usd_per_mwh": 90.0},
        "size": {"max_mw": 2.0} | size,
        "baseline": "declared",
        "baseline_mw": 1.0,
        "payment_usd_per_mwh": 50.0,
        "penalty_usd_per_mwh": 10000.0,
        "capacity": {"assets": ["fleet"], "price_usd_per_mw_per_h": price},
    }


def base(programs: list[dict[str, Any]], prices: list[float] | None = None) -> Any:
    fleet = {
        "type": "asic_fleet",
        "id": "fleet",
        "model": "asic/antminer_s21",
        "power_mw": 1.0,
        "pue": 1.0,
        "availability_frac": 1.0,
        "pool_fee_frac": 0.0,
        "hashrate_curve": "linear",
    }
    return small_scenario(
        prices or [20.0] * HOURS,
        [fleet],
        hashprice_usd_per_ths_day=0.1,
        programs=programs,
        study={
            "discount_frac_per_yr": 0.1,
            "analysis_yr": 1,
            "start_year": 2027,
            "federal_tax_frac": 0.0,
            "breakeven_btc_price": False,
        },
    )


def prices(values: list[float]) -> dict[str, Any]:
    return {
        "energy": {
            "price": {"format": "inline", "unit": "usd_per_mwh", "values": values}
        }
    }


TWO = [
    RiskScenario("quiet", 0.5, prices([20.0] * HOURS)),
    RiskScenario("called", 0.5, prices(CALLED)),
]


def test_breakeven_capacity_price_from_the_hand_arithmetic():
    assert abs(V - 238.0952) < 1e-4
    assert abs(NET_LOSS - 88.0952) < 1e-4
    assert abs(BREAKEVEN - 7.3413) < 1e-4


@pytest.mark.parametrize(
    ("price", "committed"), [(0.98 * BREAKEVEN, 0.0), (1.02 * BREAKEVEN, 1.0)]
)
def test_commits_exactly_when_expected_payment_beats_expected_lost_margin(
    price, committed
):
    out = solve_risk(base([dr(price)]), TWO, alpha=0.5, omega=0.0)
    assert out.capacities["dr.committed_mw"] == pytest.approx(committed, abs=1e-6)
    npv = out.scenario_results.set_index("scenario")["profit_usd"]
    # the commitment's value per MW: called − quiet = −4 · NET_LOSS (year-scaled);
    # without a commitment the two differ only by the event hours' spot price
    gap = npv["quiet"] - npv["called"]
    no_dr = solve_risk(base([]), TWO, alpha=0.5, omega=0.0)
    npv0 = no_dr.scenario_results.set_index("scenario")["profit_usd"]
    gap0 = npv0["quiet"] - npv0["called"]
    if committed:
        # the extra gap is 4 h · NET_LOSS per MW, scaled by the same year weight
        # as the fleet's 4 event hours at (100 − 20) USD/MWh in gap0
        assert (gap - gap0) / gap0 == pytest.approx(4 * NET_LOSS / (4 * 80.0), rel=1e-6)
    else:
        assert gap == pytest.approx(gap0, rel=1e-9)


def test_risk_averse_commits_less_than_risk_neutral():
    # Just above breakeven the risk-neutral study commits 1 MW; the called scenario
    # is the worse one and loses 4 · NET_LOSS − 24 · π_cap > 0 per MW there, so
    # maximising the worse scenario (ω = 1, α = 0.5) commits nothing.
    price = 1.02 * BREAKEVEN
    assert 4 * NET_LOSS - 24 * price > 0
    r, _ = run_risk(base([dr(price)]), TWO, alpha=0.5, omega=1.0)
    d = r.designs.set_index("key")
    assert d.loc["dr.committed_mw", "unit"] == "mw"
    assert d.loc["dr.committed_mw", "risk_neutral"] == pytest.approx(1.0, abs=1e-6)
    assert d.loc["dr.committed_mw", "risk_averse"] == pytest.approx(0.0, abs=1e-6)
    assert r.values["evpi_usd"] >= -1e-6
    assert r.values["vss_usd"] >= -1e-6
    assert r.values["cost_of_risk_aversion_usd"] >= -1e-6


@pytest.mark.parametrize("price", [12.0, 17.0])
def test_identical_scenarios_give_the_deterministic_commitment(price):
    # Alone, the called day commits iff 24 · π_cap > 4 · NET_LOSS, π_cap > 14.68:
    # 12 → 0 MW, 17 → 1 MW. Two copies of it, risk-averse or not, give the same
    # design and NPV as the deterministic feasibility study of that day.
    called = base([dr(price)], CALLED)
    det = run_feasibility(called)
    want = 1.0 if 24 * price > 4 * NET_LOSS else 0.0
    assert det.optimal.capacities["dr.committed_mw"] == pytest.approx(want, abs=1e-6)
    same = [RiskScenario("a", 0.5), RiskScenario("b", 0.5)]
    out = solve_risk(called, same, alpha=0.5, omega=0.5)
    assert out.capacities["dr.committed_mw"] == pytest.approx(want, abs=1e-6)
    npv = det.optimal.objective_usd
    assert out.risk["expected_usd"] == pytest.approx(npv, rel=1e-9)


def test_min_commitment_is_held_and_reported():
    # π_cap below breakeven, but at least 0.4 MW must be committed
    out = solve_risk(base([dr(0.5 * BREAKEVEN, min_mw=0.4)]), TWO, alpha=0.5, omega=0.0)
    assert out.capacities["dr.committed_mw"] == pytest.approx(0.4, abs=1e-6)


# ---- bad input ----------------------------------------------------------------------
def test_commitment_given_twice_or_out_of_bounds_names_the_field():
    with pytest.raises(ScenarioError, match="committed_mw or size"):
        base([dr(10.0) | {"committed_mw": 1.0}])
    with pytest.raises(ScenarioError, match="committed_mw or size"):
        base([{k: v for k, v in dr(10.0).items() if k != "size"}])
    with pytest.raises(ScenarioError, match="max_mw"):
        base([dr(10.0) | {"size": {"max_mw": 1e6}}])
    with pytest.raises(ScenarioError, match="min_mw"):
        base([dr(10.0, min_mw=3.0)])


def test_a_capacity_sized_only_by_a_later_scenario_is_refused():
    # base commits a fixed 0.5 MW; "called" patches in a size block: its commitment
    # would be its own choice (it chose 0 while "quiet" held 0.5), not first stage
    fixed = {k: v for k, v in dr(10.0).items() if k != "size"} | {"committed_mw": 0.5}
    two = [
        RiskScenario("quiet", 0.5, prices([20.0] * HOURS)),
        RiskScenario("called", 0.5, prices(CALLED) | {"programs": [dr(10.0)]}),
    ]
    with pytest.raises(ScenarioError, match=r"scenarios\.called: sizes dr\.committed"):
        solve_risk(base([fixed]), two, alpha=0.5, omega=0.0)


def test_least_commitment_the_site_cannot_hold_names_size_min_mw():
    from grid_flex.api import run

    # the fleet can hold 1 MW; a commitment of at least 1.5 MW cannot be held
    with pytest.raises(ScenarioError, match=r"programs\.dr\.size\.min_mw: 1\.5 MW"):
        run(base([dr(10.0, min_mw=1.5)], CALLED))


@pytest.mark.parametrize(
    ("size", "words"),
    [
        ({"max_mw": 1e6}, "max_mw"),
        ({"min_mw": -1.0, "max_mw": 1.0}, "min_mw"),
        ({"min_mw": 2.0, "max_mw": 1.0}, "min_mw"),
    ],
)
def test_bad_commitment_in_a_risk_study_exits_2(tmp_path, size, words):
    data = base([dr(10.0)]).model_dump(mode="json", exclude_unset=True)
    data["programs"][0]["size"] = size
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(data))
    study = {
        "scenario": "base.yaml",
        "alpha": 0.5,
        "omega": 0.5,
        "scenarios": [
            {"name": "quiet", "probability": 0.5},
            {"name": "called", "probability": 0.5, "patch": prices(CALLED)},
        ],
    }
    path = tmp_path / "risk.yaml"
    path.write_text(yaml.safe_dump(study))
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["risk", str(path), "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert words in res.output
    assert "programs" in res.output
    assert not out.exists()


def test_sized_commitment_in_a_plain_solve_arrays_and_pyomo_agree():
    from grid_flex.api import run

    # one called day at π_cap = 17 > 14.68: commit the 1 MW the fleet can hold
    sc = base([dr(17.0)], CALLED)
    lean = run(sc)
    full = run(sc, full_model=True)
    assert lean.objective_usd == pytest.approx(full.objective_usd, rel=1e-9)
    kpis = lean.summary["programs"]["dr"]
    assert kpis["committed_mw"] == pytest.approx(1.0, abs=1e-6)
    assert kpis["delivery_frac"] == pytest.approx(1.0, abs=1e-6)
    # capacity payment 24 h · 17 · 1 MW; energy payment 4 MWh · 50
    assert kpis["capacity_payment_usd"] == pytest.approx(24 * 17.0, rel=1e-9)
    assert kpis["payments_usd"] == pytest.approx(4 * 50.0, rel=1e-9)


# ---- reserve commitment for the season ----------------------------------------------
# The same fleet offers up-regulation (a load reduction) at a capacity price π per MW
# and hour; a share f = 0.1 of the offer is expected to be deployed, each deployed MWh
# losing the fleet's margin V − 20 = 218.095 USD: 21.810 USD per MW-h offered. Hour by
# hour the site offers its 1 MW exactly where π > 21.810. Committed for the season
# (the same MW in every hour of both equiprobable scenarios, π = 10 or π_high), it
# commits exactly when E[π] = (10 + π_high) / 2 > 21.810, π_high > 33.619.
DEPLOY_COST = 0.1 * (V - 20.0)


def reserve(price: float, committed: bool = True) -> dict[str, Any]:
    service: dict[str, Any] = {
        "name": "reg_up",
        "direction": "up",
        "capacity_price_usd_per_mw_per_h": price,
        "deployment_frac": 0.1,
        "eligible_assets": ["fleet"],
    }
    if committed:
        service["commitment"] = {"max_mw": 2.0}
    return {"type": "ancillary_services", "id": "reserves", "services": [service]}


def reserve_scenarios(high: float, committed: bool = True) -> list[RiskScenario]:
    def patch(p: float) -> dict[str, Any]:
        return {
            "programs": {"reserves": {"services": reserve(p, committed)["services"]}}
        }

    return [
        RiskScenario("low", 0.5, patch(10.0)),
        RiskScenario("high", 0.5, patch(high)),
    ]


@pytest.mark.parametrize(("high", "committed"), [(33.0, 0.0), (34.2, 1.0)])
def test_reserve_committed_exactly_when_expected_price_beats_deployment_cost(
    high, committed
):
    assert abs(DEPLOY_COST - 21.8095) < 1e-4
    assert ((10.0 + high) / 2 > DEPLOY_COST) == bool(committed)
    out = solve_risk(
        base([reserve(10.0)]), reserve_scenarios(high), alpha=0.5, omega=0.0
    )
    key = "reserves.reg_up_committed_mw"
    assert out.capacities[key] == pytest.approx(committed, abs=1e-6)


def test_reserve_offered_hour_by_hour_without_a_commitment():
    # the same two scenarios without commitment: each offers where its own price pays,
    # so NPV(high) − NPV(low) = (33 − 21.810) · 24 h, year-scaled like the fleet
    out = solve_risk(
        base([reserve(10.0, False)]),
        reserve_scenarios(33.0, False),
        alpha=0.5,
        omega=0.0,
    )
    assert "reserves.reg_up_committed_mw" not in out.capacities
    npv = out.scenario_results.set_index("scenario")["profit_usd"]
    committed = solve_risk(
        base([reserve(10.0)]), reserve_scenarios(33.0), alpha=0.5, omega=0.0
    )
    # committing is worth nothing here (0 MW chosen), offering hourly earns the
    # high scenario's margin: the two-stage value of waiting
    npv_c = committed.scenario_results.set_index("scenario")["profit_usd"]
    assert npv["low"] == pytest.approx(npv_c["low"], rel=1e-9)
    assert npv["high"] > npv_c["high"]


def test_reserve_commitment_bounds_name_the_field():
    bad = reserve(10.0)
    bad["services"][0]["commitment"] = {"max_mw": 1e6}
    with pytest.raises(ScenarioError, match=r"services\[0\]\.commitment\.max_mw"):
        base([bad])
