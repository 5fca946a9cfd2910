"""Stage 5a: the compiled grading evaluator (重大故障定级, §34.2).

Levels are ranked by their order in the ruleset: rank 0 is the most severe. A decision
depends only on which table row decided and which adjustments fired, so decisions are
built once per such outcome and shared.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, Callable, Sequence

from ..errors import EvaluationError, Problem
from ..facts.models import Incident
from ..format.document import Adjustment, GradingDocument, LevelObligation, Output, Row, Table, duration_seconds
from .. import i18n
from ..localtext import note
from .codegen import build_grader
from .compile import Context, Getter, Predicate, compile_condition, compile_getter
from .decisions import FiredRule, GradeDecision, Obligation, RulesetRef, evolved, stamper

_CACHE_LIMIT = 1 << 16
# Decisions with deadlines of the fact's own that are remembered (then forgotten all at once):
# about 2.5 kB each with their obligations, so at most about 10 MB. Measured 2026-12-01: main
# remembered them up to _CACHE_LIMIT and grew by 171 MiB over 100,000 varied incidents.
_RECENT_LIMIT = 4096


Outcome = tuple  # (rank, hits: indexes into _Table.rows of the rows that fired, score or None)


@dataclass(frozen=True)
class _Table:
    """A table compiled: its rows in evaluation order, and their closures when asked for.

    The closures of the rows (``rows``, ``decide``, ``combine``) are made the first time one
    is read: a ``first`` or ``priority`` table is graded by the generated function, which
    reads only ``ranked``, and a 10,000-row table's closures were 0.15 s and 20 MiB of its
    load (2026-12-02). Reading them from two threads at once makes them twice, alike."""

    model: Table
    applies: Predicate
    ranked: tuple[tuple[Row, int], ...]  # in evaluation order; rank -1: the row gives no level
    default_rank: int  # -1 for a banded table (collect sum/count)
    where: tuple[str, int | None]  # the table's file and line, for evaluation errors
    ctx: Context
    band: Callable[[float], int] | None  # a banded table's total → rank
    levels: bool  # whether the ruleset has levels (else rows decide outputs only)

    @cached_property
    def rows(self) -> tuple[tuple[Row, Predicate, int], ...]:
        """(row, its condition's closure, rank) in evaluation order."""
        return tuple((row, compile_condition(self.ctx, row.when), rank) for row, rank in self.ranked)

    @cached_property
    def combine(self) -> Callable[[tuple[int, ...], Any], Outcome]:
        """Matching rows (indexes, evaluation order) and the fact → the outcome."""
        if self.levels:
            return _combiner(self.model, self.ranked, self.default_rank, self.band, self.where)
        return _output_combiner(self.model, self.ranked, self.where)

    @cached_property
    def decide(self) -> Callable[[Any], Outcome]:
        """The fact → its outcome, over the closures."""
        if self.first_match:
            return _first(self.rows, self.default_rank)
        return _collect(self.rows, self.combine)

    @property
    def first_match(self) -> bool:
        """Whether the first matching row decides alone (first, and priority after its sort)."""
        return self.model.hit_policy in ("first", "priority")

@dataclass(frozen=True)
class _Adjustment:
    model: Adjustment
    when: Predicate
    applies_to: frozenset[int]
    step: int  # negative raises severity (towards rank 0)
    bound: int  # cap rank when raising, floor rank when lowering


def _due(ob: _Obligation, anchor: datetime, zone) -> datetime | None:
    """An obligation's deadline from its anchor, in the customer's zone (``None``: it has none)."""
    if ob.model.by == "end_of_month":
        local = anchor.astimezone(zone)
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        return datetime(year, month, 1, tzinfo=zone)
    if ob.within is not None:
        return (anchor + ob.within).astimezone(zone)
    return None


def _adjust(rank: int, adj: _Adjustment) -> int:
    """Move by ``adj.step`` but never past its bound, and never the opposite way."""
    if adj.step < 0:
        return min(rank, max(rank + adj.step, adj.bound))
    return max(rank, min(rank + adj.step, adj.bound))


@dataclass(frozen=True)
class _Obligation:
    model: LevelObligation
    anchor: Getter | None  # the fact's time it runs from; None: the moment of grading
    seconds: float | None  # its ``within``
    template: Obligation  # the obligation without its deadline, validated once
    within: timedelta | None = None  # ``seconds`` as a timedelta
    # Whether facts share its deadline: the end of a month, a deadline from the moment of
    # grading (one ``at`` for a whole batch), or none. A deadline some hours after the
    # fact's own start is its own, and remembering it would only crowd out shared ones.
    shared: bool = True
    stamp: Callable[[datetime | None, str], Obligation] | None = None  # the template with (due, status)


class ChainedFact:
    """A fact as a decision that ``requires`` others sees it: each required decision's
    level and outputs under its ruleset id (``impact.level``, ``impact.score``), every other
    name read from the fact itself."""

    __slots__ = ("_fact", "_inputs")

    def __init__(self, fact: Any, inputs: Sequence[GradeDecision]):
        self._fact = fact
        self._inputs = {d.ruleset.id: SimpleNamespace(level=d.level, **(d.outputs or {})) for d in inputs}

    def __getattr__(self, name: str) -> Any:
        found = self._inputs.get(name)
        return found if found is not None else getattr(self._fact, name)


class GradingEvaluator:
    """One grading ruleset compiled: ``grade(incident) -> GradeDecision``; ``decide(incident,
    at=...)`` adds the decisions it requires and the level's obligations."""

    def __init__(
        self,
        doc: GradingDocument,
        ctx: Context,
        ref: RulesetRef,
        where: Callable[[tuple], tuple[str, int | None]] | None = None,
        requires: Sequence[GradingEvaluator] = (),
    ):
        """``where(path)`` gives the file and line of a key of the document (for errors);
        ``requires`` are the evaluators of the rulesets named in its ``requires``, in order."""
        self.doc = doc
        self.ctx = ctx
        self.ref = ref
        self.requires = tuple(requires)
        self._where = where or (lambda path: (ref.id, None))
        self.levels = tuple(doc.levels)
        self.outputs: tuple[Output, ...] = tuple(doc.outputs)
        self.rank = {lv.id: i for i, lv in enumerate(doc.levels)}
        major = [i for i, lv in enumerate(doc.levels) if lv.major]
        self._least_major = max(major, default=-1)
        self.tables = tuple(self._compile_table(ctx, ti, t) for ti, t in enumerate(doc.tables))
        self.adjustments = tuple(self._compile_adjustment(ctx, a, frozenset(major)) for a in doc.adjustments)
        self._obligations = {lv.id: tuple(self._compile_obligation(ctx, ob) for ob in lv.obligations) for lv in doc.levels if lv.obligations}
        self._all_shared = {level: all(ob.shared for ob in spec) for level, spec in self._obligations.items()}
        self._decisions: dict[tuple, GradeDecision] = {}
        self._with_obligations: dict[tuple, tuple[GradeDecision, GradeDecision]] = {}  # deadlines facts share
        self._recent: dict[tuple, tuple[GradeDecision, GradeDecision]] = {}  # deadlines of facts' own, the last few
        self._obligation_cache: dict[tuple, Obligation] = {}
        self.cache_limit = _CACHE_LIMIT
        # The generated function decides exactly as grade_reference does, faster. A ruleset
        # that reads other decisions grades through them (closures over a ChainedFact).
        self.grade: Callable[[Incident], GradeDecision] = self._chained if self.requires else build_grader(self)

    @property
    def plain(self) -> bool:
        """Whether ``grade`` alone is the full decision (no required decisions, no obligations)."""
        return not self.requires and not self._obligations

    def decide(self, fact: Any, at: datetime | None = None) -> GradeDecision:
        """The full decision: the level (and outputs), the decisions it requires, and the
        level's obligations with absolute deadlines. ``at`` is the moment of grading (for
        obligations that run ``from: graded`` and for their status); never the wall clock."""
        decision = self._chained(fact, at) if self.requires else self.grade(fact)
        return self.consequences(decision, fact, at)

    def _chained(self, fact: Any, at: datetime | None = None) -> GradeDecision:
        inputs = tuple(dep.decide(fact, at) for dep in self.requires)
        decision = self.grade_reference(ChainedFact(fact, inputs))  # type: ignore[arg-type]
        return decision.model_copy(update={"inputs": inputs})

    def consequences(self, decision: GradeDecision, fact: Any, at: datetime | None = None) -> GradeDecision:
        """``decision`` with the obligations its level carries, due in the customer's zone.

        Decisions whose deadlines facts share (a month's minor faults all owe the same monthly
        summary) share one object, so such a fact costs a few datetime sums, not a new model.
        A deadline of the fact's own (four hours after its start) is remembered only among
        the last few thousand (the same incident graded again gets the same object), so a
        stream of a million incidents holds no more than those."""
        level = decision.level
        spec = self._obligations.get(level) if level is not None else None
        if not spec:
            return decision
        dues = self._dues(spec, fact, at)
        shared = self._all_shared[level]
        cache = self._with_obligations if shared else self._recent
        key = (id(decision), dues)
        hit = cache.get(key)
        if hit is not None and hit[0] is decision:
            return hit[1]
        out = evolved(decision, obligations=self._obligations_of(spec, dues))
        if not shared and len(cache) >= _RECENT_LIMIT:
            cache.clear()  # a new generation: the facts graded from now on
        if not shared or len(cache) < self.cache_limit:
            cache[key] = (decision, out)  # holds ``decision``, so its id stays its own
        return out

    def obligations_at(self, level: str, fact: Any, at: datetime | None = None) -> tuple[Obligation, ...]:
        """The obligations of ``level`` for ``fact``: deadlines from the fact's time fields
        (or ``at``, the moment of grading, for ``from: graded``) in the customer's zone;
        ``overdue`` when ``at`` is past the deadline."""
        spec = self._obligations.get(level)
        return self._obligations_of(spec, self._dues(spec, fact, at)) if spec else ()

    def _dues(self, spec: tuple[_Obligation, ...], fact: Any, at: datetime | None) -> tuple:
        zone = self.ctx.zone_of(fact)
        out = []
        for ob in spec:
            anchor = at if ob.anchor is None else ob.anchor(fact)
            due = None if anchor is None else _due(ob, anchor, zone)
            # the zone too: equal instants in two zones are equal datetimes, but print apart
            out.append((due, zone, "overdue" if at is not None and due is not None and at > due else "open"))
        return tuple(out)

    def _obligations_of(self, spec: tuple[_Obligation, ...], dues: tuple) -> tuple[Obligation, ...]:
        out = []
        for ob, (due, zone, status) in zip(spec, dues):
            # every field comes validated from the ruleset (or is computed above): copy the template
            if not ob.shared:
                out.append(ob.stamp(due, status))  # type: ignore[misc]
                continue
            key = (ob.model.id, due, zone, status)
            made = self._obligation_cache.get(key)
            if made is None:
                made = ob.stamp(due, status)  # type: ignore[misc]
                if len(self._obligation_cache) < self.cache_limit:
                    self._obligation_cache[key] = made
            out.append(made)
        return tuple(out)

    def _compile_obligation(self, ctx: Context, ob: LevelObligation) -> _Obligation:
        anchor = None if ob.from_ == "graded" else compile_getter(ctx, ob.from_)
        template = Obligation(id=ob.id, kind=ob.kind, text=ob.text, role=ob.role, cite=ob.cite, provenance=ob.provenance)
        seconds = None if ob.within is None else duration_seconds(ob.within)
        within = None if seconds is None else timedelta(seconds=seconds)
        shared = anchor is None or ob.by == "end_of_month" or within is None
        return _Obligation(ob, anchor, seconds, template, within, shared, stamper(template, "due", "status"))

    # -- compilation ----------------------------------------------------------------

    def _compile_table(self, ctx: Context, ti: int, table: Table) -> _Table:
        rows = [(row, -1 if row.level is None else self.rank[row.level]) for row in table.rows]
        default = -1 if table.default is None else self.rank[table.default]
        if table.hit_policy == "priority" and self.levels:
            # most severe first; sorted() is stable, so ties keep document order
            rows.sort(key=lambda r: r[1])
        elif table.hit_policy in ("priority", "output_order"):
            # by the declared order of the outputs' allowed values, first output first
            rows.sort(key=lambda r: self._output_rank(r[0]))
        where = self._where(("tables", ti))
        band = self._bands(table) if self.levels else None
        applies = compile_condition(ctx, table.applies_when)
        return _Table(table, applies, tuple(rows), default, where, ctx, band, bool(self.levels))

    def _bands(self, table: Table) -> Callable[[float], int] | None:
        if not table.banded:
            return None
        bands = sorted(table.bands or (), key=lambda b: -math.inf if b.min is None else b.min)
        starts = [-math.inf if b.min is None else b.min for b in bands]
        ranks = [self.rank[b.level] for b in bands]

        def band(total: float) -> int:
            return ranks[bisect_right(starts, total) - 1]  # validated: the bands cover every total

        return band

    def _compile_adjustment(self, ctx: Context, adj: Adjustment, major: frozenset[int]) -> _Adjustment:
        applies = frozenset(self.rank[lv] for lv in adj.applies_to) if adj.applies_to else major
        if adj.raise_ is not None:
            return _Adjustment(adj, compile_condition(ctx, adj.when), applies, -adj.raise_, self.rank[adj.cap] if adj.cap else 0)
        bound = self.rank[adj.floor] if adj.floor else self._least_major
        return _Adjustment(adj, compile_condition(ctx, adj.when), applies, adj.lower or 0, bound)

    def _output_rank(self, row: Row) -> tuple[int, ...]:
        given = row.outputs or {}
        key = []
        for out in self.outputs:
            allowed = out.allowed or []
            value = given.get(out.id)
            key.append(allowed.index(value) if value in allowed else len(allowed))
        return tuple(key)

    def outputs_of(self, table_index: int, hits: tuple[int, ...]) -> dict[str, Any] | None:
        """The declared outputs' values when rows ``hits`` (evaluation order) of a table
        decided: the hit's value under a single-hit policy, a list under rule order, output
        order or collect without aggregator, the aggregate under collect with one (numbers;
        min/max also rank allowed values); the output's default when no row gives it."""
        if not self.outputs:
            return None
        table = self.tables[table_index]
        model = table.model
        rows = [table.ranked[k][0] for k in hits]
        out: dict[str, Any] = {}
        for spec in self.outputs:
            given = [r.outputs[spec.id] for r in rows if r.outputs and spec.id in r.outputs]
            given = [tuple(v) if isinstance(v, list) else v for v in given]
            default = tuple(spec.default) if isinstance(spec.default, list) else spec.default
            if not given:
                out[spec.id] = default if default is not None else (() if model.gives_lists else None)
            elif model.gives_lists:
                out[spec.id] = tuple(given)
            elif model.hit_policy == "collect":
                out[spec.id] = _aggregate(model.aggregator, spec, given)
            else:
                out[spec.id] = given[0]
        return out

    adjust_rank = staticmethod(_adjust)

    def with_why_not(self, incident: Incident, decision: GradeDecision) -> GradeDecision:
        """``decision`` with, for each row of its deciding table more severe than its base
        level (most severe first), the first condition that failed for ``incident``."""
        from .why_not import why_not  # the walk is only paid for when asked for

        table = next((t for t in self.tables if t.model.id == decision.table), None)
        base = self.rank[decision.base_level]
        rows = [] if table is None else sorted(((r, rank) for r, rank in table.ranked if rank < base), key=lambda x: x[1])
        found = why_not(self.ctx, [(r, self.levels[rank].id) for r, rank in rows], incident)
        return decision.model_copy(update={"why_not": found})

    # -- evaluation -----------------------------------------------------------------

    def grade_reference(self, incident: Incident) -> GradeDecision:
        """The straightforward evaluation over closures; ``grade`` is its generated twin."""
        best: tuple | None = None
        for i, table in enumerate(self.tables):
            if table.applies(incident):
                outcome = table.decide(incident)
                if best is None or outcome[0] < best[1][0]:
                    best = (i, outcome)
        if best is None:
            raise _no_table_applies(self.tables, incident)
        adjustments = self.adjustments
        return self._adjusted(best[0], best[1], lambda i: adjustments[i].when(incident))

    def grade_matched(
        self, incident: Incident, tables: frozenset[int], rows: frozenset[str], adjustments: frozenset[int]
    ) -> GradeDecision:
        """The decision once it is known which conditions hold (the Rete backend's matches):
        the indexes of tables whose ``applies_when`` holds, the ids of rows and the indexes of
        adjustments whose ``when`` holds. Hit policies and the adjustment order apply here."""
        best: tuple | None = None
        for i, table in enumerate(self.tables):
            if i not in tables:
                continue
            hits = tuple(k for k, (r, _) in enumerate(table.ranked) if r.id in rows)
            outcome = table.combine(hits, incident)
            if best is None or outcome[0] < best[1][0]:
                best = (i, outcome)
        if best is None:
            raise _no_table_applies(self.tables, incident)
        return self._adjusted(best[0], best[1], adjustments.__contains__)

    def _adjusted(self, table_index: int, outcome: Outcome, holds: Callable[[int], bool]) -> GradeDecision:
        base_rank, hits, score = outcome
        rank = base_rank
        fired: list[int] = []
        for i, adj in enumerate(self.adjustments):
            if rank in adj.applies_to and holds(i):
                fired.append(i)
                rank = _adjust(rank, adj)
        key = (table_index, hits, base_rank, score, tuple(fired))
        decision = self._decisions.get(key)
        if decision is None:
            decision = self.build(key)
            if len(self._decisions) < _CACHE_LIMIT:
                self._decisions[key] = decision
        return decision

    def build(self, key: tuple) -> GradeDecision:
        """The decision for one outcome: ``(table index, hit row indexes, base rank, score,
        fired adjustment indexes)``. Decisions are built once per outcome and shared."""
        table_index, hits, base_rank, score, fired_adjustments = key
        table = self.tables[table_index]
        fired: list[FiredRule] = []
        for k in hits:
            row = table.ranked[k][0]
            if not self.levels:
                shown = ", ".join(f"{name}={value!r}" for name, value in (row.outputs or {}).items())
                said = note("detail.outputs", outputs=shown)
            elif row.level is not None:
                said = note("detail.to_level", level=row.level)
            elif row.score is not None:
                said = note("detail.scores", score=f"{row.score:g}")
            else:
                said = note("detail.counted")
            fired.append(
                FiredRule(
                    id=row.id, kind="row", cite=row.cite, provenance=row.provenance, title=row.title,
                    detail=said.english, detail_message=said.message,
                )
            )
        rank = base_rank
        for i in fired_adjustments:
            adj = self.adjustments[i]
            new = _adjust(rank, adj)
            moved = {"old": self.levels[rank].id, "new": self.levels[new].id}
            bound = self.levels[adj.bound].id
            if new == rank:
                said = note("detail.no_change_cap" if adj.step < 0 else "detail.no_change_floor", **moved, bound=bound)
            elif abs(new - rank) < abs(adj.step):
                verb = "raise" if adj.step < 0 else "lower"
                said = note(f"detail.bounded_{verb}", **moved, step=str(abs(adj.step)), bound=bound)
            else:
                said = note("detail.adjusted", **moved)
            m = adj.model
            fired.append(
                FiredRule(
                    id=m.id, kind="adjustment", cite=m.cite, provenance=m.provenance, title=m.title,
                    detail=said.english, detail_message=said.message,
                )
            )
            rank = new
        shown_hits = hits[:1] if table.first_match else hits
        if not self.levels:
            return GradeDecision(
                level=None, base_level=None, level_name=None, base_level_name=None, major=False,
                table=table.model.id, fired=tuple(fired), ruleset=self.ref, outputs=self.outputs_of(table_index, shown_hits),
            )
        return GradeDecision(
            level=self.levels[rank].id,
            base_level=self.levels[base_rank].id,
            level_name=self.levels[rank].name,
            base_level_name=self.levels[base_rank].name,
            major=self.levels[rank].major,
            table=table.model.id,
            fired=tuple(fired),
            ruleset=self.ref,
            score=score,
            outputs=self.outputs_of(table_index, shown_hits),
        )


def _first(rows, default: int):
    def decide(fact):
        for k, (_, pred, rank) in enumerate(rows):
            if pred(fact):
                return rank, (k,), None
        return default, (), None

    return decide


def _collect(rows, combine):
    """Every matching row, then the hit policy's combination of them."""

    def decide(fact):
        return combine(tuple(k for k, (_, pred, _) in enumerate(rows) if pred(fact)), fact)

    return decide


def _combiner(table: Table, rows, default: int, band: Callable[[float], int] | None, where: tuple[str, int | None]):
    """The hit policy as a function of the matching rows (indexes into ``rows``, which are
    ``(row, rank)`` in evaluation order).

    ``first``/``priority``: the first matching row; ``unique``: at most one may match;
    ``any``: all that match must give one level; ``collect max``/``min``: the most/least
    severe level of those that match; ``collect sum``/``count``: the total of their scores
    (or their number), banded into a level."""
    policy, aggregator = table.hit_policy, table.aggregator

    def combine(hits: tuple[int, ...], fact: Any) -> Outcome:
        if policy in ("first", "priority"):
            return (rows[hits[0]][1], hits[:1], None) if hits else (default, (), None)
        if policy == "unique" and len(hits) > 1:
            raise _several_rows_match(table, [rows[k][0] for k in hits], fact, where)
        if policy == "any" and len({rows[k][1] for k in hits}) > 1:
            raise _rows_disagree(table, [rows[k][0] for k in hits], fact, where)
        if policy in ("unique", "any"):
            return (rows[hits[0]][1], hits, None) if hits else (default, (), None)
        if band is None:  # collect max / min
            if not hits:
                return default, (), None
            ranks = [rows[k][1] for k in hits]
            return (min(ranks) if aggregator == "max" else max(ranks)), hits, None
        total = len(hits) if aggregator == "count" else sum(rows[k][0].score for k in hits)
        return band(total), hits, total

    return combine


def _aggregate(aggregator: str | None, spec: Output, given: list) -> Any:
    """collect with an aggregator: ``count`` counts the rows that give the output; ``sum``,
    ``min``, ``max`` combine numbers; ``min``/``max`` rank a text output with allowed values
    (max: the most important, first declared); any other output lists the values."""
    if aggregator == "count":
        return len(given)
    if spec.type == "number":
        return sum(given) if aggregator == "sum" else (max(given) if aggregator == "max" else min(given))
    if spec.type == "text" and spec.allowed and aggregator in ("min", "max"):
        ranked = sorted(given, key=spec.allowed.index)
        return ranked[0] if aggregator == "max" else ranked[-1]
    return tuple(given)


def _output_combiner(table: Table, rows, where: tuple[str, int | None]):
    """A table of a ruleset without levels: which rows decide (the outputs follow from them
    in :meth:`GradingEvaluator.outputs_of`). ``unique``: at most one may match; ``any``: all
    that match must give the same outputs; ``first``/``priority``: the first (after the
    priority sort); the others: every matching row."""
    policy = table.hit_policy

    def combine(hits: tuple[int, ...], fact: Any) -> Outcome:
        if policy in ("first", "priority"):
            return -1, hits[:1], None
        if policy == "unique" and len(hits) > 1:
            raise _several_rows_match(table, [rows[k][0] for k in hits], fact, where)
        if policy == "any" and len({repr(sorted((rows[k][0].outputs or {}).items())) for k in hits}) > 1:
            raise _rows_disagree(table, [rows[k][0] for k in hits], fact, where)
        if policy == "any":
            return -1, hits[:1], None
        return -1, hits, None

    return combine


def _fact_id(fact: Any) -> str:
    return repr(getattr(fact, "id", "?"))


def _place(where: tuple[str, int | None] | None) -> str:
    if where is None:
        return ""
    return f" ({where[0]}:{where[1]})" if where[1] is not None else f" ({where[0]})"


def _several_rows_match(table: Table, rows: list[Row], fact: Any, where: tuple[str, int | None] | None = None) -> EvaluationError:
    file, line = where or (None, None)
    problem = i18n.problem("rows_all_match", file=file, line=line, rows=", ".join(r.id for r in rows), incident=_fact_id(fact))
    return i18n.error(EvaluationError, "unique_several", [problem], table=repr(table.id), place=_place(where))  # type: ignore[return-value]


def _rows_disagree(table: Table, rows: list[Row], fact: Any, where: tuple[str, int | None] | None = None) -> EvaluationError:
    file, line = where or (None, None)
    levels = ", ".join(f"{r.id} → {r.level if r.level is not None else r.outputs}" for r in rows)
    problem = i18n.problem("rows_all_match", file=file, line=line, rows=levels, incident=_fact_id(fact))
    key = "any_levels_differ" if rows[0].level is not None else "any_outputs_differ"
    return i18n.error(EvaluationError, key, [problem], table=repr(table.id), place=_place(where))  # type: ignore[return-value]


def _no_table_applies(tables: tuple[_Table, ...], incident: Incident) -> EvaluationError:
    problem = i18n.problem("no_applies_when", tables=", ".join(t.model.id for t in tables))
    return i18n.error(EvaluationError, "no_table_applies", [problem], incident=repr(incident.id))  # type: ignore[return-value]
