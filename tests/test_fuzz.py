"""Bad input never crashes: the YAML loader and the fact parsers raise typed asprules
errors — never a bare ValueError, RecursionError or UnicodeError — promptly and in
bounded memory, whatever they are fed.

``HYPOTHESIS_PROFILE=thorough`` runs each fuzz test on 10,000 examples.
"""

from __future__ import annotations

import copy
import math
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import asprules
from asprules import AspRulesError, EvaluationError, FactError, RulesetError
from asprules.source import MAX_DEPTH, MAX_NODES, parse_text
from asprules.testing import incidents, operations
from support import RULESETS, incident, operation

RULES = asprules.load_rulesets()
SHIPPED = {name: yaml.safe_load((RULESETS / name).read_text(encoding="utf-8")) for name in ("grading.yaml", "authorization.yaml")}
CALENDAR = (RULESETS / "calendar-cn.yaml").read_text(encoding="utf-8")


def load_or_typed_error(*texts: str) -> asprules.Rulebook | None:
    try:
        return asprules.load_ruleset_texts(*texts)
    except RulesetError as exc:
        assert exc.problems, "a typed error names its problems"
        return None


# --- junk values -------------------------------------------------------------------------

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.sampled_from([10**30, -(10**30), 2**63, 2**64, 10**4000]),
    st.floats(),  # NaN and ±inf included
    st.text(max_size=20),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(["", " ", "§", "§34.2.2", "L1", "none", "no", "NO", "on", "~", "null", ".nan", "-.inf", "0x1F", "1:30", "00:00-05:00", "25:00-99:99", "Mars/Olympus", "2026-02-30", "2026-11-18T14:00:00", "2026-11-18T14:00:00+08:00", "\u202e", "\U0001f600", "中文"]),
)
JUNK = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8) | st.sampled_from(["field", "all", "any", "not", "eq", "ge", "in", "when", "id"]), inner, max_size=4),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _replace(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return doc


def _dump(data: Any) -> str | None:
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, ValueError):  # e.g. a key PyYAML cannot emit
        return None


@st.composite
def mutated(draw, doc: Any) -> Any:
    """A copy of ``doc`` with one to three sub-trees replaced by junk, or deleted."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)))
        if path and draw(st.integers(0, 4)) == 0:
            node = doc
            for part in path[:-1]:
                node = node[part]
            del node[path[-1]]
        else:
            doc = _replace(doc, path, draw(JUNK))
    return doc


# --- the YAML loader ---------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "{", "}", "[", "]", ":", ": ", ", ", "- ", "\n", "\n  ", "\n    ", "#", "'", '"', "&a ", "*a", "&b [*a,*a]",
        "!!python/object/apply:os.system ['true']", "!!python/name:os.system", "!!binary aGk=", "!!set ", "!!omap ",
        "!!str ", "!!int ", "!!float ", "!foo ", "<<: ", "? ", "| ", "> ", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! x\n",
        "asprules: 1\n", "kind: grading\n", "kind: authorization\n", "id: x\n", "levels:", "tables:", "rows:", "when:",
        "field: outage_minutes", "ge: ", "not: ", "all: ", "any: ", "0x" + "f" * 80, "1:2:3:4", ".nan", ".inf", "-.Inf",
        "1e400", "99999999999999999999", "true", "no", "~", "null", "2026-13-45", "2026-11-18T14:00:00+08:00",
        "\t", "\x00", "\x85", "\ufeff", "\u2028", "\ud800", "中文", "§34.2.2", "\U0001f600",
    ]
)  # fmt: skip


@given(st.text())
def test_fuzz_loader_on_arbitrary_text(text):
    load_or_typed_error(text)


@given(st.lists(_FRAGMENTS | st.text(max_size=5), max_size=40).map("".join))
def test_fuzz_loader_on_yaml_shaped_text(text):
    load_or_typed_error(text)


@given(JUNK)
def test_fuzz_loader_on_arbitrary_documents(data):
    text = _dump(data)
    if text is not None:
        load_or_typed_error(text)


def _load_dumped(doc: Any) -> asprules.Rulebook | None:
    text = _dump(doc)
    return None if text is None else load_or_typed_error(text, CALENDAR)


@given(mutated(SHIPPED["grading.yaml"]), incidents())
def test_fuzz_loader_on_mutated_grading_ruleset(doc, inc):
    book = _load_dumped(doc)
    if book is not None and book.grading is not None:
        try:
            asprules.grade(inc, book)
        except EvaluationError:
            pass  # a valid ruleset that cannot decide this fact says so, typed


@given(mutated(SHIPPED["authorization.yaml"]), operations())
def test_fuzz_loader_on_mutated_authorization_ruleset(doc, op):
    book = _load_dumped(doc)
    if book is not None and book.authorization is not None:
        assert asprules.authorize(op, book).status in ("authorized", "pending", "denied")


def _nested_condition(depth: int, combinator: str) -> str:
    leaf = "{field: outage_minutes, ge: 1}"
    cond = leaf
    for _ in range(depth):
        cond = {"not": f"{{not: {cond}}}", "all": f"{{all: [{cond}]}}", "any": f"{{any: [{leaf}, {cond}]}}"}[combinator]
    return cond


@given(st.integers(0, 3 * MAX_DEPTH), st.sampled_from(["not", "all", "any"]))
def test_fuzz_deeply_nested_conditions_load_or_are_refused(depth, combinator):
    text = (
        "asprules: 1\nkind: grading\nid: deep\nlevels: [{id: L1, name: one}, {id: none, name: no, major: false}]\n"
        "tables:\n  - id: t\n    cite: §34.2.2\n    hit_policy: first\n    default: none\n    rows:\n"
        f"      - {{id: r, level: L1, cite: §34.2.2, provenance: assumed, basis: test, when: {_nested_condition(depth, combinator)}}}\n"
    )
    book = load_or_typed_error(text)
    if book is not None:
        asprules.grade(incident(outage_minutes=5), book)


# --- the fact parsers --------------------------------------------------------------------

_INCIDENT = incident(customer={"id": "C", "timezone": "Europe/Berlin", "maintenance_window": "22:00-02:00",
                               "sensitive_periods": [{"name": "p", "start": "2026-10-01T00:00:00+08:00", "end": "2026-10-02T00:00:00+08:00"}]})  # fmt: skip
_OPERATION = operation(customer={"id": "C", "timezone": "Asia/Shanghai"})


def parse_or_typed_error(parse, data):
    try:
        return parse(data)
    except FactError as exc:
        assert exc.problems
        return None


@given(mutated(_INCIDENT))
def test_fuzz_incident_parser(data):
    inc = parse_or_typed_error(asprules.parse_incident, data)
    if inc is not None:
        asprules.grade(inc, RULES)


@given(mutated(_OPERATION))
def test_fuzz_operation_parser(data):
    op = parse_or_typed_error(asprules.parse_operation, data)
    if op is not None:
        asprules.authorize(op, RULES)


@given(JUNK)
def test_fuzz_fact_parsers_on_arbitrary_values(data):
    parse_or_typed_error(asprules.parse_incident, data)
    parse_or_typed_error(asprules.parse_operation, data)


@given(st.lists(_FRAGMENTS | st.text(max_size=5), max_size=40).map("".join))
def test_fuzz_fact_files(text):
    try:
        doc = parse_text(text, "<fact>", error=FactError)
    except FactError:
        return
    parse_or_typed_error(asprules.parse_incident, doc.data)


# --- the classic attacks, each pinned as a regression ------------------------------------

BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
ATTACKS = {
    "billion laughs": (BILLION_LAUGHS, "anchors and aliases"),
    "python object tag": ("!!python/object/apply:os.system ['touch /tmp/asprules-pwned']\n", "not allowed"),
    "python name tag": ("x: !!python/name:os.system\n", "not allowed"),
    "flow nesting bomb": ("x: " + "[" * 200_000 + "]" * 200_000, "nest"),
    "block nesting bomb": ("- " * 200_000 + "x\n", "nested deeper"),
    "hex integer bomb": ("x: 0x" + "f" * 100_000 + "\n", "longer than"),
    # YAML 1.2 has no base-60 integers: the bomb is only text, which no document accepts as a ruleset
    "base-60 integer bomb": ("x: " + ":".join(["59"] * 100_000) + "\n", "kind must be one of"),
    "decimal integer bomb": ("x: " + "9" * 100_000 + "\n", "longer than"),
    "NUL byte": ("x: \x00\n", "control characters"),
    "lone surrogate": ("x: \ud800\n", "not valid Unicode"),
    "too many nodes": ("".join(f"k{i}: {i}\n" for i in range(MAX_NODES)), f"more than {MAX_NODES}"),
    "too large": ("x: '" + "a" * (8 * 1024 * 1024) + "'\n", "larger than"),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_is_refused_with_a_typed_error_promptly_and_in_bounded_memory(name):
    text, message = ATTACKS[name]
    measure = name not in ("too many nodes",)  # tracemalloc is slow on 100k nodes
    if measure:
        tracemalloc.start()
    # CPU time of this process, not wall time: a shared machine's load must not fail a guard
    # against hangs (a loop that never ends burns CPU all the same).
    started = time.process_time()
    with pytest.raises(RulesetError) as err:
        asprules.load_ruleset_texts(text)
    elapsed = time.process_time() - started
    peak = tracemalloc.get_traced_memory()[1] if measure else 0
    if measure:
        tracemalloc.stop()
    assert any(message in p.message for p in err.value.problems), err.value
    assert not Path("/tmp/asprules-pwned").exists()
    # generous guards against hangs and blow-ups, not speed targets
    assert elapsed < 20, f"{name} took {elapsed:.1f}s"
    assert peak < 64 * 1024 * 1024 + 2 * len(text), f"{name} peaked at {peak / 1e6:.0f} MB"


def test_huge_int_in_a_fact_is_a_typed_error_not_a_repr_crash():
    # ints past 4,300 digits cannot be repr()'d; the error message must still be built
    with pytest.raises(FactError, match="affected_users") as err:
        asprules.parse_incident(incident(affected_users=10**5000))
    assert "an integer of" in str(err.value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_in_facts_are_refused(value):
    with pytest.raises(FactError, match="outage_minutes"):
        asprules.parse_incident(incident(outage_minutes=value))


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_nan_and_infinity_in_rules_are_refused(value):
    text = (
        "asprules: 1\nkind: grading\nid: t\nlevels: [{id: L1, name: one}, {id: none, name: no, major: false}]\n"
        "tables: [{id: t, cite: §34.2.2, hit_policy: first, default: none, rows: "
        f"[{{id: r, level: L1, cite: §34.2.2, provenance: assumed, basis: test, when: {{field: outage_minutes, ge: {value}}}}}]}}]\n"
    )
    with pytest.raises(RulesetError, match="ge"):
        asprules.load_ruleset_texts(text)


@pytest.mark.parametrize("text", ["x: !!int ''", "x: !!bool maybe", "x: !!float ''", "x: !!timestamp soon"])
def test_explicitly_tagged_bad_scalars_are_typed_errors(text):
    # PyYAML raises IndexError, KeyError or AttributeError for these; found by the thorough fuzz run
    with pytest.raises(RulesetError, match="bad scalar"):
        asprules.load_ruleset_texts(text)


@pytest.mark.parametrize("operator", ["ge", "eq", "in", "present", "between"])
def test_comparison_with_a_null_operand_is_a_typed_error(operator):
    # found by the thorough fuzz run: `ge: null` passed the shape check, then failed an assertion
    text = (
        "asprules: 1\nkind: grading\nid: t\nlevels: [{id: L1, name: one}, {id: none, name: no, major: false}]\n"
        "tables: [{id: t, cite: §34.2.2, hit_policy: first, default: none, rows: "
        f"[{{id: r, level: L1, cite: §34.2.2, provenance: assumed, basis: test, when: {{field: outage_minutes, {operator}: null}}}}]}}]\n"
    )
    with pytest.raises(RulesetError, match=f"operator {operator} needs a value"):
        asprules.load_ruleset_texts(text)
