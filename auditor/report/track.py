"""The reality check in reports: one chart, a table and a sentence (see :mod:`auditor.analysis.track`)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["track_figure", "track_lines", "write_track"]


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _n(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def _relevant(t: dict) -> list[str]:
    return [k for k, v in t["settings"].items() if k != "total" and v.get("role") in ("source", "destination")]


def track_figure(t: dict, fig=None):
    """Each relevant setting's share of EHC plans by January: the council, the comparison with its placebo band,
    England excluding the council, and the path the claim needed.

    Parameters
    ----------
    t : dict
        The ``track`` summary (``TrackResult.summary()``) with status ``ok``.
    fig : matplotlib.figure.Figure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    from .figures import PALETTE

    keys = _relevant(t) or [k for k in t["settings"] if k != "total"]
    fig = fig if fig is not None else Figure(figsize=(4.0 * len(keys), 3.8), dpi=110, layout="constrained")
    axes = fig.subplots(1, len(keys), squeeze=False)[0]
    for ax, k in zip(axes, keys):
        s = t["settings"][k]
        years = [int(y) for y in s["observed_share"]]
        ys = [str(y) for y in years]
        ax.fill_between(years, [100 * s["band_p05"][y] for y in ys], [100 * s["band_p95"][y] for y in ys],
                        color=PALETTE["light"], alpha=0.3, lw=0, label="comparison, 90% placebo band")
        ax.plot(years, [100 * s["comparison_share"][y] for y in ys], color=PALETTE["audit"], ls="--", lw=1.5,
                label="comparison: non-DBV councils' change")
        eng = s.get("england_excluding_share")
        if eng:
            # England's change, started from the council's own share in the census year, as the comparison is.
            base = s["observed_share"][str(t["census_year"])] - eng[str(t["census_year"])]
            ax.plot(years, [100 * (eng[y] + base) for y in ys], color=PALETTE["grey"], ls=":", lw=1.2,
                    label="England excluding the council's change")
        path = s["claim_path_share"]
        ax.plot([int(y) for y in path], [100 * v for v in path.values()], color=PALETTE["claim"], lw=2,
                label="path the claim needed")
        ax.plot(years, [100 * s["observed_share"][y] for y in ys], color=PALETTE["point"], marker="o", ms=3, lw=2,
                label=t["council"]["name"])
        ax.axvline(t["census_year"], color=PALETTE["grey"], lw=0.8)
        ax.set_title(f"{k.replace('_', ' ')} ({s['role']})", fontsize=9)
        ax.set_ylabel("share of EHC plans, %")
        ax.set_xticks(years, [str(y) for y in years], fontsize=7)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, frameon=False, loc="best")
    return fig


def track_lines(t: dict, *, heading: str = "##", figure: str | None = "figures/track.png") -> list[str]:
    """Markdown lines of the reality check."""
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
    from . import atomic_dir, figures, json_text

    s = result.summary()
    body = {"schema_version": 1, "scenario": {"title": result.scenario.title, "path": result.scenario.path,
                                              "sha256": result.scenario.sha256}, **s}
    out = Path(out)
    with atomic_dir(out) as tmp:
        (tmp / "track.json").write_text(json_text(body), encoding="utf-8")
        lines = [f"# Reality check: {result.scenario.title}", ""] + track_lines(s, figure="track.png")[2:]
        (tmp / "track.md").write_text("\n".join(lines), encoding="utf-8")
        if s["status"] == "ok":
            (tmp / "track.png").write_bytes(figures.png_bytes(track_figure(s).axes[0]))
    return out
