"""Static analysis: each broken ruleset gives its finding, with a witness that shows it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import asprules
from asprules.checks.analysis import analyse, analyse_paths
from asprules.cli import main
from support import RULESETS, grading_text, row, write


def findings_for(tmp_path, text, name="grading.yaml", **kw):
    path = write(tmp_path, name, text)
    return analyse_paths([path], **kw)


def only(findings, code):
    hits = [f for f in findings if f.code == code]
    assert hits, f"no {code} finding in {[(f.code, f.message) for f in findings]}"
    return hits


def grades(fact, tmp_path, name="grading.yaml"):
    return asprules.grade(fact, asprules.load_rulesets(tmp_path / name))


def test_gap_where_no_table_applies_has_an_office_witness(tmp_path):
    text = grading_text(row("r1", "L1", "{field: outage_minutes, ge: 60}")).replace(
        "    hit_policy:", "    applies_when: {field: environment, eq: production}\n    hit_policy:"
    )
    (gap,) = only(findings_for(tmp_path, text), "gap")
    assert gap.severity == "error" and gap.region == "environment = office"
    assert gap.witness[0]["environment"] == "office"
    with pytest.raises(asprules.EvaluationError):
        grades(gap.witness[0], tmp_path)


def test_gap_falling_to_a_major_default_is_a_warning_with_witness(tmp_path):
    text = grading_text(
        row("long", "L1", "{field: outage_minutes, ge: 60}") + row("short", "L2", "{field: outage_minutes, lt: 30}")
    ).replace("default: none", "default: L3")
    (gap,) = [f for f in only(findings_for(tmp_path, text), "gap") if f.severity == "warning"]
    assert gap.region == "outage_minutes 30–60"
    assert gap.witness[0]["outage_minutes"] == 30
    d = grades(gap.witness[0], tmp_path)
    assert d.level == "L3" and d.fired_ids == ()


def test_fall_through_to_a_non_major_default_is_not_a_gap(tmp_path):
    text = grading_text(row("long", "L1", "{field: outage_minutes, ge: 60}"))
    assert not [f for f in findings_for(tmp_path, text) if f.code == "gap"]


def test_unique_overlap_is_an_error_naming_both_rows(tmp_path):
    rows = row("a", "L1", "{field: outage_minutes, ge: 60}") + row("b", "L2", "{field: affected_users_pct, ge: 30}")
    (overlap,) = only(findings_for(tmp_path, grading_text(rows, policy="unique")), "overlap")
    assert overlap.severity == "error" and "rows a and b" in overlap.message
    w = overlap.witness[0]
    assert w["outage_minutes"] == 60 and w["affected_users_pct"] == 30
    with pytest.raises(asprules.EvaluationError):
        grades(w, tmp_path)


def test_masked_row_under_first_names_the_masking_row(tmp_path):
    rows = row("wide", "L2", "{field: outage_minutes, ge: 30}") + row("narrow", "L1", "{all: [{field: outage_minutes, ge: 60}, {field: core_service, eq: true}]}")
    text = grading_text(rows)
    (masked,) = only(findings_for(tmp_path, text), "masked-row")
    assert masked.severity == "warning" and masked.rule == "narrow" and "wide" in masked.message
    assert masked.line == 1 + next(i for i, ln in enumerate(text.splitlines()) if "id: narrow" in ln)
    w = masked.witness[0]
    assert w["core_service"] is True and w["outage_minutes"] >= 60
    assert grades(w, tmp_path).fired_ids == ("wide",)


def test_unsatisfiable_row_is_unreachable(tmp_path):
    rows = row("never", "L1", "{all: [{field: outage_minutes, ge: 60}, {field: outage_minutes, lt: 30}]}")
    (f,) = only(findings_for(tmp_path, grading_text(rows)), "unreachable-row")
    assert f.rule == "never"


def test_non_monotone_table_gives_a_counterexample_pair(tmp_path):
    rows = row("long", "L3", "{field: outage_minutes, ge: 120}") + row("mid", "L1", "{field: outage_minutes, ge: 60}")
    found = only(findings_for(tmp_path, grading_text(rows)), "non-monotone")
    (f,) = [f for f in found if "outage_minutes" in f.message]
    assert f.rule == "long" and f.line == 1 + next(i for i, ln in enumerate(grading_text(rows).splitlines()) if "id: long" in ln)
    low, high = f.witness
    assert (low["outage_minutes"], high["outage_minutes"]) == (60, 120)
    assert {k: v for k, v in low.items() if k != "outage_minutes"} == {k: v for k, v in high.items() if k != "outage_minutes"}
    assert (grades(low, tmp_path).level, grades(high, tmp_path).level) == ("L1", "L3")


def test_data_loss_turning_true_must_not_lower_the_level(tmp_path):
    rows = row("clean", "L2", "{all: [{field: data_loss, eq: false}, {field: outage_minutes, ge: 60}]}") + row("lossy", "L3", "{field: data_loss, eq: true}")
    (f,) = [f for f in only(findings_for(tmp_path, grading_text(rows)), "non-monotone") if "data_loss" in f.message]
    low, high = f.witness
    assert (low["data_loss"], high["data_loss"]) == (False, True)
    assert (grades(low, tmp_path).level, grades(high, tmp_path).level) == ("L2", "L3")


def test_monotone_derived_value_is_solved_for_a_witness(tmp_path):
    extra = "derived:\n  user_hours: {mul: [affected_users, {div: [outage_minutes, 60]}]}\n"
    extra = "derived:\n  outage_hours: {div: [outage_minutes, 60]}\n  user_hours: {mul: [affected_users, outage_hours]}\n"
    rows = row("big", "L3", "{field: user_hours, ge: 50000}") + row("small", "L2", "{field: user_hours, ge: 5000}")
    (f,) = only(findings_for(tmp_path, grading_text(rows, extra=extra)), "non-monotone")
    low, high = f.witness
    assert (grades(low, tmp_path).level, grades(high, tmp_path).level) == ("L2", "L3")


def test_dead_adjustment_whose_cap_always_stops_it(tmp_path):
    rows = row("a", "L1", "{field: outage_minutes, ge: 60}")
    adj = "- {id: vip, cite: §34.2.4, provenance: assumed, basis: t, when: {field: vip_customer, eq: true}, raise: 1, cap: L1}"
    (f,) = only(findings_for(tmp_path, grading_text(rows, adjustments=adj)), "dead-adjustment")
    assert f.rule == "vip" and "cap L1" in f.message


def test_live_adjustment_is_not_reported(tmp_path):
    rows = row("a", "L2", "{field: outage_minutes, ge: 60}")
    adj = "- {id: vip, cite: §34.2.4, provenance: assumed, basis: t, when: {field: vip_customer, eq: true}, raise: 1, cap: L1}"
    assert not [f for f in findings_for(tmp_path, grading_text(rows, adjustments=adj)) if f.code == "dead-adjustment"]


AUTH = """
asprules: 1
kind: authorization
id: a
roles:
  - {id: customer, name: customer}
steps:
  - {id: customer, name: c, cite: §31, provenance: handbook, approval: {roles: [ROLE]}}
  - {id: spare, name: s, cite: §31, provenance: handbook, approval: {roles: [customer]}}
risk_classes:
  - {id: remote, name: r, cite: §28, provenance: handbook, when: {field: remote, eq: true}, chain: [customer]}
  - {id: remote-config, name: rc, cite: §28, provenance: handbook, when: {all: [{field: remote, eq: true}, {field: kind, eq: config_change}]}, chain: [customer]}
  - {id: routine, name: x, cite: §28, provenance: handbook, chain: [customer]}
defaults:
  maintenance_window: {value: "WINDOW", cite: §1.4.3, provenance: handbook}
"""


def test_undefined_role_is_an_error_at_its_line(tmp_path):
    fs = findings_for(tmp_path, AUTH.replace("ROLE", "clerk").replace("WINDOW", "00:00-05:00"), "auth.yaml")
    (f,) = [f for f in fs if f.severity == "error"]
    assert "undefined role 'clerk'" in f.message and (f.line, f.column) == (7, 81) and f.file.endswith("auth.yaml")
    assert f.rule == "customer"  # the step it is in


def test_zero_length_window_is_an_error(tmp_path):
    fs = findings_for(tmp_path, AUTH.replace("ROLE", "customer").replace("WINDOW", "02:00-02:00"), "auth.yaml")
    (f,) = [f for f in fs if f.severity == "error"]
    assert "zero length" in f.message and "maintenance_window" in f.message


def test_masked_risk_class_and_unused_step(tmp_path):
    fs = findings_for(tmp_path, AUTH.replace("ROLE", "customer").replace("WINDOW", "00:00-05:00"), "auth.yaml")
    (masked,) = only(fs, "masked-risk-class")
    assert masked.rule == "remote-config" and "(remote)" in masked.message
    assert masked.witness[0]["remote"] is True and masked.witness[0]["kind"] == "config_change"
    (unused,) = only(fs, "unused-step")
    assert unused.rule == "spare"


def test_shipped_rulesets_validate_clean_and_strict_names_every_assumed_figure(capsys):
    assert main(["validate", str(RULESETS), "--strict", "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    others = [f for f in out["findings"] if f["code"] != "assumed"]
    assert others == [], [f["message"] for f in others]  # only --strict finds anything
    assumed = [f for f in out["findings"] if f["code"] == "assumed"]
    assert assumed and all(f["line"] and f["severity"] == "error" for f in assumed)
    assert any(f["rule"] == "prod-l1-core-outage-day" for f in assumed)
    assert not any(f["rule"] == "customer" and "authorization" in f["file"] for f in assumed)  # provenance: handbook


def test_validate_formats_and_exit_codes(tmp_path, capsys):
    rows = row("a", "L1", "{field: outage_minutes, ge: 60}") + row("b", "L2", "{field: affected_users_pct, ge: 30}")
    path = write(tmp_path, "grading.yaml", grading_text(rows, policy="unique"))
    assert main(["validate", str(path), "--format", "github"]) == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith(f"::error file={path},line=") and "asprules overlap b" in line
    assert main(["validate", str(path), "--format", "junit"]) == 1
    suite = ET.fromstring(capsys.readouterr().out).find("testsuite")
    assert suite.get("failures") == "1" and suite.find("testcase/failure").get("type") == "overlap"
    assert main(["validate", str(path)]) == 1
    text = capsys.readouterr().out
    assert "error[overlap] b:" in text and "witness:" in text
    assert main(["validate", str(tmp_path / "missing.yaml")]) == 2


def test_warnings_pass_unless_fail_on_warning(tmp_path, capsys):
    rows = row("wide", "L2", "{field: outage_minutes, ge: 30}") + row("narrow", "L1", "{field: outage_minutes, ge: 60}")
    path = write(tmp_path, "grading.yaml", grading_text(rows))
    assert main(["validate", str(path)]) == 0
    assert main(["validate", str(path), "--fail-on", "warning"]) == 1


def test_undefined_step_in_a_chain_is_an_error_at_its_line(tmp_path):
    text = AUTH.replace("ROLE", "customer").replace("WINDOW", "00:00-05:00").replace("chain: [customer]}\n  - {id: routine", "chain: [customer, sign_off]}\n  - {id: routine")
    fs = findings_for(tmp_path, text, "auth.yaml")
    (f,) = [f for f in fs if f.severity == "error"]
    assert "undefined step 'sign_off'" in f.message and f.line == 1 + next(i for i, ln in enumerate(text.strip("\n").splitlines()) if "sign_off" in ln)


def test_evidence_form_outside_the_fact_schema_is_an_error(tmp_path):
    text = AUTH.replace("ROLE", "customer").replace("WINDOW", "00:00-05:00").replace(
        "approval: {roles: [customer]}}", "approval: {roles: [customer], evidence: [fax, carrier_pigeon]}}", 1
    )
    (f,) = [f for f in findings_for(tmp_path, text, "auth.yaml") if f.severity == "error"]
    assert "evidence form 'carrier_pigeon' is not in the fact schema" in f.message and (f.line, f.column) == (7, 108)


def test_time_bands_across_midnight_are_modelled(tmp_path):
    rows = row("night", "L2", "{local_time: {field: started_at, within: '22:00-02:00'}}") + row(
        "late-long", "L1", "{all: [{local_time: {field: started_at, within: '23:00-01:00'}}, {field: outage_minutes, ge: 60}]}"
    )
    (masked,) = only(findings_for(tmp_path, grading_text(rows)), "masked-row")
    assert masked.rule == "late-long" and masked.severity == "warning"
    at = datetime.fromisoformat(masked.witness[0]["started_at"]).astimezone(ZoneInfo("UTC"))
    assert at.hour in (23, 0)
    assert grades(masked.witness[0], tmp_path).fired_ids == ("night",)
