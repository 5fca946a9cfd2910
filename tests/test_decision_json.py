"""The decision JSON contract: ``to_json()``, the command line's ``--format json`` and the
published JSON Schemas (docs/schema/*-decision.schema.json) say the same thing."""

from __future__ import annotations

import io
import json
import contextlib
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings

import asprules
from asprules.checks.schema import schema
from asprules.cli import main
from asprules.testing import incidents, operations
from support import REPO

RULES = asprules.load_rulesets()
GRADE = jsonschema.Draft202012Validator(schema("grade-decision"))
AUTH = jsonschema.Draft202012Validator(schema("authorization-decision"))
INCIDENTS = sorted((REPO / "examples/incidents").glob("*.yaml"))
OPERATIONS = sorted((REPO / "examples/operations").glob("*.yaml"))


def cli_json(*argv: str) -> tuple[int, list[dict]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*argv, "--format", "json"])
    text = out.getvalue()
    try:
        return code, [json.loads(text)]
    except json.JSONDecodeError:
        return code, [json.loads(line) for line in text.splitlines() if line.strip()]


def test_the_schemas_are_valid_json_schemas():
    for kind in ("grade-decision", "authorization-decision"):
        jsonschema.Draft202012Validator.check_schema(schema(kind))


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", INCIDENTS, ids=lambda p: p.stem)
def test_grade_cli_output_is_to_json_and_fits_the_schema(path: Path, lang: str):
    incident = asprules.incident_from_file(str(path))
    expected = asprules.grade(incident, RULES).to_json(lang, fact_id=incident.id)
    GRADE.validate(expected)
    code, [printed] = cli_json("grade", str(path), "--lang", lang)
    assert code == 0 and printed == expected
    why = asprules.grade(incident, RULES, why_not=True).to_json(lang, fact_id=incident.id)
    GRADE.validate(why)
    assert cli_json("grade", str(path), "--lang", lang, "--why-not")[1] == [why]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.stem)
def test_authorize_cli_output_is_to_json_and_fits_the_schema(path: Path, lang: str):
    operation = asprules.operation_from_file(str(path))
    expected = asprules.authorize(operation, RULES).to_json(lang, fact_id=operation.id)
    AUTH.validate(expected)
    code, [printed] = cli_json("authorize", str(path), "--lang", lang)
    assert code == 0 and printed == expected
    why = asprules.authorize(operation, RULES, why_not=True).to_json(lang, fact_id=operation.id)
    AUTH.validate(why)
    assert cli_json("authorize", str(path), "--lang", lang, "--why-not")[1] == [why]


@settings(max_examples=20)
@given(incidents())
def test_every_grade_decision_fits_the_schema(fact):
    try:
        decision = asprules.grade(fact, RULES, why_not=True)
    except asprules.EvaluationError:
        return
    GRADE.validate(decision.to_json("zh", fact_id=fact.id))


@settings(max_examples=20)
@given(operations())
def test_every_authorization_decision_fits_the_schema(op):
    AUTH.validate(asprules.authorize(op, RULES).to_json(fact_id=op.id))


def test_reasons_are_codes_with_params_beside_their_text():
    op = asprules.operation_from_file(str(REPO / "examples/operations/pending-upgrade-missing-steps.yaml"))
    steps = {s["id"]: s for s in asprules.authorize(op, RULES).to_json("zh")["steps"]}
    [reason] = steps["notification"]["reasons"]
    assert reason["code"] == "reason.no_notification"
    assert reason["params"] == {"channel": {"en": "sms", "zh": "短信"}}
    assert reason["text"] == "未发送短信通知"


def test_obligations_are_always_present_and_fit_the_schema():
    from datetime import datetime, timedelta, timezone

    decision = asprules.grade(asprules.incident_from_file(str(INCIDENTS[0])), RULES)
    assert isinstance(decision.to_json()["obligations"], list)  # the level's own, or none
    GRADE.validate(decision.to_json())
    decision = decision.model_copy(update={"obligations": ()})
    assert decision.to_json()["obligations"] == []
    due = datetime(2026, 12, 2, 14, 0, tzinfo=timezone(timedelta(hours=8)))
    owed = asprules.Obligation(
        id="l1-report", kind="report", text={"en": "written report", "zh": "书面报告"}, due=due, cite="§35.3", provenance="handbook"
    )
    out = decision.model_copy(update={"obligations": (owed,)}).to_json()
    GRADE.validate(out)
    assert out["obligations"][0]["due"] == "2026-12-02T14:00:00+08:00"
    assert "written report due 2026-12-02T14:00+08:00 (§35.3)" in decision.model_copy(update={"obligations": (owed,)}).explain()


def test_a_json_lines_run_prints_one_decision_a_line_and_reports_bad_lines(capsys):
    code = main(["grade", str(REPO / "examples/tickets.jsonl"), "--format", "json"])
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [r["line"] for r in records] == [1, 2, 3, 5, 6]
    for r in records:
        if "error" not in r:
            GRADE.validate(r)
    assert "examples/tickets.jsonl:3" in err and "examples/tickets.jsonl:5" in err
