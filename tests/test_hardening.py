"""Hardening: hostile or careless input never deletes a file auditor did not write, never hangs or
exhausts the machine, and never ends in an internal error.

Each test reproduces one finding of an adversarial probe of the command line
and the Python API and checks the fixed behaviour: one line on stderr and exit
2 (or 130 for an interrupt), with every file that was there before still there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.report import MARKER
from strategies import base_scenario, to_toml


def scenario_file(folder: Path, name: str = "s.toml", **changes) -> Path:
    path = folder / name
    path.write_text(to_toml(base_scenario(**changes)), encoding="utf-8")
    return path


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(argv: list[str], capsys) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def one_error(code: int, err: str) -> str:
    assert code == 2, err
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("auditor: error: "), err
    return lines[0]


# ---- 1. --out never replaces a folder auditor did not write ----------------------------

def test_run_refuses_to_replace_a_batch_folder(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path, "s.toml")
    scenario_file(tmp_path, "t.toml")
    assert main(["batch", "s.toml", "t.toml", "--out", "reports", "--draws", "300", "--quiet"]) == 0
    before = files_under(tmp_path / "reports")
    assert {"index.csv", "s/summary.json", "t/summary.json", MARKER} <= set(before)
    line = one_error(*run(["run", "s.toml", "--out", "reports", "--draws", "300"], capsys))
    assert line == "auditor: error: reports: holds an auditor batch output, not a report; choose another --out"
    assert files_under(tmp_path / "reports") == before


@pytest.mark.parametrize("command", [
    ["run", "s.toml", "--draws", "300"],
    ["sensitivity", "s.toml", "--draws", "256"],
    ["sweep", "s.toml", "--vary", "implementation.realisation=0.5,1", "--draws", "300"],
])
@pytest.mark.parametrize("where", ["project", "scenario-folder"])
def test_no_command_replaces_a_folder_it_did_not_write(tmp_path, monkeypatch, capsys, command, where) -> None:
    project = tmp_path / "project"
    project.mkdir()
    scenario = scenario_file(project, "s.toml")
    (project / "notes.txt").write_text("mine")
    monkeypatch.chdir(project if where == "scenario-folder" else tmp_path)
    argv = [c if c != "s.toml" else str(scenario.relative_to(Path.cwd())) for c in command]
    out = "../project" if where == "scenario-folder" else "project"
    before = files_under(project)
    line = one_error(*run(argv + ["--out", out], capsys))
    assert "is a folder auditor did not write" in line or "current folder" in line, line
    assert files_under(project) == before


def test_out_current_folder_and_parents_are_refused(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path)
    for out in (".", "..", str(tmp_path), "a/.."):
        line = one_error(*run(["run", "s.toml", "--out", out], capsys))
        assert "'.', '..' or '/'" in line or "is the current folder or contains it" in line, line
    assert (tmp_path / "s.toml").exists()


def test_a_report_replaces_an_earlier_report_and_an_unmarked_older_one(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path)
    assert main(["run", "s.toml", "--out", "r", "--draws", "300", "--quiet", "--format", "json"]) == 0
    assert (tmp_path / "r" / MARKER).read_text().startswith("report\n")
    assert main(["run", "s.toml", "--out", "r", "--draws", "300", "--quiet", "--format", "json"]) == 0
    # A report from before the marker: only report files, no marker.
    (tmp_path / "r" / MARKER).unlink()
    assert main(["run", "s.toml", "--out", "r", "--draws", "300", "--quiet", "--format", "json"]) == 0
    # An empty folder is fine too.
    (tmp_path / "empty").mkdir()
    assert main(["run", "s.toml", "--out", "empty", "--draws", "300", "--quiet", "--format", "json"]) == 0


def test_batch_never_replaces_a_subfolder_or_index_it_did_not_write(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path, "s.toml")
    (tmp_path / "out" / "s").mkdir(parents=True)
    (tmp_path / "out" / "s" / "mine.txt").write_text("mine")
    line = one_error(*run(["batch", "s.toml", "--out", "out", "--draws", "300"], capsys))
    assert line.startswith("auditor: error: out/s: is a folder auditor did not write"), line
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "index.csv").write_text("my,own\n1,2\n")
    line = one_error(*run(["batch", "s.toml", "--out", "other", "--draws", "300"], capsys))
    assert "holds an index.csv auditor did not write" in line
    assert (tmp_path / "out" / "s" / "mine.txt").read_text() == "mine"
    assert (tmp_path / "other" / "index.csv").read_text() == "my,own\n1,2\n"


def test_symlinked_out_stays_a_symlink(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path)
    (tmp_path / "real").mkdir()
    os.symlink("real", tmp_path / "link")
    os.symlink("nowhere", tmp_path / "dangling")
    for link in ("link", "link", "dangling"):
        assert main(["run", "s.toml", "--out", link, "--draws", "300", "--quiet", "--format", "json"]) == 0
        assert (tmp_path / link).is_symlink()
    assert (tmp_path / "real" / "summary.json").exists() and (tmp_path / "nowhere" / "summary.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling", "link", "nowhere", "real", "s.toml"]


def test_stale_temporaries_of_dead_processes_are_cleared(tmp_path, monkeypatch) -> None:
    import subprocess
    import sys

    from auditor.report import atomic_dir

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = [tmp_path / f".out.tmp-{dead}-abc123", tmp_path / f".out.old-{dead}-xyz_9"]
    live = tmp_path / f".out.tmp-{os.getppid()}-abc123"   # a running process's: kept
    other = tmp_path / ".out.tmp-notapid"                   # not our naming: kept
    for p in stale + [live, other]:
        p.mkdir()
    with atomic_dir(tmp_path / "out") as tmp:
        (tmp / "a").write_text("x")
    assert not any(p.exists() for p in stale)
    assert live.exists() and other.exists()


def test_replacing_a_read_only_report_leaves_nothing_behind(tmp_path) -> None:
    from auditor.report import atomic_dir

    out = tmp_path / "rorep"
    with atomic_dir(out) as tmp:
        (tmp / "figures").mkdir()
        (tmp / "figures" / "a.png").write_text("x")
    os.chmod(out / "figures", 0o500)
    with atomic_dir(out) as tmp:
        (tmp / "b").write_text("y")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rorep"]


@pytest.mark.parametrize("make, expected", [
    ("nul", "contains a NUL character"),
    ("long-name", "folder name is 300 characters; at most 200 are allowed"),
    ("long-path", "characters long; at most 4,000 are allowed"),
    ("read-only", "cannot write in"),
    ("parent-is-file", "cannot create the output folder"),
])
def test_unusable_out_paths_are_one_line(tmp_path, monkeypatch, capsys, make, expected) -> None:
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path)
    if make == "nul":
        out = "a\x00b"
    elif make == "long-name":
        out = "x" * 300
    elif make == "long-path":
        out = "/".join(["d" * 50] * 200)
    elif make == "read-only":
        (tmp_path / "ro").mkdir()
        os.chmod(tmp_path / "ro", 0o500)
        out = "ro/out"
        if os.access(tmp_path / "ro", os.W_OK):
            pytest.skip("running as a user who can write anywhere")
    else:
        (tmp_path / "file").write_text("x")
        out = "file/out"
    line = one_error(*run(["run", "s.toml", "--out", out, "--draws", "300", "--format", "json"], capsys))
    assert expected in line, line


def test_batch_out_that_is_a_file(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path)
    (tmp_path / "taken").write_text("x")
    line = one_error(*run(["batch", "s.toml", "--out", "taken", "--draws", "300"], capsys))
    assert line == "auditor: error: taken: exists and is not a folder; choose another --out"


# ---- 2. scenario file names that cannot name a folder ------------------------------------

@pytest.mark.parametrize("name", ["..toml", "...toml"])
def test_dot_stems_are_refused(tmp_path, monkeypatch, capsys, name) -> None:
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path, name)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "keep.txt").write_text("keep")
    stem = Path(name).stem
    for argv in (["run", name], ["batch", name, "--out", "reports"]):
        code, err = run(argv + ["--draws", "300"], capsys)
        if stem in (".", ".."):
            assert one_error(code, err) == (f"auditor: error: {name}: the file name without .toml is {stem!r}, "
                                            "which cannot name an output folder; rename the file")
    assert (tmp_path / "reports" / "keep.txt").read_text() == "keep"


def test_folder_batches_skip_dot_files_and_index_csv_stem_is_refused(tmp_path, monkeypatch, capsys) -> None:
    from auditor.scripted import expand_paths

    scenario_file(tmp_path, "a.toml")
    scenario_file(tmp_path, "..toml")
    scenario_file(tmp_path, ".hidden.toml")
    assert expand_paths([tmp_path]) == [str(tmp_path / "a.toml")]
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path, "index.csv.toml")
    line = one_error(*run(["batch", "index.csv.toml", "--out", "out", "--draws", "300"], capsys))
    assert line == ("auditor: error: index.csv.toml: would write its report to out/index.csv, the batch's "
                    "index; rename it")
