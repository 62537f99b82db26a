"""Portfolio study: one or more fleets allocated to several sites period by period.

Each site is a full grid-flex scenario on the same UTC horizon. The horizon is cut
into periods (months, seasons) that tile it. For every fleet ``f``, site ``s`` and
period ``p`` the study owns an allocation column ``alloc[f, s, p]`` [MW]:

* ``Σ_s alloc[f, s, p] = P_f`` (the fleet's machines are somewhere), and
  ``alloc[f, s, p] ≤`` the site's limit in that period (a policy event such as a
  ban sets it to 0 from its date);
* moves between consecutive periods ``m[f, s→s', p] ≥ 0`` with
  ``alloc[f, s', p] = alloc[f, s', p−1] + Σ_in m − Σ_out m``, costing
  ``cost_usd_per_mw`` each and capped at ``max_mw_per_period`` per period;
* each (site, period) is the site's operating LP (:func:`build_site`) on that
  period's intervals, its fleet capacity ``"<fleet>.power_mw"`` shared with the
  study. Machines moved in arrive after ``downtime_h``: the first ``downtime_h`` of
  the period is a separate operating block whose fleet capacity is
  ``alloc − inflow`` (the lost hashing is lost margin at the destination, exact).

Objective: Σ operating profit − moving cost [USD]. The static allocation (moves
fixed at 0, the best allocation that never moves) is the business as usual; the
value of mobility is optimal − static.

Per-period blocks start each period afresh (storage state is not carried across
periods; modules with whole-horizon parameters provide ``window_params``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyomo.core as pyo

from grid_flex.errors import ScenarioError
from grid_flex.inputs import ModelInputs
from grid_flex.model.build import build_site
from grid_flex.model.capacity import CapacitySpec
from grid_flex.solve import SolveOptions, solve_model
from grid_flex.studies import rolling_state as protocol

SOURCE = "portfolio"


@dataclass(frozen=True)
class Period:
    """One allocation period ``[start, end)`` (tz-aware UTC)."""

    name: str
    start: pd.Timestamp
    end: pd.Timestamp


@dataclass(frozen=True)
class PolicyEvent:
    """From ``start`` on, site ``site`` hosts at most ``max_mw`` of each fleet [MW].

    A ban is ``max_mw = 0``; a quota change a smaller number.
    """

    site: str
    start: pd.Timestamp
    max_mw: float = 0.0


@dataclass(frozen=True)
class PortfolioSite:
    """A site: its prepared inputs on the whole horizon and its fleet limits [MW]."""

    id: str
    inputs: ModelInputs
    max_fleet_mw: float = math.inf


@dataclass(frozen=True)
class Fleet:
    """Machines moved as one: its id is the asset id in every site scenario."""

    id: str
    power_mw: float
    sites: tuple[str, ...] | None = None  # allowed sites (None: all)


@dataclass(frozen=True)
class Moves:
    """Moving costs: per MW moved, transit downtime [h], cap per period [MW]."""

    cost_usd_per_mw: float = 0.0
    downtime_h: float = 0.0
    max_mw_per_period: float = math.inf


@dataclass
class PortfolioResult:
    """Optimal and static (no moves) allocations and what they earn."""

    objective_usd: float
    static_objective_usd: float
    allocation: pd.DataFrame
    moves: pd.DataFrame
    sites: pd.DataFrame
    static_allocation: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def value_of_mobility_usd(self) -> float:
        """Optimal − static objective [USD]."""
        return self.objective_usd - self.static_objective_usd


# ---- checks ---------------------------------------------------------------------
def check(
    sites: Sequence[PortfolioSite],
    fleets: Sequence[Fleet],
    periods: Sequence[Period],
    events: Sequence[PolicyEvent] = (),
    source: str = SOURCE,
) -> None:
    """Raise :class:`ScenarioError` naming the field for inconsistent studies."""
    problems: list[str] = []
    if not sites:
        problems.append("sites: at least one site is required")
    ids = [s.id for s in sites]
    if len(set(ids)) != len(ids):
        problems.append(f"sites: duplicate ids {sorted(ids)}")
    if sites:
        ref = sites[0].inputs.index
        for i, s in enumerate(sites[1:], start=1):
            if not s.inputs.index.equals(ref):
                problems.append(
                    f"sites[{i}] ({s.id}): horizon {_span(s.inputs.index)} differs "
                    f"from sites[0] ({sites[0].id}) {_span(ref)}; all sites must "
                    "share one horizon and timestep"
                )
        problems += _tiling_problems(ref, periods)
    for i, f in enumerate(fleets):
        for name in f.sites or ():
            if name not in ids:
                problems.append(
                    f"fleets[{i}].sites: site {name!r} does not exist (sites: {ids})"
                )
        for s in sites:
            if (f.sites is None or s.id in f.sites) and not any(
                getattr(p, "id", None) == f.id for _, p in s.inputs.assets
            ):
                problems.append(
                    f"fleets[{i}].id: site {s.id!r} has no asset {f.id!r} to host it"
                )
    for i, e in enumerate(events):
        if e.site not in ids:
            problems.append(
                f"events[{i}].site: site {e.site!r} does not exist (sites: {ids})"
            )
    if problems:
        raise ScenarioError(source, problems)


def _span(index: pd.DatetimeIndex) -> str:
    return f"{index[0]} … {index[-1]} ({len(index)} intervals)"


def _tiling_problems(index: pd.DatetimeIndex, periods: Sequence[Period]) -> list[str]:
    if not periods:
        return ["periods: at least one period is required"]
    end = index[-1] + pd.Timedelta(index[-1] - index[-2]) if len(index) > 1 else None
    expected = index[0]
    for i, p in enumerate(periods):
        if p.start != expected:
            return [
                f"periods[{i}].start: {p.start} should be {expected} (periods must "
                "tile the horizon in order, without gaps or overlaps)"
            ]
        if p.end <= p.start:
            return [f"periods[{i}].end: {p.end} is not after its start {p.start}"]
        expected = p.end
    if end is not None and expected != end:
        return [f"periods[-1].end: {expected} should be the horizon end {end}"]
    return []


# ---- cutting a site's inputs to a window -----------------------------------------
def _cut_params(
    entry: tuple[str, Any], a: int, b: int, n: int, dt: Any, program: bool
) -> tuple[str, Any]:
    """One module entry on intervals ``[a, b)``.

    Modules with whole-horizon parameters cut themselves (``window_params``, as in
    rolling studies); otherwise every per-interval array field is sliced.
    """
    kind, params = entry
    module = protocol.module(kind, program=program)
    cut = getattr(module, "window_params", None)
    if cut is not None:
        return kind, cut(params, a, b, dt)
    if not dataclasses.is_dataclass(params) or isinstance(params, type):
        return kind, params
    changes = {
        f.name: getattr(params, f.name)[a:b]
        for f in dataclasses.fields(params)
        if isinstance(getattr(params, f.name), np.ndarray)
        and getattr(params, f.name).shape[:1] == (n,)
    }
    return kind, dataclasses.replace(params, **changes) if changes else params


def window_inputs(
    inputs: ModelInputs, a: int, b: int, fleet_caps: Mapping[str, float]
) -> ModelInputs:
    """``inputs`` on intervals ``[a, b)`` with the fleets' power made shareable."""
    n, dt = len(inputs.index), inputs.timestep_h

    def fleet_spec(entry: tuple[str, Any]) -> tuple[str, Any]:
        kind, p = entry
        fid = getattr(p, "id", None)
        if isinstance(fid, str) and fid in fleet_caps:
            spec = CapacitySpec(unit="mw", min=0.0, max=fleet_caps[fid])
            return kind, dataclasses.replace(p, power=spec)
        return entry

    assets = tuple(
        fleet_spec(_cut_params(e, a, b, n, dt, False)) for e in inputs.assets
    )
    programs = tuple(_cut_params(e, a, b, n, dt, True) for e in inputs.programs)
    hp = inputs.hashprice_usd_per_ths_day
    return dataclasses.replace(
        inputs,
        index=inputs.index[a:b],
        timestep_h=dt[a:b],
        price_usd_per_mwh=inputs.price_usd_per_mwh[a:b],
        import_price_usd_per_mwh=inputs.import_price_usd_per_mwh[a:b],
        export_price_usd_per_mwh=inputs.export_price_usd_per_mwh[a:b],
        hashprice_usd_per_ths_day=None if hp is None else hp[a:b],
        import_limit_mw=inputs.import_limit_mw[a:b],
        export_limit_mw=inputs.export_limit_mw[a:b],
        assets=assets,
        programs=programs,
    )


# ---- the LP ---------------------------------------------------------------------
def _site_limit(
    site: PortfolioSite, period: Period, events: Sequence[PolicyEvent]
) -> float:
    """Most MW of one fleet ``site`` may host in ``period``.

    An event that starts inside a period binds the whole period: periods are the
    allocation's resolution.
    """
    cap = site.max_fleet_mw
    for e in events:
        if e.site == site.id and e.start < period.end:
            cap = min(cap, e.max_mw)
    return cap


def solve_portfolio(
    sites: Sequence[PortfolioSite],
    fleets: Sequence[Fleet],
    periods: Sequence[Period],
    moves: Moves = Moves(),
    events: Sequence[PolicyEvent] = (),
    *,
    static: bool = False,
    options: SolveOptions | None = None,
    source: str = SOURCE,
) -> tuple[float, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Build and solve one portfolio LP; ``static=True`` forbids moves.

    Returns
    -------
    objective_usd, allocation, moves, per-site-period profit tables.
    """
    check(sites, fleets, periods, events, source)
    index = sites[0].inputs.index
    pos = [int(index.searchsorted(p.start)) for p in periods] + [len(index)]
    F = [f.id for f in fleets]
    S = [s.id for s in sites]
    P = list(range(len(periods)))
    pmw = {f.id: f.power_mw for f in fleets}
    allowed = {(f.id, s): f.sites is None or s in f.sites for f in fleets for s in S}
    limit = {(s.id, p): _site_limit(s, periods[p], events) for s in sites for p in P}

    m = pyo.ConcreteModel()
    m.alloc = pyo.Var(F, S, P, domain=pyo.NonNegativeReals)
    for f in F:
        for s in S:
            for p in P:
                ub = min(limit[s, p], pmw[f]) if allowed[f, s] else 0.0
                m.alloc[f, s, p].setub(ub)
    m.fleet_total = pyo.Constraint(
        F, P, rule=lambda _m, f, p: sum(_m.alloc[f, s, p] for s in S) == pmw[f]
    )
    arcs = [(a, b) for a in S for b in S if a != b]
    m.move = pyo.Var(F, arcs, P[1:], domain=pyo.NonNegativeReals)
    if static:
        for v in m.move.values():
            v.fix(0.0)

    def flow(_m: Any, f: str, s: str, p: int) -> Any:
        inflow = sum(_m.move[f, a, s, p] for a in S if a != s)
        outflow = sum(_m.move[f, s, b, p] for b in S if b != s)
        return _m.alloc[f, s, p] == _m.alloc[f, s, p - 1] + inflow - outflow

    m.flow = pyo.Constraint(F, S, P[1:], rule=flow)
    if math.isfinite(moves.max_mw_per_period):
        m.move_cap = pyo.Constraint(
            P[1:],
            rule=lambda _m, p: (
                sum(_m.move[f, a, b, p] for f in F for a, b in arcs)
                <= moves.max_mw_per_period
            ),
        )
    # operating blocks: (site, period, part) with part 0 = arrival window
    dt = sites[0].inputs.timestep_h
    keys: list[tuple[str, int, int, int, int]] = []
    for p in P:
        a, b = pos[p], pos[p + 1]
        split = a
        if p > 0 and moves.downtime_h > 0 and not static:
            hours = np.cumsum(dt[a:b])
            split = a + int(np.searchsorted(hours, moves.downtime_h - 1e-9) + 1)
            split = min(split, b)
        for s in S:
            if split > a:
                keys.append((s, p, 0, a, split))
            if b > split:
                keys.append((s, p, 1, split, b))
    m.op = pyo.Block(range(len(keys)))
    site_of = {s.id: s for s in sites}
    profit = 0.0
    for k, (s, p, part, a, b) in enumerate(keys):
        fids = [f for f in F if allowed[f, s]]
        inp = window_inputs(site_of[s].inputs, a, b, {f: pmw[f] for f in fids})
        caps: dict[str, Any] = {}
        for f in fids:
            expr = m.alloc[f, s, p]
            if part == 0 and p > 0:
                expr = expr - sum(m.move[f, o, s, p] for o in S if o != s)
            caps[f"{f}.power_mw"] = expr
        build_site(m.op[k], inp, objective=False, capacities=caps)
        profit = profit + m.op[k].profit_usd
    cost = moves.cost_usd_per_mw * sum(
        m.move[f, a, b, p] for f in F for a, b in arcs for p in P[1:]
    )
    m.objective = pyo.Objective(expr=profit - cost, sense=pyo.maximize)
    sol = solve_model(m, options)

    alloc_rows = [
        {
            "fleet": f,
            "site": s,
            "period": periods[p].name,
            "start": periods[p].start,
            "allocated_mw": _clean(pyo.value(m.alloc[f, s, p])),
        }
        for f in F
        for s in S
        for p in P
    ]
    move_rows: list[dict[str, Any]] = []
    for f in F:
        for src, dst in arcs:
            for p in P[1:]:
                mw = _clean(pyo.value(m.move[f, src, dst, p]))
                if mw > 0:
                    move_rows.append(
                        {
                            "fleet": f,
                            "from_site": src,
                            "to_site": dst,
                            "period": periods[p].name,
                            "start": periods[p].start,
                            "moved_mw": mw,
                            "cost_usd": mw * moves.cost_usd_per_mw,
                            "downtime_h": moves.downtime_h,
                            "downtime_mwh": mw * moves.downtime_h,
                        }
                    )
    site_rows = [
        {
            "site": s,
            "period": periods[p].name,
            "part": "arrival"
            if part == 0 and p > 0 and moves.downtime_h > 0
            else "run",
            "start": index[a],
            "profit_usd": float(pyo.value(m.op[k].profit_usd)),
        }
        for k, (s, p, part, a, _b) in enumerate(keys)
    ]
    move_cols = [
        "fleet", "from_site", "to_site", "period", "start",
        "moved_mw", "cost_usd", "downtime_h", "downtime_mwh",
    ]  # fmt: skip
    return (
        sol.objective,
        pd.DataFrame(alloc_rows),
        pd.DataFrame(move_rows, columns=move_cols),
        pd.DataFrame(site_rows),
    )


def _clean(x: Any) -> float:
    v = float(x)
    return 0.0 if abs(v) < 1e-9 else v


def run_portfolio(
    sites: Sequence[PortfolioSite],
    fleets: Sequence[Fleet],
    periods: Sequence[Period],
    moves: Moves = Moves(),
    events: Sequence[PolicyEvent] = (),
    *,
    options: SolveOptions | None = None,
    source: str = SOURCE,
) -> PortfolioResult:
    """Solve the portfolio with moves and the static BAU; report both."""
    obj, alloc, mv, per_site = solve_portfolio(
        sites, fleets, periods, moves, events, options=options, source=source
    )
    sobj, salloc, _, _ = solve_portfolio(
        sites,
        fleets,
        periods,
        moves,
        events,
        static=True,
        options=options,
        source=source,
    )
    totals = per_site.groupby("site", sort=False)["profit_usd"].sum()
    summary = {
        "objective_usd": obj,
        "static_objective_usd": sobj,
        "value_of_mobility_usd": obj - sobj,
        "moving_cost_usd": float(mv["cost_usd"].sum()) if len(mv) else 0.0,
        "moved_mw": float(mv["moved_mw"].sum()) if len(mv) else 0.0,
        "profit_usd_by_site": {k: float(v) for k, v in totals.items()},
    }
    return PortfolioResult(obj, sobj, alloc, mv, per_site, salloc, summary)
