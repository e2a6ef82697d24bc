"""Tests for auditor.analysis.sensitivity and its report.

Reference values are worked by hand in the comments (fragility, case influence,
switching values) or are the closed-form Sobol indices of an additive toy.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model import engine
from auditor.cli import main
from auditor.inputs.scenario import load_scenario, parse_scenario
from auditor.analysis.fragility import case_influence, fragility, point_from_counts
from auditor.analysis.sensitivity import (SourceSeeds, grouped_sobol, plateau, sample_size, switching_values,
                                          variance_shares)
from auditor.api import sensitivity
from strategies import base_scenario, transitions

FACE = {"judgement": {"model": "face_value"}}


def model_of(doc: dict) -> engine.Model:
    return engine.build_model(parse_scenario(doc))


def two_rows(low: str = "£500k", high: str = "£2m") -> dict:
    """a (£30k, cohort 100): 2 stay, 3 → b; c (£50k, cohort 10): 1 stay, 1 → b; b costs £10k.

    Point = 100·3/5·20,000 + 10·1/2·40,000 = 1,200,000 + 200,000 = £1.4m.
    One reversal in row a lowers it by 100·20,000/5 = £400k; in row c by 10·40,000/2 = £200k.
    """
    return base_scenario(
        claim={"low": low, "high": high, "per": "year"},
        settings={"a": {"label": "A", "cost": 30000, "cohort": 100},
                  "b": {"label": "B", "cost": 10000, "cohort": 0},
                  "c": {"label": "C", "cost": 50000, "cohort": 10}},
        sample={"transitions": transitions({("a", "a"): 2, ("a", "b"): 3, ("c", "c"): 1, ("c", "b"): 1})})


# ---- grouped Sobol ------------------------------------------------------------------

def test_grouped_sobol_additive_toy_matches_closed_form():
    # f = x1 + 2·x2 + 0·x3, independent N(0, 1): Var f = 5, so S1 = ST1 = 1/5, S2 = ST2 = 4/5,
    # and x3 does not vary the output at all. With N = 2^15 the estimators' sd is ~0.01.
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((2, 1 << 15, 3))

    def f(x):
        return x[:, 0] + 2 * x[:, 1] + 0 * x[:, 2]

    ab = {}
    for k, name in enumerate(("x1", "x2", "x3")):
        mixed = a.copy()
        mixed[:, k] = b[:, k]
        ab[name] = f(mixed)
    out = grouped_sobol(f(a), f(b), ab, np.random.default_rng(1), n_boot=200)
    for name, truth in (("x1", 0.2), ("x2", 0.8)):
        assert out[name].first == pytest.approx(truth, abs=0.04)
        assert out[name].total == pytest.approx(truth, abs=0.04)
        assert out[name].first_ci[0] <= out[name].first <= out[name].first_ci[1]
        assert out[name].total_ci[0] - 0.02 <= truth <= out[name].total_ci[1] + 0.02
    assert not out["x3"].varies and out["x3"].first == out["x3"].total == 0.0


def test_grouped_sobol_nothing_varies_gives_zeros():
    f = np.ones(100)
    out = grouped_sobol(f, f, {"x": f + 0.0}, np.random.default_rng(0))
    assert out["x"].total == 0.0 and not out["x"].varies


def test_source_seeds_swap_only_the_named_source(west_sussex_cases):
    model = engine.build_model(load_scenario(west_sussex_cases, overrides=FACE))
    a = engine.simulate(model, draws=500, seed=3)
    ab = engine.simulate(model, draws=500, seed=SourceSeeds(3, frozenset({"sampling"}), 99))
    b = engine.simulate(model, draws=500, seed=99)
    cost = "cost[independent_special]"
    share = "share[independent_special->mainstream]"
    np.testing.assert_array_equal(ab[cost], a[cost])
    np.testing.assert_array_equal(ab[share], b[share])


def test_variance_shares_west_sussex_face_value(west_sussex_cases):
    # Face value and realisation 1: only sampling and costs vary; for a model this close
    # to additive the first-order shares add up to about 1.
    model = engine.build_model(load_scenario(west_sussex_cases, overrides=FACE))
    vs = variance_shares(model, draws=8192, seed=11, n_boot=50)
    assert set(vs) == {"sampling", "judgement", "costs", "implementation"}
    assert not vs["judgement"].varies and not vs["implementation"].varies
    assert vs["sampling"].total > vs["costs"].total > 0


def test_variance_shares_of_a_product_match_the_closed_form():
    # One row, face value: savings = N · p · Y · r with independent p ~ Beta(6.5, 4.5) (sampling),
    # Y = c_a − 10,000 ~ U(16k, 24k) (costs) and r ~ U(0.4, 0.8) (implementation). For a product
    # of independent factors, with m = E, s2 = Var and q = E[·²]:
    #   first-order S_X = s2_X · Π_{other} m² / Var f,   total S_TX = s2_X · Π_{other} q / Var f,
    #   Var f = Π q − Π m². Tolerance: 4 standard errors read off each index's 90% bootstrap
    #   interval (half-width / 1.645).
    doc = base_scenario(settings={"a": {"label": "A", "cost": {"dist": "uniform", "low": 26000, "high": 34000},
                                        "cohort": 100},
                                  "b": {"label": "B", "cost": 10000, "cohort": 0}},
                        implementation={"realisation": {"dist": "uniform", "low": 0.4, "high": 0.8}})
    moments = {"sampling": (6.5 / 11, 6.5 * 4.5 / (11 ** 2 * 12)),
               "costs": (20000.0, 8000.0 ** 2 / 12),
               "implementation": (0.6, 0.4 ** 2 / 12)}
    m2 = {k: m ** 2 for k, (m, _) in moments.items()}
    q = {k: m ** 2 + v for k, (m, v) in moments.items()}
    var = math.prod(q.values()) - math.prod(m2.values())
    vs = variance_shares(model_of(doc), draws=1 << 14, seed=4, n_boot=100)
    assert not vs["judgement"].varies
    for k, (_, v) in moments.items():
        others = [j for j in moments if j != k]
        first = v * math.prod(m2[j] for j in others) / var
        total = v * math.prod(q[j] for j in others) / var
        for got, ci, want in ((vs[k].first, vs[k].first_ci, first), (vs[k].total, vs[k].total_ci, total)):
            se = (ci[1] - ci[0]) / 2 / 1.645
            assert abs(got - want) < 4 * se, (k, got, want, se)


# ---- point, fragility, influence --------------------------------------------------------

def test_point_from_counts_matches_engine(west_sussex_cases):
    from auditor.analysis.fragility import _count_table

    model = engine.build_model(load_scenario(west_sussex_cases))
    assert point_from_counts(model, _count_table(model.scenario)) == pytest.approx(
        engine.point_estimate(model), rel=1e-12)


@pytest.mark.parametrize("low, expected, reversed_", [
    ("£1.5m", 0, ()),                           # 1.4m is already below 1.5m
    ("£1.3m", 1, ("a->b",)),                    # 1.4 − 0.4 = 1.0 < 1.3
    ("£700k", 2, ("a->b", "a->b")),             # 1.4 − 0.8 = 0.6 < 0.7 (one is 1.0, not enough)
    ("£250k", 3, ("a->b",) * 3),                # 1.4 − 1.2 = 0.2 < 0.25
    ("£150k", 4, ("a->b",) * 3 + ("c->b",)),    # 1.4 − 1.2 − 0.2 = 0 < 0.15
    ("£0", None, ()),                           # every reversal leaves 0, not below 0
])
def test_fragility_by_hand(low, expected, reversed_):
    f = fragility(model_of(two_rows(low=low, high="£5m")))
    assert f.judgements_to_reverse_for_low == expected
    assert f.reversed_for_low == reversed_
    assert f.down_shifts == 4 and f.n_cases == 7
    assert f.judgements_to_reverse_for_high == 0     # 1.4m < 5m


def test_fragility_for_high_and_sentence():
    f = fragility(model_of(two_rows(low="£100k", high="£1.25m")))
    assert f.judgements_to_reverse_for_high == 1     # 1.4 − 0.4 = 1.0 < 1.25
    assert "Reverse 4 of the 7" in f.sentence(100_000)


def test_fragility_counts_up_shifts_out():
    # An up-shift (b → a, to a dearer setting) is not a down-shift judgement and cannot be reversed.
    doc = two_rows(low="£1m")
    doc["settings"]["b"]["cohort"] = 50
    doc["sample"] = {"transitions": transitions({("a", "b"): 1, ("a", "a"): 1, ("b", "a"): 1, ("b", "b"): 1})}
    # Point = 100·½·20,000 + 50·½·(−20,000) = 1.0m − 0.5m = 0.5m, already below 1m.
    f = fragility(model_of(doc))
    assert f.down_shifts == 1 and f.judgements_to_reverse_for_low == 0


@settings(max_examples=40)
@given(counts=st.lists(st.integers(0, 3), min_size=4, max_size=4),
       low=st.integers(0, 3_000_000))
def test_fragility_greedy_equals_brute_force(counts, low):
    # Try every combination of reversals, recomputing the point with the engine.
    aa, ab, cc, cb = counts
    rows = {("a", "a"): aa, ("a", "b"): ab, ("c", "c"): cc, ("c", "b"): cb, ("b", "b"): 1}
    doc = two_rows(low=low + 0.37, high="£9m")   # +0.37: no exact ties between point and claim
    doc["sample"] = {"transitions": transitions(rows)}
    scenario = parse_scenario(doc)
    best = None
    for ra, rc in itertools.product(range(ab + 1), range(cb + 1)):
        new = dict(rows)
        new[("a", "b")] -= ra
        new[("a", "a")] += ra
        new[("c", "b")] -= rc
        new[("c", "c")] += rc
        sample = dataclasses.replace(scenario.sample, counts=tuple((s, t, k) for (s, t), k in new.items()))
        point = engine.point_estimate(engine.build_model(dataclasses.replace(scenario, sample=sample)))
        if point < low + 0.37 and (best is None or ra + rc < best):
            best = ra + rc
    assert fragility(engine.build_model(scenario)).judgements_to_reverse_for_low == best


def test_case_influence_by_hand_cells():
    rows = case_influence(model_of(two_rows()))
    by = {r["case"]: r["change"] for r in rows}
    # Drop cell a→b (3 cases): row a all stay → point 0.2m, change −1.2m.
    assert by["a->b"] == pytest.approx(-1_200_000)
    # Drop a→a (2): 3/3 move → 100·20,000 = 2.0m + 0.2m = 2.2m, change +0.8m.
    assert by["a->a"] == pytest.approx(800_000)
    # Drop c→b (1): row c all stay → change −0.2m; drop c→c: 1/1 moves → 0.4m, change +0.2m.
    assert by["c->b"] == pytest.approx(-200_000) and by["c->c"] == pytest.approx(200_000)
    assert rows[0]["case"] == "a->b"


def test_case_influence_per_case(write_scenario):
    doc = two_rows()
    doc["sample"] = {"cases": "cases.csv"}
    csv = "case_id,current,ideal\nX1,a,a\nX2,a,b\nX3,a,b\nX4,c,b\n"
    rows = case_influence(engine.build_model(load_scenario(write_scenario(doc, files={"cases.csv": csv}))))
    by = {r["case"]: r["change"] for r in rows}
    # Point: 100·2/3·20,000 + 10·1·40,000 = 1,333,333 + 400,000.
    # Without X2: a has X1 stay, X3 move → 100·½·20,000 = 1.0m → change −333,333.
    assert by["X2"] == pytest.approx(-1_000_000 / 3) and by["X3"] == by["X2"]
    # Without X1: 2/2 move → 2.0m → change +666,667; without X4 row c is empty → −400,000.
    assert by["X1"] == pytest.approx(2_000_000 / 3)
    assert by["X4"] == pytest.approx(-400_000)
    assert [r["case"] for r in rows][:2] == ["X1", "X4"]


# ---- switching values, sample size, plateau ------------------------------------------------

def test_switching_realisation_closed_form_and_bracket(west_sussex_cases):
    # Realisation fixed at x scales every draw: median(x·S) = x·median(S), so the switching
    # value is claim low / median at x = 1 (same seed, so the same S).
    s = load_scenario(west_sussex_cases, overrides=FACE)
    seed, draws = 4, 2048
    med1 = float(np.median(engine.simulate(engine.build_model(s), draws=draws, seed=seed)["full"]))
    rows = {v.input: v for v in switching_values(s, draws=draws, seed=seed)}
    r = rows["realisation"]
    assert r.value == pytest.approx(s.claim.low / med1, rel=1e-6)
    assert r.below_when == "lower"
    # Each cost switching value brackets the claim: just either side, the median crosses it.
    from auditor.analysis.sensitivity import _median_full, _with_cost

    for key in ("state_special", "independent_special"):
        v = rows[f"cost.{key}"]
        assert v.value is not None
        lo = _median_full(_with_cost(s, key, v.value * 0.99), draws, seed)
        hi = _median_full(_with_cost(s, key, v.value * 1.01), draws, seed)
        assert lo < s.claim.low < hi


def test_switching_value_none_when_out_of_reach():
    # Point 1.4m; a claim of £10m is out of reach at any realisation in [0, 1].
    s = parse_scenario(two_rows(low="£10m", high="£20m"))
    r = {v.input: v for v in switching_values(s, draws=512, seed=1)}["realisation"]
    assert r.value is None and r.within_input_range is None


def test_sample_size_widths_shrink(west_sussex_cases):
    s = load_scenario(west_sussex_cases, overrides=FACE)
    rows, n_target = sample_size(s, draws=4096, seed=2)
    assert [r["n"] for r in rows] == [28, 56, 112, 224, 448]
    widths = [r["p95"] - r["p05"] for r in rows]
    samp = [r["sampling_p95"] - r["sampling_p05"] for r in rows]
    assert all(a > b for a, b in zip(widths, widths[1:]))
    assert all(a > b for a, b in zip(samp, samp[1:]))
    # The widths themselves are checked against Beta quantiles in
    # tests/test_reference.py::test_sample_size_plan_keeps_the_prior_and_targets_the_half_width.
    assert all(r["p05"] <= r["median"] <= r["p95"] for r in rows)
    assert n_target is not None and n_target > 0


def test_plateau():
    rows = [{"n": n, "p05": 0.0, "p95": w} for n, w in ((28, 10), (56, 8), (112, 7.5), (224, 7.4))]
    assert plateau(rows) == 56          # 8 → 7.5 is a 6% drop
    assert plateau(rows[:2]) is None


# ---- the whole analysis, report and CLI ---------------------------------------------------------

def test_sensitivity_summary_keys_and_reproducible(west_sussex_cases):
    a = sensitivity(west_sussex_cases, draws=1024, seed=9, n_boot=20)
    b = sensitivity(west_sussex_cases, draws=1024, seed=9, n_boot=20)
    sa = a.summary()
    assert json.dumps(sa, allow_nan=False) == json.dumps(b.summary(), allow_nan=False)
    for src in ("sampling", "judgement", "costs", "implementation"):
        assert {"first", "total"} <= set(sa["variance_share"][src])
    assert set(sa["fragility"]) >= {"judgements_to_reverse_for_low", "judgements_to_reverse_for_high"}
    assert len(sa["sample_size"]) == 5
    assert set(sa["sample_size"][0]) >= {"n", "p05", "median", "p95", "p_meets_low"}
    g = sa["grid"]
    med = np.array(g["median"])
    assert med.shape == (len(g["theta"]), len(g["realisation"]))
    # A fixed realisation r multiplies every draw, and the median of r·x is r·median(x) for r ≥ 0,
    # so along each θ row median / r is one constant.
    r = np.array(g["realisation"])
    np.testing.assert_allclose(med / r, np.repeat(med[:, -1:] / r[-1], r.size, axis=1), rtol=1e-9)
    assert sa["point_estimate"] == pytest.approx(
        engine.point_estimate(engine.build_model(load_scenario(west_sussex_cases))), rel=1e-12)
    assert [row["n"] for row in sa["sample_size"]] == [28, 56, 112, 224, 448]
    assert all(row["p05"] <= row["median"] <= row["p95"] for row in sa["sample_size"])
    # Tornado bars come widest first.
    widths = [abs(row["at_high"] - row["at_low"]) for row in sa["tornado"]["rows"]]
    assert widths == sorted(widths, reverse=True)
    assert list(a.to_frame()["source"]) == list(sa["variance_share"])
    assert len(a.to_frame("grid")) == len(g["theta"]) * len(g["realisation"])
    ax = a.plot(kind="tornado")
    assert len(ax.patches) >= len(sa["tornado"]["rows"])   # one bar (or two halves) per input


def test_cli_writes_report(west_sussex_cases, tmp_path, capsys):
    out = tmp_path / "sens"
    assert main(["sensitivity", str(west_sussex_cases), "--out", str(out), "--draws", "1024", "--seed", "3",
                 "--set", 'judgement={model="face_value"}']) == 0
    data = json.loads((out / "sensitivity.json").read_text(encoding="utf-8"))
    assert data["run"] == {"draws": 1024, "seed": 3, "bootstrap": data["run"]["bootstrap"], "overrides": {"judgement": {"model": "face_value"}},
                           "command": data["run"]["command"]}
    assert data["run"]["command"].startswith("auditor sensitivity ")
    # Point £34.45m against a £17.8m low end: each independent → mainstream judgement is worth
    # 613/6 · (£60,117.67 − £8,276) ≈ £5.30m, so three (£15.9m) are not enough and four are.
    assert data["fragility"]["judgements_to_reverse_for_low"] == 4
    md = (out / "sensitivity.md").read_text(encoding="utf-8")
    assert "## Switching values" in md and "Reverse 4 of the 28" in md
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "grid.png", "sample_size.png", "tornado.png", "variance_share.png"]
    assert "Reverse 4 of the 28" in capsys.readouterr().out


def test_cli_bad_draws_is_one_line(west_sussex_cases, tmp_path, capsys):
    assert main(["sensitivity", str(west_sussex_cases), "--out", str(tmp_path / "x"), "--draws", "3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("auditor: error: --draws: must be a whole number") and err.count("\n") == 1
    assert not (tmp_path / "x").exists()


def test_public_api_name_works_as_function_after_module_import(west_sussex_cases):
    import auditor
    import auditor.analysis.sensitivity  # noqa: F401 - importing the module must not hide the function

    r = auditor.sensitivity(west_sussex_cases, draws=256, seed=1, n_boot=0)
    assert isinstance(r, auditor.SensitivityResult)


def test_grid_cells_equal_direct_runs(west_sussex_cases):
    # The grid reuses one run per θ row (realisation scales every draw); each cell must
    # equal running the engine with θ and realisation fixed at the cell's values.
    from auditor.analysis.sensitivity import _full, _with_realisation, _with_theta, two_way_grid

    s = load_scenario(west_sussex_cases)
    g = two_way_grid(s, draws=512, seed=5)
    assert g["theta"][0] <= s.judgement.central() <= g["theta"][-1]
    for i, j in ((0, 0), (3, 7), (len(g["theta"]) - 1, 4)):
        x = _full(engine.build_model(_with_realisation(_with_theta(s, g["theta"][i]), g["realisation"][j])),
                  512, 5)
        assert g["median"][i][j] == pytest.approx(float(np.median(x)), rel=1e-12)
        assert g["p_meets_low"][i][j] == float(np.mean(x >= s.claim.low))


def test_fragility_of_reported_shares_by_hand(write_scenario):
    # a → b, share 2/3 of 3..6 cases: the splits are m = 3 (k = 2) and m = 6 (k = 4).
    # Both give the point 100 · 2/3 · (30,000 − 10,000) = £1,333,333. One reversal removes
    # 100 · 20,000 / m: £666,667 for m = 3 (one reversal is enough for the £1m low end)
    # and £333,333 for m = 6 (the first leaves exactly £1m, not below; two are needed).
    from strategies import base_scenario

    from auditor.analysis.fragility import case_influence, fragility

    doc = base_scenario()
    doc["sample"] = {"n": 10, "reported": [{"current": "a", "ideal": "b", "share": "2/3",
                                            "cases": {"low": 3, "high": 6}}]}
    model = engine.build_model(load_scenario(write_scenario(doc)))
    f = fragility(model)
    assert f.splits == 2
    assert f.range_for_low == (1, 2) and f.judgements_to_reverse_for_low == 1
    assert f.range_for_high == (0, 0) and f.judgements_to_reverse_for_high == 0
    assert f.point == pytest.approx(100 * 2 / 3 * 20_000)
    d = f.to_dict()
    assert d["splits_considered"] == 2 and d["judgements_to_reverse_for_low_range"] == [1, 2]
    assert "2 splits" in f.sentence(1e6)
    # Case influence uses the middle split (m = 3): dropping the two movers leaves 0.
    rows = {r["case"]: r for r in case_influence(model)}
    assert rows["a->b"]["cases"] == 2 and rows["a->b"]["point_without"] == 0.0


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(0, 3), min_size=5, max_size=5), low=st.integers(0, 4_000_000))
def test_fragility_other_way_greedy_equals_brute_force(counts, low):
    # The other way: an "already ideal" case in a or c moved to b (the cheaper setting the panel
    # chose for others of that setting), or an up-shift b → a judged "already ideal". Try every
    # combination, recomputing the point with the engine; the greedy count must be the fewest.
    aa, ab, cc, cb, ba = counts
    rows = {("a", "a"): aa, ("a", "b"): ab, ("c", "c"): cc, ("c", "b"): cb, ("b", "b"): 1, ("b", "a"): ba}
    doc = two_rows(low=low + 0.37, high="£9m")   # +0.37: no exact ties between point and claim
    doc["settings"]["b"]["cohort"] = 50
    doc["sample"] = {"transitions": transitions(rows)}
    scenario = parse_scenario(doc)
    # A stay can move only where the panel moved someone else from the same setting.
    fa, fc = (aa if ab else 0), (cc if cb else 0)
    best = None
    for ra, rc, rb in itertools.product(range(fa + 1), range(fc + 1), range(ba + 1)):
        new = dict(rows)
        new[("a", "a")] -= ra
        new[("a", "b")] += ra
        new[("c", "c")] -= rc
        new[("c", "b")] += rc
        new[("b", "a")] -= rb
        new[("b", "b")] += rb
        sample = dataclasses.replace(scenario.sample, counts=tuple((s, t, k) for (s, t), k in new.items()))
        point = engine.point_estimate(engine.build_model(dataclasses.replace(scenario, sample=sample)))
        if point >= low + 0.37 and (best is None or ra + rc + rb < best):
            best = ra + rc + rb
    f = fragility(engine.build_model(scenario))
    assert f.flips_for_low == best
    assert f.flippable == fa + fc + ba
    if best not in (0, None):
        assert f"The other way, {best} reversal" in f.sentence(low + 0.37, 9e6)


def test_tornado_theta_bar_leaves_up_shifts_whole():
    # a (£30k, cohort 100): 6 of 10 judged ideal in b (£10k); b (£10k, cohort 50): 2 of 5 judged
    # ideal in a (an up-shift). At θ the point-style estimate is
    #   100 · 0.6 · 20,000 · θ + 50 · 0.4 · (−20,000) = 1.2m·θ − 0.4m,
    # θ discounting the down-shift only (up-shifts are kept at face value).
    doc = base_scenario(
        settings={"a": {"label": "A", "cost": 30000, "cohort": 100},
                  "b": {"label": "B", "cost": 10000, "cohort": 50}},
        sample={"transitions": transitions({("a", "a"): 4, ("a", "b"): 6, ("b", "b"): 3, ("b", "a"): 2})},
        judgement={"model": "fixed", "theta": {"dist": "uniform", "low": 0.4, "high": 0.8}})
    from auditor.analysis.sensitivity import tornado

    _, rows = tornado(parse_scenario(doc), draws=2048, seed=3)
    bar = next(r for r in rows if r["input"] == "judgement.theta")
    for theta, value in ((bar["low_value"], bar["at_low"]), (bar["high_value"], bar["at_high"])):
        assert value == pytest.approx(1.2e6 * theta - 0.4e6, rel=1e-12)


def test_reported_variance_shares_match_an_inverse_cdf_pick_freeze():
    # West Sussex, sampling and composition only (face value, costs at their means).
    # An independent pick-freeze written with scipy.special.gammaincinv on per-draw
    # uniforms, 100,000 rows (docs/methods.md §6), gave sampling first 0.91 / total 0.93
    # and composition first 0.07 / total 0.12. Before the sampling input was frozen
    # across splits the tool reported sampling first 0.07 and composition total 0.94.
    from auditor.inputs.distributions import Dist

    s = load_scenario("scenarios/west-sussex-2023.toml", overrides=FACE)
    fixed = tuple(dataclasses.replace(st, cost=Dist("fixed", (("value", float(st.cost.mean())),), st.cost.domain))
                  for st in s.settings)
    model = engine.build_model(dataclasses.replace(s, settings=fixed))
    out = variance_shares(model, draws=16_384, seed=7, n_boot=0)
    assert abs(out["composition"].total - 0.12) < 0.03
    assert abs(out["sampling"].total - 0.93) < 0.03
    assert out["sampling"].first > 0.75 and out["composition"].first < 0.15
