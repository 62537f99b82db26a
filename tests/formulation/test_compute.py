"""GPU cluster: training jobs, inference flexibility and spot, optima worked by hand.

Numbers used throughout: the catalogue HGX H100 node draws 10.2 kW for 8 GPUs, so one
GPU at full power takes 1.275 kW and one IT MWh runs G = 1000 / 1.275 = 784.31 GPU-h.
A 1 MW (IT) cluster is therefore 784.31 GPUs; a job of ``h · G`` GPU-hours needs ``h``
hours of the whole cluster.
"""

from __future__ import annotations

import numpy as np
import pytest

from grid_flex.api import build_model, prepare_inputs, solve
from grid_flex.assets import compute
from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError
from grid_flex.testing import assert_balance_closes, s21_fleet, small_scenario

pytestmark = pytest.mark.solver

G = 1000.0 / (10.2 / 8)  # GPU-h per IT MWh of an H100 node [GPU-h/MWh]
PRICES = [1.0, 50.0, 10.0, 40.0, 5.0, 0.0]  # 6 hourly prices from 2024-06-03 00:00 UTC
WINDOW = {"release": "2024-06-03T01:00:00", "deadline": "2024-06-03T05:00:00"}


def cluster(**kw: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "type": "gpu_cluster",
        "id": "gpus",
        "model": "compute/nvidia_hgx_h100",
        "it_power_mw": 1.0,
        "pue": 1.2,
    }
    entry.update(kw)
    return entry


def job(**kw: object) -> dict[str, object]:
    entry: dict[str, object] = {"id": "a", **WINDOW, "work_gpu_h": 2 * G}
    entry.update(kw)
    return entry


def solve_cluster(solve_small, prices=PRICES, assets=None, **patch):
    sc = small_scenario(
        prices, assets or [cluster()], hashprice_usd_per_ths_day=None, **patch
    )
    res = solve_small(sc)
    assert_balance_closes(res)
    return res


def col(res, name: str) -> np.ndarray:
    return res.timeseries[name].to_numpy()


def problems_of(exc: pytest.ExceptionInfo[ScenarioError]) -> str:
    return "\n".join(exc.value.problems)


# ---- training jobs ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("timezone", "release", "deadline"),
    [
        ("UTC", "2024-06-03T01:00:00", "2024-06-03T05:00:00"),
        ("UTC", "2024-06-03T03:00:00+02:00", "2024-06-03T07:00:00+02:00"),
        # naive times are local to the horizon: 20:00 CDT = 01:00 UTC
        ("America/Chicago", "2024-06-02T20:00:00", "2024-06-03T00:00:00"),
    ],
)
def test_job_runs_in_the_cheapest_hours_of_its_window(
    solve_small, timezone, release, deadline
):
    # Window = hours 1-4 (prices 50, 10, 40, 5); 2 h of the cluster at 2 USD/GPU-h.
    # The cheapest hours overall (0 and 5, prices 1 and 0) are outside the window.
    assets = [
        cluster(
            training_jobs=[
                job(release=release, deadline=deadline, revenue_usd_per_gpu_h=2.0)
            ]
        )
    ]
    res = solve_cluster(solve_small, assets=assets, horizon={"timezone": timezone})
    np.testing.assert_allclose(
        col(res, "gpus.job_a_it_power_mw"), [0, 0, 1, 0, 1, 0], atol=1e-9
    )
    np.testing.assert_allclose(
        col(res, "site.grid_import_mw"), [0, 0, 1.2, 0, 1.2, 0], atol=1e-9
    )
    # revenue 2·G GPU-h × 2 USD = 3137.25; energy 1.2 MW × (10 + 5) USD/MWh = 18
    assert res.objective_usd == pytest.approx(2 * G * 2.0 - 1.2 * 15.0, rel=1e-9)
    kpis = res.summary["assets"]["gpus"]
    assert kpis["job_a_delivered_gpu_h"] == pytest.approx(2 * G)
    assert kpis["job_a_undelivered_gpu_h"] == pytest.approx(0.0, abs=1e-6)
    assert kpis["energy_mwh"] == pytest.approx(2.4)
    assert kpis["utilisation_frac"] == pytest.approx(2 / 6)
    assert kpis["compute_revenue_usd_per_mwh"] == pytest.approx(2 * G * 2.0 / 2.4)


def test_contract_value_is_paid_pro_rata_to_work(solve_small):
    # 1000 USD for 2·G GPU-h: 1000/(2G)·G/1.2 = 417 USD per facility MWh > any price,
    # so the job is done (hours 2 and 4) and earns exactly 1000 USD.
    assets = [cluster(training_jobs=[job(contract_value_usd=1000.0)])]
    res = solve_cluster(solve_small, assets=assets)
    assert res.summary["assets"]["gpus"]["job_a_revenue_usd"] == pytest.approx(1000.0)
    assert res.objective_usd == pytest.approx(1000.0 - 1.2 * 15.0, rel=1e-9)


def test_work_in_mwh_equals_work_in_gpu_hours(solve_small):
    by_gpu_h = solve_cluster(
        solve_small,
        assets=[cluster(training_jobs=[job(revenue_usd_per_gpu_h=2.0)])],
    )
    by_mwh = solve_cluster(
        solve_small,
        assets=[
            cluster(
                training_jobs=[
                    job(work_gpu_h=None, work_mwh=2.0, revenue_usd_per_gpu_h=2.0)
                ]
            )
        ],
    )
    assert by_mwh.objective_usd == pytest.approx(by_gpu_h.objective_usd, rel=1e-12)


def test_floor_keeps_the_job_running_through_its_window(solve_small):
    # min_power_frac 0.5 over hours 1-4 delivers 2·G; the third G goes to the cheapest
    # hours of the window: +0.5 MW at hour 4 (price 5) and at hour 2 (price 10).
    assets = [
        cluster(
            training_jobs=[
                job(work_gpu_h=3 * G, min_power_frac=0.5, revenue_usd_per_gpu_h=2.0)
            ]
        )
    ]
    res = solve_cluster(solve_small, assets=assets)
    np.testing.assert_allclose(
        col(res, "gpus.job_a_it_power_mw"), [0, 0.5, 1, 0.5, 1, 0], atol=1e-9
    )
    energy_usd = 1.2 * (0.5 * 50 + 1 * 10 + 0.5 * 40 + 1 * 5)  # = 72
    assert res.objective_usd == pytest.approx(3 * G * 2.0 - energy_usd, rel=1e-9)


def test_max_power_frac_caps_the_job(solve_small):
    # At most 0.5 MW: 2·G GPU-h need all four window hours at 0.5 MW.
    assets = [
        cluster(training_jobs=[job(max_power_frac=0.5, revenue_usd_per_gpu_h=2.0)])
    ]
    res = solve_cluster(solve_small, assets=assets)
    np.testing.assert_allclose(
        col(res, "gpus.job_a_it_power_mw"), [0, 0.5, 0.5, 0.5, 0.5, 0], atol=1e-9
    )


def test_partly_covered_interval_offers_its_share(solve_small):
    # Window 00:30-02:00: half of hour 0 and all of hour 1. 1.5·G GPU-h fill exactly
    # 0.5 MW in hour 0 (mean power) and 1 MW in hour 1: the most it could ever get.
    prices = [1.0, 5.0, 50.0, 50.0]
    assets = [
        cluster(
            training_jobs=[
                job(
                    release="2024-06-03T00:30:00",
                    deadline="2024-06-03T02:00:00",
                    work_gpu_h=1.5 * G,
                    revenue_usd_per_gpu_h=2.0,
                )
            ]
        )
    ]
    res = solve_cluster(solve_small, prices=prices, assets=assets)
    np.testing.assert_allclose(
        col(res, "gpus.job_a_it_power_mw"), [0.5, 1, 0, 0], atol=1e-9
    )
    assert res.objective_usd == pytest.approx(
        1.5 * G * 2.0 - 1.2 * (0.5 * 1 + 1 * 5), rel=1e-9
    )


def test_window_partly_before_the_horizon_keeps_its_full_work(solve_small):
    # Released the day before, due 03:00: only hours 0-2 (prices 1, 50, 10) are inside,
    # and the whole 2·G GPU-h must be done there: hours 0 and 2.
    assets = [
        cluster(
            training_jobs=[
                job(
                    release="2024-06-02T12:00:00",
                    deadline="2024-06-03T03:00:00",
                    revenue_usd_per_gpu_h=2.0,
                )
            ]
        )
    ]
    res = solve_cluster(solve_small, assets=assets)
    np.testing.assert_allclose(
        col(res, "gpus.job_a_it_power_mw"), [1, 0, 1, 0, 0, 0], atol=1e-9
    )


def test_unprofitable_job_without_penalty_is_left_undelivered(solve_small):
    # 0.005 USD/GPU-h × G / 1.2 = 3.27 USD per facility MWh, below every window price.
    assets = [cluster(training_jobs=[job(revenue_usd_per_gpu_h=0.005)])]
    res = solve_cluster(solve_small, assets=assets)
    kpis = res.summary["assets"]["gpus"]
    assert kpis["job_a_delivered_gpu_h"] == pytest.approx(0.0, abs=1e-6)
    assert kpis["job_a_undelivered_gpu_h"] == pytest.approx(2 * G)
    assert kpis["training_undelivered_gpu_h"] == pytest.approx(2 * G)
    assert res.objective_usd == pytest.approx(0.0, abs=1e-7)


def test_penalty_above_the_energy_cost_gets_the_job_delivered(solve_small):
    # (0.005 + 0.05) × G / 1.2 = 35.9 USD per facility MWh: above the prices of hours
    # 2 and 4 (10, 5), below hours 1 and 3 (50, 40); exactly two hours are needed.
    assets = [
        cluster(
            training_jobs=[job(revenue_usd_per_gpu_h=0.005, penalty_usd_per_gpu_h=0.05)]
        )
    ]
    res = solve_cluster(solve_small, assets=assets)
    np.testing.assert_allclose(
        col(res, "gpus.job_a_it_power_mw"), [0, 0, 1, 0, 1, 0], atol=1e-9
    )
    assert res.summary["assets"]["gpus"]["penalty_usd"] == pytest.approx(0, abs=1e-6)
    assert res.objective_usd == pytest.approx(2 * G * 0.005 - 1.2 * 15.0, rel=1e-9)


def test_penalty_between_prices_delivers_part_and_books_the_rest(solve_small):
    # 0.01 × G / 1.2 = 6.54 USD/MWh: worth running in hour 4 (price 5) only. The
    # undelivered G GPU-h cost 0.01 each, booked in hour 4 (last of the window).
    assets = [cluster(training_jobs=[job(penalty_usd_per_gpu_h=0.01)])]
    res = solve_cluster(solve_small, assets=assets)
    np.testing.assert_allclose(
        col(res, "gpus.job_a_it_power_mw"), [0, 0, 0, 0, 1, 0], atol=1e-9
    )
    np.testing.assert_allclose(
        col(res, "gpus.job_a_penalty_usd"), [0, 0, 0, 0, 0.01 * G, 0], atol=1e-9
    )
    kpis = res.summary["assets"]["gpus"]
    assert kpis["job_a_undelivered_gpu_h"] == pytest.approx(G)
    assert kpis["job_a_delivered_frac"] == pytest.approx(0.5)
    assert res.objective_usd == pytest.approx(-1.2 * 5.0 - 0.01 * G, rel=1e-9)


@pytest.mark.parametrize(
    ("penalty_b", "delivered_a", "delivered_b"),
    [(0.0, 3 * G, 1 * G), (1.5, 1 * G, 3 * G)],
)
def test_competing_jobs_share_the_window_by_value(
    solve_small, penalty_b, delivered_a, delivered_b
):
    # Two 3·G jobs in the same 4 h window: 4·G GPU-h fit, so 2·G stay undelivered.
    # Job a pays 2, job b pays 1 (+ penalty). Every hour is worth using (>= 1 × G /
    # 1.2 = 654 USD/MWh > 50). Without a penalty a comes first; with 1.5 USD/GPU-h,
    # b is worth 2.5 and comes first. The model stays feasible either way.
    jobs = [
        job(id="a", work_gpu_h=3 * G, revenue_usd_per_gpu_h=2.0),
        job(
            id="b",
            work_gpu_h=3 * G,
            revenue_usd_per_gpu_h=1.0,
            penalty_usd_per_gpu_h=penalty_b,
        ),
    ]
    res = solve_cluster(solve_small, assets=[cluster(training_jobs=jobs)])
    kpis = res.summary["assets"]["gpus"]
    assert kpis["job_a_delivered_gpu_h"] == pytest.approx(delivered_a)
    assert kpis["job_b_delivered_gpu_h"] == pytest.approx(delivered_b)
    undelivered_b = 3 * G - delivered_b
    expected = (
        2.0 * delivered_a
        + 1.0 * delivered_b
        - penalty_b * undelivered_b
        - 1.2 * (50 + 10 + 40 + 5)
    )
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)


# ---- sharing the interconnection with miners ---------------------------------------
@pytest.mark.parametrize("spot", [2.0, 0.1])
def test_the_more_valuable_load_gets_the_interconnection(solve_small, spot):
    # 4 MW import limit; S21 fleet 3.5 MW (1000 units, availability 1) worth
    # 116.67 USD/MWh at 0.05 USD/TH/day; GPUs 2 MW IT × PUE 1.25 = 2.5 MW facility,
    # renting spot GPU-hours worth spot × G / 1.25 per facility MWh:
    #   spot 2.0 → 1255 USD/MWh > 116.67: GPUs take 2.5 MW, miners the last 1.5 MW;
    #   spot 0.1 → 62.7 USD/MWh < 116.67: miners take 3.5 MW, GPUs the last 0.5 MW.
    hp, price = 0.05, 40.0
    v_mine = mining_value_usd_per_mwh(hp, 17.5, 0.02)
    assets = [
        cluster(it_power_mw=2.0, pue=1.25, spot_usd_per_gpu_h=spot),
        s21_fleet(count=1000, pool_fee_frac=0.02),
    ]
    sc = small_scenario(
        [price, price],
        assets,
        hashprice_usd_per_ths_day=hp,
        site={"import_limit_mw": 4.0},
    )
    res = solve_small(sc)
    assert_balance_closes(res)
    gpu_mw, fleet_mw = (2.5, 1.5) if spot == 2.0 else (0.5, 3.5)
    np.testing.assert_allclose(col(res, "gpus.power_mw"), gpu_mw, atol=1e-9)
    np.testing.assert_allclose(col(res, "fleet.power_mw"), fleet_mw, atol=1e-9)
    spot_usd = gpu_mw / 1.25 * G * spot
    per_hour = spot_usd + fleet_mw * v_mine - 4.0 * price
    assert res.objective_usd == pytest.approx(2 * per_hour, rel=1e-9)
    assert res.summary["assets"]["gpus"]["spot_gpu_h"] == pytest.approx(
        2 * gpu_mw / 1.25 * G
    )


# ---- inference flexibility ----------------------------------------------------------
SPIKE = [10.0, 900.0, 1000.0, 1100.0, 1050.0, 950.0, 10.0, 10.0]


def inference(**kw: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "load_frac": 1.0,
        "revenue_usd_per_gpu_h": 0.5,
        "flex_frac": 0.25,
        "max_event_h": 3.0,
        "max_events_per_month": 4.0,
    }
    entry.update(kw)
    return entry


@pytest.mark.parametrize(
    ("events", "reduced"),
    [
        # 5 spike hours, no 4 in a row: the LP skips hour 2, the cheapest of the
        # middle three (hours 1..5 are worth 900, 1000, 1100, 1050, 950).
        (4.0, [0, 1, 0, 1, 1, 1, 0, 0]),
        # one 3-h event per month = 0.75 MWh: the three dearest hours 2, 3, 4.
        (1.0, [0, 0, 1, 1, 1, 0, 0, 0]),
    ],
)
def test_inference_reduction_respects_event_length_and_monthly_limit(
    solve_small, events, reduced
):
    # 1 MW inference at 0.5 USD/GPU-h = 392 USD/IT MWh = 327 USD per facility MWh,
    # so every spike hour (>= 900) is worth reducing by the allowed 25 % (0.25 MW).
    assets = [cluster(inference=inference(max_events_per_month=events))]
    res = solve_cluster(solve_small, prices=SPIKE, assets=assets)
    d = col(res, "gpus.inference_reduction_it_power_mw")
    expected_d = 0.25 * np.array(reduced, dtype=float)
    np.testing.assert_allclose(d, expected_d, atol=1e-9)
    np.testing.assert_allclose(
        col(res, "gpus.inference_it_power_mw"), 1.0 - expected_d, atol=1e-9
    )
    # invariant: no 4 consecutive hours reduced by more than 3 full-depth hours
    assert np.convolve(d, np.ones(4), "valid").max() <= 0.75 + 1e-9
    served_mwh = 8.0 - expected_d.sum()
    saved_energy = 1.2 * float(expected_d @ np.array(SPIKE))
    expected = served_mwh * G * 0.5 - 1.2 * sum(SPIKE) + saved_energy
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    kpis = res.summary["assets"]["gpus"]
    assert kpis["inference_reduction_h"] == pytest.approx(sum(reduced))
    assert kpis["inference_reduction_full_depth_h"] == pytest.approx(sum(reduced))
    assert kpis["inference_served_gpu_h"] == pytest.approx(served_mwh * G)


@pytest.mark.parametrize("direct_max", [8, 100])
@pytest.mark.parametrize(
    ("events", "reduced"),
    [
        # 15-min steps: no 13 quarters in a row (3 h + one step) fully reduced. The
        # 20 spike quarters 4..23 need one gap inside every 13-quarter run, i.e. at
        # quarter 11..16; the cheapest of those is quarter 11 (hour 2, 1000).
        (4.0, [q for q in range(4, 24) if q != 11]),
        # one 3-h event per month: the 12 dearest quarters, hours 2-4 (8..19).
        (1.0, list(range(8, 20))),
    ],
)
def test_inference_event_length_on_quarter_hours(
    solve_small, monkeypatch, direct_max, events, reduced
):
    # direct_max 8: windows of 13 intervals use the running-sum form; 100: one row
    # of 13 terms per window. Both must give the same optimum.
    monkeypatch.setattr(compute, "DIRECT_WINDOW_MAX", direct_max)
    prices = np.repeat(SPIKE, 4)
    assets = [cluster(inference=inference(max_events_per_month=events))]
    res = solve_cluster(solve_small, prices=prices, assets=assets, timestep_min=15)
    expected_d = np.zeros(32)
    expected_d[reduced] = 0.25
    d = col(res, "gpus.inference_reduction_it_power_mw")
    np.testing.assert_allclose(d, expected_d, atol=1e-9)
    served_mwh = float((1.0 - expected_d).sum()) * 0.25
    energy_usd = 1.2 * float(prices @ (1.0 - expected_d)) * 0.25
    assert res.objective_usd == pytest.approx(served_mwh * G * 0.5 - energy_usd)
    kpis = res.summary["assets"]["gpus"]
    assert kpis["inference_reduction_full_depth_h"] == pytest.approx(len(reduced) / 4)


def test_short_event_limit_averages_reduction_within_the_hour(solve_small):
    # max_event_h 0.5 on hourly steps: at most 0.5 h × 0.25 MW = 0.125 MWh in any
    # hour (mean 0.125 MW), and no two consecutive hours reduced together.
    assets = [cluster(inference=inference(max_event_h=0.5, max_events_per_month=10))]
    prices = [10.0, 1000.0, 1000.0, 10.0]
    res = solve_cluster(solve_small, prices=prices, assets=assets)
    d = col(res, "gpus.inference_reduction_it_power_mw")
    assert d.max() <= 0.125 + 1e-9
    assert np.convolve(d, np.ones(2), "valid").max() <= 0.125 + 1e-9
    assert d.sum() == pytest.approx(0.125)


@pytest.mark.parametrize(
    ("timezone", "reduced"),
    [
        ("UTC", [1, 0, 0, 0, 0, 1]),  # 22:00 UTC 30 June and 03:00 UTC 1 July
        ("America/Chicago", [0, 0, 0, 0, 0, 1]),  # all 30 June in Chicago
    ],
)
def test_monthly_limit_follows_calendar_months_of_the_horizon_timezone(
    solve_small, timezone, reduced
):
    # One 1-h event per month: a spike in each of two months can both be reduced,
    # but if both hours fall in the same local month only the dearer one is.
    assets = [cluster(inference=inference(max_event_h=1.0, max_events_per_month=1))]
    prices = [1000.0, 10.0, 10.0, 10.0, 10.0, 1100.0]
    res = solve_cluster(
        solve_small,
        prices=prices,
        assets=assets,
        start="2024-06-30T22:00:00+00:00",
        horizon={"timezone": timezone},
    )
    np.testing.assert_allclose(
        col(res, "gpus.inference_reduction_it_power_mw"),
        0.25 * np.array(reduced, dtype=float),
        atol=1e-9,
    )


# ---- metamorphic and scaling ------------------------------------------------------
def test_more_gpus_with_positive_margin_never_lower_profit(solve_small):
    # Prices up to 200 USD/MWh; every GPU use is worth >= 1.0 × G / 1.3 = 603 USD per
    # facility MWh, so each added node can only add profit.
    rng = np.random.default_rng(11)
    prices = rng.uniform(0.0, 200.0, 24)
    jobs = [
        job(
            release="2024-06-03T03:00:00",
            deadline="2024-06-03T20:00:00",
            work_gpu_h=500.0,
            revenue_usd_per_gpu_h=3.0,
        )
    ]

    def profit(count: int) -> float:
        entry = cluster(
            it_power_mw=None,
            count=count,
            pue=1.3,
            availability_frac=0.95,
            idle_power_frac=0.2,
            spot_usd_per_gpu_h=1.5,
            training_jobs=jobs,
            inference=inference(revenue_usd_per_gpu_h=1.0, load_frac=0.3),
        )
        return solve_cluster(solve_small, prices=prices, assets=[entry]).objective_usd

    profits = [profit(n) for n in (10, 11, 14)]
    assert profits[0] < profits[1] < profits[2]


@pytest.mark.parametrize("pue", [1.0, 1.5])
def test_pue_and_idle_draw_scale_the_grid_draw(solve_small, pue):
    # idle_power_frac 0.1: idle hours draw 0.1 MW IT; the job (hours 2 and 4, as in
    # the first test: the 0.9 MW it adds is still cheapest there) draws 1 MW IT.
    # The grid sees PUE × IT power in every interval.
    assets = [
        cluster(
            pue=pue,
            idle_power_frac=0.1,
            training_jobs=[job(revenue_usd_per_gpu_h=2.0)],
        )
    ]
    res = solve_cluster(solve_small, assets=assets)
    it = np.array([0.1, 0.1, 1.0, 0.1, 1.0, 0.1])
    np.testing.assert_allclose(col(res, "gpus.it_power_mw"), it, atol=1e-9)
    np.testing.assert_allclose(col(res, "site.grid_import_mw"), pue * it, atol=1e-9)
    np.testing.assert_allclose(
        col(res, "gpus.power_mw"), pue * col(res, "gpus.it_power_mw"), atol=1e-12
    )
    assert res.objective_usd == pytest.approx(
        2 * G * 2.0 - pue * float(it @ np.array(PRICES)), rel=1e-9
    )


def test_availability_and_node_count_set_the_it_power(solve_small):
    # 10 nodes × 10.2 kW × 0.9 = 91.8 kW = 72 GPUs at full power; spot all day.
    entry = cluster(
        it_power_mw=None, count=10, availability_frac=0.9, spot_usd_per_gpu_h=2.0
    )
    res = solve_cluster(solve_small, assets=[entry])
    kpis = res.summary["assets"]["gpus"]
    assert kpis["available_it_power_mw"] == pytest.approx(0.0918)
    assert kpis["gpus_available_count"] == pytest.approx(72.0)
    assert kpis["spot_gpu_h"] == pytest.approx(72.0 * 6)
    np.testing.assert_allclose(col(res, "gpus.power_mw"), 0.0918 * 1.2, atol=1e-12)


def test_flex_headroom_and_heat(solve_small):
    # The headroom offered to grid programs is (jobs above their floors + spot +
    # inference cut still unused) × PUE; heat is the IT power.
    sc = small_scenario(
        [50.0, 50.0],
        [
            cluster(
                spot_usd_per_gpu_h=0.01,  # 6.5 USD/MWh: never worth 50
                training_jobs=[
                    job(
                        release="2024-06-03T00:00:00",
                        deadline="2024-06-03T02:00:00",
                        work_gpu_h=1.2 * G,
                        min_power_frac=0.5,
                        revenue_usd_per_gpu_h=2.0,
                    )
                ],
                inference=inference(
                    load_frac=0.4, max_event_h=2.0, revenue_usd_per_gpu_h=0.0
                ),
            )
        ],
        hashprice_usd_per_ths_day=None,
    )
    site = build_model(prepare_inputs(sc))
    x = solve(site).layer_x(site.layer)
    terms = site.assets["gpus"]
    it = terms.heat_mwth.value(x)
    # Job: floor 0.5 in both hours + 0.2·G more: 0.6 MW each hour (split may vary,
    # sum fixed); inference 0.4 MW is worth 0 and costs 50 → cut 0.1 MW both hours.
    np.testing.assert_allclose(it.sum(), 1.2 + 2 * 0.3, atol=1e-9)
    np.testing.assert_allclose(terms.net_load_mw.value(x), 1.2 * it, atol=1e-12)
    down = terms.flex_down_mw.value(x)
    # sheddable = (job − 0.5 floor) + 0 spot + (0.1 − 0.1 cut) = 0.2 MWh over 2 h
    np.testing.assert_allclose(down.sum(), 1.2 * 0.2, atol=1e-9)
    # With spot priced every idle MW can be used: the load it could add is all the
    # idle capacity, PUE × (P − busy) (idle_power_frac 0).
    np.testing.assert_allclose(terms.flex_up_mw.value(x), 1.2 - 1.2 * it, atol=1e-12)
    assert terms.cooling == "air"


def test_flex_up_is_only_the_load_the_workloads_can_add(solve_small):
    # No spot. Job a runs at up to 0.5 MW in hours 1-4; inference 0.4 MW may drop
    # by 0.1 MW. What the cluster can add is the job's room under its ceiling (in
    # its window) + the inference reduction it can restore, capped at the idle
    # capacity P − busy; never the 0.1 MW (in the window) or 0.6 MW (outside) that
    # nothing can use. idle_power_frac 0.2 and PUE 1.2 scale it by 0.8 × 1.2.
    sc = small_scenario(
        PRICES,
        [
            cluster(
                idle_power_frac=0.2,
                training_jobs=[
                    job(
                        work_gpu_h=1.2 * G,
                        max_power_frac=0.5,
                        revenue_usd_per_gpu_h=2.0,
                    )
                ],
                inference=inference(
                    load_frac=0.4, max_event_h=2.0, revenue_usd_per_gpu_h=0.0
                ),
            )
        ],
        hashprice_usd_per_ths_day=None,
    )
    site = build_model(prepare_inputs(sc))
    x = solve(site).layer_x(site.layer)
    terms = site.assets["gpus"]
    values = {q.name: q.expr.value(x) for q in terms.outputs}
    job_x = values["job_a_it_power_mw"]
    d = values["inference_reduction_it_power_mw"]
    busy = values["busy_it_power_mw"]
    ceiling = 0.5 * np.array([0.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    room = np.minimum((ceiling - job_x) + d, 1.0 - busy)
    up = terms.flex_up_mw.value(x)
    np.testing.assert_allclose(up, 1.2 * 0.8 * room, atol=1e-9)
    # Outside the job's window only the restorable inference reduction counts.
    np.testing.assert_allclose(up[[0, 5]], 1.2 * 0.8 * d[[0, 5]], atol=1e-9)
    assert (up < 1.2 * 0.8 * (1.0 - busy) - 0.09).all()


@pytest.mark.parametrize(("price", "cut_mw"), [(10.0, 0.0), (500.0, 0.75)])
def test_inference_only_cluster_sells_no_reg_down_it_cannot_deliver(
    solve_small, price, cut_mw
):
    # 6 MW IT cluster serving 3 MW of must-serve inference (worth 0.5 USD/GPU-h =
    # 392 USD per IT MWh), no jobs, no spot: the 3 MW of idle capacity can take no
    # load, so none of it may be sold as reg-down. The only load it can add is
    # inference it has cut and can restore (at most 0.25 × 3 = 0.75 MW IT). Cutting
    # 1 MW IT loses 392 − 1.2 × 30 = 356 USD/h and makes 1.2 MW of reg-down: not
    # worth it at 10 USD/MW/h (12 < 356), worth it at 500 (600 > 356).
    sc = small_scenario(
        [30.0, 30.0],
        [cluster(it_power_mw=6.0, inference=inference(load_frac=0.5))],
        hashprice_usd_per_ths_day=None,
        programs=[
            {
                "type": "ancillary_services",
                "gpu_clusters_allowed": ["gpus"],
                "services": [
                    {
                        "name": "reg_down",
                        "direction": "down",
                        "capacity_price_usd_per_mw_per_h": price,
                        "deployment_frac": 0.0,
                        "eligible_assets": ["gpus"],
                    }
                ],
            }
        ],
    )
    res = solve_small(sc)
    assert_balance_closes(res)
    ts = res.timeseries
    cut = col(res, "gpus.inference_reduction_it_power_mw")
    np.testing.assert_allclose(cut, cut_mw, atol=1e-9)
    offer = col(res, "ancillary_services.reg_down.gpus.offer_mw")
    np.testing.assert_allclose(offer, 1.2 * cut_mw, atol=1e-9)
    np.testing.assert_allclose(ts["gpus.power_mw"], 1.2 * (3.0 - cut_mw), atol=1e-9)


# ---- bad input ----------------------------------------------------------------------
def run_bad(solve_small, assets, **patch) -> str:
    with pytest.raises(ScenarioError) as exc:
        solve_small(
            small_scenario(PRICES, assets, hashprice_usd_per_ths_day=None, **patch)
        )
    return problems_of(exc)


@pytest.mark.parametrize(
    ("job_fields", "field", "words"),
    [
        (
            {"release": "2024-06-03T05:00:00", "deadline": "2024-06-03T01:00:00"},
            "assets[0].training_jobs[0].deadline: ",
            "must be after release",
        ),
        (
            {"min_power_frac": 0.6, "max_power_frac": 0.5},
            "assets[0].training_jobs[0].max_power_frac: ",
            "must not be below min_power_frac 0.6",
        ),
        (
            {"release": "2024-06-03T06:00:00", "deadline": "2024-06-03T09:00:00"},
            "assets.gpus.training_jobs[0].release: ",
            "at or after the horizon end 2024-06-03 06:00 UTC",
        ),
        (
            {"release": "2024-06-02T06:00:00", "deadline": "2024-06-03T00:00:00"},
            "assets.gpus.training_jobs[0].deadline: ",
            "at or before the horizon start 2024-06-03 00:00 UTC",
        ),
        (
            # 5 h of work in a 4 h window: 3921.57 GPU-h asked, 3137.25 possible
            {"work_gpu_h": 5 * G},
            "assets.gpus.training_jobs[0].work_gpu_h: ",
            "3921.57 GPU-h is more than the 3137.25 GPU-h",
        ),
        (
            {"work_gpu_h": None, "work_mwh": 4.5},
            "assets.gpus.training_jobs[0].work_mwh: ",
            "4.5 MWh is more than the 4 MWh",
        ),
        (
            # floor 0.5 MW × 4 h = 2 MWh = 1568.63 GPU-h > the 1.5·G asked
            {"work_gpu_h": 1.5 * G, "min_power_frac": 0.5},
            "assets.gpus.training_jobs[0].min_power_frac: ",
            "delivers 1568.63 GPU-h, more than its work of 1176.47 GPU-h",
        ),
    ],
)
def test_bad_job_input_names_the_field(solve_small, job_fields, field, words):
    text = run_bad(solve_small, [cluster(training_jobs=[job(**job_fields)])])
    assert any(p.startswith(field) and words in p for p in text.splitlines()), text


def test_work_check_accounts_for_the_inference_load(solve_small):
    # Inference 0.5 MW that may drop to 0.375 MW leaves 0.625 MW × 4 h = 2.5 MWh.
    assets = [
        cluster(
            training_jobs=[job(work_gpu_h=None, work_mwh=2.6)],
            inference=inference(load_frac=0.5),
        )
    ]
    text = run_bad(solve_small, assets)
    assert "training_jobs[0].work_mwh: 2.6 MWh is more than the 2.5 MWh" in text
    assert "inference load at its deepest (0.375 MW)" in text
    # 2.5 MWh exactly is allowed (and solves)
    ok = [
        cluster(
            training_jobs=[job(work_gpu_h=None, work_mwh=2.5)],
            inference=inference(load_frac=0.5),
        )
    ]
    solve_cluster(solve_small, assets=ok)


def test_floors_that_do_not_fit_beside_inference_are_flagged(solve_small):
    jobs = [
        job(id="a", work_gpu_h=2 * G, min_power_frac=0.4),
        job(id="b", work_gpu_h=2 * G, min_power_frac=0.4),
    ]
    assets = [cluster(training_jobs=jobs, inference=inference(load_frac=0.3))]
    text = run_bad(solve_small, assets)
    assert text.startswith("assets.gpus.training_jobs: at 2024-06-03 01:00 UTC"), text
    assert "job(s) a, b need 0.8 MW" in text
    assert "inference load of 0.3 MW" in text


def test_job_time_missing_in_the_horizon_timezone_is_flagged(solve_small):
    # 02:30 on 10 March 2024 does not exist in Chicago (clocks jump 02:00 → 03:00).
    assets = [
        cluster(
            training_jobs=[
                job(release="2024-03-10T02:30:00", deadline="2024-03-10T05:00:00")
            ]
        )
    ]
    text = run_bad(
        solve_small,
        assets,
        start="2024-03-10T06:00:00+00:00",
        horizon={"timezone": "America/Chicago"},
    )
    assert text.startswith("assets.gpus.training_jobs[0].release: 2024-03-10 02:30")
    assert "does not exist or is ambiguous in America/Chicago" in text


@pytest.mark.parametrize("direct_max", [1, 8])  # running-sum and direct rows
def test_inference_held_as_reserve_obeys_the_event_limits(
    solve_small, monkeypatch, direct_max
):
    # Inference 1 MW IT, flex 25 %, one 2-h event a month: 2 × 0.25 = 0.5 IT MWh
    # of reduction a month. Reg-up pays 100 USD/MW/h (facility MW = 1.2 × IT MW);
    # energy at 10 USD/MWh, never worth reducing for (inference earns 392/IT MWh).
    # A held MW is an event that may be called, so Σ held ≤ 0.5 IT MWh and no 3
    # consecutive hours hold more than 0.5: revenue 100 × 1.2 × 0.5 = 60. Before,
    # 0.3 MW was sold in all 6 hours (180 USD, three times the allowance).
    monkeypatch.setattr(compute, "DIRECT_WINDOW_MAX", direct_max)
    prices = [10.0] * 6
    assets = [cluster(inference=inference(max_event_h=2.0, max_events_per_month=1.0))]
    reg_up = {
        "type": "ancillary_services",
        "gpu_clusters_allowed": ["gpus"],
        "services": [
            {
                "name": "reg_up",
                "direction": "up",
                "capacity_price_usd_per_mw_per_h": 100.0,
                "deployment_frac": 0.0,
                "min_duration_h": 0.0,
                "eligible_assets": ["gpus"],
            }
        ],
    }
    res = solve_cluster(solve_small, prices=prices, assets=assets, programs=[reg_up])
    offer = col(res, "ancillary_services.reg_up.gpus.offer_mw")
    held_it = offer / 1.2
    assert held_it.sum() == pytest.approx(0.5)
    assert np.convolve(held_it, np.ones(3), "valid").max() <= 0.5 + 1e-9
    assert res.summary["programs"]["ancillary_services"][
        "capacity_revenue_usd"
    ] == pytest.approx(60.0)
    expected = 6 * G * 0.5 - 1.2 * 6 * 10.0 + 60.0
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
