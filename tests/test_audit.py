"""The decision log: one JSON line per decision, masked, hashed, safe under threads."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone

import pytest

import asprules
from asprules.audit import MASK, DecisionLog, mask_fields
from asprules.cli import main
from asprules.source import content_hash
from support import REPO, RULESETS, incident, operation

RULES = asprules.load_rulesets(RULESETS)
FIXED = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_line_holds_id_time_ruleset_input_hash_masked_input_and_decision(tmp_path):
    path = tmp_path / "log.jsonl"
    op = operation()
    decision = asprules.authorize(op, RULES)
    with DecisionLog(path, mask=("engineer.id", "approvals.by"), now=lambda: FIXED) as log:
        decision_id = log.record(op, decision)
    (entry,) = lines(path)
    assert entry["decision_id"] == decision_id and len(decision_id) == 32
    assert entry["logged_at"] == "2026-12-01T08:00:00+00:00"
    assert entry["kind"] == "authorize"
    assert entry["ruleset"] == decision.ruleset.to_json()
    assert entry["decision"] == decision.to_json(fact_id=op["id"])  # the contract, with the fact's id
    assert entry["input_sha256"] == content_hash(json.loads(json.dumps(op)))
    assert entry["input"]["engineer"] == {"id": MASK, "qualification": 4}
    assert {a["by"] for a in entry["input"]["approvals"]} == {MASK}
    assert entry["input"]["id"] == op["id"]


def test_masking_passes_over_paths_the_input_lacks_and_leaves_the_original_alone():
    data = {"a": {"b": 1}, "items": [{"x": 1}, {"y": 2}]}
    assert mask_fields(data, ["a.b", "items.x", "nope.deeper"]) == {"a": {"b": MASK}, "items": [{"x": MASK}, {"y": 2}]}
    assert data["a"]["b"] == 1


def test_threads_sharing_one_log_write_whole_lines_only(tmp_path):
    path = tmp_path / "log.jsonl"
    facts = [incident(id=f"I{i}", outage_minutes=i) for i in range(50)]
    decisions = [asprules.grade(f, RULES) for f in facts]
    with DecisionLog(path) as log:
        threads = [
            threading.Thread(target=lambda k=k: [log.record(f, d) for f, d in zip(facts, decisions)]) for k in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    entries = lines(path)
    assert len(entries) == 8 * 50
    assert len({e["decision_id"] for e in entries}) == len(entries)
    assert {e["kind"] for e in entries} == {"grade"}


def test_the_log_appends_and_each_line_is_flushed_before_record_returns(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text('{"earlier": true}\n', encoding="utf-8")
    log = DecisionLog(path)
    log.record(incident(), asprules.grade(incident(), RULES))
    assert len(lines(path)) == 2  # on disk although the log is still open
    log.close()


def test_a_log_that_cannot_be_opened_is_a_typed_error(tmp_path):
    with pytest.raises(asprules.AspRulesError) as err:
        DecisionLog(tmp_path / "missing-dir" / "log.jsonl")
    assert err.value.problems[0].file.endswith("log.jsonl")


def test_cli_log_option_appends_the_decision(tmp_path, capsys):
    path = tmp_path / "log.jsonl"
    example = REPO / "examples" / "incidents" / "l2-vip-raised.yaml"
    for _ in range(2):
        assert main(["grade", str(example), "--log", str(path), "--log-mask", "affected_users", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out.split("\n}\n")[0] + "\n}")
    entries = lines(path)
    assert len(entries) == 2
    assert entries[0]["decision"]["level"] == out["level"] == "L2"
    assert entries[0]["input"]["affected_users"] == MASK and entries[0]["input"]["affected_sites"] == 1
