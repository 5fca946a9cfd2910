"""JSON Schemas of the ruleset format, the fact models and scenario files.

Generated from the same pydantic models the loader uses, so they cannot drift from what
``asprules validate`` accepts; ``docs/schema/*.schema.json`` are these, written out for
editors (``# yaml-language-server: $schema=../docs/schema/ruleset.schema.json``).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("ruleset", "incident", "operation", "scenarios")


def schema(kind: str) -> dict[str, Any]:
    from ..facts.models import Incident, Operation
    from ..format.document import Document
    from .scenarios import ScenarioFile

    if kind == "ruleset":
        out = TypeAdapter(Document).json_schema(by_alias=True)
        out["title"] = "asprules ruleset (grading, authorization or calendar)"
        _plain_text_allowed(out)
    elif kind == "incident":
        out = Incident.model_json_schema(by_alias=True)
    elif kind == "operation":
        out = Operation.model_json_schema(by_alias=True)
    elif kind == "scenarios":
        out = ScenarioFile.model_json_schema(by_alias=True)
    else:
        raise ValueError(f"unknown schema {kind!r}; one of {', '.join(KINDS)}")
    return {"$schema": SCHEMA_URI, **out}


def _plain_text_allowed(out: dict[str, Any]) -> None:
    # The models accept a plain string wherever {en, zh} text goes (it is read as English).
    defs = out.get("$defs", {})
    if "LocalText" in defs:
        defs["LocalText"] = {"anyOf": [{"type": "string", "minLength": 1}, defs["LocalText"]], "description": "A string, or {en, zh}"}


def render(kind: str) -> str:
    return json.dumps(schema(kind), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
