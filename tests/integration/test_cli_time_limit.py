"""Every command that hands HiGHS a time limit checks it the same way, and ``size``
finds bundled studies by the rule ``risk`` and ``portfolio`` use (a local file wins)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grid_flex.cli import main

STUDIES = {
    "size": "west_texas_greenfield_2025",
    "risk": "west_texas_greenfield_2025_risk",
    "solve": "west_texas_2020",
}


@pytest.mark.parametrize("command", sorted(STUDIES))
@pytest.mark.parametrize("value", ["-5", "0", "nan", "inf"])
def test_time_limit_is_checked_before_any_work(
    command: str, value: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, [command, STUDIES[command], "--time-limit-s", value, "-q", "-o", str(out)]
    )
    assert result.exit_code == 2, result.output
    assert "--time-limit-s" in result.output
    assert "positive finite number of seconds" in result.output
    assert not out.exists()  # nothing written


def test_size_prefers_a_local_file_over_the_bundled_study_of_that_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A local file named like a bundled study, but not a scenario: the local file is
    # the one read (and refused), as risk and portfolio do with their bundled names.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "west_texas_greenfield_2025").write_text("not: [a scenario\n")
    result = CliRunner().invoke(main, ["size", "west_texas_greenfield_2025", "-q"])
    assert result.exit_code == 2, result.output
    assert "west_texas_greenfield_2025" in result.output
