"""A scenario held as plain data → TOML text that :func:`auditor.inputs.scenario.loads_scenario` reads back.

The web app keeps the scenario being edited as the dict ``tomllib`` gives
for a scenario file (JSON-compatible: strings, numbers, booleans, lists and
tables). The scenario a user downloads, and the one every audit in the app
runs, is this module's text for that dict, so ``auditor run`` on the
download reads exactly what the app audited. The standard library reads
TOML but does not write it; the subset scenarios use is small enough to
write here, and :func:`dumps` is checked by reading its output back.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from typing import Any, Mapping

from ..errors import ScenarioError

__all__ = ["dumps", "MAX_DEPTH"]

#: Deepest nesting a scenario needs is four (settings.x.cost.source); anything
#: far deeper is not a scenario and is refused rather than recursed into.
MAX_DEPTH = 8

_BARE = re.compile(r"[A-Za-z0-9_-]+")
# Tables written as [header] sections rather than inline: the top level, and each setting.
_SECTIONED = ("settings",)


def _key(k: str) -> str:
    return k if _BARE.fullmatch(k) else _string(k)


def _string(s: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes; \u for control characters).
    return json.dumps(s, ensure_ascii=False)


def _value(v: Any, field: str, depth: int) -> str:
    if depth > MAX_DEPTH:
        raise ScenarioError(f"is nested more than {MAX_DEPTH} levels deep", field=field)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ScenarioError(f"must be a finite number, got {v!r}", field=field)
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x, f"{field}[{i}]", depth + 1) for i, x in enumerate(v)) + "]"
    if isinstance(v, Mapping):
        items = [f"{_key(str(k))} = {_value(x, f'{field}.{k}', depth + 1)}" for k, x in v.items()]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    # JSON's null has no TOML counterpart: the key is left out instead.
    got = "null; leave the key out instead" if v is None else type(v).__name__
    raise ScenarioError(f"must be text, a number, true/false, a list or a table, got {got}", field=field)


def _section(lines: list[str], header: str, table: Mapping[str, Any], field: str, depth: int) -> None:
    lines.append(f"[{header}]")
    for k, v in table.items():
        lines.append(f"{_key(str(k))} = {_value(v, f'{field}.{k}', depth + 1)}")
    lines.append("")


def dumps(doc: Mapping[str, Any], *, comment: str | None = None) -> str:
    """TOML text for a scenario document; reading it back gives ``doc`` again.

    Parameters
    ----------
    doc : mapping
        A scenario as ``tomllib`` reads it.
    comment : str, optional
        Written as ``#`` lines at the top.

    Examples
    --------
    >>> doc = {"schema_version": 1, "claim": {"low": "£1m", "high": 2e6},
    ...        "settings": {"a": {"cost": {"dist": "uniform", "low": 1, "high": 2}, "cohort": 3}}}
    >>> print(dumps(doc), end="")
    schema_version = 1
    <BLANKLINE>
    [claim]
    low = "£1m"
    high = 2000000.0
    <BLANKLINE>
    [settings.a]
    cost = { dist = "uniform", low = 1, high = 2 }
    cohort = 3
    >>> tomllib.loads(dumps(doc)) == doc
    True
    """
    if not isinstance(doc, Mapping):
        raise ScenarioError("must be a table of scenario sections")
    lines = [f"# {line}".rstrip() for line in (comment or "").splitlines()]
    tables = []
    for k, v in doc.items():
        if isinstance(v, Mapping):
            tables.append((str(k), v))
        else:
            lines.append(f"{_key(str(k))} = {_value(v, str(k), 1)}")
    lines.append("")
    for name, table in tables:
        if name in _SECTIONED and table and all(isinstance(x, Mapping) for x in table.values()):
            for sub, body in table.items():
                _section(lines, f"{_key(name)}.{_key(str(sub))}", body, f"{name}.{sub}", 2)
        else:
            _section(lines, _key(name), table, name, 1)
    text = "\n".join(lines).rstrip("\n") + "\n"
    tomllib.loads(text)  # a writer bug must surface here, not as a confusing scenario error later
    return text
