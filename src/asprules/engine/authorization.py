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

from ..facts.models import Approval, Operation
from ..format.document import AuthorizationDocument, Constraint, LocalText, RiskClass, Step
from ..i18n import CHANNEL_NAMES, ZH, Note, note
from .compile import Context, Predicate, compile_condition
from .decisions import AuthorizationDecision, FiredRule, RulesetRef, StepResult, Violation


@dataclass(frozen=True)
class _Step:
    model: Step
    roles: frozenset[str]
    forms: frozenset[str] | None  # None: any record counts
    extra_forms: tuple[tuple[Predicate, frozenset[str]], ...]
    unrecorded: Note  # "no <step> approval recorded", made once
    unsent: dict[str, Note]  # "no <channel> notification sent", made once per channel


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
        unrecorded = note("reason.no_approval", step=_named(step.id, step.name))
        channels = step.notification.channels if step.notification else ()
        unsent = {c: note("reason.no_notification", channel=CHANNEL_NAMES.get(c, c)) for c in channels}
        if step.approval is None:
            return _Step(step, frozenset(), None, (), unrecorded, unsent)
        forms = frozenset(step.approval.evidence) if step.approval.evidence is not None else None
        extra = tuple((compile_condition(ctx, e.when), frozenset(e.forms)) for e in step.approval.evidence_also)
        return _Step(step, frozenset(step.approval.roles), forms, extra, unrecorded, unsent)

    def with_why_not(self, op: Operation, decision: AuthorizationDecision) -> AuthorizationDecision:
        """``decision`` with, for each broken constraint, what in its condition matched."""
        from .why_not import matched  # the walk is only paid for when asked for

        by_id = {c.model.id: c for c in self.constraints}
        violations = tuple(
            v.model_copy(update={"matched": tuple(matched(self.ctx, by_id[v.rule].model.when, op))}) for v in decision.violations
        )
        return decision.model_copy(update={"violations": violations})

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
        lazily in :meth:`authorize`, the Rete backend from its matches (:mod:`asprules.backends.rete`).

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
                fired.append(_fired(m, "constraint", m.title, "detail.waived"))
                continue
            violations.append(Violation(rule=m.id, cite=m.cite, provenance=m.provenance, message=m.message))
            fired.append(_fired(m, "constraint", m.title, "detail.violated"))

        results = self._chain(risk, op, extends_evidence)
        for r in results:
            if r.satisfied:
                s = self.steps[r.id].model
                fired.append(_fired(s, "step", s.name, "detail.satisfied"))
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
            reasons: list[Note] = []
            granted: datetime | None = None
            if step.model.approval is not None:
                not_before = granted_after if risk.ordered else None
                granted, why = self._approval(step, op, not_before, previous, extends_evidence)
                reasons += why
            if step.model.qualification is not None:
                need = step.model.qualification.minimum
                if op.engineer.qualification < need:
                    held = str(op.engineer.qualification)
                    reasons.append(note("reason.qualification", engineer=op.engineer.id, held=held, need=str(need)))
            if step.model.notification is not None:
                reasons += _notifications(step, op)
            if granted is not None:
                granted_after, previous = granted, step_id
            results.append(
                StepResult(
                    id=step_id, name=step.model.name, cite=step.model.cite, satisfied=not reasons,
                    reasons=tuple(r.english for r in reasons), reason_messages=tuple(r.message for r in reasons),
                )
            )
        return results

    def _approval(
        self, step: _Step, op: Operation, not_before: datetime | None, previous: str | None, extends_evidence: Callable[[str, int], bool]
    ) -> tuple[datetime | None, list[Note]]:
        """The earliest qualifying approval for ``step``, or why there is none."""
        records = [a for a in op.approvals if a.step == step.model.id]
        if not records:
            return None, [step.unrecorded]
        forms = self._accepted_forms(step, extends_evidence)
        why: list[Note] = []
        good: list[Approval] = []
        for a in records:
            if a.role not in step.roles:
                why.append(note("reason.wrong_role", by=a.by, role=repr(a.role), roles=", ".join(sorted(step.roles))))
            elif forms is not None and a.evidence not in forms:
                shown = repr(a.evidence) if a.evidence else _NO_EVIDENCE
                why.append(note("reason.bad_evidence", by=a.by, evidence=shown, forms=", ".join(sorted(forms))))
            elif a.at > op.scheduled_start:
                why.append(note("reason.after_start", by=a.by, at=_fmt(a.at), start=_fmt(op.scheduled_start)))
            elif not_before is not None and a.at < not_before:
                earlier = self.steps[previous].model if previous else None
                why.append(
                    note(
                        "reason.out_of_order", by=a.by, at=_fmt(a.at),
                        previous=_named(previous or "", earlier.name if earlier else None), previous_at=_fmt(not_before),
                    )
                )
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


_NO_EVIDENCE = LocalText(en=repr("no evidence"), zh=ZH["evidence.none"])


_DETAILS = {key: note(key) for key in ("detail.satisfied", "detail.violated", "detail.waived")}


def _fired(rule, kind: str, title: LocalText | None, detail: str) -> FiredRule:
    said = _DETAILS[detail]
    return FiredRule(
        id=rule.id, kind=kind, cite=rule.cite, provenance=rule.provenance, title=title, detail=said.english, detail_message=said.message
    )


def _named(word: str, name: LocalText | None) -> LocalText:
    """A step shown by its id in English and by its ruleset name in Chinese."""
    return LocalText(en=word, zh=(name.zh if name else None) or word)


def _notifications(step: _Step, op: Operation) -> list[Note]:
    spec = step.model.notification
    assert spec is not None
    deadline = op.scheduled_start - timedelta(minutes=spec.lead_minutes)
    why = []
    for channel in spec.channels:
        sent = [n for n in op.notifications if n.channel == channel]
        if not sent:
            why.append(step.unsent[channel])
        elif not any(n.at <= deadline for n in sent):
            shown = CHANNEL_NAMES.get(channel, channel)
            if spec.lead_minutes:
                why.append(note("reason.late_notification", channel=shown, lead=str(spec.lead_minutes), deadline=_fmt(deadline)))
            else:
                why.append(note("reason.late_notification_no_lead", channel=shown, deadline=_fmt(deadline)))
    return why
