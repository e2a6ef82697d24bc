"""The verdict on a published claim, and each of its ends in calibrated words.

A published range is judged end by end. The chance that the audited savings
reach each end is put into the calibrated likelihood language of the IPCC
(Mastrandrea et al. 2010), and the verdict word (``holds``, ``widens``,
``collapses``) is reached by the rule documented in docs/methods.md §7:

* **collapses** when the low end is *unlikely* or worse (P(≥ low) below
  ``collapse_below``, 0.33 by default): never while it is "about as likely as
  not" or better, so a coin flip is never called a collapse;
* **holds** when the low end is reached with chance at least ``hold_at``
  (0.8) and the audited 90% interval is at most ``max_width_ratio`` (1.5)
  times the published range's width; a range whose high end is
  *exceptionally unlikely* holds **at its low end only** (``scope``
  ``"low_end"``), and the reason says so;
* **widens** otherwise.

The call is then re-made at the ends of the Monte Carlo error band (± 2
standard errors on each chance) and under every alternative analysis choice
given (``prior_sensitivity`` rows); when any of them gives another word or
scope, the reason says the call depends on it.

Everything here is pure arithmetic on chances and quantiles: no model runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from ..inputs.money import format_money

__all__ = ["LIKELIHOOD_SCALE", "EXCEPTIONALLY_UNLIKELY", "likelihood_words", "chance_words", "ends",
           "Verdict", "classify", "decide", "judge_verdict", "share_of_draws"]

#: The IPCC calibrated likelihood scale (Mastrandrea et al. 2010, table 1), as
#: half-open bands [lower bound, next bound). The IPCC's terms nest ("likely"
#: is 66–100% and so contains "very likely"), so a chance takes the most
#: specific term whose band holds it, and a chance exactly on a bound takes the
#: band above it: 0.66 is "likely", 0.33 "about as likely as not", 0.10
#: "unlikely", 0.01 "very unlikely". One rule for every bound, so no chance has
#: two names; the verdict's own thresholds are strict "below" tests to match.
LIKELIHOOD_SCALE: tuple[tuple[float, str], ...] = (
    (0.99, "virtually certain"),
    (0.90, "very likely"),
    (0.66, "likely"),
    (0.33, "about as likely as not"),
    (0.10, "unlikely"),
    (0.01, "very unlikely"),
    (0.0, "exceptionally unlikely"),
)

#: Below this chance an end is "exceptionally unlikely" (IPCC: 0–1%).
EXCEPTIONALLY_UNLIKELY = 0.01

#: How many Monte Carlo standard errors either side of a chance are checked
#: for a different call: ± 2 s.e. is a 95% band for a binomial proportion.
MC_BAND = 2.0

_BOUNDS = tuple(b for b, _ in LIKELIHOOD_SCALE if b > 0)


def likelihood_words(p: float) -> str:
    """The calibrated likelihood term for a chance ``p`` in [0, 1].

    Examples
    --------
    >>> [likelihood_words(p) for p in (1.0, 0.99, 0.95, 0.66, 0.6599, 0.5, 0.33, 0.3299, 0.1, 0.05, 0.01, 0.0)]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['virtually certain', 'virtually certain', 'very likely', 'likely', 'about as likely as not',
     'about as likely as not', 'about as likely as not', 'unlikely', 'unlikely', 'very unlikely',
     'very unlikely', 'exceptionally unlikely']
    """
    for bound, words in LIKELIHOOD_SCALE:
        if p >= bound:
            return words
    return LIKELIHOOD_SCALE[-1][1]


def chance_words(p: float) -> str:
    """A chance as a percentage that never contradicts its band.

    A chance that rounds onto a band's bound or a verdict threshold (0.6597
    would print "66%" yet be "about as likely as not") is printed to one
    decimal; a rare event is never "0%".

    Examples
    --------
    >>> chance_words(0.47), chance_words(0.6597), chance_words(0.0004), chance_words(0.0), chance_words(0.9996)
    ('47%', '66.0%', 'fewer than 1 in 100', 'none of the draws', 'more than 99 in 100')
    """
    if p == 0:
        return "none of the draws"
    if p < 0.005:
        return "fewer than 1 in 100"
    if 0.995 <= p < 1:
        return "more than 99 in 100"
    whole = f"{p:.0%}"
    if any(whole == f"{b:.0%}" for b in _BOUNDS + (0.5, 0.8)) and round(p, 2) != p:
        return f"{p:.1%}"
    return whole


def share_of_draws(p: float) -> str:
    """A chance in words that never rounds a rare event to "0%".

    Examples
    --------
    >>> share_of_draws(0.0), share_of_draws(0.00065), share_of_draws(0.532), share_of_draws(0.9996)
    ('none of the audited draws', 'fewer than 1% of audited draws', '53% of audited draws', 'more than 99% of audited draws')
    """
    if p == 0:
        return "none of the audited draws"
    if p < 0.005:
        return "fewer than 1% of audited draws"
    if p >= 0.995 and p < 1:
        return "more than 99% of audited draws"
    return f"{p:.0%} of audited draws"


def ends(p_low: float, p_high: float) -> dict:
    """The summary's ``ends`` block: each end's chance and its calibrated words.

    Examples
    --------
    >>> ends(0.47, 0.00001)
    {'low': {'p': 0.47, 'words': 'about as likely as not'}, 'high': {'p': 1e-05, 'words': 'exceptionally unlikely'}}
    """
    return {"low": {"p": p_low, "words": likelihood_words(p_low)},
            "high": {"p": p_high, "words": likelihood_words(p_high)}}


def classify(p_low: float, p_high: float, width_ratio: float, single: bool, rule) -> tuple[str, str]:
    """The verdict word and its scope from the chances alone (no words, no error bands).

    Parameters
    ----------
    p_low, p_high : float
        P(savings ≥ claim low), P(savings ≥ claim high).
    width_ratio : float
        Audited 90% interval width over the published range's width (inf for a single figure).
    single : bool
        The claim is one figure (low = high).
    rule : VerdictRule
        ``collapse_below``, ``hold_at``, ``max_width_ratio``.

    Returns
    -------
    (word, scope)
        ``scope`` is ``"figure"`` for a single-figure claim, ``"range"`` when a
        range is judged whole, ``"low_end"`` when only its low end holds.

    Examples
    --------
    >>> from auditor.inputs.scenario import VerdictRule
    >>> classify(0.5, 0.0, 1.0, False, VerdictRule()), classify(0.9, 0.2, 1.0, False, VerdictRule())
    (('widens', 'range'), ('holds', 'range'))
    >>> classify(0.9, 0.001, 1.0, False, VerdictRule())
    ('holds', 'low_end')
    """
    scope = "figure" if single else "range"
    if p_low < rule.collapse_below:
        return "collapses", scope
    if p_low >= rule.hold_at and width_ratio <= rule.max_width_ratio:
        if not single and p_high < EXCEPTIONALLY_UNLIKELY:
            return "holds", "low_end"
        return "holds", scope
    return "widens", scope


@dataclass(frozen=True)
class Verdict:
    """A verdict with its reason and what the call depends on.

    Attributes
    ----------
    word : {"holds", "widens", "collapses"}
    scope : {"range", "low_end", "figure"}
    reason : str
        Why, in words (no leading capital, no final full stop).
    ends : str
        Both ends in calibrated words (one figure speaks once).
    depends_on : tuple of str
        The choices under which the call would differ (``"Monte Carlo error"``,
        or an alternative's label), each with the word it would give.
    """

    word: str
    scope: str
    reason: str
    ends: str
    depends_on: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def dependence_sentence(self) -> str | None:
        """Plain sentences naming what the call depends on, or None when nothing flips it.

        Examples
        --------
        >>> Verdict("widens", "range", "", "", (("Monte Carlo error", "collapses"),
        ...         ("a flatter prior", "holds at its low end only"))).dependence_sentence()
        'The call is within Monte Carlo error of a threshold: another seed could make the claim collapse. It also depends on an analysis choice: with a flatter prior the claim would hold at its low end only.'
        """
        if not self.depends_on:
            return None
        out = []
        mc = [call for what, call in self.depends_on if what == "Monte Carlo error"]
        if mc:
            out.append(f"The call is within Monte Carlo error of a threshold: another seed could make the claim "
                       f"{_infinitive(mc[0])}.")
        alts = [f"with {what} the claim would {_infinitive(call)}" for what, call in self.depends_on
                if what != "Monte Carlo error"]
        if alts:
            lead = "It also depends" if out else "The call depends"
            out.append(f"{lead} on an analysis choice: " + "; ".join(alts) + ".")
        return " ".join(out)


def _infinitive(call: str) -> str:
    """``"widens"`` → ``"widen"``; ``"holds at its low end only"`` → ``"hold at its low end only"``."""
    word, _, rest = call.partition(" ")
    base = {"holds": "hold", "widens": "widen", "collapses": "collapse"}.get(word, word)
    return f"{base} {rest}".strip()


def _end_clause(p: float, amount: float, what: str) -> str:
    return f"the {format_money(amount)} {what} is {likelihood_words(p)} ({chance_words(p)})"


def _ends_words(p_low: float, p_high: float, low: float, high: float) -> str:
    if low == high:
        return _end_clause(p_low, low, "figure")
    return f"{_end_clause(p_low, low, 'low end')} and {_end_clause(p_high, high, 'high end')}"


def _reason(word: str, scope: str, p_low: float, p_high: float, low: float, high: float, ratio: float,
            rule, p05: float | None = None, p95: float | None = None) -> str:
    single = low == high
    lo = _end_clause(p_low, low, "figure" if single else "low end")
    hi = "" if single else f"; {_end_clause(p_high, high, 'high end')}"
    if word == "collapses":
        return (f"{lo}, below the {rule.collapse_below:.0%} under which a claimed "
                f"{'figure' if single else 'floor'} collapses{hi}")
    if word == "holds":
        if scope == "low_end":
            return (f"{lo}, but the {format_money(high)} high end is {likelihood_words(p_high)} "
                    f"({chance_words(p_high)}), so only the low end holds")
        return f"{lo}{hi}; the audited 90% interval is {ratio:.1f} times the width of the published range"
    if p_low < rule.hold_at:
        return f"{lo}, short of the {rule.hold_at:.0%} needed to rely on it as a floor{hi}"
    if single:
        # A figure reached with a high chance still "widens" (a single figure can at best widen, docs/methods.md
        # §7); say in plain words that the word is about the missing range, not doubt about the figure.
        spread = ("" if p05 is None or p95 is None else
                  f", while the audit's 90% interval runs from {format_money(p05)} to {format_money(p95)}")
        return (f"the {format_money(low)} figure is {likelihood_words(p_low)} to be reached ({chance_words(p_low)}); "
                f"the call is “widens” only because the claim gave one figure and no range{spread}")
    return f"{lo}{hi}; the audited 90% interval is {ratio:.1f} times as wide as the published range"


def decide(p_low: float, p_high: float, p05: float, p95: float, claim_low: float, claim_high: float, rule, *,
           mcse_low: float | None = None, mcse_high: float | None = None,
           alternatives: Iterable[Mapping] = ()) -> Verdict:
    """Apply the verdict rule, then re-make the call within Monte Carlo error and under each alternative.

    Parameters
    ----------
    p_low, p_high : float
        P(savings ≥ claim low / high) of the full audit.
    p05, p95 : float
        The audited 90% interval.
    claim_low, claim_high : float
    rule : VerdictRule
    mcse_low, mcse_high : float, optional
        Monte Carlo standard errors of ``p_low`` and ``p_high``; the call is
        re-made at each chance ± :data:`MC_BAND` of them.
    alternatives : iterable of mappings
        Other defensible analysis choices (``prior_sensitivity`` rows):
        ``label``, ``p_meets_low`` and optionally ``p_meets_high``. Their
        interval is not known, so the main run's width is used.

    Examples
    --------
    >>> from auditor.inputs.scenario import VerdictRule
    >>> v = decide(0.47, 1e-5, 1e7, 2.5e7, 17.8e6, 46.7e6, VerdictRule(), mcse_low=0.0016)
    >>> v.word, v.depends_on
    ('widens', ())
    >>> v.reason
    'the £17.8m low end is about as likely as not (47%), short of the 80% needed to rely on it as a floor; the £46.7m high end is exceptionally unlikely (fewer than 1 in 100)'
    >>> decide(0.34, 0.0, 1e7, 2.5e7, 17.8e6, 46.7e6, VerdictRule(),
    ...        alternatives=[{"label": "prior α = 0.1", "p_meets_low": 0.31}]).dependence_sentence()
    'The call depends on an analysis choice: with prior α = 0.1 the claim would collapse.'
    """
    single = claim_low == claim_high
    width = claim_high - claim_low
    ratio = (p95 - p05) / width if width > 0 else math.inf
    word, scope = classify(p_low, p_high, ratio, single, rule)
    ends_text = _ends_words(p_low, p_high, claim_low, claim_high)
    reason = _reason(word, scope, p_low, p_high, claim_low, claim_high, ratio, rule, p05, p95)
    depends: list[tuple[str, str]] = []

    def other(pl: float, ph: float) -> str | None:
        w, sc = classify(min(max(pl, 0.0), 1.0), min(max(ph, 0.0), 1.0), ratio, single, rule)
        return None if (w, sc) == (word, scope) else ("holds at its low end only" if (w, sc) == (
            "holds", "low_end") else w)

    if mcse_low is not None:
        sh = mcse_high or 0.0
        for pl, ph in ((p_low - MC_BAND * mcse_low, p_high - MC_BAND * sh),
                       (p_low + MC_BAND * mcse_low, p_high + MC_BAND * sh)):
            call = other(pl, ph)
            if call is not None:
                depends.append(("Monte Carlo error", call))
                break
    for alt in alternatives:
        call = other(alt["p_meets_low"], alt.get("p_meets_high", p_high))
        if call is not None:
            depends.append((str(alt["label"]), call))
    return Verdict(word, scope, reason, ends_text, tuple(depends))


def judge_verdict(p_meets_low: float, p05: float, p95: float, claim_low: float, claim_high: float,
                  rule, *, mcse: float | None = None, p_meets_high: float = 0.0) -> tuple[str, str]:
    """The verdict word and reason (the reason ends with what the call depends on, if anything).

    Examples
    --------
    >>> from auditor.inputs.scenario import VerdictRule
    >>> judge_verdict(0.3, 1e6, 3e7, 1.78e7, 4.67e7, VerdictRule())[0]
    'collapses'
    >>> judge_verdict(0.9, 2e7, 4e7, 1.78e7, 4.67e7, VerdictRule(), p_meets_high=0.2)[0]
    'holds'
    >>> judge_verdict(0.9, 2e7, 9e7, 1.78e7, 4.67e7, VerdictRule())[0]
    'widens'
    """
    v = decide(p_meets_low, p_meets_high, p05, p95, claim_low, claim_high, rule, mcse_low=mcse)
    dep = v.dependence_sentence()
    # The reason carries no final full stop, so a following sentence keeps its own but the last.
    return v.word, v.reason + ("" if dep is None else f". {dep[:-1]}")
