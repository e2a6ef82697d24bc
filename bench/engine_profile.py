"""Where the engine's time goes, block by block: random numbers against everything else.

Run from the repository root::

    python bench/engine_profile.py                 # West Sussex as published, 10^6 draws
    python bench/engine_profile.py --realisation   # with an uncertain realisation (PERT 0.5-0.8-1)

It replays :func:`auditor.model.engine.simulate` for one scenario with the
engine's own functions, one step at a time, with a clock around each step,
and checks at the end that the replay produced the engine's bytes (stages and
kept inputs), so the breakdown describes the code that runs. Each step's
time is the smallest over the repeats (the least disturbed by other work on
the machine). Steps are either **RNG** (a numpy ``Generator`` call: the same
calls the benchmark's random-number floor makes) or **other** (seeding,
arithmetic, copies); ``bench/run.py`` writes the "other" figures into the
note of a missed audit / floor row.

The replay covers what section 1 of the benchmarks runs: the ``bayes`` method
with a fixed-parameter prior (``reported`` or exact counts), any judgement
model, drawn or fixed costs and realisation, no levers. Other models raise
``NotImplementedError``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

SCENARIO = ROOT / "scenarios" / "west-sussex-2023.toml"
REALISATION = {"implementation.realisation": {"dist": "pert", "low": 0.5, "mode": 0.8, "high": 1.0}}

#: Steps in the order a block runs them, and whether each is random-number generation.
STEPS = {
    "allocate the run's arrays": False,
    "seeding: SeedSequence + PCG64 per source": False,
    "RNG: split per draw (integers)": True,
    "RNG: cell gammas (standard_gamma)": True,
    "RNG: per-case exponentials": True,
    "case sums: running sums + pick": False,
    "gamma + case sums": False,
    "Dirichlet normalisation": False,
    "RNG: judgement θ": True,
    "RNG: costs and realisation (Dist.draw)": True,
    "stage sums (savings formula)": False,
    "kept inputs: writes into the run's arrays": False,
}

#: How the benchmark's note names each step other than RNG.
SHORT = {
    "allocate the run's arrays": "allocation",
    "seeding: SeedSequence + PCG64 per source": "seeding",
    "case sums: running sums + pick": "case sums",
    "gamma + case sums": "gamma + sums",
    "Dirichlet normalisation": "Dirichlet",
    "stage sums (savings formula)": "stage sums",
    "kept inputs: writes into the run's arrays": "kept inputs",
}


def _supported(model) -> None:
    s = model.scenario
    if s.levers.any or s.sample.method != "bayes" or model.design.pool is not None or model.quantile_sampling:
        raise NotImplementedError("the replay covers bayes sampling with a fixed prior and no levers")


def replay(model, draws: int, seed: int) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """One run of ``draws`` draws, step by step; seconds per step and the run's arrays."""
    from auditor.model import engine, sample
    from auditor.model.casesums import exponential_buffer, prefix_sums_at, scratch
    from auditor.model.engine import BLOCK_SIZE, CASES_ITEM, STAGES, stream

    _supported(model)
    s, d = model.scenario, model.design
    clock = time.perf_counter
    spent = dict.fromkeys(STEPS, 0.0)
    t = clock()
    stages = {k: np.empty(draws) for k in STAGES[1:]}
    inputs: dict[str, np.ndarray] = {}
    spent["allocate the run's arrays"] += clock() - t
    reported = d.compositions is not None
    widths = d.compositions.max(axis=0).astype(np.intp) if reported else None
    face_value = s.judgement.name == "face_value"
    work: dict = {}  # the sampler's scratch buffers, reused block after block (as in the engine)
    for b in range(math.ceil(draws / BLOCK_SIZE)):
        lo, size = b * BLOCK_SIZE, min(BLOCK_SIZE, draws - b * BLOCK_SIZE)
        t0 = clock()
        rng = stream(seed, b, "sampling")
        if reported:
            rng_comp, rng_cases = stream(seed, b, "composition"), stream(seed, b, "sampling", CASES_ITEM)
        rng_judge = None if face_value else stream(seed, b, "judgement")
        t1 = clock()
        spent["seeding: SeedSequence + PCG64 per source"] += t1 - t0
        if reported:
            comp = sample.draw_compositions(d, rng_comp, size)
            t2 = clock()
            gammas = rng.standard_gamma(d.prior_alpha, out=scratch(work, "gammas", (size, d.n_cells)))
            t3 = clock()
            flat = exponential_buffer(size, int(widths.sum()), work)
            rng_cases.standard_exponential(out=flat[:-1])
            t4 = clock()
            sums = prefix_sums_at(flat, size, widths, d.compositions, comp, work)
            t5 = clock()
            np.add(gammas, sums, out=gammas)
            t6 = clock()
        else:
            t2 = clock()
            gammas = rng.standard_gamma(d.alpha, out=scratch(work, "gammas", (size, d.n_cells)))
            t3 = t4 = t5 = t6 = clock()
        shares = sample._dirichlet_shares(d, gammas, work)
        t7 = clock()
        theta = None if face_value else s.judgement.draw_theta(rng_judge, size)
        t8 = clock()
        cost_cols, seeding = {}, 0.0
        for i in model.costed:
            cost_cols[i], spent_seeding = _cost_column(model, seed, b, i, size)
            seeding += spent_seeding
        real = None
        if not s.realisation.is_fixed:
            t9 = clock()
            r_impl = stream(seed, b, "implementation")
            seeding += clock() - t9
            real = s.realisation.draw(r_impl, size)
        t11 = clock()
        view = {k: v[lo:lo + size] for k, v in stages.items()}
        engine._stage_sums(model, shares, theta, cost_cols, real, view)
        t12 = clock()
        keep = engine._keeper({}, partial(engine._input_slice, inputs, draws, lo, size), size)
        if reported:
            engine._keep_cases(model, keep, comp)
        engine._keep_inputs(model, keep, shares, theta, cost_cols, real)
        t13 = clock()
        spent["seeding: SeedSequence + PCG64 per source"] += seeding
        spent["RNG: split per draw (integers)"] += t2 - t1
        spent["RNG: cell gammas (standard_gamma)"] += t3 - t2
        spent["RNG: per-case exponentials"] += t4 - t3
        spent["case sums: running sums + pick"] += t5 - t4
        spent["gamma + case sums"] += t6 - t5
        spent["Dirichlet normalisation"] += t7 - t6
        spent["RNG: judgement θ"] += t8 - t7
        spent["RNG: costs and realisation (Dist.draw)"] += t11 - t8 - seeding
        spent["stage sums (savings formula)"] += t12 - t11
        spent["kept inputs: writes into the run's arrays"] += t13 - t12
    return spent, {**stages, **inputs}


def _cost_column(model, seed: int, block: int, i: int, size: int):
    """:func:`auditor.model.engine.cost_column`, step for step, with the time spent making streams."""
    from auditor.model.engine import PART_ITEMS, stream

    st = model.scenario.settings[i]
    dists = [(i, st.cost)] + [((PART_ITEMS[k] << 20) + i, d) for k, d in st.parts(model.scenario.claim.budget)]
    if all(d.is_fixed for _, d in dists):
        return model.cost_mean[i], 0.0
    t = time.perf_counter()
    rngs = {item: stream(seed, block, "costs", item) for item, d in dists if not d.is_fixed}
    seeding = time.perf_counter() - t
    col = None
    for item, d in dists:
        x = d.mean() if d.is_fixed else d.draw(rngs[item], size)
        col = x if col is None else col + x
    return col, seeding


def profile(model, draws: int, seed: int = 2023, repeats: int = 5) -> dict[str, float]:
    """Seconds per step (smallest over ``repeats``), after checking the replay against the engine."""
    from auditor.model import engine

    best: dict[str, float] = {}
    for _ in range(repeats):
        spent, arrays = replay(model, draws, seed)
        best = {k: min(v, best.get(k, math.inf)) for k, v in spent.items()}
    ref = engine.simulate(model, draws=draws, seed=seed, keep_inputs=True)
    if list(ref) != list(arrays) or any(ref[k].tobytes() != arrays[k].tobytes() for k in ref):
        raise AssertionError("the replay no longer matches engine.simulate: update bench/engine_profile.py")
    return best


def split(best: dict[str, float]) -> tuple[float, float]:
    """(RNG seconds, other seconds) of a :func:`profile`."""
    rng = sum(v for k, v in best.items() if STEPS[k])
    return rng, sum(best.values()) - rng


def render(best: dict[str, float], draws: int) -> str:
    from auditor.model.engine import BLOCK_SIZE

    blocks = math.ceil(draws / BLOCK_SIZE)
    rng, other = split(best)
    total = rng + other
    lines = [f"{draws:,} draws ({blocks} blocks): {total:.3f} s; RNG {rng:.3f} s, other {other:.3f} s "
             f"(other / RNG = {other / rng:.2f})",
             "| step | kind | s | ms per block | share |", "|---|---|---|---|---|"]
    for k, v in best.items():
        lines.append(f"| {k} | {'RNG' if STEPS[k] else 'other'} | {v:.3f} | {1e3 * v / blocks:.2f} | "
                     f"{v / total:.0%} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import auditor
    from auditor.model import engine

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=10**6)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--realisation", action="store_true", help="uncertain realisation (bench section 1's variant)")
    args = p.parse_args(argv)
    model = engine.build_model(auditor.load_scenario(SCENARIO, overrides=REALISATION if args.realisation else None))
    print(render(profile(model, args.draws, repeats=args.repeats), args.draws))
    return 0


if __name__ == "__main__":
    sys.exit(main())
