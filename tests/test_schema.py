"""The JSON Schema of the scenario format: current, valid, and met by every shipped scenario."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from auditor.inputs.schema import scenario_schema, schema_json
from auditor.inputs.templates import TEMPLATES, render_template
from strategies import base_scenario
from fill import fill_template

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((ROOT / "scenarios" / "schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_shipped_schema_is_current():
    # If this fails, regenerate: python -m auditor.inputs.schema > scenarios/schema.json
    assert (ROOT / "scenarios" / "schema.json").read_text(encoding="utf-8") == schema_json()


def test_round_trip():
    assert json.loads(schema_json()) == scenario_schema()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_conforms(validator, path):
    validator.validate(tomllib.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("kind", TEMPLATES)
def test_templates_conform(validator, kind):
    validator.validate(tomllib.loads(fill_template(render_template(kind))))


@pytest.mark.parametrize("change", [
    lambda d: d["claim"].update(basis="sometimes"),
    lambda d: d.update(colour="red"),
    lambda d: d["sample"].update(method="jackknife"),
    lambda d: d["settings"]["a"].update(cohort=-1),
])
def test_schema_rejects_what_the_loader_rejects(validator, change):
    doc = base_scenario()
    change(doc)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(doc)


def test_selection_win_probabilities_take_numbers_or_dists(validator):
    doc = base_scenario(judgement={"model": "selection", "win_if_wrong": 1.0,
                                   "win_if_right": {"dist": "uniform", "low": 0.3, "high": 0.7}})
    validator.validate(doc)
    doc["judgement"]["win_if_right"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(doc)
    doc["judgement"]["win_if_right"] = {"dist": "uniform", "low": 0.3, "width": 0.4}
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(doc)
