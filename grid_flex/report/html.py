"""Assemble the report: one self-contained HTML file (plotly.js and data inlined).

Nothing is fetched when the file is opened: the plotly.js bundle shipped with the
``plotly`` package is written into the page, and each chart's data as JSON.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

import pandas as pd

from grid_flex.errors import ResultsFolderError
from grid_flex.headline import headline
from grid_flex.numfmt import format_number
from grid_flex.report import figures as fig
from grid_flex.report import figures_operations as ops
from grid_flex.report.folder import ResultsFolder
from grid_flex.version import __version__

#: Finance figures shown for a feasibility study: (key, label, unit).
FINANCE_ROWS = (
    ("npv_usd", "Net present value", "USD"),
    ("npv_vs_bau_usd", "NPV against business as usual", "USD"),
    ("irr_frac", "Internal rate of return", "share"),
    ("mirr_frac", "Modified IRR", "share"),
    ("payback_yr", "Payback", "years"),
    ("discounted_payback_yr", "Discounted payback", "years"),
    ("cost_per_btc_usd", "Cost per bitcoin mined", "USD"),
    ("breakeven_btc_price_usd", "Breakeven bitcoin price", "USD"),
)
#: Labels of a risk study's figures (summary.json "risk"); others show their key.
RISK_ROWS = (
    ("expected_usd", "Expected NPV, risk-averse design [USD]"),
    ("var_usd", "VaR at α [USD]"),
    ("cvar_usd", "CVaR at α [USD]"),
    ("alpha", "α (confidence level)"),
    ("omega", "ω (weight of CVaR)"),
    ("rp_usd", "Expected NPV, risk-neutral design (RP) [USD]"),
    ("ws_usd", "Wait-and-see NPV (WS) [USD]"),
    ("evpi_usd", "Expected value of perfect information (EVPI) [USD]"),
    ("eev_usd", "Expected NPV of the mean-value design (EEV) [USD]"),
    ("vss_usd", "Value of the stochastic solution (VSS) [USD]"),
    ("cost_of_risk_aversion_usd", "Cost of risk aversion [USD]"),
)
#: Site quantities shown beside the headline: (summary key, label).
KEY_FIGURES = (
    ("energy_bought_mwh", "Energy bought [MWh]"),
    ("energy_sold_mwh", "Energy sold to the grid [MWh]"),
    ("peak_import_mw", "Peak import [MW]"),
    ("average_price_usd_per_mwh", "Average price [USD/MWh]"),
    ("average_price_paid_usd_per_mwh", "Average price paid [USD/MWh]"),
)
#: Rows of a table shown in full; longer tables show their first rows.
MAX_TABLE_ROWS = 200

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;
color:#222;background:#fafafa}
header{background:#17324d;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px 0;font-size:1.5em}
header p{margin:0;opacity:.85}
nav{padding:8px 28px;background:#e8eef4;font-size:.9em}
nav a{margin-right:14px;color:#17324d}
main{padding:0 28px 40px 28px;max-width:1400px}
section{margin-top:26px}
h2{border-bottom:2px solid #17324d;padding-bottom:4px}
.cards{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
table{border-collapse:collapse;background:#fff;font-size:.9em}
td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:bold;border-top:2px solid #222}
tr.group td{font-weight:bold;background:#f0f0f0}
.gf-figure{background:#fff;margin:10px 0 4px 0;min-height:300px}
.caption{color:#555;font-size:.85em;margin:0 0 14px 0;max-width:1100px}
.scroll{overflow-x:auto;max-width:100%}
"""


def _num(value: Any) -> str:
    return html.escape(format_number(value))


def _table(
    rows: Sequence[Sequence[Any]],
    header: Sequence[str] = (),
    classes: Sequence[str] = (),
) -> str:
    out = ["<table>"]
    if header:
        cells = "".join(
            f'<th class="{"num" if i else ""}">{html.escape(h)}</th>'
            for i, h in enumerate(header)
        )
        out.append(f"<tr>{cells}</tr>")
    for r, row in enumerate(rows):
        cls = f' class="{classes[r]}"' if r < len(classes) and classes[r] else ""
        cells = "".join(
            f"<td>{html.escape(str(v))}</td>"
            if i == 0 or isinstance(v, str)
            else f'<td class="num">{_num(v)}</td>'
            for i, v in enumerate(row)
        )
        out.append(f"<tr{cls}>{cells}</tr>")
    out.append("</table>")
    return "".join(out)


def _frame_table(frame: pd.DataFrame) -> str:
    shown = frame.head(MAX_TABLE_ROWS)
    rows = [[_cell(v) for v in row] for row in shown.itertuples(index=False)]
    body = _table(rows, [str(c) for c in frame.columns])
    note = ""
    if len(frame) > MAX_TABLE_ROWS:
        note = f'<p class="caption">First {MAX_TABLE_ROWS} of {len(frame)} rows.</p>'
    return f'<div class="scroll">{body}</div>{note}'


def _cell(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float):
        return value
    return str(value)


class _Page:
    """Sections and charts collected in order."""

    def __init__(self) -> None:
        self.sections: list[tuple[str, str, str]] = []
        self.charts: list[fig.Chart] = []

    def section(self, key: str, title: str, body: str) -> None:
        self.sections.append((key, title, body))

    def chart(self, chart: fig.Chart) -> str:
        self.charts.append(chart)
        n = len(chart.figure["data"])
        caption = (
            f'<p class="caption">{html.escape(chart.caption)}</p>'
            if chart.caption
            else ""
        )
        return (
            f'<div class="gf-figure" id="fig-{html.escape(chart.key)}" '
            f'data-traces="{n}" data-title="{html.escape(chart.title)}"></div>{caption}'
        )


def report_charts(
    folder: ResultsFolder, weeks: Sequence[str] = ()
) -> tuple[list[tuple[str, str, str]], list[fig.Chart]]:
    """The report's sections (key, title, HTML body) and charts, in page order."""
    page = _Page()
    s, ts, tz = folder.summary, folder.timeseries, folder.timezone
    if ts is not None and s:
        lines = headline(s, ts)
        rows: list[list[Any]] = [["Revenue and credits", ""]]
        classes = ["group"]
        # Grouped by sign: a cost line that came out as a credit (a negative cost,
        # e.g. reserve deployment that earned) is shown with the revenue.
        earned = [
            m for m in lines if m.value_usd > 0 or (m.value_usd == 0 and not m.is_cost)
        ]
        spent = [m for m in lines if m not in earned]
        rows += [[m.label, m.value_usd] for m in earned]
        classes += [""] * (len(rows) - len(classes))
        rows.append(["Costs", ""])
        classes.append("group")
        rows += [[m.label, m.value_usd] for m in spent]
        classes += [""] * (len(rows) - len(classes))
        rows.append(["Operating profit", s.get("profit_usd", float("nan"))])
        classes.append("total")
        money = _table(rows, ["", "USD"], classes)
        figures = _table(
            [[label, s[key]] for key, label in KEY_FIGURES if key in s], ["", ""]
        )
        body = f'<div class="cards"><div>{money}</div><div>{figures}</div>'
        finance = folder.section("finance")
        if finance:
            body += f"<div>{_finance_table(finance)}</div>"
        body += "</div>"
        page.section("headline", "Headline", body)
        parts = []
        for label, start, end in fig.choose_weeks(ts, tz, weeks):
            parts.append(page.chart(fig.dispatch(ts, s, tz, label, start, end)))
        page.section("dispatch", "Dispatch", "".join(parts))
        parts = [page.chart(fig.price_duration(ts, s))]
        parts += [page.chart(c) for c in fig.heat_maps(ts, s, tz)]
        page.section("prices", "Prices and mining", "".join(parts))
        parts = [page.chart(fig.monthly_money(ts, s, tz))]
        bill = fig.monthly_bill(ts, s, tz)
        if bill is not None:
            parts.append(page.chart(bill))
        page.section("money", "Money by month", "".join(parts))
        emissions = fig.monthly_emissions(ts, s, tz)
        mica = folder.tables.get("mica_disclosure.csv")
        tradeoff = folder.tables.get("tradeoff.csv")
        if emissions is not None or mica is not None or tradeoff is not None:
            parts = [page.chart(emissions)] if emissions is not None else []
            if mica is not None:
                parts.append("<h3>MiCA sustainability indicators</h3>")
                parts.append(_frame_table(mica))
            if tradeoff is not None:
                parts.append(page.chart(fig.tradeoff_curve(tradeoff)))
            page.section("emissions", "Emissions", "".join(parts))
        page.section("assets", "Assets and programs", _kpi_tables(s))
    _study_sections(page, folder)
    _sweep_sections(page, folder)
    _risk_sections(page, folder)
    _rolling_sections(page, folder)
    _portfolio_sections(page, folder)
    return page.sections, page.charts


#: Portfolio figures shown in its headline: (summary key, label).
PORTFOLIO_ROWS = (
    ("objective_usd", "Profit with moves [USD]"),
    ("static_objective_usd", "Profit, best allocation that never moves [USD]"),
    ("value_of_mobility_usd", "Value of mobility [USD]"),
    ("moving_cost_usd", "Moving cost [USD]"),
    ("moved_mw", "Fleet power moved [MW]"),
)
#: Columns of rolling_windows.csv shown in the report (state JSON left out).
WINDOW_COLUMNS = (
    "window",
    "start_utc",
    "commit_end_utc",
    "end_utc",
    "intervals",
    "window_objective_usd",
    "seconds",
)


def _rolling_sections(page: _Page, folder: ResultsFolder) -> None:
    foresight = folder.tables.get("foresight.csv")
    windows = folder.tables.get("rolling_windows.csv")
    if foresight is None and windows is None:
        return
    parts = []
    if foresight is not None and len(foresight):
        parts += [page.chart(c) for c in ops.foresight(foresight)]
        parts += ["<h3>Value of foresight (foresight.csv)</h3>"]
        parts.append(_frame_table(foresight))
    if windows is not None and len(windows):
        parts.append(page.chart(ops.window_objectives(windows)))
        shown = [c for c in WINDOW_COLUMNS if c in windows.columns]
        parts += [f"<h3>Windows ({len(windows)})</h3>", _frame_table(windows[shown])]
    page.section("rolling", "Rolling operation", "".join(parts))


def _portfolio_sections(page: _Page, folder: ResultsFolder) -> None:
    alloc = folder.tables.get("allocation.csv")
    if alloc is None:
        return
    summary = folder.section("portfolio") or {}
    rows: list[list[Any]] = [
        [label, summary[key]] for key, label in PORTFOLIO_ROWS if key in summary
    ]
    by_site = summary.get("profit_usd_by_site")
    if isinstance(by_site, dict):
        rows += [[f"Profit at {site} [USD]", v] for site, v in by_site.items()]
    parts = [_table(rows, ["Portfolio", ""])] if rows else []
    parts.append(
        page.chart(ops.allocation(alloc, "Allocation", "allocation", "allocation.csv"))
    )
    static = folder.tables.get("allocation_static.csv")
    if static is not None and len(static):
        parts.append(
            page.chart(
                ops.allocation(
                    static,
                    "Allocation that never moves",
                    "allocation-static",
                    "allocation_static.csv",
                )
            )
        )
    moves = folder.tables.get("moves.csv")
    if moves is not None:
        chart = ops.moves(moves)
        if chart is None:
            parts.append('<p class="caption">No machines moved.</p>')
        else:
            parts += [page.chart(chart), "<h3>Moves</h3>", _frame_table(moves)]
    sites = folder.tables.get("sites.csv")
    if sites is not None and len(sites):
        parts.append(page.chart(ops.site_profit(sites)))
        parts += ["<h3>Sites: profit, energy and emissions</h3>", _frame_table(sites)]
    page.section("portfolio", "Portfolio", "".join(parts))


def _finance_table(finance: dict[str, Any]) -> str:
    rows: list[list[Any]] = []
    for key, label, unit in FINANCE_ROWS:
        if key not in finance:
            continue
        value = finance[key]
        reason_key = key.replace("_frac", "_reason").replace("_yr", "_reason")
        if value is None and finance.get(reason_key):
            value = str(finance[reason_key])
        elif isinstance(value, float) and unit == "share":
            value = f"{value:.1%}"
        rows.append([f"{label} [{unit}]" if unit != "share" else label, value])
    return _table(rows, ["Finance", ""])


def _kpi_tables(summary: dict[str, Any]) -> str:
    parts = ['<div class="cards">']
    for group in ("assets", "programs"):
        for owner, kpis in summary.get(group, {}).items():
            rows = [
                [k, v]
                for k, v in kpis.items()
                if k != "type" and not isinstance(v, dict | list)
            ]
            title = f"{owner} ({kpis.get('type', '')})"
            parts.append(f"<div>{_table(rows, [title, ''])}</div>")
    parts.append("</div>")
    return "".join(parts)


def _study_sections(page: _Page, folder: ResultsFolder) -> None:
    sizes = folder.tables.get("sizes.csv")
    proforma = folder.tables.get("proforma.csv")
    bau = folder.tables.get("proforma_bau.csv")
    finance = folder.section("finance") or {}
    if sizes is None and proforma is None:
        return
    parts = []
    if sizes is not None:
        parts += ["<h3>Sizes</h3>", _frame_table(sizes)]
    if proforma is not None:
        parts.append(page.chart(fig.cumulative_cash(proforma, bau)))
        waterfall = fig.npv_waterfall(proforma, finance.get("npv_usd"))
        if waterfall is not None:
            parts.append(page.chart(waterfall))
        parts += ["<h3>Pro forma</h3>", _frame_table(_transpose(proforma))]
    if bau is not None:
        parts += [
            "<h3>Pro forma, business as usual</h3>",
            _frame_table(_transpose(bau)),
        ]
    page.section("study", "Feasibility study", "".join(parts))


def _transpose(proforma: pd.DataFrame) -> pd.DataFrame:
    """Line items as rows, years as columns."""
    t = proforma.set_index("year").T
    t.columns = [f"year {int(y)}" for y in t.columns]
    return t.reset_index(names="line item [USD]")


def _sweep_sections(page: _Page, folder: ResultsFolder) -> None:
    cases = folder.tables.get("summary.csv")
    tornado = folder.tables.get("tornado.csv")
    two_way = folder.tables.get("two_way.csv")
    if cases is None and tornado is None and two_way is None:
        return
    parts = []
    if tornado is not None and len(tornado):
        parts.append(page.chart(fig.tornado(tornado)))
    if two_way is not None and len(two_way):
        parts.append(page.chart(fig.two_way(two_way)))
    if cases is not None:
        chart = ops.sweep_cases(cases)
        if chart is not None:
            parts.append(page.chart(chart))
        parts += [f"<h3>Cases ({len(cases)})</h3>", _frame_table(cases)]
    page.section("sweep", "Sweep", "".join(parts))


def _risk_sections(page: _Page, folder: ResultsFolder) -> None:
    results = folder.tables.get("scenario_results.csv")
    frontier = folder.tables.get("frontier.csv")
    risk = folder.section("risk")
    if results is None and frontier is None:
        return
    parts = []
    if risk:
        labels = dict(RISK_ROWS)
        parts.append(
            _table(
                [
                    [labels.get(k, k), v]
                    for k, v in risk.items()
                    if not isinstance(v, dict | list)
                ],
                ["Risk", ""],
            )
        )
    designs = folder.tables.get("designs.csv")
    if designs is not None and len(designs):
        parts += ["<h3>Designs: risk-neutral and risk-averse</h3>"]
        parts.append(_frame_table(designs))
    if results is not None and len(results):
        parts.append(page.chart(fig.profit_distribution(results, risk)))
    if frontier is not None and len(frontier) and len(frontier.columns) >= 2:
        parts.append(page.chart(fig.frontier(frontier)))
    page.section("risk", "Risk", "".join(parts))


def _plotly_js() -> str:
    return (
        resources.files("plotly")
        .joinpath("package_data", "plotly.min.js")
        .read_text(encoding="utf-8")
    )


SCRIPT = """
(function(){
  var figs = JSON.parse(document.getElementById('gf-data').textContent);
  var config = {responsive: true, displaylogo: false};
  var pending = [];
  Object.keys(figs).forEach(function(key){
    var el = document.getElementById('fig-' + key);
    pending.push(Plotly.newPlot(el, figs[key].data, figs[key].layout, config));
  });
  Promise.all(pending).then(function(){
    document.body.setAttribute('data-rendered', String(pending.length));
  });
})();
"""


def render_html(
    folder: ResultsFolder, weeks: Sequence[str] = ()
) -> tuple[str, list[fig.Chart]]:
    """The report page as one HTML string, and its charts (for static export)."""
    sections, charts = report_charts(folder, weeks)
    s = folder.summary
    portfolio = folder.section("portfolio") or {}
    name = str(s.get("scenario") or portfolio.get("name") or folder.path.name)
    if s.get("start_utc"):
        span = (
            f"{pd.Timestamp(s['start_utc']):%Y-%m-%d %H:%M} to "
            f"{pd.Timestamp(s['end_utc']):%Y-%m-%d %H:%M} UTC, "
            f"{format_number(s.get('intervals'))} intervals"
        )
    elif portfolio:
        span = "portfolio"
    else:
        span = "study"
    made_by = folder.meta.get("grid_flex_version", "?")
    nav = "".join(
        f'<a href="#{html.escape(k)}">{html.escape(t)}</a>' for k, t, _ in sections
    )
    body = "".join(
        f'<section id="{html.escape(k)}"><h2>{html.escape(t)}</h2>{b}</section>'
        for k, t, b in sections
    )
    try:
        data = json.dumps(
            {c.key: c.figure for c in charts}, separators=(",", ":"), allow_nan=False
        ).replace("</", "<\\/")
    except ValueError as exc:  # inf in a table the folder checks did not cover
        raise ResultsFolderError(
            folder.path,
            f"a chart would draw a value that is not finite ({exc}): a table of the "
            "folder holds inf or NaN where grid-flex writes numbers (tampered with)",
        ) from exc
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>grid-flex report: {html.escape(name)}</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<style>{CSS}</style>"
        f"<script>{_plotly_js()}</script></head><body>"
        f"<header><h1>{html.escape(name)}</h1><p>{html.escape(span)}; "
        f"solved by grid-flex {html.escape(str(made_by))}, report by grid-flex "
        f"{__version__} from {html.escape(str(folder.path))}</p></header>"
        f"<nav>{nav}</nav><main>{body}</main>"
        f'<script type="application/json" id="gf-data">{data}</script>'
        f"<script>{SCRIPT}</script></body></html>"
    )
    return page, charts
