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

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:  # imported where used: the schema reads constants from here
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

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
    import pandas as pd

    return pd.Timedelta(freq)


#: How every file grid-flex writes spells a UTC instant (ISO 8601, to the second).
UTC_TEXT: Final = "%Y-%m-%dT%H:%M:%SZ"


def utc_text(stamp: Any) -> str:
    """One instant as UTC text, ``2020-01-01T06:00:00Z`` (a naive stamp is UTC)."""
    import pandas as pd

    t = pd.Timestamp(stamp)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return t.strftime(UTC_TEXT)


def to_utc(t: Any, timezone: str) -> pd.Timestamp:
    """A date-time as a UTC timestamp; a naive one is local to ``timezone``.

    Raises ``ValueError`` (from pandas) for a local time skipped or repeated by a
    daylight-saving change; callers turn it into a message naming their field.
    """
    import pandas as pd

    stamp = pd.Timestamp(t)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(timezone, ambiguous="raise", nonexistent="raise")
    return stamp.tz_convert("UTC")


def interval_bounds_ns(
    index: pd.DatetimeIndex, timestep_h: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Start and end of every interval [ns since the epoch, UTC]."""
    import numpy as np

    starts = np.asarray(index.as_unit("ns").asi8, dtype=np.int64)
    return starts, starts + np.round(timestep_h * 3.6e12).astype(np.int64)


def month_keys(index: pd.DatetimeIndex, timezone: str) -> NDArray[np.int64]:
    """``year · 12 + month − 1`` of each stamp's local time in ``timezone``."""
    import numpy as np

    local = index.tz_convert(timezone)
    return np.asarray(local.year * 12 + (local.month - 1), dtype=np.int64)


def month_label(key: int) -> str:
    """``"2019-06"`` for a :func:`month_keys` value."""
    return f"{key // 12:04d}-{key % 12 + 1:02d}"


def timestep_h(index: pd.DatetimeIndex, freq: pd.Timedelta | None = None) -> pd.Series:
    """Length of each interval of an interval-start index [h].

    The last interval takes the index's regular step, ``freq`` when given.
    """
    import pandas as pd

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
