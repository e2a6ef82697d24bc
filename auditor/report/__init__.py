"""Report outputs (``summary.json``, ``inputs.json``, ``report.md``, ``report.html``, ``brief.pdf``,
``draws.csv.gz``, figures), written atomically.

:func:`write_outputs` builds everything in a temporary folder beside the
destination and renames it into place, so a failed or interrupted run never
leaves a half-written report and never damages the previous one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["write_outputs", "atomic_dir", "atomic_file", "current_umask", "FIGURES", "FORMATS", "parse_formats",
           "summary_json", "json_text"]

FIGURES = ("ladder", "exceedance", "distribution", "reliability")


def current_umask() -> int:
    """The process's file-creation mask (reading it means setting it and putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_file(path: str | Path, text: str) -> Path:
    r"""Write a text file by renaming a finished temporary file over it.

    Readers see the old file or the new one, never a half-written one.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = atomic_file(pathlib.Path(tempfile.mkdtemp()) / "index.csv", "a,b\n")
    >>> p.read_text()
    'a,b\n'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        # mkstemp makes a private file; the result gets the usual permissions.
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class atomic_dir:
    """Context manager: a temporary folder that replaces ``dest`` on success.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with atomic_dir(d) as tmp:
    ...     _ = (tmp / "a.txt").write_text("hi")
    >>> (d / "a.txt").read_text()
    'hi'
    """

    def __init__(self, dest: str | Path) -> None:
        self.dest = Path(dest)

    def __enter__(self) -> Path:
        from .. import errors

        parent = self.dest.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise errors.UsageError(f"cannot create the output folder: {exc.strerror}", path=str(parent)) from None
        if self.dest.exists() and not self.dest.is_dir():
            raise errors.UsageError("exists and is not a folder; choose another --out", path=str(self.dest))
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}.tmp-", dir=parent))
        try:
            # mkdtemp makes a private folder; a report folder gets the usual permissions.
            os.chmod(self.tmp, 0o777 & ~current_umask())
        except BaseException:  # e.g. Ctrl-C right after mkdtemp: leave nothing behind
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        # The swap is two renames; Ctrl-C between them would leave no report at all,
        # so SIGINT/SIGTERM are held until it is done (a pending one fires just after).
        with _signals_deferred():
            old = None
            try:
                if self.dest.exists():
                    old = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}.old-", dir=self.dest.parent))
                    os.rmdir(old)
                    os.rename(self.dest, old)
                os.rename(self.tmp, self.dest)
            except BaseException:
                # Put the earlier report back and drop the new one.
                if old is not None and not self.dest.exists():
                    os.rename(old, self.dest)
                shutil.rmtree(self.tmp, ignore_errors=True)
                raise
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        return False


class _signals_deferred:
    """Hold SIGINT and SIGTERM for the duration (main thread on POSIX; elsewhere a no-op)."""

    def __enter__(self) -> None:
        import signal
        import threading

        self.held = None
        if hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread():
            self.held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})

    def __exit__(self, *exc) -> bool:
        if self.held is not None:
            import signal

            signal.pthread_sigmask(signal.SIG_SETMASK, self.held)
        return False


def json_text(data) -> str:
    """The text of every JSON file auditor writes: indented, UTF-8, no NaN or infinity, final newline.

    Strict JSON because readers in other languages reject ``NaN``; a value
    that cannot be written raises rather than producing such a file.

    Examples
    --------
    >>> print(json_text({"claim": "£17.8m", "draws": 100}), end="")
    {
      "claim": "£17.8m",
      "draws": 100
    }
    """
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def summary_json(result) -> str:
    """``summary.json`` text: stable key order, UTF-8, no NaN or infinity."""
    return json_text(result.summary())


FORMATS = ("md", "html", "pdf", "json", "draws")


def parse_formats(text: str | None) -> tuple[str, ...]:
    """Read ``--format md,html,...``; ``None`` or empty means every format.

    Examples
    --------
    >>> parse_formats("html, pdf"), parse_formats(None) == FORMATS
    (('html', 'pdf'), True)
    >>> parse_formats("html,docx")
    Traceback (most recent call last):
    ...
    auditor.errors.UsageError: --format: unknown format 'docx'; allowed: md, html, pdf, json, draws (comma-separated)
    """
    from ..errors import UsageError

    if text is None or not text.strip():
        return FORMATS
    chosen: list[str] = []
    for item in text.split(","):
        name = item.strip().lower()
        if name not in FORMATS:
            raise UsageError(f"unknown format {name!r}; allowed: {', '.join(FORMATS)} (comma-separated)",
                             field="--format")
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def write_outputs(result, out: str | Path, formats: tuple[str, ...] | list[str] | None = None, *,
                  sensitivity=None) -> Path:
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
        ``draws.csv.gz``.
    sensitivity : mapping, optional
        Content for ``sensitivity.json``, shown in ``report.html``. When
        omitted, a ``sensitivity.json`` already in ``out`` for the same
        scenario file (same SHA-256) is kept and shown.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from . import figures

    chosen = FORMATS if formats is None else tuple(formats)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        from ..errors import UsageError

        raise UsageError(f"unknown format {unknown[0]!r}; allowed: {', '.join(FORMATS)}", field="formats")
    out = Path(out)
    if sensitivity is None and out.is_dir():
        from .html import load_sensitivity

        sensitivity = load_sensitivity(out, result.scenario.sha256)
    summary = result.summary()
    pngs: dict[str, bytes] = {}
    with atomic_dir(out) as tmp:
        if sensitivity is not None:
            (tmp / "sensitivity.json").write_text(json_text(sensitivity), encoding="utf-8")
        if "json" in chosen:
            from .data import inputs_json

            (tmp / "summary.json").write_text(summary_json(result), encoding="utf-8")
            (tmp / "inputs.json").write_text(inputs_json(result), encoding="utf-8")
        if "md" in chosen:
            from .markdown import render_markdown

            fig_dir = tmp / "figures"
            fig_dir.mkdir()
            for name in FIGURES:
                pngs[name] = figures.png_bytes(getattr(figures, name)(result))
                (fig_dir / f"{name}.png").write_bytes(pngs[name])
            if (summary.get("track") or {}).get("status") == "ok":
                from .track import track_figure

                pngs["track"] = figures.png_bytes(track_figure(summary["track"]).axes[0])
                (fig_dir / "track.png").write_bytes(pngs["track"])
            (tmp / "report.md").write_text(render_markdown(result), encoding="utf-8")
        if "html" in chosen:
            from .html import render_html

            (tmp / "report.html").write_text(render_html(result, summary=summary, sensitivity=sensitivity,
                                                         pngs=pngs),
                                             encoding="utf-8")
        if "pdf" in chosen:
            from .brief import write_brief

            write_brief(result, tmp / "brief.pdf", summary=summary)
        if "draws" in chosen:
            from .data import write_draws_csv_gz

            write_draws_csv_gz(result, tmp / "draws.csv.gz")
    return out
