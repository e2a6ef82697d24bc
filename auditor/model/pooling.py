"""The ``pooled`` prior: a hierarchical Beta on the rows' move shares, over Perks' cells.

Under Perks' prior (:func:`auditor.model.sample.cell_prior`) every row is
resampled on its own, so four rows of 7 cases whose true move shares are all
0.9–0.95 are each pulled towards ½ and the pulls add up (docs/methods.md §2,
coverage table). The ``pooled`` prior lets the rows inform one another where
they agree, and leaves them alone where they do not.

Model. Row ``s`` has ``K`` cells (stay and ``J = K − 1`` moves). Its total move
share ``m_s`` (one minus its stay share) and its split between destinations are

    m_s | μ, κ   ~ Beta(J/K + μκ, 1/K + (1 − μ)κ)
    split_s      ~ Dirichlet(1/K, …, 1/K)           (independent of m_s)
    μ            ~ Beta(½, ½)                       (Jeffreys, the pooled move share)
    κ / (κ + n0) ~ Uniform(0, 1)                    (uniform shrinkage, n0 = harmonic-mean row size)

At κ = 0 this is exactly Perks' Dirichlet(1/K, …, 1/K) (the Dirichlet
aggregation property); as κ grows every row's move share is drawn towards the
common μ. The uniform shrinkage prior (Strawderman 1971; Christiansen and
Morris 1997; Daniels 1999) is proper and gives the fraction of the way a row
of typical size is pulled to the pooled mean a uniform prior, so the data
decide how much to pool; with one row there is nothing to pool and the result
stays close to Perks (at both ends, κ → 0 and κ → ∞, a one-row posterior is
exactly Jeffreys' Beta(k + ½, n − k + ½) for a two-cell row).

Only rows that are exchangeable are pooled: rows whose every move is to a
cheaper setting (down-shifts, what a placement review looks for) form one
group, all other rows another, each with its own (μ, κ). Pooling an up-shift
row with down-shift rows would pull both towards each other, lowering the
audited saving on both counts by construction.

Computation. (μ, κ) take values on a grid of equal prior mass
(:data:`MU_POINTS` Jeffreys quantiles × :data:`SHRINK_POINTS` uniform
shrinkage quantiles) and their posterior is the product of the rows'
beta-binomial likelihoods of (moved, stayed) (Gelman et al. 2013, BDA3 §5.3).
Each draw picks a grid point per group from one uniform (inverse CDF), then
draws the rows given it: ``m_s`` as ``X/(X + Y)`` from two gammas and the split
from the move cells' gammas, all in one ``standard_gamma`` call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .casesums import exponential_buffer, prefix_sums_at

__all__ = ["MU_POINTS", "SHRINK_POINTS", "PoolPlan", "hyper_grid", "hyper_log_posterior", "make_plan",
           "pooled_gammas", "pooled_shares", "pooled_means"]

#: Grid points for the pooled move share μ (quantiles of Beta(½, ½)).
MU_POINTS = 64
#: Grid points for the shrinkage κ / (κ + n0) (quantiles of Uniform(0, 1)).
SHRINK_POINTS = 48
#: The coverage study's knob (``--pool-n0``): a fixed n0 instead of the rows'
#: harmonic-mean size (docs/methods.md §2 compares n0 = 1). Not a scenario option.
SHRINK_N0: float | None = None


@dataclass(frozen=True)
class PoolPlan:
    """What the ``pooled`` prior needs beyond a design's cells.

    ``group`` gives each kept row's exchangeable group; ``mu`` and ``kappa``
    the grid of each group, shape ``(n_groups, G)``; ``cdf[g]`` the posterior
    cumulative weights over group ``g``'s grid, one row per distinct set of
    counts of its rows, and ``key[g, c]`` that row for composition ``c`` (one
    composition for counts known exactly). ``stay_col`` and ``x_col`` are,
    per row, the gamma column of its stay cell and of its move total (the
    move cell itself for a one-move row); ``extra`` the number of move-total
    columns added after the design's cells (rows of two or more moves).
    """

    group: np.ndarray
    mu: np.ndarray
    kappa: np.ndarray
    cdf: tuple[np.ndarray, ...]
    key: np.ndarray
    a_move: np.ndarray
    a_stay: np.ndarray
    stay_col: np.ndarray
    x_col: np.ndarray
    multi: np.ndarray
    extra: int
    moved: np.ndarray            # (n_comp, n_rows) cases that moved, per composition
    stayed: np.ndarray           # (n_comp, n_rows)


def hyper_grid(n0: float) -> tuple[np.ndarray, np.ndarray]:
    """The (μ, κ) grid of equal prior mass for typical row size ``n0``, flattened.

    Examples
    --------
    Shrinkage b = κ / (κ + n0) sits at the midpoints of equal bins, so κ = n0 · b / (1 − b)
    is symmetric about n0 on the log scale; μ's points are symmetric about ½:

    >>> mu, kappa = hyper_grid(8.0)
    >>> k = np.unique(kappa)
    >>> mu.size == MU_POINTS * SHRINK_POINTS, bool(np.allclose(k * k[::-1], 64.0))
    (True, True)
    >>> bool(np.allclose(np.sort(np.unique(mu)) + np.sort(np.unique(mu))[::-1], 1.0))
    True
    """
    p = (np.arange(MU_POINTS) + 0.5) / MU_POINTS
    mu = np.sin(np.pi * p / 2) ** 2                  # Beta(½, ½) quantile function
    b = (np.arange(SHRINK_POINTS) + 0.5) / SHRINK_POINTS
    kappa = n0 * b / (1 - b)
    m, k = np.meshgrid(mu, kappa, indexing="ij")
    return m.ravel(), k.ravel()


def hyper_log_posterior(mu: np.ndarray, kappa: np.ndarray, moved: np.ndarray, stayed: np.ndarray,
                        a_move: np.ndarray, a_stay: np.ndarray) -> np.ndarray:
    """Log posterior (up to a constant) of each grid point, per composition.

    ``moved`` and ``stayed`` are ``(n_comp, n_rows)``; the likelihood of a row
    is the beta-binomial probability of its (moved, stayed) given the row's
    Beta(a_move + μκ, a_stay + (1 − μ)κ) (its binomial coefficient does not
    depend on the grid and is left out). The prior is uniform over the grid.

    Examples
    --------
    One row, 3 of 4 moved, Beta(1, 1) (μ = ½, κ = 1, a = ½ each): the
    beta-binomial ratio B(4, 2) / B(1, 1) = 1/20.

    >>> lp = hyper_log_posterior(np.array([0.5]), np.array([1.0]), np.array([[3]]), np.array([[1]]),
    ...                          np.array([0.5]), np.array([0.5]))
    >>> round(float(np.exp(lp[0, 0])), 6)
    0.05
    """
    from scipy.special import betaln

    a = a_move[None, :] + (mu * kappa)[:, None]            # (G, R)
    b = a_stay[None, :] + ((1 - mu) * kappa)[:, None]
    base = betaln(a, b)
    out = np.zeros((moved.shape[0], mu.size))
    # A row's term depends only on its (moved, stayed): compute each distinct pair once
    # (a `reported` review has hundreds of splits but a few dozen pairs per row).
    for r in range(moved.shape[1]):
        pairs, inverse = np.unique(np.stack([moved[:, r], stayed[:, r]], axis=1), axis=0, return_inverse=True)
        terms = betaln(a[:, r] + pairs[:, :1], b[:, r] + pairs[:, 1:]) - base[:, r]   # (n_pairs, G)
        out += terms[inverse.ravel()]
    return out


def make_plan(row_starts: np.ndarray, n_cells: int, counts: np.ndarray, row_down: np.ndarray,
              row_n: np.ndarray) -> PoolPlan:
    """Precompute the grid posterior and the gamma layout.

    ``counts`` holds each cell's cases per composition, ``(n_comp, n_cells)``
    (one row of counts when they are known exactly); ``row_down`` says which
    rows are down-shift rows (their own exchangeable group).
    """
    ends = np.append(row_starts[1:], n_cells)
    width = ends - row_starts
    n_rows = row_starts.size
    a_stay = 1.0 / width
    a_move = (width - 1) / width
    moved = np.stack([counts[:, s + 1:e].sum(axis=1) for s, e in zip(row_starts, ends)], axis=1)
    stayed = counts[:, row_starts]
    multi = width > 2
    x_col = np.where(multi, n_cells + np.cumsum(multi) - 1, row_starts + 1)
    labels, group = np.unique(np.asarray(row_down, dtype=bool), return_inverse=True)
    mus, kappas, cdfs, keys = [], [], [], []
    for g in range(labels.size):
        rows = np.flatnonzero(group == g)
        n0 = SHRINK_N0 if SHRINK_N0 is not None else rows.size / np.sum(1.0 / np.maximum(row_n[rows], 1))
        mu, kappa = hyper_grid(float(n0))
        # The group's posterior depends only on its rows' (moved, stayed): one per distinct set.
        sets, key = np.unique(np.concatenate([moved[:, rows], stayed[:, rows]], axis=1), axis=0,
                              return_inverse=True)
        lp = hyper_log_posterior(mu, kappa, sets[:, :rows.size], sets[:, rows.size:], a_move[rows], a_stay[rows])
        w = np.exp(lp - lp.max(axis=1, keepdims=True))
        cdf = np.cumsum(w, axis=1)
        mus.append(mu)
        kappas.append(kappa)
        cdfs.append(cdf / cdf[:, -1:])
        keys.append(key.ravel())
    return PoolPlan(group=group.astype(np.intp), mu=np.stack(mus), kappa=np.stack(kappas),
                    cdf=tuple(cdfs), key=np.stack(keys).astype(np.intp), a_move=a_move, a_stay=a_stay,
                    stay_col=row_starts.astype(np.intp), x_col=x_col.astype(np.intp), multi=multi,
                    extra=int(multi.sum()), moved=moved.astype(float), stayed=stayed.astype(float))


def _pick(plan: PoolPlan, u: np.ndarray, composition: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """μκ and (1 − μ)κ per draw and row, from one uniform per draw and group."""
    size = u.shape[0]
    n_groups = plan.mu.shape[0]
    idx = np.empty((size, n_groups), dtype=np.intp)
    for g in range(n_groups):
        cdf = plan.cdf[g]
        if cdf.shape[0] == 1:
            idx[:, g] = np.searchsorted(cdf[0], u[:, g], side="right")
            continue
        key = plan.key[g, composition if composition is not None else np.zeros(size, np.intp)]
        order = np.argsort(key, kind="stable")
        values, starts = np.unique(key[order], return_index=True)
        bounds = np.append(starts, size)
        for v, lo, hi in zip(values.tolist(), bounds[:-1].tolist(), bounds[1:].tolist()):
            rows = order[lo:hi]
            idx[rows, g] = np.searchsorted(cdf[v], u[rows, g], side="right")
    np.minimum(idx, plan.mu.shape[1] - 1, out=idx)
    mu = plan.mu[np.arange(n_groups), idx]
    kappa = plan.kappa[np.arange(n_groups), idx]
    mu, kappa = mu[:, plan.group], kappa[:, plan.group]
    return mu * kappa, (1 - mu) * kappa


def _shapes(plan: PoolPlan, base: np.ndarray, add_move: np.ndarray, add_stay: np.ndarray,
            x_base: np.ndarray) -> np.ndarray:
    """Gamma shapes per draw: the cells' ``base`` plus the pooled part, then the move-total columns."""
    size = add_move.shape[0]
    n_cells = base.shape[-1]
    shapes = np.empty((size, n_cells + plan.extra))
    shapes[:, :n_cells] = base
    shapes[:, n_cells:] = x_base
    shapes[:, plan.stay_col] += add_stay
    shapes[:, plan.x_col] += add_move
    return shapes


def pooled_gammas(plan: PoolPlan, alpha: np.ndarray, prior_alpha: np.ndarray, rng: np.random.Generator,
                  rng_pool: np.random.Generator, size: int, composition: np.ndarray | None = None,
                  compositions: np.ndarray | None = None, case_sums: np.ndarray | None = None,
                  quantile: bool = False) -> np.ndarray:
    """The gammas of every cell and move total, shape ``(size, n_cells + extra)``.

    Counts known exactly (``composition`` None): each cell's gamma has shape
    ``alpha`` (count + 1/K) plus its pooled part. ``reported`` form: each
    draw's counts are its composition's; the cells' gammas are a Gamma of the
    prior shape plus ``case_sums`` (:func:`auditor.model.sample.case_sums_for`)
    and each move total adds the sum of as many exponentials (from
    ``rng_pool``) as the composition's moved cases, so the random numbers
    consumed do not depend on the split. ``quantile``: inverse-CDF gammas at
    one uniform per column and draw (the variance-share analysis).
    ``rng_pool`` gives the hyper-parameter uniforms (one per group and draw)
    first, so that the first ``m`` draws do not depend on ``size``.
    """
    n_groups = plan.mu.shape[0]
    multi_rows = np.flatnonzero(plan.multi)
    if composition is None:
        u = rng_pool.random((size, n_groups))
        add_move, add_stay = _pick(plan, u, None)
        x_base = plan.a_move[multi_rows] + plan.moved[0, multi_rows]
        shapes = _shapes(plan, alpha, add_move, add_stay, x_base)
        if quantile:
            from scipy.special import gammaincinv

            return gammaincinv(shapes, rng.random(shapes.shape))
        return rng.standard_gamma(shapes)
    widths = plan.moved[:, multi_rows].max(axis=0).astype(np.intp) if multi_rows.size else np.zeros(0, np.intp)
    u = rng_pool.random((size, n_groups + int(widths.sum())))
    add_move, add_stay = _pick(plan, u[:, :n_groups], composition)
    if quantile:
        from scipy.special import gammaincinv

        moved = plan.moved[composition][:, multi_rows]
        base = np.take(compositions, composition, axis=0) + prior_alpha
        shapes = _shapes(plan, base, add_move, add_stay, plan.a_move[multi_rows] + moved)
        return gammaincinv(shapes, rng.random(shapes.shape))
    shapes = _shapes(plan, prior_alpha, add_move, add_stay, plan.a_move[multi_rows])
    gammas = rng.standard_gamma(shapes)
    gammas[:, :case_sums.shape[1]] += case_sums
    if multi_rows.size:
        # Each move total adds the first k (its moved cases) of its exponentials, -log(1 - u).
        n_exps = int(widths.sum())
        flat = exponential_buffer(size, n_exps)
        exps = flat[:-1].reshape(size, n_exps)
        np.negative(u[:, n_groups:], out=exps)
        np.log1p(exps, out=exps)
        np.negative(exps, out=exps)
        gammas[:, prior_alpha.size:] += prefix_sums_at(flat, size, widths, plan.moved[:, multi_rows], composition)
    return gammas


def pooled_shares(plan: PoolPlan, gammas: np.ndarray, row_starts: np.ndarray, move_cols: np.ndarray,
                  row_of_move: np.ndarray) -> np.ndarray:
    """Each move's share from :func:`pooled_gammas`: ``X/(X + Y)`` times the move's part of its row's moves."""
    n_cells = gammas.shape[1] - plan.extra
    total = gammas[:, plan.x_col] / (gammas[:, plan.x_col] + gammas[:, plan.stay_col])   # (size, n_rows)
    out = np.empty((gammas.shape[0], move_cols.size), order="F")
    ends = np.append(row_starts[1:], n_cells)
    for r in range(row_starts.size):
        cols = np.flatnonzero(row_of_move == r)
        if not plan.multi[r]:
            out[:, cols[0]] = total[:, r]
            continue
        g = gammas[:, row_starts[r] + 1:ends[r]]
        out[:, cols] = total[:, r:r + 1] * (g / g.sum(axis=1, keepdims=True))
    return out


def pooled_means(plan: PoolPlan, counts: np.ndarray, row_starts: np.ndarray, move_cols: np.ndarray,
                 row_of_move: np.ndarray) -> np.ndarray:
    """Each move's posterior mean share per composition, shape ``(n_comp, n_moves)`` (exact on the grid).

    Given (μ, κ) a row's move total has mean ``(J/K + μκ + moved) / (1 + κ + n)``
    and a move's part of it ``(k + 1/K) / (moved + J/K)``; the first is
    averaged over the grid posterior.
    """
    n_comp = counts.shape[0]
    n_cells = counts.shape[1]
    pdfs = [np.diff(c, axis=1, prepend=0.0) for c in plan.cdf]      # per group: (n_sets, G)
    out = np.empty((n_comp, move_cols.size))
    ends = np.append(row_starts[1:], n_cells)
    for r in range(row_starts.size):
        g = plan.group[r]
        mu, kappa = plan.mu[g], plan.kappa[g]
        n = plan.moved[:, r] + plan.stayed[:, r]
        cond = ((plan.a_move[r] + plan.moved[:, r])[:, None] + mu * kappa) / (1 + kappa + n[:, None])
        total = np.sum(pdfs[g][plan.key[g]] * cond, axis=1)
        cols = np.flatnonzero(row_of_move == r)
        k = counts[:, row_starts[r] + 1:ends[r]]
        a = plan.a_stay[r]
        part = (k + a) / (plan.moved[:, r:r + 1] + plan.a_move[r])
        out[:, cols] = total[:, None] * part
    return out
