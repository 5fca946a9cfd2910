"""The columnar backend decides as the compiled backend does (issue 18), and checks rows as
the typed facts do: differential tests on generated corpora and rulesets, validation
columns, bad input as typed errors."""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")
import pyarrow.parquet as pq  # noqa: E402

import asprules  # noqa: E402
from asprules.backends import columnar  # noqa: E402
from asprules.cli import main  # noqa: E402
from asprules.errors import BackendUnavailable, EvaluationError, FactError  # noqa: E402
from asprules.testing import grading_rulesets, incidents  # noqa: E402

from support import RULESETS, grading_text, incident, write  # noqa: E402
from test_codegen import CALENDAR, EVERYTHING, random_incident  # noqa: E402
from test_hit_policies import BREACH, LONG, ROWS, SCORECARD, WIDE, r, table  # noqa: E402


def expected(rules, fact, decision=None):
    """The compiled backend's answer: (level, base level, fired ids) or ("error", text)."""
    try:
        d = rules.decision(decision).grade(asprules.parse_incident(fact))
    except EvaluationError as exc:
        return ("error", exc.summary)
    return (d.level, d.base_level, d.fired_ids)


def columnar_answers(decided, invalid):
    out = {}
    for r in decided.to_pylist():
        fired = tuple(x for x in (r["rows"] + "," + r["adjustments"]).split(",") if x)
        out[r["row"]] = (r["level"], r["base_level"], fired)
    for r in invalid.to_pylist():
        out[r["row"]] = ("error", r["problems"])
    return out


def same(exp_answer, col_answer) -> bool:
    if exp_answer[0] == "error":  # the engine's EvaluationError text (after the incident it names), as the row's problem
        core = re.sub(r"^incident '[^']*': ", "", exp_answer[1]).split(" (")[0].split(" has ")[0]
        return col_answer[0] == "error" and any(core in p for p in col_answer[1])
    return exp_answer == col_answer


def test_same_matches_the_engines_error_with_the_rows_problem():
    no_table = ("error", "incident 'R3': no grading table applies (tables: production, office)")
    assert same(no_table, ("error", ["no grading table applies (tables: production, office)"]))
    assert not same(no_table, ("error", ["table 't' has hit policy unique but several rows match: rows a b"]))
    assert not same(no_table, ("L1", "L1", ()))


def write_jsonl(path: Path, facts) -> Path:
    path.write_text("".join(json.dumps(f) + "\n" for f in facts), encoding="utf-8")
    return path


def utc(text):
    return None if text is None else datetime.fromisoformat(text).astimezone(timezone.utc)


def arrow_of(facts):
    """Facts as an Arrow table: instants as TIMESTAMP WITH TIME ZONE, the customer a struct."""
    rows = []
    for f in facts:
        r = dict(f)
        for k in ("started_at", "recovered_at", "as_of"):
            r[k] = utc(f.get(k))
        if "customer" in f:
            c = dict(f["customer"])
            c["sensitive_periods"] = [{"name": p["name"], "start": utc(p["start"]), "end": utc(p["end"])} for p in c.get("sensitive_periods", [])]
            r["customer"] = {"id": c["id"], "timezone": c.get("timezone"), "maintenance_window": c.get("maintenance_window"), "sensitive_periods": c["sensitive_periods"]}
        rows.append(r)
    return pa.Table.from_pylist(rows, schema=pa.schema([f for f in ARROW_SCHEMA if any(f.name in r for r in rows)]))


_INSTANT = pa.timestamp("us", tz="UTC")
_PERIOD = pa.struct([("name", pa.string()), ("start", _INSTANT), ("end", _INSTANT)])
ARROW_SCHEMA = pa.schema(
    [
        ("id", pa.string()), ("environment", pa.string()), ("started_at", _INSTANT), ("recovered_at", _INSTANT), ("as_of", _INSTANT),
        ("outage_minutes", pa.float64()), ("affected_users", pa.int64()), ("affected_users_pct", pa.float64()), ("affected_sites", pa.int64()),
        ("core_service", pa.bool_()), ("data_loss", pa.bool_()), ("security_breach", pa.bool_()), ("vip_customer", pa.bool_()),
        ("customer_complaint", pa.bool_()), ("site", pa.string()),
        ("customer", pa.struct([("id", pa.string()), ("timezone", pa.string()), ("maintenance_window", pa.string()), ("sensitive_periods", pa.list_(_PERIOD))])),
    ]
)


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    folder = tmp_path_factory.mktemp("everything")
    write(folder, "grading.yaml", EVERYTHING)
    write(folder, "calendar.yaml", CALENDAR)
    return asprules.load_rulesets(folder)


@pytest.fixture(scope="module")
def corpus():
    rng = random.Random(18)
    return [random_incident(rng, n) for n in range(4000)]


# --- equal answers --------------------------------------------------------------------------


@pytest.mark.parametrize("ruleset", ["shipped", "everything"])
def test_columnar_equals_compiled_on_a_varied_corpus_from_jsonl(ruleset, everything, corpus, tmp_path):
    """Every condition shape (bands across midnight in DST zones, calendars and customers'
    own periods, spans, derived values with division by zero, a unique table that can match
    twice): the same level, base level and fired rules, the engine's errors as row problems."""
    rules = everything if ruleset == "everything" else asprules.load_rulesets(RULESETS)
    source = write_jsonl(tmp_path / "in.jsonl", corpus)
    summary = columnar.regrade_file(source, tmp_path / "out.parquet", rules)
    decided = pq.read_table(tmp_path / "out.parquet")
    errors = [json.loads(line) for line in (tmp_path / "out.errors.jsonl").read_text().splitlines()] if summary.invalid else []
    invalid = pa.Table.from_pylist(errors, schema=pa.schema([("row", pa.int64()), ("id", pa.string()), ("problems", pa.list_(pa.string()))]))
    answers = columnar_answers(decided, invalid)
    assert summary.rows == len(corpus) == len(answers)
    mismatches = [(n, f, expected(rules, f), answers[n + 1]) for n, f in enumerate(corpus) if not same(expected(rules, f), answers[n + 1])]
    assert not mismatches[:3]
    outcomes = {a[2] if a[0] != "error" else "error" for a in answers.values()}
    assert len(outcomes) > (30 if ruleset == "everything" else 15)  # the corpus reaches many rows and adjustments
    assert summary.levels == {lv: sum(1 for a in answers.values() if a[0] == lv) for lv in summary.levels}


def test_columnar_equals_compiled_on_an_arrow_table_with_typed_instants_and_a_customer_struct(everything, corpus):
    decided, invalid = columnar.regrade_table(arrow_of(corpus[:1500]), everything)
    answers = columnar_answers(decided, invalid)
    assert all(same(expected(everything, f), answers[n + 1]) for n, f in enumerate(corpus[:1500]))


@pytest.mark.parametrize("policy", ["unique", "any", "first", "priority", "collect max", "collect min", "collect count", "collect sum"])
def test_every_hit_policy_decides_as_the_compiled_backend(policy, corpus):
    if policy == "collect sum":
        text = SCORECARD
    elif policy == "collect count":
        text = table(policy, r("long", LONG) + r("wide", WIDE) + r("breach", BREACH), head="bands:\n  - {min: 0, level: none}\n  - {min: 1, level: L3}\n  - {min: 2, level: L2}\n  - {min: 3, level: L1}\n")
    else:
        text = table(policy, ROWS)
    rules = asprules.load_ruleset_texts(text)
    facts = corpus[:800]
    decided, invalid = columnar.regrade_table(arrow_of(facts), rules)
    answers = columnar_answers(decided, invalid)
    assert all(same(expected(rules, f), answers[n + 1]) for n, f in enumerate(facts))
    if policy.startswith("collect s"):
        assert decided.column("score").null_count == 0


def test_several_decisions_regrade_the_one_named(tmp_path):
    first = grading_text("- {id: long, level: L2, cite: §34.2.2, provenance: assumed, basis: t, when: {field: outage_minutes, ge: 60}}\n")
    second = first.replace("id: t\n", "id: second\n", 1).replace("level: L2", "level: L1")
    rules = asprules.load_ruleset_texts(first, second)
    fact = incident(outage_minutes=90)
    decided, _ = columnar.regrade_table(arrow_of([fact]), rules, decision="second")
    assert decided.column("level").to_pylist() == ["L1"] and decided.column("ruleset").to_pylist() == ["second"]


@settings(max_examples=20)
@given(text=grading_rulesets(hit_policies=("first", "priority", "unique", "any")), facts=st.lists(incidents(), min_size=1, max_size=12))
def test_generated_rulesets_and_incidents_decide_alike(text, facts):
    rules = asprules.load_ruleset_texts(text)
    dicts = [json.loads(f.model_dump_json(exclude_none=True)) for f in facts]
    decided, invalid = columnar.regrade_table(arrow_of(dicts), rules)
    answers = columnar_answers(decided, invalid)
    for n, fact in enumerate(dicts):
        assert same(expected(rules, fact), answers[n + 1]), (fact, answers[n + 1])


def test_the_compiled_sql_is_one_syntax_tree_per_layer_for_duckdb_and_spark():
    from asprules.backends.columnar.dialects import DUCKDB, SPARK
    from asprules.backends.columnar.rules import compile_grading

    evaluator = asprules.load_rulesets(RULESETS).grading
    duck, spark = compile_grading(evaluator, DUCKDB), compile_grading(evaluator, SPARK)
    assert "TIMEZONE(" in duck.sql(DUCKDB) and "FROM_UTC_TIMESTAMP(" in spark.sql(SPARK)
    assert "prod-l1-core-outage-night" in duck.sql(DUCKDB)


def test_a_feature_without_sql_form_is_refused_at_compile_time_naming_the_rule():
    text = grading_text(
        "- {id: in-window, level: L2, cite: §34.2.2, provenance: assumed, basis: t, when: {in_window: {start: started_at, end: recovered_at, window: '01:00-05:00'}}}\n"
    )
    with pytest.raises(BackendUnavailable, match="row 'in-window'"):
        columnar.grader(asprules.load_ruleset_texts(text))


# --- the typed facts' checks as columns --------------------------------------------------------

BAD_ROWS = [
    ({"affected_users": 5.0}, "affected_users: expected an integer"),
    ({"affected_users": 1e3}, "affected_users: expected an integer"),
    ({"affected_users": 9223372036854775808}, "affected_users: must be between 0 and 1e+12"),  # past 64 bits: not a silent NULL
    ({"affected_users_pct": "12"}, "affected_users_pct: expected a number"),
    ({"id": 12}, "id: expected text"),
    ({"data_loss": None}, "data_loss: field required"),
    ({"customer": []}, "customer: expected an object"),
    ({"customer": {"id": None}}, "customer.id: field required"),
    ({"core_service": "false"}, "core_service: expected true or false"),
    ({"environment": "prod"}, "environment: prod is not one of production, office"),
    ({"affected_users_pct": 120}, "affected_users_pct: must be between 0 and 100"),
    ({"started_at": "2026-11-18T14:05:00"}, "started_at: has no UTC offset"),
    ({"started_at": "yesterday"}, "started_at: not an ISO 8601 date-time"),
    ({"recovered_at": "2026-11-18T13:00:00+08:00", "outage_minutes": None}, "recovered_at: is before started_at"),
    ({"outage_minutes": None}, "outage unknown"),
    ({"affected_sites": None}, "affected_sites: field required"),
    ({"id": "   "}, "id: must be 1 to 256 characters"),
    ({"customer": {"id": "c", "timezone": "Mars/Olympus"}}, "customer.timezone: unknown IANA time zone Mars/Olympus"),
    ({"customer": {"timezone": "UTC"}}, "customer.id: field required"),
    ({"customer": {"id": "c", "maintenance_window": "25:00-01:00"}}, "customer.maintenance_window: not a daily window"),
    ({"customer": {"id": "c", "colour": "red"}}, "customer.unknown field(s): colour"),
    (
        {"customer": {"id": "c", "sensitive_periods": [{"name": "x", "start": "2026-02-01T00:00:00+08:00", "end": "2026-01-01T00:00:00+08:00"}]}},
        "customer.sensitive_periods[0]: end must be after start",
    ),
    ({"customer": {"id": "c", "sensitive_periods": [{"name": "x", "start": "2026-02-01", "end": "2026-03-01T00:00:00+08:00"}]}}, "has no UTC offset"),
]


def _with(over):
    fact = incident()
    for key, value in over.items():
        if value is None:
            fact.pop(key, None)
        else:
            fact[key] = value
    return fact


@pytest.mark.parametrize(("over", "problem"), BAD_ROWS, ids=[p for _, p in BAD_ROWS])
def test_a_row_the_typed_model_refuses_goes_to_the_errors_with_its_row_number_and_problem(over, problem, tmp_path):
    fact = _with(over)
    with pytest.raises(asprules.FactError):
        asprules.parse_incident(fact)  # the model refuses it too
    source = write_jsonl(tmp_path / "in.jsonl", [incident(id="ok-1"), fact, incident(id="ok-2")])
    summary = columnar.regrade_file(source, tmp_path / "out.parquet", asprules.load_rulesets(RULESETS))
    assert (summary.rows, summary.graded, summary.invalid) == (3, 2, 1)
    (error,) = [json.loads(line) for line in (tmp_path / "out.errors.jsonl").read_text().splitlines()]
    assert error["row"] == 2 and any(problem in p for p in error["problems"]), error
    assert pq.read_table(tmp_path / "out.parquet").column("id").to_pylist() == ["ok-1", "ok-2"]


def test_records_read_on_both_cores_keep_their_numbers_and_their_order(tmp_path, monkeypatch):
    """JSONL is read and checked on every core, without ``row_number()``; a record's number is
    its place in DuckDB's stream, which keeps input order. A file of more than one of the reader's
    32 MiB buffers, blank lines between records (not records, as before), customers' zones
    (once a join with the zone list, which reorders rows), invalid rows here and there: every
    row's number and place as the file gives them, and the same as numbering in SQL."""
    from asprules.backends.columnar import duck

    lines, bad, n = [], [], 0
    for i in range(150_000):
        n += 1
        fact = incident(id=f"r{n}", customer={"id": "c", "timezone": "Asia/Shanghai"} if i % 3 else {"id": "c"})
        if i % 7919 == 5:
            fact["affected_users"] = -1
            bad.append(n)
        lines.append(json.dumps(fact) + ("\n\n  \n" if i % 1000 == 999 else "\n"))
    source = tmp_path / "in.jsonl"
    source.write_text("".join(lines), encoding="utf-8")
    assert source.stat().st_size > 32 * 2**20
    rules = asprules.load_rulesets(RULESETS)
    counted = []
    real = duck._numbered
    monkeypatch.setattr(duck, "_numbered", lambda batches: counted.append(1) or real(batches))
    summary = columnar.regrade_file(source, tmp_path / "out.parquet", rules)
    assert counted and (summary.rows, summary.invalid) == (n, len(bad))
    out = pq.read_table(tmp_path / "out.parquet", columns=["row", "id"]).to_pydict()
    good = [k for k in range(1, n + 1) if k not in set(bad)]
    assert out["row"] == good and out["id"] == [f"r{k}" for k in good]
    errors = [json.loads(line) for line in (tmp_path / "out.errors.jsonl").read_text().splitlines()]
    assert [(e["row"], e["id"]) for e in errors] == [(k, f"r{k}") for k in bad]
    # a plan with an operator that may reorder is numbered in SQL, to the same result
    monkeypatch.setattr(duck, "_ORDER_KEEPING", frozenset())
    counted.clear()
    columnar.regrade_file(source, tmp_path / "sql.parquet", rules)
    assert not counted
    assert pq.read_table(tmp_path / "sql.parquet").equals(pq.read_table(tmp_path / "out.parquet"))
    assert (tmp_path / "sql.errors.jsonl").read_text() == (tmp_path / "out.errors.jsonl").read_text()


def test_in_lists_of_five_or_more_decide_alike_and_keep_jsonl_on_both_cores(corpus, tmp_path, monkeypatch):
    """DuckDB makes an ``IN`` of five or more constants a join, which does not keep input
    order: a rule's long ``in:`` or ``not_in:`` list (numbers, texts) is a binary search
    instead, so the JSONL records are still numbered as they stream, and each answer is the
    compiled backend's."""
    from asprules.backends.columnar import duck

    text = grading_text(
        "- {id: sites, level: L2, cite: §34.2.2, provenance: assumed, basis: t, when: {field: affected_sites, in: [1, 2, 3, 5, 8, 13]}}\n"
        "- {id: where, level: L3, cite: §34.2.2, provenance: assumed, basis: t, when: {field: site, in: [a, b, c, d, e, site-1]}}\n"
        "- {id: spread, level: L3, cite: §34.2.2, provenance: assumed, basis: t, when: {field: affected_sites, not_in: [0, 4, 6, 7, 9, 2.5]}}\n"
    )
    rules = asprules.load_ruleset_texts(text)
    facts = [dict(f, site=random.Random(n).choice(["a", "c", "e", "f", "site-1", "Site-1"])) for n, f in enumerate(corpus[:1500])]
    counted = []
    real = duck._numbered
    monkeypatch.setattr(duck, "_numbered", lambda batches: counted.append(1) or real(batches))
    summary = columnar.regrade_file(write_jsonl(tmp_path / "in.jsonl", facts), tmp_path / "out.parquet", rules)
    assert counted, "the plan has an operator that may reorder rows"
    decided = pq.read_table(tmp_path / "out.parquet")
    errors = [json.loads(line) for line in (tmp_path / "out.errors.jsonl").read_text().splitlines()] if summary.invalid else []
    invalid = pa.Table.from_pylist(errors, schema=pa.schema([("row", pa.int64()), ("id", pa.string()), ("problems", pa.list_(pa.string()))]))
    answers = columnar_answers(decided, invalid)
    assert all(same(expected(rules, f), answers[n + 1]) for n, f in enumerate(facts))
    assert {a[2] for a in answers.values() if a[0] != "error"} >= {("sites",), ("where",), ("spread",), ()}


def test_one_grader_regrades_many_files_writing_its_statement_and_checking_its_plan_once(tmp_path, monkeypatch):
    """A grader keeps the statement for each shape of input and its plan's verdict: a second
    JSONL file is graded (rightly, in order, numbered as it streams) without writing the
    statement out or asking DuckDB for its plan again; a CSV file is a new shape."""
    from asprules.backends.columnar import duck

    rules = asprules.load_rulesets(RULESETS)
    grader = columnar.grader(rules, threads=2)
    plans, written = [], []
    plan, after_raw = duck.DuckGrader._plan_keeps_order, duck.DuckGrader._after_raw
    monkeypatch.setattr(duck.DuckGrader, "_plan_keeps_order", lambda self, *a: plans.append(1) or plan(self, *a))
    monkeypatch.setattr(duck.DuckGrader, "_after_raw", lambda self, *a: written.append(1) or after_raw(self, *a))
    for name, count in (("a", 3), ("b", 5)):
        facts = [incident(id=f"{name}{k}", outage_minutes=10 * k) for k in range(count)]
        summary = grader.regrade_file(write_jsonl(tmp_path / f"{name}.jsonl", facts), tmp_path / f"{name}.parquet")
        out = pq.read_table(tmp_path / f"{name}.parquet").to_pydict()
        assert summary.rows == count and out["row"] == list(range(1, count + 1)) and out["id"] == [f"{name}{k}" for k in range(count)]
        assert out["level"] == [expected(rules, f)[0] for f in facts]
    assert (len(plans), len(written)) == (1, 1)
    (tmp_path / "c.csv").write_text("id,environment,started_at,outage_minutes,affected_users,affected_users_pct,affected_sites,core_service,data_loss,security_breach,vip_customer,customer_complaint\n"
                                    "c1,production,2026-03-01T10:00:00+08:00,90,10,40,1,true,false,false,false,false\n", encoding="utf-8")
    assert grader.regrade_file(tmp_path / "c.csv", tmp_path / "c.parquet").levels["L1"] == 1
    assert (len(plans), len(written)) == (2, 2)


def test_the_zone_lookup_on_duckdb_finds_exactly_the_known_zones():
    """The 600 zone names are a binary search on DuckDB (an ``IN`` list becomes a join, which
    reorders rows): every known name found, near misses not, NULL for NULL."""
    import duckdb
    from sqlglot import exp

    from asprules.backends.columnar.dialects import DUCKDB

    grader = columnar.grader(asprules.load_rulesets(RULESETS))
    zones = grader.zones
    assert len(zones) > 400
    tries = [*zones, *(z.lower() for z in zones), *(z + " " for z in zones[::7]), *(z[:-1] for z in zones[::5]), "", "A", "~", "Zulu", "UTC"]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (z VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[z] for z in tries] + [[None]])
    test = DUCKDB.render(DUCKDB.member(exp.column("z"), zones))
    assert "JOIN" not in con.execute(f"EXPLAIN SELECT {test} FROM t").fetchall()[0][1].upper()
    got = dict(con.execute(f"SELECT z, {test} FROM t").fetchall())
    assert got.pop(None) is None
    assert {z for z, found in got.items() if found} == set(zones) & set(tries)
    assert all(found is False for z, found in got.items() if z not in zones)


def test_json_strings_with_escapes_are_read_as_the_model_reads_them(tmp_path):
    """Strings are typed from their JSON text; escaped ones are unescaped, not cut."""
    ids = ['INC-\u00e9"quoted"', "back\\slash", "tab\there", "plain"]
    source = write_jsonl(tmp_path / "in.jsonl", [incident(id=i, customer={"id": i, "timezone": "Asia/Shanghai"}) for i in ids])
    summary = columnar.regrade_file(source, tmp_path / "out.parquet", asprules.load_rulesets(RULESETS))
    assert summary.graded == len(ids)
    assert pq.read_table(tmp_path / "out.parquet").column("id").to_pylist() == [asprules.parse_incident(incident(id=i)).id for i in ids]


def test_a_key_the_incident_does_not_have_is_refused_wherever_it_first_appears(tmp_path, capsys):
    """DuckDB's reader drops undeclared keys silently; a sample of the first records would
    miss one first given in record 30,000. The whole file is read for keys, and a record that
    is not an object is named too."""
    facts = [incident(id=f"i{n}") for n in range(30_000)]
    facts[-1]["colour"] = "red"
    source = write_jsonl(tmp_path / "in.jsonl", facts)
    rules = asprules.load_rulesets(RULESETS)
    with pytest.raises(FactError, match="unknown field 'colour', first in record 30000"):
        columnar.regrade_file(source, tmp_path / "out.parquet", rules)
    assert columnar.regrade_file(source, tmp_path / "out.parquet", rules, extra_columns="ignore").graded == 30_000
    source.write_text(source.read_text(encoding="utf-8") + "[1, 2]\n", encoding="utf-8")
    with pytest.raises(FactError, match="record 30001 is not a JSON object"):
        columnar.regrade_file(source, tmp_path / "out.parquet", rules)
    # without the key check, DuckDB's reader stops at it: still a typed error naming the file, not pyarrow's OSError
    assert main(["regrade", str(source), "-o", str(tmp_path / "out.parquet"), "--ignore-extra-columns"]) == 2
    err = capsys.readouterr().err
    assert "in.jsonl" in err and "line 30001" in err and "Traceback" not in err


def test_every_problem_of_a_row_is_listed():
    fact = _with({"affected_users": "many", "vip_customer": 1, "environment": "lab"})
    text = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fact.items()}  # all text, as CSV cells are
    _, invalid = columnar.regrade_table(pa.Table.from_pylist([text]), asprules.load_rulesets(RULESETS))
    (problems,) = invalid.column("problems").to_pylist()
    assert len(problems) == 3 and any("affected_users" in p for p in problems) and any("environment: lab" in p for p in problems)


def test_csv_cells_are_read_as_the_model_types(tmp_path, monkeypatch):
    from asprules.backends.columnar import duck

    path = tmp_path / "in.csv"
    head = "id,environment,started_at,outage_minutes,affected_users,affected_users_pct,affected_sites,core_service,data_loss,security_breach,vip_customer,customer_complaint,site\n"
    path.write_text(
        head
        + "A,production,2026-11-18T14:05:00+08:00,45,9000,12,1,true,false,false,false,false,\n"
        + "B,production,2026-11-18T14:05:00+08:00,45,9000.5,12,1,true,false,false,false,false,x\n"
        + 'C,production,2026-11-18T14:05:00+08:00,45,9000,12,1,true,false,false,false,false,"two\nlines"\n',
        encoding="utf-8",
    )
    counted = []
    real = duck._numbered
    monkeypatch.setattr(duck, "_numbered", lambda batches: counted.append(1) or real(batches))
    summary = columnar.regrade_file(path, tmp_path / "out.csv", asprules.load_rulesets(RULESETS))
    assert counted and (summary.graded, summary.invalid) == (2, 1)
    out = (tmp_path / "out.csv").read_text()
    assert '1,"A","L2","L2",true,"production","prod-l2-core-outage"' in out and '\n3,"C","L2"' in out
    # rows are numbered by record, after the header (a quoted cell may hold a line break)
    assert [json.loads(line)["row"] for line in (tmp_path / "out.errors.jsonl").read_text().splitlines()] == [2]


# --- bad input: typed errors naming the column, exit 2, never an engine traceback -----------------


def _parquet(tmp_path, **columns) -> Path:
    base = arrow_of([incident()])
    for name, array in columns.items():
        if array is None:
            base = base.drop_columns([name])
        else:
            base = base.set_column(base.schema.get_field_index(name), name, array)
    path = tmp_path / "in.parquet"
    pq.write_table(base, path)
    return path


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"affected_users": None}, "missing column 'affected_users'"),
        ({"affected_users": pa.array([5.0])}, "column 'affected_users' is float, expected int"),
        ({"started_at": pa.array([datetime(2026, 1, 1)])}, "column 'started_at' is naive"),
        ({"core_service": pa.array([1])}, "column 'core_service' is int, expected bool"),
    ],
)
def test_a_column_that_cannot_hold_the_field_is_a_typed_error_naming_it(columns, message, tmp_path, capsys):
    path = _parquet(tmp_path, **columns)
    with pytest.raises(FactError, match=message):
        columnar.regrade_file(path, tmp_path / "out.parquet", asprules.load_rulesets(RULESETS))
    assert main(["regrade", str(path), "-o", str(tmp_path / "out.parquet")]) == 2
    err = capsys.readouterr().err
    assert message.split("'")[1] in err and "Traceback" not in err


def test_a_file_that_is_not_what_its_suffix_says_is_refused(tmp_path, capsys):
    fake = tmp_path / "tickets.parquet"
    fake.write_text('{"id": "x"}\n', encoding="utf-8")
    assert main(["regrade", str(fake), "-o", str(tmp_path / "out.parquet")]) == 2
    assert "not a Parquet file" in capsys.readouterr().err
    binary = tmp_path / "tickets.jsonl"
    binary.write_bytes(b"PAR1\x00\x01")
    assert main(["regrade", str(binary), "-o", str(tmp_path / "out.parquet")]) == 2
    assert "not a JSONL file" in capsys.readouterr().err


def test_an_unknown_column_is_refused_unless_asked_to_ignore_it(tmp_path):
    path = _parquet(tmp_path)
    table_ = pq.read_table(path).append_column("notes", pa.array(["hello"]))
    pq.write_table(table_, path)
    with pytest.raises(FactError, match="unknown column 'notes'"):
        columnar.regrade_file(path, tmp_path / "out.parquet", asprules.load_rulesets(RULESETS))
    summary = columnar.regrade_file(path, tmp_path / "out.parquet", asprules.load_rulesets(RULESETS), extra_columns="ignore")
    assert summary.graded == 1


def test_the_cli_prints_the_summary_and_exits_2_when_rows_were_invalid(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [incident(id="a", outage_minutes=45, core_service=True, affected_users_pct=12), _with({"environment": "lab"})])
    assert main(["regrade", str(source), "-o", str(tmp_path / "out.jsonl")]) == 2
    out = capsys.readouterr().out
    assert "invalid" in out and "L2" in out
    (line,) = (tmp_path / "out.jsonl").read_text().splitlines()
    assert json.loads(line)["level"] == "L2"
    assert main(["regrade", str(source), "-o", str(tmp_path / "out.jsonl"), "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().out)["invalid"] == 1


def test_the_diff_entry_point_lists_the_tickets_whose_level_changes(tmp_path, corpus):
    old = asprules.load_rulesets(RULESETS)
    stricter = (RULESETS / "grading.yaml").read_text(encoding="utf-8").replace("{field: outage_minutes, ge: 30}", "{field: outage_minutes, ge: 5}")
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "grading.yaml").write_text(stricter, encoding="utf-8")
    (folder / "calendar-cn.yaml").write_text((RULESETS / "calendar-cn.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    new = asprules.load_rulesets(folder)
    facts = corpus[:1000]
    source = write_jsonl(tmp_path / "in.jsonl", facts)
    total, changed = columnar.corpus_levels(old, new, source)
    want = [(n + 1, f["id"], old.grading.grade(asprules.parse_incident(f)).level, new.grading.grade(asprules.parse_incident(f)).level) for n, f in enumerate(facts)]
    assert total == len(facts) and changed == [w for w in want if w[2] != w[3]] and changed


def _tables_on(tests: list[str]) -> str:
    """A grading ruleset of first tables, the i-th applying when ``tests[i]`` (YAML) holds."""
    text = grading_text("- {id: r0, level: L3, cite: §34.2.2, provenance: assumed, basis: t, when: {field: outage_minutes, ge: 30}}\n")
    head, rows = text.split("tables:\n", 1)
    tables = []
    for i, test in enumerate(tests):
        body = rows.replace("id: t\n", f"id: t{i}\n    applies_when: {test}\n", 1).replace("id: r0", f"id: r{i}").replace("level: L3", ["level: L3", "level: L2", "level: L1"][i % 3])
        tables.append(body.replace("ge: 30", f"ge: {30 + 20 * i}"))
    return head + "tables:\n" + "".join(tables)


@pytest.mark.parametrize(
    "tests, exclusive",
    [
        (["{field: environment, eq: production}", "{field: environment, eq: office}"], True),
        (["{field: site, eq: a}", "{field: site, eq: b}", "{field: site, eq: c}"], True),  # an absent site: no table applies
        (["{field: environment, eq: production}", "{field: environment, eq: production}"], False),  # the first wins the tie
        (["{field: environment, eq: production}", "{field: site, eq: a}"], False),  # both may apply
        (["{field: environment, eq: production}", "{field: environment, ne: office}"], False),
    ],
)
def test_tables_that_cannot_apply_together_are_one_case_and_decide_as_the_compiled_backend(tests, exclusive, corpus):
    rules = asprules.load_ruleset_texts(_tables_on(tests))
    grader = columnar.grader(rules)
    names = [name for layer in grader.compiled.layers for name, _ in layer]
    assert ("__code_0" not in names) is exclusive
    facts = corpus[:1500]
    decided, invalid = grader.regrade_table(arrow_of(facts))
    answers = columnar_answers(decided, invalid)
    for n, fact in enumerate(facts):
        want, got = expected(rules, fact), answers[n + 1]
        if want[0] == "error" and "no grading table applies" in want[1]:  # the engine's text names the incident
            assert got[0] == "error" and any("no grading table applies" in p for p in got[1]), (fact, got)
        else:
            assert same(want, got), (fact, got)
    assert {a[0] for a in answers.values()} >= {"L3", "none"}


def test_adjustments_one_layer_each_decide_as_the_folded_lookup(everything, corpus, monkeypatch):
    """Past ADJUSTMENT_TABLE_MAX the adjustments run one SQL layer each: the same answers."""
    from asprules.backends.columnar import rules as sql_rules

    monkeypatch.setattr(sql_rules, "ADJUSTMENT_TABLE_MAX", 0)
    grader = columnar.grader(everything)
    assert any(name == "__fired_0" for layer in grader.compiled.layers for name, _ in layer)
    decided, invalid = grader.regrade_table(arrow_of(corpus[:1500]))
    answers = columnar_answers(decided, invalid)
    assert all(same(expected(everything, f), answers[n + 1]) for n, f in enumerate(corpus[:1500]))
    assert any(a[2] and a[0] != "error" and len(a[2]) > 1 for a in answers.values())


# --- the Python API over Arrow, pandas and polars data -----------------------------------------


@pytest.mark.parametrize("kind", ["arrow", "record batch reader", "pandas", "polars"])
def test_the_python_api_grades_arrow_tables_and_pandas_and_polars_frames(kind, everything, corpus):
    """The same answers from each kind of table (customers' zones and periods included),
    and a bad row among them listed with its row number."""
    facts = corpus[:600] + [_with({"environment": "lab"})]
    table = arrow_of(facts)
    if kind == "record batch reader":
        data = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=200))
    elif kind == "pandas":
        pd = pytest.importorskip("pandas")
        data = table.to_pandas()
        assert isinstance(data, pd.DataFrame)
    elif kind == "polars":
        pl = pytest.importorskip("polars")
        data = pl.from_arrow(table)
        assert isinstance(data, pl.DataFrame)
    else:
        data = table
    decided, invalid = columnar.regrade_table(data, everything)
    answers = columnar_answers(decided, invalid)
    assert len(answers) == len(facts)
    assert all(same(expected(everything, f), answers[n + 1]) for n, f in enumerate(facts[:-1]))
    assert answers[len(facts)][0] == "error" and any("environment: lab" in p for p in answers[len(facts)][1])


def test_a_table_of_another_kind_is_a_typed_error():
    with pytest.raises(FactError, match="expected an Arrow table, a pandas or polars DataFrame"):
        columnar.regrade_table([{"id": "x"}], asprules.load_rulesets(RULESETS))


# --- DuckDB's errors: the input's fault is a typed error, ours an internal error ------------------


def test_a_malformed_record_is_a_typed_error_naming_the_file(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(incident()) + "\n" + '{"id": "x", "environment": oops}\n', encoding="utf-8")
    with pytest.raises(FactError, match="cannot be read") as caught:
        columnar.regrade_file(source, tmp_path / "out.parquet", asprules.load_rulesets(RULESETS))
    assert caught.value.problems[0].file == str(source) and "Malformed JSON" in caught.value.problems[0].message
    assert main(["regrade", str(source), "-o", str(tmp_path / "out.parquet")]) == 2
    err = capsys.readouterr().err
    assert "in.jsonl" in err and "Traceback" not in err and "internal error" not in err


def test_a_duckdb_error_in_the_generated_sql_is_an_internal_error_not_bad_input(tmp_path, capsys, monkeypatch):
    """Bad input never reaches DuckDB as an error (columns are checked first, rows become
    problems); an error DuckDB raises on our statement is our bug: exit 3, one line asking
    for a report, the traceback only with --debug."""
    from asprules.backends.columnar import duck

    real = duck.DuckGrader.query
    monkeypatch.setattr(duck.DuckGrader, "query", lambda self, raw, source, **kw: real(self, raw, source, **kw).replace("LIST_EXTRACT(", "NO_SUCH_FUNCTION(", 1))
    source = write_jsonl(tmp_path / "in.jsonl", [incident()])
    with pytest.raises(duck.GeneratedSQLError, match="(?i)no_such_function") as caught:
        columnar.regrade_file(source, tmp_path / "out.parquet", asprules.load_rulesets(RULESETS))
    assert not isinstance(caught.value, asprules.AspRulesError)
    assert main(["regrade", str(source), "-o", str(tmp_path / "out.parquet")]) == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "internal error (GeneratedSQLError" in err and "report" in err
    assert main(["--debug", "regrade", str(source), "-o", str(tmp_path / "out.parquet")]) == 3
    assert "Traceback" in capsys.readouterr().err
    # the same statement failing while rows stream (a conversion in our SQL, not the input's)
    monkeypatch.setattr(duck.DuckGrader, "query", lambda self, raw, source, **kw: f"SELECT CAST('x' || id AS INTEGER) AS v, * FROM ({real(self, raw, source, **kw)})")
    with pytest.raises(duck.GeneratedSQLError, match="Conversion"):
        columnar.regrade_file(source, tmp_path / "out.parquet", asprules.load_rulesets(RULESETS))


def test_two_hundred_thousand_varied_incidents_decide_as_the_compiled_backend(everything, tmp_path):
    """The issue's corpus size, in CI (about 30 s, one test): level, base level, deciding row
    and fired adjustments of every incident, Parquet out of JSONL in, against the compiled
    backend; the engine's evaluation errors as the rows' problems."""
    rng = random.Random(200_000)
    facts = [random_incident(rng, n) for n in range(200_000)]
    source = write_jsonl(tmp_path / "in.jsonl", facts)
    summary = columnar.regrade_file(source, tmp_path / "out.parquet", everything)
    decided = pq.read_table(tmp_path / "out.parquet", columns=["row", "level", "base_level", "rows", "adjustments"]).to_pydict()
    got = {row: (level, base, rows, adjustments) for row, level, base, rows, adjustments in zip(*decided.values())}
    errors = {json.loads(line)["row"] for line in (tmp_path / "out.errors.jsonl").read_text().splitlines()} if summary.invalid else set()
    grading = everything.grading
    mismatches, kinds = [], set()
    for n, fact in enumerate(facts, 1):
        try:
            d = grading.grade(asprules.parse_incident(fact))
        except EvaluationError:
            if n not in errors:
                mismatches.append((n, "error", got.get(n)))
            continue
        want = (d.level, d.base_level, ",".join(f.id for f in d.fired if f.kind == "row"), ",".join(f.id for f in d.fired if f.kind == "adjustment"))
        kinds.add(want[2:])
        if got.get(n) != want:
            mismatches.append((n, want, got.get(n)))
    assert not mismatches[:3] and summary.rows == len(facts) == len(got) + len(errors)
    assert len(kinds) > 40  # the corpus reaches many rows and combinations of adjustments


# --- asprules diff --scenarios over a large corpus: the columnar replay ------------------------


def _stricter(tmp_path):
    text = (RULESETS / "grading.yaml").read_text(encoding="utf-8").replace("{field: outage_minutes, ge: 30}", "{field: outage_minutes, ge: 5}")
    folder = tmp_path / "new"
    folder.mkdir(exist_ok=True)
    (folder / "grading.yaml").write_text(text, encoding="utf-8")
    (folder / "calendar-cn.yaml").write_text((RULESETS / "calendar-cn.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def _bad_rows(report):
    return report.bad_count, [(b.file, b.line) for b in report.bad_rows]


def test_diff_over_a_corpus_on_the_columnar_backend_equals_the_per_record_replay(tmp_path, corpus, capsys):
    """The same decisions counted, the same changes (place, id, levels, direction) and the
    same bad rows at the same lines — blank lines in the file included — from the CLI too."""
    from asprules.checks.diff import diff

    old, new = asprules.load_rulesets(RULESETS), asprules.load_rulesets(_stricter(tmp_path))
    facts = corpus[:1500]
    lines = [json.dumps(f) for f in facts]
    lines[10] = json.dumps(_with({"environment": "lab"}))
    lines[20] = json.dumps(_with({"affected_users": 5.0}))
    lines.insert(30, "")
    source = tmp_path / "corpus.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, columns = diff(old, new, [source], backend="records"), diff(old, new, [source], backend="columnar")
    assert columns.corpus_total == records.corpus_total and records.corpus_changes
    assert [c.to_json() for c in columns.corpus_changes] == [c.to_json() for c in records.corpus_changes]
    assert _bad_rows(columns) == _bad_rows(records) == (2, [(str(source), 11), (str(source), 21)])
    assert columns.notes == records.notes
    outputs = []
    for backend in ("records", "columnar"):
        assert main(["diff", str(RULESETS), str(_stricter(tmp_path)), "--scenarios", str(source), "--backend", backend, "--format", "json"]) == 2
        outputs.append(json.loads(capsys.readouterr().out))
    for out in outputs:
        for bad in out["corpus"]["bad"]:
            bad.pop("message")  # the first problem of each row: the typed model's order or the columns' order
        for finding in out["findings"]:
            if finding["code"] == "bad-row":
                finding.pop("message")
    assert outputs[0] == outputs[1]


def test_diff_over_a_parquet_corpus_uses_the_columnar_backend(tmp_path, corpus):
    from asprules.checks.diff import diff

    old, new = asprules.load_rulesets(RULESETS), asprules.load_rulesets(_stricter(tmp_path))
    facts = corpus[:800]
    pq.write_table(arrow_of(facts), tmp_path / "corpus.parquet")
    jsonl = write_jsonl(tmp_path / "corpus.jsonl", facts)
    from_parquet, per_record = diff(old, new, [tmp_path / "corpus.parquet"]), diff(old, new, [jsonl], backend="records")
    assert from_parquet.corpus_total == per_record.corpus_total == len(facts)
    strip = lambda report: [{**c.to_json(), "source": c.source.rpartition(":")[2]} for c in report.corpus_changes]  # noqa: E731
    assert strip(from_parquet) == strip(per_record) and from_parquet.corpus_changes


def test_a_corpus_the_columnar_backend_cannot_read_is_replayed_per_record_with_a_note(tmp_path, corpus):
    """Envelope lines (or a decision log) are not bare incidents: the same answer, per record."""
    from asprules.checks.diff import diff

    old, new = asprules.load_rulesets(RULESETS), asprules.load_rulesets(_stricter(tmp_path))
    source = write_jsonl(tmp_path / "corpus.jsonl", [{"type": "incident", "fact": f} for f in corpus[:300]])
    records, columns = diff(old, new, [source], backend="records"), diff(old, new, [source], backend="columnar")
    assert [c.to_json() for c in columns.corpus_changes] == [c.to_json() for c in records.corpus_changes] and records.corpus_changes
    (note,) = [n for n in columns.notes if not isinstance(n, str)]
    assert "replayed per record" in note.english and ("'fact'" in note.english or "'type'" in note.english)
    assert "逐条重放" in columns.text("zh")
