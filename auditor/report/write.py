"""Atomic file writing (from :mod:`auditor.report.folders`) and the one JSON text format: the leaf every report module imports.

Kept apart from :mod:`auditor.report` so that the report modules (and the
scripted interface) import these helpers without importing the package that
imports them back.
"""

from __future__ import annotations

import json

from .folders import MARKER, atomic_dir, atomic_file, check_replaceable, current_umask

__all__ = ["atomic_dir", "atomic_file", "check_replaceable", "current_umask", "json_text", "MARKER"]


def json_text(data) -> str:
    """The text of every JSON file auditor writes: indented, UTF-8, no NaN or infinity, final newline.

    Strict JSON because readers in other languages reject ``NaN``; a value
    that cannot be written raises rather than producing such a file.

    Examples
    --------
    >>> print(json_text({"claim": "£17.8m", "draws": 100}), end="")
    {
      "claim": "£17.8m",
      "draws": 100
    }
    """
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
