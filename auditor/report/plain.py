"""Plain words for the parent-facing outputs (report.html and brief.pdf).

Every function reads ``summary.json`` content or the scenario, and returns
sentences without markup; the Markdown report escapes them for its own use.
The technical detail behind each plain phrase stays in the reports, folded
away (HTML ``<details>``) rather than removed.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..inputs.money import format_money

__all__ = ["implied_sentences", "plain_dist", "median_gap_sentence", "net_cost_sentence", "glossary",
           "GLOSSARY", "switching_summary", "tornado_base_sentence", "PLAN_NO_TRIBUNAL", "PLAN_TRIBUNAL_CAVEAT",
           "judgement_words", "choice_note"]

#: Why a claim built on the council's planned moves (``[sample] basis = "plan"``) shows no tribunal readings:
#: one line in report.md and report.html where a case review's reliability ladder would be.
PLAN_NO_TRIBUNAL = ("The tribunal and Ombudsman readings shown for case reviews are left out here: they describe how "
                    "council decisions fare when families challenge them, not whether a council's planned moves "
                    "happen.")

#: The caveat that replaces the tribunal caveats for a claim built on planned moves (report.html, brief.pdf).
PLAN_TRIBUNAL_CAVEAT = ("SEND Tribunal and Ombudsman rates describe council decisions that families challenged; "
                        "they do not bear on whether planned moves happen, and this audit does not use them.")


def judgement_words(sc) -> str:
    """The judgement model as the reports' inputs section describes it, worded for planned moves where no panel
    judged them.

    Examples
    --------
    >>> from auditor.inputs.scenario import load_scenario
    >>> judgement_words(load_scenario("scenarios/surrey-2022.toml"))
    'Face value: every planned move is taken to happen as the council assumes (θ = 1).'
    """
    if sc.sample.basis == "plan" and sc.judgement.name == "face_value":
        return "Face value: every planned move is taken to happen as the council assumes (θ = 1)."
    return sc.judgement.describe()


def choice_note(s: Mapping[str, Any], basis: str = "review", *, short: bool = False) -> str | None:
    """A plain note beside "The call depends on an analysis choice: …": what those choices are, and that the
    verdict shown is the default's. None when no analysis choice (other than Monte Carlo error) changes the call.
    ``short`` gives the brief's one-line version.

    Examples
    --------
    >>> s = {"verdict_depends_on": [{"on": "a flatter prior (Bayes-Laplace 1 per cell)", "verdict": "holds"}],
    ...      "prior_sensitivity": []}
    >>> print(choice_note(s))  # doctest: +NORMALIZE_WHITESPACE
    A prior is the starting assumption the statistics needs to turn a small sample of cases into shares, and
    reasonable priors differ. The verdict above uses the audit's default choice.
    """
    choices = [str(d["on"]) for d in s.get("verdict_depends_on") or [] if d.get("on") != "Monte Carlo error"]
    if not choices:
        return None
    # "the stratified bootstrap (no prior; …)" names a prior only to say it has none.
    boot = any("bootstrap" in c for c in choices)
    prior = any("prior" in c and "bootstrap" not in c for c in choices)
    if short:
        lead = ("A prior is the starting assumption that turns a small sample into shares" if prior else
                "The bootstrap redraws the counted cases themselves, with no prior")
        return lead + ("" if not (prior and boot) else " (the bootstrap uses none)") + \
            "; the verdict uses the default one."
    what, counted = (("the council's counts", "counted moves") if basis == "plan"
                     else ("a small sample of cases", "cases"))
    parts = []
    if prior:
        parts.append(f"a prior is the starting assumption the statistics needs to turn {what} into shares, and "
                     "reasonable priors differ")
    if boot:
        parts.append(f"the bootstrap instead redraws the {counted} themselves" if parts else
                     f"the bootstrap handles the small sample by redrawing the {counted} themselves, with no "
                     "starting assumption (prior)")
    if not parts:
        parts.append("these are reasonable ways of handling the small sample")
    first = "; ".join(parts)
    return first[0].upper() + first[1:] + ". The verdict above uses the audit's default choice."



def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def implied_sentences(s: Mapping[str, Any], sc, *, ends: tuple[str, ...] = ("low", "high")) -> list[str]:
    """What the claim needs in children: how many would have to move, and what share of their setting that is.

    One sentence per end of the claim (one for a single figure), then "the high end needs more children than
    there are" where a share passes 100%. Empty when the summary has no ``implied`` block.

    Examples
    --------
    >>> import auditor
    >>> r = auditor.audit("scenarios/west-sussex-2023.toml", draws=500, seed=1)
    >>> implied_sentences(r.summary(), r.scenario)[0].startswith("To save £17.8m a year, about ")
    True
    """
    imp = s.get("implied")
    if not imp or imp.get("children_to_move_for_low") is None:
        return []
    c = sc.claim
    labels = {st.key: st.label for st in sc.settings}
    flow = imp.get("basis") == "flow"
    when = "a year" if c.per == "year" else f"in total over {c.horizon_years} years"
    who = "of the children newly placed each year in" if flow else "of everyone in"
    pairs = (("low", c.low),) if c.low == c.high else (("low", c.low), ("high", c.high))
    out = []
    for end, amount in pairs:
        if end not in ends or imp.get(f"children_to_move_for_{end}") is None:
            continue
        n = imp[f"children_to_move_for_{end}"]
        shares = sorted((imp.get(f"share_of_cohort_for_{end}") or {}).items(), key=lambda kv: -(kv[1] or 0))
        parts = [f"{v:.0%} {who} {labels.get(k, k).lower()}" for k, v in shares if v is not None]
        count = f"about {n:,.0f} children" + (" a year" if flow else "")
        out.append(f"To save {format_money(amount)} {when}, {count} would have to move"
                   + (f": {', '.join(parts)}" if parts else "") + ".")
    over = [labels.get(k, k).lower() for k, v in (imp.get("share_of_cohort_for_high") or {}).items()
            if v is not None and v > 1]
    if over:
        which = "The claim" if c.low == c.high else "The high end"
        there = "are newly placed each year in" if flow else "there are in"
        out.append(f"{which} needs more children to move than {there} {_join(over)}.")
    return out


def _amount(x: float, money: bool) -> str:
    return f"£{x:,.0f}" if money else (f"{x:.0%}" if 0 <= x <= 1 else f"{x:,.3g}")


def plain_dist(d, *, share: bool = False) -> str:
    """A scenario's distribution in words a parent reads: a range, never the distribution's name.

    ``share`` writes values on [0, 1] as percentages (take-up, reliability).

    Examples
    --------
    >>> from auditor.inputs.distributions import parse_dist, MONEY, SHARE
    >>> plain_dist(parse_dist({"dist": "uniform", "low": 7890, "high": 8662}, MONEY, "cost"))
    '£7,890 to £8,662 (any amount in between equally likely)'
    >>> plain_dist(parse_dist(1.0, SHARE, "realisation"), share=True)
    '100%'
    """
    money = bool(getattr(getattr(d, "domain", None), "money", False))
    p = getattr(d, "p", {})
    kind = getattr(d, "kind", "")

    def f(x: float) -> str:
        return f"{x:.0%}" if share and not money else _amount(float(x), money)

    if kind == "fixed":
        return f(p["value"])
    if kind == "uniform":
        return f"{f(p['low'])} to {f(p['high'])} (any amount in between equally likely)"
    if kind in ("triangular", "pert"):
        return f"{f(p['low'])} to {f(p['high'])}, most likely about {f(p['mode'])}"
    written = getattr(d, "written", None)
    if isinstance(written, dict) and written.get("dist") == "interval":
        level = float(written.get("level", 0.9))
        lo, hi = d.domain.parse(written["low"], "low"), d.domain.parse(written["high"], "high")
        return f"probably between {f(lo)} and {f(hi)} ({level:.0%} sure)"
    try:
        return f"about {f(d.mean())} on average, uncertain"
    except Exception:  # an unknown kind: its own words are better than nothing
        return d.describe()


_WHY = {
    "sampling": "a review of {n} cases is a small sample: a bigger review could have found somewhat different "
                "shares, and the audit counts every version that fits",
    "judgement": "the panel's judgements are not all taken as right",
    "full": "costs and take-up vary within their stated ranges",
}


def median_gap_sentence(s: Mapping[str, Any], n_cases: int) -> str | None:
    """Why the audit's middle outcome differs from the published method's figure, in one sentence.

    The step of the ladder that moves the median most is named. ``None`` when the two agree to 2%.

    Examples
    --------
    >>> s = {"point_estimate": 33e6, "stages": [{"name": "point", "median": 33e6},
    ...      {"name": "sampling", "median": 31.7e6}, {"name": "judgement", "median": 31.7e6},
    ...      {"name": "full", "median": 31.5e6}]}
    >>> median_gap_sentence(s, 28).startswith("Lower than the published method’s £33.0m mainly because a review")
    True
    """
    point = float(s["point_estimate"])
    med = [st for st in s["stages"]]
    full = float(med[-1]["median"])
    if abs(full - point) <= 0.02 * max(abs(point), 1.0):
        return None
    steps = [(abs(float(b["median"]) - float(a["median"])), b["name"]) for a, b in zip(med, med[1:])]
    _, name = max(steps)
    why = _WHY.get(name, "of the uncertainty the audit adds").format(n=n_cases)
    return (f"{'Lower' if full < point else 'Higher'} than the published method’s {format_money(point)} mainly "
            f"because {why}.")


def net_cost_sentence(values) -> str | None:
    """The sentence that explains a negative saving, when any of ``values`` is negative."""
    if any(v is not None and v < 0 for v in values):
        return ("A negative amount (−£…) is a net cost: in those outcomes the moves would cost the council more "
                "than they save.")
    return None


def tornado_base_sentence(base: float, point: float, median: float) -> str:
    """What the centre of the one-input-at-a-time table is, and why it is not the audit's median."""
    same = abs(base - point) <= 0.005 * max(abs(point), 1.0)
    return (f"Each row starts from {format_money(base)}: the published method with every input at its central "
            "value" + (" (the published-method figure above)" if same else "")
            + f". That is not the audit's middle outcome ({format_money(median)}), which also carries the small "
            "sample's uncertainty. Each row then sets one input to the low and to the high end of its range.")


def switching_summary(rows: list[Mapping[str, Any]], low: float) -> str:
    """One line above the switching-value table: how many inputs can tip the claim, and whether within range."""
    tipping = [r for r in rows if r.get("value") is not None]
    inside = [r for r in tipping if r.get("within_input_range") is True]
    if not rows:
        return ""
    if not tipping:
        return (f"None of the {len(rows)} inputs tested, moved on its own across the whole range searched, moves "
                f"the audit's middle outcome across the claim's low end of {format_money(low)}.")
    return (f"{len(tipping)} of the {len(rows)} inputs tested, moved on their own, can move the audit's middle "
            f"outcome across the claim's low end of {format_money(low)}; "
            + (f"{len(inside)} of them within the range the scenario gives for it." if inside else
               "none of them within the range the scenario gives for it.")
            + " Inputs with no such value are left out of the table.")


#: Technical terms a reader may meet on the page, each with a plain explanation for the fold-outs.
GLOSSARY = {
    "median": "The middle outcome: half the audit’s outcomes are below it, half above.",
    "90%": "A 90% range holds 9 in 10 of the audit’s outcomes; 1 in 20 fall below it and 1 in 20 above.",
    "prior": "A starting assumption a statistical method needs before it looks at the cases. With only a few "
             "dozen cases it matters, so the report shows several defensible ones side by side. "
             "‘Perks’ 1/K’, ‘Jeffreys’ ½’, ‘Kerman’s ⅓’ and ‘Bayes–Laplace 1’ are standard choices: how many "
             "imaginary cases are added to each cell of the review before counting (fewer means the review’s own "
             "shares count for more).",
    "bootstrap": "A bootstrap redraws the reviewed cases themselves, with no starting assumption: a move nobody "
                 "in the review made can never appear in it.",
    "Dirichlet": "The standard way to treat shares that must add up to 100% (where the reviewed children should "
                 "be) as uncertain: each draw is one plausible set of shares given the cases seen.",
    "tipping": "The tipping point is how often the panel would have to be right for the claim’s low end to stay "
               "more likely than not.",
    "tribunal": "The SEND Tribunal decides appeals by families against council decisions; families win almost "
                "all decided appeals, but only a small, self-selected share of decisions is ever appealed, so "
                "that rate is not the panel’s error rate.",
    "likelier": "How much likelier a wrong council decision is than a right one to be appealed and reach a "
                "hearing. Nobody has measured it, so the report shows what the claim needs it to be.",
    "DBV": "Delivering Better Value in SEND: a Department for Education programme of 55 councils with high-needs "
           "deficits.",
    "placebo": "The same comparison run for every other council as if it had made the claim; the rank and p "
               "say how unusual this council’s shift is among them (p near 0: unusual; near 1: ordinary).",
    "Monte Carlo": "The audit is a simulation; running it again with a different seed would move the chances "
                   "by about this much.",
    "θ": "θ (theta): the share of the panel’s proposed moves that are right.",
    "ρ": "ρ (rho): how much likelier a wrong council decision is than a right one to reach a tribunal hearing.",
    "lognormal": "A lognormal fit: a smooth range of values, spread so that the stated range holds 90% of them.",
    "variance": "The share of the spread of outcomes that one source of uncertainty explains (a Sobol index): "
                "‘alone’ counts only that source, ‘including interactions’ also its combined effect with others.",
}


def glossary(*texts: str) -> list[tuple[str, str]]:
    """The glossary entries whose term appears in any of ``texts``, in the glossary's order.

    Examples
    --------
    >>> [t for t, _ in glossary("with a flatter prior (Bayes-Laplace 1 per cell)", "the median")]
    ['median', 'prior']
    """
    joined = " ".join(t for t in texts if t)
    return [(term, words) for term, words in GLOSSARY.items() if term in joined]
