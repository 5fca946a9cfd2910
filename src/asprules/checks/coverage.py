"""Rule coverage of scenario runs: which rules did the scenarios exercise?

Per ruleset, not per line: every table row, adjustment, risk class, step and constraint
is one rule. A row, adjustment, risk class or constraint counts once it *fired* in some
decision (a constraint also when it was waived by its ``unless``); a step counts once it
was checked as part of some decision's chain; a level's obligation counts once a decision carried it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from ..engine.decisions import AuthorizationDecision, GradeDecision
from ..format.document import AuthorizationDocument, GradingDocument
from ..i18n import DEFAULT_LANGUAGE
from ..i18n import text as say
from ..loader import Rulebook
from .analysis.authorization_checks import approval_steps


@dataclass
class RulesetCoverage:
    ruleset: str
    file: str
    rules: dict[str, str]  # rule id → kind, in document order
    hit: set[str] = field(default_factory=set)

    @property
    def percent(self) -> float:
        return 100.0 * len(self.hit & set(self.rules)) / len(self.rules) if self.rules else 100.0

    @property
    def missed(self) -> list[str]:
        return [r for r in self.rules if r not in self.hit]

    def by_kind(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for rid, kind in self.rules.items():
            done, total = out.get(kind, (0, 0))
            out[kind] = (done + (rid in self.hit), total + 1)
        return out

    def to_json(self) -> dict:
        return {
            "ruleset": self.ruleset,
            "file": self.file,
            "percent": round(self.percent, 1),
            "by_kind": {k: {"covered": d, "total": t} for k, (d, t) in self.by_kind().items()},
            "missed": self.missed,
        }

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        kinds = ", ".join(f"{k} {d}/{t}" for k, (d, t) in self.by_kind().items())
        line = say("coverage.line", lang, ruleset=self.ruleset, percent=f"{self.percent:.1f}", kinds=kinds)
        if self.missed:
            line += "\n" + say("coverage.missed", lang, rules=", ".join(self.missed))
        return line


def rules_of(document) -> dict[str, str]:
    if isinstance(document, GradingDocument):
        out = {r.id: "rows" for t in document.tables for r in t.rows}
        out.update({a.id: "adjustments" for a in document.adjustments})
        out.update({o.id: "obligations" for lv in document.levels for o in lv.obligations})
        return out
    if isinstance(document, AuthorizationDocument):
        out = {rc.id: "risk_classes" for rc in document.risk_classes}
        out.update({s.id: "steps" for s in document.steps})
        out.update({c.id: "constraints" for c in document.constraints})
        return out
    return {}


class CoverageTracker:
    """Accumulates decisions, keyed by ruleset content, across scenario files."""

    def __init__(self) -> None:
        self.rulesets: dict[str, RulesetCoverage] = {}
        self.waiver_steps: dict[str, dict[str, set[str]]] = {}  # ruleset → constraint → steps its unless names

    def track(self, rules: Rulebook) -> None:
        for evaluator in (*rules.gradings.values(), rules.authorization):
            if evaluator is None or evaluator.ref.sha256 in self.rulesets:
                continue
            file = next(d.source.file for d in rules.documents if d.model is evaluator.doc)
            self.rulesets[evaluator.ref.sha256] = RulesetCoverage(evaluator.ref.id, file, rules_of(evaluator.doc))
            if isinstance(evaluator.doc, AuthorizationDocument):
                self.waiver_steps[evaluator.ref.sha256] = {c.id: approval_steps(c.unless) for c in evaluator.doc.constraints}

    def record(self, decision: GradeDecision | AuthorizationDecision | None) -> None:
        if decision is None:
            return
        if isinstance(decision, GradeDecision):
            for required in decision.inputs:  # a chained decision exercises the rules of those it reads
                self.record(required)
        if decision.ruleset.sha256 not in self.rulesets:
            return
        hit = self.rulesets[decision.ruleset.sha256].hit
        hit.update(f.id for f in decision.fired)
        if isinstance(decision, GradeDecision):
            hit.update(o.id for o in decision.obligations)  # an obligation counts once a decision carried it
        if isinstance(decision, AuthorizationDecision):
            hit.update(s.id for s in decision.steps)
            waivers = self.waiver_steps.get(decision.ruleset.sha256, {})
            for f in decision.fired:
                if f.kind == "constraint" and f.detail and f.detail.startswith("waived"):
                    hit.update(waivers.get(f.id, ()))

    def report(self) -> list[RulesetCoverage]:
        return list(self.rulesets.values())

    def lowest(self) -> float:
        return min((c.percent for c in self.rulesets.values()), default=100.0)


def coverage_of(results: Iterable, rulebooks: Iterable[Rulebook]) -> CoverageTracker:
    tracker = CoverageTracker()
    for rules in rulebooks:
        tracker.track(rules)
    for r in results:
        tracker.record(r.decision)
    return tracker
