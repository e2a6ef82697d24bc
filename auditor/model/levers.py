"""Optional levers of the savings model that DBV-style projections use, each off by default.

The levers' scenario keys are read into a frozen :class:`auditor.inputs.levers.Levers`;
this module holds how the engine applies them.

The core formula (:mod:`auditor.model.engine`) moves a share of each cohort to a
cheaper setting. Council projections of this kind rest on more than that; each
lever below makes one of those assumptions an explicit, uncertain input. A
scenario that sets none of them gives exactly the draws it gave before they
existed (tested bit for bit).

``[sample] selection_bias``
    Reviewed cases were picked in workshops, not drawn at random. The lever is
    the odds ratio ``b`` by which the review over-represents children judged
    movable: for a setting whose reviewed cases show a moved share ``P``, the
    cohort's moved share is ``P / (P + b·(1 − P))`` (the odds divided by ``b``),
    and each move of that setting is scaled by the same factor. ``b = 1`` is a
    random sample; ``b = 2`` says a movable child was twice as likely to be
    picked. Applied to every stage after ``point`` (the published method).

``[implementation] delivered``
    The panel judged "if the system worked in an improved way". ``delivered`` is
    the share of that improved system that is in place (a number or a
    distribution on [0, 1]); the realisation rate then says how many of the
    judged moves happen *given* the system. The full stage uses
    ``delivered × realisation``.

``[implementation] failed_move_cost``
    A judged down-shift that does not hold (``1 − θ`` of them under the
    judgement model) is not free: defending an appeal, and often a dearer
    placement after it. The lever is the annual-equivalent cost of one failed
    move; the judgement and full stages subtract
    ``r · Σ_down N_s · p[s→t] · (1 − θ) · F``.

``[costs] correlation``
    Unit costs from one source move together (a council that pays more for one
    kind of place tends to pay more for all). ``ρ`` in [0, 1] is the correlation
    of a Gaussian copula with one shared factor: setting ``i``'s cost is its own
    distribution's quantile at ``Φ(√ρ·Z + √(1 − ρ)·ε_i)``. ``ρ = 0`` (the
    default) keeps the independent draws.

Home-to-school transport is the fifth lever; it is a cost part of each setting,
counted when the claim's budget is ``public`` (see :mod:`auditor.inputs.scenario`).
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from ..inputs.distributions import MONEY, Dist, parse_dist

__all__ = ["apply_selection_bias", "quantiles", "correlated_costs"]


def apply_selection_bias(shares: np.ndarray, row_of_move: np.ndarray, bias: np.ndarray | float) -> np.ndarray:
    """Divide each reviewed setting's odds of a move by ``bias``; moves of a row scale together.

    Parameters
    ----------
    shares : ndarray, shape (draws, moves)
    row_of_move : ndarray of int
        The row (current setting) of each move column.
    bias : float or ndarray of shape (draws,)

    Examples
    --------
    >>> s = np.array([[0.5, 0.25]])       # one row: 75% move, odds 3
    >>> apply_selection_bias(s, np.array([0, 0]), 3.0).round(4)   # odds 1: 50% move, split 2:1
    array([[0.3333, 0.1667]])
    """
    b = np.asarray(bias, dtype=float)
    out = np.empty_like(shares)
    for r in np.unique(row_of_move):
        cols = np.flatnonzero(row_of_move == r)
        moved = shares[:, cols].sum(axis=1)
        factor = 1.0 / (moved + b * (1.0 - moved))
        out[:, cols] = shares[:, cols] * factor[:, None]
    return out


def quantiles(dist: Dist, u: np.ndarray) -> np.ndarray:
    """Vectorised quantile function of ``dist`` at probabilities ``u`` (for the cost copula).

    Examples
    --------
    >>> d = parse_dist({"dist": "uniform", "low": 10, "high": 20}, MONEY, "c")
    >>> quantiles(d, np.array([0.0, 0.25, 1.0])).tolist()
    [10.0, 12.5, 20.0]
    """
    p = dist.p
    k = dist.kind
    if k == "fixed":
        return np.full(u.shape, p["value"])
    if k == "uniform":
        return p["low"] + u * (p["high"] - p["low"])
    if k == "triangular":
        lo, mode, hi = p["low"], p["mode"], p["high"]
        if hi == lo:
            return np.full(u.shape, lo)
        c = (mode - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
        right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode))
        return np.where(u < c, left, right)
    from scipy import stats
    from scipy.special import ndtri

    if k in ("pert", "beta"):
        a, b = dist._beta_shape()
        return p["low"] + (p["high"] - p["low"]) * stats.beta.ppf(u, a, b)
    lo, hi = dist._normal_cdf_bounds()
    z = ndtri(np.clip(lo + (hi - lo) * u, 1e-300, 1 - 1e-16))
    out = p["mean"] + p["sd"] * z if k == "normal" else np.exp(math.log(p["median"]) + p["sd_log"] * z)
    return np.clip(out, dist.domain.lower, dist.domain.upper)


def correlated_costs(dists: Mapping[int, Dist], rho: float, common: np.ndarray,
                     own: Mapping[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Costs through a one-factor Gaussian copula: ``F_i⁻¹(Φ(√ρ·Z + √(1 − ρ)·ε_i))``.

    ``common`` is the shared standard-normal factor ``Z`` and ``own[i]`` each
    setting's ``ε_i``. Each cost keeps its own distribution exactly; only the
    dependence between settings changes (Spearman's rank correlation between
    two costs is ``(6/π)·asin(ρ/2)``).
    """
    from scipy.special import ndtr

    a, b = math.sqrt(rho), math.sqrt(1.0 - rho)
    return {i: quantiles(d, ndtr(a * common + b * own[i])) for i, d in dists.items()}
