"""Hypothesis strategies for property-testing asprules rulesets and what feeds them.

    from hypothesis import given
    from asprules import authorize, load_rulesets
    from asprules.testing import authorized_operations

    RULES = load_rulesets("rulesets/")

    @given(authorized_operations(RULES))
    def test_our_chain_accepts_complete_paperwork(op):
        assert authorize(op, RULES).status == "authorized"

Strategies:

- :func:`incidents` — valid :class:`~asprules.Incident` facts with consistent timestamps
  (recovery after start, offsets that are the customer's zone's offsets at that instant);
- :func:`operations` — valid :class:`~asprules.Operation` facts with approvals,
  notifications and evidence forms, authorized or not;
- :func:`facts_of` — valid facts of any fact schema, your own (``kind: facts``) or a
  bundled one, drawn from its declared fields with its cross-field checks met;
- :func:`authorized_operations` — operations built to pass a ruleset's authorization
  chain (every step granted in order, notices in time, no constraint broken);
- :func:`grading_rulesets` — small random grading rulesets as YAML text in the asprules
  format; :func:`grading_rulebooks` loads them.

hypothesis is a test dependency of asprules, not a runtime one: install it with
``pip install 'asprules[test]'`` (or ``pip install hypothesis``) to use this module.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Sequence

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as exc:  # the core library must work without hypothesis
    raise ImportError(
        "asprules.testing needs hypothesis, which asprules does not install at runtime: "
        "pip install 'asprules[test]' (or pip install hypothesis)"
    ) from exc

import yaml

from . import clock
from .facts.schema import TEXT_MAX, FactSchema, FieldSpec, bundled_schemas, duration_minutes
from .facts.models import CHANNELS, EVIDENCE_FORMS, MODIFIABLE, OPERATION_KINDS, Customer, Incident, Operation
from .format.document import AuthorizationDocument
from .loader import FALLBACK_WINDOW, FALLBACK_ZONE, Rulebook, load_ruleset_texts, load_rulesets

__all__ = [
    "DEFAULT_SPAN",
    "SHIPPED_ROLES",
    "SHIPPED_STEPS",
    "ZONES",
    "authorized_operations",
    "customers",
    "facts_of",
    "grading_rulebooks",
    "grading_rulesets",
    "in_zone",
    "incidents",
    "local_instants",
    "operations",
    "windows",
]

# Zones chosen for their awkward clocks: DST in both hemispheres, half- and
# quarter-hour offsets, a 30-minute DST shift (Lord Howe), and plain UTC.
ZONES: tuple[str, ...] = (
    "Asia/Shanghai",
    "Europe/Berlin",
    "America/New_York",
    "UTC",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
)
# The bundled calendar of sensitive periods covers these years.
DEFAULT_SPAN = (datetime(2026, 1, 1), datetime(2027, 12, 31, 23, 59))

# The shipped authorization ruleset's step and role ids; pass your own to operations().
SHIPPED_STEPS: tuple[str, ...] = ("management", "technical", "customer", "notification", "emergency", "scope_extension")
SHIPPED_ROLES: tuple[str, ...] = ("service_manager", "project_manager", "technical_authorization_team", "duty_manager", "customer")

_TEXT = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=12)
_DAY = 24 * 60


def in_zone(instant: datetime, zone_name: str) -> datetime:
    """``instant`` with the fixed UTC offset ``zone_name`` has then, as a ticket would carry it."""
    local = instant.astimezone(clock.zone(zone_name))
    return local.replace(tzinfo=timezone(local.utcoffset()))  # type: ignore[arg-type]


@st.composite
def local_instants(draw, zone_name: str, span: tuple[datetime, datetime] = DEFAULT_SPAN) -> datetime:
    """A whole-minute instant whose offset is ``zone_name``'s offset at that instant."""
    naive = draw(st.datetimes(min_value=span[0], max_value=span[1])).replace(second=0, microsecond=0)
    fold = draw(st.integers(0, 1))  # both readings of a wall time repeated at a fall-back
    return in_zone(naive.replace(tzinfo=clock.zone(zone_name), fold=fold), zone_name)


@st.composite
def windows(draw, min_minutes: int = 15) -> str:
    """A daily window ``HH:MM-HH:MM`` on the quarter hour, sometimes crossing midnight."""
    start = draw(st.integers(0, _DAY // 15 - 1)) * 15
    length = draw(st.integers(max(1, min_minutes // 15), _DAY // 15 - 1)) * 15
    end = (start + length) % _DAY
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


@st.composite
def customers(draw, zone_name: str | None = None, span: tuple[datetime, datetime] = DEFAULT_SPAN) -> Customer:
    """A customer profile; its zone, window and sensitive periods are each sometimes absent."""
    zone_name = zone_name or draw(st.sampled_from(ZONES))
    periods = []
    for i in range(draw(st.integers(0, 2))):
        start = draw(local_instants(zone_name, span))
        end = in_zone(start + timedelta(minutes=draw(st.integers(60, 5 * _DAY))), zone_name)
        periods.append({"name": f"period {i + 1}", "start": start, "end": end})
    return Customer.model_validate(
        {
            "id": "CUST-" + draw(_TEXT),
            "timezone": zone_name if draw(st.booleans()) or periods else None,
            "maintenance_window": draw(st.none() | windows()),
            "sensitive_periods": periods,
        }
    )


def _percent() -> st.SearchStrategy[float]:
    return st.integers(0, 100).map(float) | st.floats(0, 100, allow_nan=False, allow_infinity=False)


@st.composite
def incidents(
    draw,
    zones: Sequence[str] = ZONES,
    environments: Sequence[str] = ("production", "office"),
    span: tuple[datetime, datetime] = DEFAULT_SPAN,
    max_outage_minutes: int = 3 * _DAY,
) -> Incident:
    """A valid incident. The outage is given one of the three ways the schema allows."""
    zone_name = draw(st.sampled_from(zones))
    started = draw(local_instants(zone_name, span))
    outage = draw(st.integers(0, max_outage_minutes))
    data: dict[str, Any] = {
        "id": "INC-" + draw(_TEXT),
        "environment": draw(st.sampled_from(environments)),
        "started_at": started,
        "affected_users": draw(st.integers(0, 10**7)),
        "affected_users_pct": draw(_percent()),
        "affected_sites": draw(st.integers(0, 60)),
    }
    for flag in ("core_service", "data_loss", "security_breach", "vip_customer", "customer_complaint"):
        data[flag] = draw(st.booleans())
    given = draw(st.sampled_from(("recovered_at", "as_of", "outage_minutes")))
    if given == "outage_minutes":
        data["outage_minutes"] = float(outage)
    else:
        data[given] = in_zone(started + timedelta(minutes=outage), zone_name)
    if draw(st.booleans()):
        data["customer"] = draw(customers(zone_name, span))
    return Incident.model_validate(data)


@st.composite
def _records(draw, steps: Sequence[str], roles: Sequence[str], start: datetime, zone_name: str):
    approvals = []
    for _ in range(draw(st.integers(0, 6))):
        at = start + timedelta(minutes=draw(st.integers(-30 * _DAY, _DAY)))  # mostly before, sometimes late
        approvals.append(
            {
                "step": draw(st.sampled_from(steps)),
                "by": draw(_TEXT),
                "role": draw(st.sampled_from(roles)),
                "at": in_zone(at, zone_name),
                "evidence": draw(st.none() | st.sampled_from(EVIDENCE_FORMS)),
            }
        )
    notifications = []
    for _ in range(draw(st.integers(0, 3))):
        at = start + timedelta(minutes=draw(st.integers(-7 * _DAY, _DAY)))
        notifications.append({"channel": draw(st.sampled_from(CHANNELS)), "to": draw(_TEXT), "at": in_zone(at, zone_name)})
    return approvals, notifications


@st.composite
def operations(
    draw,
    steps: Sequence[str] = SHIPPED_STEPS,
    roles: Sequence[str] = SHIPPED_ROLES,
    zones: Sequence[str] = ZONES,
    span: tuple[datetime, datetime] = DEFAULT_SPAN,
    hazards: bool = True,
) -> Operation:
    """A valid operation with random approvals (of ``steps`` by ``roles``) and notices.

    With ``hazards=False`` it breaks none of the schema's hard-rule flags: the equipment is
    the vendor's own, a third party is accompanied, a remote request states its scope, and
    the work stays within the approved procedure.
    """
    zone_name = draw(st.sampled_from(zones))
    start = draw(local_instants(zone_name, span))
    end = in_zone(start + timedelta(minutes=draw(st.integers(1, 12 * 60))), zone_name)
    remote = draw(st.booleans())
    data: dict[str, Any] = {
        "id": "OP-" + draw(_TEXT),
        "kind": draw(st.sampled_from(OPERATION_KINDS)),
        "major_impact": draw(st.booleans()),
        "modifies": draw(st.lists(st.sampled_from(MODIFIABLE), unique=True, max_size=len(MODIFIABLE))),
        "remote": remote,
        "remote_scope": draw(st.none() | _TEXT),
        "third_party": draw(st.booleans()),
        "customer_present": draw(st.booleans()),
        "other_vendor_equipment": draw(st.booleans()),
        "within_approved_scope": draw(st.booleans()),
        "emergency": draw(st.booleans()),
        "scheduled_start": start,
        "scheduled_end": end,
        "engineer": {"id": "ENG-" + draw(_TEXT), "qualification": draw(st.integers(0, 9))},
    }
    data["approvals"], data["notifications"] = draw(_records(steps, roles, start, zone_name)) if steps else ([], [])
    if not hazards:
        data.update(other_vendor_equipment=False, within_approved_scope=True)
        if data["third_party"]:
            data["customer_present"] = True
        if remote and data["remote_scope"] is None:
            data["remote_scope"] = "scope " + draw(_TEXT)
    if draw(st.booleans()):
        data["customer"] = draw(customers(zone_name, span))
    return Operation.model_validate(data)


def _zone_and_window(doc: AuthorizationDocument, op: Operation) -> tuple[str, clock.DailyWindow]:
    c = op.customer
    zone_name = (c.timezone if c and c.timezone else None) or (doc.defaults.timezone.value if doc.defaults.timezone else FALLBACK_ZONE)
    window = (c.maintenance_window if c and c.maintenance_window else None) or (
        doc.defaults.maintenance_window.value if doc.defaults.maintenance_window else FALLBACK_WINDOW
    )
    return zone_name, clock.parse_window(window)


@st.composite
def _inside_window(draw, op: Operation, doc: AuthorizationDocument) -> dict[str, datetime]:
    zone_name, window = _zone_and_window(doc, op)
    day = op.scheduled_start.astimezone(clock.zone(zone_name)).date()
    opened = datetime.combine(day, datetime.min.time(), tzinfo=clock.zone(zone_name)) + timedelta(minutes=window.start)
    offset = draw(st.integers(0, window.length_minutes - 1))
    length = draw(st.integers(1, window.length_minutes - offset))
    start = opened + timedelta(minutes=offset)
    # wall-clock arithmetic above; DST nights are left to the final check in authorized_operations
    return {"scheduled_start": in_zone(start, zone_name), "scheduled_end": in_zone(start + timedelta(minutes=length), zone_name)}


def authorized_operations(rules: Rulebook | None = None, **operation_options: Any) -> st.SearchStrategy[Operation]:
    """Operations that ``rules`` (default: the bundled rulesets) authorize.

    Each is drawn from :func:`operations` with ``hazards=False``, scheduled inside the
    customer's maintenance window when it has major impact (or at random otherwise), and
    given every step of its risk class's chain in order: approvals by an allowed role on an
    accepted evidence form, a qualified engineer, and each notice in time. Draws that a
    ruleset's other constraints still refuse (a sensitive period, say) are rejected, so a
    ruleset whose constraints refuse most operations makes this strategy slow.
    """
    rulebook = rules or load_rulesets()
    evaluator = rulebook.authorization
    if evaluator is None:
        raise ValueError("authorized_operations needs a rulebook with an authorization ruleset")
    doc = evaluator.doc
    steps = {s.id: s for s in doc.steps}
    from .decide import authorize

    @st.composite
    def build(draw) -> Operation:
        op = draw(operations(steps=(), hazards=False, **operation_options))
        data = op.model_dump()
        if op.major_impact or draw(st.booleans()):
            data.update(draw(_inside_window(op, doc)))
        start: datetime = data["scheduled_start"]
        chain = [s.id for s in authorize(Operation.model_validate(data), rulebook).steps]
        at = start - timedelta(minutes=draw(st.integers(len(chain) + 1, 60 * _DAY)))
        qualification = op.engineer.qualification
        approvals, notifications = [], []
        for step_id in chain:
            step = steps[step_id]
            if step.approval is not None:
                forms = step.approval.evidence
                approvals.append(
                    {
                        "step": step_id,
                        "by": draw(_TEXT),
                        "role": draw(st.sampled_from(step.approval.roles)),
                        "at": at,
                        "evidence": draw(st.sampled_from(forms)) if forms else draw(st.none() | st.sampled_from(EVIDENCE_FORMS)),
                    }
                )
                at = min(start, at + timedelta(minutes=draw(st.integers(0, 3 * _DAY))))
            if step.qualification is not None:
                qualification = max(qualification, step.qualification.minimum)
            if step.notification is not None:
                deadline = start - timedelta(minutes=step.notification.lead_minutes)
                for channel in step.notification.channels:
                    sent = deadline - timedelta(minutes=draw(st.integers(0, 7 * _DAY)))
                    notifications.append({"channel": channel, "to": draw(_TEXT), "at": sent})
        data["engineer"]["qualification"] = qualification
        data["approvals"], data["notifications"] = approvals, notifications
        authorized = Operation.model_validate(data)
        assume(authorize(authorized, rulebook).status == "authorized")
        return authorized

    return build()


# --- small random grading rulesets ------------------------------------------------

_NUMERIC_FIELDS = {
    "outage_minutes": (0, 3000),
    "affected_users_pct": (0, 100),
    "affected_users": (0, 10**6),
    "affected_sites": (0, 60),
}
_BOOL_FIELDS = ("core_service", "data_loss", "security_breach", "vip_customer", "customer_complaint")


@st.composite
def _comparison(draw) -> dict[str, Any]:
    if draw(st.booleans()):
        name = draw(st.sampled_from(sorted(_NUMERIC_FIELDS)))
        lo, hi = _NUMERIC_FIELDS[name]
        op = draw(st.sampled_from(("ge", "gt", "le", "lt", "between")))
        a, b = sorted((draw(st.integers(lo, hi)), draw(st.integers(lo, hi))))
        return {"field": name, op: [a, b] if op == "between" else a}
    if draw(st.integers(0, 5)) == 0:
        return {"field": "environment", "in": [draw(st.sampled_from(("production", "office")))]}
    return {"field": draw(st.sampled_from(_BOOL_FIELDS)), "eq": draw(st.booleans())}


def _conditions(max_depth: int) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        _comparison(),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
            inner.map(lambda x: {"not": x}),
        ),
        max_leaves=max(1, 2**max_depth),
    )


@st.composite
def grading_rulesets(
    draw,
    max_levels: int = 4,
    max_rows: int = 6,
    max_adjustments: int = 3,
    max_depth: int = 2,
    hit_policies: Sequence[str] = ("first", "priority"),
) -> str:
    """YAML text of a small valid grading ruleset: one table, random rows and adjustments.

    Levels are ``L1`` (most severe) … ``Ln`` plus ``none`` (not major). ``unique`` and
    ``any`` are left out of ``hit_policies`` by default because overlapping rows then raise
    :class:`~asprules.EvaluationError` by design. ``"collect max"``, ``"collect min"``,
    ``"collect sum"`` and ``"collect count"`` name a collect policy with its aggregator;
    under ``sum`` rows score 0–5 points, and under ``sum`` and ``count`` random bands
    (more severe for larger totals) give the level.
    """
    policy, _, aggregator = draw(st.sampled_from(hit_policies)).partition(" ")
    majors = [f"L{i}" for i in range(1, draw(st.integers(1, max_levels)) + 1)]
    levels = [{"id": lv, "name": f"level {lv}"} for lv in majors] + [{"id": "none", "name": "not major", "major": False}]
    conditions = _conditions(max_depth)
    rows = [
        {
            "id": f"row-{i}",
            "level": draw(st.sampled_from(majors)),
            "cite": "§34.2.2",
            "provenance": "assumed",
            "basis": "generated by asprules.testing",
            "when": draw(conditions),
        }
        for i in range(draw(st.integers(1, max_rows)))
    ]
    table: dict[str, Any] = {"id": "generated", "cite": "§34.2.2", "hit_policy": policy}
    if aggregator:
        table["aggregator"] = aggregator
    if aggregator in ("sum", "count"):
        for r in rows:
            del r["level"]
            if aggregator == "sum":
                r["score"] = draw(st.integers(0, 5))
        top = sum(r.get("score", 1) for r in rows)
        starts = sorted(set(draw(st.lists(st.integers(1, max(1, top)), max_size=len(majors)))))
        chosen = sorted(draw(st.lists(st.sampled_from(majors), min_size=len(starts), max_size=len(starts))), reverse=True)
        table["bands"] = [{"min": 0, "level": "none"}] + [{"min": m, "level": lv} for m, lv in zip(starts, chosen)]
    else:
        table["default"] = "none"
    table["rows"] = rows
    adjustments = []
    for i in range(draw(st.integers(0, max_adjustments))):
        raising = draw(st.booleans())
        adj: dict[str, Any] = {
            "id": f"adj-{i}",
            "cite": "§34.2.4",
            "provenance": "assumed",
            "basis": "generated by asprules.testing",
            "when": draw(conditions),
            ("raise" if raising else "lower"): draw(st.integers(1, 2)),
        }
        bound = draw(st.none() | st.sampled_from(majors))
        if bound is not None:
            adj["cap" if raising else "floor"] = bound
        adjustments.append(adj)
    doc = {
        "asprules": 1,
        "kind": "grading",
        "id": "generated",
        "levels": levels,
        "tables": [table],
        "adjustments": adjustments,
    }
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def grading_rulebooks(**options: Any) -> st.SearchStrategy[Rulebook]:
    """:func:`grading_rulesets`, loaded and compiled."""
    return grading_rulesets(**options).map(load_ruleset_texts)


# --- facts of any schema ------------------------------------------------------------------
# Drawn from what a fact schema declares, so that rule authors with a schema of their own
# (`kind: facts`) property-test their rules as the handbook's are. The cross-field checks a
# schema may ask for are met by construction (an end after its start, an outage that
# agrees with its timestamps), never by filtering: a drawn fact that the schema's model
# refuses is a bug here, and is raised, not skipped.

_SMALL_LIST = 4  # most items drawn into a list when the schema allows more
_NUMBER_SPAN = 10.0**9  # the range drawn from for a number or integer without bounds


def facts_of(
    schema: FactSchema | str,
    rules: Rulebook | None = None,
    *,
    zones: Sequence[str] = ZONES,
    span: tuple[datetime, datetime] = DEFAULT_SPAN,
) -> st.SearchStrategy[Any]:
    """Valid facts of a fact schema: a :class:`~asprules.facts.schema.FactSchema`, or its id,
    looked up in ``rules`` (declared in its files, or bundled and decided on) or among the
    bundled schemas (``incident``, ``operation``).

    Every declared field is drawn within its type, bounds, members and length; optional
    fields and records are sometimes absent, defaulted bools sometimes left out, durations
    sometimes ISO 8601 text; instants are whole minutes in one of ``zones`` (with that
    zone's offset), and a ``timezone`` text of the fact is that zone. The schema's checks
    hold: ``period_order`` and ``schedule_order`` ends come after their starts, and
    ``incident_timeline`` facts give their outage each way it allows. The values are the
    schema's model, validated::

        RULES = load_rulesets("rules/")

        @given(facts_of("sre-incident", RULES))
        def test_a_data_breach_is_always_sev1(fact):
            assume(fact.data_breach)
            assert grade(fact, RULES).level == "SEV1"
    """
    resolved = _schema(schema, rules)
    if not zones:
        raise ValueError("facts_of: zones must name at least one time zone")

    @st.composite
    def build(draw):
        zone_name = draw(st.sampled_from(zones))
        data = draw(_record(resolved.fields, resolved.checks, zone_name, span))
        return resolved.model.model_validate(data)

    return build()


def _schema(schema: FactSchema | str, rules: Rulebook | None) -> FactSchema:
    if isinstance(schema, FactSchema):
        return schema
    found = rules.fact_schema(schema) if rules is not None else None
    found = found or bundled_schemas().get(schema)
    if found is None:
        known = sorted({*(s.id for s in (rules.fact_schemas if rules else ())), *bundled_schemas()})
        raise ValueError(f"facts_of: no fact schema {schema!r}; known: {', '.join(known)}")
    return found


@st.composite
def _record(draw, fields: Mapping[str, FieldSpec], checks: Sequence[str], zone_name: str, span: tuple[datetime, datetime]):
    data: dict[str, Any] = {}
    for name, spec in fields.items():
        if spec.type == "list":
            if spec.required or draw(st.booleans()):
                data[name] = draw(_list(spec, zone_name, span))
        elif spec.default is not None:
            if draw(st.booleans()):
                data[name] = draw(st.booleans())
        elif spec.required or draw(st.integers(0, 3)) > 0:  # an optional field is present three times in four
            data[name] = draw(_value(spec, zone_name, span))
    for check in checks:
        draw(_meet(check, data, fields, zone_name))
    return data


def _list(spec: FieldSpec, zone_name: str, span: tuple[datetime, datetime]) -> st.SearchStrategy[list[Any]]:
    most = min(spec.max_length or _SMALL_LIST, _SMALL_LIST)
    item = st.sampled_from(spec.values) if spec.values else _record(spec.fields or {}, spec.checks, zone_name, span)
    return st.lists(item, max_size=most)


def _value(spec: FieldSpec, zone_name: str, span: tuple[datetime, datetime]) -> st.SearchStrategy[Any]:
    kind = spec.type
    low = spec.min if spec.min is not None else (0.0 if kind == "duration" else -_NUMBER_SPAN)
    high = spec.max if spec.max is not None else max(low, 0.0) + _NUMBER_SPAN
    low = min(low, high)
    # whole numbers drawn apart, when the bounds hold one: a number's bounds may not (0.2 to 0.7)
    whole = st.integers(math.ceil(low), math.floor(high)).map(float) if math.ceil(low) <= math.floor(high) else st.nothing()
    if kind == "number":
        return whole | st.floats(low, high, allow_nan=False, allow_infinity=False)
    if kind == "integer":
        return st.integers(math.ceil(low), math.floor(high))
    if kind == "duration":
        fewest = max(0, math.ceil(low))  # ISO 8601 text is never negative
        iso = st.integers(fewest, math.floor(high)).map(lambda m: f"PT{m}M") if fewest <= math.floor(high) else st.nothing()
        return st.floats(low, high, allow_nan=False, allow_infinity=False) | whole | iso
    if kind == "bool":
        return st.booleans()
    if kind == "enum":
        return st.sampled_from(spec.values or ())
    if kind == "instant":
        return local_instants(zone_name, span)
    if kind == "record":
        return _record(spec.fields or {}, spec.checks, zone_name, span)
    if spec.format == "timezone":
        return st.just(zone_name)
    if spec.format == "window":
        return windows()
    return st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=min(spec.max_length or TEXT_MAX, 12))


@st.composite
def _meet(draw, check: str, data: dict[str, Any], fields: Mapping[str, FieldSpec], zone_name: str) -> None:
    """Change ``data`` in place so that the named cross-field check holds."""
    if check in ("period_order", "schedule_order"):
        start, end = ("start", "end") if check == "period_order" else ("scheduled_start", "scheduled_end")
        if start in data and end in data and data[end] <= data[start]:
            data[end] = in_zone(data[start] + timedelta(minutes=draw(st.integers(1, 5 * _DAY))), zone_name)
        return
    # incident_timeline: recovered_at and as_of not before started_at; the outage given by
    # one of them or by outage_minutes, and agreeing with them when both are
    started = data.get("started_at")
    if started is None:
        return
    for name in ("recovered_at", "as_of"):
        if data.get(name) is not None and data[name] < started:
            data[name] = in_zone(started + (started - data[name]), zone_name)
    end = data.get("recovered_at") or data.get("as_of")
    spec = fields.get("outage_minutes")
    if end is None:
        if spec is not None and "outage_minutes" not in data:
            data["outage_minutes"] = draw(_value(spec, zone_name, DEFAULT_SPAN))
        return
    if "outage_minutes" in data:
        elapsed = (end - started).total_seconds() / 60.0
        if data.get("recovered_at") is not None:
            data["outage_minutes"] = elapsed
        elif duration_minutes(data["outage_minutes"]) > elapsed:  # a schema may declare it a duration: ISO text
            data["outage_minutes"] = draw(st.floats(0, elapsed, allow_nan=False, allow_infinity=False))
        if spec is not None and spec.max is not None and duration_minutes(data["outage_minutes"]) > spec.max and not spec.required:
            del data["outage_minutes"]  # longer than the schema lets it be written: derived instead
