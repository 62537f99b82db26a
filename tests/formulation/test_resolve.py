"""Re-solves: numbers-only builds and in-place HiGHS updates equal fresh builds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

import grid_flex as gf
from grid_flex.errors import InfeasibleError
from grid_flex.io.scenario import load_scenario, scenario_from_dict
from grid_flex.model.handoff import CompiledLP, compile_model
from grid_flex.resources import scenarios_dir
from grid_flex.solve import WarmStart
from grid_flex.studies.resolve import Resolver, build_numbers
from grid_flex.testing import small_scenario

pytestmark = pytest.mark.solver

BUNDLED = sorted(p.stem for p in scenarios_dir().glob("*.yaml"))
#: Horizon kept per scenario [days]: the 4CP intervals run to 6 September.
DAYS = {"ercot_summer_2019_4cp": 98, "ercot_summer_2019_4cp_rolling": 98}


def short(name: str, *sets: str, days: int = 3) -> tuple[gf.Scenario, Any]:
    sc, _ = load_scenario(name)
    end = sc.horizon.start + dt.timedelta(days=days)
    return load_scenario(name, assignments=[f"horizon.end={end.isoformat()}", *sets])


def gpu_august() -> tuple[gf.Scenario, Any]:
    """The GPU site over 1–22 August 2020, with the training job due in that window."""
    sc, base = load_scenario("west_texas_gpu_mining_2020")
    data = sc.model_dump(mode="json")
    data["horizon"] |= {"start": "2020-08-01T00:00:00", "end": "2020-08-22T00:00:00"}
    for entry in data["assets"]:
        if entry["type"] == "gpu_cluster":
            entry["training_jobs"] = [
                j for j in entry["training_jobs"] if j["release"].startswith("2020-08")
            ]
            assert len(entry["training_jobs"]) == 1
    return scenario_from_dict(data, source="gpu_august"), base


def assert_same_lp(a: CompiledLP, b: CompiledLP) -> None:
    assert a.shape == b.shape
    assert a.sense == b.sense
    assert a.c0 == pytest.approx(b.c0)
    for name in ("c", "row_lb", "row_ub", "col_lb", "col_ub"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(a.a.indptr, b.a.indptr)
    np.testing.assert_array_equal(a.a.indices, b.a.indices)
    np.testing.assert_array_equal(a.a.data, b.a.data)


@pytest.mark.parametrize("name", BUNDLED)
def test_numbers_only_build_gives_the_pyomo_compilation(name: str) -> None:
    """Same rows, columns, order and numbers as compile_model on the Pyomo model."""
    if name == "west_texas_gpu_mining_2020":
        sc, base = gpu_august()
    else:
        sc, base = short(name, days=DAYS.get(name, 3))
    built = build_numbers(sc, base)
    assert built is not None, "no Pyomo components may be left on a numbers build"
    _site, lp = built
    full = gf.build_model(gf.prepare_inputs(sc, base))
    assert_same_lp(lp, compile_model(full.model))


def highs_lp(warm: WarmStart) -> dict[str, np.ndarray]:
    """The LP HiGHS holds after the in-place updates, as arrays."""
    assert warm.highs is not None
    lp = warm.highs.getLp()
    inf = 1e300
    clip = lambda v: np.clip(np.asarray(v, dtype=float), -np.inf, np.inf)  # noqa: E731
    out = {
        "c": np.asarray(lp.col_cost_),
        "col_lb": clip(lp.col_lower_),
        "col_ub": clip(lp.col_upper_),
        "row_lb": clip(lp.row_lower_),
        "row_ub": clip(lp.row_upper_),
    }
    for k, v in out.items():
        out[k] = np.where(v >= inf, np.inf, np.where(v <= -inf, -np.inf, v))
    m = lp.a_matrix_
    out["indptr"] = np.asarray(m.start_)
    out["indices"] = np.asarray(m.index_)
    out["data"] = np.asarray(m.value_)
    return out


def test_in_place_update_holds_the_fresh_lp_and_its_optimum() -> None:
    """BTC price (costs) and import limit (bounds) updated in place = fresh build."""
    base_sc, base = short("west_texas_2020")
    changed, _ = short(
        "west_texas_2020",
        "hashprice.derive.btc_price_usd=14000",
        "site.import_limit_mw=45",
        "energy.adders_usd_per_mwh=9",
    )
    warm = WarmStart(gf.SolveOptions(threads=1))
    _, lp0 = build_numbers(base_sc, base)  # type: ignore[misc]
    warm.solve(lp0)
    site1, lp1 = build_numbers(changed, base)  # type: ignore[misc]
    sol = warm.solve(lp1)
    assert warm.modes == {"cold": 1, "in_place": 1, "basis": 0}
    fresh = compile_model(gf.build_model(gf.prepare_inputs(changed, base)).model)
    held = highs_lp(warm)
    for name in ("c", "col_lb", "col_ub", "row_lb", "row_ub"):
        np.testing.assert_array_equal(held[name], getattr(fresh, name), err_msg=name)
    np.testing.assert_array_equal(held["indices"], fresh.a.indices)
    np.testing.assert_array_equal(held["data"], fresh.a.data)
    cold = gf.run(changed, base_dir=base)
    assert sol.objective == pytest.approx(cold.objective_usd, rel=1e-9)
    res = gf.extract(site1, sol)
    assert res.summary["profit_usd"] == pytest.approx(cold.summary["profit_usd"], 1e-9)
    assert res.summary["energy_bought_mwh"] == pytest.approx(
        cold.summary["energy_bought_mwh"], rel=1e-6
    )
    # The update did change the problem: the base optimum is different.
    assert warm.solve(lp0).objective != pytest.approx(sol.objective, rel=1e-6)


def battery(**kw: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "battery",
        "id": "bess",
        "model": "battery/generic_lfp_4h_1mw",
        "energy_mwh": 4.0,
        "power_mw": 1.0,
        "round_trip_eff_frac": 0.81,  # 0.9 each way
        "soc_min_frac": 0.0,
        "soc_max_frac": 1.0,
        "degradation_usd_per_mwh": 0.0,
        "initial_soc_frac": 0.0,
        "final_soc": "free",
    }
    return entry | kw


EXPORT = {"site": {"import_limit_mw": 10.0, "export_limit_mw": 10.0}}


@pytest.mark.parametrize(("low", "high"), [(10.0, 50.0), (20.0, 80.0), (5.0, 30.0)])
def test_hand_solved_battery_re_solved_in_place(low: float, high: float) -> None:
    """Fill 4 MWh at ``low`` (4/0.9 MWh bought), deliver 4·0.9 MWh at ``high``."""
    resolver = Resolver()
    first = small_scenario(
        [10.0] * 12 + [50.0] * 12, [battery()], hashprice_usd_per_ths_day=None, **EXPORT
    )
    resolver.run(first)
    sc = small_scenario(
        [low] * 12 + [high] * 12, [battery()], hashprice_usd_per_ths_day=None, **EXPORT
    )
    res = resolver.run(sc)
    assert res.objective_usd == pytest.approx(4 * 0.9 * high - 4 / 0.9 * low, rel=1e-9)
    assert resolver.modes["in_place"] == 1
    assert resolver.modes["cold"] == 1


def test_structure_change_rebuilds_and_coefficient_change_keeps_basis() -> None:
    resolver = Resolver()
    prices = [10.0] * 12 + [50.0] * 12
    resolver.run(
        small_scenario(prices, [battery()], hashprice_usd_per_ths_day=None, **EXPORT)
    )
    # Efficiencies are matrix coefficients: same pattern, many entries changed.
    sc = small_scenario(
        prices,
        [battery(round_trip_eff_frac=0.64)],
        hashprice_usd_per_ths_day=None,
        **EXPORT,
    )
    res = resolver.run(sc)
    assert res.objective_usd == pytest.approx(4 * 0.8 * 50 - 4 / 0.8 * 10, rel=1e-9)
    assert resolver.modes["basis"] == 1
    # No export: one variable family fewer, a new shape, a cold solve.
    sc = small_scenario(
        prices, [battery(initial_soc_frac=1.0)], hashprice_usd_per_ths_day=None
    )
    res = resolver.run(sc)
    # Without export the stored energy has nowhere to go: profit 0.
    assert res.objective_usd == pytest.approx(0.0, abs=1e-7)
    assert resolver.modes["cold"] == 2


def test_infeasible_case_is_explained_and_next_case_solves() -> None:
    resolver = Resolver()
    ok = small_scenario(
        [30.0, 40.0],
        [battery(initial_soc_frac=0.05, final_soc=0.5)],
        hashprice_usd_per_ths_day=None,
    )
    bad = small_scenario(
        [30.0, 40.0],
        [battery(initial_soc_frac=0.05, final_soc=0.95)],
        hashprice_usd_per_ths_day=None,
    )
    resolver.run(ok)
    with pytest.raises(InfeasibleError, match="final_soc"):
        resolver.run(bad)
    # Store 0.45·4 = 1.8 MWh: buy 1.8/0.9 = 2 MWh, 1 MWh in each hour (1 MW).
    assert resolver.run(ok).objective_usd == pytest.approx(-(30.0 + 40.0), rel=1e-9)


def test_extra_hook_falls_back_to_the_full_build() -> None:
    calls = []
    resolver = Resolver()
    sc = small_scenario(
        [10.0, 50.0], [battery()], hashprice_usd_per_ths_day=None, **EXPORT
    )
    resolver.run(sc, extra=lambda site: calls.append(site))
    assert len(calls) == 1
    assert resolver.modes["full"] == 1


def test_a_resolver_reads_each_series_file_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import grid_flex.io.readers as readers

    calls = []
    original = readers.read_ercot_dam

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(readers, "read_ercot_dam", counting)
    resolver = Resolver()
    profits = []
    for price in (9000, 12000):
        sc, base = short("west_texas_2020", f"hashprice.derive.btc_price_usd={price}")
        profits.append(resolver.run(sc, base).summary["profit_usd"])
    assert len(calls) == 1
    cold, _ = short("west_texas_2020", "hashprice.derive.btc_price_usd=12000")
    assert profits[1] == pytest.approx(gf.run(cold, base_dir=base).objective_usd, 1e-9)


def test_a_resolver_puts_each_series_on_the_horizon_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Gaps filled, aligned and checked once: the second case (another BTC price)
    # aligns no series again, and its profit equals a cold solve's.
    import grid_flex.inputs as gi

    # The interval lengths of the horizon are worked out once as well.
    calls = []
    original = gi.align
    lengths = gi.timestep_h

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("field"))
        return original(*args, **kwargs)

    def counting_lengths(*args: Any, **kwargs: Any) -> Any:
        calls.append("timestep_h")
        return lengths(*args, **kwargs)

    monkeypatch.setattr(gi, "align", counting)
    monkeypatch.setattr(gi, "timestep_h", counting_lengths)
    resolver = Resolver()
    profits = []
    for price in (9000, 12000):
        sc, base = short("west_texas_2020", f"hashprice.derive.btc_price_usd={price}")
        profits.append(resolver.run(sc, base).summary["profit_usd"])
        if price == 9000:
            first = len(calls)
    assert "timestep_h" in calls
    assert len(calls) == first
    assert gi.timestep_h is counting_lengths  # put back after each case
    cold, _ = short("west_texas_2020", "hashprice.derive.btc_price_usd=12000")
    assert profits[1] == pytest.approx(gf.run(cold, base_dir=base).objective_usd, 1e-9)


#: Cases re-solved in turn: costs (BTC price, adders), bounds (import limit),
#: sizes (fleet power, battery count) and a carbon price on another site.
KPI_CASES = [
    ("west_texas_2020", ("hashprice.derive.btc_price_usd=9000",)),
    (
        "west_texas_2020",
        ("hashprice.derive.btc_price_usd=13000", "energy.adders_usd_per_mwh=7"),
    ),
    ("west_texas_2020", ("site.import_limit_mw=45",)),
    ("west_texas_2020", ("assets.s19xp_fleet.power_mw=30", "assets.battery.count=20")),
    (
        "houston_hospital_heat_2020",
        ("programs.emissions.carbon_price_usd_per_tco2=50",),
    ),
    (
        "houston_hospital_heat_2020",
        ("programs.emissions.carbon_price_usd_per_tco2=400",),
    ),
]


def test_kpi_only_extraction_equals_the_full_results() -> None:
    """A sweep's KPI-only extraction: the full results' KPIs, case after case."""
    from grid_flex.studies.sweep import _kpis

    kpi_only, full = Resolver(), Resolver()
    for name, sets in KPI_CASES:
        sc, base = short(name, *sets)
        a = kpi_only.run(sc, base, timeseries=False)
        b = full.run(sc, base)
        assert a.timeseries.columns.empty
        assert a.timeseries.index.equals(b.timeseries.index)
        ka, kb = _kpis(a.summary), _kpis(b.summary)
        assert ka.keys() == kb.keys()
        for k, v in kb.items():
            if isinstance(v, float):
                assert ka[k] == pytest.approx(v, rel=1e-9, abs=1e-9, nan_ok=True), k
            else:
                assert ka[k] == v, k
        # The totals are the sums of the per-interval table (as pandas sums them).
        ts = b.timeseries
        for kpi, column in [
            ("profit_usd", "site.profit_usd"),
            ("revenue_usd", "site.revenue_usd"),
            ("energy_cost_usd", "site.energy_cost_usd"),
            ("other_cost_usd", "site.cost_usd"),
        ]:
            assert ka[kpi] == pytest.approx(float(ts[column].sum()), rel=1e-9), kpi
        # And a cold solve of the case alone finds the same profit.
        cold = gf.run(sc, base_dir=base).summary["profit_usd"]
        assert ka["profit_usd"] == pytest.approx(cold, rel=1e-9)
    assert kpi_only.modes == full.modes
    assert kpi_only.modes["in_place"] + kpi_only.modes["basis"] >= 3
