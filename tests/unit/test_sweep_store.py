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


def test_a_numpy_nan_is_missing_in_memory_and_on_disk_alike(tmp_path: Path) -> None:
    # A float32 NaN is not a Python float: it must still be stored as null (missing),
    # so a resumed sweep (reading the file) and a fresh one (the row in memory) agree.
    root = store.prepare_folder(tmp_path / "sw")
    row = {"key": "k", "status": "ok", "x": np.float32("nan"), "y": np.float32(1.5)}
    store.write_case(root, row)
    assert "NaN" not in (root / "cases" / "k.json").read_text(encoding="utf-8")
    fresh = store.read_cases(root, ["k"], {"k": row}).iloc[0].to_dict()
    resumed = store.read_cases(root, ["k"]).iloc[0].to_dict()
    assert fresh == resumed == {"key": "k", "status": "ok", "y": 1.5}


@pytest.mark.parametrize("text", ["", '{"key": "k", "sta', "\0\0\0\0", "[1, 2]"])
def test_a_case_file_cut_short_is_solved_again(tmp_path: Path, text: str) -> None:
    # What a power cut after the rename can leave (files are not synced): the case
    # is not done, its file is removed, and the summary does not fail on it.
    root = store.prepare_folder(tmp_path / "sw")
    store.write_case(root, {"key": "good", "status": "ok", "x": 1.0})
    (root / "cases" / "k.json").write_text(text, encoding="utf-8")
    (root / "cases" / "old.parquet").write_bytes(b"PAR1 cut")
    assert store.done_keys(root) == {"good"}
    assert not (root / "cases" / "k.json").exists()
    assert not (root / "cases" / "old.parquet").exists()
    assert list(store.read_cases(root, ["good", "k"])["key"]) == ["good"]
