"""The sentences an audit's headline is made of: the tipping point, the claim, the reproduce command.

Kept apart from :mod:`auditor.results` so that the result classes stay about
data; every function here is pure (numbers and a scenario in, text out).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from .analysis.verdict import chance_words
from .inputs.money import format_claim
from .inputs.scenario import Scenario

__all__ = ["tipping_sentence", "tipping_detail", "reproduce_command", "claim_words", "plain_overrides",
           "ratio"]


def _share_words(theta: float) -> str:
    """A share the claim needs, rounded down so the sentence stays true ("at least 92%" for 0.926)."""
    if theta >= 0.995:
        return f"{math.floor(theta * 1000) / 10:g}%"
    return f"{math.floor(theta * 100):.0f}%"


def _times_words(rho: float) -> str:
    """A selectivity, rounded down (the claim needs at least this much)."""
    if rho < 10:
        return f"{math.floor(rho * 10) / 10:g}"
    return f"{math.floor(rho):,}"


def tipping_sentence(tip: Mapping[str, Any], claim, basis: str = "review") -> str:
    """The tipping point in words, from :attr:`AuditResult.tipping`.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> tip = {"reliability_needed": {"low": 0.9, "low_80": 0.95}, "selectivity_needed": 255.7,
    ...        "p_meets_low_face_value": 0.7,
    ...        "selectivity": {"win_if_right": 0.5, "range": {"value": [361.8, 150.3]}, "overturn_rate": 0.983}}
    >>> print(tipping_sentence(tip, SimpleNamespace(low=1.78e7, high=4.67e7)))  # doctest: +NORMALIZE_WHITESPACE
    The low end needs the panel to be right about at least 90% of the moves it proposed; tribunal outcomes
    (98.3% of decided appeals found for the family) are consistent with that only if wrong council decisions
    are at least 255 times likelier than right ones to reach a hearing (150 to 361 times if a right decision
    loses 70% to 30% of its hearings, rather than half).

    With ``basis="plan"`` (the council's own planned moves, no panel) the same
    threshold is the share of planned moves that must happen as planned, and
    tribunal evidence about review panels is not brought in:

    >>> print(tipping_sentence(tip, SimpleNamespace(low=2.2e6, high=2.2e6), basis="plan"))
    The figure needs at least 90% of the planned moves to happen as the council assumes.
    """
    end = "figure" if claim.low == claim.high else "low end"
    need = tip["reliability_needed"]["low"]
    sel = tip["selectivity"]
    p, n = tip["p_meets_low_face_value"], tip.get("draws") or 0
    # At face value the chance is within 2 Monte Carlo standard errors of one half: whether any θ
    # reaches 0.5, and how close to 1 it must be, can change with the seed.
    unstable = (f" At face value the chance ({chance_words(p)}) is within Monte Carlo error of one half, so "
                "this tipping point could change with the seed." if n and abs(p - 0.5) < 2 * math.sqrt(0.25 / n)
                else "")
    if basis == "plan":
        return _plan_sentence(need, p, end) + unstable
    if need is None:
        where = "in none of the audited draws" if p == 0 else f"in only {chance_words(p)} of the audited draws"
        return (f"Even if the panel is right about every move it proposed, the {end} is reached {where}: "
                "it is less likely than not however reliable the panel is." + unstable)
    if need == 0:
        return f"The {end} is reached more often than not even if none of the panel's proposed moves is right."
    head = f"The {end} needs the panel to be right about at least {_share_words(need)} of the moves it proposed"
    rho = tip["selectivity_needed"]
    evidence = f"tribunal outcomes ({sel['overturn_rate']:.1%} of decided appeals found for the family)"
    if rho is None:
        return head + f"; {evidence} are not consistent with that at any appeal selectivity."
    if rho == 0:
        return head + f"; {evidence} are consistent with that whatever the appeal selectivity."
    out = (head + f"; {evidence} are consistent with that only if wrong council decisions are at least "
           f"{_times_words(rho)} times likelier than right ones to reach a hearing")
    span = (sel.get("range") or {}).get("value")
    if span and all(v is not None and v > 0 for v in span) and sel["win_if_right"] == 0.5:
        lo, hi = sorted(span)
        out += (f" ({_times_words(lo)} to {_times_words(hi)} times if a right decision loses 70% to 30% of "
                "its hearings, rather than half)")
    return out + "." + unstable


def tipping_detail(summary: Mapping[str, Any]) -> str | None:
    """What the tipping point assumes and what an 80% chance needs, after :func:`tipping_sentence`.

    One text for report.md and report.html; None when no reliability reaches the low end.

    Examples
    --------
    >>> print(tipping_detail({"reliability_needed": {"low": 0.56, "low_80": 0.729}}))  # doctest: +NORMALIZE_WHITESPACE
    For an 80% chance the panel would have to be right about at least 72% of its proposed moves. Here reliability
    applies to every move the panel proposed, down or up (a wrong proposal leaves the child where they are), with
    the sample, costs and take-up as in the audit.
    """
    need = summary.get("reliability_needed") or {}
    if need.get("low") is None:
        return None
    share = f"{math.floor(need['low_80'] * 100):.0f}%" if need.get("low_80") is not None else None
    if (summary.get("run") or {}).get("sample_basis") == "plan":
        extra = (f"For an 80% chance at least {share} of the planned moves would have to happen. " if share
                 else "No share of planned moves, however high, gives an 80% chance. ")
        return extra + ("Here a planned move that does not happen leaves the child where they are, with the "
                        "sample, costs and take-up as in the audit.")
    extra = (f"For an 80% chance the panel would have to be right about at least {share} of its proposed moves. "
             if share else "No panel reliability, however high, gives an 80% chance. ")
    return extra + ("Here reliability applies to every move the panel proposed, down or up (a wrong proposal "
                    "leaves the child where they are), with the sample, costs and take-up as in the audit.")


def _plan_sentence(need: float | None, p: float, end: str) -> str:
    """The tipping point of a claim built on planned moves (no panel judged them)."""
    if need is None:
        where = "in none of the audited draws" if p == 0 else f"in only {chance_words(p)} of the audited draws"
        return (f"Even if every planned move happens as the council assumes, the {end} is reached {where}: "
                "it is less likely than not.")
    if need == 0:
        return f"The {end} is reached more often than not even if none of the planned moves happens."
    return f"The {end} needs at least {_share_words(need)} of the planned moves to happen as the council assumes."


def plain_overrides(s: Scenario) -> dict[str, Any]:
    """The scenario's overrides as JSON-ready data (dotted key -> value; empty when none)."""
    from .inputs.scenario import toml_value
    import tomllib

    # Read back through TOML so that dates, tuples and mapping proxies become plain values.
    return {k: tomllib.loads(f"v = {toml_value(v)}")["v"] if not isinstance(v, (str, int, float, bool))
            else v for k, v in s.overrides.items()}


def reproduce_command(s: Scenario, draws: int, seed: int, command: str = "run") -> str:
    """The shell command (POSIX quoting) that reruns ``s`` with the same draws, seed and ``--set`` overrides.

    Examples
    --------
    >>> from auditor.inputs.scenario import load_scenario
    >>> s = load_scenario("scenarios/west-sussex-2023.toml", overrides={"run.draws": 800})
    >>> reproduce_command(s, 800, 7)
    'auditor run scenarios/west-sussex-2023.toml --draws 800 --seed 7 --set run.draws=800'
    """
    import shlex

    from .inputs.scenario import format_override

    parts = ["auditor", command, s.path or "SCENARIO.toml", "--draws", str(draws), "--seed", str(seed)]
    for key, value in s.overrides.items():
        parts += ["--set", format_override(key, value)]
    return " ".join(shlex.quote(p) for p in parts)


def claim_words(low: float, high: float) -> str:
    """The claim as the verdict sentence writes it, e.g. ``£17.8m–£46.7m``."""
    return format_claim(low, high, sep="–")


def ratio(top: float, bottom: float) -> float | None:
    """``top / bottom``, or None when it has no finite value (e.g. a claim of £0 or of a fraction of a penny).

    Examples
    --------
    >>> ratio(3.0, 2.0), ratio(1.0, 0.0), ratio(-1e10, 5e-324)
    (1.5, None, None)
    """
    if not bottom > 0:
        return None
    out = top / bottom
    return out if math.isfinite(out) else None
