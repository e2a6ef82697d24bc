"""The one root finder of the analyses: scipy's Brent method on a bracketing interval.

Switching values (the input at which the median audited saving equals the
claim's low end) are roots of a smooth, monotone-in-practice function of one
input. :func:`find_root` wraps :func:`scipy.optimize.brentq` (Brent 1973) so
that every analysis uses the same method and tolerances.
"""

from __future__ import annotations

from typing import Callable

__all__ = ["find_root"]


def find_root(f: Callable[[float], float], a: float, b: float, *, xtol: float) -> float:
    """A root of ``f`` in ``[a, b]``, where ``f(a)`` and ``f(b)`` have opposite signs.

    Brent's method (:func:`scipy.optimize.brentq`): bracketing, so the root
    stays in ``[a, b]``, and superlinear on smooth functions. scipy is
    imported here, on first use, so that nothing else pays for it.

    Examples
    --------
    >>> round(find_root(lambda x: x * x - 2, 0.0, 2.0, xtol=1e-12), 9)
    1.414213562
    """
    from scipy.optimize import brentq

    return float(brentq(f, a, b, xtol=xtol))
