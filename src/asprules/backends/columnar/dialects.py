"""The few functions DuckDB and Spark SQL spell differently, as sqlglot syntax trees.

Everything else the columnar compiler writes (``CASE``, comparisons, arithmetic,
``COALESCE``, ``TRY_CAST``, bit operations) is plain SQL that sqlglot renders for either
dialect from the same tree. What differs — the wall clock in a zone, list lambdas, epoch
microseconds, whitespace trimming, regular expressions — goes through one
:class:`Dialect` object, so the rule compiler never branches on the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

# Python's str.strip() removes Unicode whitespace; tickets carry ASCII whitespace in practice.
_WHITESPACE = " \t\n\r\x0b\x0c"


def call(name: str, *args: exp.Expression) -> exp.Expression:
    """A function call node (``exp.Anonymous``), for functions sqlglot does not model."""
    return exp.Anonymous(this=name, expressions=list(args))


def lam(var: str, body: exp.Expression) -> exp.Lambda:
    return exp.Lambda(this=body, expressions=[exp.to_identifier(var)])


@dataclass(frozen=True)
class Dialect:
    """One SQL engine: its sqlglot dialect name and its spelling of the non-portable parts."""

    name: str  # "duckdb" or "spark"

    def render(self, node: exp.Expression) -> str:
        return node.sql(dialect=self.name)

    # -- time ---------------------------------------------------------------------

    def local_day_us(self, instant: exp.Expression, zone: exp.Expression) -> exp.Expression:
        """Microseconds after local midnight of an instant in an IANA zone (a column or
        literal), to the minute: the bands it is compared with start and end on whole minutes."""
        if self.name == "duckdb":
            local = call("timezone", zone, instant)
        else:  # Spark: a TIMESTAMP is an instant; from_utc_timestamp shows it in the zone (session zone UTC)
            local = call("from_utc_timestamp", instant, zone)
        minutes = exp.cast(call("hour", local) * exp.Literal.number(60) + call("minute", local), "BIGINT")  # Spark's INT would overflow
        return exp.Paren(this=minutes * exp.Literal.number(60_000_000))

    def epoch_us(self, instant: exp.Expression) -> exp.Expression:
        return call("epoch_us" if self.name == "duckdb" else "unix_micros", instant)

    # -- lists ----------------------------------------------------------------------

    def any_in(self, items: exp.Expression, var: str, body: exp.Expression) -> exp.Expression:
        """Whether ``body`` holds for some element of a list (false for an absent or empty list)."""
        if self.name == "duckdb":
            test = call("list_bool_or", call("list_transform", items, lam(var, body)))
        else:
            test = call("exists", items, lam(var, body))
        # most tickets have no list: a CASE skips the lambda for them
        return case([(exp.Is(this=items.copy(), expression=exp.null()), exp.false())], exp.Coalesce(this=test, expressions=[exp.false()]))

    def all_in(self, items: exp.Expression, var: str, body: exp.Expression) -> exp.Expression:
        """Whether ``body`` holds for every element (true for an empty list; NULL for an absent one)."""
        if self.name == "duckdb":
            return exp.Coalesce(this=call("list_bool_and", call("list_transform", items, lam(var, body))), expressions=[exp.true()])
        return call("forall", items, lam(var, body))

    def compact(self, items: list[exp.Expression]) -> exp.Expression:
        """A list of the non-NULL strings among ``items``, in order."""
        x = exp.column("__x")
        array = exp.Array(expressions=items) if items else exp.cast(exp.Array(expressions=[]), "ARRAY<VARCHAR>" if self.name == "spark" else "VARCHAR[]")
        if not items:
            return array
        return call("list_filter" if self.name == "duckdb" else "filter", array, lam("__x", exp.not_(exp.Is(this=x, expression=exp.null()))))

    def list_size(self, items: exp.Expression) -> exp.Expression:
        return call("len" if self.name == "duckdb" else "size", items)

    def has_any(self, items: exp.Expression, members: list[exp.Expression]) -> exp.Expression:
        array = exp.Array(expressions=members)
        test = call("list_has_any", items, array) if self.name == "duckdb" else call("arrays_overlap", items, array)
        return exp.Coalesce(this=test, expressions=[exp.false()])

    def join(self, items: exp.Expression, sep: str) -> exp.Expression:
        if self.name == "duckdb":
            return call("array_to_string", items, exp.Literal.string(sep))
        return call("array_join", items, exp.Literal.string(sep))

    def lookup(self, items: exp.Expression, index: exp.Expression) -> exp.Expression:
        """The ``index``-th (from 1) element of a list; the compiler keeps every index in range
        (Spark's ANSI mode raises on one outside)."""
        if self.name == "duckdb":
            return call("list_extract", items, index)
        return call("element_at", items, exp.cast(index, "INT"))  # Spark wants an INT index

    def labels(self, items: list[str | None], domain: tuple[str, ...]) -> exp.Expression:
        """A constant list of labels (level or table ids; NULL where none): on DuckDB typed as an
        ENUM of ``domain``, so a lookup yields the output's dictionary-coded column directly
        (casting text to an ENUM per row cost as much as the lookup, measured 2026-12-01)."""
        array = exp.Array(expressions=[exp.null() if v is None else exp.Literal.string(v) for v in items])
        if self.name != "duckdb":
            return array
        enum = exp.DataType(this=exp.DataType.Type.ENUM, expressions=[exp.Literal.string(v) for v in domain])
        return exp.Cast(this=array, to=exp.DataType(this=exp.DataType.Type.ARRAY, expressions=[enum], nested=True))

    # -- text -----------------------------------------------------------------------

    def enum_type(self, values: tuple[str, ...]) -> exp.DataType:
        """The typed column of a field with these values: on DuckDB an ``ENUM`` in byte order
        (so an ordering comparison, which DuckDB makes on the text, and the members' order
        agree), elsewhere text."""
        if self.name != "duckdb":
            return exp.DataType.build("STRING")
        return exp.DataType(this=exp.DataType.Type.ENUM, expressions=[exp.Literal.string(v) for v in sorted(set(values))])

    def enum_value(self, text: exp.Expression, values: tuple[str, ...]) -> exp.Expression:
        """``text`` as one of ``values`` (exactly: case and spaces count), NULL when it is none.

        On DuckDB it is typed as the ``ENUM``: the rules then compare a one-byte code where
        they compared text (``environment = 'production'`` on every row: 13 % of the
        evaluation alone, measured 2026-12-02). A ``CASE`` yielding each member as a constant
        of the type does it at 13 ms a million rows; ``TRY_CAST`` to the ``ENUM`` took 29 ms
        for two members and 8.7 µs a row for 600 (DuckDB 2.0), so it is kept for enums too
        long to spell the type once per member."""
        if self.name != "duckdb":
            return case([(exp.In(this=text, expressions=[exp.Literal.string(v) for v in values]), text.copy())])
        enum = self.enum_type(values)
        members = [v.name for v in enum.expressions]
        if len(members) > 16:
            return exp.TryCast(this=text, to=enum)
        return case([(exp.EQ(this=text.copy(), expression=exp.Literal.string(v)), exp.Cast(this=exp.Literal.string(v), to=enum.copy())) for v in members])

    def member(self, subject: exp.Expression, values: tuple[Any, ...], literal: Callable[[Any], exp.Expression] = exp.Literal.string) -> exp.Expression:
        """Whether a value is one of many constants (the 600 IANA zone names, a rule's ``in:``
        list); NULL for NULL. ``literal`` writes one constant (texts by default).

        Spark turns a long ``IN`` list into a hash set itself. DuckDB turns an ``IN`` of five
        or more constants into a join with the list, and a join does not keep the rows in
        input order (the JSONL path numbers records by their order, :mod:`.duck`); the join
        also cost 1 µs a row. On DuckDB this is a binary search instead, nested ``CASE`` s
        over the sorted values ending in one ``=``: ten comparisons, 0.23 s for 2,000,000
        texts against the join's 2.0 s (measured 2026-12-02). DuckDB compares ``VARCHAR`` s
        (and an ``ENUM`` with a text, as text) byte by byte, and UTF-8's byte order is
        Python's code point order; numbers compare as numbers in both.
        """
        distinct = set(values)
        texts = all(isinstance(v, str) for v in distinct)
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) and v == v for v in distinct)  # v == v: no NaN
        ordered = sorted(distinct) if texts or numbers else list(dict.fromkeys(values))
        if self.name != "duckdb" or len(ordered) < 5 or not (texts or numbers):
            return exp.In(this=subject, expressions=[literal(v) for v in ordered])

        def search(lo: int, hi: int) -> exp.Expression:
            if hi - lo == 1:
                return exp.EQ(this=subject.copy(), expression=literal(ordered[lo]))
            mid = (lo + hi) // 2
            below = exp.LT(this=subject.copy(), expression=literal(ordered[mid]))
            return case([(below, search(lo, mid))], search(mid, hi))

        return search(0, len(ordered))

    def strip(self, text: exp.Expression) -> exp.Expression:
        if self.name == "duckdb":
            trimmed = call("trim", text, exp.Literal.string(_WHITESPACE))
        else:
            trimmed = exp.Trim(this=text, expression=exp.Literal.string(_WHITESPACE), position="BOTH")
        # trimming with a character set is slow; most text has nothing to trim
        edge = r"^[ \t\n\r\x0B\x0C]|[ \t\n\r\x0B\x0C]$"  # RE2 and Java read these escapes alike
        return case([(self.matches(text, edge), trimmed)], text)

    def matches(self, text: exp.Expression, pattern: str) -> exp.Expression:
        """Whether a regular expression matches somewhere in ``text`` (RE2 and Java agree on the ones used)."""
        return exp.RegexpLike(this=text, expression=exp.Literal.string(pattern))

    def length(self, text: exp.Expression) -> exp.Expression:
        return call("length", text)

    @property
    def wide_int(self) -> str:
        """An integer type that holds a product of two 64-bit counts."""
        return "HUGEINT" if self.name == "duckdb" else "DECIMAL(38, 0)"

    @property
    def instant_type(self) -> str:
        return "TIMESTAMPTZ" if self.name == "duckdb" else "TIMESTAMP"


DUCKDB = Dialect("duckdb")
SPARK = Dialect("spark")


# Connectives without sqlglot's defensive deep copy: the compiler builds fresh trees, and a
# ruleset's thousand rows would otherwise copy every subtree once per level of nesting.
def and_(*parts: exp.Expression) -> exp.Expression:
    return exp.and_(*parts, copy=False)


def or_(*parts: exp.Expression) -> exp.Expression:
    return exp.or_(*parts, copy=False)


def not_(part: exp.Expression) -> exp.Expression:
    return exp.not_(part, copy=False)


def least(parts: list[exp.Expression]) -> exp.Expression:
    """``LEAST`` of values that are never NULL (so without sqlglot's NULL guard per call)."""
    return parts[0] if len(parts) == 1 else exp.Least(this=parts[0], expressions=parts[1:], ignore_nulls=True)


def greatest(parts: list[exp.Expression]) -> exp.Expression:
    """``GREATEST`` of values that are never NULL."""
    return parts[0] if len(parts) == 1 else exp.Greatest(this=parts[0], expressions=parts[1:], ignore_nulls=True)


def case(pairs: list[tuple[exp.Expression, exp.Expression]], default: exp.Expression | None = None, subject: exp.Expression | None = None) -> exp.Case:
    """``CASE [subject] WHEN … THEN … [ELSE …] END``, built without copying its parts."""
    ifs = [exp.If(this=when, true=then) for when, then in pairs]
    return exp.Case(this=subject, ifs=ifs, default=default)


def alias(node: exp.Expression, name: str) -> exp.Alias:
    """``node AS "name"`` (no copy)."""
    return exp.Alias(this=node, alias=exp.to_identifier(name, quoted=True))


def select(columns: list[exp.Expression], source: str | exp.Expression) -> exp.Select:
    """``SELECT columns FROM source`` (a CTE name or a subquery), built without copies."""
    table = exp.to_table(source) if isinstance(source, str) else source
    return exp.Select(expressions=columns, from_=exp.From(this=table))
