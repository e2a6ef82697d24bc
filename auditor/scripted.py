"""Scripted runs: many scenarios at once (:func:`batch`) or one scenario over a grid (:func:`sweep`).

Both return a :class:`pandas.DataFrame` with one row per task and can write
their outputs to a folder. Both run their tasks in order on the calling
process, in a pool of ``jobs`` worker processes, or on any
:class:`concurrent.futures.Executor` passed in (a thread pool, a process
pool, a ``dask.distributed`` client's ``get_executor()``).

Reproducibility. A task's seed never depends on which worker runs it or
when: in a batch each scenario uses the seed ``auditor run`` would use (the
``seed`` argument, else the scenario's ``run.seed``; a scenario with neither
gets a fresh seed recorded in its ``summary.json``). In a sweep *every grid
point uses the same seed*. The engine keys each random stream by block and
source, so two grid points that differ in one input share every other
source's draws (common random numbers): the differences along the sweep are
the effect of the varied input, not Monte Carlo noise, and the curves come
out smooth. Results are collected in task order, so the outputs are the same
bytes for any number of workers.

The module is called ``scripted`` rather than ``batch`` because importing a
submodule binds its name on the package: ``auditor.batch`` would then be this
module, not the function.

Tasks are sent to workers as plain data (a path and a dict of overrides), not
as loaded scenarios, so they pickle to any executor.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from .api import _mapping_iv, _run_iv, _scenario_iv, audit, new_seed
from .errors import AuditorError, UsageError, UsageTypeError
from .safetext import csv_cell, for_matplotlib
from .report.folders import check_replaceable, output_stem
from ._version import __version__
from .figures import audit as figures
from .inputs.scenario import Scenario, load_scenario, parse_override
from .report import write_outputs
from .report.write import atomic_dir, atomic_file, json_text

__all__ = ["batch", "sweep", "expand_paths", "split_values", "parse_vary", "sweep_figure",
           "INDEX_COLUMNS", "SWEEP_COLUMNS"]

#: Columns of ``index.csv`` (and of the frame :func:`batch` returns).
INDEX_COLUMNS = ("file", "title", "claim_low", "claim_high", "point_estimate", "median", "p05", "p95",
                 "p_meets_low", "verdict", "draws", "seed", "error")

#: Summary columns of ``sweep.csv``, after one column per varied key.
SWEEP_COLUMNS = ("savings_median", "savings_p05", "savings_p95", "savings_mean", "p_meets_low",
                 "p_meets_high", "point_estimate", "verdict", "draws", "seed")

#: Prefix of the ``error`` cell when a task failed because of a bug, not bad input.
INTERNAL = "internal error: "


# ---- arguments --------------------------------------------------------------

def expand_paths(paths: Iterable[str | Path]) -> list[str]:
    """Scenario files named by ``paths``: a folder stands for its ``*.toml`` files, sorted.

    Files keep the order given; a path named twice is run once. A path that
    does not exist is kept, so that the batch reports it as a failed scenario.

    Examples
    --------
    >>> files = expand_paths(["scenarios"])
    >>> "scenarios/west-sussex-2023.toml" in files, files == sorted(files)
    (True, True)
    """
    out: list[str] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            # Dot-files (editor backups, `..toml`) are not scenarios.
            found = sorted(str(f) for f in p.glob("*.toml") if f.is_file() and not f.name.startswith("."))
            if not found:
                raise UsageError("folder has no *.toml scenario files", path=str(p))
            out.extend(found)
        else:
            out.append(str(p))
    return list(dict.fromkeys(out))


def split_values(text: str) -> list[str]:
    """Split ``V1,V2,...`` on commas outside brackets, braces and quotes.

    Examples
    --------
    >>> split_values('0.5,0.75,1')
    ['0.5', '0.75', '1']
    >>> split_values('{dist="uniform", low=0.5, high=1},0.8,"a,b"')
    ['{dist="uniform", low=0.5, high=1}', '0.8', '"a,b"']
    """
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """Read one ``--vary KEY=V1,V2,...``; each value is TOML, as ``--set`` reads it.

    Examples
    --------
    >>> parse_vary("implementation.realisation=0.5,1")
    ('implementation.realisation', [0.5, 1])
    >>> parse_vary("judgement.model=face_value,fixed")
    ('judgement.model', ['face_value', 'fixed'])
    """
    if "=" not in text:
        raise UsageError(f"expected KEY=V1,V2,..., got {text!r}", path="--vary")
    key, values = text.split("=", 1)
    tokens = split_values(values)
    if any(t == "" for t in tokens):
        raise UsageError(f"empty value in {text!r}; separate values with single commas", path="--vary")
    parsed = []
    for token in tokens:
        try:
            k, v = parse_override(f"{key}={token}")
        except AuditorError as exc:
            exc.path = "--vary"
            raise
        parsed.append(v)
    return k, parsed


# ---- running tasks ----------------------------------------------------------

def _progress_bar(total: int, progress: bool | None, desc: str):
    """A tqdm bar on stderr, shown only after 2 s and only on a terminal unless forced."""
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    return tqdm(total=total, desc=desc, unit="run", file=sys.stderr, delay=2, disable=not show,
                leave=False, dynamic_ncols=True)


def _run_tasks(fn: Callable, tasks: Sequence[tuple], *, executor: Executor | None, jobs: int | None,
               progress: bool | None, desc: str) -> list:
    """``[fn(*t) for t in tasks]``, on ``executor`` or ``jobs`` processes; results in task order."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    own = None
    if executor is None and (jobs or 1) > 1 and len(tasks) > 1:
        own = executor = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=_start_method(),
                                             initializer=_worker_signals)
    results: list = [None] * len(tasks)
    bar = None
    try:
        if executor is None:
            bar = _progress_bar(len(tasks), progress, desc)
            for i, t in enumerate(tasks):
                results[i] = fn(*t)
                bar.update()
        else:
            futures: dict = {}
            # Everything from the first submit on is inside the try: a Ctrl-C that lands
            # while the bar is being set up (tqdm's import) must stop the workers too, or
            # the shutdown below waits for every running task to finish.
            try:
                for i, t in enumerate(tasks):
                    futures[executor.submit(fn, *t)] = i
                # The bar (and its monitor thread) starts only once the workers exist,
                # so a forked worker never inherits a running thread.
                bar = _progress_bar(len(tasks), progress, desc)
                for f in as_completed(futures):
                    results[futures[f]] = f.result()
                    bar.update()
            except BaseException as exc:
                for f in futures:
                    f.cancel()
                if own is not None and isinstance(exc, KeyboardInterrupt):
                    _stop_workers(own)
                raise
    finally:
        if bar is not None:
            bar.close()
        if own is not None:
            own.shutdown(wait=True, cancel_futures=True)
    return results


def _worker_signals() -> None:
    """In a worker: Ctrl-C is the parent's to handle (it stops the workers), and SIGTERM ends the worker quietly.

    Without this, Ctrl-C at the terminal reaches every worker of the process
    group too, and a worker prints its own traceback.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop_workers(pool) -> None:
    """End a pool's workers now: on Ctrl-C the running tasks are abandoned, not waited for.

    A worker stopped mid-write leaves a ``.NAME.tmp-<pid>-…`` folder; the next
    write to the same place removes it (its process is gone).
    """
    for proc in list(getattr(pool, "_processes", {}).values()):
        try:
            proc.terminate()
        except (OSError, AttributeError):
            pass


def _start_method():
    """fork on Linux when this process runs a single thread, else spawn.

    A forked worker starts at once with numpy and scipy already imported; a
    spawned one imports them afresh (about a second each), which is most of a
    short sweep's time. Fork is only safe without other threads (a thread
    holding a lock at the fork would leave it held in the child for ever), so
    with any other thread running, or off Linux, workers are spawned. The
    results are the same either way: every task carries its own seed.
    """
    import multiprocessing
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _csv(frame) -> str:
    """The frame as CSV text; a text cell a spreadsheet would run as a formula gets a leading ``'``."""
    from pandas.api.types import is_numeric_dtype

    safe = frame.copy()
    for col in safe.columns:
        if not is_numeric_dtype(safe[col]):
            safe[col] = safe[col].map(csv_cell)
    return safe.to_csv(index=False, lineterminator="\n")


# ---- batch --------------------------------------------------------------------

def _batch_task(path: str, out: str | None, draws: int | None, seed: int | None,
                overrides: dict, allow_outside: bool, formats: tuple[str, ...] | None = None) -> dict:
    """Audit one scenario file (in a worker); return its ``index.csv`` row."""
    row: dict[str, Any] = {"file": path}
    try:
        scenario = load_scenario(path, overrides=overrides or None, allow_outside=allow_outside)
        result = audit(scenario, draws=draws, seed=seed)
        if out is not None:
            write_outputs(result, out, formats)
        s = result.summary()
    except AuditorError as exc:
        line = exc.one_line()
        # An error in a --set override (or one with no file) would not say which of the
        # batch's scenarios it came from: name the scenario first.
        row["error"] = line if exc.path not in (None, "--set") else f"{path}: {line}"
        return row
    except Exception as exc:  # a bug: keep the other scenarios' results and say which file hit it
        row["error"] = f"{INTERNAL}{path}: {type(exc).__name__}: {exc}"
        return row
    row.update(title=s["scenario"]["title"], claim_low=s["claim"]["low"], claim_high=s["claim"]["high"],
               point_estimate=s["point_estimate"], median=s["savings"]["median"], p05=s["savings"]["p05"],
               p95=s["savings"]["p95"], p_meets_low=s["p_meets_low"], verdict=s["verdict"],
               draws=s["run"]["draws"], seed=s["run"]["seed"])
    return row


def batch(paths: Iterable[str | Path] | str | Path, *, out: str | Path | None = None,
          executor: Executor | None = None, jobs: int | None = None, draws: int | None = None,
          seed: int | None = None, overrides: Mapping[str, Any] | None = None, allow_outside: bool = False,
          progress: bool | None = None, formats: str | Iterable[str] | None = None):
    """Audit many scenario files; one row per file.

    Parameters
    ----------
    paths : path or iterable of paths
        Scenario files and folders (a folder stands for its ``*.toml`` files, sorted).
    out : str or Path, optional
        Write each scenario's report to ``out/<file stem>/`` (atomically, as
        ``auditor run`` does) and the frame to ``out/index.csv``. Nothing is
        written when omitted.
    executor : concurrent.futures.Executor, optional
        Runs the scenarios (any executor; it is not shut down here).
    jobs : int, optional
        Without an executor: the number of worker processes (default 1: run
        in this process).
    draws, seed : int, optional
        As ``auditor run --draws/--seed``, for every scenario.
    overrides : mapping, optional
        Dotted keys applied to every scenario, as ``--set``.
    allow_outside : bool
        Allow cases CSVs outside their scenario's folder.
    progress : bool, optional
        Show a progress bar on stderr (default: when stderr is a terminal;
        the bar appears only once the work has run for 2 s).
    formats : str or iterable of str, optional
        The report formats written for each scenario, as ``auditor run
        --format`` (``"html,xlsx"`` or a list; default every format but xlsx).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`INDEX_COLUMNS`. A scenario that failed has only
        ``file`` and ``error`` (its one-line message) filled in; the others
        still run.

    Examples
    --------
    >>> df = batch(["scenarios/west-sussex-2023.toml"], draws=2000, seed=3)
    >>> df.loc[0, "verdict"] in ("holds", "widens", "collapses"), int(df.loc[0, "seed"]), bool(df["error"].isna().all())
    (True, 3, True)
    """
    import pandas as pd

    _run_iv(draws=draws, seed=seed, executor=executor, jobs=jobs)
    _mapping_iv(overrides, "overrides", "dotted scenario keys and values, as --set takes them")
    if formats is not None:
        from .report import parse_formats

        formats = parse_formats(formats if isinstance(formats, str) else ",".join(formats), option="formats")
    files = expand_paths(_paths_iv(paths))
    if not files:
        raise UsageError("no scenario files given", field="paths")
    targets: list[str | None] = [None] * len(files)
    if out is not None:
        out = _batch_folder(out)
        seen: dict[str, str] = {}
        for i, f in enumerate(files):
            stem = output_stem(f)
            if stem == "index.csv":
                raise UsageError(f"would write its report to {out / stem}, the batch's index; rename it",
                                 path=f)
            if stem in seen:
                raise UsageError(f"{seen[stem]} and {f} would both write to {out / stem}; rename one",
                                 field="paths")
            seen[stem] = f
            targets[i] = str(out / stem)
            check_replaceable(out / stem, "report")
    ov = dict(overrides or {})
    tasks = [(f, t, draws, seed, ov, allow_outside, formats) for f, t in zip(files, targets)]
    rows = _run_tasks(_batch_task, tasks, executor=executor, jobs=jobs, progress=progress, desc="batch")
    frame = pd.DataFrame(rows, columns=list(INDEX_COLUMNS))
    frame["draws"] = frame["draws"].astype("Int64")
    frame["seed"] = frame["seed"].astype("Int64")
    if out is not None:
        atomic_file(out / "index.csv", _csv(frame))
    return frame


def _batch_folder(out) -> Path:
    """Check a batch's ``out`` and mark it; its ``index.csv`` is replaced only if auditor wrote it.

    A batch does not replace its folder (it may hold other reports): it writes
    ``out/<stem>/`` for each scenario and ``out/index.csv``.
    """
    from .report.folders import MARKER, check_out_path, mark_folder

    shown = str(out)
    folder = check_out_path(out)
    if folder.exists() and not folder.is_dir():
        raise UsageError("exists and is not a folder; choose another --out", path=shown)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        kind = (folder / MARKER).read_text(encoding="utf-8").split("\n", 1)[0] if (folder / MARKER).exists() \
            else None
    except (OSError, UnicodeDecodeError) as exc:
        why = ("a part of this path is a file, not a folder; choose another --out"
               if isinstance(exc, (FileExistsError, NotADirectoryError)) else getattr(exc, "strerror", exc))
        raise UsageError(f"cannot be used as the output folder: {why}", path=shown) from None
    if kind not in (None, "batch"):
        raise UsageError(f"holds an auditor {kind} output, not a batch; choose another --out", path=shown)
    index = folder / "index.csv"
    if kind is None and index.exists():
        try:
            with open(index, encoding="utf-8") as fh:
                first = fh.readline(1000).rstrip("\r\n")
        except (OSError, UnicodeDecodeError):
            first = ""
        if first != ",".join(INDEX_COLUMNS):
            raise UsageError("holds an index.csv auditor did not write; auditor never replaces it. Choose "
                             "another --out", path=shown)
    if kind is None:
        try:
            mark_folder(folder, "batch")
        except OSError as exc:
            raise UsageError(f"cannot write in the output folder: {exc.strerror}", path=shown) from None
    return folder


# ---- sweep --------------------------------------------------------------------

def _sweep_task(path: str, overrides: dict, draws: int | None, seed: int | None, allow_outside: bool,
                keys: list[str]) -> dict:
    """Audit one grid point (in a worker); return its ``sweep.csv`` numbers.

    Only the full stage's summary is computed: the extra analyses of
    ``summary.json`` (e.g. the switching selectivity, which reruns the model)
    would multiply the cost of every grid point for columns a sweep does not show.
    """
    scenario = _load_point(path, overrides, keys, allow_outside)
    result = audit(scenario, draws=draws, seed=seed, keep_inputs=False, analyses=False)
    full = result.stage_summaries()[-1]
    return {"savings_median": full.median, "savings_p05": full.p05, "savings_p95": full.p95,
            "savings_mean": full.mean, "p_meets_low": full.p_meets_low, "p_meets_high": full.p_meets_high,
            "point_estimate": result.point_estimate, "verdict": result.verdict()[0], "draws": result.draws,
            "seed": result.seed}


def _cell(value: Any) -> Any:
    """A varied value as a CSV cell: scalars as they are, tables and arrays as inline TOML."""
    if isinstance(value, (dict, list)):
        return _toml(value)
    return value


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return str(value)


def _grid(vary: Mapping[str, Sequence[Any]]) -> tuple[list[str], list[tuple]]:
    if not vary:
        raise UsageError("give at least one key to vary", field="vary")
    keys = []
    for key, values in vary.items():
        parse_override(f"{key}=0")  # the same key rules as --set
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
            # Only reachable from Python: `--vary` always gives at least one value.
            raise UsageError(f"needs a non-empty list of values, got {values!r}", field=f"vary[{key!r}]")
        keys.append(key)
    return keys, list(itertools.product(*(vary[k] for k in keys)))


def _paths_iv(paths) -> list:
    """``batch``'s paths: one path or an iterable of them (UsageTypeError naming the argument otherwise)."""
    import os

    if isinstance(paths, (str, os.PathLike)):
        return [paths]
    if isinstance(paths, (bytes, Mapping)) or not isinstance(paths, Iterable):
        raise UsageTypeError(f"must be a path (str or pathlib.Path) or a list of paths, got {type(paths).__name__}",
                             field="paths")
    paths = list(paths)
    for i, p in enumerate(paths):
        if not isinstance(p, (str, os.PathLike)):
            raise UsageTypeError(f"must be a path (str or pathlib.Path), got {type(p).__name__}",
                                 field=f"paths[{i}]")
    return paths


def sweep(scenario, vary: Mapping[str, Sequence[Any]], *, out: str | Path | None = None,
          executor: Executor | None = None, jobs: int | None = None, draws: int | None = None,
          seed: int | None = None, overrides: Mapping[str, Any] | None = None, allow_outside: bool = False,
          progress: bool | None = None):
    """Audit one scenario at every point of a grid of values.

    Parameters
    ----------
    scenario : str, Path or Scenario
        A scenario file (or a scenario loaded from one).
    vary : mapping of str to list
        Dotted scenario keys (any key ``--set`` accepts) and the values to try.
        The grid is their product, the first key varying slowest.
    out : str or Path, optional
        A folder to write, atomically: ``sweep.csv`` (the frame),
        ``sweep.png`` (median and 90% interval against the first key, one line
        per value of the others) and ``sweep.json`` (what was run: the
        scenario's path and SHA-256, the grid, the overrides, draws and seed).
        Nothing is written when omitted.
    executor, jobs, progress
        As in :func:`batch`.
    draws : int, optional
        Draws at every point (default: the scenario's ``run.draws``).
    seed : int, optional
        The seed of *every* grid point (default: the scenario's ``run.seed``,
        else one drawn once for the whole sweep). The same seed everywhere
        gives common random numbers: see the module notes.
    overrides : mapping, optional
        Fixed overrides applied at every point, as ``--set``.
    allow_outside : bool
        Allow a cases CSV outside the scenario's folder.

    Returns
    -------
    pandas.DataFrame
        One row per grid point: one column per varied key (tables as inline
        TOML text), then :data:`SWEEP_COLUMNS`.

    Examples
    --------
    >>> df = sweep("scenarios/west-sussex-2023.toml", {"implementation.realisation": [0.5, 1.0]},
    ...            draws=2000, seed=1)
    >>> df.shape, bool(df.loc[0, "savings_median"] < df.loc[1, "savings_median"])
    ((2, 11), True)
    """
    import pandas as pd

    _run_iv(draws=draws, seed=seed, executor=executor, jobs=jobs)
    _scenario_iv(scenario)
    _mapping_iv(vary, "vary", "dotted scenario keys and the lists of values to try")
    _mapping_iv(overrides, "overrides", "dotted scenario keys and values, as --set takes them")
    if isinstance(scenario, Scenario):
        if scenario.path is None:
            raise UsageError("a sweep needs a scenario loaded from a file; pass its path", field="scenario")
        scenario = scenario.path
    path = str(scenario)
    keys, points = _grid(vary)
    if out is not None:
        from .report.folders import check_destination

        check_destination(out, "sweep")
    base = dict(overrides or {})
    both = sorted(set(base) & set(keys))
    if both:
        raise UsageError(f"{', '.join(both)} is both fixed (--set) and varied (--vary); give it once",
                         path="--vary")
    point_overrides = [{**base, **dict(zip(keys, values))} for values in points]
    # Check every value here, before any work is sent out: each key's values with the
    # other keys at their first value (a sum of loads, not the grid's product). A bad
    # combination of good values still stops the sweep, from its worker.
    first = _load_point(path, point_overrides[0], keys, allow_outside)
    for key in keys:
        for value in vary[key][1:]:
            _load_point(path, {**point_overrides[0], key: value}, keys, allow_outside)
    if "run.seed" in keys and seed is None:
        shared_seed = None  # each point's own run.seed, as asked
    elif seed is not None:
        shared_seed = seed
    else:
        shared_seed = first.run.seed if first.run.seed is not None else new_seed()
    point_draws = None if "run.draws" in keys else draws
    tasks = [(path, ov, point_draws, shared_seed, allow_outside, keys) for ov in point_overrides]
    numbers = _run_tasks(_sweep_task, tasks, executor=executor, jobs=jobs, progress=progress, desc="sweep")
    rows = [{**{k: _cell(v) for k, v in zip(keys, values)}, **n} for values, n in zip(points, numbers)]
    frame = pd.DataFrame(rows, columns=keys + list(SWEEP_COLUMNS))
    if out is not None:
        about = {"schema_version": 1, "auditor_version": __version__,
                 "scenario": {"title": first.title, "path": path, "sha256": first.sha256},
                 "vary": {k: list(vary[k]) for k in keys}, "overrides": base,
                 "draws": point_draws, "seed": shared_seed,
                 "seed_note": "every grid point uses this seed (common random numbers)"
                              if shared_seed is not None else "each grid point uses its own run.seed"}
        _write_sweep(Path(out), frame, keys, about, first)
    return frame


def _load_point(path: str, overrides: dict, keys: list[str], allow_outside: bool):
    """Load one grid point's scenario; an error says which point, and names --vary for a varied field."""
    try:
        return load_scenario(path, overrides=overrides, allow_outside=allow_outside)
    except AuditorError as exc:
        if exc.path == "--set" and exc.field and any(exc.field == k or exc.field.startswith(k + ".")
                                                     for k in keys):
            exc.path = "--vary"
        point = ", ".join(f"{k}={_toml(overrides[k])}" for k in keys)
        exc.message = f"{exc.message} (at grid point {point})"
        raise


def _write_sweep(out: Path, frame, keys: list[str], about: dict, first) -> None:
    with atomic_dir(out, kind="sweep") as tmp:
        (tmp / "sweep.csv").write_text(_csv(frame), encoding="utf-8", newline="")
        (tmp / "sweep.json").write_text(json_text(about), encoding="utf-8")
        claim = None if any(k.startswith("claim.") for k in keys) else first.claim
        figures.save(sweep_figure(frame, keys, claim=claim), tmp / "sweep.png")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def sweep_figure(frame, keys: Sequence[str], *, claim=None, ax=None):
    """Median savings and 90% interval against the first varied key, one line per value of the others.

    Parameters
    ----------
    frame : pandas.DataFrame
        As returned by :func:`sweep`.
    keys : sequence of str
        The varied keys, in the frame's order.
    claim : Claim, optional
        Draw the published range for reference.
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new Figure otherwise; never pyplot state).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax if ax is not None else figures.new_axes(8.0, 4.5)
    x_key, others = keys[0], list(keys[1:])
    x_values = list(dict.fromkeys(frame[x_key].tolist()))
    numeric = all(_is_number(v) for v in x_values)
    position = {v: (v if numeric else i) for i, v in enumerate(x_values)}
    colours = [figures.PALETTE[c] for c in ("audit", "bad", "good", "claim", "light", "point", "grey")]
    colours.append("#CC79A7")  # Okabe–Ito reddish purple, the eighth colour
    groups = frame.groupby(others, sort=False) if others else [((), frame)]
    for n, (label, part) in enumerate(groups):
        colour = colours[n % len(colours)]
        label = label if isinstance(label, tuple) else (label,)
        name = for_matplotlib(", ".join(f"{k} = {v}" for k, v in zip(others, label)) or "median")
        xs = [position[v] for v in part[x_key]]
        ax.fill_between(xs, part["savings_p05"] / 1e6, part["savings_p95"] / 1e6, color=colour, alpha=0.18,
                        lw=0)
        ax.plot(xs, part["savings_median"] / 1e6, color=colour, lw=2, marker="o", ms=3, label=name)
    if claim is not None:
        ax.axhline(claim.low / 1e6, color=figures.PALETTE["claim"], lw=1.5, label="published low / high")
        ax.axhline(claim.high / 1e6, color=figures.PALETTE["claim"], lw=1.5, ls="--")
    if not numeric:
        ax.set_xticks(range(len(x_values)), [for_matplotlib(v) for v in x_values], fontsize=8)
    ax.set_xlabel(x_key)
    ax.set_ylabel("Audited savings, £m (median; band: 90% interval)")
    ax.set_title(f"Audited savings as {x_key} varies", fontsize=10)
    ax.grid(alpha=0.3)
    # Beside the plot, never over it (inside, it covered the claim's high-end line).
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return ax
