"""The speed-ups of the report outputs leave their content unchanged."""

from __future__ import annotations

import gzip
import io

import numpy as np

import auditor
from auditor.report import data
from auditor.report.fonts import LAYOUT_TABLES, lean_font_subsets


def test_draws_text_equals_numpy_savetxt(monkeypatch):
    # The one-format-per-piece text must be exactly np.savetxt's, over more than one piece
    # and with values that exercise %.12g's exponent and sign forms.
    monkeypatch.setattr(data, "ROWS_PER_PIECE", 700)
    r = auditor.audit("scenarios/west-sussex-2023.toml", draws=1500, seed=4)
    r.stages["full"][:4] = [-1.5e-300, 1e21, -0.0, 123456789012345.0]
    text = data.draws_csv_bytes(r).decode()
    cols = data._draws_columns(r)
    buf = io.StringIO()
    np.savetxt(buf, np.column_stack([np.asarray(c, dtype=float) for c in cols.values()]), fmt="%.12g",
               delimiter=",", newline="\n")
    assert text.split("\n", 1)[1] == buf.getvalue()


def test_draws_file_is_the_gzip_of_the_text(tmp_path, monkeypatch):
    # Compression on a second thread must give the pieces in order to one compressor.
    monkeypatch.setattr(data, "ROWS_PER_PIECE", 300)
    r = auditor.audit("scenarios/west-sussex-2023.toml", draws=2000, seed=5)
    path = data.write_draws_csv_gz(r, tmp_path / "draws.csv.gz")
    assert gzip.decompress(path.read_bytes()) == data.draws_csv_bytes(r)


def test_lean_font_subsets_drop_only_layout_tables_and_restore():
    from fontTools import subset
    from matplotlib import font_manager
    from matplotlib.backends import _backend_pdf_ps
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont("DejaVu Sans")
    font = FT2Font(path)
    glyphs = {font.get_char_index(ord(c)) for c in "Savings £17.8m"}
    original = subset.load_font
    with lean_font_subsets():
        with _backend_pdf_ps.get_glyphs_subset(font_manager.FontPath(path, 0)
                                               if hasattr(font_manager, "FontPath") else path, glyphs) as lean:
            tables = set(lean.font.keys())
    assert subset.load_font is original
    assert not tables & set(LAYOUT_TABLES)
    assert {"glyf", "hmtx", "cmap", "loca"} <= tables


def _tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_parallel_outputs_are_the_same_files(tmp_path):
    # The brief and the draws file written by a forked child (where the machine allows)
    # must be the bytes the parent writes alone.
    r = auditor.audit("scenarios/west-sussex-2023.toml", draws=3000, seed=6)
    from auditor.report import write_outputs

    a = write_outputs(r, tmp_path / "a", ("json", "pdf", "draws"), parallel=True)
    b = write_outputs(r, tmp_path / "b", ("json", "pdf", "draws"), parallel=False)
    assert _tree(a) == _tree(b)
    assert {"brief.pdf", "draws.csv.gz", "summary.json"} <= set(_tree(a))


def test_a_failing_side_job_raises_in_the_parent_and_leaves_nothing(tmp_path, monkeypatch):
    # A job that fails in the child is run again by the parent, so its error surfaces there;
    # the report folder is not created (atomic writing).
    import pytest

    import auditor.report.brief as brief
    from auditor.report import write_outputs

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(brief, "write_brief", broken)
    r = auditor.audit("scenarios/west-sussex-2023.toml", draws=500, seed=6)
    with pytest.raises(OSError, match="disk full"):
        write_outputs(r, tmp_path / "out", ("json", "pdf"), parallel=True)
    assert not (tmp_path / "out").exists()


def test_pending_jobs_run_in_the_parent_without_a_child():
    from auditor.report.parallel import start

    done = []
    p = start([lambda: done.append("a"), lambda: done.append("b")], parallel=False)
    assert done == []
    p.finish()
    p.cancel()
    assert done == ["a", "b"]


def test_batch_writes_only_the_chosen_formats(tmp_path):
    from auditor.scripted import batch

    frame = batch(["scenarios/west-sussex-2023.toml"], out=tmp_path / "b", draws=800, seed=2,
                  formats=["json", "pdf"])
    assert frame["error"].isna().all()
    assert set(_tree(tmp_path / "b" / "west-sussex-2023")) == {".auditor-output", "summary.json", "inputs.json",
                                                                "brief.pdf"}



def test_summary_only_run_never_imports_matplotlib(tmp_path):
    # `auditor run --format json` writes no figure, so it must not pay for importing matplotlib.
    import subprocess
    import sys

    code = ("import sys\nfrom auditor.cli import main\n"
            f"code = main(['run', 'scenarios/west-sussex-2023.toml', '--draws', '500', '--quiet', '--format', 'json', "
            f"'--out', {str(tmp_path / 'out')!r}])\n"
            "sys.exit(10 + code if 'matplotlib' in sys.modules else code)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "summary.json").is_file()


def test_a_figure_is_laid_out_once_and_the_png_is_unchanged():
    # fix_layout runs the constrained layout as a PNG's own save does, so the PNG is the bytes of a plain
    # savefig, and the SVG is the same whether or not the PNG was written first.
    from auditor.figures import audit as figures
    from auditor.figures.track import track_figure

    r = auditor.audit("scenarios/west-sussex-2023.toml", draws=2000, seed=7)
    track = r.summary()["track"]
    assert track["status"] == "ok"
    for draw in (lambda: figures.ladder(r).figure, lambda: track_figure(track)):
        plain = io.BytesIO()
        draw().savefig(plain, format="png", metadata={"Software": None})
        fig = draw()
        assert figures.png_bytes(fig) == plain.getvalue()
        assert fig.get_layout_engine().__class__.__name__ == "PlaceHolderLayoutEngine"
        assert figures.svg_text(fig, "f") == figures.svg_text(draw(), "f")


def test_every_format_is_the_same_bytes_with_or_without_the_child(tmp_path):
    # The split of the work between the parent and a forked child must not show in any file.
    from auditor.report import FORMATS, write_outputs

    r = auditor.audit("scenarios/west-sussex-2023.toml", draws=3000, seed=8)
    a = write_outputs(r, tmp_path / "a", FORMATS, parallel=True)
    b = write_outputs(r, tmp_path / "b", FORMATS, parallel=False)
    assert _tree(a) == _tree(b)
    assert {"brief.pdf", "draws.csv.gz", "report.html", "report.md", "figures/track.png",
            "figures/reliability.png"} <= set(_tree(a))
    # report.md alone leaves its reliability figure to the child.
    c = write_outputs(r, tmp_path / "c", ("md", "pdf"), parallel=True)
    d = write_outputs(r, tmp_path / "d", ("md", "pdf"), parallel=False)
    assert _tree(c) == _tree(d) and "figures/reliability.png" in _tree(c)


def _fails_in_a_child(real, how):
    """``real``, except in a process other than this one, where it fails as ``how`` says."""
    import os
    import signal

    parent = os.getpid()

    def job(*args, **kwargs):
        if os.getpid() != parent:
            if how == "killed":
                os.kill(os.getpid(), signal.SIGKILL)
            raise OSError("only the child fails")
        return real(*args, **kwargs)

    return job


def test_a_child_that_fails_or_is_killed_leaves_complete_files(tmp_path, monkeypatch):
    # The parent redoes the jobs of a child that failed or died, so every file is whole:
    # the same bytes as a run without a child.
    import pytest

    import auditor.report.brief as brief
    import auditor.report.data as data
    from auditor.report import write_outputs
    from auditor.report.parallel import can_fork

    if not can_fork():
        pytest.skip("no second core here: nothing runs in a child")
    r = auditor.audit("scenarios/west-sussex-2023.toml", draws=2000, seed=9)
    plain = write_outputs(r, tmp_path / "plain", ("json", "pdf", "draws"), parallel=False)
    for how in ("raises", "killed"):
        monkeypatch.setattr(brief, "write_brief", _fails_in_a_child(brief.write_brief, how))
        monkeypatch.setattr(data, "write_draws_csv_gz", _fails_in_a_child(data.write_draws_csv_gz, how))
        out = write_outputs(r, tmp_path / how, ("json", "pdf", "draws"), parallel=True)
        assert _tree(out) == _tree(plain)
        monkeypatch.undo()


def test_a_failing_side_job_is_one_line_and_exit_2_from_the_cli(tmp_path, monkeypatch, capsys):
    # A write that fails (here: the disk fills while the brief is written, in the child and again in the
    # parent) reaches the user as one line, exit 2, and no report folder.
    import errno

    import auditor.report.brief as brief
    from auditor.cli import main

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(brief, "write_brief", full)
    out = tmp_path / "out"
    code = main(["run", "scenarios/west-sussex-2023.toml", "--draws", "500", "--quiet", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("auditor: error: ") and "No space left on device" in err[0], err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary folder left either
