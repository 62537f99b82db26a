"""Bitcoin protocol facts for hashprice: subsidy by height, halving times, hashprice.

* **Subsidy** (consensus rule, bitcoin/bitcoin ``GetBlockSubsidy``):
  ``(50·10^8 sat) >> floor(h / 210,000)``, zero once the shift reaches 64. Integer
  satoshis throughout.
* **Time of a block height.** Heights up to the anchor use the recorded halving
  times (finance.md §1.1); after the anchor (default block 840,000 at
  2024-04-20T00:09:27Z) a height is projected at a mean block interval τ̄:
  ``t(H) = t_anchor + (H − H_anchor)·τ̄``. Difficulty lags a growing hashrate, so
  blocks come faster than 600 s: ``τ̄ ≈ 600 / (1+g)^(14/365)`` for a hashrate (and
  difficulty) growth g per year (finance.md §1.2).
* **Hashprice** ``HP = (S + F)·86,400·10^12 / (D·2^32) · P_BTC`` [USD per TH/s per
  day]: one hash finds a block with probability ``1/(D·2^32)``, so the expected
  revenue per hash depends on the difficulty D, not on how fast blocks come. S steps
  at the halving block's expected time; an interval that contains that time gets the
  time-weighted mean subsidy.

Everything projected past the anchor is reported as an assumption string, so a study
can write it out next to its results.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from grid_flex.errors import FinanceInputError

HALVING_INTERVAL_BLOCKS = 210_000
SAT_PER_BTC = 100_000_000
INITIAL_SUBSIDY_SAT = 50 * SAT_PER_BTC
#: Protocol target block interval [s] and retarget window [blocks].
TARGET_BLOCK_INTERVAL_S = 600.0
RETARGET_BLOCKS = 2016
SECONDS_PER_DAY = 86_400.0
DAYS_PER_YEAR = 365.25
#: Hashes per unit of difficulty.
HASHES_PER_DIFFICULTY = 2.0**32

#: Recorded block times (UTC) of genesis and the halvings (finance.md §1.1). The
#: seconds of 840,000 are unverified; block timestamps may be off by up to ~2 h.
KNOWN_BLOCK_TIMES: Mapping[int, pd.Timestamp] = {
    0: pd.Timestamp("2009-01-03T18:15:05Z"),
    210_000: pd.Timestamp("2012-11-28T15:24:38Z"),
    420_000: pd.Timestamp("2016-07-09T16:46:13Z"),
    630_000: pd.Timestamp("2020-05-11T19:23:43Z"),
    840_000: pd.Timestamp("2024-04-20T00:09:27Z"),
}


@dataclass(frozen=True)
class ChainAnchor:
    """The latest known (height, time) and the mean block interval after it.

    Attributes
    ----------
    height : int
        A mined block height (re-anchor on the latest one you know).
    time_utc : pandas.Timestamp
        Its timestamp, tz-aware UTC.
    mean_block_interval_s : float
        Expected mean block interval after the anchor, τ̄ [s].
    """

    height: int = 840_000
    time_utc: pd.Timestamp = field(default_factory=lambda: KNOWN_BLOCK_TIMES[840_000])
    mean_block_interval_s: float = TARGET_BLOCK_INTERVAL_S

    def __post_init__(self) -> None:
        if int(self.height) != self.height or self.height < 0:
            raise FinanceInputError(
                f"anchor height = {self.height!r}: must be a whole height >= 0"
            )
        tau = float(self.mean_block_interval_s)
        if not (math.isfinite(tau) and tau > 0):
            raise FinanceInputError(
                f"mean_block_interval_s = {self.mean_block_interval_s!r}: "
                "must be a positive number of seconds"
            )
        stamp = pd.Timestamp(self.time_utc)
        if stamp.tz is None:
            raise FinanceInputError(
                f"anchor time {self.time_utc!r}: give a tz-aware time (UTC)"
            )
        object.__setattr__(self, "time_utc", stamp.tz_convert("UTC"))

    def describe(self) -> str:
        """One line stating the projection."""
        return (
            f"block heights after {self.height:,} "
            f"({_iso(self.time_utc)}) are projected at "
            f"a mean block interval of {self.mean_block_interval_s:.1f} s"
        )


def _iso(t: pd.Timestamp) -> str:
    """``2028-04-17T08:09:27Z``: UTC to the second."""
    return t.tz_convert("UTC").floor("s").strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- subsidy -----------------------------------------------------------------------
def subsidy_sat(height: int) -> int:
    """Block subsidy [sat] at ``height`` (consensus rule, integer arithmetic)."""
    if int(height) != height or height < 0:
        raise FinanceInputError(f"height = {height!r}: must be a whole height >= 0")
    shifts = int(height) // HALVING_INTERVAL_BLOCKS
    return 0 if shifts >= 64 else INITIAL_SUBSIDY_SAT >> shifts


def subsidy_sat_array(heights: np.ndarray) -> np.ndarray:
    """Vectorised :func:`subsidy_sat` on an integer array (int64 satoshis)."""
    h = np.asarray(heights, dtype=np.int64)
    if (h < 0).any():
        raise FinanceInputError("heights must be >= 0")
    shifts = h // HALVING_INTERVAL_BLOCKS
    out = np.right_shift(np.int64(INITIAL_SUBSIDY_SAT), np.minimum(shifts, 63))
    return np.where(shifts >= 64, 0, out).astype(np.int64)


def halving_height(n: int) -> int:
    """Height of the n-th halving (n = 1 → 210,000)."""
    if int(n) != n or n < 1:
        raise FinanceInputError(f"halving number {n!r}: must be a whole number >= 1")
    return int(n) * HALVING_INTERVAL_BLOCKS


# ---- block times -------------------------------------------------------------------
def mean_block_interval_s(difficulty_growth_frac_per_yr: float) -> float:
    """Mean block interval τ̄ [s] for a hashrate/difficulty growth g per year.

    ``τ̄ ≈ 600 / (1+g)^(14/365)``: within each two-week retarget window blocks come
    faster by that window's growth (finance.md §1.2; 35 %/yr → 593.1 s).
    """
    g = float(difficulty_growth_frac_per_yr)
    if not (math.isfinite(g) and g > -1.0):
        raise FinanceInputError(
            f"difficulty_growth_frac_per_yr = {difficulty_growth_frac_per_yr!r}: "
            "must be above -1 (-100 %/yr)"
        )
    return float(TARGET_BLOCK_INTERVAL_S / (1.0 + g) ** (14.0 / 365.0))


def _known_points(anchor: ChainAnchor) -> tuple[np.ndarray, np.ndarray]:
    """Heights and times [s since epoch] of recorded blocks up to the anchor."""
    points = {h: t for h, t in KNOWN_BLOCK_TIMES.items() if h < anchor.height}
    points[anchor.height] = anchor.time_utc
    heights = np.array(sorted(points), dtype=float)
    seconds = np.array([points[int(h)].timestamp() for h in heights])
    if len(seconds) > 1 and seconds[-1] <= seconds[-2]:
        raise FinanceInputError(
            f"anchor block {anchor.height:,} at {_iso(anchor.time_utc)} is not after "
            f"recorded block {int(heights[-2]):,} "
            f"({_iso(points[int(heights[-2])])})"
        )
    return heights, seconds


def block_time(height: int, anchor: ChainAnchor | None = None) -> pd.Timestamp:
    """Recorded or expected time (UTC) of a block height.

    Up to the anchor: interpolated between recorded blocks (exact at the halvings);
    after it: ``t_anchor + (H − H_anchor)·τ̄``.
    """
    a = anchor or ChainAnchor()
    if int(height) != height or height < 0:
        raise FinanceInputError(f"height = {height!r}: must be a whole height >= 0")
    heights, seconds = _known_points(a)
    if height <= a.height:
        t = float(np.interp(float(height), heights, seconds))
    else:
        t = seconds[-1] + (float(height) - a.height) * a.mean_block_interval_s
    return pd.Timestamp(t, unit="s", tz="UTC")


def block_height_at(
    times: pd.DatetimeIndex, anchor: ChainAnchor | None = None
) -> np.ndarray:
    """Expected chain height (fractional) at each time (inverse of block_time)."""
    a = anchor or ChainAnchor()
    heights, seconds = _known_points(a)
    t = _epoch_seconds(times)
    before = np.interp(t, seconds, heights)
    after = a.height + (t - seconds[-1]) / a.mean_block_interval_s
    return np.asarray(np.where(t <= seconds[-1], before, after), dtype=float)


def halving_times(
    start: pd.Timestamp, end: pd.Timestamp, anchor: ChainAnchor | None = None
) -> pd.DataFrame:
    """Halvings whose (expected) time falls in ``[start, end)``.

    Returns
    -------
    pandas.DataFrame
        Columns ``height``, ``time_utc``, ``subsidy_after_sat``, ``projected``
        (True when the height is after the anchor).
    """
    a = anchor or ChainAnchor()
    rows = []
    n = 1
    while n < 64:
        h = halving_height(n)
        t = block_time(h, a)
        if t >= end:
            break
        if t >= start:
            rows.append(
                {
                    "height": h,
                    "time_utc": t,
                    "subsidy_after_sat": subsidy_sat(h),
                    "projected": h > a.height,
                }
            )
        n += 1
    return pd.DataFrame(
        rows, columns=["height", "time_utc", "subsidy_after_sat", "projected"]
    )


def _epoch_seconds(times: pd.DatetimeIndex) -> np.ndarray:
    idx = pd.DatetimeIndex(times)
    if idx.tz is None:
        raise FinanceInputError("times must be tz-aware (UTC)")
    return np.asarray(idx.as_unit("ns").asi8, dtype=float) / 1e9


def _horizon_end(index: pd.DatetimeIndex) -> pd.Timestamp:
    """End of the last interval of an interval-start index."""
    if len(index) == 0:
        raise FinanceInputError("the time index is empty")
    freq = getattr(index, "freq", None)
    if freq is not None:
        step = pd.Timedelta(freq)
    elif len(index) > 1:
        step = index[-1] - index[-2]
    else:
        raise FinanceInputError("a one-interval index needs a freq (interval length)")
    return index[-1] + step


def _interval_ends(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    ends = index[1:].append(pd.DatetimeIndex([_horizon_end(index)]))
    return pd.DatetimeIndex(ends)


def subsidy_btc_per_block(
    index: pd.DatetimeIndex, anchor: ChainAnchor | None = None
) -> pd.Series:
    """Mean block subsidy [BTC/block] over each interval of a UTC interval-start index.

    The subsidy steps at each halving block's (expected) time; the interval holding
    that time gets the time-weighted mean of the two levels.
    """
    a = anchor or ChainAnchor()
    idx = pd.DatetimeIndex(index)
    key = (idx.asi8.tobytes(), str(idx.tz), getattr(idx, "freqstr", None), a)
    sat = _SUBSIDY_SAT.get(key)
    if sat is None:
        sat = _subsidy_sat(idx, a)
        _SUBSIDY_SAT[key] = sat
        while len(_SUBSIDY_SAT) > _SUBSIDY_KEPT:
            _SUBSIDY_SAT.popitem(last=False)
    else:
        _SUBSIDY_SAT.move_to_end(key)
    return pd.Series(sat / SAT_PER_BTC, index=index, name="subsidy_btc_per_block")


#: Subsidy paths kept (a sweep derives hashprice on one horizon case after case).
_SUBSIDY_KEPT = 8
_SUBSIDY_SAT: OrderedDict[tuple[object, ...], np.ndarray] = OrderedDict()


def _subsidy_sat(index: pd.DatetimeIndex, a: ChainAnchor) -> np.ndarray:
    """Mean subsidy [sat/block] per interval (see :func:`subsidy_btc_per_block`)."""
    starts = _epoch_seconds(index)
    ends = _epoch_seconds(_interval_ends(index))
    heights = np.floor(block_height_at(index, a)).astype(np.int64)
    sat = subsidy_sat_array(np.maximum(heights, 0)).astype(float)
    halvings = halving_times(index[0], _horizon_end(index), a)
    for h, t in zip(halvings["height"], halvings["time_utc"], strict=True):
        ts = t.timestamp()
        i = int(np.searchsorted(starts, ts, side="right")) - 1
        if i < 0 or ts >= ends[i]:
            continue
        before, after = float(subsidy_sat(h - 1)), float(subsidy_sat(h))
        w_after = (ends[i] - ts) / (ends[i] - starts[i])
        sat[i] = (1.0 - w_after) * before + w_after * after
    sat.flags.writeable = False  # shared between calls
    return sat


# ---- hashprice ---------------------------------------------------------------------
Value = float | np.ndarray | pd.Series


def on_index(value: Value, index: pd.DatetimeIndex, name: str) -> np.ndarray:
    """A constant, an array of len(index) or a time series, as one value per interval.

    A Series on another time index is taken as a step function: the value in force
    at each interval start (it must start at or before the first interval).
    """
    n = len(index)
    if isinstance(value, pd.Series):
        if isinstance(value.index, pd.DatetimeIndex):
            if not value.index.equals(index):
                if value.index.tz is None:
                    raise FinanceInputError(f"{name}: its time index must be tz-aware")
                if value.index[0] > index[0]:
                    raise FinanceInputError(
                        f"{name}: starts {value.index[0]}, after the first interval "
                        f"{index[0]}"
                    )
                value = value.sort_index().reindex(index, method="ffill")
        elif len(value) != n:
            raise FinanceInputError(
                f"{name}: a Series without a time index must have {n} values"
            )
        arr = value.to_numpy(dtype=float)
    else:
        arr = np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()
    bad = ~np.isfinite(arr)
    if bad.any():
        raise FinanceInputError(
            f"{name}: {arr[bad][0]} at {index[bad][0]}; expected a finite number"
        )
    return arr


def hashprice_btc_per_ths_day(
    reward_btc_per_block: np.ndarray | float, difficulty: np.ndarray | float
) -> np.ndarray:
    """Expected BTC per TH/s per day: ``R·86,400·10^12 / (D·2^32)``."""
    d = np.asarray(difficulty, dtype=float)
    if (d <= 0).any():
        raise FinanceInputError("difficulty must be positive")
    return np.asarray(
        np.asarray(reward_btc_per_block, dtype=float)
        * SECONDS_PER_DAY
        * 1e12
        / (d * HASHES_PER_DIFFICULTY),
        dtype=float,
    )


def difficulty_path(
    index: pd.DatetimeIndex,
    start_difficulty: float,
    growth_frac_per_yr: float | Mapping[int, float],
    start_time: pd.Timestamp | None = None,
) -> pd.Series:
    """Difficulty growing smoothly from ``start_difficulty`` at ``start_time``.

    ``D(t) = D_0 · exp(∫ ln(1 + g(s)) ds)`` with s in years of 365.25 days and g
    constant or given per calendar year (a mapping year → g, which must cover every
    year from ``start_time`` to the end of the index). With a constant g:
    ``D_0 (1+g)^Δt``. The 2016-block steps are smoothed out.
    """
    d0 = float(start_difficulty)
    if not (math.isfinite(d0) and d0 > 0):
        raise FinanceInputError(f"start_difficulty = {start_difficulty!r}: must be > 0")
    t0 = pd.Timestamp(start_time) if start_time is not None else index[0]
    t_s = _epoch_seconds(index)
    t0_s = t0.timestamp()
    year_s = DAYS_PER_YEAR * SECONDS_PER_DAY
    if not isinstance(growth_frac_per_yr, Mapping):
        g = _check_growth("difficulty_growth_frac_per_yr", growth_frac_per_yr)
        log_d = math.log(d0) + math.log1p(g) * (t_s - t0_s) / year_s
        return pd.Series(np.exp(log_d), index=index, name="difficulty")
    lo = min(t0, index[0]).year
    hi = max(t0, index[-1]).year
    missing = [y for y in range(lo, hi + 1) if y not in growth_frac_per_yr]
    if missing:
        raise FinanceInputError(
            f"difficulty_growth_frac_per_yr has no value for {missing[0]}; give every "
            f"year from {lo} to {hi}"
        )
    bounds = np.array(
        [pd.Timestamp(f"{y}-01-01", tz="UTC").timestamp() for y in range(lo, hi + 2)]
    )
    rates = np.array(
        [
            math.log1p(_check_growth(f"growth[{y}]", growth_frac_per_yr[y]))
            for y in range(lo, hi + 1)
        ]
    )
    # cumulative log growth at each 1 January, then linear inside the year
    cum = np.concatenate([[0.0], np.cumsum(rates * np.diff(bounds) / year_s)])

    def log_growth(t: np.ndarray) -> np.ndarray:
        k = np.clip(np.searchsorted(bounds, t, side="right") - 1, 0, len(rates) - 1)
        return np.asarray(cum[k] + rates[k] * (t - bounds[k]) / year_s)

    log_d = math.log(d0) + log_growth(t_s) - log_growth(np.array([t0_s]))[0]
    return pd.Series(np.exp(log_d), index=index, name="difficulty")


def _check_growth(name: str, g: float) -> float:
    v = float(g)
    if not (math.isfinite(v) and v > -1.0):
        raise FinanceInputError(f"{name} = {g!r}: must be above -1 (-100 %/yr)")
    return v


def hashprice_usd_per_ths_day(
    index: pd.DatetimeIndex,
    btc_price_usd: Value,
    difficulty: Value,
    fees_btc_per_block: Value = 0.0,
    *,
    anchor: ChainAnchor | None = None,
) -> pd.Series:
    """Hashprice per interval [USD per TH/s per day].

    ``HP = (S + F)·86,400·10^12 / (D·2^32)·P``, S from block heights (stepping at the
    halving block's expected time, see :func:`subsidy_btc_per_block`).

    Parameters
    ----------
    index : DatetimeIndex
        Interval starts, tz-aware UTC (with a freq, or at least two stamps).
    btc_price_usd : float, array or Series
        BTC price [USD/BTC].
    difficulty : float, array or Series
        Network difficulty [-] (see :func:`difficulty_path` for a growing one).
    fees_btc_per_block : float, array or Series
        Mean transaction fees per block [BTC/block].
    anchor : ChainAnchor, optional
        Known (height, time) and τ̄ for the projection.
    """
    price = on_index(btc_price_usd, index, "btc_price_usd")
    diff = on_index(difficulty, index, "difficulty")
    fees = on_index(fees_btc_per_block, index, "fees_btc_per_block")
    if (price < 0).any() or (fees < 0).any():
        raise FinanceInputError("btc_price_usd and fees_btc_per_block must be >= 0")
    subsidy = subsidy_btc_per_block(index, anchor).to_numpy()
    hp = hashprice_btc_per_ths_day(subsidy + fees, diff) * price
    return pd.Series(hp, index=index, name="hashprice_usd_per_ths_day")


def projection_assumptions(
    index: pd.DatetimeIndex, anchor: ChainAnchor | None = None
) -> list[str]:
    """Plain statements of what was projected for a horizon (empty if nothing)."""
    a = anchor or ChainAnchor()
    end = _horizon_end(index)
    if end <= a.time_utc:
        return []
    notes = [a.describe()]
    for h, t in zip(*_halving_columns(index[0], end, a), strict=True):
        notes.append(
            f"halving at block {h:,} expected {_iso(t)} "
            f"(subsidy {subsidy_sat(h - 1) / SAT_PER_BTC:g} -> "
            f"{subsidy_sat(h) / SAT_PER_BTC:g} BTC)"
        )
    return notes


def _halving_columns(
    start: pd.Timestamp, end: pd.Timestamp, a: ChainAnchor
) -> tuple[list[int], list[pd.Timestamp]]:
    table = halving_times(start, end, a)
    keep = table["projected"].to_numpy(dtype=bool)
    return [int(h) for h in table["height"][keep]], list(table["time_utc"][keep])


# ---- multi-year paths --------------------------------------------------------------
PerYear = float | Mapping[int, float]


def per_year(value: PerYear, index: pd.DatetimeIndex, name: str) -> np.ndarray:
    """A constant, or a mapping calendar year → value, as one value per interval.

    Raises
    ------
    FinanceInputError
        Naming the first year of the index the mapping does not cover.
    """
    if not isinstance(value, Mapping):
        return on_index(float(value), index, name)
    years = pd.DatetimeIndex(index).tz_convert("UTC").year
    missing = sorted(set(years) - set(value))
    if missing:
        raise FinanceInputError(
            f"{name} has no value for {missing[0]}; give every year from "
            f"{years.min()} to {years.max()} (or one constant)"
        )
    return on_index(np.array([float(value[y]) for y in years]), index, name)


@dataclass(frozen=True)
class HashpricePath:
    """A hashprice path and how it was made.

    Attributes
    ----------
    frame : pandas.DataFrame
        Per interval: ``btc_price_usd``, ``difficulty``, ``fees_btc_per_block``,
        ``subsidy_btc_per_block``, ``hashprice_btc_per_ths_day``,
        ``hashprice_usd_per_ths_day``.
    assumptions : tuple of str
        What was projected (block times, halvings, difficulty growth), to write out
        with the results.
    """

    frame: pd.DataFrame
    assumptions: tuple[str, ...]

    @property
    def hashprice_usd_per_ths_day(self) -> pd.Series:
        """Hashprice per interval [USD per TH/s per day]."""
        return self.frame["hashprice_usd_per_ths_day"]


def hashprice_path(
    index: pd.DatetimeIndex,
    *,
    btc_price_usd: PerYear,
    difficulty_start: float,
    difficulty_growth_frac_per_yr: PerYear,
    fees_btc_per_block: PerYear = 0.0,
    difficulty_start_time: pd.Timestamp | None = None,
    anchor: ChainAnchor | None = None,
) -> HashpricePath:
    """Hashprice over a (multi-year) horizon from per-year assumptions.

    Call it once for the whole analysis period, or once per modelled year with the
    same ``difficulty_start_time`` so the years chain up.

    Parameters
    ----------
    index : DatetimeIndex
        Interval starts, tz-aware UTC.
    btc_price_usd : float or mapping year → float
        BTC price [USD/BTC], constant or per calendar year.
    difficulty_start : float
        Difficulty at ``difficulty_start_time`` [-].
    difficulty_growth_frac_per_yr : float or mapping year → float
        Difficulty growth [1/yr], constant or per calendar year.
    fees_btc_per_block : float or mapping year → float
        Mean fees per block [BTC/block].
    difficulty_start_time : Timestamp, optional
        When the difficulty equals ``difficulty_start`` (default: ``index[0]``).
    anchor : ChainAnchor, optional
        Known (height, time) and τ̄; by default block 840,000 with τ̄ from the
        difficulty growth (its geometric mean over the years given, if per year).
    """
    t0 = difficulty_start_time if difficulty_start_time is not None else index[0]
    if anchor is None:
        if isinstance(difficulty_growth_frac_per_yr, Mapping):
            rates = [
                _check_growth(f"growth[{y}]", g)
                for y, g in difficulty_growth_frac_per_yr.items()
            ]
            g_mean = math.expm1(sum(math.log1p(g) for g in rates) / len(rates))
        else:
            g_mean = _check_growth(
                "difficulty_growth_frac_per_yr", difficulty_growth_frac_per_yr
            )
        anchor = ChainAnchor(mean_block_interval_s=mean_block_interval_s(g_mean))
        tau_note = (
            f"mean block interval {anchor.mean_block_interval_s:.1f} s from difficulty "
            f"growth {100 * g_mean:.1f} %/yr (600 / (1+g)^(14/365))"
        )
    else:
        tau_note = f"mean block interval {anchor.mean_block_interval_s:.1f} s (given)"
    price = per_year(btc_price_usd, index, "btc_price_usd")
    fees = per_year(fees_btc_per_block, index, "fees_btc_per_block")
    diff = difficulty_path(
        index, difficulty_start, difficulty_growth_frac_per_yr, start_time=t0
    ).to_numpy()
    subsidy = subsidy_btc_per_block(index, anchor).to_numpy()
    hp_btc = hashprice_btc_per_ths_day(subsidy + fees, diff)
    frame = pd.DataFrame(
        {
            "btc_price_usd": price,
            "difficulty": diff,
            "fees_btc_per_block": fees,
            "subsidy_btc_per_block": subsidy,
            "hashprice_btc_per_ths_day": hp_btc,
            "hashprice_usd_per_ths_day": hp_btc * price,
        },
        index=index,
    )
    growth = (
        f"{100 * float(difficulty_growth_frac_per_yr):g} %/yr"
        if not isinstance(difficulty_growth_frac_per_yr, Mapping)
        else "per year "
        + ", ".join(
            f"{y}: {100 * g:g} %"
            for y, g in sorted(difficulty_growth_frac_per_yr.items())
        )
    )
    notes = [
        f"difficulty {difficulty_start:.4g} at "
        f"{_iso(pd.Timestamp(t0))}, growing smoothly at "
        f"{growth} (retarget steps smoothed)",
        tau_note,
        *projection_assumptions(index, anchor),
    ]
    return HashpricePath(frame, tuple(notes))
