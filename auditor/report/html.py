"""``report.html``: one self-contained page a campaigner can forward.

Figures are inline SVG (text stays text: selectable, searchable, and sized
for a 390 px phone), the styles are inline and a Content-Security-Policy
forbids every network request, so the file works offline and leaks nothing
about who opens it. The page is rendered by Jinja2
with autoescaping on: titles, notes and sources written in a scenario always
appear as text, never as markup.

Sections that depend on other parts of auditor (the reliability ladder, the
implied assumptions, a sensitivity run) appear only when their data exist,
and are rendered from plain JSON-like data so they follow those parts as they
grow.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..inputs.money import format_chance, format_claim, format_money, format_per
from ..wording import tipping_detail
from .plain import (GLOSSARY, PLAN_NO_TRIBUNAL, PLAN_TRIBUNAL_CAVEAT, choice_note, glossary, implied_sentences,
                    judgement_words, median_gap_sentence, net_cost_sentence, plain_dist, switching_summary,
                    tornado_base_sentence)
from .sampling import (LIMITS, PLAN_LIMITS, bridge_rows, method_words, prior_range, prior_range_sentence, sensitivity_rows,
                       split_words, unseen_sentences)

__all__ = ["render_html", "build_context", "load_sensitivity", "sensitivity_highlights", "figure_alt_texts",
           "format_value", "linkify", "CAVEATS", "caveats_for"]

TEMPLATES = Path(__file__).with_name("templates")

#: What the audit does not show; shared by the HTML report and the brief.
CAVEATS = (
    "The case review is treated as a small sample: the share of children judged movable in each setting is "
    "uncertain, and that uncertainty is carried through to the savings.",
    LIMITS,
    "SEND Tribunal and Local Government and Social Care Ombudsman rates describe council decisions that "
    "families challenged: a small, self-selected minority (roughly 2–3.5% of appealable decisions are "
    "appealed). They are not the panel's error rate.",
    "The Tribunal and the Ombudsman rule on what the law requires and on maladministration, not on which "
    "placement is ideal for a child. Their rates show how council judgements of this kind fare when "
    "tested, nothing more.",
    "Many appeals end by concession or withdrawal before a hearing, so rates of decided appeals leave out "
    "a large part of what happens when families challenge.",
    "If cases were chosen for the review in workshops rather than at random, that selection is not "
    "modelled unless the scenario says so.",
)


#: The first caveat for a claim built on the council's own planned moves (``[sample] basis = "plan"``).
PLAN_CAVEAT = ("The counts are the council's own planned moves, not a case review. auditor treats them like a "
               "small sample, so the spread shows how far the saving moves if the mix of moves turns out "
               "differently.")


def caveats_for(scenario) -> tuple[str, ...]:
    """:data:`CAVEATS`, or for a claim built on planned moves (no review panel) the caveats worded for them.

    The plan list has the same first three places (what the counts are, how they are scaled up, the tribunal
    evidence): the tribunal and Ombudsman rates are said not to bear on planned moves, and the caveats about
    decided appeals and workshop selection of cases, which concern only case reviews, are left out.
    """
    if scenario.sample.basis == "plan":
        return (PLAN_CAVEAT, PLAN_LIMITS, PLAN_TRIBUNAL_CAVEAT)
    return CAVEATS

_URL = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]")

# Plain words for keys that appear in summary, sensitivity and implied-assumption data.
_KEY_WORDS = {
    # implied assumptions (auditor.analysis.implied)
    "basis": "basis", "counted_as": "counted as", "mean_saving_per_move": "average saving per child moved",
    "children_moved_at_point": "children moved under the published method",
    "children_to_move_for_low": "children who must move to reach the claim's low end",
    "children_to_move_for_high": "children who must move to reach the claim's high end",
    "share_of_cohort_for_low": "share of each setting's children who must move (low end)",
    "share_of_cohort_for_high": "share of each setting's children who must move (high end)",
    "realisation_needed_for_low": "share of judged moves that must happen to reach the low end",
    "name": "", "label": "", "model": "model", "median": "median", "mean": "mean",
    "p05": "5th percentile", "p95": "95th percentile", "p_meets_low": "chance of reaching the claim's low end",
    "p_meets_high": "chance of reaching the claim's high end", "theta": "reliability θ",
}
_MONEY_HINTS = ("median", "mean", "p05", "p95", "saving", "low", "high", "value", "point", "cost", "estimate")
_SHARE_HINTS = ("p_", "prob", "share", "chance", "rate", "theta", "realisation", "transport")
_COUNT_HINTS = ("children", "cases", "count", "draws")


def linkify(text: str | None) -> list[tuple[str, str | None]]:
    """Split text into ``(text, url)`` pieces so the template can link web addresses.

    Only ``http`` and ``https`` addresses become links (never ``javascript:``).

    Examples
    --------
    >>> linkify("DfE (2023), https://example.org/a.csv. See notes")
    [('DfE (2023), ', None), ('https://example.org/a.csv', 'https://example.org/a.csv'), ('. See notes', None)]
    """
    if not text:
        return []
    out: list[tuple[str, str | None]] = []
    pos = 0
    for m in _URL.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], None))
        out.append((m.group(0), m.group(0)))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], None))
    return out


def claim_range(low: float, high: float) -> str:
    """The published claim in words (see :func:`auditor.inputs.money.format_claim`)."""
    return format_claim(low, high)


def _paragraphs(text: str | None) -> list[str]:
    """Notes as paragraphs: blank lines separate them, single line breaks do not."""
    if not text:
        return []
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def _words(key: str) -> str:
    if key in _KEY_WORDS and _KEY_WORDS[key]:
        return _KEY_WORDS[key]
    return key.replace("_", " ")


def format_value(key: str, value: Any) -> str:
    """A JSON value in plain words, guessing pounds and percentages from the key.

    Examples
    --------
    >>> format_value("median", 18_200_000), format_value("p_meets_low", 0.531), format_value("rho", 2.5)
    ('£18.2m', '53%', '2.5')
    """
    k = key.lower()
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "—"}[value]
    if isinstance(value, (int, float)):
        v = float(value)
        if not math.isfinite(v):
            return "—"
        if k.startswith("n_") or any(h in k for h in _COUNT_HINTS):
            return f"{v:,.0f}"
        if "share" in k or (any(k.startswith(h) or h in k for h in _SHARE_HINTS) and 0.0 <= v <= 1.0):
            return _pct(v)
        if any(h in k for h in _MONEY_HINTS) and abs(v) >= 1000:
            return format_money(v)
        if isinstance(value, int) or abs(v) >= 100:
            return f"{v:,.0f}"
        return f"{v:.3g}"
    if isinstance(value, Mapping):
        return "; ".join(f"{_words(str(a))} {format_value(f'{key}.{a}', b)}" for a, b in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(key, v) for v in value)
    return str(value)


def _blocks(data: Any, *, max_rows: int = 20) -> list[dict[str, Any]]:
    """Turn JSON-like data into display blocks: tables (lists of dicts) and facts (scalars).

    Unknown structures from other parts of auditor are shown as faithfully as
    possible rather than dropped.
    """
    blocks: list[dict[str, Any]] = []
    facts: list[tuple[str, str]] = []

    def table(title: str, rows: list[Mapping]) -> None:
        headers: list[str] = []
        for row in rows:
            for k in row:
                if k not in headers:
                    headers.append(k)
        body = [[format_value(h, row.get(h)) if h in row else "" for h in headers] for row in rows[:max_rows]]
        blocks.append({"kind": "table", "title": _words(title) if title else "",
                       "headers": [_words(h) or h for h in headers], "rows": body,
                       "more": max(0, len(rows) - max_rows)})

    if isinstance(data, list):
        if data and all(isinstance(r, Mapping) for r in data):
            table("", data)
        else:
            facts.append(("values", format_value("", data)))
    elif isinstance(data, Mapping):
        for k, v in data.items():
            if isinstance(v, list) and v and all(isinstance(r, Mapping) for r in v):
                table(str(k), v)
            elif isinstance(v, Mapping) and v and all(isinstance(r, Mapping) for r in v.values()):
                table(str(k), [{"name": a, **b} for a, b in v.items()])
            else:
                facts.append((_words(str(k)), format_value(str(k), v)))
    else:
        facts.append(("value", format_value("", data)))
    if facts:
        blocks.insert(0, {"kind": "facts", "facts": facts})
    return blocks


#: θ in the glossary for a claim built on planned moves (no panel proposed them).
PLAN_THETA = "θ (theta): the share of the planned moves that happen as the council assumes."

_MODEL_WORDS = {
    "face_value": "Face value: the panel is always right",
    "fixed": "Reliability given directly",
    "scrutinised": "As reliable as council decisions that get tested at tribunal",
    "contest": "Moves undone when families contest and win",
    "selection": "Tribunal rates adjusted for which decisions get appealed",
}


def _ladder_rows(rows: Any) -> list[dict[str, str]] | None:
    """The reliability ladder as table rows, or ``None`` if its shape is not the expected one."""
    if not (isinstance(rows, list) and rows and all(isinstance(r, Mapping) for r in rows)
            and all({"name", "median", "p05", "p95", "p_meets_low"} <= set(r) for r in rows)):
        return None
    return [{"label": str(r.get("label") or _MODEL_WORDS.get(r["name"], str(r["name"]).replace("_", " "))),
             "main": bool(r.get("main")), "median": format_money(r["median"]),
             "interval": f"{format_money(r['p05'])} to {format_money(r['p95'])}",
             "p_low": _pct(r["p_meets_low"])} for r in rows]


def _pct(p: float) -> str:
    """A probability as a percentage, never rounding a non-zero chance to a bare 0% or 100%.

    Examples
    --------
    >>> _pct(0.531), _pct(0.0004), _pct(0.0), _pct(0.9996)
    ('53%', '<1%', '0%', '>99%')
    """
    if 0.0 < p < 0.005:
        return "<1%"
    if 0.995 < p < 1.0:
        return ">99%"
    return f"{p:.0%}"


# The judgement models' own parameters, as the sensitivity run names them ("Judgement parameter NAME").
_PARAMETER_WORDS = {
    "selectivity": "How much likelier a wrong council decision is than a right one to reach a hearing (ρ)",
    "win_if_wrong": "How often a family wins a hearing when the council was wrong",
    "win_if_right": "How often a family wins a hearing when the council was right",
    "transport": "How far tribunal results carry over to the panel's calls",
    "contest_rate": "Share of proposed moves that families contest",
    "theta": "Share of the panel's proposed moves that are right (θ)",
}


def _input_words(label: str) -> str:
    """A sensitivity input's label in plain words (judgement parameters are named by their meaning).

    Examples
    --------
    >>> _input_words("Judgement parameter win_if_right")
    'How often a family wins a hearing when the council was right'
    >>> _input_words("Cost: State special school")
    'Cost: State special school'
    """
    if label.startswith("Judgement parameter "):
        name = label[len("Judgement parameter "):].strip()
        return _PARAMETER_WORDS.get(name, name.replace("_", " "))
    if label.startswith("Judgement reliability θ"):
        return "Share of the panel's proposed moves that are right (θ)"
    if label.startswith("Realisation"):
        return "Take-up (share of judged moves that happen)"
    if label.startswith("Small sample (5th/95th percentile)"):
        return "The small sample (its low and high 1-in-20 outcomes)"
    return label


_SOURCE_WORDS = {"sampling": "the small sample", "judgement": "the panel's judgements", "costs": "costs",
                 "implementation": "take-up (how many judged moves happen)",
                 "composition": "the unpublished split of the reviewed cases"}


def sensitivity_highlights(data: Mapping[str, Any], *, median: float | None = None) -> dict[str, Any]:
    """The few findings of a sensitivity run a reader needs, in plain words.

    Parts that are missing or shaped differently are left out; everything is
    in ``sensitivity.json`` beside the report. ``median`` (the audit's middle
    outcome) lets the one-input-at-a-time table say why its centre differs.
    """
    out: dict[str, Any] = {"sentences": [], "variance": [], "switching": [], "tornado": [], "tornado_base": None,
                           "generic": None, "switching_summary": "", "tornado_sentence": None, "no_effect": []}
    frag = data.get("fragility")
    if isinstance(frag, Mapping) and frag.get("sentence"):
        out["sentences"].append(str(frag["sentence"]))
    n25 = data.get("sample_size_for_25pct")
    if isinstance(n25, (int, float)):
        out["sentences"].append(f"Sampling alone would give a 90% range within ±25% of the published-method "
                                f"estimate only with a review of about {int(n25):,} cases.")
    vs = data.get("variance_share")
    if isinstance(vs, Mapping):
        for name, v in vs.items():
            if isinstance(v, Mapping) and isinstance(v.get("total"), (int, float)):
                first = v.get("first")
                out["variance"].append({
                    "source": _SOURCE_WORDS.get(str(name), str(name).replace("_", " ")),
                    "first": f"{max(0.0, float(first)):.0%}" if isinstance(first, (int, float)) else "—",
                    "total": f"{max(0.0, float(v['total'])):.0%}"})
    for sv in data.get("switching_values") or []:
        if isinstance(sv, Mapping) and sv.get("value") is not None:
            key = str(sv.get("input", ""))
            when = {"lower": "falls below", "higher": "rises above"}.get(sv.get("claim_missed_when"), "passes")
            inside = {True: "yes", False: "no", None: "—"}.get(sv.get("within_input_range"), "—")
            out["switching"].append({"label": _input_words(str(sv.get("label") or key)),
                                     "current": format_value(key, sv.get("current")),
                                     "value": format_value(key, sv.get("value")), "when": when,
                                     "inside": inside})
    every = [sv for sv in data.get("switching_values") or [] if isinstance(sv, Mapping)]
    claim_low = (data.get("claim") or {}).get("low") if isinstance(data.get("claim"), Mapping) else None
    if every and isinstance(claim_low, (int, float)):
        out["switching_summary"] = switching_summary(every, float(claim_low))
    torn = data.get("tornado")
    rows = torn.get("rows") if isinstance(torn, Mapping) else None
    if isinstance(rows, list):
        def swing(r):
            return abs(float(r.get("at_high") or 0) - float(r.get("at_low") or 0))

        good = [r for r in rows if isinstance(r, Mapping) and "at_low" in r and "at_high" in r]
        for r in sorted(good, key=swing, reverse=True)[:5]:
            if swing(r) > 0:
                out["tornado"].append({"label": _input_words(str(r.get("label") or r.get("input"))),
                                       "at_low": format_money(float(r["at_low"])),
                                       "at_high": format_money(float(r["at_high"]))})
        # Inputs fixed in this scenario move nothing: named once instead of rows of equal numbers.
        out["no_effect"] = [_input_words(str(r.get("label") or r.get("input"))) for r in good if swing(r) == 0]
        if isinstance(torn.get("base"), (int, float)):
            out["tornado_base"] = format_money(float(torn["base"]))
            point = data.get("point_estimate")
            if median is not None:
                out["tornado_sentence"] = tornado_base_sentence(
                    float(torn["base"]), float(point) if isinstance(point, (int, float)) else float("nan"),
                    float(median))
    if not any(out[k] for k in ("sentences", "variance", "switching", "tornado")):
        out["generic"] = _blocks({k: v for k, v in data.items()
                                  if k not in ("scenario", "schema_version", "auditor_version", "grid")})
    return out


def load_sensitivity(folder: str | Path, sha256: str | None = None) -> dict[str, Any] | None:
    """Read ``sensitivity.json`` from a report folder, if there is one.

    Returns ``None`` when the file is missing, unreadable, or records a
    different scenario file (``scenario.sha256`` not matching ``sha256``).
    """
    path = Path(folder) / "sensitivity.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    recorded = data.get("scenario", {}).get("sha256") if isinstance(data.get("scenario"), dict) else None
    if sha256 and recorded and recorded != sha256:
        return None
    return data


def figure_alt_texts(summary: Mapping[str, Any]) -> dict[str, str]:
    """Alt text for each figure, carrying the numbers a sighted reader gets from it."""
    c = summary["claim"]
    per = format_per(c["per"])
    claim = f"{claim_range(c['low'], c['high'])} {per}"
    steps = "; ".join(
        (f"published method {format_money(st['median'])}" if st["name"] == "point" else
         f"{_STAGE_SHORT[st['name']]}: median {format_money(st['median'])}, 90% between "
         f"{format_money(st['p05'])} and {format_money(st['p95'])}")
        for st in summary["stages"])
    return {
        "ladder": (f"Chart of the published claim, {claim}, as a shaded band, against the audit as each source "
                   f"of uncertainty is added: {steps}."),
        "exceedance": ("Chart of the chance that savings reach at least each amount. The chance of reaching "
                       + (f"the claimed figure, {format_money(c['low'])}, is {format_chance(summary['p_meets_low'])}."
                          if c["low"] == c["high"] else
                          f"the claim's low end, {format_money(c['low'])}, is {format_chance(summary['p_meets_low'])}; "
                          f"of reaching its high end, {format_money(c['high'])}, "
                          f"{format_chance(summary['p_meets_high'])}.")),
        "distribution": (f"Histogram of audited savings with the published range, {claim}, shaded. Half the "
                         f"audited outcomes fall below {format_money(summary['savings']['median'])}; 90% lie "
                         f"between {format_money(summary['savings']['p05'])} and "
                         f"{format_money(summary['savings']['p95'])}."),
        "reliability": (f"Chart of the published claim, {claim}, as a shaded band, against the full audit under "
                        "each reading of the tribunal evidence: " + "; ".join(
                            f"{_RUNG_SHORT.get(r['name'], str(r['name']).replace('_', ' '))}"
                            + (" (this audit)" if r.get("main") else "")
                            + f": median {format_money(r['median'])}, 90% between {format_money(r['p05'])} and "
                              f"{format_money(r['p95'])}"
                            for r in (summary.get("judgement") or {}).get("ladder") or []) + "."),
    }


_RUNG_SHORT = {"face_value": "face value", "contest": "contest", "symmetric": "selection, symmetric",
               "selection": "selection", "scrutinised": "worst case, scrutinised"}


_STAGE_SHORT = {"point": "published method", "sampling": "with the small sample",
                "judgement": "adding judgement reliability", "full": "full audit (adding costs and take-up)"}


def _svg(ax_or_fig, ident: str, alt: str):
    """A drawn figure as inline SVG markup (matplotlib escapes every label it writes)."""
    from markupsafe import Markup

    from ..figures.audit import svg_text

    return Markup(svg_text(ax_or_fig, ident, alt))


def _figures(result, summary, drawn: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    from ..figures import audit as figures

    alts = figure_alt_texts(summary)
    captions = {
        "ladder": "The published range (shaded) against the audit as each source of uncertainty is added. "
                  "Bars cover 90% of audited outcomes; dots mark the middle outcomes.",
        "exceedance": "How likely each level of savings is. Read across from a saving on the bottom axis to "
                      "the chance of reaching at least that much.",
        "distribution": "The spread of audited savings (full audit), with the published range shaded.",
        "reliability": "The published range (shaded) against the full audit under each reading of the tribunal "
                       "evidence, from the same draws. Bars cover 90% of audited outcomes; dots mark the middle "
                       "outcomes; the blue bar is the reading this audit uses.",
    }
    ladder = (summary.get("judgement") or {}).get("ladder")
    # The reliability chart goes with the reliability table: only where that table is shown (never for planned moves).
    names = ("ladder", "exceedance", "distribution") + (
        ("reliability",) if _ladder_rows(ladder) and result.scenario.sample.basis != "plan" else ())
    # Figures already drawn for report.md are reused: one drawing, written as PNG there and as SVG here.
    drawn = drawn or {}
    return [{"name": n, "svg": _svg(drawn[n] if n in drawn else getattr(figures, n)(result), f"fig-{n}", alts[n]),
             "alt": alts[n], "caption": captions[n]} for n in names]


def _track_context(t: Mapping[str, Any] | None, drawn: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The reality check (``summary["track"]``) laid out for the template, or None."""
    if not t or t.get("status") not in ("ok", "too_recent"):
        return None
    if t["status"] != "ok":
        return {"sentence": t["sentence"], "svg": None, "rows": [], "years": [], "notes": [], "money": None,
                "terms": glossary(t["sentence"])}
    from ..figures.track import track_figure

    alt = (f"Shares of {t['council']['name']}'s EHC plans by setting each January, against the comparison "
           f"councils' change with a 90% placebo band and the path the claim needed.")
    fig = (drawn or {}).get("track") or track_figure(dict(t))
    years = [str(y) for y in t["years"]]

    def n(x):
        return "—" if x is None else f"{x:,.0f}"

    ex = t["excess_moves_by_year"]
    rows = [("Children the claim needed to have moved", [n(t["required_moves"][y]) for y in years]),
            ("Children moved beyond the comparison councils' change (middle estimate; below 0: fewer)",
             [n(ex[y]["median"]) for y in years]),
            ("90% range", [f"{n(ex[y]['p05'])} to {n(ex[y]['p95'])}" for y in years]),
            ("Against England excluding the council", [n(t["comparisons"]["england_excluding"][y]) for y in years]),
            ("Against its own pre-claim trend", [n(t["comparisons"]["own_trend"][y]) for y in years])]
    m = t["money"]
    money = (f"Valued at the scenario's costs, the extra moves by January {years[-1]} are worth about "
             f"{format_money(m['savings']['median'])} a year (90% range {format_money(m['savings']['p05'])} to "
             f"{format_money(m['savings']['p95'])}), against about {format_money(m['claim_needed_by_then'])} a year "
             f"the claim's path needed by then.")
    return {"sentence": t["sentence"], "svg": _svg(fig, "fig-track", alt), "years": years, "rows": rows,
            "notes": [linkify(x) for x in t["notes"]], "money": money, "alt": alt,
            "net_cost": net_cost_sentence([m["savings"]["p05"]]),
            "terms": glossary(t["sentence"], "DBV placebo")}


def _sample_context(sc, labels: Mapping[str, str]) -> dict[str, Any]:
    """The case review: its counts, or for a review published only as shares, the findings as published."""
    sample = sc.sample
    sizes = {r.current: (r.cases_low, r.cases_high) for r in sample.reports if r.cases_low is not None}
    findings = []
    for r in sample.reports:
        lo, hi = sizes.get(r.current, (None, None))
        findings.append({"current": labels.get(r.current, r.current),
                         "ideal": "already ideal" if r.current == r.ideal else labels.get(r.ideal, r.ideal),
                         "n": f"{r.written} (of {'an unpublished number' if lo is None else lo if lo == hi else f'{lo}–{hi}'}"
                              " reviewed)"})
    return {"n": sample.n_cases, "file": sample.cases_file, "method": method_words(sample),
            "source": linkify(sample.source),
            "rows": [{"current": labels.get(a, a), "ideal": "already ideal" if a == b else labels.get(b, b),
                      "n": n} for a, b, n in sample.counts],
            "findings": findings,
            "split": (f"The review's split by setting was not published: each draw picks one split of the "
                      f"{sample.n} cases consistent with every finding, {split_words(sample)}."
                      if sample.reports else None),
            "terms": glossary(method_words(sample))}


def _points(x: float) -> str:
    """A standard error on a chance, in percentage points.

    Examples
    --------
    >>> _points(0.0007), _points(0.0000004), _points(0.0109)
    ('0.07 percentage points', 'less than 0.01 percentage points', '1.09 percentage points')
    """
    return ("less than 0.01 percentage points" if x * 100 < 0.005 else f"{x * 100:.2f} percentage points")


def _marks_note(sc) -> str | None:
    """What ASSUMED and DERIVED mean, when the scenario's own words use them."""
    text = " ".join(str(x) for x in (sc.notes, sc.claim.source, sc.sample.source, *sc.sources,
                                     *(st.source for st in sc.settings), *(st.cost.source for st in sc.settings)) if x)
    found = [w for w in ("ASSUMED", "DERIVED") if w in text]
    if not found:
        return None
    words = {"ASSUMED": "ASSUMED marks a choice the scenario's author made where nothing was published",
             "DERIVED": "DERIVED marks arithmetic on sourced figures, shown beside it"}
    return "In the sources and notes, " + "; ".join(words[w] for w in found) + "."


def _judgement_plain(model, basis: str = "review") -> str:
    """The judgement reading in one plain sentence (its technical description is folded beside it)."""
    name = getattr(model, "name", "")
    if basis == "plan" and name == "face_value":
        return "Every planned move is taken to happen as the council assumes, as the published figure does."
    return {"face_value": "Every judgement of the panel is taken as right, as the published figure does.",
            "fixed": "The panel is taken to be right about a stated share of its proposed moves.",
            "scrutinised": "The panel is taken to be as reliable as council decisions that families challenged "
                           "and took to a tribunal hearing: the harshest reading.",
            "contest": "A proposed move is undone when the family contests it and wins, as often as families "
                       "win at the tribunal.",
            "selection": "Tribunal results are read allowing for the fact that families appeal mostly the "
                         "decisions that look wrong; how strongly is an assumption, shown as a range.",
            }.get(name, "See the detail.")


def _find(summary: Mapping[str, Any], keys: Iterable[str]) -> Any:
    for k in keys:
        if summary.get(k):
            return summary[k]
    return None


def _evidence_rows(summary: Mapping[str, Any]) -> Any:
    j = summary.get("judgement") or {}
    for k in ("evidence_rows", "evidence"):
        if isinstance(j, Mapping) and j.get(k):
            return j[k]
    return summary.get("evidence_rows") or summary.get("evidence")


def build_context(result, *, summary: Mapping[str, Any] | None = None,
                  sensitivity: Mapping[str, Any] | None = None,
                  drawn: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Everything the template shows, computed in Python so the template only lays it out.

    ``drawn`` maps figure names to figures already drawn (matplotlib Axes or Figure); others are drawn here.
    """
    from ..inputs.evidence import citations
    from .markdown import stage_words, verdict_rule_words

    s = dict(summary if summary is not None else result.summary())
    sc = result.scenario
    c = sc.claim
    per = format_per(c.per)
    labels = {st.key: st.label for st in sc.settings}
    plan = sc.sample.basis == "plan"
    words = stage_words(sc.sample.basis)
    stages = [{"label": words.get(st["name"], st["name"]), "name": st["name"],
               "median": format_money(st["median"]),
               "interval": "—" if st["name"] == "point" else f"{format_money(st['p05'])} to {format_money(st['p95'])}",
               "p_low": _pct(st["p_meets_low"])} for st in s["stages"]]
    rule = sc.verdict
    reliability = _find(s, ("reliability_ladder", "reliability")) or (s.get("judgement") or {}).get("ladder")
    implied = s.get("implied")
    evidence = _evidence_rows(s)
    headline_rest = result.headline()[1:]
    moves = implied_sentences(s, sc)
    lo_p, hi_p = prior_range(s)
    ladder_rows = None if plan else _ladder_rows(reliability)
    judgement_text = judgement_words(sc)
    return {
        "plan": plan,
        "plan_no_tribunal": PLAN_NO_TRIBUNAL,
        "choice_note": choice_note(s, sc.sample.basis),
        "moves": moves,
        # The verdict box keeps the low end and "more children than there are"; the section has every end.
        "verdict_moves": implied_sentences(s, sc, ends=("low",)),
        "sampling_terms": glossary("prior Dirichlet") if s.get("sampling") else [],
        "reliability_terms": ([] if plan else
                              glossary(*(str(r.get("label", "")) for r in reliability or [] if isinstance(r, Mapping)),
                                       tipping_detail(s) or "", "tribunal")),
        "glossary_variance": GLOSSARY["variance"],
        "sensitivity_terms": glossary("θ ρ") if sensitivity else [],
        "verdict_terms": glossary(sc.title, result.verdict_sentence(), *headline_rest, "median 90%"),
        "median_gap": median_gap_sentence(s, sc.sample.n_cases),
        "net_cost_claim": net_cost_sentence([s["savings"]["p05"]]),
        "net_cost_ladder": net_cost_sentence([st["p05"] for st in s["stages"]]),
        "net_cost_reliability": net_cost_sentence([r["p05"] for r in reliability] if ladder_rows else []),
        "prior_range_plain": (None if not s.get("sampling") else
                              f"Other reasonable ways of handling the small sample leave this chance at {_pct(lo_p)}."
                              if _pct(lo_p) == _pct(hi_p) else
                              f"Other reasonable ways of handling the small sample put this chance between "
                              f"{_pct(lo_p)} and {_pct(hi_p)}."),
        "rule_plain": (f"The claim collapses when the chance of reaching its low end is below "
                       f"{rule.collapse_below:.0%}. It holds when that chance is at least {rule.hold_at:.0%} and "
                       f"the audit's 90% range is no more than {rule.max_width_ratio:g} times as wide as the "
                       "published range. Otherwise it widens: the claim's figure is possible, but the evidence "
                       "supports a much wider range."
                       + (" A single figure has no range to compare with the audit's, so it can at best widen, "
                          "however likely the figure is." if c.low == c.high else "")),
        "title": sc.title,
        "authority": sc.authority,
        "verdict": s["verdict"],
        "verdict_sentence": result.verdict_sentence(),
        "headline_rest": headline_rest,
        "tipping_extra": tipping_detail(s),
        "ends": {k: (v or {}).get("words", "") for k, v in (s.get("ends") or {}).items()},
        "rule_words": verdict_rule_words(rule, c.low == c.high).replace("**", ""),
        "face_value_sentence": result.face_value_sentence(),
        "scope_sentence": result.scope_sentence(),
        "budget_sentence": result.budget_sentence(),
        "claim": {"low": format_money(c.low), "high": format_money(c.high), "per": per,
                  "range": claim_range(c.low, c.high), "derived": c.derived, "single": c.low == c.high,
                  "horizon": c.horizon_years, "source": linkify(c.source)},
        "point": format_money(s["point_estimate"]),
        "basis_words": "the planned moves" if sc.sample.basis == "plan" else "the review",
        "point_exact": ("every planned move as happening" if sc.sample.basis == "plan"
                        else "every finding of the review as exact"),
        "median": format_money(s["savings"]["median"]),
        "p05": format_money(s["savings"]["p05"]),
        "p95": format_money(s["savings"]["p95"]),
        "p_low": _pct(s["p_meets_low"]),
        "p_high": _pct(s["p_meets_high"]),
        "p_within": f"{s.get('p_within_claim', float('nan')):.0%}" if "p_within_claim" in s else None,
        "stages": stages,
        "rule": {"collapse_below": f"{rule.collapse_below:.0%}", "hold_at": f"{rule.hold_at:.0%}",
                 "max_width_ratio": f"{rule.max_width_ratio:g}"},
        "figures": _figures(result, s, drawn),
        "reliability": ladder_rows,
        "reliability_generic": _blocks(reliability) if reliability and not ladder_rows and not plan else None,
        "implied": _blocks(implied) if implied else None,
        "track": _track_context(s.get("track"), drawn),
        "sampling": ({"range": prior_range_sentence(s), "bridge": bridge_rows(s),
                      "notes": unseen_sentences(s, labels), "rows": sensitivity_rows(s)}
                     if s.get("sampling") else None),
        "sensitivity": (sensitivity_highlights(sensitivity, median=s["savings"]["median"]) if sensitivity
                        else None),
        "settings": [{"label": st.label, "cohort": f"{st.cohort:,}", "cost": plain_dist(st.cost),
                      "cost_detail": st.cost.describe(),
                      "sources": [linkify(x) for x in (st.source, st.cost.source) if x]} for st in sc.settings],
        "sample": _sample_context(sc, labels),
        "judgement": judgement_text,
        "judgement_plain": _judgement_plain(sc.judgement, sc.sample.basis),
        "judgement_terms": [(term, PLAN_THETA if plan and term == "θ" else meaning)
                            for term, meaning in glossary(judgement_text)],
        "realisation": plain_dist(sc.realisation, share=True),
        "realisation_detail": sc.realisation.describe(),
        "realisation_source": linkify(sc.realisation.source),
        "sources": [linkify(x) for x in sc.sources],
        "notes": _paragraphs(sc.notes),
        "caveats": caveats_for(sc),
        "caveat_sources": ([] if plan else [(what, text, linkify(url)) for what, text, url
                                            in citations(s.get("judgement", {}).get("evidence", []))]),
        "provenance": {"version": s["auditor_version"], "seed": s["run"]["seed"],
                       "seed_source": s["run"].get("seed_source", ""), "draws": f"{s['run']['draws']:,}",
                       "path": s["scenario"]["path"], "sha256": s["scenario"]["sha256"],
                       "overrides": [(k, json.dumps(v, ensure_ascii=False))
                                     for k, v in s["run"].get("overrides", {}).items()],
                       "command": s["run"].get("command"),
                       "mcse": _points(s["mcse"]["p_meets_low"]) if "mcse" in s else None,
                       "evidence": _blocks(evidence) if evidence else None},
        "marks": _marks_note(sc),
        "normalised": [(x["written"], x["read_as"]) for x in s.get("normalised_names", [])],
    }


def render_html(result, *, summary: Mapping[str, Any] | None = None,
                sensitivity: Mapping[str, Any] | None = None,
                drawn: Mapping[str, Any] | None = None) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    result : AuditResult
    summary : mapping, optional
        The summary to show (default ``result.summary()``); lets callers add
        keys such as ``implied`` or ``reliability_ladder``.
    sensitivity : mapping, optional
        The content of a ``sensitivity.json`` for the same scenario.
    drawn : mapping of str to matplotlib Axes or Figure, optional
        Figures already drawn (by name, e.g. for ``report.md``); others are drawn here.

    Returns
    -------
    str
    """
    return _template().render(**build_context(result, summary=summary, sensitivity=sensitivity, drawn=drawn))


@functools.lru_cache(maxsize=1)
def _template():
    """The report template, compiled once per process (a batch or the web app renders many reports)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    return env.get_template("report.html.j2")
