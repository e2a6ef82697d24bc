"""Starter scenarios for ``auditor new``: every field explained in plain English.

Each template is a complete, valid scenario (the figures are West Sussex's,
with their sources) so that a new user can run it at once and then replace
the figures with their own council's, one commented line at a time.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError

__all__ = ["TEMPLATES", "render_template", "write_template"]

_HEAD = '''# {title}
# A starter scenario written by `auditor new`. Lines starting with # are comments.
# Replace each figure with your council's and write where it came from in `source`.
# Money may be written 17800000, "£17.8m", "£17,800,000" or "250k".
# Check the file with:  auditor validate {name}
# Run the audit with:   auditor run {name}
schema_version = 1

[scenario]
title = "{title}"                  # shown at the top of every report
authority = "Your council"         # who published the claim
sources = [                        # where each figure came from (web addresses)
  "Cohorts: DfE 'Education, health and care plans', caseload.csv, https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/897aaeeb-39b2-4913-8739-d0773d99f674",
]
notes = """
Say here what the council published and what you had to assume.
"""
'''

_CLAIM = '''
[claim]                            # the published savings figure you are testing
low = "£17.8m"                     # the low end of the published range
high = "£46.7m"                    # the high end (the same as low for a single figure)
per = "{per}"                      # "year": a saving each year; "total": a sum over the horizon
horizon_years = 5                  # how many years the claim covers
basis = "{basis}"                  # "stock": today's children are re-placed; "flow": only children newly placed each year
source = "Where the claim was published (web address)"
'''

_SETTINGS = '''
# One [settings.NAME] table per kind of placement. NAME is yours to choose
# (letters, numbers and _); the same names are used in [sample].
# cost:   what one placement costs a year: a number, or a range such as
#         {{ dist = "uniform", low = 16965, high = 24000 }} when sources disagree
# cohort: children with an EHC plan in this setting now (DfE SEN2 data){flow_help}
[settings.mainstream]
label = "Mainstream school"
cohort = 2374{new_main}
cost = {{ dist = "uniform", low = 13890, high = 14662, source = "£6,000 notional SEN + Lincolnshire FOI top-up 2022/23, https://www.lincolnshire.gov.uk/directory-record/76597/education-health-and-care-plan-providers" }}
source = "DfE caseload.csv Jan 2023 (West Sussex)"

[settings.state_special]
label = "State special school"
cohort = 1986{new_state}
cost = {{ dist = "uniform", low = 16965, high = 24000, source = "Lincolnshire FOI 2022/23 median £16,965; Warwickshire 'just over £24,000', https://warwick.nub.news/news/local-news/aim-to-treble-resourced-provision-places-for-send-children-in-warwickshire-242704" }}
source = "DfE caseload.csv Jan 2023 (West Sussex)"

[settings.independent_special]
label = "Independent special school"
cohort = 416{new_ind}
cost = {{ dist = "triangular", low = 48500, mode = 61500, high = 70353, source = "FOI 2015/16 ≈£48,500; IFS 2024 £61,500, https://ifs.org.uk/news/system-funding-special-educational-needs-broken ; Lincolnshire FOI mean £70,353" }}
source = "DfE caseload.csv Jan 2023 (West Sussex)"
'''

_SAMPLE_COUNTS = '''
[sample]                           # the case review behind the claim
# One line per (current setting, setting the panel judged ideal): how many cases.
# from = to means "already in the ideal setting".
transitions = [
  {{ from = "state_special", to = "state_special", count = 3 }},
  {{ from = "state_special", to = "mainstream", count = 6 }},
  {{ from = "independent_special", to = "independent_special", count = 2 }},
  {{ from = "independent_special", to = "mainstream", count = 4 }},
  {{ from = "mainstream", to = "mainstream", count = 12 }},
  {{ from = "mainstream", to = "state_special", count = 1 }},
]
method = "bayes"                   # "bayes" (recommended) or "bootstrap"
source = "Where the review's numbers came from"
'''

_SAMPLE_REPORTED = '''
[sample]                           # the case review, as the council reported it
n = 28                             # how many cases were reviewed in all
# One line per published finding. Either a share, "of the reviewed children in
# `current`, this share was judged ideal in `ideal`" (write "2/3", 0.67 or "67%"),
# or an exact `count` of cases. `cases` is how many reviewed children were in
# `current`: a number, or a range {{ low = ..., high = ... }} when it was not published.
# auditor tries every split of the n cases that fits all findings.
reported = [
  {{ current = "state_special", ideal = "state_special", share = "1/3", cases = {{ low = 3, high = 15 }} }},
  {{ current = "state_special", ideal = "mainstream", share = "2/3" }},
  {{ current = "independent_special", ideal = "mainstream", share = "2/3", cases = {{ low = 3, high = 15 }} }},
  {{ current = "mainstream", ideal = "state_special", count = 1, cases = {{ low = 4, high = 16 }} }},
]
source = "Where the findings were published"
'''

_TAIL = '''
[judgement]                        # how far to trust the panel's calls
model = "face_value"               # "face_value": exactly as the claim does

[implementation]                   # how much of the judged change actually happens
realisation = 1.0                  # 1 = every judged move happens; a range such as {{ dist = "uniform", low = 0.5, high = 1.0 }}{flow_impl}
source = "Why you chose this"

[run]
draws = 100000                     # Monte Carlo draws: more is slower but steadier
seed = 2023                        # any whole number; the same seed gives the same report
'''

_FLOW_HELP = "\n# new_per_year: children newly placed in this setting each year (flow basis)"
_FLOW_IMPL = '''
ramp = [0.25, 0.5, 1.0]            # share of the judged change happening in years 1, 2, 3...; the last repeats
length_of_stay_years = 7           # how long a placement lasts, in years'''

TEMPLATES = ("stock", "flow", "reported")


def render_template(kind: str, name: str = "scenario.toml") -> str:
    """The text of a starter scenario.

    Examples
    --------
    >>> "basis = \\"flow\\"" in render_template("flow")
    True
    """
    if kind not in TEMPLATES:
        raise UsageError(f"unknown template {kind!r}; allowed: {', '.join(TEMPLATES)}", field="--template")
    flow = kind == "flow"
    title = {"stock": "Savings claim (case review counts)", "flow": "Savings claim on new placements (flow)",
             "reported": "Savings claim (rebuilt from reported shares)"}[kind]
    text = _HEAD.format(title=title, name=name)
    text += _CLAIM.format(per="total" if flow else "year", basis="flow" if flow else "stock")
    text += _SETTINGS.format(flow_help=_FLOW_HELP if flow else "",
                             new_main="\nnew_per_year = 340                 # EXAMPLE only: replace with your figure" if flow else "",
                             new_state="\nnew_per_year = 280                 # EXAMPLE only" if flow else "",
                             new_ind="\nnew_per_year = 60                  # EXAMPLE only" if flow else "")
    text += _SAMPLE_REPORTED.format() if kind == "reported" else _SAMPLE_COUNTS.format()
    text += _TAIL.format(flow_impl=_FLOW_IMPL if flow else "")
    return text


def write_template(path: str | Path, kind: str = "stock") -> Path:
    """Write a starter scenario; refuse to overwrite an existing file."""
    p = Path(path)
    if p.suffix != ".toml":
        p = p.with_name(p.name + ".toml")
    text = render_template(kind, p.name)
    try:
        with open(p, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError("already exists; auditor new never overwrites a file (choose another name)",
                         path=str(p)) from None
    except OSError as exc:
        raise UsageError(f"cannot be written: {exc.strerror}", path=str(p)) from None
    return p
