"""Decisions: what was decided, which rules fired, each with its handbook citation.

Decisions are frozen values that do not hold the fact they were made for, so equal
decisions compare equal and the evaluator may share one object between facts.
``to_json()`` is the stable contract for ticketing systems; ``explain()`` is for people.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from .document import LocalText

_FROZEN = ConfigDict(frozen=True, extra="forbid")

Status = Literal["authorized", "pending", "denied"]


def bilingual(text: LocalText | None) -> str:
    if text is None:
        return ""
    return f"{text.en} ({text.zh})" if text.zh else text.en


class RulesetRef(BaseModel):
    model_config = _FROZEN
    id: str
    sha256: str
    version: str | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "sha256": self.sha256, "version": self.version}


class FiredRule(BaseModel):
    """One rule that took part in a decision."""

    model_config = _FROZEN
    id: str
    kind: Literal["row", "adjustment", "risk_class", "step", "constraint", "escalation"]
    cite: str
    provenance: Literal["handbook", "assumed"]
    title: LocalText | None = None
    detail: str | None = None

    def to_json(self) -> dict:
        out = {"id": self.id, "kind": self.kind, "cite": self.cite, "provenance": self.provenance}
        if self.detail:
            out["detail"] = self.detail
        return out

    def line(self) -> str:
        title = f" {bilingual(self.title)}" if self.title else ""
        detail = f" — {self.detail}" if self.detail else ""
        mark = "" if self.provenance == "handbook" else " [reference default]"
        return f"{self.id} ({self.cite}){title}{detail}{mark}"


class GradeDecision(BaseModel):
    model_config = _FROZEN
    level: str
    base_level: str
    level_name: LocalText
    base_level_name: LocalText
    major: bool
    table: str | None
    fired: tuple[FiredRule, ...]
    ruleset: RulesetRef

    @property
    def fired_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fired)

    def to_json(self) -> dict:
        return {
            "level": self.level,
            "base_level": self.base_level,
            "major": self.major,
            "table": self.table,
            "fired": [f.to_json() for f in self.fired],
            "ruleset": self.ruleset.to_json(),
        }

    def explain(self) -> str:
        lines = [f"Level {self.level}: {bilingual(self.level_name)}"]
        rows = [f for f in self.fired if f.kind == "row"]
        if rows:
            lines.append(f"  base level {self.base_level} from table {self.table}:")
            lines += [f"    row {f.line()}" for f in rows]
        else:
            lines.append(f"  base level {self.base_level}: no row of table {self.table} matched")
        adjustments = [f for f in self.fired if f.kind == "adjustment"]
        if adjustments:
            lines.append("  level adjustments (级别调整):")
            lines += [f"    {f.line()}" for f in adjustments]
        lines.append(f"  ruleset {self.ruleset.id} sha256:{self.ruleset.sha256[:12]}")
        return "\n".join(lines)


class StepResult(BaseModel):
    """One step of the authorization chain and why it is or is not satisfied."""

    model_config = _FROZEN
    id: str
    name: LocalText
    cite: str
    satisfied: bool
    reasons: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"id": self.id, "cite": self.cite, "satisfied": self.satisfied, "reasons": list(self.reasons)}


class Violation(BaseModel):
    """A hard constraint the operation breaks; any one of them denies it."""

    model_config = _FROZEN
    rule: str
    cite: str
    provenance: Literal["handbook", "assumed"]
    message: LocalText

    def to_json(self) -> dict:
        return {"rule": self.rule, "cite": self.cite, "provenance": self.provenance, "message": self.message.en}


class AuthorizationDecision(BaseModel):
    model_config = _FROZEN
    status: Status
    risk: str
    risk_name: LocalText
    missing: tuple[str, ...]
    violations: tuple[Violation, ...]
    steps: tuple[StepResult, ...]
    fired: tuple[FiredRule, ...]
    ruleset: RulesetRef

    @property
    def fired_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fired)

    def to_json(self) -> dict:
        return {
            "status": self.status,
            "risk": self.risk,
            "missing": list(self.missing),
            "violations": [v.to_json() for v in self.violations],
            "steps": [s.to_json() for s in self.steps],
            "fired": [f.to_json() for f in self.fired],
            "ruleset": self.ruleset.to_json(),
        }

    def explain(self) -> str:
        verdict = {
            "authorized": "AUTHORIZED: every step of the chain is satisfied and no constraint is broken",
            "pending": f"PENDING: missing {', '.join(self.missing)}",
            "denied": "DENIED: a hard constraint forbids this operation",
        }[self.status]
        lines = [verdict, f"  risk class {self.risk}: {bilingual(self.risk_name)}"]
        for v in self.violations:
            lines.append(f"  ✗ {v.rule} ({v.cite}): {bilingual(v.message)}")
        if self.steps:
            lines.append("  authorization chain:")
        for s in self.steps:
            mark = "✓" if s.satisfied else "…"
            lines.append(f"    {mark} {s.id} ({s.cite}) {bilingual(s.name)}")
            lines += [f"        - {r}" for r in s.reasons]
        lines.append(f"  ruleset {self.ruleset.id} sha256:{self.ruleset.sha256[:12]}")
        return "\n".join(lines)
