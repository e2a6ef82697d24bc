"""Report outputs (``summary.json``, ``inputs.json``, ``report.md``, ``report.html``, ``brief.pdf``,
``draws.csv.gz``, figures), written atomically.

:func:`write_outputs` builds everything in a temporary folder beside the
destination and renames it into place, so a failed or interrupted run never
leaves a half-written report and never damages the previous one.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from .folders import check_destination
from .write import MARKER, atomic_dir, atomic_file, check_replaceable, current_umask, json_text

__all__ = ["write_outputs", "atomic_dir", "atomic_file", "check_replaceable", "check_destination", "current_umask",
           "MARKER", "FIGURES", "FORMATS", "OPTIONAL_FORMATS", "parse_formats", "summary_json", "json_text"]

FIGURES = ("ladder", "exceedance", "distribution", "reliability")


def summary_json(result) -> str:
    """``summary.json`` text: stable key order, UTF-8, no NaN or infinity."""
    return json_text(result.summary())


#: The formats written by default.
FORMATS = ("md", "html", "pdf", "json", "draws")
#: Formats written only when asked for: ``xlsx`` needs the optional openpyxl package.
OPTIONAL_FORMATS = ("xlsx",)


def parse_formats(text: str | None, option: str = "--format") -> tuple[str, ...]:
    """Read ``--format md,html,...``; ``None`` or empty means every default format (:data:`FORMATS`).

    ``xlsx`` (:data:`OPTIONAL_FORMATS`) is checked here, before any work, for
    the openpyxl package it needs.

    Examples
    --------
    >>> parse_formats("html, pdf"), parse_formats(None) == FORMATS
    (('html', 'pdf'), True)
    >>> parse_formats("html,docx")
    Traceback (most recent call last):
    ...
    auditor.errors.UsageError: --format: unknown format 'docx'; allowed: md, html, pdf, json, draws, xlsx (comma-separated)
    """
    from ..errors import UsageError

    if text is None or not text.strip():
        return FORMATS
    chosen: list[str] = []
    for item in text.split(","):
        name = item.strip().lower()
        if name not in FORMATS + OPTIONAL_FORMATS:
            raise UsageError(f"unknown format {name!r}; allowed: {', '.join(FORMATS + OPTIONAL_FORMATS)} "
                             "(comma-separated)", field=option)
        if name not in chosen:
            chosen.append(name)
    if "xlsx" in chosen:
        from .xlsx import require_openpyxl

        require_openpyxl(option)
    return tuple(chosen)


def write_outputs(result, out: str | Path, formats: tuple[str, ...] | list[str] | None = None, *,
                  sensitivity=None, parallel: bool = False) -> Path:
    """Write the chosen report formats into ``out``, atomically.

    Parameters
    ----------
    result : AuditResult
    out : str or Path
        The report folder; replaced as a whole when everything is written.
    formats : sequence of str, optional
        Any of :data:`FORMATS` (default: all). ``md`` writes ``report.md`` and
        ``figures/*.png``; ``html`` ``report.html``; ``pdf`` ``brief.pdf``;
        ``json`` ``summary.json`` and ``inputs.json``; ``draws``
        ``draws.csv.gz``; ``xlsx`` (only when asked for) ``report.xlsx``.
    sensitivity : mapping, optional
        Content for ``sensitivity.json``, shown in ``report.html``. When
        omitted, a ``sensitivity.json`` already in ``out`` for the same
        scenario file (same SHA-256) is kept and shown.
    parallel : bool
        Write ``brief.pdf`` and ``draws.csv.gz`` in a forked child process
        while this one writes the rest (:mod:`auditor.report.parallel`; Linux
        with two or more cores, otherwise one after the other). The files are
        the same either way. ``auditor run`` sets it.
    """
    chosen = FORMATS if formats is None else tuple(formats)
    unknown = [f for f in chosen if f not in FORMATS + OPTIONAL_FORMATS]
    if unknown:
        from ..errors import UsageError

        raise UsageError(f"unknown format {unknown[0]!r}; allowed: {', '.join(FORMATS + OPTIONAL_FORMATS)}",
                         field="formats")
    # matplotlib & co. (about half a second to import) only for the formats that draw, and before a
    # child is forked, so that it inherits them.
    from .parallel import preload

    preload(chosen)
    out = Path(out)
    if sensitivity is None and out.is_dir():
        from .html import load_sensitivity

        sensitivity = load_sensitivity(out, result.scenario.sha256)
    summary = result.summary()
    # Each figure is drawn once: written as PNG for report.md and as inline SVG in report.html.
    drawn: dict[str, object] = {}
    with atomic_dir(out) as tmp, _side_jobs(result, tmp, chosen, summary, parallel) as elsewhere:
        if sensitivity is not None:
            (tmp / "sensitivity.json").write_text(json_text(sensitivity), encoding="utf-8")
        if "json" in chosen:
            from .data import inputs_json

            (tmp / "summary.json").write_text(json_text(summary), encoding="utf-8")
            (tmp / "inputs.json").write_text(inputs_json(result), encoding="utf-8")
        if "md" in chosen:
            from ..figures import audit as figures
            from .markdown import render_markdown

            fig_dir = tmp / "figures"
            for name in md_figures(result):
                if name in elsewhere:
                    continue
                drawn[name] = getattr(figures, name)(result)
                (fig_dir / f"{name}.png").write_bytes(figures.png_bytes(drawn[name]))
            if (summary.get("track") or {}).get("status") == "ok":
                from ..figures.track import track_figure

                drawn["track"] = track_figure(summary["track"])
                (fig_dir / "track.png").write_bytes(figures.png_bytes(drawn["track"]))
            (tmp / "report.md").write_text(render_markdown(result), encoding="utf-8")
        if "html" in chosen:
            from .html import render_html

            (tmp / "report.html").write_text(render_html(result, summary=summary, sensitivity=sensitivity,
                                                         drawn=drawn),
                                             encoding="utf-8")
        if "xlsx" in chosen:
            from .xlsx import write_xlsx

            write_xlsx(result, tmp / "report.xlsx", summary=summary)
    return out


def md_figures(result) -> tuple[str, ...]:
    """The :data:`FIGURES` report.md shows for ``result``.

    A claim built on planned moves shows no tribunal readings, so its reliability chart is not drawn.
    """
    plan = result.scenario.sample.basis == "plan"
    return tuple(n for n in FIGURES if not (plan and n == "reliability"))


#: Figures that can be drawn with the side jobs (see :func:`_side_jobs`) when report.md is written without
#: report.html. report.html shows the reliability chart too (beside its table), so when both are written it is
#: drawn once, in the parent, and used for the PNG and the inline SVG alike.
PNG_ONLY = ("reliability",)


@contextlib.contextmanager
def _side_jobs(result, tmp: Path, chosen, summary, parallel: bool):
    """``brief.pdf``, ``draws.csv.gz`` and the PNG-only figures: started in a child process (when ``parallel``),
    finished on exit. Yields the names of the figures left to these jobs.

    Without a child they are written when the block ends, after the other files. The figures of
    :data:`PNG_ONLY` go here too when report.html is not written (otherwise it needs them drawn in this
    process): that evens out the two processes' work.
    """
    from .parallel import start

    jobs = []
    figures_here = (tuple(n for n in md_figures(result) if n in PNG_ONLY)
                    if "md" in chosen and "html" not in chosen else ())
    if "md" in chosen:
        (tmp / "figures").mkdir()
    if figures_here:
        from ..figures import audit as figures

        def png_only() -> None:
            for name in figures_here:
                (tmp / "figures" / f"{name}.png").write_bytes(figures.png_bytes(getattr(figures, name)(result)))

        jobs.append(png_only)
    if "pdf" in chosen:
        from .brief import write_brief

        jobs.append(lambda: write_brief(result, tmp / "brief.pdf", summary=summary))
    if "draws" in chosen:
        from .data import write_draws_csv_gz

        jobs.append(lambda: write_draws_csv_gz(result, tmp / "draws.csv.gz"))
    pending = start(jobs, parallel)
    try:
        yield figures_here
        pending.finish()
    finally:
        pending.cancel()
