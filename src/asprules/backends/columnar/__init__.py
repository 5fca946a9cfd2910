"""The columnar backend: a grading ruleset compiled to SQL, run over whole ticket histories.

``rules`` compiles the engine's grading evaluator into SQL expressions (sqlglot syntax
trees); ``columns`` turns raw incident columns into typed ones, the typed facts' checks
written as columns; ``duck`` runs both on embedded DuckDB over Parquet, CSV, JSONL or
Arrow data; ``spark`` applies the same expressions to a Spark DataFrame. DuckDB, sqlglot,
pyarrow and pyspark are imported only inside this package (``pip install
'asprules[columnar]'``, ``'asprules[spark]'``), so ``import asprules`` stays fast.

    >>> import asprules
    >>> from asprules.backends import columnar
    >>> grader = columnar.grader(asprules.load_rulesets())
    >>> grader.compiled.ruleset_id
    'asp-handbook-grading'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ...engine.grading import GradingEvaluator
from ...engine.rulebook import Rulebook


def _evaluator(rules: Rulebook | GradingEvaluator, decision: str | None) -> GradingEvaluator:
    if isinstance(rules, GradingEvaluator):
        return rules
    return rules.decision(decision)


def grader(rules: Rulebook | GradingEvaluator, *, decision: str | None = None, **options: Any):
    """A :class:`~.duck.DuckGrader` for one grading ruleset (compiled once, reusable).

    ``decision`` names the grading ruleset when the rulebook holds several; ``threads``
    caps DuckDB's threads; ``extra_columns="ignore"`` leaves out columns the incident does
    not have (default: refuse them, naming each). A feature the SQL compiler cannot express
    raises :class:`~asprules.errors.BackendUnavailable` naming the rule.
    """
    from .duck import DuckGrader

    return DuckGrader(_evaluator(rules, decision), **options)


def regrade_file(
    source: str | Path,
    output: str | Path,
    rules: Rulebook | GradingEvaluator,
    *,
    decision: str | None = None,
    errors: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    input_format: str | None = None,
    output_format: str | None = None,
    **options: Any,
):
    """Grade every incident of a Parquet, CSV or JSONL file into ``output`` (Parquet, CSV or
    JSONL by its suffix); rows that fail the incident's checks go to ``errors`` (default:
    ``OUTPUT-stem.errors.jsonl``) with their row number and every problem. Returns the
    :class:`~.duck.Summary` (rows, graded, invalid, count per level)."""
    return grader(rules, decision=decision, **options).regrade_file(
        source, output, errors=errors, progress=progress, input_format=input_format, output_format=output_format
    )


def regrade_table(data: Any, rules: Rulebook | GradingEvaluator, *, decision: str | None = None, **options: Any):
    """Grade an Arrow table, a pandas or a polars DataFrame: ``(decided, invalid)``, two
    ``pyarrow.Table`` s (``invalid`` has ``row``, ``id``, ``problems``)."""
    return grader(rules, decision=decision, **options).regrade_table(data)


@dataclass
class CorpusLevels:
    """A corpus graded under two rulesets (:func:`corpus_replay`)."""

    total: int  # rows graded under both
    changed: list[tuple[int, str, str, str]]  # (row, id, old level, new level) where they differ, in row order
    refused: list[tuple[int, str | None, list[str]]]  # (row, id, problems) a side refused, old side's problems first


def corpus_replay(old: Rulebook | GradingEvaluator, new: Rulebook | GradingEvaluator, source: str | Path, *, decision: str | None = None) -> CorpusLevels:
    """Grade every incident of a Parquet, CSV or JSONL file under both rulesets: the rows
    graded under both, those whose level differs, and those either side refuses (the
    incident's checks fail, or the engine's evaluation error) with their problems.
    :class:`~asprules.errors.BackendUnavailable` when a ruleset does not compile,
    :class:`~asprules.errors.FactError` when the file's columns do not fit the incident."""
    import json
    import tempfile

    old_grader, new_grader = grader(old, decision=decision), grader(new, decision=decision)
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "old.parquet", Path(tmp) / "new.parquet"
        refused: dict[int, tuple[str | None, list[str]]] = {}
        for side, out in ((new_grader, b), (old_grader, a)):  # the old side's problems win
            errors = Path(tmp) / f"{out.stem}.errors.jsonl"
            if side.regrade_file(source, out, errors=errors).invalid:
                with errors.open(encoding="utf-8") as fh:
                    for line in fh:
                        row = json.loads(line)
                        refused[row["row"]] = (row["id"], row["problems"])
        con = old_grader.con
        query = (
            "SELECT a.row, a.id, CAST(a.level AS VARCHAR), CAST(b.level AS VARCHAR) FROM read_parquet(?) a JOIN read_parquet(?) b USING (row) "
            "WHERE CAST(a.level AS VARCHAR) <> CAST(b.level AS VARCHAR) ORDER BY a.row"
        )
        changed = [tuple(r) for r in con.execute(query, [str(a), str(b)]).fetchall()]
        total = con.execute("SELECT count(*) FROM read_parquet(?) a JOIN read_parquet(?) b USING (row)", [str(a), str(b)]).fetchone()[0]
    return CorpusLevels(total, changed, [(row, *refused[row]) for row in sorted(refused)])  # type: ignore[misc]


def corpus_levels(old: Rulebook | GradingEvaluator, new: Rulebook | GradingEvaluator, source: str | Path, *, decision: str | None = None):
    """The entry point for ``asprules diff --scenarios`` over a large corpus: grade every
    incident of a Parquet, CSV or JSONL file under both rulesets and return ``(total,
    changed)`` — the rows graded under both, and ``(row, id, old level, new level)`` for
    each whose level differs, in row order. Rows either side refuses are left out of both.
    :class:`~asprules.errors.BackendUnavailable` when a ruleset does not compile (the caller
    then falls back to the per-record path)."""
    found = corpus_replay(old, new, source, decision=decision)
    return found.total, found.changed


__all__ = ["CorpusLevels", "corpus_levels", "corpus_replay", "grader", "regrade_file", "regrade_table"]
