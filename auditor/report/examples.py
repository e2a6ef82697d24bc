"""Regenerate the example reports in ``reports/`` for every scenario in ``scenarios/``.

Run from the repository root::

    python -m auditor.report.examples            # every scenarios/*.toml → reports/<stem>/
    python -m auditor.report.examples --draws 20000

Each scenario runs with its own seed and draw count (unless ``--draws`` is
given) and writes every format except ``draws.csv.gz``: the draws are
reproducible from the seed and would make the repository large, so they are
never committed (``.gitignore`` also excludes them). The scenarios named in
:data:`WITH_SENSITIVITY` also get a sensitivity run, written to
``reports/<stem>-sensitivity/`` and shown in their ``report.html``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

__all__ = ["regenerate", "main", "EXAMPLE_FORMATS", "WITH_SENSITIVITY"]

EXAMPLE_FORMATS = ("md", "html", "pdf", "json")
WITH_SENSITIVITY = ("west-sussex-2023",)


def regenerate(scenarios: str | Path = "scenarios", reports: str | Path = "reports", *,
               draws: int | None = None) -> list[Path]:
    """Audit every ``*.toml`` in ``scenarios`` and write ``reports/<stem>/``; return the folders written."""
    from ..api import audit, sensitivity
    from . import write_outputs
    from .sensitivity import write_sensitivity

    written = []
    for path in sorted(Path(scenarios).glob("*.toml")):
        result = audit(str(path), draws=draws)
        sens = None
        if path.stem in WITH_SENSITIVITY:
            analysis = sensitivity(str(path))
            written.append(write_sensitivity(analysis, Path(reports) / f"{path.stem}-sensitivity"))
            sens = analysis.summary()
        written.append(write_outputs(result, Path(reports) / path.stem, EXAMPLE_FORMATS, sensitivity=sens))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """The ``python -m auditor.report.examples`` command; return the exit code (2 on bad input)."""
    from ..errors import AuditorError

    p = argparse.ArgumentParser(prog="python -m auditor.report.examples", description=__doc__.split("\n")[0])
    p.add_argument("--scenarios", default="scenarios", help="folder of scenario files (default: scenarios)")
    p.add_argument("--reports", default="reports", help="output folder (default: reports)")
    p.add_argument("--draws", type=int, help="draws for every scenario (default: each scenario's run.draws)")
    args = p.parse_args(argv)
    try:
        for out in regenerate(args.scenarios, args.reports, draws=args.draws):
            print(out)
    except AuditorError as exc:
        print(f"auditor: error: {exc.one_line()}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
