"""Numbers a real site cannot have: derived from unit counts, or 1000x too small.

A capacity given as ``count`` × the catalogue unit's rating passes the same real-site
bounds as one given in MW (exit 2, naming the entry); a hashprice or a CO2 rate far
below any real one is a ``warning: ...`` (a wrong unit, usually), not a refusal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from grid_flex.cli import main
from grid_flex.testing import LFP_4H, s21_fleet, small_scenario

pytestmark = pytest.mark.solver

PRICES = [50.0, 130.0, -20.0, 200.0]


def write(tmp_path: Path, assets: list[dict[str, Any]], **patch: Any) -> Path:
    sc = small_scenario(PRICES, assets, **patch)
    data = json.loads(sc.model_dump_json(exclude_none=True))
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


BATTERY = {
    "type": "battery",
    "id": "bess",
    "model": LFP_4H,
    "count": 1_000_000,
    "initial_soc_frac": 0.5,
    "final_soc": "cyclic",
}


@pytest.mark.parametrize(
    ("asset", "words"),
    [
        # 10,000,000 S21 × 3.5 kW = 35,000 MW: power_mw 35000 is refused, so is this
        (s21_fleet(count=10_000_000), ["assets[0] (fleet)", "power_mw = 35,000 "]),
        # 1,000,000 units of 1 MW / 4 MWh: 1,000,000 MW (4,000,000 MWh is within)
        (BATTERY, ["assets[0] (bess)", "power_mw = 1,000,000 "]),
        # a sized fleet of at most 2,000,000 S21: 7,000 MW
        (
            s21_fleet(size={"max_count": 2e6, "capex_usd_per_th": 15.0, "life_yr": 3}),
            ["assets[0] (fleet)", "max power_mw = 7,000 "],
        ),
    ],
)
def test_a_capacity_from_unit_counts_passes_the_real_site_bounds(
    tmp_path, asset, words
):
    path = write(tmp_path, [asset])
    out = tmp_path / "out"
    res = run("solve", path, "-o", out)
    assert res.exit_code == 2, res.output
    for w in [*words, "beyond ±5,000 MW", "allow_extreme_values"]:
        assert w in res.output
    assert not out.exists()


def test_allow_extreme_values_accepts_a_huge_unit_count(tmp_path):
    path = write(tmp_path, [s21_fleet(count=10_000_000)], allow_extreme_values=True)
    res = run("solve", path, "-q")
    assert res.exit_code == 0, res.output


def test_a_fleet_of_real_size_by_count_is_not_refused(tmp_path):
    # 1,428,571 S21 = 4,999.9985 MW: just inside the 5,000 MW bound
    path = write(tmp_path, [s21_fleet(count=1_428_571)])
    res = run("solve", path, "-q")
    assert res.exit_code == 0, res.output
    assert "warning" not in res.output


@pytest.mark.parametrize(
    "hashprice",
    [
        {"usd_per_ths_day": 0.00005},  # 1000x below a real 0.05
        {
            "series": {
                "format": "inline",
                "unit": "usd_per_ths_day",
                "values": [5e-5] * 4,
            }
        },
        # difficulty 1000x today's (150e15 for 150e12): 0.000084 USD/TH/s/day
        {"derive": {"btc_price_usd": 100000, "difficulty": 150.0e15}},
    ],
)
def test_a_hashprice_1000x_too_small_is_warned(tmp_path, hashprice):
    path = write(
        tmp_path,
        [s21_fleet(count=10)],
        hashprice_usd_per_ths_day=None,
        hashprice=hashprice,
    )
    res = run("solve", path, "-q")
    assert res.exit_code == 0, res.output
    assert "warning: hashprice: median" in res.output
    assert "far below any hashprice seen" in res.output


@pytest.mark.parametrize(
    ("unit", "value"), [("tco2_per_mwh", 0.00045), ("kg_per_mwh", 0.45)]
)
def test_a_co2_rate_1000x_too_small_is_warned(tmp_path, unit, value):
    # 0.45 t/MWh is a real marginal rate; given as 0.00045 t or as 0.45 kg it is not
    em = {
        "type": "emissions",
        "id": "em",
        "carbon_price_usd_per_tco2": 50.0,
        "marginal_co2": {"format": "inline", "unit": unit, "values": [value] * 4},
    }
    path = write(tmp_path, [s21_fleet(count=10)], programs=[em])
    res = run("solve", path, "-q")
    assert res.exit_code == 0, res.output
    assert "warning: programs.em.marginal_co2" in res.output
    assert "1000x too small for a grid's CO2 rate" in res.output


def test_real_hashprice_and_co2_rate_are_not_warned(tmp_path):
    em = {
        "type": "emissions",
        "id": "em",
        "marginal_co2": {
            "format": "inline",
            "unit": "kg_per_mwh",
            "values": [450.0] * 4,
        },
    }
    path = write(tmp_path, [s21_fleet(count=10)], programs=[em])
    res = run("solve", path, "-q")
    assert res.exit_code == 0, res.output
    assert res.output == ""
