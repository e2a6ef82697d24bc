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
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import DataError, ScenarioError
from ..inputs.files import read_utf8

__all__ = ["Case", "CaseSample", "Design", "Report", "parse_sample", "build_design", "draw_shares",
           "draw_compositions", "enumerate_compositions", "read_cases", "canonical_key", "SAMPLE_METHODS",
           "SHARE_TOLERANCE", "MAX_COMPOSITIONS"]

SAMPLE_METHODS = ("bayes", "bootstrap")
JEFFREYS = 0.5
# A published share is usually rounded ("about two thirds", "57%"): a sub-group
# size m is taken as consistent with it when the nearest whole number of cases,
# k = round(share·m), gives k/m within this many points of the share.
SHARE_TOLERANCE = 0.05
# The compositions of a `reported` sample are enumerated once; beyond this many
# the ranges are too loose to say anything and the user is asked to narrow them.
MAX_COMPOSITIONS = 1_000_000


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
    n : int or None
        Cases reviewed, as published (``reported`` form only).
    reports : tuple of Report
        The published findings (``reported`` form only; ``counts`` is then empty).
    """

    form: str
    method: str
    prior: float
    counts: tuple[tuple[str, str, int], ...]
    cases: tuple[Case, ...] = ()
    cases_file: str | None = None
    source: str | None = None
    n: int | None = None
    reports: tuple[Report, ...] = ()
    # (as written, declared setting) for every name matched only after normalising,
    # so reports can show how a pasted name was read.
    normalised: tuple[tuple[str, str], ...] = ()

    @property
    def n_cases(self) -> int:
        if self.form == "reported":
            return int(self.n or 0)
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
    # ``reported`` form only: every composition consistent with the reports, as
    # counts per cell (one row per composition, columns as ``alpha``), and the
    # sub-group size of each reported current setting.
    compositions: np.ndarray | None = None
    composition_sizes: np.ndarray | None = None
    composition_settings: tuple[str, ...] = ()
    prior: float = JEFFREYS

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
    if sample.form == "reported":
        return _reported_design(settings, sample)
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


def draw_shares(design: Design, method: str, rng: np.random.Generator, size: int, *,
                composition: np.ndarray | None = None) -> np.ndarray:
    """Draw the share of each move cell, shape ``(size, n_moves)``.

    ``bayes`` uses one ``standard_gamma`` call for all cells (a Dirichlet is a
    set of independent gammas divided by their row total), so the first ``m``
    rows of a draw of ``size`` do not depend on ``size``. With ``composition``
    (indices from :func:`draw_compositions`, ``reported`` form), each draw's
    Dirichlet parameters are its own composition's counts plus the prior.

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
    if composition is not None:
        # ``take`` gathers whole rows at a quarter of the cost of fancy indexing; the
        # shapes stay C-ordered, which is the order standard_gamma fills them in.
        shapes = np.take(design.compositions, composition, axis=0)
        shapes += design.prior
        gammas = rng.standard_gamma(shapes)
        if len(design.moves) < 8:
            # Same values as below; the engine sums fewer than 8 moves column by
            # column, so the column-major layout does not change its results.
            return _dirichlet_shares(design, gammas)
        totals = np.add.reduceat(gammas, design.row_starts, axis=1)
        return gammas[:, design.move_cols] / totals[:, design.row_of_move]
    if method == "bayes":
        gammas = rng.standard_gamma(design.alpha, size=(size, design.n_cells))
        return _dirichlet_shares(design, gammas)
    # Stratified bootstrap: redraw each row's counts from its observed shares.
    # One multinomial call for all rows (rows padded with zero-probability
    # cells) fills draw after draw, so, as for ``bayes``, the first ``m`` draws
    # do not depend on ``size``; one call per row would break that.
    n_rows = len(design.row_counts)
    width_max = max(c.size for c in design.row_counts)
    pvals = np.zeros((n_rows, width_max))
    for i, (n, counts) in enumerate(zip(design.row_n, design.row_counts)):
        pvals[i, :counts.size] = counts / n
    if width_max == 2:
        return _two_cell_rows(design, pvals[:, 0], rng, size)
    redrawn = rng.multinomial(design.row_n, pvals, size=(size, n_rows))
    out = np.empty((size, len(design.moves)))
    col = 0
    for i, (n, counts) in enumerate(zip(design.row_n, design.row_counts)):
        width = counts.size - 1
        out[:, col:col + width] = redrawn[:, i, 1:counts.size] / n
        col += width
    return out


def _two_cell_rows(design: Design, p_stay: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    """The bootstrap when every row is (stay, one move): the multinomial's numbers, drawn as binomials.

    numpy's multinomial draws a row's cells in order, each a binomial of the
    cases left with its probability over the probability left; the last cell
    takes the rest without a draw. With two cells that is one
    ``binomial(n, p_stay)`` per draw and row, the move getting ``n − stay``,
    which is exactly what ``rng.binomial`` draws with the same arguments in the
    same order (draw after draw, rows within a draw) at 15–35% less cost:
    multinomial sets up each row's cells one call at a time, and a single row
    lets binomial take numpy's scalar path. Bit-equal to the multinomial
    (tests/test_sample.py compares the two over thousands of n, p and seeds).
    """
    if p_stay.size == 1:
        stay = rng.binomial(int(design.row_n[0]), float(p_stay[0]), size=(size, 1))
    else:
        stay = rng.binomial(design.row_n, p_stay, size=(size, p_stay.size))
    return np.subtract(design.row_n, stay, out=stay) / design.row_n


def _dirichlet_shares(design: Design, gammas: np.ndarray) -> np.ndarray:
    """Divide each move's gamma by its row total, column by column.

    This is the arithmetic of ``np.add.reduceat(gammas, row_starts, axis=1)``
    followed by fancy indexing, bit for bit, at a tenth of the cost: reduceat
    over short rows is dominated by per-row overhead (about 30 ns a draw), and
    its result is the first cell plus numpy's pairwise sum of the others, which
    ``first + rest.sum(axis=1)`` reproduces exactly (tested against reduceat).
    """
    size = gammas.shape[0]
    ends = list(design.row_starts[1:]) + [design.n_cells]
    totals = []
    for start, end in zip(design.row_starts.tolist(), ends):
        if end - start == 2:  # the common row (stay, one move): one add
            totals.append(gammas[:, start] + gammas[:, start + 1])
        elif end - start <= 8:
            # numpy sums fewer than 8 columns left to right; a reduction over a short,
            # strided row costs ~60 ns a draw, column adds a few.
            rest = gammas[:, start + 1] + gammas[:, start + 2]
            for col in range(start + 3, end):
                np.add(rest, gammas[:, col], out=rest)
            totals.append(np.add(gammas[:, start], rest, out=rest))
        else:
            totals.append(gammas[:, start] + gammas[:, start + 1:end].sum(axis=1))
    # Column-major, like the fancy-indexed result it replaces: the stage sums
    # downstream go through BLAS, whose rounding depends on the memory order.
    out = np.empty((size, design.move_cols.size), order="F")
    for j, (col, row) in enumerate(zip(design.move_cols.tolist(), design.row_of_move.tolist())):
        np.divide(gammas[:, col], totals[row], out=out[:, j])
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
        raise ScenarioError("must be a table with `cases`, `transitions` or `reported`", field=field)
    allowed = {"cases", "transitions", "reported", "n", "method", "prior", "source", "note"}
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
    prior = raw.get("prior", JEFFREYS)
    if isinstance(prior, bool) or not isinstance(prior, (int, float)) or not (math.isfinite(prior) and prior > 0):
        raise ScenarioError(f"must be a number > 0 (0.5 is Jeffreys, 1 is uniform), got {prior!r}",
                            field=f"{field}.prior")
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        raise ScenarioError("must be a string", field=f"{field}.source")

    order = list(settings.values())
    seen: list[tuple[str, str]] = []
    out = _parse_form(raw, forms[0], method, float(prior), source, settings, order, base_dir, allow_outside,
                      field, seen)
    return replace(out, normalised=tuple(dict.fromkeys(seen)))


def _parse_form(raw: dict, form: str, method: str, prior: float, source: str | None, settings: dict[str, str],
                order: list[str], base_dir: Path, allow_outside: bool, field: str,
                seen: list[tuple[str, str]]) -> CaseSample:
    if form == "reported":
        if method != "bayes":
            raise ScenarioError("the `reported` form needs method 'bayes' (the bootstrap has no observed "
                                "counts to resample)", field=f"{field}.method")
        n, reports = _parse_reported(raw, settings, field, seen)
        out = CaseSample("reported", method, float(prior), (), source=source, n=n, reports=reports)
        _check_compositions(order, out, field)
        return out
    if form == "transitions":
        counts = _parse_transitions(raw["transitions"], settings, f"{field}.transitions", seen)
        return CaseSample("transitions", method, float(prior), _aggregate(counts, order), source=source)

    rel = raw["cases"]
    if not isinstance(rel, str) or not rel.strip() or "\x00" in rel or len(rel) > 4000:
        raise ScenarioError("must be the path of a CSV file, relative to the scenario", field=f"{field}.cases")
    try:
        path = (base_dir / rel).resolve()
    except (OSError, RuntimeError) as exc:  # e.g. a symlink loop
        raise ScenarioError(f"cannot be used: {exc}", field=f"{field}.cases") from None
    if not allow_outside and not path.is_relative_to(base_dir.resolve()):
        raise ScenarioError(f"{rel!r} is outside the scenario's folder; move it there or pass --allow-outside",
                            field=f"{field}.cases")
    cases = read_cases(path, settings, shown=rel, normalised=seen)
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
        out.append((cur, ideal, count))
    if sum(c for _, _, c in out) == 0:
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
    from ..inputs.money import parse_share

    if "n" not in raw:
        raise ScenarioError("missing; the `reported` form needs `n`, the number of cases reviewed",
                            field=f"{field}.n")
    n = _whole(raw["n"], f"{field}.n", 1, ">= 1 (the number of cases reviewed)")
    items = raw["reported"]
    if not isinstance(items, list) or not items:
        raise ScenarioError("must be a non-empty list of { current, ideal, share, cases } or "
                            "{ current, ideal, count } tables", field=f"{field}.reported")
    reports = []
    seen: dict[tuple[str, str], int] = {}
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
        if (cur, ideal) in seen:
            raise ScenarioError(f"repeats the finding {cur} → {ideal} of reported[{seen[(cur, ideal)]}]; "
                                "give each pair once", field=f)
        seen[(cur, ideal)] = i
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
        new_total = total[:, None] + sizes[None, :]
        keep = new_total <= n
        if int(keep.sum()) > MAX_COMPOSITIONS:
            raise ValueError(f"more than {MAX_COMPOSITIONS:,} possible compositions")
        rows, cols = np.nonzero(keep)
        idx = np.column_stack([idx[rows], cols])
        total = new_total[rows, cols]
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


def _reported_design(settings: tuple[str, ...], sample: CaseSample) -> Design:
    """The cell layout of :func:`build_design` with one set of counts per composition.

    A row's cells are "stay" then each reported destination; the row's cases
    not reported as moving (already ideal, or not mentioned) count as "stay",
    because auditor scales up only the moves the panel is reported to have made.
    """
    index = {k: i for i, k in enumerate(settings)}
    currents, sizes, counts = enumerate_compositions(settings, sample)
    n_comp = sizes.shape[0]
    moves, row_of_move, starts, move_cols, shares = [], [], [], [], []
    columns: list[np.ndarray] = []
    row_n, row_counts = [], []
    for j, cur in enumerate(currents):
        reps = [r for r in sample.reports if r.current == cur]
        movers = sorted((i for i, r in enumerate(reps) if r.ideal != cur),
                        key=lambda i: index[reps[i].ideal])
        movers = [i for i in movers if reps[i].share or reps[i].count]
        if not movers:
            continue
        kept = len(starts)
        starts.append(len(columns))
        moved = counts[j][:, movers]
        columns.append(sizes[:, j] - moved.sum(axis=1))
        for col, i in enumerate(movers):
            r = reps[i]
            moves.append((index[cur], index[r.ideal]))
            row_of_move.append(kept)
            move_cols.append(len(columns))
            columns.append(moved[:, col])
            # The published method multiplies the cohort by the share as published; an
            # exact count has no published share, so the count over the mean sub-group
            # size stands in (a mean of count/m would be dominated by the smallest m).
            shares.append(r.share if r.share is not None else float(moved[:, col].mean() / sizes[:, j].mean()))
        row_n.append(int(round(float(sizes[:, j].mean()))))
        row_counts.append(np.array([c[0] for c in columns[starts[-1]:]], dtype=np.int64))
    comp = np.column_stack(columns).astype(float) if columns else np.zeros((n_comp, 0))
    return Design(
        settings=settings,
        moves=tuple(moves),
        row_of_move=np.array(row_of_move, dtype=np.intp),
        alpha=comp.mean(axis=0) + sample.prior,
        row_starts=np.array(starts, dtype=np.intp),
        move_cols=np.array(move_cols, dtype=np.intp),
        row_n=np.array(row_n, dtype=np.int64),
        row_counts=tuple(row_counts),
        observed_shares=np.array(shares, dtype=float),
        compositions=comp,
        composition_sizes=sizes,
        composition_settings=currents,
        prior=sample.prior,
    )


def draw_compositions(design: Design, rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw one composition per draw, uniformly over every consistent split.

    The prior over the unpublished sub-group sizes is uniform over the joint
    set of splits that satisfy every report (enumerated once in
    :func:`build_design`); ``rng.integers`` keeps the first ``m`` draws
    independent of ``size``.

    Returns
    -------
    ndarray of int, shape (size,)
        Row indices into ``design.compositions``.
    """
    return rng.integers(0, design.compositions.shape[0], size=size)
