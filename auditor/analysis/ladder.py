"""The reliability ladder and the switching selectivity: analyses that re-run the engine.

Both rerun :func:`auditor.model.engine.simulate` with the scenario's judgement
model swapped for another reading of the same evidence, on common random
numbers (every other source keeps its draws):

``ladder_savings``
    Full-stage savings under face_value, contest, symmetric, selection and
    scrutinised (:data:`LADDER`), shown beside the verdict so a reader sees how
    much of it rests on the judgement model. Each rung is labelled by the
    assumption it rests on (:func:`reading_label`).
``switching_selectivity``
    For the ``selection`` model, the selectivity ρ at which the median audited
    saving reaches the claim's low end (:func:`auditor.analysis.roots.find_root`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..inputs.distributions import POSITIVE, parse_dist
from ..inputs.evidence import DEFAULT_EVIDENCE, parse_evidence
from ..model.engine import build_model, draw_base, rejudge, simulate
from ..inputs.judgement import Contest, FaceValue, JudgementModel, Scrutinised, Selection, Symmetric
from .roots import find_root

__all__ = ["LADDER", "LADDER_MAX_DRAWS", "ladder_models", "ladder_savings", "switching_selectivity", "shared_base",
           "reading_label", "reading_phrase"]

#: The rungs of the reliability ladder, roughly from most to least trusting.
#: ``symmetric`` is the ``selection`` reading with every panel call equally
#: uncertain; ``scrutinised`` is a worst case, not a central reading.
LADDER = ("face_value", "contest", "symmetric", "selection", "scrutinised")

#: Cap on the draws used for the ladder and the switching search. Draws are made
#: block by block, so these are exactly the first draws of the main run.
LADDER_MAX_DRAWS = 200_000


def ladder_models(scenario) -> dict[str, JudgementModel]:
    """Each rung's model: the scenario's own where it is that model, else the defaults.

    The defaults share the scenario's evidence and transport factor when it has
    them (otherwise :data:`~auditor.inputs.evidence.DEFAULT_EVIDENCE`, τ = 1), so the
    rungs differ only in how the evidence is read.

    Examples
    --------
    >>> from auditor.inputs.scenario import load_scenario
    >>> list(ladder_models(load_scenario("scenarios/west-sussex-2023.toml")))
    ['face_value', 'contest', 'symmetric', 'selection', 'scrutinised']
    """
    own = scenario.judgement
    evidence = getattr(own, "evidence", None) or parse_evidence(DEFAULT_EVIDENCE)
    # The models' own default transport (τ = 1) unless the scenario sets one.
    kw = {"transport": own.transport} if hasattr(own, "transport") else {}
    out: dict[str, JudgementModel] = {
        "face_value": FaceValue(),
        "contest": Contest(evidence, **kw),
        "selection": Selection(evidence, **kw),
        "scrutinised": Scrutinised(evidence, **kw),
    }
    if own.name in out:
        out[own.name] = own
    # The same θ draws as the selection rung, so the two differ only in which calls θ applies to.
    out["symmetric"] = Symmetric(out["selection"])
    return {k: out[k] for k in LADDER}


def _full_savings(scenario, model: JudgementModel, draws: int, seed: int, base: dict | None = None) -> np.ndarray:
    """Full-stage savings of ``scenario`` read with ``model``: on ``base`` when given, else a rerun."""
    if base is not None:
        # The model's arrays do not depend on the judgement reading: build them once per scenario.
        built = base.get("model")
        built = (build_model(replace(scenario, judgement=model)) if built is None
                 else replace(built, scenario=replace(scenario, judgement=model)))
        return rejudge(built, seed, base)
    built = build_model(replace(scenario, judgement=model))
    return simulate(built, draws=draws, seed=seed, keep_inputs=False)["full"]


def shared_base(scenario, draws: int, seed: int, base: dict | None = None, model=None) -> dict | None:
    """The draws every reading shares (shares, costs, take-up), drawn once for ``min(draws, LADDER_MAX_DRAWS)``.

    ``base`` (from the audit's own kept inputs, :func:`auditor.model.engine.base_inputs`,
    or an earlier ``shared_base``) is used when it covers those draws. None for a
    scenario with levers: each reading is then a full rerun, as the levers act on
    the full stage. ``model`` is the scenario's built model when the caller has it
    (a base from ``shared_base`` carries its own), so it is not built again.
    """
    n = min(draws, LADDER_MAX_DRAWS)
    if scenario.levers.any:
        return None
    built = (base or {}).get("model") or model or build_model(scenario)
    if base is not None and base["draws"] >= n:
        base = {"draws": n, "shares": base["shares"][:n], "costs": {i: c[:n] for i, c in base["costs"].items()},
                "realisation": base["realisation"][:n]}
    else:
        base = draw_base(built, seed, n)
    return None if base is None else {**base, "model": built}


def ladder_savings(scenario, draws: int, seed: int, base: dict | None = None) -> dict[str, np.ndarray]:
    """Full-stage savings under each rung of the ladder, with common random numbers.

    Streams are keyed by source, so every rung sees the same sampling, cost and
    take-up draws; only the judgement draws differ. Those shared draws are made
    once (or taken from ``base``, see :func:`shared_base`) and each rung only
    draws its θ (:func:`auditor.model.engine.rejudge`, equal bit for bit to a
    rerun of the engine). At most :data:`LADDER_MAX_DRAWS` draws are used.

    Examples
    --------
    >>> from auditor.inputs.scenario import load_scenario
    >>> s = load_scenario("scenarios/west-sussex-2023.toml")
    >>> x = ladder_savings(s, 2000, 1)
    >>> bool(np.median(x["face_value"]) > np.median(x["selection"]) > np.median(x["scrutinised"]))
    True
    """
    n = min(draws, LADDER_MAX_DRAWS)
    shared = shared_base(scenario, draws, seed, base)
    return {name: _full_savings(scenario, m, n, seed, shared) for name, m in ladder_models(scenario).items()}


def switching_selectivity(scenario, draws: int, seed: int, *, low: float = 1.0,
                          high: float = 1000.0, base: dict | None = None) -> dict:
    """The selectivity ρ at which the median audited saving reaches the claim's low end.

    ρ is fixed at a trial value while every other input keeps its draws (common
    random numbers, the first ``min(draws, LADDER_MAX_DRAWS)`` draws), and
    Brent's method (:func:`~auditor.analysis.roots.find_root`) finds the root
    of median(savings) − claim low in log ρ on
    [``low``, ``high``]. More selectivity means a smaller implied error rate, so
    the median rises with ρ.

    Returns
    -------
    dict
        ``value`` (ρ, or ``None`` when the median is above the low end at every
        ρ in the range, or below it at every ρ), ``note`` in words, ``range``
        and ``draws`` used.
    """
    model = scenario.judgement
    if not isinstance(model, Selection):
        raise TypeError("switching_selectivity needs a scenario whose judgement model is 'selection'")
    n = min(draws, LADDER_MAX_DRAWS)
    target = scenario.claim.low
    # Only θ changes with ρ: the other sources are drawn once for the whole search.
    shared = shared_base(scenario, draws, seed, base)

    def gap(log_rho: float) -> float:
        fixed = replace(model, selectivity=parse_dist(math.exp(log_rho), POSITIVE, "selectivity"))
        return float(np.median(_full_savings(scenario, fixed, n, seed, shared))) - target

    a, b = math.log(low), math.log(high)
    ga, gb = gap(a), gap(b)
    out = {"value": None, "range": [low, high], "draws": n}
    if ga >= 0:
        out["note"] = f"the median reaches the claim's low end at every selectivity from {low:g} to {high:g}"
    elif gb < 0:
        out["note"] = f"the median stays below the claim's low end at every selectivity from {low:g} to {high:g}"
    else:
        root = find_root(gap, a, b, xtol=1e-4)
        out["value"] = math.exp(root)
        out["note"] = (f"the median reaches the claim's low end when wrong decisions are at least "
                       f"{math.exp(root):.3g} times likelier than right ones to be appealed and decided")
    return out


def _span(dist, pct: bool = False) -> str:
    """A distribution's range in few words: "3 to 30", "3.5% to 50%", or its description."""
    w = dist.written if isinstance(dist.written, dict) else {}
    if dist.is_fixed:
        v = dist.p["value"]
        return f"{v:.0%}" if pct else f"{v:g}"
    if "low" in w and "high" in w:
        lo, hi = float(dist.domain.parse(w["low"], "low")), float(dist.domain.parse(w["high"], "high"))
        return f"{lo * 100:g}% to {hi * 100:g}%" if pct else f"{lo:g} to {hi:g}"
    return dist.describe()


def reading_label(name: str, model: JudgementModel, basis: str = "review") -> str:
    """A ladder rung's name with the assumption it rests on, for tables and the summary.

    ``basis="plan"`` (a claim built on the council's planned moves, no review panel) words the face-value rung
    for planned moves; the tribunal rungs keep their names, since they are readings about a panel.

    Examples
    --------
    >>> from auditor.inputs.scenario import load_scenario
    >>> m = ladder_models(load_scenario("scenarios/west-sussex-2023.toml"))
    >>> reading_label("selection", m["selection"])
    'Selection: tribunal outcomes read with wrong council decisions ASSUMED 3 to 30 times likelier than right ones to reach a hearing'
    """
    if name == "face_value" and basis == "plan":
        return "Face value: every planned move happens as the council assumes (what the published figure assumes)"
    if name == "face_value":
        return "Face value: the panel is right about every call (what the published figure assumes)"
    if name == "contest":
        return (f"Contest: a move is undone only when the family contests it (ASSUMED share "
                f"{_span(model.contest_rate, pct=True)}) and wins as often as at the tribunal")
    if name == "selection":
        return (f"Selection: tribunal outcomes read with wrong council decisions ASSUMED "
                f"{_span(model.selectivity)} times likelier than right ones to reach a hearing")
    if name == "symmetric":
        # A wrong "already ideal" call sends the child where the panel sent others from that setting, so
        # a setting where the panel moved few children gains many moves: say so beside the number.
        return ("Selection, symmetric: as the selection reading, with the panel's up-shift and \"already ideal\" "
                "calls as uncertain as its down-shifts (a wrongly kept child goes where the panel sent others "
                "from that setting, which multiplies the moves where it moved few)")
    if name == "scrutinised":
        return ("Worst case (scrutinised): the panel as unreliable as the council decisions families "
                "challenged and took to a hearing")
    if name == "fixed":
        return f"Fixed: each judged move is right with probability θ ~ {model.theta.describe()} (ASSUMED)"
    return name


def reading_phrase(model: JudgementModel) -> str:
    """The judgement reading as the headline names it (for any model but face value)."""
    if model.name == "selection":
        return (f"the selection reading of tribunal outcomes (wrong council decisions assumed "
                f"{_span(model.selectivity)} times likelier to reach a hearing)")
    if model.name == "contest":
        return (f"the contest reading (a move is undone when the family contests it, an assumed "
                f"{_span(model.contest_rate, pct=True)} of them, and wins)")
    if model.name == "scrutinised":
        return "the scrutinised worst case (the panel as unreliable as challenged council decisions)"
    if model.name == "fixed":
        return f"an assumed panel reliability θ ~ {model.theta.describe()}"
    return f"the {model.name} reading"
