"""Name the sized capacities that make a sizing unbounded, in the scenario's words."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from grid_flex.errors import UnboundedError
from grid_flex.model.capacity import Capacity
from grid_flex.solve import SolveOptions, solve_model

#: Bound put on unbounded capacities to find which one makes an LP unbounded [unit].
PROBE_BOUND = 1e7


def explain_unbounded(
    model: Any,
    capacities: Iterable[Capacity],
    options: SolveOptions,
    cause: Exception,
) -> Exception:
    """Name the sized capacities that make an LP unbounded, in the scenario's terms.

    Each capacity without a ``max`` gets a temporary bound of :data:`PROBE_BOUND`
    and the LP is solved again; those that reach it earn more than their
    annualised cost at any size. Returns the error to raise (``cause`` when no
    capacity is to blame).
    """
    open_ended = [
        c
        for c in capacities
        if c.var is not None and c.factor == 1.0 and math.isinf(c.spec.upper)
    ]
    if not open_ended:
        return cause
    pyvars = [c.var.component for c in open_ended if c.var is not None]
    for v in pyvars:
        v.setub(PROBE_BOUND)
    try:
        solution = solve_model(model, options)
        x = dict(zip(map(id, solution.lp.columns), solution.x, strict=True))
        culprits = [
            c
            for c, v in zip(open_ended, pyvars, strict=True)
            if x[id(v)] >= 0.5 * PROBE_BOUND
        ]
    except Exception:  # the probe is a courtesy; it must never mask the cause
        return cause
    finally:
        for v in pyvars:
            v.setub(None)
    if not culprits:
        return cause
    lines = [_unbounded_line(c) for c in culprits]
    return UnboundedError(
        "The sizing has no finite optimum:\n" + "\n".join(f"  - {x}" for x in lines)
    )


def _unbounded_line(cap: Capacity) -> str:
    owner, name = cap.key.rsplit(".", 1)
    unit = cap.spec.unit
    if cap.key == "site.non_firm_mw":
        return (
            "site.non_firm: the non-firm connection is worth more than its "
            f"annualised cost at any size; give site.non_firm.max_{unit}"
        )
    if owner == "site":
        return (
            f"site.size: the connection is worth more than its annualised cost at "
            f"any size; give site.size.max_{unit}"
        )
    return (
        f"assets.{owner}.size: {owner} ({name}) earns more than its annualised cost "
        f"at any size; give size.max_{unit}"
    )
