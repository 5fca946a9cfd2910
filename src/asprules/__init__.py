"""asprules: grade major faults and authorize high-risk operations from declarative rules.

    import asprules
    rules = asprules.load_rulesets("rulesets/")
    decision = asprules.grade(incident_dict, rules)
    print(decision.level, decision.explain())
"""

from __future__ import annotations

from .decide import BACKENDS, Backend, authorize, grade, grade_all, grade_many
from .engine.decisions import AuthorizationDecision, FiredRule, GradeDecision, Obligation, RulesetRef, StepResult, Violation, WhyNot
from .errors import AspRulesError, BackendUnavailable, EvaluationError, FactError, Problem, RulesetError
from .facts.models import (
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
from .loader import Rulebook, bundled_rulesets, load_ruleset_texts, load_rulesets

__version__ = "0.1.0"

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
    "Obligation",
    "Operation",
    "Problem",
    "Rulebook",
    "RulesetError",
    "RulesetRef",
    "SensitivePeriod",
    "StepResult",
    "Violation",
    "WhyNot",
    "authorize",
    "bundled_rulesets",
    "grade",
    "grade_all",
    "grade_many",
    "incident_from_file",
    "load_ruleset_texts",
    "load_rulesets",
    "operation_from_file",
    "parse_incident",
    "parse_operation",
]
