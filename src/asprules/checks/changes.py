"""What ``asprules diff`` reports: changed regions, changed corpus decisions, bad corpus rows,
and conditions in words (not JSON).

A :class:`Change` is one *band*: a satisfiable region of the input space (a witness fact
lands there, decided as shown by both versions), named by the rules that made it, and
placed at the file and line of the changed rule on the new side.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from ..i18n import CATALOGS, DEFAULT_LANGUAGE, in_lang, printable, text


def direction(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A direction (``raise``, ``more permissive`` …) in ``lang``."""
    return text(f"direction.{name}", lang) if f"direction.{name}" in CATALOGS[lang] else name

# Directions. The gates: --only-raise fails on LOWERING ones, --only-restrict on LOOSENING ones.
RAISE, LOWER, UNJUDGED = "raise", "lower", "not comparable"
LOOSER, STRICTER, CHANGED = "more permissive", "more restrictive", "changed"
LOWERING = frozenset({LOWER, UNJUDGED})  # a level neither side can order against the other is not a raise
LOOSENING = frozenset({LOOSER})


@dataclass(frozen=True)
class Change:
    """One changed band of the input space, with a witness both versions decide as shown."""

    kind: str  # "grading" | "authorization" | "levels"
    region: str
    old: str
    new: str
    direction: str
    why_old: str = ""
    why_new: str = ""
    witness: dict[str, Any] | None = None
    band: str = ""  # "L2 band: outage_minutes 30→45"
    details: tuple[str, ...] = ()  # what the rules require differently, one line each
    file: str | None = None  # the changed rule on the new side
    line: int | None = None
    rule: str | None = None
    decision: str | None = None  # the grading decision (ruleset id) it belongs to

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """One line (and its details) in ``lang``: the fields made with :func:`~asprules.i18n.worded`
        or :func:`~asprules.i18n.said` are rendered in it; ids, values and the rules' own names stay as written."""
        why_old, why_new = in_lang(self.why_old, lang), in_lang(self.why_new, lang)
        why = f"  [{why_old} → {why_new}]" if why_old or why_new else ""
        head = "".join(text("diff.head", lang, name=x) for x in (self.decision, in_lang(self.band, lang)) if x)
        shown = dict(region=in_lang(self.region, lang), old=in_lang(self.old, lang), new=in_lang(self.new, lang), direction=direction(self.direction, lang))
        out = head + text("diff.change", lang, **shown) + why
        return out + "".join(f"\n      {in_lang(d, lang)}" for d in self.details)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["details"] = list(self.details)
        return out


@dataclass(frozen=True)
class CorpusChange:
    """A fact of the corpus decided differently by the two versions."""

    source: str  # file:line
    fact_id: str
    old: dict[str, Any]
    new: dict[str, Any]
    direction: str
    decision: str | None = None

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return f"{printable(self.source)} {printable(self.fact_id)}: {_brief(self.old)} → {_brief(self.new)} ({direction(self.direction, lang)})"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BadRow:
    """A corpus row that could not be decided: listed with its place, counted, skipped."""

    file: str
    line: int | None
    message: str

    def text(self) -> str:
        where = f"{printable(self.file)}:{self.line}" if self.line else printable(self.file)
        return f"{where}: {printable(self.message)}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _brief(decision: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in decision.items() if v not in ([], None))


# --- conditions in words ----------------------------------------------------------------------

_OPS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥"}


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "{" + ", ".join(_value(x) for x in v) + "}"
    return str(v)


def condition_words(cond: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """A condition (its document model, or the plain data it was read from) in words, in ``lang``.

    >>> condition_words({"not": {"in_window": {"start": "scheduled_start", "end": "scheduled_end", "window": "22:00-04:00"}}})
    'not (scheduled_start–scheduled_end inside the window 22:00-04:00)'
    >>> condition_words({"all": [{"field": "remote", "eq": True}, {"field": "kind", "in": ["a", "b"]}]}, "zh")
    'remote = true 且 kind 属于 {a, b}'
    """
    if hasattr(cond, "model_dump"):
        cond = cond.model_dump(by_alias=True, exclude_none=True)
    if not isinstance(cond, dict):
        return str(cond)
    if "all" in cond:
        return text("words.and", lang).join(_grouped(c, lang) for c in cond["all"])
    if "any" in cond:
        return text("words.or", lang).join(_grouped(c, lang) for c in cond["any"])
    if "not" in cond:
        return text("words.not", lang, cond=_grouped(cond["not"], lang))
    if "field" in cond:
        name = cond["field"]
        for op, sign in _OPS.items():
            if op in cond:
                return f"{name} {sign} {_value(cond[op])}"
        if "between" in cond:
            lo, hi = cond["between"]
            return f"{name} {_value(lo)}–{_value(hi)}"
        for op in ("in", "not_in"):
            if op in cond:
                return text(f"words.{op}", lang, name=name, values=_value(cond[op]))
        if "present" in cond:
            return text("words.given" if cond["present"] else "words.not_given", lang, name=name)
        if "contains_any" in cond:
            return text("words.contains_any", lang, name=name, values=_value(cond["contains_any"]))
    if "local_time" in cond:
        spec = cond["local_time"]
        return text("words.local_time_in", lang, field=spec["field"], within=spec["within"])
    if "in_window" in cond:
        spec = cond["in_window"]
        if spec.get("window"):
            return text("words.inside_window", lang, start=spec["start"], end=spec["end"], window=spec["window"])
        return text("words.inside_maintenance_window", lang, start=spec["start"], end=spec["end"])
    if "in_sensitive_period" in cond:
        spec = cond["in_sensitive_period"]
        what = spec.get("field") or f"{spec.get('start')}–{spec.get('end')}"
        return text("words.in_sensitive_period", lang, what=what)
    if "has_approval" in cond:
        spec = cond["has_approval"]
        roles = spec.get("roles")
        by = "|".join(roles) if roles else text("words.anyone", lang)
        forms = text("words.as_forms", lang, forms="|".join(spec["evidence"])) if spec.get("evidence") else ""
        return text("words.approval_recorded", lang, step=spec["step"], by=by, forms=forms)
    return json.dumps(cond, ensure_ascii=False, sort_keys=True)


def _compound(cond: Any) -> bool:
    """Whether a condition's words need brackets inside a longer one (several parts, or a
    span; a ``not`` has already bracketed what it negates)."""
    if hasattr(cond, "model_dump"):
        cond = cond.model_dump(by_alias=True, exclude_none=True)
    if not isinstance(cond, dict):
        return False
    return ("all" in cond and len(cond["all"]) > 1) or ("any" in cond and len(cond["any"]) > 1) or "in_window" in cond


def _grouped(cond: Any, lang: str) -> str:
    words = condition_words(cond, lang)
    return f"({words})" if _compound(cond) else words


__all__ = ["BadRow", "Change", "CorpusChange", "condition_words"]
