"""The columnar backend's expressions on Spark (local mode, one session for the module)
decide as the compiled backend does."""

from __future__ import annotations

import random
import shutil

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("duckdb")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java", allow_module_level=True)

import asprules  # noqa: E402
from asprules.backends.columnar.spark import grade_dataframe  # noqa: E402
from asprules.errors import FactError  # noqa: E402

from support import RULESETS, write  # noqa: E402
from test_codegen import CALENDAR, EVERYTHING, random_incident  # noqa: E402
from test_columnar import ARROW_SCHEMA, arrow_of, columnar_answers, expected, same  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("asprules-columnar-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


def frame(spark, facts):
    table = arrow_of(facts)
    return spark.createDataFrame(table.to_pylist(), schema=_spark_schema(table.schema))


def _spark_schema(schema):
    from pyspark.sql import types as T

    def convert(t):
        import pyarrow as pa

        if pa.types.is_timestamp(t):
            return T.TimestampType()
        if pa.types.is_int64(t):
            return T.LongType()
        if pa.types.is_float64(t):
            return T.DoubleType()
        if pa.types.is_boolean(t):
            return T.BooleanType()
        if pa.types.is_string(t):
            return T.StringType()
        if pa.types.is_list(t):
            return T.ArrayType(convert(t.value_type))
        if pa.types.is_struct(t):
            return T.StructType([T.StructField(f.name, convert(f.type)) for f in t])
        raise AssertionError(t)

    return T.StructType([T.StructField(f.name, convert(f.type)) for f in schema])


def test_spark_decides_as_the_compiled_backend_on_a_varied_corpus(spark, tmp_path):
    write(tmp_path, "grading.yaml", EVERYTHING)
    write(tmp_path, "calendar.yaml", CALENDAR)
    rng = random.Random(19)
    facts = [random_incident(rng, n) for n in range(300)]
    for rules in (asprules.load_rulesets(tmp_path),):
        df = frame(spark, facts).repartition(2)
        decided, invalid = grade_dataframe(df, rules)
        by_id = {r["id"]: r for r in decided.collect()}
        errors = {r["id"]: r for r in invalid.collect()}
        assert len(by_id) + len(errors) == len(facts)
        for fact in facts:
            want = expected(rules, fact)
            got = by_id.get(fact["id"]) or errors[fact["id"]]
            answer = columnar_answers(_one(got, "rows" in got), _empty()) if "rows" in got else None
            if answer is None:
                assert want[0] == "error" and any(want[1].split(" has ")[0] in p for p in got["problems"])
            else:
                assert same(want, answer[got["row"]])


def _one(row, decided):
    import pyarrow as pa

    return pa.Table.from_pylist([row.asDict()])


def _empty():
    import pyarrow as pa

    return pa.Table.from_pylist([], schema=pa.schema([("row", pa.int64()), ("id", pa.string()), ("problems", pa.list_(pa.string()))]))


def test_spark_rows_the_model_refuses_are_listed_with_their_problems(spark):
    from support import incident

    bad = incident(id="bad", affected_users_pct=120.0)
    decided, invalid = grade_dataframe(frame(spark, [incident(id="good"), bad]), asprules.load_rulesets(RULESETS))
    assert [r["id"] for r in decided.collect()] == ["good"]
    (row,) = invalid.collect()
    assert row["id"] == "bad" and row["problems"] == ["affected_users_pct: must be between 0 and 100"]


def test_spark_columns_of_the_wrong_type_are_a_typed_error(spark):
    from support import incident

    df = frame(spark, [incident()]).withColumn("affected_users", __import__("pyspark.sql.functions", fromlist=["lit"]).lit(1.5))
    with pytest.raises(FactError, match="column 'affected_users' is float"):
        grade_dataframe(df, asprules.load_rulesets(RULESETS))
