"""The council picker's data: DfE caseload by setting for every council, when auditor ships it.

The web app asks two things: the list of councils for a January, and one
council's cohorts for the settings the scenario has. Both come from
``auditor.inputs.councils`` (DfE "Education, health and care plans", packaged
with auditor); this module only reshapes them for JSON.
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = ["council_list", "council_cohorts"]


def _data():
    try:
        from ..inputs import councils
    except ImportError:  # an auditor without the packaged DfE tables: the picker says so
        return None
    return councils


def council_list(year: int | None = None) -> dict[str, Any]:
    """``{"available", "years", "year", "source", "councils": [{"code", "name", "region", ...counts}]}``."""
    data = _data()
    if data is None:
        return {"available": False, "years": [], "year": None, "source": None, "councils": []}
    rows = data.council_rows(year)
    return {"available": True, "years": list(data.CASELOAD_YEARS), "year": rows[0]["year"] if rows else year,
            "source": data.SOURCE_URL, "categories": data.CATEGORIES,
            "councils": [{k: r[k] for k in ("code", "ons_code", "name", "region", "total", *data.CATEGORIES)}
                         for r in rows]}


def council_cohorts(code: str, year: int | None, settings: Sequence[str]) -> dict[str, Any]:
    """One council's children with an EHC plan in each of ``settings`` (by the DfE category each name means)."""
    from ..errors import UsageError

    data = _data()
    if data is None:
        raise UsageError("this copy of auditor has no council data", field="council")
    council = data.find_council(code, field="council")
    year = year if year is not None else data.CASELOAD_YEARS[-1]
    row = data.counts(council.old_code, year)
    if row is None:
        raise UsageError(f"DfE publishes no caseload for {council.name} in January {year}", field="census_year")
    cohorts: dict[str, int | None] = {}
    unmatched: list[str] = []
    for key in settings:
        category = data.infer_category(key)
        if category is None:
            unmatched.append(key)
        else:
            cohorts[key] = row.get(category)
    from dataclasses import fields

    from ..inputs.scenario import Scenario

    return {"code": council.old_code, "ons_code": council.new_code, "name": council.name, "year": year,
            "cohorts": cohorts, "unmatched": unmatched,
            # Whether scenarios record the council and January (`[scenario] la_code`, `census_year`).
            "scenario_keys": "la_code" in {f.name for f in fields(Scenario)},
            "source": f"DfE 'Education, health and care plans', caseload, January {year}, {council.name} "
                      f"({council.old_code}), {data.SOURCE_URL}"}
