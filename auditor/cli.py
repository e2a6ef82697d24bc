"""The ``auditor`` command: parse arguments, call the core, print, exit.

Exit codes: 0 success; 2 bad input (usage, scenario or data file); 1 an
internal error (a bug: please report it with ``--debug`` output).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import traceback
from pathlib import Path
from typing import Sequence

from ._version import __version__
from .errors import AuditorError, UsageError
from .inputs.money import parse_whole

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and raise instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `auditor {self.prog.split(' ', 1)[-1]} --help`)"
                         if " " in self.prog else f"{message} (see `auditor --help`)")


def _print(text: str = "", *, file=None) -> None:
    """Print ``text`` with control characters made visible: scenario text never drives the terminal."""
    from .safetext import for_terminal

    print(for_terminal(text), file=file if file is not None else sys.stdout)


def _print_json(data) -> None:
    """Print JSON with control and bidirectional characters as ``\\uXXXX`` escapes (still valid JSON)."""
    from .safetext import unsafe_char

    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    # Raw control characters can only be inside strings (json escapes C0 itself; C1 and
    # bidirectional ones it leaves), so escaping them keeps the JSON valid.
    print("".join(f"\\u{ord(ch):04x}" if unsafe_char(ch) and ch != "\n" else ch for ch in text))


def whole_number(text: str) -> int:
    """An argparse type: a whole number, allowing pasted thousands separators (:func:`parse_whole`).

    Examples
    --------
    >>> whole_number("100,000"), whole_number("1_000_000"), whole_number(" 42 ")
    (100000, 1000000, 42)
    """
    try:
        return parse_whole(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number such as 100000 or 100,000, got {text!r}") from None


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--draws", type=whole_number, metavar="N",
                   help="Monte Carlo draws (default: the scenario's run.draws)")
    p.add_argument("--seed", type=whole_number, metavar="S", help="random seed (default: the scenario's run.seed; "
                   "if neither is set one is drawn and recorded)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario field, e.g. --set run.draws=5000 or "
                        "--set judgement.model=face_value (VALUE is TOML; bare words are strings)")
    p.add_argument("--allow-outside", action="store_true",
                   help="allow a cases CSV outside the scenario's folder")


def build_parser() -> argparse.ArgumentParser:
    """The ``auditor`` argument parser: one sub-command per entry of :data:`COMMANDS`."""
    parser = _Parser(prog="auditor", description="Stress-test a published savings claim built on a small "
                     "case review.")
    parser.add_argument("--version", action="version", version=f"auditor {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    v = sub.add_parser("validate", help="check scenario files without running them")
    v.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    v.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    v.add_argument("--allow-outside", action="store_true")

    r = sub.add_parser("run", help="audit one scenario and write a report")
    r.add_argument("scenario", metavar="SCENARIO")
    _add_run_options(r)
    r.add_argument("--out", metavar="DIR", help="output folder (default: reports/<scenario file stem>/)")
    r.add_argument("--json", action="store_true", help="print summary.json to stdout instead of the text summary")
    r.add_argument("--quiet", action="store_true", help="print nothing on success")
    r.add_argument("--format", dest="formats", metavar="LIST",
                   help="outputs to write, comma-separated from md, html, pdf, json, draws and xlsx "
                        "(default: all but xlsx, which needs the xlsx extra)")

    b = sub.add_parser("batch", help="audit many scenario files; write each report and an index.csv")
    b.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders of *.toml files")
    _add_run_options(b)
    b.add_argument("--out", metavar="DIR", help="output folder: DIR/<file stem>/ per scenario and "
                   "DIR/index.csv (default: reports/)")
    b.add_argument("--format", dest="formats", metavar="LIST",
                   help="report outputs for each scenario, as for run (default: all but xlsx)")
    _add_batch_options(b)

    sw = sub.add_parser("sweep", help="audit one scenario over a grid of values; write sweep.csv and a figure")
    sw.add_argument("scenario", metavar="SCENARIO")
    sw.add_argument("--vary", action="append", required=True, metavar="KEY=V1,V2,...",
                    help="a dotted scenario key and the values to try (TOML, as --set; commas inside "
                         "{...}, [...] or quotes do not split); repeat for a grid")
    _add_run_options(sw)
    sw.add_argument("--out", metavar="DIR", help="output folder (default: reports/<scenario file stem>-sweep/)")
    _add_batch_options(sw)

    e = sub.add_parser("evidence", help="list the packaged SEND Tribunal and Ombudsman evidence")
    e.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")

    n = sub.add_parser("new", help="write a commented starter scenario to fill in from a council paper")
    n.add_argument("name", metavar="NAME", help="the new scenario file (.toml is added if missing); "
                   "an existing file is never overwritten")
    n.add_argument("--template", choices=("stock", "flow", "reported"), default="stock",
                   help="stock: case-review counts, current cohort re-placed (default); flow: only children "
                        "newly placed each year; reported: rebuilt from published shares")
    n.add_argument("--council", metavar="NAME_OR_CODE",
                   help="fill in the cohorts and new plans a year from DfE for this council (a name such as "
                        "'West Sussex', a DfE code such as 938, or E10000032)")
    n.add_argument("--year", type=whole_number, metavar="Y",
                   help="with --council: the January of DfE's caseload to use (default: the latest packaged)")

    co = sub.add_parser("councils", help="list every council in DfE's EHC plan tables with its codes and "
                        "headline counts")
    co.add_argument("--year", type=whole_number, metavar="Y", help="January of the caseload (default: the latest)")
    co.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")


    tr = sub.add_parser("track", help="what happened after the claim: the council's placements in DfE's later "
                        "Januaries against comparison councils; write track.json")
    tr.add_argument("scenario", metavar="SCENARIO")
    tr.add_argument("--until", type=whole_number, metavar="YEAR",
                    help="the last January to use (default: the latest packaged)")
    tr.add_argument("--out", metavar="DIR", help="output folder (default: reports/<scenario file stem>-track/)")
    tr.add_argument("--draws", type=whole_number, metavar="N", help="cost draws for the money (default 20,000)")
    tr.add_argument("--seed", type=whole_number, metavar="S", help="seed of the cost draws (default: the "
                    "scenario's run.seed)")
    tr.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    tr.add_argument("--allow-outside", action="store_true")
    tr.add_argument("--json", action="store_true", help="print track.json to stdout")
    tr.add_argument("--quiet", action="store_true", help="print nothing on success")

    se = sub.add_parser("sensitivity", help="what drives the width, how fragile the claim is, what sample "
                        "would settle it; write sensitivity.json, sensitivity.md and figures")
    se.add_argument("scenario", metavar="SCENARIO")
    _add_run_options(se)
    se.set_defaults(draws=None)
    se.add_argument("--out", metavar="DIR", help="output folder (default: reports/<scenario file stem>-sensitivity/, "
                    "beside the run report rather than inside it, because `auditor run` replaces its folder)")
    se.add_argument("--quiet", action="store_true", help="print nothing on success")

    sv = sub.add_parser("serve", help="start the local web app: a guided form with live results "
                        "(needs the web extra: pip install \"auditor[web]\")")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this computer "
                    "only; anything else lets other computers use the app)")
    sv.add_argument("--port", type=whole_number, default=8765, help="port (default 8765)")
    sv.add_argument("--no-open", dest="open_browser", action="store_false",
                    help="do not open a browser window")
    return parser


def _add_batch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="worker processes (default 1); results are identical for any N")
    p.add_argument("--quiet", action="store_true", help="no progress bar and nothing printed on success")


def _overrides(items: list[str]) -> dict:
    from .inputs.scenario import parse_override

    return dict(parse_override(item) for item in items)


def check_destination(out: Path, kind: str) -> None:
    """Refuse an unusable ``--out`` before the (slow) work rather than after it."""
    from .report.folders import check_destination as check

    check(out, kind)


def _out_dir(args, suffix: str) -> Path:
    """``--out``, or ``reports/<scenario file stem><suffix>/`` (the contract's default for ``run``)."""
    from .report.folders import output_stem

    return Path(args.out) if args.out else Path("reports") / f"{output_stem(args.scenario)}{suffix}"


def _cmd_validate(args) -> int:
    from .inputs.scenario import load_scenario

    overrides = _overrides(args.overrides)
    failed = 0
    for path in args.scenarios:
        try:
            s = load_scenario(path, overrides=overrides or None, allow_outside=args.allow_outside)
        except AuditorError as exc:
            _print(f"auditor: error: {exc.one_line()}", file=sys.stderr)
            failed += 1
            continue
        _print_warnings(path, s)
        _print(f"{path}: ok ({len(s.settings)} settings, {s.sample.n_cases} cases, "
              f"judgement {s.judgement.name})")
    return 2 if failed else 0


def _load_scenario(args):
    """The scenario a one-scenario command names, with its ``--set`` overrides and ``--allow-outside``."""
    from .inputs.scenario import load_scenario

    return load_scenario(args.scenario, overrides=_overrides(args.overrides) or None,
                         allow_outside=args.allow_outside)


def _cmd_run(args) -> int:
    import warnings

    from .api import audit
    from .errors import SmallSampleWarning
    from .report import parse_formats, write_outputs

    formats = parse_formats(args.formats)  # checked before the (slow) audit
    scenario = _load_scenario(args)
    _print_warnings(args.scenario, scenario)
    out = _out_dir(args, "")
    check_destination(out, "report")
    before = _identity(out)
    try:
        with _option_names(), warnings.catch_warnings():
            # Printed above with the scenario's path (_print_warnings); not twice.
            warnings.simplefilter("ignore", SmallSampleWarning)
            result = audit(scenario, draws=args.draws, seed=args.seed)
        write_outputs(result, out, formats)
    except KeyboardInterrupt as exc:
        _print(f"auditor: {_interrupted_state(out, before)}", file=sys.stderr)
        return _interrupt_code(exc)
    if args.json:
        _print_json(result.summary())
    elif not args.quiet:
        _print(text_summary(result, out))
    return 0


def _print_warnings(path, scenario) -> None:
    """One ``auditor: warning:`` line on stderr per questionable choice; the exit code is unchanged."""
    from .analysis.prior import scenario_sampling_warnings

    for line in (*scenario.warnings, *scenario_sampling_warnings(scenario)):
        _print(f"auditor: warning: {path}: {line}", file=sys.stderr)


def _identity(path: Path) -> tuple[int, int] | None:
    """Device and inode of ``path`` (None if absent): a renamed-in report folder has a new one."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _interrupted_state(out: Path, before: tuple[int, int] | None) -> str:
    """What an interrupted ``run`` left at ``out``, checked on disk rather than assumed."""
    import glob

    now = _identity(out)
    if now is not None and now != before:
        state = f"interrupted just after the new report was written to {out}"
    elif out.exists():
        state = f"interrupted before the report was complete; the earlier report in {out} was left intact"
    else:
        state = f"interrupted before the report was complete; nothing was written to {out}"
    pattern = glob.escape(f".{out.name}.") + "*-*"
    leftovers = sorted(p.name for p in out.parent.glob(pattern)) if out.parent.is_dir() else []
    if leftovers:
        return f"{state}; temporary folders remain beside it: {', '.join(leftovers)}"
    return f"{state}; no temporary folder was left behind"


def text_summary(result, out: Path | None = None) -> str:
    """The one-screen summary printed by ``auditor run``."""
    from .inputs.money import format_chance, format_money as m

    s = result.summary()
    c = s["claim"]
    lines = [result.scenario.title, "",
             f"Verdict: {s['verdict'].upper()}"] + result.headline()
    fair = result.face_value_sentence()
    scope = result.scope_sentence()
    lines += ([scope] if scope else []) + ([fair] if fair else []) + ["",
             f"  {'stage':<11}{'median':>10}{'90% interval':>24}{'P(>= low)':>11}"]
    for st in s["stages"]:
        interval = f"{m(st['p05'])} to {m(st['p95'])}" if st["name"] != "point" else "(no uncertainty)"
        lines.append(f"  {st['name']:<11}{m(st['median']):>10}{interval:>24}{format_chance(st['p_meets_low']):>11}")
    from .inputs.money import format_claim, format_per

    per = format_per(c["per"])
    lines += ["", f"  {'claim (derived, not published)' if c.get('derived') else 'published claim'}: "
                  f"{format_claim(c['low'], c['high'])} {per}",
              f"  draws {s['run']['draws']:,}, seed {s['run']['seed']} ({s['run']['seed_source']})"]
    if out is not None:
        written = [out / f for f in ("report.html", "report.md", "brief.pdf", "summary.json", "draws.csv.gz",
                                     "report.xlsx")
                   if (out / f).exists()]
        lines.append(f"  report: {written[0] if written else out}")
    return "\n".join(lines)


class _option_names:
    """Name ``--jobs``/``--draws``/``--seed`` in errors where the Python API names its keywords.

    ``audit``, ``batch`` and ``sweep`` name the keyword (``draws``); on the
    command line the user typed the option (``--draws``).
    """

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if isinstance(exc, UsageError) and exc.path is None and exc.field in ("jobs", "draws", "seed"):
            exc.field = f"--{exc.field}"
        return False


def _cmd_batch(args) -> int:
    from .scripted import INTERNAL, batch
    from .inputs.money import format_money as m

    from .report import parse_formats

    formats = parse_formats(args.formats)  # checked (and named --format) before any work
    out = Path(args.out) if args.out else Path("reports")
    with _option_names():
        frame = batch(args.paths, out=out, jobs=args.jobs, draws=args.draws, seed=args.seed,
                      overrides=_overrides(args.overrides), allow_outside=args.allow_outside,
                      progress=False if args.quiet else None, formats=formats)
    errors = frame["error"].dropna().tolist()
    for err in errors:
        if err.startswith(INTERNAL):
            _print(f"auditor: {err} (run it alone with --debug for a traceback and please report it)",
                   file=sys.stderr)
        else:
            _print(f"auditor: error: {err}", file=sys.stderr)
    if not args.quiet:
        _print(f"  {'verdict':<10}{'median':>10}{'90% interval':>24}  file")
        for row in frame.itertuples():
            if isinstance(row.error, str):
                _print(f"  {'FAILED':<10}{'':>34}  {row.file}")
            else:
                interval = f"{m(row.p05)} to {m(row.p95)}"
                _print(f"  {row.verdict:<10}{m(row.median):>10}{interval:>24}  {row.file}")
        _print(f"{len(frame) - len(errors)} of {len(frame)} scenarios audited; index: {out / 'index.csv'}")
    if any(e.startswith(INTERNAL) for e in errors):
        return 1
    return 2 if errors else 0


def _cmd_sweep(args) -> int:
    from .scripted import parse_vary, sweep
    from .inputs.money import format_money as m

    vary: dict = {}
    for item in args.vary:
        key, values = parse_vary(item)
        if key in vary:
            raise UsageError(f"{key} is given to --vary twice; list all its values in one --vary",
                             path="--vary")
        vary[key] = values
    out = _out_dir(args, "-sweep")
    check_destination(out, "sweep")
    with _option_names():
        frame = sweep(args.scenario, vary, out=out, jobs=args.jobs, draws=args.draws, seed=args.seed,
                      overrides=_overrides(args.overrides), allow_outside=args.allow_outside,
                      progress=False if args.quiet else None)
    if not args.quiet:
        keys = list(vary)
        _print(f"  {'verdict':<10}{'median':>10}{'90% interval':>24}{'P(>= low)':>11}  {', '.join(keys)}")
        for _, row in frame.iterrows():
            point = ", ".join(f"{k}={row[k]}" for k in keys)
            interval = f"{m(row['savings_p05'])} to {m(row['savings_p95'])}"
            _print(f"  {row['verdict']:<10}{m(row['savings_median']):>10}{interval:>24}"
                  f"{row['p_meets_low']:>11.0%}  {point}")
        _print(f"{len(frame)} grid points, seed {frame['seed'].iloc[0]}; {out / 'sweep.csv'}, "
              f"{out / 'sweep.png'}")
    return 0


def _cmd_evidence(args) -> int:
    from dataclasses import asdict

    from .inputs.evidence import evidence_table, load_evidence

    if args.json:
        rows = [dict(asdict(r), rate=r.rate) for r in load_evidence().values()]
        _print_json(rows)
    else:
        _print(evidence_table())
    return 0


def _cmd_new(args) -> int:
    from .inputs.templates import write_template

    path = write_template(args.name, args.template, council=args.council, year=args.year)
    filled = "" if args.council is None else ", cohorts from DfE"
    _print(f"wrote {path} ({args.template} template{filled}); fill it in, then: auditor validate {path}")
    return 0


def _cmd_councils(args) -> int:
    from .inputs.councils import council_rows

    rows = council_rows(args.year)
    if args.json:
        _print_json(rows)
        return 0
    year = rows[0]["year"] if rows else args.year
    head = (f"{'code':<5}{'ONS code':<11}{'council':<36}{'plans':>8}{'mainstr.':>9}{'RP/unit':>8}"
            f"{'state sp.':>10}{'indep.':>8}{'post-16':>8}{'new ' + str(year - 1):>9}  DBV")
    lines = [f"EHC plans by setting, January {year} (DfE; RP/unit = resourced provision and SEN units; "
             f"new = plans made in {year - 1})", head]

    def n(v):
        return "x" if v is None else f"{v:,}"

    for r in rows:
        lines.append(f"{r['code']:<5}{r['ons_code']:<11}{r['name'][:35]:<36}{n(r['total']):>8}{n(r['mainstream']):>9}"
                     f"{n(r['resourced_provision']):>8}{n(r['state_special']):>10}{n(r['independent_special']):>8}"
                     f"{n(r['post_16']):>8}{n(r['new_plans']):>9}  {r['dbv_tranche'] or ''}")
    lines.append(f"{len(rows)} councils; x = suppressed by DfE. Source: {rows[0]['source'] if rows else ''}")
    _print("\n".join(lines))
    return 0


def _cmd_track(args) -> int:
    from .analysis.track import track
    from .report.track import write_track

    scenario = _load_scenario(args)
    out = _out_dir(args, "-track")
    check_destination(out, "track")
    with _option_names():
        result = track(scenario, until=args.until, draws=args.draws, seed=args.seed)
    write_track(result, out)
    if args.json:
        _print(json.dumps(result.summary(), indent=2, ensure_ascii=False, allow_nan=False))
    elif not args.quiet:
        _print(result.scenario.title)
        _print("")
        _print(result.sentence())
        _print(f"  report: {out / 'track.md'}")
    return 0


def _cmd_sensitivity(args) -> int:
    """``auditor sensitivity``: ``--draws`` is the draws per evaluation (default 16,384), not run.draws."""
    from .report.sensitivity import write_sensitivity
    from .api import sensitivity

    scenario = _load_scenario(args)
    out = _out_dir(args, "-sensitivity")
    check_destination(out, "sensitivity")
    with _option_names():
        result = sensitivity(scenario, draws=args.draws, seed=args.seed)
    write_sensitivity(result, out)
    if not args.quiet:
        s = result.summary()
        shares = ", ".join(f"{k} {v['total']:.0%}" for k, v in s["variance_share"].items() if v["varies"])
        lines = [result.scenario.title, ""]
        if result.fragility is not None:
            lines.append(result.fragility.sentence(result.scenario.claim.low, result.scenario.claim.high))
        lines += [f"Variance shares (total): {shares or 'nothing varies'}",
                  f"draws {result.draws:,} per evaluation, seed {result.seed}",
                  f"report: {out / 'sensitivity.md'}"]
        _print("\n".join(lines))
    return 0


def _cmd_serve(args) -> int:
    """``auditor serve``: the web libraries are imported here, never at start-up."""
    import importlib.util

    missing = [m for m in ("starlette", "uvicorn", "multipart") if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(f"needs the web extra (missing {', '.join(missing)}); install it with "
                         "pip install -e \".[web]\"", field="serve")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"must be a whole number from 0 to 65535, got {args.port}", field="--port")
    from .web import serve

    try:
        serve(args.host, args.port, open_browser=args.open_browser)
    except KeyboardInterrupt:
        pass
    return 0


COMMANDS = {"serve": _cmd_serve, "validate": _cmd_validate, "run": _cmd_run, "batch": _cmd_batch, "sweep": _cmd_sweep,
            "evidence": _cmd_evidence, "new": _cmd_new, "sensitivity": _cmd_sensitivity,
            "councils": _cmd_councils, "track": _cmd_track}


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is: temporaries removed, earlier outputs kept."""


def _interrupt_code(exc: BaseException) -> int:
    """130 for Ctrl-C (128 + SIGINT), 143 for SIGTERM (128 + 15), as shells report them."""
    return 143 if isinstance(exc, Terminated) else 130


def _on_sigterm(signum, frame) -> None:
    raise Terminated


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """One line per warning, never a library's file and source line."""
    from .errors import AuditorWarning

    text = " ".join(str(message).split())
    if issubclass(category, AuditorWarning):
        line_ = f"auditor: warning: {text}"
    else:
        # numpy, scipy or matplotlib: a sign of a problem auditor did not foresee.
        line_ = f"auditor: warning: {category.__name__} from {filename.rsplit('/', 1)[-1]}: {text} (please report it)"
    if line_ not in _WARNED:
        _WARNED.add(line_)
        _print(line_, file=sys.stderr)


_WARNED: set[str] = set()


def _as_program() -> None:
    """Process-wide handling when running as the ``auditor`` program (not when called in-process)."""
    import signal
    import threading
    import warnings

    warnings.showwarning = _show_warning
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (never raises on bad input).

    Run as the program (``argv`` omitted), SIGTERM is handled like Ctrl-C and
    warnings are printed as one line each.
    """
    if argv is None:
        _as_program()
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return COMMANDS[args.command](args)
    except AuditorError as exc:
        if debug:
            traceback.print_exc()
        _print(f"auditor: error: {exc.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        _print("auditor: interrupted; folders finished before the interrupt were kept, and nothing half-written "
               "was left in place of an earlier one", file=sys.stderr)
        return _interrupt_code(exc)
    except MemoryError:
        # A safety net: run sizes are checked against memory before they start.
        _print("auditor: error: ran out of memory; run fewer draws (--draws) or fewer grid points",
               file=sys.stderr)
        return 2
    except RecursionError:
        _print("auditor: error: the input is nested too deeply to read", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    except BrokenPipeError:
        # The reader went away (`auditor evidence | head`): that is not an error of
        # ours. Point stdout at devnull so the interpreter's final flush is quiet.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug in auditor, not in the user's input
        if debug:
            traceback.print_exc()
        _print(f"auditor: internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback "
               "and please report it)", file=sys.stderr)
        return 1
