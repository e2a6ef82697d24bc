"""The optional levers as a scenario states them: read and validated into a frozen :class:`Levers`.

What each lever means, and how the engine applies it, is in :mod:`auditor.model.levers`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import ScenarioError
from .distributions import MONEY, POSITIVE, SHARE, Dist, parse_dist

__all__ = ["Levers", "parse_levers"]


@dataclass(frozen=True)
class Levers:
    """The optional levers of one scenario (``None`` / ``0.0``: off)."""

    selection_bias: Dist | None = None
    delivered: Dist | None = None
    failed_move_cost: Dist | None = None
    cost_correlation: float = 0.0
    cost_correlation_source: str | None = None

    @property
    def any(self) -> bool:
        return (self.selection_bias is not None or self.delivered is not None
                or self.failed_move_cost is not None or self.cost_correlation > 0)

    def n_variates(self) -> int:
        """Random variates per draw the levers add (the shared cost factor counts one)."""
        n = sum(d.n_variates for d in (self.selection_bias, self.delivered, self.failed_move_cost)
                if d is not None)
        return n + (1 if self.cost_correlation > 0 else 0)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("selection_bias", "delivered", "failed_move_cost"):
            d = getattr(self, name)
            if d is not None:
                out[name] = {"describe": d.describe(), "mean": d.mean(), "source": d.source}
        if self.cost_correlation > 0:
            out["cost_correlation"] = {"value": self.cost_correlation, "source": self.cost_correlation_source}
        return out


def parse_levers(sample: Mapping[str, Any], impl: Mapping[str, Any], costs: Mapping[str, Any] | None) -> Levers:
    """Validate the lever keys of ``[sample]``, ``[implementation]`` and ``[costs]``."""
    bias = None
    if "selection_bias" in sample:
        bias = parse_dist(sample["selection_bias"], POSITIVE, "sample.selection_bias")
        lo, _ = bias.bounds()
        if lo <= 0 and bias.kind != "lognormal":  # a lognormal is > 0 in every draw
            raise ScenarioError("must be an odds ratio > 0 everywhere (1: cases drawn at random; 2: a movable "
                                "child twice as likely to be reviewed)", field="sample.selection_bias")
    delivered = None
    if "delivered" in impl:
        delivered = parse_dist(impl["delivered"], SHARE, "implementation.delivered")
    failed = None
    if "failed_move_cost" in impl:
        failed = parse_dist(impl["failed_move_cost"], MONEY, "implementation.failed_move_cost")
    rho, rho_source = 0.0, None
    if costs is not None:
        for key in costs:
            if key not in ("correlation", "source", "note"):
                raise ScenarioError("unknown key; allowed: correlation, note, source", field=f"costs.{key}")
        v = costs.get("correlation", 0.0)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and 0 <= v <= 1):
            raise ScenarioError(f"must be a correlation between 0 (independent costs) and 1 (costs move "
                                f"together), got {v!r}", field="costs.correlation")
        rho = float(v)
        src = costs.get("source")
        if src is not None and not isinstance(src, str):
            raise ScenarioError(f"must be a string, got {src!r}", field="costs.source")
        rho_source = src
    return Levers(bias, delivered, failed, rho, rho_source)
