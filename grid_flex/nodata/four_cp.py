"""A 4CP entry's data-free checks: its known intervals placed on the horizon.

The stamps are converted, spanned, dated in the entry's zone and checked against the
horizon here, on the standard library; :mod:`grid_flex.programs.four_cp` places the
intervals it returns on the horizon's index.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from grid_flex.conventions import month_label
from grid_flex.errors import ScenarioError
from grid_flex.io.horizon import LocalTimeError, local_to_utc, utc_text
from grid_flex.nodata.intervals import Intervals
from grid_flex.resources import data_dir
from grid_flex.schema.tariffs import FourCpEntry, PriceWeightedProbabilities

#: The bundled table of historic 4CP intervals (domain.md §2.2a).
HISTORIC_FILE = "ercot_4cp_intervals.csv"
#: Zone of the stamps in :data:`HISTORIC_FILE` (Central Prevailing Time).
HISTORIC_TIMEZONE = "America/Chicago"
#: Length of an ERCOT 4CP interval [min]; the stamps mark interval ends.
HISTORIC_INTERVAL_MIN = 15


@cache
def historic_stamps() -> tuple[dt.datetime, ...]:
    """Ends of the bundled historic 4CP intervals (2019-2021), UTC, in table order.

    The table's ``interval_end_local`` is the end of the 15-minute interval in
    Central Prevailing Time, as ERCOT publishes it.
    """
    with (data_dir() / HISTORIC_FILE).open(newline="", encoding="utf-8") as f:
        return tuple(
            local_to_utc(
                dt.datetime.fromisoformat(row["interval_end_local"]),
                HISTORIC_TIMEZONE,
            )
            for row in csv.DictReader(f)
        )


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


def _covered(entry: FourCpEntry, grid: Intervals) -> list[int]:
    """Month keys of the coincident-peak months the horizon's intervals start in."""
    covered: dict[int, None] = {}
    for local in grid.local_starts(entry.timezone):
        if local.month in entry.months:
            covered[local.year * 12 + local.month - 1] = None
    return list(covered)


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
    covered = _covered(entry, grid)
    check_covered(entry, covered)
    probs = entry.probabilities
    settings = (
        probs
        if isinstance(probs, PriceWeightedProbabilities)
        else PriceWeightedProbabilities()
    )
    lo, hi = settings.start_hour, settings.end_hour
    step_h = grid.step_h
    weighted: set[int] = set()
    for local in grid.local_starts(entry.timezone):
        if local.month not in entry.months or local.weekday() not in settings.weekdays:
            continue
        hour = local.hour + local.minute / 60.0
        if min(hour + step_h, hi) > max(hour, lo):
            weighted.add(local.year * 12 + local.month - 1)
    check_months(
        f"programs.{entry.id}.probabilities",
        covered,
        weighted,
        "the default window selects",
    )


def check_weighted(entry: FourCpEntry, grid: Intervals) -> None:
    """Listed probabilities: each candidate inside the horizon and its months.

    Raises
    ------
    ScenarioError
        The horizon covers no coincident-peak month; a candidate at a local time a
        daylight-saving change skips or repeats, outside the horizon, or weighted
        outside ``months``; a covered month without weight.
    """
    assert isinstance(entry.probabilities, list)
    covered = _covered(entry, grid)
    check_covered(entry, covered)
    field = f"programs.{entry.id}.probabilities"
    tz = entry.timezone
    weighted: set[int] = set()
    for i, cand in enumerate(entry.probabilities):
        where = f"{field}[{i}].time"
        stamp = stamp_utc(cand.time, tz, where)
        start, end = span(stamp, entry.interval_min, entry.time_convention)
        label = local_label(stamp, tz)
        if start < grid.start or end > grid.end:
            raise outside(where, f"the candidate interval {label}", grid.span)
        month = month_key(start, tz)
        if cand.weight > 0 and month % 12 + 1 not in entry.months:
            raise ScenarioError(
                where,
                [
                    f"{where}: {label} has weight {cand.weight:g} but lies in month "
                    f"{month % 12 + 1}, not one of the coincident-peak months "
                    f"{entry.months}"
                ],
            )
        if cand.weight > 0:  # the horizon intervals it overlaps carry weight
            first = (start - grid.start) // grid.step
            last = -((grid.start - end) // grid.step)  # ceiling
            weighted.update(month_key(grid.at(k), tz) for k in range(first, last))
    check_months(field, covered, weighted, "the listed probabilities put")


def check(entry: Any, grid: Intervals) -> bool:
    """The data-free check of a 4CP entry; False: it needs the index.

    Every form is checked here: listed intervals, the bundled table, listed
    probabilities, and the default form up to its price.
    """
    if entry.intervals is None:
        if isinstance(entry.probabilities, list):
            check_weighted(entry, grid)
        else:
            check_default(entry, grid)  # then the weighting reads the price
        return True
    field = f"programs.{entry.id}.intervals"
    if isinstance(entry.intervals, list):
        stamps = listed_stamps(entry, field)
        length, convention = entry.interval_min, entry.time_convention
    else:  # ercot_historic
        stamps = [(field, s) for s in historic_stamps()]
        length, convention = HISTORIC_INTERVAL_MIN, "end"
    known_intervals(
        entry,
        stamps,
        grid.span,
        length_min=length,
        convention=convention,
        historic=not isinstance(entry.intervals, list),
        field=field,
    )
    return True
