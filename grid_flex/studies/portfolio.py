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

Hosting offers are places without a grid model: the fleet pays an all-in price per
MWh its machines draw (cooling included: the hosted machines take PUE 1.0); their
capacity caps all fleets together and MW that arrive stay at least
``min_term_months`` (no arrival whose term would outlast the horizon, unless the
offer allows it). One LP is solved with moves, then again (from its basis)
with every move column fixed at 0 for the static allocation.

Batteries and thermal stores carry what they hold from each block of a site to the
next (a ``cyclic`` battery ends the horizon where it started; a store starts and
ends the horizon at its initial fill). Terms that span blocks are held at the study
level: a site's energy quota is one row per calendar period over all its blocks
(a policy event may change the quota from its date), a demand charge's monthly peak
is one peak billed once per month, and an emissions cap one row over the horizon.
Modules with whole-horizon parameters provide ``window_params`` (as in rolling
studies).
"""

from __future__ import annotations

import dataclasses
import gc
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyomo.core as pyo
from pyomo.common.gc_manager import PauseGC

from grid_flex.errors import InfeasibleError, InputWarning, ScenarioError
from grid_flex.inputs import ModelInputs
from grid_flex.model.capacity import CapacitySpec
from grid_flex.model.handoff import compile_model
from grid_flex.model.linear import FloatArray, IntArray, LinearLayer, LinExpr
from grid_flex.programs.energy_quota import changed_quota, energy_mwh, group_sum
from grid_flex.site import SiteModel, build_site
from grid_flex.solve import Solution, SolveOptions, WarmStart, solve_model
from grid_flex.studies import progress
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
    """From ``start`` on, a limit on site ``site``.

    ``max_mw`` caps the MW of each fleet the site hosts (0: a ban) [MW];
    ``quota_mwh`` is the new quota per period of the site's energy quota
    ``program`` (its only one when None) [MWh]. An event giving neither is a ban.
    """

    site: str
    start: pd.Timestamp
    max_mw: float | None = None
    quota_mwh: float | None = None
    program: str | None = None

    @property
    def mw_limit(self) -> float:
        """Most MW of each fleet the site hosts from ``start`` [MW]."""
        if self.max_mw is not None:
            return self.max_mw
        return math.inf if self.quota_mwh is not None else 0.0


@dataclass(frozen=True)
class PortfolioSite:
    """A site: its prepared inputs on the whole horizon and its fleet limits [MW]."""

    id: str
    inputs: ModelInputs
    max_fleet_mw: float = math.inf


@dataclass(frozen=True)
class HostingOffer:
    """A third-party site hosting fleets at an all-in price, without a grid model.

    The fleet pays ``price_usd_per_mwh`` for every MWh its machines draw (power,
    cooling, the host's margin) and earns its hashes. ``capacity_mw`` caps all fleets
    hosted together; MW that arrive in a period stay at least ``min_term_months``
    counted from that period's start (MW there in the first period from the horizon's
    start); MW may not arrive when that term would end after the horizon (the study
    could not hold them to it) unless ``term_past_horizon``, or a fleet's
    ``initial`` places them there. ``co2_tco2_per_mwh`` is the host's grid emission
    factor, if known.
    """

    id: str
    price_usd_per_mwh: float
    capacity_mw: float
    min_term_months: int = 0
    co2_tco2_per_mwh: float | None = None
    #: Let MW arrive when their term would end after the horizon (the study then
    #: holds them only to the horizon's end); by default such arrivals are refused.
    term_past_horizon: bool = False


@dataclass(frozen=True)
class Fleet:
    """Machines moved as one: its id is the asset id in every site scenario."""

    id: str
    power_mw: float
    sites: tuple[str, ...] | None = None  # allowed sites (None: all)
    #: Where the machines are in the first period [MW by site] (None: the study
    #: chooses); they may move from the second period on.
    initial: Mapping[str, float] | None = None


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
    static_objective_usd: float | None  # None: no never-moving allocation is feasible
    allocation: pd.DataFrame
    moves: pd.DataFrame
    sites: pd.DataFrame
    static_allocation: pd.DataFrame
    static_sites: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def value_of_mobility_usd(self) -> float | None:
        """Optimal − static objective [USD] (None without a feasible static one)."""
        if self.static_objective_usd is None:
            return None
        return self.objective_usd - self.static_objective_usd


# ---- checks ---------------------------------------------------------------------
def check(
    sites: Sequence[PortfolioSite],
    fleets: Sequence[Fleet],
    periods: Sequence[Period],
    events: Sequence[PolicyEvent] = (),
    hosting: Sequence[HostingOffer] = (),
    source: str = SOURCE,
    moves: Moves | None = None,
) -> None:
    """Raise :class:`ScenarioError` naming the field for inconsistent studies."""
    problems: list[str] = []
    if not sites:
        problems.append("sites: at least one site is required")
    own = [s.id for s in sites]
    ids = [*own, *(h.id for h in hosting)]
    if len(set(ids)) != len(ids):
        problems.append(f"sites, hosting: duplicate ids {sorted(ids)}")
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
        for name, mw in (f.initial or {}).items():
            if name not in ids:
                problems.append(
                    f"fleets[{i}].initial: site {name!r} does not exist (sites: {ids})"
                )
            elif f.sites is not None and name not in f.sites:
                problems.append(
                    f"fleets[{i}].initial: site {name!r} is not among the fleet's sites"
                )
            if mw < 0:
                problems.append(f"fleets[{i}].initial.{name}: {mw} MW is negative")
        if f.initial is not None and not math.isclose(
            sum(f.initial.values()), f.power_mw, rel_tol=1e-9, abs_tol=1e-9
        ):
            problems.append(
                f"fleets[{i}].initial: {sum(f.initial.values()):g} MW placed, but the "
                f"fleet has power_mw {f.power_mw:g}"
            )
        if sites and _fleet_entry(sites, f.id) is None:
            problems.append(
                f"fleets[{i}].id: no site scenario has an asset {f.id!r} (a hosting "
                "offer takes the fleet's machines from a site scenario)"
            )
    if sites and not _tiling_problems(sites[0].inputs.index, periods):
        edges = _block_edges(sites[0].inputs, periods, moves or Moves())
        for i, s in enumerate(sites):
            problems += [
                f"sites[{i}] ({s.id}): {p}" for p in _unsplittable(s.inputs, edges)
            ]
    if moves is not None and moves.downtime_h > 0:
        for i, p in enumerate(periods[1:], start=1):
            hours = (p.end - p.start) / pd.Timedelta(hours=1)
            if moves.downtime_h >= hours:
                problems.append(
                    f"moves.downtime_days: {moves.downtime_h / 24:g} days is not "
                    f"shorter than periods[{i}] ({p.name}, {hours / 24:g} days): "
                    "machines in transit must arrive within the period they move in"
                )
                break
    by_id = {s.id: s for s in sites}
    for i, e in enumerate(events):
        if e.site not in own:
            problems.append(
                f"events[{i}].site: site {e.site!r} does not exist (sites: {ids})"
            )
        elif e.quota_mwh is not None or e.program is not None:
            problems += _quota_event_problems(i, e, by_id[e.site])
    if periods:
        problems += _initial_limit_problems(sites, fleets, periods[0], events, hosting)
    if problems:
        raise ScenarioError(source, problems)
    if periods:
        _warn_late_events(events, periods[-1].end)


def _initial_limit_problems(
    sites: Sequence[PortfolioSite],
    fleets: Sequence[Fleet],
    first: Period,
    events: Sequence[PolicyEvent],
    hosting: Sequence[HostingOffer],
) -> list[str]:
    """A fleet's ``initial`` MW above what its place may hold in the first period.

    The limits are a site's ``max_fleet_mw`` (per fleet), an event binding the
    first period (one that starts before its end binds all of it) and a hosting
    offer's ``capacity_mw`` (all fleets together) [MW].
    """

    def above(mw: float, limit: float) -> bool:
        return mw > limit + 1e-9 * max(1.0, abs(limit))

    out: list[str] = []
    index = {s.id: k for k, s in enumerate(sites)}
    for i, f in enumerate(fleets):
        for name, mw in (f.initial or {}).items():
            k = index.get(name)
            if k is None:
                continue
            where = f"fleets[{i}].initial.{name}: {mw:g} MW at site {name!r} is above"
            cap = sites[k].max_fleet_mw
            if above(mw, cap):
                out.append(f"{where} sites[{k}].max_fleet_mw ({cap:g} MW)")
            for j, e in enumerate(events):
                if e.site == name and e.start < first.end and above(mw, e.mw_limit):
                    out.append(
                        f"{where} events[{j}] ({e.mw_limit:g} MW from {e.start}), "
                        f"which binds the whole first period ({first.name}, "
                        f"{first.start} to {first.end})"
                    )
    for j, h in enumerate(hosting):
        there = {i: (f.initial or {}).get(h.id, 0.0) for i, f in enumerate(fleets)}
        placed = sum(there.values())
        if above(placed, h.capacity_mw):
            fields = ", ".join(f"fleets[{i}].initial.{h.id}" for i in there if there[i])
            out.append(
                f"{fields}: {placed:g} MW placed at hosting {h.id!r} is above "
                f"hosting[{j}].capacity_mw ({h.capacity_mw:g} MW, all fleets together)"
            )
    return out


def _warn_late_events(events: Sequence[PolicyEvent], end: pd.Timestamp) -> None:
    """Warn of events that start when the horizon is over (they change nothing)."""
    for i, e in enumerate(events):
        if e.start >= end:
            warnings.warn(
                f"events[{i}].start: {e.start} is not before the end of the last "
                f"period ({end}): the event changes nothing (a typo in the date?)",
                InputWarning,
                stacklevel=3,
            )


def _quota_event_problems(i: int, e: PolicyEvent, site: PortfolioSite) -> list[str]:
    """A quota change must name an energy quota the site has (or its only one)."""
    quotas = [p.id for kind, p in site.inputs.programs if kind == "energy_quota"]
    if e.program is not None and e.program not in quotas:
        return [
            f"events[{i}].program: site {site.id!r} has no energy_quota program "
            f"{e.program!r} (its energy quotas: {quotas or 'none'})"
        ]
    if e.quota_mwh is None:
        return [f"events[{i}].quota_mwh: events[{i}].program needs the new quota_mwh"]
    if not quotas:
        return [
            f"events[{i}].quota_mwh: site {site.id!r} has no energy_quota program "
            "whose quota could change; add one to its scenario (type: "
            "energy_quota, period, quota_mwh before the change)"
        ]
    if e.program is None and len(quotas) > 1:
        return [
            f"events[{i}].program: site {site.id!r} has energy quotas {quotas}; "
            "name the one whose quota_mwh changes"
        ]
    return []


def _unsplittable(inputs: ModelInputs, edges: Sequence[int] = ()) -> list[str]:
    """Programs whose terms span block edges in a way blocks cannot share.

    A pre-event baseline whose window a block edge cuts off from its event would
    lose the part before the block's start, so it is refused rather than loosened.
    ``edges`` are the horizon positions where a block starts (besides 0). (Energy
    quotas, emissions caps and demand-charge peaks are shared at the portfolio
    level instead: :func:`_share_quotas`, :func:`_cap_emissions`,
    :func:`_share_peaks`.)
    """
    out = []
    index = inputs.index
    for kind, p in inputs.programs:
        if kind == "demand_response" and p.baseline == "pre_event_mean":
            event = _baseline_cut(p, edges)
            if event is not None:
                out.append(
                    f"programs.{p.id}.baseline_window_h: the pre-event baseline "
                    f"of the event at {index[event[1]]} begins at "
                    f"{index[event[0]]}, before the portfolio block that holds "
                    "the event, so that block would not see the whole baseline; "
                    "use periods (and moves.downtime_days) whose edges fall "
                    "outside events and their baseline windows, or "
                    "a declared baseline"
                )
    return out


def _baseline_cut(p: Any, edges: Sequence[int]) -> tuple[int, int] | None:
    """The first event whose pre-event baseline a block edge cuts, or None.

    Returns (baseline start, event start) horizon positions; an edge cuts when it
    lies after the baseline's start and no later than the event's last interval.
    """
    if not edges or not p.n_events:
        return None
    at = np.asarray(sorted(edges), dtype=np.int64)
    for k, window in enumerate(p.baseline_windows):
        event = np.flatnonzero(p.event_of == k)
        if not len(event):
            continue
        lo = int(min(window.min(), event[0])) if len(window) else int(event[0])
        hi = int(event[-1])
        if ((at > lo) & (at <= hi)).any():
            return lo, int(event[0])
    return None


def _block_edges(
    inputs: ModelInputs, periods: Sequence[Period], moves: Moves
) -> list[int]:
    """Horizon positions where an operating block starts, besides 0.

    Every period starts one; from the second period on, with ``moves.downtime_h``,
    the arrival window (its first ``downtime_h``) is a block of its own.
    """
    spans = _period_spans(inputs, periods, moves)
    return sorted({e for _, a, split, b in spans for e in (a, split) if 0 < e < b})


def _period_spans(
    inputs: ModelInputs, periods: Sequence[Period], moves: Moves
) -> list[tuple[int, int, int, int]]:
    """Per period: (period, start, split, end) horizon positions.

    ``[start, split)`` is the arrival window (empty for the first period or without
    downtime).
    """
    index, dt = inputs.index, inputs.timestep_h
    pos = [int(index.searchsorted(p.start)) for p in periods] + [len(index)]
    out = []
    for p in range(len(periods)):
        a, b = pos[p], pos[p + 1]
        split = a
        if p > 0 and moves.downtime_h > 0:
            hours = np.cumsum(dt[a:b])
            split = a + int(np.searchsorted(hours, moves.downtime_h - 1e-9) + 1)
            split = min(split, b)
        out.append((p, a, split, b))
    return out


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
def _slice(obj: Any, a: int, b: int, n: int) -> Any:
    """``obj`` with every per-interval array (leading length ``n``) cut to ``[a, b)``.

    Walks dataclasses (their init fields), tuples and lists, so arrays nested in a
    module's parameters (a heat customer's demand) are cut too; anything else is
    returned as is (the same object when nothing inside changed).
    """
    if isinstance(obj, np.ndarray):
        return obj[a:b] if obj.ndim >= 1 and obj.shape[0] == n else obj
    if isinstance(obj, tuple | list):
        items = [_slice(x, a, b, n) for x in obj]
        if all(x is y for x, y in zip(items, obj, strict=True)):
            return obj
        return type(obj)(*items) if hasattr(obj, "_fields") else type(obj)(items)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            if f.init:
                old = getattr(obj, f.name)
                new = _slice(old, a, b, n)
                if new is not old:
                    changes[f.name] = new
        return dataclasses.replace(obj, **changes) if changes else obj
    return obj


def _cut_params(
    entry: tuple[str, Any], a: int, b: int, n: int, dt: Any, program: bool
) -> tuple[str, Any]:
    """One module entry on intervals ``[a, b)``.

    Modules with whole-horizon parameters cut themselves (``window_params``, as in
    rolling studies); otherwise every per-interval array in the parameters, nested
    ones included, is sliced.
    """
    kind, params = entry
    module = protocol.module(kind, program=program)
    cut = getattr(module, "window_params", None)
    if cut is not None:
        return kind, cut(params, a, b, dt)
    return kind, _slice(params, a, b, n)


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
        non_firm_available_frac=None
        if inputs.non_firm_available_frac is None
        else inputs.non_firm_available_frac[a:b],
        export_limit_mw=inputs.export_limit_mw[a:b],
        assets=assets,
        programs=programs,
    )


# ---- hosting offers ---------------------------------------------------------------
def _fleet_entry(
    sites: Sequence[PortfolioSite], fid: str
) -> tuple[PortfolioSite, tuple[str, Any]] | None:
    """The first site holding fleet ``fid``'s asset, and that asset's entry."""
    for s in sites:
        for entry in s.inputs.assets:
            if getattr(entry[1], "id", None) == fid:
                return s, entry
    return None


def hosting_site(
    offer: HostingOffer, sites: Sequence[PortfolioSite], fleets: Sequence[Fleet]
) -> PortfolioSite:
    """A hosting offer as a site without a grid model.

    Its inputs are those of the first site holding each fleet (the fleet's machines,
    hashprice and horizon), with the all-in price as the import price, no export, no
    other assets and no programs: the fleet pays ``price_usd_per_mwh`` for every MWh
    it draws and earns its hashes [USD]. The price is all-in (cooling included), so
    the hosted machines take PUE 1.0 and none of their home site's temperature
    derating.
    """
    hosted = [f for f in fleets if f.sites is None or offer.id in f.sites]
    found = [e for e in (_fleet_entry(sites, f.id) for f in hosted) if e is not None]
    ref = found[0][0].inputs if found else sites[0].inputs
    n = len(ref.index)
    price = np.full(n, offer.price_usd_per_mwh)
    # The offer's capacity is in MW of machines (the allocation's row); the grid
    # limit only has to let them draw with their facility overhead, with room to
    # spare: two limits that bind together make the LP degenerate and slow.
    draw_mw = 2.0 * offer.capacity_mw
    scenario = ref.scenario
    if scenario.site.size is not None:  # the offer's capacity is fixed
        site = scenario.site.model_copy(update={"size": None})
        scenario = scenario.model_copy(update={"site": site})
    inputs = dataclasses.replace(
        ref,
        price_usd_per_mwh=price,
        import_price_usd_per_mwh=price,
        export_price_usd_per_mwh=np.zeros(n),
        import_limit_mw=np.full(n, draw_mw),
        export_limit_mw=np.zeros(n),
        assets=tuple(_hosted(entry) for _, entry in found),
        programs=(),
        scenario=scenario,
    )
    return PortfolioSite(offer.id, inputs)


def _hosted(entry: tuple[str, Any]) -> tuple[str, Any]:
    """A fleet's asset entry at a host: PUE 1.0, no ambient derating."""
    kind, p = entry
    names = {f.name for f in dataclasses.fields(p)}
    changes: dict[str, Any] = {}
    if "pue" in names:
        changes["pue"] = 1.0
    if "derate_frac" in names:
        changes["derate_frac"] = None
    return kind, dataclasses.replace(p, **changes) if changes else p


# ---- storage carried across periods -------------------------------------------------
def _is_battery(params: Any) -> bool:
    return hasattr(params, "initial_soc_frac") and hasattr(params, "final_soc")


def _has_store(params: Any) -> bool:
    return getattr(params, "storage", None) is not None


def _chain_storage(entry: tuple[str, Any], first: bool, last: bool) -> tuple[str, Any]:
    """A battery's or thermal store's parameters in one block of its site's chain.

    Only the first block keeps ``initial_soc_frac`` (a store: its ``initial_frac``
    start) and only the last one a minimum end state (a store: ends at
    ``initial_frac``); the study links each block's start to the previous block's
    end (and the last block's end to the first block's start for ``cyclic``).
    """
    kind, p = entry
    if _has_store(p):
        store = dataclasses.replace(p.storage, start_free=not first, end_free=not last)
        return kind, dataclasses.replace(p, storage=store)
    if not _is_battery(p):
        return entry
    changes: dict[str, Any] = {}
    if not first:
        changes["initial_soc_frac"] = None
    if not last or p.final_soc == "cyclic":
        changes["final_soc"] = "free"
    return kind, dataclasses.replace(p, **changes) if changes else p


# ---- the LP ---------------------------------------------------------------------
@dataclass
class _Block:
    """One operating block: a site (or hosting offer) over part of a period."""

    site: str
    period: int
    part: int  # 0: the arrival window after moves, 1: the rest of the period
    a: int
    b: int
    model: SiteModel
    hosting: HostingOffer | None


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
            cap = min(cap, e.mw_limit)
    return cap


def _pyomo(layer: LinearLayer, expr: LinExpr) -> Any:
    """A one-row :class:`LinExpr` as a Pyomo expression on the layer's columns."""
    body: Any = float(expr.const[0])
    for col, coef in zip(expr.cols.tolist(), expr.coefs.tolist(), strict=True):
        body = body + coef * layer.columns[col]
    return body


def _term_end(period: Period, months: int) -> pd.Timestamp:
    return period.start + pd.DateOffset(months=months)


def _build(
    sites: Sequence[PortfolioSite],
    fleets: Sequence[Fleet],
    periods: Sequence[Period],
    moves: Moves,
    events: Sequence[PolicyEvent],
    hosting: Sequence[HostingOffer],
    source: str = SOURCE,
) -> tuple[Any, list[_Block], list[_Quota]]:
    """The portfolio model (not solved), its operating blocks and shared quotas."""
    places = [*sites, *(hosting_site(h, sites, fleets) for h in hosting)]
    offer_of = {h.id: h for h in hosting}
    F = [f.id for f in fleets]
    S = [s.id for s in places]
    P = list(range(len(periods)))
    pmw = {f.id: f.power_mw for f in fleets}
    allowed = {(f.id, s): f.sites is None or s in f.sites for f in fleets for s in S}
    limit = {(s.id, p): _site_limit(s, periods[p], events) for s in places for p in P}

    m = pyo.ConcreteModel()
    m.alloc = pyo.Var(F, S, P, domain=pyo.NonNegativeReals)
    for f in F:
        for s in S:
            for p in P:
                ub = min(limit[s, p], pmw[f]) if allowed[f, s] else 0.0
                m.alloc[f, s, p].setub(ub)
    for fl in fleets:
        for s, mw in (fl.initial or {}).items():
            m.alloc[fl.id, s, 0].setlb(mw)  # with Σ = power_mw: exactly there
    m.fleet_total = pyo.Constraint(
        F, P, rule=lambda _m, f, p: sum(_m.alloc[f, s, p] for s in S) == pmw[f]
    )
    arcs = [(a, b) for a in S for b in S if a != b]
    m.move = pyo.Var(F, arcs, P[1:], domain=pyo.NonNegativeReals)

    def inflow(_m: Any, f: str, s: str, p: int) -> Any:
        return sum(_m.move[f, o, s, p] for o in S if o != s)

    def flow(_m: Any, f: str, s: str, p: int) -> Any:
        outflow = sum(_m.move[f, s, b, p] for b in S if b != s)
        return (
            _m.alloc[f, s, p] == _m.alloc[f, s, p - 1] + inflow(_m, f, s, p) - outflow
        )

    m.flow = pyo.Constraint(F, S, P[1:], rule=flow)
    if math.isfinite(moves.max_mw_per_period):
        m.move_cap = pyo.Constraint(
            P[1:],
            rule=lambda _m, p: (
                sum(_m.move[f, a, b, p] for f in F for a, b in arcs)
                <= moves.max_mw_per_period
            ),
        )
    # hosting: a capacity shared by the fleets, and a minimum term for MW that arrive
    m.hosting_cap = pyo.Constraint(
        list(offer_of), P,
        rule=lambda _m, h, p: (
            sum(_m.alloc[f, h, p] for f in F) <= offer_of[h].capacity_mw
        ),
    )  # fmt: skip

    def arrived(_m: Any, f: str, h: str, p: int) -> Any:
        return _m.alloc[f, h, 0] if p == 0 else inflow(_m, f, h, p)

    m.hosting_term = pyo.ConstraintList()
    horizon_end = periods[-1].end
    for h, offer in offer_of.items():
        if offer.min_term_months <= 0 or offer.term_past_horizon:
            continue
        # no arrival whose term would outlast the horizon (the study could not hold
        # it to the term): MW that start there (a fleet's `initial`) are kept
        for p in P:
            if _term_end(periods[p], offer.min_term_months) <= horizon_end:
                continue
            for fl in fleets:
                if p > 0:
                    for o in S:
                        if o != h:
                            m.move[fl.id, o, h, p].setub(0.0)
                elif fl.initial is None:
                    m.alloc[fl.id, h, 0].setub(0.0)
        for f in F:
            for q in P[1:]:
                bound = [
                    p
                    for p in P[: q + 1]
                    if periods[q].start < _term_end(periods[p], offer.min_term_months)
                ]
                if bound:
                    m.hosting_term.add(
                        m.alloc[f, h, q] >= sum(arrived(m, f, h, p) for p in bound)
                    )
    # operating blocks: (site, period, part) with part 0 = arrival window
    spans: list[tuple[str, int, int, int, int]] = []
    for p, a, split, b in _period_spans(sites[0].inputs, periods, moves):
        for s in S:
            if split > a:
                spans.append((s, p, 0, a, split))
            if b > split:
                spans.append((s, p, 1, split, b))
    spans.sort(key=lambda k: S.index(k[0]))  # each site's blocks in time order
    m.op = pyo.Block(range(len(spans)))
    place_of = {s.id: s for s in places}
    blocks: list[_Block] = []
    with PauseGC():  # one collector pause for all blocks (build_site's is per call)
        for k, (s, p, part, a, b) in enumerate(spans):
            fids = [f for f in F if allowed[f, s]]
            inp = window_inputs(place_of[s].inputs, a, b, {f: pmw[f] for f in fids})
            first = k == 0 or spans[k - 1][0] != s
            last = k == len(spans) - 1 or spans[k + 1][0] != s
            horizon = place_of[s].inputs.programs
            inp = dataclasses.replace(
                inp,
                assets=tuple(_chain_storage(e, first, last) for e in inp.assets),
                programs=tuple(
                    _in_block(e, h, a, b)
                    for e, h in zip(inp.programs, horizon, strict=True)
                    if e[0] != "energy_quota"  # shared: _share_quotas
                ),
            )
            caps: dict[str, Any] = {}
            for f in fids:
                expr = m.alloc[f, s, p]
                if part == 0 and p > 0:
                    expr = expr - inflow(m, f, s, p)
                caps[f"{f}.power_mw"] = expr
            sm = build_site(m.op[k], inp, objective=False, capacities=caps)
            # a size fixed by its bounds (min = max, e.g. a non-firm offer) is
            # operated as built, its annualised cost charged (_block_profit)
            sized = [
                key
                for key, c in sm.capacities.items()
                if c.is_variable
                and key not in caps
                and not (c.factor == 1.0 and c.spec.lower == c.spec.upper)
            ]
            if sized:
                raise ScenarioError(
                    source,
                    [
                        f"site {s!r}: {', '.join(sized)} sized by a size block: a "
                        "portfolio operates sites as built; size the site first "
                        "(grid-flex size) and give the chosen size"
                    ],
                )
            blocks.append(_Block(s, p, part, a, b, sm, offer_of.get(s)))
        # as build_site does for one site: keep the collector from sweeping the
        # model's objects when it resumes (_solve_both hands them back)
        gc.freeze()
    m.emissions_cap = pyo.ConstraintList()
    _cap_emissions(m.emissions_cap, blocks, places)
    m.energy_quota = pyo.ConstraintList()
    quotas = _share_quotas(m.energy_quota, blocks, places, events)
    m.peak_link = pyo.ConstraintList()
    _share_peaks(m.peak_link, blocks)
    m.storage_link = pyo.ConstraintList()
    finals = {
        (s.id, p.id): p.final_soc
        for s in places
        for _, p in s.inputs.assets
        if _is_battery(p)
    }
    _link_storage(m.storage_link, blocks, finals)
    cost = moves.cost_usd_per_mw * sum(
        m.move[f, a, b, p] for f in F for a, b in arcs for p in P[1:]
    )
    profit = sum(_block_profit(m.op[k]) for k in range(len(blocks)))
    m.objective = pyo.Objective(expr=profit - cost, sense=pyo.maximize)
    return m, blocks, quotas


def _block_profit(block: Any) -> Any:
    """A block's profit [USD].

    Operating profit less the annualised cost of its fixed sized capacities over
    the block's share of a year.
    """
    cost = getattr(block, "capacity_cost_usd", None)
    return block.profit_usd if cost is None else block.profit_usd - cost


def _in_block(
    entry: tuple[str, Any], horizon: tuple[str, Any], a: int, b: int
) -> tuple[str, Any]:
    """A program cut to block ``[a, b)`` for what the study shares across blocks.

    An emissions program loses its cap (held over all blocks: :func:`_cap_emissions`);
    a demand charge bills only the months whose first charged interval of the
    horizon lies in the block (the others' peaks are tied to the billing block's:
    :func:`_share_peaks`). ``horizon`` is the entry on the whole horizon.
    """
    kind, p = entry
    if kind == "emissions" and getattr(p, "cap_tco2", None) is not None:
        return kind, dataclasses.replace(p, cap_tco2=None)
    if kind == "demand_charge":
        hp = horizon[1]
        sel = np.flatnonzero(hp.selected)
        first = np.full(len(hp.months), len(hp.selected), dtype=np.int64)
        np.minimum.at(first, hp.month_pos[sel], sel)
        return kind, dataclasses.replace(p, billed_months=(first >= a) & (first < b))
    return entry


@dataclass
class _Quota:
    """A site's energy quota shared by its blocks: quotas and energy per period."""

    site: str
    params: Any  # EnergyQuotaParams on the horizon
    quota_mwh: FloatArray  # per calendar period, after any quota change
    #: per block: its layer, the calendar periods it touches and their energy [MWh]
    parts: list[tuple[LinearLayer, IntArray, LinExpr]]


def _share_quotas(
    rows: Any,
    blocks: Sequence[_Block],
    places: Sequence[PortfolioSite],
    events: Sequence[PolicyEvent],
) -> list[_Quota]:
    """A site's energy quota over all its blocks: one row per calendar period.

    ``Σ_blocks Σ_{t in the period} energy[t] ≤ Q_g``, with ``Q_g`` changed by any
    policy event's ``quota_mwh`` from its date (:func:`changed_quota`).
    """
    out = []
    for site in places:
        quotas = [p for kind, p in site.inputs.programs if kind == "energy_quota"]
        for p in quotas:
            changes = [
                (int(site.inputs.index.searchsorted(e.start)), float(e.quota_mwh))
                for e in sorted(events, key=lambda e: e.start)
                if e.site == site.id
                and e.quota_mwh is not None
                and (e.program or quotas[0].id) == p.id
            ]
            quota = (
                changed_quota(p, site.inputs.timestep_h, changes)
                if changes
                else p.quota_mwh
            )
            g = len(quota)
            total: list[Any] = [0.0] * g
            parts = []
            for blk in blocks:
                if blk.site != site.id:
                    continue
                sm = blk.model
                codes = p.period_of_interval[blk.a : blk.b]
                touched = np.unique(codes)
                grouped = group_sum(
                    energy_mwh(sm.site_terms, sm.inputs.timestep_h), codes, g
                ).take(touched)
                for i, k in enumerate(touched.tolist()):
                    total[k] = total[k] + _pyomo(sm.layer, grouped.take([i]))
                parts.append((sm.layer, touched, grouped))
            for k in range(g):
                if not isinstance(total[k], float):
                    rows.add(total[k] <= float(quota[k]))
            out.append(_Quota(site.id, p, np.asarray(quota, dtype=float), parts))
    return out


def _share_peaks(rows: Any, blocks: Sequence[_Block]) -> None:
    """One monthly peak per site and demand charge across the blocks of a month.

    Blocks in the same billing month tie their peak to the billing block's (the
    first in time: :func:`_in_block`), so the charge is rate × the month's highest
    import over all of them, billed once.
    """
    first: dict[tuple[str, str, str], Any] = {}
    for blk in blocks:
        sm = blk.model
        for (kind, p), terms in zip(
            sm.inputs.programs, sm.programs.values(), strict=True
        ):
            if kind != "demand_charge" or "peak_mw" not in terms.extra:
                continue
            peak = terms.extra["peak_mw"].expr
            for i, label in enumerate(terms.extra["months"]):
                this = _pyomo(sm.layer, peak.take([i]))
                key = (blk.site, p.id, label)
                if key in first:
                    rows.add(this == first[key])
                else:
                    first[key] = this


def _cap_emissions(
    rows: Any, blocks: Sequence[_Block], places: Sequence[PortfolioSite]
) -> None:
    """A site's emissions cap over the horizon: Σ of its blocks' net tCO2 ≤ cap."""
    for site in places:
        for kind, p in site.inputs.programs:
            cap = getattr(p, "cap_tco2", None)
            if kind != "emissions" or cap is None:
                continue
            total: Any = 0.0
            for blk in blocks:
                if blk.site == site.id:
                    terms = blk.model.programs[p.id]
                    net = next(q.expr for q in terms.outputs if q.name == "net_tco2")
                    total = total + _pyomo(blk.model.layer, net.sum())
            rows.add(total <= cap)


def _link_storage(
    links: Any, blocks: Sequence[_Block], finals: Mapping[tuple[str, str], Any]
) -> None:
    """Each battery or thermal store starts a block with the previous block's end.

    ``cyclic`` batteries end the site's last block where they started its first (a
    store's last block ends at its ``initial_frac``, where its first started).
    """
    for i, blk in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        first = next(b for b in blocks if b.site == blk.site)
        for _, p in blk.model.inputs.assets:
            if _has_store(p) and nxt is not None and nxt.site == blk.site:
                # a thermal store: the next block starts with this one's end
                end = blk.model.assets[p.id].extra["storage_mwhth"]
                start = nxt.model.assets[p.id].extra["storage_initial_mwhth"]
                links.add(
                    _pyomo(nxt.model.layer, start)
                    == _pyomo(blk.model.layer, end.take([end.n - 1]))
                )
            if not _is_battery(p):
                continue
            end = blk.model.assets[p.id].extra["soc_mwh"]
            end = end.take([end.n - 1])
            layer = blk.model.layer
            if nxt is not None and nxt.site == blk.site:
                start = nxt.model.assets[p.id].extra["soc_initial_mwh"]
                links.add(_pyomo(nxt.model.layer, start) == _pyomo(layer, end))
            elif finals.get((blk.site, p.id)) == "cyclic":
                start = first.model.assets[p.id].extra["soc_initial_mwh"]
                links.add(_pyomo(first.model.layer, start) == _pyomo(layer, end))


def _solve_both(
    m: Any, options: SolveOptions | None
) -> tuple[Solution, Solution | None]:
    """Solve with moves, then warm-started with every move column fixed at 0.

    The static solution is None when no allocation that never moves is feasible
    (a ban on a site where the machines start).
    """
    try:
        lp = compile_model(m)
        ws = WarmStart(options)
        progress.expect(2)  # with moves, and the static allocation
        try:
            sol = ws.solve(lp)
            progress.step()
        except InfeasibleError:
            solve_model(m, options)  # explains the infeasibility in the sites' terms
            raise
        at = {id(v): j for j, v in enumerate(lp.columns)}
        fixed = np.array([at[id(v)] for v in m.move.values() if id(v) in at], dtype=int)
        ub = lp.col_ub.copy()
        ub[fixed] = 0.0
        try:
            static: Solution | None = ws.solve(dataclasses.replace(lp, col_ub=ub))
            progress.step()
        except InfeasibleError:
            static = None
    finally:
        gc.unfreeze()  # objects frozen by build_site go back to the collector
    return sol, static


# ---- what the solution says -------------------------------------------------------
def _emissions_tco2(blk: _Block, x: FloatArray, imported_mwh: float) -> float:
    """Net emissions of one block [tCO2]; NaN when the site has no emissions data.

    A grid site's come from its emissions program, a hosting offer's from its
    emission factor.
    """
    if blk.hosting is not None:
        rate = blk.hosting.co2_tco2_per_mwh
        return math.nan if rate is None else rate * imported_mwh
    for (kind, _), terms in zip(
        blk.model.inputs.programs, blk.model.programs.values(), strict=True
    ):
        if kind == "emissions":
            net = next(q.expr for q in terms.outputs if q.name == "net_tco2")
            return float(net.value(x).sum())
    return math.nan


def _evaluate(
    blocks: Sequence[_Block], sol: Solution, fleet_ids: Sequence[str]
) -> pd.DataFrame:
    """One row per block: profit [USD], grid import and fleet energy [MWh], tCO2."""
    rows = []
    for blk in blocks:
        sm = blk.model
        x = sol.layer_x(sm.layer)
        dt = sm.inputs.timestep_h
        imported = float((sm.site_terms.grid_import_mw.value(x) * dt).sum())
        fleet = sum(
            float((sm.assets[f].net_load_mw.value(x) * dt).sum())
            for f in fleet_ids
            if f in sm.assets
        )
        rows.append(
            {
                "site": blk.site,
                "period": blk.period,
                "profit_usd": float(sm.profit_usd.value(x).sum())
                - float(sm.capacity_cost_usd.value(x).sum()),
                "grid_import_mwh": imported,
                "fleet_mwh": fleet,
                "emissions_tco2": _emissions_tco2(blk, x, imported),
            }
        )
    return pd.DataFrame(rows)


SITE_COLUMNS = [
    "site", "period", "start", "profit_usd", "grid_import_mwh", "fleet_mwh",
    "emissions_tco2",
]  # fmt: skip


def _per_site_period(
    blocks: pd.DataFrame, periods: Sequence[Period], order: Sequence[str]
) -> pd.DataFrame:
    """Blocks summed per site and period (an arrival window joins its period)."""
    sums = blocks.groupby(["site", "period"], sort=False).sum(min_count=1)
    table = {c: sums[c].to_dict() for c in SITE_COLUMNS[3:]}
    rows = []
    for s in order:
        for p, period in enumerate(periods):
            rows.append(
                {
                    "site": s,
                    "period": period.name,
                    "start": period.start,
                    **{c: float(table[c][s, p]) for c in SITE_COLUMNS[3:]},
                }
            )
    return pd.DataFrame(rows, columns=SITE_COLUMNS)


def _totals(per_site: pd.DataFrame) -> dict[str, Any]:
    """Per site and overall: profit [USD], energy [MWh], emissions [tCO2].

    Profits are operating profits, before moving costs.
    """

    def pack(frame: pd.DataFrame) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for c in SITE_COLUMNS[3:]:
            v = frame[c].sum(min_count=1)
            out[c] = None if pd.isna(v) else float(v)
        return out

    by_site = {str(s): pack(g) for s, g in per_site.groupby("site", sort=False)}
    total: dict[str, Any] = pack(per_site)
    # the total covers the sites with emissions data; name those that drew
    # energy without any
    total["emissions_unknown_sites"] = [
        s
        for s, t in by_site.items()
        if t["emissions_tco2"] is None and (t["grid_import_mwh"] or 0.0) > 0
    ]
    return {"by_site": by_site, "total": total}


ALLOCATION_COLUMNS = ["fleet", "site", "period", "start", "allocated_mw"]


def _allocation(
    m: Any,
    lp_x: Mapping[int, float],
    fleets: Sequence[Fleet],
    S: Sequence[str],
    periods: Sequence[Period],
) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "fleet": f.id,
                "site": s,
                "period": period.name,
                "start": period.start,
                "allocated_mw": _clean(lp_x[id(m.alloc[f.id, s, p])]),
            }
            for f in fleets
            for s in S
            for p, period in enumerate(periods)
        ]
    )  # fmt: skip


MOVE_COLUMNS = [
    "fleet", "from_site", "to_site", "period", "start",
    "moved_mw", "cost_usd", "downtime_h", "downtime_mwh",
]  # fmt: skip


def _moves(
    m: Any, lp_x: Mapping[int, float], periods: Sequence[Period], moves: Moves
) -> pd.DataFrame:
    rows = []
    for (f, src, dst, p), v in m.move.items():
        mw = _clean(lp_x[id(v)])
        if mw > 0:
            rows.append(
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
    return pd.DataFrame(rows, columns=MOVE_COLUMNS)


def _clean(x: Any) -> float:
    v = float(x)
    return 0.0 if abs(v) < 1e-9 else v


def run_portfolio(
    sites: Sequence[PortfolioSite],
    fleets: Sequence[Fleet],
    periods: Sequence[Period],
    moves: Moves = Moves(),
    events: Sequence[PolicyEvent] = (),
    hosting: Sequence[HostingOffer] = (),
    *,
    options: SolveOptions | None = None,
    source: str = SOURCE,
) -> PortfolioResult:
    """Solve the portfolio with moves and the static allocation; report both.

    One LP is built; the static allocation is the same LP with every move column
    fixed at 0, re-solved from the first solve's basis.
    """
    check(sites, fleets, periods, events, hosting, source, moves)
    m, blocks, quotas = _build(sites, fleets, periods, moves, events, hosting, source)
    sol, static = _solve_both(m, options)
    S = [*(s.id for s in sites), *(h.id for h in hosting)]
    fleet_ids = [f.id for f in fleets]
    x, per_site = _tables(blocks, sol, fleet_ids, periods, S)
    mv = _moves(m, x, periods, moves)
    notes = [
        f"hosting {h.id}: term_past_horizon, so MW that arrive less than "
        f"{h.min_term_months} months before the horizon's end are held to the term "
        "only until the horizon's end"
        for h in hosting
        if h.term_past_horizon and h.min_term_months > 0
    ]
    if static is None:
        notes.append(
            "static: no allocation that never moves is feasible (a policy event "
            "forces machines out of where they start); value of mobility undefined"
        )
        static_alloc = pd.DataFrame(columns=ALLOCATION_COLUMNS)
        static_sites = pd.DataFrame(columns=SITE_COLUMNS)
        static_objective = None
    else:
        sx, static_sites = _tables(blocks, static, fleet_ids, periods, S)
        static_alloc = _allocation(m, sx, fleets, S, periods)
        static_objective = static.objective
    summary = {
        "objective_usd": sol.objective,
        "static_objective_usd": static_objective,
        "value_of_mobility_usd": None
        if static_objective is None
        else sol.objective - static_objective,
        "moving_cost_usd": float(mv["cost_usd"].sum()),
        "moved_mw": float(mv["moved_mw"].sum()),
        "downtime_mwh": float(mv["downtime_mwh"].sum()),
        "profit_usd_by_site": {
            str(k): float(v)
            for k, v in per_site.groupby("site", sort=False)["profit_usd"].sum().items()
        },
        **_totals(per_site),
        "static": None if static is None else _totals(static_sites),
        "quotas": _quota_table(quotas, sol),
        "stores": _store_table(blocks, sol, periods),
        "notes": notes,
    }
    return PortfolioResult(
        sol.objective,
        static_objective,
        _allocation(m, x, fleets, S, periods),
        mv,
        per_site,
        static_alloc,
        static_sites,
        summary,
    )


def _quota_table(quotas: Sequence[_Quota], sol: Solution) -> list[dict[str, Any]]:
    """Per site, energy quota and calendar period: quota and energy used [MWh]."""
    rows = []
    for q in quotas:
        used = np.zeros(len(q.quota_mwh))
        for layer, touched, grouped in q.parts:
            used[touched] += grouped.value(sol.layer_x(layer))
        for k, start in enumerate(q.params.period_starts):
            rows.append(
                {
                    "site": q.site,
                    "program": q.params.id,
                    "start": start,
                    "quota_mwh": float(q.quota_mwh[k]),
                    "used_mwh": float(used[k]),
                }
            )
    return rows


def _store_table(
    blocks: Sequence[_Block], sol: Solution, periods: Sequence[Period]
) -> list[dict[str, Any]]:
    """Per site, thermal store and period: heat held, charged and lost [MWhth].

    ``start_mwhth``, ``charged_mwhth``, ``discharged_mwhth``, ``lost_mwhth``
    (standing losses) and ``end_mwhth``: start + charged − discharged − lost = end.
    """
    rows: dict[tuple[str, str, int], dict[str, Any]] = {}
    for blk in blocks:
        sm = blk.model
        x = sol.layer_x(sm.layer)
        dt = sm.inputs.timestep_h
        for _, p in sm.inputs.assets:
            if not _has_store(p):
                continue
            terms = sm.assets[p.id]
            out = {q.name: q.expr.value(x) for q in terms.outputs}
            start = float(terms.extra["storage_initial_mwhth"].value(x)[0])
            held = out["storage_mwhth"]
            before = np.concatenate(([start], held[:-1]))
            lost = float((before * p.storage.loss_frac_per_h * dt).sum())
            key = (blk.site, p.id, blk.period)
            row = rows.setdefault(
                key,
                {
                    "site": blk.site,
                    "asset": p.id,
                    "period": periods[blk.period].name,
                    "start_mwhth": start,
                    "charged_mwhth": 0.0,
                    "discharged_mwhth": 0.0,
                    "lost_mwhth": 0.0,
                },
            )
            row["charged_mwhth"] += float(out["storage_charge_mwth"] @ dt)
            row["discharged_mwhth"] += float(out["storage_discharge_mwth"] @ dt)
            row["lost_mwhth"] += lost
            row["end_mwhth"] = float(held[-1])
    return list(rows.values())


def _tables(
    blocks: Sequence[_Block],
    sol: Solution,
    fleet_ids: Sequence[str],
    periods: Sequence[Period],
    order: Sequence[str],
) -> tuple[dict[int, float], pd.DataFrame]:
    """Column values by Pyomo variable id, and the per-site-period table."""
    x = {id(v): float(sol.x[j]) for j, v in enumerate(sol.lp.columns)}
    return x, _per_site_period(_evaluate(blocks, sol, fleet_ids), periods, order)
