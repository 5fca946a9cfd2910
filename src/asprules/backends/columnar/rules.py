"""A compiled grading ruleset → one set of SQL expressions over typed incident columns.

The input is the engine's :class:`~asprules.engine.grading.GradingEvaluator` (its validated
document, context and level ranks); the output is a chain of SELECT layers, each a list
of ``(alias, sqlglot expression)``, that a runner puts over a relation of typed columns
(:mod:`.columns` makes them) — the same trees for DuckDB and Spark.

The semantics are the compiled backend's, written as columns:

- every condition is a non-NULL boolean: a comparison against an absent value is false
  whatever the operator (``COALESCE(x >= 60, FALSE)``), so ``not`` means what it means in
  Python;
- a ``first``/``priority`` table yields the index of its deciding row (``CASE WHEN … THEN k``),
  rows sorted as the engine sorts them; ``unique``, ``any`` and ``collect`` tables yield a bit
  mask of their matching rows, combined by the hit policy;
- the decided table is the applicable one with the most severe level, the first on a tie;
- adjustments run in order, each over the rank the previous one left (one layer each),
  moving by their step but never past their cap or floor;
- what the engine would raise as an :class:`~asprules.errors.EvaluationError` (``unique``
  matched twice, no table applies) becomes the row's ``__eval_error`` text.

A feature this compiler cannot express raises :class:`~asprules.errors.BackendUnavailable`
at compile time naming the rule, never a different answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from ...engine.grading import GradingEvaluator
from ...errors import BackendUnavailable, Problem
from ...format.document import AllOf, AnyOf, Compare, HasApproval, InSensitivePeriod, InWindow, LocalTime, NotOf
from .dialects import Dialect, alias, and_, case, greatest, least, not_, or_, select

Layer = list[tuple[str, exp.Expression]]
_MASK_ROWS = 62  # rows of a unique/any/collect table, one bit each in a BIGINT
_BIGINT = 2**63 - 1


def column_name(path: str) -> str:
    """The typed column holding a fact field: dots become double underscores."""
    return path.replace(".", "__")


def col(path: str) -> exp.Column:
    return exp.column(column_name(path), quoted=True)


def lit(value: Any) -> exp.Expression:
    """A SQL literal for a ruleset constant, typed exactly: floats through their shortest repr."""
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int):
        if abs(value) > _BIGINT:
            raise _unavailable(f"the number {value} does not fit a 64-bit integer")
        return exp.Literal.number(value)
    if isinstance(value, float):
        return exp.cast(exp.Literal.string(repr(value)), "DOUBLE")
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise _unavailable(f"the constant {value!r} has no SQL literal")


def _unavailable(message: str, where: str = "") -> BackendUnavailable:
    return BackendUnavailable(f"the columnar backend cannot compile {where or 'this ruleset'}", [Problem(message)])


def _false_if_null(test: exp.Expression) -> exp.Expression:
    return exp.Coalesce(this=test, expressions=[exp.false()])


def _case(pairs: list[tuple[exp.Expression, exp.Expression]], default: exp.Expression | None = None) -> exp.Expression:
    return case(pairs, default)


def _switch(subject: exp.Expression, pairs: list[tuple[int, exp.Expression]], default: exp.Expression | None = None) -> exp.Expression:
    return case([(exp.Literal.number(value), then) for value, then in pairs], default, subject)


def _bit(k: int) -> exp.Expression:
    return exp.Literal.number(1 << k)


def _has_bit(mask: exp.Expression, k: int) -> exp.Expression:
    return exp.NEQ(this=exp.Paren(this=exp.BitwiseAnd(this=mask, expression=_bit(k))), expression=exp.Literal.number(0))


@dataclass
class _Value:
    node: exp.Expression
    nullable: bool
    integral: bool  # an exact integer (Python int) rather than a float
    constant: Any = None  # the ruleset constant this value is, if it is one


@dataclass
class RuleCompiler:
    """Conditions and derived values of one grading ruleset as SQL over typed columns."""

    evaluator: GradingEvaluator
    dialect: Dialect
    where: str = ""  # the rule being compiled, for BackendUnavailable
    uses_zone: bool = field(default=False)
    times_of_day: dict[str, exp.Expression] = field(default_factory=dict)  # field → its local time of day (hoisted)
    micros: dict[str, exp.Expression] = field(default_factory=dict)  # field → its epoch microseconds (hoisted)

    @property
    def ctx(self):
        return self.evaluator.ctx

    # -- values ---------------------------------------------------------------------

    def value(self, name: str, depth: int = 0) -> _Value:
        if name in self.ctx.derived:
            if depth > 64:
                raise _unavailable(f"derived value {name!r} nests more than 64 deep", self.where)
            return self._derived(name, depth)
        ftype = self.ctx.fields[name]
        integral = ftype.kind == "number" and name in _INTEGRAL
        return _Value(col(name), ftype.optional, integral)

    def _derived(self, name: str, depth: int) -> _Value:
        op, operands = self.ctx.derived[name].operation
        parts: list[_Value] = []
        for o in operands:
            if isinstance(o, str):
                parts.append(self.value(o, depth + 1))
            else:
                parts.append(_Value(lit(o), False, isinstance(o, int) and not isinstance(o, bool), o))
        acc = parts[0]
        for part in parts[1:]:
            acc = self._arith(op, acc, part)
        return acc

    def _arith(self, op: str, a: _Value, b: _Value) -> _Value:
        nullable = a.nullable or b.nullable
        integral = a.integral and b.integral
        x, y = a.node, b.node
        if op == "div":
            # Python: int / int and float / x are true division; division by zero is undefined (None)
            x, y = exp.cast(x, "DOUBLE"), exp.cast(y, "DOUBLE")
            if isinstance(b.constant, (int, float)) and b.constant != 0:  # a constant divisor: never undefined
                return _Value(exp.Paren(this=exp.Div(this=x, expression=y, typed=False, safe=False)), a.nullable, False)
            node = _case([(exp.EQ(this=y, expression=exp.Literal.number(0)), exp.null())], exp.Div(this=x, expression=y, typed=False, safe=False))
            return _Value(exp.Paren(this=node), True, False)
        if op in ("min", "max"):
            # LEAST/GREATEST skip NULLs; Python's min(None, x) is None here (the derived value is undefined)
            node: exp.Expression = (least if op == "min" else greatest)([x, y])
            if nullable:
                node = _case([(or_(exp.Is(this=x, expression=exp.null()), exp.Is(this=y, expression=exp.null())), exp.null())], node)
            return _Value(exp.Paren(this=node), nullable, integral)
        if integral:  # Python ints do not overflow: a product of two counts needs 128 bits
            x, y = exp.cast(x, self.dialect.wide_int), exp.cast(y, self.dialect.wide_int)
        node = {"add": exp.Add, "sub": exp.Sub, "mul": exp.Mul}[op](this=x, expression=y)
        return _Value(exp.Paren(this=node), nullable, integral)

    # -- conditions -------------------------------------------------------------------

    def condition(self, cond) -> exp.Expression:
        """A non-NULL boolean; ``None`` (no ``applies_when``) is true."""
        if cond is None:
            return exp.true()
        if isinstance(cond, AllOf):
            return exp.Paren(this=and_(*(self.condition(c) for c in cond.all)))
        if isinstance(cond, AnyOf):
            return exp.Paren(this=or_(*(self.condition(c) for c in cond.any)))
        if isinstance(cond, NotOf):
            return exp.Paren(this=not_(self.condition(cond.not_)))
        if isinstance(cond, Compare):
            return self._compare(cond)
        if isinstance(cond, LocalTime):
            return self._local_time(cond)
        if isinstance(cond, InSensitivePeriod):
            return self._in_period(cond)
        if isinstance(cond, InWindow):
            raise _unavailable(
                "in_window (a span inside one occurrence of a daily window, across DST) has no SQL form yet; grade it with the compiled backend",
                self.where,
            )
        if isinstance(cond, HasApproval):
            raise _unavailable("has_approval reads approval records, which grading facts do not have", self.where)
        raise _unavailable(f"unknown condition {type(cond).__name__}", self.where)

    def _compare(self, cond: Compare) -> exp.Expression:
        v = self.value(cond.field)
        x = v.node
        op, operand = cond.operator, cond.operand
        if op == "present":
            test = exp.Is(this=x, expression=exp.null())
            return exp.Paren(this=not_(test)) if operand else test
        if op == "contains_any":
            return self.dialect.has_any(x, [lit(m) for m in operand])
        if op == "between":
            test: exp.Expression = exp.Between(this=x, low=lit(operand[0]), high=lit(operand[1]))
        elif op in ("in", "not_in"):
            test = self.dialect.member(x, tuple(operand), lit)  # not an IN on DuckDB: five or more constants make a join
            if op == "not_in":
                test = not_(exp.Paren(this=test))
        elif op in ("eq", "ne") and isinstance(operand, bool) and cond.field in self.ctx.fields and self.ctx.fields[cond.field].kind == "bool":
            test = x if operand == (op == "eq") else not_(x)  # a boolean column is its own test
        else:
            klass = {"eq": exp.EQ, "ne": exp.NEQ, "lt": exp.LT, "le": exp.LTE, "gt": exp.GT, "ge": exp.GTE}[op]
            test = klass(this=x, expression=lit(operand))
        return _false_if_null(test) if v.nullable else exp.Paren(this=test)

    def zone(self) -> exp.Expression:
        """The customer's zone, else the ruleset's default (the engine's ``Context.zone_of``)."""
        self.uses_zone = True
        return exp.Coalesce(this=col("customer.timezone"), expressions=[exp.Literal.string(self.ctx.default_zone.key)])

    def local_time_of_day(self, name: str) -> exp.Expression:
        """The column holding a field's local time of day in microseconds, computed once per
        row in a layer before the conditions (two bands on one field share it)."""
        if name not in self.times_of_day:
            v = self.value(name)
            self.times_of_day[name] = _local_day_us(self.dialect, v.node, self.epoch_us(name), col("customer.timezone"), self.ctx.default_zone.key)
        return exp.column(f"__tod.{name}", quoted=True)

    def epoch_us(self, name: str) -> exp.Expression:
        """The column holding an instant field's epoch microseconds, computed once per row
        in the first layer (a calendar of eight periods compares it sixteen times)."""
        if name not in self.micros:
            self.micros[name] = self.dialect.epoch_us(self.value(name).node)
        return exp.column(f"__us.{name}", quoted=True)

    def _local_time(self, cond: LocalTime) -> exp.Expression:
        from ... import clock

        band = clock.parse_window(cond.local_time.within)
        v = self.value(cond.local_time.field)
        of_day = self.local_time_of_day(cond.local_time.field)
        lo, hi = exp.Literal.number(band.start * _MINUTE_US), exp.Literal.number(band.end * _MINUTE_US)
        if band.crosses_midnight:
            test: exp.Expression = or_(exp.GTE(this=of_day, expression=lo), exp.LT(this=of_day.copy(), expression=hi))
        else:
            test = and_(exp.GTE(this=of_day, expression=lo), exp.LT(this=of_day.copy(), expression=hi))
        return _false_if_null(exp.Paren(this=test)) if v.nullable else exp.Paren(this=test)

    def _calendar(self) -> list[tuple[int, int]]:
        """The ruleset's calendar as merged half-open intervals in epoch microseconds."""
        merged: list[list[int]] = []
        for iv in sorted(self.ctx.calendar, key=lambda iv: iv.start):
            s, e = _micros(iv.start), _micros(iv.end)
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        return [(s, e) for s, e in merged]

    def _in_period(self, cond: InSensitivePeriod) -> exp.Expression:
        spec = cond.in_sensitive_period
        periods = col("customer.sensitive_periods")
        p_start, p_end = exp.column("start", table="__p", quoted=True), exp.column("end", table="__p", quoted=True)
        if spec.field is not None:
            v = self.value(spec.field)
            us = self.epoch_us(spec.field)
            calendar = self._calendar()
            own = self.dialect.any_in(periods, "__p", and_(exp.LTE(this=p_start, expression=v.node), exp.LT(this=v.node, expression=p_end)))
            inside = or_(_inside(us, calendar), own) if calendar else own
            return _false_if_null(exp.Paren(this=inside)) if v.nullable else exp.Paren(this=inside)
        a, b = self.value(spec.start), self.value(spec.end)  # type: ignore[arg-type]
        ua, ub = self.epoch_us(spec.start), self.epoch_us(spec.end)  # type: ignore[arg-type]
        tests = [
            and_(exp.LT(this=ua, expression=exp.Literal.number(e)), exp.LT(this=exp.Literal.number(s), expression=ub))
            for s, e in self._calendar()
        ]
        own = self.dialect.any_in(periods, "__p", and_(exp.LT(this=a.node, expression=p_end), exp.LT(this=p_start, expression=b.node)))
        meets = or_(*tests, own) if tests else own
        return _false_if_null(exp.Paren(this=meets))


def _inside(us: exp.Expression, intervals: list[tuple[int, int]]) -> exp.Expression:
    """Whether ``us`` falls in one of sorted, disjoint half-open intervals: a flat ``OR`` up
    to 16 of them (for eight, twice as fast as nested ``CASE``, measured 2026-12-01), a binary
    search of such runs for longer calendars."""
    if len(intervals) <= 16:
        return exp.Paren(this=or_(*(
            and_(exp.GTE(this=us.copy(), expression=exp.Literal.number(s)), exp.LT(this=us.copy(), expression=exp.Literal.number(e))) for s, e in intervals
        )))
    mid = len(intervals) // 2
    below = exp.LT(this=us.copy(), expression=exp.Literal.number(intervals[mid][0]))
    return case([(below, _inside(us, intervals[:mid]))], _inside(us, intervals[mid:]))


def fixed_offset_since(zone_name: str) -> tuple[int, int] | None:
    """``(since, offset)`` in microseconds when the zone's UTC offset has not changed since
    ``since`` (and never will, by its rules to 2100): local time is then plain arithmetic,
    ten times cheaper than a time-zone lookup. None for a zone with daylight saving."""
    from datetime import datetime, timedelta, timezone

    from ... import clock

    tz = clock.zone(zone_name)
    end = datetime(2100, 1, 1, tzinfo=timezone.utc)
    offset = end.astimezone(tz).utcoffset()
    day = end
    earliest = datetime(1971, 1, 1, tzinfo=timezone.utc)
    while day > earliest and (day - timedelta(days=1)).astimezone(tz).utcoffset() == offset:
        day -= timedelta(days=1)
    if day > datetime(2030, 1, 1, tzinfo=timezone.utc):
        return None  # the offset changes within the years tickets carry (DST)
    lo, hi = int((day - timedelta(days=1)).timestamp()), int(day.timestamp())  # offset differs at lo, equals at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, timezone.utc).astimezone(tz).utcoffset() == offset:
            hi = mid
        else:
            lo = mid
    since = hi if day > earliest else 0
    return since * 1_000_000, int(offset.total_seconds()) * 1_000_000  # type: ignore[union-attr]


_MINUTE_US, _DAY_US = 60_000_000, 86_400_000_000


def _local_day_us(dialect: Dialect, instant: exp.Expression, us: exp.Expression, customer_zone: exp.Expression, default_zone: str) -> exp.Expression:
    """The engine's ``clock.minute_of_day(instant, ctx.zone_of(fact))`` as SQL, in
    microseconds after local midnight (``us``: the instant's epoch microseconds). A band
    ``[a, b)`` of minutes is ``[a·60·10⁶, b·60·10⁶)`` of these: the same test, and in a zone
    of fixed offset one remainder per row where minutes took a division and a remainder."""
    zone = exp.Coalesce(this=customer_zone, expressions=[exp.Literal.string(default_zone)])
    general = dialect.local_day_us(instant, zone)
    fixed = fixed_offset_since(default_zone)
    if fixed is None:
        return general
    since, offset = fixed
    shifted = exp.Paren(this=exp.Add(this=us, expression=exp.Literal.number(offset)))
    of_day = exp.Mod(this=shifted, expression=exp.Literal.number(_DAY_US))
    # SQL's remainder takes the dividend's sign: the fast path only where the local instant is not before 1970
    fast = and_(exp.Is(this=customer_zone, expression=exp.null()), exp.GTE(this=us, expression=exp.Literal.number(max(since, -offset))))
    return _case([(fast, of_day)], general)


# Fact fields that hold Python ints (StrictInt counts); other numbers are floats.
_INTEGRAL = frozenset({"affected_users", "affected_sites"})


def _micros(instant) -> int:
    from datetime import datetime, timezone

    delta = instant - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True)
class CompiledGrading:
    """The grading of one ruleset as SELECT layers over the typed columns.

    Each layer adds columns (``SELECT *, …``) to the one before; the last yields the
    output columns :data:`OUTPUT` and ``__eval_error``.
    """

    ruleset_id: str
    sha256: str
    layers: tuple[Layer, ...]
    levels: tuple[str, ...]
    banded: bool
    tables: tuple[str, ...] = ()

    def sql(self, dialect: Dialect, source: str = "__typed") -> str:
        """The layers as one SQL statement with CTEs (for reading, and for ``EXPLAIN``)."""
        return self.select(source).sql(dialect=dialect.name)

    def select(self, source: str | exp.Expression = "__typed") -> exp.Select:
        """The layers as nested SELECTs over ``source``."""
        query: exp.Expression = exp.to_table(source) if isinstance(source, str) else source
        for i, layer in enumerate(self.layers):
            inner = query if i == 0 else exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(f"__l{i}")))
            query = select([exp.Star(), *(alias(node, name) for name, node in layer)], inner)
        return query  # type: ignore[return-value]


# (levels + 1) · 2^adjustments entries at most in the constant lists that apply the
# adjustments at once: nine adjustments over four levels (5 · 512 = 2,560 entries, a few
# tens of KiB of SQL); more take one layer each.
ADJUSTMENT_TABLE_MAX = 4096
_ROWS_LOOKUP_MAX = 65536  # entries of the deciding-row lookup (tables · (longest table + 1))

OUTPUT = ("level", "base_level", "major", "table", "rows", "adjustments", "score", "ruleset", "ruleset_sha256")


def compile_grading(evaluator: GradingEvaluator, dialect: Dialect, *, max_adjustment_table: int | None = None) -> CompiledGrading:
    """Compile a grading evaluator to SQL layers; :class:`BackendUnavailable` names what cannot be.

    The decision is carried as one integer per row, the *code* ``rank·T·K + table·K + row``
    (``T`` tables, ``K`` more than any ``first``/``priority`` table's rows): the smallest
    code among the applicable tables is the decided table (most severe, first on a tie)
    with its deciding row, so choosing is one ``LEAST`` (or none, when the tables cannot apply
    together: :func:`_exclusive`) and every output is arithmetic and a lookup in a constant list. Adjustments are a function of the base rank and the bits
    of their conditions; while that function has at most ``max_adjustment_table`` entries
    it is one constant list too (``max_adjustment_table``, default :data:`ADJUSTMENT_TABLE_MAX`; measured 2026-12-01: ten projection layers of ``CASE``
    cost three times the rules' own conditions), else one layer per adjustment.
    """
    if evaluator.requires:
        raise _unavailable("a ruleset that requires other decisions (requires) is not compiled; grade it with the compiled backend", f"ruleset {evaluator.ref.id!r}")
    if evaluator.outputs or not evaluator.levels:
        raise _unavailable("outputs (values besides the level) are not compiled; grade them with the compiled backend", f"ruleset {evaluator.ref.id!r}")
    rc = RuleCompiler(evaluator, dialect)
    n_levels = len(evaluator.levels)
    tables = evaluator.tables
    first_rows = [len(t.rows) for t in tables if t.model.hit_policy in ("first", "priority")]
    width = max(first_rows, default=0) + 1  # K: a first table's row k, or K-1 for its default
    span = len(tables) * width  # T·K
    none_applies = exp.Literal.number(n_levels * span)  # the code when no table applies: rank n
    conds: Layer = []  # each first table's code; each other table's applicability and row mask; adjustment bits
    # tables that cannot apply together (each applies when one field equals its own text:
    # the shipped ruleset's environments) are one CASE choosing the table, then its rows:
    # no table's rows, nor its test, run over the rows another table has taken, and no LEAST
    exclusive = _exclusive(tables)
    chosen: list[tuple[exp.Expression, exp.Expression]] = []
    for i, table in enumerate(tables):
        rc.where = f"table {table.model.id!r} (applies_when)"
        applies = rc.condition(table.model.applies_when)
        policy = table.model.hit_policy
        aggregator = getattr(table.model, "aggregator", None)
        if policy not in ("first", "priority", "unique", "any") and not (policy == "collect" and aggregator in ("max", "min", "sum", "count")):
            raise _unavailable(f"hit policy {policy!r} is not compiled", f"table {table.model.id!r}")
        if policy in ("first", "priority"):
            pairs = [] if table.model.applies_when is None or exclusive else [(not_(applies), none_applies.copy())]
            for k, (row, _pred, rank) in enumerate(table.rows):
                rc.where = f"row {row.id!r}"
                pairs.append((rc.condition(row.when), exp.Literal.number(rank * span + i * width + k)))
            default = exp.Literal.number(table.default_rank * span + i * width + width - 1)
            code = _case(pairs, default) if pairs else default
            if exclusive:
                chosen.append((applies, code))
            else:
                conds.append((f"__code_{i}", code))
            continue
        conds.append((f"__applies_{i}", applies))
        if len(table.rows) > _MASK_ROWS:
            raise _unavailable(f"a {policy} table holds at most {_MASK_ROWS} rows here; it has {len(table.rows)}", f"table {table.model.id!r}")
        bits: exp.Expression = exp.Literal.number(0)
        for k, (row, _pred, _rank) in enumerate(table.rows):
            rc.where = f"row {row.id!r}"
            bits = exp.Add(this=bits, expression=_case([(rc.condition(row.when), _bit(k))], exp.Literal.number(0)))
        conds.append((f"__mask_{i}", bits))
    adjustments = evaluator.adjustments
    folded = (n_levels + 1) << len(adjustments) <= (ADJUSTMENT_TABLE_MAX if max_adjustment_table is None else max_adjustment_table)
    when_bits: exp.Expression = exp.Literal.number(0)
    for j, adj in enumerate(adjustments):
        rc.where = f"adjustment {adj.model.id!r}"
        when = rc.condition(adj.model.when)
        if folded:
            when_bits = exp.Add(this=when_bits, expression=_case([(when, _bit(j))], exp.Literal.number(0)))
        else:
            conds.append((f"__when_{j}", when))

    # the other tables' codes (from their masks), scores, and where they break their hit policy
    masked: Layer = []
    errors: list[tuple[exp.Expression, exp.Expression]] = []
    banded = False
    for i, table in enumerate(tables):
        policy = table.model.hit_policy
        if policy in ("first", "priority"):
            continue
        applies = exp.column(f"__applies_{i}", quoted=True)
        mask = exp.column(f"__mask_{i}", quoted=True)
        row_ranks = [r for _row, _p, r in table.rows]
        # sentinels, not NULLs: LEAST/GREATEST treat NULL differently from engine to engine
        most = least([_case([(_has_bit(mask, k), exp.Literal.number(r))], exp.Literal.number(n_levels)) for k, r in enumerate(row_ranks)])
        fewest = greatest([_case([(_has_bit(mask, k), exp.Literal.number(r))], exp.Literal.number(-1)) for k, r in enumerate(row_ranks)])
        none_hit = exp.EQ(this=mask, expression=exp.Literal.number(0))
        default = exp.Literal.number(table.default_rank)
        count = _bit_count(mask, len(table.rows))
        aggregator = getattr(table.model, "aggregator", None)
        if policy == "unique":
            rank = _case([(none_hit, default)], most)
            errors.append((and_(applies, exp.GT(this=count, expression=exp.Literal.number(1))), _several(table, mask, "has hit policy unique but several rows match")))
        elif policy == "any":
            rank = _case([(none_hit, default)], most)
            errors.append((and_(applies, not_(none_hit), exp.NEQ(this=most.copy(), expression=fewest)), _several(table, mask, "has hit policy any but the matching rows give different levels")))
        elif aggregator in ("max", "min"):
            rank = _case([(none_hit, default)], most if aggregator == "max" else fewest)
        else:  # collect sum / count: a total, banded into a level
            banded = True
            if aggregator == "count":
                total: exp.Expression = count
            else:
                total = exp.Literal.number(0)
                for k, (row, _p, _r) in enumerate(table.rows):
                    total = exp.Add(this=total, expression=_case([(_has_bit(mask, k), lit(row.score))], exp.Literal.number(0)))
            masked.append((f"__score_{i}", exp.Paren(this=total)))
            rank = _bands(evaluator, table, exp.Paren(this=total.copy()))
        code = exp.Add(this=exp.Mul(this=exp.Paren(this=rank), expression=exp.Literal.number(span)), expression=exp.Literal.number(i * width))
        masked.append((f"__code_{i}", _case([(applies, code)], none_applies.copy())))
    # the decided table: the smallest code
    codes = [exp.column(f"__code_{i}", quoted=True) for i in range(len(tables))]
    code = exp.column("__code", quoted=True)
    decoded: Layer = [
        ("__base", exp.IntDiv(this=code, expression=exp.Literal.number(span))),
        ("__table", _case([(exp.GTE(this=code, expression=none_applies.copy()), exp.Literal.number(-1))], exp.IntDiv(this=exp.Paren(this=exp.Mod(this=code, expression=exp.Literal.number(span))), expression=exp.Literal.number(width)))),
        ("__hit", exp.Mod(this=code, expression=exp.Literal.number(width))),
    ]
    if folded:
        # an adjustment fires only from a rank one of them applies to: the others need no bits
        # (half the tickets, those graded no major fault, in the benchmark's corpus)
        reachable = sorted(set().union(*(adj.applies_to for adj in adjustments)))
        if reachable and reachable != list(range(n_levels)):
            if reachable == list(range(reachable[0], reachable[-1] + 1)):  # consecutive ranks: a range of codes, no division
                low, high = exp.Literal.number(reachable[0] * span), exp.Literal.number((reachable[-1] + 1) * span)
                reaches: exp.Expression = exp.LT(this=code.copy(), expression=high)
                if reachable[0]:
                    reaches = and_(exp.GTE(this=code.copy(), expression=low), reaches)
            else:
                rank_of = exp.IntDiv(this=code.copy(), expression=exp.Literal.number(span))
                reaches = dialect.member(rank_of, tuple(reachable), exp.Literal.number)
            when_bits = _case([(reaches, exp.Paren(this=when_bits))], exp.Literal.number(0))
        elif not reachable:
            when_bits = exp.Literal.number(0)
        decoded.append(("__w", exp.Paren(this=when_bits)))
    if exclusive:
        conds.insert(0, ("__code", _case(chosen, none_applies.copy())))
        layers: list[Layer] = [conds, decoded]
    else:
        layers = [conds] + ([masked] if masked else []) + [[("__code", least(codes))], decoded]
    if rc.times_of_day:
        layers.insert(0, [(f"__tod.{name}", node) for name, node in rc.times_of_day.items()])
    if rc.micros:
        layers.insert(0, [(f"__us.{name}", node) for name, node in rc.micros.items()])
    base = exp.column("__base", quoted=True)
    if folded:
        outcome = _Outcome.folded(evaluator, dialect, base)
    else:
        current: exp.Expression = base
        for j, adj in enumerate(adjustments):
            applies_to = sorted(adj.applies_to)
            fires = and_(
                dialect.member(current, tuple(applies_to), exp.Literal.number) if applies_to else exp.false(),
                exp.column(f"__when_{j}", quoted=True),
            )
            step, bound = exp.Literal.number(adj.step), exp.Literal.number(adj.bound)
            moved = exp.Add(this=current, expression=step)
            if adj.step < 0:
                new = least([current, greatest([moved, bound])])
            else:
                new = greatest([current, least([moved, bound])])
            layers.append([(f"__fired_{j}", fires), (f"__rank_adj_{j}", _case([(exp.column(f"__fired_{j}", quoted=True), new)], current))])
            current = exp.column(f"__rank_adj_{j}", quoted=True)
        outcome = _Outcome.chained(evaluator, dialect, current)
    layers.append(_outputs(evaluator, dialect, outcome, errors, banded, width))
    return CompiledGrading(
        evaluator.ref.id, evaluator.ref.sha256, tuple(layers), tuple(lv.id for lv in evaluator.levels), banded, tuple(t.model.id for t in tables)
    )




def _exclusive(tables) -> bool:
    """Whether no two tables can apply to one incident: each is a ``first``/``priority``
    table applying when the same field equals a text of its own (two different texts are
    never both equal to one value; an absent value equals none)."""
    if len(tables) < 2:
        return False
    field_, texts = None, set()
    for table in tables:
        when = table.model.applies_when
        if table.model.hit_policy not in ("first", "priority") or not isinstance(when, Compare) or when.operator != "eq" or not isinstance(when.operand, str):
            return False
        if field_ is not None and when.field != field_:
            return False
        field_ = when.field
        texts.add(when.operand)
    return len(texts) == len(tables)


@dataclass(frozen=True)
class _Outcome:
    """The adjusted level of a row, what that makes of it, and which adjustments fired."""

    level: exp.Expression
    major: exp.Expression
    adjustments: exp.Expression

    @staticmethod
    def folded(evaluator: GradingEvaluator, dialect: Dialect, base: exp.Expression) -> "_Outcome":
        """Every adjustment at once: constant lists indexed by ``base · 2^J + bits``."""
        adjustments = evaluator.adjustments
        n_levels = len(evaluator.levels)
        level_ids, majors, fired_ids = [], [], []
        for start in range(n_levels + 1):
            for bits in range(1 << len(adjustments)):
                rank, fired = _adjusted(adjustments, start, bits)
                level_ids.append(evaluator.levels[rank].id if rank < n_levels else None)
                majors.append(rank < n_levels and evaluator.levels[rank].major)
                fired_ids.append(",".join(fired))
        index = exp.Add(
            this=exp.Mul(this=base, expression=exp.Literal.number(1 << len(adjustments))),
            expression=exp.Add(this=exp.column("__w", quoted=True), expression=exp.Literal.number(1)),
        )
        level_names = tuple(lv.id for lv in evaluator.levels)
        return _Outcome(
            dialect.lookup(dialect.labels(level_ids, level_names), index),
            dialect.lookup(exp.Array(expressions=[exp.true() if m else exp.false() for m in majors]), index.copy()),
            dialect.lookup(dialect.labels(fired_ids, tuple(sorted(set(fired_ids)))), index.copy()) if adjustments else exp.Literal.string(""),
        )

    @staticmethod
    def chained(evaluator: GradingEvaluator, dialect: Dialect, rank: exp.Expression) -> "_Outcome":
        """After one layer per adjustment: ``rank`` is the adjusted rank, ``__fired_j`` each bit."""
        majors = [k for k, lv in enumerate(evaluator.levels) if lv.major]
        fired = [_case([(exp.column(f"__fired_{j}", quoted=True), exp.Literal.string(adj.model.id))]) for j, adj in enumerate(evaluator.adjustments)]
        return _Outcome(_level_of(evaluator, dialect, rank), dialect.member(rank, tuple(majors), exp.Literal.number), _joined(fired))


def _adjusted(adjustments, rank: int, bits: int) -> tuple[int, list[str]]:
    """The engine's adjustment loop for one base rank and the truth of each ``when``."""
    fired = []
    for j, adj in enumerate(adjustments):
        if rank in adj.applies_to and bits >> j & 1:
            moved = rank + adj.step
            rank = min(rank, max(moved, adj.bound)) if adj.step < 0 else max(rank, min(moved, adj.bound))
            fired.append(adj.model.id)
    return rank, fired


def _level_of(evaluator: GradingEvaluator, dialect: Dialect, rank: exp.Expression) -> exp.Expression:
    """A level's id from its rank (NULL for the rank past the last: no table applies)."""
    names = tuple(lv.id for lv in evaluator.levels)
    index = exp.Add(this=rank, expression=exp.Literal.number(1))
    return dialect.lookup(dialect.labels([*names, None], names), index)


def _bit_count(mask: exp.Expression, rows: int) -> exp.Expression:
    total: exp.Expression = exp.Literal.number(0)
    for k in range(rows):
        total = exp.Add(this=total, expression=_case([(_has_bit(mask, k), exp.Literal.number(1))], exp.Literal.number(0)))
    return exp.Paren(this=total)


def _several(table, mask: exp.Expression, what: str) -> exp.Expression:
    """The engine's EvaluationError text for a row (the ids of the rows that match)."""
    parts: list[exp.Expression] = [exp.Literal.string(f"table {table.model.id!r} {what}: rows")]
    for k, (row, _p, _r) in enumerate(table.rows):
        parts.append(_case([(_has_bit(mask, k), exp.Literal.string(f" {row.id}"))], exp.Literal.string("")))
    return exp.Concat(expressions=parts, safe=False, coalesce=False)


def _bands(evaluator: GradingEvaluator, table, total: exp.Expression) -> exp.Expression:
    bands = sorted(table.model.bands or (), key=lambda b: -math.inf if b.min is None else b.min)
    pairs = []
    for band in reversed(bands[1:]):
        pairs.append((exp.GTE(this=total, expression=lit(band.min)), exp.Literal.number(evaluator.rank[band.level])))
    return _case(pairs, exp.Literal.number(evaluator.rank[bands[0].level]))


def _joined(items: list[exp.Expression]) -> exp.Expression:
    """Ids joined by commas, NULLs skipped (ids never hold a comma); '' for none."""
    if not items:
        return exp.Literal.string("")
    return exp.Anonymous(this="concat_ws", expressions=[exp.Literal.string(","), *items])  # not exp.ConcatWs: sqlglot would add NULL-in, NULL-out


def _outputs(evaluator: GradingEvaluator, dialect: Dialect, outcome: _Outcome, errors, banded: bool, width: int) -> Layer:
    table_col, base, hit = exp.column("__table", quoted=True), exp.column("__base", quoted=True), exp.column("__hit", quoted=True)
    rows: list[exp.Expression] = []
    first: list[tuple[int, exp.Expression]] = []
    span = len(evaluator.tables) * width
    if all(t.model.hit_policy in ("first", "priority") for t in evaluator.tables) and span <= _ROWS_LOOKUP_MAX:
        # only first/priority tables: the deciding row is one lookup by the code (table · K + row)
        ids: list[str] = []
        for table in evaluator.tables:
            ids += [row.id for row, _p, _r in table.rows] + [""] * (width - len(table.rows))
        index = exp.Add(this=exp.Paren(this=exp.Mod(this=exp.column("__code", quoted=True), expression=exp.Literal.number(span))), expression=exp.Literal.number(1))
        rows_node: exp.Expression | None = dialect.lookup(dialect.labels(ids, tuple(sorted(set(ids)))), index)
    else:
        rows_node = None
    for i, table in enumerate(evaluator.tables if rows_node is None else ()):
        if table.model.hit_policy in ("first", "priority"):
            literals = [exp.Literal.string(row.id) for row, _p, _r in table.rows]
            literals += [exp.Literal.string("")] * (width - len(literals))  # the default (no row matched), and codes no row has
            first.append((i, dialect.lookup(exp.Array(expressions=literals), exp.Add(this=hit.copy(), expression=exp.Literal.number(1)))))
        else:
            this_table = exp.EQ(this=table_col, expression=exp.Literal.number(i))
            mask = exp.column(f"__mask_{i}", quoted=True)
            rows += [_case([(and_(this_table, _has_bit(mask, k)), exp.Literal.string(row.id))]) for k, (row, _p, _r) in enumerate(table.rows)]
    if first:  # one table decides: the first tables' part and the others' parts are never both given
        rows.insert(0, _switch(table_col, first) if len(first) > 1 or rows else _case([(exp.GTE(this=table_col, expression=exp.Literal.number(0)), first[0][1])]))
    no_table = exp.EQ(this=table_col, expression=exp.Literal.number(-1))
    tables = ", ".join(t.model.id for t in evaluator.tables)
    error_pairs = list(errors) + [(no_table, exp.Literal.string(f"no grading table applies (tables: {tables})"))]
    score: exp.Expression = exp.null()
    if banded:
        score = _switch(
            table_col,
            [(i, exp.cast(exp.column(f"__score_{i}", quoted=True), "DOUBLE")) for i, t in enumerate(evaluator.tables) if t.model.banded],  # type: ignore[attr-defined]
        )
    table_names = tuple(t.model.id for t in evaluator.tables)
    return [
        ("level", outcome.level),
        ("base_level", _level_of(evaluator, dialect, base)),
        ("major", outcome.major),
        ("table", dialect.lookup(dialect.labels([None, *table_names], table_names), exp.Add(this=table_col.copy(), expression=exp.Literal.number(2)))),
        ("rows", rows_node if rows_node is not None else _joined(rows) if len(rows) != 1 or not first else exp.Coalesce(this=rows[0], expressions=[exp.Literal.string("")])),
        ("adjustments", outcome.adjustments),
        ("score", exp.cast(score, "DOUBLE")),
        ("ruleset", exp.Literal.string(evaluator.ref.id)),
        ("ruleset_sha256", exp.Literal.string(evaluator.ref.sha256)),
        ("__eval_error", _case(error_pairs)),
    ]
