"""The portfolio spec file: sites (scenario files), fleets, periods, moves, events.

Example::

    name: two hydro seasons
    sites:
      - {id: north, scenario: north.yaml, currency: EUR, max_fleet_mw: 30}
      - {id: south, scenario: south.yaml}
    fleets:
      - {id: fleet, power_mw: 20}          # the asset id in every site scenario
    periods:
      - {name: wet, start: "2018-01-01T00:00Z", end: "2018-05-01T00:00Z"}
      - {name: dry, start: "2018-05-01T00:00Z", end: "2019-01-01T00:00Z"}
    hosting:                               # third-party sites, all-in price
      - {id: host, price_usd_per_mwh: 60, capacity_mw: 10, min_term_months: 6}
    moves: {cost_usd_per_mw: 5000, downtime_days: 7, max_mw_per_period: 20}
    events:
      - {site: north, start: "2018-09-01T00:00Z", max_mw: 0}   # a ban
      - {site: south, start: "2018-06-01T00:00Z", quota_mwh: 2000}  # quota change
    exchange_rates: {usd_per_eur: 1.18}

Scenario paths start from the spec's folder (or are bundled scenario names).
Numbers are checked against real-site magnitudes (:data:`BOUNDS`, and the scenario
bounds of :mod:`grid_flex.schema.magnitudes` by unit suffix) unless the spec sets
``allow_extreme_values: true``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    ValidationError,
)

from grid_flex.columns import write_column_dictionary
from grid_flex.errors import ScenarioError
from grid_flex.inputs import prepare_inputs
from grid_flex.io.results_folder import (
    check_output_dir,
    discard,
    finish_folder,
    start_folder,
)
from grid_flex.io.scenario import _read_yaml, load_scenario
from grid_flex.schema.base import StrictModel
from grid_flex.schema.magnitudes import magnitude_problems
from grid_flex.schema.messages import validation_problems
from grid_flex.solve import SolveOptions
from grid_flex.studies.portfolio import (
    Fleet,
    HostingOffer,
    Moves,
    Period,
    PolicyEvent,
    PortfolioResult,
    PortfolioSite,
    run_portfolio,
)
from grid_flex.tables import with_text_stamps
from grid_flex.version import __version__


class SiteSpec(StrictModel):
    """A site: a grid-flex scenario hosting (part of) the fleets."""

    id: str
    scenario: str = Field(description="Scenario file (from the spec's folder)")
    currency: str = Field(default="USD", description="Currency of its price series")
    max_fleet_mw: PositiveFloat | None = Field(
        default=None, description="Most MW of each fleet the site hosts [MW]"
    )


class FleetSpec(StrictModel):
    """A fleet: machines allocated to sites period by period."""

    id: str = Field(description="The fleet's asset id in every site scenario")
    power_mw: PositiveFloat
    sites: list[str] | None = Field(default=None, description="Allowed sites")
    initial: dict[str, NonNegativeFloat] | None = Field(
        default=None,
        description="MW by site in the first period (the machines are there); "
        "default: the study chooses",
    )


class PeriodSpec(StrictModel):
    """One allocation period ``[start, end)``; periods tile the horizon."""

    name: str
    start: dt.datetime
    end: dt.datetime


class MovesSpec(StrictModel):
    """Moving machines between periods."""

    cost_usd_per_mw: NonNegativeFloat = 0.0
    downtime_days: NonNegativeFloat = 0.0
    max_mw_per_period: PositiveFloat | None = None


class HostingSpec(StrictModel):
    """A hosting offer: a third-party site at an all-in price, no grid model."""

    id: str
    price_usd_per_mwh: PositiveFloat = Field(
        description="All-in price per MWh the fleet draws (power, cooling, margin)"
    )
    capacity_mw: PositiveFloat = Field(description="Most MW of all fleets hosted")
    min_term_months: NonNegativeInt = Field(
        default=0, description="MW that arrive stay at least this many months"
    )
    co2_tco2_per_mwh: NonNegativeFloat | None = Field(
        default=None, description="The host's grid emission factor [tCO2/MWh]"
    )
    term_past_horizon: bool = Field(
        default=False,
        description="Let MW arrive whose min_term_months would end after the "
        "horizon (held to it only until the horizon's end)",
    )


class EventSpec(StrictModel):
    """A policy event on a site from ``start``: a MW limit, a quota change, or a ban.

    With neither ``max_mw`` nor ``quota_mwh`` it is a ban (``max_mw: 0``).
    """

    site: str
    start: dt.datetime
    max_mw: NonNegativeFloat | None = Field(
        default=None, description="Most MW of each fleet the site hosts (0 = ban)"
    )
    quota_mwh: NonNegativeFloat | None = Field(
        default=None,
        description="New quota_mwh of the site's energy_quota program (per its "
        "period) from start [MWh]",
    )
    program: str | None = Field(
        default=None,
        description="Id of the energy_quota program quota_mwh changes (needed when "
        "the site has more than one)",
    )


class ExchangeRates(StrictModel):
    """Rates for sites whose prices are not in USD."""

    usd_per_eur: PositiveFloat | None = None


class PortfolioSpec(StrictModel):
    """A whole portfolio study."""

    name: str = "portfolio"
    sites: list[SiteSpec]
    fleets: list[FleetSpec]
    periods: list[PeriodSpec]
    hosting: list[HostingSpec] = Field(default_factory=list)
    moves: MovesSpec = Field(default_factory=MovesSpec)
    events: list[EventSpec] = Field(default_factory=list)
    exchange_rates: ExchangeRates = Field(default_factory=ExchangeRates)
    allow_extreme_values: bool = Field(
        default=False, description="Skip the real-site magnitude checks"
    )


#: Field name → (largest value, unit, why): real-site magnitudes of portfolio numbers.
BOUNDS: dict[str, tuple[float, str, str]] = {
    "cost_usd_per_mw": (
        1e6,
        "USD/MW",
        "more than a MW of new ASICs costs; trucking and re-racking is ~1e4-1e5",
    ),
    "downtime_days": (365.0, "days", "a move taking more than a year"),
    "max_mw_per_period": (5e3, "MW", "more than the largest mining campus"),
    "power_mw": (5e3, "MW", "more than the largest mining campus"),
    "max_fleet_mw": (5e3, "MW", "more than the largest mining campus"),
    "capacity_mw": (5e3, "MW", "more than the largest mining campus"),
    "max_mw": (5e3, "MW", "more than the largest mining campus"),
    "quota_mwh": (
        3.72e6,
        "MWh",
        "more than 5,000 MW (the largest mining campus) draw in a 31-day month",
    ),
    "price_usd_per_mwh": (
        1e3,
        "USD/MWh",
        "an all-in hosting rate; real offers are 40-120 USD/MWh",
    ),
    "min_term_months": (240.0, "months", "a twenty-year hosting term"),
    "co2_tco2_per_mwh": (2.0, "tCO2/MWh", "dirtier than a lignite plant (~1.2)"),
}


def bound_problems(spec: PortfolioSpec) -> list[str]:
    """Numbers no real portfolio has, one message per field path.

    A field with a portfolio bound (:data:`BOUNDS`) gets that message only, not the
    scenario bound's too.
    """
    out: list[str] = []
    sections: list[tuple[str, Any]] = [
        *((f"sites[{i}]", x) for i, x in enumerate(spec.sites)),
        *((f"fleets[{i}]", x) for i, x in enumerate(spec.fleets)),
        *((f"hosting[{i}]", x) for i, x in enumerate(spec.hosting)),
        *((f"events[{i}]", x) for i, x in enumerate(spec.events)),
        ("moves", spec.moves),
    ]
    for where, part in sections:
        for name, (bound, unit, why) in BOUNDS.items():
            value = getattr(part, name, None)
            if isinstance(value, int | float) and value > bound:
                out.append(
                    f"{where}.{name}: {value:g} is beyond {bound:g} {unit} ({why}); "
                    "set allow_extreme_values: true if you mean it"
                )
    named = {message.partition(": ")[0] for message in out}
    out += [m for m in magnitude_problems(spec) if m.partition(": ")[0] not in named]
    return sorted(set(out))


def _utc(t: dt.datetime, field: str, source: str) -> pd.Timestamp:
    if t.tzinfo is None:
        raise ScenarioError(source, [f"{field}: {t} needs a UTC offset (e.g. +00:00)"])
    return pd.Timestamp(t).tz_convert("UTC")


def load_portfolio(
    path: str | Path,
) -> tuple[
    PortfolioSpec,
    list[PortfolioSite],
    list[Fleet],
    list[Period],
    Moves,
    list[PolicyEvent],
    list[HostingOffer],
]:
    """Read and check a portfolio spec; prepare every site's inputs."""
    path = Path(path)
    source = str(path)
    data: Any = _read_yaml(path)
    try:
        spec = PortfolioSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, validation_problems(PortfolioSpec, exc)) from exc
    if not spec.allow_extreme_values and (problems := bound_problems(spec)):
        raise ScenarioError(source, problems)
    rate = spec.exchange_rates.usd_per_eur
    sites: list[PortfolioSite] = []
    for i, s in enumerate(spec.sites):
        cur = s.currency.upper()
        if cur not in ("USD", "EUR"):
            raise ScenarioError(
                source, [f"sites[{i}].currency: {s.currency!r} is not USD or EUR"]
            )
        local = path.parent / s.scenario
        sc, base = load_scenario(local if local.is_file() else s.scenario)
        if cur == "EUR":
            if rate is None and sc.economics.usd_per_eur is None:
                raise ScenarioError(
                    source,
                    [
                        f"sites[{i}].currency: EUR needs exchange_rates.usd_per_eur "
                        "(USD per EUR)"
                    ],
                )
            if sc.economics.usd_per_eur is None:
                sc = sc.model_copy(
                    update={
                        "economics": sc.economics.model_copy(
                            update={"usd_per_eur": rate}
                        )
                    }
                )
        cap = math.inf if s.max_fleet_mw is None else s.max_fleet_mw
        inputs = prepare_inputs(sc, base)
        sites.append(PortfolioSite(s.id, inputs, cap))
    fleets = [
        Fleet(f.id, f.power_mw, None if f.sites is None else tuple(f.sites), f.initial)
        for f in spec.fleets
    ]
    periods = [
        Period(
            p.name,
            _utc(p.start, f"periods[{i}].start", source),
            _utc(p.end, f"periods[{i}].end", source),
        )
        for i, p in enumerate(spec.periods)
    ]
    mv = spec.moves
    moves = Moves(
        mv.cost_usd_per_mw,
        mv.downtime_days * 24.0,
        math.inf if mv.max_mw_per_period is None else mv.max_mw_per_period,
    )
    events = [
        PolicyEvent(
            e.site,
            _utc(e.start, f"events[{i}].start", source),
            e.max_mw,
            e.quota_mwh,
            e.program,
        )
        for i, e in enumerate(spec.events)
    ]
    hosting = [
        HostingOffer(
            h.id,
            h.price_usd_per_mwh,
            h.capacity_mw,
            h.min_term_months,
            h.co2_tco2_per_mwh,
            h.term_past_horizon,
        )
        for h in spec.hosting
    ]
    return spec, sites, fleets, periods, moves, events, hosting


def write_portfolio(result: PortfolioResult, out_dir: str | Path) -> Path:
    """Write ``allocation.csv``, ``moves.csv``, ``sites.csv`` and ``summary.json``.

    The folder is replaced atomically under the same rules as a solve's results
    folder (a user's file in it is an error and nothing is deleted).
    """
    target = check_output_dir(out_dir)
    tmp = start_folder(target)
    try:
        for name, table in (
            ("allocation.csv", result.allocation),
            ("allocation_static.csv", result.static_allocation),
            ("moves.csv", result.moves),
            ("sites.csv", result.sites),
            ("sites_static.csv", result.static_sites),
        ):
            with_text_stamps(table).to_csv(tmp / name, index=False)
        body = {"grid_flex_version": __version__, "portfolio": result.summary}
        (tmp / "summary.json").write_text(json.dumps(body, indent=2), encoding="utf-8")
        write_column_dictionary(tmp)
        finish_folder(tmp, target)
    except BaseException:
        discard(tmp)
        raise
    return target


def run_portfolio_file(
    path: str | Path,
    out_dir: str | Path | None = None,
    *,
    options: SolveOptions | None = None,
) -> PortfolioResult:
    """Load a portfolio spec, solve it with moves and static, optionally write it."""
    spec, sites, fleets, periods, moves, events, hosting = load_portfolio(path)
    result = run_portfolio(
        sites,
        fleets,
        periods,
        moves,
        events,
        hosting,
        options=options,
        source=str(path),
    )
    result.summary["name"] = spec.name
    if out_dir is not None:
        write_portfolio(result, out_dir)
    return result
