"""Figures: legible on a phone, scales that fit the data, no blank rows, legends off the lines they explain."""

from __future__ import annotations

import types

import numpy as np
import pytest

import auditor
from auditor.figures import audit as figures
from auditor.figures import sensitivity as sens_figures


@pytest.fixture(scope="module")
def result():
    return auditor.audit("scenarios/west-sussex-2023.toml", draws=1000, seed=2)


@pytest.mark.parametrize("name", ["ladder", "exceedance", "distribution", "reliability"])
def test_report_figures_are_drawn_for_a_phone(result, name):
    from matplotlib.text import Text

    ax = getattr(figures, name)(result)
    fig = ax.figure
    width_pt = fig.get_figwidth() * 72
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]
    sizes += [t.get_fontsize() for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
    # Shown 366 CSS px wide on a 390 px phone: every word at least 10 px there.
    assert min(sizes) * 366 / width_pt >= 10


def test_svg_keeps_text_and_unique_ids(result):
    a = figures.svg_text(figures.ladder(result), "one", "Ladder")
    b = figures.svg_text(figures.ladder(result), "two", "Ladder")
    assert a.count("<text") >= 5 and "<path id=\"one-" not in b
    assert a == figures.svg_text(figures.ladder(result), "one", "Ladder")  # same drawing, same bytes
    assert "Date" not in a and "<metadata" not in a


def _sensitivity(grid=None, rows=None, base=30e6):
    sc = auditor.load_scenario("scenarios/west-sussex-2023.toml")
    return types.SimpleNamespace(grid=grid, tornado=rows or [], tornado_base=base, scenario=sc)


def test_tornado_names_inputs_with_no_effect():
    rows = [{"label": "Cost: A", "at_low": 28e6, "at_high": 33e6}, {"label": "Take-up", "at_low": 30e6, "at_high": 30e6}]
    ax = sens_figures.tornado(_sensitivity(rows=rows))
    assert [t.get_text() for t in ax.texts] == ["no effect"]
    bars = [p for p in ax.patches if p.get_width() != 0]
    assert len(bars) == 2  # the effective row's two halves; none for the row with no effect


def test_grid_colour_scale_follows_the_data():
    p = np.linspace(0.05, 0.45, 9).reshape(3, 3)
    grid = {"theta": [0.5, 0.75, 1.0], "realisation": [0.5, 0.75, 1.0], "p_meets_low": p.tolist(),
            "median": (p * 40e6).tolist(), "published": {"theta": 1.0, "realisation": 1.0},
            "scenario": {"theta": 1.0, "realisation": 1.0}}
    ax = sens_figures.grid(_sensitivity(grid=grid))
    lo, hi = ax.images[0].get_clim()
    assert (lo, hi) == pytest.approx((0.05, 0.45))
    bar_label = ax.figure.axes[-1].get_ylabel()
    assert "5% to 45%" in bar_label


def test_sweep_legend_sits_beside_the_plot():
    import pandas as pd

    from auditor.scripted import sweep_figure

    sc = auditor.load_scenario("scenarios/west-sussex-2023.toml")
    frame = pd.DataFrame({"x": [0.2, 0.6, 1.0], "savings_median": [10e6, 30e6, 46e6],
                          "savings_p05": [5e6, 20e6, 40e6], "savings_p95": [15e6, 40e6, 50e6]})
    ax = sweep_figure(frame, ["x"], claim=sc.claim)
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    plot = ax.get_window_extent()
    assert legend.x0 >= plot.x1  # entirely to the right of the axes: it covers no line
