"""``report.md``: the audit in plain words, tables and three figures."""

from __future__ import annotations

import json

from ..inputs.money import format_chance, format_claim, format_money as money, format_per
from ..wording import tipping_detail
from .plain import PLAN_NO_TRIBUNAL, choice_note, judgement_words
from .sampling import (bridge_rows, limits_for, method_words, prior_range_sentence, sensitivity_rows, split_words,
                       unseen_sentences)

__all__ = ["render_markdown", "STAGE_WORDS", "stage_words", "reliability_section", "verdict_rule_words",
           "tipping_lines", "sampling_section"]

STAGE_WORDS = {
    "point": "Published method (point estimate)",
    "sampling": "+ uncertainty from the small sample",
    "judgement": "+ uncertainty in the panel's judgements",
    "full": "+ uncertainty in costs and take-up (full audit)",
}


def stage_words(basis: str = "review") -> dict[str, str]:
    """:data:`STAGE_WORDS`, with the judgement stage worded for planned moves when no panel judged them."""
    if basis != "plan":
        return STAGE_WORDS
    return {**STAGE_WORDS, "judgement": "+ uncertainty in whether the planned moves happen as assumed"}


def verdict_rule_words(rule, single: bool = False) -> str:
    """The verdict rule in plain words, with the scenario's thresholds (docs/methods.md §7).

    ``single`` (a claim of one figure) adds why such a claim can at best widen.
    """
    return ("The verdict looks at the full audit, and judges each end of the published range in the calibrated "
            "words of the IPCC likelihood scale (virtually certain: 99% or more; very likely: 90% or more; likely: "
            "66% or more; about as likely as not: 33% to 66%; unlikely: below 33%; very unlikely: below 10%; "
            "exceptionally unlikely: below 1%). The claim **collapses** when the chance of reaching its low end "
            f"is below {rule.collapse_below:.0%}; it **holds** when that chance is at least {rule.hold_at:.0%} "
            f"and the audited 90% interval is no more than {rule.max_width_ratio:g} times as wide as the "
            "published range, and then only at its low end if the high end is exceptionally unlikely; otherwise "
            "it **widens**. When Monte Carlo error or another defensible analysis choice would change the call, "
            "the headline says so. "
            + ("A single figure has no range to compare with the audited interval, so it can at best widen, "
               "however likely the figure is. " if single else "")
            + "See docs/methods.md for why these thresholds.")


def _md(text: object) -> str:
    """Escape text from a scenario so it cannot break the Markdown around it."""
    s = str(text)
    for ch in "\\`*_[]<>|#":
        s = s.replace(ch, "\\" + ch)
    return " ".join(s.split())


def implied_lines(s: dict, sc) -> list[str]:
    """"What the claim assumes": the summary's ``implied`` block in plain words."""
    imp = s.get("implied")
    if not imp or imp.get("children_to_move_for_low") is None:
        return []
    from .plain import implied_sentences

    c = sc.claim
    flow = imp["basis"] == "flow"
    plan = sc.sample.basis == "plan"
    out = ["## What the claim assumes", ""]
    # The same sentences as report.html's verdict box and the brief (auditor.report.plain).
    out += [f"- {_md(line)}" for line in implied_sentences(s, sc)]
    r = imp["realisation_needed_for_low"]
    if r is not None:
        out.append(f"- On the published method, the low end is reached only if at least {r:.0%} of the "
                   f"{'planned' if plan else 'judged'} moves actually happen"
                   + (" — more than all of them." if r > 1 else "."))
    out += ["", f"These figures use the average saving of one {'planned' if plan else 'judged'} move, "
            f"{money(imp['mean_saving_per_move'])} a year at central costs, and the moves in the proportions "
            f"{'the plan gives' if plan else 'the review reported'}"
            + (f"; under the flow basis the claim is compared with the {'annual average' if c.per == 'year' else 'cumulative total'} "
               f"over {c.horizon_years} years" if flow else "") + ".", ""]
    return out


RELIABILITY_WORDS = {
    "face_value": "Face value: the panel is always right",
    "contest": "Contest: a move is undone if the family contests it and wins",
    "symmetric": "Selection, symmetric: every call of the panel as uncertain as its down-shifts",
    "selection": "Selection: tribunal outcomes read allowing for which decisions get appealed",
    "scrutinised": "Worst case (scrutinised): the panel as unreliable as challenged council decisions",
}

EVIDENCE_PARAGRAPH = (
    "What tribunal and Ombudsman rates show, and what they do not. When a family appeals a council's SEND "
    "decision and the SEND Tribunal decides it, the family wins at least in part almost every time (98% of "
    "7,968 decided appeals in 2022/23), and the Local Government and Social Care Ombudsman finds fault in about "
    "nine in ten SEND complaints it investigates (sources below). That is strong evidence that council SEND decisions which are "
    "challenged often do not stand up. It is not the share of a panel's placement calls that are wrong: only "
    "about 2–3.5% of appealable decisions are ever appealed, families choose which ones, councils concede many "
    "weak cases before a hearing, the tribunal rules on what the law requires for a child, and the Ombudsman "
    "mostly on delay and process. Councils' concessions before a hearing take mostly wrong decisions out of the "
    "decided pool, so they make the decided appeals look *less* selective, not more. No published figure says how "
    "selective appeals are, so the verdict does not rest on any of these readings: the tipping point says how "
    "reliable the panel must be, and the ladder shows several readings side by side, each labelled by its "
    "assumption, from taking the panel at its word to the worst case of treating it like a challenged council "
    "decision."
)


def reliability_section(s: dict) -> list[str]:
    """The reliability ladder table and the plain paragraph on the evidence."""
    j = s.get("judgement", {})
    rows = j.get("ladder")
    if not rows:
        return []
    c = s["claim"]
    if (s.get("run") or {}).get("sample_basis") == "plan":
        # No panel judged planned moves: the tipping point is the share that must happen, and the tribunal
        # readings (still in summary.json under judgement.ladder) are left out with the reason.
        return (["## How many of the planned moves must happen?", ""] + tipping_lines(s)
                + [PLAN_NO_TRIBUNAL + " They remain in summary.json, under `judgement.ladder`.", ""])
    lines = ["## How much do the panel's judgements count?", ""]
    lines += tipping_lines(s)
    lines += [f"Full audited savings under {len(rows)} readings of the scrutiny evidence, from the same random draws "
              f"(published claim: {money(c['low'])} to {money(c['high'])}). Each reading is labelled by the "
              "assumption it rests on.", "",
              "| reading of the evidence | median | 90% interval | chance of reaching the claim's low end |",
              "| --- | ---: | ---: | ---: |"]
    for r in rows:
        label = r.get("label") or RELIABILITY_WORDS.get(r["name"], r["name"])
        name = _md(label) + (" **(this audit)**" if r.get("main") else "")
        lines.append(f"| {name} | {money(r['median'])} | {money(r['p05'])} to {money(r['p95'])} | "
                     f"{format_chance(r['p_meets_low'])} |")
    lines += ["", "![Audited savings under each reading of the tribunal evidence](figures/reliability.png)", ""]
    if "theta" in j and j.get("model") != "face_value":
        t = j["theta"]
        lines += [f"Under this audit's model, a judged move to a cheaper setting holds with probability "
                  f"{t['median']:.0%} at the median (90% range {t['p05']:.0%} to {t['p95']:.0%}); judged moves "
                  "to more specialist settings are kept as the panel made them.", ""]
    if j.get("model") == "selection":
        v = j.get("switching_selectivity")
        lines += [("Switching value: " + (f"the median audited saving reaches the published low end only if wrong "
                   f"decisions are at least **{v:.3g} times** likelier than right ones to be appealed and decided."
                   if v is not None else _md(j.get("switching_note", "")) + ".")), ""]
    lines += [EVIDENCE_PARAGRAPH, ""] + evidence_sources(j.get("evidence", []))
    return lines


def tipping_lines(s: dict) -> list[str]:
    """The tipping point: the panel reliability the low end needs and what the tribunal evidence would have to mean."""
    need = s.get("reliability_needed")
    tip = s.get("tipping")
    if not need or not tip:
        return []
    detail = tipping_detail(s)
    out = [f"**Tipping point.** {_md(tip['sentence'])}"] + ([_md(detail)] if detail else [])
    return [" ".join(out), ""]


def evidence_sources(used: list) -> list[str]:
    """Where the figures in the evidence paragraph and the scenario's own evidence rows come from."""
    from ..inputs.evidence import citations

    lines = ["Sources for these figures:", ""]
    lines += [f"- `{what}`: {_md(text)}. {url}" for what, text, url in citations(used)]
    return lines + [""]


def sampling_section(s: dict, labels: dict[str, str]) -> list[str]:
    """The bridge from the point estimate to the sampling median, unseen moves, and prior sensitivity."""
    out = ["## From the published method to the small-sample audit", "",
           "What each step of the sampling stage moves (same units as the claim):", "",
           "| step | amount |", "| --- | ---: |"]
    out += [f"| {_md(step)} | {amount} |" for step, amount in bridge_rows(s)]
    out.append("")
    notes = unseen_sentences(s, labels)
    if notes:
        out += [f"- {_md(x)}" for x in notes] + [""]
    out += ["The full audit under other defensible sampling choices (same draws of every other input):", "",
            "| sampling choice | chance of the low end | chance of the high end | median |",
            "| --- | ---: | ---: | ---: |"]
    out += [f"| {_md(a)} | {b} | {c} | {d} |" for a, b, c, d in sensitivity_rows(s)]
    return out + [""]


def cost_words(st, budget: str) -> str:
    """A setting's cost as the inputs table shows it: ``cost`` and each optional part, counted or not."""
    from ..inputs.scenario import BUDGET_PARTS

    words = st.cost.describe()
    for key, what in (("schools_block", "schools block"), ("transport", "transport")):
        d = getattr(st, key)
        if d is not None:
            counted = "counted" if key in BUDGET_PARTS[budget] else "not counted at this budget"
            words += f"; + {what} {d.describe()} ({counted})"
    return words


def render_markdown(result) -> str:
    """The report as Markdown text (figures referenced under ``figures/``)."""
    s = result.summary()
    sc = result.scenario
    c = sc.claim
    per = format_per(c.per)
    rule = sc.verdict
    lines = [f"# Audit: {_md(sc.title)}", ""]
    fair = result.face_value_sentence()
    scope = result.scope_sentence()
    note = choice_note(s, sc.sample.basis)
    lines += [f"**Verdict: {s['verdict'].upper()}.** {_md(' '.join(result.headline()))}"
              + (f" {_md(note)}" if note else "")
              + (f" **{_md(scope)}**" if scope else "")
              + (f" {_md(fair)}" if fair else ""), ""]
    full = s["stages"][-1]
    lines += [
        f"- {'Claim' if c.derived else 'Published claim'}: **{format_claim(c.low, c.high)} {per}**"
        + (f" (over {c.horizon_years} years)" if c.horizon_years > 1 else "") + "."
        + (" The council did not publish this figure: the scenario's author worked it out from published "
           "findings (see the notes)." if c.derived else ""),
        f"- {_md(result.budget_sentence())}",
        f"- The published method applied to {'the planned moves' if sc.sample.basis == 'plan' else 'the review'} gives "
        f"**{money(s['point_estimate'])}**.",
        f"- With honest uncertainty, half the audited outcomes fall below **{money(full['median'])}**, "
        f"and 90% lie between **{money(full['p05'])}** and **{money(full['p95'])}**.",
        (f"- Chance the savings reach the published figure: **{format_chance(s['p_meets_low'])}** "
         f"({s['ends']['low']['words']})."
         if c.low == c.high else
         f"- Chance the savings reach the published low end: **{format_chance(s['p_meets_low'])}** "
         f"({s['ends']['low']['words']}); the high end: **{format_chance(s['p_meets_high'])}** "
         f"({s['ends']['high']['words']}); a saving inside the published range: "
         f"**{format_chance(s['p_in_range'])}**.") + " " + prior_range_sentence(s),
        "",
    ]
    lines += implied_lines(s, sc)
    if s.get("track"):  # present only when DfE has Januaries after the claim
        from .track import track_lines

        lines += track_lines(s["track"])
    lines += [
        "## The claim against the audit",
        "",
        "Each row adds one source of uncertainty to the one above, using the same random draws.",
        "",
        "| | median | 90% interval | chance of reaching the claim's low end |",
        "| --- | ---: | ---: | ---: |",
        f"| Published claim | | {money(c.low)} to {money(c.high)} | |",
    ]
    words = stage_words(sc.sample.basis)
    for st in s["stages"]:
        interval = "—" if st["name"] == "point" else f"{money(st['p05'])} to {money(st['p95'])}"
        lines.append(f"| {words[st['name']]} | {money(st['median'])} | {interval} | "
                     f"{format_chance(st['p_meets_low'])} |")
    lines += ["", "![The published range against each stage's 90% interval](figures/ladder.png)", "",
              "![Chance that savings reach each level, with the claim's ends marked](figures/exceedance.png)",
              "", "![Spread of audited savings with the published range shaded](figures/distribution.png)", ""]
    lines += reliability_section(s)
    lines += sampling_section(s, {st.key: st.label for st in sc.settings})

    lines += ["## How the verdict is decided", "", _md(verdict_rule_words(rule, c.low == c.high)), ""]

    lines += ["## Inputs and their sources", "",
              "| setting | children (cohort) | annual cost per placement | source |",
              "| --- | ---: | --- | --- |"]
    for st in sc.settings:
        src = "; ".join(x for x in (st.source, st.cost.source) if x) or "not given"
        lines.append(f"| {_md(st.label)} | {st.cohort:,} | {_md(cost_words(st, c.budget))} | {_md(src)} |")
    plan = sc.sample.basis == "plan"
    lines += ["", (f"**Planned moves:** {sc.sample.n_cases} children" if plan else
                   f"**Case review:** {sc.sample.n_cases} cases")
              + (f" (from `{_md(sc.sample.cases_file)}`)" if sc.sample.cases_file else "")
              + f"; resampling: {method_words(sc.sample)}."
              + (f" Source: {_md(sc.sample.source)}." if sc.sample.source else ""), "",
              ("| current setting | planned setting | children |" if plan else
               "| current setting | judged ideal setting | cases |"), "| --- | --- | ---: |"]
    labels = {st.key: st.label for st in sc.settings}
    for cur, ideal, n in sc.sample.counts:
        where = "already ideal" if cur == ideal else _md(labels[ideal])
        lines.append(f"| {_md(labels[cur])} | {where} | {n} |")
    sizes = {r.current: (r.cases_low, r.cases_high) for r in sc.sample.reports if r.cases_low is not None}
    for r in sc.sample.reports:
        # The `reported` form: published findings, with the unknown sub-group sizes drawn per draw.
        where = "already ideal" if r.current == r.ideal else _md(labels[r.ideal])
        lo, hi = sizes.get(r.current, (None, None))
        size = ("an unpublished number of" if lo is None else str(lo) if lo == hi else f"{lo}–{hi}")
        lines.append(f"| {_md(labels[r.current])} | {where} | {_md(r.written)} (of {size} reviewed) |")
    if sc.sample.reports:
        lines += ["", "The review's split by setting was not published: each draw picks one split of the "
                  f"{sc.sample.n} cases consistent with every finding, {split_words(sc.sample)}.", ""]
    lines += ["", f"**Judgement:** {_md(judgement_words(sc))}", "",
              f"**Take-up (realisation):** {_md(sc.realisation.describe())}"
              + (f" ({_md(sc.realisation.source)})" if sc.realisation.source else "") + ".", ""]
    if sc.sources:
        lines += ["**Sources:**", ""] + [f"- {_md(x)}" for x in sc.sources] + [""]
    if sc.notes:
        lines += ["**Notes from the scenario:** " + _md(sc.notes), ""]

    lines += ["## What this audit does and does not show", "",
              ("- The counts are the council's own planned moves, not a case review; auditor treats them like a "
               "small sample, so the spread shows how far the saving moves if the mix of moves turns out differently."
               if sc.sample.basis == "plan" else
               "- The case review is treated as a small sample: the share judged movable in each setting is "
               "uncertain, and that uncertainty is carried through to the savings."),
              f"- {limits_for(sc.sample.basis)}"]
    if plan:
        from .plain import PLAN_TRIBUNAL_CAVEAT

        lines += [f"- {PLAN_TRIBUNAL_CAVEAT}", ""]
    else:
        lines += ["- SEND Tribunal and Ombudsman rates describe council decisions that families challenged, a small "
                  "and self-selected minority; they are not the panel's error rate. The judgement models make that "
                  "gap an explicit, adjustable assumption.",
                  "- Selection of cases in workshops (rather than at random) is not modelled unless the scenario "
                  "says so.", ""]

    lines += ["## Provenance", "",
              f"- auditor {s['auditor_version']}; {s['run']['draws']:,} draws; seed {s['run']['seed']} "
              f"({s['run']['seed_source']}).",
              f"- Scenario `{_md(s['scenario']['path'])}`, SHA-256 `{s['scenario']['sha256']}`.",
              "- Overrides of the scenario file: " + (", ".join(
                  f"`{k}` = `{json.dumps(v, ensure_ascii=False)}`" for k, v in s["run"]["overrides"].items())
                  or "none") + ".",
              f"- To reproduce every figure, run this from the folder the scenario path is relative to: "
              f"`{s['run']['command']}`",
              f"- Monte Carlo standard error of the chance of reaching the low end: "
              f"{s['mcse']['p_meets_low']:.4f}.", ""]
    if s["normalised_names"]:
        lines += ["- Setting names read after normalising: " + ", ".join(
            f"{_md(x['written'])} → {_md(x['read_as'])}" for x in s["normalised_names"]), ""]
    return "\n".join(lines)
