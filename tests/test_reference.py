"""Independent references for the statistical core.

Every expected value here is derived without the engine's own code: a Monte
Carlo of the savings formula written out in this file with its own generator,
an exact binomial tail from scipy, a numerical integral, or a hand calculation
in a comment. Pinned stream values elsewhere guard reproducibility; these tests
are what shows the numbers are right.

Tolerances are derived from Monte Carlo error and stated where they are used:

* a proportion estimated from ``D`` draws has standard error ``sqrt(p(1 − p)/D)``;
  checks allow 4 of them (a false alarm is a 6-in-100,000 event per check, and
  the seeds are fixed, so a pass is reproducible);
* two samples of sizes ``n`` and ``m`` from one law have a Kolmogorov–Smirnov
  distance above ``1.95·sqrt((n + m)/(n·m))`` with probability 0.001;
* a sample quantile has standard error ``sqrt(q(1 − q)/D) / f(x_q)``.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from scipy import integrate, stats

import auditor
from auditor.analysis import fragility as frag, sensitivity as sens
from auditor.inputs.scenario import parse_scenario
from auditor.model.engine import build_model, simulate
from auditor.inputs.judgement import parse_judgement
from strategies import base_scenario, transitions

Z = 4.0   # Monte Carlo standard errors allowed in a one-number check


def ks_limit(n: int, m: int, alpha: float = 1e-3) -> float:
    """Two-sample KS critical distance: exceeded with probability ``alpha`` under one law."""
    c = math.sqrt(-0.5 * math.log(alpha / 2))   # 1.95 at alpha = 0.001
    return c * math.sqrt((n + m) / (n * m))


def prop_tol(p: float, draws: int) -> float:
    """``Z`` standard errors of a proportion (never below one draw's worth)."""
    return Z * math.sqrt(max(p * (1 - p), 1.0 / draws) / draws)


def assert_same_law(got: np.ndarray, ref: np.ndarray, what: str) -> None:
    """KS distance below its 0.001 critical value, and the means within 4 standard errors."""
    d = stats.ks_2samp(got, ref).statistic
    assert d < ks_limit(got.size, ref.size), (what, d, ks_limit(got.size, ref.size))
    se = math.sqrt(got.var() / got.size + ref.var() / ref.size)
    assert abs(got.mean() - ref.mean()) < Z * se, (what, got.mean(), ref.mean(), se)
    # The spread, too: the sd of a sample sd is about sd·sqrt((κ − 1)/(4n)); κ ≤ 9 here.
    sd_tol = Z * ref.std() * math.sqrt(8 / (4 * ref.size) + 8 / (4 * got.size))
    assert abs(got.std() - ref.std()) < sd_tol, (what, got.std(), ref.std(), sd_tol)


# ---- 1. the full stage against an independent Monte Carlo ----------------------------

#: Three settings, every cost uncertain, an up-shift (a → c), uncertain θ and realisation.
THREE = base_scenario(
    settings={
        "a": {"cost": {"dist": "uniform", "low": 20000, "high": 30000}, "cohort": 200},
        "b": {"cost": {"dist": "uniform", "low": 8000, "high": 12000}, "cohort": 50},
        "c": {"cost": {"dist": "triangular", "low": 40000, "mode": 50000, "high": 60000}, "cohort": 30},
    },
    sample={"transitions": transitions({("a", "a"): 4, ("a", "b"): 3, ("a", "c"): 1,
                                        ("c", "c"): 2, ("c", "a"): 3, ("c", "b"): 1})},
    judgement={"model": "fixed", "theta": {"dist": "uniform", "low": 0.6, "high": 1.0}},
    implementation={"realisation": {"dist": "pert", "low": 0.2, "mode": 0.5, "high": 1.0}},
)
DRAWS = 60_000


def reference_three(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The savings of THREE written out from design.md §2, with its own generator.

    Row a ~ Dirichlet(4 + ⅓, 3 + ⅓, 1 + ⅓) over (stay, b, c); row c ~ Dirichlet(2 + ⅓, 3 + ⅓, 1 + ⅓)
    over (stay, a, b) (Perks' 1/K with K = 3 cells; no row has an unseen cheaper move: a's only
    cheaper setting is b, and c's are a and b, all observed). θ ~ U(0.6, 1) multiplies the down-shifts a → b, c → a, c → b and
    not the up-shift a → c. Each cost is drawn on its own; r ~ PERT(0.2, 0.5, 1) =
    0.2 + 0.8·Beta(1 + 4·0.3/0.8, 1 + 4·0.5/0.8) = 0.2 + 0.8·Beta(2.5, 3.5). The realisation is
    wide on purpose: with a narrow one, replacing the drawn r by its mean would hide in the
    sampling spread.
    """
    third = 1.0 / 3.0
    pa = rng.dirichlet([4 + third, 3 + third, 1 + third], n)
    pc = rng.dirichlet([2 + third, 3 + third, 1 + third], n)
    theta = rng.uniform(0.6, 1.0, n)
    ca = rng.uniform(20000, 30000, n)
    cb = rng.uniform(8000, 12000, n)
    cc = rng.triangular(40000, 50000, 60000, n)
    r = 0.2 + 0.8 * rng.beta(2.5, 3.5, n)
    mean_a, mean_b, mean_c, mean_r = 25000.0, 10000.0, 50000.0, (0.2 + 4 * 0.5 + 1.0) / 6

    def total(th, a, b, c):
        return (200 * (th * pa[:, 1] * (a - b) + pa[:, 2] * (a - c))
                + 30 * (th * pc[:, 1] * (c - a) + th * pc[:, 2] * (c - b)))

    return {"sampling": total(1.0, mean_a, mean_b, mean_c) * mean_r,
            "judgement": total(theta, mean_a, mean_b, mean_c) * mean_r,
            "full": total(theta, ca, cb, cc) * r}


@pytest.fixture(scope="module")
def three_run():
    return auditor.audit(parse_scenario(THREE), draws=DRAWS, seed=2024)


@pytest.fixture(scope="module")
def three_reference():
    return reference_three(2 * DRAWS, np.random.default_rng(987654321))


@pytest.mark.parametrize("stage", ["sampling", "judgement", "full"])
def test_each_stage_matches_an_independent_monte_carlo(three_run, three_reference, stage):
    assert_same_law(three_run.stages[stage], three_reference[stage], stage)


def test_draws_do_not_repeat_across_blocks(three_run):
    # Every source is continuous, so D independent draws are distinct with probability 1;
    # a block that reused another block's streams would repeat its 8,192 values.
    assert np.unique(three_run.savings).size == DRAWS
    assert np.unique(three_run.inputs["cost[a]"]).size == DRAWS


def test_point_estimate_of_the_three_setting_scenario(three_run):
    # a→b: 200·3/8·15,000 = 1,125,000; a→c: 200·1/8·(25,000 − 50,000) = −625,000;
    # c→a: 30·3/6·25,000 = 375,000; c→b: 30·1/6·40,000 = 200,000. Σ = 1,075,000, × r̄ = 3.2/6.
    assert three_run.point_estimate == pytest.approx(1_075_000 * 3.2 / 6, rel=1e-12)


def test_costs_of_different_settings_are_drawn_independently(three_run):
    # Independent costs: each pair's rank correlation is 0 with sd 1/sqrt(D - 1).
    keys = ["cost[a]", "cost[b]", "cost[c]"]
    x = np.column_stack([three_run.inputs[k] for k in keys])
    rho = stats.spearmanr(x).statistic
    for i in range(3):
        for j in range(i + 1, 3):
            assert abs(rho[i, j]) < Z / math.sqrt(DRAWS - 1), (keys[i], keys[j], rho[i, j])
    # and each other source is independent of the costs and of each other
    others = np.column_stack([three_run.inputs["theta"], three_run.inputs["realisation"], x[:, 0]])
    rho = stats.spearmanr(others).statistic
    assert np.all(np.abs(rho[np.triu_indices(3, 1)]) < Z / math.sqrt(DRAWS - 1)), rho


def test_each_input_has_its_declared_law(three_run):
    # One-sample KS at 0.001 (critical distance 1.95/sqrt(D)) against scipy's laws.
    laws = {"cost[a]": stats.uniform(20000, 10000), "cost[b]": stats.uniform(8000, 4000),
            "cost[c]": stats.triang(0.5, loc=40000, scale=20000), "theta": stats.uniform(0.6, 0.4),
            "realisation": stats.beta(2.5, 3.5, loc=0.2, scale=0.8)}
    for key, law in laws.items():
        d = stats.kstest(three_run.inputs[key], law.cdf).statistic
        assert d < 1.95 / math.sqrt(DRAWS), (key, d)


def test_full_stage_is_the_formula_on_the_kept_inputs(three_run):
    # Draw by draw, full = r · Σ N·θ_m·p·Δc on the inputs the run reports (θ only on down-shifts).
    i = three_run.inputs
    a, b, c = i["cost[a]"], i["cost[b]"], i["cost[c]"]
    th = i["theta"]
    expected = i["realisation"] * (
        200 * (th * i["share[a->b]"] * (a - b) + i["share[a->c]"] * (a - c))
        + 30 * (th * i["share[c->a]"] * (c - a) + th * i["share[c->b]"] * (c - b)))
    np.testing.assert_allclose(three_run.savings, expected, rtol=1e-9, atol=1e-3)


# ---- 2. the `reported` form: every consistent split is drawn ---------------------------

def test_every_consistent_split_is_drawn_equally_often():
    # Half of the reviewed `a` cases judged ideal in b, sub-group size unpublished (1…10 of n = 10).
    # By hand: m = 2, 4, 6, 8, 10 give k = m/2 exactly; odd m give k/m off ½ by ≥ 0.1 > 0.05, and
    # m = 1 would need k = 1 = m (a share below one leaves a case out). So 5 splits, each 1/5.
    doc = base_scenario(sample={"n": 10, "reported": [{"current": "a", "ideal": "b", "share": "1/2"}]})
    draws = 20_000
    r = auditor.audit(parse_scenario(doc), draws=draws, seed=8)
    sizes, counts = np.unique(r.inputs["cases[a]"], return_counts=True)
    assert sizes.tolist() == [2, 4, 6, 8, 10]
    # Chi-square with 4 degrees of freedom: above 18.47 with probability 0.001.
    assert stats.chisquare(counts).statistic < stats.chi2(4).isf(1e-3), counts
    # Given the split m, the move share is Beta(m/2 + ½, m/2 + ½) (Jeffreys): its mean is ½.
    share = r.inputs["share[a->b]"]
    for m in (2, 10):
        x = share[r.inputs["cases[a]"] == m]
        law = stats.beta(m / 2 + 0.5, m / 2 + 0.5)
        assert abs(x.mean() - 0.5) < Z * law.std() / math.sqrt(x.size)
        assert abs(x.std() - law.std()) < Z * law.std() * math.sqrt(1 / x.size)


def test_published_share_rounds_half_up_to_whole_cases():
    # "57%" of 7 cases is 3.99 cases: 4 (4/7 = 0.571, within 0.05 of 0.57), never 3 (0.43).
    # "1/2" of 2 cases plus an exact count of 1 into c fill the sub-group of 2 exactly: allowed.
    doc = base_scenario(settings={"a": {"cost": 30000, "cohort": 100}, "b": {"cost": 10000, "cohort": 0},
                                  "c": {"cost": 20000, "cohort": 0}},
                        sample={"n": 10, "unseen": "none", "reported": [
                            {"current": "a", "ideal": "b", "share": "57%", "cases": 7}]})
    d = build_model(parse_scenario(doc)).design
    assert d.composition_sizes.tolist() == [[7]] and d.compositions.tolist() == [[3, 4]]
    doc["sample"] = {"n": 10, "unseen": "none", "reported": [{"current": "a", "ideal": "b", "share": "1/2", "cases": 2},
                                           {"current": "a", "ideal": "c", "count": 1}]}
    d = build_model(parse_scenario(doc)).design
    # Cells: stay (2 − 1 − 1 = 0), b (1), c (1); the prior is added when drawing.
    assert d.composition_sizes.tolist() == [[2]] and d.compositions.tolist() == [[0, 1, 1]]


# ---- 3. exact discrete checks -----------------------------------------------------------

def bootstrap_eight(low: str, high: str) -> dict:
    """a (cohort 100, £30k) with 5 of 8 cases judged ideal in b (£10k); stratified bootstrap.

    Every draw is K·£250,000 exactly, K ~ Binomial(8, 5/8): K/8 is exact in binary and
    K/8 · 20,000 · 100 is a whole number, so a claim end of £1m is attained at K = 4.
    """
    return base_scenario(claim={"low": low, "high": high, "per": "year"},
                         sample={"transitions": transitions({("a", "a"): 3, ("a", "b"): 5}),
                                 "method": "bootstrap"},
                         judgement={"model": "face_value"})


def test_bootstrap_chances_at_attainable_claim_ends_are_binomial_tails():
    draws = 20_000
    r = auditor.audit(parse_scenario(bootstrap_eight("£1m", "£1.5m")), draws=draws, seed=31)
    x = r.savings
    assert set(np.unique(x / 250_000)) <= set(range(9))
    law = stats.binom(8, 5 / 8)
    p_low = law.sf(3)        # P(K ≥ 4): the claim's low end is met when savings = £1m exactly
    p_high = law.sf(5)       # P(K ≥ 6)
    p_within = law.cdf(6) - law.cdf(3)   # P(4 ≤ K ≤ 6): both ends count as within
    s = r.summary()
    for got, want, what in ((s["p_meets_low"], p_low, "p_meets_low"), (s["p_meets_high"], p_high, "p_meets_high"),
                            (s["p_within_claim"], p_within, "p_within_claim"),
                            (s.get("p_in_range", p_within), p_within, "p_in_range")):
        assert abs(got - want) < prop_tol(want, draws), (what, got, want)
    # The ties matter: P(K > 4) and P(K < 6) are far outside the Monte Carlo error.
    assert abs(s["p_meets_low"] - law.sf(4)) > 10 * prop_tol(p_low, draws)
    assert abs(s["p_within_claim"] - (law.cdf(5) - law.cdf(3))) > 10 * prop_tol(p_within, draws)
    # The reported sd is the sample standard deviation (divisor D − 1), as Python's statistics computes it.
    assert s["savings"]["sd"] == pytest.approx(statistics.stdev(x.tolist()), rel=1e-9)
    stages = {st["name"]: st for st in s["stages"]}
    for name in ("sampling", "judgement", "full"):
        assert abs(stages[name]["p_meets_low"] - p_low) < prop_tol(p_low, draws), name
    # The point (5 of 8 → £1.25m) is between the ends, so its "chance" of meeting the low end is 1.
    assert stages["point"]["p_meets_low"] == 1.0 and stages["point"]["p_meets_high"] == 0.0


def test_a_point_estimate_exactly_at_the_low_end_meets_it():
    # Point = 100·5/8·20,000 = £1.25m exactly; a claim low of £1.25m is met by the point
    # (the point stage's chance is 1) and by the draws with K ≥ 5: P = binom.sf(4).
    draws = 20_000
    r = auditor.audit(parse_scenario(bootstrap_eight("£1.25m", "£2m")), draws=draws, seed=33)
    assert r.point_estimate == 1_250_000
    stages = {st["name"]: st for st in r.summary()["stages"]}
    assert stages["point"]["p_meets_low"] == 1.0 and stages["point"]["p_meets_high"] == 0.0
    want = stats.binom(8, 5 / 8).sf(4)
    assert abs(stages["full"]["p_meets_low"] - want) < prop_tol(want, draws)


def test_grid_chance_counts_draws_at_the_low_end():
    # The grid's cell at θ = 1, realisation = 1 is the bootstrap itself: P(K ≥ 4) with K ~ Binomial(8, 5/8).
    draws = 8192
    g = sens.two_way_grid(parse_scenario(bootstrap_eight("£1m", "£1.5m")), draws=draws, seed=34)
    i, j = g["theta"].index(1.0), g["realisation"].index(1.0)
    want = stats.binom(8, 5 / 8).sf(3)
    assert abs(g["p_meets_low"][i][j] - want) < prop_tol(want, draws)


def test_p_within_claim_excludes_draws_outside_either_end():
    # Claim £0.5m–£0.75m (K = 2…3): P = 0.0763…; draws above the high end or below the low end
    # must both be excluded (an "or" would give 1).
    draws = 20_000
    r = auditor.audit(parse_scenario(bootstrap_eight("£500k", "£750k")), draws=draws, seed=32)
    law = stats.binom(8, 5 / 8)
    want = law.cdf(3) - law.cdf(1)
    s = r.summary()
    for key in ("p_within_claim", "p_in_range"):
        got = s.get(key, want)
        assert abs(got - want) < prop_tol(want, draws), (key, got, want)


# ---- 4. the selection reading on the engine path --------------------------------------

SELECTION = {"model": "selection", "evidence": {"overturned": 3, "upheld": 1}, "selectivity": 5,
             "win_if_wrong": {"dist": "uniform", "low": 0.8, "high": 1.0},
             "win_if_right": {"dist": "uniform", "low": 0.2, "high": 0.6}}


def reference_selection_theta(n: int, rng: np.random.Generator, transport: float = 1.0) -> np.ndarray:
    """θ = 1 − τ·w, w = (O − f)/((O − f) + ρ(s − O)) clipped: w = 0 when O ≤ f, w = 1 when O ≥ s.

    With raw counts (3 overturned, 1 upheld) O ~ Beta(3 + ½, 1 + ½); ρ = 5.
    """
    o = rng.beta(3.5, 1.5, n)
    s = rng.uniform(0.8, 1.0, n)
    f = rng.uniform(0.2, 0.6, n)
    w = np.empty(n)
    low, high = o <= f, o >= s
    mid = ~(low | high)
    w[low], w[high] = 0.0, 1.0
    w[mid] = (o[mid] - f[mid]) / ((o[mid] - f[mid]) + 5 * (s[mid] - o[mid]))
    return 1.0 - transport * w


def selection_point_masses() -> tuple[float, float]:
    """P(O ≥ s) and P(O ≤ f) by numerical integration over the uniform s and f."""
    o = stats.beta(3.5, 1.5)
    p_wrong = integrate.quad(lambda s: o.sf(s), 0.8, 1.0)[0] / 0.2
    p_right = integrate.quad(lambda f: o.cdf(f), 0.2, 0.6)[0] / 0.4
    return p_wrong, p_right


@pytest.mark.parametrize("transport", [1.0, 0.6])
def test_selection_theta_on_the_engine_path_clips_both_ends(transport):
    draws = 40_000
    judgement = dict(SELECTION, transport=transport)
    doc = base_scenario(judgement=judgement)
    r = auditor.audit(parse_scenario(doc), draws=draws, seed=77)
    theta = r.inputs["theta"]
    p_wrong, p_right = selection_point_masses()
    assert 0.1 < p_wrong < 0.5 and 0.05 < p_right < 0.5   # both clips are exercised
    assert np.all((theta >= 1 - transport) & (theta <= 1.0))
    # O ≥ s: the reading says every decision was wrong, θ = 1 − τ; O ≤ f: none was, θ = 1.
    assert abs(np.mean(theta == 1 - transport) - p_wrong) < prop_tol(p_wrong, draws)
    assert abs(np.mean(theta == 1.0) - p_right) < prop_tol(p_right, draws)
    ref = reference_selection_theta(2 * draws, np.random.default_rng(4242), transport)
    assert_same_law(theta, ref, "theta")
    # The engine applies that θ: one down-shift row, fixed costs and realisation 1, so the
    # judgement stage is θ times the sampling stage, draw by draw.
    np.testing.assert_allclose(r.stages["judgement"], theta * r.stages["sampling"], rtol=1e-12)


def test_selection_central_with_transport_is_the_closed_form():
    # O = 0.96, ρ = 10, s = 1, f = 0.5: w = 0.46 / (0.46 + 10·0.04) = 0.534884; θ = 1 − τ̄·w.
    w = 0.46 / (0.46 + 0.4)
    for transport, tau_mean in ((0.5, 0.5), ({"dist": "uniform", "low": 0.2, "high": 0.6}, 0.4)):
        m = parse_judgement({"model": "selection", "selectivity": 10, "evidence": {"overturn_rate": 0.96},
                             "transport": transport})
        assert m.central() == pytest.approx(1 - tau_mean * w, rel=1e-12)


def test_selection_central_clips_at_both_ends():
    # Fixed inputs take the closed form: O = 0.96 ≥ s = 0.9 reads as every decision wrong
    # (w = 1, θ = 1 − τ); O = 0.4 ≤ f = 0.5 as none (w = 0, θ = 1).
    for o, tau, want in ((0.96, 0.5, 0.5), (0.96, 1.0, 0.0), (0.4, 0.5, 1.0)):
        m = parse_judgement({"model": "selection", "selectivity": 10, "evidence": {"overturn_rate": o},
                             "win_if_wrong": 0.9, "win_if_right": 0.5, "transport": tau})
        assert m.central() == pytest.approx(want, abs=1e-15), (o, tau)


def test_scrutinised_and_contest_theta_laws():
    # scrutinised, ESS 20, rate 0.9 (90 of 100 overturned): θ ~ Beta(20·0.1 + ½, 20·0.9 + ½).
    # contest: γ ~ U(0.2, 0.6), ω fixed at 0.9 (a rate without counts): θ = 1 − 0.9·γ ~ U(0.46, 0.82).
    # A 50/50 mixture of two count rows (scrutinised, all cases): θ's law is the mixture of Betas.
    # One-sample KS at 0.001 against scipy.
    draws = 20_000
    rng = np.random.default_rng(6)
    cases = [({"model": "scrutinised", "evidence": {"overturned": 90, "upheld": 10}, "effective_sample_size": 20},
              stats.beta(2.5, 18.5).cdf),
             ({"model": "contest", "evidence": {"overturn_rate": 0.9},
               "contest_rate": {"dist": "uniform", "low": 0.2, "high": 0.6}}, stats.uniform(0.46, 0.36).cdf),
             ({"model": "scrutinised", "effective_sample_size": "all",
               "evidence": [{"key": "tribunal:2022/23", "weight": 1}, {"key": "tribunal:2014/15", "weight": 1}]},
              None)]
    for raw, cdf in cases:
        m = parse_judgement(raw)
        if cdf is None:
            comps = m.evidence.components
            laws = [stats.beta(c.upheld + 0.5, c.overturned + 0.5) for c in comps]
            assert abs(laws[0].mean() - laws[1].mean()) > 0.05   # the two rows differ
            cdf = lambda x, laws=laws, w=[c.weight for c in comps]: sum(wi * law.cdf(x) for wi, law in zip(w, laws))
        theta = m.draw_theta(rng, draws)
        d = stats.kstest(theta, cdf).statistic
        assert d < 1.95 / math.sqrt(draws), (raw["model"], d)


def test_selectivity_needed_closed_form_with_transport_and_win_rates():
    # θ wanted 0.9 with transport τ = 0.5: the evidence itself must imply 1 − 0.1/0.5 = 0.8.
    # O = 0.9, s = 0.95, f = 0.5: ρ = (O − f)·0.8 / (0.2·(s − O)) = 0.4·0.8 / (0.2·0.05) = 32.
    # Check by substitution: w = 0.4 / (0.4 + 32·0.05) = 0.2, θ = 1 − 0.5·0.2 = 0.9.
    from auditor.analysis.tipping import selectivity_for_theta

    rho = selectivity_for_theta(0.9, [(0.9, 1.0)], s=0.95, f=0.5, tau=0.5)
    assert rho == pytest.approx(32.0, rel=1e-12)
    # O ≥ s: no selectivity helps (w = 1); O ≤ f: any selectivity will do.
    assert selectivity_for_theta(0.9, [(0.96, 1.0)], s=0.95, f=0.5) is None
    assert selectivity_for_theta(0.9, [(0.4, 1.0)], s=0.95, f=0.5) == 0.0


def test_central_theta_of_each_model_with_transport():
    # contest: 1 − τ̄·γ̄·ω = 1 − 0.5·0.5·0.9; scrutinised (ESS 20, rate 0.9): success mean
    # (20·0.1 + ½)/(20 + 1), θ = 1 − τ̄·(1 − that).
    c = parse_judgement({"model": "contest", "contest_rate": 0.5, "evidence": {"overturn_rate": 0.9},
                         "transport": 0.5})
    assert c.central() == pytest.approx(1 - 0.5 * 0.5 * 0.9, rel=1e-12)
    s = parse_judgement({"model": "scrutinised", "evidence": {"overturned": 90, "upheld": 10},
                         "effective_sample_size": 20, "transport": 0.5})
    assert s.central() == pytest.approx(1 - 0.5 * (1 - 2.5 / 21), rel=1e-12)


def test_stock_ramp_repeats_its_last_value_to_the_horizon():
    # A stock claim stated as a total over 5 years with ramp [0.25, 0.5]: the last value repeats,
    # so the claim counts 0.25 + 0.5·4 = 2.25 run-rate years, draw by draw.
    doc = base_scenario(claim={"low": "£1m", "high": "£2m", "per": "total", "horizon_years": 5})
    run_rate = parse_scenario(dict(doc, claim={"low": "£1m", "high": "£2m", "per": "year", "horizon_years": 5}))
    ramped = parse_scenario(dict(doc, implementation={"ramp": [0.25, 0.5]}))
    a = simulate(build_model(run_rate), draws=500, seed=2)
    b = simulate(build_model(ramped), draws=500, seed=2)
    np.testing.assert_allclose(b["full"], 2.25 * a["full"], rtol=1e-12)


def test_implied_realisation_for_a_total_claim():
    # 100 · 6/10 · £20,000 = £1.2m a year; a claim of £3m in total over 5 years needs
    # realisation 3 / (1.2 · 5) = 0.5.
    from auditor.analysis.implied import implied_assumptions

    doc = base_scenario(claim={"low": "£3m", "high": "£6m", "per": "total", "horizon_years": 5})
    imp = implied_assumptions(parse_scenario(doc))
    assert imp["realisation_needed_for_low"] == pytest.approx(0.5, rel=1e-12)
    # Children to move for £3m over 5 years at £20,000 a child a year: 3,000,000 / (20,000 · 5) = 30.
    assert imp["children_to_move_for_low"] == pytest.approx(30, rel=1e-12)


# ---- 5. sensitivity values worked by hand, with realisation ≠ 1 and transport ≠ 1 ------------

def two_rows(low: str, realisation) -> dict:
    """a (£30k, cohort 100): 2 stay, 3 → b; c (£50k, cohort 10): 1 stay, 1 → b; b costs £10k.

    At realisation 1 the point is 100·3/5·20,000 + 10·1/2·40,000 = £1.4m; one reversal in row a
    takes off 100·20,000/5 = £400k, one in row c 10·40,000/2 = £200k. Realisation scales all three.
    """
    return base_scenario(
        claim={"low": low, "high": "£5m", "per": "year"},
        settings={"a": {"label": "A", "cost": 30000, "cohort": 100},
                  "b": {"label": "B", "cost": 10000, "cohort": 0},
                  "c": {"label": "C", "cost": 50000, "cohort": 10}},
        sample={"transitions": transitions({("a", "a"): 2, ("a", "b"): 3, ("c", "c"): 1, ("c", "b"): 1})},
        implementation={"realisation": realisation})


@pytest.mark.parametrize("realisation", [0.5, {"dist": "uniform", "low": 0.25, "high": 0.75}])
def test_fragility_reversal_effect_scales_with_realisation(realisation):
    # r̄ = 0.5: point £700k; reversals take off £200k (row a) and £100k (row c).
    # Low end £500k: 700 − 200 = 500 is not below 500, 700 − 400 = 300 is → 2 reversals.
    # (At full effect, £400k a reversal, one would do.)
    f = frag.fragility(build_model(parse_scenario(two_rows("£500k", realisation))))
    assert f.point == pytest.approx(700_000, rel=1e-12)
    assert f.judgements_to_reverse_for_low == 2
    assert f.reversed_for_low == ("a->b", "a->b")
    # Low end £150k: 700 − 3·200 = 100 < 150 after the three row-a reversals, none needed in row c.
    f = frag.fragility(build_model(parse_scenario(two_rows("£150k", realisation))))
    assert f.judgements_to_reverse_for_low == 3
    # Case influence (count data: a whole cell at a time): without a→b only row c is left,
    # 10·1/2·40,000·0.5 = £100k; without c→b only row a, 100·3/5·20,000·0.5 = £600k.
    rows = frag.case_influence(build_model(parse_scenario(two_rows("£500k", realisation))))
    by_cell = {r["case"]: r for r in rows}
    assert by_cell["a->b"]["point_without"] == pytest.approx(100_000, rel=1e-12)
    assert by_cell["c->b"]["point_without"] == pytest.approx(600_000, rel=1e-12)


ONE = {"a": {"label": "A", "cost": {"dist": "uniform", "low": 26000, "high": 34000}, "cohort": 100},
       "b": {"label": "B", "cost": 10000, "cohort": 0}}


def one_row(k: int, n: int, judgement: dict, realisation) -> dict:
    return base_scenario(claim={"low": "£1m", "high": "£2m", "per": "year"}, settings=ONE,
                         sample={"transitions": transitions({("a", "a"): n - k, ("a", "b"): k})},
                         judgement=judgement, implementation={"realisation": realisation})


def test_tornado_bars_are_the_fifth_and_ninety_fifth_percentiles():
    # One row, 6 of 10 → b; cost a ~ U(26k, 34k) (mean 30k), b £10k; θ ~ U(0.5, 0.9) (θ̄ = 0.7);
    # realisation ~ U(0.4, 0.8) (r̄ = 0.6). Base = 100·0.6·0.7·20,000·0.6 = £504,000.
    draws = 1 << 15
    doc = one_row(6, 10, {"model": "fixed", "theta": {"dist": "uniform", "low": 0.5, "high": 0.9}},
                  {"dist": "uniform", "low": 0.4, "high": 0.8})
    base, rows = sens.tornado(parse_scenario(doc), draws=draws, seed=5)
    assert base == pytest.approx(504_000, rel=1e-12)
    bars = {row["input"]: row for row in rows}
    # Realisation at its 5th/95th percentiles, 0.42 and 0.78: 840,000·r (840,000 = 100·0.6·0.7·20,000).
    r = bars["realisation"]
    assert (r["low_value"], r["high_value"]) == pytest.approx((0.42, 0.78), rel=1e-12)
    assert (r["at_low"], r["at_high"]) == pytest.approx((840_000 * 0.42, 840_000 * 0.78), rel=1e-12)
    # Cost a at 26,400 and 33,600: 100·0.6·0.7·0.6·(c − 10,000) = 25.2·(c − 10,000).
    c = bars["cost.a"]
    assert (c["low_value"], c["high_value"]) == pytest.approx((26_400, 33_600), rel=1e-12)
    assert (c["at_low"], c["at_high"]) == pytest.approx((25.2 * 16_400, 25.2 * 23_600), rel=1e-12)
    # θ's bar: its 5th/95th percentiles, 0.52 and 0.88, from draws (quantile SE = sqrt(q(1−q)/D)/2.5).
    t = bars["judgement.theta"]
    tol = Z * math.sqrt(0.05 * 0.95 / draws) / 2.5
    assert t["low_value"] == pytest.approx(0.52, abs=tol) and t["high_value"] == pytest.approx(0.88, abs=tol)
    assert t["at_low"] == pytest.approx(720_000 * t["low_value"], rel=1e-12)   # 100·0.6·20,000·0.6 = 720,000
    # Sampling at central θ: 100·0.7·20,000·0.6·p = 840,000·p with p ~ Beta(6.5, 4.5) (Jeffreys).
    law = stats.beta(6.5, 4.5)
    s = bars["sampling"]
    for q, got in ((0.05, s["at_low"]), (0.95, s["at_high"])):
        se = math.sqrt(q * (1 - q) / draws) / law.pdf(law.ppf(q))
        assert abs(got / 840_000 - law.ppf(q)) < Z * se, (q, got / 840_000, law.ppf(q))


def test_tornado_discounts_down_shifts_only():
    # Row a: 4 stay, 4 → b (£10k, down), 2 → c (£50k, up); a costs £30k, cohort 100; θ ~ U(0.5, 0.9).
    # Base = 100·(0.7·0.4·20,000 + 0.2·(30,000 − 50,000)) = 100·(5,600 − 4,000) = £160,000; the θ bar
    # moves only the down-shift: at θ the estimate is 100·(θ·8,000 − 4,000).
    doc = base_scenario(settings={"a": {"cost": 30000, "cohort": 100}, "b": {"cost": 10000, "cohort": 0},
                                  "c": {"cost": 50000, "cohort": 0}},
                        sample={"transitions": transitions({("a", "a"): 4, ("a", "b"): 4, ("a", "c"): 2})},
                        judgement={"model": "fixed", "theta": {"dist": "uniform", "low": 0.5, "high": 0.9}})
    base, rows = sens.tornado(parse_scenario(doc), draws=4096, seed=1)
    assert base == pytest.approx(160_000, rel=1e-12)
    t = {row["input"]: row for row in rows}["judgement.theta"]
    assert t["at_low"] == pytest.approx(100 * (t["low_value"] * 8000 - 4000), rel=1e-12)
    assert t["at_high"] == pytest.approx(100 * (t["high_value"] * 8000 - 4000), rel=1e-12)


def test_sample_size_plan_keeps_the_prior_and_targets_the_half_width():
    # 1 of 4 moved, face value, fixed cost a = £30k, realisation 0.8: the sampling stage at a
    # review of n cases is 100·20,000·0.8·p = 1,600,000·p with p ~ Beta(n/4 + ½, 3n/4 + ½).
    draws = 1 << 15
    doc = one_row(1, 4, {"model": "face_value"}, 0.8)
    doc["settings"]["a"]["cost"] = 30000
    sizes = (4, 16, 64)
    rows, n_target = sens.sample_size(parse_scenario(doc), draws=draws, seed=3, sizes=sizes)
    widths, width_se = [], []
    for row, n in zip(rows, sizes):
        law = stats.beta(n / 4 + 0.5, 3 * n / 4 + 0.5)
        for q, key in ((0.05, "sampling_p05"), (0.95, "sampling_p95"), (0.05, "p05"), (0.95, "p95")):
            se = math.sqrt(q * (1 - q) / draws) / law.pdf(law.ppf(q))
            assert abs(row[key] / 1.6e6 - law.ppf(q)) < Z * se, (n, key, row[key] / 1.6e6, law.ppf(q))
        widths.append((law.ppf(0.95) - law.ppf(0.05)) / 2 * 1.6e6)
        width_se.append(math.hypot(*(math.sqrt(q * (1 - q) / draws) / law.pdf(law.ppf(q)) for q in (0.05, 0.95)))
                        / 2 * 1.6e6)
    # n for ±25%: c = mean over rows of half-width·sqrt(n); n = ceil((c / (0.25 · point))²),
    # point = 1,600,000/4 = £400k. n grows like c², so its relative error is twice c's.
    c = float(np.mean([w * math.sqrt(n) for w, n in zip(widths, sizes)]))
    c_se = math.sqrt(sum((e * math.sqrt(n)) ** 2 for e, n in zip(width_se, sizes))) / len(sizes)
    want = (c / (0.25 * 400_000)) ** 2
    assert abs(n_target - want) <= Z * 2 * c_se / c * want + 1, (n_target, want)


def test_bootstrap_of_a_three_cell_row_is_multinomial():
    # Row a: 2 stay, 3 → b, 3 → c (b £10k, c £20k, a £30k, cohort 100): the stratified bootstrap
    # redraws (K_stay, K_b, K_c) ~ Multinomial(8; 2/8, 3/8, 3/8), and each move share is K/8.
    # Chi-square over the joint outcomes (cells with expected count below 5 pooled) against scipy's
    # multinomial pmf; above the 0.001 critical value with probability 0.001.
    draws = 20_000
    doc = base_scenario(settings={"a": {"label": "A", "cost": 30000, "cohort": 100},
                                  "b": {"label": "B", "cost": 10000, "cohort": 0},
                                  "c": {"label": "C", "cost": 20000, "cohort": 0}},
                        sample={"transitions": transitions({("a", "a"): 2, ("a", "b"): 3, ("a", "c"): 3}),
                                "method": "bootstrap"})
    r = auditor.audit(parse_scenario(doc), draws=draws, seed=13)
    kb = np.round(r.inputs["share[a->b]"] * 8).astype(int)
    kc = np.round(r.inputs["share[a->c]"] * 8).astype(int)
    np.testing.assert_allclose(r.inputs["share[a->b]"], kb / 8, rtol=0, atol=1e-15)
    law = stats.multinomial(8, [2 / 8, 3 / 8, 3 / 8])
    outcomes = [(b, c) for b in range(9) for c in range(9 - b)]
    expected = np.array([draws * law.pmf([8 - b - c, b, c]) for b, c in outcomes])
    observed = np.array([np.sum((kb == b) & (kc == c)) for b, c in outcomes])
    assert observed.sum() == draws
    big = expected >= 5
    obs = np.append(observed[big], observed[~big].sum())
    exp = np.append(expected[big], expected[~big].sum())
    stat = float(np.sum((obs - exp) ** 2 / exp))
    assert stat < stats.chi2(obs.size - 1).isf(1e-3), (stat, obs.size)
    # Savings: 100·(K_b/8·20,000 + K_c/8·10,000), draw by draw.
    np.testing.assert_allclose(r.savings, 100 * (kb / 8 * 20000 + kc / 8 * 10000), rtol=1e-12)
