"""Figures of the sensitivity analysis, drawn on a given Axes or a new Figure.

Each function takes a :class:`auditor.results.SensitivityResult` (or anything
with the same attributes) and returns the Axes, in the Okabe–Ito colours of
:mod:`auditor.figures.audit`.
"""

from __future__ import annotations

import numpy as np

from ..analysis.sensitivity import SOURCE_LABELS
from ..inputs.money import format_per
from ..safetext import for_matplotlib
from .audit import PALETTE, new_axes

__all__ = ["FIGURES", "variance_share", "tornado", "sample_size", "grid"]

FIGURES = ("variance_share", "tornado", "sample_size", "grid")


def variance_share(result, ax=None):
    """First-order and total Sobol index of each source, with bootstrap intervals."""
    ax = ax if ax is not None else new_axes(8.0, 3.8)
    items = list(result.variance_share.items())
    ys = np.arange(len(items))[::-1]
    for y, (name, v) in zip(ys, items):
        ax.barh(y + 0.18, v.total, height=0.34, color=PALETTE["audit"], label="Total (with interactions)"
                if y == ys[0] else None)
        ax.barh(y - 0.18, v.first, height=0.34, color=PALETTE["light"], label="First order (alone)"
                if y == ys[0] else None)
        ax.errorbar([v.total, v.first], [y + 0.18, y - 0.18],
                    xerr=[[v.total - v.total_ci[0], v.first - v.first_ci[0]],
                          [v.total_ci[1] - v.total, v.first_ci[1] - v.first]],
                    fmt="none", ecolor=PALETTE["point"], lw=1, capsize=2)
    ax.set_yticks(ys, [SOURCE_LABELS.get(k, k) + ("" if v.varies else "\n(fixed here)") for k, v in items])
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("Share of the variance of audited savings")
    ax.set_title("Which source of uncertainty drives the width\n(grouped Sobol indices, 90% bootstrap bars)",
                 fontsize=10)
    ax.xaxis.set_major_formatter(_percent())
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return ax


def tornado(result, ax=None):
    """One-at-a-time bars around the point-style estimate, with the claim's low end."""
    ax = ax if ax is not None else new_axes(8.0, 4.2)
    rows = list(result.tornado)
    base = result.tornado_base / 1e6
    ys = np.arange(len(rows))[::-1]
    for y, r in zip(ys, rows):
        lo, hi = r["at_low"] / 1e6, r["at_high"] / 1e6
        if lo == hi == base:
            # An input that moves nothing here (fixed, or no move uses it): a zero-width bar looks like a gap.
            ax.annotate("no effect", (base, y), xytext=(6, 0), textcoords="offset points",
                        va="center", fontsize=8, color="#555555")
            continue
        ax.barh(y, lo - base, left=base, color=PALETTE["bad"], height=0.6,
                label="input at 5th percentile" if y == ys[0] else None)
        ax.barh(y, hi - base, left=base, color=PALETTE["good"], height=0.6,
                label="input at 95th percentile" if y == ys[0] else None)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.axvline(base, color=PALETTE["point"], lw=1)
    ax.axvline(result.scenario.claim.low / 1e6, color=PALETTE["claim"], lw=1.5, label="claim's low end")
    ax.set_yticks(ys, [for_matplotlib(r["label"]) for r in rows], fontsize=8)
    ax.set_xlabel(f"Point-style estimate, £m {format_per(result.scenario.claim.per)}")
    ax.set_title("One input at a time (the others at their central values)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    # Below the plot: inside, it covered the rows at the bottom.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8, frameon=False)
    return ax


def sample_size(result, ax=None):
    """90% interval of audited savings (and of sampling alone) against cases reviewed."""
    ax = ax if ax is not None else new_axes(8.0, 4.2)
    rows = list(result.sample_size)
    n = np.array([r["n"] for r in rows])
    ax.fill_between(n, [r["p05"] / 1e6 for r in rows], [r["p95"] / 1e6 for r in rows],
                    color=PALETTE["audit"], alpha=0.3, lw=0, label="Full audit, 90% interval")
    ax.plot(n, [r["median"] / 1e6 for r in rows], "o-", color=PALETTE["audit"], label="Full audit, median")
    ax.plot(n, [r["sampling_p05"] / 1e6 for r in rows], ":", color=PALETTE["light"])
    ax.plot(n, [r["sampling_p95"] / 1e6 for r in rows], ":", color=PALETTE["light"],
            label="Small sample alone, 90% interval")
    ax.axhline(result.scenario.claim.low / 1e6, color=PALETTE["claim"], lw=1.5, label="claim's low end")
    ax.set_xscale("log", base=2)
    ax.set_xticks(n, [str(v) for v in n])
    ax.set_xlabel("Cases reviewed (same shares as the review found)")
    ax.set_ylabel(f"Savings, £m {format_per(result.scenario.claim.per)}")
    ax.set_title("What a larger review would settle", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8, frameon=False)
    return ax


def grid(result, ax=None):
    """Heatmap of P(≥ claim low) over θ × realisation, medians written in the cells."""
    ax = ax if ax is not None else new_axes(8.0, 6.0)
    g = result.grid
    p = np.array(g["p_meets_low"])
    med = np.array(g["median"]) / 1e6
    th, re = g["theta"], g["realisation"]
    # The colour scale runs over the chances that occur, not 0 to 1, so that differences stay visible when
    # every chance is small; the colour bar says which range it shows.
    vmin, vmax = float(np.nanmin(p)), float(np.nanmax(p))
    if vmax - vmin < 0.05:
        vmin, vmax = max(0.0, vmin - 0.025), min(1.0, vmax + 0.025)
    im = ax.imshow(p, origin="lower", cmap="cividis", vmin=vmin, vmax=vmax, aspect="auto")
    middle = (vmin + vmax) / 2
    for i in range(len(th)):
        for j in range(len(re)):
            ax.text(j, i, f"{med[i, j]:.0f}", ha="center", va="center", fontsize=6,
                    color="black" if p[i, j] > middle else "white")
    ax.set_xticks(range(len(re)), [f"{r:g}" for r in re], fontsize=7)
    ax.set_yticks(range(len(th)), [f"{t:g}" for t in th], fontsize=7)
    ax.set_xlabel("Realisation (share of judged moves that happen)")
    ax.set_ylabel("Judgement reliability θ")
    for key, marker, colour, label in (("published", "*", PALETTE["claim"], "published assumptions"),
                                       ("scenario", "o", PALETTE["bad"], "this scenario's central values")):
        pt = g[key]
        x, y = _index(re, pt["realisation"]), _index(th, pt["theta"])
        ax.plot(x, y, marker, ms=14, mfc="none", mec=colour, mew=2, label=label)
    bar = ax.figure.colorbar(im, ax=ax, format=_percent())
    bar.set_label(f"Chance of reaching the claim's low end\n(colours span {vmin:.0%} to {vmax:.0%}, the range "
                  "in this grid)")
    ax.set_title("Chance of reaching the claim's low end (cells: median, £m)", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8, frameon=False)
    return ax


def _index(values, x: float) -> float:
    """Fractional position of ``x`` on a grid axis (for markers between cells)."""
    return float(np.interp(x, values, np.arange(len(values))))


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=0)
