"""Conventions shared by every module: time, signs, units and constants.

Time
    Every series is indexed by a tz-aware UTC :class:`pandas.DatetimeIndex` of
    interval *starts*. Each interval has a length in hours (``timestep_h``); energy is
    always power × ``timestep_h`` and no one-hour step is ever assumed.
Signs
    Load is positive when it draws from the site bus; grid import is positive into the
    site; money received is revenue, money paid is cost (both non-negative by name).
Units
    Every quantity that crosses a module boundary carries its unit in its name (see
    :data:`UNIT_SUFFIXES`). Electric and thermal quantities never share a suffix.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

UNIT_SUFFIXES: Final[dict[str, str]] = {
    "_mw": "electric power, mean over the interval [MW]",
    "_mwh": "electric energy [MWh]",
    "_mwth": "thermal power, mean over the interval [MWth]",
    "_mwhth": "thermal energy [MWhth]",
    "_usd": "money [USD]",
    "_usd_per_mwh": "energy price [USD/MWh]",
    "_usd_per_ths_day": "hashprice [USD per TH/s per day]",
    "_ths": "hashrate [TH/s]",
    "_j_per_th": "ASIC efficiency [J/TH]",
    "_tco2": "emissions [t CO2]",
    "_frac": "share or efficiency [0-1]",
    "_h": "duration [h]",
    "_count": "integer count [-]",
}

#: Seconds in an hour and hours in a day.
SECONDS_PER_HOUR: Final = 3600.0
HOURS_PER_DAY: Final = 24.0
#: Bitcoin protocol: target block interval [s] and blocks per day.
BLOCK_INTERVAL_S: Final = 600.0
BLOCKS_PER_DAY: Final = 144.0
#: kWh per MMBtu (REopt.jl ``KWH_PER_MMBTU``).
KWH_PER_MMBTU: Final = 293.07107
#: Metric tonnes per pound.
T_PER_LB: Final = 0.45359237e-3

UTC: Final = "UTC"


def index_step(index: pd.Index) -> pd.Timedelta:
    """The regular step of a time index (its ``freq``) as a Timedelta."""
    freq = getattr(index, "freq", None)
    if freq is None:
        raise ValueError("the time index has no regular step (freq is None)")
    return pd.Timedelta(freq)


def timestep_h(index: pd.DatetimeIndex, freq: pd.Timedelta | None = None) -> pd.Series:
    """Length of each interval of an interval-start index [h].

    The last interval takes the index's regular step, ``freq`` when given.
    """
    if len(index) == 0:
        return pd.Series([], index=index, dtype=float, name="timestep_h")
    step = freq if freq is not None else index_step(index)
    ends = pd.DatetimeIndex(index[1:].append(pd.DatetimeIndex([index[-1] + step])))
    hours = (ends - index).total_seconds() / SECONDS_PER_HOUR
    return pd.Series(hours, index=index, name="timestep_h")


def mining_value_usd_per_mwh(
    hashprice_usd_per_ths_day: float, efficiency_j_per_th: float, pool_fee_frac: float
) -> float:
    """Value of the hashes one MWh buys, net of pool fee [USD/MWh].

    ``V = HP · (1 − f_pool) · 1e6 / (24 · η)`` (domain.md §1.5): one MWh runs
    ``1e6 / (24 · η)`` TH/s for a day.
    """
    return (
        hashprice_usd_per_ths_day
        * (1.0 - pool_fee_frac)
        * 1e6
        / (HOURS_PER_DAY * efficiency_j_per_th)
    )
