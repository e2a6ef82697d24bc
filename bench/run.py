"""auditor's benchmarks: one command, one table, one results file.

Run from the repository root::

    python bench/run.py            # full run (a few minutes), writes bench/RESULTS.md
    python bench/run.py --quick    # smoke run on small sizes (seconds), prints only

Every figure is timed several times and reported as min / median: the
minimum is the best estimate of the cost on an idle machine, the median shows
how much other work on the machine disturbed the runs. See bench/README.md
for what each row measures and why.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "west-sussex-2023.toml"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEAVY = ("scipy", "pandas", "matplotlib", "jinja2")

if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))


# ---- configuration ---------------------------------------------------------

@dataclass(frozen=True)
class Config:
    """Sizes and repeat counts; ``QUICK`` and ``FULL`` are the two presets."""

    throughput_draws: tuple[int, ...]
    repeats: int                  # repeats for runs up to 10^6 draws
    big_repeats: int              # repeats at 10^7 draws
    alt_draws: int                # resamples for the comparison with alternatives
    pandas_draws: int             # the pandas loop is slow: fewer draws, scaled up
    scaling_draws: int
    settings_grid: tuple[int, ...]
    cases_grid: tuple[int, ...]
    memory_draws: int
    startup_repeats: int
    e2e: bool = True


FULL = Config(throughput_draws=(10**5, 10**6, 10**7), repeats=5, big_repeats=3, alt_draws=10**5,
              pandas_draws=2_000, scaling_draws=10**5, settings_grid=(4, 10, 20, 40),
              cases_grid=(28, 280, 2_800), memory_draws=10**7, startup_repeats=7)
QUICK = Config(throughput_draws=(10**4, 10**5), repeats=2, big_repeats=1, alt_draws=10**4,
               pandas_draws=200, scaling_draws=10**4, settings_grid=(4, 40), cases_grid=(28, 2_800),
               memory_draws=10**5, startup_repeats=2)


@dataclass
class Row:
    """One line of the results table."""

    section: str
    name: str
    unit: str
    times: list[float] = field(default_factory=list)   # raw figures, one per repeat
    goal: str = ""
    status: str = ""          # "met", "missed" or "" (no goal)
    note: str = ""
    higher_is_better: bool = False

    @property
    def best(self) -> float:
        return max(self.times) if self.higher_is_better else min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def _repeat(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


# ---- 1. throughput and the random-number floor ------------------------------

def _floor_dist(dist, rng: np.random.Generator, size: int) -> None:
    """Produce only the variates ``dist.draw`` consumes (no transformation)."""
    p = dist.p
    if dist.kind == "uniform":
        rng.uniform(p["low"], p["high"], size)
    elif dist.kind == "triangular":
        if p["low"] != p["high"]:
            rng.triangular(p["low"], p["mode"], p["high"], size)
    elif dist.kind in ("pert", "beta"):
        a, b = dist._beta_shape()
        rng.beta(a, b, size)
    elif dist.kind in ("normal", "lognormal"):
        rng.random(size)  # inverse-CDF sampling: one uniform per draw


def _floor_judgement(judgement, rng: np.random.Generator, size: int) -> int:
    """Make the variates of a judgement model's ``draw_theta``; return how many per draw.

    The families are read off the model (a plain θ distribution, or packaged
    evidence with its Beta per component, the pick between components, and the
    model's uncertain inputs), so new models built from the same parts are
    covered; an unknown model falls back to its own ``draw_theta``.
    """
    from auditor.inputs.distributions import Dist

    theta = getattr(judgement, "theta", None)
    if isinstance(theta, Dist):
        _floor_dist(theta, rng, size)
        return _PER_KIND[theta.kind]
    if judgement.name == "face_value":
        return 0
    evidence = getattr(judgement, "evidence", None)
    if evidence is None:
        judgement.draw_theta(rng, size)
        return int(getattr(judgement, "n_variates", 1))
    from auditor.inputs.judgement import _rate_params

    n = 0
    for c in evidence.components:
        params = _rate_params(c, getattr(judgement, "effective_sample_size", None))
        if params is not None:
            rng.beta(params[0], params[1], size)
            n += 2  # a beta is two gammas
    if len(evidence.components) > 1:
        rng.random(size)  # which component a draw takes
        n += 1
    for attr in ("selectivity", "contest_rate", "transport", "win_if_wrong", "win_if_right"):
        d = getattr(judgement, attr, None)
        if isinstance(d, Dist) and not d.is_fixed:
            _floor_dist(d, rng, size)
            n += _PER_KIND[d.kind]
    return n


_PER_KIND = {"fixed": 0, "uniform": 1, "triangular": 1, "normal": 1, "lognormal": 1, "pert": 2, "beta": 2}


def rng_floor(model, draws: int, rng: np.random.Generator) -> int:
    """Make, with one Generator, just the random variates the engine draws.

    It mirrors :func:`auditor.model.engine.simulate_block` call for call (same
    families, same parameters, same block sizes) and leaves out everything
    else: seeding, arithmetic, stage sums, concatenation. It is written from
    the model in use, so a new judgement model or cost family is picked up.
    Returns the number of variates per draw it made.
    """
    from auditor.model.engine import BLOCK_SIZE

    s = model.scenario
    design = model.design
    per_draw = 0
    for start in range(0, draws, BLOCK_SIZE):
        size = min(BLOCK_SIZE, draws - start)
        per_draw = 0
        if design.moves:
            if design.compositions is not None:
                # `reported` form: one split per draw, then one gamma at the prior per cell
                # and the per-case exponentials (sample._frozen_gammas).
                rng.integers(0, design.compositions.shape[0], size=size)
                rng.standard_gamma(design.prior_alpha, size=(size, design.n_cells))
                width = int(design.compositions.max(axis=0).sum()) if design.compositions.shape[0] > 1 else 0
                rng.standard_exponential((size, width))
                per_draw += 1 + design.n_cells + width
            elif s.sample.method == "bayes":
                rng.standard_gamma(design.alpha, size=(size, design.n_cells))
                per_draw += design.n_cells
            else:
                # One multinomial call over all rows, padded with zero cells, as the engine does.
                pvals = np.zeros((len(design.row_counts), max(c.size for c in design.row_counts)))
                for i, (n, counts) in enumerate(zip(design.row_n, design.row_counts)):
                    pvals[i, :counts.size] = counts / n
                    # numpy draws one binomial per category but the last; a category of
                    # probability 0 (a possible move nobody made) returns 0 without drawing.
                    per_draw += max(int(np.count_nonzero(counts)) - 1, 0)
                rng.multinomial(design.row_n, pvals, size=(size, len(design.row_counts)))
        per_draw += _floor_judgement(s.judgement, rng, size)
        for i in model.costed:
            if not s.settings[i].cost.is_fixed:
                _floor_dist(s.settings[i].cost, rng, size)
                per_draw += _PER_KIND[s.settings[i].cost.kind]
        if not s.realisation.is_fixed:
            _floor_dist(s.realisation, rng, size)
            per_draw += _PER_KIND[s.realisation.kind]
    return per_draw


def variates_counted(model) -> int:
    """Variates per draw counted kind by kind (to check the engine's own count)."""
    return rng_floor(model, 1, np.random.default_rng(0))


def bench_throughput(cfg: Config, rows: list[Row], variants: dict[str, dict]) -> dict[int, float]:
    import auditor
    from auditor.model import engine

    per_draw = {}
    # The goal is set at 10^6 draws: that size's ratio row says where the engine's time goes.
    profiled = max((n for n in cfg.throughput_draws if n <= 10**6), default=None)
    for label, overrides in variants.items():
        scenario = auditor.load_scenario(SCENARIO, overrides=overrides or None)
        model = engine.build_model(scenario)
        counted, engine_count = variates_counted(model), model.variates_per_draw()
        for n in cfg.throughput_draws:
            reps = cfg.big_repeats if n >= 10**7 else cfg.repeats
            keep = False if n >= 10**7 else None
            # Audit and floor alternate, so that both meet the same load on a shared machine.
            # One untimed run of each first: the first touch of a run's memory in a fresh
            # process can cost more than the run (on this VM, ~2 s for 112 MB never used
            # before), and that is the process's start, not the engine's cost per run.
            rng = np.random.Generator(np.random.PCG64(2023))
            auditor.audit(scenario, draws=n, seed=2023, keep_inputs=keep, analyses=False)
            rng_floor(model, n, rng)
            t_audit, t_floor, t_bare = [], [], []
            for _ in range(reps):
                t_audit += _repeat(lambda: auditor.audit(scenario, draws=n, seed=2023, keep_inputs=keep,
                                                         analyses=False), 1)
                t_floor += _repeat(lambda: rng_floor(model, n, rng), 1)
                if n == profiled:  # the same audit keeping only the three stages
                    t_bare += _repeat(lambda: auditor.audit(scenario, draws=n, seed=2023, keep_inputs=False,
                                                            analyses=False), 1)
            if label == "as published":
                per_draw[n] = min(t_audit) / n
            rows.append(Row("1 throughput", f"{label}: audit, {n:,} draws", "draws/s",
                            [n / t for t in t_audit], higher_is_better=True,
                            note=f"{counted} variates/draw (engine counts {engine_count})"))
            rows.append(Row("1 throughput", f"{label}: RNG floor, {n:,} draws", "draws/s",
                            [n / t for t in t_floor], higher_is_better=True))
            ratios = sorted(a / f for a, f in zip(sorted(t_audit), sorted(t_floor)))
            ratio = Row("1 throughput", f"{label}: audit / floor, {n:,} draws", "x", ratios)
            ratio.times = [min(t_audit) / min(t_floor), statistics.median(t_audit) / statistics.median(t_floor)]
            if n == profiled:
                # Issue 18 sets the goal at 10^6 draws; the other sizes show how the ratio scales.
                ratio.goal = "<= 1.5"
                ratio.status = "met" if min(t_audit) / min(t_floor) <= 1.5 else "missed"
                ratio.note = _breakdown_note(model, n, min(t_audit), min(t_floor), min(t_bare), ratio.status,
                                             cfg.repeats)
            else:
                ratio.note = "for reference: the goal (<= 1.5) is set at 1,000,000 draws"
            rows.append(ratio)
    # audit() also computes the summary's analyses (the ladder and the switching ρ
    # rerun the engine on at most 200,000 draws): a fixed cost on top of the draws.
    from auditor.api import judgement_block

    n = min(cfg.throughput_draws)
    drawn = auditor.audit(auditor.load_scenario(SCENARIO), draws=n, seed=2023, analyses=False)
    rows.append(Row("1 throughput", f"as published: analyses of audit(), {n:,} draws", "s",
                    _repeat(lambda: judgement_block(drawn), cfg.repeats),
                    note="ladder and switching selectivity, computed once per audit()"))
    # The fixed cost of a run: what audit() costs before the draws matter (one draw).
    scenario = auditor.load_scenario(SCENARIO)
    rows.append(Row("1 throughput", "fixed per-run cost: audit(analyses=False), 1 draw", "s",
                    _repeat(lambda: auditor.audit(scenario, draws=1, seed=2023, analyses=False), cfg.repeats),
                    note="model build, seeding, one block"))
    rows.append(Row("1 throughput", "fixed per-run cost: audit() + summary(), 1 draw", "s",
                    _repeat(lambda: auditor.audit(scenario, draws=1, seed=2023).summary(), cfg.repeats),
                    note="with every analysis the summary shows"))
    return per_draw


def _breakdown_note(model, draws: int, t_audit: float, t_floor: float, t_bare: float, status: str,
                    repeats: int) -> str:
    """The audit / floor row's note: the engine's own split of RNG and other work (bench/engine_profile.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        import engine_profile
    finally:
        sys.path.pop(0)
    try:
        best = engine_profile.profile(model, draws, repeats=repeats)
    except NotImplementedError as e:
        return f"no breakdown: {e}"
    rng, other = engine_profile.split(best)
    parts = sorted(((v, k) for k, v in best.items() if not engine_profile.STEPS[k]), reverse=True)
    named = ", ".join(f"{engine_profile.SHORT[k]} {v:.3f}" for v, k in parts if v >= 0.005)
    head = "missed" if status == "missed" else "met"
    return (f"{head}: the engine's RNG calls {rng:.3f} s (floor {t_floor:.3f} s), other work {other:.3f} s "
            f"({other / rng:.2f} of its RNG; {named}) (bench/engine_profile.py, min of {repeats}); "
            f"audit() {t_audit:.3f} s, {t_bare:.3f} s with keep_inputs=False ({t_bare / t_floor:.2f} x floor): "
            f"the difference is writing the kept inputs into fresh memory")


# ---- 1b. interactive -----------------------------------------------------------

def bench_interactive(cfg: Config, rows: list[Row]) -> None:
    """An audit at the web app's default draws plus the numbers its page shows (audit + summary)."""
    import auditor
    from auditor.web.service import DEFAULT_DRAWS

    scenario = auditor.load_scenario(SCENARIO)
    auditor.audit(scenario, draws=DEFAULT_DRAWS, seed=1).summary()  # warm: imports and caches
    seeds = iter(range(2, 10**6))
    ts, cpu = [], []
    for _ in range(cfg.startup_repeats):
        t, c = time.perf_counter(), time.process_time()
        auditor.audit(scenario, draws=DEFAULT_DRAWS, seed=next(seeds)).summary()
        ts.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    row = Row("1b interactive", f"audit + summary, {DEFAULT_DRAWS:,} draws (web default)", "s", ts,
              goal="<= 0.3", note="in process, scenario loaded once; HTTP adds a few ms (bench/serve_latency.py)")
    row.status = "met" if min(ts) <= 0.3 else "missed"
    if row.status == "missed":
        # CPU time under the goal while the wall clock is over it: the machine's other work, not the audit.
        row.note += (f"; its CPU time: {min(cpu):.3f} s best, {statistics.median(cpu):.3f} s median, "
                     f"at load {os.getloadavg()[0]:.1f}")
    rows.append(row)


# ---- 2. against the usual alternatives -------------------------------------

STRATUM = """schema_version = 1
[scenario]
title = "Benchmark: one stratum of 9 reviewed cases"
authority = "benchmark"
sources = ["synthetic: the West Sussex state special stratum, costs fixed at their central values"]
[claim]
low = 1
high = 2
per = "year"
[settings.state_special]
cost = 20482.5
cohort = 1986
[settings.mainstream]
cost = 14276
cohort = 2374
[sample]
method = "{method}"
transitions = [ {{ from = "state_special", to = "state_special", count = 3 }},
                {{ from = "state_special", to = "mainstream", count = 6 }} ]
[run]
draws = 1000
seed = 1
"""


def bench_alternatives(cfg: Config, rows: list[Row], tmp: Path) -> None:
    import auditor

    b = cfg.alt_draws
    saving = 1986 * (20482.5 - 14276)  # cohort × cost difference of one move
    per_case = np.array([0.0] * 3 + [saving] * 6)  # savings share carried by each reviewed case
    timings: dict[str, list[float]] = {}
    floors: dict[str, list[float]] = {}
    for method in ("bayes", "bootstrap"):
        path = tmp / f"stratum-{method}.toml"
        path.write_text(STRATUM.format(method=method), encoding="utf-8")
        scenario = auditor.load_scenario(path)

        def job(scenario=scenario):
            import warnings

            # The bootstrap on 9 cases is warned about (SmallSampleWarning): here it is
            # the comparison itself, so the warning is not the point.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", auditor.errors.SmallSampleWarning)
                r = auditor.audit(scenario, draws=b, seed=7, keep_inputs=False, analyses=False)
            return np.quantile(r.stages["sampling"], [0.05, 0.95])

        # audit() on a Scenario loaded once, outside the timing: what a script making
        # many runs does (loading and validating the file is not part of the job).
        timings[f"auditor ({method})"] = _repeat(job, cfg.repeats)
        model = auditor.model.engine.build_model(scenario)
        rng = np.random.Generator(np.random.PCG64(7))
        floors[f"auditor ({method})"] = _repeat(lambda: rng_floor(model, b, rng), cfg.repeats)

    from scipy import stats

    def scipy_job():
        res = stats.bootstrap((per_case,), np.mean, n_resamples=b, vectorized=True, method="percentile",
                              confidence_level=0.9, rng=np.random.default_rng(7))
        return res.confidence_interval

    timings["scipy.stats.bootstrap"] = _repeat(scipy_job, cfg.repeats)

    import pandas as pd

    df = pd.DataFrame({"saving": per_case})
    m = cfg.pandas_draws

    def pandas_job():
        rng = np.random.default_rng(7)
        means = [df.sample(n=len(df), replace=True, random_state=rng)["saving"].mean() for _ in range(m)]
        return np.quantile(means, [0.05, 0.95])

    # Scaled to b resamples: the loop's cost is linear in the number of resamples.
    timings["pandas df.sample loop"] = [t * b / m for t in _repeat(pandas_job, max(1, cfg.repeats // 2))]

    base = min(timings["auditor (bootstrap)"])
    for name, ts in timings.items():
        note = f"scaled from {m:,} resamples" if name.startswith("pandas") else ""
        if name.startswith("auditor"):
            note = "audit() + quantiles on a Scenario loaded once (not timed)"
        rows.append(Row("2 alternatives", f"{name}: 90% interval, {b:,} resamples", "s", ts, note=note))
    for name, ts in floors.items():
        rows.append(Row("2 alternatives", f"{name}: RNG floor alone, {b:,} resamples", "s", ts,
                        note="its variates only, no seeding or arithmetic"))
    for name in ("scipy.stats.bootstrap", "pandas df.sample loop"):
        for ours in ("auditor (bayes)", "auditor (bootstrap)"):
            r = Row("2 alternatives", f"{name} / {ours}", "x",
                    [min(timings[name]) / min(timings[ours]),
                     statistics.median(timings[name]) / statistics.median(timings[ours])],
                    higher_is_better=True)
            if name.startswith("scipy"):
                # The former goal (>= 3) is withdrawn in issue 18: the exact Dirichlet sampler's own
                # variates cost most of scipy's time, so parity with an exact sampler is the comparison.
                r.note = "no goal: parity with an exact sampler is the honest comparison (bench/README.md)"
            rows.append(r)
    del base


# ---- 3. scaling --------------------------------------------------------------

def synthetic_scenario(folder: Path, n_settings: int, n_cases: int) -> Path:
    """Write a scenario with ``n_settings`` settings and ``n_cases`` reviewed cases.

    Setting ``i`` costs about £10,000·(i + 1); each setting's cases are split
    a third "stay" and the rest between the two next cheaper settings (the
    cheapest setting's move up), so the number of Dirichlet cells grows with
    the settings while it stays fixed as the cases grow.
    """
    lines = ["schema_version = 1", "[scenario]", f'title = "Synthetic: {n_settings} settings, {n_cases} cases"',
             'authority = "benchmark"', 'sources = ["synthetic benchmark scenario"]',
             "[claim]", "low = 1", "high = 2", 'per = "year"']
    for i in range(n_settings):
        mid = 10_000.0 * (i + 1)
        lines += [f"[settings.s{i:02d}]", f"cohort = {500 + 10 * i}",
                  f'cost = {{ dist = "uniform", low = {mid * 0.9:.0f}, high = {mid * 1.1:.0f} }}']
    per_row = [n_cases // n_settings + (1 if i < n_cases % n_settings else 0) for i in range(n_settings)]
    items = []
    for i, n in enumerate(per_row):
        stay = max(1, n // 3)
        dests = [i - 1, i - 2] if i >= 2 else [i + 1, i + 2] if i == 0 else [i - 1, i + 1]
        rest = n - stay
        split = [rest - rest // 2, rest // 2]
        items.append(f'{{ from = "s{i:02d}", to = "s{i:02d}", count = {stay} }}')
        for d, k in zip(dests, split):
            if k > 0 and 0 <= d < n_settings:
                items.append(f'{{ from = "s{i:02d}", to = "s{d:02d}", count = {k} }}')
    lines += ["[sample]", "transitions = [", ",\n".join(items), "]", "[run]", "draws = 1000", "seed = 1"]
    path = folder / f"synthetic-{n_settings}s-{n_cases}c.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bench_scaling(cfg: Config, rows: list[Row], tmp: Path, per_draw: dict[int, float]) -> None:
    import auditor
    from auditor.model import engine

    for n, t in sorted(per_draw.items()):
        rows.append(Row("3 scaling", f"draws: {n:,}", "ns/draw", [t * 1e9], note="from section 1 (min)"))
    b = cfg.scaling_draws
    for label, grid, make in (("settings", cfg.settings_grid, lambda k: (k, 28 if k <= 4 else 7 * k)),
                              ("cases", cfg.cases_grid, lambda n: (4, n))):
        for value in grid:
            k, n = make(value)
            scenario = auditor.load_scenario(synthetic_scenario(tmp, k, n))
            cells = engine.build_model(scenario).design.n_cells
            ts = _repeat(lambda: auditor.audit(scenario, draws=b, seed=1, keep_inputs=False, analyses=False),
                         cfg.repeats)
            rows.append(Row("3 scaling", f"{label}: {k} settings, {n:,} cases ({cells} cells)", "ns/draw",
                            [t / b * 1e9 for t in ts], note=f"{b:,} draws"))


# ---- 4. memory, 5. start-up, 6. end to end (subprocesses) -------------------

def _python() -> str:
    return sys.executable


def _auditor_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "auditor"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "auditor"]


#: Where the timed subprocesses keep compiled bytecode (see :func:`_env`).
PYCACHE = Path(tempfile.gettempdir()) / "auditor-bench-pycache"


def _env() -> dict:
    """The environment of every timed subprocess: this checkout first, compiled bytecode kept.

    An installed auditor has its modules compiled (pip does it), and a checkout
    writes ``__pycache__`` on first use; a machine with
    ``PYTHONDONTWRITEBYTECODE=1`` would instead compile every module from
    source on every run (0.2-0.3 s of an ``auditor run``), which no user waits
    for. The bytecode goes to a folder of its own (``PYTHONPYCACHEPREFIX``), so
    the checkout is not touched.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def peak_rss_mib(code: str) -> float:
    """Peak resident memory (MiB) of a fresh Python running ``code``."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a
    # child of this (large) process would report the parent's peak.
    probe = (code + "\nimport sys\nfrom pathlib import Path\n"
             "hwm = [l for l in Path('/proc/self/status').read_text().splitlines() if l.startswith('VmHWM')]\n"
             "sys.stdout.write(hwm[0].split()[1] if hwm else '0')\n")
    out = subprocess.run([_python(), "-c", probe], capture_output=True, text=True, check=True, env=_env(),
                         cwd=ROOT)
    return int(out.stdout.strip().splitlines()[-1]) / 1024  # VmHWM is in KiB


def bench_memory(cfg: Config, rows: list[Row]) -> None:
    n = cfg.memory_draws
    base = peak_rss_mib("import auditor.model.engine")
    peak = peak_rss_mib(f"import auditor\nr = auditor.audit({str(SCENARIO)!r}, draws={n}, seed=1, "
                        "keep_inputs=False)\nr.summary()")
    rows.append(Row("4 memory", "import auditor.model.engine (numpy loaded)", "MiB", [base]))
    row = Row("4 memory", f"audit + summary, {n:,} draws (keep_inputs=False)", "MiB", [peak], goal="< 1024")
    row.status = "met" if peak < 1024 else "missed"
    rows.append(row)


def _wall(cmd: list[str], repeats: int) -> list[float]:
    subprocess.run(cmd, capture_output=True, check=True, env=_env(), cwd=ROOT)  # untimed: fills the bytecode cache
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, env=_env(), cwd=ROOT)
        out.append(time.perf_counter() - t)
    return out


def heavy_imports(argv: list[str]) -> list[str]:
    """Heavy libraries the CLI imports for ``argv`` (run in a fresh interpreter)."""
    code = ("import sys\nfrom auditor.cli import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([_python(), "-c", code], capture_output=True, text=True, env=_env(), cwd=ROOT)
    marked = [line for line in out.stdout.splitlines() if line.startswith("HEAVY:")]
    return [m for m in marked[-1][6:].split(",") if m] if marked else ["(probe failed)"]


def bench_startup(cfg: Config, rows: list[Row]) -> None:
    n = cfg.startup_repeats
    bare = _wall([_python(), "-c", "pass"], n)
    rows.append(Row("5 start-up", "python -c pass", "s", bare))
    # numpy alone is most of the budget on a slow VM: shown so the rest can be judged.
    numpy_only = _wall([_python(), "-c", "import numpy"], n)
    rows.append(Row("5 start-up", "python -c 'import numpy' (over bare python)", "s",
                    [t - min(bare) for t in numpy_only]))
    for label, argv in (("auditor --version", ["--version"]),
                        ("auditor validate west-sussex", ["validate", str(SCENARIO)])):
        ts = _wall(_auditor_cmd() + argv, n)
        over = [t - min(bare) for t in ts]
        heavy = heavy_imports(argv)
        row = Row("5 start-up", f"{label} (over bare python)", "s", over, goal="< 0.3",
                  note="heavy imports: " + (", ".join(heavy) if heavy else "none"))
        row.status = "met" if min(over) < 0.3 else "missed"
        rows.append(row)


#: How bench/profile_run.py's steps add up into the parts of ``auditor run`` (by the start of each step's name).
COST_GROUPS = (("start-up", ("import numpy", "import auditor", "load scenario")),
               ("audit", ("audit()", "summary()", "summary.json")),
               ("drawing imports", ("import matplotlib", "import jinja2", "import backend_pdf")),
               ("figures", ("figure ",)),
               ("brief.pdf", ("brief.pdf",)),
               ("draws.csv.gz", ("draws.csv.gz",)),
               ("report text", ("report.md", "report.html")))
#: The parts that only the full run has (what it adds to ``--format json``).
OUTPUT_PARTS = ("drawing imports", "figures", "brief.pdf", "draws.csv.gz", "report text")


def output_costs(repeats: int = 2) -> dict[str, float]:
    """CPU seconds of each part of ``auditor run`` on one core (bench/profile_run.py, best of ``repeats``)."""
    best: dict[str, float] = {}
    cmd = [_python(), str(ROOT / "bench" / "profile_run.py"), "--child", "--format", "all"]
    if hasattr(os, "sched_getaffinity"):
        cmd = ["taskset", "-c", str(min(os.sched_getaffinity(0)))] + cmd
    for _ in range(repeats):
        out = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=ROOT, check=True).stdout
        for line in out.splitlines():
            name, sec = line.rsplit("\t", 1)
            best[name] = min(best.get(name, math.inf), float(sec))
    return group_costs(best)


def group_costs(steps: dict[str, float]) -> dict[str, float]:
    """Sum profile_run's steps into :data:`COST_GROUPS` (steps matching no group are left out)."""
    out = {group: 0.0 for group, _ in COST_GROUPS}
    for name, sec in steps.items():
        for group, starts in COST_GROUPS:
            if name.startswith(starts):
                out[group] += sec
                break
    return out


def e2e_notes(costs: dict[str, float], t_json: float) -> tuple[str, str]:
    """The measured reason for the two end-to-end goals: (note for the 1.5 s goal, note for the 2x goal).

    The outputs' own CPU time (everything but start-up and the audit), even
    split perfectly over the machine's two cores, comes on top of the
    ``--format json`` run, whose own CPU time is start-up plus the audit. The
    ratio's bound uses CPU times only (one profile), so other work on the
    machine changes it little; the absolute bound adds the outputs' share to
    the json run's measured wall time.

    Examples
    --------
    >>> costs = {"start-up": 0.2, "audit": 0.8, "drawing imports": 0.4, "figures": 1.6, "brief.pdf": 0.5,
    ...          "draws.csv.gz": 0.8, "report text": 0.1}
    >>> a, r = e2e_notes(costs, 1.5)
    >>> a.split(";")[0], r.split(";")[0]
    ('lower bound 3.20 s', 'lower bound 2.70x')
    """
    parts = {k: costs[k] for k in OUTPUT_PARTS}
    work = sum(parts.values())
    base = costs["start-up"] + costs["audit"]
    cores = 2
    detail = ", ".join(f"{k} {v:.2f}" for k, v in parts.items())
    why = (f"the outputs need {work:.2f} s of CPU ({detail}) on top of the json run's {base:.2f} s "
           f"(start-up {costs['start-up']:.2f}, audit {costs['audit']:.2f}), at best split over {cores} cores "
           f"(CPU s on one core, bench/profile_run.py)")
    return (f"lower bound {t_json + work / cores:.2f} s; {why}, after the json run's {t_json:.2f} s",
            f"lower bound {(base + work / cores) / base:.2f}x; {why}")


def bench_end_to_end(cfg: Config, rows: list[Row], tmp: Path) -> None:
    from auditor.cli import COMMANDS

    out = tmp / "e2e-run"
    reps = cfg.repeats
    failed = []

    def run(extra: list[str]) -> float:
        shutil.rmtree(out, ignore_errors=True)
        t = time.perf_counter()
        proc = subprocess.run(_auditor_cmd() + ["run", str(SCENARIO), "--out", str(out), "--quiet"] + extra,
                              capture_output=True, text=True, env=_env(), cwd=ROOT)
        took = time.perf_counter() - t
        if proc.returncode != 0:
            failed.append(f"failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
        return took

    # The same run writing summary.json only is what every output adds on top of the audit itself.
    # The two alternate, so a change in the machine's load hits both alike; one untimed run of each
    # first fills the bytecode cache (see _env).
    json_only = ["--format", "json"]
    run([]), run(json_only)
    ts, tj, loads = [], [], []
    for _ in range(reps):
        ts.append(run([]))
        files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) if out.exists() else []
        tj.append(run(json_only))
        loads.append(os.getloadavg()[0])
    # How busy the machine was: its load, and a bare interpreter's start (about 0.02 s when idle).
    bare = min(_wall([_python(), "-c", "pass"], 3))
    load = f"load {min(loads):.1f}-{max(loads):.1f}, python -c pass {bare:.2f} s"
    row = Row("6 end to end", "auditor run west-sussex (all outputs)", "s",
              [math.nan] if failed else ts, note=failed[0] if failed else f"{len(files)} files written; {load}",
              goal="<= 1.5")
    rows.append(row)
    rows.append(Row("6 end to end", "auditor run west-sussex (--format json)", "s", [math.nan] if failed else tj,
                    note=f"summary.json and inputs.json; {load}"))
    if not failed:
        row.status = "met" if min(ts) <= 1.5 else "missed"
        ratio = Row("6 end to end", "all outputs / --format json", "x",
                    [min(ts) / min(tj), statistics.median(ts) / statistics.median(tj)], goal="<= 2")
        ratio.status = "met" if ratio.times[0] <= 2 else "missed"
        rows.append(ratio)
        if "missed" in (row.status, ratio.status):
            note_all, note_ratio = e2e_notes(output_costs(), min(tj))
            if row.status == "missed":
                row.note += f"; {note_all}"
            if ratio.status == "missed":
                ratio.note = note_ratio
    if "sensitivity" not in COMMANDS:
        rows.append(Row("6 end to end", "auditor sensitivity west-sussex", "s", [math.nan],
                        note="skipped: no `sensitivity` command in this version"))
        return
    sens_out = tmp / "e2e-sensitivity"
    cmd = _auditor_cmd() + ["sensitivity", str(SCENARIO)]
    helptext = subprocess.run(cmd[:-1] + ["--help"], capture_output=True, text=True, env=_env(), cwd=ROOT).stdout
    if "--out" in helptext:
        cmd += ["--out", str(sens_out)]
    ts, note = [], ""
    for _ in range(reps):
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=ROOT)
        if proc.returncode != 0:
            note = f"failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}"
            break
        ts.append(time.perf_counter() - t)
    rows.append(Row("6 end to end", "auditor sensitivity west-sussex", "s", ts or [math.nan], note=note))


# ---- report ------------------------------------------------------------------

SECTIONS = ("throughput", "interactive", "alternatives", "scaling", "memory", "startup", "e2e")


def run_benchmarks(cfg: Config, sections: tuple[str, ...] = SECTIONS,
                   log: Callable[[str], None] = lambda s: None) -> list[Row]:
    """Run the chosen sections and return their rows (the test calls this in-process)."""
    rows: list[Row] = []
    variants = {"as published": {},
                "+ realisation uncertain": {
                    "implementation.realisation": {"dist": "pert", "low": 0.5, "mode": 0.8, "high": 1.0}}}
    per_draw: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="auditor-bench-") as d:
        tmp = Path(d)
        for name in sections:
            log(f"running {name} ...")
            if name == "throughput":
                per_draw = bench_throughput(cfg, rows, variants)
            elif name == "interactive":
                bench_interactive(cfg, rows)
            elif name == "alternatives":
                bench_alternatives(cfg, rows, tmp)
            elif name == "scaling":
                bench_scaling(cfg, rows, tmp, per_draw)
            elif name == "memory":
                bench_memory(cfg, rows)
            elif name == "startup":
                bench_startup(cfg, rows)
            elif name == "e2e":
                bench_end_to_end(cfg, rows, tmp)
    return rows


def _fmt(x: float, unit: str) -> str:
    if math.isnan(x):
        return "—"
    if unit == "draws/s":
        return f"{x / 1e6:.2f} M"
    if unit in ("x", "s"):
        return f"{x:.3g}" if x < 100 else f"{x:,.0f}"
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def table(rows: list[Row]) -> list[list[str]]:
    head = ["section", "measure", "unit", "best", "median", "runs", "goal", "status", "note"]
    body = [[r.section, r.name, r.unit, _fmt(r.best, r.unit), _fmt(r.median, r.unit), str(len(r.times)),
             r.goal, r.status, r.note] for r in rows]
    return [head] + body


def render_text(rows: list[Row]) -> str:
    t = table(rows)
    widths = [max(len(r[i]) for r in t) for i in range(len(t[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in t)


def machine() -> dict[str, str]:
    import numpy
    import auditor

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    versions = {"python": platform.python_version(), "numpy": numpy.__version__, "auditor": auditor.__version__}
    for mod in ("scipy", "pandas", "matplotlib"):
        try:
            versions[mod] = __import__(mod).__version__
        except ImportError:
            versions[mod] = "not installed"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=ROOT).stdout.strip()
    except OSError:
        commit = ""
    return {"date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{cpu}, {os.cpu_count()} logical CPUs, {mem} RAM, {platform.system()} "
                       f"{platform.release()}",
            "load": "load average %.2f %.2f %.2f at the end" % os.getloadavg(),
            "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
            "commit": commit or "unknown",
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)")}


def render_markdown(rows: list[Row], meta: dict[str, str], cfg_name: str) -> str:
    t = table(rows)
    lines = ["# auditor benchmark results", "",
             "Written by `python bench/run.py`; see `bench/README.md` for what each row measures.", ""]
    lines += [f"- **{k}**: {v}" for k, v in meta.items()]
    lines += [f"- **preset**: {cfg_name}; *best* is the fastest run (the highest rate), *median* the middle one",
              "", "| " + " | ".join(t[0]) + " |", "|" + "---|" * len(t[0])]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in t[1:]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="auditor benchmarks")
    p.add_argument("--quick", action="store_true", help="small sizes, few repeats; does not write RESULTS.md")
    p.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    p.add_argument("--out", type=Path, default=None, help=f"results file (default: {RESULTS} for a full run)")
    p.add_argument("--merge", action="store_true",
                   help="with --only: replace those sections' rows in the results file, keep the others")
    args = p.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    rows = run_benchmarks(cfg, tuple(args.only or SECTIONS), log=lambda s: print(s, file=sys.stderr))
    print(render_text(rows))
    out = args.out or (None if args.quick or (args.only and not args.merge) else RESULTS)
    if out is not None:
        text = render_markdown(rows, machine(), "quick" if args.quick else "full")
        if args.merge and out.exists():
            text = merge_markdown(out.read_text(encoding="utf-8"), rows, machine())
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    return 0


def merge_markdown(old: str, rows: list[Row], meta: dict[str, str]) -> str:
    """``old`` results with the rows of the sections in ``rows`` replaced, and a header line saying when.

    Rows of other sections keep their figures (and the header its run's date,
    load and commit); the rerun sections get a line of their own with theirs.
    """
    sections = list(dict.fromkeys(r.section for r in rows))
    fresh = [line for line in render_markdown(rows, meta, "full").splitlines()
             if line.startswith("| ") and not line.startswith("| section |")]
    label = f"- **rerun of {', '.join(sections)}**:"
    out: list[str] = []
    placed = False
    for line in old.splitlines():
        # An earlier rerun whose sections are all rerun now says nothing about the rows any more.
        if line.startswith("- **rerun of ") and set(line[len("- **rerun of "):].split("**:")[0].split(", ")) <= set(sections):
            continue
        if line.startswith("| ") and line[2:].split(" | ", 1)[0] in sections:
            if not placed:
                out += fresh
                placed = True
            continue
        if line.startswith("- **preset**:"):
            out.append(line)
            out.append(f"{label} {meta['date']}, {meta['load']}, commit {meta['commit']}")
            continue
        out.append(line)
    if not placed:
        out += fresh
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
