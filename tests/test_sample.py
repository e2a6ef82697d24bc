"""The case review (auditor.inputs.sample, auditor.model.sample): reading cases, the design, and resampling."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from auditor.errors import DataError
from auditor.inputs.sample import CaseSample, canonical_key, read_cases
from auditor.model.sample import build_design, draw_shares

SETTINGS = {"a": "a", "b": "b", "state_special": "state_special"}


def design(counts, method="bayes", prior=0.5, settings=("a", "b", "c")):
    return build_design(settings, CaseSample("transitions", method, prior, tuple(counts)))


# ---- reading a cases CSV ------------------------------------------------------------

def write(tmp_path: Path, content: str | bytes, name: str = "cases.csv") -> Path:
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8", newline="")
    return p


def test_reads_bom_crlf_blank_lines_and_names(tmp_path):
    text = "\ufeffCase_ID, Current ,Ideal,reason\r\n1,A,b,placement\r\n\r\n2, State-Special ,state special,\r\n"
    cases = read_cases(write(tmp_path, text), SETTINGS)
    assert [(c.case_id, c.current, c.ideal, c.reason, c.line) for c in cases] == [
        ("1", "a", "b", "placement", 2), ("2", "state_special", "state_special", None, 4)]


CSV_ERRORS = [
    # (file content, line, field, message regex)
    ("", None, None, r"is empty; it needs a header case_id,current,ideal\[,reason\] and one row per case"),
    ("\n\n", None, None, r"is empty"),
    ("case_id,current\n1,a\n", 1, "ideal",
     r"missing column 'ideal'; the header must have case_id,current,ideal\[,reason\], got case_id,current"),
    ("case_id,current,ideal,age\n1,a,b,7\n", 1, "age", r"unknown column 'age'; allowed: case_id, current, ideal"),
    ("case_id,current,ideal\n", None, None, r"has a header but no cases"),
    ("case_id,current,ideal\n1,a,b,extra\n", 2, None, r"has 4 fields, the header has 3"),
    ("case_id,current,ideal\n1,a,b\n,a,b\n", 3, "case_id", r"is empty; every case needs an id"),
    ("case_id,current,ideal\n1,a,b\n1,a,a\n", 3, "case_id", r"duplicate case id '1' \(first on line 2\)"),
    ("case_id,current,ideal\n1,x,b\n", 2, "current", r"unknown setting 'x'; declared settings: a, b, state_special"),
    ("case_id,current,ideal\n1,a,\n", 2, "ideal", r"unknown setting ''; declared settings"),
    (b"case_id,current,ideal\n1,a,b\n2,\xa3,b\n", 3, None, r"is not UTF-8 text \(byte 30\); save it as UTF-8 CSV"),
]


@pytest.mark.parametrize("content, line, field, message", CSV_ERRORS, ids=[c[3][:40] for c in CSV_ERRORS])
def test_every_csv_error(tmp_path, content, line, field, message):
    p = write(tmp_path, content)
    with pytest.raises(DataError) as info:
        read_cases(p, SETTINGS, shown="cases.csv")
    err = info.value
    assert re.search(message, err.message), err.message
    assert (err.path, err.line, err.field) == ("cases.csv", line, field)


def test_missing_and_folder(tmp_path):
    with pytest.raises(DataError, match=r"file not found \(the path is relative to the scenario file\)"):
        read_cases(tmp_path / "none.csv", SETTINGS)
    with pytest.raises(DataError, match=r"is a folder; `sample.cases` must name a CSV file"):
        read_cases(tmp_path, SETTINGS)


@given(st.text(alphabet=" -_aAbB", min_size=1, max_size=12))
def test_canonical_key_is_idempotent(name):
    once = canonical_key(name)
    assert canonical_key(once) == once
    assert " " not in once and "-" not in once and once == once.lower()


# ---- the design ---------------------------------------------------------------------

def test_design_cells_are_observed_destinations_plus_stay():
    # Row a: 3 stay, 6 → b (c never observed from a, so it is a structural zero).
    # Row b: 2 stay, 1 → c. Row c: all stay, so it contributes nothing and is dropped.
    d = design([("a", "a", 3), ("a", "b", 6), ("b", "b", 2), ("b", "c", 1), ("c", "c", 4)])
    assert d.moves == ((0, 1), (1, 2))
    assert d.alpha.tolist() == [3.5, 6.5, 2.5, 1.5]
    assert d.row_starts.tolist() == [0, 2]
    assert d.move_cols.tolist() == [1, 3]
    assert d.row_n.tolist() == [9, 3]
    assert d.observed_shares.tolist() == [6 / 9, 1 / 3]


def test_row_with_no_moves_is_dropped():
    d = design([("a", "a", 5), ("b", "b", 2), ("b", "a", 1)])
    assert d.moves == ((1, 0),)
    assert draw_shares(design([("a", "a", 5)]), "bayes", np.random.default_rng(0), 4).shape == (4, 0)


def test_all_moved_row_keeps_a_stay_cell():
    # 5 of 5 moved: the stay cell still has Jeffreys mass ½, so the share is Beta(5.5, 0.5), not 1.
    d = design([("a", "b", 5)])
    assert d.alpha.tolist() == [0.5, 5.5]
    x = draw_shares(d, "bayes", np.random.default_rng(1), 50_000)[:, 0]
    ref = stats.beta(5.5, 0.5)
    assert np.quantile(x, 0.05) < 0.9 < np.quantile(x, 0.95)
    assert abs(x.mean() - ref.mean()) < 5 * ref.std() / math.sqrt(x.size)


def test_bootstrap_gives_zero_width_for_all_moved_row():
    # A row in which every case moved is redrawn as 5 of 5 every time: the bootstrap
    # cannot see uncertainty a small sample plainly has, which is why bayes is the default.
    d = design([("a", "b", 5)], method="bootstrap")
    x = draw_shares(d, "bootstrap", np.random.default_rng(1), 1000)
    assert np.all(x == 1.0)


def test_bootstrap_matches_binomial():
    # 6 of 9 moved: the redrawn count is Binomial(9, 2/3); compare its mean and variance.
    d = design([("a", "a", 3), ("a", "b", 6)], method="bootstrap")
    x = draw_shares(d, "bootstrap", np.random.default_rng(2), 100_000)[:, 0] * 9
    assert set(np.unique(x)).issubset(set(range(10)))
    ref = stats.binom(9, 2 / 3)
    assert abs(x.mean() - ref.mean()) < 5 * ref.std() / math.sqrt(x.size)
    assert x.var() == pytest.approx(ref.var(), rel=0.03)   # sd of a sample variance ≈ var·sqrt(2/n)·… ≈ 0.5%


def test_dirichlet_marginals_match_beta():
    # Row a: 2 stay, 3 → b, 1 → c. Under Dirichlet(2.5, 3.5, 1.5) the share a→b is Beta(3.5, 4).
    d = design([("a", "a", 2), ("a", "b", 3), ("a", "c", 1)])
    x = draw_shares(d, "bayes", np.random.default_rng(3), 100_000)
    assert stats.kstest(x[:20_000, 0], stats.beta(3.5, 4.0).cdf).pvalue > 1e-3
    assert stats.kstest(x[:20_000, 1], stats.beta(1.5, 6.0).cdf).pvalue > 1e-3
    assert np.all(x.sum(axis=1) <= 1.0)


@given(st.integers(1, 200), st.integers(0, 200), st.integers(0, 2**32), st.sampled_from(["bayes", "bootstrap"]))
def test_draw_shares_prefix(m, extra, seed, method):
    d = design([("a", "a", 2), ("a", "b", 3), ("b", "c", 1), ("b", "b", 1)], method=method)
    short = draw_shares(d, method, np.random.default_rng(seed), m)
    long = draw_shares(d, method, np.random.default_rng(seed), m + extra)
    np.testing.assert_array_equal(short, long[:m])


@pytest.mark.parametrize("width", range(2, 11))
def test_dirichlet_rows_of_any_width_match_reduceat(width):
    # _dirichlet_shares adds short rows column by column; the bytes must be those of
    # np.add.reduceat + fancy indexing for every row width (9 and 10 cells keep
    # numpy's own sum of the rest).
    from auditor.model.sample import _dirichlet_shares

    keys = tuple(f"s{i}" for i in range(width))
    counts = [("s0", "s0", 2)] + [("s0", f"s{d}", d) for d in range(1, width)] + [("s1", "s1", 1), ("s1", "s0", 2)]
    design = build_design(keys, CaseSample("transitions", "bayes", 0.5, tuple(counts)))
    gammas = np.random.default_rng(width).standard_gamma(design.alpha, size=(3_000, design.n_cells))
    totals = np.add.reduceat(gammas, design.row_starts, axis=1)
    reference = gammas[:, design.move_cols] / totals[:, design.row_of_move]
    assert _dirichlet_shares(design, gammas).tobytes(order="F") == reference.tobytes(order="F")


def _former_bootstrap(d, rng, size):
    # draw_shares' bootstrap as written before two-cell rows were drawn as binomials:
    # one multinomial call for all rows (the reference the binomial path must equal).
    n_rows = len(d.row_counts)
    width_max = max(c.size for c in d.row_counts)
    pvals = np.zeros((n_rows, width_max))
    for i, (n, counts) in enumerate(zip(d.row_n, d.row_counts)):
        pvals[i, :counts.size] = counts / n
    redrawn = rng.multinomial(d.row_n, pvals, size=(size, n_rows))
    out = np.empty((size, len(d.moves)))
    col = 0
    for i, (n, counts) in enumerate(zip(d.row_n, d.row_counts)):
        width = counts.size - 1
        out[:, col:col + width] = redrawn[:, i, 1:counts.size] / n
        col += width
    return out


def _assert_same_bootstrap(d, seed, size):
    new = draw_shares(d, "bootstrap", np.random.default_rng(seed), size)
    old = _former_bootstrap(d, np.random.default_rng(seed), size)
    assert new.tobytes() == old.tobytes() and new.flags.c_contiguous, (d.row_n, d.row_counts, seed)


def test_two_cell_bootstrap_equals_multinomial_one_row():
    # Every (stayed, moved) split of n = 1…40 cases, plus large rows that take
    # numpy's BTPE branch (n·min(p, 1 − p) > 30) on either side of p = ½: 900+
    # rows, each with its own seed, each checked byte for byte.
    cases = [(n, stay) for n in range(1, 41) for stay in range(n)]
    cases += [(n, stay) for n in (61, 200, 1_001, 5_000) for stay in (0, 1, n // 7, n // 2, n - n // 3, n - 2, n - 1)]
    for k, (n, stay) in enumerate(cases):
        counts = ((("a", "a", stay),) if stay else ()) + (("a", "b", n - stay),)
        d = design(list(counts), method="bootstrap")
        _assert_same_bootstrap(d, 1_000 + k, 300)


@given(st.lists(st.tuples(st.integers(0, 300), st.integers(1, 300)), min_size=2, max_size=5),
       st.integers(0, 2**32), st.integers(1, 400))
def test_two_cell_bootstrap_equals_multinomial_many_rows(rows, seed, size):
    # Several (stay, one move) rows in one call: numpy fills draw after draw, rows
    # within a draw, in both calls.
    keys = tuple(f"s{i}" for i in range(len(rows) + 1))
    counts = []
    for i, (stay, moved) in enumerate(rows):
        if stay:
            counts.append((keys[i], keys[i], stay))
        counts.append((keys[i], keys[i + 1], moved))
    d = build_design(keys, CaseSample("transitions", "bootstrap", 0.5, tuple(counts)))
    assert max(c.size for c in d.row_counts) == 2
    _assert_same_bootstrap(d, seed, size)


def test_wider_rows_keep_the_multinomial():
    # A design with one three-cell row still draws every row from the multinomial.
    d = design([("a", "a", 2), ("a", "b", 3), ("a", "c", 1), ("b", "b", 4), ("b", "a", 2)], method="bootstrap")
    assert max(c.size for c in d.row_counts) == 3
    _assert_same_bootstrap(d, 5, 2_000)
