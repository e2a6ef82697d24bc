"""The Python API's entry points: :func:`audit` and :func:`sensitivity`.

This layer sits between the analyses and the reports. It checks the run
arguments once (:func:`_run_iv`), loads the scenario, runs the model
(:mod:`auditor.model.engine`), computes the analyses that re-run it
(:mod:`auditor.analysis`) and stores everything in a result object
(:mod:`auditor.results`) that only holds data. Reports and interfaces import
from here; nothing below imports it.
"""

from __future__ import annotations

import os
import secrets
from concurrent.futures import Executor
from dataclasses import replace
from typing import Any

import numpy as np

from ._version import __version__
from .errors import ScenarioError, UsageError, UsageTypeError
from .inputs.scenario import MAX_DRAWS, MAX_SEED, Scenario, load_scenario
from .analysis import fragility, ladder, prior, sensitivity as sa, tipping
from .analysis.implied import implied_assumptions
from .model import engine
from .inputs.judgement import Selection
from .results import QUANTILES, AuditResult, SensitivityResult, StageSummary

__all__ = ["audit", "sensitivity", "judgement_block", "new_seed", "resolve_scenario", "KEEP_INPUTS_BYTES"]

#: Keep each source's draws (for ``to_frame``) up to this many bytes by default.
KEEP_INPUTS_BYTES = 256 * 2**20

#: Peak memory a run may plan for; larger runs are refused before anything is allocated.
MEMORY_BUDGET_BYTES = 4 * 2**30
#: Float64 columns of working memory on top of the stored ones: the copies a
#: summary's quantiles and the figures' sorted curves make (at most four columns
#: alive at once, in the exceedance figure). The analyses that rerun the model
#: (ladder, switching selectivity, prior sensitivity, θ's quantiles) work on at
#: most a few million draws whatever the run's size, so they are not per draw.
#: Measured on West Sussex: 10 million draws without kept inputs peaked at
#: 508 MB for audit and summary (about 34 bytes a draw over a fixed 170 MB).
WORKING_COLUMNS = 4


def memory_needed(draws: int, columns: int) -> int:
    """Planned peak bytes of an audit of ``draws`` draws that stores ``columns`` float64 columns.

    Examples
    --------
    >>> memory_needed(1_000_000, 14)   # 3 stages + 11 kept inputs, and 4 working columns, of 8 bytes
    144000000
    """
    return draws * (columns + WORKING_COLUMNS) * 8


def _check_memory(draws: int, columns: int) -> None:
    """Refuse, before allocating, a run whose planned peak exceeds :data:`MEMORY_BUDGET_BYTES`."""
    need = memory_needed(draws, columns)
    if need > MEMORY_BUDGET_BYTES:
        most = MEMORY_BUDGET_BYTES // ((columns + WORKING_COLUMNS) * 8)
        raise UsageError(f"{draws:,} draws would need about {need / 2**30:.1f} GiB of memory ({columns} stored and "
                         f"{WORKING_COLUMNS} working columns of 8 bytes a draw), above the "
                         f"{MEMORY_BUDGET_BYTES / 2**30:.0f} GiB limit; run at most {most:,} draws",
                         field="draws")


#: Draws per evaluation accepted by :func:`sensitivity` (it makes a few hundred evaluations).
SENSITIVITY_DRAWS = (64, 10_000_000)


def _whole(x) -> bool:
    return not isinstance(x, bool) and isinstance(x, (int, np.integer))


def _run_iv(*, draws=None, seed=None, chunk_size=None, executor=None, keep_inputs=None, jobs=None,
            analyses=True, draws_range: tuple[int, int] = (1, MAX_DRAWS)) -> None:
    """Check the run arguments of every entry point, in one place (UsageError naming the field).

    In the manner of scipy's ``_*_iv`` functions: each argument is checked for
    type and range before any work starts; ``None`` means "the default".

    Examples
    --------
    >>> _run_iv(draws=1000, seed=7, chunk_size=8192)
    >>> _run_iv(draws=0)
    Traceback (most recent call last):
    ...
    auditor.errors.UsageError: draws: must be a whole number from 1 to 100,000,000, got 0
    """
    lo, hi = draws_range
    if draws is not None and not (_whole(draws) and lo <= draws <= hi):
        raise UsageError(f"must be a whole number from {lo:,} to {hi:,}, got {draws!r}", field="draws")
    if seed is not None and not (_whole(seed) and 0 <= seed <= MAX_SEED):
        raise UsageError(f"must be a whole number from 0 to {MAX_SEED}, got {seed!r}", field="seed")
    for name, value in (("chunk_size", chunk_size), ("jobs", jobs)):
        if value is not None and not (_whole(value) and value >= 1):
            raise UsageError(f"must be a whole number of at least 1, got {value!r}", field=name)
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise UsageError(f"must be a concurrent.futures.Executor (an object with submit()), got "
                         f"{type(executor).__name__}", field="executor")
    if keep_inputs is not None and not isinstance(keep_inputs, bool):
        raise UsageError(f"must be True, False or None, got {keep_inputs!r}", field="keep_inputs")
    if not isinstance(analyses, bool):
        raise UsageError(f"must be True or False, got {analyses!r}", field="analyses")
    if executor is not None and jobs is not None and jobs > 1:
        raise UsageError("give either jobs or an executor, not both", field="jobs")


def _scenario_iv(scenario, field: str = "scenario") -> None:
    """A scenario argument is a Scenario or the path of a scenario file (UsageTypeError otherwise).

    Examples
    --------
    >>> _scenario_iv(123)
    Traceback (most recent call last):
    ...
    auditor.errors.UsageTypeError: scenario: must be a Scenario or the path of a scenario file (str or pathlib.Path), got int
    """
    if not isinstance(scenario, (Scenario, str, os.PathLike)):
        raise UsageTypeError("must be a Scenario or the path of a scenario file (str or pathlib.Path), got "
                             f"{type(scenario).__name__}", field=field)


def _mapping_iv(value, field: str, what: str) -> None:
    """``value`` is None or a mapping with string keys (UsageTypeError naming ``field`` otherwise)."""
    from collections.abc import Mapping

    if value is None:
        return
    if not isinstance(value, Mapping):
        raise UsageTypeError(f"must be a dict of {what}, got {type(value).__name__}", field=field)
    for key in value:
        if not isinstance(key, str):
            raise UsageTypeError(f"keys must be strings (dotted scenario keys), got {key!r}", field=field)


def new_seed() -> int:
    """A fresh seed from the operating system's entropy (recorded on the result)."""
    return secrets.randbits(63)


def resolve_scenario(scenario, overrides: dict | None = None, allow_outside: bool = False) -> Scenario:
    """A loaded scenario from a path or a Scenario, with dotted-key overrides applied.

    A bad override is blamed on ``overrides``, the argument the caller wrote,
    not on ``--set``, which the command line shares the checks with.
    """
    try:
        return _resolve(scenario, overrides, allow_outside)
    except ScenarioError as exc:
        if exc.path == "--set":
            exc.path = "overrides"
        raise


def _resolve(scenario, overrides: dict | None, allow_outside: bool) -> Scenario:
    _scenario_iv(scenario)
    if isinstance(scenario, Scenario):
        if not overrides:
            return scenario
        if scenario.path is None:
            raise UsageError("overrides need a scenario loaded from a file; pass its path instead", field="scenario")
        # Earlier overrides stay applied (and recorded); the new ones win where they overlap.
        merged = {**scenario.overrides, **{_dotted(k): v for k, v in overrides.items()}}
        return load_scenario(scenario.path, overrides=merged, allow_outside=allow_outside)
    return load_scenario(scenario, overrides=overrides or None, allow_outside=allow_outside)


def _dotted(key: str) -> str:
    return key.replace("__", ".") if "." not in key else key


def _seed_and_source(seed: int | None, scenario: Scenario) -> tuple[int, str]:
    """The seed a run uses and where it came from: the argument, the scenario or the OS."""
    if seed is not None:
        return int(seed), "argument"
    if scenario.run.seed is not None:
        return scenario.run.seed, "scenario"
    return new_seed(), "drawn"


def _warn_sampling(model) -> None:
    """A :class:`~auditor.errors.SmallSampleWarning` per doubtful sampling choice (also in ``summary.json``)."""
    import warnings

    from .analysis.prior import sampling_warnings
    from .errors import SmallSampleWarning

    for text in sampling_warnings(model):
        warnings.warn(text, SmallSampleWarning, stacklevel=3)


def audit(scenario, *, draws: int | None = None, seed: int | None = None, chunk_size: int | None = None,
          executor: Executor | None = None, keep_inputs: bool | None = None, allow_outside: bool = False,
          analyses: bool = True, **overrides) -> AuditResult:
    """Audit a savings claim: the main entry point of the Python API.

    Parameters
    ----------
    scenario : Scenario, str or Path
        A loaded scenario or the path of a scenario file.
    draws : int, optional
        Monte Carlo draws (default: the scenario's ``run.draws``).
    seed : int, optional
        Seed (default: the scenario's ``run.seed``; when neither is given one
        is drawn from the OS and recorded on the result).
    chunk_size, executor
        See :func:`auditor.model.engine.simulate`; they never change the results.
    keep_inputs : bool, optional
        Keep each source's draws for ``to_frame`` (default: when they fit in
        :data:`KEEP_INPUTS_BYTES`, 256 MiB; a scenario with many moves keeps
        them for fewer draws).
    analyses : bool
        Compute and store the analyses that ``summary()`` and the reports
        show: the reliability ladder and switching selectivity
        (:mod:`auditor.analysis.ladder`, at most 200,000 draws each) and the
        implied assumptions. ``False`` keeps only the draws, for scripts that
        need the stages alone (a sweep); such a result refuses ``summary()``.
    **overrides
        Dotted scenario keys, as ``--set`` takes them; write dots as double
        underscores in keyword form (``run__draws=5000``) or pass a dict with
        ``**{"judgement.model": "face_value"}``.

    Returns
    -------
    AuditResult

    Examples
    --------
    >>> import auditor
    >>> r = auditor.audit("scenarios/west-sussex-2023.toml", draws=5000, seed=7)
    >>> r.draws, r.seed, r.summary()["verdict"] in ("holds", "widens", "collapses")
    (5000, 7, True)
    """
    _run_iv(draws=draws, seed=seed, chunk_size=chunk_size, executor=executor, keep_inputs=keep_inputs,
            analyses=analyses)
    scenario = resolve_scenario(scenario, overrides, allow_outside)
    n = int(draws if draws is not None else scenario.run.draws)
    used, source = _seed_and_source(seed, scenario)
    model = engine.build_model(scenario)
    _warn_sampling(model)
    # One float64 column per move share, θ, each drawn cost and realisation.
    columns = len(model.design.moves) + len(model.costed) + 2
    keep = n * columns * 8 <= KEEP_INPUTS_BYTES if keep_inputs is None else keep_inputs
    # Stored: the three stages, and the inputs when kept (the analyses redraw what
    # they need on at most a few million draws, see WORKING_COLUMNS).
    _check_memory(n, len(engine.STAGES[1:]) + (columns if keep else 0))
    out = engine.simulate(model, draws=n, seed=used, chunk_size=chunk_size, executor=executor, keep_inputs=keep)
    stages = {k: out.pop(k) for k in engine.STAGES[1:]}
    result = AuditResult(scenario, n, used, source, engine.point_estimate(model), stages, out, __version__)
    if not analyses:
        return result
    # The analyses rerun the model with another judgement reading: they reuse this
    # run's shares, costs and take-up (kept inputs) or draw them once between them.
    base = ladder.shared_base(scenario, n, used, engine.base_inputs(model, out, min(n, ladder.LADDER_MAX_DRAWS)),
                              model)
    ladder_draws = ladder.ladder_savings(scenario, n, used, base)
    from .analysis.track import track_for_run

    return replace(result, judgement_summary=judgement_block(result, ladder_draws, base),
                   implied=implied_assumptions(scenario), tipping=tipping_block(result, ladder_draws),
                   track=track_for_run(scenario, used), **sampling_blocks(result, model))


def sampling_blocks(result: AuditResult, model: engine.Model) -> dict[str, Any]:
    """The ``sampling`` block (choices, unseen moves, bridge) and ``prior_sensitivity`` rows of a result."""
    notes = prior.sampling_notes(model)
    notes["bridge"] = prior.bridge(model, result.stages["sampling"])
    rows = prior.prior_sensitivity(result.scenario, result.seed, result.draws, result.savings,
                                   dict(result.inputs))
    return {"sampling": notes, "prior_sensitivity": tuple(rows)}


def tipping_block(result: AuditResult, ladder_draws: dict[str, np.ndarray]) -> dict[str, Any]:
    """The panel reliability the low end needs (θ50, θ80) and the selectivity at which the evidence implies θ50.

    θ is applied to every proposed move on the audit's own sampling, cost and
    take-up draws (:mod:`auditor.analysis.tipping`): the run itself under face
    value, otherwise the ladder's face-value rung (the first
    ``min(draws, 200,000)`` draws, the same streams).
    """
    scenario = result.scenario
    face = result.savings if scenario.judgement.name == "face_value" else ladder_draws["face_value"]
    needed = tipping.reliability_needed(face, scenario.claim.low)
    sel = tipping.selectivity_needed(scenario, needed["low"])
    return {"reliability_needed": needed, "selectivity_needed": sel["value"], "selectivity": sel,
            "draws": int(face.size), "p_meets_low_face_value": float(np.mean(face >= scenario.claim.low))}


def judgement_block(result: AuditResult, ladder_draws: dict[str, np.ndarray] | None = None,
                    base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The summary's ``judgement`` block: model, evidence, θ quantiles, switching ρ and the ladder.

    Reruns the engine for the ladder's rungs (unless their draws are given) and, under the ``selection``
    model, for the switching selectivity (each on at most
    :data:`auditor.analysis.ladder.LADDER_MAX_DRAWS` draws, common random numbers); ``base``
    (:func:`auditor.analysis.ladder.shared_base`) holds the draws those reruns share.
    """
    scenario, draws, seed = result.scenario, result.draws, result.seed
    model = scenario.judgement
    if base is None and (ladder_draws is None or isinstance(model, Selection)):
        built = engine.build_model(scenario)
        kept = engine.base_inputs(built, dict(result.inputs or {}), min(draws, ladder.LADDER_MAX_DRAWS))
        base = ladder.shared_base(scenario, draws, seed, kept, built)
    out = dict(model.to_dict())
    theta = result.inputs.get("theta") if result.inputs else None
    if theta is None:
        # Inputs are dropped only for very large runs; the first 2,000,000 draws
        # (the same streams) give θ's quantiles to well within reporting precision.
        theta = engine.theta_draws(model, seed, min(draws, 2_000_000))
    q05, q50, q95 = np.quantile(theta, QUANTILES)
    out["theta"] = {"median": float(q50), "p05": float(q05), "p95": float(q95)}
    out["down_shifts_only"] = True
    out["reading"] = "face value" if model.name == "face_value" else ladder.reading_label(model.name, model)
    if isinstance(model, Selection):
        sw = ladder.switching_selectivity(scenario, draws, seed, base=base)
        out["switching_selectivity"] = sw["value"]
        out["switching_note"] = sw["note"]
    c = scenario.claim
    rows = []
    if ladder_draws is None:
        ladder_draws = ladder.ladder_savings(scenario, draws, seed, base)
    models = ladder.ladder_models(scenario)
    for name, x in ladder_draws.items():
        row = StageSummary.of(name, x, c.low, c.high).to_dict()
        row["main"] = name == model.name
        row["label"] = ladder.reading_label(name, models[name], scenario.sample.basis)
        rows.append(row)
    out["ladder"] = rows
    if scenario.sample.basis == "plan":
        # Kept for researchers, but the reports leave the tribunal rungs out for planned moves: say why here too.
        out["ladder_note"] = ("the claim rests on the council's planned moves, not a review panel's judgements: the "
                              "tribunal readings do not bear on it, and the reports leave them out")
    return out


def sensitivity(scenario, *, draws: int | None = None, seed: int | None = None,
                n_boot: int | None = None, allow_outside: bool = False, **overrides) -> SensitivityResult:
    """Run the full sensitivity analysis of a scenario.

    Parameters
    ----------
    scenario : Scenario, str or Path
    draws : int, optional
        Draws per evaluation and per Sobol matrix (default
        :data:`auditor.analysis.sensitivity.DEFAULT_DRAWS`; the scenario's
        ``run.draws`` is not used, because the analysis makes a few hundred
        evaluations).
    seed : int, optional
        Default: the scenario's ``run.seed``, else one drawn from the OS.
    n_boot : int, optional
        Bootstrap replicates for the intervals on the variance shares
        (default :data:`auditor.analysis.sensitivity.N_BOOT`).
    **overrides
        Dotted scenario keys, as for :func:`audit`.

    Returns
    -------
    SensitivityResult
    """
    _run_iv(draws=draws, seed=seed, draws_range=SENSITIVITY_DRAWS)
    scenario = resolve_scenario(scenario, overrides, allow_outside)
    n = int(draws or sa.DEFAULT_DRAWS)
    used = _seed_and_source(seed, scenario)[0]
    model = engine.build_model(scenario)
    base, bars = sa.tornado(scenario, draws=n, seed=used)
    rows, n_target = sa.sample_size(scenario, draws=n, seed=used)
    return SensitivityResult(
        scenario=scenario, draws=n, seed=used, point_estimate=engine.point_estimate(model),
        variance_share=sa.variance_shares(model, draws=n, seed=used,
                                          n_boot=sa.N_BOOT if n_boot is None else n_boot),
        fragility=fragility.fragility(model), case_influence=tuple(fragility.case_influence(model)),
        switching_values=tuple(sa.switching_values(scenario, draws=n, seed=used)),
        tornado_base=base, tornado=tuple(bars), sample_size=tuple(rows), sample_size_for_target=n_target,
        grid=sa.two_way_grid(scenario, draws=n, seed=used), version=__version__)
