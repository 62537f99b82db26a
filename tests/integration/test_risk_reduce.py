"""Weather years drawn per scenario, and scenario reduction with its measured cost."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from grid_flex.errors import ScenarioError
from grid_flex.resources import scenarios_dir
from grid_flex.solve import SolveOptions, solve_model
from grid_flex.studies.risk import (
    RiskScenario,
    build_risk,
    evaluate_design,
    outcome,
)
from grid_flex.studies.risk_reduce import distances, reduce_scenarios
from grid_flex.studies.risk_set import gbm_scenarios, load_risk_study
from grid_flex.studies.risk_study import mean_value_patch

STUDY = scenarios_dir() / "risk" / "west_texas_greenfield_2025_risk.yaml"
ONE_DAY = ("horizon.end=2020-01-02T00:00:00",)


def years_of(s: RiskScenario) -> int:
    return int(s.patch["study"]["weather_years"][0]["year"])


def test_weather_years_sampled_per_path_with_the_seed():
    rs = load_risk_study(STUDY, assignments=ONE_DAY)
    spec = {"paths": 300, "seed": 5, "weather": "sample"}
    a = gbm_scenarios(rs.base, spec, "t")
    b = gbm_scenarios(rs.base, spec, "t")
    plain = gbm_scenarios(rs.base, {"paths": 300, "seed": 5}, "t")
    assert [s.patch for s in a] == [s.patch for s in b]  # reproducible
    for s, p in zip(a, plain, strict=True):  # the draws leave the price paths alone
        assert s.patch["study"]["bitcoin"] == p.patch["study"]["bitcoin"]
        assert s.patch["study"]["years_in_lp"] == "one"
        assert s.name == f"{p.name}_w{years_of(s)}"
        # every year stays (2021 completes from 2020), the drawn one first
        assert sorted(w["year"] for w in s.patch["study"]["weather_years"]) == [
            2019,
            2020,
            2021,
        ]
    counts = Counter(years_of(s) for s in a)
    # uniform over 3 years: 100 ± 3·sqrt(300 · 1/3 · 2/3) = 100 ± 24.5
    assert set(counts) == {2019, 2020, 2021}
    assert all(abs(c - 100) < 25 for c in counts.values())


def test_each_weather_year_crossed_with_each_path_and_the_mean_value_keeps_all():
    rs = load_risk_study(STUDY, assignments=ONE_DAY)
    s = gbm_scenarios(rs.base, {"paths": 2, "seed": 5, "weather": "each"}, "t")
    assert [years_of(x) for x in s] == [2019, 2020, 2021] * 2
    assert sum(x.probability for x in s) == pytest.approx(1.0)
    mv, kept = mean_value_patch(s)
    assert kept == ["study.weather_years", "study.years_in_lp"]
    assert set(mv["study"]) == {"bitcoin"}


def test_bad_weather_mode_names_the_field():
    rs = load_risk_study(STUDY, assignments=ONE_DAY)
    with pytest.raises(ScenarioError, match=r"generate\.btc_gbm\.weather"):
        gbm_scenarios(rs.base, {"paths": 2, "seed": 5, "weather": "most"}, "t")


def test_reduction_keeps_every_weather_year_and_the_probability():
    rs = load_risk_study(STUDY, assignments=ONE_DAY)
    full = gbm_scenarios(rs.base, {"paths": 20, "seed": 2028, "weather": "each"}, "t")
    assert reduce_scenarios(full, 60) == full
    red = reduce_scenarios(full, 6)
    assert len(red) == 6
    assert sum(s.probability for s in red) == pytest.approx(1.0)
    # the three weather years are groups: each keeps scenarios worth 1/3
    by_year: Counter[int] = Counter()
    for s in red:
        by_year[years_of(s)] += round(s.probability * 60)
    assert by_year == {2019: 20, 2020: 20, 2021: 20}
    with pytest.raises(ScenarioError, match="reduce_to: 2 is fewer than the 3"):
        reduce_scenarios(full, 2)


def test_forward_selection_on_points_by_hand():
    # points 0, 1, 10 (p = ¼, ¼, ½), scaled by their std (all distances scale alike).
    # Keep 1: cost of keeping 0 = ¼·1 + ½·10 = 5.25, of 1 = ¼·1 + ½·9 = 4.75, of 10 =
    # ¼·10 + ¼·9 = 4.75 → the first of the ties, 1. Keep 2 (with 1): adding 10 leaves
    # ¼·1 = 0.25, adding 0 leaves ½·9 → {1, 10}; 0 moves to 1: p = ½, ½.
    s = [
        RiskScenario(n, p, {"x": x})
        for n, p, x in (("a", 0.25, 0.0), ("b", 0.25, 1.0), ("c", 0.5, 10.0))
    ]
    d = distances(s)
    assert d[0, 2] / d[0, 1] == pytest.approx(10.0)
    red = reduce_scenarios(s, 2)
    assert [(x.name, x.probability) for x in red] == [("b", 0.5), ("c", 0.5)]


@pytest.mark.solver
def test_reduced_design_on_the_whole_set_costs_little_against_the_whole_optimum():
    # 12 sampled paths of the bundled process on one day, reduced to 4: the reduced
    # study's design, evaluated on all 12, can only lose against their optimum
    # (RP); measured at 0.0 % here (both designs hit the same bounds), 12 % with an
    # untied zero-drift process (benchmarks/README.md: the week-long figures).
    rs = load_risk_study(STUDY, assignments=ONE_DAY)
    spec = {"paths": 12, "seed": 2028, "weather": "sample", "drift_frac_per_yr": 0.15}
    full = gbm_scenarios(rs.base, spec | {"difficulty_tie_frac": 0.5}, "t")
    opts = SolveOptions()
    rm = build_risk(rs.base, full, rs.base_dir, alpha=0.95, omega=0.0)
    rp = outcome(rm, solve_model(rm.model, opts), 0.95, 0.0)
    red = reduce_scenarios(full, 4)
    small = build_risk(rs.base, red, rs.base_dir, alpha=0.95, omega=0.0)
    design = outcome(small, solve_model(small.model, opts), 0.95, 0.0).capacities
    ev = evaluate_design(rm, design, opts, 0.95)
    gap = rp.objective_usd - ev.objective_usd
    assert gap >= -1e-6 * abs(rp.objective_usd)
    assert gap <= 0.02 * abs(rp.objective_usd)
    assert np.isfinite(ev.risk["cvar_usd"])
