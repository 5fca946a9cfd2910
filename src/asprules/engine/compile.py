"""Stage 4: conditions → plain Python closures over a validated fact.

A compiled predicate takes one fact model and returns a bool. Nothing of the YAML is
walked at evaluation time; every operand, window and calendar is resolved here, once.

Absent values: a comparison against an absent optional value is false whatever the
operator (``ne`` included), so an unknown never satisfies a rule by accident; ``present``
tests for absence explicitly.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

from .. import clock
from ..i18n import Said
from ..facts.fields import FieldType
from ..facts.schema import FactSchema
from ..format.calendars import Interval, PeriodIndex, Recurring
from ..format.customers import Registry
from ..format.document import (
    AllOf,
    AnyOf,
    Compare,
    Condition,
    DerivedValue,
    HasApproval,
    InSensitivePeriod,
    InWindow,
    LocalTime,
    NotOf,
)

Predicate = Callable[[Any], bool]
Getter = Callable[[Any], Any]


@dataclass(frozen=True)
class Context:
    """Everything a ruleset's conditions may consult besides the fact itself."""

    fields: dict[str, FieldType]
    derived: dict[str, DerivedValue]
    default_zone: ZoneInfo
    default_window: clock.DailyWindow
    calendar: tuple[Interval, ...]
    schema: FactSchema | None = None  # the fact kind decided on; None: the handbook's

    recurring: tuple[Recurring, ...] = ()  # yearly and weekly periods, and those in the customer's zone
    registry: Registry | None = None  # the authoritative customer profiles, when loaded
    # ``calendar`` searched by bisection (built once, from it; see in_period/span_in_period)
    calendar_index: PeriodIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "calendar_index", PeriodIndex(self.calendar))

    def refusal(self, fact: Any) -> Said | None:
        """Why a loaded customer registry refuses the fact's customer (``None``: it does not)."""
        return None if self.registry is None else self.registry.refusal(fact)

    def _registered(self, fact: Any):
        if self.registry is None:
            return None
        customer = getattr(fact, "customer", None)
        ident = getattr(customer, "id", None) if customer is not None else None
        return self.registry.profiles.get(ident) if ident is not None else None

    # A declared fact schema may leave out the customer or parts of it (the loader checks
    # the shape of what it declares); what is absent falls back to the ruleset's defaults.
    # With a registry loaded, the registered profile decides; a fact whose own profile it
    # refuses is denied before any of these matter (see :meth:`refusal`).
    def zone_of(self, fact: Any) -> ZoneInfo:
        profile = self._registered(fact)
        if profile is not None:
            return profile.zone
        customer = getattr(fact, "customer", None)
        if self.registry is None and customer is not None and getattr(customer, "timezone", None) is not None:
            return clock.zone(customer.timezone)
        return self.default_zone

    def window_of(self, fact: Any) -> clock.DailyWindow:
        customer = getattr(fact, "customer", None)
        own = getattr(customer, "maintenance_window", None) if customer is not None else None
        profile = self._registered(fact)
        if profile is not None:
            if own is not None and self.refusal(fact) is None:
                return clock.parse_window(own)  # a narrower window than the registered one
            return profile.window or self.default_window
        if self.registry is None and own is not None:
            return clock.parse_window(own)
        return self.default_window

    def periods_of(self, fact: Any) -> tuple[Interval, ...]:
        """The fixed intervals: the calendars', the registered customer's, the fact's own."""
        customer = getattr(fact, "customer", None)
        profile = self._registered(fact)
        base = self.calendar + profile.fixed if profile is not None else self.calendar
        if customer is None or not getattr(customer, "sensitive_periods", ()):
            return base
        own = tuple(Interval(p.name, p.start, p.end, "customer") for p in customer.sensitive_periods)
        return base + own

    def periods_meeting(self, fact: Any, lo: datetime, hi: datetime) -> list[Interval]:
        """Every period that may meet ``[lo, hi]``: the fixed ones and the occurrences of the
        recurring ones near it (a caller still checks each against the instant or span)."""
        profile = self._registered(fact)
        rec = self.recurring + profile.recurring if profile is not None else self.recurring
        out = list(self.periods_of(fact))
        if rec:
            zone = self.zone_of(fact)
            for r in rec:
                out += r.occurrences(lo, hi, zone)
        return out

    def period_met(self, fact: Any, lo: datetime, hi: datetime) -> Interval | None:
        """The first period (in :meth:`periods_meeting`'s order) the instant ``lo``
        (``lo == hi``) or the span ``[lo, hi)`` falls in."""
        instant = lo == hi
        hits = self.calendar_index.containing(lo) if instant else self.calendar_index.meeting(lo, hi)
        return self.calendar[hits[0]] if hits else self._beyond_calendar(fact, lo, hi, instant)

    def in_period(self, fact: Any, instant: datetime) -> bool:
        """Whether ``instant`` falls in a period of the fact (``start <= instant < end``), as
        ``any(...)`` over :meth:`periods_meeting` says, found without listing them all."""
        return bool(self.calendar_index.containing(instant)) or self._beyond_calendar(fact, instant, instant, True) is not None

    def span_in_period(self, fact: Any, lo: datetime, hi: datetime) -> bool:
        """Whether the span ``[lo, hi)`` meets a period of the fact (:func:`clock.overlaps`)."""
        return bool(self.calendar_index.meeting(lo, hi)) or self._beyond_calendar(fact, lo, hi, False) is not None

    def _beyond_calendar(self, fact: Any, lo: datetime, hi: datetime, instant: bool) -> Interval | None:
        """The first period outside ``calendar`` that ``lo`` (``instant``) or ``[lo, hi)``
        meets: the registered customer's, the fact's own, then the recurring ones."""
        profile = self._registered(fact)
        if profile is not None:
            for p in profile.fixed:
                if (p.start <= lo < p.end) if instant else (lo < p.end and p.start < hi):
                    return p
        customer = getattr(fact, "customer", None)
        for p in getattr(customer, "sensitive_periods", None) or ():
            if (p.start <= lo < p.end) if instant else (lo < p.end and p.start < hi):
                return Interval(p.name, p.start, p.end, "customer")
        for p in self._recurring_near(fact, profile, lo, hi):
            if (p.start <= lo < p.end) if instant else (lo < p.end and p.start < hi):
                return p
        return None

    def _recurring_near(self, fact: Any, profile, lo: datetime, hi: datetime) -> list[Interval]:
        rec = self.recurring + profile.recurring if profile is not None else self.recurring
        if not rec:
            return []
        zone = self.zone_of(fact)
        out: list[Interval] = []
        for r in rec:
            out += r.occurrences(lo, hi, zone)
        return out

    @property
    def customer_dependent(self) -> bool:
        """Whether periods depend on more than the fact's own profile (fast paths skip then)."""
        return bool(self.recurring) or self.registry is not None


def compile_getter(ctx: Context, name: str) -> Getter:
    if name in ctx.derived:
        return _compile_derived(ctx, name)
    return _field_getter(name)


def _field_getter(name: str) -> Getter:
    head, _, rest = name.partition(".")
    if not rest:
        return operator.attrgetter(name)
    inner = operator.attrgetter(rest)

    def nested(fact: Any) -> Any:
        parent = getattr(fact, head)
        return None if parent is None else inner(parent)

    return nested


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "min": min,
    "max": max,
}


def derived_order(derived: dict[str, DerivedValue], name: str) -> list[str]:
    """The derived values ``name`` needs, each after the ones it reads, ending with ``name``.

    Found without recursion, so a chain of any length (the validator has refused cycles)
    neither exhausts Python's stack here nor when the values are computed."""
    order: list[str] = []
    done: set[str] = set()
    stack: list[tuple[str, bool]] = [(name, False)]
    while stack:
        current, expanded = stack.pop()
        if current in done:
            continue
        if expanded:
            done.add(current)
            order.append(current)
            continue
        stack.append((current, True))
        for operand in reversed(derived[current].operation[1]):
            if isinstance(operand, str) and operand in derived and operand not in done:
                stack.append((operand, False))
    return order


def _compile_derived(ctx: Context, name: str) -> Getter:
    """A derived value's getter: its chain of derived values computed in order, in a loop
    (a chain of 450 nested closures would need 450 nested calls)."""
    steps = []
    for current in derived_order(ctx.derived, name):
        op, operands = ctx.derived[current].operation
        parts = tuple(
            (o, None) if isinstance(o, str) and o in ctx.derived else (None, _field_getter(o) if isinstance(o, str) else (lambda _f, c=o: c))
            for o in operands
        )
        steps.append((current, op, _ARITHMETIC[op], parts))
    if len(steps) == 1:
        _, op, fn, parts = steps[0]
        getters = [get for _, get in parts]

        def derived(fact: Any) -> Any:
            return _fold(op, fn, [get(fact) for get in getters])

        return derived

    def chained(fact: Any) -> Any:
        values: dict[str, Any] = {}
        for current, op, fn, parts in steps:
            values[current] = _fold(op, fn, [values[ref] if ref is not None else get(fact) for ref, get in parts])
        return values[name]

    return chained


def _fold(op: str, fn: Callable[[Any, Any], Any], operands: list[Any]) -> Any:
    """Left to right; an absent operand or a division by zero makes the value undefined."""
    acc = operands[0]
    for nxt in operands[1:]:
        if acc is None or nxt is None:
            return None
        if op == "div" and nxt == 0:
            return None  # undefined, so no comparison on it can hold
        acc = fn(acc, nxt)
    return acc


def compile_condition(ctx: Context, cond: Condition | None) -> Predicate:
    if cond is None:
        return _always
    if isinstance(cond, AllOf):
        return _conjunction(tuple(compile_condition(ctx, c) for c in sorted(cond.all, key=condition_cost)))
    if isinstance(cond, AnyOf):
        return _disjunction(tuple(compile_condition(ctx, c) for c in sorted(cond.any, key=condition_cost)))
    if isinstance(cond, NotOf):
        inner = compile_condition(ctx, cond.not_)
        return lambda f: not inner(f)
    if isinstance(cond, Compare):
        return _compile_compare(ctx, cond)
    if isinstance(cond, LocalTime):
        return _compile_local_time(ctx, cond)
    if isinstance(cond, InWindow):
        return _compile_in_window(ctx, cond)
    if isinstance(cond, InSensitivePeriod):
        return _compile_in_period(ctx, cond)
    if isinstance(cond, HasApproval):
        return _compile_has_approval(cond)
    raise TypeError(f"cannot compile {type(cond).__name__}")


def _always(_fact: Any) -> bool:
    return True


# Conditions are pure and total (no condition raises, none has an effect), so the parts of
# an ``all`` or ``any`` may be tried cheapest first, as the generated grader does: a field
# comparison before a period lookup or a window's local-time arithmetic.
_COSTS = {Compare: 1, HasApproval: 4, LocalTime: 6, InSensitivePeriod: 10, InWindow: 20}


def condition_cost(cond: Condition) -> int:
    """A rough relative cost of evaluating ``cond`` once (for ordering, not for budgets)."""
    if isinstance(cond, AllOf):
        return sum(condition_cost(c) for c in cond.all)
    if isinstance(cond, AnyOf):
        return sum(condition_cost(c) for c in cond.any)
    if isinstance(cond, NotOf):
        return condition_cost(cond.not_)
    return _COSTS.get(type(cond), 10)


def _conjunction(parts: tuple[Predicate, ...]) -> Predicate:
    """``all`` of the parts, short-circuiting, without a generator per call for few parts."""
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda f: a(f) and b(f)
    if len(parts) == 3:
        a, b, c = parts
        return lambda f: a(f) and b(f) and c(f)
    return lambda f: all(p(f) for p in parts)


def _disjunction(parts: tuple[Predicate, ...]) -> Predicate:
    """``any`` of the parts, short-circuiting (an empty ``any`` never holds)."""
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda f: a(f) or b(f)
    if len(parts) == 3:
        a, b, c = parts
        return lambda f: a(f) or b(f) or c(f)
    return lambda f: any(p(f) for p in parts)


_ORDER = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge, "eq": operator.eq, "ne": operator.ne}


def _compile_compare(ctx: Context, cond: Compare) -> Predicate:
    get = compile_getter(ctx, cond.field)
    op, v = cond.operator, cond.operand
    ftype = ctx.fields.get(cond.field)
    may_be_absent = ftype is None or ftype.optional or cond.field in ctx.derived

    if op == "present":
        return (lambda f: get(f) is not None) if v else (lambda f: get(f) is None)
    if op == "contains_any":
        wanted = frozenset(v)
        return lambda f: not wanted.isdisjoint(get(f) or ())
    if op == "between":
        lo, hi = v
        return lambda f: (x := get(f)) is not None and lo <= x <= hi
    if op in ("in", "not_in"):
        members = frozenset(v)
        if op == "in":
            return lambda f: (x := get(f)) is not None and x in members
        return lambda f: (x := get(f)) is not None and x not in members
    cmp = _ORDER[op]
    if not may_be_absent:
        return lambda f: cmp(get(f), v)
    return lambda f: (x := get(f)) is not None and cmp(x, v)


def _compile_local_time(ctx: Context, cond: LocalTime) -> Predicate:
    get = compile_getter(ctx, cond.local_time.field)
    band = clock.parse_window(cond.local_time.within)

    def in_band(fact: Any) -> bool:
        instant = get(fact)
        return instant is not None and band.contains_minute_of_day(clock.minute_of_day(instant, ctx.zone_of(fact)))

    return in_band


def _compile_in_window(ctx: Context, cond: InWindow) -> Predicate:
    start, end = compile_getter(ctx, cond.in_window.start), compile_getter(ctx, cond.in_window.end)
    fixed = clock.parse_window(cond.in_window.window) if cond.in_window.window else None

    def in_window(fact: Any) -> bool:
        s, e = start(fact), end(fact)
        if s is None or e is None:
            return False
        return (fixed or ctx.window_of(fact)).span_within(s, e, ctx.zone_of(fact))

    return in_window


def _compile_in_period(ctx: Context, cond: InSensitivePeriod) -> Predicate:
    spec = cond.in_sensitive_period
    if spec.field is not None:
        get = compile_getter(ctx, spec.field)

        def instant_in(fact: Any) -> bool:
            x: datetime | None = get(fact)
            return x is not None and ctx.in_period(fact, x)

        return instant_in
    start, end = compile_getter(ctx, spec.start), compile_getter(ctx, spec.end)  # type: ignore[arg-type]


    def span_meets(fact: Any) -> bool:
        s, e = start(fact), end(fact)
        return s is not None and e is not None and ctx.span_in_period(fact, s, e)

    return span_meets


def approval_matches(step: str, roles: frozenset[str] | None, forms: frozenset[str] | None) -> Callable[[Any, Any], bool]:
    """Whether an approval record grants ``step``: right role, accepted evidence, and given
    no later than the scheduled start (§1.4.3: consent comes *before* the operation)."""

    def matches(approval: Any, operation: Any) -> bool:
        return (
            approval.step == step
            and (roles is None or approval.role in roles)
            and (forms is None or approval.evidence in forms)
            and approval.at <= operation.scheduled_start
        )

    return matches


def _compile_has_approval(cond: HasApproval) -> Predicate:
    spec = cond.has_approval
    matches = approval_matches(  # absent: any role or form; an empty list: none qualifies
        spec.step,
        None if spec.roles is None else frozenset(spec.roles),
        None if spec.evidence is None else frozenset(spec.evidence),
    )
    return lambda f: any(matches(a, f) for a in f.approvals)
