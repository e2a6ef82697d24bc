"""Figures for reports, drawn on a given Axes or a new Figure (never pyplot state).

Colours are from the Okabe–Ito palette, which stays distinguishable under the
common forms of colour blindness. Money is shown in £m.
"""

from __future__ import annotations

import numpy as np

from ..inputs.money import format_chance, format_per

__all__ = ["ladder", "exceedance", "distribution", "reliability", "new_axes", "PALETTE", "STAGE_LABELS",
           "RELIABILITY_LABELS", "fix_layout", "png_bytes", "svg_text", "save", "WIDTH", "TEXT", "readable"]

PALETTE = {"claim": "#E69F00", "audit": "#0072B2", "point": "#000000", "light": "#56B4E9",
           "bad": "#D55E00", "good": "#009E73", "grey": "#999999"}
STAGE_LABELS = {
    "point": "Published method\n(point estimate)",
    "sampling": "+ small sample",
    "judgement": "+ judgement reliability",
    "full": "+ costs and take-up\n(full audit)",
}


#: Report figures are drawn for a phone first. report.html shows them at the page's width, about 366 CSS px on a
#: 390 px phone, so text of TEXT points on a figure WIDTH inches (72 points each) wide shows at
#: 11 × 366 / (5.2 × 72) ≈ 10.8 CSS px: above the 10 px the browser test requires. On a desktop the page
#: caps figures at 36rem (576 px), where the same text is about 17 px.
WIDTH = 5.2
TEXT = 11.0


def new_axes(width: float = WIDTH, height: float = 3.6):
    """A fresh Axes on a new Figure, without pyplot's global state."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=130, layout="constrained")
    return fig.add_subplot()


def readable(ax, size: float = TEXT):
    """Raise every piece of text on ``ax`` to at least ``size`` points (tick labels, axis labels, title,
    legend, annotations), so a figure stays legible on a phone. Returns ``ax``.

    Only ``ax`` is touched, never the rest of its figure (the brief draws a chart inside its own page).
    """
    from matplotlib.text import Text

    ax.tick_params(labelsize=size)  # also the ticks the locators make later
    for t in ax.findobj(Text):
        if t.get_text() and t.get_fontsize() < size:
            t.set_fontsize(size)
    return ax


def _claim_band(ax, claim, *, vertical: bool = True) -> None:
    lo, hi = claim.low / 1e6, claim.high / 1e6
    if vertical:
        ax.axvspan(lo, hi, color=PALETTE["claim"], alpha=0.22, lw=0, label="Published claim")
        ax.axvline(lo, color=PALETTE["claim"], lw=1.5)
        ax.axvline(hi, color=PALETTE["claim"], lw=1.5, ls="--")


def ladder(result, ax=None):
    """The claim band against each stage's median and 90% interval.

    Parameters
    ----------
    result : AuditResult
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    own = ax is None
    ax = ax if ax is not None else new_axes(WIDTH, 3.9)
    claim = result.scenario.claim
    stages = result.stage_summaries()
    _claim_band(ax, claim)
    ys = np.arange(len(stages))[::-1]
    for y, st in zip(ys, stages):
        colour = PALETTE["point"] if st.name == "point" else PALETTE["audit"]
        if st.name != "point":
            ax.plot([st.p05 / 1e6, st.p95 / 1e6], [y, y], color=colour, lw=6, alpha=0.55,
                    solid_capstyle="butt")
        ax.plot(st.median / 1e6, y, "o", color=colour, ms=8, zorder=3)
        label = f"£{st.median / 1e6:.1f}m"
        ax.annotate(label, (st.median / 1e6, y), xytext=(0, 9), textcoords="offset points",
                    ha="center", fontsize=8)
    # A claim built on planned moves has no panel: its judgement stage is whether the moves happen.
    labels = (STAGE_LABELS if result.scenario.sample.basis != "plan" else
              {**STAGE_LABELS, "judgement": "+ whether planned\nmoves happen"})
    ax.set_yticks(ys, [labels.get(st.name, st.name) for st in stages])
    ax.set_xlabel(f"Savings, £m {format_per(claim.per)}")
    ax.set_title("The claim as each uncertainty is added\n"
                 "(bars: 90% of outcomes; shaded: claim)", fontsize=10)
    lo = min(0.0, min(st.p05 for st in stages) / 1e6)
    ax.set_xlim(lo, max(claim.high, max(st.p95 for st in stages)) / 1e6 * 1.08)
    ax.set_ylim(-0.6, len(stages) - 0.3)
    ax.grid(axis="x", alpha=0.3)
    if not own:  # the figure's own title already says what the shading is
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    return readable(ax) if own else ax


def exceedance(result, ax=None):
    """P(savings ≥ x) against x, with the claim's low and high ends marked."""
    own = ax is None
    ax = ax if ax is not None else new_axes(WIDTH, 3.9)
    claim = result.scenario.claim
    x = np.sort(result.savings) / 1e6
    p = 1.0 - np.arange(x.size) / x.size
    step = max(1, x.size // 4000)  # a curve of a few thousand points is visually exact
    ax.plot(x[::step], p[::step], color=PALETTE["audit"], lw=2, label="Full audit")
    samp = np.sort(result.stages["sampling"]) / 1e6
    ax.plot(samp[::step], p[::step], color=PALETTE["light"], lw=1.2, ls=":", label="Small sample only")
    for value, name, ls in ((claim.low, "low", "-"), (claim.high, "high", "--")):
        prob = float(np.mean(result.savings >= value))
        ax.axvline(value / 1e6, color=PALETTE["claim"], lw=1.5, ls=ls)
        # The high end usually sits at the right edge, so its label goes on the line's left.
        left = name == "high"
        if claim.low == claim.high and name == "high":
            continue  # a single figure: one line, one label
        ax.annotate(f"claim {name} £{value / 1e6:.1f}m:\n{format_chance(prob)} chance",
                    (value / 1e6, 0.45 if name == "low" else 0.72), xytext=(-5 if left else 5, 0),
                    textcoords="offset points", ha="right" if left else "left", fontsize=8, color="#333333",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"Savings, £m {format_per(claim.per)}")
    ax.set_ylabel("Chance of at least this")
    ax.set_title("How likely is each level of savings?", fontsize=10)
    ax.yaxis.set_major_formatter(_percent())
    ax.grid(alpha=0.3)
    # Below the curve's start, away from the claim's labels.
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    return readable(ax) if own else ax


def distribution(result, ax=None):
    """Histogram of audited savings with the published range shaded."""
    own = ax is None
    ax = ax if ax is not None else new_axes(WIDTH, 3.6)
    claim = result.scenario.claim
    x = result.savings / 1e6
    _claim_band(ax, claim)
    ax.hist(x, bins=80, color=PALETTE["audit"], alpha=0.85, density=True, label="Audited savings")
    med = float(np.median(x))
    ax.axvline(med, color=PALETTE["point"], lw=1.2, ls=":")
    ax.annotate(f"median £{med:.1f}m", (med, ax.get_ylim()[1] * 0.92), xytext=(4, 0),
                textcoords="offset points", fontsize=8)
    ax.set_xlabel(f"Savings, £m {format_per(claim.per)}")
    ax.set_ylabel("Share of audited outcomes")
    ax.set_yticks([])
    ax.set_title("Spread of audited savings", fontsize=10)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.15)  # room for the legend and the median's label
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return readable(ax) if own else ax


RELIABILITY_LABELS = {
    "face_value": "Face value\n(panel always right)",
    "contest": "Contest\n(undone if contested and lost)",
    "symmetric": "Selection, symmetric\n(every call as uncertain)",
    "selection": "Selection\n(assumed appeal selectivity)",
    "scrutinised": "Worst case: scrutinised\n(as challenged decisions)",
}


def reliability(result, ax=None):
    """The reliability ladder: full audited savings under each judgement model.

    Every rung uses the same sampling, cost and take-up draws (common random
    numbers); only the reading of the tribunal evidence changes. The
    scenario's own model is drawn in the main colour, the others in grey.
    """
    own = ax is None
    ax = ax if ax is not None else new_axes(WIDTH, 4.6)
    claim = result.scenario.claim
    rows = result.reliability_ladder
    _claim_band(ax, claim)
    ys = np.arange(len(rows))[::-1]
    for y, row in zip(ys, rows):
        colour = PALETTE["audit"] if row["main"] else PALETTE["grey"]
        ax.plot([row["p05"] / 1e6, row["p95"] / 1e6], [y, y], color=colour, lw=6, alpha=0.6,
                solid_capstyle="butt")
        ax.plot(row["median"] / 1e6, y, "o", color=colour, ms=8, zorder=3)
        m = row["median"] / 1e6
        ax.annotate(f"{'−' if m < 0 else ''}£{abs(m):.1f}m" + (" (this audit)" if row["main"] else ""),
                    (m, y), xytext=(0, 9), textcoords="offset points", ha="center", fontsize=8)
    ax.set_yticks(ys, [RELIABILITY_LABELS.get(r["name"], r["name"]) for r in rows])
    ax.axvline(0, color=PALETTE["point"], lw=0.8)
    ax.set_xlabel(f"Savings, £m {format_per(claim.per)}")
    # Right-aligned: the long reading names leave the axes narrow, and a centred title would run off the figure.
    ax.set_title("Each reading of the tribunal evidence\n"
                 "(bars: 90% of outcomes; shaded: claim)", fontsize=10, loc="right")
    lo = min(0.0, min(r["p05"] for r in rows) / 1e6)
    ax.set_xlim(lo * 1.08, max(claim.high, max(r["p95"] for r in rows)) / 1e6 * 1.08)
    ax.set_ylim(-0.6, len(rows) - 0.3)
    ax.grid(axis="x", alpha=0.3)
    return readable(ax) if own else ax


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0, decimals=0)


def fix_layout(fig_or_ax):
    """Lay the figure out once, for its own dpi, and keep that layout for every later save. Returns the figure.

    A figure with constrained layout is otherwise laid out again by each
    ``savefig`` (a quarter of the time of writing it), so a report figure
    written as PNG for report.md and as SVG for report.html paid twice. The
    layout is computed as the PNG's own save computes it (the Agg renderer at
    the figure's dpi), so the PNG is unchanged, and the SVG is the same
    whichever format is written first, or alone. Text and artists added after
    this call do not move the axes.

    Examples
    --------
    >>> ax = new_axes(); fig = fix_layout(ax)
    >>> fig.get_layout_engine().__class__.__name__
    'PlaceHolderLayoutEngine'
    """
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    fig = getattr(fig_or_ax, "figure", fig_or_ax)
    engine = fig.get_layout_engine()
    if engine is not None and not isinstance(engine, PlaceHolderLayoutEngine):
        engine.execute(fig)
        fig.set_layout_engine("none")
    return fig


def png_bytes(ax) -> bytes:
    """The figure of ``ax`` as PNG bytes with no version or time metadata (reproducible); see :func:`fix_layout`."""
    import io

    buf = io.BytesIO()
    fix_layout(ax).savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def svg_text(fig_or_ax, ident: str, title: str = "") -> str:
    """The figure as inline SVG for an HTML page: text kept as text, scaled to its container, reproducible.

    Text stays ``<text>`` (``svg.fonttype = none``), so readers can select, search and zoom it, and screen
    readers find it. The root gets ``role="img"``, ``aria-label`` = ``title`` and no fixed size (the
    ``viewBox`` keeps the proportions). The layout is the PNG's (:func:`fix_layout`). Every ``id`` inside is prefixed with ``ident`` so several figures can
    share one page, and no date is written (same draws, same bytes).

    Examples
    --------
    >>> ax = new_axes(); _ = ax.plot([0, 1], [0, 1]); svg = svg_text(ax, "demo", "A line")
    >>> svg.startswith("<svg ") and 'aria-label="A line"' in svg and 'id="demo-' in svg
    True
    """
    import io
    import re
    from html import escape

    import matplotlib

    fig = fix_layout(fig_or_ax)
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": ident}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # no XML declaration or DOCTYPE inside HTML
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{ident}-{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{ident}-{m.group(1)})", text)
    text = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{ident}-{m.group(1)}"', text)
    # One short font list instead of matplotlib's eleven names on every label.
    text = re.sub(r"font-family: 'DejaVu Sans'[^;\"]*", "font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif",
                  text)
    head, rest = text.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    head += f' class="chart" role="img" aria-label="{escape(title, quote=True)}" preserveAspectRatio="xMidYMid meet"'
    return head + ">" + rest


def save(ax, path) -> None:
    """Write the figure of ``ax`` as a PNG with no time-varying metadata."""
    from pathlib import Path

    Path(path).write_bytes(png_bytes(ax))
