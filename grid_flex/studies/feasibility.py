"""Feasibility study: size the site, carry it through its life, judge it against BAU.

One LP (design.md §5): ``m.capacity[key]`` holds the sized capacities (first-stage
variables, by ``"<asset_id>.<name>"``); each ``m.op[key]`` is an operating site built by
:func:`~grid_flex.site.build_site` with ``objective=False`` and those shared
capacities (:mod:`grid_flex.studies.feasibility_years` says which years the blocks
stand for). The objective is the **pre-tax** net present value::

    max  Σ_b w_b · profit_b  −  Σ_k c_k · (C_k − existing_k)

with ``w_b`` the block's discount-and-scale weight and ``c_k`` the present worth of one
unit of new capacity ``k``: its capex in year 0, replacements when its life ends
inside the study, linear salvage at the end (all from :func:`grid_flex.finance.proforma`
applied to one unit, so the LP and the pro forma cannot drift apart) and its fixed
O&M, escalated and discounted.

Then the design is rounded to whole units, the better of each capacity's floor and
ceil unit count, and re-solved with those sizes fixed and the continuous decisions
(commitments, hedges, a connection) re-optimised (what is reported can be bought),
and business as usual (only the existing part of every
sized capacity) is solved the same way. Each gets a year-by-year pro forma with taxes
(:func:`grid_flex.finance.proforma`) and its metrics; NPV is reported against BAU.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.core as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from grid_flex.decompose import ModelSolver
from grid_flex.errors import InfeasibleError, InputWarning, ScenarioError
from grid_flex.finance import (
    breakeven,
    discount_factors,
    metrics,
    npv,
    proforma,
    with_replacements,
)
from grid_flex.inputs import ModelInputs, prepare_inputs
from grid_flex.io.catalog import Catalog
from grid_flex.model.capacity import Capacity
from grid_flex.results import Results, extract
from grid_flex.schema.scenario import Scenario, scenario_source
from grid_flex.site import SiteModel, build_site
from grid_flex.solve import Solution, SolveOptions, solve_model
from grid_flex.studies import progress
from grid_flex.studies.feasibility_years import HOURS_PER_YEAR, YearPlan, plan_years
from grid_flex.unbounded import explain_unbounded

#: Columns of ``sizes.csv``.
SIZE_COLUMNS = (
    "key",
    "asset_id",
    "quantity",
    "unit",
    "min",
    "max",
    "existing",
    "optimal",
    "rounded",
    "unit_count",
    "capex_usd_per_unit",
    "life_yr",
    "build_out_usd_per_unit",
    "build_out_life_yr",
    "fixed_om_usd_per_unit_yr",
    "present_cost_usd_per_unit",
)


@dataclass
class StudyModel:
    """A built study LP: the Pyomo model, its operating sites and shared capacities."""

    model: pyo.ConcreteModel
    plans: list[YearPlan]
    sites: dict[str, SiteModel]
    capacities: dict[str, Capacity]
    present_cost_usd_per_unit: dict[str, float]


@dataclass
class Design:
    """One solved design: capacities, per-block results, pro forma and metrics."""

    name: str
    capacities: dict[str, float]
    blocks: dict[str, Results]
    proforma: pd.DataFrame
    metrics: dict[str, Any]
    objective_usd: float


@dataclass
class FeasibilityResult:
    """What :func:`run_feasibility` returns (all money in USD)."""

    scenario: Scenario
    sizes: pd.DataFrame
    optimal: Design
    rounded: Design
    bau: Design
    finance: dict[str, Any]
    assumptions: list[str] = field(default_factory=list)
    #: How the sizing LP was solved (:mod:`grid_flex.decompose`).
    sizing_solve: dict[str, Any] = field(default_factory=dict)


# ---- build -------------------------------------------------------------------------
def unit_present_cost_usd(cap: Capacity, scenario: Scenario) -> float:
    """Present worth of one unit of new capacity over the study [USD/unit].

    Capex in year 0, replacements and linear salvage as the pro forma books them (pre
    tax), plus fixed O&M escalated from year 2 and discounted.
    """
    study = scenario.study
    n = study.analysis_yr
    spec = cap.spec
    table = _capex_table({cap.key: 1.0}, {cap.key: cap}, scenario)
    pf = proforma(
        pd.DataFrame(index=pd.RangeIndex(1, n + 1)),
        table,
        discount_frac_per_yr=study.discount_frac_per_yr,
        analysis_yr=n,
        federal_tax_frac=0.0,
        state_tax_frac=0.0,
        salvage=study.salvage,
    )
    capex_pw = -npv(pf["net_cash_flow_usd"], study.discount_frac_per_yr)
    df = discount_factors(study.discount_frac_per_yr, n)[1:]
    esc = (1.0 + study.om_escalation_frac_per_yr) ** np.arange(n)
    return capex_pw + spec.fixed_om_usd_per_unit_yr * float(esc @ df)


def _capex_table(
    new_units: dict[str, float], caps: dict[str, Capacity], scenario: Scenario
) -> pd.DataFrame:
    """Purchases in year 0 (and their replacements) for the pro forma."""
    study = scenario.study
    rows = [
        {
            "year": 0,
            "amount_usd": amount * max(units, 0.0),
            "life_yr": life,
            "macrs": study.macrs,
            "bonus_frac": study.bonus_frac,
            "name": name,
        }
        for k, units in new_units.items()
        for name, amount, life in (
            (k, caps[k].spec.capex_usd_per_unit, caps[k].spec.life_yr),
            (
                f"{k} build-out",
                caps[k].spec.build_out_usd_per_unit,
                caps[k].spec.build_out_life_yr,
            ),
        )
        if amount * units > 0
    ]
    if not rows:
        return pd.DataFrame(columns=["year", "amount_usd", "life_yr"])
    return with_replacements(
        pd.DataFrame(rows),
        study.analysis_yr,
        study.capex_change_frac_per_yr,
        salvage=study.salvage,
    )


def check_lives(caps: dict[str, Capacity], scenario: Scenario) -> None:
    """Refuse a life under one year: the pro forma books purchases once a year.

    A fractional life of a year or more is modelled (:func:`with_replacements`).
    """
    for k, cap in caps.items():
        owner = k.rsplit(".", 1)[0]
        index = next((i for i, a in enumerate(scenario.assets) if a.id == owner), None)
        site = {"site.import_mw": "site.size", "site.non_firm_mw": "site.non_firm"}
        where = site.get(k, k) if index is None else f"assets[{index}] ({owner})"
        for field_name, amount, life in (
            ("life_yr", cap.spec.capex_usd_per_unit, cap.spec.life_yr),
            (
                "infrastructure_life_yr",
                cap.spec.build_out_usd_per_unit,
                cap.spec.build_out_life_yr,
            ),
        ):
            if amount > 0 and life < 1.0:
                raise ScenarioError(
                    scenario_source(scenario),
                    [
                        f"{where}: {field_name} = {life:g} yr (size block or "
                        "catalogue price): a study books purchases once a year, so "
                        "a life under one year cannot be modelled; give at least 1 "
                        "(an ASIC's economic life is 2-5 yr, a battery's ~15 yr)"
                    ],
                )


def shared_capacities(m: Any, site: SiteModel, doc: str) -> dict[str, Capacity]:
    """Add ``m.capacity`` for ``site``'s sized capacities and link them to it.

    Later operating blocks (years, scenarios) take ``m.capacity`` as their shared
    capacities, so one size serves them all [each capacity's unit].
    """
    caps = {
        k: c
        for k, c in site.capacities.items()
        if c.var is not None and c.spec.sized and c.factor == 1.0
    }
    m.CAP = pyo.Set(initialize=sorted(caps), ordered=True, doc="sized capacities")
    m.capacity = pyo.Var(
        m.CAP,
        bounds=lambda _m, k: (
            caps[k].spec.lower,
            None if math.isinf(caps[k].spec.upper) else caps[k].spec.upper,
        ),
        doc=f"{doc} [their unit]",
    )

    def link(_m: Any, k: str) -> Any:
        var = caps[k].var
        assert var is not None
        return var.component == m.capacity[k]

    m.capacity_link = pyo.Constraint(m.CAP, rule=link, doc="first block's capacities")
    return caps


def build_study(
    scenario: Scenario,
    base_dir: Path,
    catalog: Catalog | None = None,
    *,
    transform: Callable[[YearPlan, ModelInputs], ModelInputs] | None = None,
) -> tuple[StudyModel, list[str]]:
    """The study LP (see the module docstring) and the assumptions made."""
    plans, notes = plan_years(scenario, base_dir)
    inputs = []
    for plan in plans:
        inp = prepare_inputs(plan.scenario, base_dir, catalog)
        inputs.append(transform(plan, inp) if transform is not None else inp)
    m = pyo.ConcreteModel(name=f"{scenario.name}_study")
    m.op = pyo.Block([p.key for p in plans], doc="one operating site per block")
    first = build_site(m.op[plans[0].key], inputs[0], objective=False)
    caps = shared_capacities(m, first, "capacities shared by every operating block")
    check_lives(caps, scenario)
    sites = {plans[0].key: first}
    shared = {k: m.capacity[k] for k in caps}
    for plan, inp in zip(plans[1:], inputs[1:], strict=True):
        sites[plan.key] = build_site(
            m.op[plan.key], inp, objective=False, capacities=shared
        )
    cost = {k: unit_present_cost_usd(c, scenario) for k, c in caps.items()}
    m.objective = pyo.Objective(
        expr=_objective(plans, sites, m, caps, cost),
        sense=pyo.maximize,
        doc="pre-tax NPV: discounted, year-scaled profit − present cost of capacity",
    )
    return StudyModel(m, plans, sites, caps, cost), notes


def _objective(
    plans: list[YearPlan],
    sites: dict[str, SiteModel],
    m: Any,
    caps: dict[str, Capacity],
    cost: dict[str, float],
) -> Any:
    """``Σ w_b · profit_b − Σ c_k (C_k − existing_k)`` as one flat linear expression.

    Built from each block's profit coefficients (``layer.totals``), one term per
    variable, so compiling it does not walk every block's nested expression.
    """
    terms: list[Any] = []
    const = 0.0
    for plan in plans:
        layer = sites[plan.key].layer
        _, c, c0 = layer.totals["profit_usd"]
        const += plan.weight * c0
        cols = layer.columns
        terms += [
            MonomialTermExpression((plan.weight * float(c[j]), cols[j]))
            for j in np.flatnonzero(c).tolist()
        ]
    for k, cap in caps.items():
        const += cost[k] * cap.spec.existing
        terms.append(MonomialTermExpression((-cost[k], m.capacity[k])))
    return LinearExpression([const, *terms])


# ---- solve -------------------------------------------------------------------------
def _solver(study: StudyModel, options: SolveOptions) -> ModelSolver:
    """The study LP's solver over its shared capacities (decomposed if chosen)."""
    return ModelSolver(
        study.model, [study.model.capacity[k] for k in study.capacities], options
    )


def _solve(study: StudyModel, solver: ModelSolver) -> Solution:
    try:
        return solver.solve()
    except Exception as exc:
        from grid_flex.errors import UnboundedError

        if isinstance(exc, UnboundedError):
            raise explain_unbounded(
                study.model, study.capacities.values(), solver.options, exc
            ) from exc
        raise


def _solve_at(
    study: StudyModel, solver: ModelSolver, values: dict[str, float]
) -> Solution:
    """The study LP with every shared capacity at ``values``.

    A warm re-solve from the decomposition's basis when it ran, else the model
    with the capacities fixed, solved whole.
    """
    solution = solver.solve_at([values[k] for k in study.capacities])
    if solution is not None:
        return solution
    _fix(study, values)
    try:
        return solve_model(study.model, solver.options)
    finally:
        _fix(study, None)


def _fix(study: StudyModel, values: dict[str, float] | None) -> None:
    """Fix the shared capacities in ``values`` (and their block copies); None frees."""
    for k in study.capacities if values is None else values:
        targets = [study.model.capacity[k]] + [
            s.capacities[k].var.component  # type: ignore[union-attr]
            for s in study.sites.values()
        ]
        for v in targets:
            if values is None:
                v.unfix()
            else:
                v.fix(values[k], skip_validation=True)  # BAU may lie below min


def _unit_choices(
    study: StudyModel, optimal: dict[str, float]
) -> dict[str, list[float]]:
    """Floor and ceil whole units of each purchasable capacity, within its bounds.

    Only capacities bought in whole units (``purchase_size``: hardware) are listed;
    one value when the optimum is a whole number of units (within 1e-6 of a unit).
    """
    out: dict[str, list[float]] = {}
    for k, cap in study.capacities.items():
        size = cap.spec.purchase_size
        if not size:
            continue
        x = optimal[k] / size
        near = round(x)
        units = {near} if abs(x - near) < 1e-6 else {math.floor(x), math.ceil(x)}
        lo = math.ceil(cap.spec.lower / size - 1e-9)
        hi = (
            math.floor(cap.spec.upper / size + 1e-9)
            if math.isfinite(cap.spec.upper)
            else max(units)
        )
        out[k] = sorted({min(max(u, lo), hi) * size for u in units})
    return out


def _solve_hardware(
    study: StudyModel, solver: ModelSolver, values: dict[str, float]
) -> Solution:
    """The study LP with the capacities in ``values`` fixed, the others free.

    Continuous first-stage decisions (commitments, hedge blocks, forwards, a
    connection without unit size) re-optimise within their bounds at the fixed
    hardware; with every capacity fixed the re-solve is warm (:func:`_solve_at`).
    """
    if set(values) == set(study.capacities):
        return _solve_at(study, solver, values)
    _fix(study, values)
    try:
        return solve_model(study.model, solver.options)
    finally:
        _fix(study, None)


def _rounded_solve(
    study: StudyModel, solver: ModelSolver, optimal: dict[str, float]
) -> Solution:
    """The best design in whole units next to the optimum, solved and loaded.

    Each purchasable capacity is tried at its floor and ceil unit count: every
    combination when at most 3 capacities lie between two counts, else greedily one
    capacity at a time (in the study's order) from the nearest counts. The design
    with the highest objective (NPV) is kept; ties keep the smaller hardware.
    """
    choices = _unit_choices(study, optimal)
    keys = list(choices)
    if not keys:  # nothing bought in units: the optimum itself, re-solved
        return _solve_hardware(study, solver, {})
    tried: dict[tuple[float, ...], float] = {}
    failure: Exception | None = None

    def value(combo: tuple[float, ...]) -> float:
        nonlocal failure
        if combo not in tried:
            try:
                fixed = dict(zip(keys, combo, strict=True))
                tried[combo] = _solve_hardware(study, solver, fixed).objective
            except InfeasibleError as exc:
                failure = failure or exc
                tried[combo] = -math.inf
        return tried[combo]

    split = [k for k in keys if len(choices[k]) > 1]
    if len(split) <= 3:
        for combo in itertools.product(*(choices[k] for k in keys)):
            value(combo)
    else:
        best = [
            c[-1] if len(c) > 1 and c[-1] - optimal[k] < optimal[k] - c[0] else c[0]
            for k, c in choices.items()
        ]
        for i, k in enumerate(keys):
            for v in choices[k]:
                trial = (*best[:i], v, *best[i + 1 :])
                if value(trial) > value(tuple(best)):
                    best = list(trial)
    combo = max(tried, key=lambda c: (tried[c], [-v for v in c]))
    if tried[combo] == -math.inf and failure is not None:
        raise failure
    return _solve_hardware(study, solver, dict(zip(keys, combo, strict=True)))


def _design(
    name: str,
    study: StudyModel,
    scenario: Scenario,
    solution: Solution,
    bau: bool = False,
) -> Design:
    values = {
        k: float(pyo.value(study.model.capacity[k])) + 0.0  # no "-0.0"
        for k in study.capacities
    }
    values = {k: max(v, 0.0) if v > -1e-6 else v for k, v in values.items()}
    blocks = {key: extract(site, solution) for key, site in study.sites.items()}
    existing = {k: c.spec.existing for k, c in study.capacities.items()}
    new = {k: 0.0 if bau else values[k] - existing[k] for k in values}
    pf = design_proforma(scenario, study, blocks, new)
    btc = btc_mined(study.plans, blocks, scenario)
    return Design(
        name=name,
        capacities=values,
        blocks=blocks,
        proforma=pf,
        metrics=metrics(pf, btc_mined=btc),
        objective_usd=solution.objective,
    )


# ---- pro forma ---------------------------------------------------------------------
def _mining_revenue_usd(plan: YearPlan, res: Results, year: int) -> float | None:
    """One year's mining revenue: the block's hashrate at that year's hashprice.

    Each fleet's revenue over the block scales with the hashprice interval by
    interval, so it is ``Σ H·HP_year·(1 − f)·Δt/24 = revenue · Σ H·HP_year·Δt /
    Σ H·HP_block·Δt`` (pool fee and interval weights cancel).
    """
    hp = plan.hashprice_by_year.get(year)
    if hp is None:
        return None
    ts = res.timeseries
    dt = ts["site.timestep_h"].to_numpy()
    hp_block = ts["site.hashprice_usd_per_ths_day"].to_numpy()
    total = 0.0
    for aid, k in res.summary["assets"].items():
        if k["type"] != "asic_fleet":
            continue
        h = ts[f"{aid}.hashrate_ths"].to_numpy() * dt
        base = float(h @ hp_block)
        if base > 0:
            total += k["mining_revenue_usd"] * float(h @ hp) / base
    return total * plan.scale


def operating_lines(plan: YearPlan, res: Results, year: int) -> dict[str, float]:
    """One operating year's revenue and cost lines [USD/yr, positive amounts]."""
    s, sc = res.summary, plan.scale
    programs = s.get("programs", {})
    by_type: dict[str, float] = {}
    credits = 0.0
    for k in programs.values():
        by_type[k["type"]] = by_type.get(k["type"], 0.0) + k["cost_usd"]
        credits += k["revenue_usd"]
    program_costs = sum(by_type.values())
    mining = _mining_revenue_usd(plan, res, year)
    return {
        "mining_revenue_usd": mining
        if mining is not None
        else s.get("mining_revenue_usd", 0.0) * sc,
        "compute_revenue_usd": s.get("compute_revenue_usd", 0.0) * sc,
        "heat_revenue_usd": s.get("heat_recovery_revenue_usd", 0.0) * sc,
        "program_credit_usd": credits * sc,
        "energy_cost_usd": s["energy_cost_usd"] * sc * plan.energy_factor_by_year[year],
        "demand_charge_usd": by_type.pop("demand_charge", 0.0) * sc,
        "four_cp_charge_usd": by_type.pop("four_cp", 0.0) * sc,
        "variable_om_usd": (s["other_cost_usd"] - program_costs) * sc,
        "other_cost_usd": sum(by_type.values()) * sc,
    }


def design_proforma(
    scenario: Scenario,
    study: StudyModel,
    blocks: dict[str, Results],
    new_units: dict[str, float],
) -> pd.DataFrame:
    """Year-by-year pro forma of a design (one row per year, USD)."""
    st = scenario.study
    rows = {}
    for plan in study.plans:
        for t in plan.years:
            rows[t] = operating_lines(plan, blocks[plan.key], t)
    ops = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    fom = sum(
        c.spec.fixed_om_usd_per_unit_yr * max(new_units[k], 0.0)
        for k, c in study.capacities.items()
    )
    ops["fixed_om_usd"] = fom * (1.0 + st.om_escalation_frac_per_yr) ** (
        ops.index.to_numpy() - 1
    )
    return proforma(
        ops,
        _capex_table(new_units, study.capacities, scenario),
        discount_frac_per_yr=st.discount_frac_per_yr,
        analysis_yr=st.analysis_yr,
        federal_tax_frac=st.federal_tax_frac,
        state_tax_frac=st.state_tax_frac,
        tax_losses=st.tax_losses,
        salvage=st.salvage,
    )


def btc_mined(
    plans: list[YearPlan], blocks: dict[str, Results], scenario: Scenario
) -> pd.Series | None:
    """BTC mined per operating year (None when no BTC price is known)."""
    out = {}
    derive = scenario.hashprice.derive if scenario.hashprice is not None else None
    fixed_price = (
        derive.btc_price_usd
        if derive is not None and isinstance(derive.btc_price_usd, float)
        else None
    )
    for plan in plans:
        for t in plan.years:
            price = plan.btc_price_by_year.get(t, fixed_price)
            if price is None:
                return None
            revenue = operating_lines(plan, blocks[plan.key], t)["mining_revenue_usd"]
            out[t] = revenue / price
    return pd.Series(out).sort_index()


# ---- the study ---------------------------------------------------------------------
def run_feasibility(
    scenario: Scenario,
    base_dir: str | Path = ".",
    *,
    catalog: Catalog | None = None,
    options: SolveOptions | None = None,
) -> FeasibilityResult:
    """Size the site over its life, round, compare with business as usual.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario with ``size`` blocks and a ``study`` section.
    base_dir : path
        Folder relative series paths start from.
    catalog : Catalog, optional
        Equipment catalogue (bundled by default).
    options : SolveOptions, optional
        HiGHS settings (default: the scenario's ``solver`` section).
    """
    from grid_flex.api import solve_options

    base = Path(base_dir)
    opts = options or solve_options(scenario)
    study, notes = build_study(scenario, base, catalog)
    _warn_defaults(scenario, study)
    progress.expect(3)  # optimal, rounded, business as usual
    solver = _solver(study, opts)
    sol = _solve(study, solver)
    progress.step()
    optimal = _design("optimal", study, scenario, sol)
    rounded_sol = _rounded_solve(study, solver, optimal.capacities)
    rounded = _design("rounded", study, scenario, rounded_sol)
    rounded_values = rounded.capacities
    progress.step()
    existing = {k: c.spec.existing for k, c in study.capacities.items()}
    bau_sol = _solve_at(study, solver, existing)
    bau = _design("bau", study, scenario, bau_sol, bau=True)
    progress.step()
    sizes = sizes_table(study, optimal, rounded)
    finance = finance_summary(scenario, rounded, bau, notes)
    if scenario.study.breakeven_btc_price:
        finance |= breakeven_btc(scenario, base, catalog, opts, rounded_values, bau)
    result = FeasibilityResult(scenario, sizes, optimal, rounded, bau, finance, notes)
    result.sizing_solve = sol.report
    return result


def _warn_defaults(scenario: Scenario, study: StudyModel) -> None:
    """Warn (``InputWarning``) when there is nothing to size or no study section."""
    if not study.capacities:
        warnings.warn(
            "nothing to size: neither the connection nor any asset has a size "
            "block, so the study values the site as it is (NPV vs business as usual "
            "0); add size: {max_mw: ...} to an asset or to site (README, Feasibility "
            "studies)",
            InputWarning,
            stacklevel=3,
        )
    if "study" not in scenario.model_fields_set:
        st = scenario.study
        scale = study.plans[0].scale
        warnings.warn(
            f"no study section: its defaults are used ({st.analysis_yr} operating "
            f"year(s), discount {st.discount_frac_per_yr:.0%}/yr, federal tax "
            f"{st.federal_tax_frac:.0%}, {st.salvage} salvage) and the horizon's "
            f"{HOURS_PER_YEAR / scale:,.0f} h stand for a whole year (its results x "
            f"{scale:,.4g}); give a study: section (README, Feasibility studies)",
            InputWarning,
            stacklevel=3,
        )


def sizes_table(study: StudyModel, optimal: Design, rounded: Design) -> pd.DataFrame:
    """One row per sized capacity (``sizes.csv``)."""
    rows = []
    for k, c in study.capacities.items():
        owner, name = k.rsplit(".", 1)
        size = c.spec.purchase_size
        rows.append(
            {
                "key": k,
                "asset_id": owner,
                "quantity": name,
                "unit": c.spec.unit,
                "min": c.spec.min,
                "max": c.spec.max,
                "existing": c.spec.existing,
                "optimal": optimal.capacities[k],
                "rounded": rounded.capacities[k],
                "unit_count": round(rounded.capacities[k] / size) if size else None,
                "capex_usd_per_unit": c.spec.capex_usd_per_unit,
                "life_yr": c.spec.life_yr,
                "build_out_usd_per_unit": c.spec.build_out_usd_per_unit,
                "build_out_life_yr": c.spec.build_out_life_yr,
                "fixed_om_usd_per_unit_yr": c.spec.fixed_om_usd_per_unit_yr,
                "present_cost_usd_per_unit": study.present_cost_usd_per_unit[k],
            }
        )
    return pd.DataFrame(rows, columns=list(SIZE_COLUMNS))


def finance_summary(
    scenario: Scenario, design: Design, bau: Design, notes: list[str]
) -> dict[str, Any]:
    """The ``finance`` section of ``summary.json``."""
    st = scenario.study
    m, b = design.metrics, bau.metrics
    return {
        "design": "rounded",
        "npv_usd": m["npv_usd"],
        "irr_frac": m["irr_frac"],
        "irr_reason": m["irr_reason"],
        "mirr_frac": m["mirr_frac"],
        "mirr_reason": m["mirr_reason"],
        "return_basis": m["return_basis"],
        "payback_yr": m["simple_payback_yr"],
        "payback_reason": m["simple_payback_reason"],
        "discounted_payback_yr": m["discounted_payback_yr"],
        "discounted_payback_reason": m["discounted_payback_reason"],
        "cost_per_btc_usd": m.get("levelised_cost_per_btc_usd"),
        "energy_cost_per_btc_usd": m.get("energy_cost_per_btc_usd"),
        "cash_cost_per_btc_usd": m.get("cash_cost_per_btc_usd"),
        "cost_per_btc_reason": m.get(
            "cost_per_btc_reason", "no BTC price known (give study.bitcoin)"
        ),
        "bau_npv_usd": b["npv_usd"],
        "npv_vs_bau_usd": m["npv_usd"] - b["npv_usd"],
        "lp_objective_pretax_npv_usd": design.objective_usd,
        "assumptions": {
            "discount_frac_per_yr": st.discount_frac_per_yr,
            "analysis_yr": st.analysis_yr,
            "years_in_lp": st.years_in_lp,
            "federal_tax_frac": st.federal_tax_frac,
            "state_tax_frac": st.state_tax_frac,
            "tax_losses": st.tax_losses,
            "macrs": st.macrs,
            "bonus_frac": st.bonus_frac,
            "salvage": st.salvage,
            "energy_escalation_frac_per_yr": st.energy_escalation_frac_per_yr,
            "om_escalation_frac_per_yr": st.om_escalation_frac_per_yr,
            "capex_change_frac_per_yr": st.capex_change_frac_per_yr,
            "timing": "year 0 = investment, flows at year ends, year 0 undiscounted",
            "lp_objective": "pre-tax NPV; the pro forma adds taxes",
            "notes": list(notes),
        },
    }


def breakeven_btc(
    scenario: Scenario,
    base: Path,
    catalog: Catalog | None,
    opts: SolveOptions,
    design: dict[str, float],
    bau: Design,
) -> dict[str, Any]:
    """BTC price at which the design's NPV equals BAU's (all years scaled alike).

    Each evaluation rebuilds the operating blocks with every hashprice × ``k`` and the
    design fixed (hashprice is proportional to the BTC price), so the schedule adapts.
    """
    prices = [
        p
        for p in (
            scenario.study.bitcoin.btc_price_usd if scenario.study.bitcoin else None,
        )
        if p is not None
    ]
    if not prices:
        return {
            "breakeven_btc_price_usd": None,
            "breakeven_reason": "no BTC price path (study.bitcoin) to scale",
        }
    p0 = prices[0]
    mean_p = float(np.mean(list(p0.values()))) if isinstance(p0, dict) else float(p0)

    def scaled(k: float) -> Callable[[YearPlan, ModelInputs], ModelInputs]:
        def f(plan: YearPlan, inp: ModelInputs) -> ModelInputs:
            hp = inp.hashprice_usd_per_ths_day
            return replace(
                inp, hashprice_usd_per_ths_day=None if hp is None else hp * k
            )

        return f

    def npv_gap(k: float) -> float:
        study, _ = build_study(scenario, base, catalog, transform=scaled(k))
        study.plans = [
            replace(
                p,
                hashprice_by_year={
                    t: None if v is None else v * k
                    for t, v in p.hashprice_by_year.items()
                },
            )
            for p in study.plans
        ]
        _fix(study, design)
        d = _design("breakeven", study, scenario, solve_model(study.model, opts))
        bau_npv = float(bau.metrics["npv_usd"])  # BAU mines only existing hardware
        if bau.capacities and any(v > 0 for v in bau.capacities.values()):
            _fix(study, bau.capacities)
            b = _design("bau", study, scenario, solve_model(study.model, opts), True)
            bau_npv = float(b.metrics["npv_usd"])
        return float(d.metrics["npv_usd"]) - bau_npv

    out = breakeven(npv_gap, 0.0, 4.0, xtol=1e-4, max_evals=16)
    return {
        "breakeven_btc_price_usd": None if out.value is None else out.value * mean_p,
        "breakeven_reason": out.reason
        or "BTC price (all years scaled alike) at which NPV equals BAU's",
    }


# ---- output ------------------------------------------------------------------------
def proforma_table(pf: pd.DataFrame) -> pd.DataFrame:
    """A pro forma as written to CSV: ``year`` first, one column per line item."""
    return pf.reset_index()


def study_results(result: FeasibilityResult) -> Results:
    """The rounded design as a results folder's content, with the study's tables.

    ``timeseries`` is the first operating block's; every block's table is also in
    ``tables`` as ``timeseries_<block>.csv`` when there are several.
    """
    blocks = result.rounded.blocks
    first = next(iter(blocks.values()))
    summary = dict(first.summary)
    summary["finance"] = result.finance
    if result.sizing_solve:
        summary["sizing_solve"] = result.sizing_solve
    summary["sizes"] = result.sizes.to_dict(orient="records")
    summary["design_profit_usd"] = {
        "optimal_lp_objective_usd": result.optimal.objective_usd,
        "rounded_lp_objective_usd": result.rounded.objective_usd,
        "bau_lp_objective_usd": result.bau.objective_usd,
    }
    summary["blocks"] = {
        key: {
            "profit_usd": r.summary["profit_usd"],
            "start_utc": r.summary["start_utc"],
            "end_utc": r.summary["end_utc"],
        }
        for key, r in blocks.items()
    }
    tables = {
        "sizes.csv": result.sizes,
        "proforma.csv": proforma_table(result.rounded.proforma),
        "proforma_bau.csv": proforma_table(result.bau.proforma),
    }
    if len(blocks) > 1:
        for key, r in blocks.items():
            t = r.timeseries.reset_index()
            tables[f"timeseries_{key}.csv"] = t
    return Results(
        objective_usd=result.rounded.objective_usd,
        timeseries=first.timeseries,
        summary=summary,
        tables=tables,
    )


def write_feasibility(
    result: FeasibilityResult, out_dir: str | Path, *, base_dir: str | Path = "."
) -> Path:
    """Write the study's results folder atomically (see :func:`study_results`)."""
    from grid_flex.output import write_results

    return write_results(
        study_results(result), result.scenario, out_dir, base_dir=base_dir
    )


def _money(v: Any) -> str:
    return "n/a" if v is None else f"{v:,.0f} USD"


def feasibility_text(result: FeasibilityResult) -> str:
    """The console summary of a feasibility study."""
    f = result.finance
    st = result.scenario.study
    lines = [
        f"{result.scenario.name}: feasibility over {st.analysis_yr} yr at "
        f"{100 * st.discount_frac_per_yr:g} %/yr (years in the LP: {st.years_in_lp})",
        "",
        "  sizes (optimal -> rounded to whole units):",
    ]
    for row in result.sizes.to_dict(orient="records"):
        count = row["unit_count"]
        units = "" if count is None or count != count else f"  ({int(count):,} units)"
        lines.append(
            f"    {row['key']!s:<28} {row['optimal']:12,.3f} -> "
            f"{row['rounded']:12,.3f} {row['unit']!s}{units}"
        )
    ret = (
        f"IRR {100 * f['irr_frac']:.2f} %"
        if f["irr_frac"] is not None
        else (
            f"MIRR {100 * f['mirr_frac']:.2f} % ({f['irr_reason']})"
            if f["mirr_frac"] is not None
            else f"no IRR ({f['irr_reason']}) nor MIRR ({f['mirr_reason']})"
        )
    )

    def years(v: Any, why: str) -> str:
        return f"{v:.2f} yr" if v is not None else f"none ({why})"

    lines += [
        "",
        f"  NPV (after tax)       {_money(f['npv_usd'])}",
        f"  return                {ret}",
        f"  payback               {years(f['payback_yr'], f['payback_reason'])}",
        "  discounted payback    "
        + years(f["discounted_payback_yr"], f["discounted_payback_reason"]),
        "  cost per BTC          "
        + (
            _money(f["cost_per_btc_usd"]) + " (levelised, all-in pre-tax)"
            if f["cost_per_btc_usd"] is not None
            else f"n/a ({f['cost_per_btc_reason']})"
        ),
        f"  business as usual     NPV {_money(f['bau_npv_usd'])}",
        f"  NPV vs BAU            {_money(f['npv_vs_bau_usd'])}",
    ]
    if "breakeven_btc_price_usd" in f:
        be = f["breakeven_btc_price_usd"]
        lines.append(
            "  breakeven BTC price   "
            + (_money(be) if be is not None else f"n/a ({f['breakeven_reason']})")
        )
    for note in f["assumptions"]["notes"]:
        lines.append(f"  - {note}")
    return "\n".join(lines)
