"""The tipping point of panel reliability, and what the tribunal evidence would have to mean for it.

No published figure says how often a review panel's "ideal setting" calls are
right, so instead of assuming a reliability the audit reports the reliability
the claim *needs* (a tipping-point analysis, as for missing data in clinical
trials; compare the E-value for unmeasured confounding, VanderWeele & Ding
2017), then the appeal selectivity at which the scenario's tribunal evidence
would imply that reliability.

``reliability_needed``
    θ fixed and applied to *every* move the panel proposed (down-shifts and
    up-shifts alike: a wrong proposal leaves the child where they are), with
    sampling, costs and take-up as in the audit. Per draw the savings are then
    ``θ · A + B``, with ``A`` the savings of the moves θ applies to and ``B``
    the rest (0 when θ applies to every move), so they are linear in θ draw by
    draw. P(savings ≥ low) is a step function of θ on fixed draws, so the
    search is on a continuous, monotone quantity instead: the θ at which the
    (1 − q) quantile of the savings equals the claim's low end, found by
    Brent's method on common random numbers. With ``B = 0`` the quantile is
    ``θ · quantile(A)`` (linear interpolation commutes with scaling), so the
    root is ``low / quantile(A, 1 − q)``, which is what is computed then; the
    general search is kept for ``B ≠ 0`` (and tested against the closed form).
``selectivity_needed``
    Under the selection reading, an overturn rate O at hearings, win rates s
    (against a wrong decision) and f (against a right one) and selectivity ρ
    imply an error rate w = (O − f) / ((O − f) + ρ·(s − O)). Setting
    1 − w = θ gives ρ = (O − f)·θ / ((1 − θ)·(s − O)); with a transport
    factor τ the evidence's θ is 1 − (1 − θ)/τ; with several evidence rows
    (a mixture) the mean θ over rows is matched by a root search in log ρ.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

__all__ = ["theta_for_quantile", "reliability_needed", "face_value_savings", "selectivity_for_theta",
           "selectivity_needed", "TIPPING_LEVELS"]

#: The chances of reaching the low end the tipping point is reported for:
#: 0.5 ("more likely than not") and 0.8 (the verdict's ``hold_at`` default).
TIPPING_LEVELS = {"low": 0.5, "low_80": 0.8}


def theta_for_quantile(scaled: np.ndarray, fixed: np.ndarray | float, q: float, target: float) -> float | None:
    """The smallest θ in [0, 1] at which the (1 − q) quantile of ``θ·scaled + fixed`` reaches ``target``.

    Parameters
    ----------
    scaled : ndarray
        Per-draw savings of the moves θ applies to.
    fixed : ndarray or float
        Per-draw savings of everything θ does not touch (0 when it applies to every move).
    q : float
        The chance of reaching ``target`` wanted (0.5: the median reaches it).
    target : float
        The claim's low end.

    Returns
    -------
    float or None
        0.0 when even θ = 0 reaches it, None when even θ = 1 does not.

    Examples
    --------
    >>> a = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    >>> round(theta_for_quantile(a, 0.0, 0.5, 15.0), 12)   # median 30: 15 / 30
    0.5
    >>> round(theta_for_quantile(a, 5.0, 0.5, 20.0), 12)    # 30·θ + 5 = 20
    0.5
    >>> theta_for_quantile(a, 0.0, 0.5, 60.0) is None       # even θ = 1 has median 30 < 60
    True
    """
    from .roots import find_root

    scaled = np.asarray(scaled, dtype=float)
    if np.ndim(fixed) == 0 and float(fixed) == 0.0:
        return _theta_closed_form(scaled, q, target)
    fixed_arr = np.broadcast_to(np.asarray(fixed, dtype=float), scaled.shape)

    def gap(theta: float) -> float:
        return float(np.quantile(theta * scaled + fixed_arr, 1.0 - q)) - target

    g0, g1 = gap(0.0), gap(1.0)
    if g0 >= 0:
        return 0.0
    if g1 < 0:
        return None
    if g1 == 0:
        return 1.0
    # The quantile of θ·A + B is continuous in θ; with A ≥ 0 it is also monotone,
    # so the bracket holds one root. xtol far below any reported precision.
    return find_root(gap, 0.0, 1.0, xtol=1e-12)


def _theta_closed_form(scaled: np.ndarray, q: float, target: float) -> float | None:
    """:func:`theta_for_quantile` with nothing fixed (``B = 0``): ``target / quantile(A, 1 − q)``.

    For θ ≥ 0 the quantile of ``θ·A`` is ``θ·quantile(A)`` (scaling keeps the
    order, and linear interpolation commutes with it), so one quantile replaces
    Brent's search, each step of which took a quantile of every draw.

    Examples
    --------
    >>> a = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    >>> _theta_closed_form(a, 0.5, 15.0), _theta_closed_form(a, 0.5, 30.0), _theta_closed_form(a, 0.5, 31.0)
    (0.5, 1.0, None)
    """
    if target <= 0:
        return 0.0                       # θ = 0 gives 0 savings, which already reach it
    qa = float(np.quantile(scaled, 1.0 - q))
    if qa < target:
        return None
    return 1.0 if qa == target else target / qa


def face_value_savings(scenario, draws: int, seed: int) -> np.ndarray:
    """Full-stage savings with every panel judgement at face value (θ = 1), on the audit's own draws.

    Random streams are keyed by source, so these draws share the audit's
    sampling, cost and take-up draws (common random numbers).
    """
    from ..model.engine import build_model, simulate
    from ..inputs.judgement import FaceValue

    built = build_model(replace(scenario, judgement=FaceValue()))
    return simulate(built, draws=draws, seed=seed, keep_inputs=False)["full"]


def reliability_needed(face_savings: np.ndarray, low: float) -> dict:
    """The panel reliability the claim's low end needs: ``{"low": θ50, "low_80": θ80}``.

    θ multiplies every proposed move, so the savings at θ are ``θ`` times the
    face-value savings draw by draw (``B = 0`` in :func:`theta_for_quantile`).

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0, 4.0, 5.0]) * 1e6
    >>> {k: round(v, 6) for k, v in reliability_needed(x, 1.5e6).items()}   # 1.5 / 3 and 1.5 / 1.8
    {'low': 0.5, 'low_80': 0.833333}
    """
    return {key: theta_for_quantile(face_savings, 0.0, q, low) for key, q in TIPPING_LEVELS.items()}


def _theta_from_rho(o: float, rho: float, s: float, f: float) -> float:
    from ..inputs.judgement import selection_error_rate

    return 1.0 - float(selection_error_rate(o, rho, s, f))


def selectivity_for_theta(theta: float, rates: list[tuple[float, float]], s: float = 1.0, f: float = 0.5,
                          tau: float = 1.0) -> float | None:
    """The appeal selectivity ρ at which the evidence implies a panel reliability of ``theta``.

    Parameters
    ----------
    theta : float
        The reliability wanted.
    rates : list of (overturn rate, weight)
        The evidence rows (one row: the closed form; several: their weighted mean θ is matched).
    s, f : float
        P(family wins | wrong decision), P(family wins | right decision).
    tau : float
        Transport factor: θ = 1 − τ·(1 − θ_evidence).

    Returns
    -------
    float or None
        0.0 when the evidence implies at least ``theta`` at any selectivity,
        None when no finite selectivity is enough.

    Examples
    --------
    >>> round(selectivity_for_theta(0.9, [(0.983, 1.0)]), 1)   # 0.483 · 0.9 / (0.1 · 0.017)
    255.7
    >>> selectivity_for_theta(1.0, [(0.983, 1.0)]) is None, selectivity_for_theta(0.5, [(0.4, 1.0)])
    (True, 0.0)
    """
    if tau <= 0:
        return 0.0
    need = 1.0 - (1.0 - theta) / tau      # the evidence's own θ that gives θ after transport
    if need <= 0:
        return 0.0
    if need >= 1:
        return None
    if len(rates) == 1:
        o = rates[0][0]
        if o <= f:
            return 0.0                     # no sign of error at any selectivity
        if o >= s:
            return None                    # w = 1 at every selectivity
        return (o - f) * need / ((1.0 - need) * (s - o))
    from .roots import find_root

    total = sum(w for _, w in rates)

    def mean_theta(log_rho: float) -> float:
        return sum(w * _theta_from_rho(o, math.exp(log_rho), s, f) for o, w in rates) / total - need

    lo, hi = math.log(1e-9), math.log(1e12)
    if mean_theta(lo) >= 0:
        return 0.0
    if mean_theta(hi) < 0:
        return None
    return math.exp(find_root(mean_theta, lo, hi, xtol=1e-10))


def _central(v) -> float:
    return float(v.mean()) if hasattr(v, "mean") else float(v)


def selectivity_needed(scenario, theta: float | None) -> dict:
    """``selectivity_needed`` and what it rests on, for the scenario's tribunal evidence.

    The evidence, transport factor and win rates are the scenario's when its
    judgement model has them (central values of any distribution), otherwise
    the selection reading's defaults (``tribunal:2022/23``, s = 1, f = 0.5,
    τ = 1). ``range`` repeats the calculation for a right decision losing
    30% and 70% of its hearings, the span the value of f is least sure of.

    Returns
    -------
    dict
        ``value`` (ρ or None), ``theta``, ``evidence`` (label and rate per
        row), ``overturn_rate`` (weighted), ``win_if_wrong``, ``win_if_right``,
        ``transport`` and ``range`` (ρ at f = 0.3 and 0.7).
    """
    from ..inputs.evidence import DEFAULT_EVIDENCE, parse_evidence

    own = scenario.judgement
    evidence = getattr(own, "evidence", None) or parse_evidence(DEFAULT_EVIDENCE)
    rates = [(c.rate, c.weight) for c in evidence.components]
    s = _central(getattr(own, "win_if_wrong", 1.0))
    f = _central(getattr(own, "win_if_right", 0.5))
    transport = getattr(own, "transport", None)
    tau = 1.0 if transport is None else float(transport.mean())
    total = sum(w for _, w in rates)
    out = {"value": None, "theta": theta,
           "evidence": [{"label": c.label, "overturn_rate": c.rate} for c in evidence.components],
           "overturn_rate": sum(o * w for o, w in rates) / total,
           "win_if_wrong": s, "win_if_right": f, "transport": tau, "range": None}
    if theta is None:
        return out
    out["value"] = selectivity_for_theta(theta, rates, s, f, tau)
    span = [selectivity_for_theta(theta, rates, s, ff, tau) if ff < s else None for ff in (0.3, 0.7)]
    out["range"] = {"win_if_right": [0.3, 0.7], "value": span}
    return out
