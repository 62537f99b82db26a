"""Charts of a portfolio, of rolling operation (foresight) and of a sweep's cases.

Plain plotly.js figure dicts, like :mod:`grid_flex.report.figures`, drawn from the
folder's tables: ``allocation.csv``, ``allocation_static.csv``, ``moves.csv`` and
``sites.csv`` of ``grid-flex portfolio``; ``foresight.csv`` and
``rolling_windows.csv`` of ``grid-flex solve --rolling``; ``summary.csv`` of
``grid-flex sweep``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from grid_flex.report.figures import Chart, _layout, values

#: Profit columns of foresight.csv, in the order they are drawn: (column, label).
FORESIGHT_PROFITS = (
    ("perfect_foresight_usd", "perfect foresight"),
    ("rolling_perfect_forecast_usd", "rolling, perfect forecasts"),
    ("realised_usd", "rolling on the forecasts (realised)"),
)
#: Value-of-information columns of foresight.csv: (column, label).
FORESIGHT_VALUES = (
    ("value_of_perfect_foresight_usd", "value of perfect foresight"),
    ("value_of_better_forecast_usd", "value of a perfect forecast"),
)


def _periods(table: pd.DataFrame) -> list[str]:
    """Period names in the table's order (first appearance)."""
    return [str(p) for p in dict.fromkeys(table["period"])]


def _site_bars(table: pd.DataFrame, column: str, decimals: int) -> list[dict[str, Any]]:
    """One bar trace per site: ``column`` summed in each period (0 where absent)."""
    periods = _periods(table)
    by_site = table.groupby(["site", "period"], sort=False)[column].sum()
    return [
        {
            "type": "bar",
            "name": str(site),
            "x": periods,
            "y": values(
                [float(by_site.get((site, p), 0.0)) for p in periods], decimals
            ),
        }
        for site in dict.fromkeys(table["site"])
    ]


def _stream_bars(
    table: pd.DataFrame, columns: tuple[tuple[str, str], ...]
) -> list[dict[str, Any]]:
    """One bar trace per (column, label) present, over the streams [USD]."""
    streams = [str(s) for s in table["stream"]]
    return [
        {
            "type": "bar",
            "name": label,
            "x": streams,
            "y": values(table[c].astype(float), 2),
        }
        for c, label in columns
        if c in table
    ]


def _stream_layout(title: str, height: int) -> dict[str, Any]:
    """Bars of :func:`_stream_bars` side by side, one group per stream."""
    return _layout(
        title,
        barmode="group",
        xaxis={"type": "category"},
        yaxis={"title": {"text": "USD"}},
        height=height,
    )


def allocation(table: pd.DataFrame, title: str, key: str, file: str) -> Chart:
    """Fleet power at each site in each period, stacked by site [MW]."""
    data = _site_bars(table, "allocated_mw", 3)
    layout = _layout(
        title,
        barmode="stack",
        xaxis={"title": {"text": "period"}, "type": "category"},
        yaxis={"title": {"text": "fleet power [MW]"}},
        height=380,
    )
    return Chart(
        key,
        title,
        {"data": data, "layout": layout},
        f"MW of the fleets at each site in each period ({file}).",
    )


def moves(table: pd.DataFrame) -> Chart | None:
    """MW moved into each period, one bar per route; None without moves."""
    moved = table[table["moved_mw"].astype(float) > 0]
    if moved.empty:
        return None
    periods = _periods(moved)
    routes = moved.groupby(["from_site", "to_site", "period"], sort=False)[
        "moved_mw"
    ].sum()
    data = []
    for src, dst in dict.fromkeys(
        zip(moved["from_site"], moved["to_site"], strict=True)
    ):
        mw = [float(routes.get((src, dst, p), 0.0)) for p in periods]
        data.append(
            {"type": "bar", "name": f"{src} → {dst}", "x": periods, "y": values(mw, 3)}
        )
    layout = _layout(
        "Machines moved",
        barmode="stack",
        xaxis={"title": {"text": "period they arrive in"}, "type": "category"},
        yaxis={"title": {"text": "moved [MW]"}},
        height=340,
    )
    return Chart(
        "moves",
        "Machines moved",
        {"data": data, "layout": layout},
        "Fleet power moved between sites at the start of each period (moves.csv); "
        "moved machines are off for the move's downtime at their destination.",
    )


def site_profit(table: pd.DataFrame) -> Chart:
    """Operating profit of each site in each period, stacked by site [USD]."""
    data = _site_bars(table, "profit_usd", 2)
    layout = _layout(
        "Operating profit by site",
        barmode="relative",
        xaxis={"title": {"text": "period"}, "type": "category"},
        yaxis={"title": {"text": "profit [USD]"}},
        height=360,
    )
    return Chart(
        "site-profit",
        "Operating profit by site",
        {"data": data, "layout": layout},
        "Each site's operating profit in each period, before moving costs (sites.csv).",
    )


def foresight(table: pd.DataFrame) -> list[Chart]:
    """Profit by stream under three information sets, and the value of foresight."""
    profit = Chart(
        "foresight-profit",
        "Profit by stream and foresight",
        {
            "data": _stream_bars(table, FORESIGHT_PROFITS),
            "layout": _stream_layout(
                "Profit by stream: perfect foresight, perfect forecasts, realised", 380
            ),
        },
        "Each stream's value (the energy bill negative) solved at once with perfect "
        "foresight, in rolling windows on perfect forecasts, and in rolling windows "
        "on the forecasts settled at actual prices (foresight.csv).",
    )
    gains = _stream_bars(table, FORESIGHT_VALUES)
    out = [profit]
    if gains:
        out.append(
            Chart(
                "foresight-value",
                "Value of foresight",
                {
                    "data": gains,
                    "layout": _stream_layout("Value of foresight by stream", 360),
                },
                "What perfect foresight, and a perfect forecast inside the same "
                "windows, would add to the realised value of each stream "
                "(foresight.csv; the total row is the profit).",
            )
        )
    return out


def window_objectives(table: pd.DataFrame) -> Chart:
    """Each rolling window's objective on its forecasts [USD]."""
    x = (
        [str(v) for v in table["start_utc"]]
        if "start_utc" in table
        else [str(v) for v in table["window"]]
    )
    data = [
        {
            "type": "bar",
            "name": "window objective",
            "x": x,
            "y": values(table["window_objective_usd"].astype(float), 2),
        }
    ]
    return Chart(
        "rolling-windows",
        "Rolling windows",
        {
            "data": data,
            "layout": _layout(
                "Objective of each rolling window (on its forecasts)",
                xaxis={"title": {"text": "window start (UTC)"}},
                yaxis={"title": {"text": "USD"}},
                showlegend=False,
                height=320,
            ),
        },
        "The objective each window's LP found on the forecasts it saw, look-ahead "
        "included (rolling_windows.csv).",
    )


#: KPIs a sweep's case chart shows, the first found: a study's NPV, else the profit.
CASE_KPIS = ("npv_usd", "profit_usd")


def sweep_cases(cases: pd.DataFrame) -> Chart | None:
    """The KPI of every solved case, labelled by its swept values; None if none."""
    kpi = next((k for k in CASE_KPIS if k in cases.columns), None)
    if kpi is None or "status" not in cases.columns:
        return None
    ok = cases[cases["status"] == "ok"]
    if ok.empty:
        return None
    columns = list(cases.columns)
    first = columns.index("param") + 1 if "param" in columns else 0
    axes = [c for c in columns[first : columns.index("status")] if c != "file"]
    labels = [
        ", ".join(f"{a.rsplit('.', 1)[-1]}={row[a]}" for a in axes) or str(row["case"])
        for _, row in ok.iterrows()
    ]
    data = [
        {
            "type": "bar",
            "name": kpi,
            "x": [f"{c}: {label}" for c, label in zip(ok["case"], labels, strict=True)],
            "y": values(ok[kpi].astype(float), 2),
        }
    ]
    return Chart(
        "sweep-cases",
        "Cases",
        {
            "data": data,
            "layout": _layout(
                f"{kpi} of each case",
                xaxis={"type": "category", "title": {"text": "case: swept values"}},
                yaxis={"title": {"text": kpi}},
                showlegend=False,
                height=380,
            ),
        },
        f"{kpi} of every case solved (summary.csv), labelled by its swept values.",
    )
