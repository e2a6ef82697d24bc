"""The bootstrap's small-sample warning reaches every interface: stderr for the CLI, a Python warning for the API.

West Sussex's cases file reviews 28 cases in rows of 3–15, below the 20 at
which docs/methods.md §2 finds the bootstrap's interval too narrow.
"""

from __future__ import annotations

import warnings

import pytest

import auditor
from auditor.cli import main
from auditor.errors import SmallSampleWarning

BOOT = ["--set", "sample.method=bootstrap"]


def test_validate_warns_on_stderr_and_exits_0(capsys, west_sussex_cases):
    assert main(["validate", str(west_sussex_cases), *BOOT]) == 0
    out, err = capsys.readouterr()
    assert "ok" in out
    lines = [ln for ln in err.splitlines() if "bootstrap" in ln]
    assert len(lines) == 1 and lines[0].startswith(f"auditor: warning: {west_sussex_cases}: the bootstrap")
    assert "row of only" in lines[0]


def test_run_warns_once_on_stderr_and_exits_0(capsys, west_sussex_cases, tmp_path):
    code = main(["run", str(west_sussex_cases), *BOOT, "--draws", "500", "--seed", "1", "--json",
                 "--out", str(tmp_path / "o"), "--format", "json"])
    assert code == 0
    err = capsys.readouterr().err
    assert sum("the bootstrap was chosen" in ln for ln in err.splitlines()) == 1


def test_default_method_does_not_warn(capsys, west_sussex_cases):
    assert main(["validate", str(west_sussex_cases)]) == 0
    assert "bootstrap" not in capsys.readouterr().err


def test_api_issues_a_python_warning(west_sussex_cases):
    with pytest.warns(SmallSampleWarning, match="row of only"):
        r = auditor.audit(west_sussex_cases, draws=500, seed=1, analyses=False, **{"sample.method": "bootstrap"})
    assert r.draws == 500
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallSampleWarning)
        auditor.audit(west_sussex_cases, draws=500, seed=1, analyses=False)
