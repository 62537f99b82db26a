"""Explain an infeasible site by cause: which user-set limit must give, by how much.

The limits a user sets (the connection, import caps, energy quotas, emissions caps,
emergency ceilings, battery end states ...) are declared by the modules that build
them (:mod:`grid_flex.model.limits`). When HiGHS proves the LP infeasible, the same
LP is solved again with those limits, and only those, made elastic: HiGHS's
feasibility relaxation minimises ``Σ_rows w·slack`` (one unit of penalty per MW,
MWh or tCO2 beyond the limit), every other row and bound staying hard. The limits
that carry slack in that answer are the cause; each is reported in the scenario's
words with how far and how often it must give, e.g.::

    import cap 'summer_limit' (programs.summer_limit.caps) must rise by up to
    3.2 MW in 14 intervals (first 2020-07-01 15:00 CDT)

If relaxing every declared limit still leaves the LP infeasible, the cause lies
elsewhere (a user-added constraint, contradictory physics) and the caller falls back
to HiGHS's irreducible infeasible subsystem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import pandas as pd

from grid_flex.io.timeseries import parse_timezone
from grid_flex.model.handoff import CompiledLP
from grid_flex.model.limits import UserLimit
from grid_flex.model.linear import FloatArray, IntArray, LinearLayer

#: Relative tolerance above which a relaxed bound counts as violated.
VIOLATION_RTOL = 1e-6
#: Absolute tolerance [unit of the limit].
VIOLATION_ATOL = 1e-6


@dataclass(frozen=True)
class Cause:
    """One limit that must give for the site to have a schedule.

    Attributes
    ----------
    limit : UserLimit
        The declared limit.
    direction : str
        ``rise``, ``fall`` (or ``move`` for an equality).
    max_amount : float
        Largest change needed in one row [the limit's unit].
    total_amount : float
        Sum of the changes over its rows [the limit's unit].
    rows : int
        Rows (intervals, periods) where it must give.
    first_label : object
        Label of the first such row (a time stamp or ``horizon``).
    """

    limit: UserLimit
    direction: str
    max_amount: float
    total_amount: float
    rows: int
    first_label: Any

    def text(self) -> str:
        """The cause in the scenario's words."""
        lim = self.limit
        unit = lim.unit
        what = f"{lim.what} ({lim.field})"
        if self.rows == 1 and _is_horizon(self.first_label):
            return f"{what} must {self.direction} by {_num(self.max_amount)} {unit}"
        where = _where(self.first_label, lim.timezone)
        many = "intervals" if isinstance(self.first_label, pd.Timestamp) else "rows"
        if self.rows == 1:
            return (
                f"{what} must {self.direction} by {_num(self.max_amount)} {unit} "
                f"at {where}"
            )
        return (
            f"{what} must {self.direction} by up to {_num(self.max_amount)} {unit} "
            f"in {self.rows:,} {many} (first {where})"
        )


def relaxable_positions(
    lp: CompiledLP, layers: Sequence[LinearLayer]
) -> list[tuple[UserLimit, IntArray, IntArray, str]]:
    """Each declared limit with its LP rows or columns.

    Returns ``(limit, positions in the LP, positions in the limit's rows, kind)``
    with kind ``row`` or ``col``; limits whose rows were not passed to the LP
    (deactivated by a user) are left out.
    """
    out: list[tuple[UserLimit, IntArray, IntArray, str]] = []
    for layer in layers:
        off = lp.layer_offsets.get(id(layer))
        for lim in layer.limits:
            if lim.var is not None and off is not None:
                own = np.arange(lim.var.n, dtype=np.int64)
                out.append((lim, own + lim.var.offset + off, own, "col"))
            elif lim.family is not None:
                for owner in lp.row_owners:
                    if owner.family is lim.family and owner.positions is not None:
                        lp_rows = np.arange(owner.start, owner.stop, dtype=np.int64)
                        pos = np.asarray(owner.positions, dtype=np.int64)
                        out.append((lim, lp_rows, pos, "row"))
    return out


def explain_infeasible(
    h: highspy.Highs,
    lp: CompiledLP,
    layers: Sequence[LinearLayer],
    *,
    time_limit_s: float,
) -> list[Cause]:
    """The declared limits that must give, from a feasibility relaxation.

    ``h`` holds the infeasible LP (it is changed: call this last). Returns an empty
    list when no limit is declared, or relaxing them all does not restore
    feasibility, or HiGHS cannot finish within ``time_limit_s``.
    """
    found = relaxable_positions(lp, layers)
    if not found:
        return []
    nrow, ncol = lp.shape
    col_lo = np.full(ncol, -1.0)  # negative: this bound may not be violated
    col_hi = np.full(ncol, -1.0)
    row_pen = np.full(nrow, -1.0)
    for lim, where, _own, kind in found:
        if kind == "col":
            if lim.side in ("upper", "both"):
                col_hi[where] = 1.0
            if lim.side in ("lower", "both"):
                col_lo[where] = 1.0
        else:
            row_pen[where] = 1.0
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("output_flag", False)
    status = h.feasibilityRelaxation(-1.0, -1.0, -1.0, col_lo, col_hi, row_pen)
    if status == highspy.HighsStatus.kError:
        return []
    sol = h.getSolution()
    if not sol.value_valid:
        return []
    x = np.asarray(sol.col_value, dtype=float)
    act = np.asarray(sol.row_value, dtype=float)
    if not _hard_parts_hold(lp, x, act, col_lo, col_hi, row_pen):
        return []
    causes = []
    for lim, where, own, kind in found:
        if kind == "col":
            lo, hi, val = lp.col_lb[where], lp.col_ub[where], x[where]
        else:
            lo, hi, val = lp.row_lb[where], lp.row_ub[where], act[where]
        cause = _cause(lim, own, lo, hi, val)
        if cause is not None:
            causes.append(cause)
    causes.sort(key=lambda c: -c.total_amount)
    return causes


def _cause(
    lim: UserLimit, own: IntArray, lo: FloatArray, hi: FloatArray, val: FloatArray
) -> Cause | None:
    over = np.where(np.isfinite(hi), val - hi, 0.0)
    under = np.where(np.isfinite(lo), lo - val, 0.0)
    tol_hi = VIOLATION_ATOL + VIOLATION_RTOL * np.abs(np.where(np.isfinite(hi), hi, 0))
    tol_lo = VIOLATION_ATOL + VIOLATION_RTOL * np.abs(np.where(np.isfinite(lo), lo, 0))
    up = over > tol_hi
    down = under > tol_lo
    if not up.any() and not down.any():
        return None
    if up.any() and down.any():
        amount, hit, direction = np.maximum(over, under), up | down, "move"
    elif up.any():
        amount, hit, direction = over, up, "rise"
    else:
        amount, hit, direction = under, down, "fall"
    rows = np.flatnonzero(hit)
    first = int(own[rows[0]])
    labels = lim.labels
    label = labels[first] if first < len(labels) else first
    return Cause(
        limit=lim,
        direction=direction,
        max_amount=float(amount[rows].max()),
        total_amount=float(amount[rows].sum()),
        rows=len(rows),
        first_label=label,
    )


def _hard_parts_hold(
    lp: CompiledLP,
    x: FloatArray,
    act: FloatArray,
    col_lo: FloatArray,
    col_hi: FloatArray,
    row_pen: FloatArray,
) -> bool:
    """Every row and bound not declared relaxable holds in the relaxed answer."""
    tol = 1e-5
    scale_c = 1.0 + np.abs(np.where(np.isfinite(lp.col_ub), lp.col_ub, 0.0))
    bad_hi = (col_hi < 0) & (x - lp.col_ub > tol * scale_c)
    scale_l = 1.0 + np.abs(np.where(np.isfinite(lp.col_lb), lp.col_lb, 0.0))
    bad_lo = (col_lo < 0) & (lp.col_lb - x > tol * scale_l)
    hard = row_pen < 0
    scale_r = 1.0 + np.abs(np.where(np.isfinite(lp.row_ub), lp.row_ub, 0.0))
    scale_rl = 1.0 + np.abs(np.where(np.isfinite(lp.row_lb), lp.row_lb, 0.0))
    bad_r = hard & (
        (act - lp.row_ub > tol * scale_r) | (lp.row_lb - act > tol * scale_rl)
    )
    return not (bad_hi.any() or bad_lo.any() or bad_r.any())


def _is_horizon(label: Any) -> bool:
    return isinstance(label, str) and label == "horizon"


def _where(label: Any, timezone: str) -> str:
    if isinstance(label, pd.Timestamp):
        stamp = label if label.tzinfo is not None else label.tz_localize("UTC")
        if timezone != "UTC":
            zone = parse_timezone(timezone)
            return stamp.tz_convert(zone).strftime("%Y-%m-%d %H:%M %Z")
        return stamp.tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")
    return str(label)


def _num(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"
