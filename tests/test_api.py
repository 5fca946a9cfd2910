"""The public API: deterministic, thread-safe, and the field catalog follows the models."""

from __future__ import annotations

import typing
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel

import asprules
from asprules.facts.fields import INCIDENT_FIELDS, OPERATION_FIELDS
from support import incident, operation

RULES = asprules.load_rulesets()

FACTS = [
    incident(id=f"I{i}", outage_minutes=i % 300, affected_users_pct=i % 100, core_service=bool(i % 3),
             vip_customer=bool(i % 7 == 0), started_at=f"2026-10-0{1 + i % 9}T0{i % 10}:00:00+08:00")
    for i in range(400)
]


def test_grading_is_deterministic_and_thread_safe():
    serial = [asprules.grade(f, RULES).to_json() for f in FACTS]
    with ThreadPoolExecutor(max_workers=16) as pool:
        parallel = list(pool.map(lambda f: asprules.grade(f, RULES).to_json(), FACTS))
    assert parallel == serial
    assert len({d["level"] for d in serial}) == 4  # the sample spans every level


def test_authorizing_is_deterministic_and_thread_safe():
    ops = [operation(id=f"O{i}", engineer={"id": "E", "qualification": i % 5}, remote=bool(i % 4 == 0)) for i in range(200)]
    serial = [asprules.authorize(o, RULES).to_json() for o in ops]
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert list(pool.map(lambda o: asprules.authorize(o, RULES).to_json(), ops)) == serial
    assert {d["status"] for d in serial} == {"authorized", "pending", "denied"}


def test_catalog_covers_every_scalar_fact_field():
    # records reached through their own conditions, not through comparisons
    by_condition = {"approvals", "notifications", "confirmations", "customer.sensitive_periods"}  # confirmations: read by obligations
    for model, catalog in ((asprules.Incident, INCIDENT_FIELDS), (asprules.Operation, OPERATION_FIELDS)):
        names = set()
        for name, info in model.model_fields.items():
            record = next((a for a in (info.annotation, *typing.get_args(info.annotation)) if isinstance(a, type) and issubclass(a, BaseModel)), None)
            is_optional_record = record is not None and typing.get_origin(info.annotation) is not tuple
            names |= {f"{name}.{s}" for s in record.model_fields} if is_optional_record else {name}
        assert names - by_condition == set(catalog), model.__name__


def test_facts_are_frozen():
    inc = asprules.parse_incident(incident())
    try:
        inc.outage_minutes = 1  # type: ignore[misc]
    except Exception as exc:  # pydantic raises ValidationError for frozen instances
        assert "frozen" in str(exc)
    else:
        raise AssertionError("Incident accepted an assignment")
