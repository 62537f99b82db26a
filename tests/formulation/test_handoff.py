"""The array hand-off to HiGHS agrees with Pyomo's own compilation and honours edits."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from grid_flex.api import build_model, extract, prepare_inputs, solve
from grid_flex.model.handoff import compile_model
from grid_flex.solve import solve_model
from grid_flex.testing import small_scenario

pytestmark = pytest.mark.solver

ASSETS = [
    {
        "type": "asic_fleet",
        "id": "fleet",
        "model": "asic/antminer_s19j_pro",
        "count": 2000,
        "hashrate_curve": "catalog",
    },
    {
        "type": "battery",
        "id": "bess",
        "model": "battery/generic_lfp_4h_1mw",
        "count": 2,
        "initial_soc_frac": None,
        "final_soc": "cyclic",
        "self_discharge_frac_per_h": 0.001,
    },
]


def site_for(prices, **patch):
    sc = small_scenario(prices, ASSETS, site={"import_limit_mw": 5.0}, **patch)
    return build_model(prepare_inputs(sc))


@pytest.fixture
def prices():
    rng = np.random.default_rng(11)
    return rng.uniform(-10, 160, 36)


def _canonical(A, lb, ub, rows_key):
    """Rows as sorted tuples so that two compilations can be compared."""
    A = A.tocsr()
    out = []
    for i in range(A.shape[0]):
        lo, hi = A.indptr[i], A.indptr[i + 1]
        terms = tuple(
            sorted(
                zip(
                    A.indices[lo:hi].tolist(), np.round(A.data[lo:hi], 12), strict=False
                )
            )
        )
        out.append((rows_key[i], terms, lb[i], ub[i]))
    return sorted(out, key=lambda r: str(r[0]))


def test_matrices_match_pyomo_standard_form(prices):
    site = site_for(prices)
    ours = compile_model(site.model)
    ref = LinearStandardFormCompiler().write(
        site.model, mixed_form=True, set_sense=None
    )
    # Map Pyomo's columns onto ours.
    ours_col = {id(v): j for j, v in enumerate(ours.columns)}
    perm = np.array([ours_col[id(v)] for v in ref.columns])
    A_ref = ref.A.tocsr()
    # Pyomo drops unused columns; ours keeps them with zero cost and no rows.
    used = np.zeros(len(ours.columns), bool)
    used[perm] = True
    assert not ours.A.tocsc()[:, ~used].count_nonzero()
    # Rows: Pyomo's mixed form gives (constraint, sense); compare row by row.
    ref_rows = {}
    for i, (con, sense) in enumerate(ref.rows):
        lo, hi = A_ref.indptr[i], A_ref.indptr[i + 1]
        terms = sorted(
            zip(perm[A_ref.indices[lo:hi]].tolist(), A_ref.data[lo:hi], strict=False)
        )
        ref_rows[id(con)] = (terms, sense, ref.rhs[i])
    ours_csr = ours.A.tocsr()
    n_checked = 0
    for owner in ours.row_owners:
        assert owner.family is not None
        for k, pos in enumerate(owner.positions):
            con = owner.family.data[pos]
            r = owner.start + k
            lo, hi = ours_csr.indptr[r], ours_csr.indptr[r + 1]
            terms = sorted(
                zip(
                    ours_csr.indices[lo:hi].tolist(), ours_csr.data[lo:hi], strict=False
                )
            )
            ref_terms, sense, rhs = ref_rows[id(con)]
            assert [t[0] for t in terms] == [t[0] for t in ref_terms]
            np.testing.assert_allclose([t[1] for t in terms], [t[1] for t in ref_terms])
            if sense == 0:
                assert ours.row_lb[r] == pytest.approx(rhs)
                assert ours.row_ub[r] == pytest.approx(rhs)
            elif sense == 1:
                assert ours.row_ub[r] == pytest.approx(rhs)
            else:
                assert ours.row_lb[r] == pytest.approx(rhs)
            n_checked += 1
    assert n_checked == len(ref_rows)
    c_ref = np.zeros(len(ours.columns))
    c_ref[perm] = ref.c.toarray().ravel()
    np.testing.assert_allclose(ours.c, c_ref, atol=1e-12)
    bounds_ref = [(v.lb, v.ub) for v in ref.columns]
    for j, (lo, hi) in zip(perm, bounds_ref, strict=True):
        assert ours.col_lb[j] == (lo if lo is not None else -np.inf)
        assert ours.col_ub[j] == (hi if hi is not None else np.inf)


def test_objective_matches_pyomo_highs_interface(prices):
    site = site_for(prices)
    ours = solve(site).objective
    result = pyo.SolverFactory("highs").solve(site.model)
    assert str(result.solver.termination_condition).endswith("optimal")
    assert pyo.value(site.model.objective) == pytest.approx(ours, rel=1e-9)


def test_user_constraint_added_through_extra_is_honoured(prices):
    cap_mwh = 40.0

    def cap_energy(site):
        m = site.model
        m.energy_cap = pyo.Constraint(
            expr=sum(m.grid_import_mw[t] for t in m.T) <= cap_mwh
        )

    sc = small_scenario(prices, ASSETS, site={"import_limit_mw": 5.0})
    free = solve(build_model(prepare_inputs(sc)))
    site = build_model(prepare_inputs(sc), extra=cap_energy)
    sol = solve(site)
    res = extract(site, sol)
    assert res.summary["energy_bought_mwh"] == pytest.approx(cap_mwh, rel=1e-9)
    assert sol.objective < free.objective
    ref = pyo.SolverFactory("highs").solve(site.model)
    assert str(ref.solver.termination_condition).endswith("optimal")
    assert pyo.value(site.model.objective) == pytest.approx(sol.objective, rel=1e-9)


def test_deactivated_rows_and_fixed_variables_are_honoured(prices):
    site = site_for(prices)
    m = site.model
    # Force the fleet's first curve segment to run flat out in interval 3 ...
    seg = m.asset["fleet"].segment_power_mw
    seg[0, 3].fix(seg[0, 3].ub)
    # ... and drop the battery's end-state link (the cyclic constraint).
    m.asset["bess"].soc_final.deactivate()
    sol = solve_model(m)
    assert seg[0, 3].value == pytest.approx(seg[0, 3].ub)
    ref = pyo.SolverFactory("highs").solve(m)
    assert str(ref.solver.termination_condition).endswith("optimal")
    assert pyo.value(m.objective) == pytest.approx(sol.objective, rel=1e-9)


def test_rewritten_row_is_compiled_from_its_expression(prices):
    site = site_for(prices)
    m = site.model
    # Halve the import limit in interval 0 by rewriting that balance row.
    m.power_balance[0].set_value(
        m.grid_import_mw[0] * 2
        == m.asset["fleet"].power_mw[0] + m.asset["bess"].net_load_mw[0]
    )
    sol = solve_model(m)
    ref = pyo.SolverFactory("highs").solve(m)
    assert str(ref.solver.termination_condition).endswith("optimal")
    assert pyo.value(m.objective) == pytest.approx(sol.objective, rel=1e-9)


def test_duals_match_pyomo_and_reach_a_dual_suffix(prices):
    site = site_for(prices)
    m = site.model
    m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    sol = solve_model(m)
    balance = sol.family_duals(site.layer.constraints[-1])
    soc = sol.family_duals(site.layer.constraints[0])
    assert [m.dual[m.power_balance[t]] for t in m.T] == pytest.approx(balance)
    m.dual.clear()
    pyo.SolverFactory("highs").solve(m)
    assert [m.dual[m.power_balance[t]] for t in m.T] == pytest.approx(balance, rel=1e-7)
    ref_soc = [m.dual[m.asset["bess"].soc_balance[t]] for t in m.T]
    assert ref_soc == pytest.approx(soc, rel=1e-7)


def test_balance_dual_is_minus_the_price_when_the_fleet_is_full():
    # One interval, fleet at capacity (hashing worth 117 > 50): one more MW of forced
    # import has no use and costs the price: d(profit)/d(rhs) = -50 USD per MW-hour.
    fleet = {"type": "asic_fleet", "id": "f", "model": "asic/antminer_s21", "count": 10}
    site = build_model(prepare_inputs(small_scenario([50.0], [fleet])))
    sol = solve(site)
    (dual,) = sol.family_duals(site.layer.constraints[-1])
    assert dual == pytest.approx(-50.0)


def test_site_embeds_as_a_block_of_a_planning_model(prices):
    from grid_flex.site import build_site

    sc = small_scenario(prices, ASSETS, site={"import_limit_mw": 5.0})
    inputs = prepare_inputs(sc)
    plan = pyo.ConcreteModel()
    plan.site = pyo.Block()
    site = build_site(plan.site, inputs, objective=False)
    plan.transmission_mw = pyo.Var(bounds=(0, 3.0))
    plan.link = pyo.Constraint(
        plan.site.T, rule=lambda m, t: m.site.grid_import_mw[t] <= m.transmission_mw
    )
    plan.obj = pyo.Objective(
        expr=plan.site.profit_usd - 50.0 * plan.transmission_mw, sense=pyo.maximize
    )
    sol = solve_model(plan)
    ref_obj = sol.objective
    pyo.SolverFactory("highs").solve(plan)
    assert pyo.value(plan.obj) == pytest.approx(ref_obj, rel=1e-9)
    res = extract(site, sol)
    assert res.summary["peak_import_mw"] <= plan.transmission_mw.value + 1e-9
