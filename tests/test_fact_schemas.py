"""Fact schemas declared in YAML (``kind: facts``): bundled, extended, and an organization's own."""

from __future__ import annotations

import json

import pytest

import asprules
from asprules.cli import main
from asprules.errors import BackendUnavailable, FactError, RulesetError
from asprules.facts.fields import INCIDENT_FIELDS, OPERATION_FIELDS
from asprules.facts.schema import bundled_schemas, bundled_sources, describe, duration_minutes, resolve_schemas
from support import RETE_MISSING, RETE_REQUIRED, REPO, grading_text, incident, needs_rete, operation, row

OWN = REPO / "examples" / "sre"

EXTENDED = """
asprules: 1
kind: facts
id: our-incident
extends: incident
fields:
  tier: {type: enum, values: [standard, enterprise]}
  customer:
    type: record
    fields:
      region: {type: enum, values: [eu, us]}
optional: [affected_sites, vip_customer]
drop: [customer_complaint]
"""


def declared(name: str):
    """A bundled schema built from its YAML as any declared schema is (not its class)."""
    return resolve_schemas([s for s in bundled_sources() if s.data["id"] == name], {})[name]


# --- the bundled schemas are the handbook's classes ---------------------------------------


@pytest.mark.parametrize(
    ("name", "cls", "fields"), [("incident", asprules.Incident, INCIDENT_FIELDS), ("operation", asprules.Operation, OPERATION_FIELDS)]
)
def test_each_bundled_schema_equals_its_class(name, cls, fields):
    schema = declared(name)
    assert describe(schema.model) == describe(cls)  # fields, types, bounds, required-ness, enum members
    assert schema.catalog == fields
    assert bundled_schemas()[name].model is cls  # used as it is, the class validates


def test_describe_sees_a_difference():
    assert describe(declared("incident").model) != describe(resolve_schemas([_source(EXTENDED)])["our-incident"].model)


def test_the_declared_incident_keeps_the_cross_field_checks():
    model = declared("incident").model
    fact = model.model_validate({**incident(), "outage_minutes": None, "recovered_at": "2026-11-18T15:30:00+08:00"})
    assert fact.outage_minutes == 90
    with pytest.raises(ValueError, match="recovered_at is before started_at"):
        model.model_validate({**incident(), "recovered_at": "2026-11-18T13:00:00+08:00"})
    with pytest.raises(ValueError, match="scheduled_end must be after"):
        declared("operation").model.model_validate(operation(scheduled_end="2026-06-01T00:00:00+08:00"))


def _source(text: str, name: str = "<facts>"):
    from asprules.source import parse_text

    return parse_text(text, name)


# --- extending a bundled schema ------------------------------------------------------------


def test_an_extended_incident_adds_fields_and_rules_name_them():
    rows = row("enterprise", "L1", "{field: tier, eq: enterprise}") + row("eu", "L2", "{field: customer.region, eq: eu}")
    rules = asprules.load_ruleset_texts(EXTENDED, grading_text(rows, extra="facts: our-incident\n"))
    base = {k: v for k, v in incident().items() if k not in ("customer_complaint", "affected_sites", "vip_customer")}
    assert asprules.grade({**base, "tier": "enterprise"}, rules).level == "L1"
    eu = {**base, "tier": "standard", "customer": {"id": "c", "region": "eu", "timezone": "Europe/Berlin"}}
    assert asprules.grade(eu, rules).level == "L2"
    with pytest.raises(FactError) as err:  # dropped means gone: the model forbids it
        asprules.grade({**base, "tier": "standard", "customer_complaint": True}, rules)
    assert [p.path for p in err.value.problems] == [("customer_complaint",)]


def test_the_handbook_rulesets_still_decide_on_the_handbook_incident():
    rules = asprules.load_rulesets()
    assert rules.grading.ctx.schema.model is asprules.Incident
    assert rules.authorization.ctx.schema.model is asprules.Operation


def test_dropping_a_field_a_rule_uses_is_an_unknown_field_at_the_rule():
    text = grading_text(row("c", "L1", "{field: customer_complaint, eq: true}"), extra="facts: our-incident\n")
    with pytest.raises(RulesetError) as err:
        asprules.load_ruleset_texts(EXTENDED, text)
    (problem,) = err.value.problems
    assert problem.file == "<text 2>" and problem.line is not None and problem.path[-1] == "field"
    assert "unknown field 'customer_complaint'" in problem.message


# --- an organization's own fact kind ------------------------------------------------------

TICKET = {
    "id": "INC-1",
    "started_at": "2026-11-30T21:05:00+00:00",
    "impact": "low",
    "urgency": "low",
    "users_affected_pct": 1,
    "affected_customers": 1,
    "services": [],
}


@pytest.fixture(scope="module")
def sre():
    """The severity decision alone (the directory also holds the priority decision)."""
    return asprules.load_rulesets(OWN / "rules").for_decision("sre-severity")


def test_an_own_fact_kind_grades_without_any_handbook_field(sre):
    assert asprules.grade(TICKET, sre).level == "SEV4"
    assert asprules.grade({**TICKET, "users_affected_pct": 30}, sre).level == "SEV2"
    outage = {**TICKET, "services": ["api"], "outage": "PT16M"}
    assert asprules.grade(outage, sre).level == "SEV1"
    assert asprules.grade({**outage, "outage": 15}, sre).level == "SEV4"
    enterprise = {**TICKET, "users_affected_pct": 6, "customer": {"id": "a", "tier": "enterprise"}}
    decision = asprules.grade(enterprise, sre)
    assert (decision.base_level, decision.level) == ("SEV3", "SEV2")


def test_a_bad_fact_lists_every_problem_with_its_field_path(sre):
    bad = {**TICKET, "impact": "huge", "users_affected_pct": 120, "affected_customers": "3", "services": ["ftp"]}
    del bad["urgency"]
    with pytest.raises(FactError) as err:
        asprules.grade(bad, sre)
    paths = sorted(p.path for p in err.value.problems)
    assert paths == [("affected_customers",), ("impact",), ("services", 0), ("urgency",), ("users_affected_pct",)]


def test_a_bad_fact_file_names_its_line(tmp_path, capsys):
    path = tmp_path / "t.yaml"
    path.write_text("id: T\nstarted_at: 2026-11-30T21:05:00+00:00\nimpact: huge\n", encoding="utf-8")
    assert main(["grade", str(path), "--rules", str(OWN / "rules"), "--decision", "sre-severity"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3:" in err and "impact" in err and "urgency" in err


def test_many_facts_of_an_own_kind_stream(sre):
    levels = [d.level for d in asprules.grade_many([TICKET, {**TICKET, "data_breach": True}], sre)]
    assert levels == ["SEV4", "SEV1"]
    with pytest.raises(FactError, match="#1"):
        list(asprules.grade_many([TICKET, {**TICKET, "impact": "x"}], sre))


@needs_rete
def test_the_rete_backend_decides_on_declared_schemas_the_same(sre):
    facts = [TICKET, {**TICKET, "users_affected_pct": 26}, {**TICKET, "services": ["billing"], "outage": 20, "customer": {"id": "a", "tier": "enterprise"}}]
    for fact in facts:
        compiled, rete = asprules.grade(fact, sre), asprules.grade(fact, sre, backend="rete")
        assert (rete.level, rete.fired_ids) == (compiled.level, compiled.fired_ids)


def test_durations_read_minutes_or_iso_8601():
    assert duration_minutes("PT1H30M") == 90 and duration_minutes("P1D") == 1440 and duration_minutes(7) == 7
    with pytest.raises(ValueError):
        duration_minutes("90 minutes")


# --- rules on declared fields get every load-time check ------------------------------------


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("{field: impcat, eq: high}", "unknown field 'impcat' (did you mean 'impact'?)"),
        ("{field: impact, gt: 3}", "gt needs a number field; 'impact' is enum"),
        ("{field: impact, eq: hihg}", "'hihg' cannot be a value of 'impact'"),
        ("{field: customer.tier, in: [standard, platinum]}", "'platinum' cannot be a value of 'customer.tier'"),
        ("{field: services, contains_any: [ftp]}", "'ftp' is not one of api, web, billing, search"),
        ("{field: data_breach, eq: 1}", "1 cannot be a value of 'data_breach'"),
        ("{field: customer, present: true}", "'customer' is a record; a condition names one of its fields (customer.id, customer.tier)"),
        ("{local_time: {field: impact, within: '00:00-06:00'}}", "field 'impact' is enum, not a date-time"),
    ],
)
def test_a_rule_on_declared_fields_is_checked_at_load_time(when, message):
    facts = (OWN / "rules" / "sre-incident.facts.yaml").read_text(encoding="utf-8")
    rules = grading_text(row("r", "L1", when), extra="facts: sre-incident\n")
    with pytest.raises(RulesetError) as err:
        asprules.load_ruleset_texts(facts, rules)
    (problem,) = err.value.problems
    assert message in problem.message
    assert problem.file == "<text 2>" and problem.line is not None and problem.path[:3] == ("tables", 0, "rows")


def test_a_list_of_records_is_not_comparable():
    facts = CHANGE + "  teams: {type: list, fields: {name: {type: text}}}\n"
    with pytest.raises(RulesetError, match="'teams' is a list of records; no condition compares it"):
        asprules.load_ruleset_texts(facts, grading_text(row("r", "L1", "{field: teams, present: true}"), extra="facts: change\n"))


def test_a_ruleset_naming_an_unknown_fact_kind_is_an_error():
    with pytest.raises(RulesetError, match="unknown fact schema 'tickets'"):
        asprules.load_ruleset_texts(grading_text(row("r", "L1", "{field: x, eq: 1}"), extra="facts: tickets\n"))


# --- a malformed schema is one error listing every problem ---------------------------------


def test_a_malformed_schema_lists_every_problem():
    text = """
asprules: 1
kind: facts
id: broken
fields:
  id: {type: text}
  a: {type: numbr}
  b: {type: number, min: 10, max: 1}
  c: {type: enum, values: []}
  d: {type: enum}
  e: {type: text, min: 1}
  f: {type: record}
  g: {type: integer, max: 1.5}
"""
    with pytest.raises(RulesetError) as err:
        asprules.load_ruleset_texts(text)
    got = sorted((p.path, p.line) for p in err.value.problems)
    assert [path for path, _ in got] == sorted(
        [("fields", "a", "type"), ("fields", "b", "min"), ("fields", "c", "values"), ("fields", "d", "type"),
         ("fields", "e", "min"), ("fields", "f", "type"), ("fields", "g", "max")]
    )
    assert all(line is not None for _, line in got)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("extends: incidnet\nfields: {x: {type: bool}}", "extends unknown fact schema 'incidnet'"),
        ("extends: incident\ndrop: [nope]", "incident has no field 'nope'"),
        ("extends: incident\ndrop: [started_at]", "check 'incident_timeline' of incident reads started_at"),
        ("fields: {x: {type: bool}}", "needs a required text field 'id'"),
        ("drop: [x]\nfields: {id: {type: text}}", "this schema extends none"),
        ("fields: {id: {type: text}, p: {type: list, fields: {s: {type: instant}}, checks: [period_order]}}", "reads start, end"),
    ],
)
def test_schema_problems_at_their_keys(text, message):
    with pytest.raises(RulesetError) as err:
        asprules.load_ruleset_texts(f"asprules: 1\nkind: facts\nid: s\n{text}\n")
    assert any(message in p.message and p.line is not None for p in err.value.problems), err.value.problems


def test_two_schemas_with_one_id_and_a_bundled_id_reused():
    one = "asprules: 1\nkind: facts\nid: s\nfields: {id: {type: text}}\n"
    with pytest.raises(RulesetError, match="also declared"):
        asprules.load_ruleset_texts(one, one)
    with pytest.raises(RulesetError, match="also declared by the bundled"):
        asprules.load_ruleset_texts(one.replace("id: s", "id: incident"))


# --- what the engine reads must be there ---------------------------------------------------

CHANGE = """
asprules: 1
kind: facts
id: change
fields:
  id: {type: text}
  risk: {type: enum, values: [low, high]}
"""

AUTHORIZATION = """
asprules: 1
kind: authorization
id: changes
facts: change
roles: [{id: cab, name: CAB}]
steps:
  - {id: approve, name: CAB approval, cite: §1, provenance: assumed, basis: test, approval: {roles: [cab]}}
risk_classes:
  - {id: any, name: any change, cite: §1, provenance: assumed, basis: test, chain: [approve]}
"""


def test_an_authorization_on_a_schema_without_schedule_or_approvals_says_so():
    with pytest.raises(RulesetError) as err:
        asprules.load_ruleset_texts(CHANGE, AUTHORIZATION)
    messages = " | ".join(p.message for p in err.value.problems)
    assert "scheduled_start" in messages and "approvals" in messages and "fact schema 'change'" in messages


def test_an_authorization_on_a_schema_with_what_it_reads_authorizes():
    schema = CHANGE + """  scheduled_start: {type: instant}
  approvals:
    type: list
    required: false
    fields: {step: {type: text}, role: {type: text}, at: {type: instant}}
"""
    rules = asprules.load_ruleset_texts(schema, AUTHORIZATION)
    fact = {"id": "C1", "risk": "low", "scheduled_start": "2026-06-10T10:00:00+00:00"}
    assert asprules.authorize(fact, rules).status == "pending"
    approved = {**fact, "approvals": [{"step": "approve", "role": "cab", "at": "2026-06-10T09:00:00+00:00"}]}
    assert asprules.authorize(approved, rules).status == "authorized"
    if RETE_MISSING is None or RETE_REQUIRED:
        for one in (fact, approved):
            assert asprules.authorize(one, rules, backend="rete") == asprules.authorize(one, rules)


def test_a_customer_of_the_wrong_shape_is_reported_for_time_conditions():
    schema = CHANGE + "  started_at: {type: instant}\n  customer: {type: record, fields: {timezone: {type: text}}}\n"
    text = grading_text(row("night", "L1", "{local_time: {field: started_at, within: '00:00-06:00'}}"), extra="facts: change\n")
    with pytest.raises(RulesetError, match="customer.timezone: it must be an optional text with format timezone"):
        asprules.load_ruleset_texts(schema, text)


def test_time_conditions_without_a_customer_use_the_rulesets_default_zone():
    schema = CHANGE + "  started_at: {type: instant}\n"
    text = grading_text(row("night", "L1", "{local_time: {field: started_at, within: '00:00-06:00'}}"), extra="facts: change\n")
    rules = asprules.load_ruleset_texts(schema, text)
    assert asprules.grade({"id": "C", "risk": "low", "started_at": "2026-06-10T02:00:00+00:00"}, rules).level == "L1"
    assert asprules.grade({"id": "C", "risk": "low", "started_at": "2026-06-10T12:00:00+00:00"}, rules).level == "none"


# --- asprules schema: the JSON Schema of the facts declared --------------------------------


def test_schema_command_emits_a_declared_fact_schema(capsys):
    assert main(["schema", "sre-incident", "--rules", str(OWN / "rules")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["additionalProperties"] is False
    assert set(out["required"]) == {"id", "started_at", "impact", "urgency", "users_affected_pct", "affected_customers", "services"}
    assert out["properties"]["impact"]["enum"] == ["high", "medium", "low"]
    tier = out["$defs"]["SreIncidentCustomer"]["properties"]["tier"]
    assert tier["enum"] == ["standard", "enterprise"]
    assert main(["schema", "nope", "--rules", str(OWN / "rules")]) == 2
    assert "sre-incident" in capsys.readouterr().err


def test_validate_lists_fact_schema_files(capsys):
    assert main(["validate", str(OWN / "rules")]) == 0
    assert "(facts sre-incident)" in capsys.readouterr().out



# --- scenario files and timelines ------------------------------------------------------------


def test_scenario_files_run_on_a_declared_schema_with_full_coverage(capsys):
    assert main(["test", str(OWN), "--coverage"]) == 0
    out = capsys.readouterr().out
    assert "coverage sre-severity: 100.0%" in out and "clean (21 passed)" in out


@needs_rete
def test_an_incident_timeline_on_a_declared_schema_says_it_cannot(sre):
    from asprules.backends.rete.timeline import IncidentTimeline

    with pytest.raises(BackendUnavailable, match="fact schema 'sre-incident'"):
        IncidentTimeline(sre)


def test_diff_compares_two_versions_on_a_declared_schema(tmp_path, capsys):
    import shutil

    new = tmp_path / "rules"
    shutil.copytree(OWN / "rules", new)
    path = new / "severity.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("gt: 25}", "gt: 20}"), encoding="utf-8")
    main(["diff", str(OWN / "rules"), str(new), "--scenarios", str(OWN)])
    out = capsys.readouterr().out
    assert "users_affected_pct > 20, ≤ 25: SEV3 → SEV2 (raise)" in out and "corpus: 0 of 40 decisions change" in out


# --- the generated grader on a declared schema equals the closures ----------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LEVELS3 = ["high", "medium", "low"]
tickets = st.fixed_dictionaries(
    {
        "id": st.just("T"),
        "started_at": st.just("2026-11-30T21:05:00+00:00"),
        "impact": st.sampled_from(LEVELS3),
        "urgency": st.sampled_from(LEVELS3),
        "users_affected_pct": st.floats(0, 100),
        "affected_customers": st.integers(0, 10_000_000),
        "services": st.lists(st.sampled_from(["api", "web", "billing", "search"]), max_size=4),
    },
    optional={
        "outage": st.one_of(st.floats(0, 1000), st.integers(0, 100).map(lambda m: f"PT{m}M")),
        "data_breach": st.booleans(),
        "customer": st.fixed_dictionaries({"id": st.just("c"), "tier": st.sampled_from(["standard", "enterprise"])}),
    },
)


@settings(max_examples=300, deadline=None)
@given(tickets)
def test_generated_grader_equals_the_closures_on_a_declared_schema(sre, ticket):
    assert sre.grading.grade != sre.grading.grade_reference  # the generated function, not a fallback
    fact = sre.grading.ctx.schema.parse(ticket)
    fast, reference = sre.grading.grade(fact), sre.grading.grade_reference(fact)
    assert (fast.level, fast.fired_ids) == (reference.level, reference.fired_ids)


def test_the_handbook_authorization_on_an_extended_operation_decides_the_same():
    from support import RULESETS

    extended = "asprules: 1\nkind: facts\nid: our-operation\nextends: operation\nfields:\n  change_type: {type: enum, values: [standard, normal, emergency]}\n"
    text = (RULESETS / "authorization.yaml").read_text(encoding="utf-8").replace("\nkind: authorization\n", "\nkind: authorization\nfacts: our-operation\n", 1)
    calendar = (RULESETS / "calendar-cn.yaml").read_text(encoding="utf-8")
    ours, handbook = asprules.load_ruleset_texts(extended, text, calendar), asprules.load_rulesets()
    for fact in (operation(), operation(approvals=[]), operation(scheduled_start="2026-06-10T14:00:00+08:00", scheduled_end="2026-06-10T15:00:00+08:00")):
        mine, theirs = asprules.authorize({**fact, "change_type": "normal"}, ours), asprules.authorize(fact, handbook)
        assert (mine.status, mine.missing, mine.violations) == (theirs.status, theirs.missing, theirs.violations)
    with pytest.raises(FactError, match="change_type"):
        asprules.authorize(operation(), ours)


def test_the_check_names_a_schema_may_use_are_the_registered_checks():
    import typing

    from asprules.facts import models, schema

    assert set(typing.get_args(schema.CheckName)) == set(models.CHECKS)
