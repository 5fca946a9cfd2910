"""JSON Schemas of the ruleset format, fact schema files, the fact models and scenario files.

Generated from the same pydantic models the loader uses, so they cannot drift from what
``asprules validate`` accepts; ``docs/schema/*.schema.json`` are these, written out for
editors (``# yaml-language-server: $schema=../docs/schema/ruleset.schema.json``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter

from ..errors import Problem, RulesetError

if TYPE_CHECKING:
    from ..engine.rulebook import Rulebook

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("ruleset", "facts", "incident", "operation", "scenarios")


def schema(kind: str, rules: Rulebook | None = None) -> dict[str, Any]:
    """The JSON Schema of ``kind``: the ruleset format, scenario files, a bundled fact
    model, or — with ``rules`` — a fact schema those files declare (by its id)."""
    from ..facts.models import Incident, Operation
    from ..facts.schema import FactsDocument
    from ..format.document import Document
    from .scenarios import ScenarioFile

    declared = rules.fact_schema(kind) if rules is not None else None
    if declared is not None and not declared.bundled:
        out = declared.model.model_json_schema(by_alias=True)
        out["title"] = f"asprules fact schema {declared.id!r}"
        return {"$schema": SCHEMA_URI, **out}
    if kind == "ruleset":
        out = TypeAdapter(Document).json_schema(by_alias=True)
        out["title"] = "asprules ruleset (grading, authorization or calendar)"
        _plain_text_allowed(out)
    elif kind == "facts":
        out = FactsDocument.model_json_schema(by_alias=True)
        out["title"] = "asprules fact schema file (kind: facts)"
        _plain_text_allowed(out)
    elif kind == "incident":
        out = Incident.model_json_schema(by_alias=True)
    elif kind == "operation":
        out = Operation.model_json_schema(by_alias=True)
    elif kind == "scenarios":
        out = ScenarioFile.model_json_schema(by_alias=True)
    else:
        declared_ids = sorted(s.id for s in rules.fact_schemas) if rules is not None else []
        raise RulesetError(
            f"unknown schema {kind!r}",
            [Problem(f"one of {', '.join(KINDS + tuple(declared_ids))}" + ("" if rules is not None else "; a declared fact schema needs --rules"))],
        )
    return {"$schema": SCHEMA_URI, **out}


def _plain_text_allowed(out: dict[str, Any]) -> None:
    # The models accept a plain string wherever {en, zh} text goes (it is read as English).
    defs = out.get("$defs", {})
    if "LocalText" in defs:
        defs["LocalText"] = {"anyOf": [{"type": "string", "minLength": 1}, defs["LocalText"]], "description": "A string, or {en, zh}"}


def render(kind: str, rules: Rulebook | None = None) -> str:
    return json.dumps(schema(kind, rules), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
