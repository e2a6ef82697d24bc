"""Words for the sampling stage's choices: the prior-sensitivity range, the bridge, unseen moves.

Shared by the Markdown and HTML reports, so both say the same thing. Every
function reads only ``summary.json`` content (``AuditResult.summary()``).
"""

from __future__ import annotations

from typing import Any

from ..inputs.money import format_chance, format_money

__all__ = ["prior_range", "prior_range_sentence", "bridge_rows", "unseen_sentences", "sensitivity_rows",
           "method_words", "split_words", "LIMITS", "PLAN_LIMITS", "limits_for"]

# "What this audit does and does not show": the sampling stage's bullet.
LIMITS = ("Moves the panel made are scaled up with their uncertainty; a move to a cheaper setting that "
          "nobody in the review made keeps a small prior probability (a small sample can miss it), and "
          "moves the scenario declares impossible get none.")

#: The same bullet for a claim built on the council's planned moves (``[sample] basis = "plan"``): no panel.
PLAN_LIMITS = ("The planned moves are scaled up with their uncertainty; a move to a cheaper setting that the plan "
               "does not include keeps a small prior probability, and moves the scenario declares impossible get "
               "none.")


def limits_for(basis: str) -> str:
    """:data:`LIMITS`, or :data:`PLAN_LIMITS` for a claim built on planned moves."""
    return PLAN_LIMITS if basis == "plan" else LIMITS


def prior_range(s: dict[str, Any]) -> tuple[float, float]:
    """The lowest and highest chance of reaching the claim's low end over the prior-sensitivity rows."""
    ps = [r["p_meets_low"] for r in s.get("prior_sensitivity", [])] or [s["p_meets_low"]]
    return min(ps), max(ps)


def prior_range_sentence(s: dict[str, Any]) -> str:
    """One sentence for the headline: how far other defensible sampling choices move the chance.

    Examples
    --------
    >>> s = {"p_meets_low": 0.4, "prior_sensitivity": [{"p_meets_low": 0.4}, {"p_meets_low": 0.31},
    ...      {"p_meets_low": 0.52}]}
    >>> prior_range_sentence(s)
    'Under other defensible sampling choices (priors, resampling, weighting of unknown splits) this chance ranges from 31% to 52%.'
    """
    lo, hi = prior_range(s)
    if format_chance(lo) == format_chance(hi):
        return (f"Other defensible sampling choices (priors, resampling, weighting of unknown splits) "
                f"leave this chance at {format_chance(lo)}.")
    return (f"Under other defensible sampling choices (priors, resampling, weighting of unknown splits) "
            f"this chance ranges from {format_chance(lo)} to {format_chance(hi)}.")


def bridge_rows(s: dict[str, Any]) -> list[tuple[str, str]]:
    """(step, amount) from the point estimate to the sampling stage's median."""
    b = s["sampling"]["bridge"]

    def signed(x: float) -> str:
        return ("+" if x >= 0 else "−") + format_money(abs(x))

    rows = [("Published method (point estimate)", format_money(b["point"]))]
    if abs(b["splits"]) > 0:
        rows.append(("Shares as whole numbers of cases, over the possible splits", signed(b["splits"])))
    made, unmade = _made_words(s)
    rows.append((f"Prior's pull on the moves {made} (towards equal shares of its cells)",
                 signed(b["prior_on_seen_moves"])))
    rows.append((f"Prior probability of possible moves {unmade}", signed(b["unseen_moves"])))
    rows.append(("Median rather than mean of the uncertain savings", signed(b["mean_to_median"])))
    rows.append(("Sampling stage median", format_money(b["sampling_median"])))
    return rows


def _is_plan(s: dict[str, Any]) -> bool:
    """Whether the claim rests on the council's planned moves rather than a case review."""
    return s.get("run", {}).get("sample_basis") == "plan"


def _made_words(s: dict[str, Any]) -> tuple[str, str]:
    """How to name the moves the sample made and the possible ones it did not, for a review or a plan.

    Examples
    --------
    >>> _made_words({"run": {"sample_basis": "plan"}})
    ('the plan makes', 'the plan does not include')
    >>> _made_words({"run": {"sample_basis": "review"}})
    ('the review made', 'nobody in the review made')
    """
    if _is_plan(s):
        return "the plan makes", "the plan does not include"
    return "the review made", "nobody in the review made"


def unseen_sentences(s: dict[str, Any], labels: dict[str, str]) -> list[str]:
    """Rows where the review saw no move, moves given prior probability though unseen, warnings."""
    smp = s["sampling"]
    plan = _is_plan(s)
    _, unmade = _made_words(s)
    out = []
    if smp["no_move_rows"]:
        names = ", ".join(labels.get(k, k) for k in smp["no_move_rows"])
        out.append(f"{'The plan moves nobody out of' if plan else 'No reviewed case moved in'}: {names}. "
                   "Cheaper moves from these settings keep only a small prior probability.")
    if smp["unseen_moves"]:
        moves = ", ".join(" → ".join(labels.get(k, k) for k in m.split("->")) for m in smp["unseen_moves"])
        out.append(f"Moves {unmade}, kept at a small prior probability: {moves}.")
    for m in smp["impossible"]:
        out.append(f"Declared impossible: {labels.get(m['from'], m['from'])} → {labels.get(m['to'], m['to'])} "
                   f"({m['reason']}).")
    out += [f"Warning: {w}." for w in smp["warnings"]]
    return out


def sensitivity_rows(s: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(choice, chance of the low end, chance of the high end, median) per prior-sensitivity row."""
    return [(r["label"], format_chance(r["p_meets_low"]), format_chance(r["p_meets_high"]),
             format_money(r["median"])) for r in s.get("prior_sensitivity", [])]


def method_words(sample) -> str:
    """The resampling method in words (for the inputs section)."""
    if sample.method != "bayes":
        return "stratified bootstrap"
    from ..analysis.prior import prior_label

    return f"Dirichlet rows with {prior_label(sample.prior)}"


def split_words(sample) -> str:
    """How the unknown splits of a `reported` review are weighted."""
    if sample.splits == "per_size":
        return "weighted so that each sub-group's size is as near uniform over its possible sizes as the total allows"
    return "all such splits equally likely"
