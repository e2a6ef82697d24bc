"""A JSON Schema of the scenario format, built from the validators' own vocabularies.

Editors that understand JSON Schema (VS Code with Even Better TOML, for
example) use it to complete and check scenario files as they are typed. The
enumerations (distribution kinds, sampling methods, judgement models, claim
bases) are read from the modules that validate them, so the schema cannot
silently drift: ``tests/test_schema.py`` checks that ``scenarios/schema.json``
is what :func:`scenario_schema` builds now. Regenerate it with
``python -m auditor.inputs.schema > scenarios/schema.json``.

The schema is an editor aid; :func:`auditor.load_scenario` remains the
authority (it also checks cross-field rules such as ``low <= high`` and that
every setting named in the sample is declared).
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["scenario_schema", "schema_json"]

_MONEY = {"description": 'Pounds: a number or text such as "£17.8m", "£46,700,000" or "250k"',
          "type": ["number", "string"]}
_SHARE = {"description": 'A share: 0.67, "67%" or "2/3"', "type": ["number", "string"]}
_TEXT = {"type": "string"}
_WHOLE = {"type": "integer", "minimum": 0}
# A count of children may be written as text, as money may ("600", "2,374").
_COUNT = {"oneOf": [_WHOLE, {"type": "string", "pattern": r"^\s*(\d{1,3}(,\d{3})+|\d+)\s*$"}]}


def _obj(props: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    out.update(extra)
    return out


def _dist() -> dict[str, Any]:
    from .distributions import _OPTIONAL, DIST_KINDS

    params = sorted({p for ps in DIST_KINDS.values() for p in ps} | {p for ps in _OPTIONAL.values() for p in ps})
    table = _obj({"dist": {"enum": list(DIST_KINDS)}, "source": _TEXT, "note": _TEXT,
                  **{p: {"type": ["number", "string"]} for p in params}}, ("dist",))
    return {"description": "A fixed value or an uncertain one: { dist = ..., ... }",
            "anyOf": [{"type": ["number", "string"]}, table]}


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file.

    Examples
    --------
    >>> s = scenario_schema()
    >>> s["properties"]["claim"]["properties"]["basis"]["enum"]
    ['stock', 'flow']
    """
    from .judgement import MODELS
    from .sample import NAMED_PRIORS, SAMPLE_METHODS, SAMPLE_BASES, SPLIT_WEIGHTS, UNSEEN_RULES
    from .scenario import BUDGET_PARTS, SCHEMA_VERSION, SCOPES

    dist = {"$ref": "#/$defs/dist"}
    win_prob = {"description": "A probability: a number in [0, 1] or { dist = ..., ... } on [0, 1]",
                "anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"$ref": "#/$defs/dist/anyOf/1"}]}
    cases_range = {"anyOf": [{"type": "integer", "minimum": 1},
                             _obj({"low": {"type": "integer", "minimum": 1},
                                   "high": {"type": "integer", "minimum": 1}})]}
    report = _obj({"current": _TEXT, "ideal": _TEXT, "share": _SHARE, "count": _WHOLE, "cases": cases_range,
                   "tolerance": {"type": "number", "minimum": 0, "maximum": 1}, "note": _TEXT, "source": _TEXT},
                  ("current", "ideal"))
    transition = _obj({"from": _TEXT, "to": _TEXT, "count": _WHOLE, "note": _TEXT}, ("from", "to", "count"))
    declared_move = _obj({"from": _TEXT, "to": _TEXT, "reason": _TEXT}, ("from", "to", "reason"))
    from .councils import CASELOAD_YEARS, CATEGORIES

    category = {"enum": list(CATEGORIES)}
    dfe = {"description": "The DfE category (or categories) this setting stands for, or \"none\"; "
                          "inferred from the setting's name when omitted",
           "anyOf": [{"enum": [*CATEGORIES, "none"]}, {"type": "array", "minItems": 1, "items": category}]}
    setting = _obj({"label": _TEXT, "cost": dist, "cohort": _COUNT, "schools_block": dist, "transport": dist,
                    "new_per_year": {"type": "number", "minimum": 0}, "dfe": dfe, "source": _TEXT, "note": _TEXT},
                   ("cost", "cohort"))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/auditor/auditor/scenarios/schema.json",
        "title": "auditor scenario",
        "description": "One audited savings claim (see docs and scenarios/README.md).",
        "type": "object",
        "additionalProperties": False,
        "required": ["schema_version", "scenario", "claim", "settings", "sample"],
        "$defs": {"dist": _dist()},
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "scenario": _obj({"title": _TEXT, "authority": _TEXT, "notes": _TEXT,
                              "la_code": {"description": "DfE code of the council (\"938\" or \"E10000032\")",
                                          "type": ["string", "integer"]},
                              "census_year": {"description": "January of DfE's caseload the cohorts come from",
                                              "type": "integer", "minimum": CASELOAD_YEARS[0],
                                              "maximum": CASELOAD_YEARS[-1]},
                              "sources": {"anyOf": [_TEXT, {"type": "array", "items": _TEXT}]}}, ("title",)),
            "claim": _obj({"low": _MONEY, "high": _MONEY, "per": {"enum": ["year", "total"]},
                           "horizon_years": {"type": "integer", "minimum": 1, "maximum": 100},
                           "basis": {"enum": ["stock", "flow"]}, "derived": {"type": "boolean"},
                           "budget": {"enum": list(BUDGET_PARTS)}, "scope": {"enum": list(SCOPES)},
                           "scope_note": _TEXT,
                           "source": _TEXT, "note": _TEXT},
                          ("low", "high")),
            "settings": {"type": "object", "minProperties": 2, "additionalProperties": setting},
            "sample": _obj({"cases": _TEXT, "transitions": {"type": "array", "minItems": 1, "items": transition},
                            "n": {"type": "integer", "minimum": 1},
                            "reported": {"type": "array", "minItems": 1, "items": report},
                            "method": {"enum": list(SAMPLE_METHODS)},
                            "prior": {"anyOf": [{"type": "number", "exclusiveMinimum": 0},
                                                {"enum": list(NAMED_PRIORS)}]},
                            "unseen": {"enum": list(UNSEEN_RULES)}, "splits": {"enum": list(SPLIT_WEIGHTS)},
                            "basis": {"enum": list(SAMPLE_BASES)},
                            "possible": {"type": "array", "items": declared_move},
                            "impossible": {"type": "array", "items": declared_move},
                            "selection_bias": dist,
                            "source": _TEXT, "note": _TEXT}),
            # Each judgement model has its own keys; the loader checks them. The
            # selection model's win probabilities are a number in [0, 1] or a dist table.
            "judgement": {"type": "object", "properties": {"model": {"enum": sorted(MODELS)},
                                                           "win_if_wrong": win_prob, "win_if_right": win_prob}},
            "implementation": _obj({"realisation": dist, "delivered": dist, "failed_move_cost": dist,
                                    "ramp": {"type": "array", "minItems": 1,
                                             "items": {"type": "number", "minimum": 0, "maximum": 1}},
                                    "length_of_stay_years": {"type": "number", "exclusiveMinimum": 0},
                                    "source": _TEXT, "note": _TEXT}),
            "costs": _obj({"correlation": {"type": "number", "minimum": 0, "maximum": 1}, "source": _TEXT,
                           "note": _TEXT}),
            "run": _obj({"draws": {"type": "integer", "minimum": 1}, "seed": {"type": "integer", "minimum": 0}}),
            "verdict": _obj({"collapse_below": {"type": "number", "minimum": 0, "maximum": 1},
                             "hold_at": {"type": "number", "minimum": 0, "maximum": 1},
                             "max_width_ratio": {"type": "number", "exclusiveMinimum": 0}}),
        },
    }


def schema_json() -> str:
    """The schema as the text of ``scenarios/schema.json``."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - the regeneration command
    print(schema_json(), end="")
