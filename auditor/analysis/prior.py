"""What the sampling stage's analysis choices do: the point-to-median bridge and prior sensitivity.

``bridge``
    The steps from the published-style point estimate to the sampling
    stage's median: rounding shares to whole cases over the weighted splits
    (``reported`` form), the prior's pull on the moves the review made, the
    prior probability of possible moves nobody made, and the gap between the
    sampling stage's mean and its median. The first three are exact
    expectations (Dirichlet means), the last is read off the draws.
``prior_sensitivity``
    The full audit's chance of meeting the claim and its median under other
    defensible sampling choices (a flatter and a sharper prior, Jeffreys, the
    bootstrap, or another weighting of unknown splits), drawn on the same
    draws of every other source (:func:`auditor.model.engine.restage`).
``sampling_notes``
    The rows where the review saw no move, the unseen moves given prior
    probability, the structural zeros, and warnings about the method.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..inputs.scenario import Scenario
from ..model import engine
from ..inputs.sample import JEFFREYS, PERKS, POOLED

__all__ = ["bridge", "prior_sensitivity", "alternatives", "sampling_notes", "prior_label", "sampling_warnings",
           "scenario_sampling_warnings",
           "BOOTSTRAP_MIN_ROW", "SUBSET_DRAWS"]

#: Rows smaller than this make the bootstrap's percentile intervals too narrow
#: (docs/methods.md §2 coverage table): a scenario that picks it is warned.
BOOTSTRAP_MIN_ROW = 20


def prior_label(prior) -> str:
    """The prior in words.

    Examples
    --------
    >>> prior_label("perks"), prior_label(0.5), prior_label(1 / 3), prior_label(0.7)
    ("Perks' 1/K per cell", "Jeffreys' 1/2 per cell", "Kerman's 1/3 per cell", '0.7 per cell')
    >>> prior_label("pooled")
    "Perks' 1/K per cell, rows' move shares pooled"
    """
    if prior == PERKS:
        return "Perks' 1/K per cell"
    if prior == POOLED:
        return "Perks' 1/K per cell, rows' move shares pooled"
    names = {JEFFREYS: "Jeffreys' 1/2", 1 / 3: "Kerman's 1/3", 1.0: "Bayes-Laplace 1"}
    for value, name in names.items():
        if abs(float(prior) - value) < 1e-12:
            return f"{name} per cell"
    return f"{float(prior):g} per cell"


def _with_sample(s: Scenario, **changes) -> Scenario:
    return dataclasses.replace(s, sample=dataclasses.replace(s.sample, **changes))


def alternatives(s: Scenario) -> list[tuple[str, str, Scenario]]:
    """(key, label, scenario) for the audit's own choice and each alternative.

    The audit's own sampling choice comes first. Alternatives: a sharper prior
    (Kerman's 1/3 per cell, whose posterior median is close to the observed
    share), a flatter one (Bayes-Laplace 1 per cell), Jeffreys' 1/2 (the
    former default), Perks' 1/K (the default), the hierarchical prior that
    pools the rows' move shares (:mod:`auditor.model.pooling`) and, for cases
    or transitions, the stratified bootstrap; for published shares, the other weighting of the unknown splits. A choice
    equal to the audit's own is left out.
    """
    own = s.sample
    words = prior_label(own.prior) if own.method == "bayes" else "stratified bootstrap"
    if own.form == "reported":
        words += ", splits " + ("uniform" if own.splits == "uniform" else "uniform per sub-group size")
    out = [("audit", f"{words} (this audit)", s)]
    bayes = dataclasses.replace(own, method="bayes")
    choices = (("kerman", 1 / 3, "a sharper prior"), ("uniform", 1.0, "a flatter prior"),
               ("jeffreys", JEFFREYS, "Jeffreys' prior"), ("perks", PERKS, "the default prior"),
               ("pooled", POOLED, "a prior that pools the rows"))
    for key, prior, words in choices:
        if own.method == "bayes" and prior_label(own.prior) == prior_label(prior):
            continue
        out.append((key, f"{words} ({prior_label(prior)})",
                    dataclasses.replace(s, sample=dataclasses.replace(bayes, prior=prior))))
    if own.form == "reported":
        other = "per_size" if own.splits == "uniform" else "uniform"
        words = "uniformly per sub-group size" if other == "per_size" else "uniformly over splits"
        out.append((f"splits_{other}", f"weighting the unknown splits {words}", _with_sample(s, splits=other)))
    elif own.method == "bayes":
        out.append(("bootstrap", "the stratified bootstrap (no prior; no unseen moves)",
                    _with_sample(s, method="bootstrap")))
    return out


#: Draws on which the alternatives are run (four engine blocks); see :func:`prior_sensitivity`.
SUBSET_DRAWS = 4 * engine.BLOCK_SIZE


def prior_sensitivity(s: Scenario, seed: int, draws: int, full: np.ndarray,
                      inputs: dict[str, np.ndarray] | None) -> list[dict[str, Any]]:
    """P(≥ claim low), P(≥ claim high) and the median of the full audit under each choice.

    ``full`` is the audit's own full stage. Each alternative redraws only the
    sampling stage, from the same streams, and reuses ``inputs`` (θ, costs,
    realisation) (:func:`auditor.model.engine.restage`), so the rows differ
    only through the choice (common random numbers). To keep the cost fixed,
    the alternatives are run on the first :data:`SUBSET_DRAWS` draws and each
    figure is the audit's own figure plus the alternative's difference from it
    on those draws (a common-random-numbers difference, far less noisy than
    either figure alone); with fewer draws than that every draw is used and
    the difference is exact. Without kept inputs each alternative is a full
    rerun of those draws on the same seed, which gives the same numbers at a
    higher cost.
    """
    c = s.claim
    n_sub = min(draws, SUBSET_DRAWS)
    # restage reuses θ, costs and realisation as the plain model draws them; a
    # scenario with levers (selection bias, delivery, correlated costs) reruns.
    reuse = inputs and "theta" in inputs and not s.levers.any
    sub_inputs = {k: v[:n_sub] for k, v in inputs.items()} if reuse else None
    own_full = _figures(full, c.low, c.high)
    own_sub = _figures(full[:n_sub], c.low, c.high)
    rows = []
    cache: dict = {}
    for key, label, alt in alternatives(s):
        if key == "audit":
            figures = own_full
        else:
            model = engine.build_model(alt)
            if sub_inputs is not None:
                x = engine.restage(model, seed, n_sub, sub_inputs, cache)["full"]
            else:
                x = engine.simulate(model, draws=n_sub, seed=seed, keep_inputs=False)["full"]
            alt_sub = _figures(x, c.low, c.high)
            figures = {k: own_full[k] + alt_sub[k] - own_sub[k] for k in own_full}
            for k in ("p_meets_low", "p_meets_high"):
                figures[k] = min(1.0, max(0.0, figures[k]))
        rows.append({"key": key, "label": label, **figures, "default": key == "audit"})
    return rows


def _figures(x: np.ndarray, low: float, high: float) -> dict[str, float]:
    return {"p_meets_low": float(np.mean(x >= low)), "p_meets_high": float(np.mean(x >= high)),
            "median": float(np.median(x))}


def _row_terms(model: engine.Model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per move: the plug-in share, the posterior mean share, and whether it was unseen.

    Expectations over the splits (``reported``) use the design's split
    weights; a Dirichlet cell's posterior mean is (k + a) / (m + Σa).
    """
    d = model.design
    n_moves = len(d.moves)
    if d.compositions is None:
        counts = np.concatenate(d.row_counts).astype(float)[None, :] if d.row_counts else np.zeros((1, 0))
        w = np.ones(1)
    else:
        counts = d.compositions
        w = (np.full(counts.shape[0], 1.0 / counts.shape[0]) if d.composition_weights is None
             else d.composition_weights)
    ends = list(d.row_starts[1:]) + [d.n_cells]
    row_total = np.zeros_like(counts)
    prior_total = np.zeros(d.n_cells)
    for start, end in zip(d.row_starts.tolist(), ends):
        row_total[:, start:end] = counts[:, start:end].sum(axis=1, keepdims=True)
        prior_total[start:end] = d.prior_alpha[start:end].sum()
    cols = d.move_cols
    plug = w @ (counts[:, cols] / row_total[:, cols]) if n_moves else np.zeros(0)
    if model.scenario.sample.method == "bootstrap":
        post = plug
    elif d.pool is not None:
        from ..model.pooling import pooled_means

        post = w @ pooled_means(d.pool, counts, d.row_starts, d.move_cols, d.row_of_move)
    else:
        post = w @ ((counts[:, cols] + d.prior_alpha[cols]) / (row_total[:, cols] + prior_total[cols]))
    return plug, post, d.unseen.astype(bool)


def bridge(model: engine.Model, sampling: np.ndarray) -> dict[str, float]:
    """From the point estimate to the sampling stage's median, step by step (£, same units as the claim).

    ``point + splits + prior_on_seen_moves + unseen_moves + mean_to_median
    == sampling_median`` exactly (the last step takes the remainder, which is
    the median-versus-mean gap of the draws plus Monte Carlo error).
    """
    point = engine.point_estimate(model)
    if not model.design.moves:
        med = float(np.median(sampling)) if sampling.size else 0.0
        return {"point": point, "splits": 0.0, "prior_on_seen_moves": 0.0, "unseen_moves": 0.0,
                "mean_to_median": med - point, "sampling_median": med}
    plug, post, unseen = _row_terms(model)
    scale = model.weights * (model.cost_mean[model.from_idx] - model.cost_mean[model.to_idx])
    scale = scale * model.realisation_mean
    plug_total = float(np.sum(scale * plug))
    seen_pull = float(np.sum((scale * (post - plug))[~unseen]))
    unseen_add = float(np.sum((scale * post)[unseen]))
    mean = plug_total + seen_pull + unseen_add
    med = float(np.median(sampling))
    return {"point": point, "splits": plug_total - point, "prior_on_seen_moves": seen_pull,
            "unseen_moves": unseen_add, "mean_to_median": med - mean, "sampling_median": med}


def sampling_warnings(model: engine.Model) -> list[str]:
    """Warnings about the sampling method at this review's size (``summary.json``, stderr, Python warnings).

    The stratified bootstrap with a row of fewer than :data:`BOOTSTRAP_MIN_ROW`
    reviewed cases: its percentile interval is too narrow at that size and it
    gives no probability to moves nobody made (docs/methods.md §2).
    """
    s = model.scenario.sample
    d = model.design
    if s.method == "bootstrap" and d.row_n.size and int(d.row_n.min()) < BOOTSTRAP_MIN_ROW:
        return [f"the bootstrap was chosen with a row of only {int(d.row_n.min())} reviewed cases: "
                "its 90% interval covers the true saving well below 90% of the time at this size "
                "and gives no probability to moves nobody made (docs/methods.md §2); "
                "method = \"bayes\" is the calibrated choice"]
    return []


def scenario_sampling_warnings(s: Scenario) -> list[str]:
    """:func:`sampling_warnings` for a scenario (builds the model only when the bootstrap is chosen)."""
    if s.sample.method != "bootstrap":
        return []
    return sampling_warnings(engine.build_model(s))


def sampling_notes(model: engine.Model) -> dict[str, Any]:
    """The ``sampling`` block of ``summary.json``: choices, rows with no move, unseen moves, warnings."""
    s = model.scenario.sample
    d = model.design
    names = model.move_names
    warnings = sampling_warnings(model)
    return {
        "method": s.method,
        "prior": s.prior,
        "prior_words": prior_label(s.prior) if s.method == "bayes" else "none (bootstrap)",
        "unseen": s.unseen,
        "splits": s.splits if s.form == "reported" else None,
        "no_move_rows": list(d.quiet_rows),
        "unseen_moves": [n for n, u in zip(names, d.unseen.tolist()) if u] if d.unseen is not None else [],
        "possible": [{"from": a, "to": b, "reason": r} for a, b, r in s.possible],
        "impossible": [{"from": a, "to": b, "reason": r} for a, b, r in s.impossible],
        "warnings": warnings,
    }
