"""auditor: stress-test public savings claims built on small case reviews.

The public API:

* :func:`load_scenario` reads and validates a scenario file;
* :func:`audit` runs the Monte Carlo audit and returns an :class:`AuditResult`;
* :func:`batch` audits many scenario files and :func:`sweep` one scenario over a
  grid of values, each returning a pandas DataFrame (on any executor).

Heavy libraries (scipy, pandas, matplotlib) are imported only when a function
needs them, so ``auditor --version`` and ``auditor validate`` start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._version import __version__
from .errors import AuditorError, DataError, ScenarioError, UsageError

# The numpy-backed names load on first use (PEP 562): importing numpy costs
# about 0.25 s, which `auditor --version` and `--help` should not pay.
_LAZY = {"audit": "api", "AuditResult": "results", "Scenario": "inputs.scenario",
         "load_scenario": "inputs.scenario", "batch": "scripted", "sweep": "scripted",
         "sensitivity": "api", "SensitivityResult": "results",
         "track": "analysis.track", "TrackResult": "analysis.track"}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .scripted import batch, sweep
    from .api import audit, sensitivity
    from .inputs.scenario import Scenario, load_scenario
    from .results import AuditResult, SensitivityResult
    from .analysis.track import TrackResult, track


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    "audit",
    "load_scenario",
    "batch",
    "sweep",
    "sensitivity",
    "SensitivityResult",
    "track",
    "TrackResult",
    "AuditResult",
    "Scenario",
    "AuditorError",
    "ScenarioError",
    "DataError",
    "UsageError",
]
