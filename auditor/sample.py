"""The case review: counts of current → ideal placements, and their resampling.

A review of ``n`` cases gives counts ``k[s→t]``: reviewed children currently in
setting ``s`` whom the panel judged ideally placed in ``t`` (``t == s`` means
"already in the ideal setting"). Each current setting is one *row*.

Two resampling methods are offered:

``bayes`` (default)
    Each row's shares are drawn from the Dirichlet posterior
    ``Dirichlet(k[s→·] + α)`` with Jeffreys' ``α = ½``. The cells of a row are
    the destinations the review actually observed for that row, plus "stay".
    Unobserved destinations are structural zeros: the published method can
    only scale up moves the panel made, so auditor does not invent moves it
    never saw; adding "stay" to every row means even a row in which every
    case moved (5 of 5) keeps some probability that a child is already well
    placed. With two cells the marginal share is exactly the Jeffreys
    ``Beta(k + ½, n − k + ½)`` posterior.
``bootstrap``
    A stratified (within-row) nonparametric bootstrap: each row's counts are
    redrawn ``Multinomial(n_s, k/n_s)``. It is offered for comparison; with
    rows of 3–10 cases it gives zero-width intervals for 0/n and n/n rows,
    which is why it is not the default.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError, ScenarioError

__all__ = ["Case", "CaseSample", "Design", "parse_sample", "build_design", "draw_shares",
           "read_cases", "canonical_key", "SAMPLE_METHODS"]

SAMPLE_METHODS = ("bayes", "bootstrap")
JEFFREYS = 0.5


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
class CaseSample:
    """The validated case review.

    Attributes
    ----------
    form : {"cases", "transitions"}
        How the scenario gave the review.
    method : {"bayes", "bootstrap"}
        Resampling method.
    prior : float
        Dirichlet pseudo-count per cell (0.5, Jeffreys, by default).
    counts : tuple of (current, ideal, count)
        Aggregated counts, in the scenario's setting order; ``current == ideal``
        is "already ideal".
    cases : tuple of Case
        The individual cases when read from a CSV (empty otherwise).
    cases_file : str or None
        The CSV path as written in the scenario.
    source : str or None
        Where the review's figures come from.
    """

    form: str
    method: str
    prior: float
    counts: tuple[tuple[str, str, int], ...]
    cases: tuple[Case, ...] = ()
    cases_file: str | None = None
    source: str | None = None

    @property
    def n_cases(self) -> int:
        return sum(c for _, _, c in self.counts)


@dataclass(frozen=True)
class Design:
    """The review as arrays: rows, cells and which cells are moves.

    Only rows with at least one judged move are kept: a row whose cases all
    stayed contributes nothing to the savings under any draw.
    """

    settings: tuple[str, ...]
    moves: tuple[tuple[int, int], ...]        # (from index, to index) per move cell
    row_of_move: np.ndarray                   # which kept row each move belongs to
    alpha: np.ndarray                         # concatenated Dirichlet parameters, stay first per row
    row_starts: np.ndarray                    # start of each kept row in ``alpha``
    move_cols: np.ndarray                     # column of each move in ``alpha``
    row_n: np.ndarray                         # cases per kept row
    row_counts: tuple[np.ndarray, ...]        # observed counts per kept row (stay first)
    observed_shares: np.ndarray               # k[s→t] / n_s per move

    @property
    def n_cells(self) -> int:
        return int(self.alpha.size)


def build_design(settings: tuple[str, ...], sample: CaseSample) -> Design:
    """Arrange the counts into rows and cells (see the module notes).

    Examples
    --------
    >>> s = CaseSample("transitions", "bayes", 0.5, (("a", "a", 3), ("a", "b", 6)))
    >>> d = build_design(("a", "b"), s)
    >>> d.moves, d.alpha.tolist(), d.observed_shares.round(3).tolist()
    (((0, 1),), [3.5, 6.5], [0.667])
    """
    index = {k: i for i, k in enumerate(settings)}
    table: dict[int, dict[int, int]] = {}
    for cur, ideal, count in sample.counts:
        row = table.setdefault(index[cur], {})
        row[index[ideal]] = row.get(index[ideal], 0) + count
    moves, row_of_move, alpha, starts, move_cols, row_n, row_counts, shares = [], [], [], [], [], [], [], []
    for r_idx in sorted(table):
        row = table[r_idx]
        n = sum(row.values())
        dests = [t for t in sorted(row) if t != r_idx and row[t] > 0]
        if not dests or n == 0:
            continue
        kept = len(starts)
        starts.append(len(alpha))
        counts = [row.get(r_idx, 0)] + [row[t] for t in dests]
        row_counts.append(np.array(counts, dtype=np.int64))
        row_n.append(n)
        alpha.append(counts[0] + sample.prior)
        for t in dests:
            moves.append((r_idx, t))
            row_of_move.append(kept)
            move_cols.append(len(alpha))
            alpha.append(row[t] + sample.prior)
            shares.append(row[t] / n)
    return Design(
        settings=settings,
        moves=tuple(moves),
        row_of_move=np.array(row_of_move, dtype=np.intp),
        alpha=np.array(alpha, dtype=float),
        row_starts=np.array(starts, dtype=np.intp),
        move_cols=np.array(move_cols, dtype=np.intp),
        row_n=np.array(row_n, dtype=np.int64),
        row_counts=tuple(row_counts),
        observed_shares=np.array(shares, dtype=float),
    )


def draw_shares(design: Design, method: str, rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw the share of each move cell, shape ``(size, n_moves)``.

    ``bayes`` uses one ``standard_gamma`` call for all cells (a Dirichlet is a
    set of independent gammas divided by their row total), so the first ``m``
    rows of a draw of ``size`` do not depend on ``size``.

    Examples
    --------
    >>> s = CaseSample("transitions", "bayes", 0.5, (("a", "a", 3), ("a", "b", 6)))
    >>> d = build_design(("a", "b"), s)
    >>> draw_shares(d, "bayes", np.random.default_rng(0), 2).round(3)
    array([[0.699],
           [0.813]])
    """
    if not design.moves:
        return np.zeros((size, 0))
    if method == "bayes":
        gammas = rng.standard_gamma(design.alpha, size=(size, design.n_cells))
        totals = np.add.reduceat(gammas, design.row_starts, axis=1)
        return gammas[:, design.move_cols] / totals[:, design.row_of_move]
    # Stratified bootstrap: redraw each row's counts from its observed shares.
    out = np.empty((size, len(design.moves)))
    col = 0
    for n, counts in zip(design.row_n, design.row_counts):
        redrawn = rng.multinomial(int(n), counts / n, size=size)
        width = counts.size - 1
        out[:, col:col + width] = redrawn[:, 1:] / n
        col += width
    return out


# ---- parsing -------------------------------------------------------------

def parse_sample(raw: object, settings: dict[str, str], base_dir: Path, *,
                 allow_outside: bool = False, field: str = "sample") -> CaseSample:
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
    """
    if not isinstance(raw, dict):
        raise ScenarioError("must be a table with `cases` or `transitions`", field=field)
    allowed = {"cases", "transitions", "method", "prior", "source", "note"}
    for key in raw:
        if key not in allowed:
            raise ScenarioError(f"unknown key; allowed: {', '.join(sorted(allowed))}", field=f"{field}.{key}")
    forms = [k for k in ("cases", "transitions") if k in raw]
    if len(forms) != 1:
        raise ScenarioError("give exactly one of `cases` (a CSV file) or `transitions` (a list of counts)",
                            field=field)
    method = raw.get("method", "bayes")
    if method not in SAMPLE_METHODS:
        raise ScenarioError(f"must be one of {', '.join(SAMPLE_METHODS)}, got {method!r}", field=f"{field}.method")
    prior = raw.get("prior", JEFFREYS)
    if isinstance(prior, bool) or not isinstance(prior, (int, float)) or not (math.isfinite(prior) and prior > 0):
        raise ScenarioError(f"must be a number > 0 (0.5 is Jeffreys, 1 is uniform), got {prior!r}",
                            field=f"{field}.prior")
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        raise ScenarioError("must be a string", field=f"{field}.source")

    order = list(settings.values())
    if forms[0] == "transitions":
        counts = _parse_transitions(raw["transitions"], settings, f"{field}.transitions")
        return CaseSample("transitions", method, float(prior), _aggregate(counts, order), source=source)

    rel = raw["cases"]
    if not isinstance(rel, str) or not rel.strip():
        raise ScenarioError("must be the path of a CSV file, relative to the scenario", field=f"{field}.cases")
    path = (base_dir / rel).resolve()
    if not allow_outside and not path.is_relative_to(base_dir.resolve()):
        raise ScenarioError(f"{rel!r} is outside the scenario's folder; move it there or pass --allow-outside",
                            field=f"{field}.cases")
    cases = read_cases(path, settings, shown=rel)
    counts = [(c.current, c.ideal, 1) for c in cases]
    return CaseSample("cases", method, float(prior), _aggregate(counts, order), cases, rel, source)


def _aggregate(counts: list[tuple[str, str, int]], order: list[str]) -> tuple[tuple[str, str, int], ...]:
    totals: dict[tuple[str, str], int] = {}
    for cur, ideal, n in counts:
        totals[(cur, ideal)] = totals.get((cur, ideal), 0) + n
    rank = {k: i for i, k in enumerate(order)}
    keys = sorted(totals, key=lambda ct: (rank[ct[0]], rank[ct[1]]))
    return tuple((c, i, totals[(c, i)]) for c, i in keys)


def _resolve(name: object, settings: dict[str, str], where: str, *, path: str | None = None,
             line: int | None = None, error=ScenarioError) -> str:
    if not isinstance(name, str) or canonical_key(name) not in settings:
        raise error(f"unknown setting {name!r}; declared settings: {', '.join(settings.values())}",
                    field=where, path=path, line=line)
    return settings[canonical_key(name)]


def _parse_transitions(raw: object, settings: dict[str, str], field: str) -> list[tuple[str, str, int]]:
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
        cur = _resolve(item["from"], settings, f"{f}.from")
        ideal = _resolve(item["to"], settings, f"{f}.to")
        count = item["count"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ScenarioError(f"must be a whole number >= 0, got {count!r}", field=f"{f}.count")
        out.append((cur, ideal, count))
    if sum(c for _, _, c in out) == 0:
        raise ScenarioError("the review has no cases: every count is 0", field=field)
    return out


def read_cases(path: Path, settings: dict[str, str], *, shown: str | None = None) -> tuple[Case, ...]:
    """Read a cases CSV (``case_id,current,ideal[,reason]``).

    Accepts UTF-8 with or without a byte-order mark, CRLF line ends and blank
    lines; setting names are matched ignoring case, spaces and hyphens.

    Raises
    ------
    DataError
        Naming the file, line and column for every problem.
    """
    name = shown or str(path)
    if path.is_dir():
        raise DataError("is a folder; `sample.cases` must name a CSV file", path=name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError("file not found (the path is relative to the scenario file)", path=name) from None
    except OSError as exc:
        raise DataError(f"cannot be read: {exc.strerror}", path=name) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise DataError(f"is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV", path=name,
                        line=line) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = [(reader.line_num, row) for row in reader]
    rows = [(n, [c.strip() for c in r]) for n, r in rows if any(c.strip() for c in r)]
    if not rows:
        raise DataError("is empty; it needs a header case_id,current,ideal[,reason] and one row per case",
                        path=name)
    header_line, header = rows[0]
    header = [h.lower() for h in header]
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
        cur = _resolve(row[pos["current"]], settings, "current", path=name, line=line, error=DataError)
        ideal = _resolve(row[pos["ideal"]], settings, "ideal", path=name, line=line, error=DataError)
        reason = row[pos["reason"]] if "reason" in pos and row[pos["reason"]] else None
        cases.append(Case(cid, cur, ideal, reason, line))
    if not cases:
        raise DataError("has a header but no cases", path=name)
    return tuple(cases)
