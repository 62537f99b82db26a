"""The column dictionary of a results folder: name, unit and meaning of every column.

Every column a results folder's tables carry must be declared here, by its quantity
name (the part after the owner: ``power_mw`` in ``s19xp_fleet.power_mw``) or by a
pattern for names made from ids (``job_<id>_gpu_h``). :func:`column_dictionary`
raises :class:`UndeclaredColumnError` on any other name, so a new output cannot
reach a user's folder without a meaning. Units follow from the name's suffix
(:data:`UNITS`); per-interval money and energy are amounts *in that interval*. The
other tables of results, study, risk, rolling, sweep and portfolio folders are
declared in :mod:`grid_flex.columns_tables`; every command writes ``columns.csv``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from grid_flex.columns_tables import SWEEP_SIZES, TABLES, describe_kpi
from grid_flex.errors import InternalError

COLUMNS_FILE = "columns.csv"


class UndeclaredColumnError(InternalError):
    """A table column with no entry in the column dictionary (a programming error)."""


#: Unit of a name by its suffix, longest suffix first.
UNITS = (
    ("_usd_per_mw_per_h", "USD/MW/h"),
    ("_usd_per_ths_day", "USD/(TH/s)/day"),
    ("_tco2_per_mwh", "tCO2/MWh"),
    ("_usd_per_mwh", "USD/MWh"),
    ("_usd_per_mw", "USD/MW"),
    ("_gpu_h", "GPU-h"),
    ("_mwhth", "MWh thermal"),
    ("_mwth", "MW thermal"),
    ("_mmbtu", "MMBtu"),
    ("_tco2", "tCO2"),
    ("_mwh", "MWh"),
    ("_usd", "USD"),
    ("_frac", "share (0 to 1)"),
    ("_ths", "TH/s"),
    ("_mw", "MW"),
    ("_yr", "yr"),
    ("_h", "h"),
)

#: Meaning of each quantity name in the time series (owner prefix removed).
QUANTITIES: dict[str, str] = {
    # site
    "timestep_h": "length of the interval",
    "price_usd_per_mwh": "energy price of the interval",
    "import_price_usd_per_mwh": "price paid per MWh imported (price plus adders)",
    "hashprice_usd_per_ths_day": "hashprice: mining revenue per TH/s per day",
    "grid_import_mw": "power imported from the grid",
    "grid_export_mw": "power exported to the grid",
    "flexible_down_mw": "load the site could shed in the interval",
    "flexible_up_mw": "load the site could add in the interval",
    "unallocated_energy_cost_usd": (
        "energy cost not attributed to an asset (simultaneous import and export)"
    ),
    "profit_usd": "operating profit in the interval",
    # every asset and program
    "net_load_mw": "power drawn from the site bus (supply negative)",
    "revenue_usd": "revenue in the interval",
    "cost_usd": "costs other than energy in the interval (opex, wear, penalties)",
    "energy_cost_usd": "energy cost in the interval, at the price of the net position",
    "net_value_usd": "revenue less costs less attributed energy cost",
    # fleets
    "power_mw": "electric power drawn",
    "hashrate_ths": "hashrate",
    "auxiliary_mw": "cooling and auxiliary power beside the miners ((pue − 1) × power)",
    # batteries
    "charge_mw": "charging power",
    "discharge_mw": "discharging power",
    "soc_mwh": "stored energy at the end of the interval",
    # GPU clusters
    "it_power_mw": "IT power of the GPU nodes",
    "busy_it_power_mw": "IT power doing paid work",
    "inference_it_power_mw": "IT power serving inference",
    "inference_reduction_it_power_mw": (
        "inference load reduced below its must-serve share"
    ),
    "inference_gpu_h": "GPU-hours of inference served",
    "inference_revenue_usd": "inference revenue",
    "spot_it_power_mw": "IT power sold on the spot market",
    "spot_gpu_h": "GPU-hours sold on the spot market",
    "spot_revenue_usd": "spot revenue",
    # heat recovery
    "captured_mwth": "heat captured from the sources",
    "demand_mwth": "heat demand of the customers",
    "served_mwth": "heat delivered to the customers",
    "loop_heat_used_mwth": "captured heat used (served or stored)",
    "dump_mwth": "captured heat rejected by the dump fans",
    "fan_power_mw": "electric power of the dump fans",
    "heat_pump_output_mwth": "heat delivered by the heat pump",
    "heat_pump_power_mw": "electric power of the heat pump",
    "storage_charge_mwth": "heat put into the store",
    "storage_discharge_mwth": "heat taken from the store",
    "storage_mwhth": "heat in the store at the end of the interval",
    "fuel_saved_mmbtu": "boiler fuel avoided",
    "avoided_tco2": "boiler emissions avoided by reused heat",
    # emissions
    "marginal_co2_tco2_per_mwh": "marginal emission rate of grid energy",
    "grid_tco2": "emissions of the energy imported (marginal)",
    "avoided_heat_tco2": "boiler emissions avoided by reused heat",
    "direct_tco2": "direct emissions on site",
    "net_tco2": "grid plus direct less avoided emissions",
    "location_based_tco2": "emissions at the average (location-based) rate",
    # demand charges, 4CP, caps, quotas, bans, contracts
    "in_window_frac": "1 when the interval counts for the demand charge",
    "billed_peak_mw": "peak import billed for the month so far",
    "charged_import_mw": "import counted for the demand charge",
    "cp_weight_frac": "weight of the interval as a coincident peak",
    "tag_mw": "4CP tag: weighted import at the coincident peaks",
    "counted_import_mw": "import counted at the coincident peaks",
    "cap_mw": "import cap in force (+inf: none)",
    "energy_mwh": "energy counted against the quota",
    "period_quota_mwh": "quota of the period the interval belongs to",
    "fleet_power_mw": "power of the fleets the ban applies to",
    "allowed_mw": "power the ban allows the fleets (+inf: no limit)",
    "block_mw": "contracted block",
    "covered_mw": "load covered by the contracted block",
    "forfeited_mw": "contracted power neither used nor sold back",
    "curtailable_load_mw": "load that can be curtailed in the event",
    # demand response
    "event_frac": "1 during a demand-response event",
    "committed_mw": "curtailment committed for the event",
    "baseline_mw": "baseline load the curtailment is measured against",
    "curtailment_mw": "load below the baseline",
    "delivered_mw": "curtailment credited (up to the commitment)",
    "shortfall_mw": "commitment not delivered",
    "payment_usd": "demand-response payment",
    "penalty_usd": "penalty in the interval",
    "capacity_payment_usd": "capacity payment for flexibility held",
    "held_mw": "capacity held for the program",
    # reserves (per service, per asset)
    "offer_mw": "capacity offered to the service",
    "price_usd_per_mw_per_h": "capacity price of the service",
    "deployed_mwh": "expected energy deployed",
    "deployment_cost_usd": "expected cost of deployed energy",
    "charge_offer_mw": "capacity offered by charging less (up) or more (down)",
    "discharge_offer_mw": "capacity offered by discharging more (up) or less (down)",
    # hashrate forwards
    "forward_ths": "hashrate sold forward (the forward's volume)",
    "delivered_ths": "hashrate the delivering fleets mine",
}

#: Quantities whose names carry an id: (pattern, meaning with the id).
PATTERNS = (
    (re.compile(r"job_(?P<id>.+)_gpu_h"), "GPU-hours of training job {id}"),
    (re.compile(r"job_(?P<id>.+)_it_power_mw"), "IT power of training job {id}"),
    (re.compile(r"job_(?P<id>.+)_revenue_usd"), "revenue of training job {id}"),
    (re.compile(r"job_(?P<id>.+)_penalty_usd"), "penalty of training job {id}"),
    (re.compile(r"(?P<id>.+)_demand_mwth"), "heat demand of customer {id}"),
    (re.compile(r"(?P<id>.+)_served_mwth"), "heat delivered to customer {id}"),
)

#: Columns of the other tables of a results folder: file -> {column: (unit, meaning)}.
TABLE_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "bid_curves.csv": {
        "asset_id": ("", "fleet"),
        "price_usd_per_mwh": ("USD/MWh", "price up to which the step is bid"),
        "power_mw": ("MW", "fleet power bid at prices up to the step's price"),
    },
    "mica_disclosure.csv": {
        "indicator": ("", "MiCA sustainability indicator"),
        "value": ("", "its value, in the row's unit"),
        "unit": ("", "unit of the value"),
        "basis": ("", "how the value was obtained, or why it is missing"),
    },
    **TABLES,
}
#: Time-series files: the run's, and each operating block's of a study.
TIMESERIES_NAME = re.compile(r"timeseries(_[A-Za-z0-9_]+)?\.(csv|parquet)")
#: Capacity columns of frontier.csv: ``<asset or site>.<quantity>``.
CAPACITY_NAME = re.compile(r"(?P<owner>[^.]+)\.(?P<quantity>[a-z_]+)")
#: Tables with one column per swept scenario field and per KPI (a sweep's).
SWEEP_TABLES = ("summary.csv", "summary.parquet", "failures.csv")
#: The time columns of the time series.
TIME_COLUMNS = {
    "interval_start_utc": ("UTC", "start of the interval, ISO 8601 in UTC (index)"),
    "interval_start_local": (
        "local time",
        "start of the interval in the site's time zone, with its UTC offset",
    ),
}


#: Quantities that are limits, written +inf in the intervals where none applies;
#: every other number grid-flex writes is finite.
UNBOUNDED_QUANTITIES: frozenset[str] = frozenset({"cap_mw", "allowed_mw"})


def unit_of(name: str) -> str:
    """The unit a column name declares by its suffix ('' when none)."""
    for suffix, unit in UNITS:
        if name.endswith(suffix):
            return unit
    return ""


def quantity_meaning(quantity: str) -> str | None:
    """The declared meaning of a quantity name, or None."""
    if quantity in QUANTITIES:
        return QUANTITIES[quantity]
    for pattern, meaning in PATTERNS:
        match = pattern.fullmatch(quantity)
        if match:
            return meaning.format(**match.groupdict())
    return None


def describe(column: str, owners: Mapping[str, str]) -> tuple[str, str]:
    """(unit, meaning) of a time-series column ``<owner>[.<part>...].<quantity>``.

    Raises
    ------
    UndeclaredColumnError
        The quantity is not declared.
    """
    if column in TIME_COLUMNS:
        return TIME_COLUMNS[column]
    owner, _, rest = column.partition(".")
    parts = rest.split(".") if rest else [owner]
    quantity = parts[-1]
    meaning = quantity_meaning(quantity)
    if meaning is None:
        raise UndeclaredColumnError(
            f"time-series column {column!r}: quantity {quantity!r} is not declared in "
            "grid_flex/columns.py (add its meaning there)"
        )
    where = owners.get(owner, owner)
    detail = ", ".join(parts[:-1])
    suffix = f" ({where}{': ' + detail if detail else ''})"
    return unit_of(quantity), meaning + suffix


def describe_table_column(
    file: str,
    column: str,
    owners: Mapping[str, str] | None = None,
    parameters: Iterable[str] = (),
) -> tuple[str, str]:
    """(unit, meaning) of ``column`` of the table ``file`` of a results folder.

    Parameters
    ----------
    file : str
        The table's file name (``timeseries.csv``, ``sizes.csv``, ...).
    column : str
        The column's name.
    owners : mapping, optional
        Owner id -> description, for time-series columns.
    parameters : iterable of str
        Scenario fields a sweep varies (its ``summary.csv`` has a column for each).

    Raises
    ------
    UndeclaredColumnError
        The column has no entry.
    """
    if TIMESERIES_NAME.fullmatch(file):
        return describe(column, {"site": "the site", **(owners or {})})
    declared = TABLE_COLUMNS.get(file)
    if declared is None:
        raise UndeclaredColumnError(
            f"{file}: table not declared in grid_flex/columns_tables.py"
        )
    if column in declared:
        return declared[column]
    if file in SWEEP_TABLES:
        if column in set(parameters):
            return unit_of(column), f"value of the swept scenario field {column}"
        kpi = describe_kpi(column)
        if kpi is not None:
            return kpi[0], f"{kpi[1]}; from the case's summary.json"
        for pattern, meaning in SWEEP_SIZES:
            match = pattern.fullmatch(column)
            if match:
                return unit_of(match["key"]), meaning.format(key=match["key"])
    if file == "frontier.csv":
        match = CAPACITY_NAME.fullmatch(column)
        if match and unit_of(match["quantity"]):
            return (
                unit_of(match["quantity"]),
                f"capacity {match['quantity']} of {match['owner']} chosen at this ω",
            )
    raise UndeclaredColumnError(
        f"{file}: column {column!r} is not declared in grid_flex/columns.py or "
        "grid_flex/columns_tables.py"
    )


def column_dictionary(
    tables: Mapping[str, Iterable[str]],
    owners: Mapping[str, str] | None = None,
    parameters: Iterable[str] = (),
) -> pd.DataFrame:
    """One row per column of each table: ``file, column, unit, meaning``.

    Parameters
    ----------
    tables : mapping
        File name -> its columns (:func:`table_columns`).
    owners : mapping, optional
        Owner id -> description (e.g. ``"s19xp_fleet" -> "asset s19xp_fleet
        (asic_fleet)"``).
    parameters : iterable of str
        The scenario fields a sweep varies.

    Raises
    ------
    UndeclaredColumnError
        A table or column has no entry.
    """
    params = list(parameters)
    rows = [
        {"file": file, "column": column}
        | dict(
            zip(
                ("unit", "meaning"),
                describe_table_column(file, column, owners, params),
                strict=True,
            )
        )
        for file, columns in tables.items()
        for column in columns
    ]
    return pd.DataFrame(rows, columns=["file", "column", "unit", "meaning"])


def write_column_dictionary(
    folder: Path,
    owners: Mapping[str, str] | None = None,
    parameters: Iterable[str] = (),
) -> Path:
    """Write ``columns.csv`` for every table in ``folder``; return its path."""
    path = folder / COLUMNS_FILE
    column_dictionary(table_columns(folder), owners, parameters).to_csv(
        path, index=False
    )
    return path


def table_columns(folder: Path) -> dict[str, list[str]]:
    """The columns of each table in a results folder, from the files' headers."""
    out: dict[str, list[str]] = {}
    for path in sorted(folder.iterdir()):
        if path.name == COLUMNS_FILE or path.suffix not in (".csv", ".parquet"):
            continue
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            names = list(pq.read_schema(path).names)
            names = [n for n in names if n != "__index_level_0__"]
        else:
            with path.open(encoding="utf-8") as handle:
                names = next(csv.reader(handle), [])
        out[path.name] = names
    return out
