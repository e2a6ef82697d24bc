"""The flow basis as a scenario states it: ``new_per_year``, the ramp and the length of stay.

:func:`parse_flow` checks the fields that only the flow basis (or a ramp on a
stock claim) uses; how they weight the savings lives in :mod:`auditor.model.flow`.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from ..errors import ScenarioError

__all__ = ["parse_flow"]


def parse_flow(claim, settings: Sequence[Any], impl: Mapping[str, Any]) -> tuple[tuple[float, ...], float | None]:
    """Validate the flow-only fields; return ``(ramp, length_of_stay)``."""
    flow = claim.basis == "flow"
    if flow:
        missing = [s.key for s in settings if s.new_per_year is None]
        if missing:
            raise ScenarioError("missing; with claim.basis = 'flow' every setting needs `new_per_year`, the "
                                "children newly placed there each year (0 for a destination only)",
                                field=f"settings.{missing[0]}.new_per_year")
        if not any(s.new_per_year for s in settings):
            raise ScenarioError("with claim.basis = 'flow' at least one setting needs new_per_year > 0",
                                field="settings")
    ramp: tuple[float, ...] = ()
    if "ramp" in impl:
        # Flow: the share of each year's judged shifts that happen. Stock: the share of
        # the judged moves of the current cohort made by each year (stock_factor).
        raw = impl["ramp"]
        if not isinstance(raw, list) or not raw or len(raw) > claim.horizon_years:
            raise ScenarioError(f"must be a list of 1 to {claim.horizon_years} shares (one per year of the "
                                "horizon; the last repeats), e.g. [0.25, 0.5, 1.0]", field="implementation.ramp")
        for i, v in enumerate(raw):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise ScenarioError(f"must be a share between 0 and 1, got {v!r}", field=f"implementation.ramp[{i}]")
        ramp = tuple(float(v) for v in raw)
    stay = None
    if "length_of_stay_years" in impl:
        if not flow:
            raise ScenarioError("applies to claim.basis = 'flow'", field="implementation.length_of_stay_years")
        v = impl["length_of_stay_years"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and v > 0):
            raise ScenarioError(f"must be a number of years > 0, got {v!r}",
                                field="implementation.length_of_stay_years")
        stay = float(v)
    return ramp, stay
