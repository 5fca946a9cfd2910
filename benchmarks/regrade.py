"""Re-grading a ticket history: the columnar backend (DuckDB) against the per-record path.

Prints, from one run (ratios within the run; absolute rates move with the machine's load):

- per-record: ``asprules.grade_many`` over JSONL lines (json.loads + validation + grade),
  on a sample of the corpus;
- Parquet → Parquet and JSONL → Parquet with ``asprules regrade``'s code path, and JSONL
  with ``--ignore-extra-columns`` (no pass over every record's keys: what that check costs);
- the evaluation alone: the compiled grading over typed columns already in DuckDB, two threads,
  five statements a run, and the same grading written by hand as one DuckDB statement
  (``hand_written_sql``: what it leaves out is said there), its levels checked against the
  compiled ones; and what of each statement is fixed cost (the same statement over no rows);
- peak memory of a Parquet → Parquet run at a quarter of the corpus and at all of it
  (streaming: the two should be close);
- with ``--spark``: the same expressions on Spark local mode, 1 partition vs 2.

Every decision of the sample is checked against the per-record path first.

    python benchmarks/regrade.py --facts 1000000 --sample 50000 --repeat 3
    python benchmarks/regrade.py --facts 10000000 --memory-only   # flat memory at 10 M rows
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workload  # noqa: E402

import asprules  # noqa: E402
from asprules.backends import columnar  # noqa: E402

_FIELDS = (
    "id", "environment", "started_at", "recovered_at", "outage_minutes", "affected_users", "affected_users_pct",
    "affected_sites", "core_service", "data_loss", "security_breach", "vip_customer", "customer_complaint",
)


def write_corpus(folder: Path, count: int, chunk: int = 100_000, jsonl_too: bool = True) -> tuple[Path, Path]:
    """The same varied incidents as JSONL (ISO text) and Parquet (typed instants), in chunks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    jsonl, parquet = folder / "tickets.jsonl", folder / "tickets.parquet"
    instant = pa.timestamp("us", tz="UTC")
    schema = pa.schema(
        [("id", pa.string()), ("environment", pa.string()), ("started_at", instant), ("recovered_at", instant), ("outage_minutes", pa.float64()),
         ("affected_users", pa.int64()), ("affected_users_pct", pa.float64()), ("affected_sites", pa.int64()), ("core_service", pa.bool_()),
         ("data_loss", pa.bool_()), ("security_breach", pa.bool_()), ("vip_customer", pa.bool_()), ("customer_complaint", pa.bool_())]
    )
    stream = workload.stream_incident_dicts(count)
    with (jsonl if jsonl_too else Path(os.devnull)).open("w", encoding="utf-8") as out, pq.ParquetWriter(str(parquet), schema) as writer:
        done = 0
        while done < count:
            facts = [next(stream) for _ in range(min(chunk, count - done))]
            if jsonl_too:
                out.write("".join(json.dumps(f) + "\n" for f in facts))
            columns = {k: [f.get(k) for f in facts] for k in _FIELDS}
            for k in ("started_at", "recovered_at"):
                columns[k] = [None if v is None else datetime.fromisoformat(v).astimezone(timezone.utc) for v in columns[k]]
            writer.write_table(pa.table(columns, schema=schema), row_group_size=chunk)
            done += len(facts)
    return jsonl, parquet


def per_record(jsonl: Path, rules, sample: int) -> tuple[float, list[str]]:
    levels = []
    started = time.perf_counter()
    with jsonl.open(encoding="utf-8") as fh:
        lines = (json.loads(line) for line, _ in zip(fh, range(sample)))
        for decision in asprules.grade_many(lines, rules):
            levels.append(decision.level)
    return time.perf_counter() - started, levels


def typed_table(grader, parquet: Path) -> None:
    """The corpus's typed columns in a DuckDB table, as ``__typed`` (a view) for the grading.

    Only the columns the corpus has are stored: a field it lacks (``site``, ``as_of``, the
    whole customer) is a typed NULL constant in the view, as it is in ``regrade``'s own
    statement, where DuckDB folds the tests on it (a stored column of NULLs would be scanned
    and tested on every row: 3 of 57 ms at two threads, measured 2026-12-02)."""
    from asprules.backends.columnar.columns import INCIDENT, ColumnChecker
    from asprules.backends.columnar.duck import DUCKDB, _raw_sql
    from asprules.backends.columnar.rules import column_name

    con = grader.con
    raw = _raw_sql(parquet, "parquet")
    source = grader.source_of(raw, "parquet", str(parquet))
    query = grader.query(raw, source)
    checker = ColumnChecker(source, DUCKDB, grader.zones)
    absent = [s for s in INCIDENT if s.path not in source.fields]
    excluded = " EXCLUDE (" + ", ".join(f'"{column_name(s.path)}"' for s in absent) + ")" if absent else ""
    con.execute(f"CREATE OR REPLACE TABLE __typed_columns AS {query[: query.index(', __graded AS')]} SELECT *{excluded} FROM __typed")
    constants = "".join(f', CAST(NULL AS {checker.sql_type(s)}) AS "{column_name(s.path)}"' for s in absent)
    con.execute(f"CREATE OR REPLACE VIEW __typed AS SELECT *{constants} FROM __typed_columns")
    con.execute("CREATE OR REPLACE TABLE __typed_columns_empty AS SELECT * FROM __typed_columns LIMIT 0")
    con.execute(f"CREATE OR REPLACE VIEW __typed_empty AS SELECT *{constants} FROM __typed_columns_empty")


def evaluation_alone(grader, threads: int, times: int = 5, source: str = "__typed") -> list[float]:
    """Seconds to grade the typed columns :func:`typed_table` made (no reading, no checks,
    no writing), ``times`` times: one statement takes 50 ms, so one run is a few samples."""
    con = grader.con
    con.execute(f"SET threads = {threads}")
    graded = grader.compiled.sql(columnar.duck.DUCKDB, source=source)
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        con.execute(f"SELECT level, count(*) FROM ({graded}) GROUP BY level").fetchall()
        seconds.append(time.perf_counter() - started)
    return seconds


# The shipped grading written by hand as one DuckDB statement: both tables, the night band
# (Asia/Shanghai, fixed offset), the four adjustments in order with their caps and floor,
# the shipped calendar's periods. It leaves out what this corpus has none of — customers'
# zones and their own sensitive periods — and the other output columns (it yields the level
# only, which is what the timing counts), the deciding row and the no-table error.
_NIGHT = "(m >= 60 AND m < 360)"


def hand_written_sql(rules) -> str:
    from asprules.backends.columnar.dialects import DUCKDB
    from asprules.backends.columnar.rules import RuleCompiler

    # the shipped calendar's periods, merged, in epoch microseconds
    calendar = " OR ".join(f"(us >= {s} AND us < {e})" for s, e in RuleCompiler(rules.grading, DUCKDB)._calendar())
    production = (
        f"CASE WHEN core_service AND outage_minutes >= 60 AND affected_users_pct >= 30 AND NOT {_NIGHT} THEN 0"
        f" WHEN core_service AND outage_minutes >= 120 AND affected_users_pct >= 30 AND {_NIGHT} THEN 0"
        " WHEN affected_sites >= 10 AND outage_minutes >= 60 THEN 0 WHEN security_breach AND data_loss THEN 0"
        " WHEN core_service AND outage_minutes >= 30 AND affected_users_pct >= 10 THEN 1"
        " WHEN affected_users * (outage_minutes / 60) >= 50000 THEN 1 WHEN affected_sites >= 3 AND outage_minutes >= 30 THEN 1"
        " WHEN security_breach THEN 1 WHEN outage_minutes >= 30 AND affected_users_pct >= 5 THEN 2"
        " WHEN core_service AND outage_minutes >= 15 THEN 2 WHEN data_loss THEN 2"
        " WHEN affected_users * (outage_minutes / 60) >= 5000 THEN 2 ELSE 3 END"
    )
    office = (
        "CASE WHEN affected_users_pct >= 50 AND outage_minutes >= 240 THEN 1 WHEN security_breach THEN 1"
        " WHEN affected_users_pct >= 20 AND outage_minutes >= 120 THEN 2 WHEN data_loss THEN 2 ELSE 3 END"
    )
    return f"""
    WITH b AS (SELECT *, epoch_us(started_at) AS us, ((epoch_us(started_at) + 28800000000) // 60000000) % 1440 AS m FROM __typed),
    r0 AS (SELECT *, CASE WHEN environment = 'production' THEN {production} WHEN environment = 'office' THEN {office} END AS r FROM b),
    r1 AS (SELECT * REPLACE (CASE WHEN r <= 2 AND outage_minutes < 10 AND NOT data_loss AND NOT security_breach AND NOT customer_complaint
                                  THEN greatest(r, least(r + 1, 2)) ELSE r END AS r) FROM r0),
    r2 AS (SELECT * REPLACE (CASE WHEN r <= 2 AND ({calendar}) THEN least(r, greatest(r - 1, 0)) ELSE r END AS r) FROM r1),
    r3 AS (SELECT * REPLACE (CASE WHEN r <= 2 AND vip_customer THEN least(r, greatest(r - 1, 1)) ELSE r END AS r) FROM r2),
    r4 AS (SELECT * REPLACE (CASE WHEN r <= 2 AND customer_complaint THEN least(r, greatest(r - 1, 1)) ELSE r END AS r) FROM r3)
    SELECT CASE r WHEN 0 THEN 'L1' WHEN 1 THEN 'L2' WHEN 2 THEN 'L3' WHEN 3 THEN 'none' END AS level FROM r4"""


def hand_written(grader, rules, graded_levels: list | None = None, times: int = 5) -> list[float]:
    """Seconds for the hand-written statement over the same ``__typed``, ``times`` times; its
    levels are checked against the compiled ones first (``graded_levels``)."""
    con = grader.con
    query = f"SELECT level, count(*) FROM ({hand_written_sql(rules)}) GROUP BY level"
    if graded_levels is not None:
        assert sorted(con.execute(query).fetchall(), key=str) == graded_levels, "the hand-written grading disagrees with the compiled one"
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        con.execute(query).fetchall()
        seconds.append(time.perf_counter() - started)
    return seconds


def compiled_levels(grader) -> list:
    graded = grader.compiled.sql(columnar.duck.DUCKDB, source="__typed")
    return sorted(grader.con.execute(f"SELECT level, count(*) FROM ({graded}) GROUP BY level").fetchall(), key=str)


def peak_memory(parquet: Path, out: Path, rows: int) -> tuple[float, float]:
    """Peak RSS (MiB) and seconds of a fresh process re-grading the first ``rows`` rows
    (the input is cut beforehand by another process, so its memory is not counted)."""
    cut = f"{out}.in.parquet"
    subprocess.run(
        [sys.executable, "-c", f"import duckdb; duckdb.connect().execute(\"COPY (SELECT * FROM read_parquet('{parquet}') LIMIT {rows}) TO '{cut}' (FORMAT parquet)\")"],
        check=True,
    )
    code = (
        "import resource, time, asprules\n"
        "from asprules.backends import columnar\n"
        "started = time.perf_counter()\n"
        f"columnar.regrade_file('{cut}', '{out}', asprules.load_rulesets(), threads=2)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.perf_counter() - started)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rss, seconds = done.stdout.strip().splitlines()[-1].split()
    os.unlink(cut)
    return float(rss), float(seconds)


def spark_times(parquet: Path, rules, repeat: int = 1) -> dict[int, float]:
    from pyspark.sql import SparkSession

    from asprules.backends.columnar.spark import grade_dataframe

    times = {}
    for cores in (1, 2):
        spark = SparkSession.builder.master(f"local[{cores}]").config("spark.ui.enabled", "false").getOrCreate()
        df = spark.read.parquet(str(parquet)).repartition(cores)
        rows = df.cache().count()  # read once: the time is the grading's
        best = float("inf")
        for _ in range(repeat):
            # A new query each time, planned from the DataFrame: collecting one query twice
            # can reuse its shuffle's map output (skipped stages); with 2 partitions that
            # timed 1,000,000 rows in 0.2 s (2026-12-02).
            started = time.perf_counter()
            decided, _ = grade_dataframe(df, rules)
            graded = sum(r["count"] for r in decided.groupBy("level").count().collect())
            best = min(best, time.perf_counter() - started)
            assert graded == rows, f"Spark graded {graded:,} of {rows:,} rows"
        times[cores] = best
        spark.stop()
    return times


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000, help="incidents graded by the per-record path (its rate is taken on these)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="measure peak memory at a quarter and at all of the corpus")
    parser.add_argument("--spark", action="store_true", help="also time Spark local mode, 1 partition vs 2")
    parser.add_argument("--memory-only", action="store_true", help="only the memory runs (a Parquet corpus, no JSONL, no timings)")
    args = parser.parse_args(argv)
    rules = asprules.load_rulesets()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.memory_only:
            _, parquet = write_corpus(folder, args.facts, jsonl_too=False)
            return memory(parquet, folder, args.facts)
        jsonl, parquet = write_corpus(folder, args.facts)
        grader = columnar.grader(rules, threads=2)
        lenient = columnar.grader(rules, threads=2, extra_columns="ignore")  # the same without the pass over every record's keys
        # agreement first: the sample's levels from both paths
        _, reference = per_record(jsonl, rules, min(args.sample, args.facts))
        grader.regrade_file(parquet, folder / "out.parquet")
        import pyarrow.parquet as pq

        got = pq.read_table(folder / "out.parquet", columns=["level"]).column("level").to_pylist()[: len(reference)]
        assert got == reference, "the columnar backend disagrees with the per-record path"
        runs: dict[str, list[float]] = {"per-record (JSONL)": [], "Parquet -> Parquet": [], "JSONL -> Parquet": [], "JSONL, keys unchecked": [], "evaluation alone": [], "hand-written SQL": []}
        planning: list[float] = []  # the grading statement over no rows: parsing, binding, planning, starting threads
        for _ in range(args.repeat):
            seconds, _ = per_record(jsonl, rules, min(args.sample, args.facts))
            runs["per-record (JSONL)"].append(min(args.sample, args.facts) / seconds)
            for label, source, side in (("Parquet -> Parquet", parquet, grader), ("JSONL -> Parquet", jsonl, grader), ("JSONL, keys unchecked", jsonl, lenient)):
                started = time.perf_counter()
                summary = side.regrade_file(source, folder / "out.parquet")
                runs[label].append(summary.rows / (time.perf_counter() - started))
            typed_table(grader, parquet)
            runs["evaluation alone"] += [args.facts / t for t in evaluation_alone(grader, 2)]
            planning += evaluation_alone(grader, 2, source="__typed_empty")
            runs["hand-written SQL"] += [args.facts / t for t in hand_written(grader, rules, compiled_levels(grader) if not runs["hand-written SQL"] else None)]
        base = statistics.median(runs["per-record (JSONL)"])
        print(f"{args.facts:,} incidents (per-record path on {min(args.sample, args.facts):,}), {args.repeat} runs, {os.cpu_count()} cores")
        print(f"{'path':<22} {'min rows/s':>14} {'median rows/s':>14} {'ratio (median)':>15}")
        ratios = {}
        for label, rates in runs.items():
            med = statistics.median(rates)
            ratios[label] = med / base
            print(f"{label:<22} {min(rates):>14,.0f} {med:>14,.0f} {med / base:>14.1f}x")
        evaluation, hand = statistics.median(runs["evaluation alone"]), statistics.median(runs["hand-written SQL"])
        print(f"evaluation alone / hand-written SQL (medians, two threads): {evaluation / hand:.2f}")
        fixed = statistics.median(planning)
        print(
            f"evaluation alone, {len(runs['evaluation alone'])} statements: {fixed * 1000:.1f} ms of each is the statement over no rows (median);"
            f" the rows alone {args.facts / (args.facts / evaluation - fixed):,.0f} rows/s (median)"
        )
        if args.memory:
            memory(parquet, folder, args.facts)
        if args.spark:
            times = spark_times(parquet, rules, args.repeat)
            print(f"Spark local: 1 partition {times[1]:.1f} s, 2 partitions {times[2]:.1f} s ({times[1] / times[2]:.2f}x), best of {args.repeat}")
        return ratios


def memory(parquet: Path, folder: Path, rows: int) -> dict[str, float]:
    (quarter, q_seconds), (whole, w_seconds) = peak_memory(parquet, folder / "m1.parquet", rows // 4), peak_memory(parquet, folder / "m2.parquet", rows)
    print(f"peak memory: {quarter:,.0f} MiB for {rows // 4:,} rows ({q_seconds:.1f} s), {whole:,.0f} MiB for {rows:,} rows ({w_seconds:.1f} s)")
    return {"quarter": quarter, "whole": whole}


if __name__ == "__main__":
    main()
