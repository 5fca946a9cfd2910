"""Stage 5b: the compiled authorizer for high-risk operations (高危操作, Part 7).

Fail-closed by construction: an operation is ``authorized`` only when its risk class is
known (the last class is a catch-all), every step of that class's chain is positively
satisfied by records in the operation, and no hard constraint holds. A broken
constraint gives ``denied``; an unsatisfied step gives ``pending``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from .. import clock
from ..errors import EvaluationError, Problem
from ..facts.models import Approval, Operation
from ..format.document import (
    AllOf,
    AnyOf,
    AuthorizationDocument,
    Constraint,
    InPeriodSpec,
    InSensitivePeriod,
    InWindow,
    LocalText,
    LocalTime,
    NotOf,
    ObligationRule,
    RiskClass,
    Step,
)
from ..i18n import ZH
from ..localtext import CHANNEL_NAMES, Note, fresh_note, note
from .compile import Context, Predicate, compile_condition
from .decisions import AuthorizationDecision, CountedApproval, FiredRule, Obligation, RulesetRef, StepResult, Violation, built, maker


@dataclass(frozen=True)
class _Step:
    model: Step
    roles: frozenset[str]
    forms: frozenset[str] | None  # None: any record counts
    extra_forms: tuple[tuple[Predicate, frozenset[str]], ...]
    unrecorded: Note  # "no <step> approval recorded", made once
    unsent: dict[str, Note]  # "no <channel> notification sent", made once per channel
    valid_for: timedelta | None = None
    archive_within: timedelta | None = None
    named: LocalText | None = None  # the step by its id in English, its name in Chinese (see _named)
    roles_text: str = ""  # the roles that may approve, as a refusal lists them
    fired: FiredRule | None = None  # the step in a decision's ``fired`` once satisfied, made once
    done: StepResult | None = None  # the step satisfied with no approval counted (decision parts are frozen), made once


@dataclass(frozen=True)
class _Constraint:
    model: Constraint
    when: Predicate
    unless: Predicate | None
    applies_to: frozenset[str] | None
    timed: tuple[InPeriodSpec, ...] = ()  # the period conditions in ``when``: a denial names the period met
    local: bool = False  # ``when`` reads local time or a window: a denial gives the local time
    fired_violated: FiredRule | None = None  # the constraint in ``fired``, made once per outcome
    fired_waived: FiredRule | None = None
    violation: Violation | None = None  # its violation when it names no period or time (made once)


@dataclass(frozen=True)
class _Obligation:
    model: ObligationRule
    when: Predicate
    applies_to: frozenset[str] | None
    within: timedelta  # zero: due at the instant itself


def _fmt(at: datetime) -> str:
    return at.isoformat(timespec="minutes")


REGISTRY_RULE = "customer-registry"


def _compiled_marker(_index: int) -> bool:
    raise AssertionError("COMPILED is a marker for AuthorizationEvaluator.decide, never called")


COMPILED: Callable[[int], bool] = _compiled_marker  # decide(): the compiled predicates say which rules hold


class AuthorizationEvaluator:
    def __init__(self, doc: AuthorizationDocument, ctx: Context, ref: RulesetRef):
        self.doc = doc
        self.ref = ref
        self.ctx = ctx
        self.risk_classes: tuple[tuple[RiskClass, Predicate], ...] = tuple(
            (rc, compile_condition(ctx, rc.when)) for rc in doc.risk_classes
        )
        self.steps = {s.id: self._compile_step(ctx, s) for s in doc.steps}
        self.constraints = tuple(self._compile_constraint(ctx, c) for c in doc.constraints)
        self.obligations = tuple(
            _Obligation(
                o, compile_condition(ctx, o.when), frozenset(o.applies_to) if o.applies_to else None,
                clock.parse_duration(o.due.within) if o.due.within else timedelta(0),
            )
            for o in doc.obligations
        )
        self.retrospective = {
            rc.id: {r.step: (r, clock.parse_duration(r.within)) for r in rc.retrospective} for rc in doc.risk_classes
        }
        # Made once per ruleset, not per decision: each risk class's entry in ``fired`` and
        # its groups of steps separated from one another (see _separate).
        self._risk_fired = {
            rc.id: built(FiredRule, id=rc.id, kind="risk_class", cite=rc.cite, provenance=rc.provenance, title=rc.name)
            for rc in doc.risk_classes
        }
        self._separated = {rc.id: self._separation_groups(rc) for rc in doc.risk_classes}
        self._suggestions: dict[tuple[str, frozenset[str]], str] = {}  # "did you mean" for names in facts (bounded)
        self.role_ids = frozenset(r.id for r in doc.roles)
        self.step_ids = frozenset(self.steps)
        self.role_names = {r.id: r.name for r in doc.roles}
        self.obligation_ids = frozenset(o.id for o in doc.obligations)
        self.known_obligations = frozenset(self._obligation_ids())

    @staticmethod
    def _compile_step(ctx: Context, step: Step) -> _Step:
        named = _named(step.id, step.name)
        unrecorded = note("reason.no_approval", step=named)
        channels = step.notification.channels if step.notification else ()
        unsent = {c: note("reason.no_notification", channel=CHANNEL_NAMES.get(c, c)) for c in channels}
        fired = _fired(step, "step", step.name, "detail.satisfied")
        done = _step_result(step.id, step.name, step.cite, True, (), (), ())
        if step.approval is None:
            return _Step(step, frozenset(), None, (), unrecorded, unsent, named=named, fired=fired, done=done)
        forms = frozenset(step.approval.evidence) if step.approval.evidence is not None else None
        extra = tuple((compile_condition(ctx, e.when), frozenset(e.forms)) for e in step.approval.evidence_also)
        valid = clock.parse_duration(step.approval.valid_for) if step.approval.valid_for else None
        archive = clock.parse_duration(step.approval.archive.within) if step.approval.archive else None
        roles = frozenset(step.approval.roles)
        return _Step(step, roles, forms, extra, unrecorded, unsent, valid, archive, named=named, fired=fired, roles_text=", ".join(sorted(roles)), done=done)

    @staticmethod
    def _compile_constraint(ctx: Context, c: Constraint) -> _Constraint:
        timed, local = tuple(_period_specs(c.when)), _reads_local_time(c.when)
        fixed = None
        if not timed and not local:  # the denial says nothing of the operation: one Violation serves all
            fixed = built(Violation, rule=c.id, cite=c.cite, provenance=c.provenance, message=c.message, detail=None, detail_message=None)
        return _Constraint(
            c,
            compile_condition(ctx, c.when),
            compile_condition(ctx, c.unless) if c.unless is not None else None,
            frozenset(c.applies_to) if c.applies_to else None,
            timed,
            local,
            _fired(c, "constraint", c.title, "detail.violated"),
            _fired(c, "constraint", c.title, "detail.waived"),
            fixed,
        )

    def with_why_not(self, op: Operation, decision: AuthorizationDecision) -> AuthorizationDecision:
        """``decision`` with, for each broken constraint, what in its condition matched."""
        from .why_not import matched  # the walk is only paid for when asked for

        by_id = {c.model.id: c for c in self.constraints}
        violations = tuple(  # a registry refusal is no constraint: nothing of a condition matched
            v.model_copy(update={"matched": tuple(matched(self.ctx, by_id[v.rule].model.when, op))}) if v.rule in by_id else v
            for v in decision.violations
        )
        return decision.model_copy(update={"violations": violations})

    def authorize(self, op: Operation, at: datetime | None = None) -> AuthorizationDecision:
        """The decision for ``op`` as of ``at`` (default: its scheduled start)."""
        risk = next(i for i, (_, pred) in enumerate(self.risk_classes) if pred(op))  # the catch-all guarantees one
        steps = self.steps
        # constraints and obligation rules: their compiled predicates, called directly
        return self.decide(op, risk, COMPILED, COMPILED, lambda step_id, i: steps[step_id].extra_forms[i][0](op), at=at, obliges=COMPILED)

    def decide(
        self,
        op: Operation,
        risk_index: int,
        violates: Callable[[int], bool],
        waived: Callable[[int], bool],
        extends_evidence: Callable[[str, int], bool],
        *,
        at: datetime | None = None,
        obliges: Callable[[int], bool] | None = None,
    ) -> AuthorizationDecision:
        """The decision once it is known which conditions hold: the compiled predicates say so
        lazily in :meth:`authorize`, the Rete backend from its matches (:mod:`asprules.backends.rete`).

        ``violates(i)`` / ``waived(i)``: constraint ``i``'s ``when`` / ``unless`` holds;
        ``extends_evidence(step, i)``: the step's ``evidence_also[i].when`` holds;
        ``obliges(i)``: obligation rule ``i``'s ``when`` holds. ``at``: the evaluation time.
        ``violates``, ``waived`` or ``obliges`` given as :data:`COMPILED`: the compiled
        predicates decide (what :meth:`authorize` passes, saving a call per rule); ``obliges``
        left ``None``: no obligation rule holds."""
        now = at if at is not None else op.scheduled_start
        if now.tzinfo is None:
            raise EvaluationError("evaluation time has no UTC offset", [Problem(f"at={now.isoformat()}: give an offset, e.g. +08:00", path=("at",))])
        risk = self.risk_classes[risk_index][0]
        fired = [self._risk_fired[risk.id]]
        zone = self.ctx.zone_of(op)

        violations: list[Violation] = []
        refused = self.ctx.refusal(op)
        if refused is not None:
            registry = self.ctx.registry
            assert registry is not None
            violations.append(
                built(
                    Violation,
                    rule=REGISTRY_RULE, cite=registry.cite, provenance=registry.provenance,
                    message=built(LocalText, en=f"customer refused: {refused.english}", zh=f"客户资料被拒绝：{refused.render('zh')}"),
                )
            )
        for i, con in enumerate(self.constraints):
            if con.applies_to is not None and risk.id not in con.applies_to:
                continue
            if not (con.when(op) if violates is COMPILED else violates(i)):
                continue
            if (con.unless is not None and con.unless(op)) if waived is COMPILED else waived(i):
                fired.append(con.fired_waived)  # type: ignore[arg-type]
                continue
            if con.violation is not None:
                violations.append(con.violation)
            else:
                m = con.model
                where = self._where(con, op, zone)
                violations.append(
                    built(
                        Violation,
                        rule=m.id, cite=m.cite, provenance=m.provenance, message=m.message,
                        detail=where.english if where else None, detail_message=where.message if where else None,
                    )
                )
            fired.append(con.fired_violated)  # type: ignore[arg-type]

        obligations: list[Obligation] = []
        results = self._chain(risk, op, extends_evidence, now, zone, obligations)
        for r in results:
            if r.satisfied:
                fired.append(self.steps[r.id].fired)  # type: ignore[arg-type]
        for i, ob in enumerate(self.obligations):
            if ob.applies_to is not None and risk.id not in ob.applies_to:
                continue
            if obliges is not None and (ob.when(op) if obliges is COMPILED else obliges(i)):
                obligations.append(self._rule_obligation(ob, op, now, zone))
        missing = tuple(r.id for r in results if not r.satisfied)
        status = "denied" if violations else ("pending" if missing else "authorized")
        return _decision(
            status, risk.id, risk.name, missing, tuple(violations), tuple(results), tuple(fired), self.ref,
            tuple(obligations), self._unknown_records(op), now,
        )

    # --- what a denial names ---------------------------------------------------------

    def _where(self, con: _Constraint, op: Operation, zone) -> Note | None:
        if not con.timed and not con.local:
            return None
        start, end = _fmt(op.scheduled_start.astimezone(zone)), _fmt(op.scheduled_end.astimezone(zone))
        for spec in con.timed:
            fields = (spec.field, spec.field) if spec.field is not None else (spec.start, spec.end)
            lo, hi = (getattr(op, f, None) for f in fields)  # type: ignore[arg-type]
            if lo is None or hi is None:
                continue
            period = self.ctx.period_met(op, lo, hi)
            if period is not None:
                return fresh_note(
                    "violation.in_period", period=period.name, source=period.source,
                    start=_fmt(period.start.astimezone(zone)), end=_fmt(period.end.astimezone(zone)),
                    op_start=start, op_end=end, zone=zone.key,
                )
        return fresh_note("violation.local_time", start=start, end=end, zone=zone.key)

    # --- records the ruleset cannot read ---------------------------------------------

    def _unknown_records(self, op: Operation) -> tuple[str, ...]:
        out: list[str] = []
        for i, a in enumerate(getattr(op, "approvals", ())):
            who = _by(a, i)
            if a.step not in self.steps:
                out.append(f"approval by {who} names step {a.step!r}, which the ruleset does not have{self._suggest(a.step, self.step_ids)}; it is ignored")
            if a.role not in self.role_ids:
                out.append(f"approval by {who} names role {a.role!r}, which the ruleset does not declare{self._suggest(a.role, self.role_ids)}; it does not count")
        for n in getattr(op, "notifications", ()):
            role = getattr(n, "role", None)
            if role is not None and role not in self.role_ids:
                out.append(f"notification to {getattr(n, 'to', '?')} names role {role!r}, which the ruleset does not declare{self._suggest(role, self.role_ids)}")
        known = self.known_obligations
        for c in getattr(op, "confirmations", ()):
            if c.obligation not in known:
                out.append(f"confirmation by {getattr(c, 'by', '?')} names obligation {c.obligation!r}, which no rule of the ruleset imposes")
        return tuple(out)

    def _suggest(self, name: str, names: frozenset[str]) -> str:
        """`` (did you mean 'x'?)`` for an unknown name from a fact, remembered per name:
        the same misspelt role recurs across a day's operations (at most _SUGGEST_LIMIT kept)."""
        key = (name, names)
        said = self._suggestions.get(key)
        if said is None:
            said = _suggest(name, names)
            if len(self._suggestions) < _SUGGEST_LIMIT:
                self._suggestions[key] = said
        return said

    def _obligation_ids(self) -> set[str]:
        ids = set(self.obligation_ids)
        for rc_id, retro in self.retrospective.items():
            ids |= {f"{rc_id}.{step}" for step in retro}
        ids |= {f"{s}.archive" for s, st in self.steps.items() if st.archive_within is not None}
        return ids

    # --- the chain ---------------------------------------------------------------------

    def _chain(
        self, risk: RiskClass, op: Operation, extends_evidence: Callable[[str, int], bool], now: datetime, zone, obligations: list[Obligation]
    ) -> list[StepResult]:
        granted_after: datetime | None = None  # when the previous approval step was granted
        previous: str | None = None
        retro = self.retrospective.get(risk.id, {})
        found: dict[str, tuple[list[Note], tuple[CountedApproval, ...], dict[str, Approval]]] = {}
        for step_id in risk.chain:
            step = self.steps[step_id]
            why: list[Note] = []
            counted: tuple[CountedApproval, ...] = ()
            eligible: dict[str, Approval] = {}
            if step.model.approval is not None:
                not_before = granted_after if risk.ordered else None
                granted, why, counted, eligible = self._approval(step, op, not_before, previous, extends_evidence, now)
                if granted is None and step_id in retro:
                    why, counted, eligible = self._retrospective(step, risk, op, extends_evidence, now, zone, retro[step_id], why, obligations)
                if granted is not None:
                    granted_after, previous = granted, step_id
            found[step_id] = (why, counted, eligible)
        self._separate(risk, found)
        results = []
        for step_id in risk.chain:
            step = self.steps[step_id]
            model = step.model
            why, counted, _ = found[step_id]
            reasons: list[Note] = list(why)
            if not why and counted and step.archive_within is not None:
                obligations += self._archive_obligations(step, op, counted, now, zone)
            if model.qualification is not None:
                need = model.qualification.minimum
                if op.engineer.qualification < need:
                    held = str(op.engineer.qualification)
                    reasons.append(note("reason.qualification", engineer=op.engineer.id, held=held, need=str(need)))
            if model.notification is not None:
                reasons += self._notifications(step, op, risk.id, now)
            if reasons:
                results.append(
                    _step_result(step_id, model.name, model.cite, False, tuple([r.english for r in reasons]), tuple([r.message for r in reasons]), ())
                )
            elif counted:
                results.append(_step_result(step_id, model.name, model.cite, True, (), (), counted))
            else:
                results.append(step.done)
        return results

    def _separate(self, risk: RiskClass, found: dict) -> None:
        """Separation of duties between steps of the chain: a person counts for at most one
        step of each group of steps separated from one another. Who counts where is a
        matching (people to the approver seats of each step), so that an added approval
        never takes permission away and a removed one never adds it."""
        for group in self._separated[risk.id]:
            self._match(list(group), found)

    def _separation_groups(self, risk: RiskClass) -> tuple[tuple[str, ...], ...]:
        """The risk class's groups of approval steps linked by ``distinct_from``, each in
        chain order (found once per ruleset: they depend on the chain alone)."""
        chain = [s for s in risk.chain if self.steps[s].model.approval is not None]
        links: dict[str, set[str]] = {s: set() for s in chain}
        for sid in chain:
            separation = self.steps[sid].model.approval.distinct_from  # type: ignore[union-attr]
            for other in separation.steps if separation else ():
                if other in links and other != sid:
                    links[sid].add(other)
                    links[other].add(sid)
        seen: set[str] = set()
        groups = []
        for sid in chain:
            if sid in seen or not links[sid]:
                continue
            group, todo = [], [sid]
            while todo:
                cur = todo.pop()
                if cur in seen:
                    continue
                seen.add(cur)
                group.append(cur)
                todo += sorted(links[cur])
            group.sort(key=chain.index)
            groups.append(tuple(group))
        return tuple(groups)

    def _match(self, group: list[str], found: dict) -> None:
        live = [g for g in group if not found[g][0]]  # steps that failed already stay failed
        people = {g: sorted(found[g][2], key=lambda who: (found[g][2][who].at, who)) for g in live}
        owner: dict[str, tuple[str, int]] = {}

        def seat(slot: tuple[str, int], visited: set[str]) -> bool:
            for who in people[slot[0]]:
                if who in visited:
                    continue
                visited.add(who)
                if who not in owner or seat(owner[who], visited):
                    owner[who] = slot
                    return True
            return False

        for g in live:
            for k in range(self.steps[g].model.approval.quorum):  # type: ignore[union-attr]
                seat((g, k), set())
        for g in live:
            mine = sorted((w for w, (step, _) in owner.items() if step == g), key=lambda w: (found[g][2][w].at, w))
            need = self.steps[g].model.approval.quorum  # type: ignore[union-attr]
            why, counted, eligible = found[g]
            if len(mine) >= need:
                valid = self.steps[g].valid_for
                retro = bool(counted) and counted[0].retrospective
                chosen = tuple(
                    _counted(w, eligible[w].role, eligible[w].at, eligible[w].at + valid if valid else None, retro)
                    for w in mine[:need]
                )
                found[g] = (why, chosen, eligible)
                continue
            notes: list[Note] = []
            if need > 1:
                notes.append(note("reason.quorum", need=str(need), have=str(len(mine)), who=", ".join(mine)) if mine else note("reason.quorum_none", need=str(need)))
            for who in people[g]:
                if who not in mine and who in owner:
                    notes.append(note("reason.other_step", by=who, other=self.steps[owner[who][0]].named))
            found[g] = (notes, (), eligible)

    def _approval(
        self,
        step: _Step,
        op: Operation,
        not_before: datetime | None,
        previous: str | None,
        extends_evidence: Callable[[str, int], bool],
        now: datetime,
        *,
        after_start_until: datetime | None = None,
    ) -> tuple[datetime | None, list[Note], tuple[CountedApproval, ...], dict[str, Approval]]:
        """When the step's quorum was reached by qualifying approvals, or why it was not.

        ``after_start_until``: a retrospective approval, given after the start up to then."""
        step_id = step.model.id
        records = [a for a in op.approvals if a.step == step_id]
        if not records:
            return None, [step.unrecorded], (), {}
        spec = step.model.approval
        assert spec is not None
        forms = self._accepted_forms(step, extends_evidence)
        separation = spec.distinct_from
        why: list[Note] = []
        if separation is not None and separation.requester and not getattr(op, "requester", None):
            return None, [note("reason.no_requester")], (), {}
        good: dict[str, Approval] = {}  # the earliest qualifying record of each distinct approver
        start = op.scheduled_start
        for index, a in enumerate(records):
            who = _by(a, index)
            if a.role not in step.roles:
                why.append(note("reason.wrong_role", by=who, role=repr(a.role), roles=step.roles_text))
            elif forms is not None and a.evidence not in forms:
                shown = repr(a.evidence) if a.evidence else _NO_EVIDENCE
                why.append(note("reason.bad_evidence", by=who, evidence=shown, forms=", ".join(sorted(forms))))
            elif after_start_until is None and a.at > start:
                why.append(fresh_note("reason.after_start", by=who, at=_fmt(a.at), start=_fmt(start)))
            elif after_start_until is not None and a.at > after_start_until:
                why.append(fresh_note("reason.after_start", by=who, at=_fmt(a.at), start=_fmt(after_start_until)))
            elif a.at > now:
                why.append(fresh_note("reason.not_yet", by=who, at=_fmt(a.at), now=_fmt(now)))
            elif not_before is not None and a.at < not_before:
                why.append(
                    fresh_note(
                        "reason.out_of_order", by=who, at=_fmt(a.at),
                        previous=self.steps[previous].named if previous else _named("", None), previous_at=_fmt(not_before),
                    )
                )
            elif step.valid_for is not None and a.at + step.valid_for <= now:
                why.append(fresh_note("reason.stale", by=who, at=_fmt(a.at), expired=_fmt(a.at + step.valid_for), valid=spec.valid_for or ""))
            elif separation is not None and separation.requester and who == op.requester:
                why.append(note("reason.self_requested", by=who))
            elif separation is not None and separation.engineer and who == op.engineer.id:
                why.append(note("reason.self_engineer", by=who))
            elif who not in good or a.at < good[who].at:
                good[who] = a
        chosen = sorted(good.items(), key=_granted_at) if len(good) > 1 else list(good.items())
        if len(chosen) < spec.quorum:
            if spec.quorum > 1:
                if chosen:
                    why.insert(0, note("reason.quorum", need=str(spec.quorum), have=str(len(chosen)), who=", ".join(w for w, _ in chosen)))
                else:
                    why.insert(0, note("reason.quorum_none", need=str(spec.quorum)))
            return None, why, (), good
        counted = tuple(
            _counted(w, a.role, a.at, a.at + step.valid_for if step.valid_for else None, after_start_until is not None)
            for w, a in chosen
        )
        return chosen[spec.quorum - 1][1].at, [], counted, good

    def _retrospective(
        self, step: _Step, risk: RiskClass, op: Operation, extends_evidence, now: datetime, zone, rule, before: list[Note], obligations: list[Obligation]
    ) -> tuple[list[Note], tuple[CountedApproval, ...], dict[str, Approval]]:
        """The step may be approved after the start, within ``rule.within``: an obligation
        that is met by then, still open, or overdue (and then the step is not satisfied)."""
        retro, within = rule
        due = op.scheduled_start + within
        granted, _, counted, eligible = self._approval(step, op, None, None, extends_evidence, now, after_start_until=due)
        if granted is not None:
            status = "met"
        elif now > due:
            status = "overdue"
        else:
            status = "open"
        roles = step.model.approval.roles if step.model.approval else []
        who_en = " or ".join(self._role_name(r).en for r in roles)
        who_zh = "或".join(self._role_name(r).zh or self._role_name(r).en for r in roles)
        has_zh = bool(step.model.name.zh) or any(self._role_name(r).zh for r in roles)
        obligations.append(
            built(
                Obligation,
                id=f"{risk.id}.{step.model.id}", kind="approval",
                text=built(LocalText, en=f"{step.model.name.en} by a {who_en}", zh=f"{who_zh}补批（{step.model.name.zh or step.model.name.en}）" if has_zh else None),
                due=due.astimezone(zone), role=roles[0] if len(roles) == 1 else None,
                cite=retro.cite, provenance=retro.provenance, status=status,
            )
        )
        if status == "overdue":
            return [*before, fresh_note("reason.retro_overdue", due=_fmt(due.astimezone(zone)))], (), eligible
        return [], counted, eligible

    def _archive_obligations(self, step: _Step, op: Operation, counted, now: datetime, zone) -> list[Obligation]:
        spec = step.model.approval
        if step.archive_within is None or spec is None or spec.archive is None:
            return []
        out = []
        records = {(_by(a, i), a.at): a for i, a in enumerate(a for a in op.approvals if a.step == step.model.id)}
        for c in counted:
            rec = records.get((c.by, c.at))
            if rec is None or getattr(rec, "archive_ref", None):
                continue
            due = c.at + step.archive_within
            out.append(
                built(
                Obligation,
                    id=f"{step.model.id}.archive", kind="archive",
                    text=built(
                        LocalText,
                        en=f"archive the {step.model.name.en} granted by {c.by}",
                        zh=f"归档 {c.by} 的{step.model.name.zh}" if step.model.name.zh else None,
                    ),
                    due=due.astimezone(zone), role=None, cite=spec.archive.cite, provenance=spec.archive.provenance,
                    status="overdue" if now > due else "open",
                )
            )
        return out

    def _rule_obligation(self, ob: _Obligation, op: Operation, now: datetime, zone) -> Obligation:
        m = ob.model
        anchor = getattr(op, m.due.after)
        due = anchor + ob.within
        done = any(c.obligation == m.id and c.at <= due and c.at <= now for c in getattr(op, "confirmations", ()))
        status = "met" if done else ("overdue" if now > due else "open")
        return _rule_obligation_of(m.id, m.kind, m.text, due.astimezone(zone), m.role, m.cite, m.provenance, status)

    def _role_name(self, role: str) -> LocalText:
        return self.role_names.get(role) or LocalText(en=role)

    def _notifications(self, step: _Step, op: Operation, risk_id: str, now: datetime) -> list[Note]:
        spec = step.model.notification
        assert spec is not None
        lead = spec.lead_minutes_for.get(risk_id, spec.lead_minutes)
        deadline = op.scheduled_start - timedelta(minutes=lead)
        sent_by = [n for n in op.notifications if n.at <= now]
        targets: list[str | None] = list(spec.recipients) or [None]
        why: list[Note] = []
        for role in targets:
            to_role = sent_by if role is None else [n for n in sent_by if getattr(n, "role", None) == role]
            role_name = self._role_name(role) if role else None
            if spec.require == "any":
                channels = ", ".join(spec.channels)
                on = [n for n in to_role if n.channel in spec.channels]
                if not on:
                    why.append(note("reason.no_notification_any_to", channels=channels, role=role_name) if role_name else note("reason.no_notification_any", channels=channels))
                elif not any(n.at <= deadline for n in on):
                    why.append(fresh_note("reason.late_notification_any", channels=channels, deadline=_fmt(deadline)))
                continue
            for channel in spec.channels:
                sent = [n for n in to_role if n.channel == channel]
                shown = CHANNEL_NAMES.get(channel, channel)
                if not sent:
                    why.append(note("reason.no_notification_to", channel=shown, role=role_name) if role_name else step.unsent[channel])
                elif not any(n.at <= deadline for n in sent):
                    if lead:
                        why.append(fresh_note("reason.late_notification", channel=shown, lead=str(lead), deadline=_fmt(deadline)))
                    else:
                        why.append(fresh_note("reason.late_notification_no_lead", channel=shown, deadline=_fmt(deadline)))
        return why

    @staticmethod
    def _accepted_forms(step: _Step, extends_evidence: Callable[[str, int], bool]) -> frozenset[str] | None:
        if step.forms is None:
            return None
        forms = step.forms
        for i, (_, extra) in enumerate(step.extra_forms):
            if extends_evidence(step.model.id, i):
                forms = forms | extra
        return forms


def _period_specs(cond) -> list[InPeriodSpec]:
    match cond:
        case InSensitivePeriod():
            return [cond.in_sensitive_period]
        case AllOf():
            return [s for c in cond.all for s in _period_specs(c)]
        case AnyOf():
            return [s for c in cond.any for s in _period_specs(c)]
        case NotOf():
            return []  # a period *not* met names no period
        case _:
            return []


def _reads_local_time(cond) -> bool:
    match cond:
        case LocalTime() | InWindow() | InSensitivePeriod():
            return True
        case AllOf():
            return any(_reads_local_time(c) for c in cond.all)
        case AnyOf():
            return any(_reads_local_time(c) for c in cond.any)
        case NotOf():
            return _reads_local_time(cond.not_)
        case _:
            return False


def _granted_at(item: tuple[str, Any]) -> datetime:
    return item[1].at


def _by(record: Any, index: int) -> str:
    """Who granted a record; a declared schema may leave ``by`` out (then each record is its own)."""
    who = getattr(record, "by", None)
    return who if who is not None else f"record #{index}"


def _suggest(name: str, names) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(names), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


_NO_EVIDENCE = LocalText(en=repr("no evidence"), zh=ZH["evidence.none"])


# Builders for the parts every decision makes, names checked once (``decisions.maker``).
_decision = maker(
    AuthorizationDecision,
    "status", "risk", "risk_name", "missing", "violations", "steps", "fired", "ruleset", "obligations", "warnings", "evaluated_at",
)
_step_result = maker(StepResult, "id", "name", "cite", "satisfied", "reasons", "reason_messages", "approvals")
_counted = maker(CountedApproval, "by", "role", "at", "expires", "retrospective")
_rule_obligation_of = maker(Obligation, "id", "kind", "text", "due", "role", "cite", "provenance", "status")

_DETAILS = {key: note(key) for key in ("detail.satisfied", "detail.violated", "detail.waived")}


def _fired(rule, kind: str, title: LocalText | None, detail: str) -> FiredRule:
    said = _DETAILS[detail]
    return built(
        FiredRule,
        id=rule.id, kind=kind, cite=rule.cite, provenance=rule.provenance, title=title, detail=said.english, detail_message=said.message,
    )


def _named(word: str, name: LocalText | None) -> LocalText:
    """A step shown by its id in English and by its ruleset name in Chinese."""
    return LocalText(en=word, zh=(name.zh if name else None) or word)


_SUGGEST_LIMIT = 1024  # names from facts an evaluator remembers a suggestion for
