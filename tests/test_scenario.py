"""Scenario loading and validation (auditor.inputs.scenario): every error message, with file and line."""

from __future__ import annotations

import copy
import re

import pytest
from hypothesis import given, settings, strategies as st

from auditor.errors import DataError, ScenarioError
from auditor.inputs.scenario import (MAX_SEED, Scenario, VerdictRule, apply_overrides, load_scenario, locate,
                              parse_override)
from strategies import base_scenario, to_toml, transitions


def test_west_sussex_loads(west_sussex_cases):
    s = load_scenario(west_sussex_cases)
    assert isinstance(s, Scenario)
    assert (s.claim.low, s.claim.high, s.claim.per, s.claim.horizon_years) == (17.8e6, 46.7e6, "year", 5)
    assert s.setting_keys == ("mainstream", "resourced_provision", "state_special", "independent_special")
    # DfE caseload Jan 2023 figures as written in the scenario (independent: 416 + 197 non-maintained).
    assert [st.cohort for st in s.settings] == [2374, 358, 1986, 613]
    assert s.claim.budget == "high_needs" and s.claim.budget_stated
    assert s.setting("mainstream").schools_block.mean() == 6000
    assert s.sample.n_cases == 28 and s.sample.form == "cases" and s.sample.method == "bayes"
    assert s.realisation.is_fixed and s.realisation.mean() == 1.0
    assert (s.run.draws, s.run.seed) == (100_000, 2023)
    assert len(s.sha256) == 64 and s.path == str(west_sussex_cases)


def test_scenario_is_frozen(west_sussex):
    s = load_scenario(west_sussex)
    with pytest.raises(AttributeError):
        s.title = "changed"  # type: ignore[misc]


def test_defaults_when_sections_are_omitted(write_scenario):
    doc = base_scenario(run=None)
    s = load_scenario(write_scenario(doc))
    assert s.run.draws == 100_000 and s.run.seed is None
    assert s.judgement.name == "face_value"
    assert s.realisation.mean() == 1.0
    assert s.verdict == VerdictRule(0.33, 0.8, 1.5)
    assert s.sample.prior == "perks" and s.sample.method == "bayes" and s.sample.unseen == "cheaper"
    assert s.claim.horizon_years == 1


def test_setting_names_are_normalised(write_scenario):
    doc = base_scenario()
    doc["sample"]["transitions"] = transitions({("A", "a"): 4, (" a ", "B"): 6})
    s = load_scenario(write_scenario(doc))
    assert s.sample.counts == (("a", "a", 4), ("a", "b", 6))


# ---- every validation message ------------------------------------------------------
# Each entry: how to break the base scenario, the dotted field, a regex of the message,
# and a regex locating the line the loader should report (None: no line expected).

def _set(path: str, value):
    def edit(doc):
        node = doc
        parts = path.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return edit


def _del(path: str):
    def edit(doc):
        node = doc
        parts = path.split(".")
        for p in parts[:-1]:
            node = node[p]
        del node[parts[-1]]
    return edit


def _trans(rows):
    return _set("sample.transitions", rows)


CASES = [
    (_set("colour", "red"), "colour", r"unknown top-level key; allowed: schema_version, scenario, claim", r"^colour"),
    (_del("schema_version"), "schema_version", r"missing; write `schema_version = 1`", None),
    (_set("schema_version", 2), "schema_version", r"must be 1, got 2", r"^schema_version"),
    (_set("schema_version", True), "schema_version", r"must be 1, got True", r"^schema_version"),
    (_del("scenario"), "scenario", r"missing section \[scenario\]", None),
    (_set("scenario", 3), "scenario", r"must be a table \(\[scenario\]\)", r"^scenario ="),
    (_set("scenario.colour", 1), "scenario.colour", r"unknown key; allowed: title, authority, sources, notes",
     r"^colour"),
    (_del("scenario.title"), "scenario.title", r"missing; a string is required", r"^\[scenario\]"),
    (_set("scenario.title", 5), "scenario.title", r"must be a string, got 5", r"^title"),
    (_set("scenario.title", "  "), "scenario.title", r"must not be empty", r"^title"),
    (_set("scenario.sources", [1]), "scenario.sources", r"must be a list of strings", r"^sources"),
    (_set("scenario.authority", 1), "scenario.authority", r"must be a string, got 1", r"^authority"),
    (_set("scenario.notes", []), "scenario.notes", r"must be a string, got \[\]", r"^notes"),
    (_del("claim"), "claim", r"missing section \[claim\]", None),
    (_set("claim.colour", 1), "claim.colour", r"unknown key; allowed: low, high, per, horizon_years", r"^colour"),
    (_del("claim.low"), "claim.low", r"missing; the published figure's low and high ends are required",
     r"^\[claim\]"),
    (_set("claim.low", "£17.8bn?"), "claim.low", r"must be a number or a string such as", r"^low"),
    (_set("claim.low", "-£1m"), "claim.low", r"must be >= 0, got '-£1m'", r"^low"),
    (_set("claim.low", "£3m"), "claim", r"low \('£3m'\) must not exceed high \('£2m'\)", r"^\[claim\]"),
    (_set("claim.per", "month"), "claim.per", r"must be 'year' or 'total', got 'month'", r"^per"),
    (_set("claim.horizon_years", 0), "claim.horizon_years", r"must be a whole number from 1 to 100, got 0",
     r"^horizon_years"),
    (_set("claim.horizon_years", 2.5), "claim.horizon_years", r"must be a whole number from 1 to 100, got 2\.5",
     r"^horizon_years"),
    (_set("claim.source", 1), "claim.source", r"must be a string, got 1", r"^source"),
    (_del("settings"), "settings", r"missing section \[settings\]", None),
    (_set("settings", {}), "settings", r"needs at least two settings, e.g.", None),
    (_del("settings.b"), "settings", r"needs at least two settings: a move needs somewhere to go", r"^\[settings\]"),
    (_set("settings.A", {"cost": 1, "cohort": 1}), "settings.A",
     r"duplicates setting 'a' \(names are compared ignoring case", r"^\[settings\.A\]"),
    (_set("settings.c", 5), "settings.c", r"must be a table with label, cost and cohort", r"^c = 5"),
    (_set("settings.a.colour", 1), "settings.a.colour", r"unknown key; allowed: label, cost, cohort, .*source, note",
     r"^colour"),
    (_del("settings.a.cost"), "settings.a.cost", r"missing; the annual cost of one placement is required",
     r"^\[settings\.a\]"),
    (_del("settings.a.cohort"), "settings.a.cohort", r"missing; the number of children .* \(0 for a destination",
     r"^\[settings\.a\]"),
    (_set("settings.a.cohort", -1), "settings.a.cohort", r"must be a whole number >= 0, got -1", r"^cohort = -1"),
    (_set("settings.a.cohort", "many"), "settings.a.cohort", r"must be a whole number >= 0, got 'many'",
     r"^cohort"),
    (_set("settings.a.cost", -5), "settings.a.cost", r"must be >= 0, got -5", r"^cost = -5"),
    (_set("settings.a.cost", {"dist": "uniform", "low": 3, "high": 1}), "settings.a.cost",
     r"low \(3\) must not exceed high \(1\)", r"^cost ="),
    (_set("settings.a.label", 3), "settings.a.label", r"must be a string, got 3", r"^label = 3"),
    (_del("sample"), "sample", r"missing section \[sample\]", None),
    (_set("sample", 3), "sample", r"must be a table \(\[sample\]\)", r"^sample = 3"),
    (_set("sample.colour", 1), "sample.colour", r"unknown key; allowed: basis, cases, .*method.*transitions",
     r"^colour"),
    (_set("sample.cases", "x.csv"), "sample",
     r"give exactly one of `cases` \(a CSV file\),? .*`transitions`", r"^\[sample\]"),
    (_set("sample.method", "jackknife"), "sample.method", r"must be one of bayes, bootstrap, got 'jackknife'",
     r"^method"),
    (_set("sample.prior", 0), "sample.prior",
     r"must be one of perks, pooled, jeffreys, kerman, uniform or a number > 0 \(a pseudo-count per cell; 0\.5 is "
     r"Jeffreys, 1 is uniform\), got 0", r"^prior"),
    (_set("sample.unseen", "some"), "sample.unseen", r"must be one of cheaper, all, none", r"^unseen"),
    (_set("sample.splits", "per_size"), "sample.splits", r"belongs to the `reported` form", r"^splits"),
    (_set("sample.possible", [{"from": "a", "to": "b"}]), "sample.possible[0].reason",
     r"missing; each declared move needs from, to and a reason", r"^possible"),
    (_set("sample.possible", [{"from": "a", "to": "a", "reason": "x"}]), "sample.possible[0]",
     r"is not a move", r"^possible"),
    (_set("sample.prior", True), "sample.prior", r"got True", r"^prior"),
    (_set("sample.source", 2), "sample.source", r"^must be a string, got 2$", r"^source"),
    (_trans([]), "sample.transitions", r"must be a non-empty list of \{ from, to, count \} tables",
     r"^transitions"),
    (_trans("a->b"), "sample.transitions", r"must be a non-empty list", r"^transitions"),
    (_trans([3]), "sample.transitions[0]", r"must be a table \{ from = \.\.\., to = \.\.\., count = \.\.\. \}",
     r"^transitions"),
    (_trans([{"from": "a", "to": "b", "count": 1, "n": 2}]), "sample.transitions[0].n",
     r"unknown key; allowed: from, to, count, note", r"^transitions"),
    (_trans([{"from": "a", "to": "b"}]), "sample.transitions[0].count",
     r"missing; each transition needs from, to and count", r"^transitions"),
    (_trans([{"from": "x", "to": "b", "count": 1}]), "sample.transitions[0].from",
     r"unknown setting 'x'; declared settings: a, b", r"^transitions"),
    (_trans([{"from": "a", "to": 7, "count": 1}]), "sample.transitions[0].to",
     r"unknown setting 7; declared settings: a, b", r"^transitions"),
    (_trans([{"from": "a", "to": "b", "count": -1}]), "sample.transitions[0].count",
     r"must be a whole number >= 0, got -1", r"^transitions"),
    (_trans([{"from": "a", "to": "b", "count": 1.5}]), "sample.transitions[0].count",
     r"must be a whole number >= 0, got 1\.5", r"^transitions"),
    (_trans([{"from": "a", "to": "b", "count": 0}]), "sample.transitions",
     r"the review has no cases: every count is 0", r"^transitions"),
    (_set("judgement", 3), "judgement", r"must be a table \(\[judgement\]\)", r"^judgement = 3"),
    (_set("judgement.model", "oracle"), "judgement.model",
     r"unknown model 'oracle'; allowed: face_value, .*fixed", r"^model"),
    (_set("judgement.model", "fixed"), "judgement.theta",
     r"missing; model 'fixed' needs `theta`, a number or a dist table in \[0, 1\]", r"^\[judgement\]"),
    (_set("judgement", {"model": "fixed", "theta": 1.2}), "judgement.theta",
     r"must be between 0 and 1, got 1\.2", r"^theta"),
    (_set("judgement", {"model": "face_value", "theta": 1}), "judgement.theta",
     r"unknown key for model 'face_value'; allowed: evidence, model, note, source", r"^theta"),
    (_set("implementation.colour", 1), "implementation.colour", r"unknown key; allowed: realisation, .*source, note",
     r"^colour"),
    (_set("implementation.realisation", 1.5), "implementation.realisation",
     r"must be between 0 and 1, got 1\.5", r"^realisation"),
    (_set("implementation.realisation", {"dist": "uniform", "low": 0.5, "high": 2}),
     "implementation.realisation.high", r"must be between 0 and 1, got 2", r"^realisation"),
    (_set("run.colour", 1), "run.colour", r"unknown key; allowed: draws, seed", r"^colour"),
    (_set("run.draws", 0), "run.draws", r"must be a whole number from 1 to 100,000,000, got 0", r"^draws"),
    (_set("run.draws", "many"), "run.draws", r"got 'many'", r"^draws"),
    (_set("run.seed", -1), "run.seed", r"must be a whole number from 0 to 9223372036854775807 \(2\^63 − 1\), got -1",
     r"^seed"),
    (_set("run.seed", True), "run.seed", r"got True", r"^seed"),
    (_set("verdict.colour", 1), "verdict.colour", r"unknown key; allowed: collapse_below, hold_at, max_width_ratio",
     r"^colour"),
    (_set("verdict.hold_at", 1.5), "verdict.hold_at", r"must be a probability between 0 and 1, got 1\.5",
     r"^hold_at"),
    (_set("verdict.collapse_below", 0.9), "verdict.collapse_below", r"must not exceed verdict.hold_at",
     r"^collapse_below"),
    (_set("verdict.max_width_ratio", 0), "verdict.max_width_ratio", r"must be a number > 0, got 0",
     r"^max_width_ratio"),
]


def _line_of(text: str, pattern: str | None) -> int | None:
    if pattern is None:
        return None
    for i, line in enumerate(text.split("\n"), 1):
        if re.search(pattern, line):
            return i
    raise AssertionError(f"{pattern!r} not in the scenario text")


@pytest.mark.parametrize("edit, field, message, where", CASES, ids=[c[1] + ":" + c[2][:30] for c in CASES])
def test_every_scenario_error(write_scenario, edit, field, message, where):
    doc = base_scenario()
    edit(doc)
    path = write_scenario(doc)
    text = path.read_text(encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert err.field == field
    assert re.search(message, err.message), err.message
    assert err.path == str(path)
    expected_line = _line_of(text, where)
    if expected_line is not None:
        assert err.line == expected_line, (err.line, text)
    line_part = f":{err.line}" if err.line else ""
    assert err.one_line() == f"{path}{line_part}: {field}: {' '.join(err.message.split())}"


# ---- file-level errors --------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="file not found") as info:
        load_scenario(tmp_path / "nope.toml")
    assert info.value.path == str(tmp_path / "nope.toml") and info.value.line is None


def test_folder_is_not_a_scenario(tmp_path):
    with pytest.raises(ScenarioError, match=r"is a folder; give the path of a \.toml scenario file"):
        load_scenario(tmp_path)


def test_not_utf8(tmp_path):
    p = tmp_path / "latin1.toml"
    p.write_bytes(b"schema_version = 1\n# \xa3 sign in Latin-1\n")
    with pytest.raises(ScenarioError, match=r"is not UTF-8 text \(byte 21\); save it as UTF-8") as info:
        load_scenario(p)
    assert info.value.line == 2


def test_toml_syntax_error_names_line_and_column(write_scenario):
    path = write_scenario("schema_version = 1\n\n[claim]\nlow = £17.8m\n")
    with pytest.raises(ScenarioError, match=r"TOML syntax error at column 7: Invalid value") as info:
        load_scenario(path)
    assert info.value.line == 4
    assert info.value.field is None
    assert str(info.value).startswith(f"{path}:4: TOML syntax error")


def test_utf8_bom_and_crlf_are_accepted(write_scenario, tmp_path):
    text = to_toml(base_scenario()).replace("\n", "\r\n")
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_scenario(p).claim.low == 1e6


# ---- cases CSV through the loader -----------------------------------------------------

def test_cases_outside_folder_is_refused(write_scenario, tmp_path):
    (tmp_path.parent / "outside.csv").write_text("case_id,current,ideal\n1,a,b\n", encoding="utf-8")
    doc = base_scenario(sample={"cases": "../outside.csv"})
    path = write_scenario(doc)
    with pytest.raises(ScenarioError, match=r"'\.\./outside\.csv' is outside the scenario's folder; "
                                            r"move it there or pass --allow-outside") as info:
        load_scenario(path)
    assert info.value.field == "sample.cases"
    assert load_scenario(path, allow_outside=True).sample.n_cases == 1


def test_cases_path_must_be_text(write_scenario):
    with pytest.raises(ScenarioError, match=r"must be the path of a CSV file, relative to the scenario") as info:
        load_scenario(write_scenario(base_scenario(sample={"cases": ""})))
    assert info.value.field == "sample.cases"


def test_data_error_keeps_the_csv_path_and_line(write_scenario):
    path = write_scenario(base_scenario(sample={"cases": "c.csv"}),
                          files={"c.csv": "case_id,current,ideal\n1,a,b\n2,a,z\n"})
    with pytest.raises(DataError) as info:
        load_scenario(path)
    assert str(info.value) == "c.csv:3: ideal: unknown setting 'z'; declared settings: a, b"


# ---- overrides (--set) --------------------------------------------------------------

def test_override_changes_a_field(write_scenario):
    path = write_scenario(base_scenario())
    s = load_scenario(path, overrides={"run.draws": 5000, "judgement.model": "face_value"})
    assert s.run.draws == 5000


def test_override_error_names_set(write_scenario):
    path = write_scenario(base_scenario())
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides={"run.draws": -3})
    assert str(info.value) == "--set: run.draws: must be a whole number from 1 to 100,000,000, got -3"


@pytest.mark.parametrize("text, message", [
    ("run.draws", r"expected KEY=VALUE, got 'run\.draws'"),
    ("run draws=3", r"expected a dotted key such as run\.draws, got 'run draws'"),
])
def test_parse_override_rejects(text, message):
    with pytest.raises(ScenarioError, match=message) as info:
        parse_override(text)
    assert info.value.path == "--set"


def test_apply_overrides_rejects_unknown_and_non_tables():
    raw = {"run": {"draws": 3}, "claim": {"low": 1}}
    with pytest.raises(ScenarioError, match=r"unknown key; top-level keys are schema_version") as info:
        apply_overrides(raw, {"colour.x": 1})
    assert info.value.field == "colour.x"
    with pytest.raises(ScenarioError, match=r"'low' is not a table, so it has no field 'x'"):
        apply_overrides(raw, {"claim.low.x": 1})
    out, touched = apply_overrides(raw, {"run__seed": 4})
    assert out["run"] == {"draws": 3, "seed": 4} and touched == {"run.seed"}
    assert raw["run"] == {"draws": 3}   # the input is not modified


def test_seed_bounds(write_scenario):
    doc = base_scenario(run={"seed": MAX_SEED})
    assert load_scenario(write_scenario(doc)).run.seed == MAX_SEED


def test_locate_finds_nested_fields():
    text = "schema_version = 1\n[settings.a]\ncost = 3\n[settings.b]\ncost = 4\n"
    assert locate(text, "settings.b.cost") == 5
    assert locate(text, "settings.a") == 2
    assert locate(text, "schema_version") == 1


def test_base_scenario_is_valid(write_scenario):
    # The helper itself must be a valid scenario, or every table entry above would test nothing.
    s = load_scenario(write_scenario(copy.deepcopy(base_scenario())))
    assert s.sample.counts == (("a", "a", 4), ("a", "b", 6))


@settings(max_examples=200, deadline=None)
@given(st.text() | st.floats(allow_nan=False) | st.integers(-2**63, 2**63 - 1) | st.booleans()
       | st.lists(st.text(max_size=5), max_size=3))
def test_toml_value_reads_back_unchanged_through_set(value) -> None:
    # toml_value writes the values of the reproduce command; any text (control characters and
    # DEL included, which TOML forbids raw) must come back exactly through --set's parser.
    from auditor.inputs.scenario import parse_override, toml_value

    assert parse_override("k=" + toml_value(value)) == ("k", value)
