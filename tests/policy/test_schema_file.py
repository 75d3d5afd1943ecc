"""schemas/policy.schema.json is a valid JSON Schema and agrees with the loader."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from dlint.policy.commands import STARTER
from dlint.policy.loader import builtin_packs
from dlint.resources import schema_path

SCHEMA = json.loads(schema_path("policy.schema.json").read_text())


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", sorted(builtin_packs()))
def test_builtin_packs_match_schema(name: str) -> None:
    data = yaml.safe_load(builtin_packs()[name].read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(data)


def test_starter_matches_schema() -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(yaml.safe_load(STARTER))


@pytest.mark.parametrize(
    "data",
    [
        {"fail-on": "loud"},
        {"rules": {"x": {"severity": "fatal"}}},
        {"rules": {"x": 3}},
        {"waivers": [{"rules": ["x"]}]},
        {"bogus": 1},
        {"rules": {"Bad Id": "off"}},
    ],
)
def test_own_validator_and_jsonschema_agree_on_rejects(data: dict[str, object]) -> None:
    from dlint.policy._schema import validate

    assert validate(data, SCHEMA)
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))


def test_docs_mention_schema() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "policies.md").read_text()
    assert "yaml-language-server: $schema=" in doc
