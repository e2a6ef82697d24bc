"""Write some report files in a forked child process while the parent writes the others.

``auditor run`` spends most of its time drawing figures (PNG and the PDF
brief) and formatting ``draws.csv.gz``, all single-threaded Python. On a
machine with a second core, :func:`start` forks a child that writes the brief
and the draws file from the parent's memory (no copying, no pickling) while
the parent draws the PNG figures and writes the HTML and Markdown; the files
are the same bytes either way (each job is a deterministic function of the
result). Only Linux forks here (``fork`` is unsafe on macOS and absent on
Windows); elsewhere, with one usable core, or when forking fails, the jobs
run in the parent, one after the other.

A child that fails for any reason exits with a non-zero status and the parent
runs the jobs again itself, so an error is raised in the parent with its
usual message; an interrupted parent kills and reaps its child.

The parent imports the drawing libraries the chosen formats need
(:func:`preload`) before it forks, so the child inherits them instead of
importing them a second time (about half a second of CPU on a busy machine).
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Sequence

__all__ = ["Pending", "start", "can_fork", "preload", "DRAWING_MODULES"]

#: What each report format draws with (imported by :func:`preload`).
DRAWING_MODULES = {
    "md": ("matplotlib.figure", "matplotlib.backends.backend_agg", "PIL.PngImagePlugin", "auditor.figures.audit",
           "auditor.figures.track", "auditor.report.markdown"),
    "html": ("matplotlib.figure", "matplotlib.backends.backend_svg", "jinja2", "auditor.figures.audit",
             "auditor.figures.track", "auditor.report.html"),
    "pdf": ("matplotlib.figure", "matplotlib.backends.backend_pdf", "fontTools.subset", "auditor.figures.audit",
            "auditor.report.brief", "auditor.report.fonts"),
}


def preload(formats: Sequence[str]) -> None:
    """Import what the chosen report formats draw with (nothing for formats that do not draw).

    Examples
    --------
    >>> import sys; preload(["json", "draws"]); preload(["pdf"]); "fontTools.subset" in sys.modules
    True
    """
    import importlib

    names = list(dict.fromkeys(m for f in formats for m in DRAWING_MODULES.get(f, ())))
    if names:
        import matplotlib

        matplotlib.use("Agg", force=False)
    for name in names:
        importlib.import_module(name)


def can_fork() -> bool:
    """True where a forked child can do the work in parallel: Linux, with at least two usable cores."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except (AttributeError, OSError):
        return (os.cpu_count() or 1) >= 2


class Pending:
    """Jobs started by :func:`start`; :meth:`finish` waits for them (or runs them)."""

    def __init__(self, jobs: Sequence[Callable[[], object]], pid: int | None) -> None:
        self.jobs = list(jobs)
        self.pid = pid

    def finish(self) -> None:
        """Wait for the child; if it failed (or none was started), run the jobs here."""
        pid, self.pid = self.pid, None
        if pid is not None:
            try:
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:
                status = 1
            if os.waitstatus_to_exitcode(status) == 0:
                return
        for job in self.jobs:
            job()

    def cancel(self) -> None:
        """Kill and reap a child still running (after an error or an interrupt in the parent)."""
        import signal

        pid, self.pid = self.pid, None
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def start(jobs: Sequence[Callable[[], object]], parallel: bool = True) -> Pending:
    """Run ``jobs`` in a forked child when ``parallel`` and :func:`can_fork`; else defer them to ``finish``.

    Examples
    --------
    >>> done = []
    >>> p = start([lambda: done.append(1)], parallel=False)
    >>> p.finish(); done
    [1]
    """
    if not jobs or not parallel or not can_fork():
        return Pending(jobs, None)
    import warnings

    # Python 3.12+ warns about forking a process with threads (numpy's BLAS pool); the
    # child only formats text, draws with matplotlib and writes files, then _exits.
    sys.stdout.flush()
    sys.stderr.flush()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            pid = os.fork()
        except OSError:
            return Pending(jobs, None)
    if pid == 0:  # the child: do the jobs, never return into the caller
        code = 1
        try:
            for job in jobs:
                job()
            code = 0
        except BaseException:  # the parent redoes the jobs and reports the error itself
            code = 1
        finally:
            os._exit(code)
    return Pending(jobs, pid)
