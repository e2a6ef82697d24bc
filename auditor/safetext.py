"""Scenario text made safe for where it goes: the terminal, matplotlib, spreadsheets.

A scenario is data written by anyone (a council paper pasted in, a file from
the web). Its titles, labels and sources are shown on a terminal, drawn by
matplotlib and written into CSV files opened in spreadsheets; each of those
reads some characters as commands. One function per destination, used
wherever scenario text reaches it:

* :func:`for_terminal` -- control characters (escape sequences that retitle
  or clear a terminal, bidirectional overrides that reorder what is shown)
  are written as visible escapes such as ``\\x1b``;
* :func:`for_matplotlib` -- ``$`` would start mathtext (``$\\frac$`` fails to
  draw; ``US$6m to US$9m`` is set as maths), so it is escaped, and control
  characters are dropped (fonts have no glyph for them);
* :func:`csv_cell` -- a text cell that starts with ``= + - @``, a tab or a
  carriage return is a formula to a spreadsheet (OWASP, "CSV Injection"), so
  it gets a leading ``'``; numbers stay numbers.
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["for_terminal", "for_matplotlib", "csv_cell", "unsafe_char", "FORMULA_STARTS"]

#: Bidirectional formatting characters: they reorder the text shown around them.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def unsafe_char(ch: str) -> bool:
    return ch in _BIDI or unicodedata.category(ch) == "Cc"


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: Any, *, keep_newlines: bool = True) -> str:
    r"""``text`` with control and bidirectional characters written as visible escapes.

    Newlines (and tabs) are kept when ``keep_newlines``; otherwise they are
    escaped too, so the result is one line.

    Examples
    --------
    >>> for_terminal("Cost\x1b]0;PWNED\x07\x1b[2J")
    'Cost\\x1b]0;PWNED\\x07\\x1b[2J'
    >>> for_terminal("a\nb", keep_newlines=False), for_terminal("a\nb")
    ('a\\x0ab', 'a\nb')
    >>> for_terminal("£17.8m – fine")
    '£17.8m – fine'
    """
    text = str(text)
    keep = "\n\t" if keep_newlines else ""
    if not any(unsafe_char(ch) and ch not in keep for ch in text):
        return text
    return "".join(_escape(ch) if unsafe_char(ch) and ch not in keep else ch for ch in text)


def for_matplotlib(text: Any) -> str:
    r"""``text`` drawn literally by matplotlib: ``$`` escaped, control characters dropped.

    Examples
    --------
    >>> for_matplotlib("US$6m to US$9m")
    'US\\$6m to US\\$9m'
    >>> for_matplotlib("Cost $\\frac$ a year\x00")
    'Cost \\$\\frac\\$ a year'
    """
    text = str(text)
    return "".join(ch for ch in text if ch == "\n" or not unsafe_char(ch)).replace("$", r"\$")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell a spreadsheet will not run: text starting a formula gets a leading ``'``.

    Examples
    --------
    >>> csv_cell('=HYPERLINK("http://x","y")'), csv_cell("@SUM(A1)"), csv_cell("+1+cmd")
    ('\\'=HYPERLINK("http://x","y")', "'@SUM(A1)", "'+1+cmd")
    >>> csv_cell(-5.0), csv_cell("West Sussex"), csv_cell(None)
    (-5.0, 'West Sussex', None)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
