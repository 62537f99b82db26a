"""The array expression layer, without a solver."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from grid_flex.model.linear import LinExpr, attach_layer, find_layers


@pytest.fixture
def layer_and_vars():
    m = pyo.ConcreteModel()
    m.T = pyo.Set(initialize=range(4), ordered=True)
    layer = attach_layer(m)
    x = layer.add_var(m, "x", m.T, lb=0.0, ub=[1.0, 2.0, 3.0, 4.0], doc="x")
    y = layer.add_var(m, "y", m.T, lb=-1.0, ub=np.inf, doc="y")
    return m, layer, x, y


def test_arithmetic_evaluates_like_numpy(layer_and_vars):
    _, _, x, y = layer_and_vars
    values = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0])
    w = np.array([1.0, -2.0, 0.5, 3.0])
    expr = 2.0 * x.expr - y.expr * w + 5.0
    xv, yv = values[:4], values[4:]
    np.testing.assert_allclose(expr.value(values), 2 * xv - yv * w + 5)
    np.testing.assert_allclose((w * x.expr).value(values), w * xv)  # ndarray on left
    np.testing.assert_allclose((3.0 - x.expr).value(values), 3 - xv)
    np.testing.assert_allclose(expr.sum().value(values), [(2 * xv - yv * w + 5).sum()])


def test_take_shift_and_stack(layer_and_vars):
    _, _, x, y = layer_and_vars
    values = np.arange(8, dtype=float)
    expr = x.expr + 10 * y.expr
    full = expr.value(values)
    np.testing.assert_allclose(expr.take([3, 0, 0]).value(values), full[[3, 0, 0]])
    np.testing.assert_allclose(expr.shift(1).value(values), np.roll(full, 1))
    both = LinExpr.stack(x.expr.take([0]), y.expr)
    np.testing.assert_allclose(both.value(values), [0.0, 4.0, 5.0, 6.0, 7.0])
    with pytest.raises(ValueError, match="rows"):
        _ = x.expr + x.expr.take([0])


def test_bounds_reach_pyomo(layer_and_vars):
    m, _, _, _ = layer_and_vars
    assert [m.x[t].ub for t in m.T] == [1.0, 2.0, 3.0, 4.0]
    assert m.y[0].lb == -1.0
    assert m.y[0].ub is None


def test_constraint_rows_are_real_pyomo_constraints(layer_and_vars):
    m, layer, x, y = layer_and_vars
    fam = layer.add_constraint(
        m, "link", m.T, x.expr - 2 * y.expr + 1.0, "<=", 3.0, doc="link"
    )
    assert len(m.link) == 4
    # x - 2y + 1 <= 3  ->  x - 2y <= 2
    assert m.link[2].upper == pytest.approx(2.0)
    assert m.link[2].lower is None
    np.testing.assert_allclose(fam.upper, 2.0)
    m.x[2].set_value(1.0)
    m.y[2].set_value(-0.25)
    assert pyo.value(m.link[2].body) == pytest.approx(1.5)


def test_layers_are_found_on_nested_blocks():
    m = pyo.ConcreteModel()
    m.a = pyo.Block()
    m.b = pyo.Block()
    la, lb = attach_layer(m.a), attach_layer(m.b)
    assert find_layers(m) == [la, lb]


def test_lower_above_upper_is_refused():
    m = pyo.ConcreteModel()
    layer = attach_layer(m)
    with pytest.raises(ValueError, match="lower bound above upper"):
        layer.add_var(m, "z", None, lb=2.0, ub=1.0, doc="z")
