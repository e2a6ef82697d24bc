"""Every ``--set`` and API override is recorded, and the recorded command redraws the same run."""

import json
import shlex

import pytest

import auditor
from auditor.cli import main

SCENARIO = "scenarios/west-sussex-2023.toml"


def _run(argv, capsys):
    capsys.readouterr()
    code = main(argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    return out


def test_set_is_recorded_everywhere_and_the_command_reproduces(tmp_path, capsys):
    first = tmp_path / "first"
    _run(["run", SCENARIO, "--draws", "800", "--seed", "11", "--set", "judgement.model=face_value",
          "--set", "implementation.realisation={dist=\"uniform\", low=0.5, high=1}",
          "--out", str(first), "--quiet", "--format", "json,md,html"], capsys)
    want = {"judgement.model": "face_value",
            "implementation.realisation": {"dist": "uniform", "low": 0.5, "high": 1}}
    summary = json.loads((first / "summary.json").read_text())
    assert summary["run"]["overrides"] == want
    inputs = json.loads((first / "inputs.json").read_text())
    assert inputs["run"]["overrides"] == want
    command = summary["run"]["command"]
    assert inputs["run"]["command"] == command
    assert "--set 'judgement.model=\"face_value\"'" in command
    md = (first / "report.md").read_text()
    html = (first / "report.html").read_text()
    assert command in md
    assert "judgement.model" in md and "implementation.realisation" in md
    import html as html_lib
    import re
    shown = re.search(r'<pre class="command"><code>(.*?)</code></pre>', html, re.S)
    assert shown and html_lib.unescape(shown.group(1)) == command
    assert "<code>judgement.model</code>" in html

    # Execute the recorded command (in-process), into another folder: the same savings, to the byte.
    argv = shlex.split(command)
    assert argv[:2] == ["auditor", "run"]
    second = tmp_path / "second"
    _run(argv[1:] + ["--out", str(second), "--quiet", "--format", "json"], capsys)
    again = json.loads((second / "summary.json").read_text())
    assert again["savings"] == summary["savings"]
    assert again["verdict"] == summary["verdict"]
    assert again["run"]["overrides"] == want
    # ... and without the overrides the figures differ, so the check above could fail.
    third = tmp_path / "third"
    _run(["run", SCENARIO, "--draws", "800", "--seed", "11", "--out", str(third), "--quiet",
          "--format", "json"], capsys)
    plain = json.loads((third / "summary.json").read_text())
    assert plain["run"]["overrides"] == {}
    assert plain["savings"] != summary["savings"]


def test_api_overrides_are_recorded_in_the_dotted_form():
    r = auditor.audit(SCENARIO, draws=300, seed=2, judgement__model="face_value")
    s = r.summary()
    assert s["run"]["overrides"] == {"judgement.model": "face_value"}
    assert s["run"]["command"].endswith("--set 'judgement.model=\"face_value\"'")
    plain = auditor.audit(SCENARIO, draws=300, seed=2)
    assert plain.summary()["run"]["overrides"] == {}
    assert plain.summary()["run"]["command"] == f"auditor run {SCENARIO} --draws 300 --seed 2"


def test_overrides_on_a_loaded_scenario_accumulate():
    from auditor.api import resolve_scenario

    s = resolve_scenario(SCENARIO, {"run.draws": 400})
    s2 = resolve_scenario(s, {"judgement__model": "face_value"})
    assert s2.overrides == {"run.draws": 400, "judgement.model": "face_value"}
    assert s2.run.draws == 400


@pytest.mark.parametrize("value", ["selection", 5000, 0.25, True, [1, 2], {"a": "x y", "b-c": 1.5}])
def test_an_override_survives_its_round_trip(value):
    from auditor.inputs.scenario import format_override, parse_override

    assert parse_override(format_override("k.v", value)) == ("k.v", value)


def test_sensitivity_summary_records_overrides():
    r = auditor.sensitivity(SCENARIO, draws=256, seed=1, n_boot=20, judgement__model="face_value")
    run = r.summary()["run"]
    assert run["overrides"] == {"judgement.model": "face_value"}
    assert run["command"].startswith("auditor sensitivity ")
