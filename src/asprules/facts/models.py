"""The typed input schema: incidents to grade and operations to authorize.

These frozen pydantic models are the public contract ticketing systems code against.
They are strict where a loose reading would change a decision: booleans must be
booleans (``"false"`` is not false), numbers must be numbers, datetimes must carry an
offset, and every impact measure must be given — a missing measure is an error, never
a silent zero.
"""

# No `from __future__ import annotations` in this module: pydantic evaluates a model's
# string annotations when the class is made, compiling each one (189 in the ruleset
# format's models alone), on every start. Names defined further down are quoted.

import json
import re
import sys
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Iterator, Literal, Mapping

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)

from .. import clock
from .. import i18n
from ..errors import FactError, Problem
from ..i18n import LocalValueError
from ..source import MAX_BYTES, SourceDocument, parse_file, parse_text, problems_from_validation, read_text

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
# How remote-access credentials reached the engineer (§1.7.3: by phone or encrypted mail, never by fax)
CredentialChannel = Literal["phone", "encrypted_email", "email", "fax", "sms", "chat", "in_person"]

# defer_build: validators are built on first use, not at import (CLI cold start)
# revalidate_instances: a model instance nested in a fact (a Customer built with
# model_construct, say) is validated again like a dict would be, never trusted as it is.
_FROZEN = ConfigDict(
    frozen=True, extra="forbid", allow_inf_nan=False, str_strip_whitespace=True, defer_build=True, revalidate_instances="always"
)


class Fact(BaseModel):
    """Base of every fact model (the handbook's and the declared ones): it remembers that
    validation made it. ``model_construct`` skips validation and ``model_copy(update=…)``
    skips it for the update, so evaluation takes such an instance as a mapping of fields
    to validate, never on trust."""

    model_config = _FROZEN
    _validated: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _mark_validated(self) -> Any:
        self.__pydantic_private__["_validated"] = True  # type: ignore[index]
        return self

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Any:
        copy = super().model_copy(update=update, deep=deep)
        if update:
            copy.__pydantic_private__["_validated"] = False  # type: ignore[index]
        return copy


def validated(fact: Any) -> bool:
    """Whether ``fact`` is a fact model instance that validation made (see :class:`Fact`)."""
    private = getattr(fact, "__pydantic_private__", None)
    return bool(private and private.get("_validated"))

Text = Annotated[str, Field(min_length=1, max_length=256)]
Count = Annotated[StrictInt, Field(ge=0, le=10**12)]
Minutes = Annotated[float, Field(strict=True, ge=0, le=10**9)]
Percent = Annotated[float, Field(strict=True, ge=0, le=100)]


_ISO_DATETIME = re.compile(r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")


def _iso_only(value: Any) -> Any:
    """A date-time is an ISO 8601 text (or a ``datetime``, as a YAML timestamp reads), never
    a number: pydantic would read ``20261203`` (meant as yyyymmdd) as Unix seconds in 1970,
    ``1763600000000`` as milliseconds, and the text ``"1763600000"`` as seconds too."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        if not _ISO_DATETIME.match(value):
            raise LocalValueError("instant_text", value=repr(value[:40]))
        return value
    kind = "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else type(value).__name__
    raise LocalValueError("instant_type", kind=kind)


# The one date-time type of every fact (and of every declared ``instant`` field).
Instant = Annotated[AwareDatetime, BeforeValidator(_iso_only), AfterValidator(clock.check_range)]


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
        raise LocalValueError("end_before_start")
    return record


def schedule_order(record: Any) -> Any:
    """``scheduled_end`` must be after ``scheduled_start`` (an operation)."""
    if record.scheduled_end <= record.scheduled_start:
        raise LocalValueError("scheduled_end_before_start")
    return record


# Two measures of one outage may differ by rounding to whole minutes, no more.
OUTAGE_TOLERANCE_MINUTES = 1.0


def incident_timeline(record: Any) -> Any:
    """``recovered_at`` and ``as_of`` not before ``started_at``; ``outage_minutes`` derived
    from them when absent (an error when it cannot be); when both are given, equal to the
    time to ``recovered_at``, or not longer than the time to ``as_of`` (within a minute)."""
    for name in ("recovered_at", "as_of"):
        value = getattr(record, name)
        if value is not None and value < record.started_at:
            raise LocalValueError("before_started_at", name=name)
    end = record.recovered_at or record.as_of
    if record.outage_minutes is None:
        if end is None:
            raise LocalValueError("outage_unknown")
        object.__setattr__(record, "outage_minutes", (end - record.started_at).total_seconds() / 60.0)
    elif end is not None:
        # Both measures given: they must tell the same outage, or which one decides is a
        # guess. Recovered: the outage is the time to recovery. Only observed (as_of): the
        # fault may have recovered before, but cannot have lasted longer than that.
        elapsed = (end - record.started_at).total_seconds() / 60.0
        recovered = record.recovered_at is not None
        excess = record.outage_minutes - elapsed
        if excess > OUTAGE_TOLERANCE_MINUTES or (recovered and -excess > OUTAGE_TOLERANCE_MINUTES):
            raise LocalValueError(
                "outage_disagrees_recovered" if recovered else "outage_disagrees_as_of",
                outage=format(record.outage_minutes, "g"),
                elapsed=format(elapsed, "g"),
            )
    return record


# name -> (the check, the fields it reads, the fields it fills in: always present after it)
CHECKS: dict[str, tuple[Any, tuple[str, ...], tuple[str, ...]]] = {
    "period_order": (period_order, ("start", "end"), ()),
    "schedule_order": (schedule_order, ("scheduled_start", "scheduled_end"), ()),
    "incident_timeline": (incident_timeline, ("started_at", "recovered_at", "as_of", "outage_minutes"), ("outage_minutes",)),
}


class SensitivePeriod(Fact):
    """A sensitive communication-assurance period (敏感通信保障期, §1.4.4)."""

    model_config = _FROZEN
    name: Text
    start: Instant
    end: Instant

    @model_validator(mode="after")
    def _ordered(self) -> "SensitivePeriod":
        return period_order(self)


class Customer(Fact):
    """A customer's profile; absent parts fall back to the ruleset's defaults."""

    model_config = _FROZEN
    id: Text
    timezone: ZoneName | None = None
    maintenance_window: WindowText | None = None
    sensitive_periods: tuple[SensitivePeriod, ...] = ()


class Incident(Fact):
    """A fault to grade (重大故障定级, §34)."""

    model_config = _FROZEN
    id: Text
    environment: Environment
    started_at: Instant
    recovered_at: Instant | None = None
    as_of: Instant | None = Field(
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
    def _timeline(self) -> "Incident":
        return incident_timeline(self)


class Engineer(Fact):
    model_config = _FROZEN
    id: Text
    qualification: Annotated[StrictInt, Field(ge=0, le=99, description="Skill qualification level (§8)")]


class Approval(Fact):
    """One granted approval. ``step`` names a step of the ruleset's chain."""

    model_config = _FROZEN
    step: Text
    by: Text
    role: Text
    at: Instant
    evidence: EvidenceForm | None = None
    archive_ref: Text | None = None


class Notification(Fact):
    """An operation notice sent (操作知会, §32)."""

    model_config = _FROZEN
    channel: Channel
    to: Text
    at: Instant
    role: Text | None = None


class Confirmation(BaseModel):
    """An obligation of an earlier decision done: ``obligation`` names its id."""

    model_config = _FROZEN
    obligation: Text
    by: Text
    at: Instant


class Operation(Fact):
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
    scheduled_start: Instant
    scheduled_end: Instant
    engineer: Engineer
    requester: Text | None = None
    approvals: tuple[Approval, ...] = ()
    notifications: tuple[Notification, ...] = ()
    confirmations: tuple[Confirmation, ...] = ()
    emergency: StrictBool = False
    laptop_on_customer_network: StrictBool = False
    designated_port_and_ip: StrictBool = False
    credentials_via: CredentialChannel | None = None
    site: Text | None = None
    customer: Customer | None = None

    @model_validator(mode="after")
    def _schedule(self) -> "Operation":
        return schedule_order(self)


def parse_fact(model, data: Any, doc: SourceDocument | None, what: str):
    """Validate ``data`` against a fact model; one :class:`FactError` listing every problem.

    An instance of the model is taken as it is only when validation made it (:class:`Fact`);
    one made by ``model_construct`` is validated like the mapping of its fields."""
    # Exact-type checks first: isinstance() on a pydantic model class and on the Mapping
    # ABC are slow enough to show when a ticketing system sends millions of plain dicts.
    kind = type(data)
    if kind is model and validated(data):
        return data
    if kind is not dict:
        if isinstance(data, BaseModel):
            if isinstance(data, model) and validated(data):
                return data
            data = dict(data.__dict__)  # its fields, validated below as any mapping would be
        elif not isinstance(data, Mapping):
            where = doc.file if doc and doc.file else None
            raise FactError(f"invalid {what}", [i18n.problem("not_a_mapping", file=where, line=1 if where else None, kind=kind.__name__)], code="invalid_fact", params=(("what", _ZH_KINDS.get(what, what)), ("ident", "")))
        else:
            data = dict(data)
    try:
        return model.__pydantic_validator__.validate_python(data)  # model_validate without its wrapper
    except ValidationError as exc:
        ident = data.get("id") if isinstance(data.get("id"), str) else None
        label = f"invalid {what}" + (f" {ident!r}" if ident else "")
        said = {"code": "invalid_fact", "params": (("what", _ZH_KINDS.get(what, what)), ("ident", f" {ident!r}" if ident else ""))}
        other = _wrong_kind(model, data)
        if other is not None:
            raise _wrong_kind_error(what, other, label, doc, said) from None
        doc = doc or SourceDocument(file="", data=dict(data), positions={})
        problems = problems_from_validation(exc, doc)
        if not doc.file:  # data from a caller: the field is the place, there is no file to name
            problems = [replace(p, file=None, line=None, column=None) for p in problems]
        raise FactError(label, problems, **said) from None


_ZH_KINDS = {"incident": "故障", "operation": "操作"}  # how Chinese messages name the bundled kinds
# The bundled fact kinds, and the command and function that decide each.
_KINDS: tuple[tuple[str, str], ...] = (("incident", "grade"), ("operation", "authorize"))


def _wrong_kind(model: type, data: dict) -> str | None:
    """The other bundled kind ``data`` looks like (most of its keys are that kind's fields,
    few are this model's), or None: an operation handed to ``grade`` is named as such
    instead of as twenty missing and unknown fields."""
    keys = {k for k in data if isinstance(k, str) and k != "id"}
    if len(keys) < 3:
        return None
    mine = set(model.model_fields) - {"id"}
    for kind, _ in _KINDS:
        theirs = set(_MODELS[kind].model_fields) - {"id"}
        if theirs == mine:
            continue
        if len(keys & theirs) >= 0.8 * len(keys) and len(keys & mine) <= 0.5 * len(keys):
            return kind
    return None


def _wrong_kind_error(what: str, other: str, label: str, doc: SourceDocument | None, said: dict) -> FactError:
    command = dict(_KINDS)[other]
    params = (("what", _ZH_KINDS.get(what, what)), ("other", _ZH_KINDS[other]), ("command", command))
    problem = Problem(
        f"this looks like an {other}, not an {what}: decide it with `asprules {command}` (asprules.{command})",
        file=doc.file if doc and doc.file else None,
        line=1 if doc and doc.file else None,
        code="wrong_kind",
        params=params,
    )
    return FactError(label, [problem], **said)


_MODELS: dict[str, type] = {}  # filled below, once both models exist


def parse_incident(data: Mapping[str, Any] | Incident, *, source: SourceDocument | None = None) -> Incident:
    """Validate an incident. Raises :class:`FactError` listing every problem."""
    return parse_fact(Incident, data, source, "incident")


def parse_operation(data: Mapping[str, Any] | Operation, *, source: SourceDocument | None = None) -> Operation:
    """Validate an operation. Raises :class:`FactError` listing every problem."""
    return parse_fact(Operation, data, source, "operation")


_MODELS.update(incident=Incident, operation=Operation)

STDIN = "-"


def read_fact_file(path: str) -> SourceDocument:
    """Parse a YAML or JSON fact file (``-``: standard input), keeping positions so errors
    can name the line."""
    if path == STDIN:
        return parse_text(_read_stdin(), "<stdin>", error=FactError)
    return parse_file(path, error=FactError)


def _read_stdin() -> str:
    raw = sys.stdin.buffer.read(MAX_BYTES + 1) if hasattr(sys.stdin, "buffer") else sys.stdin.read(MAX_BYTES + 1).encode("utf-8")
    if len(raw) > MAX_BYTES:
        raise i18n.error(FactError, "input_too_large", [i18n.problem("larger_than", file="<stdin>", limit=MAX_BYTES)], file="<stdin>")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise i18n.error(FactError, "cannot_read", [i18n.problem("not_utf8", file="<stdin>", reason=exc.reason, at=exc.start)], file="<stdin>") from None


def read_fact_documents(path: str) -> Iterator[tuple[int, SourceDocument | FactError]]:
    """The facts in a file (``-``: standard input) as ``(line, document or error)``.

    A YAML or JSON file holds one fact (line 1). A JSON Lines file (``.jsonl``/``.ndjson``,
    or several lines each a whole JSON object) holds one fact a line: each is parsed on its
    own, positions keep the file's line numbers, and a bad line is its error, so the caller
    can report it and go on. Blank lines are skipped."""
    file = "<stdin>" if path == STDIN else path
    text = _read_stdin() if path == STDIN else _read_text(path)
    if not _is_jsonl(path, text):
        try:
            yield 1, parse_text(text, file, error=FactError)
        except FactError as exc:
            yield 1, exc
        return
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = parse_text(line, file, error=FactError)
        except FactError as exc:
            yield number, FactError(exc.summary, [_on_line(p, number) for p in exc.problems], code=exc.code, params=exc.params)
            continue
        yield number, doc.on_line(number)


def _on_line(problem: Problem, number: int) -> Problem:
    return replace(problem, line=number)


def _read_text(path: str) -> str:
    """A fact file's text: a regular file, its size checked before a byte is read."""
    return read_text(path, FactError)


def _is_jsonl(path: str, text: str) -> bool:
    if path.endswith((".jsonl", ".ndjson")):
        return True
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or not lines[0].lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(lines[0]), dict)
    except ValueError:
        return False


def incident_from_file(path: str) -> Incident:
    doc = read_fact_file(path)
    return parse_incident(doc.data, source=doc)


def operation_from_file(path: str) -> Operation:
    doc = read_fact_file(path)
    return parse_operation(doc.data, source=doc)
