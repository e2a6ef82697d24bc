"""Helpers and Hypothesis strategies shared by the tests.

``base_scenario`` builds a small valid scenario as a dict; ``to_toml`` writes
such a dict as TOML text; the strategies generate case reviews and costs.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st


def toml_value(value: Any) -> str:
    """One Python value as inline TOML (enough for test scenarios)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        text = value.replace("\\", "\\\\").replace('"', '\\"')
        # TOML strings may not hold raw control characters: write them as escapes.
        return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7f else c for c in text) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {value!r}")


def to_toml(doc: dict) -> str:
    """A nested dict → TOML: a dict without a ``dist`` key becomes a ``[table]``.

    Examples
    --------
    >>> print(to_toml({"a": 1, "s": {"x": {"cost": {"dist": "uniform", "low": 1, "high": 2}}}}).strip())
    a = 1
    <BLANKLINE>
    [s]
    <BLANKLINE>
    [s.x]
    cost = { dist = "uniform", low = 1, high = 2 }
    """
    lines: list[str] = []

    def emit(table: dict, prefix: str) -> None:
        subs = []
        for key, value in table.items():
            if isinstance(value, dict) and "dist" not in value:
                subs.append((key, value))
            else:
                bare = key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_value(key)
                lines.append(f"{bare} = {toml_value(value)}")
        for key, value in subs:
            key = key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_value(key)
            name = f"{prefix}.{key}" if prefix else key
            lines.extend(["", f"[{name}]"])
            emit(value, name)

    emit(doc, "")
    return "\n".join(lines) + "\n"


def transitions(rows: dict[tuple[str, str], int]) -> list[dict]:
    """``{("a", "b"): 6}`` → the scenario's ``transitions`` list."""
    return [{"from": a, "to": b, "count": n} for (a, b), n in rows.items()]


def base_scenario(**changes: Any) -> dict:
    """A small valid scenario: 10 cases in ``a``, 6 judged ideal in ``b``; fixed costs.

    Keyword arguments replace top-level sections (``None`` deletes one).
    """
    doc: dict[str, Any] = {
        "schema_version": 1,
        "scenario": {"title": "Test claim"},
        "claim": {"low": "£1m", "high": "£2m", "per": "year"},
        "settings": {
            "a": {"label": "A", "cost": 30000, "cohort": 100},
            "b": {"label": "B", "cost": 10000, "cohort": 0},
        },
        "sample": {"transitions": transitions({("a", "a"): 4, ("a", "b"): 6})},
        "run": {"draws": 1000, "seed": 1},
    }
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


# ---- strategies --------------------------------------------------------------

SETTINGS = ("a", "b", "c")

seeds = st.integers(min_value=0, max_value=2**63 - 1)


@st.composite
def reviews(draw, min_cases: int = 1) -> dict[tuple[str, str], int]:
    """A case review over settings a, b, c: counts per (current, ideal)."""
    cells = [(s, t) for s in SETTINGS for t in SETTINGS]
    counts = draw(st.lists(st.integers(0, 6), min_size=len(cells), max_size=len(cells)))
    out = {cell: n for cell, n in zip(cells, counts) if n > 0}
    if sum(out.values()) < min_cases:
        out[("a", "b")] = out.get(("a", "b"), 0) + min_cases
    return out


costs = st.integers(min_value=1_000, max_value=80_000)
