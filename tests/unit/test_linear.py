"""The array expression layer, without a solver."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from grid_flex.model.linear import (
    MAX_INDEX,
    LinExpr,
    as_index,
    attach_layer,
    find_layers,
)


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


def test_positions_are_32_bit_through_every_operation(layer_and_vars):
    """Rows and columns stay int32 (half the coordinates' memory), however made."""
    _, layer, x, y = layer_and_vars
    expr = 2.0 * x.expr - y.expr * np.array([1.0, -2.0, 0.5, 3.0]) + 5.0
    made = [
        x.expr,
        expr,
        -expr,
        expr.take([3, 0, 0]),
        expr.shift(1),
        expr.sum(),
        LinExpr.stack(x.expr, y.expr),
        LinExpr.constant(1.0, 4),
        LinExpr(4, np.arange(4, dtype=np.int64), np.arange(4), np.ones(4)),
    ]
    for e in made:
        assert e.rows.dtype == np.int32
        assert e.cols.dtype == np.int32
    assert expr.matrix(layer.ncols).indices.dtype == np.int32


def test_positions_beyond_32_bit_are_refused():
    """A position that int32 cannot hold raises instead of wrapping around."""
    big = np.array([0, MAX_INDEX + 1], dtype=np.int64)
    with pytest.raises(OverflowError, match="column positions"):
        LinExpr(2, np.arange(2), big, np.ones(2))
    with pytest.raises(OverflowError, match="row positions"):
        LinExpr(2, np.array([-1, 0]), np.arange(2), np.ones(2))
    np.testing.assert_array_equal(as_index(np.array([0, MAX_INDEX])), [0, MAX_INDEX])


def test_too_many_columns_are_refused(monkeypatch):
    """A layer refuses a variable family whose columns would pass 2**31 − 1."""
    import grid_flex.model.linear as linear
    from grid_flex.model.arrays import ArrayBlock, attach_array_layer

    monkeypatch.setattr(linear, "MAX_INDEX", 10)
    layer = attach_array_layer(ArrayBlock("m"))
    layer.add_var(layer.block, "x", range(6), doc="x")
    with pytest.raises(OverflowError, match="y: 6 more columns after 6"):
        layer.add_var(layer.block, "y", range(6), doc="y")


def test_hand_off_refuses_an_lp_beyond_highs_indices():
    """HiGHS's indices are 32-bit: a larger LP is a SolveError naming the counts."""
    from grid_flex.errors import SolveError
    from grid_flex.model.handoff import check_size

    check_size(MAX_INDEX, MAX_INDEX, MAX_INDEX)
    with pytest.raises(SolveError, match="2,147,483,648 matrix entries"):
        check_size(10, 10, MAX_INDEX + 1)


def _copied(*terms: LinExpr) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The coordinates a copying sum holds: every term's, one after the other."""
    return tuple(
        np.concatenate([getattr(t, a) for t in terms])
        for a in ("rows", "cols", "coefs")
    )


def test_a_sum_keeps_its_terms_arrays_and_reads_like_a_copy(layer_and_vars):
    """A sum shares its terms' coordinates (no copy), reads as their concatenation."""
    _, _, x, y = layer_and_vars
    a = 2.0 * x.expr
    b = y.expr * np.array([1.0, -2.0, 0.5, 3.0])
    c = x.expr.shift(1)
    total = a + b + 5.0 + c
    assert len(total.parts) == 3
    for term, part in zip((a, b, c), total.parts, strict=True):
        for held, own in zip(part, term.parts[0], strict=True):
            assert held is own  # the term's own array, not a copy
    joined = (total.rows, total.cols, total.coefs)
    for got, want in zip(joined, _copied(a, b, c), strict=True):
        np.testing.assert_array_equal(got, want)
    values = np.linspace(-3.0, 7.0, 8)
    rows, cols, coefs = _copied(a, b, c)
    copy_value = np.bincount(rows, weights=coefs * values[cols], minlength=4) + 5.0
    assert np.array_equal(total.value(values), copy_value)  # same bits, same order
    assert total.nnz == len(rows)


def test_scaling_a_sum_applies_to_every_part(layer_and_vars):
    _, _, x, y = layer_and_vars
    w = np.array([1.0, -2.0, 0.5, 3.0])
    values = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0])
    xv, yv = values[:4], values[4:]
    total = x.expr + y.expr + 1.0
    np.testing.assert_allclose((-total).value(values), -(xv + yv + 1))
    np.testing.assert_allclose((total * w).value(values), (xv + yv + 1) * w)
    np.testing.assert_allclose((3.0 - total).value(values), 2 - xv - yv)
    np.testing.assert_allclose(total.sum().value(values), [(xv + yv + 1).sum()])
    np.testing.assert_allclose(
        total.take([2, 2]).value(values), [xv[2] + yv[2] + 1] * 2
    )
    assert (-total).parts[0][0] is total.parts[0][0]  # positions shared, signs new
    empty = LinExpr.zeros(4) + LinExpr.zeros(4)
    assert empty.rows.dtype == np.int32
    assert len(empty.rows) == 0
    np.testing.assert_array_equal(empty.value(values), np.zeros(4))


def test_a_sum_survives_pickling(layer_and_vars):
    import pickle

    _, _, x, y = layer_and_vars
    total = x.expr - 2.0 * y.expr + 1.0
    back = pickle.loads(pickle.dumps(total))
    values = np.arange(8, dtype=float)
    np.testing.assert_array_equal(back.value(values), total.value(values))
    assert len(back.parts) == 2
