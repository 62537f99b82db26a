"""The report in a real browser: headless Chromium opens it offline and draws it.

Fails on any console error or page error, checks that every chart drew each of its
traces, and keeps a screenshot of the first screen of each report under
``test-artifacts/report/`` (ignored by git). Without Chromium or the ``playwright``
package the test says so and is skipped, except in CI (``CI`` set), where it fails:
``.ci/run`` installs Debian's ``chromium``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import COMMAND_FOLDERS

from grid_flex.report import render_report
from grid_flex.resources import scenarios_dir

pytestmark = pytest.mark.solver

BUNDLED = sorted(p.stem for p in scenarios_dir().glob("*.yaml"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "report"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")

#: Per chart: traces declared, traces plotly drew, and SVG/canvas marks in the page.
DRAWN = """() => Array.from(document.querySelectorAll('.gf-figure')).map(el => ({
  id: el.id,
  declared: Number(el.dataset.traces),
  traces: (el._fullData || []).filter(t => t.visible !== false).length,
  points: (el._fullData || []).map(t =>
    ((t.z && t.z.length) || (t.y && t.y.length) || (t.x && t.x.length) || 0)),
  marks: el.querySelectorAll(
    '.scatterlayer .trace, .barlayer .trace, .heatmaplayer .hm, .waterfalllayer .trace'
  ).length,
}))"""


def _browser() -> str | None:
    path = os.environ.get("BROWSER_PATH")
    if path and Path(path).is_file():
        return path
    return next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium tab for the module: each report is opened in it."""
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright package is not installed (pip install -e '.[dev]')"
    executable = _browser()
    if reason is None and executable is None:
        reason = "no Chromium found (apt-get install chromium)"
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run in CI: {reason}")
        pytest.skip(f"browser test skipped: {reason}")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = launched.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on(
            "console", lambda m: errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # Offline: any request leaving the file is refused and counted as an error.
        page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(("file:", "data:", "blob:"))
                else (errors.append(f"fetched {route.request.url}"), route.abort())
            ),
        )
        yield page, errors
        launched.close()


def open_and_check(browser, html: Path, shot: str) -> list[dict]:
    """Open ``html``; fail on console errors; return what each chart drew."""
    page, errors = browser
    errors.clear()
    page.goto(html.as_uri())
    page.wait_for_selector("body[data-rendered]", timeout=60_000)
    drawn = page.evaluate(DRAWN)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{shot}.png"))
    rendered = int(page.get_attribute("body", "data-rendered") or 0)
    assert errors == [], errors
    assert rendered == len(drawn) > 0
    for chart in drawn:
        assert chart["traces"] == chart["declared"] > 0, chart
        assert all(n > 0 for n in chart["points"]), chart
        assert chart["marks"] >= 1, chart
    return drawn


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_report_draws_in_chromium(
    name, bundled_run, browser, tmp_path
):
    _, folder = bundled_run(name)
    html = render_report(folder, tmp_path / f"{name}.html")
    drawn = open_and_check(browser, html, name)
    ids = {d["id"] for d in drawn}
    assert {"fig-price-duration", "fig-heatmap-price", "fig-monthly-money"} <= ids


#: Charts and sections each study command's report must show.
COMMAND_CHARTS = {
    "size": {"fig-cumulative-cash", "fig-npv-waterfall", "fig-price-duration"},
    "risk": {"fig-profit-distribution", "fig-frontier"},
    "rolling": {"fig-foresight-profit", "fig-foresight-value", "fig-rolling-windows"},
    "sweep": {"fig-sweep-cases"},  # tornado and two-way: checked below
    "portfolio": {
        "fig-allocation",
        "fig-allocation-static",
        "fig-moves",
        "fig-site-profit",
    },
}
COMMAND_SECTIONS = {
    "size": ("Sizes", "Pro forma", "Pro forma, business as usual"),
    "risk": ("Designs: risk-neutral and risk-averse", "VaR", "CVaR"),
    "rolling": ("Value of foresight", "Windows"),
    "sweep": ("Cases",),
    "portfolio": ("Value of mobility", "Moves"),
}


@pytest.mark.parametrize(
    ("kind", "name"), COMMAND_FOLDERS, ids=[f"{k}-{n}" for k, n in COMMAND_FOLDERS]
)
def test_study_command_reports_draw_in_chromium(
    kind, name, command_folder, browser, tmp_path
):
    html = render_report(command_folder(kind, name), tmp_path / f"{name}.html")
    drawn = open_and_check(browser, html, f"{kind}_{name}")
    folder = command_folder(kind, name)
    expected, headings = set(COMMAND_CHARTS[kind]), list(COMMAND_SECTIONS[kind])
    if kind == "portfolio" and not _moved(folder):  # texas_2020: nothing moves
        expected.discard("fig-moves")
        headings.remove("Moves")
    if kind == "portfolio" and _rows(folder / "allocation_static.csv") == 0:
        expected.discard("fig-allocation-static")  # migration_2021: must move
    assert expected <= {d["id"] for d in drawn}
    text = browser[0].inner_text("main")
    for heading in headings:
        assert heading in text, heading
    if (kind, name) == ("sweep", "west_texas_2020"):
        assert {"fig-tornado", "fig-two-way"} <= {d["id"] for d in drawn}


def _moved(folder: Path) -> bool:
    """Whether a portfolio folder's moves.csv moves any MW."""
    moves = folder / "moves.csv"
    if not moves.exists():
        return False
    return bool((pd.read_csv(moves)["moved_mw"] > 0).any())


def _rows(table: Path) -> int:
    """Rows of a CSV table (0 when it is absent)."""
    return len(pd.read_csv(table)) if table.exists() else 0
