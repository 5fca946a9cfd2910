"""Decisions: what was decided, which rules fired, each with its handbook citation.

Decisions are frozen values that do not hold the fact they were made for, so equal
decisions compare equal and the evaluator may share one object between facts.
``to_json()`` is the stable contract for ticketing systems (English, always);
``explain(lang="en"|"zh")`` is for people, in the language they read (see :mod:`asprules.i18n`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ..format.document import LocalText
from ..i18n import DEFAULT_LANGUAGE, Message, check_language, name, text

# defer_build: validators are built on first use, not at import (CLI cold start)
_FROZEN = ConfigDict(frozen=True, extra="forbid", defer_build=True)

Status = Literal["authorized", "pending", "denied"]


def bilingual(value: LocalText | None) -> str:
    """``en (zh)``: how English output shows a ruleset's names."""
    return name(value, "en")


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
    provenance: Literal["handbook", "policy", "assumed"]
    title: LocalText | None = None
    detail: str | None = None
    detail_message: Message | None = None  # ``detail`` in any language; absent: ``detail`` as is

    def to_json(self) -> dict:
        out = {"id": self.id, "kind": self.kind, "cite": self.cite, "provenance": self.provenance}
        if self.detail:
            out["detail"] = self.detail
        return out

    def line(self, lang: str = DEFAULT_LANGUAGE) -> str:
        title = f" {name(self.title, lang)}" if self.title else ""
        shown = self.detail_message.render(lang) if self.detail_message else self.detail
        detail = f" — {shown}" if shown else ""
        mark = text("reference_default", lang) if self.provenance == "assumed" else ""
        return f"{self.id} ({self.cite}){title}{detail}{mark}"


class Obligation(BaseModel):
    """Something the decision requires to happen later, with its deadline."""

    model_config = _FROZEN
    id: str  # the rule (level output, risk class, constraint) that imposes it
    kind: str  # e.g. "report", "notify", "review", "approval", "response", "resolution", "confirm"
    text: LocalText  # what must happen, in the ruleset's words
    due: datetime | None = None  # absolute deadline, offset-aware, in the customer's zone
    role: str | None = None  # who must do it, when a role is named
    cite: str
    provenance: Literal["handbook", "policy", "assumed"]
    status: Literal["open", "overdue", "met"] = "open"

    def to_json(self) -> dict:
        """All fields; ``due`` as ISO 8601 with its offset, ``text`` in English."""
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text.en,
            "due": None if self.due is None else self.due.isoformat(),
            "role": self.role,
            "cite": self.cite,
            "provenance": self.provenance,
            "status": self.status,
        }

    def line(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """``written report due 2026-12-02T14:00+08:00 (§35.3)``, for people."""
        what = name(self.text, lang) if lang != "en" else self.text.en
        if self.role:
            what = f"{what} [{self.role}]"
        if self.due is None:
            out = text("obligation.no_due", lang, text=what, cite=self.cite)
        else:
            out = text("obligation.due", lang, text=what, due=self.due.isoformat(timespec="minutes"), cite=self.cite)
        if self.status != "open":
            out += text(f"obligation.{self.status}", lang)
        return out + (text("reference_default", lang) if self.provenance == "assumed" else "")


def _json_value(value: Any) -> Any:
    return [_json_value(v) for v in value] if isinstance(value, tuple) else value


class GradeDecision(BaseModel):
    """A grading decision. ``level`` is ``None`` only for a ruleset that declares outputs
    and no levels; ``outputs`` holds the declared outputs' values (lists are tuples),
    ``inputs`` the decisions of the rulesets it ``requires``, ``obligations`` what the
    level requires next (absolute deadlines in the customer's zone)."""

    model_config = _FROZEN
    level: str | None
    base_level: str | None
    level_name: LocalText | None
    base_level_name: LocalText | None
    major: bool
    table: str | None
    fired: tuple[FiredRule, ...]
    ruleset: RulesetRef
    score: int | float | None = None  # the deciding table's total under collect sum or count
    outputs: dict[str, Any] | None = None  # declared outputs → values; None: the ruleset declares none
    inputs: tuple[GradeDecision, ...] = ()
    obligations: tuple[Obligation, ...] = ()

    @property
    def fired_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fired)

    def to_json(self) -> dict:
        out = {
            "level": self.level,
            "base_level": self.base_level,
            "major": self.major,
            "table": self.table,
            "fired": [f.to_json() for f in self.fired],
            "ruleset": self.ruleset.to_json(),
        }
        if self.score is not None:
            out["score"] = self.score
        if self.outputs is not None:
            out["outputs"] = {k: _json_value(v) for k, v in self.outputs.items()}
        if self.inputs:
            out["inputs"] = {d.ruleset.id: d.to_json() for d in self.inputs}
        out["obligations"] = [o.to_json() for o in self.obligations]
        return out

    def explain(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """Why this level, for people; ``lang`` is ``"en"`` or ``"zh"``."""
        if self.level is None:
            lines = [text("grade.outputs", lang, decision=self.ruleset.id)]
            lines += [f"    {k} = {_json_value(v)!r}" for k, v in (self.outputs or {}).items()]
            lines.append(text("grade.outputs_from", lang, table=self.table))
            row = text("grade.row", lang)
            lines += [f"    {row} {f.line(lang)}" for f in self.fired if f.kind == "row"]
            return "\n".join(lines + self._explain_tail(lang))
        lines = [text("grade.level", lang, level=self.level, name=name(self.level_name, lang))]
        if self.outputs:
            lines += [f"    {k} = {_json_value(v)!r}" for k, v in self.outputs.items()]
        rows = [f for f in self.fired if f.kind == "row"]
        if rows or self.score is not None:
            if self.score is not None:
                lines.append(text("grade.base_from_score", lang, base=self.base_level, table=self.table, score=f"{self.score:g}"))
            else:
                lines.append(text("grade.base_from_table", lang, base=self.base_level, table=self.table))
            row = text("grade.row", lang)
            lines += [f"    {row} {f.line(lang)}" for f in rows]
        else:
            lines.append(text("grade.no_row", lang, base=self.base_level, table=self.table))
        adjustments = [f for f in self.fired if f.kind == "adjustment"]
        if adjustments:
            lines.append(text("grade.adjustments", lang))
            lines += [f"    {f.line(lang)}" for f in adjustments]
        return "\n".join(lines + self._explain_tail(lang))

    def _explain_tail(self, lang: str) -> list[str]:
        lines = []
        if self.obligations:
            lines.append(text("grade.obligations", lang))
            lines += [f"    {o.line(lang)}" for o in self.obligations]
        if self.inputs:
            lines.append(text("grade.inputs", lang))
            for d in self.inputs:
                lines += ["    " + ln for ln in d.explain(lang).splitlines()]
        lines.append(text("ruleset", lang, id=self.ruleset.id, sha=self.ruleset.sha256[:12]))
        return lines


class StepResult(BaseModel):
    """One step of the authorization chain and why it is or is not satisfied."""

    model_config = _FROZEN
    id: str
    name: LocalText
    cite: str
    satisfied: bool
    reasons: tuple[str, ...] = ()
    reason_messages: tuple[Message, ...] = ()  # ``reasons`` in any language; absent: ``reasons`` as is

    def reasons_in(self, lang: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
        if self.reason_messages:
            return tuple(m.render(lang) for m in self.reason_messages)
        return self.reasons

    def to_json(self) -> dict:
        return {"id": self.id, "cite": self.cite, "satisfied": self.satisfied, "reasons": list(self.reasons)}


class Violation(BaseModel):
    """A hard constraint the operation breaks; any one of them denies it."""

    model_config = _FROZEN
    rule: str
    cite: str
    provenance: Literal["handbook", "policy", "assumed"]
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

    def explain(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """Why this status, for people; ``lang`` is ``"en"`` or ``"zh"``."""
        lang = check_language(lang)
        if lang == "en":  # ids, as in the JSON the reader may compare it with
            shown = self.missing
        else:  # the ruleset's own names of the steps, e.g. 技术授权
            step_names = {s.id: name(s.name, lang) for s in self.steps}
            shown = tuple(step_names.get(m, m) for m in self.missing)
        missing = text("list.separator", lang).join(shown)
        lines = [
            text(f"auth.{self.status}", lang, missing=missing),
            text("auth.risk_class", lang, risk=self.risk, name=name(self.risk_name, lang)),
        ]
        for v in self.violations:
            lines.append(f"  ✗ {v.rule} ({v.cite}): {name(v.message, lang)}")
        if self.steps:
            lines.append(text("auth.chain", lang))
        for s in self.steps:
            mark = "✓" if s.satisfied else "…"
            lines.append(f"    {mark} {s.id} ({s.cite}) {name(s.name, lang)}")
            lines += [f"        - {r}" for r in s.reasons_in(lang)]
        lines.append(text("ruleset", lang, id=self.ruleset.id, sha=self.ruleset.sha256[:12]))
        return "\n".join(lines)
