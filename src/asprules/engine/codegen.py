"""Stage 4b: one specialized Python function per grading ruleset, for speed.

The closures of :mod:`asprules.engine.compile` walk a tree of small functions per fact; here the
same conditions become one straight-line function (comparisons inlined, constants as
literals, derived values as arithmetic), compiled once with :func:`compile`. Its source is
generated from the *validated* model only: field names are checked identifiers of the
fact catalog, and every operand is written with ``repr`` of a bool, int, float or str —
anything else is passed in as a named constant. Conditions with no cheap inline form
(time of day, windows, approvals) call the closure :mod:`asprules.engine.compile` made for them.

The function returns the same decisions as :meth:`GradingEvaluator.grade_reference`; a
test checks that on random incidents.
"""

from __future__ import annotations

import keyword
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from ..format.document import AllOf, AnyOf, Compare, Condition, InSensitivePeriod, NotOf
from .compile import Context, compile_condition, compile_getter

_LITERAL_TYPES = (bool, int, float, str)
# Limits on inlined derived values (see _Emitter._derived): together with conditions nested
# as deep as a rule file allows (64 levels), far below the parser's 200 parentheses.
MAX_INLINE_DEPTH = 8
MAX_INLINE_OPERANDS = 16
# A first/priority table longer than this is generated as parts of this many rows, each
# compiled on its own: Python's compiler holds the whole syntax tree of what it is given,
# and a 10,000-row table in one piece took 170 MiB while it compiled (2026-12-01). A
# part's call and test per 500 rows is little beside the rows it scans.
CHUNK_ROWS = 500
_SYMBOL = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


@dataclass
class _Emitter:
    """Turns conditions into Python expressions, collecting the objects they refer to."""

    ctx: Context
    names: dict[str, Any] = field(default_factory=dict)
    reads: Counter[str] = field(default_factory=Counter)  # plain-field reads emitted
    deferred: bool = False  # plain-field reads as placeholders, settled by ``settle`` (see build_grader)
    _count: int = 0
    # A comparison of a plain field with a literal, as written before: the rows of a long
    # table repeat a few hundred of them (`outage_minutes >= 60`) tens of thousands of times.
    _compares: dict[tuple, str] = field(default_factory=dict)

    def bind(self, value: Any, prefix: str) -> str:
        self._count += 1
        name = f"_{prefix}{self._count}"
        self.names[name] = value
        return name

    def literal(self, value: Any) -> str:
        if type(value) in _LITERAL_TYPES:
            return repr(value)
        return self.bind(value, "c")

    def var(self) -> str:
        # One name serves every comparison: each assigns it and reads it back at once, and
        # no comparison holds another. A name per comparison made a 10,000-row table's
        # function 40,000 locals wide: slow to compile, and a frame that size on every call.
        return "_v"

    # -- values -------------------------------------------------------------------

    def _plain_field(self, name: str) -> bool:
        return name.isidentifier() and not keyword.iskeyword(name) and name in self.ctx.fields and name not in self.ctx.derived

    def value(self, name: str, depth: int = 0) -> tuple[str, bool]:
        """An expression for a field or derived value, and whether it may be None."""
        ftype = self.ctx.fields.get(name)
        if self._plain_field(name) and ftype is not None:
            self.reads[name] += 1
            return (f"\x00{name}\x01" if self.deferred else f"f.{name}"), ftype.optional
        if name in self.ctx.derived:
            inline = self._derived(name, depth)
            if inline is not None:
                return inline, False
        return f"{self.bind(compile_getter(self.ctx, name), 'g')}(f)", True

    def _inline(self, name: str, depth: int) -> str | None:
        """An operand of inlined arithmetic: a field that is never None, or a derived value
        inlined in turn; else None. Nothing is compiled for an operand that fails, so a
        long chain costs one closure, not one per level tried."""
        ftype = self.ctx.fields.get(name)
        if self._plain_field(name) and ftype is not None:
            if ftype.optional:
                return None
            self.reads[name] += 1
            return f"\x00{name}\x01" if self.deferred else f"f.{name}"
        if name in self.ctx.derived:
            return self._derived(name, depth)
        return None

    def _derived(self, name: str, depth: int) -> str | None:
        """Inline arithmetic for a derived value that can never be None, else None.

        Only shallow ones: each derived value inlined inside another nests one more pair of
        parentheses, and Python's parser refuses 200 (a chain of derived values can be
        hundreds long); deeper or wider ones call the closure, which loops over the chain."""
        op, operands = self.ctx.derived[name].operation
        if depth >= MAX_INLINE_DEPTH or len(operands) > MAX_INLINE_OPERANDS:
            return None
        parts = []
        for i, o in enumerate(operands):
            if isinstance(o, str):
                inner = None if op == "div" and i > 0 else self._inline(o, depth + 1)
                if inner is None:
                    return None  # the closure's None and division-by-zero rules apply
                parts.append(inner)
            elif type(o) in (int, float) and not (op == "div" and i > 0 and o == 0):
                parts.append(repr(o))
            else:
                return None
        if op in ("min", "max"):
            return f"{op}({', '.join(parts)})"
        return "(" + f" {dict(add='+', sub='-', mul='*', div='/')[op]} ".join(parts) + ")"  # left to right, as the closure folds

    # -- conditions -----------------------------------------------------------------

    # A comparison is written bare (``f_x >= 3``): it binds tighter than ``not``, ``and``
    # and ``or``, so it may stand as their operand or as an ``if``'s test. Everything else
    # is parenthesized (groups, ``not``, the walrus forms). Python's parser spends about a
    # third longer on a long table's rows with a pair of parentheses around each comparison.

    def condition(self, cond: Condition | None, test: bool = False) -> str:
        """An expression for ``cond``; ``test``: as the whole test of an ``if`` (a group unparenthesized)."""
        if cond is None:
            return "True"
        if isinstance(cond, (AllOf, AnyOf)):
            parts = cond.all if isinstance(cond, AllOf) else cond.any
            # conditions are pure and total, so the cheap ones may go first
            exprs = sorted((self.condition(c) for c in parts), key=_cost)
            joined = (" and " if isinstance(cond, AllOf) else " or ").join(exprs)
            return joined if test else f"({joined})"
        if isinstance(cond, NotOf):
            return f"(not {self.condition(cond.not_)})"
        if isinstance(cond, Compare):
            return self._compare(cond)
        if isinstance(cond, InSensitivePeriod) and cond.in_sensitive_period.field is not None and not self.ctx.customer_dependent:
            return self._instant_in_period(cond)
        return f"{self.bind(compile_condition(self.ctx, cond), 'p')}(f)"

    def _compare(self, cond: Compare) -> str:
        op, operand = cond.operator, cond.operand
        if op in _SYMBOL and type(operand) in _LITERAL_TYPES and self._plain_field(cond.field):
            # the operand's type is part of the key: 1, 1.0 and True are equal keys, not equal literals
            key = (cond.field, op, type(operand), operand, self.deferred)
            written = self._compares.get(key)
            if written is None:
                written = self._compares[key] = self._written_compare(cond)
            else:
                self.reads[cond.field] += 1  # as value() counts the read it writes
            return written
        return self._written_compare(cond)

    def _written_compare(self, cond: Compare) -> str:
        expr, optional = self.value(cond.field)
        op, operand = cond.operator, cond.operand
        may_be_absent = optional or self.ctx.fields.get(cond.field) is None
        if op == "present":
            return f"{expr} is {'not ' if operand else ''}None"
        if op == "contains_any":
            return f"(not {self.bind(frozenset(operand), 'c')}.isdisjoint({expr} or ()))"
        v = self.var()
        if op == "between":
            lo, hi = operand
            return f"(({v} := {expr}) is not None and {self.literal(lo)} <= {v} <= {self.literal(hi)})"
        if op in ("in", "not_in"):
            members = self.bind(frozenset(operand), "c")
            return f"(({v} := {expr}) is not None and {v} {'in' if op == 'in' else 'not in'} {members})"
        if not may_be_absent:
            return f"{expr} {_SYMBOL[op]} {self.literal(operand)}"
        return f"(({v} := {expr}) is not None and {v} {_SYMBOL[op]} {self.literal(operand)})"

    def _instant_in_period(self, cond: InSensitivePeriod) -> str:
        """The ruleset's calendar as merged sorted intervals, searched by bisection; a
        customer with periods of their own goes through the general closure."""
        general = self.bind(compile_condition(self.ctx, cond), "p")
        starts, ends = _merged(self.ctx)
        expr, _ = self.value(cond.in_sensitive_period.field)  # type: ignore[arg-type]
        lookup = self.bind(_interval_lookup(starts, ends), "p")
        v = self.var()
        return (
            f"({general}(f) if f.customer is not None and f.customer.sensitive_periods "
            f"else (({v} := {expr}) is not None and {lookup}({v})))"
        )


_PLACEHOLDER = re.compile("\x00([^\x01]*)\x01")


def settle(source: str, hoisted: frozenset[str]) -> str:
    """Placeholders of field reads as locals (``f_name``, read once at the top) or
    attribute reads. ``repr`` never writes a NUL, so no literal holds a placeholder."""
    return _PLACEHOLDER.sub(lambda m: f"f_{m.group(1)}" if m.group(1) in hoisted else f"f.{m.group(1)}", source)


def _cost(expr: str) -> int:
    return expr.count("(f)") * 10 + expr.count(" and ") + expr.count(" or ")


def _merged(ctx: Context) -> tuple[list[datetime], list[datetime]]:
    """The union of the calendar's half-open intervals, as sorted disjoint intervals."""
    starts: list[datetime] = []
    ends: list[datetime] = []
    for iv in sorted(ctx.calendar, key=lambda iv: iv.start):
        if starts and iv.start <= ends[-1]:
            ends[-1] = max(ends[-1], iv.end)
        else:
            starts.append(iv.start)
            ends.append(iv.end)
    return starts, ends


def _interval_lookup(starts: list[datetime], ends: list[datetime]) -> Callable[[datetime], bool]:
    """Membership in sorted disjoint ``[start, end)`` intervals, by bisection on epoch
    seconds. An aware datetime's ``timestamp()`` is one conversion where comparing
    datetimes of different ``tzinfo`` classes costs one per comparison; within a
    millisecond of a bound the float could round the wrong way, so there the datetimes
    themselves are compared."""
    start_s = [s.timestamp() for s in starts]
    end_s = [e.timestamp() for e in ends]
    last = len(starts) - 1

    def within(instant: datetime) -> bool:
        ts = instant.timestamp()
        i = bisect_right(start_s, ts) - 1
        near = (i >= 0 and (ts - start_s[i] < 1e-3 or abs(end_s[i] - ts) < 1e-3)) or (i < last and start_s[i + 1] - ts < 1e-3)
        if near:
            j = bisect_right(starts, instant) - 1
            return j >= 0 and instant < ends[j]
        return i >= 0 and ts < end_s[i]

    return within


# The parts of a grading document this generator knows how to decide. A document that
# uses anything else (a section added to the format later) is graded by the closures.
# `escalations` is read only by incident timelines, never by a snapshot grade; `cite_pattern`
# is checked at load and decides nothing; `outputs` follow from the rows that decided (the
# evaluator's `build` derives them from the slot's hits), and a level's obligations are added
# after grading (`GradingEvaluator.consequences`). A ruleset without levels, or one that
# `requires` other decisions, is graded by the closures.
UNDERSTOOD = frozenset(
    {
        "asprules", "kind", "id", "version", "title", "description", "cite_pattern", "facts",
        "calendars", "defaults", "levels", "derived", "tables", "adjustments", "escalations", "outputs",
    }
)


def build_grader(evaluator: Any) -> Callable[[Any], Any]:
    """The specialized ``grade(incident) -> GradeDecision`` for a :class:`GradingEvaluator`,
    or its ``grade_reference`` when the document has a section not understood here.

    A ``first`` or ``priority`` table becomes inline code whose every outcome (a row, or
    the default) has a number, its *slot*. Any other hit policy keeps its closure: a
    ``unique`` table still has one slot per row, while ``any`` and ``collect`` tables
    (several rows, a total) return the outcome itself, and the decision cache is then
    keyed by ``(outcome, fired adjustments)`` instead of one integer.
    """
    doc = evaluator.doc
    if any(getattr(doc, name) for name in type(doc).model_fields if name not in UNDERSTOOD) or not doc.levels:
        return evaluator.grade_reference
    em = _Emitter(evaluator.ctx)
    nlevels = len(evaluator.levels)
    nadj = len(evaluator.adjustments)
    slots: list[tuple[int, tuple[int, ...], int, Any]] = []  # slot -> (table index, hits, base rank, score)
    lines: list[str] = []
    dynamic = any(t.model.hit_policy in ("any", "collect") for t in evaluator.tables)

    def slot(table_index: int, hits: tuple[int, ...], rank: int) -> str:
        slots.append((table_index, hits, rank, None))
        if dynamic:  # the outcome itself, as a constant
            return em.bind(slots[-1], "o")
        return str(len(slots) - 1)

    table_calls = []
    parts: list[str] = []  # the sources of the parts of long tables, compiled each on its own
    for ti, table in enumerate(evaluator.tables):
        fn = f"_table{ti}"
        if table.model.hit_policy in ("any", "collect"):
            # several rows or a total decide: the closure gives the outcome itself
            em.names[f"_decide{ti}"] = table.decide
            lines += [
                f"def {fn}(f):",
                f"    rank, hits, score = _decide{ti}(f)",
                f"    return rank, ({ti}, hits, rank, score)",
            ]
        elif table.model.hit_policy == "unique":
            # at most one row may match and several matches are an error: keep the closure
            ids: dict[tuple[int, ...], str] = {(k,): slot(ti, (k,), rank) for k, (_, rank) in enumerate(table.ranked)}
            ids[()] = slot(ti, (), table.default_rank)
            table_slots = {hits: (em.names[ref] if dynamic else int(ref)) for hits, ref in ids.items()}
            em.names[f"_decide{ti}"], em.names[f"_slot{ti}"] = table.decide, table_slots
            lines += [
                f"def {fn}(f):",
                f"    rank, hits, _ = _decide{ti}(f)",
                f"    return rank, _slot{ti}[hits]",
            ]
        else:
            # a field many rows test is read once (a long table would read it per row): the
            # rows are emitted once with placeholders for field reads, then settled
            em.reads.clear()
            em.deferred = True
            rows = [f"    if {em.condition(row.when, test=True)}: return {rank}, {slot(ti, (k,), rank)}" for k, (row, rank) in enumerate(table.ranked)]
            em.deferred = False
            hoisted = frozenset(name for name, n in em.reads.items() if n >= 3)
            settled = settle("\n".join(rows), hoisted).split("\n")  # already in evaluation order
            lines.append(f"def {fn}(f):")
            lines += [f"    f_{name} = f.{name}" for name in sorted(hoisted)]
            if len(settled) <= CHUNK_ROWS:
                lines += settled
            else:  # parts compiled one by one (see CHUNK_ROWS), tried in order
                params = ", ".join(["f", *(f"f_{name}" for name in sorted(hoisted))])
                for c in range(0, len(settled), CHUNK_ROWS):
                    part = f"{fn}_{c // CHUNK_ROWS}"
                    parts.append("\n".join([f"def {part}({params}):", *settled[c : c + CHUNK_ROWS], "    return None"]) + "\n")
                    lines += [f"    hit = {part}({params})", "    if hit is not None:", "        return hit"]
            lines.append(f"    return {table.default_rank}, {slot(ti, (), table.default_rank)}")
        table_calls.append((em.condition(table.model.applies_when, test=True), fn))

    none = "None" if dynamic else "-1"
    body = ["def grade(f):", f"    base = {nlevels}", f"    chosen = {none}"]
    for applies, fn in table_calls:
        body += [
            f"    if {applies}:",
            f"        rank, at = {fn}(f)",
            f"        if rank < base or chosen is {none}:" if dynamic else "        if rank < base:",
            "            base, chosen = rank, at",
        ]
    body += [f"    if chosen is {none}:" if dynamic else "    if chosen < 0:", "        return _no_table(f)", "    rank = base", "    fired = 0"]
    for i, adj in enumerate(evaluator.adjustments):
        moves = tuple(evaluator.adjust_rank(r, adj) for r in range(nlevels))
        applies = em.bind(adj.applies_to, "c")
        body += [
            f"    if rank in {applies} and {em.condition(adj.model.when)}:",
            f"        fired |= {1 << i}",
            f"        rank = {moves!r}[rank]",
        ]
    body += [
        "    key = (chosen, fired)" if dynamic else f"    key = (chosen << {nadj}) | fired",
        "    decision = _decisions_get(key)",
        "    if decision is None:",
        "        decision = _decide(key)",
        "    return decision",
    ]
    source = "\n".join(lines + body) + "\n"
    decisions: dict[Any, Any] = {}

    def decide(key: Any) -> Any:
        if dynamic:
            (table_index, hits, base_rank, score), mask = key
        else:
            (table_index, hits, base_rank, score), mask = slots[key >> nadj], key
        fired = tuple(i for i in range(nadj) if mask >> i & 1)
        decision = evaluator.build((table_index, hits, base_rank, score, fired))
        if len(decisions) < evaluator.cache_limit:
            decisions[key] = decision
        return decision

    namespace: dict[str, Any] = dict(em.names, _no_table=evaluator.grade_reference, _decisions_get=decisions.get, _decide=decide)
    for part in parts:
        exec(compile(part, f"<asprules grading {evaluator.ref.id}>", "exec"), namespace)  # noqa: S102 — built above from the validated model
    exec(compile(source, f"<asprules grading {evaluator.ref.id}>", "exec"), namespace)  # noqa: S102 — source built above from the validated model
    grade = namespace["grade"]
    grade.source = "".join(parts) + source  # type: ignore[attr-defined]  # for reading and debugging
    return grade
