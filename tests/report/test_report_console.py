"""The console tells the truth: a headline that adds up, readable numbers, -q."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from grid_flex.cli import main
from grid_flex.headline import ENERGY_LABEL, headline, profit_usd
from grid_flex.numfmt import format_number
from grid_flex.output import summary_text
from grid_flex.resources import scenarios_dir

pytestmark = pytest.mark.solver

BUNDLED = sorted(p.stem for p in scenarios_dir().glob("*.yaml"))
CENT = 0.01


@pytest.mark.parametrize("name", BUNDLED)
def test_headline_recomputed_from_the_folder_sums_to_the_profit(name, bundled_run):
    results, folder = bundled_run(name)
    # Recompute from what was written, not from the Results object.
    table = pd.read_csv(folder / "timeseries.csv", index_col=0)
    summary = json.loads((folder / "summary.json").read_text())["summary"]
    lines = headline(summary, table)
    assert abs(profit_usd(lines) - summary["profit_usd"]) <= CENT
    assert abs(profit_usd(lines) - results.objective_usd) <= CENT
    # Every stream that moved money is named: each asset's and program's revenue and
    # cost, and the energy bill, add up to the summary's own revenue and cost totals.
    revenue = sum(line.value_usd for line in lines if not line.is_cost)
    costs = sum(-line.value_usd for line in lines if line.is_cost)
    assert abs(revenue - summary["revenue_usd"]) <= CENT
    energy = next(line for line in lines if line.label == ENERGY_LABEL)
    assert abs(-energy.value_usd - summary["energy_cost_usd"]) <= CENT
    assert abs(costs + energy.value_usd - summary["other_cost_usd"]) <= CENT
    named = {line.owner for line in lines}
    assert set(summary["programs"]) <= named  # every program, even at 0
    for aid in summary["assets"]:
        moved = (
            table[f"{aid}.revenue_usd"].abs().sum()
            + table[f"{aid}.cost_usd"].abs().sum()
        )
        assert (aid in named) == (moved > 0), aid
    # The console prints each of those lines.
    text = summary_text(results)
    for line in lines:
        assert line.label in text
    assert not re.search(r"\d[eE][+-]?\d", text)  # no scientific notation


def test_contract_replay_reports_the_energy_sold_back(bundled_run):
    results, _ = bundled_run("ercot_uri_feb2021_contract")
    text = summary_text(results)
    kpis = results.summary["programs"]["contract"]
    # 25 MW × 672 h = 16,800 MWh contracted; what the site did not use was sold back.
    assert kpis["contracted_mwh"] == pytest.approx(25 * 672)
    sold = kpis["contracted_mwh"] - kpis["used_mwh"]
    assert sold > 1000
    line = next(x for x in text.splitlines() if "Energy sold back" in x)
    assert line.split()[-1] == format_number(sold)
    assert "Contract settlement (credits and sell-back) (contract)" in text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (2.3283064365386963e-10, "0"),  # solver round-off
        (8778.0, "8,778"),  # whole hours
        (14.999999999999998, "15"),
        (183.25, "183.25"),
        (-15_137_517.2, "-15,137,517"),
        (0.00012345, "0.00012345"),
        (0.5858682571959665, "0.58587"),
        (1e20, "100,000,000,000,000,000,000"),
        (float("nan"), "n/a"),
        (None, "n/a"),
        (True, "True"),
        (12, "12"),
    ],
)
def test_numbers_print_for_people(value, text):
    assert format_number(value) == text


def test_quiet_solve_prints_nothing_not_even_the_solver_banner(tmp_path):
    # A subprocess, so that what C++ writes to the process's stdout is seen.
    code = (
        "from grid_flex.cli import main; main(['solve', '-q', '--set',"
        " 'horizon.end=2020-01-02T00:00:00', '-o', r'%s'])" % (tmp_path / "out")
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr == ""
    assert (tmp_path / "out" / "summary.json").is_file()


def test_scenarios_lists_every_bundled_scenario_on_one_line():
    result = CliRunner().invoke(main, ["scenarios"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == BUNDLED
    assert all(len(line) <= 118 for line in lines)
