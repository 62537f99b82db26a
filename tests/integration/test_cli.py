"""The ``grid-flex`` command line, run in-process with click's CliRunner.

Exit codes: 0 success, 1 no solution (infeasible...), 2 bad input. Short horizons
(``--set horizon.end=...``) keep the file fast; only the default solve runs a year.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner, Result

import grid_flex.output
from grid_flex.cli import main
from grid_flex.errors import DataError
from grid_flex.resources import scenarios_dir

pytestmark = pytest.mark.solver

SHORT = ("--set", "horizon.end=2020-01-04T00:00:00")  # three days of the default
BUNDLED = sorted(scenarios_dir().glob("*.yaml"))

INFEASIBLE_YAML = """\
name: infeasible_battery
site:
  import_limit_mw: 1000
horizon:
  start: 2024-06-03T00:00:00+00:00
  end: 2024-06-03T02:00:00+00:00
  timestep_min: 60
  timezone: UTC
energy:
  price:
    format: inline
    unit: usd_per_mwh
    values: [30.0, 40.0]
assets:
  - type: battery
    id: store
    model: battery/generic_lfp_4h_1mw
    power_mw: 1
    energy_mwh: 4
    initial_soc_frac: 0.05
    final_soc: 0.95
"""


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def ok(*args: str | Path) -> Result:
    result = run(*args)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def summary(folder: Path) -> dict[str, Any]:
    data = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return dict(data["summary"])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(parent: Path, name: str) -> list[str]:
    """Temporary siblings (``.name.*``) a write left behind."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def default_with(tmp_path: Path, name: str = "site.yaml", **changes: Any) -> Path:
    """A copy of the bundled default with ``changes`` merged into its top level."""
    data = yaml.safe_load((scenarios_dir() / "west_texas_2020.yaml").read_text())
    for key, value in changes.items():
        if isinstance(value, dict):
            data[key] = {**data.get(key, {}), **value}
        else:
            data[key] = value
    return write(tmp_path, name, yaml.safe_dump(data, sort_keys=False))


# ---- solve ---------------------------------------------------------------------------
def test_solve_without_argument_solves_bundled_default() -> None:
    result = ok("solve")
    out = result.output
    for label in (
        "west_texas_today",
        "era: today's site: S21 miners",
        "8,784 intervals",
        "Operating profit",
        "Mining (s21_fleet)",
        "Energy (imports less exports)",
        "Peak import [MW]",
        "s21_fleet (asic_fleet)",
        "battery (battery)",
        "-o DIR",
    ):
        assert label in out, f"{label!r} missing from:\n{out}"


def test_solve_quiet_prints_nothing(tmp_path: Path) -> None:
    result = ok("solve", *SHORT, "-q", "-o", tmp_path / "out")
    assert result.output == ""
    assert (tmp_path / "out" / "summary.json").is_file()


def test_solve_writes_results_and_resolved_scenario_reproduces(tmp_path: Path) -> None:
    out = tmp_path / "run1"
    result = ok("solve", scenarios_dir() / "west_texas_2020.yaml", *SHORT, "-o", out)
    assert str(out) in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".grid-flex-files",
        "bid_curves.csv",
        "columns.csv",
        "scenario.yaml",
        "summary.json",
        "timeseries.csv",
    ]
    table = pd.read_csv(out / "timeseries.csv")
    assert len(table) == 72
    bids = pd.read_csv(out / "bid_curves.csv")
    assert set(bids["asset_id"]) == {"s19xp_fleet", "s19jpro_fleet"}
    first = summary(out)
    assert first["intervals"] == 72
    assert first["scenario"] == "west_texas_2020"
    resolved = yaml.safe_load((out / "scenario.yaml").read_text(encoding="utf-8"))
    assert str(resolved["horizon"]["end"]).startswith("2020-01-04")

    again = tmp_path / "elsewhere" / "run2"
    ok("solve", out / "scenario.yaml", "-o", again)
    second = summary(again)
    assert second["intervals"] == 72
    assert second["profit_usd"] == pytest.approx(first["profit_usd"], rel=1e-6)
    assert second["energy_bought_mwh"] == pytest.approx(
        first["energy_bought_mwh"], rel=1e-6
    )


def test_resolved_scenario_with_relative_data_runs_from_results_folder(
    tmp_path: Path,
) -> None:
    """A scenario reading ``prices.csv`` next to it re-runs from its results folder."""
    project = tmp_path / "project"
    project.mkdir()
    stamps = pd.date_range("2024-06-03 00:00", periods=48, freq="h")
    pd.DataFrame(
        {"time": stamps.strftime("%Y-%m-%d %H:%M"), "price": [20.0, 90.0] * 24}
    ).to_csv(project / "prices.csv", index=False)
    scenario = write(
        project,
        "csv_site.yaml",
        """\
name: csv_site
site: {import_limit_mw: 5, export_limit_mw: 5, timezone: UTC}
horizon: {start: 2024-06-03T00:00:00, end: 2024-06-05T00:00:00, timezone: UTC}
energy:
  price:
    format: csv
    file: prices.csv
    time_column: time
    value_column: price
    unit: usd_per_mwh
    time_convention: start
    timezone: UTC
assets:
  - {type: battery, id: bess, model: battery/generic_lfp_2h_1mw, count: 2}
""",
    )
    out = tmp_path / "results" / "csv_run"
    ok("solve", scenario, "-o", out)
    again = tmp_path / "results" / "csv_rerun"
    ok("solve", out / "scenario.yaml", "-o", again)
    assert summary(again)["profit_usd"] == pytest.approx(
        summary(out)["profit_usd"], rel=1e-6
    )
    # the battery exports at 90 what it bought at 20
    assert summary(out)["profit_usd"] > 0


def test_out_onto_foreign_folder_is_refused_and_untouched(tmp_path: Path) -> None:
    target = tmp_path / "my_documents"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")
    (target / "sub").mkdir()
    (target / "sub" / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    before = snapshot(target)

    result = run("solve", *SHORT, "-o", target)

    assert result.exit_code == 2, result.output
    assert "my_documents" in result.stderr
    assert "notes.txt" in result.stderr
    assert "did not write" in result.stderr
    assert snapshot(target) == before
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt", "sub"]
    assert leftovers(tmp_path, "my_documents") == []


def test_out_onto_earlier_results_folder_replaces_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ok("solve", *SHORT, "-o", out)
    first = summary(out)
    ok("solve", *SHORT, "--set", "site.import_limit_mw=30", "-o", out)
    assert summary(out)["peak_import_mw"] <= 30 + 1e-6
    assert summary(out)["profit_usd"] != pytest.approx(first["profit_usd"])
    assert leftovers(tmp_path, "out") == []


def test_out_onto_empty_folder_is_accepted(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    ok("solve", *SHORT, "-o", out)
    assert (out / "summary.json").is_file()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(("--set", "site.import_limit_mw=-1"), 2, id="bad_value"),
        pytest.param(("--set", "site.import_limt_mw=20"), 2, id="typo"),
        pytest.param(("--set", "energy.price.column=LZ_WST"), 2, id="bad_column"),
    ],
)
def test_failing_run_leaves_no_output(
    args: tuple[str, ...], code: int, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run("solve", *SHORT, *args, "-o", out)
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("error:")
    assert not out.exists()
    assert leftovers(tmp_path, "out") == []
    assert list(tmp_path.iterdir()) == []


def test_infeasible_run_leaves_no_output(tmp_path: Path) -> None:
    scenario = write(tmp_path, "infeasible.yaml", INFEASIBLE_YAML)
    out = tmp_path / "out"
    result = run("solve", scenario, "-o", out)
    assert result.exit_code == 1, result.output
    assert not out.exists()
    assert leftovers(tmp_path, "out") == []


def test_failure_while_writing_leaves_no_partial_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails half-way (after the time series) leaves nothing behind."""

    def broken(*_args: Any, **_kwargs: Any) -> str:
        raise DataError("simulated failure while writing scenario.yaml")

    monkeypatch.setattr(grid_flex.output, "resolved_scenario_yaml", broken)
    out = tmp_path / "out"
    result = run("solve", *SHORT, "-o", out)
    assert result.exit_code == 2, result.output
    assert "simulated failure" in result.stderr
    assert not out.exists()
    assert leftovers(tmp_path, "out") == []


def test_failed_rerun_keeps_earlier_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    ok("solve", *SHORT, "-o", out)
    before = snapshot(out)

    bad = run("solve", *SHORT, "--set", "site.import_limit_mw=-1", "-o", out)
    assert bad.exit_code == 2
    assert snapshot(out) == before

    def broken(*_args: Any, **_kwargs: Any) -> str:
        raise DataError("simulated failure while writing scenario.yaml")

    monkeypatch.setattr(grid_flex.output, "resolved_scenario_yaml", broken)
    failed = run("solve", *SHORT, "--set", "site.import_limit_mw=30", "-o", out)
    assert failed.exit_code == 2
    assert snapshot(out) == before
    assert leftovers(tmp_path, "out") == []


def test_set_import_limit_changes_result(tmp_path: Path) -> None:
    base, limited = tmp_path / "base", tmp_path / "limited"
    ok("solve", *SHORT, "-o", base)
    ok("solve", *SHORT, "--set", "site.import_limit_mw=20", "-o", limited)
    assert summary(base)["peak_import_mw"] > 20 + 1e-3  # the limit binds
    assert summary(limited)["peak_import_mw"] <= 20 + 1e-6
    assert summary(limited)["profit_usd"] < summary(base)["profit_usd"]
    ts = pd.read_csv(limited / "timeseries.csv")
    assert ts["site.grid_import_mw"].max() <= 20 + 1e-6
    resolved = yaml.safe_load((limited / "scenario.yaml").read_text(encoding="utf-8"))
    assert resolved["site"]["import_limit_mw"] == 20


def test_set_unknown_asset_id_exits_2(tmp_path: Path) -> None:
    result = run("solve", *SHORT, "--set", "assets.batery.count=3")
    assert result.exit_code == 2
    assert "assets.batery" in result.stderr
    assert "battery" in result.stderr  # the ids that exist


def test_bad_set_syntax_exits_2() -> None:
    result = run("solve", "--set", "site.import_limit_mw")
    assert result.exit_code == 2
    assert "--set" in result.stderr
    assert "key.path=value" in result.stderr


def test_infeasible_scenario_explained_in_scenario_terms(tmp_path: Path) -> None:
    scenario = write(tmp_path, "infeasible.yaml", INFEASIBLE_YAML)
    result = run("solve", scenario)
    assert result.exit_code == 1, result.output
    message = result.stderr
    assert "feasible" in message
    assert "store" in message  # the battery id
    assert "final_soc" in message  # the end-state requirement
    assert "Traceback" not in result.output


def test_infeasible_fixture_is_feasible_with_lower_end_target(tmp_path: Path) -> None:
    """Same battery, reachable end state: solves (so the failure is the target)."""
    text = INFEASIBLE_YAML.replace("final_soc: 0.95", "final_soc: 0.5")
    ok("solve", write(tmp_path, "feasible.yaml", text))


# ---- validate ------------------------------------------------------------------------
@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_validate_every_bundled_scenario(path: Path) -> None:
    result = ok("validate", path)
    assert "valid" in result.output
    assert "data cover the horizon" in result.output


def test_validate_finds_bundled_scenarios_dir() -> None:
    assert BUNDLED, "no scenarios found in scenarios/"


def test_validate_broken_file_exits_2_with_message(tmp_path: Path) -> None:
    path = default_with(tmp_path, "broken.yaml", site={"import_limit_mw": -60})
    result = run("validate", path)
    assert result.exit_code == 2
    assert "broken.yaml" in result.stderr
    assert "site.import_limit_mw" in result.stderr
    assert "valid (" not in result.output


def test_validate_yaml_syntax_error_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, "syntax.yaml", "name: x\nsite:\n  a: 1\n b: 2\n")
    result = run("validate", path)
    assert result.exit_code == 2
    assert "syntax.yaml" in result.stderr
    assert "line 4" in result.stderr


def test_validate_no_data_skips_data_files(tmp_path: Path) -> None:
    path = default_with(
        tmp_path,
        "nodata.yaml",
        energy={
            "price": {"format": "ercot_dam", "file": "missing.csv", "column": "LZ_WEST"}
        },
    )
    with_data = run("validate", path)
    assert with_data.exit_code == 2
    assert "missing.csv" in with_data.stderr

    result = ok("validate", "--no-data", path)
    assert "data not read" in result.output


def test_validate_no_data_still_checks_fields(tmp_path: Path) -> None:
    path = default_with(tmp_path, "typo.yaml", site={"import_limt_mw": 60})
    result = run("validate", "--no-data", path)
    assert result.exit_code == 2
    assert "import_limt_mw" in result.stderr


def test_validate_no_data_checks_catalogue_references(tmp_path: Path) -> None:
    path = default_with(tmp_path, "badref.yaml")
    result = run(
        "validate", "--no-data", path, "--set", "assets.battery.model=battery/x"
    )
    assert result.exit_code == 2
    assert "battery/x" in result.stderr


def test_validate_no_data_checks_horizon_steps(tmp_path: Path) -> None:
    path = default_with(tmp_path, "steps.yaml")
    result = run(
        "validate", "--no-data", path, "--set", "horizon.end=2020-01-02T00:30:00"
    )
    assert result.exit_code == 2
    assert "horizon" in result.stderr


# ---- catalog and describe ------------------------------------------------------------
def test_catalog_lists_refs() -> None:
    out = ok("catalog").output
    for ref in (
        "asic/antminer_s21",
        "asic/antminer_s19j_pro",
        "battery/generic_lfp_4h_1mw",
    ):
        assert ref in out


def test_catalog_shows_one_entry() -> None:
    out = ok("catalog", "asic/antminer_s21").output
    entry = yaml.safe_load(out)
    assert entry["power_w"] == 3500
    assert entry["hashrate_ths"] == 200
    assert "3500" in out


def test_catalog_unknown_ref_exits_2() -> None:
    result = run("catalog", "asic/nope")
    assert result.exit_code == 2
    assert "asic/nope" in result.stderr


def test_catalog_close_ref_suggests() -> None:
    result = run("catalog", "asic/antminer_s12")
    assert result.exit_code == 2
    assert "did you mean" in result.stderr
    assert "asic/antminer_s21" in result.stderr


def test_describe_lists_components() -> None:
    out = ok("describe").output
    assert "power_balance" in out
    assert "grid_import_mw" in out
    assert "objective" in out


def test_unknown_scenario_name_exits_2(tmp_path: Path) -> None:
    result = run("solve", tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr


def test_validate_no_data_refuses_a_mining_ban_on_a_battery(tmp_path: Path) -> None:
    ban = {
        "type": "mining_ban",
        "asset_ids": ["battery"],
        "windows": {"recurring": [{"start_hour": 1, "end_hour": 2}]},
    }
    path = default_with(tmp_path, "ban.yaml", programs=[ban])
    result = run("validate", "--no-data", path)
    assert result.exit_code == 2, (result.output, result.exception)
    assert "ban.yaml" in result.stderr
    assert "programs.mining_ban.asset_ids: 'battery' is a battery" in result.stderr
    assert "valid (" not in result.output
