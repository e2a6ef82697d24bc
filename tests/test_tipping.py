"""The tipping point (auditor.analysis.tipping) and the symmetric reading of the ladder."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import auditor
from auditor.analysis.tipping import (reliability_needed, selectivity_for_theta, selectivity_needed,
                                      theta_for_quantile)
from auditor.inputs.scenario import parse_scenario
from auditor.model import engine
from auditor.inputs.judgement import Symmetric, parse_judgement, selection_error_rate
from strategies import base_scenario


# ---- reliability_needed ---------------------------------------------------------------

def test_theta_scales_the_moves_so_the_root_is_low_over_the_sampling_median():
    # base_scenario: one row, 6 of 10 judged to move from a (£30k) to b (£10k), fixed costs,
    # realisation 1, so savings = 100 · £20,000 · share with share ~ Beta(6.5, 4.5) (Jeffreys).
    # θ applied to every move scales each draw: savings(θ) = θ · savings(1). The median reaches
    # the £1m low end at θ50 = low / median(sampling savings), the 20th percentile at θ80.
    from scipy import stats

    doc = base_scenario(claim={"low": "£0.8m", "high": "£2m", "per": "year"})
    r = auditor.audit(parse_scenario(doc), draws=20_000, seed=3)
    s = r.summary()
    x = r.stages["sampling"]
    assert s["reliability_needed"]["low"] == pytest.approx(0.8e6 / np.median(x), rel=1e-9)
    assert s["reliability_needed"]["low_80"] == pytest.approx(0.8e6 / np.quantile(x, 0.2), rel=1e-9)
    # Hand values from the Beta law: 0.8e6 / (2e6 · median of Beta(6.5, 4.5)) = 0.6727 and
    # 0.8e6 / (2e6 · 20th percentile) = 0.8524; 20,000 draws put sample quantiles of this Beta
    # within about ±0.002 of the true ones, so ±0.01 on θ is over 3 standard errors.
    law = stats.beta(6.5, 4.5)
    assert abs(s["reliability_needed"]["low"] - 0.4 / law.median()) < 0.01
    assert abs(s["reliability_needed"]["low_80"] - 0.4 / law.ppf(0.2)) < 0.01
    # At θ50 the low end is reached in half of the draws (to within one draw).
    theta = s["reliability_needed"]["low"]
    assert abs(np.mean(theta * x >= 0.8e6 * (1 - 1e-12)) - 0.5) <= 1 / x.size + 1e-12


def test_reliability_is_null_when_even_a_perfect_panel_misses():
    doc = base_scenario(claim={"low": "£1.5m", "high": "£2m", "per": "year"})
    # Median of 2e6 · Beta(6.5, 4.5) ≈ £1.19m < £1.5m: even θ = 1 leaves P(≥ low) below 0.5.
    s = auditor.audit(parse_scenario(doc), draws=4000, seed=1).summary()
    assert s["reliability_needed"] == {"low": None, "low_80": None}
    assert s["selectivity_needed"] is None
    assert "however reliable the panel is" in s["tipping"]["sentence"]


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), q=st.sampled_from([0.5, 0.8]), shift=st.floats(-0.5, 0.5))
def test_root_search_matches_the_closed_form_and_a_brute_force_scan(seed, q, shift):
    rng = np.random.default_rng(seed)
    a = rng.gamma(2.0, 1.0, 501)
    target = float(np.quantile(a, 1 - q)) * 0.6
    # B = 0: the quantile commutes with scaling, so θ = target / quantile(A, 1 − q).
    assert theta_for_quantile(a, 0.0, q, target) == pytest.approx(target / np.quantile(a, 1 - q), rel=1e-9)
    # B given as an array of zeros takes Brent's search, which must find the same root.
    assert theta_for_quantile(a, np.zeros(a.size), q, target) == pytest.approx(target / np.quantile(a, 1 - q),
                                                                                rel=1e-9)
    # B ≠ 0 (moves θ does not touch): the root found is where the quantile crosses the target.
    b = rng.normal(shift, 0.1, 501)
    theta = theta_for_quantile(a, b, q, target)
    grid = np.linspace(0, 1, 2001)
    ok = [t for t in grid if np.quantile(t * a + b, 1 - q) >= target]
    if theta is None:
        assert not ok
    elif theta == 0.0:
        assert np.quantile(b, 1 - q) >= target
    else:
        assert abs(theta - ok[0]) <= 1 / 2000 + 1e-9


# ---- selectivity_needed ---------------------------------------------------------------

def test_selectivity_hand_values():
    # ρ = (O − f)·θ / ((1 − θ)·(s − O)); O = 0.983, s = 1, f = 0.5, θ = 0.9: 0.483·0.9 / (0.1·0.017).
    assert selectivity_for_theta(0.9, [(0.983, 1.0)]) == pytest.approx(0.483 * 0.9 / (0.1 * 0.017))
    # τ = 0.5: the evidence's own θ must be 1 − 0.1/0.5 = 0.8, so ρ = 0.483·0.8 / (0.2·0.017).
    assert selectivity_for_theta(0.9, [(0.983, 1.0)], tau=0.5) == pytest.approx(0.483 * 0.8 / (0.2 * 0.017))
    # Round trip through the selection algebra.
    rho = selectivity_for_theta(0.57, [(0.963, 1.0)], 1.0, 0.3)
    assert 1 - float(selection_error_rate(0.963, rho, 1.0, 0.3)) == pytest.approx(0.57)
    # Degenerate cases: O ≤ f (no sign of error), θ ≤ 1 − τ, θ = 1, O ≥ s.
    assert selectivity_for_theta(0.9, [(0.4, 1.0)]) == 0.0
    assert selectivity_for_theta(0.6, [(0.983, 1.0)], tau=0.3) == 0.0
    assert selectivity_for_theta(1.0, [(0.983, 1.0)]) is None
    assert selectivity_for_theta(0.9, [(1.0, 1.0)]) is None


def test_selectivity_of_a_mixture_matches_its_mean_theta():
    rows = [(0.983, 2.0), (0.9, 1.0)]
    rho = selectivity_for_theta(0.8, rows)
    mean = sum(w * (1 - float(selection_error_rate(o, rho))) for o, w in rows) / 3.0
    assert mean == pytest.approx(0.8, abs=1e-8)


def test_west_sussex_tipping_uses_its_own_evidence_year(west_sussex):
    r = auditor.audit(west_sussex, draws=4000, seed=2)
    s = r.summary()
    sel = s["tipping"]["selectivity"]
    assert [e["label"] for e in sel["evidence"]] == ["tribunal:2021/22"]
    theta = s["reliability_needed"]["low"]
    o = 5385 / 5592   # tribunal:2021/22 in auditor/data/evidence.csv
    assert s["selectivity_needed"] == pytest.approx((o - 0.5) * theta / ((1 - theta) * (1 - o)))
    lo, hi = sel["range"]["value"]   # f = 0.3 and 0.7
    assert lo == pytest.approx((o - 0.3) * theta / ((1 - theta) * (1 - o)))
    assert hi == pytest.approx((o - 0.7) * theta / ((1 - theta) * (1 - o)))
    assert s["tipping"]["sentence"] in s["headline"]
    # Same result from selectivity_needed directly.
    assert selectivity_needed(r.scenario, theta)["value"] == s["selectivity_needed"]


def test_tipping_reads_the_face_value_rung_under_another_model(west_sussex):
    r = auditor.audit(west_sussex, draws=3000, seed=2, **{"judgement.model": "selection"})
    f = auditor.audit(west_sussex, draws=3000, seed=2)
    assert r.summary()["reliability_needed"] == f.summary()["reliability_needed"]
    assert reliability_needed(f.savings, f.scenario.claim.low) == f.summary()["reliability_needed"]


# ---- the symmetric reading ---------------------------------------------------------------

def test_symmetric_reading_moves_every_call_with_the_same_reliability():
    # Row a: 10 cases, 6 judged to move to b. With θ = 0.4 every call is right 40% of the time:
    # the moved share becomes θ·m + (1 − θ)·(1 − m) draw by draw (m: the draw's moved share).
    doc = base_scenario()
    s = parse_scenario(doc)
    model = Symmetric(parse_judgement({"model": "fixed", "theta": 0.4}))
    out = engine.simulate(engine.build_model(replace(s, judgement=model)), draws=3000, seed=4)
    m = out["share[a->b]"]
    expected = 100 * 20000 * (0.4 * m + 0.6 * (1 - m))
    np.testing.assert_allclose(out["judgement"], expected, rtol=1e-12)
    # The asymmetric model keeps only θ·m.
    plain = engine.simulate(engine.build_model(replace(s, judgement=model.base)), draws=3000, seed=4)
    np.testing.assert_allclose(plain["judgement"], 100 * 20000 * 0.4 * m, rtol=1e-12)


def test_symmetric_rung_shares_the_selection_rungs_theta(west_sussex):
    from auditor.analysis.ladder import ladder_models

    s = auditor.load_scenario(west_sussex)
    models = ladder_models(s)
    rng_a, rng_b = engine.stream(5, 0, "judgement"), engine.stream(5, 0, "judgement")
    assert np.array_equal(models["symmetric"].draw_theta(rng_a, 100), models["selection"].draw_theta(rng_b, 100))
    assert math.isfinite(models["symmetric"].central())


# ---- every shipped scenario -----------------------------------------------------------

@pytest.mark.parametrize("path", sorted(str(p) for p in __import__("pathlib").Path(__file__).resolve().parent.parent
                                        .joinpath("scenarios").glob("*.toml")))
def test_every_shipped_scenario_judges_both_ends_and_states_its_tipping_point(path):
    from auditor.analysis.verdict import LIKELIHOOD_SCALE, likelihood_words

    r = auditor.audit(path, draws=2000, seed=1)
    s = r.summary()
    words = {w for _, w in LIKELIHOOD_SCALE}
    for end in ("low", "high"):
        assert s["ends"][end]["words"] in words
        assert s["ends"][end]["words"] == likelihood_words(s["ends"][end]["p"])
    assert set(s["reliability_needed"]) == {"low", "low_80"} and "selectivity_needed" in s
    single = s["claim"]["low"] == s["claim"]["high"]
    assert (s["p_in_range"] is None) == single
    # The headline speaks to both ends of a range, to the one figure of a single-figure claim.
    assert ("high end" in s["headline"][0]) != single
    assert s["tipping"]["sentence"] == s["headline"][1]
    # Shipped scenarios rest on no assumed reliability: the panel at face value. (A reading whose every
    # parameter rests on a published figure would also do; list it here when one ships.)
    assert s["judgement"]["model"] == "face_value"
    if 0.33 <= s["p_meets_low"]:
        assert s["verdict"] != "collapses"


def test_headline_names_a_judgement_reading_that_is_not_face_value(west_sussex):
    r = auditor.audit(west_sussex, draws=2000, seed=1, **{"judgement.model": "selection"})
    head = r.summary()["headline"]
    assert head[0].startswith("Under the selection reading of tribunal outcomes (wrong council decisions assumed "
                              "3 to 30 times likelier to reach a hearing), the claim of £17.8m–£46.7m a year ")
    assert auditor.audit(west_sussex, draws=2000, seed=1).summary()["headline"][0].startswith("The claim of")


def test_tipping_sentence_flags_a_face_value_chance_within_monte_carlo_error_of_one_half():
    from types import SimpleNamespace

    from auditor.results import tipping_sentence

    claim = SimpleNamespace(low=1e6, high=1e6)
    sel = {"win_if_right": 0.5, "range": None, "overturn_rate": 0.983}
    tip = {"reliability_needed": {"low": None, "low_80": None}, "selectivity_needed": None, "selectivity": sel,
           "p_meets_low_face_value": 0.498, "draws": 100_000}
    # 2 · √(0.25 / 100,000) = 0.00316 > |0.498 − 0.5|: the tipping point could change with the seed.
    assert tipping_sentence(tip, claim).endswith("could change with the seed.")
    assert "49.8%" in tipping_sentence(tip, claim)
    tip["p_meets_low_face_value"] = 0.49   # 0.01 > 0.00316: stable
    assert "Monte Carlo" not in tipping_sentence(tip, claim)


def test_a_plan_basis_words_the_tipping_point_as_planned_moves_and_leaves_tribunals_out():
    # Same draws, same θ needed: only the sentence changes, and the basis is recorded.
    doc = base_scenario()
    review = auditor.audit(parse_scenario(doc), draws=4000, seed=1).summary()
    doc["sample"]["basis"] = "plan"
    plan = auditor.audit(parse_scenario(doc), draws=4000, seed=1).summary()
    assert plan["reliability_needed"] == review["reliability_needed"]
    assert (review["run"]["sample_basis"], plan["run"]["sample_basis"]) == ("review", "plan")
    sentence = plan["tipping"]["sentence"]
    assert "planned moves" in sentence and "panel" not in sentence and "tribunal" not in sentence
    assert "panel" in review["tipping"]["sentence"]
