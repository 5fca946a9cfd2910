"""Why not more severe: for each more severe row of the deciding table, the first of its
conditions that failed, with the fact's value (``outage_minutes 12 < 15``); and for a
denial, what in each broken constraint matched (the sensitive period a span meets, the
window it leaves), in the fact's local time.

Asked for on request (``grade(..., why_not=True)``), so the fast path pays nothing: the
row conditions are walked here over the same compiled closures that decided. A row's
``all`` is read in order and its first failing part is named; an ``any`` names each of
its failing parts; times are shown in the fact's local time (the customer's zone).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import clock
from ..format.document import AllOf, AnyOf, Compare, Condition, InSensitivePeriod, InWindow, LocalTime, NotOf
from ..i18n import text
from ..localtext import LocalText, Message
from .compile import Context, compile_condition, compile_getter
from .decisions import WhyNot

# The operator that holds instead, shown between the fact's value and the rule's figure.
_FAILED_AS = {"lt": "≥", "le": ">", "gt": "≤", "ge": "<", "eq": "≠", "ne": "=", "in": "not in", "not_in": "in", "between": "outside"}


def _message(key: str, **args: str) -> Message:
    return Message.model_construct(key=key, args=tuple(args.items()))


def _shown(value: Any, ctx: Context, fact: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(ctx.zone_of(fact)).isoformat(timespec="minutes")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def first_failure(ctx: Context, cond: Condition, fact: Any) -> Message | None:
    """Why ``cond`` does not hold for ``fact``, or None when it holds."""
    if compile_condition(ctx, cond)(fact):
        return None
    if isinstance(cond, AllOf):
        for part in cond.all:
            failed = first_failure(ctx, part, fact)
            if failed is not None:
                return failed
        return None  # unreachable: an all that fails has a failing part
    if isinstance(cond, AnyOf):
        parts = [first_failure(ctx, part, fact) for part in cond.any]
        failed = [p for p in parts if p is not None]
        # each part in each language, so the Chinese names no English failure (and the JSON
        # contract's params stay text or {en, zh})
        both = LocalText(en=text("why_not.separator", "en").join(p.render("en") for p in failed), zh=text("why_not.separator", "zh").join(p.render("zh") for p in failed))
        return _message("why_not.none_of", failures=both)  # type: ignore[arg-type]
    if isinstance(cond, Compare):
        value = compile_getter(ctx, cond.field)(fact)
        op, operand = cond.operator, cond.operand
        if op == "present":
            return _message("why_not.absent" if operand else "why_not.present", field=cond.field, value=_shown(value, ctx, fact))
        if value is None:
            return _message("why_not.absent", field=cond.field)
        if op == "contains_any":
            return _message("why_not.compare", field=cond.field, value=_shown(value, ctx, fact), op="has none of", operand=", ".join(operand))
        if op == "between":
            shown_operand = f"[{operand[0]}, {operand[1]}]"
        elif isinstance(operand, list):
            shown_operand = ", ".join(_shown(x, ctx, fact) for x in operand)
        else:
            shown_operand = _shown(operand, ctx, fact)
        return _message("why_not.compare", field=cond.field, value=_shown(value, ctx, fact), op=_FAILED_AS[op], operand=shown_operand)
    if isinstance(cond, LocalTime):
        instant = compile_getter(ctx, cond.local_time.field)(fact)
        if instant is None:
            return _message("why_not.absent", field=cond.local_time.field)
        local = instant.astimezone(ctx.zone_of(fact)).strftime("%H:%M")
        return _message("why_not.local_time", field=cond.local_time.field, local=local, zone=str(ctx.zone_of(fact)), within=cond.local_time.within)
    if isinstance(cond, NotOf):
        return _message("why_not.not_held", condition=f"not ({_short(cond.not_)})")
    return _message("why_not.not_held", condition=_short(cond))


def _short(cond: Condition) -> str:
    if isinstance(cond, Compare):
        return f"{cond.field} {cond.operator} {cond.operand}"
    if isinstance(cond, (InWindow, InSensitivePeriod, LocalTime)):
        return next(iter(cond.model_dump(by_alias=True, exclude_none=True)))
    return type(cond).__name__


def why_not(ctx: Context, rows: list[tuple[Any, str]], fact: Any) -> tuple[WhyNot, ...]:
    """For each ``(row, level)`` given (the deciding table's more severe rows, most severe
    first), the first condition that failed."""
    out = []
    for row, level in rows:
        failed = first_failure(ctx, row.when, fact)
        if failed is not None:
            out.append(WhyNot(row=row.id, level=level, cite=row.cite, failed=failed))
    return tuple(out)


# --- why denied: what in a broken constraint matched ------------------------------------------

_HOLDS_AS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "=", "ne": "≠", "in": "in", "not_in": "not in", "between": "in"}


def _local(ctx: Context, fact: Any, instant: datetime) -> str:
    return instant.astimezone(ctx.zone_of(fact)).isoformat(timespec="minutes")


def matched(ctx: Context, cond: Condition, fact: Any) -> list[Message]:
    """What made ``cond`` hold for ``fact`` (empty when it does not): the periods a span
    meets and the window it leaves, in the fact's local time, and the comparisons that held."""
    if not compile_condition(ctx, cond)(fact):
        return []
    if isinstance(cond, AllOf):
        return [m for part in cond.all for m in matched(ctx, part, fact)]
    if isinstance(cond, AnyOf):
        return next((found for part in cond.any if (found := matched(ctx, part, fact))), [])
    if isinstance(cond, Compare):
        value = compile_getter(ctx, cond.field)(fact)
        op, operand = cond.operator, cond.operand
        if op in ("present", "contains_any"):
            return [_message("why_not.present", field=cond.field, value=_shown(value, ctx, fact))]
        shown = f"[{operand[0]}, {operand[1]}]" if op == "between" else (
            ", ".join(_shown(x, ctx, fact) for x in operand) if isinstance(operand, list) else _shown(operand, ctx, fact)
        )
        return [_message("why_not.compare", field=cond.field, value=_shown(value, ctx, fact), op=_HOLDS_AS[op], operand=shown)]
    if isinstance(cond, InSensitivePeriod):
        return _periods(ctx, cond, fact)
    if isinstance(cond, NotOf) and isinstance(cond.not_, InWindow):
        spec = cond.not_.in_window
        start, end = compile_getter(ctx, spec.start)(fact), compile_getter(ctx, spec.end)(fact)
        if start is None or end is None:
            return [_message("why_not.absent", field=spec.start if start is None else spec.end)]
        window = spec.window or _window_text(ctx.window_of(fact))
        return [
            _message(
                "why_not.outside_window", start=_local(ctx, fact, start), end=_local(ctx, fact, end),
                zone=str(ctx.zone_of(fact)), window=window,
            )
        ]
    if isinstance(cond, LocalTime):
        instant = compile_getter(ctx, cond.local_time.field)(fact)
        local = instant.astimezone(ctx.zone_of(fact)).strftime("%H:%M")
        return [_message("why_not.local_time_in", field=cond.local_time.field, local=local, zone=str(ctx.zone_of(fact)), within=cond.local_time.within)]
    return [_message("why_not.held", condition=_short(cond.not_) if isinstance(cond, NotOf) else _short(cond))]


def _window_text(window: Any) -> str:
    return window.text


def _periods(ctx: Context, cond: InSensitivePeriod, fact: Any) -> list[Message]:
    spec = cond.in_sensitive_period
    if spec.field is not None:
        x = compile_getter(ctx, spec.field)(fact)
        hits = [p for p in ctx.periods_of(fact) if p.start <= x < p.end]
        what = _local(ctx, fact, x)
    else:
        s, e = compile_getter(ctx, spec.start)(fact), compile_getter(ctx, spec.end)(fact)  # type: ignore[arg-type]
        hits = [p for p in ctx.periods_of(fact) if clock.overlaps(s, e, p.start, p.end)]
        what = f"{_local(ctx, fact, s)} – {_local(ctx, fact, e)}"
    return [
        _message(
            "why_not.in_period", what=what, period=p.name, start=_local(ctx, fact, p.start), end=_local(ctx, fact, p.end),
            zone=str(ctx.zone_of(fact)),
        )
        for p in hits
    ]
