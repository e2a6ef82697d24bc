"""brief.pdf: exactly one A4 page, reproducible bytes, readable text, no overflow."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import auditor
from auditor.report.brief import _chance, plain_numbers, write_brief
from strategies import base_scenario, to_toml

A4_POINTS = (210 / 25.4 * 72, 297 / 25.4 * 72)  # 595.3 × 841.9 pt


@pytest.fixture(scope="module")
def result():
    return auditor.audit("scenarios/west-sussex-2023.toml", draws=2000, seed=5)


def pages(pdf: bytes) -> list[tuple[float, float]]:
    """Page sizes from the page objects' MediaBox (matplotlib writes one per page)."""
    n = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(boxes) == n
    return [(float(w), float(h)) for w, h in boxes]


def test_one_a4_page_reproducible(result, tmp_path):
    a = write_brief(result, tmp_path / "a.pdf").read_bytes()
    b = write_brief(result, tmp_path / "b.pdf").read_bytes()
    assert a == b
    assert b"/CreationDate" not in a
    (w, h), = pages(a)
    # matplotlib rounds A4 to 8.27 × 11.69 in; within 1 pt of 210 × 297 mm.
    assert abs(w - A4_POINTS[0]) < 1 and abs(h - A4_POINTS[1]) < 1


def test_long_title_and_many_sources_still_fit_one_page(write_scenario, tmp_path):
    doc = base_scenario(scenario=None)
    text = to_toml(doc) + "\n[scenario]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in {
        "title": "A very long title " * 20, "authority": "Somewhere",
        "sources": [f"Source {i}: " + "words " * 40 + f"https://example.org/{'x' * 120}" for i in range(30)]}.items())
    r = auditor.audit(write_scenario(text), draws=300, seed=1)
    pdf = write_brief(r, tmp_path / "long.pdf").read_bytes()
    assert len(pages(pdf)) == 1


def test_plain_numbers(result):
    lines = plain_numbers(result)
    assert 4 <= len(lines) <= 6
    assert result.summary()["tipping"]["sentence"] in lines
    assert lines[0] == "Claimed savings: £17.8m to £46.7m a year (over 5 years)."


@pytest.mark.parametrize("p, words", [(0.0, "0 in 100"), (0.004, "less than 1 in 100"), (0.25, "about 25 in 100"),
                                      (0.996, "more than 99 in 100"), (1.0, "100 in 100")])
def test_chance_words(p, words):
    assert _chance(p) == words


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_text_is_extractable(result, tmp_path):
    path = write_brief(result, tmp_path / "brief.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    flat = " ".join(text.split())
    assert f"Verdict: the claim {result.verdict()[0].upper()}" in flat
    assert "What to bear in mind" in flat and "Sources" in flat


def _brief_text(result) -> str:
    from auditor.report.brief import brief_figure

    fig = brief_figure(result)
    return " ".join(" ".join(t.get_text() for t in fig.texts).split())


def test_brief_says_what_the_claim_needs_and_what_happened(result, tmp_path):
    flat = _brief_text(result)
    s = result.summary()
    imp = s["implied"]
    # The low end in children, from the summary's implied block (1,124 at 100,000 draws; the count is exact
    # arithmetic on the claim and the review, not a draw).
    assert f"To save £17.8m a year, about {imp['children_to_move_for_low']:,.0f} children would have to move" in flat
    assert s["track"]["status"] == "ok"  # DfE has Januaries after the 2023 claim
    assert "What happened after the claim: By January" in flat and "not proof of cause" in flat
    assert "a year; 9 times in 10" in flat  # "a year" after the middle outcome
    assert len(pages(write_brief(result, tmp_path / "b.pdf").read_bytes())) == 1


def test_brief_lists_each_source_once(write_scenario):
    # The article is among the scenario's sources and again as the claim's source; the cost source is new.
    doc = base_scenario(scenario={"title": "Test claim", "sources": ["Claim: Example (2024), https://example.org/c"]},
                        claim={"low": "£1m", "high": "£2m", "per": "year",
                               "source": "Example (2024), https://example.org/c"})
    doc["settings"]["a"]["cost"] = {"dist": "fixed", "value": 30000, "source": "Fees, https://example.org/fees"}
    r = auditor.audit(write_scenario(doc), draws=300, seed=1)
    flat = _brief_text(r)
    assert flat.count("https://example.org/c") == 1
    assert flat.count("https://example.org/fees") == 1


def test_once_keeps_new_addresses():
    from auditor.report.brief import once

    assert once(["a https://x.org/1", "b https://x.org/1", "c https://x.org/2; https://x.org/1", "d"]) == [
        "a https://x.org/1", "c https://x.org/2; https://x.org/1", "d"]


@pytest.mark.parametrize("name", sorted(p.stem for p in Path("scenarios").glob("*.toml")
                                         if p.stem != "west-sussex-2023"))  # that one is this module's fixture
def test_every_shipped_scenario_briefs_on_one_page(name, tmp_path):
    r = auditor.audit(f"scenarios/{name}.toml", draws=500, seed=3)
    assert len(pages(write_brief(r, tmp_path / "b.pdf").read_bytes())) == 1
