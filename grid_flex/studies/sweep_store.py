"""The sweep's crash-safe result store: one file per case, written atomically.

Layout of a sweep folder::

    sweep.json              the spec, the grid-flex version, the data files' sha256 and
                            every case (key, axes)
    cases/<key>.json        one row per finished case: status, error, KPIs, run facts
    timeseries/<key>.parquet  the case's time series (when the spec asks)
    summary.csv / .parquet  one row per case, one column per axis and KPI
    failures.csv            cases that did not solve, with their error

A case file appears (renamed into place) only once its row is complete, so a sweep
killed at any moment leaves finished cases whole and nothing half-written; a rerun
skips every key with a file. Case files of earlier versions (``cases/<key>.parquet``,
one row each) are read as well.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grid_flex.errors import InputError
from grid_flex.io.atomic import write_atomic

CASES_DIR = "cases"
#: Case file formats, the one written first (JSON: a one-row Parquet file costs
#: ~3.4 ms of CPU to write, a JSON file ~0.35 ms; summary.parquet is the table).
CASE_SUFFIXES = (".json", ".parquet")
TIMESERIES_DIR = "timeseries"
MANIFEST = "sweep.json"
#: Columns of a case file that describe the run, not the case (left out of summary).
RUN_COLUMNS = (
    "run_id",
    "worker_pid",
    "solve_s",
    "highs_s",
    "highs_cpu_s",
    "resolve_mode",
)


class SweepFolderError(InputError):
    """The output folder holds something other than a sweep."""


def check_folder(out_dir: str | Path) -> Path:
    """Refuse an output folder that is not a sweep's (nothing is created)."""
    root = Path(out_dir)
    if root.exists():
        if not root.is_dir():
            raise SweepFolderError(f"{root}: exists and is not a folder")
        if any(root.iterdir()) and not (root / MANIFEST).is_file():
            raise SweepFolderError(
                f"{root}: the folder is not empty and holds no {MANIFEST}; "
                "choose a new folder (a sweep folder can be resumed)"
            )
    return root


def prepare_folder(out_dir: str | Path) -> Path:
    """Create the sweep folder, or accept an existing sweep folder to resume."""
    root = check_folder(out_dir)
    (root / CASES_DIR).mkdir(parents=True, exist_ok=True)
    for folder in (root / CASES_DIR, root / TIMESERIES_DIR):
        for tmp in folder.glob(".*.tmp"):  # a write cut short by a kill
            tmp.unlink(missing_ok=True)
    return root


def atomic_write(path: Path, write: Any) -> None:
    """``write(tmp_path)`` then rename into ``path`` (same folder, so atomic).

    The temporary file ends in ``.tmp`` (a resumed sweep removes those a kill left);
    the file gets the mode of any other output (see
    :func:`grid_flex.io.atomic.write_atomic`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, write, suffix=".tmp")


def write_manifest(root: Path, manifest: Mapping[str, Any]) -> None:
    """Write ``sweep.json`` atomically."""
    text = json.dumps(manifest, indent=1, sort_keys=False, default=str)
    atomic_write(root / MANIFEST, lambda p: p.write_text(text, encoding="utf-8"))


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The ``sweep.json`` an earlier run left (None: none, or not readable)."""
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def done_keys(root: Path) -> set[str]:
    """Keys of every case with a finished, readable file.

    A case file that does not parse (empty or cut short, as a power cut after the
    rename can leave it: files are not synced to disk) is removed, so its case is
    solved again instead of failing the sweep's summary.
    """
    done = set()
    for path in (root / CASES_DIR).iterdir():
        if path.suffix not in CASE_SUFFIXES or path.name.startswith("."):
            continue
        if _readable(path):
            done.add(path.stem)
        else:
            path.unlink(missing_ok=True)
    return done


def _readable(path: Path) -> bool:
    """Whether a case file holds a whole row (JSON object, or a Parquet footer)."""
    try:
        if path.suffix == ".json":
            return isinstance(json.loads(path.read_text(encoding="utf-8")), dict)
        import pyarrow.parquet as pq

        pq.read_metadata(path)
    except (OSError, ValueError):
        return False
    return True


def _cell(value: Any) -> Any:
    """A row's cell as stored: numpy scalars as Python ones, NaN as missing."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else value
    return value


def _native(value: Any) -> Any:
    """A numpy scalar as the Python scalar JSON writes (anything else is refused)."""
    item = getattr(value, "item", None)
    if item is None:
        raise TypeError(f"a sweep row holds {type(value).__name__}, not a scalar")
    return item()


def write_case(root: Path, row: Mapping[str, Any]) -> None:
    """Write one case's row to ``cases/<key>.json`` atomically.

    Floats are written as ``repr`` writes them (read back bit for bit); NaN as
    null, as a missing value; ±inf as ``Infinity``.
    """
    text = json.dumps({k: _cell(v) for k, v in row.items()}, default=_native)
    path = root / CASES_DIR / f"{row['key']}.json"
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def read_case(root: Path, key: str) -> list[dict[str, Any]]:
    """The stored row of ``key`` (a list of one; empty if the case has no file)."""
    import pyarrow.parquet as pq

    folder = root / CASES_DIR
    path = folder / f"{key}.json"
    if path.is_file():
        return [json.loads(path.read_text(encoding="utf-8"))]
    path = folder / f"{key}.parquet"
    if path.is_file():
        return list(pq.read_table(path).to_pylist())
    return []


def write_timeseries(root: Path, key: str, table: pd.DataFrame) -> None:
    """Write one case's time series to ``timeseries/<key>.parquet`` atomically."""
    path = root / TIMESERIES_DIR / f"{key}.parquet"
    atomic_write(path, lambda p: table.to_parquet(p))


def read_cases(
    root: Path,
    keys: Iterable[str],
    known: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """The rows of the given keys (missing ones left out), one row per key.

    ``known`` holds rows already in memory by key (those this run stored): they
    are taken as written, the others read from their files.
    """
    records = []
    for key in dict.fromkeys(keys):
        row = (known or {}).get(key)
        if row is not None:
            cells = {k: _cell(v) for k, v in row.items()}
            records.append({k: v for k, v in cells.items() if _present(v)})
            continue
        for rec in read_case(root, key):
            records.append({k: v for k, v in rec.items() if _present(v)})
    if not records:
        return pd.DataFrame({"key": pd.Series(dtype=str)})
    return pd.DataFrame.from_records(records)


def _present(value: Any) -> bool:
    """False for a missing cell (None or NaN): the column is left out of the row."""
    if isinstance(value, np.generic):
        value = value.item()
    return value is not None and not (isinstance(value, float) and math.isnan(value))
