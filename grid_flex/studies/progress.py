"""A progress bar with rate and ETA for commands that solve many times (rich).

A command opens the bar (:func:`progress_bar`); the study it runs says how many
solves it will make (:func:`expect`) and counts each one done (:func:`step`), so
the study needs no bar of its own and the library stays silent when called from
Python (no bar open: both do nothing)::

    with progress_bar(None, "risk study", quiet=quiet):
        run_risk(...)            # calls expect(n) once, then step() per solve

The bar goes to standard error; ``quiet`` (``-q``) shows nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol


class Advance(Protocol):
    """Call once per finished unit of work."""

    def __call__(self, n: int = 1) -> None:  # pragma: no cover
        """Count ``n`` more units done."""


@dataclass
class _Bar:
    """The open bar: rich's Progress and its one task."""

    progress: Any
    task: Any

    def advance(self, n: int = 1) -> None:
        self.progress.advance(self.task, n)
        speed = self.progress.tasks[self.task].speed
        self.progress.update(self.task, rate=f"{speed:.2f}/s" if speed else "")

    def expect(self, units: int) -> None:
        total = self.progress.tasks[self.task].total or 0
        self.progress.update(self.task, total=total + units)


_ACTIVE: ContextVar[_Bar | None] = ContextVar("grid_flex_progress", default=None)


def expect(units: int) -> None:
    """Add ``units`` solves to the open bar's total (no bar open: nothing)."""
    bar = _ACTIVE.get()
    if bar is not None:
        bar.expect(units)


def step(n: int = 1) -> None:
    """Count ``n`` solves done on the open bar (no bar open: nothing)."""
    bar = _ACTIVE.get()
    if bar is not None:
        bar.advance(n)


@contextmanager
def progress_bar(
    total: int | None, label: str, *, quiet: bool = False
) -> Iterator[Advance]:
    """Show ``label``, a bar, done/total, the rate per second and the time left.

    Parameters
    ----------
    total : int or None
        Units of work, or None when the work says it with :func:`expect`.
    label : str
        Text left of the bar.
    quiet : bool
        Show nothing (``-q``).
    """
    if quiet:
        yield lambda n=1: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    console = Console(stderr=True)
    with Progress(*columns, console=console, transient=False) as progress:
        bar = _Bar(progress, progress.add_task(label, total=total or 0, rate=""))
        token = _ACTIVE.set(bar)
        try:
            yield bar.advance
        finally:
            _ACTIVE.reset(token)
