"""Assemble the site LP on a Pyomo block from prepared inputs.

Structure of a built site block ``s`` (all plain Pyomo components)::

    s.T                          intervals 0..n−1 (s.T[k] ↔ inputs.index[k])
    s.grid_import_mw[t]          Var, 0 ≤ · ≤ import limit                     [MW]
    s.grid_export_mw[t]          Var, 0 ≤ · ≤ export limit (if export allowed)  [MW]
    s.power_balance[t]           import − export = Σ_assets net load
    s.asset[id]                  one block per asset, built by its module
    s.program[id]                one block per grid program (emissions, tariffs, ...)
    s.profit_usd                 Expression: revenues − costs − energy cost     [USD]
    s.capacity_cost_usd          Expression: annualised cost of sized capacities
                                 over the horizon's share of a year (if any)    [USD]
    s.objective                  maximise profit − capacity cost (unless
                                 ``objective=False``)

Capacities (:mod:`grid_flex.model.capacity`) are numbers, or with ``size`` blocks
scalar columns ``capacity_<name>`` on the owning block (``s.capacity_import_mw`` for a
sized connection). With ``site.non_firm`` the import is limited by
``s.import_capacity[t]: import ≤ F + a[t]·N``, ``F`` the firm connection,
``N`` the non-firm part (``s.capacity_non_firm_mw``) and ``a[t]`` the share of it
the utility leaves in interval ``t`` (its ``curtailed`` windows). A study that
shares capacities across several site blocks passes
``capacities={"<asset_id>.<name>": var}``: each listed capacity becomes a column tied
to the study's variable by ``s.capacity_link[key]``, and its cost is left to the study.

Energy cost per interval is ``import · (price + adders) · Δt − export · export price ·
Δt``. The balance and the objective only sum the terms the asset and program modules
return. Assets are built in phases (heat recovery after the assets whose heat it
uses), then programs, which see the whole site.
"""

from __future__ import annotations

import contextlib
import gc
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from grid_flex.assets import REGISTRY as ASSETS
from grid_flex.model.capacity import (
    Capacity,
    CapacitySpec,
    annual_cost_usd_per_unit_yr,
)
from grid_flex.model.data import ModelInputs
from grid_flex.model.headroom import collect, hold_energy, soc_terms
from grid_flex.model.linear import LinearLayer, LinExpr, attach_layer
from grid_flex.model.terms import (
    AssetTerms,
    BuildContext,
    ProgramTerms,
    Quantity,
    SiteTerms,
)
from grid_flex.programs import REGISTRY as PROGRAMS


@dataclass(frozen=True)
class SiteModel:
    """A built site: the Pyomo model, its site block and the registered terms."""

    model: Any  # Pyomo's ConcreteModel, or an ArrayBlock for an array-only build
    block: Any
    layer: LinearLayer
    inputs: ModelInputs
    assets: dict[str, AssetTerms]
    site_outputs: tuple[Quantity, ...]
    programs: dict[str, ProgramTerms]
    site_terms: SiteTerms
    energy_cost_usd: LinExpr
    profit_usd: LinExpr
    capacities: dict[str, Capacity] = field(default_factory=dict)
    capacity_cost_usd: LinExpr = field(default_factory=lambda: LinExpr.zeros(1))


HOURS_PER_YEAR = 8760.0


def build_site(
    block: Any,
    inputs: ModelInputs,
    *,
    objective: bool = True,
    capacities: Mapping[str, Any] | None = None,
) -> SiteModel:
    """Build the site LP on ``block`` (a model or a block of a larger model).

    Parameters
    ----------
    block : pyomo Block or ConcreteModel
        Where the site's components go. Embedding studies pass a block of their own
        model and set ``objective=False``, then use ``block.profit_usd`` in theirs.
    inputs : ModelInputs
        Prepared inputs.
    objective : bool
        Add ``block.objective`` maximising profit − capacity cost.
    capacities : mapping, optional
        Shared capacity variables by key ``"<asset_id>.<name>"`` (e.g.
        ``"site.import_mw"``, ``"fleet.power_mw"``, ``"battery.energy_mwh"``). Each
        becomes equal to the given Pyomo variable; its cost is the caller's.

    Notes
    -----
    The build runs with Python's cyclic garbage collector paused, then freezes the
    objects the collector tracks (:func:`gc.freeze`) so that they are not all swept at
    once; :func:`grid_flex.solve.solve_model` unfreezes them, and so does the next
    build. Call :func:`gc.unfreeze` yourself if you build a model, solve it another
    way and keep the process running for long.

    A Pyomo model is a web of reference cycles (every scalar component is its own
    data), so only the cyclic collector frees it; and objects handed back by
    :func:`gc.unfreeze` join the oldest generation without counting towards its next
    collection, which may then never come. So when the model of the previous build
    still exists, this build first runs a full collection: a process that builds and
    solves one scenario after another holds one dead model at most, not all of them.
    """
    n = len(inputs.index)
    dt = inputs.timestep_h
    outermost = gc.isenabled()
    if outermost and (gc.get_freeze_count() or _previous_model_exists()):
        # An earlier build was never solved by solve_model (its objects are frozen),
        # or its model may be unreachable garbage in the oldest generation: collect
        # it, or it would be frozen again below and never freed.
        gc.unfreeze()
        gc.collect()
    shared = dict(capacities or {})
    registry: dict[str, Capacity] = {}
    with _gc_paused():
        layer = attach_layer(block)
        layer.index_set(block, "T", range(n), doc="intervals")
        site_ctx = BuildContext(
            block, layer, inputs, block.T, capacities=registry, shared=frozenset(shared)
        )
        conn = site_ctx.capacity(
            "site.import_mw",
            connection_spec(inputs),
            doc="site: import connection (site.size)",
        )
        imp = layer.add_var(
            block,
            "grid_import_mw",
            block.T,
            lb=0.0,
            ub=inputs.import_limit_mw,
            doc="grid import ≤ import limit (site.import_limit_mw) [MW]",
        )
        site_ctx.declare_limit(
            imp,
            field="site.import_limit_mw",
            what="the connection's import limit",
            unit="MW",
            side="upper",
        )
        non_firm = non_firm_spec(inputs)
        # The import capacity as n rows when some part of it is a column, else None
        # (then import_limit_mw, a bound, says it all).
        import_cap: LinExpr | None = conn.rows(n) if conn.is_variable else None
        if non_firm is None:
            conn.limit(
                site_ctx,
                "import_capacity",
                imp.expr,
                doc="grid import ≤ connection size (site.size) [MW]",
            )
        else:
            nf = site_ctx.capacity(
                "site.non_firm_mw",
                non_firm,
                doc="site: non-firm part of the connection (site.non_firm)",
            )
            if conn.is_variable or nf.is_variable:
                assert inputs.non_firm_available_frac is not None
                import_cap = conn.rows(n) + nf.rows(n, inputs.non_firm_available_frac)
                site_ctx.constraint(
                    "import_capacity",
                    imp.expr - import_cap,
                    "<=",
                    0.0,
                    doc="grid import ≤ firm connection + available share × non-firm "
                    "part (site.non_firm.curtailed) [MW]",
                )
        exporting = bool((inputs.export_limit_mw > 0).any())
        net_grid = imp.expr
        energy_cost = imp.expr * (inputs.import_price_usd_per_mwh * dt)
        outputs = [
            Quantity("grid_import_mw", imp.expr),
        ]
        export_expr: LinExpr | None = None
        if exporting:
            exp = layer.add_var(
                block,
                "grid_export_mw",
                block.T,
                lb=0.0,
                ub=inputs.export_limit_mw,
                doc="grid export ≤ export limit (site.export_limit_mw) [MW]",
            )
            net_grid = net_grid - exp.expr
            energy_cost = energy_cost - exp.expr * (
                inputs.export_price_usd_per_mwh * dt
            )
            outputs.append(Quantity("grid_export_mw", exp.expr))
            export_expr = exp.expr

        asset_ids = [p.id for _, p in inputs.assets]
        layer.sub_blocks(
            block, "asset", asset_ids, doc="one block per asset, by scenario id"
        )
        built: dict[str, AssetTerms] = {}
        phases = sorted(
            inputs.assets, key=lambda a: getattr(ASSETS[a[0]], "PHASE", 0)
        )  # stable: scenario order within a phase
        for kind, params in phases:
            ctx = BuildContext(
                block.asset[params.id],
                layer,
                inputs,
                block.T,
                built=dict(built),
                capacities=registry,
                shared=frozenset(shared),
            )
            built[params.id] = ASSETS[kind].build(ctx, params)
        terms = {p.id: built[p.id] for _, p in inputs.assets}

        net_load = LinExpr.zeros(n)
        revenue = LinExpr.zeros(n)
        cost = LinExpr.zeros(n)
        for t in terms.values():
            net_load = net_load + t.net_load_mw
            revenue = revenue + t.revenue_usd
            cost = cost + t.cost_usd
        layer.add_constraint(
            block,
            "power_balance",
            block.T,
            net_grid - net_load,
            "==",
            doc="site power balance: import − export = Σ asset net load",
            labels=inputs.labels,
        )
        site_terms = SiteTerms(
            grid_import_mw=imp.expr,
            grid_export_mw=export_expr,
            net_load_mw=net_load,
            assets=terms,
            kinds={p.id: kind for kind, p in inputs.assets},
        )
        program_ids = [p.id for _, p in inputs.programs]
        layer.sub_blocks(
            block, "program", program_ids, doc="one block per grid program, by id"
        )
        built_programs: dict[str, ProgramTerms] = {}
        # Programs holding flexibility first (in the order of their HOLDS_FLEX rank,
        # each seeing what the earlier ones hold); the others see all of it.
        rank = [int(getattr(PROGRAMS[k], "HOLDS_FLEX", 0)) for k, _ in inputs.programs]
        order = sorted(
            range(len(rank)), key=lambda i: (rank[i] == 0, rank[i], i)
        )  # stable: scenario order within a rank
        for i in order:
            kind, params = inputs.programs[i]
            if built_programs:
                site_terms = replace(site_terms, holdings=collect(built_programs))
            ctx = BuildContext(
                block.program[params.id],
                layer,
                inputs,
                block.T,
                built=terms,
                site=site_terms,
                capacities=registry,
                shared=frozenset(shared),
            )
            built_programs[params.id] = PROGRAMS[kind].build(ctx, params)
        programs = {p.id: built_programs[p.id] for _, p in inputs.programs}
        for pterms in programs.values():
            revenue = revenue + pterms.revenue_usd
            cost = cost + pterms.cost_usd
        _stack_flexibility(
            layer,
            block,
            inputs,
            terms,
            site_terms.kinds,
            programs,
            net_grid,
            import_cap,
        )
        flex_down = LinExpr.zeros(n)
        flex_up = LinExpr.zeros(n)
        for t in terms.values():
            if t.flex_down_mw is not None:
                flex_down = flex_down + t.flex_down_mw
            if t.flex_up_mw is not None:
                flex_up = flex_up + t.flex_up_mw
        profit = revenue - cost - energy_cost
        outputs += [
            Quantity("net_load_mw", net_load),
            Quantity("flexible_down_mw", flex_down),
            Quantity("flexible_up_mw", flex_up),
            Quantity("energy_cost_usd", energy_cost),
            Quantity("revenue_usd", revenue),
            Quantity("cost_usd", cost),
            Quantity("profit_usd", profit),
        ]
        layer.add_total(block, "profit_usd", profit, doc="site operating profit [USD]")
        _link_shared(block, registry, shared)
        capacity_cost = _capacity_cost(inputs, registry, set(shared))
        target = "profit_usd"
        if len(capacity_cost.cols):
            layer.add_total(
                block,
                "capacity_cost_usd",
                capacity_cost,
                doc="annualised capex + fixed O&M of sized capacities over the "
                "horizon's share of a year [USD]",
            )
            layer.add_total(
                block,
                "net_profit_usd",
                LinExpr.stack(profit, -capacity_cost),
                doc="operating profit − capacity cost [USD]",
            )
            target = "net_profit_usd"
        if objective:
            layer.set_objective(
                block,
                "objective",
                target,
                maximize=True,
                doc="maximise profit − capacity cost",
            )
        if outermost:
            # Move the ~10^6 objects just built out of the collector's young generation
            # so that re-enabling it does not sweep them all at once (about a quarter of
            # the build time on a year). solve_model() hands them back (gc.unfreeze).
            gc.freeze()
    model = block.model()
    if outermost:
        _LAST_MODEL[0] = weakref.ref(model)
    return SiteModel(
        model=model,
        block=block,
        layer=layer,
        inputs=inputs,
        assets=terms,
        site_outputs=tuple(outputs),
        programs=programs,
        site_terms=site_terms,
        energy_cost_usd=energy_cost,
        profit_usd=profit,
        capacities=registry,
        capacity_cost_usd=capacity_cost,
    )


def connection_spec(inputs: ModelInputs) -> CapacitySpec:
    """The import connection: a fixed limit or a sized one (``site.size``) [MW]."""
    site = inputs.scenario.site
    size = site.size
    if size is None:
        return CapacitySpec.of(site.import_upper_mw, "mw")
    return CapacitySpec(
        unit="mw",
        min=size.min_mw,
        max=float("inf") if size.max_mw is None else size.max_mw,
        existing=size.existing_mw,
        capex_usd_per_unit=size.capex_usd_per_kw * 1e3,
        life_yr=size.life_yr,
        fixed_om_usd_per_unit_yr=size.fixed_om_usd_per_kw_yr * 1e3,
    )


def non_firm_spec(inputs: ModelInputs) -> CapacitySpec | None:
    """The non-firm part of the connection (``site.non_firm``) [MW], if any."""
    nf = inputs.scenario.site.non_firm
    if nf is None:
        return None
    return CapacitySpec(
        unit="mw",
        min=nf.min_mw,
        max=float("inf") if nf.max_mw is None else nf.max_mw,
        existing=nf.existing_mw,
        capex_usd_per_unit=nf.capex_usd_per_kw * 1e3,
        life_yr=nf.life_yr,
        fixed_om_usd_per_unit_yr=nf.fixed_om_usd_per_kw_yr * 1e3,
    )


def _link_shared(
    block: Any, registry: Mapping[str, Capacity], shared: Mapping[str, Any]
) -> None:
    """``capacity_link[key]``: the block's capacity column equals the shared one."""
    if not shared:
        return
    unknown = sorted(
        k for k in shared if k not in registry or registry[k].factor != 1.0
    )
    if unknown:
        raise ValueError(
            f"capacities {unknown} are not capacities of this site; it has "
            f"{sorted(registry)}"
        )
    keys = sorted(shared)

    def rule(_b: Any, key: str) -> Any:
        var = registry[key].var
        assert var is not None
        return var.component == shared[key]

    import pyomo.core as pyo

    block.capacity_link = pyo.Constraint(
        keys, rule=rule, doc="site capacity = the study's shared capacity"
    )


def _capacity_cost(
    inputs: ModelInputs, registry: Mapping[str, Capacity], shared: set[str]
) -> LinExpr:
    """Annualised cost of new capacity, scaled to the horizon's share of a year."""
    rate = inputs.scenario.study.discount_frac_per_yr
    share = float(inputs.timestep_h.sum()) / HOURS_PER_YEAR
    total = LinExpr.zeros(1)
    for key, cap in registry.items():
        if key in shared or cap.var is None or not cap.spec.sized or cap.factor != 1:
            continue
        per_unit = annual_cost_usd_per_unit_yr(cap.spec, rate) * share
        if per_unit:
            total = total + (cap.expr - cap.spec.existing) * per_unit
    return total


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off, then back on if it was (Pyomo's PauseGC)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


#: The model of the last outermost build (a weak reference: it never keeps it alive).
_LAST_MODEL: list[weakref.ref[Any] | None] = [None]


def _previous_model_exists() -> bool:
    ref = _LAST_MODEL[0]
    return ref is not None and ref() is not None


def _stack_flexibility(
    layer: LinearLayer,
    block: Any,
    inputs: ModelInputs,
    assets: dict[str, AssetTerms],
    kinds: Mapping[str, str],
    programs: dict[str, ProgramTerms],
    net_grid: LinExpr,
    import_cap: LinExpr | None,
) -> None:
    """Flexibility sold to all programs fits each asset and the grid connection.

    Per asset: ``Σ_programs down ≤ flex_down`` and ``Σ_programs up ≤ flex_up``, and a
    battery keeps the energy of every program's commitments in store at once
    (:func:`~grid_flex.model.headroom.hold_energy`, summed over programs). For the
    site, a reduction must be absorbable by the connection and an increase must fit
    it: ``Σ down ≤ import − export + export_limit`` and
    ``Σ up ≤ import_limit − import + export``. Rows the others imply are left out
    (:data:`SKIP_IMPLIED_ROWS`, :func:`_grid_row_implied`, ``FlexUse.within_room``).
    """
    uses: dict[tuple[str, str], list[LinExpr]] = {}
    energy: dict[tuple[str, str], list[LinExpr]] = {}
    bounded: dict[tuple[str, str], bool] = {}
    for pid, pterms in programs.items():
        for use in pterms.flex_uses:
            if use.asset_id not in assets:
                raise ValueError(f"program {pid} uses unknown asset {use.asset_id}")
            for direction, expr, mwh in (
                ("down", use.down_mw, use.down_mwh),
                ("up", use.up_mw, use.up_mwh),
            ):
                if expr is not None:
                    key = (use.asset_id, direction)
                    uses.setdefault(key, []).append(expr)
                    bounded[key] = bounded.get(key, True) and use.within_room
                if mwh is not None:
                    energy.setdefault((use.asset_id, direction), []).append(mwh)
    for aid in dict.fromkeys(a for a, _ in energy):
        soc = soc_terms(assets[aid])
        if soc is None:
            continue  # a load sustains a reduction as long as it runs
        ctx = BuildContext(block.asset[aid], layer, inputs, block.T)
        hold_energy(
            ctx,
            "held",
            soc,
            _sum(energy.get((aid, "down"), [])),
            _sum(energy.get((aid, "up"), [])),
            who=f"asset {aid}, summed over the programs holding it",
        )
    for (aid, direction), exprs in uses.items():
        room = getattr(assets[aid], f"flex_{direction}_mw")
        hook = assets[aid].extra.get("reduction_room")
        if direction == "down" and hook is not None:
            # The asset bounds what may be held (e.g. GPU inference event limits).
            room = hook(BuildContext(block.asset[aid], layer, inputs, block.T))
        if room is None:
            raise ValueError(f"asset {aid} declares no {direction}ward flexibility")
        if SKIP_IMPLIED_ROWS and bounded[(aid, direction)]:
            continue  # every holder's own rows keep it within the headroom
        total = exprs[0]
        for e in exprs[1:]:
            total = total + e
        layer.add_constraint(
            block.asset[aid],
            f"flex_{direction}_stack",
            block.T,
            total - room,
            "<=",
            doc=f"asset {aid}: {direction}ward flexibility sold to grid programs ≤ "
            "its headroom (the same MW is never sold twice)",
            labels=inputs.labels,
        )
    for direction in ("down", "up"):
        exprs = [e for (_, d), es in uses.items() if d == direction for e in es]
        if not exprs:
            continue
        holders = {a for (a, d) in uses if d == direction}
        if SKIP_IMPLIED_ROWS and _grid_row_implied(
            direction, holders, assets, kinds, inputs, import_cap
        ):
            continue
        total = exprs[0]
        for e in exprs[1:]:
            total = total + e
        if direction == "down":
            row, limit = total - net_grid, inputs.export_limit_mw
            what = "load reduction sold ≤ import − export + export limit"
        else:
            row, limit = total + net_grid, inputs.import_limit_mw
            if import_cap is not None:
                row, limit = row - import_cap, np.zeros(row.n)
            what = "load increase sold ≤ import limit − import + export"
        layer.add_constraint(
            block,
            f"flex_{direction}_grid",
            block.T,
            row,
            "<=",
            limit,
            doc=f"site: {what} (flexibility must be deliverable through the "
            "connection) [MW]",
            labels=inputs.labels,
        )


#: Leave out rows the others imply (tests compare with the full formulation).
SKIP_IMPLIED_ROWS = True
#: Asset kinds whose ``flex_down_mw`` never exceeds their net load (≥ 0).
REDUCE_WITHIN_LOAD_KINDS = frozenset({"asic_fleet", "gpu_cluster"})
#: Asset kinds whose ``flex_up_mw`` + net load never exceeds ``capacity_mw``.
INCREASE_WITHIN_CAPACITY_KINDS = frozenset({"asic_fleet", "gpu_cluster", "battery"})


def _grid_row_implied(
    direction: str,
    holders: set[str],
    assets: dict[str, AssetTerms],
    kinds: Mapping[str, str],
    inputs: ModelInputs,
    import_cap: LinExpr | None,
) -> bool:
    """Whether the site's ``flex_{direction}_grid`` row follows from the asset rows.

    Down: when every holder reduces at most its own load (fleets, GPU clusters) and
    no asset can have a negative net load (no storage), ``Σ down ≤ Σ holders' load
    ≤ import − export``. Up: when every holder's increase stays within its capacity
    and the capacities of all assets sum to at most the connection in every
    interval, ``Σ up + import − export ≤ Σ capacities ≤ import limit``.
    """
    if direction == "down":
        return all(kinds[a] in REDUCE_WITHIN_LOAD_KINDS for a in holders) and not any(
            soc_terms(t) is not None for t in assets.values()
        )
    caps = [t.capacity_mw for t in assets.values()]
    if import_cap is not None or any(c is None for c in caps):
        return False
    total = float(sum(c for c in caps if c is not None))
    return bool(
        all(kinds[a] in INCREASE_WITHIN_CAPACITY_KINDS for a in holders)
        and total <= float(np.min(inputs.import_limit_mw))
    )


def _sum(exprs: list[LinExpr]) -> LinExpr | None:
    if not exprs:
        return None
    total = exprs[0]
    for e in exprs[1:]:
        total = total + e
    return total


def build_model(
    inputs: ModelInputs, extra: Callable[[SiteModel], None] | None = None
) -> SiteModel:
    """A new ``ConcreteModel`` holding the site, with an optional ``extra`` hook.

    ``extra(site)`` runs after the build and may add variables, constraints or replace
    the objective on ``site.model`` before it is solved (PyPSA's
    ``extra_functionality``).
    """
    import pyomo.core as pyo

    model = pyo.ConcreteModel(name=inputs.scenario.name)
    site = build_site(model, inputs)
    if extra is not None:
        extra(site)
    return site
