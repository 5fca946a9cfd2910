"""Decisions: what was decided, which rules fired, each with its handbook citation.

Decisions are frozen values that do not hold the fact they were made for, so equal
decisions compare equal and the evaluator may share one object between facts.
``to_json(lang=, fact_id=)`` is the contract for ticketing systems, the same JSON the
command line prints (``--format json``) and ``docs/schema/*-decision.schema.json``
describes: ids, the ruleset's names as ``{en, zh}``, and every reason as a ``code`` with
its ``params`` beside its ``text`` in the chosen language, so a UI can translate it.
``explain(lang="en"|"zh")`` is for people, in the language they read (see :mod:`asprules.i18n`).
"""

# No `from __future__ import annotations` in this module: pydantic evaluates a model's
# string annotations when the class is made, compiling each one (189 in the ruleset
# format's models alone), on every start. Names defined further down are quoted.

from datetime import datetime
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict

from ..format.document import LocalText
from ..i18n import DEFAULT_LANGUAGE, check_language, name, printable, text
from ..localtext import Message, assembled

# defer_build: validators are built on first use, not at import (CLI cold start)
_FROZEN = ConfigDict(frozen=True, extra="forbid", defer_build=True)

Status = Literal["authorized", "pending", "denied"]


def bilingual(value: LocalText | None) -> str:
    """``en (zh)``: how English output shows a ruleset's names."""
    return name(value, "en")


def local_json(value: LocalText | None) -> dict | None:
    """A ruleset's name or text in the JSON contract: ``{"en": ..., "zh": ...}``."""
    return None if value is None else {"en": value.en, "zh": value.zh}


def reason_json(message: Message | None, fallback: str | None, lang: str) -> dict:
    """A reason in the JSON contract: its catalog ``code``, the ``params`` it was made with
    (names as ``{en, zh}``) and its ``text`` in ``lang``."""
    if message is None:
        return {"code": None, "params": {}, "text": fallback or ""}
    params = {k: (local_json(v) if isinstance(v, LocalText) else v) for k, v in message.args}
    return {"code": message.key, "params": params, "text": message.render(lang)}


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


class RulesetRef(BaseModel):
    """Which rules decided: the ruleset's id and version, and the sha256 of its files."""

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

    def to_json(self, lang: str = DEFAULT_LANGUAGE) -> dict:
        detail = reason_json(self.detail_message, self.detail, lang) if (self.detail or self.detail_message) else None
        return {
            "id": self.id, "kind": self.kind, "cite": self.cite, "provenance": self.provenance,
            "title": local_json(self.title), "detail": detail,
        }

    def line(self, lang: str = DEFAULT_LANGUAGE) -> str:
        title = f" {name(self.title, lang)}" if self.title else ""
        shown = self.detail_message.render(lang) if self.detail_message else self.detail
        detail = f" — {shown}" if shown else ""
        mark = text("reference_default", lang) if self.provenance == "assumed" else ""
        return f"{self.id} ({self.cite}){title}{detail}{mark}"


class WhyNot(BaseModel):
    """A more severe row of the deciding table that did not match, and the first of its
    conditions that failed, with the fact's value (``outage_minutes 12 < 15``)."""

    model_config = _FROZEN
    row: str
    level: str
    cite: str
    failed: Message  # "{field} {value} {op} {operand}" and its kin, in any language

    def to_json(self, lang: str = DEFAULT_LANGUAGE) -> dict:
        return {"row": self.row, "level": self.level, "cite": self.cite, "failed": reason_json(self.failed, None, lang)}

    def line(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return text("why_not.row", lang, level=self.level, row=self.row, cite=self.cite, failed=self.failed.render(lang))


class GradeDecision(BaseModel):
    """A grading decision: the level, its base level from the deciding table, and every
    rule that took part (the row, then the adjustments in order). ``level`` is ``None``
    only for a ruleset that declares outputs and no levels; ``outputs`` holds the declared
    outputs' values (lists are tuples), ``inputs`` the decisions of the rulesets it
    ``requires``, ``obligations`` what the level requires next (absolute deadlines in the
    customer's zone), ``why_not`` the more severe rows that failed, when asked for."""

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
    inputs: tuple["GradeDecision", ...] = ()
    obligations: tuple[Obligation, ...] = ()
    why_not: tuple[WhyNot, ...] | None = None  # asked for with grade(..., why_not=True)

    @property
    def fired_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fired)

    def to_json(self, lang: str = DEFAULT_LANGUAGE, fact_id: str | None = None) -> dict:
        """The decision as the JSON contract (``asprules schema grade-decision``)."""
        lang = check_language(lang)
        out: dict[str, Any] = {
            "id": fact_id,
            "kind": "grade",
            "level": self.level,
            "level_name": local_json(self.level_name),
            "base_level": self.base_level,
            "base_level_name": local_json(self.base_level_name),
            "major": self.major,
            "table": self.table,
            "fired": [f.to_json(lang) for f in self.fired],
            "obligations": [o.to_json() for o in self.obligations],
            "ruleset": self.ruleset.to_json(),
            "lang": lang,
        }
        if self.score is not None:
            out["score"] = self.score
        if self.outputs is not None:
            out["outputs"] = {k: _json_value(v) for k, v in self.outputs.items()}
        if self.inputs:
            out["inputs"] = {d.ruleset.id: d.to_json(lang, fact_id) for d in self.inputs}
        if self.why_not is not None:
            out["why_not"] = [w.to_json(lang) for w in self.why_not]
        return out

    def explain(self, lang: str = DEFAULT_LANGUAGE, why_not: bool = False) -> str:
        """Why this level, for people; ``lang`` is ``"en"`` or ``"zh"``. ``why_not=True``
        adds, for each more severe row of the deciding table, the first condition that
        failed (the decision must come from ``grade(..., why_not=True)``)."""
        row = text("grade.row", lang)
        if self.level is None:
            lines = [text("grade.outputs", lang, decision=self.ruleset.id)]
            lines += [f"    {k} = {_json_value(v)!r}" for k, v in (self.outputs or {}).items()]
            lines.append(text("grade.outputs_from", lang, table=self.table))
            lines += [f"    {row} {f.line(lang)}" for f in self.fired if f.kind == "row"]
            return "\n".join(lines + self._explain_tail(lang, why_not))
        lines = [text("grade.level", lang, level=self.level, name=name(self.level_name, lang))]
        if self.outputs:
            lines += [f"    {k} = {_json_value(v)!r}" for k, v in self.outputs.items()]
        rows = [f for f in self.fired if f.kind == "row"]
        if rows or self.score is not None:
            if self.score is not None:
                lines.append(text("grade.base_from_score", lang, base=self.base_level, table=self.table, score=f"{self.score:g}"))
            else:
                lines.append(text("grade.base_from_table", lang, base=self.base_level, table=self.table))
            lines += [f"    {row} {f.line(lang)}" for f in rows]
        else:
            lines.append(text("grade.no_row", lang, base=self.base_level, table=self.table))
        adjustments = [f for f in self.fired if f.kind == "adjustment"]
        if adjustments:
            lines.append(text("grade.adjustments", lang))
            lines += [f"    {f.line(lang)}" for f in adjustments]
        return "\n".join(lines + self._explain_tail(lang, why_not))

    def _explain_tail(self, lang: str, why_not: bool) -> list[str]:
        lines: list[str] = []
        _obligation_lines(lines, self.obligations, lang)
        if self.inputs:
            lines.append(text("grade.inputs", lang))
            for d in self.inputs:
                lines += ["    " + ln for ln in d.explain(lang).splitlines()]
        if why_not:
            if self.why_not is None:
                raise ValueError("explain(why_not=True) needs a decision from grade(..., why_not=True)")
            lines.append(text("why_not.head", lang) if self.why_not else text("why_not.none", lang))
            lines += [f"    {w.line(lang)}" for w in self.why_not]
        lines.append(text("ruleset", lang, id=self.ruleset.id, sha=self.ruleset.sha256[:12]))
        return lines


def _obligation_lines(lines: list[str], obligations: tuple[Obligation, ...], lang: str) -> None:
    if obligations:
        lines.append(text("obligations", lang))
        lines += [f"    {o.line(lang)}" for o in obligations]


def iso(at: datetime | None) -> str | None:
    """An instant as ISO 8601 with its offset, to the minute (seconds when it has them)."""
    if at is None:
        return None
    return at.isoformat(timespec="seconds" if at.second else "minutes")


class CountedApproval(BaseModel):
    """An approval record that counted for a step, and when it stops counting."""

    model_config = _FROZEN
    by: str
    role: str
    at: datetime
    expires: datetime | None = None  # None: it does not expire
    retrospective: bool = False

    def to_json(self) -> dict:
        out = {"by": self.by, "role": self.role, "at": iso(self.at), "expires": iso(self.expires)}
        if self.retrospective:
            out["retrospective"] = True
        return out


class StepResult(BaseModel):
    """One step of the authorization chain and why it is or is not satisfied."""

    model_config = _FROZEN
    id: str
    name: LocalText
    cite: str
    satisfied: bool
    reasons: tuple[str, ...] = ()
    reason_messages: tuple[Message, ...] = ()  # ``reasons`` in any language; absent: ``reasons`` as is
    approvals: tuple[CountedApproval, ...] = ()  # the records that counted, with their expiry

    def reasons_in(self, lang: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
        if self.reason_messages:
            return tuple(m.render(lang) for m in self.reason_messages)
        return self.reasons

    def to_json(self, lang: str = DEFAULT_LANGUAGE) -> dict:
        if self.reason_messages:
            reasons = [reason_json(m, None, lang) for m in self.reason_messages]
        else:
            reasons = [reason_json(None, r, lang) for r in self.reasons]
        return {
            "id": self.id,
            "name": local_json(self.name),
            "cite": self.cite,
            "satisfied": self.satisfied,
            "reasons": reasons,
            "approvals": [a.to_json() for a in self.approvals],
        }


class Violation(BaseModel):
    """A hard constraint the operation breaks; any one of them denies it. ``matched``
    (from ``authorize(..., why_not=True)``): what in its condition held — the period a
    span meets, the window it leaves — in the fact's local time."""

    model_config = _FROZEN
    rule: str
    cite: str
    provenance: Literal["handbook", "policy", "assumed"]
    message: LocalText
    matched: tuple[Message, ...] | None = None
    detail: str | None = None  # what matched: the period and the operation's local time
    detail_message: Message | None = None  # ``detail`` in any language

    def to_json(self, lang: str = DEFAULT_LANGUAGE) -> dict:
        out = {
            "rule": self.rule, "cite": self.cite, "provenance": self.provenance,
            "message": local_json(self.message), "text": _plain_name(self.message, lang),
        }
        if self.detail or self.detail_message:
            out["detail"] = reason_json(self.detail_message, self.detail, lang)
        if self.matched is not None:
            out["matched"] = [reason_json(m, None, lang) for m in self.matched]
        return out


def _plain_name(value: LocalText, lang: str) -> str:
    return (value.zh or value.en) if lang == "zh" else value.en


class AuthorizationDecision(BaseModel):
    """Whether an operation may run now, its risk class, the steps still missing and the
    hard constraints it breaks."""

    model_config = _FROZEN
    status: Status
    risk: str
    risk_name: LocalText
    missing: tuple[str, ...]
    violations: tuple[Violation, ...]
    steps: tuple[StepResult, ...]
    fired: tuple[FiredRule, ...]
    ruleset: RulesetRef
    obligations: tuple[Obligation, ...] = ()
    warnings: tuple[str, ...] = ()  # records the ruleset cannot read: unknown steps, roles, obligations
    evaluated_at: datetime | None = None  # the evaluation time (default: the scheduled start)

    @property
    def fired_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.fired)

    def to_json(self, lang: str = DEFAULT_LANGUAGE, fact_id: str | None = None) -> dict:
        """The decision as the JSON contract (``asprules schema authorization-decision``)."""
        lang = check_language(lang)
        return {
            "id": fact_id,
            "kind": "authorization",
            "status": self.status,
            "risk": self.risk,
            "risk_name": local_json(self.risk_name),
            "missing": list(self.missing),
            "violations": [v.to_json(lang) for v in self.violations],
            "steps": [s.to_json(lang) for s in self.steps],
            "fired": [f.to_json(lang) for f in self.fired],
            "obligations": [o.to_json() for o in self.obligations],
            "warnings": list(self.warnings),
            "evaluated_at": iso(self.evaluated_at),
            "ruleset": self.ruleset.to_json(),
            "lang": lang,
        }

    def explain(self, lang: str = DEFAULT_LANGUAGE, why_not: bool = False) -> str:
        """Why this status, for people; ``lang`` is ``"en"`` or ``"zh"``. ``why_not=True``
        adds, under each broken constraint, what matched (``authorize(..., why_not=True)``)."""
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
            if v.detail:
                lines.append(f"        {v.detail_message.render(lang) if v.detail_message else v.detail}")
            if why_not and v.matched:
                lines += [f"      {text('why_not.matched', lang, what=m.render(lang))}" for m in v.matched]
        if self.steps:
            lines.append(text("auth.chain", lang))
        for s in self.steps:
            mark = "✓" if s.satisfied else "…"
            lines.append(f"    {mark} {s.id} ({s.cite}) {name(s.name, lang)}")
            lines += [f"        - {r}" for r in s.reasons_in(lang)]
            for a in s.approvals:  # those that expire: when the decision stops holding
                if a.expires is not None:
                    lines.append(f"        + {printable(a.by)} ({printable(a.role)}) {iso(a.at)}, expires {iso(a.expires)}")
        _obligation_lines(lines, self.obligations, lang)
        if self.warnings:
            lines.append(text("auth.warnings", lang))
            lines += [f"    ! {printable(w)}" for w in self.warnings]  # they quote the fact's records
        timed = self.obligations or any(a.expires for s in self.steps for a in s.approvals)
        if self.evaluated_at is not None and timed:
            lines.append(text("auth.evaluated_at", lang, at=iso(self.evaluated_at)))
        lines.append(text("ruleset", lang, id=self.ruleset.id, sha=self.ruleset.sha256[:12]))
        return "\n".join(lines)


# --- building decision parts from validated values ----------------------------------------
# A decision is made of values the engine already holds validated: the ruleset's names and
# cites, the fact's times, notes from the catalog. Validating them again costs more than
# deciding (an authorization builds a dozen parts), so the engine builds parts with
# :func:`built` and copies them with :func:`evolved`: the same objects ``Model(**values)``
# and ``model_copy(update=...)`` would give (fields in declared order, the same fields
# set), without the validators.

# Per class: every field in declared order with its default (required ones too, with a
# placeholder that is always replaced), the required names, all names. Filled once, below.
_SPECS: dict[type, tuple[dict[str, object], frozenset[str], frozenset[str]]] = {}


def _spec(cls: type[BaseModel]) -> tuple[dict[str, object], frozenset[str], frozenset[str]]:
    template: dict[str, object] = {}
    for field_name, info in cls.model_fields.items():
        assert info.default_factory is None, f"{cls.__name__}.{field_name}: built() copies plain defaults only"
        template[field_name] = None if info.is_required() else info.default
    required = frozenset(n for n, info in cls.model_fields.items() if info.is_required())
    return template, required, frozenset(template)


def built(cls: type[BaseModel], **values: object):
    """A frozen decision part from values the engine already validated, without validating
    them again (``model_construct`` minus its per-call bookkeeping). Fields left out take
    their defaults; a required field left out, or a name that is no field, is a bug
    (``KeyError``)."""
    template, required, names = _SPECS[cls]
    if not required <= values.keys() <= names:
        wrong = sorted((required - values.keys()) | (values.keys() - names))
        raise KeyError(f"{cls.__name__}: field {wrong[0]!r} is required or unknown")
    return assembled(cls, {**template, **values}, set(values))  # updating keeps the declared order


def evolved(obj: BaseModel, **update: object):
    """``obj.model_copy(update=update)`` for a decision part: a shallow copy with ``update``
    (validated values) applied, the updated fields marked as set."""
    cls = type(obj)
    if not update.keys() <= _SPECS[cls][2]:
        raise KeyError(f"{cls.__name__} has no field {sorted(update.keys() - _SPECS[cls][2])[0]!r}")
    return assembled(cls, {**obj.__dict__, **update}, obj.__pydantic_fields_set__ | update.keys())


for _cls in (Obligation, RulesetRef, FiredRule, WhyNot, GradeDecision, CountedApproval, StepResult, Violation, AuthorizationDecision, LocalText):
    _SPECS[_cls] = _spec(_cls)
del _cls


def maker(cls: type[BaseModel], *names: str) -> Callable[..., Any]:
    """A fast ``lambda *values: built(cls, **dict(zip(names, values)))`` for one call site
    that builds many parts of one shape (a step's result, a counted approval): the names
    are checked once, here, instead of on every part.

    The parts share one fields-set object, as :func:`stamper`'s copies do."""
    template, required, all_names = _SPECS[cls]
    if not required <= set(names) <= all_names or len(set(names)) != len(names):
        raise KeyError(f"{cls.__name__}: {names!r} leave out a required field or name no field")
    fields_set = set(names)
    if names == tuple(template):  # every field, in declared order: no defaults to copy

        def make(*values: object):
            return assembled(cls, dict(zip(names, values)), fields_set)

    else:

        def make(*values: object):
            data = template.copy()
            data.update(zip(names, values))
            return assembled(cls, data, fields_set)

    return make


def stamper(template: BaseModel, *names: str) -> Callable[..., Any]:
    """A fast ``lambda *values: template.model_copy(update=dict(zip(names, values)))`` for
    copies of one template made many times (a level's obligation with each fact's deadline).

    The copies share one fields-set object: pydantic never changes it after construction
    (``model_copy`` copies it first), and nothing in asprules does."""
    cls = type(template)
    if not set(names) <= _SPECS[cls][2]:
        raise KeyError(f"{cls.__name__} has no field {sorted(set(names) - _SPECS[cls][2])[0]!r}")
    fields = template.__dict__
    fields_set = template.__pydantic_fields_set__ | set(names)

    def stamp(*values: object):
        data = fields.copy()
        data.update(zip(names, values))
        return assembled(cls, data, fields_set)

    return stamp
