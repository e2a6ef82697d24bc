"""Tests for auditor.scripted: batch runs, sweeps, the executor seam and the two commands."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import auditor
from auditor.scripted import (INDEX_COLUMNS, SWEEP_COLUMNS, batch, expand_paths, parse_vary, split_values, sweep,
                           sweep_figure)
from auditor.cli import main
from auditor.errors import ScenarioError, UsageError
from strategies import base_scenario

ROOT = Path(__file__).resolve().parent.parent
WS = "implementation.realisation"


@pytest.fixture
def ws_copy(tmp_path: Path) -> Path:
    """The West Sussex scenario and its cases CSV, copied into a scratch folder."""
    for f in (ROOT / "scenarios").glob("west-sussex-2023*"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path / "west-sussex-2023.toml"


@pytest.fixture
def three(write_scenario, tmp_path: Path) -> Path:
    """A folder with two good scenarios and a broken one (a title that is not a string)."""
    write_scenario(base_scenario(), name="a_good.toml")
    write_scenario(base_scenario(settings={"a": {"label": "A", "cost": 40000, "cohort": 50},
                                           "b": {"label": "B", "cost": 10000, "cohort": 0}}),
                   name="c_good.toml")
    write_scenario(base_scenario(scenario={"title": 3}), name="b_broken.toml")
    return tmp_path


# ---- argument helpers ----------------------------------------------------------

def test_expand_paths_sorts_folders_keeps_file_order_and_dedupes(three: Path) -> None:
    files = expand_paths([three / "c_good.toml", three])
    assert files == [str(three / n) for n in ("c_good.toml", "a_good.toml", "b_broken.toml")]


def test_expand_paths_empty_folder_is_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no \*\.toml"):
        expand_paths([tmp_path])


def test_split_values_respects_brackets_and_quotes() -> None:
    text = '{dist = "uniform", low = 0.5, high = 1},[1, 2],"x,y",0.75'
    assert split_values(text) == ['{dist = "uniform", low = 0.5, high = 1}', "[1, 2]", '"x,y"', "0.75"]


@given(st.lists(st.one_of(st.integers(-10**6, 10**6), st.sampled_from(["face_value", "fixed", "bayes"]),
                          st.lists(st.integers(0, 9), max_size=3)), min_size=1, max_size=6))
def test_parse_vary_round_trips_toml_values(values) -> None:
    # Lists are written with their own commas inside brackets; they must not split.
    tokens = [("[" + ", ".join(map(str, v)) + "]") if isinstance(v, list) else str(v) for v in values]
    assert parse_vary("run.draws=" + ",".join(tokens)) == ("run.draws", values)


def test_parse_vary_errors_name_vary() -> None:
    with pytest.raises(UsageError, match="expected KEY=V1,V2"):
        parse_vary("run.draws")
    with pytest.raises(UsageError, match="empty value"):
        parse_vary("run.draws=1,,2")
    with pytest.raises(ScenarioError) as exc:
        parse_vary("not a key=1")
    assert exc.value.path == "--vary"


# ---- batch ------------------------------------------------------------------------

def test_batch_reports_broken_scenario_and_runs_the_others(three: Path) -> None:
    df = batch([three], draws=4000, seed=5)
    assert list(df.columns) == list(INDEX_COLUMNS)
    assert df["file"].tolist() == [str(three / n) for n in ("a_good.toml", "b_broken.toml", "c_good.toml")]
    assert df["error"].isna().tolist() == [True, False, True]
    assert "scenario.title" in df.loc[1, "error"] and "b_broken.toml" in df.loc[1, "error"]
    # Each good row is what a run of the same file gives, and its chance of meeting the £1m low end
    # is the Jeffreys tail: a: 100·20,000·p ≥ 1m ⇔ p ≥ ½; c: 50·30,000·p ≥ 1m ⇔ p ≥ ⅔,
    # p ~ Beta(6.5, 4.5); within 4 binomial standard errors of 4,000 draws.
    for row, name, cut in ((0, "a_good.toml", 0.5), (2, "c_good.toml", 2 / 3)):
        run = auditor.audit(three / name, draws=4000, seed=5).summary()
        assert df.loc[row, "verdict"] == run["verdict"]
        assert df.loc[row, "p_meets_low"] == run["p_meets_low"]
        want = stats.beta.sf(cut, 6.5, 4.5)
        assert abs(df.loc[row, "p_meets_low"] - want) < 4 * np.sqrt(want * (1 - want) / 4000)
    # Point estimates by hand: cohort · share judged to move · cost difference.
    assert df.loc[0, "point_estimate"] == pytest.approx(100 * 0.6 * 20000)
    assert df.loc[2, "point_estimate"] == pytest.approx(50 * 0.6 * 30000)


def test_batch_median_matches_the_beta_closed_form(write_scenario) -> None:
    # base_scenario: costs and realisation fixed, one row a→{a: 4, b: 6}. With the
    # Jeffreys prior the moved share is Beta(6 + ½, 4 + ½), so savings = 100 · 20000 · p.
    path = write_scenario(base_scenario())
    df = batch(path, draws=40000, seed=11)
    expected = 100 * 20000 * stats.beta.ppf([0.5, 0.05, 0.95], 6.5, 4.5)
    # Four Monte Carlo standard errors of each sample quantile, sqrt(q(1 − q)/D) / f(x_q), in pounds,
    # and of the proportion P(p ≥ ½).
    got = df.loc[0, ["median", "p05", "p95"]].to_numpy(float)
    for g, e, q in zip(got, expected, (0.5, 0.05, 0.95)):
        se = np.sqrt(q * (1 - q) / 40000) / stats.beta.pdf(stats.beta.ppf(q, 6.5, 4.5), 6.5, 4.5) * 100 * 20000
        assert abs(g - e) < 4 * se, (q, g, e, se)
    want = stats.beta.sf(1e6 / 2e6, 6.5, 4.5)
    assert abs(df.loc[0, "p_meets_low"] - want) < 4 * np.sqrt(want * (1 - want) / 40000)


def test_batch_writes_the_same_report_as_run(ws_copy: Path, tmp_path: Path) -> None:
    df = batch([ws_copy], out=tmp_path / "b", draws=3000, seed=9)
    assert df["error"].isna().all(), df["error"].tolist()
    assert (tmp_path / "b" / "index.csv").read_text() == df.to_csv(index=False, lineterminator="\n")
    assert main(["run", str(ws_copy), "--draws", "3000", "--seed", "9", "--out", str(tmp_path / "r"),
                 "--quiet"]) == 0
    batch_summary = (tmp_path / "b" / "west-sussex-2023" / "summary.json").read_bytes()
    assert batch_summary == (tmp_path / "r" / "summary.json").read_bytes()
    assert (tmp_path / "b" / "west-sussex-2023" / "report.md").exists()


def test_batch_without_seed_draws_and_records_one(write_scenario) -> None:
    path = write_scenario(base_scenario(run={"draws": 500}), name="noseed.toml")
    df = batch([path, path])  # named twice, run once
    assert len(df) == 1 and 0 <= int(df.loc[0, "seed"]) < 2**63


def test_package_names_stay_functions_after_the_module_is_imported() -> None:
    # The module is not called ``batch``: importing a submodule binds its name on the
    # package, which would hide the ``auditor.batch`` function.
    import auditor.scripted  # noqa: F401

    assert auditor.batch is batch and auditor.sweep is sweep


def test_batch_stem_collision_is_usage_error(write_scenario, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    a = write_scenario(base_scenario(), name="x.toml")
    b = write_scenario(base_scenario(), name="sub/x.toml")
    with pytest.raises(UsageError, match="would both write"):
        batch([a, b], out=tmp_path / "o")


@pytest.mark.parametrize("kwargs, match", [
    ({"jobs": 0}, "at least 1"),
    ({"jobs": 2, "executor": ThreadPoolExecutor(1)}, "either jobs or an executor"),
    ({"draws": 0}, "from 1 to"),
    ({"seed": -1}, "from 0 to"),
])
def test_batch_bad_arguments(three: Path, kwargs, match) -> None:
    with pytest.raises(UsageError, match=match):
        batch([three / "a_good.toml"], **kwargs)


def test_batch_thread_pool_matches_serial(three: Path) -> None:
    serial = batch([three], draws=3000, seed=2)
    with ThreadPoolExecutor(max_workers=3) as pool:
        threaded = batch([three], draws=3000, seed=2, executor=pool)
    pd.testing.assert_frame_equal(serial, threaded)


def test_batch_on_dask_matches_serial(three: Path) -> None:
    distributed = pytest.importorskip("distributed")
    serial = batch([three], draws=3000, seed=2)
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        on_dask = batch([three], draws=3000, seed=2, executor=client.get_executor())
    pd.testing.assert_frame_equal(serial, on_dask)


# ---- batch command ---------------------------------------------------------------

def test_cli_batch_exit_2_one_line_per_broken_scenario(three: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["batch", str(three), "--out", str(out), "--set", "run.draws=1500"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("auditor: error: ") and "b_broken.toml:" in err[0]
    assert "2 of 3 scenarios audited" in captured.out
    assert (out / "a_good" / "summary.json").exists() and (out / "c_good" / "summary.json").exists()
    assert not (out / "b_broken").exists()
    index = pd.read_csv(out / "index.csv")
    assert index["error"].notna().tolist() == [False, True, False]
    # --set reached every scenario.
    assert index["draws"].dropna().tolist() == [1500, 1500]


def test_cli_sweep_accepts_set(three: Path, tmp_path: Path, capsys) -> None:
    good = str(three / "a_good.toml")
    assert main(["sweep", good, "--vary", "run.seed=1,2", "--set", "run.draws=1200",
                 "--out", str(tmp_path / "s"), "--quiet"]) == 0
    frame = pd.read_csv(tmp_path / "s" / "sweep.csv")
    assert frame["draws"].tolist() == [1200, 1200] and frame["seed"].tolist() == [1, 2]
    assert capsys.readouterr().out == ""


def test_cli_run_json_prints_the_summary(ws_copy: Path, tmp_path: Path, capsys) -> None:
    assert main(["run", str(ws_copy), "--draws", "2000", "--out", str(tmp_path / "r"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "r" / "summary.json").read_text())


@pytest.mark.slow
def test_jobs_1_and_jobs_2_give_identical_bytes(three: Path, ws_copy: Path, tmp_path: Path) -> None:
    # Real worker processes; the outputs must not depend on how many there are.
    for jobs in ("1", "2"):
        assert main(["batch", str(three / "a_good.toml"), str(ws_copy),
                     "--draws", "3000", "--out", str(tmp_path / f"b{jobs}"), "--jobs", jobs, "--quiet"]) == 0
        assert main(["sweep", str(ws_copy), "--vary", f"{WS}=0.5,0.75,1", "--draws", "3000",
                     "--out", str(tmp_path / f"s{jobs}"), "--jobs", jobs, "--quiet"]) == 0
    names = ["index.csv"] + [f"{s}/summary.json" for s in ("a_good", "west-sussex-2023")]
    for name in names:
        assert (tmp_path / "b1" / name).read_bytes() == (tmp_path / "b2" / name).read_bytes(), name
    for name in ["sweep.csv", "sweep.json", "sweep.png"]:
        assert (tmp_path / "s1" / name).read_bytes() == (tmp_path / "s2" / name).read_bytes(), name


# ---- sweep ----------------------------------------------------------------------------

def test_sweep_grid_shape_and_order(west_sussex: Path) -> None:
    df = sweep(west_sussex, {WS: [0.5, 1.0], "claim.low": ["£10m", "£15m", "£20m"]}, draws=1000, seed=3)
    assert list(df.columns) == [WS, "claim.low", *SWEEP_COLUMNS]
    # The first key varies slowest.
    assert df[WS].tolist() == [0.5] * 3 + [1.0] * 3
    assert df["claim.low"].tolist() == ["£10m", "£15m", "£20m"] * 2
    assert (df["seed"] == 3).all() and (df["draws"] == 1000).all()


def test_sweep_realisation_scales_savings_exactly(west_sussex: Path) -> None:
    # A fixed realisation r multiplies every draw by r, and every grid point shares
    # the seed (common random numbers), so each quantile is exactly r × its value at r = 1.
    rs = [0.25, 0.5, 0.75, 1.0]
    df = sweep(west_sussex, {WS: rs}, draws=5000, seed=4)
    at_one = df.iloc[-1]
    for col in ("savings_median", "savings_p05", "savings_p95", "savings_mean", "point_estimate"):
        assert df[col].to_numpy() == pytest.approx(np.array(rs) * at_one[col], rel=1e-12), col
    # P(savings >= low) can only grow with r, draw by draw.
    assert np.all(np.diff(df["p_meets_low"]) >= 0)


def test_sweep_theta_scales_the_judged_saving(write_scenario) -> None:
    # base_scenario has one down-shift, fixed costs and realisation 1, so a draw's
    # savings are 100 · 20000 · θ · p: with a shared seed every quantile is θ × its
    # value at θ = 1, and θ = 1 is the face-value audit itself.
    path = write_scenario(base_scenario())
    thetas = [0.2, 0.5, 0.8, 1.0]
    df = sweep(path, {"judgement.theta": thetas}, overrides={"judgement.model": "fixed"}, draws=4000, seed=6)
    for col in ("savings_median", "savings_p05", "savings_p95", "savings_mean"):
        assert df[col].to_numpy() == pytest.approx(np.array(thetas) * df[col].iloc[-1], rel=1e-12), col
    assert np.all(np.diff(df["p_meets_low"]) >= 0)
    face = auditor.audit(path, draws=4000, seed=6).summary()
    assert df["savings_median"].iloc[-1] == pytest.approx(face["savings"]["median"], rel=1e-12)


def test_sweep_thread_pool_matches_serial(west_sussex: Path) -> None:
    grid = {WS: [0.5, 1.0], "claim.high": ["£46.7m"]}
    serial = sweep(west_sussex, grid, draws=2000, seed=8)
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = sweep(west_sussex, grid, draws=2000, seed=8, executor=pool)
    pd.testing.assert_frame_equal(serial, threaded)


def test_sweep_without_seed_shares_one_drawn_seed(write_scenario) -> None:
    path = write_scenario(base_scenario(run={"draws": 500}))
    df = sweep(path, {"claim.high": ["£2m", "£3m"]})
    assert df["seed"].nunique() == 1


def test_sweep_writes_csv_provenance_and_figure(ws_copy: Path, tmp_path: Path) -> None:
    table = '{dist = "uniform", low = 0.5, high = 1.0}'
    _, values = parse_vary(f"{WS}={table},1.0")
    df = sweep(ws_copy, {WS: values}, out=tmp_path / "s", draws=2000, seed=1)
    assert df[WS].tolist() == ['{dist = "uniform", low = 0.5, high = 1.0}', 1.0]
    assert (tmp_path / "s" / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert pd.read_csv(tmp_path / "s" / "sweep.csv")["savings_median"].tolist() == df["savings_median"].tolist()
    about = json.loads((tmp_path / "s" / "sweep.json").read_text())
    assert about["vary"] == {WS: values} and about["seed"] == 1 and about["draws"] == 2000


def test_sweep_bad_value_names_vary(west_sussex: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        sweep(west_sussex, {WS: [0.5, -1]}, draws=100)
    assert exc.value.path == "--vary" and exc.value.field == WS


def test_sweep_key_both_set_and_varied(west_sussex: Path) -> None:
    with pytest.raises(UsageError, match="both fixed"):
        sweep(west_sussex, {WS: [0.5]}, overrides={WS: 1.0})


def test_cli_sweep_errors_are_one_line(west_sussex: Path, tmp_path: Path, capsys) -> None:
    out = str(tmp_path / "s")
    assert main(["sweep", str(west_sussex), "--vary", f"{WS}=0.5", "--vary", f"{WS}=1", "--out", out]) == 2
    assert main(["sweep", str(west_sussex), "--vary", f"{WS}=0.5,-2", "--out", out]) == 2
    assert main(["sweep", str(west_sussex), "--vary", "nope.key=1", "--out", out]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("auditor: error: --vary") for line in err)
    assert not Path(out).exists()


def test_sweep_figure_one_line_per_second_key_value(west_sussex: Path) -> None:
    df = sweep(west_sussex, {WS: [0.5, 1.0], "claim.high": ["£50m", "£60m"]},
               draws=500, seed=1)
    ax = sweep_figure(df, [WS, "claim.high"])
    assert len(ax.get_lines()) == 2


def test_progress_bar_only_on_a_terminal_or_when_asked(capsys) -> None:
    from auditor.scripted import _progress_bar

    # Under pytest stderr is captured, not a terminal: the default is no bar.
    assert _progress_bar(3, None, "x").disable is True
    assert _progress_bar(3, False, "x").disable is True
    bar = _progress_bar(3, True, "x")
    assert bar.disable is False and bar.delay == 2
    bar.close()


def test_every_command_that_reads_scenarios_takes_set() -> None:
    import argparse

    from auditor.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    checked = []
    for name, parser in sub.choices.items():
        dests = {a.dest for a in parser._actions}
        if dests & {"scenario", "scenarios", "paths"}:
            assert "overrides" in dests, f"auditor {name} reads scenarios but has no --set"
            checked.append(name)
    assert {"validate", "run", "batch", "sweep"} <= set(checked)


def test_sweep_bad_combination_stops_the_sweep(write_scenario) -> None:
    # Each value is valid on its own; together they put the claim's low end above its
    # high end, which only the grid point's own load sees.
    path = write_scenario(base_scenario())
    with pytest.raises(ScenarioError) as exc:
        sweep(path, {"claim.low": ["£1m", "£3m"], "claim.high": ["£4m", "£2m"]}, draws=200)
    assert exc.value.field.startswith("claim")
    assert exc.value.message.endswith('(at grid point claim.low="£3m", claim.high="£2m")')


def test_batch_missing_file_is_a_failed_row(three: Path) -> None:
    df = batch([three / "a_good.toml", three / "missing.toml"], draws=500)
    assert df["error"].isna().tolist() == [True, False]
    assert df.loc[1, "error"] == f"{three / 'missing.toml'}: file not found"


def test_start_method_spawns_when_other_threads_run() -> None:
    import threading

    from auditor.scripted import _start_method

    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert _start_method().get_start_method() == "spawn"
    finally:
        stop.set()
        worker.join()


@pytest.mark.slow
def test_spawned_workers_give_the_serial_result(west_sussex: Path, monkeypatch) -> None:
    # The path taken off Linux or beside other threads: fresh interpreters, same numbers.
    import multiprocessing

    import auditor.scripted as scripted

    grid = {WS: [0.5, 1.0]}
    serial = sweep(west_sussex, grid, draws=2000, seed=8)
    monkeypatch.setattr(scripted, "_start_method", lambda: multiprocessing.get_context("spawn"))
    pd.testing.assert_frame_equal(serial, sweep(west_sussex, grid, draws=2000, seed=8, jobs=2))


def test_cli_bad_jobs_names_the_option(three: Path, capsys) -> None:
    assert main(["batch", str(three / "a_good.toml"), "--jobs", "0"]) == 2
    assert capsys.readouterr().err == "auditor: error: --jobs: must be a whole number of at least 1, got 0\n"
