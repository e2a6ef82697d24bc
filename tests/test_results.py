"""Audit results (auditor.results): summary contract, frame, plot, verdict rule."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import auditor
from auditor.results import judge_verdict
from auditor.inputs.scenario import VerdictRule, parse_scenario
from strategies import base_scenario

CONTRACT_KEYS = {"schema_version", "auditor_version", "scenario", "run", "claim", "point_estimate", "savings",
                 "p_meets_low", "p_meets_high", "stages", "verdict"}


@pytest.fixture(scope="module")
def ws_result():
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "scenarios" / "west-sussex-2023.toml"
    return auditor.audit(path, draws=4000, seed=5)


def test_summary_has_contract_keys(ws_result):
    s = ws_result.summary()
    assert CONTRACT_KEYS <= set(s)
    assert s["schema_version"] == 1
    assert s["auditor_version"] == auditor.__version__
    assert {"title", "path", "sha256"} <= set(s["scenario"])
    assert s["run"]["draws"] == 4000 and s["run"]["seed"] == 5
    assert s["claim"]["low"] == 17.8e6 and s["claim"]["high"] == 46.7e6 and s["claim"]["per"] == "year"
    assert {"mean", "median", "p05", "p95"} <= set(s["savings"])
    assert [st["name"] for st in s["stages"]][:4] == ["point", "sampling", "judgement", "full"]
    for st in s["stages"]:
        assert {"name", "median", "p05", "p95", "p_meets_low"} <= set(st)
    # The verdict by the rule in docs/methods.md §7, written out here rather than calling judge_verdict.
    p, x = s["p_meets_low"], ws_result.savings
    ratio = (s["savings"]["p95"] - s["savings"]["p05"]) / (46.7e6 - 17.8e6)
    expected = "collapses" if p < 0.33 else ("holds" if p >= 0.8 and ratio <= 1.5 else "widens")
    assert s["verdict"] == expected
    # Binomial standard error of a proportion over 4,000 iid draws; standard error of the mean.
    assert s["mcse"]["p_meets_low"] == pytest.approx(math.sqrt(p * (1 - p) / 4000))
    assert s["mcse"]["mean"] == pytest.approx(np.std(x, ddof=1) / math.sqrt(4000))
    json.dumps(s, allow_nan=False)   # summary.json must be strict JSON


def test_summary_numbers_match_the_draws(ws_result):
    s = ws_result.summary()
    x = ws_result.savings
    low = s["claim"]["low"]
    assert s["savings"]["median"] == pytest.approx(np.quantile(x, 0.5))
    assert s["savings"]["p05"] == pytest.approx(np.quantile(x, 0.05))
    assert s["savings"]["p95"] == pytest.approx(np.quantile(x, 0.95))
    assert s["savings"]["mean"] == pytest.approx(x.mean())
    assert s["p_meets_low"] == np.mean(x >= low)
    assert s["p_meets_high"] == np.mean(x >= s["claim"]["high"])
    point = s["stages"][0]
    assert point["median"] == point["p05"] == point["p95"] == s["point_estimate"]
    assert s["stages"][-1]["median"] == s["savings"]["median"]


def test_to_frame(ws_result):
    df = ws_result.to_frame()
    assert len(df) == 4000
    assert {"draw", "savings_sampling", "savings_judgement", "savings_full", "realisation"} <= set(df.columns)
    np.testing.assert_array_equal(df["savings_full"].to_numpy(), ws_result.savings)


def test_plot_draws_each_stage_interval_and_the_claim_band(ws_result):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    assert ws_result.plot(ax=ax) is ax
    stages = ws_result.stage_summaries()
    # One bar per uncertain stage from its p05 to its p95 (in £m), one marker per stage at its median.
    bars = [tuple(line.get_xdata()) for line in ax.lines if len(line.get_xdata()) == 2
            and line.get_ydata()[0] == line.get_ydata()[1]]
    for st in stages[1:]:
        assert any(b == pytest.approx((st.p05 / 1e6, st.p95 / 1e6), rel=1e-12) for b in bars), st.name
    dots = sorted(float(np.ravel(line.get_xdata())[0]) for line in ax.lines if line.get_marker() == "o")
    assert dots == pytest.approx(sorted(st.median / 1e6 for st in stages), rel=1e-12)
    # The published range as a shaded band from £17.8m to £46.7m, every stage labelled.
    def x_extent(patch):   # a Rectangle (matplotlib ≥ 3.9) or a Polygon (earlier)
        if hasattr(patch, "get_width"):
            return patch.get_x(), patch.get_x() + patch.get_width()
        xy = np.asarray(patch.get_xy())
        return xy[:, 0].min(), xy[:, 0].max()

    spans = [x_extent(p) for p in ax.patches]
    assert any(s == pytest.approx((17.8, 46.7)) for s in spans), spans
    assert len(ax.get_yticklabels()) == len(stages)
    # Without axes it makes its own figure and leaves the given one alone.
    own = ws_result.plot()
    assert own is not ax and own.figure is not fig and len(own.lines) == len(ax.lines)


def test_result_is_frozen(ws_result):
    with pytest.raises(AttributeError):
        ws_result.draws = 3  # type: ignore[misc]


# ---- the verdict rule --------------------------------------------------------------------

RULE = VerdictRule()   # collapse below 0.33; hold at ≥ 0.8 with 90% width ≤ 1.5 × claim range


@pytest.mark.parametrize("p, p05, p95, verdict", [
    (0.3299, 2e7, 3e7, "collapses"),        # "unlikely": just below the 0.33 bound
    (0.33, 2e7, 3e7, "widens"),             # on the bound: "about as likely as not", never a collapse
    (0.45, 2e7, 3e7, "widens"),             # a coin flip is never "collapses"
    (0.49, 2e7, 3e7, "widens"),
    (0.55, 2e7, 3e7, "widens"),
    (0.79, 2e7, 3e7, "widens"),
    (0.80, 2e7, 3e7, "holds"),
    (0.80, 1e7, 1e7 + 1.5 * 28.9e6, "holds"),       # width exactly 1.5 × (46.7m − 17.8m)
    (0.80, 1e7, 1e7 + 1.5 * 28.9e6 + 1, "widens"),
    (0.99, 0.0, 9e7, "widens"),
])
def test_verdict_thresholds(p, p05, p95, verdict):
    assert judge_verdict(p, p05, p95, 17.8e6, 46.7e6, RULE, p_meets_high=0.2)[0] == verdict


@given(p=st.floats(0.33, 0.66))
def test_about_as_likely_as_not_never_collapses(p):
    # Whatever the interval and the high end, a low end in the "about as likely as not" band never collapses.
    assert judge_verdict(p, 0.0, 1e9, 17.8e6, 46.7e6, RULE)[0] != "collapses"
    assert judge_verdict(p, 0.0, 1e9, 17.8e6, 17.8e6, RULE)[0] != "collapses"


def test_verdict_reasons_are_words():
    v, why = judge_verdict(0.3, 1e6, 3e7, 17.8e6, 46.7e6, RULE)
    assert v == "collapses"
    assert why == ("the £17.8m low end is unlikely (30%), below the 33% under which a claimed floor collapses; "
                   "the £46.7m high end is exceptionally unlikely (none of the draws)")
    # A single figure reached 9 times in 10 still widens (it has no range); the reason says that is the only
    # cause and gives the audit's own 90% interval (the p05 and p95 passed in: £10.0m and £90.0m).
    assert judge_verdict(0.9, 1e7, 9e7, 5e6, 5e6, RULE) == (
        "widens", "the £5.0m figure is very likely to be reached (90%); the call is “widens” only because the "
                  "claim gave one figure and no range, while the audit's 90% interval runs from £10.0m to £90.0m")


def test_a_range_whose_high_end_is_exceptionally_unlikely_holds_only_at_its_low_end():
    from auditor.analysis.verdict import decide

    v = decide(0.9, 0.0099, 2e7, 3e7, 17.8e6, 46.7e6, RULE)
    assert (v.word, v.scope) == ("holds", "low_end")
    assert "so only the low end holds" in v.reason and "exceptionally unlikely" in v.reason
    v = decide(0.9, 0.01, 2e7, 3e7, 17.8e6, 46.7e6, RULE)   # 1% exactly: "very unlikely", the range holds
    assert (v.word, v.scope) == ("holds", "range")
    # A single figure has no high end to fail.
    assert decide(0.9, 0.0, 2e7, 3e7, 17.8e6, 17.8e6, RULE).scope == "figure"


def test_verdict_near_threshold_is_written_precisely_and_flagged():
    from auditor.analysis.verdict import decide

    # 0.3298 rounds to "33%", the bound itself; it must show one decimal. MC standard error at
    # 100,000 draws: sqrt(0.3298 · 0.6702 / 1e5) = 0.00149, and |0.3298 − 0.33| = 0.0002 < 2 · 0.00149,
    # so the call depends on Monte Carlo error.
    mcse = math.sqrt(0.3298 * 0.6702 / 100_000)
    v = decide(0.3298, 0.0, 1e6, 3e7, 109e6, 109e6, RULE, mcse_low=mcse)
    assert v.word == "collapses"
    assert "unlikely (33.0%)" in v.reason
    assert v.depends_on == (("Monte Carlo error", "widens"),)
    assert v.dependence_sentence() == ("The call is within Monte Carlo error of a threshold: another seed "
                                       "could make the claim widen.")
    # 0.30 is 20 standard errors from 0.33: no dependence, whole percent.
    v = decide(0.3, 0.0, 1e6, 3e7, 17.8e6, 46.7e6, RULE, mcse_low=math.sqrt(0.21 / 100_000))
    assert "(30%)" in v.reason and v.depends_on == ()


def test_prior_choices_that_flip_the_call_are_named():
    from auditor.analysis.verdict import decide

    rows = [{"label": "prior α = 0.1", "p_meets_low": 0.55, "p_meets_high": 0.0},
            {"label": "bootstrap", "p_meets_low": 0.31, "p_meets_high": 0.0},
            {"label": "split 9/6/10", "p_meets_low": 0.83, "p_meets_high": 0.0}]
    v = decide(0.47, 0.0, 1e7, 2.5e7, 17.8e6, 46.7e6, RULE, alternatives=rows)
    assert v.word == "widens"
    # 0.55 stays in "widens"; 0.31 would collapse; 0.83 (interval 0.26 × the range) would hold at the low end.
    assert v.depends_on == (("bootstrap", "collapses"), ("split 9/6/10", "holds at its low end only"))
    assert v.dependence_sentence() == ("The call depends on an analysis choice: with bootstrap the claim would "
                                       "collapse; with split 9/6/10 the claim would hold at its low end only.")


def test_likelihood_scale_bounds():
    from auditor.analysis.verdict import likelihood_words

    # Mastrandrea et al. (2010) terms; each bound belongs to the band above it.
    assert [likelihood_words(p) for p in (0.009999, 0.01, 0.099999, 0.1, 0.329999, 0.33, 0.659999, 0.66,
                                          0.899999, 0.9, 0.989999, 0.99)] == [
        "exceptionally unlikely", "very unlikely", "very unlikely", "unlikely", "unlikely",
        "about as likely as not", "about as likely as not", "likely", "likely", "very likely",
        "very likely", "virtually certain"]


@given(p=st.floats(0, 1), a=st.floats(0, 1e8), b=st.floats(0, 1e8))
def test_verdict_is_monotone_in_p(p, a, b):
    # Raising P(≥ low) never turns a better verdict into a worse one.
    order = {"collapses": 0, "widens": 1, "holds": 2}
    lo, hi = sorted((a, b))
    v1 = judge_verdict(p, lo, hi, 17.8e6, 46.7e6, RULE)[0]
    v2 = judge_verdict(min(1.0, p + 0.1), lo, hi, 17.8e6, 46.7e6, RULE)[0]
    assert order[v2] >= order[v1]


def test_configured_thresholds_are_used():
    doc = base_scenario(verdict={"collapse_below": 0.2, "hold_at": 0.3, "max_width_ratio": 100.0})
    doc["claim"] = {"low": 1_000_000, "high": 1_500_000}
    s = parse_scenario(doc)
    r = auditor.audit(s, draws=3000, seed=1)
    summ = r.summary()
    assert summ["verdict_rule"]["collapse_below"] == 0.2
    p = summ["p_meets_low"]
    # Savings are 100 · 20,000 · share with share ~ Beta(6.5, 4.5), so P(≥ £1m) = P(share ≥ 0.5)
    # = stats.beta(6.5, 4.5).sf(0.5) = 0.735; 3,000 draws put the estimate within ±0.04 (5 s.e.).
    assert abs(p - 0.7352) < 5 * math.sqrt(0.7352 * 0.2648 / 3000)
    assert summ["verdict"] == "holds"


def test_face_value_sentence_matches_a_face_value_run(west_sussex):
    # The ladder reuses the run's streams, so the face-value reading must equal a
    # separate run with the judgement model switched to face_value (same seed, same draws).
    from auditor.inputs.money import format_chance, format_money

    r = auditor.audit(west_sussex, draws=4000, seed=8, **{"judgement.model": "selection"})
    fv = auditor.audit(west_sussex, draws=4000, seed=8, **{"judgement.model": "face_value"}).summary()
    sentence = r.face_value_sentence()
    assert format_chance(fv["p_meets_low"]) in sentence
    assert format_money(fv["savings"]["median"]) in sentence
    assert fv["judgement"]["model"] == "face_value"
    assert auditor.audit(west_sussex, draws=200, seed=8,
                         **{"judgement.model": "face_value"}).face_value_sentence() is None
