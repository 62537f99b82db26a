"""Readers of the bundled public data files, checked on the real files in data/."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grid_flex.errors import DataError
from grid_flex.io.readers import (
    read_avert,
    read_caiso_dervet,
    read_caiso_dervet_column,
    read_caiso_ironmtn,
    read_doe_crb,
    read_ercot_dam,
    read_ercot_rtm,
    read_smard,
)
from grid_flex.io.timeseries import check_series, fill_missing
from grid_flex.resources import data_dir

DATA = data_dir()
FIXTURES = Path(__file__).resolve().parents[1] / "data"
RTM = DATA / "ercot_rtm_spp_15min_2021-02_uri.csv"
DERVET = DATA / "caiso_2020_da_energy_regup_regdn_dervet.csv"
IRONMTN = DATA / "caiso_ironmtn_dam_lmp_hourly_2015_2021_hopp.csv"
SMARD = DATA / "smard_dayahead_prices_2018_de_neighbours_eur_mwh.csv"
AVERT = DATA / "avert_2023_co2_lb_per_kwh_by_region.csv"
DOE = DATA / "doe_crb_hourly_heat_dhw_elec_loads.csv"


def ercot(year: int) -> Path:
    return DATA / f"ercot_dam_spp_hubs_lz_{year}.csv"


def assert_contract(s: pd.Series, freq: str) -> None:
    """Float values on a regular, sorted, unique UTC interval-start index."""
    assert isinstance(s.index, pd.DatetimeIndex)
    assert str(s.index.tz) == "UTC"
    assert s.index.freq == pd.tseries.frequencies.to_offset(freq)
    assert s.index.is_monotonic_increasing
    assert s.index.is_unique
    assert s.dtype == np.float64
    assert ":" in s.attrs["source"]
    check_series(s, source="test")


@pytest.fixture(scope="module")
def west_2019() -> pd.Series:
    return read_ercot_dam(ercot(2019), "HB_WEST")


@pytest.fixture(scope="module")
def north_rtm() -> pd.Series:
    return read_ercot_rtm(RTM, "HB_NORTH")


@pytest.fixture(scope="module")
def dervet() -> pd.DataFrame:
    return read_caiso_dervet(DERVET)


@pytest.fixture(scope="module")
def germany() -> pd.Series:
    return read_smard(SMARD, "Germany")


# --- ERCOT DAM ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("year", "rows", "first", "last"),
    [
        (2019, 8760, "2019-01-01 06:00", "2020-01-01 05:00"),
        (2020, 8784, "2020-01-01 06:00", "2021-01-01 05:00"),
        (2021, 4919, "2021-01-01 06:00", "2021-07-25 04:00"),  # ends 07/24 HE24 CDT
    ],
)
def test_ercot_dam_rows_and_span(year: int, rows: int, first: str, last: str) -> None:
    s = read_ercot_dam(ercot(year), "LZ_WEST")
    assert_contract(s, "h")
    assert len(s) == rows
    assert s.index[0] == pd.Timestamp(first, tz="UTC")
    assert s.index[-1] == pd.Timestamp(last, tz="UTC")
    assert s.name == "price_usd_per_mwh"
    assert s.attrs["source"] == f"ercot_dam_spp_hubs_lz_{year}.csv:LZ_WEST"


def test_ercot_dam_dst_days(west_2019: pd.Series) -> None:
    local = west_2019.index.tz_convert("America/Chicago")
    per_day = pd.Series(1, index=local).groupby(local.date).sum()
    assert per_day[pd.Timestamp("2019-03-10").date()] == 23
    assert per_day[pd.Timestamp("2019-11-03").date()] == 25
    assert (
        per_day.drop([pd.Timestamp(d).date() for d in ("2019-03-10", "2019-11-03")])
        == 24
    ).all()
    # The flagged (Y) copy of HE 02:00 is the CST hour 01:00-02:00 = 07:00 UTC.
    assert west_2019[pd.Timestamp("2019-11-03 06:00", tz="UTC")] == pytest.approx(9.0)
    assert west_2019[pd.Timestamp("2019-11-03 07:00", tz="UTC")] == pytest.approx(14.96)
    assert (np.diff(west_2019.index.asi8) > 0).all()


def test_ercot_dam_hb_west_2019_levels(west_2019: pd.Series) -> None:
    assert west_2019.mean() == pytest.approx(36.4, abs=0.05)
    assert west_2019.max() == pytest.approx(5010.39)
    # HE17 on 09/05/2019 CDT = 16:00-17:00 CDT = 21:00 UTC start.
    assert west_2019.idxmax() == pd.Timestamp("2019-09-05 21:00", tz="UTC")
    assert west_2019.isna().sum() == 0


def test_ercot_dam_blank_cells_stay_nan() -> None:
    pan = read_ercot_dam(ercot(2019), "HB_PAN")
    assert len(pan) == 8760
    assert pan.isna().sum() == 2279
    assert pan[:"2019-04-06 04:00"].isna().all()  # 04/05 HE24 CDT
    assert pan["2019-04-06 05:00":].notna().all()
    with pytest.raises(
        DataError, match=r"2,279 missing values: 2019-01-01 06:00 UTC \(line 2\)"
    ):
        fill_missing(pan, policy="error", source=pan.attrs["source"])


def test_ercot_dam_unknown_column_lists_columns() -> None:
    with pytest.raises(
        DataError, match=r"'HB_EAST' not found; available columns: .*'HB_WEST'"
    ):
        read_ercot_dam(ercot(2019), "HB_EAST")


def test_ercot_dam_2021_uri() -> None:
    north = read_ercot_dam(ercot(2021), "HB_NORTH")
    assert north.max() == pytest.approx(8999, abs=1)
    daily = north.tz_convert("America/Chicago")["2021-02-14":"2021-02-19"]
    means = daily.groupby(daily.index.date).mean()
    assert means.min() > 3800
    assert means.max() < 9000


# --- ERCOT RTM ------------------------------------------------------------------------
def test_ercot_rtm_uri_hb_north(north_rtm: pd.Series) -> None:
    assert_contract(north_rtm, "15min")
    assert len(north_rtm) == 2688
    assert north_rtm.index[0] == pd.Timestamp("2021-02-01 06:00", tz="UTC")
    assert north_rtm.index[-1] == pd.Timestamp("2021-03-01 05:45", tz="UTC")
    assert north_rtm.max() == pytest.approx(9315, abs=1)
    assert north_rtm.mean() == pytest.approx(1532, abs=1)
    assert north_rtm.min() == pytest.approx(-31.66)
    assert north_rtm.isna().sum() == 0
    assert north_rtm.attrs["source"].endswith(":HB_NORTH/HU")


def test_ercot_rtm_thousands_separator(north_rtm: pd.Series) -> None:
    # 02/06/2021,19,3,N,HB_NORTH,HU,"1,899.35": HE19 interval 3 = 18:30 CST.
    assert north_rtm[pd.Timestamp("2021-02-07 00:30", tz="UTC")] == pytest.approx(
        1899.35
    )
    # 02/11/2021 HE10 intervals 3 and 4 = 09:30 and 09:45 CST.
    assert north_rtm["2021-02-11 15:30":"2021-02-11 15:45"].tolist() == [
        1007.27,
        1362.90,
    ]


def test_ercot_rtm_interval_start() -> None:
    bus = read_ercot_rtm(RTM, "HB_BUSAVG")
    # First rows: 02/01/2021 hour 1 intervals 1-3 = 00:00, 00:15, 00:30 CST.
    assert bus.iloc[:3].tolist() == [19.23, 19.33, 19.44]
    assert bus.index[0] == pd.Timestamp("2021-02-01 06:00", tz="UTC")


def test_ercot_rtm_lz_vs_lzew() -> None:
    lz = read_ercot_rtm(RTM, "LZ_WEST")
    lz_explicit = read_ercot_rtm(RTM, "LZ_WEST", point_type="LZ")
    lzew = read_ercot_rtm(RTM, "LZ_WEST", point_type="LZEW")
    pd.testing.assert_series_equal(lz, lz_explicit)
    assert len(lz) == len(lzew) == 2688
    assert (lz != lzew).any()
    assert lzew.attrs["source"].endswith(":LZ_WEST/LZEW")


def test_ercot_rtm_type_errors() -> None:
    with pytest.raises(DataError, match=r"HB_X appears with types HU, SH; choose one"):
        read_ercot_rtm(FIXTURES / "ercot_rtm_ambiguous_type.csv", "HB_X")
    sh = read_ercot_rtm(FIXTURES / "ercot_rtm_ambiguous_type.csv", "HB_X", "SH")
    assert sh.tolist() == [19.30, 19.40]
    with pytest.raises(DataError, match=r"no type 'HU'; available types: LZ, LZEW"):
        read_ercot_rtm(RTM, "LZ_WEST", point_type="HU")
    with pytest.raises(DataError, match=r"'HB_EAST' not found; available: .*HB_NORTH"):
        read_ercot_rtm(RTM, "HB_EAST")


# --- CAISO DER-VET --------------------------------------------------------------------
def test_caiso_dervet_frame(dervet: pd.DataFrame) -> None:
    assert list(dervet.columns) == [
        "price_usd_per_mwh",
        "regup_price_usd_per_mw_per_h",
        "regdown_price_usd_per_mw_per_h",
    ]
    assert len(dervet) == 8784
    assert dervet.index.freq == "h"
    assert dervet.index[0] == pd.Timestamp("2020-01-01 08:00", tz="UTC")
    assert dervet.index[-1] == pd.Timestamp("2020-12-31 23:00", tz="UTC-08:00")
    price = dervet["price_usd_per_mwh"]
    assert price.iloc[0] == pytest.approx(33.31091)  # 0.03331091 $/kWh, HE1
    assert price.iloc[-1] == pytest.approx(38.61305)  # "1/1/2021 0:00" = HE24 of 12/31
    assert price.mean() == pytest.approx(35.6, abs=0.05)
    assert price.max() == pytest.approx(1557, abs=1)
    assert (price < 0).sum() == 127
    assert dervet.isna().sum().sum() == 0
    # Summed over 2020: about $86/kW-yr (up) and $83/kW-yr (down).
    assert dervet["regup_price_usd_per_mw_per_h"].sum() / 1000 == pytest.approx(
        86, abs=1
    )
    assert dervet["regdown_price_usd_per_mw_per_h"].sum() / 1000 == pytest.approx(
        83, abs=1
    )


def test_caiso_dervet_column() -> None:
    regup = read_caiso_dervet_column(DERVET, "regup")
    assert_contract(regup, "h")
    assert regup.name == "regup_price_usd_per_mw_per_h"
    assert regup.attrs["source"] == f"{DERVET.name}:Reg Up Price ($/kW)"
    assert regup.iloc[0] == pytest.approx(12.27058)
    with pytest.raises(DataError, match="choose price, regup or regdown"):
        read_caiso_dervet_column(DERVET, "spin")  # type: ignore[arg-type]


# --- CAISO Iron Mountain --------------------------------------------------------------
def test_ironmtn_2018() -> None:
    s = read_caiso_ironmtn(IRONMTN, 2018)
    assert_contract(s, "h")
    assert len(s) == 8760
    assert s.index[0] == pd.Timestamp("2018-01-01 08:00", tz="UTC")
    assert s.iloc[0] == pytest.approx(35.82995)  # OASIS 2018-01-01 HE1
    assert s.iloc[-1] == pytest.approx(41.26324)  # OASIS 2018-12-31 HE24
    assert s.isna().sum() == 0
    assert s.attrs["source"] == f"{IRONMTN.name}:2018"


def test_ironmtn_2019_is_one_hour_late_in_the_file() -> None:
    raw = pd.read_csv(IRONMTN)
    # The 2019 column starts with 2018-12-31 HE24 (= last 2018 value), then 2019 HE1.
    assert raw["2019"].iloc[0] == raw["2018"].iloc[-1] == pytest.approx(41.26324)
    s = read_caiso_ironmtn(IRONMTN, 2019)
    assert len(s) == 8760
    assert s.iloc[0] == pytest.approx(41.18362)  # OASIS 2019-01-01 HE1
    assert s.iloc[-1] == pytest.approx(raw["2020"].iloc[0])  # from the 2020 column
    assert s.isna().sum() == 0


def test_ironmtn_2020_missing_day_is_nan_not_shifted() -> None:
    s = read_caiso_ironmtn(IRONMTN, 2020)
    assert_contract(s, "h")
    assert len(s) == 8784  # whole leap year
    missing = s.index[s.isna()]
    assert len(missing) == 25
    assert missing[0] == pd.Timestamp("2020-12-30 23:00", tz="UTC-08:00")
    assert missing[-1] == pd.Timestamp("2020-12-31 23:00", tz="UTC-08:00")
    assert s.loc[:"2020-12-31 06:00"].notna().all()
    # Feb 29 is real data, not a gap.
    assert s.tz_convert("UTC-08:00").loc["2020-02-29"].notna().all()
    # Matches the DER-VET CAISO price of the same hours (correlation ~0.98).
    dervet_price = read_caiso_dervet_column(DERVET, "price")
    both = pd.concat([s, dervet_price], axis=1).dropna()
    assert both.corr().iloc[0, 1] > 0.95
    gap = r"25 missing values: 2020-12-31 07:00 UTC \(no row, after line 8761\), "
    with pytest.raises(DataError, match=gap):
        fill_missing(s, policy="error", source=s.attrs["source"])


def test_ironmtn_year_without_column() -> None:
    with pytest.raises(
        DataError, match=r"no column for year 2016; available years: 2015, 2017"
    ):
        read_caiso_ironmtn(IRONMTN, 2016)


# --- SMARD ----------------------------------------------------------------------------
def test_smard_germany_splice(germany: pd.Series) -> None:
    assert_contract(germany, "h")
    assert germany.name == "price_eur_per_mwh"
    assert len(germany) == 8760
    assert germany.index[0] == pd.Timestamp("2017-12-31 23:00", tz="UTC")
    assert germany.isna().sum() == 0
    assert germany.mean() == pytest.approx(44.5, abs=0.05)
    assert (germany < 0).sum() == 134
    assert germany.min() == pytest.approx(-76.0, abs=0.05)
    assert germany.max() == pytest.approx(128.3, abs=0.05)
    # Before the split DE/AT/LU, from 2018-10-01 00:00 CEST (= 09-30 22:00 UTC) DE/LU.
    deatlu = read_smard(SMARD, "Germany/Austria/Luxembourg")
    delu = read_smard(SMARD, "Germany/Luxembourg[€/MWh]")
    split = pd.Timestamp("2018-09-30 22:00", tz="UTC")
    assert germany[split - pd.Timedelta("1h")] == deatlu[split - pd.Timedelta("1h")]
    assert germany[split] == delu[split]
    assert deatlu[split:].isna().all()
    assert delu[: split - pd.Timedelta("1h")].isna().all()


def test_smard_repeated_and_missing_hour() -> None:
    france = read_smard(SMARD, "France")
    assert_contract(france, "h")
    assert france.attrs["source"] == f"{SMARD.name}:France[€/MWh]"
    # Oct 28 "2:00 AM" twice: CEST (00:00 UTC) then CET (01:00 UTC).
    assert france[pd.Timestamp("2018-10-28 00:00", tz="UTC")] == pytest.approx(52.4)
    assert france[pd.Timestamp("2018-10-28 01:00", tz="UTC")] == pytest.approx(50.12)
    local = france.index.tz_convert("Europe/Berlin")
    per_day = pd.Series(1, index=local).groupby(local.date).sum()
    assert per_day[pd.Timestamp("2018-10-28").date()] == 25
    assert per_day[pd.Timestamp("2018-03-25").date()] == 23


def test_smard_empty_zone_and_unknown_zone() -> None:
    poland = read_smard(SMARD, "Poland")
    assert poland.isna().all()
    assert len(poland) == 8760
    with pytest.raises(
        DataError, match=r"'Spain' not found; available zones: .*France"
    ):
        read_smard(SMARD, "Spain")
    with pytest.raises(DataError, match="'Germany' not found"):
        read_smard(SMARD, "Germany", splice_germany=False)


# --- AVERT and DOE --------------------------------------------------------------------
def test_avert_te() -> None:
    te = read_avert(AVERT, "TE")
    assert te.name == "co2_tco2_per_mwh"
    assert te.index.name == "hour_of_year"
    assert te.index.tolist() == list(range(8760))
    assert te.mean() == pytest.approx(0.59, abs=0.005)
    assert te.iloc[0] == pytest.approx(1.49 * 0.45359237)
    assert te.attrs["source"] == f"{AVERT.name}:TE"


def test_avert_keeps_negative_values_and_lists_regions() -> None:
    assert (read_avert(AVERT, "SW") < 0).sum() == 683
    with pytest.raises(
        DataError, match=r"unknown AVERT region 'ERCOT'; regions: CA, CENT"
    ):
        read_avert(AVERT, "ERCOT")


def test_doe_crb_columns() -> None:
    dhw = read_doe_crb(DOE, "Houston_Hospital_domestic_hot_water_mmbtu")
    assert dhw.name == "houston_hospital_domestic_hot_water_fuel_mmbtu_per_h"
    assert dhw.index.name == "hour_of_year"
    assert len(dhw) == 8760
    assert dhw.sum() == pytest.approx(530.6, abs=0.05)
    heat = read_doe_crb(DOE, "Chicago_Hospital_space_heating_mmbtu")
    assert heat.sum() == pytest.approx(12329.6, abs=0.05)
    elec = read_doe_crb(DOE, "Houston_Hospital_electric_kwh")
    assert elec.name == "houston_hospital_electric_mw"
    raw = pd.read_csv(DOE, usecols=["Houston_Hospital_electric_kwh"]).iloc[:, 0]
    np.testing.assert_allclose(elec.to_numpy(), raw.to_numpy() / 1000)


def test_doe_crb_unknown_column_lists_similar() -> None:
    with pytest.raises(
        DataError, match=r"similar columns: .*Houston_Hospital_domestic_hot_water_mmbtu"
    ):
        read_doe_crb(DOE, "Houston_Hospital_dhw_mmbtu")
