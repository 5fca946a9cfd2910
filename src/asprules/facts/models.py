"""The typed input schema: incidents to grade and operations to authorize.

These frozen pydantic models are the public contract ticketing systems code against.
They are strict where a loose reading would change a decision: booleans must be
booleans (``"false"`` is not false), numbers must be numbers, datetimes must carry an
offset, and every impact measure must be given — a missing measure is an error, never
a silent zero.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Mapping

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)

from .. import clock
from ..errors import FactError, Problem
from ..source import SourceDocument, problems_from_validation

Environment = Literal["production", "office"]
OperationKind = Literal[
    "upgrade",
    "cutover",
    "patch",
    "config_change",
    "restart",
    "hardware_replacement",
    "log_tracing",
    "data_export",
    "remote_access",
    "inspection",
    "batch_rectification",  # 批量整改, §17
]
OPERATION_KINDS: tuple[str, ...] = OperationKind.__args__  # type: ignore[attr-defined]
Modifiable = Literal["program", "config", "data", "log"]
MODIFIABLE: tuple[str, ...] = Modifiable.__args__  # type: ignore[attr-defined]
# The forms the handbook names (§1.3.5, §1.4.1–§1.4.6) plus the ones it rules out by
# name, so that a ticket saying "verbal" gets "not accepted" rather than a schema error.
EvidenceForm = Literal[
    "fax",
    "recording",
    "onsite_confirmation",
    "notice",
    "meeting_minutes",
    "agreement",
    "email",
    "verbal",
    "chat",
    "sms",
]
EVIDENCE_FORMS: tuple[str, ...] = EvidenceForm.__args__  # type: ignore[attr-defined]
Channel = Literal["email", "sms"]
CHANNELS: tuple[str, ...] = Channel.__args__  # type: ignore[attr-defined]

# defer_build: validators are built on first use, not at import (CLI cold start)
_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, str_strip_whitespace=True, defer_build=True)

Text = Annotated[str, Field(min_length=1, max_length=256)]
Count = Annotated[StrictInt, Field(ge=0, le=10**12)]
Minutes = Annotated[float, Field(strict=True, ge=0, le=10**9)]
Percent = Annotated[float, Field(strict=True, ge=0, le=100)]


def _check_zone(name: str) -> str:
    clock.zone(name)
    return name


def _check_window(text: str) -> str:
    return clock.parse_window(text).text


ZoneName = Annotated[str, AfterValidator(_check_zone)]
WindowText = Annotated[str, AfterValidator(_check_window)]


# --- cross-field checks -------------------------------------------------------------------
# Named, so that a declared fact schema (:mod:`.schema`) can ask for them with ``checks:``;
# each takes a validated record and returns it (or raises ValueError).


def period_order(record: Any) -> Any:
    """``end`` must be after ``start`` (a sensitive period)."""
    if record.end <= record.start:
        raise ValueError("end must be after start")
    return record


def schedule_order(record: Any) -> Any:
    """``scheduled_end`` must be after ``scheduled_start`` (an operation)."""
    if record.scheduled_end <= record.scheduled_start:
        raise ValueError("scheduled_end must be after scheduled_start")
    return record


def incident_timeline(record: Any) -> Any:
    """``recovered_at`` and ``as_of`` not before ``started_at``; ``outage_minutes`` derived
    from them when absent (an error when it cannot be)."""
    for name in ("recovered_at", "as_of"):
        value = getattr(record, name)
        if value is not None and value < record.started_at:
            raise ValueError(f"{name} is before started_at")
    if record.outage_minutes is None:
        end = record.recovered_at or record.as_of
        if end is None:
            raise ValueError("outage unknown: give outage_minutes, recovered_at or as_of")
        object.__setattr__(record, "outage_minutes", (end - record.started_at).total_seconds() / 60.0)
    return record


# name -> (the check, the fields it reads, the fields it fills in: always present after it)
CHECKS: dict[str, tuple[Any, tuple[str, ...], tuple[str, ...]]] = {
    "period_order": (period_order, ("start", "end"), ()),
    "schedule_order": (schedule_order, ("scheduled_start", "scheduled_end"), ()),
    "incident_timeline": (incident_timeline, ("started_at", "recovered_at", "as_of", "outage_minutes"), ("outage_minutes",)),
}


class SensitivePeriod(BaseModel):
    """A sensitive communication-assurance period (敏感通信保障期, §1.4.4)."""

    model_config = _FROZEN
    name: Text
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> SensitivePeriod:
        return period_order(self)


class Customer(BaseModel):
    """A customer's profile; absent parts fall back to the ruleset's defaults."""

    model_config = _FROZEN
    id: Text
    timezone: ZoneName | None = None
    maintenance_window: WindowText | None = None
    sensitive_periods: tuple[SensitivePeriod, ...] = ()


class Incident(BaseModel):
    """A fault to grade (重大故障定级, §34)."""

    model_config = _FROZEN
    id: Text
    environment: Environment
    started_at: AwareDatetime
    recovered_at: AwareDatetime | None = None
    as_of: AwareDatetime | None = Field(
        default=None, description="When the facts were observed; gives the outage so far of an unrecovered fault."
    )
    outage_minutes: Minutes | None = Field(
        default=None, description="Derived from started_at and recovered_at (or as_of) when absent."
    )
    affected_users: Count
    affected_users_pct: Percent
    affected_sites: Count
    core_service: StrictBool
    data_loss: StrictBool
    security_breach: StrictBool
    vip_customer: StrictBool
    customer_complaint: StrictBool
    site: Text | None = None
    customer: Customer | None = None

    @model_validator(mode="after")
    def _timeline(self) -> Incident:
        return incident_timeline(self)


class Engineer(BaseModel):
    model_config = _FROZEN
    id: Text
    qualification: Annotated[StrictInt, Field(ge=0, le=99, description="Skill qualification level (§8)")]


class Approval(BaseModel):
    """One granted approval. ``step`` names a step of the ruleset's chain."""

    model_config = _FROZEN
    step: Text
    by: Text
    role: Text
    at: AwareDatetime
    evidence: EvidenceForm | None = None


class Notification(BaseModel):
    """An operation notice sent (操作知会, §32)."""

    model_config = _FROZEN
    channel: Channel
    to: Text
    at: AwareDatetime


class Operation(BaseModel):
    """An operation on customer equipment to authorize (高危操作, Part 7)."""

    model_config = _FROZEN
    id: Text
    kind: OperationKind
    major_impact: StrictBool
    modifies: tuple[Modifiable, ...]
    remote: StrictBool
    remote_scope: Text | None = None
    third_party: StrictBool
    customer_present: StrictBool
    other_vendor_equipment: StrictBool
    within_approved_scope: StrictBool
    scheduled_start: AwareDatetime
    scheduled_end: AwareDatetime
    engineer: Engineer
    approvals: tuple[Approval, ...] = ()
    notifications: tuple[Notification, ...] = ()
    emergency: StrictBool = False
    site: Text | None = None
    customer: Customer | None = None

    @model_validator(mode="after")
    def _schedule(self) -> Operation:
        return schedule_order(self)


def parse_fact(model, data: Any, doc: SourceDocument | None, what: str):
    """Validate ``data`` against a fact model; one :class:`FactError` listing every problem."""
    # Exact-type checks first: isinstance() on a pydantic model class and on the Mapping
    # ABC are slow enough to show when a ticketing system sends millions of plain dicts.
    kind = type(data)
    if kind is model:
        return data
    if kind is not dict:
        if isinstance(data, model):
            return data
        if not isinstance(data, Mapping):
            where = doc.file if doc else "<input>"
            raise FactError(f"invalid {what}", [Problem(f"expected a mapping of fields, got {kind.__name__}", file=where, line=1 if doc else None)])
        data = dict(data)
    try:
        return model.__pydantic_validator__.validate_python(data)  # model_validate without its wrapper
    except ValidationError as exc:
        ident = data.get("id") if isinstance(data.get("id"), str) else None
        label = f"invalid {what}" + (f" {ident!r}" if ident else "")
        doc = doc or SourceDocument(file="<input>", data=dict(data), positions={})
        raise FactError(label, problems_from_validation(exc, doc)) from None


def parse_incident(data: Mapping[str, Any] | Incident, *, source: SourceDocument | None = None) -> Incident:
    """Validate an incident. Raises :class:`FactError` listing every problem."""
    return parse_fact(Incident, data, source, "incident")


def parse_operation(data: Mapping[str, Any] | Operation, *, source: SourceDocument | None = None) -> Operation:
    """Validate an operation. Raises :class:`FactError` listing every problem."""
    return parse_fact(Operation, data, source, "operation")


def read_fact_file(path: str) -> SourceDocument:
    """Parse a YAML or JSON fact file, keeping positions so errors can name the line."""
    from ..source import parse_file

    return parse_file(path, error=FactError)


def incident_from_file(path: str) -> Incident:
    doc = read_fact_file(path)
    return parse_incident(doc.data, source=doc)


def operation_from_file(path: str) -> Operation:
    doc = read_fact_file(path)
    return parse_operation(doc.data, source=doc)
