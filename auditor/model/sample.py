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
           "possible_moves", "cell_prior", "composition_weights", "PERKS", "NAMED_PRIORS", "UNSEEN_RULES",
           "SPLIT_WEIGHTS",
           "draw_compositions", "enumerate_compositions", "read_cases", "canonical_key", "SAMPLE_METHODS",
           "SHARE_TOLERANCE", "MAX_COMPOSITIONS"]

SAMPLE_METHODS = ("bayes", "bootstrap")
JEFFREYS = 0.5
# The default prior: each of a row's K cells gets 1/K (Perks 1947; Berger, Bernardo
# and Sun 2015), which is Jeffreys' ½ for a row of two cells (stay, one move) and
# keeps the prior's total weight at one case however many moves are possible.
PERKS = "perks"
# Named priors a scenario may give instead of a number.
NAMED_PRIORS = {"perks": PERKS, "jeffreys": JEFFREYS, "kerman": 1.0 / 3.0, "uniform": 1.0}
UNSEEN_RULES = ("cheaper", "all", "none")
SPLIT_WEIGHTS = ("uniform", "per_size")
# Iterative proportional fitting sweeps for the `per_size` weights (West Sussex:
# 300 sweeps put every sub-group size within 0.01 of its limit, in ~0.1 s).
SWEEPS = 300
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
    prior : float or "perks"
        Dirichlet pseudo-count per cell: ``"perks"`` (the default) gives each
        of a row's K cells 1/K; a number gives every cell that count.
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
    # Which moves nobody in the review made still get prior probability (see
    # :func:`possible_moves`): "cheaper" (default), "all" or "none", plus moves the
    # scenario declares possible or impossible, each (current, ideal, reason).
    unseen: str = "cheaper"
    possible: tuple[tuple[str, str, str], ...] = ()
    impossible: tuple[tuple[str, str, str], ...] = ()
    # `reported` form: how the consistent splits of the n cases are weighted.
    splits: str = "uniform"

    @property
    def n_cases(self) -> int:
        if self.form == "reported":
            return int(self.n or 0)
        return sum(c for _, _, c in self.counts)


@dataclass(frozen=True)
class Design:
    """The review as arrays: rows, cells and which cells are moves.

    A row is a reviewed current setting with at least one move cell: a move
    some reviewed case made, or a possible move nobody made (see
    :func:`possible_moves`). A row with no move cell contributes nothing to
    the savings under any draw and is left out (it is still named in
    ``quiet_rows`` when no reviewed case in it moved).
    """

    settings: tuple[str, ...]
    moves: tuple[tuple[int, int], ...]        # (from index, to index) per move cell
    row_of_move: np.ndarray                   # which kept row each move belongs to
    alpha: np.ndarray                         # concatenated Dirichlet parameters, stay first per row
    row_starts: np.ndarray                    # start of each kept row in ``alpha``
    move_cols: np.ndarray                     # column of each move in ``alpha``
    row_n: np.ndarray                         # cases per kept row
    row_counts: tuple[np.ndarray, ...]        # observed counts per kept row (stay first)
    observed_shares: np.ndarray               # k[s→t] / n_s per move (0 for an unseen move)
    # ``reported`` form only: every composition consistent with the reports, as
    # counts per cell (one row per composition, columns as ``alpha``), and the
    # sub-group size of each reported current setting.
    compositions: np.ndarray | None = None
    composition_sizes: np.ndarray | None = None
    composition_settings: tuple[str, ...] = ()
    prior: float | str = PERKS
    # The prior pseudo-count of each cell (columns as ``alpha``).
    prior_alpha: np.ndarray | None = None
    # True for a move cell no reviewed case made (in no consistent split, for `reported`).
    unseen: np.ndarray | None = None
    # Reviewed current settings in which no reviewed case moved.
    quiet_rows: tuple[str, ...] = ()
    # `reported` form: probability of each composition (None: uniform).
    composition_weights: np.ndarray | None = None

    @property
    def n_cells(self) -> int:
        return int(self.alpha.size)


def cell_prior(prior: float | str, width: int) -> float:
    """The pseudo-count of each cell of a row of ``width`` cells.

    Examples
    --------
    >>> cell_prior("perks", 2), cell_prior("perks", 4), cell_prior(0.5, 4)
    (0.5, 0.25, 0.5)
    """
    return 1.0 / width if prior == PERKS else float(prior)


def possible_moves(settings: tuple[str, ...], sample: CaseSample, cost_mean) -> frozenset[tuple[int, int]]:
    """The moves that keep a prior probability although no reviewed case made them.

    ``unseen = "cheaper"`` (the default): from every reviewed setting, a move
    to each setting cheaper at mean cost, the kind of move a placement review
    looks for; ``"all"``: to every other setting; ``"none"``: only moves some
    reviewed case made. Moves in ``sample.possible`` are added and moves in
    ``sample.impossible`` (structural zeros) removed.

    Examples
    --------
    >>> s = CaseSample("transitions", "bayes", "perks", (("a", "a", 3), ("a", "b", 1)))
    >>> sorted(possible_moves(("a", "b", "c"), s, [30.0, 10.0, 20.0]))
    [(0, 1), (0, 2)]
    """
    index = {k: i for i, k in enumerate(settings)}
    rows = {index[c] for c, _, _ in sample.counts} | {index[r.current] for r in sample.reports}
    out: set[tuple[int, int]] = set()
    for i in rows:
        for j in range(len(settings)):
            if j != i and (sample.unseen == "all" or (sample.unseen == "cheaper" and cost_mean[j] < cost_mean[i])):
                out.add((i, j))
    out |= {(index[a], index[b]) for a, b, _ in sample.possible}
    out -= {(index[a], index[b]) for a, b, _ in sample.impossible}
    return frozenset(out)


def build_design(settings: tuple[str, ...], sample: CaseSample,
                 possible: frozenset[tuple[int, int]] = frozenset()) -> Design:
    """Arrange the counts into rows and cells (see the module notes).

    ``possible`` (from :func:`possible_moves`) lists moves that get a cell, and
    so prior probability, even when no reviewed case made them.

    Examples
    --------
    >>> s = CaseSample("transitions", "bayes", 0.5, (("a", "a", 3), ("a", "b", 6)))
    >>> d = build_design(("a", "b"), s)
    >>> d.moves, d.alpha.tolist(), d.observed_shares.round(3).tolist()
    (((0, 1),), [3.5, 6.5], [0.667])

    A row in which nobody moved keeps the possible move, at the prior only:

    >>> s = CaseSample("transitions", "bayes", "perks", (("a", "a", 5),))
    >>> d = build_design(("a", "b"), s, frozenset({(0, 1)}))
    >>> d.alpha.tolist(), d.unseen.tolist(), d.quiet_rows
    ([5.5, 0.5], [True], ('a',))
    """
    if sample.form == "reported":
        return _reported_design(settings, sample, possible)
    index = {k: i for i, k in enumerate(settings)}
    table: dict[int, dict[int, int]] = {}
    for cur, ideal, count in sample.counts:
        row = table.setdefault(index[cur], {})
        row[index[ideal]] = row.get(index[ideal], 0) + count
    moves, row_of_move, alpha, starts, move_cols, row_n, row_counts, shares = [], [], [], [], [], [], [], []
    prior_alpha, unseen, quiet = [], [], []
    for r_idx in sorted(table):
        row = table[r_idx]
        n = sum(row.values())
        if n == 0:
            continue
        seen = {t for t in row if t != r_idx and row[t] > 0}
        if not seen:
            quiet.append(settings[r_idx])
        dests = sorted(seen | {t for s_, t in possible if s_ == r_idx})
        if not dests:
            continue
        kept = len(starts)
        starts.append(len(alpha))
        counts = [row.get(r_idx, 0)] + [row.get(t, 0) for t in dests]
        row_counts.append(np.array(counts, dtype=np.int64))
        row_n.append(n)
        a = cell_prior(sample.prior, len(counts))
        prior_alpha += [a] * len(counts)
        alpha.append(counts[0] + a)
        for t, k in zip(dests, counts[1:]):
            moves.append((r_idx, t))
            row_of_move.append(kept)
            move_cols.append(len(alpha))
            alpha.append(k + a)
            shares.append(k / n)
            unseen.append(k == 0)
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
        prior=sample.prior,
        prior_alpha=np.array(prior_alpha, dtype=float),
        unseen=np.array(unseen, dtype=bool),
        quiet_rows=tuple(quiet),
    )


def draw_shares(design: Design, method: str, rng: np.random.Generator, size: int, *,
                composition: np.ndarray | None = None,
                rng_cases: np.random.Generator | None = None,
                case_sums: np.ndarray | None = None) -> np.ndarray:
    """Draw the share of each move cell, shape ``(size, n_moves)``.

    ``bayes`` uses one ``standard_gamma`` call for all cells (a Dirichlet is a
    set of independent gammas divided by their row total), so the first ``m``
    rows of a draw of ``size`` do not depend on ``size``. With ``composition``
    (indices from :func:`draw_compositions`, ``reported`` form), each draw's
    Dirichlet parameters are its own composition's counts plus the prior,
    drawn by :func:`_frozen_gammas` (``rng_cases`` gives the per-case
    exponentials; by default they follow the gammas in ``rng``). A review with
    only one consistent split is drawn as its counts would be.

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
    if composition is not None and design.compositions.shape[0] > 1:
        gammas = _frozen_gammas(design, composition, rng, rng if rng_cases is None else rng_cases, size,
                                case_sums)
        return _dirichlet_shares(design, gammas)
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


def _frozen_gammas(design: Design, composition: np.ndarray, rng: np.random.Generator,
                   rng_cases: np.random.Generator, size: int,
                   case_sums: np.ndarray | None = None) -> np.ndarray:
    """Gamma(k + a) for each draw's composition counts k, from inputs that do not depend on k.

    A Gamma(k + a) variate is a Gamma(a) variate plus the sum of k independent
    standard exponentials (gamma additivity), so each cell draws one Gamma(a)
    with its fixed prior ``a`` and as many exponentials as its largest count
    over the consistent splits, and each draw adds up the first k of them
    (:func:`case_sums`, which ``case_sums`` may give precomputed). The
    random numbers consumed are the same whatever split is drawn: when the
    split changes (sensitivity analysis swaps the composition stream) the
    sampling input stays frozen, which pick-freeze estimators need and which
    ``standard_gamma(k + a)``, a rejection sampler, cannot give.

    Examples
    --------
    The first draw adds a Gamma(a) to its composition's first k exponentials:

    >>> s = CaseSample("transitions", "bayes", 0.5, (("a", "a", 3), ("a", "b", 6)))
    >>> d = build_design(("a", "b"), s)
    >>> d = replace(d, compositions=np.array([[3.0, 6.0], [1.0, 2.0]]), prior_alpha=np.array([0.5, 0.5]))
    >>> g = _frozen_gammas(d, np.array([1]), np.random.default_rng(0), np.random.default_rng(1), 1)
    >>> e = np.random.default_rng(1).standard_exponential((1, 9))
    >>> g0 = np.random.default_rng(0).standard_gamma([0.5, 0.5], size=(1, 2))
    >>> bool(np.allclose(g, g0 + [e[0, :1].sum(), e[0, 3:5].sum()]))
    True
    """
    gammas = rng.standard_gamma(design.prior_alpha, size=(size, design.n_cells))
    if case_sums is None:
        case_sums = case_sums_for(design, composition, rng_cases, size)
    return np.add(gammas, case_sums, out=gammas)


def case_sums_for(design: Design, composition: np.ndarray, rng_cases: np.random.Generator,
                  size: int) -> np.ndarray:
    """Per draw and cell, the sum of the first k of the cell's exponentials (k: the drawn split's count).

    The exponentials do not depend on the prior, so analyses that change only
    the prior (:func:`auditor.model.engine.restage`) reuse these sums.
    """
    counts = np.take(design.compositions, composition, axis=0).astype(np.intp)
    widths = design.compositions.max(axis=0).astype(np.intp)
    exps = rng_cases.standard_exponential((size, int(widths.sum())))
    out = np.zeros((size, design.n_cells))
    offset = 0
    for col, width in enumerate(widths.tolist()):
        if width:
            sums = np.cumsum(exps[:, offset:offset + width], axis=1)
            k = counts[:, col]
            picked = np.take_along_axis(sums, np.maximum(k - 1, 0)[:, None], axis=1)[:, 0]
            out[:, col] = np.where(k > 0, picked, 0.0)
            offset += width
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
    allowed = {"cases", "transitions", "reported", "n", "method", "prior", "source", "note", "unseen",
               "possible", "impossible", "splits"}
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
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        raise ScenarioError("must be a string", field=f"{field}.source")

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
                      field, seen)
    made = {(c, i) for c, i, k in out.counts if k > 0 and c != i}
    made |= {(r.current, r.ideal) for r in out.reports if r.current != r.ideal and (r.share or r.count)}
    for i, (a, b, _) in enumerate(declared["impossible"]):
        if (a, b) in made:
            raise ScenarioError(f"{a} → {b} cannot be impossible: the review judged a case ideal there",
                                field=f"{field}.impossible[{i}]")
    return replace(out, normalised=tuple(dict.fromkeys(seen)), unseen=unseen, splits=splits, **declared)


def _parse_prior(value: object, field: str) -> float | str:
    """A named prior ("perks", "jeffreys", "kerman", "uniform") or a pseudo-count > 0."""
    if isinstance(value, str) and value in NAMED_PRIORS:
        return NAMED_PRIORS[value]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
        raise ScenarioError(f"must be one of {', '.join(NAMED_PRIORS)} or a number > 0 (a pseudo-count per "
                            f"cell; 0.5 is Jeffreys, 1 is uniform), got {value!r}", field=field)
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
                seen: list[tuple[str, str]]) -> CaseSample:
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
    if not isinstance(rel, str) or not rel.strip():
        raise ScenarioError("must be the path of a CSV file, relative to the scenario", field=f"{field}.cases")
    path = (base_dir / rel).resolve()
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
        cur = _resolve(row[pos["current"]], settings, "current", path=name, line=line, error=DataError,
                       seen=normalised)
        ideal = _resolve(row[pos["ideal"]], settings, "ideal", path=name, line=line, error=DataError,
                         seen=normalised)
        reason = row[pos["reason"]] if "reason" in pos and row[pos["reason"]] else None
        cases.append(Case(cid, cur, ideal, reason, line))
    if not cases:
        raise DataError("has a header but no cases", path=name)
    return tuple(cases)


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


def _reported_design(settings: tuple[str, ...], sample: CaseSample,
                     possible: frozenset[tuple[int, int]] = frozenset()) -> Design:
    """The cell layout of :func:`build_design` with one set of counts per composition.

    A row's cells are "stay", then each reported destination and each
    possible unseen one in setting order; the row's cases not reported as
    moving (already ideal, or not mentioned) count as "stay". A possible move
    no finding mentions has 0 cases in every split.
    """
    index = {k: i for i, k in enumerate(settings)}
    currents, sizes, counts = enumerate_compositions(settings, sample)
    weights = composition_weights(sizes, sample.splits)
    w = np.full(sizes.shape[0], 1.0 / sizes.shape[0]) if weights is None else weights
    n_comp = sizes.shape[0]
    moves, row_of_move, starts, move_cols, shares, prior_alpha, unseen, quiet = [], [], [], [], [], [], [], []
    columns: list[np.ndarray] = []
    row_n, row_counts = [], []
    for j, cur in enumerate(currents):
        reps = [r for r in sample.reports if r.current == cur]
        movers = {reps[i].ideal: i for i, r in enumerate(reps)
                  if r.ideal != cur and (r.share or r.count)}
        if not movers:
            quiet.append(cur)
        dests = sorted(set(movers) | {settings[t] for f, t in possible if f == index[cur]}, key=index.__getitem__)
        if not dests:
            continue
        kept = len(starts)
        starts.append(len(columns))
        moved = {t: counts[j][:, movers[t]] if t in movers else np.zeros(n_comp, dtype=np.int64) for t in dests}
        columns.append(sizes[:, j] - sum(moved.values()))
        a = cell_prior(sample.prior, len(dests) + 1)
        prior_alpha += [a] * (len(dests) + 1)
        for t in dests:
            moves.append((index[cur], index[t]))
            row_of_move.append(kept)
            move_cols.append(len(columns))
            columns.append(moved[t])
            r = reps[movers[t]] if t in movers else None
            # The published method multiplies the cohort by the share as published. An
            # exact count has no published share: it stands at its expected share over
            # the splits, count/m weighted as the sampling stage weights the splits, so
            # the point estimate and the sampling stage agree on the unknown sizes.
            if r is None:
                shares.append(0.0)
            elif r.share is not None:
                shares.append(r.share)
            else:
                shares.append(float(np.dot(w, moved[t] / sizes[:, j])))
            unseen.append(not bool(moved[t].any()))
        row_n.append(int(round(float(np.dot(w, sizes[:, j])))))
        row_counts.append(np.array([c[0] for c in columns[starts[-1]:]], dtype=np.int64))
    comp = np.column_stack(columns).astype(float) if columns else np.zeros((n_comp, 0))
    pa = np.array(prior_alpha, dtype=float)
    return Design(
        settings=settings,
        moves=tuple(moves),
        row_of_move=np.array(row_of_move, dtype=np.intp),
        alpha=w @ comp + pa if columns else pa,
        row_starts=np.array(starts, dtype=np.intp),
        move_cols=np.array(move_cols, dtype=np.intp),
        row_n=np.array(row_n, dtype=np.int64),
        row_counts=tuple(row_counts),
        observed_shares=np.array(shares, dtype=float),
        compositions=comp,
        composition_sizes=sizes,
        composition_settings=currents,
        prior=sample.prior,
        prior_alpha=pa,
        unseen=np.array(unseen, dtype=bool),
        quiet_rows=tuple(quiet),
        composition_weights=weights,
    )


def draw_compositions(design: Design, rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw one composition per draw, by default uniformly over every consistent split.

    The prior over the unpublished sub-group sizes is uniform over the joint
    set of splits that satisfy every report (enumerated once in
    :func:`build_design`); ``rng.integers`` keeps the first ``m`` draws
    independent of ``size``. With ``design.composition_weights`` (the
    ``per_size`` weighting, :func:`per_size_weights`) each draw inverts the
    weights' cumulative sum at one uniform.

    Returns
    -------
    ndarray of int, shape (size,)
        Row indices into ``design.compositions``.
    """
    w = design.composition_weights
    if w is None:
        return rng.integers(0, design.compositions.shape[0], size=size)
    cum = np.cumsum(w)
    idx = np.searchsorted(cum, rng.random(size) * cum[-1], side="right")
    return np.minimum(idx, w.size - 1)


def composition_weights(sizes: np.ndarray, rule: str) -> np.ndarray | None:
    """The probability of each consistent split under a weighting rule.

    ``uniform``: every split equally likely (None). Each sub-group's size is
    then *not* uniform: a size that leaves more room for the others appears in
    more splits. ``per_size``: the weights closest to uniform (least relative
    entropy) under which every sub-group's size is uniform over its feasible
    sizes, found by iterative proportional fitting (Deming and Stephan 1940);
    where uniform sizes can only be reached in the limit (some splits' weights
    tending to 0) it stops after :data:`SWEEPS` sweeps or when every size is
    within 1e-6 of uniform.

    Examples
    --------
    Two sub-groups of 1–3 cases in a review of 4: (1,1), (1,2), (1,3), (2,1),
    (2,2), (3,1). Uniform over splits makes size 1 three times as likely as 3:

    >>> sizes = np.array([[1, 1], [1, 2], [1, 3], [2, 1], [2, 2], [3, 1]])
    >>> w = composition_weights(sizes, "per_size")
    >>> [round(float(w[sizes[:, 0] == m].sum()), 2) for m in (1, 2, 3)]
    [0.33, 0.33, 0.33]
    """
    if rule == "uniform":
        return None
    w = np.full(sizes.shape[0], 1.0 / sizes.shape[0])
    groups = []
    for j in range(sizes.shape[1]):
        values, inverse = np.unique(sizes[:, j], return_inverse=True)
        groups.append((inverse, values.size))
    for sweep in range(SWEEPS):
        for inverse, n_values in groups:
            marginal = np.bincount(inverse, weights=w, minlength=n_values)
            w = w / (marginal[inverse] * n_values)
        w /= w.sum()
        if sweep % 10 == 9:
            worst = max(np.abs(np.bincount(inv, weights=w, minlength=k) - 1.0 / k).max() for inv, k in groups)
            if worst < 1e-6:
                break
    return w
