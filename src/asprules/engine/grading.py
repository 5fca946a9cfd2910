"""Stage 5a: the compiled grading evaluator (重大故障定级, §34.2).

Levels are ranked by their order in the ruleset: rank 0 is the most severe. A decision
depends only on which table row decided and which adjustments fired, so decisions are
built once per such outcome and shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..errors import EvaluationError, Problem
from ..facts.models import Incident
from ..format.document import Adjustment, GradingDocument, Row, Table
from ..i18n import note
from .codegen import build_grader
from .compile import Context, Predicate, compile_condition
from .decisions import FiredRule, GradeDecision, RulesetRef

_CACHE_LIMIT = 1 << 16


@dataclass(frozen=True)
class _Table:
    model: Table
    applies: Predicate
    rows: tuple[tuple[Row, Predicate, int], ...]  # in evaluation order
    default_rank: int
    decide: Callable[[Any], tuple[int, Row | None]]


@dataclass(frozen=True)
class _Adjustment:
    model: Adjustment
    when: Predicate
    applies_to: frozenset[int]
    step: int  # negative raises severity (towards rank 0)
    bound: int  # cap rank when raising, floor rank when lowering


def _adjust(rank: int, adj: _Adjustment) -> int:
    """Move by ``adj.step`` but never past its bound, and never the opposite way."""
    if adj.step < 0:
        return min(rank, max(rank + adj.step, adj.bound))
    return max(rank, min(rank + adj.step, adj.bound))


class GradingEvaluator:
    def __init__(self, doc: GradingDocument, ctx: Context, ref: RulesetRef):
        self.doc = doc
        self.ctx = ctx
        self.ref = ref
        self.ctx = ctx
        self.levels = tuple(doc.levels)
        self.rank = {lv.id: i for i, lv in enumerate(doc.levels)}
        major = [i for i, lv in enumerate(doc.levels) if lv.major]
        self._least_major = max(major)
        self.tables = tuple(self._compile_table(ctx, t) for t in doc.tables)
        self.adjustments = tuple(self._compile_adjustment(ctx, a, frozenset(major)) for a in doc.adjustments)
        self._decisions: dict[tuple, GradeDecision] = {}
        self.cache_limit = _CACHE_LIMIT
        # The generated function decides exactly as grade_reference does, faster.
        self.grade: Callable[[Incident], GradeDecision] = build_grader(self)

    # -- compilation ----------------------------------------------------------------

    def _compile_table(self, ctx: Context, table: Table) -> _Table:
        rows = [(row, compile_condition(ctx, row.when), self.rank[row.level]) for row in table.rows]
        default = self.rank[table.default]
        if table.hit_policy == "priority":
            # most severe first; sorted() is stable, so ties keep document order
            rows.sort(key=lambda r: r[2])
        compiled = tuple(rows)
        if table.hit_policy == "unique":
            decide = _unique(table, compiled, default)
        else:
            decide = _first(compiled, default)
        return _Table(table, compile_condition(ctx, table.applies_when), compiled, default, decide)

    def _compile_adjustment(self, ctx: Context, adj: Adjustment, major: frozenset[int]) -> _Adjustment:
        applies = frozenset(self.rank[lv] for lv in adj.applies_to) if adj.applies_to else major
        if adj.raise_ is not None:
            return _Adjustment(adj, compile_condition(ctx, adj.when), applies, -adj.raise_, self.rank[adj.cap] if adj.cap else 0)
        bound = self.rank[adj.floor] if adj.floor else self._least_major
        return _Adjustment(adj, compile_condition(ctx, adj.when), applies, adj.lower or 0, bound)

    adjust_rank = staticmethod(_adjust)

    def with_why_not(self, incident: Incident, decision: GradeDecision) -> GradeDecision:
        """``decision`` with, for each row of its deciding table more severe than its base
        level (most severe first), the first condition that failed for ``incident``."""
        from .why_not import why_not  # the walk is only paid for when asked for

        table = next((t for t in self.tables if t.model.id == decision.table), None)
        base = self.rank[decision.base_level]
        rows = [] if table is None else sorted(((r, rank) for r, _, rank in table.rows if rank < base), key=lambda x: x[1])
        found = why_not(self.ctx, [(r, self.levels[rank].id) for r, rank in rows], incident)
        return decision.model_copy(update={"why_not": found})

    # -- evaluation -----------------------------------------------------------------

    def grade_reference(self, incident: Incident) -> GradeDecision:
        """The straightforward evaluation over closures; ``grade`` is its generated twin."""
        base_rank, row, table_index = len(self.levels), None, -1
        for i, table in enumerate(self.tables):
            if table.applies(incident):
                rank, hit = table.decide(incident)
                if rank < base_rank:
                    base_rank, row, table_index = rank, hit, i
        if table_index < 0:
            raise _no_table_applies(self.tables, incident)
        adjustments = self.adjustments
        return self._adjusted(table_index, row, base_rank, lambda i: adjustments[i].when(incident))

    def grade_matched(
        self, incident: Incident, tables: frozenset[int], rows: frozenset[str], adjustments: frozenset[int]
    ) -> GradeDecision:
        """The decision once it is known which conditions hold (the Rete backend's matches):
        the indexes of tables whose ``applies_when`` holds, the ids of rows and the indexes of
        adjustments whose ``when`` holds. Hit policies and the adjustment order apply here."""
        base_rank, row, table_index = len(self.levels), None, -1
        for i, table in enumerate(self.tables):
            if i not in tables:
                continue
            hits = [(r, rank) for r, _, rank in table.rows if r.id in rows]
            if table.model.hit_policy == "unique" and len(hits) > 1:
                raise _several_rows_match(table.model, [r for r, _ in hits], incident)
            rank, hit = (hits[0][1], hits[0][0]) if hits else (table.default_rank, None)
            if rank < base_rank:
                base_rank, row, table_index = rank, hit, i
        if table_index < 0:
            raise _no_table_applies(self.tables, incident)
        return self._adjusted(table_index, row, base_rank, adjustments.__contains__)

    def _adjusted(self, table_index: int, row: Row | None, base_rank: int, holds: Callable[[int], bool]) -> GradeDecision:
        rank = base_rank
        fired: list[int] = []
        for i, adj in enumerate(self.adjustments):
            if rank in adj.applies_to and holds(i):
                fired.append(i)
                rank = _adjust(rank, adj)
        key = (table_index, row.id if row else None, base_rank, tuple(fired))
        decision = self._decisions.get(key)
        if decision is None:
            decision = self._build(key)
            if len(self._decisions) < _CACHE_LIMIT:
                self._decisions[key] = decision
        return decision

    def _build(self, key: tuple) -> GradeDecision:
        table_index, row_id, base_rank, fired_adjustments = key
        table = self.tables[table_index]
        fired: list[FiredRule] = []
        if row_id is not None:
            row = next(r for r, _, _ in table.rows if r.id == row_id)
            said = note("detail.to_level", level=row.level)
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
        return GradeDecision(
            level=self.levels[rank].id,
            base_level=self.levels[base_rank].id,
            level_name=self.levels[rank].name,
            base_level_name=self.levels[base_rank].name,
            major=self.levels[rank].major,
            table=table.model.id,
            fired=tuple(fired),
            ruleset=self.ref,
        )


def _first(rows, default: int):
    def decide(fact):
        for row, pred, rank in rows:
            if pred(fact):
                return rank, row
        return default, None

    return decide


def _unique(table: Table, rows, default: int):
    def decide(fact):
        hits = [(row, rank) for row, pred, rank in rows if pred(fact)]
        if not hits:
            return default, None
        if len(hits) > 1:
            raise _several_rows_match(table, [r for r, _ in hits], fact)
        return hits[0][1], hits[0][0]

    return decide


def _several_rows_match(table: Table, rows: list[Row], fact: Any) -> EvaluationError:
    return EvaluationError(
        f"table {table.id!r} has hit policy unique but several rows match",
        [Problem(f"rows {', '.join(r.id for r in rows)} all match incident {getattr(fact, 'id', '?')!r}")],
    )


def _no_table_applies(tables: tuple[_Table, ...], incident: Incident) -> EvaluationError:
    return EvaluationError(
        f"incident {incident.id!r}: no grading table applies",
        [Problem(f"no table's applies_when holds (tables: {', '.join(t.model.id for t in tables)})")],
    )
