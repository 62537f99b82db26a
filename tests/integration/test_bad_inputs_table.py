"""The bad-input table: every bad input answered with a clear error, nothing written.

Each case builds a small, valid one-day scenario (an S21 fleet and a battery on a
user's hourly price file) in its own folder, breaks one thing (a scenario field, a
data file, an override file, a ``--set``, a command-line option or the output folder)
and runs the command line in-process with click's CliRunner. Every case asserts:

* the exit code (2 bad input, unless stated);
* that the message names the location: the file, the field, the line or the stamp;
* that no traceback reaches the user;
* that nothing was written: no output folder, no temporary sibling, and every file
  that was there is unchanged.

A few cases also run through a real process. ``test_the_base_case_is_valid`` proves
that the unbroken case solves, so each failure comes from its one change.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner, Result

import grid_flex
from grid_flex.cli import main

pytestmark = pytest.mark.solver

SCENARIO = "site.yaml"
OUT = "out"

#: One day on a user's hourly price file: a 100-unit S21 fleet and a 2 MW battery.
BASE: dict[str, Any] = {
    "name": "bad_inputs",
    "site": {"import_limit_mw": 10.0, "timezone": "America/Chicago"},
    "horizon": {
        "start": "2020-06-01T00:00:00",
        "end": "2020-06-02T00:00:00",
        "timestep_min": 60,
        "timezone": "America/Chicago",
    },
    "energy": {
        "price": {
            "format": "csv",
            "file": "prices.csv",
            "time_column": "time",
            "value_column": "price",
            "unit": "usd_per_mwh",
            "time_convention": "start",
            "timezone": "America/Chicago",
        },
        "adders_usd_per_mwh": 2.0,
    },
    "hashprice": {"usd_per_ths_day": 0.05},
    "assets": [
        {
            "type": "asic_fleet",
            "id": "fleet",
            "model": "asic/antminer_s21",
            "count": 100,
        },
        {
            "type": "battery",
            "id": "bat",
            "model": "battery/generic_lfp_4h_1mw",
            "count": 2,
        },
    ],
}

Data = dict[str, Any]
Mutator = Callable[[Data], None]


def price_csv(
    cells: dict[int, str] | None = None,
    *,
    drop: tuple[int, ...] = (),
    extra: tuple[str, ...] = (),
    header: str = "time,price",
    start: str = "2020-06-01 00:00",
    hours: int = 48,
    fmt: str = "%Y-%m-%d %H:%M",
) -> str:
    """An hourly price file (local time): 20 to 40 USD/MWh, with changes.

    ``cells`` replaces values by data-row position (row 0 is file line 2); ``drop``
    removes rows; ``extra`` appends raw lines.
    """
    stamps = pd.date_range(start, periods=hours, freq="h")
    values = [f"{v:.2f}" for v in np.linspace(20.0, 40.0, hours)]
    for row, text in (cells or {}).items():
        values[row] = text
    lines = [header] + [
        f"{t.strftime(fmt)},{v}"
        for i, (t, v) in enumerate(zip(stamps, values, strict=True))
        if i not in drop
    ]
    return "\n".join([*lines, *extra]) + "\n"


@dataclass(frozen=True)
class Bad:
    """One bad input and what the user must be told."""

    id: str
    words: tuple[str, ...]
    mutate: Mutator | None = None
    args: tuple[str, ...] = ()
    files: tuple[tuple[str, str | bytes], ...] = ()
    command: str = "solve"
    code: int = 2
    out: str | None = OUT
    raw_scenario: str | bytes | None = None
    pre: Callable[[Path], None] | None = field(default=None, compare=False)
    own_path: bool = False  # ``args`` name the scenario themselves


# ---- helpers building the cases --------------------------------------------------
def at(data: Data, path: tuple[str | int, ...]) -> Any:
    node: Any = data
    for key in path:
        node = node[key]
    return node


def put(*path: str | int, value: Any) -> Mutator:
    def mutate(data: Data) -> None:
        at(data, path[:-1])[path[-1]] = value

    return mutate


def drop_key(*path: str | int) -> Mutator:
    def mutate(data: Data) -> None:
        del at(data, path[:-1])[path[-1]]

    return mutate


def fleet(**fields: Any) -> Mutator:
    def mutate(data: Data) -> None:
        data["assets"][0].update(fields)

    return mutate


def battery(**fields: Any) -> Mutator:
    def mutate(data: Data) -> None:
        data["assets"][1].update(fields)

    return mutate


def price(**fields: Any) -> Mutator:
    def mutate(data: Data) -> None:
        data["energy"]["price"].update(fields)

    return mutate


def both(*mutators: Mutator) -> Mutator:
    def mutate(data: Data) -> None:
        for m in mutators:
            m(data)

    return mutate


def program(entry: dict[str, Any]) -> Mutator:
    def mutate(data: Data) -> None:
        data.setdefault("programs", []).append(entry)

    return mutate


def asset(entry: dict[str, Any]) -> Mutator:
    def mutate(data: Data) -> None:
        data["assets"].append(entry)

    return mutate


def prices_file(text: str | bytes) -> tuple[tuple[str, str | bytes], ...]:
    return (("prices.csv", text),)


def override(text: str | bytes, name: str = "patch.yaml") -> dict[str, Any]:
    return {"files": ((name, text),), "args": ("--override", name)}


def sets(*assignments: str) -> tuple[str, ...]:
    return tuple(a for s in assignments for a in ("--set", s))


EMISSIONS = {
    "type": "emissions",
    "id": "emissions",
    "marginal_co2": {
        "format": "avert",
        "file": "bundled:avert_2023_co2_lb_per_kwh_by_region.csv",
        "region": "TE",
    },
}

# ---- the table -----------------------------------------------------------------------
SCENARIO_FIELDS: list[Bad] = [
    # top level
    Bad("missing_name", ("name", "Field required"), drop_key("name")),
    Bad("missing_site", ("site", "Field required"), drop_key("site")),
    Bad("missing_horizon", ("horizon", "Field required"), drop_key("horizon")),
    Bad("missing_energy", ("energy", "Field required"), drop_key("energy")),
    Bad("missing_assets", ("assets", "Field required"), drop_key("assets")),
    Bad("empty_assets", ("assets", "at least 1"), put("assets", value=[])),
    Bad("top_level_typo", ("asets", "did you mean 'assets'"), put("asets", value=[])),
    Bad("name_not_text", ("name", "string"), put("name", value=["a", "b"])),
    Bad(
        "extreme_flag_not_bool",
        ("allow_extreme_values", "bool"),
        put("allow_extreme_values", value="yes please"),
    ),
    Bad("top_level_list", (SCENARIO, "mapping"), raw_scenario="- a\n- b\n"),
    Bad("empty_file", (SCENARIO, "mapping"), raw_scenario=""),
    Bad(
        "yaml_unclosed",
        (SCENARIO, "line 2"),
        raw_scenario="site: {import_limit_mw: 5\n",
    ),
    Bad(
        "yaml_tab_indent",
        (SCENARIO, "line 2"),
        raw_scenario="site:\n\timport_limit_mw: 5\n",
    ),
    Bad(
        "scenario_latin1",
        (SCENARIO, "UTF-8", "line 1"),
        raw_scenario="name: caf\xe9\n".encode("latin-1"),
    ),
    Bad(
        "scenario_binary",
        (SCENARIO, "UTF-8"),
        raw_scenario=b"\x89PNG\r\n\x1a\n\x00\xff",
    ),
    Bad("duplicate_asset_ids", ("unique", "bat"), fleet(id="bat")),
    Bad("asset_id_site", ("'site' is reserved",), fleet(id="site")),
    Bad(
        "program_id_clash",
        ("program ids", "fleet"),
        program({**EMISSIONS, "id": "fleet"}),
    ),
    # site
    Bad(
        "import_negative",
        ("site.import_limit_mw", "greater than 0"),
        put("site", "import_limit_mw", value=-1),
    ),
    Bad(
        "import_zero",
        ("site.import_limit_mw", "greater than 0"),
        put("site", "import_limit_mw", value=0),
    ),
    Bad(
        "import_nan",
        ("site.import_limit_mw", "finite"),
        put("site", "import_limit_mw", value=float("nan")),
    ),
    Bad(
        "import_inf",
        ("site.import_limit_mw", "finite"),
        put("site", "import_limit_mw", value=float("inf")),
    ),
    Bad(
        "import_1e308",
        ("site.import_limit_mw", "±5,000 MW", "allow_extreme_values"),
        put("site", "import_limit_mw", value=1e308),
    ),
    Bad(
        "import_6000",
        ("site.import_limit_mw", "±5,000 MW"),
        put("site", "import_limit_mw", value=6000),
    ),
    Bad(
        "import_text",
        ("site.import_limit_mw", "number"),
        put("site", "import_limit_mw", value="ten"),
    ),
    Bad(
        "export_negative",
        ("site.export_limit_mw", "greater than or equal"),
        put("site", "export_limit_mw", value=-1),
    ),
    Bad(
        "export_nan",
        ("site.export_limit_mw", "finite"),
        put("site", "export_limit_mw", value=float("nan")),
    ),
    Bad(
        "site_timezone",
        ("site.timezone", "Mars/Base"),
        put("site", "timezone", value="Mars/Base"),
    ),
    Bad(
        "site_typo",
        ("site.import_limt_mw", "did you mean"),
        put("site", "import_limt_mw", value=5),
    ),
    # horizon
    Bad(
        "end_before_start",
        ("horizon", "must be after start"),
        put("horizon", "end", value="2020-05-01T00:00:00"),
    ),
    Bad(
        "end_equals_start",
        ("horizon", "must be after start"),
        put("horizon", "end", value="2020-06-01T00:00:00"),
    ),
    Bad(
        "timestep_7",
        ("horizon.timestep_min", "60"),
        put("horizon", "timestep_min", value=7),
    ),
    Bad(
        "horizon_timezone",
        ("horizon.timezone", "Nowhere/City"),
        put("horizon", "timezone", value="Nowhere/City"),
    ),
    Bad(
        "start_not_a_date",
        ("horizon.start", "tomorrow"),
        put("horizon", "start", value="tomorrow"),
    ),
    Bad(
        "start_offset_end_naive",
        ("horizon", "UTC offset"),
        put("horizon", "start", value="2020-06-01T00:00:00-05:00"),
    ),
    Bad("missing_end", ("horizon.end", "Field required"), drop_key("horizon", "end")),
    Bad(
        "horizon_outside_data",
        ("energy.price", "prices.csv", "covers", "2021-06-01"),
        both(
            put("horizon", "start", value="2021-06-01T00:00:00"),
            put("horizon", "end", value="2021-06-02T00:00:00"),
        ),
    ),
    Bad(
        "horizon_longer_than_data",
        ("energy.price", "covers", "2020-06-03"),
        put("horizon", "end", value="2020-06-04T00:00:00"),
    ),
    # energy
    Bad(
        "adders_nan",
        ("energy.adders_usd_per_mwh", "finite"),
        put("energy", "adders_usd_per_mwh", value=float("nan")),
    ),
    Bad(
        "adders_inf",
        ("energy.adders_usd_per_mwh", "finite"),
        put("energy", "adders_usd_per_mwh", value=float("inf")),
    ),
    Bad(
        "adders_1e12",
        ("energy.adders_usd_per_mwh", "±100,000 USD/MWh"),
        put("energy", "adders_usd_per_mwh", value=1e12),
    ),
    Bad(
        "adders_text",
        ("energy.adders_usd_per_mwh", "number"),
        put("energy", "adders_usd_per_mwh", value="four"),
    ),
    Bad(
        "export_frac_above_1",
        ("energy.export_price_frac", "less than or equal"),
        put("energy", "export_price_frac", value=1.5),
    ),
    Bad(
        "export_frac_negative",
        ("energy.export_price_frac", "greater than or equal"),
        put("energy", "export_price_frac", value=-0.1),
    ),
    Bad(
        "price_missing", ("energy.price", "Field required"), drop_key("energy", "price")
    ),
    Bad("price_format_unknown", ("energy.price", "xlsx"), price(format="xlsx")),
    Bad("price_file_missing", ("nope.csv", "not found"), price(file="nope.csv")),
    Bad(
        "price_column_missing",
        ("prices.csv", "'lmp'", "available columns"),
        price(value_column="lmp"),
    ),
    Bad(
        "time_column_missing",
        ("prices.csv", "'stamp'", "available columns"),
        price(time_column="stamp"),
    ),
    Bad("price_unit_unknown", ("usd_per_mw", "unit"), price(unit="usd_per_mw")),
    Bad("price_unit_power", ("energy.price", "energy price"), price(unit="mw")),
    Bad(
        "price_eur_without_rate",
        ("economics.usd_per_eur", "EUR"),
        price(unit="eur_per_mwh"),
    ),
    Bad(
        "price_timezone",
        ("Atlantis/Capital", "time zone"),
        price(timezone="Atlantis/Capital"),
    ),
    Bad(
        "price_convention",
        ("energy.price", "time_convention"),
        price(time_convention="middle"),
    ),
    Bad(
        "price_flag_column_missing",
        ("prices.csv", "'dst'"),
        price(repeated_hour_column="dst"),
    ),
    Bad(
        "price_time_format_wrong",
        ("prices.csv", "line 2", "%d/%m/%Y"),
        price(time_format="%d/%m/%Y"),
    ),
    Bad("price_unknown_field", ("energy.price", "colour"), price(colour="red")),
    Bad(
        "inline_wrong_count",
        ("energy.price", "3 values for 24 intervals"),
        put(
            "energy",
            "price",
            value={
                "format": "inline",
                "unit": "usd_per_mwh",
                "values": [1.0, 2.0, 3.0],
            },
        ),
    ),
    Bad(
        "inline_nan",
        ("energy.price.values[2]", "finite"),
        put(
            "energy",
            "price",
            value={
                "format": "inline",
                "unit": "usd_per_mwh",
                "values": [20.0, 20.0, float("nan")] + [20.0] * 21,
            },
        ),
    ),
    Bad(
        "inline_inf",
        ("energy.price.values[0]", "finite"),
        put(
            "energy",
            "price",
            value={
                "format": "inline",
                "unit": "usd_per_mwh",
                "values": [float("inf")] + [20.0] * 23,
            },
        ),
    ),
    Bad(
        "inline_huge",
        ("energy.price", "±100,000 USD/MWh"),
        put(
            "energy",
            "price",
            value={
                "format": "inline",
                "unit": "usd_per_mwh",
                "values": [1e9] + [20.0] * 23,
            },
        ),
    ),
    Bad(
        "inline_text",
        ("energy.price.values[1]", "number"),
        put(
            "energy",
            "price",
            value={
                "format": "inline",
                "unit": "usd_per_mwh",
                "values": [20.0, "cheap"] + [20.0] * 22,
            },
        ),
    ),
    Bad(
        "ercot_column",
        ("energy.price", "LZ_WST"),
        put(
            "energy",
            "price",
            value={
                "format": "ercot_dam",
                "column": "LZ_WST",
                "file": "bundled:ercot_dam_spp_hubs_lz_2020.csv",
            },
        ),
    ),
    Bad(
        "bundled_file_missing",
        ("bundled:nope.csv", "not found"),
        put(
            "energy",
            "price",
            value={
                "format": "ercot_dam",
                "column": "LZ_WEST",
                "file": "bundled:nope.csv",
            },
        ),
    ),
    Bad(
        "dervet_column",
        ("energy.price.column", "regup", "lmp"),
        put(
            "energy",
            "price",
            value={
                "format": "caiso_dervet",
                "column": "lmp",
                "file": "bundled:caiso_2020_da_energy_regup_regdn_dervet.csv",
            },
        ),
    ),
    # hashprice
    Bad(
        "hashprice_inf",
        ("hashprice.usd_per_ths_day", "finite"),
        put("hashprice", "usd_per_ths_day", value=float("inf")),
    ),
    Bad(
        "hashprice_nan",
        ("hashprice.usd_per_ths_day", "finite"),
        put("hashprice", "usd_per_ths_day", value=float("nan")),
    ),
    Bad(
        "hashprice_negative",
        ("hashprice.usd_per_ths_day", "greater than or equal"),
        put("hashprice", "usd_per_ths_day", value=-0.05),
    ),
    Bad(
        "hashprice_50",
        ("hashprice.usd_per_ths_day", "±10 USD/TH/s/day"),
        put("hashprice", "usd_per_ths_day", value=50),
    ),
    Bad("hashprice_missing", ("hashprice is required",), drop_key("hashprice")),
    Bad(
        "hashprice_two_ways",
        ("hashprice", "exactly one"),
        put("hashprice", "derive", value={"btc_price_usd": 1e4, "difficulty": 1e13}),
    ),
    Bad(
        "hashprice_derive_no_network",
        ("hashprice", "difficulty"),
        put("hashprice", value={"derive": {"btc_price_usd": 1e4}}),
    ),
    Bad(
        "hashprice_difficulty_huge",
        ("difficulty", "1e+308"),
        put("hashprice", value={"derive": {"btc_price_usd": 1e4, "difficulty": 1e308}}),
    ),
    Bad(
        "hashprice_btc_zero",
        ("btc_price_usd", "greater than 0"),
        put("hashprice", value={"derive": {"btc_price_usd": 0, "difficulty": 1e13}}),
    ),
    Bad(
        "hashprice_derived_absurd",
        ("hashprice", "±10 USD/TH/s/day"),
        put(
            "hashprice", value={"derive": {"btc_price_usd": 9e6, "difficulty": 1.6e13}}
        ),
    ),
    # assets
    Bad("asset_unknown_type", ("assets[0]", "windmill"), fleet(type="windmill")),
    Bad(
        "asset_missing_id",
        ("assets[0]", "id", "Field required"),
        lambda d: d["assets"][0].pop("id"),
    ),
    Bad("asset_id_caps", ("assets[0].id", "Fleet"), fleet(id="Fleet")),
    Bad(
        "asset_model_unknown",
        ("assets[0].model", "antminer_s99"),
        fleet(model="asic/antminer_s99"),
    ),
    Bad(
        "asset_model_wrong_kind",
        ("assets[0].model", "battery"),
        fleet(model="battery/generic_lfp_4h_1mw"),
    ),
    Bad("fleet_count_zero", ("assets[0].count", "greater than 0"), fleet(count=0)),
    Bad("fleet_count_negative", ("assets[0].count", "greater than 0"), fleet(count=-5)),
    Bad("fleet_count_fraction", ("assets[0].count", "integer"), fleet(count=1.5)),
    Bad("fleet_count_huge", ("assets[0].count", "units"), fleet(count=10**9)),
    Bad(
        "fleet_count_and_power",
        ("assets[0]", "exactly one of count, power_mw"),
        fleet(power_mw=5.0),
    ),
    Bad(
        "fleet_power_1e308",
        ("assets[0].power_mw", "±5,000 MW"),
        both(fleet(power_mw=1e308), lambda d: d["assets"][0].pop("count")),
    ),
    Bad(
        "fleet_power_nan",
        ("assets[0].power_mw", "finite"),
        both(fleet(power_mw=float("nan")), lambda d: d["assets"][0].pop("count")),
    ),
    Bad(
        "fleet_availability",
        ("assets[0].availability_frac", "less than or equal"),
        fleet(availability_frac=1.5),
    ),
    Bad(
        "fleet_pool_fee",
        ("assets[0].pool_fee_frac", "greater than or equal"),
        fleet(pool_fee_frac=-0.1),
    ),
    Bad(
        "fleet_opex_nan",
        ("assets[0].opex_usd_per_mwh", "finite"),
        fleet(opex_usd_per_mwh=float("nan")),
    ),
    Bad(
        "fleet_opex_huge",
        ("assets[0].opex_usd_per_mwh", "±100,000 USD/MWh"),
        fleet(opex_usd_per_mwh=1e9),
    ),
    Bad(
        "fleet_curve_word",
        ("assets[0].hashrate_curve", "cubic"),
        fleet(hashrate_curve="cubic"),
    ),
    Bad(
        "fleet_curve_not_concave",
        ("hashrate_curve", "concave"),
        fleet(
            hashrate_curve=[
                {"power_frac": 0.5, "hashrate_frac": 0.3},
                {"power_frac": 1.0, "hashrate_frac": 1.0},
            ]
        ),
    ),
    Bad(
        "fleet_unknown_field", ("assets[0].colour", "Extra inputs"), fleet(colour="red")
    ),
    Bad("battery_count_zero", ("assets[1].count", "greater than 0"), battery(count=0)),
    Bad(
        "battery_initial_soc",
        ("assets[1].initial_soc_frac", "less than or equal"),
        battery(initial_soc_frac=2.0),
    ),
    Bad(
        "battery_final_soc_word",
        ("assets[1].final_soc", "sometimes"),
        battery(final_soc="sometimes"),
    ),
    Bad(
        "battery_energy_nan",
        ("assets[1].energy_mwh", "finite"),
        battery(energy_mwh=float("nan")),
    ),
    Bad(
        "battery_power_huge", ("assets[1].power_mw", "±5,000 MW"), battery(power_mw=1e6)
    ),
    Bad(
        "battery_rte",
        ("assets[1].round_trip_eff_frac", "less than or equal"),
        battery(round_trip_eff_frac=1.2),
    ),
    Bad(
        "battery_degradation_inf",
        ("assets[1].degradation_usd_per_mwh", "finite"),
        battery(degradation_usd_per_mwh=float("-inf")),
    ),
    Bad(
        "battery_typo",
        ("assets[1].initial_soc", "did you mean"),
        battery(initial_soc=0.5),
    ),
    Bad("assets_not_a_list", ("assets", "list"), put("assets", value={"fleet": {}})),
    # programs
    Bad(
        "program_unknown_type",
        ("programs[0]", "rebate"),
        program({"type": "rebate", "id": "r"}),
    ),
    Bad("programs_not_a_list", ("programs", "list"), put("programs", value={"x": 1})),
    Bad(
        "emissions_price_nan",
        ("programs[0].carbon_price_usd_per_tco2", "finite"),
        program({**EMISSIONS, "carbon_price_usd_per_tco2": float("nan")}),
    ),
    Bad(
        "emissions_price_huge",
        ("carbon_price_usd_per_tco2", "±10,000 USD/tCO2"),
        program({**EMISSIONS, "carbon_price_usd_per_tco2": 1e7}),
    ),
    Bad(
        "emissions_file_missing",
        ("programs", "avert_1999.csv", "not found"),
        program(
            {
                **EMISSIONS,
                "marginal_co2": {
                    "format": "avert",
                    "region": "TE",
                    "file": "bundled:avert_1999.csv",
                },
            }
        ),
    ),
    Bad(
        "emissions_region",
        ("programs", "XX"),
        program(
            {**EMISSIONS, "marginal_co2": {**EMISSIONS["marginal_co2"], "region": "XX"}}
        ),
    ),
    Bad(
        "demand_charge_huge",
        ("usd_per_kw_month", "USD/kW-month"),
        program({"type": "demand_charge", "id": "dc", "usd_per_kw_month": 1e9}),
    ),
    Bad(
        "mining_ban_on_battery",
        ("programs", "bat"),
        program(
            {
                "type": "mining_ban",
                "id": "ban",
                "asset_ids": ["bat"],
                "windows": {
                    "periods": [
                        {"start": "2020-06-01T10:00:00", "end": "2020-06-01T12:00:00"}
                    ]
                },
            }
        ),
    ),
    # solver and outputs
    Bad(
        "solver_time_negative",
        ("solver.time_limit_s", "greater than 0"),
        put("solver", value={"time_limit_s": -1}),
    ),
    Bad(
        "solver_time_inf",
        ("solver.time_limit_s", "finite"),
        put("solver", value={"time_limit_s": float("inf")}),
    ),
    Bad(
        "solver_method",
        ("solver.method", "magic"),
        put("solver", value={"method": "magic"}),
    ),
    Bad(
        "solver_threads",
        ("solver.threads", "greater than 0"),
        put("solver", value={"threads": 0}),
    ),
    Bad(
        "outputs_format",
        ("outputs.timeseries_format", "xlsx"),
        put("outputs", value={"timeseries_format": "xlsx"}),
    ),
    Bad(
        "catalog_entry_wrong_ref",
        ("catalog_entries.asic/antminer_s19", "asic/antminer_s21"),
        lambda d: d.update(catalog_entries={"asic/antminer_s19": _s21_entry()}),
    ),
]


def _s21_entry() -> dict[str, Any]:
    from grid_flex.io.catalog import load_catalog

    return load_catalog().get("asic/antminer_s21").model_dump(mode="json")


SERIES_FILES: list[Bad] = [
    Bad(
        "cell_inf",
        ("prices.csv", "line 5", "'inf'", "finite"),
        files=prices_file(price_csv({3: "inf"})),
    ),
    Bad(
        "cell_minus_inf",
        ("prices.csv", "line 6", "finite"),
        files=prices_file(price_csv({4: "-inf"})),
    ),
    Bad(
        "cell_infinity_word",
        ("prices.csv", "line 7", "finite"),
        files=prices_file(price_csv({5: "Infinity"})),
    ),
    Bad(
        "cell_nan_word",
        ("prices.csv", "line 5", "'nan'"),
        files=prices_file(price_csv({3: "nan"})),
    ),
    Bad(
        "cell_text",
        ("prices.csv", "line 4", "'cheap'"),
        files=prices_file(price_csv({2: "cheap"})),
    ),
    Bad(
        "cell_1e12",
        ("energy.price", "prices.csv", "line 5", "±100,000 USD/MWh"),
        files=prices_file(price_csv({3: "1e12"})),
    ),
    Bad(
        "cell_minus_250k",
        ("energy.price", "line 12", "2020-06-01 15:00 UTC"),
        files=prices_file(price_csv({10: "-250000"})),
    ),
    Bad(
        "cell_empty",
        ("energy.price", "1 missing value", "line 9", "fill_missing"),
        files=prices_file(price_csv({7: ""})),
    ),
    Bad(
        "cell_dash",
        ("energy.price", "line 9", "fill_missing"),
        files=prices_file(price_csv({7: "-"})),
    ),
    Bad(
        "row_missing",
        ("energy.price", "no row, after line 6", "fill_missing"),
        files=prices_file(price_csv(drop=(5,))),
    ),
    Bad(
        "rows_missing_many",
        ("energy.price", "6 missing values", "..."),
        files=prices_file(price_csv(drop=(2, 3, 4, 5, 6, 7))),
    ),
    Bad(
        "row_duplicate",
        ("prices.csv", "duplicate time stamp", "2020-06-01 05:00 UTC"),
        files=prices_file(price_csv(extra=("2020-06-01 00:00,25.0",))),
    ),
    Bad(
        "row_off_grid",
        ("prices.csv", "irregular", "2020-06-01 05:30 UTC"),
        files=prices_file(price_csv(extra=("2020-06-01 00:30,25.0",))),
    ),
    Bad(
        "time_bad_text",
        ("prices.csv", "line 4", "2020-13-45"),
        files=prices_file(price_csv().replace("2020-06-01 02:00", "2020-13-45 02:00")),
    ),
    Bad(
        "time_empty",
        ("prices.csv", "line 3"),
        files=prices_file(price_csv().replace("2020-06-01 01:00", "")),
    ),
    Bad("file_empty", ("prices.csv", "cannot read"), files=prices_file("")),
    Bad(
        "file_header_only",
        ("prices.csv", "no data rows"),
        files=prices_file("time,price\n"),
    ),
    Bad(
        "file_latin1",
        ("prices.csv", "cannot read"),
        files=prices_file("time,pr\xefce\n2020-06-01 00:00,1\n".encode("latin-1")),
    ),
    Bad(
        "file_binary",
        ("prices.csv",),
        files=prices_file(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe"),
    ),
    Bad(
        "file_is_a_folder",
        ("folder.csv", "not found"),
        price(file="folder.csv"),
        pre=lambda d: (d / "folder.csv").mkdir(),
    ),
    Bad(
        "file_one_row",
        ("prices.csv", "time step"),
        files=prices_file("time,price\n2020-06-01 00:00,20\n"),
    ),
    Bad(
        "file_short",
        ("energy.price", "covers", "the horizon needs"),
        files=prices_file(price_csv(hours=12)),
    ),
    Bad(
        "file_starts_late",
        ("energy.price", "covers"),
        files=prices_file(price_csv(start="2020-06-01 06:00")),
    ),
    Bad(
        "spring_forward_gap",
        ("prices.csv", "does not exist", "America/Chicago"),
        both(
            put("horizon", "start", value="2020-03-08T00:00:00"),
            put("horizon", "end", value="2020-03-09T00:00:00"),
        ),
        files=prices_file(
            "time,price\n" + "".join(f"2020-03-08 {h:02d}:00,20\n" for h in range(24))
        ),
    ),
    Bad(
        "flag_not_yes_no",
        ("prices.csv", "line 2", "maybe", "Y/N"),
        price(repeated_hour_column="dst"),
        files=prices_file(
            price_csv(header="time,price,dst")
            .replace("\n", ",maybe\n", 1)
            .replace("time,price,dst,maybe", "time,price,dst")
            .replace("\n2020", ",maybe\n2020")
        ),
    ),
    Bad(
        "extra_field_first_row",
        ("prices.csv", "line 2", "more fields"),
        files=prices_file(price_csv({0: "1.2,4"})),
    ),
    Bad(
        "extra_field_later_row",
        ("prices.csv", "line 5"),
        files=prices_file(price_csv({3: "1.2,4"})),
    ),
    Bad(
        "thousands_garbage",
        ("prices.csv", "line 3", "'1.2.3'"),
        price(thousands=","),
        files=prices_file(price_csv({1: "1.2.3"})),
    ),
    Bad("wrong_unit_kw", ("energy.price", "energy price"), price(unit="kw")),
    Bad(
        "price_in_co2_unit", ("energy.price", "energy price"), price(unit="kg_per_mwh")
    ),
    Bad(
        "ercot_rtm_point",
        ("HB_NOWHERE", "available"),
        put(
            "energy",
            "price",
            value={
                "format": "ercot_rtm",
                "settlement_point": "HB_NOWHERE",
                "file": "bundled:ercot_rtm_spp_15min_2021-02_uri.csv",
            },
        ),
    ),
    Bad(
        "smard_zone",
        ("Narnia",),
        put(
            "energy",
            "price",
            value={
                "format": "smard",
                "column": "Narnia",
                "file": "bundled:smard_dayahead_prices_2018_de_neighbours_eur_mwh.csv",
            },
        ),
    ),
    Bad(
        "ironmtn_year",
        ("1999",),
        put(
            "energy",
            "price",
            value={
                "format": "caiso_ironmtn",
                "year": 1999,
                "file": "bundled:caiso_ironmtn_dam_lmp_hourly_2015_2021_hopp.csv",
            },
        ),
    ),
]

OVERRIDES: list[Bad] = [
    Bad(
        "override_latin1",
        ("patch.yaml", "UTF-8", "line 1"),
        **override("name: caf\xe9\n".encode("latin-1")),
    ),
    Bad("override_yaml_error", ("patch.yaml", "line 2"), **override("site: {a: 1\n")),
    Bad("override_list", ("patch.yaml", "mapping"), **override("- 1\n- 2\n")),
    Bad(
        "override_unknown_asset",
        ("patch.yaml", "assets.flet", "'fleet'"),
        **override("assets:\n  flet:\n    count: 3\n"),
    ),
    Bad(
        "override_unknown_program",
        ("patch.yaml", "programs.ban", "no program"),
        **override("programs:\n  ban:\n    assets: [fleet]\n"),
    ),
    Bad(
        "override_typo",
        ("site.import_limt_mw", "did you mean"),
        **override("site:\n  import_limt_mw: 5\n"),
    ),
    Bad(
        "override_nan",
        ("site.import_limit_mw", "finite"),
        **override("site:\n  import_limit_mw: .nan\n"),
    ),
    Bad(
        "override_1e308",
        ("assets[0].count", "units"),
        **override("assets:\n  fleet:\n    count: 100000000000\n"),
    ),
    Bad(
        "override_power_1e308",
        ("site.import_limit_mw", "±5,000 MW"),
        **override("site:\n  import_limit_mw: 1.0e+308\n"),
    ),
    Bad(
        "override_bad_asset_list",
        ("assets[0]", "type"),
        **override("assets:\n  - {id: x}\n"),
    ),
    Bad(
        "override_price_file_missing",
        ("gone.csv", "not found"),
        **override("energy:\n  price:\n    file: gone.csv\n"),
    ),
    Bad("override_empty_file", ("patch.yaml", "mapping"), **override("")),
    Bad(
        "override_missing_file",
        ("--override", "nope.yaml"),
        args=("--override", "nope.yaml"),
    ),
    Bad(
        "override_is_folder",
        ("--override",),
        args=("--override", "."),
    ),
    Bad("override_scalar_for_mapping", ("site", "dictionary"), **override("site: 5\n")),
]

ASSIGNMENTS: list[Bad] = [
    Bad(
        "set_no_equals",
        ("--set", "site.import_limit_mw"),
        args=sets("site.import_limit_mw"),
    ),
    Bad("set_empty_key", ("--set", "empty key"), args=sets("=5")),
    Bad("set_bad_yaml", ("--set", "["), args=sets("site.import_limit_mw=[")),
    Bad(
        "set_unknown_asset",
        ("assets.flet", "'fleet'"),
        args=sets("assets.flet.count=3"),
    ),
    Bad(
        "set_unknown_program",
        ("programs.nope", "no program"),
        args=sets("programs.nope.x=1"),
    ),
    Bad(
        "set_unknown_field",
        ("site.import_limt_mw", "did you mean"),
        args=sets("site.import_limt_mw=5"),
    ),
    Bad(
        "set_nan",
        ("site.import_limit_mw", "finite"),
        args=sets("site.import_limit_mw=.nan"),
    ),
    Bad(
        "set_inf",
        ("energy.adders_usd_per_mwh", "finite"),
        args=sets("energy.adders_usd_per_mwh=.inf"),
    ),
    Bad(
        "set_nan_word",
        ("energy.adders_usd_per_mwh", "number"),
        args=sets("energy.adders_usd_per_mwh=nan"),
    ),
    Bad(
        "set_1e308",
        ("site.import_limit_mw", "±5,000 MW"),
        args=sets("site.import_limit_mw=1e308"),
    ),
    Bad(
        "set_adders_1e12",
        ("adders_usd_per_mwh", "±100,000"),
        args=sets("energy.adders_usd_per_mwh=1e12"),
    ),
    Bad(
        "set_hashprice_inf",
        ("hashprice.usd_per_ths_day", "finite"),
        args=sets("hashprice.usd_per_ths_day=.inf"),
    ),
    Bad(
        "set_negative",
        ("site.import_limit_mw", "greater than 0"),
        args=sets("site.import_limit_mw=-3"),
    ),
    Bad(
        "set_text",
        ("site.import_limit_mw", "number"),
        args=sets("site.import_limit_mw=lots"),
    ),
    Bad(
        "set_empty_value", ("site.import_limit_mw",), args=sets("site.import_limit_mw=")
    ),
    Bad(
        "set_end_before_start",
        ("horizon", "after start"),
        args=sets("horizon.end=2020-01-01T00:00:00"),
    ),
    Bad(
        "set_count_zero",
        ("assets[0].count", "greater than 0"),
        args=sets("assets.fleet.count=0"),
    ),
    Bad("set_scalar_for_mapping", ("site", "dictionary"), args=sets("site=5")),
    Bad(
        "set_format_unknown",
        ("energy.price", "nope"),
        args=sets("energy.price.format=nope"),
    ),
    Bad("set_hashprice_null", ("hashprice is required",), args=sets("hashprice=null")),
    Bad(
        "set_timestep",
        ("horizon.timestep_min", "60"),
        args=sets("horizon.timestep_min=45"),
    ),
    Bad(
        "set_battery_soc",
        ("assets[1].initial_soc_frac", "less than or equal"),
        args=sets("assets.bat.initial_soc_frac=3"),
    ),
    Bad(
        "set_model_unknown",
        ("assets[0].model", "antminer_zz"),
        args=sets("assets.fleet.model=asic/antminer_zz"),
    ),
    Bad(
        "set_second_of_two_bad",
        ("assets[1].count", "greater than 0"),
        args=sets("site.import_limit_mw=20", "assets.bat.count=-1"),
    ),
    Bad(
        "set_extreme_flag_text",
        ("allow_extreme_values", "bool"),
        args=sets("allow_extreme_values=maybe"),
    ),
]

OPTIONS: list[Bad] = [
    Bad("time_limit_nan", ("--time-limit-s", "finite"), args=("--time-limit-s", "nan")),
    Bad("time_limit_inf", ("--time-limit-s", "finite"), args=("--time-limit-s", "inf")),
    Bad(
        "time_limit_negative",
        ("--time-limit-s", "finite"),
        args=("--time-limit-s", "-5"),
    ),
    Bad("time_limit_zero", ("--time-limit-s",), args=("--time-limit-s", "0")),
    Bad("time_limit_text", ("--time-limit-s", "soon"), args=("--time-limit-s", "soon")),
    Bad("method_unknown", ("--method", "magic"), args=("--method", "magic")),
    Bad("format_unknown", ("--format", "xlsx"), args=("--format", "xlsx")),
    Bad("option_unknown", ("--colour",), args=("--colour", "red")),
    Bad(
        "scenario_missing",
        ("missing.yaml", "not found"),
        args=("missing.yaml",),
        own_path=True,
    ),
    Bad(
        "scenario_fallback_subdir",
        ("sub/west_texas_2020.yaml", "not found"),
        args=("sub/west_texas_2020.yaml",),
        own_path=True,
    ),
    Bad(
        "scenario_fallback_suffix",
        ("west_texas_2020.yaml", "not found"),
        args=("west_texas_2020.yaml",),
        own_path=True,
    ),
    Bad(
        "scenario_bare_unknown",
        ("west_texas_2030", "bundled"),
        args=("west_texas_2030",),
        own_path=True,
    ),
    Bad("scenario_is_folder", ("is a folder",), args=(".",), own_path=True),
    Bad(
        "validate_bad_field",
        ("site.import_limit_mw", "finite"),
        command="validate",
        args=sets("site.import_limit_mw=.nan"),
        out=None,
    ),
    Bad(
        "validate_missing_file",
        ("nope.yaml", "not found"),
        command="validate",
        args=("nope.yaml",),
        own_path=True,
        out=None,
    ),
    Bad(
        "validate_no_data_bad_ref",
        ("antminer_s99",),
        command="validate",
        args=("--no-data", *sets("assets.fleet.model=asic/antminer_s99")),
        out=None,
    ),
    Bad(
        "catalog_unknown_ref",
        ("asic/antminer_s99",),
        command="catalog",
        args=("asic/antminer_s99",),
        out=None,
    ),
    Bad(
        "catalog_path_missing",
        ("--path",),
        command="catalog",
        args=("--path", "nowhere"),
        out=None,
    ),
    Bad(
        "describe_bad_scenario",
        ("site.import_limit_mw",),
        command="describe",
        raw_scenario=None,
        mutate=put("site", "import_limit_mw", value=-1),
        out=None,
    ),
    Bad("tradeoff_no_emissions", ("emissions",), command="tradeoff", out=None),
    Bad(
        "tradeoff_points_one",
        ("--points",),
        command="tradeoff",
        args=("--points", "1"),
        out=None,
    ),
    Bad(
        "disclose_bad_field",
        ("site.import_limit_mw",),
        command="disclose",
        mutate=put("site", "import_limit_mw", value=float("nan")),
    ),
]


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def _earlier_results(folder: Path) -> None:
    """An earlier grid-flex results folder (manifest included) holding a user's file."""
    out = folder / OUT
    out.mkdir()
    for name in ("summary.json", "scenario.yaml", "timeseries.csv"):
        (out / name).write_text("{}", encoding="utf-8")
    (out / ".grid-flex-files").write_text(
        "scenario.yaml\nsummary.json\ntimeseries.csv\n"
    )


FOLDERS: list[Bad] = [
    Bad("out_is_a_file", ("out", "is a file"), pre=lambda d: (d / OUT).write_text("x")),
    Bad(
        "out_under_a_file",
        ("blocker", "which is a file"),
        out="blocker/out",
        pre=lambda d: (d / "blocker").write_text("x"),
    ),
    Bad("out_under_proc", ("/proc", "cannot write"), out="/proc/grid_flex_out"),
    Bad("out_under_proc_self", ("cannot write",), out="/proc/self/grid_flex/out"),
    Bad("out_under_sys", ("/sys", "cannot write"), out="/sys/grid_flex_out"),
    Bad(
        "out_with_users_file",
        ("out", "notes.txt", "did not write"),
        pre=lambda d: ((d / OUT).mkdir(), (d / OUT / "notes.txt").write_text("mine")),
    ),
    Bad(
        "out_with_users_folder",
        ("out", "photos/"),
        pre=lambda d: ((d / OUT / "photos").mkdir(parents=True),),
    ),
    Bad(
        "out_results_plus_notes",
        ("notes.txt",),
        pre=lambda d: (_earlier_results(d), (d / OUT / "notes.txt").write_text("mine")),
    ),
    Bad(
        "out_old_results_plus_plot",
        ("plot.png",),
        pre=lambda d: (
            (d / OUT).mkdir(),
            (d / OUT / "summary.json").write_text("{}"),
            (d / OUT / "plot.png").write_bytes(b"\x89PNG"),
        ),
    ),
    Bad(
        "out_many_foreign",
        ("a0.txt", "and 2 more"),
        pre=lambda d: (
            (d / OUT).mkdir(),
            *[(d / OUT / f"a{i}.txt").write_text("x") for i in range(7)],
        ),
    ),
    Bad(
        "out_with_hidden_file",
        (".env",),
        pre=lambda d: ((d / OUT).mkdir(), (d / OUT / ".env").write_text("SECRET=1")),
    ),
    Bad(
        "tradeoff_file_under_file",
        ("blocker", "which is a file"),
        command="tradeoff",
        out=None,
        args=("-o", "blocker/curve.csv"),
        pre=lambda d: (d / "blocker").write_text("x"),
    ),
    Bad(
        "tradeoff_file_is_folder",
        ("somewhere", "directory"),
        command="tradeoff",
        out=None,
        args=("-o", "somewhere"),
        pre=lambda d: (d / "somewhere").mkdir(),
    ),
    Bad(
        "tradeoff_file_under_proc",
        ("/proc", "cannot write"),
        command="tradeoff",
        out=None,
        args=("-o", "/proc/curve.csv"),
    ),
    Bad(
        "disclose_out_under_file",
        ("blocker", "which is a file"),
        command="disclose",
        out="blocker/out",
        pre=lambda d: (d / "blocker").write_text("x"),
    ),
]

CASES = SCENARIO_FIELDS + SERIES_FILES + OVERRIDES + ASSIGNMENTS + OPTIONS + FOLDERS


def _prepare(case: Bad, folder: Path) -> list[str]:
    """Write the case's files in ``folder``; return the CLI arguments."""
    data = copy.deepcopy(BASE)
    if case.mutate is not None:
        case.mutate(data)
    _write(folder / "prices.csv", price_csv())
    if case.raw_scenario is not None:
        _write(folder / SCENARIO, case.raw_scenario)
    else:
        _write(
            folder / SCENARIO, yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        )
    for name, text in case.files:
        _write(folder / name, text)
    if case.pre is not None:
        case.pre(folder)
    args: list[str] = [case.command]
    if case.command == "catalog":
        return [*args, *case.args]
    if not case.own_path:
        args.append(SCENARIO)
    args += case.args
    if case.out is not None:
        args += ["-o", case.out]
    return args


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


def _check(
    case: Bad,
    code: int,
    stderr: str,
    output: str,
    folder: Path,
    before: dict[str, bytes | None],
) -> None:
    assert code == case.code, f"exit {code}, expected {case.code}:\n{output}"
    assert "Traceback" not in output, output
    low = stderr.lower()
    assert low.startswith("error:") or "\nerror: " in low, stderr
    missing = [w for w in case.words if w.lower() not in low]
    assert not missing, f"message lacks {missing}:\n{stderr}"
    assert _snapshot(folder) == before, "files were written or changed"
    if case.out is not None and not case.out.startswith("/"):
        assert not [p for p in folder.iterdir() if p.name.startswith(".out.")]


def test_the_table_has_150_distinct_cases() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 150


def test_the_base_case_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _prepare(Bad("base", ()), tmp_path)
    result = CliRunner().invoke(main, ["solve", SCENARIO, "-q", "-o", OUT])
    assert result.exit_code == 0, result.output
    assert (tmp_path / OUT / "summary.json").is_file()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input(case: Bad, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = _prepare(case, tmp_path)
    before = _snapshot(tmp_path)
    result: Result = CliRunner().invoke(main, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}:\n{result.output}")
    _check(case, result.exit_code, result.stderr, result.output, tmp_path, before)


SUBPROCESS = ("import_1e308", "cell_inf", "out_with_users_file")


@pytest.mark.parametrize("case_id", SUBPROCESS)
def test_bad_input_in_a_real_process(case_id: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == case_id)
    args = _prepare(case, tmp_path)
    before = _snapshot(tmp_path)
    package_root = Path(grid_flex.__file__).parents[1]
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    proc = subprocess.run(
        [sys.executable, "-c", "from grid_flex.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    _check(
        case, proc.returncode, proc.stderr, proc.stdout + proc.stderr, tmp_path, before
    )


def test_a_price_in_the_wrong_unit_is_solved_with_a_printed_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A median of 0.03 "USD/MWh" is a price per kWh: valid, but the CLI says so."""
    monkeypatch.chdir(tmp_path)
    _prepare(Bad("wrong_unit", ()), tmp_path)
    cheap = price_csv(dict.fromkeys(range(48), "0.03"))
    _write(tmp_path / "prices.csv", cheap)
    result = CliRunner().invoke(main, ["solve", SCENARIO, "-q"])
    assert result.exit_code == 0, result.output
    lines = [x for x in result.stderr.splitlines() if x.startswith("warning:")]
    assert len(lines) == 1, result.stderr
    assert "energy.price" in lines[0]
    assert "median 0.03 USD/MWh" in lines[0]
    assert "usd_per_kwh" in lines[0]
