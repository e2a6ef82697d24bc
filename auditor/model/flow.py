"""The flow basis: judged shifts applied to each year's new placements.

A *stock* claim (the default) re-places the current cohort: the saving is
``Σ N_s · p[s→t] · (c_s − c_t)`` a year. Many council plans are really about
*flow*: children newly placed each year go somewhere cheaper, and the saving
builds up as those children stay in their placements. With
``[claim] basis = "flow"`` each setting gives ``new_per_year`` (children newly
placed there each year) and the saving over the horizon ``H`` is

    total = S_new · Σ_{j=1..H} ramp_j · min(L, H − j + 1)

where ``S_new`` is the stock formula with ``new_per_year`` in place of the
cohort (one year's intake, re-placed), ``ramp_j`` the share of year ``j``'s
judged shifts that happen (``[implementation] ramp``; the last value repeats,
default 1) and ``L`` the length of stay in years (default: the horizon, i.e.
every diverted child stays to its end). ``claim.per = "total"`` compares the
audit with this total; ``"year"`` with the annual average ``total / H``.

Because the total is linear in ``new_per_year``, the engine runs the stock
formula with weights ``new_per_year × factor`` (:func:`flow_weights`); no
other part of a draw changes.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["flow_factor", "flow_weights", "stock_factor", "year_weights"]


def year_weights(horizon: int, ramp: Sequence[float] = (), length_of_stay: float | None = None) -> np.ndarray:
    """Years each intake's diverted children count for, times its ramp, per intake year.

    Examples
    --------
    >>> year_weights(3).tolist()            # intakes of years 1, 2, 3 count 3, 2, 1 years
    [3.0, 2.0, 1.0]
    >>> year_weights(3, ramp=[0.5], length_of_stay=2).tolist()
    [1.0, 1.0, 0.5]
    """
    stay = float(horizon if length_of_stay is None else length_of_stay)
    out = np.empty(horizon)
    for j in range(horizon):
        r = ramp[min(j, len(ramp) - 1)] if len(ramp) else 1.0
        out[j] = r * min(stay, horizon - j)
    return out


def flow_factor(horizon: int, per: str, ramp: Sequence[float] = (), length_of_stay: float | None = None) -> float:
    """The multiplier from one year's intake saving to the claim's basis.

    Examples
    --------
    >>> flow_factor(5, "total")       # 5 + 4 + 3 + 2 + 1 intake-years
    15.0
    >>> flow_factor(5, "year")        # their annual average over five years
    3.0
    """
    total = float(year_weights(horizon, ramp, length_of_stay).sum())
    return total / horizon if per == "year" else total


def stock_factor(horizon: int, per: str, ramp: Sequence[float] = ()) -> float:
    """The multiplier from the stock formula's annual run rate to the claim's basis.

    A stock claim re-places the current cohort. Without a ramp every judged
    move is in place from year 1, so the claim is the annual run rate (``per =
    "year"``) or ``horizon`` times it (``"total"``). With a ramp, ``ramp_j`` is
    the share of the judged moves made by year ``j`` (the last value repeats):
    the total over the horizon is ``Σ ramp_j`` run-rate years, and ``per =
    "year"`` compares the claim with their average, ``Σ ramp_j / H``.

    Examples
    --------
    >>> stock_factor(5, "year"), stock_factor(5, "total")
    (1.0, 5.0)
    >>> stock_factor(5, "year", [0.2, 0.4, 0.6, 0.8, 1.0])   # a linear ramp: 60% of the run rate
    0.6
    >>> stock_factor(5, "total", [0.5, 1.0])                 # 0.5 + 1 + 1 + 1 + 1
    4.5
    """
    if not len(ramp):
        return float(horizon) if per == "total" else 1.0
    total = float(sum(ramp[min(j, len(ramp) - 1)] for j in range(horizon)))
    return total / horizon if per == "year" else total


def flow_weights(scenario) -> np.ndarray:
    """``new_per_year × flow_factor`` per setting: the engine's weights under flow."""
    c = scenario.claim
    factor = flow_factor(c.horizon_years, c.per, scenario.ramp, scenario.length_of_stay)
    return np.array([s.new_per_year or 0.0 for s in scenario.settings], dtype=float) * factor
