"""JSON Schemas of the ruleset format, fact schema files, the fact models, scenario files and
the decisions (the JSON contract of ``to_json()`` and ``--format json``).

Generated from the same pydantic models the loader uses, so they cannot drift from what
``asprules validate`` accepts; ``docs/schema/*.schema.json`` are these, written out for
editors (``# yaml-language-server: $schema=../docs/schema/ruleset.schema.json``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .. import i18n
from ..errors import RulesetError

if TYPE_CHECKING:
    from ..engine.rulebook import Rulebook

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("ruleset", "facts", "incident", "operation", "scenarios", "grade-decision", "authorization-decision")

# --- the decision JSON contract ---------------------------------------------------------------
# What GradeDecision.to_json() / AuthorizationDecision.to_json() and `asprules grade|authorize
# --format json` print; tests/test_decision_json.py validates both against these. Fields are
# added only through the decision models' to_json(), and the schema with them.

_STR_OR_NULL = {"type": ["string", "null"]}
_LOCAL = {
    "type": "object",
    "description": "A ruleset's own words: English, and Chinese where the ruleset has it",
    "properties": {"en": {"type": "string"}, "zh": _STR_OR_NULL},
    "required": ["en", "zh"],
    "additionalProperties": False,
}
_REASON = {
    "type": "object",
    "description": "A reason: its message code and parameters (to translate it), and its text in the chosen language",
    "properties": {
        "code": {**_STR_OR_NULL, "description": "the message catalog key, e.g. reason.late_notification"},
        "params": {"type": "object", "additionalProperties": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/LocalText"}]}},
        "text": {"type": "string"},
    },
    "required": ["code", "params", "text"],
    "additionalProperties": False,
}
_PROVENANCE = {"enum": ["handbook", "policy", "assumed"]}
_FIRED = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "kind": {"enum": ["row", "adjustment", "risk_class", "step", "constraint", "escalation"]},
        "cite": {"type": "string"},
        "provenance": _PROVENANCE,
        "title": {"anyOf": [{"$ref": "#/$defs/LocalText"}, {"type": "null"}]},
        "detail": {"anyOf": [{"$ref": "#/$defs/Reason"}, {"type": "null"}]},
    },
    "required": ["id", "kind", "cite", "provenance", "title", "detail"],
    "additionalProperties": False,
}
_OBLIGATION = {
    "type": "object",
    "description": "Something the decision requires to happen later, with its deadline",
    "properties": {
        "id": {"type": "string"},
        "kind": {"type": "string"},
        "text": {"type": "string"},
        "due": {**_STR_OR_NULL, "description": "ISO 8601 with its offset, in the customer's zone"},
        "role": _STR_OR_NULL,
        "cite": {"type": "string"},
        "provenance": _PROVENANCE,
        "status": {"enum": ["open", "overdue", "met"]},
    },
    "required": ["id", "kind", "text", "due", "role", "cite", "provenance", "status"],
    "additionalProperties": False,
}
_RULESET = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "version": _STR_OR_NULL},
    "required": ["id", "sha256", "version"],
    "additionalProperties": False,
}
_DEFS = {"LocalText": _LOCAL, "Reason": _REASON, "FiredRule": _FIRED, "Obligation": _OBLIGATION, "RulesetRef": _RULESET}
_COMMON = {
    "id": {**_STR_OR_NULL, "description": "the fact's id (to_json(fact_id=...); the command line gives it)"},
    "line": {"type": "integer", "minimum": 1, "description": "JSON Lines input only: the fact's line"},
    "fired": {"type": "array", "items": {"$ref": "#/$defs/FiredRule"}},
    "obligations": {"type": "array", "items": {"$ref": "#/$defs/Obligation"}},
    "ruleset": {"$ref": "#/$defs/RulesetRef"},
    "lang": {"enum": ["en", "zh"], "description": "the language of every text field"},
}
_COMMON_REQUIRED = ["id", "kind", "fired", "obligations", "ruleset", "lang"]
_WHY_NOT = {
    "type": "object",
    "properties": {"row": {"type": "string"}, "level": {"type": "string"}, "cite": {"type": "string"}, "failed": {"$ref": "#/$defs/Reason"}},
    "required": ["row", "level", "cite", "failed"],
    "additionalProperties": False,
}
GRADE_DECISION = {
    "title": "asprules grade decision (GradeDecision.to_json, asprules grade --format json)",
    "type": "object",
    "properties": {
        **_COMMON,
        "kind": {"const": "grade", "description": "which schema this decision follows"},
        "level": {**_STR_OR_NULL, "description": "null only for a ruleset that declares outputs and no levels"},
        "level_name": {"anyOf": [{"$ref": "#/$defs/LocalText"}, {"type": "null"}]},
        "base_level": _STR_OR_NULL,
        "base_level_name": {"anyOf": [{"$ref": "#/$defs/LocalText"}, {"type": "null"}]},
        "major": {"type": "boolean"},
        "table": _STR_OR_NULL,
        "score": {"type": "number", "description": "the deciding table's total, under hit policy collect sum or count"},
        "why_not": {"type": "array", "items": _WHY_NOT, "description": "grade(..., why_not=True) / --why-not only"},
        "outputs": {"type": "object", "description": "a ruleset that declares outputs only: output name → value"},
        "inputs": {
            "type": "object",
            "additionalProperties": {"type": "object", "description": "a grade decision as this schema describes it"},
            "description": "a ruleset that requires other decisions only: their decisions, by ruleset id",
        },
    },
    "required": [*_COMMON_REQUIRED, "level", "level_name", "base_level", "base_level_name", "major", "table"],
    "additionalProperties": False,
    "$defs": _DEFS,
}
AUTHORIZATION_DECISION = {
    "title": "asprules authorization decision (AuthorizationDecision.to_json, asprules authorize --format json)",
    "type": "object",
    "properties": {
        **_COMMON,
        "kind": {"const": "authorization", "description": "which schema this decision follows"},
        "status": {"enum": ["authorized", "pending", "denied"]},
        "risk": {"type": "string"},
        "risk_name": {"$ref": "#/$defs/LocalText"},
        "missing": {"type": "array", "items": {"type": "string"}, "description": "ids of the steps not yet satisfied"},
        "violations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "rule": {"type": "string"}, "cite": {"type": "string"}, "provenance": _PROVENANCE,
                    "message": {"$ref": "#/$defs/LocalText"}, "text": {"type": "string"},
                    "matched": {
                        "type": "array", "items": {"$ref": "#/$defs/Reason"},
                        "description": "authorize(..., why_not=True) / --why-not only: what in the constraint matched",
                    },
                    "detail": {"$ref": "#/$defs/Reason", "description": "what matched: the period and the operation's local time"},
                },
                "required": ["rule", "cite", "provenance", "message", "text"],
                "additionalProperties": False,
            },
        },
        "steps": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"}, "name": {"$ref": "#/$defs/LocalText"}, "cite": {"type": "string"},
                    "satisfied": {"type": "boolean"}, "reasons": {"type": "array", "items": {"$ref": "#/$defs/Reason"}},
                    "approvals": {
                        "type": "array",
                        "description": "the approval records that counted, each with the instant it stops counting",
                        "items": {
                            "type": "object",
                            "properties": {
                                "by": {"type": "string"}, "role": {"type": "string"}, "at": {"type": "string"},
                                "expires": _STR_OR_NULL, "retrospective": {"type": "boolean"},
                            },
                            "required": ["by", "role", "at", "expires"],
                            "additionalProperties": False,
                        },
                    },
                },
                "required": ["id", "name", "cite", "satisfied", "reasons"],
                "additionalProperties": False,
            },
        },
        "warnings": {"type": "array", "items": {"type": "string"}, "description": "records naming a step, role or obligation the ruleset does not have"},
        "evaluated_at": {**_STR_OR_NULL, "description": "the evaluation time (default: the scheduled start), ISO 8601 with offset"},
    },
    "required": [*_COMMON_REQUIRED, "status", "risk", "risk_name", "missing", "violations", "steps", "warnings", "evaluated_at"],
    "additionalProperties": False,
    "$defs": _DEFS,
}


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
    if kind == "grade-decision":
        out = json.loads(json.dumps(GRADE_DECISION))
    elif kind == "authorization-decision":
        out = json.loads(json.dumps(AUTHORIZATION_DECISION))
    elif kind == "ruleset":
        from pydantic import TypeAdapter  # here: `asprules schema`'s options are listed without pydantic's models

        out = TypeAdapter(Document).json_schema(by_alias=True)
        out["title"] = "asprules ruleset (grading, authorization, calendar or customers)"
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
        kinds = ", ".join(KINDS + tuple(declared_ids))
        problem = i18n.problem("schema_kinds", kinds=kinds) if rules is not None else i18n.problem("schema_kinds_needs_rules", kinds=kinds)
        raise i18n.error(RulesetError, "unknown_schema", [problem], kind=kind)
    return {"$schema": SCHEMA_URI, **out}


def _plain_text_allowed(out: dict[str, Any]) -> None:
    # The models accept a plain string wherever {en, zh} text goes (it is read as English).
    defs = out.get("$defs", {})
    if "LocalText" in defs:
        defs["LocalText"] = {"anyOf": [{"type": "string", "minLength": 1}, defs["LocalText"]], "description": "A string, or {en, zh}"}


def render(kind: str, rules: Rulebook | None = None) -> str:
    return json.dumps(schema(kind, rules), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
