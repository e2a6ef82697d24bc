"""Lean font subsets for the PDF brief: leave out the layout tables a PDF never reads.

matplotlib embeds TrueType (Type 42) fonts by subsetting them with fontTools.
Most of that time (about 0.2–0.5 s a font; the brief embeds four subsets of
DejaVu Sans and DejaVu Sans Bold) goes into reading and subsetting the fonts'
OpenType layout tables (``GSUB``, ``GPOS``, ``GDEF``) and ``MATH`` table. A
PDF viewer never uses them: the PDF gives every glyph by index at a position
matplotlib has already laid out, and copying text goes through the
``ToUnicode`` map, which matplotlib writes separately. Removing them from the
font as it is loaded leaves the glyph outlines, metrics and hinting
(``glyf``, ``hmtx``, ``fpgm``, ``prep``, ``cvt``) as they were, so the page
renders the same pixels and its text extracts the same (checked with
poppler), while the subsetting takes a fraction of the time and the file is
smaller.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

__all__ = ["LAYOUT_TABLES", "lean_font_subsets"]

#: Tables a PDF viewer does not read, removed from fonts before matplotlib subsets them.
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "MATH")

_LOCK = threading.RLock()


@contextlib.contextmanager
def lean_font_subsets() -> Iterator[None]:
    """While active, fonts that matplotlib's PDF backend loads for subsetting lack :data:`LAYOUT_TABLES`.

    matplotlib loads each font with ``fontTools.subset.load_font`` when it
    embeds it (at save time); for the duration of the block that function is
    wrapped to delete the tables from the lazily loaded font (they are then
    never parsed). A lock keeps threads that save PDFs at the same time from
    undoing each other's wrapper. Where fontTools is missing nothing changes.
    """
    try:
        from fontTools import subset
    except ImportError:  # matplotlib needs fontTools for Type 42 fonts; nothing to speed up
        yield
        return
    with _LOCK:
        original = subset.load_font

        def load_font(*args, **kwargs):
            font = original(*args, **kwargs)
            for tag in LAYOUT_TABLES:
                if tag in font:
                    del font[tag]
            return font

        subset.load_font = load_font
        try:
            yield
        finally:
            subset.load_font = original
