"""What a reader sees in report.md, report.html and brief.pdf.

Claims built on planned moves never speak of a panel; report.html shows the reliability chart that report.md
shows; a single figure that "widens" although it is very likely reached says why; and an analysis choice the
call depends on is explained in plain words beside it.
"""

from __future__ import annotations

import html
from dataclasses import replace

import numpy as np
import pytest

import auditor
from auditor.inputs.money import format_money
from auditor.inputs.scenario import parse_scenario
from auditor.report.brief import brief_figure
from auditor.report.html import render_html
from auditor.report.markdown import render_markdown
from strategies import base_scenario


def brief_text(result) -> str:
    """Every word drawn on the brief's page: its text lines and the chart's labels."""
    fig = brief_figure(result)
    words = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        words += [t.get_text() for t in ax.texts] + [t.get_text() for t in ax.get_yticklabels()]
        words.append(ax.get_title())
    return " ".join(words)


def outputs(result) -> dict[str, str]:
    return {"summary": " ".join(result.summary()["headline"]), "md": render_markdown(result),
            "html": html.unescape(render_html(result)), "brief": brief_text(result)}


def plan_claim(basis: str = "plan", **claim) -> auditor.AuditResult:
    # 10 planned moves from A (£30k) to B (£10k), 6 of them cheaper; tribunal evidence named, as the shipped
    # plan scenarios do, so that only the basis decides whether the tribunal readings are shown.
    doc = base_scenario(judgement={"model": "face_value", "evidence": "tribunal:2022/23"})
    doc["sample"]["basis"] = basis
    doc["claim"].update(claim)
    return auditor.audit(parse_scenario(doc), draws=1500, seed=3)


def test_a_claim_on_planned_moves_never_speaks_of_a_panel():
    plan, review = outputs(plan_claim("plan")), outputs(plan_claim("review"))
    for name, text in plan.items():
        assert "panel" not in text.lower(), name
    # The same claim read as a case review does speak of the panel (so the check above can fail) ...
    assert "panel" in review["md"] and "panel" in review["html"]
    # ... and shows the tribunal readings that a plan leaves out, with the reason given instead.
    assert "How much do the panel's judgements count?" in review["md"]
    assert "How many of the planned moves must happen?" in plan["md"]
    for name in ("md", "html"):
        assert "left out" in plan[name] and "not whether a council's planned moves happen" in plan[name]
        assert "Worst case" not in plan[name] and "Worst case" in review[name]


def test_the_sampling_rows_of_a_plan_speak_of_the_plan_not_the_review():
    plan, review = outputs(plan_claim("plan")), outputs(plan_claim("review"))
    for name in ("md", "html"):
        assert "pull on the moves the review made" not in plan[name]
        assert "possible moves nobody in the review made" not in plan[name]
        assert "pull on the moves the plan makes" in plan[name]
        assert "possible moves the plan does not include" in plan[name]
        # the same claim read as a case review keeps the review's words (so the checks above can fail)
        assert "pull on the moves the review made" in review[name]


@pytest.mark.parametrize("name", ["surrey-2022", "hampshire-2024", "west-berkshire-2020"])
def test_shipped_plan_scenarios_never_speak_of_a_panel(name):
    r = auditor.audit(f"scenarios/{name}.toml", draws=600, seed=2)
    assert r.scenario.sample.basis == "plan"
    for what, text in outputs(r).items():
        assert "panel" not in text.lower(), what


def test_report_html_shows_the_reliability_chart_only_beside_its_table():
    review, plan = render_html(plan_claim("review")), render_html(plan_claim("plan"))
    label = "against the full audit under each reading of the tribunal evidence: "  # the chart's description
    # One inline SVG chart more than a plan's page: the reliability ladder, after the section's heading.
    assert review.count('class="chart"') == plan.count('class="chart"') + 1 == 4
    assert review.count(label) == 1 and label not in plan
    assert review.index('id="reliability-heading"') < review.index(label)


def test_a_single_figure_that_widens_says_why():
    # The figure is £0.5m; the published method gives 100 · 0.6 · £20k = £1.2m, so the figure is very likely.
    r = plan_claim("review", low="£0.5m", high="£0.5m")
    s = r.summary()
    assert s["verdict"] == "widens" and s["p_meets_low"] >= 0.8
    # The audit's own 90% interval, from the draws (np.quantile's default, as the summary uses).
    lo, hi = np.quantile(r.savings, [0.05, 0.95])
    why = (f"only because the claim gave one figure and no range, while the audit's 90% interval runs from "
           f"{format_money(float(lo))} to {format_money(float(hi))}")
    assert why in s["headline"][0] and "to be reached" in s["headline"][0]
    for name, text in outputs(r).items():
        assert why in " ".join(text.split()), name
    # A figure the audit reaches less often than 80% widens for that reason, and says so instead.
    short = plan_claim("review", low="£1.3m", high="£1.3m").summary()
    assert short["verdict"] != "holds" and "only because" not in short["headline"][0]


def depending_on(result, choices):
    """``result`` as if its call depended on ``choices`` (the verdict and its numbers unchanged)."""
    detail = replace(result.verdict_detail, depends_on=tuple(choices))
    result.__dict__["verdict_detail"] = detail  # a cached property: set it, then rebuild the summary
    result.__dict__.pop("_summary", None)
    return result


def test_an_analysis_choice_in_the_headline_is_explained_beside_it():
    plain = "A prior is the starting assumption the statistics needs"
    r = plan_claim("review")
    # This small review's call really does depend on the bootstrap; the note then says what that is.
    assert [what for what, _ in r.verdict_detail.depends_on] == ["the stratified bootstrap (no prior; no unseen moves)"]
    assert "The bootstrap handles the small sample by redrawing the cases themselves" in outputs(r)["md"]
    before = outputs(depending_on(r, [("Monte Carlo error", "holds")]))  # no analysis choice: no note
    after = outputs(depending_on(r, [("a flatter prior (Bayes-Laplace 1 per cell)", "collapses")]))
    assert "The call depends on an analysis choice: with a flatter prior" in after["summary"]
    # The brief's one-page budget takes the note's one-line form.
    notes = {"md": (plain, "The verdict above uses the audit's default choice."),
             "html": (plain, "The verdict above uses the audit's default choice."),
             "brief": ("A prior is the starting assumption that turns a small sample into shares",
                       "the verdict uses the default one.")}
    for name, (what, default) in notes.items():
        assert what not in before[name], name
        text = " ".join(after[name].split())
        assert what in text and default in text, name
        # Next to the sentence it explains: right after it, not in a fold-out further down.
        assert 0 < text.index(what) - text.index("The call depends on an analysis choice") < 400, name
    # report.html: in the verdict box, outside any <details>.
    box = after["html"].split('id="verdict"', 1)[1].split("</section>", 1)[0]
    assert plain in box.split("<details", 1)[0]


def test_summary_and_spreadsheet_keep_the_tribunal_readings_of_a_plan_with_the_reason():
    openpyxl = pytest.importorskip("openpyxl")
    import io

    from auditor.report.xlsx import xlsx_bytes

    plan, review = plan_claim("plan"), plan_claim("review")
    j = plan.summary()["judgement"]
    # Same draws, same rungs: only the face-value label and the note differ.
    assert [r["name"] for r in j["ladder"]] == [r["name"] for r in review.summary()["judgement"]["ladder"]]
    assert j["ladder"][0]["label"].startswith("Face value: every planned move happens as the council assumes")
    assert "do not bear on it" in j["ladder_note"] and "ladder_note" not in review.summary()["judgement"]
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx_bytes(plan)))["reliability"].iter_rows(values_only=True))
    assert rows[-1][0] == "Note" and "do not bear on it" in rows[-1][1]


def test_the_reliability_chart_is_drawn_once_for_report_md_and_report_html(tmp_path, monkeypatch):
    # report.html shows the chart too, so it is not left to the side jobs when both reports are written.
    from auditor.figures import audit as figures
    from auditor.report import write_outputs

    calls = []
    real = figures.reliability
    monkeypatch.setattr(figures, "reliability", lambda result, ax=None: calls.append(1) or real(result, ax))
    out = write_outputs(plan_claim("review"), tmp_path / "both", ("md", "html"), parallel=False)
    assert len(calls) == 1 and (out / "figures" / "reliability.png").exists()
    assert "each reading of the tribunal evidence: " in html.unescape((out / "report.html").read_text("utf-8"))
