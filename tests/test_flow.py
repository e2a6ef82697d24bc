"""The flow basis: judged shifts applied to each year's new placements."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import auditor
from auditor.errors import ScenarioError
from auditor.model.flow import flow_factor, year_weights
from strategies import base_scenario


def test_year_weights_by_hand():
    # H = 5, ramp [0.5, 1] (the last repeats), stay 2 years: intakes of years 1..5 count
    # 0.5·2, 1·2, 1·2, 1·2, 1·1 intake-years = 1, 2, 2, 2, 1 → total 8, annual average 1.6.
    assert year_weights(5, [0.5, 1.0], 2).tolist() == [1.0, 2.0, 2.0, 2.0, 1.0]
    assert flow_factor(5, "total", [0.5, 1.0], 2) == 8.0
    assert flow_factor(5, "year", [0.5, 1.0], 2) == pytest.approx(1.6)


def _flow_doc(new_a=10.0, per="total", **impl):
    doc = base_scenario()
    doc["claim"].update({"basis": "flow", "per": per, "horizon_years": 5})
    doc["settings"]["a"]["new_per_year"] = new_a
    doc["settings"]["b"]["new_per_year"] = 0
    if impl:
        doc["implementation"] = impl
    return doc


def test_flow_point_by_hand(write_scenario):
    # 10 new a-placements a year, 6 of 10 judged ideal in b, saving £20,000 each a year;
    # over 5 years the intakes count 5+4+3+2+1 = 15 intake-years: 10·0.6·20,000·15 = £1.8m.
    r = auditor.audit(write_scenario(_flow_doc()), draws=500, seed=1)
    assert r.point_estimate == pytest.approx(1_800_000)
    r = auditor.audit(write_scenario(_flow_doc(per="year")), draws=500, seed=1)
    assert r.point_estimate == pytest.approx(1_800_000 / 5)
    assert r.summary()["claim"]["basis"] == "flow"


@settings(max_examples=10)
@given(st.integers(1, 50), st.integers(2, 7))
def test_flow_savings_scale_linearly_with_new_per_year(tmp_path_factory, base, mult):
    d = tmp_path_factory.mktemp("flow")
    paths = []
    for k, new in enumerate((base, base * mult)):
        p = d / f"s{k}.toml"
        from strategies import to_toml
        doc = _flow_doc(float(new), realisation={"dist": "uniform", "low": 0.5, "high": 1.0},
                        ramp=[0.25, 1.0], length_of_stay_years=3)
        doc["settings"]["a"]["cost"] = {"dist": "uniform", "low": 25000, "high": 35000}
        p.write_text(to_toml(doc), encoding="utf-8")
        paths.append(p)
    one, many = (auditor.audit(p, draws=400, seed=11) for p in paths)
    assert many.point_estimate == pytest.approx(mult * one.point_estimate, rel=1e-12)
    for k in ("sampling", "judgement", "full"):
        np.testing.assert_allclose(many.stages[k], mult * one.stages[k], rtol=1e-12)


def test_stock_ignores_new_per_year(write_scenario):
    doc = base_scenario()
    doc["settings"]["a"]["new_per_year"] = 999
    a = auditor.audit(write_scenario(doc), draws=500, seed=2)
    b = auditor.audit(write_scenario(base_scenario()), draws=500, seed=2)
    np.testing.assert_array_equal(a.stages["full"], b.stages["full"])


def test_shipped_flow_scenario_runs():
    r = auditor.audit("scenarios/bcp-2023.toml", draws=1000, seed=1)
    # No ramp (the claim's benefit of the doubt), a 7-year stay beyond the 5-year horizon:
    # intakes count 5 + 4 + 3 + 2 + 1 = 15 years. Point: 63 new state-special placements a
    # year, 55% to mainstream at (£20,482.5 − £8,276) each: 63 · 0.55 · 12,206.5 · 15 ≈ £6.34m,
    # against £29m, and the scenario is marked partial.
    assert r.scenario.claim.basis == "flow" and r.scenario.ramp == () and r.scenario.length_of_stay == 7
    assert r.summary()["claim"]["scope"] == "partial"
    assert r.point_estimate == pytest.approx(63 * 0.55 * (20482.5 - 8276) * 15, rel=0.01)


@pytest.mark.parametrize("mutate, field, words", [
    (lambda d: d["settings"]["b"].pop("new_per_year"), "settings.b.new_per_year", "every setting needs"),
    (lambda d: d["settings"]["a"].update(new_per_year=-1), "settings.a.new_per_year", ">= 0"),
    (lambda d: d.update(implementation={"ramp": [0.5] * 6}), "implementation.ramp", "1 to 5"),
    (lambda d: d.update(implementation={"ramp": [1.5]}), "implementation.ramp[0]", "between 0 and 1"),
    (lambda d: d.update(implementation={"length_of_stay_years": 0}), "implementation.length_of_stay_years", "> 0"),
    (lambda d: d["claim"].update(basis="stock", per="year") or d.update(implementation={"length_of_stay_years": 2}),
     "implementation.length_of_stay_years", "applies to claim.basis"),
    (lambda d: d["claim"].update(basis="both"), "claim.basis", "'stock'"),
])
def test_bad_flow_fields(write_scenario, mutate, field, words):
    doc = _flow_doc()
    mutate(doc)
    with pytest.raises(ScenarioError) as info:
        auditor.load_scenario(write_scenario(doc))
    assert info.value.field == field
    assert words in str(info.value)
