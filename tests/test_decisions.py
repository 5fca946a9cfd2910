"""Several decisions in one rulebook (issue 11, part 2): grading rulesets load together,
each named by its id; ``grade(..., decision=ID)``, ``grade_all``, ``--decision`` and
scenario files that name the decision they test."""

from __future__ import annotations

import json

import pytest

import asprules
from asprules import cli
from asprules.checks.analysis import analyse
from asprules.checks.scenario_runs import run_paths
from asprules.checks.diff import diff
from asprules.errors import RulesetError

from support import grading_text, incident, needs_rete, row, write

SEVERITY = grading_text(row("long", "L1", "{field: outage_minutes, ge: 60}")).replace("id: t\n", "id: severity\n", 1)
PRIORITY = """\
asprules: 1
kind: grading
id: priority
levels:
  - {id: P1, name: urgent}
  - {id: P2, name: high}
  - {id: P3, name: normal, major: false}
tables:
  - id: impact
    cite: SRE-POL-002 1
    hit_policy: first
    default: P3
    rows:
      - {id: many-users, level: P1, cite: SRE-POL-002 1.1, provenance: policy, when: {field: affected_users_pct, ge: 25}}
      - {id: some-users, level: P2, cite: SRE-POL-002 1.2, provenance: policy, when: {field: affected_users_pct, ge: 5}}
"""


@pytest.fixture
def both():
    return asprules.load_ruleset_texts(SEVERITY, PRIORITY)


def test_two_grading_rulesets_load_together_and_each_decides(both):
    fact = incident(outage_minutes=90, affected_users_pct=10)
    assert both.decisions == ("severity", "priority")
    assert asprules.grade(fact, both, decision="severity").level == "L1"
    assert asprules.grade(fact, both, decision="priority").level == "P2"
    assert asprules.grade(fact, both, decision="priority").ruleset.id == "priority"


def test_grade_all_gives_every_decision_for_one_fact(both):
    got = asprules.grade_all(incident(outage_minutes=5, affected_users_pct=30), both)
    assert {k: d.level for k, d in got.items()} == {"severity": "none", "priority": "P1"}
    assert list(got) == ["severity", "priority"]


def test_with_several_loaded_a_decision_must_be_named(both):
    with pytest.raises(RulesetError) as err:
        asprules.grade(incident(), both)
    assert "severity, priority" in str(err.value)
    with pytest.raises(RulesetError):
        both.grading  # noqa: B018 — the single-ruleset accessor is ambiguous now
    with pytest.raises(RulesetError):
        list(asprules.grade_many([incident()], both))


def test_a_decision_naming_no_loaded_ruleset_is_a_typed_error(both):
    with pytest.raises(RulesetError) as err:
        asprules.grade(incident(), both, decision="sev")
    assert "'sev'" in str(err.value) and "severity, priority" in str(err.value.problems[0])


def test_with_one_ruleset_the_decision_may_be_omitted_or_named():
    rules = asprules.load_ruleset_texts(SEVERITY)
    assert rules.grading is rules.gradings["severity"]
    assert asprules.grade(incident(outage_minutes=60), rules).level == "L1"
    assert asprules.grade(incident(outage_minutes=60), rules, decision="severity").level == "L1"


def test_two_rulesets_with_one_id_are_a_typed_error():
    with pytest.raises(RulesetError) as err:
        asprules.load_ruleset_texts(SEVERITY, SEVERITY)
    (problem,) = err.value.problems
    assert problem.file == "<text 2>" and problem.path == ("id",) and problem.line == 3
    assert "ruleset id 'severity' is also used by <text 1>" in problem.message


def test_grade_many_takes_a_decision(both):
    got = [d.level for d in asprules.grade_many([incident(affected_users_pct=30), incident()], both, decision="priority")]
    assert got == ["P1", "P3"]


@needs_rete
def test_the_rete_backend_decides_each_decision_too(both):
    fact = incident(outage_minutes=90, affected_users_pct=10)
    assert asprules.grade(fact, both, decision="priority", backend="rete").level == "P2"


def test_analysis_looks_at_every_grading_ruleset():
    gap = PRIORITY.replace("hit_policy: first", "hit_policy: unique").replace("ge: 5}", "between: [5, 30]}")
    findings = analyse(asprules.load_ruleset_texts(SEVERITY, gap))
    assert any(f.code == "overlap" and "many-users" in f.message for f in findings), [f.code for f in findings]


def test_the_cli_grades_by_a_named_decision_or_all(tmp_path, capsys):
    s, p = write(tmp_path, "severity.yaml", SEVERITY), write(tmp_path, "priority.yaml", PRIORITY)
    fact = tmp_path / "inc.json"
    fact.write_text(json.dumps(incident(outage_minutes=90, affected_users_pct=30)), encoding="utf-8")
    rules = ["--rules", str(s), "--rules", str(p)]
    assert cli.main(["grade", str(fact), *rules, "--decision", "priority", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["level"] == "P1"
    assert cli.main(["grade", str(fact), *rules, "--all", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)["decisions"]
    assert {k: v["level"] for k, v in out.items()} == {"severity": "L1", "priority": "P1"}
    assert cli.main(["grade", str(fact), *rules]) == 2
    assert "name the decision" in capsys.readouterr().err
    assert cli.main(["grade", str(fact), *rules, "--decision", "nope"]) == 2


SCENARIOS = """\
asprules: 1
kind: scenarios
rules: [severity.yaml, priority.yaml]
{top}scenarios:
  - name: a long outage is L1
    decision: severity
    given: {{id: A, environment: production, started_at: "2026-11-18T14:00:00+08:00", outage_minutes: 90, affected_users: 1, affected_users_pct: 30, affected_sites: 1, core_service: false, data_loss: false, security_breach: false, vip_customer: false, customer_complaint: false}}
    expect: {{level: L1}}
  - name: many users is P1
    given: {{id: B, environment: production, started_at: "2026-11-18T14:00:00+08:00", outage_minutes: 1, affected_users: 1, affected_users_pct: 30, affected_sites: 1, core_service: false, data_loss: false, security_breach: false, vip_customer: false, customer_complaint: false}}
    expect: {{level: P1}}
"""


def test_scenario_files_name_the_decision_at_file_or_scenario_level(tmp_path):
    write(tmp_path, "severity.yaml", SEVERITY)
    write(tmp_path, "priority.yaml", PRIORITY)
    path = write(tmp_path, "t.scenarios.yaml", SCENARIOS.format(top="decision: priority\n"))
    run = run_paths([path])
    assert [r.passed for r in run.results] == [True, True]
    # coverage is per ruleset: both grading rulesets are tracked
    assert sorted(c.ruleset for c in run.coverage.report()) == ["priority", "severity"]


def test_a_scenario_without_a_decision_among_several_is_refused_at_its_line(tmp_path):
    write(tmp_path, "severity.yaml", SEVERITY)
    write(tmp_path, "priority.yaml", PRIORITY)
    path = write(tmp_path, "t.scenarios.yaml", SCENARIOS.format(top=""))
    with pytest.raises(RulesetError) as err:
        run_paths([path])
    (problem,) = err.value.problems
    assert problem.path == ("scenarios", 1) and problem.line == 9
    assert "say decision: ID" in problem.message


def test_a_scenario_decision_naming_no_ruleset_is_refused_at_its_key(tmp_path):
    write(tmp_path, "severity.yaml", SEVERITY)
    write(tmp_path, "priority.yaml", PRIORITY)
    path = write(tmp_path, "t.scenarios.yaml", SCENARIOS.format(top="decision: prio\n"))
    with pytest.raises(RulesetError) as err:
        run_paths([path])
    assert [p.path for p in err.value.problems] == [("decision",)]
    assert err.value.problems[0].line == 4


def test_diff_compares_each_decision_by_id(tmp_path):
    old = asprules.load_ruleset_texts(SEVERITY, PRIORITY)
    new = asprules.load_ruleset_texts(SEVERITY, PRIORITY.replace("ge: 25}", "ge: 50}"))
    report = diff(old, new)
    assert report.changes and {c.decision for c in report.changes} == {"priority"}
    assert all(c.direction == "lower" for c in report.changes)
    assert report.changes[0].text().startswith("priority: ")
    only_old = diff(old, asprules.load_ruleset_texts(SEVERITY, PRIORITY.replace("id: priority", "id: prio")))
    assert "grading ruleset 'priority' is only in the old rules" in only_old.notes


@needs_rete
def test_a_timeline_follows_one_named_decision(both):
    from asprules.backends.rete.timeline import IncidentTimeline

    with pytest.raises(RulesetError, match="name the decision"):
        IncidentTimeline(both)
    timeline = IncidentTimeline(both, decision="priority")
    opened = {"kind": "opened", "at": "2026-11-18T14:00:00+08:00", "incident": incident(id="T1", affected_users_pct=30)}
    (change,) = timeline.handle(opened)
    assert change.after == "P1" and timeline.level("T1") == "P1"


def test_diff_over_a_corpus_names_the_decision_that_changes(tmp_path):
    corpus = tmp_path / "tickets.jsonl"
    corpus.write_text(json.dumps(incident(id="C1", affected_users_pct=30)) + "\n", encoding="utf-8")
    old = asprules.load_ruleset_texts(SEVERITY, PRIORITY)
    new = asprules.load_ruleset_texts(SEVERITY, PRIORITY.replace("ge: 25}", "ge: 50}"))
    report = diff(old, new, [corpus])
    assert report.corpus_total == 2  # one fact, two decisions
    (change,) = report.corpus_changes
    assert change.old == {"decision": "priority", "level": "P1"} and change.new == {"decision": "priority", "level": "P2"}


def test_validate_analyses_every_grading_ruleset_of_a_directory(tmp_path, capsys):
    write(tmp_path, "severity.yaml", SEVERITY)
    write(tmp_path, "priority.yaml", PRIORITY.replace("hit_policy: first", "hit_policy: unique").replace("ge: 5}", "between: [5, 30]}"))
    assert cli.main(["validate", str(tmp_path), "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert "overlap" in out and "priority.yaml" in out
