"""Demand response: event curtailment against a baseline, worked out by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError
from grid_flex.testing import assert_balance_closes, s21_fleet, small_scenario
from grid_flex.validation import check_scenario

pytestmark = pytest.mark.solver

#: Hashing value of an S21 at hashprice 0.05 with no pool fee: 119.0476 USD/MWh.
V = mining_value_usd_per_mwh(0.05, 17.5, 0.0)
HOUR_1 = {"start": "2024-06-03T01:00:00+00:00", "end": "2024-06-03T02:00:00+00:00"}


def fleet(**kw: Any) -> dict[str, Any]:
    return s21_fleet(**{"power_mw": 10.0, **kw})


def dr(**kw: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "demand_response",
        "id": "dr",
        "events": {"periods": [HOUR_1]},
        "committed_mw": 5.0,
        "baseline_mw": 10.0,
    }
    entry.update(kw)
    return entry


@pytest.mark.parametrize(
    ("payment", "penalty", "event_import"),
    [
        (0.0, 80.0, 10.0),  # hashing earns 89.05/MWh > 80 penalty: pay the shortfall
        (0.0, 100.0, 5.0),  # penalty above the hashing margin: curtail to 5 MW
        (10.0, 80.0, 5.0),  # 80 penalty + 10 payment = 90 > 89.05: curtail
    ],
)
def test_event_import_meets_the_commitment_unless_shortfall_is_cheaper(
    solve_small, payment, penalty, event_import
):
    # 10 MW fleet, 10 MW declared baseline, 5 MW committed in hour 1 (price 30).
    # Hashing margin: V − 30 = 89.05 USD/MWh.
    sc = small_scenario(
        [30.0, 30.0],
        [fleet()],
        programs=[dr(payment_usd_per_mwh=payment, penalty_usd_per_mwh=penalty)],
    )
    res = solve_small(sc)
    ts = res.timeseries
    imp = ts["site.grid_import_mw"].to_numpy()
    assert imp[0] == pytest.approx(10.0)
    assert imp[1] == pytest.approx(event_import)
    shortfall = event_import - 5.0
    assert ts["dr.shortfall_mw"].iloc[1] == pytest.approx(shortfall, abs=1e-9)
    assert ts["dr.curtailment_mw"].iloc[1] == pytest.approx(10.0 - event_import)
    margin = V - 30.0
    expected = (
        margin * 10.0
        + margin * event_import
        + payment * (5.0 - shortfall)
        - penalty * shortfall
    )
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    kpis = res.summary["programs"]["dr"]
    assert kpis["events"] == 1
    assert kpis["shortfall_mwh"] == pytest.approx(shortfall, abs=1e-9)
    assert kpis["penalties_usd"] == pytest.approx(penalty * shortfall, abs=1e-9)
    assert kpis["payments_usd"] == pytest.approx(payment * (5.0 - shortfall))
    assert_balance_closes(res)


def test_price_threshold_events_are_exactly_the_intervals_above_it(solve_small):
    prices = [20.0, 80.0, 90.0, 30.0, 120.0, 50.0]
    sc = small_scenario(
        prices,
        [fleet()],
        programs=[
            dr(
                events={"price_above_usd_per_mwh": 60.0},
                committed_mw=2.0,
                payment_usd_per_mw_per_event=7.0,
                penalty_usd_per_mwh=1000.0,
            )
        ],
    )
    res = solve_small(sc)
    ts = res.timeseries
    above = np.array(prices) > 60.0
    np.testing.assert_array_equal(ts["dr.event_frac"].to_numpy() == 1.0, above)
    kpis = res.summary["programs"]["dr"]
    # Intervals 1-2 are one event (consecutive), interval 4 another.
    assert kpis["events"] == 2
    assert kpis["event_hours_h"] == pytest.approx(3.0)
    # Paid per MW committed per event: 7 × 2 MW × 2 events.
    assert kpis["payments_usd"] == pytest.approx(28.0)
    assert (ts["site.grid_import_mw"][above] <= 8.0 + 1e-9).all()


def test_pre_event_mean_baseline_is_the_mean_draw_before_the_event(solve_small):
    # Fleet of 3.5 MW; the event is hour 3, its baseline the mean import of hours
    # 0-2. Hour 1 costs 200 > V, so the fleet is off: baseline (3.5 + 0 + 3.5)/3 =
    # 2.333 MW, and the 1 MW commitment caps hour 3 at 1.333 MW. Running in hour 1
    # to raise the baseline would lose 80.95/MWh to gain 89.05/3 = 29.7: it does not.
    sc = small_scenario(
        [30.0, 200.0, 30.0, 30.0],
        [fleet(power_mw=3.5)],
        programs=[
            dr(
                events={
                    "periods": [
                        {
                            "start": "2024-06-03T03:00:00+00:00",
                            "end": "2024-06-03T04:00:00+00:00",
                        }
                    ]
                },
                committed_mw=1.0,
                baseline="pre_event_mean",
                baseline_mw=None,
                baseline_window_h=3.0,
                penalty_usd_per_mwh=1000.0,
            )
        ],
    )
    res = solve_small(sc)
    ts = res.timeseries
    imp = ts["site.grid_import_mw"].to_numpy()
    assert ts["dr.baseline_mw"].iloc[3] == pytest.approx(imp[:3].mean())
    assert ts["dr.baseline_mw"].iloc[3] == pytest.approx(7.0 / 3.0)
    assert imp[3] == pytest.approx(7.0 / 3.0 - 1.0)
    margin = V - 30.0
    assert res.objective_usd == pytest.approx(margin * (3.5 * 2 + 4.0 / 3.0))


def test_a_computed_baseline_is_endogenous_and_can_be_gamed(solve_small):
    # As above but hour 1 costs 130: running there loses 10.95/MWh and raises the
    # event baseline by 1/3 MW per MW, worth 89.05/3 = 29.7 of hashing in hour 3. The
    # LP runs the fleet in hour 1 to inflate its own baseline (documented).
    sc = small_scenario(
        [30.0, 130.0, 30.0, 30.0],
        [fleet(power_mw=3.5)],
        programs=[
            dr(
                events={
                    "periods": [
                        {
                            "start": "2024-06-03T03:00:00+00:00",
                            "end": "2024-06-03T04:00:00+00:00",
                        }
                    ]
                },
                committed_mw=1.0,
                baseline="pre_event_mean",
                baseline_mw=None,
                baseline_window_h=3.0,
                penalty_usd_per_mwh=1000.0,
            )
        ],
    )
    res = solve_small(sc)
    imp = res.timeseries["site.grid_import_mw"].to_numpy()
    np.testing.assert_allclose(imp, [3.5, 3.5, 3.5, 2.5], atol=1e-9)
    expected = (V - 30.0) * (3.5 * 2 + 2.5) + (V - 130.0) * 3.5
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)


def test_import_limit_baseline(solve_small):
    # Baseline = the 8 MW connection: committing 5 MW caps the event hour at 3 MW.
    sc = small_scenario(
        [30.0, 30.0],
        [fleet()],
        site={"import_limit_mw": 8.0},
        programs=[
            dr(baseline="import_limit", baseline_mw=None, penalty_usd_per_mwh=500.0)
        ],
    )
    imp = solve_small(sc).timeseries["site.grid_import_mw"].to_numpy()
    np.testing.assert_allclose(imp, [8.0, 3.0], atol=1e-9)


@pytest.mark.parametrize(
    ("assets", "baseline_mw"),
    [
        ([fleet()], 10.0),  # the 10 MW fleet is all the site can draw
        # A battery's charging is not curtailable load: still 10 MW (was 11, paying
        # 1 MW of phantom curtailment).
        ([fleet(), "battery"], 10.0),
    ],
    ids=["fleet", "fleet_and_battery"],
)
def test_import_limit_baseline_is_capped_at_what_the_site_can_draw(
    solve_small, assets, baseline_mw
):
    # 30 MW connection, 10 MW fleet: the site can never draw 30 MW, so "curtailing"
    # from 30 is not delivered. The baseline is what it can draw at most (fleet +
    # battery charging power): a 5 MW commitment needs the event draw at or below
    # baseline − 5 MW, and nothing is paid without curtailing.
    battery = {
        "type": "battery",
        "id": "bess",
        "model": "battery/generic_lfp_4h_1mw",
        "count": 1,
        "initial_soc_frac": 0.5,
        "final_soc": "free",
    }
    sc = small_scenario(
        [30.0, 30.0],
        [battery if a == "battery" else a for a in assets],
        site={"import_limit_mw": 30.0},
        programs=[
            dr(
                baseline="import_limit",
                baseline_mw=None,
                payment_usd_per_mwh=10.0,
                penalty_usd_per_mwh=500.0,
            )
        ],
    )
    res = solve_small(sc)
    ts = res.timeseries
    assert ts["dr.baseline_mw"].iloc[1] == pytest.approx(baseline_mw)
    imp = ts["site.grid_import_mw"].to_numpy()
    assert imp[1] <= baseline_mw - 5.0 + 1e-9
    assert ts["dr.shortfall_mw"].iloc[1] == pytest.approx(0.0, abs=1e-9)
    assert ts["dr.curtailment_mw"].iloc[1] == pytest.approx(baseline_mw - imp[1])
    assert_balance_closes(res)


@pytest.mark.parametrize(
    ("penalty", "event_import", "paid"),
    [
        (100.0, 5.0, 7.0 * 5.0),  # curtails to 5 MW in both hours: full payment
        (0.0, 10.0, 0.0),  # keeps hashing at 10 MW: delivers nothing, paid nothing
    ],
)
def test_per_event_payment_is_paid_on_the_mean_delivery(
    solve_small, penalty, event_import, paid
):
    # A two-hour event (hours 1-2), 5 MW committed against a 10 MW baseline, 7 USD
    # per MW per event. Curtailing costs the hashing margin V − 30 = 89.05 USD/MWh,
    # 890 USD for the event; the per-event payment is at most 7 × 5 = 35 USD, so
    # only the penalty makes the site curtail. Without it the site delivers nothing
    # and earns nothing for the event.
    two_hours = {
        "start": "2024-06-03T01:00:00+00:00",
        "end": "2024-06-03T03:00:00+00:00",
    }
    sc = small_scenario(
        [30.0, 30.0, 30.0],
        [fleet()],
        programs=[
            dr(
                events={"periods": [two_hours]},
                payment_usd_per_mw_per_event=7.0,
                penalty_usd_per_mwh=penalty,
            )
        ],
    )
    res = solve_small(sc)
    ts = res.timeseries
    imp = ts["site.grid_import_mw"].to_numpy()
    np.testing.assert_allclose(imp, [10.0, event_import, event_import], atol=1e-9)
    kpis = res.summary["programs"]["dr"]
    assert kpis["payments_usd"] == pytest.approx(paid, abs=1e-9)
    shortfall = event_import - 5.0
    margin = V - 30.0
    expected = margin * (10.0 + 2 * event_import) + paid - penalty * 2 * shortfall
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)


def test_per_event_payment_scales_with_a_partial_delivery(solve_small):
    # Hour 1 of a two-hour event costs 200 (the fleet is off: 10 MW delivered, 5
    # counted), hour 2 costs 30 (the fleet runs: shortfall 5 MW, no penalty). Mean
    # shortfall 2.5 MW: the event pays 7 × (5 − 2.5) = 17.5 USD, not 7 × 5.
    two_hours = {
        "start": "2024-06-03T01:00:00+00:00",
        "end": "2024-06-03T03:00:00+00:00",
    }
    sc = small_scenario(
        [30.0, 200.0, 30.0],
        [fleet()],
        programs=[
            dr(events={"periods": [two_hours]}, payment_usd_per_mw_per_event=7.0)
        ],
    )
    res = solve_small(sc)
    ts = res.timeseries
    np.testing.assert_allclose(
        ts["site.grid_import_mw"].to_numpy(), [10.0, 0.0, 10.0], atol=1e-9
    )
    np.testing.assert_allclose(ts["dr.shortfall_mw"], [0.0, 0.0, 5.0], atol=1e-9)
    assert res.summary["programs"]["dr"]["payments_usd"] == pytest.approx(17.5)
    np.testing.assert_allclose(ts["dr.payment_usd"], [0.0, 17.5, 0.0], atol=1e-9)


def test_capacity_commitment_is_held_between_events_and_paid(solve_small):
    # 2 MW held on the fleet outside the event, paid 3 USD/MW/h over all 3 hours:
    # 3 × 2 × 3 = 18. In the event (hour 1) the fleet curtails to 10 − 2 = 8 MW.
    sc = small_scenario(
        [30.0, 30.0, 30.0],
        [fleet()],
        programs=[
            dr(
                committed_mw=2.0,
                penalty_usd_per_mwh=1000.0,
                capacity={"assets": ["fleet"], "price_usd_per_mw_per_h": 3.0},
            )
        ],
    )
    res = solve_small(sc)
    ts = res.timeseries
    np.testing.assert_allclose(ts["dr.fleet.held_mw"], [2.0, 0.0, 2.0], atol=1e-9)
    np.testing.assert_allclose(ts["fleet.power_mw"], [10.0, 8.0, 10.0], atol=1e-9)
    kpis = res.summary["programs"]["dr"]
    assert kpis["capacity_payment_usd"] == pytest.approx(18.0)
    assert res.objective_usd == pytest.approx((V - 30.0) * 28.0 + 18.0)


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"capacity": {"assets": ["ghost"]}}, r"programs\.dr\.capacity\.assets\[0\]"),
        (
            {"committed_mw": 12.0, "capacity": {"assets": ["fleet"]}},
            r"programs\.dr\.committed_mw: 12 MW cannot be held .* at most 10 MW",
        ),
    ],
)
def test_capacity_that_cannot_be_held_is_named(solve_small, patch, words):
    sc = small_scenario([30.0, 30.0], [fleet()], programs=[dr(**patch)])
    with pytest.raises(ScenarioError, match=words):
        solve_small(sc)


# ---- bad input ---------------------------------------------------------------------
def test_event_outside_the_horizon_names_the_field(solve_small):
    late = {"start": "2030-01-01T00:00:00+00:00", "end": "2030-01-01T02:00:00+00:00"}
    sc = small_scenario(
        [30.0, 30.0],
        [fleet()],
        programs=[dr(events={"periods": [HOUR_1, late]})],
    )
    with pytest.raises(ScenarioError) as info:
        solve_small(sc)
    msg = str(info.value)
    assert "programs.dr.events.periods[1]" in msg
    assert "outside the horizon" in msg


def test_computed_baseline_needs_intervals_before_the_event(solve_small):
    first = {"start": "2024-06-03T00:00:00+00:00", "end": "2024-06-03T01:00:00+00:00"}
    sc = small_scenario(
        [30.0, 30.0],
        [fleet()],
        programs=[
            dr(
                events={"periods": [first]},
                baseline="pre_event_mean",
                baseline_mw=None,
            )
        ],
    )
    with pytest.raises(ScenarioError, match=r"programs\.dr\.baseline_window_h"):
        solve_small(sc)


def test_two_programs_claiming_the_same_interval_are_refused(solve_small):
    both = {"start": "2024-06-03T00:00:00+00:00", "end": "2024-06-03T02:00:00+00:00"}
    sc = small_scenario(
        [30.0, 30.0, 30.0],
        [fleet()],
        programs=[
            dr(),
            dr(id="ers", events={"periods": [both]}, committed_mw=2.0),
        ],
    )
    with pytest.raises(ScenarioError) as info:
        solve_small(sc)
    msg = str(info.value)
    assert "programs.dr.events" in msg
    assert "programs.ers.events" in msg
    assert "2024-06-03 01:00 UTC" in msg


def test_events_and_an_exclusive_service_are_refused(solve_small):
    ecrs = {
        "name": "ecrs",
        "direction": "up",
        "capacity_price_usd_per_mw_per_h": 10.0,
        "deployment_frac": 0.0,
        "eligible_assets": ["fleet"],
        "exclusive": True,
    }
    reserves = {"type": "ancillary_services", "services": [ecrs]}
    sc = small_scenario([30.0, 30.0], [fleet()], programs=[reserves, dr()])
    with pytest.raises(ScenarioError) as info:
        solve_small(sc)
    msg = str(info.value)
    assert "programs.dr.events" in msg
    assert "programs.ancillary_services.services[0] (ecrs, exclusive)" in msg
    # Offered outside the event hour, the exclusive service is fine; a service not
    # marked exclusive may share the hour (offering what the curtailment leaves).
    apart = {**ecrs, "windows": {"recurring": [{"start_hour": 0, "end_hour": 1}]}}
    shared = {
        **ecrs,
        "name": "rrs",
        "capacity_price_usd_per_mw_per_h": 5.0,  # below ecrs: no tie in hour 0
        "exclusive": False,
    }
    ok = small_scenario(
        [30.0, 30.0],
        [fleet()],
        programs=[
            {"type": "ancillary_services", "services": [apart, shared]},
            dr(penalty_usd_per_mwh=1000.0),
        ],
    )
    ts = solve_small(ok).timeseries
    np.testing.assert_allclose(
        ts["ancillary_services.ecrs.fleet.offer_mw"], [10.0, 0.0], atol=1e-9
    )
    np.testing.assert_allclose(
        ts["ancillary_services.rrs.fleet.offer_mw"], [0.0, 5.0], atol=1e-9
    )


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"baseline_mw": None}, "baseline: declared needs baseline_mw"),
        (
            {"baseline": "import_limit"},
            "baseline_mw is only used with baseline: declared",
        ),
        ({"baseline_window_h": 2.0}, "baseline_window_h is only used with"),
        ({"committed_mw": 0.0}, "committed_mw"),
    ],
)
def test_baseline_fields_are_checked(patch, words):
    with pytest.raises(ScenarioError, match=words):
        small_scenario([30.0], [fleet()], programs=[dr(**patch)])


def test_price_triggered_events_pass_the_data_free_check():
    sc = small_scenario(
        [30.0, 90.0],
        [fleet()],
        programs=[dr(events={"price_above_usd_per_mwh": 60.0})],
    )
    check_scenario(sc)  # the price is not read here: the entry is skipped, no error


HEAT = {
    "type": "heat_recovery",
    "id": "heat",
    "sources": ["fleet"],
    "customers": [
        {
            "id": "town",
            "supply_temp_degc": 40.0,
            "demand": {"format": "inline", "unit": "mwth", "values": [1.0, 1.0]},
        }
    ],
}


@pytest.mark.parametrize(
    ("assets", "words"),
    [
        (
            ["fleet", "ghost"],
            r"programs\.dr\.capacity\.assets\[1\]: 'ghost' is not an asset of this "
            r"scenario \(assets: fleet, heat\)",
        ),
        (
            ["heat"],
            r"programs\.dr\.capacity\.assets\[0\]: 'heat' \(heat_recovery\) has no "
            r"controllable load it could reduce",
        ),
    ],
    ids=["unknown", "no_flex"],
)
def test_data_free_check_refuses_unknown_and_ineligible_capacity_assets(assets, words):
    # Price-triggered events need data check_scenario does not read: the capacity
    # assets are checked before them, so grid-flex validate --no-data finds these.
    sc = small_scenario(
        [30.0, 90.0],
        [fleet(), HEAT],
        programs=[
            dr(
                events={"price_above_usd_per_mwh": 60.0},
                capacity={"assets": assets},
            )
        ],
    )
    with pytest.raises(ScenarioError, match=words):
        check_scenario(sc)


# ---- deliverability (issue 14) -------------------------------------------------------
BESS = {
    "type": "battery",
    "id": "bess",
    "model": "battery/generic_lfp_4h_1mw",
    "energy_mwh": 4.0,
    "power_mw": 2.0,
    "initial_soc_frac": 0.0,
    "soc_min_frac": 0.0,
    "final_soc": "free",
}


def test_battery_charging_is_not_paid_as_curtailment(solve_small):
    # 10 MW fleet + 2 MW battery (wear of 1000 USD/MWh: it stays idle), 30 MW
    # connection, import_limit baseline, 12 MW committed at 100 USD/MWh, no penalty.
    # Hashing at 30 USD/MWh earns V − 30 = 89.05 < 100, so the fleet stops in the
    # event: the site curtails 10 MW from a 10 MW baseline and is paid 10 × 100 =
    # 1000. Before, the baseline counted the battery's 2 MW of charging (12 MW) and
    # paid 1200: 2 MW of curtailment that never existed.
    sc = small_scenario(
        [30.0, 30.0],
        [fleet(), {**BESS, "degradation_usd_per_mwh": 1000.0}],
        site={"import_limit_mw": 30.0},
        programs=[
            dr(
                baseline="import_limit",
                baseline_mw=None,
                committed_mw=12.0,
                payment_usd_per_mwh=100.0,
            )
        ],
    )
    res = solve_small(sc)
    ts = res.timeseries
    assert ts["dr.baseline_mw"].iloc[1] == pytest.approx(10.0)
    assert ts["dr.payment_usd"].iloc[1] == pytest.approx(1000.0)
    assert ts["dr.shortfall_mw"].iloc[1] == pytest.approx(2.0)
    assert res.objective_usd == pytest.approx((V - 30.0) * 10.0 + 1000.0)


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        # 500 MW on a site that can draw 12 MW and, without export, no less than 0.
        (
            {"committed_mw": 500.0, "baseline": "import_limit", "baseline_mw": None},
            r"programs\.dr\.committed_mw: 500 MW is more than the site can curtail "
            r"in its events: at most 12 MW",
        ),
        (
            {"committed_mw": 5.0, "baseline_mw": 60.0},
            r"programs\.dr\.baseline_mw: the declared baseline 60 MW is above the "
            r"most the site can draw \(12 MW\)",
        ),
    ],
    ids=["commitment", "declared_baseline"],
)
def test_a_commitment_the_site_cannot_deliver_is_refused(solve_small, patch, words):
    # Site: 10 MW fleet + 2 MW battery on a 60 MW connection: it draws at most 12 MW
    # (fleet + charging) and at least 0 (no export), so it can curtail 12 MW at most.
    sc = small_scenario(
        [30.0, 30.0],
        [fleet(), BESS],
        site={"import_limit_mw": 60.0},
        programs=[dr(payment_usd_per_mwh=9900.0, **patch)],
    )
    with pytest.raises(ScenarioError, match=words):
        solve_small(sc)


def test_a_commitment_the_site_cannot_deliver_exits_2_and_writes_nothing(tmp_path):
    from click.testing import CliRunner

    from grid_flex.cli import main

    sc = small_scenario(
        [30.0, 30.0],
        [fleet()],
        site={"import_limit_mw": 60.0},
        programs=[dr(committed_mw=500.0)],
    )
    path = tmp_path / "s.yaml"
    import yaml

    path.write_text(yaml.safe_dump(sc.model_dump(mode="json", exclude_unset=True)))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["solve", str(path), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "programs.dr.committed_mw" in result.output
    assert not out.exists()


_CONNECTION = {"max_mw": 10.0, "capex_usd_per_kw": 50.0, "life_yr": 20}
_NON_FIRM = _CONNECTION | {
    "curtailed": {"recurring": [{"start_hour": 15, "end_hour": 19}]}
}


@pytest.mark.parametrize(
    ("site", "assets", "named"),
    [
        ({"import_limit_mw": None, "size": _CONNECTION}, [fleet()], "site.size"),
        (
            {"import_limit_mw": 1.0, "non_firm": _NON_FIRM},
            [fleet()],
            "site.non_firm",
        ),
        (
            {"import_limit_mw": 10.0},
            [fleet(power_mw=None, size={"max_mw": 10.0, "life_yr": 3})],
            "assets[0] (fleet).size",
        ),
    ],
    ids=["connection", "non_firm", "fleet"],
)
def test_import_limit_baseline_refused_when_the_lp_sizes_the_draw(
    solve_small, site, assets, named
):
    # The review case: non-firm sized 0-10 MW, the LP builds none and imports 1 MW
    # flat, yet an import_limit baseline read at 1 + 10 MW paid 4,000 USD for a
    # "curtailment" that never happened. The baseline must not read a size's maximum.
    sc = small_scenario(
        [30.0, 30.0],
        assets,
        site=site,
        programs=[dr(baseline="import_limit", baseline_mw=None, committed_mw=1.0)],
    )
    with pytest.raises(ScenarioError) as err:
        solve_small(sc)
    text = str(err.value)
    assert "programs.dr.baseline" in text
    assert named in text
