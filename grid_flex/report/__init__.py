"""The HTML report: render a results, study or sweep folder into one offline page.

Reads folders, never models (no Pyomo is imported): a report can be made on another
machine, years later, from the folder alone::

    from grid_flex.report import render_report
    render_report("results/west_texas_2020")          # -> .../report.html

Charts are plotly.js figures: interactive in the page (zoom a week, hover a price),
and exported as SVG or PNG for papers with ``static_dir=`` (needs ``kaleido`` and a
Chrome or Chromium).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from grid_flex.io.atomic import write_text_atomic
from grid_flex.io.results_folder import (
    check_output_file,
    check_replaceable_files,
    record_files,
    record_if_results_folder,
)
from grid_flex.report.folder import ResultsFolder, read_folder

REPORT_FILE = "report.html"
#: Every report page has this in its first bytes (``<title>`` of :func:`render_html`).
REPORT_MARK = b"<title>grid-flex report:"

__all__ = ["REPORT_FILE", "ResultsFolder", "is_report", "read_folder", "render_report"]


def is_report(path: Path) -> bool:
    """Whether ``path`` is an HTML report grid-flex wrote (its first kilobytes)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return head.startswith(b"<!DOCTYPE html>") and REPORT_MARK in head


def render_report(
    folder: str | Path,
    out_file: str | Path | None = None,
    *,
    weeks: Sequence[str] = (),
    static_dir: str | Path | None = None,
    static_format: str = "svg",
) -> Path:
    """Write the report of ``folder`` as one self-contained HTML file; return its path.

    Parameters
    ----------
    folder : path
        A results folder (``grid-flex solve -o``), a feasibility study's or a sweep's.
    out_file : path, optional
        Where to write the page (default: ``report.html`` inside ``folder``). An
        existing file is replaced only if it is a grid-flex report.
    weeks : sequence of str
        Local dates starting the dispatch weeks to draw (default: the dearest and a
        typical week).
    static_dir : path, optional
        Also write every chart as ``<chart>.<static_format>`` here (listed in the
        folder's ``.grid-flex-files``; an existing file not listed there is refused).
    static_format : {"svg", "png", "pdf"}
        Format of the static charts.

    Raises
    ------
    InputError
        ``out_file`` (or ``report.html`` in ``folder``) exists and is not a grid-flex
        report (a scenario, one of the folder's tables ...): nothing is written.
    ResultsFolderError
        The folder is missing, foreign, half-written or tampered with.
    """
    from grid_flex.report.html import render_html

    data = read_folder(folder)
    target = Path(out_file) if out_file is not None else Path(folder) / REPORT_FILE
    check_output_file(target, ours=is_report, what="HTML report")
    page, charts = render_html(data, weeks)
    if static_dir is not None:  # charts of an earlier run (listed) may be replaced
        check_replaceable_files(
            (Path(static_dir) / f"{c.key}.{static_format}" for c in charts),
            "static chart",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(target, page)
    written = [target]
    if static_dir is not None:
        from grid_flex.report.static import export_static

        files = export_static(charts, Path(static_dir), static_format)
        record_files(Path(static_dir), [f.name for f in files])
        written.append(Path(static_dir))
    for path in written:
        record_if_results_folder(path)
    return target
