"""Numbers for people: thousands separated, zeros and whole numbers as such, no 1e-10.

Used by the console summary and the HTML report alike.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

#: Magnitudes below this print as 0: solver round-off, not a quantity.
NOISE = 5e-7
#: Significant digits kept for numbers below 1000.
SIGNIFICANT = 5
#: Significant digits written to results files: float64 carries about 16 and the
#: solver's round-off sits in the last three or four (14.999999999999998).
WRITTEN_DIGITS = 12
#: Values below this share of their column's (or their own) scale are written as 0.
WRITTEN_ZERO = 1e-9


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


def clean_float(value: float) -> float:
    """``value`` to :data:`WRITTEN_DIGITS` significant digits; round-off near 0 is 0."""
    if not math.isfinite(value) or value == 0.0:
        return value
    if abs(value) < WRITTEN_ZERO:
        return 0.0
    return float(f"{value:.{WRITTEN_DIGITS}g}") + 0.0


def without_noise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose float columns carry no solver round-off.

    Each float column keeps :data:`WRITTEN_DIGITS` significant digits of its largest
    magnitude, and values below :data:`WRITTEN_ZERO` of that magnitude (or of 1 in the
    column's unit, whichever is larger) become 0, so
    ``14.999999999999998`` is written ``15`` and ``2.3e-10`` GPU-hours ``0``.
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype != np.float64:
            continue
        values = out[column].to_numpy(copy=True)
        finite = np.isfinite(values)
        scale = float(np.abs(values[finite]).max()) if finite.any() else 0.0
        if scale < WRITTEN_ZERO:
            out[column] = np.where(finite, 0.0, values)
            continue
        decimals = WRITTEN_DIGITS - 1 - math.floor(math.log10(scale))
        rounded = np.round(values, decimals)
        # Below WRITTEN_ZERO of the column's scale, or of 1 in the column's unit
        # (a nano-MW, a nano-dollar), a value is round-off.
        rounded[np.abs(rounded) < max(scale, 1.0) * WRITTEN_ZERO] = 0.0
        out[column] = rounded + 0.0
    return out
