"""The tidy (long) layout of :meth:`auditor.results.AuditResult.to_frame`.

The wide layout names columns after the model (``share[state_special->mainstream]``);
the long layout gives one row per draw and quantity with identifier-safe names
(``share__state_special__mainstream``) that pandas queries and R accept as they are.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["column_parts", "safe_name", "long_frame"]

_UNSAFE = re.compile(r"[^0-9A-Za-z_]")


def column_parts(column: str, keys: tuple[str, ...]) -> dict[str, str | None]:
    """A wide :meth:`AuditResult.to_frame` column name split into group, setting, target and stage.

    Examples
    --------
    >>> column_parts("share[state_special->mainstream]", ("mainstream", "state_special"))
    {'group': 'share', 'setting': 'state_special', 'to': 'mainstream', 'stage': None}
    >>> column_parts("savings_full", ())["stage"], column_parts("theta", ())["group"]
    ('full', 'theta')
    """
    parts: dict[str, str | None] = {"group": column, "setting": None, "to": None, "stage": None}
    if column.startswith("savings_"):
        parts.update(group="savings", stage=column[len("savings_"):])
    elif column.endswith("]") and "[" in column:
        group, _, inner = column[:-1].partition("[")
        parts["group"] = group
        moves = [(a, b) for a in keys for b in keys if f"{a}->{b}" == inner] if group == "share" else []
        parts["setting"], parts["to"] = moves[0] if moves else (inner, None)
    return parts


def safe_name(parts: dict[str, str | None]) -> str:
    """An identifier-safe name (ASCII letters, digits, ``_``) joining the parts with ``__``.

    Examples
    --------
    >>> safe_name({"group": "cost", "setting": "Post-16 (FE)", "to": None, "stage": None})
    'cost__Post_16__FE_'
    """
    bits = [parts["group"], parts["setting"], parts["to"], parts["stage"]]
    return "__".join(_UNSAFE.sub("_", b) for b in bits if b is not None)


def long_frame(cols: dict[str, np.ndarray], keys: tuple[str, ...]):
    """The tidy long table of :meth:`AuditResult.to_frame` from the wide columns (``draw`` first)."""
    import pandas as pd

    draw = cols["draw"]
    n = draw.size
    names: dict[str, str] = {}
    rows = {"quantity": [], "group": [], "setting": [], "to": [], "stage": []}
    for column in list(cols)[1:]:
        parts = column_parts(column, keys)
        name = base = safe_name(parts)
        i = 1
        while name in names:  # two settings that differ only in punctuation
            i += 1
            name = f"{base}_{i}"
        names[name] = column
        rows["quantity"].append(name)
        for k in ("group", "setting", "to", "stage"):
            rows[k].append(parts[k])
    m = len(names)
    out = {"draw": np.tile(draw, m)}
    for k, labels in rows.items():
        # Categorical codes repeat each quantity's label over its draws without m * n strings.
        cats = list(dict.fromkeys(x for x in labels if x is not None))
        codes = np.array([cats.index(x) if x is not None else -1 for x in labels], dtype=np.int32)
        out[k] = pd.Categorical.from_codes(np.repeat(codes, n), categories=cats)
    out["value"] = np.concatenate([np.asarray(cols[c], dtype=float) for c in names.values()]) if m else []
    frame = pd.DataFrame(out)
    frame.attrs["names"] = names
    return frame
