"""``docs/example.ipynb`` runs as shipped.

The notebook's code cells are executed in order in one namespace, from the
``docs/`` folder as a reader would run them, without a Jupyter kernel (the
suite needs no nbclient): each cell is compiled, and a final expression is
evaluated and kept, as IPython shows it. The results are then checked against
values computed here independently of the notebook's code.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import auditor

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "example.ipynb"


def code_cells() -> list[str]:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    # Stored outputs would go stale as auditor changes; the reader runs the cells.
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in cells)
    return ["".join(c["source"]) for c in cells]


def run_cell(source: str, namespace: dict):
    """Run one cell; return the value of its last line when that is an expression (else None)."""
    assert not any(line.lstrip().startswith(("%", "!")) for line in source.splitlines()), "no IPython magics"
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)


@pytest.fixture
def executed(monkeypatch):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(ROOT / "docs")
    namespace: dict = {"__name__": "__main__"}
    shown = [run_cell(src, namespace) for src in code_cells()]
    yield namespace, shown
    plt.close("all")


def test_notebook_runs_and_its_numbers_are_right(executed):
    ns, shown = executed
    result = ns["result"]
    assert (result.seed, result.draws) == (2023, 4000)
    assert ns["summary"]["verdict"] in auditor.results.VERDICTS

    # The tidy table's quantiles of each stage are numpy's quantiles of the wide columns.
    stage_table = next(x for x in shown if isinstance(x, pd.DataFrame) and "full" in x.index)
    wide = result.to_frame()
    for stage in ("sampling", "judgement", "full"):
        expected = np.quantile(wide[f"savings_{stage}"], [0.05, 0.5, 0.95])
        assert np.allclose(stage_table.loc[stage].to_numpy(), expected, rtol=0, atol=1e-6)

    # The shares table covers every move the scenario's review saw.
    share_table = next(x for x in shown if isinstance(x, pd.DataFrame) and "mean" in x.columns)
    moves = [c for c in wide.columns if c.startswith("share[")]
    assert len(share_table) == len(moves)
    assert np.isclose(share_table.loc["share__state_special__mainstream", "mean"],
                      wide["share[state_special->mainstream]"].mean())

    # The report folder: what `auditor run --format md,json` writes.
    assert shown[-1] == [".auditor-output", "figures", "inputs.json", "report.md", "summary.json"]
    written = json.loads((ns["folder"] / "summary.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(result.summary()))
