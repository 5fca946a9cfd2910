"""grade_many: many incidents in, decisions out in order, bad ones named by position."""

from __future__ import annotations

import types

import pytest

import asprules
from support import RULESETS, incident

RULES = asprules.load_rulesets(RULESETS)


def test_grade_many_gives_the_same_decisions_as_grade_in_input_order():
    facts = [incident(id=f"I{i}", outage_minutes=10 * i, core_service=True, affected_users_pct=40) for i in range(15)]
    facts[3] = asprules.parse_incident(facts[3])  # validated models and mappings may be mixed
    got = list(asprules.grade_many(facts, RULES))
    assert got == [asprules.grade(f, RULES) for f in facts]
    assert {d.level for d in got} >= {"none", "L3", "L2", "L1"}


def test_grade_many_streams_from_a_generator():
    facts = (incident(id=f"I{i}") for i in range(3))
    decisions = asprules.grade_many(facts, RULES)
    assert isinstance(decisions, types.GeneratorType)
    assert next(decisions).level == "none"
    assert len(list(decisions)) == 2


def test_a_bad_incident_is_named_by_its_position():
    facts = [incident(id="ok"), incident(id="ok2"), incident(id="bad", core_service="yes")]
    decisions = asprules.grade_many(facts, RULES)
    assert [d.level for _, d in zip(range(2), decisions)] == ["none", "none"]
    with pytest.raises(asprules.FactError) as err:
        next(decisions)
    assert str(err.value).startswith("incident #2: invalid incident 'bad'")
    assert err.value.problems[0].field == "core_service"


def test_grade_many_refuses_at_once_without_a_grading_ruleset():
    only_authorization = asprules.load_rulesets(RULESETS / "authorization.yaml", RULESETS / "calendar-cn.yaml")
    with pytest.raises(asprules.RulesetError, match="no grading ruleset"):
        asprules.grade_many([incident()], only_authorization)


def test_an_unknown_backend_is_a_typed_error():
    with pytest.raises(asprules.BackendUnavailable):
        list(asprules.grade_many([incident()], RULES, backend="nope"))
