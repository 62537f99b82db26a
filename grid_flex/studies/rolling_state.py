"""The state protocol of rolling operation, and the record of one rolling pass.

:class:`RollingRun` is what a pass produced, read by settlement and the reports.

An asset or program module may expose, next to ``resolve`` and ``build``:

``final_state(params, previous, values) -> State | None``
    The module's state after a window's committed intervals, from the state the
    window started with (``previous``, None in the first window) and ``values``: the
    module's reported quantities (its ``outputs``, plus ``net_load_mw``; for programs
    also the site's quantities such as ``grid_import_mw``) over the committed
    intervals only, and ``timestep_h``. ``State`` is a frozen dataclass of JSON-able
    fields.
``resume(params, state, *, window_h, left_h) -> params``
    The window's parameters (resolved on the window's own horizon) started from
    ``state`` (a :func:`dataclasses.replace`; ``state`` is None in the first
    window); ``window_h`` is the window's length and ``left_h`` the hours from its
    start to the horizon's end (budgets over the horizon are paced with them).
``open_end(params) -> params``
    Drop forced end states for a window that ends before the horizon does.
``end_value(params, terms, price_usd_per_mwh) -> LinExpr``
    Value of what the module holds at a window's end [USD], one row, added to the
    window's objective instead of a forced end state.
``rolling_problems(params) -> list[str]``
    Why the module cannot run in windows (each message names the field).
``window_params(params, start, stop, timestep_h) -> params``
    The parameters resolved once on the whole horizon, cut to a window (for
    parameters a window cannot work out on its own: whole months, whole events).
``SETTLED_VARIABLES: tuple[str, ...]``
    Variable families (local names) the settlement works out at actual values
    instead of fixing them at the windows' values (accounts, not decisions).

The runner (:mod:`grid_flex.studies.rolling`) calls these by name and knows no kind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from grid_flex.assets import REGISTRY as ASSETS
from grid_flex.model.linear import FloatArray
from grid_flex.programs import REGISTRY as PROGRAMS

#: Module id → state (a frozen dataclass) after the committed part of a window.
States = dict[str, Any]


def module(kind: str, *, program: bool) -> Any:
    """The asset or program module of ``kind``."""
    return (PROGRAMS if program else ASSETS)[kind]


def hook(kind: str, name: str, *, program: bool) -> Any:
    """A protocol function of a module, or None when it does not provide it."""
    return getattr(module(kind, program=program), name, None)


def as_json(states: Mapping[str, Any]) -> dict[str, Any]:
    """States as JSON-able dicts (``{"type": class name, **fields}``)."""
    return {
        key: {"type": type(s).__name__, **dataclasses.asdict(s)}
        for key, s in states.items()
    }


def state_classes() -> dict[str, type]:
    """Every module's state class by name (the ``type`` written by :func:`as_json`)."""
    out: dict[str, type] = {}
    for registry in (ASSETS, PROGRAMS):
        for mod in registry.values():
            for value in vars(mod).values():
                if (
                    isinstance(value, type)
                    and dataclasses.is_dataclass(value)
                    and value.__name__.endswith("State")
                    and value.__module__ == getattr(mod, "__name__", None)
                ):
                    out[value.__name__] = value
    return out


def from_json(data: Mapping[str, Any]) -> States:
    """States back from :func:`as_json` (lists read back as tuples).

    Raises
    ------
    ValueError
        For a state type no module defines (naming the module id and the type).
    """
    classes = state_classes()
    states: States = {}
    for key, entry in data.items():
        fields = dict(entry)
        kind = fields.pop("type", None)
        cls = classes.get(str(kind))
        if cls is None:
            raise ValueError(
                f"state of {key!r}: unknown type {kind!r} "
                f"(known: {', '.join(sorted(classes))})"
            )
        states[key] = cls(
            **{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
        )
    return states


def rolling_problems(
    entries: tuple[tuple[str, Any], ...], *, program: bool
) -> list[str]:
    """Every reason the resolved entries cannot run in rolling windows."""
    problems: list[str] = []
    for kind, params in entries:
        check = hook(kind, "rolling_problems", program=program)
        if check is not None:
            problems += check(params)
    return problems


def prepare(
    entries: tuple[tuple[str, Any], ...],
    states: Mapping[str, Any],
    *,
    program: bool,
    last: bool,
    window_h: float,
    left_h: float,
) -> tuple[tuple[str, Any], ...]:
    """Window parameters: resumed from ``states`` and open-ended unless ``last``."""
    out = []
    for kind, params in entries:
        resume = hook(kind, "resume", program=program)
        if resume is not None:
            state = states.get(params.id)
            params = resume(params, state, window_h=window_h, left_h=left_h)
        if not last:
            opener = hook(kind, "open_end", program=program)
            if opener is not None:
                params = opener(params)
        out.append((kind, params))
    return tuple(out)


@dataclass
class RollingRun:
    """What one rolling pass produced before settlement.

    ``committed`` maps a variable family's name to ``(window start, values)`` pieces,
    values shaped ``(rows per interval, committed intervals)``; ``log`` has one row
    per window (times, solve seconds, state in and out as JSON).
    """

    committed: dict[str, list[tuple[int, FloatArray]]] = field(default_factory=dict)
    positional: dict[str, list[tuple[int, list[int], FloatArray]]] = field(
        default_factory=dict
    )
    log: list[dict[str, Any]] = field(default_factory=list)
    forecast_methods: dict[str, Any] = field(default_factory=dict)
    #: One record per window: its times and every state piece carried in and out
    #: (JSON-able; written as ``rolling_states.jsonl``, read by :func:`read_states`).
    states: list[dict[str, Any]] = field(default_factory=list)
