"""Appeal selection arithmetic for the ``selection`` judgement reading.

The panel error rate implied by an overturn rate when wrong decisions are
likelier to be appealed (:func:`selection_error_rate`), and the two win
probabilities it needs (``win_if_wrong`` s, ``win_if_right`` f): each a number
or a ``dist`` on [0, 1], read and checked here so that every draw has f < s.
The reading itself, which draws these, is
:class:`auditor.inputs.judgement.Selection`.
"""

from __future__ import annotations

import numpy as np

from ..errors import ScenarioError
from .distributions import SHARE, Dist, parse_dist

__all__ = ["selection_error_rate", "selection_error_rate_into", "WinProb", "parse_win_prob", "check_wins",
           "win_value", "win_bounds", "win_words", "win_written"]


def selection_error_rate(overturn, selectivity, win_if_wrong=1.0, win_if_right=0.5):
    """Panel error rate w implied by an overturn rate O under appeal selection.

    If wrong decisions are ρ times likelier than right ones to be appealed and
    decided, and families win a decided appeal with probability s against a
    wrong decision and f against a right one, the decided-appeal overturn rate
    is O = (w·ρ·s + (1 − w)·f) / (w·ρ + 1 − w). Solving for w gives

        w = (O − f) / ((O − f) + ρ·(s − O)),

    clipped to [0, 1]: O ≤ f gives w = 0 (no sign of error), O ≥ s gives w = 1.
    Every argument may be an array (one value per draw); the clipping applies
    draw by draw.

    Examples
    --------
    >>> round(float(selection_error_rate(0.96, 10)), 4)  # 0.46 / (0.46 + 10·0.04)
    0.5349
    >>> selection_error_rate(np.array([0.4, 1.0]), 10).tolist()
    [0.0, 1.0]
    >>> selection_error_rate(np.array([0.4, 0.7]), 0.0).tolist()  # ρ = 0: O ≤ f still means no error
    [0.0, 1.0]
    >>> selection_error_rate(0.96, 10, 1.0, np.array([0.5, 0.96, 0.3])).round(4).tolist()  # f = 0.3: 0.66 / 1.06
    [0.5349, 0.0, 0.6226]
    """
    o = np.asarray(overturn, dtype=float)
    num = np.maximum(o - win_if_right, 0.0)
    rest = np.asarray(selectivity, dtype=float) * np.maximum(win_if_wrong - o, 0.0)
    den = num + rest
    # den = 0 only when num = 0 (O ≤ f, with ρ = 0 or O ≥ s): the clipping rule gives w = 0 there.
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def selection_error_rate_into(o: np.ndarray, rho: np.ndarray, win_if_wrong: float | np.ndarray,
                                win_if_right: float | np.ndarray) -> np.ndarray:
    """:func:`selection_error_rate` for fresh float arrays, reusing ``o`` and ``rho``.

    The same operations in the same order (so the same bits) without the five
    temporaries of the general version; the engine calls it once per block.
    ``win_if_wrong`` and ``win_if_right`` may be numbers or per-draw arrays.
    """
    num = np.subtract(o, win_if_right, out=np.empty_like(o))
    np.maximum(num, 0.0, out=num)
    rest = np.subtract(win_if_wrong, o, out=o)
    np.maximum(rest, 0.0, out=rest)
    np.multiply(rho, rest, out=rest)
    den = np.add(num, rest, out=rest)
    positive = den > 0
    np.divide(num, den, out=num, where=positive)
    num[~positive] = 0.0  # as selection_error_rate: den = 0 only where num = 0
    return num


#: A win probability of ``selection``: a plain number, or a :class:`Dist` on [0, 1].
WinProb = float | Dist


def win_value(v: WinProb) -> float | None:
    """The number a win probability is fixed at, or ``None`` when it is uncertain."""
    if isinstance(v, Dist):
        return v.p["value"] if v.is_fixed else None
    return float(v)


def win_bounds(v: WinProb) -> tuple[float, float]:
    return v.bounds() if isinstance(v, Dist) else (float(v), float(v))


def win_words(v: WinProb) -> str:
    """``"50%"`` for a number, ``"30–70%"`` for a range (with its shape when not uniform)."""
    fixed = win_value(v)
    if fixed is not None:
        return f"{fixed:.0%}"
    lo, hi = v.bounds()
    span = f"{lo * 100:.0f}–{hi:.0%}"
    if v.kind == "uniform":
        return span
    if v.kind in ("triangular", "pert"):
        return f"{span} (most likely {v.p['mode']:.0%})"
    return f"{span} (mean {v.mean():.0%})"


def win_written(v: WinProb) -> object:
    return v.written if isinstance(v, Dist) else v


def parse_win_prob(raw: dict, key: str, default: float, field: str) -> WinProb:
    """A number in [0, 1] stays a number (as before); a ``dist`` table becomes a :class:`Dist`."""
    v = raw.get(key, default)
    if isinstance(v, dict):
        return parse_dist(v, SHARE, f"{field}.{key}")
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
        raise ScenarioError(f"must be a probability between 0 and 1 or a dist table on [0, 1], got {v!r}",
                            field=f"{field}.{key}")
    return float(v)


def check_wins(s: WinProb, f: WinProb, field: str) -> None:
    """Every draw must have f < s, so the ranges must not overlap."""
    if not isinstance(s, Dist) and not isinstance(f, Dist):
        if not f < s:
            raise ScenarioError(f"win_if_right ({f:g}) must be below win_if_wrong ({s:g}): families must win more "
                                "often against wrong decisions than against right ones",
                                field=f"{field}.win_if_right")
        return
    f_hi, s_lo = win_bounds(f)[1], win_bounds(s)[0]
    if not f_hi < s_lo:
        raise ScenarioError(f"win_if_right can reach {f_hi:g} but win_if_wrong can fall to {s_lo:g}; every draw "
                            "needs win_if_right below win_if_wrong, so the largest value of win_if_right must be "
                            "below the smallest of win_if_wrong (use bounded dists: uniform, triangular, pert, or "
                            "beta with low and high)", field=f"{field}.win_if_right")
