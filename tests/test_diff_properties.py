"""The diff gates, held to their promise over random ruleset pairs.

* whenever ``--only-restrict`` passes, no operation the new rules authorize is left
  unauthorized by the old rules — checked on every band's witness and on random
  operations with random records;
* whenever ``--only-raise`` passes, no incident is graded less severe by the new rules.

Example counts are kept small for CI (each example runs a whole diff).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import asprules
from asprules.checks.diff import diff
from asprules.loader import load_ruleset_texts

ROLES = ("a", "b", "c")
FORMS = ("fax", "email", "recording")
KINDS = ("upgrade", "patch", "restart", "inspection")
STEPS = ("s1", "s2", "s3")
START = datetime(2026, 6, 10, 1, 0, tzinfo=timezone.utc)
EXAMPLES = 25

subsets = lambda items: st.lists(st.sampled_from(items), min_size=1, max_size=len(items), unique=True)  # noqa: E731


@st.composite
def steps(draw):
    out = []
    for ident in STEPS:
        parts = []
        if draw(st.booleans()):
            evidence = draw(st.none() | subsets(FORMS))
            ev = f", evidence: [{', '.join(evidence)}]" if evidence else ""
            parts.append(f"approval: {{roles: [{', '.join(draw(subsets(ROLES)))}]{ev}}}")
        if draw(st.booleans()):
            parts.append(f"qualification: {{minimum: {draw(st.integers(0, 4))}, cite: §30.2, provenance: handbook}}")
        if not parts or draw(st.booleans()):
            lead = draw(st.sampled_from((0, 60, 1440)))
            parts.append(f"notification: {{channels: [email], lead_minutes: {lead}, cite: §32, provenance: handbook}}")
        out.append(f"  - {{id: {ident}, name: {ident}, cite: §29, provenance: handbook, {', '.join(parts)}}}")
    return "\n".join(out)


CONDITIONS = (
    "{field: major_impact, eq: true}",
    "{field: remote, eq: true}",
    "{field: third_party, eq: true}",
    "{field: kind, in: [upgrade, patch]}",
    "{field: kind, eq: restart}",
    "{field: engineer.qualification, ge: 2}",
)


@st.composite
def authorization(draw):
    classes = []
    for i in range(draw(st.integers(0, 2))):
        chain = draw(subsets(STEPS))
        ordered = draw(st.booleans())
        classes.append(
            f"  - {{id: r{i}, name: r{i}, cite: §28, provenance: handbook, when: {draw(st.sampled_from(CONDITIONS))}, "
            f"chain: [{', '.join(chain)}], ordered: {str(ordered).lower()}}}"
        )
    classes.append(f"  - {{id: rest, name: rest, cite: §28, provenance: handbook, chain: [{', '.join(draw(subsets(STEPS)))}]}}")
    constraints = []
    for i in range(draw(st.integers(0, 2))):
        unless = ""
        if draw(st.booleans()):
            unless = f", unless: {{has_approval: {{step: {draw(st.sampled_from(STEPS))}, roles: [{draw(st.sampled_from(ROLES))}]}}}}"
        applies = ""
        if draw(st.booleans()) and len(classes) > 1:
            applies = ", applies_to: [rest]"
        constraints.append(
            f"  - {{id: c{i}, cite: §3, provenance: handbook, when: {draw(st.sampled_from(CONDITIONS))}{unless}, message: no{applies}}}"
        )
    roles = "\n".join(f"  - {{id: {r}, name: {r}}}" for r in ROLES)
    return (
        "asprules: 1\nkind: authorization\nid: a\n"
        f"roles:\n{roles}\nsteps:\n{draw(steps())}\nrisk_classes:\n" + "\n".join(classes) + "\n"
        + (("constraints:\n" + "\n".join(constraints) + "\n") if constraints else "")
    )


@st.composite
def operations(draw):
    approvals = []
    hours = draw(st.permutations(range(len(STEPS))))
    for step, hour in zip(STEPS, hours):
        if draw(st.integers(0, 6)):  # mostly present, so that many operations are authorized somewhere
            record = {"step": step, "by": step, "role": draw(st.sampled_from(ROLES)), "at": (START - timedelta(hours=10 - hour)).isoformat()}
            form = draw(st.none() | st.sampled_from(FORMS))
            if form:
                record["evidence"] = form
            approvals.append(record)
    notes = []
    if draw(st.integers(0, 4)):
        lead = draw(st.sampled_from((0, 30, 60, 1440, 2000)))
        notes.append({"channel": "email", "to": "x", "at": (START - timedelta(minutes=lead)).isoformat()})
    return {
        "id": "R", "kind": draw(st.sampled_from(KINDS)), "major_impact": draw(st.booleans()), "modifies": [],
        "remote": draw(st.booleans()), "third_party": draw(st.booleans()), "customer_present": True,
        "other_vendor_equipment": False, "within_approved_scope": True,
        "scheduled_start": START.isoformat(), "scheduled_end": (START + timedelta(hours=1)).isoformat(),
        "engineer": {"id": "E", "qualification": draw(st.integers(0, 5))}, "approvals": approvals, "notifications": notes,
    }


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(authorization(), authorization(), st.lists(operations(), min_size=10, max_size=10))
def test_when_only_restrict_passes_nothing_new_is_authorized(old_text, new_text, facts):
    old, new = load_ruleset_texts(old_text), load_ruleset_texts(new_text)
    report = diff(old, new)
    if report.loosened():
        return
    for fact in [c.witness for c in report.changes if c.witness] + facts:
        if asprules.authorize(fact, new).status == "authorized":
            assert asprules.authorize(fact, old).status == "authorized", (fact, report.text())


LEVELS = ("L1", "L2", "L3", "none")


@st.composite
def grading(draw):
    rows = []
    for i in range(draw(st.integers(1, 4))):
        field, top = draw(st.sampled_from((("outage_minutes", 300), ("affected_users_pct", 100))))
        op = draw(st.sampled_from(("ge", "gt", "le")))
        rows.append(
            f"      - {{id: r{i}, level: {draw(st.sampled_from(LEVELS))}, cite: §34, provenance: handbook, "
            f"when: {{field: {field}, {op}: {draw(st.integers(0, top))}}}}}"
        )
    policy = draw(st.sampled_from(("first", "priority")))
    levels = "\n".join(f"  - {{id: {lv}, name: {lv}{', major: false' if lv == 'none' else ''}}}" for lv in LEVELS)
    return (
        f"asprules: 1\nkind: grading\nid: g\nlevels:\n{levels}\ntables:\n  - id: t\n    cite: §34\n    hit_policy: {policy}\n"
        f"    default: none\n    rows:\n" + "\n".join(rows) + "\n"
    )


incidents = st.fixed_dictionaries(
    {"outage_minutes": st.integers(0, 400), "affected_users_pct": st.integers(0, 100), "data_loss": st.booleans()}
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grading(), grading(), st.lists(incidents, min_size=15, max_size=15))
def test_when_only_raise_passes_nothing_is_graded_less_severe(old_text, new_text, samples):
    old, new = load_ruleset_texts(old_text), load_ruleset_texts(new_text)
    report = diff(old, new)
    if report.lowered():
        return
    base = {
        "id": "X", "environment": "production", "started_at": "2026-06-10T12:00:00+00:00", "affected_users": 0,
        "affected_sites": 0, "core_service": False, "security_breach": False, "vip_customer": False, "customer_complaint": False,
    }
    facts = [c.witness for c in report.changes if c.witness] + [{**base, **s} for s in samples]
    for fact in facts:
        before, after = asprules.grade(fact, old).level, asprules.grade(fact, new).level
        assert LEVELS.index(after) <= LEVELS.index(before), (fact, report.text())
