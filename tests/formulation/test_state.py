"""Each piece of state rolling operation carries: carried, it gives the hand optimum;
not carried (the module's ``resume`` disabled), the run breaks or loses money.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from grid_flex.assets import battery, compute
from grid_flex.assets import heat as heat_module
from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import SolveError
from grid_flex.programs import demand_charge, demand_response, emissions, energy_quota
from grid_flex.studies.rolling import run_rolling
from grid_flex.testing import hand_battery, s21_fleet, small_scenario

pytestmark = pytest.mark.solver

BATTERY: dict[str, Any] = hand_battery()  # 1 MW / 4 MWh, 0.9 each way, starts empty
EXPORT = {"site": {"import_limit_mw": 10.0, "export_limit_mw": 10.0}}


def _forget(monkeypatch: pytest.MonkeyPatch, module: Any) -> None:
    """Break the carry: every window starts from the scenario's own start."""
    monkeypatch.setattr(module, "resume", lambda params, state, **span: params)


def test_battery_energy_carried(monkeypatch: pytest.MonkeyPatch) -> None:
    # Day 1 at 10, days 2-3 at 50, windows 48:24: fill 4 MWh on day 1 (window 1),
    # sell 3.6 MWh on day 2 (window 2, which must start with the 4 MWh).
    prices = [10.0] * 24 + [50.0] * 48
    sc = small_scenario(prices, [BATTERY], hashprice_usd_per_ths_day=None, **EXPORT)
    res = run_rolling(sc, lookahead_h=48, commit_h=24, foresight=False)
    assert res.summary["profit_usd"] == pytest.approx(4 * 0.9 * 50 - 4 / 0.9 * 10)
    _forget(monkeypatch, battery)
    # Window 2 starts empty although day 1 left 4 MWh: the committed schedule no
    # longer follows the battery's balance, and settlement says so.
    with pytest.raises(SolveError, match="settling the committed schedule"):
        run_rolling(sc, lookahead_h=48, commit_h=24, foresight=False)


# ---- programs: demand charge, energy quota, emissions budget, 4CP ------------------
HP = 0.05
#: Value of the hashes one MWh buys on an S21 at HP, 2 % pool fee: 116.667 USD/MWh.
V = mining_value_usd_per_mwh(HP, 17.5, 0.02)
CAP_MW = 3.5  # 1000 S21 × 3.5 kW, availability 1
FLEET: dict[str, Any] = s21_fleet(count=1000, pool_fee_frac=0.02)


def _fleet_site(prices: list[float], programs: list[dict[str, Any]]) -> Any:
    return small_scenario(
        prices, [FLEET], hashprice_usd_per_ths_day=HP, programs=programs
    )


def test_month_to_date_peak_carried(monkeypatch: pytest.MonkeyPatch) -> None:
    # Days 1-2 at 0 USD/MWh, day 3 at 200 (above V: the fleet stays off). A day of
    # mining earns R = 24 h × 3.5 MW × V = 9,800 USD; the demand charge on a 3.5 MW
    # peak is 3.5 × 1000 × 2.0 = 7,000 USD: worth paying for two days, not for one.
    # Windows 48:24. Window 1 sees days 1-2 and mines (2R − charge > 0); window 2
    # sees days 2-3 and, knowing the month's peak is already 3.5 MW, mines day 2 at
    # no extra charge. Realised = perfect foresight = 2R − 7,000 = 12,600 USD.
    prices = [0.0] * 48 + [200.0] * 24
    charge = {"type": "demand_charge", "id": "dc", "usd_per_kw_month": 2.0}
    sc = _fleet_site(prices, [charge])
    day = 24 * CAP_MW * V
    res = run_rolling(sc, lookahead_h=48, commit_h=24)
    assert res.summary["profit_usd"] == pytest.approx(2 * day - 7000.0, rel=1e-9)
    r = res.summary["rolling"]
    assert r["value_of_perfect_foresight_usd"] == pytest.approx(0.0, abs=1e-6)
    assert (
        '"peak_so_far_mw": {"2024-06": 3.5'
        in (res.tables["rolling_windows.csv"]["state_out"].iloc[0])
    )
    # At 3.0 USD/kW the charge (10,500) exceeds one day's mining (9,800) but not
    # two. Carried, window 2 mines day 2 under the peak already paid for; not
    # carried, it sees a fresh 10,500 charge against one day and stays off.
    dearer = _fleet_site(prices, [{**charge, "usd_per_kw_month": 3.0}])
    _forget(monkeypatch, demand_charge)
    broken = run_rolling(dearer, lookahead_h=48, commit_h=24, foresight=False)
    # Day 1 mined (window 1 saw 2R > 10,500), day 2 not: R − 10,500 < 0.
    assert broken.summary["profit_usd"] == pytest.approx(day - 10500.0, rel=1e-9)
    monkeypatch.undo()
    carried = run_rolling(dearer, lookahead_h=48, commit_h=24, foresight=False)
    assert carried.summary["profit_usd"] == pytest.approx(2 * day - 10500.0, rel=1e-9)


QUOTA_DAY = [0.0] * 12 + [10.0] * 12  # cheap mornings, dearer afternoons


def test_quota_used_carried(monkeypatch: pytest.MonkeyPatch) -> None:
    # A daily quota of 6 MWh, two days; windows 24:12. Window 1 sees day 1 and uses
    # the 6 MWh in the free morning (committed). Window 2 (day 1 afternoon + day 2
    # morning) must know day 1's quota is spent; window 3 is day 2: 6 MWh in its
    # morning. Realised = perfect foresight = 12 MWh × V.
    quota = {
        "type": "energy_quota",
        "id": "quota",
        "quota_mwh": 6.0,
        "period": "day",
    }
    sc = _fleet_site(QUOTA_DAY * 2, [quota])
    res = run_rolling(sc, lookahead_h=24, commit_h=12)
    assert res.summary["profit_usd"] == pytest.approx(12.0 * V, rel=1e-9)
    assert res.summary["rolling"]["value_of_perfect_foresight_usd"] == pytest.approx(
        0.0, abs=1e-6
    )
    _forget(monkeypatch, energy_quota)
    # Window 2 then spends 3 more MWh of day 1 (its prorated half): 9 > 6 MWh.
    with pytest.raises(SolveError, match="settling the committed schedule"):
        run_rolling(sc, lookahead_h=24, commit_h=12, foresight=False)


def test_emissions_budget_carried(monkeypatch: pytest.MonkeyPatch) -> None:
    # A cap of 6 tCO2 at 0.5 t/MWh (12 MWh) over two days; windows 24:12 get
    # (cap − used) × window hours / hours left: 3 t, then (6 − 3) × 24/36 = 2 t
    # (spent in day 2's morning, not committed), then the last window the 3 t left.
    # Every MWh lands in a free morning: realised = perfect foresight = 12 × V.
    mer = {"format": "inline", "unit": "tco2_per_mwh", "values": [0.5] * 48}
    cap = {"type": "emissions", "marginal_co2": mer, "cap_tco2": 6.0}
    sc = _fleet_site(QUOTA_DAY * 2, [cap])
    res = run_rolling(sc, lookahead_h=24, commit_h=12)
    assert res.summary["profit_usd"] == pytest.approx(12.0 * V, rel=1e-9)
    assert res.summary["programs"]["emissions"]["net_tco2"] == pytest.approx(6.0)
    _forget(monkeypatch, emissions)
    # Not carried, the last window gets 6 t again: 3 + 6 t > the cap of 6.
    with pytest.raises(SolveError, match="settling the committed schedule"):
        run_rolling(sc, lookahead_h=24, commit_h=12, foresight=False)


def test_four_cp_tag_so_far_carried() -> None:
    # One known peak, 06:00-06:15 UTC on day 2 (hour 30 on this hourly horizon).
    # Importing 1 MW then costs 50 × 1000 / 1 peak = 50,000 USD, far above an
    # hour's mining (V = 116.7 USD per MWh): the fleet stops for that hour only,
    # so the realised tag, and the tag carried from window to window, stay 0.
    prices = [0.0] * 48
    four_cp = {
        "type": "four_cp",
        "id": "cp",
        "usd_per_kw_year": 50.0,
        "months": [6],  # one coincident peak a year in this test
        "intervals": ["2024-06-04T06:15:00+00:00"],
        "interval_min": 15,
        "time_convention": "end",
        "timezone": "UTC",
    }
    sc = _fleet_site(prices, [four_cp])
    res = run_rolling(sc, lookahead_h=24, commit_h=12, foresight=False)
    ts = res.timeseries
    assert ts["fleet.power_mw"].iloc[30] == pytest.approx(0.0, abs=1e-9)
    assert res.summary["profit_usd"] == pytest.approx(47 * CAP_MW * V, rel=1e-9)
    states = res.tables["rolling_windows.csv"]["state_out"]
    assert all('"tag_so_far_mw": 0.0' in s for s in states)


# ---- thermal store -----------------------------------------------------------------
V_MINE = HP * 1e6 / (24 * 17.5)  # S21 at 0 % pool fee: 119.05 USD/MWh
HEAT_VALUE = 10.0 * (1000.0 / 293.07107) / 0.8  # 42.65 USD/MWhth (gas 10, η 0.8)


def test_thermal_store_energy_carried(monkeypatch: pytest.MonkeyPatch) -> None:
    # Hour 0 at 10 USD/MWh: the fleet runs and captures 0.95 MWth, no demand. Hours
    # 1-2 at 500 (fleet off); the building wants 0.5 MWth in hour 1. The store
    # (0.5 MWhth, lossless, empty at start and end) fills in hour 0 — window 1
    # (2 h, commits 1 h) sees hour 1 — and window 2 must start with that 0.5 MWhth
    # to serve it. Realised = perfect foresight = (V − 10) + 0.5 × heat value.
    fleet = s21_fleet(power_mw=1.0, hashrate_curve="linear", cooling="immersion")
    demand = {"format": "inline", "unit": "mwth", "values": [0.0, 0.5, 0.0]}
    heat = {
        "type": "heat_recovery",
        "id": "heat",
        "sources": ["fleet"],
        "customers": [
            {
                "id": "bldg",
                "demand": demand,
                "gas_price_usd_per_mmbtu": 10.0,
                "boiler_eff_frac": 0.8,
            }
        ],
        "storage": {
            "capacity_mwhth": 0.5,
            "power_mwth": 1.0,
            "loss_frac_per_h": 0.0,
            "initial_frac": 0.0,
        },
    }
    sc = small_scenario(
        [10.0, 500.0, 500.0], [fleet, heat], hashprice_usd_per_ths_day=HP
    )
    res = run_rolling(sc, lookahead_h=2, commit_h=1)
    expected = (V_MINE - 10.0) + 0.5 * HEAT_VALUE
    assert res.summary["profit_usd"] == pytest.approx(expected, rel=1e-9)
    assert res.timeseries["heat.storage_mwhth"].iloc[0] == pytest.approx(0.5)
    _forget(monkeypatch, heat_module)
    with pytest.raises(SolveError, match="settling the committed schedule"):
        run_rolling(sc, lookahead_h=2, commit_h=1, foresight=False)


# ---- GPU training jobs -------------------------------------------------------------
G = 1000.0 / (10.2 / 8)  # GPU-h per IT MWh of an H100 node (784.31)


def test_training_job_remaining_work_carried(monkeypatch: pytest.MonkeyPatch) -> None:
    # A 1 MW (IT, PUE 1.2) cluster; one job of 3 h of the whole cluster (3·G GPU-h)
    # at 2 USD/GPU-h, window hours 0-5; prices 0 for 3 h, then 100. Windows of 3 h
    # committing 3 h: the first sees half the job's window and is due half the work
    # (pace 3 h / 6 h), done at price 0; the second is due the 1.5·G left, at 100:
    # 1.5 h × 1.2 MW × 100 = 180 USD. Perfect foresight does all 3 h at price 0.
    job = {
        "id": "train",
        "release": "2024-06-03T00:00:00",
        "deadline": "2024-06-03T06:00:00",
        "work_gpu_h": 3 * G,
        "revenue_usd_per_gpu_h": 2.0,
    }
    cluster = {
        "type": "gpu_cluster",
        "id": "gpus",
        "model": "compute/nvidia_hgx_h100",
        "it_power_mw": 1.0,
        "pue": 1.2,
        "training_jobs": [job],
    }
    sc = small_scenario(
        [0.0] * 3 + [100.0] * 3, [cluster], hashprice_usd_per_ths_day=None
    )
    res = run_rolling(sc, lookahead_h=3, commit_h=3)
    assert res.summary["profit_usd"] == pytest.approx(3 * G * 2.0 - 180.0, rel=1e-9)
    r = res.summary["rolling"]
    assert r["value_of_perfect_foresight_usd"] == pytest.approx(180.0, rel=1e-9)
    assert (
        '"delivered_gpu_h": {"train": 1176.47'
        in (res.tables["rolling_windows.csv"]["state_out"].iloc[0])
    )
    _forget(monkeypatch, compute)
    # Not carried, the second window is due the whole job again: 4.5·G > 3·G.
    with pytest.raises(SolveError, match="settling the committed schedule"):
        run_rolling(sc, lookahead_h=3, commit_h=3, foresight=False)


def test_time_of_use_demand_charge_outside_a_window() -> None:
    # A Monday-afternoon charge (12:00-18:00 UTC); days 2-3 are a Tuesday and a
    # Wednesday, so windows 2 and 3 hold none of its hours and must still solve.
    # Prices 0: six Monday hours of mining earn 6 × 3.5 × V = 2,450 USD against a
    # 3.5 × 1000 × 0.5 = 1,750 USD charge, so the fleet mines every hour.
    tou = {
        "type": "demand_charge",
        "id": "tou",
        "usd_per_kw_month": 0.5,
        "windows": {"recurring": [{"weekdays": [0], "start_hour": 12, "end_hour": 18}]},
    }
    sc = _fleet_site([0.0] * 72, [tou])
    res = run_rolling(sc, lookahead_h=24, commit_h=24, foresight=False)
    assert res.summary["programs"]["tou"]["monthly_peak_mw"] == {"2024-06": 3.5}
    assert res.summary["profit_usd"] == pytest.approx(72 * CAP_MW * V - 1750.0)


# ---- demand response ---------------------------------------------------------------
def test_demand_response_events_called_are_counted_once() -> None:
    # Events are the hours above 60 USD/MWh: hour 5, and hours 11-12, one event
    # that straddles the two 12 h windows. The state counts it once: 2 events, as
    # the settled KPI does. (Events are paid interval by interval, so the count
    # changes no decision: this state is carried for the record.)
    prices = [20.0] * 24
    prices[5] = prices[11] = prices[12] = 80.0
    dr = {
        "type": "demand_response",
        "id": "dr",
        "events": {"price_above_usd_per_mwh": 60.0},
        "committed_mw": 1.0,
        "baseline_mw": 3.5,
        "penalty_usd_per_mwh": 1000.0,
    }
    sc = _fleet_site(prices, [dr])
    res = run_rolling(sc, lookahead_h=12, commit_h=12, foresight=False)
    log = res.tables["rolling_windows.csv"]
    # Window 1 saw both starts (hours 5 and 11) and ends inside the second event.
    assert '"events_called": 2, "in_event": true' in log["state_out"].iloc[0]
    assert '"events_called": 2, "in_event": false' in log["state_out"].iloc[1]
    assert res.summary["programs"]["dr"]["events"] == 2


def _hours(first: int, last: int) -> dict[str, str]:
    """Hours ``first`` to ``last`` (inclusive) from 2024-06-03 00:00 UTC."""
    t0 = pd.Timestamp("2024-06-03T00:00:00+00:00")
    return {
        "start": (t0 + pd.Timedelta(hours=first)).isoformat(),
        "end": (t0 + pd.Timedelta(hours=last + 1)).isoformat(),
    }


def test_event_straddling_a_window_start_keeps_its_whole_length(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Price 0 for 48 h: mining earns V per MWh, 3.5 MW. One 4 h event, hours 22-25,
    # straddles the start of the second 24 h window. Per-event payment 350 USD per
    # MW delivered on average over the event: curtailing one MW for one hour is
    # worth 350 / 4 = 87.5 < V = 116.67, so the perfect-foresight site keeps mining
    # and is paid nothing: 48 × 3.5 × V = 19,600 USD.
    dr = {
        "type": "demand_response",
        "id": "dr",
        "events": {"periods": [_hours(22, 25)]},
        "committed_mw": 3.5,
        "baseline_mw": 3.5,
        "payment_usd_per_mw_per_event": 350.0,
    }
    sc = _fleet_site([0.0] * 48, [dr])
    res = run_rolling(sc, lookahead_h=24, commit_h=24)
    assert res.summary["profit_usd"] == pytest.approx(48 * CAP_MW * V, rel=1e-9)
    assert res.summary["rolling"]["value_of_perfect_foresight_usd"] == pytest.approx(
        0.0, abs=1e-6
    )
    # Each window resolved on its own horizon sees half the event (2 h): curtailing
    # looks worth 350 / 2 = 175 > V, so all 4 event hours are curtailed; settled on
    # the whole event: 44 h mined + 350 × 3.5 paid = 17,966.67 + 1,225.
    monkeypatch.delattr(demand_response, "window_params")
    broken = run_rolling(sc, lookahead_h=24, commit_h=24, foresight=False)
    expected = 44 * CAP_MW * V + 350.0 * 3.5
    assert broken.summary["profit_usd"] == pytest.approx(expected, rel=1e-9)


def test_pre_event_baseline_before_the_window_is_carried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Event hours 26-28; baseline = mean net draw over the 4 h before (hours 22-25),
    # paid 200 USD per MWh delivered up to the 2 MW commitment (no penalty). Prices:
    # 0 except hours 24-28 at V + 100 (mining there loses 100 USD/MWh). Windows of
    # 24 h: hours 22-23 (price 0, fleet at 3.5 MW) lie in window 1, before window 2.
    # Baseline b = (3.5 + 3.5 + g24 + g25) / 4; in the event the fleet is off and
    # delivers min(2, b) each hour: one more MWh in hours 24-25 pays 3 × 200 / 4 =
    # 150 > 100 until b = 2, i.e. 1 MWh. Profit: 43 h × 3.5 × V − 100 + 3 × 2 × 200.
    prices = [0.0] * 48
    for h in range(24, 29):
        prices[h] = V + 100.0
    dr = {
        "type": "demand_response",
        "id": "dr",
        "events": {"periods": [_hours(26, 28)]},
        "committed_mw": 2.0,
        "baseline": "pre_event_mean",
        "baseline_window_h": 4.0,
        "payment_usd_per_mwh": 200.0,
    }
    sc = _fleet_site(prices, [dr])
    mined = 43 * CAP_MW * V
    res = run_rolling(sc, lookahead_h=24, commit_h=24)
    assert res.summary["profit_usd"] == pytest.approx(mined - 100 + 1200, rel=1e-9)
    assert res.summary["rolling"]["value_of_perfect_foresight_usd"] == pytest.approx(
        0.0, abs=1e-6
    )
    log = res.tables["rolling_windows.csv"]
    assert '"draw_mwh": [3.5, 3.5' in log["state_out"].iloc[0]
    # Not carried: window 2 sees b = (g24 + g25) / 4 and draws all 7 MWh it can
    # (b = 1.75 < 2); settled, b = 3.5 and 6 of those MWh earned nothing.
    monkeypatch.setattr(demand_response, "resume", lambda params, state, **span: params)
    broken = run_rolling(sc, lookahead_h=24, commit_h=24, foresight=False)
    assert broken.summary["profit_usd"] == pytest.approx(mined - 700 + 1200, rel=1e-9)


def test_inference_reduction_used_this_month_carried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A 1 MW (IT, PUE 1.2) cluster serving 1 MW of inference at 2 USD/GPU-h
    # (2 × G = 1,569 USD per IT MWh, 1,307 per facility MWh); it may shed half of it
    # (0.5 MW) for at most 1 h, once a month. Prices 10 except 5,000 in hours 2 and
    # 14: each spike is worth shedding (0.5 × 1.2 MW × 5,000 = 3,000 > 784 of lost
    # revenue), but the month allows one. Windows of 12 h: the first sheds in hour 2;
    # the second must know the month's reduction is spent.
    inference = {
        "load_frac": 1.0,
        "revenue_usd_per_gpu_h": 2.0,
        "flex_frac": 0.5,
        "max_event_h": 1.0,
        "max_events_per_month": 1.0,
    }
    cluster = {
        "type": "gpu_cluster",
        "id": "gpus",
        "model": "compute/nvidia_hgx_h100",
        "it_power_mw": 1.0,
        "pue": 1.2,
        "inference": inference,
    }
    prices = [10.0] * 24
    prices[2] = prices[14] = 5000.0
    sc = small_scenario(prices, [cluster], hashprice_usd_per_ths_day=None)
    res = run_rolling(sc, lookahead_h=12, commit_h=12)
    shed = res.timeseries["gpus.inference_reduction_it_power_mw"].to_numpy()
    assert shed[2] == pytest.approx(0.5)
    assert shed.sum() == pytest.approx(0.5)
    assert (
        '"inference_reduction_mwh": 0.5'
        in (res.tables["rolling_windows.csv"]["state_out"].iloc[0])
    )
    _forget(monkeypatch, compute)
    # Not carried, the second window sheds in hour 14 too: 1 MWh > the month's 0.5.
    with pytest.raises(SolveError, match="settling the committed schedule"):
        run_rolling(sc, lookahead_h=12, commit_h=12, foresight=False)
