"""Sums of per-case exponentials: the frozen sampling input of a `reported` review.

A `reported` review draws each cell's Gamma(k + a) as a Gamma(a) plus the sum
of the first ``k`` of the cell's standard exponentials, ``k`` being the count
of the split drawn for that draw (docs/methods.md §5). This module holds the
one kernel that forms those sums for a whole block of draws; the Dirichlet
sampler (:mod:`auditor.model.sample`) and the ``pooled`` prior's move totals
(:mod:`auditor.model.pooling`) both use it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["prefix_sums_at", "exponential_buffer", "scratch"]


def scratch(work: dict | None, name: str, shape: tuple[int, ...], dtype=float, order: str = "C") -> np.ndarray:
    """An uninitialised array of ``shape``, lent by ``work`` when it holds one of that shape.

    ``work`` is a dict a caller keeps across the blocks of a run (None: a new
    array every time). The array is the caller's until its next block, so
    only buffers that are filled before they are read, and that nothing
    returned refers to, are taken from it.
    """
    if work is None:
        return np.empty(shape, dtype=dtype, order=order)
    buf = work.get(name)
    if buf is None or buf.shape != shape:
        buf = work[name] = np.empty(shape, dtype=dtype, order=order)
    return buf


def exponential_buffer(size: int, n_exps: int, work: dict | None = None) -> np.ndarray:
    """An unfilled ``size · n_exps`` buffer plus the spare 0.0 that :func:`prefix_sums_at` reads for k = 0."""
    flat = scratch(work, "exponentials", (size * n_exps + 1,))
    flat[-1] = 0.0
    return flat


#: An index past any block's exponentials: ``np.take(..., mode="clip")`` maps it to the spare zero.
_PAST_END = np.iinfo(np.intp).max // 4


def prefix_sums_at(flat: np.ndarray, size: int, widths: np.ndarray, counts: np.ndarray,
                   composition: np.ndarray, work: dict | None = None) -> np.ndarray:
    """Sum the first ``k`` of each cell's exponentials, in place; ``k`` from each draw's composition.

    Parameters
    ----------
    flat : ndarray, shape (size * Σ widths + 1,)
        Draw after draw, each cell's ``widths[c]`` exponentials side by side,
        then one spare element holding 0.0. Overwritten: each cell's columns
        become their running sums.
    size : int
    widths : ndarray of int, shape (n_cells,)
    counts : ndarray, shape (n_comp, n_cells)
        Each composition's count per cell (at most the cell's width).
    composition : ndarray of int, shape (size,)
        Each draw's composition.
    work : dict, optional
        Lends the index and result arrays (see :func:`scratch`).

    Returns
    -------
    ndarray, shape (size, n_cells)
        ``Σ_{i<k} e_i`` for each draw and cell, 0.0 where ``k = 0``.

    Notes
    -----
    Bit for bit what ``np.cumsum(e, axis=1)`` over each cell's columns
    followed by picking column ``k − 1`` gives (the engine's earlier code,
    ``tests/test_sample.py`` compares the two): the running sum adds one
    column at a time left to right, as ``cumsum`` does, but over whole
    columns of the block (a few vectorised adds) instead of a short
    accumulation per draw and cell, and the picks are one gather through a
    per-composition table of offsets.

    Examples
    --------
    Two cells of widths 2 and 1; the first draw takes k = (2, 0), the second (1, 1):

    >>> flat = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 0.0])
    >>> prefix_sums_at(flat, 2, np.array([2, 1]), np.array([[2, 0], [1, 1]]), np.array([0, 1]))
    array([[ 3.,  0.],
           [ 8., 32.]])
    """
    n_exps = int(widths.sum())
    exps = flat[:size * n_exps].reshape(size, n_exps)
    starts = np.cumsum(widths) - widths
    for start, width in zip(starts.tolist(), widths.tolist()):
        for col in range(start + 1, start + width):
            np.add(exps[:, col - 1], exps[:, col], out=exps[:, col])
    k = np.asarray(counts).astype(np.intp)
    table = np.where(k > 0, starts + k - 1, _PAST_END)
    index = np.take(table, composition, axis=0, out=scratch(work, "index", (size, widths.size), np.intp))
    index += (np.arange(size, dtype=np.intp) * n_exps)[:, None]
    return np.take(flat, index, mode="clip", out=scratch(work, "sums", (size, widths.size)))
