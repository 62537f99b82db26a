"""Console helpers: silence C-level output, the scenario list.

Light to import (the CLI imports it at start-up). The progress bar of commands that
solve many times is :func:`grid_flex.studies.progress.progress_bar`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
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


def scenario_lines() -> list[str]:
    """One line per bundled scenario: name, horizon and step, first words of it."""
    from grid_flex.io.yaml_text import load_yaml
    from grid_flex.resources import scenarios_dir

    paths = sorted(scenarios_dir().glob("*.yaml"))
    width = max((len(p.stem) for p in paths), default=0)
    lines = []
    for path in paths:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
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
