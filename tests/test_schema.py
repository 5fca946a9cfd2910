"""The shipped JSON Schemas are exactly what ``asprules schema`` generates from the models."""

from __future__ import annotations

import json

import pytest
import yaml

from asprules.checks.schema import KINDS, render, schema
from asprules.cli import main
from support import REPO

SCHEMAS = REPO / "docs" / "schema"


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_schema_equals_the_generated_one(kind):
    shipped = (SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert shipped == render(kind), f"regenerate: asprules schema {kind} > docs/schema/{kind}.schema.json"


def test_cli_prints_the_ruleset_schema(capsys):
    assert main(["schema"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["$schema"].startswith("https://json-schema.org/")
    branches = [out["$defs"][b["$ref"].rsplit("/", 1)[1]] for b in out["oneOf"]]
    kinds = {b["properties"]["kind"]["const"] for b in branches}
    assert kinds == {"grading", "authorization", "calendar", "customers"}


def test_plain_strings_are_allowed_where_text_goes():
    text = schema("ruleset")["$defs"]["LocalText"]
    assert {"type": "string", "minLength": 1} in text["anyOf"]


def test_every_shipped_yaml_names_its_schema_and_still_loads():
    import asprules

    for path in list((REPO / "rulesets").glob("*.yaml")) + list((REPO / "examples" / "scenarios").glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=") and first.endswith(".schema.json")
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target.is_file() and target.parent == SCHEMAS
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)
    asprules.load_rulesets(REPO / "rulesets")
