"""Every condition operator, combinator and time condition, through a one-row table."""

from __future__ import annotations

import pytest

import asprules
from support import grading_rules, grading_text, incident, row


def matches(tmp_path, when: str, extra: str = "", **facts) -> bool:
    rules = grading_rules(tmp_path, row("r", "L1", when), extra=extra)
    return asprules.grade(incident(**facts), rules).level == "L1"


@pytest.mark.parametrize(
    "when, facts, expected",
    [
        ("{field: outage_minutes, eq: 30}", {"outage_minutes": 30}, True),
        ("{field: outage_minutes, eq: 30}", {"outage_minutes": 31}, False),
        ("{field: environment, ne: office}", {}, True),
        ("{field: environment, ne: production}", {}, False),
        ("{field: outage_minutes, lt: 30}", {"outage_minutes": 29.9}, True),
        ("{field: outage_minutes, lt: 30}", {"outage_minutes": 30}, False),
        ("{field: outage_minutes, le: 30}", {"outage_minutes": 30}, True),
        ("{field: outage_minutes, le: 30}", {"outage_minutes": 30.1}, False),
        ("{field: outage_minutes, gt: 30}", {"outage_minutes": 30.1}, True),
        ("{field: outage_minutes, gt: 30}", {"outage_minutes": 30}, False),
        ("{field: outage_minutes, ge: 30}", {"outage_minutes": 30}, True),
        ("{field: outage_minutes, ge: 30}", {"outage_minutes": 29}, False),
        ("{field: environment, in: [production, office]}", {}, True),
        ("{field: environment, in: [office]}", {}, False),
        ("{field: environment, not_in: [office]}", {}, True),
        ("{field: environment, not_in: [production]}", {}, False),
        ("{field: affected_users_pct, between: [10, 20]}", {"affected_users_pct": 10}, True),
        ("{field: affected_users_pct, between: [10, 20]}", {"affected_users_pct": 20}, True),
        ("{field: affected_users_pct, between: [10, 20]}", {"affected_users_pct": 20.5}, False),
        ("{field: core_service, eq: true}", {"core_service": True}, True),
        ("{field: core_service, eq: true}", {"core_service": False}, False),
        ("{field: site, present: true}", {"site": "S1"}, True),
        ("{field: site, present: true}", {}, False),
        ("{field: site, present: false}", {}, True),
    ],
)
def test_comparison_operators(tmp_path, when, facts, expected):
    assert matches(tmp_path, when, **facts) is expected


def test_absent_optional_value_never_satisfies_a_comparison(tmp_path):
    # ne against an absent site must not hold: an unknown is not "different"
    assert matches(tmp_path, "{field: site, ne: S1}") is False
    assert matches(tmp_path, "{field: customer.id, eq: C1}") is False
    assert matches(tmp_path, "{field: customer.id, eq: C1}", customer={"id": "C1"}) is True


@pytest.mark.parametrize(
    "when, facts, expected",
    [
        ("{all: [{field: core_service, eq: true}, {field: outage_minutes, ge: 10}]}", {"core_service": True, "outage_minutes": 10}, True),
        ("{all: [{field: core_service, eq: true}, {field: outage_minutes, ge: 10}]}", {"core_service": True, "outage_minutes": 9}, False),
        ("{any: [{field: core_service, eq: true}, {field: outage_minutes, ge: 10}]}", {"outage_minutes": 10}, True),
        ("{any: [{field: core_service, eq: true}, {field: outage_minutes, ge: 10}]}", {"outage_minutes": 9}, False),
        ("{not: {field: core_service, eq: true}}", {"core_service": False}, True),
        ("{not: {field: core_service, eq: true}}", {"core_service": True}, False),
        ("{not: {any: [{field: data_loss, eq: true}, {all: [{field: core_service, eq: true}]}]}}", {}, True),
    ],
)
def test_combinators(tmp_path, when, facts, expected):
    assert matches(tmp_path, when, **facts) is expected


DERIVED = """derived:
  outage_hours: {div: [outage_minutes, 60]}
  user_hours: {mul: [affected_users, outage_hours]}
  spread: {max: [affected_sites, 2]}
  half: {sub: [outage_minutes, 30]}
  total: {add: [affected_sites, affected_users, 1]}
  smallest: {min: [affected_sites, 5]}
"""


@pytest.mark.parametrize(
    "when, facts, expected",
    [
        ("{field: user_hours, ge: 100}", {"affected_users": 100, "outage_minutes": 60}, True),
        ("{field: user_hours, ge: 100}", {"affected_users": 100, "outage_minutes": 59}, False),
        ("{field: spread, eq: 2}", {"affected_sites": 1}, True),
        ("{field: half, lt: 0}", {"outage_minutes": 10}, True),
        ("{field: total, eq: 13}", {"affected_sites": 2, "affected_users": 10}, True),
        ("{field: smallest, eq: 5}", {"affected_sites": 9}, True),
    ],
)
def test_derived_values(tmp_path, when, facts, expected):
    assert matches(tmp_path, when, extra=DERIVED, **facts) is expected


def test_division_by_a_zero_field_is_undefined_not_a_crash(tmp_path):
    extra = "derived:\n  per_site: {div: [affected_users, affected_sites]}\n"
    assert matches(tmp_path, "{field: per_site, ge: 0}", extra=extra, affected_sites=0) is False
    assert matches(tmp_path, "{field: per_site, ge: 0}", extra=extra, affected_sites=2) is True


@pytest.mark.parametrize(
    "started_at, zone, expected",
    [
        ("2026-11-18T01:00:00+08:00", None, False),  # no zone anywhere: UTC, where it is 17:00
        ("2026-11-18T01:00:00+00:00", None, True),
        ("2026-11-18T05:59:00+00:00", None, True),
        ("2026-11-18T06:00:00+00:00", None, False),
        ("2026-11-18T00:59:00+00:00", None, False),
        ("2026-11-18T02:00:00+08:00", "Asia/Shanghai", True),
        ("2026-11-18T02:00:00+00:00", "Asia/Shanghai", False),  # 10:00 in Shanghai
        ("2026-11-18T02:00:00+00:00", "America/New_York", False),  # 21:00 the evening before
        ("2026-11-18T07:30:00+00:00", "America/New_York", True),  # 02:30 EST
    ],
)
def test_local_time_band_in_customer_zone(tmp_path, started_at, zone, expected):
    when = "{local_time: {field: started_at, within: '01:00-06:00'}}"
    facts = {"started_at": started_at}
    if zone:
        facts["customer"] = {"id": "C", "timezone": zone}
    assert matches(tmp_path, when, **facts) is expected


@pytest.mark.parametrize(
    "local, expected",
    [("23:00", True), ("01:59", True), ("02:00", False), ("21:59", False), ("22:00", True), ("12:00", False)],
)
def test_local_time_band_crossing_midnight(tmp_path, local, expected):
    when = "{local_time: {field: started_at, within: '22:00-02:00'}}"
    started = f"2026-11-18T{local}:00+00:00"
    assert matches(tmp_path, when, started_at=started) is expected


def test_local_time_default_zone_from_ruleset(tmp_path):
    extra = (
        "defaults:\n  timezone: {value: Asia/Shanghai, cite: §1.4.3, provenance: assumed, basis: test}\n"
    )
    when = "{local_time: {field: started_at, within: '01:00-06:00'}}"
    assert matches(tmp_path, when, extra=extra, started_at="2026-11-18T02:00:00+08:00") is True
    assert matches(tmp_path, when, extra=extra, started_at="2026-11-18T02:00:00+00:00") is False


CALENDAR = """
asprules: 1
kind: calendar
id: cal
timezone: Asia/Shanghai
periods:
  - {name: holiday, start: 2026-10-01, end: 2026-10-07, cite: §1.4.4, provenance: assumed, basis: test}
  - {name: meeting, start: "2026-03-05T09:00:00+08:00", end: "2026-03-05T12:00:00+08:00", cite: §1.4.4, provenance: assumed, basis: test}
"""


def _period_rules(tmp_path):
    (tmp_path / "cal.yaml").write_text(CALENDAR.lstrip(), encoding="utf-8")
    text = grading_text(row("r", "L1", "{in_sensitive_period: {field: started_at}}"), extra="calendars: [cal]\n")
    (tmp_path / "grading.yaml").write_text(text, encoding="utf-8")
    return asprules.load_rulesets(tmp_path)


@pytest.mark.parametrize(
    "started_at, expected",
    [
        ("2026-10-01T00:00:00+08:00", True),  # the first local minute of the first day
        ("2026-09-30T23:59:00+08:00", False),
        ("2026-10-07T23:59:00+08:00", True),  # the end date is included, whole day
        ("2026-10-08T00:00:00+08:00", False),
        ("2026-09-30T16:00:00+00:00", True),  # = 2026-10-01 00:00 in Shanghai
        ("2026-03-05T11:59:00+08:00", True),
        ("2026-03-05T12:00:00+08:00", False),  # date-time ends are exclusive
    ],
)
def test_calendar_membership(tmp_path, started_at, expected):
    rules = _period_rules(tmp_path)
    assert (asprules.grade(incident(started_at=started_at), rules).level == "L1") is expected


def test_customer_sensitive_periods_add_to_the_calendar(tmp_path):
    rules = _period_rules(tmp_path)
    own = {
        "id": "C",
        "sensitive_periods": [
            {"name": "customer launch", "start": "2026-11-18T00:00:00+08:00", "end": "2026-11-19T00:00:00+08:00"}
        ],
    }
    assert asprules.grade(incident(started_at="2026-11-18T14:00:00+08:00"), rules).level == "none"
    assert asprules.grade(incident(started_at="2026-11-18T14:00:00+08:00", customer=own), rules).level == "L1"
