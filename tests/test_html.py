"""report.html: self-contained, escaped, sections present when their data are, data out files."""

from __future__ import annotations

import gzip
import html.parser
import json

import numpy as np
import pytest

import auditor
from auditor.inputs.money import format_money
from auditor.report import FORMATS, parse_formats, write_outputs
from auditor.report.data import inputs_dict, write_draws_csv_gz
from auditor.report.html import format_value, linkify, load_sensitivity, render_html
from strategies import base_scenario, to_toml

HOSTILE_TITLE = 'Claim <script>alert("t")</script> & <b>bold</b> "quoted"'
HOSTILE_NOTES = "Line one <img src=x onerror=alert(1)>\n\n<script>document.title='pwned'</script> second"


class _Tags(html.parser.HTMLParser):
    """Collects tags, attributes and the text of selected elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text_by_id: dict[str, str] = {}
        self._stack: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag not in ("img", "meta", "br", "link", "input"):
            self._stack.append(a.get("id"))
            if a.get("id"):
                self.text_by_id.setdefault(a["id"], "")

    def handle_endtag(self, tag):
        if self._stack and tag not in ("img", "meta", "br", "link", "input"):
            self._stack.pop()

    def handle_data(self, data):
        for ident in self._stack:
            if ident:
                self.text_by_id[ident] += data


def parse(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    return p


@pytest.fixture(scope="module")
def result():
    return auditor.audit("scenarios/west-sussex-2023.toml", draws=2000, seed=7)


@pytest.fixture(scope="module")
def page(result):
    return render_html(result)


def test_verdict_sentence_and_sections(result, page):
    tags = parse(page)
    assert " ".join(tags.text_by_id["verdict-sentence"].split()) == result.verdict_sentence()
    headings = [a.get("id") for t, a in tags.tags if t == "h2"]
    for needed in ("verdict-heading", "claim-heading", "ladder-heading", "inputs-heading", "method-heading",
                   "provenance-heading"):
        assert needed in headings
    assert [t for t, _ in tags.tags].count("h1") == 1


def test_numbers_match_the_draws(result, page):
    # Derived from the draws directly, not from summary(): median and 90% interval of the full stage.
    x = result.stages["full"]
    assert format_money(float(np.median(x))) in page
    lo, hi = np.quantile(x, [0.05, 0.95])
    assert f"{format_money(float(lo))} to {format_money(float(hi))}" in page
    assert result.scenario.sha256 in page
    assert "2,000" in page and ">7" in page  # draws and seed in the provenance list


def test_self_contained_and_accessible(result, page):
    tags = parse(page)
    charts = [a for t, a in tags.tags if t == "svg"]
    # Four figures as inline SVG (the ladder, exceedance, distribution and the reliability ladder that report.md
    # also shows), plus the track chart when the scenario names its council and DfE has later years.
    assert not [t for t, _ in tags.tags if t == "img"]
    assert len(charts) == 4 + ("track" in result.summary())
    # The reliability chart sits in the reliability section, after its table, and its description names each reading.
    rel = [a for a in charts if "each reading of the tribunal evidence" in a["aria-label"]]
    assert len(rel) == 1 and "face value (this audit)" in rel[0]["aria-label"]
    assert page.index('id="reliability-heading"') < page.index("each reading of the tribunal evidence: ")
    for a in charts:
        assert a["class"] == "chart" and a["role"] == "img" and "width" not in a and a["viewbox"]
        assert len(a.get("aria-label", "")) > 40  # a real description, not a placeholder
    # Chart words are text (selectable, searchable), never drawn as glyph outlines.
    assert page.count("<text ") > 20 and "<image" not in page
    # Several SVGs share one page: every id is unique.
    ids = [a["id"] for t, a in tags.tags if "id" in a]
    assert len(ids) == len(set(ids))
    # Nothing that would fetch: no scripts, stylesheets, frames, or CSS url().
    assert not [t for t, _ in tags.tags if t in ("script", "link", "iframe", "object", "embed")]
    # The only url() references are the charts' own clip paths inside the page (url(#...)).
    assert "@import" not in page and page.count("url(") == page.count("url(#")
    assert "default-src 'none'" in page
    for tag, a in tags.tags:
        if tag != "a":
            assert not any(str(v).startswith(("http:", "https:", "//")) for k, v in a.items() if k in ("src", "href"))
    assert '<meta name="viewport"' in page and "@media print" in page and 'lang="en-GB"' in page
    # Okabe–Ito colours for the verdict accents.
    assert "#D55E00" in page and "#E69F00" in page and "#009E73" in page


def test_hostile_title_and_notes_are_text(write_scenario):
    doc = base_scenario(scenario=None)
    # JSON string escapes are valid TOML basic strings, and keep the newline in the notes.
    text = to_toml(doc) + "\n[scenario]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in {
        "title": HOSTILE_TITLE, "notes": HOSTILE_NOTES,
        "sources": ["<a href='javascript:alert(1)'>x</a> https://example.org/data?a=1&b=2"]}.items())
    r = auditor.audit(write_scenario(text), draws=300, seed=1)
    page = render_html(r)
    tags = parse(page)
    assert not [t for t, _ in tags.tags if t == "script"]
    assert [t for t, _ in tags.tags].count("img") == 0  # figures are inline SVG; the notes' <img> is text
    assert [t for t, _ in tags.tags].count("svg") == 4
    assert tags.text_by_id["title"].strip() == HOSTILE_TITLE
    notes = " ".join(tags.text_by_id["notes"].split())
    assert "<img src=x onerror=alert(1)>" in notes and "<script>document.title='pwned'</script>" in notes
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in page
    hrefs = [a["href"] for t, a in tags.tags if t == "a"]
    assert "https://example.org/data?a=1&b=2" in hrefs
    assert not any(h.startswith("javascript") for h in hrefs)


def test_linkify_never_links_other_schemes():
    assert all(url is None for _, url in linkify("javascript:alert(1) data:text/html,x ftp://a.b"))


def test_optional_sections_follow_their_data(result):
    s = result.summary()
    bare = {k: v for k, v in s.items() if k != "implied"}
    bare["judgement"] = {k: v for k, v in s["judgement"].items() if k != "ladder"}
    page = render_html(result, summary=bare)
    assert "reliability-heading" not in page and "implied-heading" not in page
    assert "sensitivity-heading" not in page

    ladder = [{"name": "face_value", "median": 2.0e7, "p05": 1.0e7, "p95": 3.0e7, "p_meets_low": 0.6,
               "main": True},
              {"name": "selection", "median": 3.0e6, "p05": -1.0e6, "p95": 9.0e6, "p_meets_low": 0.0004}]
    full = dict(bare, implied={"children_to_move_for_low": 1682.1, "realisation_needed_for_low": 0.9148},
                judgement=dict(bare["judgement"], ladder=ladder))
    sens = {"scenario": {"sha256": result.scenario.sha256},
            "fragility": {"sentence": "Reverse 1 of the 28 panel judgements and the estimate falls."},
            "switching_values": [{"input": "judgement.theta", "label": "Reliability", "current": 0.27,
                                  "value": 0.98, "claim_missed_when": "lower", "within_input_range": None}],
            "tornado": {"base": 4.2e6, "rows": [{"label": "Cost X", "at_low": 3.6e6, "at_high": 4.7e6}]}}
    page = render_html(result, summary=full, sensitivity=sens)
    for needed in ("reliability-heading", "implied-heading", "sensitivity-heading", "£20.0m", "&lt;1%",
                   "1,682", "91%", "Reverse 1 of the 28", "98%", "£3.6m"):
        assert needed in page


def test_load_sensitivity_checks_the_scenario(tmp_path):
    (tmp_path / "sensitivity.json").write_text(json.dumps({"scenario": {"sha256": "abc"}, "x": 1}))
    assert load_sensitivity(tmp_path, "abc") == {"scenario": {"sha256": "abc"}, "x": 1}
    assert load_sensitivity(tmp_path, "def") is None
    assert load_sensitivity(tmp_path / "missing", "abc") is None


@pytest.mark.parametrize("key, value, shown", [
    ("median", 18_200_000, "£18.2m"), ("p_meets_low", 0.0004, "<1%"), ("children_to_move", 1682.4, "1,682"),
    ("share_of_cohort.x", 1.6, "160%"), ("selectivity", 12.12, "12.1"), ("x", None, "—")])
def test_format_value(key, value, shown):
    assert format_value(key, value) == shown


def test_rendering_is_deterministic(result, page):
    assert render_html(result) == page


def test_write_outputs_formats_and_data(result, tmp_path):
    out = write_outputs(result, tmp_path / "r", ("html", "json", "draws"))
    assert sorted(p.name for p in out.iterdir()) == [".auditor-output", "draws.csv.gz", "inputs.json", "report.html",
                                                    "summary.json"]
    # draws.csv.gz: one row per draw; the savings column reproduces the stage draws to 12 significant digits.
    lines = gzip.decompress((out / "draws.csv.gz").read_bytes()).decode().splitlines()
    header = lines[0].split(",")
    assert len(lines) == 1 + result.draws
    col = header.index("savings_full")
    full = np.array([float(line.split(",")[col]) for line in lines[1:]])
    np.testing.assert_allclose(full, result.stages["full"], rtol=1e-11)
    inputs = json.loads((out / "inputs.json").read_text())
    assert inputs == json.loads(json.dumps(inputs_dict(result)))
    assert inputs["run"]["seed"] == 7 and inputs["claim"]["high"] == 46_700_000


def test_draws_file_is_byte_reproducible(result, tmp_path):
    a = write_draws_csv_gz(result, tmp_path / "a.csv.gz").read_bytes()
    b = write_draws_csv_gz(result, tmp_path / "b.csv.gz").read_bytes()
    assert a == b
    assert a[4:8] == b"\0\0\0\0"  # gzip MTIME field is zero


def test_sensitivity_json_is_kept_for_the_same_scenario(result, tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "sensitivity.json").write_text(json.dumps(
        {"scenario": {"sha256": result.scenario.sha256}, "fragility": {"sentence": "Fragile claim."}}))
    write_outputs(result, out, ("html",))
    assert (out / "sensitivity.json").exists()
    assert "Fragile claim." in (out / "report.html").read_text()


def test_parse_formats():
    assert parse_formats(None) == FORMATS
    assert parse_formats("PDF, html,pdf") == ("pdf", "html")
    with pytest.raises(auditor.UsageError, match="unknown format 'docx'"):
        parse_formats("html,docx")


def test_cli_format_errors_are_one_line(west_sussex, tmp_path, capsys):
    from auditor.cli import main

    assert main(["run", str(west_sussex), "--format", "html,xls", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["auditor: error: --format: unknown format 'xls'; allowed: md, html, pdf, json, draws, "
                   "xlsx (comma-separated)"]
    assert not (tmp_path / "o").exists()


def test_cli_writes_only_chosen_formats(west_sussex, tmp_path):
    from auditor.cli import main

    out = tmp_path / "o"
    assert main(["run", str(west_sussex), "--draws", "500", "--format", "pdf,json", "--out", str(out),
                 "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [".auditor-output", "brief.pdf", "inputs.json", "summary.json"]


def test_examples_regenerate_without_draws(write_scenario, tmp_path):
    from auditor.report.examples import main

    write_scenario(base_scenario(), name="small.toml")
    assert main(["--scenarios", str(tmp_path), "--reports", str(tmp_path / "reports"), "--draws", "300"]) == 0
    names = sorted(p.name for p in (tmp_path / "reports" / "small").iterdir())
    assert names == [".auditor-output", "brief.pdf", "figures", "inputs.json", "report.html", "report.md",
                     "summary.json"]


def test_report_html_links_the_sources_of_the_scrutiny_figures(tmp_path):
    # The caveats quote tribunal, Ombudsman and appeal-rate figures; each needs a clickable source.
    import auditor
    from auditor.inputs.evidence import APPEAL_RATE_SOURCE, load_evidence
    from auditor.report.html import render_html

    page = render_html(auditor.audit("scenarios/west-sussex-2023.toml", draws=500, seed=1))
    for url in (load_evidence()["tribunal:2022/23"].source_url, load_evidence()["lgsco:2022/23"].source_url,
                APPEAL_RATE_SOURCE):
        assert f'href="{url}"' in page


def _outside_details(page: str) -> str:
    """The page's text with every <details> fold-out (and the charts' SVG) removed: what a reader sees first."""
    import re

    text = re.sub(r"<details\b.*?</details>", " ", page, flags=re.S)
    text = re.sub(r"<svg\b.*?</svg>", " ", text, flags=re.S)
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def test_plain_first_technical_folded(result, page):
    tags = parse(page)
    s = result.summary()
    # The verdict box says what the claim needs in children (the implied block's own count and share).
    moves = " ".join(tags.text_by_id["verdict-moves"].split())
    n = s["implied"]["children_to_move_for_low"]
    share = s["implied"]["share_of_cohort_for_low"]["state_special"]
    assert moves.startswith(f"To save £17.8m a year, about {n:,.0f} children would have to move:")
    assert f"{share:.0%} of everyone in state special school" in moves
    seen = _outside_details(page)
    # Technical words appear only inside fold-outs (the headline's analysis-choice sentence names a prior,
    # which the verdict's own fold-out explains).
    headline = " ".join(result.headline()[1:])
    for word in ("Dirichlet", "Jeffreys", "Perks", "Kerman", "lognormal", "sd_log", "Judgement parameter",
                 "Sobol", "uniform £", "triangular £", "Difference in differences", "SHA-256 ", "θ"):
        assert word not in seen.replace(headline, ""), word
    assert "prior" in " ".join(tags.text_by_id.get("verdict", "").split()) or "prior" not in headline
    # Take-up is a percentage, not "1."; costs are ranges in words.
    assert "share of judged moves that actually happen): 100%" in seen
    assert "£7,890 to £8,662 (any amount in between equally likely)" in seen
    # A review published only as shares shows its findings, not an empty table.
    assert "2/3" in seen or "two thirds" in seen.lower()
    # Why the audit's middle outcome differs from the published method's figure, where both are shown.
    assert "Lower than the published method’s" in seen


def test_negative_savings_explained_where_they_appear(result, page):
    s = result.summary()
    negative = [r for r in s["judgement"]["ladder"] if r["p05"] < 0]
    assert negative  # the harsher readings of the tribunal evidence dip below zero for this scenario
    assert "is a net cost" in page.split('id="reliability-heading"')[1].split("</section>")[0]
