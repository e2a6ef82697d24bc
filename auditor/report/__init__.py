"""Report outputs: ``summary.json``, ``report.md`` and figures, written atomically.

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

__all__ = ["write_outputs", "atomic_dir", "FIGURES"]

FIGURES = ("ladder", "exceedance", "distribution")


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
        # mkdtemp makes a private folder; a report folder gets the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o777 & ~umask)
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        old = None
        if self.dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}.old-", dir=self.dest.parent))
            os.rmdir(old)
            os.rename(self.dest, old)
        os.rename(self.tmp, self.dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return False


def summary_json(result) -> str:
    """``summary.json`` text: stable key order, UTF-8, no NaN or infinity."""
    return json.dumps(result.summary(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_outputs(result, out: str | Path) -> Path:
    """Write ``summary.json``, ``report.md`` and ``figures/*.png`` into ``out``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from . import figures
    from .markdown import render_markdown

    out = Path(out)
    with atomic_dir(out) as tmp:
        (tmp / "summary.json").write_text(summary_json(result), encoding="utf-8")
        fig_dir = tmp / "figures"
        fig_dir.mkdir()
        for name in FIGURES:
            ax = getattr(figures, name)(result)
            figures.save(ax, fig_dir / f"{name}.png")
        (tmp / "report.md").write_text(render_markdown(result), encoding="utf-8")
    return out
