"""Sweep input that used to be silently wrong: stale data on resume, KPI typos, options.

Cases are two-hour sites (1000 S21 at 3.5 MW, hashprice in USD/(TH/s)/day) whose
optimum is worked out by hand in the tests.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from grid_flex.cli import main
from grid_flex.studies.sweep_spec import expand, read_spec

pytestmark = pytest.mark.solver

BASE = """\
name: two_hours
site: {import_limit_mw: 10, export_limit_mw: 0, timezone: UTC}
horizon: {start: 2024-03-01T00:00:00, end: 2024-03-01T02:00:00, timestep_min: 60,
          timezone: UTC}
energy:
  price: {format: csv, file: prices.csv, time_column: timestamp, value_column: lmp,
          unit: usd_per_mwh, time_convention: start, timezone: UTC}
hashprice: {usd_per_ths_day: 0.05}
assets:
  - {type: asic_fleet, id: fleet, model: asic/antminer_s21, count: 1000,
     availability_frac: 1.0, pool_fee_frac: 0.0, hashrate_curve: linear, pue: 1.0}
"""
SPEC = """\
base: base.yaml
grid: [{path: hashprice.usd_per_ths_day, values: [0.05, 0.1]}]
kpi: assets.fleet.energy_mwh
"""


def write_prices(folder: Path, lmp: list[float]) -> None:
    stamps = ["2024-03-01 00:00", "2024-03-01 01:00"]
    pd.DataFrame({"timestamp": stamps, "lmp": lmp}).to_csv(
        folder / "prices.csv", index=False
    )


def cli(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "sweep.yaml").write_text(SPEC, encoding="utf-8")
    write_prices(tmp_path, [50.0, 130.0])
    return tmp_path


def profits(out: Path) -> list[float]:
    return pd.read_csv(out / "summary.csv")["profit_usd"].tolist()


def test_resumed_sweep_solves_again_the_cases_of_a_changed_data_file(
    site: Path,
) -> None:
    # 1000 S21 = 200,000 TH/s at 3.5 MW. Hashprice 0.05: 200,000 × 0.05 / 24 =
    # 416.67 USD an hour at full power, 119.05 USD/MWh: mine only the 50 USD/MWh
    # hour, 416.67 − 3.5 × 50 = 241.67. Hashprice 0.1 (238.1 USD/MWh): mine both,
    # 2 × 833.33 − 3.5 × (50 + 130) = 1,036.67.
    out = site / "out"
    code, output = cli("sweep", site / "sweep.yaml", "-o", out)
    assert code == 0, output
    assert profits(out) == pytest.approx([241.6667, 1036.6667], abs=1e-3)
    code, output = cli("sweep", site / "sweep.yaml", "-o", out)
    assert code == 0, output
    assert "2 already done, 0 solved now" in output
    assert "warning" not in output

    # The price file is corrected (+40 USD/MWh): 416.67 − 3.5 × 90 = 101.67 and
    # 1,666.67 − 3.5 × (90 + 170) = 756.67, as a fresh folder gives.
    write_prices(site, [90.0, 170.0])
    code, output = cli("sweep", site / "sweep.yaml", "-o", out)
    assert code == 0, output
    assert "0 already done, 2 solved now" in output
    assert "warning:" in output
    assert "prices.csv has other content" in output
    assert profits(out) == pytest.approx([101.6667, 756.6667], abs=1e-3)
    fresh = site / "fresh"
    assert cli("sweep", site / "sweep.yaml", "-o", fresh, "-q")[0] == 0
    assert profits(fresh) == pytest.approx(profits(out), abs=1e-9)

    # The key follows the content, not the file's time stamp: the old prices back
    # in place find the old cases again.
    write_prices(site, [50.0, 130.0])
    code, output = cli("sweep", site / "sweep.yaml", "-o", out)
    assert code == 0, output
    assert "2 already done, 0 solved now" in output
    assert profits(out) == pytest.approx([241.6667, 1036.6667], abs=1e-3)


def test_case_keys_hash_the_data_once_per_file(site: Path) -> None:
    spec, folder = read_spec(site / "sweep.yaml")
    cases = expand(spec, folder)
    prices = str((site / "prices.csv").resolve())
    assert [list(c.inputs) for c in cases] == [[prices], [prices]]
    write_prices(site, [50.0, 130.5])
    again = expand(spec, folder)
    assert {c.key for c in again}.isdisjoint({c.key for c in cases})
    assert again[0].inputs[prices] != cases[0].inputs[prices]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("kpi: profitt_usd\none_at_a_time: [{path: site.import_limit_mw, low: 2, "
         "high: 5}]", "did you mean 'profit_usd'"),
        ("kpi: profitt_usd\ngrid: [{path: site.import_limit_mw, values: [2]}]",
         "kpi: 'profitt_usd' is not a KPI"),
        ("kpi: assets.fleett.energy_mwh\ngrid: [{path: site.import_limit_mw, "
         "values: [2]}]", "no asset 'fleett'"),
        ("grid: [{path: site.import_limit_mw, values: [2]}, {path: "
         "hashprice.usd_per_ths_day, values: [0.05]}]\ntwo_way: {x: "
         "site.import_limit_mw, y: hashprice.usd_per_ths_day, kpi: proft_usd}",
         "two_way.kpi: 'proft_usd'"),
        ("kpi: size.fleet.power_mw\ngrid: [{path: site.import_limit_mw, "
         "values: [2]}]", "no case of this sweep is one"),
        ("one_at_a_time: [{path: site.import_limit_mw, low: 20, high: 5}]",
         "one_at_a_time[0]: low (20) is above high (5)"),
    ],
)  # fmt: skip
def test_bad_kpi_or_swapped_step_exits_2_and_creates_nothing(
    site: Path, body: str, expected: str
) -> None:
    spec = site / "bad.yaml"
    spec.write_text(f"base: base.yaml\n{body}\n", encoding="utf-8")
    code, output = cli("sweep", spec, "-o", site / "out", "-q")
    assert code == 2, output
    assert expected in output
    assert not (site / "out").exists()


def test_relative_step_of_a_negative_base_keeps_low_below_high(site: Path) -> None:
    spec = site / "neg.yaml"
    spec.write_text(
        "base: base.yaml\nset: {energy.adders_usd_per_mwh: -10}\n"
        "one_at_a_time: [{path: energy.adders_usd_per_mwh, rel_step_frac: 0.5}]\n",
        encoding="utf-8",
    )
    cases = expand(*read_spec(spec))
    values = {c.group: c.axes.get("energy.adders_usd_per_mwh") for c in cases}
    assert (values["low"], values["high"]) == (-15, -5)


@pytest.mark.parametrize("address", ["local:0", "local:x"])
def test_bad_dask_option_exits_2_before_the_folder_is_made(
    site: Path, address: str
) -> None:
    code, output = cli(
        "sweep", site / "sweep.yaml", "-o", site / "out", "--dask", address
    )
    assert code == 2, output
    assert not (site / "out").exists()


def test_unusable_dask_address_exits_2_before_the_folder_is_made(site: Path) -> None:
    pytest.importorskip("dask.distributed")
    code, output = cli(
        "sweep", site / "sweep.yaml", "-o", site / "out", "--dask", "bogus"
    )
    assert code == 2, output
    assert "--dask bogus" in output
    assert not (site / "out").exists()
