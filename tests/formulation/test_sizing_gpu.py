"""GPU clusters sized in whole nodes: optima worked out by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grid_flex.api import run
from grid_flex.errors import ScenarioError
from grid_flex.studies.feasibility import run_feasibility
from grid_flex.testing import assert_balance_closes, small_scenario

pytestmark = pytest.mark.solver

HOURS_PER_YEAR = 8760.0
NODE_MW = 10.2 / 1000.0  # HGX H100 node at its 10.2 kW maximum input
GPU_H_PER_MWH = 1000.0 / (10.2 / 8)  # 784.31 GPU-h per MWh of IT energy
PUE = 1.2


def cluster(*, spot: float | None = 2.0, **size: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "gpu_cluster",
        "id": "gpu",
        "model": "compute/nvidia_hgx_h100",
        "pue": PUE,
        "idle_power_frac": 0.0,
        "size": {"life_yr": 1.0, **size},
    }
    if spot is not None:
        out["spot_usd_per_gpu_h"] = spot
    return out


NO_DISCOUNT = {"study": {"discount_frac_per_yr": 0.0}}


# ---- a cluster is built exactly when its margin beats its annualised node cost ----
@pytest.mark.parametrize(("factor", "built"), [(0.99, True), (1.01, False)])
def test_cluster_built_to_max_iff_margin_exceeds_annualised_node_cost(factor, built):
    spot = 0.5  # USD per GPU-h
    value = spot * GPU_H_PER_MWH  # 392.16 USD per MWh of IT energy
    prices = np.array([20.0, 600.0, 150.0, 400.0, 200.0, 10.0])
    # a MW of IT power rents out when ρ·g > PUE·p, i.e. p < 326.8 USD/MWh:
    # margin per MW of nameplate over the 6 h = Σ max(0, ρ·g − PUE·p) · 1 h
    margin = float(np.maximum(0.0, value - PUE * prices).sum())
    # = 368.16 + 0 + 212.16 + 0 + 152.16 + 380.16 = 1112.6 USD per MW
    assert margin == pytest.approx(4 * value - PUE * (20 + 150 + 200 + 10))
    # r = 0, 1-year life: a node's annual cost is its price; the 6-h horizon carries
    # 6/8760 of it. Breakeven node price:
    node_star = margin * NODE_MW * HOURS_PER_YEAR / 6.0  # ≈ 16,569 USD
    sc = small_scenario(
        prices,
        [cluster(spot=spot, max_nodes=10, capex_usd_per_node=factor * node_star)],
        **NO_DISCOUNT,
    )
    res = run(sc)
    size = res.summary["capacities"]["gpu.it_power_mw"]["value"]
    assert size == pytest.approx(10 * NODE_MW if built else 0.0, abs=1e-9)
    expected = 10 * NODE_MW * margin * (1 - factor) if built else 0.0
    assert res.objective_usd == pytest.approx(expected, rel=1e-7, abs=1e-6)
    assert_balance_closes(res)
    kpis = res.summary["assets"]["gpu"]
    assert kpis["node_count"] == pytest.approx(10.0 if built else 0.0, abs=1e-7)


# ---- a job's work sizes the cluster; the study rounds it up to whole nodes --------
def job_cluster(work_gpu_h: float) -> dict[str, Any]:
    c = cluster(spot=None, max_nodes=100, capex_usd_per_node=1000.0)
    c["training_jobs"] = [
        {
            "id": "train",
            "work_gpu_h": work_gpu_h,
            "release": "2024-06-03T00:00:00+00:00",
            "deadline": "2024-06-03T04:00:00+00:00",
            "revenue_usd_per_gpu_h": 3.0,
            "penalty_usd_per_gpu_h": 50.0,
        }
    ]
    return c


def test_a_jobs_work_sizes_the_cluster_and_the_study_rounds_to_whole_nodes():
    # 4 h window; 8 GPUs per node at full power: one node delivers 32 GPU-h there.
    # The job's 100 GPU-h earn 3 USD and avoid a 50 USD penalty each: worth far more
    # than a node's share of cost (1000 USD·4/8760 = 0.46 USD) plus its energy
    # (1.2 · 0.0102 MW · 4 h · 30 USD/MWh = 1.5 USD); but a node beyond the work
    # only adds cost. Smallest cluster: 100/32 = 3.125 nodes.
    sc = small_scenario(
        [30.0] * 4,
        [job_cluster(100.0)],
        hashprice_usd_per_ths_day=None,
        study={"discount_frac_per_yr": 0.0, "analysis_yr": 1},
    )
    res = run(sc)
    nodes = res.summary["capacities"]["gpu.it_power_mw"]["value"] / NODE_MW
    assert nodes == pytest.approx(100.0 / 32.0, rel=1e-7)
    r = run_feasibility(sc)
    row = r.sizes.set_index("key").loc["gpu.it_power_mw"]
    # floor and ceil are both tried: 3 nodes (96 GPU-h) leave 4 GPU-h undelivered,
    # 4 · (3 + 50) = 212 USD lost; a 4th node costs about 0.46 + 1.5 = 2 USD: 4 nodes
    assert row["unit_count"] == 4
    assert r.rounded.capacities["gpu.it_power_mw"] == pytest.approx(4 * NODE_MW)
    kpis = next(iter(r.rounded.blocks.values())).summary["assets"]
    assert kpis["gpu"]["job_train_undelivered_gpu_h"] == pytest.approx(0.0, abs=1e-6)


# ---- bad input names the field --------------------------------------------------
@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"min_nodes": 5, "max_nodes": 2}, ["min_nodes", "max_nodes"]),
        ({"capex_usd_per_node": -1.0}, ["capex_usd_per_node", "greater than or equal"]),
        ({"life_yr": 0}, ["life_yr", "greater than 0"]),
        ({"max_nodes": 1e9}, ["max_nodes", "nodes"]),
        ({"capex_usd_per_node": 1e12}, ["capex_usd_per_node", "USD/node"]),
        ({"life_yr": 500}, ["life_yr", "yr"]),
    ],
)
def test_bad_cluster_size_names_the_field(patch, words):
    with pytest.raises(ScenarioError) as info:
        small_scenario([10.0], [cluster(**patch)])
    msg = str(info.value)
    for w in words:
        assert w in msg
    assert "assets" in msg


def test_size_with_a_count_is_refused():
    c = cluster(max_nodes=2) | {"count": 3}
    with pytest.raises(ScenarioError, match="size block give no count"):
        small_scenario([10.0], [c])


def test_inference_reductions_on_a_sized_cluster_are_refused_by_name():
    c = cluster(max_nodes=2)
    c["inference"] = {
        "load_frac": 0.5,
        "revenue_usd_per_gpu_h": 2.0,
        "flex_frac": 0.3,
        "max_event_h": 2,
        "max_events_per_month": 4,
    }
    sc = small_scenario([10.0] * 3, [c], hashprice_usd_per_ths_day=None)
    with pytest.raises(ScenarioError, match=r"assets\.gpu\.inference\.flex_frac"):
        run(sc)
