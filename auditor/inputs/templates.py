"""Starter scenarios for ``auditor new``: every field explained in plain English.

Each template is a complete scenario whose figures the user must supply are
written as placeholders, strings starting with ``FILL IN``. The loader refuses
any placeholder left in a file (:func:`first_placeholder`), so an unedited
template can never produce a report with example figures in it. Figures that
are real (DfE's cohorts filled in by ``--council``, sourced England-wide costs)
are written as numbers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = ["TEMPLATES", "PLACEHOLDER", "first_placeholder", "render_template", "write_template"]

#: How every value the user must supply starts in a template.
PLACEHOLDER = "FILL IN"

_HEAD = '''# {title}
# A starter scenario written by `auditor new`. Lines starting with # are comments.
# Every value written "FILL IN: ..." is yours to supply: auditor refuses to run
# while any is left. Replace each with your council's figure and write where it
# came from in `source`.
# Money may be written 17800000, "£17.8m", "£17,800,000" or "250k".
# Check the file with:  auditor validate {name}
# Run the audit with:   auditor run {name}
schema_version = 1

[scenario]
title = "{title}"                  # shown at the top of every report
authority = "FILL IN: the council or body that published the claim"
sources = [                        # where each figure came from (web addresses)
  "Cohorts: DfE 'Education, health and care plans', caseload.csv, https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/897aaeeb-39b2-4913-8739-d0773d99f674",
]
notes = """
Say here what the council published and what you had to assume.
"""
'''

_CLAIM = '''
[claim]                            # the published savings figure you are testing
low = "FILL IN: the published low end"    # the low end of the published range, e.g. "£17.8m"
high = "FILL IN: the published high end"  # the high end (the same as low for a single figure)
per = "{per}"                      # "year": a saving each year; "total": a sum over the horizon
horizon_years = 5                  # how many years the claim covers
basis = "{basis}"                  # "stock": today's children are re-placed; "flow": only children newly placed each year
source = "FILL IN: where the claim was published (web address)"
'''

_SETTINGS = '''
# One [settings.NAME] table per kind of placement. NAME is yours to choose
# (letters, numbers and _); the same names are used in [sample].
# cost:   what one placement costs a year: a number, or a range such as
#         {{ dist = "uniform", low = 16965, high = 24000 }} when sources disagree
# cohort: children with an EHC plan in this setting now (DfE SEN2 data; or write
#         `auditor new NAME --council "Your council"` to have DfE's figures filled in){flow_help}
# The costs below are sourced England-wide ranges: keep them or replace them with your council's.
[settings.mainstream]
label = "Mainstream school"
cohort = "FILL IN: children with an EHC plan in mainstream now"{new_main}
cost = {{ dist = "uniform", low = 13890, high = 14662, source = "£6,000 notional SEN + Lincolnshire FOI top-up 2022/23, https://www.lincolnshire.gov.uk/directory-record/76597/education-health-and-care-plan-providers" }}
source = "FILL IN: where the cohort came from (web address)"

[settings.state_special]
label = "State special school"
cohort = "FILL IN: children with an EHC plan in state special schools now"{new_state}
cost = {{ dist = "uniform", low = 16965, high = 24000, source = "Lincolnshire FOI 2022/23 median £16,965; Warwickshire 'just over £24,000', https://warwick.nub.news/news/local-news/aim-to-treble-resourced-provision-places-for-send-children-in-warwickshire-242704" }}
source = "FILL IN: where the cohort came from (web address)"

[settings.independent_special]
label = "Independent special school"
cohort = "FILL IN: children with an EHC plan in independent special schools now"{new_ind}
cost = {{ dist = "triangular", low = 48500, mode = 61500, high = 70353, source = "FOI 2015/16 ≈£48,500; IFS 2024 £61,500, https://ifs.org.uk/news/system-funding-special-educational-needs-broken ; Lincolnshire FOI mean £70,353" }}
source = "FILL IN: where the cohort came from (web address)"
'''

_SAMPLE_COUNTS = '''
[sample]                           # the case review behind the claim
# One line per (current setting, setting the panel judged ideal): how many cases.
# from = to means "already in the ideal setting".
# The counts below are an EXAMPLE (a 28-case review): replace them with your review's.
transitions = [
  {{ from = "state_special", to = "state_special", count = 3 }},
  {{ from = "state_special", to = "mainstream", count = 6 }},
  {{ from = "independent_special", to = "independent_special", count = 2 }},
  {{ from = "independent_special", to = "mainstream", count = 4 }},
  {{ from = "mainstream", to = "mainstream", count = 12 }},
  {{ from = "mainstream", to = "state_special", count = 1 }},
]
method = "bayes"                   # "bayes" (recommended) or "bootstrap"
source = "FILL IN: where the review's numbers came from (web address)"
'''

_SAMPLE_REPORTED = '''
[sample]                           # the case review, as the council reported it
n = 28                             # how many cases were reviewed in all
# One line per published finding. Either a share, "of the reviewed children in
# `current`, this share was judged ideal in `ideal`" (write "2/3", 0.67 or "67%"),
# or an exact `count` of cases. `cases` is how many reviewed children were in
# `current`: a number, or a range {{ low = ..., high = ... }} when it was not published.
# auditor tries every split of the n cases that fits all findings.
# The findings below are an EXAMPLE: replace them with the ones your council published.
reported = [
  {{ current = "state_special", ideal = "state_special", share = "1/3", cases = {{ low = 3, high = 15 }} }},
  {{ current = "state_special", ideal = "mainstream", share = "2/3" }},
  {{ current = "independent_special", ideal = "mainstream", share = "2/3", cases = {{ low = 3, high = 15 }} }},
  {{ current = "mainstream", ideal = "state_special", count = 1, cases = {{ low = 4, high = 16 }} }},
]
source = "FILL IN: where the findings were published (web address)"
'''

_TAIL = '''
[judgement]                        # how far to trust the panel's calls: choose ONE reading
# The panel judged which setting would be ideal for each reviewed child. The
# claim assumes every call that moves a child to a cheaper setting is right;
# the reading you choose says how far to trust those calls. It can decide the
# verdict, so choose deliberately and say why in `notes`:
#   "face_value"   trust every call, exactly as the claim does.
#   "fixed"        you say what share of the calls is right, e.g.
#                  theta = {{ dist = "uniform", low = 0.6, high = 0.9 }}
#   "scrutinised"  the calls are as reliable as council SEND decisions that
#                  families take to tribunal (packaged national figures).
#   "contest"      a move is undone only when the family contests it and wins;
#                  contest_rate is the share of families who contest.
#   "selection"    like "scrutinised", but allows that wrong decisions are more
#                  likely to be appealed than right ones, so tribunal wins
#                  overstate how often councils are wrong.
#   "symmetric"    is not set here: every report shows it on its reliability
#                  ladder (every call, not only the cheaper moves, may be wrong).
# If unsure, "face_value" gives the claim the benefit of the doubt; the report
# shows the other readings beside it.
model = "FILL IN: one of face_value, fixed, scrutinised, contest or selection"

[implementation]                   # how much of the judged change actually happens
realisation = 1.0                  # 1 = every judged move happens; a range such as {{ dist = "uniform", low = 0.5, high = 1.0 }}{flow_impl}
source = "FILL IN: why you chose this realisation"

[run]
draws = 100000                     # Monte Carlo draws: more is slower but steadier
seed = 2023                        # any whole number; the same seed gives the same report
'''

_FLOW_HELP = "\n# new_per_year: children newly placed in this setting each year (flow basis)"
_FLOW_IMPL = '''
ramp = [0.25, 0.5, 1.0]            # share of the judged change happening in years 1, 2, 3...; the last repeats
length_of_stay_years = 7           # how long a placement lasts, in years'''

TEMPLATES = ("stock", "flow", "reported")


def render_template(kind: str, name: str = "scenario.toml", *, council: str | int | None = None,
                    year: int | None = None) -> str:
    """The text of a starter scenario, its cohorts optionally filled in from DfE for one council.

    Parameters
    ----------
    kind : {"stock", "flow", "reported"}
    name : str
        The file name, quoted in the comments.
    council : str or int, optional
        A council's name or DfE code: the settings' cohorts (and new plans a
        year) are that council's in DfE's caseload for January ``year``.
    year : int, optional
        The January of the caseload (default: the latest packaged).

    Examples
    --------
    >>> "basis = \\"flow\\"" in render_template("flow")
    True
    >>> 'la_code = "938"' in render_template("stock", council="West Sussex", year=2023)
    True
    """
    if kind not in TEMPLATES:
        raise UsageError(f"unknown template {kind!r}; allowed: {', '.join(TEMPLATES)}", field="--template")
    flow = kind == "flow"
    title = {"stock": "Savings claim (case review counts)", "flow": "Savings claim on new placements (flow)",
             "reported": "Savings claim (rebuilt from reported shares)"}[kind]
    if year is not None and council is None:
        raise UsageError("--year needs --council (the January of that council's DfE caseload)", field="--year")
    text = _HEAD.format(title=title, name=name)
    text += _CLAIM.format(per="total" if flow else "year", basis="flow" if flow else "stock")
    if council is not None:
        head, settings = _council_parts(council, year, flow)
        text = text.replace('authority = "FILL IN: the council or body that published the claim"\n', head)
        text += settings
    else:
        text += _SETTINGS.format(flow_help=_FLOW_HELP if flow else "",
                                 new_main="\nnew_per_year = \"FILL IN: children newly placed in mainstream each year\"" if flow else "",
                                 new_state="\nnew_per_year = \"FILL IN: children newly placed in state special schools each year\"" if flow else "",
                                 new_ind="\nnew_per_year = \"FILL IN: children newly placed in independent special schools each year\"" if flow else "")
    text += _SAMPLE_REPORTED.format() if kind == "reported" else _SAMPLE_COUNTS.format()
    text += _TAIL.format(flow_impl=_FLOW_IMPL if flow else "")
    return text


def first_placeholder(raw: Any, field: str = "") -> tuple[str, str] | None:
    """The first value still written as a template placeholder, in file order, and what it asks for.

    Returns ``(dotted field, what to write)`` or None when every value is the user's own.

    Examples
    --------
    >>> first_placeholder({"claim": {"per": "year", "low": "FILL IN: the published low end"}})
    ('claim.low', 'the published low end')
    >>> first_placeholder({"run": {"draws": 1000}}) is None
    True
    """
    if isinstance(raw, str):
        if raw.lstrip().upper().startswith(PLACEHOLDER):
            what = raw.lstrip()[len(PLACEHOLDER):].lstrip(" :").strip()
            return field, what or "your own value"
        return None
    items = raw.items() if isinstance(raw, dict) else enumerate(raw) if isinstance(raw, list) else ()
    for key, value in items:
        sub = f"{field}[{key}]" if isinstance(raw, list) else f"{field}.{key}" if field else str(key)
        found = first_placeholder(value, sub)
        if found is not None:
            return found
    return None


def _usable_name(path: str | Path) -> Path:
    """The path ``auditor new`` may write, or a UsageError naming what is wrong with its name.

    A scenario's file name (without ``.toml``) names its report folder, and a
    folder batch skips dot-files, so the name must be one ``run`` and ``batch``
    can use: not empty, not starting with a dot, and without control characters.

    Examples
    --------
    >>> _usable_name("councils/mine").name
    'mine'
    >>> _usable_name("..")
    Traceback (most recent call last):
    ...
    auditor.errors.UsageError: NAME: '..' cannot name a scenario file; give a name such as my-council-2024 (not empty, not starting with a dot, no control characters)
    """
    text = os.fspath(path)
    name = Path(text).name if "\x00" not in text else text
    if (not name.strip() or name.startswith(".") or text.endswith(("/", os.sep))
            or any(ord(c) < 0x20 or ord(c) == 0x7f for c in text)):
        raise UsageError(f"{text!r} cannot name a scenario file; give a name such as my-council-2024 (not empty, "
                         "not starting with a dot, no control characters)", field="NAME")
    return Path(text)


def write_template(path: str | Path, kind: str = "stock", *, council: str | int | None = None,
                   year: int | None = None) -> Path:
    """Write a starter scenario (see :func:`render_template`); refuse to overwrite an existing file."""
    p = _usable_name(path)
    if p.suffix != ".toml":
        p = p.with_name(p.name + ".toml")
    text = render_template(kind, p.name, council=council, year=year)
    try:
        with open(p, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError("already exists; auditor new never overwrites a file (choose another name)",
                         path=str(p)) from None
    except OSError as exc:
        why = ("a part of this path is a file, not a folder" if isinstance(exc, NotADirectoryError)
               else exc.strerror)
        raise UsageError(f"cannot be written: {why}", path=str(p)) from None
    return p


# ---- a council's own figures ------------------------------------------------------

# The settings a council template declares: (key, label, DfE category, cost line, cost source).
# Costs are the West Sussex scenario's sourced ranges (England-wide sources), to be replaced by
# the council's own where it publishes them.
_COUNCIL_SETTINGS = (
    ("mainstream", "Mainstream school (not in a unit)", "mainstream",
     '{ dist = "uniform", low = 13890, high = 14662, source = "£6,000 notional SEN + Lincolnshire FOI top-up '
     '2022/23, https://www.lincolnshire.gov.uk/directory-record/76597/education-health-and-care-plan-providers" }'),
    ("resourced_provision", "Resourced provision / SEN unit", "resourced_provision",
     '{ dist = "uniform", low = 20000, high = 23000, source = "Warwickshire Jan 2024 £22,678 per place, '
     'https://warwick.nub.news/news/local-news/aim-to-treble-resourced-provision-places-for-send-children-in-'
     'warwickshire-242704" }'),
    ("state_special", "State special school (LA maintained, academy, free)", "state_special",
     '{ dist = "uniform", low = 16965, high = 24000, source = "Lincolnshire FOI 2022/23 median £16,965; '
     'Warwickshire \'just over £24,000\', https://warwick.nub.news/news/local-news/aim-to-treble-resourced-'
     'provision-places-for-send-children-in-warwickshire-242704" }'),
    ("independent_special", "Independent or non-maintained special school", "independent_special",
     '{ dist = "triangular", low = 48500, mode = 61500, high = 70353, source = "FOI 2015/16 ≈£48,500; IFS 2024 '
     '£61,500, https://ifs.org.uk/news/system-funding-special-educational-needs-broken ; Lincolnshire FOI mean '
     '£70,353" }'),
)

_DFE_CASELOAD = ("DfE 'Education, health and care plans', caseload by setting, "
                 "https://explore-education-statistics.service.gov.uk/find-statistics/education-health-and-care-plans")


def _council_parts(council: str | int, year: int | None, flow: bool) -> tuple[str, str]:
    """The ``[scenario]`` lines and the ``[settings]`` tables for one council's DfE figures."""
    from .councils import CASELOAD_YEARS, DFE_NAMES, category_total, counts, find_council, new_plan_counts, \
        years_for

    c = find_council(council)
    have = years_for(c.old_code)
    if year is None:
        year = have[-1]
    if year not in have:
        lo, hi = CASELOAD_YEARS[0], CASELOAD_YEARS[-1]
        from .councils import reorganisation_note

        note = reorganisation_note(c.old_code)
        span = f"{have[0]} to {have[-1]}" if have else "no year"
        raise UsageError(f"DfE publishes no caseload for {c.name} in January {year}; it has {span} "
                         f"({note + '; ' if note else ''}auditor packages {lo} to {hi})", field="--year")
    row = counts(c.old_code, year)
    head = (f'authority = "{c.name}"\n'
            f'la_code = "{c.old_code}"                   # DfE code of {c.name} ({c.new_code}); '
            f'validate and run compare each cohort with DfE\'s\n'
            f'census_year = {year}                 # the January of the caseload the cohorts come from\n')
    years = [y for y in range(year - 5, year) if new_plan_counts(c.old_code, y) is not None]
    flow_note = "" if flow else '; used only with basis = "flow"'
    suppressed = "                         # DfE suppressed this figure: fill it in"
    out = [f"\n# One [settings.NAME] table per kind of placement; NAME is used in [sample].\n"
           f"# Cohorts: {c.name}'s EHC plans in each setting in January {year} ({row['total']:,} plans in all),\n"
           f"# from {_DFE_CASELOAD}.\n"
           f"# dfe = the DfE category the setting stands for (auditor councils lists them).\n"
           f"# new_per_year: new EHC plans made in the setting in calendar {years[-1] if years else year - 1}"
           f" (DfE new plans by setting){flow_note}.\n"]
    for key, label, cat, cost in _COUNCIL_SETTINGS:
        n = category_total(row, (cat,))
        series = ", ".join(f"{y}: {_fmt(category_total(new_plan_counts(c.old_code, y), (cat,)))}" for y in years)
        latest = category_total(new_plan_counts(c.old_code, years[-1]), (cat,)) if years else None
        new_line = "" if latest is None else f"new_per_year = {latest}                 # new plans by calendar year: {series}\n"
        out.append(f"[settings.{key}]\nlabel = \"{label}\"\ndfe = \"{cat}\"\n"
                   f"cohort = {n if n is not None else 0}"
                   f"{'' if n is not None else suppressed}\n"
                   f"{new_line}"
                   f"cost = {cost}\n"
                   f"source = \"DfE caseload by setting, January {year}, {c.name} ({DFE_NAMES[cat]}), "
                   f"https://explore-education-statistics.service.gov.uk/find-statistics/education-health-and-care-plans\"\n\n")
    post = category_total(row, ("post_16",))
    rest = _fmt(category_total(row, ("alternative_provision", "other")))
    out.append(f"# Not declared (no sourced cost in this template): post-16 (FE colleges and specialist "
               f"post-16 institutions),\n# {_fmt(post)} plans in January {year}; other settings {rest}. "
               f"To audit moves into or out of post-16,\n# add [settings.post_16] with dfe = \"post_16\", "
               f"cohort = {post or 0} and a sourced cost.\n")
    return head, "".join(out).replace("\n\n\n", "\n\n")


def _fmt(n: int | None) -> str:
    return "suppressed" if n is None else f"{n:,}"
