"""Two authorization rulesets compared by what they require, region by region.

Both versions' conditions (risk classes, constraints and their ``unless``, the
``evidence_also`` extensions of steps) go into one box model, so their regions line up.
On every region each version makes a :class:`Demand`: the risk class, the constraints
that deny there (``applies_to`` and ``unless`` taken into account), or else the set of
:class:`Requirement` s an operation's records must meet — approvals (step, roles,
evidence forms), notices (channel, lead time for the region's risk class), the engineer's
qualification, the order of approvals (``ordered``), and issue 14's step policies: a quorum
of distinct approvers, separation of duties (from the requester, the engineer, a linked
step), validity (approvals expire), the roles notices must reach. A region is **more restrictive** when every operation the new
rules authorize there the old rules authorized too (every old requirement is implied by
a new one, or the new rules deny); **more permissive** when some operation the new rules
authorize was not authorized before. Step ids do not decide anything by themselves.

Requirements are a registry (:data:`REQUIREMENT_KINDS`), one entry per kind, each saying
how it is read from a chain, when requirements of the new side imply one of the old,
how a witness operation meets it and how it fails one the other side has (a stale
approval, the requester approving). A kind without an entry is never implied, so it fails
closed. A witness names what issue 14's rules ask of every operation: a requester who
approves nothing, a customer of the registry (refused otherwise), notices to every role
the steps name as recipients.

Conditions whose meaning depends on each side's context are kept apart per side: a
``in_window`` without a window of its own reads the side's default window, sensitive
periods each side's calendar, local times each side's zone, derived values each side's
definition. A region reported has a witness operation that the compiled rules of both
versions decide as claimed, where one is found. Regions that differ only in what denies
and that no operation reaches (a span inside the narrow window but outside the wide one)
are left out with a count in the notes; a region whose requirements differ is reported
even without a witness (a detail says so) and counts for the gates: a change the witness
builder cannot show is never dropped, so ``--only-restrict`` does not fail open.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Iterable, Sequence

from .. import clock
from ..decide import fact_parser
from ..engine.authorization import AuthorizationEvaluator
from ..errors import AspRulesError
from ..i18n import DEFAULT_LANGUAGE, Said, in_lang, said, text, worded
from ..format.document import (
    AllOf,
    AnyOf,
    AuthorizationDocument,
    Compare,
    InSensitivePeriod,
    InWindow,
    InWindowSpec,
    LocalTime,
    NotOf,
    RiskClass,
    Step,
)
from ..loader import Rulebook
from .analysis import source_of
from .analysis.authorization_checks import TEMPLATE, operation_space
from .analysis.boxes import Space, build_tree, collapse, leaves, merge_boxes
from .analysis.witness import WitnessBuilder, lowest_point
from .changes import CHANGED, LOOSER, STRICTER, Change, condition_words

# --- what a step requires ------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One thing an operation's records must meet. ``value`` is hashable and kind-specific."""

    kind: str
    key: str
    value: Any
    text: str = field(compare=False)  # in words, every language (:func:`~asprules.i18n.worded`)


@dataclass(frozen=True)
class ChainView:
    """A risk class's chain on one region: its steps, in order, with the evidence forms
    accepted there (``evidence`` plus the ``evidence_also`` whose condition holds)."""

    risk: RiskClass
    steps: tuple[Step, ...]
    forms: dict[str, frozenset[str] | None]


@dataclass
class RecordPlan:
    """The records of a witness operation, built requirement by requirement.

    ``differ``: where a requirement leaves a choice, pick what ``other`` (the other side's
    requirements of the same kind) does not accept — the witness that tells them apart."""

    differ: bool
    approvals: list[tuple[str, str, str | None]] = field(default_factory=list)  # (step, role, evidence), chain order
    notices: dict[str, int] = field(default_factory=dict)  # channel → minutes before the start
    qualification: int | None = None
    ordered: bool = True
    extra: list[tuple[str, str, str | None]] = field(default_factory=list)  # records a has_approval condition asks for
    quorum: dict[str, int] = field(default_factory=dict)  # step → distinct approvers recorded (default one)
    max_age: dict[str, timedelta] = field(default_factory=dict)  # step → its records younger than this (validity)
    age: dict[str, timedelta] = field(default_factory=dict)  # step → its first record exactly this old (a stale one)
    by_requester: set[str] = field(default_factory=set)  # steps whose first record the requester gives
    by_engineer: set[str] = field(default_factory=set)  # steps whose first record the engineer gives
    shared: list[tuple[str, str]] = field(default_factory=list)  # (a, b): b's first approver is a's first approver
    unnotified: set[str] = field(default_factory=set)  # recipient roles the notices leave out


class RequirementKind:
    """One kind of step requirement: how it is read, compared and met."""

    name = ""

    def collect(self, chain: ChainView) -> list[Requirement]:
        raise NotImplementedError

    def implied(self, old: Requirement, new: Sequence[Requirement]) -> bool:
        """Whether meeting ``new`` (the new side's requirements of this kind) meets ``old``."""
        raise NotImplementedError

    def satisfy(self, req: Requirement, plan: RecordPlan, other: Sequence[Requirement]) -> None:
        raise NotImplementedError

    def violate(self, req: Requirement, plan: RecordPlan, target: Sequence[Requirement]) -> None:
        """Make the plan fail ``req`` (the other side's, not implied by ``target``, this side's
        requirements of the kind) while it still meets ``target``; by default nothing: the
        choices :meth:`satisfy` makes with ``plan.differ`` tell the sides apart."""


class Approvals(RequirementKind):
    """A record for the step, by one of its roles, with an accepted form (value: roles, forms)."""

    name = "approval"

    def collect(self, chain):
        out = []
        for step in chain.steps:
            if step.approval is not None:
                roles = tuple(sorted(step.approval.roles))
                forms = chain.forms.get(step.id)
                value = (roles, None if forms is None else tuple(sorted(forms)))
                out.append(Requirement(self.name, step.id, value, _approval_words(step.id, roles, value[1])))
        return out

    def implied(self, old, new):
        roles, forms = old.value
        return any(
            n.key == old.key
            and set(n.value[0]) <= set(roles)
            and (forms is None or (n.value[1] is not None and set(n.value[1]) <= set(forms)))
            for n in new
        )

    def satisfy(self, req, plan, other):
        roles, forms = req.value
        others = [o for o in other if o.key == req.key]
        role = roles[0]
        evidence = forms[0] if forms else None
        if plan.differ and others:
            role = next((r for r in roles if all(r not in o.value[0] for o in others)), role)
            if forms is not None:
                evidence = next((f for f in forms if all(o.value[1] is not None and f not in o.value[1] for o in others)), evidence)
        plan.approvals.append((req.key, role, evidence))


class Notices(RequirementKind):
    """A notice on the channel at least ``value`` minutes before the start (the largest lead
    any step of the chain asks for)."""

    name = "notification"

    def collect(self, chain):
        leads: dict[str, int] = {}
        for step in chain.steps:
            if step.notification is not None:
                spec = step.notification
                lead = spec.lead_minutes_for.get(chain.risk.id, spec.lead_minutes)  # as the engine reads it
                for channel in spec.channels:
                    leads[channel] = max(leads.get(channel, 0), lead)
        return [
            Requirement(self.name, c, lead, worded(lambda lang, c=c, lead=lead: text("words.req_notice", lang, channel=c, lead=lead)))
            for c, lead in sorted(leads.items())
        ]

    def implied(self, old, new):
        return any(n.key == old.key and n.value >= old.value for n in new)

    def satisfy(self, req, plan, other):
        plan.notices[req.key] = req.value


class Qualifications(RequirementKind):
    """The engineer's qualification, at least the largest minimum of the chain."""

    name = "qualification"

    def collect(self, chain):
        mins = [s.qualification.minimum for s in chain.steps if s.qualification is not None]
        if not mins:
            return []
        return [Requirement(self.name, "engineer", max(mins), worded(lambda lang: text("words.req_qualification", lang, minimum=max(mins))))]

    def implied(self, old, new):
        return any(n.value >= old.value for n in new)

    def satisfy(self, req, plan, other):
        plan.qualification = max(plan.qualification or 0, req.value)


class ApprovalOrder(RequirementKind):
    """``ordered: true``: approvals granted in chain order (value: the approval steps).
    The old order is implied by a new one that keeps its steps in the same order."""

    name = "order"

    def collect(self, chain):
        steps = tuple(s.id for s in chain.steps if s.approval is not None)
        if not chain.risk.ordered or len(steps) < 2:
            return []
        return [Requirement(self.name, "approvals", steps, worded(lambda lang: text("words.req_order", lang, steps=" → ".join(steps))))]

    def implied(self, old, new):
        return any(_subsequence(old.value, n.value) for n in new)

    def satisfy(self, req, plan, other):
        plan.ordered = True


class Recipients(RequirementKind):
    """``recipients``: the chain's notices reach every role named (key: the role). Implied by
    the same role named; no recipients at all means anyone, so nothing is required."""

    name = "recipients"

    def collect(self, chain):
        roles = sorted({r for s in chain.steps if s.notification is not None for r in s.notification.recipients})
        return [Requirement(self.name, r, None, worded(lambda lang, r=r: text("words.req_recipient", lang, role=r))) for r in roles]

    def implied(self, old, new):
        return any(n.key == old.key for n in new)

    def satisfy(self, req, plan, other):
        pass  # every notice goes to every role either version names

    def violate(self, req, plan, target):
        plan.unnotified.add(req.key)


class Quorum(RequirementKind):
    """``quorum: N`` (N > 1): N distinct approvers of the step (value: N). A quorum of one is
    the approval itself; a larger new quorum implies a smaller old one."""

    name = "quorum"

    def collect(self, chain):
        return [
            Requirement(self.name, s.id, s.approval.quorum, worded(lambda lang, s=s: text("words.req_quorum", lang, step=s.id, count=s.approval.quorum)))
            for s in chain.steps
            if s.approval is not None and s.approval.quorum > 1
        ]

    def implied(self, old, new):
        return any(n.key == old.key and n.value >= old.value for n in new)

    def satisfy(self, req, plan, other):
        plan.quorum[req.key] = max(plan.quorum.get(req.key, 1), req.value)  # exactly N: a larger other quorum is missed


class Separation(RequirementKind):
    """``distinct_from``: the step's approvers are not the requester (value ``("requester",)``),
    not the engineer (``("engineer",)``), or not counted for a linked step too (key ``a|b``,
    value ``("steps",)``: the engine links steps both ways and by chains of links, so every
    pair of a linked group is one requirement). Implied by the same separation only."""

    name = "separation"

    def collect(self, chain):
        out = []
        approving = [s for s in chain.steps if s.approval is not None]
        links: dict[str, set[str]] = {s.id: set() for s in approving}
        for s in approving:
            spec = s.approval.distinct_from
            if spec is None:
                continue
            for who in ("requester", "engineer"):
                if getattr(spec, who):
                    out.append(Requirement(self.name, s.id, (who,), worded(lambda lang, s=s, who=who: text(f"words.req_separation_{who}", lang, step=s.id))))
            for other in spec.steps:
                if other in links and other != s.id:
                    links[s.id].add(other)
                    links[other].add(s.id)
        seen: set[str] = set()
        for s in approving:
            if s.id in seen or not links[s.id]:
                continue
            group, todo = [], [s.id]
            while todo:
                cur = todo.pop()
                if cur not in seen:
                    seen.add(cur)
                    group.append(cur)
                    todo += sorted(links[cur])
            group.sort()
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    out.append(Requirement(self.name, f"{a}|{b}", ("steps",), worded(lambda lang, a=a, b=b: text("words.req_separation_steps", lang, a=a, b=b))))
        return out

    def implied(self, old, new):
        return any(n.key == old.key and n.value == old.value for n in new)

    def satisfy(self, req, plan, other):
        pass  # every record has an approver of its own, none the requester or the engineer

    def violate(self, req, plan, target):
        if req.value == ("requester",):
            plan.by_requester.add(req.key)
        elif req.value == ("engineer",):
            plan.by_engineer.add(req.key)
        else:
            a, b = req.key.split("|")
            plan.shared.append((a, b))


class Validity(RequirementKind):
    """``valid_for``: the step's approvals count only while younger than it (value: seconds).
    A shorter new validity implies a longer old one."""

    name = "validity"

    def collect(self, chain):
        out = []
        for s in chain.steps:
            if s.approval is not None and s.approval.valid_for:
                seconds = int(clock.parse_duration(s.approval.valid_for).total_seconds())
                out.append(Requirement(self.name, s.id, seconds, worded(lambda lang, s=s: text("words.req_validity", lang, step=s.id, valid=s.approval.valid_for))))
        return out

    def implied(self, old, new):
        return any(n.key == old.key and n.value <= old.value for n in new)

    def satisfy(self, req, plan, other):
        limit = timedelta(seconds=req.value)
        plan.max_age[req.key] = min(plan.max_age.get(req.key, limit), limit)

    def violate(self, req, plan, target):
        age = timedelta(seconds=req.value, minutes=1)  # stale by the other side's validity
        mine = [t.value for t in target if t.key == req.key]
        if not mine or timedelta(seconds=min(mine)) > age:
            plan.age[req.key] = age


def _approval_words(step: str, roles: Sequence[str], forms: Sequence[str] | None) -> Said:
    def words(lang: str) -> str:
        shown = text("words.as_forms", lang, forms="|".join(forms)) if forms is not None else ""
        return text("words.req_approval", lang, step=step, roles="|".join(roles), forms=shown)

    return worded(words)


def _subsequence(short: Sequence[str], long: Sequence[str]) -> bool:
    it = iter(long)
    return all(any(x == y for y in it) for x in short)


REQUIREMENT_KINDS: dict[str, RequirementKind] = {
    k.name: k for k in (Approvals(), Notices(), Qualifications(), ApprovalOrder(), Quorum(), Separation(), Validity(), Recipients())
}


def requirements_of(chain: ChainView) -> frozenset[Requirement]:
    """Everything the chain requires, by every registered kind."""
    return frozenset(r for kind in REQUIREMENT_KINDS.values() for r in kind.collect(chain))


def implied(old: Requirement, new: Iterable[Requirement]) -> bool:
    """Whether ``new`` meets ``old``; a kind without a registry entry never is (fail closed)."""
    kind = REQUIREMENT_KINDS.get(old.kind)
    return kind is not None and kind.implied(old, [n for n in new if n.kind == old.kind])


@dataclass(frozen=True)
class Demand:
    """What one version asks of an operation on one region."""

    risk: str
    denied_by: frozenset[str]
    needs: frozenset[Requirement]
    chain: tuple[str, ...] = field(compare=False, default=())

    def summary(self) -> str:
        """The risk class and what it asks (its chain), or the constraints that deny, in every language."""
        if self.denied_by:
            denied = ", ".join(sorted(self.denied_by))
            return worded(lambda lang: text("words.risk_denied_by", lang, risk=self.risk, constraints=denied))
        return f"{self.risk} [{', '.join(self.chain)}]"


def compare(old: Demand, new: Demand) -> tuple[bool, bool, list[str]]:
    """(looser, stricter, what differs): looser when the new side authorizes something the
    old did not, stricter when the old side authorized something the new does not."""
    lost = [o for o in old.needs if not implied(o, new.needs)]
    gained = [n for n in new.needs if not implied(n, old.needs)]
    looser = not new.denied_by and (bool(old.denied_by) or bool(lost))
    stricter = not old.denied_by and (bool(new.denied_by) or bool(gained))
    details: list[str] = [said("words.no_longer_denied_by", constraint=c) for c in sorted(old.denied_by - new.denied_by)]
    details += [said("words.now_denied_by", constraint=c) for c in sorted(new.denied_by - old.denied_by)]
    if not old.denied_by and not new.denied_by:
        details += [_signed("-", r.text) for r in sorted(lost, key=lambda r: r.text)]
        details += [_signed("+", r.text) for r in sorted(gained, key=lambda r: r.text)]
    return looser, stricter, details


def _signed(sign: str, words: str) -> Said:
    return worded(lambda lang: f"{sign} {in_lang(words, lang)}")


# --- one version on the shared space -------------------------------------------------------


class _Side:
    """One version's rules as rule indices into the shared tree, and their predicates."""

    def __init__(self, name: str, rulebook: Rulebook, first: int):
        ev = rulebook.authorization
        assert ev is not None
        self.name, self.rulebook, self.ev, self.doc = name, rulebook, ev, ev.doc
        self.parse = fact_parser(ev)
        self.preds: list[Callable[[Any], bool]] = []
        self.conds: list[Any] = []
        self.first = first
        self.rc_ids = [self._add(rc.when, pred) if rc.when is not None else None for rc, pred in ev.risk_classes]
        self.when_ids = [self._add(c.model.when, c.when) for c in ev.constraints]
        self.unless_ids = [self._add(c.model.unless, c.unless) if c.unless is not None else None for c in ev.constraints]
        self.extra_ids = {
            (sid, k): self._add(ext.when, step.extra_forms[k][0])
            for sid, step in ev.steps.items()
            if step.model.approval is not None
            for k, ext in enumerate(step.model.approval.evidence_also)
        }
        self.steps = {s.id: s for s in self.doc.steps}
        self._demands: dict[frozenset[int], Demand] = {}

    def _add(self, cond, pred) -> int:
        self.conds.append(cond)
        self.preds.append(pred)
        return self.first + len(self.preds) - 1

    def demand(self, holds: frozenset[int] | set[int]) -> Demand:
        mine = frozenset(i for i in holds if self.first <= i < self.first + len(self.preds))
        known = self._demands.get(mine)
        if known is None:
            known = self._demands[mine] = self._demand(mine)
        return known

    def _demand(self, holds: frozenset[int]) -> Demand:
        doc = self.doc
        k = next(i for i, r in enumerate(self.rc_ids) if r is None or r in holds)
        risk = doc.risk_classes[k]
        denied = frozenset(
            c.id
            for i, c in enumerate(doc.constraints)
            if (not c.applies_to or risk.id in c.applies_to)
            and self.when_ids[i] in holds
            and not (self.unless_ids[i] is not None and self.unless_ids[i] in holds)
        )
        steps = tuple(self.steps[s] for s in risk.chain)
        forms: dict[str, frozenset[str] | None] = {}
        for step in steps:
            if step.approval is None or step.approval.evidence is None:
                forms[step.id] = None
                continue
            accepted = frozenset(step.approval.evidence)
            for i, ext in enumerate(step.approval.evidence_also):
                if self.extra_ids[(step.id, i)] in holds:
                    accepted |= frozenset(ext.forms)
            forms[step.id] = accepted
        needs = requirements_of(ChainView(risk, steps, forms))
        return Demand(risk.id, denied, needs, tuple(risk.chain))

    def holds(self, op: Any) -> set[int]:
        return {self.first + i for i, pred in enumerate(self.preds) if pred(op)}


def _context_key(ev: AuthorizationEvaluator) -> tuple:
    ctx = ev.ctx
    return ctx.default_zone.key, ctx.default_window.text, tuple((p.start, p.end) for p in ctx.calendar)


class _Rewriter:
    """Conditions of one side as the shared space must read them: context-dependent atoms
    made explicit (the default window written in) or kept apart per side."""

    def __init__(self, side: str, ev: AuthorizationEvaluator, other: AuthorizationEvaluator, synthetic: dict[str, tuple[str, Any]]):
        self.side, self.ctx, self.synthetic = side, ev.ctx, synthetic
        octx = other.ctx
        self.split_zone = ev.ctx.default_zone.key != octx.default_zone.key
        self.split_periods = tuple((p.start, p.end) for p in ev.ctx.calendar) != tuple((p.start, p.end) for p in octx.calendar)
        self.split_derived = {n for n in set(ev.ctx.derived) | set(octx.derived) if ev.ctx.derived.get(n) != octx.derived.get(n)}

    def __call__(self, cond):
        if cond is None:
            return None
        if isinstance(cond, AllOf):
            return AllOf.model_construct(all=[self(c) for c in cond.all])
        if isinstance(cond, AnyOf):
            return AnyOf.model_construct(any=[self(c) for c in cond.any])
        if isinstance(cond, NotOf):
            return NotOf.model_construct(not_=self(cond.not_))
        if isinstance(cond, InWindow):
            if self.split_zone:
                return self._apart(cond)
            if cond.in_window.window is None:
                spec = InWindowSpec.model_construct(start=cond.in_window.start, end=cond.in_window.end, window=self.ctx.default_window.text)
                return InWindow.model_construct(in_window=spec)
            return cond
        if isinstance(cond, InSensitivePeriod):
            return self._apart(cond) if self.split_periods or self.split_zone else cond
        if isinstance(cond, LocalTime):
            return self._apart(cond) if self.split_zone else cond
        if isinstance(cond, Compare) and cond.field in self.split_derived:
            return self._apart(cond)
        return cond

    def _apart(self, cond):
        shown = cond.model_dump(by_alias=True, exclude_none=True)
        atom = Compare.model_construct(field=f"?{self.side}:{json.dumps(shown, sort_keys=True)}", eq=True)
        key = json.dumps(atom.model_dump(by_alias=True, exclude_none=True), sort_keys=True, ensure_ascii=False)
        self.synthetic[key] = (self.side, shown)
        return atom


def describe_box(space: Space, box, labels: dict[str, str], lang: str = DEFAULT_LANGUAGE) -> str:
    """A box in words in ``lang``: a free condition held true reads as itself, held false as ``not …``."""
    parts = []
    for dim, (lo, hi) in zip(space.order, box):
        if dim.opaque:
            values = dim.values[lo:hi]
            if len(values) == 1:
                label = in_lang(labels.get(dim.name, dim.label), lang)
                parts.append(label if values[0] else text("words.not", lang, cond=f"({label})"))
            continue
        words = dim.describe(lo, hi, lang)
        if words:
            parts.append(words)
    return ", ".join(parts) or text("words.every_operation", lang)


# --- the comparison ----------------------------------------------------------------------------


@dataclass
class AuthorizationDiff:
    changes: list[Change]
    notes: list[Said]
    unreached: int = 0  # regions the model splits off but no operation reaches
    # (step, policy, "looser" | "stricter") of issue 14's step policies a reported band
    # shows changed: the per-step fallback (:func:`.diff.step_policy_changes`) leaves them out
    reported: set[tuple[str, str, str]] = field(default_factory=set)
    unwitnessed: int = 0  # bands whose requirements differ, reported without a witness


def policies_of(req: Requirement) -> list[tuple[str, str]]:
    """The (step, policy) pairs of a requirement of issue 14's kinds, as the per-step
    comparison names them (``quorum``, ``separation_requester`` …, ``validity``)."""
    if req.kind in ("quorum", "validity"):
        return [(req.key, req.kind)]
    if req.kind == "separation":
        if req.value == ("steps",):
            return [(step, "separation_steps") for step in req.key.split("|")]
        return [(req.key, f"separation_{req.value[0]}")]
    return []


def _differing(before: Demand, after: Demand) -> tuple[list[Requirement], list[Requirement]]:
    """What the old side requires that the new does not imply (lost), and the reverse
    (gained), where neither side denies; elsewhere the constraints decide."""
    if before.denied_by or after.denied_by:
        return [], []
    return [o for o in before.needs if not implied(o, after.needs)], [n for n in after.needs if not implied(n, before.needs)]


def authorization_changes(old: Rulebook, new: Rulebook) -> AuthorizationDiff:
    """Every satisfiable band where the two versions authorize differently."""
    if old.authorization is None or new.authorization is None:
        one = (old.authorization is None) != (new.authorization is None)
        return AuthorizationDiff([], [said("note.one_side_authorization")] if one else [])
    if old.authorization.ref.sha256 == new.authorization.ref.sha256:
        return AuthorizationDiff([], [])
    evs = (old.authorization, new.authorization)
    if _catalog(evs[0]) != _catalog(evs[1]):
        return AuthorizationDiff([], [said("note.authorization_schemas_differ")])
    sides = [_Side("old", old, 0)]
    sides.append(_Side("new", new, len(sides[0].preds)))
    docs: list[AuthorizationDocument] = [evs[0].doc, evs[1].doc]
    periods = new.authorization.ctx.calendar
    space = operation_space(docs[1], bool(periods) or bool(evs[0].ctx.calendar), evs[1].ctx.schema)
    synthetic: dict[str, tuple[str, Any]] = {}
    dnfs = []
    for side, (ev, other) in zip(sides, ((evs[0], evs[1]), (evs[1], evs[0]))):
        rewrite = _Rewriter(side.name, ev, other, synthetic)
        dnfs += [space.dnf(rewrite(c)) for c in side.conds]
    for dnf in dnfs:
        space.register(dnf)
    space.freeze()
    labels = _labels(space, synthetic)
    items = [(i, box) for i, dnf in enumerate(dnfs) for box in space.items(dnf)]
    # Stage 1, without the constraints both versions share unchanged (where one denies, both
    # do): the candidate bands. Stage 2 splits each candidate by every rule.
    shared = _shared_constraints(sides, dnfs)
    first = [(i, box) for i, box in items if i not in shared]
    tree = collapse(_decided(build_tree(space.full_box(), first), sides), space.full_box())
    groups: dict[tuple, list] = {}
    for leaf in leaves(tree):
        if _changed(*leaf.outcome):
            groups.setdefault(leaf.outcome, []).append(leaf.box)
    shared_items = [(i, box) for i, box in items if i in shared and i in _when_ids(sides)]
    bands: list[tuple[tuple, str, list]] = []  # (outcome, region in words, boxes to find a witness in)
    for outcome, boxes in groups.items():
        boxes = sorted(_merged(boxes), key=_volume, reverse=True)
        meets = sorted({_constraint_id(sides, i) for i, sb in shared_items if any(_clip(sb, b) for b in boxes)})
        bands.append((outcome, _region_words(space, _hull(boxes), labels, len(boxes), meets), boxes))
    template = evs[1].ctx.schema.example() if evs[1].ctx.schema is not None and not evs[1].ctx.schema.bundled else TEMPLATE
    search = _WitnessSearch(sides, space, WitnessBuilder(space, template, evs[1].ctx.default_zone, periods), shared)
    out = AuthorizationDiff([], [])
    for (before, after), region, boxes in bands:
        looser, stricter, details = compare(before, after)
        direction = LOOSER if looser else STRICTER if stricter else CHANGED
        if looser and stricter:
            details.append(said("words.also_stricter"))
        want = "looser" if looser else "stricter" if stricter else "neutral"
        fact = next((f for f in (search.find(b, (before, after), want) for b in boxes[:MAX_BOXES]) if f is not None), None)
        lost, gained = _differing(before, after)
        if fact is None and not (lost or gained):
            out.unreached += 1  # a constraint's edge the model draws but no operation reaches
            continue
        if fact is None:
            # What the versions require differs here, yet no operation was built that shows
            # it: reported all the same (and gated by its direction), never left out.
            out.unwitnessed += 1
            details.append(said("words.no_authorization_witness"))
        out.reported |= {(step, policy, "looser") for r in lost for step, policy in policies_of(r)}
        out.reported |= {(step, policy, "stricter") for r in gained for step, policy in policies_of(r)}
        for way, reqs in (("looser", lost), ("stricter", gained)):  # a lead per risk class shows as a notice's lead
            if any(r.kind == "notification" for r in reqs):
                out.reported |= {(step, f"lead_time:{risk}", way) for step in _notifying(sides, before, after) for risk in {before.risk, after.risk}}
            if any(r.kind == "recipients" for r in reqs):
                out.reported |= {(step, "recipients", way) for step in _notifying(sides, before, after)}
        out.changes.append(
            Change(
                "authorization", region, before.summary(), after.summary(), direction,
                witness=fact, band=_band_name(sides, before, after), details=tuple(details), **_place(sides, before, after),
            )
        )
    if out.unreached:
        out.notes.append(said("note.unreached", count=out.unreached, plural="s" if out.unreached != 1 else ""))
    if out.unwitnessed:
        out.notes.append(said("note.unwitnessed", count=out.unwitnessed, plural="s" if out.unwitnessed != 1 else ""))
    return out


def _notifying(sides: list[_Side], before: Demand, after: Demand) -> set[str]:
    """The notice steps of either chain of a band."""
    return {s for side, d in zip(sides, (before, after)) for s in d.chain if side.steps[s].notification is not None}


def _region_words(space: Space, hull, labels: dict[str, str], parts: int, meets: list[str]) -> Said:
    """A band's region in every language: its hull, how many parts, the shared constraints it leaves out."""

    def words(lang: str) -> str:
        out = describe_box(space, hull, labels, lang)
        if parts > 1:
            out += text("words.parts", lang, count=parts)
        if meets:
            out += text("words.except_where", lang, constraints=", ".join(meets))
        return out

    return worded(words)


def _decided(tree, sides: list[_Side]):
    for leaf in leaves(tree):
        leaf.outcome = (sides[0].demand(leaf.rules), sides[1].demand(leaf.rules))
    return tree


@lru_cache(maxsize=4096)
def _changed(before: Demand, after: Demand) -> bool:
    """Whether a region changes what is authorized (a new risk class only counts where
    something is authorized at all)."""
    looser, stricter, _ = compare(before, after)
    return looser or stricter or (before.risk != after.risk and not (before.denied_by and after.denied_by))


def _hull(boxes: list):
    """The least box around ``boxes``: what every part of a band has in common."""
    return tuple((min(b[k][0] for b in boxes), max(b[k][1] for b in boxes)) for k in range(len(boxes[0])))


def _when_ids(sides: list[_Side]) -> set[int]:
    return {i for side in sides for i in side.when_ids}


def _constraint_id(sides: list[_Side], rule: int) -> str:
    for side in sides:
        if rule in side.when_ids:
            return side.doc.constraints[side.when_ids.index(rule)].id
    raise KeyError(rule)


def _merged(boxes: list) -> list:
    """Boxes joined where they touch (a long list is left as it is: joining is quadratic)."""
    return merge_boxes(boxes) if len(boxes) <= MAX_MERGE else boxes


def _volume(box) -> int:
    out = 1
    for lo, hi in box:
        out *= hi - lo
    return out


def _clip(box, within):
    out = tuple((max(a, c), min(b, d)) for (a, b), (c, d) in zip(box, within))
    return out if all(lo < hi for lo, hi in out) else None


def _shared_constraints(sides: list[_Side], dnfs: list) -> set[int]:
    """Rule indices of constraints the two versions share unchanged and that apply to every
    risk class (same ``when`` and ``unless`` on the shared space, no ``applies_to``): where
    one denies, both versions deny, so they cannot make a change and stay out of the tree."""
    old, new = sides

    def key(side: _Side, i: int) -> tuple:
        con = side.doc.constraints[i]
        unless = side.unless_ids[i]
        if con.applies_to:
            return (side.name, i)  # never shared: which risk class it meets may change
        return (repr(dnfs[side.when_ids[i]]), repr(dnfs[unless]) if unless is not None else None)

    waiting: dict[tuple, list[int]] = {}
    for i in range(len(old.doc.constraints)):
        waiting.setdefault(key(old, i), []).append(i)
    out: set[int] = set()
    for j in range(len(new.doc.constraints)):
        match = waiting.get(key(new, j))
        if match:
            i = match.pop()
            for side, k in ((old, i), (new, j)):
                out.add(side.when_ids[k])
                if side.unless_ids[k] is not None:
                    out.add(side.unless_ids[k])
    return out


def _catalog(ev: AuthorizationEvaluator) -> Any:
    """The fact fields a version decides on, before its derived values."""
    return ev.ctx.schema.catalog if ev.ctx.schema is not None else None


def _labels(space: Space, synthetic: dict[str, tuple[str, Any]]) -> dict[str, str]:
    out = {}
    for dim in space.order:
        if not dim.opaque:
            continue
        atom = dim.name[1:]
        if atom in synthetic:
            side, cond = synthetic[atom]
            out[dim.name] = worded(lambda lang, side=side, cond=cond: text(f"words.by_{side}_rules", lang, cond=condition_words(cond, lang)))
            continue
        try:
            cond = json.loads(atom)
        except ValueError:
            out[dim.name] = dim.label
            continue
        out[dim.name] = worded(lambda lang, cond=cond: condition_words(cond, lang))
    return out


def _band_name(sides: list[_Side], before: Demand, after: Demand) -> Said:
    """The band by its risk classes' names (the ruleset's own, in each language it gives them)."""

    def title(side: _Side, risk: str, lang: str) -> str:
        rc = next(r for r in side.doc.risk_classes if r.id == risk)
        return (rc.name.zh if lang == "zh" and rc.name.zh else rc.name.en) or rc.id

    def words(lang: str) -> str:
        old_t, new_t = title(sides[0], before.risk, lang), title(sides[1], after.risk, lang)
        return text("words.band", lang, name=new_t) if old_t == new_t else text("words.band_moved", lang, old=old_t, new=new_t)

    return worded(words)


def _place(sides: list[_Side], before: Demand, after: Demand) -> dict[str, Any]:
    """The changed rule on the new side that makes this band: a constraint that now denies
    or no longer does, a step of the chain whose requirements changed, else the risk class."""
    new, old = sides[1], sides[0]
    doc, odoc = new.doc, old.doc
    source = source_of(new.rulebook, doc)
    old_cons = {c.id: c for c in odoc.constraints}
    old_steps = {s.id: s for s in odoc.steps}
    old_rcs = {r.id: r for r in odoc.risk_classes}
    path: tuple = ()
    rule = None
    for i, c in enumerate(doc.constraints):
        if c.id in (before.denied_by ^ after.denied_by) or (c.id in after.denied_by and old_cons.get(c.id) != c):
            path, rule = ("constraints", i), c.id
            break
    else:
        rc_index = next(i for i, r in enumerate(doc.risk_classes) if r.id == after.risk)
        rc = doc.risk_classes[rc_index]
        changed_steps = [s for s in rc.chain if old_steps.get(s) != new.steps[s]]
        if old_rcs.get(rc.id) != rc or not changed_steps:
            path, rule = ("risk_classes", rc_index), rc.id
        else:
            si = next(i for i, s in enumerate(doc.steps) if s.id == changed_steps[0])
            path, rule = ("steps", si), changed_steps[0]
        if not changed_steps and old_rcs.get(rc.id) == rc and new.ev.ctx.default_window != old.ev.ctx.default_window:
            path, rule = ("defaults", "maintenance_window"), "maintenance_window"
    pos = source.locate(path)
    return {"file": source.file, "line": pos[0] if pos else None, "rule": rule}


# --- witnesses ---------------------------------------------------------------------------------

MAX_TRIES = 160  # candidate operations tried per box (times × record plans)
MAX_BOXES = 12  # boxes of one band tried for a witness, largest first
MAX_MERGE = 300  # boxes joined into bands at most (merge_boxes is quadratic)


class _WitnessSearch:
    """An operation in a band that both versions decide as the band says."""

    def __init__(self, sides: list[_Side], space: Space, builder: WitnessBuilder, shared: set[int]):
        self.sides, self.space, self.builder, self.shared = sides, space, builder, frozenset(shared)
        self.zone = sides[1].ev.ctx.default_zone
        self.minutes = sorted(_boundary_minutes(sides))
        self.days = _period_days(sides, self.zone)
        self.recipients = sorted({r for side in sides for s in side.doc.steps if s.notification is not None for r in s.notification.recipients})
        self.requester = any(
            s.approval is not None and s.approval.distinct_from is not None and s.approval.distinct_from.requester for side in sides for s in side.doc.steps
        )
        self.customer = _registered_customer(sides)

    def find(self, box, signature: tuple[Demand, Demand], want: str) -> dict[str, Any] | None:
        for base in self._bases(box):
            found = self._find(base, box, signature, want)
            if found is not None:
                return found
        return None

    def _bases(self, box) -> Iterable[dict[str, Any]]:
        """Facts in ``box``: the template moved only where the box asks, then its lowest point."""
        template = self.builder.template
        near = tuple(_piece_near(dim, lo, hi, _get(template, dim.name)) for dim, (lo, hi) in zip(self.space.order, box))
        for point, start in ((near, template), (lowest_point(box), None)):
            fact = self.builder.fact(point, start)
            if fact is not None:
                yield self._named(fact)

    def _named(self, fact: dict[str, Any]) -> dict[str, Any]:
        """The people and the customer a witness names: a requester (no approver, not the
        engineer) where either version separates approvers from the requester, and a
        customer of the registry where a version has one (an unnamed one is refused)."""
        if self.requester and not fact.get("requester"):
            fact["requester"] = "requester"
        if self.customer is not None:
            own = fact.get("customer") if isinstance(fact.get("customer"), dict) else {}
            # the registered profile decides the zone and the window; a fact's own would be refused
            fact["customer"] = {**{k: v for k, v in own.items() if k not in ("timezone", "maintenance_window")}, "id": self.customer}
        return fact

    def _find(self, base: dict[str, Any], box, signature: tuple[Demand, Demand], want: str) -> dict[str, Any] | None:
        extra = self._atoms(box)
        target, other = (signature[1], signature[0]) if want != "stricter" else (signature[0], signature[1])
        tries = 0
        for start, end in self._times(base):
            for differ in (True, False):
                tries += 1
                if tries > MAX_TRIES:
                    return None
                fact = copy.deepcopy(base)
                fact["scheduled_start"], fact["scheduled_end"] = start.isoformat(), end.isoformat()
                plan = RecordPlan(differ, extra=list(extra))
                _plan(plan, target, other)
                _apply(plan, fact, start, self.recipients)
                if self._decides(fact, signature, want):
                    return fact
        return None

    def _decides(self, fact: dict[str, Any], signature: tuple[Demand, Demand], want: str) -> bool:
        try:
            ops = [side.parse(fact) for side in self.sides]
        except AspRulesError:
            return False
        holds = frozenset(self.sides[0].holds(ops[0]) | self.sides[1].holds(ops[1])) - self.shared
        if (self.sides[0].demand(holds), self.sides[1].demand(holds)) != signature:
            return False
        old, new = (side.ev.authorize(op).status for side, op in zip(self.sides, ops))
        if want == "looser":
            return new == "authorized" and old != "authorized"
        if want == "stricter":
            return old == "authorized" and new != "authorized"
        return old == new

    def _atoms(self, box) -> list[tuple[str, str, str | None]]:
        """Records that the band's ``has_approval`` conditions held true ask for."""
        out = []
        for dim, (lo, hi) in zip(self.space.order, box):
            if dim.opaque and dim.values[lo:hi] == (True,):
                try:
                    cond = json.loads(dim.name[1:])
                except ValueError:
                    continue
                spec = cond.get("has_approval") if isinstance(cond, dict) else None
                if spec:
                    roles, forms = spec.get("roles") or ["witness"], spec.get("evidence")
                    out.append((spec["step"], roles[0], forms[0] if forms else None))
        return out

    def _times(self, base: dict[str, Any]) -> Iterable[tuple[datetime, datetime]]:
        start = datetime.fromisoformat(base["scheduled_start"])
        end = datetime.fromisoformat(base["scheduled_end"])
        yield start, end
        local = start.astimezone(self.zone)
        days = [local.date()] + [d for d in self.days if d != local.date()]
        minute = local.hour * 60 + local.minute
        for day in days[1:]:
            at = _at(day, minute, self.zone)
            yield at, at + (end - start)
        for day in days:
            for m in self.minutes:
                at = _at(day, m, self.zone)
                yield at, at + timedelta(minutes=1)


def _registered_customer(sides: list[_Side]) -> str | None:
    """A customer both versions' registries know (or the one that has a registry), whose zone
    and window are the new side's defaults if there is one: the box model reads those."""
    registries = [side.ev.ctx.registry for side in sides if side.ev.ctx.registry is not None]
    if not registries:
        return None
    known = [p for p in registries[-1].profiles.values() if all(p.id in r.profiles for r in registries)] or list(registries[-1].profiles.values())
    ctx = sides[1].ev.ctx

    def fit(p) -> tuple[bool, bool, str]:
        return (p.zone.key != ctx.default_zone.key, p.window is not None and p.window.text != ctx.default_window.text, p.id)

    return min(known, key=fit).id


def _get(fact: dict[str, Any], dotted: str) -> Any:
    node: Any = fact
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _piece_near(dim, lo: int, hi: int, value: Any) -> int:
    """The piece of ``[lo, hi)`` holding ``value`` (the template's), else ``lo``."""
    if value is None or dim.opaque or ":" in dim.name or "∋" in dim.name:
        return lo
    for piece in range(lo, hi):
        try:
            if dim.contains(piece, value):
                return piece
        except TypeError:
            return lo
    return lo


def _plan(plan: RecordPlan, target: Demand, other: Demand) -> None:
    for req in sorted(target.needs, key=lambda r: (r.kind, r.key)):
        kind = REQUIREMENT_KINDS[req.kind]
        kind.satisfy(req, plan, [o for o in other.needs if o.kind == req.kind])
    if plan.differ:
        for req in sorted(other.needs, key=lambda r: (r.kind, r.key)):
            if not implied(req, target.needs):
                REQUIREMENT_KINDS[req.kind].violate(req, plan, [t for t in target.needs if t.kind == req.kind])
    for step, count in plan.quorum.items():
        mine = [a for a in plan.approvals if a[0] == step]
        if mine:
            plan.approvals += [mine[0]] * (count - len(mine))
    target_ordered = any(r.kind == "order" for r in target.needs)
    other_ordered = any(r.kind == "order" for r in other.needs)
    plan.ordered = target_ordered or not (plan.differ and other_ordered)
    position = {s: i for i, s in enumerate(target.chain)}
    plan.approvals.sort(key=lambda a: position.get(a[0], len(position)))
    if plan.differ and any(r.kind == "qualification" for r in other.needs) and plan.qualification is None:
        plan.qualification = 0


def _apply(plan: RecordPlan, fact: dict[str, Any], start: datetime, recipients: Sequence[str] = ()) -> None:
    """The plan's records written into ``fact``: approvals (each by an approver of its own,
    unless the plan has the requester, the engineer or one person for two steps give one),
    notices (to every role ``recipients`` names), the engineer's qualification."""
    approvals = plan.approvals if plan.ordered else list(reversed(plan.approvals))
    by = [f"w{i}" for i in range(len(approvals))]
    ages = [timedelta(hours=48 - i) for i in range(len(approvals))]
    first = {}
    for i, (step, _, _) in enumerate(approvals):
        first.setdefault(step, i)
    engineer = fact["engineer"].get("id") if isinstance(fact.get("engineer"), dict) else None
    for step, i in first.items():
        if step in plan.by_requester and fact.get("requester"):
            by[i] = str(fact["requester"])
        elif step in plan.by_engineer and engineer:
            by[i] = str(engineer)
    for a, b in plan.shared:
        if a in first and b in first and by[first[b]].startswith("w"):
            by[first[b]] = by[first[a]]
    stale = set()
    for i, (step, _, _) in enumerate(approvals):
        if step in plan.max_age:
            ages[i] = min(ages[i], plan.max_age[step] / 2)
        if step in plan.age and first[step] == i:
            ages[i] = plan.age[step]
            stale.add(i)
    if plan.ordered:  # every record of a later step no older than the records before it
        for i in range(1, len(ages)):
            if i not in stale:
                ages[i] = min(ages[i], ages[i - 1])
        for i in range(len(ages) - 2, -1, -1):
            ages[i] = max(ages[i], ages[i + 1])
    records = [
        {"step": step, "by": by[i], "role": role, "at": (start - ages[i]).isoformat(), **({"evidence": ev} if ev else {})}
        for i, (step, role, ev) in enumerate(approvals)
    ]
    records += [
        {"step": step, "by": f"x{i}", "role": role, "at": (start - timedelta(hours=72)).isoformat(), **({"evidence": ev} if ev else {})}
        for i, (step, role, ev) in enumerate(plan.extra)
    ]
    fact["approvals"] = records
    fact["notifications"] = [
        {"channel": c, "to": "witness", "at": (start - timedelta(minutes=lead)).isoformat(), **({"role": role} if role else {})}
        for c, lead in sorted(plan.notices.items())
        for role in ([r for r in recipients if r not in plan.unnotified] or [None])
    ]
    if plan.qualification is not None and isinstance(fact.get("engineer"), dict):
        current = fact["engineer"].get("qualification", 0)
        fact["engineer"]["qualification"] = plan.qualification if plan.differ else max(current, plan.qualification)


def _at(day: date, minute: int, zone) -> datetime:
    minute %= 1440
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)


def _boundary_minutes(sides: list[_Side]) -> set[int]:
    """Minutes next to every edge of every daily window and band either version names."""
    edges: set[int] = set()
    for side in sides:
        ctx = side.ev.ctx
        texts = [ctx.default_window.text]
        for cond in side.conds:
            texts += _window_texts(cond)
        for text in texts:
            try:
                w = clock.parse_window(text)
            except (ValueError, AspRulesError):
                continue
            edges |= {w.start, w.end % 1440}
    return {(e + d) % 1440 for e in edges for d in (-2, -1, 0, 1)}


def _window_texts(cond) -> list[str]:
    if isinstance(cond, (AllOf, AnyOf)):
        return [t for c in (cond.all if isinstance(cond, AllOf) else cond.any) for t in _window_texts(c)]
    if isinstance(cond, NotOf):
        return _window_texts(cond.not_)
    if isinstance(cond, InWindow) and cond.in_window.window:
        return [cond.in_window.window]
    if isinstance(cond, LocalTime):
        return [cond.local_time.within]
    return []


def _period_days(sides: list[_Side], zone) -> list[date]:
    """A day inside every sensitive period of either version and the day after each."""
    days: list[date] = []
    for side in sides:
        for p in side.ev.ctx.calendar:
            first = p.start.astimezone(zone).date()
            for d in (first, first + timedelta(days=1), p.end.astimezone(zone).date() + timedelta(days=1)):
                if d not in days:
                    days.append(d)
    return days[:24]


__all__ = [
    "REQUIREMENT_KINDS",
    "ApprovalOrder",
    "Approvals",
    "AuthorizationDiff",
    "ChainView",
    "Demand",
    "Notices",
    "Qualifications",
    "Quorum",
    "Recipients",
    "RecordPlan",
    "Requirement",
    "RequirementKind",
    "Separation",
    "Validity",
    "authorization_changes",
    "compare",
    "implied",
    "policies_of",
    "requirements_of",
]
