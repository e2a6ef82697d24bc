"""The priors tried in bench/coverage_alternatives.py, checked on one row against exact binomial sums.

On one row of two cells (stay, one move) each candidate's posterior is a Beta,
so the share of reviews whose interval misses the true share on each side is a
finite sum over k ~ Binomial(n, q), computed here with scipy. The script's
simulated tails must agree within three binomial standard errors, which checks
its sampler independently of the engine.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from auditor.analysis.coverage import CoverageDesign

ROOT = Path(__file__).resolve().parents[1]
N, Q = 28, 0.05
ROW = CoverageDesign("one row", (("independent", N, {"mainstream": Q}),))


def _load():
    spec = importlib.util.spec_from_file_location("auditor_bench_alternatives", ROOT / "bench" / "coverage_alternatives.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


alt = _load()


def exact_tails(a_stay: float, a_move: float) -> tuple[float, float]:
    """P(q below p05), P(q above p95) of Beta(k + a_move, N − k + a_stay), k ~ Binomial(N, Q)."""
    k = np.arange(N + 1)
    lo, hi = stats.beta.ppf([[0.05], [0.95]], k + a_move, N - k + a_stay)
    pk = stats.binom.pmf(k, N, Q)
    return float(pk @ (Q < lo)), float(pk @ (Q > hi))


@pytest.mark.parametrize("kind, param, a_stay, a_move", [
    ("perks", 1.0, 0.5, 0.5),        # Perks on two cells is Jeffreys
    ("perks", 0.6, 0.3, 0.3),        # c/K per cell
    ("tilted", 0.5, 0.25, 0.75),     # (1 ∓ τ)/K: the saving move gets 0.75, stay 0.25
    ("unit", 1.0, 0.5, 0.5),         # a lone row has no other rows to centre on: Perks
    ("two-stage", 1.0, 0.5, 0.5),    # stay ½ and one destination ½/1: Jeffreys again
])
def test_one_row_tails_match_exact_beta_sums(kind, param, a_stay, a_move):
    below, above = alt.coverage(ROW, kind, param, reviews=400, draws=4000, seed=5)
    want = exact_tails(a_stay, a_move)
    for got, exact in zip((below, above), want):
        se = math.sqrt(max(exact * (1 - exact), 1e-4) / 400)
        assert abs(got - exact) <= 3 * se + 1e-9, (kind, param, got, exact)


def test_smaller_prior_loses_the_unseen_move():
    # Why Perks x 0.6 is not kept: at k = 0 (probability 0.95^28 = 0.238) its upper
    # limit Beta(0.3, 28.3).ppf(0.95) falls below the true 0.05, so the truth lies
    # above the interval in every such review; Jeffreys' limit (0.066) covers it.
    assert stats.beta.ppf(0.95, 0.3, N + 0.3) < Q < stats.beta.ppf(0.95, 0.5, N + 0.5)
    assert exact_tails(0.3, 0.3)[1] >= 0.95 ** N - 1e-12


def test_two_stage_prior_gives_the_moves_half_however_many():
    design = CoverageDesign("x", (("independent", 10, {"mainstream": 0.3, "state_special": 0.2, "resourced": 0.1}),))
    rows = alt.rows_of(design)
    a = alt.prior("two-stage", 1.0, rows, [np.array([4, 3, 2, 1])], 0)
    # stay ½; three destinations share the other ½ (Perks would give the moves ¾)
    assert np.allclose(a, [0.5, 1 / 6, 1 / 6, 1 / 6])


def test_unit_information_prior_centres_on_the_other_rows():
    design = CoverageDesign("two rows", (("independent", 4, {"mainstream": 0.5}),
                                         ("state_special", 10, {"mainstream": 0.3})))
    rows = alt.rows_of(design)
    counts = [np.array([3, 1]), np.array([7, 3])]
    # row 0's centre is the other row's Jeffreys-smoothed move share (3 + ½)/(10 + 1)
    mu = 3.5 / 11
    assert np.allclose(alt.prior("unit", 1.0, rows, counts, 0), [1 - mu, mu])
    assert np.isclose(alt.prior("unit", 1.0, rows, counts, 0).sum(), 1.0)


def test_prepivot_helpers_agree_with_the_posterior_mean():
    # One row of 10 with 3 moves, Perks on two cells: posterior Beta(3.5, 7.5), mean 3.5/11.
    design = CoverageDesign("x", (("independent", 10, {"mainstream": 0.3}),))
    rows = alt.rows_of(design)
    counts = [np.array([7, 3])]
    (m,) = alt._mean_shares(rows, counts, False)
    assert np.allclose(m, [7.5 / 11, 3.5 / 11])
    x, at_mean = alt._perks_saving(rows, counts, np.random.default_rng(1), 20_000, False)
    value = rows[0][4][0]
    assert at_mean == pytest.approx(3.5 / 11 * value)
    # the draws' mean is the same posterior mean, within Monte Carlo error (sd of Beta(3.5, 7.5) ≈ 0.135)
    assert abs(x.mean() / value - 3.5 / 11) < 4 * 0.135 / np.sqrt(20_000)
