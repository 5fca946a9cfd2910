"""Stage 5b: the compiled authorizer for high-risk operations (高危操作, Part 7).

Fail-closed by construction: an operation is ``authorized`` only when its risk class is
known (the last class is a catch-all), every step of that class's chain is positively
satisfied by records in the operation, and no hard constraint holds. A broken
constraint gives ``denied``; an unsatisfied step gives ``pending``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from .compile import Context, Predicate, compile_condition
from .decisions import AuthorizationDecision, FiredRule, RulesetRef, StepResult, Violation
from .document import AuthorizationDocument, Constraint, RiskClass, Step
from .facts import Approval, Operation


@dataclass(frozen=True)
class _Step:
    model: Step
    roles: frozenset[str]
    forms: frozenset[str] | None  # None: any record counts
    extra_forms: tuple[tuple[Predicate, frozenset[str]], ...]


@dataclass(frozen=True)
class _Constraint:
    model: Constraint
    when: Predicate
    unless: Predicate | None
    applies_to: frozenset[str] | None


def _fmt(at: datetime) -> str:
    return at.isoformat(timespec="minutes")


class AuthorizationEvaluator:
    def __init__(self, doc: AuthorizationDocument, ctx: Context, ref: RulesetRef):
        self.doc = doc
        self.ref = ref
        self.ctx = ctx
        self.risk_classes: tuple[tuple[RiskClass, Predicate], ...] = tuple(
            (rc, compile_condition(ctx, rc.when)) for rc in doc.risk_classes
        )
        self.steps = {s.id: self._compile_step(ctx, s) for s in doc.steps}
        self.constraints = tuple(
            _Constraint(
                c,
                compile_condition(ctx, c.when),
                compile_condition(ctx, c.unless) if c.unless is not None else None,
                frozenset(c.applies_to) if c.applies_to else None,
            )
            for c in doc.constraints
        )

    @staticmethod
    def _compile_step(ctx: Context, step: Step) -> _Step:
        if step.approval is None:
            return _Step(step, frozenset(), None, ())
        forms = frozenset(step.approval.evidence) if step.approval.evidence is not None else None
        extra = tuple((compile_condition(ctx, e.when), frozenset(e.forms)) for e in step.approval.evidence_also)
        return _Step(step, frozenset(step.approval.roles), forms, extra)

    def authorize(self, op: Operation) -> AuthorizationDecision:
        risk = next(i for i, (_, pred) in enumerate(self.risk_classes) if pred(op))  # the catch-all guarantees one
        constraints = self.constraints
        steps = self.steps
        return self.decide(
            op,
            risk,
            lambda i: constraints[i].when(op),
            lambda i: constraints[i].unless is not None and constraints[i].unless(op),  # type: ignore[misc]
            lambda step_id, i: steps[step_id].extra_forms[i][0](op),
        )

    def decide(
        self,
        op: Operation,
        risk_index: int,
        violates: Callable[[int], bool],
        waived: Callable[[int], bool],
        extends_evidence: Callable[[str, int], bool],
    ) -> AuthorizationDecision:
        """The decision once it is known which conditions hold: the compiled predicates say so
        lazily in :meth:`authorize`, the Rete backend from its matches (:mod:`asprules.rete`).

        ``violates(i)`` / ``waived(i)``: constraint ``i``'s ``when`` / ``unless`` holds;
        ``extends_evidence(step, i)``: the step's ``evidence_also[i].when`` holds."""
        risk = self.risk_classes[risk_index][0]
        fired = [FiredRule(id=risk.id, kind="risk_class", cite=risk.cite, provenance=risk.provenance, title=risk.name)]

        violations: list[Violation] = []
        for i, con in enumerate(self.constraints):
            if con.applies_to is not None and risk.id not in con.applies_to:
                continue
            if not violates(i):
                continue
            m = con.model
            if waived(i):
                fired.append(FiredRule(id=m.id, kind="constraint", cite=m.cite, provenance=m.provenance, title=m.title, detail="waived: its exception holds"))
                continue
            violations.append(Violation(rule=m.id, cite=m.cite, provenance=m.provenance, message=m.message))
            fired.append(FiredRule(id=m.id, kind="constraint", cite=m.cite, provenance=m.provenance, title=m.title, detail="violated"))

        results = self._chain(risk, op, extends_evidence)
        for r in results:
            if r.satisfied:
                s = self.steps[r.id].model
                fired.append(FiredRule(id=s.id, kind="step", cite=s.cite, provenance=s.provenance, title=s.name, detail="satisfied"))
        missing = tuple(r.id for r in results if not r.satisfied)
        status = "denied" if violations else ("pending" if missing else "authorized")
        return AuthorizationDecision(
            status=status,
            risk=risk.id,
            risk_name=risk.name,
            missing=missing,
            violations=tuple(violations),
            steps=tuple(results),
            fired=tuple(fired),
            ruleset=self.ref,
        )

    def _chain(self, risk: RiskClass, op: Operation, extends_evidence: Callable[[str, int], bool]) -> list[StepResult]:
        results = []
        granted_after: datetime | None = None  # when the previous approval step was granted
        previous: str | None = None
        for step_id in risk.chain:
            step = self.steps[step_id]
            reasons: list[str] = []
            granted: datetime | None = None
            if step.model.approval is not None:
                not_before = granted_after if risk.ordered else None
                granted, why = self._approval(step, op, not_before, previous, extends_evidence)
                reasons += why
            if step.model.qualification is not None:
                need = step.model.qualification.minimum
                if op.engineer.qualification < need:
                    reasons.append(f"engineer {op.engineer.id} holds qualification {op.engineer.qualification}; this step needs at least {need}")
            if step.model.notification is not None:
                reasons += _notifications(step.model, op)
            if granted is not None:
                granted_after, previous = granted, step_id
            results.append(StepResult(id=step_id, name=step.model.name, cite=step.model.cite, satisfied=not reasons, reasons=tuple(reasons)))
        return results

    def _approval(
        self, step: _Step, op: Operation, not_before: datetime | None, previous: str | None, extends_evidence: Callable[[str, int], bool]
    ) -> tuple[datetime | None, list[str]]:
        """The earliest qualifying approval for ``step``, or why there is none."""
        records = [a for a in op.approvals if a.step == step.model.id]
        if not records:
            return None, [f"no {step.model.id} approval recorded"]
        forms = self._accepted_forms(step, extends_evidence)
        why: list[str] = []
        good: list[Approval] = []
        for a in records:
            if a.role not in step.roles:
                why.append(f"approval by {a.by} has role {a.role!r}; needs one of {', '.join(sorted(step.roles))}")
            elif forms is not None and a.evidence not in forms:
                shown = a.evidence or "no evidence"
                why.append(f"approval by {a.by} rests on {shown!r}, not an accepted form ({', '.join(sorted(forms))})")
            elif a.at > op.scheduled_start:
                why.append(f"approval by {a.by} at {_fmt(a.at)} comes after the scheduled start {_fmt(op.scheduled_start)}")
            elif not_before is not None and a.at < not_before:
                why.append(f"approval by {a.by} at {_fmt(a.at)} precedes the {previous} approval at {_fmt(not_before)}; the chain is ordered")
            else:
                good.append(a)
        if good:
            return min(a.at for a in good), []
        return None, why

    @staticmethod
    def _accepted_forms(step: _Step, extends_evidence: Callable[[str, int], bool]) -> frozenset[str] | None:
        if step.forms is None:
            return None
        forms = step.forms
        for i, (_, extra) in enumerate(step.extra_forms):
            if extends_evidence(step.model.id, i):
                forms = forms | extra
        return forms


def _notifications(step: Step, op: Operation) -> list[str]:
    spec = step.notification
    assert spec is not None
    deadline = op.scheduled_start - timedelta(minutes=spec.lead_minutes)
    why = []
    for channel in spec.channels:
        sent = [n for n in op.notifications if n.channel == channel]
        if not sent:
            why.append(f"no {channel} notification sent")
        elif not any(n.at <= deadline for n in sent):
            lead = f"{spec.lead_minutes} minutes before" if spec.lead_minutes else "before"
            why.append(f"{channel} notification must go out at least {lead} the start (by {_fmt(deadline)})")
    return why
