"""Stage 5a: the compiled grading evaluator (重大故障定级, §34.2).

Levels are ranked by their order in the ruleset: rank 0 is the most severe. A decision
depends only on which table row decided and which adjustments fired, so decisions are
built once per such outcome and shared.
"""

from __future__ import annotations

import math
from bisect import bisect_right
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


Outcome = tuple  # (rank, hits: indexes into _Table.rows of the rows that fired, score or None)


@dataclass(frozen=True)
class _Table:
    model: Table
    applies: Predicate
    rows: tuple[tuple[Row, Predicate, int], ...]  # in evaluation order; rank -1: the row gives no level
    default_rank: int  # -1 for a banded table (collect sum/count)
    decide: Callable[[Any], Outcome]  # the fact → its outcome, over the closures
    combine: Callable[[tuple[int, ...], Any], Outcome]  # matching rows (evaluation order), the fact → outcome
    where: tuple[str, int | None]  # the table's file and line, for evaluation errors

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


def _adjust(rank: int, adj: _Adjustment) -> int:
    """Move by ``adj.step`` but never past its bound, and never the opposite way."""
    if adj.step < 0:
        return min(rank, max(rank + adj.step, adj.bound))
    return max(rank, min(rank + adj.step, adj.bound))


class GradingEvaluator:
    """One grading ruleset compiled: ``grade(incident) -> GradeDecision``."""

    def __init__(
        self, doc: GradingDocument, ctx: Context, ref: RulesetRef, where: Callable[[tuple], tuple[str, int | None]] | None = None
    ):
        """``where(path)`` gives the file and line of a key of the document (for errors)."""
        self.doc = doc
        self.ctx = ctx
        self.ref = ref
        self._where = where or (lambda path: (ref.id, None))
        self.levels = tuple(doc.levels)
        self.rank = {lv.id: i for i, lv in enumerate(doc.levels)}
        major = [i for i, lv in enumerate(doc.levels) if lv.major]
        self._least_major = max(major)
        self.tables = tuple(self._compile_table(ctx, ti, t) for ti, t in enumerate(doc.tables))
        self.adjustments = tuple(self._compile_adjustment(ctx, a, frozenset(major)) for a in doc.adjustments)
        self._decisions: dict[tuple, GradeDecision] = {}
        self.cache_limit = _CACHE_LIMIT
        # The generated function decides exactly as grade_reference does, faster.
        self.grade: Callable[[Incident], GradeDecision] = build_grader(self)

    # -- compilation ----------------------------------------------------------------

    def _compile_table(self, ctx: Context, ti: int, table: Table) -> _Table:
        rows = [(row, compile_condition(ctx, row.when), -1 if row.level is None else self.rank[row.level]) for row in table.rows]
        default = -1 if table.default is None else self.rank[table.default]
        if table.hit_policy == "priority":
            # most severe first; sorted() is stable, so ties keep document order
            rows.sort(key=lambda r: r[2])
        compiled = tuple(rows)
        where = self._where(("tables", ti))
        combine = _combiner(table, compiled, default, self._bands(table), where)
        if table.hit_policy in ("first", "priority"):
            decide = _first(compiled, default)
        else:
            decide = _collect(compiled, combine)
        return _Table(table, compile_condition(ctx, table.applies_when), compiled, default, decide, combine, where)

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

    adjust_rank = staticmethod(_adjust)

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
            hits = tuple(k for k, (r, _, _) in enumerate(table.rows) if r.id in rows)
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
            row = table.rows[k][0]
            if row.level is not None:
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
    """The hit policy as a function of the matching rows (indexes, evaluation order).

    ``first``/``priority``: the first matching row; ``unique``: at most one may match;
    ``any``: all that match must give one level; ``collect max``/``min``: the most/least
    severe level of those that match; ``collect sum``/``count``: the total of their scores
    (or their number), banded into a level."""
    policy, aggregator = table.hit_policy, table.aggregator

    def combine(hits: tuple[int, ...], fact: Any) -> Outcome:
        if policy in ("first", "priority"):
            return (rows[hits[0]][2], hits[:1], None) if hits else (default, (), None)
        if policy == "unique" and len(hits) > 1:
            raise _several_rows_match(table, [rows[k][0] for k in hits], fact, where)
        if policy == "any" and len({rows[k][2] for k in hits}) > 1:
            raise _rows_disagree(table, [rows[k][0] for k in hits], fact, where)
        if policy in ("unique", "any"):
            return (rows[hits[0]][2], hits, None) if hits else (default, (), None)
        if band is None:  # collect max / min
            if not hits:
                return default, (), None
            ranks = [rows[k][2] for k in hits]
            return (min(ranks) if aggregator == "max" else max(ranks)), hits, None
        total = len(hits) if aggregator == "count" else sum(rows[k][0].score for k in hits)
        return band(total), hits, total

    return combine


def _fact_id(fact: Any) -> str:
    return repr(getattr(fact, "id", "?"))


def _place(where: tuple[str, int | None] | None) -> str:
    if where is None:
        return ""
    return f" ({where[0]}:{where[1]})" if where[1] is not None else f" ({where[0]})"


def _several_rows_match(table: Table, rows: list[Row], fact: Any, where: tuple[str, int | None] | None = None) -> EvaluationError:
    file, line = where or (None, None)
    return EvaluationError(
        f"table {table.id!r}{_place(where)} has hit policy unique but several rows match",
        [Problem(f"rows {', '.join(r.id for r in rows)} all match incident {_fact_id(fact)}", file=file, line=line)],
    )


def _rows_disagree(table: Table, rows: list[Row], fact: Any, where: tuple[str, int | None] | None = None) -> EvaluationError:
    file, line = where or (None, None)
    levels = ", ".join(f"{r.id} → {r.level}" for r in rows)
    return EvaluationError(
        f"table {table.id!r}{_place(where)} has hit policy any but the matching rows give different levels",
        [Problem(f"rows {levels} all match incident {_fact_id(fact)}", file=file, line=line)],
    )


def _no_table_applies(tables: tuple[_Table, ...], incident: Incident) -> EvaluationError:
    return EvaluationError(
        f"incident {incident.id!r}: no grading table applies",
        [Problem(f"no table's applies_when holds (tables: {', '.join(t.model.id for t in tables)})")],
    )
