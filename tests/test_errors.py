"""Every typed error: bad rule files and bad facts name the file, line and field."""

from __future__ import annotations

import math

import pytest

import asprules
from asprules.errors import AspRulesError
from support import grading_text, incident, operation, row, write

AUTH_HEAD = """\
asprules: 1
kind: authorization
id: a
roles: [{id: customer, name: customer}]
steps:
  - {id: customer, name: c, cite: §31, provenance: handbook, approval: {roles: [customer]}}
"""


def load_error(tmp_path, text: str, name: str = "rules.yaml") -> asprules.RulesetError:
    path = write(tmp_path, name, text)
    with pytest.raises(asprules.RulesetError) as err:
        asprules.load_rulesets(path)
    return err.value


def only(err: AspRulesError):
    assert len(err.problems) == 1, err
    return err.problems[0]


def test_errors_form_one_small_hierarchy():
    for cls in (asprules.RulesetError, asprules.FactError, asprules.EvaluationError, asprules.BackendUnavailable):
        assert issubclass(cls, AspRulesError)


# --- YAML level ----------------------------------------------------------------------


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    p = only(load_error(tmp_path, "asprules: 1\nkind: [grading\nid: x\n"))
    assert p.file.endswith("rules.yaml") and p.line == 3 and p.column is not None


def test_anchors_and_aliases_are_refused(tmp_path):
    p = only(load_error(tmp_path, "a: &x [1, 2]\nb: *x\n"))
    assert "anchors and aliases" in p.message and p.line == 1


def test_billion_laughs_is_refused_fast(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    assert "anchors and aliases" in only(load_error(tmp_path, bomb)).message


def test_python_tags_are_refused(tmp_path):
    p = only(load_error(tmp_path, "asprules: 1\nx: !!python/object/apply:os.system ['true']\n"))
    assert "tag" in p.message and "python" in p.message and p.line == 2


def test_duplicate_keys_are_refused(tmp_path):
    p = only(load_error(tmp_path, "asprules: 1\nkind: grading\nkind: calendar\n"))
    assert p.message == "duplicate key 'kind'" and p.line == 3 and p.field == "kind"


def test_merge_keys_are_refused(tmp_path):
    assert "merge keys" in only(load_error(tmp_path, "a: {x: 1}\nb:\n  <<: {y: 2}\n")).message


def test_not_utf8_is_refused(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_bytes(b"asprules: 1\nid: \xff\xfe\n")
    with pytest.raises(asprules.RulesetError, match="not UTF-8"):
        asprules.load_rulesets(path)


def test_missing_path_and_empty_directory(tmp_path):
    with pytest.raises(asprules.RulesetError, match="not found"):
        asprules.load_rulesets(tmp_path / "nope")
    with pytest.raises(asprules.RulesetError, match="no rule files"):
        asprules.load_rulesets(tmp_path)


# --- document shape ---------------------------------------------------------------------


def test_top_level_must_be_a_mapping(tmp_path):
    assert "mapping" in only(load_error(tmp_path, "- 1\n- 2\n")).message


def test_unknown_kind(tmp_path):
    p = only(load_error(tmp_path, "asprules: 1\nkind: policy\nid: x\n"))
    assert "kind must be one of" in p.message and p.line == 1


def test_a_key_named_like_the_kind_is_reported_at_itself(tmp_path):
    # a document is validated by its kind's model: no union tag in pydantic's location
    # to be mistaken for the author's key `grading` (it was reported as `grading.grading`)
    text = "asprules: 1\nkind: grading\nid: x\ngrading: {grading: 1}\nlevels: [{id: L1, name: a}]\ntables: []\n"
    found = {(p.field, p.line) for p in load_error(tmp_path, text).problems}
    assert found == {("grading", 4), ("tables", 6)}


def test_unknown_key_is_named_with_its_line(tmp_path):
    text = grading_text(row("r", "L1", "{field: outage_minutes, ge: 1}")) + "colour: blue\n"
    p = only(load_error(tmp_path, text))
    assert (p.field, p.message) == ("colour", "unknown field")
    assert p.line == text.splitlines().index("colour: blue") + 1


def test_missing_required_key_is_named(tmp_path):
    text = grading_text(row("r", "L1", "{field: outage_minutes, ge: 1}")).replace("    hit_policy: first\n", "")
    p = only(load_error(tmp_path, text))
    assert p.field == "tables[0].hit_policy" and "required" in p.message


def test_assumed_figure_needs_a_basis(tmp_path):
    text = grading_text("- {id: r, level: L1, cite: §34.2.2, provenance: assumed, when: {field: outage_minutes, ge: 1}}")
    p = only(load_error(tmp_path, text))
    assert p.field == "tables[0].rows[0]" and "basis" in p.message


def test_cite_must_follow_the_declared_section_pattern(tmp_path):
    text = grading_text(
        "- {id: r, level: L1, cite: '34.2', provenance: handbook, when: {field: outage_minutes, ge: 1}}",
        extra="cite_pattern: '^§[0-9]+(\\.[0-9]+)*$'\n",
    )
    assert only(load_error(tmp_path, text)).field == "tables[0].rows[0].cite"


def test_two_operators_in_one_comparison(tmp_path):
    p = only(load_error(tmp_path, grading_text(row("r", "L1", "{field: outage_minutes, ge: 1, le: 5}"))))
    assert "exactly one operator" in p.message and p.field == "tables[0].rows[0].when"


def test_not_a_condition(tmp_path):
    p = only(load_error(tmp_path, grading_text(row("r", "L1", "{all: [{outage_minutes: 5}]}"))))
    assert p.field == "tables[0].rows[0].when.all[0]" and "not a condition" in p.message


# --- references and types -------------------------------------------------------------


def test_unknown_field_in_a_condition_suggests_the_right_one(tmp_path):
    text = grading_text(row("r", "L1", "{field: outage_minute, ge: 30}"))
    p = only(load_error(tmp_path, text))
    assert p.field == "tables[0].rows[0].when.field"
    assert p.message == "unknown field 'outage_minute' (did you mean 'outage_minutes'?)"
    assert p.line == len(text.splitlines())


@pytest.mark.parametrize(
    "when, message",
    [
        ("{field: core_service, ge: 1}", "ge needs a number field; 'core_service' is bool"),
        ("{field: environment, eq: lab}", "'lab' cannot be a value of 'environment'"),
        ("{field: core_service, eq: 1}", "1 cannot be a value of 'core_service'"),
        ("{field: outage_minutes, between: [9, 3]}", "between [9, 3] is empty"),
        ("{field: environment, contains_any: [office]}", "contains_any needs a list field"),
        ("{local_time: {field: affected_users, within: '01:00-06:00'}}", "not a date-time"),
        ("{local_time: {field: started_at, within: '01:00-01:00'}}", "zero length"),
        ("{has_approval: {step: customer}}", "only meaningful in an authorization ruleset"),
    ],
)
def test_condition_type_errors(tmp_path, when, message):
    p = only(load_error(tmp_path, grading_text(row("r", "L1", when))))
    assert message in p.message and p.field.startswith("tables[0].rows[0].when")


def test_undefined_levels(tmp_path):
    adjustments = "- {id: a, cite: §34.2.4, provenance: assumed, basis: t, when: {field: vip_customer, eq: true}, raise: 1, cap: L0}"
    text = grading_text(row("r", "L9", "{field: outage_minutes, ge: 1}"), adjustments=adjustments).replace("default: none", "default: nil")
    err = load_error(tmp_path, text)
    fields = sorted(p.field for p in err.problems)
    assert fields == ["adjustments[0].cap", "tables[0].default", "tables[0].rows[0].level"]
    assert all("undefined level" in p.message for p in err.problems)


def test_duplicate_rule_ids(tmp_path):
    text = grading_text(row("same", "L1", "{field: outage_minutes, ge: 9}") + row("same", "L2", "{field: outage_minutes, ge: 1}"))
    p = only(load_error(tmp_path, text))
    assert p.field == "tables[0].rows[1].id" and "duplicate id 'same'" in p.message


def test_cap_less_severe_than_floor(tmp_path):
    adjustments = "- {id: a, cite: §34.2.4, provenance: assumed, basis: t, when: {field: vip_customer, eq: true}, raise: 1, cap: L3, floor: L1}"
    p = only(load_error(tmp_path, grading_text(row("r", "L1", "{field: outage_minutes, ge: 1}"), adjustments=adjustments)))
    assert "less severe than floor" in p.message


def test_derived_value_errors(tmp_path):
    extra = "derived:\n  a: {mul: [b, 2]}\n  b: {add: [a, nowhere]}\n  c: {div: [outage_minutes, 0]}\n  d: {add: [core_service, 1]}\n"
    err = load_error(tmp_path, grading_text(row("r", "L1", "{field: outage_minutes, ge: 1}"), extra=extra))
    messages = " | ".join(p.message for p in err.problems)
    for expected in ("unknown field 'nowhere'", "division by zero", "'core_service' is bool", "cycle"):
        assert expected in messages


def test_bad_default_zone_and_window(tmp_path):
    extra = "defaults:\n  timezone: {value: Mars/Base, cite: §1.4.3, provenance: assumed, basis: t}\n  maintenance_window: {value: '5-6', cite: §1.4.3, provenance: handbook}\n"
    err = load_error(tmp_path, grading_text(row("r", "L1", "{field: outage_minutes, ge: 1}"), extra=extra))
    assert sorted(p.field for p in err.problems) == ["defaults.maintenance_window.value", "defaults.timezone.value"]


def test_authorization_reference_errors(tmp_path):
    text = AUTH_HEAD + """\
  - id: notice
    name: n
    cite: §32
    provenance: handbook
    notification: {channels: [email, fax], cite: §32, provenance: handbook}
  - id: tech
    name: t
    cite: §30
    provenance: handbook
    approval: {roles: [engineer], evidence: [handshake]}
risk_classes:
  - {id: high, name: h, cite: §28, provenance: handbook, when: {field: major_impact, eq: true}, chain: [customer, managment]}
  - {id: rest, name: r, cite: §28, provenance: handbook, when: {field: remote, eq: true}, chain: [customer]}
constraints:
  - {id: c1, cite: §1.4.4, provenance: handbook, message: m, applies_to: [urgent], when: {has_approval: {step: nope, roles: [boss], evidence: [smoke]}}}
"""
    err = load_error(tmp_path, text)
    got = {p.field: p.message for p in err.problems}
    assert "channel 'fax'" in got["steps[1].notification.channels[1]"]
    assert "undefined role 'engineer'" in got["steps[2].approval.roles[0]"]
    assert "evidence form 'handshake' is not in the fact schema" in got["steps[2].approval.evidence[0]"]
    assert "undefined step 'managment'" in got["risk_classes[0].chain[1]"]
    assert "catch-all" in got["risk_classes[1]"]
    assert "undefined step 'nope'" in got["constraints[0].when.has_approval.step"]
    assert "undefined role 'boss'" in got["constraints[0].when.has_approval.roles[0]"]
    assert "'smoke'" in got["constraints[0].when.has_approval.evidence[0]"]
    assert "undefined risk class 'urgent'" in got["constraints[0].applies_to[0]"]
    assert all(p.line is not None for p in err.problems)


def test_empty_chain_is_refused(tmp_path):
    text = AUTH_HEAD + "risk_classes:\n  - {id: any, name: a, cite: §28, provenance: handbook, chain: []}\n"
    p = only(load_error(tmp_path, text))
    assert p.field == "risk_classes[0].chain"


def test_calendar_errors(tmp_path):
    text = """\
asprules: 1
kind: calendar
id: cal
timezone: Asia/Shanghai
periods:
  - {name: backwards, start: 2026-10-07, end: 2026-10-01, cite: §1.4.4, provenance: assumed, basis: t}
  - {name: naive, start: "2026-10-01T00:00:00", end: 2026-10-02, cite: §1.4.4, provenance: assumed, basis: t}
"""
    err = load_error(tmp_path, text)
    got = {p.field: p.message for p in err.problems}
    assert "ends before it starts" in got["periods[0]"]
    assert "no UTC offset" in got["periods[1]"]


def test_references_across_files(tmp_path):
    write(tmp_path, "g1.yaml", grading_text(row("r", "L1", "{field: outage_minutes, ge: 1}"), extra="calendars: [missing]\n"))
    write(tmp_path, "g2.yaml", grading_text(row("q", "L1", "{field: outage_minutes, ge: 1}")))
    with pytest.raises(asprules.RulesetError) as err:
        asprules.load_rulesets(tmp_path)
    messages = [str(p) for p in err.value.problems]
    assert any("g1.yaml" in m and "calendar 'missing'" in m for m in messages)
    assert any("g2.yaml" in m and "ruleset id 't' is also used by" in m and "g1.yaml" in m for m in messages)


def test_problems_from_several_files_come_together(tmp_path):
    write(tmp_path, "a.yaml", "asprules: 1\nkind: grading\n")
    write(tmp_path, "b.yaml", "x: &y 1\n")
    with pytest.raises(asprules.RulesetError) as err:
        asprules.load_rulesets(tmp_path)
    assert {p.file.rsplit("/", 1)[-1] for p in err.value.problems} == {"a.yaml", "b.yaml"}


# --- facts ------------------------------------------------------------------------------------


def fact_error(fn, data) -> asprules.FactError:
    with pytest.raises(asprules.FactError) as err:
        fn(data)
    return err.value


def test_every_problem_of_a_bad_incident_is_listed_with_its_field():
    data = incident(environment="lab", affected_users="12", core_service="false", started_at="2026-01-01T10:00:00", colour="red")
    err = fact_error(asprules.parse_incident, data)
    fields = {p.field: p.message for p in err.problems}
    assert set(fields) == {"environment", "affected_users", "core_service", "started_at", "colour"}
    assert "timezone" in fields["started_at"] and fields["colour"] == "unknown field"
    assert "INC-T" in str(err)


@pytest.mark.parametrize(
    "over, field, message",
    [
        ({"recovered_at": "2026-11-18T13:00:00+08:00", "outage_minutes": None}, "", "recovered_at is before started_at"),
        ({"outage_minutes": None}, "", "outage unknown"),
        ({"outage_minutes": math.nan}, "outage_minutes", "finite number"),
        ({"affected_users_pct": 120}, "affected_users_pct", "less than or equal to 100"),
        ({"affected_users": -1}, "affected_users", "greater than or equal to 0"),
        ({"customer": {"id": "C", "timezone": "Mars/Base"}}, "customer.timezone", "unknown IANA time zone"),
        ({"customer": {"id": "C", "maintenance_window": "9-5"}}, "customer.maintenance_window", "HH:MM-HH:MM"),
    ],
)
def test_incident_value_errors(over, field, message):
    data = {k: v for k, v in incident(**over).items() if v is not None}
    p = only(fact_error(asprules.parse_incident, data))
    assert p.field == field and message in p.message


def test_outage_is_derived_from_timestamps():
    data = {k: v for k, v in incident(recovered_at="2026-11-18T15:30:00+08:00").items() if k != "outage_minutes"}
    assert asprules.parse_incident(data).outage_minutes == 90
    data = {k: v for k, v in incident(as_of="2026-11-18T14:45:00+08:00").items() if k != "outage_minutes"}
    assert asprules.parse_incident(data).outage_minutes == 45


@pytest.mark.parametrize(
    "over, field, message",
    [
        ({"scheduled_end": "2026-12-02T00:30:00+08:00"}, "", "scheduled_end must be after scheduled_start"),
        ({"kind": "reboot"}, "kind", "Input should be"),
        ({"modifies": ["firmware"]}, "modifies[0]", "Input should be"),
        ({"engineer": {"id": "E"}}, "engineer.qualification", "Field required"),
        ({"approvals": [{"step": "customer", "by": "x", "role": "customer", "at": "2026-11-27T10:00:00"}]}, "approvals[0].at", "timezone"),
        ({"approvals": [{"step": "customer", "by": "x", "role": "customer", "at": "2026-11-27T10:00:00+08:00", "evidence": "telepathy"}]}, "approvals[0].evidence", "Input should be"),
        ({"notifications": [{"channel": "pigeon", "to": "x", "at": "2026-11-27T10:00:00+08:00"}]}, "notifications[0].channel", "Input should be"),
        ({"emergency": "yes"}, "emergency", "valid boolean"),
    ],
)
def test_operation_value_errors(over, field, message):
    p = only(fact_error(asprules.parse_operation, operation(**over)))
    assert p.field == field and message in p.message


def test_fact_must_be_a_mapping():
    assert "expected a mapping" in only(fact_error(asprules.parse_incident, ["not", "a", "mapping"])).message


def test_fact_file_errors_name_file_and_line(tmp_path):
    path = write(tmp_path, "inc.yaml", "id: X\nenvironment: production\nstarted_at: 2026-11-18T14:00:00+08:00\noutage_minutes: ten\n")
    with pytest.raises(asprules.FactError) as err:
        asprules.incident_from_file(str(path))
    p = next(p for p in err.value.problems if p.field == "outage_minutes")
    assert p.file == str(path) and p.line == 4
    bad_yaml = write(tmp_path, "bad.yaml", "id: [\n")
    with pytest.raises(asprules.FactError, match="cannot parse"):
        asprules.incident_from_file(str(bad_yaml))


def test_unknown_backend_is_a_typed_error():
    rules = asprules.load_rulesets()
    with pytest.raises(asprules.BackendUnavailable):
        asprules.grade(incident(), rules, backend="quantum")  # type: ignore[arg-type]


def test_grading_without_a_grading_ruleset(tmp_path):
    write(tmp_path, "a.yaml", AUTH_HEAD + "risk_classes:\n  - {id: any, name: a, cite: §28, provenance: handbook, chain: [customer]}\n")
    rules = asprules.load_rulesets(tmp_path)
    with pytest.raises(asprules.RulesetError, match="no grading ruleset loaded"):
        asprules.grade(incident(), rules)
