"""The reality check in reports: one chart, a table and a sentence (see :mod:`auditor.analysis.track`)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["track_lines", "write_track"]


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _n(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def track_lines(t: dict, *, heading: str = "##", figure: str | None = "figures/track.png") -> list[str]:
    """Markdown lines of the reality check."""
    if t.get("status") == "unavailable":
        return [f"{heading} What happened after the claim", "", f"Not computed: {t['reason']}", ""]
    lines = [f"{heading} What happened after the claim", "", t["sentence"], ""]
    if t["status"] != "ok":
        return lines
    if figure:
        lines += [f"![Shares of EHC plans by setting against the comparison and the claim's path]({figure})", ""]
    years = t["years"]
    lines += ["| January | " + " | ".join(str(y) for y in years) + " |",
              "| --- | " + " | ".join("---:" for _ in years) + " |",
              "| children the claim needed to have moved | " +
              " | ".join(_n(t["required_moves"][str(y)]) for y in years) + " |",
              "| excess moves against non-DBV councils (median) | " +
              " | ".join(_n(t["excess_moves_by_year"][str(y)]["median"]) for y in years) + " |",
              "| 90% range | " + " | ".join(f"{_n(t['excess_moves_by_year'][str(y)]['p05'])} to "
                                          f"{_n(t['excess_moves_by_year'][str(y)]['p95'])}" for y in years) + " |",
              "| against England excluding the council | " +
              " | ".join(_n(t["comparisons"]["england_excluding"][str(y)]) for y in years) + " |",
              "| against its own pre-claim trend | " +
              " | ".join(_n(t["comparisons"]["own_trend"][str(y)]) for y in years) + " |", ""]
    census = str(t["census_year"])
    last = str(years[-1])
    lines += [f"| setting (DfE) | share Jan {census} | share Jan {last} | comparison Jan {last} | "
              f"excess, points |", "| --- | ---: | ---: | ---: | ---: |"]
    for k, s in t["settings"].items():
        if k == "total":
            continue
        lines.append(f"| {k.replace('_', ' ')} ({' + '.join(s['dfe'])}; {s['role']}) | "
                     f"{_pct(s['observed_share'][census])} | {_pct(s['observed_share'][last])} | "
                     f"{_pct(s['comparison_share'][last])} | {100 * s['excess_share'][last]:+.1f} |")
    m = t["money"]
    lines += ["", f"Valued at the scenario's costs, the excess moves by January {last} are worth about "
                  f"£{m['savings']['median'] / 1e6:.1f}m a year (90% range £{m['savings']['p05'] / 1e6:.1f}m to "
                  f"£{m['savings']['p95'] / 1e6:.1f}m), against about £{m['claim_needed_by_then'] / 1e6:.1f}m a "
                  f"year the claim's path needed by then (£{m['claim_low_per_year'] / 1e6:.1f}m at its low end "
                  f"in full).", "",
              f"Placebo runs: the same analysis for each of {t['placebo_n']} other councils with a consistent "
              f"series; {t['council']['name']} ranks {t['placebo_rank']} (one-sided p = {t['placebo_p']:.2f}). "
              f"Before the claim the same comparison gives "
              + ", ".join(f"{_n(v)} ({y})" for y, v in t["placebo"]["pre_claim_gap_moves"].items())
              + " children: how far the council already differed from the comparison.", "",
              "How to read this: difference in differences on shares of all EHC plans; observational, not proof "
              "of cause; see docs/methods.md.", ""]
    lines += ["Data notes:", ""] + [f"- {n}" for n in t["notes"]] + [""]
    return lines


def write_track(result, out: str | Path) -> Path:
    """Write ``track.json``, ``track.md`` and ``track.png`` into ``out``, atomically."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from ..figures.audit import png_bytes
    from ..figures.track import track_figure
    from .write import atomic_dir, json_text

    s = result.summary()
    body = {"schema_version": 1, "scenario": {"title": result.scenario.title, "path": result.scenario.path,
                                              "sha256": result.scenario.sha256}, **s}
    out = Path(out)
    with atomic_dir(out, kind="track") as tmp:
        (tmp / "track.json").write_text(json_text(body), encoding="utf-8")
        lines = [f"# Reality check: {result.scenario.title}", ""] + track_lines(s, figure="track.png")[2:]
        (tmp / "track.md").write_text("\n".join(lines), encoding="utf-8")
        if s["status"] == "ok":
            (tmp / "track.png").write_bytes(png_bytes(track_figure(s).axes[0]))
    return out
