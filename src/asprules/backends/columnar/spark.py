"""The columnar backend on Spark: the same compiled expressions over a Spark DataFrame.

:func:`grade_dataframe` plans the typed layer from the DataFrame's schema
(:mod:`.columns`), compiles the grading ruleset (:mod:`.rules`) with the Spark dialect and
applies each layer with ``selectExpr`` — the SQL text sqlglot renders from the same trees
DuckDB runs. Everything runs inside Spark SQL (Catalyst, code generation): the rules are
compiled once, on the driver, and executors need neither asprules nor Python workers.

On a cluster, the job (``spark-submit`` with ``asprules[columnar]`` installed on the
driver) reads the ruleset files on the driver, calls :func:`grade_dataframe`, and writes
both DataFrames; see docs/regrade.md. The session's time zone must be UTC (set here) so
that ``hour(from_utc_timestamp(…))`` reads the customer's wall clock.

Row numbers: Spark has no input order, so ``row`` is ``monotonically_increasing_id()`` — a
unique key per row, not a line number; ``id`` names the ticket.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from ...engine.grading import GradingEvaluator
from ...engine.rulebook import Rulebook
from ...errors import BackendUnavailable, Problem
from .columns import ColumnChecker, columns_source, problem_columns
from .dialects import SPARK, case, not_
from .rules import OUTPUT, compile_grading


def _normal(data_type) -> str:
    """A Spark SQL type, as the kinds :func:`.columns.columns_source` knows."""
    from pyspark.sql import types as T

    if isinstance(data_type, (T.ByteType, T.ShortType, T.IntegerType, T.LongType)):
        return "int"
    if isinstance(data_type, (T.FloatType, T.DoubleType, T.DecimalType)):
        return "float"
    if isinstance(data_type, T.BooleanType):
        return "bool"
    if isinstance(data_type, (T.StringType, T.NullType)):
        return "text"
    if isinstance(data_type, T.TimestampType):
        return "instant"
    if isinstance(data_type, (T.TimestampNTZType, T.DateType)):
        return "naive"
    if isinstance(data_type, T.ArrayType):
        inner = data_type.elementType
        if isinstance(inner, T.StructType) and {f.name: _normal(f.dataType) for f in inner.fields}.get("start") == "instant":
            return "periods"
        return f"array of {inner.simpleString()}"
    if isinstance(data_type, T.StructType):
        return "struct:" + ",".join(f"{f.name}={_normal(f.dataType)}" for f in data_type.fields)
    return data_type.simpleString()


def _zones(spark) -> tuple[str, ...]:
    import zoneinfo

    java = set(spark.sparkContext._jvm.java.time.ZoneId.getAvailableZoneIds())
    return tuple(sorted(java & zoneinfo.available_timezones()))


def _layer(df, columns: list[tuple[str, exp.Expression]], keep: bool = True):
    shown = [f"{SPARK.render(node)} AS `{name}`" for name, node in columns]
    return df.selectExpr(*(["*"] if keep else []), *shown)


def grade_dataframe(df, rules: Rulebook | GradingEvaluator, *, decision: str | None = None, extra_columns: str = "error") -> tuple[Any, Any]:
    """Grade a Spark DataFrame of incidents: ``(decided, invalid)`` DataFrames, lazily.

    ``decided`` has ``row``, ``id`` and the columns of :data:`~.rules.OUTPUT`; ``invalid``
    has ``row``, ``id`` and ``problems`` (every check the row fails, or the engine's
    evaluation error). Columns the incident cannot hold raise
    :class:`~asprules.errors.FactError` naming them, before Spark runs anything.
    """
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise BackendUnavailable("grading on Spark needs pyspark", [Problem(f"{exc}; install the extra: pip install 'asprules[spark]'")]) from None
    from ...facts.models import Incident

    evaluator = rules if isinstance(rules, GradingEvaluator) else rules.decision(decision)
    if evaluator.ctx.schema is not None and evaluator.ctx.schema.model is not Incident:
        raise BackendUnavailable(f"the columnar backend grades the handbook's incident only; {evaluator.ref.id!r} decides on another fact kind")
    spark = df.sparkSession
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    types = {f.name: _normal(f.dataType) for f in df.schema.fields}
    source = columns_source(types, "<dataframe>", extra=extra_columns)  # type: ignore[arg-type]
    compiled = compile_grading(evaluator, SPARK)
    typed, problems = ColumnChecker(source, SPARK, _zones(spark)).layer()
    valid, problem_text = problem_columns(problems, SPARK)
    ident = exp.cast(source.fields["id"][0], "STRING") if "id" in source.fields else exp.null()
    raw = df.selectExpr("monotonically_increasing_id() + 1 AS `__row`", "*")
    checked = _layer(raw, [("__valid", valid)])
    typed_df = _layer(checked, [("__row", exp.column("__row", quoted=True)), ("__id", ident), *typed, ("__valid", exp.column("__valid", quoted=True)), ("__problems", problem_text)], keep=False)
    graded = typed_df
    for layer in compiled.layers:
        graded = _layer(graded, layer)
    invalid = case(
        [
            (not_(exp.column("__valid", quoted=True)), exp.column("__problems", quoted=True)),
            (not_(exp.Is(this=exp.column("__eval_error", quoted=True), expression=exp.null())), exp.column("__eval_error", quoted=True)),
        ]
    )
    names = [n for n in OUTPUT if n != "score" or compiled.banded]
    out = _layer(graded, [("row", exp.column("__row", quoted=True)), ("id", exp.column("__id", quoted=True)), *((n, exp.column(n, quoted=True)) for n in names), ("__invalid", invalid)], keep=False)
    decided = out.where("`__invalid` IS NULL").drop("__invalid")
    bad = out.where("`__invalid` IS NOT NULL").selectExpr("row", "id", "split(`__invalid`, '\\\\x1f') AS problems")
    return decided, bad
