"""Data out: ``draws.csv.gz`` (one row per draw) and ``inputs.json`` (the resolved scenario).

Researchers re-analyse an audit from these two files without running
auditor: every draw of every source and the savings at each stage, and the
scenario exactly as it was run (after ``--set`` overrides, with the seed and
draw count actually used). Both are byte-for-byte reproducible for a given
scenario, seed and draw count.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any

import numpy as np

from .write import json_text

__all__ = ["inputs_dict", "inputs_json", "write_draws_csv_gz", "draws_csv_bytes"]

#: Enough significant digits to round-trip a float64 exactly (17) would make the
#: file a third larger for no analytical gain; 12 keeps pounds to a fraction of a
#: penny on figures of up to £100bn and shares to 1e-12.
FLOAT_FORMAT = "%.12g"


def _dist(d) -> dict[str, Any]:
    """A distribution as written and as resolved (canonical kind and parameters)."""
    out: dict[str, Any] = {"dist": d.kind, **{k: float(v) for k, v in d.params}, "mean": float(d.mean())}
    if d.written is not None and d.written != out:
        out["written"] = d.written
    if d.source:
        out["source"] = d.source
    return out


def inputs_dict(result) -> dict[str, Any]:
    """The resolved scenario of ``result`` as plain JSON-ready data.

    Parameters
    ----------
    result : AuditResult

    Returns
    -------
    dict
        Scenario identity, claim (in pounds), settings with their resolved cost
        distributions, the case review's counts, the judgement model, the
        realisation, the verdict rule, the run (draws and seed actually used,
        the ``--set`` overrides and the command that reproduces it) and ``raw``: the scenario table after overrides, as auditor read it.

    Examples
    --------
    >>> import auditor
    >>> r = auditor.audit("scenarios/west-sussex-2023.toml", draws=500, seed=3)
    >>> d = inputs_dict(r)
    >>> d["run"]["draws"], d["run"]["seed"], d["run"]["overrides"], d["claim"]["low"], d["sample"]["n_cases"]
    (500, 3, {}, 17800000.0, 28)
    """
    sc = result.scenario
    c = sc.claim
    summary_run = result.summary()["run"]
    return {
        "schema_version": 1,
        "auditor_version": result.version,
        "scenario": {"title": sc.title, "authority": sc.authority, "path": sc.path, "sha256": sc.sha256,
                     "sources": list(sc.sources), "notes": sc.notes},
        "claim": {"low": c.low, "high": c.high, "per": c.per, "horizon_years": c.horizon_years,
                  "source": c.source, "budget": c.budget, "scope": c.scope},
        "settings": [{"key": st.key, "label": st.label, "cohort": st.cohort, "cost": _dist(st.cost),
                      **{k: _dist(d) for k in ("schools_block", "transport") if (d := getattr(st, k)) is not None},
                      "source": st.source} for st in sc.settings],
        "sample": {"form": sc.sample.form, "method": sc.sample.method, "prior": sc.sample.prior,
                   "n_cases": sc.sample.n_cases, "cases_file": sc.sample.cases_file,
                   "source": sc.sample.source,
                   "counts": [{"current": a, "ideal": b, "count": n} for a, b, n in sc.sample.counts]},
        "judgement": sc.judgement.to_dict(),
        "implementation": {"realisation": _dist(sc.realisation)},
        "verdict_rule": {"collapse_below": sc.verdict.collapse_below, "hold_at": sc.verdict.hold_at,
                         "max_width_ratio": sc.verdict.max_width_ratio},
        "run": {"draws": result.draws, "seed": result.seed, "seed_source": result.seed_source,
                "overrides": summary_run["overrides"], "command": summary_run["command"]},
        "raw": _plain(dict(sc.raw)),
    }


def _plain(value: Any) -> Any:
    """TOML values (including dates and mapping proxies) as JSON-ready values."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # TOML dates and times


def inputs_json(result) -> str:
    """``inputs.json`` text: UTF-8, stable key order, no NaN."""
    return json_text(inputs_dict(result))


#: Rows formatted at a time: the text of a whole large run is never held in memory.
ROWS_PER_PIECE = 65_536


def _draws_columns(result) -> dict[str, np.ndarray]:
    """``to_frame``'s columns, without building the frame (no copy of every draw)."""
    cols: dict[str, np.ndarray] = {"draw": np.arange(result.draws)}
    cols.update(result.inputs)
    for k in ("sampling", "judgement", "full"):
        cols[f"savings_{k}"] = result.stages[k]
    return cols


def _draws_csv_pieces(result):
    """The draws table as CSV text, header first, then pieces of :data:`ROWS_PER_PIECE` rows."""
    import csv

    cols = _draws_columns(result)
    head = io.StringIO()
    # A setting named `x,y` or `"a"` is quoted, so the header keeps one field per column.
    csv.writer(head, lineterminator="\n").writerow(list(cols))
    yield head.getvalue()
    arrays = list(cols.values())
    row = ",".join([FLOAT_FORMAT] * len(arrays)) + "\n"
    for lo in range(0, result.draws, ROWS_PER_PIECE):
        hi = min(result.draws, lo + ROWS_PER_PIECE)
        block = np.column_stack([np.asarray(a[lo:hi], dtype=float) for a in arrays])
        # The text of ``np.savetxt(fmt=FLOAT_FORMAT, delimiter=",")`` (what this
        # wrote before; tested equal), made by one %-format over the whole piece:
        # savetxt formats row by row in Python, a third slower.
        yield (row * block.shape[0]) % tuple(block.ravel().tolist())


def draws_csv_bytes(result) -> bytes:
    """The draws table as uncompressed CSV bytes (header, then one row per draw)."""
    return "".join(_draws_csv_pieces(result)).encode("utf-8")


def write_draws_csv_gz(result, path: str | Path) -> Path:
    """Write ``draws.csv.gz``: gzip with ``mtime=0`` and no file name, so the bytes are reproducible.

    Examples
    --------
    >>> import auditor, gzip, tempfile, pathlib
    >>> r = auditor.audit("scenarios/west-sussex-2023.toml", draws=10, seed=3)
    >>> p = write_draws_csv_gz(r, pathlib.Path(tempfile.mkdtemp()) / "draws.csv.gz")
    >>> lines = gzip.decompress(p.read_bytes()).decode().splitlines()
    >>> len(lines), lines[0].split(",")[0], lines[0].split(",")[-1]
    (11, 'draw', 'savings_full')
    """
    import queue
    import threading

    path = Path(path)
    # Compression runs on a second thread while the next piece is formatted: zlib
    # releases the GIL, and the pieces reach the one compressor in order, so the
    # bytes are those of a plain loop.
    pieces: queue.Queue = queue.Queue(maxsize=2)
    failed: list[BaseException] = []

    def compress(gz) -> None:
        while (data := pieces.get()) is not None:
            if not failed:
                try:
                    gz.write(data)
                except BaseException as exc:  # re-raised by the writing thread
                    failed.append(exc)

    with open(path, "wb") as fh:
        # filename="" keeps the temporary folder's name out of the gzip header.
        with gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=1) as gz:
            worker = threading.Thread(target=compress, args=(gz,), daemon=True)
            worker.start()
            try:
                for piece in _draws_csv_pieces(result):
                    if failed:
                        break
                    pieces.put(piece.encode("utf-8"))
            finally:
                pieces.put(None)
                worker.join()
            if failed:
                raise failed[0]
    return path
