"""One time-stamp format in every file a command writes (ISO 8601, seconds).

UTC instants are ``2020-01-01T06:00:00Z``; local wall times carry their offset,
``2020-01-01T00:00:00-06:00``. Every text cell of every table and every string of
``summary.json`` that starts like a date and time must be one of the two: the time
series, a study's block time series, rolling windows, a sweep's summary and case
store, a portfolio's periods.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import COMMAND_FOLDERS

pytestmark = pytest.mark.solver

UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
LOCAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")
#: The user's own input, echoed as written (a sweep file's naive scenario times).
ECHOED_INPUT = ("sweep.json.spec.",)
LOOKS_LIKE_A_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


def stamps_in_json(value: object, where: str = "") -> list[tuple[str, str]]:
    """(path, text) of every string in a JSON value that starts like a time."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in stamps_in_json(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [
            p for i, v in enumerate(value) for p in stamps_in_json(v, f"{where}[{i}]")
        ]
    if isinstance(value, str) and LOOKS_LIKE_A_TIME.match(value):
        return [(where, value)]
    return []


def stamps_in_tables(folder: Path) -> list[tuple[str, str]]:
    """(file:column, text) of every table cell that starts like a time."""
    out = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        elif path.suffix == ".parquet":
            frame = pd.read_parquet(path).reset_index()
        else:
            continue
        for column in frame.columns:
            values = frame[column]
            if pd.api.types.is_datetime64_any_dtype(values):
                continue  # a Parquet time stamp, typed: no text format to check
            hits = {
                v for v in values if isinstance(v, str) and LOOKS_LIKE_A_TIME.match(v)
            }
            out += [(f"{path.name}:{column}", v) for v in sorted(hits)[:50]]
    return out


def check_folder(folder: Path) -> int:
    found = stamps_in_tables(folder)
    for path in folder.rglob("*.json"):
        found += stamps_in_json(json.loads(path.read_text(encoding="utf-8")), path.name)
    for path in folder.rglob("*.jsonl"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            found += stamps_in_json(json.loads(line), f"{path.name}:{n + 1}")
    bad = [
        (where, text)
        for where, text in found
        if not (UTC.fullmatch(text) or LOCAL.fullmatch(text))
        and not where.startswith(ECHOED_INPUT)
    ]
    assert bad == [], bad[:10]
    return len(found)


@pytest.mark.parametrize(
    ("kind", "name"), COMMAND_FOLDERS, ids=[f"{k}-{n}" for k, n in COMMAND_FOLDERS]
)
def test_one_time_stamp_format_in_every_command_folder(kind, name, command_folder):
    assert check_folder(command_folder(kind, name)) > 0


@pytest.mark.parametrize("name", ["west_texas_2020", "ercot_summer_2019_4cp"])
def test_one_time_stamp_format_in_results_folders(name, bundled_run):
    _, folder = bundled_run(name)
    assert check_folder(folder) > 0
    ts = pd.read_csv(folder / "timeseries.csv", nrows=1)
    assert UTC.fullmatch(ts["interval_start_utc"][0])
    assert LOCAL.fullmatch(ts["interval_start_local"][0])
