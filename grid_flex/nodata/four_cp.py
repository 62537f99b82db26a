"""A 4CP entry's data-free checks: its known intervals placed on the horizon.

The stamps are converted, spanned, dated in the entry's zone and checked against the
horizon here, on the standard library; :mod:`grid_flex.programs.four_cp` places the
intervals it returns on the horizon's index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from grid_flex.conventions import month_label
from grid_flex.errors import ScenarioError
from grid_flex.io.horizon import LocalTimeError, local_to_utc, utc_text
from grid_flex.nodata.intervals import Intervals
from grid_flex.schema.tariffs import FourCpEntry, PriceWeightedProbabilities


@dataclass(frozen=True)
class KnownInterval:
    """One known coincident-peak interval, checked: inside the horizon, in its months.

    ``start`` and ``end`` are UTC; ``month_key`` is ``year · 12 + month − 1`` of the
    start in the entry's zone; ``label`` the stamp there (``2019-06-19 17:00 CDT``).
    """

    start: dt.datetime
    end: dt.datetime
    month_key: int
    label: str


def stamp_utc(stamp: dt.datetime, timezone: str, field: str) -> dt.datetime:
    """A stamp as UTC: naive ones are local to ``timezone``.

    Raises
    ------
    ScenarioError
        A naive stamp skipped or repeated by a daylight-saving change.
    """
    try:
        return local_to_utc(stamp, timezone)
    except LocalTimeError as exc:
        raise ScenarioError(
            field,
            [
                f"{field}: {stamp} does not exist or occurs twice in {timezone} "
                "(daylight saving); give it with its UTC offset"
            ],
        ) from exc


def span(
    stamp: dt.datetime, length_min: int, convention: str
) -> tuple[dt.datetime, dt.datetime]:
    """The interval ``[start, end)`` a stamp marks (its end or its start)."""
    length = dt.timedelta(minutes=length_min)
    if convention == "end":
        return stamp - length, stamp
    return stamp, stamp + length


def local_label(stamp: dt.datetime, timezone: str) -> str:
    """``stamp`` in ``timezone`` for a message, with the zone's abbreviation."""
    return stamp.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def month_key(stamp: dt.datetime, timezone: str) -> int:
    """``year · 12 + month − 1`` of ``stamp`` in ``timezone``."""
    local = stamp.astimezone(ZoneInfo(timezone))
    return local.year * 12 + local.month - 1


def outside(
    field: str, what: str, horizon: tuple[dt.datetime, dt.datetime]
) -> ScenarioError:
    """``what`` (at ``field``) does not lie inside the horizon ``[start, end)``."""
    return ScenarioError(
        field,
        [
            f"{field}: {what} lies outside the horizon "
            f"({utc_text(horizon[0])} to {utc_text(horizon[1])})"
        ],
    )


def listed_stamps(entry: FourCpEntry, field: str) -> list[tuple[str, dt.datetime]]:
    """``(field, UTC stamp)`` of each interval the entry lists."""
    assert isinstance(entry.intervals, list)
    return [
        (f"{field}[{i}]", stamp_utc(s, entry.timezone, f"{field}[{i}]"))
        for i, s in enumerate(entry.intervals)
    ]


def known_intervals(
    entry: FourCpEntry,
    stamps: Sequence[tuple[str, dt.datetime]],
    horizon: tuple[dt.datetime, dt.datetime],
    *,
    length_min: int,
    convention: str,
    historic: bool,
    field: str,
) -> list[KnownInterval]:
    """The known intervals, checked, in order.

    ``historic``: stamps of the bundled table, of which those outside the horizon or
    its months are left out; otherwise such a stamp is an error.

    Raises
    ------
    ScenarioError
        A stamp outside the horizon or the 4CP months, two in one month, or (from the
        bundled table) none inside the horizon.
    """
    months = entry.months
    out: list[KnownInterval] = []
    seen: dict[int, str] = {}
    for where, stamp in stamps:
        start, end = span(stamp, length_min, convention)
        inside = horizon[0] <= start and end <= horizon[1]
        key = month_key(start, entry.timezone)
        label = local_label(stamp, entry.timezone)
        if not inside or key % 12 + 1 not in months:
            if historic:
                continue  # the table spans several years: keep those that apply
            if not inside:
                raise outside(where, f"the 4CP interval {label}", horizon)
            raise ScenarioError(
                where,
                [
                    f"{where}: the 4CP interval {label} is in month {key % 12 + 1}, "
                    f"not one of the coincident-peak months {months}"
                ],
            )
        if key in seen:
            raise ScenarioError(
                where,
                [
                    f"{where}: a second 4CP interval in {month_label(key)} (the "
                    f"first is {seen[key]}); there is one coincident peak a month"
                ],
            )
        seen[key] = label
        out.append(KnownInterval(start, end, key, label))
    if not out:
        raise outside(field, "every bundled historic 4CP interval (2019-2021)", horizon)
    return out


def check_covered(entry: FourCpEntry, covered: Sequence[int]) -> None:
    """The horizon must cover some coincident-peak month for probabilities.

    ``covered``: the month keys (:func:`month_key`) of the ``months`` the horizon's
    intervals start in, in the entry's zone.

    Raises
    ------
    ScenarioError
        ``covered`` is empty.
    """
    if not covered:
        field = f"programs.{entry.id}.months"
        raise ScenarioError(
            field,
            [
                f"{field}: the horizon covers none of the coincident-peak months "
                f"{entry.months} (in {entry.timezone}), so no probability can be placed"
            ],
        )


def check_months(
    field: str, covered: Iterable[int], weighted: Container[int], who: str
) -> None:
    """Every coincident-peak month the horizon covers must carry some weight.

    ``covered`` in order; ``weighted``: the month keys with a positive weight.

    Raises
    ------
    ScenarioError
        Naming every covered month without weight.
    """
    empty = [k for k in covered if k not in weighted]
    if empty:
        names = ", ".join(month_label(k) for k in empty)
        raise ScenarioError(
            field,
            [
                f"{field}: {who} no probability weight in {names}, a coincident-"
                "peak month the horizon covers; give weight there or leave the "
                "month out of months"
            ],
        )


def check_default(entry: FourCpEntry, grid: Intervals) -> None:
    """The default (price-weighted) form up to the price: months covered and weighted.

    A month is weighted when some interval on its ``weekdays`` overlaps the daily
    window (local start in the entry's zone, as
    :func:`grid_flex.programs.four_cp_defaults.window_overlap_h` decides it).

    Raises
    ------
    ScenarioError
        From :func:`check_covered` and :func:`check_months`.
    """
    probs = entry.probabilities
    settings = (
        probs
        if isinstance(probs, PriceWeightedProbabilities)
        else PriceWeightedProbabilities()
    )
    lo, hi = settings.start_hour, settings.end_hour
    step_h = grid.step_h
    covered: dict[int, None] = {}
    weighted: set[int] = set()
    for local in grid.local_starts(entry.timezone):
        if local.month not in entry.months:
            continue
        key = local.year * 12 + local.month - 1
        covered[key] = None
        hour = local.hour + local.minute / 60.0
        if local.weekday() in settings.weekdays and min(hour + step_h, hi) > max(
            hour, lo
        ):
            weighted.add(key)
    check_covered(entry, list(covered))
    check_months(
        f"programs.{entry.id}.probabilities",
        covered,
        weighted,
        "the default window selects",
    )


def check(entry: Any, grid: Intervals) -> bool:
    """The data-free check of a 4CP entry; False: it needs the index.

    Listed intervals, and the default form up to its price, are checked here; the
    bundled table and listed probabilities are checked on the pandas index.
    """
    if entry.intervals is None:
        if entry.probabilities == "default" or isinstance(
            entry.probabilities, PriceWeightedProbabilities
        ):
            check_default(entry, grid)
            return True  # then the weighting reads the price
        return False
    if not isinstance(entry.intervals, list):
        return False
    field = f"programs.{entry.id}.intervals"
    known_intervals(
        entry,
        listed_stamps(entry, field),
        grid.span,
        length_min=entry.interval_min,
        convention=entry.time_convention,
        historic=False,
        field=field,
    )
    return True
