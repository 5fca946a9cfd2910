"""The Rete backend: asprules rulesets compiled to durable-rules JSON rulesets.

``asprules.grade(..., backend="rete")`` and ``authorize(..., backend="rete")`` come here.
Each compiled evaluator gets its Rete engine once, under a lock, and keeps it, so the
engine lives and dies with its :class:`~asprules.loader.Rulebook`. See ``docs/backends.md``.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from ...engine.authorization import AuthorizationEvaluator
from ...engine.decisions import AuthorizationDecision, GradeDecision
from ...engine.grading import GradingEvaluator
from ...facts.models import Incident, Operation
from .host import durable_engine

_LOCK = threading.Lock()
_SLOT = "_rete_engine"


def _engine_for(evaluator: Any, build: Any) -> Any:
    engine = getattr(evaluator, _SLOT, None)
    if engine is None:
        with _LOCK:
            engine = getattr(evaluator, _SLOT, None)
            if engine is None:
                engine = build(evaluator)
                setattr(evaluator, _SLOT, engine)
    return engine


def grader(evaluator: GradingEvaluator):
    from .grading import ReteGrader

    return _engine_for(evaluator, ReteGrader)


def authorizer(evaluator: AuthorizationEvaluator):
    from .authorization import ReteAuthorizer

    return _engine_for(evaluator, ReteAuthorizer)


def grade(incident: Incident, evaluator: GradingEvaluator) -> GradeDecision:
    return grader(evaluator).grade(incident)


def authorize(operation: Operation, evaluator: AuthorizationEvaluator, at: datetime | None = None) -> AuthorizationDecision:
    return authorizer(evaluator).authorize(operation, at)


__all__ = ["authorize", "authorizer", "durable_engine", "grade", "grader"]
