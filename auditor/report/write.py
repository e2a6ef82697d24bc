"""Atomic file writing and the one JSON text format: the leaf every report module imports.

Kept apart from :mod:`auditor.report` so that the report modules (and the
scripted interface) import these helpers without importing the package that
imports them back.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import UsageError

__all__ = ["atomic_dir", "atomic_file", "current_umask", "json_text"]


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
        parent = self.dest.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create the output folder: {exc.strerror}", path=str(parent)) from None
        if self.dest.exists() and not self.dest.is_dir():
            raise UsageError("exists and is not a folder; choose another --out", path=str(self.dest))
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
