"""``run`` solves the LP built as arrays only, and gives what the Pyomo build gives.

Without an ``extra`` hook, :func:`grid_flex.api.run` builds the site on an array-only
layer (no Pyomo variable or row objects) and hands the arrays to HiGHS; the Pyomo
model is built only when asked for (``full_model=True``, ``extra``, or to explain an
infeasible or unbounded case). ``tests/formulation/test_resolve.py`` proves the two
builds give the same LP matrix by matrix; here the whole results are compared.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

import grid_flex as gf
import grid_flex.api as api
from grid_flex.errors import InfeasibleError
from grid_flex.io.scenario import load_scenario, scenario_from_dict
from grid_flex.resources import scenarios_dir

pytestmark = pytest.mark.solver

#: Bundled scenarios solved in one piece (rolling ones run windows of their own).
SINGLE = sorted(
    p.stem
    for p in scenarios_dir().glob("*.yaml")
    if "rolling" not in p.stem and "4cp" not in p.stem
)


def short(name: str, days: int = 2, *sets: str) -> tuple[gf.Scenario, Any]:
    sc, _ = load_scenario(name)
    end = sc.horizon.start + dt.timedelta(days=days)
    return load_scenario(name, assignments=[f"horizon.end={end.isoformat()}", *sets])


def gpu_august(*sets: str) -> tuple[gf.Scenario, Any]:
    """The GPU site over 1–22 August 2020, with the training job due then."""
    sc, base = load_scenario("west_texas_gpu_mining_2020", assignments=list(sets))
    data = sc.model_dump(mode="json")
    data["horizon"] |= {"start": "2020-08-01T00:00:00", "end": "2020-08-22T00:00:00"}
    for entry in data["assets"]:
        if entry["type"] == "gpu_cluster":
            entry["training_jobs"] = [
                j for j in entry["training_jobs"] if j["release"].startswith("2020-08")
            ]
            assert len(entry["training_jobs"]) == 1
    return scenario_from_dict(data, source="gpu_august"), base


def flat(summary: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in summary.items():
        if isinstance(value, dict):
            out |= {f"{key}.{k}": v for k, v in flat(value).items()}
        else:
            out[key] = value
    return out


@pytest.mark.parametrize("name", SINGLE)
def test_array_build_gives_the_pyomo_build_results(name: str) -> None:
    """Same objective, time series, KPIs (duals included) as the Pyomo build."""
    if name == "west_texas_gpu_mining_2020":
        sc, base = gpu_august()
    else:
        sc, base = short(name)
    arrays = gf.run(sc, base_dir=base)
    pyomo = gf.run(sc, base_dir=base, full_model=True)
    assert arrays.objective_usd == pytest.approx(pyomo.objective_usd, rel=1e-12)
    pd.testing.assert_frame_equal(arrays.timeseries, pyomo.timeseries, rtol=1e-9)
    a, b = flat(arrays.summary), flat(pyomo.summary)
    assert a.keys() == b.keys()
    for key, value in b.items():
        if isinstance(value, float) and not np.isnan(value):
            assert a[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
        elif not isinstance(value, float):
            assert a[key] == value, key


def test_rows_a_module_replaces_are_left_out_of_the_array_lp() -> None:
    """Modules deactivate rows they rewrite; the array build must drop them too.

    Held reserves on a GPU cluster rewrite its inference event limits, a deployed
    reserve on a battery its state-of-charge balance.
    """
    sc, base = gpu_august()
    data = sc.model_dump(mode="json")
    data["programs"].append(
        {
            "type": "ancillary_services",
            "id": "reserves",
            "gpu_clusters_allowed": ["gpu_cluster"],
            "services": [
                {
                    "name": "reg_up",
                    "direction": "up",
                    "capacity_price_usd_per_mw_per_h": 600.0,
                    "deployment_frac": 0.2,
                    "min_duration_h": 1.0,
                    "eligible_assets": ["gpu_cluster", "battery"],
                }
            ],
        }
    )
    sc = scenario_from_dict(data, source="gpu_august_reserves")
    arrays = gf.run(sc, base_dir=base)
    pyomo = gf.run(sc, base_dir=base, full_model=True)
    for aid in ("gpu_cluster", "battery"):  # the rewritten rows are in play
        assert arrays.timeseries[f"reserves.reg_up.{aid}.offer_mw"].max() > 0.0, aid
    assert arrays.objective_usd == pytest.approx(pyomo.objective_usd, rel=1e-12)
    pd.testing.assert_frame_equal(arrays.timeseries, pyomo.timeseries, rtol=1e-9)


def test_run_builds_no_pyomo_model_unless_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    real = api.build_model

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append("pyomo")
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "build_model", spy)
    sc, base = short("west_texas_2020")
    gf.run(sc, base_dir=base)
    assert calls == []
    gf.run(sc, base_dir=base, full_model=True)
    assert calls == ["pyomo"]
    gf.run(sc, base_dir=base, extra=lambda site: None)
    assert calls == ["pyomo", "pyomo"]


def test_infeasible_case_is_built_with_pyomo_and_explained(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The array solve finds no optimum; the Pyomo build names the limit to relax."""
    calls: list[str] = []
    real = api.build_model
    monkeypatch.setattr(
        api, "build_model", lambda *a, **k: calls.append("pyomo") or real(*a, **k)
    )
    sc, base = gpu_august("site.import_limit_mw=1")
    with pytest.raises(InfeasibleError, match=r"site\.import_limit_mw"):
        gf.run(sc, base_dir=base)
    assert calls == ["pyomo"]


def test_profit_is_checked_against_the_array_objective(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The closure check compares profit with the objective on the array path too."""
    sc, base = short("west_texas_2020")
    real = api.solve_lp

    def off_by_one(lp: Any, first_stage: Any, options: Any, **kw: Any) -> Any:
        solution = real(lp, first_stage, options, **kw)
        solution.objective += 1000.0
        return solution

    monkeypatch.setattr(api, "solve_lp", off_by_one)
    with pytest.raises(gf.SolveError, match="does not match the objective"):
        gf.run(sc, base_dir=base)
