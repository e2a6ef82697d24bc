"""The public API (contract): names exported by ``auditor`` and their basic behaviour."""

from __future__ import annotations

import subprocess
import sys

import auditor

# The contract names of design §5, the scripted-run and sensitivity entry points, and the
# error classes. Removing or renaming one breaks users' scripts.
EXPORTED = ["__version__", "audit", "load_scenario", "AuditResult", "Scenario",
            "AuditorError", "ScenarioError", "DataError", "UsageError", "batch", "sweep",
            "sensitivity", "SensitivityResult", "track", "TrackResult"]


def test_all_is_pinned():
    # Exactly these names: a new export is a deliberate API decision, so it updates this list.
    assert sorted(auditor.__all__) == sorted(EXPORTED)
    assert len(auditor.__all__) == len(set(auditor.__all__))


def test_every_exported_name_is_what_it_promises():
    # Functions are callable, result and scenario types are classes, errors are exceptions.
    functions = {"audit", "load_scenario", "batch", "sweep", "sensitivity", "track"}
    classes = {"AuditResult", "Scenario", "SensitivityResult", "TrackResult"}
    for name in auditor.__all__:
        value = getattr(auditor, name)
        if name in functions:
            assert callable(value) and not isinstance(value, type), name
            assert value.__doc__, name   # every public function documents itself
        elif name in classes:
            assert isinstance(value, type), name
        elif name.endswith("Error"):
            assert issubclass(value, Exception), name
        else:
            assert name == "__version__" and isinstance(value, str)
    assert "audit" in dir(auditor) and "sensitivity" in dir(auditor)   # lazy names are listed


def test_error_hierarchy():
    for cls in (auditor.ScenarioError, auditor.DataError, auditor.UsageError):
        assert issubclass(cls, auditor.AuditorError)
        assert issubclass(cls, ValueError)   # callers catching ValueError keep working


def test_version_is_pep440_like():
    parts = auditor.__version__.split(".")
    assert len(parts) >= 3 and all(p.isdigit() for p in parts[:2])


def test_importing_auditor_is_light():
    # `auditor --version` must stay fast: the heavy libraries load only when used.
    code = ("import sys, auditor; heavy = [m for m in ('scipy', 'pandas', 'matplotlib') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_audit_round_trip(west_sussex):
    import numpy as np

    s = auditor.load_scenario(west_sussex)
    assert isinstance(s, auditor.Scenario)
    r = auditor.audit(s, draws=1000, seed=3)
    assert isinstance(r, auditor.AuditResult)
    assert r.scenario is s and r.draws == 1000 and r.seed == 3 and r.seed_source == "argument"
    # A path and a loaded scenario are the same audit; the summary describes these draws.
    by_path = auditor.audit(west_sussex, draws=1000, seed=3)
    np.testing.assert_array_equal(by_path.savings, r.savings)
    summary = r.summary()
    assert summary["savings"]["median"] == float(np.median(r.savings))
    assert summary["p_meets_low"] == float(np.mean(r.savings >= s.claim.low))
    assert summary["run"] == by_path.summary()["run"]
