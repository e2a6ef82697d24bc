"""Audit results: the draws, their summary, the verdict.

:class:`AuditResult` keeps every stage's draws (and, for runs up to
:data:`~auditor.model.engine` ``keep_inputs`` size, each source's draws) and exports
itself: :meth:`~AuditResult.summary` is exactly the content of
``summary.json``; :meth:`~AuditResult.to_frame` is one row per draw;
:meth:`~AuditResult.plot` draws the claim against the audit.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

import numpy as np

from .analysis.fragility import Fragility
from .analysis.sensitivity import N_BOOT, SobolIndex, plateau
from .analysis.verdict import (EXCEPTIONALLY_UNLIKELY, MC_BAND, Verdict, decide, ends, judge_verdict,
                               share_of_draws)
from .errors import UsageError, UsageTypeError
from .figures import audit as figures, sensitivity as sensitivity_figures
from .inputs.money import format_chance, format_money, format_per
from .inputs.scenario import Scenario
from .frames import long_frame
from .wording import claim_words, plain_overrides, ratio, reproduce_command, tipping_sentence

__all__ = ["AuditResult", "SensitivityResult", "StageSummary", "judge_verdict", "share_of_draws", "VERDICTS",
           "tipping_sentence"]

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

    @classmethod
    def of(cls, name: str, x: np.ndarray, low: float, high: float) -> "StageSummary":
        """The summary of draws ``x`` against a claim from ``low`` to ``high``."""
        q05, q50, q95 = np.quantile(x, QUANTILES)
        return cls(name, float(np.mean(x)), float(q50), float(q05), float(q95),
                   float(np.mean(x >= low)), float(np.mean(x >= high)))


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
    version : str
        The auditor version that made the draws.
    judgement_summary : mapping, optional
        The summary's ``judgement`` block (model, evidence, θ quantiles, the
        reliability ladder, the switching selectivity), computed by
        :func:`auditor.audit`; None for a run made with ``analyses=False``.
    implied : mapping, optional
        The summary's ``implied`` block (:mod:`auditor.analysis.implied`), or None.
    tipping : mapping, optional
        The panel reliability the low end needs and the appeal selectivity at
        which the tribunal evidence implies it (:mod:`auditor.analysis.tipping`),
        computed by :func:`auditor.audit`; None for ``analyses=False``.
    sampling : mapping, optional
        The summary's ``sampling`` block: the resampling choices, the rows where
        the review saw no move, the unseen moves kept at a prior probability,
        warnings, and the bridge from the point estimate to the sampling median
        (:mod:`auditor.analysis.prior`).
    prior_sensitivity : tuple of mappings, optional
        The full audit under other defensible sampling choices, each with
        ``label``, ``p_meets_low``, ``p_meets_high`` and ``median``
        (:func:`auditor.analysis.prior.prior_sensitivity`); the audit's own
        choice is the row with ``default`` true.
    track : mapping, optional
        The summary's ``track`` block (:mod:`auditor.analysis.track`): None when the
        scenario names no council or DfE has no January after its census year.

    The analyses are computed by :func:`auditor.audit` and stored here; a
    result never reruns the model.
    """

    scenario: Scenario
    draws: int
    seed: int
    seed_source: str
    point_estimate: float
    stages: Mapping[str, np.ndarray] = field(repr=False)
    inputs: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)
    version: str = ""
    judgement_summary: Mapping[str, Any] | None = field(default=None, repr=False)
    implied: Mapping[str, Any] | None = field(default=None, repr=False)
    tipping: Mapping[str, Any] | None = field(default=None, repr=False)
    sampling: Mapping[str, Any] | None = field(default=None, repr=False)
    prior_sensitivity: tuple[Mapping[str, Any], ...] | None = field(default=None, repr=False)
    track: Mapping[str, Any] | None = field(default=None, repr=False)

    def reproduce_command(self) -> str:
        """The ``auditor run`` command line that redraws exactly this result.

        Examples
        --------
        >>> import auditor
        >>> r = auditor.audit("scenarios/west-sussex-2023.toml", draws=500, seed=3,
        ...                   judgement__model="face_value")
        >>> print(r.reproduce_command())
        auditor run scenarios/west-sussex-2023.toml --draws 500 --seed 3 --set 'judgement.model="face_value"'
        """
        return reproduce_command(self.scenario, self.draws, self.seed, "run")

    @property
    def savings(self) -> np.ndarray:
        """The audited savings per draw (the ``full`` stage)."""
        return self.stages["full"]

    @property
    def reliability_ladder(self) -> list[dict[str, Any]]:
        """Full-stage savings under face_value, contest, selection and scrutinised.

        Same seed and streams as the main run (common random numbers); see
        :func:`auditor.analysis.ladder.ladder_savings`. Computed by
        :func:`auditor.audit` and stored in :attr:`judgement_summary`.
        """
        return self._analysed().judgement_summary["ladder"]

    def _analysed(self) -> "AuditResult":
        """This result, after checking that the analyses were computed and stored."""
        if self.judgement_summary is None or self.implied is None or self.tipping is None:
            raise UsageError("this result holds the draws only (audit(..., analyses=False)); the summary and "
                             "the reports need the analyses: run auditor.audit without analyses=False",
                             field="analyses")
        return self

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
        out += [StageSummary.of(k, self.stages[k], c.low, c.high) for k in ("sampling", "judgement", "full")]
        return tuple(out)

    def prior_alternatives(self) -> list[dict[str, Any]]:
        """Alternative analysis choices the verdict is re-made under (``prior_sensitivity`` rows, when given)."""
        rows = getattr(self, "prior_sensitivity", None)
        return list(rows) if rows else []

    @cached_property
    def verdict_detail(self) -> Verdict:
        """The verdict with its scope and what the call depends on (:func:`auditor.analysis.verdict.decide`)."""
        full = self.stage_summaries()[-1]
        c = self.scenario.claim
        n = self.stages["full"].size
        pl, ph = full.p_meets_low, full.p_meets_high
        se = (lambda p: math.sqrt(p * (1 - p) / n)) if n else (lambda p: None)
        return decide(pl, ph, full.p05, full.p95, c.low, c.high, self.scenario.verdict,
                      mcse_low=se(pl), mcse_high=se(ph), alternatives=self.prior_alternatives())

    def verdict(self) -> tuple[str, str]:
        """The verdict on the published claim and the reason, in words."""
        v = self.verdict_detail
        return v.word, v.reason

    def verdict_sentence(self) -> str:
        """The headline's first sentence: the verdict, with both ends in calibrated words.

        Names the judgement reading whenever it is not face value, since the
        verdict then rests on that reading's assumption.
        """
        from .analysis.ladder import reading_phrase

        v = self.verdict_detail
        c = self.scenario.claim
        per = format_per(c.per)
        word = "holds at its low end only" if (v.word, v.scope) == ("holds", "low_end") else v.word
        model = self.scenario.judgement
        head = "The claim" if model.name == "face_value" else f"Under {reading_phrase(model)}, the claim"
        return f"{head} of {claim_words(c.low, c.high)} {per} {word}: {v.reason}."

    def tipping_sentence(self) -> str | None:
        """The headline's second sentence: the panel reliability the low end needs, and what it would take."""
        return None if self.tipping is None else tipping_sentence(self.tipping, self.scenario.claim,
                                                                     self.scenario.sample.basis)

    def headline(self) -> list[str]:
        """Every sentence of the headline, in order: verdict, tipping point, what the call depends on."""
        out = [self.verdict_sentence()]
        tip = self.tipping_sentence()
        dep = self.verdict_detail.dependence_sentence()
        return out + [x for x in (tip, dep) if x]

    def scope_sentence(self) -> str | None:
        """For a claim marked ``scope = "partial"``: what the verdict does and does not judge.

        The verdict words stay the contract's; this sentence sits beside them in
        every headline so a verdict on the modelled part is never read as one on
        the whole published figure (None for a whole claim).
        """
        c = self.scenario.claim
        if c.scope != "partial":
            return None
        return ("This scenario models only part of what the published figure rests on, so the verdict judges "
                "only whether the modelled moves could reach it, not the whole figure: "
                + " ".join((c.scope_note or "").split()).rstrip(".") + ".")

    def budget_sentence(self) -> str:
        """Which budget the costs are counted against (``claim.budget``), in words."""
        from .inputs.scenario import BUDGET_WORDS

        c = self.scenario.claim
        return (f"Costs are counted against {BUDGET_WORDS[c.budget]}"
                + ("" if c.budget_stated else " (the default: the scenario does not say)") + ".")

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
        # Built once; callers get their own copy so editing it cannot change the result.
        return copy.deepcopy(self._summary)

    @cached_property
    def _summary(self) -> dict[str, Any]:
        self._analysed()
        s = self.scenario
        c = s.claim
        stages = self.stage_summaries()
        full = stages[-1]
        x = self.savings
        verdict, reason = self.verdict()
        detail = self.verdict_detail
        tip = self.tipping
        width = c.high - c.low
        judgement = self.judgement_summary
        p = full.p_meets_low
        return {
            "schema_version": 1,
            "auditor_version": self.version,
            "scenario": {"title": s.title, "authority": s.authority, "path": s.path, "sha256": s.sha256},
            "run": {"draws": self.draws, "seed": self.seed, "seed_source": self.seed_source,
                    "sample_method": s.sample.method, "sample_basis": s.sample.basis, "overrides": plain_overrides(s),
                    "command": self.reproduce_command()},
            "claim": {"low": c.low, "high": c.high, "per": c.per, "horizon_years": c.horizon_years,
                      "basis": c.basis, "derived": c.derived, "budget": c.budget,
                      "budget_stated": c.budget_stated, "scope": c.scope, "scope_note": c.scope_note},
            "point_estimate": self.point_estimate,
            "savings": {"mean": full.mean, "median": full.median, "p05": full.p05, "p95": full.p95,
                        "sd": float(np.std(x, ddof=1)) if x.size > 1 else 0.0},
            "p_meets_low": full.p_meets_low,
            "p_meets_high": full.p_meets_high,
            "p_within_claim": float(np.mean((x >= c.low) & (x <= c.high))),
            # A single figure has no range to land in (null), where p_within_claim reads P(x = figure).
            "p_in_range": float(np.mean((x >= c.low) & (x <= c.high))) if c.low < c.high else None,
            "ends": ends(full.p_meets_low, full.p_meets_high),
            "reliability_needed": dict(tip["reliability_needed"]),
            "selectivity_needed": tip["selectivity_needed"],
            "tipping": {"selectivity": tip["selectivity"], "draws": tip["draws"],
                        "p_meets_low_face_value": tip["p_meets_low_face_value"],
                        "sentence": self.tipping_sentence()},
            "mcse": {"p_meets_low": math.sqrt(p * (1 - p) / x.size),
                     "mean": float(np.std(x, ddof=1) / math.sqrt(x.size)) if x.size > 1 else 0.0},
            "stages": [st.to_dict() for st in stages],
            "judgement": judgement,
            "ratios": {
                "median_to_claim_low": ratio(full.median, c.low),
                "point_to_claim_low": ratio(self.point_estimate, c.low),
                "interval_width_to_claim_width": ratio(full.p95 - full.p05, width),
            },
            "verdict": verdict,
            "verdict_reason": reason,
            "verdict_scope": detail.scope,
            "verdict_depends_on": [{"on": what, "verdict": call} for what, call in detail.depends_on],
            "headline": self.headline(),
            "verdict_rule": {"applies_to": "full", "collapse_below": s.verdict.collapse_below,
                             "hold_at": s.verdict.hold_at, "max_width_ratio": s.verdict.max_width_ratio,
                             "high_end_exceptionally_unlikely_below": EXCEPTIONALLY_UNLIKELY,
                             "monte_carlo_band_se": MC_BAND,
                             "likelihood_scale": "IPCC calibrated language (Mastrandrea et al. 2010)"},
            "normalised_names": [{"written": a, "read_as": b} for a, b in s.normalised],
            "warnings": list(s.warnings),
            "levers": s.levers.to_dict(),
            "implied": self.implied,
            "sampling": self.sampling,
            "prior_sensitivity": list(self.prior_sensitivity or []),
            **({"track": self.track} if self.track is not None else {}),
        }

    def frame_attrs(self) -> dict[str, Any]:
        """What :meth:`to_frame` puts in ``DataFrame.attrs``: enough to say which run a table came from.

        Keys ``seed``, ``seed_source``, ``draws``, ``scenario_sha256`` (SHA-256
        of the scenario file's bytes, as in ``summary.json``), ``scenario_path``,
        ``scenario_title``, ``overrides`` (``--set`` / keyword overrides, dotted
        key -> value), ``judgement_model``, ``auditor_version`` and ``command``
        (the ``auditor run`` line that redraws the table). Plain values only, so
        the attrs survive pickling and pandas' own copying.
        """
        s = self.scenario
        return {"seed": self.seed, "seed_source": self.seed_source, "draws": self.draws,
                "scenario_sha256": s.sha256, "scenario_path": s.path, "scenario_title": s.title,
                "overrides": plain_overrides(s), "judgement_model": s.judgement.name,
                "auditor_version": self.version, "command": self.reproduce_command()}

    def to_frame(self, long: bool = False):
        """The draws as a pandas DataFrame: one row per draw (default) or tidy long.

        Parameters
        ----------
        long : bool, default False
            False: one row per draw, the columns below (the layout of
            ``draws.csv.gz``, unchanged). True: one row per draw and quantity,
            columns ``draw``, ``quantity`` (an identifier-safe name such as
            ``share__state_special__mainstream``, ``cost__mainstream``,
            ``theta`` or ``savings__full``), ``group`` (``cases``, ``share``,
            ``cost``, ``savings``, or the name itself for ``theta``,
            ``realisation`` and the lever columns), ``setting`` (the setting,
            or the one a share moves from), ``to`` (where a share moves to),
            ``stage`` (for savings) and ``value``; rows run quantity by
            quantity in the wide frame's column order, draws ascending within
            each.

        Returns
        -------
        pandas.DataFrame
            Wide: columns ``draw``, the inputs (``share[a->b]``, ``theta``,
            ``cost[...]``, ``realisation``) when kept, and ``savings_sampling``,
            ``savings_judgement``, ``savings_full``. Either layout carries
            :meth:`frame_attrs` in ``attrs``; the long one adds ``names``
            (identifier-safe name -> wide column name).

        Examples
        --------
        >>> import auditor
        >>> r = auditor.audit("scenarios/west-sussex-2023.toml", draws=100, seed=2)
        >>> t = r.to_frame(long=True)
        >>> bool(t.query("quantity == 'savings__full'")["value"].median() == r.to_frame()["savings_full"].median())
        True
        >>> t.attrs["seed"], t.attrs["draws"], t.attrs["names"]["share__state_special__mainstream"]
        (2, 100, 'share[state_special->mainstream]')
        """
        import pandas as pd

        cols: dict[str, np.ndarray] = {"draw": np.arange(self.draws)}
        cols.update(self.inputs)
        for k in ("sampling", "judgement", "full"):
            cols[f"savings_{k}"] = self.stages[k]
        if long:
            out = long_frame(cols, self.scenario.setting_keys)
        else:
            out = pd.DataFrame(cols)
        out.attrs.update(self.frame_attrs())
        return out

    def write_report(self, folder, formats=None, *, sensitivity=None):
        """Write the report folder ``auditor run`` writes for this result, atomically.

        Same files and bytes as ``auditor run`` with the same scenario, seed,
        draws and ``--format``, and the same safety rules: the folder is built
        beside ``folder`` and renamed into place, carries the ``.auditor-output``
        marker, and an existing folder that auditor did not write is refused
        (:class:`~auditor.errors.UsageError`), never replaced.

        Parameters
        ----------
        folder : str or path-like
        formats : str or sequence of str, optional
            ``"md,html"`` or ``["md", "html"]``, from md, html, pdf, json, draws
            and xlsx (default: every format but xlsx, as ``auditor run``).
        sensitivity : mapping, optional
            ``sensitivity.json`` content to show in ``report.html``.

        Returns
        -------
        pathlib.Path
            The report folder.
        """
        # The one sanctioned upward import (tests/test_layers.py): the report
        # package never imports this module, so there is no cycle.
        from .report import check_destination, parse_formats, write_outputs

        self._analysed()
        chosen = parse_formats(formats if formats is None or isinstance(formats, str) else ",".join(formats),
                               option="formats")
        check_destination(folder, "report", option="folder")
        return write_outputs(self, folder, chosen, sensitivity=sensitivity)

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
        _ax_iv(ax)
        return figures.ladder(self, ax=ax)


@dataclass(frozen=True)
class SensitivityResult:
    """The outcome of :func:`auditor.sensitivity`.

    Attributes
    ----------
    scenario : Scenario
    draws, seed : int
        Draws per evaluation (and per Sobol matrix) and the seed.
    point_estimate : float
    variance_share : mapping of str to SobolIndex
    fragility : Fragility or None
    case_influence : tuple of dict
    switching_values : tuple of SwitchingValue
    tornado_base : float
    tornado : tuple of dict
    sample_size : tuple of dict
    sample_size_for_target : int or None
    grid : mapping
    """

    scenario: Scenario
    draws: int
    seed: int
    point_estimate: float
    variance_share: Mapping[str, SobolIndex]
    fragility: Fragility | None
    case_influence: tuple
    switching_values: tuple
    tornado_base: float
    tornado: tuple
    sample_size: tuple
    sample_size_for_target: int | None
    grid: Mapping[str, Any] = field(repr=False)
    version: str = ""

    def summary(self) -> dict[str, Any]:
        """Exactly the content of ``sensitivity.json``.

        Examples
        --------
        >>> import auditor
        >>> r = auditor.sensitivity("scenarios/west-sussex-2023.toml", draws=2048, seed=1)
        >>> s = r.summary()
        >>> s["fragility"]["judgements_to_reverse_for_low"], sorted(s["variance_share"]["costs"])[:2]
        (4, ['first', 'first_ci'])
        """
        s = self.scenario
        c = s.claim
        plat = plateau(list(self.sample_size))
        return {
            "schema_version": 1,
            "auditor_version": self.version,
            "scenario": {"title": s.title, "authority": s.authority, "path": s.path, "sha256": s.sha256},
            "run": {"draws": self.draws, "seed": self.seed, "bootstrap": N_BOOT,
                    "overrides": plain_overrides(s),
                    "command": reproduce_command(s, self.draws, self.seed, "sensitivity")},
            "claim": {"low": c.low, "high": c.high, "per": c.per},
            "point_estimate": self.point_estimate,
            "variance_share": {k: v.to_dict() for k, v in self.variance_share.items()},
            "fragility": None if self.fragility is None else {
                **self.fragility.to_dict(), "sentence": self.fragility.sentence(c.low, c.high)},
            "case_influence": list(self.case_influence),
            "switching_values": [v.to_dict() for v in self.switching_values],
            "tornado": {"base": self.tornado_base, "rows": list(self.tornado)},
            "sample_size": list(self.sample_size),
            "sample_size_for_25pct": self.sample_size_for_target,
            "sample_size_plateau": plat,
            "grid": dict(self.grid),
        }

    def to_frame(self, part: str = "variance_share"):
        """One part of the analysis as a pandas DataFrame.

        Parameters
        ----------
        part : {"variance_share", "case_influence", "switching_values", "tornado", "sample_size", "grid"}
        """
        import pandas as pd


        if part == "variance_share":
            return pd.DataFrame([{"source": k, "first": v.first, "first_low": v.first_ci[0],
                                  "first_high": v.first_ci[1], "total": v.total, "total_low": v.total_ci[0],
                                  "total_high": v.total_ci[1], "varies": v.varies}
                                 for k, v in self.variance_share.items()])
        if part == "case_influence":
            return pd.DataFrame(list(self.case_influence))
        if part == "switching_values":
            return pd.DataFrame([v.to_dict() for v in self.switching_values])
        if part == "tornado":
            return pd.DataFrame(list(self.tornado))
        if part == "sample_size":
            return pd.DataFrame(list(self.sample_size))
        if part == "grid":
            g = self.grid
            return pd.DataFrame([{"theta": t, "realisation": r, "median": g["median"][i][j],
                                  "p_meets_low": g["p_meets_low"][i][j]}
                                 for i, t in enumerate(g["theta"]) for j, r in enumerate(g["realisation"])])
        raise UsageError(f"unknown part {part!r}; allowed: variance_share, case_influence, switching_values, "
                         "tornado, sample_size, grid", field="part")

    def plot(self, ax=None, kind: str = "variance_share"):
        """Draw one figure of the analysis (default: the variance shares).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
        kind : {"variance_share", "tornado", "sample_size", "grid"}
        """
        if kind not in sensitivity_figures.FIGURES:
            raise UsageError(f"unknown kind {kind!r}; allowed: {', '.join(sensitivity_figures.FIGURES)}",
                             field="kind")
        _ax_iv(ax)
        return getattr(sensitivity_figures, kind)(self, ax=ax)


def _ax_iv(ax) -> None:
    """``ax`` is None or a matplotlib Axes (UsageTypeError naming ``ax`` otherwise)."""
    if ax is None:
        return
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise UsageTypeError(f"must be a matplotlib Axes (e.g. from plt.subplots()) or None, got "
                             f"{type(ax).__name__}", field="ax")
