"""The sensitivity report: ``sensitivity.json``, ``sensitivity.md`` and figures.

:func:`write_sensitivity` writes everything into a temporary folder and renames it
into place (:class:`auditor.report.atomic_dir`). The figure functions draw on a
given Axes or a new Figure (never pyplot state), in the Okabe–Ito colours of
:mod:`auditor.report.figures`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..inputs.money import format_money as m, format_per
from . import atomic_dir, json_text
from .figures import PALETTE, new_axes, save

__all__ = ["write_sensitivity", "render_sensitivity", "sensitivity_json", "FIGURES",
           "variance_share", "tornado", "sample_size", "grid"]

FIGURES = ("variance_share", "tornado", "sample_size", "grid")


# ---- figures -------------------------------------------------------------------------------------

def variance_share(result, ax=None):
    """First-order and total Sobol index of each source, with bootstrap intervals."""
    from ..analysis.sensitivity import SOURCE_LABELS

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
        ax.barh(y, lo - base, left=base, color=PALETTE["bad"], height=0.6,
                label="input at 5th percentile" if y == ys[0] else None)
        ax.barh(y, hi - base, left=base, color=PALETTE["good"], height=0.6,
                label="input at 95th percentile" if y == ys[0] else None)
    ax.axvline(base, color=PALETTE["point"], lw=1)
    ax.axvline(result.scenario.claim.low / 1e6, color=PALETTE["claim"], lw=1.5, label="claim's low end")
    ax.set_yticks(ys, [r["label"] for r in rows], fontsize=8)
    ax.set_xlabel(f"Point-style estimate, £m {format_per(result.scenario.claim.per)}")
    ax.set_title("One input at a time (the others at their central values)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
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
    im = ax.imshow(p, origin="lower", cmap="cividis", vmin=0, vmax=1, aspect="auto")
    for i in range(len(th)):
        for j in range(len(re)):
            ax.text(j, i, f"{med[i, j]:.0f}", ha="center", va="center", fontsize=6,
                    color="black" if p[i, j] > 0.5 else "white")
    ax.set_xticks(range(len(re)), [f"{r:g}" for r in re], fontsize=7)
    ax.set_yticks(range(len(th)), [f"{t:g}" for t in th], fontsize=7)
    ax.set_xlabel("Realisation (share of judged moves that happen)")
    ax.set_ylabel("Judgement reliability θ")
    for key, marker, colour, label in (("published", "*", PALETTE["claim"], "published assumptions"),
                                       ("scenario", "o", PALETTE["bad"], "this scenario's central values")):
        pt = g[key]
        x, y = _index(re, pt["realisation"]), _index(th, pt["theta"])
        ax.plot(x, y, marker, ms=14, mfc="none", mec=colour, mew=2, label=label)
    ax.figure.colorbar(im, ax=ax, label="P(savings ≥ claim's low end)")
    ax.set_title("Chance of reaching the claim's low end (cells: median, £m)", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8, frameon=False)
    return ax


def _index(values, x: float) -> float:
    """Fractional position of ``x`` on a grid axis (for markers between cells)."""
    return float(np.interp(x, values, np.arange(len(values))))


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=0)


# ---- markdown -----------------------------------------------------------------------------------

def _num(x: float | None, money: bool) -> str:
    if x is None:
        return "—"
    return m(x) if money else f"{x:.3g}"


def render_sensitivity(result) -> str:
    """``sensitivity.md``: every section in plain words, then the tables."""
    from ..analysis.sensitivity import SOURCE_LABELS, TARGET_HALF_WIDTH, plateau

    s = result.scenario
    c = s.claim
    per = format_per(c.per)
    out = [f"# Sensitivity: {s.title}", "",
           f"Published claim {m(c.low)}–{m(c.high)} {per}; published-style point estimate "
           f"{m(result.point_estimate)}. Draws per evaluation {result.draws:,}, seed {result.seed}.", ""]

    out += ["## How fragile is the claim?", ""]
    f = result.fragility
    if f is None:
        out += ["Not available: the review is given as reported shares, not as cases or counts.", ""]
    else:
        out += [f.sentence(c.low), ""]
        if f.reversed_for_low:
            out += [f"The judgements that carry the most: {', '.join(f.reversed_for_low)}.", ""]
        hi = f.judgements_to_reverse_for_high
        out += ["For the claim's high end: " + (
            "the point estimate is already below it." if hi == 0 else
            "no set of reversals brings the point estimate below it." if hi is None else
            f"{hi} reversals bring the point estimate below it."), ""]
        out += ["A reversal changes one down-shift judgement (a move to a cheaper setting) to \"already "
                "ideal\". Each reversal lowers the point estimate by a fixed amount, so taking the largest "
                "first gives the fewest.", ""]

    out += ["## Which source drives the width?", "",
            "Grouped Sobol indices: the share of the variance of the audited savings due to each source "
            "alone (first order, Saltelli et al. 2010) and including its interactions with the others "
            "(total, Jansen 1999), with 90% bootstrap intervals. A source fixed in this scenario shows 0.", "",
            "| source | first order | total |", "|---|---|---|"]
    for k, v in result.variance_share.items():
        out.append(f"| {SOURCE_LABELS.get(k, k)} | {v.first:.0%} ({v.first_ci[0]:.0%}–{v.first_ci[1]:.0%}) | "
                   f"{v.total:.0%} ({v.total_ci[0]:.0%}–{v.total_ci[1]:.0%}) |")
    out += ["", "![variance shares](figures/variance_share.png)", ""]

    out += ["## Which cases matter most?", ""]
    if result.case_influence:
        out += ["Change in the point estimate when one case (one cell, for count data) is left out; the five "
                "largest.", "", "| case | current | judged ideal | point without it | change |",
                "|---|---|---|---|---|"]
        for r in result.case_influence[:5]:
            out.append(f"| {r['case']} | {r['current']} | {r['ideal']} | {m(r['point_without'])} | "
                       f"{m(r['change'])} |")
        out.append("")
    else:
        out += ["Not available for reported shares.", ""]

    out += ["## Switching values", "",
            f"The value of each input at which the median audited saving equals the claim's low end "
            f"({m(c.low)}), other inputs as in the scenario and the same random draws throughout. "
            "\"—\" means no such value in the searched range.", "",
            "| input | now | switching value | searched | claim missed when input is |", "|---|---|---|---|---|"]
    for v in result.switching_values:
        money = v.input.startswith("cost.")
        side = v.below_when or "—"
        if v.value is not None and v.within_input_range is not None:
            side += " (inside the scenario's range)" if v.within_input_range else " (outside the scenario's range)"
        out.append(f"| {v.label} | {_num(v.current, money)} | {_num(v.value, money)} | "
                   f"{_num(v.search_range[0], money)} to {_num(v.search_range[1], money)} | {side} |")
    out.append("")

    out += ["## One input at a time (tornado)", "",
            f"Each input at its 5th and 95th percentile, the others at their central values, on the "
            f"point-style estimate ({m(result.tornado_base)} at central values). One-at-a-time bars cannot "
            "show interactions or several inputs being unfavourable together, and the savings are a product "
            "of inputs, so read them with the variance shares above.", "",
            "| input | at 5th percentile | at 95th percentile |", "|---|---|---|"]
    for r in result.tornado:
        out.append(f"| {r['label']} | {m(r['at_low'])} | {m(r['at_high'])} |")
    out += ["", "![tornado](figures/tornado.png)", ""]

    rows = list(result.sample_size)
    plat = plateau(rows)
    out += ["## What sample would settle it?", "",
            "The audit rerun as if a review of n cases had found the same shares (counts scaled, Dirichlet "
            "posterior; other sources as in the scenario).", "",
            "| cases | median | 90% interval | P(≥ claim low) | sampling alone, 90% |", "|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['n']} | {m(r['median'])} | {m(r['p05'])} to {m(r['p95'])} | {r['p_meets_low']:.0%} | "
                   f"{m(r['sampling_p05'])} to {m(r['sampling_p95'])} |")
    out.append("")
    if result.sample_size_for_target is not None:
        out.append(f"Sampling alone would give a 90% interval within ±{TARGET_HALF_WIDTH:.0%} of the point "
                   f"estimate at about {result.sample_size_for_target:,} cases.")
    if plat is not None:
        out.append(f"Beyond about {plat} cases, doubling the review narrows the full interval by less than 10%: "
                   "judgement, costs and implementation then dominate, and more cases reviewed by the same "
                   "panel cannot remove them.")
    out += ["", "![sample size](figures/sample_size.png)", ""]

    out += ["## Judgement reliability × realisation", "",
            "Colour: chance the audited saving reaches the claim's low end; numbers: median (£m). The star "
            "marks the published assumptions (every judgement right, every move happens); the circle this "
            "scenario's central values.", "", "![grid](figures/grid.png)", ""]
    return "\n".join(out)


def sensitivity_json(result) -> str:
    """``sensitivity.json`` text: UTF-8, no NaN or infinity."""
    return json_text(result.summary())


def write_sensitivity(result, out: str | Path) -> Path:
    """Write ``sensitivity.json``, ``sensitivity.md`` and ``figures/*.png`` into ``out`` atomically."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    out = Path(out)
    with atomic_dir(out, kind="sensitivity") as tmp:
        (tmp / "sensitivity.json").write_text(sensitivity_json(result), encoding="utf-8")
        fig_dir = tmp / "figures"
        fig_dir.mkdir()
        for name in FIGURES:
            save(globals()[name](result), fig_dir / f"{name}.png")
        (tmp / "sensitivity.md").write_text(render_sensitivity(result), encoding="utf-8")
    return out
