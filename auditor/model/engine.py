"""The Monte Carlo engine: chunked, seeded draws of the audited savings.

One draw of the savings is

    savings = r · Σ_moves N_s · θ_m · p[s→t] · (c_s − c_t)

with ``p`` the resampled share of each judged move, ``θ_m`` the judgement
reliability (``θ`` for down-shifts, 1 for up-shifts), ``c`` the unit costs,
``N_s`` the cohort and ``r`` the realisation rate. Four *stages* summarise the
same draws with sources switched on in turn (common random numbers):

``point``     observed shares, θ = 1, mean costs and realisation (one number);
``sampling``  resampled shares only;
``judgement`` resampled shares and θ;
``full``      everything: shares, θ, costs and realisation.

Reproducibility. Draws are made in fixed blocks of :data:`BLOCK_SIZE`. Each
block and each source has its own stream,
``SeedSequence(seed, spawn_key=(block, source, item))``, so results do not
depend on the chunk size or the number of workers, changing one input
leaves the other sources' draws untouched (common random numbers across
scenario variants), and a longer run extends a shorter one.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import numpy as np

from ..inputs.distributions import Dist
from .sample import Design, build_design, case_sums_for, draw_compositions, draw_shares, possible_moves
from ..inputs.scenario import Scenario

__all__ = ["BLOCK_SIZE", "SOURCES", "STAGES", "Model", "build_model", "simulate", "stream",
           "point_estimate", "savings", "theta_draws", "restage", "cost_column", "base_inputs", "draw_base",
           "rejudge"]

BLOCK_SIZE = 8192
#: Item of the ``sampling`` stream that gives a `reported` review's per-case
#: exponentials (item 1 is the selection-bias lever's).
CASES_ITEM = 2
#: Item of the ``sampling`` stream that gives the ``pooled`` prior's hyper-parameter
#: uniforms (and a `reported` review's move-total exponentials under that prior).
POOL_ITEM = 3
SOURCES = {"sampling": 0, "judgement": 1, "costs": 2, "implementation": 3, "composition": 4}
STAGES = ("point", "sampling", "judgement", "full")


def stream(seed: int, block: int, source: str, item: int = 0) -> np.random.Generator:
    """The generator for one block and one source of randomness.

    Examples
    --------
    >>> a = stream(1, 0, "costs", 2).random()
    >>> b = stream(1, 0, "costs", 2).random()
    >>> a == b, a == stream(1, 1, "costs", 2).random()
    (True, False)

    ``seed`` may also be an object with a ``for_source(source) -> int`` method
    (see :class:`auditor.analysis.sensitivity.SourceSeeds`): pick-freeze sensitivity
    analysis swaps one source's stream for an independent one while every
    other source keeps its draws.
    """
    if not isinstance(seed, (int, np.integer)):
        seed = seed.for_source(source)
    seq = np.random.SeedSequence(seed, spawn_key=(block, SOURCES[source], item))
    return np.random.Generator(np.random.PCG64(seq))


@dataclass(frozen=True)
class Model:
    """A scenario reduced to the arrays the engine needs."""

    scenario: Scenario
    design: Design
    cohorts: np.ndarray          # N_s per setting
    cost_mean: np.ndarray        # mean cost per setting
    costed: tuple[int, ...]      # settings whose cost enters a move (drawn)
    from_idx: np.ndarray
    to_idx: np.ndarray
    down: np.ndarray             # True where a move is a down-shift (cheaper at mean cost)
    realisation_mean: float
    # `reported` form: draw each cell's Gamma(k + a) by inverse CDF from one uniform per
    # cell (see sample.draw_shares); the variance-share analysis sets it.
    quantile_sampling: bool = False

    @property
    def weights(self) -> np.ndarray:
        return self.cohorts[self.from_idx]

    @property
    def move_names(self) -> list[str]:
        keys = self.scenario.setting_keys
        return [f"{keys[a]}->{keys[b]}" for a, b in self.design.moves]

    def variates_per_draw(self) -> int:
        """How many random variates one draw consumes (the benchmark's RNG floor)."""
        s = self.scenario
        if s.sample.method == "bayes":
            n = self.design.n_cells
        else:
            # The multinomial draws a binomial per category but the last; a category of
            # probability 0 (a possible move nobody made) returns 0 without drawing.
            n = sum(max(int(np.count_nonzero(c)) - 1, 0) for c in self.design.row_counts)
        pool = self.design.pool
        if s.sample.method == "bayes" and pool is not None:
            n += pool.mu.shape[0] + pool.extra  # a uniform per group, a gamma per move total
            if self.design.compositions is not None and self.design.compositions.shape[0] > 1:
                n += int(pool.moved[:, pool.multi].max(axis=0).sum())  # the move totals' exponentials
        if self.design.compositions is not None:
            n += 1  # `reported` form: the integer that picks each draw's split of the cases
            if self.design.compositions.shape[0] > 1:  # and the per-case exponentials
                n += int(self.design.compositions.max(axis=0).sum())
        n += getattr(s.judgement, "n_variates", 1)
        n += sum(s.settings[i].cost.n_variates + sum(d.n_variates for _, d in s.settings[i].parts(s.claim.budget))
                 for i in self.costed)
        return n + s.realisation.n_variates + s.levers.n_variates()


def build_model(scenario: Scenario) -> Model:
    """Precompute the arrays of ``scenario`` (pure; no randomness)."""
    # Mean cost at the claim's budget boundary: it decides which moves are
    # down-shifts, and so which unseen moves keep prior probability.
    cost_mean = np.array([s.counted_mean(scenario.claim.budget) for s in scenario.settings])
    design = build_design(scenario.setting_keys, scenario.sample,
                          possible_moves(scenario.setting_keys, scenario.sample, cost_mean), cost_mean)
    cohorts = np.array([s.cohort for s in scenario.settings], dtype=float)
    if scenario.claim.basis == "flow":
        # Flow: judged shifts apply to each year's new placements; the scale factor
        # turns one year's intake into the claim's horizon total or annual average.
        from .flow import flow_weights

        cohorts = flow_weights(scenario)
    elif scenario.claim.per == "total" or scenario.ramp:
        # Stock claim stated as a total: the re-placed cohort saves the annual
        # amount in every year of the horizon (times the ramp where one is given:
        # the share of the judged moves made by each year).
        from .flow import stock_factor

        cohorts = cohorts * stock_factor(scenario.claim.horizon_years, scenario.claim.per, scenario.ramp)
    from_idx = np.array([a for a, _ in design.moves], dtype=np.intp)
    to_idx = np.array([b for _, b in design.moves], dtype=np.intp)
    costed = tuple(sorted(set(from_idx.tolist()) | set(to_idx.tolist())))
    down = cost_mean[from_idx] > cost_mean[to_idx]
    return Model(scenario, design, cohorts, cost_mean, costed, from_idx, to_idx, down,
                 scenario.realisation.mean())


def savings(model: Model, shares, *, theta=None, costs=None, realisation=None, weights=None,
            out: np.ndarray | None = None):
    """The savings formula, the one place it is written: ``r · Σ_m N_m · θ_m · p_m · Δ_m``.

    Parameters
    ----------
    model : Model
    shares : ndarray, shape (n_moves,) or (draws, n_moves)
        The share ``p_m`` of each judged move (the design's move order).
    theta : float or ndarray of shape (draws,), optional
        Judgement reliability; it multiplies down-shifts only (default 1).
    costs : sequence, optional
        Per setting, its cost: a number or one value per draw (default: mean costs).
    realisation : float or ndarray of shape (draws,), optional
        Default: the mean realisation.
    weights : ndarray, shape (n_moves,), optional
        ``N_m``, the children each move's share applies to (default
        :attr:`Model.weights`, which include the flow and horizon scaling).
    out : ndarray, optional
        Where to write the savings per draw (a new array when omitted).

    Returns
    -------
    float or ndarray of shape (draws,)

    Notes
    -----
    The order of the arithmetic is part of the reproducibility contract
    (docs/methods.md §8): each move's term is ``((p · θ) · Δ) · N`` (``θ`` only
    on down-shifts), the terms are added one move at a time in the design's
    move order starting from +0.0, and the sum is multiplied by ``r``. One
    column per move keeps memory linear in the number of moves.

    Examples
    --------
    >>> import auditor
    >>> m = build_model(auditor.load_scenario("scenarios/west-sussex-2023.toml"))
    >>> savings(m, m.design.observed_shares) == point_estimate(m)
    True
    """
    shares = np.asarray(shares, dtype=float)
    w = model.weights if weights is None else weights
    cost = model.cost_mean if costs is None else costs
    if out is None:
        total = np.zeros(shares.shape[:-1])
    else:
        total = out
        total[...] = 0.0
    term = np.empty_like(total)
    for j in range(shares.shape[-1]):
        p = shares[..., j]
        if theta is not None and model.down[j]:
            p = np.multiply(p, theta, out=term)
        np.multiply(p, cost[model.from_idx[j]] - cost[model.to_idx[j]], out=term)
        np.multiply(term, w[j], out=term)
        np.add(total, term, out=total)
    r = model.realisation_mean if realisation is None else realisation
    if total.ndim == 0:
        return float(total * r)
    return np.multiply(total, r, out=total)


def point_estimate(model: Model) -> float:
    """The published-style estimate: observed shares, θ = 1, mean costs and realisation."""
    return savings(model, model.design.observed_shares)


def simulate_block(model: Model, seed: int, block: int, size: int) -> dict[str, np.ndarray]:
    """All draws of one block: each source's variates and each stage's savings."""
    return _draw_block(model, seed, block, size, None, True)


def _draw_block(model: Model, seed: int, block: int, size: int, dest: dict[str, np.ndarray] | None,
                keep_inputs: bool, sink: Callable[[str], np.ndarray] | None = None,
                work: dict | None = None) -> dict[str, np.ndarray]:
    """One block's draws; stage savings are written into ``dest`` slices when given.

    The variates come from the block's own streams; the stages are
    :func:`savings` of those variates with sources switched on in turn.
    Kept inputs are returned, or, with ``sink`` (a column's name to this
    block's slice of the run's array for it), written straight into the
    run's arrays, in the same order of first naming. ``work`` (a dict kept
    across a chunk's blocks) lends the sampler its scratch buffers.
    """
    s = model.scenario
    out: dict[str, np.ndarray] = {}
    keep = _keeper(out, sink, size)
    if model.design.compositions is None:
        shares = draw_shares(model.design, s.sample.method, stream(seed, block, "sampling"), size,
                             rng_pool=_pool_stream(model.design, seed, block), work=work)
    else:
        # `reported` form: each draw first picks a split of the reviewed cases (its own
        # stream, so the other sources' draws are the same as with fixed counts).
        comp = draw_compositions(model.design, stream(seed, block, "composition"), size)
        shares = draw_shares(model.design, s.sample.method, stream(seed, block, "sampling"), size,
                             composition=comp, rng_cases=stream(seed, block, "sampling", CASES_ITEM),
                             quantile=model.quantile_sampling, rng_pool=_pool_stream(model.design, seed, block),
                             work=work)
        if keep_inputs:
            _keep_cases(model, keep, comp)
    # Face value draws no θ: its stream would go unused, so it is not made (streams are independent).
    theta = None if s.judgement.name == "face_value" else s.judgement.draw_theta(stream(seed, block, "judgement"),
                                                                                size)
    lev = s.levers
    # One column per setting: a drawn array, or the mean cost (a scalar) where fixed.
    copula = _copula_costs(model, seed, block, size) if lev.cost_correlation > 0 else {}
    cost_cols = {i: cost_column(model, seed, block, i, size, copula.get(i)) for i in model.costed}
    if s.realisation.is_fixed:
        real = None
    else:
        real = s.realisation.draw(stream(seed, block, "implementation"), size)

    stages = dest if dest is not None else {k: np.empty(size) for k in STAGES[1:]}
    if not lev.any:
        _stage_sums(model, shares, theta, cost_cols, real, stages)
    else:
        real = _full_levers(model, seed, block, size, shares, theta, cost_cols, real, stages,
                            keep if keep_inputs else None)
    if dest is None:
        out.update(stages)
    if keep_inputs:
        _keep_inputs(model, keep, shares, theta, cost_cols, real)
    return out


def _keeper(out: dict[str, np.ndarray], sink: Callable[[str], np.ndarray] | None,
            size: int) -> Callable[..., np.ndarray]:
    """``keep(name, values=None)``: this block's column ``name`` of the kept inputs, filled with ``values``.

    Without ``sink`` the column is ``values`` itself (or a new array), stored in
    ``out``; with it, the slice ``sink(name)`` of the run's array, written in place.
    """
    def keep(name: str, values: np.ndarray | None = None) -> np.ndarray:
        if sink is None:
            out[name] = np.empty(size) if values is None else values
            return out[name]
        column = sink(name)
        if values is not None:
            column[...] = values
        return column

    return keep


def _keep_cases(model: Model, keep: Callable[..., np.ndarray], comp: np.ndarray) -> None:
    """Each reported setting's drawn sub-group size (`reported` form), one column per setting."""
    sizes = model.design.composition_sizes.astype(float)
    for j, key in enumerate(model.design.composition_settings):
        np.take(sizes[:, j], comp, out=keep(f"cases[{key}]"))


def _keep_inputs(model: Model, keep: Callable[..., np.ndarray], shares: np.ndarray, theta, cost_cols,
                 real) -> None:
    """The block's shares, θ, costs and realisation as kept inputs (constants filled in)."""
    s = model.scenario
    for j, name in enumerate(model.move_names):
        keep(f"share[{name}]", shares[:, j])
    if theta is None:
        keep("theta").fill(1.0)
    else:
        keep("theta", theta)
    for i in model.costed:
        c = cost_cols[i]
        if isinstance(c, np.ndarray):
            keep(f"cost[{s.settings[i].key}]", c)
        else:
            keep(f"cost[{s.settings[i].key}]").fill(c)
    if real is None:
        keep("realisation").fill(model.realisation_mean)
    else:
        keep("realisation", real)


#: Stream item of an optional cost part of setting ``i``: ``(k << 20) + i`` (``cost`` itself is item ``i``),
#: so adding a part never changes the draws of any other cost.
PART_ITEMS = {"schools_block": 1, "transport": 2}


def _copula_costs(model: Model, seed, block: int, size: int) -> dict[int, np.ndarray]:
    """The drawn ``cost`` of each costed setting through the one-factor copula (``[costs] correlation``).

    The shared factor is item ``3 << 20`` of the ``costs`` source and setting
    ``i``'s own normal item ``(4 << 20) + i``; fixed costs stay fixed.
    """
    from .levers import correlated_costs

    s = model.scenario
    dists = {i: s.settings[i].cost for i in model.costed if not s.settings[i].cost.is_fixed}
    if not dists:
        return {}
    common = stream(seed, block, "costs", 3 << 20).standard_normal(size)
    own = {i: stream(seed, block, "costs", (4 << 20) + i).standard_normal(size) for i in dists}
    return correlated_costs(dists, s.levers.cost_correlation, common, own)


def _full_levers(model: Model, seed, block: int, size: int, shares, theta, cost_cols, real, stages,
                 keep: Callable[[str, np.ndarray], np.ndarray] | None) -> np.ndarray:
    """Stage sums when a scenario sets a lever (:mod:`auditor.model.levers`); returns the full-stage r.

    The sampling and judgement stages are the plain model's; the levers act on
    ``full`` only, so the ladder still separates the review and the judgement
    from everything else: selection bias rescales the shares, ``delivered``
    multiplies the realisation, and failed down-shifts cost ``F`` each.
    """
    from .levers import apply_selection_bias

    lev = model.scenario.levers
    r = np.full(size, model.realisation_mean) if real is None else real
    if lev.delivered is not None:
        d = lev.delivered.draw(stream(seed, block, "implementation", 1), size)
        r = r * d
        if keep is not None:
            keep("delivered", d)
    full_shares = shares
    if lev.selection_bias is not None:
        b = lev.selection_bias.draw(stream(seed, block, "sampling", 1), size)
        full_shares = apply_selection_bias(shares, model.design.row_of_move, b)
        if keep is not None:
            keep("selection_bias", b)
    _stage_sums(model, shares, theta, cost_cols, r, stages)
    if full_shares is not shares:
        scratch = {k: np.empty(size) for k in STAGES[1:]}
        _stage_sums(model, full_shares, theta, cost_cols, r, scratch)
        stages["full"][:] = scratch["full"]
    if lev.failed_move_cost is not None and theta is not None:
        f = lev.failed_move_cost.draw(stream(seed, block, "implementation", 2), size)
        failed = np.zeros(size)
        for j in np.flatnonzero(model.down):
            failed += model.weights[j] * full_shares[:, j] * (1.0 - theta)
        stages["full"] -= r * failed * f
        if keep is not None:
            keep("failed_move_cost", f)
    return r


def cost_column(model: Model, seed, block: int, i: int, size: int,
                drawn: np.ndarray | None = None) -> np.ndarray | float:
    """Setting ``i``'s annual cost per placement at the claim's budget boundary, one value per draw.

    ``cost`` (the high-needs block cost) plus each part the boundary counts
    (``schools_block`` at ``dsg`` and ``public``, ``transport`` at ``public``),
    each drawn from its own stream. Where everything is fixed the column is the
    scalar mean, as before parts existed.
    """
    st = model.scenario.settings[i]
    parts = st.parts(model.scenario.claim.budget)
    dists: list[tuple[int, Dist]] = [(i, st.cost)] + [((PART_ITEMS[k] << 20) + i, d) for k, d in parts]
    if all(d.is_fixed for _, d in dists):
        return model.cost_mean[i]
    col = None
    for item, d in dists:
        if item == i and drawn is not None:
            x = drawn  # `cost` through the correlated-costs copula
        else:
            x = d.mean() if d.is_fixed else d.draw(stream(seed, block, "costs", item), size)
        col = x if col is None else col + x
    return col


def _pool_stream(design: Design, seed, block: int) -> np.random.Generator | None:
    """The ``pooled`` prior's own stream (None for other priors, which do not use one)."""
    return stream(seed, block, "sampling", POOL_ITEM) if design.pool is not None else None


def restage(model: Model, seed, draws: int, inputs: dict[str, np.ndarray],
            cache: dict | None = None) -> dict[str, np.ndarray]:
    """The stage savings of ``model`` with its own shares and another run's other inputs.

    Each block's shares are drawn from the same ``sampling`` (and
    ``composition``) streams :func:`simulate` uses; θ, the costs and the
    realisation are taken from ``inputs`` (a result's kept inputs, from a model
    with the same moves and costed settings). This is how an analysis choice
    that changes only the sampling stage (another prior, the bootstrap,
    another weighting of splits) is rerun on the same draws of every other
    source (common random numbers) without drawing those again.

    ``cache`` (a dict kept across calls on models of one scenario) holds each
    block's drawn splits and per-case exponential sums of a `reported` review,
    which do not depend on the prior: models that differ only in their prior
    then draw just the prior's gammas.
    """
    s = model.scenario
    parts = []
    d = model.design
    for b in range(math.ceil(draws / BLOCK_SIZE)):
        size = min(BLOCK_SIZE, draws - b * BLOCK_SIZE)
        if d.compositions is None:
            parts.append(draw_shares(d, s.sample.method, stream(seed, b, "sampling"), size,
                                     rng_pool=_pool_stream(d, seed, b)))
            continue
        key = (b, s.sample.splits)
        if cache is not None and key in cache:
            comp, sums = cache[key]
        else:
            comp = draw_compositions(d, stream(seed, b, "composition"), size)
            sums = (case_sums_for(d, comp, stream(seed, b, "sampling", CASES_ITEM), size)
                    if d.compositions.shape[0] > 1 else None)
            if cache is not None:
                cache[key] = (comp, sums)
        parts.append(draw_shares(d, s.sample.method, stream(seed, b, "sampling"), size,
                                 composition=comp, case_sums=sums, rng_pool=_pool_stream(d, seed, b)))
    shares = np.concatenate(parts) if parts else np.zeros((0, len(model.design.moves)))
    cost_cols = {i: inputs[f"cost[{s.settings[i].key}]"] for i in model.costed}
    stages = {k: np.empty(draws) for k in STAGES[1:]}
    _stage_sums(model, shares, inputs["theta"], cost_cols, inputs["realisation"], stages)
    return stages


def base_inputs(model: Model, inputs: dict[str, np.ndarray], draws: int) -> dict[str, Any] | None:
    """The first ``draws`` shares, costs and realisation of a run's kept inputs, for :func:`rejudge`.

    Returns None when ``inputs`` lacks a column or holds fewer draws (inputs not
    kept) or when the scenario sets a lever (levers act on the full stage in
    ways :func:`rejudge` does not repeat).
    """
    s = model.scenario
    names = [f"share[{n}]" for n in model.move_names]
    costs = [f"cost[{s.settings[i].key}]" for i in model.costed]
    if s.levers.any or not inputs or any(k not in inputs for k in names + costs + ["realisation"]):
        return None
    if inputs["realisation"].size < draws:
        return None
    shares = (np.column_stack([inputs[k][:draws] for k in names]) if names
              else np.zeros((draws, 0)))
    return {"draws": draws, "shares": shares,
            "costs": {i: inputs[k][:draws] for i, k in zip(model.costed, costs)},
            "realisation": inputs["realisation"][:draws]}


def draw_base(model: Model, seed, draws: int) -> dict[str, Any] | None:
    """Draw the first ``draws`` shares, costs and realisation of a run once, for :func:`rejudge`."""
    kept = simulate(model, draws=draws, seed=seed, keep_inputs=True)
    return base_inputs(model, kept, draws)


def rejudge(model: Model, seed, base: dict[str, Any]) -> np.ndarray:
    """Full-stage savings of ``model`` on another run's shares, costs and realisation (``base``).

    θ is drawn from ``model``'s own judgement streams, block by block as
    :func:`simulate` draws it, and the full stage is :func:`savings` of the
    same numbers in the same order, so the result equals
    ``simulate(model, ...)["full"]`` bit for bit (the arithmetic is element
    by element; tested) without drawing the sampling, cost and take-up
    sources again. Models that differ only in their judgement reading (the
    reliability ladder, a root search over a judgement input) share one
    ``base`` (:func:`base_inputs` or :func:`draw_base`).
    """
    draws = base["draws"]
    judgement = model.scenario.judgement
    thetas = [judgement.draw_theta(stream(seed, b, "judgement"), min(BLOCK_SIZE, draws - b * BLOCK_SIZE))
              for b in range(math.ceil(draws / BLOCK_SIZE))]
    theta = None if not thetas or thetas[0] is None else np.concatenate(thetas)
    shares, on_down = base["shares"], theta
    if theta is not None and getattr(judgement, "symmetric", False):
        shares, on_down = _symmetric_judged(model, shares, theta), None
    out = np.empty(draws)
    savings(model, shares, theta=on_down, costs=base["costs"], realisation=base["realisation"], out=out)
    return out


def _stage_sums(model: Model, shares, theta, cost_cols, real, stages: dict[str, np.ndarray]) -> None:
    """The three stages' savings of one block, written into ``stages`` (see :func:`savings`).

    ``sampling``: the drawn shares alone; ``judgement``: θ applied as well;
    ``full``: the drawn costs and realisation too. Under the ``symmetric``
    reading θ reshapes every move's share (:func:`_symmetric_judged`) instead
    of discounting down-shifts.
    """
    judged, on_down = shares, theta
    if theta is not None and getattr(model.scenario.judgement, "symmetric", False):
        judged, on_down = _symmetric_judged(model, shares, theta), None
    savings(model, shares, out=stages["sampling"])
    if judged is shares and on_down is None:
        # No θ (face value): the judgement stage is the same sum of the same numbers.
        np.copyto(stages["judgement"], stages["sampling"])
    else:
        savings(model, judged, theta=on_down, out=stages["judgement"])
    savings(model, judged, theta=on_down, costs=cost_cols, realisation=real, out=stages["full"])


def _symmetric_judged(model: Model, shares: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Each move's share when every panel call is right with probability θ (the ``symmetric`` reading).

    In a row with moved share m, a move's share p becomes p·(θ + (1 − θ)·(1 − m)/m):
    θ·p of the panel's own moves stand, and the (1 − θ)·(1 − m) wrongly kept
    children go where the panel sent that row's other children, in proportion.
    A row with nothing moved (m = 0) stays as it is.
    """
    rows = model.design.row_of_move
    moved = np.zeros((shares.shape[0], int(rows.max()) + 1 if rows.size else 0))
    for j, r in enumerate(rows):
        moved[:, r] += shares[:, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(moved > 0, theta[:, None] + (1.0 - theta[:, None]) * (1.0 - moved) / moved, 0.0)
    return shares * factor[:, rows]


def _simulate_blocks(model: Model, seed: int, blocks: list[tuple[int, int]],
                     keep_inputs: bool = True, dest: dict[str, np.ndarray] | None = None,
                     inputs: dict[str, np.ndarray] | None = None, offset: int = 0,
                     length: int | None = None) -> dict[str, np.ndarray]:
    """Draw consecutive ``blocks``; every column goes straight into ``dest`` and ``inputs``.

    ``dest`` holds this chunk's slice of each stage; ``inputs`` holds arrays of
    ``length`` draws (created as the first block names its columns), written
    from ``offset``. Without them this chunk's own arrays are made.
    """
    total = sum(n for _, n in blocks)
    if dest is None:
        dest = {k: np.empty(total) for k in STAGES[1:]}
    if inputs is None:
        inputs, offset, length = {}, 0, total
    start = offset
    work: dict = {}  # the sampler's scratch buffers, reused block after block
    for b, n in blocks:
        view = {k: v[start - offset:start - offset + n] for k, v in dest.items()}
        _draw_block(model, seed, b, n, view, keep_inputs, partial(_input_slice, inputs, length, start, n), work)
        start += n
    out = dict(dest)
    out.update(inputs)
    return out


def _input_slice(inputs: dict[str, np.ndarray], length: int, start: int, n: int, name: str) -> np.ndarray:
    """Draws ``start`` to ``start + n`` of the kept input ``name`` (its array of ``length`` made when first named)."""
    if name not in inputs:
        inputs[name] = np.empty(length)
    return inputs[name][start:start + n]


def simulate(model: Model, *, draws: int, seed: int, chunk_size: int | None = None,
             executor: Executor | None = None, keep_inputs: bool = True) -> dict[str, np.ndarray]:
    """Run ``draws`` draws in chunks; identical output for any chunking or executor.

    Parameters
    ----------
    model : Model
    draws : int
    seed : int
    chunk_size : int, optional
        Draws per unit of work, rounded up to whole blocks of
        :data:`BLOCK_SIZE` (default: 16 blocks). It changes memory use and
        parallel granularity, never the results.
    executor : concurrent.futures.Executor, optional
        Runs chunks in parallel (processes, threads or a distributed client).
    keep_inputs : bool
        Keep each source's draws (for ``to_frame``); without them memory is
        24 bytes per draw (three stages of float64).

    Returns
    -------
    dict of str to ndarray
        Stage savings (``sampling``, ``judgement``, ``full``) and each source's draws.
    """
    n_blocks = math.ceil(draws / BLOCK_SIZE)
    blocks = [(b, min(BLOCK_SIZE, draws - b * BLOCK_SIZE)) for b in range(n_blocks)]
    per_chunk = max(1, math.ceil((chunk_size or 16 * BLOCK_SIZE) / BLOCK_SIZE))
    chunks = [blocks[i:i + per_chunk] for i in range(0, n_blocks, per_chunk)]
    if executor is None or len(chunks) == 1:
        # In process: every chunk writes into one array per stage and per input.
        dest = {k: np.empty(draws) for k in STAGES[1:]}
        inputs: dict[str, np.ndarray] = {}
        for c in chunks:
            lo = c[0][0] * BLOCK_SIZE
            hi = lo + sum(n for _, n in c)
            _simulate_blocks(model, seed, c, keep_inputs, {k: v[lo:hi] for k, v in dest.items()},
                             inputs, lo, draws)
        return {**dest, **inputs}
    futures = [executor.submit(_simulate_blocks, model, seed, c, keep_inputs) for c in chunks]
    parts = [f.result() for f in futures]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def theta_draws(model, seed: int, draws: int) -> np.ndarray:
    """The θ the engine uses for each draw (same streams), for summaries when inputs were not kept."""
    parts = []
    for block in range(math.ceil(draws / BLOCK_SIZE)):
        size = min(BLOCK_SIZE, draws - block * BLOCK_SIZE)
        theta = model.draw_theta(stream(seed, block, "judgement"), size)
        parts.append(np.ones(size) if theta is None else theta)
    return np.concatenate(parts)
