"""Tariffs and peaks: monthly demand charges and ERCOT 4CP, hand-worked optima."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grid_flex.api import run
from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError
from grid_flex.inputs import prepare_inputs
from grid_flex.io.scenario import load_scenario
from grid_flex.programs.four_cp_defaults import historic_table
from grid_flex.testing import assert_balance_closes, s21_fleet, small_scenario
from grid_flex.validation import check_scenario

HP = 0.05
VALUE = mining_value_usd_per_mwh(HP, 17.5, 0.02)  # S21, 116.67 USD/MWh
CAP_MW = 1000 * 3500.0 / 1e6 * 0.9  # 1000 S21 at 90 % availability: 3.15 MW


def fleet(**kw: object) -> dict[str, object]:
    return s21_fleet(
        **{"count": 1000, "availability_frac": 0.9, "pool_fee_frac": 0.02, **kw}
    )


def battery(**kw: object) -> dict[str, object]:
    """1 MW / 4 MWh, 0-100 % SOC, η = 0.9 each way, no wear: easy hand checks."""
    entry: dict[str, object] = {
        "type": "battery",
        "id": "battery",
        "model": "battery/generic_lfp_4h_1mw",
        "count": 1,
        "round_trip_eff_frac": 0.81,
        "soc_min_frac": 0.0,
        "soc_max_frac": 1.0,
        "degradation_usd_per_mwh": 0.0,
        "initial_soc_frac": 0.5,
        "final_soc": "cyclic",
    }
    entry.update(kw)
    return entry


def four_cp(**kw: object) -> dict[str, object]:
    entry: dict[str, object] = {"type": "four_cp", "id": "four_cp", "timezone": "UTC"}
    entry.update(kw)
    return entry


def problems(exc: pytest.ExceptionInfo[ScenarioError]) -> str:
    return "\n".join(exc.value.problems)


# ---- ERCOT 4CP ------------------------------------------------------------------
@pytest.mark.solver
@pytest.mark.parametrize(
    ("usd_per_kw_year", "runs"),
    [(1.0, False), (0.2, True)],  # 250 vs 50 USD per MW in the peak hour
)
def test_site_avoids_a_peak_interval_when_the_charge_outweighs_the_margin(
    usd_per_kw_year, runs
):
    # Margin m = 116.67 − 30 = 86.67 USD/MWh; one known 4CP interval, 01:45-02:00
    # UTC, lies in the hour 01:00-02:00. A MW imported in that hour costs
    # rate · 1000 / 4 USD of tag: 250 USD (> m · 1 h: off) or 50 USD (< m: on).
    prices = [30.0] * 4
    margin = VALUE - 30.0
    sc = small_scenario(
        prices,
        [fleet()],
        hashprice_usd_per_ths_day=HP,
        programs=[
            four_cp(
                usd_per_kw_year=usd_per_kw_year,
                intervals=["2024-06-03T02:00:00"],
            )
        ],
    )
    res = run(sc)
    power = res.timeseries["fleet.power_mw"].to_numpy()
    peak_on = CAP_MW if runs else 0.0
    np.testing.assert_allclose(power, [CAP_MW, peak_on, CAP_MW, CAP_MW], atol=1e-9)
    charge_per_mw = usd_per_kw_year * 1000 / 4
    expected = margin * CAP_MW * 3 + (margin - charge_per_mw) * peak_on
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    k = res.summary["programs"]["four_cp"]
    assert k["form"] == "known_intervals"
    assert k["tag_mw"] == pytest.approx(peak_on / 4, abs=1e-9)
    assert k["charge_usd"] == pytest.approx(charge_per_mw * peak_on, abs=1e-6)
    assert k["full_load_tag_mw"] == pytest.approx(CAP_MW / 4)
    assert k["charge_avoided_usd"] == pytest.approx(
        (CAP_MW - peak_on) / 4 * usd_per_kw_year * 1000, abs=1e-6
    )
    assert k["peak_import_mw"] == {"2024-06-03 02:00 UTC": pytest.approx(peak_on)}
    cost = res.timeseries["four_cp.cost_usd"].to_numpy()
    np.testing.assert_allclose(cost, [0, charge_per_mw * peak_on, 0, 0], atol=1e-9)
    assert_balance_closes(res)


@pytest.mark.solver
def test_four_cp_full_load_counts_the_loads_not_the_battery():
    # Fleet (C = 3.15 MW) and a 1 MW battery, one known 4CP interval in hour 1 at
    # 1 USD/kW-year. The full-load tag is the fleet's C / 4: the battery's charging
    # power is not load the site has to serve, so it is not "avoided" either.
    sc = small_scenario(
        [30.0] * 4,
        [fleet(), battery()],
        hashprice_usd_per_ths_day=HP,
        programs=[four_cp(usd_per_kw_year=1.0, intervals=["2024-06-03T02:00:00"])],
    )
    res = run(sc)
    k = res.summary["programs"]["four_cp"]
    assert k["full_load_tag_mw"] == pytest.approx(CAP_MW / 4)
    assert k["charge_avoided_usd"] == pytest.approx(
        (CAP_MW / 4 - k["tag_mw"]) * 1.0 * 1000, abs=1e-6
    )
    assert k["charge_avoided_usd"] <= k["full_load_charge_usd"] + 1e-9
    assert_balance_closes(res)


@pytest.mark.solver
def test_expected_form_weighs_each_hour_by_its_probability():
    # Two candidates in June with weights 3:1 → p = 0.75 and 0.25. A MW in them
    # costs 1 · 1000 · p / 4 = 187.5 USD (> 86.67: off) and 62.5 USD (< 86.67: on).
    sc = small_scenario(
        [30.0] * 3,
        [fleet()],
        hashprice_usd_per_ths_day=HP,
        programs=[
            four_cp(
                usd_per_kw_year=1.0,
                probabilities=[
                    {"time": "2024-06-03T00:00:00", "weight": 3.0},
                    {"time": "2024-06-03T01:00:00", "weight": 1.0},
                ],
                time_convention="start",
                interval_min=60,
            )
        ],
    )
    res = run(sc)
    ts = res.timeseries
    np.testing.assert_allclose(ts["four_cp.cp_weight_frac"], [0.75, 0.25, 0.0])
    np.testing.assert_allclose(ts["fleet.power_mw"], [0.0, CAP_MW, CAP_MW], atol=1e-9)
    margin = VALUE - 30.0
    expected = margin * CAP_MW * 2 - 62.5 * CAP_MW
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    k = res.summary["programs"]["four_cp"]
    assert k["form"] == "expected"
    assert k["expected_tag_mw"] == pytest.approx(0.25 * CAP_MW / 4)
    assert k["expected_peak_import_mw"] == {"2024-06": pytest.approx(0.25 * CAP_MW)}


def test_four_cp_interval_spreads_over_the_horizon_intervals_it_overlaps():
    # 16:45-17:00 on a 5-minute horizon: three intervals, a third each.
    sc = small_scenario(
        [30.0] * 6,
        [fleet()],
        timestep_min=5,
        start="2024-06-03T16:40:00+00:00",
        programs=[four_cp(intervals=["2024-06-03T17:00:00"])],
    )
    params = dict(prepare_inputs(sc).programs)["four_cp"]
    np.testing.assert_allclose(params.weight, [0, 1 / 3, 1 / 3, 1 / 3, 0, 0])
    # Hourly, the interval ending 17:00 lies in the hour starting 16:00.
    sc = small_scenario(
        [30.0] * 3,
        [fleet()],
        start="2024-06-03T15:00:00+00:00",
        programs=[four_cp(intervals=["2024-06-03T17:00:00"])],
    )
    params = dict(prepare_inputs(sc).programs)["four_cp"]
    np.testing.assert_allclose(params.weight, [0, 1, 0])


def default_probability_scenario(price_exponent=None):
    """Hourly, Central time, 2024-05-31 to 2024-07-02 (local), varied prices."""
    start = pd.Timestamp("2024-05-31T00:00:00", tz="America/Chicago")
    n = 32 * 24
    rng = np.random.default_rng(7)
    prices = rng.uniform(-20.0, 300.0, n)
    probs = "default" if price_exponent is None else {"price_exponent": price_exponent}
    sc = small_scenario(
        prices,
        [fleet()],
        start=start.isoformat(),
        horizon={"timezone": "America/Chicago"},
        programs=[{"type": "four_cp", "probabilities": probs}],
    )
    index = pd.date_range(start, periods=n, freq="h").tz_convert("America/Chicago")
    return sc, index, prices


def test_default_probabilities_sit_in_weekday_late_afternoons_and_sum_to_one():
    sc, local, prices = default_probability_scenario()
    p = dict(prepare_inputs(sc).programs)["four_cp"].weight
    month = np.asarray(local.month)
    assert (p >= 0).all()
    for m in (6, 7):  # July has one day (Monday 1st) in the horizon
        assert p[month == m].sum() == pytest.approx(1.0, rel=1e-12)
    assert p[month == 5].sum() == 0.0  # May is not a 4CP month
    on = p > 0
    assert set(np.asarray(local.hour)[on]) <= {15, 16, 17}  # overlaps 15:45-17:45
    assert (np.asarray(local.day_of_week)[on] < 5).all()
    assert (prices[on] > 0).all()  # prices ≤ 0 get no weight
    # Within June: weight ∝ overlap [h] · price² (15:00 overlaps 0.25 h, 16:00 1 h).
    june = month == 6
    hour = np.asarray(local.hour)
    weekday = np.asarray(local.day_of_week) < 5
    overlap = np.select([hour == 15, hour == 16, hour == 17], [0.25, 1.0, 0.75], 0.0)
    w = np.where(june & weekday, overlap * np.maximum(prices, 0.0) ** 2, 0.0)
    np.testing.assert_allclose(p[june], (w / w.sum())[june], rtol=1e-12)
    # price_exponent 0: every weekday window hour of a month by its overlap alone.
    sc0, _, _ = default_probability_scenario(price_exponent=0.0)
    p0 = dict(prepare_inputs(sc0).programs)["four_cp"].weight
    flat = np.where(june & weekday, overlap, 0.0)
    np.testing.assert_allclose(p0[june], (flat / flat.sum())[june], rtol=1e-12)


# ---- demand charges ---------------------------------------------------------------
@pytest.mark.solver
@pytest.mark.parametrize(
    ("usd_per_kw_month", "shaved_mw"),
    [(0.1, 0.81), (0.01, 0.0)],
)
def test_battery_flattens_the_on_peak_demand_when_the_charge_pays(
    usd_per_kw_month, shaved_mw
):
    # Flat price 30, the fleet always on (C = 3.15 MW), an on-peak charge on hours
    # 2-3. The battery can charge 1 MW in hours 0-1 (2 MWh in, 1.8 stored, 1.62 out)
    # and discharge 0.81 MW in each on-peak hour: the on-peak peak drops to C − 0.81,
    # flat over both hours. Per MW shaved it loses 30 · 2 · (1/0.81 − 1) = 14.07 USD
    # of energy: worth it at 100 USD/MW-month, not at 10. Curtailing the fleet instead
    # loses 2 · 86.67 = 173.3 USD per MW, more than either charge.
    rate = usd_per_kw_month * 1000
    sc = small_scenario(
        [30.0] * 4,
        [fleet(), battery()],
        hashprice_usd_per_ths_day=HP,
        programs=[
            {
                "type": "demand_charge",
                "id": "on_peak",
                "usd_per_kw_month": usd_per_kw_month,
                "windows": {
                    "periods": [
                        {"start": "2024-06-03T02:00:00", "end": "2024-06-03T04:00:00"}
                    ]
                },
            }
        ],
    )
    res = run(sc)
    ts = res.timeseries
    np.testing.assert_allclose(ts["fleet.power_mw"], CAP_MW, atol=1e-9)
    imp = ts["site.grid_import_mw"].to_numpy()
    np.testing.assert_allclose(imp[2:], CAP_MW - shaved_mw, atol=1e-7)
    bought = 4 * CAP_MW + (2.0 - 1.62 if shaved_mw else 0.0)
    expected = 4 * CAP_MW * VALUE - 30.0 * bought - rate * (CAP_MW - shaved_mw)
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    k = res.summary["programs"]["on_peak"]
    assert k["monthly_peak_mw"] == {"2024-06": pytest.approx(CAP_MW - shaved_mw)}
    assert k["charge_usd"] == pytest.approx(rate * (CAP_MW - shaved_mw))
    # The full-load baseline is the fleet alone: the battery's charging power is not
    # load the site has to serve, so it adds nothing to the charge "avoided".
    assert k["full_load_peak_mw"] == pytest.approx(CAP_MW)
    assert k["charge_avoided_usd"] == pytest.approx(rate * shaved_mw, abs=1e-6)
    cost = ts["on_peak.cost_usd"].to_numpy()
    np.testing.assert_allclose(cost, [rate * (CAP_MW - shaved_mw), 0, 0, 0])
    np.testing.assert_allclose(ts["on_peak.in_window_frac"], [0, 0, 1, 1])
    assert_balance_closes(res)


@pytest.mark.solver
def test_facility_and_on_peak_charges_are_two_entries_billed_per_month():
    # 2024-06-30 22:00 to 2024-07-01 02:00 UTC: two hours in June, two in July. The
    # fleet is off at 200 USD/MWh (hour 1). Facility charge on every hour, on-peak
    # charge only at 00:00-01:00 UTC; both too small to change the dispatch.
    sc = small_scenario(
        [30.0, 200.0, 30.0, 30.0],
        [fleet()],
        hashprice_usd_per_ths_day=HP,
        start="2024-06-30T22:00:00+00:00",
        programs=[
            {"type": "demand_charge", "id": "facility", "usd_per_kw_month": 0.01},
            {
                "type": "demand_charge",
                "id": "on_peak",
                "usd_per_kw_month": 0.02,
                "windows": {"recurring": [{"start_hour": 0, "end_hour": 1}]},
            },
        ],
    )
    res = run(sc)
    ts = res.timeseries
    np.testing.assert_allclose(ts["fleet.power_mw"], [CAP_MW, 0, CAP_MW, CAP_MW])
    fac = res.summary["programs"]["facility"]
    assert fac["months_billed"] == 2
    assert fac["monthly_peak_mw"] == {
        "2024-06": pytest.approx(CAP_MW),
        "2024-07": pytest.approx(CAP_MW),
    }
    # Each monthly charge is booked in the month's first interval.
    np.testing.assert_allclose(
        ts["facility.cost_usd"], [10 * CAP_MW, 0, 10 * CAP_MW, 0], atol=1e-9
    )
    on = res.summary["programs"]["on_peak"]
    assert on["monthly_peak_mw"] == {"2024-07": pytest.approx(CAP_MW)}
    np.testing.assert_allclose(
        ts["on_peak.cost_usd"], [0, 0, 20 * CAP_MW, 0], atol=1e-9
    )
    np.testing.assert_allclose(ts["on_peak.billed_peak_mw"], [0, 0, CAP_MW, CAP_MW])
    margin = VALUE - 30.0
    assert res.objective_usd == pytest.approx(
        3 * margin * CAP_MW - 20 * CAP_MW - 20 * CAP_MW, rel=1e-9
    )


# ---- bad input --------------------------------------------------------------------
def bad(programs, **kw):
    return small_scenario([30.0] * 4, [fleet()], programs=programs, **kw)


def test_four_cp_interval_outside_the_horizon_is_an_error():
    sc = bad([four_cp(intervals=["2024-06-03T02:00:00", "2024-07-15T17:00:00"])])
    with pytest.raises(ScenarioError) as exc:
        check_scenario(sc)
    text = problems(exc)
    assert "programs.four_cp.intervals[1]" in text
    assert "outside the horizon" in text


def test_four_cp_with_both_intervals_and_probabilities_is_an_error():
    with pytest.raises(ScenarioError) as exc:
        bad([four_cp(intervals=["2024-06-03T02:00:00"], probabilities="default")])
    text = problems(exc)
    assert "programs[0]" in text
    assert "intervals and probabilities are both given" in text
    with pytest.raises(ScenarioError, match="give intervals"):
        bad([four_cp()])


def test_four_cp_month_without_probability_weight_is_an_error():
    # The horizon reaches into July, but only June carries weight.
    sc = small_scenario(
        [30.0] * 4,
        [fleet()],
        start="2024-06-30T22:00:00+00:00",
        programs=[
            four_cp(probabilities=[{"time": "2024-06-30T23:00:00", "weight": 1.0}])
        ],
    )
    with pytest.raises(ScenarioError) as exc:
        check_scenario(sc)
    text = problems(exc)
    assert "programs.four_cp.probabilities" in text
    assert "2024-07" in text
    # The default window on a horizon holding only a weekend carries no weight.
    sc = small_scenario(
        [30.0] * 48,
        [fleet()],
        start="2024-06-01T00:00:00+00:00",  # Saturday
        programs=[four_cp(probabilities="default")],
    )
    with pytest.raises(ScenarioError, match=r"programs\.four_cp\.probabilities"):
        check_scenario(sc)


@pytest.mark.parametrize(
    ("entry", "field", "words"),
    [
        (
            four_cp(intervals=["2024-06-03T01:00:00", "2024-06-03T03:00:00"]),
            "programs.four_cp.intervals[1]",
            "a second 4CP interval in 2024-06",
        ),
        (
            four_cp(intervals=["2024-06-03T02:00:00"], months=[7, 8]),
            "programs.four_cp.intervals[0]",
            "not one of the coincident-peak months",
        ),
        (
            four_cp(intervals="ercot_historic"),
            "programs.four_cp.intervals",
            "outside the horizon",
        ),
        (
            four_cp(probabilities="default", months=[1]),
            "programs.four_cp.months",
            "covers none of the coincident-peak months",
        ),
    ],
)
def test_other_four_cp_errors_name_the_field(entry, field, words):
    with pytest.raises(ScenarioError) as exc:
        check_scenario(bad([entry]))
    text = problems(exc)
    assert field in text
    assert words in text


def test_demand_charge_window_that_selects_nothing_is_an_error():
    entry = {
        "type": "demand_charge",
        "usd_per_kw_month": 10.0,
        "windows": {"recurring": [{"months": [1], "start_hour": 14, "end_hour": 20}]},
    }
    with pytest.raises(ScenarioError) as exc:
        check_scenario(bad([entry]))
    text = problems(exc)
    assert "programs.demand_charge.windows" in text
    assert "selects no interval" in text


# ---- the summer-2019 replay -------------------------------------------------------
def test_summer_2019_scenario_uses_the_bundled_2019_intervals():
    scenario, _ = load_scenario("ercot_summer_2019_4cp")
    entry = scenario.programs[0]
    table = historic_table()
    listed = [pd.Timestamp(t).strftime("%Y-%m-%d %H:%M") for t in entry.intervals]
    assert listed == table.loc[table["year"] == 2019, "interval_end_local"].tolist()
    assert entry.timezone == "America/Chicago"
    assert entry.time_convention == "end"


@pytest.mark.solver
def test_summer_2019_scenario_solves_and_the_site_stays_off_the_peaks():
    scenario, base = load_scenario("ercot_summer_2019_4cp")
    res = run(scenario, base_dir=base)
    assert_balance_closes(res)
    assert res.summary["intervals"] == 122 * 24
    ts = res.timeseries
    # The hours containing the four 15-minute peaks, as UTC starts (CDT = UTC−5).
    hours = pd.DatetimeIndex(
        [
            "2019-06-19 21:00",  # 16:00-17:00 CDT holds 16:45-17:00
            "2019-07-30 21:00",  # holds 16:15-16:30
            "2019-08-12 21:00",
            "2019-09-06 21:00",  # holds 16:30-16:45
        ],
        tz="UTC",
    )
    weight = ts["four_cp.cp_weight_frac"]
    assert list(weight[weight > 0].index) == list(hours)
    # 50 USD/kW-year · 1000 / 4 = 12,500 USD per MW in a peak hour, far above the
    # fleet's margin: the site imports nothing there.
    np.testing.assert_allclose(ts.loc[hours, "site.grid_import_mw"], 0.0, atol=1e-6)
    k = res.summary["programs"]["four_cp"]
    assert k["tag_mw"] == pytest.approx(0.0, abs=1e-6)
    # Full load is the fleet alone with its air-cooling PUE (not given: 1.2), 25 MW ×
    # 1.0508 (top of the S19j Pro curve) × 0.97 available × 1.2 = 30.58 MW, capped
    # at the 30 MW connection; the 10 MW battery's charging does not count.
    fleet_mw = min(25.0 * 1.0508 * 0.97 * 1.2, 30.0)
    assert k["full_load_tag_mw"] == pytest.approx(fleet_mw)
    assert k["charge_avoided_usd"] == pytest.approx(fleet_mw * 50 * 1000, rel=1e-9)
    # The fleet runs the rest of the summer, up to 30 MW / PUE 1.2 = 25 MW of miners.
    assert ts["fleet.power_mw"].max() == pytest.approx(25.0)
