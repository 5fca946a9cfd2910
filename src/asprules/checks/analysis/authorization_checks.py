"""Static checks of an authorization ruleset.

References — undefined roles and steps, evidence forms outside the fact schema, windows
of zero length — are already refused by the loader (:mod:`asprules.format.validate`) and come
out of ``asprules validate`` as error findings. Here, on the box model of operations:

* ``masked-risk-class`` — a risk class that never classifies an operation, because the
  classes before it match wherever it does (first match wins);
* ``dead-constraint`` — a constraint whose ``when`` can never hold, or whose ``unless``
  holds wherever ``when`` does;
* ``unused-step`` — a step that no chain and no ``has_approval`` names;
* ``unreachable-quorum`` — a step needs more distinct approvers than its roles have seats
  (``seats`` on the roles), or than remain once the approvers of the steps it must be
  separated from are taken out, so it can never be satisfied.

And on the calendars (:func:`check_calendars`), for grading and authorization alike:

* ``unreferenced-calendar`` — a calendar file that is loaded but named by no ruleset's
  ``calendars:`` (a forgotten line would silently turn a freeze off);
* ``unreachable-period`` — a period that can never decide anything: its calendar is
  referenced only by rulesets without an ``in_sensitive_period`` condition, or a one-off
  period lies wholly inside another period of the same calendar.
"""

from __future__ import annotations

from typing import Any

from ...engine.authorization import AuthorizationEvaluator
from ...errors import AspRulesError
from ...facts.fields import OPERATION_FIELDS
from ...facts.schema import FactSchema
from ...facts.models import Engineer, Operation, parse_operation
from ...format.calendars import period_bounds
from ...format.document import AllOf, AnyOf, CalendarDocument, HasApproval, InSensitivePeriod, NotOf, Period
from ...format.validate import with_derived
from ...source import SourceDocument
from .budget import DEFAULT_BUDGET, Budget, BudgetExceeded
from .dimensions import number_bounds
from .dnf import Space
from .regions import meet, uncovered
from .findings import Finding, finding
from ...i18n import Said, said
from .witness import WitnessBuilder, lowest_point

TEMPLATE: dict[str, Any] = {
    "id": "WITNESS",
    "kind": "inspection",
    "major_impact": False,
    "modifies": [],
    "remote": False,
    "third_party": False,
    "customer_present": True,
    "other_vendor_equipment": False,
    "within_approved_scope": True,
    "scheduled_start": "2026-06-10T01:00:00+00:00",
    "scheduled_end": "2026-06-10T02:00:00+00:00",
    "engineer": {"id": "E", "qualification": 0},
}


def operation_space(doc, has_calendar: bool, schema: FactSchema | None = None, budget: Budget = DEFAULT_BUDGET) -> Space:
    """The analysis' dimensions for an authorization ruleset."""
    if schema is None or schema.bundled and schema.model is Operation:
        bounds = {**number_bounds(Operation), **number_bounds(Engineer, "engineer.")}
        return Space(with_derived(OPERATION_FIELDS, doc.derived), dict(doc.derived), bounds, {}, has_calendar, budget)
    return Space(with_derived(schema.catalog, doc.derived), dict(doc.derived), schema.number_bounds(), {}, has_calendar, budget)


def check_authorization(
    ev: AuthorizationEvaluator, source: SourceDocument, zone, periods, budget: Budget = DEFAULT_BUDGET
) -> list[Finding]:
    """Masked risk classes, dead constraints, unused steps; ``budget`` findings for what
    could not be checked within ``budget``."""
    doc = ev.doc
    space = operation_space(doc, bool(periods), ev.ctx.schema, budget)
    notes: list[Finding] = []

    def place(path) -> dict[str, Any]:
        pos = source.locate(path)
        return {"file": source.file, "line": pos[0] if pos else None, "column": pos[1] if pos else None}

    def note(rule: str, path: tuple, what: Said) -> None:
        notes.append(finding("budget", "info", said("finding.not_checked", what=what), rule=rule, **place(path)))

    def dnf_of(cond, rule: str, path: tuple):
        try:
            return space.dnf(cond)
        except BudgetExceeded as exc:
            note(rule, path, said("finding.budget_opaque_operation", rule=rule, exceeded=exc.said))
            return space.opaque(cond, str(exc))

    dnfs = [dnf_of(rc.when, rc.id, ("risk_classes", i, "when")) for i, (rc, _) in enumerate(ev.risk_classes)]
    for ci, con in enumerate(ev.constraints):
        m = con.model
        dnfs += [dnf_of(m.when, m.id, ("constraints", ci, "when")), dnf_of(m.unless, m.id, ("constraints", ci, "unless")) if m.unless is not None else []]
    for dnf in dnfs:
        space.register(dnf)
    space.freeze()
    try:
        boxes = [space.items(dnf) for dnf in dnfs]
        return _checks(ev, space, boxes, zone, periods, place, budget.splits) + notes
    except BudgetExceeded as exc:
        note(doc.id, ("risk_classes",), said("finding.budget_authorization", ruleset=doc.id, exceeded=exc.said))
        return _unused_steps(doc, place) + notes


def _checks(ev: AuthorizationEvaluator, space: Space, boxes, zone, periods, place, steps: int) -> list[Finding]:
    doc = ev.doc
    schema = ev.ctx.schema
    declared = schema is not None and not schema.bundled
    builder = WitnessBuilder(space, schema.example() if declared else TEMPLATE, zone, periods)  # type: ignore[union-attr]
    parse = schema.parse if declared else parse_operation  # type: ignore[union-attr]

    def witness(box, check) -> dict[str, Any] | None:
        fact = builder.fact(lowest_point(box))
        if fact is None:
            return None
        try:
            op = parse(fact)
        except AspRulesError:
            return None
        return fact if check(op) else None

    out: list[Finding] = []
    n_rc = len(ev.risk_classes)
    for i, (rc, pred) in enumerate(ev.risk_classes):
        earlier = [b for j in range(i) for b in boxes[j]]
        if any(uncovered(b, earlier, steps=steps) for b in boxes[i]):
            continue
        maskers = [ev.risk_classes[j][0].id for j in range(i) if any(meet(a, b) for a in boxes[j] for b in boxes[i])]
        what = said("finding.classes_before", classes=", ".join(maskers)) if maskers else said("finding.never_holds")
        fact = None
        if boxes[i]:
            first_match = lambda op: pred(op) and next(r for r, p in ev.risk_classes if p(op)).id != rc.id  # noqa: E731
            fact = witness(boxes[i][0], first_match)
        out.append(
            finding(
                "masked-risk-class", "warning" if fact or not maskers else "info",
                said("finding.masked_risk_class", risk=rc.id, why=what),
                rule=rc.id, witness=(fact,) if fact else (), **place(("risk_classes", i)),
            )
        )
    for ci, con in enumerate(ev.constraints):
        when, unless = boxes[n_rc + 2 * ci], boxes[n_rc + 2 * ci + 1]
        if not when:
            out.append(finding("dead-constraint", "warning", said("finding.dead_constraint", constraint=con.model.id), rule=con.model.id, **place(("constraints", ci, "when"))))
        elif con.model.unless is not None and not any(uncovered(b, unless, steps=steps) for b in when):
            waived = lambda op, c=con: c.when(op) and c.unless(op)  # noqa: E731
            fact = witness(when[0], waived)
            out.append(
                finding(
                    "dead-constraint", "warning" if fact else "info",
                    said("finding.constraint_always_waived", constraint=con.model.id),
                    rule=con.model.id, witness=(fact,) if fact else (), **place(("constraints", ci, "unless")),
                )
            )
    return out + _unused_steps(doc, place)


def _unused_steps(doc, place) -> list[Finding]:
    out = []
    named = {s for rc in doc.risk_classes for s in rc.chain}
    for cond in [rc.when for rc in doc.risk_classes] + [c.when for c in doc.constraints] + [c.unless for c in doc.constraints]:
        named |= approval_steps(cond)
    for si, step in enumerate(doc.steps):
        if step.id not in named:
            out.append(finding("unused-step", "warning", said("finding.unused_step", step=step.id), rule=step.id, **place(("steps", si))))
    out += _quorum_findings(doc, place)
    return out


def _quorum_findings(doc, place) -> list[Finding]:
    """Quorums the declared seats of the roles can never supply."""
    seats = {r.id: r.seats for r in doc.roles}
    by_id = {s.id: s for s in doc.steps}

    def supply(step) -> int | None:
        counts = [seats.get(r) for r in step.approval.roles]
        return None if any(c is None for c in counts) else sum(counts)  # type: ignore[misc]

    out = []
    for si, step in enumerate(doc.steps):
        if step.approval is None:
            continue
        have = supply(step)
        if have is None:
            continue
        need = step.approval.quorum
        taken = 0
        separation = step.approval.distinct_from
        for other_id in separation.steps if separation else ():
            other = by_id.get(other_id)
            if other is not None and other.approval is not None and set(other.approval.roles) <= set(step.approval.roles):
                taken += other.approval.quorum  # those people hold only roles this step accepts too
        if need > have - taken:
            roles = ", ".join(step.approval.roles)
            why = said("finding.seats_taken", roles=roles, have=have, taken=taken) if taken else said("finding.seats", roles=roles, have=have)
            out.append(
                finding(
                    "unreachable-quorum", "warning", said("finding.unreachable_quorum", step=step.id, need=need, why=why),
                    rule=step.id, **place(("steps", si, "approval", "quorum")),
                )
            )
    return out


def _uses_periods(cond) -> bool:
    match cond:
        case InSensitivePeriod():
            return True
        case AllOf():
            return any(_uses_periods(c) for c in cond.all)
        case AnyOf():
            return any(_uses_periods(c) for c in cond.any)
        case NotOf():
            return _uses_periods(cond.not_)
        case _:
            return False


def _conditions(doc) -> list:
    """Every condition of a grading or authorization document."""
    out = []
    for t in getattr(doc, "tables", ()):
        out += [t.applies_when] + [r.when for r in t.rows]
    out += [a.when for a in getattr(doc, "adjustments", ())]
    out += [rc.when for rc in getattr(doc, "risk_classes", ())]
    for c in getattr(doc, "constraints", ()):
        out += [c.when, c.unless]
    out += [o.when for o in getattr(doc, "obligations", ())]
    for s in getattr(doc, "steps", ()):
        out += [e.when for e in (s.approval.evidence_also if s.approval else ())]
    return [c for c in out if c is not None]


def check_calendars(documents) -> list[Finding]:
    """Calendars loaded but not referenced, and periods that can never decide anything."""
    calendars = [d for d in documents if isinstance(d.model, CalendarDocument)]
    rulesets = [d for d in documents if hasattr(d.model, "calendars") and not isinstance(d.model, CalendarDocument)]
    out: list[Finding] = []
    for cal in calendars:
        users = [r for r in rulesets if cal.model.id in r.model.calendars]
        pos = cal.source.locate(("id",))
        where = {"file": cal.source.file, "line": pos[0] if pos else None, "column": pos[1] if pos else None}
        if not users:
            out.append(
                finding(
                    "unreferenced-calendar", "warning",
                    said("finding.unreferenced_calendar", calendar=cal.model.id),
                    rule=cal.model.id, **where,
                )
            )
            continue
        if not any(_uses_periods(c) for r in users for c in _conditions(r.model)):
            names = ", ".join(r.model.id for r in users)
            out.append(
                finding(
                    "unreachable-period", "warning",
                    said("finding.calendar_unasked", calendar=cal.model.id, rulesets=names),
                    rule=cal.model.id, **where,
                )
            )
        out += _covered_periods(cal)
    return out


def _covered_periods(cal) -> list[Finding]:
    if cal.model.timezone is None:
        return []
    from ... import clock

    tz = clock.zone(cal.model.timezone)
    fixed = [(i, p, *period_bounds(p, tz)) for i, p in enumerate(cal.model.periods) if isinstance(p, Period)]
    out = []
    for i, p, start, end in fixed:
        cover = next((q for j, q, s, e in fixed if j != i and s <= start and end <= e and not (s == start and e == end and j > i)), None)
        if cover is not None:
            pos = cal.source.locate(("periods", i))
            out.append(
                finding(
                    "unreachable-period", "info",
                    said("finding.period_inside", period=p.name.en, calendar=cal.model.id, cover=cover.name.en),
                    rule=cal.model.id, file=cal.source.file, line=pos[0] if pos else None, column=pos[1] if pos else None,
                )
            )
    return out


def approval_steps(cond) -> set[str]:
    if cond is None:
        return set()
    if isinstance(cond, HasApproval):
        return {cond.has_approval.step}
    if isinstance(cond, AllOf):
        return set().union(*(approval_steps(c) for c in cond.all))
    if isinstance(cond, AnyOf):
        return set().union(*(approval_steps(c) for c in cond.any))
    if isinstance(cond, NotOf):
        return approval_steps(cond.not_)
    return set()
