"""The numpy-only sparse compression agrees with scipy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from grid_flex.model.sparse import PatternMemo, compress


@pytest.mark.parametrize("by", ["row", "col"])
def test_compress_matches_scipy_with_duplicates(by):
    rng = np.random.default_rng(5)
    rows = rng.integers(0, 7, 60)
    cols = rng.integers(0, 5, 60)
    vals = rng.normal(size=60)
    ours = compress(rows, cols, vals, (7, 5), by=by)
    ref = sp.coo_array((vals, (rows, cols)), shape=(7, 5))
    ref = ref.tocsr() if by == "row" else ref.tocsc()
    ref.sum_duplicates()
    ref.sort_indices()
    np.testing.assert_array_equal(ours.indptr, ref.indptr)
    np.testing.assert_array_equal(ours.indices, ref.indices)
    np.testing.assert_allclose(ours.data, ref.data)


def test_empty_rows_and_out_of_range():
    ours = compress(np.array([2]), np.array([1]), np.array([3.0]), (4, 2), by="row")
    np.testing.assert_array_equal(ours.indptr, [0, 0, 0, 1, 1])
    with pytest.raises(ValueError, match="outside"):
        compress(np.array([4]), np.array([0]), np.array([1.0]), (4, 2), by="row")


def _same(a, b):
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("by", ["row", "col"])
def test_pattern_memo_equals_compress_and_reuses_the_ordering(by, monkeypatch):
    import grid_flex.model.sparse as sparse

    rng = np.random.default_rng(7)
    pairs = rng.permutation(7 * 5)[:20]  # 20 distinct coordinates, shuffled
    rows, cols = pairs // 5, pairs % 5
    memo = PatternMemo()
    v0 = rng.normal(size=20)
    _same(
        memo.compress(rows, cols, v0, (7, 5), by=by),
        compress(rows, cols, v0, (7, 5), by=by),
    )
    calls = []
    original = sparse.compress
    monkeypatch.setattr(
        sparse, "compress", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    vals = rng.normal(size=20)
    vals[3] = -0.0
    # Same coordinates (equal arrays, other objects), new numbers: no new sort.
    hit = memo.compress(rows.copy(), cols.copy(), vals, (7, 5), by=by)
    assert calls == []
    ref = original(rows, cols, vals, (7, 5), by=by)
    _same(hit, ref)
    np.testing.assert_array_equal(np.signbit(hit.data), np.signbit(ref.data))
    # Other coordinates, another shape or duplicates: compressed afresh, still equal.
    for r, c, shape in [
        (np.roll(rows, 1), cols, (7, 5)),
        (rows, cols, (8, 5)),
        (np.r_[rows, rows[:2]], np.r_[cols, cols[:2]], (7, 5)),
    ]:
        v = rng.normal(size=len(r))
        calls.clear()
        _same(memo.compress(r, c, v, shape, by=by), original(r, c, v, shape, by=by))
        assert calls
    # After duplicates nothing is remembered: the next call compresses again.
    calls.clear()
    r, c = np.r_[rows, rows[:2]], np.r_[cols, cols[:2]]
    memo.compress(r, c, rng.normal(size=22), (7, 5), by=by)
    assert calls
