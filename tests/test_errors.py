"""The error catalogue (docs/errors.md): every entry is reproduced here.

Each entry of ``docs/errors.md`` has an id (``### `toml-syntax` …``) and the
exact line the user sees. :data:`CATALOGUE` builds the example input of each
entry in a temporary folder, runs ``auditor.cli.main`` in-process there, and
checks: exactly one line on stderr, equal to the one in the docs; exit code 2;
no traceback. A catalogue entry without a test, or a test without an entry,
fails :func:`test_catalogue_and_docs_list_the_same_errors`.

The second half checks that what people paste is accepted: a byte-order
mark, CRLF line ends, trailing blank lines, thousands separators and
£/k/m/bn in money, and setting names that differ only in case, spaces or
hyphens (normalised and reported in ``summary.json`` and ``report.md``).
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.inputs.scenario import load_scenario
from strategies import base_scenario, to_toml, transitions

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "errors.md"
WS_TOML = (ROOT / "scenarios" / "west-sussex-2023-cases.toml").read_text(encoding="utf-8")
WS_CSV = (ROOT / "scenarios" / "west-sussex-2023.cases.csv").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Case:
    """One catalogue entry: files to write into an empty folder and the command to run there."""

    files: dict[str, str | bytes]
    argv: tuple[str, ...] = ("validate", "scenario.toml")
    folders: tuple[str, ...] = field(default=())
    fifos: tuple[str, ...] = field(default=())
    #: Modules made unimportable for the entry (an optional extra that is not installed).
    missing: tuple[str, ...] = field(default=())


def toml(**changes) -> str:
    return to_toml(base_scenario(**changes))


def settings(a_cost=30000, a_cohort=100) -> dict:
    return {"a": {"label": "A", "cost": a_cost, "cohort": a_cohort},
            "b": {"label": "B", "cost": 10000, "cohort": 0}}


def with_cases(csv_name: str = "cases.csv") -> str:
    """West Sussex, reading its cases from ``csv_name``."""
    return WS_TOML.replace('cases = "west-sussex-2023.cases.csv"', f'cases = "{csv_name}"')


# Reported findings that no split of n = 5 cases can meet: 2/3 of a group needs
# a multiple of three cases, and 1/2 of another a multiple of two; 3 + 2 = 5
# fits, so ask for 3/4 instead (4 cases) to overflow n.
REPORTED_TOO_MANY = """\
[sample]
n = 5
reported = [
  { current = "a", ideal = "b", share = "2/3" },
  { current = "b", ideal = "a", share = "3/4" },
]
"""



def halves(n: int, currents: str) -> dict:
    """A `reported` sample: half of each listed setting moves, no sub-group sizes given."""
    return {"method": "bayes", "n": n,
            "reported": [{"current": s, "ideal": "b" if s != "b" else "a", "share": "1/2"} for s in currents]}


THREE_SETTINGS = base_scenario(sample=halves(100_000, "abc"))
THREE_SETTINGS["settings"]["c"] = {"label": "C", "cost": 20000, "cohort": 0}

CATALOGUE: dict[str, Case] = {
    # ---- the file itself
    "scenario-not-found": Case({}, ("validate", "missing.toml")),
    "scenario-is-a-folder": Case({}, ("validate", "scenarios"), folders=("scenarios",)),
    "not-utf8": Case({"scenario.toml": toml().replace('"Test claim"', '"Caf\xe9 claim"').encode("latin-1")}),
    "toml-syntax": Case({"scenario.toml": toml().replace('title = "Test claim"', 'title = "Test claim')}),
    "not-a-regular-file": Case({}, fifos=("scenario.toml",)),
    "file-too-large": Case({"scenario.toml": toml() + "#" * (16 * 2**20) + "\n"}),
    "not-utf16": Case({"scenario.toml": b"\xff\xfe" + toml().encode("utf-16-le")[:-1]}),
    "path-has-nul": Case({}, ("validate", "scen\x00ario.toml")),
    "path-too-long": Case({}, ("validate", "a/" * 2000 + "scenario.toml")),
    "toml-nested-too-deeply": Case({"scenario.toml": "a = " + "[" * 900 + "]" * 900 + "\n"}),
    "toml-too-many-levels": Case({"scenario.toml": toml() + "\n[x]\ny = " + "[" * 20 + "]" * 20 + "\n"}),
    "toml-integer-too-large": Case({"scenario.toml": toml().replace("count = 6", "count = 99999999999999999999999")}),
    "schema-version-wrong": Case({"scenario.toml": toml().replace("schema_version = 1", "schema_version = 1.0")}),
    # ---- structure
    "missing-schema-version": Case({"scenario.toml": toml().replace("schema_version = 1\n", "")}),
    "missing-section": Case({"scenario.toml": toml(claim=None)}),
    "missing-key": Case({"scenario.toml": toml(claim={"high": "£2m"})}),
    "unknown-key": Case({"scenario.toml": toml(run={"draw": 5000, "seed": 1})}),
    "wrong-type": Case({"scenario.toml": toml(settings=settings(a_cohort="about 100"))}),
    "too-few-settings": Case({"scenario.toml": toml(settings={"a": settings()["a"]},
                                                     sample={"transitions": transitions({("a", "a"): 3})})}),
    "duplicate-setting": Case({"scenario.toml": toml().replace("[settings.b]", '[settings."A "]')}),
    # ---- numbers
    "negative-number": Case({"scenario.toml": toml(settings=settings(a_cost=-30000))}),
    "not-finite": Case({"scenario.toml": toml().replace("cost = 30000", "cost = nan")}),
    "money-too-large": Case({"scenario.toml": toml(settings=settings(a_cost="£20,000bn"))}),
    "claim-too-large": Case({"scenario.toml": toml(claim={"low": "£1m", "high": "£20,000bn"})}),
    "spread-too-wide": Case({"scenario.toml": toml(settings=settings(
        a_cost={"dist": "interval", "low": 1000, "high": 70000, "level": 0.1}))}),
    "malformed-money": Case({"scenario.toml": toml(claim={"low": "£17.8bn?", "high": "£2m"})}),
    "claim-low-above-high": Case({"scenario.toml": toml(claim={"low": "£46.7m", "high": "£17.8m"})}),
    "template-placeholder": Case({"scenario.toml": toml(claim={"low": "FILL IN: the published low end",
                                                                "high": "£2m"})}),
    "cohort-not-whole": Case({"scenario.toml": toml(settings=settings(a_cohort="600.5"))}),
    "claim-derived-not-bool": Case({"scenario.toml": toml(claim={"low": "£1m", "high": "£2m", "derived": "yes"})}),
    "share-out-of-range": Case({"scenario.toml": toml(implementation={"realisation": 1.5})}),
    "low-above-high": Case({"scenario.toml": toml(implementation={
        "realisation": {"dist": "uniform", "low": 0.9, "high": 0.5}})}),
    "mode-outside-range": Case({"scenario.toml": toml(settings=settings(
        a_cost={"dist": "triangular", "low": 48500, "mode": 75000, "high": 70353}))}),
    "unknown-dist": Case({"scenario.toml": toml(implementation={
        "realisation": {"dist": "gaussian", "mean": 0.8, "sd": 0.1}})}),
    "unknown-model": Case({"scenario.toml": toml(judgement={"model": "sceptical"})}),
    "unknown-budget": Case({"scenario.toml": toml(claim={"low": "£1m", "high": "£2m", "per": "year",
                                                         "budget": "schools"})}),
    "correlation-out-of-range": Case({"scenario.toml": toml(costs={"correlation": 1.5})}),
    "selectivity-not-positive": Case({"scenario.toml": toml(judgement={
        "model": "selection", "selectivity": {"dist": "interval", "low": 0, "high": 10},
        "evidence": {"overturn_rate": 0.9}})}),
    "selection-bias-not-positive": Case({"scenario.toml": toml(sample={
        "transitions": transitions({("a", "a"): 4, ("a", "b"): 6}), "selection_bias": 0})}),
    "partial-without-note": Case({"scenario.toml": toml(claim={"low": "£1m", "high": "£2m", "per": "year",
                                                               "scope": "partial"})}),
    "win-probabilities-overlap": Case({"scenario.toml": toml(judgement={
        "model": "selection", "win_if_right": {"dist": "uniform", "low": 0.5, "high": 0.9},
        "win_if_wrong": {"dist": "uniform", "low": 0.85, "high": 1}})}),
    # ---- council data (DfE)
    "la-code-unknown": Case({"scenario.toml": toml(scenario={"title": "Test claim", "la_code": "999",
                                                             "census_year": 2023})}),
    "census-year-out-of-range": Case({"scenario.toml": toml(scenario={"title": "Test claim", "la_code": "938",
                                                                      "census_year": 2026})}),
    "census-year-not-published": Case({"scenario.toml": toml(scenario={"title": "Test claim", "la_code": "942",
                                                                       "census_year": 2023})}),
    "dfe-unknown-category": Case({"scenario.toml": toml().replace('label = "A"', 'label = "A"\ndfe = "special"')}),
    "council-unknown": Case({}, ("new", "mine", "--council", "West Susex")),
    "council-year-not-published": Case({}, ("new", "mine", "--council", "Cumberland", "--year", "2023")),
    "track-needs-council": Case({"scenario.toml": toml()}, ("track", "scenario.toml")),
    "track-until-out-of-range": Case({"scenario.toml": toml(scenario={"title": "Test claim", "la_code": "938",
                                                                      "census_year": 2023})},
                                     ("track", "scenario.toml", "--until", "2030")),
    # ---- the case review
    "unknown-setting-in-transitions": Case({"scenario.toml": toml(
        sample={"transitions": transitions({("a", "a"): 4, ("a", "hospital"): 6})})}),
    "unknown-key-in-transition": Case({"scenario.toml": toml(
        sample={"transitions": [{"from": "a", "to": "b", "count": 6, "weight": 2}]})}),
    "empty-sample": Case({"scenario.toml": toml(sample={"transitions": transitions({("a", "b"): 0})})}),
    "reported-cannot-fit": Case({"scenario.toml": toml(sample=None) + "\n" + REPORTED_TOO_MANY}),
    "review-too-large-n": Case({"scenario.toml": toml(sample=halves(200_000, "a"))}),
    "review-too-large-count": Case({"scenario.toml": toml(
        sample={"transitions": transitions({("a", "a"): 4, ("a", "b"): 20_000_000})})}),
    "review-too-large-total": Case({"scenario.toml": toml(
        sample={"transitions": transitions({("a", "a"): 6_000_000, ("a", "b"): 6_000_000})})}),
    "reported-too-many-splits": Case({"scenario.toml": to_toml(THREE_SETTINGS)}),
    "prior-too-large": Case({"scenario.toml": toml(sample={
        "transitions": transitions({("a", "a"): 4, ("a", "b"): 6}), "prior": 1e308})}),
    "unknown-prior": Case({"scenario.toml": toml(sample={"transitions": transitions({("a", "a"): 4, ("a", "b"): 6}),
                                                         "prior": "flat"})}),
    "unknown-basis": Case({"scenario.toml": toml(sample={"transitions": transitions({("a", "a"): 4, ("a", "b"): 6}),
                                                         "basis": "target"})}),
    "impossible-move-made": Case({"scenario.toml": toml(sample={
        "transitions": transitions({("a", "a"): 4, ("a", "b"): 6}),
        "impossible": [{"from": "a", "to": "b", "reason": "no places in b"}]})}),
    "cases-not-found": Case({"scenario.toml": with_cases("missing.csv")}),
    "cases-outside-folder": Case({"scenario.toml": with_cases("../cases.csv")}),
    "cases-not-utf8": Case({"scenario.toml": with_cases(),
                            "cases.csv": WS_CSV.replace("WS28", "WS28\u00e9").encode("latin-1")}),
    "cases-missing-column": Case({"scenario.toml": with_cases(),
                                  "cases.csv": WS_CSV.replace("case_id,current,ideal", "case_id,current,ideal_setting",
                                                              1)}),
    "cases-unknown-setting": Case({"scenario.toml": with_cases(),
                                   "cases.csv": WS_CSV.rstrip("\n") + "\nWS29,hospital school,mainstream,placement\n"}),
    "cases-duplicate-id": Case({"scenario.toml": with_cases(),
                                "cases.csv": WS_CSV.rstrip("\n") + "\nWS07,mainstream,mainstream,already ideal\n"}),
    "cases-open-quote": Case({"scenario.toml": with_cases(),
                              "cases.csv": WS_CSV.replace("\nWS05,", '\n"WS05,', 1)}),
    "cases-duplicate-column": Case({"scenario.toml": with_cases(),
                                    "cases.csv": WS_CSV.replace("case_id,current,ideal,reason",
                                                                "case_id,current,ideal,current", 1)}),
    "cases-unnamed-column": Case({"scenario.toml": with_cases(),
                                  "cases.csv": WS_CSV.replace("case_id,current,ideal,reason",
                                                              "case_id,,current,ideal,reason", 1)}),
    "cases-cell-too-long": Case({"scenario.toml": with_cases(),
                                 "cases.csv": WS_CSV.replace("WS05,", "WS05" + "x" * 140_000 + ",", 1)}),
    "cases-wrong-field-count": Case({"scenario.toml": with_cases(),
                                     "cases.csv": WS_CSV.rstrip("\n") + "\nWS29,mainstream\n"}),
    "cases-empty": Case({"scenario.toml": with_cases(), "cases.csv": "case_id,current,ideal,reason\n"}),
    # ---- run size and seed
    "draws-out-of-range": Case({"scenario.toml": toml(run={"draws": 0, "seed": 1})}),
    "seed-out-of-range": Case({"scenario.toml": toml(run={"draws": 1000, "seed": -1})}),
    "option-draws-out-of-range": Case({"scenario.toml": toml()},
                                      ("run", "scenario.toml", "--draws", "200000000", "--out", "out")),
    "draws-need-too-much-memory": Case({"scenario.toml": toml()},
                                       ("run", "scenario.toml", "--draws", "100000000", "--out", "out")),
    "option-seed-out-of-range": Case({"scenario.toml": toml()},
                                     ("run", "scenario.toml", "--seed", "-5", "--out", "out")),
    "option-not-a-number": Case({"scenario.toml": toml()}, ("run", "scenario.toml", "--draws", "10k")),
    # ---- --set and --out
    "set-unknown-key": Case({"scenario.toml": toml()}, ("validate", "scenario.toml", "--set", "run.draw=5000")),
    "set-value-line-break": Case({"scenario.toml": toml()},
                                 ("validate", "scenario.toml", "--set", 'scenario.title="Two\nlines"')),
    "set-without-equals": Case({"scenario.toml": toml()}, ("validate", "scenario.toml", "--set", "run.draws")),
    "set-unknown-setting": Case({"scenario.toml": toml()}, ("validate", "scenario.toml", "--set", "settings.aa.cost=5")),
    "set-placeholder": Case({"scenario.toml": toml()}, ("validate", "scenario.toml", "--set",
                                                        'claim.low="FILL IN: the published low end"')),
    "format-unknown": Case({"scenario.toml": toml()}, ("run", "scenario.toml", "--format", "html,xls")),
    "xlsx-extra-missing": Case({"scenario.toml": toml()}, ("run", "scenario.toml", "--format", "xlsx"),
                               missing=("openpyxl",)),
    "out-is-a-file": Case({"scenario.toml": toml(), "out": "a file"},
                          ("run", "scenario.toml", "--out", "out")),
    "out-not-ours": Case({"scenario.toml": toml(), "project/notes.txt": "mine"},
                         ("run", "scenario.toml", "--out", "project"), folders=("project",)),
    "out-other-kind": Case({"scenario.toml": toml(), "out/.auditor-output": "batch\n"},
                           ("run", "scenario.toml", "--out", "out"), folders=("out",)),
    "out-current-folder": Case({"scenario.toml": toml()}, ("run", "scenario.toml", "--out", ".")),
    "out-name-too-long": Case({"scenario.toml": toml()}, ("run", "scenario.toml", "--out", "x" * 201)),
    "out-stem-unusable": Case({"..toml": toml()}, ("run", "..toml")),
    "batch-index-not-ours": Case({"scenario.toml": toml(), "out/index.csv": "my,own\n"},
                                 ("batch", "scenario.toml", "--out", "out"), folders=("out",)),
    "new-name-unusable": Case({}, ("new", ".")),
    "batch-stem-is-index": Case({"index.csv.toml": toml()}, ("batch", "index.csv.toml", "--out", "out")),
}


def documented() -> dict[str, str]:
    """Entry id → the error line shown in docs/errors.md."""
    text = DOC.read_text(encoding="utf-8")
    out = {}
    for m in re.finditer(r"^### `([a-z0-9-]+)`.*?\n```text\n(auditor: error: [^\n]+)\n```", text, re.M | re.S):
        out[m.group(1)] = m.group(2)
    return out


def test_catalogue_and_docs_list_the_same_errors() -> None:
    assert sorted(documented()) == sorted(CATALOGUE)


@pytest.mark.parametrize("entry", sorted(CATALOGUE))
def test_catalogue_entry(entry: str, tmp_path: Path, monkeypatch, capsys) -> None:
    case = CATALOGUE[entry]
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "cases.csv").write_text(WS_CSV, encoding="utf-8")  # for cases-outside-folder
    for name in case.folders:
        (work / name).mkdir()
    for name in case.fifos:
        os.mkfifo(work / name)
    for name, content in case.files.items():
        if isinstance(content, bytes):
            (work / name).write_bytes(content)
        else:
            (work / name).write_text(content, encoding="utf-8")
    monkeypatch.chdir(work)
    for module in case.missing:
        monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ImportError
    code = main(list(case.argv))
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    assert lines[0] == documented()[entry]


# ---- what people paste is accepted --------------------------------------------

def test_bom_crlf_and_trailing_blank_lines_are_accepted(tmp_path: Path) -> None:
    text = toml().replace("\n", "\r\n") + "\r\n\r\n\r\n"
    path = tmp_path / "pasted.toml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    from dataclasses import replace

    pasted, plain = load_scenario(path), load_scenario_text(tmp_path, toml())
    # Same content; only the file's own identity (path and hash of its bytes) differs.
    assert replace(pasted, path=None, sha256=None) == replace(plain, path=None, sha256=None)


def load_scenario_text(folder: Path, text: str):
    path = folder / "plain.toml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


def test_cases_csv_with_bom_crlf_and_blank_lines_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "scenario.toml").write_text(with_cases(), encoding="utf-8")
    (tmp_path / "cases.csv").write_bytes(b"\xef\xbb\xbf" + (WS_CSV.replace("\n", "\r\n") + "\r\n\r\n").encode())
    pasted = load_scenario(tmp_path / "scenario.toml")
    shipped = load_scenario(ROOT / "scenarios" / "west-sussex-2023-cases.toml")
    assert pasted.sample.counts == shipped.sample.counts
    assert pasted.sample.n_cases == 28


@pytest.mark.parametrize("written, pounds", [
    ("£17.8m", 17_800_000), ("£46,700,000", 46_700_000), ("250k", 250_000), ("£1.2bn", 1_200_000_000),
    (" £ 17.8 million ", 17_800_000), ("17,800,000", 17_800_000), ("£3.5M", 3_500_000),
])
def test_money_as_people_write_it(written: str, pounds: float, tmp_path: Path) -> None:
    s = load_scenario_text(tmp_path, toml(claim={"low": written, "high": "£2bn"}))
    assert s.claim.low == pounds


def pasted_names_scenario() -> str:
    """Settings declared as ``state_special``/``mainstream``; the review written as people paste names."""
    doc = base_scenario(
        settings={"state_special": {"cost": 20000, "cohort": 100}, "mainstream": {"cost": 8000, "cohort": 500}},
        sample={"transitions": [{"from": "State Special", "to": "state-special", "count": 4},
                                {"from": "STATE SPECIAL", "to": " Mainstream ", "count": 6}]})
    return to_toml(doc)


def test_setting_names_are_normalised_and_reported(tmp_path: Path) -> None:
    s = load_scenario_text(tmp_path, pasted_names_scenario())
    # 4 stay, 6 move: the counts land on the declared keys.
    assert s.sample.counts == (("state_special", "state_special", 4), ("state_special", "mainstream", 6))
    written = {a for a, _ in s.normalised}
    assert {"State Special", "state-special", "STATE SPECIAL", " Mainstream "} <= written


def test_normalised_names_appear_in_summary_and_report(tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.toml"
    path.write_text(pasted_names_scenario(), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "--draws", "500", "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    pairs = {(x["written"], x["read_as"]) for x in summary["normalised_names"]}
    assert ("State Special", "state_special") in pairs and (" Mainstream ", "mainstream") in pairs
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Setting names read after normalising" in report and "State Special" in report


def test_cases_csv_names_are_normalised_and_reported(tmp_path: Path) -> None:
    (tmp_path / "scenario.toml").write_text(with_cases(), encoding="utf-8")
    pasted = WS_CSV.replace("WS01,state_special,state_special", "WS01,State Special,STATE-SPECIAL")
    (tmp_path / "cases.csv").write_text(pasted, encoding="utf-8")
    s = load_scenario(tmp_path / "scenario.toml")
    shipped = load_scenario(ROOT / "scenarios" / "west-sussex-2023-cases.toml")
    assert s.sample.counts == shipped.sample.counts
    assert {("State Special", "state_special"), ("STATE-SPECIAL", "state_special")} <= set(s.normalised)


# ---- the catalogue against the code ------------------------------------------------

ERROR_CLASSES = {"ScenarioError", "UsageError", "UsageTypeError", "DataError", "AuditorError", "error"}
UNCATALOGUED = Path(__file__).resolve().parent / "uncatalogued_errors.txt"


def _literal_head(node) -> str | None:
    """The literal text of a message expression, with ``\\x00`` where a value is formatted in."""
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "\x00" for v in node.values)
    if isinstance(node, ast.BinOp):
        left, right = _literal_head(node.left), _literal_head(node.right)
        return None if left is None and right is None else f"{left or ''}\x00{right or ''}"
    return None


def raised_messages() -> dict[str, str]:
    """Fragment → ``file:line`` for every error auditor raises with a message written in the code.

    The fragment is the longest piece of literal text in the message (at most 40
    characters, at least 8): what a reader of docs/errors.md would find by searching.
    """
    import ast

    out: dict[str, str] = {}
    for path in sorted((ROOT / "auditor").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args):
                continue
            func = node.exc.func
            if getattr(func, "id", getattr(func, "attr", None)) not in ERROR_CLASSES:
                continue
            head = _literal_head(node.exc.args[0])
            pieces = [p.strip() for p in (head or "").split("\x00") if len(p.strip()) >= 8]
            if pieces:
                fragment = " ".join(max(pieces, key=len).split())[:40].strip()
                out.setdefault(fragment, f"{path.relative_to(ROOT)}:{node.lineno}")
    return out


def listed_uncatalogued() -> set[str]:
    lines = UNCATALOGUED.read_text(encoding="utf-8").splitlines()
    return {ln.rstrip("\n") for ln in lines if ln and not ln.startswith("#")}


def test_every_message_in_the_code_is_catalogued_or_listed() -> None:
    # A message added to the code must get a catalogue entry (or at least appear in one's
    # text); tests/uncatalogued_errors.txt lists the older ones still without, and may only shrink.
    doc = DOC.read_text(encoding="utf-8")
    missing = {frag: where for frag, where in raised_messages().items() if frag not in doc}
    listed = listed_uncatalogued()
    new = {frag: where for frag, where in missing.items() if frag not in listed}
    assert not new, ("error messages neither in docs/errors.md nor in tests/uncatalogued_errors.txt "
                     f"(add a catalogue entry): {new}")
    stale = listed - set(missing)
    assert not stale, f"now catalogued or gone from the code; delete from tests/uncatalogued_errors.txt: {stale}"


def test_contents_lists_every_entry_once() -> None:
    text = DOC.read_text(encoding="utf-8")
    contents = text[text.index("## Contents"):text.index("\n## ", text.index("## Contents") + 5)]
    linked = re.findall(r"\[`([a-z0-9-]+)`\]\(#\1\)", contents)
    entries = re.findall(r"^### `([a-z0-9-]+)`", text, re.M)
    assert len(linked) == len(set(linked)), "an entry is listed twice in the contents"
    assert sorted(linked) == sorted(entries)
