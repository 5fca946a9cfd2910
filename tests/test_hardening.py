"""Regression tests for the twenty defects of the adversarial pass (issue 17).

Each test is named after what must hold, and its comment gives the defect's number in the
issue. The hostile-file cases are parametrized, so a new one is one more row.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import asprules
from asprules import FactError, RulesetError
from asprules.cli import main
from asprules.source import parse_text
from support import needs_rete, FULL_CHAIN, REPO, RULESETS, approval, grading_text, incident, operation, row, write

RULES = asprules.load_rulesets()
CALENDAR = (RULESETS / "calendar-cn.yaml").read_text(encoding="utf-8")
AUTHORIZATION = (RULESETS / "authorization.yaml").read_text(encoding="utf-8")


def with_constraint(when: str, ident: str = "extra") -> asprules.Rulebook:
    """The shipped authorization ruleset with one more constraint."""
    extra = (
        f"  - id: {ident}\n    cite: §1.4.3\n    provenance: assumed\n    basis: test\n"
        f"    when: {when}\n    message: refused by the test constraint\n"
    )
    return asprules.load_ruleset_texts(AUTHORIZATION.replace("constraints:\n", "constraints:\n" + extra, 1), CALENDAR)


def problems(exc: pytest.ExceptionInfo) -> str:
    return "\n".join(p.message for p in exc.value.problems)


# --- 1. Rete: a negated in/not_in holds on an absent value --------------------------------


@needs_rete
@pytest.mark.parametrize(
    "when, holds_on_absent",
    [
        ("{not: {field: customer.timezone, in: [Asia/Shanghai]}}", True),
        ("{not: {field: customer.timezone, not_in: [Asia/Shanghai]}}", True),
        ("{field: customer.timezone, in: [Asia/Shanghai]}", False),
        ("{field: customer.timezone, not_in: [Asia/Shanghai]}", False),
        ("{not: {field: customer.timezone, in: []}}", True),
        ("{not: {field: customer.timezone, not_in: []}}", True),
    ],
)
def test_rete_decides_negated_membership_on_an_absent_value_as_compiled(when: str, holds_on_absent: bool) -> None:
    rules = with_constraint(when)
    no_zone = operation(customer={"id": "C1"})  # a customer with no timezone
    compiled = asprules.authorize(no_zone, rules)
    rete = asprules.authorize(no_zone, rules, backend="rete")
    assert ("extra" in {v.rule for v in compiled.violations}) is holds_on_absent
    assert rete.to_json() == compiled.to_json()


# --- 2. numbers are not date-times ------------------------------------------------------------


@pytest.mark.parametrize("value", [20261203, 1763600000000, 1763600000.5, "1763600000", "20261203", True])
def test_a_number_is_refused_as_an_approval_time(value: Any) -> None:
    chain = [approval("management", "service_manager", value), *FULL_CHAIN[1:]]
    with pytest.raises(FactError) as exc:
        asprules.authorize(operation(approvals=chain), RULES)
    assert exc.value.problems[0].field == "approvals[0].at"
    assert "ISO 8601" in problems(exc)


@pytest.mark.parametrize("field", ["started_at", "recovered_at", "as_of"])
def test_a_number_is_refused_as_an_incident_time(field: str) -> None:
    with pytest.raises(FactError, match="ISO 8601"):
        asprules.grade(incident(**{field: 1763600000}), RULES)


def test_a_number_is_refused_as_a_time_in_a_fact_file_and_a_declared_instant(tmp_path: Path) -> None:
    path = write(tmp_path, "inc.yaml", json.dumps(incident(started_at=20261118)))
    with pytest.raises(FactError, match="ISO 8601"):
        asprules.incident_from_file(str(path))
    schema = asprules.load_ruleset_texts(
        "asprules: 1\nkind: facts\nid: ticket\nfields:\n  id: {type: text}\n  opened: {type: instant}\n  sev: {type: integer}\n",
        "asprules: 1\nkind: grading\nid: g\nfacts: ticket\nlevels: [{id: A, name: a}, {id: B, name: b, major: false}]\n"
        "tables:\n  - {id: t, cite: §34.2.2, hit_policy: first, default: B, rows: [{id: r, level: A, cite: §34.2.2, provenance: assumed, basis: t, when: {field: sev, ge: 3}}]}\n",
    )
    with pytest.raises(FactError, match="ISO 8601"):
        asprules.grade({"id": "T1", "opened": 1763600000, "sev": 1}, schema)
    assert asprules.grade({"id": "T1", "opened": "2026-11-18T14:00:00+08:00", "sev": 3}, schema).level == "A"


def test_a_yaml_timestamp_with_an_offset_is_still_a_date_time(tmp_path: Path) -> None:
    text = "\n".join(f"{k}: {json.dumps(v) if k != 'started_at' else v}" for k, v in incident().items())
    path = write(tmp_path, "inc.yaml", text)
    assert asprules.incident_from_file(str(path)).started_at == datetime(2026, 11, 18, 6, tzinfo=timezone.utc)


def test_a_calendar_period_given_as_a_number_is_a_load_error() -> None:
    calendar = CALENDAR.replace("start: 2026-10-01", "start: 20261001", 1)
    assert calendar != CALENDAR
    with pytest.raises(RulesetError, match="not a date"):
        asprules.load_ruleset_texts(AUTHORIZATION, calendar)


# --- 3. YAML 1.2 scalars -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [("010", 10), ("0o17", 15), ("0x1F", 31), ("+12", 12), ("-0", 0), ("0b101", "0b101"), ("1:30", "1:30"), ("1_000", "1_000"),
     ("yes", "yes"), ("No", "No"), ("on", "on"), ("1e3", 1000.0), ("1e-05", 1e-05), (".5", 0.5), ("=", "=")],
)
def test_scalars_read_as_yaml_1_2(text: str, value: Any) -> None:
    assert parse_text(f"x: {text}\n").data == {"x": value}


@pytest.mark.parametrize("text", ["0b101", "1:30", "1_000"])
def test_a_yaml_1_1_integer_is_refused_by_an_integer_fact_field(text: str) -> None:
    body = "\n".join(f"{k}: {json.dumps(v)}" for k, v in incident().items() if k != "affected_sites")
    doc = parse_text(body + f"\naffected_sites: {text}\n", "inc.yaml", FactError)
    with pytest.raises(FactError) as exc:
        asprules.parse_incident(doc.data, source=doc)
    assert exc.value.problems[0].field == "affected_sites" and exc.value.problems[0].line is not None


def test_a_leading_zero_is_decimal_in_facts_and_rules() -> None:
    body = "\n".join(f"{k}: {json.dumps(v)}" for k, v in incident().items() if k != "affected_sites")
    assert parse_text(body + "\naffected_sites: 010\n").data["affected_sites"] == 10
    rules = asprules.load_ruleset_texts(grading_text(row("r", "L1", "{field: affected_sites, ge: 010}")))
    assert asprules.grade(incident(affected_sites=9), rules).level == "none"
    assert asprules.grade(incident(affected_sites=10), rules).level == "L1"


@pytest.mark.parametrize("text", ["0b101", "1:30", "1_000", "!!int 0b1"])
def test_a_yaml_1_1_number_in_a_rule_file_is_a_load_error(text: str) -> None:
    with pytest.raises(RulesetError):
        asprules.load_ruleset_texts(grading_text(row("r", "L1", f"{{field: affected_sites, ge: {text}}}")))


# --- 4. has_approval with empty roles or evidence ---------------------------------------------


@pytest.mark.parametrize("key", ["roles", "evidence"])
def test_has_approval_with_an_empty_list_is_a_load_error_that_validate_reports(key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    when = f"{{not: {{has_approval: {{step: management, {key}: []}}}}}}"
    with pytest.raises(RulesetError) as exc:
        with_constraint(when)
    assert f"{key}: []" in problems(exc) and exc.value.problems[0].field.endswith(key)
    text = AUTHORIZATION.replace(
        "constraints:\n",
        f"constraints:\n  - id: extra\n    cite: §1.4.3\n    provenance: assumed\n    basis: test\n    when: {when}\n    message: m\n",
        1,
    )
    write(tmp_path, "authorization.yaml", text)
    write(tmp_path, "calendar-cn.yaml", CALENDAR)
    assert main(["validate", str(tmp_path)]) == 2
    assert f"{key}: []" in capsys.readouterr().err


@pytest.mark.parametrize("key", ["roles", "evidence"])
def test_a_compiled_has_approval_with_an_empty_list_accepts_nothing(key: str) -> None:
    from asprules.engine.compile import compile_condition
    from asprules.format.document import HasApproval

    cond = HasApproval.model_validate({"has_approval": {"step": "management", key: []}})
    pred = compile_condition(RULES.authorization.ctx, cond)
    assert pred(asprules.parse_operation(operation())) is False


# --- 6. inconsistent outage measures -----------------------------------------------------------


@pytest.mark.parametrize(
    "over",
    [
        {"outage_minutes": 0, "recovered_at": "2026-11-19T00:00:00+08:00"},
        {"outage_minutes": 600, "recovered_at": "2026-11-18T14:30:00+08:00"},
        {"outage_minutes": 600, "as_of": "2026-11-18T14:30:00+08:00"},
    ],
)
def test_outage_minutes_that_contradict_the_times_are_a_fact_error(over: dict[str, Any]) -> None:
    with pytest.raises(FactError, match="disagrees"):
        asprules.grade(incident(**over), RULES)


def test_outage_minutes_agreeing_with_the_times_within_a_minute_are_accepted() -> None:
    fact = incident(outage_minutes=600.5, recovered_at="2026-11-19T00:00:00+08:00")
    assert asprules.grade(fact, RULES).level == asprules.grade(incident(outage_minutes=600), RULES).level
    # observed later than it recovered: the outage may be shorter than the time to as_of
    asprules.grade(incident(outage_minutes=5, as_of="2026-11-18T20:00:00+08:00"), RULES)


# --- 7. model_construct facts are validated ----------------------------------------------------


@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_an_unvalidated_model_is_validated_before_it_is_graded(backend: str) -> None:
    bad = asprules.Incident.model_construct(**{**asprules.parse_incident(incident()).__dict__, "outage_minutes": math.nan})
    with pytest.raises(FactError, match="finite"):
        asprules.grade(bad, RULES, backend=backend)
    with pytest.raises(FactError):
        list(asprules.grade_many([bad], RULES))
    copied = asprules.parse_incident(incident()).model_copy(update={"affected_users_pct": 400.0})
    with pytest.raises(FactError, match="affected_users_pct"):
        asprules.grade(copied, RULES)


def test_a_constructed_nested_model_is_validated_too() -> None:
    from asprules.facts.models import Customer

    customer = Customer.model_construct(id="C", timezone="Mars/Base")
    with pytest.raises(FactError, match="Mars/Base"):
        asprules.authorize(operation(customer=customer), RULES)
    op = asprules.Operation.model_construct(**{**asprules.parse_operation(operation()).__dict__, "customer": customer})
    with pytest.raises(FactError, match="Mars/Base"):
        asprules.authorize(op, RULES)


def test_a_validated_model_is_not_validated_again() -> None:
    fact = asprules.parse_incident(incident())
    assert asprules.parse_incident(fact) is fact


# --- 9. the first and last years ------------------------------------------------------------------

EXTREMES = ["0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-08:00", "9999-12-31T00:00:00+00:00"]


@pytest.mark.parametrize("at", EXTREMES)
def test_year_1_and_9999_are_fact_errors_when_grading(at: str) -> None:
    with pytest.raises(FactError, match="supported range"):
        asprules.grade(incident(started_at=at, customer={"id": "C", "timezone": "Pacific/Kiritimati"}), RULES)


@pytest.mark.parametrize("at", EXTREMES)
@pytest.mark.parametrize("backend", ["compiled", "rete"])
def test_year_1_and_9999_are_fact_errors_when_authorizing(at: str, backend: str) -> None:
    start = datetime.fromisoformat(at)
    end = (start + timedelta(seconds=1)) if start.year == 1 else start.replace(second=59)
    with pytest.raises(FactError, match="supported range"):
        asprules.authorize(operation(scheduled_start=at, scheduled_end=end.isoformat()), RULES, backend=backend)


@needs_rete
def test_year_1_and_9999_in_a_timeline_are_fact_errors() -> None:
    from asprules.backends.rete.timeline import IncidentTimeline

    timeline = IncidentTimeline(RULES)
    with pytest.raises(FactError, match="supported range"):
        timeline.handle({"kind": "opened", "at": "0001-01-01T00:00:00+08:00", "incident": incident()})
    assert timeline.open_incidents == 0


@needs_rete
def test_the_supported_range_is_exactly_decidable() -> None:
    asprules.grade(incident(started_at="0002-01-01T08:00:00+08:00", customer={"id": "C", "timezone": "Pacific/Kiritimati"}), RULES)
    asprules.authorize(operation(scheduled_start="9998-12-31T20:00:00+00:00", scheduled_end="9998-12-31T23:00:00+00:00"), RULES, backend="rete")


def test_a_calendar_ending_9999_12_31_is_a_load_error() -> None:
    calendar = CALENDAR.replace("end: 2026-10-07", "end: 9999-12-31", 1)
    assert calendar != CALENDAR
    with pytest.raises(RulesetError, match="supported range"):
        asprules.load_ruleset_texts(AUTHORIZATION, calendar)


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"])
def test_year_1_and_9999_in_the_cli_are_input_errors(at: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "inc.json", json.dumps(incident(started_at=at)))
    assert main(["grade", str(path)]) == 2
    err = capsys.readouterr().err
    assert "supported range" in err and "Traceback" not in err


# --- 16. JSON as json.dumps writes it -----------------------------------------------------------


def test_json_exponents_and_surrogate_pairs_are_read(tmp_path: Path) -> None:
    fact = incident(id="INC-\U0001f600", affected_users_pct=0.00001)
    text = json.dumps(fact)
    assert "1e-05" in text and "\\ud83d\\ude00" in text
    path = write(tmp_path, "inc.json", text)
    read = asprules.incident_from_file(str(path))
    assert read.id == "INC-\U0001f600" and read.affected_users_pct == 0.00001


def test_json_rules_with_exponents_and_surrogate_pairs_load() -> None:
    import yaml

    doc = yaml.safe_load(grading_text(row("r", "L1", "{field: affected_users_pct, ge: 0.00001}")))
    doc["levels"][0]["name"] = "one \U0001f600"
    rules = asprules.load_ruleset_texts(json.dumps(doc))
    assert rules.grading.levels[0].name.en == "one \U0001f600"
    assert asprules.grade(incident(affected_users_pct=0.00001), rules).level == "L1"


@pytest.mark.parametrize("text", ['{"a": "\\ud83d"}', '{"a": "\\ude00\\ud83d"}'])
def test_a_lone_surrogate_is_still_a_parse_error(text: str) -> None:
    with pytest.raises(RulesetError):
        parse_text(text)


def test_an_escaped_backslash_before_u_is_text() -> None:
    assert parse_text(json.dumps({"a": "\\ud83d\\ude00"})).data == {"a": "\\ud83d\\ude00"}


# --- 18. the ruleset format is strict ----------------------------------------------------------


@pytest.mark.parametrize(
    "old, new",
    [
        ("asprules: 1", "asprules: true"),
        ("asprules: 1", "asprules: 1.0"),
        ("ge: 60", "ge: true"),
        ("major: false", "major: 'no'"),
        ("major: false", "major: 'false'"),
        ("ge: 60", "ge: '60'"),
    ],
)
def test_a_ruleset_value_of_the_wrong_type_is_not_coerced(old: str, new: str) -> None:
    text = grading_text(row("r", "L1", "{field: outage_minutes, ge: 60}"))
    assert old in text
    with pytest.raises(RulesetError):
        asprules.load_ruleset_texts(text.replace(old, new))


def test_present_and_raise_given_as_text_are_load_errors() -> None:
    with pytest.raises(RulesetError, match="boolean"):
        asprules.load_ruleset_texts(grading_text(row("r", "L1", "{field: recovered_at, present: 'false'}")))
    adjustment = "- {id: a, cite: §34.2.2, provenance: assumed, basis: t, when: {field: vip_customer, eq: true}, raise: '1'}"
    with pytest.raises(RulesetError, match="integer"):
        asprules.load_ruleset_texts(grading_text(row("r", "L2", "{field: outage_minutes, ge: 60}"), adjustments=adjustment))


def test_a_fact_schema_and_a_scenario_file_are_strict_too(tmp_path: Path) -> None:
    with pytest.raises(RulesetError):
        asprules.load_ruleset_texts("asprules: 1\nkind: facts\nid: t\nfields:\n  id: {type: text}\n  x: {type: integer, required: 'no'}\n")
    with pytest.raises(RulesetError):
        asprules.load_ruleset_texts("asprules: true\nkind: facts\nid: t\nfields:\n  id: {type: text}\n")
    from asprules.checks.scenarios import load_scenario_file

    path = write(tmp_path, "x.scenarios.yaml", "asprules: 1.0\nkind: scenarios\nscenarios:\n  - {name: a, given: {}, expect: {level: L1}}\n")
    with pytest.raises(RulesetError):
        load_scenario_file(path)


# --- 19. IANA region zone names only --------------------------------------------------------------


@pytest.mark.parametrize("name", ["localtime", "Factory", "posixrules", "posix/Asia/Shanghai", "right/UTC", "EST", "US/Eastern", "Zulu", "../etc/localtime", ""])
def test_a_host_dependent_or_alias_zone_name_is_refused(name: str) -> None:
    with pytest.raises(FactError, match="time zone"):
        asprules.grade(incident(customer={"id": "C", "timezone": name}), RULES)
    with pytest.raises(RulesetError, match="time zone"):
        asprules.load_ruleset_texts(CALENDAR.replace("timezone: Asia/Shanghai", f"timezone: {json.dumps(name)}", 1), AUTHORIZATION)


@pytest.mark.parametrize("name", ["Asia/Shanghai", "America/Argentina/Salta", "Australia/Lord_Howe", "Etc/GMT+5", "UTC"])
def test_a_region_zone_name_is_accepted(name: str) -> None:
    asprules.grade(incident(customer={"id": "C", "timezone": name}), RULES)


# --- 5. DST fall-back is read fail-closed -----------------------------------------------------


@needs_rete
def test_the_second_0105_at_new_york_fall_back_is_outside_a_0130_window() -> None:
    customer = {"id": "C", "timezone": "America/New_York", "maintenance_window": "01:30-05:00"}
    second = operation(customer=customer, scheduled_start="2026-11-01T01:05:00-05:00", scheduled_end="2026-11-01T02:00:00-05:00")
    # the clock reads 01:35 to 02:00 (the second pass): inside; 01:35 EDT to 02:00 EST is not (it reads 01:00 in between)
    first = operation(customer=customer, scheduled_start="2026-11-01T01:35:00-05:00", scheduled_end="2026-11-01T02:00:00-05:00")
    across = operation(customer=customer, scheduled_start="2026-11-01T01:35:00-04:00", scheduled_end="2026-11-01T02:00:00-05:00")
    for backend in ("compiled", "rete"):
        assert "major-impact-outside-window" in {v.rule for v in asprules.authorize(second, RULES, backend=backend).violations}
        assert "major-impact-outside-window" not in {v.rule for v in asprules.authorize(first, RULES, backend=backend).violations}
        assert "major-impact-outside-window" in {v.rule for v in asprules.authorize(across, RULES, backend=backend).violations}


def _transitions(zone_name: str, year: int = 2026) -> list[datetime]:
    """The instants (UTC, whole minutes) at which the zone's offset changes in ``year``."""
    from asprules import clock

    tz = clock.zone(zone_name)
    out, t = [], datetime(year, 1, 1, tzinfo=timezone.utc)
    while t.year == year:
        nxt = t + timedelta(hours=1)
        if t.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            lo = t
            while lo.astimezone(tz).utcoffset() == t.astimezone(tz).utcoffset():
                lo += timedelta(minutes=1)
            out.append(lo)
        t = nxt
    return out


DST_ZONES = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham", "America/Santiago"]


@pytest.mark.parametrize("zone_name", DST_ZONES)
def test_a_span_inside_a_window_at_both_transitions_never_shows_a_time_outside_it(zone_name: str) -> None:
    """For windows around each transition and spans starting every 5 minutes near it:
    inside means inside by instants and, minute by minute, by the customer's wall clock."""
    from asprules import clock

    tz = clock.zone(zone_name)
    changes = _transitions(zone_name)
    assert len(changes) == 2, changes  # one spring-forward and one fall-back
    kinds = set()
    refused_by_clock = 0
    for change in changes:
        before, after = (change - timedelta(minutes=1)).astimezone(tz), change.astimezone(tz)
        kinds.add("back" if after.utcoffset() < before.utcoffset() else "forward")
        local = before.replace(tzinfo=None)
        for opens in (-60, -25, 0, 15, 30):
            start_w = local + timedelta(minutes=opens)
            text = f"{start_w:%H:%M}-{(start_w + timedelta(hours=3)):%H:%M}"
            window = clock.parse_window(text)
            for k in range(-30, 150, 5):
                start = change + timedelta(minutes=k)
                for length in (10, 45, 100):
                    end = start + timedelta(minutes=length)
                    inside = window.span_within(start, end, tz)
                    occ = window.occurrence_containing(start, tz)
                    by_instants = occ is not None and end <= occ[1]
                    assert not inside or by_instants, (text, start, end)
                    if inside:
                        day = window._day_of(start, tz)
                        opening = datetime.combine(day, datetime.min.time()) + timedelta(minutes=window.start)
                        t = start
                        while t < end:
                            assert t.astimezone(tz).replace(tzinfo=None) >= opening, (text, start, end, t)
                            t += timedelta(minutes=1)
                    elif by_instants:
                        refused_by_clock += 1
    assert kinds == {"back", "forward"}
    assert refused_by_clock > 0  # the fall-back cases the loose reading let in


def test_lord_howe_fall_back_by_thirty_minutes_is_read_fail_closed() -> None:
    from asprules import clock

    tz = clock.zone("Australia/Lord_Howe")  # 2026-04-05 02:00 (+11:00) becomes 01:30 (+10:30)
    window = clock.parse_window("01:45-04:00")
    second = datetime.fromisoformat("2026-04-05T01:35:00+10:30")  # after the change, clock reads 01:35
    assert window.occurrence_containing(second, tz) is not None  # the first 01:45 has passed
    assert not window.span_within(second, second + timedelta(minutes=30), tz)
    assert window.span_within(datetime.fromisoformat("2026-04-05T01:50:00+11:00"), datetime.fromisoformat("2026-04-05T01:40:00+10:30"), tz) is False
    assert window.span_within(datetime.fromisoformat("2026-04-05T01:50:00+10:30"), datetime.fromisoformat("2026-04-05T03:00:00+10:30"), tz)


# --- 8. no limit on open incidents, nothing left by a refused one ---------------------------


def _opened(ident: str, at: str = "2026-11-18T14:00:00+08:00", **over: Any) -> dict[str, Any]:
    fact = {k: v for k, v in incident(id=ident, site="S1", **over).items() if k not in ("started_at", "outage_minutes")}
    return {"kind": "opened", "at": at, "incident": fact}


@needs_rete
def test_a_timeline_follows_more_open_incidents_than_durable_holds_in_one_ruleset() -> None:
    from asprules.backends.rete.timeline import STATES_PER_SESSION, IncidentTimeline

    timeline = IncidentTimeline(RULES)
    count = 1100  # durable-rules refuses the 1,025th state of a ruleset
    assert count > STATES_PER_SESSION
    for i in range(count):
        timeline.handle(_opened(f"I{i}"))
    assert timeline.open_incidents == count
    (closed,) = timeline.handle({"kind": "recovered", "at": "2026-11-18T15:00:00+08:00", "incident": "I1050"})
    assert closed.closed and timeline.open_incidents == count - 1
    (again,) = timeline.handle(_opened("I1050", at="2026-11-18T15:00:00+08:00"))  # re-opening never crashes
    assert again.before is None and timeline.level("I1050") is not None


@needs_rete
def test_a_refused_opened_event_leaves_no_state_behind() -> None:
    from asprules.backends.rete.timeline import IncidentTimeline

    timeline = IncidentTimeline(RULES)
    with pytest.raises(FactError):
        timeline.handle(_opened("BAD", affected_users_pct=400))
    assert timeline.open_incidents == 0 and list(timeline._sites["S1"]) == []
    assert all(held == 0 for held in timeline._held)
    (change,) = timeline.handle(_opened("BAD"))
    assert change.incident == "BAD" and timeline.open_incidents == 1


# --- 10. long chains of derived values ---------------------------------------------------------


def _chain(n: int) -> str:
    derived = "derived:\n  d0: {add: [outage_minutes, 1]}\n" + "".join(f"  d{i}: {{add: [d{i - 1}, 1]}}\n" for i in range(1, n))
    return grading_text(row("r", "L1", f"{{field: d{n - 1}, ge: 1000}}"), extra=derived)


@pytest.mark.parametrize("length", [200, 450])
def test_a_long_chain_of_derived_values_compiles_and_decides(length: int) -> None:
    rules = asprules.load_ruleset_texts(_chain(length))
    assert asprules.grade(incident(outage_minutes=1000 - length), rules).level == "L1"
    assert asprules.grade(incident(outage_minutes=999 - length), rules).level == "none"
    assert rules.grading.grade_reference(asprules.parse_incident(incident(outage_minutes=1000 - length))).level == "L1"


def test_a_derived_value_with_many_operands_compiles() -> None:
    derived = "derived:\n  total: {add: [" + ", ".join(["outage_minutes"] * 300) + "]}\n"
    rules = asprules.load_ruleset_texts(grading_text(row("r", "L1", "{field: total, ge: 600}"), extra=derived))
    assert asprules.grade(incident(outage_minutes=2), rules).level == "L1"
    assert asprules.grade(incident(outage_minutes=1), rules).level == "none"


# --- 11. the Rete backend's own limits are counted, never leaked --------------------------------


@needs_rete
@pytest.mark.parametrize(
    "when",
    [
        "{any: [" + ", ".join(f"{{field: affected_sites, eq: {i}}}" for i in range(20)) + "]}",
        "{field: affected_sites, in: [" + ", ".join(str(i) for i in range(600)) + "]}",
    ],
)
def test_a_condition_too_big_for_durable_is_backend_unavailable_not_error_113(when: str) -> None:
    rules = asprules.load_ruleset_texts(grading_text(row("r", "L1", when)))
    assert asprules.grade(incident(affected_sites=3), rules).level == "L1"
    with pytest.raises(asprules.BackendUnavailable) as exc:
        asprules.grade(incident(affected_sites=3), rules, backend="rete")
    assert "113" not in str(exc.value) and "backend='compiled'" in str(exc.value)


@needs_rete
def test_nested_conjunctions_are_flattened_for_durable() -> None:
    when = "{all: [" + ", ".join(f"{{field: affected_sites, ne: {i}}}" for i in range(30)) + "]}"
    rules = asprules.load_ruleset_texts(grading_text(row("r", "L1", when)))
    for sites in (3, 300):
        fact = incident(affected_sites=sites)
        assert asprules.grade(fact, rules, backend="rete") == asprules.grade(fact, rules)


# --- 12, 14, 20: hostile files and paths -----------------------------------------------------------


def _hostile(tmp_path: Path, kind: str) -> Path:
    if kind == "fifo":
        path = tmp_path / "pipe.jsonl"
        os.mkfifo(path)
        return path
    if kind == "dev-zero":
        return Path("/dev/zero")
    if kind == "directory":
        return tmp_path
    if kind == "missing":
        return tmp_path / "missing.jsonl"
    if kind == "too-large":
        path = tmp_path / "big.jsonl"
        with open(path, "wb") as out:
            out.truncate(1 << 30)  # 1 GB, sparse: refused by its size before a byte is read
        return path
    content = {
        "number-line": b"5\n",
        "null-line": b'{"id": "x"}\nnull\n',
        "list-line": b"[1, 2]\n",
        "not-utf8": b'{"id": "\xff"}\n',
        "not-json": b"{id: [\n",
        "yaml-not-scenarios": b"asprules: 1\nkind: grading\n",
    }[kind]
    path = tmp_path / ("x.scenarios.yaml" if kind == "yaml-not-scenarios" else "x.jsonl")
    path.write_bytes(content)
    return path


CORPUS_CASES = ["fifo", "dev-zero", "missing", "too-large", "number-line", "null-line", "list-line", "not-utf8", "not-json", "yaml-not-scenarios"]


@pytest.mark.parametrize("kind", CORPUS_CASES)
def test_diff_scenarios_refuses_a_hostile_corpus_with_a_typed_error(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _hostile(tmp_path, kind)
    assert main(["diff", str(RULESETS), str(RULESETS), "--scenarios", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(path) in err


FACT_CASES = {
    "fifo": "FIFO",
    "dev-zero": "character device",
    "directory": "directory",
    "missing": "No such file",
    "too-large": "larger than",
}


@pytest.mark.parametrize("kind", sorted(FACT_CASES))
@pytest.mark.parametrize("command", ["grade", "authorize"])
def test_a_fact_path_that_is_not_a_small_regular_file_is_refused_by_what_it_is(kind: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _hostile(tmp_path, kind)
    assert main([command, str(path)]) == 2
    assert FACT_CASES[kind] in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "too-large"])
def test_rules_and_scenario_paths_are_refused_by_what_they_are(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _hostile(tmp_path, kind)
    for argv in (["grade", "--rules", str(path), str(REPO / "examples/incidents/l2-core-outage.yaml")], ["validate", str(path)], ["test", str(path)]):
        assert main(argv) == 2, argv
        err = capsys.readouterr()
        shown = err.err + err.out
        assert FACT_CASES[kind] in shown and "no such file" not in shown.lower(), (argv, shown)


def test_the_size_is_checked_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from asprules import source

    path = _hostile(tmp_path, "too-large")
    reads: list[int] = []
    real = os.read
    monkeypatch.setattr(source.os, "read", lambda fd, n: reads.append(n) or real(fd, n))
    with pytest.raises(FactError, match="larger than"):
        asprules.incident_from_file(str(path))
    assert reads == []


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-1", "101", "many"])
def test_min_coverage_must_be_a_percentage(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["test", str(REPO / "tests/handbook"), "--min-coverage", value])
    assert exc.value.code == 2 and "--min-coverage" in capsys.readouterr().err


def test_a_directory_without_scenario_files_is_an_error_not_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "no scenario files" in captured.err and "clean" not in captured.out


# --- 13. output that the terminal cannot encode ------------------------------------------------------


def _run(*argv: str, encoding: str = "cp1252", extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding, **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "asprules", *argv], capture_output=True, env=env, timeout=120, check=False)


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_output_survives_a_stdout_that_is_not_utf8(fmt: str, lang: str, tmp_path: Path) -> None:
    path = write(tmp_path, "inc.json", json.dumps(incident(id="INC-中文-\U0001f600", outage_minutes=120, core_service=True)))
    done = _run("grade", str(path), "--format", fmt, "--lang", lang)
    assert done.returncode == 0, done.stderr.decode("cp1252", "replace")
    out = done.stdout.decode("cp1252")
    if fmt == "json":
        assert json.loads(out)["id"] == "INC-中文-\U0001f600"  # escapes that JSON reads back
    else:
        assert "INC-\\u4e2d\\u6587-\\ud83d\\ude00" in out


def test_an_error_survives_a_stderr_that_is_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "inc.json", json.dumps(incident(id="INC-中文", affected_users_pct=400)))
    done = _run("grade", str(path), "--lang", "zh")
    assert done.returncode == 2 and b"Traceback" not in done.stderr


# --- 15. an internal error has its own exit code --------------------------------------------------


def _crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from asprules.cli import decide

    def broken(*_a: Any, **_k: Any) -> Any:
        raise KeyError("boom")

    monkeypatch.setattr(decide, "grade", broken)


def test_an_internal_error_exits_3_with_one_line_asking_for_a_report(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _crash(monkeypatch)
    assert main(["grade", str(REPO / "examples/incidents/l2-core-outage.yaml")]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "internal error" in err and "report" in err and "--debug" in err


def test_debug_shows_the_traceback_of_an_internal_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _crash(monkeypatch)
    assert main(["--debug", "grade", str(REPO / "examples/incidents/l2-core-outage.yaml")]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "KeyError: 'boom'" in err


def test_bad_input_still_exits_2_and_findings_1(tmp_path: Path) -> None:
    from asprules.cli.common import EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERNAL

    assert (EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERNAL) == (1, 2, 3)
    assert main(["grade", str(write(tmp_path, "bad.json", "{}"))]) == EXIT_ERROR


# --- 17. no output injection -----------------------------------------------------------------------


@pytest.mark.parametrize("ident", ["INC-1\nLevel L4: forged line", "INC-\x1b[2J\x1b[31mred", "INC-\u202etxt.exe", "INC-\r\x85x"])
def test_an_id_with_control_characters_is_escaped_in_text_output(ident: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "inc.json", json.dumps(incident(id=ident)))
    assert main(["grade", str(path)]) == 0
    out = capsys.readouterr().out
    assert not any(ch in out for ch in "\x1b\r\x85\u202e")
    assert out.splitlines()[0].startswith("INC-") and "forged" not in "\n".join(out.splitlines()[1:])
    assert main(["grade", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == ident  # JSON keeps the value, escaped by JSON


def test_an_approver_with_control_characters_is_escaped_in_the_explanation() -> None:
    chain = [approval("management", "intern", "2026-11-25T10:00:00+08:00", by="eve\n    ✓ customer forged"), *FULL_CHAIN[1:]]
    decision = asprules.authorize(operation(approvals=chain), RULES)
    text = decision.explain()
    assert "eve\\n" in text and "\n    ✓ customer forged" not in text
