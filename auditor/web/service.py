"""What the web app computes, without any web library: limits, scenarios from uploads, audits, downloads.

Every audit the app runs goes through :func:`load_upload` (TOML bytes and case
lists held in memory; no path is ever opened) and :func:`run_audit` (the same
:func:`auditor.audit` as ``auditor run``). The form's scenario is first written
as TOML by :func:`form_scenario`, so the file a user downloads is exactly the
one the app audited.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..errors import DataError, ScenarioError, UsageError

__all__ = ["examples", "Limits", "LIMITS", "DEFAULT_DRAWS", "DEFAULT_SEED", "load_upload", "run_audit", "form_scenario",
           "explore", "render_download", "DOWNLOADS", "curve", "moves_sentence", "count_cases", "slug"]

#: Draws of the form's live results: ~60 ms for West Sussex on one core, and a
#: Monte Carlo error of about ±0.35 percentage points on a 50% chance.
DEFAULT_DRAWS = 20_000
DEFAULT_SEED = 2023


@dataclass(frozen=True)
class Limits:
    """What one request may ask of a shared server.

    Attributes
    ----------
    body_bytes : int
        Largest request body (a scenario, its case lists, the form's state).
    draws : int
        Most draws one audit may use; more is refused with 400 before any work.
    cases : int
        Most rows in an uploaded case list (real case reviews have tens).
    seconds : float
        Longest a request waits for its audit (queueing included) before 503.
    workers : int
        Audits run at once; further requests queue.
    queue : int
        Requests allowed to wait for a worker; beyond that 503 at once.
    """

    body_bytes: int = 2 * 2**20
    draws: int = 1_000_000
    cases: int = 5_000
    seconds: float = 60.0
    workers: int = 2
    queue: int = 32


LIMITS = Limits()


def count_cases(text: str) -> int:
    """Rows after the header in a case list (blank lines not counted).

    Examples
    --------
    >>> count_cases("case_id,current,ideal\\n1,a,b\\n\\n2,a,a\\n")
    2
    """
    return max(0, sum(1 for line in text.splitlines() if line.strip()) - 1)


def _check_cases(files: Mapping[str, str], limits: Limits) -> None:
    for name, text in files.items():
        n = count_cases(text)
        if n > limits.cases:
            raise DataError(f"has {n:,} cases; auditor serve takes at most {limits.cases:,} (run `auditor run` "
                            "on your own computer for more)", path=name)


def load_upload(data: bytes, *, name: str = "scenario.toml", files: Mapping[str, str] | None = None,
                limits: Limits = LIMITS):
    """A validated Scenario from uploaded bytes and case lists; no file on the server is read."""
    from ..inputs.scenario import loads_scenario

    files = dict(files or {})
    _check_cases(files, limits)
    return loads_scenario(data, name=name, files=files)


def run_audit(scenario, *, draws: int | None = None, seed: int | None = None, limits: Limits = LIMITS):
    """:func:`auditor.audit` with the server's draw limit checked first (UsageError on ``draws``)."""
    from ..api import audit

    n = scenario.run.draws if draws is None else draws
    if not isinstance(n, bool) and isinstance(n, int) and n > limits.draws:
        raise UsageError(f"must be a whole number from 1 to {limits.draws:,} on this server (run `auditor run` "
                         f"on your own computer for more), got {n:,}", field="draws")
    return audit(scenario, draws=draws, seed=seed)


# ---- the form ---------------------------------------------------------------

def slug(title: str) -> str:
    """A file name stem from a title.

    Examples
    --------
    >>> slug("West Sussex DBV case review: £17.8m–£46.7m a year")
    'west-sussex-dbv-case-review-17-8m-46-7m-a-year'
    >>> slug("££")
    'scenario'
    """
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-")
    return s or "scenario"


def _whole(value: Any, field: str, lo: int, hi: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise UsageError(f"must be a whole number from {lo:,} to {hi:,}, got {value!r}", field=field)
    return value


def form_scenario(state: Mapping[str, Any], limits: Limits = LIMITS) -> tuple[str, str, dict[str, str]]:
    """The form's state → (file name, TOML text, case lists).

    ``state`` is ``{"scenario": <the scenario as tomllib reads it>, "cases":
    {name: csv text}, "draws": N, "seed": S}``; ``draws`` and ``seed`` are
    written into ``[run]`` so that ``auditor run`` on the file reproduces the
    app's result without options.
    """
    from .._version import __version__
    from ..inputs.scenario import MAX_SEED
    from .toml_text import dumps

    if not isinstance(state, Mapping) or not isinstance(state.get("scenario"), Mapping):
        raise UsageError("the request must be a JSON object with a `scenario` table", field="scenario")
    doc = dict(state["scenario"])
    draws = _whole(state.get("draws", DEFAULT_DRAWS), "draws", 1, limits.draws)
    seed = _whole(state.get("seed", DEFAULT_SEED), "seed", 0, MAX_SEED)
    doc["run"] = {"draws": draws, "seed": seed}
    cases = state.get("cases") or {}
    if not isinstance(cases, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in cases.items()):
        raise UsageError("must map each case list's file name to its CSV text", field="cases")
    meta = doc.get("scenario")
    title = meta.get("title") if isinstance(meta, Mapping) else None
    name = f"{slug(title if isinstance(title, str) else '')}.toml"
    comment = (f"Written by auditor {__version__} (auditor serve). Reproduce the app's result with:\n"
               f"  auditor run {name}" + (f"\n(with the case list {', '.join(cases)} in the same folder)"
                                           if cases else ""))
    return name, dumps(doc, comment=comment), dict(cases)


def curve(x, points: int = 101) -> list[list[float]]:
    """The exceedance curve ``[[saving, P(savings >= saving)], ...]`` from quantiles, for drawing.

    Examples
    --------
    >>> import numpy as np
    >>> curve(np.arange(1, 101.0), points=3)
    [[1.0, 1.0], [50.5, 0.5], [100.0, 0.01]]
    """
    import numpy as np

    q = np.linspace(0.0, 1.0, points)
    xs = np.quantile(x, q)
    # P(X >= quantile q) is about 1 - q; the top point keeps the chance of the largest draw.
    ps = np.maximum(1.0 - q, 1.0 / x.size)
    return [[float(a), float(b)] for a, b in zip(xs, ps)]


def moves_sentence(summary: Mapping[str, Any], scenario) -> str | None:
    """"To save £X a year, about N children would have to move…": the reports' sentence for the low end.

    The same words as report.md, report.html and the brief (:func:`auditor.report.plain.implied_sentences`),
    so a claim built on planned moves is not described as a review's proposals here either.
    """
    from ..report.plain import implied_sentences

    return " ".join(implied_sentences(summary, scenario, ends=("low",))) or None


class _Recent:
    """The last few audits of the form, by the exact scenario text and case lists that produced them.

    Audits are deterministic (the seed is in the text), so a repeated state, such
    as a slider moved back or a download of what is on screen, reuses the
    result instead of running the engine again. Small: a result holds its draws.
    """

    def __init__(self, size: int = 16) -> None:
        from collections import OrderedDict

        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, name: str, text: str, files: Mapping[str, str], limits: Limits):
        import hashlib

        key = hashlib.sha256(json.dumps([name, text, sorted(files.items())]).encode("utf-8")).hexdigest()
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        scenario = load_upload(text.encode("utf-8"), name=name, files=files, limits=limits)
        result = run_audit(scenario, limits=limits)
        result.summary()  # computed once here, not by each reader
        with self.lock:
            self.items[key] = result
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return result


_RECENT = _Recent()


def explore(state: Mapping[str, Any], limits: Limits = LIMITS) -> dict[str, Any]:
    """The form's live result: the summary, the curve, the sentences and the TOML that was audited."""
    name, text, files = form_scenario(state, limits)
    result = _RECENT.get(name, text, files, limits)
    scenario = result.scenario
    summary = result.summary()
    labels = {s.key: s.label for s in scenario.settings}
    return {
        "summary": summary,
        "toml": text,
        "name": name,
        "labels": labels,
        "rungs": rung_labels(scenario),
        "sentences": {"verdict": result.verdict_sentence(), "tipping": _optional(result, "tipping_sentence"),
                      "depends": _depends(result), "scope": _optional(result, "scope_sentence"),
                      "face_value": result.face_value_sentence(), "moves": moves_sentence(summary, scenario)},
        "curve": {"full": curve(result.savings), "sampling": curve(result.stages["sampling"])},
    }


def _optional(result, method: str) -> str | None:
    fn = getattr(result, method, None)
    return fn() if fn is not None else None


def _depends(result) -> str | None:
    detail = getattr(result, "verdict_detail", None)
    return detail.dependence_sentence() if detail is not None else None


def rung_labels(scenario) -> dict[str, str]:
    """Each rung of the reliability ladder in words, with the assumption it rests on."""
    from ..analysis.ladder import ladder_models, reading_label

    return {name: reading_label(name, model) for name, model in ladder_models(scenario).items()}


# ---- downloads --------------------------------------------------------------

#: Download kind → (report format written by ``write_outputs``, file in the report folder, media type).
DOWNLOADS = {
    "report.html": ("html", "report.html", "text/html; charset=utf-8"),
    "brief.pdf": ("pdf", "brief.pdf", "application/pdf"),
    "summary.json": ("json", "summary.json", "application/json"),
}

# Figures are drawn with matplotlib, whose font and text caches are shared by
# every thread; one report at a time keeps them consistent.
_REPORT_LOCK = threading.Lock()


def render_download(state: Mapping[str, Any], kind: str, limits: Limits = LIMITS) -> tuple[str, bytes, str]:
    """(file name, bytes, media type) of one download for the form's state.

    Reports are written by :func:`auditor.report.write_outputs` into a
    temporary folder that is removed before this returns.
    """
    name, text, files = form_scenario(state, limits)
    stem = name[:-len(".toml")]
    if kind == "scenario.toml":
        return name, text.encode("utf-8"), "application/toml; charset=utf-8"
    if kind == "cases.csv":
        if not files:
            raise UsageError("this scenario has no uploaded case list", field="cases")
        case_name, csv_text = next(iter(files.items()))
        return Path(case_name).name, csv_text.encode("utf-8"), "text/csv; charset=utf-8"
    if kind not in DOWNLOADS:
        raise UsageError(f"unknown download {kind!r}; allowed: scenario.toml, cases.csv, "
                         f"{', '.join(DOWNLOADS)}", field="kind")
    fmt, filename, media = DOWNLOADS[kind]
    from ..report import write_outputs

    result = _RECENT.get(name, text, files, limits)
    with tempfile.TemporaryDirectory(prefix="auditor-serve-") as tmp:
        with _REPORT_LOCK:
            out = write_outputs(result, Path(tmp) / "report", (fmt,))
        body = (out / filename).read_bytes()
    return f"{stem}-{filename}", body, media


# ---- starting points ----------------------------------------------------------

def examples(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """Starting points for the form: the shipped scenarios (when auditor runs from its source folder)
    and the ``auditor new`` templates, by id.

    Read once when the app starts, from fixed places: a request picks one by
    id and never names a path. Each is ``{"title", "scenario", "cases"}``.
    """
    import tomllib

    from ..inputs.templates import TEMPLATES, render_template

    out: dict[str, dict[str, Any]] = {}
    folder = folder if folder is not None else Path(__file__).resolve().parents[2] / "scenarios"
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            try:
                raw = tomllib.loads(path.read_text(encoding="utf-8"))
                cases = {}
                ref = raw.get("sample", {}).get("cases")
                if isinstance(ref, str):
                    cases[ref] = (folder / ref).read_text(encoding="utf-8-sig")
            except (OSError, ValueError):
                continue  # a broken example is left out of the list, not served
            out[path.stem] = {"title": raw.get("scenario", {}).get("title", path.stem), "scenario": raw,
                              "cases": cases}
    names = {"stock": "Blank: case review counts", "reported": "Blank: published shares",
             "flow": "Blank: new placements each year"}
    for kind in TEMPLATES:
        raw = tomllib.loads(render_template(kind))
        raw["scenario"]["title"] = "My council's savings claim"
        raw["scenario"]["authority"] = ""
        out[f"template-{kind}"] = {"title": names.get(kind, kind), "scenario": raw, "cases": {}}
    return out
