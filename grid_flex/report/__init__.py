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
from grid_flex.report.folder import ResultsFolder, read_folder

REPORT_FILE = "report.html"

__all__ = ["REPORT_FILE", "ResultsFolder", "read_folder", "render_report"]


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
        Where to write the page (default: ``report.html`` inside ``folder``).
    weeks : sequence of str
        Local dates starting the dispatch weeks to draw (default: the dearest and a
        typical week).
    static_dir : path, optional
        Also write every chart as ``<chart>.<static_format>`` here.
    static_format : {"svg", "png", "pdf"}
        Format of the static charts.
    """
    from grid_flex.report.html import render_html

    data = read_folder(folder)
    page, charts = render_html(data, weeks)
    target = Path(out_file) if out_file is not None else Path(folder) / REPORT_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(target, page)
    written = [target]
    if static_dir is not None:
        from grid_flex.report.static import export_static

        export_static(charts, Path(static_dir), static_format)
        written.append(Path(static_dir))
    _record_in_folder(Path(folder), written)
    return target


def _record_in_folder(folder: Path, paths: list[Path]) -> None:
    """List what the report wrote inside a results folder in its manifest.

    A later ``grid-flex solve -o`` into the same folder then knows these files are
    grid-flex's own and may replace the folder.
    """
    root = folder.resolve()
    names = [
        f"{p.name}/" if p.is_dir() else p.name
        for p in paths
        if p.resolve().parent == root
    ]
    if names and (root / "summary.json").is_file():
        from grid_flex.io.results_folder import record_files

        record_files(root, names)
