"""Operating years of a feasibility study: which prices and hashprice each one sees.

Operating year ``t = 1..N`` is calendar year ``start_year + t − 1``. Its power prices
come from a weather year (``study.weather_years``, cycled in order; without them, the
scenario's own price series), escalated by ``(1 + e)^(t−1)``; its hashprice from
``study.bitcoin`` on the operating year's own calendar (so the 2028 and 2032 halvings
fall where the block heights put them), else the scenario's. The horizon is the
scenario's on the same calendar dates of the weather year (a calendar year stays one,
365 or 366 days); its results are scaled to a year by ``8,760 h / horizon hours``.

How years enter the LP (``study.years_in_lp``):

* ``each`` — one operating block per year; weight ``df_t · scale``.
* ``weather`` — one block per weather year; its hashprice is the discount-weighted
  mean of the hashprice paths of the years it stands for (revenue is linear in
  hashprice, so for a given schedule this is exact), weight ``Σ df_t · scale``.
* ``one`` — a single block (the first weather year) for all years, weight
  ``Σ_t df_t · scale`` (REopt's present-worth factor on one representative year).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grid_flex.bitcoin import hashprice_path
from grid_flex.conventions import index_step
from grid_flex.errors import DataError, ScenarioError
from grid_flex.finance import discount_factors
from grid_flex.inputs import horizon_index, price_series, read_series
from grid_flex.model.linear import FloatArray
from grid_flex.schema.scenario import Hashprice, Scenario, scenario_source
from grid_flex.schema.series import InlineSeries
from grid_flex.schema.study import Study, WeatherYear

HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class YearPlan:
    """One operating block of the study LP.

    Attributes
    ----------
    key : str
        Block name (``"2026"`` or ``"w2019"``).
    scenario : Scenario
        The scenario this block solves (prices and hashprice inline, horizon moved).
    years : tuple of int
        Operating years (1..N) the block stands for.
    weight : float
        Objective weight of the block's profit: ``Σ df_t · scale``.
    scale : float
        Year / horizon length: results × scale = one year [-].
    hashprice_by_year : dict
        Operating year → hashprice on the block's intervals [USD per TH/s per day],
        to value each year's hashing in the pro forma (None: the scenario's own).
    btc_price_by_year : dict
        Operating year → mean BTC price [USD] (empty without ``study.bitcoin``).
    energy_factor_by_year : dict
        Operating year → its energy escalation over the block's (mean) one [-].
    """

    key: str
    scenario: Scenario
    years: tuple[int, ...]
    weight: float
    scale: float
    hashprice_by_year: dict[int, FloatArray | None]
    btc_price_by_year: dict[int, float]
    energy_factor_by_year: dict[int, float]


def start_year(scenario: Scenario) -> int:
    """Calendar year of operating year 1."""
    s = scenario.study.start_year
    return s if s is not None else scenario.horizon.start.year


def plan_years(scenario: Scenario, base_dir: Path) -> tuple[list[YearPlan], list[str]]:
    """Blocks of the study LP and the assumptions made, in words."""
    study = scenario.study
    n = study.analysis_yr
    df = discount_factors(study.discount_frac_per_yr, n)  # index 0..n
    weather = study.weather_years or []
    notes: list[str] = []
    y0 = start_year(scenario)
    by_year: dict[int, WeatherYear | None] = {
        t: (weather[(t - 1) % len(weather)] if weather else None)
        for t in range(1, n + 1)
    }
    groups: dict[str, list[int]] = {}
    for t in range(1, n + 1):
        w = by_year[t]
        key = {
            "each": str(y0 + t - 1),
            "weather": f"w{w.year}" if w is not None else "w",
            "one": "all",
        }[study.years_in_lp]
        groups.setdefault(key, []).append(t)
    plans = []
    for key, years in groups.items():
        w = by_year[years[0]]
        sc = _moved(scenario, w) if w is not None else scenario
        index = horizon_index(sc.horizon)
        hours = float(len(index)) * sc.horizon.timestep_min / 60.0
        scale = HOURS_PER_YEAR / hours
        price = _price(sc, base_dir, index, w, weather, notes)
        esc = study.energy_escalation_frac_per_yr
        factors = np.array([(1.0 + esc) ** (t - 1) for t in years])
        weights = df[years] / df[years].sum()
        mean_factor = float(weights @ factors)
        price = price * mean_factor
        hp_by_year, btc = _hashprices(sc, study, index, years, y0, notes)
        update: dict[str, Any] = {
            "energy": sc.energy.model_copy(update={"price": _inline(price)})
        }
        if hp_by_year:
            mean_hp = sum(
                w_ * hp_by_year[t] for w_, t in zip(weights, years, strict=True)
            )
            update["hashprice"] = Hashprice(
                series=InlineSeries(
                    format="inline", unit="usd_per_ths_day", values=mean_hp.tolist()
                )
            )
        block_sc = sc.model_copy(update=update)
        plans.append(
            YearPlan(
                key=key,
                scenario=block_sc,
                years=tuple(years),
                weight=float(df[years].sum()) * scale,
                scale=scale,
                hashprice_by_year={t: hp_by_year.get(t) for t in years},
                btc_price_by_year=btc,
                energy_factor_by_year={
                    t: float(f / mean_factor)
                    for t, f in zip(years, factors, strict=True)
                },
            )
        )
        if w is not None:
            labels = ", ".join(str(y0 + t - 1) for t in years)
            notes.append(f"operating year(s) {labels}: power prices of {w.year}")
    if study.energy_escalation_frac_per_yr and study.years_in_lp != "each":
        notes.append(
            "energy escalation enters each block as the discount-weighted mean factor "
            "of the years it stands for"
        )
    return plans, notes


def _moved(scenario: Scenario, w: WeatherYear) -> Scenario:
    """The scenario with its horizon moved into weather year ``w``."""
    h = scenario.horizon
    shift = w.year - h.start.year
    try:  # the same calendar dates in the weather year (a year-long horizon stays one)
        start = h.start.replace(year=h.start.year + shift)
        end = h.end.replace(year=h.end.year + shift)
    except ValueError:  # 29 February in a year without one: keep the length
        start = h.start.replace(year=w.year, day=28)
        end = start + (h.end - h.start)
    return scenario.model_copy(
        update={"horizon": h.model_copy(update={"start": start, "end": end})}
    )


def _inline(values: FloatArray) -> InlineSeries:
    return InlineSeries(format="inline", unit="usd_per_mwh", values=values.tolist())


def _price(
    sc: Scenario,
    base_dir: Path,
    index: pd.DatetimeIndex,
    w: WeatherYear | None,
    weather: list[WeatherYear],
    notes: list[str],
) -> FloatArray:
    """The block's power price [USD/MWh], completed from another year if allowed."""
    spec = w.price if w is not None else sc.energy.price
    field = f"study.weather_years[{w.year}].price" if w is not None else "energy.price"
    try:
        return price_series(spec, sc, base_dir, index, field)
    except DataError as exc:
        if w is None or w.complete_from is None:
            problems = [f"{field}: {exc}"]
            # a weather year whose data ends early could be completed from another
            # (not a gap, a bad value, or a study without weather years)
            if w is not None and _ends_early(spec, base_dir, index):
                problems.append(
                    f"{field}: the study needs the whole of {index[0].year} and has "
                    "no rule to extend the data; give weather_years[].complete_from "
                    "(fill from another weather year) or drop this year"
                )
            raise ScenarioError(scenario_source(sc), problems) from exc
    donor = next(x for x in weather if x.year == w.complete_from)
    covered = _covered_until(spec, base_dir, index)
    shift = pd.Timestamp(f"{donor.year}-01-01", tz="UTC") - pd.Timestamp(
        f"{w.year}-01-01", tz="UTC"
    )
    keep = index + index_step(index) <= covered
    own = (
        price_series(spec, sc, base_dir, index[keep], field)
        if keep.any()
        else np.empty(0)
    )
    rest_index = index[~keep] + shift
    rest = price_series(donor.price, sc, base_dir, pd.DatetimeIndex(rest_index), field)
    notes.append(
        f"{field} ends {covered:%Y-%m-%d %H:%M} UTC; the remaining "
        f"{int((~keep).sum())} intervals of {w.year} take the {donor.year} prices at "
        "the same position in the year (complete_from)"
    )
    return np.concatenate([own, rest])


def _ends_early(spec: object, base_dir: Path, index: pd.DatetimeIndex) -> bool:
    """True if the price data ends before the block does (False if unreadable)."""
    try:
        covered = _covered_until(spec, base_dir, index)
    except (DataError, ValueError):
        return False
    return bool(covered < index[-1] + index_step(index))


def _covered_until(
    spec: object, base_dir: Path, index: pd.DatetimeIndex
) -> pd.Timestamp:
    """End of the last interval the price file holds [UTC]."""
    raw = read_series(spec, base_dir, index)
    return pd.Timestamp(raw.index[-1] + index_step(raw.index))


def _hashprices(
    sc: Scenario,
    study: Study,
    index: pd.DatetimeIndex,
    years: list[int],
    y0: int,
    notes: list[str],
) -> tuple[dict[int, FloatArray], dict[int, float]]:
    """Hashprice of each operating year on the block's intervals, and BTC prices."""
    b = study.bitcoin
    if b is None:
        return {}, {}
    out: dict[int, FloatArray] = {}
    btc: dict[int, float] = {}
    start = pd.Timestamp(b.difficulty_start_date).tz_localize("UTC")
    for t in years:
        cal = y0 + t - 1
        shift = pd.Timestamp(f"{cal}-01-01", tz="UTC") - pd.Timestamp(
            f"{index[0].year}-01-01", tz="UTC"
        )
        shifted = pd.DatetimeIndex(index + shift)
        path = hashprice_path(
            shifted,
            btc_price_usd=_of_year(b.btc_price_usd, cal, "btc_price_usd", sc),
            difficulty_start=b.difficulty_start,
            difficulty_growth_frac_per_yr=_spill(b.difficulty_growth_frac_per_yr, cal),
            fees_btc_per_block=_of_year(
                b.fees_btc_per_block, cal, "fees_btc_per_block", sc
            ),
            difficulty_start_time=start,
        )
        out[t] = path.hashprice_usd_per_ths_day.to_numpy()
        btc[t] = float(path.frame["btc_price_usd"].mean())
        for a in path.assumptions:
            if a not in notes:
                notes.append(a)
    return out, btc


def _of_year(
    value: float | dict[int, float], cal: int, name: str, sc: Scenario
) -> float:
    """The operating year's value of a per-calendar-year input."""
    if not isinstance(value, dict):
        return float(value)
    if cal not in value:
        raise ScenarioError(
            scenario_source(sc),
            [
                f"study.bitcoin.{name}: no value for {cal}, an operating year of the "
                f"study; give every year from {start_year(sc)} to "
                f"{start_year(sc) + sc.study.analysis_yr - 1} (or one constant)"
            ],
        )
    return float(value[cal])


def _spill(value: float | dict[int, float], cal: int) -> float | dict[int, float]:
    """A per-year mapping extended to the next UTC year with this year's value.

    An operating year's local calendar spills a few hours into the next UTC year.
    """
    if not isinstance(value, dict) or cal not in value or cal + 1 in value:
        return value
    return {**value, cal + 1: value[cal]}


def moved_plan(plan: YearPlan, scenario: Scenario) -> YearPlan:
    """The same block on another scenario (e.g. business as usual)."""
    return replace(plan, scenario=scenario)
