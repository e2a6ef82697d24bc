"""The sensitivity report: ``sensitivity.json``, ``sensitivity.md`` and figures.

:func:`write_sensitivity` writes everything into a temporary folder and renames it
into place (:class:`auditor.report.write.atomic_dir`); the figures are those of
:mod:`auditor.figures.sensitivity`.
"""

from __future__ import annotations

from pathlib import Path

from ..analysis.sensitivity import SOURCE_LABELS, TARGET_HALF_WIDTH, plateau
from ..figures import sensitivity as figures
from ..figures.audit import save
from ..inputs.money import format_money as m, format_per
from .write import atomic_dir, json_text

__all__ = ["write_sensitivity", "render_sensitivity", "sensitivity_json"]


# ---- markdown -----------------------------------------------------------------------------------

def _num(x: float | None, money: bool) -> str:
    if x is None:
        return "—"
    return m(x) if money else f"{x:.3g}"


def render_sensitivity(result) -> str:
    """``sensitivity.md``: every section in plain words, then the tables."""
    s = result.scenario
    c = s.claim
    per = format_per(c.per)
    out = [f"# Sensitivity: {s.title}", "",
           f"Published claim {m(c.low)}–{m(c.high)} {per}; the published method's point estimate "
           f"{m(result.point_estimate)}. Draws per evaluation {result.draws:,}, seed {result.seed}.", ""]
    for section in (_fragility_section, _variance_share_section, _case_influence_section, _switching_values_section,
                    _tornado_section, _sample_size_section, _grid_section):
        out += section(result)
    return "\n".join(out)


def _fragility_section(result) -> list[str]:
    """The ``## How fragile is the claim?`` section of ``sensitivity.md``."""
    c = result.scenario.claim
    out = ["## How fragile is the claim?", ""]
    f = result.fragility
    if f is None:
        out += ["Not available: the review is given as reported shares, not as cases or counts.", ""]
    else:
        out += [f.sentence(c.low, c.high), ""]
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
    return out


def _variance_share_section(result) -> list[str]:
    """The ``## Which source drives the width?`` section of ``sensitivity.md``."""
    out = ["## Which source drives the width?", "",
           "Grouped Sobol indices: the share of the variance of the audited savings due to each source "
           "alone (first order, Saltelli et al. 2010) and including its interactions with the others "
           "(total, Jansen 1999), with 90% bootstrap intervals. A source fixed in this scenario shows 0.", "",
           "| source | first order | total |", "|---|---|---|"]
    for k, v in result.variance_share.items():
        out.append(f"| {SOURCE_LABELS.get(k, k)} | {v.first:.0%} ({v.first_ci[0]:.0%}–{v.first_ci[1]:.0%}) | "
                   f"{v.total:.0%} ({v.total_ci[0]:.0%}–{v.total_ci[1]:.0%}) |")
    out += ["", "![variance shares](figures/variance_share.png)", ""]
    return out


def _case_influence_section(result) -> list[str]:
    """The ``## Which cases matter most?`` section of ``sensitivity.md``."""
    out = ["## Which cases matter most?", ""]
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
    return out


def _switching_values_section(result) -> list[str]:
    """The ``## Switching values`` section of ``sensitivity.md``."""
    c = result.scenario.claim
    out = ["## Switching values", "",
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
    return out


def _tornado_section(result) -> list[str]:
    """The ``## One input at a time (tornado)`` section of ``sensitivity.md``."""
    out = ["## One input at a time (tornado)", "",
           f"Each input at its 5th and 95th percentile, the others at their central values, on the "
           f"point-style estimate ({m(result.tornado_base)} at central values). One-at-a-time bars cannot "
           "show interactions or several inputs being unfavourable together, and the savings are a product "
           "of inputs, so read them with the variance shares above.", "",
           "| input | at 5th percentile | at 95th percentile |", "|---|---|---|"]
    for r in result.tornado:
        out.append(f"| {r['label']} | {m(r['at_low'])} | {m(r['at_high'])} |")
    out += ["", "![tornado](figures/tornado.png)", ""]
    return out


def _sample_size_section(result) -> list[str]:
    """The ``## What sample would settle it?`` section of ``sensitivity.md``."""
    rows = list(result.sample_size)
    plat = plateau(rows)
    out = ["## What sample would settle it?", "",
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
    return out


def _grid_section(result) -> list[str]:
    """The ``## Judgement reliability × realisation`` section of ``sensitivity.md``."""
    out = ["## Judgement reliability × realisation", "",
           "Colour: chance the audited saving reaches the claim's low end; numbers: median (£m). The star "
           "marks the published assumptions (every judgement right, every move happens); the circle this "
           "scenario's central values.", "", "![grid](figures/grid.png)", ""]
    return out


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
        for name in figures.FIGURES:
            save(getattr(figures, name)(result), fig_dir / f"{name}.png")
        (tmp / "sensitivity.md").write_text(render_sensitivity(result), encoding="utf-8")
    return out
