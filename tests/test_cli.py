"""The command line (auditor.cli): exit codes, one-line errors, outputs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from auditor import __version__
from auditor.cli import main
from strategies import base_scenario

ERROR_LINE = re.compile(r"^auditor: error: .+$")


def one_error_line(capsys) -> str:
    out, err = capsys.readouterr()
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    assert ERROR_LINE.match(lines[0]), lines[0]
    assert "Traceback" not in err
    return lines[0]


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"auditor {__version__}"


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage: auditor" in capsys.readouterr().out


def test_validate_ok(capsys, west_sussex):
    assert main(["validate", str(west_sussex)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{west_sussex}: ok (4 settings, 28 cases")


def test_run_writes_outputs(capsys, west_sussex, tmp_path):
    # One in-process run (writing the report is the slow part, so it is checked once):
    # text summary, then the same run again with --json and --set.
    out_dir = tmp_path / "ws"
    assert main(["run", str(west_sussex), "--draws", "2000", "--seed", "4", "--out", str(out_dir)]) == 0
    stdout = capsys.readouterr().out
    assert "Verdict:" in stdout and "published claim: £17.8m to £46.7m a year" in stdout
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["run"]["draws"] == 2000 and summary["run"]["seed"] == 4
    assert (out_dir / "report.md").is_file()
    assert list((out_dir / "figures").glob("*.png"))
    # Nothing half-written is left beside the output folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]

    code = main(["run", str(west_sussex), "--set", "run.draws=2000", "--set", "run.seed=4", "--json",
                 "--out", str(out_dir)])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    # Same seed, same draws: the rerun reproduces the first summary (only the seed's origin and the
    # recorded overrides differ).
    assert printed["run"]["overrides"] == {"run.draws": 2000, "run.seed": 4}
    assert summary["run"]["overrides"] == {}
    for s in (printed, summary):
        for key in ("seed_source", "overrides", "command"):
            s["run"].pop(key)
    assert printed == summary


# ---- bad input: one line, exit 2, no traceback -----------------------------------------------

@pytest.mark.parametrize("argv, expected", [
    (["run"], r"^auditor: error: the following arguments are required: SCENARIO \(see `auditor run --help`\)$"),
    (["frobnicate"], r"^auditor: error: argument COMMAND: invalid choice: 'frobnicate'"),
    (["run", "nope.toml"], r"^auditor: error: nope\.toml: file not found$"),
    (["validate", "nope.toml"], r"^auditor: error: nope\.toml: file not found$"),
    (["run", "x.toml", "--draws", "many"], r"argument --draws: must be a whole number such as 100000 or 100,000, got 'many'"),
])
def test_usage_errors(capsys, argv, expected):
    assert main(argv) == 2
    assert re.search(expected, one_error_line(capsys))


def test_scenario_error_line_has_file_line_and_field(capsys, write_scenario):
    doc = base_scenario()
    doc["settings"]["a"]["cohort"] = -4
    path = write_scenario(doc)
    text = path.read_text(encoding="utf-8").split("\n")
    line = next(i for i, t in enumerate(text, 1) if t.startswith("cohort = -4"))
    assert main(["run", str(path), "--out", str(path.parent / "out")]) == 2
    assert one_error_line(capsys) == (f"auditor: error: {path}:{line}: settings.a.cohort: "
                                      "must be a whole number >= 0, got -4")
    assert not (path.parent / "out").exists()


def test_set_error_names_set(capsys, west_sussex, tmp_path):
    assert main(["run", str(west_sussex), "--set", "run.draws=0", "--out", str(tmp_path / "o")]) == 2
    assert one_error_line(capsys) == ("auditor: error: --set: run.draws: must be a whole number from 1 to "
                                      "100,000,000, got 0")


def test_data_error_line(capsys, write_scenario):
    path = write_scenario(base_scenario(sample={"cases": "c.csv"}),
                          files={"c.csv": "case_id,current,ideal\n1,a,b\n1,a,a\n"})
    assert main(["validate", str(path)]) == 2
    assert one_error_line(capsys) == "auditor: error: c.csv:3: case_id: duplicate case id '1' (first on line 2)"


def test_validate_reports_each_bad_file(capsys, west_sussex, tmp_path):
    assert main(["validate", str(west_sussex), str(tmp_path / "a.toml"), str(tmp_path / "b.toml")]) == 2
    out, err = capsys.readouterr()
    assert out.count(": ok (") == 1
    assert err.count("auditor: error:") == 2 and "Traceback" not in err


def test_debug_shows_traceback(capsys):
    assert main(["--debug", "run", "nope.toml"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().endswith("auditor: error: nope.toml: file not found")


def test_internal_error_exits_1(capsys, monkeypatch, west_sussex, tmp_path):
    import auditor.api

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(auditor.api, "audit", broken)
    assert main(["run", str(west_sussex), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("auditor: internal error: RuntimeError: boom") and "Traceback" not in err


# ---- one real subprocess ---------------------------------------------------------------------------

@pytest.mark.slow   # a fresh interpreter plus a full report: about 20 s on a busy 2-core machine
def test_python_m_auditor_run(tmp_path, west_sussex):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out_dir = tmp_path / "report"
    done = subprocess.run([sys.executable, "-m", "auditor", "run", str(west_sussex), "--draws", "2000",
                           "--seed", "1", "--out", str(out_dir)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))["run"]["draws"] == 2000
    bad = subprocess.run([sys.executable, "-m", "auditor", "validate", "missing.toml"], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr == "auditor: error: missing.toml: file not found\n"


def test_readme_excerpt_is_the_real_output(tmp_path, monkeypatch, capsys):
    # The README quotes `auditor run scenarios/west-sussex-2023.toml`; it must stay what the tool prints.
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n\$ auditor run scenarios/west-sussex-2023.toml\n(.*?)```", readme, re.S).group(1)
    monkeypatch.chdir(root)
    assert main(["run", "scenarios/west-sussex-2023.toml", "--out", str(tmp_path / "ws"), "--format", "json"]) == 0
    printed = capsys.readouterr().out
    strip = lambda text: [line for line in text.splitlines() if not line.strip().startswith("report:")]
    assert strip(printed) == strip(block)
