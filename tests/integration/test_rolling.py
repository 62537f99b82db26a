"""Rolling-horizon operation: equal to one solve where it must be, honest settlement.

Small inline scenarios whose optimum is worked out by hand, plus a few days of the
bundled default site.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import grid_flex as gf
from grid_flex.cli import main
from grid_flex.studies.rolling import plan_windows, run_rolling
from grid_flex.studies.rolling_report import streams
from grid_flex.testing import assert_balance_closes, small_scenario

pytestmark = pytest.mark.solver

BATTERY: dict[str, Any] = {
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
FLEET: dict[str, Any] = {
    "type": "asic_fleet",
    "id": "fleet",
    "model": "asic/antminer_s21",
    "power_mw": 1.0,
    "availability_frac": 1.0,
    "pool_fee_frac": 0.0,
    "hashrate_curve": "linear",
}
EXPORT = {"site": {"import_limit_mw": 10.0, "export_limit_mw": 10.0}}


def _default_days(days: int = 3, *extra: str) -> tuple[gf.Scenario, Path]:
    end = (pd.Timestamp("2020-01-01") + pd.Timedelta(days=days)).isoformat()
    return gf.load_scenario(
        "west_texas_2020",
        assignments=[f"horizon.end={end}", "assets.battery.final_soc=0.5", *extra],
    )


def test_windows_cover_the_horizon_once() -> None:
    plan = plan_windows(100, 1.0, 48, 24)
    # 0-24, 24-48, 48-72, then 72-100 reaches the end and commits all of it.
    assert [(w.start, w.commit, w.stop, w.last) for w in plan] == [
        (0, 24, 48, False),
        (24, 48, 72, False),
        (48, 72, 96, False),
        (72, 100, 100, True),
    ]
    one = plan_windows(5, 0.25, 0.25, 0.25)  # real-time: one interval a window
    assert [(w.start, w.commit) for w in one] == [(k, k + 1) for k in range(5)]
    assert [w.last for w in one] == [False] * 4 + [True]


def test_one_window_with_perfect_forecast_equals_the_normal_solve() -> None:
    sc, base = _default_days(3)
    normal = gf.run(sc, base_dir=base)
    rolled = run_rolling(
        sc, base_dir=base, lookahead_h=72, commit_h=72, foresight=False
    )
    assert rolled.summary["rolling"]["windows"] == 1
    assert rolled.summary["profit_usd"] == pytest.approx(
        normal.summary["profit_usd"], rel=1e-9
    )
    cols = ["site.grid_import_mw", "battery.soc_mwh", "s19xp_fleet.power_mw"]
    np.testing.assert_allclose(
        rolled.timeseries[cols].to_numpy(),
        normal.timeseries[cols].to_numpy(),
        atol=1e-6,
    )


def test_no_time_coupling_gives_the_same_profit_rolling() -> None:
    # Fleets only: every hour is decided on its own, so windows lose nothing.
    sc, base = _default_days(4)
    data = sc.model_dump(mode="python")
    data["assets"] = [a for a in data["assets"] if a["type"] == "asic_fleet"]
    only_fleets = gf.Scenario.model_validate(data)
    normal = gf.run(only_fleets, base_dir=base)
    rolled = run_rolling(
        only_fleets, base_dir=base, lookahead_h=48, commit_h=24, foresight=False
    )
    assert rolled.summary["rolling"]["windows"] == 3
    assert rolled.summary["profit_usd"] == pytest.approx(
        normal.summary["profit_usd"], rel=1e-9
    )
    assert_balance_closes(rolled)


def test_battery_energy_is_carried_into_the_next_window() -> None:
    # Day 1 at 10 USD/MWh, days 2-3 at 50. Windows 48:24: the first sees day 2 and
    # fills the 4 MWh battery on day 1 (4/0.9 MWh bought at 10); the second starts
    # with 4 MWh and sells 4 × 0.9 MWh at 50. Profit 180 − 44.44 = 135.56, the
    # perfect-foresight optimum.
    prices = [10.0] * 24 + [50.0] * 48
    sc = small_scenario(prices, [BATTERY], hashprice_usd_per_ths_day=None, **EXPORT)
    res = run_rolling(sc, lookahead_h=48, commit_h=24)
    expected = 4 * 0.9 * 50 - 4 / 0.9 * 10
    assert res.summary["profit_usd"] == pytest.approx(expected, rel=1e-9)
    ts = res.timeseries
    assert ts["bess.soc_mwh"].iloc[23] == pytest.approx(4.0)
    r = res.summary["rolling"]
    assert r["value_of_perfect_foresight_usd"] == pytest.approx(0.0, abs=1e-6)
    log = res.tables["rolling_windows.csv"]
    assert '"soc_mwh": 4.0' in log["state_out"].iloc[0]
    assert log["state_in"].iloc[1] == log["state_out"].iloc[0]


def test_end_of_window_values_stored_energy_at_the_median_price() -> None:
    # Windows of 24 h that commit 24 h see no later day. Day 1 prices: 10 for 12 h,
    # 30 for 12 h (median 20 → a stored MWh is worth 20 × 0.9 = 18 at the window's
    # end). Filling at 10 costs 11.1 per MWh stored: the battery buys at 10, sells
    # nothing at 30 (27 per MWh delivered from 18 worth of stored energy ... it
    # sells: 30 × 0.9 = 27 > 18), so it cycles once and ends the day empty.
    # Day 2 (the last window, final_soc free) is flat at 10: nothing to do.
    prices = [10.0] * 12 + [30.0] * 12 + [10.0] * 24
    sc = small_scenario(prices, [BATTERY], hashprice_usd_per_ths_day=None, **EXPORT)
    res = run_rolling(sc, lookahead_h=24, commit_h=24, foresight=False)
    assert res.summary["profit_usd"] == pytest.approx(4 * 0.9 * 30 - 4 / 0.9 * 10)
    # At a flat 10 the median is 10: a stored MWh is worth 9 < 11.1, so it stays empty.
    assert res.timeseries["bess.soc_mwh"].iloc[24:].max() == pytest.approx(
        0.0, abs=1e-9
    )


def test_settlement_uses_actual_prices_not_the_forecast() -> None:
    # The operator believes 10 USD/MWh all day; hour 5 actually costs 1000. The
    # fleet (breakeven far above 10, far below 1000) runs flat out, pays 1000 in
    # hour 5, and the perfect-foresight run switches it off for that hour.
    actual = [10.0] * 24
    actual[5] = 1000.0
    forecast = {"format": "inline", "unit": "usd_per_mwh", "values": [10.0] * 24}
    sc = small_scenario(actual, [FLEET], hashprice_usd_per_ths_day=0.05)
    res = run_rolling(sc, lookahead_h=12, commit_h=6, forecasts={"price": forecast})
    ts = res.timeseries
    assert ts["site.price_usd_per_mwh"].iloc[5] == 1000.0
    assert ts["fleet.power_mw"].iloc[5] == pytest.approx(1.0)
    paid = float((ts["site.grid_import_mw"] * ts["site.price_usd_per_mwh"]).sum())
    assert res.summary["energy_cost_usd"] == pytest.approx(paid)
    # Perfect foresight gives up hour 5's mining revenue and saves its 1000 USD.
    hour5_revenue = float(ts["fleet.revenue_usd"].iloc[5])
    r = res.summary["rolling"]
    assert r["value_of_perfect_foresight_usd"] == pytest.approx(1000.0 - hour5_revenue)
    assert r["value_of_better_forecast_usd"] == pytest.approx(1000.0 - hour5_revenue)
    table = res.tables["foresight.csv"].set_index("stream")
    assert table.loc["energy", "value_of_perfect_foresight_usd"] == pytest.approx(
        1000.0
    )
    assert table.loc["total", "realised_usd"] == pytest.approx(
        res.summary["profit_usd"]
    )


def test_streams_add_up_to_profit() -> None:
    sc, base = _default_days(2)
    res = run_rolling(sc, base_dir=base, lookahead_h=24, commit_h=12, foresight=False)
    assert sum(streams(res).values()) == pytest.approx(res.summary["profit_usd"])


def test_persistence_repeats_the_last_known_day() -> None:
    # On 2020-01-02 a persistence_day forecast is 2020-01-01's prices, hour by hour.
    sc, base = _default_days(3)
    res = run_rolling(
        sc,
        base_dir=base,
        lookahead_h=48,
        commit_h=24,
        forecasts={"price": "persistence_day"},
        foresight=False,
    )
    assert res.summary["rolling"]["forecasts"]["price"] == "persistence_day"
    # Settled at actual prices: the table's price is the actual one.
    normal = gf.run(sc, base_dir=base)
    np.testing.assert_array_equal(
        res.timeseries["site.price_usd_per_mwh"],
        normal.timeseries["site.price_usd_per_mwh"],
    )
    assert res.summary["profit_usd"] <= normal.summary["profit_usd"] + 1e-6


# ---- command line and bad input -------------------------------------------------
def _write(tmp_path: Path, scenario: gf.Scenario, **patch: Any) -> Path:
    data = scenario.model_dump(mode="json", exclude_none=True)
    data.update(patch)
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


_SIZED_DR: dict[str, Any] = {
    "type": "demand_response",
    "id": "dr",
    "events": {"price_above_usd_per_mwh": 40.0},
    "size": {"max_mw": 1.0},
    "baseline": "declared",
    "baseline_mw": 1.0,
    "payment_usd_per_mwh": 50.0,
    "capacity": {"assets": ["fleet"], "price_usd_per_mw_per_h": 10.0},
}


def _small_battery_file(tmp_path: Path, **patch: Any) -> Path:
    sc = small_scenario(
        [10.0] * 24 + [50.0] * 24, [BATTERY], hashprice_usd_per_ths_day=None, **EXPORT
    )
    return _write(tmp_path, sc, **patch)


def test_cli_rolling_writes_foresight(tmp_path: Path) -> None:
    path = _small_battery_file(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["solve", str(path), "--rolling", "24:12", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "value of perfect foresight" in result.output
    table = pd.read_csv(out / "foresight.csv")
    assert list(table["stream"]) == ["energy", "battery", "total"]
    assert "rolling" in (out / "summary.json").read_text()


@pytest.mark.parametrize(
    ("args", "patch", "field"),
    [
        (["--rolling", "12:24"], {}, "rolling.commit_h"),
        (["--rolling", "24:7.5"], {}, "rolling.commit_h"),
        (["--rolling", "48"], {}, "--rolling"),
        (
            ["--rolling", "24:12"],
            {"assets": [{**BATTERY, "final_soc": "cyclic"}]},
            "assets.bess.final_soc",
        ),
    ],
)
def test_cli_bad_rolling_input_exits_2(
    tmp_path: Path, args: list[str], patch: dict[str, Any], field: str
) -> None:
    path = _small_battery_file(tmp_path, **patch)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["solve", str(path), *args, "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert field in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("fleet", "programs", "field"),
    [
        ({**FLEET, "power_mw": None, "size": {"max_mw": 2.0}}, [], "assets[0].size"),
        (FLEET, [_SIZED_DR], "programs.dr.size"),
    ],
)
def test_cli_rolling_refuses_a_sized_capacity(
    tmp_path: Path, fleet: dict[str, Any], programs: list[Any], field: str
) -> None:
    # each window would choose its own size (a fleet re-sized every day, a DR
    # commitment of 1 MW one day and 0 the next): refused before any work
    fleet = {k: v for k, v in fleet.items() if v is not None}
    sc = small_scenario(
        [10.0] * 24 + [50.0] * 24,
        [fleet],
        hashprice_usd_per_ths_day=0.1,
        programs=programs,
    )
    path = tmp_path / "site.yaml"
    data = sc.model_dump(mode="json", exclude_unset=True)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["solve", str(path), "--rolling", "24:12", "-o", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert field in result.output
    assert not out.exists()


def test_forecast_series_not_covering_the_horizon_exits_2(tmp_path: Path) -> None:
    short = {"format": "inline", "unit": "usd_per_mwh", "values": [10.0] * 24}
    rolling = {"lookahead_h": 24, "commit_h": 12, "forecasts": {"price": short}}
    path = _small_battery_file(tmp_path, rolling=rolling)
    result = CliRunner().invoke(main, ["solve", str(path)])
    assert result.exit_code == 2, result.output
    assert "rolling.forecasts.price" in result.output


def test_forecast_file_not_covering_the_horizon_names_the_field(tmp_path: Path) -> None:
    sc, base = _default_days(2)
    dam_2019 = {
        "format": "ercot_dam",
        "file": "bundled:ercot_dam_spp_hubs_lz_2019.csv",
        "column": "LZ_WEST",
    }
    with pytest.raises(gf.DataError, match=r"rolling\.forecasts\.price .*covers"):
        run_rolling(
            sc,
            base_dir=base,
            lookahead_h=24,
            commit_h=24,
            forecasts={"price": dam_2019},
        )


def test_windows_built_as_arrays_equal_pyomo_windows() -> None:
    # The fast path (array-only windows, one HiGHS model updated in place and
    # re-solved from the last window's basis) against the Pyomo build of the same
    # windows solved from scratch: a second formulation of every window's LP.
    from grid_flex.api import solve_options
    from grid_flex.inputs import prepare_inputs
    from grid_flex.io.catalog import load_catalog
    from grid_flex.studies.rolling import roll, rolling_spec

    sc, base = _default_days(4)
    spec = rolling_spec(
        sc, lookahead_h=36, commit_h=12, forecasts={"price": "persistence_day"}
    )
    cat = load_catalog()
    actual = prepare_inputs(sc, base, cat)
    runs = [
        roll(
            sc,
            base,
            spec,
            catalog=cat,
            actual=actual,
            options=solve_options(sc),
            arrays=a,
            warm=w,
        )
        for a, w in ((True, True), (True, False), (False, False))
    ]
    warm, cold, slow = ([row["window_objective_usd"] for row in r.log] for r in runs)
    np.testing.assert_allclose(warm, slow, rtol=1e-9)
    np.testing.assert_allclose(cold, slow, rtol=1e-9)
    kinds = [row["solve"] for row in runs[0].log]
    # 6 windows of 36 h starting every 12 h over 96 h; the last reaches the end,
    # keeps the scenario's end state and has no end value: another structure.
    assert kinds == ["cold"] + ["in_place"] * 4 + ["cold"], kinds
    assert {row["solve"] for row in runs[1].log} == {"cold"}
    assert {row["solve"] for row in runs[2].log} == {"pyomo"}
    for name, pieces in runs[2].committed.items():
        for (s1, v1), (s2, v2) in zip(pieces, runs[1].committed[name], strict=True):
            assert s1 == s2
            np.testing.assert_allclose(v1, v2, atol=1e-6)


def test_a_failing_window_names_its_times_and_state() -> None:
    # 4 MWh battery, 1 MW, empty at the start, must end full (4 / 0.9 = 4.4 h of
    # charging). Windows of 3 h: the first has no end condition and, at a flat 100
    # USD/MWh (a stored MWh worth 90 < 111 to store), stays empty; the last cannot
    # charge 4.4 h in 3 h.
    battery = {**BATTERY, "final_soc": 1.0}
    sc = small_scenario(
        [100.0] * 6, [battery], hashprice_usd_per_ths_day=None, **EXPORT
    )
    with pytest.raises(gf.SolveError) as err:
        run_rolling(sc, lookahead_h=3, commit_h=3, foresight=False)
    text = str(err.value)
    assert "rolling window 1 (2024-06-03 03:00" in text
    assert '"soc_mwh": 0.0' in text
    assert "no feasible schedule" in text


def test_bundled_uri_study_decides_on_the_dam_and_settles_in_real_time() -> None:
    res = run_rolling("ercot_uri_feb2021_rolling")
    r = res.summary["rolling"]
    assert r["forecasts"]["price"] == "series"
    assert r["windows"] == 28  # days of February 2021
    # Settled at the real-time price, which passed the 9,000 USD/MWh offer cap
    # (settlement point prices add adders to it).
    assert res.timeseries["site.price_usd_per_mwh"].max() > 9000.0
    # Deciding on the day-ahead price costs money against both perfect runs.
    assert r["value_of_perfect_foresight_usd"] > 0
    assert r["value_of_better_forecast_usd"] > 0
    table = res.tables["foresight.csv"].set_index("stream")
    assert table.loc["total", "realised_usd"] == pytest.approx(
        res.summary["profit_usd"]
    )


def test_persistence_forecast_by_hand() -> None:
    from grid_flex.studies.rolling_forecast import Forecast

    # A lag of 3 intervals; history holds the 3 intervals before the horizon
    # (-1, -2, -3) and then the horizon's actual values 10, 11, 12, ...
    fc = Forecast("persistence_day", np.array([-3.0, -2.0, -1.0, *range(10, 20)]), 3)
    # Decided at 0: the last known "day" is -3, -2, -1, repeated.
    np.testing.assert_array_equal(fc.window(0, 5), [-3, -2, -1, -3, -2])
    # Decided at 4: the last known day is intervals 1, 2, 3 (values 11, 12, 13).
    np.testing.assert_array_equal(fc.window(4, 9), [11, 12, 13, 11, 12])
    perfect = Forecast("perfect", np.arange(5.0), 0)
    np.testing.assert_array_equal(perfect.window(1, 3), [1.0, 2.0])


def test_states_written_as_json_lines_resume_the_run(tmp_path: Path) -> None:
    # Every window's state in and out is one JSON line; the state a window ends
    # with is the next one's start; reading a window's state back and resuming the
    # run there gives the same windows as the whole run.
    from grid_flex.api import solve_options
    from grid_flex.inputs import prepare_inputs
    from grid_flex.io.catalog import load_catalog
    from grid_flex.studies.rolling import read_states, roll, rolling_spec

    sc, base = _default_days(3)
    res = run_rolling(
        sc,
        base_dir=base,
        lookahead_h=36,
        commit_h=12,
        foresight=False,
        out_dir=tmp_path / "out",
    )
    records = read_states(tmp_path / "out" / "rolling_states.jsonl")
    assert [r["window"] for r in records] == list(range(4))  # 0, 12, 24, 36 h
    assert records[0]["state_in"] == {}
    for before, after in itertools.pairwise(records):
        assert before["state_out"] == after["state_in"]
        assert before["commit_end_utc"] == after["start_utc"]
    soc = records[2]["state_in"]["battery"].soc_mwh
    assert f'"soc_mwh": {soc}' in res.tables["rolling_windows.csv"]["state_in"][2]

    spec = rolling_spec(sc, lookahead_h=36, commit_h=12)
    cat = load_catalog()
    actual = prepare_inputs(sc, base, cat)

    def once(resume: Any = None) -> list[float]:
        run = roll(
            sc,
            base,
            spec,
            catalog=cat,
            actual=actual,
            options=solve_options(sc),
            resume=resume,
        )
        return [row["window_objective_usd"] for row in run.log]

    whole = once()
    resumed = once((2, records[2]["state_in"]))
    np.testing.assert_allclose(resumed, whole[2:], rtol=1e-9)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"window": 0, "state_in": {"x": {"type": "Nope"}}}\n')
    with pytest.raises(
        gf.DataError, match=r"bad\.jsonl: line 1: .*unknown type 'Nope'"
    ):
        read_states(bad)
