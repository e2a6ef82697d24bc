"""Safe writes: an interrupted or failed run never damages an earlier report.

``auditor run`` builds its report in a temporary folder beside the
destination and renames it into place (``auditor.report.atomic_dir``). These
tests interrupt runs for real (SIGINT to a subprocess) and in-process (an
exception or KeyboardInterrupt while the report is being written) and check
that the earlier report is byte-for-byte intact, that no temporary folder is
left behind and that stderr says what happened.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor import cli
from auditor.report import atomic_dir
from strategies import base_scenario, to_toml

ROOT = Path(__file__).resolve().parent.parent


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(out: Path) -> list[str]:
    """Temporary siblings of ``out`` (``.<name>.tmp-*`` or ``.<name>.old-*``)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def heavy_scenario(path: Path) -> Path:
    """Eight settings, every move judged, lognormal costs: a few seconds per million draws."""
    names = [f"s{i}" for i in range(8)]
    settings = {n: {"cost": {"dist": "lognormal", "median": 10_000 + 1_000 * i, "sd_log": 0.3}, "cohort": 100}
                for i, n in enumerate(names)}
    moves = [{"from": a, "to": b, "count": 1} for a in names for b in names]
    doc = base_scenario(settings=settings, sample={"transitions": moves}, run={"draws": 1000, "seed": 5})
    path.write_text(to_toml(doc), encoding="utf-8")
    return path


@pytest.fixture
def earlier_report(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A scenario and a finished report of it, to be overwritten."""
    scenario = heavy_scenario(tmp_path / "heavy.toml")
    out = tmp_path / "report"
    assert cli.main(["run", str(scenario), "--draws", "500", "--out", str(out), "--quiet"]) == 0
    return scenario, out, snapshot(out)


# The child runs the real program with the engine's block function replaced by one that
# touches a marker file and then sleeps: the test signals only once the run is known to be
# inside the simulation, and the run cannot finish first, however loaded the machine is.
PAUSED_CHILD = """
import pathlib, sys, time
import auditor.model.engine as engine

MARKER = pathlib.Path(sys.argv[1])

def paused(*args, **kwargs):
    MARKER.touch()
    time.sleep(600)

engine._draw_block = paused
from auditor.cli import main
sys.argv = ["auditor"] + sys.argv[2:]
sys.exit(main())
"""


def signal_when_paused(argv: list[str], marker: Path, sig: int, *, group: bool = False) -> tuple[int, str]:
    """Run ``auditor argv`` in a child, send ``sig`` once the simulation has started; exit code and stderr."""
    proc = subprocess.Popen([sys.executable, "-c", PAUSED_CHILD, str(marker), *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=group,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    done = False
    try:
        deadline = time.monotonic() + 300  # a bound on a hang, not a timing assertion
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), f"the run never reached the simulation: {proc.communicate()[1]}"
        if group:  # as a terminal's Ctrl-C does: every process of the group, workers included
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
        done = True
    finally:
        # Never leave a paused process behind, whatever happened above. The group goes first:
        # a worker that outlived its parent holds the pipes open, so reading them would wait for it.
        if group:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        if not done:
            proc.kill()
            proc.communicate(timeout=60)
    return proc.returncode, err


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or sys.platform == "win32", reason="needs POSIX signals")
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (getattr(signal, "SIGTERM", 15), 143)])
def test_real_signal_mid_run_keeps_earlier_report(earlier_report, tmp_path, sig, code) -> None:
    scenario, out, before = earlier_report
    rc, err = signal_when_paused(["run", str(scenario), "--draws", "3000", "--out", str(out)],
                                 tmp_path / "started", sig)
    assert rc == code
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines == [f"auditor: interrupted before the report was complete; the earlier report in {out} "
                     "was left intact; no temporary folder was left behind"]
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_interrupt_while_writing_removes_temp_folder(earlier_report, monkeypatch, capsys) -> None:
    scenario, out, before = earlier_report
    from auditor.figures import audit as figures

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    # The second half of the write: summary.json is already in the temporary folder.
    monkeypatch.setattr(figures, "png_bytes", interrupted)
    capsys.readouterr()
    code = cli.main(["run", str(scenario), "--draws", "500", "--seed", "9", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 130
    assert err.strip().splitlines() == [
        f"auditor: interrupted before the report was complete; the earlier report in {out} was left intact; "
        "no temporary folder was left behind"]
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_interrupt_with_no_earlier_report_says_nothing_was_written(tmp_path, monkeypatch, capsys) -> None:
    from auditor.figures import audit as figures

    scenario = tmp_path / "s.toml"
    scenario.write_text(to_toml(base_scenario()), encoding="utf-8")
    out = tmp_path / "new"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(figures, "png_bytes", interrupted)
    assert cli.main(["run", str(scenario), "--out", str(out)]) == 130
    err = capsys.readouterr().err.strip()
    assert err == (f"auditor: interrupted before the report was complete; nothing was written to {out}; "
                   "no temporary folder was left behind")
    assert not out.exists()
    assert leftovers(out) == []


def test_failure_while_writing_keeps_earlier_report(earlier_report, monkeypatch, capsys) -> None:
    scenario, out, before = earlier_report
    from auditor.figures import audit as figures

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(figures, "png_bytes", broken)
    # A full disk is not a bug in auditor: one line, exit 2, the earlier report kept.
    assert cli.main(["run", str(scenario), "--draws", "500", "--out", str(out)]) == 2
    assert capsys.readouterr().err == (f"auditor: error: {out}: cannot write the output: No space left on device; "
                                       "the earlier output was left intact\n")
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_successful_run_replaces_report_and_cleans_up(earlier_report) -> None:
    scenario, out, before = earlier_report
    assert cli.main(["run", str(scenario), "--draws", "700", "--seed", "3", "--out", str(out), "--quiet"]) == 0
    after = snapshot(out)
    assert set(after) == set(before)
    assert after["summary.json"] != before["summary.json"]
    assert leftovers(out) == []


def test_interrupted_swap_restores_earlier_folder(tmp_path, monkeypatch) -> None:
    """If the second rename of the swap fails, the earlier folder is put back."""
    out = tmp_path / "out"
    with atomic_dir(out) as tmp:
        (tmp / "a.txt").write_text("earlier")
    real_rename = os.rename
    calls = {"n": 0}

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:  # the temporary folder → destination
            raise KeyboardInterrupt
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", flaky)
    with pytest.raises(KeyboardInterrupt):
        with atomic_dir(out) as tmp:
            (tmp / "a.txt").write_text("new")
    assert (out / "a.txt").read_text() == "earlier"
    assert leftovers(out) == []


def test_out_that_is_a_file_is_refused(tmp_path, capsys) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(to_toml(base_scenario()), encoding="utf-8")
    target = tmp_path / "taken"
    target.write_text("not a folder")
    assert cli.main(["run", str(scenario), "--out", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"auditor: error: {target}: exists and is not a folder; choose another --out"
    assert target.read_text() == "not a folder"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs POSIX process groups and fork")
@pytest.mark.parametrize("attempt", range(3))
def test_ctrl_c_during_a_parallel_batch_is_one_line(tmp_path, attempt) -> None:
    # Ctrl-C at a terminal signals the whole process group: the parent and both workers.
    # It printed a 23-line worker traceback in 1 of 8 runs; the workers now ignore SIGINT
    # and the parent stops them. The child's workers are forked, so they inherit the paused
    # engine; the signal goes only once a worker is inside the simulation.
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b", "c"):
        heavy_scenario(folder / f"{name}.toml")
    out = tmp_path / "batch"
    rc, err = signal_when_paused(["batch", str(folder), "--jobs", "2", "--draws", "2000", "--out", str(out)],
                                 tmp_path / "started", signal.SIGINT, group=True)
    assert rc == 130, err
    assert "Traceback" not in err and "Error" not in err, err
    assert err.strip().splitlines() == [
        "auditor: interrupted; folders finished before the interrupt were kept, and nothing half-written was left "
        "in place of an earlier one"], err
    # Nothing half-written: the workers were stopped inside the simulation, before any writing.
    if out.exists():
        assert not [p.name for p in out.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    assert leftovers(out) == []
