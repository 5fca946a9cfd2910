"""examples/grade_jsonl.py: one decision per ticket, errors per line, exit status tells."""

from __future__ import annotations

import importlib.util
import io
import json

import pytest

from support import REPO, incident, write

spec = importlib.util.spec_from_file_location("grade_jsonl", REPO / "examples" / "grade_jsonl.py")
grade_jsonl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(grade_jsonl)


def jsonl(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def run(tmp_path, text: str, *extra: str) -> tuple[int, list[dict]]:
    tickets = write(tmp_path, "tickets.jsonl", text)
    out = tmp_path / "decisions.jsonl"
    code = grade_jsonl.main([str(tickets), str(out), *extra])
    return code, [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_every_ticket_graded_exits_0(tmp_path):
    code, records = run(tmp_path, jsonl(incident(id="A"), incident(id="B", outage_minutes=40, affected_users_pct=8)))
    assert code == 0
    assert [(r["line"], r["id"], r["level"]) for r in records] == [(1, "A", "none"), (2, "B", "L3")]
    assert records[1]["fired"][0]["id"] == "prod-l3-outage" and len(records[1]["ruleset"]["sha256"]) == 64


def test_bad_lines_get_error_records_and_the_run_goes_on(tmp_path, capsys):
    text = jsonl(incident(id="A"), incident(id="B", core_service="no"), "{not json", "", "[1, 2]", incident(id="F"))
    code, records = run(tmp_path, text)
    assert code == 1
    assert [(r["line"], r["id"], r.get("level") or r["error"]) for r in records] == [
        (1, "A", "none"),
        (2, "B", "FactError"),
        (3, None, "FactError"),
        (5, None, "FactError"),
        (6, "F", "none"),
    ]
    problem = records[1]["problems"][0]
    assert (problem["line"], problem["field"]) == (2, "core_service") and problem["file"].endswith("tickets.jsonl")
    err = capsys.readouterr().err
    assert "tickets.jsonl:2: core_service: Input should be a valid boolean (got 'no')" in err
    assert "tickets.jsonl:3:2:" in err and "ticket is not JSON" in err
    assert "tickets.jsonl:5: expected a mapping of fields, got list" in err


def test_an_ungradable_ticket_is_an_error_line(tmp_path):
    rules = write(
        tmp_path,
        "office-only.yaml",
        """
        asprules: 1
        kind: grading
        id: office-only
        levels: [{id: L3, name: three}, {id: none, name: none, major: false}]
        tables:
          - {id: office, cite: §34.2.3, hit_policy: first, default: none, applies_when: {field: environment, eq: office},
             rows: [{id: r, level: L3, cite: §34.2.3, provenance: assumed, basis: test, when: {field: data_loss, eq: true}}]}
        """,
    )
    code, records = run(tmp_path, jsonl(incident(id="P")), "--rules", str(rules))
    assert code == 1 and records[0]["error"] == "EvaluationError"


def test_errors_in_chinese_on_stderr_while_json_stays_english(tmp_path, capsys):
    code, records = run(tmp_path, jsonl(incident(id="B", affected_sites="x")), "--lang", "zh")
    assert code == 1
    assert "affected_sites: 应为整数（实际为 'x'）" in capsys.readouterr().err
    assert records[0]["problems"][0]["message"].startswith("Input should be a valid integer")


def test_unusable_rules_or_files_exit_2(tmp_path, capsys):
    assert grade_jsonl.main([str(tmp_path / "missing.jsonl"), str(tmp_path / "out.jsonl")]) == 2
    bad_rules = write(tmp_path, "bad.yaml", "asprules: 1\nkind: grading\nid: x\n")
    tickets = write(tmp_path, "t.jsonl", jsonl(incident()))
    assert grade_jsonl.main([str(tickets), "-", "--rules", str(bad_rules)]) == 2
    assert "tables: Field required" in capsys.readouterr().err


def test_stdin_to_stdout(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(jsonl(incident(id="S"))))
    assert grade_jsonl.main(["-", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "S"


def test_usage_error():
    with pytest.raises(SystemExit) as exc:
        grade_jsonl.main(["only-one-argument"])
    assert exc.value.code == 2
