"""Plain blocks and index sets of an array-only build, against Pyomo's."""

from __future__ import annotations

import pyomo.core as pyo
import pytest

import grid_flex as gf
from grid_flex.api import solve_arrays, solve_options
from grid_flex.assets import REGISTRY
from grid_flex.model.arrays import ArrayBlock, ArrayLayer, PyomoComponentAdded
from grid_flex.model.linear import LinearLayer


def test_names_and_product_order_are_pyomos() -> None:
    plain = ArrayBlock("site")
    ArrayLayer(plain).sub_blocks(plain, "asset", ["fleet", "battery"], doc="")
    layer = ArrayLayer(plain)
    k = layer.index_set(plain.asset["fleet"], "K", range(3), doc="segments")
    t = layer.index_set(plain, "T", range(4), doc="intervals")

    model = pyo.ConcreteModel(name="site")
    pyomo_layer = LinearLayer(model)
    pyomo_layer.sub_blocks(model, "asset", ["fleet", "battery"], doc="")
    pk = pyomo_layer.index_set(model.asset["fleet"], "K", range(3), doc="segments")
    pt = pyomo_layer.index_set(model, "T", range(4), doc="intervals")

    assert plain.asset["fleet"].getname() == model.asset["fleet"].getname()
    assert plain.asset["fleet"].model() is plain
    assert list(k * t) == list(pk * pt)  # (k, t) pairs, k outer
    assert len(k * t) == len(pk * pt) == 12
    assert (k * t).members[5] == list(pk * pt)[5]
    assert list(t) == list(pt)
    assert len(t) == 4
    assert 3 in t


def test_a_pyomo_component_on_a_plain_block_is_refused() -> None:
    plain = ArrayBlock("site")
    with pytest.raises(PyomoComponentAdded, match=r"site\.x"):
        plain.x = pyo.Var()
    with pytest.raises(PyomoComponentAdded):
        plain.add_component("y", pyo.Set(initialize=[1]))
    plain.z = 3  # plain values are kept
    assert plain.z == 3


def test_a_module_that_adds_pyomo_components_gets_the_pyomo_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A module writing its own Pyomo rows cannot be solved from arrays: solve_arrays
    # says so (None) and run() builds the Pyomo model, with the same optimum.
    sc, base = gf.load_scenario(
        "ercot_uri_feb2021_contract", assignments=["horizon.timestep_min=60"]
    )
    inputs = gf.prepare_inputs(sc, base)
    plain = solve_arrays(inputs, solve_options(sc))
    assert plain is not None
    battery = REGISTRY["battery"]
    real_build = battery.build

    def build_with_pyomo(ctx, params):  # type: ignore[no-untyped-def]
        ctx.block.extra_var = pyo.Var(bounds=(0, 1))
        ctx.block.extra_row = pyo.Constraint(expr=ctx.block.extra_var <= 1)
        return real_build(ctx, params)

    monkeypatch.setattr(battery, "build", build_with_pyomo)
    assert solve_arrays(inputs, solve_options(sc)) is None
    results = gf.run(sc, base_dir=base)
    assert results.objective_usd == pytest.approx(plain[1].objective, rel=1e-9)
