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
from .dialects import Dialect, alias, and_, case, not_, or_, select

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


@dataclass
class RuleCompiler:
    """Conditions and derived values of one grading ruleset as SQL over typed columns."""

    evaluator: GradingEvaluator
    dialect: Dialect
    where: str = ""  # the rule being compiled, for BackendUnavailable
    uses_zone: bool = field(default=False)
    minutes: dict[str, exp.Expression] = field(default_factory=dict)  # field → its local minute of day (hoisted)

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
                parts.append(_Value(lit(o), False, isinstance(o, int) and not isinstance(o, bool)))
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
            node = _case([(exp.EQ(this=y, expression=exp.Literal.number(0)), exp.null())], exp.Div(this=x, expression=y, typed=False, safe=False))
            return _Value(exp.Paren(this=node), True, False)
        if op in ("min", "max"):
            # LEAST/GREATEST skip NULLs; Python's min(None, x) is None here (the derived value is undefined)
            fn = exp.Least if op == "min" else exp.Greatest
            node: exp.Expression = fn(this=x, expressions=[y])
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
            test = exp.In(this=x, expressions=[lit(m) for m in operand])
            if op == "not_in":
                test = not_(exp.Paren(this=test))
        else:
            klass = {"eq": exp.EQ, "ne": exp.NEQ, "lt": exp.LT, "le": exp.LTE, "gt": exp.GT, "ge": exp.GTE}[op]
            test = klass(this=x, expression=lit(operand))
        return _false_if_null(test) if v.nullable else exp.Paren(this=test)

    def zone(self) -> exp.Expression:
        """The customer's zone, else the ruleset's default (the engine's ``Context.zone_of``)."""
        self.uses_zone = True
        return exp.Coalesce(this=col("customer.timezone"), expressions=[exp.Literal.string(self.ctx.default_zone.key)])

    def local_minute(self, name: str) -> exp.Expression:
        """The column holding a field's local minute of day, computed once per row in a
        layer before the conditions (two bands on one field share it)."""
        if name not in self.minutes:
            v = self.value(name)
            self.minutes[name] = _local_minute(self.dialect, v.node, col("customer.timezone"), self.ctx.default_zone.key)
        return exp.column(f"__minute.{name}", quoted=True)

    def _local_time(self, cond: LocalTime) -> exp.Expression:
        from ... import clock

        band = clock.parse_window(cond.local_time.within)
        v = self.value(cond.local_time.field)
        minute = self.local_minute(cond.local_time.field)
        lo, hi = exp.Literal.number(band.start), exp.Literal.number(band.end)
        if band.crosses_midnight:
            test: exp.Expression = or_(exp.GTE(this=minute, expression=lo), exp.LT(this=minute, expression=hi))
        else:
            test = and_(exp.GTE(this=minute, expression=lo), exp.LT(this=minute, expression=hi))
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
            us = self.dialect.epoch_us(v.node)
            tests = [
                and_(exp.GTE(this=us, expression=exp.Literal.number(s)), exp.LT(this=us, expression=exp.Literal.number(e)))
                for s, e in self._calendar()
            ]
            own = self.dialect.any_in(periods, "__p", and_(exp.LTE(this=p_start, expression=v.node), exp.LT(this=v.node, expression=p_end)))
            inside = or_(*tests, own) if tests else own
            return _false_if_null(exp.Paren(this=inside)) if v.nullable else exp.Paren(this=inside)
        a, b = self.value(spec.start), self.value(spec.end)  # type: ignore[arg-type]
        ua, ub = self.dialect.epoch_us(a.node), self.dialect.epoch_us(b.node)
        tests = [
            and_(exp.LT(this=ua, expression=exp.Literal.number(e)), exp.LT(this=exp.Literal.number(s), expression=ub))
            for s, e in self._calendar()
        ]
        own = self.dialect.any_in(periods, "__p", and_(exp.LT(this=a.node, expression=p_end), exp.LT(this=p_start, expression=b.node)))
        meets = or_(*tests, own) if tests else own
        return _false_if_null(exp.Paren(this=meets))


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


def _local_minute(dialect: Dialect, instant: exp.Expression, customer_zone: exp.Expression, default_zone: str) -> exp.Expression:
    """The engine's ``clock.minute_of_day(instant, ctx.zone_of(fact))`` as SQL."""
    zone = exp.Coalesce(this=customer_zone, expressions=[exp.Literal.string(default_zone)])
    general = dialect.local_minute(instant, zone)
    fixed = fixed_offset_since(default_zone)
    if fixed is None:
        return general
    since, offset = fixed
    us = dialect.epoch_us(instant)
    shifted = exp.Paren(this=exp.Add(this=us, expression=exp.Literal.number(offset)))
    minute = exp.Mod(this=exp.Paren(this=exp.IntDiv(this=shifted, expression=exp.Literal.number(60_000_000))), expression=exp.Literal.number(1440))
    fast = and_(exp.Is(this=customer_zone, expression=exp.null()), exp.GTE(this=us, expression=exp.Literal.number(since)))
    return _case([(fast, minute)], general)


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


OUTPUT = ("level", "base_level", "major", "table", "rows", "adjustments", "score", "ruleset", "ruleset_sha256")


def compile_grading(evaluator: GradingEvaluator, dialect: Dialect) -> CompiledGrading:
    """Compile a grading evaluator to SQL layers; :class:`BackendUnavailable` names what cannot be."""
    rc = RuleCompiler(evaluator, dialect)
    n_levels = len(evaluator.levels)
    conds: Layer = []  # table applicability, row hits, adjustment conditions
    tables = evaluator.tables
    for i, table in enumerate(tables):
        rc.where = f"table {table.model.id!r} (applies_when)"
        conds.append((f"__applies_{i}", rc.condition(table.model.applies_when)))
        policy = table.model.hit_policy
        aggregator = getattr(table.model, "aggregator", None)
        if policy in ("first", "priority"):
            pairs = []
            for k, (row, _pred, _rank) in enumerate(table.rows):
                rc.where = f"row {row.id!r}"
                pairs.append((rc.condition(row.when), exp.Literal.number(k)))
            conds.append((f"__hit_{i}", _case(pairs, exp.Literal.number(-1))))
        else:
            if len(table.rows) > _MASK_ROWS:
                raise _unavailable(f"a {policy} table holds at most {_MASK_ROWS} rows here; it has {len(table.rows)}", f"table {table.model.id!r}")
            bits: exp.Expression = exp.Literal.number(0)
            for k, (row, _pred, _rank) in enumerate(table.rows):
                rc.where = f"row {row.id!r}"
                bits = exp.Add(this=bits, expression=_case([(rc.condition(row.when), _bit(k))], exp.Literal.number(0)))
            conds.append((f"__mask_{i}", bits))
        if policy not in ("first", "priority", "unique", "any") and not (policy == "collect" and aggregator in ("max", "min", "sum", "count")):
            raise _unavailable(f"hit policy {policy!r} is not compiled", f"table {table.model.id!r}")
    for j, adj in enumerate(evaluator.adjustments):
        rc.where = f"adjustment {adj.model.id!r}"
        conds.append((f"__when_{j}", rc.condition(adj.model.when)))

    # each table's rank (the level it gives), score, and whether it breaks its hit policy
    ranks: Layer = []
    errors: list[tuple[exp.Expression, exp.Expression]] = []
    banded = False
    for i, table in enumerate(tables):
        policy = table.model.hit_policy
        applies = exp.column(f"__applies_{i}", quoted=True)
        if policy in ("first", "priority"):
            hit = exp.column(f"__hit_{i}", quoted=True)
            rank = _switch(hit, [(k, exp.Literal.number(r)) for k, (_row, _p, r) in enumerate(table.rows)], exp.Literal.number(table.default_rank))
            ranks.append((f"__rank_{i}", rank))
            continue
        mask = exp.column(f"__mask_{i}", quoted=True)
        row_ranks = [r for _row, _p, r in table.rows]
        # sentinels, not NULLs: LEAST/GREATEST treat NULL differently from engine to engine
        most_ranks = [_case([(_has_bit(mask, k), exp.Literal.number(r))], exp.Literal.number(n_levels)) for k, r in enumerate(row_ranks)]
        least_ranks = [_case([(_has_bit(mask, k), exp.Literal.number(r))], exp.Literal.number(-1)) for k, r in enumerate(row_ranks)]
        most = exp.Least(this=most_ranks[0], expressions=most_ranks[1:]) if len(most_ranks) > 1 else most_ranks[0]
        least = exp.Greatest(this=least_ranks[0], expressions=least_ranks[1:]) if len(least_ranks) > 1 else least_ranks[0]
        none_hit = exp.EQ(this=mask, expression=exp.Literal.number(0))
        default = exp.Literal.number(table.default_rank)
        count = _bit_count(mask, len(table.rows))
        aggregator = getattr(table.model, "aggregator", None)
        if policy == "unique":
            ranks.append((f"__rank_{i}", _case([(none_hit, default)], most)))
            errors.append((and_(applies, exp.GT(this=count, expression=exp.Literal.number(1))), _several(table, mask, "has hit policy unique but several rows match")))
        elif policy == "any":
            ranks.append((f"__rank_{i}", _case([(none_hit, default)], most)))
            errors.append((and_(applies, not_(none_hit), exp.NEQ(this=most, expression=least)), _several(table, mask, "has hit policy any but the matching rows give different levels")))
        elif aggregator in ("max", "min"):
            ranks.append((f"__rank_{i}", _case([(none_hit, default)], most if aggregator == "max" else least)))
        else:  # collect sum / count: a total, banded into a level
            banded = True
            if aggregator == "count":
                total: exp.Expression = count
            else:
                total = exp.Literal.number(0)
                for k, (row, _p, _r) in enumerate(table.rows):
                    total = exp.Add(this=total, expression=_case([(_has_bit(mask, k), lit(row.score))], exp.Literal.number(0)))
            ranks.append((f"__score_{i}", exp.Paren(this=total)))
            ranks.append((f"__rank_{i}", _bands(evaluator, table, exp.column(f"__score_{i}", quoted=True))))
    # the decided table: applicable, most severe, first on a tie
    choose: Layer = []
    effective = [
        _case([(exp.column(f"__applies_{i}", quoted=True), exp.column(f"__rank_{i}", quoted=True))], exp.Literal.number(n_levels))
        for i in range(len(tables))
    ]
    base = exp.Least(this=effective[0], expressions=effective[1:]) if len(effective) > 1 else effective[0]
    choose.append(("__base", base))
    choose_table: Layer = [
        (
            "__table",
            _case(
                [
                    (and_(exp.column(f"__applies_{i}", quoted=True), exp.EQ(this=exp.column(f"__rank_{i}", quoted=True), expression=exp.column("__base", quoted=True))), exp.Literal.number(i))
                    for i in range(len(tables))
                ],
                exp.Literal.number(-1),
            ),
        )
    ]
    layers: list[Layer] = [conds, ranks, choose, choose_table]
    if rc.minutes:
        layers.insert(0, [(f"__minute.{name}", node) for name, node in rc.minutes.items()])
    # adjustments, in order, each over the rank the one before left
    current = exp.column("__base", quoted=True)
    for j, adj in enumerate(evaluator.adjustments):
        applies_to = sorted(adj.applies_to)
        fires = and_(
            exp.In(this=current, expressions=[exp.Literal.number(r) for r in applies_to]) if applies_to else exp.false(),
            exp.column(f"__when_{j}", quoted=True),
        )
        step, bound = exp.Literal.number(adj.step), exp.Literal.number(adj.bound)
        moved = exp.Add(this=current, expression=step)
        if adj.step < 0:
            new = exp.Least(this=current, expressions=[exp.Greatest(this=moved, expressions=[bound])])
        else:
            new = exp.Greatest(this=current, expressions=[exp.Least(this=moved, expressions=[bound])])
        layers.append([(f"__fired_{j}", fires), (f"__rank_adj_{j}", _case([(exp.column(f"__fired_{j}", quoted=True), new)], current))])
        current = exp.column(f"__rank_adj_{j}", quoted=True)
    layers.append(_outputs(evaluator, dialect, current, errors, banded))
    return CompiledGrading(
        evaluator.ref.id, evaluator.ref.sha256, tuple(layers), tuple(lv.id for lv in evaluator.levels), banded, tuple(t.model.id for t in tables)
    )


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


def _outputs(evaluator: GradingEvaluator, dialect: Dialect, rank: exp.Expression, errors, banded: bool) -> Layer:
    levels = evaluator.levels
    table_col, base = exp.column("__table", quoted=True), exp.column("__base", quoted=True)
    level_names = [(k, exp.Literal.string(lv.id)) for k, lv in enumerate(levels)]
    rows: list[exp.Expression] = []
    for i, table in enumerate(evaluator.tables):
        this_table = exp.EQ(this=table_col, expression=exp.Literal.number(i))
        if table.model.hit_policy in ("first", "priority"):
            hit = exp.column(f"__hit_{i}", quoted=True)
            ids = _switch(hit, [(k, exp.Literal.string(row.id)) for k, (row, _p, _r) in enumerate(table.rows)])
            rows.append(_case([(this_table, ids)]))
        else:
            mask = exp.column(f"__mask_{i}", quoted=True)
            rows += [_case([(and_(this_table, _has_bit(mask, k)), exp.Literal.string(row.id))]) for k, (row, _p, _r) in enumerate(table.rows)]
    fired = [_case([(exp.column(f"__fired_{j}", quoted=True), exp.Literal.string(adj.model.id))]) for j, adj in enumerate(evaluator.adjustments)]
    no_table = exp.EQ(this=table_col, expression=exp.Literal.number(-1))
    tables = ", ".join(t.model.id for t in evaluator.tables)
    error_pairs = list(errors) + [(no_table, exp.Literal.string(f"no grading table applies (tables: {tables})"))]
    majors = [k for k, lv in enumerate(levels) if lv.major]
    score: exp.Expression = exp.null()
    if banded:
        score = _switch(
            table_col,
            [(i, exp.cast(exp.column(f"__score_{i}", quoted=True), "DOUBLE")) for i, t in enumerate(evaluator.tables) if t.model.banded],  # type: ignore[attr-defined]
        )
    return [
        ("level", _switch(rank, level_names)),
        ("base_level", _switch(base, level_names)),
        ("major", exp.In(this=rank, expressions=[exp.Literal.number(k) for k in majors])),
        ("table", _switch(table_col, [(i, exp.Literal.string(t.model.id)) for i, t in enumerate(evaluator.tables)])),
        ("rows", _joined(rows)),
        ("adjustments", _joined(fired)),
        ("score", exp.cast(score, "DOUBLE")),
        ("ruleset", exp.Literal.string(evaluator.ref.id)),
        ("ruleset_sha256", exp.Literal.string(evaluator.ref.sha256)),
        ("__eval_error", _case(error_pairs)),
    ]
