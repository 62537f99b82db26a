"""Static export of the report's charts (SVG, PNG, PDF) through plotly's kaleido.

kaleido drives a headless Chrome or Chromium; Debian's ``chromium`` works. When
``BROWSER_PATH`` is not set, the first of ``chromium``, ``chromium-browser``,
``google-chrome`` on the PATH is used.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from grid_flex.errors import InputError
from grid_flex.report.figures import Chart

FORMATS = ("svg", "png", "pdf")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
#: Width of exported charts [px]; heights are the page's.
WIDTH_PX = 1100


def export_static(
    charts: Sequence[Chart], out_dir: Path, fmt: str = "svg"
) -> list[Path]:
    """Write each chart to ``out_dir/<key>.<fmt>``; return the files."""
    if fmt not in FORMATS:
        raise InputError(f"static format {fmt!r}: expected one of {', '.join(FORMATS)}")
    try:
        import plotly.io as pio
    except ImportError as exc:  # pragma: no cover - plotly is a dependency
        raise InputError("static export needs plotly") from exc
    if not os.environ.get("BROWSER_PATH"):
        found = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
        if found is not None:
            os.environ["BROWSER_PATH"] = found
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [out_dir / f"{c.key}.{fmt}" for c in charts]
    figures = [{"data": c.figure["data"], "layout": c.figure["layout"]} for c in charts]
    heights = [int(c.figure["layout"].get("height", 450)) for c in charts]
    try:
        pio.write_images(
            figures, files, format=fmt, width=[WIDTH_PX] * len(charts), height=heights
        )
    except (ImportError, ValueError, RuntimeError) as exc:
        raise InputError(
            "static export needs kaleido and a Chrome or Chromium "
            f"(pip install 'grid-flex[static]'; apt-get install chromium): {exc}"
        ) from exc
    return files
