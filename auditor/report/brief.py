"""``brief.pdf``: exactly one A4 page for a councillor.

The verdict in a sentence, the ladder chart, a handful of numbers in plain
words, the main caveats and the sources. Drawn with matplotlib's PDF backend
(already a dependency; no browser or LaTeX needed). Text is laid out top to
bottom with a cursor and every block has a line budget, so the page can never
overflow onto a second one, whatever the scenario's title or sources.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from ..safetext import for_matplotlib

from ..inputs.money import format_money, format_per
from .plain import choice_note, implied_sentences

__all__ = ["write_brief", "brief_figure", "plain_numbers", "once", "A4_INCHES"]

A4_INCHES = (8.27, 11.69)  # 210 mm × 297 mm
_LEFT, _RIGHT, _BOTTOM = 0.07, 0.93, 0.035
_VERDICT_COLOUR = {"collapses": "#D55E00", "widens": "#E69F00", "holds": "#009E73"}  # Okabe–Ito


def _chance(p: float) -> str:
    """A probability as councillors read it: 'about 53 in 100'.

    Examples
    --------
    >>> _chance(0.531), _chance(0.001), _chance(0.999), _chance(1.0)
    ('about 53 in 100', 'less than 1 in 100', 'more than 99 in 100', '100 in 100')
    """
    if p <= 0.0:
        return "0 in 100"
    if p >= 1.0:
        return "100 in 100"
    if p < 0.005:
        return "less than 1 in 100"
    if p > 0.995:
        return "more than 99 in 100"
    return f"about {round(p * 100):.0f} in 100"


def _words(summary, end: str) -> str:
    """`` (very likely)``: an end's calibrated words from the summary, or nothing."""
    words = ((summary.get("ends") or {}).get(end) or {}).get("words")
    return f" ({words})" if words else ""


def plain_numbers(result, summary=None) -> list[str]:
    """Four to six key numbers, each in plain sentences (the tipping point among them).

    Examples
    --------
    >>> import auditor
    >>> r = auditor.audit("scenarios/west-sussex-2023.toml", draws=2000, seed=1)
    >>> len(plain_numbers(r)) in (4, 5, 6)
    True
    """
    s = summary if summary is not None else result.summary()
    sc = result.scenario
    c = sc.claim
    per = format_per(c.per)
    over = f" (over {c.horizon_years} years)" if c.horizon_years > 1 else ""
    from .html import claim_range

    out = [
        f"Claimed savings: {claim_range(c.low, c.high)} {per}{over}.",
        f"Applying the published method to the {sc.sample.n_cases} "
        f"{'planned moves' if sc.sample.basis == 'plan' else 'reviewed cases'} gives "
        f"{format_money(s['point_estimate'])} {per}.",
        f"Allowing for honest uncertainty, the middle estimate is {format_money(s['savings']['median'])} {per}; "
        f"9 times in 10 it lies between {format_money(s['savings']['p05'])} and {format_money(s['savings']['p95'])}.",
        (f"Chance of saving at least the claimed minimum ({format_money(c.low)}): {_chance(s['p_meets_low'])}"
         f"{_words(s, 'low')}. Chance of reaching the top figure ({format_money(c.high)}): "
         f"{_chance(s['p_meets_high'])}{_words(s, 'high')}."
         if c.high != c.low else
         f"Chance of saving at least the claimed {format_money(c.low)}: {_chance(s['p_meets_low'])}"
         f"{_words(s, 'low')}."),
    ]
    theta = (s.get("judgement") or {}).get("theta")
    tip = (s.get("tipping") or {}).get("sentence")
    if sc.judgement.name == "face_value" and sc.sample.basis == "plan":
        out.append("Every planned move was taken to happen, as the published figure assumes.")
    elif sc.judgement.name == "face_value":
        out.append("The panel's judgements were taken as always right, as the published figure assumes.")
    elif isinstance(theta, dict) and "median" in theta:
        out.append(f"The panel's judged moves were assumed to stand up {theta['median']:.0%} of the time "
                   f"(middle value; model: {sc.judgement.name.replace('_', ' ')}).")
    if tip:
        out.append(tip)
    return out


def once(sources: list[str]) -> list[str]:
    """Each source once: a line whose web addresses are all listed already adds nothing (nor does a repeat).

    Examples
    --------
    >>> once(["Claim: SNJ, https://a.org/x", "Claim: SNJ (2023), https://a.org/x", "Costs: see below",
    ...       "Costs: see below", "DfE https://b.org/y; https://a.org/x"])
    ['Claim: SNJ, https://a.org/x', 'Costs: see below', 'DfE https://b.org/y; https://a.org/x']
    """
    from .html import linkify

    seen_urls: set[str] = set()
    seen_text: set[str] = set()
    out = []
    for src in sources:
        urls = {u for _, u in linkify(src) if u}
        key = " ".join(src.split()).lower()
        if key in seen_text or (urls and urls <= seen_urls):
            continue
        seen_text.add(key)
        seen_urls |= urls
        out.append(src)
    return out


def _track_line(t) -> str | None:
    """The reality check in one line for the brief, when the scenario has one."""
    import re

    if not t or t.get("status") not in ("ok", "too_recent") or not t.get("sentence"):
        return None
    # The first two sentences (what was needed, what happened, how likely); the ranks stay in report.html.
    parts = re.split(r"(?<=[a-z0-9)])\. (?=[A-Z])", str(t["sentence"]).strip())
    text = ". ".join(parts[:2]).rstrip(".") + "."
    if t.get("status") == "ok":
        text += " Observational evidence, not proof of cause."
    return "What happened after the claim: " + text


class _Cursor:
    """Writes wrapped text down the page; every call has a line budget so nothing overflows."""

    def __init__(self, fig, top: float) -> None:
        self.fig = fig
        self.y = top
        self.height_in = fig.get_figheight()

    def gap(self, points: float) -> None:
        self.y -= points / 72.0 / self.height_in

    def text(self, text: str, *, size: float, width: int, max_lines: int, x: float = _LEFT,
             weight: str = "normal", color: str = "#1a1a1a", bullet: str = "", leading: float = 1.32) -> None:
        indent = " " * (len(bullet) + 1) if bullet else ""
        lines = textwrap.wrap(text, width=width, initial_indent=f"{bullet} " if bullet else "",
                              subsequent_indent=indent, break_long_words=True, break_on_hyphens=False)
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = lines[-1][: max(0, width - 1)].rstrip() + "…"
        for line in lines:
            self.y -= size * leading / 72.0 / self.height_in
            # Scenario text: drawn literally (a `$` in "US$6m" is not mathtext).
            self.fig.text(x, self.y, for_matplotlib(line), fontsize=size, fontweight=weight, color=color, va="baseline",
                          ha="left")


def brief_figure(result, summary=None):
    """The brief as a matplotlib Figure of one A4 page (no pyplot state)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from ..figures import audit as figures
    from .html import caveats_for

    s = summary if summary is not None else result.summary()
    sc = result.scenario
    caveats = caveats_for(sc)
    fig = Figure(figsize=A4_INCHES, dpi=100)
    cur = _Cursor(fig, 0.975)
    header = "auditor · one-page brief" + (f" · {sc.authority}" if sc.authority else "")
    cur.text(header, size=8.5, width=110, max_lines=1, color="#4a4a4a")
    cur.gap(4)
    cur.text(sc.title, size=15, width=56, max_lines=3, weight="bold")
    cur.gap(10)

    verdict = s["verdict"]
    top = cur.y
    cur.text(f"Verdict: the claim {verdict.upper()}", size=17, width=50, max_lines=1, weight="bold",
             x=_LEFT + 0.02)
    fair = result.face_value_sentence()
    scope = result.scope_sentence()
    depends = result.verdict_detail.dependence_sentence()
    cur.text(result.verdict_sentence() + (f" {depends}" if depends else "") + (f" {scope}" if scope else "")
             + (f" {fair}" if fair else ""),
             size=11, width=84, max_lines=5 + 2 * sum(bool(x) for x in (scope, depends, fair)),
             x=_LEFT + 0.02)
    # What the analysis choice is, in plain words, right under the sentence that names it. Its lines are
    # taken from the chart below, so everything under the chart keeps its room.
    note = choice_note(s, sc.sample.basis, short=True) if depends else None
    note_lines = min(2, len(textwrap.wrap(note, width=110))) if note else 0
    if note:
        cur.gap(2)
        cur.text(note, size=8.5, width=110, max_lines=2, x=_LEFT + 0.02, color="#333333")
    cur.gap(6)
    fig.add_artist(Rectangle((_LEFT, cur.y), 0.008, top - cur.y, transform=fig.transFigure,
                             color=_VERDICT_COLOUR.get(verdict, "#0072B2"), lw=0))
    cur.gap(8)

    moves = implied_sentences(s, sc, ends=("low",))
    reality = _track_line(s.get("track"))
    # The optional lines take the room from the chart, never from the page's end.
    chart_h = (0.27 - 0.04 * bool(moves) - 0.045 * bool(reality)
               - (note_lines * 8.5 * 1.32 + 2 * bool(note)) / 72 / cur.height_in)
    ax = fig.add_axes((_LEFT + 0.19, cur.y - chart_h, _RIGHT - _LEFT - 0.19, chart_h - 0.035))
    figures.ladder(result, ax=ax)
    ax.tick_params(labelsize=8)
    ax.xaxis.label.set_fontsize(8.5)
    ax.title.set_fontsize(9.5)
    cur.y -= chart_h
    cur.gap(30)

    cur.text("In numbers", size=12, width=60, max_lines=1, weight="bold")
    cur.gap(2)
    for line in plain_numbers(result, s):
        cur.text(line, size=10, width=92, max_lines=5, bullet="•")
        cur.gap(2)
    # What the claim needs in children (the low end, and "more children than there are" where true).
    if moves:
        cur.text(" ".join(moves), size=10, width=92, max_lines=5, bullet="•", weight="bold")
        cur.gap(2)
    if reality:
        cur.text(reality, size=10, width=92, max_lines=5, bullet="•")
        cur.gap(2)
    cur.gap(8)

    cur.text("What to bear in mind", size=12, width=60, max_lines=1, weight="bold")
    cur.gap(2)
    # A long headline (a named judgement reading, a call that depends on something) leaves room for two.
    # A claim built on planned moves has one tribunal caveat (that the rates do not bear on it), not two.
    # What the counts are, the scrutiny evidence, and (for a case review) decided appeals; a plan's list is shorter.
    chosen = caveats[:1] + caveats[2:4]
    caveats = (chosen if cur.y > _BOTTOM + 0.2 else chosen[1:] if cur.y > _BOTTOM + 0.15 else chosen[1:2])
    for caveat in caveats:
        cur.text(caveat, size=9, width=104, max_lines=3, bullet="•")
        cur.gap(1.5)
    cur.gap(8)

    cur.text("Sources", size=10.5, width=60, max_lines=1, weight="bold")
    cur.gap(1)
    sources = list(sc.sources) + ([f"Claim: {sc.claim.source}"] if sc.claim.source else [])
    # The scenario's own list may point to per-setting sources ("see each setting"), so list those too.
    sources += [f"{st.label}: " + "; ".join(x for x in (st.source, st.cost.source) if x)
                for st in sc.settings if st.source or st.cost.source]
    sources = once(sources)
    # Sources get whatever room is left above the footer (one line kept for "more sources").
    budget = int((cur.y - _BOTTOM - 0.015) * cur.height_in * 72 / (7.5 * 1.32)) - 1
    for src in sources:
        lines = min(3, budget)
        if lines <= 0:
            cur.text("More sources are listed in report.html.", size=7.5, width=140, max_lines=1)
            break
        before = cur.y
        cur.text(src, size=7.5, width=140, max_lines=lines, bullet="–", color="#333333")
        budget -= round((before - cur.y) * cur.height_in * 72 / (7.5 * 1.32))

    prov = s["scenario"]["sha256"] or ""
    fig.text(_LEFT, _BOTTOM - 0.012,
             f"auditor {s['auditor_version']} · {s['run']['draws']:,} draws · seed {s['run']['seed']} · "
             f"scenario SHA-256 {prov[:16]}… · full working, every draw and every source: report.html",
             fontsize=7, color="#4a4a4a", ha="left", va="baseline")
    if cur.y < _BOTTOM + 0.01:  # the line budgets above make this unreachable; a bug if it fires
        raise RuntimeError("brief.pdf text overflowed its page")
    return fig


def write_brief(result, path: str | Path, summary=None) -> Path:
    """Write ``brief.pdf``: one A4 page, byte-for-byte reproducible.

    ``CreationDate`` is omitted so identical runs give identical files, and
    fonts are embedded as TrueType (Type 42) so readers can search and copy
    the text.
    """
    import matplotlib

    path = Path(path)
    fig = brief_figure(result, summary)
    from .fonts import lean_font_subsets

    # Layout tables a PDF never reads are left out of the font subsets (report/fonts.py): same page, faster.
    with matplotlib.rc_context({"pdf.fonttype": 42}), lean_font_subsets():
        fig.savefig(path, format="pdf",
                    metadata={"CreationDate": None, "Title": f"Brief: {result.scenario.title}",
                              "Creator": f"auditor {result.version}"})
    return path
