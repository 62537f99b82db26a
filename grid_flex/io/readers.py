"""Readers for the public data files bundled in ``data/`` (one per format).

Every time-stamped reader returns the contract series of :mod:`grid_flex.io.timeseries`
(float, UTC interval starts, regular, NaN kept, unit in the name,
``attrs["source"] = "<file name>:<column>"``). AVERT and DOE profiles have no year and
are returned on a plain ``hour_of_year`` index 0..8759; put them on a calendar with
:func:`grid_flex.io.calendar.place_hour_of_year`. The quirks of each file are described
in ``data/README.md`` and domain.md §0.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Final, Literal

import numpy as np
import pandas as pd

from grid_flex.errors import DataError
from grid_flex.io.timeseries import (
    LineMap,
    file_line,
    frame_from_table,
    load_table,
    localize_to_utc,
    make_regular,
    parse_flags,
    parse_numbers,
    parse_times,
    read_csv_series,
    require_columns,
)
from grid_flex.units import convert

HOURS_PER_YEAR: Final = 8760

# --- ERCOT ---------------------------------------------------------------------------
_ERCOT_TZ: Final = "America/Chicago"
_RTM_COLUMNS: Final = (
    "Delivery Date",
    "Delivery Hour",
    "Delivery Interval",
    "Repeated Hour Flag",
    "Settlement Point Name",
    "Settlement Point Type",
    "Settlement Point Price",
)
_RTM_STEP: Final = pd.Timedelta(minutes=15)


def read_ercot_dam(path: str | Path, column: str) -> pd.Series:
    """ERCOT day-ahead settlement point price of one hub or load zone [USD/MWh].

    The file is hour ending in Central Prevailing Time: interval start = date +
    (HE - 1) h; the spring-forward day has 23 rows; on the fall-back day HE 02:00
    appears twice and ``Repeated Hour Flag = Y`` marks the second (CST) copy. Blank
    cells (HB_PAN before 2019-04-06) stay NaN.

    Parameters
    ----------
    path : str or Path
        ``ercot_dam_spp_hubs_lz_YYYY.csv``.
    column : str
        ``HB_*`` hub or ``LZ_*`` load zone (e.g. ``"HB_WEST"``, ``"LZ_WEST"``).

    Returns
    -------
    pandas.Series
        ``price_usd_per_mwh`` on hourly UTC interval starts.
    """
    return read_csv_series(
        path,
        time_column=("Delivery Date", "Hour Ending"),
        value_column=column,
        unit="usd_per_mwh",
        time_convention="end",
        timezone=_ERCOT_TZ,
        time_format="%m/%d/%Y %H:%M",
        repeated_hour_column="Repeated Hour Flag",
        freq="h",
    )


def read_ercot_rtm(
    path: str | Path, settlement_point: str, point_type: str | None = None
) -> pd.Series:
    """ERCOT real-time 15-min settlement point price [USD/MWh] from the long format.

    Interval start = date + (hour - 1) h + (interval - 1) · 15 min, Central Prevailing
    Time (``Repeated Hour Flag = Y`` marks the CST copy of the fall-back hour). Prices
    with thousands separators (``"1,899.35"``) are parsed.

    Parameters
    ----------
    path : str or Path
        ``ercot_rtm_spp_15min_*.csv``.
    settlement_point : str
        Settlement point name, e.g. ``"HB_NORTH"`` or ``"LZ_WEST"``.
    point_type : str, optional
        Settlement point type. Load zones appear as ``LZ`` and ``LZEW``
        (energy-weighted); the default is ``LZ`` for ``LZ_*`` names and otherwise the
        point's only type.

    Returns
    -------
    pandas.Series
        ``price_usd_per_mwh`` on 15-min UTC interval starts.

    Raises
    ------
    DataError
        Unknown point (points listed), unknown type, or several types and none chosen
        (types listed).
    """
    file_name = Path(path).name
    table = load_table(path)
    require_columns(table, _RTM_COLUMNS, source=file_name)
    names = table["Settlement Point Name"].str.strip()
    types = table["Settlement Point Type"].str.strip()
    at_point = (names == settlement_point).to_numpy()
    if not at_point.any():
        available = ", ".join(sorted(names.unique()))
        raise DataError(
            f"{file_name}: settlement point {settlement_point!r} not found; "
            f"available: {available}"
        )
    point_types = sorted(types[at_point].unique())
    if point_type is None:
        if settlement_point.startswith("LZ_") and "LZ" in point_types:
            point_type = "LZ"
        elif len(point_types) == 1:
            point_type = point_types[0]
        else:
            raise DataError(
                f"{file_name}: {settlement_point} appears with types "
                f"{', '.join(point_types)}; choose one with point_type"
            )
    elif point_type not in point_types:
        raise DataError(
            f"{file_name}: {settlement_point} has no type {point_type!r}; "
            f"available types: {', '.join(point_types)}"
        )
    rows = table[at_point & (types == point_type).to_numpy()]
    source = f"{file_name}:{settlement_point}/{point_type}"

    day = parse_times(rows["Delivery Date"], source=source, time_format="%m/%d/%Y")
    hour = parse_numbers(rows["Delivery Hour"], source=source, missing_values=())
    interval = parse_numbers(
        rows["Delivery Interval"], source=source, missing_values=()
    )
    bad = np.flatnonzero(
        (hour < 1) | (hour > 24) | (hour % 1 != 0) | (interval < 1) | (interval > 4)
    )
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{source}: line {int(rows.index[i]) + 2}: hour "
            f"{rows['Delivery Hour'].iloc[i]!r} / interval "
            f"{rows['Delivery Interval'].iloc[i]!r} out of range"
        )
    local = (
        day
        + pd.to_timedelta(hour - 1, unit="h")
        + pd.to_timedelta((interval - 1) * 15, unit="min")
    )
    repeated = parse_flags(rows["Repeated Hour Flag"], source=source)
    utc = localize_to_utc(local, _ERCOT_TZ, source=source, repeated=repeated)
    values = parse_numbers(rows["Settlement Point Price"], source=source, thousands=",")
    return make_regular(
        values,
        utc,
        step=_RTM_STEP,
        source=source,
        name="price_usd_per_mwh",
        lines=rows.index + 2,
    )


# --- CAISO DER-VET -------------------------------------------------------------------
_PST: Final = "UTC-08:00"
_PST_TZ: Final = dt.timezone(dt.timedelta(hours=-8))
#: DER-VET column -> (short key, series name, file unit).
_DERVET_COLUMNS: Final = {
    "DA Price ($/kWh)": ("price", "price_usd_per_mwh", "usd_per_kwh"),
    "Reg Up Price ($/kW)": (
        "regup",
        "regup_price_usd_per_mw_per_h",
        "usd_per_kw_per_h",
    ),
    "Reg Down Price ($/kW)": (
        "regdown",
        "regdown_price_usd_per_mw_per_h",
        "usd_per_kw_per_h",
    ),
}


def read_caiso_dervet(path: str | Path) -> pd.DataFrame:
    """CAISO 2020 day-ahead energy and regulation prices from the DER-VET file.

    ``Datetime (he)`` is hour ending in fixed PST (UTC-8, no DST); ``0:00`` is HE24 of
    the previous day. Energy is $/kWh and regulation capacity $/kW per hour in the
    file; both are multiplied by 1000.

    Returns
    -------
    pandas.DataFrame
        Columns ``price_usd_per_mwh``, ``regup_price_usd_per_mw_per_h``,
        ``regdown_price_usd_per_mw_per_h`` on hourly UTC interval starts
        (8,784 rows for 2020).
    """
    file_name = Path(path).name
    frame = frame_from_table(
        load_table(path),
        file_name=file_name,
        time_column="Datetime (he)",
        value_columns={
            column: unit for column, (_, _, unit) in _DERVET_COLUMNS.items()
        },
        time_convention="end",
        timezone=_PST,
        time_format="%m/%d/%Y %H:%M",
        freq="h",
    )
    lines = frame.attrs["lines"]
    frame = frame.rename(
        columns={column: name for column, (_, name, _) in _DERVET_COLUMNS.items()}
    )
    frame.attrs = {
        "source": file_name,
        "lines": {_DERVET_COLUMNS[c][1]: m for c, m in lines.items()},
    }
    return frame


def read_caiso_dervet_column(
    path: str | Path, column: Literal["price", "regup", "regdown"]
) -> pd.Series:
    """One column of :func:`read_caiso_dervet` [USD/MWh or USD/MW per h].

    Parameters
    ----------
    path : str or Path
        ``caiso_2020_da_energy_regup_regdn_dervet.csv``.
    column : {"price", "regup", "regdown"}
        Day-ahead energy price, regulation-up or regulation-down capacity price.
    """
    by_key = {
        key: (file_column, name)
        for file_column, (key, name, _) in _DERVET_COLUMNS.items()
    }
    if column not in by_key:
        raise DataError(
            f"{Path(path).name}: unknown column {column!r}; "
            "choose price, regup or regdown"
        )
    file_column, name = by_key[column]
    frame = read_caiso_dervet(path)
    series = frame[name]
    series.attrs = {
        "source": f"{Path(path).name}:{file_column}",
        "lines": frame.attrs["lines"][name],
    }
    return series


# --- CAISO Iron Mountain (HOPP) ------------------------------------------------------
#: Hours by which a HOPP year column is late: its value ``k`` is the price of the hour
#: starting ``Jan 1 00:00 PST + (k - lag) h``.
#:
#: Evidence (details in data/README.md). 2019: the column's first values 41.26324,
#: 41.18362, 40.01711 are the OASIS prices of 2018-12-31 HE24, 2019-01-01 HE1 and HE2
#: (raw OASIS file NREL/HOPP resource_files/grid/IRONMTN_2_N001_LMP_DAM60_20180101_
#: 20190101.csv); 41.26324 is also the last value of the 2018 column. 2020: hourly
#: correlation with the DER-VET 2020 CAISO price is 0.978 one hour late against 0.807
#: as labelled, in every month (no DST pattern); the monthly hour-of-day shapes of 2019
#: and 2020 match those of the verified years 2017/2018 best one hour late, whereas
#: 2015, 2017, 2018 and 2021 match with no shift.
#:
#: So the 2019 and 2020 columns run from Dec 31 23:00 PST of the previous year to
#: Dec 30 22:00 PST: the 2020 column (8,760 values in a leap year) lacks the last
#: 25 hours of 2020 (Dec 30 23:00 - Dec 31 23:00 PST), not Feb 29: with the lag
#: corrected, all 26 two-week windows Jan 1 - Dec 29 match the DER-VET prices of the
#: same dates best (yearly r = 0.978, vs 0.709 had Feb 29 been dropped), and the weekend
#: price dip stays on Saturday/Sunday after February (a dropped Feb 29 would shift it).
IRONMTN_LAG_H: Final[dict[int, int]] = {2019: 1, 2020: 1}


def read_caiso_ironmtn(path: str | Path, year: int) -> pd.Series:
    """CAISO day-ahead LMP at node IRONMTN_2_N001 for one calendar year [USD/MWh].

    ``hour_of_year`` 0..8759 is hour beginning in fixed PST (UTC-8) from Jan 1 00:00,
    except for the columns listed in :data:`IRONMTN_LAG_H`, which are one hour late.
    The returned series covers the whole calendar year in PST: hours the file does not
    hold are NaN (2020: the last 25 hours, Dec 30 23:00 - Dec 31 23:00 PST). The hour
    a late column pushes out of its own year is used by the previous year when that
    year lacks it (2019's last hour comes from the first value of the 2020 column).

    Parameters
    ----------
    path : str or Path
        ``caiso_ironmtn_dam_lmp_hourly_2015_2021_hopp.csv``.
    year : int
        A year with a column (2015, 2017-2021).

    Returns
    -------
    pandas.Series
        ``price_usd_per_mwh`` on hourly UTC interval starts, 8,760 or 8,784 values.

    Raises
    ------
    DataError
        For a year without a column (available years listed).
    """
    file_name = Path(path).name
    table = load_table(path)
    require_columns(table, ["hour_of_year"], source=file_name)
    hours = _hour_of_year(table["hour_of_year"], source=f"{file_name}:hour_of_year")
    years = sorted(int(c) for c in table.columns if c.isdigit())
    if year not in years:
        available = ", ".join(str(y) for y in years)
        raise DataError(
            f"{file_name}: no column for year {year}; available years: {available}"
        )

    lines = np.asarray([file_line(r) for r in table.index], dtype=float)

    def placed(column_year: int, what: np.ndarray | None = None) -> pd.Series:
        values = (
            parse_numbers(table[str(column_year)], source=f"{file_name}:{column_year}")
            if what is None
            else what
        )
        lag = IRONMTN_LAG_H.get(column_year, 0)
        start = pd.Timestamp(year=column_year, month=1, day=1, tz=_PST_TZ)
        stamps = start + pd.to_timedelta(hours - lag, unit="h")
        return pd.Series(values, index=pd.DatetimeIndex(stamps).tz_convert("UTC"))

    calendar = pd.date_range(
        pd.Timestamp(year=year, month=1, day=1, tz=_PST_TZ),
        pd.Timestamp(year=year + 1, month=1, day=1, tz=_PST_TZ),
        freq="h",
        inclusive="left",
    ).tz_convert("UTC")
    series = placed(year).reindex(calendar)
    # The file line of each hour: its row where the value is there (a blank cell
    # keeps its row's line, so a missing value is named by it).
    at = placed(year, lines).reindex(calendar)
    for neighbour in (year - 1, year + 1):
        if neighbour in years and series.isna().any():
            other = placed(neighbour).reindex(calendar)
            take = series.isna().to_numpy() & other.notna().to_numpy()
            series = series.where(~take, other)
            at = at.where(~take, placed(neighbour, lines).reindex(calendar))
    series.name = "price_usd_per_mwh"
    series.attrs = {
        "source": f"{file_name}:{year}",
        "lines": LineMap(
            calendar[0], pd.Timedelta(hours=1), at.fillna(0).to_numpy(dtype=np.int64)
        ),
    }
    return series


# --- SMARD ---------------------------------------------------------------------------
_SMARD_UNIT_SUFFIX: Final = "[€/MWh]"
_SMARD_DE_BEFORE: Final = "Germany/Austria/Luxembourg"
_SMARD_DE_AFTER: Final = "Germany/Luxembourg"
#: First hour of the DE-LU bidding zone (Europe/Berlin local time).
SMARD_DE_SPLIT_LOCAL: Final = "2018-10-01 00:00"


def read_smard(
    path: str | Path, column: str, *, splice_germany: bool = True
) -> pd.Series:
    """EPEX day-ahead price for one bidding zone from a SMARD export [EUR/MWh].

    ``;``-separated, UTF-8 BOM, ``-`` = missing, dates like ``Jan 1, 2018`` with a
    12-hour clock, hour beginning in Europe/Berlin time. The repeated fall-back hour
    (``2:00 AM`` twice on Oct 28, 2018) has no flag: first copy CEST, second CET; the
    spring-forward hour is absent.

    Parameters
    ----------
    path : str or Path
        ``smard_dayahead_prices_*.csv``.
    column : str
        Bidding zone, bare (``"France"``) or as in the header (``"France[€/MWh]"``).
        ``"Germany"`` (with ``splice_germany``) is the German price across the
        2018 bidding-zone split: ``Germany/Austria/Luxembourg`` until 2018-09-30 23:00
        local, ``Germany/Luxembourg`` from 2018-10-01 00:00 local.
    splice_germany : bool
        Whether ``"Germany"`` means the spliced series.

    Returns
    -------
    pandas.Series
        ``price_eur_per_mwh`` on hourly UTC interval starts.
    """
    file_name = Path(path).name
    table = load_table(path, sep=";")
    by_bare = {
        c.removesuffix(_SMARD_UNIT_SUFFIX).strip(): c
        for c in table.columns
        if c.endswith(_SMARD_UNIT_SUFFIX)
    }
    splice = splice_germany and column == "Germany"
    wanted = [_SMARD_DE_BEFORE, _SMARD_DE_AFTER] if splice else [column]
    resolved: list[str] = []
    for name in wanted:
        if name in table.columns:
            resolved.append(name)
        elif name in by_bare:
            resolved.append(by_bare[name])
        else:
            zones = ", ".join(by_bare) + (
                ", Germany (spliced)" if splice_germany else ""
            )
            raise DataError(
                f"{file_name}: column {name!r} not found; available zones: {zones}"
            )
    frame = frame_from_table(
        table,
        file_name=file_name,
        time_column=("Date", "Time of day"),
        value_columns=dict.fromkeys(resolved, "eur_per_mwh"),
        time_convention="start",
        timezone="Europe/Berlin",
        time_format="%b %d, %Y %I:%M %p",
        missing_values=("", "-"),
        freq="h",
    )
    if not splice:
        series = frame[resolved[0]].rename("price_eur_per_mwh")
        series.attrs = {
            "source": f"{file_name}:{resolved[0]}",
            "lines": frame.attrs["lines"][resolved[0]],
        }
        return series
    split = pd.Timestamp(SMARD_DE_SPLIT_LOCAL, tz="Europe/Berlin").tz_convert("UTC")
    before, after = frame[resolved[0]], frame[resolved[1]]
    series = before.where(frame.index < split, after).rename("price_eur_per_mwh")
    series.attrs = {
        "source": f"{file_name}:{resolved[0]} until {SMARD_DE_SPLIT_LOCAL} "
        f"Europe/Berlin, then {resolved[1]}",
        "lines": frame.attrs["lines"][resolved[0]],  # both columns share the rows
    }
    return series


# --- hour-of-year profiles -----------------------------------------------------------
def _hour_of_year(raw: pd.Series, *, source: str) -> np.ndarray:
    """Parse and check an hour-of-year column holding exactly 0..8759 in order.

    A wrong hour is named with its file line.
    """
    hours = parse_numbers(raw, source=source, missing_values=())
    expected = np.arange(HOURS_PER_YEAR)
    if hours.shape != expected.shape or not np.array_equal(hours, expected):
        n = min(hours.size, HOURS_PER_YEAR)
        wrong = np.flatnonzero(hours[:n] != expected[:n])
        where = (
            f"line {file_line(raw.index[int(wrong[0])])} holds hour "
            f"{hours[int(wrong[0])]:g} where hour {int(wrong[0])} belongs; "
            if wrong.size
            else ""
        )
        raise DataError(
            f"{source}: expected hours 0..{HOURS_PER_YEAR - 1} in order, one a line; "
            f"{where}found {hours.size} values from {hours.min():g} to "
            f"{hours.max():g}"
        )
    return hours.astype(np.int64)


def _hour_of_year_series(
    values: np.ndarray, *, name: str, source: str, rows: pd.Index
) -> pd.Series:
    """An hour-of-year profile; ``attrs["hour_lines"]`` keeps each hour's file line.

    :func:`grid_flex.io.calendar.place_hour_of_year` turns the hour lines into the
    placed series' line map, so that a missing or impossible value found later is
    named with its file line as well as its time stamp.
    """
    series = pd.Series(
        values, index=pd.RangeIndex(HOURS_PER_YEAR, name="hour_of_year"), name=name
    )
    series.attrs = {
        "source": source,
        "hour_lines": np.asarray([file_line(r) for r in rows], dtype=np.int64),
    }
    return series


def read_avert(path: str | Path, region: str) -> pd.Series:
    """EPA AVERT 2023 hourly marginal CO2 emission rate of one region [t CO2/MWh].

    The file gives lb CO2 per kWh of load change; ×0.45359237 gives t/MWh. Values are
    binned statistical estimates and a few are negative (e.g. SW 683 h, TE 8 h): they
    are kept as published (clip downstream if wanted). The file has no year and no time
    zone: hours are taken as local standard time (see
    :func:`grid_flex.io.calendar.place_hour_of_year`).

    Parameters
    ----------
    path : str or Path
        ``avert_2023_co2_lb_per_kwh_by_region.csv``.
    region : str
        AVERT region code, e.g. ``"TE"`` (Texas/ERCOT), ``"CA"``.

    Returns
    -------
    pandas.Series
        ``co2_tco2_per_mwh`` on an integer ``hour_of_year`` index 0..8759.
    """
    file_name = Path(path).name
    table = load_table(path)
    regions = [c for c in table.columns if c not in {"Month", "Timestamp"}]
    if region not in regions:
        raise DataError(
            f"{file_name}: unknown AVERT region {region!r}; "
            f"regions: {', '.join(regions)}"
        )
    require_columns(table, ["Timestamp"], source=file_name)
    _hour_of_year(table["Timestamp"], source=f"{file_name}:Timestamp")
    source = f"{file_name}:{region}"
    values, quantity, unit = convert(
        parse_numbers(table[region], source=source), "lb_per_kwh"
    )
    return _hour_of_year_series(
        values, name=f"{quantity}_{unit}", source=source, rows=table.index
    )


_DOE_SUFFIXES: Final = {
    "_mmbtu": ("mmbtu_per_h_fuel", "fuel"),
    "_electric_kwh": ("kw", "electric"),
}


def read_doe_crb(path: str | Path, column: str) -> pd.Series:
    """DOE commercial reference building hourly load (REopt CRB profiles, 2017).

    ``*_mmbtu`` columns are boiler **fuel** per hour (MMBtu/h, kept as fuel; the heat
    model applies the boiler efficiency); ``*_electric_kwh`` columns are kWh in each
    hour, i.e. mean kW, returned in MW (÷1000).

    Parameters
    ----------
    path : str or Path
        ``doe_crb_hourly_heat_dhw_elec_loads.csv``.
    column : str
        E.g. ``"Houston_Hospital_domestic_hot_water_mmbtu"``.

    Returns
    -------
    pandas.Series
        On an integer ``hour_of_year`` index 0..8759, named
        ``<building>_<load>_fuel_mmbtu_per_h`` or ``<building>_electric_mw`` (lower
        case, e.g. ``houston_hospital_domestic_hot_water_fuel_mmbtu_per_h``).

    Raises
    ------
    DataError
        Unknown column (similar columns listed).
    """
    file_name = Path(path).name
    table = load_table(path)
    if column not in table.columns:
        candidates = [c for c in table.columns if c != "hour_of_year"]
        similar = difflib.get_close_matches(column, candidates, n=6, cutoff=0.6)
        shown = similar or candidates
        label = "similar columns" if similar else "available columns"
        raise DataError(
            f"{file_name}: column {column!r} not found; {label}: {', '.join(shown)}"
        )
    require_columns(table, ["hour_of_year"], source=file_name)
    _hour_of_year(table["hour_of_year"], source=f"{file_name}:hour_of_year")
    suffix = next((x for x in _DOE_SUFFIXES if column.endswith(x)), None)
    if suffix is None:
        raise DataError(
            f"{file_name}: cannot tell the unit of column {column!r} "
            "(expected a name ending in _mmbtu or _electric_kwh)"
        )
    unit, label = _DOE_SUFFIXES[suffix]
    stem = column.removesuffix(suffix).lower()
    source = f"{file_name}:{column}"
    values, _, canonical = convert(parse_numbers(table[column], source=source), unit)
    return _hour_of_year_series(
        values, name=f"{stem}_{label}_{canonical}", source=source, rows=table.index
    )
