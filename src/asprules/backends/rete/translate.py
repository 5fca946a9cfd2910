"""Conditions → durable-rules JSON expressions; facts → the flat, typed JSON they match.

The Rete network matches every comparison (``eq ne lt le gt ge between in not_in
present contains_any``) and every combinator (``all any not``). What durable's JSON
cannot say is computed here in Python, once per fact, into typed attributes of the
asserted fact:

* derived values (``outage_hours``, ``user_hours``): a number, absent when undefined;
* ``local_time``, ``in_window``, ``in_sensitive_period``, ``has_approval``: a boolean per
  condition — they need time zones, DST, calendars and approval records;
* list fields of an enum (``modifies``): a boolean per member, because durable's ``$iall``
  is false on an empty list, so "contains none of" could not be written;
* instants: epoch seconds (only ``present`` tests them; order is for the time conditions);
* nested fields (``customer.timezone``): flattened.

durable has no ``$not``, so a negation is pushed down to the leaves (negation normal form),
keeping the compiled backend's rule for absent values: a comparison on an absent value is
false, so its negation is true.

Every attribute is named ``v<n>_...`` and every expression is guarded by ``x_fact``, so
durable's own state record (which it re-matches after each action) never matches a rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...engine.compile import Context, Getter, Predicate, compile_condition, compile_getter
from ...errors import BackendUnavailable, Problem
from ...format.document import AllOf, AnyOf, Compare, Condition, HasApproval, InSensitivePeriod, InWindow, LocalTime, NotOf
from ...i18n import hints

Expression = dict[str, Any]
GUARD: Expression = {"x_fact": 1}
TRUE: Expression = {"$ex": {"x_fact": 1}}  # a constant while translating; never emitted


class _Never:
    """A condition that can never hold (``in: []``); rules with it are left out."""


NEVER = _Never()


def _flat(key: str, parts: list[Any]) -> list[Any]:
    """``$and`` inside ``$and`` (``$or`` inside ``$or``) spliced into its parent: the same
    condition with fewer sub-expressions, of which durable allows few (host.MAX_SUBEXPRESSIONS)."""
    out: list[Any] = []
    for p in parts:
        out += p[key] if isinstance(p, dict) and list(p) == [key] else [p]
    return out


def _all(parts: list[Expression | _Never]) -> Expression | _Never:
    if any(p is NEVER for p in parts):
        return NEVER
    kept = _flat("$and", [p for p in parts if p is not TRUE])
    if not kept:
        return TRUE
    return kept[0] if len(kept) == 1 else {"$and": kept}  # type: ignore[return-value]


def _any(parts: list[Expression | _Never]) -> Expression | _Never:
    if any(p is TRUE for p in parts):
        return TRUE
    kept = _flat("$or", [p for p in parts if p is not NEVER])
    if not kept:
        return NEVER
    return kept[0] if len(kept) == 1 else {"$or": kept}  # type: ignore[return-value]


@dataclass
class Encoding:
    """The attributes one ruleset's conditions use, and how to fill them from a fact."""

    ctx: Context
    _attrs: dict[str, str] = field(default_factory=dict)
    _fields: list[tuple[str, Getter]] = field(default_factory=list)
    _leaves: list[tuple[str, Predicate]] = field(default_factory=list)

    # -- translation ------------------------------------------------------------------

    def expression(self, cond: Condition | None) -> Expression | _Never:
        """The guarded durable expression for ``cond`` (``None``: always), or ``NEVER``."""
        body = TRUE if cond is None else self._translate(cond, False)
        if body is NEVER or body is TRUE:
            return GUARD if body is TRUE else NEVER
        return {"$and": _flat("$and", [GUARD, body])}

    def _translate(self, cond: Condition, negated: bool) -> Expression | _Never:
        if isinstance(cond, AllOf):
            parts = [self._translate(c, negated) for c in cond.all]
            return _any(parts) if negated else _all(parts)
        if isinstance(cond, AnyOf):
            parts = [self._translate(c, negated) for c in cond.any]
            return _all(parts) if negated else _any(parts)
        if isinstance(cond, NotOf):
            return self._translate(cond.not_, not negated)
        if isinstance(cond, Compare):
            return self._compare(cond, negated)
        if isinstance(cond, (LocalTime, InWindow, InSensitivePeriod, HasApproval)):
            return {self._leaf(cond): not negated}
        raise TypeError(f"cannot translate {type(cond).__name__}")

    def _compare(self, cond: Compare, negated: bool) -> Expression | _Never:
        op, v = cond.operator, cond.operand
        for x in v if isinstance(v, list) else [v]:
            if isinstance(x, float) and "e" in repr(x).lower():
                raise BackendUnavailable(
                    "the rete backend cannot express this ruleset",
                    [Problem(f"the number {x!r} (field {cond.field}) needs an exponent, which durable-rules' JSON reader rejects")],
                    **hints("hint.use_compiled"),
                )
        ftype = self.ctx.fields.get(cond.field)
        if ftype is not None and ftype.kind == "list":
            # lists are never absent (an empty tuple at worst), and only present and
            # contains_any apply to them (validated)
            if op == "present":
                return TRUE if v != negated else NEVER
            members = [{self._member(cond.field, m): not negated} for m in v]
            return _all(members) if negated else _any(members)
        a = self._field(cond.field)
        exists, absent = {"$ex": {a: 1}}, {"$nex": {a: 1}}
        if op == "present":
            return exists if v != negated else absent
        positive: Expression | _Never
        if op in ("in", "not_in"):
            # an absent value is in no list and outside none: both are false on it, so
            # both negations are true on it — the absent case goes into the complement
            inside = _any([{a: x} for x in v])
            outside = _all([{"$neq": {a: x}} for x in v])
            positive, complement = (inside, outside) if op == "in" else (outside, inside)
        elif op == "eq":
            positive, complement = {a: v}, {"$neq": {a: v}}
        elif op == "ne":
            positive, complement = {"$neq": {a: v}}, {a: v}
        elif op == "between":
            lo, hi = v
            positive = _all([{"$gte": {a: lo}}, {"$lte": {a: hi}}])
            complement = {"$or": [{"$lt": {a: lo}}, {"$gt": {a: hi}}]}
        else:
            flip = {"lt": "gte", "le": "gt", "gt": "lte", "ge": "lt"}[op]
            positive, complement = {f"${_DURABLE[op]}": {a: v}}, {f"${flip}": {a: v}}
        if negated:
            return _any([absent, complement])
        return _all([exists, positive])

    def _field(self, name: str) -> str:
        if name not in self._attrs:
            attr = self._new_attr(name)
            self._attrs[name] = attr
            self._fields.append((attr, compile_getter(self.ctx, name)))
        return self._attrs[name]

    def _member(self, name: str, member: str) -> str:
        key = f"{name}\0{member}"
        if key not in self._attrs:
            attr = self._new_attr(f"{name}_{member}")
            self._attrs[key] = attr
            get = compile_getter(self.ctx, name)
            self._fields.append((attr, lambda f, get=get, m=member: m in (get(f) or ())))
        return self._attrs[key]

    def _leaf(self, cond: Condition) -> str:
        attr = self._new_attr(next(iter(cond.model_dump(by_alias=True))))
        self._leaves.append((attr, compile_condition(self.ctx, cond)))
        return attr

    def _new_attr(self, hint: str) -> str:
        return f"v{len(self._fields) + len(self._leaves)}_{_SAFE.sub('_', hint)}"

    def rules(self, conditions: dict[str, Condition | None]) -> dict[str, Expression]:
        """One Rete rule per named condition; conditions that can never hold are left out."""
        out: dict[str, Expression] = {}
        for key, cond in conditions.items():
            expression = self.expression(cond)
            if expression is not NEVER:
                out[key] = expression  # type: ignore[assignment]
        return out

    # -- facts --------------------------------------------------------------------------

    def encode(self, fact: Any) -> dict[str, Any]:
        """The JSON fact durable matches: every attribute the rules use, typed."""
        out: dict[str, Any] = {"x_fact": 1}
        for attr, get in self._fields:
            value = get(fact)
            if value is None:
                continue
            out[attr] = value.timestamp() if isinstance(value, datetime) else value
        for attr, holds in self._leaves:
            out[attr] = holds(fact)
        return out


_SAFE = re.compile(r"[^A-Za-z0-9_]")
_DURABLE = {"lt": "lt", "le": "lte", "gt": "gt", "ge": "gte"}
