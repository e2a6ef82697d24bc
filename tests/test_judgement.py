"""Tests for auditor.inputs.judgement: the reliability models, the ladder and the switching selectivity."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import auditor
from auditor.errors import ScenarioError
from auditor.analysis.ladder import LADDER, ladder_models, ladder_savings, switching_selectivity
from auditor.model.engine import theta_draws
from auditor.inputs.judgement import FaceValue, Scrutinised, Selection, parse_judgement, selection_error_rate
from strategies import base_scenario, transitions

# ---- selection formula -----------------------------------------------------------


def test_selection_hand_value():
    # O = 0.96, ρ = 10, s = 1, f = 0.5: w = 0.46 / (0.46 + 10 · 0.04) = 0.46 / 0.86.
    w = float(selection_error_rate(0.96, 10, 1.0, 0.5))
    assert w == pytest.approx(0.46 / 0.86, rel=1e-12)
    assert round(w, 2) == 0.53


@pytest.mark.parametrize("o, rho, expected", [
    # methods survey B2 table, s = 1, f = 0.5 (hand: (O−f)/((O−f)+ρ(1−O)))
    (0.90, 1, 0.4 / 0.5), (0.90, 10, 0.4 / 1.4), (0.98, 30, 0.48 / (0.48 + 0.6)), (0.96, 100, 0.46 / 4.46),
])
def test_selection_table_values(o, rho, expected):
    assert float(selection_error_rate(o, rho)) == pytest.approx(expected)


def test_selection_inverts_the_overturn_rate():
    # Forward model: O = (w·ρ·s + (1−w)·f) / (w·ρ + 1 − w); the formula must recover w.
    w, rho, s, f = 0.3, 7.0, 0.95, 0.4
    o = (w * rho * s + (1 - w) * f) / (w * rho + 1 - w)
    assert float(selection_error_rate(o, rho, s, f)) == pytest.approx(w)


def test_selection_clips_outside_the_range():
    assert selection_error_rate(0.5, 10).item() == 0.0   # O ≤ f: no sign of error
    assert selection_error_rate(1.0, 10).item() == 1.0   # O ≥ s: every decision wrong
    # ρ = 0 (wrong decisions never appealed): the formula is 0/0 at O ≤ f; the clipping rule says w = 0.
    assert selection_error_rate(0.4, 0.0).item() == 0.0
    # ... and for f < O < s it is (O − f)/(O − f) = 1.
    assert selection_error_rate(0.7, 0.0).item() == 1.0


@given(o=st.floats(0.51, 0.999), r1=st.floats(0.5, 500), r2=st.floats(0.5, 500))
@settings(max_examples=50)
def test_more_selectivity_means_fewer_errors(o, r1, r2):
    lo, hi = sorted((r1, r2))
    assert selection_error_rate(o, hi) <= selection_error_rate(o, lo) + 1e-12


# ---- the models ------------------------------------------------------------------


def test_scrutinised_matches_the_closed_form_beta():
    # θ ~ Beta(a0·upheld + ½, a0·overturned + ½), a0 = ESS / decided = 20 / 7968.
    m = parse_judgement({"model": "scrutinised", "evidence": "tribunal:2022/23", "effective_sample_size": 20})
    a0 = 20 / 7968
    law = stats.beta(a0 * 136 + 0.5, a0 * 7832 + 0.5)
    x = m.draw_theta(np.random.default_rng(3), 50_000)
    assert m.central() == pytest.approx(law.mean(), rel=1e-12)
    # KS at n = 50,000: the 1% critical value is 1.63/√n ≈ 0.0073.
    assert stats.kstest(x, law.cdf).statistic < 0.0073
    for q in (0.05, 0.5, 0.95):
        assert np.quantile(x, q) == pytest.approx(law.ppf(q), abs=0.004)


def test_scrutinised_all_counts_uses_raw_counts():
    m = parse_judgement({"model": "scrutinised", "evidence": {"upheld": 136, "overturned": 7832},
                         "effective_sample_size": "all"})
    assert m.central() == pytest.approx(136.5 / (136.5 + 7832.5))


def test_scrutinised_default_ess_is_20():
    assert parse_judgement({"model": "scrutinised"}).effective_sample_size == 20


def test_contest_closed_form():
    m = parse_judgement({"model": "contest", "contest_rate": 0.5, "evidence": {"overturn_rate": 0.9}})
    x = m.draw_theta(np.random.default_rng(0), 100)
    assert np.allclose(x, 1 - 0.5 * 0.9)


def test_contest_counts_concessions_as_overturns():
    # 2022/23: (7,832 overturned + 3,900 conceded/withdrawn) / (7,968 decided + 3,900).
    m = parse_judgement({"model": "contest", "contest_rate": 1.0, "count_concessions": True,
                         "evidence": "tribunal:2022/23"})
    omega = (7832 + 3900) / (7968 + 3900)
    assert m.evidence.components[0].rate == pytest.approx(omega)
    # Raw-count Beta(overturned + ½, upheld + ½): mean (11732.5)/(11869)
    assert m.central() == pytest.approx(1 - 11732.5 / 11869)


def test_selection_theta_is_one_minus_w_for_fixed_inputs():
    m = parse_judgement({"model": "selection", "selectivity": 10, "evidence": {"overturn_rate": 0.96}})
    x = m.draw_theta(np.random.default_rng(0), 10)
    assert np.allclose(x, 1 - 0.46 / 0.86)


def test_transport_scales_the_evidence():
    # θ = 1 − τ(1 − θ_e): with θ_e = 0.55 and τ = 0.4, θ = 1 − 0.4 · 0.45 = 0.82; τ = 0 gives 1.
    base = {"model": "contest", "contest_rate": 0.5, "evidence": {"overturn_rate": 0.9}}
    assert np.allclose(parse_judgement({**base, "transport": 0.4}).draw_theta(np.random.default_rng(0), 5), 0.82)
    assert np.allclose(parse_judgement({**base, "transport": 0.0}).draw_theta(np.random.default_rng(0), 5), 1.0)
    u = parse_judgement({**base, "transport": {"dist": "uniform", "low": 0, "high": 1}})
    assert u.central() == pytest.approx(1 - 0.5 * 0.45)


def test_fixing_selectivity_keeps_the_other_draws():
    # Each input has its own child stream, so the overturn-rate draws do not move when ρ is fixed.
    a = parse_judgement({"model": "selection", "selectivity": 10})
    b = parse_judgement({"model": "selection", "selectivity": {"dist": "uniform", "low": 10, "high": 10.000001}})
    xa, xb = a.draw_theta(np.random.default_rng(5), 1000), b.draw_theta(np.random.default_rng(5), 1000)
    assert np.allclose(xa, xb, atol=1e-6)


@pytest.mark.parametrize("raw, field, message", [
    ({"model": "selection", "colour": 1}, "judgement.colour", "unknown key for model 'selection'"),
    ({"model": "scrutinised", "effective_sample_size": 0}, "judgement.effective_sample_size",
     "must be a number > 0"),
    ({"model": "scrutinised", "effective_sample_size": "lots"}, "judgement.effective_sample_size", "or \"all\""),
    ({"model": "scrutinised", "evidence": "lgsco:2022/23", "effective_sample_size": "all"},
     "judgement.effective_sample_size", "needs counts"),
    ({"model": "contest", "count_concessions": "yes"}, "judgement.count_concessions", "must be true or false"),
    ({"model": "contest", "count_concessions": True, "evidence": "tribunal:2015/16"},
     "judgement.count_concessions", "no count of appeals conceded"),
    ({"model": "contest", "contest_rate": 1.5}, "judgement.contest_rate", "between 0 and 1"),
    ({"model": "selection", "win_if_wrong": 2}, "judgement.win_if_wrong", "a probability between 0 and 1"),
    ({"model": "selection", "win_if_right": 0.9, "win_if_wrong": 0.8}, "judgement.win_if_right",
     "must be below win_if_wrong"),
    ({"model": "selection", "selectivity": -1}, "judgement.selectivity", "must be >= 0"),
    ({"model": "selection", "transport": 2}, "judgement.transport", "between 0 and 1"),
    ({"model": "selection", "evidence": "nope:2022/23"}, "judgement.evidence", "unknown evidence"),
    ({"model": "bayesian"}, "judgement.model", "allowed: face_value, fixed, scrutinised, contest, selection"),
])
def test_every_judgement_validation_message(raw, field, message):
    with pytest.raises(ScenarioError) as info:
        parse_judgement(raw)
    assert info.value.field == field
    assert message in info.value.message


def test_scenario_error_names_file_and_line(write_scenario):
    path = write_scenario(base_scenario(judgement={"model": "selection", "win_if_right": 1.0}))
    with pytest.raises(ScenarioError) as info:
        auditor.load_scenario(path)
    assert info.value.path == str(path) and info.value.line is not None
    assert info.value.field == "judgement.win_if_right"


# ---- in the engine: up-shifts, monotonicity, ladder, switching --------------------

def _scenario(write_scenario, judgement, **changes):
    return auditor.load_scenario(write_scenario(base_scenario(judgement=judgement, **changes)))


def test_up_shifts_are_not_reweighted(write_scenario):
    # Only an up-shift (b → a, to the dearer setting): θ must not change the savings.
    doc = base_scenario(
        judgement={"model": "contest", "contest_rate": 1.0, "evidence": {"overturn_rate": 0.9}},
        settings={"a": {"label": "A", "cost": 30000, "cohort": 0}, "b": {"label": "B", "cost": 10000, "cohort": 100}},
        sample={"transitions": transitions({("b", "b"): 4, ("b", "a"): 6})})
    r = auditor.audit(auditor.load_scenario(write_scenario(doc)), draws=500, seed=2)
    assert np.array_equal(r.stages["judgement"], r.stages["sampling"])


def _savings_at(folder, model, field, lo, hi, seed, positive=False):
    """Savings with the model's ``field`` at ``lo`` and then at ``hi``, same draws otherwise."""
    from strategies import to_toml

    path = folder / "s.toml"
    path.write_text(to_toml(base_scenario(judgement={"model": model, field: lo})))
    s = auditor.load_scenario(path)
    a = auditor.audit(s, draws=300, seed=seed).savings
    higher = replace(s.judgement, **{field: _fixed(hi, positive=positive)})
    b = auditor.audit(replace(s, judgement=higher), draws=300, seed=seed).savings
    return a, b


@given(g1=st.floats(0, 1), g2=st.floats(0, 1), seed=st.integers(0, 2**32))
@settings(max_examples=15)
def test_more_contest_means_less_saving(tmp_path_factory, g1, g2, seed):
    lo, hi = sorted((g1, g2))
    a, b = _savings_at(tmp_path_factory.mktemp("c"), "contest", "contest_rate", lo, hi, seed)
    assert np.all(b <= a + 1e-6)


@given(r1=st.floats(0.5, 500), r2=st.floats(0.5, 500), seed=st.integers(0, 2**32))
@settings(max_examples=15)
def test_more_selectivity_means_more_saving(tmp_path_factory, r1, r2, seed):
    lo, hi = sorted((r1, r2))
    a, b = _savings_at(tmp_path_factory.mktemp("s"), "selection", "selectivity", lo, hi, seed, positive=True)
    assert np.all(b >= a - 1e-6)


def _fixed(value, positive=False):
    from auditor.inputs.distributions import POSITIVE, SHARE, parse_dist
    return parse_dist(value, POSITIVE if positive else SHARE, "x")


def test_ladder_uses_common_random_numbers(write_scenario):
    # Fixed costs and realisation 1: the face-value rung must equal the sampling stage draw for draw.
    s = _scenario(write_scenario, {"model": "selection"})
    r = auditor.audit(s, draws=3000, seed=11)
    ladder = ladder_savings(s, 3000, 11)
    assert tuple(ladder) == LADDER
    assert np.array_equal(ladder["face_value"], r.stages["sampling"])
    assert np.array_equal(ladder["selection"], r.savings)   # the scenario's own model is the main rung


@pytest.mark.parametrize("path, overrides", [
    ("scenarios/west-sussex-2023.toml", {}),                     # reported form, face value
    ("scenarios/west-sussex-2023.toml", {"judgement.model": "selection",
                                         "implementation.realisation": {"dist": "pert", "low": 0.5,
                                                                        "mode": 0.8, "high": 1.0}}),
    ("scenarios/west-sussex-2023-cases.toml", {"sample.method": "bootstrap", "judgement.model": "contest"}),
    ("scenarios/bcp-2023.toml", {}),
    ("scenarios/west-sussex-2023-cases.toml", {}),
])
def test_ladder_rejudged_equals_full_reruns(path, overrides):
    # Each rung reuses the shared draws and draws only its θ (engine.rejudge); it must equal a
    # full rerun of the engine with that judgement model, bit for bit, from a drawn base and
    # from the audit's own kept inputs, over more than one block.
    from auditor.model import engine

    s = auditor.load_scenario(path, overrides=overrides or None)
    n = engine.BLOCK_SIZE + 1000
    rerun = {name: engine.simulate(engine.build_model(replace(s, judgement=m)), draws=n, seed=9,
                                   keep_inputs=False)["full"] for name, m in ladder_models(s).items()}
    kept = engine.base_inputs(engine.build_model(s), dict(auditor.audit(s, draws=n + 7, seed=9,
                                                                        analyses=False).inputs), n)
    for base in (None, kept):
        got = ladder_savings(s, n, 9, base)
        assert all(np.array_equal(got[k], rerun[k]) for k in LADDER)


def test_ladder_models_share_evidence_and_keep_own_model(write_scenario):
    s = _scenario(write_scenario, {"model": "contest", "contest_rate": 0.3, "evidence": "lgsco:2022/23"})
    models = ladder_models(s)
    assert models["contest"] is s.judgement
    assert isinstance(models["face_value"], FaceValue)
    assert isinstance(models["selection"], Selection) and isinstance(models["scrutinised"], Scrutinised)
    assert models["selection"].evidence == s.judgement.evidence


def test_switching_selectivity_against_closed_form(write_scenario):
    # Fixed costs, fixed O = 0.96 (a rate-only evidence is taken as fixed): at fixed ρ every
    # draw's saving is θ(ρ)·(sampling-stage saving), so median(full) = θ(ρ)·median(sampling).
    # Choose the claim's low end as the median at ρ = 10 and invert w(ρ) by hand.
    j = {"model": "selection", "evidence": {"overturn_rate": 0.96}, "selectivity": 10}
    s = _scenario(write_scenario, j)
    r = auditor.audit(s, draws=4000, seed=5)
    med = float(np.median(r.stages["sampling"]))
    theta_star = 1 - 0.46 / 0.86
    low = med * theta_star
    s2 = replace(s, claim=replace(s.claim, low=low, high=low * 2))
    sw = switching_selectivity(s2, 4000, 5)
    # w* = 1 − θ*; ρ* = (O − f)(1 − w*) / (w*(s − O)) = 10 exactly; brentq's xtol is 1e-4 in log ρ.
    assert sw["value"] == pytest.approx(10, rel=1e-3)


def test_switching_selectivity_null_outside_range(write_scenario):
    s = _scenario(write_scenario, {"model": "selection", "evidence": {"overturn_rate": 0.96}})
    # The face-value median is about 100 · 0.59 · £20,000 ≈ £1.2m; at ρ = 1, θ = 1 − 0.46/0.50 = 0.08,
    # so the median is about £94k: a £50k low end is met at every ρ, a £5m one at none.
    met = switching_selectivity(replace(s, claim=replace(s.claim, low=5e4)), 2000, 1)
    assert met["value"] is None and "every selectivity" in met["note"]
    never = switching_selectivity(replace(s, claim=replace(s.claim, low=5e6, high=6e6)), 2000, 1)
    assert never["value"] is None and "stays below" in never["note"]


def test_summary_judgement_block(write_scenario):
    s = _scenario(write_scenario, {"model": "selection", "evidence": "tribunal:2022/23"})
    r = auditor.audit(s, draws=2000, seed=3)
    j = r.summary()["judgement"]
    assert j["model"] == "selection"
    assert j["evidence"][0]["key"] == "tribunal:2022/23"
    assert set(j["theta"]) == {"median", "p05", "p95"}
    assert j["theta"]["median"] == pytest.approx(float(np.median(r.inputs["theta"])))
    assert "switching_selectivity" in j
    assert [row["name"] for row in j["ladder"]] == list(LADDER)
    assert [row["main"] for row in j["ladder"]] == [name == "selection" for name in LADDER]
    assert all(row["label"] for row in j["ladder"])
    import json
    json.dumps(r.summary(), allow_nan=False)


def test_theta_draws_match_the_engine(write_scenario):
    s = _scenario(write_scenario, {"model": "scrutinised"})
    r = auditor.audit(s, draws=9000, seed=8)   # more than one block of 8,192
    assert np.array_equal(theta_draws(s.judgement, 8, 9000), r.inputs["theta"])


def test_face_value_summary_has_no_switching(write_scenario):
    r = auditor.audit(_scenario(write_scenario, {"model": "face_value"}), draws=500, seed=1)
    j = r.summary()["judgement"]
    assert j["theta"] == {"median": 1.0, "p05": 1.0, "p95": 1.0}
    assert "switching_selectivity" not in j


def test_west_sussex_takes_the_panel_at_face_value_and_reads_the_evidence_on_the_ladder(west_sussex):
    # No published figure gives the panel's reliability or the appeal selectivity, so the
    # shipped scenario takes the panel at face value (as the published figure does); the
    # selection reading appears on the ladder with the packaged tribunal evidence.
    s = auditor.load_scenario(west_sussex)
    assert s.judgement.name == "face_value"
    sel = ladder_models(s)["selection"]
    assert isinstance(sel, Selection)
    # The year available when the claim was made (the article quotes councils' 3.7%).
    assert sel.evidence.components[0].label == "tribunal:2021/22"
    # tribunal:2021/22 in auditor/data/evidence.csv: 5,385 of 5,592 decided appeals found for the family.
    assert sel.evidence.components[0].rate == pytest.approx(5385 / 5592)
    assert math.isfinite(sel.central())


def test_selection_error_rate_in_place_matches_general():
    from auditor.inputs.appeals import selection_error_rate, selection_error_rate_into

    rng = np.random.default_rng(11)
    o = np.concatenate([rng.random(5000), [0.5, 1.0, 0.0, 0.75]])
    rho = np.concatenate([rng.lognormal(2, 1, 5000), [0.0, 0.0, 3.0, 0.0]])
    expected = selection_error_rate(o, rho, 1.0, 0.5)
    assert np.array_equal(selection_error_rate_into(o.copy(), rho.copy(), 1.0, 0.5), expected)


# ---- uncertain win probabilities (win_if_wrong s, win_if_right f) ------------------

_F_UNIFORM = {"dist": "uniform", "low": 0.3, "high": 0.7}


def test_degenerate_win_dists_give_the_fixed_results_exactly():
    # uniform(v, v) draws low + 0·u = v exactly, and the ρ, evidence and transport
    # streams are children 0-2 whether or not s and f are drawn, so every bit agrees.
    base = {"model": "selection", "evidence": "tribunal:2022/23",
            "transport": {"dist": "uniform", "low": 0.5, "high": 1}}
    plain = parse_judgement(base)
    point = parse_judgement({**base, "win_if_wrong": {"dist": "uniform", "low": 1, "high": 1},
                             "win_if_right": {"dist": "uniform", "low": 0.5, "high": 0.5}})
    a = plain.draw_theta(np.random.default_rng(3), 5000)
    b = point.draw_theta(np.random.default_rng(3), 5000)
    assert np.array_equal(a, b)


def test_degenerate_win_dist_in_the_engine(write_scenario):
    plain = _scenario(write_scenario, {"model": "selection"})
    point = _scenario(write_scenario, {"model": "selection",
                                       "win_if_right": {"dist": "uniform", "low": 0.5, "high": 0.5}})
    a, b = auditor.audit(plain, draws=3000, seed=8), auditor.audit(point, draws=3000, seed=8)
    for stage in ("sampling", "judgement", "full"):
        assert np.array_equal(a.stages[stage], b.stages[stage])


def test_uncertain_f_uses_its_own_stream():
    # O fixed (rate only), ρ a dist, f a dist: θ must be 1 − w(O, ρ, 1, f) with ρ from
    # child 1 and f from child 4 of the judgement stream (3 is s, unused here).
    m = parse_judgement({"model": "selection", "evidence": {"overturn_rate": 0.96}, "win_if_right": _F_UNIFORM})
    theta = m.draw_theta(np.random.default_rng(21), 4000)
    r = np.random.default_rng(21)
    _, rho_rng, _ = r.spawn(3)
    _, f_rng = r.spawn(2)
    rho = m.selectivity.draw(rho_rng, 4000)
    f = f_rng.uniform(0.3, 0.7, 4000)
    np.testing.assert_allclose(theta, 1 - selection_error_rate(0.96, rho, 1.0, f), rtol=0, atol=1e-15)


def test_theta_mean_with_uncertain_f_matches_the_integral():
    # O = 0.96, ρ = 10, s = 1 fixed; f ~ uniform(0.3, 0.7). E[θ] = (1/0.4)∫ 1 − w(f) df by quad
    # (by hand: 1 − w = 0.4/(1.36 − f), so E[θ] = ln(1.06/0.66) ≈ 0.4738).
    from scipy.integrate import quad

    def theta(f):
        return 1 - (0.96 - f) / ((0.96 - f) + 10 * (1 - 0.96))

    expected = quad(theta, 0.3, 0.7)[0] / 0.4
    assert expected == pytest.approx(math.log(1.06 / 0.66), rel=1e-9)
    m = parse_judgement({"model": "selection", "selectivity": 10, "evidence": {"overturn_rate": 0.96},
                         "win_if_right": _F_UNIFORM})
    x = m.draw_theta(np.random.default_rng(4), 200_000)
    # θ(f) spans 0.377-0.606, sd ≈ 0.066, so the Monte Carlo standard error is
    # 0.066/√200,000 ≈ 1.5e-4; allow 1e-3 (about 6.7 standard errors).
    assert float(x.mean()) == pytest.approx(expected, abs=1e-3)
    assert m.central() == pytest.approx(expected, abs=2e-3)   # central() uses 20,000 draws: SE ≈ 4.7e-4


@given(f1=st.floats(0.0, 0.95), f2=st.floats(0.0, 0.95), o=st.floats(0.5, 0.999), rho=st.floats(0.5, 500))
@settings(max_examples=50)
def test_higher_f_means_higher_theta(f1, f2, o, rho):
    # w = a/(a + b) with a = O − f, b = ρ(s − O) > 0 grows with a, and a falls as f rises:
    # the more often right decisions also lose, the less an overturn says about error.
    lo, hi = sorted((f1, f2))
    assert 1 - selection_error_rate(o, rho, 1.0, hi) >= 1 - selection_error_rate(o, rho, 1.0, lo) - 1e-12


def test_higher_f_range_means_higher_theta_per_draw():
    # Shifting f's range up, draw for draw (same u in f's stream), never lowers θ.
    low = parse_judgement({"model": "selection", "win_if_right": _F_UNIFORM})
    high = parse_judgement({"model": "selection", "win_if_right": {"dist": "uniform", "low": 0.5, "high": 0.9}})
    a, b = low.draw_theta(np.random.default_rng(9), 3000), high.draw_theta(np.random.default_rng(9), 3000)
    assert np.all(b >= a - 1e-12) and b.mean() > a.mean()


def test_uncertain_win_probabilities_in_words_and_dict():
    m = parse_judgement({"model": "selection", "win_if_wrong": {"dist": "uniform", "low": 0.9, "high": 1},
                         "win_if_right": _F_UNIFORM})
    assert ("families win 90–100% of hearings against wrong decisions and 30–70% against right ones"
            in m.describe())
    d = m.to_dict()
    assert d["win_if_wrong"] == {"dist": "uniform", "low": 0.9, "high": 1} and d["win_if_right"] == _F_UNIFORM
    tri = parse_judgement({"model": "selection",
                           "win_if_right": {"dist": "triangular", "low": 0.3, "mode": 0.5, "high": 0.7}})
    assert "30–70% (most likely 50%) against right ones" in tri.describe()
    plain = parse_judgement({"model": "selection"})
    assert plain.to_dict()["win_if_wrong"] == 1.0 and plain.to_dict()["win_if_right"] == 0.5
    assert "families win 100% of hearings against wrong decisions and 50% against right ones" in plain.describe()


@pytest.mark.parametrize("extra, field, message", [
    ({"win_if_right": {"dist": "uniform", "low": 0.5, "high": 0.9},
      "win_if_wrong": {"dist": "uniform", "low": 0.85, "high": 1}},
     "judgement.win_if_right", "win_if_right can reach 0.9 but win_if_wrong can fall to 0.85"),
    # A normal on [0, 1] can reach 1, so it always meets s = 1.
    ({"win_if_right": {"dist": "normal", "mean": 0.5, "sd": 0.1}}, "judgement.win_if_right",
     "the largest value of win_if_right must be below the smallest of win_if_wrong"),
    ({"win_if_right": 0.6, "win_if_wrong": {"dist": "uniform", "low": 0.5, "high": 1}}, "judgement.win_if_right",
     "win_if_right can reach 0.6 but win_if_wrong can fall to 0.5"),
    ({"win_if_right": {"dist": "uniform", "low": 0.3, "high": 1.2}}, "judgement.win_if_right.high",
     "must be between 0 and 1"),
    ({"win_if_wrong": "high"}, "judgement.win_if_wrong", "a probability between 0 and 1 or a dist table on [0, 1]"),
])
def test_uncertain_win_validation(extra, field, message):
    with pytest.raises(ScenarioError) as info:
        parse_judgement({"model": "selection", **extra})
    assert info.value.field == field
    assert message in info.value.message


def test_sensitivity_picks_up_uncertain_win_probabilities(write_scenario):
    from auditor.analysis.sensitivity import _judgement_fields, switching_values

    plain = _scenario(write_scenario, {"model": "selection"})
    assert "win_if_right" not in _judgement_fields(plain) and "win_if_wrong" not in _judgement_fields(plain)
    s = _scenario(write_scenario, {"model": "selection", "evidence": {"overturn_rate": 0.96},
                                   "win_if_right": _F_UNIFORM})
    assert "win_if_right" in _judgement_fields(s)
    rows = {v.input: v for v in switching_values(s, draws=500, seed=2, n_scan=5)}
    assert rows["judgement.win_if_right"].input_range == (0.3, 0.7)
    assert rows["judgement.win_if_right"].current == pytest.approx(0.5)


def test_switching_selectivity_with_uncertain_f(write_scenario):
    # f's draws stay put while ρ is searched; with O = 0.96 and costs fixed the median
    # still rises with ρ, so a claim low end between the ρ = 1 and ρ = 1000 medians has a root.
    s = _scenario(write_scenario, {"model": "selection", "evidence": {"overturn_rate": 0.96},
                                   "win_if_right": _F_UNIFORM})
    med = float(np.median(auditor.audit(s, draws=2000, seed=5).stages["sampling"]))
    s2 = replace(s, claim=replace(s.claim, low=0.5 * med, high=med))
    sw = switching_selectivity(s2, 2000, 5)
    assert sw["value"] is not None and 1 < sw["value"] < 1000


# ---- child streams built only when used (same numbers as rng.spawn) ----------------


def _former_theta(m, rng, size):
    # The models' draws as written with rng.spawn before child generators were built
    # lazily (every child built, used or not): the reference for the lazy version.
    from auditor.inputs.appeals import selection_error_rate_into, win_value
    from auditor.inputs.judgement import _rate_params

    def mixture(rng_, one):
        rngs = rng_.spawn(1 + len(m.evidence.components))
        idx = m.evidence.pick(rngs[0], size)
        if idx is None:
            return one(m.evidence.components[0], rngs[1])
        out = np.empty(size)
        for j, (c, r) in enumerate(zip(m.evidence.components, rngs[1:])):
            x = one(c, r)
            out[idx == j] = x[idx == j]
        return out

    def overturn(c, r):
        params = _rate_params(c, m.effective_sample_size)
        return np.full(size, c.rate) if params is None else r.beta(params[0], params[1], size)

    def transported(theta, r):
        if m.transport.is_fixed and m.transport.p["value"] == 1.0:
            return theta
        return 1.0 - m.transport.draw(r, size) * (1.0 - theta)

    if m.name == "scrutinised":
        ev, tr = rng.spawn(2)

        def success(c, r):
            a, b = _rate_params(c, m.effective_sample_size)
            return r.beta(b, a, size)

        return transported(mixture(ev, success), tr)
    if m.name == "contest":
        ev, g, tr = rng.spawn(3)
        return transported(1.0 - m.contest_rate.draw(g, size) * mixture(ev, overturn), tr)
    ev, rho_rng, tr = rng.spawn(3)
    o = mixture(ev, overturn)
    rho = m.selectivity.draw(rho_rng, size)
    s, f = win_value(m.win_if_wrong), win_value(m.win_if_right)
    if s is None or f is None:
        s_rng, f_rng = rng.spawn(2)
        s = s if s is not None else m.win_if_wrong.draw(s_rng, size)
        f = f if f is not None else m.win_if_right.draw(f_rng, size)
    w = selection_error_rate_into(o, rho, s, f)
    return transported(np.subtract(1.0, w, out=w), tr)


_MIXED = [{"key": "tribunal:2022/23", "weight": 2}, {"key": "lgsco:2022/23", "weight": 1}]
_LAZY_CASES = [
    {"model": "scrutinised", "evidence": "tribunal:2022/23"},
    {"model": "scrutinised", "evidence": _MIXED, "effective_sample_size": 40, "transport": _F_UNIFORM},
    {"model": "contest", "evidence": {"overturn_rate": 0.9}, "contest_rate": 0.5},
    {"model": "contest", "evidence": _MIXED, "transport": {"dist": "uniform", "low": 0.2, "high": 0.9}},
    {"model": "contest", "evidence": "tribunal:2022/23", "count_concessions": True},
    {"model": "selection", "evidence": "tribunal:2022/23"},
    {"model": "selection", "evidence": "tribunal:2022/23", "selectivity": 10, "win_if_right": _F_UNIFORM},
    {"model": "selection", "evidence": _MIXED, "win_if_wrong": {"dist": "uniform", "low": 0.8, "high": 1.0},
     "win_if_right": _F_UNIFORM, "transport": 0.6},
    {"model": "selection", "evidence": {"upheld": 30, "overturned": 170}, "effective_sample_size": 50,
     "win_if_wrong": {"dist": "uniform", "low": 0.8, "high": 1.0}},
]


@pytest.mark.parametrize("raw", _LAZY_CASES)
@pytest.mark.parametrize("spawned_before", [0, 2])
def test_lazy_child_streams_match_spawn(raw, spawned_before):
    from auditor.model.engine import stream

    # Building only the children a model draws from must give rng.spawn's numbers, on a
    # fresh generator, on an engine stream, and on one whose spawn counter has moved;
    # the parent's counter must end where rng.spawn leaves it.
    m = parse_judgement(raw)
    for make in (lambda: np.random.default_rng(11), lambda: stream(5, 3, "judgement")):
        new, old = make(), make()
        new.spawn(spawned_before)
        old.spawn(spawned_before)
        a, b = m.draw_theta(new, 3000), _former_theta(m, old, 3000)
        assert a.tobytes() == b.tobytes(), raw
        assert new.bit_generator.seed_seq.n_children_spawned == old.bit_generator.seed_seq.n_children_spawned
        assert new.random() == old.random()  # the parent's own stream is untouched


def test_children_are_spawn_children():
    from auditor.inputs.judgement import _Children

    for k in (1, 3, 5):
        kids, ref = _Children.of(np.random.default_rng(2), k), np.random.default_rng(2).spawn(k)
        for i in range(k):
            assert kids.rng(i).random(4).tolist() == ref[i].random(4).tolist()
            assert kids.children(i, 2).rng(1).integers(0, 2**62, 3).tolist() == \
                ref[i].spawn(2)[1].integers(0, 2**62, 3).tolist()
