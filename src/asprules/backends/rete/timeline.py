"""Incident timelines: a stream of typed events in, level changes with their causes out.

    timeline = IncidentTimeline(asprules.load_rulesets())
    for change in timeline.handle(Opened(at=..., incident={...})):
        print(change.incident, change.before, "→", change.after, [c.id for c in change.causes])

Time is logical: it is the ``at`` of the events (a :class:`Tick` moves it without news),
never the wall clock, so a replayed stream gives the same changes every time. Events must
come in time order.

At every event the incident's current snapshot (impact so far, ``as_of`` the event, or
``recovered_at``) is graded by the Rete backend, then the ruleset's ``escalations`` are
matched by a durable-rules ruleset holding one fact per open incident (its graded level,
hours open, faults at its site). Escalations look at the level the snapshot grades and
do not chain: ``L3 unrecovered 24 h → L2`` does not then count as ``L2
unrecovered 8 h``. The same rules as a pure function of one snapshot are
:func:`escalated_grade`, which uses the compiled backend — the two are tested equal.

An incident's obligations are those of its level now (reports, reviews, with deadlines in
the customer's zone); when logical time passes a deadline, :meth:`IncidentTimeline.handle`
returns an :class:`ObligationOverdue` event for it, once (with ``overdue_events=True``).

Restarts keep the promises: with ``journal=PATH`` every accepted event is appended (flushed
and fsynced) before its outcome is returned, and a timeline built on an existing journal
folds it again, so its open incidents, levels, causes, obligations and the deadlines
already reported overdue are exactly those of an uninterrupted run. :meth:`checkpoint`
gives the state as plain JSON; ``checkpoint=`` resumes from it and folds only the journal's
later events. The journal and checkpoint (:mod:`asprules.journal`) hold events and state,
not Rete facts: the escalation network is rebuilt from them.

An incident closes when it recovers: its durable state is deleted and the timeline
forgets it, so memory stays flat however many incidents pass. Events for an incident that
is not open (never opened, or already closed) are a defined no change, like a tick that
changes nothing: :meth:`IncidentTimeline.handle` returns ``()``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Callable, Iterable, Literal, Mapping, Sequence, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from pathlib import Path

from ...engine.decisions import FiredRule, GradeDecision, Obligation
from ...engine.grading import GradingEvaluator
from ...engine.rulebook import Rulebook
from ... import i18n
from ...errors import BackendUnavailable, FactError, Problem
from ...facts.models import Count, Incident, Instant, Percent, parse_incident
from ...format.document import RepeatFaults, UnrecoveredEscalation
from ...journal import EventJournal, read_checkpoint, read_journal

_EVENT = ConfigDict(frozen=True, extra="forbid")


class Opened(BaseModel):
    """A fault opens. ``incident`` holds the incident's fields except the times, which the
    timeline fills in: ``started_at`` is ``at``."""

    model_config = _EVENT
    kind: Literal["opened"] = "opened"
    at: Instant
    incident: dict[str, Any]


class ImpactChange(BaseModel):
    """New impact figures; absent ones keep their value."""

    model_config = _EVENT
    affected_users: Count | None = None
    affected_users_pct: Percent | None = None
    affected_sites: Count | None = None
    core_service: StrictBool | None = None
    data_loss: StrictBool | None = None
    security_breach: StrictBool | None = None
    vip_customer: StrictBool | None = None


class ImpactChanged(BaseModel):
    model_config = _EVENT
    kind: Literal["impact_changed"] = "impact_changed"
    at: Instant
    incident: str
    impact: ImpactChange


class Complaint(BaseModel):
    model_config = _EVENT
    kind: Literal["complaint"] = "complaint"
    at: Instant
    incident: str


class Recovered(BaseModel):
    model_config = _EVENT
    kind: Literal["recovered"] = "recovered"
    at: Instant
    incident: str


class Tick(BaseModel):
    """Logical time moves on; time-based escalations are checked for every open incident."""

    model_config = _EVENT
    kind: Literal["tick"] = "tick"
    at: Instant


Event = Annotated[Union[Opened, ImpactChanged, Complaint, Recovered, Tick], Field(discriminator="kind")]


class LevelChange(BaseModel):
    """An incident's level after an event, when it differs from before (``before`` is
    ``None`` when it opens). ``causes``: the rules that make the new level."""

    model_config = _EVENT
    incident: str
    at: datetime
    event: str
    before: str | None
    after: str
    causes: tuple[FiredRule, ...]
    closed: bool = False


class ObligationOverdue(BaseModel):
    """An open incident's obligation whose deadline logical time has passed (reported once)."""

    model_config = _EVENT
    incident: str
    at: datetime
    event: str
    obligation: Obligation


# --- escalation rules: the shared fold, and the compiled matching of one snapshot ---------------


def _escalations(evaluator: GradingEvaluator) -> list[UnrecoveredEscalation | RepeatFaults]:
    esc = evaluator.doc.escalations
    return [*esc.unrecovered, *esc.repeat_faults]


def _escalate(evaluator: GradingEvaluator, decision: GradeDecision, holds: Callable[[str], bool]) -> tuple[str, tuple[FiredRule, ...]]:
    """Apply, in document order, each escalation that holds: up by its raise, not past its cap."""
    levels = evaluator.levels
    rank = evaluator.rank[decision.level]
    fired = list(decision.fired)
    for esc in _escalations(evaluator):
        if not holds(esc.id):
            continue
        bound = evaluator.rank[esc.cap] if esc.cap else 0
        new = min(rank, max(rank - esc.raise_, bound))
        detail = f"{levels[rank].id} → {levels[new].id}" + ("" if new != rank else f" (no change: cap is {levels[bound].id})")
        fired.append(FiredRule(id=esc.id, kind="escalation", cite=esc.cite, provenance=esc.provenance, title=esc.title, detail=detail))
        rank = new
    return levels[rank].id, tuple(fired)


def _repeat_levels(evaluator: GradingEvaluator, esc: RepeatFaults) -> frozenset[str]:
    return frozenset(esc.applies_to) if esc.applies_to else frozenset(lv.id for lv in evaluator.levels if lv.major)


def _registered(evaluator: Any, fact: Any) -> None:
    """A loaded customer registry refuses an incident it cannot decide on (as ``grade`` does)."""
    refused = evaluator.ctx.refusal(fact)
    if refused is not None:
        raise i18n.error(FactError, "customer_refused_for", [Problem(refused.english, path=("customer",), code=refused.code, params=refused.params)], id=repr(getattr(fact, "id", "?")))


def faults_within(openings: Iterable[datetime], opened: datetime, days: float) -> int:
    """Faults opened at a site less than ``days`` before ``opened``, up to it (itself included)."""
    since = opened - timedelta(days=days)
    return sum(1 for t in openings if since < t <= opened)


def escalated_grade(
    rules: Rulebook, snapshot: Incident, at: datetime, site_openings: Sequence[datetime] = (), decision: str | None = None
) -> tuple[str, tuple[FiredRule, ...]]:
    """The compiled backend's answer for a timeline: grade ``snapshot``, then apply the
    escalations as of ``at``. ``site_openings``: when faults at the incident's site opened,
    in stream order, up to and including this one. ``decision``: the grading ruleset (its
    id), needed when several are loaded."""
    evaluator = rules.decision(decision)
    _registered(evaluator, snapshot)
    decision = evaluator.grade(snapshot)
    hours_open = ((snapshot.recovered_at or at) - snapshot.started_at).total_seconds() / 3600

    def holds(ident: str) -> bool:
        esc = next(e for e in _escalations(evaluator) if e.id == ident)
        if isinstance(esc, UnrecoveredEscalation):
            return decision.level == esc.level and hours_open >= esc.after_hours
        count = faults_within(site_openings, snapshot.started_at, esc.within_days) if snapshot.site else 0
        return decision.level in _repeat_levels(evaluator, esc) and count >= esc.count

    return _escalate(evaluator, decision, holds)


def _handbook_incidents(evaluator: GradingEvaluator) -> GradingEvaluator:
    if evaluator.requires or not evaluator.levels:
        why = "reads other decisions (requires)" if evaluator.requires else "gives outputs only (no levels to follow)"
        raise BackendUnavailable(
            f"incident timelines follow one ruleset's levels; ruleset {evaluator.ref.id!r} {why}",
            [Problem("follow a grading ruleset with levels and no requires", path=("requires",) if evaluator.requires else ("levels",))],
        )
    schema = evaluator.ctx.schema
    if schema is not None and schema.model is not Incident:
        raise BackendUnavailable(
            f"incident timelines need the handbook's incident; ruleset {evaluator.ref.id!r} decides on fact schema {schema.id!r}",
            [Problem("a timeline's events build Incident snapshots (started_at, recovered_at, site, the impact measures); grade declared facts with asprules.grade")],
        )
    return evaluator


# --- the timeline -----------------------------------------------------------------------------


@dataclass
class _Open:
    data: dict[str, Any]
    opened: datetime
    level: str
    site_faults: dict[str, int]
    causes: tuple[FiredRule, ...] = ()
    fact: dict[str, Any] | None = None
    seq: int = 0
    obligations: tuple[Obligation, ...] = ()
    overdue: set[str] | None = None  # ids of obligations already reported overdue
    shard: int = 0  # which escalation session holds its state


def _escalation_actions(ids: Iterable[str]) -> dict[str, Callable[[Any], None]]:
    def action_for(rule: str) -> Callable[[Any], None]:
        def record(c: Any) -> None:
            seq = c.m.seq
            if c.s.seq != seq:  # a newer fact: the earlier matches no longer count
                c.s.seq = seq
                c.s.hits = []
            c.s.hits = (c.s.hits or []) + [rule]

        return record

    return {i: action_for(i) for i in ids}


# States per escalation session, below durable-rules' 1,024 (see IncidentTimeline.__init__).
STATES_PER_SESSION = 1000


class IncidentTimeline:
    """Follows open incidents through their events. Not thread-safe: feed it from one thread."""

    def __init__(
        self,
        rules: Rulebook,
        decision: str | None = None,
        *,
        journal: str | Path | None = None,
        checkpoint: str | Path | Mapping[str, Any] | None = None,
        overdue_events: bool = False,
    ):
        """``decision``: the grading ruleset (its id) to follow; needed when several are loaded.
        ``journal``: a JSONL file every accepted event is appended to; when it holds events
        already, they are folded first (after ``checkpoint``'s, when given: a dict from
        :meth:`checkpoint` or a file written by :func:`asprules.journal.write_checkpoint`).
        ``overdue_events``: :meth:`handle` also returns an :class:`ObligationOverdue` when
        logical time passes an open incident's deadline (off: level changes only, as before)."""
        from .. import rete
        from .host import ReteSession, ruleset_name
        from .translate import GUARD

        self.evaluator = _handbook_incidents(rules.decision(decision))
        self._grader = rete.grader(self.evaluator)
        esc = _escalations(self.evaluator)
        rules_json: dict[str, Any] = {}
        for e in esc:
            if isinstance(e, UnrecoveredEscalation):
                cond: list[Any] = [GUARD, {"level": e.level}, {"$gte": {"hours_open": e.after_hours}}]
            else:
                levels = sorted(_repeat_levels(self.evaluator, e))
                cond = [GUARD, {"$gte": {f"site_faults_{e.id}": e.count}}, {"$or": [{"level": lv} for lv in levels]} if len(levels) > 1 else {"level": levels[0]}]
            rules_json[e.id] = {"$and": cond}
        name = ruleset_name("escalation", rules_json, self.evaluator.ref.sha256)
        self._new_session: Callable[[], Any] = lambda: ReteSession(name, rules_json, _escalation_actions(rules_json))
        # One durable state per open incident. durable-rules holds at most 1,024 states
        # per ruleset and then refuses a fact with an empty message, and re-asserting for
        # that refused state kills the process (2.0.28, measured 2026-12-01); so states are
        # spread over as many sessions (each with its own Host) as needed, each holding at
        # most STATES_PER_SESSION — there is no limit on open incidents.
        self._sessions: list[Any] = [self._new_session()]
        self._held: list[int] = [0]
        self._repeat = [e for e in esc if isinstance(e, RepeatFaults)]
        self._window = timedelta(days=max((e.within_days for e in self._repeat), default=0))
        self._open: dict[str, _Open] = {}
        self._sites: dict[str, deque[datetime]] = {}
        self.now: datetime | None = None
        self.events = 0  # events accepted so far: the journal's length
        self.overdue_events = overdue_events
        self._journal: EventJournal | None = None
        if checkpoint is not None:
            self._restore(read_checkpoint(checkpoint) if isinstance(checkpoint, (str, Path)) else dict(checkpoint))
        if journal is not None:
            skip = self.events
            for n, record in read_journal(journal):
                if skip:
                    skip -= 1
                    continue
                try:
                    self.handle(record)
                except FactError as exc:
                    raise FactError(f"{journal}:{n}: {exc.summary}", [Problem(p.message, file=str(journal), line=n, path=p.path) for p in exc.problems]) from None
            if skip:
                raise FactError(f"{journal}: shorter than the checkpoint", [Problem(f"the checkpoint has {self.events} events, the journal fewer", file=str(journal))])
            self._journal = EventJournal(journal)

    def close(self) -> None:
        """Close the journal (a later timeline on the same file resumes from it)."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def checkpoint(self) -> dict[str, Any]:
        """The timeline's state as plain JSON: enough, with the journal's later events, to
        rebuild it exactly (see :func:`asprules.journal.write_checkpoint`)."""
        return {
            "ruleset": self.evaluator.ref.sha256,
            "events": self.events,
            "now": None if self.now is None else self.now.isoformat(),
            "sites": {site: [t.isoformat() for t in times] for site, times in self._sites.items()},
            "open": {
                ident: {
                    "data": st.data, "opened": st.opened.isoformat(), "level": st.level, "site_faults": st.site_faults,
                    "causes": [c.model_dump(mode="json") for c in st.causes], "seq": st.seq,
                    "obligations": [o.model_dump(mode="json") for o in st.obligations], "overdue": sorted(st.overdue or ()),
                }
                for ident, st in self._open.items()
            },
        }

    def _restore(self, state: dict[str, Any]) -> None:
        if state.get("ruleset") != self.evaluator.ref.sha256:
            raise FactError(
                "checkpoint was taken under other rules",
                [Problem(f"checkpoint ruleset sha256 {str(state.get('ruleset'))[:12]}, loaded {self.evaluator.ref.sha256[:12]}", path=("ruleset",))],
            )
        try:
            self.events = int(state["events"])
            self.now = None if state["now"] is None else datetime.fromisoformat(state["now"])
            self._sites = {site: deque(datetime.fromisoformat(t) for t in times) for site, times in state["sites"].items()}
            for ident, st in state["open"].items():
                self._open[ident] = _Open(
                    data=dict(st["data"]), opened=datetime.fromisoformat(st["opened"]), level=st["level"],
                    site_faults=dict(st["site_faults"]), causes=tuple(FiredRule.model_validate(c) for c in st["causes"]),
                    seq=int(st["seq"]), obligations=tuple(Obligation.model_validate(o) for o in st["obligations"]),
                    overdue=set(st["overdue"]),
                    shard=self._shard(),
                )
                # a restored incident holds a state in its session like an opened one
                self._held[self._open[ident].shard] += 1
        except (KeyError, TypeError, ValueError) as exc:
            raise FactError("invalid checkpoint", [Problem(f"{type(exc).__name__}: {exc}")]) from None

    def obligations(self, incident: str) -> tuple[Obligation, ...]:
        """An open incident's obligations now (those of its level), with their status."""
        state = self._open.get(incident)
        if state is None:
            return ()
        return tuple(o.model_copy(update={"status": "overdue"}) if o.id in (state.overdue or ()) else o for o in state.obligations)

    @property
    def open_incidents(self) -> int:
        return len(self._open)

    def level(self, incident: str) -> str | None:
        """An open incident's level now; ``None`` when it is not open."""
        state = self._open.get(incident)
        return state.level if state else None

    def causes(self, incident: str) -> tuple[FiredRule, ...]:
        """The rules that make an open incident's level now."""
        state = self._open.get(incident)
        return state.causes if state else ()

    def replay(self, events: Iterable[Event | Mapping[str, Any]]) -> list[LevelChange | ObligationOverdue]:
        return [change for event in events for change in self.handle(event)]

    def handle(self, event: Event | Mapping[str, Any]) -> tuple[LevelChange | ObligationOverdue, ...]:
        """Apply one event; the level changes it causes and the obligations whose deadline it
        passes (``()``: nothing). With a journal, the event is on disk before this returns."""
        ev = _parse_event(event)
        changes = self._apply(ev)
        overdue = self._overdue(ev)  # tracked either way, so a checkpoint is the same
        out = changes + overdue if self.overdue_events else changes
        self.events += 1
        if self._journal is not None:
            self._journal.append(ev.model_dump(mode="json"))
        return out

    def _overdue(self, ev: Any) -> tuple[ObligationOverdue, ...]:
        out = []
        for ident, state in self._open.items():
            for ob in state.obligations:
                if ob.due is not None and self.now > ob.due and ob.id not in (state.overdue or ()):  # type: ignore[operator]
                    state.overdue = (state.overdue or set()) | {ob.id}
                    out.append(ObligationOverdue(incident=ident, at=ev.at, event=ev.kind, obligation=ob.model_copy(update={"status": "overdue"})))
        return tuple(out)

    def _apply(self, ev: Any) -> tuple[LevelChange, ...]:
        if self.now is not None and ev.at < self.now:
            raise FactError("events out of order", [Problem(f"{ev.kind} at {ev.at.isoformat()} comes before {self.now.isoformat()}")])
        self.now = ev.at
        if isinstance(ev, Tick):
            return tuple(c for ident in list(self._open) if (c := self._update(ident, ev)) is not None)
        if isinstance(ev, Opened):
            return self._opened(ev)
        state = self._open.get(ev.incident)
        if state is None:
            return ()
        if isinstance(ev, ImpactChanged):
            state.data.update(ev.impact.model_dump(exclude_none=True))
        elif isinstance(ev, Complaint):
            state.data["customer_complaint"] = True
        change = self._update(ev.incident, ev, recovered=isinstance(ev, Recovered))
        return () if change is None else (change,)

    def _opened(self, ev: Opened) -> tuple[LevelChange, ...]:
        data = {k: v for k, v in ev.incident.items() if k not in ("started_at", "as_of", "recovered_at", "outage_minutes")}
        ident = data.get("id")
        if not isinstance(ident, str) or ident in self._open:
            why = "an opened incident needs a text id" if not isinstance(ident, str) else f"incident {ident!r} is already open"
            raise FactError("invalid opened event", [Problem(why, path=("incident", "id"))])
        site = data.get("site")
        counts: dict[str, int] = {}
        if isinstance(site, str):
            openings = self._sites.setdefault(site, deque())
            while openings and openings[0] <= ev.at - self._window:
                openings.popleft()
            openings.append(ev.at)
            counts = {e.id: faults_within(openings, ev.at, e.within_days) for e in self._repeat}
        state = _Open(data=data, opened=ev.at, level="", site_faults=counts, shard=self._shard())
        self._open[ident] = state
        self._held[state.shard] += 1
        try:
            change = self._update(ident, ev)
        except BaseException:  # nothing of a refused incident stays behind
            self._forget(ident, state)
            if isinstance(site, str):
                self._sites[site].remove(ev.at)
            raise
        return () if change is None else (change,)

    def _shard(self) -> int:
        """A session with room for one more state, made when all are full."""
        for i, held in enumerate(self._held):
            if held < STATES_PER_SESSION:
                return i
        self._sessions.append(self._new_session())
        self._held.append(0)
        return len(self._sessions) - 1

    def _forget(self, ident: str, state: _Open) -> None:
        self._sessions[state.shard].delete_state(ident)
        self._held[state.shard] -= 1
        self._open.pop(ident, None)

    def snapshot(self, incident: str, *, recovered: bool = False) -> Incident:
        """The incident as the timeline knows it now."""
        state = self._open[incident]
        times = {"recovered_at" if recovered else "as_of": self.now}
        return parse_incident({**state.data, "started_at": state.opened, **times})

    def _update(self, ident: str, ev: Any, recovered: bool = False) -> LevelChange | None:
        state = self._open[ident]
        snapshot = self.snapshot(ident, recovered=recovered)
        _registered(self.evaluator, snapshot)
        decision = self._grader.grade(snapshot)
        hits = self._match_escalations(ident, state, decision)
        level, causes = _escalate(self.evaluator, decision, hits.__contains__)
        before = state.level or None
        if level != before:  # the new level's obligations, graded now
            state.obligations = self.evaluator.obligations_at(level, snapshot, ev.at)
        state.level, state.causes = level, causes
        if recovered:
            self._forget(ident, state)
        if before == level and not recovered:
            return None
        return LevelChange(incident=ident, at=ev.at, event=ev.kind, before=before, after=level, causes=causes, closed=recovered)

    def _match_escalations(self, ident: str, state: _Open, decision: GradeDecision) -> frozenset[str]:
        state.seq += 1
        hours_open = (self.now - state.opened).total_seconds() / 3600  # type: ignore[operator]
        fact: dict[str, Any] = {"x_fact": 1, "seq": state.seq, "level": decision.level, "hours_open": hours_open}
        fact.update({f"site_faults_{k}": v for k, v in state.site_faults.items()})
        session = self._sessions[state.shard]
        with session.lock:
            if state.fact is not None:
                session.retract_fact(ident, state.fact)
            result = session.assert_fact(ident, fact)
        state.fact = fact
        if result.get("seq") != state.seq:
            return frozenset()
        return frozenset(result.get("hits") or ())


_EVENTS: dict[str, type[BaseModel]] = {"opened": Opened, "impact_changed": ImpactChanged, "complaint": Complaint, "recovered": Recovered, "tick": Tick}


def _parse_event(event: Any) -> Any:
    if isinstance(event, BaseModel):
        return event
    from pydantic import ValidationError

    kind = event.get("kind") if isinstance(event, Mapping) else None
    model = _EVENTS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise FactError("invalid event", [Problem(f"kind must be one of {', '.join(_EVENTS)}", path=("kind",))])
    try:
        return model.model_validate(dict(event))
    except ValidationError as exc:
        raise FactError(f"invalid {kind} event", [Problem(e["msg"], path=tuple(e["loc"])) for e in exc.errors()]) from None


__all__ = [
    "Complaint",
    "Event",
    "ImpactChange",
    "ImpactChanged",
    "IncidentTimeline",
    "LevelChange",
    "ObligationOverdue",
    "Opened",
    "Recovered",
    "Tick",
    "escalated_grade",
    "faults_within",
]
