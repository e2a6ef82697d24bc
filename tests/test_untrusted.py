"""Untrusted scenarios: a shared scenario file cannot run code or read files elsewhere.

Scenario files are passed around by strangers, so auditor (1) never turns
their text into code — no ``eval``/``exec``, no ``pickle``/``marshal``/
``shelve``, no YAML loader, no shell — and (2) reads a ``cases`` CSV only
inside the scenario's own folder unless the user passes ``--allow-outside``.
(HTML escaping of scenario text is tested in ``tests/test_html.py``.)
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.errors import ScenarioError
from auditor.inputs.scenario import load_scenario
from strategies import base_scenario, to_toml

PACKAGE = Path(__file__).resolve().parent.parent / "auditor"
SOURCES = sorted(PACKAGE.rglob("*.py"))

# Calls that execute or deserialise arbitrary input.
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve", "yaml", "ruamel", "jsonpickle",
                     "cloudpickle", "joblib"}
FORBIDDEN_ATTRS = {("os", "system"), ("os", "popen"), ("subprocess", "getoutput"), ("subprocess", "getstatusoutput"),
                   ("pd", "read_pickle"), ("pandas", "read_pickle"), ("np", "load"), ("numpy", "load")}


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_there_is_source_to_check() -> None:
    assert len(SOURCES) >= 10


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_code_execution_paths(path: Path) -> None:
    problems = []
    for node in ast.walk(parsed(path)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                if name.split(".")[0] in FORBIDDEN_MODULES:
                    problems.append(f"line {node.lineno}: imports {name}")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                problems.append(f"line {node.lineno}: calls {func.id}()")
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                if (func.value.id, func.attr) in FORBIDDEN_ATTRS:
                    problems.append(f"line {node.lineno}: calls {func.value.id}.{func.attr}()")
            for kw in node.keywords:  # subprocess(..., shell=True)
                if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    problems.append(f"line {node.lineno}: shell=")
                if kw.arg == "allow_pickle" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    problems.append(f"line {node.lineno}: allow_pickle=")
    assert problems == []


def test_scenarios_are_read_with_tomllib_only() -> None:
    text = (PACKAGE / "inputs" / "scenario.py").read_text(encoding="utf-8")
    assert "tomllib.loads" in text


# ---- the cases file stays inside the scenario's folder ---------------------------

@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """tmp/shared/scenario.toml next to tmp/private/cases.csv (outside the scenario's folder)."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "cases.csv").write_text(
        "case_id,current,ideal\n1,a,b\n2,a,a\n3,a,b\n", encoding="utf-8")
    return tmp_path


def scenario_reading(folder: Path, cases: str) -> Path:
    doc = base_scenario(sample={"cases": cases})
    path = folder / "shared" / "scenario.toml"
    path.write_text(to_toml(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("how", ["relative", "absolute"])
def test_cases_outside_folder_refused(layout: Path, how: str, capsys) -> None:
    target = "../private/cases.csv" if how == "relative" else str(layout / "private" / "cases.csv")
    path = scenario_reading(layout, target)
    with pytest.raises(ScenarioError, match="outside the scenario's folder; move it there or pass --allow-outside"):
        load_scenario(path)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sample.cases" in err and "--allow-outside" in err


def test_symlink_escaping_the_folder_is_refused(layout: Path) -> None:
    link = layout / "shared" / "cases.csv"
    try:
        os.symlink(layout / "private" / "cases.csv", link)
    except (OSError, NotImplementedError):
        pytest.skip("symlinks not available")
    with pytest.raises(ScenarioError, match="outside the scenario's folder"):
        load_scenario(scenario_reading(layout, "cases.csv"))


def test_allow_outside_reads_it(layout: Path, capsys) -> None:
    path = scenario_reading(layout, "../private/cases.csv")
    s = load_scenario(path, allow_outside=True)
    assert s.sample.n_cases == 3
    assert main(["validate", str(path), "--allow-outside"]) == 0
    assert "3 cases" in capsys.readouterr().out


def test_cases_in_a_subfolder_are_fine(layout: Path) -> None:
    (layout / "shared" / "data").mkdir()
    (layout / "shared" / "data" / "cases.csv").write_text("case_id,current,ideal\n1,a,b\n", encoding="utf-8")
    assert load_scenario(scenario_reading(layout, "data/cases.csv")).sample.n_cases == 1


def test_scenario_text_is_data_not_code(tmp_path: Path) -> None:
    """Strings that would run as code somewhere are kept verbatim as text."""
    payload = "__import__('os').system('touch pwned') {{7*7}} <script>alert(1)</script>"
    doc = base_scenario(scenario={"title": payload, "notes": "${HOME} $(touch pwned) `touch pwned`"})
    path = tmp_path / "s.toml"
    path.write_text(to_toml(doc), encoding="utf-8")
    s = load_scenario(path)
    assert s.title == payload
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
