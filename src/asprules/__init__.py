"""asprules: grade major faults and authorize high-risk operations from declarative rules.

    import asprules
    rules = asprules.load_rulesets("rulesets/")
    decision = asprules.grade(incident_dict, rules)
    print(decision.level, decision.explain())
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .decide import BACKENDS, Backend, authorize, grade, grade_all, grade_many
    from .engine.decisions import AuthorizationDecision, CountedApproval, FiredRule, GradeDecision, Obligation, RulesetRef, StepResult, Violation, WhyNot
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

# The public names are imported when first used (PEP 562), so `import asprules` and the
# command line start without loading pydantic models they do not need (docs/performance.md).
_LAZY = {
    "BACKENDS": "asprules.decide",
    "Backend": "asprules.decide",
    "authorize": "asprules.decide",
    "grade": "asprules.decide",
    "grade_all": "asprules.decide",
    "grade_many": "asprules.decide",
    "AuthorizationDecision": "asprules.engine.decisions",
    "CountedApproval": "asprules.engine.decisions",
    "FiredRule": "asprules.engine.decisions",
    "GradeDecision": "asprules.engine.decisions",
    "Obligation": "asprules.engine.decisions",
    "RulesetRef": "asprules.engine.decisions",
    "StepResult": "asprules.engine.decisions",
    "Violation": "asprules.engine.decisions",
    "WhyNot": "asprules.engine.decisions",
    "AspRulesError": "asprules.errors",
    "BackendUnavailable": "asprules.errors",
    "EvaluationError": "asprules.errors",
    "FactError": "asprules.errors",
    "Problem": "asprules.errors",
    "RulesetError": "asprules.errors",
    "Approval": "asprules.facts.models",
    "Customer": "asprules.facts.models",
    "Engineer": "asprules.facts.models",
    "Incident": "asprules.facts.models",
    "Notification": "asprules.facts.models",
    "Operation": "asprules.facts.models",
    "SensitivePeriod": "asprules.facts.models",
    "incident_from_file": "asprules.facts.models",
    "operation_from_file": "asprules.facts.models",
    "parse_incident": "asprules.facts.models",
    "parse_operation": "asprules.facts.models",
    "Rulebook": "asprules.loader",
    "bundled_rulesets": "asprules.loader",
    "load_ruleset_texts": "asprules.loader",
    "load_rulesets": "asprules.loader",
}


def __getattr__(name: str):
    import importlib

    module = _LAZY.get(name)
    if module is None:  # a submodule named as an attribute (`asprules.errors`)
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module 'asprules' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [
    "CountedApproval",
    "Obligation",
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
