"""The reality-check figure: each relevant setting's share of EHC plans by January (see auditor.analysis.track)."""

from __future__ import annotations

__all__ = ["track_figure"]


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

    from .audit import PALETTE, TEXT, WIDTH, readable

    keys = _relevant(t) or [k for k in t["settings"] if k != "total"]
    # One panel under another, phone-width, with the legend below them all (see figures.audit.WIDTH).
    fig = fig if fig is not None else Figure(figsize=(WIDTH, 2.4 * len(keys) + 1.5), dpi=130,
                                             layout="constrained")
    axes = fig.subplots(len(keys), 1, squeeze=False, sharex=True)[:, 0]
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
        role = {"source": "children to move out", "destination": "children to move in"}.get(s["role"], s["role"])
        ax.set_title(f"{k.replace('_', ' ')} ({role})", fontsize=TEXT)
        ax.set_ylabel("% of EHC plans")
        ax.set_xticks(years, [str(y) if y % 2 == years[-1] % 2 else "" for y in years])
        ax.grid(alpha=0.3)
        readable(ax)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=1, fontsize=TEXT, frameon=False)
    return fig
