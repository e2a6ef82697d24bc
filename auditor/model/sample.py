"""Resampling the case review: the design arrays and the draws of each move's share.

The review's counts ``k[s→t]`` (parsed by :mod:`auditor.inputs.sample`) are
arranged into a :class:`Design`; each current setting ``s`` is one *row*.

Two resampling methods are offered:

``bayes`` (default)
    Each row's shares are drawn from the Dirichlet posterior
    ``Dirichlet(k[s→·] + α)`` with Jeffreys' ``α = ½``. The cells of a row are
    the destinations the review actually observed for that row, plus "stay".
    Unobserved destinations are structural zeros: the published method can
    only scale up moves the panel made, so auditor does not invent moves it
    never saw; adding "stay" to every row means even a row in which every
    case moved (5 of 5) keeps some probability that a child is already well
    placed. With two cells the marginal share is exactly the Jeffreys
    ``Beta(k + ½, n − k + ½)`` posterior.
``bootstrap``
    A stratified (within-row) nonparametric bootstrap: each row's counts are
    redrawn ``Multinomial(n_s, k/n_s)``. It is offered for comparison; with
    rows of 3–10 cases it gives zero-width intervals for 0/n and n/n rows,
    which is why it is not the default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..inputs.sample import JEFFREYS, CaseSample, enumerate_compositions

__all__ = ["Design", "build_design", "draw_shares", "draw_compositions"]


@dataclass(frozen=True)
class Design:
    """The review as arrays: rows, cells and which cells are moves.

    Only rows with at least one judged move are kept: a row whose cases all
    stayed contributes nothing to the savings under any draw.
    """

    settings: tuple[str, ...]
    moves: tuple[tuple[int, int], ...]        # (from index, to index) per move cell
    row_of_move: np.ndarray                   # which kept row each move belongs to
    alpha: np.ndarray                         # concatenated Dirichlet parameters, stay first per row
    row_starts: np.ndarray                    # start of each kept row in ``alpha``
    move_cols: np.ndarray                     # column of each move in ``alpha``
    row_n: np.ndarray                         # cases per kept row
    row_counts: tuple[np.ndarray, ...]        # observed counts per kept row (stay first)
    observed_shares: np.ndarray               # k[s→t] / n_s per move
    # ``reported`` form only: every composition consistent with the reports, as
    # counts per cell (one row per composition, columns as ``alpha``), and the
    # sub-group size of each reported current setting.
    compositions: np.ndarray | None = None
    composition_sizes: np.ndarray | None = None
    composition_settings: tuple[str, ...] = ()
    prior: float = JEFFREYS

    @property
    def n_cells(self) -> int:
        return int(self.alpha.size)


def build_design(settings: tuple[str, ...], sample: CaseSample) -> Design:
    """Arrange the counts into rows and cells (see the module notes).

    Examples
    --------
    >>> s = CaseSample("transitions", "bayes", 0.5, (("a", "a", 3), ("a", "b", 6)))
    >>> d = build_design(("a", "b"), s)
    >>> d.moves, d.alpha.tolist(), d.observed_shares.round(3).tolist()
    (((0, 1),), [3.5, 6.5], [0.667])
    """
    if sample.form == "reported":
        return _reported_design(settings, sample)
    index = {k: i for i, k in enumerate(settings)}
    table: dict[int, dict[int, int]] = {}
    for cur, ideal, count in sample.counts:
        row = table.setdefault(index[cur], {})
        row[index[ideal]] = row.get(index[ideal], 0) + count
    moves, row_of_move, alpha, starts, move_cols, row_n, row_counts, shares = [], [], [], [], [], [], [], []
    for r_idx in sorted(table):
        row = table[r_idx]
        n = sum(row.values())
        dests = [t for t in sorted(row) if t != r_idx and row[t] > 0]
        if not dests or n == 0:
            continue
        kept = len(starts)
        starts.append(len(alpha))
        counts = [row.get(r_idx, 0)] + [row[t] for t in dests]
        row_counts.append(np.array(counts, dtype=np.int64))
        row_n.append(n)
        alpha.append(counts[0] + sample.prior)
        for t in dests:
            moves.append((r_idx, t))
            row_of_move.append(kept)
            move_cols.append(len(alpha))
            alpha.append(row[t] + sample.prior)
            shares.append(row[t] / n)
    return Design(
        settings=settings,
        moves=tuple(moves),
        row_of_move=np.array(row_of_move, dtype=np.intp),
        alpha=np.array(alpha, dtype=float),
        row_starts=np.array(starts, dtype=np.intp),
        move_cols=np.array(move_cols, dtype=np.intp),
        row_n=np.array(row_n, dtype=np.int64),
        row_counts=tuple(row_counts),
        observed_shares=np.array(shares, dtype=float),
    )


def draw_shares(design: Design, method: str, rng: np.random.Generator, size: int, *,
                composition: np.ndarray | None = None) -> np.ndarray:
    """Draw the share of each move cell, shape ``(size, n_moves)``.

    ``bayes`` uses one ``standard_gamma`` call for all cells (a Dirichlet is a
    set of independent gammas divided by their row total), so the first ``m``
    rows of a draw of ``size`` do not depend on ``size``. With ``composition``
    (indices from :func:`draw_compositions`, ``reported`` form), each draw's
    Dirichlet parameters are its own composition's counts plus the prior.

    Examples
    --------
    >>> s = CaseSample("transitions", "bayes", 0.5, (("a", "a", 3), ("a", "b", 6)))
    >>> d = build_design(("a", "b"), s)
    >>> draw_shares(d, "bayes", np.random.default_rng(0), 2).round(3)
    array([[0.699],
           [0.813]])
    """
    if not design.moves:
        return np.zeros((size, 0))
    if composition is not None:
        # ``take`` gathers whole rows at a quarter of the cost of fancy indexing; the
        # shapes stay C-ordered, which is the order standard_gamma fills them in.
        shapes = np.take(design.compositions, composition, axis=0)
        shapes += design.prior
        gammas = rng.standard_gamma(shapes)
        if len(design.moves) < 8:
            # Same values as below; the engine sums fewer than 8 moves column by
            # column, so the column-major layout does not change its results.
            return _dirichlet_shares(design, gammas)
        totals = np.add.reduceat(gammas, design.row_starts, axis=1)
        return gammas[:, design.move_cols] / totals[:, design.row_of_move]
    if method == "bayes":
        gammas = rng.standard_gamma(design.alpha, size=(size, design.n_cells))
        return _dirichlet_shares(design, gammas)
    # Stratified bootstrap: redraw each row's counts from its observed shares.
    # One multinomial call for all rows (rows padded with zero-probability
    # cells) fills draw after draw, so, as for ``bayes``, the first ``m`` draws
    # do not depend on ``size``; one call per row would break that.
    n_rows = len(design.row_counts)
    width_max = max(c.size for c in design.row_counts)
    pvals = np.zeros((n_rows, width_max))
    for i, (n, counts) in enumerate(zip(design.row_n, design.row_counts)):
        pvals[i, :counts.size] = counts / n
    if width_max == 2:
        return _two_cell_rows(design, pvals[:, 0], rng, size)
    redrawn = rng.multinomial(design.row_n, pvals, size=(size, n_rows))
    out = np.empty((size, len(design.moves)))
    col = 0
    for i, (n, counts) in enumerate(zip(design.row_n, design.row_counts)):
        width = counts.size - 1
        out[:, col:col + width] = redrawn[:, i, 1:counts.size] / n
        col += width
    return out


def _two_cell_rows(design: Design, p_stay: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    """The bootstrap when every row is (stay, one move): the multinomial's numbers, drawn as binomials.

    numpy's multinomial draws a row's cells in order, each a binomial of the
    cases left with its probability over the probability left; the last cell
    takes the rest without a draw. With two cells that is one
    ``binomial(n, p_stay)`` per draw and row, the move getting ``n − stay``,
    which is exactly what ``rng.binomial`` draws with the same arguments in the
    same order (draw after draw, rows within a draw) at 15–35% less cost:
    multinomial sets up each row's cells one call at a time, and a single row
    lets binomial take numpy's scalar path. Bit-equal to the multinomial
    (tests/test_sample.py compares the two over thousands of n, p and seeds).
    """
    if p_stay.size == 1:
        stay = rng.binomial(int(design.row_n[0]), float(p_stay[0]), size=(size, 1))
    else:
        stay = rng.binomial(design.row_n, p_stay, size=(size, p_stay.size))
    return np.subtract(design.row_n, stay, out=stay) / design.row_n


def _dirichlet_shares(design: Design, gammas: np.ndarray) -> np.ndarray:
    """Divide each move's gamma by its row total, column by column.

    This is the arithmetic of ``np.add.reduceat(gammas, row_starts, axis=1)``
    followed by fancy indexing, bit for bit, at a tenth of the cost: reduceat
    over short rows is dominated by per-row overhead (about 30 ns a draw), and
    its result is the first cell plus numpy's pairwise sum of the others, which
    ``first + rest.sum(axis=1)`` reproduces exactly (tested against reduceat).
    """
    size = gammas.shape[0]
    ends = list(design.row_starts[1:]) + [design.n_cells]
    totals = []
    for start, end in zip(design.row_starts.tolist(), ends):
        if end - start == 2:  # the common row (stay, one move): one add
            totals.append(gammas[:, start] + gammas[:, start + 1])
        elif end - start <= 8:
            # numpy sums fewer than 8 columns left to right; a reduction over a short,
            # strided row costs ~60 ns a draw, column adds a few.
            rest = gammas[:, start + 1] + gammas[:, start + 2]
            for col in range(start + 3, end):
                np.add(rest, gammas[:, col], out=rest)
            totals.append(np.add(gammas[:, start], rest, out=rest))
        else:
            totals.append(gammas[:, start] + gammas[:, start + 1:end].sum(axis=1))
    # Column-major, like the fancy-indexed result it replaces: the stage sums
    # downstream go through BLAS, whose rounding depends on the memory order.
    out = np.empty((size, design.move_cols.size), order="F")
    for j, (col, row) in enumerate(zip(design.move_cols.tolist(), design.row_of_move.tolist())):
        np.divide(gammas[:, col], totals[row], out=out[:, j])
    return out


def _reported_design(settings: tuple[str, ...], sample: CaseSample) -> Design:
    """The cell layout of :func:`build_design` with one set of counts per composition.

    A row's cells are "stay" then each reported destination; the row's cases
    not reported as moving (already ideal, or not mentioned) count as "stay",
    because auditor scales up only the moves the panel is reported to have made.
    """
    index = {k: i for i, k in enumerate(settings)}
    currents, sizes, counts = enumerate_compositions(settings, sample)
    n_comp = sizes.shape[0]
    moves, row_of_move, starts, move_cols, shares = [], [], [], [], []
    columns: list[np.ndarray] = []
    row_n, row_counts = [], []
    for j, cur in enumerate(currents):
        reps = [r for r in sample.reports if r.current == cur]
        movers = sorted((i for i, r in enumerate(reps) if r.ideal != cur),
                        key=lambda i: index[reps[i].ideal])
        movers = [i for i in movers if reps[i].share or reps[i].count]
        if not movers:
            continue
        kept = len(starts)
        starts.append(len(columns))
        moved = counts[j][:, movers]
        columns.append(sizes[:, j] - moved.sum(axis=1))
        for col, i in enumerate(movers):
            r = reps[i]
            moves.append((index[cur], index[r.ideal]))
            row_of_move.append(kept)
            move_cols.append(len(columns))
            columns.append(moved[:, col])
            # The published method multiplies the cohort by the share as published; an
            # exact count has no published share, so the count over the mean sub-group
            # size stands in (a mean of count/m would be dominated by the smallest m).
            shares.append(r.share if r.share is not None else float(moved[:, col].mean() / sizes[:, j].mean()))
        row_n.append(int(round(float(sizes[:, j].mean()))))
        row_counts.append(np.array([c[0] for c in columns[starts[-1]:]], dtype=np.int64))
    comp = np.column_stack(columns).astype(float) if columns else np.zeros((n_comp, 0))
    return Design(
        settings=settings,
        moves=tuple(moves),
        row_of_move=np.array(row_of_move, dtype=np.intp),
        alpha=comp.mean(axis=0) + sample.prior,
        row_starts=np.array(starts, dtype=np.intp),
        move_cols=np.array(move_cols, dtype=np.intp),
        row_n=np.array(row_n, dtype=np.int64),
        row_counts=tuple(row_counts),
        observed_shares=np.array(shares, dtype=float),
        compositions=comp,
        composition_sizes=sizes,
        composition_settings=currents,
        prior=sample.prior,
    )


def draw_compositions(design: Design, rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw one composition per draw, uniformly over every consistent split.

    The prior over the unpublished sub-group sizes is uniform over the joint
    set of splits that satisfy every report (enumerated once in
    :func:`build_design`); ``rng.integers`` keeps the first ``m`` draws
    independent of ``size``.

    Returns
    -------
    ndarray of int, shape (size,)
        Row indices into ``design.compositions``.
    """
    return rng.integers(0, design.compositions.shape[0], size=size)
