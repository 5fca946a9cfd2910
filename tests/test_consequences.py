"""Decisions that carry their consequences (issue 19): obligations per level with absolute
deadlines, tables with declared outputs, and decisions chained through ``requires``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

import asprules
from asprules import FactError, RulesetError

from support import REPO

CN = timezone(timedelta(hours=8))


def incident(**over):
    base = {
        "id": "INC-1",
        "started_at": "2026-12-02T10:00:00+08:00",
        "environment": "production",
        "outage_minutes": 90,
        "affected_users": 1000,
        "affected_users_pct": 40,
        "affected_sites": 1,
        "core_service": True,
        "data_loss": False,
        "security_breach": False,
        "vip_customer": False,
        "customer_complaint": False,
    }
    base.update(over)
    return base


# --- 1. obligations per level -------------------------------------------------------------


def test_the_handbook_ruleset_puts_l1_deadlines_in_the_customers_zone():
    rules = asprules.load_rulesets()
    decision = asprules.grade(incident(), rules)
    assert decision.level == "L1"
    due = {o.id: o.due for o in decision.obligations}
    assert due["l1-oral-report"] == datetime(2026, 12, 2, 10, 0, tzinfo=CN)
    assert due["l1-written-report"] == datetime(2026, 12, 2, 14, 0, tzinfo=CN)
    assert due["l1-written-report"].utcoffset() == timedelta(hours=8)
    assert due["l1-review"] is None  # a review is required, with no deadline of its own
    assert all(o.provenance == "assumed" and o.cite == "§35.3" for o in decision.obligations)
    assert "written report [service_manager] due 2026-12-02T14:00+08:00 (§35.3)" in decision.explain()
    assert "书面报告" in decision.explain("zh")
    payload = decision.to_json()
    written = next(o for o in payload["obligations"] if o["id"] == "l1-written-report")
    assert written == {
        "id": "l1-written-report", "kind": "report", "text": "written report", "due": "2026-12-02T14:00:00+08:00",
        "role": "service_manager", "cite": "§35.3", "provenance": "assumed", "status": "open",
    }
    json.dumps(payload)


def test_l2_and_l3_report_orally_in_4_hours_and_in_writing_in_24():
    rules = asprules.load_rulesets()
    decision = asprules.grade(incident(outage_minutes=35, affected_users_pct=12), rules)
    assert decision.level == "L2"
    due = {o.id: o.due for o in decision.obligations}
    assert due["l2-oral-report"] == datetime(2026, 12, 2, 14, 0, tzinfo=CN)
    assert due["l2-written-report"] == datetime(2026, 12, 3, 10, 0, tzinfo=CN)


def test_a_minor_fault_goes_into_the_monthly_summary_due_at_the_local_month_end():
    rules = asprules.load_rulesets()
    # 2026-11-30T20:00Z is already December 1st in Shanghai: the December summary
    decision = asprules.grade(incident(started_at="2026-11-30T20:00:00+00:00", outage_minutes=1, core_service=False), rules)
    assert decision.level == "none"
    (summary,) = decision.obligations
    assert summary.kind == "report" and summary.due == datetime(2027, 1, 1, 0, 0, tzinfo=CN)


def test_at_marks_obligations_past_their_deadline_overdue():
    rules = asprules.load_rulesets()
    at = datetime(2026, 12, 2, 12, 0, tzinfo=CN)
    status = {o.id: o.status for o in asprules.grade(incident(), rules, at=at).obligations}
    assert status == {"l1-oral-report": "overdue", "l1-written-report": "open", "l1-review": "open"}
    with pytest.raises(FactError):
        asprules.grade(incident(), rules, at=datetime(2026, 12, 2, 12, 0))  # no offset


GRADED = """
asprules: 1
kind: grading
id: sla
defaults:
  timezone: {value: Europe/Berlin, cite: §35.3, provenance: assumed, basis: test}
levels:
  - id: P1
    name: priority 1
    obligations:
      - {id: p1-response, kind: response, text: respond, within: 15m, from: graded, role: on_call, cite: SLA 4.1, provenance: policy}
      - {id: p1-resolution, kind: resolution, text: resolve, within: 4h, cite: SLA 4.2, provenance: policy}
  - {id: P2, name: priority 2, major: false}
tables:
  - id: t
    cite: SLA 4
    hit_policy: first
    default: P2
    rows:
      - {id: r1, level: P1, cite: SLA 4, provenance: policy, when: {field: core_service, eq: true}}
"""


def test_from_graded_runs_from_at_and_has_no_deadline_without_it():
    rules = asprules.load_ruleset_texts(GRADED)
    at = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)
    decision = asprules.grade(incident(), rules, at=at)
    response, resolution = decision.obligations
    assert response.due == datetime(2026, 12, 2, 4, 15, tzinfo=timezone(timedelta(hours=1)))  # Berlin, CET
    assert response.role == "on_call" and response.provenance == "policy"
    assert resolution.due == datetime(2026, 12, 2, 7, 0, tzinfo=timezone(timedelta(hours=1)))  # started_at + 4 h
    assert asprules.grade(incident(), rules).obligations[0].due is None  # never the wall clock
    assert asprules.grade(incident(core_service=False), rules).obligations == ()


def test_grade_many_and_the_rete_backend_carry_the_same_obligations():
    rules = asprules.load_rulesets()
    facts = [incident(), incident(outage_minutes=35, affected_users_pct=12), incident(core_service=False, outage_minutes=1)]
    at = datetime(2026, 12, 2, 12, 0, tzinfo=CN)
    one = [asprules.grade(f, rules, at=at) for f in facts]
    assert list(asprules.grade_many(facts, rules, at=at)) == one
    pytest.importorskip("durable")
    assert [asprules.grade(f, rules, at=at, backend="rete") for f in facts] == one


def test_the_cli_takes_at_and_prints_obligations(capsys):
    from asprules.cli import main

    path = str(REPO / "examples/incidents/l2-core-outage.yaml")
    assert main(["grade", path, "--at", "2026-11-20T12:00+08:00", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {o["status"] for o in payload["obligations"] if o["due"]} == {"overdue"}
    with pytest.raises(SystemExit) as exc:
        main(["grade", path, "--at", "2026-11-20T12:00"])
    assert exc.value.code == 2


def _bad(text: str, needle: str) -> None:
    with pytest.raises(RulesetError) as exc:
        asprules.load_ruleset_texts(text)
    shown = str(exc.value)
    assert needle in shown, shown
    assert any(p.line for p in exc.value.problems)


def test_a_deadline_without_a_unit_is_a_typed_error_at_its_key():
    _bad(GRADED.replace("within: 15m", "within: 15"), "levels[0].obligations[0].within: a deadline needs a unit")
    _bad(GRADED.replace("within: 15m", "within: 15 minutes"), "not a duration")
    _bad(GRADED.replace("from: graded", "from: outage_minutes"), "field 'outage_minutes' is number, not a time")
    _bad(GRADED.replace("from: graded", "from: opened"), "levels[0].obligations[0].from: unknown field 'opened'")


# --- 2. tables with outputs ---------------------------------------------------------------

OUTPUTS = """
asprules: 1
kind: grading
id: routing
outputs:
  - {id: team, type: text, allowed: [security, network, service_desk], default: service_desk}
  - {id: page, type: boolean, default: false}
  - {id: minutes, type: number}
  - {id: channels, type: list, allowed: [phone, sms, email]}
tables:
  - id: route
    cite: ops 2.1
    hit_policy: POLICY
    AGGREGATOR
    rows:
      - {id: breach, outputs: {team: security, page: true, minutes: 15, channels: [phone]}, cite: ops 2.1, provenance: policy, when: {field: security_breach, eq: true}}
      - {id: sites, outputs: {team: network, page: true, minutes: 30, channels: [sms]}, cite: ops 2.1, provenance: policy, when: {field: affected_sites, ge: 3}}
      - {id: slow, outputs: {team: service_desk, minutes: 60, channels: [email]}, cite: ops 2.1, provenance: policy, when: {field: outage_minutes, ge: 30}}
"""


def outputs_rules(policy: str, aggregator: str = "") -> asprules.Rulebook:
    text = OUTPUTS.replace("POLICY", policy).replace("AGGREGATOR", f"aggregator: {aggregator}" if aggregator else "")
    return asprules.load_ruleset_texts(text)


BOTH = incident(security_breach=True, affected_sites=5, outage_minutes=10)  # breach and sites match
ALL_THREE = incident(security_breach=True, affected_sites=5, outage_minutes=45)


def test_first_gives_the_first_rows_outputs_and_defaults_when_none_matches():
    rules = outputs_rules("first")
    decision = asprules.grade(BOTH, rules)
    assert decision.level is None and decision.outputs == {"team": "security", "page": True, "minutes": 15, "channels": ("phone",)}
    quiet = asprules.grade(incident(outage_minutes=5), rules)
    assert quiet.outputs == {"team": "service_desk", "page": False, "minutes": None, "channels": None}
    assert quiet.fired == ()
    assert quiet.to_json()["outputs"]["channels"] is None
    assert "team = 'service_desk'" in quiet.explain()


def test_rule_order_and_output_order_return_lists():
    reordered = OUTPUTS.replace("hit_policy: POLICY", "hit_policy: rule_order").replace("AGGREGATOR", "")
    # rows in document order: slow, sites, breach
    body = reordered.split("    rows:\n")
    rows = body[1].strip("\n").split("\n")
    text = body[0] + "    rows:\n" + "\n".join(reversed(rows)) + "\n"
    assert asprules.grade(ALL_THREE, asprules.load_ruleset_texts(text)).outputs["team"] == ("service_desk", "network", "security")
    ranked = asprules.grade(ALL_THREE, asprules.load_ruleset_texts(text.replace("rule_order", "output_order")))
    assert ranked.outputs["team"] == ("security", "network", "service_desk")  # by the allowed values' order
    assert ranked.outputs["channels"] == (("phone",), ("sms",), ("email",))
    assert ranked.to_json()["outputs"]["channels"] == [["phone"], ["sms"], ["email"]]


def test_priority_ranks_by_the_declared_order_of_allowed_values():
    assert asprules.grade(ALL_THREE, outputs_rules("priority")).outputs["team"] == "security"
    assert asprules.grade(incident(affected_sites=5, outage_minutes=45), outputs_rules("priority")).outputs["team"] == "network"


@pytest.mark.parametrize(
    ("aggregator", "minutes", "team"),
    # sum adds numbers only (a text output lists its values); max is the first allowed value
    [("sum", 105, ("security", "network", "service_desk")), ("min", 15, "service_desk"), ("max", 60, "security"), ("count", 3, 3)],
)
def test_collect_aggregates_numbers_and_ranks_allowed_values(aggregator, minutes, team):
    decision = asprules.grade(ALL_THREE, outputs_rules("collect", aggregator))
    assert decision.outputs["minutes"] == minutes
    assert decision.outputs["team"] == team


def test_collect_without_aggregator_lists_every_matching_rows_value():
    decision = asprules.grade(ALL_THREE, outputs_rules("collect"))
    assert decision.outputs["minutes"] == (15, 30, 60)
    assert [f.id for f in decision.fired] == ["breach", "sites", "slow"]


def test_unique_and_any_check_the_matching_rows():
    with pytest.raises(asprules.EvaluationError, match="several rows match"):
        asprules.grade(BOTH, outputs_rules("unique"))
    with pytest.raises(asprules.EvaluationError, match="different outputs"):
        asprules.grade(BOTH, outputs_rules("any"))
    assert asprules.grade(incident(security_breach=True, outage_minutes=1), outputs_rules("unique")).outputs["team"] == "security"


def test_a_levels_table_gives_its_outputs_beside_the_level_on_generated_code():
    text = GRADED.replace(
        "tables:", "outputs:\n  - {id: queue, type: text, allowed: [red, grey], default: grey}\ntables:"
    ).replace("level: P1, cite", "level: P1, outputs: {queue: red}, cite")
    rules = asprules.load_ruleset_texts(text)
    evaluator = rules.decision("sla")
    assert evaluator.grade is not evaluator.grade_reference  # outputs keep the generated grader
    assert asprules.grade(incident(), rules).outputs == {"queue": "red"}
    assert asprules.grade(incident(core_service=False), rules).outputs == {"queue": "grey"}
    fact = asprules.parse_incident(incident())
    assert evaluator.grade(fact) == evaluator.grade_reference(fact)


def test_bad_outputs_are_typed_errors_at_their_key():
    ok = OUTPUTS.replace("POLICY", "first").replace("AGGREGATOR", "")
    _bad(ok.replace("minutes: 15,", "minutes: fifteen,"), "tables[0].rows[0].outputs.minutes: output 'minutes' (number): 'fifteen' is not a number")
    _bad(ok.replace("default: service_desk", "default: helpdesk"), "outputs[0].default: default of output 'team': 'helpdesk' is not one of the allowed values")
    _bad(ok.replace("channels: [phone]", "channels: [fax]"), "'fax' is not one of the allowed values")
    _bad(ok.replace("page: true, minutes: 15", "pager: true, minutes: 15"), "undeclared output 'pager'")
    _bad(GRADED.replace("hit_policy: first", "hit_policy: rule_order"), "returns lists of outputs: only in a ruleset without levels")
    _bad(ok.replace("    rows:", "    default: x\n    rows:"), "a table has no default")


# --- 3. chained decisions ------------------------------------------------------------------

IMPACT = """
asprules: 1
kind: grading
id: impact
levels:
  - {id: high, name: high}
  - {id: medium, name: medium}
  - {id: low, name: low, major: false}
tables:
  - id: impact
    cite: ITIL impact
    hit_policy: priority
    default: low
    rows:
      - {id: i-high, level: high, cite: ITIL impact, provenance: policy, when: {field: affected_users_pct, ge: 30}}
      - {id: i-medium, level: medium, cite: ITIL impact, provenance: policy, when: {field: affected_users_pct, ge: 5}}
"""
URGENCY = """
asprules: 1
kind: grading
id: urgency
outputs:
  - {id: urgency, type: text, allowed: [high, medium, low], default: low}
tables:
  - id: urgency
    cite: ITIL urgency
    hit_policy: priority
    rows:
      - {id: u-core, outputs: {urgency: high}, cite: ITIL urgency, provenance: policy, when: {field: core_service, eq: true}}
      - {id: u-long, outputs: {urgency: medium}, cite: ITIL urgency, provenance: policy, when: {field: outage_minutes, ge: 60}}
"""
MATRIX = """
asprules: 1
kind: grading
id: priority
requires: [impact, urgency]
levels:
  - {id: P1, name: P1}
  - {id: P2, name: P2}
  - {id: P3, name: P3, major: false}
tables:
  - id: matrix
    cite: ITIL priority matrix
    hit_policy: first
    default: P3
    rows:
      - {id: m-p1, level: P1, cite: ITIL, provenance: policy, when: {all: [{field: impact.level, eq: high}, {field: urgency.urgency, eq: high}]}}
      - {id: m-p2, level: P2, cite: ITIL, provenance: policy, when: {any: [{field: impact.level, eq: high}, {field: urgency.urgency, eq: high}]}}
"""


def test_impact_and_urgency_feed_a_priority_matrix():
    rules = asprules.load_ruleset_texts(MATRIX, IMPACT, URGENCY)  # any load order
    top = asprules.grade(incident(), rules, decision="priority")
    assert top.level == "P1"
    impact, urgency = top.inputs
    assert (impact.level, urgency.outputs) == ("high", {"urgency": "high"})
    # every fired row of every decision is in the trace
    assert [f.id for d in (top, *top.inputs) for f in d.fired] == ["m-p1", "i-high", "u-core"]
    payload = top.to_json()
    assert payload["inputs"]["urgency"]["outputs"] == {"urgency": "high"}
    assert "u-core" in top.explain() and "i-high" in top.explain()
    assert asprules.grade(incident(core_service=False, affected_users_pct=1), rules, decision="priority").level == "P3"
    assert asprules.grade(incident(core_service=False), rules, decision="priority").level == "P2"
    everything = asprules.grade_all(incident(), rules)
    assert everything["priority"] == top and everything["impact"] == impact


def test_a_chained_decision_is_not_available_on_rete():
    rules = asprules.load_ruleset_texts(MATRIX, IMPACT, URGENCY)
    with pytest.raises(asprules.BackendUnavailable, match="reads other decisions"):
        asprules.grade(incident(), rules, decision="priority", backend="rete")


BASE_DAYS = """
asprules: 1
kind: grading
id: base_days
outputs:
  - {id: days, type: number, default: 22}
tables:
  - id: base
    cite: HR 1
    hit_policy: first
    rows:
      - {id: young-or-old, outputs: {days: 27}, cite: HR 1, provenance: policy, when: {any: [{field: age, lt: 18}, {field: age, ge: 60}]}}
"""
EXTRA_DAYS = """
asprules: 1
kind: grading
id: extra_days
outputs:
  - {id: days, type: number, default: 0}
tables:
  - id: extra
    cite: HR 2
    hit_policy: collect
    aggregator: sum
    rows:
      - {id: senior, outputs: {days: 5}, cite: HR 2, provenance: policy, when: {field: years_of_service, ge: 30}}
      - {id: long, outputs: {days: 3}, cite: HR 2, provenance: policy, when: {field: years_of_service, ge: 15}}
      - {id: older, outputs: {days: 2}, cite: HR 2, provenance: policy, when: {field: age, ge: 45}}
"""
TOTAL_DAYS = """
asprules: 1
kind: grading
id: total_days
requires: [base_days, extra_days]
derived:
  total: {add: [base_days.days, extra_days.days]}
outputs:
  - {id: total, type: number}
  - {id: long_holiday, type: boolean, default: false}
tables:
  - id: total
    cite: HR 3
    hit_policy: first
    rows:
      - {id: long-holiday, outputs: {long_holiday: true}, cite: HR 3, provenance: policy, when: {field: total, ge: 30}}
"""
EMPLOYEE = """
asprules: 1
kind: facts
id: employee
fields:
  id: {type: text, required: true}
  age: {type: integer, required: true}
  years_of_service: {type: integer, required: true}
"""


def test_a_base_table_plus_adjustment_tables_summed_like_dmn_vacation_days():
    docs = [d.replace("kind: grading\n", "kind: grading\nfacts: employee\n") for d in (BASE_DAYS, EXTRA_DAYS, TOTAL_DAYS)]
    rules = asprules.load_ruleset_texts(EMPLOYEE, *docs)
    senior = asprules.grade({"id": "e1", "age": 61, "years_of_service": 31}, rules, decision="total_days")
    base, extra = senior.inputs
    assert (base.outputs["days"], extra.outputs["days"]) == (27, 10)
    assert senior.outputs["long_holiday"] is True
    junior = asprules.grade({"id": "e2", "age": 30, "years_of_service": 2}, rules, decision="total_days")
    assert (junior.inputs[0].outputs["days"], junior.inputs[1].outputs["days"], junior.outputs["long_holiday"]) == (22, 0, False)


def test_a_cycle_or_a_missing_dependency_is_a_load_error_at_its_key():
    looped = IMPACT.replace("id: impact\nlevels", "id: impact\nrequires: [priority]\nlevels")
    with pytest.raises(RulesetError) as exc:
        asprules.load_ruleset_texts(MATRIX, looped, URGENCY)
    (problem,) = exc.value.problems
    assert problem.path == ("requires", 0) and problem.line == 5 and "cycle" in problem.message  # the text starts with a newline
    assert "priority → impact → priority" in problem.message or "impact → priority → impact" in problem.message
    with pytest.raises(RulesetError) as exc:
        asprules.load_ruleset_texts(MATRIX, IMPACT)
    problem = exc.value.problems[0]  # then each condition naming urgency.* (an unknown field)
    assert problem.path == ("requires", 1) and "'urgency', which is not loaded" in problem.message
    selfish = IMPACT.replace("id: impact\nlevels", "id: impact\nrequires: [impact]\nlevels")
    with pytest.raises(RulesetError, match="cycle: impact → impact"):
        asprules.load_ruleset_texts(selfish)


def test_a_chained_condition_is_checked_against_the_required_decisions_types():
    with pytest.raises(RulesetError, match="'urgent' cannot be a value of 'urgency.urgency'|'urgent' is not one of"):
        asprules.load_ruleset_texts(MATRIX.replace("eq: high}]}}\n      - {id: m-p2", "eq: urgent}]}}\n      - {id: m-p2"), IMPACT, URGENCY)
    with pytest.raises(RulesetError, match="unknown field 'impact.score'"):
        asprules.load_ruleset_texts(MATRIX.replace("field: impact.level, eq: high}, {field: urgency", "field: impact.score, eq: high}, {field: urgency"), IMPACT, URGENCY)


# --- the checks learn them ---------------------------------------------------------------


def _write(tmp_path, **files):
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_validate_finds_gaps_in_a_table_of_outputs_and_does_not_analyse_a_chain(tmp_path):
    from asprules.checks.analysis import analyse

    routing = OUTPUTS.replace("POLICY", "first").replace("AGGREGATOR", "")
    findings = analyse(asprules.load_ruleset_texts(routing, MATRIX, IMPACT, URGENCY))
    gaps = [f for f in findings if f.code == "gap"]
    assert len(gaps) == 1 and "outputs minutes, channels have no default" in gaps[0].message and gaps[0].witness
    (skipped,) = [f for f in findings if f.code == "not-analysed"]
    assert skipped.rule == "priority" and skipped.line == 5


def test_overlaps_under_any_compare_outputs():
    from asprules.checks.analysis import analyse

    text = OUTPUTS.replace("POLICY", "any").replace("AGGREGATOR", "")
    overlaps = [f for f in analyse(asprules.load_ruleset_texts(text)) if f.code == "overlap"]
    assert len(overlaps) == 3 and all("has hit policy any but rows giving team=" in f.message for f in overlaps)


def test_scenarios_expect_outputs_and_obligations(tmp_path):
    from asprules.checks.scenarios import load_scenario_file, run_file

    _write(tmp_path, routing=OUTPUTS.replace("POLICY", "first").replace("AGGREGATOR", ""))
    base = json.dumps(incident(outage_minutes=10, core_service=False, affected_users_pct=1))
    (tmp_path / "r.scenarios.yaml").write_text(
        f"""asprules: 1
kind: scenarios
rules: routing.yaml
base: {{incident: {base}}}
scenarios:
  - {{name: sites, given: {{affected_sites: 4}}, expect: {{outputs: {{team: network, channels: [sms]}}, obligations: []}}}}
  - {{name: wrong, given: {{affected_sites: 4}}, expect: {{outputs: {{team: security, colour: red}}}}}}
""",
        encoding="utf-8",
    )
    ok, wrong = run_file(load_scenario_file(tmp_path / "r.scenarios.yaml"))
    assert ok.passed and not wrong.passed
    assert [str(m) for m in wrong.mismatches] == [
        "outputs.team: expected 'security', got 'network'",
        "outputs.colour: expected 'red', got '(not an output of this decision)'",
    ]


def test_coverage_counts_obligations_and_the_rows_of_required_decisions():
    from asprules.checks.coverage import CoverageTracker

    rules = asprules.load_ruleset_texts(MATRIX, IMPACT, URGENCY)
    tracker = CoverageTracker()
    tracker.track(rules)
    tracker.record(asprules.grade(incident(), rules, decision="priority"))
    hit = {c.ruleset: c.hit for c in tracker.report()}
    assert hit["priority"] == {"m-p1"} and hit["impact"] == {"i-high"} and hit["urgency"] == {"u-core"}
    handbook = asprules.load_rulesets()
    tracker.track(handbook)
    tracker.record(asprules.grade(incident(), handbook))
    (grading,) = [c for c in tracker.report() if c.ruleset == "asp-handbook-grading"]
    assert {"l1-oral-report", "l1-written-report", "l1-review"} <= grading.hit
    assert "minor-monthly-summary" in grading.missed


def test_diff_reports_changed_outputs_symbolically_and_over_a_corpus(tmp_path):
    from asprules.checks.diff import diff

    text = GRADED.replace("tables:", "outputs:\n  - {id: queue, type: text, default: grey}\ntables:").replace(
        "level: P1, cite", "level: P1, outputs: {queue: red}, cite"
    )
    old = asprules.load_ruleset_texts(text)
    new = asprules.load_ruleset_texts(text.replace("queue: red", "queue: amber"))
    (change,) = diff(old, new).changes
    assert (change.old, change.new, change.direction) == ("P1 {queue='red'}", "P1 {queue='amber'}", "changed")
    assert change.region == "core_service = true" and change.witness is not None
    routing = OUTPUTS.replace("POLICY", "first").replace("AGGREGATOR", "")
    old_r = asprules.load_ruleset_texts(routing)
    new_r = asprules.load_ruleset_texts(routing.replace("team: network", "team: security"))
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps(incident(affected_sites=4, outage_minutes=1)) + "\n" + json.dumps(incident(outage_minutes=1)) + "\n")
    report = diff(old_r, new_r, [corpus])
    assert report.changes == [] and "outputs only" in report.notes[0]
    (moved,) = report.corpus_changes
    assert moved.old["outputs"]["team"] == "network" and moved.new["outputs"]["team"] == "security"
    assert report.corpus_total == 2


def test_equal_deadlines_in_two_zones_keep_their_own_offsets():
    rules = asprules.load_rulesets()
    shanghai = asprules.grade(incident(), rules)
    utc = asprules.grade(incident(started_at="2026-12-02T02:00:00+00:00", customer={"id": "c", "timezone": "Asia/Tokyo"}), rules)
    a, b = (next(o for o in d.obligations if o.id == "l1-written-report") for d in (shanghai, utc))
    assert a.due == b.due  # the same instant
    assert (a.to_json()["due"], b.to_json()["due"]) == ("2026-12-02T14:00:00+08:00", "2026-12-02T15:00:00+09:00")
    assert asprules.grade(incident(), rules) is asprules.grade(incident(), rules)  # one object per outcome and deadlines


@pytest.mark.parametrize(("policy", "aggregator"), [("first", ""), ("priority", ""), ("collect", ""), ("collect", "sum"), ("rule_order", ""), ("output_order", "")])
def test_the_rete_backend_gives_the_same_outputs(policy, aggregator):
    pytest.importorskip("durable")
    rules = outputs_rules(policy, aggregator)
    for fact in (BOTH, ALL_THREE, incident(outage_minutes=1)):
        assert asprules.grade(fact, rules, backend="rete") == asprules.grade(fact, rules)
