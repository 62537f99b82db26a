"""Ancillary services: optima worked out by hand, stacking and eligibility errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError
from grid_flex.inputs import prepare_inputs
from grid_flex.io.scenario import scenario_from_dict
from grid_flex.resources import data_dir
from grid_flex.schema.scenario import scenario_source
from grid_flex.testing import (
    assert_balance_closes,
    hand_battery,
    s21_fleet,
    small_scenario,
)
from grid_flex.validation import check_scenario

pytestmark = pytest.mark.solver

#: Hashing value of an S21 at hashprice 0.05 with no pool fee: 119.0476 USD/MWh.
V = mining_value_usd_per_mwh(0.05, 17.5, 0.0)
P = 3.5  # 1000 S21 at 3,500 W, fully available [MW]
AS = "ancillary_services"


def fleet(**kw: Any) -> dict[str, Any]:
    return s21_fleet(**{"count": 1000, **kw})


battery = hand_battery  # 1 MW / 4 MWh, 0.9 each way, starts empty


def service(**kw: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": "reg_up",
        "direction": "up",
        "capacity_price_usd_per_mw_per_h": 12.0,
        "deployment_frac": 0.0,
        "eligible_assets": ["fleet"],
    }
    entry.update(kw)
    return entry


def reserves(*services: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"type": AS, "services": list(services), **kw}


def test_reserve_revenue_equals_price_times_offered_headroom(solve_small):
    # Hashing (119.05 USD/MWh) beats both prices: the fleet runs at 3.5 MW and, with
    # nothing to lose by being ready to stop, offers all of it as up-reserve.
    # Half-hour intervals: revenue = 12 USD/MW/h × 3.5 MW × 0.5 h = 21 per interval.
    prices = [30.0, 60.0]
    sc = small_scenario(
        prices, [fleet()], timestep_min=30, programs=[reserves(service())]
    )
    res = solve_small(sc)
    ts = res.timeseries
    np.testing.assert_allclose(ts[f"{AS}.reg_up.fleet.offer_mw"], P, atol=1e-9)
    np.testing.assert_allclose(ts[f"{AS}.reg_up.revenue_usd"], 21.0, rtol=1e-12)
    kpis = res.summary["programs"][AS]
    assert kpis["capacity_revenue_usd"] == pytest.approx(42.0)
    assert kpis["reg_up.offered_mw_mean"] == pytest.approx(P)
    assert kpis["reg_up.offered_mwh"] == pytest.approx(P * 1.0)
    expected = sum((V - p) * P * 0.5 for p in prices) + 42.0
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    assert_balance_closes(res)


@pytest.mark.parametrize(("price", "offer"), [(20.0, 0.0), (40.0, P)])
def test_expected_deployment_cost_decides_the_offer(solve_small, price, offer):
    # Each MW-h offered is expected to be called 0.3 MWh, which stops hashing worth
    # V and saves the 30 USD/MWh energy: cost 0.3 × (119.05 − 30) = 26.71 USD per
    # MW-h. A 20 USD/MW/h price does not cover it, 40 does.
    sc = small_scenario(
        [30.0],
        [fleet()],
        programs=[
            reserves(
                service(capacity_price_usd_per_mw_per_h=price, deployment_frac=0.3)
            )
        ],
    )
    res = solve_small(sc)
    ts = res.timeseries
    assert ts[f"{AS}.reg_up.fleet.offer_mw"].iloc[0] == pytest.approx(offer, abs=1e-9)
    unit_cost = 0.3 * (V - 30.0)
    kpis = res.summary["programs"][AS]
    assert kpis["deployment_cost_usd"] == pytest.approx(unit_cost * offer, abs=1e-9)
    assert kpis["deployed_mwh"] == pytest.approx(0.3 * offer, abs=1e-12)
    expected = (V - 30.0) * P + max(0.0, price - unit_cost) * P
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)


def test_declared_deployment_value_replaces_the_derived_one(solve_small):
    # Declaring the fleet's energy worth 50 USD/MWh: cost 0.3 × (50 − 30) = 6 USD per
    # MW-h, so a 20 USD/MW/h price is now worth offering (it was not above).
    sc = small_scenario(
        [30.0],
        [fleet()],
        programs=[
            reserves(
                service(capacity_price_usd_per_mw_per_h=20.0, deployment_frac=0.3),
                deployment_value_usd_per_mwh={"fleet": 50.0},
            )
        ],
    )
    res = solve_small(sc)
    assert res.timeseries[f"{AS}.reg_up.fleet.offer_mw"].iloc[0] == pytest.approx(P)
    assert res.summary["programs"][AS]["deployment_cost_usd"] == pytest.approx(6 * P)
    assert res.objective_usd == pytest.approx((V - 30.0) * P + (20 - 6) * P)


def test_down_reserve_sells_the_room_above_the_fleet_power(solve_small):
    # At 150 USD/MWh hashing loses 30.95 USD/MWh, so the fleet is off and can offer
    # its whole 3.5 MW as load increase. Deployment (0.3 MWh per MW-h) then runs it at
    # that loss: 0.3 × 30.95 = 9.286 USD per MW-h, below the 10 USD/MW/h price.
    sc = small_scenario(
        [150.0],
        [fleet()],
        programs=[
            reserves(
                service(
                    name="reg_down",
                    direction="down",
                    capacity_price_usd_per_mw_per_h=10.0,
                    deployment_frac=0.3,
                )
            )
        ],
    )
    res = solve_small(sc)
    ts = res.timeseries
    assert ts["fleet.power_mw"].iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert ts[f"{AS}.reg_down.fleet.offer_mw"].iloc[0] == pytest.approx(P)
    assert res.objective_usd == pytest.approx(P * (10.0 - 0.3 * (150.0 - V)))


def test_up_reserve_and_capacity_demand_response_never_sell_the_same_mw(
    solve_small,
):
    # The fleet holds 2 MW for a capacity DR program (no event: prices never pass
    # 1000), so only 1.5 MW is left for reg-up. At 150 USD/MWh hashing loses
    # 30.95/MWh, but the commitment keeps at least 2 MW running; running x MW earns
    # −30.95·x + 40·(x − 2), increasing in x, so the fleet runs at 3.5 MW.
    prices = [150.0, 150.0, 150.0]
    dr = {
        "type": "demand_response",
        "id": "dr",
        "events": {"price_above_usd_per_mwh": 1000.0},
        "committed_mw": 2.0,
        "baseline": "import_limit",
        "capacity": {"assets": ["fleet"]},
    }
    sc = small_scenario(
        prices,
        [fleet()],
        programs=[reserves(service(capacity_price_usd_per_mw_per_h=40.0)), dr],
    )
    res = solve_small(sc)
    ts = res.timeseries
    offered = ts[f"{AS}.reg_up.fleet.offer_mw"] + ts["dr.fleet.held_mw"]
    assert (offered <= ts["fleet.power_mw"] + 1e-9).all()
    np.testing.assert_allclose(ts[f"{AS}.reg_up.fleet.offer_mw"], 1.5, atol=1e-9)
    np.testing.assert_allclose(ts["dr.fleet.held_mw"], 2.0, atol=1e-9)
    np.testing.assert_allclose(ts["fleet.power_mw"], P, atol=1e-9)
    assert res.objective_usd == pytest.approx(3 * (P * (V - 150.0) + 40 * 1.5))
    # Without the DR commitment the fleet stays off, and offers nothing (it would
    # have to run to be able to stop).
    alone = solve_small(
        small_scenario(
            prices,
            [fleet()],
            programs=[reserves(service(capacity_price_usd_per_mw_per_h=20.0))],
        )
    )
    np.testing.assert_allclose(alone.timeseries["fleet.power_mw"], 0.0, atol=1e-9)
    assert alone.objective_usd == pytest.approx(0.0, abs=1e-9)


def test_battery_up_reserve_holds_the_energy_for_its_duration(solve_small):
    # Empty 1 MW / 4 MWh battery. Interval 0: energy at 10, reg-up worth nothing;
    # interval 1: reg-up at 100 USD/MW/h for 2 h. An offer o needs o·2/0.9 MWh stored
    # at the start of interval 1: charging 1 MW in interval 0 stores 0.9 MWh, so
    # o = 0.9·0.9/2 = 0.405 MW, worth 40.5 for 10 of energy (each MW charged brings
    # 40.5 > 10, so it charges fully). The site has no load, so a reduction can only
    # be delivered by exporting: the connection allows 1 MW of export (worth nothing
    # here, so the stored energy is kept for the reserve).
    sc = small_scenario(
        [10.0, 50.0],
        [battery()],
        hashprice_usd_per_ths_day=None,
        site={"export_limit_mw": 1.0},
        energy={"export_price_frac": 0.0},
        programs=[
            reserves(
                service(
                    eligible_assets=["bess"],
                    capacity_price_usd_per_mw_per_h=None,
                    capacity_price={
                        "format": "inline",
                        "unit": "usd_per_mw_per_h",
                        "values": [0.0, 100.0],
                    },
                    min_duration_h=2.0,
                )
            )
        ],
    )
    res = solve_small(sc)
    ts = res.timeseries
    assert ts[f"{AS}.reg_up.bess.offer_mw"].iloc[1] == pytest.approx(0.405)
    assert ts["bess.charge_mw"].iloc[0] == pytest.approx(1.0)
    assert res.objective_usd == pytest.approx(40.5 - 10.0)
    start = np.concatenate(([0.0], ts["bess.soc_mwh"].to_numpy()[:-1]))
    held = ts[f"{AS}.reg_up.bess.offer_mw"].to_numpy() * 2.0 / 0.9
    assert (start >= held - 1e-9).all()


def test_battery_down_reserve_keeps_room_to_absorb(solve_small):
    # Full battery (4 MWh), exports allowed. Interval 0: sell 1 MW at 50, leaving
    # 4 − 1/0.9 = 2.889 MWh. Interval 1: reg-down at 100 for 2 h needs o·2·0.9 MWh
    # of room at the interval start: o = (1/0.9)/1.8 = 0.617 MW; the battery also
    # sells another 1 MW at 10 (its end state only gains room).
    sc = small_scenario(
        [50.0, 10.0],
        [battery(initial_soc_frac=1.0)],
        hashprice_usd_per_ths_day=None,
        site={"import_limit_mw": 10.0, "export_limit_mw": 10.0},
        programs=[
            reserves(
                service(
                    name="reg_down",
                    direction="down",
                    eligible_assets=["bess"],
                    capacity_price_usd_per_mw_per_h=None,
                    capacity_price={
                        "format": "inline",
                        "unit": "usd_per_mw_per_h",
                        "values": [0.0, 100.0],
                    },
                    min_duration_h=2.0,
                )
            )
        ],
    )
    res = solve_small(sc)
    offer = (1 / 0.9) / 1.8
    ts = res.timeseries
    assert ts[f"{AS}.reg_down.bess.offer_mw"].iloc[1] == pytest.approx(offer)
    assert res.objective_usd == pytest.approx(50.0 + 100.0 * offer + 10.0)


def test_windows_and_max_offer_limit_the_offer(solve_small):
    sc = small_scenario(
        [30.0, 30.0, 30.0],
        [fleet()],
        programs=[
            reserves(service(windows={"recurring": [{"start_hour": 1, "end_hour": 2}]}))
        ],
    )
    offer = solve_small(sc).timeseries[f"{AS}.reg_up.fleet.offer_mw"]
    np.testing.assert_allclose(offer, [0.0, P, 0.0], atol=1e-9)
    capped = small_scenario(
        [30.0, 30.0], [fleet()], programs=[reserves(service(max_offer_mw=2.0))]
    )
    offer = solve_small(capped).timeseries[f"{AS}.reg_up.fleet.offer_mw"]
    np.testing.assert_allclose(offer, 2.0, atol=1e-9)


GPU = {
    "type": "gpu_cluster",
    "id": "gpu",
    "model": "compute/nvidia_hgx_h100",
    "count": 10,
    "spot_usd_per_gpu_h": 2.0,
}


def test_a_declared_gpu_cluster_may_offer(solve_small):
    sc = small_scenario(
        [30.0, 30.0],
        [fleet(), GPU],
        programs=[
            reserves(
                service(eligible_assets=["fleet", "gpu"]),
                gpu_clusters_allowed=["gpu"],
            )
        ],
    )
    ts = solve_small(sc).timeseries
    # With nothing lost by being ready (deployment_frac 0) every MW drawn is offered.
    total = ts[f"{AS}.reg_up.fleet.offer_mw"] + ts[f"{AS}.reg_up.gpu.offer_mw"]
    np.testing.assert_allclose(total, ts["site.flexible_down_mw"], rtol=1e-9)
    assert (ts[f"{AS}.reg_up.gpu.offer_mw"] > 0).all()


def test_ineligible_assets_are_named(solve_small):
    heat = {
        "type": "heat_recovery",
        "id": "heat",
        "sources": ["fleet"],
        "customers": [
            {
                "id": "town",
                "supply_temp_degc": 40.0,
                "demand": {"format": "inline", "unit": "mwth", "values": [1.0]},
            }
        ],
    }
    sc = small_scenario(
        [30.0],
        [fleet(), heat, GPU],
        programs=[
            reserves(
                service(eligible_assets=["fleet", "heat", "gpu", "ghost"]),
                gpu_clusters_allowed=["fleet"],
            )
        ],
    )
    with pytest.raises(ScenarioError) as info:
        solve_small(sc)
    msg = str(info.value)
    field = f"programs.{AS}.services[0].eligible_assets"
    assert f"{field}[1]: 'heat' (heat_recovery) has no controllable load" in msg
    assert f"{field}[2]: 'gpu' is a GPU cluster not declared eligible" in msg
    assert f"programs.{AS}.gpu_clusters_allowed" in msg
    assert f"{field}[3]: 'ghost' is not an asset of this scenario" in msg
    assert f"programs.{AS}.gpu_clusters_allowed[0]: 'fleet'" in msg
    assert "not a GPU cluster" in msg


HEAT = {
    "type": "heat_recovery",
    "id": "heat",
    "sources": ["fleet"],
    "customers": [
        {
            "id": "town",
            "supply_temp_degc": 40.0,
            "demand": {"format": "inline", "unit": "mwth", "values": [1.0]},
        }
    ],
}
#: A capacity-price series the data-free check does not read (the file is absent).
UNREAD_PRICE = {
    "format": "csv",
    "file": "not_there.csv",
    "time_column": "time",
    "value_column": "price",
    "unit": "usd_per_mw_per_h",
    "time_convention": "start",
    "timezone": "UTC",
}


@pytest.mark.parametrize(
    ("patch", "gpu_allowed", "words"),
    [
        (
            {"eligible_assets": ["fleet", "ghost"]},
            [],
            r"services\[0\]\.eligible_assets\[1\]: 'ghost' is not an asset of this "
            r"scenario \(assets: fleet, heat, gpu\)",
        ),
        (
            {"eligible_assets": ["heat"]},
            [],
            r"services\[0\]\.eligible_assets\[0\]: 'heat' \(heat_recovery\) has no "
            r"controllable load it could reduce",
        ),
        (
            {"eligible_assets": ["heat"], "direction": "down"},
            [],
            r"'heat' \(heat_recovery\) has no controllable load it could increase "
            r"\(flex_up_mw not declared\)",
        ),
        (
            {"eligible_assets": ["gpu"]},
            [],
            r"services\[0\]\.eligible_assets\[0\]: 'gpu' is a GPU cluster not "
            r"declared eligible; add it to programs\.ancillary_services\."
            r"gpu_clusters_allowed",
        ),
        (
            {},
            ["fleet"],
            r"gpu_clusters_allowed\[0\]: 'fleet' is an asset of type asic_fleet, not "
            r"a GPU cluster",
        ),
    ],
    ids=["unknown", "no_flex_up", "no_flex_down", "gpu_not_opted_in", "not_a_gpu"],
)
def test_data_free_check_refuses_unknown_and_ineligible_assets(
    patch, gpu_allowed, words
):
    # The price is a series check_scenario does not read: the assets are checked
    # before it, so the data-free check (grid-flex validate --no-data) still finds
    # these mistakes.
    svc = service(capacity_price_usd_per_mw_per_h=None, capacity_price=UNREAD_PRICE)
    sc = small_scenario(
        [30.0],
        [fleet(), HEAT, GPU],
        programs=[reserves({**svc, **patch}, gpu_clusters_allowed=gpu_allowed)],
    )
    with pytest.raises(ScenarioError, match=words) as info:
        check_scenario(sc)
    assert info.value.source == scenario_source(sc)


def test_data_free_check_accepts_eligible_assets():
    svc = service(
        capacity_price_usd_per_mw_per_h=None,
        capacity_price=UNREAD_PRICE,
        eligible_assets=["fleet", "gpu"],
    )
    sc = small_scenario(
        [30.0],
        [fleet(), HEAT, GPU],
        programs=[reserves(svc, gpu_clusters_allowed=["gpu"])],
    )
    check_scenario(sc)  # the price needs data: skipped after the assets pass


def test_capacity_price_in_energy_units_is_refused():
    with pytest.raises(ScenarioError) as info:
        small_scenario(
            [30.0],
            [fleet()],
            programs=[
                reserves(
                    service(
                        capacity_price_usd_per_mw_per_h=None,
                        capacity_price={
                            "format": "inline",
                            "unit": "usd_per_mwh",
                            "values": [10.0],
                        },
                    )
                )
            ],
        )
    msg = str(info.value)
    assert "programs[0].services[0].capacity_price" in msg
    assert "usd_per_mw_per_h" in msg


def test_dervet_energy_column_is_refused_as_a_capacity_price():
    spec = {
        "format": "caiso_dervet",
        "file": "bundled:caiso_2020_da_energy_regup_regdn_dervet.csv",
        "column": "price",
    }
    with pytest.raises(ScenarioError, match=r"services\[0\]\.capacity_price"):
        small_scenario(
            [30.0],
            [fleet()],
            programs=[
                reserves(
                    service(capacity_price_usd_per_mw_per_h=None, capacity_price=spec)
                )
            ],
        )


def test_price_and_constant_together_are_refused():
    spec = {"format": "inline", "unit": "usd_per_mw_per_h", "values": [10.0]}
    with pytest.raises(ScenarioError, match="exactly one of"):
        small_scenario(
            [30.0], [fleet()], programs=[reserves(service(capacity_price=spec))]
        )


def test_service_window_outside_the_horizon_names_the_field(solve_small):
    window = {
        "periods": [
            {"start": "2030-01-01T00:00:00+00:00", "end": "2030-01-02T00:00:00+00:00"}
        ]
    }
    sc = small_scenario([30.0], [fleet()], programs=[reserves(service(windows=window))])
    with pytest.raises(ScenarioError, match=r"services\[0\]\.windows\.periods\[0\]"):
        solve_small(sc)


# ---- real data: CAISO 2020 regulation prices (DER-VET file) --------------------------
DERVET = "bundled:caiso_2020_da_energy_regup_regdn_dervet.csv"


def test_caiso_dervet_regulation_prices_load_and_solve(solve_small):
    sc = small_scenario(
        [0.0] * 24,
        [fleet(), battery(initial_soc_frac=0.5)],
        start="2020-07-01T00:00:00-08:00",
        programs=[
            reserves(
                service(
                    eligible_assets=["fleet", "bess"],
                    capacity_price_usd_per_mw_per_h=None,
                    capacity_price={
                        "format": "caiso_dervet",
                        "file": DERVET,
                        "column": "regup",
                    },
                    deployment_frac=0.3,
                ),
                service(
                    name="reg_down",
                    direction="down",
                    eligible_assets=["bess", "fleet"],
                    capacity_price_usd_per_mw_per_h=None,
                    capacity_price={
                        "format": "caiso_dervet",
                        "file": DERVET,
                        "column": "regdown",
                    },
                    deployment_frac=0.3,
                ),
            )
        ],
    )
    data = sc.model_dump(mode="json")
    data["energy"]["price"] = {"format": "caiso_dervet", "file": DERVET}
    res = solve_small(scenario_from_dict(data, source="caiso"))
    ts = res.timeseries
    # Prices as in the file (hour ending, fixed PST, $/kW per hour × 1000).
    raw = pd.read_csv(data_dir() / DERVET.removeprefix("bundled:"))
    first = raw.index[raw["Datetime (he)"] == "7/1/2020 1:00"][0]
    rows = raw.iloc[first : first + 24]
    np.testing.assert_allclose(
        ts[f"{AS}.reg_up.price_usd_per_mw_per_h"],
        rows["Reg Up Price ($/kW)"] * 1000,
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        ts[f"{AS}.reg_down.price_usd_per_mw_per_h"],
        rows["Reg Down Price ($/kW)"] * 1000,
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        ts["site.price_usd_per_mwh"], rows["DA Price ($/kWh)"] * 1000, rtol=1e-12
    )
    # Stacking on the solved table: up offers within what each asset can reduce,
    # down offers within what it can add.
    up_fleet = ts[f"{AS}.reg_up.fleet.offer_mw"]
    down_fleet = ts[f"{AS}.reg_down.fleet.offer_mw"]
    assert (up_fleet <= ts["fleet.power_mw"] + 1e-9).all()
    assert (down_fleet <= P - ts["fleet.power_mw"] + 1e-9).all()
    net = ts["bess.charge_mw"] - ts["bess.discharge_mw"]
    assert (ts[f"{AS}.reg_up.bess.offer_mw"] <= net + 1.0 + 1e-9).all()
    assert (ts[f"{AS}.reg_down.bess.offer_mw"] <= 1.0 - net + 1e-9).all()
    # The battery keeps one hour of each offer in store (η = 0.9 each way).
    soc = ts["bess.soc_mwh"].to_numpy()
    start = np.concatenate(([2.0], soc[:-1]))
    for level in (start, soc):
        assert (level >= ts[f"{AS}.reg_up.bess.offer_mw"] / 0.9 - 1e-9).all()
        assert (level + ts[f"{AS}.reg_down.bess.offer_mw"] * 0.9 <= 4 + 1e-9).all()
    kpis = res.summary["programs"][AS]
    revenue = (
        ts[f"{AS}.reg_up.price_usd_per_mw_per_h"]
        * (up_fleet + ts[f"{AS}.reg_up.bess.offer_mw"])
    ).sum() + (
        ts[f"{AS}.reg_down.price_usd_per_mw_per_h"]
        * (down_fleet + ts[f"{AS}.reg_down.bess.offer_mw"])
    ).sum()
    assert kpis["capacity_revenue_usd"] == pytest.approx(revenue, rel=1e-9)
    assert kpis["capacity_revenue_usd"] > 0
    assert_balance_closes(res)


def test_capacity_price_csv_in_kw_is_converted_and_eur_refused(tmp_path):
    path = tmp_path / "prices.csv"
    pd.DataFrame(
        {"time": ["2024-06-03 00:00", "2024-06-03 01:00"], "price": [10.0, 11.0]}
    ).to_csv(path, index=False)
    spec = {
        "format": "csv",
        "file": str(path),
        "time_column": "time",
        "value_column": "price",
        "unit": "usd_per_kw_per_h",
        "time_convention": "start",
        "timezone": "UTC",
    }
    sc = small_scenario(
        [30.0],
        [fleet()],
        programs=[
            reserves(service(capacity_price_usd_per_mw_per_h=None, capacity_price=spec))
        ],
    )
    inputs = prepare_inputs(sc)
    params = inputs.programs[0][1]
    # 10 USD/kW per hour = 10,000 USD/MW per hour.
    np.testing.assert_allclose(params.services[0].price_usd_per_mw_per_h, 10_000.0)
    with pytest.raises(ScenarioError, match=r"services\[0\]\.capacity_price"):
        small_scenario(
            [30.0],
            [fleet()],
            programs=[
                reserves(
                    service(
                        capacity_price_usd_per_mw_per_h=None,
                        capacity_price={**spec, "unit": "eur_per_mw_per_h"},
                    )
                )
            ],
        )


def test_down_reserve_must_fit_the_connection(solve_small):
    # 10 MW of S21 behind a 5 MW connection, energy cheap: the fleet runs at 5 MW and
    # the connection is full, so no load increase can be delivered, whatever the
    # fleet's own headroom (5 MW) and the reg-down price.
    fleet = {
        "type": "asic_fleet",
        "id": "fleet",
        "model": "asic/antminer_s21",
        "power_mw": 10.0,
        "availability_frac": 1.0,
    }
    sc = small_scenario(
        [20.0, 20.0],
        [fleet],
        site={"import_limit_mw": 5.0},
        programs=[
            {
                "type": "ancillary_services",
                "services": [
                    {
                        "name": "reg_down",
                        "direction": "down",
                        "capacity_price_usd_per_mw_per_h": 50.0,
                        "deployment_frac": 0.0,
                        "eligible_assets": ["fleet"],
                    }
                ],
            }
        ],
    )
    res = solve_small(sc)
    ts = res.timeseries
    offers = ts[[c for c in ts.columns if c.endswith("offer_mw")]].sum(axis=1)
    room = 5.0 - ts["site.grid_import_mw"]
    assert (offers <= room + 1e-9).all()
    # Trading 1 MW of mining (margin 116.7 - 20 = 96.7 USD/MWh) for 1 MW of reg-down
    # (50 USD/MW-h) does not pay, so the fleet stays at 5 MW and offers nothing.
    np.testing.assert_allclose(ts["fleet.power_mw"], 5.0, atol=1e-9)
    np.testing.assert_allclose(offers, 0.0, atol=1e-9)
    np.testing.assert_allclose(ts["site.flexible_up_mw"], 0.0, atol=1e-9)
