"""Fuzz target: the three evaluators decide alike on random rulesets and facts.

The generated grader (:mod:`asprules.engine.codegen`), the closures it stands in for
(``grade_reference``) and the Rete backend are run on random rulesets whose conditions
put every comparison — ``in`` and ``not_in`` above all — under ``not``, ``all`` and
``any``, over optional fields that the random facts leave absent as often as not
(``customer.timezone``, ``site``, ``recovered_at``, a derived value undefined by a
division by zero). The adversarial pass of issue 17 found every Rete mismatch there.

The ``ci`` profile runs a fixed, fast set of examples; ``HYPOTHESIS_PROFILE=thorough``
fuzzes with 10,000 per test.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import asprules
from asprules import EvaluationError
from asprules.testing import incidents, operations
from support import needs_rete, RULESETS

# Each example builds a Rete network (a durable-rules Host): the ci profile's fixed set is
# kept small so the suite stays fast; other profiles (thorough) fuzz with their own count.
EXAMPLES = settings(max_examples=15) if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci" else settings()
CALENDAR = (RULESETS / "calendar-cn.yaml").read_text(encoding="utf-8")
ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York"]

_OPTIONAL_INCIDENT_LEAVES = st.one_of(
    st.builds(lambda op, v: {"field": "customer.timezone", op: v}, st.sampled_from(["in", "not_in"]), st.lists(st.sampled_from(ZONES), max_size=2)),
    st.builds(lambda op, v: {"field": "site", op: v}, st.sampled_from(["in", "not_in", "eq", "ne"]), st.sampled_from(["a", "b"]).map(lambda s: s)),
    st.builds(lambda op, v: {"field": "customer.id", op: v}, st.sampled_from(["in", "not_in"]), st.lists(st.sampled_from(["c1", "c2"]), max_size=2)),
    st.builds(lambda op, v: {"field": "per_site", op: v}, st.sampled_from(["lt", "ge", "eq", "ne"]), st.integers(0, 600)),
    st.builds(lambda v: {"field": "per_site", "between": sorted(v)}, st.lists(st.integers(0, 600), min_size=2, max_size=2)),
    st.builds(lambda f, v: {"field": f, "present": v}, st.sampled_from(["recovered_at", "site", "customer.timezone", "per_site"]), st.booleans()),
    st.builds(lambda op, v: {"field": "affected_sites", op: v}, st.sampled_from(["in", "not_in", "lt", "ge"]), st.integers(0, 3).map(lambda n: list(range(n)))),
    st.builds(lambda op, v: {"field": "environment", op: v}, st.sampled_from(["in", "not_in"]), st.lists(st.sampled_from(["production", "office"]), max_size=2)),
)


def _fix_operands(leaf: dict) -> dict:
    """``in``/``not_in`` take lists, the order operators numbers: make the drawn operand fit."""
    op = next(k for k in leaf if k != "field")
    value = leaf[op]
    if op in ("in", "not_in") and not isinstance(value, list):
        leaf[op] = [value]
    if op in ("lt", "ge") and isinstance(value, list):
        leaf[op] = len(value)
    if op in ("eq", "ne") and isinstance(value, list):
        leaf[op] = value[0] if value else "none"
    return leaf


CONDITIONS = st.recursive(
    _OPTIONAL_INCIDENT_LEAVES.map(_fix_operands),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        inner.map(lambda x: {"not": x}),
    ),
    max_leaves=5,
)


def _rule(ident: str, cite: str, **extra: Any) -> dict:
    return {"id": ident, "cite": cite, "provenance": "assumed", "basis": "fuzzed", **extra}


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # asprules files forbid anchors
        return True


@st.composite
def grading_texts(draw) -> str:
    levels = ["L1", "L2", "L3"]
    rows = [
        _rule(f"row-{i}", "§34.2.2", level=draw(st.sampled_from(levels)), when={"not": draw(CONDITIONS)} if draw(st.booleans()) else draw(CONDITIONS))
        for i in range(draw(st.integers(1, 4)))
    ]
    adjustments = [
        _rule(f"adj-{i}", "§34.2.4", when=draw(CONDITIONS), **{draw(st.sampled_from(["raise", "lower"])): 1}) for i in range(draw(st.integers(0, 2)))
    ]
    doc = {
        "asprules": 1, "kind": "grading", "id": "fuzz", "calendars": ["cn-sensitive-periods"],
        "levels": [{"id": lv, "name": lv} for lv in levels] + [{"id": "none", "name": "none", "major": False}],
        "derived": {"per_site": {"div": ["outage_minutes", "affected_sites"]}},  # undefined when no site is affected
        "tables": [{"id": "t", "cite": "§34.2.2", "hit_policy": draw(st.sampled_from(["first", "priority"])), "default": "none", "rows": rows}],
        "adjustments": adjustments,
    }
    return yaml.dump(doc, Dumper=_NoAliases, allow_unicode=True)


@st.composite
def sparse_incidents(draw) -> asprules.Incident:
    """Random incidents, with the customer's timezone, the site, the customer left out as often as not."""
    fact = draw(incidents(zones=ZONES)).model_dump()
    fact["affected_sites"] = draw(st.integers(0, 3))
    fact["site"] = draw(st.sampled_from([None, "a", "b"]))
    if fact.get("customer") is not None:
        fact["customer"]["id"] = draw(st.sampled_from(["c1", "c2", "c3"]))
        if draw(st.booleans()):
            fact["customer"]["timezone"] = None
    if draw(st.booleans()):
        fact["customer"] = None if draw(st.booleans()) else {"id": draw(st.sampled_from(["c1", "c2"]))}
    return asprules.parse_incident({k: v for k, v in fact.items() if v is not None})


@needs_rete
@EXAMPLES
@given(grading_texts(), st.lists(sparse_incidents(), min_size=1, max_size=5))
def test_fuzz_generated_grader_closures_and_rete_agree(text: str, facts: list[asprules.Incident]) -> None:
    rules = asprules.load_ruleset_texts(text, CALENDAR)
    evaluator = rules.grading
    for fact in facts:
        try:
            reference = evaluator.grade_reference(fact)
        except EvaluationError:
            with pytest.raises(EvaluationError):
                evaluator.grade(fact)
            continue
        assert evaluator.grade(fact) == reference, text
        assert asprules.grade(fact, rules, backend="rete") == reference, text


_OPERATION_LEAVES = st.one_of(
    st.builds(lambda op, v: {"field": "customer.timezone", op: v}, st.sampled_from(["in", "not_in"]), st.lists(st.sampled_from(ZONES), max_size=2)),
    st.builds(lambda op, v: {"field": "remote_scope", op: v}, st.sampled_from(["in", "not_in", "eq", "ne"]), st.just(["vpn"])),
    st.builds(lambda op, v: {"field": "site", op: v}, st.sampled_from(["in", "not_in"]), st.lists(st.sampled_from(["a", "b"]), max_size=2)),
    st.builds(lambda f, v: {"field": f, "present": v}, st.sampled_from(["customer.timezone", "remote_scope", "site"]), st.booleans()),
).map(_fix_operands)

OPERATION_CONDITIONS = st.recursive(
    _OPERATION_LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        inner.map(lambda x: {"not": x}),
    ),
    max_leaves=5,
)


@st.composite
def authorization_texts(draw) -> str:
    steps = [_rule("management", "§29", name="m", approval={"roles": ["service_manager"]})]
    classes = [_rule("special", "§28", name="s", when=draw(OPERATION_CONDITIONS), chain=["management"]), _rule("routine", "§28", name="r", chain=["management"])]
    constraints = [_rule(f"con-{i}", "§1.4.3", when=draw(OPERATION_CONDITIONS), message="no") for i in range(draw(st.integers(1, 3)))]
    doc = {
        "asprules": 1, "kind": "authorization", "id": "fuzz", "calendars": ["cn-sensitive-periods"],
        "roles": [{"id": "service_manager", "name": "sm"}], "steps": steps, "risk_classes": classes, "constraints": constraints,
    }
    return yaml.dump(doc, Dumper=_NoAliases, allow_unicode=True)


@st.composite
def sparse_operations(draw) -> asprules.Operation:
    fact = draw(operations(zones=ZONES)).model_dump()
    fact["site"] = draw(st.sampled_from([None, "a", "b"]))
    fact["remote_scope"] = draw(st.sampled_from([None, "vpn", "lan"]))
    if fact.get("customer") is not None and draw(st.booleans()):
        fact["customer"]["timezone"] = None
    return asprules.parse_operation({k: v for k, v in fact.items() if v is not None})


@needs_rete
@EXAMPLES
@given(authorization_texts(), st.lists(sparse_operations(), min_size=1, max_size=5))
def test_fuzz_compiled_and_rete_authorize_alike(text: str, facts: list[asprules.Operation]) -> None:
    rules = asprules.load_ruleset_texts(text, CALENDAR)
    for fact in facts:
        assert asprules.authorize(fact, rules, backend="rete") == asprules.authorize(fact, rules), text
