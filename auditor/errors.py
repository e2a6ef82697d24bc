"""Errors and warnings raised by auditor.

Every error a user can cause derives from :class:`AuditorError`; the command
line turns it into one line on stderr and exit code 2. Anything else that
escapes is a bug in auditor and exits with code 1.
"""

from __future__ import annotations

__all__ = [
    "AuditorError",
    "ScenarioError",
    "DataError",
    "UsageError",
    "AuditorWarning",
    "DegenerateScenarioWarning",
    "SmallSampleWarning",
]


class AuditorError(Exception):
    """Base class for every error caused by input rather than by auditor.

    Parameters
    ----------
    message : str
        What is wrong and what is allowed.
    path : str or None
        The file the problem is in (a scenario, a cases CSV, ``--set``).
    field : str or None
        Dotted name of the offending field, e.g. ``settings.state_special.cost``.
    line : int or None
        1-based line number in ``path`` where known.
    """

    def __init__(self, message: str, *, path: str | None = None,
                 field: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.field = field
        self.line = line

    def one_line(self) -> str:
        """The contract error line without the ``auditor: error:`` prefix.

        Examples
        --------
        >>> ScenarioError("must be >= 0, got -5", path="a.toml", field="settings.x.cohort", line=7).one_line()
        'a.toml:7: settings.x.cohort: must be >= 0, got -5'
        """
        from .safetext import for_terminal

        parts = []
        if self.path is not None:
            parts.append(self.path if self.line is None else f"{self.path}:{self.line}")
        if self.field:
            parts.append(self.field)
        parts.append(" ".join(self.message.split()))
        # One line whatever the input: a newline or escape sequence in a key, a
        # path or a value is shown as an escape, never acted on by the terminal.
        return for_terminal(": ".join(parts), keep_newlines=False)

    def __str__(self) -> str:
        return self.one_line()


class ScenarioError(AuditorError, ValueError):
    """Raised when a scenario file, or an override applied to it, is invalid."""


class DataError(AuditorError, ValueError):
    """Raised when a data file (cases CSV, evidence table) is unreadable or invalid."""


class UsageError(AuditorError, ValueError):
    """Raised for bad command-line or API arguments (e.g. a missing scenario path)."""


class UsageTypeError(UsageError, TypeError):
    """Raised for an API argument of the wrong type (a TypeError naming the argument, as scipy's checks do)."""


class AuditorWarning(UserWarning):
    """Base class for auditor's warnings."""


class DegenerateScenarioWarning(AuditorWarning):
    """Emitted when a legal scenario gives a degenerate result (e.g. no judged moves)."""


class SmallSampleWarning(AuditorWarning):
    """Emitted when the chosen resampling method is poorly calibrated at the review's size.

    The stratified bootstrap with a row of fewer than 20 reviewed cases
    (docs/methods.md §2, coverage table).
    """
