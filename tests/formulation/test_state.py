"""Each piece of state rolling operation carries: carried, it gives the hand optimum;
not carried (the module's ``resume`` disabled), the run breaks or loses money.
"""

from __future__ import annotations

from typing import Any

import pytest

from grid_flex.assets import battery
from grid_flex.errors import SolveError
from grid_flex.studies.rolling import run_rolling
from grid_flex.testing import small_scenario

pytestmark = pytest.mark.solver

BATTERY: dict[str, Any] = {
    "type": "battery",
    "id": "bess",
    "model": "battery/generic_lfp_4h_1mw",
    "energy_mwh": 4.0,
    "power_mw": 1.0,
    "round_trip_eff_frac": 0.81,  # 0.9 each way
    "soc_min_frac": 0.0,
    "soc_max_frac": 1.0,
    "degradation_usd_per_mwh": 0.0,
    "initial_soc_frac": 0.0,
    "final_soc": "free",
}
EXPORT = {"site": {"import_limit_mw": 10.0, "export_limit_mw": 10.0}}


def _forget(monkeypatch: pytest.MonkeyPatch, module: Any) -> None:
    """Break the carry: every window starts from the scenario's own start."""
    monkeypatch.setattr(module, "resume", lambda params, state: params)


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
