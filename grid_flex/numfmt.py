"""Numbers for people: thousands separated, zeros and whole numbers as such, no 1e-10.

Used by the console summary and the HTML report alike.
"""

from __future__ import annotations

import math
from typing import Any

#: Magnitudes below this print as 0: solver round-off, not a quantity.
NOISE = 5e-7
#: Significant digits kept for numbers below 1000.
SIGNIFICANT = 5


def format_number(value: Any) -> str:
    """A number as text: ``1,234,567``, ``0``, ``24``, ``12.5``, ``0.012345``.

    Whole numbers print without decimals, larger numbers to the unit, smaller ones to
    five significant digits (never in scientific notation); magnitudes below
    :data:`NOISE` print as ``0``; NaN, infinity and ``None`` print as ``n/a``.
    Booleans and text are returned as text.
    """
    if value is None:
        return "n/a"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    x = float(value)
    if not math.isfinite(x):
        return "n/a"
    if abs(x) < NOISE:
        return "0"
    if abs(x) >= 1000 or abs(x - round(x)) < NOISE * max(1.0, abs(x)):
        return f"{round(x):,}"
    decimals = max(0, SIGNIFICANT - 1 - math.floor(math.log10(abs(x))))
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
