"""Compressed sparse matrices from coordinate triplets, with numpy only.

Importing :mod:`scipy.sparse` costs about half a second at start-up (it pulls in
``scipy.stats``); the LP layer needs only this one conversion.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray


class Compressed(NamedTuple):
    """A CSR (by row) or CSC (by column) matrix: ``indptr``, ``indices``, ``data``."""

    indptr: NDArray[np.int64]
    indices: NDArray[np.int64]
    data: NDArray[np.float64]
    shape: tuple[int, int]


def compress(
    rows: NDArray[np.int64],
    cols: NDArray[np.int64],
    vals: NDArray[np.float64],
    shape: tuple[int, int],
    *,
    by: str,
) -> Compressed:
    """Compress triplets by ``"row"`` (CSR) or ``"col"`` (CSC); duplicates are summed.

    Entries are ordered by the major axis, then the minor one; explicit zeros that
    result from summing are kept (HiGHS accepts them).
    """
    major, minor = (rows, cols) if by == "row" else (cols, rows)
    n_major, n_minor = shape if by == "row" else (shape[1], shape[0])
    if len(major) and (major.max() >= n_major or minor.max() >= n_minor):
        raise ValueError("a coordinate lies outside the matrix shape")
    key = major.astype(np.int64) * max(n_minor, 1) + minor
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    group = np.cumsum(first) - 1
    data = np.zeros(int(first.sum()))
    np.add.at(data, group, vals[order])
    unique = key[first]
    major_u = unique // max(n_minor, 1)
    indices = (unique % max(n_minor, 1)).astype(np.int64)
    indptr = np.zeros(n_major + 1, dtype=np.int64)
    np.cumsum(np.bincount(major_u, minlength=n_major), out=indptr[1:])
    return Compressed(indptr, indices, data, shape)
