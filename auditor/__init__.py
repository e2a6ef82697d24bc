"""auditor: stress-test public savings claims built on small case reviews.

The public API:

* :func:`load_scenario` reads and validates a scenario file;
* :func:`audit` runs the Monte Carlo audit and returns an :class:`AuditResult`.

Heavy libraries (scipy, pandas, matplotlib) are imported only when a function
needs them, so ``auditor --version`` and ``auditor validate`` start fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .engine import audit
from .errors import AuditorError, DataError, ScenarioError, UsageError
from .results import AuditResult
from .scenario import Scenario, load_scenario

__all__ = [
    "__version__",
    "audit",
    "load_scenario",
    "AuditResult",
    "Scenario",
    "AuditorError",
    "ScenarioError",
    "DataError",
    "UsageError",
]
