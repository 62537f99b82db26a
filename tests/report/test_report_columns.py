"""A results folder explains itself: columns.csv gives each column's unit, meaning."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from grid_flex.columns import (
    COLUMNS_FILE,
    UndeclaredColumnError,
    column_dictionary,
    describe,
    unit_of,
)
from grid_flex.columns_tables import describe_kpi
from grid_flex.resources import scenarios_dir

pytestmark = pytest.mark.solver

BUNDLED = sorted(p.stem for p in scenarios_dir().glob("*.yaml"))


@pytest.mark.parametrize("name", BUNDLED)
def test_every_column_of_every_table_is_explained(name, bundled_run):
    _, folder = bundled_run(name)
    dictionary = pd.read_csv(folder / COLUMNS_FILE, keep_default_na=False)
    for table in ("timeseries.csv", "bid_curves.csv", "mica_disclosure.csv"):
        if not (folder / table).exists():
            continue
        with (folder / table).open() as handle:
            header = next(csv.reader(handle))
        rows = dictionary[dictionary["file"] == table]
        assert list(rows["column"]) == header
        assert (rows["meaning"].str.len() > 0).all()
    ts = dictionary[dictionary["file"] == "timeseries.csv"].set_index("column")
    assert ts.loc["site.grid_import_mw", "unit"] == "MW"
    assert ts.loc["site.price_usd_per_mwh", "unit"] == "USD/MWh"
    assert ts.loc["site.profit_usd", "meaning"].startswith("operating profit")


def test_parquet_folders_are_explained_too(tmp_path):
    from grid_flex.api import run
    from grid_flex.io.scenario import load_scenario
    from grid_flex.output import write_results

    sc, base = load_scenario(
        "west_texas_2020", assignments=["horizon.end=2020-01-02T00:00:00"]
    )
    folder = write_results(
        run(sc, base_dir=base),
        sc,
        tmp_path / "p",
        base_dir=base,
        timeseries_format="parquet",
    )
    dictionary = pd.read_csv(folder / COLUMNS_FILE)
    names = set(dictionary.loc[dictionary["file"] == "timeseries.parquet", "column"])
    assert set(pd.read_parquet(folder / "timeseries.parquet").columns) <= names


def test_an_undeclared_column_fails_loudly():
    with pytest.raises(UndeclaredColumnError, match=r"fleet\.mystery_mw"):
        column_dictionary(
            {"timeseries.csv": ["site.price_usd_per_mwh", "fleet.mystery_mw"]}
        )
    with pytest.raises(UndeclaredColumnError, match=r"bid_curves\.csv: column 'x'"):
        column_dictionary({"bid_curves.csv": ["asset_id", "x"]})


def test_names_made_of_ids_and_services_are_described():
    owners = {"gpu": "asset gpu, gpu_cluster", "reg": "program reg, ancillary_services"}
    assert describe("gpu.job_llm_a_gpu_h", owners) == (
        "GPU-h",
        "GPU-hours of training job llm_a (asset gpu, gpu_cluster)",
    )
    unit, meaning = describe("reg.reg_up.fleet.offer_mw", owners)
    assert unit == "MW"
    assert meaning.endswith("(program reg, ancillary_services: reg_up, fleet)")


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("soc_mwh", "MWh"),
        ("storage_mwhth", "MWh thermal"),
        ("served_mwth", "MW thermal"),
        ("price_usd_per_mw_per_h", "USD/MW/h"),
        ("marginal_co2_tco2_per_mwh", "tCO2/MWh"),
        ("spot_gpu_h", "GPU-h"),
        ("timestep_h", "h"),
        ("event_frac", "share (0 to 1)"),
        ("asset_id", ""),
    ],
)
def test_units_follow_the_name(name, unit):
    assert unit_of(name) == unit


#: KPI keys that hold lists or dicts (not sweep columns), and the keys inside them.
NESTED_KPIS = {
    "bid_curve",
    "by_period",
    "monthly_peak_mw",
    "start",
    "binding",
    "shadow_price_usd_per_mwh",
}


def test_every_kpi_an_asset_or_program_reports_is_declared():
    """Read each module's ``kpis`` function: every key it returns has a meaning.

    Sweeps write one column per KPI, for programs no bundled scenario uses too.
    """
    import ast
    from pathlib import Path

    import grid_flex

    root = Path(grid_flex.__file__).parent
    found, undeclared = 0, []
    for path in sorted([*root.glob("assets/*.py"), *root.glob("programs/*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.FunctionDef) and node.name == "kpis"):
                continue
            for sub in ast.walk(node):
                if not isinstance(sub, ast.Dict):
                    continue
                for key in sub.keys:
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        found += 1
                        if key.value not in NESTED_KPIS and not describe_kpi(key.value):
                            undeclared.append(f"{path.name}: {key.value}")
    assert found > 100
    assert undeclared == []


def test_kpis_of_owners_and_services_are_described():
    assert describe_kpi("programs.reg.reg_up.deployed_mwh") == (
        "MWh",
        "expected energy deployed (reg, reg_up)",
    )
    assert describe_kpi("assets.gpu.job_llm_a_delivered_frac")[0] == "share (0 to 1)"
    assert describe_kpi("assets.fleet.mystery_kpi") is None
