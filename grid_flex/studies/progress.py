"""A progress bar with rate and ETA for long runs (rich), silent when asked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Advance(Protocol):
    """Call once per finished unit of work."""

    def __call__(self, n: int = 1) -> None:  # pragma: no cover
        """Count ``n`` more units done."""


@contextmanager
def progress_bar(total: int, label: str, *, quiet: bool = False) -> Iterator[Advance]:
    """Show ``label``, a bar, done/total, the rate per second and the time left."""
    if quiet:
        yield lambda n=1: None
        return
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
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(label, total=total, rate="")

        def advance(n: int = 1) -> None:
            bar.advance(task, n)
            speed = bar.tasks[task].speed
            bar.update(task, rate=f"{speed:.2f}/s" if speed else "")

        yield advance
