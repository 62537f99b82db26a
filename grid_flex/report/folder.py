"""Read a results folder (or a study or sweep folder) for the report, checking it.

Only files: CSV, Parquet, JSON and the resolved ``scenario.yaml``; never Pyomo. A
folder that is not a grid-flex folder, or one whose files are missing, truncated or
tampered with, raises :class:`~grid_flex.errors.ResultsFolderError` naming the file.

What is read, where present:

``summary.json``
    ``{"grid_flex_version", "summary": {...}, "timings_s"}``; study folders may put
    ``finance`` and ``risk`` at the top level or inside ``summary``.
``timeseries.csv`` / ``timeseries.parquet``
    one row per interval, indexed by the UTC interval start.
``scenario.yaml``
    the resolved scenario (the site's time zone for local-time views).
``bid_curves.csv``, ``mica_disclosure.csv``, ``tradeoff.csv``
    per-fleet bid curves, MiCA indicators, a profit-versus-emissions curve.
``sizes.csv``, ``proforma.csv``, ``proforma_bau.csv``
    a feasibility study's sizes and pro formas.
``summary.csv`` / ``summary.parquet``, ``tornado.csv``, ``two_way.csv``
    a sweep's cases and analyses.
``scenario_results.csv``, ``designs.csv``, ``frontier.csv``
    a risk study's scenarios, its two designs and its risk-return frontier.
``foresight.csv``, ``rolling_windows.csv``
    rolling operation: the value of foresight by stream, and each window.
``allocation.csv``, ``allocation_static.csv``, ``moves.csv``, ``sites.csv``
    a portfolio: where each fleet sits in each period, the moves, each site's profit.

Every file the folder's manifest (``.grid-flex-files``) lists must be there: a
missing one means the folder was half-written or tampered with.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from grid_flex.columns import UNBOUNDED_QUANTITIES
from grid_flex.errors import ResultsFolderError

SUMMARY_FILE = "summary.json"
TIMESERIES_FILES = ("timeseries.parquet", "timeseries.csv")
#: Optional tables: file name -> columns it must have.
TABLES: dict[str, tuple[str, ...]] = {
    "bid_curves.csv": ("asset_id", "price_usd_per_mwh", "power_mw"),
    "mica_disclosure.csv": ("indicator", "value", "unit"),
    "tradeoff.csv": ("net_tco2", "profit_usd"),
    "sizes.csv": (),
    "proforma.csv": ("year", "net_cash_flow_usd"),
    "proforma_bau.csv": ("year", "net_cash_flow_usd"),
    "tornado.csv": ("parameter", "kpi", "kpi_low", "kpi_high", "kpi_base"),
    "two_way.csv": ("x_name", "x_value", "y_name", "y_value", "kpi_name", "kpi_value"),
    "scenario_results.csv": ("profit_usd",),
    "designs.csv": ("key", "risk_neutral", "risk_averse"),
    "frontier.csv": (),
    "foresight.csv": ("stream", "perfect_foresight_usd", "realised_usd"),
    "rolling_windows.csv": ("window", "window_objective_usd"),
    "allocation.csv": ("fleet", "site", "period", "allocated_mw"),
    "allocation_static.csv": ("fleet", "site", "period", "allocated_mw"),
    "moves.csv": ("fleet", "from_site", "to_site", "period", "moved_mw"),
    "sites.csv": ("site", "period", "profit_usd"),
}
#: Required columns that hold names, not numbers; every other one must be numeric.
TEXT_COLUMNS = frozenset(
    {
        "asset_id",
        "indicator",
        "value",
        "unit",
        "parameter",
        "kpi",
        "x_name",
        "x_value",
        "y_name",
        "y_value",
        "kpi_name",
        "key",
        "stream",
        "fleet",
        "site",
        "period",
        "from_site",
        "to_site",
    }
)
#: What a sweep folder holds besides its summary.
SWEEP_MANIFEST = "sweep.json"
#: Manifest entries that are the report's own output (may be gone: not checked).
REPORT_OUTPUTS = (".html", "/")
SWEEP_SUMMARY_FILES = ("summary.parquet", "summary.csv")
#: Totals of summary.json that are sums of a time-series column.
SUMMED = {
    "profit_usd": "site.profit_usd",
    "revenue_usd": "site.revenue_usd",
    "energy_cost_usd": "site.energy_cost_usd",
    "other_cost_usd": "site.cost_usd",
    "horizon_h": "site.timestep_h",
}
#: Relative tolerance of a total against its time series (12 significant digits).
TOTALS_RTOL = 1e-6
#: Time-series columns every results folder has.
REQUIRED_COLUMNS = (
    "site.timestep_h",
    "site.price_usd_per_mwh",
    "site.grid_import_mw",
    "site.energy_cost_usd",
    "site.profit_usd",
)


@dataclass
class ResultsFolder:
    """What a folder holds, read and checked.

    Attributes
    ----------
    path : Path
        The folder.
    meta : dict
        ``summary.json`` as written (empty for a sweep folder without it).
    summary : dict
        The run's summary (``meta["summary"]``), or ``{}``.
    timeseries : pandas.DataFrame or None
        Per-interval table on a UTC index, or None (sweep folders).
    timezone : str
        The site's time zone for local views (``scenario.yaml``), else UTC.
    tables : dict
        The optional tables found, by file name (sweep summary as ``"summary.csv"``).
    """

    path: Path
    meta: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    timeseries: pd.DataFrame | None = None
    timezone: str = "UTC"
    scenario: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any] | None:
        """``finance`` or ``risk`` from the top level or the summary, if present."""
        for source in (self.meta, self.summary):
            value = source.get(name)
            if isinstance(value, dict):
                return value
        return None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsFolderError(path, f"cannot be read as JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ResultsFolderError(path, "expected a JSON object")
    return data


def _read_table(path: Path, required: tuple[str, ...] = ()) -> pd.DataFrame:
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path)
    except Exception as exc:  # pandas and pyarrow raise many kinds
        raise ResultsFolderError(path, f"cannot be read as a table ({exc})") from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ResultsFolderError(path, f"missing column(s) {', '.join(missing)}")
    for column in required:
        if column in TEXT_COLUMNS or pd.api.types.is_numeric_dtype(frame[column]):
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise ResultsFolderError(
                path,
                f"column {column!r} row {row + 2} is not a number "
                f"({frame[column].iloc[row]!r})",
            )
        frame[column] = values
    return frame


def _read_timeseries(path: Path) -> pd.DataFrame:
    """The per-interval table on a tz-aware UTC index, checked."""
    frame = _read_table(path, REQUIRED_COLUMNS)
    first = frame.columns[0]
    if path.suffix == ".parquet" and isinstance(frame.index, pd.DatetimeIndex):
        index = frame.index
    else:
        try:
            index = pd.DatetimeIndex(pd.to_datetime(frame[first], utc=True))
        except (ValueError, TypeError) as exc:
            raise ResultsFolderError(
                path, f"column {first!r} is not a UTC time stamp ({exc})"
            ) from exc
        frame = frame.drop(columns=[first])
    if index.tz is None:
        index = index.tz_localize("UTC")
    frame.index = index.tz_convert("UTC")
    if len(frame) == 0:
        raise ResultsFolderError(path, "has no rows")
    if not frame.index.is_monotonic_increasing or frame.index.has_duplicates:
        raise ResultsFolderError(path, "time stamps are not strictly increasing")
    for column in REQUIRED_COLUMNS:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna()
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise ResultsFolderError(
                path,
                f"column {column!r} at {frame.index[row]:%Y-%m-%dT%H:%M:%SZ} "
                "is not a number",
            )
    for column in frame.columns:
        if column.rsplit(".", 1)[-1] in UNBOUNDED_QUANTITIES:
            continue
        values = frame[column]
        if not pd.api.types.is_float_dtype(values):
            continue
        infinite = np.isinf(values.to_numpy())
        if infinite.any():
            row = int(infinite.argmax())
            raise ResultsFolderError(
                path,
                f"column {column!r} at {frame.index[row]:%Y-%m-%dT%H:%M:%SZ} is "
                f"{values.iloc[row]} (grid-flex writes finite numbers there: "
                "tampered with)",
            )
    return frame


def _check_totals(
    summary_path: Path, ts_path: Path, summary: dict[str, Any], table: pd.DataFrame
) -> None:
    """The run's totals in ``summary.json`` are those of its time series.

    Each total is what :mod:`grid_flex.results` computes from the same columns, and
    the report's headline lines (each asset's and program's revenue and cost and the
    energy bill) must sum to the operating profit it prints. Tolerance: 1e-6 of the
    sum of magnitudes (the CSV keeps 12 significant digits).
    """
    from grid_flex.headline import headline, profit_usd

    dt = pd.to_numeric(table["site.timestep_h"], errors="coerce").to_numpy()

    def column(name: str) -> np.ndarray | None:
        if name not in table.columns:
            return None
        return np.asarray(pd.to_numeric(table[name], errors="coerce"), dtype=float)

    found: dict[str, tuple[float, float, str]] = {}  # key -> (value, scale, from)
    for key, name in SUMMED.items():
        values = column(name)
        if values is not None:
            found[key] = (
                float(np.nansum(values)),
                float(np.nansum(np.abs(values))),
                f"the sum of {name}",
            )
    imp = column("site.grid_import_mw")
    if imp is not None:
        found["energy_bought_mwh"] = (
            float(np.nansum(imp * dt)),
            float(np.nansum(np.abs(imp * dt))),
            "the sum of site.grid_import_mw × site.timestep_h",
        )
        found["peak_import_mw"] = (float(np.nanmax(imp)), 0.0, "the largest import")
    price = column("site.price_usd_per_mwh")
    if price is not None and np.nansum(dt) > 0:
        found["average_price_usd_per_mwh"] = (
            float(np.nansum(price * dt) / np.nansum(dt)),
            float(np.nansum(np.abs(price * dt)) / np.nansum(dt)),
            "the time-weighted mean of site.price_usd_per_mwh",
        )
    if "profit_usd" in summary:
        lines = headline(summary, table)
        found["headline"] = (
            profit_usd(lines),
            math.fsum(abs(line.value_usd) for line in lines),
            "the sum of the headline's lines (each asset's and program's revenue "
            "and cost, less site.energy_cost_usd)",
        )
    for key, (value, scale, origin) in found.items():
        stated = summary.get("profit_usd" if key == "headline" else key)
        if not isinstance(stated, int | float) or isinstance(stated, bool):
            continue
        if not math.isfinite(stated) or abs(stated - value) > TOTALS_RTOL * max(
            1.0, scale, abs(stated)
        ):
            name = "profit_usd" if key == "headline" else key
            raise ResultsFolderError(
                summary_path,
                f"{name} is {stated:,.6g} but {origin} in {ts_path.name} is "
                f"{value:,.6g} (the files disagree: tampered with, or from "
                "different runs)",
            )


def _check_manifest(root: Path) -> None:
    """Every file the folder's manifest lists is there (reports excepted)."""
    from grid_flex.io.results_folder import MANIFEST

    path = root / MANIFEST
    if not path.is_file():
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsFolderError(path, f"cannot be read ({exc})") from exc
    for name in (line.strip() for line in text.splitlines()):
        if name and not name.endswith(REPORT_OUTPUTS) and not (root / name).exists():
            raise ResultsFolderError(
                root / name,
                f"is missing (listed in {MANIFEST}: the folder is half-written or "
                "was tampered with)",
            )


def read_folder(folder: str | Path) -> ResultsFolder:
    """Read and check a results, study or sweep folder.

    Raises
    ------
    ResultsFolderError
        The folder is missing, is not a grid-flex folder, or one of its files is
        missing, unreadable or inconsistent with ``summary.json``.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ResultsFolderError(root, "is not a folder")
    _check_manifest(root)
    out = ResultsFolder(path=root)
    summary_path = root / SUMMARY_FILE
    sweep = next((root / n for n in SWEEP_SUMMARY_FILES if (root / n).is_file()), None)
    if summary_path.is_file():
        out.meta = _read_json(summary_path)
        summary = out.meta.get("summary", {})
        if not isinstance(summary, dict):
            raise ResultsFolderError(summary_path, "'summary' is not an object")
        out.summary = summary
    elif sweep is None and (root / SWEEP_MANIFEST).is_file():
        raise ResultsFolderError(
            root / SWEEP_SUMMARY_FILES[1],
            f"is missing ({SWEEP_MANIFEST} names a sweep; run the sweep again to "
            "finish it)",
        )
    elif sweep is None:
        raise ResultsFolderError(
            root,
            f"is not a grid-flex results folder (no {SUMMARY_FILE}, nor a sweep's "
            "summary.csv)",
        )
    if sweep is not None:
        out.tables["summary.csv"] = _read_table(sweep)
    if out.summary.get("intervals") is not None:
        ts_path = next(
            (root / n for n in TIMESERIES_FILES if (root / n).is_file()), None
        )
        if ts_path is None:
            raise ResultsFolderError(
                root / "timeseries.csv", "is missing (summary.json names a run)"
            )
        table = _read_timeseries(ts_path)
        if len(table) != int(out.summary["intervals"]):
            raise ResultsFolderError(
                ts_path,
                f"has {len(table)} rows but summary.json says "
                f"{out.summary['intervals']} intervals (half-written or tampered)",
            )
        _check_totals(summary_path, ts_path, out.summary, table)
        out.timeseries = table
    scenario_path = root / "scenario.yaml"
    if scenario_path.is_file():
        try:
            scenario = yaml.safe_load(scenario_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ResultsFolderError(
                scenario_path, f"cannot be read as YAML ({exc})"
            ) from exc
        if isinstance(scenario, dict):
            out.scenario = scenario
            site = scenario.get("site")
            if isinstance(site, dict) and isinstance(site.get("timezone"), str):
                out.timezone = site["timezone"]
    for name, required in TABLES.items():
        if (root / name).is_file():
            out.tables[name] = _read_table(root / name, required)
    return out
