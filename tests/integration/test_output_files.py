"""Single output files (`report -o`, `tradeoff -o`), `-q`, and bugs reported as bugs.

`-o FILE` never writes over a file grid-flex did not write as that kind of output (a
scenario, one of a results folder's own tables): exit 2 naming the file, which is left
as it was. An earlier report or trade-off table is replaced (the usual workflow).
Through the CLI, as users see it, on a day of the default scenario or a few hours of
a hand-sized one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner, Result
from test_portfolio_cli import write_spec
from test_tradeoff import END, PROGRAM

import grid_flex.columns
from grid_flex.cli import main
from grid_flex.io.results_folder import MANIFEST
from grid_flex.testing import s21_fleet
from grid_flex.tradeoff import COLUMNS

pytestmark = pytest.mark.solver

DAY = ("--set", "horizon.end=2020-01-02T00:00:00")  # one day of the default
SCENARIO_TEXT = "name: mine\nsite: {import_limit_mw: 10}\n"
TRADEOFF = ("west_texas_2020", "--points", "2", "--by", "carbon_price")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder of one day of the default scenario."""
    out = tmp_path_factory.mktemp("results") / "day"
    result = run("solve", *DAY, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    return out


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# ---- report -o -----------------------------------------------------------------------
def test_report_refuses_to_overwrite_a_users_file(folder, tmp_path):
    mine = tmp_path / "mybase.yaml"
    mine.write_text(SCENARIO_TEXT)
    result = run("report", folder, "-o", mine)
    assert result.exit_code == 2, result.output
    assert str(mine) in result.output
    assert "not a grid-flex HTML report" in result.output
    assert mine.read_text() == SCENARIO_TEXT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mybase.yaml"]  # no temp


@pytest.mark.parametrize("name", ["timeseries.csv", "scenario.yaml", "summary.json"])
def test_report_never_writes_over_a_results_folders_own_file(folder, name):
    before = snapshot(folder)
    result = run("report", folder, "-o", folder / name)
    assert result.exit_code == 2, result.output
    assert f"{folder / name}: is a file of the results folder" in result.output
    assert snapshot(folder) == before


def test_report_replaces_its_own_earlier_report(folder, tmp_path):
    out = tmp_path / "page.html"
    for _ in range(2):  # the second run writes over the first one's page
        result = run("report", folder, "-o", out, "-q")
        assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    # the default target too: the folder's report.html, listed in its manifest
    for _ in range(2):
        assert run("report", folder, "-q").exit_code == 0
    assert "report.html" in (folder / MANIFEST).read_text().split()


def test_report_refuses_a_users_report_html_in_the_folder(folder, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name, data in snapshot(folder).items():
        (copy / name).write_bytes(data)
    (copy / "report.html").write_text("<html>my own notes</html>")
    result = run("report", copy)
    assert result.exit_code == 2, result.output
    assert "report.html: exists and is not a grid-flex HTML report" in result.output
    assert (copy / "report.html").read_text() == "<html>my own notes</html>"


def test_report_static_refuses_a_users_file_of_a_charts_name(folder, tmp_path):
    # Checked before anything is written (no page, no chart; no kaleido needed).
    figures = tmp_path / "figures"
    figures.mkdir()
    mine = figures / "price-duration.svg"
    mine.write_text("<svg>my own figure</svg>")
    out = tmp_path / "page.html"
    result = run("report", folder, "-o", out, "--static", figures)
    assert result.exit_code == 2, result.output
    assert f"{mine}: exists and grid-flex did not write it" in result.output
    assert mine.read_text() == "<svg>my own figure</svg>"
    assert sorted(p.name for p in figures.iterdir()) == ["price-duration.svg"]
    assert not out.exists()


# ---- tradeoff -o ---------------------------------------------------------------------
def test_tradeoff_refuses_a_users_file_before_solving(tmp_path, monkeypatch):
    import grid_flex.tradeoff

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the curve was solved before -o was checked")

    monkeypatch.setattr(grid_flex.tradeoff, "tradeoff_curve", refuse)
    mine = tmp_path / "mybase.yaml"
    mine.write_text(SCENARIO_TEXT)
    result = run("tradeoff", *TRADEOFF, "--set", END, "--set", PROGRAM, "-o", mine)
    assert result.exit_code == 2, result.output
    assert f"{mine}: exists and is not a grid-flex trade-off table" in result.output
    assert mine.read_text() == SCENARIO_TEXT


def test_tradeoff_refuses_a_results_folders_file(folder):
    before = snapshot(folder)
    target = folder / "summary.json"
    result = run("tradeoff", *TRADEOFF, *DAY, "--set", PROGRAM, "-o", target)
    assert result.exit_code == 2, result.output
    assert f"{target}: is a file of the results folder" in result.output
    assert snapshot(folder) == before


def test_tradeoff_quiet_replaces_its_own_table_and_joins_the_folder(folder):
    target = folder / "tradeoff.csv"
    for _ in range(2):  # the second run writes over the first one's table
        result = CliRunner().invoke(
            main,
            ["tradeoff", *TRADEOFF, *DAY, "--set", PROGRAM, "-o", str(target), "-q"],
        )
        assert result.exit_code == 0, result.output
        assert result.stdout == ""  # -q: no table, no "written to"
    assert list(pd.read_csv(target).columns) == list(COLUMNS)
    assert "tradeoff.csv" in (folder / MANIFEST).read_text().split()
    # listed, so the report draws it and a new solve may replace the folder
    assert run("report", folder, "-q").exit_code == 0
    assert run("solve", *DAY, "-o", folder, "-q").exit_code == 0


# ---- -q ------------------------------------------------------------------------------
def test_portfolio_quiet_prints_nothing(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["portfolio", str(write_spec(tmp_path)), "-o", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert (out / "allocation.csv").is_file()


def test_disclose_quiet_prints_nothing_and_writes_the_folder(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["disclose", "west_texas_2020", *DAY, "--set", PROGRAM, "-o", str(out), "-q"],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    table = pd.read_csv(out / "mica_disclosure.csv")
    assert "energy_consumption" in set(table["indicator"])


# ---- hashrate forwards in results folders; undeclared columns are bugs ---------------
def forward_scenario(tmp_path: Path, forward: dict[str, Any]) -> Path:
    """Six hours at 50 USD/MWh, 1 MW of S21 (200 TH/s per 3.5 kW), a forward."""
    data = {
        "name": "forward",
        "site": {"import_limit_mw": 10.0},
        "horizon": {
            "start": "2024-06-03T00:00:00",
            "end": "2024-06-03T06:00:00",
            "timestep_min": 60,
            "timezone": "UTC",
        },
        "energy": {
            "price": {"format": "inline", "unit": "usd_per_mwh", "values": [50.0] * 6}
        },
        "hashprice": {"usd_per_ths_day": 0.05},
        "assets": [s21_fleet(power_mw=1.0, pue=1.0, hashrate_curve="linear")],
        "programs": [{"type": "hashrate_forward", "id": "fwd", **forward}],
    }
    path = tmp_path / "forward.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_results_folder_with_a_hashrate_forward(tmp_path):
    # 1 MW of S21 is 1000 / 3.5 × 200 = 57,142.9 TH/s; the forward sells 50,000.
    path = forward_scenario(
        tmp_path, {"forward_ths": 50000, "fixed_hashprice_usd_per_ths_day": 0.06}
    )
    out = tmp_path / "out"
    result = run("solve", path, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    ts = pd.read_csv(out / "timeseries.csv")
    assert (ts["fwd.forward_ths"] == 50000).all()
    columns = pd.read_csv(out / "columns.csv").set_index("column")
    assert columns.loc["fwd.forward_ths", "unit"] == "TH/s"
    assert columns.loc["fwd.delivered_ths", "unit"] == "TH/s"
    assert run("report", out, "-q").exit_code == 0


def test_study_folder_with_a_sized_hashrate_forward(tmp_path):
    path = forward_scenario(
        tmp_path,
        {"size": {"max_ths": 50000}, "fixed_hashprice_usd_per_ths_day": 0.06},
    )
    out = tmp_path / "out"
    result = run("size", path, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    columns = pd.read_csv(out / "columns.csv")
    forward = columns[columns["column"].str.endswith("fwd.forward_ths")]
    assert set(forward["unit"]) == {"TH/s"}
    assert len(forward) >= 1


def test_an_undeclared_column_is_a_bug_exit_3_with_the_hint(tmp_path, monkeypatch):
    quantities = dict(grid_flex.columns.QUANTITIES)
    del quantities["power_mw"]
    monkeypatch.setattr(grid_flex.columns, "QUANTITIES", quantities)
    out = tmp_path / "out"
    result = run("solve", *DAY, "-o", out, "-q")
    assert result.exit_code == 3, result.output
    assert "internal error: UndeclaredColumnError" in result.output
    assert "bug in grid-flex; rerun with --debug" in result.output
    assert not out.exists()


# ---- report --week ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("week", "words"),
    [
        ("2020-13-01", ("--week '2020-13-01': not a date", "2020-01-01 to 2020-01-02")),
        ("2030-01-01", ("--week 2030-01-01", "holds no interval", "2020-01-01")),
        ("2019-12-25", ("the week 2019-12-25 to 2020-01-01 holds no interval",)),
    ],
)
def test_report_week_not_on_the_horizon_is_bad_input(folder, tmp_path, week, words):
    out = tmp_path / "week.html"
    result = run("report", folder, "-o", out, "--week", week)
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.output
    assert not out.exists()


def test_report_week_overlapping_the_horizon_is_drawn(folder, tmp_path):
    # The day is 2020-01-01 (Central time); a week from 2019-12-26 ends on 01-02.
    out = tmp_path / "week.html"
    result = run("report", folder, "-o", out, "--week", "2019-12-26", "-q")
    assert result.exit_code == 0, result.output
    assert "week of 2019-12-26" in out.read_text(encoding="utf-8")


# ---- report on a tampered folder: inf, totals that disagree ---------------------
def tampered(folder: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "tampered"
    copy.mkdir()
    for name, data in snapshot(folder).items():
        (copy / name).write_bytes(data)
    return copy


@pytest.mark.parametrize(
    ("column", "change", "words"),
    [
        (
            "s21_fleet.power_mw",
            "inf",
            ("'s21_fleet.power_mw' at 2020-01-01T", "inf"),
        ),
        ("site.grid_import_mw", "double", ("energy_bought_mwh is",)),
        ("site.price_usd_per_mwh", "double", ("average_price_usd_per_mwh is",)),
        ("site.profit_usd", "double", ("profit_usd is",)),
        ("s21_fleet.revenue_usd", "double", ("sum of the headline's lines",)),
    ],
)
def test_report_refuses_a_tampered_time_series(folder, tmp_path, column, change, words):
    copy = tampered(folder, tmp_path)
    table = pd.read_csv(copy / "timeseries.csv")
    assert column in table.columns
    if change == "inf":
        table.loc[3, column] = float("inf")
    else:
        table[column] *= 2
    table.to_csv(copy / "timeseries.csv", index=False)
    result = run("report", copy, "-o", tmp_path / "t.html")
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.output
    assert not (tmp_path / "t.html").exists()


def test_report_refuses_a_profit_edited_in_summary_json(folder, tmp_path):
    import json

    copy = tampered(folder, tmp_path)
    meta = json.loads((copy / "summary.json").read_text())
    stated = meta["summary"]["profit_usd"]
    meta["summary"]["profit_usd"] = 99999.0
    (copy / "summary.json").write_text(json.dumps(meta))
    result = run("report", copy, "-o", tmp_path / "t.html")
    assert result.exit_code == 2, result.output
    assert "summary.json: profit_usd is 99,999 but the sum of site.profit_usd" in (
        result.output
    )
    assert f"{stated:,.6g}" in result.output
    # the untouched copy renders: the checks hold on a folder as written
    (copy / "summary.json").write_bytes((folder / "summary.json").read_bytes())
    assert run("report", copy, "-o", tmp_path / "t.html", "-q").exit_code == 0
