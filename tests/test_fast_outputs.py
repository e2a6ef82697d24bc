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
