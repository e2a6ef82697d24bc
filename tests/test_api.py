"""The run-argument validator shared by every entry point (auditor.api._run_iv).

Each message is checked once here, through the public function that a user
calls, so a change of wording or of the accepted range shows up as a failure.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import auditor
from auditor.api import _run_iv
from auditor.errors import ScenarioError, UsageError


RUN_ARGUMENT_ERRORS = [
    ({"draws": 0}, "draws", "must be a whole number from 1 to 100,000,000, got 0"),
    ({"draws": 2.5}, "draws", "must be a whole number from 1 to 100,000,000, got 2.5"),
    ({"draws": True}, "draws", "must be a whole number from 1 to 100,000,000, got True"),
    ({"seed": -1}, "seed", "must be a whole number from 0 to 9223372036854775807, got -1"),
    ({"seed": 2**63}, "seed", f"must be a whole number from 0 to 9223372036854775807, got {2**63}"),
    ({"chunk_size": 0}, "chunk_size", "must be a whole number of at least 1, got 0"),
    ({"jobs": 0}, "jobs", "must be a whole number of at least 1, got 0"),
    ({"executor": "pool"}, "executor",
     "must be a concurrent.futures.Executor (an object with submit()), got str"),
    ({"keep_inputs": 1}, "keep_inputs", "must be True, False or None, got 1"),
    ({"analyses": None}, "analyses", "must be True or False, got None"),
    ({"jobs": 2, "executor": ThreadPoolExecutor(1)}, "jobs", "give either jobs or an executor, not both"),
]


@pytest.mark.parametrize("kwargs, field, message", RUN_ARGUMENT_ERRORS)
def test_each_run_argument_message(kwargs, field, message):
    with pytest.raises(UsageError) as info:
        _run_iv(**kwargs)
    assert info.value.field == field
    assert str(info.value) == f"{field}: {message}"


def test_errors_catalogue_lists_the_api_messages():
    # docs/errors.md, entry `api-run-argument`: each documented line is reproduced above, and
    # every argument the validator checks is documented.
    text = (Path(__file__).resolve().parent.parent / "docs" / "errors.md").read_text(encoding="utf-8")
    block = re.search(r"### `api-run-argument`.*?```python\n(.*?)```", text, re.S).group(1)
    documented = set(block.strip().splitlines())
    tested = {f"auditor.UsageError: {field}: {message}" for _, field, message in RUN_ARGUMENT_ERRORS}
    assert documented <= tested   # every line in the catalogue is one a test reproduces
    assert {line.split(": ")[1] for line in documented} == {field for _, field, _ in RUN_ARGUMENT_ERRORS}


def test_defaults_and_numpy_integers_pass():
    _run_iv()
    _run_iv(draws=np.int64(5), seed=np.uint64(3), chunk_size=1, jobs=1, keep_inputs=False,
            executor=ThreadPoolExecutor(1))


def test_entry_points_use_the_validator(west_sussex):
    with pytest.raises(UsageError, match="^chunk_size: must be a whole number of at least 1"):
        auditor.audit(west_sussex, draws=100, seed=1, chunk_size=-5)
    with pytest.raises(UsageError, match="^draws: must be a whole number from 64 to 10,000,000, got 10$"):
        auditor.sensitivity(west_sussex, draws=10, seed=1)
    with pytest.raises(UsageError, match="^seed: must be a whole number from 0 to"):
        auditor.batch([west_sussex], seed=-2)


def test_summary_reads_stored_analyses_and_never_reruns_the_model(west_sussex, monkeypatch):
    # The analyses are computed by audit(); afterwards the engine may not run again.
    from auditor.analysis import ladder
    from auditor.model import engine

    r = auditor.audit(west_sussex, draws=3000, seed=4)

    def refuse(*args, **kwargs):
        raise AssertionError("summary() reran the model")

    monkeypatch.setattr(engine, "simulate", refuse)
    monkeypatch.setattr(ladder, "simulate", refuse)
    s = r.summary()
    assert s["judgement"] == r.judgement_summary and s["implied"] == r.implied
    assert [row["name"] for row in r.reliability_ladder] == list(ladder.LADDER)


def test_draws_only_result_refuses_summary(west_sussex):
    full = auditor.audit(west_sussex, draws=3000, seed=4)
    bare = auditor.audit(west_sussex, draws=3000, seed=4, analyses=False)
    np.testing.assert_array_equal(bare.savings, full.savings)
    assert bare.stage_summaries() == full.stage_summaries()
    with pytest.raises(UsageError, match=r"^analyses: this result holds the draws only"):
        bare.summary()


def _argument_errors(tmp_path) -> list[str]:
    """Each call of docs/errors.md's `api-argument-type` entry, and the line it raises."""
    from auditor.inputs.scenario import parse_scenario
    from strategies import base_scenario

    ws = Path(__file__).resolve().parent.parent / "scenarios" / "west-sussex-2023.toml"
    in_memory = parse_scenario(base_scenario())   # a Scenario with no file behind it
    result = auditor.audit(ws, draws=100, seed=1)
    sens = auditor.sensitivity(ws, draws=64, seed=1)
    calls = [
        lambda: auditor.audit(123),
        lambda: auditor.audit(in_memory, run__draws=5),
        lambda: auditor.sweep(in_memory, {"run.seed": [1, 2]}),
        lambda: auditor.batch([ws], overrides=[("run.draws", 5)]),
        lambda: auditor.batch([ws], overrides={1: 5}),
        lambda: auditor.batch([]),
        lambda: auditor.batch(5),
        lambda: auditor.batch([ws, 5]),
        lambda: auditor.sweep(ws, {}),
        lambda: auditor.sweep(ws, {"run.seed": []}),
        lambda: result.write_report(""),
        lambda: sens.to_frame("cases"),
        lambda: sens.plot(kind="pie"),
        lambda: sens.plot(ax="axes"),
    ]
    lines = []
    for call in calls:
        with pytest.raises(UsageError) as info:
            call()
        assert info.value.field, info.value   # every message names the argument
        lines.append(f"auditor.UsageError: {info.value}")
    return lines


def test_argument_messages_are_the_catalogues(tmp_path, monkeypatch):
    # docs/errors.md, entry `api-argument-type`: every documented line is reproduced, in order.
    monkeypatch.chdir(tmp_path)
    text = (Path(__file__).resolve().parent.parent / "docs" / "errors.md").read_text(encoding="utf-8")
    block = re.search(r"### `api-argument-type`.*?```python\n(.*?)```", text, re.S).group(1)
    assert _argument_errors(tmp_path) == block.strip().splitlines()


def test_a_bad_keyword_override_is_blamed_on_overrides_not_on_the_cli_option():
    # From Python there is no --set; the message names the argument the caller wrote.
    ws = Path(__file__).resolve().parent.parent / "scenarios" / "west-sussex-2023.toml"
    with pytest.raises(ScenarioError) as info:
        auditor.audit(ws, draws=100, seed=1, bogus=5)
    assert str(info.value).startswith("overrides: bogus: unknown key")
    assert "--set" not in str(info.value)
    with pytest.raises(ScenarioError) as info:
        auditor.sensitivity(ws, draws=64, seed=1, **{"run.draws": "many"})
    assert str(info.value).startswith("overrides: ")
