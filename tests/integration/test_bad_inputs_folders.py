"""Output folders: checked before the solve, never a user's file deleted, Ctrl-C clean.

In-process through click's CliRunner, a short horizon of the default; one case runs a
real process and interrupts it with SIGINT.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import grid_flex.api
import grid_flex.output
from grid_flex.cli import main
from grid_flex.io.results_folder import MANIFEST, TMP_MARKER, clean_stale, record_files

pytestmark = pytest.mark.solver

SHORT = ("--set", "horizon.end=2020-01-02T00:00:00")  # one day of the default


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def siblings(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def no_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any solve fail loudly: the folder must be refused before it."""

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the solve ran before the output folder was checked")

    monkeypatch.setattr(grid_flex.api, "run", refuse)


@pytest.mark.parametrize(
    ("make_out", "words"),
    [
        pytest.param(
            lambda t: (t / "file.txt", (t / "file.txt").write_text("x")),
            ("file.txt", "is a file"),
            id="out_is_a_file",
        ),
        pytest.param(
            lambda t: (t / "file.txt" / "out", (t / "file.txt").write_text("x")),
            ("file.txt", "which is a file"),
            id="out_under_a_file",
        ),
        pytest.param(
            lambda t: (t / "file.txt" / "a" / "b", (t / "file.txt").write_text("x")),
            ("which is a file",),
            id="out_deep_under_a_file",
        ),
        pytest.param(
            lambda t: (Path("/proc/grid_flex_out"), None),
            ("/proc", "cannot write"),
            id="out_under_proc",
        ),
        pytest.param(
            lambda t: (Path("/proc/self/grid_flex_out/deeper"), None),
            ("cannot write",),
            id="out_deep_under_proc",
        ),
        pytest.param(
            lambda t: (Path("/sys/grid_flex_out"), None),
            ("/sys", "cannot write"),
            id="out_under_sys",
        ),
    ],
)
def test_unusable_output_folder_refused_before_the_solve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_out: Any, words: Any
) -> None:
    out, _ = make_out(tmp_path)
    no_solve(monkeypatch)
    before = sorted(tmp_path.rglob("*"))
    result = run("solve", *SHORT, "-o", out)
    assert result.exit_code == 2, (result.output, result.exception)
    # grid-flex's own "error: ..." or click's usage error for the option
    assert result.stderr.startswith("error:") or "\nError: " in result.stderr
    for word in words:
        assert word in result.stderr
    assert "Traceback" not in result.output
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_folder_refused_before_the_solve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    no_solve(monkeypatch)
    result = run("solve", *SHORT, "-o", locked / "out")
    locked.chmod(0o700)
    assert result.exit_code == 2
    assert "cannot write" in result.stderr


def test_users_file_in_earlier_results_is_never_deleted(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run("solve", *SHORT, "-o", out)
    assert first.exit_code == 0, first.output
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    (out / "plots").mkdir()

    result = run("solve", *SHORT, "-o", out)

    assert result.exit_code == 2
    assert "notes.txt" in result.stderr
    assert "plots/" in result.stderr
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes"
    assert (out / "summary.json").is_file()
    assert siblings(tmp_path, "out") == []


def test_results_folder_is_replaced_when_all_files_are_ours(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("solve", *SHORT, "-o", out).exit_code == 0
    listed = (out / MANIFEST).read_text(encoding="utf-8").split()
    assert listed == sorted(p.name for p in out.iterdir() if p.name != MANIFEST)
    (out / "extra.csv").write_text("a\n1\n", encoding="utf-8")
    record_files(out, ["extra.csv"])  # a writer that adds a file says so
    again = run("solve", *SHORT, "--set", "site.import_limit_mw=30", "-o", out)
    assert again.exit_code == 0, again.output
    assert not (out / "extra.csv").exists()
    assert siblings(tmp_path, "out") == []


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_killed_run_leftovers_are_removed_by_the_next_run(tmp_path: Path) -> None:
    stale = tmp_path / ".out.k1ll3d"  # what a killed writer leaves
    stale.mkdir()
    (stale / TMP_MARKER).write_text(f"{_dead_pid()}\n", encoding="utf-8")
    (stale / "timeseries.csv").write_text("half", encoding="utf-8")
    running = tmp_path / ".out.running"  # another live run's folder: kept
    running.mkdir()
    (running / TMP_MARKER).write_text(f"{os.getpid()}\n", encoding="utf-8")
    users = tmp_path / ".out.backup"  # a user's hidden folder: kept
    users.mkdir()
    (users / "keep.txt").write_text("mine", encoding="utf-8")

    result = run("solve", *SHORT, "-o", tmp_path / "out")

    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert (running / TMP_MARKER).is_file()
    assert (users / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert siblings(tmp_path, "out") == [".out.backup", ".out.running"]
    assert clean_stale(tmp_path / "out") == []


@pytest.mark.parametrize(
    "where",
    ["solve", "write"],
)
def test_ctrl_c_exits_130_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    def interrupt(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyboardInterrupt

    if where == "solve":
        monkeypatch.setattr(grid_flex.api, "extract", interrupt)
    else:
        monkeypatch.setattr(grid_flex.output, "bid_curves", interrupt)
    result = run("solve", *SHORT, "-o", tmp_path / "out")
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_on_rerun_keeps_earlier_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert run("solve", *SHORT, "-o", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupt(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(grid_flex.output, "bid_curves", interrupt)
    result = run("solve", *SHORT, "--set", "site.import_limit_mw=30", "-o", out)
    assert result.exit_code == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert siblings(tmp_path, "out") == []


@pytest.mark.parametrize(
    ("error", "code", "words"),
    [
        (RuntimeError("boom"), 3, ("internal error", "RuntimeError", "--debug")),
        (ValueError("bad"), 3, ("internal error", "ValueError", "--debug")),
        (
            OSError(28, "No space left on device", "/data/out/timeseries.csv"),
            2,
            ("/data/out/timeseries.csv", "No space left"),
        ),
        (PermissionError(13, "Permission denied", "/x/y"), 2, ("/x/y", "Permission")),
    ],
)
def test_unexpected_errors_are_short_messages_without_traceback(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    code: int,
    words: tuple[str, ...],
) -> None:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(grid_flex.output, "bid_curves", fail)
    result = run("solve", *SHORT, "-o", tmp_path / "out")
    assert result.exit_code == code
    for word in words:
        assert word in result.stderr
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
    debug = run("solve", *SHORT, "--debug", "-o", tmp_path / "out")
    assert debug.exit_code == code
    assert "Traceback" in debug.stderr


#: Runs the CLI with one stage made slow; says "READY" on stderr when it gets there.
SLOW_STAGE = """
import signal, sys, time
# A shell without job control starts background commands with SIGINT ignored, and
# Python keeps it so; restore the usual handler so the test means the same anywhere.
signal.signal(signal.SIGINT, signal.default_int_handler)
import grid_flex.api, grid_flex.output
from grid_flex.cli import main
stage = sys.argv.pop(1)
module = grid_flex.api if stage == "extract" else grid_flex.output
real = getattr(module, stage)
def slow(*args, **kwargs):
    sys.stderr.write("READY\\n")
    sys.stderr.flush()
    time.sleep(60)
    return real(*args, **kwargs)
setattr(module, stage, slow)
main()
"""


@pytest.mark.parametrize("stage", ["extract", "bid_curves"])
def test_sigint_to_a_real_process_exits_130_and_writes_nothing(
    tmp_path: Path, stage: str
) -> None:
    """SIGINT while solving (``extract``) or half-way through writing the folder."""
    env = {**os.environ, "PYTHONPATH": str(Path(grid_flex.api.__file__).parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_STAGE, stage, "solve", *SHORT, "-o", "out"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line.strip() == "READY", line
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
