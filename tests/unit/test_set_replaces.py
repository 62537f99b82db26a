"""``--set key.path=value`` (and a risk scenario's ``set:``) replaces the value there.

A mapping value is the whole new value at that path: a BTC price path given for some
years must not keep the base's other years. An ``--override`` file still merges
mappings key by key (README, "--override FILE").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from grid_flex.cli import main
from grid_flex.io.scenario import apply_overrides, load_scenario, parse_assignment
from grid_flex.studies.risk import patched
from grid_flex.studies.risk_set import written_scenarios
from grid_flex.testing import BITCOIN_2027, s21_fleet, small_scenario

PATH = "study.bitcoin.btc_price_usd"
BY_YEAR = {2027: 100000.0, 2028: 110000.0, 2029: 120000.0}


def study_file(tmp: Path) -> Path:
    fleet = s21_fleet(hashrate_curve="linear", size={"max_mw": 5.0})
    sc = small_scenario(
        [20.0, 60.0, 150.0, 90.0],
        [fleet],
        study={
            "analysis_yr": 3,
            "start_year": 2027,
            "breakeven_btc_price": False,
            "bitcoin": BITCOIN_2027 | {"btc_price_usd": BY_YEAR},
        },
    )
    path = tmp / "study.yaml"
    path.write_text(yaml.safe_dump(sc.model_dump(mode="json", exclude_unset=True)))
    return path


def btc(sc: Any) -> Any:
    return sc.study.bitcoin.btc_price_usd


def test_set_mapping_replaces_the_whole_path(tmp_path: Path) -> None:
    path = study_file(tmp_path)
    new = "{2027: 300000, 2028: 290000, 2029: 280000}"
    sc, _ = load_scenario(path, assignments=(f"{PATH}={new}",))
    assert btc(sc) == {2027: 300000.0, 2028: 290000.0, 2029: 280000.0}
    # some years only: the base's 2028 is not kept (the study then refuses the gap)
    sc, _ = load_scenario(path, assignments=(f"{PATH}={{2027: 3e5, 2029: 3e5}}",))
    assert btc(sc) == {2027: 300000.0, 2029: 300000.0}


def test_override_file_still_merges(tmp_path: Path) -> None:
    path = study_file(tmp_path)
    patch = tmp_path / "bear.yaml"
    patch.write_text(
        yaml.safe_dump({"study": {"bitcoin": {"btc_price_usd": {2028: 50000}}}})
    )
    sc, _ = load_scenario(path, override_files=(patch,))
    assert btc(sc) == BY_YEAR | {2028: 50000.0}


def test_later_set_refines_a_replaced_mapping() -> None:
    data = {"a": {"b": {"x": 1, "y": 2, "z": 3}}}
    first, second = parse_assignment("a.b={x: 5}"), parse_assignment("a.b.y=6")
    assert apply_overrides(data, [("--set", first), ("--set", second)]) == {
        "a": {"b": {"x": 5, "y": 6}}
    }
    # the result is plain data again
    out = apply_overrides(data, [("--set", first)])
    assert type(out["a"]["b"]) is dict


def test_set_asset_entry_replaces_it_under_its_id(tmp_path: Path) -> None:
    path = study_file(tmp_path)
    sc, _ = load_scenario(
        path,
        assignments=(
            "assets.fleet={type: asic_fleet, model: asic/antminer_s21, count: 10}",
        ),
    )
    fleet = sc.assets[0]
    assert fleet.id == "fleet"
    assert fleet.count == 10
    assert fleet.size is None  # the base's size block went with the old entry


def test_risk_set_replaces_and_patch_merges(tmp_path: Path) -> None:
    base, _ = load_scenario(study_file(tmp_path))
    bear, merged = written_scenarios(
        [
            {"name": "bear", "probability": 0.5, "set": [f"{PATH}={{2027: 1}}"]},
            {
                "name": "merged",
                "probability": 0.5,
                "patch": {"study": {"bitcoin": {"btc_price_usd": {2028: 7}}}},
            },
        ],
        "risk.yaml",
    )
    assert btc(patched(base, bear)) == {2027: 1.0}
    assert btc(patched(base, merged)) == BY_YEAR | {2028: 7.0}


def test_size_command_refuses_a_partly_replaced_path(tmp_path: Path) -> None:
    path = study_file(tmp_path)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        main,
        ["size", str(path), "-q", "-o", str(out), "--set", f"{PATH}={{2027: 3e5}}"],
    )
    assert res.exit_code == 2, res.output
    assert "no value for 2028" in res.output
    assert not out.exists()
