"""Infeasible sites explained by cause: the user-set limit that must give, and how far.

Each case is built to be infeasible by one limit; its amount is worked out by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grid_flex.api import run
from grid_flex.cli import main
from grid_flex.errors import InfeasibleError
from grid_flex.testing import small_scenario

pytestmark = pytest.mark.solver

#: 1 MW of H100 IT power at PUE 1.2, all of it must-serve inference (no flexibility):
#: the cluster draws 1.2 MW in every hour.
GPUS = {
    "type": "gpu_cluster",
    "id": "gpus",
    "model": "compute/nvidia_hgx_h100",
    "it_power_mw": 1.0,
    "pue": 1.2,
    "inference": {
        "load_frac": 1.0,
        "revenue_usd_per_gpu_h": 0.5,
        "flex_frac": 0.0,
        "max_event_h": 1.0,
        "max_events_per_month": 0.0,
    },
}
BATTERY = {
    "type": "battery",
    "id": "battery",
    "model": "battery/generic_lfp_4h_1mw",
    "count": 1,
}


def explain(sc) -> str:
    with pytest.raises(InfeasibleError) as info:
        run(sc)
    return str(info.value)


def test_connection_below_a_must_serve_load_names_the_import_limit():
    # 1.2 MW must be served, the connection gives 1.0: +0.2 MW in all 6 hours.
    sc = small_scenario(
        [30.0] * 6,
        [GPUS],
        hashprice_usd_per_ths_day=None,
        site={"import_limit_mw": 1.0},
    )
    text = explain(sc)
    assert "site.import_limit_mw" in text
    assert "must rise by up to 0.2 MW in 6 intervals" in text
    assert "(first 2024-06-03 00:00 UTC)" in text
    assert "soc" not in text.lower()


def test_import_cap_in_a_window_is_named_with_its_local_time():
    # A 0.5 MW cap from 15:00 to 18:00 local (CDT = UTC−5) on a 1.2 MW must-serve
    # load: the cap must rise by 0.7 MW in 3 intervals, first 15:00 CDT.
    cap = {
        "type": "import_cap",
        "id": "summer_limit",
        "caps": [{"cap_mw": 0.5, "recurring": [{"start_hour": 15, "end_hour": 18}]}],
    }
    sc = small_scenario(
        [30.0] * 24,
        [GPUS],
        hashprice_usd_per_ths_day=None,
        start="2024-06-03T05:00:00+00:00",
        horizon={"timezone": "America/Chicago"},
        programs=[cap],
    )
    text = explain(sc)
    assert "import cap 'summer_limit' (programs.summer_limit.caps)" in text
    assert "must rise by up to 0.7 MW in 3 intervals" in text
    assert "(first 2024-06-03 15:00 CDT)" in text
    assert "site.import_limit_mw" not in text  # the connection is not the cause


def test_quota_below_the_must_serve_energy_names_the_quota():
    # 24 h × 1.2 MW = 28.8 MWh needed in the day; quota 20 MWh: +8.8 MWh.
    quota = {
        "type": "energy_quota",
        "id": "allocation",
        "quota_mwh": 20.0,
        "period": "day",
    }
    sc = small_scenario(
        [30.0] * 24, [GPUS], hashprice_usd_per_ths_day=None, programs=[quota]
    )
    text = explain(sc)
    assert "energy quota 'allocation' (per day) (programs.allocation.quota_mwh)" in text
    assert "must rise by 8.8 MWh" in text


def test_battery_end_state_that_cannot_be_reached_names_its_shortfall():
    # 4 MWh battery from 5 % (0.2 MWh) to at least 95 % (3.8 MWh) in two hours at
    # 1 MW and η_c = √0.85: it stores at most 2 · 0.92195 = 1.84391 MWh, so the end
    # state must fall by 3.8 − 0.2 − 1.84391 = 1.75609 MWh.
    sc = small_scenario(
        [30.0, 30.0],
        [{**BATTERY, "initial_soc_frac": 0.05, "final_soc": 0.95}],
        hashprice_usd_per_ths_day=None,
    )
    text = explain(sc)
    short = 3.8 - 0.2 - 2 * math.sqrt(0.85)
    assert "battery 'battery' end state" in text
    assert "(assets.battery.final_soc)" in text
    assert f"must fall by {short:.2f} MWh" in text


def test_cli_exits_1_with_the_cause_and_writes_nothing(tmp_path: Path):
    data = {
        "name": "too_small",
        "site": {"import_limit_mw": 1.0},
        "horizon": {
            "start": "2024-06-03T00:00:00+00:00",
            "end": "2024-06-03T06:00:00+00:00",
            "timestep_min": 60,
            "timezone": "UTC",
        },
        "energy": {
            "price": {"format": "inline", "unit": "usd_per_mwh", "values": [30.0] * 6}
        },
        "assets": [GPUS],
    }
    path = tmp_path / "too_small.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["solve", str(path), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert "site.import_limit_mw" in result.output
    assert "must rise by up to 0.2 MW in 6 intervals" in result.output
    assert not out.exists()


# ---- limits declared for issue 14's remainder: bans, demand response, size maxima --
FLEET = {
    "type": "asic_fleet",
    "id": "fleet",
    "model": "asic/antminer_s21",
    "count": 1000,  # 3.5 MW
    "availability_frac": 1.0,
    "pue": 1.0,
}


def test_largest_connection_size_below_a_must_serve_load_is_named():
    # A connection sized by the LP up to 1.0 MW under a 1.2 MW must-serve load:
    # raising the largest size once by 0.2 MW restores feasibility (cheaper than
    # raising anything in each of the 6 intervals).
    sc = small_scenario(
        [30.0] * 6,
        [GPUS],
        hashprice_usd_per_ths_day=None,
        site={
            "import_limit_mw": None,
            "size": {"max_mw": 1.0, "capex_usd_per_kw": 100.0, "life_yr": 20.0},
        },
    )
    text = explain(sc)
    assert "largest size of site.import_mw (site.size.max_mw) must rise by 0.2 MW" in (
        text
    ), text


def test_mining_ban_against_held_demand_response_names_one_of_them():
    # 1 MW of demand response capacity held on the only fleet in every hour outside
    # events; a mining ban in hours 1-2 puts the fleet at 0, so it cannot hold a
    # reduction there. Either limit restores feasibility at the same price: the ban
    # must rise by 1 MW, or the held reduction fall by 1 MW, in those 2 intervals.
    dr = {
        "type": "demand_response",
        "id": "dr",
        "events": {
            "periods": [
                {
                    "start": "2024-06-03T05:00:00+00:00",
                    "end": "2024-06-03T06:00:00+00:00",
                }
            ]
        },
        "committed_mw": 1.0,
        "baseline_mw": 3.5,
        "capacity": {"assets": ["fleet"], "price_usd_per_mw_per_h": 5.0},
    }
    ban = {
        "type": "mining_ban",
        "id": "ban",
        "windows": {
            "periods": [
                {
                    "start": "2024-06-03T01:00:00+00:00",
                    "end": "2024-06-03T03:00:00+00:00",
                }
            ]
        },
    }
    sc = small_scenario([30.0] * 6, [FLEET], programs=[dr, ban])
    text = explain(sc)
    named = [
        "mining ban 'ban' on fleet fleet (programs.ban.windows) must rise by up to "
        "1 MW in 2 intervals",
        "demand response 'dr' reduction held on fleet (programs.dr.committed_mw) must "
        "fall by up to 1 MW in 2 intervals",
    ]
    assert any(n in text for n in named), text
    assert "(first 2024-06-03 01:00 UTC)" in text
