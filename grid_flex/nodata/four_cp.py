"""A 4CP entry's data-free checks: its known intervals placed on the horizon.

The stamps are converted, spanned, dated in the entry's zone and checked against the
horizon here, on the standard library; :mod:`grid_flex.programs.four_cp` places the
intervals it returns on the horizon's index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from grid_flex.conventions import month_label
from grid_flex.errors import ScenarioError
from grid_flex.io.horizon import LocalTimeError, local_to_utc, utc_text
from grid_flex.schema.tariffs import FourCpEntry


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


def check(entry: Any, horizon: tuple[dt.datetime, dt.datetime]) -> bool:
    """The data-free check of listed intervals; False for the other forms.

    The bundled table and the probability forms need pandas (the table, the price
    window over the horizon's intervals).
    """
    if not isinstance(entry.intervals, list):
        return False
    field = f"programs.{entry.id}.intervals"
    known_intervals(
        entry,
        listed_stamps(entry, field),
        horizon,
        length_min=entry.interval_min,
        convention=entry.time_convention,
        historic=False,
        field=field,
    )
    return True
