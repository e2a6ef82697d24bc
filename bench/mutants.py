"""Targeted mutation run over auditor's statistical core.

Each mutant is one deliberate, plausible bug: a source substitution in one
module of ``auditor/model``, ``auditor/analysis`` or ``auditor/results.py``.
For each mutant the script copies the repository to a temporary folder,
applies the substitution, runs the test files most likely to catch it with
``pytest -x`` (first failure stops the run), and records whether the suite
failed (the mutant is *killed*) or passed (it *survived*).

    python bench/mutants.py                 # every mutant, one at a time
    python bench/mutants.py --check         # only check that every pattern still matches
    python bench/mutants.py --only up_shift_sign p_meets_low_strict
    python bench/mutants.py --jobs 2 --markdown docs/mutants-table.md

A pattern is searched for in the whole ``auditor`` package, so a module that
moves is still found; ``path`` is the file it is expected in and breaks ties
when the text occurs in several files. A pattern that no longer occurs exactly
once stops the run before any test is started (exit 2), naming the mutant:
update its ``old`` text to the current source, keeping the bug it describes.
The unmutated suite must pass first, or nothing is measured.

This is not part of the test suite (a full run takes tens of minutes on two
cores); rerun it before a release and record the score in docs/testing.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Test files per area, fastest and most discriminating first (-x stops at the first failure).
MODEL = ("tests/test_reference.py", "tests/test_engine.py", "tests/test_sample.py", "tests/test_judgement.py",
         "tests/test_flow.py", "tests/test_levers.py", "tests/test_reported.py")
SENS = ("tests/test_reference.py", "tests/test_sensitivity.py")
IMPLIED = ("tests/test_implied.py", "tests/test_reference.py")
RESULTS = ("tests/test_reference.py", "tests/test_results.py", "tests/test_engine.py")
VERDICT = ("tests/test_results.py", "tests/test_reference.py", "tests/test_tipping.py", "tests/test_judgement.py",
           "tests/test_api.py")


@dataclass(frozen=True)
class Mutant:
    """One substitution: ``old`` (exactly once in the package) becomes ``new``."""

    id: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    bug: str


M = Mutant
MUTANTS: tuple[Mutant, ...] = (
    # ---- the engine ---------------------------------------------------------------------
    M("realisation_ignored", "auditor/model/engine.py",
      'realisation=real, out=stages["full"]',
      'realisation=None, out=stages["full"]', MODEL, "the drawn realisation is replaced by its mean"),
    M("up_shift_sign", "auditor/model/engine.py",
      "cost[model.from_idx[j]] - cost[model.to_idx[j]]",
      "abs(cost[model.from_idx[j]] - cost[model.to_idx[j]])", MODEL,
      "an up-shift's drawn cost difference loses its sign (it saves instead of costing)"),
    M("shared_cost_stream", "auditor/model/engine.py",
      'd.draw(stream(seed, block, "costs", item), size)', 'd.draw(stream(seed, block, "costs", 0), size)',
      MODEL, "every setting's cost is drawn from the same stream"),
    M("theta_on_up_shifts", "auditor/model/engine.py",
      "if theta is not None and model.down[j]:", "if theta is not None:", MODEL,
      "θ discounts up-shifts as well as down-shifts"),
    M("theta_ignored", "auditor/model/engine.py",
      "p = np.multiply(p, theta, out=term)", "p = np.multiply(p, 1.0, out=term)", MODEL, "the judgement stage ignores θ"),
    M("down_at_mean_reversed", "auditor/model/engine.py",
      "down = cost_mean[from_idx] > cost_mean[to_idx]", "down = cost_mean[from_idx] < cost_mean[to_idx]",
      MODEL, "moves to dearer settings are treated as the down-shifts"),
    M("point_without_realisation", "auditor/model/engine.py",
      "return savings(model, model.design.observed_shares)",
      "return savings(model, model.design.observed_shares, realisation=1.0)", MODEL,
      "the point estimate ignores the mean realisation"),
    M("sampling_stage_realisation", "auditor/model/engine.py",
      'savings(model, shares, out=stages["sampling"])',
      'savings(model, shares, realisation=1.0, out=stages["sampling"])', MODEL,
      "the sampling stage leaves out the mean realisation"),
    M("total_claim_one_year", "auditor/model/flow.py",
      'return float(horizon) if per == "total" else 1.0', "return 1.0", MODEL,
      "a stock claim stated as a total counts one year only"),
    M("ramp_last_not_repeated", "auditor/model/flow.py",
      "float(sum(ramp[min(j, len(ramp) - 1)] for j in range(horizon)))",
      "float(sum(ramp[j] if j < len(ramp) else 1.0 for j in range(horizon)))", MODEL,
      "a stock ramp's last value does not repeat to the end of the horizon"),
    M("cost_parts_not_added", "auditor/model/engine.py",
      "col = x if col is None else col + x", "col = x if col is None else col", MODEL,
      "a setting's optional cost parts (schools block, transport) are drawn but not added"),
    M("blocks_share_streams", "auditor/model/engine.py",
      "spawn_key=(block, SOURCES[source], item)", "spawn_key=(0, SOURCES[source], item)", MODEL,
      "every block reuses block 0's streams (draws repeat every 8,192)"),
    M("full_uses_mean_cost", "auditor/model/engine.py",
      "x = d.mean() if d.is_fixed else d.draw(", "x = d.mean() if True else d.draw(", MODEL,
      "uncertain costs are drawn but their mean is used"),
    # ---- the case sample ----------------------------------------------------------------
    M("stay_without_prior", "auditor/model/sample.py",
      "alpha.append(counts[0] + a)", "alpha.append(counts[0])", MODEL,
      "the stay cell gets no prior pseudo-count"),
    M("move_without_prior", "auditor/model/sample.py",
      "alpha.append(k + a)", "alpha.append(k)", MODEL,
      "move cells get no prior pseudo-count"),
    M("observed_share_denominator", "auditor/model/sample.py",
      "shares.append(k / n)", "shares.append(k / (n - counts[0] + 1))", MODEL,
      "the observed share divides by the movers, not the row"),
    M("dirichlet_two_cell_total", "auditor/model/sample.py",
      "totals.append(gammas[:, start] + gammas[:, start + 1])",
      "totals.append(gammas[:, start + 1] + gammas[:, start + 1])", MODEL,
      "a two-cell row's Dirichlet total drops the stay cell"),
    M("dirichlet_long_row_total", "auditor/model/sample.py",
      "rest = gammas[:, start + 1] + gammas[:, start + 2]", "rest = gammas[:, start + 1] + 0", MODEL,
      "a row of 3–8 cells drops its second move from the Dirichlet total"),
    M("bootstrap_stay_as_move", "auditor/model/sample.py",
      "return np.subtract(design.row_n, stay, out=stay) / design.row_n", "return stay / design.row_n", MODEL,
      "the two-cell bootstrap returns the stay share as the move share"),
    M("bootstrap_multinomial_columns", "auditor/model/sample.py",
      "redrawn[:, i, 1:counts.size] / n", "redrawn[:, i, 0:counts.size - 1] / n", MODEL,
      "the multinomial bootstrap reads the wrong cells"),
    M("bootstrap_probabilities", "auditor/model/sample.py",
      "pvals[i, :counts.size] = counts / n", "pvals[i, :counts.size] = (counts + 0.5) / (n + 0.5 * counts.size)",
      MODEL, "the bootstrap resamples from smoothed, not observed, shares"),
    M("last_split_never_drawn", "auditor/model/sample.py",
      "rng.integers(0, design.compositions.shape[0], size=size)",
      "rng.integers(0, max(1, design.compositions.shape[0] - 1), size=size)", MODEL,
      "the last consistent split of a reported sample is never drawn"),
    M("composition_without_prior", "auditor/model/sample.py",
      "gammas = rng.standard_gamma(design.prior_alpha, size=(size, design.n_cells))",
      "gammas = np.zeros((size, design.n_cells))", MODEL, "a reported sample's Dirichlet has no prior"),
    M("composition_stay_count", "auditor/model/sample.py",
      "columns.append(sizes[:, j] - sum(moved.values()))", "columns.append(sizes[:, j])", MODEL,
      "a reported row's stay count includes its movers"),
    M("round_half_down", "auditor/inputs/sample.py",
      "math.floor(x + 0.5 + 1e-9)", "math.floor(x + 1e-9)", MODEL,
      "a published share is rounded down to whole cases"),
    M("share_tolerance_doubled", "auditor/inputs/sample.py",
      "abs(k / m - r.share) > r.tolerance + 1e-12", "abs(k / m - r.share) > 2 * r.tolerance + 1e-12", MODEL,
      "sub-group sizes twice as far from the published share are accepted"),
    M("findings_fill_subgroup", "auditor/inputs/sample.py",
      "if sum(ks) <= m:", "if sum(ks) < m:", MODEL,
      "findings that account for every case of a sub-group are rejected"),
    M("splits_fill_n", "auditor/inputs/sample.py",
      'fit = np.searchsorted(sizes, n - total, side="right")',
      'fit = np.searchsorted(sizes, n - total, side="left")', MODEL,
      "splits that use every reviewed case are dropped"),
    # ---- judgement ----------------------------------------------------------------------
    M("selection_clip_wrong", "auditor/inputs/appeals.py",
      "    rest = np.subtract(win_if_wrong, o, out=o)\n    np.maximum(rest, 0.0, out=rest)\n",
      "    rest = np.subtract(win_if_wrong, o, out=o)\n", MODEL,
      "the engine's selection error rate loses its clip at O ≥ s"),
    M("selection_clip_right", "auditor/inputs/appeals.py",
      "    num = np.subtract(o, win_if_right, out=np.empty_like(o))\n    np.maximum(num, 0.0, out=num)\n",
      "    num = np.subtract(o, win_if_right, out=np.empty_like(o))\n", MODEL,
      "the engine's selection error rate loses its clip at O ≤ f"),
    M("selection_general_clip", "auditor/inputs/appeals.py",
      "np.asarray(selectivity, dtype=float) * np.maximum(win_if_wrong - o, 0.0)",
      "np.asarray(selectivity, dtype=float) * (win_if_wrong - o)", MODEL,
      "the closed-form selection error rate loses its clip at O ≥ s"),
    M("selection_wins_swapped", "auditor/inputs/judgement.py",
      "w = selection_error_rate_into(o, rho, s, f)", "w = selection_error_rate_into(o, rho, f, s)", MODEL,
      "the engine swaps the two win probabilities"),
    M("selection_central_transport", "auditor/inputs/judgement.py",
      "return 1.0 - self.transport.mean() * w", "return 1.0 - w", MODEL,
      "Selection.central() ignores the transport factor"),
    M("contest_central_transport", "auditor/inputs/judgement.py",
      "return 1.0 - self.transport.mean() * self.contest_rate.mean() * omega",
      "return 1.0 - self.contest_rate.mean() * omega", MODEL, "Contest.central() ignores the transport factor"),
    M("transport_formula", "auditor/inputs/judgement.py",
      "return 1.0 - tau * (1.0 - theta)", "return tau * theta", MODEL,
      "the transport factor scales θ instead of the error rate"),
    M("scrutinised_overturn_as_success", "auditor/inputs/judgement.py",
      "return r.beta(b, a, size)  # the council's success rate: upheld first",
      "return r.beta(a, b, size)", MODEL, "scrutinised θ is drawn as the overturn rate"),
    M("scrutinised_central", "auditor/inputs/judgement.py",
      "(lambda ab: ab[1] / (ab[0] + ab[1]))", "(lambda ab: ab[0] / (ab[0] + ab[1]))", MODEL,
      "Scrutinised.central() returns the mean overturn rate"),
    M("ess_prior_count", "auditor/inputs/judgement.py",
      "return ess * c.rate + 0.5, ess * (1.0 - c.rate) + 0.5", "return ess * c.rate + 1.5, ess * (1.0 - c.rate) + 0.5",
      MODEL, "the effective-sample-size Beta adds one case too many to the overturned side"),
    M("contest_without_gamma", "auditor/inputs/judgement.py",
      "_transported(1.0 - gamma * omega,", "_transported(1.0 - omega,", MODEL,
      "contest undoes every move the evidence would overturn, contested or not"),
    M("mixture_wrong_component", "auditor/inputs/judgement.py",
      "out[idx == j] = x[idx == j]", "out[idx == j] = x[idx == 0]", MODEL,
      "a mixture of evidence takes the wrong draws for each component"),
    M("raw_counts_swapped", "auditor/inputs/judgement.py",
      "return c.overturned + 0.5, c.upheld + 0.5", "return c.upheld + 0.5, c.overturned + 0.5", MODEL,
      "with raw counts the overturn rate is drawn from the upheld count"),
    # ---- flow -----------------------------------------------------------------------------
    M("flow_stay_off_by_one", "auditor/model/flow.py",
      "out[j] = r * min(stay, horizon - j)", "out[j] = r * min(stay, horizon - j - 1)", MODEL,
      "a child diverted in year j is counted one year short"),
    M("flow_per_year_total", "auditor/model/flow.py",
      "sum())\n    return total / horizon if per == \"year\" else total", "sum())\n    return total", MODEL,
      "a flow claim per year is compared with the horizon total"),
    # ---- results ------------------------------------------------------------------------
    M("p_meets_low_strict", "auditor/results.py",
      "float(np.mean(x >= low)), float(np.mean(x >= high))", "float(np.mean(x > low)), float(np.mean(x >= high))",
      RESULTS, "P(≥ low) computed as P(> low)"),
    M("p_meets_high_strict", "auditor/results.py",
      "float(np.mean(x >= low)), float(np.mean(x >= high))", "float(np.mean(x >= low)), float(np.mean(x > high))",
      RESULTS, "P(≥ high) computed as P(> high)"),
    M("p_within_or", "auditor/results.py",
      '"p_within_claim": float(np.mean((x >= c.low) & (x <= c.high)))',
      '"p_within_claim": float(np.mean((x >= c.low) | (x <= c.high)))', RESULTS,
      "p_within_claim with | instead of &"),
    M("p_within_open_high", "auditor/results.py",
      '"p_within_claim": float(np.mean((x >= c.low) & (x <= c.high)))',
      '"p_within_claim": float(np.mean((x >= c.low) & (x < c.high)))', RESULTS,
      "p_within_claim leaves out draws equal to the high end"),
    M("p_in_range_open_low", "auditor/results.py",
      '"p_in_range": float(np.mean((x >= c.low) & (x <= c.high)))',
      '"p_in_range": float(np.mean((x > c.low) & (x <= c.high)))', RESULTS,
      "p_in_range leaves out draws equal to the low end"),
    M("quantiles_95", "auditor/results.py",
      "QUANTILES = (0.05, 0.5, 0.95)", "QUANTILES = (0.025, 0.5, 0.975)", RESULTS,
      "the reported interval is 95%, not 90%"),
    M("point_meets_low_strict", "auditor/results.py",
      "hit_low, hit_high = float(pe >= c.low), float(pe >= c.high)",
      "hit_low, hit_high = float(pe > c.low), float(pe >= c.high)", RESULTS,
      "a point estimate equal to the low end is said to miss it"),
    M("mcse_missing_root", "auditor/results.py",
      '"mcse": {"p_meets_low": math.sqrt(p * (1 - p) / x.size),', '"mcse": {"p_meets_low": p * (1 - p) / x.size,',
      RESULTS, "the Monte Carlo standard error of P(≥ low) is a variance"),
    M("sd_population", "auditor/results.py",
      '"sd": float(np.std(x, ddof=1)) if x.size > 1 else 0.0}', '"sd": float(np.std(x)) if x.size > 1 else 0.0}',
      RESULTS, "the reported sd divides by D, not D − 1"),
    M("mean_is_median", "auditor/results.py",
      "return cls(name, float(np.mean(x)), float(q50)",
      "return cls(name, float(q50), float(q50)", RESULTS, "a stage's mean is its median"),
    # ---- sensitivity ---------------------------------------------------------------------
    M("tornado_quartiles", "auditor/analysis/sensitivity.py",
      "lo, hi = np.quantile(samp, (0.05, 0.95))", "lo, hi = np.quantile(samp, (0.25, 0.75))", SENS,
      "the tornado's sampling bar at the 25th/75th percentiles"),
    M("tornado_theta_quartiles", "auditor/analysis/sensitivity.py",
      "float(v) for v in np.quantile(thetas, (0.05, 0.95))", "float(v) for v in np.quantile(thetas, (0.25, 0.75))",
      SENS, "the tornado's θ bar at the 25th/75th percentiles"),
    M("tornado_theta_on_up_shifts", "auditor/analysis/sensitivity.py",
      "return engine.savings(model, model.design.observed_shares, theta=theta, costs=costs,",
      "return engine.savings(model, model.design.observed_shares * theta, costs=costs,", SENS,
      "the tornado's formula discounts up-shifts by θ"),
    M("uniform_quantile", "auditor/analysis/sensitivity.py",
      'return p["low"] + q * (p["high"] - p["low"])', 'return p["low"] + q * (p["high"] - p["low"]) / 2', SENS,
      "a uniform input's preset uses half its range"),
    M("triangular_quantile_branch", "auditor/analysis/sensitivity.py",
      "        if q <= c:\n            return lo + math.sqrt(q * (hi - lo) * (mode - lo))",
      "        if q >= c:\n            return lo + math.sqrt(q * (hi - lo) * (mode - lo))", SENS,
      "a triangular input's quantile uses the wrong branch"),
    M("fragility_effect_realisation", "auditor/analysis/fragility.py",
      "return engine.savings(model, one)",
      "return engine.savings(model, one, realisation=1.0)", SENS,
      "the fragility reversal effect ignores realisation"),
    M("fragility_strict_bound", "auditor/analysis/fragility.py",
      "        if value < bound:\n            return j,", "        if value <= bound:\n            return j,", SENS,
      "fragility stops when the point reaches, not passes below, the bound"),
    M("fragility_smallest_first", "auditor/analysis/fragility.py",
      "ordered = sorted(units, key=lambda u: -u[1])", "ordered = sorted(units, key=lambda u: u[1])", SENS,
      "fragility reverses the smallest judgements first"),
    M("point_from_counts_realisation", "auditor/analysis/fragility.py",
      "return engine.savings(model, np.array(shares, dtype=float))",
      "return engine.savings(model, np.array(shares, dtype=float), realisation=1.0)", SENS,
      "the counts-table point estimate ignores realisation"),
    M("case_influence_one_case", "auditor/analysis/fragility.py",
      "        t[cell] -= k\n", "        t[cell] -= 1\n", SENS,
      "dropping a cell of count data removes one case, not the cell"),
    M("sample_size_without_prior", "auditor/analysis/sensitivity.py",
      "alpha=counts * scale + d.prior_alpha,", "alpha=counts * scale,", SENS,
      "the sample-size plan drops the prior"),
    M("sample_size_no_scaling", "auditor/analysis/sensitivity.py",
      "scale = n / scenario.sample.n_cases", "scale = 1.0", SENS,
      "the sample-size plan does not scale the counts to n"),
    M("n_for_target_full_width", "auditor/analysis/sensitivity.py",
      '(r["sampling_p95"] - r["sampling_p05"]) / 2 * math.sqrt(r["n"])',
      '(r["sampling_p95"] - r["sampling_p05"]) * math.sqrt(r["n"])', SENS,
      "n_for_target uses the full width (4 × n)"),
    M("n_for_target_sqrt", "auditor/analysis/sensitivity.py",
      '(r["sampling_p95"] - r["sampling_p05"]) / 2 * math.sqrt(r["n"])',
      '(r["sampling_p95"] - r["sampling_p05"]) / 2 * r["n"]', SENS,
      "n_for_target scales the width by n instead of √n"),
    M("sobol_first_order_a", "auditor/analysis/sensitivity.py",
      "first = np.mean(f_b * (f_ab - f_a), axis=-1) / var", "first = np.mean(f_a * (f_ab - f_a), axis=-1) / var",
      SENS, "the first-order index uses f_A in place of f_B (Saltelli 2010)"),
    M("sobol_total_half", "auditor/analysis/sensitivity.py",
      "total = 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) / var", "total = np.mean((f_a - f_ab) ** 2, axis=-1) / var",
      SENS, "Jansen's total effect without its ½"),
    M("grid_strict", "auditor/analysis/sensitivity.py",
      "p[i, j] = np.mean(x >= low)", "p[i, j] = np.mean(x > low)", SENS,
      "the grid's P(≥ low) computed as P(> low)"),
    # ---- verdict and tipping point ---------------------------------------------------------
    M("verdict_collapse_inclusive", "auditor/analysis/verdict.py",
      "    if p_low < rule.collapse_below:\n        return \"collapses\", scope",
      "    if p_low <= rule.collapse_below:\n        return \"collapses\", scope", VERDICT,
      "a chance exactly at the collapse threshold collapses"),
    M("verdict_width_strict", "auditor/analysis/verdict.py",
      "if p_low >= rule.hold_at and width_ratio <= rule.max_width_ratio:",
      "if p_low >= rule.hold_at and width_ratio < rule.max_width_ratio:", VERDICT,
      "an interval exactly at the width limit no longer holds"),
    M("verdict_low_end_scope", "auditor/analysis/verdict.py",
      "if not single and p_high < EXCEPTIONALLY_UNLIKELY:", "if not single and p_high < 0.5:", VERDICT,
      "a range holds at its low end only whenever its high end is less likely than not"),
    M("tipping_quantile_side", "auditor/analysis/tipping.py",
      "return float(np.quantile(theta * scaled + fixed_arr, 1.0 - q)) - target",
      "return float(np.quantile(theta * scaled + fixed_arr, q)) - target", VERDICT,
      "the reliability needed for an 80% chance uses the 80th, not the 20th, percentile"),
    M("tipping_transport_ignored", "auditor/analysis/tipping.py",
      "need = 1.0 - (1.0 - theta) / tau", "need = theta", VERDICT,
      "the selectivity needed ignores the transport factor"),
    M("tipping_s_assumed_one", "auditor/analysis/tipping.py",
      "return (o - f) * need / ((1.0 - need) * (s - o))", "return (o - f) * need / ((1.0 - need) * (1.0 - o))",
      VERDICT, "the selectivity needed assumes families always win against wrong decisions"),
    # ---- implied assumptions ---------------------------------------------------------------
    M("implied_realisation_gross", "auditor/analysis/implied.py",
      '"realisation_needed_for_low": c.low / gross if gross > 0 else None',
      '"realisation_needed_for_low": c.low / saving if saving > 0 else None', IMPLIED,
      "the realisation needed ignores a total claim's horizon"),
    M("implied_children_unit", "auditor/analysis/implied.py",
      "return amount * moved / gross", "return amount / per_move", IMPLIED,
      "children to move ignore the flow factor or horizon"),
    M("implied_share_of_base", "auditor/analysis/implied.py",
      "out[key] = n_children * mine / moved / base[i]", "out[key] = n_children * mine / moved", IMPLIED,
      "the share of the cohort is a head count"),
)


class StaleMutant(Exception):
    """A mutant's text no longer occurs exactly once where expected."""


def locate(m: Mutant, root: Path) -> Path:
    """The one file of ``auditor/`` holding ``m.old`` exactly once (``m.path`` breaks ties)."""
    hits = []
    for path in sorted((root / "auditor").rglob("*.py")):
        n = path.read_text(encoding="utf-8").count(m.old)
        if n:
            hits.append((path, n))
    if len(hits) > 1:
        hits = [(p, n) for p, n in hits if p.relative_to(root).as_posix() == m.path]
    if len(hits) != 1 or hits[0][1] != 1:
        where = ", ".join(f"{p.relative_to(root)} ({n}×)" for p, n in hits) or "nowhere"
        raise StaleMutant(f"{m.id}: the text to mutate occurs {where}, expected once in {m.path}")
    return hits[0][0]


def check_all(root: Path, mutants: tuple[Mutant, ...]) -> list[str]:
    """Every stale mutant's message (empty when all patterns match)."""
    errors = []
    ids = [m.id for m in mutants]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        errors.append(f"{dup}: duplicate id")
    for m in mutants:
        try:
            path = locate(m, root)
        except StaleMutant as exc:
            errors.append(str(exc))
            continue
        if path.relative_to(root).as_posix() != m.path:
            print(f"note: {m.id} now lives in {path.relative_to(root)} (listed as {m.path})", file=sys.stderr)
        source = path.read_text(encoding="utf-8")
        try:
            compile(source.replace(m.old, m.new), str(path), "exec")
        except SyntaxError as exc:
            errors.append(f"{m.id}: the mutated source does not compile ({exc})")
        for t in m.tests:
            if not (root / t).exists():
                errors.append(f"{m.id}: test file {t} does not exist")
    return errors


def copy_repo(dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".git", "__pycache__", ".venv", "reports", ".pytest_cache", "*.pyc")
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


def run_tests(root: Path, tests: tuple[str, ...], extra: list[str], timeout: float) -> tuple[int, float, str]:
    env = dict(os.environ, PYTHONPATH=str(root), PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m", "not slow",
           *extra, *tests]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, time.perf_counter() - start, "timeout"
    tail = [ln for ln in proc.stdout.splitlines() if ln.startswith("FAILED") or ln.startswith("ERROR")]
    return proc.returncode, time.perf_counter() - start, (tail[0] if tail else proc.stdout.strip().splitlines()[-1]
                                                          if proc.stdout.strip() else "")


def run_mutant(m: Mutant, root: Path, timeout: float) -> dict:
    path = locate(m, root)
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace(m.old, m.new), encoding="utf-8")
    try:
        # The mutated module's own doctests run too: they are part of the suite.
        code, secs, detail = run_tests(root, m.tests, [str(path.relative_to(root))], timeout)
    finally:
        path.write_text(original, encoding="utf-8")
    status = {0: "survived", 1: "killed", -1: "killed (timeout)"}.get(code, f"error (pytest exit {code})")
    return {"id": m.id, "module": path.relative_to(root).as_posix(), "bug": m.bug, "status": status,
            "seconds": round(secs, 1), "caught_by": detail if code == 1 else ""}


def markdown(results: list[dict]) -> str:
    killed = sum(r["status"].startswith("killed") for r in results)
    lines = [f"{killed} of {len(results)} mutants killed ({killed / len(results):.0%}).", "",
             "| mutant | module | bug | result | first failing test |", "| --- | --- | --- | --- | --- |"]
    for r in results:
        test = r["caught_by"].removeprefix("FAILED ").split(" - ")[0]
        lines.append(f"| `{r['id']}` | {r['module'].removeprefix('auditor/')} | {r['bug']} | {r['status']} | "
                     f"{test.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that every pattern matches")
    parser.add_argument("--only", nargs="+", metavar="ID", help="run these mutants only")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run in parallel (each in its own copy)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per mutant before it counts as hung")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument("--markdown", type=Path, help="write the results table here")
    args = parser.parse_args(argv)

    mutants = MUTANTS
    if args.only:
        unknown = set(args.only) - {m.id for m in MUTANTS}
        if unknown:
            print(f"mutants: unknown id(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        mutants = tuple(m for m in MUTANTS if m.id in args.only)
    errors = check_all(ROOT, mutants)
    if errors:
        print("mutants: stale mutant definitions (update them to the current source):", file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        return 2
    print(f"{len(mutants)} mutants; every pattern matches once.", file=sys.stderr)
    if args.check:
        return 0

    with tempfile.TemporaryDirectory(prefix="auditor-mutants-") as tmp:
        copies = [copy_repo(Path(tmp) / f"w{i}") for i in range(max(1, args.jobs))]
        base_tests = tuple(sorted({t for m in mutants for t in m.tests}))
        code, secs, detail = run_tests(copies[0], base_tests, [], args.timeout)
        if code != 0:
            print(f"mutants: the unmutated suite does not pass ({detail}); nothing measured", file=sys.stderr)
            return 2
        print(f"unmutated suite passes ({secs:.0f} s)", file=sys.stderr)
        free = list(copies)
        results: list[dict] = []

        def one(m: Mutant) -> dict:
            root = free.pop()
            try:
                r = run_mutant(m, root, args.timeout)
            finally:
                free.append(root)
            print(f"{r['status']:>18}  {m.id}  ({r['seconds']:.0f} s) {r['caught_by']}", file=sys.stderr)
            return r

        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            results = list(pool.map(one, mutants))
    table = markdown(results)
    print(table)
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
