"""The authorization ruleset as a durable-rules ruleset: one Rete rule per risk class,
constraint (``when`` and ``unless``), obligation rule and evidence extension. The compiled evaluator's
:meth:`~asprules.engine.authorization.AuthorizationEvaluator.decide` builds the decision from
the matches, so both backends share it. Approval chains stay in Python: whether a step
is satisfied depends on ordering approval records in time against each other, which is
reasoning over a list, not matching of one fact. So do the rest of issue 14's step
requirements — quorum, separation of duties, validity against the evaluation time,
retrospective approvals and their obligations, notification modes and recipients — and
the customer registry's refusal: all of them are decided in ``decide``, shared with the
compiled backend, so the two cannot differ on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...engine.authorization import AuthorizationEvaluator
from ...engine.decisions import AuthorizationDecision
from ...errors import EvaluationError, Problem
from ...facts.models import Operation
from .host import ReteSession, ruleset_name
from .translate import Encoding


class ReteAuthorizer:
    def __init__(self, evaluator: AuthorizationEvaluator):
        self.evaluator = evaluator
        self.encoding = Encoding(evaluator.ctx)
        conditions: dict[str, Any] = {}
        for i, (risk, _) in enumerate(evaluator.risk_classes):
            conditions[f"risk:{i}"] = risk.when
        for i, con in enumerate(evaluator.constraints):
            conditions[f"when:{i}"] = con.model.when
            if con.model.unless is not None:
                conditions[f"unless:{i}"] = con.model.unless
        for i, ob in enumerate(evaluator.obligations):
            conditions[f"obligation:{i}"] = ob.model.when
        for step in evaluator.doc.steps:
            for i, ext in enumerate(step.approval.evidence_also if step.approval else ()):
                conditions[f"evidence:{i}:{step.id}"] = ext.when
        rules = self.encoding.rules(conditions)
        self.session = ReteSession(ruleset_name("authorization", rules, evaluator.ref.sha256), rules)
        self._risks = len(evaluator.risk_classes)

    def authorize(self, op: Operation, at: datetime | None = None) -> AuthorizationDecision:
        hits = self.session.match_once(self.encoding.encode(op))
        risk = next((i for i in range(self._risks) if f"risk:{i}" in hits), None)
        if risk is None:  # validation makes the last class a catch-all, so this is a broken engine
            raise EvaluationError(f"operation {op.id!r}: the rete backend matched no risk class", [Problem("not even the catch-all")])
        return self.evaluator.decide(
            op,
            risk,
            lambda i: f"when:{i}" in hits,
            lambda i: f"unless:{i}" in hits,
            lambda step, i: f"evidence:{i}:{step}" in hits,
            at=at,
            obliges=lambda i: f"obligation:{i}" in hits,
        )
