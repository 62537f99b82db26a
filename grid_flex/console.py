"""Console helpers: silence C-level output, a progress bar, the scenario list.

Light to import (the CLI imports it at start-up). :func:`track` is the progress bar
for commands that solve many times (sweeps, sizing, trade-off curves):
``for case in track(cases, "Solving"): ...``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: Longest scenario line printed by ``grid-flex scenarios`` [characters].
LINE_WIDTH = 118


@contextlib.contextmanager
def quiet_stdout(enabled: bool = True) -> Iterator[None]:
    """Send everything written to file descriptor 1 (C libraries too) to /dev/null.

    HiGHS prints its banner from C++ on construction, before any option can turn
    it off; ``grid-flex ... -q`` wraps the solve in this. Python's ``sys.stdout`` is
    flushed first; stderr (errors) is untouched.
    """
    if not enabled:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with Path(os.devnull).open("w", encoding="utf-8") as devnull:
            os.dup2(devnull.fileno(), 1)
            try:
                yield
            finally:
                sys.stdout.flush()
                os.dup2(saved, 1)
    finally:
        os.close(saved)


def track(
    items: Iterable[T],
    description: str = "Working",
    *,
    total: int | None = None,
    enabled: bool = True,
) -> Iterator[T]:
    """Iterate over ``items`` with a progress bar and ETA on stderr (rich).

    Parameters
    ----------
    items : iterable
        The work units; ``len(items)`` gives the total unless ``total`` is given.
    description : str
        Text left of the bar.
    total : int, optional
        Number of items, when ``items`` has no length.
    enabled : bool
        False (e.g. ``--quiet``) or a stderr that is not a terminal shows nothing.
    """
    if not enabled:
        yield from items
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        yield from bar.track(items, total=total, description=description)


def scenario_lines() -> list[str]:
    """One line per bundled scenario: name, horizon and step, first words of it."""
    import yaml

    from grid_flex.resources import scenarios_dir

    paths = sorted(scenarios_dir().glob("*.yaml"))
    width = max((len(p.stem) for p in paths), default=0)
    lines = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        horizon = data.get("horizon", {})
        start, end = str(horizon.get("start", "?"))[:10], str(horizon.get("end", "?"))
        step = f"{horizon.get('timestep_min', 60)} min"
        about = " ".join(str(data.get("description", "")).split())
        head = f"{path.stem:<{width}}  {start} to {end[:10]}, {step:>6}  "
        room = LINE_WIDTH - len(head)
        if len(about) > room:
            about = about[: room - 1].rstrip(" ,;") + "…"
        lines.append(head + about)
    return lines
