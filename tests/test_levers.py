"""Optional levers of the savings model: budget boundary and cost parts, stock ramp, scope.

Each lever is off by default, and a scenario that does not use it must give
the same bits as before the lever existed; each lever's effect is checked
against a closed form worked out by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest

import auditor
from auditor.errors import ScenarioError
from strategies import base_scenario


def _two_settings(**claim):
    # 10 cases in `a`, 6 judged ideal in `b`; cohort 100 in a. a costs £30k, b £10k (high needs).
    doc = base_scenario()
    doc["claim"].update(claim)
    return doc


# ---- budget boundary and cost parts ------------------------------------------------------------

@pytest.mark.parametrize("budget, expected", [
    # Point = 100 · 0.6 · Δ. b (the destination) carries £6,000 of schools-block money and
    # £2,000 of transport; a carries £5,000 of transport.
    ("high_needs", 100 * 0.6 * (30000 - 10000)),                   # cost only: £1.2m
    ("dsg", 100 * 0.6 * (30000 - (10000 + 6000))),                 # + b's schools block: £0.84m
    ("public", 100 * 0.6 * ((30000 + 5000) - (10000 + 6000 + 2000))),  # + transport both sides: £1.02m
])
def test_budget_boundary_counts_the_right_parts(write_scenario, budget, expected):
    doc = _two_settings(budget=budget)
    doc["settings"]["b"].update(schools_block=6000, transport=2000)
    doc["settings"]["a"].update(transport=5000)
    r = auditor.audit(write_scenario(doc), draws=200, seed=1, **{"judgement.model": "face_value"})
    assert r.point_estimate == pytest.approx(expected)
    s = r.summary()
    assert s["claim"]["budget"] == budget and s["claim"]["budget_stated"] is True


def test_parts_not_counted_leave_results_bit_identical(write_scenario):
    # At the high-needs boundary a schools_block part is ignored: same bits as without it.
    doc = _two_settings()
    doc["settings"]["a"]["cost"] = {"dist": "uniform", "low": 25000, "high": 35000}
    plain = auditor.audit(write_scenario(doc), draws=3000, seed=5)
    doc["settings"]["b"]["schools_block"] = {"dist": "uniform", "low": 5000, "high": 7000}
    doc["claim"]["budget"] = "high_needs"
    parted = auditor.audit(write_scenario(doc), draws=3000, seed=5)
    for k in ("sampling", "judgement", "full"):
        assert np.array_equal(plain.stages[k], parted.stages[k])
    assert plain.summary()["claim"]["budget_stated"] is False


def test_a_drawn_part_adds_its_own_variance(write_scenario):
    # Face value, 6/10 moves fixed by a huge review: savings = 100·p·(30000 − (10000 + S)),
    # S ~ U(4000, 8000) drawn on its own stream; p ~ Beta(6e5+½, 4e5+½) ≈ 0.6.
    # E = 60·(20000 − 6000) = £840,000; sd ≈ 60·4000/√12 = £69,282.
    doc = _two_settings(budget="dsg")
    doc["sample"] = {"transitions": [{"from": "a", "to": "a", "count": 400000},
                                     {"from": "a", "to": "b", "count": 600000}]}
    doc["settings"]["b"]["schools_block"] = {"dist": "uniform", "low": 4000, "high": 8000}
    x = auditor.audit(write_scenario(doc), draws=40000, seed=3).stages["full"]
    assert x.mean() == pytest.approx(840_000, rel=2e-3)
    assert x.std() == pytest.approx(60 * 4000 / np.sqrt(12), rel=2e-2)


@pytest.mark.parametrize("mutate, field, words", [
    (lambda d: d["claim"].update(budget="schools"), "claim.budget", "'high_needs'"),
    (lambda d: d["settings"]["a"].update(schools_block=-1), "settings.a.schools_block", ">= 0"),
    (lambda d: d["claim"].update(scope="some"), "claim.scope", "'whole'"),
    (lambda d: d["claim"].update(scope="partial"), "claim.scope_note", "partial claim needs"),
])
def test_bad_budget_and_scope(write_scenario, mutate, field, words):
    doc = _two_settings()
    mutate(doc)
    with pytest.raises(ScenarioError) as info:
        auditor.load_scenario(write_scenario(doc))
    assert info.value.field == field
    assert words in str(info.value)


def test_partial_scope_is_named_beside_the_verdict(write_scenario):
    doc = _two_settings(scope="partial", scope_note="placement moves only; the figure also rests on fewer new plans")
    r = auditor.audit(write_scenario(doc), draws=500, seed=1)
    s = r.summary()
    assert s["claim"]["scope"] == "partial" and s["verdict"] in ("holds", "widens", "collapses")
    assert "fewer new plans" in r.scope_sentence()
    from auditor.report.markdown import render_markdown

    head = render_markdown(r).split("\n\n")[1]
    assert "only whether the modelled moves could reach it" in head
    plain = auditor.audit(write_scenario(_two_settings()), draws=500, seed=1)
    assert plain.scope_sentence() is None and plain.summary()["claim"]["scope"] == "whole"


# ---- a ramp on a stock claim -------------------------------------------------------------------

def test_stock_ramp_scales_every_draw_by_the_average_share_moved(write_scenario):
    # Stock, per year, five years: with a linear ramp 20%…100% the five-year average is
    # (0.2 + 0.4 + 0.6 + 0.8 + 1.0) / 5 = 0.6 of the run rate, draw by draw.
    doc = _two_settings(horizon_years=5)
    doc["settings"]["a"]["cost"] = {"dist": "uniform", "low": 25000, "high": 35000}
    run_rate = auditor.audit(write_scenario(doc), draws=2000, seed=9)
    doc["implementation"] = {"ramp": [0.2, 0.4, 0.6, 0.8, 1.0]}
    average = auditor.audit(write_scenario(doc), draws=2000, seed=9)
    assert average.point_estimate == pytest.approx(0.6 * run_rate.point_estimate)
    for k in ("sampling", "judgement", "full"):
        np.testing.assert_allclose(average.stages[k], 0.6 * run_rate.stages[k], rtol=1e-12)
    # A total over the horizon: Σ ramp = 3 run-rate years.
    doc["claim"]["per"] = "total"
    total = auditor.audit(write_scenario(doc), draws=2000, seed=9)
    np.testing.assert_allclose(total.stages["full"], 3.0 * run_rate.stages["full"], rtol=1e-12)


# ---- the optional levers of auditor.model.levers -----------------------------------------------

def _huge_review(doc):
    # 600,000 of 1,000,000 reviewed cases judged movable: the Dirichlet share is 0.6 to ±0.0005.
    doc["sample"] = {"transitions": [{"from": "a", "to": "a", "count": 400000},
                                     {"from": "a", "to": "b", "count": 600000}]}
    return doc


def test_no_lever_and_neutral_levers_give_identical_draws(write_scenario):
    doc = _two_settings()
    doc["settings"]["a"]["cost"] = {"dist": "uniform", "low": 25000, "high": 35000}
    doc["implementation"] = {"realisation": {"dist": "uniform", "low": 0.5, "high": 1.0}}
    plain = auditor.audit(write_scenario(doc), draws=3000, seed=4)
    doc["costs"] = {"correlation": 0.0}
    same = auditor.audit(write_scenario(doc), draws=3000, seed=4)
    for k in ("sampling", "judgement", "full"):
        assert np.array_equal(plain.stages[k], same.stages[k])


def test_selection_bias_divides_the_odds_of_a_move(write_scenario):
    # Review share 0.6 (odds 1.5); b = 2 → cohort odds 0.75, share 0.6 / (0.6 + 2·0.4) = 3/7.
    # Full stage: 100 · 3/7 · £20,000 = £857,143; the sampling stage keeps the review's 0.6 (£1.2m).
    doc = _huge_review(_two_settings())
    doc["sample"]["selection_bias"] = 2.0
    r = auditor.audit(write_scenario(doc), draws=4000, seed=2)
    assert r.stages["full"].mean() == pytest.approx(100 * 3 / 7 * 20000, rel=2e-3)
    assert r.stages["sampling"].mean() == pytest.approx(100 * 0.6 * 20000, rel=2e-3)
    assert r.point_estimate == pytest.approx(1_200_000)   # the published method has no bias


def test_delivered_multiplies_the_full_stage_draw_by_draw(write_scenario):
    # Fixed costs and r = 1: full = sampling × delivered in every draw; E[delivered] = 0.75.
    doc = _two_settings()
    doc["implementation"] = {"delivered": {"dist": "uniform", "low": 0.5, "high": 1.0}}
    r = auditor.audit(write_scenario(doc), draws=5000, seed=6)
    d = r.inputs["delivered"]
    np.testing.assert_allclose(r.stages["full"], r.stages["sampling"] * d, rtol=1e-12)
    assert d.mean() == pytest.approx(0.75, abs=0.01)
    np.testing.assert_array_equal(r.stages["judgement"], r.stages["sampling"])   # face value


def test_failed_moves_cost_what_they_cost(write_scenario):
    # θ = 0.5: half the judged moves hold and save £20,000; the other half cost F = £10,000.
    # Full: 100 · 0.6 · (0.5 · 20,000 − 0.5 · 10,000) = £300,000; the judgement stage keeps £600,000.
    doc = _huge_review(_two_settings())
    doc["judgement"] = {"model": "fixed", "theta": 0.5}
    doc["implementation"] = {"failed_move_cost": 10000}
    r = auditor.audit(write_scenario(doc), draws=4000, seed=8)
    assert r.stages["full"].mean() == pytest.approx(300_000, rel=2e-3)
    assert r.stages["judgement"].mean() == pytest.approx(600_000, rel=2e-3)
    # Under face value nothing fails, so the lever changes nothing.
    doc["judgement"] = {"model": "face_value"}
    fv = auditor.audit(write_scenario(doc), draws=4000, seed=8)
    np.testing.assert_array_equal(fv.stages["full"], fv.stages["sampling"])


def test_fully_correlated_costs_of_equal_width_cancel(write_scenario):
    # ρ = 1 with a ~ U(£25k, £35k) and b ~ U(£5k, £15k): both costs sit at the same quantile, so
    # c_a − c_b = £20,000 in every draw and the full stage equals the sampling stage.
    doc = _two_settings()
    doc["settings"]["a"]["cost"] = {"dist": "uniform", "low": 25000, "high": 35000}
    doc["settings"]["b"]["cost"] = {"dist": "uniform", "low": 5000, "high": 15000}
    doc["costs"] = {"correlation": 1.0}
    r = auditor.audit(write_scenario(doc), draws=3000, seed=5)
    np.testing.assert_allclose(r.stages["full"], r.stages["sampling"], rtol=1e-9)


def test_cost_correlation_is_the_gaussian_copula(write_scenario):
    # One-factor Gaussian copula with ρ = 0.5: Spearman's rank correlation of the two costs is
    # (6/π)·asin(ρ/2) = 0.2406; each cost keeps its own law (uniform: mean 30,000, sd 10,000/√12).
    from scipy.stats import spearmanr

    doc = _two_settings()
    doc["settings"]["a"]["cost"] = {"dist": "uniform", "low": 25000, "high": 35000}
    doc["settings"]["b"]["cost"] = {"dist": "triangular", "low": 5000, "mode": 8000, "high": 15000}
    doc["costs"] = {"correlation": 0.5, "source": "test"}
    r = auditor.audit(write_scenario(doc), draws=40000, seed=12)
    a, b = r.inputs["cost[a]"], r.inputs["cost[b]"]
    assert spearmanr(a, b).statistic == pytest.approx(6 / np.pi * np.arcsin(0.25), abs=0.015)
    assert a.mean() == pytest.approx(30000, rel=3e-3) and a.std() == pytest.approx(10000 / np.sqrt(12), rel=1e-2)
    assert b.mean() == pytest.approx((5000 + 8000 + 15000) / 3, rel=3e-3)


@pytest.mark.parametrize("mutate, field, words", [
    (lambda d: d["sample"].update(selection_bias=0), "sample.selection_bias", "odds ratio > 0"),
    (lambda d: d.update(costs={"correlation": 1.5}), "costs.correlation", "between 0"),
    (lambda d: d.update(costs={"rho": 0.5}), "costs.rho", "unknown key"),
    (lambda d: d.update(implementation={"delivered": 1.2}), "implementation.delivered", ""),
    (lambda d: d.update(implementation={"failed_move_cost": -5}), "implementation.failed_move_cost", ""),
])
def test_bad_levers(write_scenario, mutate, field, words):
    doc = _two_settings()
    mutate(doc)
    with pytest.raises(ScenarioError) as info:
        auditor.load_scenario(write_scenario(doc))
    assert info.value.field == field
    assert words in str(info.value)
