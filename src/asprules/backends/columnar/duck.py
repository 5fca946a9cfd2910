"""Re-grading on embedded DuckDB: files or Arrow-compatible tables in, decisions out, streaming.

One query per run: the raw records → the typed columns and their problems
(:mod:`.columns`) → the grading layers (:mod:`.rules`) → the output columns. Rows are
numbered by Parquet's reader, or for CSV and JSONL as they stream out in input order
(:meth:`DuckGrader.batches`), so that those readers run on every core. The
result is read back in Arrow record batches and split: valid rows go to the output, rows
with problems (or an evaluation error, e.g. a ``unique`` table matched twice) to the errors
output with their row number and every problem. Nothing holds the whole input: memory stays
flat however long the file is.
"""

from __future__ import annotations

import json
import os
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Literal

from sqlglot import exp

from ...engine.grading import GradingEvaluator
from ...errors import BackendUnavailable, FactError, Problem
from ...i18n import DEFAULT_LANGUAGE, error, problem, said
from ...i18n import text as say
from .columns import PROBLEM_SEPARATOR, TOP_LEVEL, ColumnChecker, Source, columns_source, json_fields_layer, json_source, problem_columns
from .dialects import DUCKDB, alias, call, case, lam, not_, select
from .rules import OUTPUT, CompiledGrading, compile_grading

Format = Literal["parquet", "csv", "jsonl"]
FORMATS: dict[str, Format] = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
BATCH_ROWS = 1 << 17
ERROR_COLUMNS = ("row", "id", "problems")


def duckdb_module():
    try:
        import duckdb  # noqa: F401  (the columnar extra)
    except ImportError as exc:
        raise BackendUnavailable(
            "the columnar backend needs DuckDB", [Problem(f"{exc}; install the extra: pip install 'asprules[columnar]'")]
        ) from None
    return duckdb


def format_of(path: str | Path, given: str | None = None) -> Format:
    if given:
        if given not in ("parquet", "csv", "jsonl"):
            raise error(FactError, "unknown_table_format", [problem("table_formats")], format=given)
        return given  # type: ignore[return-value]
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        got = repr(suffix) if suffix else said("problem.no_suffix")
        raise error(FactError, "unknown_table_suffix", [problem("name_the_suffix", file=str(path), got=got)], file=str(path))
    return FORMATS[suffix]


def _sniff(path: Path, fmt: Format) -> None:
    """The file is what its name says, before DuckDB reads a byte of it (no engine traceback)."""
    if not path.is_file():
        raise error(FactError, "table_not_found", [problem("os_error.ENOENT", file=str(path))], file=str(path))
    with path.open("rb") as fh:
        head = fh.read(4096)
        if fmt == "parquet" and path.stat().st_size >= 8:
            fh.seek(-4, os.SEEK_END)
            tail = fh.read(4)
        else:
            tail = b""
    if fmt == "parquet":
        if not (head[:4] == b"PAR1" and tail == b"PAR1"):
            raise error(FactError, "not_parquet", [problem("parquet_magic", file=str(path), line=1)], file=str(path))
        return
    if head[:4] == b"PAR1" or b"\x00" in head:
        raise error(FactError, "not_text_table", [problem("binary_data", file=str(path), line=1)], file=str(path), format=fmt.upper())
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the 4 KiB boundary
            raise error(FactError, "not_utf8_table", [problem("undecodable_byte", file=str(path), line=1, start=exc.start, reason=exc.reason)], file=str(path)) from None
    if fmt == "jsonl":
        first = head.lstrip()[:1]
        if first and first != b"{":
            raise error(FactError, "not_json_lines", [problem("first_record_brace", file=str(path), line=1)], file=str(path))


def _lit(text: str) -> str:
    return exp.Literal.string(text).sql(dialect="duckdb")


def _raw_sql(path: Path, fmt: Format, numbered: bool = True) -> str:
    """The file's records as DuckDB reads them, with their record numbers (``__row``, from 1)
    or, ``numbered=False`` (CSV and JSONL), without: see :meth:`DuckGrader.batches`."""
    p = _lit(str(path))
    number = "row_number() OVER () AS __row, " if numbered else ""
    if fmt == "parquet":
        return f"SELECT file_row_number + 1 AS __row, * EXCLUDE (file_row_number) FROM read_parquet({p}, file_row_number = true)"
    if fmt == "csv":
        return f"SELECT {number}* FROM read_csv({p}, header = true, all_varchar = true, auto_detect = true)"
    columns = "{" + ", ".join(f"{_lit(name)}: 'JSON'" for name in TOP_LEVEL) + "}"
    records = (
        f"SELECT {number}* FROM read_json({p}, format = 'newline_delimited', columns = {columns}, "
        "maximum_object_size = 16777216)"
    )
    query = records
    for layer in json_fields_layer(numbered):
        query = f"SELECT {', '.join(e.sql(dialect='duckdb') for e in layer)} FROM ({query})"
    return query


# Physical operators that keep their input's order (DuckDB's order preservation: a SELECT
# over one table function, its WHERE, and the CTEs and subqueries made of them); a plan
# with any other operator (a join, an aggregate, a window) is numbered in SQL.
_ORDER_KEEPING = frozenset({"PROJECTION", "FILTER", "READ_JSON", "READ_CSV", "READ_CSV_AUTO"})


def _json_records(con, path: Path) -> tuple[dict[str, int], int | None]:
    """Every record's top-level keys the incident does not have, each with the first record
    that has it, and the first record that is not a JSON object — over the whole file.
    ``read_json`` with declared columns drops other keys silently (a sample of the first
    records missed a key first given in record 30,000), and the model refuses them. One
    parallel pass of DuckDB's JSON parser over the file, which only asks whether there is
    any such record: about 0.9 s of CPU per million records (2026-12-02), against 2.3 s for
    ``read_json``'s detection over the whole file and 2.8 s for taking each record's keys
    apart in the main query. Only when there is one does a second pass number the records
    (``row_number()`` keeps the reader in order: 1.6 s of wall time per million)."""
    record, row, key = exp.column("json"), exp.column("__row"), exp.column("__key")
    reader = call(
        "read_json_objects",
        exp.Literal.string(str(path)),
        exp.EQ(this=exp.column("format"), expression=exp.Literal.string("newline_delimited")),
        exp.EQ(this=exp.column("maximum_object_size"), expression=exp.Literal.number(16777216)),
    )
    numbered = select([alias(exp.Window(this=exp.RowNumber()), "__row"), record], exp.Table(this=reader))
    known = exp.Array(expressions=[exp.Literal.string(k) for k in TOP_LEVEL])
    unknown = call("list_filter", call("json_keys", record.copy()), lam("__k", not_(call("list_contains", known, exp.column("__k")))))
    is_object = call("starts_with", record.copy(), exp.Literal.string("{"))
    anything = select(
        [call("bool_or", not_(is_object.copy())), call("bool_or", exp.GT(this=call("len", unknown.copy()), expression=exp.Literal.number(0)))],
        exp.Table(this=reader.copy()),
    )
    if not any(con.execute(anything.sql(dialect="duckdb")).fetchall()[0]):
        return {}, None
    # a record that is not an object gives one NULL key
    keys = case([(is_object, unknown)], exp.Array(expressions=[exp.null()]))
    exploded = select([row, alias(exp.Unnest(expressions=[keys]), "__key")], exp.Subquery(this=numbered))
    query = select([key.copy(), exp.Min(this=row.copy())], exp.Subquery(this=exploded)).group_by(key.copy(), copy=False)
    found = con.execute(query.sql(dialect="duckdb")).fetchall()
    return {k: r for k, r in found if k is not None}, next((r for k, r in found if k is None), None)


def _normal(ty) -> str:
    """A DuckDB column type, as the kinds :func:`.columns.columns_source` knows."""
    ident = ty.id
    if ident in ("tinyint", "smallint", "integer", "bigint", "hugeint", "utinyint", "usmallint", "uinteger", "ubigint", "uhugeint"):
        return "int"
    if ident in ("float", "double", "decimal"):
        return "float"
    if ident == "boolean":
        return "bool"
    if ident in ("varchar", '"null"', "null"):  # an all-NULL Arrow column: absent everywhere, as text
        return "text"
    if ident == "enum":
        return "enum"
    if ident == "timestamp with time zone":
        return "instant"
    if ident in ("timestamp", "timestamp_ns", "timestamp_ms", "timestamp_s", "date"):
        return "naive"
    if ident == "list":
        child = ty.child
        if child.id in ('"null"', "null"):  # lists that are all empty (Arrow infers no element type)
            return "text"
        if child.id == "struct":
            inner = {k: _normal(v) for k, v in child.children}
            if inner.get("start") == "instant" and inner.get("end") == "instant":
                return "periods"
        return f"list of {child}"
    if ident == "struct":
        return "struct:" + ",".join(f"{k}={_normal(v)}" for k, v in ty.children)
    return str(ty)


def _width(shown: str) -> int:
    """Columns a text takes on a terminal: a wide (CJK) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in shown)


def _pad(shown: str, width: int, right: bool = False) -> str:
    space = " " * max(0, width - _width(shown))
    return space + shown if right else shown + space


@dataclass
class Summary:
    """What a re-grade did: rows read, graded, invalid, and the count of each level."""

    ruleset: str
    sha256: str
    rows: int = 0
    graded: int = 0
    invalid: int = 0
    levels: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    output: str | None = None
    errors: str | None = None

    def table(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The summary table of levels, for people, in ``lang`` (level ids as the ruleset gives them)."""
        head = {k: say(f"regrade.{k}", lang) for k in ("level", "tickets", "share", "graded", "invalid")}
        width = max([_width(k) for k in self.levels] + [_width(head[k]) for k in ("level", "graded", "invalid")] + [7])
        lines = [f"{_pad(head['level'], width)}  {_pad(head['tickets'], 12, right=True)}  {_pad(head['share'], 7, right=True)}"]
        for level, count in self.levels.items():
            share = count / self.graded if self.graded else 0.0
            lines.append(f"{_pad(level, width)}  {count:>12,}  {share:>7.2%}")
        lines.append(f"{_pad(head['graded'], width)}  {self.graded:>12,}")
        see = say("regrade.see_errors", lang, file=self.errors) if self.invalid and self.errors else ""
        lines.append(f"{_pad(head['invalid'], width)}  {self.invalid:>12,}{see}")
        lines.append(say("regrade.ruleset", lang, ruleset=self.ruleset, sha256=f"{self.sha256[:12]}…", seconds=f"{self.seconds:.1f}"))
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "ruleset": {"id": self.ruleset, "sha256": self.sha256},
            "rows": self.rows, "graded": self.graded, "invalid": self.invalid,
            "levels": self.levels, "seconds": round(self.seconds, 3), "output": self.output, "errors": self.errors,
        }


class DuckGrader:
    """One grading ruleset compiled for DuckDB, ready to run over many inputs."""

    def __init__(self, evaluator: GradingEvaluator, *, threads: int | None = None, extra_columns: Literal["error", "ignore"] = "error"):
        schema = evaluator.ctx.schema
        from ...facts.models import Incident

        if schema is not None and schema.model is not Incident:
            raise BackendUnavailable(
                f"the columnar backend grades the handbook's incident only; ruleset {evaluator.ref.id!r} decides on {schema.id!r}",
                [Problem("grade a declared fact schema with the compiled backend")],
            )
        self.evaluator = evaluator
        self.compiled: CompiledGrading = compile_grading(evaluator, DUCKDB)
        self.extra_columns = extra_columns
        duckdb = duckdb_module()
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")  # instants compare as instants; local time only through timezone()
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.zones = _zones(self.con)
        # What every input of one shape shares, made once: writing the statement out took
        # 0.36 s and checking its plan 0.1-0.2 s per file (a 127 KB statement, 2026-12-02)
        self._graded_sql = self.compiled.sql(DUCKDB, source="__typed")
        self._statements: dict[tuple, str] = {}  # (source shape, numbered) → the statement after __raw
        self._keeps_order_of: dict[str, bool] = {}  # statement, its input named generically → whether its plan keeps order

    # -- the query ------------------------------------------------------------------

    def query(self, raw_sql: str, source: Source, numbered: bool = True) -> str:
        """The whole run as one DuckDB statement: raw → checked → typed → graded → output.
        ``numbered``: the raw relation has ``__row`` and the output its ``row`` column."""
        key = (_shape(source), numbered)
        after_raw = self._statements.get(key)
        if after_raw is None:
            if len(self._statements) >= _STATEMENTS_KEPT:
                self._statements.clear()
            after_raw = self._statements[key] = self._after_raw(source, numbered)
        return f"WITH __raw AS ({raw_sql}), {after_raw}"

    def _after_raw(self, source: Source, numbered: bool) -> str:
        row = [exp.column("__row", quoted=True)] if numbered else []
        checker = ColumnChecker(source, DUCKDB, self.zones, prepare=True)
        typed, problems = checker.layer()
        valid, problem_text = problem_columns(problems, DUCKDB)
        ident = source.json_strings["id"] if source.mode == "json" else _id_text(source)
        prepared: exp.Expression = exp.to_table("__raw")
        for columns in checker.prepared:  # each costly value once, before the checks and the typed columns read it
            prepared = exp.Subquery(this=select([exp.Star(), *(alias(node, name) for name, node in columns)], prepared))
        checked = select([exp.Star(), alias(valid, "__valid")], prepared)
        typed_select = select(
            [
                *row,
                alias(ident, "__id"),
                *(alias(node, name) for name, node in typed),
                exp.column("__valid", quoted=True),
                alias(problem_text, "__problems"),
            ],
            "__checked",
        )
        outputs = [alias(self._typed_output(name), name) for name in OUTPUT if name != "score" or self.compiled.banded]
        invalid = case(
            [
                (not_(exp.column("__valid", quoted=True)), exp.column("__problems", quoted=True)),
                (not_(exp.Is(this=exp.column("__eval_error", quoted=True), expression=exp.null())), exp.column("__eval_error", quoted=True)),
            ]
        )
        final = select(
            [*(alias(r.copy(), "row") for r in row), alias(exp.column("__id", quoted=True), "id"), *outputs, alias(invalid, "__invalid")],
            "__graded",
        )
        # the reader is DuckDB text of ours (file paths as quoted literals); the rest are sqlglot trees
        return (
            f"__checked AS ({checked.sql(dialect='duckdb')}), "
            f"__typed AS ({typed_select.sql(dialect='duckdb')}), __graded AS ({self._graded_sql}) {final.sql(dialect='duckdb')}"
        )

    def _typed_output(self, name: str) -> exp.Expression:
        """Output columns with few values as ENUMs: Arrow dictionaries, which Parquet writes
        (and readers read) as small integers rather than one string per ticket."""
        node = exp.column(name, quoted=True)
        values = {  # level, base_level and table come as ENUMs already (Dialect.labels)
            "ruleset": (self.compiled.ruleset_id,),
            "ruleset_sha256": (self.compiled.sha256,),
        }.get(name)
        if values is None:
            return node
        enum = exp.DataType(this=exp.DataType.Type.ENUM, expressions=[exp.Literal.string(v) for v in values])
        return exp.Cast(this=node, to=enum)

    def source_of(self, raw_sql: str, fmt: Format | None, file: str | None) -> Source:
        if fmt == "jsonl":
            if self.extra_columns == "error":
                try:
                    unknown, not_object = _json_records(self.con, Path(file or ""))
                except Exception as exc:
                    raise _failure(exc, file) from exc
                if not_object is not None:
                    raise error(FactError, "not_incident_records", [problem("record_not_object", file=file, record=not_object)], file=file)
                if unknown:
                    firsts = sorted(unknown, key=unknown.__getitem__)
                    raise error(FactError, "unknown_keys", [problem("unknown_key_first", (k,), file=file, key=repr(k), record=unknown[k]) for k in firsts], file=file)
            return json_source()
        try:
            rel = self.con.sql(f"SELECT * FROM ({raw_sql}) LIMIT 0")
        except Exception as exc:  # DuckDB's own reading error (a broken CSV header, a truncated Parquet footer)
            raise _failure(exc, file) from exc
        types = {n: _normal(t) for n, t in zip(rel.columns, rel.types) if n != "__row"}
        return columns_source(types, file, extra=self.extra_columns)

    # -- running --------------------------------------------------------------------

    def batches(self, raw_sql: str, fmt: Format | None, file: str | None, batch_rows: int = BATCH_ROWS, *, unnumbered_sql: str | None = None):
        """Arrow record batches of the query's result (valid and invalid rows together).

        ``unnumbered_sql``: the same records without ``__row``. ``row_number() OVER ()``
        keeps the reader and every layer above it on one thread (the JSONL statement took
        as much CPU as wall time, 2026-12-02); without it DuckDB reads and checks on every
        core and still hands the rows over in input order, as long as the plan is made of
        operators that keep order (:data:`_ORDER_KEEPING`; checked on the plan itself, the
        compiled rules may bring a join) — then each row's number is its place in the
        stream, counted here, the same number ``row_number()`` gave. Otherwise the records
        are numbered in SQL as before."""
        source = self.source_of(raw_sql, fmt, file)
        if unnumbered_sql is not None:
            sql = self.query(unnumbered_sql, source, numbered=False)
            if self._keeps_order(sql, file):
                return _numbered(self._stream(sql, file, batch_rows))
        return self._stream(self.query(raw_sql, source), file, batch_rows)

    def _stream(self, sql: str, file: str | None, batch_rows: int) -> Iterator[Any]:
        try:
            reader = self.con.sql(sql).to_arrow_reader(batch_rows)
        except Exception as exc:
            raise _failure(exc, file) from exc
        return _guarded(reader, file)

    def _keeps_order(self, sql: str, file: str | None) -> bool:
        """Whether DuckDB's physical plan for ``sql`` hands rows over in input order, asked
        once per statement: its plan's operators follow from the statement, not from the
        file's size or contents (DuckDB picks joins and their order from statistics, and the
        statement has no join to pick)."""
        if not self.con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]:
            return False
        generic = sql.replace(_lit(file), "'<input>'") if file else sql
        known = self._keeps_order_of.get(generic)
        if known is None:
            if len(self._keeps_order_of) >= _STATEMENTS_KEPT:
                self._keeps_order_of.clear()
            known = self._keeps_order_of[generic] = self._plan_keeps_order(sql, file)
        return known

    def _plan_keeps_order(self, sql: str, file: str | None) -> bool:
        try:
            plan = json.loads(self.con.execute(f"EXPLAIN (FORMAT json) {sql}").fetchall()[0][1])
        except Exception as exc:
            raise _failure(exc, file) from exc
        names: set[str] = set()
        stack = list(plan)
        while stack:
            node = stack.pop()
            names.add(node.get("name", ""))
            stack += node.get("children", [])
        return names <= _ORDER_KEEPING

    def regrade_file(
        self,
        path: str | Path,
        output: str | Path,
        *,
        errors: str | Path | None = None,
        input_format: str | None = None,
        output_format: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Summary:
        """Grade every record of ``path`` into ``output``; invalid rows into ``errors``."""
        path, output = Path(path), Path(output)
        fmt = format_of(path, input_format)
        out_fmt = format_of(output, output_format)
        errors = Path(errors) if errors else default_errors_path(output)
        _sniff(path, fmt)
        started = time.perf_counter()
        unnumbered = _raw_sql(path, fmt, numbered=False) if fmt in ("csv", "jsonl") else None
        batches = _read_ahead(self.batches(_raw_sql(path, fmt), fmt, str(path), unnumbered_sql=unnumbered))
        summary = Summary(self.compiled.ruleset_id, self.compiled.sha256, output=str(output), errors=str(errors))
        write_split(batches, output, out_fmt, errors, summary, self.compiled.levels, progress)
        summary.seconds = time.perf_counter() - started
        return summary

    def regrade_table(self, data: Any) -> tuple[Any, Any]:
        """Grade an Arrow table (or record batch reader, pandas or polars frame): the decided
        rows and the invalid rows, as two ``pyarrow.Table`` s."""
        import pyarrow as pa

        arrow = to_arrow(data)
        self.con.register("__input", arrow)
        try:
            raw = "SELECT row_number() OVER () AS __row, * FROM __input"
            batches = list(self.batches(raw, None, "<table>"))
        finally:
            self.con.unregister("__input")
        if not batches:
            return _empty_outputs(self.compiled)
        table = pa.Table.from_batches(batches)
        return _split_table(table)


_STATEMENTS_KEPT = 16  # statements (and plan verdicts) a grader keeps, one per shape of input


def _shape(source: Source) -> tuple:
    """What the statement over a source depends on: where each field comes from, and as what."""
    return (
        source.mode,
        tuple((path, node.sql(dialect="duckdb"), kind) for path, (node, kind) in source.fields.items()),
        tuple((name, node.sql(dialect="duckdb")) for name, node in source.record_columns.items()),
        tuple((path, node.sql(dialect="duckdb")) for path, node in source.json_strings.items()),
    )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _engine_error(exc: BaseException, file: str | None) -> FactError:
    return error(FactError, "table_unreadable", [problem("engine_said", file=file, message=_one_line(exc))], file=file or "—")


class GeneratedSQLError(RuntimeError):
    """DuckDB refused or failed the SQL asprules generated: a bug in asprules, not bad input
    (the command line reports it as an internal error, exit 3). Bad input is caught before:
    columns by :func:`.columns.columns_source`, rows by the validation columns."""


# DuckDB's errors about the data it reads; every other one is about the statement we wrote.
_INPUT_ERRORS = ("IOException", "InvalidInputException", "HTTPException", "PermissionException")
# The same errors met while Arrow batches stream come through pyarrow as OSError, their
# DuckDB kind at the start of the text ("Invalid Input Error: JSON transform error in file
# …, in line 30001"); a kind not listed here is DuckDB's word on our statement.
_INPUT_ERROR_TEXTS = ("IO Error:", "Invalid Input Error:", "HTTP Error:", "Permission Error:")
_DUCKDB_ERROR_TEXT = re.compile(r"^[A-Z][A-Za-z ]* Error: ")


def _failure(exc: BaseException, file: str | None) -> Exception:
    """A DuckDB error as ours: a file it cannot read (malformed JSON, a broken Parquet footer)
    is a :class:`FactError` naming the file; an error in the generated statement (a binder,
    catalog or conversion error) is a :class:`GeneratedSQLError`."""
    duckdb = duckdb_module()
    reading = tuple(getattr(duckdb, name) for name in _INPUT_ERRORS if hasattr(duckdb, name))
    if isinstance(exc, reading) or type(exc) is duckdb.Error:  # the bare Error: Parquet's footer and page errors
        return _engine_error(exc, file)
    through_arrow = isinstance(exc, OSError) and _DUCKDB_ERROR_TEXT.match(str(exc))  # DuckDB's error, through pyarrow's stream
    if through_arrow and str(exc).startswith(_INPUT_ERROR_TEXTS):
        return _engine_error(exc, file)
    if through_arrow or isinstance(exc, duckdb.Error):
        return GeneratedSQLError(f"DuckDB failed on the SQL asprules generated for {file or 'the input'}: {_one_line(exc)}")
    return exc  # not DuckDB's (KeyboardInterrupt is not an Exception)


def _guarded(reader, file: str | None) -> Iterator[Any]:
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except Exception as exc:  # a malformed record DuckDB's reader stops at, or a bug of ours
            raise _failure(exc, file) from exc
        yield batch


def _numbered(batches: Iterator[Any]) -> Iterator[Any]:
    """Each batch with its rows' numbers in front (``row``, from 1, in the order they come)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    field = pa.field("row", pa.int64())
    counts = pa.array([], pa.int64())
    first = 1
    for batch in batches:
        n = batch.num_rows
        if n > len(counts):  # 0, 1, 2, … made by Arrow once, not by a Python range per batch
            counts = pc.subtract(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), n)), 1)
        rows = pc.add(counts.slice(0, n), first)
        yield pa.RecordBatch.from_arrays([rows, *batch.columns], schema=batch.schema.insert(0, field))
        first += n


def _read_ahead(batches: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """The batches, read on a thread of their own while the caller writes the one before
    (DuckDB's reader and pyarrow's writers release the GIL): writing Parquet took as long
    as the query, one after the other (measured 2026-12-01, 1,000,000 rows)."""
    import queue
    import threading

    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def hand(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for batch in batches:
                if not hand(batch):
                    return
        except BaseException as exc:  # re-raised on the caller's thread
            hand(exc)
            return
        hand(end)

    reader = threading.Thread(target=read, name="asprules-regrade-read", daemon=True)
    reader.start()
    try:
        while True:
            item = ready.get()
            if item is end:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


def _id_text(source: Source) -> exp.Expression:
    found = source.fields.get("id")
    if found is None:
        return exp.null()
    return exp.cast(found[0], "VARCHAR")


def _zones(con) -> tuple[str, ...]:
    """IANA zones both Python's zoneinfo and DuckDB's ICU know (the model checks with zoneinfo)."""
    import zoneinfo

    icu = {row[0] for row in con.execute("SELECT name FROM pg_timezone_names()").fetchall()}
    return tuple(sorted(icu & zoneinfo.available_timezones()))


def default_errors_path(output: Path) -> Path:
    return output.with_name(output.name.rsplit(".", 1)[0] + ".errors.jsonl")


def to_arrow(data: Any) -> Any:
    """An Arrow table or stream from Arrow, pandas or polars data."""
    import pyarrow as pa

    if isinstance(data, (pa.Table, pa.RecordBatchReader)):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    module = type(data).__module__.split(".")[0]
    if module == "polars":
        return data.to_arrow()
    if module == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False)
    if hasattr(data, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(data)
    raise error(FactError, "not_a_table", [problem("table_kinds", got=type(data).__name__)])


def _split_table(table):
    import pyarrow.compute as pc

    invalid = pc.is_valid(table.column("__invalid"))
    good = table.filter(pc.invert(invalid)).drop_columns(["__invalid"])
    bad = table.filter(invalid).select(["row", "id", "__invalid"]).rename_columns(list(ERROR_COLUMNS))
    bad = bad.set_column(2, "problems", pc.split_pattern(bad.column("problems"), PROBLEM_SEPARATOR))
    return good, bad


def _empty_outputs(compiled: CompiledGrading):
    import pyarrow as pa

    fields = [("row", pa.int64()), ("id", pa.string()), ("level", pa.string()), ("base_level", pa.string()), ("major", pa.bool_()),
              ("table", pa.string()), ("rows", pa.string()), ("adjustments", pa.string())]
    if compiled.banded:
        fields.append(("score", pa.float64()))
    fields += [("ruleset", pa.string()), ("ruleset_sha256", pa.string())]
    errors = pa.schema([("row", pa.int64()), ("id", pa.string()), ("problems", pa.list_(pa.string()))])
    return pa.schema(fields).empty_table(), errors.empty_table()


def write_split(batches, output: Path, fmt: Format, errors: Path, summary: Summary, levels: tuple[str, ...], progress) -> None:
    """Stream batches into the output file and the errors file, counting levels on the way."""
    import pyarrow.compute as pc

    counts = {lv: 0 for lv in levels}
    writer = None
    err_fh = None
    tmp_out = output.with_name(output.name + ".partial")
    try:
        for batch in batches:
            invalid = pc.is_valid(batch.column("__invalid"))
            good = batch.filter(pc.invert(invalid)).drop_columns(["__invalid"]) if hasattr(batch, "drop_columns") else None
            if good is None:
                import pyarrow as pa

                t = pa.Table.from_batches([batch])
                good = t.filter(pc.invert(invalid)).drop_columns(["__invalid"])
            if writer is None:
                writer = _writer(tmp_out, fmt, good.schema)
            writer.write(good)
            if good.num_rows:
                for level, n in zip(*_value_counts(good.column("level"))):
                    counts[level] = counts.get(level, 0) + n
            bad_n = int(pc.sum(invalid.cast("int64")).as_py() or 0)
            if bad_n:
                bad = batch.filter(invalid)
                if err_fh is None:
                    err_fh = errors.open("w", encoding="utf-8")
                for row, ident, problems in zip(bad.column("row").to_pylist(), bad.column("id").to_pylist(), bad.column("__invalid").to_pylist()):
                    err_fh.write(json.dumps({"row": row, "id": ident, "problems": problems.split(PROBLEM_SEPARATOR)}, ensure_ascii=False) + "\n")
            summary.rows += batch.num_rows
            summary.graded += good.num_rows
            summary.invalid += bad_n
            if progress:
                progress(summary.rows)
        if writer is None:  # an empty input: still an output file, with its columns
            import pyarrow as pa

            writer = _writer(tmp_out, fmt, pa.schema([("row", pa.int64()), ("id", pa.string()), ("level", pa.string())]))
    finally:
        if writer is not None:
            writer.close()
        if err_fh is not None:
            err_fh.close()
    tmp_out.replace(output)
    if not summary.invalid and errors.exists():
        errors.unlink()  # a stale errors file from an earlier run would mislead
    summary.levels = {k: v for k, v in counts.items()}


def _value_counts(column):
    import pyarrow.compute as pc

    vc = pc.value_counts(column)
    return vc.field("values").to_pylist(), vc.field("counts").to_pylist()


class _JsonlWriter:
    def __init__(self, path: Path):
        self.fh = path.open("w", encoding="utf-8")

    def write(self, table) -> None:
        for record in table.to_pylist():
            self.fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.fh.close()


class _ArrowWriter:
    def __init__(self, writer):
        self.writer = writer

    def write(self, table) -> None:
        if table.num_rows:
            self.writer.write(table)

    def close(self) -> None:
        self.writer.close()


def _writer(path: Path, fmt: Format, schema):
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return _ArrowWriter(pq.ParquetWriter(str(path), schema))
    if fmt == "csv":
        import pyarrow.csv as pcsv

        return _ArrowWriter(pcsv.CSVWriter(str(path), schema))
    return _JsonlWriter(path)
