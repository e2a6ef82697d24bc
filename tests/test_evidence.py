"""Tests for auditor.inputs.evidence: the packaged table, evidence parsing, and `auditor evidence`."""

from __future__ import annotations

import json
import re

import pytest

from auditor.cli import main
from auditor.errors import ScenarioError
from auditor.inputs.evidence import DEFAULT_EVIDENCE, evidence_table, load_evidence, parse_evidence


def test_table_loads_and_every_row_has_a_source_and_definition():
    rows = load_evidence()
    assert len(rows) >= 15
    for key, row in rows.items():
        assert re.fullmatch(r"(tribunal|tribunal-placement|lgsco|lgsco-ecs):\d{4}/\d{2}(-\d{4}/\d{2})?", key), key
        assert row.source_url.startswith("https://"), key
        for url in row.source_url.split(" ; "):
            assert url.startswith("https://"), (key, url)
        assert row.measures and row.status and row.scope, key


def test_counts_agree_with_published_rates():
    # Where both counts and a published rate exist, overturned / decided must round to it.
    for key, row in load_evidence().items():
        if row.has_counts:
            assert row.overturned + row.upheld == row.decided, key
            if row.overturn_rate is not None:
                assert abs(row.overturned / row.decided - row.overturn_rate) < 0.005, key
        if row.rate is not None:
            assert 0 < row.rate < 1, key


def test_reference_year_2022_23():
    # Schools Week (from MoJ): 7,968 decided, 136 upheld the council → 7,832 for the family.
    row = load_evidence()[DEFAULT_EVIDENCE]
    assert (row.decided, row.overturned, row.upheld) == (7968, 7832, 136)
    assert row.rate == pytest.approx(7832 / 7968)


def test_rate_only_rows_are_usable_and_marked():
    row = load_evidence()["lgsco:2022/23"]
    assert row.rate == 0.90 and not row.has_counts
    comp = parse_evidence("lgsco:2022/23").components[0]
    assert comp.rate == 0.90 and comp.decided is None


def test_derived_counts_are_marked_derived():
    for key in ("tribunal:2019/20", "tribunal:2021/22", "lgsco:2018/19", "lgsco-ecs:2022/23"):
        assert "DERIVED" in load_evidence()[key].status, key


def test_inline_counts_and_rate():
    e = parse_evidence({"upheld": 136, "overturned": 7832})
    c = e.components[0]
    assert (c.upheld, c.overturned, c.rate) == (136, 7832, pytest.approx(7832 / 7968))
    assert parse_evidence({"overturn_rate": 0.96}).components[0].rate == 0.96


def test_weighted_list_normalises_weights_and_mixes_rates():
    e = parse_evidence(["tribunal:2022/23", {"key": "lgsco:2022/23", "weight": 3}])
    assert [c.weight for c in e.components] == [0.25, 0.75]
    # 0.25 · 7832/7968 + 0.75 · 0.90
    assert e.mean_rate() == pytest.approx(0.25 * 7832 / 7968 + 0.75 * 0.90)
    inline = parse_evidence([{"upheld": 1, "overturned": 3, "weight": 1}, {"overturn_rate": 0.5, "weight": 1}])
    assert inline.mean_rate() == pytest.approx(0.5 * 0.75 + 0.5 * 0.5)


def test_mixture_picks_components_in_proportion():
    import numpy as np

    e = parse_evidence([{"key": "tribunal:2022/23", "weight": 1}, {"key": "lgsco:2022/23", "weight": 3}])
    idx = e.pick(np.random.default_rng(0), 40_000)
    # Binomial(40000, 0.75): sd ≈ 0.0022, so 0.02 is about 9 sd.
    assert abs(np.mean(idx == 1) - 0.75) < 0.02


@pytest.mark.parametrize("raw, field, message", [
    ("tribunal:1999/00", "judgement.evidence", "unknown evidence 'tribunal:1999/00'"),
    ("tribunal:2018/19", "judgement.evidence", "has no published outcome rate"),
    ({"upheld": 1, "overturned": 2, "colour": 1}, "judgement.evidence.colour", "unknown key for inline evidence"),
    ({"upheld": 1, "overturned": 2, "overturn_rate": 0.5}, "judgement.evidence", "not both"),
    ({"overturn_rate": 1.5}, "judgement.evidence.overturn_rate", "between 0 and 1"),
    ({"upheld": 5}, "judgement.evidence", "needs both `upheld` and `overturned`"),
    ({"upheld": 0, "overturned": 0}, "judgement.evidence", "upheld + overturned must be > 0"),
    ({"upheld": -1, "overturned": 2}, "judgement.evidence.upheld", "a number >= 0"),
    ({"upheld": 1, "overturned": 2, "label": 3}, "judgement.evidence.label", "must be a string"),
    ([], "judgement.evidence", "must not be an empty list"),
    ([3], "judgement.evidence[0]", "must be a key string"),
    ([{"key": 3}], "judgement.evidence[0].key", "must be a string"),
    ([{"key": "tribunal:2022/23", "colour": 1}], "judgement.evidence[0].colour", "unknown key"),
    ([{"key": "tribunal:2022/23", "weight": 0}], "judgement.evidence[0].weight", "must be a number > 0"),
    (7, "judgement.evidence", "must be a key such as"),
])
def test_every_evidence_validation_message(raw, field, message):
    with pytest.raises(ScenarioError) as info:
        parse_evidence(raw)
    assert info.value.field == field
    assert message in info.value.message


def test_count_concessions_needs_a_conceded_count():
    comp = parse_evidence("tribunal:2015/16").components[0]
    with pytest.raises(ScenarioError, match="no count of appeals conceded"):
        comp.with_concessions("judgement.count_concessions")


def test_table_text_lists_every_key_with_source():
    text = evidence_table()
    for key, row in load_evidence().items():
        assert key in text
        assert row.source_url in text


def test_cli_evidence_table_and_json(capsys):
    assert main(["evidence"]) == 0
    out = capsys.readouterr().out
    assert "tribunal:2022/23" in out and "7,832" in out and "source:" in out
    assert main(["evidence", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["key"] for r in rows} == set(load_evidence())
    assert all(r["source_url"] for r in rows)


def test_report_md_cites_the_source_of_every_evidence_row_it_uses(west_sussex):
    # A campaigner cannot run `auditor evidence`: the report itself must carry the URLs.
    import auditor
    from auditor.inputs.evidence import load_evidence
    from auditor.report.markdown import render_markdown

    text = render_markdown(auditor.audit(west_sussex, draws=500, seed=1))
    table = load_evidence()
    for key in ("tribunal:2022/23", "lgsco:2022/23"):
        assert table[key].source_url in text
    assert "`auditor evidence`" not in text


def test_every_row_says_whether_it_is_about_placement():
    # The Ombudsman declines placement disputes where an appeal lies (LGSCO decision 25 005 701):
    # its rows are "no"; tribunal rows cover every appeal type ("partly"), placement-only rows "yes".
    for key, row in load_evidence().items():
        expected = {"lgsco": "no", "lgsco-ecs": "no", "tribunal": "partly", "tribunal-placement": "yes"}
        assert row.about_placement == expected[key.split(":")[0]], key
        if row.about_placement == "partly":
            assert "58-59%" in row.measures and "refusals to assess" in row.measures, key
        if row.about_placement == "no":
            assert "not placement" in row.measures, key


def test_one_reported_figure_is_one_row():
    # "Consistently about 90%" (one source, one figure) for 2019/20-2021/22: one row, old keys still read.
    rows = load_evidence()
    assert sum(1 for r in rows.values() if "consistently about 90%" in r.status) == 1
    for old in ("lgsco:2019/20", "lgsco:2020/21", "lgsco:2021/22"):
        assert old not in rows
        assert parse_evidence(old).components[0].label == "lgsco:2019/20-2021/22"


def test_ombudsman_evidence_is_warned_about(write_scenario, capsys):
    from auditor.inputs.evidence import evidence_warnings
    from strategies import base_scenario

    assert evidence_warnings(parse_evidence("tribunal:2022/23")) == []
    mixed = parse_evidence(["tribunal:2022/23", "lgsco:2022/23"])
    assert len(evidence_warnings(mixed)) == 1 and "'lgsco:2022/23'" in evidence_warnings(mixed)[0]
    doc = base_scenario(judgement={"model": "scrutinised", "evidence": "lgsco:2022/23", "effective_sample_size": 20})
    path = write_scenario(doc)
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"auditor: warning: {path}: judgement.evidence: 'lgsco:2022/23'")
    import auditor

    assert auditor.audit(path, draws=200, seed=1).summary()["warnings"] == [err[0].split(f"{path}: ", 1)[1]]
