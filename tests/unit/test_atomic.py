"""The atomic text writer: whole file or none, the mode of a plain open."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from grid_flex.io.atomic import write_text_atomic


def test_writes_the_text_with_the_mode_of_a_plain_open(tmp_path: Path) -> None:
    target = tmp_path / "table.csv"
    assert write_text_atomic(target, "a,b\n1,2\n") == target
    assert target.read_bytes() == b"a,b\n1,2\n"
    plain = tmp_path / "plain.csv"
    plain.write_text("x", encoding="utf-8")  # what open() gives under this umask
    assert target.stat().st_mode == plain.stat().st_mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.csv", "table.csv"]


def test_newline_is_passed_to_open(tmp_path: Path) -> None:
    write_text_atomic(tmp_path / "a.csv", "x\r\ny\n", newline="")
    assert (tmp_path / "a.csv").read_bytes() == b"x\r\ny\n"
    write_text_atomic(tmp_path / "b.csv", "x\ny\n", newline="\r\n")
    assert (tmp_path / "b.csv").read_bytes() == b"x\r\ny\r\n"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old page", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(target, "new page \ud800")  # a lone surrogate: no UTF-8
    assert target.read_text(encoding="utf-8") == "old page"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_an_interrupted_rename_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: Path, target: Path) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(tmp_path / "mica_disclosure.csv", "indicator\n")
    assert list(tmp_path.iterdir()) == []


def test_sweep_files_get_the_mode_of_any_other_output(tmp_path: Path) -> None:
    # the sweep store's files (sweep.json, case rows) are readable like every other
    # output, not private like mkstemp's temporary file; no .tmp file is left behind
    from grid_flex.studies.sweep_store import atomic_write

    umask = os.umask(0o022)
    try:
        target = tmp_path / "sweep.json"
        atomic_write(target, lambda p: p.write_text("{}", encoding="utf-8"))
    finally:
        os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_text(encoding="utf-8") == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["sweep.json"]
