"""The per-case exponential sums of a `reported` review (auditor.model.casesums) and the engine's block writes.

The kernels replaced straightforward code for speed; each test rebuilds the
straightforward computation and asks for the same bytes.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import auditor
from auditor.model import engine
from auditor.model.casesums import exponential_buffer, prefix_sums_at
from auditor.model.sample import case_sums_for, draw_compositions

WEST_SUSSEX = "scenarios/west-sussex-2023.toml"


def plain_sums(exps: np.ndarray, widths, counts, composition) -> np.ndarray:
    """Draw by draw, cell by cell: 0.0 plus the cell's first k exponentials, one at a time (Python floats)."""
    out = np.zeros((exps.shape[0], len(widths)))
    for d in range(exps.shape[0]):
        start = 0
        for c, w in enumerate(widths):
            total = 0.0
            for x in exps[d, start:start + int(counts[composition[d]][c])]:
                total += float(x)
            out[d, c] = total
            start += w
    return out


def cumsum_sums(exps: np.ndarray, widths, counts, composition) -> np.ndarray:
    """The engine's earlier code: ``np.cumsum`` over each cell's columns, then column k − 1 (0 where k = 0)."""
    k_all = np.take(counts, composition, axis=0).astype(np.intp)
    out = np.zeros((exps.shape[0], len(widths)))
    offset = 0
    for col, width in enumerate(widths):
        if width:
            sums = np.cumsum(exps[:, offset:offset + width], axis=1)
            k = k_all[:, col]
            picked = np.take_along_axis(sums, np.maximum(k - 1, 0)[:, None], axis=1)[:, 0]
            out[:, col] = np.where(k > 0, picked, 0.0)
            offset += width
    return out


@st.composite
def layouts(draw):
    """Cell widths, compositions with counts up to each width (every width reached), and a block of draws."""
    widths = draw(st.lists(st.integers(0, 7), min_size=1, max_size=6))
    n_comp = draw(st.integers(1, 5))
    counts = np.array([[draw(st.integers(0, w)) for w in widths] for _ in range(n_comp)], dtype=float)
    counts = np.vstack([counts, np.array(widths, dtype=float)])  # the widest composition
    size = draw(st.integers(1, 40))
    composition = np.array(draw(st.lists(st.integers(0, n_comp), min_size=size, max_size=size)))
    return widths, counts, composition, draw(st.integers(0, 2**32 - 1))


@given(layouts())
def test_prefix_sums_equal_plain_and_cumsum_sums(layout):
    widths, counts, composition, seed = layout
    size, n_exps = composition.size, sum(widths)
    exps = np.random.default_rng(seed).standard_exponential((size, n_exps))
    flat = exponential_buffer(size, n_exps)
    flat[:-1] = exps.ravel()
    got = prefix_sums_at(flat, size, np.array(widths), counts, composition)
    assert got.tobytes() == plain_sums(exps, widths, counts, composition).tobytes()
    assert got.tobytes() == cumsum_sums(exps, widths, counts, composition).tobytes()
    assert got.shape == (size, len(widths)) and got.flags.c_contiguous


@given(st.integers(1, 9000), st.integers(0, 2**32 - 1))
def test_case_sums_draw_the_same_exponentials(size, seed):
    # ``standard_exponential(out=...)`` on the flat buffer gives the variates of a
    # ``(size, n)`` call, in the same order: West Sussex's block, any size.
    design = engine.build_model(auditor.load_scenario(WEST_SUSSEX)).design
    comp = draw_compositions(design, np.random.default_rng(seed + 1), size)
    widths = design.compositions.max(axis=0).astype(np.intp)
    exps = np.random.default_rng(seed).standard_exponential((size, int(widths.sum())))
    got = case_sums_for(design, comp, np.random.default_rng(seed), size)
    assert got.tobytes() == cumsum_sums(exps, widths.tolist(), design.compositions, comp).tobytes()


def old_pooled_move_totals(plan, u, n_groups, composition):
    """The ``pooled`` prior's move-total sums as first written: ``-log1p(-u)``, cumsum, pick."""
    multi_rows = np.flatnonzero(plan.multi)
    moved = plan.moved[composition][:, multi_rows]
    widths = plan.moved[:, multi_rows].max(axis=0).astype(np.intp)
    exps = -np.log1p(-u[:, n_groups:])
    out = np.zeros((u.shape[0], multi_rows.size))
    offset = 0
    for j, width in enumerate(widths.tolist()):
        if width:
            sums = np.cumsum(exps[:, offset:offset + width], axis=1)
            k = moved[:, j].astype(np.intp)
            picked = np.take_along_axis(sums, np.maximum(k - 1, 0)[:, None], axis=1)[:, 0]
            out[:, j] += np.where(k > 0, picked, 0.0)
            offset += width
    return out


@pytest.mark.parametrize("size", [1, 5, 8192])
def test_pooled_move_totals_equal_the_first_code(size):
    from auditor.model.pooling import pooled_gammas

    model = engine.build_model(auditor.load_scenario(WEST_SUSSEX, overrides={"sample.prior": "pooled"}))
    d = model.design
    plan = d.pool
    assert plan.extra > 0  # the independent special row has several moves: there are move totals
    comp = draw_compositions(d, np.random.default_rng(1), size)
    sums = case_sums_for(d, comp, np.random.default_rng(2), size)
    got = pooled_gammas(plan, d.alpha, d.prior_alpha, np.random.default_rng(3), np.random.default_rng(4), size,
                        comp, d.compositions, sums)
    # Rebuild: the same gammas from the same streams, plus the sums written the first way.
    n_groups = plan.mu.shape[0]
    multi_rows = np.flatnonzero(plan.multi)
    widths = plan.moved[:, multi_rows].max(axis=0).astype(np.intp)
    u = np.random.default_rng(4).random((size, n_groups + int(widths.sum())))
    from auditor.model.pooling import _pick, _shapes

    add_move, add_stay = _pick(plan, u[:, :n_groups], comp)
    gammas = np.random.default_rng(3).standard_gamma(_shapes(plan, d.prior_alpha, add_move, add_stay,
                                                             plan.a_move[multi_rows]))
    gammas[:, :d.n_cells] += sums
    gammas[:, d.n_cells:] += old_pooled_move_totals(plan, u, n_groups, comp)
    assert got.tobytes() == gammas.tobytes()


VARIANTS = [
    None,
    {"implementation.realisation": {"dist": "pert", "low": 0.5, "mode": 0.8, "high": 1.0}},
    {"judgement.model": "fixed", "judgement.theta": {"dist": "beta", "a": 8, "b": 2},
     "sample.selection_bias": {"dist": "uniform", "low": 1, "high": 2},
     "implementation.delivered": {"dist": "uniform", "low": 0.5, "high": 1},
     "implementation.failed_move_cost": {"dist": "uniform", "low": 1000, "high": 5000}, "costs.correlation": 0.5},
]


@pytest.mark.parametrize("path, overrides", [(WEST_SUSSEX, v) for v in VARIANTS]
                         + [("scenarios/west-sussex-2023-cases.toml", None)],
                         ids=["published", "realisation", "levers", "counts known"])
def test_run_arrays_equal_the_blocks_own_arrays(path, overrides):
    # simulate() writes each block's kept inputs straight into the run's arrays and
    # reuses the sampler's scratch buffers from block to block (a last block of
    # another size included); a block drawn on its own returns fresh arrays. Same
    # names, same order, same bytes, including the columns filled with a constant.
    model = engine.build_model(auditor.load_scenario(path, overrides=overrides))
    size = engine.BLOCK_SIZE + 100
    run = engine.simulate(model, draws=size, seed=9)
    blocks = [engine.simulate_block(model, 9, 0, engine.BLOCK_SIZE), engine.simulate_block(model, 9, 1, 100)]
    stage_first = {k: blocks[0][k] for k in engine.STAGES[1:]}
    assert list(run)[:3] == list(stage_first)
    assert [k for k in run if k not in stage_first] == [k for k in blocks[0] if k not in stage_first]
    for k in run:
        assert run[k].tobytes() == np.concatenate([b[k] for b in blocks]).tobytes(), k
