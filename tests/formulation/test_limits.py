"""Limits set by grids and governments: optima worked out by hand (domain.md §7).

Import caps, energy quotas, mining bans and emergency curtailment (Texas SB 6).
Unless said otherwise: one S21 fleet of 3.5 MW (1000 units at full availability),
hashprice 0.05 USD/TH/day, so hashing is worth V = 116.67 USD/MWh, hourly steps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grid_flex.api import run
from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import ScenarioError
from grid_flex.programs.energy_quota import local_periods
from grid_flex.testing import assert_balance_closes, s21_fleet, small_scenario
from grid_flex.validation import check_scenario

pytestmark = pytest.mark.solver

HP = 0.05
V = mining_value_usd_per_mwh(HP, 17.5, 0.02)  # S21, 116.67 USD/MWh
V_XP = mining_value_usd_per_mwh(HP, 3010.0 / 140.0, 0.02)  # S19 XP, 94.96 USD/MWh
CAP = 3.5  # fleet power [MW]
T0 = "2024-06-03T"


def fleet(fid: str = "fleet", model: str = "asic/antminer_s21") -> dict[str, object]:
    return s21_fleet(fid, model=model, count=1000, pool_fee_frac=0.02)


BATTERY = {
    "type": "battery",
    "id": "battery",
    "model": "battery/generic_lfp_4h_1mw",
    "count": 1,
}


def period(start_h: int, end_h: int) -> dict[str, str]:
    """UTC period on the test day, start_h:00 to end_h:00."""
    return {
        "start": f"{T0}{start_h:02d}:00:00+00:00",
        "end": f"{T0}{end_h:02d}:00:00+00:00",
    }


def solve(prices, programs, assets=None, **patch):
    return run(
        small_scenario(
            prices,
            assets if assets is not None else [fleet()],
            hashprice_usd_per_ths_day=HP,
            programs=programs,
            **patch,
        )
    )


# ---- import cap ----------------------------------------------------------------------
def test_import_cap_binds_exactly_in_its_window():
    prices = np.array([20.0, 30.0, 40.0, 50.0])  # all below V: the fleet wants 3.5 MW
    cap = {"type": "import_cap", "caps": [{"cap_mw": 2.0, "periods": [period(1, 3)]}]}
    res = solve(prices, [cap])
    imp = res.timeseries["site.grid_import_mw"].to_numpy()
    np.testing.assert_allclose(imp, [CAP, 2.0, 2.0, CAP], atol=1e-9)
    assert res.objective_usd == pytest.approx(((V - prices) * imp).sum(), rel=1e-9)
    np.testing.assert_allclose(
        res.timeseries["import_cap.cap_mw"], [1000.0, 2.0, 2.0, 1000.0]
    )
    k = res.summary["programs"]["import_cap"]
    assert k["capped_h"] == 2.0
    assert k["binding_intervals"] == 2
    # Withheld: (3.5 − 2)·1 h twice. Shadow prices V − 30 and V − 40 per MW of cap.
    assert k["withheld_mwh"] == pytest.approx(3.0)
    assert k["cap_value_usd_per_mw"] == pytest.approx(2 * V - 70.0, rel=1e-9)
    # Mining is linear here, so the concavity bound is the exact profit lost.
    uncapped = ((V - prices) * CAP).sum()
    lost = uncapped - res.objective_usd
    assert k["profit_lost_at_most_usd"] == pytest.approx(lost, rel=1e-9)
    assert_balance_closes(res)


def test_import_cap_lowest_rule_applies_and_series_in_kw():
    prices = [20.0, 30.0, 40.0, 110.0]
    cap = {
        "type": "import_cap",
        "caps": [
            {"cap_mw": 3.0, "recurring": [{"start_hour": 0, "end_hour": 2}]},
            {"cap_mw": 1.0, "periods": [period(1, 2)]},
            {"cap_mw": 0.2, "price_above_usd_per_mwh": 100.0},  # curtail on instruction
        ],
        "cap_series": {
            "format": "inline",
            "unit": "kw",
            "values": [3000, 2500, 2500, 500],
        },
    }
    res = solve(prices, [cap])
    # hour 0: min(3, 3.0) · hour 1: min(3, 1, 2.5) · hour 2: 2.5 · hour 3: min(0.5, 0.2)
    expected = [3.0, 1.0, 2.5, 0.2]
    np.testing.assert_allclose(
        res.timeseries["site.grid_import_mw"], expected, atol=1e-9
    )
    np.testing.assert_allclose(res.timeseries["import_cap.cap_mw"], expected)
    assert res.summary["programs"]["import_cap"]["binding_intervals"] == 4


def test_import_cap_at_or_above_the_connection_adds_no_row():
    cap = {"type": "import_cap", "caps": [{"cap_mw": 5.0, "periods": [period(0, 2)]}]}
    res = solve([20.0, 30.0], [cap], site={"import_limit_mw": 4.0})
    assert res.summary["programs"]["import_cap"]["capped_intervals"] == 0
    np.testing.assert_allclose(res.timeseries["import_cap.cap_mw"], 4.0)


def test_import_cap_window_outside_the_horizon_is_an_error():
    out = {"start": "2024-07-01T00:00:00+00:00", "end": "2024-07-02T00:00:00+00:00"}
    cap = {"type": "import_cap", "caps": [{"cap_mw": 2.0, "periods": [out]}]}
    with pytest.raises(ScenarioError) as err:
        solve([20.0, 30.0], [cap])
    text = str(err.value)
    assert "programs.import_cap.caps[0].periods[0]" in text
    assert "outside the horizon" in text


def test_import_cap_needs_a_cap_and_a_power_series():
    with pytest.raises(ScenarioError, match="give caps"):
        solve([20.0], [{"type": "import_cap"}])
    price_series = {"format": "inline", "unit": "usd_per_mwh", "values": [1.0]}
    with pytest.raises(Exception, match=r"programs\.import_cap\.cap_series") as err:
        solve([20.0], [{"type": "import_cap", "cap_series": price_series}])
    assert "power_" in str(err.value)


# ---- energy quota --------------------------------------------------------------------
QUOTA_PRICES = np.array([50.0, 10.0, 80.0, 30.0, 20.0, 60.0])


@pytest.mark.parametrize(
    ("quota_mwh", "partial"),
    [(2.5 * CAP, "full"), (4 * 2.5 * CAP, "prorate")],  # 6 h of a day: prorate ÷ 4
)
def test_quota_binds_and_the_fleet_mines_in_the_cheapest_hours(quota_mwh, partial):
    # 8.75 MWh = 2.5 h at full power: the two cheapest hours (10, 20) in full, the
    # third (30) at half power. The quota's shadow price is V − 30 per MWh.
    quota = {
        "type": "energy_quota",
        "quota_mwh": quota_mwh,
        "period": "day",
        "partial_periods": partial,
    }
    res = solve(QUOTA_PRICES, [quota])
    power = res.timeseries["fleet.power_mw"].to_numpy()
    np.testing.assert_allclose(power, [0.0, CAP, 0.0, CAP / 2, CAP, 0.0], atol=1e-9)
    expected = (V - 10.0) * CAP + (V - 20.0) * CAP + (V - 30.0) * CAP / 2
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    k = res.summary["programs"]["energy_quota"]
    assert k["periods"] == 1
    assert k["binding_periods"] == 1
    assert k["used_mwh"] == pytest.approx(2.5 * CAP)
    assert k["quota_mwh"] == pytest.approx(2.5 * CAP)
    (day,) = k["by_period"]
    assert day["shadow_price_usd_per_mwh"] == pytest.approx(V - 30.0, rel=1e-9)
    assert k["withheld_mwh"] == pytest.approx(6 * CAP - 2.5 * CAP)


def test_quota_periods_follow_the_local_calendar():
    # Two local days in Chicago (CDT, UTC−5), quota = one hour at full power per day.
    # The cheapest hour of local day 1 is its last (23:00 CDT = 04:00 UTC of the next
    # UTC day), so grouping by UTC days would pick other hours.
    prices = np.full(48, 50.0)
    prices[23] = 5.0  # local day 1, 23:00
    prices[2] = 10.0  # local day 1, 02:00
    prices[30] = 8.0  # local day 2, 06:00
    quota = {"type": "energy_quota", "quota_mwh": CAP, "period": "day"}
    res = solve(
        prices,
        [quota],
        start="2024-06-03T00:00:00-05:00",
        horizon={"timezone": "America/Chicago"},
    )
    power = res.timeseries["fleet.power_mw"].to_numpy()
    on = np.flatnonzero(power > 1e-6)
    np.testing.assert_array_equal(on, [23, 30])
    k = res.summary["programs"]["energy_quota"]
    assert [p["start"] for p in k["by_period"]] == [
        "2024-06-03T00:00:00-05:00",
        "2024-06-04T00:00:00-05:00",
    ]
    assert [p["used_mwh"] for p in k["by_period"]] == pytest.approx([CAP, CAP])


def test_quota_month_and_week_periods_count_local_hours():
    # March 2024 in Chicago has 743 hours (spring forward on the 10th).
    index = pd.date_range(
        "2024-03-01T06:00:00+00:00",
        "2024-04-01T05:00:00+00:00",
        freq="h",
        inclusive="left",
    )
    codes, starts, ends = local_periods(index, "America/Chicago", "month")
    assert set(codes) == {0}
    assert (
        (ends[0] - starts[0])
        == pd.Timedelta(hours=743)
        == pd.Timedelta(hours=len(index))
    )
    codes, starts, ends = local_periods(index, "America/Chicago", "week")
    # Fri 1 March: its week started Mon 26 Feb; then Mondays 4, 11, 18 and 25 March.
    assert len(starts) == 5
    assert starts[0].tz_convert("America/Chicago").isoformat().startswith("2024-02-26")
    # The week of 4 March holds the spring-forward Sunday: 167 hours.
    assert ends[1] - starts[1] == pd.Timedelta(hours=167)
    assert np.all(np.diff(codes) >= 0)


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"quota_mw": 5.0, "period": "day"}, ["quota_mw", "energy per period"]),
        (
            {
                "quota_mwh": {"format": "inline", "unit": "mw", "values": [5.0]},
                "period": "day",
            },
            ["quota_mwh", "'mw'", "a power", "energy per period"],
        ),
    ],
)
def test_quota_in_power_units_is_refused(entry, words):
    with pytest.raises(ScenarioError) as err:
        small_scenario([20.0], [fleet()], programs=[{"type": "energy_quota", **entry}])
    text = str(err.value)
    assert "programs[0]" in text
    for word in words:
        assert word in text


# ---- mining ban ----------------------------------------------------------------------
def test_ban_forces_zero_in_its_window_and_not_outside():
    # Two fleets, both profitable at every price; banned 01:00-03:00.
    prices = np.array([20.0, 30.0, 40.0, 50.0])
    fleets = [fleet(), fleet("xp", "asic/antminer_s19_xp")]
    ban = {"type": "mining_ban", "windows": {"periods": [period(1, 3)]}}
    res = solve(prices, [ban], assets=fleets)
    ts = res.timeseries
    on = np.array([1.0, 0.0, 0.0, 1.0])
    np.testing.assert_allclose(ts["fleet.power_mw"], on * CAP, atol=1e-9)
    np.testing.assert_allclose(ts["xp.power_mw"], on * 3.01, atol=1e-9)
    expected = (on * ((V - prices) * CAP + (V_XP - prices) * 3.01)).sum()
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)
    k = res.summary["programs"]["mining_ban"]
    assert k["banned_h"] == 2.0
    assert k["binding_intervals"] == 2
    assert k["withheld_mwh"] == pytest.approx(2 * (CAP + 3.01))
    assert k["max_power_in_window_mw"] == 0.0


def test_ban_on_one_named_fleet_leaves_the_other_running():
    fleets = [fleet(), fleet("xp", "asic/antminer_s19_xp")]
    ban = {
        "type": "mining_ban",
        "asset_ids": ["xp"],
        "windows": {"periods": [period(0, 2)]},
    }
    res = solve([20.0, 30.0], [ban], assets=fleets)
    np.testing.assert_allclose(res.timeseries["fleet.power_mw"], CAP, atol=1e-9)
    np.testing.assert_allclose(res.timeseries["xp.power_mw"], 0.0, atol=1e-9)


@pytest.mark.parametrize(
    ("asset_ids", "words"),
    [
        (["battery"], ["'battery' is a battery", "asic_fleet", "(here: fleet)"]),
        (["nope"], ["'nope' is not an asset of the site", "fleet, battery"]),
    ],
)
def test_ban_on_an_asset_that_is_not_an_asic_fleet_is_an_error(asset_ids, words):
    ban = {
        "type": "mining_ban",
        "asset_ids": asset_ids,
        "windows": {"periods": [period(0, 1)]},
    }
    with pytest.raises(ScenarioError) as err:
        solve([20.0], [ban], assets=[fleet(), BATTERY])
    text = str(err.value)
    assert "programs.mining_ban.asset_ids" in text
    for word in words:
        assert word in text


# ---- emergency curtailment (SB 6) ----------------------------------------------------
def test_emergency_keeps_the_fraction_curtailed_even_when_mining_pays():
    # Events: 01:00-02:00 and every interval above 100 USD/MWh (hour 3 at 110, where
    # mining still pays V − 110 = 6.67). At least 60 % of 3.5 MW off: ≤ 1.4 MW.
    prices = np.array([20.0, 30.0, 40.0, 110.0])
    sb6 = {
        "type": "emergency_curtailment",
        "min_curtail_frac": 0.6,
        "events": {"periods": [period(1, 2)], "price_above_usd_per_mwh": 100.0},
    }
    res = solve(prices, [sb6], assets=[fleet(), BATTERY])
    power = res.timeseries["fleet.power_mw"].to_numpy()
    np.testing.assert_allclose(power, [CAP, 1.4, CAP, 1.4], atol=1e-9)
    k = res.summary["programs"]["emergency_curtailment"]
    assert k["assets"] == "fleet"  # the battery is not a curtailable load
    assert k["event_h"] == 2.0
    assert k["binding_intervals"] == 2
    assert k["curtailed_in_events_mwh"] == pytest.approx(2 * 0.6 * CAP)
    assert k["withheld_mwh"] == pytest.approx(2 * 0.6 * CAP)
    assert k["max_load_in_events_mw"] <= 1.4 + 1e-9


def test_emergency_profit_by_hand_without_other_assets():
    prices = np.array([20.0, 30.0, 40.0, 110.0])
    sb6 = {
        "type": "emergency_curtailment",
        "min_curtail_frac": 1.0,
        "events": {"periods": [period(3, 4)]},
    }
    res = solve(prices, [sb6])
    expected = ((V - prices) * CAP)[:3].sum()
    assert res.objective_usd == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("forbid", [None, True, False], ids=["default", "on", "off"])
def test_emergency_keeps_batteries_from_charging_so_the_grid_draw_falls(forbid):
    # The event is hour 1, the cheapest (5 USD/MWh, against 100 either side): a
    # battery would charge there at full power. By default (SB 6 limits the site's
    # draw) it may not, so the grid import in the event is the curtailed fleet's
    # 0.4 × 3.5 = 1.4 MW; with forbid_storage_charging false it charges 1 MW on
    # top. Charging at 100 to discharge at 100 loses energy, so the default battery
    # stays idle (cyclic end state).
    prices = np.array([100.0, 5.0, 100.0])
    sb6: dict[str, object] = {
        "type": "emergency_curtailment",
        "min_curtail_frac": 0.6,
        "events": {"periods": [period(1, 2)]},
    }
    if forbid is not None:
        sb6["forbid_storage_charging"] = forbid
    res = solve(prices, [sb6], assets=[fleet(), BATTERY])
    assert_balance_closes(res)
    ts = res.timeseries
    np.testing.assert_allclose(ts["fleet.power_mw"], [CAP, 1.4, CAP], atol=1e-9)
    k = res.summary["programs"]["emergency_curtailment"]
    charge = ts["battery.charge_mw"].to_numpy()
    if forbid is False:
        assert charge[1] == pytest.approx(1.0)
        assert ts["site.grid_import_mw"].iloc[1] == pytest.approx(1.4 + 1.0)
        assert k["storage_held"] == ""
        return
    assert ts["battery.net_load_mw"].iloc[1] <= 1e-9
    assert ts["site.grid_import_mw"].iloc[1] <= 1.4 + 1e-9
    assert k["storage_held"] == "battery"
    assert k["storage_binding_intervals"] == 1
    # The shadow-price bound covers what the no-charging rule cost.
    free = solve(
        prices, [{**sb6, "forbid_storage_charging": False}], assets=[fleet(), BATTERY]
    )
    lost = free.objective_usd - res.objective_usd
    assert lost > 0
    assert lost <= k["profit_lost_at_most_usd"] + 1e-6


@pytest.mark.parametrize("frac", [-0.1, 1.5])
def test_emergency_fraction_outside_zero_one_is_a_schema_error(frac):
    sb6 = {
        "type": "emergency_curtailment",
        "min_curtail_frac": frac,
        "events": {"periods": [period(0, 1)]},
    }
    with pytest.raises(ScenarioError, match=r"programs\[0\]\.min_curtail_frac"):
        small_scenario([20.0], [fleet()], programs=[sb6])


def test_emergency_on_a_battery_is_an_error():
    sb6 = {
        "type": "emergency_curtailment",
        "min_curtail_frac": 0.5,
        "asset_ids": ["battery"],
        "events": {"periods": [period(0, 1)]},
    }
    with pytest.raises(ScenarioError, match="'battery' is a battery"):
        solve([20.0], [sb6], assets=[fleet(), BATTERY])


# ---- shared helpers ------------------------------------------------------------------
def test_programs_share_one_field_path_and_it_is_not_a_program():
    from grid_flex.programs import (
        REGISTRY,
        _paths,
        demand_charge,
        emergency_curtailment,
        emissions,
        fixed_price_contract,
        four_cp,
        import_cap,
        mining_ban,
    )

    users = [
        demand_charge,
        emergency_curtailment,
        emissions,
        fixed_price_contract,
        four_cp,
        import_cap,
        mining_ban,
    ]
    for module in users:
        assert module.field_path is _paths.field_path, module.__name__
    assert _paths.field_path("cap", "caps[0]") == "programs.cap.caps[0]"
    assert not hasattr(_paths, "TYPE")
    assert _paths not in REGISTRY.values()


# ---- all together --------------------------------------------------------------------
def test_data_free_check_accepts_every_limit():
    programs = [
        {
            "type": "import_cap",
            "caps": [{"cap_mw": 2.0, "price_above_usd_per_mwh": 90}],
        },
        {"type": "energy_quota", "quota_mwh": 5.0, "period": "week"},
        {
            "type": "mining_ban",
            "windows": {"recurring": [{"start_hour": 1, "end_hour": 2}]},
        },
        {
            "type": "emergency_curtailment",
            "min_curtail_frac": 0.5,
            "events": {"price_above_usd_per_mwh": 100.0},
        },
        {
            "type": "fixed_price_contract",
            "block_mw": 1.0,
            "fixed_price_usd_per_mwh": 30,
        },
    ]
    sc = small_scenario([20.0, 200.0, 30.0], [fleet()], programs=programs)
    check_scenario(sc)  # price triggers need data: skipped, not failed
    res = run(sc)
    assert_balance_closes(res)
    assert set(res.summary["programs"]) == {
        "import_cap",
        "energy_quota",
        "mining_ban",
        "emergency_curtailment",
        "contract",
    }


# ---- data-free checks of the assets named -------------------------------------------
@pytest.mark.parametrize(
    ("program", "words"),
    [
        (
            {"type": "mining_ban", "asset_ids": ["battery"]},
            [
                "programs.mining_ban.asset_ids: 'battery' is a battery; a mining ban "
                "applies to asic_fleet assets only (here: fleet)"
            ],
        ),
        (
            {"type": "mining_ban", "asset_ids": ["fleet", "nope"]},
            [
                "programs.mining_ban.asset_ids: 'nope' is not an asset of the site "
                "(assets: fleet, battery)"
            ],
        ),
        (
            {"type": "emergency_curtailment", "asset_ids": ["battery"]},
            [
                "programs.emergency_curtailment.asset_ids: 'battery' is a battery; "
                "emergency curtailment applies to asic_fleet or gpu_cluster assets "
                "only (here: fleet)"
            ],
        ),
        (
            {"type": "emergency_curtailment", "asset_ids": ["nope"]},
            [
                "programs.emergency_curtailment.asset_ids: 'nope' is not an asset of "
                "the site (assets: fleet, battery)"
            ],
        ),
    ],
    ids=["ban_battery", "ban_unknown", "emergency_battery", "emergency_unknown"],
)
def test_data_free_check_refuses_assets_a_limit_cannot_apply_to(program, words):
    # Price-triggered windows need data check_scenario does not read: the assets are
    # checked before them, so grid-flex validate --no-data finds these mistakes.
    trigger = {"price_above_usd_per_mwh": 100.0}
    entry = dict(program)
    if entry["type"] == "mining_ban":
        entry["windows"] = trigger
    else:
        entry |= {"events": trigger, "min_curtail_frac": 0.5}
    sc = small_scenario([20.0, 200.0], [fleet(), BATTERY], programs=[entry])
    with pytest.raises(ScenarioError) as err:
        check_scenario(sc)
    text = str(err.value)
    for word in words:
        assert word in text


@pytest.mark.parametrize(
    ("program", "words"),
    [
        (
            {"type": "mining_ban", "windows": {"price_above_usd_per_mwh": 100.0}},
            "programs.mining_ban.asset_ids: a mining ban applies to asic_fleet "
            "assets and the site has none (assets: battery)",
        ),
        (
            {
                "type": "emergency_curtailment",
                "min_curtail_frac": 0.5,
                "events": {"price_above_usd_per_mwh": 100.0},
            },
            "programs.emergency_curtailment.asset_ids: emergency curtailment applies "
            "to asic_fleet or gpu_cluster assets and the site has none (assets: "
            "battery)",
        ),
    ],
    ids=["ban", "emergency"],
)
def test_data_free_check_refuses_a_default_with_no_asset_to_apply_to(program, words):
    sc = small_scenario([20.0, 200.0], [BATTERY], programs=[program])
    with pytest.raises(ScenarioError) as err:
        check_scenario(sc)
    assert words in str(err.value)
