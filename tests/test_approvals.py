"""Issue 14: approval policies real change management needs, and a customer profile the
submitter cannot widen. The bank's change policy (examples/approval-policy) is the spec;
these tests add the Rete parity, the typed errors, the analysis findings, the evaluation
time, the obligations' JSON and explanation, and the three properties of the issue."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import asprules
from support import needs_rete
from asprules.checks.analysis import analyse_paths
from asprules.checks.scenarios import load_scenario_file, run_scenario
from asprules.cli import main
from asprules.errors import FactError, RulesetError
from asprules.loader import bundled_rulesets, load_ruleset_texts
from asprules.testing import operations
from support import REPO, operation

POLICY = REPO / "examples/approval-policy"
RULES = asprules.load_rulesets(POLICY / "rules")
SCENARIOS = load_scenario_file(POLICY / "approval-policy.scenarios.yaml")
CASES = range(len(SCENARIOS.spec.scenarios))


def base(**over: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(SCENARIOS.spec.base["operation"], default=str))
    data.update(over)
    return data


@pytest.mark.parametrize("index", CASES, ids=[s.name for s in SCENARIOS.spec.scenarios])
def test_change_policy_scenario(index):
    result = run_scenario(SCENARIOS, index)
    assert result.passed, "\n".join(map(str, result.mismatches))


@needs_rete
@pytest.mark.parametrize("index", CASES, ids=[s.name for s in SCENARIOS.spec.scenarios])
def test_rete_decides_every_change_policy_scenario_the_same(index):
    sc = SCENARIOS.spec.scenarios[index]
    facts = {**SCENARIOS.spec.base["operation"], **sc.given}
    compiled = asprules.authorize(facts, RULES, at=sc.at)
    assert asprules.authorize(facts, RULES, at=sc.at, backend="rete") == compiled


# --- evaluation time ---------------------------------------------------------------------


def test_evaluation_time_defaults_to_the_scheduled_start_never_the_wall_clock():
    op = base()
    implicit = asprules.authorize(op, RULES)
    assert implicit == asprules.authorize(op, RULES, at=op["scheduled_start"])
    assert implicit.evaluated_at == datetime(2026, 11, 18, 23, 0, tzinfo=timezone.utc)
    assert implicit.to_json()["evaluated_at"] == "2026-11-18T23:00+00:00"


def test_an_evaluation_time_without_offset_is_a_fact_error():
    with pytest.raises(FactError) as exc:
        asprules.authorize(base(), RULES, at=datetime(2026, 11, 18, 23, 0))
    assert exc.value.problems[0].path == ("at",)
    with pytest.raises(FactError):
        asprules.authorize(base(), RULES, at="yesterday")


def test_each_counted_approval_says_when_it_expires():
    decision = asprules.authorize(base(), RULES)
    review = next(s for s in decision.to_json()["steps"] if s["id"] == "peer_review")
    assert review["approvals"] == [
        {"by": "dave", "role": "engineer", "at": "2026-11-10T10:00+00:00", "expires": "2026-11-24T10:00+00:00"},
        {"by": "gina", "role": "change_manager", "at": "2026-11-10T11:00+00:00", "expires": "2026-11-24T11:00+00:00"},
    ]
    assert "+ dave (engineer) 2026-11-10T10:00+00:00, expires 2026-11-24T10:00+00:00" in decision.explain()
    assert "evaluated at 2026-11-18T23:00+00:00" in decision.explain()


def test_cli_authorize_takes_the_evaluation_time(tmp_path, capsys):
    path = tmp_path / "op.json"
    path.write_text(json.dumps(base()))
    rules = str(POLICY / "rules")
    assert main(["authorize", str(path), "--rules", rules, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "authorized"
    assert main(["authorize", str(path), "--rules", rules, "--format", "json", "--at", "2026-12-01T10:00:00+00:00"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "pending" and out["evaluated_at"] == "2026-12-01T10:00+00:00"


# --- obligations -------------------------------------------------------------------------


def test_a_retrospective_approval_is_an_obligation_in_the_customer_zone():
    op = base(
        emergency=True, approvals=[], customer={"id": "markets-hk"},
        notifications=[{"channel": "email", "to": "cm@bank.example", "role": "change_manager", "at": "2026-11-18T22:55:00+00:00"}],
    )
    decision = asprules.authorize(op, RULES)
    assert decision.status == "authorized"
    (obligation,) = decision.obligations
    assert obligation.due == datetime(2026, 11, 22, 7, 0, tzinfo=timezone(timedelta(hours=8)))
    assert obligation.due.utcoffset() == timedelta(hours=8)
    assert obligation.to_json() == {
        "id": "emergency.emergency_approval", "kind": "approval", "text": "emergency approval by a duty manager",
        "due": "2026-11-22T07:00:00+08:00", "role": "duty_manager", "cite": "§1.4.4", "provenance": "assumed", "status": "open",
    }
    assert "emergency approval by a duty manager [duty_manager] due 2026-11-22T07:00+08:00 (§1.4.4)" in decision.explain()
    assert decision.to_json()["obligations"] == [obligation.to_json()]
    late = asprules.authorize(op, RULES, at="2026-11-23T00:00:00+00:00")
    assert late.status == "pending" and late.obligations[0].status == "overdue"
    assert "[overdue]" in late.explain()


def test_every_decision_carries_obligations_even_when_empty():
    assert asprules.authorize(base(), RULES).to_json()["obligations"] == []
    handbook = asprules.authorize(operation(), asprules.load_rulesets()).to_json()["obligations"]
    assert [o["id"] for o in handbook] == ["customer.archive", "customer-backup"]


# --- the customer registry --------------------------------------------------------------


def test_without_a_registry_the_fact_profile_is_trusted_as_today():
    rules = asprules.load_rulesets(POLICY / "rules/authorization.yaml", POLICY / "rules/bank-freezes.yaml")
    widened = base(customer={"id": "anyone", "maintenance_window": "00:00-24:00"})
    assert asprules.authorize(widened, rules).status == "authorized"


def test_a_registry_refuses_a_grade_for_an_unknown_customer(tmp_path):
    shutil.copytree(bundled_rulesets(), tmp_path / "rules")
    (tmp_path / "rules/customers.yaml").write_text(
        "asprules: 1\nkind: customers\nid: cn\ncite: §1.4.3\nprovenance: handbook\n"
        "customers:\n  - {id: cn-1, timezone: Asia/Shanghai, maintenance_window: '00:00-05:00'}\n"
    )
    rules = asprules.load_rulesets(tmp_path / "rules")
    incident = {
        "id": "INC-1", "environment": "production", "started_at": "2026-11-18T14:00:00+08:00", "outage_minutes": 5,
        "affected_users": 10, "affected_users_pct": 1, "affected_sites": 1, "core_service": False, "data_loss": False,
        "security_breach": False, "vip_customer": False, "customer_complaint": False,
    }
    assert asprules.grade({**incident, "customer": {"id": "cn-1"}}, rules).level == "none"
    for customer in ({"id": "cn-2"}, {"id": "cn-1", "timezone": "America/New_York"}, None):
        fact = {**incident, "customer": customer} if customer else incident
        with pytest.raises(FactError) as exc:
            asprules.grade(fact, rules)
        assert exc.value.problems[0].path == ("customer",)
        with pytest.raises(FactError, match="incident #1"):
            list(asprules.grade_many([{**incident, "customer": {"id": "cn-1"}}, fact], rules))


def test_the_registry_is_part_of_the_ruleset_hash():
    without = asprules.load_rulesets(POLICY / "rules/authorization.yaml", POLICY / "rules/bank-freezes.yaml")
    assert without.authorization.ref.sha256 != RULES.authorization.ref.sha256


# --- typed errors -----------------------------------------------------------------------

POLICY_TEXT = (POLICY / "rules/authorization.yaml").read_text()
CALENDAR_TEXT = (POLICY / "rules/bank-freezes.yaml").read_text()


@pytest.mark.parametrize(
    "old, new, path, says",
    [
        ("quorum: 2", "quorum: 0", ("steps", 0, "approval", "quorum"), "greater than or equal to 1"),
        ("valid_for: 14d\n  - id: cab", "valid_for: -14d\n  - id: cab", ("steps", 0, "approval", "valid_for"), "positive number with a unit"),
        ("valid_for: 14d\n  - id: cab", "valid_for: '14'\n  - id: cab", ("steps", 0, "approval", "valid_for"), "has no unit"),
        ("within: 72h", "within: 0h", ("risk_classes", 0, "retrospective", 0, "within"), "is zero"),
        ("step: emergency_approval\n", "step: cab\n", ("risk_classes", 0, "retrospective", 0, "step"), "not in the chain"),
        ("recipients: [change_manager]", "recipients: [ceo]", ("steps", 3, "notification", "recipients", 0), "undefined role 'ceo'"),
        ("steps: [peer_review]}", "steps: [peer_reveiw]}", ("steps", 1, "approval", "distinct_from", "steps", 0), "undefined step"),
        ("lead_minutes_for: {emergency: 0}", "lead_minutes_for: {urgent: 0}", ("steps", 3, "notification", "lead_minutes_for", "urgent"), "undefined risk class"),
    ],
)
def test_bad_authorization_keys_are_ruleset_errors_at_file_line_and_key(old, new, path, says):
    assert old in POLICY_TEXT
    with pytest.raises(RulesetError) as exc:
        load_ruleset_texts(POLICY_TEXT.replace(old, new, 1), CALENDAR_TEXT)
    problem = next(p for p in exc.value.problems if p.path == path)
    assert says in problem.message and problem.file == "<text 1>" and problem.line is not None


@pytest.mark.parametrize(
    "period, path, says",
    [
        ('{name: x, every: year, from: "02-30", to: "03-01", cite: §1.4.4, provenance: handbook}', ("periods", 0, "from"), "not a day of any year"),
        ('{name: x, every: year, from: "13-01", to: "01-05", cite: §1.4.4, provenance: handbook}', ("periods", 0, "from"), "not a day of any year"),
        ('{name: x, every: week, from: "Friday 16:00", cite: §1.4.4, provenance: handbook}', ("periods", 0, "to"), "Field required"),
        ('{name: x, every: week, from: "Caturday 16:00", to: "Monday 06:00", cite: §1.4.4, provenance: handbook}', ("periods", 0, "from"), "weekday and time"),
        ('{name: x, every: week, from: "Friday 25:00", to: "Monday 06:00", cite: §1.4.4, provenance: handbook}', ("periods", 0, "from"), "impossible time"),
    ],
)
def test_bad_recurring_periods_are_ruleset_errors_at_file_line_and_key(period, path, says):
    text = f"asprules: 1\nkind: calendar\nid: bank-freezes\nperiods:\n  - {period}\n"
    with pytest.raises(RulesetError) as exc:
        load_ruleset_texts(POLICY_TEXT, text)
    problem = next(p for p in exc.value.problems if p.path[: len(path)] == path)
    assert says in problem.message and problem.file == "<text 2>" and problem.line == 5


def test_a_customer_registered_twice_is_a_ruleset_error():
    registry = "asprules: 1\nkind: customers\nid: c\ncite: §1.4.3\nprovenance: handbook\ncustomers:\n  - {id: a, timezone: UTC}\n  - {id: a, timezone: UTC}\n"
    with pytest.raises(RulesetError) as exc:
        load_ruleset_texts(POLICY_TEXT, CALENDAR_TEXT, registry)
    assert any("registered twice" in p.message and p.path == ("customers", 1, "id") for p in exc.value.problems)


# --- static analysis --------------------------------------------------------------------


def _analysed(tmp_path: Path, policy: str = POLICY_TEXT, extra: dict[str, str] | None = None):
    (tmp_path / "authorization.yaml").write_text(policy)
    (tmp_path / "bank-freezes.yaml").write_text(CALENDAR_TEXT)
    for name, text in (extra or {}).items():
        (tmp_path / name).write_text(text)
    return analyse_paths([tmp_path])


def test_the_change_policy_has_no_findings(tmp_path):
    assert _analysed(tmp_path) == []


def test_a_loaded_calendar_no_ruleset_names_is_a_warning(tmp_path):
    forgotten = "asprules: 1\nkind: calendar\nid: forgotten\ntimezone: UTC\nperiods: []\n"
    (finding,) = _analysed(tmp_path, extra={"forgotten.yaml": forgotten})
    assert (finding.code, finding.severity, finding.rule) == ("unreferenced-calendar", "warning", "forgotten")


def test_a_calendar_no_condition_reads_is_unreachable(tmp_path):
    policy = POLICY_TEXT.replace("    when: {in_sensitive_period: {start: scheduled_start, end: scheduled_end}}", "    when: {field: major_impact, eq: true}")
    codes = {f.code for f in _analysed(tmp_path, policy)}
    assert "unreachable-period" in codes


def test_a_one_off_period_inside_another_is_unreachable(tmp_path):
    cal = (
        "asprules: 1\nkind: calendar\nid: bank-freezes\ntimezone: UTC\nperiods:\n"
        "  - {name: december, start: 2026-12-01, end: 2026-12-31, cite: §1.4.4, provenance: handbook}\n"
        "  - {name: christmas, start: 2026-12-24, end: 2026-12-26, cite: §1.4.4, provenance: handbook}\n"
    )
    findings = _analysed(tmp_path, extra={"bank-freezes.yaml": cal})
    (finding,) = [f for f in findings if f.code == "unreachable-period"]
    assert "christmas" in finding.message and finding.line == 7


def test_a_quorum_the_seats_cannot_supply_is_a_warning(tmp_path):
    policy = POLICY_TEXT.replace("      roles: [cab_member]\n", "      roles: [cab_member]\n      quorum: 6\n")
    (finding,) = [f for f in _analysed(tmp_path, policy) if f.code == "unreachable-quorum"]
    assert finding.rule == "cab" and "5 seats" in finding.message


def test_a_quorum_the_separation_leaves_too_few_seats_for_is_a_warning(tmp_path):
    policy = POLICY_TEXT.replace("roles: [engineer, change_manager]\n      quorum: 2", "roles: [cab_member]\n      quorum: 3").replace(
        "      roles: [cab_member]\n      distinct_from", "      roles: [cab_member]\n      quorum: 3\n      distinct_from"
    )
    findings = [f for f in _analysed(tmp_path, policy) if f.code == "unreachable-quorum"]
    assert [f.rule for f in findings] == ["cab"] and "3 of them taken" in findings[0].message


# --- properties -------------------------------------------------------------------------

PEOPLE = ["carol", "dave", "erin", "gina", "frank", "hana", "ivan"]
STEPS = ["peer_review", "cab", "emergency_approval", "peer_reveiw"]
ROLES = ["engineer", "change_manager", "cab_member", "duty_manager", "cab_chair"]
START = datetime(2026, 11, 18, 23, 0, tzinfo=timezone.utc)
RANK = {"denied": 0, "pending": 1, "authorized": 2}


@st.composite
def approvals(draw, start: datetime = START) -> dict[str, Any]:
    at = start + timedelta(hours=draw(st.integers(-24 * 20, 24 * 4)))
    return {"step": draw(st.sampled_from(STEPS)), "by": draw(st.sampled_from(PEOPLE)), "role": draw(st.sampled_from(ROLES)), "at": at.isoformat()}


@st.composite
def policy_operations(draw) -> dict[str, Any]:
    start = START + timedelta(hours=draw(st.integers(-24 * 40, 24 * 60)))
    notices = [
        {"channel": draw(st.sampled_from(["email", "sms"])), "to": "x", "role": draw(st.sampled_from(ROLES)),
         "at": (start - timedelta(hours=draw(st.integers(0, 72)))).isoformat()}
        for _ in range(draw(st.integers(0, 2)))
    ]
    return base(
        scheduled_start=start.isoformat(), scheduled_end=(start + timedelta(minutes=30)).isoformat(),
        emergency=draw(st.booleans()), requester=draw(st.sampled_from([None, *PEOPLE])),
        customer={"id": draw(st.sampled_from(["retail-uk", "markets-hk"]))},
        approvals=draw(st.lists(approvals(start), max_size=7)), notifications=notices,
    )


_AT = st.none() | st.integers(-24 * 3, 24 * 20)  # hours after the scheduled start


def _at(op: dict[str, Any], hours: int | None) -> datetime | None:
    return None if hours is None else datetime.fromisoformat(op["scheduled_start"]) + timedelta(hours=hours)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_operations(), approvals(), _AT)
def test_adding_an_approval_never_turns_authorized_into_denied(op, extra, hours):
    at = _at(op, hours)
    before = asprules.authorize(op, RULES, at=at)
    after = asprules.authorize({**op, "approvals": [*op["approvals"], extra]}, RULES, at=at)
    if before.status == "authorized":
        assert after.status != "denied"
    assert RANK[after.status] >= RANK[before.status], after.explain()  # stronger: a record only ever adds permission


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_operations(), st.data(), _AT)
def test_removing_an_approval_never_turns_pending_into_authorized(op, data, hours):
    assume(op["approvals"])
    at = _at(op, hours)
    before = asprules.authorize(op, RULES, at=at)
    i = data.draw(st.integers(0, len(op["approvals"]) - 1))
    after = asprules.authorize({**op, "approvals": op["approvals"][:i] + op["approvals"][i + 1 :]}, RULES, at=at)
    if before.status == "pending":
        assert after.status != "authorized", after.explain()
    assert RANK[after.status] <= RANK[before.status]


HANDBOOK_WITH_REGISTRY: asprules.Rulebook | None = None


def _handbook_with_registry(tmp: Path) -> asprules.Rulebook:
    global HANDBOOK_WITH_REGISTRY
    if HANDBOOK_WITH_REGISTRY is None:
        shutil.copytree(bundled_rulesets(), tmp / "rules", dirs_exist_ok=True)
        (tmp / "rules/customers.yaml").write_text(
            "asprules: 1\nkind: customers\nid: cn\ncite: §1.4.3\nprovenance: handbook\n"
            "customers:\n  - {id: cn-1, timezone: Asia/Shanghai, maintenance_window: '00:00-05:00'}\n"
        )
        HANDBOOK_WITH_REGISTRY = asprules.load_rulesets(tmp / "rules")
    return HANDBOOK_WITH_REGISTRY


WINDOWS = st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 24), st.sampled_from([0, 30])).map(
    lambda t: f"{t[0]:02d}:{t[1]:02d}-{t[2]:02d}:{t[3] if t[2] < 24 else 0:02d}"
).filter(lambda w: w.split("-")[0] != w.split("-")[1])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(operations(), st.none() | WINDOWS, st.none() | st.sampled_from(["Asia/Shanghai", "UTC", "Pacific/Kiritimati", "America/New_York"]))
def test_widening_the_customer_profile_inside_the_fact_never_authorizes_more(tmp_path_factory, op, window, zone):
    rules = _handbook_with_registry(tmp_path_factory.mktemp("registry"))
    data = op.model_dump(mode="json")
    registered = {**data, "customer": {"id": "cn-1"}}
    own: dict[str, Any] = {"id": "cn-1"}
    if window is not None:
        own["maintenance_window"] = window
    if zone is not None:
        own["timezone"] = zone
    widened = {**data, "customer": own}
    base_status = asprules.authorize(registered, rules).status
    assert RANK[asprules.authorize(widened, rules).status] <= RANK[base_status]


# --- diff -------------------------------------------------------------------------------


def test_diff_classifies_loosening_and_tightening_of_the_new_requirements(tmp_path):
    from asprules.checks.diff import diff

    new = (
        POLICY_TEXT.replace("quorum: 2", "quorum: 1").replace("valid_for: 14d\n  - id: cab", "valid_for: 7d\n  - id: cab")
        .replace("require: any", "require: all").replace("within: 72h", "within: 96h")
        .replace("distinct_from: {requester: true, engineer: true}", "distinct_from: {requester: true}")
    )
    new_rules = load_ruleset_texts(new, CALENDAR_TEXT)
    report = diff(RULES, new_rules)
    # quorum, separation and validity are compared region by region: one band, its witness
    (band,) = [c for c in report.changes if c.kind == "authorization"]
    assert band.direction == "more permissive"
    assert {"- 2 distinct approvers of peer_review", "- approvers of peer_review not the engineer", "+ approvals of peer_review valid for 7d"} <= set(band.details)
    assert (asprules.authorize(band.witness, RULES).status, asprules.authorize(band.witness, new_rules).status) == ("pending", "authorized")
    # the channels required are not: judged per step
    steps = {c.region: c for c in report.changes if c.kind == "step"}
    assert set(steps) == {"step notice"} and steps["step notice"].direction == "more restrictive"
    assert any("within 96h, was 72h (more permissive)" in n for n in report.notes)
    assert any("customer registry bank-customers removed" in n for n in report.notes)


# --- calendars --------------------------------------------------------------------------


def _freeze_status(start: str, end: str, rules: asprules.Rulebook = RULES) -> str:
    return asprules.authorize(base(scheduled_start=start, scheduled_end=end), rules).status


def test_the_weekly_freeze_ends_at_monday_0600_local_across_the_dst_change():
    # Europe/London leaves summer time on Sunday 2026-10-25: Monday 06:00 local is 06:00 UTC
    assert _freeze_status("2026-10-26T05:30:00+00:00", "2026-10-26T05:50:00+00:00") == "denied"
    assert _freeze_status("2026-10-26T06:00:00+00:00", "2026-10-26T06:20:00+00:00") != "denied"
    # and a week before, in summer time, Friday 16:00 local is 15:00 UTC
    assert _freeze_status("2026-10-16T15:10:00+00:00", "2026-10-16T15:20:00+00:00") == "denied"
    assert _freeze_status("2026-10-16T14:40:00+00:00", "2026-10-16T14:50:00+00:00") != "denied"


def test_any_closed_calendar_denies():
    audit = (
        "asprules: 1\nkind: calendar\nid: audit\ntimezone: Europe/London\nperiods:\n"
        "  - {name: audit week, start: 2026-11-16, end: 2026-11-20, cite: §1.4.4, provenance: assumed, basis: the auditors' visit}\n"
    )
    policy = POLICY_TEXT.replace("calendars: [bank-freezes]", "calendars: [bank-freezes, audit]")
    rules = load_ruleset_texts(policy, CALENDAR_TEXT, audit, (POLICY / "rules/customers.yaml").read_text())
    decision = asprules.authorize(base(), rules)
    assert decision.status == "denied" and "audit week" in decision.violations[0].detail
    assert asprules.authorize(base(), RULES).status == "authorized"  # without the audit calendar


def test_a_yearly_period_on_29_february_occurs_in_leap_years_only():
    leap = (
        "asprules: 1\nkind: calendar\nid: bank-freezes\ntimezone: UTC\nperiods:\n"
        "  - {name: leap day, every: year, from: '02-29', to: '02-29', cite: §1.4.4, provenance: assumed, basis: a test}\n"
    )
    rules = load_ruleset_texts(POLICY_TEXT, leap, (POLICY / "rules/customers.yaml").read_text())
    assert _freeze_status("2028-02-29T22:00:00+00:00", "2028-02-29T22:30:00+00:00", rules) == "denied"
    assert _freeze_status("2027-02-28T22:00:00+00:00", "2027-02-28T22:30:00+00:00", rules) != "denied"
    assert _freeze_status("2027-03-01T22:00:00+00:00", "2027-03-01T22:30:00+00:00", rules) != "denied"


def test_decision_parts_built_without_revalidation_equal_validated_ones():
    op = base(emergency=True, approvals=[], notifications=[])
    decision = asprules.authorize(op, RULES, at="2026-11-19T00:00:00+00:00")
    (obligation,) = decision.obligations
    assert asprules.Obligation.model_validate(obligation.model_dump()) == obligation
    counted = asprules.authorize(base(), RULES).steps[0].approvals[0]
    assert asprules.CountedApproval.model_validate(counted.model_dump()) == counted
    assert type(decision).model_validate(decision.model_dump()) == decision
