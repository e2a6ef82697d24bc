"""The `reported` sample form: published shares → per-draw compositions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import auditor
from auditor.errors import ScenarioError
from auditor.inputs.sample import CaseSample, Report, enumerate_compositions
from auditor.model.sample import build_design, draw_compositions
from strategies import base_scenario, transitions


def _report(cur, ideal, share=None, count=None, low=None, high=None, tol=0.05):
    return Report(cur, ideal, share, count, low, high, tol, "")


def _reported(n, *reports):
    return CaseSample("reported", "bayes", 0.5, (), n=n, reports=tuple(reports))


def test_two_thirds_of_three_to_six_cases():
    # Hand check, m = 3..6 with k = round(2m/3): 3 → 2 (0.667 ✓), 4 → 3 (0.75, 0.083 off ✗),
    # 5 → 3 (0.6, 0.067 off ✗), 6 → 4 (0.667 ✓).
    _, sizes, counts = enumerate_compositions(["a", "b"], _reported(10, _report("a", "b", 2 / 3, low=3, high=6)))
    assert sizes[:, 0].tolist() == [3, 6]
    assert counts[0][:, 0].tolist() == [2, 4]


def test_joint_compositions_fit_inside_n():
    # Two sub-groups of 3 or 6 each in n = 10: (3, 3), (3, 6), (6, 3); (6, 6) = 12 > 10.
    s = _reported(10, _report("a", "c", 2 / 3, low=3, high=6), _report("b", "c", 2 / 3, low=3, high=6))
    _, sizes, _ = enumerate_compositions(["a", "b", "c"], s)
    assert sorted(map(tuple, sizes.tolist())) == [(3, 3), (3, 6), (6, 3)]


@st.composite
def reported_samples(draw):
    """A feasible `reported` sample and the true sub-group sizes it was written from.

    Each current setting gets a true size m (the sizes fit inside n) and k of its m cases
    judged ideal in d, published as the share k/m; the size range given brackets m, and an
    optional exact count into e fits in what is left. So the true split always satisfies
    every report: no example is wasted on an empty set of splits.
    """
    currents = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True))
    n = draw(st.integers(2 * len(currents), 40))
    reports, true_sizes, left = [], {}, n
    for i, cur in enumerate(currents):
        m = draw(st.integers(2, left - 2 * (len(currents) - i - 1)))
        left -= m
        k = draw(st.integers(1, m - 1))
        low = draw(st.integers(1, m))
        high = draw(st.integers(m, n))
        reports.append(_report(cur, "d", k / m, low=low, high=high,
                               tol=draw(st.sampled_from([0.0, 0.05, 0.1]))))
        if draw(st.booleans()):
            reports.append(_report(cur, "e", count=draw(st.integers(0, min(3, m - k)))))
        true_sizes[cur] = m
    return _reported(n, *reports), true_sizes


@given(reported_samples(), st.integers(0, 2**32))
def test_drawn_compositions_satisfy_every_report(sample_and_truth, seed):
    sample, true_sizes = sample_and_truth
    order = ["a", "b", "c", "d", "e"]
    keys, sizes, counts = enumerate_compositions(order, sample)
    # The split the reports were written from is one of the splits found.
    assert [true_sizes[k] for k in keys] in sizes.tolist()
    design = build_design(tuple(order), sample)
    idx = draw_compositions(design, np.random.default_rng(seed), 50)
    drawn = design.composition_sizes[idx]
    assert (drawn.sum(axis=1) <= sample.n).all()
    for j, cur in enumerate(keys):
        reps = [r for r in sample.reports if r.current == cur]
        for row in idx:
            m = sizes[row, j]
            assert reps[0].cases_low <= m <= reps[0].cases_high
            ks = counts[j][row]
            assert ks.sum() <= m
            for r, k in zip(reps, ks):
                if r.count is not None:
                    assert k == r.count
                else:
                    assert k == math.floor(r.share * m + 0.5 + 1e-9)
                    assert 1 <= k < m and abs(k / m - r.share) <= r.tolerance + 1e-12
    # Each draw's Dirichlet counts: stay = m minus the moved cases, per row.
    comp = design.compositions[idx]
    for r_i, start in enumerate(design.row_starts):
        cols = [start] + [c for c, row in zip(design.move_cols, design.row_of_move) if row == r_i]
        cur = design.settings[design.moves[list(design.row_of_move).index(r_i)][0]]
        j = keys.index(cur)
        assert np.array_equal(comp[:, cols].sum(axis=1), design.composition_sizes[idx, j])


def _reported_doc(share, cases=10, **sample):
    doc = base_scenario()
    doc["sample"] = {"n": 10, "reported": [{"current": "a", "ideal": "b", "share": share, "cases": cases}],
                     **sample}
    return doc


@pytest.mark.parametrize("share", ["6/10", 0.6, "60%"])
def test_share_forms_and_single_composition_match_counts(write_scenario, share):
    # With the sub-group size published (10) the split is known: the audit must equal
    # the same review given as counts, draw for draw (same streams, same Dirichlet shapes).
    rep = auditor.audit(write_scenario(_reported_doc(share)), draws=3000, seed=5)
    cnt = auditor.audit(write_scenario(base_scenario()), draws=3000, seed=5)
    assert rep.point_estimate == pytest.approx(cnt.point_estimate, rel=1e-12)
    for k in ("sampling", "judgement", "full"):
        np.testing.assert_allclose(rep.stages[k], cnt.stages[k], rtol=1e-12)
    assert (rep.inputs["cases[a]"] == 10).all()


def test_unknown_size_widens_the_sampling_interval(write_scenario):
    known = auditor.audit(write_scenario(_reported_doc("2/3", cases=6)), draws=20000, seed=3).summary()
    unknown = auditor.audit(write_scenario(_reported_doc("2/3", cases={"low": 3, "high": 9})),
                            draws=20000, seed=3).summary()
    width = lambda s: s["stages"][1]["p95"] - s["stages"][1]["p05"]  # noqa: E731
    assert width(unknown) > width(known)


def test_shipped_reported_west_sussex_runs():
    r = auditor.audit("scenarios/west-sussex-2023.toml", draws=2000, seed=1)
    assert r.scenario.sample.n_cases == 28
    assert {"cases[state_special]", "cases[independent_special]", "cases[mainstream]"} <= set(r.inputs)


@pytest.mark.parametrize("sample, field, words", [
    ({"reported": [{"current": "a", "ideal": "b", "share": "2/3"}]}, "sample.n", "needs `n`"),
    ({"n": 10, "reported": [{"current": "a", "ideal": "b", "share": "2/3", "count": 2}]}, "sample.reported[0]",
     "exactly one of"),
    ({"n": 10, "reported": [{"current": "a", "ideal": "b", "share": "2/3", "cases": 12}]},
     "sample.reported[0].cases", "cannot exceed n"),
    ({"n": 10, "reported": [{"current": "a", "ideal": "b", "share": "2/3", "cases": 3},
                            {"current": "a", "ideal": "a", "share": "1/3", "cases": 6}]},
     "sample.reported[1].cases", "different number of cases"),
    ({"n": 10, "reported": [{"current": "a", "ideal": "b", "share": "2/3", "cases": 4, "tolerance": 0.01}]},
     "sample.reported", "no split"),
    ({"n": 10, "reported": [{"current": "a", "ideal": "b", "share": "2/3"}], "method": "bootstrap"},
     "sample.method", "needs method 'bayes'"),
    ({"n": 10, "transitions": transitions({("a", "b"): 1})}, "sample.n", "belongs to the `reported` form"),
    ({"n": 10, "reported": [{"current": "a", "ideal": "a", "share": "1/2"}]}, "sample.reported", "moves anyone"),
    ({"n": 10, "reported": [{"current": "a", "ideal": "b", "share": "3/2"}]}, "sample.reported[0].share",
     "between 0 and 1"),
])
def test_bad_reported_samples(write_scenario, sample, field, words):
    with pytest.raises(ScenarioError) as info:
        auditor.load_scenario(write_scenario(base_scenario(sample=sample)))
    assert info.value.field == field
    assert words in str(info.value)


def test_reported_setting_names_are_normalised_and_recorded(write_scenario):
    # " A " and "B" differ only in case and spacing from the declared keys a and b; the
    # finding lands on them and the names read this way are recorded, as for transitions.
    path = write_scenario(base_scenario(sample={"method": "bayes", "n": 10, "reported": [
        {"current": " A ", "ideal": "B", "share": "1/2"}]}))
    s = auditor.load_scenario(path)
    assert [(r.current, r.ideal) for r in s.sample.reports] == [("a", "b")]
    assert {(" A ", "a"), ("B", "b")} <= set(s.normalised)
