"""Results files carry no solver round-off: 15, not 14.999999999999998; 0, not 2e-10."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from grid_flex.numfmt import WRITTEN_DIGITS, clean_float, without_noise
from grid_flex.resources import scenarios_dir

BUNDLED = sorted(p.stem for p in scenarios_dir().glob("*.yaml"))
NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+(?:e[-+]?\d+)?")


def significant_digits(token: str) -> int:
    mantissa = token.split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    return len(mantissa.rstrip("0")) if "." in token else len(mantissa)


def test_without_noise_rounds_to_the_column_scale():
    frame = pd.DataFrame(
        {
            "a_mw": [14.999999999999998, 2.3283064365386963e-10, 40.0],
            "b_usd": [0.1 + 0.2, -0.0, 1234.5678],
            "n": [1, 2, 3],
        }
    )
    clean = without_noise(frame)
    assert clean["a_mw"].tolist() == [15.0, 0.0, 40.0]
    assert clean["b_usd"].tolist() == [0.3, 0.0, 1234.5678]
    assert np.signbit(clean["b_usd"]).sum() == 0  # no -0
    assert clean["n"].tolist() == [1, 2, 3]
    assert frame["a_mw"].iloc[0] == 14.999999999999998  # the input is not touched


def test_clean_float():
    assert clean_float(14.999999999999998) == 15.0
    assert clean_float(-3e-12) == 0.0
    assert clean_float(0.5858682571959665) == 0.585868257196
    assert np.isnan(clean_float(float("nan")))


@pytest.mark.solver
@pytest.mark.parametrize("name", BUNDLED)
def test_written_numbers_carry_no_round_off(name, bundled_run):
    _, folder = bundled_run(name)
    text = (folder / "timeseries.csv").read_text()
    worst = max((significant_digits(t) for t in NUMBER.findall(text)), default=0)
    assert worst <= WRITTEN_DIGITS
    summary = json.loads((folder / "summary.json").read_text())

    def floats(node):
        if isinstance(node, dict):
            for v in node.values():
                yield from floats(v)
        elif isinstance(node, list):
            for v in node:
                yield from floats(v)
        elif isinstance(node, float):
            yield node

    for value in floats(summary["summary"]):
        assert significant_digits(repr(value)) <= WRITTEN_DIGITS, value
        assert value == 0.0 or abs(value) >= 1e-9, value
