"""Sweep case files: JSON rows read back exactly; older Parquet rows still read."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from grid_flex.studies import sweep_store as store


def test_a_case_row_reads_back_exactly(tmp_path: Path) -> None:
    root = store.prepare_folder(tmp_path / "out")
    row = {
        "key": "abc",
        "status": "ok",
        "error": None,
        "profit_usd": 0.1 + 0.2,  # not a short decimal: must come back bit for bit
        "tiny": 5e-324,
        "peak_import_mw": np.float64(61.25),
        "intervals": np.int64(8760),
        "cyclic": np.bool_(True),
        "flag": False,
        "irr_frac": float("nan"),  # no figure: a missing cell
        "payback_yr": float("inf"),
    }
    store.write_case(root, row)
    assert store.done_keys(root) == {"abc"}
    [back] = store.read_case(root, "abc")
    assert back["profit_usd"] == 0.1 + 0.2
    assert back["tiny"] == 5e-324
    assert back["peak_import_mw"] == 61.25
    assert back["intervals"] == 8760
    assert isinstance(back["intervals"], int)
    assert back["cyclic"] is True
    assert back["flag"] is False
    assert back["irr_frac"] is None
    assert back["error"] is None
    assert math.isinf(back["payback_yr"])
    assert not list((root / store.CASES_DIR).glob(".*"))  # no temporary file left
    frame = store.read_cases(root, ["abc", "missing"])
    assert frame["key"].tolist() == ["abc"]
    assert "irr_frac" not in frame.columns


def test_a_row_holding_an_object_is_refused(tmp_path: Path) -> None:
    root = store.prepare_folder(tmp_path / "out")
    with pytest.raises(TypeError, match="holds object"):
        store.write_case(root, {"key": "k", "bad": object()})
    assert store.done_keys(root) == set()


def test_parquet_case_files_of_earlier_versions_are_read(tmp_path: Path) -> None:
    root = store.prepare_folder(tmp_path / "out")
    old = {"key": "old", "status": "ok", "profit_usd": 12.5, "run_id": "r0"}
    pq.write_table(pa.Table.from_pylist([old]), root / "cases" / "old.parquet")
    store.write_case(root, {"key": "new", "status": "ok", "profit_usd": 1.0})
    assert store.done_keys(root) == {"old", "new"}
    frame = store.read_cases(root, ["old", "new"])
    assert frame.set_index("key")["profit_usd"].to_dict() == {"old": 12.5, "new": 1.0}
