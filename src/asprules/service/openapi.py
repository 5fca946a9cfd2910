"""The OpenAPI 3.1 document of a running service, generated from the rules it serves.

The request bodies are the JSON Schemas of the fact models the loaded rulesets decide on
(the handbook's incident and operation, or an organization's declared fact schema with
its own fields), so a client generator or a ticketing system's integration sees exactly
what the service validates. It is rebuilt with every reload, aside, before the swap.

The decision bodies are described by :func:`decision_schema`: the published decision
contract of ``GradeDecision.to_json()`` / ``AuthorizationDecision.to_json()`` (issue 15),
which tests/test_decision_json.py keeps equal to the CLI's output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic.json_schema import models_json_schema

if TYPE_CHECKING:
    from .core import ServiceConfig
    from .rules import Snapshot

REF = "#/components/schemas/{model}"

def decision_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one decision body as the service (and ``--format json``) writes
    it: the published decision contract (``asprules schema grade-decision`` /
    ``authorization-decision``), its ``$defs`` moved into the document's components
    (prefixed ``Decision``) so the references resolve in OpenAPI."""
    from ..checks.schema import schema

    out = schema("grade-decision" if kind == "grade" else "authorization-decision")
    out.pop("$schema", None)
    out.pop("$defs", None)
    return _components_refs(out)


def decision_defs() -> dict[str, Any]:
    """The shared parts of the decision schemas, as OpenAPI components."""
    from ..checks.schema import schema

    defs = schema("grade-decision")["$defs"]
    return {f"Decision{name}": _components_refs(value) for name, value in defs.items()}


def _components_refs(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (REF.format(model="Decision" + v.removeprefix("#/$defs/")) if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/") else _components_refs(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_components_refs(v) for v in value]
    return value


_ERROR = {
    "type": "object",
    "required": ["error", "summary", "problems"],
    "properties": {
        "error": {"type": "string", "description": "FactError, EvaluationError, RulesetError, BadRequest, Unauthorized, NotFound, PayloadTooLarge, …"},
        "summary": {"type": "string", "description": "In the request's language (lang=, Accept-Language)"},
        "problems": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "file": {"type": ["string", "null"]},
                    "line": {"type": ["integer", "null"]},
                    "column": {"type": ["integer", "null"]},
                    "field": {"type": "string", "description": "Dotted path of the offending field; a batch's starts with [index]"},
                    "message": {"type": "string", "description": "In the request's language (lang=, Accept-Language)"},
                    "code": {"type": ["string", "null"], "description": "The message's stable code, the same in every language"},
                },
            },
        },
    },
}


def language_parameters() -> list[dict[str, Any]]:
    """``lang`` and ``Accept-Language``: the language of an answer's texts (every route takes them)."""
    from ..i18n import DEFAULT_LANGUAGE, LANGUAGES

    return [
        {"name": "lang", "in": "query", "required": False, "schema": {"type": "string", "enum": list(LANGUAGES), "default": DEFAULT_LANGUAGE},
         "description": "The language of the answer's texts: a decision's rendered reasons (each reason's text beside its code and params) "
                        "and an error's summary and problem messages. It wins over Accept-Language; another value is a 400 BadRequest "
                        "(problem field lang)."},
        {"name": "Accept-Language", "in": "header", "required": False, "schema": {"type": "string"},
         "description": f"Used when there is no lang=: the first of {', '.join(LANGUAGES)} it ranks (by q); none of them: English."},
    ]


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Not JSON, a bad query parameter, or an unsupported lang=", 401: "No or an unknown bearer token", 404: "Not served by the loaded rules",
            413: "Body or batch too large", 422: "A fact is invalid or the rules cannot decide it"}
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}} for c in codes}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document(snapshot: Snapshot, config: ServiceConfig) -> dict[str, Any]:
    """The OpenAPI document for ``snapshot``'s rules."""
    from .. import __version__

    rules = snapshot.rules
    gradings = list(rules.gradings.values())
    served: list[tuple[str, list[Any]]] = [(k, e) for k, e in (("grade", gradings), ("authorize", [rules.authorization])) if e and e[0] is not None]
    models: dict[Any, None] = {}  # distinct, in order
    for _, evaluators in served:
        for evaluator in evaluators:
            models[_model(evaluator)] = None
    keys, defs = models_json_schema([(m, "validation") for m in models], ref_template=REF, by_alias=True)
    components: dict[str, Any] = dict(defs.get("$defs", {}))
    components["Error"] = _ERROR
    components.update(decision_defs())
    paths: dict[str, Any] = {}
    security = [{"bearer": []}] if config.auth else []
    for kind, evaluators in served:
        facts = list({keys[(_model(e), "validation")]["$ref"]: None for e in evaluators})
        fact = {"$ref": facts[0]} if len(facts) == 1 else {"oneOf": [{"$ref": f} for f in facts]}
        name = "GradeDecision" if kind == "grade" else "AuthorizationDecision"
        components[name] = decision_schema(kind)
        ids = [e.ref.id for e in evaluators]
        params = (
            [{"name": "decision", "in": "query", "required": len(ids) > 1, "schema": {"type": "string", "enum": ids},
              "description": "The grading decision to take (a grading ruleset's id; needed when several are served)"}]
            if kind == "grade" else
            [{"name": "at", "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"},
              "description": "The evaluation time, with an offset (default: the operation's scheduled start)"}]
        )
        what = ", ".join(sorted({e.ctx.schema.id if e.ctx.schema is not None else _model(e).__name__ for e in evaluators}))
        paths[f"/v1/{kind}"] = {
            "post": {
                "operationId": kind,
                "summary": f"{'Grade' if kind == 'grade' else 'Authorize'} one {what} fact, or a batch of them, with {', '.join(ids)}",
                "parameters": params + language_parameters(),
                "security": security,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"oneOf": [fact, {"type": "array", "items": fact, "maxItems": config.max_batch}]}}},
                },
                "responses": {
                    "200": {
                        **_json(
                            {"oneOf": [
                                {"$ref": f"#/components/schemas/{name}"},
                                {"type": "object", "required": ["decisions"],
                                 "properties": {"decisions": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}}},
                            ]},
                            "The decision (one fact), or the decisions in input order (a batch)",
                        ),
                        "headers": {"X-Asprules-Ruleset-Sha256": {"schema": {"type": "string"}, "description": "The ruleset that decided"}},
                    },
                    **_errors(400, 401, 404, 413, 422),
                },
            }
        }
    paths["/v1/rulesets"] = {"get": {"operationId": "rulesets", "summary": "The rulesets served: ids, versions, sha256", "security": security,
                                     "parameters": language_parameters(),
                                     "responses": {"200": _json({"type": "object"}, "The rulesets and fact schemas loaded"), **_errors(400, 401)}}}
    paths["/healthz"] = {"get": {"operationId": "healthz", "summary": "Liveness", "responses": {"200": _json({"type": "object"}, "Alive")}}}
    paths["/readyz"] = {"get": {"operationId": "readyz", "summary": "Readiness: the rules served, and whether the last reload failed",
                                "responses": {"200": _json({"type": "object"}, "Serving (status ready or stale)")}}}
    paths["/metrics"] = {"get": {"operationId": "metrics", "summary": "Prometheus metrics", "security": security,
                                 "responses": {"200": {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}}, **_errors(401)}}}
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "asprules decision service",
            "version": __version__,
            "description": "Rulesets: " + ", ".join(f"{r['kind']} {r['id']} (sha256 {r['sha256']})" for r in snapshot.rulesets()),
        },
        "paths": paths,
        "components": {"schemas": components},
    }
    if config.auth:
        doc["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    return doc


def _model(evaluator: Any) -> Any:
    """The pydantic model facts for ``evaluator`` are validated with."""
    from ..engine.grading import GradingEvaluator
    from ..facts.models import Incident, Operation

    if evaluator.ctx.schema is not None:
        return evaluator.ctx.schema.model
    return Incident if isinstance(evaluator, GradingEvaluator) else Operation
