"""Output folders: written atomically, and never a folder auditor did not write.

Every folder auditor writes (a report, a sweep, a sensitivity analysis, a
batch) holds a marker file, :data:`MARKER`, naming what it is. An existing
``--out`` folder is replaced only when it is empty, carries the marker of
the same kind of output, or holds nothing but the files that kind of output
is made of (reports written before the marker existed). Anything else -- a
project folder, the scenario's own folder, the current folder -- is refused
with one line, so a mistyped ``--out`` can never delete someone's files.

A symlinked ``--out`` stays a symlink: the folder it points to is replaced.
Temporary folders carry the writing process's id
(``.NAME.tmp-<pid>-…``, ``.NAME.old-<pid>-…``); ones whose process has died
(killed mid-run) are removed by the next write to the same place.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from pathlib import Path

from ..errors import UsageError

__all__ = ["MARKER", "KINDS", "atomic_dir", "atomic_file", "check_out_path", "check_replaceable",
           "check_destination", "current_umask", "mark_folder", "output_stem", "clear_stale"]

#: The marker file written into every output folder; its first line is the kind.
MARKER = ".auditor-output"

#: Each kind of output folder and the names it is made of (what an unmarked,
#: older output of that kind may hold and still be replaced).
KINDS = {
    "report": {"summary.json", "inputs.json", "report.md", "report.html", "brief.pdf", "draws.csv.gz",
               "figures", "sensitivity.json", "report.xlsx"},
    "sensitivity": {"sensitivity.json", "sensitivity.md", "figures"},
    "sweep": {"sweep.csv", "sweep.json", "sweep.png"},
    "track": {"track.json", "track.md", "track.png"},
    "batch": {"index.csv"},
}

#: Longest folder name accepted: the temporary siblings add about 25 characters
#: and most file systems stop at 255.
MAX_NAME = 200
#: Longest path accepted (bytes); Linux stops at 4,096.
MAX_PATH = 4000

_WRITE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


def current_umask() -> int:
    """The process's file-creation mask (reading it means setting it and putting it back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_out_path(dest: str | Path, *, option: str = "--out") -> Path:
    """Refuse an output path that cannot be a folder of ours; return the folder to write.

    A symlink is followed (the folder it points to is the one written), so the
    link itself is kept.

    Examples
    --------
    >>> check_out_path("reports/a").name
    'a'
    >>> check_out_path("..")
    Traceback (most recent call last):
    ...
    auditor.errors.UsageError: ..: must name a folder of its own, not '.', '..' or '/'
    """
    text = os.fspath(dest)
    shown = text if isinstance(text, str) else repr(text)
    if not isinstance(text, str) or not text.strip():
        raise UsageError(f"must name a folder, got {text!r}", field=option)
    if "\x00" in text:
        raise UsageError("contains a NUL character", path=repr(text))
    if len(os.fsencode(text)) > MAX_PATH:
        raise UsageError(f"is {len(text):,} characters long; at most {MAX_PATH:,} are allowed",
                         path=text[:40] + "…", field=option)
    path = Path(text)
    if path.name in ("", ".", ".."):
        raise UsageError("must name a folder of its own, not '.', '..' or '/'", path=shown)
    if len(path.name) > MAX_NAME:
        raise UsageError(f"folder name is {len(path.name)} characters; at most {MAX_NAME} are allowed",
                         path=shown[:60] + "…")
    try:
        if path.is_symlink():
            path = Path(os.path.realpath(path))
        here = Path.cwd().resolve()
        real = path.resolve()
    except OSError as exc:
        raise UsageError(f"cannot be used: {exc.strerror}", path=shown) from None
    if real == here or real in here.parents:
        raise UsageError("is the current folder or contains it; give a folder for the output alone",
                         path=shown)
    return path


def output_stem(scenario_path: str | Path) -> str:
    """The name of a scenario's output folder: its file name without ``.toml``.

    Examples
    --------
    >>> output_stem("scenarios/west-sussex-2023.toml")
    'west-sussex-2023'
    >>> output_stem("..toml")
    Traceback (most recent call last):
    ...
    auditor.errors.UsageError: ..toml: the file name without .toml is '.', which cannot name an output folder; rename the file
    """
    stem = Path(os.fspath(scenario_path)).stem
    if stem in ("", ".", ".."):
        raise UsageError(f"the file name without .toml is {stem!r}, which cannot name an output folder; "
                         "rename the file", path=str(scenario_path))
    return stem


def _marker_kind(folder: Path) -> str | None:
    try:
        with open(folder / MARKER, encoding="utf-8") as fh:
            return fh.readline(100).strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def check_replaceable(dest: Path, kind: str, *, shown: str | None = None, option: str = "--out") -> None:
    """Raise :class:`UsageError` unless ``dest`` is absent, empty, or an auditor output of ``kind``.

    ``option`` is what the messages ask the user to change (``--out``, or an
    argument's name from Python).
    """
    shown = shown or str(dest)
    try:
        if not dest.exists():
            return
        if not dest.is_dir():
            raise UsageError(f"exists and is not a folder; choose another {option}", path=shown)
        names = {p.name for p in dest.iterdir()}
    except OSError as exc:
        raise UsageError(f"cannot be read: {exc.strerror}", path=shown) from None
    if not names:
        return
    found = _marker_kind(dest) if MARKER in names else None
    if found == kind:
        return
    if found is not None:
        raise UsageError(f"holds an auditor {found} output, not a {kind}; choose another {option}", path=shown)
    if names <= KINDS[kind]:
        return  # written by an auditor from before the marker
    raise UsageError(f"is a folder auditor did not write (no {MARKER} file); auditor never replaces it. "
                     f"Choose a new or empty {option}", path=shown)


def check_destination(dest: str | Path, kind: str, *, option: str = "--out") -> None:
    """Check, before any work, that ``dest`` can receive an output of ``kind`` (see :class:`atomic_dir`)."""
    check_replaceable(check_out_path(dest, option=option), kind, shown=str(dest), option=option)


def mark_folder(folder: Path, kind: str) -> None:
    """Write the marker of ``kind`` into ``folder``."""
    (folder / MARKER).write_text(f"{kind}\nWritten by auditor; it replaces this folder only while this file "
                                 "is here.\n", encoding="utf-8")


# ---- stale temporaries -------------------------------------------------------------

def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clear_stale(parent: Path, name: str) -> list[str]:
    """Remove ``.NAME.tmp-<pid>-*`` and ``.NAME.old-<pid>-*`` left by processes that no longer run."""
    pattern = re.compile(rf"\.{re.escape(name)}\.(tmp|old)-(\d+)-[A-Za-z0-9_]+\Z")
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry.name)
        if not m or _alive(int(m.group(2))):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry.name)
        except OSError:
            pass
    return removed


def _prefix(name: str, what: str) -> str:
    return f".{name}.{what}-{os.getpid()}-"


def _write_error(exc: OSError, dest: Path, shown: str) -> UsageError:
    state = "the earlier output was left intact" if dest.exists() else "nothing was written"
    return UsageError(f"cannot write the output: {exc.strerror or exc}; {state}", path=shown)


# ---- writers -------------------------------------------------------------------------

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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clear_stale(path.parent, path.name)
        fd, tmp = tempfile.mkstemp(prefix=_prefix(path.name, "tmp"), dir=path.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {path.name} here: {exc.strerror}", path=str(path.parent)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        # mkstemp makes a private file; the result gets the usual permissions.
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.errno in _WRITE_ERRNOS:
            raise _write_error(exc, path, str(path)) from None
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class atomic_dir:
    """Context manager: a temporary folder that replaces ``dest`` on success.

    ``dest`` must be absent, empty or an auditor output of the same ``kind``
    (see :func:`check_replaceable`); the new folder gets the marker.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with atomic_dir(d) as tmp:
    ...     _ = (tmp / "a.txt").write_text("hi")
    >>> (d / "a.txt").read_text(), (d / MARKER).read_text().split()[0]
    ('hi', 'report')
    """

    def __init__(self, dest: str | Path, kind: str = "report") -> None:
        self.shown = os.fspath(dest) if isinstance(dest, (str, os.PathLike)) else str(dest)
        self.dest = Path(dest)
        self.kind = kind

    def __enter__(self) -> Path:
        self.dest = check_out_path(self.dest)
        parent = self.dest.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            # "File exists" / "Not a directory" read as nonsense for a folder: say which is in the way.
            why = ("a part of this path is a file, not a folder; choose another --out"
                   if isinstance(exc, (FileExistsError, NotADirectoryError)) else exc.strerror)
            raise UsageError(f"cannot create the output folder: {why}", path=str(parent)) from None
        check_replaceable(self.dest, self.kind, shown=self.shown)
        clear_stale(parent, self.dest.name)
        try:
            self.tmp = Path(tempfile.mkdtemp(prefix=_prefix(self.dest.name, "tmp"), dir=parent))
        except OSError as exc:
            raise UsageError(f"cannot write in {parent}: {exc.strerror}", path=self.shown) from None
        try:
            # mkdtemp makes a private folder; a report folder gets the usual permissions.
            os.chmod(self.tmp, 0o777 & ~current_umask())
            mark_folder(self.tmp, self.kind)
        except OSError as exc:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise _write_error(exc, self.dest, self.shown) from None
        except BaseException:  # e.g. Ctrl-C right after mkdtemp: leave nothing behind
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
                raise _write_error(exc, self.dest, self.shown) from None
            return False
        # The swap is two renames; Ctrl-C between them would leave no report at all,
        # so SIGINT/SIGTERM are held until it is done (a pending one fires just after).
        with _signals_deferred():
            old = None
            try:
                if self.dest.exists():
                    old = Path(tempfile.mkdtemp(prefix=_prefix(self.dest.name, "old"), dir=self.dest.parent))
                    os.rmdir(old)
                    os.rename(self.dest, old)
                os.rename(self.tmp, self.dest)
            except BaseException as failure:
                # Put the earlier report back and drop the new one.
                if old is not None and not self.dest.exists():
                    os.rename(old, self.dest)
                shutil.rmtree(self.tmp, ignore_errors=True)
                if isinstance(failure, OSError) and failure.errno in _WRITE_ERRNOS:
                    raise _write_error(failure, self.dest, self.shown) from None
                raise
            if old is not None:
                _remove_old(old)
        return False


def _remove_old(old: Path) -> None:
    """Delete the replaced folder, read-only folders in it included (it was ours)."""
    try:
        os.chmod(old, 0o700)
        for root, dirs, _ in os.walk(old):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o700)
    except OSError:
        pass
    shutil.rmtree(old, ignore_errors=True)


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
