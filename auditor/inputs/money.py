"""Money and number parsing: ``"£17.8m"`` → ``17_800_000.0``.

Campaigners paste figures from council papers, so amounts may be written the
way people write them: with a pound sign, thousands separators and a
``k``/``m``/``bn`` suffix. Parsing is strict about everything else, so a typo
such as ``"£17.8bn?"`` is an error rather than a silently wrong number.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

__all__ = ["parse_money", "parse_share", "parse_whole", "format_money", "format_chance", "format_claim", "format_per"]

_SCALE = {
    "": 1.0, "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6,
    "bn": 1e9, "b": 1e9, "billion": 1e9,
}
# Either plain digits or correctly grouped thousands ("46,700,000"); "1,2,3" is rejected.
_MONEY = re.compile(
    r"""^\s*(?P<sign>[-−])?\s*£?\s*
        (?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)
        \s*(?P<suffix>k|thousand|mn|m|million|bn|b|billion)?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

MONEY_HELP = ('a number or a string such as "£17.8m", "£46,700,000", "250k" or "1.2bn"')


def parse_whole(text: str) -> int:
    """A whole number as people type or paste it: ``100000``, ``100,000`` or ``1_000_000``.

    Raises ValueError for anything else (the caller words the message for its field).

    Examples
    --------
    >>> parse_whole("100,000"), parse_whole("1_000_000"), parse_whole(" 42 ")
    (100000, 1000000, 42)
    """
    cleaned = text.strip()
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "")
    return int(cleaned)


def parse_money(value: object) -> float:
    """Read an amount of money in pounds.

    Parameters
    ----------
    value : int, float or str
        A number, or a string with an optional ``£``, thousands separators and
        an optional scale suffix (``k``, ``m``, ``bn``, or the words).

    Returns
    -------
    float
        The amount in pounds.

    Raises
    ------
    ValueError
        If the value is not a finite amount written in one of those forms.

    Examples
    --------
    >>> parse_money("£17.8m")
    17800000.0
    >>> parse_money("£46,700,000")
    46700000.0
    >>> parse_money("250k"), parse_money("1.2bn"), parse_money(58000)
    (250000.0, 1200000000.0, 58000.0)
    """
    if isinstance(value, bool):
        raise ValueError(f"must be {MONEY_HELP}, got {value!r}")
    if isinstance(value, (int, float)):
        out = float(value)
    elif isinstance(value, str):
        match = _MONEY.match(value)
        if match is None:
            raise ValueError(f"must be {MONEY_HELP}, got {value!r}")
        out = float(match["num"].replace(",", "")) * _SCALE[(match["suffix"] or "").lower()]
        if match["sign"]:
            out = -out
    else:
        raise ValueError(f"must be {MONEY_HELP}, got {value!r}")
    if not math.isfinite(out):
        raise ValueError(f"must be a finite amount, got {value!r}")
    return out


_SHARE = re.compile(r"^\s*(?:(?P<pct>\d+(?:\.\d+)?)\s*%|(?P<num>\d+)\s*/\s*(?P<den>\d+)|(?P<dec>\d*\.?\d+))\s*$")

SHARE_HELP = 'a share between 0 and 1, written 0.67, "67%" or "2/3"'


def parse_share(value: object) -> float:
    """Read a share (a proportion in [0, 1]).

    Examples
    --------
    >>> parse_share("2/3") == 2 / 3, parse_share("67%"), parse_share(0.5)
    (True, 0.67, 0.5)
    """
    if isinstance(value, bool):
        raise ValueError(f"must be {SHARE_HELP}, got {value!r}")
    if isinstance(value, (int, float)):
        out = float(value)
    elif isinstance(value, str):
        match = _SHARE.match(value)
        if match is None:
            raise ValueError(f"must be {SHARE_HELP}, got {value!r}")
        if match["pct"] is not None:
            out = float(match["pct"]) / 100.0
        elif match["num"] is not None:
            if int(match["den"]) == 0:
                raise ValueError(f"must be {SHARE_HELP}; the denominator is zero in {value!r}")
            out = float(Fraction(int(match["num"]), int(match["den"])))
        else:
            out = float(match["dec"])
    else:
        raise ValueError(f"must be {SHARE_HELP}, got {value!r}")
    if not (math.isfinite(out) and 0.0 <= out <= 1.0):
        raise ValueError(f"must be {SHARE_HELP}, got {value!r}")
    return out


def format_money(value: float, *, digits: int = 1) -> str:
    """Pounds as people read them in a report.

    Examples
    --------
    >>> format_money(17_800_000), format_money(-1_250_000), format_money(58_000), format_money(950)
    ('£17.8m', '−£1.2m', '£58k', '£950')
    >>> format_money(2_400_000_000)
    '£2.4bn'
    """
    sign = "−" if value < 0 else ""
    v = abs(value)
    if v >= 1e9:
        body = f"{v / 1e9:.{digits}f}bn"
    elif v >= 1e6:
        body = f"{v / 1e6:.{digits}f}m"
    elif v >= 1e4:
        body = f"{v / 1e3:.0f}k"
    else:
        body = f"{v:,.0f}"
    return f"{sign}£{body}"


def format_chance(p: float) -> str:
    """A probability as a short percentage that never shows a rare event as "0%".

    Examples
    --------
    >>> format_chance(0.0), format_chance(0.0004), format_chance(0.53), format_chance(0.9997), format_chance(1.0)
    ('0%', '<1%', '53%', '>99%', '100%')
    """
    if 0 < p < 0.005:
        return "<1%"
    if 0.995 <= p < 1:
        return ">99%"
    return f"{p:.0%}"


def format_claim(low: float, high: float, sep: str = " to ") -> str:
    """A published claim in words: a range, or one figure when low equals high.

    Examples
    --------
    >>> format_claim(17.8e6, 46.7e6), format_claim(29e6, 29e6), format_claim(1e6, 2e6, sep="–")
    ('£17.8m to £46.7m', '£29.0m', '£1.0m–£2.0m')
    """
    return format_money(low) if low == high else f"{format_money(low)}{sep}{format_money(high)}"


def format_per(per: str) -> str:
    """A claim's ``per`` (``"year"`` or ``"total"``) as the words after an amount.

    Examples
    --------
    >>> format_per("year"), format_per("total")
    ('a year', 'in total')
    """
    return "a year" if per == "year" else "in total"
