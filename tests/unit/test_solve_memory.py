"""What a one-off solve drops or hands back before HiGHS runs, and what stays right.

A one-off solve (:func:`grid_flex.api.solve_arrays`, what ``grid-flex solve`` runs)
releases the row families' coordinates once compiled and returns the pages its
allocators keep free (:func:`grid_flex.solve.release_free_memory`) before HiGHS
runs: the solution, duals and KPIs must be exactly those of a solve that keeps
everything.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import grid_flex.api as api
from grid_flex.inputs import prepare_inputs
from grid_flex.model.arrays import (
    ArrayBlock,
    ArrayLayer,
    attach_array_layer,
    compile_arrays,
)
from grid_flex.model.linear import VarArray
from grid_flex.site import build_site
from grid_flex.solve import SolveOptions
from grid_flex.testing import small_scenario

pytestmark = pytest.mark.solver

PRICES = [20.0, 80.0, 15.0, 120.0, 35.0, 60.0] * 4
BATTERY = {
    "type": "battery",
    "id": "b",
    "model": "battery/generic_lfp_4h_1mw",
    "power_mw": 2.0,
    "energy_mwh": 8.0,
}
FLEET = {"type": "asic_fleet", "id": "f", "model": "asic/antminer_s21", "count": 200}


def _inputs() -> api.ModelInputs:
    return prepare_inputs(small_scenario(PRICES, [FLEET, BATTERY]))


def test_released_rows_give_the_same_solution_duals_and_kpis(monkeypatch):
    inputs = _inputs()
    monkeypatch.setattr(ArrayLayer, "release_rows", lambda self: None)
    kept = api.solve_arrays(inputs, SolveOptions())
    monkeypatch.undo()
    # release on this small LP too (the solve's module, not the package's function)
    solve_module = sys.modules["grid_flex.solve"]
    monkeypatch.setattr(solve_module, "RELEASE_MIN_NONZEROS", 0)
    calls: list[None] = []
    real = solve_module.release_free_memory
    monkeypatch.setattr(
        solve_module, "release_free_memory", lambda: calls.append(real())
    )
    released = api.solve_arrays(inputs, SolveOptions())
    assert len(calls) == 2  # before HiGHS runs and once HiGHS is freed
    assert kept is not None
    assert released is not None
    (site_k, sol_k), (site_r, sol_r) = kept, released
    assert not site_k.layer.rows_released
    assert site_r.layer.rows_released
    assert all(f.expr.nnz > 0 for f in site_k.layer.constraints)
    assert all(f.expr.nnz == 0 for f in site_r.layer.constraints)
    assert np.array_equal(sol_k.x, sol_r.x)
    assert np.array_equal(sol_k.row_duals, sol_r.row_duals)
    for fam_k, fam_r in zip(
        site_k.layer.constraints, site_r.layer.constraints, strict=True
    ):
        np.testing.assert_array_equal(
            sol_k.family_duals(fam_k), sol_r.family_duals(fam_r)
        )
    res_k, res_r = api.extract(site_k, sol_k), api.extract(site_r, sol_r)
    assert res_k.summary == res_r.summary
    assert res_k.timeseries.equals(res_r.timeseries)


def test_a_released_layer_cannot_be_compiled_again():
    model = ArrayBlock("m")
    layer = attach_array_layer(model)
    build_site(model, _inputs())
    compile_arrays(layer)
    layer.release_rows()
    with pytest.raises(RuntimeError, match="released"):
        compile_arrays(layer)


def test_shared_constant_arrays_refuse_writes():
    """Expressions share their unit coefficients, positions and zero constants."""
    model = ArrayBlock("m")
    layer = attach_array_layer(model)
    x: VarArray = layer.add_var(model, "x", range(5), doc="x")
    y: VarArray = layer.add_var(model, "y", range(5), doc="y")
    assert x.expr is x.expr  # made once
    assert x.expr.rows is y.expr.rows
    assert x.expr.coefs is y.expr.coefs
    assert x.expr.const is y.expr.const
    for arr in (x.expr.rows, x.expr.cols, x.expr.coefs, x.expr.const):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 7
    np.testing.assert_array_equal(x.expr.cols, [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(y.expr.cols, [5, 6, 7, 8, 9])
