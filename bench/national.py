"""A national batch: every council in DfE's caseload, one template claim, timed.

Run from the repository root::

    python bench/national.py                       # --jobs 2 and a dask LocalCluster, 100,000 draws
    python bench/national.py --draws 20000 --only jobs
    python bench/national.py --scheduler tcp://host:8786   # an existing dask cluster (see docs/scaling.md)

Each council's scenario is ``auditor new --council`` (its DfE cohorts for the
latest packaged January, the template's sourced costs and example 28-case
review) with its placeholders filled by one template claim: £2m to £4m a
year, judgement at face value, realisation 1. The figures are a benchmark
load, not audits of those councils: no council published this claim. Every
scenario writes ``summary.json``, ``inputs.json`` and ``brief.pdf``
(``--format json,pdf``). Councils without a caseload in that January (merged
or abolished authorities) are left out. The goal (issue 18) is the whole
batch in at most two minutes on two cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

#: The template claim every council's scenario is given (a benchmark load only).
FILL = {
    '"FILL IN: the published low end"': '"£2m"',
    '"FILL IN: the published high end"': '"£4m"',
    '"FILL IN: where the claim was published (web address)"':
        '"benchmark: one template claim for every council (bench/national.py); not a published claim"',
    '"FILL IN: where the review\'s numbers came from (web address)"':
        '"benchmark: the template\'s example 28-case review"',
    '"FILL IN: one of face_value, fixed, scrutinised, contest or selection"': '"face_value"',
    '"FILL IN: why you chose this realisation"': '"benchmark: every judged move happens"',
}
FORMATS = ("json", "pdf")


def write_scenarios(folder: Path, year: int | None = None) -> list[Path]:
    """One filled-in scenario per council with a caseload in ``year`` (default: the latest packaged)."""
    from auditor.errors import AuditorError
    from auditor.inputs.councils import councils
    from auditor.inputs.templates import PLACEHOLDER, render_template

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for c in councils():
        try:
            text = render_template("stock", f"{c.old_code}.toml", council=c.old_code, year=year)
        except AuditorError:  # no caseload that January (a merged or abolished council)
            continue
        for placeholder, value in FILL.items():
            text = text.replace(placeholder, value)
        if f'= "{PLACEHOLDER}' in text:  # the template gained a field: fill it in above
            raise RuntimeError(f"{c.name}: a placeholder is left unfilled; update FILL in bench/national.py")
        path = folder / f"{c.old_code}.toml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def run_batch(paths: list[Path], out: Path, *, draws: int, jobs: int = 1, executor=None) -> float:
    """Wall seconds of one ``auditor.batch`` over ``paths`` (summary and brief); raises if any failed."""
    from auditor.scripted import batch

    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    frame = batch([str(p) for p in paths], out=out, draws=draws, jobs=jobs, executor=executor,
                  progress=False, formats=FORMATS)
    wall = time.perf_counter() - t
    failed = frame["error"].dropna()
    if len(failed):
        raise RuntimeError(f"{len(failed)} scenarios failed, first: {failed.iloc[0]}")
    return wall


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--draws", type=int, default=100_000)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--only", choices=("jobs", "dask"), help="one of the two ways only")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the dask part on an existing cluster (its scheduler's address) instead of a LocalCluster")
    args = p.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="auditor-national-") as d:
        tmp = Path(d)
        t = time.perf_counter()
        paths = write_scenarios(tmp / "scenarios")
        print(f"{len(paths)} scenarios written in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        if args.only in (None, "jobs"):
            ts = [run_batch(paths, tmp / "out", draws=args.draws, jobs=args.jobs) for _ in range(args.repeats)]
            rows.append((f"batch --jobs {args.jobs}", ts))
        if args.only in (None, "dask"):
            from distributed import Client, LocalCluster

            if args.scheduler:
                client, cluster = Client(args.scheduler), None
            else:
                # One single-threaded worker process per core: the audits are CPU-bound Python.
                cluster = LocalCluster(n_workers=args.jobs, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
                client = Client(cluster)
            try:
                ts = [run_batch(paths, tmp / "out", draws=args.draws, executor=client.get_executor())
                      for _ in range(args.repeats)]
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
            rows.append(("dask " + (args.scheduler or f"LocalCluster({args.jobs} workers)"), ts))
    print(f"{len(paths)} councils x {args.draws:,} draws, formats {','.join(FORMATS)}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    for name, ts in rows:
        print(f"{name:<36} best {min(ts):7.1f} s  median {statistics.median(ts):7.1f} s  ({len(ts)} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
