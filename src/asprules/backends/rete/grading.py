"""The grading ruleset as a durable-rules ruleset: one Rete rule per table guard, row and
adjustment. The network finds every condition that holds; the compiled evaluator's own
:meth:`~asprules.engine.grading.GradingEvaluator.grade_matched` then applies hit policies and the
adjustment order, so both backends build their decisions with the same code."""

from __future__ import annotations

from typing import Any

from ...engine.decisions import GradeDecision
from ...engine.grading import GradingEvaluator
from ...facts.models import Incident
from .host import ReteSession, ruleset_name
from .translate import Encoding


def _table(i: int) -> str:
    return f"table:{i}"


def _row(ident: str) -> str:
    return f"row:{ident}"


def _adjustment(i: int) -> str:
    return f"adjustment:{i}"


class ReteGrader:
    def __init__(self, evaluator: GradingEvaluator):
        self.evaluator = evaluator
        self.encoding = Encoding(evaluator.ctx)
        conditions: dict[str, Any] = {}
        for i, table in enumerate(evaluator.tables):
            conditions[_table(i)] = table.model.applies_when
            for row, _, _ in table.rows:
                conditions[_row(row.id)] = row.when
        for i, adj in enumerate(evaluator.adjustments):
            conditions[_adjustment(i)] = adj.model.when
        rules = self.encoding.rules(conditions)
        self.session = ReteSession(ruleset_name("grading", rules, evaluator.ref.sha256), rules)
        self._tables = {_table(i): i for i in range(len(evaluator.tables))}
        self._rows = {_row(r.id): r.id for t in evaluator.tables for r, _, _ in t.rows}
        self._adjustments = {_adjustment(i): i for i in range(len(evaluator.adjustments))}

    def grade(self, incident: Incident) -> GradeDecision:
        hits = self.session.match_once(self.encoding.encode(incident))
        return self.evaluator.grade_matched(
            incident,
            frozenset(self._tables[h] for h in hits if h in self._tables),
            frozenset(self._rows[h] for h in hits if h in self._rows),
            frozenset(self._adjustments[h] for h in hits if h in self._adjustments),
        )
