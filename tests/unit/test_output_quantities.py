"""Every quantity an asset or program outputs has a meaning in the column dictionary.

A results folder refuses to be written with an undeclared column (a bug, exit 3), so
a quantity missing from :mod:`grid_flex.columns` breaks every folder of that kind
(probe5 M1: a hashrate forward's ``forward_ths``). This reads each
``Quantity("<name>", ...)`` in the package source, so a kind no bundled scenario uses
is covered too; names built from ids are checked on their last, fixed part.
"""

from __future__ import annotations

import re
from pathlib import Path

import grid_flex
from grid_flex.columns import quantity_meaning

QUANTITY = re.compile(r"""Quantity\(\s*f?["']([^"']+)["']""")
FIELD = re.compile(r"\{[^}]*\}")


def output_quantities() -> dict[str, str]:
    """Quantity name (last dotted part, without an id) -> the file that outputs it."""
    root = Path(grid_flex.__file__).parent
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        for match in QUANTITY.finditer(path.read_text(encoding="utf-8")):
            # f-string fields become the id "x": "job_{j.id}_gpu_h" -> "job_x_gpu_h"
            last = FIELD.sub("x", match.group(1)).rsplit(".", 1)[-1]
            # "{leg}_offer_mw": a field-made prefix; each value of it is checked below
            if not FIELD.sub("{}", match.group(1)).rsplit(".", 1)[-1].startswith("{"):
                found.setdefault(last, str(path.relative_to(root)))
    return found


def test_every_output_quantity_is_declared():
    found = output_quantities()
    assert {"forward_ths", "delivered_ths", "power_mw", "cap_mw"} <= set(found)
    undeclared = {q: f for q, f in found.items() if quantity_meaning(q) is None}
    assert undeclared == {}


def test_battery_reserve_legs_are_declared():
    # ancillary_services.py: f"{service}.{asset}.{leg}_offer_mw", leg in LEGS
    from grid_flex.programs.ancillary_services import LEGS

    for leg in {leg for _, leg in LEGS}:
        assert quantity_meaning(f"{leg}_offer_mw") is not None, leg


def test_the_limits_written_as_inf_are_declared_outputs():
    from grid_flex.columns import UNBOUNDED_QUANTITIES

    outputs = output_quantities()
    for name in UNBOUNDED_QUANTITIES:
        assert name in outputs, name
        assert "+inf" in (quantity_meaning(name) or ""), name
