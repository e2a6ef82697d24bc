"""Time to a trustworthy number for West Sussex, and whether variance reduction pays.

Run from the repository root::

    python bench/precision.py              # 24 replicates of 2**14 draws per method (about a minute)
    python bench/precision.py --reps 8     # quicker, rougher

What it measures. The Monte Carlo standard error (MCSE) of P(savings >= the
claim's low end) and of the median, from independent replicates (different
seeds) of the full audit at ``n`` draws; since both are averages or quantiles
of independent draws their MCSE falls as 1/sqrt(draws), so the draws needed
for MCSE 0.005 on the chance and 0.5% of the median on the median are
``n * (sd / target)**2``. The time is the audit's own (``analyses=False``) at
that many draws, measured, plus the fixed cost of the analyses.

Variance reduction tried, each exact in distribution (every single draw has
the audit's law; only the dependence between draws changes):

``antithetic costs``
    Draw pairs share their sampling and take-up draws and use mirrored
    costs: a uniform cost ``u`` becomes ``low + high - u`` (the inverse CDF
    at ``1 - U``), a triangular one ``F^-1(1 - F(c))``. Half the sampling draws
    for the same number of evaluations.
``randomised QMC on the sampling stage``
    The Dirichlet gammas by inverse CDF (``scipy.special.gammaincinv``, the
    engine's ``quantile`` mode) at scrambled Sobol points
    (``scipy.stats.qmc.Sobol``), one dimension per cell; the split of the
    cases and the costs stay plain Monte Carlo. Compared with plain Monte
    Carlo in the same inverse-CDF mode, and with the engine's default.

Not done: antithetic or QMC draws for the splits of a `reported` review (a
uniform pick among splits is discontinuous in its uniform) and for the
per-case exponentials (they only enter through sums picked by the split).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SCENARIO = ROOT / "scenarios" / "west-sussex-2023.toml"
TARGET_P, TARGET_MEDIAN = 0.005, 0.005


def _figures(x: np.ndarray, low: float) -> tuple[float, float]:
    return float(np.mean(x >= low)), float(np.median(x))


def _costs(model, rng: np.random.Generator, n: int) -> tuple[dict, dict]:
    """Each costed setting's cost: plain draws and their antithetic mirrors."""
    s = model.scenario
    plain, mirror = {}, {}
    for i in model.costed:
        d = s.settings[i].cost
        if d.is_fixed:
            plain[i] = mirror[i] = model.cost_mean[i]
            continue
        u = rng.random(n)
        p = d.p
        if d.kind == "uniform":
            f = lambda v: p["low"] + (p["high"] - p["low"]) * v
        elif d.kind == "triangular":
            lo, mo, hi = p["low"], p["mode"], p["high"]
            c = (mo - lo) / (hi - lo)

            def f(v, lo=lo, hi=hi, mo=mo, c=c):
                return np.where(v < c, lo + np.sqrt(v * (hi - lo) * (mo - lo)),
                                hi - np.sqrt((1 - v) * (hi - lo) * (hi - mo)))
        else:
            raise SystemExit(f"precision.py handles uniform and triangular costs, not {d.kind}")
        plain[i], mirror[i] = f(u), f(1.0 - u)
    return plain, mirror


def _shares(model, rng: np.random.Generator, n: int, mode: str, seed: int) -> np.ndarray:
    from auditor.model.sample import draw_compositions, draw_shares

    d = model.design
    comp = draw_compositions(d, rng, n)
    if mode == "default":
        return draw_shares(d, "bayes", rng, n, composition=comp)
    if mode == "quantile":
        return draw_shares(d, "bayes", rng, n, composition=comp, quantile=True)
    from scipy.stats import qmc

    class Sobol:  # stands in for the generator: draw_shares asks it for one uniform per cell and draw
        def random(self, shape):
            return qmc.Sobol(d=shape[1], scramble=True, seed=seed).random(shape[0])

    return draw_shares(d, "bayes", Sobol(), n, composition=comp, quantile=True)


def replicate(model, seed: int, n: int, method: str) -> tuple[float, float]:
    """P(>= low) and the median of one replicate of ``n`` evaluations of the full stage."""
    from auditor.model.engine import savings

    low = model.scenario.claim.low
    rng = np.random.default_rng(seed)
    if method == "antithetic costs":
        shares = _shares(model, rng, n // 2, "default", seed)
        plain, mirror = _costs(model, rng, n // 2)
        x = np.concatenate([savings(model, shares, costs=plain), savings(model, shares, costs=mirror)])
        return _figures(x, low)
    mode = {"plain MC (engine default)": "default", "plain MC, inverse-CDF gammas": "quantile",
            "RQMC sampling (scrambled Sobol)": "sobol"}[method]
    shares = _shares(model, rng, n, mode, seed)
    plain, _ = _costs(model, rng, n)
    return _figures(savings(model, shares, costs=plain), low)


METHODS = ("plain MC (engine default)", "antithetic costs", "plain MC, inverse-CDF gammas",
           "RQMC sampling (scrambled Sobol)")


def main(argv: list[str] | None = None) -> int:
    import auditor
    from auditor.model.engine import build_model

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=24)
    ap.add_argument("--log2n", type=int, default=14, help="draws per replicate, as a power of 2 (Sobol)")
    args = ap.parse_args(argv)
    n = 2 ** args.log2n
    scenario = auditor.load_scenario(SCENARIO)
    if scenario.judgement.name != "face_value" or not scenario.realisation.is_fixed or scenario.levers.any:
        raise SystemExit("precision.py reproduces the full stage of a face-value scenario with fixed take-up")
    model = build_model(scenario)
    # The replicate's plain draws reproduce the audit's law: check against the engine's own run.
    ref = auditor.audit(scenario, draws=200_000, seed=1, analyses=False).savings
    p_ref, med_ref = _figures(ref, scenario.claim.low)
    print(f"West Sussex, {args.reps} replicates of {n:,} draws; engine at 200,000 draws: "
          f"P(>= low) {p_ref:.4f}, median £{med_ref / 1e6:.3f}m")
    # Time per draw of the audit itself (no analyses), and the fixed cost of the analyses.
    per = min(_time(lambda: auditor.audit(scenario, draws=10**6, seed=3, analyses=False)) for _ in range(3)) / 1e6
    fixed = min(_time(lambda: auditor.audit(scenario, draws=1, seed=3).summary()) for _ in range(3))
    print(f"audit: {per * 1e9:.0f} ns a draw; analyses and summary: {fixed:.2f} s fixed\n")
    print(f"{'method':34} {'P(>=low)':>9} {'sd(P)':>8} {'median £m':>10} {'sd(med)%':>9} "
          f"{'draws for P':>12} {'draws for med':>14} {'cost/eval':>9}")
    for method in METHODS:
        t = time.perf_counter()
        reps = [replicate(model, 1000 + r, n, method) for r in range(args.reps)]
        cost = (time.perf_counter() - t) / (args.reps * n)
        ps, meds = [r[0] for r in reps], [r[1] for r in reps]
        sd_p, sd_m = statistics.stdev(ps), statistics.stdev(meds) / statistics.mean(meds)
        need_p = math.ceil(n * (sd_p / TARGET_P) ** 2)
        need_m = math.ceil(n * (sd_m / TARGET_MEDIAN) ** 2)
        print(f"{method:34} {statistics.mean(ps):9.4f} {sd_p:8.5f} {statistics.mean(meds) / 1e6:10.3f} "
              f"{100 * sd_m:9.3f} {need_p:12,} {need_m:14,} {cost * 1e9:7.0f}ns")
        if method == METHODS[0]:
            need = max(need_p, need_m)
            print(f"{'':34} -> {need:,} draws: about {fixed + need * per:.2f} s for both targets "
                  f"(binomial check: sd(P) {math.sqrt(p_ref * (1 - p_ref) / n):.5f})")
    return 0


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    sys.exit(main())
