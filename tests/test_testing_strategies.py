"""asprules.testing: the strategies users import give valid, consistent facts and rulesets."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from hypothesis import given

import asprules
from asprules import clock
from asprules.testing import authorized_operations, grading_rulebooks, grading_rulesets, incidents, operations, windows

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
