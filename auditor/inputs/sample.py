"""The case review as a scenario states it: cases, transition counts or reported shares.

A review of ``n`` cases gives counts ``k[s→t]``: reviewed children currently in
setting ``s`` whom the panel judged ideally placed in ``t`` (``t == s`` means
"already in the ideal setting"). The scenario gives them in one of four forms
(a case list in the TOML, a CSV of cases, a transitions table, or the shares a
report published, ``reported``); :func:`parse_sample` reads any of them into a
frozen :class:`CaseSample`. For the ``reported`` form,
:func:`enumerate_compositions` lists every split of the cases that fits what was
published. How the review is resampled lives in :mod:`auditor.model.sample`.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

import numpy as np

from ..errors import DataError, ScenarioError
from .files import read_utf8
from .money import parse_share

__all__ = ["Case", "CaseSample", "Report", "parse_sample", "enumerate_compositions", "read_cases", "parse_cases",
           "canonical_key", "SAMPLE_METHODS", "JEFFREYS", "SHARE_TOLERANCE", "MAX_COMPOSITIONS", "PERKS",
           "NAMED_PRIORS", "POOLED", "UNSEEN_RULES", "SPLIT_WEIGHTS"]

SAMPLE_METHODS = ("bayes", "bootstrap")
JEFFREYS = 0.5
# The default prior: each of a row's K cells gets 1/K (Perks 1947; Berger, Bernardo
# and Sun 2015), which is Jeffreys' ½ for a row of two cells (stay, one move) and
# keeps the prior's total weight at one case however many moves are possible.
PERKS = "perks"
# Perks' cells plus a hierarchical Beta that pools the rows' move shares
# (auditor.model.sample, docs/methods.md §2).
POOLED = "pooled"
# Named priors a scenario may give instead of a number.
NAMED_PRIORS = {"perks": PERKS, "pooled": POOLED, "jeffreys": JEFFREYS, "kerman": 1.0 / 3.0, "uniform": 1.0}
UNSEEN_RULES = ("cheaper", "all", "none")
SPLIT_WEIGHTS = ("uniform", "per_size")
#: What the sample is: "review" (a panel judged each case; the default) or "plan" (the council's own
#: planned moves, with no panel judgement behind them).
SAMPLE_BASES = ("review", "plan")
# A published share is usually rounded ("about two thirds", "57%"): a sub-group
# size m is taken as consistent with it when the nearest whole number of cases,
# k = round(share·m), gives k/m within this many points of the share.
SHARE_TOLERANCE = 0.05
# The largest pseudo-count per cell a scenario may give. A prior of a million
# cases per cell already outweighs the largest review auditor accepts tenfold,
# so the audit would report the prior, not the review; far larger values
# (1e308) overflow the Dirichlet to a £0 sampling stage.
MAX_PRIOR = 1e6
# The compositions of a `reported` sample are enumerated once; beyond this many
# the ranges are too loose to say anything and the user is asked to narrow them.
MAX_COMPOSITIONS = 1_000_000
# A case review is a small sample of files read by hand; auditor enumerates every
# split of a `reported` review's n cases and keeps one cell count per case, so the
# work grows with n. Past this many cases the review is not a small case review
# (a council's whole EHCP caseload is of this order) and is refused at parse time,
# before any enumeration.
MAX_CASES = 100_000
# Transition counts imply no work that grows with them (they set Dirichlet
# parameters), and a very large review is a legitimate way to fix a share near
# its face value, so their cap is looser: ten million, twenty times the children
# with an EHCP in England, stops a typo or an overflow, not a real review.
MAX_TRANSITION_CASES = 10_000_000



def canonical_key(name: str) -> str:
    """Normalise a setting name the way people paste them.

    Examples
    --------
    >>> canonical_key("  State-Special ")
    'state_special'
    """
    out = "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())
    return out


@dataclass(frozen=True)
class Case:
    """One reviewed case as read from a cases CSV."""

    case_id: str
    current: str
    ideal: str
    reason: str | None
    line: int


@dataclass(frozen=True)
class Report:
    """One published finding about the reviewed cases (the ``reported`` form).

    Either a share (``share`` set, ``count`` None): that share of the reviewed
    cases currently in ``current`` was judged ideal in ``ideal``; or an exact
    ``count``. ``cases_low``/``cases_high`` bound how many reviewed cases were
    in ``current`` (None: not published).
    """

    current: str
    ideal: str
    share: float | None
    count: int | None
    cases_low: int | None
    cases_high: int | None
    tolerance: float = SHARE_TOLERANCE
    written: str = ""


@dataclass(frozen=True)
class CaseSample:
    """The validated case review.

    Attributes
    ----------
    form : {"cases", "transitions", "reported"}
        How the scenario gave the review.
    method : {"bayes", "bootstrap"}
        Resampling method.
    prior : float, "perks" or "pooled"
        Dirichlet pseudo-count per cell: ``"perks"`` (the default) gives each
        of a row's K cells 1/K; ``"pooled"`` adds to Perks' cells a
        hierarchical Beta that pools the rows' move shares; a number gives
        every cell that count.
    counts : tuple of (current, ideal, count)
        Aggregated counts, in the scenario's setting order; ``current == ideal``
        is "already ideal".
    cases : tuple of Case
        The individual cases when read from a CSV (empty otherwise).
    cases_file : str or None
        The CSV path as written in the scenario.
    source : str or None
        Where the review's figures come from.
    n : int or None
        Cases reviewed, as published (``reported`` form only).
    reports : tuple of Report
        The published findings (``reported`` form only; ``counts`` is then empty).
    """

    form: str
    method: str
    prior: float | str
    counts: tuple[tuple[str, str, int], ...]
    cases: tuple[Case, ...] = ()
    cases_file: str | None = None
    source: str | None = None
    n: int | None = None
    reports: tuple[Report, ...] = ()
    # (as written, declared setting) for every name matched only after normalising,
    # so reports can show how a pasted name was read.
    normalised: tuple[tuple[str, str], ...] = ()
    # Which moves nobody in the review made still get prior probability (see
    # :func:`auditor.model.sample.possible_moves`): "cheaper" (default), "all" or
    # "none", plus moves the scenario declares possible or impossible, each
    # (current, ideal, reason).
    unseen: str = "cheaper"
    possible: tuple[tuple[str, str, str], ...] = ()
    impossible: tuple[tuple[str, str, str], ...] = ()
    # `reported` form: how the consistent splits of the n cases are weighted.
    splits: str = "uniform"
    # "review" (a panel judged these cases) or "plan" (the council's own planned
    # moves, with no panel): only the wording of the tipping point differs.
    basis: str = "review"

    @property
    def n_cases(self) -> int:
        if self.form == "reported":
            return int(self.n or 0)
        return sum(c for _, _, c in self.counts)


# ---- parsing -------------------------------------------------------------

def parse_sample(raw: object, settings: dict[str, str], base_dir: Path, *,
                 allow_outside: bool = False, field: str = "sample",
                 files: Mapping[str, str] | None = None) -> CaseSample:
    """Validate the ``[sample]`` table.

    Parameters
    ----------
    raw : dict
        The table as read from TOML.
    settings : dict
        Canonical setting key → key as declared (for name normalisation).
    base_dir : Path
        The scenario's folder; a ``cases`` path is relative to it.
    allow_outside : bool
        Allow a ``cases`` file outside ``base_dir`` (off for untrusted files).
    files : mapping of str to str, optional
        Case lists held in memory, by the name ``cases`` gives (the web app's
        uploads). When given, ``cases`` is looked up here and the disk is
        never read, whatever the name says.
    """
    if not isinstance(raw, dict):
        raise ScenarioError("must be a table with `cases`, `transitions` or `reported`", field=field)
    allowed = {"cases", "transitions", "reported", "n", "method", "prior", "source", "note", "unseen",
               "possible", "impossible", "splits", "basis"}
    for key in raw:
        if key not in allowed:
            raise ScenarioError(f"unknown key; allowed: {', '.join(sorted(allowed))}", field=f"{field}.{key}")
    forms = [k for k in ("cases", "transitions", "reported") if k in raw]
    if len(forms) != 1:
        raise ScenarioError("give exactly one of `cases` (a CSV file), `transitions` (a list of counts) or "
                            "`reported` (published shares, with `n`)", field=field)
    if "n" in raw and forms[0] != "reported":
        raise ScenarioError("`n` belongs to the `reported` form; with cases or transitions the number of "
                            "cases is counted", field=f"{field}.n")
    method = raw.get("method", "bayes")
    if method not in SAMPLE_METHODS:
        raise ScenarioError(f"must be one of {', '.join(SAMPLE_METHODS)}, got {method!r}", field=f"{field}.method")
    prior = _parse_prior(raw.get("prior", PERKS), f"{field}.prior")
    unseen = raw.get("unseen", "cheaper")
    if unseen not in UNSEEN_RULES:
        raise ScenarioError(f"must be one of {', '.join(UNSEEN_RULES)} (which moves nobody in the review made "
                            f"still get prior probability), got {unseen!r}", field=f"{field}.unseen")
    splits = raw.get("splits", "uniform")
    if splits not in SPLIT_WEIGHTS:
        raise ScenarioError(f"must be one of {', '.join(SPLIT_WEIGHTS)}, got {splits!r}", field=f"{field}.splits")
    if "splits" in raw and forms[0] != "reported":
        raise ScenarioError("`splits` belongs to the `reported` form (how unknown sub-group sizes are weighted)",
                            field=f"{field}.splits")
    basis = raw.get("basis", "review")
    if basis not in SAMPLE_BASES:
        raise ScenarioError(f"must be one of {', '.join(SAMPLE_BASES)} (\"review\": a panel judged these cases; "
                            f"\"plan\": the council's own planned moves, no panel), got {basis!r}",
                            field=f"{field}.basis")
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        raise ScenarioError(f"must be a string, got {source!r}", field=f"{field}.source")

    order = list(settings.values())
    seen: list[tuple[str, str]] = []
    declared = {key: _parse_declared_moves(raw.get(key, []), settings, f"{field}.{key}", seen)
                for key in ("possible", "impossible")}
    both = set((a, b) for a, b, _ in declared["possible"]) & set((a, b) for a, b, _ in declared["impossible"])
    if both:
        a, b = sorted(both)[0]
        raise ScenarioError(f"declares {a} → {b} both possible and impossible; give it in one list",
                            field=f"{field}.impossible")
    out = _parse_form(raw, forms[0], method, prior, source, settings, order, base_dir, allow_outside,
                      field, seen, files)
    made = {(c, i) for c, i, k in out.counts if k > 0 and c != i}
    made |= {(r.current, r.ideal) for r in out.reports if r.current != r.ideal and (r.share or r.count)}
    for i, (a, b, _) in enumerate(declared["impossible"]):
        if (a, b) in made:
            raise ScenarioError(f"{a} → {b} cannot be impossible: the review judged a case ideal there",
                                field=f"{field}.impossible[{i}]")
    return replace(out, normalised=tuple(dict.fromkeys(seen)), unseen=unseen, splits=splits, basis=basis,
                   **declared)


def _parse_prior(value: object, field: str) -> float | str:
    """A named prior ("perks", "pooled", "jeffreys", "kerman", "uniform") or a pseudo-count > 0."""
    if isinstance(value, str) and value in NAMED_PRIORS:
        return NAMED_PRIORS[value]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
        raise ScenarioError(f"must be one of {', '.join(NAMED_PRIORS)} or a number > 0 (a pseudo-count per "
                            f"cell; 0.5 is Jeffreys, 1 is uniform), got {value!r}", field=field)
    if value > MAX_PRIOR:
        raise ScenarioError(f"must be at most {MAX_PRIOR:,.0f} cases per cell (a larger prior outweighs any "
                            f"review, so the audit would report the prior), got {value!r}", field=field)
    return float(value)


def _parse_declared_moves(raw: object, settings: dict[str, str], field: str,
                          seen: list) -> tuple[tuple[str, str, str], ...]:
    """``possible`` / ``impossible``: a list of { from, to, reason } tables."""
    if not isinstance(raw, list):
        raise ScenarioError("must be a list of { from = ..., to = ..., reason = ... } tables", field=field)
    out = []
    for i, item in enumerate(raw):
        f = f"{field}[{i}]"
        if not isinstance(item, dict):
            raise ScenarioError("must be a table { from = ..., to = ..., reason = ... }", field=f)
        for key in item:
            if key not in ("from", "to", "reason"):
                raise ScenarioError("unknown key; allowed: from, to, reason", field=f"{f}.{key}")
        for key in ("from", "to", "reason"):
            if key not in item:
                raise ScenarioError("missing; each declared move needs from, to and a reason",
                                    field=f"{f}.{key}")
        a = _resolve(item["from"], settings, f"{f}.from", seen=seen)
        b = _resolve(item["to"], settings, f"{f}.to", seen=seen)
        reason = item["reason"]
        if not isinstance(reason, str) or not reason.strip():
            raise ScenarioError("must say why (a non-empty string)", field=f"{f}.reason")
        if a == b:
            raise ScenarioError(f"{a} → {a} is not a move; from and to must differ", field=f)
        out.append((a, b, reason.strip()))
    return tuple(out)


def _parse_form(raw: dict, form: str, method: str, prior: float | str, source: str | None, settings: dict[str, str],
                order: list[str], base_dir: Path, allow_outside: bool, field: str,
                seen: list[tuple[str, str]], files: Mapping[str, str] | None = None) -> CaseSample:
    if form == "reported":
        if method != "bayes":
            raise ScenarioError("the `reported` form needs method 'bayes' (the bootstrap has no observed "
                                "counts to resample)", field=f"{field}.method")
        n, reports = _parse_reported(raw, settings, field, seen)
        out = CaseSample("reported", method, prior, (), source=source, n=n, reports=reports)
        _check_compositions(order, out, field)
        return out
    if form == "transitions":
        counts = _parse_transitions(raw["transitions"], settings, f"{field}.transitions", seen)
        return CaseSample("transitions", method, prior, _aggregate(counts, order), source=source)

    rel = raw["cases"]
    if not isinstance(rel, str) or not rel.strip() or "\x00" in rel or len(rel) > 4000:
        raise ScenarioError("must be the path of a CSV file, relative to the scenario", field=f"{field}.cases")
    if files is not None:
        if rel not in files:
            given = ", ".join(repr(k) for k in files) or "none"
            raise ScenarioError(f"no uploaded case list is named {rel!r} (uploaded: {given}); upload the CSV "
                                "with the scenario", field=f"{field}.cases")
        cases = parse_cases(files[rel], settings, rel, normalised=seen)
        counts = [(c.current, c.ideal, 1) for c in cases]
        return CaseSample("cases", method, prior, _aggregate(counts, order), cases, rel, source)
    try:
        path = (base_dir / rel).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop raises RuntimeError, whose text holds a full path
        why = getattr(exc, "strerror", None) or "a symbolic link that leads back to itself"
        raise ScenarioError(f"cannot be used: {why}", field=f"{field}.cases") from None
    if not allow_outside and not path.is_relative_to(base_dir.resolve()):
        raise ScenarioError(f"{rel!r} is outside the scenario's folder; move it there or pass --allow-outside",
                            field=f"{field}.cases")
    cases = read_cases(path, settings, shown=rel, normalised=seen)
    counts = [(c.current, c.ideal, 1) for c in cases]
    return CaseSample("cases", method, prior, _aggregate(counts, order), cases, rel, source)


def _aggregate(counts: list[tuple[str, str, int]], order: list[str]) -> tuple[tuple[str, str, int], ...]:
    totals: dict[tuple[str, str], int] = {}
    for cur, ideal, n in counts:
        totals[(cur, ideal)] = totals.get((cur, ideal), 0) + n
    rank = {k: i for i, k in enumerate(order)}
    keys = sorted(totals, key=lambda ct: (rank[ct[0]], rank[ct[1]]))
    return tuple((c, i, totals[(c, i)]) for c, i in keys)


def _resolve(name: object, settings: dict[str, str], where: str, *, path: str | None = None,
             line: int | None = None, error=ScenarioError, seen: list | None = None) -> str:
    if not isinstance(name, str) or canonical_key(name) not in settings:
        raise error(f"unknown setting {name!r}; declared settings: {', '.join(settings.values())}",
                    field=where, path=path, line=line)
    out = settings[canonical_key(name)]
    if seen is not None and name != out:
        seen.append((name, out))
    return out


def _parse_transitions(raw: object, settings: dict[str, str], field: str,
                       seen: list | None = None) -> list[tuple[str, str, int]]:
    if not isinstance(raw, list) or not raw:
        raise ScenarioError("must be a non-empty list of { from, to, count } tables", field=field)
    out = []
    for i, item in enumerate(raw):
        f = f"{field}[{i}]"
        if not isinstance(item, dict):
            raise ScenarioError("must be a table { from = ..., to = ..., count = ... }", field=f)
        for key in item:
            if key not in ("from", "to", "count", "note"):
                raise ScenarioError("unknown key; allowed: from, to, count, note", field=f"{f}.{key}")
        for key in ("from", "to", "count"):
            if key not in item:
                raise ScenarioError("missing; each transition needs from, to and count", field=f"{f}.{key}")
        cur = _resolve(item["from"], settings, f"{f}.from", seen=seen)
        ideal = _resolve(item["to"], settings, f"{f}.to", seen=seen)
        count = item["count"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ScenarioError(f"must be a whole number >= 0, got {count!r}", field=f"{f}.count")
        if count > MAX_TRANSITION_CASES:
            raise ScenarioError(f"must be at most {MAX_TRANSITION_CASES:,} (a count of reviewed cases, not of "
                                f"children in the council), got {count:,}", field=f"{f}.count")
        out.append((cur, ideal, count))
    total = sum(c for _, _, c in out)
    if total > MAX_TRANSITION_CASES:
        raise ScenarioError(f"the counts add up to {total:,} cases, above the maximum {MAX_TRANSITION_CASES:,} "
                            "(a count of reviewed cases, not of children in the council)", field=field)
    if total == 0:
        raise ScenarioError("the review has no cases: every count is 0", field=field)
    return out


def read_cases(path: Path, settings: dict[str, str], *, shown: str | None = None,
               normalised: list | None = None) -> tuple[Case, ...]:
    """Read a cases CSV (``case_id,current,ideal[,reason]``).

    Accepts UTF-8 with or without a byte-order mark, CRLF line ends and blank
    lines; setting names are matched ignoring case, spaces and hyphens.

    Raises
    ------
    DataError
        Naming the file, line and column for every problem.
    """
    name = shown or str(path)
    _, text = read_utf8(path, name, DataError, folder="is a folder; `sample.cases` must name a CSV file",
                        missing="file not found (the path is relative to the scenario file)",
                        save_as="UTF-8 CSV")
    return parse_cases(text, settings, name, normalised=normalised)


def parse_cases(text: str, settings: dict[str, str], name: str, *,
                normalised: list | None = None) -> tuple[Case, ...]:
    r"""Read the text of a cases CSV; ``name`` is the file as shown in messages.

    Examples
    --------
    >>> rows = parse_cases("case_id,current,ideal\n1,special,mainstream\n", {"special": "special",
    ...                    "mainstream": "mainstream"}, "cases.csv")
    >>> rows[0].current, rows[0].ideal, rows[0].line
    ('special', 'mainstream', 2)
    """
    rows = _csv_rows(text, name)
    if not rows:
        raise DataError("is empty; it needs a header case_id,current,ideal[,reason] and one row per case",
                        path=name)
    header_line, header = rows[0]
    header = [h.lower() for h in header]
    # Excel saves columns that once held something as trailing empty ones: drop them when empty throughout.
    while header and not header[-1] and all(len(r) < len(header) or not r[len(header) - 1] for _, r in rows[1:]):
        header.pop()
        rows = [(n, r[:len(header)]) for n, r in rows]
    for i, h in enumerate(header):
        if h in header[:i]:
            raise DataError(f"column {h!r} appears twice in the header", path=name, line=header_line, field=h)
    if not header[-1:] or "" in header:
        raise DataError(f"has a column with no name (column {header.index('') + 1}); name it or delete it",
                        path=name, line=header_line)
    for col in ("case_id", "current", "ideal"):
        if col not in header:
            raise DataError(f"missing column {col!r}; the header must have case_id,current,ideal[,reason], "
                            f"got {','.join(header)}", path=name, line=header_line, field=col)
    extra = [h for h in header if h not in ("case_id", "current", "ideal", "reason")]
    if extra:
        raise DataError(f"unknown column {extra[0]!r}; allowed: case_id, current, ideal, reason",
                        path=name, line=header_line, field=extra[0])
    pos = {h: header.index(h) for h in header}
    seen: dict[str, int] = {}
    cases = []
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise DataError(f"has {len(row)} fields, the header has {len(header)}", path=name, line=line)
        cid = row[pos["case_id"]]
        if not cid:
            raise DataError("is empty; every case needs an id", path=name, line=line, field="case_id")
        if cid in seen:
            raise DataError(f"duplicate case id {cid!r} (first on line {seen[cid]})", path=name, line=line,
                            field="case_id")
        seen[cid] = line
        cur = _resolve(row[pos["current"]], settings, "current", path=name, line=line, error=DataError,
                       seen=normalised)
        ideal = _resolve(row[pos["ideal"]], settings, "ideal", path=name, line=line, error=DataError,
                         seen=normalised)
        reason = row[pos["reason"]] if "reason" in pos and row[pos["reason"]] else None
        cases.append(Case(cid, cur, ideal, reason, line))
    if not cases:
        raise DataError("has a header but no cases", path=name)
    return tuple(cases)


#: Separators a spreadsheet may save a "CSV" with, besides the comma.
_SEPARATORS = (";", "\t", "|")


def _csv_rows(text: str, name: str) -> list[tuple[int, list[str]]]:
    """Non-blank rows of a cases CSV with their line numbers, cells stripped.

    Reads Excel's ``sep=;`` first line and, when the header has no comma but a
    semicolon, tab or bar, that separator (European spreadsheets save CSV with
    semicolons). A quote left open is an error naming the line where it opened,
    not a silently swallowed rest of the file.
    """
    lines = text.split("\n", 1)
    delimiter = ","
    first = lines[0].strip().lower()
    if first.startswith("sep=") and len(first) == 5:
        delimiter = lines[0].strip()[4]
        text = lines[1] if len(lines) > 1 else ""
    else:
        header = next((ln for ln in text.splitlines() if ln.strip()), "")
        if "," not in header:
            delimiter = next((d for d in _SEPARATORS if d in header), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    out = []
    start = 1
    try:
        for row in reader:
            if any(c.strip() for c in row):
                out.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        problem = str(exc)
        if "field larger than field limit" in problem:
            raise DataError(f"has a cell over {csv.field_size_limit():,} characters; is it the right file?",
                            path=name, line=start) from None
        if "unexpected end of data" in problem or "EOF" in problem:
            raise DataError("a quote (\") opened on this line is never closed; close it or remove it",
                            path=name, line=start) from None
        if "expected after" in problem:   # strict mode: `"WS05"x` has text after a closing quote
            raise DataError("a cell has text after its closing quote (as in \"WS05\"x); quote the whole cell "
                            "or remove the quotes", path=name, line=start) from None
        raise DataError(f"is not a readable CSV ({problem})", path=name, line=start) from None
    offset = 1 if first.startswith("sep=") and len(first) == 5 else 0
    return [(n + offset, [c.strip() for c in r]) for n, r in out]


# ---- the `reported` form -------------------------------------------------------

def _round_half_up(x: float) -> int:
    # A tiny allowance so that 6 · (2/3) = 3.9999999 still reads as 4 cases.
    return int(math.floor(x + 0.5 + 1e-9))


def _whole(value: object, where: str, lo: int, what: str) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise ScenarioError(f"must be a whole number {what}, got {value!r}", field=where)
    return value


def _parse_reported(raw: dict, settings: dict[str, str], field: str,
                    seen: list | None = None) -> tuple[int, tuple[Report, ...]]:
    if "n" not in raw:
        raise ScenarioError("missing; the `reported` form needs `n`, the number of cases reviewed",
                            field=f"{field}.n")
    n = _whole(raw["n"], f"{field}.n", 1, ">= 1 (the number of cases reviewed)")
    if n > MAX_CASES:
        raise ScenarioError(f"must be at most {MAX_CASES:,}, got {n:,}: a case review of more cases is not a small "
                            "case review, and every split of its cases would be enumerated", field=f"{field}.n")
    items = raw["reported"]
    if not isinstance(items, list) or not items:
        raise ScenarioError("must be a non-empty list of { current, ideal, share, cases } or "
                            "{ current, ideal, count } tables", field=f"{field}.reported")
    reports = []
    # Which finding each (current, ideal) pair came from; `seen` collects normalised names.
    pairs: dict[tuple[str, str], int] = {}
    for i, item in enumerate(items):
        f = f"{field}.reported[{i}]"
        if not isinstance(item, dict):
            raise ScenarioError("must be a table { current = ..., ideal = ..., share = ... } or "
                                "{ current = ..., ideal = ..., count = ... }", field=f)
        allowed = ("current", "ideal", "share", "count", "cases", "tolerance", "note", "source")
        for key in item:
            if key not in allowed:
                raise ScenarioError(f"unknown key; allowed: {', '.join(allowed)}", field=f"{f}.{key}")
        for key in ("current", "ideal"):
            if key not in item:
                raise ScenarioError("missing; each reported finding needs current and ideal", field=f"{f}.{key}")
        cur = _resolve(item["current"], settings, f"{f}.current", seen=seen)
        ideal = _resolve(item["ideal"], settings, f"{f}.ideal", seen=seen)
        if (cur, ideal) in pairs:
            raise ScenarioError(f"repeats the finding {cur} → {ideal} of reported[{pairs[(cur, ideal)]}]; "
                                "give each pair once", field=f)
        pairs[(cur, ideal)] = i
        if ("share" in item) == ("count" in item):
            raise ScenarioError("give exactly one of `share` (e.g. \"2/3\", 0.67 or \"67%\") or `count` "
                                "(an exact number of cases)", field=f)
        share = count = None
        if "share" in item:
            try:
                share = parse_share(item["share"])
            except ValueError as exc:
                raise ScenarioError(str(exc), field=f"{f}.share") from None
            written = str(item["share"])
        else:
            count = _whole(item["count"], f"{f}.count", 0, ">= 0")
            written = f"{count} case" if count == 1 else f"{count} cases"
        low = high = None
        if "cases" in item:
            c = item["cases"]
            if isinstance(c, dict):
                for key in c:
                    if key not in ("low", "high"):
                        raise ScenarioError("unknown key; a range of cases is { low = ..., high = ... }",
                                            field=f"{f}.cases.{key}")
                low = _whole(c.get("low", 1), f"{f}.cases.low", 1, ">= 1")
                high = _whole(c.get("high", n), f"{f}.cases.high", 1, ">= 1")
                if low > high:
                    raise ScenarioError(f"low ({low}) must not exceed high ({high})", field=f"{f}.cases")
            else:
                low = high = _whole(c, f"{f}.cases", 1, ">= 1, or a range { low = ..., high = ... }")
            if high > n:
                raise ScenarioError(f"cannot exceed n = {n}, the number of cases reviewed, got {high}",
                                    field=f"{f}.cases")
        tol = item.get("tolerance", SHARE_TOLERANCE)
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol <= 1:
            raise ScenarioError(f"must be a share between 0 and 1 (how far k/m may sit from the published "
                                f"share), got {tol!r}", field=f"{f}.tolerance")
        if "tolerance" in item and share is None:
            raise ScenarioError("applies only to a `share`", field=f"{f}.tolerance")
        reports.append(Report(cur, ideal, share, count, low, high, float(tol), written))
    # Findings about the same current setting describe one sub-group: its size must agree.
    sizes: dict[str, tuple[int | None, int | None, int]] = {}
    for i, r in enumerate(reports):
        if r.cases_low is None:
            continue
        prev = sizes.get(r.current)
        if prev is not None and prev[:2] != (r.cases_low, r.cases_high):
            raise ScenarioError(f"gives {r.current} a different number of cases than reported[{prev[2]}]; "
                                "findings about one setting share one sub-group size (give `cases` once)",
                                field=f"{field}.reported[{i}].cases")
        sizes[r.current] = (r.cases_low, r.cases_high, i)
    if not any(r.current != r.ideal and (r.count or r.share) for r in reports):
        raise ScenarioError("no finding moves anyone: at least one needs current ≠ ideal and a share or "
                            "count above 0", field=f"{field}.reported")
    return n, tuple(reports)


def _row_sizes(reports: list[Report], n: int) -> tuple[list[int], list[list[int]]]:
    """Feasible sub-group sizes of one current setting, and the count of each finding per size."""
    lows = [r.cases_low for r in reports if r.cases_low is not None]
    highs = [r.cases_high for r in reports if r.cases_high is not None]
    lo, hi = (lows[0] if lows else 1), (highs[0] if highs else n)
    sizes, counts = [], []
    for m in range(lo, hi + 1):
        ks = []
        for r in reports:
            if r.count is not None:
                ks.append(r.count)
                continue
            k = _round_half_up(r.share * m)
            # A published positive share means at least one case, and a share below one
            # leaves at least one case out; k/m must round to the share as published.
            if (r.share > 0 and k == 0) or (r.share < 1 and k == m) or abs(k / m - r.share) > r.tolerance + 1e-12:
                break
            ks.append(k)
        else:
            if sum(ks) <= m:
                sizes.append(m)
                counts.append(ks)
    return sizes, counts


def enumerate_compositions(order: list[str] | tuple[str, ...], sample: CaseSample
                           ) -> tuple[tuple[str, ...], np.ndarray, list[np.ndarray]]:
    """Every split of the ``n`` reviewed cases consistent with every report.

    A composition gives each reported current setting a sub-group size ``m``
    (within its ``cases`` range, or 1…n when unpublished) such that every share
    is met by a whole number of cases ``k = round(share·m)`` with ``k/m``
    within the finding's tolerance, the findings of a setting fit inside it,
    and the sub-groups together fit inside ``n``.

    Returns
    -------
    settings : tuple of str
        The reported current settings, in scenario order.
    sizes : ndarray, shape (n_compositions, n_settings)
        Sub-group size of each setting in each composition.
    counts : list of ndarray
        Per setting, shape (n_compositions, n_findings): cases per finding.

    Examples
    --------
    >>> r = Report("a", "b", 2 / 3, None, 3, 6, 0.05, "2/3")
    >>> s = CaseSample("reported", "bayes", 0.5, (), n=10, reports=(r,))
    >>> keys, sizes, counts = enumerate_compositions(["a", "b"], s)
    >>> sizes[:, 0].tolist(), counts[0][:, 0].tolist()
    ([3, 6], [2, 4])
    """
    n = int(sample.n)
    rank = {k: i for i, k in enumerate(order)}
    currents = sorted({r.current for r in sample.reports}, key=rank.__getitem__)
    per_row = []
    for cur in currents:
        sizes, counts = _row_sizes([r for r in sample.reports if r.current == cur], n)
        per_row.append((np.array(sizes, dtype=np.int64), np.array(counts, dtype=np.int64)))
    # Grow the product one setting at a time, dropping partial splits that already exceed n.
    idx = np.zeros((1, 0), dtype=np.int64)
    total = np.zeros(1, dtype=np.int64)
    for sizes, _ in per_row:
        if sizes.size == 0:
            return tuple(currents), np.zeros((0, len(currents)), dtype=np.int64), []
        # Count the partial splits that still fit before building them: ``sizes`` is
        # ascending, so each partial total keeps the sizes up to n - total. The
        # product is never materialised beyond the cap.
        fit = np.searchsorted(sizes, n - total, side="right")
        kept = int(fit.sum())
        if kept > MAX_COMPOSITIONS:
            raise ValueError(f"more than {MAX_COMPOSITIONS:,} possible compositions")
        rows = np.repeat(np.arange(total.size), fit)
        cols = np.arange(kept) - np.repeat(np.cumsum(fit) - fit, fit)
        idx = np.column_stack([idx[rows], cols])
        total = total[rows] + sizes[cols]
    sizes = np.column_stack([per_row[j][0][idx[:, j]] for j in range(len(currents))]) if currents else idx
    counts = [per_row[j][1][idx[:, j]] for j in range(len(currents))]
    return tuple(currents), sizes, counts


def _check_compositions(order: list[str], sample: CaseSample, field: str) -> None:
    try:
        _, sizes, _ = enumerate_compositions(order, sample)
    except ValueError as exc:
        raise ScenarioError(f"{exc}; narrow the `cases` ranges", field=f"{field}.reported") from None
    if sizes.shape[0] == 0:
        raise ScenarioError(f"no split of the n = {sample.n} cases fits every finding (each share must be a "
                            "whole number of cases k with k/m within its tolerance, and the sub-groups must "
                            "fit inside n); check the shares, `cases` ranges and `tolerance`",
                            field=f"{field}.reported")
