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


# ---- 3. `$` in scenario text is drawn literally, not as mathtext ---------------------------

DOLLARS = {"title": "Cost $\\frac$ a year, US$6m to US$9m", "sources": ["US$6m $\\bad$ report"]}


def test_dollar_signs_in_scenario_text_reach_every_output(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path, scenario=DOLLARS,
                  claim={"low": "£1m", "high": "£2m", "per": "year", "source": "claim $\\x$ source"},
                  settings={"a": {"label": "A $\\frac$", "cost": 30000, "cohort": 100},
                            "b": {"label": "B$", "cost": 10000, "cohort": 0, "source": "$US$"}})
    # Before the fix: exit 1, "internal error: ValueError: ... \\frac ..." from matplotlib's mathtext.
    assert main(["run", "s.toml", "--out", "r", "--draws", "400", "--quiet"]) == 0
    assert (tmp_path / "r" / "brief.pdf").exists() and (tmp_path / "r" / "figures" / "ladder.png").exists()


def test_brief_and_sweep_figure_draw_dollars_literally() -> None:
    import pandas as pd

    from auditor.safetext import for_matplotlib
    from auditor.scripted import sweep_figure

    frame = pd.DataFrame({"scenario.title": ["$\\frac$", "US$6m"], "x": ["$a$", "$b"],
                          "savings_median": [1e6, 2e6], "savings_p05": [0.5e6, 1e6], "savings_p95": [2e6, 3e6]})
    ax = sweep_figure(frame, ["scenario.title", "x"])
    from auditor.figures.audit import png_bytes

    png_bytes(ax)  # draws every text; mathtext would raise on `$\frac$`
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == [for_matplotlib("$\\frac$"), for_matplotlib("US$6m")] == ["\\$\\frac\\$", "US\\$6m"]


# ---- 4. control characters never reach the terminal raw -------------------------------------

ESCAPES = "Title\u001b]0;PWNED\u0007\u001b[2J\u202e"


def test_control_characters_are_shown_escaped(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path, scenario={"title": ESCAPES})
    assert main(["run", "s.toml", "--out", "r", "--draws", "300", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "\u001b" not in out and "\u0007" not in out and "\u202e" not in out
    assert "Title\\x1b]0;PWNED\\x07\\x1b[2J\\u202e" in out
    assert main(["run", "s.toml", "--out", "r", "--draws", "300", "--format", "json", "--json"]) == 0
    import json

    text = capsys.readouterr().out
    assert "\u001b" not in text and "\u202e" not in text
    assert json.loads(text)["scenario"]["title"] == ESCAPES   # still valid JSON with the same title


def test_a_key_with_a_newline_or_escape_is_one_line(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text(to_toml(base_scenario()) + '\n[implementation]\n"dra\\nws\\u001b[2J" = 5\n')
    code, err = run(["validate", "s.toml"], capsys)
    line = one_error(code, err)
    assert "\u001b" not in line and "dra\\x0aws\\x1b[2J" in line, line


# ---- 5. CSV formula injection ------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil","x")', "@SUM(A1:A2)", "+1+cmd", "-2+3"]


def test_csv_cell_follows_owasp() -> None:
    from auditor.safetext import csv_cell

    assert [csv_cell(x) for x in ("\tX", "\rX", "=1", "a=1", 3, -2.5)] == ["'\tX", "'\rX", "'=1", "a=1", 3, -2.5]


def test_index_and_sweep_csv_neutralise_formulas(tmp_path, monkeypatch) -> None:
    import csv

    from auditor import batch, sweep

    for i, title in enumerate(FORMULAS):
        scenario_file(tmp_path, f"s{i}.toml", scenario={"title": title})
    frame = batch([tmp_path / f"s{i}.toml" for i in range(len(FORMULAS))], out=tmp_path / "b", draws=300)
    with open(tmp_path / "b" / "index.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["title"] for r in rows] == ["'" + t for t in FORMULAS]
    assert list(frame["title"]) == FORMULAS          # the frame itself keeps the text as written
    assert float(rows[0]["median"]) == frame.loc[0, "median"]   # numbers stay numbers

    sweep(tmp_path / "s0.toml", {"scenario.title": FORMULAS[:3], "implementation.realisation": [-0.0, 1.0]},
          out=tmp_path / "sw", draws=300, seed=1)
    with open(tmp_path / "sw" / "sweep.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["scenario.title"] for r in rows} == {"'" + t for t in FORMULAS[:3]}
    assert {r["implementation.realisation"] for r in rows} == {"-0.0", "1.0"}


# ---- 6. a comma in a setting name keeps draws.csv.gz's header one field per column ------------

def test_setting_names_with_commas_and_quotes_are_quoted_in_draws_header(tmp_path) -> None:
    import csv
    import gzip
    import io

    import auditor
    from auditor.report.data import write_draws_csv_gz

    scenario = scenario_file(tmp_path, settings={"x,y": {"cost": 30000, "cohort": 100},
                                                 'q"z': {"cost": 10000, "cohort": 0}},
                             sample={"transitions": [{"from": "x,y", "to": 'q"z', "count": 6},
                                                     {"from": "x,y", "to": "x,y", "count": 4}]})
    result = auditor.audit(scenario, draws=50, seed=2)
    path = write_draws_csv_gz(result, tmp_path / "d.csv.gz")
    rows = list(csv.reader(io.StringIO(gzip.decompress(path.read_bytes()).decode("utf-8"))))
    assert rows[0] == list(result.to_frame().columns)
    assert "cost[x,y]" in rows[0] and all(len(r) == len(rows[0]) for r in rows)
    assert len(rows) == 51


# ---- 7 and the internal errors: inputs that used to hang, exhaust memory or crash -------------

WS = Path(__file__).resolve().parent.parent / "scenarios"


def cases_scenario(folder: Path, csv_text: str | bytes) -> Path:
    toml = (WS / "west-sussex-2023-cases.toml").read_text(encoding="utf-8")
    (folder / "s.toml").write_text(toml.replace('cases = "west-sussex-2023.cases.csv"', 'cases = "c.csv"'))
    if isinstance(csv_text, bytes):
        (folder / "c.csv").write_bytes(csv_text)
    else:
        (folder / "c.csv").write_text(csv_text, encoding="utf-8")
    return folder / "s.toml"


CASES = (WS / "west-sussex-2023.cases.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("variant", ["semicolon", "excel-sep", "tab", "trailing-empty-columns", "utf-16"])
def test_spreadsheet_csv_variants_are_read(tmp_path, variant) -> None:
    from auditor.inputs.scenario import load_scenario

    text: str | bytes = {
        "semicolon": CASES.replace(",", ";"),
        "excel-sep": "sep=;\n" + CASES.replace(",", ";"),
        "tab": CASES.replace(",", "\t"),
        "trailing-empty-columns": CASES.replace("\n", ",,\n"),
        "utf-16": CASES.encode("utf-16"),
    }[variant]
    s = load_scenario(cases_scenario(tmp_path, text))
    assert s.sample.counts == load_scenario(WS / "west-sussex-2023-cases.toml").sample.counts


@pytest.mark.parametrize("variant, expected", [
    ("open-quote", 'c.csv:5: a quote (") opened on this line is never closed; close it or remove it'),
    ("duplicate-column", "c.csv:1: case_id: column 'case_id' appears twice in the header"),
    ("huge-cell", "c.csv:2: has a cell over 131,072 characters; is it the right file?"),
])
def test_misleading_cases_csvs_are_refused(tmp_path, monkeypatch, capsys, variant, expected) -> None:
    lines = CASES.splitlines()
    if variant == "open-quote":
        lines[4] = lines[4].replace(",", ',"', 1)
    elif variant == "duplicate-column":
        lines = [lines[0] + ",case_id"] + [ln + ",x" for ln in lines[1:]]
    else:
        lines.insert(1, "WS99," + "x" * 140_000 + ",a,b")
    cases_scenario(tmp_path, "\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path)
    assert one_error(*run(["validate", "s.toml"], capsys)) == f"auditor: error: {expected}"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_device_is_refused_not_read(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "fifo.toml")
    line = one_error(*run(["validate", "fifo.toml"], capsys))
    assert line == "auditor: error: fifo.toml: is not a regular file (a pipe, device or socket); give a file"
    cases_scenario(tmp_path, "x")
    (tmp_path / "c.csv").unlink()
    os.mkfifo(tmp_path / "c.csv")
    line = one_error(*run(["validate", "s.toml"], capsys))
    assert line.endswith("c.csv: is not a regular file (a pipe, device or socket); give a file"), line


@pytest.mark.parametrize("text, expected", [
    ("a = " + "[" * 900 + "]" * 900 + "\n", "is nested too deeply to read"),
    ("a = " + "[" * 30 + "]" * 30 + "\n", "is nested more than 12 levels deep"),
    (to_toml(base_scenario()).replace('"count" = 6', "count = 99999999999999999999999").replace(
        "count = 6", "count = 99999999999999999999999"), "is too large for a TOML integer"),
    (to_toml(base_scenario()).replace("schema_version = 1", "schema_version = 1.0"), "schema_version: must be 1"),
])
def test_hostile_toml_is_one_line(tmp_path, monkeypatch, capsys, text, expected) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    assert expected in one_error(*run(["validate", "s.toml"], capsys))


@pytest.mark.parametrize("argv, expected", [
    (["validate", "a\x00b.toml"], "contains a NUL character"),
    (["validate", "a/" * 3000 + "x.toml"], "a path has at most 4,000"),
    (["validate", "s.toml", "--set", 'scenario.title="a\nb"'], "--set: the value of scenario.title has a line break"),
    (["validate", "s.toml", "--set", "settings.zz.cost=5"], "auditor: error: --set: settings.zz.cost: the scenario has no setting 'zz'"),
])
def test_paths_and_set_values_are_one_line(tmp_path, monkeypatch, capsys, argv, expected) -> None:
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path)
    assert expected in one_error(*run(argv, capsys))


# ---- sizes bounded by the work they imply ---------------------------------------

def reported_sample(n, settings=("a", "b")) -> dict:
    return {"method": "bayes", "n": n,
            "reported": [{"current": s, "ideal": "b" if s != "b" else "a", "share": "1/2"} for s in settings]}


@pytest.mark.parametrize("n", [100_001, 10_000_000, 2**63 - 1])
def test_reported_n_is_capped_before_any_enumeration(tmp_path, monkeypatch, capsys, n) -> None:
    # Before the cap, n = 10,000,000 took 19 s and 2 GB and 2**63 - 1 never returned.
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path, sample=reported_sample(n))
    line = one_error(*run(["validate", "s.toml"], capsys))
    assert f"sample.n: must be at most 100,000, got {n:,}" in line, line


def test_transition_counts_are_capped(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path, sample={"transitions": [{"from": "a", "to": "a", "count": 6_000_000},
                                                    {"from": "a", "to": "b", "count": 6_000_000}]})
    line = one_error(*run(["validate", "s.toml"], capsys))
    assert "the counts add up to 12,000,000 cases, above the maximum 10,000,000" in line, line
    scenario_file(tmp_path, sample={"transitions": [{"from": "a", "to": "b", "count": 2**62}]})
    assert "must be at most 10,000,000" in one_error(*run(["validate", "s.toml"], capsys))


def test_too_many_splits_are_counted_not_built(tmp_path, monkeypatch, capsys) -> None:
    # Three unsized halves of n = 100,000 cases: each setting alone has 50,000
    # even sizes, so the first product alone would hold 2.5e9 pairs (20 GB).
    # The splits are counted from the sorted sizes first and refused.
    monkeypatch.chdir(tmp_path)
    doc = base_scenario(sample=reported_sample(100_000, ("a", "b", "c")))
    doc["settings"]["c"] = {"label": "C", "cost": 20000, "cohort": 0}
    (tmp_path / "s.toml").write_text(to_toml(doc), encoding="utf-8")
    line = one_error(*run(["validate", "s.toml"], capsys))
    assert "more than 1,000,000 possible compositions; narrow the `cases` ranges" in line, line


def test_counted_enumeration_matches_brute_force() -> None:
    # The counted product must list the same splits, in the same order, as the full product.
    import itertools

    from auditor.inputs.sample import CaseSample, Report, _row_sizes, enumerate_compositions
    reps = (Report("a", "b", 1 / 2, None, None, None, 0.05, "1/2"),
            Report("b", "a", 2 / 3, None, 2, 9, 0.05, "2/3"),
            Report("c", "a", 1 / 4, None, None, None, 0.05, "1/4"))
    sample = CaseSample("reported", "bayes", 0.5, (), n=20, reports=reps)
    _, sizes, _ = enumerate_compositions(["a", "b", "c"], sample)
    rows = [_row_sizes([r], 20)[0] for r in reps]
    # 2/3 of 2..9 cases within 5 points: 2 of 3, 4 of 6, 5 of 7 (0.714), 5 of 8 (0.625), 6 of 9.
    assert rows[1] == [3, 6, 7, 8, 9]
    expected = [s for s in itertools.product(*rows) if sum(s) <= 20]
    assert 0 < len(expected) < 10 * len(rows[0]) * 3
    assert [tuple(r) for r in sizes.tolist()] == expected


def test_documented_maximum_draws_are_refused_before_allocating(tmp_path, monkeypatch, capsys) -> None:
    # --draws 100000000 used to die of MemoryError after 20-48 s. So many draws do not keep
    # their inputs, so the run stores the 3 stages, plus 4 working columns:
    # 1e8 · (3 + 4) · 8 bytes = 5.2 GiB planned, and 2**32 / (7 · 8) = 76,695,844 draws fit.
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path)
    line = one_error(*run(["run", "s.toml", "--draws", "100000000", "--out", "out"], capsys))
    assert line == ("auditor: error: --draws: 100,000,000 draws would need about 5.2 GiB of memory (3 stored and "
                    "4 working columns of 8 bytes a draw), above the 4 GiB limit; run at most 76,695,844 draws"), line
    assert not (tmp_path / "out").exists()


WS_TOML = str(WS / "west-sussex-2023.toml")


@pytest.mark.parametrize("call, error, expected", [
    (lambda a, s: a.audit(123), TypeError, "scenario: must be a Scenario or the path of a scenario file"),
    (lambda a, s: a.audit(None), TypeError, "scenario: must be a Scenario or the path of a scenario file"),
    (lambda a, s: s.batch(None), TypeError, "paths: must be a path (str or pathlib.Path) or a list of paths"),
    (lambda a, s: s.batch([None]), TypeError, "paths[0]: must be a path (str or pathlib.Path), got NoneType"),
    (lambda a, s: s.batch([WS_TOML], executor="x"), ValueError, "executor: must be a concurrent.futures.Executor"),
    (lambda a, s: s.batch([WS_TOML], overrides=[1]), TypeError, "overrides: must be a dict of dotted scenario keys"),
    (lambda a, s: s.batch([WS_TOML], overrides={1: 2}), TypeError, "overrides: keys must be strings"),
    (lambda a, s: s.sweep(WS_TOML, [["run.draws", [1]]]), TypeError, "vary: must be a dict of dotted scenario keys"),
])
def test_api_arguments_are_checked_and_named(call, error, expected) -> None:
    import auditor
    from auditor import scripted
    with pytest.raises(error) as info:
        call(auditor, scripted)
    assert str(info.value).startswith(expected), str(info.value)


def test_api_batch_out_file_and_plot_ax_are_named(tmp_path) -> None:
    import auditor
    from auditor import scripted
    (tmp_path / "f").write_text("mine")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        scripted.batch([WS_TOML], out=tmp_path / "f", draws=100)
    assert (tmp_path / "f").read_text() == "mine"
    result = auditor.audit(WS_TOML, draws=1000, seed=1, analyses=False)
    with pytest.raises(TypeError, match=r"^ax: must be a matplotlib Axes"):
        result.plot(ax="x")


# ---- accepted but misleading: refused with the allowed range ---------------------------

TWO_CELLS = [{"from": "a", "to": "a", "count": 4}, {"from": "a", "to": "b", "count": 6}]


@pytest.mark.parametrize("prior, refused", [
    # 1e308 overflowed the Dirichlet to a £0 sampling stage and a COLLAPSES verdict; 1e307 said "holds".
    (1e308, True), (1e307, True), (1_000_001, True), (1e6, False), (1e-9, False), (0.5, False),
])
def test_prior_is_capped_at_a_million_cases_per_cell(tmp_path, monkeypatch, capsys, prior, refused) -> None:
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path, sample={"transitions": TWO_CELLS, "prior": prior})
    code, err = run(["validate", "s.toml"], capsys)
    if refused:
        assert "sample.prior: must be at most 1,000,000 cases per cell" in one_error(code, err)
    else:
        assert code == 0, err


@pytest.mark.parametrize("selectivity, refused", [
    (0, "must be > 0"), (0.0, "must be > 0"),
    ({"dist": "interval", "low": 0, "high": 10, "level": 0.9}, "the range must start above 0"),
    ({"dist": "uniform", "low": 0, "high": 5}, "the range must start above 0"),
    (1e-9, None), ({"dist": "interval", "low": 0.5, "high": 10, "level": 0.9}, None), (1, None),
])
def test_selectivity_must_be_positive(tmp_path, monkeypatch, capsys, selectivity, refused) -> None:
    # ρ = 0 says wrong decisions are never appealed: the judgement stage was a certain £0.
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path, judgement={"model": "selection", "selectivity": selectivity,
                                       "evidence": {"overturn_rate": 0.9}})
    code, err = run(["validate", "s.toml"], capsys)
    if refused:
        assert f"judgement.selectivity{'.low' if isinstance(selectivity, dict) else ''}: {refused}" in \
            one_error(code, err)
    else:
        assert code == 0, err


@pytest.mark.parametrize("end", ["low", "high"])
@pytest.mark.parametrize("amount, refused", [("£10,001bn", True), (1.0000001e13, True), ("£10,000bn", False)])
def test_claims_above_the_documented_cap_are_refused(tmp_path, monkeypatch, capsys, end, amount, refused) -> None:
    monkeypatch.chdir(tmp_path)
    claim = {"low": "£1m", "high": "£10,000bn"}
    claim[end] = amount
    scenario_file(tmp_path, claim=claim)
    code, err = run(["validate", "s.toml"], capsys)
    if refused:
        assert f"claim.{end}: must be at most £10,000bn, got {amount!r}" in one_error(code, err)
    else:
        assert code == 0, err


@pytest.mark.parametrize("name", [".", "..", "", " ", ".hidden", "a\nb", "a\x00b", "\x1b[2J", "sub/"])
def test_new_refuses_names_that_cannot_name_a_scenario(tmp_path, monkeypatch, capsys, name) -> None:
    # `auditor new .` was an internal error (empty name); `new ..` wrote '...toml', whose stem '..' run refuses.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    line = one_error(*run(["new", name], capsys))
    assert line.startswith(f"auditor: error: NAME: {name!r} cannot name a scenario file"), line
    assert files_under(tmp_path) == {}


def test_new_still_writes_ordinary_names(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    assert run(["new", "sub/my-council"], capsys)[0] == 0
    assert (tmp_path / "sub" / "my-council.toml").is_file()


def test_batch_names_the_scenario_an_override_fails_on(tmp_path, monkeypatch, capsys) -> None:
    # A --set that breaks one of the batch's scenarios printed "--set: settings.zz.cohort: missing"
    # without saying which scenario; each line now starts with the scenario's file.
    monkeypatch.chdir(tmp_path)
    scenario_file(tmp_path, "one.toml")
    scenario_file(tmp_path, "two.toml")
    code, err = run(["batch", "one.toml", "two.toml", "--out", "out", "--quiet", "--set", "settings.zz.cost=5"],
                    capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 2, err
    for line, name in zip(lines, ("one.toml", "two.toml")):
        assert line.startswith(f"auditor: error: {name}: --set: settings.zz"), line


def test_an_unmarked_older_track_folder_is_replaceable_but_not_one_with_other_files(tmp_path) -> None:
    # KINDS once listed "track" twice and the later, empty entry won, so no
    # unmarked track folder could ever be replaced.
    from auditor.errors import UsageError
    from auditor.report.folders import check_replaceable

    old = tmp_path / "t"
    old.mkdir()
    for name in ("track.json", "track.md", "track.png"):
        (old / name).write_text("x")
    check_replaceable(old, "track")
    (old / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="auditor did not write"):
        check_replaceable(old, "track")
