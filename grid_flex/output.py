"""Write results to a folder atomically, and render the summary as text.

A results folder holds ``timeseries.csv`` (or ``.parquet``), ``summary.json``,
``bid_curves.csv`` (when the site has fleets), ``mica_disclosure.csv`` (when it has an
emissions program) and
``scenario.yaml``: the resolved scenario (every default filled in, file paths made
absolute) that reproduces the run with ``grid-flex solve scenario.yaml``. Files are
written to a temporary sibling folder that replaces the target only when complete.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from grid_flex.inputs import BUNDLED_PREFIX
from grid_flex.io.catalog import (
    Catalog,
    catalog_refs_used,
    load_catalog,
    with_entries,
)
from grid_flex.io.results_folder import (
    check_output_dir,
    discard,
    finish_folder,
    start_folder,
)
from grid_flex.io.yaml_text import dump_yaml
from grid_flex.numfmt import clean_float, without_noise
from grid_flex.results import Results
from grid_flex.schema.scenario import Scenario
from grid_flex.tables import (
    with_text_stamps,
    without_negative_zero,
    write_timeseries_csv,
    write_timeseries_parquet,
)
from grid_flex.version import __version__

MARKER = "summary.json"


def _absolute_files(data: Any, base_dir: Path) -> Any:
    """Make every relative ``file:`` path in a dumped scenario absolute."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if (
                key == "file"
                and isinstance(value, str)
                and not value.startswith(BUNDLED_PREFIX)
                and not Path(value).is_absolute()
            ):
                out[key] = str((base_dir / value).resolve())
            else:
                out[key] = _absolute_files(value, base_dir)
        return out
    if isinstance(data, list):
        return [_absolute_files(v, base_dir) for v in data]
    return data


def frozen_catalog_entries(
    scenario: Scenario, catalog: Catalog | None = None
) -> dict[str, Any]:
    """Every catalogue entry ``scenario`` refers to, as data (by reference).

    Entries already frozen in the scenario are kept; the others come from
    ``catalog`` (default: the bundled one). Unknown references are left out (the
    run would have failed on them).
    """
    data = scenario.model_dump(mode="json")
    cat = with_entries(
        catalog if catalog is not None else load_catalog(), scenario.catalog_entries
    )
    return {
        ref: cat.get(ref).model_dump(mode="json")
        for ref in catalog_refs_used(data)
        if ref in cat
    }


def resolved_scenario_yaml(
    scenario: Scenario,
    base_dir: Path,
    *,
    catalog: Catalog | None = None,
    not_reproducible: str | None = None,
) -> str:
    """The resolved scenario as YAML: defaults, absolute paths, frozen catalogue.

    Every default is filled in, file paths are absolute and the catalogue entries the
    scenario uses are written under ``catalog_entries``.

    ``not_reproducible`` (why the folder alone does not reproduce the run, e.g. an
    ``extra=`` hook changed the model) is written as a comment at the top.
    """
    data = _absolute_files(scenario.model_dump(mode="json"), base_dir)
    data["catalog_entries"] = frozen_catalog_entries(scenario, catalog)
    header = (
        f"# Resolved by grid-flex {__version__}; re-run with: grid-flex solve <this>\n"
        "# The catalogue entries used are frozen under catalog_entries.\n"
    )
    if not_reproducible:
        header += (
            "# NOT REPRODUCIBLE FROM THIS FOLDER ALONE: "
            f"{not_reproducible.replace(chr(10), ' ')}\n"
        )
    return header + dump_yaml(data)


#: Summary key that says why a results folder alone does not reproduce its run.
NOT_REPRODUCIBLE = "not_reproducible_from_folder"


def not_reproducible(results: Results) -> str | None:
    """Why ``results`` cannot be re-run from its folder alone (``None``: it can)."""
    reason = results.summary.get(NOT_REPRODUCIBLE)
    return str(reason) if reason else None


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, float):
        return clean_float(value) if math.isfinite(value) else None
    return value


def bid_curves(results: Results) -> pd.DataFrame:
    """Every fleet's bid curve as rows (asset_id, price_usd_per_mwh, power_mw)."""
    rows = [
        {"asset_id": aid, **step}
        for aid, kpis in results.summary["assets"].items()
        for step in kpis.get("bid_curve", [])
    ]
    return pd.DataFrame(rows, columns=["asset_id", "price_usd_per_mwh", "power_mw"])


def _write_column_dictionary(folder: Path, results: Results) -> None:
    """``columns.csv``: unit and meaning of every column of the folder's tables."""
    from grid_flex.columns import write_column_dictionary

    owners = {
        oid: f"{group[:-1]} {oid}, {kpis.get('type', '')}"
        for group in ("assets", "programs")
        for oid, kpis in results.summary.get(group, {}).items()
    }
    write_column_dictionary(folder, owners)


def write_results(
    results: Results,
    scenario: Scenario,
    out_dir: str | Path,
    *,
    base_dir: str | Path = ".",
    timeseries_format: str | None = None,
    catalog: Catalog | None = None,
) -> Path:
    """Write ``results`` to ``out_dir`` atomically; return the folder.

    An existing ``out_dir`` is replaced only if it is empty or holds nothing but files
    grid-flex wrote (:mod:`grid_flex.io.results_folder`); a user's file in it is an
    error that names it, and nothing is deleted.
    """
    target = check_output_dir(out_dir)
    fmt = timeseries_format or scenario.outputs.timeseries_format
    tmp = start_folder(target)
    try:
        if fmt == "parquet":
            write_timeseries_parquet(
                without_noise(results.timeseries),
                tmp / "timeseries.parquet",
                scenario.site.timezone,
            )
        else:
            write_timeseries_csv(
                without_noise(results.timeseries),
                tmp / "timeseries.csv",
                scenario.site.timezone,
            )
        summary = {
            "grid_flex_version": __version__,
            "summary": _json_safe(results.summary),
            "timings_s": results.timings_s,
        }
        (tmp / MARKER).write_text(json.dumps(summary, indent=2), encoding="utf-8")
        for name, frame in results.tables.items():
            if name.endswith(".jsonl"):  # one JSON record per line
                with_text_stamps(frame).to_json(
                    tmp / name, orient="records", lines=True
                )
            elif name.startswith("timeseries_") and "interval_start_utc" in frame:
                # a study's operating block: the same file as timeseries.csv
                write_timeseries_csv(
                    without_noise(frame.set_index("interval_start_utc")),
                    tmp / name,
                    scenario.site.timezone,
                )
            else:
                without_negative_zero(with_text_stamps(frame)).to_csv(
                    tmp / name, index=False
                )
        bids = bid_curves(results)
        if not bids.empty:
            bids.to_csv(tmp / "bid_curves.csv", index=False)
        if any(p.type == "emissions" for p in scenario.programs):
            from grid_flex.disclosure import DISCLOSURE_FILE, mica_disclosure

            mica_disclosure(results, scenario).to_csv(
                tmp / DISCLOSURE_FILE, index=False
            )
        (tmp / "scenario.yaml").write_text(
            resolved_scenario_yaml(
                scenario,
                Path(base_dir),
                catalog=catalog,
                not_reproducible=not_reproducible(results),
            ),
            encoding="utf-8",
        )
        _write_column_dictionary(tmp, results)
        finish_folder(tmp, target)
    except BaseException:
        discard(tmp)
        raise
    return target


# ---- text rendering ------------------------------------------------------------
#: Site quantities printed under the money headline: (summary key, label).
SITE_ROWS = (
    ("energy_bought_mwh", "Energy bought [MWh]"),
    ("energy_sold_mwh", "Energy sold to the grid [MWh]"),
    ("peak_import_mw", "Peak import [MW]"),
    ("average_price_usd_per_mwh", "Average price [USD/MWh]"),
    ("average_price_paid_usd_per_mwh", "Average price paid [USD/MWh]"),
)


def _sold_back_mwh(summary: dict[str, Any]) -> float | None:
    """Energy sold back at spot under fixed-price contracts [MWh], if any."""
    contracts = [
        k
        for k in summary.get("programs", {}).values()
        if k.get("type") == "fixed_price_contract" and k.get("sell_back_unused")
    ]
    if not contracts:
        return None
    return float(sum(k.get("unused_mwh", 0.0) for k in contracts))


def _utc(stamp: str) -> str:
    """A summary time stamp as ``2020-01-01 06:00 UTC``."""
    return f"{pd.Timestamp(stamp).tz_convert('UTC'):%Y-%m-%d %H:%M} UTC"


def summary_text(results: Results) -> str:
    """A readable multi-line summary of a run.

    The money headline names every revenue stream and cost and sums to the profit
    (:func:`grid_flex.headline.headline`); numbers print with thousands separators,
    zeros and whole numbers as such, never in scientific notation.
    """
    from grid_flex.headline import headline
    from grid_flex.numfmt import format_number

    s = results.summary
    step_h = s["horizon_h"] / s["intervals"] if s["intervals"] else 0.0
    lines = [
        f"Scenario {s['scenario']}: {format_number(s['intervals'])} intervals of "
        f"{format_number(step_h)} h, {_utc(s['start_utc'])} to {_utc(s['end_utc'])}",
        "",
    ]
    money = headline(s, results.timeseries)
    rows: list[tuple[str, str]] = []
    rows += [(f"  {m.label}", format_number(m.value_usd)) for m in money]
    rows.append(("Operating profit", format_number(s["profit_usd"])))
    rows.append(("", ""))
    rows += [(label, format_number(s[key])) for key, label in SITE_ROWS if key in s]
    sold_back = _sold_back_mwh(s)
    if sold_back is not None:
        rows.append(
            ("Energy sold back under contracts [MWh]", format_number(sold_back))
        )
    width = max(len(label) for label, _ in rows)
    lines.append(f"  {'Money [USD]':<{width}}  {'':>16}")
    lines += [
        f"  {label:<{width}}  {value:>16}".rstrip() if label else ""
        for label, value in rows
    ]
    for aid, kpis in [*s["assets"].items(), *s.get("programs", {}).items()]:
        lines += ["", f"  {aid} ({kpis['type']})"]
        shown = {
            k: v
            for k, v in kpis.items()
            if k != "type" and not isinstance(v, dict | list)
        }
        kw = max((len(k) for k in shown), default=0)
        lines += [f"    {k:<{kw}}  {format_number(v):>16}" for k, v in shown.items()]
    if results.timings_s:
        total = sum(results.timings_s.values())
        parts = ", ".join(f"{k[:-2]} {v:.2f}" for k, v in results.timings_s.items())
        lines += ["", f"  time [s]: {total:.2f} ({parts})"]
    return "\n".join(lines)
