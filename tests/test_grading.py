"""Hit policies, adjustments with caps and floors, and the decision trace."""

from __future__ import annotations

import pytest

import asprules
from support import grading_rules, incident, row

# Two rows that both match a 60-minute outage: L3 first in document order, L1 second.
OVERLAPPING = row("low", "L3", "{field: outage_minutes, ge: 30}") + row("high", "L1", "{field: outage_minutes, ge: 60}")


def test_first_policy_takes_the_first_matching_row_in_document_order(tmp_path):
    rules = grading_rules(tmp_path, OVERLAPPING, policy="first")
    d = asprules.grade(incident(outage_minutes=60), rules)
    assert (d.level, d.fired_ids) == ("L3", ("low",))


def test_priority_policy_takes_the_most_severe_matching_row(tmp_path):
    rules = grading_rules(tmp_path, OVERLAPPING, policy="priority")
    d = asprules.grade(incident(outage_minutes=60), rules)
    assert (d.level, d.fired_ids) == ("L1", ("high",))
    assert asprules.grade(incident(outage_minutes=45), rules).level == "L3"


def test_priority_ties_keep_document_order(tmp_path):
    rows = row("a", "L2", "{field: outage_minutes, ge: 30}") + row("b", "L2", "{field: outage_minutes, ge: 10}")
    rules = grading_rules(tmp_path, rows, policy="priority")
    assert asprules.grade(incident(outage_minutes=60), rules).fired_ids == ("a",)


def test_unique_policy_decides_when_one_row_matches(tmp_path):
    rules = grading_rules(tmp_path, OVERLAPPING, policy="unique")
    assert asprules.grade(incident(outage_minutes=45), rules).fired_ids == ("low",)


def test_unique_policy_refuses_when_several_rows_match(tmp_path):
    rules = grading_rules(tmp_path, OVERLAPPING, policy="unique")
    with pytest.raises(asprules.EvaluationError) as err:
        asprules.grade(incident(outage_minutes=60), rules)
    assert "low, high" in str(err.value)


def test_default_level_when_no_row_matches(tmp_path):
    rules = grading_rules(tmp_path, OVERLAPPING)
    d = asprules.grade(incident(outage_minutes=5), rules)
    assert (d.level, d.base_level, d.major, d.fired) == ("none", "none", False, ())


def adj(ident: str, when: str, **kw) -> str:
    extra = "".join(f", {k}: {v}" for k, v in kw.items())
    return f"- {{id: {ident}, cite: §34.2.4, provenance: assumed, basis: test, when: {when}{extra}}}\n"


VIP = "{field: vip_customer, eq: true}"
COMPLAINT = "{field: customer_complaint, eq: true}"
L3_ROW = row("base3", "L3", "{field: outage_minutes, ge: 30}")
L2_ROW = row("base2", "L2", "{field: outage_minutes, ge: 60}")


def test_raise_moves_towards_more_severe(tmp_path):
    rules = grading_rules(tmp_path, L3_ROW, adjustments=adj("vip", VIP, **{"raise": 1}))
    d = asprules.grade(incident(outage_minutes=30, vip_customer=True), rules)
    assert (d.base_level, d.level) == ("L3", "L2")
    assert d.fired[1].detail == "L3 → L2"


def test_raise_by_two_stops_at_its_cap(tmp_path):
    rules = grading_rules(tmp_path, L3_ROW, adjustments=adj("vip", VIP, **{"raise": 2, "cap": "L2"}))
    d = asprules.grade(incident(outage_minutes=30, vip_customer=True), rules)
    assert d.level == "L2"
    assert "bounded at L2" in d.fired[1].detail


def test_raise_never_lowers_a_level_already_above_its_cap(tmp_path):
    rules = grading_rules(tmp_path, row("b1", "L1", "{field: outage_minutes, ge: 30}"), adjustments=adj("vip", VIP, **{"raise": 1, "cap": "L2"}))
    d = asprules.grade(incident(outage_minutes=30, vip_customer=True), rules)
    assert d.level == "L1"
    assert "no change" in d.fired[1].detail


def test_raise_without_cap_stops_at_the_most_severe_level(tmp_path):
    rules = grading_rules(tmp_path, L3_ROW, adjustments=adj("vip", VIP, **{"raise": 5}))
    assert asprules.grade(incident(outage_minutes=30, vip_customer=True), rules).level == "L1"


def test_lower_stops_at_its_floor(tmp_path):
    rules = grading_rules(tmp_path, row("b1", "L1", "{field: outage_minutes, ge: 30}"), adjustments=adj("quick", VIP, lower=3, floor="L2"))
    assert asprules.grade(incident(outage_minutes=30, vip_customer=True), rules).level == "L2"


def test_lower_without_floor_stays_a_major_fault(tmp_path):
    rules = grading_rules(tmp_path, L2_ROW, adjustments=adj("quick", VIP, lower=5))
    assert asprules.grade(incident(outage_minutes=60, vip_customer=True), rules).level == "L3"


def test_lower_with_floor_none_may_leave_major(tmp_path):
    rules = grading_rules(tmp_path, L3_ROW, adjustments=adj("quick", VIP, lower=1, floor="none", applies_to="[L3]"))
    d = asprules.grade(incident(outage_minutes=30, vip_customer=True), rules)
    assert (d.level, d.major) == ("none", False)


def test_adjustments_do_not_touch_non_major_levels_by_default(tmp_path):
    rules = grading_rules(tmp_path, L3_ROW, adjustments=adj("vip", VIP, **{"raise": 1}))
    d = asprules.grade(incident(outage_minutes=5, vip_customer=True), rules)
    assert (d.level, d.fired) == ("none", ())


def test_applies_to_restricts_the_levels_adjusted(tmp_path):
    rules = grading_rules(tmp_path, L3_ROW + L2_ROW, policy="priority", adjustments=adj("vip", VIP, **{"raise": 1, "applies_to": "[L3]"}))
    assert asprules.grade(incident(outage_minutes=30, vip_customer=True), rules).level == "L2"
    d = asprules.grade(incident(outage_minutes=60, vip_customer=True), rules)
    assert (d.level, d.fired_ids) == ("L2", ("base2",))


def test_adjustments_apply_in_order_each_traced(tmp_path):
    adjustments = adj("vip", VIP, **{"raise": 1, "cap": "L2"}) + adj("complaint", COMPLAINT, **{"raise": 1})
    rules = grading_rules(tmp_path, L3_ROW, adjustments=adjustments)
    d = asprules.grade(incident(outage_minutes=30, vip_customer=True, customer_complaint=True), rules)
    assert d.level == "L1"
    assert [(f.id, f.kind, f.detail) for f in d.fired] == [
        ("base3", "row", "gives L3"),
        ("vip", "adjustment", "L3 → L2"),
        ("complaint", "adjustment", "L2 → L1"),
    ]


def test_most_severe_table_wins_when_several_apply(tmp_path):
    text = f"""\
asprules: 1
kind: grading
id: two-tables
levels: [{{id: L1, name: a}}, {{id: L2, name: b}}, {{id: none, name: c, major: false}}]
tables:
  - id: mild
    cite: §34.2.2
    hit_policy: first
    default: none
    rows:
      - {{id: m, level: L2, cite: §34.2.2, provenance: assumed, basis: t, when: {{field: outage_minutes, ge: 10}}}}
  - id: severe
    cite: §34.2.3
    applies_when: {{field: core_service, eq: true}}
    hit_policy: first
    default: none
    rows:
      - {{id: s, level: L1, cite: §34.2.3, provenance: assumed, basis: t, when: {{field: outage_minutes, ge: 10}}}}
"""
    (tmp_path / "g.yaml").write_text(text)
    rules = asprules.load_rulesets(tmp_path / "g.yaml")
    assert asprules.grade(incident(outage_minutes=20), rules).table == "mild"
    d = asprules.grade(incident(outage_minutes=20, core_service=True), rules)
    assert (d.level, d.table, d.fired_ids) == ("L1", "severe", ("s",))


def test_no_applicable_table_is_an_evaluation_error(tmp_path):
    text = """\
asprules: 1
kind: grading
id: office-only
levels: [{id: L1, name: a}, {id: none, name: c, major: false}]
tables:
  - id: office
    cite: §34.2.3
    applies_when: {field: environment, eq: office}
    hit_policy: first
    default: none
    rows:
      - {id: o, level: L1, cite: §34.2.3, provenance: assumed, basis: t, when: {field: outage_minutes, ge: 10}}
"""
    (tmp_path / "g.yaml").write_text(text)
    rules = asprules.load_rulesets(tmp_path / "g.yaml")
    with pytest.raises(asprules.EvaluationError, match="no grading table applies"):
        asprules.grade(incident(), rules)


def test_equal_outcomes_share_one_decision_and_carry_the_ruleset_hash(tmp_path):
    rules = grading_rules(tmp_path, OVERLAPPING)
    a = asprules.grade(incident(id="A", outage_minutes=40), rules)
    b = asprules.grade(incident(id="B", outage_minutes=50), rules)
    assert a is b
    assert a.ruleset.id == "t" and len(a.ruleset.sha256) == 64


def test_content_hash_ignores_comments_and_key_order(tmp_path):
    one = grading_rules(tmp_path, OVERLAPPING).grading.ref.sha256
    text = (tmp_path / "grading.yaml").read_text()
    (tmp_path / "grading.yaml").write_text("# a comment\n" + text.replace("hit_policy: first\n    default: none", "default: none\n    hit_policy: first"))
    assert asprules.load_rulesets(tmp_path / "grading.yaml").grading.ref.sha256 == one
    (tmp_path / "grading.yaml").write_text(text.replace("ge: 60", "ge: 61"))
    assert asprules.load_rulesets(tmp_path / "grading.yaml").grading.ref.sha256 != one


def test_grade_accepts_a_validated_incident_model(tmp_path):
    rules = grading_rules(tmp_path, OVERLAPPING)
    model = asprules.parse_incident(incident(outage_minutes=40))
    assert asprules.grade(model, rules).level == "L3"


def test_explain_names_levels_rows_adjustments_and_citations(tmp_path):
    rules = asprules.load_rulesets()
    d = asprules.grade(incident(outage_minutes=40, affected_users_pct=8, vip_customer=True), rules)
    text = d.explain()
    assert "二级重大故障" in text and "prod-l3-outage (§34.2.2)" in text
    assert "adj-vip-customer (§34.2.4)" in text and "L3 → L2" in text
    assert "reference default" in text
