"""asprules diff: exactly the changed regions, their direction, and the gates on them."""

from __future__ import annotations

import json

import asprules
from asprules.checks.diff import diff
from asprules.cli import main
from support import grading_text, row, write

OLD = row("long", "L1", "{field: outage_minutes, ge: 60}") + row("mid", "L2", "{field: outage_minutes, ge: 30}") + row("lossy", "L3", "{field: data_loss, eq: true}")
# 'mid' now starts at 45 (30–45 falls from L2 to the default or to lossy's L3); 'long' starts at 50 (50–60 rises L2 → L1)
NEW = row("long", "L1", "{field: outage_minutes, ge: 50}") + row("mid", "L2", "{field: outage_minutes, ge: 45}") + row("lossy", "L3", "{field: data_loss, eq: true}")


def versions(tmp_path, old=OLD, new=NEW):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    return write(tmp_path / "old", "g.yaml", grading_text(old)), write(tmp_path / "new", "g.yaml", grading_text(new))


def test_reports_exactly_the_changed_regions(tmp_path):
    a, b = versions(tmp_path)
    report = diff(asprules.load_rulesets(a), asprules.load_rulesets(b))
    got = sorted((c.region, c.old, c.new, c.direction) for c in report.changes)
    assert got == [
        ("data_loss = false, outage_minutes 30–45", "L2", "none", "lower"),
        ("data_loss = true, outage_minutes 30–45", "L2", "L3", "lower"),
        ("outage_minutes 50–60", "L2", "L1", "raise"),
    ]
    for c in report.changes:  # each region's witness really is decided that way by both versions
        assert c.witness is not None
        assert asprules.grade(c.witness, asprules.load_rulesets(a)).level == c.old
        assert asprules.grade(c.witness, asprules.load_rulesets(b)).level == c.new


def test_only_raise_fails_when_a_region_is_lowered(tmp_path, capsys):
    a, b = versions(tmp_path)
    assert main(["diff", str(a), str(b)]) == 0
    assert main(["diff", str(a), str(b), "--only-raise"]) == 1
    raised_only = row("long", "L1", "{field: outage_minutes, ge: 50}") + row("mid", "L2", "{field: outage_minutes, ge: 30}") + row("lossy", "L3", "{field: data_loss, eq: true}")
    (tmp_path / "x").mkdir()
    c = write(tmp_path / "x", "g.yaml", grading_text(raised_only))
    assert main(["diff", str(a), str(c), "--only-raise"]) == 0
    capsys.readouterr()
    assert main(["diff", str(a), str(c), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(r["region"], r["direction"]) for r in out["regions"]] == [("outage_minutes 50–60", "raise")]


def test_identical_versions_have_no_changes(tmp_path):
    a, _ = versions(tmp_path)
    assert diff(asprules.load_rulesets(a), asprules.load_rulesets(a)).changes == []


def test_corpus_counts_changed_decisions(tmp_path):
    a, b = versions(tmp_path)
    base = '"environment": "production", "started_at": "2026-11-18T14:00:00+08:00", "affected_users": 1, "affected_users_pct": 1, "affected_sites": 1, "core_service": false, "data_loss": false, "security_breach": false, "vip_customer": false, "customer_complaint": false'
    lines = [f'{{"id": "T{m}", "outage_minutes": {m}, {base}}}' for m in (10, 35, 55, 90)]
    corpus = write(tmp_path, "tickets.jsonl", "\n".join(lines) + "\n")
    report = diff(asprules.load_rulesets(a), asprules.load_rulesets(b), [corpus])
    assert report.corpus_total == 4
    assert [(c.fact_id, c.old["level"], c.new["level"], c.direction) for c in report.corpus_changes] == [
        ("T35", "L2", "none", "lower"),
        ("T55", "L2", "L1", "raise"),
    ]


AUTH = """
asprules: 1
kind: authorization
id: a
roles:
  - {id: customer, name: customer}
  - {id: manager, name: manager}
steps:
  - {id: manager, name: m, cite: §29, provenance: handbook, approval: {roles: [manager]}}
  - {id: customer, name: c, cite: §31, provenance: handbook, approval: {roles: [customer]}}
risk_classes:
  - {id: high, name: h, cite: §28, provenance: handbook, when: {field: major_impact, eq: true}, chain: [CHAIN]}
  - {id: routine, name: r, cite: §28, provenance: handbook, chain: [customer]}
"""


def test_only_restrict_fails_when_an_operation_needs_fewer_steps(tmp_path):
    (tmp_path / "o").mkdir()
    (tmp_path / "n").mkdir()
    a = write(tmp_path / "o", "a.yaml", AUTH.replace("CHAIN", "manager, customer"))
    b = write(tmp_path / "n", "a.yaml", AUTH.replace("CHAIN", "customer"))
    report = diff(asprules.load_rulesets(a), asprules.load_rulesets(b))
    (change,) = report.changes
    assert change.region == "major_impact = true" and change.direction == "more permissive"
    assert main(["diff", str(a), str(b), "--only-restrict"]) == 1
    assert main(["diff", str(b), str(a), "--only-restrict"]) == 0


def test_a_step_accepting_more_roles_is_more_permissive(tmp_path):
    (tmp_path / "o").mkdir()
    (tmp_path / "n").mkdir()
    a = write(tmp_path / "o", "a.yaml", AUTH.replace("CHAIN", "manager, customer"))
    b = write(tmp_path / "n", "a.yaml", AUTH.replace("CHAIN", "manager, customer").replace("approval: {roles: [manager]}", "approval: {roles: [manager, customer]}"))
    (change,) = diff(asprules.load_rulesets(a), asprules.load_rulesets(b)).changes
    assert (change.region, change.direction) == ("major_impact = true", "more permissive")
    assert change.details == ("- approval manager by manager",)  # by customer|manager now: implied no more
    assert change.rule == "manager" and change.line == 8  # the step that changed, on the new side
    assert main(["diff", str(a), str(b), "--only-restrict", "--format", "github"]) == 1
