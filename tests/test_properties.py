"""Properties of the engine and the shipped rulesets, over generated facts and rulesets."""

from __future__ import annotations

from datetime import timedelta

import json

from hypothesis import given
from hypothesis import strategies as st

import asprules
from asprules.testing import authorized_operations, grading_rulesets, incidents, operations

RULES = asprules.load_rulesets()
RELOADED = asprules.load_rulesets()  # loaded separately: nothing may carry over between rulebooks
LEVELS = [lv.id for lv in RULES.grading.levels]


def severity(level: str, levels=LEVELS) -> int:
    """0 is the most severe level."""
    return levels.index(level)


def _with(fact, **changes):
    data = {**fact.model_dump(), **changes}
    if "outage_minutes" in changes:  # the times tell the same outage (facts.models.incident_timeline)
        end = fact.started_at + timedelta(minutes=changes["outage_minutes"])
        if data.get("recovered_at") is not None:
            data["recovered_at"] = end
        if data.get("as_of") is not None and data["as_of"] < end:
            data["as_of"] = end
    return type(fact).model_validate(data)


# --- determinism -------------------------------------------------------------------------


@given(incidents())
def test_grading_is_deterministic_decision_and_hash(inc):
    first, again, other = asprules.grade(inc, RULES), asprules.grade(inc, RULES), asprules.grade(inc, RELOADED)
    assert first == again == other
    assert json.dumps(first.to_json(), sort_keys=True) == json.dumps(other.to_json(), sort_keys=True)
    assert first.ruleset.sha256 == RELOADED.grading.ref.sha256


@given(operations())
def test_authorization_is_deterministic_decision_and_hash(op):
    first, other = asprules.authorize(op, RULES), asprules.authorize(op, RELOADED)
    assert first == asprules.authorize(op, RULES) == other
    assert first.explain() == other.explain()
    assert first.ruleset.sha256 == RELOADED.authorization.ref.sha256


@given(grading_rulesets(), incidents())
def test_generated_rulesets_are_deterministic_decision_and_hash(text, inc):
    one, two = asprules.load_ruleset_texts(text), asprules.load_ruleset_texts(text)
    assert one.grading.ref.sha256 == two.grading.ref.sha256
    assert asprules.grade(inc, one).to_json() == asprules.grade(inc, two).to_json()


# --- monotonicity of the shipped grading ---------------------------------------------------

_INCREASES = st.fixed_dictionaries(
    {
        "outage_minutes": st.floats(0, 10_000, allow_nan=False),
        "affected_users": st.integers(0, 10**7),
        "affected_users_pct": st.floats(0, 100, allow_nan=False),
        "affected_sites": st.integers(0, 60),
    }
)
_FLAGS = ("core_service", "data_loss", "security_breach", "vip_customer", "customer_complaint")


@given(incidents(), _INCREASES)
def test_worsening_any_impact_measure_never_lowers_severity(inc, increases):
    before = asprules.grade(inc, RULES)
    worse = {name: getattr(inc, name) + amount for name, amount in increases.items()}
    worse["affected_users_pct"] = min(worse["affected_users_pct"], 100.0)
    worse |= {flag: True for flag in _FLAGS}
    for name, value in worse.items():  # each measure worsened on its own
        after = asprules.grade(_with(inc, **{name: value}), RULES)
        assert severity(after.level) <= severity(before.level), (name, value, before.explain(), after.explain())
        assert severity(after.base_level) <= severity(before.base_level), name


# --- adjustments stay in range and respect caps and floors --------------------------------


def replay_adjustments(book, decision) -> str:
    """Apply the fired adjustments to the base level with the documented semantics —
    move by the step, never past the cap (raise) or floor (lower), never the other way —
    checking each move stays within the declared levels."""
    doc = book.grading.doc
    levels = [lv.id for lv in doc.levels]
    least_major = max(i for i, lv in enumerate(doc.levels) if lv.major)
    by_id = {a.id: a for a in doc.adjustments}
    rank = levels.index(decision.base_level)
    for fired in decision.fired:
        if fired.kind != "adjustment":
            continue
        adj = by_id[fired.id]
        assert doc.levels[rank].major, f"{adj.id} adjusted a non-major level"
        if adj.raise_ is not None:
            bound = levels.index(adj.cap) if adj.cap else 0
            new = rank if rank <= bound else max(rank - adj.raise_, bound)
            assert new <= rank and (new >= bound or new == rank)
        else:
            bound = levels.index(adj.floor) if adj.floor else least_major
            new = rank if rank >= bound else min(rank + adj.lower, bound)
            assert new >= rank and (new <= bound or new == rank)
        assert 0 <= new < len(levels)
        rank = new
    return levels[rank]


@given(incidents())
def test_shipped_adjustments_stay_in_range_and_respect_caps_and_floors(inc):
    d = asprules.grade(inc, RULES)
    assert replay_adjustments(RULES, d) == d.level
    if not d.major:
        assert d.level == d.base_level  # adjustments touch major faults only


@given(grading_rulesets(max_adjustments=4), incidents())
def test_generated_adjustments_stay_in_range_and_respect_caps_and_floors(text, inc):
    book = asprules.load_ruleset_texts(text)
    d = asprules.grade(inc, book)
    assert replay_adjustments(book, d) == d.level


# --- fail-closed authorization ----------------------------------------------------------


def _drop(items, i):
    return [x for j, x in enumerate(items) if j != i]


def _needs_evidence(step_id: str) -> bool:
    step = next(s for s in RULES.authorization.doc.steps if s.id == step_id)
    return step.approval is not None and step.approval.evidence is not None


@given(authorized_operations(RULES))
def test_removing_any_approval_notification_or_evidence_never_keeps_it_authorized(op):
    # authorized_operations grants each requirement with exactly one record, so each is needed
    data = op.model_dump()
    variants = [dict(data, approvals=_drop(data["approvals"], i)) for i in range(len(data["approvals"]))]
    variants += [dict(data, notifications=_drop(data["notifications"], i)) for i in range(len(data["notifications"]))]
    for i, a in enumerate(data["approvals"]):
        if _needs_evidence(a["step"]):
            variants.append(dict(data, approvals=[dict(x, evidence=None) if j == i else x for j, x in enumerate(data["approvals"])]))
    assert variants, "an authorized operation rests on at least one record"
    for variant in variants:
        assert asprules.authorize(variant, RULES).status != "authorized"


@given(authorized_operations(RULES), operations())
def test_adding_approvals_never_turns_authorized_into_denied(op, other):
    more = _with(op, approvals=[a.model_dump() for a in op.approvals + other.approvals])
    d = asprules.authorize(more, RULES)
    assert d.status != "denied"
    assert d.status == "authorized", d.explain()  # stronger: records only ever add permission


# --- JSON round trip --------------------------------------------------------------------


@given(incidents() | operations())
def test_incident_and_operation_json_round_trip_is_lossless(fact):
    model = type(fact)
    text = fact.model_dump_json()
    parse = asprules.parse_incident if model is asprules.Incident else asprules.parse_operation
    back = parse(json.loads(text))
    assert back == fact and back.model_dump_json() == text
    assert model.model_validate_json(text) == fact
