"""Judgement reliability: how far the panel's "ideal setting" calls are trusted.

Each Monte Carlo draw gets one reliability ``θ`` in [0, 1]: the probability that
a judged down-shift (a move to a setting whose central cost is lower) is
right. The shifted share ``p[s→t]`` becomes ``θ · p[s→t]``; the rest returns to
"stay". Up-shifts (a child judged to need *more* specialist provision) are
kept at face value: the scrutiny evidence is about councils refusing
provision that families asked for, which says nothing about a panel that
asks for more, and keeping them whole is the choice least favourable to
finding extra savings.

A model is a frozen object with ``name``, ``draw_theta(rng, size)``,
``central()`` and ``describe()``. :data:`MODELS` maps each scenario name to its
parser, which is the seam new models plug into.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from .distributions import SHARE, Dist, parse_dist
from .errors import ScenarioError

__all__ = ["JudgementModel", "FaceValue", "Fixed", "MODELS", "parse_judgement"]


class JudgementModel(Protocol):
    """What the engine needs from a reliability model."""

    name: str

    def draw_theta(self, rng: np.random.Generator, size: int) -> np.ndarray | None:
        """Per-draw reliability, or ``None`` when it is 1 for every draw."""

    def central(self) -> float:
        """The model's central θ (its mean)."""

    def describe(self) -> str:
        """One plain sentence for reports."""

    def to_dict(self) -> dict:
        """The resolved model for ``inputs.json`` and ``summary.json``."""


@dataclass(frozen=True)
class FaceValue:
    """θ = 1: every judged move is right (what a published figure assumes).

    Examples
    --------
    >>> FaceValue().draw_theta(np.random.default_rng(0), 3) is None
    True
    """

    name: str = "face_value"
    n_variates: int = 0

    def draw_theta(self, rng: np.random.Generator, size: int) -> np.ndarray | None:
        return None

    def central(self) -> float:
        return 1.0

    def describe(self) -> str:
        return "Face value: every judgement by the panel is taken as right (θ = 1)."

    def to_dict(self) -> dict:
        return {"model": self.name}


@dataclass(frozen=True)
class Fixed:
    """θ given directly as a distribution on [0, 1].

    Examples
    --------
    >>> m = parse_judgement({"model": "fixed", "theta": {"dist": "uniform", "low": 0.5, "high": 0.9}})
    >>> round(m.central(), 3), m.draw_theta(np.random.default_rng(0), 2).round(3).tolist()
    (0.7, [0.755, 0.608])
    """

    theta: Dist
    name: str = "fixed"

    @property
    def n_variates(self) -> int:
        return self.theta.n_variates

    def draw_theta(self, rng: np.random.Generator, size: int) -> np.ndarray | None:
        return self.theta.draw(rng, size)

    def central(self) -> float:
        return self.theta.mean()

    def describe(self) -> str:
        return f"Fixed: each judged down-shift holds with probability θ ~ {self.theta.describe()}."

    def to_dict(self) -> dict:
        return {"model": self.name, "theta": self.theta.written}


def _check_keys(raw: dict, allowed: set[str], field: str) -> None:
    for key in raw:
        if key not in allowed:
            raise ScenarioError(f"unknown key for model {raw.get('model')!r}; allowed: "
                                f"{', '.join(sorted(allowed))}", field=f"{field}.{key}")


def _parse_face_value(raw: dict, field: str) -> FaceValue:
    _check_keys(raw, {"model", "note", "source"}, field)
    return FaceValue()


def _parse_fixed(raw: dict, field: str) -> Fixed:
    _check_keys(raw, {"model", "theta", "note", "source"}, field)
    if "theta" not in raw:
        raise ScenarioError("missing; model 'fixed' needs `theta`, a number or a dist table in [0, 1]",
                            field=f"{field}.theta")
    return Fixed(parse_dist(raw["theta"], SHARE, f"{field}.theta"))


MODELS: dict[str, Callable[[dict, str], JudgementModel]] = {
    "face_value": _parse_face_value,
    "fixed": _parse_fixed,
}


def parse_judgement(raw: object, field: str = "judgement") -> JudgementModel:
    """Validate the ``[judgement]`` table; an omitted table means face value."""
    if raw is None:
        return FaceValue()
    if not isinstance(raw, dict):
        raise ScenarioError("must be a table with a `model` key", field=field)
    model = raw.get("model", "face_value")
    if model not in MODELS:
        raise ScenarioError(f"unknown model {model!r}; allowed: {', '.join(MODELS)}", field=f"{field}.model")
    return MODELS[model](raw, field)
