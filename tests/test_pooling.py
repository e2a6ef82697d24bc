"""The ``pooled`` prior (auditor.model.pooling): its grid posterior, its draws, and its limits.

Independent references: the hyper-parameter likelihood against
``scipy.stats.betabinom``; the draws' means against the closed-form
conditional means averaged over the grid posterior; the κ → 0 limit against
Perks' Dirichlet; reproducibility against the engine's block discipline.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from auditor.inputs.sample import CaseSample
from auditor.inputs.scenario import load_scenario
from auditor.model import engine
from auditor.model.pooling import PoolPlan, hyper_grid, hyper_log_posterior, make_plan, pooled_means
from auditor.model.sample import build_design, draw_shares

SETTINGS = ("a", "b", "c", "d")
COSTS = np.array([30.0, 10.0, 20.0, 40.0])


def sample(counts, prior="pooled") -> CaseSample:
    return CaseSample("transitions", "bayes", prior, tuple(counts), unseen="none")


def test_grid_likelihood_is_the_beta_binomial():
    # Two rows, (3 of 7 moved) and (5 of 9), each Beta(½ + μκ, ½ + (1 − μ)κ): the log posterior
    # differences between grid points are sums of betabinom log pmfs (the binomial
    # coefficients cancel).
    mu, kappa = hyper_grid(8.0)
    moved, stayed = np.array([[3, 5]]), np.array([[4, 4]])
    half = np.array([0.5, 0.5])
    lp = hyper_log_posterior(mu, kappa, moved, stayed, half, half)[0]
    ref = sum(stats.betabinom.logpmf(k, n, 0.5 + mu * kappa, 0.5 + (1 - mu) * kappa)
              for k, n in ((3, 7), (5, 9)))
    np.testing.assert_allclose(lp - lp[0], ref - ref[0], atol=1e-9)


def test_design_groups_down_shift_rows_apart_from_others():
    # a (30) → b (10) and d (40) → c (20) are down-shifts; b (10) → c (20) is an up-shift.
    d = build_design(SETTINGS, sample([("a", "a", 3), ("a", "b", 2), ("b", "b", 4), ("b", "c", 1),
                                       ("d", "d", 1), ("d", "c", 3)]), cost_mean=COSTS)
    order = [a for a, _ in d.moves]
    group = dict(zip(order, d.pool.group[d.row_of_move].tolist()))
    assert group[0] == group[3] != group[1]
    assert len(d.pool.cdf) == 2


def test_pooled_draws_have_the_grid_posterior_means():
    # One row of three cells and one of two: the Monte Carlo mean of each share
    # must match the exact mean over the grid posterior within 4 standard errors.
    d = build_design(SETTINGS, sample([("a", "a", 2), ("a", "b", 3), ("a", "c", 1), ("d", "d", 1),
                                       ("d", "c", 5)]), cost_mean=COSTS)
    x = draw_shares(d, "bayes", np.random.default_rng(4), 200_000, rng_pool=np.random.default_rng(5))
    counts = np.concatenate(d.row_counts).astype(float)[None, :]
    exact = pooled_means(d.pool, counts, d.row_starts, d.move_cols, d.row_of_move)[0]
    se = x.std(axis=0) / np.sqrt(x.shape[0])
    assert np.all(np.abs(x.mean(axis=0) - exact) < 4 * se)


def _degenerate(plan: PoolPlan, kappa: float) -> PoolPlan:
    """The plan with every group's posterior on one grid point of the given κ (μ = ½)."""
    mu = np.full_like(plan.mu, 0.5)
    k = np.full_like(plan.kappa, kappa)
    cdf = tuple(np.ones_like(c) for c in plan.cdf)
    return dataclasses.replace(plan, mu=mu, kappa=k, cdf=cdf)


def test_at_kappa_zero_it_is_perks():
    # κ = 0: each row is Beta(J/K + moved, 1/K + stayed) times a Dirichlet(1/K + k) split,
    # which is Perks' Dirichlet(1/K + k) by the aggregation property. Compare the
    # draws' means and variances with the Dirichlet's closed forms.
    counts = [("a", "a", 2), ("a", "b", 3), ("a", "c", 1), ("d", "d", 1), ("d", "c", 5)]
    d = build_design(SETTINGS, sample(counts), cost_mean=COSTS)
    d = dataclasses.replace(d, pool=_degenerate(d.pool, 0.0))
    x = draw_shares(d, "bayes", np.random.default_rng(6), 200_000, rng_pool=np.random.default_rng(7))
    perks = build_design(SETTINGS, sample(counts, "perks"))
    ends = np.append(perks.row_starts[1:], perks.n_cells)
    total = np.array([perks.alpha[s:e].sum() for s, e in zip(perks.row_starts, ends)])[perks.row_of_move]
    a = perks.alpha[perks.move_cols]
    mean, var = a / total, a * (total - a) / (total ** 2 * (total + 1))
    np.testing.assert_allclose(x.mean(axis=0), mean, atol=4 * np.sqrt(var.max() / x.shape[0]))
    np.testing.assert_allclose(x.var(axis=0), var, rtol=0.03)


@settings(max_examples=25, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(1, 15), st.integers(0, 15)), min_size=1, max_size=4),
       mu=st.floats(0.01, 0.99), kappa=st.floats(0.0, 200.0))
def test_given_the_hyper_parameters_a_row_lies_between_its_own_and_the_pooled_mean(rows, mu, kappa):
    # Conditionally on (μ, κ), pooling moves each row's posterior mean move share from
    # its Perks mean (½ + moved)/(1 + n) towards μ, never past it.
    rows = [(n, min(k, n)) for n, k in rows]
    counts = np.array([[n - k, k] for n, k in rows], dtype=float).ravel()[None, :]
    starts = np.arange(0, 2 * len(rows), 2)
    plan = make_plan(starts, 2 * len(rows), counts, np.ones(len(rows), bool), np.array([n for n, _ in rows]))
    plan = dataclasses.replace(_degenerate(plan, kappa), mu=np.full_like(plan.mu, mu))
    means = pooled_means(plan, counts, starts, starts + 1, np.arange(len(rows)))[0]
    for (n, k), m in zip(rows, means):
        own = (0.5 + k) / (1 + n)
        assert min(own, mu) - 1e-12 <= m <= max(own, mu) + 1e-12


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 12), ks=st.lists(st.integers(0, 12), min_size=2, max_size=4))
def test_equal_rows_keep_their_order(n, ks):
    # Rows of the same size share the hyper-parameters' posterior, and each conditional
    # mean rises with the row's moves, so pooling never reverses two rows' order.
    ks = [min(k, n) for k in ks]
    counts = np.array([[n - k, k] for k in ks], dtype=float).ravel()[None, :]
    starts = np.arange(0, 2 * len(ks), 2)
    plan = make_plan(starts, 2 * len(ks), counts, np.ones(len(ks), bool), np.full(len(ks), n))
    means = pooled_means(plan, counts, starts, starts + 1, np.arange(len(ks)))[0]
    for i in range(len(ks)):
        for j in range(len(ks)):
            if ks[i] < ks[j]:
                assert means[i] < means[j]
            elif ks[i] == ks[j]:
                assert means[i] == means[j]


def _pooled_scenario(path):
    s = load_scenario(path)
    return dataclasses.replace(s, sample=dataclasses.replace(s.sample, prior="pooled"))


def test_reported_form_draws_match_their_means(west_sussex):
    # West Sussex publishes shares only: each draw picks a split, then the pooled
    # prior's grid point given that split. The draws' mean share must match the
    # exact mean over the splits' weights and each split's grid posterior.
    model = engine.build_model(_pooled_scenario(west_sussex))
    d = model.design
    x = engine.simulate(model, draws=3 * engine.BLOCK_SIZE, seed=3, keep_inputs=True)
    names = model.move_names
    drawn = np.array([x[f"share[{n}]"].mean() for n in names])
    w = np.full(d.compositions.shape[0], 1.0 / d.compositions.shape[0])
    exact = w @ pooled_means(d.pool, d.compositions, d.row_starts, d.move_cols, d.row_of_move)
    se = np.array([x[f"share[{n}]"].std() for n in names]) / np.sqrt(3 * engine.BLOCK_SIZE)
    assert np.all(np.abs(drawn - exact) < 4 * se + 1e-4)


def test_reproducible_whatever_the_chunking(west_sussex):
    # The hyper-parameters come from their own stream per block, so a shorter run is
    # the prefix of a longer one and the chunk size does not matter.
    model = engine.build_model(_pooled_scenario(west_sussex))
    ref = engine.simulate(model, draws=2 * engine.BLOCK_SIZE + 100, seed=9)
    chunked = engine.simulate(model, draws=2 * engine.BLOCK_SIZE + 100, seed=9, chunk_size=3000)
    short = engine.simulate(model, draws=engine.BLOCK_SIZE + 7, seed=9)
    for key in ref:
        np.testing.assert_array_equal(ref[key], chunked[key])
        np.testing.assert_array_equal(ref[key][:engine.BLOCK_SIZE + 7], short[key])


def test_inverse_cdf_draws_have_the_same_law(west_sussex):
    # The variance-share analysis draws every gamma by inverse CDF (one uniform per
    # column); the pooled prior's move totals must follow the same law that way.
    model = engine.build_model(_pooled_scenario(west_sussex))
    quantile = dataclasses.replace(model, quantile_sampling=True)
    n = 2 * engine.BLOCK_SIZE
    a = engine.simulate(model, draws=n, seed=5, keep_inputs=True)
    b = engine.simulate(quantile, draws=n, seed=5, keep_inputs=True)
    for name in model.move_names:
        x, y = a[f"share[{name}]"], b[f"share[{name}]"]
        se = np.sqrt((x.var() + y.var()) / n)
        assert abs(x.mean() - y.mean()) < 4 * se
        assert abs(x.std() - y.std()) < 0.05 * x.std()
