"""Battery regulation the DER-VET way (``battery_deployment: state_of_charge``).

Checked by hand on one hour, and against a second formulation: the same 48 hours of
CAISO 2020 prices (the DER-VET file) written as an LP in DER-VET's own variables
(state of energy at the *start* of each step, the four legs, an energy-option term
in the balance) and solved by scipy's HiGHS. Both must reach the same optimum.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

from grid_flex.errors import ScenarioError
from grid_flex.inputs import prepare_inputs
from grid_flex.io.scenario import scenario_from_dict
from grid_flex.resources import data_dir
from grid_flex.testing import assert_balance_closes, small_scenario

pytestmark = pytest.mark.solver

AS = "ancillary_services"


def battery(**kw: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "battery",
        "id": "bess",
        "model": "battery/generic_lfp_4h_1mw",
        "energy_mwh": 4.0,
        "power_mw": 1.0,
        "charge_eff_frac": 0.9,  # efficiencies differ (DER-VET: RTE on charging)
        "discharge_eff_frac": 1.0,
        "soc_min_frac": 0.0,
        "soc_max_frac": 1.0,
        "self_discharge_frac_per_h": 0.0,
        "degradation_usd_per_mwh": 0.0,
        "initial_soc_frac": 0.5,
        "final_soc": "free",
    }
    entry.update(kw)
    return entry


def regulation(up: Any, down: Any, **kw: Any) -> dict[str, Any]:
    def service(name: str, direction: str, price: Any) -> dict[str, Any]:
        key = (
            "capacity_price"
            if isinstance(price, dict)
            else ("capacity_price_usd_per_mw_per_h")
        )
        return {
            "name": name,
            "direction": direction,
            key: price,
            "deployment_frac": 0.3,
            "min_duration_h": 0.0,
            "eligible_assets": ["bess"],
        }

    return {
        "type": AS,
        "battery_deployment": "state_of_charge",
        "services": [service("reg_up", "up", up), service("reg_down", "down", down)],
        **kw,
    }


def test_one_hour_by_hand_deployment_moves_the_state_of_charge(solve_small):
    # 1 MW / 4 MWh, 2 MWh stored, η_c = 0.9, η_d = 1, energy free (price 0), 1 MW
    # connection both ways. Charging at 1 MW lets it offer 2 MW up (1 MW by charging
    # less, 1 MW by discharging) at 10 USD/MW/h: 20 USD, better than 1 up + 1 down
    # (15) when idle. Expected deployment 0.3 of each leg: the store ends at
    # 2 + 0.9 × 1 − 0.3 × (0.9 × 1 + 1 / 1) = 2.33 MWh (settled: it would end at 2.9).
    sc = small_scenario(
        [0.0],
        [battery()],
        hashprice_usd_per_ths_day=None,
        site={"import_limit_mw": 1.0, "export_limit_mw": 1.0},
        programs=[regulation(10.0, 5.0)],
    )
    res = solve_small(sc)
    ts = res.timeseries
    assert res.objective_usd == pytest.approx(20.0)
    assert ts["bess.charge_mw"].iloc[0] == pytest.approx(1.0)
    assert ts[f"{AS}.reg_up.bess.charge_offer_mw"].iloc[0] == pytest.approx(1.0)
    assert ts[f"{AS}.reg_up.bess.discharge_offer_mw"].iloc[0] == pytest.approx(1.0)
    assert ts[f"{AS}.reg_down.bess.offer_mw"].iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert ts["bess.soc_mwh"].iloc[0] == pytest.approx(2.33)
    assert_balance_closes(res)


@pytest.mark.parametrize(
    ("mode", "profit"), [("settled", 54.0), ("state_of_charge", 40.0)]
)
def test_deployed_energy_is_valued_in_the_store_not_bought_back(
    solve_small, mode, profit
):
    # Hour 0 at 40 USD/MWh, hour 1 at 100; η_c = 0.8, η_d = 1, empty at the start,
    # 1 MW import and export. Without reserves: charge 1 MW in hour 0 (0.8 MWh
    # stored), export it in hour 1: −40 + 80 = 40. Reg-up at 10 USD/MW/h in hour 0
    # only, 30 % expected deployment.
    # settled: a called MWh is bought back within the hour with its losses,
    #   V − p = 40/0.8 − 40 = 10 USD/MWh, 3 USD per MW-h offered; the 2 MW of
    #   headroom (stop charging + discharge) are offered: 40 + 2 × (10 − 3) = 54.
    # state_of_charge (DER-VET): the call moves the store. Charging 0.3 MWh less
    #   earns 0.3 × 40 = 12 but stores 0.3 × 0.8 = 0.24 MWh less, 24 USD lost in
    #   hour 1: 12 USD per MW-h; discharging 0.3 MWh more earns 12 and takes 0.3 MWh
    #   worth 30: 18 USD per MW-h. Both above 10: nothing offered, profit 40.
    sc = small_scenario(
        [40.0, 100.0],
        [battery(charge_eff_frac=0.8, initial_soc_frac=0.0)],
        hashprice_usd_per_ths_day=None,
        site={"import_limit_mw": 1.0, "export_limit_mw": 1.0},
        programs=[
            {
                "type": AS,
                "battery_deployment": mode,
                "services": [
                    {
                        "name": "reg_up",
                        "direction": "up",
                        "capacity_price_usd_per_mw_per_h": 10.0,
                        "deployment_frac": 0.3,
                        "min_duration_h": 0.0,
                        "eligible_assets": ["bess"],
                        "windows": {
                            "periods": [
                                {
                                    "start": "2024-06-03T00:00:00+00:00",
                                    "end": "2024-06-03T01:00:00+00:00",
                                }
                            ]
                        },
                    }
                ],
            }
        ],
    )
    res = solve_small(sc)
    assert res.objective_usd == pytest.approx(profit)
    assert_balance_closes(res)


def test_charge_and_discharge_efficiencies_must_come_together():
    with pytest.raises(ScenarioError, match="charge_eff_frac and discharge_eff_frac"):
        small_scenario(
            [0.0],
            [battery(discharge_eff_frac=None)],
            hashprice_usd_per_ths_day=None,
        )


# ---- second formulation: DER-VET's variables, scipy HiGHS ----------------------------
def caiso_scenario() -> dict[str, Any]:
    def column(name: str) -> dict[str, Any]:
        return {
            "format": "caiso_dervet",
            "file": str(data_dir() / "caiso_2020_da_energy_regup_regdn_dervet.csv"),
            "column": name,
        }

    return {
        "name": "dervet_check",
        "site": {"import_limit_mw": 1.0, "export_limit_mw": 1.0, "timezone": "UTC"},
        "horizon": {
            "start": "2020-07-14T00:00:00",
            "end": "2020-07-16T00:00:00",
            "timestep_min": 60,
            "timezone": "Etc/GMT+8",
        },
        "energy": {"price": column("price")},
        "assets": [
            battery(
                charge_eff_frac=0.85,
                discharge_eff_frac=1.0,
                soc_min_frac=0.05,
                soc_max_frac=0.95,
                degradation_usd_per_mwh=2.0,
                final_soc="cyclic",
            )
        ],
        "programs": [regulation(column("regup"), column("regdown"))],
    }


def dervet_reference(
    p: np.ndarray, pu: np.ndarray, pd: np.ndarray, f: float = 0.3
) -> float:
    """DER-VET-style LP on hourly steps; returns the optimal profit [USD].

    Variables per step t: ch, dis, up_ch, up_dis, down_ch, down_dis, imp, exp, and the
    state of energy ene[0..T] at step starts (ene[0] = ene[T] = 2 MWh). Balance:
    ene[t+1] = ene[t] + η_c·ch − dis/η_d + uene[t], the energy option
    uene = f·(η_c·(down_ch − up_ch) + (down_dis − up_dis)/η_d).
    """
    T = len(p)
    eta_c, eta_d, P, lo, hi, e0, deg = 0.85, 1.0, 1.0, 0.2, 3.8, 2.0, 2.0
    names = ["ch", "dis", "uc", "ud", "dc", "dd", "imp", "exp"]
    k = len(names)
    nvar = k * T + (T + 1)

    def v(name: str, t: int) -> int:
        return names.index(name) * T + t

    def ene(t: int) -> int:
        return k * T + t

    c = np.zeros(nvar)  # linprog minimises: cost = − profit
    for t in range(T):
        c[v("uc", t)] = c[v("ud", t)] = -(pu[t] + f * p[t])
        c[v("dc", t)] = c[v("dd", t)] = -(pd[t] - f * p[t])
        c[v("imp", t)] = p[t]
        c[v("exp", t)] = -p[t]
        c[v("dis", t)] = deg
    a_eq = lil_matrix((2 * T + 2, nvar))
    b_eq = np.zeros(2 * T + 2)
    for t in range(T):
        r = t  # state of energy evolution
        a_eq[r, ene(t + 1)] = 1.0
        a_eq[r, ene(t)] = -1.0
        a_eq[r, v("ch", t)] = -eta_c
        a_eq[r, v("dis", t)] = 1.0 / eta_d
        a_eq[r, v("dc", t)] = -f * eta_c
        a_eq[r, v("uc", t)] = f * eta_c
        a_eq[r, v("dd", t)] = -f / eta_d
        a_eq[r, v("ud", t)] = f / eta_d
        r = T + t  # point of interconnection: imp − exp = ch − dis
        a_eq[r, v("imp", t)] = 1.0
        a_eq[r, v("exp", t)] = -1.0
        a_eq[r, v("ch", t)] = -1.0
        a_eq[r, v("dis", t)] = 1.0
    a_eq[2 * T, ene(0)] = 1.0
    b_eq[2 * T] = e0
    a_eq[2 * T + 1, ene(T)] = 1.0
    b_eq[2 * T + 1] = e0
    rows: list[tuple[dict[int, float], float]] = []
    for t in range(T):
        rows += [
            ({v("uc", t): 1.0, v("ch", t): -1.0}, 0.0),  # charge less ≤ ch
            ({v("ud", t): 1.0, v("dis", t): 1.0}, P),  # discharge more ≤ P − dis
            ({v("dc", t): 1.0, v("ch", t): 1.0}, P),  # charge more ≤ P − ch
            ({v("dd", t): 1.0, v("dis", t): -1.0}, 0.0),  # discharge less ≤ dis
            # the POI must carry a full call: up ≤ imp − exp + export limit,
            # down ≤ import limit − imp + exp
            ({v("uc", t): 1, v("ud", t): 1, v("imp", t): -1, v("exp", t): 1}, 1.0),
            ({v("dc", t): 1, v("dd", t): 1, v("imp", t): 1, v("exp", t): -1}, 1.0),
        ]
    a_ub = lil_matrix((len(rows), nvar))
    b_ub = np.zeros(len(rows))
    for i, (coefs, rhs) in enumerate(rows):
        for j, val in coefs.items():
            a_ub[i, j] = val
        b_ub[i] = rhs
    bounds = [(0.0, P)] * (2 * T) + [(0.0, None)] * (4 * T) + [(0.0, 1.0)] * (2 * T)
    bounds += [(lo, hi)] * (T + 1)
    bounds[ene(0)] = (None, None)
    res = linprog(
        c,
        A_ub=a_ub.tocsr(),
        b_ub=b_ub,
        A_eq=a_eq.tocsr(),
        b_eq=b_eq,
        bounds=bounds,
        method="highs",
    )
    assert res.status == 0, res.message
    return float(-res.fun)


def test_caiso_2020_regulation_matches_a_dervet_style_formulation(solve_small):
    # CAISO 2020 (DER-VET file), 48 h of July: a 1 MW / 4 MWh battery, η_c = 0.85,
    # η_d = 1, selling regulation up and down at 30 % expected deployment.
    sc = scenario_from_dict(caiso_scenario(), source="test")
    inputs = prepare_inputs(sc, data_dir())
    params = inputs.programs[0][1]
    up, down = (s.price_usd_per_mw_per_h for s in params.services)
    expected = dervet_reference(inputs.import_price_usd_per_mwh, up, down)
    res = solve_small(sc)
    assert res.objective_usd == pytest.approx(expected, rel=1e-8, abs=1e-6)
    ts = res.timeseries
    # The legs respect the schedule; the store follows the deployed energy.
    assert (
        ts[f"{AS}.reg_up.bess.charge_offer_mw"] <= ts["bess.charge_mw"] + 1e-9
    ).all()
    assert (
        ts[f"{AS}.reg_down.bess.discharge_offer_mw"] <= ts["bess.discharge_mw"] + 1e-9
    ).all()
    assert res.summary["programs"][AS]["capacity_revenue_usd"] > 0
    assert_balance_closes(res)
