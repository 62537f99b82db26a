"""Sweeps: engines agree, a killed sweep resumes, failures are kept, bad input exits 2.

Cases are three-day horizons of the default site (about 0.1 s of HiGHS each).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import grid_flex.studies.sweep as sweep_mod
from grid_flex.cli import main
from grid_flex.studies.sweep import run_sweep
from grid_flex.studies.sweep_spec import case_key, expand, read_spec

pytestmark = pytest.mark.solver

ROOT = Path(__file__).resolve().parents[2]

SPEC = """\
base: west_texas_2020
set: {horizon.end: 2020-01-04T00:00:00}
grid:
  - {path: hashprice.derive.btc_price_usd, values: [8000, 12000]}
  - {path: energy.adders_usd_per_mwh, range: {start: 0, stop: 30, num: 3}}
one_at_a_time:
  - {path: site.import_limit_mw, low: 30, high: 70}
  - {path: assets.battery.count, rel_step_frac: 0.5}
two_way: {x: hashprice.derive.btc_price_usd, y: energy.adders_usd_per_mwh}
"""
N_CASES = 6 + 1 + 4  # grid, base, low/high per parameter

SMALL_BATTERY = """\
name: small_battery
site: {import_limit_mw: 1000}
horizon: {start: 2024-06-03T00:00:00+00:00, end: 2024-06-03T02:00:00+00:00,
          timestep_min: 60, timezone: UTC}
energy:
  price: {format: inline, unit: usd_per_mwh, values: [30.0, 40.0]}
assets:
  - {type: battery, id: store, model: battery/generic_lfp_4h_1mw, power_mw: 1,
     energy_mwh: 4, round_trip_eff_frac: 0.81, soc_min_frac: 0, soc_max_frac: 1,
     degradation_usd_per_mwh: 0, initial_soc_frac: 0.05, final_soc: 0.5}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def cli(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def assert_same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Same rows, columns and strings; numbers equal to solver tolerance.

    Warm starts follow each worker's order of cases, so an LP with several optima
    may be left at another vertex: objectives agree to 1e-9, schedules to 1e-6.
    """
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-6, err_msg=col)
        else:
            assert x.astype(str).tolist() == y.astype(str).tolist(), col


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("spec"), "sweep.yaml", SPEC)


@pytest.fixture(scope="module")
def reference(spec_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "out"
    outcome = run_sweep(spec_file, out, quiet=True)
    assert (outcome.cases, outcome.solved, outcome.failed) == (N_CASES, N_CASES, 0)
    return out


def test_summary_has_one_row_per_case_and_axis_columns(reference: Path) -> None:
    s = pd.read_parquet(reference / "summary.parquet")
    assert len(s) == N_CASES
    assert (s["status"] == "ok").all()
    assert s["case"].tolist() == list(range(N_CASES))
    for path in ("hashprice.derive.btc_price_usd", "site.import_limit_mw"):
        assert path in s.columns
    # Axis columns hold each case's actual value (the base where not varied).
    low = s[(s["group"] == "low") & (s["param"] == "assets.battery.count")]
    assert low["assets.battery.count"].tolist() == [5]
    assert low["site.import_limit_mw"].tolist() == [60]
    # More expensive energy never raises profit; a higher BTC price never lowers it.
    grid = s[s["group"] == "grid"]
    for _, by_price in grid.groupby("hashprice.derive.btc_price_usd"):
        assert by_price.sort_values("energy.adders_usd_per_mwh")[
            "profit_usd"
        ].is_monotonic_decreasing
    pd.testing.assert_frame_equal(
        pd.read_csv(reference / "summary.csv")[["key", "profit_usd"]],
        s[["key", "profit_usd"]],
    )


def test_tornado_and_two_way_tables(reference: Path) -> None:
    s = pd.read_parquet(reference / "summary.parquet")
    tornado = pd.read_csv(reference / "tornado.csv")
    assert list(tornado.columns) == [
        "parameter", "low_value", "high_value", "kpi", "kpi_low", "kpi_high",
        "kpi_base", "swing",
    ]  # fmt: skip
    assert set(tornado["parameter"]) == {"site.import_limit_mw", "assets.battery.count"}
    assert tornado["swing"].is_monotonic_decreasing
    base = s.loc[s["group"] == "base", "profit_usd"].item()
    assert np.allclose(tornado["kpi_base"], base)
    row = tornado.set_index("parameter").loc["site.import_limit_mw"]
    assert (row["low_value"], row["high_value"]) == (30, 70)
    assert row["kpi_low"] == pytest.approx(
        s.loc[(s["group"] == "low") & (s["param"] == "site.import_limit_mw"),
              "profit_usd"].item()
    )  # fmt: skip
    two = pd.read_csv(reference / "two_way.csv")
    assert len(two) == 6
    assert set(two["x_value"]) == {8000, 12000}
    assert set(two["y_value"]) == {0, 15, 30}


def test_keys_stable_and_changing_with_scenario_and_version(spec_file: Path) -> None:
    spec, folder = read_spec(spec_file)
    first = expand(spec, folder)
    again = expand(spec, folder)
    assert [c.key for c in first] == [c.key for c in again]
    assert len({c.key for c in first}) == N_CASES  # every case differs
    c = first[0]
    assert case_key(c.scenario, c.base_dir, version="0.0.0-other") != c.key
    # The tornado's base case is the default site: same key as the grid point with
    # the same numbers would have; a changed number changes it.
    base = next(x for x in first if x.group == "base")
    assert base.key not in {x.key for x in first if x.group != "base"}


def test_local_processes_and_dask_give_the_same_tables(
    spec_file: Path, reference: Path, tmp_path: Path
) -> None:
    pytest.importorskip("dask.distributed")
    ref = pd.read_parquet(reference / "summary.parquet")
    for args in (("--workers", "2"), ("--dask", "local:1")):
        out = tmp_path / args[0].strip("-")
        code, output = cli("sweep", spec_file, "-o", out, "-q", *args)
        assert code == 0, output
        assert_same_table(pd.read_parquet(out / "summary.parquet"), ref)
        assert_same_table(
            pd.read_csv(out / "tornado.csv"), pd.read_csv(reference / "tornado.csv")
        )


@pytest.mark.parametrize("workers", ["1", "2"])
def test_killed_sweep_resumes_without_solving_any_case_twice(
    spec_file: Path, reference: Path, tmp_path: Path, workers: str
) -> None:
    # With 2 workers the cases go out in runs and each worker stores its own rows;
    # the whole process group is killed, as a crash or a dead node would.
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "from grid_flex.cli import main; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "sweep", str(spec_file), "-o", str(out), "-q",
         "--workers", workers],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    cases = out / "cases"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if cases.is_dir() and len(list(cases.glob("*.json"))) >= 2:
            break
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {
        p.stem: json.loads(p.read_text(encoding="utf-8"))["run_id"]
        for p in cases.glob("*.json")
    }
    assert 2 <= len(before) < N_CASES, "the sweep must be killed mid-way"
    solved_now: list[str] = []
    outcome = run_sweep(
        spec_file, out, quiet=True, on_row=lambda r: solved_now.append(r["key"])
    )
    assert set(solved_now).isdisjoint(before)
    assert len(solved_now) == N_CASES - len(before) == outcome.solved
    assert outcome.skipped == len(before)
    for key, run_id in before.items():  # finished files were not rewritten
        assert json.loads((cases / f"{key}.json").read_text())["run_id"] == run_id
    assert not list(cases.glob(".*"))  # no temporary file left behind
    assert_same_table(
        pd.read_parquet(out / "summary.parquet"),
        pd.read_parquet(reference / "summary.parquet"),
    )


def test_failing_cases_are_recorded_and_the_rest_finish(tmp_path: Path) -> None:
    scenario = write(tmp_path, "battery.yaml", SMALL_BATTERY)
    spec = write(
        tmp_path,
        "sweep.yaml",
        f"base: {scenario.name}\n"
        "grid:\n"
        "  - {path: assets.store.final_soc, values: [0.3, 0.95, 0.5]}\n"
        "  - {path: energy.price.values, values: [[30.0, 40.0], [30.0]]}\n",
    )
    code, output = cli("sweep", spec, "-o", tmp_path / "out", "-q")
    assert code == 0, output
    s = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert len(s) == 6
    by = s.set_index("case")
    # final_soc 0.95 cannot be reached in two hours at 1 MW: infeasible, explained.
    assert by.loc[2, "status"] == "infeasible"
    assert "final_soc" in by.loc[2, "error"]
    # One price for two intervals: a data error found when the case is prepared.
    assert set(by.loc[[1, 3, 5], "status"]) == {"bad_input"}
    assert set(by.loc[[0, 4], "status"]) == {"ok"}
    # Store 0.45·4 = 1.8 MWh at η = 0.9 (0.81 round trip): 2 MWh bought, 1 MWh in
    # each hour (1 MW): 30 + 40.
    assert by.loc[4, "profit_usd"] == pytest.approx(-70.0, rel=1e-9)
    failures = pd.read_csv(tmp_path / "out" / "failures.csv")
    assert sorted(failures["case"]) == [1, 2, 3, 5]
    assert failures["error"].notna().all()


def test_folder_of_scenarios(tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    write(folder, "a.yaml", SMALL_BATTERY)
    write(folder, "b.yaml", SMALL_BATTERY.replace("final_soc: 0.5", "final_soc: free"))
    spec = write(tmp_path, "sweep.yaml", "scenarios: cases\n")
    code, output = cli("sweep", spec, "-o", tmp_path / "out", "-q")
    assert code == 0, output
    s = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert s["file"].tolist() == ["a.yaml", "b.yaml"]
    assert s["profit_usd"].tolist() == pytest.approx([-70.0, 0.0], abs=1e-7)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("grid: [{path: site.no_such_field, values: [1]}]", "site.no_such_field"),
        ("grid: [{path: assets.no_fleet.count, values: [1]}]", "no_fleet"),
        ("grid: [{path: site.import_limit_mw, range: {start: 1, stop: 2, num: 0}}]",
         "num"),
        ("grid: [{path: site.import_limit_mw, values: []}]", "empty"),
        ("sample: {method: lhs, n: 4, params: [{path: site.import_limit_mw, low: 1, "
         "high: 2}]}", "seed"),
        ("grid: [{path: site.import_limit_mw, values: [50, -5]}]", "case 1"),
        ("grdi: []", "grdi"),
        ("set: {horizon.end: 2020-01-61}", "not a valid date"),
    ],
)  # fmt: skip
def test_bad_spec_exits_2_before_any_solve(
    tmp_path: Path, body: str, expected: str
) -> None:
    spec = write(tmp_path, "sweep.yaml", f"base: west_texas_2020\n{body}\n")
    code, output = cli("sweep", spec, "-o", tmp_path / "out")
    assert code == 2, output
    assert expected in output
    assert not list((tmp_path / "out").glob("cases/*"))


def test_unreachable_dask_scheduler_exits_2_before_any_solve(
    spec_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(sweep_mod, "DASK_TIMEOUT_S", 1)
    out = tmp_path / "out"
    code, output = cli("sweep", spec_file, "-o", out, "--dask", "tcp://127.0.0.1:9")
    assert code == 2, output
    assert "cannot reach the Dask scheduler" in output
    assert not list(out.glob("cases/*"))


def test_foreign_output_folder_is_refused(spec_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("keep me")
    code, output = cli("sweep", spec_file, "-o", out)
    assert code == 2, output
    assert "not empty" in output
