"""Every multi-solve command shows a progress bar with rate and ETA; -q shows none.

The bar goes to standard error and counts the command's solves: it ends full
(done = total > 1), whatever the study (size: optimal, rounded, business as usual;
risk: both designs, the frontier, each scenario alone, the mean-value design and its
evaluation; rolling: each window and the comparisons; trade-off: each point and the
two ends; portfolio: with moves and static).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import _portfolio_file

from grid_flex.cli import main
from grid_flex.resources import scenarios_dir

pytestmark = pytest.mark.solver

COUNT = re.compile(r"(\d+)/(\d+)")


def _risk_file(folder: Path) -> Path:
    bundled = scenarios_dir() / "risk" / "west_texas_greenfield_2025_risk.yaml"
    spec = yaml.safe_load(bundled.read_text(encoding="utf-8"))
    spec["scenario"] = str((bundled.parent / spec["scenario"]).resolve())
    spec["generate"]["btc_gbm"]["paths"] = 2
    spec["frontier_omegas"] = [0.0]
    path = folder / "risk.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def command(kind: str, folder: Path) -> tuple[list[str], str, int]:
    """Arguments, the bar's label and its expected total."""
    if kind == "size":
        args = ["size", "houston_hospital_heat_sizing_2020"]
        args += ["--set", "horizon.end=2020-01-03T00:00:00"]
        return args, "feasibility study", 3
    if kind == "risk":
        args = ["risk", str(_risk_file(folder))]
        args += ["--set", "horizon.end=2020-01-03T00:00:00"]
        return args, "risk study", 0  # its count follows the study file: ends full
    if kind == "rolling":
        args = ["solve", "ercot_uri_feb2021_rolling", "--rolling", "24:24"]
        args += ["--set", "horizon.end=2021-02-04T00:00:00"]
        return args, "rolling windows", 3 + 1 + 3  # DAM windows, perfect, RT windows
    if kind == "tradeoff":
        args = ["tradeoff", "houston_hospital_heat_2020", "--points", "3"]
        args += ["--set", "horizon.end=2020-01-03T00:00:00"]
        return args, "trade-off curve", 3 + 2
    args = ["portfolio", str(_portfolio_file(folder))]
    return args, "portfolio", 2


@pytest.mark.parametrize("kind", ["size", "risk", "rolling", "tradeoff", "portfolio"])
def test_multi_solve_commands_show_a_bar_that_ends_full_and_none_under_q(
    kind, tmp_path
):
    args, label, total = command(kind, tmp_path)
    shown = CliRunner().invoke(main, args)
    assert shown.exit_code == 0, shown.output
    bar = [line for line in shown.stderr.splitlines() if label in line]
    assert len(bar) == 1, shown.stderr
    assert "ETA" in bar[0]
    done, expected = (int(n) for n in COUNT.search(bar[0]).groups())
    assert done == expected == (total or expected) > 1, bar[0]
    assert label not in shown.stdout

    quiet = CliRunner().invoke(main, [*args, "-q"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    assert "ETA" not in quiet.output
