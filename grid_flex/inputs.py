"""Prepare model inputs: read every series, put it on the horizon, resolve assets.

:func:`prepare_inputs` is the only stage that reads files; the model layer receives a
frozen :class:`ModelInputs` whose arrays are aligned to one UTC interval-start index.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grid_flex import bitcoin
from grid_flex.assets import REGISTRY as ASSETS
from grid_flex.bitcoin import ChainAnchor
from grid_flex.conventions import (
    BLOCK_INTERVAL_S,
    index_step,
)
from grid_flex.conventions import timestep_h as timestep_h  # memoised by re-solves
from grid_flex.errors import DataError, FinanceInputError, ScenarioError
from grid_flex.io import readers
from grid_flex.io.calendar import place_hour_of_year
from grid_flex.io.catalog import Catalog, load_catalog, with_entries
from grid_flex.io.checks import check_values, warn_unit
from grid_flex.io.horizon import horizon_bounds_utc
from grid_flex.io.seasonal_tariff import seasonal_tariff_series
from grid_flex.io.timeseries import fill_missing, format_stamp, read_csv_series
from grid_flex.model.capacity import CapacitySpec
from grid_flex.model.data import ModelInputs as ModelInputs
from grid_flex.model.linear import FloatArray
from grid_flex.model.terms import DataNeeded, ResolveContext
from grid_flex.nodata.naming import entry_errors, naming
from grid_flex.programs import REGISTRY as PROGRAMS
from grid_flex.resources import data_dir
from grid_flex.schema import series as ss
from grid_flex.schema.magnitudes import derived_problems, opt_out_hint
from grid_flex.schema.scenario import (
    Hashprice,
    HashpriceDerivation,
    Horizon,
    Scenario,
)
from grid_flex.units import convert

BUNDLED_PREFIX = "bundled:"


# ---- horizon -------------------------------------------------------------------------
def horizon_index(h: Horizon) -> pd.DatetimeIndex:
    """Interval starts of the horizon, tz-aware UTC, regular (checked first)."""
    start, end = horizon_bounds_utc(h)
    return pd.date_range(
        pd.Timestamp(start).tz_convert("UTC"),
        pd.Timestamp(end).tz_convert("UTC"),
        freq=pd.Timedelta(minutes=h.timestep_min),
        inclusive="left",
        name="interval_start_utc",
    )


# ---- series --------------------------------------------------------------------------
def resolve_file(file: str, base_dir: Path) -> Path:
    """A series path: ``bundled:<name>`` or relative to the scenario folder."""
    if file.startswith(BUNDLED_PREFIX):
        path = data_dir() / file[len(BUNDLED_PREFIX) :]
    else:
        path = Path(file)
        if not path.is_absolute():
            path = base_dir / path
    if not path.is_file():
        raise DataError(f"{file}: file not found (looked at {path})")
    return path


def read_series(spec: Any, base_dir: Path, index: pd.DatetimeIndex) -> pd.Series:
    """Read one declared series in its own time base (readers' contract)."""
    if isinstance(spec, ss.InlineSeries):
        return inline_series(spec, index)
    path = resolve_file(spec.file, base_dir)
    match spec:
        case ss.ErcotDamSeries():
            return readers.read_ercot_dam(path, spec.column)
        case ss.ErcotRtmSeries():
            return readers.read_ercot_rtm(path, spec.settlement_point, spec.point_type)
        case ss.CaisoDervetSeries():
            return readers.read_caiso_dervet_column(path, spec.column)
        case ss.CaisoIronMountainSeries():
            return readers.read_caiso_ironmtn(path, spec.year)
        case ss.SmardSeries():
            return readers.read_smard(path, spec.column)
        case ss.AvertSeries():
            profile = readers.read_avert(path, spec.region)
            return place_hour_of_year(profile, index, timezone=spec.timezone)
        case ss.DoeCrbSeries():
            profile = readers.read_doe_crb(path, spec.column)
            return place_hour_of_year(profile, index, timezone=spec.timezone)
        case ss.SeasonalTariffSeries():
            return seasonal_tariff_series(path, index, spec.timezone)
        case ss.CsvSeries():
            return read_csv_series(
                path,
                time_column=spec.time_column,
                value_column=spec.value_column,
                unit=spec.unit,
                time_convention=spec.time_convention,
                timezone=spec.timezone,
                time_format=spec.time_format,
                sep=spec.sep,
                thousands=spec.thousands,
                decimal=spec.decimal,
                repeated_hour_column=spec.repeated_hour_column,
            )
    raise DataError(f"unsupported series format {spec.format!r}")  # pragma: no cover


def inline_series(spec: ss.InlineSeries, index: pd.DatetimeIndex) -> pd.Series:
    """Inline values on the horizon (one per interval), converted to canonical units."""
    if len(spec.values) != len(index):
        raise DataError(
            f"inline series: {len(spec.values)} values for {len(index)} intervals"
        )
    arr = np.asarray(spec.values, dtype=float)
    if not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise DataError(f"inline series: value {bad} is not a finite number")
    values, quantity, unit = convert(arr, spec.unit)
    s = pd.Series(values, index=index, name=f"{quantity}_{unit}")
    s.attrs["source"] = "inline"
    return s


def align(series: pd.Series, index: pd.DatetimeIndex, *, field: str) -> pd.Series:
    """Put a contract series on the horizon ``index``.

    A coarser series repeats its value in every horizon interval it contains (a price
    holds for its whole interval); a finer one is averaged, weighted by time. The
    series must cover the whole horizon: ``[index[0], index[-1] + step)``.
    """
    step = index_step(index)
    src_step = index_step(series.index)
    need_start, need_end = index[0], index[-1] + step
    have_start, have_end = series.index[0], series.index[-1] + src_step
    if have_start > need_start or have_end < need_end:
        raise DataError(
            f"{field} ({series.attrs.get('source', series.name)}) covers "
            f"{format_stamp(have_start)} to {format_stamp(have_end)}, but the horizon "
            f"needs {format_stamp(need_start)} to {format_stamp(need_end)}"
        )
    if src_step == step:
        out = series.reindex(index)
    elif src_step > step:
        if src_step % step != pd.Timedelta(0):
            raise DataError(f"{field}: a {src_step} series cannot be split into {step}")
        out = series.reindex(index, method="ffill")
    else:
        if step % src_step != pd.Timedelta(0):
            raise DataError(
                f"{field}: a {src_step} series cannot be averaged to {step}"
            )
        window = series[(series.index >= need_start) & (series.index < need_end)]
        offset = need_start - need_start.floor(step)
        out = window.resample(step, offset=offset).mean().reindex(index)
    out.name = series.name
    out.attrs = dict(series.attrs)
    return out


def load_on_horizon(
    spec: Any,
    base_dir: Path,
    index: pd.DatetimeIndex,
    *,
    field: str,
    limits: bool = False,
) -> pd.Series:
    """Read a declared series, fill gaps by its policy, align it to the horizon.

    Values must be finite; with ``limits`` they must also lie within the real-site
    bounds of their unit (:func:`grid_flex.io.checks.check_values`), and a median that
    looks like a wrong unit is warned about.
    """
    try:
        raw = read_series(spec, base_dir, index)
    except DataError as exc:
        where = field if isinstance(spec, ss.InlineSeries) else f"{field} ({spec.file})"
        raise DataError(f"{where}: {exc}") from exc
    if isinstance(spec, ss.InlineSeries):
        check_values(raw, field=field, limits=limits, warn_units=False)
        return raw
    step = index_step(raw.index)
    if step is not None:
        lo = index[0].floor(step) if step > index_step(index) else index[0]
        hi = index[-1] + index_step(index)
        window = raw[(raw.index >= lo) & (raw.index < hi)]
        if len(window):
            source = f"{field} ({raw.attrs.get('source', raw.name)})"
            filled = fill_missing(window, policy=spec.fill_missing, source=source)
            raw = raw.copy()
            raw.loc[window.index] = filled.to_numpy()
    out = align(raw, index, field=field)
    check_values(out, field=field, limits=limits, warn_units=False)
    return out


def _expect_quantity(
    s: pd.Series, prefixes: tuple[str, ...], field: str, what: str
) -> None:
    name = str(s.name)
    # The quantity leads the name ("price_usd_per_mwh") or follows a label
    # ("houston_hospital_space_heating_fuel_mmbtu_per_h").
    if not any(name.startswith(p) or f"_{p}" in name for p in prefixes):
        raise DataError(
            f"{field}: expected {what} but the series is {name!r} "
            f"({s.attrs.get('source', '')}); check its unit"
        )


def price_series(
    spec: Any, scenario: Scenario, base_dir: Path, index: pd.DatetimeIndex, field: str
) -> FloatArray:
    """An energy price on the horizon in USD/MWh (EUR converted explicitly)."""
    s = load_on_horizon(
        spec, base_dir, index, field=field, limits=not scenario.allow_extreme_values
    )
    _expect_quantity(s, ("price_",), field, "an energy price")
    warn_unit(s, field=field)
    name = str(s.name)
    if name.endswith("_eur_per_mwh"):
        rate = scenario.economics.usd_per_eur
        if rate is None:
            raise ScenarioError(
                "economics.usd_per_eur",
                [f"{field} is in EUR/MWh; set economics.usd_per_eur to convert it"],
            )
        return s.to_numpy(dtype=float) * rate
    if not name.endswith("_usd_per_mwh"):
        raise DataError(
            f"{field}: {name!r} is not an energy price in USD/MWh or EUR/MWh"
        )
    return s.to_numpy(dtype=float)


# ---- hashprice -----------------------------------------------------------------------
def chain_anchor(d: HashpriceDerivation) -> ChainAnchor:
    """The known block and the mean block interval used to project halvings."""
    tau = d.mean_block_interval_s
    if tau is None:
        g = d.difficulty_growth_frac_per_yr
        tau = bitcoin.mean_block_interval_s(g) if g is not None else BLOCK_INTERVAL_S
    return ChainAnchor(d.anchor_height, _utc_stamp(d.anchor_time), tau)


def _utc_stamp(t: dt.datetime) -> pd.Timestamp:
    stamp = pd.Timestamp(t)
    return stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")


def _derived_input(
    spec: Any,
    base_dir: Path,
    index: pd.DatetimeIndex,
    field: str,
    prefix: str,
    what: str,
) -> float | FloatArray:
    """A constant, or a declared series loaded on the horizon."""
    if isinstance(spec, float | int):
        return float(spec)
    s = load_on_horizon(spec, base_dir, index, field=field)
    _expect_quantity(s, (prefix,), field, what)
    return s.to_numpy(dtype=float)


def _difficulty(
    d: HashpriceDerivation, base_dir: Path, index: pd.DatetimeIndex
) -> float | FloatArray:
    if d.network_hashrate_ehs is not None:
        start: float | FloatArray = (
            d.network_hashrate_ehs * 1e18 * BLOCK_INTERVAL_S / 2.0**32
        )
    else:
        start = _derived_input(
            d.difficulty,
            base_dir,
            index,
            "hashprice.derive.difficulty",
            "network_difficulty",
            "a difficulty (unit difficulty or t_difficulty)",
        )
    g = d.difficulty_growth_frac_per_yr
    if g is None or not isinstance(start, float):
        return start
    at = _utc_stamp(d.difficulty_at) if d.difficulty_at is not None else index[0]
    return bitcoin.difficulty_path(index, start, g, start_time=at).to_numpy()


def hashprice_derivation(
    d: HashpriceDerivation, base_dir: str | Path, index: pd.DatetimeIndex
) -> bitcoin.HashpricePath:
    """Hashprice derived from network data, with its components and assumptions."""
    price, difficulty, fees, anchor, hp = _derived_hashprice(d, base_dir, index)
    frame = pd.DataFrame(
        {
            "btc_price_usd": price,
            "difficulty": difficulty,
            "fees_btc_per_block": fees,
            "subsidy_btc_per_block": bitcoin.subsidy_btc_per_block(index, anchor),
            "hashprice_usd_per_ths_day": hp,
        },
        index=index,
    )
    return bitcoin.HashpricePath(frame, derivation_notes(d, index))


def _derived_hashprice(
    d: HashpriceDerivation, base_dir: str | Path, index: pd.DatetimeIndex
) -> tuple[Any, Any, Any, ChainAnchor, pd.Series]:
    """BTC price, difficulty, fees, chain anchor and the hashprice they give."""
    base = Path(base_dir)
    price = _derived_input(
        d.btc_price_usd,
        base,
        index,
        "hashprice.derive.btc_price_usd",
        "btc_price_",
        "a BTC price (unit usd_per_btc)",
    )
    fees = _derived_input(
        d.fees_btc_per_block,
        base,
        index,
        "hashprice.derive.fees_btc_per_block",
        "fees_btc_per_block",
        "fees per block (unit btc_per_block or sat_per_block)",
    )
    difficulty = _difficulty(d, base, index)
    anchor = chain_anchor(d)
    try:
        hp = bitcoin.hashprice_usd_per_ths_day(
            index, price, difficulty, fees, anchor=anchor
        )
    except FinanceInputError as exc:
        raise ScenarioError("hashprice.derive", [f"hashprice.derive: {exc}"]) from exc
    return price, difficulty, fees, anchor, hp


def hashprice_series(
    hp: Hashprice, base_dir: str | Path, index: pd.DatetimeIndex
) -> FloatArray:
    """Hashprice per interval [USD per TH/s per day] (finance.md §1.4)."""
    base_dir = Path(base_dir)
    n = len(index)
    if hp.usd_per_ths_day is not None:
        return np.full(n, hp.usd_per_ths_day)
    if hp.series is not None:
        s = load_on_horizon(hp.series, base_dir, index, field="hashprice.series")
        _expect_quantity(s, ("hashprice_",), "hashprice.series", "a hashprice")
        return s.to_numpy(dtype=float)
    assert hp.derive is not None
    # The hashprice alone (not its components' table: a sweep derives it per case).
    return _derived_hashprice(hp.derive, base_dir, index)[-1].to_numpy(dtype=float)


def derivation_notes(
    d: HashpriceDerivation, index: pd.DatetimeIndex
) -> tuple[str, ...]:
    """What a derived hashprice projects on this horizon (empty if nothing)."""
    notes = []
    if d.difficulty_growth_frac_per_yr is not None:
        at = _utc_stamp(d.difficulty_at) if d.difficulty_at is not None else index[0]
        notes.append(
            f"difficulty grows {100 * d.difficulty_growth_frac_per_yr:g} %/yr from "
            f"{at.isoformat()} (retarget steps smoothed)"
        )
    return (*notes, *bitcoin.projection_assumptions(index, chain_anchor(d)))


def hashprice_notes(hp: Hashprice, index: pd.DatetimeIndex) -> tuple[str, ...]:
    """Assumptions behind the hashprice on this horizon, in words.

    A derived hashprice states its projections; a given one (constant or series)
    that spans a halving says that it is used as given, not halved.
    """
    if hp.derive is not None:
        return derivation_notes(hp.derive, index)
    end = index[-1] + index_step(index)
    halvings = bitcoin.halving_times(index[0], end)
    kind = "constant" if hp.usd_per_ths_day is not None else "series"
    return tuple(
        f"the horizon spans the halving at block {h:,} "
        f"({'expected' if projected else 'mined'} "
        f"{t.floor('s').strftime('%Y-%m-%dT%H:%M:%SZ')}); the {kind} hashprice "
        "given is used as is, not halved"
        for h, t, projected in zip(
            halvings["height"], halvings["time_utc"], halvings["projected"], strict=True
        )
    )


def site_notes(scenario: Scenario) -> tuple[str, ...]:
    """Simplifications a scenario makes by leaving fields out, in words."""
    return tuple(
        f"ASIC fleet {a.id}: pue not given, so the default of its cooling (air "
        "1.2, immersion and hydro 1.05; domain.md §4.1): cooling and auxiliaries "
        "drawn in proportion to the miners' power; set pue to override"
        for a in scenario.assets
        if a.type == "asic_fleet" and a.pue is None
    )


# ---- the stage -----------------------------------------------------------------------
def resolve_entries(
    entries: Sequence[Any],
    registry: Mapping[str, Any],
    rctx: ResolveContext,
    what: str,
    *,
    limits: bool = True,
) -> tuple[tuple[str, Any], ...]:
    """Resolve asset or program entries with their modules.

    With ``limits``, every capacity the entry resolves to (e.g. ``count`` × the
    catalogue unit's power) must be within the real-site bounds of
    :mod:`grid_flex.schema.magnitudes`, like a capacity given in MW.
    """
    out = []
    for i, entry in enumerate(entries):
        with entry_errors(what, i, entry):
            params = registry[entry.type].resolve(entry, rctx)
        if limits and dataclasses.is_dataclass(params):
            where = f"{what}[{i}] ({entry.id})"
            problems = derived_problems(where, _capacity_amounts(params))
            if problems:
                raise ScenarioError(
                    where, [*problems[:-1], problems[-1] + "; " + opt_out_hint()]
                )
        out.append((entry.type, params))
    return tuple(out)


def _capacity_amounts(params: Any) -> list[tuple[str, float]]:
    """``(name_unit, value)`` of the capacities (fixed, or bounds) in ``params``."""
    out = []
    for f in dataclasses.fields(params):
        spec = getattr(params, f.name)
        if not isinstance(spec, CapacitySpec):
            continue
        name = f"{f.name}_{spec.unit}"
        if spec.fixed is not None:
            out.append((name, spec.fixed))
        else:
            out += [
                (f"{k} {name}", getattr(spec, k)) for k in ("min", "max", "existing")
            ]
    return out


def _no_data(spec: Any, field: str, expect: tuple[str, ...]) -> FloatArray:
    """Series loader for checks that must not read data."""
    raise DataNeeded(field)


def resolve_context(
    scenario: Scenario,
    catalog: Catalog,
    index: pd.DatetimeIndex,
    base_dir: Path | None,
    price_usd_per_mwh: FloatArray | None = None,
) -> ResolveContext:
    """A :class:`ResolveContext` on the horizon (``base_dir=None``: no data reads)."""

    def load(spec: Any, field: str, expect: tuple[str, ...]) -> FloatArray:
        assert base_dir is not None
        s = load_on_horizon(
            spec,
            base_dir,
            index,
            field=field,
            limits=not scenario.allow_extreme_values,
        )
        _expect_quantity(s, expect, field, " or ".join(f"{e}*" for e in expect))
        warn_unit(s, field=field)
        return s.to_numpy(dtype=float)

    return ResolveContext(
        catalog=catalog,
        index=index,
        timestep_h=timestep_h(index).to_numpy(),
        load=load if base_dir is not None else _no_data,
        timezone=scenario.horizon.timezone,
        price_usd_per_mwh=price_usd_per_mwh,
        asset_kinds={a.id: a.type for a in scenario.assets},
    )


def check_scenario_on_index(scenario: Scenario, catalog: Catalog | None = None) -> None:
    """Checks that need no data file, every entry resolved on the horizon's index.

    Modules that need a series to check their entry are checked up to that point;
    :func:`prepare_inputs` makes the rest.
    :func:`grid_flex.validation.check_scenario` runs the same
    checks without pandas where it can.
    """
    cat = with_entries(
        catalog if catalog is not None else load_catalog(), scenario.catalog_entries
    )
    with naming(scenario):
        index = horizon_index(scenario.horizon)
        rctx = resolve_context(scenario, cat, index, None)
        with contextlib.suppress(DataNeeded):
            energy_adders_usd_per_mwh(scenario, rctx)
        for entries, registry, what in (
            (scenario.assets, ASSETS, "assets"),
            (scenario.programs, PROGRAMS, "programs"),
        ):
            for i, entry in enumerate(entries):
                with contextlib.suppress(DataNeeded), entry_errors(what, i, entry):
                    registry[entry.type].resolve(entry, rctx)


def energy_adders_usd_per_mwh(scenario: Scenario, rctx: ResolveContext) -> FloatArray:
    """Per-MWh adders of every interval: constants plus windowed adders [USD/MWh].

    ``energy.adders_usd_per_mwh`` is one number, or a list of numbers (every interval)
    and windows with ``usd_per_mwh`` (periods, recurring local hours, a price
    trigger), summed where they overlap.
    """
    from grid_flex.programs.windows import window_mask

    given = scenario.energy.adders_usd_per_mwh
    n = len(rctx.index)
    if not isinstance(given, list):
        return np.full(n, float(given))
    total = np.zeros(n)
    for i, item in enumerate(given):
        if isinstance(item, int | float):
            total += float(item)
        else:
            where = f"energy.adders_usd_per_mwh[{i}]"
            total += np.where(window_mask(item, rctx, field=where), item.usd_per_mwh, 0)
    return total


def non_firm_available_frac(
    scenario: Scenario, rctx: ResolveContext
) -> FloatArray | None:
    """Share of the non-firm connection available in each interval [-].

    ``site.non_firm.curtailed_available_frac`` inside its curtailed windows, 1
    outside; ``None`` without a non-firm part.
    """
    from grid_flex.programs.windows import window_mask

    nf = scenario.site.non_firm
    if nf is None:
        return None
    if nf.cap_series is not None:  # a fixed offer: the schema holds min = max
        assert nf.max_mw is not None
        cap_mw = np.asarray(
            rctx.load(nf.cap_series, "site.non_firm.cap_series", ("power_",))
        )
        if (cap_mw < 0).any():
            at = format_stamp(rctx.index[int(np.argmax(cap_mw < 0))])
            raise DataError(
                f"site.non_firm.cap_series: a negative non-firm cap at {at}; "
                "expected MW ≥ 0"
            )
        return np.asarray(np.minimum(1.0, cap_mw / nf.max_mw), dtype=float)
    assert nf.curtailed is not None  # the schema asks for one of the two
    mask = window_mask(nf.curtailed, rctx, field="site.non_firm.curtailed")
    return np.where(mask, nf.curtailed_available_frac, 1.0)


def _non_firm_mw(available_frac: FloatArray, scenario: Scenario) -> FloatArray:
    """Most non-firm import per interval: available share × largest size [MW]."""
    nf = scenario.site.non_firm
    assert nf is not None
    if nf.max_mw is None:  # unbounded where available at all (never 0 × inf)
        return np.where(available_frac > 0, np.inf, 0.0)
    return available_frac * nf.max_mw


def prepare_inputs(
    scenario: Scenario, base_dir: str | Path = ".", catalog: Catalog | None = None
) -> ModelInputs:
    """Read, check and align every input of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    base_dir : str or Path
        Folder that relative series paths start from (the scenario file's folder).
    catalog : Catalog, optional
        Equipment catalogue; the bundled one by default.
    """
    base = Path(base_dir)
    cat = with_entries(
        catalog if catalog is not None else load_catalog(), scenario.catalog_entries
    )
    with naming(scenario):
        index = horizon_index(scenario.horizon)
        price = price_series(
            scenario.energy.price, scenario, base, index, "energy.price"
        )
        rctx = resolve_context(scenario, cat, index, base, price)
        adders = energy_adders_usd_per_mwh(scenario, rctx)
        limits = not scenario.allow_extreme_values
        assets = resolve_entries(scenario.assets, ASSETS, rctx, "assets", limits=limits)
        programs = resolve_entries(
            scenario.programs, PROGRAMS, rctx, "programs", limits=limits
        )
        dt_h = rctx.timestep_h
        hashprice = (
            hashprice_series(scenario.hashprice, base, index)
            if scenario.hashprice is not None
            else None
        )
        if hashprice is not None:
            check_values(
                pd.Series(hashprice, index=index, name="hashprice_usd_per_ths_day"),
                field="hashprice",
                limits=not scenario.allow_extreme_values,
            )
    n = len(index)
    non_firm = non_firm_available_frac(scenario, rctx)
    return ModelInputs(
        index=index,
        timestep_h=dt_h,
        price_usd_per_mwh=price,
        import_price_usd_per_mwh=price + adders,
        export_price_usd_per_mwh=price * scenario.energy.export_price_frac,
        hashprice_usd_per_ths_day=hashprice,
        assumptions=(
            hashprice_notes(scenario.hashprice, index)
            if scenario.hashprice is not None
            else ()
        ),
        import_limit_mw=np.full(n, scenario.site.import_upper_mw)
        + (0.0 if non_firm is None else _non_firm_mw(non_firm, scenario)),
        non_firm_available_frac=non_firm,
        export_limit_mw=np.full(n, scenario.site.export_limit_mw),
        assets=assets,
        scenario=scenario,
        programs=programs,
    )
