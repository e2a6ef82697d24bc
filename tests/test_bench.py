"""Smoke test of the benchmark script: it runs and produces every expected row.

No timing is asserted (the machine is shared); only the shape of the table.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_bench():
    spec = importlib.util.spec_from_file_location("auditor_bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


bench = _load_bench()

TINY = bench.Config(throughput_draws=(2_000,), repeats=1, big_repeats=1, alt_draws=2_000, pandas_draws=20,
                    scaling_draws=2_000, settings_grid=(4, 6), cases_grid=(28, 280), memory_draws=2_000,
                    startup_repeats=1)


@pytest.fixture(scope="module")
def rows():
    return bench.run_benchmarks(TINY, ("throughput", "alternatives", "scaling"))


def test_expected_rows(rows):
    names = [(r.section, r.name) for r in rows]
    for label in ("as published", "+ realisation uncertain"):
        for what in ("audit", "RNG floor", "audit / floor"):
            assert ("1 throughput", f"{label}: {what}, 2,000 draws") in names
    assert ("2 alternatives", "scipy.stats.bootstrap / auditor (bayes)") in names
    assert ("2 alternatives", "pandas df.sample loop / auditor (bayes)") in names
    assert sum(r.section == "3 scaling" for r in rows) == 1 + 2 + 2  # draws, settings grid, cases grid
    for r in rows:
        assert r.times and all(t > 0 for t in r.times), r.name
        assert r.status in ("", "met", "missed")


def test_table_and_markdown(rows):
    text = bench.render_text(rows)
    assert len(text.splitlines()) == len(rows) + 1
    md = bench.render_markdown(rows, {"date": "today"}, "quick")
    assert md.count("\n| ") == len(rows) + 1  # header plus one line per row


def test_variate_count_matches_engine():
    # The engine's own count must agree with the bench's family-by-family count.
    # Hand count for face value: one integer picking the split of the 28 cases
    # (the scenario gives only reported shares); 8 Dirichlet cells, one gamma at
    # the prior each (mainstream: stay + state special; state special: stay +
    # mainstream; independent special: stay + mainstream + the two cheaper
    # settings nobody was reported moving to); one exponential per case up to
    # each cell's largest count over the splits, 15 + 1 + 5 + 10 + 5 + 10 = 46;
    # 3 uniform costs (resourced provision now enters through a possible move)
    # and 1 triangular = 59; a Beta θ adds 2 (two gammas) and a PERT
    # realisation 2 more.
    import auditor
    from auditor.model import engine

    expected = {"face": 59, "beta+pert": 63}
    variants = {"face": {"judgement": {"model": "face_value"}},
                "beta+pert": {"judgement": {"model": "fixed", "theta": {"dist": "beta", "a": 8, "b": 2}},
                              "implementation.realisation": {"dist": "pert", "low": 0.5, "mode": 0.8,
                                                             "high": 1.0}}}
    for key, overrides in variants.items():
        model = engine.build_model(auditor.load_scenario(bench.SCENARIO, overrides=overrides))
        assert bench.variates_counted(model) == expected[key] == model.variates_per_draw()
    published = engine.build_model(auditor.load_scenario(bench.SCENARIO))
    assert bench.variates_counted(published) == published.variates_per_draw()


def test_synthetic_scenarios_load(tmp_path):
    import auditor
    from auditor.model import engine

    small = engine.build_model(auditor.load_scenario(bench.synthetic_scenario(tmp_path, 4, 28)))
    big = engine.build_model(auditor.load_scenario(bench.synthetic_scenario(tmp_path, 4, 2_800)))
    assert small.scenario.sample.n_cases == 28 and big.scenario.sample.n_cases == 2_800
    # More cases, same cells: the Dirichlet cost per draw does not grow with the sample.
    assert small.design.n_cells == big.design.n_cells


def test_floor_is_reproducible_and_counts_like_engine():
    # The floor uses one generator for every source, so its state cannot be compared with
    # the engine's per-source streams; what can be checked: the same seed leaves the same
    # generator state (the floor draws nothing else), the floor does draw (the state moves),
    # and across a block boundary it makes the variates per draw the engine reports, for the
    # published scenario and for a case-by-case bootstrap with an uncertain θ and realisation.
    import numpy as np

    import auditor
    from auditor.model import engine

    cases = bench.SCENARIO.parent / "west-sussex-2023-cases.toml"
    variants = [(bench.SCENARIO, None),
                (cases, {"sample.method": "bootstrap",
                         "judgement": {"model": "fixed", "theta": {"dist": "beta", "a": 8, "b": 2}},
                         "implementation.realisation": {"dist": "uniform", "low": 0.5, "high": 1.0}})]
    for path, overrides in variants:
        model = engine.build_model(auditor.load_scenario(path, overrides=overrides))
        states = []
        for _ in range(2):
            a = np.random.Generator(np.random.PCG64(5))
            per_draw = bench.rng_floor(model, engine.BLOCK_SIZE + 7, a)
            states.append(a.bit_generator.state)
        assert states[0] == states[1]
        assert states[0] != np.random.Generator(np.random.PCG64(5)).bit_generator.state
        assert per_draw == model.variates_per_draw()


def test_fast_dirichlet_matches_reduceat_bit_for_bit():
    # The engine's column-wise Dirichlet normalisation replaced
    # ``np.add.reduceat`` + fancy indexing for speed; same seed, same bytes
    # (including the column-major layout that the stage sums depend on).
    import numpy as np

    from auditor.inputs.sample import CaseSample
    from auditor.model.sample import _dirichlet_shares, build_design

    keys = tuple(f"s{i}" for i in range(12))
    counts = [("s11", "s11", 2)] + [("s11", f"s{d}", d + 1) for d in range(11)]  # one row of 12 cells
    counts += [("s5", "s5", 0), ("s5", "s1", 2), ("s5", "s3", 4), ("s3", "s1", 3)]  # widths 3 and 2
    order = {k: i for i, k in enumerate(keys)}
    counts.sort(key=lambda c: (order[c[0]], order[c[1]]))
    design = build_design(keys, CaseSample("transitions", "bayes", 0.5, tuple(counts)))
    gammas = np.random.default_rng(3).standard_gamma(design.alpha, size=(4_000, design.n_cells))
    totals = np.add.reduceat(gammas, design.row_starts, axis=1)
    reference = gammas[:, design.move_cols] / totals[:, design.row_of_move]
    fast = _dirichlet_shares(design, gammas)
    assert fast.tobytes(order="A") == reference.tobytes(order="A")
    assert fast.flags.f_contiguous == reference.flags.f_contiguous


def test_end_to_end_note_adds_up_the_measured_parts():
    # profile_run's step names go to their groups. The outputs' CPU is 0.33 + 1.5 + 0.5 + 0.8 + 0.2 = 3.33 s,
    # the json run's 0.25 + 0.71 = 0.96 s: bounds 1.0 + 3.33 / 2 = 2.665 s and (0.96 + 1.665) / 0.96 = 2.734x.
    steps = {"import numpy": 0.1, "import auditor (cli, api, inputs)": 0.1, "load scenario": 0.05,
             "audit() incl. analyses and their imports": 0.7, "summary()": 0.01,
             "import matplotlib (Figure, Agg)": 0.3, "import jinja2": 0.03, "figure ladder: PNG": 1.0,
             "figure track: SVG": 0.5, "brief.pdf: save (fonts subset and embedded)": 0.5,
             "draws.csv.gz: format text": 0.6, "draws.csv.gz: compress (level 1)": 0.2,
             "report.html without its figures": 0.2, "total": 9.9}
    costs = bench.group_costs(steps)
    assert costs["figures"] == 1.5 and abs(costs["drawing imports"] - 0.33) < 1e-12
    assert abs(costs["start-up"] - 0.25) < 1e-12
    assert abs(costs["draws.csv.gz"] - 0.8) < 1e-12 and abs(costs["audit"] - 0.71) < 1e-12
    absolute, ratio = bench.e2e_notes(costs, 1.0)
    assert absolute.startswith("lower bound 2.67 s;") and ratio.startswith("lower bound 2.73x;")
    assert "figures 1.50" in absolute and "draws.csv.gz 0.80" in absolute


def test_profile_steps_are_all_grouped():
    # Every step bench/profile_run.py times must land in a group of the end-to-end note.
    import re

    source = (ROOT / "bench" / "profile_run.py").read_text()
    names = re.findall(r'mark\(f?"([^"]+)"\)', source)
    assert len(names) >= 15
    for name in names:
        assert any(name.startswith(starts) for _, starts in bench.COST_GROUPS), name


def test_merge_replaces_only_the_rerun_sections():
    # `--only throughput --merge` rewrites section 1's rows and keeps every other row and the header.
    old_rows = [bench.Row("1 throughput", "a", "s", [1.0]), bench.Row("2 alternatives", "b", "s", [2.0]),
                bench.Row("6 end to end", "c", "s", [3.0])]
    old = bench.render_markdown(old_rows, {"date": "then"}, "full")
    meta = {"date": "now", "load": "load average 1 1 1", "commit": "abc"}
    new_rows = [bench.Row("1 throughput", "a", "s", [0.5]), bench.Row("1 throughput", "a2", "s", [0.25])]
    once = bench.merge_markdown(old, new_rows, meta)
    twice = bench.merge_markdown(once, new_rows, meta)
    assert once == twice
    lines = once.splitlines()
    assert "- **date**: then" in lines
    assert lines.count("- **rerun of 1 throughput**: now, load average 1 1 1, commit abc") == 1
    body = [line for line in lines if line.startswith("| ") and not line.startswith("| section |")]
    assert [line.split(" | ")[1] for line in body] == ["a", "a2", "b", "c"]
    assert body[0].split(" | ")[3] == "0.5" and body[2].split(" | ")[3] == "2"


def test_merge_drops_an_earlier_rerun_line_whose_sections_are_all_rerun():
    # A rerun of sections 1 and 2 supersedes an older "rerun of 1" line, but not a "rerun of 6" one.
    old = bench.render_markdown([bench.Row("1 throughput", "a", "s", [1.0]), bench.Row("2 alternatives", "b", "s", [2.0]),
                                 bench.Row("6 end to end", "c", "s", [3.0])], {"date": "then"}, "full")
    first = bench.merge_markdown(old, [bench.Row("1 throughput", "a", "s", [0.9])],
                                 {"date": "t1", "load": "l1", "commit": "c1"})
    first = bench.merge_markdown(first, [bench.Row("6 end to end", "c", "s", [2.9])],
                                 {"date": "t2", "load": "l2", "commit": "c2"})
    both = bench.merge_markdown(first, [bench.Row("1 throughput", "a", "s", [0.5]),
                                        bench.Row("2 alternatives", "b", "s", [1.5])],
                                {"date": "t3", "load": "l3", "commit": "c3"})
    reruns = [line for line in both.splitlines() if line.startswith("- **rerun of ")]
    assert reruns == ["- **rerun of 1 throughput, 2 alternatives**: t3, l3, commit c3",
                      "- **rerun of 6 end to end**: t2, l2, commit c2"]


def test_ratio_note_gives_the_engine_breakdown(rows):
    # The 10^6-or-smaller ratio row names the engine's RNG and other work (bench/engine_profile.py).
    notes = [r.note for r in rows if r.name.endswith("audit / floor, 2,000 draws")]
    assert len(notes) == 2
    for note in notes:
        assert note.startswith(("met: ", "missed: ")) and "RNG calls" in note and "other work" in note
