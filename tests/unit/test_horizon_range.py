"""A horizon at the calendar's edge is bad input (exit 2), not an internal error."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from grid_flex.cli import main
from grid_flex.errors import ScenarioError
from grid_flex.io.scenario import load_scenario
from grid_flex.validation import check_scenario


def test_a_horizon_ending_in_year_9999_west_of_utc_is_a_scenario_error() -> None:
    # 9999-12-31 23:00 in America/Chicago is 10000-01-01 05:00 UTC: no datetime
    # holds it.
    sc, _ = load_scenario(
        "west_texas_2020",
        assignments=[
            "horizon.start=9999-12-30T00:00:00",
            "horizon.end=9999-12-31T23:00:00",
        ],
    )
    with pytest.raises(ScenarioError, match=r"horizon\.end: 9999-12-31 23:00:00"):
        check_scenario(sc)


def test_the_cli_exits_2_naming_the_field() -> None:
    result = CliRunner().invoke(
        main,
        [
            "validate",
            "west_texas_2020",
            "--no-data",
            "--set",
            "horizon.start=9999-12-30T00:00:00",
            "--set",
            "horizon.end=9999-12-31T23:00:00",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "horizon.end" in result.output
