"""asprules.testing: the strategies users import give valid, consistent facts and rulesets."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from hypothesis import find, given, settings

import asprules
from asprules import clock
import asprules.testing
from asprules.testing import authorized_operations, facts_of, grading_rulebooks, grading_rulesets, incidents, operations, windows

RULES = asprules.load_rulesets()


def _offset_matches_zone(instant, zone_name):
    return instant.utcoffset() == instant.astimezone(clock.zone(zone_name)).utcoffset()


@given(incidents())
def test_incidents_are_valid_with_consistent_timestamps(inc):
    assert asprules.parse_incident(inc.model_dump(mode="json")) == inc
    assert inc.outage_minutes is not None and inc.outage_minutes >= 0
    for later in (inc.recovered_at, inc.as_of):
        if later is not None:
            assert later >= inc.started_at
            assert inc.outage_minutes == (later - inc.started_at).total_seconds() / 60
    if inc.customer is not None and inc.customer.timezone is not None:
        assert _offset_matches_zone(inc.started_at, inc.customer.timezone)


@given(operations())
def test_operations_are_valid_and_schedules_are_ordered(op):
    assert op.scheduled_end > op.scheduled_start
    assert asprules.parse_operation(op.model_dump(mode="json")) == op
    assert asprules.authorize(op, RULES).status in ("authorized", "pending", "denied")


@given(operations(hazards=False))
def test_operations_without_hazards_break_no_flagged_hard_rule(op):
    d = asprules.authorize(op, RULES)
    assert not {"other-vendor-equipment", "third-party-alone", "remote-without-scope", "beyond-approved-scope"} & {
        v.rule for v in d.violations
    }


@given(authorized_operations(RULES))
def test_authorized_operations_pass_the_shipped_chain(op):
    d = asprules.authorize(op, RULES)
    assert d.status == "authorized", d.explain()
    assert all(a.at <= op.scheduled_start for a in op.approvals)


@given(windows())
def test_windows_parse_and_have_the_drawn_length(text):
    w = clock.parse_window(text)
    assert 0 < w.length_minutes < 24 * 60 and w.text == text


@given(grading_rulesets())
def test_generated_rulesets_load(text):
    book = asprules.load_ruleset_texts(text)
    assert book.grading is not None and book.authorization is None


@given(grading_rulebooks(), incidents())
def test_generated_rulebooks_grade_every_incident_to_a_declared_level(book, inc):
    d = asprules.grade(inc, book)
    assert d.level in {lv.id for lv in book.grading.levels}


def test_incident_recovery_offsets_follow_dst():
    # one draw is enough to see the strategy converts each instant in its own zone
    @given(incidents(zones=["America/New_York"]))
    def check(inc):
        end = inc.recovered_at or inc.as_of
        if end is not None:
            assert _offset_matches_zone(end, "America/New_York")
            assert end - inc.started_at == timedelta(minutes=inc.outage_minutes)

    check()


def test_core_library_does_not_import_hypothesis():
    code = "import sys, asprules; asprules.load_rulesets(); print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_testing_module_without_hypothesis_says_how_to_install_it():
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "try:\n    import asprules.testing\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "asprules.testing needs hypothesis" in out.stdout and "pip install 'asprules[test]'" in out.stdout


def test_ruleset_texts_report_problems_against_the_text_they_came_from():
    import pytest

    with pytest.raises(asprules.RulesetError) as err:
        asprules.load_ruleset_texts("asprules: 1\nkind: grading\nid: x\nlevels: 3\n")
    assert all(p.file == "<text 1>" for p in err.value.problems)
    assert any(p.line == 4 for p in err.value.problems)


# --- facts_of: facts of any schema, the organization's own included -------------------------

SRE = asprules.load_rulesets("examples/sre/rules")
CHANGE = asprules.load_rulesets("examples/change-management/rules")
SCHEMAS = [("incident", RULES), ("operation", RULES), ("sre-incident", SRE), ("change", CHANGE)]


@pytest.mark.parametrize("schema_id, rules", SCHEMAS, ids=[s for s, _ in SCHEMAS])
def test_facts_of_each_schema_are_valid_and_decided_without_error(schema_id, rules):
    schema = rules.fact_schema(schema_id) or asprules.testing.bundled_schemas()[schema_id]

    @settings(max_examples=120, deadline=None)
    @given(facts_of(schema_id, rules))
    def check(fact):
        assert type(fact) is schema.model
        assert schema.model.model_validate(fact.model_dump(mode="json")) == fact  # what the strategy gives, a ticket can carry
        if schema_id in ("incident", "sre-incident"):
            assert set(asprules.grade_all(fact, rules)) == set(rules.decisions)
        elif rules.authorization is not None:
            assert asprules.authorize(fact, rules).status in ("authorized", "pending", "denied")

    check()


def test_facts_of_meet_the_schemas_cross_field_checks():
    @settings(max_examples=200, deadline=None)
    @given(facts_of("incident"), facts_of("operation"))
    def check(inc, op):
        assert inc.outage_minutes is not None and inc.outage_minutes >= 0
        for later in (inc.recovered_at, inc.as_of):
            assert later is None or later >= inc.started_at
        assert op.scheduled_end > op.scheduled_start
        for customer in (inc.customer, op.customer):
            for period in customer.sensitive_periods if customer else ():
                assert period.end > period.start

    check()


@pytest.mark.parametrize(
    "wanted",
    [
        lambda f: f.customer is None,
        lambda f: f.customer is not None and f.customer.tier == "enterprise",
        lambda f: f.outage is None,
        lambda f: f.outage is not None and f.outage > 600,
        lambda f: len(f.services) == 4,
        lambda f: f.users_affected_pct == 100,
        lambda f: f.started_at.utcoffset() == timedelta(hours=5, minutes=45),  # Asia/Kathmandu
    ],
    ids=["no-customer", "enterprise", "no-outage", "long-outage", "every-service", "all-users", "kathmandu"],
)
def test_facts_of_reach_every_corner_of_a_declared_schema(wanted):
    find(facts_of("sre-incident", SRE), wanted, settings=settings(max_examples=2000, database=None))


def test_facts_of_reach_every_level_of_the_organizations_own_ruleset():
    severity = SRE.decision("sre-severity")
    for level in [lv.id for lv in severity.levels]:
        find(
            facts_of("sre-incident", SRE),
            lambda f: asprules.grade(f, SRE, decision="sre-severity").level == level,
            settings=settings(max_examples=5000, database=None),
        )


def test_facts_of_an_unknown_schema_names_the_known_ones():
    with pytest.raises(ValueError, match=r"no fact schema 'tickets'; known: .*incident.*operation.*sre-incident"):
        facts_of("tickets", SRE)


def test_facts_of_draws_within_awkward_bounds_and_a_duration_typed_outage():
    # a number whose bounds hold no whole number, and the incident's outage redeclared as a
    # duration (ISO 8601 text allowed) under its timeline check
    rules = asprules.load_ruleset_texts(
        """
asprules: 1
kind: facts
id: odd-incident
extends: incident
fields:
  share: {type: number, min: 0.2, max: 0.7}
  outage_minutes: {type: duration, min: 0, max: 100000, required: false}
"""
    )
    (schema,) = rules.fact_schemas

    @settings(max_examples=200, deadline=None)
    @given(facts_of(schema))
    def check(fact):
        assert 0.2 <= fact.share <= 0.7
        assert fact.outage_minutes is not None and fact.outage_minutes >= 0

    check()
