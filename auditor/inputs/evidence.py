"""Scrutiny evidence: SEND Tribunal and Ombudsman outcomes, packaged with their sources.

The table ``auditor/data/evidence.csv`` (read with :mod:`importlib.resources`,
so it works from an installed package) holds one row per series and year. A
row counts decisions *overturned* (found wholly or partly for the family, or
fault found by the Ombudsman) and *upheld* (the council's decision stood).
Note the words: the Ombudsman "upholds" a *complaint*, which here counts as
an overturn of the council.

A scenario names evidence in one of three ways::

    evidence = "tribunal:2022/23"                              # a packaged row
    evidence = ["tribunal:2022/23", { key = "lgsco:2022/23", weight = 0.25 }]
    evidence = { upheld = 136, overturned = 7832 }             # inline counts
    evidence = { overturn_rate = 0.96 }                        # an inline rate

Several rows form a *mixture*: each Monte Carlo draw takes its evidence from
one row, chosen with probability proportional to its weight. A mixture keeps
the disagreement between sources visible instead of averaging it away.

Rows with a rate but no counts (most Ombudsman years) can still be used:
every model turns the evidence into a Beta law through an effective sample
size, and for that only the rate is needed. Only the raw counts themselves
(no effective sample size given) need a row with counts.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Iterable, Mapping

import numpy as np

from ..errors import DataError, ScenarioError

__all__ = ["EvidenceRow", "Evidence", "Component", "load_evidence", "parse_evidence", "evidence_table",
           "evidence_warnings", "DEFAULT_EVIDENCE", "ABOUT_PLACEMENT", "ALIASES"]

#: The latest academic year with a published count of decided appeals and their outcome.
DEFAULT_EVIDENCE = "tribunal:2022/23"

_COLUMNS = ("key", "body", "year", "scope", "registered", "decided", "overturned", "upheld",
            "overturn_rate", "conceded_withdrawn", "status", "about_placement", "measures", "source_url")

#: What a row says about placement judgements: ``yes`` (placement decisions only), ``partly``
#: (all appeal types, of which plan contents, including placement, are about 58-59%) or ``no``
#: (the Ombudsman: process, not placement merits).
ABOUT_PLACEMENT = ("yes", "partly", "no")

#: Keys of rows that were merged: the Ombudsman's "consistently about 90%" was one figure
#: reported for 2019/20 to 2021/22 together, not three observations.
ALIASES = MappingProxyType({k: "lgsco:2019/20-2021/22" for k in ("lgsco:2019/20", "lgsco:2020/21", "lgsco:2021/22")})


@dataclass(frozen=True)
class EvidenceRow:
    """One packaged series-year: what was counted, how, and where it was published.

    Examples
    --------
    >>> row = load_evidence()["tribunal:2022/23"]
    >>> row.decided, row.upheld, round(row.rate, 4)
    (7968, 136, 0.9829)
    """

    key: str
    body: str
    year: str
    scope: str
    registered: int | None
    decided: int | None
    overturned: int | None
    upheld: int | None
    overturn_rate: float | None
    conceded_withdrawn: int | None
    status: str
    measures: str
    source_url: str
    about_placement: str = "partly"

    @property
    def has_counts(self) -> bool:
        return self.overturned is not None and self.upheld is not None

    @property
    def rate(self) -> float | None:
        """The overturn rate: from the counts when known, else the published rate."""
        if self.has_counts and self.overturned + self.upheld > 0:
            return self.overturned / (self.overturned + self.upheld)
        return self.overturn_rate


def _int_or_none(text: str, key: str, column: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise DataError(f"row {key!r}: {column} must be a whole number, got {text!r}",
                        path="auditor/data/evidence.csv") from None
    if value < 0:
        raise DataError(f"row {key!r}: {column} must be >= 0, got {value}", path="auditor/data/evidence.csv")
    return value


def _read_rows(text: str) -> dict[str, EvidenceRow]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise DataError(f"expected columns {', '.join(_COLUMNS)}", path="auditor/data/evidence.csv")
    rows: dict[str, EvidenceRow] = {}
    for raw in reader:
        key = raw["key"].strip()
        rate = raw["overturn_rate"].strip()
        row = EvidenceRow(
            key=key, body=raw["body"].strip(), year=raw["year"].strip(), scope=raw["scope"].strip(),
            registered=_int_or_none(raw["registered"], key, "registered"),
            decided=_int_or_none(raw["decided"], key, "decided"),
            overturned=_int_or_none(raw["overturned"], key, "overturned"),
            upheld=_int_or_none(raw["upheld"], key, "upheld"),
            overturn_rate=float(rate) if rate else None,
            conceded_withdrawn=_int_or_none(raw["conceded_withdrawn"], key, "conceded_withdrawn"),
            status=raw["status"].strip(), measures=raw["measures"].strip(), source_url=raw["source_url"].strip(),
            about_placement=raw["about_placement"].strip())
        if row.about_placement not in ABOUT_PLACEMENT:
            raise DataError(f"row {key!r}: about_placement must be one of {', '.join(ABOUT_PLACEMENT)}, "
                            f"got {row.about_placement!r}", path="auditor/data/evidence.csv")
        if key in rows:
            raise DataError(f"duplicate key {key!r}", path="auditor/data/evidence.csv")
        rows[key] = row
    return rows


@lru_cache(maxsize=1)
def load_evidence() -> Mapping[str, EvidenceRow]:
    """The packaged evidence table, keyed by ``series:year`` (read once, then cached).

    Examples
    --------
    >>> ev = load_evidence()
    >>> "tribunal:2022/23" in ev and "lgsco:2022/23" in ev
    True
    """
    from importlib.resources import files

    text = files("auditor").joinpath("data", "evidence.csv").read_text(encoding="utf-8")
    return MappingProxyType(_read_rows(text))


@dataclass(frozen=True)
class Component:
    """One source of evidence as the models use it: a label, a rate and (maybe) counts."""

    label: str
    rate: float
    overturned: float | None = None
    upheld: float | None = None
    conceded: float | None = None
    weight: float = 1.0

    @property
    def decided(self) -> float | None:
        if self.overturned is None or self.upheld is None:
            return None
        return self.overturned + self.upheld

    def with_concessions(self, field: str) -> "Component":
        """Count appeals conceded or withdrawn before a hearing as overturns.

        This is an upper bound: some withdrawals are families giving up, not
        councils backing down.
        """
        if self.conceded is None or self.decided is None:
            raise ScenarioError(f"evidence {self.label!r} has no count of appeals conceded or withdrawn; "
                                "count_concessions needs a row that has one (tribunal:2014/15, 2017/18, "
                                "2019/20 or 2022/23) or inline `conceded`", field=field)
        over = self.overturned + self.conceded
        total = self.decided + self.conceded
        return Component(f"{self.label} (+ conceded)", over / total, over, self.upheld, self.conceded,
                         self.weight)

    def to_dict(self) -> dict:
        out = {"key": self.label, "overturn_rate": self.rate, "weight": self.weight}
        if self.decided is not None:
            out.update(overturned=self.overturned, upheld=self.upheld)
        if self.conceded is not None:
            out["conceded_withdrawn"] = self.conceded
        return out


@dataclass(frozen=True)
class Evidence:
    """A validated evidence choice: one or more weighted components.

    Examples
    --------
    >>> e = parse_evidence(["tribunal:2022/23", {"key": "lgsco:2022/23", "weight": 3}], "evidence")
    >>> [round(c.weight, 2) for c in e.components], round(e.mean_rate(), 4)
    ([0.25, 0.75], 0.9207)
    """

    components: tuple[Component, ...]

    def mean_rate(self) -> float:
        return sum(c.weight * c.rate for c in self.components)

    def pick(self, rng: np.random.Generator, size: int) -> np.ndarray | None:
        """Which component each draw uses (``None`` when there is only one)."""
        if len(self.components) == 1:
            return None
        return rng.choice(len(self.components), size=size, p=[c.weight for c in self.components])

    def to_list(self) -> list[dict]:
        return [c.to_dict() for c in self.components]

    def describe(self) -> str:
        return " + ".join(f"{c.label} ({c.rate:.1%} overturned)" if len(self.components) == 1
                          else f"{c.weight:.0%} {c.label} ({c.rate:.1%} overturned)" for c in self.components)


def _component_from_key(key: str, weight: float, field: str) -> Component:
    rows = load_evidence()
    key = ALIASES.get(key, key)
    if key not in rows:
        near = sorted(k for k in rows if k.split(":")[0] == key.split(":")[0]) or sorted(rows)
        raise ScenarioError(f"unknown evidence {key!r}; packaged keys include {', '.join(near)} "
                            "(see `auditor evidence`)", field=field)
    row = rows[key]
    if row.rate is None:
        raise ScenarioError(f"evidence {key!r} has no published outcome rate ({row.status}); "
                            "choose a year with one (see `auditor evidence`)", field=field)
    return Component(key, row.rate, row.overturned, row.upheld, row.conceded_withdrawn, weight)


def _count(raw: dict, name: str, field: str) -> float | None:
    if name not in raw:
        return None
    v = raw[name]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
        raise ScenarioError(f"must be a number >= 0, got {v!r}", field=f"{field}.{name}")
    return float(v)


def _inline(raw: dict, field: str) -> Component:
    allowed = {"upheld", "overturned", "conceded", "overturn_rate", "source", "note", "label"}
    for k in raw:
        if k not in allowed:
            raise ScenarioError(f"unknown key for inline evidence; allowed: {', '.join(sorted(allowed))}",
                                field=f"{field}.{k}")
    up, over = _count(raw, "upheld", field), _count(raw, "overturned", field)
    conceded = _count(raw, "conceded", field)
    label = raw.get("label", "inline")
    if not isinstance(label, str):
        raise ScenarioError(f"must be a string, got {label!r}", field=f"{field}.label")
    if "overturn_rate" in raw:
        if up is not None or over is not None:
            raise ScenarioError("give either `upheld` and `overturned` counts or `overturn_rate`, not both",
                                field=field)
        r = raw["overturn_rate"]
        if isinstance(r, bool) or not isinstance(r, (int, float)) or not 0 <= r <= 1:
            raise ScenarioError(f"must be a share between 0 and 1, got {r!r}", field=f"{field}.overturn_rate")
        return Component(label, float(r))
    if up is None or over is None:
        raise ScenarioError("inline evidence needs both `upheld` and `overturned` counts "
                            "(e.g. { upheld = 136, overturned = 7832 }) or an `overturn_rate`", field=field)
    if up + over <= 0:
        raise ScenarioError(f"upheld + overturned must be > 0 (appeals decided), got {up:g} + {over:g}", field=field)
    return Component(label, over / (up + over), over, up, conceded)


def _weighted_item(item: object, field: str) -> tuple[Component, float]:
    if isinstance(item, str):
        return _component_from_key(item, 1.0, field), 1.0
    if isinstance(item, dict):
        if "key" in item:
            for k in item:
                if k not in ("key", "weight"):
                    raise ScenarioError("unknown key; a list item is a key string or { key = ..., weight = ... } "
                                        "or inline counts with an optional weight", field=f"{field}.{k}")
            key = item["key"]
            if not isinstance(key, str):
                raise ScenarioError(f"must be a string such as \"tribunal:2022/23\", got {key!r}", field=f"{field}.key")
            comp = _component_from_key(key, 1.0, f"{field}.key")
        else:
            comp = _inline({k: v for k, v in item.items() if k != "weight"}, field)
        w = item.get("weight", 1.0)
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not (math.isfinite(w) and w > 0):
            raise ScenarioError(f"must be a number > 0, got {w!r}", field=f"{field}.weight")
        return comp, float(w)
    raise ScenarioError("must be a key string such as \"tribunal:2022/23\" or a table", field=field)


def parse_evidence(raw: object, field: str = "judgement.evidence") -> Evidence:
    """Validate a scenario's ``evidence`` value (a key, a weighted list, or inline counts).

    Examples
    --------
    >>> parse_evidence({"upheld": 136, "overturned": 7832}).components[0].rate.__round__(4)
    0.9829
    >>> parse_evidence("tribunal:1999/00")
    Traceback (most recent call last):
    ...
    auditor.errors.ScenarioError: judgement.evidence: unknown evidence 'tribunal:1999/00'; ...
    """
    if isinstance(raw, str):
        return Evidence((_component_from_key(raw, 1.0, field),))
    if isinstance(raw, dict):
        if "key" in raw:
            comp, _ = _weighted_item(raw, field)
            return Evidence((comp,))
        return Evidence((_inline(raw, field),))
    if isinstance(raw, list):
        if not raw:
            raise ScenarioError("must not be an empty list", field=field)
        items = [_weighted_item(item, f"{field}[{i}]") for i, item in enumerate(raw)]
        total = sum(w for _, w in items)
        return Evidence(tuple(Component(c.label, c.rate, c.overturned, c.upheld, c.conceded, w / total)
                              for c, w in items))
    raise ScenarioError("must be a key such as \"tribunal:2022/23\", a list of keys (optionally "
                        "{ key = ..., weight = ... }), or inline counts { upheld = ..., overturned = ... }",
                        field=field)


def evidence_table(rows: Mapping[str, EvidenceRow] | None = None) -> str:
    """The packaged series as a plain-text table (what ``auditor evidence`` prints).

    Examples
    --------
    >>> print(evidence_table().splitlines()[0])  # doctest: +NORMALIZE_WHITESPACE
    key  decided  overturned  upheld  rate  status / what it measures / source
    """
    rows = load_evidence() if rows is None else rows

    def n(x) -> str:
        return "" if x is None else f"{x:,}"

    head = f"{'key':<19}{'decided':>8}{'overturned':>11}{'upheld':>7}{'rate':>7}  status / what it measures / source"
    lines = [head, "-" * len(head)]
    for r in rows.values():
        rate = "" if r.rate is None else f"{r.rate:.1%}"
        lines.append(f"{r.key:<19}{n(r.decided):>8}{n(r.overturned):>11}{n(r.upheld):>7}{rate:>7}  "
                     f"{r.scope}; {r.status}")
        lines.append(f"{'':<54}about placement: {r.about_placement}; measures: {r.measures}")
        lines.append(f"{'':<54}source: {r.source_url}")
    lines += ["", "overturned = found wholly or partly for the family (tribunal) or fault found (Ombudsman);",
              "upheld = the council's decision stood. These rates are not a panel's error rate: only a small,",
              "self-selected share of decisions is ever challenged (see docs/methods.md, section 4)."]
    return "\n".join(lines)


def evidence_warnings(evidence: "Evidence | None", field: str = "judgement.evidence") -> list[str]:
    """Warnings for evidence rows that say nothing about placement (the Ombudsman's).

    The Ombudsman does not investigate a placement dispute that the family can take
    to the tribunal, so its fault rates measure process (delay, provision not
    delivered), not whether a placement call was right. Using one to discount a
    panel's placement judgements is allowed (as a stress test) but named.

    Examples
    --------
    >>> evidence_warnings(parse_evidence("lgsco:2022/23"))[0][:60]
    "judgement.evidence: 'lgsco:2022/23' is an Ombudsman fault ra"
    >>> evidence_warnings(parse_evidence("tribunal:2021/22"))
    []
    """
    if evidence is None:
        return []
    rows = load_evidence()
    out = []
    for c in evidence.components:
        row = rows.get(c.label)
        if row is not None and row.about_placement == "no":
            out.append(f"{field}: {c.label!r} is an Ombudsman fault rate about process, not placement (the "
                       "Ombudsman declines placement disputes where a tribunal appeal is available); read the "
                       "result as a stress test, not as evidence on placement judgements")
    return out


# The DfE/MoJ table of appeals registered against appealable decisions, per council and year.
APPEAL_RATE_SOURCE = ("https://explore-education-statistics.service.gov.uk/find-statistics/"
                      "education-health-and-care-plans")


def citations(used: Iterable[object] = ()) -> list[tuple[str, str, str]]:
    """``(what, description, url)`` for every figure the reports quote about scrutiny.

    The rows a scenario used come first, then the rows the reports' plain
    paragraph quotes (tribunal 2022/23, Ombudsman 2022/23), then the appeal-rate
    table behind "2–3.5% of decisions are appealed".

    Examples
    --------
    >>> [c[0] for c in citations([{"key": "lgsco:2018/19"}])]
    ['lgsco:2018/19', 'tribunal:2022/23', 'lgsco:2022/23', 'appeal rates']
    """
    table = load_evidence()
    keys = [e["key"] for e in used if isinstance(e, dict) and e.get("key") in table]
    keys += [k for k in ("tribunal:2022/23", "lgsco:2022/23") if k not in keys and k in table]
    out = [(k, f"{table[k].measures}; {table[k].status}", table[k].source_url) for k in keys]
    out.append(("appeal rates", "appeals registered per appealable decision, by council and year "
                "(DfE/MoJ 'SEND Tribunals and appeal rate' table)", APPEAL_RATE_SOURCE))
    return out
