"""The generated grader decides exactly as the straightforward closures do."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

import asprules
from support import RULESETS, incident, write

# Every condition shape an incident can meet, in tables of each hit policy, with
# derived values the generator can inline and ones it must leave to the closures.
EVERYTHING = """
asprules: 1
kind: grading
id: everything
calendars: [cal]
defaults: {timezone: {value: Europe/Berlin, cite: §34.2.1, provenance: assumed, basis: test}}
levels:
  - {id: L1, name: one}
  - {id: L2, name: two}
  - {id: L3, name: three}
  - {id: none, name: none, major: false}
derived:
  outage_hours: {div: [outage_minutes, 60]}
  users_per_site: {div: [affected_users, affected_sites]}
  spread: {max: [affected_sites, 2, outage_hours]}
  gap: {sub: [affected_users_pct, 50]}
tables:
  - id: first
    cite: §34.2.2
    applies_when: {field: environment, eq: production}
    hit_policy: first
    default: L3
    rows:
      - {id: f1, level: L3, cite: §34.2.2, provenance: assumed, basis: t, when: {field: users_per_site, ge: 10000}}
      - {id: f2, level: L1, cite: §34.2.2, provenance: assumed, basis: t, when: {any: [{field: spread, gt: 8}, {not: {field: site, present: true}}]}}
      - {id: f3, level: L2, cite: §34.2.2, provenance: assumed, basis: t, when: {all: [{field: site, in: [a, b]}, {field: affected_users_pct, between: [10, 60]}]}}
      - {id: f4, level: none, cite: §34.2.2, provenance: assumed, basis: t, when: {field: customer.id, not_in: [c1]}}
      - {id: f5, level: L1, cite: §34.2.2, provenance: assumed, basis: t, when: {local_time: {field: started_at, within: "22:00-02:00"}}}
  - id: priority
    cite: §34.2.2
    hit_policy: priority
    default: none
    rows:
      - {id: p1, level: L3, cite: §34.2.2, provenance: assumed, basis: t, when: {field: gap, lt: -40}}
      - {id: p2, level: L2, cite: §34.2.2, provenance: assumed, basis: t, when: {in_sensitive_period: {field: started_at}}}
      - {id: p3, level: L1, cite: §34.2.2, provenance: assumed, basis: t, when: {all: [{field: data_loss, eq: true}, {field: customer.id, ne: c2}]}}
      - {id: p4, level: L2, cite: §34.2.2, provenance: assumed, basis: t, when: {in_sensitive_period: {start: started_at, end: recovered_at}}}
  - id: unique
    cite: §34.2.2
    applies_when: {field: environment, eq: office}
    hit_policy: unique
    default: none
    rows:
      - {id: u1, level: L2, cite: §34.2.2, provenance: assumed, basis: t, when: {field: outage_minutes, ge: 100}}
      - {id: u2, level: L3, cite: §34.2.2, provenance: assumed, basis: t, when: {field: outage_minutes, lt: 20}}
adjustments:
  - {id: a1, cite: §34.2.4, provenance: assumed, basis: t, when: {field: vip_customer, eq: true}, raise: 2, cap: L1}
  - {id: a2, cite: §34.2.4, provenance: assumed, basis: t, when: {field: customer_complaint, eq: true}, lower: 1, floor: L3, applies_to: [L1, L2]}
  - {id: a3, cite: §34.2.4, provenance: assumed, basis: t, when: {in_sensitive_period: {field: as_of}}, raise: 1, cap: L2, applies_to: [L3, none]}
"""

CALENDAR = """
asprules: 1
kind: calendar
id: cal
timezone: Asia/Shanghai
periods:
  - {name: a, start: 2026-02-15, end: 2026-02-23, cite: §1.4.4, provenance: assumed, basis: t}
  - {name: b, start: 2026-02-20, end: 2026-03-01, cite: §1.4.4, provenance: assumed, basis: t}
  - {name: c, start: "2026-05-01T08:30:00.000001+08:00", end: "2026-05-01T09:00:00+08:00", cite: §1.4.4, provenance: assumed, basis: t}
"""


def random_incident(rng: random.Random, n: int) -> dict:
    started = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=rng.choice((-5, 0, 1, 8))))) + timedelta(
        minutes=rng.randrange(200 * 24 * 60), microseconds=rng.choice((0, 0, 1, 999_999))
    )
    outage = rng.choice((0, 5, 15, 30, 60, 100, 125, 300)) + rng.random()
    fact = incident(
        id=f"R{n}",
        environment=rng.choice(("production", "office")),
        started_at=started.isoformat(),
        affected_users=rng.choice((0, 10, 5000, 80_000, 2_000_000)),
        affected_users_pct=rng.choice((0, 5, 10, 30, 60, 100)),
        affected_sites=rng.choice((0, 1, 3, 10)),
        core_service=rng.random() < 0.5,
        data_loss=rng.random() < 0.3,
        security_breach=rng.random() < 0.3,
        vip_customer=rng.random() < 0.3,
        customer_complaint=rng.random() < 0.3,
    )
    if rng.random() < 0.5:
        fact.pop("outage_minutes")
        fact["recovered_at"] = (started + timedelta(minutes=outage)).isoformat()
    else:
        fact["outage_minutes"] = outage
    if rng.random() < 0.3:
        fact["as_of"] = (started + timedelta(minutes=outage, days=rng.choice((0, 1, 40)))).isoformat()  # not before the outage ended
    if rng.random() < 0.6:
        fact["site"] = rng.choice(("a", "b", "c"))
    if rng.random() < 0.4:
        customer: dict = {"id": rng.choice(("c1", "c2", "c3"))}
        if rng.random() < 0.5:
            customer["timezone"] = rng.choice(("America/New_York", "Asia/Shanghai"))
        if rng.random() < 0.5:
            customer["sensitive_periods"] = [{"name": "own", "start": "2026-04-01T00:00:00+00:00", "end": "2026-04-20T00:00:00+00:00"}]
        fact["customer"] = customer
    return fact


def decide_both(rules: asprules.Rulebook, fact: dict):
    model = asprules.parse_incident(fact)
    results = []
    for grade in (rules.grading.grade, rules.grading.grade_reference):
        try:
            results.append(grade(model))
        except asprules.EvaluationError as exc:
            results.append(("error", str(exc)))
    return results


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    folder = tmp_path_factory.mktemp("everything")
    write(folder, "grading.yaml", EVERYTHING)
    write(folder, "calendar.yaml", CALENDAR)
    return asprules.load_rulesets(folder)


def test_generated_and_reference_agree_on_random_incidents_for_every_condition_shape(everything):
    rng = random.Random(34)
    outcomes = set()
    for n in range(3000):
        fast, reference = decide_both(everything, random_incident(rng, n))
        assert fast == reference
        outcomes.add(reference[0] if isinstance(reference, tuple) else reference.fired_ids)
    assert len(outcomes) > 30  # the facts reach many rows, adjustments and the unique-policy error


def test_generated_and_reference_agree_on_the_shipped_rulesets():
    rules = asprules.load_rulesets(RULESETS)
    rng = random.Random(6)
    for n in range(3000):
        fast, reference = decide_both(rules, random_incident(rng, n))
        assert fast == reference


@pytest.mark.parametrize(
    ("started_at", "inside"),
    [
        ("2026-05-01T08:30:00.000001+08:00", True),  # the first microsecond of the period
        ("2026-05-01T00:30:00+00:00", False),  # one microsecond before it, in another offset
        ("2026-05-01T08:59:59.999999+08:00", True),
        ("2026-05-01T09:00:00+08:00", False),  # periods are half-open
        ("2026-02-22T23:00:00+08:00", True),  # where the overlapping periods a and b meet
        ("2026-03-02T00:00:00+08:00", False),
    ],
)
def test_the_calendar_lookup_is_exact_at_the_bounds(everything, started_at, inside):
    fact = incident(environment="office", started_at=started_at, outage_minutes=50, affected_users_pct=20)
    fast, reference = decide_both(everything, fact)
    assert fast == reference
    assert ("p2" in fast.fired_ids) is inside


def test_the_generated_source_holds_only_literals_and_checked_names(everything):
    source = everything.grading.grade.source
    assert "f.outage_minutes" in source and "f.site" in source
    assert "'a'" not in source  # members of `in` lists are passed as constants, not pasted


def test_a_section_the_generator_does_not_know_falls_back_to_the_closures(monkeypatch):
    from asprules.engine import codegen

    monkeypatch.setattr(codegen, "UNDERSTOOD", codegen.UNDERSTOOD - {"adjustments"})
    rules = asprules.load_rulesets(RULESETS)
    assert rules.grading.grade == rules.grading.grade_reference
    assert rules.grading.grade(asprules.parse_incident(incident(vip_customer=True, data_loss=True))).level == "L2"


def test_the_shipped_and_every_policys_rulesets_get_generated_code():
    """A key the generator does not list sends a ruleset to the (slower) closures: every
    key of the shipped rulesets, and every hit policy, must be understood."""
    from test_hit_policies import EVERY_POLICY

    shipped = asprules.load_rulesets(RULESETS).grading
    assert shipped.doc.cite_pattern is not None
    assert shipped.grade != shipped.grade_reference and hasattr(shipped.grade, "source")
    for text in EVERY_POLICY:
        evaluator = asprules.load_ruleset_texts(text).grading
        assert evaluator.grade != evaluator.grade_reference


def test_a_table_longer_than_a_part_is_generated_in_parts_and_decides_the_same():
    from asprules.engine.codegen import CHUNK_ROWS

    n = CHUNK_ROWS * 2 + 7
    rows = "\n".join(
        f"      - {{id: r{i}, level: {('L1', 'L2', 'L3')[i % 3]}, cite: x, provenance: assumed, basis: b, "
        f"when: {{all: [{{field: outage_minutes, ge: {i}}}, {{field: outage_minutes, lt: {i + 1}}}, {{field: affected_sites, ge: {i % 5}}}]}}}}"
        for i in range(n)
    )
    text = (
        "asprules: 1\nkind: grading\nid: long\nlevels:\n  - {id: L1, name: one}\n  - {id: L2, name: two}\n  - {id: L3, name: three}\n"
        "  - {id: none, name: no, major: false}\ntables:\n  - id: t\n    cite: x\n    hit_policy: first\n    default: none\n    rows:\n" + rows + "\n"
    )
    rules = asprules.load_ruleset_texts(text)
    grader = rules.grading
    assert grader.grade.source.count("def _table0_") == 3  # three parts
    grader.grade(asprules.parse_incident(incident(outage_minutes=3)))
    assert "rows" not in vars(grader.tables[0])  # the generated function needs no closure of a row
    rng = random.Random(12)
    for minutes in [0, CHUNK_ROWS - 1, CHUNK_ROWS, 2 * CHUNK_ROWS, n - 1, n, n + 50] + [rng.randrange(n + 10) for _ in range(60)]:
        fact = asprules.parse_incident(incident(outage_minutes=minutes, affected_sites=rng.randrange(6)))
        fast, reference = grader.grade(fact), grader.grade_reference(fact)
        assert (fast.level, fast.fired_ids) == (reference.level, reference.fired_ids), minutes
