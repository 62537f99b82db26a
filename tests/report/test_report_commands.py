"""Folders written by the study commands: every column explained, bad folders refused.

The folders are the real output of ``grid-flex size`` (each bundled study),
``grid-flex risk`` (each bundled risk study, on three paths), ``grid-flex solve
--rolling``, ``grid-flex sweep`` and ``grid-flex portfolio``, on short horizons,
written once a session (``conftest.command_folder``).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import COMMAND_FOLDERS

from grid_flex.cli import main
from grid_flex.columns import COLUMNS_FILE, unit_of

pytestmark = pytest.mark.solver

#: Tables each kind of folder must hold.
EXPECTED_TABLES = {
    "size": {"sizes.csv", "proforma.csv", "proforma_bau.csv", "timeseries.csv"},
    "risk": {"scenario_set.csv", "scenario_results.csv", "designs.csv", "frontier.csv"},
    "rolling": {"foresight.csv", "rolling_windows.csv", "timeseries.csv"},
    "sweep": {"summary.csv", "summary.parquet", "failures.csv"},
    "portfolio": {"allocation.csv", "allocation_static.csv", "moves.csv", "sites.csv"},
}
IDS = [f"{kind}-{name}" for kind, name in COMMAND_FOLDERS]


def header(path: Path) -> list[str]:
    """A table's column names, read from the file itself."""
    if path.suffix == ".parquet":
        return [n for n in pq.read_schema(path).names if n != "__index_level_0__"]
    with path.open(encoding="utf-8") as handle:
        return next(csv.reader(handle))


@pytest.mark.parametrize(("kind", "name"), COMMAND_FOLDERS, ids=IDS)
def test_every_column_the_command_writes_is_explained(kind, name, command_folder):
    folder = command_folder(kind, name)
    tables = {
        p.name: header(p)
        for p in sorted(folder.iterdir())
        if p.suffix in (".csv", ".parquet") and p.name != COLUMNS_FILE
    }
    assert EXPECTED_TABLES[kind] <= set(tables)
    dictionary = pd.read_csv(folder / COLUMNS_FILE, keep_default_na=False)
    for file, columns in tables.items():
        rows = dictionary[dictionary["file"] == file]
        assert list(rows["column"]) == columns, file
        assert (rows["meaning"].str.len() > 3).all(), file
    assert set(dictionary["file"]) == set(tables)
    # A unit the name declares is the unit the dictionary gives.
    for row in dictionary.itertuples():
        quantity = str(row.column).rsplit(".", 1)[-1]
        if unit_of(quantity) and not str(row.file).startswith("timeseries"):
            assert row.unit == unit_of(quantity) or "row's unit" in row.unit, row


def run_report(folder: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["report", str(folder), "-o", str(out)])
    return result.exit_code, result.output


def copy_of(command_folder, kind: str, name: str, tmp_path: Path) -> Path:
    target = tmp_path / kind
    shutil.copytree(command_folder(kind, name), target)
    return target


@pytest.mark.parametrize(
    ("kind", "name", "damage", "named"),
    [
        ("size", "west_texas_greenfield_2025", "delete:proforma.csv", "proforma.csv"),
        ("size", "west_texas_greenfield_2025", "delete:timeseries_w2020.csv", "w2020"),
        (
            "risk",
            "west_texas_greenfield_2025_risk",
            "text:scenario_results.csv",
            "profit_usd",
        ),
        (
            "risk",
            "west_texas_greenfield_2025_risk",
            "empty:frontier.csv",
            "frontier.csv",
        ),
        (
            "risk",
            "west_texas_greenfield_2025_risk",
            "delete:designs.csv",
            "designs.csv",
        ),
        ("sweep", "west_texas_2020", "delete:summary.*", "summary.csv"),
        ("sweep", "west_texas_2020", "truncate:tornado.csv", "tornado.csv"),
        ("portfolio", "two_sites", "delete:moves.csv", "moves.csv"),
        ("portfolio", "two_sites", "truncate:allocation.csv", "allocation.csv"),
        ("rolling", "ercot_uri_feb2021_rolling", "text:foresight.csv", "realised_usd"),
    ],
)
def test_report_on_a_half_written_or_tampered_folder_exits_2_naming_the_file(
    kind, name, damage, named, command_folder, tmp_path
):
    folder = copy_of(command_folder, kind, name, tmp_path)
    how, _, pattern = damage.partition(":")
    paths = sorted(folder.glob(pattern))
    assert paths
    for path in paths:
        if how == "delete":
            path.unlink()
        elif how == "empty":
            path.write_text("", encoding="utf-8")
        elif how == "truncate":  # the header cut in the middle of a column name
            path.write_text(path.read_text(encoding="utf-8")[:9], encoding="utf-8")
        else:  # a number replaced by text in the last column the report reads
            frame = pd.read_csv(path)
            frame[named] = frame[named].astype(object)
            frame.loc[0, named] = "twelve"
            frame.to_csv(path, index=False)
    code, output = run_report(folder, tmp_path / "r.html")
    assert code == 2, output
    assert named in output
    assert "Traceback" not in output
    assert not (tmp_path / "r.html").exists()
