"""The dist vocabulary (auditor.inputs.distributions): parsing, moments, quantiles, draws."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from auditor.inputs.distributions import MONEY, POSITIVE, SHARE, parse_dist
from auditor.errors import ScenarioError

N = 200_000  # draws for Monte Carlo checks; the tolerances below are in units of their standard error


def rng(seed: int = 12345) -> np.random.Generator:
    return np.random.default_rng(seed)


def assert_mc_mean(x: np.ndarray, expected: float) -> None:
    # Five Monte Carlo standard errors: a false alarm about once in 1.7 million runs,
    # and the seed is fixed anyway.
    se = np.std(x, ddof=1) / math.sqrt(x.size)
    assert abs(np.mean(x) - expected) <= 5 * se + 1e-12 * abs(expected)


# ---- means and quantiles against scipy ---------------------------------------

def test_uniform():
    d = parse_dist({"dist": "uniform", "low": "£20k", "high": 26000}, MONEY, "c")
    assert d.mean() == 23000.0
    assert d.quantile(0.25) == pytest.approx(stats.uniform(20000, 6000).ppf(0.25))
    x = d.draw(rng(), N)
    assert x.min() >= 20000 and x.max() <= 26000
    assert_mc_mean(x, 23000.0)


def test_triangular():
    d = parse_dist({"dist": "triangular", "low": 48500, "mode": 61500, "high": 70353}, MONEY, "c")
    ref = stats.triang((61500 - 48500) / (70353 - 48500), loc=48500, scale=70353 - 48500)
    assert d.mean() == pytest.approx(ref.mean(), rel=1e-12)
    assert d.quantile(0.9) == pytest.approx(ref.ppf(0.9), rel=1e-12)
    assert_mc_mean(d.draw(rng(), N), ref.mean())


def test_pert_mean_and_shape():
    # Classic PERT (Malcolm et al. 1959): Beta(1 + 4(m−a)/(b−a), 1 + 4(b−m)/(b−a)) on [a, b],
    # mean (a + 4m + b)/6. Here a=0.5, m=0.8, b=1: shapes 3.4 and 2.6, mean 4.7/6.
    d = parse_dist({"dist": "pert", "low": 0.5, "mode": 0.8, "high": 1.0}, SHARE, "r")
    ref = stats.beta(3.4, 2.6, loc=0.5, scale=0.5)
    assert d.mean() == pytest.approx(4.7 / 6, rel=1e-12)
    assert d.mean() == pytest.approx(ref.mean(), rel=1e-12)
    for q in (0.05, 0.5, 0.95):
        assert d.quantile(q) == pytest.approx(ref.ppf(q), rel=1e-10)
    assert_mc_mean(d.draw(rng(), N), ref.mean())


def test_degenerate_pert_and_triangular_are_constant():
    for kind in ("pert", "triangular"):
        d = parse_dist({"dist": kind, "low": 5000, "mode": 5000, "high": 5000}, MONEY, "c")
        assert d.mean() == 5000
        assert np.all(d.draw(rng(), 10) == 5000)


def test_truncated_normal_mean_matches_scipy():
    # A cost with mean £10k and sd £8k: about 11% of the normal lies below zero and is cut off.
    d = parse_dist({"dist": "normal", "mean": 10000, "sd": 8000}, MONEY, "c")
    ref = stats.truncnorm((0 - 10000) / 8000, np.inf, loc=10000, scale=8000)
    assert d.mean() == pytest.approx(ref.mean(), rel=1e-9)
    for q in (0.05, 0.5, 0.95):
        assert d.quantile(q) == pytest.approx(ref.ppf(q), rel=1e-7)
    x = d.draw(rng(), N)
    assert x.min() >= 0
    assert_mc_mean(x, ref.mean())
    # Inverse-CDF sampling: the draws follow the truncated law itself.
    assert stats.kstest(x[:20_000], ref.cdf).pvalue > 1e-3


def test_truncated_normal_share_both_ends():
    d = parse_dist({"dist": "normal", "mean": 0.9, "sd": 0.2}, SHARE, "r")
    ref = stats.truncnorm((0 - 0.9) / 0.2, (1 - 0.9) / 0.2, loc=0.9, scale=0.2)
    assert d.mean() == pytest.approx(ref.mean(), rel=1e-9)
    x = d.draw(rng(), N)
    assert 0 <= x.min() and x.max() <= 1
    assert_mc_mean(x, ref.mean())


def test_lognormal():
    d = parse_dist({"dist": "lognormal", "median": 20000, "sd_log": 0.3}, MONEY, "c")
    ref = stats.lognorm(0.3, scale=20000)
    assert d.mean() == pytest.approx(ref.mean(), rel=1e-12)
    assert d.quantile(0.5) == pytest.approx(20000, rel=1e-12)
    assert d.quantile(0.95) == pytest.approx(ref.ppf(0.95), rel=1e-9)
    assert_mc_mean(d.draw(rng(), N), ref.mean())


def test_lognormal_share_is_truncated_at_one():
    d = parse_dist({"dist": "lognormal", "median": 0.8, "sd_log": 0.3}, SHARE, "r")
    # E[X | X ≤ 1] for a lognormal, from scipy's expect on the truncated support.
    ref = stats.lognorm(0.3, scale=0.8)
    expected = ref.expect(lambda v: v, lb=0, ub=1, conditional=True)
    assert d.mean() == pytest.approx(expected, rel=1e-7)
    x = d.draw(rng(), N)
    assert x.max() <= 1
    assert_mc_mean(x, expected)


def test_beta_by_shapes():
    d = parse_dist({"dist": "beta", "a": 2, "b": 5}, SHARE, "t")
    ref = stats.beta(2, 5)
    assert d.mean() == pytest.approx(ref.mean(), rel=1e-12)
    assert d.quantile(0.05) == pytest.approx(ref.ppf(0.05), rel=1e-10)
    assert_mc_mean(d.draw(rng(), N), ref.mean())


@pytest.mark.parametrize("mean, sd", [(0.7, 0.1), (0.2, 0.05), (0.5, 0.28)])
def test_beta_by_mean_and_sd_round_trips(mean, sd):
    d = parse_dist({"dist": "beta", "mean": mean, "sd": sd}, SHARE, "t")
    p = d.p
    ref = stats.beta(p["a"], p["b"])
    assert ref.mean() == pytest.approx(mean, rel=1e-12)
    assert ref.std() == pytest.approx(sd, rel=1e-12)
    assert d.mean() == pytest.approx(mean, rel=1e-12)


def test_beta_rescaled_to_money_range():
    d = parse_dist({"dist": "beta", "mean": 22000, "sd": 1500, "low": 16000, "high": 26000}, MONEY, "c")
    p = d.p
    ref = stats.beta(p["a"], p["b"], loc=16000, scale=10000)
    assert ref.mean() == pytest.approx(22000, rel=1e-12)
    assert ref.std() == pytest.approx(1500, rel=1e-12)
    x = d.draw(rng(), N)
    assert 16000 <= x.min() and x.max() <= 26000
    assert_mc_mean(x, 22000)


@pytest.mark.parametrize("low, high, level", [(20000, 26000, 0.9), (5000, 40000, 0.8), (1e6, 3e6, 0.5)])
def test_money_interval_puts_level_inside(low, high, level):
    # A positive money range is fitted to a lognormal with P(low ≤ X ≤ high) = level exactly.
    d = parse_dist({"dist": "interval", "low": low, "high": high, "level": level}, MONEY, "c")
    assert d.kind == "lognormal"
    ref = stats.lognorm(d.p["sd_log"], scale=d.p["median"])
    assert ref.cdf(high) - ref.cdf(low) == pytest.approx(level, abs=1e-12)
    assert ref.cdf(low) == pytest.approx((1 - level) / 2, abs=1e-12)   # equal tails
    x = d.draw(rng(), N)
    inside = np.mean((x >= low) & (x <= high))
    assert abs(inside - level) <= 5 * math.sqrt(level * (1 - level) / N)


def test_share_interval_fits_a_normal():
    # Far from 0 and 1, truncation removes < 1e-20 of the mass, so the level holds exactly.
    d = parse_dist({"dist": "interval", "low": 0.4, "high": 0.6}, SHARE, "r")
    assert d.kind == "normal"
    ref = stats.norm(d.p["mean"], d.p["sd"])
    assert ref.cdf(0.6) - ref.cdf(0.4) == pytest.approx(0.9, abs=1e-12)
    assert d.mean() == pytest.approx(0.5)


def test_interval_touching_zero_is_a_truncated_normal():
    # A money range starting at 0 cannot be lognormal; it is a normal cut at 0, so the
    # mass inside the range is level / P(X ≥ 0) (documented in docs/methods.md §3).
    d = parse_dist({"dist": "interval", "low": 0, "high": 1000, "level": 0.9}, MONEY, "c")
    assert d.kind == "normal"
    ref = stats.norm(d.p["mean"], d.p["sd"])
    assert ref.cdf(1000) - ref.cdf(0) == pytest.approx(0.9, abs=1e-12)
    assert d.mean() == pytest.approx(
        stats.truncnorm(-d.p["mean"] / d.p["sd"], np.inf, loc=d.p["mean"], scale=d.p["sd"]).mean())


def test_fixed_values():
    assert parse_dist("£58k", MONEY, "c").mean() == 58000
    assert parse_dist({"dist": "fixed", "value": 0.7}, SHARE, "r").mean() == 0.7
    assert parse_dist("67%", SHARE, "r").mean() == 0.67
    d = parse_dist(3, POSITIVE, "x")
    assert d.is_fixed and d.n_variates == 0
    assert np.all(d.draw(rng(), 4) == 3.0)


# ---- draws: one vectorised call, so a longer run extends a shorter one ---------

DISTS = [
    ({"dist": "uniform", "low": 1, "high": 2}, MONEY),
    ({"dist": "triangular", "low": 1, "mode": 1.5, "high": 3}, MONEY),
    ({"dist": "pert", "low": 1, "mode": 1.5, "high": 3}, MONEY),
    ({"dist": "normal", "mean": 1, "sd": 2}, MONEY),
    ({"dist": "lognormal", "median": 1, "sd_log": 1}, MONEY),
    ({"dist": "beta", "a": 0.5, "b": 0.7}, SHARE),   # Jöhnk's rejection branch of numpy's beta
    ({"dist": "beta", "a": 3, "b": 2}, SHARE),
    ({"dist": "interval", "low": 0.2, "high": 0.9}, SHARE),
]


@pytest.mark.parametrize("raw, domain", DISTS)
@given(m=st.integers(1, 300), extra=st.integers(0, 300), seed=st.integers(0, 2**32))
def test_draw_prefix_property(raw, domain, m, extra, seed):
    d = parse_dist(raw, domain, "x")
    short = d.draw(np.random.default_rng(seed), m)
    long = d.draw(np.random.default_rng(seed), m + extra)
    np.testing.assert_array_equal(short, long[:m])
    lo, hi = d.bounds()
    assert np.all((long >= lo) & (long <= hi))


@given(st.floats(0.001, 0.999))
def test_quantile_is_within_bounds_and_monotone(q):
    d = parse_dist({"dist": "normal", "mean": 0.5, "sd": 0.4}, SHARE, "r")
    assert 0 <= d.quantile(q) <= 1
    assert d.quantile(q) <= d.quantile(min(q + 0.01, 0.999)) + 1e-12


# ---- every validation message --------------------------------------------------

BAD = [
    # (raw value, domain, expected field, message regex)
    ({"low": 1}, MONEY, "c", r"a table here needs a `dist` key, one of fixed, uniform"),
    ({"dist": "gamma"}, MONEY, "c.dist", r"unknown dist 'gamma'; allowed: fixed, uniform, triangular, pert"),
    ({"dist": 3}, MONEY, "c.dist", r"unknown dist 3"),
    ({"dist": "uniform", "low": 1, "high": 2, "source": 5}, MONEY, "c.source", r"^must be a string, got 5$"),
    ({"dist": "uniform", "low": 1, "high": 2, "note": 5}, MONEY, "c.note", r"^must be a string, got 5$"),
    ({"dist": "uniform", "low": 1, "high": 2, "mode": 1}, MONEY, "c.mode",
     r"unknown key for dist 'uniform'; allowed: high, low, note, source"),
    ({"dist": "uniform", "low": 1}, MONEY, "c.high", r"missing; dist 'uniform' needs low, high"),
    ({"dist": "fixed"}, MONEY, "c.value", r"missing; dist 'fixed' needs value"),
    ({"dist": "fixed", "value": -1}, MONEY, "c.value", r"must be >= 0, got -1; a number or a string"),
    ({"dist": "uniform", "low": 3, "high": 2}, MONEY, "c", r"low \(3\) must not exceed high \(2\)"),
    ({"dist": "uniform", "low": -3, "high": 2}, MONEY, "c.low", r"must be >= 0, got -3"),
    ({"dist": "uniform", "low": 0.5, "high": 1.2}, SHARE, "c.high", r"must be between 0 and 1, got 1\.2"),
    ({"dist": "uniform", "low": "lots", "high": 2}, MONEY, "c.low", r'must be a number or a string such as "£17\.8m"'),
    ({"dist": "uniform", "low": "half", "high": 1}, SHARE, "c.low", r"must be a share between 0 and 1"),
    ({"dist": "uniform", "low": [1], "high": 2}, POSITIVE, "c.low", r"must be a number, got \[1\]"),
    ({"dist": "uniform", "low": math.nan, "high": 2}, POSITIVE, "c.low", r"must be a finite number, got nan"),
    ({"dist": "triangular", "low": 1, "mode": 5, "high": 3}, MONEY, "c.mode",
     r"mode must lie between low \(1\) and high \(3\), got 5"),
    ({"dist": "pert", "low": 1, "mode": 2, "high": 3, "a": 1}, MONEY, "c.a", r"unknown key for dist 'pert'"),
    ({"dist": "normal", "mean": 5, "sd": 0}, MONEY, "c.sd", r"must be > 0, got 0"),
    ({"dist": "normal", "mean": -50000, "sd": 10000}, MONEY, "c.mean",
     r"a normal with mean -50000 and sd 10000 puts less than 1% of its mass >= 0; move the mean"),
    ({"dist": "normal", "mean": 3, "sd": 0.5}, SHARE, "c.mean", r"less than 1% of its mass between 0 and 1"),
    ({"dist": "lognormal", "median": 0, "sd_log": 1}, MONEY, "c.median", r"must be > 0, got 0"),
    ({"dist": "lognormal", "median": 1, "sd_log": 0}, MONEY, "c.sd_log", r"must be > 0, got 0"),
    ({"dist": "lognormal", "median": 1, "sd_log": -1}, MONEY, "c.sd_log", r"must be > 0, got -1"),
    ({"dist": "beta", "a": 1, "b": 1}, MONEY, "c", r"a beta outside \[0, 1\] needs `low` and `high`"),
    ({"dist": "beta", "a": 1, "b": 1, "low": 5, "high": 2}, MONEY, "c", r"low \(5\) must not exceed high \(2\)"),
    ({"dist": "beta", "a": 1, "b": 1, "low": 0, "high": 2}, SHARE, "c.high", r"must be between 0 and 1, got 2"),
    ({"dist": "beta"}, SHARE, "c", r"give either `a` and `b`, or `mean` and `sd`"),
    ({"dist": "beta", "a": 1, "mean": 0.5}, SHARE, "c", r"give either `a` and `b`, or `mean` and `sd`"),
    ({"dist": "beta", "a": 1}, SHARE, "c.b", r"missing; a beta needs both `a` and `b`"),
    ({"dist": "beta", "a": 0, "b": 1}, SHARE, "c.a", r"must be > 0, got 0"),
    ({"dist": "beta", "a": 1, "b": -1}, SHARE, "c.b", r"must be > 0, got -1"),
    ({"dist": "beta", "mean": 0.5}, SHARE, "c.sd", r"missing; a beta by moments needs both `mean` and `sd`"),
    ({"dist": "beta", "mean": 1.0, "sd": 0.1}, SHARE, "c.mean", r"must lie strictly between 0 and 1, got 1"),
    ({"dist": "beta", "mean": 0.5, "sd": 0.6}, SHARE, "c.sd",
     r"must be > 0 and below sqrt\(mean·\(1−mean\)\) = 0\.5 for a beta with this mean, got 0\.6"),
    ({"dist": "beta", "mean": 0.5, "sd": 0}, SHARE, "c.sd", r"must be > 0 and below sqrt"),
    ({"dist": "interval", "low": 1, "high": 2, "level": 1}, MONEY, "c.level",
     r"must lie strictly between 0 and 1, got 1"),
    ({"dist": "interval", "low": 1, "high": 2, "level": 1.5}, MONEY, "c.level", r"must lie strictly between 0 and 1, got 1\.5"),
    ({"dist": "interval", "low": 2, "high": 2}, MONEY, "c", r"low \(2\) must be below high \(2\) for an interval"),
    ({"dist": "interval", "low": -1, "high": 2}, MONEY, "c.low", r"must be >= 0, got -1"),
    ({"dist": "interval", "low": 1, "high": 2, "mode": 1}, MONEY, "c.mode", r"unknown key for dist 'interval'"),
    (-5, MONEY, "c", r"must be >= 0, got -5"),
    (1.5, SHARE, "c", r"must be between 0 and 1, got 1\.5"),
    ("£1m?", MONEY, "c", r"must be a number or a string"),
    (True, POSITIVE, "c", r"must be a number, got True"),
]


@pytest.mark.parametrize("raw, domain, field, message", BAD, ids=[str(b[0])[:60] for b in BAD])
def test_invalid_dist_is_rejected(raw, domain, field, message):
    with pytest.raises(ScenarioError) as info:
        parse_dist(raw, domain, "c")
    assert info.value.field == field
    assert re.search(message, info.value.message), info.value.message


def test_describe_is_plain_words():
    assert parse_dist({"dist": "uniform", "low": 1000, "high": 2000}, MONEY, "c").describe() == \
        "uniform £1,000 to £2,000"
    assert "90% range £1,000 to £2,000 (lognormal fit)" == parse_dist(
        {"dist": "interval", "low": 1000, "high": 2000}, MONEY, "c").describe()
    assert parse_dist({"dist": "pert", "low": 1, "mode": 2, "high": 3}, MONEY, "c").describe() == \
        "pert £1 to £3, most likely £2"
