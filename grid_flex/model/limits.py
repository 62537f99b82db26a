"""Limits a user sets, declared once by the module that builds them.

An infeasible site is explained by relaxing exactly these limits with priced slack
(:mod:`grid_flex.explain`): the connection, import caps, energy quotas, emissions
caps, emergency ceilings, battery end states ... Physics (power balance, state of
charge, curve segments) is never relaxed. A module declares a limit right after it
builds the rows (or variable bounds) that state it::

    family = ctx.rows("energy_quota", ...)
    ctx.declare_limit(family, field=f"programs.{pid}.quota_mwh",
                      what=f"energy quota {pid!r}", unit="MWh", side="upper")

``side`` says which bound the user set: ``upper`` (a most: it must *rise*),
``lower`` (a least: it must *fall*) or ``both`` (an equality: it must *move*).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Side = Literal["upper", "lower", "both"]


@dataclass(frozen=True, eq=False)
class UserLimit:
    """One user-set limit: its rows or variable bounds and its scenario words.

    Attributes
    ----------
    field : str
        Scenario path of the setting (``site.import_limit_mw``,
        ``programs.summer.caps``).
    what : str
        The limit in words (``import cap 'summer'``).
    unit : str
        Unit of the rows or bounds (``MW``, ``MWh``, ``tCO2``).
    side : {"upper", "lower", "both"}
        Which bound of the rows (or variables) the user set.
    family : ConstraintArray or None
        The rows stating the limit (``row ≤ limit``, ...).
    var : VarArray or None
        Or the variables whose bounds state it.
    labels : sequence
        Row labels for messages (time stamps of intervals or periods).
    timezone : str
        Zone the labels are shown in.
    """

    field: str
    what: str
    unit: str
    side: Side
    family: Any = None
    var: Any = None
    labels: Sequence[Any] = ()
    timezone: str = "UTC"
