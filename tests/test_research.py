"""Researcher and finance-team outputs: tidy long frames, ``write_report``, ``report.xlsx``.

Independent checks: the long frame pivoted back is the wide frame; the
scenario hash in ``attrs`` is hashlib's SHA-256 of the file's bytes;
``write_report`` writes byte for byte what ``auditor run`` writes; the
spreadsheet's cells are read back with openpyxl and compared with
``summary.json``; the same seed gives the same spreadsheet bytes whatever the
clock says.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import auditor
from auditor.cli import main
from auditor.errors import ScenarioError, UsageError
from auditor.inputs.scenario import load_scenario
from auditor.frames import long_frame as _long_frame

ROOT = Path(__file__).resolve().parent.parent

try:
    import openpyxl
except ImportError:  # the xlsx extra (in the test extra) is not installed
    openpyxl = None
needs_openpyxl = pytest.mark.skipif(openpyxl is None, reason="needs the xlsx extra (openpyxl)")
WS = ROOT / "scenarios" / "west-sussex-2023.toml"
DRAWS, SEED = 300, 11


@pytest.fixture(scope="module")
def result():
    return auditor.audit(WS, draws=DRAWS, seed=SEED)


# ---- to_frame(long=True) -------------------------------------------------------

def test_long_pivots_back_to_wide(result):
    wide = result.to_frame()
    long = result.to_frame(long=True)
    assert len(long) == DRAWS * (wide.shape[1] - 1)
    back = long.pivot(index="draw", columns="quantity", values="value")
    back = back.rename(columns=long.attrs["names"])[list(wide.columns[1:])]
    assert np.array_equal(back.index.to_numpy(), wide["draw"].to_numpy())
    # Exactly equal, not close: the long frame copies the same float64 draws.
    assert np.array_equal(back.to_numpy(), wide.drop(columns="draw").to_numpy())


def test_long_names_are_identifiers_and_parts_match(result):
    long = result.to_frame(long=True)
    names = list(long["quantity"].cat.categories)
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n) for n in names)
    assert "share__state_special__mainstream" in names and "savings__full" in names
    row = long[long["quantity"] == "share__state_special__mainstream"].iloc[0]
    assert (row["group"], row["setting"], row["to"]) == ("share", "state_special", "mainstream")
    assert pd.isna(row["stage"])
    stages = long[long["group"] == "savings"]["stage"].unique().tolist()
    assert stages == ["sampling", "judgement", "full"]
    # A pandas query on the tidy table gives the same answer as the wide column.
    p = (long.query("quantity == 'savings__full'")["value"] >= result.scenario.claim.low).mean()
    assert p == result.summary()["p_meets_low"]


def test_wide_frame_is_unchanged(result):
    wide = result.to_frame()
    assert list(wide.columns[:1]) == ["draw"] and list(wide.columns[-3:]) == [
        "savings_sampling", "savings_judgement", "savings_full"]
    assert "share[state_special->mainstream]" in wide.columns


def test_attrs_carry_the_run(tmp_path):
    r = auditor.audit(WS, draws=200, seed=5, judgement__model="contest")
    expected_sha = hashlib.sha256(WS.read_bytes()).hexdigest()
    for frame in (r.to_frame(), r.to_frame(long=True)):
        a = frame.attrs
        assert (a["seed"], a["draws"], a["scenario_sha256"]) == (5, 200, expected_sha)
        assert a["overrides"] == {"judgement.model": "contest"}
        assert a["auditor_version"] == auditor.__version__ == r.summary()["auditor_version"]
        assert a["command"] == r.summary()["run"]["command"]
        json.dumps({k: v for k, v in a.items()})  # plain values only


def test_colliding_setting_names_stay_distinct():
    # Two settings that differ only in punctuation must not share a quantity name.
    keys = ("a-b", "a_b")
    cols = {"draw": np.arange(2), "cost[a-b]": np.array([1.0, 2.0]), "cost[a_b]": np.array([3.0, 4.0])}
    long = _long_frame(cols, keys)
    assert long.attrs["names"] == {"cost__a_b": "cost[a-b]", "cost__a_b_2": "cost[a_b]"}
    assert long["value"].tolist() == [1.0, 2.0, 3.0, 4.0]


# ---- write_report ----------------------------------------------------------------

def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_write_report_matches_the_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)  # the scenario path is recorded as given: give both the same one
    rel = "scenarios/west-sussex-2023.toml"
    formats = "json,md,draws,html,pdf" + (",xlsx" if openpyxl else "")
    assert main(["run", rel, "--draws", str(DRAWS), "--seed", str(SEED), "--out", str(tmp_path / "cli"),
                 "--format", formats, "--quiet"]) == 0
    r = auditor.audit(rel, draws=DRAWS, seed=SEED)
    out = r.write_report(tmp_path / "api", formats=formats.split(","))
    assert out == tmp_path / "api"
    cli, api = _files(tmp_path / "cli"), _files(tmp_path / "api")
    assert sorted(cli) == sorted(api) and {".auditor-output", "report.html", "brief.pdf"} <= set(api)
    assert {k for k in cli if cli[k] != api[k]} == set()


def test_write_report_refuses_a_folder_it_did_not_write(result, tmp_path):
    mine = tmp_path / "project"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(UsageError, match="auditor did not write"):
        result.write_report(mine, formats="json")
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"
    with pytest.raises(UsageError, match="formats: unknown format 'docx'"):
        result.write_report(tmp_path / "new", formats=["json", "docx"])
    assert not (tmp_path / "new").exists()
    # Replacing its own earlier report is allowed, and leaves nothing beside it.
    result.write_report(tmp_path / "r", formats="json")
    result.write_report(tmp_path / "r", formats="json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "r"]


# ---- report.xlsx -----------------------------------------------------------------



@needs_openpyxl
def test_xlsx_cells_match_the_summary(result, tmp_path):
    from auditor.report.xlsx import xlsx_bytes

    s = result.summary()
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(result)))
    assert wb.sheetnames == ["summary", "ladder", "reliability", "inputs", "sources"]
    items = {row[0]: row[1] for row in wb["summary"].iter_rows(min_row=2, values_only=True)}
    assert items["Seed"] == SEED and items["Draws"] == DRAWS and items["Verdict"] == s["verdict"]
    assert items["Scenario file SHA-256"] == hashlib.sha256(WS.read_bytes()).hexdigest()
    assert items["Audited savings: median"] == pytest.approx(s["savings"]["median"], rel=1e-14)
    assert items["Chance of reaching the low end"] == s["p_meets_low"]
    ladder = [row for row in wb["ladder"].iter_rows(min_row=2, values_only=True)]
    assert [r[0] for r in ladder] == ["point", "sampling", "judgement", "full"]
    # openpyxl writes 15 significant digits (what a spreadsheet keeps), not all 17.
    assert [r[2] for r in ladder] == pytest.approx([st["median"] for st in s["stages"]], rel=1e-14)
    assert wb["ladder"]["C2"].number_format == '"£"#,##0' and wb["ladder"]["F2"].number_format == "0.0%"
    readings = [row[0] for row in wb["reliability"].iter_rows(min_row=2, values_only=True)]
    assert readings == [row["name"] for row in s["judgement"]["ladder"]]
    settings = [row for row in wb["inputs"].iter_rows(min_row=2, max_row=5, values_only=True)]
    assert [(r[0], r[2]) for r in settings] == [(st.key, st.cohort) for st in result.scenario.settings]
    sources = [row[1] for row in wb["sources"].iter_rows(min_row=2, values_only=True)]
    assert all(x in sources for x in result.scenario.sources)


def _clock(monkeypatch, when: datetime.datetime) -> None:
    """Make openpyxl and zipfile see ``when`` as the time of saving."""
    import time

    import openpyxl.writer.excel as excel

    class Frozen(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return when if tz is None else when.replace(tzinfo=tz)

    monkeypatch.setattr(excel, "datetime", types.SimpleNamespace(datetime=Frozen, timezone=datetime.timezone))
    monkeypatch.setattr(time, "time", lambda: when.timestamp())


@needs_openpyxl
def test_xlsx_bytes_do_not_depend_on_the_clock(result, monkeypatch):
    from auditor.report.xlsx import FIXED_TIME, _fixed_zip, xlsx_bytes

    _clock(monkeypatch, datetime.datetime(2031, 5, 6, 7, 8, 9))
    first = xlsx_bytes(result)
    wb = openpyxl.Workbook()
    raw_first = io.BytesIO()
    wb.save(raw_first)
    _clock(monkeypatch, datetime.datetime(2032, 1, 2, 3, 4, 5))
    second = xlsx_bytes(result)
    raw_second = io.BytesIO()
    wb.save(raw_second)
    # The check can fail: openpyxl's own bytes do change with the clock ...
    assert raw_first.getvalue() != raw_second.getvalue()
    # ... and auditor's do not.
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {FIXED_TIME.timetuple()[:6]}
        core = z.read("docProps/core.xml").decode()
    assert core.count("2000-01-01T00:00:00Z") == 2 and "2031" not in core
    assert _fixed_zip(raw_first.getvalue()) == _fixed_zip(raw_second.getvalue())


@needs_openpyxl
def test_cli_xlsx_same_seed_same_bytes(tmp_path, capsys):
    for name in ("a", "b"):
        assert main(["run", str(WS), "--draws", "200", "--seed", "3", "--out", str(tmp_path / name),
                     "--format", "xlsx", "--quiet"]) == 0
    assert (tmp_path / "a" / "report.xlsx").read_bytes() == (tmp_path / "b" / "report.xlsx").read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [".auditor-output", "report.xlsx"]


@needs_openpyxl
def test_xlsx_never_writes_a_formula(tmp_path):
    text = WS.read_text(encoding="utf-8")
    title = '=HYPERLINK("http://example.invalid","click")'
    text = re.sub(r'(?m)^title = .*$', f"title = {json.dumps(title)}", text, count=1)
    text = text.replace('authority = "West Sussex County Council"', 'authority = "@SUM(1+1)\\u0007"')
    path = tmp_path / "evil.toml"
    path.write_text(text, encoding="utf-8")
    from auditor.report.xlsx import xlsx_bytes

    r = auditor.audit(path, draws=50, seed=1)
    assert r.scenario.title == title
    data = xlsx_bytes(r)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    values = {c.value for c in cells if isinstance(c.value, str)}
    assert "'" + title in values
    assert any(v.startswith("'@SUM(1+1)") and "\\x07" in v for v in values)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_xlsx_extra_missing_is_a_usage_error(result, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(UsageError, match=r"^formats: xlsx needs the optional openpyxl package"):
        result.write_report(tmp_path / "x", formats="xlsx")
    assert not (tmp_path / "x").exists()


# ---- cohorts written as text -------------------------------------------------------

def test_cohort_accepts_whole_number_text(tmp_path):
    text = WS.read_text(encoding="utf-8")
    assert "cohort = 2374" in text
    for written in ('"2374"', '"2,374"', '" 2374 "'):
        path = tmp_path / "s.toml"
        path.write_text(text.replace("cohort = 2374", f"cohort = {written}"), encoding="utf-8")
        assert load_scenario(path).setting("mainstream").cohort == 2374
    for written, why in (('"2374.5"', "cannot have a fraction"), ('"about 2374"', "whole number >= 0")):
        path.write_text(text.replace("cohort = 2374", f"cohort = {written}"), encoding="utf-8")
        with pytest.raises(ScenarioError, match=why):
            load_scenario(path)


@needs_openpyxl
def test_batch_writes_chosen_formats_with_any_jobs(tmp_path, capsys):
    paths = [str(WS), str(ROOT / "scenarios" / "bcp-2023.toml")]
    assert main(["batch", *paths, "--draws", "200", "--seed", "2", "--out", str(tmp_path / "one"),
                 "--format", "json,xlsx", "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "one" / "west-sussex-2023").iterdir()) == [
        ".auditor-output", "inputs.json", "report.xlsx", "summary.json"]
    auditor.batch(paths, out=tmp_path / "two", draws=200, seed=2, jobs=2, formats=["json", "xlsx"])
    for stem in ("west-sussex-2023", "bcp-2023"):
        assert _files(tmp_path / "one" / stem) == _files(tmp_path / "two" / stem)
    with pytest.raises(UsageError, match="formats: unknown format 'xls'"):
        auditor.batch(paths, formats="xls")


def test_sweep_and_batch_tables_have_a_header(tmp_path, capsys):
    assert main(["sweep", str(WS), "--vary", "judgement.model=face_value,contest", "--draws", "200", "--seed", "1",
                 "--out", str(tmp_path / "s")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["verdict", "median", "90%", "interval", "P(>=", "low)", "judgement.model"]
    # Each column's header ends where its values end (right-aligned under it).
    assert lines[0].index("P(>= low)") + len("P(>= low)") == lines[1].index("%") + 1
    assert main(["batch", str(WS), "--draws", "200", "--seed", "1", "--out", str(tmp_path / "b")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["verdict", "median", "90%", "interval", "file"]
    assert lines[0].index("median") + len("median") == lines[1].index("m ") + 1


def test_write_report_messages_are_the_catalogues(result, tmp_path, monkeypatch):
    # docs/errors.md, entry `api-write-report`: every documented line is reproduced here.
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    block = re.search(r"### `api-write-report`.*?```python\n(.*?)```", text, re.S).group(1)
    documented = block.strip().splitlines()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "notes.txt").write_text("mine", encoding="utf-8")
    seen = []
    for folder, formats in (("new", ["json", "docx"]), ("new", "xlsx"), ("project", "json")):
        with monkeypatch.context() as m:
            m.setitem(sys.modules, "openpyxl", None)
            with pytest.raises(UsageError) as info:
                result.write_report(folder, formats=formats)
        seen.append(f"auditor.UsageError: {info.value}")
    assert seen == documented
