"""The coverage study (auditor.analysis.coverage) against exact binomial calculations.

For one row of two cells (stay, one move) the sampling stage's interval is a
Beta quantile (``bayes``: Perks' 1/K = ½ per cell, i.e. Jeffreys) or a
Binomial quantile (``bootstrap``), so its coverage at a true share q is a
finite sum over the review's count k ~ Binomial(n, q), computed here with
scipy, independently of the engine. The simulated coverage must agree with it
within binomial error (three standard errors of the simulated share).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from scipy import stats

from auditor.analysis.coverage import DESIGNS, CoverageDesign, coverage
from auditor.model.pooling import hyper_grid

N, Q = 28, 0.05
RARE = CoverageDesign("one row", (("independent", N, {"mainstream": Q}),))


def exact_tails(interval) -> tuple[float, float]:
    """P(truth below the interval), P(truth above it) over k ~ Binomial(N, Q)."""
    below = above = 0.0
    for k in range(N + 1):
        lo, hi = interval(k)
        pk = stats.binom.pmf(k, N, Q)
        below += pk * (Q < lo)
        above += pk * (Q > hi)
    return below, above


def jeffreys(k: int) -> tuple[float, float]:
    return tuple(stats.beta.ppf((0.05, 0.95), k + 0.5, N - k + 0.5))


def bootstrap(k: int) -> tuple[float, float]:
    # numpy's quantile interpolates between order statistics; with 4000 draws the
    # 5th and 95th percentiles sit on Binomial quantiles except at ties, which
    # the binomial tolerance below absorbs.
    return tuple(stats.binom.ppf((0.05, 0.95), N, k / N) / N)


def close(simulated: float, exact: float, reviews: int) -> bool:
    se = math.sqrt(max(exact * (1 - exact), 1e-4) / reviews)
    return abs(simulated - exact) <= 3 * se + 1e-9


def test_rare_move_keeps_prior_mass_and_matches_jeffreys():
    # Exact: P(k = 0) = 0.95^28 = 0.238, and the Jeffreys upper limit at k = 0,
    # Beta(0.5, 28.5).ppf(0.95) = 0.066, covers q = 0.05: the unseen move costs no
    # coverage any more. The tails come out 0.05 below / 0 above.
    exact = exact_tails(jeffreys)
    below, above = coverage(RARE, reviews=400, draws=4000, seed=3)
    assert close(below, exact[0], 400) and close(above, exact[1], 400)
    assert 0.9 <= 1 - sum(exact) <= 0.96


def pooled_one_row(k: int) -> tuple[bool, bool]:
    """Whether Q lies below p05 / above p95 of the pooled prior's one-row posterior.

    One row of two cells: given (μ, κ) the share is Beta(½ + μκ + k, ½ + (1 − μ)κ + N − k),
    and (μ, κ) has posterior weights ∝ the beta-binomial pmf of k on the grid of equal
    prior mass, so the posterior CDF at Q is a finite mixture of regularised
    incomplete beta functions (scipy), with no sampling.
    """
    mu, kappa = hyper_grid(float(N))
    a, b = 0.5 + mu * kappa, 0.5 + (1 - mu) * kappa
    w = stats.betabinom.pmf(k, N, a, b)
    cdf = float(np.sum(w * stats.beta.cdf(Q, a + k, b + N - k)) / w.sum())
    return cdf < 0.05, cdf > 0.95


def test_pooled_prior_keeps_the_single_rare_row_calibrated():
    # With one row there is nothing to pool; the exact tails (a sum over k ~ Binomial(N, Q))
    # are 0.049 below / 0 above, the same as Jeffreys' exact tails, and the simulation agrees.
    below = sum(stats.binom.pmf(k, N, Q) * pooled_one_row(k)[0] for k in range(N + 1))
    above = sum(stats.binom.pmf(k, N, Q) * pooled_one_row(k)[1] for k in range(N + 1))
    assert 0.03 <= below <= 0.07 and above == 0.0
    sim_below, sim_above = coverage(RARE, prior="pooled", reviews=300, draws=2000, seed=6)
    assert close(sim_below, below, 300) and close(sim_above, above, 300)


def test_boundary_designs_have_a_tail_no_interval_can_reach():
    # docs/methods.md §2: a review that sees no move at all (rare moves) or only moves
    # (shares near 1) is more likely than 0.07, so the tail on that side is either 0 or
    # at least that likely, for any interval that rises with the moves seen.
    rare = next(d for d in DESIGNS if d.name.startswith("rare moves, often"))
    none_seen = math.prod((1 - sum(p.values())) ** n for _, n, p in rare.rows)
    near_one = next(d for d in DESIGNS if d.name.startswith("shares near 1"))
    all_moved = math.prod(sum(p.values()) ** n for _, n, p in near_one.rows)
    assert round(none_seen, 3) == 0.201 and round(all_moved, 3) == 0.112   # 0.85^4·0.92^10·0.98^6; Π q^7
    assert none_seen > 0.07 and all_moved > 0.07


def test_the_former_rule_missed_every_review_that_saw_no_move():
    # With unseen moves switched off a review with k = 0 gives [0, 0]: the truth lies
    # above the interval with probability at least P(k = 0) = 0.238.
    old = CoverageDesign("one row", RARE.rows)
    from auditor.analysis import coverage as cov

    rng = np.random.default_rng(1)
    misses = 0
    for _ in range(300):
        s = cov._sample(old, rng, "bayes", "perks")
        s = type(s)(s.form, s.method, s.prior, s.counts, unseen="none")
        from auditor.model.sample import build_design
        misses += not build_design(cov.SETTINGS, s).moves
    assert close(misses / 300, 0.95 ** 28, 300)


def test_bootstrap_matches_its_binomial_quantiles():
    exact = exact_tails(bootstrap)
    below, above = coverage(RARE, method="bootstrap", reviews=400, draws=4000, seed=4)
    assert close(below, exact[0], 400) and close(above, exact[1], 400)
    assert above > 0.2  # the bootstrap's failure the methods table reports


def test_designs_are_the_ones_documented():
    names = [d.name for d in DESIGNS]
    text = (Path(__file__).resolve().parent.parent / "docs" / "methods.md").read_text(encoding="utf-8")
    for name in names:
        assert name in text, name


def test_west_sussex_like_design_covers_about_ninety_percent():
    # docs/methods.md records 0.897 (0.027 below / 0.076 above) from 1,000 reviews;
    # 300 reviews put the coverage within ±3 SE ≈ ±0.05 of that.
    design = next(d for d in DESIGNS if d.name.startswith("West-Sussex-like (2/3"))
    below, above = coverage(design, reviews=300, draws=1000, seed=5)
    assert close(1 - below - above, 0.897, 300)


def test_the_study_puts_the_pooling_scale_back(capsys):
    # `--pool-n0` changes a module setting for the study only; later audits in the process keep the default.
    from auditor.analysis.coverage import main
    from auditor.model import pooling

    before = pooling.SHRINK_N0
    main(["--reviews", "2", "--draws", "50", "--methods", "2", "--pool-n0", "1"])
    assert pooling.SHRINK_N0 == before
    assert "| design | pooled (hierarchical) |" in capsys.readouterr().out
