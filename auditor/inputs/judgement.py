"""Judgement reliability: how far the panel's "ideal setting" calls are trusted.

Each Monte Carlo draw gets one reliability ``θ`` in [0, 1]: the probability that
a judged down-shift (a move to a setting whose central cost is lower) is
right. The shifted share ``p[s→t]`` becomes ``θ · p[s→t]``; the rest returns to
"stay". Up-shifts (a child judged to need *more* specialist provision) are
kept at face value: the scrutiny evidence is about councils refusing
provision that families asked for, which says nothing about a panel that
asks for more, and keeping them whole is the choice least favourable to
finding extra savings.

Models (the names are part of the scenario format):

``face_value``   θ = 1, as a published figure assumes.
``fixed``        θ given directly as a distribution.
``scrutinised``  θ ~ Beta(a0·upheld + ½, a0·overturned + ½), a0 = ESS / decided:
                 "as reliable as council decisions that get tested".
``contest``      θ = 1 − γ·ω: a move is undone only if the family contests it
                 (share γ) and wins (ω, from the evidence).
``selection``    θ = 1 − w, w = (O − f) / ((O − f) + ρ·(s − O)): the panel error
                 rate implied by an overturn rate O when wrong decisions are ρ
                 times likelier to be appealed and decided than right ones.

Every evidence model takes a ``transport`` factor τ in [0, 1]:
θ = 1 − τ·(1 − θ_evidence), so τ = 0 ignores the evidence and τ = 1 applies it
in full (the tribunal rules on lawfulness, not on "ideal placement").

A model is a frozen object with ``name``, ``draw_theta(rng, size)``,
``central()`` and ``describe()``. :data:`MODELS` maps each scenario name to its
parser, which is the seam new models plug into.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from .distributions import POSITIVE, SHARE, Dist, parse_dist
from ..errors import ScenarioError
from .appeals import (WinProb, check_wins, parse_win_prob, selection_error_rate, selection_error_rate_into,
                      win_value, win_words, win_written)
from .evidence import DEFAULT_EVIDENCE, Component, Evidence, parse_evidence

__all__ = ["JudgementModel", "FaceValue", "Fixed", "Scrutinised", "Contest", "Selection", "Symmetric", "MODELS",
           "parse_judgement", "selection_error_rate", "DEFAULT_ESS"]


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

    ``evidence``, when given, is the scrutiny evidence the reliability ladder
    and the tipping point read (:mod:`auditor.analysis.tipping`); it never
    changes the audit itself.

    Examples
    --------
    >>> FaceValue().draw_theta(np.random.default_rng(0), 3) is None
    True
    """

    name: str = "face_value"
    n_variates: int = 0
    evidence: Evidence | None = None

    def draw_theta(self, rng: np.random.Generator, size: int) -> np.ndarray | None:
        return None

    def central(self) -> float:
        return 1.0

    def describe(self) -> str:
        return "Face value: every judgement by the panel is taken as right (θ = 1)."

    def to_dict(self) -> dict:
        out = {"model": self.name}
        if self.evidence is not None:
            out["evidence"] = self.evidence.to_list()
        return out


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


# ---- evidence-based models ---------------------------------------------------

#: Default effective sample size for ``scrutinised``: the external evidence counts
#: as much as about 20 reviewed cases, i.e. somewhat less than a 28-case review
#: itself, so neither the tribunal's thousands of appeals nor the panel swamps
#: the other. The methods survey's presets are 5, 20 and 100.
DEFAULT_ESS = 20.0

#: Default share of families who contest a judged down-shift (``contest``).
#: Low end: West Sussex's 2024 appeal rate, 3.5% of appealable decisions (DfE/MoJ
#: "SEND Tribunals and appeal rate 2014-2024" table,
#: https://explore-education-statistics.service.gov.uk/find-statistics/education-health-and-care-plans).
#: That is a floor: a decision to move a child out of their school is far more
#: likely to be contested than an average decision. High end: ASSUMPTION, half.
DEFAULT_CONTEST_RATE = parse_dist({"dist": "uniform", "low": 0.035, "high": 0.5}, SHARE,
                                  "judgement.contest_rate")

#: Default appeal selectivity ρ (``selection``): ASSUMPTION, a lognormal with 90% of
#: its mass between 3 and 30, resting on no published figure. Families appeal the
#: decisions they believe wrong, which pushes ρ above 1; councils concede weak
#: (often wrong) decisions before a hearing, which takes wrong decisions out of the
#: decided pool and pulls ρ *down*. Public data pin neither, so this reading is a
#: labelled rung of the reliability ladder; the headline carries the tipping point
#: (:mod:`auditor.analysis.tipping`) instead.
DEFAULT_SELECTIVITY = parse_dist({"dist": "interval", "low": 3, "high": 30, "level": 0.9}, POSITIVE,
                                 "judgement.selectivity")

_ONE = parse_dist(1.0, SHARE, "judgement.transport")


def _rate_params(c: Component, ess: float | None) -> tuple[float, float] | None:
    """Beta(a, b) for the overturn rate of one evidence component.

    With an effective sample size the pseudo-counts are ``ess·rate`` overturned
    and ``ess·(1 − rate)`` upheld (the power prior with a0 = ess / decided);
    without one the raw counts are used; a rate with no counts is taken as fixed
    (``None``).
    """
    if ess is None:
        if c.decided is None:
            return None
        return c.overturned + 0.5, c.upheld + 0.5
    return ess * c.rate + 0.5, ess * (1.0 - c.rate) + 0.5


class _Children:
    """``rng.spawn(k)``, with each child's generator built only when it is used.

    ``Generator.spawn(k)`` spawns ``k`` seed sequences from the parent's (keys
    parent key + (i,), from the parent's spawn counter on, which it advances)
    and builds a bit generator and a Generator on each. Here the seed
    sequences are spawned the same way, so keys and counter are the same, but
    a child's bit generator (about 10 µs: it hashes its state) is built only
    when the child draws, and a child that only spawns further children never
    builds one. Same numbers as ``rng.spawn(k)`` (tests/test_judgement.py).
    """

    __slots__ = ("seqs", "kind")

    def __init__(self, seqs: list, kind: type) -> None:
        self.seqs, self.kind = seqs, kind

    @classmethod
    def of(cls, rng: np.random.Generator, k: int) -> "_Children":
        bits = rng.bit_generator
        return cls(bits.seed_seq.spawn(k), type(bits))

    def rng(self, i: int) -> np.random.Generator:
        """Child ``i``'s generator: ``rng.spawn(k)[i]``."""
        return np.random.Generator(self.kind(self.seqs[i]))

    def children(self, i: int, m: int) -> "_Children":
        """``rng.spawn(k)[i].spawn(m)`` without building child ``i``'s own generator."""
        return _Children(self.seqs[i].spawn(m), self.kind)


def _draw_dist(dist: Dist, kids: _Children, i: int, size: int) -> np.ndarray:
    """``dist.draw(kids.rng(i), size)``; a fixed value draws nothing, so it builds no generator."""
    return np.full(size, dist.p["value"]) if dist.is_fixed else dist.draw(kids.rng(i), size)


def _draw_mixture(evidence: Evidence, kids: _Children, size: int,
                  one: Callable[[Component, np.random.Generator], np.ndarray]) -> np.ndarray:
    """Per draw, pick a component by weight and take its value from ``one``.

    ``kids`` are the evidence stream's children: 0 picks the component (only
    when there are several), 1 + j feeds component j.
    """
    if len(evidence.components) == 1:  # evidence.pick would return None without drawing
        return one(evidence.components[0], kids.rng(1))
    idx = evidence.pick(kids.rng(0), size)
    out = np.empty(size)
    for j, c in enumerate(evidence.components):
        x = one(c, kids.rng(1 + j))
        out[idx == j] = x[idx == j]
    return out


def _overturn_rate(evidence: Evidence, ess: float | None, kids: _Children, size: int) -> np.ndarray:
    def one(c: Component, r: np.random.Generator) -> np.ndarray:
        params = _rate_params(c, ess)
        return np.full(size, c.rate) if params is None else r.beta(params[0], params[1], size)

    return _draw_mixture(evidence, kids, size, one)


def _transported(theta: np.ndarray, transport: Dist, kids: _Children, i: int, size: int) -> np.ndarray:
    """θ = 1 − τ·(1 − θ_evidence): τ = 1 applies the evidence in full, τ = 0 ignores it.

    τ is drawn from child ``i`` of ``kids``.
    """
    if transport.is_fixed and transport.p["value"] == 1.0:
        return theta
    tau = _draw_dist(transport, kids, i, size)
    return 1.0 - tau * (1.0 - theta)


def _mc_mean(model: "JudgementModel") -> float:
    # A fixed private stream: central() must be deterministic and cheap.
    return float(np.mean(model.draw_theta(np.random.default_rng(20230), 20_000)))


def _common_dict(model) -> dict:
    out = {"model": model.name, "evidence": model.evidence.to_list(),
           "effective_sample_size": "all" if model.effective_sample_size is None else model.effective_sample_size}
    if not (model.transport.is_fixed and model.transport.p["value"] == 1.0):
        out["transport"] = model.transport.written
    return out


def _transport_words(transport: Dist) -> str:
    if transport.is_fixed and transport.p["value"] == 1.0:
        return ""
    return f" The evidence is applied with transport factor τ ~ {transport.describe()}."


@dataclass(frozen=True)
class Scrutinised:
    """θ = the councils' success rate under scrutiny, discounted by an effective sample size.

    θ ~ Beta(a0·upheld + ½, a0·overturned + ½) with a0 = ESS / decided, so the
    evidence counts as ``effective_sample_size`` cases (``None``: every case).

    Examples
    --------
    >>> m = parse_judgement({"model": "scrutinised", "evidence": {"upheld": 136, "overturned": 7832},
    ...                      "effective_sample_size": 20})
    >>> round(m.central(), 4)  # (20·136/7968 + ½) / (20 + 1)
    0.0401
    """

    evidence: Evidence
    effective_sample_size: float | None = DEFAULT_ESS
    transport: Dist = _ONE
    name: str = "scrutinised"

    @property
    def n_variates(self) -> int:
        return 2 + (len(self.evidence.components) > 1) + self.transport.n_variates

    def draw_theta(self, rng: np.random.Generator, size: int) -> np.ndarray:
        kids = _Children.of(rng, 2)  # 0: evidence, 1: transport

        def one(c: Component, r: np.random.Generator) -> np.ndarray:
            a, b = _rate_params(c, self.effective_sample_size)
            return r.beta(b, a, size)  # the council's success rate: upheld first

        theta = _draw_mixture(self.evidence, kids.children(0, 1 + len(self.evidence.components)), size, one)
        return _transported(theta, self.transport, kids, 1, size)

    def central(self) -> float:
        tau = self.transport.mean()
        mean = sum(c.weight * (lambda ab: ab[1] / (ab[0] + ab[1]))(_rate_params(c, self.effective_sample_size))
                   for c in self.evidence.components)
        return 1.0 - tau * (1.0 - mean)

    def describe(self) -> str:
        ess = "all their cases" if self.effective_sample_size is None else f"{self.effective_sample_size:g} cases"
        return (f"Scrutinised (a worst case): each judged down-shift holds as often as challenged council "
                f"decisions survive scrutiny "
                f"({self.evidence.describe()}), with the evidence counted as {ess}." +
                _transport_words(self.transport))

    def to_dict(self) -> dict:
        return _common_dict(self)


@dataclass(frozen=True)
class Contest:
    """θ = 1 − γ·ω: a move is undone when the family contests it (γ) and wins (ω).

    Examples
    --------
    >>> m = parse_judgement({"model": "contest", "contest_rate": 0.5, "evidence": {"overturn_rate": 0.9}})
    >>> round(m.central(), 3)  # 1 − 0.5 · 0.9
    0.55
    """

    evidence: Evidence
    contest_rate: Dist = DEFAULT_CONTEST_RATE
    count_concessions: bool = False
    effective_sample_size: float | None = None
    transport: Dist = _ONE
    name: str = "contest"

    @property
    def n_variates(self) -> int:
        return 2 + (len(self.evidence.components) > 1) + self.contest_rate.n_variates + self.transport.n_variates

    def draw_theta(self, rng: np.random.Generator, size: int) -> np.ndarray:
        kids = _Children.of(rng, 3)  # 0: evidence, 1: contest rate, 2: transport
        omega = _overturn_rate(self.evidence, self.effective_sample_size,
                               kids.children(0, 1 + len(self.evidence.components)), size)
        gamma = _draw_dist(self.contest_rate, kids, 1, size)
        return _transported(1.0 - gamma * omega, self.transport, kids, 2, size)

    def central(self) -> float:
        omega = sum(c.weight * (c.rate if (ab := _rate_params(c, self.effective_sample_size)) is None
                                else ab[0] / (ab[0] + ab[1])) for c in self.evidence.components)
        return 1.0 - self.transport.mean() * self.contest_rate.mean() * omega

    def describe(self) -> str:
        extra = ", counting appeals conceded or withdrawn before a hearing as lost by the council" \
            if self.count_concessions else ""
        return (f"Contest: a judged down-shift is undone only when the family contests it (share "
                f"{self.contest_rate.describe()}) and wins (as in {self.evidence.describe()}{extra})." +
                _transport_words(self.transport))

    def to_dict(self) -> dict:
        out = _common_dict(self)
        out.update(contest_rate=self.contest_rate.written, count_concessions=self.count_concessions)
        return out


def _win_draws(s: WinProb, f: WinProb, rng: np.random.Generator,
               size: int) -> tuple[float | np.ndarray, float | np.ndarray]:
    """Per-draw s and f; numbers are passed through and draw nothing.

    Children 3 (s) and 4 (f) of the judgement stream are spawned only when a
    win probability is uncertain: children 0–2 (evidence, ρ, transport) are
    spawned first and keyed by index, so their draws are the same either way,
    and a scenario with plain numbers gives the same bits as before these
    inputs could be uncertain. Fixing one of s and f leaves the other's draws.
    """
    fixed_s, fixed_f = win_value(s), win_value(f)
    if fixed_s is not None and fixed_f is not None:
        return fixed_s, fixed_f
    kids = _Children.of(rng, 2)  # after draw_theta's three: children 3 (s) and 4 (f)
    return (fixed_s if fixed_s is not None else s.draw(kids.rng(0), size),
            fixed_f if fixed_f is not None else f.draw(kids.rng(1), size))


@dataclass(frozen=True)
class Selection:
    """θ = 1 − w, the panel error rate implied by the overturn rate under appeal selection.

    ``win_if_wrong`` (s) and ``win_if_right`` (f) are plain numbers or
    distributions on [0, 1] drawn once per draw; their ranges never overlap
    (every draw has f < s), which the parser checks.

    Examples
    --------
    >>> m = parse_judgement({"model": "selection", "selectivity": 10, "evidence": {"overturn_rate": 0.96}})
    >>> round(m.central(), 4)  # 1 − 0.46 / (0.46 + 10·0.04)
    0.4651
    >>> u = parse_judgement({"model": "selection", "selectivity": 10, "evidence": {"overturn_rate": 0.96},
    ...                      "win_if_right": {"dist": "uniform", "low": 0.3, "high": 0.7}})
    >>> u.describe().split("; ")[1]
    'families win 100% of hearings against wrong decisions and 30–70% against right ones).'
    """

    evidence: Evidence
    selectivity: Dist = DEFAULT_SELECTIVITY
    win_if_wrong: WinProb = 1.0
    win_if_right: WinProb = 0.5
    effective_sample_size: float | None = None
    transport: Dist = _ONE
    name: str = "selection"

    @property
    def n_variates(self) -> int:
        wins = sum(v.n_variates for v in (self.win_if_wrong, self.win_if_right) if isinstance(v, Dist))
        return (2 + (len(self.evidence.components) > 1) + self.selectivity.n_variates + self.transport.n_variates
                + wins)

    def draw_theta(self, rng: np.random.Generator, size: int) -> np.ndarray:
        # One child stream per input, so fixing ρ (as the switching search does)
        # leaves the overturn-rate and transport draws unchanged.
        kids = _Children.of(rng, 3)  # 0: evidence, 1: selectivity, 2: transport
        o = _overturn_rate(self.evidence, self.effective_sample_size,
                           kids.children(0, 1 + len(self.evidence.components)), size)
        rho = _draw_dist(self.selectivity, kids, 1, size)
        s, f = _win_draws(self.win_if_wrong, self.win_if_right, rng, size)
        w = selection_error_rate_into(o, rho, s, f)
        return _transported(np.subtract(1.0, w, out=w), self.transport, kids, 2, size)

    def central(self) -> float:
        s, f = win_value(self.win_if_wrong), win_value(self.win_if_right)
        if (self.selectivity.is_fixed and s is not None and f is not None
                and all(_rate_params(c, self.effective_sample_size) is None for c in self.evidence.components)):
            w = sum(c.weight * float(selection_error_rate(c.rate, self.selectivity.p["value"], s, f))
                    for c in self.evidence.components)
            return 1.0 - self.transport.mean() * w
        return _mc_mean(self)

    def describe(self) -> str:
        return (f"Selection: the panel's error rate is what the overturn rate ({self.evidence.describe()}) implies "
                f"when wrong decisions are ρ times likelier to be appealed (ρ ~ {self.selectivity.describe()}; "
                f"families win {win_words(self.win_if_wrong)} of hearings against wrong decisions and "
                f"{win_words(self.win_if_right)} against right ones)." + _transport_words(self.transport))

    def to_dict(self) -> dict:
        out = _common_dict(self)
        out.update(selectivity=self.selectivity.written, win_if_wrong=win_written(self.win_if_wrong),
                   win_if_right=win_written(self.win_if_right))
        return out


@dataclass(frozen=True)
class Symmetric:
    """A reading whose every panel call, not only its down-shifts, is right with probability θ.

    θ is drawn exactly as ``base`` draws it (same stream, same values), so the
    difference from ``base`` on the reliability ladder is the asymmetry alone.
    The engine applies it row by row: a proposed move (down or up) is wrong
    with probability 1 − θ and the child stays; an "already ideal" call is
    wrong with probability 1 − θ and the child belongs, in proportion, where
    the panel sent the other children of that setting (no destination the
    panel never proposed is invented). With m the row's moved share, a move's
    share p becomes p·(θ + (1 − θ)·(1 − m)/m): θ·p of the panel's own moves plus
    that share of the wrongly kept children. A ladder reading only; not a
    scenario model.

    Examples
    --------
    >>> base = parse_judgement({"model": "selection", "selectivity": 10, "evidence": {"overturn_rate": 0.96}})
    >>> Symmetric(base).central() == base.central(), Symmetric(base).name
    (True, 'symmetric')
    """

    base: JudgementModel
    name: str = "symmetric"
    symmetric: bool = True

    @property
    def n_variates(self) -> int:
        return self.base.n_variates

    @property
    def evidence(self):
        return getattr(self.base, "evidence", None)

    @property
    def transport(self):
        return getattr(self.base, "transport", _ONE)

    def draw_theta(self, rng: np.random.Generator, size: int) -> np.ndarray | None:
        return self.base.draw_theta(rng, size)

    def central(self) -> float:
        return self.base.central()

    def describe(self) -> str:
        return (f"Symmetric: every call by the panel (moves up, moves down and \"already ideal\") is right with "
                f"the same probability θ, drawn as in: {self.base.describe()}")

    def to_dict(self) -> dict:
        return {"model": self.name, "base": self.base.to_dict()}


def _check_keys(raw: dict, allowed: set[str], field: str) -> None:
    for key in raw:
        if key not in allowed:
            raise ScenarioError(f"unknown key for model {raw.get('model')!r}; allowed: "
                                f"{', '.join(sorted(allowed))}", field=f"{field}.{key}")


def _parse_face_value(raw: dict, field: str) -> FaceValue:
    _check_keys(raw, {"model", "note", "source", "evidence"}, field)
    if "evidence" not in raw:
        return FaceValue()
    return FaceValue(evidence=parse_evidence(raw["evidence"], f"{field}.evidence"))


def _parse_fixed(raw: dict, field: str) -> Fixed:
    _check_keys(raw, {"model", "theta", "note", "source"}, field)
    if "theta" not in raw:
        raise ScenarioError("missing; model 'fixed' needs `theta`, a number or a dist table in [0, 1]",
                            field=f"{field}.theta")
    return Fixed(parse_dist(raw["theta"], SHARE, f"{field}.theta"))


_EVIDENCE_KEYS = {"model", "note", "source", "evidence", "effective_sample_size", "transport"}


def _parse_ess(raw: dict, field: str, default: float | None) -> float | None:
    if "effective_sample_size" not in raw:
        return default
    v = raw["effective_sample_size"]
    if v == "all":
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and v > 0):
        raise ScenarioError(f"must be a number > 0 (how many cases the evidence counts as) or \"all\", got {v!r}",
                            field=f"{field}.effective_sample_size")
    return float(v)


def _parse_evidence_common(raw: dict, field: str, extra: set[str],
                           ess_default: float | None) -> tuple[Evidence, float | None, Dist]:
    _check_keys(raw, _EVIDENCE_KEYS | extra, field)
    evidence = parse_evidence(raw.get("evidence", DEFAULT_EVIDENCE), f"{field}.evidence")
    ess = _parse_ess(raw, field, ess_default)
    transport = parse_dist(raw.get("transport", 1.0), SHARE, f"{field}.transport")
    return evidence, ess, transport


def _parse_scrutinised(raw: dict, field: str) -> Scrutinised:
    evidence, ess, transport = _parse_evidence_common(raw, field, set(), DEFAULT_ESS)
    if ess is None:
        for c in evidence.components:
            if c.decided is None:
                raise ScenarioError(f"effective_sample_size = \"all\" needs counts, but evidence {c.label!r} has "
                                    "only a rate; give a number of cases instead", field=f"{field}.effective_sample_size")
    return Scrutinised(evidence, ess, transport)


def _parse_contest(raw: dict, field: str) -> Contest:
    evidence, ess, transport = _parse_evidence_common(raw, field, {"contest_rate", "count_concessions"}, None)
    gamma = parse_dist(raw.get("contest_rate", DEFAULT_CONTEST_RATE.written), SHARE, f"{field}.contest_rate")
    concessions = raw.get("count_concessions", False)
    if not isinstance(concessions, bool):
        raise ScenarioError(f"must be true or false, got {concessions!r}", field=f"{field}.count_concessions")
    if concessions:
        evidence = Evidence(tuple(c.with_concessions(f"{field}.count_concessions") for c in evidence.components))
    return Contest(evidence, gamma, concessions, ess, transport)


def _parse_selection(raw: dict, field: str) -> Selection:
    evidence, ess, transport = _parse_evidence_common(
        raw, field, {"selectivity", "win_if_wrong", "win_if_right"}, None)
    rho = parse_dist(raw.get("selectivity", DEFAULT_SELECTIVITY.written), POSITIVE, f"{field}.selectivity")
    _check_selectivity(rho, f"{field}.selectivity")
    s = parse_win_prob(raw, "win_if_wrong", 1.0, field)
    f = parse_win_prob(raw, "win_if_right", 0.5, field)
    check_wins(s, f, field)
    return Selection(evidence, rho, s, f, ess, transport)


def _check_selectivity(rho: Dist, field: str) -> None:
    """Refuse a selectivity of 0, or a range reaching down to 0.

    ρ is how many times likelier a wrong decision is to be appealed than a
    right one; ρ = 0 says wrong decisions are never appealed, which makes every
    upheld decision right and the judgement stage a certain £0. A range must
    start above 0 (an ``interval`` is then fitted to a lognormal, the shape of
    a ratio).
    """
    if rho.is_fixed:
        if rho.p["value"] <= 0:
            raise ScenarioError(f"must be > 0 (how many times likelier a wrong decision is to be appealed than "
                                f"a right one; 1 = equally likely), got {rho.written!r}", field=field)
        return
    low = rho.written.get("low") if isinstance(rho.written, dict) else None
    if low is not None and POSITIVE.parse(low, f"{field}.low") <= 0:
        raise ScenarioError(f"the range must start above 0, got low = {low!r} (0 would mean wrong decisions are "
                            "never appealed); give the smallest ratio you find plausible, such as 1",
                            field=f"{field}.low")


MODELS: dict[str, Callable[[dict, str], JudgementModel]] = {
    "face_value": _parse_face_value,
    "fixed": _parse_fixed,
    "scrutinised": _parse_scrutinised,
    "contest": _parse_contest,
    "selection": _parse_selection,
}


def parse_judgement(raw: object, field: str = "judgement") -> JudgementModel:
    """Validate the ``[judgement]`` table; an omitted table means face value."""
    if raw is None:
        return FaceValue()
    if not isinstance(raw, dict):
        raise ScenarioError("must be a table with a `model` key", field=field)
    model = raw.get("model", "face_value")
    if not isinstance(model, str) or model not in MODELS:  # a list or table is not hashable
        raise ScenarioError(f"unknown model {model!r}; allowed: {', '.join(MODELS)}", field=f"{field}.model")
    return MODELS[model](raw, field)
