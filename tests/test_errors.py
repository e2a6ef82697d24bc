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
    #: Symbolic links to make, name → target (a link to itself is a loop).
    links: dict[str, str] = field(default_factory=dict)
    #: Functions ("module.attr") that fail as a folder without write permission would; the
    #: tests run as users who may write anywhere, so permission errors are simulated.
    denied: tuple[str, ...] = field(default=())


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


TWO_CELLS = transitions({("a", "a"): 4, ("a", "b"): 6})
HALF_MOVE = {"current": "a", "ideal": "b", "share": "1/2"}


def reported(findings: list, n: int = 10) -> str:
    """A scenario whose review is given as published findings about ``n`` cases."""
    return toml(sample={"method": "bayes", "n": n, "reported": findings})


def scrutinised(evidence, **judgement) -> str:
    return toml(judgement={"model": "scrutinised", "evidence": evidence, **judgement})


def realisation(value) -> str:
    return toml(implementation={"realisation": value})


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
        "transitions": TWO_CELLS, "selection_bias": 0})}),
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
        "transitions": TWO_CELLS, "prior": 1e308})}),
    "unknown-prior": Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS,
                                                         "prior": "flat"})}),
    "unknown-basis": Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS,
                                                         "basis": "target"})}),
    "impossible-move-made": Case({"scenario.toml": toml(sample={
        "transitions": TWO_CELLS,
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

# ---- entries added with the older messages they cover (see ALSO for the rest of each family)
CATALOGUE.update({
    "value-not-allowed": Case({"scenario.toml": toml(claim={"low": "£1m", "high": "£2m", "per": "month"})}),
    "number-out-of-range": Case({"scenario.toml": toml().replace("cohort = 100\n",
                                                                 "cohort = 100\nnew_per_year = -1\n")}),
    "dist-parameter-out-of-range": Case({"scenario.toml": toml(settings=settings(
        a_cost={"dist": "normal", "mean": 30000, "sd": 0}))}),
    "evidence-unusable": Case({"scenario.toml": scrutinised("tribunal:1999/00")}),
    "sample-forms-conflict": Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS,
                                                                 "reported": [HALF_MOVE]})}),
    "flow-field-misplaced": Case({"scenario.toml": toml(implementation={"length_of_stay_years": 3})}),
    "file-unreadable": Case({}, links={"scenario.toml": "scenario.toml"}),
    "vary-malformed": Case({"scenario.toml": toml()}, ("sweep", "scenario.toml", "--vary", "run.seed")),
    "new-file-exists": Case({"scenario.toml": toml()}, ("new", "scenario")),
    "out-cannot-write": Case({"scenario.toml": toml(), "afile": "x"}, ("run", "scenario.toml", "--out", "afile/sub")),
})


def cases_csv(csv: str) -> Case:
    return Case({"scenario.toml": with_cases(), "cases.csv": csv})


def with_column(csv: str, name: str) -> str:
    """The cases CSV with one more (empty) column called ``name``."""
    head, *rows = csv.rstrip("\n").split("\n")
    return "\n".join([f"{head},{name}"] + [f"{r}," for r in rows]) + "\n"


def flow(settings_new: tuple[float, float], **implementation) -> str:
    """A flow claim: settings a and b with these new_per_year."""
    s = settings()
    s["a"]["new_per_year"], s["b"]["new_per_year"] = settings_new
    doc = base_scenario(claim={"low": "£1m", "high": "£2m", "basis": "flow", "horizon_years": 3}, settings=s)
    if implementation:
        doc["implementation"] = implementation
    return to_toml(doc)


def cli(*argv: str, **files: str) -> Case:
    return Case({"scenario.toml": toml(), **files}, argv)


WSX = toml(scenario={"title": "Test claim", "la_code": "938", "census_year": 2023})
# Hackney's January 2024 caseload is suppressed in DfE's file (every category blank).
HACKNEY = toml(scenario={"title": "Test claim", "la_code": "204", "census_year": 2024},
               settings={"mainstream": {"cost": 8000, "cohort": 0}, "state_special": {"cost": 20000, "cohort": 0}},
               sample={"transitions": transitions({("mainstream", "state_special"): 3})})

#: The same mistake elsewhere: entry id → cases whose lines make up the entry's second ``text`` block.
ALSO: dict[str, tuple[Case, ...]] = {
    "unknown-key": (
        Case({"scenario.toml": toml().replace("[run]", "[runs]")}),
        Case({"scenario.toml": toml(settings=settings(a_cost={"dist": "uniform", "low": 1, "high": 2, "mode": 5}))}),
        Case({"scenario.toml": toml(judgement={"model": "fixed", "theta": 0.8, "ess": 3})}),
        Case({"scenario.toml": scrutinised({"upheld": 1, "overturned": 5, "weight": 2})}),
        Case({"scenario.toml": scrutinised([{"key": "tribunal:2022/23", "w": 2}])}),
        Case({"scenario.toml": toml(costs={"corr": 0.5})}),
        Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS,
                                            "possible": [{"from": "b", "to": "a", "why": "x"}]})}),
        Case({"scenario.toml": reported([{**HALF_MOVE, "cases": {"lo": 1}}])}),
        cases_csv(with_column(WS_CSV, "age")),
    ),
    "wrong-type": (
        Case({"scenario.toml": toml().replace('[scenario]\ntitle = "Test claim"\n', 'scenario = "Test claim"\n')}),
        Case({"scenario.toml": toml().replace('title = "Test claim"', "title = 5")}),
        Case({"scenario.toml": toml().replace('title = "Test claim"', 'title = "  "')}),
        Case({"scenario.toml": toml().replace('title = "Test claim"', 'title = "Test claim"\nsources = [1]')}),
        Case({"scenario.toml": toml(scenario={"title": "Test claim", "la_code": 9.38})}),
        Case({"scenario.toml": toml(settings={"a": settings()["a"], "b": 5})}),
        Case({"scenario.toml": toml(settings=settings(a_cost={"dist": "uniform", "low": 1, "high": 2, "source": 5}))}),
        Case({"scenario.toml": toml(costs={"correlation": 0.5, "source": 5})}),
        Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS, "source": 5})}),
        Case({"scenario.toml": toml(sample={"cases": 5})}),
        Case({"scenario.toml": toml(sample={"transitions": []})}),
        Case({"scenario.toml": toml(sample={"transitions": [5]})}),
        Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS, "possible": {"from": "b"}})}),
        Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS, "possible": ["b"]})}),
        Case({"scenario.toml": reported([])}),
        Case({"scenario.toml": reported(["a"])}),
        Case({"scenario.toml": scrutinised(5)}),
        Case({"scenario.toml": scrutinised([])}),
        Case({"scenario.toml": scrutinised([5])}),
        Case({"scenario.toml": scrutinised([{"key": 5}])}),
        Case({"scenario.toml": scrutinised({"upheld": 1, "overturned": 5, "label": 3})}),
        Case({"scenario.toml": toml(judgement={"model": "contest", "count_concessions": "yes"})}),
        Case({"scenario.toml": toml().replace('label = "A"', 'label = "A"\ndfe = 5')}),
    ),
    "missing-key": (
        Case({"scenario.toml": toml().replace('title = "Test claim"\n', "")}),
        Case({"scenario.toml": toml().replace("cost = 30000\n", "")}),
        Case({"scenario.toml": toml().replace("cohort = 100\n", "")}),
        Case({"scenario.toml": toml(settings=settings(a_cost={"low": 1000, "high": 2000}))}),
        Case({"scenario.toml": toml(settings=settings(a_cost={"dist": "triangular", "low": 1000, "high": 2000}))}),
        Case({"scenario.toml": toml(implementation={"realisation": {"dist": "beta", "a": 2}})}),
        Case({"scenario.toml": toml(implementation={"realisation": {"dist": "beta", "mean": 0.5}})}),
        Case({"scenario.toml": toml(judgement={"model": "fixed"})}),
        Case({"scenario.toml": toml(sample={"transitions": [{"from": "a", "to": "b"}]})}),
        Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS, "possible": [{"from": "b", "to": "a"}]})}),
        Case({"scenario.toml": reported([{"current": "a", "share": "1/2"}])}),
        Case({"scenario.toml": toml(sample={"method": "bayes", "reported": [HALF_MOVE]})}),
        Case({"scenario.toml": toml(claim={"low": "£1m", "high": "£2m", "basis": "flow"})}),
    ),
    "too-few-settings": (
        Case({"scenario.toml": toml(settings={})}),
        Case({"scenario.toml": toml().replace("[settings.b]", '[settings.""]')}),
    ),
    "value-not-allowed": (
        Case({"scenario.toml": toml(claim={"low": "£1m", "high": "£2m", "basis": "stocks"})}),
        Case({"scenario.toml": toml(claim={"low": "£1m", "high": "£2m", "scope": "some"})}),
        Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS, "unseen": "bogus"})}),
    ),
    "number-out-of-range": (
        Case({"scenario.toml": toml(verdict={"hold_at": 1.5})}),
        Case({"scenario.toml": toml(verdict={"max_width_ratio": 0})}),
        Case({"scenario.toml": toml(judgement={"model": "scrutinised", "effective_sample_size": 0})}),
        Case({"scenario.toml": scrutinised({"upheld": -1, "overturned": 5})}),
        Case({"scenario.toml": scrutinised({"overturn_rate": 1.5})}),
        Case({"scenario.toml": scrutinised(["tribunal:2022/23", {"key": "tribunal:2021/22", "weight": 0}])}),
        Case({"scenario.toml": toml(judgement={"model": "selection", "win_if_wrong": 1.5})}),
        Case({"scenario.toml": reported([{**HALF_MOVE, "cases": 12}])}),
        Case({"scenario.toml": reported([{**HALF_MOVE, "tolerance": 2}])}),
        Case({"scenario.toml": flow((5, 0), ramp=[0.5, 1.0, 1.0, 1.0])}),
        Case({"scenario.toml": flow((5, 0), ramp=[0.5, 2])}),
        Case({"scenario.toml": flow((5, 0), length_of_stay_years=0)}),
    ),
    "dist-parameter-out-of-range": (
        Case({"scenario.toml": toml(settings=settings(a_cost={"dist": "lognormal", "median": 0, "sd_log": 1}))}),
        Case({"scenario.toml": toml(settings=settings(a_cost={"dist": "lognormal", "median": 30000, "sd_log": 0}))}),
        Case({"scenario.toml": toml(settings=settings(a_cost={"dist": "lognormal", "median": 30000, "sd_log": 11}))}),
        Case({"scenario.toml": toml(settings=settings(a_cost={"dist": "interval", "low": 1000, "high": 2000,
                                                               "level": 1}))}),
        Case({"scenario.toml": toml(settings=settings(a_cost={"dist": "beta", "a": 2, "b": 2}))}),
        Case({"scenario.toml": realisation({"dist": "beta", "a": 2, "mean": 0.5})}),
        Case({"scenario.toml": realisation({"dist": "beta", "a": 0, "b": 2})}),
        Case({"scenario.toml": realisation({"dist": "beta", "mean": 1.0, "sd": 0.1})}),
        Case({"scenario.toml": realisation({"dist": "beta", "mean": 0.5, "sd": 0.6})}),
        Case({"scenario.toml": realisation({"dist": "normal", "mean": 5, "sd": 0.1})}),
    ),
    "not-finite": (
        Case({"scenario.toml": toml().replace("[run]", "[implementation]\nrealisation = nan\n\n[run]")}),
    ),
    "low-above-high": (
        Case({"scenario.toml": toml(settings=settings(a_cost={"dist": "interval", "low": 2000, "high": 2000}))}),
        Case({"scenario.toml": toml(verdict={"hold_at": 0.5, "collapse_below": 0.6})}),
    ),
    "selectivity-not-positive": (
        Case({"scenario.toml": toml(judgement={"model": "selection", "selectivity": 0})}),
    ),
    "win-probabilities-overlap": (
        Case({"scenario.toml": toml(judgement={"model": "selection", "win_if_wrong": 0.5, "win_if_right": 0.6})}),
    ),
    "dfe-unknown-category": (
        Case({"scenario.toml": toml().replace('label = "A"', 'label = "A"\ndfe = ["mainstream", "mainstream"]')}),
    ),
    "evidence-unusable": (
        Case({"scenario.toml": scrutinised("tribunal:2018/19")}),
        Case({"scenario.toml": scrutinised("lgsco:2022/23", effective_sample_size="all")}),
        Case({"scenario.toml": toml(judgement={"model": "contest", "count_concessions": True,
                                               "evidence": "tribunal:2021/22"})}),
        Case({"scenario.toml": scrutinised({"upheld": 1, "overturned": 5, "overturn_rate": 0.5})}),
        Case({"scenario.toml": scrutinised({"upheld": 1})}),
        Case({"scenario.toml": scrutinised({"upheld": 0, "overturned": 0})}),
    ),
    "sample-forms-conflict": (
        Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS, "n": 10})}),
        Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS, "splits": "uniform"})}),
        Case({"scenario.toml": toml(sample={"method": "bootstrap", "n": 10, "reported": [HALF_MOVE]})}),
        Case({"scenario.toml": reported([{**HALF_MOVE, "count": 2}])}),
        Case({"scenario.toml": reported([{"current": "a", "ideal": "b", "count": 2, "tolerance": 0.1}])}),
        Case({"scenario.toml": reported([HALF_MOVE, HALF_MOVE])}),
        Case({"scenario.toml": reported([{**HALF_MOVE, "cases": 4},
                                         {"current": "a", "ideal": "a", "share": "1/2", "cases": 6}])}),
        Case({"scenario.toml": reported([{"current": "a", "ideal": "a", "share": "1/2"}])}),
        Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS,
                                            "possible": [{"from": "b", "to": "a", "reason": "places exist"}],
                                            "impossible": [{"from": "b", "to": "a", "reason": "no places"}]})}),
        Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS,
                                            "possible": [{"from": "b", "to": "b", "reason": "x"}]})}),
        Case({"scenario.toml": toml(sample={"transitions": TWO_CELLS,
                                            "possible": [{"from": "b", "to": "a", "reason": " "}]})}),
    ),
    "flow-field-misplaced": (
        Case({"scenario.toml": flow((0, 0))}),
    ),
    "file-unreadable": (
        Case({"scenario.toml": with_cases("loop.csv")}, links={"loop.csv": "loop.csv"}),
    ),
    "cases-empty": (
        cases_csv("\n  \n"),
    ),
    "cases-open-quote": (
        cases_csv(WS_CSV.replace("\nWS05,", '\n"WS05"x,', 1)),
    ),
    "cases-duplicate-id": (
        cases_csv(WS_CSV.rstrip("\n") + "\n,mainstream,mainstream,already ideal\n"),
    ),
    "set-unknown-key": (
        cli("validate", "scenario.toml", "--set", "runs.draws=5000"),
        cli("validate", "scenario.toml", "--set", "run.draws.x=5000"),
        cli("validate", "scenario.toml", "--set", ".=5000"),
    ),
    "vary-malformed": (
        cli("sweep", "scenario.toml", "--vary", "run.seed=1,,2"),
        cli("sweep", "scenario.toml", "--vary", "run.seed=1,2", "--vary", "run.seed=3"),
        cli("sweep", "scenario.toml", "--vary", "run.seed=1,2", "--set", "run.seed=3"),
    ),
    "option-draws-out-of-range": (
        Case({"scenario.toml": WSX}, ("track", "scenario.toml", "--draws", "0")),
        Case({}, ("councils", "--year", "2010")),
        Case({}, ("serve", "--port", "70000")),
    ),
    "new-file-exists": (
        Case({"afile": "x"}, ("new", "afile/mine")),
        Case({}, ("new", "mine", "--year", "2023")),
    ),
    "track-needs-council": (
        Case({"scenario.toml": WSX}, ("track", "scenario.toml")),
        Case({"scenario.toml": HACKNEY}, ("track", "scenario.toml")),
    ),
    "out-current-folder": (
        cli("run", "scenario.toml", "--out", "../work"),
    ),
    "out-name-too-long": (
        cli("run", "scenario.toml", "--out", "x/" * 2500),
    ),
    "out-cannot-write": (
        Case({"scenario.toml": toml(), "afile": "x"}, ("batch", "scenario.toml", "--out", "afile/sub")),
        Case({"scenario.toml": toml()}, ("run", "scenario.toml", "--out", "reports/out"), denied=("tempfile.mkdtemp",)),
        Case({"scenario.toml": toml()}, ("batch", "scenario.toml", "--out", "out"),
             denied=("auditor.report.folders.mark_folder",)),
        Case({"scenario.toml": toml()}, ("batch", "scenario.toml", "--out", "out", "--format", "json"),
             denied=("tempfile.mkstemp",)),
    ),
    "batch-index-not-ours": (
        Case({"scenario.toml": toml(), "out/.auditor-output": "report\n", "out/report.md": "# a report\n"},
             ("batch", "scenario.toml", "--out", "out")),
        Case({}, ("batch", "empty"), folders=("empty",)),
        Case({"a/scenario.toml": toml(), "b/scenario.toml": toml()},
             ("batch", "a/scenario.toml", "b/scenario.toml", "--out", "out")),
    ),
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


def _permission_denied(*args, **kwargs):
    import errno

    raise PermissionError(errno.EACCES, "Permission denied")


def run_case(case: Case, tmp_path: Path, monkeypatch, capsys) -> str:
    """Build the case's files in an empty folder, run the command there, return its one stderr line."""
    work = tmp_path / "work"
    work.mkdir(parents=True)
    (tmp_path / "cases.csv").write_text(WS_CSV, encoding="utf-8")  # for cases-outside-folder
    for name in case.folders:
        (work / name).mkdir()
    for name in case.fifos:
        os.mkfifo(work / name)
    for name, target in case.links.items():
        os.symlink(target, work / name)
    for name, content in case.files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            (work / name).write_bytes(content)
        else:
            (work / name).write_text(content, encoding="utf-8")
    with monkeypatch.context() as m:
        m.chdir(work)
        for module in case.missing:
            m.setitem(sys.modules, module, None)  # `import module` now raises ImportError
        for target in case.denied:
            m.setattr(target, _permission_denied)
        code = main(list(case.argv))
    out, err = capsys.readouterr()
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("entry", sorted(CATALOGUE))
def test_catalogue_entry(entry: str, tmp_path: Path, monkeypatch, capsys) -> None:
    assert run_case(CATALOGUE[entry], tmp_path, monkeypatch, capsys) == documented()[entry]


def also_documented() -> dict[str, list[str]]:
    """Entry id → the lines of its block of further messages (the same mistake elsewhere)."""
    text = DOC.read_text(encoding="utf-8")
    out = {}
    for m in re.finditer(r"^### `([a-z0-9-]+)`(.*?)(?=^##|\Z)", text, re.M | re.S):
        blocks = [b.rstrip("\n").split("\n") for b in re.findall(r"^```text\n(.*?)^```", m.group(2), re.M | re.S)]
        # The first block is the entry's own line; other blocks may show a cases CSV.
        lines = [b for b in blocks[1:] if all(ln.startswith("auditor: error: ") for ln in b)]
        assert len(lines) <= 1, f"{m.group(1)}: more than one block of further messages"
        if lines:
            out[m.group(1)] = lines[0]
    return out


def test_also_blocks_and_cases_list_the_same_entries() -> None:
    assert sorted(also_documented()) == sorted(ALSO)


@pytest.mark.parametrize("entry", sorted(ALSO))
def test_also_block(entry: str, tmp_path: Path, monkeypatch, capsys) -> None:
    # Each line of the entry's second block, reproduced in order; each names its field (or option).
    lines = [run_case(case, tmp_path / str(i), monkeypatch, capsys) for i, case in enumerate(ALSO[entry])]
    assert lines == also_documented()[entry]
    for line in lines:
        assert re.match(r"auditor: error: [^:]+(:\d+)?: \S", line), line
        if line.startswith("auditor: error: scenario.toml"):
            # A scenario's mistakes name the line and the dotted field, e.g. `scenario.toml:31: costs.corr:`.
            assert re.match(r"auditor: error: scenario\.toml(:\d+)?: [a-z_]+[\w.\[\]\"-]*: ", line), line



@pytest.mark.parametrize("entry", ["sample-forms-conflict", "vary-malformed"])
def test_catalogued_line_from_a_real_process(entry: str, tmp_path: Path) -> None:
    # In-process runs above could hide what a fresh interpreter prints (warnings, the exit code
    # itself); two entries run as `python -m auditor` must print exactly their documented line.
    import subprocess

    case = CATALOGUE[entry]
    for name, content in case.files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "auditor", *case.argv], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2
    assert done.stderr == documented()[entry] + "\n"

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
