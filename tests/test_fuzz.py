"""Fuzzing the loader and the command line: bad input never crashes or misleads.

Three kinds of input, all run in-process:

* random bytes as a scenario file;
* random TOML: a valid scenario with one value replaced by a random TOML value
  (strings, numbers including nan and inf, booleans, arrays, tables);
* random valid-but-extreme scenarios (costs from £0 to £1 trillion, cohorts
  to a billion, lopsided reviews, heavy-tailed and nearly degenerate dists).

The properties: the outcome is always a validated scenario or a one-line
:class:`~auditor.errors.AuditorError` (exit code 2), never a traceback or an
internal error; and a run's ``summary.json`` never holds NaN or infinity
unless a named :class:`~auditor.errors.AuditorWarning` was emitted.

The CI budget is modest (``FUZZ_EXAMPLES``, default 100 per property; the
whole file runs in well under a minute). For a long local fuzz::

    AUDITOR_HYPOTHESIS_PROFILE=explore AUDITOR_FUZZ_EXAMPLES=20000 \\
        /work/venv/bin/pytest -q tests/test_fuzz.py -p no:cacheprovider

``explore`` draws fresh random examples (the default profile is
derandomised, so CI sees the same examples every time); Hypothesis prints a
``@reproduce_failure`` blob for anything it finds.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.cli import main
from auditor.errors import AuditorError, AuditorWarning
from auditor.inputs.scenario import load_scenario
from strategies import base_scenario, to_toml, toml_value

FUZZ_EXAMPLES = int(os.environ.get("AUDITOR_FUZZ_EXAMPLES", "100"))
fuzz = settings(max_examples=FUZZ_EXAMPLES, deadline=None)


def run_cli(argv: list[str]) -> tuple[int, str, list[warnings.WarningMessage]]:
    """``auditor.cli.main`` in-process: exit code, stderr and the warnings emitted."""
    err = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, redirect_stderr(err), redirect_stdout(io.StringIO()):
        warnings.simplefilter("always")
        code = main(argv)
    return code, err.getvalue(), list(caught)


def assert_clean_failure(code: int, err: str) -> None:
    """Exit 0 with nothing on stderr, or exit 2 with exactly one error line."""
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 0:
        return
    assert code == 2, err
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("auditor: error: "), err


def no_nonfinite(text: str) -> bool:
    """True when JSON text has no NaN or ±Infinity anywhere."""
    def refuse(name: str):
        raise ValueError(name)

    try:
        json.loads(text, parse_constant=refuse)
    except ValueError:
        return False
    return True


def in_fresh_folder(text: str | bytes, name: str = "scenario.toml") -> tuple[tempfile.TemporaryDirectory, Path]:
    tmp = tempfile.TemporaryDirectory()
    path = Path(tmp.name) / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return tmp, path


# ---- random bytes ------------------------------------------------------------------

@fuzz
@given(st.one_of(
    st.binary(max_size=400),
    # Mostly-valid text with bytes spliced in: reaches deeper than pure noise.
    st.tuples(st.integers(0, 400), st.binary(min_size=1, max_size=8)).map(
        lambda t: (lambda b: b[:t[0]] + t[1] + b[t[0]:])(to_toml(base_scenario()).encode())),
))
def test_random_bytes_never_crash_the_loader(data: bytes) -> None:
    tmp, path = in_fresh_folder(data)
    with tmp:
        try:
            load_scenario(path)
        except AuditorError as exc:
            line = exc.one_line()
            assert "\n" not in line and line.startswith(str(path))
        code, err, _ = run_cli(["validate", str(path)])
        assert_clean_failure(code, err)


# ---- random TOML -----------------------------------------------------------------

scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["£17.8m", "£17.8bn?", "250k", "1,2,3", "67%", "2/3", "nan", "", " ", "-£5m",
                     "uniform", "face_value", "a", "b", "../x.csv", "/etc/passwd"]),
    st.booleans(),
)
toml_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["dist", "low", "high", "mode", "mean", "sd", "a", "b",
                                                             "from", "to", "count", "value", "x"]),
                                            inner, max_size=4)),
    max_leaves=8,
)


def paths(doc: dict, prefix: tuple = ()) -> list[tuple]:
    """Every dotted path to a value or table in a scenario dict."""
    out = []
    for key, value in doc.items():
        here = prefix + (key,)
        out.append(here)
        if isinstance(value, dict):
            out.extend(paths(value, here))
    return out


@st.composite
def mutated_scenarios(draw) -> str:
    doc = base_scenario()
    where = draw(st.sampled_from(paths(doc) + [("run", "extra"), ("claim", "zz"), ("settings", "c")]))
    action = draw(st.sampled_from(["replace", "delete"]))
    node = doc
    for key in where[:-1]:
        node = node[key]
    if action == "delete":
        node.pop(where[-1], None)
    else:
        node[where[-1]] = draw(toml_values)
    try:
        return to_toml(doc)
    except TypeError:  # pragma: no cover - every generated value has a TOML form
        return to_toml(base_scenario())


@fuzz
@given(mutated_scenarios())
def test_random_toml_gives_a_scenario_or_one_error_line(text: str) -> None:
    tmp, path = in_fresh_folder(text)
    with tmp:
        try:
            load_scenario(path)
        except AuditorError:
            pass
        code, err, _ = run_cli(["validate", str(path)])
        assert_clean_failure(code, err)


@fuzz
@given(key=st.sampled_from(["run.draws", "run.seed", "claim.low", "settings.a.cost", "settings.a.cohort",
                            "implementation.realisation", "judgement.model", "sample.method", "nope.x",
                            "settings.a.cost.low", "run", "claim"]),
       value=toml_values)
def test_random_set_overrides(key: str, value) -> None:
    tmp, path = in_fresh_folder(to_toml(base_scenario()))
    with tmp:
        code, err, _ = run_cli(["validate", str(path), "--set", f"{key}={toml_value(value)}"])
        assert_clean_failure(code, err)


@fuzz
@given(draws=st.one_of(st.integers(), st.text(max_size=12)), seed=st.one_of(st.integers(), st.text(max_size=12)))
def test_random_draws_and_seed_options(draws, seed) -> None:
    tmp, path = in_fresh_folder(to_toml(base_scenario(run={"draws": 50, "seed": 1})))
    with tmp:
        code, err, _ = run_cli(["validate", str(path)])
        assert code == 0
        draws_ok = isinstance(draws, int) and 1 <= draws <= 20_000
        if isinstance(draws, int) and not draws_ok and 1 <= draws:
            draws = 10**9  # never start a huge run: beyond the maximum, so refused
        out = Path(tmp.name) / "out"
        code, err, _ = run_cli(["run", str(path), "--draws", str(draws), "--seed", str(seed), "--out", str(out),
                                "--format", "json", "--quiet"])
        assert_clean_failure(code, err)


# ---- valid but extreme -------------------------------------------------------------

big_money = st.one_of(st.integers(0, 10**12), st.floats(0, 1e12, allow_nan=False),
                      st.sampled_from([0, 1, "£1", "£0", "£1bn", "£999bn", "£1,000,000,000,000"]))


@st.composite
def money_dists(draw):
    kind = draw(st.sampled_from(["fixed", "uniform", "triangular", "pert", "normal", "lognormal", "interval",
                                 "beta"]))
    if kind == "fixed":
        return draw(big_money)
    lo, hi = sorted(draw(st.tuples(st.floats(0, 1e12), st.floats(0, 1e12))))
    if kind == "uniform":
        return {"dist": "uniform", "low": lo, "high": hi}
    if kind in ("triangular", "pert"):
        return {"dist": kind, "low": lo, "mode": draw(st.floats(lo, hi)), "high": hi}
    if kind == "normal":
        return {"dist": "normal", "mean": draw(st.floats(0, 1e12)), "sd": draw(st.floats(1e-6, 1e12))}
    if kind == "lognormal":
        return {"dist": "lognormal", "median": draw(st.floats(1e-3, 1e12)), "sd_log": draw(st.floats(1e-6, 20))}
    if kind == "interval":
        return {"dist": "interval", "low": lo, "high": max(hi, lo + 1), "level": draw(st.floats(0.01, 0.999))}
    return {"dist": "beta", "a": draw(st.floats(1e-3, 1e3)), "b": draw(st.floats(1e-3, 1e3)), "low": lo, "high": hi}


share_dists = st.one_of(
    st.floats(0, 1),
    st.builds(lambda a, b: {"dist": "uniform", "low": min(a, b), "high": max(a, b)}, st.floats(0, 1), st.floats(0, 1)),
    st.builds(lambda a, b: {"dist": "beta", "a": a, "b": b}, st.floats(1e-3, 1e3), st.floats(1e-3, 1e3)),
    st.builds(lambda m, s: {"dist": "normal", "mean": m, "sd": s}, st.floats(0, 1), st.floats(0.01, 10)),
)


@st.composite
def extreme_scenarios(draw) -> dict:
    names = ["a", "b", "c"][: draw(st.integers(2, 3))]
    settings_ = {n: {"cost": draw(money_dists()), "cohort": draw(st.integers(0, 10**9))} for n in names}
    cells = [(s, t) for s in names for t in names]
    counts = draw(st.lists(st.integers(0, 1000), min_size=len(cells), max_size=len(cells)))
    if sum(counts) == 0:
        counts[1] = 1
    moves = [{"from": s, "to": t, "count": k} for (s, t), k in zip(cells, counts) if k > 0]
    claim_low = draw(big_money)
    doc = base_scenario(
        settings=settings_,
        sample={"transitions": moves, "method": draw(st.sampled_from(["bayes", "bootstrap"])),
                "prior": draw(st.sampled_from([0.5, 1, 1e-6, 100]))},
        claim={"low": claim_low, "high": claim_low if draw(st.booleans()) else 2e12},
        implementation={"realisation": draw(share_dists)},
        run={"draws": draw(st.integers(1, 300)), "seed": draw(st.integers(0, 2**63 - 1))},
    )
    if draw(st.booleans()):
        doc["judgement"] = {"model": "fixed", "theta": draw(share_dists)}
    return doc


@fuzz
@given(extreme_scenarios())
def test_extreme_scenarios_run_without_nan_or_traceback(doc: dict) -> None:
    tmp, path = in_fresh_folder(to_toml(doc))
    with tmp:
        out = Path(tmp.name) / "out"
        code, err, caught = run_cli(["run", str(path), "--out", str(out), "--format", "json", "--quiet"])
        assert_clean_failure(code, err)
        if code != 0:
            return
        text = (out / "summary.json").read_text(encoding="utf-8")
        named = [w for w in caught if issubclass(w.category, AuditorWarning)]
        assert no_nonfinite(text) or named, "NaN or infinity in summary.json without a named warning"
        summary = json.loads(text)
        assert summary["verdict"] in ("holds", "widens", "collapses")
        assert all(math.isfinite(summary["savings"][k]) for k in ("p05", "median", "p95"))


# ---- reproducibility ---------------------------------------------------------------

def summary_text(path: Path, out: Path, *extra: str) -> str:
    code, err, _ = run_cli(["run", str(path), "--out", str(out), "--format", "json", "--quiet", *extra])
    assert code == 0, err
    return (out / "summary.json").read_text(encoding="utf-8")


def test_summary_identical_across_runs_and_chunk_sizes(tmp_path: Path) -> None:
    import auditor
    from auditor.report import summary_json

    ws = Path(__file__).resolve().parent.parent / "scenarios" / "west-sussex-2023.toml"
    first = summary_text(ws, tmp_path / "one", "--draws", "20000", "--seed", "11")
    again = summary_text(ws, tmp_path / "two", "--draws", "20000", "--seed", "11")
    assert first == again
    texts = {summary_json(auditor.audit(ws, draws=20000, seed=11, chunk_size=c)) for c in (1, 8192, 10000, 10**6)}
    assert texts == {first}


def test_drawn_seed_is_used_and_recorded(tmp_path: Path) -> None:
    doc = base_scenario(run={"draws": 2000})
    path = tmp_path / "noseed.toml"
    path.write_text(to_toml(doc), encoding="utf-8")
    first = json.loads(summary_text(path, tmp_path / "a"))
    assert first["run"]["seed_source"] == "drawn"
    seed = first["run"]["seed"]
    assert isinstance(seed, int) and 0 <= seed <= 2**63 - 1
    # Running again with the recorded seed reproduces the run exactly.
    again = json.loads(summary_text(path, tmp_path / "b", "--seed", str(seed)))
    assert again["run"]["seed_source"] == "argument"
    assert again["savings"] == first["savings"] and again["stages"] == first["stages"]


# ---- bench/fuzz.py: command lines, CSVs, API arguments and web requests -------------------

def _load_bench_fuzz():
    import importlib.util
    import sys

    path = Path(__file__).resolve().parent.parent / "bench" / "fuzz.py"
    spec = importlib.util.spec_from_file_location("auditor_bench_fuzz", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def test_a_short_run_of_the_long_fuzz_is_clean() -> None:
    # Two cases of each kind (mutated TOML, damaged bytes, damaged cases CSV, --set, hostile
    # command lines, API arguments, web requests), each in a sandbox checked file by file.
    # The long run (docs/testing.md) is the same code with a time budget.
    fuzz = _load_bench_fuzz()
    seen: list[str] = []
    result = fuzz.fuzz(seconds=600, seed=0, max_cases=2 * len(fuzz.KINDS), save=None, report=seen.append,
                       scenarios=("small", "west-sussex-2023-cases"))
    assert result["cases"] == 2 * len(fuzz.KINDS)
    assert result["failures"] == [], result["failures"]


def test_the_fuzz_harness_catches_what_it_claims_to(tmp_path) -> None:
    # The checks are not vacuous: a traceback, two lines for one error, a file changed outside
    # the output and a leftover temporary are each reported.
    fuzz = _load_bench_fuzz()
    assert fuzz.check_stderr(1, "auditor: internal error: X", ["run"]) == "traceback or internal error"
    assert fuzz.check_stderr(2, "auditor: error: a\nauditor: error: b", ["run"]).startswith("exit 2 without")
    assert fuzz.check_stderr(2, "auditor: error: a\nauditor: error: b", ["batch"]) is None
    assert fuzz.check_stderr(0, "x.py:3: RuntimeWarning: overflow", ["run"]) == "a raw Python warning on stderr"
    case = fuzz.Case("cli", 0, argv=["run", "s.toml", "--out", "existing"], files={"s.toml": b"x"})
    work = fuzz.prepare(tmp_path, case)
    before = fuzz.snapshot(tmp_path)
    (work / "existing" / "notes.txt").write_text("changed")
    assert "touched outside the output" in fuzz.check_untouched(case, tmp_path, work, before)
    (work / "existing" / "notes.txt").write_text("mine")
    (work / ".out.tmp-123-x").mkdir()
    assert "left temporaries" in fuzz.check_untouched(case, tmp_path, work, before) or \
        "touched outside" in fuzz.check_untouched(case, tmp_path, work, before)
