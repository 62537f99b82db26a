"""Issue 15 item 2: fewer rows, same optimum.

The site leaves out headroom rows that other rows imply (``SKIP_IMPLIED_ROWS``):
the grid deliverability rows when the assets cannot exceed them, and per-asset
stack rows that a program's own rows (DER-VET legs) already enforce; offers are
boxed by each asset's reach. Each case is solved with the lean and with the full
(reference) formulation: the optima must be equal and the lean LP smaller.
"""

from __future__ import annotations

from typing import Any

import pytest

from grid_flex import site as site_module
from grid_flex.api import build_model, prepare_inputs, solve
from grid_flex.testing import s21_fleet, small_scenario

pytestmark = pytest.mark.solver

PRICES = [20.0, 150.0, 35.0, 300.0, 60.0, 90.0]


def fleet(fid: str = "fleet", count: int = 1000) -> dict[str, Any]:
    return s21_fleet(fid, count=count)


BESS = {
    "type": "battery",
    "id": "bess",
    "model": "battery/generic_lfp_4h_1mw",
    "energy_mwh": 4.0,
    "power_mw": 1.0,
    "charge_eff_frac": 0.85,
    "discharge_eff_frac": 1.0,
    "initial_soc_frac": 0.5,
    "final_soc": "cyclic",
}
GPU = {
    "type": "gpu_cluster",
    "id": "gpu",
    "model": "compute/nvidia_hgx_h100",
    "it_power_mw": 1.0,
    "spot_usd_per_gpu_h": 0.2,
    "inference": {
        "load_frac": 0.5,
        "revenue_usd_per_gpu_h": 0.5,
        "flex_frac": 0.5,
        "max_event_h": 2.0,
        "max_events_per_month": 1.0,
    },
}


def service(name: str, direction: str, assets: list[str], price: float):
    return {
        "name": name,
        "direction": direction,
        "capacity_price_usd_per_mw_per_h": price,
        "deployment_frac": 0.2,
        "min_duration_h": 1.0,
        "eligible_assets": assets,
    }


CASES = {
    "fleets_both_directions": dict(
        assets=[fleet(), fleet("b", 500)],
        programs=[
            {
                "type": "ancillary_services",
                "services": [
                    service("reg_up", "up", ["fleet", "b"], 8.0),
                    service("reg_down", "down", ["fleet"], 6.0),
                ],
            }
        ],
        site={"import_limit_mw": 1000.0},
    ),
    "connection_below_capacity": dict(
        assets=[fleet(), fleet("b", 500)],
        programs=[
            {
                "type": "ancillary_services",
                "services": [service("reg_down", "down", ["fleet", "b"], 6.0)],
            }
        ],
        site={"import_limit_mw": 4.0},
    ),
    "gpu_and_fleet": dict(
        assets=[fleet(), GPU],
        programs=[
            {
                "type": "ancillary_services",
                "gpu_clusters_allowed": ["gpu"],
                "services": [service("reg_up", "up", ["fleet", "gpu"], 40.0)],
            }
        ],
        site={"import_limit_mw": 1000.0},
    ),
    "dervet_battery_and_fleet": dict(
        assets=[fleet(), BESS],
        programs=[
            {
                "type": "ancillary_services",
                "battery_deployment": "state_of_charge",
                "services": [
                    service("reg_up", "up", ["fleet", "bess"], 8.0),
                    service("reg_down", "down", ["bess"], 6.0),
                ],
            },
            {"type": "demand_charge", "id": "dc", "usd_per_kw_month": 0.5},
        ],
        site={"import_limit_mw": 5.0},
    ),
}


def objective_and_rows(case: dict[str, Any]) -> tuple[float, int]:
    sc = small_scenario(
        PRICES,
        case["assets"],
        programs=case["programs"],
        site=case["site"],
    )
    site = build_model(prepare_inputs(sc))
    solution = solve(site)
    return float(solution.objective), solution.lp.shape[0]


@pytest.mark.parametrize("name", list(CASES))
def test_lean_rows_keep_the_optimum(monkeypatch, name):
    lean, lean_rows = objective_and_rows(CASES[name])
    monkeypatch.setattr(site_module, "SKIP_IMPLIED_ROWS", False)
    full, full_rows = objective_and_rows(CASES[name])
    assert lean == pytest.approx(full, rel=1e-9, abs=1e-9)
    if name == "connection_below_capacity":
        assert lean_rows == full_rows  # nothing implied: the connection binds
    else:
        assert lean_rows < full_rows
