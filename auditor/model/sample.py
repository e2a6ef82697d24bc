"""Resampling the case review: the design arrays and the draws of each move's share.

The review's counts ``k[s→t]`` (parsed by :mod:`auditor.inputs.sample`) are
arranged into a :class:`Design`; each current setting ``s`` is one *row*.

Two resampling methods are offered:

``bayes`` (default)
    Each row's shares are drawn from the Dirichlet posterior
    ``Dirichlet(k[s→·] + a)`` over the row's cells: "stay", every destination
    the review observed for that row, and every *possible* destination nobody
    in the sample was sent to (:func:`possible_moves`: by default every
    cheaper setting, plus moves the scenario declares possible, minus those it
    declares impossible). The default prior gives each of a row's K cells
    ``a = 1/K`` (Perks), which is Jeffreys' ½ for a row of two cells, so the
    marginal share is then the Jeffreys ``Beta(k + ½, n − k + ½)`` posterior;
    the prior's total weight stays one case per row however many moves are
    possible. Adding "stay" to every row means even a row in which every case
    moved (5 of 5) keeps some probability that a child is already well placed.
``bootstrap``
    A stratified (within-row) nonparametric bootstrap: each row's counts are
    redrawn ``Multinomial(n_s, k/n_s)``. It is offered for comparison; with
    rows of 3–10 cases it gives zero-width intervals for 0/n and n/n rows and
    no probability to a move nobody made, which is why it is not the default
    (docs/methods.md §2, coverage table).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..inputs.sample import PERKS, POOLED, CaseSample, enumerate_compositions
from .casesums import exponential_buffer, prefix_sums_at, scratch
from .pooling import PoolPlan, make_plan, pooled_gammas, pooled_shares

__all__ = ["Design", "build_design", "draw_shares", "draw_compositions", "possible_moves", "cell_prior",
           "composition_weights", "case_sums_for", "SWEEPS"]

# Iterative proportional fitting sweeps for the `per_size` weights (West Sussex:
# 300 sweeps put every sub-group size within 0.01 of its limit, in ~0.1 s).
SWEEPS = 300


@dataclass(frozen=True)
class Design:
    """The review as arrays: rows, cells and which cells are moves.

    A row is a reviewed current setting with at least one move cell: a move
    some reviewed case made, or a possible move nobody made (see
    :func:`possible_moves`). A row with no move cell contributes nothing to
    the savings under any draw and is left out (it is still named in
    ``quiet_rows`` when no reviewed case in it moved).
    """

    settings: tuple[str, ...]
    moves: tuple[tuple[int, int], ...]        # (from index, to index) per move cell
    row_of_move: np.ndarray                   # which kept row each move belongs to
    alpha: np.ndarray                         # concatenated Dirichlet parameters, stay first per row
    row_starts: np.ndarray                    # start of each kept row in ``alpha``
    move_cols: np.ndarray                     # column of each move in ``alpha``
    row_n: np.ndarray                         # cases per kept row
    row_counts: tuple[np.ndarray, ...]        # observed counts per kept row (stay first)
    observed_shares: np.ndarray               # k[s→t] / n_s per move (0 for an unseen move)
    # ``reported`` form only: every composition consistent with the reports, as
    # counts per cell (one row per composition, columns as ``alpha``), and the
    # sub-group size of each reported current setting.
    compositions: np.ndarray | None = None
    composition_sizes: np.ndarray | None = None
    composition_settings: tuple[str, ...] = ()
    prior: float | str = PERKS
    # The prior pseudo-count of each cell (columns as ``alpha``).
    prior_alpha: np.ndarray | None = None
    # True for a move cell no reviewed case made (in no consistent split, for `reported`).
    unseen: np.ndarray | None = None
    # Reviewed current settings in which no reviewed case moved.
    quiet_rows: tuple[str, ...] = ()
    # `reported` form: probability of each composition (None: uniform).
    composition_weights: np.ndarray | None = None
    # ``pooled`` prior only: the hierarchical prior's grid posterior and gamma layout.
    pool: PoolPlan | None = None

    @property
    def n_cells(self) -> int:
        return int(self.alpha.size)


def cell_prior(prior: float | str, width: int) -> float:
    """The pseudo-count of each cell of a row of ``width`` cells.

    Examples
    --------
    The ``pooled`` prior's cells are Perks' (its pooled part is added per draw):

    >>> cell_prior("perks", 2), cell_prior("perks", 4), cell_prior(0.5, 4), cell_prior("pooled", 4)
    (0.5, 0.25, 0.5, 0.25)
    """
    return 1.0 / width if prior in (PERKS, POOLED) else float(prior)


def possible_moves(settings: tuple[str, ...], sample: CaseSample, cost_mean) -> frozenset[tuple[int, int]]:
    """The moves that keep a prior probability although no reviewed case made them.

    ``unseen = "cheaper"`` (the default): from every reviewed setting, a move
    to each setting cheaper at mean cost, the kind of move a placement review
    looks for; ``"all"``: to every other setting; ``"none"``: only moves some
    reviewed case made. Moves in ``sample.possible`` are added and moves in
    ``sample.impossible`` (structural zeros) removed.

    Examples
    --------
    >>> s = CaseSample("transitions", "bayes", "perks", (("a", "a", 3), ("a", "b", 1)))
    >>> sorted(possible_moves(("a", "b", "c"), s, [30.0, 10.0, 20.0]))
    [(0, 1), (0, 2)]
    """
    index = {k: i for i, k in enumerate(settings)}
    rows = {index[c] for c, _, _ in sample.counts} | {index[r.current] for r in sample.reports}
    out: set[tuple[int, int]] = set()
    for i in rows:
        for j in range(len(settings)):
            if j != i and (sample.unseen == "all" or (sample.unseen == "cheaper" and cost_mean[j] < cost_mean[i])):
                out.add((i, j))
    out |= {(index[a], index[b]) for a, b, _ in sample.possible}
    out -= {(index[a], index[b]) for a, b, _ in sample.impossible}
    return frozenset(out)


def build_design(settings: tuple[str, ...], sample: CaseSample,
                 possible: frozenset[tuple[int, int]] = frozenset(), cost_mean=None) -> Design:
    """Arrange the counts into rows and cells (see the module notes).

    ``possible`` (from :func:`possible_moves`) lists moves that get a cell, and
    so prior probability, even when no reviewed case made them. ``cost_mean``
    (per setting) tells the ``pooled`` prior which rows are down-shift rows
    (:mod:`auditor.model.pooling`); without it every row is one group.

    Examples
    --------
    >>> s = CaseSample("transitions", "bayes", 0.5, (("a", "a", 3), ("a", "b", 6)))
    >>> d = build_design(("a", "b"), s)
    >>> d.moves, d.alpha.tolist(), d.observed_shares.round(3).tolist()
    (((0, 1),), [3.5, 6.5], [0.667])

    A row in which nobody moved keeps the possible move, at the prior only:

    >>> s = CaseSample("transitions", "bayes", "perks", (("a", "a", 5),))
    >>> d = build_design(("a", "b"), s, frozenset({(0, 1)}))
    >>> d.alpha.tolist(), d.unseen.tolist(), d.quiet_rows
    ([5.5, 0.5], [True], ('a',))
    """
    if sample.form == "reported":
        return _with_pool(_reported_design(settings, sample, possible), cost_mean)
    index = {k: i for i, k in enumerate(settings)}
    table: dict[int, dict[int, int]] = {}
    for cur, ideal, count in sample.counts:
        row = table.setdefault(index[cur], {})
        row[index[ideal]] = row.get(index[ideal], 0) + count
    moves, row_of_move, alpha, starts, move_cols, row_n, row_counts, shares = [], [], [], [], [], [], [], []
    prior_alpha, unseen, quiet = [], [], []
    for r_idx in sorted(table):
        row = table[r_idx]
        n = sum(row.values())
        if n == 0:
            continue
        seen = {t for t in row if t != r_idx and row[t] > 0}
        if not seen:
            quiet.append(settings[r_idx])
        dests = sorted(seen | {t for s_, t in possible if s_ == r_idx})
        if not dests:
            continue
        kept = len(starts)
        starts.append(len(alpha))
        counts = [row.get(r_idx, 0)] + [row.get(t, 0) for t in dests]
        row_counts.append(np.array(counts, dtype=np.int64))
        row_n.append(n)
        a = cell_prior(sample.prior, len(counts))
        prior_alpha += [a] * len(counts)
        alpha.append(counts[0] + a)
        for t, k in zip(dests, counts[1:]):
            moves.append((r_idx, t))
            row_of_move.append(kept)
            move_cols.append(len(alpha))
            alpha.append(k + a)
            shares.append(k / n)
            unseen.append(k == 0)
    return _with_pool(Design(
        settings=settings,
        moves=tuple(moves),
        row_of_move=np.array(row_of_move, dtype=np.intp),
        alpha=np.array(alpha, dtype=float),
        row_starts=np.array(starts, dtype=np.intp),
        move_cols=np.array(move_cols, dtype=np.intp),
        row_n=np.array(row_n, dtype=np.int64),
        row_counts=tuple(row_counts),
        observed_shares=np.array(shares, dtype=float),
        prior=sample.prior,
        prior_alpha=np.array(prior_alpha, dtype=float),
        unseen=np.array(unseen, dtype=bool),
        quiet_rows=tuple(quiet),
    ), cost_mean)


def _with_pool(design: Design, cost_mean) -> Design:
    """Attach the ``pooled`` prior's plan (other priors: the design unchanged)."""
    if design.prior != POOLED or not design.moves:
        return design
    rows = design.row_of_move
    if cost_mean is None:
        down = np.ones(design.row_starts.size, dtype=bool)
    else:
        c = np.asarray(cost_mean, dtype=float)
        cheaper = np.array([c[a] > c[b] for a, b in design.moves])
        down = np.array([bool(cheaper[rows == r].all()) for r in range(design.row_starts.size)])
    if design.compositions is None:
        counts = np.concatenate(design.row_counts).astype(float)[None, :]
    else:
        counts = design.compositions
    return replace(design, pool=make_plan(design.row_starts, design.n_cells, counts, down, design.row_n))


def draw_shares(design: Design, method: str, rng: np.random.Generator, size: int, *,
                composition: np.ndarray | None = None,
                rng_cases: np.random.Generator | None = None,
                case_sums: np.ndarray | None = None, quantile: bool = False,
                rng_pool: np.random.Generator | None = None, work: dict | None = None) -> np.ndarray:
    """Draw the share of each move cell, shape ``(size, n_moves)``.

    ``bayes`` uses one ``standard_gamma`` call for all cells (a Dirichlet is a
    set of independent gammas divided by their row total), so the first ``m``
    rows of a draw of ``size`` do not depend on ``size``. With ``composition``
    (indices from :func:`draw_compositions`, ``reported`` form), each draw's
    Dirichlet parameters are its own composition's counts plus the prior,
    drawn by :func:`_frozen_gammas` (``rng_cases`` gives the per-case
    exponentials; by default they follow the gammas in ``rng``). A review with
    only one consistent split is drawn as its counts would be. With
    ``quantile`` each cell's Gamma(k + a) is instead its inverse CDF at one
    uniform per cell and draw (``scipy.special.gammaincinv``, about four times
    the cost): the comonotone coupling across splits, in which the sampling
    input is the uniforms, as for every other source. The variance-share
    analysis uses it (docs/methods.md §6); the law of each draw is the same.

    ``work`` (a dict kept by the caller across blocks) lends every buffer a
    block fills before it reads it (gammas, exponentials, their sums and the
    shares), so that a run does not allocate, and fault in, fresh memory for
    every block. The shares returned are then ``work``'s: valid until the
    next call with the same ``work``. Without it they are a new array.

    The ``pooled`` prior (:mod:`auditor.model.pooling`) first picks its
    hyper-parameters from ``rng_pool`` (by default ``rng``; the engine gives
    it its own stream, so that the first ``m`` draws do not depend on
    ``size``), then the cells' gammas from ``rng``.

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
    if design.pool is not None and method == "bayes":
        return _pooled(design, rng, size, composition, rng_cases, case_sums, quantile, rng_pool)
    if composition is not None and design.compositions.shape[0] > 1 and quantile:
        from scipy.special import gammaincinv

        shapes = np.take(design.compositions, composition, axis=0) + design.prior_alpha
        return _dirichlet_shares(design, gammaincinv(shapes, rng.random((size, design.n_cells))))
    if composition is not None and design.compositions.shape[0] > 1:
        gammas = _frozen_gammas(design, composition, rng, rng if rng_cases is None else rng_cases, size,
                                case_sums, work)
        return _dirichlet_shares(design, gammas, work)
    if method == "bayes":
        gammas = rng.standard_gamma(design.alpha, out=scratch(work, "gammas", (size, design.n_cells)))
        return _dirichlet_shares(design, gammas, work)
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


def _pooled(design: Design, rng, size, composition, rng_cases, case_sums, quantile, rng_pool) -> np.ndarray:
    """The ``pooled`` prior's shares (see :mod:`auditor.model.pooling`)."""
    rng_pool = rng if rng_pool is None else rng_pool
    if composition is not None and design.compositions.shape[0] > 1:
        if case_sums is None and not quantile:
            case_sums = case_sums_for(design, composition, rng if rng_cases is None else rng_cases, size)
        gammas = pooled_gammas(design.pool, design.alpha, design.prior_alpha, rng, rng_pool, size,
                               composition, design.compositions, case_sums, quantile)
    else:
        gammas = pooled_gammas(design.pool, design.alpha, design.prior_alpha, rng, rng_pool, size)
    return pooled_shares(design.pool, gammas, design.row_starts, design.move_cols, design.row_of_move)


def _frozen_gammas(design: Design, composition: np.ndarray, rng: np.random.Generator,
                   rng_cases: np.random.Generator, size: int,
                   case_sums: np.ndarray | None = None, work: dict | None = None) -> np.ndarray:
    """Gamma(k + a) for each draw's composition counts k, from inputs that do not depend on k.

    A Gamma(k + a) variate is a Gamma(a) variate plus the sum of k independent
    standard exponentials (gamma additivity), so each cell draws one Gamma(a)
    with its fixed prior ``a`` and as many exponentials as its largest count
    over the consistent splits, and each draw adds up the first k of them
    (:func:`case_sums`, which ``case_sums`` may give precomputed). The
    random numbers consumed are the same whatever split is drawn: when the
    split changes (sensitivity analysis swaps the composition stream) the
    sampling input stays frozen, which pick-freeze estimators need and which
    ``standard_gamma(k + a)``, a rejection sampler, cannot give.

    Examples
    --------
    The first draw adds a Gamma(a) to its composition's first k exponentials:

    >>> s = CaseSample("transitions", "bayes", 0.5, (("a", "a", 3), ("a", "b", 6)))
    >>> d = build_design(("a", "b"), s)
    >>> d = replace(d, compositions=np.array([[3.0, 6.0], [1.0, 2.0]]), prior_alpha=np.array([0.5, 0.5]))
    >>> g = _frozen_gammas(d, np.array([1]), np.random.default_rng(0), np.random.default_rng(1), 1)
    >>> e = np.random.default_rng(1).standard_exponential((1, 9))
    >>> g0 = np.random.default_rng(0).standard_gamma([0.5, 0.5], size=(1, 2))
    >>> bool(np.allclose(g, g0 + [e[0, :1].sum(), e[0, 3:5].sum()]))
    True
    """
    gammas = rng.standard_gamma(design.prior_alpha, out=scratch(work, "gammas", (size, design.n_cells)))
    if case_sums is None:
        case_sums = case_sums_for(design, composition, rng_cases, size, work)
    return np.add(gammas, case_sums, out=gammas)


def case_sums_for(design: Design, composition: np.ndarray, rng_cases: np.random.Generator,
                  size: int, work: dict | None = None) -> np.ndarray:
    """Per draw and cell, the sum of the first k of the cell's exponentials (k: the drawn split's count).

    The exponentials do not depend on the prior, so analyses that change only
    the prior (:func:`auditor.model.engine.restage`) reuse these sums. They
    are drawn as one ``(size, Σ widths)`` array, each cell's ``width`` (its
    largest count over the splits) columns side by side, and summed by
    :func:`auditor.model.casesums.prefix_sums_at`.
    """
    widths = design.compositions.max(axis=0).astype(np.intp)
    n_exps = int(widths.sum())
    flat = exponential_buffer(size, n_exps, work)
    # The same variates, in the same order, as ``standard_exponential((size, n_exps))``.
    rng_cases.standard_exponential(out=flat[:-1])
    return prefix_sums_at(flat, size, widths, design.compositions, composition, work)


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


def _dirichlet_shares(design: Design, gammas: np.ndarray, work: dict | None = None) -> np.ndarray:
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
    out = scratch(work, "shares", (size, design.move_cols.size), order="F")
    for j, (col, row) in enumerate(zip(design.move_cols.tolist(), design.row_of_move.tolist())):
        np.divide(gammas[:, col], totals[row], out=out[:, j])
    return out


def _reported_design(settings: tuple[str, ...], sample: CaseSample,
                     possible: frozenset[tuple[int, int]] = frozenset()) -> Design:
    """The cell layout of :func:`build_design` with one set of counts per composition.

    A row's cells are "stay", then each reported destination and each
    possible unseen one in setting order; the row's cases not reported as
    moving (already ideal, or not mentioned) count as "stay". A possible move
    no finding mentions has 0 cases in every split.
    """
    index = {k: i for i, k in enumerate(settings)}
    currents, sizes, counts = enumerate_compositions(settings, sample)
    weights = composition_weights(sizes, sample.splits)
    w = np.full(sizes.shape[0], 1.0 / sizes.shape[0]) if weights is None else weights
    n_comp = sizes.shape[0]
    moves, row_of_move, starts, move_cols, shares, prior_alpha, unseen, quiet = [], [], [], [], [], [], [], []
    columns: list[np.ndarray] = []
    row_n, row_counts = [], []
    for j, cur in enumerate(currents):
        reps = [r for r in sample.reports if r.current == cur]
        movers = {reps[i].ideal: i for i, r in enumerate(reps)
                  if r.ideal != cur and (r.share or r.count)}
        if not movers:
            quiet.append(cur)
        dests = sorted(set(movers) | {settings[t] for f, t in possible if f == index[cur]}, key=index.__getitem__)
        if not dests:
            continue
        kept = len(starts)
        starts.append(len(columns))
        moved = {t: counts[j][:, movers[t]] if t in movers else np.zeros(n_comp, dtype=np.int64) for t in dests}
        columns.append(sizes[:, j] - sum(moved.values()))
        a = cell_prior(sample.prior, len(dests) + 1)
        prior_alpha += [a] * (len(dests) + 1)
        for t in dests:
            moves.append((index[cur], index[t]))
            row_of_move.append(kept)
            move_cols.append(len(columns))
            columns.append(moved[t])
            r = reps[movers[t]] if t in movers else None
            # The published method multiplies the cohort by the share as published. An
            # exact count has no published share: it stands at its expected share over
            # the splits, count/m weighted as the sampling stage weights the splits, so
            # the point estimate and the sampling stage agree on the unknown sizes.
            if r is None:
                shares.append(0.0)
            elif r.share is not None:
                shares.append(r.share)
            else:
                shares.append(float(np.dot(w, moved[t] / sizes[:, j])))
            unseen.append(not bool(moved[t].any()))
        row_n.append(int(round(float(np.dot(w, sizes[:, j])))))
        row_counts.append(np.array([c[0] for c in columns[starts[-1]:]], dtype=np.int64))
    comp = np.column_stack(columns).astype(float) if columns else np.zeros((n_comp, 0))
    pa = np.array(prior_alpha, dtype=float)
    return Design(
        settings=settings,
        moves=tuple(moves),
        row_of_move=np.array(row_of_move, dtype=np.intp),
        alpha=w @ comp + pa if columns else pa,
        row_starts=np.array(starts, dtype=np.intp),
        move_cols=np.array(move_cols, dtype=np.intp),
        row_n=np.array(row_n, dtype=np.int64),
        row_counts=tuple(row_counts),
        observed_shares=np.array(shares, dtype=float),
        compositions=comp,
        composition_sizes=sizes,
        composition_settings=currents,
        prior=sample.prior,
        prior_alpha=pa,
        unseen=np.array(unseen, dtype=bool),
        quiet_rows=tuple(quiet),
        composition_weights=weights,
    )


def draw_compositions(design: Design, rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw one composition per draw, by default uniformly over every consistent split.

    The prior over the unpublished sub-group sizes is uniform over the joint
    set of splits that satisfy every report (enumerated once in
    :func:`build_design`); ``rng.integers`` keeps the first ``m`` draws
    independent of ``size``. With ``design.composition_weights`` (the
    ``per_size`` weighting, :func:`per_size_weights`) each draw inverts the
    weights' cumulative sum at one uniform.

    Returns
    -------
    ndarray of int, shape (size,)
        Row indices into ``design.compositions``.
    """
    w = design.composition_weights
    if w is None:
        return rng.integers(0, design.compositions.shape[0], size=size)
    cum = np.cumsum(w)
    idx = np.searchsorted(cum, rng.random(size) * cum[-1], side="right")
    return np.minimum(idx, w.size - 1)


def composition_weights(sizes: np.ndarray, rule: str) -> np.ndarray | None:
    """The probability of each consistent split under a weighting rule.

    ``uniform``: every split equally likely (None). Each sub-group's size is
    then *not* uniform: a size that leaves more room for the others appears in
    more splits. ``per_size``: the weights closest to uniform (least relative
    entropy) under which every sub-group's size is uniform over its feasible
    sizes, found by iterative proportional fitting (Deming and Stephan 1940);
    where uniform sizes can only be reached in the limit (some splits' weights
    tending to 0) it stops after :data:`SWEEPS` sweeps or when every size is
    within 1e-6 of uniform.

    Examples
    --------
    Two sub-groups of 1–3 cases in a review of 4: (1,1), (1,2), (1,3), (2,1),
    (2,2), (3,1). Uniform over splits makes size 1 three times as likely as 3:

    >>> sizes = np.array([[1, 1], [1, 2], [1, 3], [2, 1], [2, 2], [3, 1]])
    >>> w = composition_weights(sizes, "per_size")
    >>> [round(float(w[sizes[:, 0] == m].sum()), 2) for m in (1, 2, 3)]
    [0.33, 0.33, 0.33]
    """
    if rule == "uniform":
        return None
    w = np.full(sizes.shape[0], 1.0 / sizes.shape[0])
    groups = []
    for j in range(sizes.shape[1]):
        values, inverse = np.unique(sizes[:, j], return_inverse=True)
        groups.append((inverse, values.size))
    for sweep in range(SWEEPS):
        for inverse, n_values in groups:
            marginal = np.bincount(inverse, weights=w, minlength=n_values)
            w = w / (marginal[inverse] * n_values)
        w /= w.sum()
        if sweep % 10 == 9:
            worst = max(np.abs(np.bincount(inv, weights=w, minlength=k) - 1.0 / k).max() for inv, k in groups)
            if worst < 1e-6:
                break
    return w
