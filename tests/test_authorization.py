"""The bundled authorization ruleset: every chain step, every hard constraint, windows."""

from __future__ import annotations

import pytest

import asprules
from support import FULL_CHAIN, NOTICES, approval, operation

RULES = asprules.load_rulesets()


def decide(**over):
    return asprules.authorize(operation(**over), RULES)


def without_step(step: str):
    return [a for a in FULL_CHAIN if a["step"] != step]


def test_the_full_chain_authorizes_a_cutover():
    d = decide()
    assert (d.status, d.risk, d.missing, d.violations) == ("authorized", "high", (), ())
    assert [f.id for f in d.fired] == ["high", "management", "technical", "customer", "notification"]
    assert all(f.cite.startswith("§") for f in d.fired)


# --- risk classes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "over, risk",
    [
        ({}, "high"),
        ({"kind": "upgrade", "major_impact": False, "modifies": []}, "high"),
        ({"kind": "inspection", "major_impact": False, "modifies": ["data"]}, "high"),
        ({"kind": "config_change", "major_impact": False, "modifies": ["config"]}, "customer_permission"),
        ({"kind": "inspection", "major_impact": False, "modifies": ["log"]}, "customer_permission"),
        ({"kind": "inspection", "major_impact": False, "modifies": [], "remote": True, "remote_scope": "read"}, "customer_permission"),
        ({"kind": "inspection", "major_impact": False, "modifies": []}, "routine"),
    ],
)
def test_risk_classification(over, risk):
    assert decide(**over).risk == risk


# --- chain steps -------------------------------------------------------------------


@pytest.mark.parametrize("step", ["management", "technical", "customer"])
def test_each_missing_approval_step_is_pending(step):
    d = decide(approvals=without_step(step))
    assert (d.status, d.missing) == ("pending", (step,))
    result = next(s for s in d.steps if s.id == step)
    assert result.reasons == (f"no {step} approval recorded",)


def test_management_approval_by_the_wrong_role_does_not_count():
    chain = [approval("management", "customer", "2026-11-25T10:00:00+08:00")] + without_step("management")
    d = decide(approvals=chain)
    assert d.missing == ("management",)
    assert "needs one of project_manager, service_manager" in d.steps[0].reasons[0]


def test_technical_step_requires_the_minimum_qualification():
    d = decide(engineer={"id": "E2", "qualification": 2})
    assert (d.status, d.missing) == ("pending", ("technical",))
    assert "needs at least 3" in d.steps[1].reasons[0]
    assert decide(engineer={"id": "E3", "qualification": 3}).status == "authorized"


@pytest.mark.parametrize("form", ["fax", "recording", "onsite_confirmation", "notice", "meeting_minutes", "email"])
def test_customer_step_accepts_the_handbook_evidence_forms(form):
    chain = without_step("customer") + [approval("customer", "customer", "2026-11-27T10:00:00+08:00", form)]
    assert decide(approvals=chain).status == "authorized"


@pytest.mark.parametrize("form", ["verbal", "chat", "sms", None])
def test_customer_step_refuses_other_evidence(form):
    chain = without_step("customer") + [approval("customer", "customer", "2026-11-27T10:00:00+08:00", form)]
    d = decide(approvals=chain)
    assert (d.status, d.missing) == ("pending", ("customer",))
    assert "not an accepted form" in d.steps[2].reasons[0]


def test_agreement_counts_only_for_remote_maintenance_and_data_files():
    agreement = [approval("customer", "customer", "2026-12-01T09:00:00+08:00", "agreement")]
    common = dict(major_impact=False, modifies=[], approvals=agreement, notifications=[])
    assert decide(kind="data_export", **common).status == "authorized"  # §1.4.6
    assert decide(kind="remote_access", remote=True, remote_scope="read-only", **common).status == "authorized"  # §1.4.5
    d = decide(kind="config_change", **common | {"modifies": ["config"]})  # §1.4.2 lists no agreement
    assert (d.status, d.missing) == ("pending", ("customer",))


def test_approval_after_the_scheduled_start_does_not_count():
    chain = without_step("customer") + [approval("customer", "customer", "2026-12-02T01:30:00+08:00", "fax")]
    d = decide(approvals=chain)
    assert d.missing == ("customer",)
    assert "after the scheduled start" in d.steps[2].reasons[0]


def test_chain_is_ordered_technical_before_customer():
    # §17.9 technical approval before §17.10 customer approval: a customer approval
    # older than the technical one does not satisfy the ordered chain.
    chain = [
        approval("management", "service_manager", "2026-11-25T10:00:00+08:00"),
        approval("customer", "customer", "2026-11-25T12:00:00+08:00", "fax"),
        approval("technical", "technical_authorization_team", "2026-11-26T10:00:00+08:00"),
    ]
    d = decide(approvals=chain)
    assert (d.status, d.missing) == ("pending", ("customer",))
    assert "the chain is ordered" in d.steps[2].reasons[0]
    # a fresh customer approval after the technical one repairs it
    d = decide(approvals=chain + [approval("customer", "customer", "2026-11-27T12:00:00+08:00", "email")])
    assert d.status == "authorized"


@pytest.mark.parametrize(
    "notices, reason",
    [
        ([NOTICES[0]], "no sms notification sent"),
        ([NOTICES[1]], "no email notification sent"),
        ([], "no email notification sent"),
        (
            [dict(NOTICES[0], at="2026-12-01T10:00:00+08:00"), NOTICES[1]],
            "email notification must go out at least 1440 minutes before the start",
        ),
    ],
)
def test_notification_step_needs_email_and_sms_in_time(notices, reason):
    d = decide(notifications=notices)
    assert (d.status, d.missing) == ("pending", ("notification",))
    assert d.steps[3].reasons[0].startswith(reason)


def test_several_missing_steps_are_listed_in_chain_order():
    d = decide(approvals=[], notifications=[])
    assert d.missing == ("management", "technical", "customer", "notification")


# --- hard constraints --------------------------------------------------------------


def violations(d) -> list[str]:
    return [v.rule for v in d.violations]


def test_major_impact_outside_the_window_is_denied():
    d = decide(scheduled_start="2026-12-02T14:00:00+08:00", scheduled_end="2026-12-02T16:00:00+08:00")
    assert (d.status, violations(d)) == ("denied", ["major-impact-outside-window"])
    assert d.violations[0].cite == "§1.4.3" and d.violations[0].provenance == "handbook"


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("2026-12-02T00:00", "2026-12-02T05:00", "authorized"),  # exactly the window
        ("2026-12-02T04:30", "2026-12-02T05:00", "authorized"),
        ("2026-12-02T04:30", "2026-12-02T05:01", "denied"),  # straddles the close
        ("2026-12-01T23:59", "2026-12-02T01:00", "denied"),  # starts before the window opens
        ("2026-12-02T04:00", "2026-12-03T01:00", "denied"),  # runs into the next night's window
    ],
)
def test_window_edges_in_the_default_window(start, end, expected):
    d = decide(scheduled_start=f"{start}:00+08:00", scheduled_end=f"{end}:00+08:00")
    assert d.status == expected


def test_window_is_read_in_the_customer_zone():
    # 01:00-03:00 in Shanghai is 18:00-20:00 in Berlin the day before: outside a Berlin customer's window
    berlin = {"id": "C", "timezone": "Europe/Berlin"}
    assert decide(customer=berlin).status == "denied"
    d = decide(customer=berlin, scheduled_start="2026-12-02T01:00:00+01:00", scheduled_end="2026-12-02T03:00:00+01:00")
    assert d.status == "authorized"


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("2026-12-01T22:30:00+08:00", "2026-12-02T01:30:00+08:00", "authorized"),  # across midnight
        ("2026-12-01T21:30:00+08:00", "2026-12-01T23:00:00+08:00", "denied"),  # opens before 22:00
        ("2026-12-02T01:00:00+08:00", "2026-12-02T02:30:00+08:00", "denied"),  # runs past 02:00
        ("2026-12-02T00:00:00+08:00", "2026-12-02T02:00:00+08:00", "authorized"),
    ],
)
def test_customer_window_crossing_midnight(start, end, expected):
    customer = {"id": "C", "maintenance_window": "22:00-02:00"}
    d = decide(customer=customer, scheduled_start=start, scheduled_end=end)
    assert d.status == expected, d.explain()


def test_window_does_not_bind_operations_without_major_impact():
    d = decide(
        kind="restart", major_impact=False, modifies=[], approvals=[approval("customer", "customer", "2026-12-01T10:00:00+08:00", "email")],
        scheduled_start="2026-12-02T14:00:00+08:00", scheduled_end="2026-12-02T14:10:00+08:00",
    )
    assert d.status == "authorized"


SPRING_2027 = dict(scheduled_start="2027-02-08T02:00:00+08:00", scheduled_end="2027-02-08T03:00:00+08:00")
CUSTOMER_OK = [approval("customer", "customer", "2027-02-01T10:00:00+08:00", "email")]


@pytest.mark.parametrize("kind, modifies", [("config_change", ["config"]), ("log_tracing", ["log"]), ("inspection", ["config"])])
def test_config_change_or_log_tracing_in_a_sensitive_period_is_denied(kind, modifies):
    d = decide(kind=kind, major_impact=False, modifies=modifies, approvals=CUSTOMER_OK, notifications=[], **SPRING_2027)
    assert (d.status, violations(d)) == ("denied", ["sensitive-period-change"])


def test_sensitive_period_emergency_path_needs_the_extra_approval():
    base = dict(kind="log_tracing", major_impact=False, modifies=["log"], notifications=[], emergency=True, **SPRING_2027)
    assert decide(approvals=CUSTOMER_OK, **base).status == "denied"
    extra = [approval("emergency", "duty_manager", "2027-02-08T01:30:00+08:00")]
    d = decide(approvals=CUSTOMER_OK + extra, **base)
    assert d.status == "authorized"
    assert any(f.id == "sensitive-period-change" and "waived" in f.detail for f in d.fired)
    # the extra approval without declaring an emergency does not open the path
    assert decide(approvals=CUSTOMER_OK + extra, **base | {"emergency": False}).status == "denied"


def test_customer_sensitive_period_applies_too():
    customer = {"id": "C", "sensitive_periods": [{"name": "launch", "start": "2026-12-02T00:00:00+08:00", "end": "2026-12-03T00:00:00+08:00"}]}
    d = decide(customer=customer)  # a cutover with major impact on the customer's launch day
    assert violations(d) == ["sensitive-period-change"]


def test_other_vendors_equipment_is_denied():
    assert violations(decide(other_vendor_equipment=True)) == ["other-vendor-equipment"]


def test_third_party_without_the_customer_is_denied():
    # on site, a third party alone also leaves the customer absent (§3.2.8)
    assert sorted(violations(decide(third_party=True, customer_present=False))) == ["onsite-without-customer", "third-party-alone"]
    d = decide(third_party=True, customer_present=False, remote=True, remote_scope="diagnostics", kind="remote_access")
    assert violations(d) == ["third-party-alone"]
    assert decide(third_party=True, customer_present=True).status == "authorized"


def test_remote_access_without_scope_is_denied():
    assert violations(decide(remote=True)) == ["remote-without-scope"]
    assert decide(remote=True, remote_scope="restart of board 3 only").status == "authorized"


def test_work_beyond_the_approved_scope_needs_a_new_customer_application():
    assert violations(decide(within_approved_scope=False)) == ["beyond-approved-scope"]
    extension = approval("scope_extension", "customer", "2026-11-30T10:00:00+08:00", "email")
    assert decide(within_approved_scope=False, approvals=FULL_CHAIN + [extension]).status == "authorized"


def test_a_violation_denies_even_when_steps_are_missing_too():
    d = decide(other_vendor_equipment=True, approvals=[])
    assert d.status == "denied"
    assert d.missing == ("management", "technical", "customer")


def test_json_contract():
    d = decide(remote=True, approvals=without_step("technical"))
    out = d.to_json()
    assert out["status"] == "denied" and out["risk"] == "high" and out["missing"] == ["technical"]
    [violation] = out["violations"]
    assert {k: violation[k] for k in ("rule", "cite", "provenance")} == {"rule": "remote-without-scope", "cite": "§1.7.1", "provenance": "handbook"}
    assert violation["text"] == violation["message"]["en"]
    assert set(out["ruleset"]) >= {"id", "sha256"}
    assert {"id", "cite", "provenance", "title", "detail"} <= set(out["fired"][0])
    assert out["id"] is None and d.to_json(fact_id="OP-1")["id"] == "OP-1"


def test_explain_lists_the_chain_and_what_is_missing():
    text = decide(approvals=without_step("technical")).explain()
    assert "PENDING: missing technical" in text
    assert "technical (§30) technical authorization (技术授权)" in text
    assert "no technical approval recorded" in text
