"""`grid-flex portfolio SPEC -o DIR`: files written; bad specs exit 2 naming a field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from grid_flex.cli import main
from grid_flex.conventions import mining_value_usd_per_mwh

pytestmark = pytest.mark.solver

V = mining_value_usd_per_mwh(0.05, 17.5, 0.0)


def site_yaml(prices: list[float], unit: str = "usd_per_mwh") -> dict[str, Any]:
    return {
        "name": "site",
        "site": {"import_limit_mw": 100.0},
        "horizon": {
            "start": "2024-06-03T00:00:00+00:00",
            "end": f"2024-06-03T{len(prices):02d}:00:00+00:00",
            "timestep_min": 60,
            "timezone": "UTC",
        },
        "energy": {"price": {"format": "inline", "unit": unit, "values": prices}},
        "hashprice": {"usd_per_ths_day": 0.05},
        "assets": [
            {
                "type": "asic_fleet",
                "id": "fleet",
                "model": "asic/antminer_s21",
                "power_mw": 1.0,
                "availability_frac": 1.0,
                "pool_fee_frac": 0.0,
                "hashrate_curve": "linear",
                "pue": 1.0,  # miners alone (hand figures)
            }
        ],
    }


def write_spec(tmp: Path, **patch: Any) -> Path:
    (tmp / "a.yaml").write_text(yaml.safe_dump(site_yaml([20.0, 20.0, 110.0, 110.0])))
    (tmp / "b.yaml").write_text(yaml.safe_dump(site_yaml([110.0, 110.0, 20.0, 20.0])))
    spec: dict[str, Any] = {
        "name": "two seasons",
        "sites": [{"id": "A", "scenario": "a.yaml"}, {"id": "B", "scenario": "b.yaml"}],
        "fleets": [{"id": "fleet", "power_mw": 1.0}],
        "periods": [
            {
                "name": "wet",
                "start": "2024-06-03T00:00:00+00:00",
                "end": "2024-06-03T02:00:00+00:00",
            },
            {
                "name": "dry",
                "start": "2024-06-03T02:00:00+00:00",
                "end": "2024-06-03T04:00:00+00:00",
            },
        ],
        "moves": {"cost_usd_per_mw": 10.0, "downtime_days": 1 / 24},
        **patch,
    }
    path = tmp / "portfolio.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_portfolio_writes_allocation_and_moves(tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(
        main, ["portfolio", str(write_spec(tmp_path)), "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    alloc = pd.read_csv(out / "allocation.csv")
    moves = pd.read_csv(out / "moves.csv")
    a = alloc.set_index(["site", "period"])["allocated_mw"]
    assert a["A", "wet"] == pytest.approx(1.0)
    assert a["B", "dry"] == pytest.approx(1.0)
    assert list(moves[["from_site", "to_site"]].iloc[0]) == ["A", "B"]
    # 180 − 10 − (V − 20): see test_portfolio.py
    assert "Value of mobility" in r.output
    assert (out / "summary.json").is_file()
    import json

    s = json.loads((out / "summary.json").read_text())["portfolio"]
    assert s["value_of_mobility_usd"] == pytest.approx(180.0 - 10.0 - (V - 20.0))


def test_extreme_values_run_when_the_spec_says_so(tmp_path):
    spec = write_spec(
        tmp_path, moves={"cost_usd_per_mw": 5e6}, allow_extreme_values=True
    )
    r = CliRunner().invoke(main, ["portfolio", str(spec)])
    assert r.exit_code == 0, r.output
    assert "Value of mobility [USD]     0" in r.output


def test_hosting_offer_in_a_spec(tmp_path):
    # B's dry-season price (20) beats the host's 70, and A's wet price (20) too: the
    # host is never used, and its row says so: 0 MW, 0 MWh.
    out = tmp_path / "out"
    host = {"id": "host", "price_usd_per_mwh": 70, "capacity_mw": 1,
            "co2_tco2_per_mwh": 0.6}  # fmt: skip
    spec = write_spec(tmp_path, hosting=[host])
    r = CliRunner().invoke(main, ["portfolio", str(spec), "-o", str(out)])
    assert r.exit_code == 0, r.output
    sites = pd.read_csv(out / "sites.csv").set_index(["site", "period"])
    assert sites.loc[("host", "dry"), "fleet_mwh"] == pytest.approx(0.0)
    assert sites.loc[("A", "wet"), "fleet_mwh"] == pytest.approx(2.0)
    assert (out / "sites_static.csv").is_file()


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"fleets": [{"id": "fleet", "power_mw": 1.0, "sites": ["A", "C"]}]},
         "fleets[0].sites"),
        ({"periods": [{"name": "all", "start": "2024-06-03T01:00:00+00:00",
                       "end": "2024-06-03T04:00:00+00:00"}]},
         "periods[0].start"),
        ({"sites": [{"id": "A", "scenario": "a.yaml"},
                    {"id": "C", "scenario": "c.yaml"}]},
         "sites[1] (C): horizon"),
        ({"sites": [{"id": "A", "scenario": "a.yaml"},
                    {"id": "E", "scenario": "e.yaml", "currency": "EUR"}]},
         "sites[1].currency"),
        ({"moves": {"cost_usd_per_mw": -1.0}}, "moves.cost_usd_per_mw"),
        # real-site magnitudes
        ({"moves": {"cost_usd_per_mw": 5e6}}, "moves.cost_usd_per_mw: 5e+06 is beyond"),
        ({"moves": {"downtime_days": 400}}, "moves.downtime_days: 400 is beyond"),
        ({"moves": {"max_mw_per_period": 1e4}}, "moves.max_mw_per_period: 10000"),
        ({"fleets": [{"id": "fleet", "power_mw": 6e3}]}, "fleets[0].power_mw: 6000"),
        ({"sites": [{"id": "A", "scenario": "a.yaml", "max_fleet_mw": 1e5},
                    {"id": "B", "scenario": "b.yaml"}]},
         "sites[0].max_fleet_mw: 100000 is beyond"),
        ({"events": [{"site": "A", "start": "2024-06-03T02:00:00+00:00",
                      "max_mw": 1e4}]}, "events[0].max_mw: 10000"),
        ({"hosting": [{"id": "h", "price_usd_per_mwh": 5000, "capacity_mw": 1}]},
         "hosting[0].price_usd_per_mwh: 5000 is beyond"),
        ({"hosting": [{"id": "h", "price_usd_per_mwh": 60, "capacity_mw": 1e4}]},
         "hosting[0].capacity_mw: 10000 is beyond"),
        ({"hosting": [{"id": "h", "price_usd_per_mwh": 60, "capacity_mw": 1,
                       "min_term_months": 600}]}, "hosting[0].min_term_months: 600"),
        ({"hosting": [{"id": "A", "price_usd_per_mwh": 60, "capacity_mw": 1}]},
         "duplicate ids"),
        # a quota change needs an energy quota to change, and a real-site size
        ({"events": [{"site": "A", "start": "2024-06-03T02:00:00+00:00",
                      "quota_mwh": 1.0}]},
         "events[0].quota_mwh: site 'A' has no energy_quota program"),
        ({"events": [{"site": "A", "start": "2024-06-03T02:00:00+00:00",
                      "quota_mwh": 5e6}]}, "events[0].quota_mwh: 5e+06 is beyond"),
        ({"events": [{"site": "A", "start": "2024-06-03T02:00:00+00:00",
                      "quota_mwh": -1}]}, "events[0].quota_mwh"),
        ({"events": [{"site": "A", "start": "2024-06-03T02:00:00+00:00",
                      "quota_mwh": 1.0, "program": "kz"}]},
         "events[0].program: site 'A' has no energy_quota program 'kz'"),
    ],
)  # fmt: skip
def test_bad_spec_exits_2_naming_the_field(tmp_path, patch, words):
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(site_yaml([20.0] * 5)))
    (tmp_path / "e.yaml").write_text(
        yaml.safe_dump(site_yaml([20.0] * 4, unit="eur_per_mwh"))
    )
    out = tmp_path / "out"
    spec = write_spec(tmp_path, **patch)
    r = CliRunner().invoke(main, ["portfolio", str(spec), "-o", str(out)])
    assert r.exit_code == 2, r.output
    assert words in r.output
    assert not out.exists()


def test_quota_change_event_in_a_spec(tmp_path):
    # A (20 wet, 110 dry) gets a daily quota of 10 MWh, cut to 1 MWh from the dry
    # season on (for the day: (2 × 10 + 2 × 1) / 4 = 5.5 MWh, prorated to the 4 h of
    # 24: 5.5 / 6 MWh, which limits A's draw). summary.json lists the quota.
    spec = write_spec(
        tmp_path,
        events=[{"site": "A", "start": "2024-06-03T02:00:00+00:00", "quota_mwh": 1}],
    )
    a = site_yaml([20.0, 20.0, 110.0, 110.0])
    a["programs"] = [{"type": "energy_quota", "quota_mwh": 10.0, "period": "day"}]
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(a))
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["portfolio", str(spec), "-o", str(out)])
    assert r.exit_code == 0, r.output
    import json

    q = json.loads((out / "summary.json").read_text())["portfolio"]["quotas"]
    assert len(q) == 1
    assert q[0]["quota_mwh"] == pytest.approx(5.5 * 4 / 24)
    assert q[0]["used_mwh"] == pytest.approx(q[0]["quota_mwh"])  # A runs while it may
    assert "Energy quotas used up in 1 of 1 site quota periods" in r.output
