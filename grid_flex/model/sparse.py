"""Compressed sparse matrices from coordinate triplets, with numpy only.

Importing :mod:`scipy.sparse` costs about half a second at start-up (it pulls in
``scipy.stats``); the LP layer needs only this one conversion.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray


class Compressed(NamedTuple):
    """A CSR (by row) or CSC (by column) matrix: ``indptr``, ``indices``, ``data``.

    ``indices`` are 32-bit (as HiGHS takes them, so the hand-off passes them without
    a copy); ``indptr`` counts entries and is 64-bit.
    """

    indptr: NDArray[np.int64]
    indices: NDArray[np.int32]
    data: NDArray[np.float64]
    shape: tuple[int, int]


def compress(
    rows: NDArray[np.integer[Any]],
    cols: NDArray[np.integer[Any]],
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
    if n_minor > np.iinfo(np.int32).max + 1:
        raise OverflowError(f"{n_minor} rows or columns: 32-bit indices allow 2**31")
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
    indices = (unique % max(n_minor, 1)).astype(np.int32)
    indptr = np.zeros(n_major + 1, dtype=np.int64)
    np.cumsum(np.bincount(major_u, minlength=n_major), out=indptr[1:])
    return Compressed(indptr, indices, data, shape)


class PatternMemo:
    """:func:`compress` that re-uses the last ordering when the coordinates repeat.

    Re-solves build LPs whose numbers change and whose sparsity does not: the
    sort, the row and column indices and the pointers are those of the last call
    when ``rows``, ``cols``, ``shape`` and ``by`` equal the last call's; only
    ``vals`` is put in that order. The result equals :func:`compress`'s. Triplets
    with duplicate coordinates are compressed afresh every time.
    """

    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self._order: NDArray[np.int64] | None = None
        self._out: Compressed | None = None

    def compress(
        self,
        rows: NDArray[np.int64],
        cols: NDArray[np.int64],
        vals: NDArray[np.float64],
        shape: tuple[int, int],
        *,
        by: str,
    ) -> Compressed:
        """As :func:`compress`; the ordering re-used when the coordinates repeat."""
        last, order, out = self._key, self._order, self._out
        if (
            last is not None
            and order is not None
            and out is not None
            and last[2:] == (shape, by)
            and np.array_equal(last[0], rows)
            and np.array_equal(last[1], cols)
        ):
            # As compress sums each entry into 0.0: -0.0 becomes 0.0 alike.
            return out._replace(data=vals[order] + 0.0)
        out = compress(rows, cols, vals, shape, by=by)
        self._key, self._order, self._out = None, None, None
        if len(out.data) == len(vals) and len(vals) < 2**53:
            # No duplicates: compressing the positions gives each entry's source.
            where = compress(
                rows, cols, np.arange(len(vals), dtype=float), shape, by=by
            )
            self._key = (rows, cols, shape, by)
            self._order = where.data.astype(np.int64)
            self._out = out
        return out
