"""Audit results: the draws, their summary, the verdict.

:class:`AuditResult` keeps every stage's draws (and, for runs up to
:data:`~auditor.model.engine` ``keep_inputs`` size, each source's draws) and exports
itself: :meth:`~AuditResult.summary` is exactly the content of
``summary.json``; :meth:`~AuditResult.to_frame` is one row per draw;
:meth:`~AuditResult.plot` draws the claim against the audit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

import numpy as np

from .inputs.money import format_chance, format_claim, format_money, format_per
from .inputs.scenario import Scenario

__all__ = ["AuditResult", "StageSummary", "judge_verdict", "VERDICTS"]

VERDICTS = ("holds", "widens", "collapses")
QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class StageSummary:
    """Median, 90% interval, mean and P(≥ claim low) of one stage."""

    name: str
    mean: float
    median: float
    p05: float
    p95: float
    p_meets_low: float
    p_meets_high: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "mean": self.mean, "median": self.median, "p05": self.p05,
                "p95": self.p95, "p_meets_low": self.p_meets_low, "p_meets_high": self.p_meets_high}


def _summarise(name: str, x: np.ndarray, low: float, high: float) -> StageSummary:
    q05, q50, q95 = np.quantile(x, QUANTILES)
    return StageSummary(name, float(np.mean(x)), float(q50), float(q05), float(q95),
                        float(np.mean(x >= low)), float(np.mean(x >= high)))


def judge_verdict(p_meets_low: float, p05: float, p95: float, claim_low: float, claim_high: float,
                  rule, *, mcse: float | None = None) -> tuple[str, str]:
    """Apply the verdict rule; return the verdict and the reason in words.

    A chance that rounds to a threshold (49.8% against 50%) is written with one
    decimal, so the sentence never reads "50%, below the 50% needed". When
    ``mcse`` (the Monte Carlo standard error of ``p_meets_low``) is given and the
    chance lies within two of them of a threshold, the reason says the verdict
    is a close call that another seed could change.

    Examples
    --------
    >>> from auditor.inputs.scenario import VerdictRule
    >>> judge_verdict(0.3, 1e6, 3e7, 1.78e7, 4.67e7, VerdictRule())[0]
    'collapses'
    >>> judge_verdict(0.9, 2e7, 4e7, 1.78e7, 4.67e7, VerdictRule())[0]
    'holds'
    >>> judge_verdict(0.9, 2e7, 9e7, 1.78e7, 4.67e7, VerdictRule())[0]
    'widens'
    >>> judge_verdict(0.498, 1e6, 3e7, 1.78e7, 1.78e7, VerdictRule(), mcse=0.0016)[1]
    'the published figure (£17.8m) is reached in only 49.8% of audited draws, below the 50% needed to call it more likely than not (a close call: within Monte Carlo error of the threshold)'
    """
    pct = share_of_draws(p_meets_low)
    thresholds = (rule.collapse_below, rule.hold_at)
    if 0.005 <= p_meets_low < 0.995 and any(
            f"{p_meets_low:.0%}" == f"{t:.0%}" for t in thresholds):
        pct = f"{p_meets_low:.1%} of audited draws"
    close = mcse is not None and any(abs(p_meets_low - t) < 2 * mcse for t in thresholds)
    note = " (a close call: within Monte Carlo error of the threshold)" if close else ""
    verdict, why = _verdict_and_reason(p_meets_low, pct, p05, p95, claim_low, claim_high, rule)
    return verdict, why + note


def _verdict_and_reason(p_meets_low: float, pct: str, p05: float, p95: float, claim_low: float,
                        claim_high: float, rule) -> tuple[str, str]:
    # A single-figure claim has no "low end": name it as what it is.
    end = "published figure" if claim_low == claim_high else "published low end"
    low = format_money(claim_low)
    if p_meets_low < rule.collapse_below:
        only = "" if p_meets_low < 0.005 else "only "
        return "collapses", (f"the {end} ({low}) is reached in {only}{pct}, "
                             f"below the {rule.collapse_below:.0%} needed to call it more likely than not")
    width = claim_high - claim_low
    ratio = (p95 - p05) / width if width > 0 else math.inf
    if p_meets_low >= rule.hold_at and ratio <= rule.max_width_ratio:
        return "holds", (f"the published low end ({low}) is reached in {pct} and the "
                         f"audited 90% interval is {ratio:.1f} times the width of the published range")
    if p_meets_low < rule.hold_at:
        why = f"the {end} ({low}) is reached in only {pct}"
    else:
        why = (f"the audited 90% interval is {ratio:.1f} times as wide as the published range"
               if math.isfinite(ratio) else "the claim is a single figure, with no range to compare")
    return "widens", why


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


def claim_words(low: float, high: float) -> str:
    """The claim as the verdict sentence writes it, e.g. ``£17.8m–£46.7m``."""
    return format_claim(low, high, sep="–")


def _ratio(top: float, bottom: float) -> float | None:
    """``top / bottom``, or None when it has no finite value (e.g. a claim of £0 or of a fraction of a penny).

    Examples
    --------
    >>> _ratio(3.0, 2.0), _ratio(1.0, 0.0), _ratio(-1e10, 5e-324)
    (1.5, None, None)
    """
    if not bottom > 0:
        return None
    out = top / bottom
    return out if math.isfinite(out) else None


@dataclass(frozen=True)
class AuditResult:
    """The outcome of :func:`auditor.audit`.

    Attributes
    ----------
    scenario : Scenario
        The validated scenario that was run (after overrides).
    draws : int
        Number of Monte Carlo draws.
    seed : int
        The seed used (drawn from the OS when none was given).
    seed_source : {"scenario", "argument", "drawn"}
        Where the seed came from.
    point_estimate : float
        The published-style estimate (observed shares at face value, mean costs).
    stages : mapping of str to ndarray
        Savings per draw for ``sampling``, ``judgement`` and ``full``.
    inputs : mapping of str to ndarray
        Each source's draw per draw (empty when not kept).
    """

    scenario: Scenario
    draws: int
    seed: int
    seed_source: str
    point_estimate: float
    stages: Mapping[str, np.ndarray] = field(repr=False)
    inputs: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)
    version: str = ""

    @property
    def savings(self) -> np.ndarray:
        """The audited savings per draw (the ``full`` stage)."""
        return self.stages["full"]

    @cached_property
    def reliability_ladder(self) -> list[dict[str, Any]]:
        """Full-stage savings under face_value, contest, selection and scrutinised.

        Same seed and streams as the main run (common random numbers); see
        :func:`auditor.model.judgement.ladder_savings`. Computed once, on first use.
        """
        from .model.judgement import ladder_savings

        c = self.scenario.claim
        rows = []
        for name, x in ladder_savings(self.scenario, self.draws, self.seed).items():
            row = _summarise(name, x, c.low, c.high).to_dict()
            row["main"] = name == self.scenario.judgement.name
            rows.append(row)
        return rows

    @cached_property
    def judgement_summary(self) -> dict[str, Any]:
        """The summary's ``judgement`` block: model, evidence, θ quantiles, ladder, switching ρ."""
        from .model.judgement import Selection, switching_selectivity, theta_draws

        model = self.scenario.judgement
        out = dict(model.to_dict())
        theta = self.inputs.get("theta") if self.inputs else None
        if theta is None:
            # Inputs are dropped only for very large runs; the first 2,000,000 draws
            # (the same streams) give θ's quantiles to well within reporting precision.
            theta = theta_draws(model, self.seed, min(self.draws, 2_000_000))
        q05, q50, q95 = np.quantile(theta, QUANTILES)
        out["theta"] = {"median": float(q50), "p05": float(q05), "p95": float(q95)}
        out["down_shifts_only"] = True
        if isinstance(model, Selection):
            sw = switching_selectivity(self.scenario, self.draws, self.seed)
            out["switching_selectivity"] = sw["value"]
            out["switching_note"] = sw["note"]
        out["ladder"] = self.reliability_ladder
        return out

    @cached_property
    def prior_sensitivity(self) -> list[dict[str, Any]]:
        """The full audit under other defensible sampling choices (common random numbers).

        See :func:`auditor.analysis.prior.prior_sensitivity`; the audit's own
        choice is the row with ``default`` true. Computed once, on first use.
        """
        from .analysis.prior import prior_sensitivity

        return prior_sensitivity(self.scenario, self.seed, self.draws, self.savings, dict(self.inputs))

    @cached_property
    def sampling_summary(self) -> dict[str, Any]:
        """The summary's ``sampling`` block: choices, rows with no move, unseen moves, the bridge."""
        from .analysis.prior import bridge, sampling_notes
        from .model.engine import build_model

        model = build_model(self.scenario)
        out = sampling_notes(model)
        out["bridge"] = bridge(model, self.stages["sampling"])
        return out

    def stage_summaries(self) -> list[StageSummary]:
        """Median, 90% interval, mean and chances for each stage, point first."""
        return list(self._stage_summaries)

    @cached_property
    def _stage_summaries(self) -> tuple[StageSummary, ...]:
        # Quantiles sort every stage's draws; worth doing once per result.
        c = self.scenario.claim
        pe = self.point_estimate
        hit_low, hit_high = float(pe >= c.low), float(pe >= c.high)
        out = [StageSummary("point", pe, pe, pe, pe, hit_low, hit_high)]
        out += [_summarise(k, self.stages[k], c.low, c.high) for k in ("sampling", "judgement", "full")]
        return tuple(out)

    def verdict(self) -> tuple[str, str]:
        """The verdict on the published claim and the reason, in words."""
        full = self.stage_summaries()[-1]
        c = self.scenario.claim
        p, n = full.p_meets_low, self.stages["full"].size
        mcse = math.sqrt(p * (1 - p) / n) if n else None
        return judge_verdict(p, full.p05, full.p95, c.low, c.high, self.scenario.verdict, mcse=mcse)

    def verdict_sentence(self) -> str:
        """One plain sentence for the top of every report."""
        verdict, why = self.verdict()
        c = self.scenario.claim
        word = {"holds": "holds", "widens": "widens", "collapses": "collapses"}[verdict]
        per = format_per(c.per)
        return f"The claim of {claim_words(c.low, c.high)} {per} {word}: {why}."

    def face_value_sentence(self) -> str | None:
        """What the audit gives if the panel's judgements are taken at face value.

        Shown beside the verdict whenever the scenario's judgement model
        discounts the panel, so a reader sees how much of the verdict rests on
        that model (None under face value itself).
        """
        if self.scenario.judgement.name == "face_value":
            return None
        for row in self.reliability_ladder:
            if row["name"] == "face_value":
                c = self.scenario.claim
                what = "low end" if c.low < c.high else "figure"
                return (f"Taking every panel judgement at face value instead, the chance of reaching the "
                        f"published {what} would be {format_chance(row['p_meets_low'])} "
                        f"(median {format_money(row['median'])}).")
        return None

    def summary(self) -> dict[str, Any]:
        """Exactly the content of ``summary.json`` (schema_version 1).

        Examples
        --------
        >>> import auditor
        >>> r = auditor.audit("scenarios/west-sussex-2023.toml", draws=2000, seed=1)
        >>> s = r.summary()
        >>> s["run"]["draws"], s["verdict"] in ("holds", "widens", "collapses")
        (2000, True)
        """
        import copy

        # Built once; callers get their own copy so editing it cannot change the result.
        return copy.deepcopy(self._summary)

    @cached_property
    def _summary(self) -> dict[str, Any]:
        from .analysis.implied import implied_assumptions

        s = self.scenario
        c = s.claim
        stages = self.stage_summaries()
        full = stages[-1]
        x = self.savings
        verdict, reason = self.verdict()
        width = c.high - c.low
        judgement = self.judgement_summary
        p = full.p_meets_low
        return {
            "schema_version": 1,
            "auditor_version": self.version,
            "scenario": {"title": s.title, "authority": s.authority, "path": s.path, "sha256": s.sha256},
            "run": {"draws": self.draws, "seed": self.seed, "seed_source": self.seed_source,
                    "sample_method": s.sample.method},
            "claim": {"low": c.low, "high": c.high, "per": c.per, "horizon_years": c.horizon_years,
                      "basis": c.basis, "derived": c.derived},
            "point_estimate": self.point_estimate,
            "savings": {"mean": full.mean, "median": full.median, "p05": full.p05, "p95": full.p95,
                        "sd": float(np.std(x, ddof=1)) if x.size > 1 else 0.0},
            "p_meets_low": full.p_meets_low,
            "p_meets_high": full.p_meets_high,
            "p_within_claim": float(np.mean((x >= c.low) & (x <= c.high))),
            "mcse": {"p_meets_low": math.sqrt(p * (1 - p) / x.size),
                     "mean": float(np.std(x, ddof=1) / math.sqrt(x.size)) if x.size > 1 else 0.0},
            "stages": [st.to_dict() for st in stages],
            "judgement": judgement,
            "ratios": {
                "median_to_claim_low": _ratio(full.median, c.low),
                "point_to_claim_low": _ratio(self.point_estimate, c.low),
                "interval_width_to_claim_width": _ratio(full.p95 - full.p05, width),
            },
            "verdict": verdict,
            "verdict_reason": reason,
            "verdict_rule": {"applies_to": "full", "collapse_below": s.verdict.collapse_below,
                             "hold_at": s.verdict.hold_at, "max_width_ratio": s.verdict.max_width_ratio},
            "normalised_names": [{"written": a, "read_as": b} for a, b in s.normalised],
            "implied": implied_assumptions(s),
            "sampling": self.sampling_summary,
            "prior_sensitivity": self.prior_sensitivity,
        }

    def to_frame(self):
        """One row per draw: each source's draw and the savings at each stage.

        Returns
        -------
        pandas.DataFrame
            Columns ``draw``, the inputs (``share[a->b]``, ``theta``,
            ``cost[...]``, ``realisation``) when kept, and ``savings_sampling``,
            ``savings_judgement``, ``savings_full``.
        """
        import pandas as pd

        cols: dict[str, np.ndarray] = {"draw": np.arange(self.draws)}
        cols.update(self.inputs)
        for k in ("sampling", "judgement", "full"):
            cols[f"savings_{k}"] = self.stages[k]
        return pd.DataFrame(cols)

    def plot(self, ax=None):
        """Draw the claim band against each stage's 90% interval (the ladder).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure is made when omitted (no pyplot state).

        Returns
        -------
        matplotlib.axes.Axes
        """
        from .report.figures import ladder

        return ladder(self, ax=ax)
