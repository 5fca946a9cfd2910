"""The columnar backend: a grading ruleset compiled to SQL, run over whole ticket histories.

``rules`` compiles the engine's grading evaluator into SQL expressions (sqlglot syntax
trees); ``columns`` turns raw incident columns into typed ones with the typed facts'
checks as columns; ``duck`` runs both on embedded DuckDB over Parquet, CSV, JSONL or Arrow
data; ``spark`` applies the same expressions to a Spark DataFrame. DuckDB, sqlglot,
pyarrow and pyspark are imported only here (``pip install 'asprules[columnar]'``,
``'asprules[spark]'``).
"""

from __future__ import annotations

from typing import Any

from ...engine.grading import GradingEvaluator


def grader(evaluator: GradingEvaluator, **options: Any):
    """A :class:`~.duck.DuckGrader` for one grading evaluator (compiled once, reusable)."""
    from .duck import DuckGrader

    return DuckGrader(evaluator, **options)
