"""``grid-flex`` run as a program ends a successful command with ``os._exit``.

The files and the printed summary must be complete when it does; errors still exit
the ordinary way. Each test runs the command in its own interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

pytestmark = pytest.mark.solver

SHORT = ("--set", "horizon.end=2020-01-03T00:00:00")  # two days of the default
# The probe registers an exit handler: the interpreter's normal shutdown runs it,
# os._exit does not.
PROGRAM = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('normal-shutdown', file=sys.stderr))\n"
    "from grid_flex.cli import main\n"
    "main()\n"
)


def grid_flex(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_results_are_complete_after_the_fast_exit(tmp_path: Path, fmt: str):
    out = tmp_path / "run"
    proc = grid_flex("solve", "west_texas_2020", *SHORT, "-o", out, "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    assert "normal-shutdown" not in proc.stderr  # the fast path was taken
    # The summary printed last reached the pipe in full.
    assert proc.stdout.rstrip().endswith(f"results written to {out}")
    assert "Operating profit" in proc.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["summary"]["intervals"] == 48
    assert yaml.safe_load((out / "scenario.yaml").read_text(encoding="utf-8"))
    if fmt == "csv":
        text = (out / "timeseries.csv").read_text(encoding="utf-8")
        assert text.endswith("\n")
        table = pd.read_csv(out / "timeseries.csv")
    else:
        table = pd.read_parquet(out / "timeseries.parquet")
    assert len(table) == 48
    assert table["site.grid_import_mw"].notna().all()
    assert not list(tmp_path.glob(".run*"))  # no temporary folder left behind


def test_quiet_solve_prints_nothing_and_exits_fast():
    proc = grid_flex("solve", "west_texas_2020", *SHORT, "-q")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "normal-shutdown" not in proc.stderr


def test_a_failing_command_exits_the_ordinary_way(tmp_path: Path):
    proc = grid_flex("solve", tmp_path / "missing.yaml")
    assert proc.returncode == 2
    assert "error:" in proc.stderr
    assert "normal-shutdown" in proc.stderr
