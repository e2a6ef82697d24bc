"""The `implied` block: what a claim assumes, against hand calculation."""

from __future__ import annotations

import pytest

import auditor
from auditor.analysis.implied import implied_assumptions
from auditor.report.markdown import render_markdown
from strategies import base_scenario, transitions


def _load(write_scenario, doc):
    return auditor.load_scenario(write_scenario(doc))


def test_single_move_by_hand(write_scenario):
    # Cohort 100 in a, 6 of 10 judged ideal in b, a saves £30,000 − £10,000 = £20,000 a move.
    # £1m needs 1e6 / 20,000 = 50 children = 50% of a; £2m needs 100 = 100% of a.
    # The point estimate is 100·0.6·20,000 = £1.2m, so realisation 1e6 / 1.2e6 = 0.8333 reaches £1m.
    imp = implied_assumptions(_load(write_scenario, base_scenario()))
    assert imp["mean_saving_per_move"] == pytest.approx(20_000)
    assert imp["children_moved_at_point"] == pytest.approx(60)
    assert imp["children_to_move_for_low"] == pytest.approx(50)
    assert imp["children_to_move_for_high"] == pytest.approx(100)
    assert imp["share_of_cohort_for_low"] == {"a": pytest.approx(0.5)}
    assert imp["share_of_cohort_for_high"] == {"a": pytest.approx(1.0)}
    assert imp["realisation_needed_for_low"] == pytest.approx(1 / 1.2)


def test_realisation_needed_ignores_the_scenarios_realisation(write_scenario):
    doc = base_scenario(implementation={"realisation": 0.5})
    assert implied_assumptions(_load(write_scenario, doc))["realisation_needed_for_low"] == pytest.approx(1 / 1.2)


def test_up_shift_counts_against(write_scenario):
    # a: 100 children, 6 of 10 → b saves +20,000 each; b: 50 children, 1 of 5 → a costs −20,000 each.
    # Moved at the point: 60 + 10 = 70; saving 1.2m − 0.2m = 1.0m; per move 1e6 / 70.
    # £1m needs 70 children: 60 from a (60% of 100) and 10 from b (20% of 50).
    doc = base_scenario(sample={"transitions": transitions({("a", "a"): 4, ("a", "b"): 6, ("b", "b"): 4,
                                                            ("b", "a"): 1})})
    doc["settings"]["b"]["cohort"] = 50
    imp = implied_assumptions(_load(write_scenario, doc))
    assert imp["mean_saving_per_move"] == pytest.approx(1e6 / 70)
    assert imp["children_to_move_for_low"] == pytest.approx(70)
    assert imp["share_of_cohort_for_low"] == {"a": pytest.approx(0.6), "b": pytest.approx(0.2)}
    assert imp["realisation_needed_for_low"] == pytest.approx(1.0)


def test_flow_counts_new_placements(write_scenario):
    # Flow, 5-year total: one child diverted every year saves 20,000 · 15 intake-years = 300,000,
    # so £1m needs 1e6 / 300,000 = 3.33 children a year, a third of the 10 newly placed in a.
    doc = base_scenario()
    doc["claim"].update({"basis": "flow", "per": "total", "horizon_years": 5})
    doc["settings"]["a"]["new_per_year"] = 10
    doc["settings"]["b"]["new_per_year"] = 0
    imp = implied_assumptions(_load(write_scenario, doc))
    assert imp["children_to_move_for_low"] == pytest.approx(1e6 / 300_000)
    assert imp["share_of_cohort_for_low"]["a"] == pytest.approx(1e6 / 300_000 / 10)
    assert imp["counted_as"] == "children newly placed each year"


def test_no_saving_means_no_implied_children(write_scenario):
    doc = base_scenario()
    doc["settings"]["b"]["cost"] = 30000  # moves save nothing
    imp = implied_assumptions(_load(write_scenario, doc))
    assert imp["children_to_move_for_low"] is None and imp["realisation_needed_for_low"] is None
    assert imp["share_of_cohort_for_low"] == {"a": None}


def test_summary_and_report_state_it(write_scenario):
    r = auditor.audit(write_scenario(base_scenario()), draws=500, seed=1)
    assert r.summary()["implied"]["children_to_move_for_low"] == pytest.approx(50)
    text = render_markdown(r)
    assert "To save £1.0m a year, about 50 children would have to move: 50% of everyone in a." in text
    assert "at least 83% of the judged moves" in text


def test_single_figure_claim_is_stated_once(write_scenario):
    # Claim £3m (low = high). By hand, as above: £3m / £20,000 = 150 children = 150% of a's 100,
    # so the claim needs more children than there are; it is stated once, with no "high end".
    doc = base_scenario()
    doc["claim"] = {"low": 3_000_000, "high": 3_000_000}
    text = render_markdown(auditor.audit(write_scenario(doc), draws=500, seed=1))
    assert text.count("To save £3.0m a year, about 150 children would have to move: 150% of everyone in a.") == 1
    assert "- The claim needs more children to move than there are in a." in text
    assert "Published claim: **£3.0m a year**" in text
    assert "high end" not in text.split("## The claim against the audit")[0]
