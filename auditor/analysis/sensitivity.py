"""Sensitivity analysis: what drives the width, how fragile the claim is, what sample would settle it.

Everything here is built from the engine's own pieces (:func:`auditor.model.engine.simulate`
on a possibly modified scenario), so each analysis sees exactly the savings formula,
judgement model and resampling scheme that ``auditor run`` uses.

``variance_share``
    Grouped Sobol indices by pick-freeze, one group per source of randomness
    (sampling, judgement, costs, implementation, and composition when the
    scenario has it). Matrix A is the engine's own draws for the run seed,
    matrix B uses an independent seed, and AB_k is A with source k's streams
    taken from B (:class:`SourceSeeds`). First order by Saltelli et al.
    (2010), total effect by Jansen (1999); percentile bootstrap intervals
    over the N rows.
``fragility``, ``case_influence``
    In :mod:`auditor.analysis.fragility`: the fewest judgements whose reversal
    takes the point estimate below the claim, and the effect of each case.
``switching_values``
    The value of an input at which the median audited saving equals the
    claim's low end, found with common random numbers and Brent's method.
``tornado``
    One-at-a-time 5th/95th percentile presets on the point-style estimate.
``sample_size``
    The audit rerun as if a review of n cases had found the same shares.
``grid``
    Median saving and P(≥ claim low) over θ × realisation.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..model import engine
from ..inputs.distributions import MONEY, SHARE, Dist
from ..inputs.scenario import Scenario
from .roots import find_root

__all__ = ["SourceSeeds", "SobolIndex", "SwitchingValue", "grouped_sobol", "variance_shares",
           "switching_values", "tornado", "sample_size", "two_way_grid", "plateau", "N_BOOT", "DEFAULT_DRAWS",
           "SAMPLE_SIZES", "SOURCE_LABELS", "TARGET_HALF_WIDTH"]

DEFAULT_DRAWS = 16_384   # two engine blocks: each evaluation takes ~10 ms on West Sussex
SAMPLE_SIZES = (28, 56, 112, 224, 448)
TARGET_HALF_WIDTH = 0.25  # "±25% on the point estimate": half the 90% interval / point
N_BOOT = 200
GRID_THETA = tuple(round(0.5 + 0.05 * i, 2) for i in range(11))     # 0.5, 0.55, …, 1.0
GRID_REALISATION = GRID_THETA
BASE_SOURCES = ("sampling", "judgement", "costs", "implementation")
SOURCE_LABELS = {"sampling": "Small sample", "judgement": "Judgement reliability",
                 "costs": "Unit costs", "implementation": "Implementation (realisation)",
                 "composition": "Sample composition"}
# Spawn-key tags: far from the engine's (block, source, item) keys, so the B matrix
# and the bootstrap never reuse an engine stream.
_B_TAG = 0x5E_B
_BOOT_TAG = 0x5E_B007


# ---- seeds -------------------------------------------------------------------

@dataclass(frozen=True)
class SourceSeeds:
    """Per-source seeds for :func:`auditor.model.engine.stream`: the pick-freeze switch.

    Sources in ``swapped`` draw from ``other``; every other source from ``base``.

    Examples
    --------
    >>> s = SourceSeeds(1, frozenset({"costs"}), 2)
    >>> s.for_source("costs"), s.for_source("sampling")
    (2, 1)
    """

    base: int
    swapped: frozenset = frozenset()
    other: int = 0

    def for_source(self, source: str) -> int:
        return self.other if source in self.swapped else self.base


def independent_seed(seed: int, tag: int = _B_TAG) -> int:
    """A second seed whose streams are independent of ``seed``'s (for matrix B).

    Examples
    --------
    >>> independent_seed(2023) == independent_seed(2023), independent_seed(2023) == 2023
    (True, False)
    """
    state = np.random.SeedSequence(seed, spawn_key=(tag,)).generate_state(2, np.uint64)
    return int(state[0]) >> 1


def _full(model: engine.Model, draws: int, seed) -> np.ndarray:
    return engine.simulate(model, draws=draws, seed=seed, keep_inputs=False)["full"]


def _fixed(value: float, domain=SHARE) -> Dist:
    return Dist("fixed", (("value", float(value)),), domain)


# ---- 1. grouped Sobol indices -------------------------------------------------

@dataclass(frozen=True)
class SobolIndex:
    """First-order and total Sobol index of one source, with bootstrap intervals."""

    source: str
    first: float
    first_ci: tuple[float, float]
    total: float
    total_ci: tuple[float, float]
    varies: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"first": self.first, "first_ci": list(self.first_ci), "total": self.total,
                "total_ci": list(self.total_ci), "varies": self.varies}


def _indices(f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Saltelli (2010) first order and Jansen (1999) total, along the last axis."""
    var = np.var(np.concatenate([f_a, f_b], axis=-1), axis=-1)
    var = np.where(var > 0, var, np.nan)
    first = np.mean(f_b * (f_ab - f_a), axis=-1) / var
    total = 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) / var
    return first, total


def grouped_sobol(f_a: np.ndarray, f_b: np.ndarray, f_ab: Mapping[str, np.ndarray],
                  rng: np.random.Generator, *, n_boot: int = N_BOOT,
                  level: float = 0.9) -> dict[str, SobolIndex]:
    """Pick-freeze Sobol indices from model evaluations.

    Parameters
    ----------
    f_a, f_b : ndarray, shape (N,)
        The model on two independent input matrices A and B.
    f_ab : mapping of str to ndarray
        For each group k, the model on A with group k's inputs taken from B.
    rng : numpy.random.Generator
        For the bootstrap over the N rows (rows are resampled jointly).
    n_boot : int
        Bootstrap replicates (0: no intervals, they repeat the estimate).
    level : float
        Coverage of the percentile intervals.

    Returns
    -------
    dict of str to SobolIndex
        A group whose evaluations equal ``f_a`` exactly does not vary and gets 0.

    Examples
    --------
    An additive toy, f = x1 + 2·x2 with independent standard normals, has
    S1 = ST1 = 1/5 and S2 = ST2 = 4/5:

    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.standard_normal((2, 20000, 2))
    >>> f = lambda x: x[:, 0] + 2 * x[:, 1]
    >>> ab = {"x1": f(np.c_[b[:, 0], a[:, 1]]), "x2": f(np.c_[a[:, 0], b[:, 1]])}
    >>> out = grouped_sobol(f(a), f(b), ab, rng, n_boot=0)
    >>> [round(out[k].first, 1) for k in ("x1", "x2")], [round(out[k].total, 1) for k in ("x1", "x2")]
    ([0.2, 0.8], [0.2, 0.8])
    """
    n = f_a.size
    if not np.var(np.concatenate([f_a, f_b])) > 0:
        # Nothing varies: there is no variance to share out.
        return {k: SobolIndex(k, 0.0, (0.0, 0.0), 0.0, (0.0, 0.0), varies=False) for k in f_ab}
    tail = (1.0 - level) / 2.0
    idx = rng.integers(0, n, size=(n_boot, n)) if n_boot > 0 else None
    # Resampled A and B are shared by every group; gather them once.
    a_boot, b_boot = (f_a[idx], f_b[idx]) if idx is not None else (None, None)
    out = {}
    for name, f_k in f_ab.items():
        if np.array_equal(f_k, f_a):
            out[name] = SobolIndex(name, 0.0, (0.0, 0.0), 0.0, (0.0, 0.0), varies=False)
            continue
        first, total = (float(v) for v in _indices(f_a, f_b, f_k))
        if idx is None:
            fci, tci = (first, first), (total, total)
        else:
            bf, bt = _indices(a_boot, b_boot, f_k[idx])
            fci = tuple(float(v) for v in np.nanquantile(bf, (tail, 1 - tail)))
            tci = tuple(float(v) for v in np.nanquantile(bt, (tail, 1 - tail)))
        out[name] = SobolIndex(name, first, fci, total, tci)
    return out


def variance_shares(model: engine.Model, *, draws: int, seed: int,
                    n_boot: int = N_BOOT) -> dict[str, SobolIndex]:
    """Grouped Sobol indices of the audited savings, one group per source.

    Costs ``draws × (k + 2)`` engine draws for ``k`` sources. The four
    base sources are always reported (an input fixed in the scenario shows
    as not varying); ``composition`` only when the scenario draws it.

    With a `reported` review the sampling draws are made by inverse CDF
    (``Model.quantile_sampling``), so that swapping the composition stream
    leaves the sampling input (one uniform per cell) as it was.
    """
    if model.design.compositions is not None and model.design.compositions.shape[0] > 1:
        model = dataclasses.replace(model, quantile_sampling=True)
    seed_b = independent_seed(seed)
    f_a = _full(model, draws, seed)
    f_b = _full(model, draws, seed_b)
    f_ab = {src: _full(model, draws, SourceSeeds(seed, frozenset({src}), seed_b)) for src in engine.SOURCES}
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_BOOT_TAG,)))
    out = grouped_sobol(f_a, f_b, f_ab, rng, n_boot=n_boot)
    return {k: v for k, v in out.items() if k in BASE_SOURCES or v.varies}


# ---- scenario variants ------------------------------------------------------------------

def _with_realisation(s: Scenario, x: float) -> Scenario:
    return dataclasses.replace(s, realisation=_fixed(x))


def _with_theta(s: Scenario, x: float) -> Scenario:
    from ..inputs.judgement import Fixed

    return dataclasses.replace(s, judgement=Fixed(_fixed(x)))


def _with_cost(s: Scenario, key: str, x: float) -> Scenario:
    settings = tuple(dataclasses.replace(st, cost=_fixed(x, MONEY)) if st.key == key else st
                     for st in s.settings)
    return dataclasses.replace(s, settings=settings)


def _with_judgement_field(s: Scenario, name: str, x: float) -> Scenario:
    current = getattr(s.judgement, name)
    return dataclasses.replace(s, judgement=dataclasses.replace(s.judgement, **{name: _fixed(x, current.domain)}))


def _judgement_fields(s: Scenario) -> list[str]:
    """The judgement model's own uncertain parameters (e.g. a selectivity ρ).

    Any dataclass field holding a :class:`Dist` counts, so models added later
    are covered without changes here. ``face_value`` and ``fixed`` are covered
    by θ itself.
    """
    j = s.judgement
    if j.name in ("face_value", "fixed") or not dataclasses.is_dataclass(j):
        return []
    return [f.name for f in dataclasses.fields(j) if isinstance(getattr(j, f.name), Dist)]


def _dist_range(d: Dist) -> tuple[float, float]:
    lo, hi = d.bounds()
    if not math.isfinite(hi):
        hi = _quantile(d, 0.999)
    return float(lo), float(hi)


def _quantile(d: Dist, q: float) -> float:
    """Quantile of ``d``; closed forms for the common families keep scipy.stats unimported.

    Examples
    --------
    >>> from auditor.inputs.distributions import parse_dist, MONEY
    >>> d = parse_dist({"dist": "triangular", "low": 0, "mode": 0, "high": 10}, MONEY, "c")
    >>> round(_quantile(d, 0.75), 6)  # 1 − (1 − x/10)² = 0.75 → x = 5
    5.0
    """
    p = d.p
    if d.kind == "fixed":
        return p["value"]
    if d.kind == "uniform":
        return p["low"] + q * (p["high"] - p["low"])
    if d.kind == "triangular":
        lo, mode, hi = p["low"], p["mode"], p["high"]
        if hi == lo:
            return lo
        c = (mode - lo) / (hi - lo)
        if q <= c:
            return lo + math.sqrt(q * (hi - lo) * (mode - lo))
        return hi - math.sqrt((1 - q) * (hi - lo) * (hi - mode))
    # Other families: the empirical quantile of 2^17 seeded draws (exact enough for
    # presets and search ranges; Dist.quantile would import scipy.stats, ~2-4 s).
    draws = d.draw(np.random.default_rng(_BOOT_TAG), 1 << 17)
    return float(np.quantile(draws, q))


def _inputs(s: Scenario) -> list[tuple[str, str, Callable[[Scenario, float], Scenario], tuple[float, float],
                                       float, tuple[float, float] | None]]:
    """(name, label, variant, search range, current value, input's own range) per input."""
    out = []
    r = s.realisation
    out.append(("realisation", "Realisation (share of judged moves that happen)", _with_realisation,
                (0.0, 1.0), r.mean(), r.bounds()))
    theta = float(s.judgement.central())
    out.append(("judgement.theta", "Judgement reliability θ (share of down-shifts that are right)", _with_theta,
                (0.0, 1.0), theta, None))
    for name in _judgement_fields(s):
        d = getattr(s.judgement, name)
        lo, hi = _dist_range(d)
        search = (0.0, 1.0) if d.domain == SHARE else (d.domain.lower, max(hi, 1.0) * 2.0)
        out.append((f"judgement.{name}", f"Judgement parameter {name}",
                    lambda sc, x, n=name: _with_judgement_field(sc, n, x), search, d.mean(), (lo, hi)))
    model = engine.build_model(s)
    for i in model.costed:
        st = s.settings[i]
        lo, hi = _dist_range(st.cost)
        out.append((f"cost.{st.key}", f"Annual cost: {st.label}",
                    lambda sc, x, k=st.key: _with_cost(sc, k, x), (0.0, 2.0 * hi), st.cost.mean(), (lo, hi)))
    return out


# ---- 4. switching values --------------------------------------------------------------------

@dataclass(frozen=True)
class SwitchingValue:
    """Where the median audited saving meets the claim's low end, for one input."""

    input: str
    label: str
    current: float
    value: float | None
    search_range: tuple[float, float]
    input_range: tuple[float, float] | None
    below_when: str | None = None   # "lower" or "higher": which side of the value misses the claim
    note: str | None = None

    @property
    def within_input_range(self) -> bool | None:
        if self.value is None or self.input_range is None:
            return None
        lo, hi = self.input_range
        return bool(lo <= self.value <= hi)

    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input, "label": self.label, "current": self.current, "value": self.value,
                "search_range": list(self.search_range),
                "input_range": None if self.input_range is None else list(self.input_range),
                "within_input_range": self.within_input_range, "claim_missed_when": self.below_when,
                "note": self.note}


def _median_full(s: Scenario, draws: int, seed: int) -> float:
    return float(np.median(_full(engine.build_model(s), draws, seed)))


def switching_values(scenario: Scenario, *, draws: int, seed: int, n_scan: int = 9) -> list[SwitchingValue]:
    """For each input, the value at which the median audited saving equals the claim's low end.

    Every evaluation uses the same seed, so the other sources keep the same
    draws (common random numbers) and the median is a smooth function of the
    input. The search range is scanned on ``n_scan`` points for a sign change
    closest to the current value, then refined with Brent's method
    (:func:`auditor.analysis.roots.find_root`).
    ``value`` is None when the median stays on one side of the claim's low end
    over the whole search range.
    """
    low = scenario.claim.low
    out = []
    for name, label, variant, (a, b), current, own in _inputs(scenario):
        def gap(x: float) -> float:
            return _median_full(variant(scenario, x), draws, seed) - low

        try:
            xs = np.linspace(a, b, n_scan)
            gs = np.array([gap(x) for x in xs])
        except Exception as exc:  # a model may reject a value in its own way; report, don't fail
            out.append(SwitchingValue(name, label, current, None, (a, b), own, note=f"not evaluated: {exc}"))
            continue
        roots = []
        for i in range(n_scan - 1):
            if gs[i] == 0:
                roots.append(float(xs[i]))
            elif gs[i] * gs[i + 1] < 0:
                roots.append(find_root(gap, xs[i], xs[i + 1], xtol=1e-7 * max(1.0, abs(b - a))))
        if gs[-1] == 0:
            roots.append(float(xs[-1]))
        if not roots:
            out.append(SwitchingValue(name, label, current, None, (a, b), own))
            continue
        value = min(roots, key=lambda r: abs(r - current))
        # Which side misses the claim: look just below the switching value.
        probe = value - 0.01 * (b - a)
        side = None
        if probe >= a:
            side = "lower" if gap(probe) < 0 else "higher"
        elif value + 0.01 * (b - a) <= b:
            side = "higher" if gap(value + 0.01 * (b - a)) < 0 else "lower"
        out.append(SwitchingValue(name, label, current, value, (a, b), own, side))
    return out


# ---- 5. tornado ----------------------------------------------------------------------------------

def _deterministic(model: engine.Model, *, theta: float = 1.0, costs=None,
                   realisation: float | None = None) -> float:
    """The savings at observed shares and the given θ, costs and realisation (central by default)."""
    return engine.savings(model, model.design.observed_shares, theta=theta, costs=costs,
                          realisation=realisation)


def tornado(scenario: Scenario, *, draws: int, seed: int) -> tuple[float, list[dict[str, Any]]]:
    """One-at-a-time bars: each input at its 5th and 95th percentile, the rest central.

    The output is the point-style estimate (θ at the model's central value).
    The sampling bar uses the 5th and 95th percentiles of the sampling-only
    stage. One-at-a-time bars ignore interactions and joint extremes; the
    variance shares do not.

    Returns
    -------
    base : float
    rows : list of dict
        ``input, label, low_value, high_value, at_low, at_high``, widest first.
    """
    model = engine.build_model(scenario)
    theta_c = float(scenario.judgement.central())
    base = _deterministic(model, theta=theta_c)
    rows = []
    # Sampling alone at the central θ: the engine's judgement stage (mean costs and
    # realisation) with θ pinned at its central value.
    pinned = engine.build_model(_with_theta(scenario, theta_c))
    samp = engine.simulate(pinned, draws=draws, seed=seed, keep_inputs=False)["judgement"]
    lo, hi = np.quantile(samp, (0.05, 0.95))
    rows.append({"input": "sampling", "label": "Small sample (5th/95th percentile)", "low_value": None,
                 "high_value": None, "at_low": float(lo), "at_high": float(hi)})
    thetas = scenario.judgement.draw_theta(
        np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_BOOT_TAG, 1))), draws)
    t_lo, t_hi = (1.0, 1.0) if thetas is None else (float(v) for v in np.quantile(thetas, (0.05, 0.95)))
    rows.append({"input": "judgement.theta", "label": "Judgement reliability θ", "low_value": t_lo,
                 "high_value": t_hi, "at_low": _deterministic(model, theta=t_lo),
                 "at_high": _deterministic(model, theta=t_hi)})
    r = scenario.realisation
    r_lo, r_hi = _quantile(r, 0.05), _quantile(r, 0.95)
    rows.append({"input": "realisation", "label": "Realisation", "low_value": r_lo, "high_value": r_hi,
                 "at_low": _deterministic(model, theta=theta_c, realisation=r_lo),
                 "at_high": _deterministic(model, theta=theta_c, realisation=r_hi)})
    for i in model.costed:
        st = scenario.settings[i]
        c_lo, c_hi = _quantile(st.cost, 0.05), _quantile(st.cost, 0.95)
        vals = []
        # The tornado varies `cost`; optional parts counted at the budget stay at their means.
        parts_mean = model.cost_mean[i] - st.cost.mean()
        for x in (c_lo, c_hi):
            costs = model.cost_mean.copy()
            costs[i] = x + parts_mean if parts_mean else x
            vals.append(_deterministic(model, theta=theta_c, costs=costs))
        rows.append({"input": f"cost.{st.key}", "label": f"Cost: {st.label}", "low_value": c_lo,
                     "high_value": c_hi, "at_low": vals[0], "at_high": vals[1]})
    for name in _judgement_fields(scenario):
        d = getattr(scenario.judgement, name)
        vals = []
        for q in (0.05, 0.95):
            try:
                j = dataclasses.replace(scenario.judgement, **{name: _fixed(_quantile(d, q), d.domain)})
                vals.append(_deterministic(model, theta=float(j.central())))
            except Exception:  # a model that rejects the preset: leave the bar out
                vals = []
                break
        if vals:
            rows.append({"input": f"judgement.{name}", "label": f"Judgement parameter {name}",
                         "low_value": _quantile(d, 0.05), "high_value": _quantile(d, 0.95),
                         "at_low": vals[0], "at_high": vals[1]})
    rows.sort(key=lambda row: -abs(row["at_high"] - row["at_low"]))
    return base, rows


# ---- 6. sample size -------------------------------------------------------------------------------

def _scaled_model(scenario: Scenario, n: int) -> engine.Model:
    """The model as if a review of ``n`` cases had found the same shares.

    Counts are scaled by ``n / n_observed`` (not rounded: a Dirichlet takes
    fractional counts; a `reported` review's splits are rounded to whole
    cases) before the prior is added. A bootstrap scenario is
    planned with the Dirichlet too, since a bootstrap of scaled counts would
    need whole numbers.
    """
    sample = dataclasses.replace(scenario.sample, method="bayes")
    s = dataclasses.replace(scenario, sample=sample)
    model = engine.build_model(s)
    d = model.design
    scale = n / scenario.sample.n_cases
    if d.compositions is not None:
        # `reported` form: every possible split of the cases grows in proportion, to
        # whole cases (the sampler adds one exponential per case).
        design = dataclasses.replace(d, compositions=np.round(d.compositions * scale))
    else:
        counts = np.concatenate(d.row_counts).astype(float) if d.row_counts else np.zeros(0)
        design = dataclasses.replace(d, alpha=counts * scale + d.prior_alpha,
                                     row_n=np.round(d.row_n * scale).astype(np.int64))
    return dataclasses.replace(model, design=design)


def sample_size(scenario: Scenario, *, draws: int, seed: int,
                sizes: tuple[int, ...] = SAMPLE_SIZES) -> tuple[list[dict[str, Any]], int | None]:
    """Audited savings for reviews of each size in ``sizes`` finding the observed shares.

    Returns
    -------
    rows : list of dict
        ``n, p05, median, p95, p_meets_low`` of the full audit, plus
        ``sampling_p05, sampling_p95`` of sampling alone.
    n_for_target : int or None
        Cases at which sampling alone gives a 90% interval of ±25% of the point
        estimate, from the fit half-width = c / √n over the rows (None when the
        point estimate is not positive).
    """
    low = scenario.claim.low
    rows = []
    for n in sizes:
        out = engine.simulate(_scaled_model(scenario, n), draws=draws, seed=seed, keep_inputs=False)
        full, samp = out["full"], out["sampling"]
        q05, q50, q95 = np.quantile(full, (0.05, 0.5, 0.95))
        s05, s95 = np.quantile(samp, (0.05, 0.95))
        rows.append({"n": int(n), "p05": float(q05), "median": float(q50), "p95": float(q95),
                     "p_meets_low": float(np.mean(full >= low)),
                     "sampling_p05": float(s05), "sampling_p95": float(s95)})
    point = engine.point_estimate(engine.build_model(scenario))
    if point <= 0:
        return rows, None
    # Sampling width falls like 1/√n (Dirichlet posterior sd); fit the constant over all rows.
    c = float(np.mean([(r["sampling_p95"] - r["sampling_p05"]) / 2 * math.sqrt(r["n"]) for r in rows]))
    return rows, int(math.ceil((c / (TARGET_HALF_WIDTH * point)) ** 2))


def plateau(rows: list[dict[str, Any]], drop: float = 0.1) -> int | None:
    """The first n after which doubling the sample narrows the full 90% interval by less than ``drop``.

    Examples
    --------
    >>> rows = [{"n": 28, "p05": 0, "p95": 10}, {"n": 56, "p05": 0, "p95": 7}, {"n": 112, "p05": 0, "p95": 6.8}]
    >>> plateau(rows)
    56
    """
    for a, b in zip(rows, rows[1:]):
        wa, wb = a["p95"] - a["p05"], b["p95"] - b["p05"]
        if wa > 0 and (wa - wb) / wa < drop:
            return int(a["n"])
    return None


# ---- 7. two-way grid ------------------------------------------------------------------------------

def _axis(default: tuple[float, ...], central: float) -> tuple[float, ...]:
    """The default axis, stretched down to include the scenario's central value.

    Examples
    --------
    >>> _axis(GRID_THETA, 0.8) == GRID_THETA, _axis(GRID_THETA, 0.27)[:2]
    (True, (0.25, 0.325))
    """
    if central >= default[0]:
        return default
    lo = math.floor(central * 20) / 20
    return tuple(round(float(x), 4) for x in np.linspace(lo, default[-1], len(default)))


def two_way_grid(scenario: Scenario, *, draws: int, seed: int, thetas=GRID_THETA,
                 realisations=GRID_REALISATION) -> dict[str, Any]:
    """Median saving and P(≥ claim low) over θ (rows) × realisation (columns).

    Each cell fixes θ and realisation and keeps sampling and costs uncertain,
    with common random numbers across cells.
    """
    low = scenario.claim.low
    thetas = _axis(thetas, float(scenario.judgement.central()))
    realisations = _axis(realisations, float(scenario.realisation.mean()))
    med = np.empty((len(thetas), len(realisations)))
    p = np.empty_like(med)
    scaled_ok = False
    for i, th in enumerate(thetas):
        base = _with_theta(scenario, th)
        at_one = _full(engine.build_model(_with_realisation(base, 1.0)), draws, seed)
        for j, r in enumerate(realisations):
            # A fixed realisation multiplies every draw, so one run at r = 1 serves the
            # whole row; checked once per row against a direct run, in case a future
            # engine makes realisation act otherwise (then every cell is run).
            x = at_one * r
            if j == 0 or not scaled_ok:
                direct = _full(engine.build_model(_with_realisation(base, r)), draws, seed)
                scaled_ok = bool(np.allclose(direct, x, rtol=1e-9, atol=1e-6))
                x = direct
            med[i, j] = np.median(x)
            p[i, j] = np.mean(x >= low)
    return {"theta": [float(t) for t in thetas], "realisation": [float(r) for r in realisations],
            "median": med.tolist(), "p_meets_low": p.tolist(),
            "published": {"theta": 1.0, "realisation": 1.0},
            "scenario": {"theta": float(scenario.judgement.central()),
                         "realisation": float(scenario.realisation.mean())}}
