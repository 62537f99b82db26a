"""Hashrate forward: a volume the fleets cannot deliver is named, not left bare.

A 1 MW S21 fleet (17.5 J/TH, linear curve, PUE 1) hashes at most
H = 10⁶ W / 17.5 W per TH/s = 57,142.857 TH/s at availability 1.
"""

from __future__ import annotations

from typing import Any

import pyomo.core as pyo
import pytest
import yaml
from click.testing import CliRunner

from grid_flex.api import run
from grid_flex.errors import InfeasibleError, ScenarioError
from grid_flex.testing import s21_fleet, small_scenario

pytestmark = pytest.mark.solver

#: Nameplate hashrate of the 1 MW S21 fleet [TH/s].
H = 1e6 / 17.5


def scenario(forward: dict[str, Any], **fleet_kw: Any) -> Any:
    fleet = s21_fleet(power_mw=1.0, hashrate_curve="linear", pue=1.0) | fleet_kw
    fwd = {
        "type": "hashrate_forward",
        "id": "fwd",
        "fixed_hashprice_usd_per_ths_day": 0.04,
    } | forward
    return small_scenario(
        [20.0] * 4, [fleet], hashprice_usd_per_ths_day=0.05, programs=[fwd]
    )


def test_forward_above_the_fleets_hashrate_names_forward_ths():
    # 60,000 TH/s > H = 57,143 TH/s
    with pytest.raises(ScenarioError, match=r"programs\.fwd\.forward_ths") as err:
        run(scenario({"forward_ths": 60000.0}))
    assert "60,000 TH/s" in str(err.value)
    assert "at most 57,143 TH/s" in str(err.value)


def test_availability_counts_in_what_the_fleets_can_deliver():
    # availability 0.9: at most 0.9 · 57,142.857 = 51,428.6 TH/s < 55,000
    with pytest.raises(ScenarioError, match=r"at most 51,429 TH/s"):
        run(scenario({"forward_ths": 55000.0}, availability_frac=0.9))
    # at full availability 55,000 < 57,143 solves, delivering the whole fleet or more
    res = run(scenario({"forward_ths": 55000.0}))
    assert res.summary["programs"]["fwd"]["delivered_ths"] >= 55000.0 - 1e-6


def test_a_sized_forward_whose_least_cannot_be_delivered_names_min_ths():
    with pytest.raises(ScenarioError, match=r"programs\.fwd\.size\.min_ths"):
        run(scenario({"size": {"min_ths": 58000.0, "max_ths": 90000.0}}))


def test_a_sized_fleet_is_checked_at_its_largest_size():
    # a fleet sized up to 2 MW hashes up to 2 H = 114,286 TH/s: 60,000 is deliverable
    # (the fleet grows to 60,000 / H = 1.05 MW); 120,000 is not
    sized = {"power_mw": None, "size": {"max_mw": 2.0}}
    res = run(scenario({"forward_ths": 60000.0}, **sized))
    assert res.summary["programs"]["fwd"]["delivered_ths"] >= 60000.0 - 1e-6
    with pytest.raises(ScenarioError, match=r"at most 114,286 TH/s"):
        run(scenario({"forward_ths": 120000.0}, **sized))


def test_the_delivery_row_is_a_limit_explain_names():
    # The fleet passes the pre-solve check (50,000 < H), but a hard bound set by the
    # caller holds each segment at ≤ 0.5 MW, i.e. ≤ 0.5 H = 28,571.4 TH/s. Only the
    # forward's delivery row can give, by 50,000 − 28,571.4 = 21,428.6 TH/s (the
    # connection's import limit, also a declared limit, would not help).
    def half(site: Any) -> None:
        for var in site.model.component_objects(pyo.Var, descend_into=True):
            if var.local_name == "segment_power_mw":
                for v in var.values():
                    v.setub(0.5)

    with pytest.raises(InfeasibleError) as err:
        run(scenario({"forward_ths": 50000.0}), extra=half)
    text = str(err.value)
    assert "programs.fwd.forward_ths" in text
    assert "must fall by 21,429 TH/s" in text  # 50,000 − 28,571.43 = 21,428.57


def test_cli_refuses_the_forward_with_exit_2_and_writes_nothing(tmp_path):
    from grid_flex.cli import main

    sc = scenario({"forward_ths": 60000.0})
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(sc.model_dump(mode="json", exclude_unset=True)))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["solve", str(path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "programs.fwd.forward_ths" in result.output
    assert not out.exists()
