"""The numpy-only sparse compression agrees with scipy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from grid_flex.model.sparse import compress


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
