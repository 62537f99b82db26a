"""Two-stage risk study: shared capacities, operation per scenario and year.

One LP (design.md §5): ``m.capacity[key]`` holds the first-stage capacities (as in
:mod:`grid_flex.studies.feasibility`); ``m.scen[s].op[year]`` is the operating site of
scenario ``s`` in one year block, built by :func:`~grid_flex.site.build_site`
with those shared capacities. Each scenario's pre-tax NPV is the feasibility study's
objective for its own blocks; the study maximises
``(1 − ω) E[NPV] + ω CVaR_α(NPV)`` (:mod:`grid_flex.studies.risk_cvar` states the
convention). ω = 0 is the risk-neutral (expected value) study.

**How it is solved** (:func:`solve_study`): with the first stage fixed the LP falls
apart into one operating LP per scenario and year, so it is solved by the capacity
decomposition of :mod:`grid_flex.decompose` over the first-stage columns (each shared
capacity, hedge and commitment, and its copy in every block; CVaR's ζ stays in the
subproblem, where it links one row per scenario). The optimum is the extensive
form's to ``solver.sizing_gap_frac`` (default 1e-7 relative); ``solver.sizing_method:
monolithic`` solves the extensive form whole instead (benchmarks/README.md, "Risk
studies", compares the two).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyomo.core as pyo

from grid_flex.decompose import ModelSolver
from grid_flex.errors import ScenarioError
from grid_flex.inputs import prepare_inputs
from grid_flex.io.catalog import Catalog
from grid_flex.io.scenario import apply_overrides, scenario_from_dict
from grid_flex.model.capacity import Capacity
from grid_flex.model.terms import UNIT_TEXT, size_max_field
from grid_flex.schema.scenario import Scenario, scenario_source
from grid_flex.site import SiteModel, build_site
from grid_flex.solve import Solution, SolveOptions, solve_model
from grid_flex.studies.feasibility import (
    _objective,
    check_lives,
    shared_capacities,
    unit_present_cost_usd,
)
from grid_flex.studies.feasibility_years import YearPlan, plan_years
from grid_flex.studies.risk_cvar import add_cvar, check_risk_parameters, tail_stats

PROBABILITY_TOL = 1e-6


@dataclass(frozen=True)
class RiskScenario:
    """One scenario of a set: a name, its probability and a patch of the base.

    ``patch`` is a nested mapping applied like an ``--override`` file (asset and
    program entries addressed by id).
    """

    name: str
    probability: float
    patch: Mapping[str, Any] = field(default_factory=dict)


def check_scenario_set(scenarios: Sequence[RiskScenario], source: str) -> None:
    """Raise ScenarioError unless names are unique and probabilities ≥ 0 sum to 1."""
    problems = []
    if not scenarios:
        problems.append("scenarios: the set is empty")
    seen: set[str] = set()
    for i, s in enumerate(scenarios):
        if s.name in seen:
            problems.append(f"scenarios[{i}].name: {s.name!r} appears twice")
        seen.add(s.name)
        if not (math.isfinite(s.probability) and s.probability >= 0.0):
            problems.append(
                f"scenarios[{i}].probability: {s.probability} (scenario {s.name!r}) "
                "is not a finite number ≥ 0"
            )
    total = sum(s.probability for s in scenarios)
    if scenarios and not problems and abs(total - 1.0) > PROBABILITY_TOL:
        problems.append(f"scenarios.probability: they sum to {total:.9g}, expected 1")
    if problems:
        raise ScenarioError(source, problems)


def patched(base: Scenario, rs: RiskScenario) -> Scenario:
    """The base scenario with the scenario's patch applied and validated again."""
    if not rs.patch:
        return base
    data = base.model_dump(mode="json", exclude_unset=True)
    origin = f"{scenario_source(base)} (risk scenario {rs.name!r})"
    return scenario_from_dict(
        apply_overrides(data, [(origin, rs.patch)]), source=origin
    )


@dataclass
class RiskModel:
    """A built risk LP: model, per-scenario plans and sites, shared capacities."""

    model: pyo.ConcreteModel
    scenarios: list[RiskScenario]
    plans: dict[str, list[YearPlan]]
    sites: dict[str, dict[str, SiteModel]]
    capacities: dict[str, Capacity]
    #: Per scenario: present worth of one unit of each new capacity [USD/unit].
    present_cost_usd_per_unit: dict[str, dict[str, float]]
    notes: list[str]


def build_risk(
    base: Scenario,
    scenarios: Sequence[RiskScenario],
    base_dir: Path,
    *,
    alpha: float,
    omega: float,
    catalog: Catalog | None = None,
) -> RiskModel:
    """The two-stage LP (see the module docstring)."""
    source = scenario_source(base)
    check_scenario_set(scenarios, source)
    check_risk_parameters(alpha, omega, source)
    names = [s.name for s in scenarios]
    m = pyo.ConcreteModel(name=f"{base.name}_risk")
    m.scen = pyo.Block(names, doc="one block per scenario")
    plans: dict[str, list[YearPlan]] = {}
    sites: dict[str, dict[str, SiteModel]] = {}
    notes: list[str] = []
    caps: dict[str, Capacity] = {}
    shared: dict[str, Any] | None = None
    cost: dict[str, dict[str, float]] = {}
    for rs in scenarios:
        sc = patched(base, rs)
        ps, ns = plan_years(sc, base_dir)
        notes += [n for n in ns if n not in notes]
        plans[rs.name] = ps
        blk = m.scen[rs.name]
        blk.op = pyo.Block([p.key for p in ps])
        sites[rs.name] = {}
        for p in ps:
            inp = prepare_inputs(p.scenario, base_dir, catalog)
            if shared is None:
                site = build_site(blk.op[p.key], inp, objective=False)
                caps = shared_capacities(
                    m, site, "first-stage capacities shared by every scenario"
                )
                shared = {k: m.capacity[k] for k in caps}
            else:
                site = build_site(
                    blk.op[p.key], inp, objective=False, capacities=shared
                )
                _check_shared(site, shared, rs.name, source)
                _check_bounds(site, caps, rs, p.scenario, source)
            sites[rs.name][p.key] = site
        # costs are scenario data: each scenario's NPV pays its own capex, life,
        # build-out and fixed O&M (and discounts them at its own rate)
        own = sites[rs.name][ps[0].key].capacities
        check_lives({k: own[k] for k in caps}, sc)
        cost[rs.name] = {k: unit_present_cost_usd(own[k], sc) for k in caps}
    m.npv_usd = pyo.Expression(
        names,
        rule=lambda _m, s: _objective(plans[s], sites[s], m, caps, cost[s]),
        doc="pre-tax NPV of each scenario [USD]",
    )
    prob = {s.name: s.probability for s in scenarios}
    loss = {s: -m.npv_usd[s] for s in names}
    m.objective = pyo.Objective(
        expr=add_cvar(m, loss, prob, alpha, omega), sense=pyo.minimize
    )
    return RiskModel(m, list(scenarios), plans, sites, caps, cost, notes)


def _check_shared(
    site: SiteModel, shared: dict[str, Any], scenario: str, source: str
) -> None:
    """Raise ScenarioError if ``site`` sizes a capacity the first stage does not have.

    The first stage is what the first scenario (the base, patched) sizes; a
    capacity sized only by a later scenario's patch would be its own choice.
    """
    extra = sorted(
        k
        for k, c in site.capacities.items()
        if c.var is not None and c.spec.sized and c.factor == 1.0 and k not in shared
    )
    if extra:
        raise ScenarioError(
            source,
            [
                f"scenarios.{scenario}: sizes {k}, which the first scenario does not "
                "size: the sized capacities are decided once for every scenario; "
                "give the size block in the base scenario (or the first scenario)"
                for k in extra
            ],
        )


#: What decides a sized capacity (not what it costs): (attribute, the prefix of its
#: size fields, what it is).
_DECISION_FIELDS = (
    ("unit", "", "unit"),
    ("lower", "min", "smallest size"),
    ("upper", "max", "largest size"),
    ("existing", "existing", "existing part"),
)


def _check_bounds(
    site: SiteModel,
    first: Mapping[str, Capacity],
    rs: RiskScenario,
    scenario: Scenario,
    source: str,
) -> None:
    """Raise ScenarioError if a scenario changes a shared capacity's bounds.

    The capacities are decided once for every scenario, so whether they are sized,
    their unit, bounds and existing part are the first scenario's; a later scenario
    may change what they cost (its own NPV pays its own capex, life and O&M), not
    what may be built.
    """
    problems = []
    for k, cap in first.items():
        own = site.capacities[k].spec
        unit = UNIT_TEXT.get(cap.spec.unit, cap.spec.unit)
        size = size_max_field(scenario, k, cap.spec.unit).rsplit(".", 1)[0]
        given = _patch_paths(rs.patch, size)
        owner = k.split(".", 1)[0]
        if not own.sized:
            problems.append(
                f"scenarios.{rs.name}: {', '.join(given or [size])} fixes {k} at "
                f"{_text(own.lower)} {unit}, which the first scenario sizes: the "
                "sized capacities are decided once for every scenario; keep the "
                f"size block of {owner} in every scenario"
            )
            continue
        for attr, prefix, what in _DECISION_FIELDS:
            mine, theirs = getattr(own, attr), getattr(cap.spec, attr)
            if mine == theirs:
                continue
            named = [g for g in given if g.rsplit(".", 1)[-1].startswith(prefix)]
            problems.append(
                f"scenarios.{rs.name}: {', '.join(named or given or [size])} changes "
                f"the {what} of {k} ({_text(mine)} here, {_text(theirs)} {unit} in "
                "the first scenario): the sized capacities and their bounds are "
                "decided once for every scenario; give the bound in the base "
                "scenario (or the study's patch), and vary only costs per scenario"
            )
    if problems:
        raise ScenarioError(source, problems)


def _text(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _patch_paths(patch: Mapping[str, Any], prefix: str) -> list[str]:
    """The dotted paths ``patch`` gives at or under ``prefix`` (``assets.<id>...``)."""

    def walk(d: Any, path: str) -> list[str]:
        if isinstance(d, Mapping) and d:
            return [p for k, v in d.items() for p in walk(v, f"{path}.{k}")]
        return [path]

    flat = [p.lstrip(".") for p in walk(patch, "")]
    return [p for p in flat if p == prefix or p.startswith(prefix + ".")]


def first_stage(rm: RiskModel) -> list[Any]:
    """The first-stage variables: each shared capacity and its copy in every block."""
    m = rm.model
    out = [m.capacity[k] for k in rm.capacities]
    for by_year in rm.sites.values():
        for site in by_year.values():
            for k in rm.capacities:
                var = site.capacities[k].var
                assert var is not None
                out.append(var.component)
    return out


def solve_study(rm: RiskModel, options: SolveOptions) -> Solution:
    """Solve ``rm`` (loaded into its model): decomposed over the first stage.

    ``sizing_method: auto`` decomposes whenever the study has first-stage capacities
    (the extensive form's scenarios are what makes it large, not its LP's size
    alone); ``monolithic`` solves the extensive form whole. A decomposition that
    gives up falls back to the whole LP (``solution.report["fallback"]``).
    """
    opts = options
    if opts.sizing_method == "auto" and rm.capacities:
        opts = replace(opts, sizing_method="decomposed")
    solution = ModelSolver(rm.model, first_stage(rm), opts).solve()
    if not solution.report:
        solution.report = {"method": "monolithic"}
    return solution


def set_omega(rm: RiskModel, omega: float) -> None:
    """Replace the objective by ``(1 − ω) E[L] + ω CVaR_α(L)`` (α as built)."""
    check_risk_parameters(0.5, omega)
    m = rm.model
    m.del_component(m.objective)
    m.objective = pyo.Objective(
        expr=(1.0 - omega) * m.risk_expected_loss_usd + omega * m.risk_cvar_loss_usd,
        sense=pyo.minimize,
    )


def fix_capacities(rm: RiskModel, values: Mapping[str, float] | None) -> None:
    """Fix the shared capacities (and the block copies) at ``values``; None frees."""
    for k in rm.capacities:
        targets = [rm.model.capacity[k]] + [
            s.capacities[k].var.component  # type: ignore[union-attr]
            for by_year in rm.sites.values()
            for s in by_year.values()
        ]
        for v in targets:
            if values is None:
                v.unfix()
            else:  # a solver's value may sit a rounding error outside the bounds
                lo = -math.inf if v.lb is None else v.lb
                hi = math.inf if v.ub is None else v.ub
                v.fix(min(max(values[k], lo), hi))


@dataclass
class RiskOutcome:
    """One solved risk study (money in USD, pre-tax NPV)."""

    alpha: float
    omega: float
    capacities: dict[str, float]
    scenario_results: pd.DataFrame
    risk: dict[str, float]
    objective_usd: float


def outcome(
    rm: RiskModel, solution: Solution, alpha: float, omega: float
) -> RiskOutcome:
    """Read capacities and per-scenario NPVs off a solved risk model."""
    m = rm.model
    caps = {k: float(pyo.value(m.capacity[k])) + 0.0 for k in rm.capacities}
    caps = {k: 0.0 if abs(v) < 1e-9 else v for k, v in caps.items()}
    rows = [
        {
            "scenario": s.name,
            "probability": s.probability,
            "profit_usd": float(pyo.value(m.npv_usd[s.name])),
        }
        for s in rm.scenarios
    ]
    table = pd.DataFrame(rows)
    stats = tail_stats(
        table["profit_usd"].tolist(), table["probability"].tolist(), alpha
    )
    risk = {**stats, "alpha": alpha, "omega": omega}
    return RiskOutcome(alpha, omega, caps, table, risk, -solution.objective)


def solve_outcome(
    rm: RiskModel, options: SolveOptions, alpha: float, omega: float
) -> tuple[RiskOutcome, Solution]:
    """Solve ``rm`` at weight ω; then evaluate its design with operation re-optimised.

    With ω > 0 the operation of scenarios outside the CVaR tail does not move the
    objective, so the LP may leave it anywhere optimal for the tail alone. The
    design is therefore fixed and the operation re-solved for the expectation
    (the LP separates by scenario: each scenario runs its best operation), and the
    reported profits, E, VaR, CVaR and objective are those of that evaluation.
    """
    set_omega(rm, omega)
    sol = solve_study(rm, options)
    if omega == 0.0:
        return outcome(rm, sol, alpha, omega), sol
    caps = {k: float(pyo.value(rm.model.capacity[k])) for k in rm.capacities}
    try:
        out, sol = _evaluate(rm, caps, options, alpha)
    finally:
        set_omega(rm, omega)
    out.omega = omega
    out.risk["omega"] = omega
    out.objective_usd = (1.0 - omega) * out.risk["expected_usd"] + omega * out.risk[
        "cvar_usd"
    ]
    return out, sol


def evaluate_design(
    rm: RiskModel,
    capacities: Mapping[str, float],
    options: SolveOptions,
    alpha: float,
) -> RiskOutcome:
    """A design fixed on every scenario of ``rm``, operation optimised per scenario.

    Returns its NPV distribution; ``objective_usd`` is its expected NPV (the LP is
    left with the risk-neutral objective).
    """
    return _evaluate(rm, capacities, options, alpha)[0]


def _evaluate(
    rm: RiskModel,
    capacities: Mapping[str, float],
    options: SolveOptions,
    alpha: float,
) -> tuple[RiskOutcome, Solution]:
    set_omega(rm, 0.0)
    fix_capacities(rm, capacities)
    try:
        sol = solve_model(rm.model, options)
    finally:
        fix_capacities(rm, None)
    return outcome(rm, sol, alpha, 0.0), sol


def solve_risk(
    base: Scenario,
    scenarios: Sequence[RiskScenario],
    base_dir: str | Path = ".",
    *,
    alpha: float = 0.95,
    omega: float = 0.0,
    catalog: Catalog | None = None,
    options: SolveOptions | None = None,
) -> RiskOutcome:
    """Build and solve one two-stage study; return its design and NPV distribution."""
    from grid_flex.api import solve_options

    opts = options or solve_options(base)
    rm = build_risk(
        base, scenarios, Path(base_dir), alpha=alpha, omega=omega, catalog=catalog
    )
    return solve_outcome(rm, opts, alpha, omega)[0]
