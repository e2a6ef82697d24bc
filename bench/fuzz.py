"""A long fuzz of auditor's inputs: scenario TOML, cases CSV, --set, command lines, API arguments, web requests.

Each case is built by mutating a real input at random (the shipped scenarios,
their cases CSV, a small valid scenario) and run in-process in a fresh sandbox
folder. The properties checked for every case:

* **exit code** 0 or 2 (130 never happens: nothing interrupts), never 1; on 2,
  exactly one stderr line starting ``auditor: error:``; never a traceback, an
  internal error or a raw Python warning on stderr;
* **no hang**: a case that runs longer than ``--timeout`` seconds fails
  (``SIGALRM`` interrupts it);
* **nothing outside the output touched**: every file in the sandbox, and in a
  ``canary`` folder beside it, has the same bytes afterwards, except inside
  the output folder auditor was allowed to write (``--out`` when it did not
  exist, was empty or held an earlier report; ``reports/`` by default; the file
  ``auditor new`` writes); a leftover temporary (``.NAME.tmp-*``) is a failure;
* the **Python API** raises only :class:`auditor.errors.AuditorError` (a
  ``ValueError`` or ``TypeError``) for bad arguments, never another exception;
* the **web app** (when starlette is installed) answers every mutated request
  with a status below 500 (or 503 busy).

Run from the repository root (a long run; ``nice`` on a shared machine)::

    PYTHONPATH=$PWD nice -n 10 python bench/fuzz.py --seconds 1200 --seed 1

It prints one line per kind (cases, exit codes) and every failure with the
seed and case number that reproduce it (``--seed S --only-case N``); failing
inputs are saved under ``--save`` (default ``bench/fuzz-failures/``). The test
suite runs a few seconds of it (``tests/test_fuzz.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

# The same writer the reproduce command uses (control characters and DEL escaped, nan/inf as TOML writes them).
from auditor.inputs.scenario import toml_value

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
MARKER = ".auditor-output"

KINDS = ("toml", "bytes", "csv", "set", "cli", "api", "web")


# ---- hostile values ----------------------------------------------------------------

HOSTILE_NUMBERS = [0, -1, 1, 2, 0.5, -0.0, 1e-320, 1e308, 1.7e308, 2**63 - 1, 2**63, -(2**63), 10**7, 10**9,
                   99999999999999999999999, 1e6, 1e13, 3.5, float("inf"), float("-inf"), float("nan")]
HOSTILE_STRINGS = ["", " ", "£17.8m", "£17.8bn?", "£20,000bn", "250k", "-£5m", "1,2,3", "67%", "2/3", "0/0", "1/0",
                   "nan", "inf", "a", "b", "../x.csv", "/etc/passwd", "cases.csv", "$\\frac$", "US$6m to US$9m",
                   "=HYPERLINK(\"http://x\")", "@SUM(1)", "+1+cmd", "\u001b]0;PWNED\u0007\u001b[2J", "a\nb", "a\x00b",
                   "x" * 5000, "é" * 50, "\ufeff", "perks", "jeffreys", "uniform", "bayes", "bootstrap",
                   "face_value", "selection", "scrutinised", "contest", "fixed", "interval", "year", "total",
                   "flow", "stock", "partial", "whole", "FILL IN: x", "cheaper", "all", "none", "{", "[", "\"", "\\"]
DIST_KEYS = ["dist", "low", "high", "mode", "mean", "sd", "median", "sd_log", "level", "a", "b", "value",
             "source", "from", "to", "count", "share", "current", "ideal", "cases", "x"]


def hostile_value(rng: random.Random, depth: int = 0):
    """A random TOML-representable value: mostly scalars, sometimes lists, tables or deep nests."""
    r = rng.random()
    if r < 0.35:
        return rng.choice(HOSTILE_NUMBERS)
    if r < 0.7:
        return rng.choice(HOSTILE_STRINGS)
    if r < 0.75:
        return rng.choice([True, False])
    if depth > 3:
        return rng.choice(HOSTILE_NUMBERS)
    if r < 0.85:
        return [hostile_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if r < 0.97:
        return {rng.choice(DIST_KEYS): hostile_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    nest = rng.choice([13, 40, 900])
    value: object = 1
    for _ in range(nest):
        value = [value]
    return value


def to_toml(doc: dict) -> str:
    """A scenario dict as TOML: top-level tables and each ``[settings.NAME]`` as sections, the rest inline."""
    def pairs(table: dict) -> list[str]:
        return [f"{toml_value(str(k))} = {toml_value(v)}" for k, v in table.items()]

    lines = [f"{toml_value(str(k))} = {toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    for key, table in doc.items():
        if not isinstance(table, dict):
            continue
        if key == "settings" and table and all(isinstance(v, dict) for v in table.values()):
            for name, setting in table.items():
                lines += ["", f"[settings.{toml_value(str(name))}]", *pairs(setting)]
        else:
            lines += ["", f"[{toml_value(str(key))}]", *pairs(table)]
    return "\n".join(lines) + "\n"


def small_scenario() -> dict:
    return {
        "schema_version": 1,
        "scenario": {"title": "Fuzz claim"},
        "claim": {"low": "£1m", "high": "£2m", "per": "year"},
        "settings": {"a": {"label": "A", "cost": 30000, "cohort": 100},
                     "b": {"label": "B", "cost": 10000, "cohort": 0}},
        "sample": {"transitions": [{"from": "a", "to": "a", "count": 4}, {"from": "a", "to": "b", "count": 6}]},
        "run": {"draws": 500, "seed": 1},
    }


def seed_documents() -> list[tuple[str, dict, str | None]]:
    """(name, scenario dict, cases CSV text or None): the shipped scenarios and a small one."""
    out = [("small", small_scenario(), None)]
    for path in sorted(SCENARIOS.glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        ref = doc.get("sample", {}).get("cases")
        csv = (SCENARIOS / ref).read_text(encoding="utf-8") if isinstance(ref, str) else None
        if csv is not None:
            doc["sample"]["cases"] = "cases.csv"
        out.append((path.stem, doc, csv))
    return out


def paths_of(doc, prefix: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            out.append(prefix + (key,))
            out.extend(paths_of(value, prefix + (key,)))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out.append(prefix + (i,))
            out.extend(paths_of(value, prefix + (i,)))
    return out


def mutate_doc(rng: random.Random, doc: dict) -> dict:
    """One to three structural mutations: replace, delete, add a key, or swap two values."""
    import copy

    doc = copy.deepcopy(doc)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        where = paths_of(doc)
        if not where:
            break
        path = rng.choice(where)
        node = doc
        for key in path[:-1]:
            node = node[key]
        action = rng.random()
        last = path[-1]
        current = node[last]
        if action < 0.3 and isinstance(current, (int, float)) and not isinstance(current, bool):
            # Valid but extreme: the same number scaled, which reaches the engine more often than a wrong type.
            scaled = current * rng.choice([0, 1e-9, 0.01, 0.5, 2, 100, 1e6, 1e12, -1])
            node[last] = int(scaled) if isinstance(current, int) and abs(scaled) < 2**63 else scaled
        elif action < 0.6:
            node[last] = hostile_value(rng)
        elif action < 0.75:
            if isinstance(node, dict):
                node.pop(last, None)
            elif node:
                node.pop(last)
        elif action < 0.9 and isinstance(node, dict):
            node[rng.choice(DIST_KEYS + ["extra", "prior", "selectivity", "n", "reported", "unseen"])] = \
                hostile_value(rng)
        else:
            other = rng.choice(where)
            onode = doc
            try:
                for key in other[:-1]:
                    onode = onode[key]
                node[last] = copy.deepcopy(onode[other[-1]])
            except (KeyError, IndexError, TypeError):
                pass
    return doc


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """Byte-level damage: flips, insertions, deletions, a spliced line, a truncation, another encoding."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        i = rng.randrange(len(b) + 1) if b else 0
        if op < 0.25 and b:
            b[min(i, len(b) - 1)] = rng.randrange(256)
        elif op < 0.5:
            b[i:i] = rng.choice([b"\"", b"'", b"[", b"]", b"{", b"=", b"\n", b"\r\n", b"\x00", b"\xff", b",", b";",
                                 b"\t", b"#", b"\\", b"\xef\xbb\xbf", b"$", bytes([rng.randrange(256)])])
        elif op < 0.7 and b:
            del b[i:i + rng.randint(1, 20)]
        elif op < 0.8 and b:
            lines = bytes(b).split(b"\n")
            j = rng.randrange(len(lines))
            lines.insert(rng.randrange(len(lines) + 1), lines[j])
            b = bytearray(b"\n".join(lines))
        elif op < 0.9:
            b = b[:i]
        else:
            try:
                b = bytearray(bytes(b).decode("utf-8", "replace").encode(rng.choice(["utf-16", "latin-1",
                                                                                     "utf-8-sig"]), "replace"))
            except (UnicodeError, LookupError):
                pass
    return bytes(b)


def mutate_csv(rng: random.Random, text: str) -> str | bytes:
    """Damage a cases CSV the ways spreadsheets and people do."""
    lines = text.split("\n")
    op = rng.random()
    if op < 0.12:
        return mutate_bytes(rng, text.encode("utf-8"))
    if op < 0.22:
        sep = rng.choice([";", "\t", "|"])
        out = "\n".join(ln.replace(",", sep) for ln in lines)
        return ("sep=" + sep + "\n" + out) if rng.random() < 0.5 else out
    if op < 0.32:
        j = rng.randrange(len(lines))
        lines[j] = lines[j].replace(",", ",\"", 1)
    elif op < 0.42:
        lines[0] = lines[0] + rng.choice([",", ",,", ",case_id", ",reason", ",x", ",current"])
    elif op < 0.5:
        lines[0] = rng.choice(["case_id;current;ideal", "id,current,ideal", "", "CASE_ID,Current,Ideal,Reason",
                               "case_id,current,ideal,reason,reason"])
    elif op < 0.58:
        j = rng.randrange(1, max(2, len(lines)))
        lines.insert(j, rng.choice(["x,a", ",,,", "WS07,mainstream,mainstream,dup", "\"" + "y" * 140_000,
                                    "=cmd|' /C calc'!A0,mainstream,mainstream", "a,b,c,d,e,f"]))
    elif op < 0.66:
        return "\r\n".join(lines) + "\r\n\r\n"
    elif op < 0.74:
        return "\n".join(lines[:rng.randrange(len(lines) + 1)])
    elif op < 0.82:
        j = rng.randrange(1, max(2, len(lines)))
        if j < len(lines):
            cells = lines[j].split(",")
            k = rng.randrange(len(cells))
            cells[k] = str(rng.choice(HOSTILE_STRINGS + [str(x) for x in HOSTILE_NUMBERS]))
            lines[j] = ",".join(cells)
    elif op < 0.9:
        return text.encode("utf-16")
    else:
        rng.shuffle(lines)
    return "\n".join(lines)


# ---- one case ---------------------------------------------------------------------

@dataclass
class Case:
    kind: str
    number: int
    argv: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    api: str | None = None
    web: tuple | None = None


OUT_CHOICES = ["out", "out", "out", "fresh/deep/out", "existing", "s.toml", ".", "..", "../canary", "", "link",
               "marked", "x" * 300, "out\nx", "reports", "emptydir"]


def build_case(rng: random.Random, number: int, seeds, kind: str) -> Case:
    name, doc, csv = rng.choice(seeds)
    case = Case(kind, number)
    text = to_toml(doc)
    if kind == "toml":
        try:
            text = to_toml(mutate_doc(rng, doc))
        except (TypeError, RecursionError):
            pass
    data = text.encode("utf-8")
    if kind == "bytes":
        data = mutate_bytes(rng, data)
    case.files["s.toml"] = data
    if csv is not None:
        body = mutate_csv(rng, csv) if kind == "csv" else csv
        case.files["cases.csv"] = body if isinstance(body, bytes) else body.encode("utf-8")
    case.files["t.toml"] = to_toml(small_scenario()).encode("utf-8")
    sets: list[str] = []
    if kind == "set":
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(paths_of(doc) + [("nope", "x"), ("settings", "zz", "cost"), ("run",), ("claim",)])
            key = ".".join(str(p) for p in path if not isinstance(p, int)) or "run"
            value = hostile_value(rng)
            try:
                shown = rng.choice([toml_value(value), str(value)]) if rng.random() < 0.9 else "x\ny"
            except (TypeError, RecursionError):
                shown = "[" * 1000 + "]" * 1000
            sets += ["--set", rng.choice([f"{key}={shown}", key, f"={shown}", f"{key}=={shown}"])]
    draws = ["--draws", str(rng.choice([200, 500, 1000]))]
    if kind == "cli" and rng.random() < 0.5:
        draws = ["--draws", rng.choice(["0", "-1", "10k", "1e3", "100,000", "200000000", "100000000", "", "x",
                                         "9" * 30, "1.5", " 300"])]
    seed = ["--seed", str(rng.choice([1, 7, 2**63 - 1]))]
    if kind == "cli" and rng.random() < 0.3:
        seed = ["--seed", rng.choice(["-1", "x", "9" * 25, "", "2**64"])]
    out = ["--out", rng.choice(OUT_CHOICES)] if kind == "cli" else ["--out", "out"]
    fmt = ["--format", rng.choice(["json", "json,md", "md", "json,draws"] * 8 + ["html"])]
    if kind == "cli" and rng.random() < 0.2:
        fmt = ["--format", rng.choice(["x", "", "json,,md", "pdf", "JSON"])]
    # A successful run of a shipped scenario takes seconds (its analyses); validation milliseconds. Most
    # cases validate, which reaches every loader; a quarter run the whole audit and write a report.
    command = rng.choice(["validate", "run", "run", "batch", "sweep", "sensitivity", "new", "new"]
                         if kind == "cli" else ["validate"] * 12 + ["run"] * 4 + ["batch", "sweep"])
    if command == "validate":
        case.argv = ["validate", "s.toml", *sets]
    elif command == "run":
        case.argv = ["run", "s.toml", *draws, *seed, *out, *fmt, "--quiet", *sets]
    elif command == "batch":
        files = rng.choice([["s.toml", "t.toml"], ["s.toml"], ["."]]
                           + ([["s.toml", "s.toml"], ["missing.toml"], ["existing"]] if kind == "cli" else []))
        jobs = ["--jobs", rng.choice(["1", "1", "2"] + (["0", "x", "-1"] if kind == "cli" else []))]
        case.argv = ["batch", *files, *draws, *out, *jobs, "--quiet", *sets]
    elif command == "sweep":
        vary = rng.choice(["run.seed=1,2", "claim.low=£1m,£2m", "settings.a.cost=1,2", "nope=1", "run.draws=",
                           "x", "implementation.realisation=0.5,{", "run.seed=" + ",".join(["1"] * 50)])
        case.argv = ["sweep", "s.toml", "--vary", vary, *draws, *out, "--quiet", *sets]
    elif command == "sensitivity":
        case.argv = ["sensitivity", "s.toml", "--draws", "300", *out, "--quiet"]
    else:
        case.argv = ["new", rng.choice(["mine", ".", "..", "", " ", ".hidden", "a\nb", "s", "s.toml", "sub/",
                                        "existing", "x" * 300, "fresh/new"]),
                     *rng.choice([[], ["--template", "flow"], ["--template", "x"], ["--council", "West Sussex"],
                                  ["--council", "938", "--year", "1900"], ["--council", ""]])]
    if kind == "api":
        case.api = rng.choice(API_CALLS)
    if kind == "web":
        case.web = (rng.choice(["/api/explore", "/api/download/summary.json", "/api/download/scenario.toml",
                                "/api/audit?draws=300", "/api/audit?draws=x&seed=-1"]),
                    rng.random())
    return case


# Each call is evaluated with `auditor`, `scripted`, `S` (the sandbox scenario path) and `out` bound.
API_CALLS = [
    "auditor.audit(123)", "auditor.audit(None)", "auditor.audit(S, draws='x')", "auditor.audit(S, draws=0)",
    "auditor.audit(S, draws=300, seed=-1)", "auditor.audit(S, draws=300, chunk_size=0)",
    "auditor.audit(S, draws=300, chunk_size=-5)", "auditor.audit(S, draws=300, chunk_size='x')",
    "auditor.audit(S, draws=300, executor='x')", "auditor.audit(S, draws=300, analyses='x')",
    "auditor.audit(S, draws=300, keep_inputs='x')", "auditor.audit(S, draws=300, overrides=5)",
    "auditor.audit(S, draws=300, seed=1).plot(ax='x')", "auditor.audit(b'x')", "auditor.audit('')",
    "auditor.audit(S, draws=300, **{'run.seed': 'x'})", "auditor.audit(S, draws=10**9)",
    "scripted.batch(None)", "scripted.batch([None])", "scripted.batch([S], out='s.toml', draws=300)",
    "scripted.batch([S], executor='x')", "scripted.batch([S], overrides=[1])", "scripted.batch([S], jobs=0)",
    "scripted.batch([S], overrides={1: 2})", "scripted.batch([], draws=300)",
    "scripted.sweep(S, [['run.draws', [1]]])", "scripted.sweep(S, {})", "scripted.sweep(S, {'run.seed': 5})",
    "scripted.sweep(None, {'run.seed': [1]})", "scripted.sweep(S, {'run.seed': [1, 2]}, draws=300, out='..')",
    "scripted.batch([S], out='..', draws=300)", "scripted.batch([S], out='existing', draws=300)",
]


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path → content hash (or 'dir' / 'link:target') of everything under ``folder``."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(folder))
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def allowed_roots(case: Case, work: Path, before: dict[str, str]) -> list[tuple[str, str]]:
    """(folder relative to the sandbox, how auditor may change it) for this case.

    ``replace``: anything under the folder (an output that did not exist, was empty or
    held an earlier report). ``add``: a batch's ``--out`` that holds other files: new
    entries may appear (the scenarios' folders, index.csv, the marker), but nothing that
    was there may change or go.
    """
    argv = case.argv
    if case.kind == "api":  # the Python API writes only where `out=` says
        m = re.search(r"out='([^']*)'", case.api or "")
        argv = [case.api.split(".")[1].split("(")[0], "--out", m.group(1)] if m else []
    roots: list[tuple[str, str]] = []
    if "--out" in argv and not argv[argv.index("--out") + 1]:
        argv = argv[:argv.index("--out")]  # `--out ""` means the default folder, as no --out does
    if "--out" in argv:
        target = argv[argv.index("--out") + 1]
        if target and "\x00" not in target:
            real = os.path.relpath((work / target).resolve(), work.parent)
            if not real.startswith(".."):
                inside = {k for k in before if k.startswith(real + "/")}
                if not inside or f"{real}/{MARKER}" in before:
                    roots.append((real, "replace"))
                elif argv[0] == "batch":
                    roots.append((real, "add"))
    elif argv and argv[0] in ("run", "batch", "sweep", "sensitivity"):
        roots.append(("work/reports", "replace" if argv[0] != "batch" else "add"))
    if argv and argv[0] == "new" and len(argv) > 1:
        roots.append((os.path.normpath(os.path.join("work", argv[1] if argv[1].endswith(".toml")
                                                    else argv[1] + ".toml")), "replace"))
    return roots


class Hang(BaseException):
    """Raised by SIGALRM inside a case that ran too long (not an Exception: nothing in auditor catches it)."""


def _alarm(signum, frame):
    raise Hang()


RAW_WARNING = re.compile(r"^(?!auditor: )\S.*\b\w+Warning: ", re.M)


def check_stderr(code: int, err: str, argv: list[str]) -> str | None:
    if "Traceback" in err or "internal error" in err:
        return "traceback or internal error"
    if "please report it" in err:
        return "a warning auditor did not foresee"
    if RAW_WARNING.search(err):
        return "a raw Python warning on stderr"
    if code == 2:
        lines = [ln for ln in err.strip("\n").split("\n") if not ln.startswith("auditor: warning: ")]
        # A batch prints one line for each scenario that failed; everything else prints one line.
        most = 3 if argv[0] == "batch" else 1
        if not 1 <= len(lines) <= most or not all(ln.startswith("auditor: error: ") for ln in lines):
            return "exit 2 without exactly one 'auditor: error:' line (one per scenario in a batch)"
    elif code != 0:
        return f"exit code {code}"
    return None


def run_cli(argv: list[str]) -> tuple[int, str]:
    from auditor.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        # Python's own defaults, as the program runs with (ResourceWarning and DeprecationWarning hidden),
        # whatever filters the calling process (pytest, this script) has set.
        warnings.resetwarnings()
        for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
            warnings.filterwarnings("ignore", category=category)
        # Warnings reach stderr the way the program prints them (one line each, as `auditor: warning:`).
        from auditor import cli

        warnings.showwarning = cli._show_warning
        cli._WARNED.clear()
        code = main(argv)
    return code, err.getvalue()


def run_api(call: str, work: Path) -> str | None:
    import auditor
    from auditor import scripted
    from auditor.errors import AuditorError

    env = {"auditor": auditor, "scripted": scripted, "S": str(work / "s.toml")}
    try:
        with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            eval(call, env)  # noqa: S307 - calls from API_CALLS above, never from input
    except AuditorError as exc:
        if "\n" in str(exc):
            return f"{call}: a multi-line message"
        if not isinstance(exc, (ValueError, TypeError)):
            return f"{call}: {type(exc).__name__} is neither ValueError nor TypeError"
        return None
    except Exception as exc:  # noqa: BLE001 - any other exception is the finding
        return f"{call}: {type(exc).__name__}: {exc}"
    return None


_CLIENT = None


def run_web(case: Case) -> str | None:
    global _CLIENT
    try:
        from starlette.testclient import TestClient

        from auditor.web.app import create_app
        from auditor.web.service import Limits
    except ImportError:
        return None
    if _CLIENT is None:
        _CLIENT = TestClient(create_app(Limits(draws=5_000, seconds=60)), raise_server_exceptions=False)
    url, r = case.web
    data = case.files["s.toml"]
    if url.startswith("/api/audit"):
        if r < 0.5 or "cases.csv" not in case.files:
            resp = _CLIENT.post(url, content=data)
        else:
            resp = _CLIENT.post(url, files={"scenario": ("s.toml", data), "cases.csv": ("cases.csv",
                                                                                       case.files["cases.csv"])})
    else:
        try:
            doc = tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
            doc = {"claim": data.decode("utf-8", "replace")}
        cases = {"cases.csv": case.files["cases.csv"].decode("utf-8", "replace")} if "cases.csv" in case.files \
            else {}
        state = {"scenario": doc, "draws": 300 if r < 0.8 else hostile_value(random.Random(r)), "seed": 1,
                 "cases": cases}
        try:
            body = json.dumps(state).encode("utf-8")
        except (TypeError, ValueError, RecursionError):
            body = b"{"
        resp = _CLIENT.post(url, content=body, headers={"content-type": "application/json"})
    if resp.status_code >= 500 and resp.status_code != 503:
        return f"{url}: HTTP {resp.status_code}: {resp.text[:200]}"
    return None


def prepare(sandbox: Path, case: Case) -> Path:
    work = sandbox / "work"
    work.mkdir()
    canary = sandbox / "canary"
    canary.mkdir()
    (canary / "keep.txt").write_text("not auditor's")
    for name, data in case.files.items():
        (work / name).write_bytes(data)
    (work / "existing").mkdir()
    (work / "existing" / "notes.txt").write_text("mine")
    (work / "emptydir").mkdir()
    (work / "marked").mkdir()
    (work / "marked" / MARKER).write_text("run\n")
    os.symlink("../canary", work / "link")
    return work


def run_case(case: Case, timeout: float, save: Path | None) -> tuple[str, int | None, str | None]:
    """(kind, exit code or None, failure or None)."""
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="auditor-fuzz-") as tmp:
        sandbox = Path(tmp)
        work = prepare(sandbox, case)
        before = snapshot(sandbox)
        os.chdir(work)
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        code: int | None = None
        try:
            if case.kind == "api":
                problem = run_api(case.api, work)
            elif case.kind == "web":
                problem = run_web(case)
            else:
                code, err = run_cli(case.argv)
                problem = check_stderr(code, err, case.argv)
                if problem:
                    problem += f": {err.strip()[:300]!r}"
        except Hang:
            problem = f"no answer within {timeout:g} s"
        except Exception as exc:  # noqa: BLE001 - the harness itself must go on
            problem = f"raised {type(exc).__name__}: {exc}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
            os.chdir(here)
        if problem is None and case.kind not in ("web",):
            problem = check_untouched(case, sandbox, work, before)
        if problem and save is not None:
            dest = save / f"{case.kind}-{case.number}"
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir(parents=True)
            for name, data in case.files.items():
                (dest / name).write_bytes(data)
            (dest / "case.json").write_text(json.dumps({"argv": case.argv, "api": case.api, "web": case.web,
                                                        "problem": problem}, indent=1, default=str))
    return case.kind, code, problem


def check_untouched(case: Case, sandbox: Path, work: Path, before: dict[str, str]) -> str | None:
    after = snapshot(sandbox)
    roots = allowed_roots(case, work, before)

    def allowed(rel: str) -> bool:
        for root, mode in roots:
            if rel == root or rel.startswith(root + "/"):
                return mode == "replace" or rel not in before
            # A fresh --out may be created with its missing parent folders (mkdir -p).
            if root.startswith(rel + "/") and rel not in before and after.get(rel) == "dir":
                return True
        return False

    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k) and not allowed(k))
    leftovers = [k for k in after if re.search(r"(^|/)\.[^/]*\.(tmp|old)-", k)]
    if changed:
        return f"touched outside the output: {changed[:5]}"
    if leftovers:
        return f"left temporaries: {leftovers[:5]}"
    return None


def fuzz(seconds: float, seed: int, kinds=KINDS, timeout: float = 60.0, save: Path | None = None,
         max_cases: int | None = None, only_case: int | None = None, report=print,
         scenarios: tuple[str, ...] | None = None) -> dict:
    """Run cases until ``seconds`` or ``max_cases``; return counts and failures.

    ``scenarios`` limits the starting documents to those names (``small`` and the
    shipped scenarios' file stems); the test suite uses the quick ones.
    """
    seeds = [d for d in seed_documents() if scenarios is None or d[0] in scenarios]
    stats: dict[str, dict] = {k: {"cases": 0, "codes": {}} for k in kinds}
    failures: list[str] = []
    start = time.monotonic()
    number = 0
    while time.monotonic() - start < seconds and (max_cases is None or number < max_cases):
        rng = random.Random(f"{seed}:{number}")
        kind = kinds[number % len(kinds)]
        if only_case is None or only_case == number:
            case = build_case(rng, number, seeds, kind)
            kind, code, problem = run_case(case, timeout, save)
            stats[kind]["cases"] += 1
            key = "-" if code is None else str(code)
            stats[kind]["codes"][key] = stats[kind]["codes"].get(key, 0) + 1
            if problem:
                failures.append(f"seed {seed} case {number} ({kind}, {case.argv or case.api or case.web}): "
                                f"{problem}")
                report(failures[-1])
        number += 1
        if only_case is not None and number > only_case:
            break
    return {"seconds": round(time.monotonic() - start, 1), "cases": sum(s["cases"] for s in stats.values()),
            "by_kind": stats, "failures": failures}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="time budget (default 60)")
    ap.add_argument("--cases", type=int, default=None, help="stop after this many cases")
    ap.add_argument("--seed", type=int, default=0, help="seed of the case generator (default 0)")
    ap.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated from {', '.join(KINDS)}")
    ap.add_argument("--timeout", type=float, default=180.0,
                    help="seconds before a case counts as hung (180: a batch writing PDFs on a busy machine takes a minute)")
    ap.add_argument("--only-case", type=int, default=None, help="rerun one case number of --seed")
    ap.add_argument("--save", default=str(ROOT / "bench" / "fuzz-failures"), help="where failing inputs go")
    args = ap.parse_args(argv)
    kinds = tuple(k for k in args.kinds.split(",") if k)
    warnings.simplefilter("ignore", ResourceWarning)
    result = fuzz(args.seconds, args.seed, kinds, args.timeout, Path(args.save), args.cases, args.only_case)
    for kind, s in result["by_kind"].items():
        codes = ", ".join(f"exit {k}: {v}" if k != "-" else f"no exit code: {v}" for k, v in sorted(s["codes"].items()))
        print(f"{kind:6} {s['cases']:6} cases  {codes}")
    print(f"{result['cases']} cases in {result['seconds']} s, {len(result['failures'])} failures (seed {args.seed})")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
