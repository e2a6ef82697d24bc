"""Where the time of ``auditor run`` goes, step by step, in one process and one core.

Run from the repository root::

    python bench/profile_run.py                 # every output, 100,000 draws of West Sussex
    python bench/profile_run.py --format json   # the summary-only run
    python bench/profile_run.py --repeat 3      # best of three (a fresh process each time)

Each step of ``auditor run`` is done one after the other, as
``auditor.report.write_outputs`` would do it without a second core, and timed
one by one; the imports each step triggers are timed as their own
rows, in the order they happen, so a step's row is its own work. Times are
CPU seconds of the process (``time.process_time``), which other work on a
shared machine disturbs far less than the wall clock. The table
is what ``bench/README.md`` quotes ("Where `auditor run` spends its time").
For a function-level view use ``python -m cProfile -s cumulative -m auditor run
...`` and, for imports, ``python -X importtime -m auditor run ...``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "west-sussex-2023.toml"


def _steps(formats: tuple[str, ...], out: Path) -> list[tuple[str, float]]:
    """Run ``auditor run``'s work step by step; return (step, seconds) in order."""
    rows: list[tuple[str, float]] = []
    t = time.process_time()

    def mark(name: str) -> None:
        nonlocal t
        now = time.process_time()
        rows.append((name, now - t))
        t = now

    import numpy  # noqa: F401
    mark("import numpy")
    from auditor import cli  # noqa: F401
    from auditor.api import audit
    from auditor.inputs.scenario import load_scenario
    mark("import auditor (cli, api, inputs)")
    scenario = load_scenario(str(SCENARIO.relative_to(ROOT)))
    mark("load scenario")
    result = audit(scenario, draws=100_000)
    mark("audit() incl. analyses and their imports")
    summary = result.summary()
    mark("summary()")
    from auditor.report.data import inputs_json
    from auditor.report.write import json_text
    (out / "summary.json").write_text(json_text(summary), encoding="utf-8")
    (out / "inputs.json").write_text(inputs_json(result), encoding="utf-8")
    mark("summary.json + inputs.json")
    if formats == ("json",):
        return rows
    import matplotlib
    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure  # noqa: F401
    from matplotlib.backends import backend_agg  # noqa: F401
    mark("import matplotlib (Figure, Agg)")
    from auditor.figures import audit as figures
    from auditor.figures.track import track_figure
    drawn = {}
    for name in ("ladder", "exceedance", "distribution", "reliability"):
        drawn[name] = getattr(figures, name)(result)
        mark(f"figure {name}: build")
        png = figures.png_bytes(drawn[name])
        mark(f"figure {name}: PNG")
    if (summary.get("track") or {}).get("status") == "ok":
        drawn["track"] = track_figure(summary["track"])
        mark("figure track: build")
        png = figures.png_bytes(drawn["track"])
        mark("figure track: PNG")
    del png
    from auditor.report.markdown import render_markdown
    render_markdown(result)
    mark("report.md text")
    import jinja2  # noqa: F401
    mark("import jinja2")
    svgs = {}
    for name in ("ladder", "exceedance", "distribution", "reliability", "track"):
        if name in drawn:  # report.html shows each figure report.md has
            svgs[id(drawn[name])] = figures.svg_text(drawn[name], f"fig-{name}", "")
            mark(f"figure {name}: SVG")
    from auditor.report.html import render_html
    real_svg = figures.svg_text
    # The SVGs were timed above: the page is timed without drawing them again.
    figures.svg_text = lambda fig, ident, title="": svgs.get(id(fig)) or real_svg(fig, ident, title)
    try:
        render_html(result, summary=summary, drawn=drawn)
    finally:
        figures.svg_text = real_svg
    mark("report.html without its figures")
    from auditor.report import brief
    fig = brief.brief_figure(result, summary)
    mark("brief.pdf: build page")
    from matplotlib.backends import backend_pdf  # noqa: F401
    import fontTools.subset  # noqa: F401
    mark("import backend_pdf, fontTools")
    from auditor.report.fonts import lean_font_subsets
    with matplotlib.rc_context({"pdf.fonttype": 42}), lean_font_subsets():
        fig.savefig(out / "brief.pdf", format="pdf", metadata={"CreationDate": None})
    mark("brief.pdf: save (fonts subset and embedded)")
    del fig
    from auditor.report.data import _draws_csv_pieces
    import zlib
    pieces = [p.encode() for p in _draws_csv_pieces(result)]
    mark("draws.csv.gz: format text")
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)
    for p in pieces:
        comp.compress(p)
    comp.flush()
    mark("draws.csv.gz: compress (level 1)")
    return rows


def _child(formats: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as d:
        start = time.process_time()
        rows = _steps(formats, Path(d))
        total = time.process_time() - start
    for name, s in rows:
        print(f"{name}\t{s:.4f}")
    print(f"total\t{total:.4f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--format", default="all", help="'all' (default) or 'json'")
    p.add_argument("--repeat", type=int, default=1, help="fresh processes; the best time of each step is shown")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    formats = ("json",) if args.format == "json" else ("all",)
    if args.child:
        _child(formats)
        return 0
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONPYCACHEPREFIX=str(Path(tempfile.gettempdir()) / "auditor-bench-pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiled bytecode kept, as bench/run.py does (see its _env)
    best: dict[str, float] = {}
    order: list[str] = []
    for i in range(args.repeat + 1):  # the first run, untimed, fills the bytecode cache
        # One core, as a loaded machine gives it: the steps' own costs, not their overlap.
        cmd = [sys.executable, __file__, "--child", "--format", args.format]
        if hasattr(os, "sched_setaffinity"):
            cmd = ["taskset", "-c", str(min(os.sched_getaffinity(0)))] + cmd
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, check=True).stdout
        if i == 0:
            continue
        for line in out.splitlines():
            name, s = line.rsplit("\t", 1)
            if name not in best:
                order.append(name)
            best[name] = min(best.get(name, float("inf")), float(s))
    total = best["total"]
    print(f"| step ({args.format}, best of {args.repeat}) | CPU s | share |\n|---|---|---|")
    for name in order:
        print(f"| {name} | {best[name]:.3f} | {best[name] / total:.0%} |")
    print(f"\nload average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
