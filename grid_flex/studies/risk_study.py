"""The risk study end to end: risk-neutral and risk-averse designs, EVPI, VSS, frontier.

Definitions (all on the pre-tax NPV of :mod:`grid_flex.studies.risk`, USD):

* RP: the risk-neutral stochastic optimum ``max_C E[NPV(C, s)]``.
* WS (wait and see): ``E_s[max_C NPV(C, s)]``, each scenario solved alone.
* EVPI = WS − RP ≥ 0 (what knowing the scenario before building would be worth).
* EV design: the optimum of the mean-value scenario (numeric patch values averaged
  with the probabilities); EEV: that design, fixed, evaluated on every scenario
  (operation still optimised per scenario). VSS = RP − EEV ≥ 0.
* Cost of risk aversion: E[NPV] of the risk-neutral design − E[NPV] of the
  risk-averse one (≥ 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from grid_flex.io.catalog import Catalog
from grid_flex.io.scenario import Replace
from grid_flex.results import Results, extract
from grid_flex.schema.scenario import Scenario
from grid_flex.solve import SolveOptions
from grid_flex.studies import progress
from grid_flex.studies.risk import (
    RiskModel,
    RiskOutcome,
    RiskScenario,
    build_risk,
    evaluate_design,
    outcome,
    patched,
    solve_outcome,
    solve_study,
)


@dataclass
class RiskStudyResult:
    """What :func:`run_risk` returns (money in USD, pre-tax NPV)."""

    neutral: RiskOutcome
    averse: RiskOutcome
    values: dict[str, float | None]
    frontier: pd.DataFrame
    designs: pd.DataFrame
    first_block: Results
    notes: list[str] = field(default_factory=list)
    #: How the risk-neutral study was solved (``Solution.report``: method, solves,
    #: gap, and why a decomposition fell back to the whole LP).
    solve_report: dict[str, Any] = field(default_factory=dict)


def mean_value_patch(
    scenarios: Sequence[RiskScenario], base: Scenario | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Probability-weighted mean of the scenarios at every path their patches give.

    With ``base``, each scenario counts with its own value at the path: what its
    patch gives (after a ``patch:`` merged into the base's mapping), or the base's
    where its patch says nothing; without it, the patches' values alone (a path only
    some patches give is left out). Numbers are averaged, also numbers by year (a
    constant holds in every year, so a constant and a by-year path average year by
    year) and lists of numbers of one length, such as inline series, element by
    element; values equal in every scenario are kept. A field that differs otherwise
    (a weather year drawn per scenario, a model name) is left out: the mean-value
    scenario keeps the base's value there (for sampled weather years, all of the
    base study's years, i.e. their mean). Returns the patch and those fields' paths.
    """
    probs = [s.probability for s in scenarios]
    patches = [dict(s.patch) for s in scenarios]
    resolved = (
        patches
        if base is None
        else [patched(base, s).model_dump(mode="python") for s in scenarios]
    )
    dropped: list[str] = []

    def walk(nodes: list[Any], parts: list[str]) -> Any:
        given = [n for n in nodes if n is not _MISSING]
        if all(_branch(n) for n in given):
            out = {}
            for k in dict.fromkeys(k for n in given for k in n):
                sub = [_MISSING if n is _MISSING else n.get(k, _MISSING) for n in nodes]
                m = walk(sub, [*parts, str(k)])
                if m is not _DROP:
                    out[k] = m
            return out
        values = [_value_at(r, parts) for r in resolved]
        m = _DROP if _MISSING in values else _average(values, probs)
        if m is _DROP:
            dropped.append(".".join(parts))
        return m

    out = walk(patches, [])
    study = out.get("study")
    # weather years drawn per scenario: the mean-value scenario runs all of the
    # base's weather years, as the base study does
    if (
        "study.weather_years" in dropped
        and isinstance(study, dict)
        and study.pop("years_in_lp", None) is not None
    ):
        dropped.append("study.years_in_lp")
    return dict(out), sorted(dropped)


def _numeric(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _branch(node: Any) -> bool:
    """True for a patch mapping of field names (walked into, not averaged whole)."""
    return (
        isinstance(node, Mapping)
        and not isinstance(node, Replace)
        and all(isinstance(k, str) for k in node)
    )


def _value_at(data: Any, parts: list[str]) -> Any:
    """The value at ``parts`` (asset and program entries by id), or ``_MISSING``."""
    node = data
    for part in parts:
        if isinstance(node, list):
            node = next(
                (
                    e
                    for e in node
                    if isinstance(e, Mapping) and (e.get("id") or e.get("type")) == part
                ),
                _MISSING,
            )
        elif isinstance(node, Mapping):
            node = node.get(part, _MISSING)
        else:
            return _MISSING
        if node is _MISSING:
            return _MISSING
    return node


def _average(values: list[Any], probs: list[float]) -> Any:
    """The probability-weighted mean of ``values``, or ``_DROP`` if not averageable."""
    first = values[0]
    if all(v == first for v in values) and not isinstance(first, Mapping):
        return first
    if all(_numeric(v) for v in values):
        return sum(p * float(v) for p, v in zip(probs, values, strict=True))
    maps = [v for v in values if isinstance(v, Mapping)]
    if maps and all(isinstance(v, Mapping) or _numeric(v) for v in values):
        keys = list(maps[0])
        by_year = all(isinstance(k, int) for k in keys)
        if any(set(m) != set(keys) for m in maps) or (
            len(maps) < len(values) and not by_year
        ):
            return _DROP
        out = {}
        for k in keys:
            m = _average([v[k] if isinstance(v, Mapping) else v for v in values], probs)
            if m is _DROP:
                return _DROP
            out[k] = m
        # a by-year path is the whole path (not merged into the base's years)
        return Replace(out) if by_year else out
    if all(isinstance(v, list) and len(v) == len(first) for v in values) and all(
        _numeric(x) for v in values for x in v
    ):
        return [
            sum(p * float(v[i]) for p, v in zip(probs, values, strict=True))
            for i in range(len(first))
        ]
    if all(v == first for v in values):
        return first
    return _DROP


_MISSING = object()
_DROP = object()


def _design_table(rm: RiskModel, a: RiskOutcome, b: RiskOutcome) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "key": k,
                "unit": c.spec.unit,
                "risk_neutral": a.capacities[k],
                "risk_averse": b.capacities[k],
            }
            for k, c in rm.capacities.items()
        ]
    )


def run_risk(
    base: Scenario,
    scenarios: Sequence[RiskScenario],
    base_dir: str | Path = ".",
    *,
    alpha: float = 0.95,
    omega: float = 0.5,
    frontier_omegas: Sequence[float] = (),
    catalog: Catalog | None = None,
    options: SolveOptions | None = None,
) -> tuple[RiskStudyResult, RiskModel]:
    """Risk-neutral and risk-averse (α, ω) designs, EVPI, VSS and the frontier."""
    from grid_flex.api import solve_options

    opts = options or solve_options(base)
    bd = Path(base_dir)
    rm = build_risk(base, scenarios, bd, alpha=alpha, omega=0.0, catalog=catalog)
    # neutral, averse, the frontier, each scenario alone, mean value and its design
    progress.expect(2 + len(frontier_omegas) + len(scenarios) + 2)
    solution = solve_study(rm, opts)
    neutral = outcome(rm, solution, alpha, 0.0)
    progress.step()
    averse, sol = solve_outcome(rm, opts, alpha, omega)
    progress.step()
    first_sites = next(iter(rm.sites.values()))
    first_block = extract(next(iter(first_sites.values())), sol)
    designs = _design_table(rm, neutral, averse)
    rows = []
    for w in frontier_omegas:
        o = solve_outcome(rm, opts, alpha, w)[0]
        progress.step()
        rows.append(
            {
                "omega": w,
                "expected_usd": o.risk["expected_usd"],
                "cvar_usd": o.risk["cvar_usd"],
            }
            | {f"{k}": v for k, v in o.capacities.items()}
        )
    frontier = pd.DataFrame(rows)
    # wait and see: each scenario alone, with probability 1
    ws = 0.0
    for s in scenarios:
        one = build_risk(
            base,
            [RiskScenario(s.name, 1.0, s.patch)],
            bd,
            alpha=alpha,
            omega=0.0,
            catalog=catalog,
        )
        ws += (
            s.probability
            * outcome(one, solve_study(one, opts), alpha, 0.0).objective_usd
        )
        progress.step()
    rp = neutral.objective_usd
    notes = list(rm.notes)
    values: dict[str, float | None] = {
        "rp_usd": rp,
        "ws_usd": ws,
        "evpi_usd": ws - rp,
        "cost_of_risk_aversion_usd": neutral.risk["expected_usd"]
        - averse.risk["expected_usd"],
    }
    mv, kept_base = mean_value_patch(scenarios, base)
    if kept_base:
        notes.append(
            "VSS: the mean-value scenario averages the scenarios' numbers and keeps "
            f"the base's {', '.join(kept_base)} (not averageable)"
        )
    ev = build_risk(
        base,
        [RiskScenario("mean_value", 1.0, mv)],
        bd,
        alpha=alpha,
        omega=0.0,
        catalog=catalog,
    )
    ev_design = outcome(ev, solve_study(ev, opts), alpha, 0.0).capacities
    progress.step()
    eev = evaluate_design(rm, ev_design, opts, alpha).objective_usd
    progress.step()
    values["eev_usd"] = eev
    values["vss_usd"] = rp - eev
    return (
        RiskStudyResult(
            neutral,
            averse,
            values,
            frontier,
            designs,
            first_block,
            notes,
            dict(solution.report),
        ),
        rm,
    )


def risk_summary(result: RiskStudyResult) -> dict[str, Any]:
    """``summary.json["risk"]`` of the risk-averse study, with the comparisons."""
    a = result.averse
    return {
        "expected_usd": a.risk["expected_usd"],
        "var_usd": a.risk["var_usd"],
        "cvar_usd": a.risk["cvar_usd"],
        "alpha": a.alpha,
        "omega": a.omega,
        "risk_neutral": result.neutral.risk,
        "capacities_risk_neutral": result.neutral.capacities,
        "capacities_risk_averse": a.capacities,
        **result.values,
        "notes": result.notes,
        "solve": result.solve_report,
    }


def scenario_results_table(result: RiskStudyResult) -> pd.DataFrame:
    """``scenario_results.csv``: each scenario's pre-tax NPV under both designs."""
    t = result.averse.scenario_results.copy()
    t["profit_risk_neutral_usd"] = result.neutral.scenario_results[
        "profit_usd"
    ].to_numpy()
    return t


def write_risk(
    result: RiskStudyResult,
    scenarios: Sequence[RiskScenario],
    base: Scenario,
    out_dir: str | Path,
    *,
    base_dir: str | Path = ".",
) -> Path:
    """Write the study's results folder atomically.

    ``scenario_set.csv``, ``scenario_results.csv`` (``profit_usd``: pre-tax NPV of
    the risk-averse design in each scenario), ``designs.csv`` (capacities side by
    side), ``frontier.csv`` (when ω values were asked), ``summary.json`` with
    ``"risk"``, and the first scenario's first operating block as the time series.
    """
    from grid_flex.output import write_results
    from grid_flex.studies.risk_set import scenario_set_table

    first = result.first_block
    tables = {
        "scenario_set.csv": scenario_set_table(list(scenarios)),
        "scenario_results.csv": scenario_results_table(result),
        "designs.csv": result.designs,
    }
    if not result.frontier.empty:
        tables["frontier.csv"] = result.frontier
    summary = dict(first.summary) | {"risk": risk_summary(result)}
    return write_results(
        Results(result.averse.objective_usd, first.timeseries, summary, tables=tables),
        base,
        out_dir,
        base_dir=base_dir,
    )


def risk_text(result: RiskStudyResult) -> str:
    """The console summary of a risk study."""
    r = risk_summary(result)

    def usd(v: Any) -> str:
        return "n/a" if v is None else f"{v + 0.0:,.0f} USD"

    lines = [
        f"Risk study: α = {r['alpha']:g}, ω = {r['omega']:g} "
        f"({len(result.averse.scenario_results)} scenarios, pre-tax NPV)",
        f"  expected NPV       {usd(r['expected_usd'])}",
        f"  VaR (α)            {usd(r['var_usd'])}",
        f"  CVaR (α)           {usd(r['cvar_usd'])}",
        f"  risk-neutral E     {usd(r['risk_neutral']['expected_usd'])}",
        f"  EVPI               {usd(r['evpi_usd'])}",
        f"  VSS                {usd(r['vss_usd'])}",
        f"  cost of risk aversion {usd(r['cost_of_risk_aversion_usd'])}",
        "  capacities (risk-neutral → risk-averse):",
    ]
    for _, row in result.designs.iterrows():
        lines.append(
            f"    {row['key']:<28} {row['risk_neutral']:>12,.3f} → "
            f"{row['risk_averse']:>12,.3f} {row['unit']}"
        )
    how = result.solve_report
    if how.get("method") == "decomposed":
        lines.append(
            f"  solved by decomposition over the first stage: {how.get('solves')} "
            f"solves, gap {how.get('gap_frac', 0.0):.1e}"
        )
    elif how.get("fallback"):
        lines.append(f"  solved whole (decomposition gave up: {how['fallback']})")
    if result.notes:
        lines.append(
            f"  {len(result.notes)} notes on the scenarios' assumptions: "
            'summary.json["risk"]["notes"]'
        )
    return "\n".join(lines)
