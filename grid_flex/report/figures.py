"""The report's charts, as plain plotly.js figure dicts built from a results folder.

Figures are dicts (``{"data": [...], "layout": {...}}``) rather than plotly Python
objects: building them is then a matter of numpy, and the same dicts go to the
browser (plotly.js) and to static export. What no eye can resolve is aggregated
before it is written:

* dispatch: chosen weeks only, at the run's own resolution (672 points a week at
  15 minutes);
* price-duration: the sorted prices sampled at :data:`DURATION_POINTS` ranks (the
  maximum and minimum kept), the mining load averaged over the same rank bins;
* heat maps: hourly means, one column per local day;
* money, bills and emissions: monthly sums.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from grid_flex.errors import InputError
from grid_flex.headline import PROGRAM_COST_LABELS, headline

#: Points drawn on a price-duration curve.
DURATION_POINTS = 1000
#: Days of a dispatch window.
WEEK_DAYS = 7

Figure = dict[str, Any]

COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#d62728",
)


@dataclass(frozen=True)
class Chart:
    """One chart of the report: a stable id, a title, the figure and its caption."""

    key: str
    title: str
    figure: Figure
    caption: str = ""


def values(series: Any, decimals: int = 3) -> list[Any]:
    """Numbers for JSON: rounded, NaN as null."""
    arr = np.asarray(series, dtype=float).round(decimals)
    out: list[Any] = arr.tolist()
    if np.isnan(arr).any():
        out = [None if isinstance(v, float) and math.isnan(v) else v for v in out]
    return out


def _stamps(index: pd.DatetimeIndex) -> list[str]:
    return list(index.strftime("%Y-%m-%d %H:%M"))


def _line(name: str, x: Any, y: Any, yaxis: str = "y", **style: Any) -> dict[str, Any]:
    """A line trace on axis ``yaxis``; ``style``: its other plotly keys, in order."""
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": x,
        "y": y,
        **style,
        "yaxis": yaxis,
    }


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": {"text": title, "x": 0.01},
        "margin": {"l": 70, "r": 70, "t": 50, "b": 50},
        "legend": {"orientation": "h", "y": -0.15},
        "hovermode": "x unified",
        "template": "plotly_white",
        "colorway": list(COLORS),
    }
    layout.update(extra)
    return layout


def asset_ids(summary: dict[str, Any], kind: str) -> list[str]:
    """Ids of the assets of one kind, in the summary's order."""
    return [a for a, k in summary.get("assets", {}).items() if k.get("type") == kind]


def mining_power_mw(ts: pd.DataFrame, summary: dict[str, Any]) -> pd.Series | None:
    """Total ASIC fleet power per interval [MW], or None without fleets."""
    cols = [
        f"{a}.power_mw"
        for a in asset_ids(summary, "asic_fleet")
        if f"{a}.power_mw" in ts.columns
    ]
    if not cols:
        return None
    return ts[cols].sum(axis=1)


def mining_capacity_mw(summary: dict[str, Any]) -> float:
    """Available power of all ASIC fleets [MW]."""
    return float(
        sum(
            float(summary["assets"][a].get("available_power_mw") or 0.0)
            for a in asset_ids(summary, "asic_fleet")
        )
    )


# ---- dispatch ----------------------------------------------------------------------
def _chosen_week(
    text: str, timezone: str, first: pd.Timestamp, last: pd.Timestamp
) -> tuple[str, pd.Timestamp, pd.Timestamp]:
    """The week starting at local date ``text`` (``--week``), on the horizon.

    Raises
    ------
    InputError
        ``text`` is not a date, or the week holds no interval of the horizon
        ``[first, last)`` (named in local dates).
    """
    local = pd.DatetimeIndex([first, last]).tz_convert(timezone)
    horizon = f"{local[0]:%Y-%m-%d} to {local[1]:%Y-%m-%d}"
    try:
        start = pd.Timestamp(text)
    except ValueError as exc:
        raise InputError(
            f"--week {text!r}: not a date ({exc}); expected a local date YYYY-MM-DD "
            f"on the results' horizon, {horizon}"
        ) from None
    if pd.isna(start):
        raise InputError(f"--week {text!r}: expected a local date YYYY-MM-DD")
    start = (start.tz_localize(timezone) if start.tzinfo is None else start).tz_convert(
        "UTC"
    )
    end = start + pd.Timedelta(days=WEEK_DAYS)
    if end <= first or start >= last:
        raise InputError(
            f"--week {text}: the week {text} to "
            f"{end.tz_convert(timezone):%Y-%m-%d} holds no interval of the results' "
            f"horizon, {horizon} (local dates): choose a week that overlaps it"
        )
    return (f"week of {text}", start, end)


def choose_weeks(
    ts: pd.DataFrame, timezone: str, starts: Sequence[str] = ()
) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """Dispatch windows: given starts, else the dearest and a typical week.

    Returns (label, start, end) in UTC. A horizon shorter than a week is one window.

    Raises
    ------
    InputError
        A given start is not a date or its week lies outside the horizon.
    """
    index = pd.DatetimeIndex(ts.index)
    first, last = (
        index[0],
        index[-1]
        + (index[-1] - index[-2] if len(index) > 1 else pd.Timedelta(hours=1)),
    )
    span = pd.Timedelta(days=WEEK_DAYS)
    if starts:
        return [_chosen_week(text, timezone, first, last) for text in starts]
    if last - first <= span:
        return [("whole horizon", first, last)]
    local = index.tz_convert(timezone)
    price = ts["site.price_usd_per_mwh"].to_numpy() * ts["site.timestep_h"].to_numpy()
    hours = pd.Series(ts["site.timestep_h"].to_numpy(), index=local.normalize())
    daily_cost = pd.Series(price, index=local.normalize()).groupby(level=0).sum()
    daily_h = hours.groupby(level=0).sum()
    weekly = (
        daily_cost.rolling(WEEK_DAYS).sum() / daily_h.rolling(WEEK_DAYS).sum()
    ).dropna()
    if weekly.empty:
        return [("whole horizon", first, last)]
    picks = [
        ("dearest week", weekly.idxmax()),
        ("typical week", (weekly - weekly.median()).abs().idxmin()),
    ]
    out: list[tuple[str, pd.Timestamp, pd.Timestamp]] = []
    for label, end_day in picks:
        last_day = pd.Timestamp(str(end_day))
        start = (last_day - pd.Timedelta(days=WEEK_DAYS - 1)).tz_convert("UTC")
        if any(
            abs((start - s).total_seconds()) < span.total_seconds() for _, s, _ in out
        ):
            continue
        out.append((label, max(start, first), min(start + span, last)))
    return out


def dispatch(
    ts: pd.DataFrame,
    summary: dict[str, Any],
    timezone: str,
    label: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> Chart:
    """Stacked load of each asset, import/export, price (right axis), storage below."""
    win = ts[(ts.index >= start) & (ts.index < end)]
    x = _stamps(pd.DatetimeIndex(win.index).tz_convert(timezone))
    data: list[dict[str, Any]] = []
    assets = summary.get("assets", {})

    def area(name: str, y: Any, group: str) -> None:
        data.append(_line(name, x, values(y), stackgroup=group, line={"width": 0.5}))

    for aid, kpis in assets.items():
        kind = kpis.get("type")
        if kind == "battery":
            area(f"{aid} charge", win[f"{aid}.charge_mw"], "load")
            area(f"{aid} discharge", -win[f"{aid}.discharge_mw"], "supply")
        elif f"{aid}.power_mw" in win.columns:
            area(f"{aid} ({kind})", win[f"{aid}.power_mw"], "load")
            aux = f"{aid}.auxiliary_mw"  # cooling and auxiliaries (PUE above 1)
            if aux in win.columns and win[aux].abs().max() > 0:
                area(f"{aid} cooling and auxiliaries", win[aux], "load")
        elif (
            f"{aid}.net_load_mw" in win.columns
            and win[f"{aid}.net_load_mw"].abs().max() > 0
        ):
            area(f"{aid} ({kind})", win[f"{aid}.net_load_mw"], "load")
        if kind == "heat_recovery" and f"{aid}.served_mwth" in win.columns:
            data.append(
                _line(
                    f"{aid} heat served [MWth]",
                    x,
                    values(win[f"{aid}.served_mwth"]),
                    line={"dash": "dot", "color": "#d62728"},
                )
            )
    data.append(
        _line(
            "grid import",
            x,
            values(win["site.grid_import_mw"]),
            line={"color": "black", "width": 1.5},
        )
    )
    if "site.grid_export_mw" in win.columns and win["site.grid_export_mw"].max() > 0:
        data.append(
            _line(
                "grid export",
                x,
                values(-win["site.grid_export_mw"]),
                line={"color": "black", "dash": "dash", "width": 1.5},
            )
        )
    data.append(
        _line(
            "price [USD/MWh]",
            x,
            values(win["site.price_usd_per_mwh"], 2),
            "y2",
            line={"color": "#555", "width": 1, "shape": "hv"},
        )
    )
    stored = [
        (f"{aid} stored [MWh]", f"{aid}.soc_mwh")
        for aid in asset_ids(summary, "battery")
    ] + [
        (f"{aid} heat stored [MWhth]", f"{aid}.storage_mwhth")
        for aid in asset_ids(summary, "heat_recovery")
    ]
    for name, col in stored:
        if col in win.columns:
            data.append(_line(name, x, values(win[col]), "y3", fill="tozeroy"))
    layout = _layout(
        f"Dispatch, {label}",
        xaxis={"anchor": "y3", "title": {"text": f"local time ({timezone})"}},
        yaxis={"domain": [0.32, 1.0], "title": {"text": "MW (load +, supply −)"}},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "title": {"text": "price [USD/MWh]"},
            "showgrid": False,
        },
        yaxis3={"domain": [0.0, 0.24], "title": {"text": "stored [MWh, MWhth]"}},
        height=620,
    )
    return Chart(
        f"dispatch-{len(label)}-{start:%Y%m%d}",
        f"Dispatch: {label} ({start.tz_convert(timezone):%Y-%m-%d})",
        {"data": data, "layout": layout},
        "Each asset's load stacked (battery discharge below zero), the grid import "
        "and export, the energy price on the right axis; stored energy below.",
    )


# ---- price duration ----------------------------------------------------------------
def price_duration(ts: pd.DataFrame, summary: dict[str, Any]) -> Chart:
    """Prices sorted high to low over the hours, breakevens drawn, mining shaded."""
    price = ts["site.price_usd_per_mwh"].to_numpy(dtype=float)
    dt = ts["site.timestep_h"].to_numpy(dtype=float)
    order = np.argsort(-price, kind="stable")
    hours = np.cumsum(dt[order])
    n = len(order)
    picks = np.unique(
        np.linspace(0, n - 1, min(n, DURATION_POINTS)).round().astype(int)
    )
    data: list[dict[str, Any]] = []
    mining = mining_power_mw(ts, summary)
    if mining is not None:
        load = mining.to_numpy(dtype=float)[order]
        edges = np.append(picks, n)
        sums = np.add.reduceat(load * dt[order], edges[:-1])
        weights = np.add.reduceat(dt[order], edges[:-1])
        data.append(
            _line(
                "mining load [MW] (right axis)",
                values(hours[picks], 2),
                values(sums / weights),
                "y2",
                fill="tozeroy",
                line={"color": "rgba(255,127,14,0.6)", "width": 0.5, "shape": "hv"},
                fillcolor="rgba(255,127,14,0.25)",
            )
        )
    data.append(
        _line(
            "price [USD/MWh]",
            values(hours[picks], 2),
            values(price[order][picks], 2),
            line={"color": "#1f77b4", "width": 2},
        )
    )
    total_h = float(hours[-1])
    breakevens: list[float] = []
    for i, aid in enumerate(asset_ids(summary, "asic_fleet")):
        kpis = summary["assets"][aid]
        for key, dash, what in (
            ("breakeven_full_load_usd_per_mwh", "solid", "full load"),
            ("breakeven_marginal_usd_per_mwh", "dot", "marginal"),
        ):
            level = kpis.get(key)
            if level is None:
                continue
            breakevens.append(float(level))
            data.append(
                _line(
                    f"{aid} breakeven, {what}",
                    [0.0, total_h],
                    [round(float(level), 2)] * 2,
                    line={"dash": dash, "color": COLORS[(i + 2) % len(COLORS)]},
                )
            )
    # Spikes would flatten the rest: the axis stops above the 99th percentile and
    # the breakevens (double-click the chart to see every price).
    levels = [float(np.percentile(price, 99)) * 1.3] + [b * 1.2 for b in breakevens]
    low = min(0.0, float(price.min()) * 1.05)
    high = max(max(levels), float(np.percentile(price, 50)) * 2.0, 1.0)
    if float(price.max()) <= high:
        high = float(price.max()) * 1.05 if price.max() > 0 else high
    capacity = mining_capacity_mw(summary)
    layout = _layout(
        "Price-duration curve",
        xaxis={"title": {"text": "hours at or above the price [h]"}},
        yaxis={"title": {"text": "price [USD/MWh]"}, "range": [low, high]},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "title": {"text": "mining load [MW]"},
            "range": [0.0, max(capacity, 1e-9) * 1.05],
            "showgrid": False,
        },
        hovermode="closest",
        height=460,
    )
    return Chart(
        "price-duration",
        "Price-duration curve and breakevens",
        {"data": data, "layout": layout},
        f"The horizon's prices sorted from highest to lowest (sampled at up to "
        f"{DURATION_POINTS} ranks, the extremes kept); each fleet's breakeven price "
        "at full load and on its marginal segment; the mining load shaded (mean "
        "over the intervals of each rank bin). The price axis stops above the 99th "
        "percentile and the breakevens; double-click to see every price.",
    )


# ---- heat maps ---------------------------------------------------------------------
def _hour_by_day(series: pd.Series, timezone: str) -> tuple[list[str], list[int], Any]:
    local = pd.DatetimeIndex(series.index).tz_convert(timezone)
    frame = pd.DataFrame(
        {"day": local.strftime("%Y-%m-%d"), "hour": local.hour, "v": series.to_numpy()}
    )
    grid = frame.pivot_table(index="hour", columns="day", values="v", aggfunc="mean")
    grid = grid.reindex(range(24))
    return list(grid.columns), list(range(24)), grid.to_numpy()


def _hour_day_map(
    key: str,
    title: str,
    grid: tuple[list[str], list[int], Any],
    decimals: int,
    scale: dict[str, Any],
    heading: str,
    caption: str,
) -> Chart:
    """A heat map of :func:`_hour_by_day` values; ``scale``: its z range, colours."""
    days, hours, z = grid
    trace = {
        "type": "heatmap",
        "x": days,
        "y": hours,
        "z": [values(row, decimals) for row in z],
        **scale,
    }
    layout = _layout(
        heading,
        yaxis={"title": {"text": "hour"}, "dtick": 3},
        hovermode="closest",
        height=360,
    )
    return Chart(key, title, {"data": [trace], "layout": layout}, caption)


def heat_maps(ts: pd.DataFrame, summary: dict[str, Any], timezone: str) -> list[Chart]:
    """Hour × day maps of the price and of the mining utilisation."""
    grid = _hour_by_day(ts["site.price_usd_per_mwh"], timezone)
    finite = grid[2][np.isfinite(grid[2])]
    high = float(np.percentile(finite, 99)) if finite.size else None
    out = [
        _hour_day_map(
            "heatmap-price",
            "Price by hour and day",
            grid,
            2,
            {
                "zmax": high,
                "colorscale": "Viridis",
                "colorbar": {"title": {"text": "USD/MWh"}},
                "hovertemplate": "%{x} %{y}:00<br>%{z} USD/MWh<extra></extra>",
            },
            "Price [USD/MWh] by local hour and day",
            "Hourly mean price; the colour scale stops at the 99th percentile so "
            "that spikes do not wash out the rest.",
        )
    ]
    mining = mining_power_mw(ts, summary)
    capacity = mining_capacity_mw(summary)
    if mining is not None and capacity > 0:
        out.append(
            _hour_day_map(
                "heatmap-mining",
                "Mining utilisation by hour and day",
                _hour_by_day(mining / capacity, timezone),
                3,
                {
                    "zmin": 0,
                    "zmax": 1,
                    "colorscale": "Blues",
                    "colorbar": {"title": {"text": "share"}},
                    "hovertemplate": "%{x} %{y}:00<br>%{z}<extra></extra>",
                },
                "Mining utilisation (share of available fleet power)",
                "Fleet power over available power, hourly mean.",
            )
        )
    return out


# ---- monthly money -----------------------------------------------------------------
def _months(ts: pd.DataFrame, timezone: str) -> pd.Series:
    local = pd.DatetimeIndex(ts.index).tz_convert(timezone)
    return pd.Series(local.strftime("%Y-%m"), index=ts.index)


def _monthly_layout(title: str, unit: str, height: int = 400) -> dict[str, Any]:
    """Bars by month, stacked relative to zero (gains up, costs down)."""
    return _layout(
        title,
        barmode="relative",
        yaxis={"title": {"text": unit}},
        xaxis={"type": "category"},
        height=height,
    )


def monthly_money(ts: pd.DataFrame, summary: dict[str, Any], timezone: str) -> Chart:
    """Each headline line per month (revenues up, costs down) and the profit."""
    months = _months(ts, timezone)
    labels: list[str] = []
    rows: dict[str, dict[str, float]] = {}
    for month, chunk in ts.groupby(months.to_numpy(), sort=True):
        rows[str(month)] = {}
        for line in headline(summary, chunk):
            if line.label not in labels:
                labels.append(line.label)
            rows[str(month)][line.label] = line.value_usd
    x = list(rows)
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": label,
            "x": x,
            "y": values([rows[m].get(label, 0.0) for m in x], 0),
        }
        for label in labels
    ]
    profit = ts["site.profit_usd"].groupby(months.to_numpy(), sort=True).sum()
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "profit",
            "x": x,
            "y": values(profit.reindex(x).to_numpy(), 0),
            "line": {"color": "black"},
        }
    )
    layout = _monthly_layout("Money by stream and month [USD]", "USD", 440)
    return Chart(
        "monthly-money",
        "Money by stream, per month",
        {"data": data, "layout": layout},
        "The headline's lines month by month (local months): revenues above zero, "
        "costs below, the profit as a line.",
    )


def monthly_bill(
    ts: pd.DataFrame, summary: dict[str, Any], timezone: str
) -> Chart | None:
    """The electricity bill per month: energy, demand charges, 4CP."""
    months = _months(ts, timezone).to_numpy()
    parts = {"energy (imports less exports)": ts["site.energy_cost_usd"]}
    for pid, kpis in summary.get("programs", {}).items():
        if kpis.get("type") in ("demand_charge", "four_cp") and f"{pid}.cost_usd" in ts:
            label = PROGRAM_COST_LABELS[str(kpis["type"])]
            parts[f"{label} ({pid})"] = ts[f"{pid}.cost_usd"]
    grouped = {k: v.groupby(months, sort=True).sum() for k, v in parts.items()}
    x = [str(m) for m in next(iter(grouped.values())).index]
    data = [
        {"type": "bar", "name": name, "x": x, "y": values(series.to_numpy(), 0)}
        for name, series in grouped.items()
    ]
    layout = _monthly_layout("Electricity bill by component and month [USD]", "USD")
    return Chart(
        "monthly-bill",
        "Bill components, per month",
        {"data": data, "layout": layout},
        "Energy at the import price net of exports, demand charges and the 4CP "
        "transmission charge, each in the month it accrues.",
    )


def monthly_emissions(
    ts: pd.DataFrame, summary: dict[str, Any], timezone: str
) -> Chart | None:
    """Grid, avoided and net emissions per month [tCO2]."""
    months = _months(ts, timezone).to_numpy()
    data: list[dict[str, Any]] = []
    x: list[str] = []
    for pid, kpis in summary.get("programs", {}).items():
        if kpis.get("type") != "emissions" or f"{pid}.grid_tco2" not in ts:
            continue
        grid = ts[f"{pid}.grid_tco2"].groupby(months, sort=True).sum()
        x = [str(m) for m in grid.index]
        data.append({"type": "bar", "name": f"grid ({pid})", "x": x, "y": values(grid)})
        if f"{pid}.avoided_heat_tco2" in ts:
            avoided = ts[f"{pid}.avoided_heat_tco2"].groupby(months, sort=True).sum()
            if avoided.abs().sum() > 0:
                data.append(
                    {
                        "type": "bar",
                        "name": f"avoided by reused heat ({pid})",
                        "x": x,
                        "y": values(-avoided),
                    }
                )
        if f"{pid}.net_tco2" in ts:
            net = ts[f"{pid}.net_tco2"].groupby(months, sort=True).sum()
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": f"net ({pid})",
                    "x": x,
                    "y": values(net),
                    "line": {"color": "black"},
                }
            )
    if not data:
        return None
    layout = _monthly_layout("Emissions by month [tCO2]", "tCO2")
    return Chart(
        "monthly-emissions",
        "Emissions, per month",
        {"data": data, "layout": layout},
        "Grid emissions at the marginal rate of each interval, less boiler "
        "emissions avoided by reused heat.",
    )


def tradeoff_curve(table: pd.DataFrame) -> Chart:
    """Profit against net emissions, one point per solve."""
    t = table.sort_values("net_tco2")
    text = [
        f"carbon price {p:,.0f} USD/t" if pd.notna(p) else ""
        for p in t.get("carbon_price_usd_per_tco2", pd.Series([math.nan] * len(t)))
    ]
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "frontier",
            "x": values(t["net_tco2"], 1),
            "y": values(t["profit_usd"], 0),
            "text": text,
        }
    ]
    layout = _layout(
        "Profit versus emissions",
        xaxis={"title": {"text": "net emissions [tCO2]"}},
        yaxis={"title": {"text": "profit [USD]"}},
        hovermode="closest",
        height=400,
    )
    return Chart(
        "tradeoff",
        "Profit versus emissions",
        {"data": data, "layout": layout},
        "Each point is one solve with a tighter emissions cap or a higher carbon "
        "price (tradeoff.csv).",
    )


# ---- studies -----------------------------------------------------------------------
def cumulative_cash(proforma: pd.DataFrame, bau: pd.DataFrame | None) -> Chart:
    """Cumulative net cash flow of the project, and of business as usual."""
    data = []
    for name, table in (("project", proforma), ("business as usual", bau)):
        if table is None:
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": values(table["year"], 0),
                "y": values(table["net_cash_flow_usd"].cumsum(), 0),
            }
        )
    layout = _layout(
        "Cumulative net cash flow [USD]",
        xaxis={"title": {"text": "year"}, "dtick": 1},
        yaxis={"title": {"text": "USD"}},
        height=400,
    )
    return Chart(
        "cumulative-cash",
        "Cumulative cash flow against business as usual",
        {"data": data, "layout": layout},
        "Undiscounted cumulative net cash flow (proforma.csv, proforma_bau.csv).",
    )


#: Pro forma line groups of the capex-to-NPV waterfall, in order.
WATERFALL_GROUPS = (
    ("capex", ("capex_usd",)),
    ("operating cash flow", ("operating_cash_flow_usd",)),
    ("taxes", ("state_tax_usd", "federal_tax_usd")),
    ("investment tax credit", ("itc_usd",)),
    ("salvage", ("salvage_usd",)),
)


def npv_waterfall(proforma: pd.DataFrame, npv_usd: float | None) -> Chart | None:
    """Present value of each line group, from capex to the NPV."""
    if "discounted_cash_flow_usd" not in proforma:
        return None
    net = proforma["net_cash_flow_usd"].to_numpy(dtype=float)
    disc = proforma["discounted_cash_flow_usd"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(np.abs(net) > 1e-9, disc / net, np.nan)
    years = proforma["year"].to_numpy(dtype=float)
    known = np.isfinite(factor) & (years > 0)
    if not known.any():
        return None
    # Fill years with no net flow from the discount rate the others imply.
    rate = float(np.median(factor[known] ** (-1.0 / years[known]) - 1.0))
    factor = np.where(np.isfinite(factor), factor, (1.0 + rate) ** -years)
    names, amounts = [], []
    for name, cols in WATERFALL_GROUPS:
        present = [c for c in cols if c in proforma]
        if present:
            names.append(name)
            amounts.append(float((proforma[present].sum(axis=1) * factor).sum()))
    total = float(disc.sum())
    other = total - sum(amounts)
    if abs(other) > 0.5:
        names.append("other")
        amounts.append(other)
    data = [
        {
            "type": "waterfall",
            "name": "present value",
            "x": [*names, "NPV"],
            "y": [*values(amounts, 0), round(total)],
            "measure": [*(["relative"] * len(amounts)), "total"],
        }
    ]
    caption = "Present value of each pro forma line group; they sum to the NPV."
    if npv_usd is not None and abs(npv_usd - total) > max(1.0, 1e-6 * abs(total)):
        caption += f" (summary.json gives NPV {npv_usd:,.0f} USD.)"
    layout = _layout(
        "From capex to NPV [USD, present value]",
        yaxis={"title": {"text": "USD"}},
        showlegend=False,
        height=400,
    )
    return Chart(
        "npv-waterfall",
        "Capex-to-NPV waterfall",
        {"data": data, "layout": layout},
        caption,
    )


# ---- sweeps ------------------------------------------------------------------------
def tornado(table: pd.DataFrame) -> Chart:
    """Each parameter's swing of the KPI from its low to its high value."""
    t = table.iloc[::-1]
    base = t["kpi_base"].astype(float).to_numpy()
    kpi = str(t["kpi"].iloc[0]) if len(t) else "KPI"
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": f"{end} value",
            "y": [str(p) for p in t["parameter"]],
            "x": values(t[f"kpi_{end}"].astype(float).to_numpy() - base, 2),
            "base": values(base, 2),
        }
        for end in ("low", "high")
    ]
    layout = _layout(
        f"Tornado: {kpi}",
        barmode="overlay",
        xaxis={"title": {"text": kpi}},
        hovermode="closest",
        height=max(300, 60 + 40 * len(t)),
    )
    return Chart(
        "tornado",
        "Tornado",
        {"data": data, "layout": layout},
        "The KPI with each parameter at its low and its high value, the others at "
        "base (tornado.csv), largest swing on top.",
    )


def two_way(table: pd.DataFrame) -> Chart:
    """The KPI over two swept axes as a heat map."""
    grid = table.pivot_table(
        index="y_value", columns="x_value", values="kpi_value", aggfunc="mean"
    )
    x_name, y_name = str(table["x_name"].iloc[0]), str(table["y_name"].iloc[0])
    kpi = str(table["kpi_name"].iloc[0])
    data = [
        {
            "type": "heatmap",
            "x": [str(v) for v in grid.columns],
            "y": [str(v) for v in grid.index],
            "z": [values(row, 2) for row in grid.to_numpy()],
            "colorscale": "RdBu",
            "colorbar": {"title": {"text": kpi}},
            "texttemplate": "%{z:,.4s}",
        }
    ]
    layout = _layout(
        f"Two-way: {kpi}",
        xaxis={"title": {"text": x_name}, "type": "category"},
        yaxis={"title": {"text": y_name}, "type": "category"},
        hovermode="closest",
        height=420,
    )
    return Chart(
        "two-way",
        "Two-way table",
        {"data": data, "layout": layout},
        "The KPI on every cell of the two swept axes (two_way.csv).",
    )


# ---- risk --------------------------------------------------------------------------
def risk_value(risk: dict[str, Any], name: str) -> float | None:
    """``risk[name]`` or ``risk[name + '_usd']``, as a float."""
    for key in (name, f"{name}_usd", f"{name}_frac"):
        value = risk.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def profit_distribution(table: pd.DataFrame, risk: dict[str, Any] | None) -> Chart:
    """Histogram of the scenarios' profit with the expectation, VaR and CVaR."""
    profit = table["profit_usd"].astype(float)
    data: list[dict[str, Any]] = [
        {
            "type": "histogram",
            "name": "scenarios",
            "x": values(profit, 0),
            "nbinsx": min(60, max(10, len(profit) // 3)),
        }
    ]
    if "probability" in table:
        data[0]["y"] = values(table["probability"], 6)
        data[0]["histfunc"] = "sum"
    shapes, notes = [], []
    risk = risk or {}
    alpha = risk_value(risk, "alpha")
    for name, color in (("expected", "black"), ("var", "#ff7f0e"), ("cvar", "#d62728")):
        level = risk_value(risk, name)
        if level is None:
            continue
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": level,
                "x1": level,
                "y0": 0,
                "y1": 1,
                "line": {"color": color, "dash": "dash"},
            }
        )
        notes.append(
            {
                "x": level,
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "text": name.upper() if name != "expected" else "expected",
                "showarrow": False,
                "yanchor": "bottom",
            }
        )
    title = "NPV across scenarios"
    if alpha is not None:
        title += f" (VaR and CVaR at α = {alpha:g})"
    layout = _layout(
        title,
        shapes=shapes,
        annotations=notes,
        xaxis={"title": {"text": "pre-tax NPV [USD]"}},
        yaxis={
            "title": {"text": "probability" if "probability" in table else "scenarios"}
        },
        hovermode="closest",
        showlegend=False,
        height=400,
    )
    return Chart(
        "profit-distribution",
        "Profit distribution",
        {"data": data, "layout": layout},
        "Pre-tax NPV of the risk-averse design in each scenario "
        "(scenario_results.csv); the expectation, the value at risk and the "
        "conditional value at risk marked.",
    )


def frontier(table: pd.DataFrame) -> Chart:
    """The risk-return frontier: expected profit against its risk measure."""
    numeric = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    x_col = next((c for c in numeric if "cvar" in c), None) or next(
        (c for c in numeric if "risk" in c or "var" in c), numeric[0]
    )
    y_col = next((c for c in numeric if "expected" in c and c != x_col), None) or next(
        c for c in numeric if c != x_col
    )
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "frontier",
            "x": values(table[x_col], 2),
            "y": values(table[y_col], 2),
        }
    ]
    layout = _layout(
        "Risk-return frontier",
        xaxis={"title": {"text": x_col}},
        yaxis={"title": {"text": y_col}},
        hovermode="closest",
        height=400,
    )
    return Chart(
        "frontier",
        "Risk-return frontier",
        {"data": data, "layout": layout},
        f"{y_col} against {x_col} (frontier.csv).",
    )
