"""asprules: grade major faults and authorize high-risk operations from declarative rules.

    import asprules
    rules = asprules.load_rulesets("rulesets/")
    decision = asprules.grade(incident_dict, rules)
    print(decision.level, decision.explain())
"""

from __future__ import annotations

from typing import Any, Literal, Mapping

from .decisions import AuthorizationDecision, FiredRule, GradeDecision, RulesetRef, StepResult, Violation
from .errors import AspRulesError, BackendUnavailable, EvaluationError, FactError, Problem, RulesetError
from .facts import (
    Approval,
    Customer,
    Engineer,
    Incident,
    Notification,
    Operation,
    SensitivePeriod,
    incident_from_file,
    operation_from_file,
    parse_incident,
    parse_operation,
)
from .batch import grade_many
from .loader import Rulebook, bundled_rulesets, load_ruleset_texts, load_rulesets

__version__ = "0.1.0"

Backend = Literal["compiled", "rete"]
BACKENDS: tuple[str, ...] = ("compiled", "rete")


def _backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise BackendUnavailable(f"unknown backend {backend!r}", [Problem(f"available backends: {', '.join(BACKENDS)}")])


def grade(incident: Mapping[str, Any] | Incident, rules: Rulebook, *, backend: Backend = "compiled") -> GradeDecision:
    """Grade an incident. Raises :class:`FactError` for bad input, never a deep traceback."""
    _backend(backend)
    if rules.grading is None:
        raise RulesetError("no grading ruleset loaded", [Problem(f"loaded files: {', '.join(rules.files) or 'none'}")])
    if backend == "rete":
        from . import rete

        return rete.grade(parse_incident(incident), rules.grading)
    return rules.grading.grade(parse_incident(incident))


def authorize(operation: Mapping[str, Any] | Operation, rules: Rulebook, *, backend: Backend = "compiled") -> AuthorizationDecision:
    """Decide whether an operation may run now: ``authorized``, ``pending`` or ``denied``."""
    _backend(backend)
    if rules.authorization is None:
        raise RulesetError("no authorization ruleset loaded", [Problem(f"loaded files: {', '.join(rules.files) or 'none'}")])
    if backend == "rete":
        from . import rete

        return rete.authorize(parse_operation(operation), rules.authorization)
    return rules.authorization.authorize(parse_operation(operation))


__all__ = [
    "Approval",
    "AspRulesError",
    "AuthorizationDecision",
    "BackendUnavailable",
    "Customer",
    "Engineer",
    "EvaluationError",
    "FactError",
    "FiredRule",
    "GradeDecision",
    "Incident",
    "Notification",
    "Operation",
    "Problem",
    "Rulebook",
    "RulesetError",
    "RulesetRef",
    "SensitivePeriod",
    "StepResult",
    "Violation",
    "authorize",
    "bundled_rulesets",
    "grade",
    "grade_many",
    "incident_from_file",
    "load_ruleset_texts",
    "load_rulesets",
    "operation_from_file",
    "parse_incident",
    "parse_operation",
]
