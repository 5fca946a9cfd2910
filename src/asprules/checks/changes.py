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

from ..i18n import CATALOGS, DEFAULT_LANGUAGE, printable, text


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
        """One line (and its details), the direction in ``lang``; regions and bands are the rules' own words."""
        why = f"  [{self.why_old} → {self.why_new}]" if self.why_old or self.why_new else ""
        head = (f"{self.decision}: " if self.decision else "") + (f"{self.band}: " if self.band else "")
        out = f"{head}{self.region}: {self.old} → {self.new} ({direction(self.direction, lang)}){why}"
        return out + "".join(f"\n      {d}" for d in self.details)

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

_OPS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "in", "not_in": "not in", "between": "between"}


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "{" + ", ".join(_value(x) for x in v) + "}"
    return str(v)


def condition_words(cond: Any) -> str:
    """A condition (its document model, or the plain data it was read from) in words.

    >>> condition_words({"not": {"in_window": {"start": "scheduled_start", "end": "scheduled_end", "window": "22:00-04:00"}}})
    'not (scheduled_start–scheduled_end inside the window 22:00-04:00)'
    """
    if hasattr(cond, "model_dump"):
        cond = cond.model_dump(by_alias=True, exclude_none=True)
    if not isinstance(cond, dict):
        return str(cond)
    if "all" in cond:
        return " and ".join(_grouped(c) for c in cond["all"])
    if "any" in cond:
        return " or ".join(_grouped(c) for c in cond["any"])
    if "not" in cond:
        return f"not {_grouped(cond['not'])}"
    if "field" in cond:
        name = cond["field"]
        for op, sign in _OPS.items():
            if op in cond:
                if op == "between":
                    lo, hi = cond[op]
                    return f"{name} {_value(lo)}–{_value(hi)}"
                return f"{name} {sign} {_value(cond[op])}"
        if "present" in cond:
            return f"{name} {'given' if cond['present'] else 'not given'}"
        if "contains_any" in cond:
            return f"{name} contains any of {_value(cond['contains_any'])}"
    if "local_time" in cond:
        spec = cond["local_time"]
        return f"{spec['field']} local time in {spec['within']}"
    if "in_window" in cond:
        spec = cond["in_window"]
        window = f"the window {spec['window']}" if spec.get("window") else "the maintenance window"
        return f"{spec['start']}–{spec['end']} inside {window}"
    if "in_sensitive_period" in cond:
        spec = cond["in_sensitive_period"]
        what = spec.get("field") or f"{spec.get('start')}–{spec.get('end')}"
        return f"{what} in a sensitive period"
    if "has_approval" in cond:
        spec = cond["has_approval"]
        roles = spec.get("roles")
        by = f" by {'|'.join(roles)}" if roles else " by anyone"
        ev = f" as {'|'.join(spec['evidence'])}" if spec.get("evidence") else ""
        return f"approval {spec['step']} recorded{by}{ev}"
    return json.dumps(cond, ensure_ascii=False, sort_keys=True)


def _grouped(cond: Any) -> str:
    text = condition_words(cond)
    return f"({text})" if " and " in text or " or " in text or " inside " in text else text


__all__ = ["BadRow", "Change", "CorpusChange", "condition_words"]
