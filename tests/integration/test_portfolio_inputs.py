"""Portfolio specs that used to be silently wrong or explained in LP terms.

An initial allocation a limit forbids (exit 2 naming both fields, before any
solve), an event after the horizon (a warning; it changes nothing), a magnitude
bound reported once.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from grid_flex.api import prepare_inputs
from grid_flex.cli import main
from grid_flex.conventions import mining_value_usd_per_mwh
from grid_flex.errors import InputWarning, ScenarioError
from grid_flex.studies.portfolio import (
    Fleet,
    HostingOffer,
    Period,
    PolicyEvent,
    PortfolioSite,
    run_portfolio,
)
from grid_flex.testing import s21_fleet, small_scenario

pytestmark = pytest.mark.solver

V = mining_value_usd_per_mwh(0.05, 17.5, 0.0)  # 119.05 USD/MWh: an S21 at 0.05
T0 = pd.Timestamp("2024-06-03T00:00:00+00:00")
H = pd.Timedelta(hours=1)
PERIODS = [Period("wet", T0, T0 + 2 * H), Period("dry", T0 + 2 * H, T0 + 4 * H)]


def site(sid: str, prices: list[float], **kw: Any) -> PortfolioSite:
    sc = small_scenario(prices, [s21_fleet(power_mw=1.0, hashrate_curve="linear")])
    return PortfolioSite(sid, prepare_inputs(sc), **kw)


def site_yaml(prices: list[float]) -> dict[str, Any]:
    return {
        "name": "site",
        "site": {"import_limit_mw": 100.0},
        "horizon": {
            "start": "2024-06-03T00:00:00+00:00",
            "end": f"2024-06-03T{len(prices):02d}:00:00+00:00",
            "timestep_min": 60,
            "timezone": "UTC",
        },
        "energy": {
            "price": {"format": "inline", "unit": "usd_per_mwh", "values": prices}
        },
        "hashprice": {"usd_per_ths_day": 0.05},
        "assets": [s21_fleet(power_mw=1.0, hashrate_curve="linear", pue=1.0)],
    }


def write_spec(tmp: Path, **patch: Any) -> Path:
    (tmp / "a.yaml").write_text(yaml.safe_dump(site_yaml([20.0, 20.0, 110.0, 110.0])))
    (tmp / "b.yaml").write_text(yaml.safe_dump(site_yaml([110.0, 110.0, 20.0, 20.0])))
    spec: dict[str, Any] = {
        "sites": [{"id": "A", "scenario": "a.yaml"}, {"id": "B", "scenario": "b.yaml"}],
        "fleets": [{"id": "fleet", "power_mw": 1.0, "initial": {"A": 1.0}}],
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
        **patch,
    }
    path = tmp / "portfolio.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def cli(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def test_initial_above_a_sites_max_fleet_mw_exits_2_naming_both_fields(
    tmp_path: Path,
) -> None:
    spec = write_spec(
        tmp_path,
        sites=[
            {"id": "A", "scenario": "a.yaml", "max_fleet_mw": 0.5},
            {"id": "B", "scenario": "b.yaml"},
        ],
    )
    code, output = cli("portfolio", spec, "-q", "-o", tmp_path / "out")
    assert code == 2, output
    assert (
        "fleets[0].initial.A: 1 MW at site 'A' is above sites[0].max_fleet_mw (0.5 MW)"
        in output
    )
    assert "alloc" not in output  # the spec's terms, not the LP's
    assert not (tmp_path / "out").exists()


def test_initial_above_an_event_or_a_hosting_capacity_of_the_first_period() -> None:
    s = [site("A", [20.0] * 4), site("B", [60.0] * 4)]
    fleet = [Fleet("fleet", 1.0, initial={"A": 1.0})]
    # A ban from 01:00 binds the whole first period (00:00-02:00).
    with pytest.raises(ScenarioError) as err:
        run_portfolio(s, fleet, PERIODS, events=[PolicyEvent("A", T0 + H, 0.0)])
    assert "fleets[0].initial.A: 1 MW at site 'A' is above events[0] (0 MW" in str(
        err.value
    )
    with pytest.raises(ScenarioError, match=r"hosting\[0\]\.capacity_mw \(0\.4 MW"):
        run_portfolio(
            s,
            [Fleet("fleet", 1.0, initial={"host": 1.0})],
            PERIODS,
            hosting=[HostingOffer("host", 50.0, 0.4)],
        )


def test_initial_at_the_limit_and_a_later_ban_still_solve() -> None:
    # 1 MW at A's cap of 1 MW; A (20 USD/MWh) banned from the dry period, B costs
    # 60: the fleet mines at A, then moves (no cost, no downtime) and mines at B:
    # 2 (V − 20) + 2 (V − 60).
    res = run_portfolio(
        [site("A", [20.0] * 4, max_fleet_mw=1.0), site("B", [60.0] * 4)],
        [Fleet("fleet", 1.0, initial={"A": 1.0})],
        PERIODS,
        events=[PolicyEvent("A", T0 + 2 * H, 0.0)],
    )
    assert res.objective_usd == pytest.approx(2 * (V - 20) + 2 * (V - 60), rel=1e-9)


def test_event_after_the_horizon_warns_and_changes_nothing() -> None:
    s = [site("A", [20.0] * 4), site("B", [60.0] * 4)]
    fleet = [Fleet("fleet", 1.0)]
    late = PolicyEvent("A", T0 + pd.Timedelta(days=366), 0.0)  # a year late
    with pytest.warns(InputWarning, match=r"events\[0\]\.start: .* changes nothing"):
        res = run_portfolio(s, fleet, PERIODS, events=[late])
    # All at A (20 USD/MWh) throughout: 4 (V − 20), as without the event.
    assert res.objective_usd == pytest.approx(4 * (V - 20), rel=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)  # an event inside: no warning
        run_portfolio(s, fleet, PERIODS, events=[PolicyEvent("A", T0 + 2 * H, 0.0)])


def test_event_after_the_horizon_warns_on_the_command_line(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path, events=[{"site": "A", "start": "2025-06-03T00:00:00+00:00"}]
    )
    code, output = cli("portfolio", spec, "-q")
    assert code == 0, output
    assert "warning: events[0].start: 2025-06-03 00:00:00+00:00 is not before" in output


def test_a_magnitude_bound_is_reported_once(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, fleets=[{"id": "fleet", "power_mw": 1e6}])
    code, output = cli("portfolio", spec, "-q")
    assert code == 2, output
    lines = [line for line in output.splitlines() if "fleets[0].power_mw" in line]
    assert len(lines) == 1, output
    assert "beyond 5000 MW" in lines[0]
