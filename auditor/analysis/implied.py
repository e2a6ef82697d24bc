"""What a published figure silently assumes, in children and take-up.

A savings claim is a number of pounds; behind it sit a number of children who
would have to move and a share of everyone in their setting. This module
turns the claim back into those quantities, using the scenario's own central
values (the reported shares at face value and mean costs):

``mean_saving_per_move``
    ``Σ_m w_m p_m Δ_m / Σ_m w_m p_m``: the average annual saving of one judged
    move, weighting each move ``m`` (from ``s`` to ``t``) by the children it
    would move at the published shares (``w`` is the cohort, or
    ``new_per_year`` under the flow basis; ``Δ = c_s − c_t`` at mean costs;
    up-shifts enter with their negative saving).
``children_to_move_for_low`` / ``_high``
    ``claim / (mean_saving_per_move · u)``, where ``u`` is 1 for a stock claim
    and the flow factor (see :mod:`auditor.model.flow`) for a flow claim, so the
    flow answer is children *per year's intake*.
``share_of_cohort_for_low`` / ``_high``
    Those children split over the settings they leave in the proportions of
    the published shares, each as a share of that setting's cohort (or
    yearly intake under flow).
``realisation_needed_for_low``
    The realisation rate at which the point estimate reaches the claim's low
    end: ``claim_low / (point / mean realisation)``. Above 1 means that even if
    every judged move happened the review would not support the low end.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model.engine import build_model, savings

__all__ = ["implied_assumptions"]


def implied_assumptions(scenario) -> dict[str, Any]:
    """The ``implied`` block of ``summary.json`` for a scenario.

    Examples
    --------
    >>> from auditor.inputs.scenario import load_scenario
    >>> imp = implied_assumptions(load_scenario("scenarios/west-sussex-2023.toml"))
    >>> imp["basis"], round(imp["children_to_move_for_low"]) > 0
    ('stock', True)
    """
    model = build_model(scenario)
    c = scenario.claim
    flow = c.basis == "flow"
    # Children counted per move: the cohort, or one year's intake under flow. The
    # model's own weights add the horizon, ramp and flow scaling to these.
    base = np.array([(s.new_per_year or 0.0) if flow else s.cohort for s in scenario.settings], dtype=float)
    w = base[model.from_idx]
    p = model.design.observed_shares
    moved = float(np.sum(w * p))
    saving = savings(model, p, weights=w, realisation=1.0)
    per_move = saving / moved if moved > 0 else None
    # The claim's horizon total or annual figure at full realisation (the stock or flow scaling included).
    gross = savings(model, p, realisation=1.0)

    def children(amount: float) -> float | None:
        if per_move is None or per_move <= 0 or gross <= 0:
            return None
        return amount * moved / gross

    def shares(n_children: float | None) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for i in sorted(set(model.from_idx.tolist())):
            key = scenario.settings[i].key
            mine = float(np.sum((w * p)[model.from_idx == i]))
            if n_children is None or base[i] <= 0 or moved <= 0:
                out[key] = None
            else:
                out[key] = n_children * mine / moved / base[i]
        return out

    low, high = children(c.low), children(c.high)
    return {
        "basis": c.basis,
        "per": c.per,
        "counted_as": "children newly placed each year" if flow else "children in the current cohort",
        "mean_saving_per_move": per_move,
        "children_moved_at_point": moved,
        "children_to_move_for_low": low,
        "children_to_move_for_high": high,
        "share_of_cohort_for_low": shares(low),
        "share_of_cohort_for_high": shares(high),
        "realisation_needed_for_low": c.low / gross if gross > 0 else None,
    }
