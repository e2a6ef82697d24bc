"""Every council's EHC plans by setting, from DfE's published tables.

The packaged files (``auditor/data/``, see its README for sources and
licence) give, for England, every region and every local authority:

* the caseload of EHC plans by setting each January, 2019–2025;
* the new EHC plans made each calendar year, 2019–2024, by setting;
* SEND Tribunal appeals registered against appealable decisions, 2014–2024;
* the councils in the Delivering Better Value (DBV) in SEND programme.

DfE publishes many placement columns; auditor groups them into the
categories of :data:`CATEGORIES`, the same way for every council and year:

``mainstream``
    mainstream schools, not in a resourced provision or SEN unit
    (``mainstream_total`` less the two unit columns);
``resourced_provision``
    resourced provision *and* SEN units together: some councils code the
    same places as one in one year and the other the next (West Sussex's
    358 are "resourced provision" in January 2022 and 2024 and "SEN unit"
    in January 2023), so only the sum is a consistent series;
``state_special``
    LA maintained plus academy and free special schools;
``independent_special``
    independent plus non-maintained special schools;
``alternative_provision``, ``post_16`` (FE colleges, specialist post-16
institutions and other post-16 providers) and ``other`` (everything else:
home education, other arrangements, not in education, early years, awaiting
provision, unknown).

The module reads with :mod:`csv` (no pandas), caches each file once per
process, and raises :class:`~auditor.errors.UsageError` for an unknown
council with a "did you mean" suggestion.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from ..errors import UsageError

__all__ = ["CATEGORIES", "Council", "caseload", "new_plans", "appeal_rates", "dbv_councils", "councils",
           "find_council", "counts", "new_plan_counts", "infer_category", "SOURCE_URL", "DATA_DIR",
           "CASELOAD_YEARS", "NEW_PLAN_YEARS", "DFE_NAMES", "years_for", "category_total", "parse_dfe", "population_warnings", "council_rows", "setting_categories", "REORGANISED", "reorganisation_note"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SOURCE_URL = "https://explore-education-statistics.service.gov.uk/find-statistics/education-health-and-care-plans"
CASELOAD_YEARS = tuple(range(2019, 2026))
NEW_PLAN_YEARS = tuple(range(2019, 2025))

#: auditor's placement categories and the DfE columns each one sums.
CATEGORIES: dict[str, str] = {
    "mainstream": "mainstream schools, not in a resourced provision or SEN unit",
    "resourced_provision": "resourced provision and SEN units in mainstream schools",
    "state_special": "state special schools (LA maintained, academy and free)",
    "independent_special": "independent and non-maintained special schools",
    "alternative_provision": "alternative provision and pupil referral units",
    "post_16": "further education and other post-16 providers",
    "other": "everything else (home education, other arrangements, not in education, early years, unknown)",
}

#: The DfE columns behind each category, as a source line names them.
DFE_NAMES: dict[str, str] = {
    "mainstream": "mainstream_total less resourced provision and SEN unit columns",
    "resourced_provision": "resourced provision + SEN unit columns",
    "state_special": "special_la_maintained + special_academy_free",
    "independent_special": "special_independent + special_non_maintained",
    "alternative_provision": "ap_pru_total",
    "post_16": "fe_total",
    "other": "ehcplans less every category above",
}

# Setting names people use, after canonical_key-style normalising, and the category each means.
_SYNONYMS = {
    "mainstream": "mainstream", "mainstream_school": "mainstream", "mainstream_schools": "mainstream",
    "resourced_provision": "resourced_provision", "rp": "resourced_provision", "sen_unit": "resourced_provision",
    "sen_units": "resourced_provision", "unit": "resourced_provision", "units": "resourced_provision",
    "resourced_provision_units": "resourced_provision", "specialist_provision": "resourced_provision",
    "state_special": "state_special", "maintained_special": "state_special", "special": "state_special",
    "special_school": "state_special", "state_special_school": "state_special",
    "independent_special": "independent_special", "independent": "independent_special",
    "non_maintained_special": "independent_special", "independent_special_school": "independent_special",
    "ins": "independent_special", "inmss": "independent_special",
    "alternative_provision": "alternative_provision", "ap": "alternative_provision", "pru": "alternative_provision",
    "post_16": "post_16", "post16": "post_16", "fe": "post_16", "college": "post_16", "further_education": "post_16",
}


#: Councils created by reorganisation: new code → (predecessor codes, when, what changed). DfE reports the
#: predecessor up to the January before the change and the successors from the January after.
REORGANISED = {
    "942": (("909",), "April 2023", "Cumbria (909) split into Cumberland (942) and Westmorland and Furness (943)"),
    "943": (("909",), "April 2023", "Cumbria (909) split into Cumberland (942) and Westmorland and Furness (943)"),
    "940": (("928",), "April 2021", "Northamptonshire (928) split into North (940) and West (941) "
                                    "Northamptonshire"),
    "941": (("928",), "April 2021", "Northamptonshire (928) split into North (940) and West (941) "
                                    "Northamptonshire"),
    "838": (("835", "836", "837"), "April 2019", "Dorset (835), Poole (836) and Bournemouth (837) became Dorset "
                                                 "(838) and Bournemouth, Christchurch and Poole (839)"),
    "839": (("835", "836", "837"), "April 2019", "Dorset (835), Poole (836) and Bournemouth (837) became Dorset "
                                                 "(838) and Bournemouth, Christchurch and Poole (839)"),
}


def reorganisation_note(code: str) -> str:
    """A sentence on a reorganised council's predecessors, or ``""``.

    Examples
    --------
    >>> reorganisation_note("942")
    'Cumbria (909) split into Cumberland (942) and Westmorland and Furness (943) in April 2023'
    """
    if code in REORGANISED:
        _, when, what = REORGANISED[code]
        return f"{what} in {when}"
    for _new, (old, when, what) in REORGANISED.items():
        if code in old:
            return f"{what} in {when}"
    return ""


@dataclass(frozen=True)
class Council:
    """A local authority as DfE names it: 3-digit code, 9-character code, name and region."""

    old_code: str
    new_code: str
    name: str
    region: str

    def label(self) -> str:
        """``"West Sussex (938, E10000032)"``."""
        return f"{self.name} ({self.old_code}, {self.new_code})"


# ---- reading ------------------------------------------------------------------

def _read(name: str) -> list[dict[str, str]]:
    path = DATA_DIR / name
    raw = path.read_bytes()
    text = gzip.decompress(raw).decode("utf-8") if name.endswith(".gz") else raw.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _int(v: str) -> int | None:
    return int(v) if v else None


def _categories(r: dict[str, str]) -> dict[str, int | None]:
    """One packaged row → counts by category (None where DfE suppressed a cell)."""
    n = {k: _int(v) for k, v in r.items() if k not in ("year", "calendar_year", "level", "region",
                                                        "old_la_code", "new_la_code", "la_name")}

    def add(*keys: str) -> int | None:
        vals = [n[k] for k in keys]
        return None if any(v is None for v in vals) else sum(vals)

    units = add("resourced_provision", "sen_unit")
    main = None if n["mainstream_total"] is None or units is None else n["mainstream_total"] - units
    out = {"total": n["total"], "mainstream": main, "resourced_provision": units,
           "state_special": add("special_la_maintained", "special_academy_free"),
           "independent_special": add("special_independent", "special_non_maintained"),
           "alternative_provision": n["ap_pru_total"], "post_16": n["fe_total"],
           "mainstream_all": n["mainstream_total"]}
    parts = [out[k] for k in ("mainstream", "resourced_provision", "state_special", "independent_special",
                              "alternative_provision", "post_16")]
    out["other"] = None if out["total"] is None or any(p is None for p in parts) else out["total"] - sum(parts)
    return out


def _table(name: str, year_col: str) -> dict[tuple[str, int], dict]:
    """``(code, year) → row`` where code is ``"E92000001"``-style for England and regions, else the old code."""
    out = {}
    for r in _read(name):
        key = r["old_la_code"] if r["level"] == "la" else ("england" if r["level"] == "national" else r["region"])
        out[(key, int(r[year_col]))] = {"name": r["la_name"] or ("England" if r["level"] == "national"
                                                                   else r["region"]),
                                        "level": r["level"], "region": r["region"],
                                        "old_code": r["old_la_code"], "new_code": r["new_la_code"],
                                        **_categories(r)}
    # DfE's new-plans table repeats the region's total in the total column of every
    # Yorkshire and The Humber council for 2022 (6,078 each, while their settings sum
    # to a few hundred). A council's total equal to its region's is such a copy: it is
    # read as unknown (None), never as a figure, and the settings columns are kept.
    for (key, year), row in out.items():
        region = out.get((row["region"], year))
        if row["level"] == "la" and region is not None and row["total"] is not None \
                and row["total"] == region["total"]:
            row["total"] = None
            row["other"] = None
            row["total_note"] = "DfE's total repeats the region's; read as unknown"
    return out


@lru_cache(maxsize=1)
def caseload() -> dict[tuple[str, int], dict]:
    """EHC plans by category each January: ``(old LA code | "england" | region, year) → row``.

    Examples
    --------
    >>> row = caseload()[("938", 2023)]
    >>> row["name"], row["total"], row["state_special"], row["independent_special"]
    ('West Sussex', 7192, 1986, 613)
    """
    return _table("ehcp_caseload.csv.gz", "year")


@lru_cache(maxsize=1)
def new_plans() -> dict[tuple[str, int], dict]:
    """New EHC plans made in each calendar year, by category; keyed as :func:`caseload`.

    Examples
    --------
    >>> new_plans()[("938", 2022)]["total"]
    695
    """
    return _table("ehcp_new_plans.csv.gz", "calendar_year")


@lru_cache(maxsize=1)
def appeal_rates() -> dict[tuple[str, int], tuple[int | None, int | None]]:
    """``(old LA code, calendar year) → (appeals registered, appealable decisions)``.

    Examples
    --------
    >>> appeal_rates()[("938", 2023)][0] > 0
    True
    """
    return {(r["la_code"], int(r["calendar_year"])): (_int(r["appeals_registered"]),
                                                      _int(r["total_appealable_decisions"]))
            for r in _read("la_appeal_rates.csv.gz")}


@lru_cache(maxsize=1)
def dbv_councils() -> dict[str, dict[str, str]]:
    """Councils in the DBV programme: ``old LA code → {tranche, started, name, ...}``.

    Examples
    --------
    >>> dbv_councils()["938"]["tranche"]
    '2'
    """
    return {r["old_la_code"]: r for r in _read("dbv_councils.csv")}


@lru_cache(maxsize=1)
def councils() -> tuple[Council, ...]:
    """Every local authority in the caseload table (any year), sorted by name.

    Examples
    --------
    >>> any(c.old_code == "938" and c.new_code == "E10000032" for c in councils())
    True
    """
    seen: dict[str, Council] = {}
    for (code, _year), row in sorted(caseload().items(), key=lambda kv: kv[0][1]):
        if row["level"] == "la":
            seen[code] = Council(code, row["new_code"], row["name"], row["region"])
    return tuple(sorted(seen.values(), key=lambda c: c.name))


# ---- look-up ------------------------------------------------------------------

def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).strip()


def find_council(text: str | int, *, field: str = "--council", path: str | None = None) -> Council:
    """The council named by a name, a 3-digit DfE code or a 9-character ONS code.

    Raises
    ------
    UsageError
        For an unknown council, with the closest names as a suggestion.

    Examples
    --------
    >>> find_council("west sussex").old_code, find_council(938).name, find_council("E10000032").name
    ('938', 'West Sussex', 'West Sussex')
    """
    import difflib

    key = str(text).strip()
    every = councils()
    for c in every:
        if key == c.old_code or key.upper() == c.new_code or _norm(key) == _norm(c.name):
            return c
    names = {_norm(c.name): c.name for c in every}
    close = difflib.get_close_matches(_norm(key), list(names), n=3, cutoff=0.6)
    if not close:  # a fragment such as "Sussex": suggest names that contain it
        close = [n for n in names if _norm(key) and _norm(key) in n][:3]
    hint = f"; did you mean {' or '.join(repr(names[n]) for n in close)}?" if close else \
        "; give a council's name, its 3-digit DfE code (938) or its 9-character code (E10000032); " \
        "`auditor councils` lists them"
    raise UsageError(f"no council called {key!r} in DfE's EHC plan tables{hint}", path=path, field=field)


def counts(code: str, year: int) -> dict | None:
    """The caseload row of a council (old code), ``"england"`` or a region in January ``year``, or None."""
    return caseload().get((code, year))


def new_plan_counts(code: str, year: int) -> dict | None:
    """New plans made in calendar ``year`` (None where not published)."""
    return new_plans().get((code, year))


def years_for(code: str) -> list[int]:
    """January caseload years published for a council code."""
    return sorted(y for (c, y) in caseload() if c == code)


def infer_category(key: str) -> str | None:
    """The DfE category a setting name means, or None when it cannot be told from the name.

    Examples
    --------
    >>> infer_category("state_special"), infer_category("Independent special"), infer_category("respite")
    ('state_special', 'independent_special', None)
    """
    return _SYNONYMS.get(re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_"))


def category_total(row: dict, categories: Iterable[str]) -> int | None:
    """The sum of ``categories`` in a row (None if any is suppressed)."""
    vals = [row.get(c) for c in categories]
    return None if any(v is None for v in vals) else int(sum(vals))


# ---- scenarios ----------------------------------------------------------------

def parse_dfe(value, field: str) -> tuple[str, ...]:
    """A setting's ``dfe`` key: one category name, a list of them, or ``"none"`` (no DfE counterpart)."""
    from ..errors import ScenarioError

    items = [value] if isinstance(value, str) else value
    allowed = f"allowed: {', '.join(CATEGORIES)}, a list of them, or \"none\""
    if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
        raise ScenarioError(f"must be a DfE category name or a list of them; {allowed}", field=field)
    if items == ["none"]:
        return ("none",)
    for x in items:
        if x not in CATEGORIES:
            raise ScenarioError(f"unknown DfE category {x!r}; {allowed}", field=field)
    if len(set(items)) != len(items):
        twice = next(x for x in items if items.count(x) > 1)
        raise ScenarioError(f"names {twice!r} twice; give each DfE category once", field=field)
    return tuple(items)


def setting_categories(setting) -> tuple[str, ...]:
    """The DfE categories a scenario setting stands for: its ``dfe`` key, else inferred from its name."""
    if setting.dfe:
        return () if setting.dfe == ("none",) else setting.dfe
    cat = infer_category(setting.key)
    return (cat,) if cat else ()


def population_warnings(scenario, *, tolerance: float = 0.05) -> list[str]:
    """One line per cohort more than ``tolerance`` away from DfE's figure for the scenario's council and year.

    The lines start with the dotted field; ``validate`` and ``run`` print each
    after ``auditor: warning: <file>:`` (see :attr:`Scenario.warnings`).

    Settings whose DfE category cannot be told (no ``dfe`` key and a name
    auditor does not recognise) and cohorts of 0 (a destination only) are
    not compared; the first kind is listed in one line of its own.

    Examples
    --------
    >>> from auditor.inputs.scenario import load_scenario
    >>> population_warnings(load_scenario("scenarios/west-sussex-2023.toml"))  # no la_code: nothing to compare
    []
    """
    if scenario.la_code is None or scenario.census_year is None:
        return []
    council = find_council(scenario.la_code)
    row = counts(council.old_code, scenario.census_year)
    out, unmapped = [], []
    for s in scenario.settings:
        cats = setting_categories(s)
        if not cats:
            if s.dfe != ("none",):
                unmapped.append(s.key)
            continue
        if s.cohort == 0:
            continue
        dfe = category_total(row, cats)
        if dfe is None:
            out.append(f"settings.{s.key}.cohort: DfE suppressed {' + '.join(cats)} for "
                       f"{council.name} in January {scenario.census_year}; the cohort could not be checked")
            continue
        if dfe == 0 or abs(s.cohort - dfe) / dfe > tolerance:
            gap = "" if dfe == 0 else f" ({(s.cohort - dfe) / dfe:+.0%})"
            out.append(f"settings.{s.key}.cohort: {s.cohort:,} differs from DfE's {dfe:,}{gap} for "
                       f"{council.name} ({council.old_code}), January {scenario.census_year}, "
                       f"{' + '.join(cats)}; source: {SOURCE_URL}")
    if unmapped:
        out.append(f"settings: {', '.join(unmapped)} not compared with DfE (the category cannot be told "
                   f"from the name; add dfe = \"...\" to the setting, one of {', '.join(CATEGORIES)}, or "
                   f"\"none\")")
    return out


def council_rows(year: int | None = None) -> list[dict]:
    """One dict per council with a caseload in January ``year`` (default: the latest): codes and counts.

    Examples
    --------
    >>> ws = next(r for r in council_rows(2023) if r["code"] == "938")
    >>> ws["total"], ws["state_special"], ws["new_plans"], ws["dbv_tranche"]
    (7192, 1986, 695, '2')
    """
    if year is None:
        year = CASELOAD_YEARS[-1]
    if year not in CASELOAD_YEARS:
        raise UsageError(f"must be a January from {CASELOAD_YEARS[0]} to {CASELOAD_YEARS[-1]} (DfE's caseload "
                         f"packaged with auditor), got {year}", field="--year")
    dbv = dbv_councils()
    rows = []
    for c in councils():
        row = counts(c.old_code, year)
        if row is None:
            continue
        new = new_plan_counts(c.old_code, year - 1)
        appeals = appeal_rates().get((c.old_code, year - 1))
        rows.append({"code": c.old_code, "ons_code": c.new_code, "name": c.name, "region": c.region, "year": year,
                     **{k: row[k] for k in ("total", *CATEGORIES)},
                     "new_plans": None if new is None else new["total"],
                     "appeals": None if appeals is None else appeals[0],
                     "appealable_decisions": None if appeals is None else appeals[1],
                     "dbv_tranche": dbv[c.old_code]["tranche"] if c.old_code in dbv else None,
                     "source": SOURCE_URL})
    return rows
