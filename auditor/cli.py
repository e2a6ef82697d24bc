"""The ``auditor`` command: parse arguments, call the core, print, exit.

Exit codes: 0 success; 2 bad input (usage, scenario or data file); 1 an
internal error (a bug: please report it with ``--debug`` output).
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path
from typing import Sequence

from . import __version__
from .errors import AuditorError, UsageError

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and raise instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `auditor {self.prog.split(' ', 1)[-1]} --help`)"
                         if " " in self.prog else f"{message} (see `auditor --help`)")


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--draws", type=int, metavar="N", help="Monte Carlo draws (default: the scenario's run.draws)")
    p.add_argument("--seed", type=int, metavar="S", help="random seed (default: the scenario's run.seed; "
                   "if neither is set one is drawn and recorded)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario field, e.g. --set run.draws=5000 or "
                        "--set judgement.model=face_value (VALUE is TOML; bare words are strings)")
    p.add_argument("--allow-outside", action="store_true",
                   help="allow a cases CSV outside the scenario's folder")


def build_parser() -> argparse.ArgumentParser:
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
    return parser


def _overrides(items: list[str]) -> dict:
    from .scenario import parse_override

    return dict(parse_override(item) for item in items)


def _cmd_validate(args) -> int:
    from .scenario import load_scenario

    overrides = _overrides(args.overrides)
    failed = 0
    for path in args.scenarios:
        try:
            s = load_scenario(path, overrides=overrides or None, allow_outside=args.allow_outside)
        except AuditorError as exc:
            print(f"auditor: error: {exc.one_line()}", file=sys.stderr)
            failed += 1
            continue
        print(f"{path}: ok ({len(s.settings)} settings, {s.sample.n_cases} cases, "
              f"judgement {s.judgement.name})")
    return 2 if failed else 0


def _cmd_run(args) -> int:
    from .engine import audit
    from .report import write_outputs
    from .scenario import load_scenario

    scenario = load_scenario(args.scenario, overrides=_overrides(args.overrides) or None,
                             allow_outside=args.allow_outside)
    result = audit(scenario, draws=args.draws, seed=args.seed)
    out = Path(args.out) if args.out else Path("reports") / Path(args.scenario).stem
    write_outputs(result, out)
    if args.json:
        print(json.dumps(result.summary(), indent=2, ensure_ascii=False, allow_nan=False))
    elif not args.quiet:
        print(text_summary(result, out))
    return 0


def text_summary(result, out: Path | None = None) -> str:
    """The one-screen summary printed by ``auditor run``."""
    from .money import format_money as m

    s = result.summary()
    c = s["claim"]
    lines = [result.scenario.title, "",
             f"Verdict: {s['verdict'].upper()}", result.verdict_sentence(), "",
             f"  {'stage':<11}{'median':>10}{'90% interval':>24}{'P(>= low)':>11}"]
    for st in s["stages"]:
        interval = f"{m(st['p05'])} to {m(st['p95'])}" if st["name"] != "point" else "(no uncertainty)"
        lines.append(f"  {st['name']:<11}{m(st['median']):>10}{interval:>24}{st['p_meets_low']:>11.0%}")
    lines += ["", f"  published claim: {m(c['low'])} to {m(c['high'])} per {c['per']}",
              f"  draws {s['run']['draws']:,}, seed {s['run']['seed']} ({s['run']['seed_source']})"]
    if out is not None:
        lines.append(f"  report: {out / 'report.md'}")
    return "\n".join(lines)


COMMANDS = {"validate": _cmd_validate, "run": _cmd_run}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (never raises on bad input)."""
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
        print(f"auditor: error: {exc.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("auditor: interrupted; earlier outputs were left as they were", file=sys.stderr)
        return 130
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    except Exception as exc:  # a bug in auditor, not in the user's input
        if debug:
            traceback.print_exc()
        print(f"auditor: internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback "
              "and please report it)", file=sys.stderr)
        return 1
