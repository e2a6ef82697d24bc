"""Coverage study of the sampling stage: does its 90% interval cover the true saving 90% of the time?

Each design is a known population: per reviewed setting, the review's
sub-sample size and the true share of children whose ideal setting is each
other setting. One simulated review draws every row's counts from those true
shares (multinomial), runs the sampling stage exactly as the engine does
(:func:`auditor.model.sample.build_design` and
:func:`auditor.model.sample.draw_shares`) and records whether the true
population saving ``Σ N_s · p[s→t] · (c_s − c_t)`` falls below the 5th
percentile, above the 95th, or inside. The possible moves are the true ones
(what a scenario's ``possible`` / ``impossible`` lists would declare);
designs whose name ends in ``(default moves)`` instead use the default rule
(every cheaper setting possible), so they show what a wrong guess about the
possible moves costs.

Run ``python -m auditor.analysis.coverage`` to print the table that
docs/methods.md §2 shows (about a minute on one core with the defaults).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from ..inputs.sample import PERKS, POOLED, CaseSample
from ..model.sample import build_design, draw_shares, possible_moves

__all__ = ["DESIGNS", "COSTS", "COHORTS", "CoverageDesign", "coverage", "true_saving", "scaled", "main"]

# Mean annual costs and cohorts shaped like West Sussex (scenarios/west-sussex-2023.toml),
# plus a dearer residential setting so that four rows can each have a cheaper destination.
SETTINGS = ("mainstream", "resourced", "state_special", "independent", "residential")
COSTS = np.array([14_276.0, 21_500.0, 20_482.0, 60_118.0, 90_000.0])
COHORTS = np.array([2374.0, 358.0, 1986.0, 416.0, 200.0])


@dataclass(frozen=True)
class CoverageDesign:
    """A known population: ``rows`` is ((setting, cases reviewed, {destination: true share}), ...)."""

    name: str
    rows: tuple[tuple[str, int, dict[str, float]], ...]
    default_moves: bool = False


def _d(name: str, *rows, default_moves: bool = False) -> CoverageDesign:
    return CoverageDesign(name, tuple(rows), default_moves)


DESIGNS = (
    _d("rare moves, often unseen (n 4/10/6/8)",
       ("independent", 4, {"mainstream": 0.1, "state_special": 0.05}), ("state_special", 10, {"mainstream": 0.08}),
       ("resourced", 6, {"mainstream": 0.02}), ("mainstream", 8, {})),
    _d("shares near 1 (0.90-0.95, n 7 each)",
       ("independent", 7, {"mainstream": 0.95}), ("state_special", 7, {"mainstream": 0.9}),
       ("resourced", 7, {"mainstream": 0.92}), ("residential", 7, {"independent": 0.93})),
    _d("unequal rows (n 3/10/15)",
       ("independent", 3, {"mainstream": 0.6}), ("state_special", 10, {"mainstream": 0.3}),
       ("resourced", 15, {"mainstream": 0.5})),
    _d("several destinations per row",
       ("independent", 10, {"mainstream": 0.3, "state_special": 0.2, "resourced": 0.1}),
       ("state_special", 10, {"mainstream": 0.4}), ("resourced", 8, {"mainstream": 0.3})),
    _d("an up-shift row",
       ("independent", 9, {"mainstream": 0.5}), ("state_special", 9, {"mainstream": 0.5}),
       ("mainstream", 10, {"state_special": 0.2})),
    _d("West-Sussex-like (2/3, 2/3, 1 up-shift)",
       ("state_special", 10, {"mainstream": 2 / 3}), ("independent", 9, {"mainstream": 2 / 3}),
       ("mainstream", 9, {"state_special": 1 / 9})),
    _d("one row, rare move (n 28, p 0.05)", ("independent", 28, {"mainstream": 0.05})),
    _d("rare moves (default moves)",
       ("independent", 4, {"mainstream": 0.1, "state_special": 0.05}), ("state_special", 10, {"mainstream": 0.08}),
       ("resourced", 6, {"mainstream": 0.02}), ("mainstream", 8, {}), default_moves=True),
    _d("West-Sussex-like (default moves)",
       ("state_special", 10, {"mainstream": 2 / 3}), ("independent", 9, {"mainstream": 2 / 3}),
       ("mainstream", 9, {"state_special": 1 / 9}), default_moves=True),
)


def scaled(design: CoverageDesign, factor: int) -> CoverageDesign:
    """The same population with ``factor`` times as many cases reviewed in every row.

    Examples
    --------
    >>> [n for _, n, _ in scaled(DESIGNS[2], 4).rows]
    [12, 40, 60]
    """
    rows = tuple((s, n * factor, dests) for s, n, dests in design.rows)
    return CoverageDesign(f"{design.name} x{factor}", rows, design.default_moves)


def true_saving(design: CoverageDesign) -> float:
    """``Σ N_s · p[s→t] · (c_s − c_t)`` over the true moves.

    Examples
    --------
    416 independent-special pupils, half better placed in mainstream:
    416 · 0.5 · (60,118 − 14,276) = 9,535,136.

    >>> d = CoverageDesign("x", (("independent", 9, {"mainstream": 0.5}),))
    >>> round(true_saving(d))
    9535136
    """
    ix = {k: i for i, k in enumerate(SETTINGS)}
    return float(sum(COHORTS[ix[s]] * p * (COSTS[ix[s]] - COSTS[ix[t]])
                     for s, _, dests in design.rows for t, p in dests.items()))


def _sample(design: CoverageDesign, rng: np.random.Generator, method: str, prior) -> CaseSample:
    counts = []
    for s, n, dests in design.rows:
        names = [s] + list(dests)
        p = np.array([1.0 - sum(dests.values())] + list(dests.values()))
        for t, k in zip(names, rng.multinomial(n, p)):
            counts.append((s, t, int(k)))
    possible = () if design.default_moves else tuple(
        (s, t, "true move") for s, _, dests in design.rows for t in dests)
    return CaseSample("transitions", method, prior, tuple(counts),
                      unseen="cheaper" if design.default_moves else "none", possible=possible)


def coverage(design: CoverageDesign, *, method: str = "bayes", prior=PERKS, reviews: int = 1000,
             draws: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Share of simulated reviews whose sampling-stage p05 is above, and p95 below, the truth.

    Returns
    -------
    (miss_low, miss_high) : tuple of float
        ``miss_low``: the truth lies below the interval (the audit is too
        generous to the claim); ``miss_high``: above it (too harsh).
        Coverage is ``1 − miss_low − miss_high``.
    """
    rng = np.random.default_rng(seed)
    truth = true_saving(design)
    below = above = 0
    for _ in range(reviews):
        sample = _sample(design, rng, method, prior)
        d = build_design(SETTINGS, sample, possible_moves(SETTINGS, sample, COSTS), COSTS)
        if not d.moves:
            x = np.zeros(draws)
        else:
            frm = np.array([a for a, _ in d.moves])
            to = np.array([b for _, b in d.moves])
            x = draw_shares(d, method, rng, draws) @ (COHORTS[frm] * (COSTS[frm] - COSTS[to]))
        lo, hi = np.quantile(x, (0.05, 0.95))
        below += truth < lo
        above += truth > hi
    return below / reviews, above / reviews


METHODS = (("bayes (Perks 1/K, default)", "bayes", PERKS), ("bootstrap", "bootstrap", PERKS),
           ("pooled (hierarchical)", "bayes", POOLED),
           ("Jeffreys 1/2", "bayes", 0.5), ("Kerman 1/3", "bayes", 1 / 3), ("uniform 1", "bayes", 1.0))


def main(argv: list[str] | None = None) -> None:
    """Print the coverage table (markdown) for every design and method."""
    ap = argparse.ArgumentParser(prog="python -m auditor.analysis.coverage", description=__doc__.split("\n")[0])
    ap.add_argument("--reviews", type=int, default=1000, help="simulated reviews per cell (default 1000)")
    ap.add_argument("--draws", type=int, default=1000, help="sampling-stage draws per review (default 1000)")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--methods", default="0,1,2,3,4,5", help="which METHODS columns (indices)")
    ap.add_argument("--grow", default="", metavar="FACTORS",
                    help="instead, how the tails move as every row grows: e.g. 1,2,4 (the boundary and "
                         "heterogeneous designs, the first METHODS columns given)")
    ap.add_argument("--pool-n0", type=float, default=None, metavar="N0",
                    help="the pooled prior's shrinkage scale: a fixed n0 instead of the rows' harmonic-mean size")
    args = ap.parse_args(argv)
    from ..model import pooling

    before = pooling.SHRINK_N0
    if args.pool_n0 is not None:
        pooling.SHRINK_N0 = args.pool_n0
    try:
        _run(args)
    finally:
        pooling.SHRINK_N0 = before  # the study's scale must not leak into later audits in this process


def _run(args) -> None:
    if args.grow:
        _grow(args, [int(f) for f in args.grow.split(",")])
        return
    cols = [METHODS[int(i)] for i in args.methods.split(",")]
    print(f"Nominal 90% interval (p05-p95) of the sampling stage; {args.reviews} simulated reviews per cell, "
          f"{args.draws} draws each. Cell: coverage (truth below p05 / truth above p95).\n")
    print("| design | " + " | ".join(c[0] for c in cols) + " |")
    print("| --- |" + " --- |" * len(cols))
    for k, design in enumerate(DESIGNS):
        cells = []
        for label, method, prior in cols:
            lo, hi = coverage(design, method=method, prior=prior, reviews=args.reviews, draws=args.draws,
                              seed=args.seed + k)
            cells.append(f"{1 - lo - hi:.3f} ({lo:.3f} / {hi:.3f})")
        print(f"| {design.name} | " + " | ".join(cells) + " |", flush=True)


#: The designs whose tails the --grow table follows.
GROW_DESIGNS = (0, 1, 2, 3)


def _grow(args, factors: list[int]) -> None:
    """Print coverage (below / above) per design, method and review size multiple."""
    cols = [METHODS[int(i)] for i in args.methods.split(",")]
    print(f"Rows x1, x2, ... cases; {args.reviews} simulated reviews per cell, {args.draws} draws each.\n")
    print("| design | cases per row | " + " | ".join(c[0] for c in cols) + " |")
    print("| --- | --- |" + " --- |" * len(cols))
    for k in GROW_DESIGNS:
        for f in factors:
            design = scaled(DESIGNS[k], f)
            cells = []
            for label, method, prior in cols:
                lo, hi = coverage(design, method=method, prior=prior, reviews=args.reviews, draws=args.draws,
                                  seed=args.seed + k)
                cells.append(f"{1 - lo - hi:.3f} ({lo:.3f} / {hi:.3f})")
            sizes = "/".join(str(n) for _, n, _ in design.rows)
            print(f"| {DESIGNS[k].name} | {sizes} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":  # pragma: no cover - the study's command
    main()
