"""Stage 2: the ruleset file format as typed, frozen models (the AST).

This module says what a well-*formed* ruleset document is: keys, types, shapes. Whether
it is well-*founded* — fields that exist, levels that are declared, steps that are
defined — is the validator's job (:mod:`asprules.format.validate`), which has the field
catalog and the whole document at hand.

A condition is one of a few mapping shapes, told apart by their keys::

    {field: outage_minutes, ge: 60}              comparison (exactly one operator)
    {all: [...]} / {any: [...]} / {not: {...}}   combinators
    {local_time: {field: started_at, within: "01:00-06:00"}}
    {in_window: {start: scheduled_start, end: scheduled_end}}
    {in_sensitive_period: {field: started_at}}   or {start: ..., end: ...}
    {has_approval: {step: emergency, roles: [service_manager]}}
"""

# No `from __future__ import annotations` in this module: pydantic evaluates a model's
# string annotations when the class is made, compiling each one (189 in the ruleset
# format's models alone), on every start. Names defined further down are quoted.

import re
from functools import cached_property
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, model_validator

from .. import clock
from ..i18n import LocalValueError
from ..localtext import LocalText
from ..source import FormatVersion


# defer_build: validators are built on first use, not at import (CLI cold start).
# strict: the format is as strict as the facts — `major: 'no'`, `present: 'false'`,
# `raise: '1'` and `ge: true` are errors, never coerced into a bool or a number.
_DOC = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False, defer_build=True, strict=True)


Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=80)]
CITE_MAX = 200
Cite = Annotated[
    str,
    Field(
        min_length=1, max_length=CITE_MAX, pattern=r"\S",
        description="Where the rule comes from: free text (a handbook section, a policy clause); a ruleset may declare cite_pattern",
    ),
]
Provenance = Literal["handbook", "policy", "assumed"]
Scalar = Union[bool, int, float, str]


def _duration(text: str) -> str:
    clock.parse_duration(text)
    return text


def _month_day(text: str) -> str:
    clock.parse_month_day(text)
    return text


def _week_time(text: str) -> str:
    clock.parse_week_time(text)
    return text


PositiveDuration = Annotated[str, AfterValidator(_duration), Field(description="A positive duration with a unit: 30m, 72h, 14d, 2w")]
MonthDay = Annotated[str, AfterValidator(_month_day), Field(description="A day of the year, MM-DD")]
WeekTime = Annotated[str, AfterValidator(_week_time), Field(description="A weekday and local time, like 'Friday 16:00'")]
COMPARISON_OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "between", "present", "contains_any")


def _text(value: Any) -> Any:
    return {"en": value} if isinstance(value, str) else value


Text = Annotated[LocalText, Field(description="A string, or {en, zh}")]


class _Textual(BaseModel):
    model_config = ConfigDict(defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _plain_strings_are_english(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: (_text(v) if k in ("name", "title", "message", "text") else v) for k, v in data.items()}
        return data


# --- conditions -----------------------------------------------------------------


class Compare(BaseModel):
    model_config = _DOC
    field: Annotated[str, Field(min_length=1)]
    eq: Scalar | None = None
    ne: Scalar | None = None
    lt: int | float | None = None
    le: int | float | None = None
    gt: int | float | None = None
    ge: int | float | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    between: Annotated[list[int | float], Field(min_length=2, max_length=2)] | None = None
    present: bool | None = None
    contains_any: list[str] | None = None

    @model_validator(mode="before")
    @classmethod
    def _exactly_one_operator(cls, data: Any) -> Any:
        if isinstance(data, dict):
            ops = [k for k in data if k != "field"]
            known = [k for k in ops if k in COMPARISON_OPERATORS]
            if len(known) > 1:
                raise LocalValueError("one_operator", given=", ".join(known))
            if not ops:
                raise LocalValueError("no_operator", operators=", ".join(COMPARISON_OPERATORS))
            if len(known) == 1 and data[known[0]] is None:
                raise LocalValueError("operator_null", op=known[0])
        return data

    @cached_property  # read by the validator, both compilers and the analysis: once per comparison
    def operator(self) -> str:
        for op in COMPARISON_OPERATORS:
            if getattr(self, "in_" if op == "in" else op) is not None:
                return op
        raise AssertionError("validated comparison without operator")

    @property
    def operand(self) -> Any:
        op = self.operator
        return getattr(self, "in_" if op == "in" else op)

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> "Compare":
        copy = super().model_copy(update=update, deep=deep)
        copy.__dict__.pop("operator", None)  # the cached operator is the original's
        return copy


class AllOf(BaseModel):
    model_config = _DOC
    all: Annotated[list["Condition"], Field(min_length=1)]


class AnyOf(BaseModel):
    model_config = _DOC
    any: Annotated[list["Condition"], Field(min_length=1)]


class NotOf(BaseModel):
    model_config = _DOC
    not_: "Condition" = Field(alias="not")


class LocalTimeSpec(BaseModel):
    model_config = _DOC
    field: str
    within: str


class LocalTime(BaseModel):
    """The instant in ``field`` falls, in the customer's time zone, in a daily band."""

    model_config = _DOC
    local_time: LocalTimeSpec


class InWindowSpec(BaseModel):
    model_config = _DOC
    start: str
    end: str
    window: str | None = Field(default=None, description="Defaults to the customer's maintenance window")


class InWindow(BaseModel):
    """The span ``[start, end]`` lies wholly inside one occurrence of a daily window."""

    model_config = _DOC
    in_window: InWindowSpec


class InPeriodSpec(BaseModel):
    model_config = _DOC
    field: str | None = None
    start: str | None = None
    end: str | None = None

    @model_validator(mode="after")
    def _instant_or_span(self) -> "InPeriodSpec":
        if (self.field is None) == (self.start is None and self.end is None) or (self.start is None) != (self.end is None):
            raise LocalValueError("instant_or_span")
        return self


class InSensitivePeriod(BaseModel):
    """An instant, or any part of a span, falls in a sensitive period (§1.4.4)."""

    model_config = _DOC
    in_sensitive_period: InPeriodSpec


class HasApprovalSpec(BaseModel):
    model_config = _DOC
    step: str
    roles: list[str] | None = None
    evidence: list[str] | None = None


class HasApproval(BaseModel):
    model_config = _DOC
    has_approval: HasApprovalSpec


_SHAPES = {
    "all": "all",
    "any": "any",
    "not": "not",
    "field": "compare",
    "local_time": "local_time",
    "in_window": "in_window",
    "in_sensitive_period": "in_sensitive_period",
    "has_approval": "has_approval",
}


def condition_shape(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return {
            Compare: "compare",
            AllOf: "all",
            AnyOf: "any",
            NotOf: "not",
            LocalTime: "local_time",
            InWindow: "in_window",
            InSensitivePeriod: "in_sensitive_period",
            HasApproval: "has_approval",
        }.get(type(value))
    if isinstance(value, dict):
        for key in value:
            if key in _SHAPES:
                return _SHAPES[key]
    return None


Condition = Annotated[
    Union[
        Annotated[Compare, Tag("compare")],
        Annotated[AllOf, Tag("all")],
        Annotated[AnyOf, Tag("any")],
        Annotated[NotOf, Tag("not")],
        Annotated[LocalTime, Tag("local_time")],
        Annotated[InWindow, Tag("in_window")],
        Annotated[InSensitivePeriod, Tag("in_sensitive_period")],
        Annotated[HasApproval, Tag("has_approval")],
    ],
    Discriminator(
        condition_shape,
        custom_error_type="condition_shape",
        custom_error_message=(
            "not a condition: expected a mapping with one of the keys field, all, any, not, "
            "local_time, in_window, in_sensitive_period, has_approval"
        ),
    ),
]

# The recursive condition models resolve `Condition` when first used (defer_build).


# --- common rule metadata ---------------------------------------------------------


class Provenanced(_Textual):
    """Where a figure or rule comes from. ``assumed`` needs a one-line basis."""

    cite: Cite
    provenance: Provenance
    basis: str | None = Field(default=None, description="Which public practice an assumed figure follows")

    @model_validator(mode="after")
    def _basis_for_assumed(self) -> "Provenanced":
        if self.provenance == "assumed" and not (self.basis and self.basis.strip()):
            raise LocalValueError("assumed_needs_basis")
        return self


class Rule(Provenanced):
    model_config = _DOC
    id: Identifier
    title: Text | None = None


DURATION_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(m|min|h|d)\s*$")


def duration_seconds(text: str) -> float:
    """``"30m"``, ``"4h"``, ``"2d"`` → seconds; ``"0m"`` is "at once"."""
    found = _DURATION.match(text)
    if found is None:
        raise LocalValueError("not_a_duration", value=repr(text))
    return float(found.group(1)) * DURATION_UNITS[found.group(2)]


def _check_duration(value: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise LocalValueError("deadline_no_unit", value=repr(value), number=value)
    if not isinstance(value, str) or _DURATION.match(value) is None:
        raise LocalValueError("deadline_form", value=repr(value))
    if duration_seconds(value) > 366 * 86400:
        raise LocalValueError("deadline_too_long", value=repr(value))
    return value.strip()


Duration = Annotated[str, BeforeValidator(_check_duration), Field(description="A number and a unit: '30m', '4h', '2d' ('0m': at once)")]
OBLIGATION_KINDS = ("report", "notify", "review", "response", "resolution", "confirm", "approval")


class LevelObligation(Provenanced):
    """What a level requires to happen later: a report, a notification, a review, a response
    or resolution target, with its deadline ``within`` a duration of ``from`` (a time field of
    the fact, default ``started_at``, or ``graded``: the moment of grading, the ``at`` given
    to ``grade``), or ``by: end_of_month`` (the end of that calendar month, customer's zone)."""

    model_config = _DOC
    id: Identifier
    kind: Literal["report", "notify", "review", "response", "resolution", "confirm", "approval"]
    text: Text
    within: Duration | None = None
    by: Literal["end_of_month"] | None = Field(default=None, description="Instead of within: the end of the anchor's calendar month")
    from_: str = Field(default="started_at", alias="from", description="A time field of the fact, or 'graded' (the moment of grading)")
    role: Identifier | None = Field(default=None, description="Who must do it")

    @model_validator(mode="after")
    def _one_deadline(self) -> "LevelObligation":
        if self.within is not None and self.by is not None:
            raise LocalValueError("within_or_by")
        return self


class Level(_Textual):
    model_config = _DOC
    id: Identifier
    name: Text
    major: bool = True
    obligations: list[LevelObligation] = Field(default=[], description="What a decision at this level requires, with deadlines")


OutputType = Literal["text", "number", "boolean", "list"]


class Output(_Textual):
    """A named value a table's rows give besides (or instead of) a level."""

    model_config = _DOC
    id: Identifier
    name: Text | None = None
    type: OutputType
    allowed: list[Scalar] | None = Field(default=None, description="The values it may take, in priority order (most important first)")
    default: Any = Field(default=None, description="Its value when no row matches (absent: null)")


class DerivedValue(BaseModel):
    """Arithmetic over fields and numbers: ``{mul: [affected_users, outage_hours]}``."""

    model_config = _DOC
    add: list[str | int | float] | None = None
    sub: list[str | int | float] | None = None
    mul: list[str | int | float] | None = None
    div: list[str | int | float] | None = None
    min: list[str | int | float] | None = None
    max: list[str | int | float] | None = None

    @model_validator(mode="after")
    def _one_operation(self) -> "DerivedValue":
        given = [k for k in ("add", "sub", "mul", "div", "min", "max") if getattr(self, k) is not None]
        if len(given) != 1:
            raise LocalValueError("derived_one_operation")
        if len(getattr(self, given[0])) < 2:
            raise LocalValueError("two_operands", op=given[0])
        return self

    @property
    def operation(self) -> tuple[str, list[str | int | float]]:
        for k in ("add", "sub", "mul", "div", "min", "max"):
            if getattr(self, k) is not None:
                return k, getattr(self, k)
        raise AssertionError


class Figure(Provenanced):
    model_config = _DOC
    value: str


class Defaults(BaseModel):
    model_config = _DOC
    timezone: Figure | None = None
    maintenance_window: Figure | None = None


class Header(_Textual):
    asprules: FormatVersion
    id: Identifier
    version: str | int | float | None = None
    title: Text | None = None
    description: str | None = None
    cite_pattern: str | None = Field(
        default=None, min_length=1, max_length=500,
        description="A regular expression every cite in this file must match (re.fullmatch), e.g. '^§[0-9]+(\\.[0-9]+)*$'",
    )


# --- grading ------------------------------------------------------------------------


HIT_POLICIES = ("unique", "any", "first", "priority", "collect", "rule_order", "output_order")
AGGREGATORS = ("max", "min", "sum", "count")
Score = Annotated[Union[int, float], Field(ge=-1_000_000, le=1_000_000)]


class Row(Rule):
    level: Identifier | None = Field(default=None, description="The level it gives; not with collect sum or count")
    score: Score | None = Field(default=None, description="With collect sum: the points it adds to the table's total")
    outputs: dict[Identifier, Any] | None = Field(default=None, description="Values of the ruleset's declared outputs this row gives")
    when: Condition


class Band(BaseModel):
    """With ``collect sum`` or ``count``: the level for totals from ``min`` (inclusive) up to
    the next band's ``min`` (or ``below``, exclusive)."""

    model_config = _DOC
    min: Score | None = Field(default=None, description="Lowest total in the band; absent: no lower bound (the lowest band only)")
    below: Score | None = Field(default=None, description="Optional: the total where the band ends; must be the next band's min")
    level: Identifier


class Table(_Textual):
    model_config = _DOC
    id: Identifier
    name: Text | None = None
    cite: Cite
    applies_when: Condition | None = None
    hit_policy: Literal["unique", "any", "first", "priority", "collect", "rule_order", "output_order"]
    aggregator: Literal["max", "min", "sum", "count"] | None = Field(default=None, description="With collect: how matching rows combine")
    default: Identifier | None = Field(default=None, description="The level when no row matches; not with collect sum or count")
    bands: list[Band] | None = Field(default=None, description="With collect sum or count: levels for ranges of the total")
    rows: Annotated[list[Row], Field(min_length=1)]

    @property
    def banded(self) -> bool:
        """Whether rows combine into a number that ``bands`` turn into a level."""
        return self.hit_policy == "collect" and self.aggregator in ("sum", "count")

    @property
    def gives_lists(self) -> bool:
        """Whether every matching row counts and outputs come out as lists (DMN rule order,
        output order, collect without aggregator)."""
        return self.hit_policy in ("rule_order", "output_order") or (self.hit_policy == "collect" and self.aggregator is None)


class Adjustment(Rule):
    when: Condition
    raise_: Annotated[int, Field(ge=1, le=10)] | None = Field(default=None, alias="raise")
    lower: Annotated[int, Field(ge=1, le=10)] | None = None
    cap: Identifier | None = Field(default=None, description="Most severe level this rule may reach")
    floor: Identifier | None = Field(default=None, description="Least severe level this rule may reach")
    applies_to: list[Identifier] | None = Field(default=None, description="Levels it adjusts; default: major levels")

    @model_validator(mode="after")
    def _direction(self) -> "Adjustment":
        if (self.raise_ is None) == (self.lower is None):
            raise LocalValueError("raise_or_lower")
        return self


class UnrecoveredEscalation(Rule):
    """A fault graded ``level`` and not recovered ``after_hours`` after it opened moves up
    (and keeps that level when it recovers later: it was not recovered in time)."""

    level: Identifier
    after_hours: Annotated[float, Field(gt=0, le=8760)]
    raise_: Annotated[int, Field(ge=1, le=10)] = Field(default=1, alias="raise")
    cap: Identifier | None = Field(default=None, description="Most severe level it may reach")


class RepeatFaults(Rule):
    """``count`` faults opened at the same site within ``within_days`` (this one included) move it up."""

    count: Annotated[int, Field(ge=2, le=1000)]
    within_days: Annotated[float, Field(gt=0, le=366)]
    raise_: Annotated[int, Field(ge=1, le=10)] = Field(default=1, alias="raise")
    cap: Identifier | None = Field(default=None, description="Most severe level it may reach")
    applies_to: list[Identifier] | None = Field(default=None, description="Levels it escalates; default: major levels")


class Escalations(BaseModel):
    """Time-based escalation for incident timelines (:mod:`asprules.backends.rete.timeline`); a single
    snapshot graded by :func:`asprules.grade` does not use them."""

    model_config = _DOC
    unrecovered: list[UnrecoveredEscalation] = []
    repeat_faults: list[RepeatFaults] = []


class GradingDocument(Header):
    model_config = _DOC
    kind: Literal["grading"]
    facts: Identifier | None = Field(default=None, description="The fact kind it decides on (a bundled or declared fact schema); default: incident")
    calendars: list[Identifier] = []
    defaults: Defaults = Defaults.model_construct()  # constructed: validating here would build the validators at import
    requires: list[Identifier] = Field(
        default=[], description="Other grading rulesets (decisions) whose level and outputs its conditions read, as fields ID.level and ID.OUTPUT"
    )
    levels: list[Level] = Field(default=[], description="At least two, most severe first; may be left out when the ruleset declares outputs")
    outputs: list[Output] = Field(default=[], description="Named values the tables' rows give besides a level")
    derived: dict[Identifier, DerivedValue] = {}
    tables: Annotated[list[Table], Field(min_length=1)]
    adjustments: list[Adjustment] = []
    escalations: Escalations = Escalations.model_construct()


# --- authorization ------------------------------------------------------------------


class Role(_Textual):
    model_config = _DOC
    id: Identifier
    name: Text
    seats: Annotated[int, Field(ge=1, le=10000)] | None = Field(
        default=None, description="How many people can hold the role; absent: any number (static analysis reads it)"
    )


class EvidenceExtension(Provenanced):
    model_config = _DOC
    when: Condition
    forms: Annotated[list[str], Field(min_length=1)]


class Separation(BaseModel):
    """Whom the approvers of a step must differ from (separation of duties)."""

    model_config = _DOC
    requester: bool = Field(default=False, description="Not the person who requested the operation")
    engineer: bool = Field(default=False, description="Not the engineer who performs it")
    steps: list[Identifier] = Field(default=[], description="Not an approver counted for any of these steps")


class ArchiveRequirement(Provenanced):
    """A counted approval without an ``archive_ref`` imposes an obligation to archive it."""

    model_config = _DOC
    within: PositiveDuration = Field(description="After the approval was granted")


class ApprovalRequirement(BaseModel):
    model_config = _DOC
    roles: Annotated[list[Identifier], Field(min_length=1)]
    evidence: list[str] | None = Field(default=None, description="Accepted forms; absent: any record counts")
    evidence_also: list[EvidenceExtension] = []
    quorum: Annotated[int, Field(ge=1, le=100, description="Distinct approvers needed (at least 1)")] = 1
    distinct_from: Separation | None = None
    valid_for: PositiveDuration | None = Field(default=None, description="How long an approval stays valid; a stale one does not count")
    archive: ArchiveRequirement | None = Field(default=None, description="Counted records must be archived (archive_ref) within a time, an obligation")


class NotificationRequirement(Provenanced):
    model_config = _DOC
    channels: Annotated[list[str], Field(min_length=1)]
    require: Literal["all", "any"] = Field(default="all", description="Every channel, or any one of them")
    recipients: list[Identifier] = Field(default=[], description="Roles that must each be notified; empty: anyone")
    lead_minutes: Annotated[int, Field(ge=0, le=525600)] = 0
    lead_minutes_for: dict[Identifier, Annotated[int, Field(ge=0, le=525600)]] = Field(
        default={}, description="Lead time per risk class, overriding lead_minutes"
    )


class Qualification(Provenanced):
    model_config = _DOC
    minimum: Annotated[int, Field(ge=0, le=99)]


class Step(Rule):
    name: Text
    approval: ApprovalRequirement | None = None
    notification: NotificationRequirement | None = None
    qualification: Qualification | None = None

    @model_validator(mode="after")
    def _requires_something(self) -> "Step":
        if self.approval is None and self.notification is None and self.qualification is None:
            raise LocalValueError("empty_step")
        return self


class Retrospective(Provenanced):
    """A step of the chain whose approval may follow the start, within a deadline (an obligation)."""

    model_config = _DOC
    step: Identifier
    within: PositiveDuration = Field(description="After the scheduled start")


class RiskClass(Rule):
    name: Text
    when: Condition | None = Field(default=None, description="Absent: matches every operation (the catch-all)")
    chain: Annotated[list[Identifier], Field(min_length=1, description="Steps to satisfy; never empty, so nothing is authorized by default")]
    ordered: bool = Field(default=True, description="Approvals must be granted in chain order")
    retrospective: list[Retrospective] = []


class Constraint(Rule):
    when: Condition
    unless: Condition | None = None
    message: Text
    applies_to: list[Identifier] | None = Field(default=None, description="Risk classes; default: all")


class DueSpec(BaseModel):
    model_config = _DOC
    after: str = Field(description="An instant field of the operation, e.g. scheduled_end")
    within: PositiveDuration | None = Field(default=None, description="After that instant; absent: due at the instant itself")


class ObligationRule(Rule):
    """Something an operation that meets ``when`` must do later: the decision carries it as an
    obligation, met by a ``confirmations`` record of the operation naming its id."""

    when: Condition
    kind: Identifier = Field(description="report, notify, review, approval, response, resolution, confirm, …")
    text: Text
    due: DueSpec
    role: Identifier | None = None
    applies_to: list[Identifier] | None = Field(default=None, description="Risk classes; default: all")


class AuthorizationDocument(Header):
    model_config = _DOC
    kind: Literal["authorization"]
    facts: Identifier | None = Field(default=None, description="The fact kind it decides on (a bundled or declared fact schema); default: operation")
    calendars: list[Identifier] = []
    defaults: Defaults = Defaults.model_construct()  # constructed: validating here would build the validators at import
    derived: dict[Identifier, DerivedValue] = {}
    roles: Annotated[list[Role], Field(min_length=1)]
    steps: Annotated[list[Step], Field(min_length=1)]
    risk_classes: Annotated[list[RiskClass], Field(min_length=1)]
    constraints: list[Constraint] = []
    obligations: list[ObligationRule] = []


# --- calendars ----------------------------------------------------------------------


class Period(Provenanced):
    model_config = _DOC
    name: Text
    start: Any = Field(description="A date (local midnight) or a datetime with offset")
    end: Any = Field(description="A date (inclusive, to local midnight after) or a datetime with offset")


class YearlyPeriod(Provenanced):
    """Every year from one day to another, both included (``12-15`` to ``01-05`` crosses new year)."""

    model_config = _DOC
    name: Text
    every: Literal["year"]
    from_: MonthDay = Field(alias="from")
    to: MonthDay


class WeeklyPeriod(Provenanced):
    """Every week from a weekday and time to another (``Friday 16:00`` to ``Monday 06:00``)."""

    model_config = _DOC
    name: Text
    every: Literal["week"]
    from_: WeekTime = Field(alias="from")
    to: WeekTime


def _period_shape(value: Any) -> str:
    every = value.get("every") if isinstance(value, dict) else getattr(value, "every", None)
    return {"year": "year", "week": "week"}.get(every, "once") if every is not None else "once"  # type: ignore[arg-type]


AnyPeriod = Annotated[
    Union[Annotated[Period, Tag("once")], Annotated[YearlyPeriod, Tag("year")], Annotated[WeeklyPeriod, Tag("week")]],
    Discriminator(_period_shape),
]


class CalendarDocument(Header):
    model_config = _DOC
    kind: Literal["calendar"]
    timezone: str | None = Field(default=None, description="Absent: each operation's customer zone (dates of one-off periods then need an offset)")
    periods: list[AnyPeriod] = []


# --- the customer registry ----------------------------------------------------------


class RegisteredCustomer(_Textual):
    model_config = _DOC
    id: Annotated[str, Field(min_length=1, max_length=256)]
    name: Text | None = None
    timezone: str
    maintenance_window: str | None = Field(default=None, description="Absent: the ruleset's default window")
    periods: list[AnyPeriod] = Field(default=[], description="The customer's own sensitive periods, in its zone")


class CustomerRegistry(Header, Provenanced):
    """The authoritative customer profiles: an operation or incident names its customer by
    id, and its own profile may only narrow the window or add periods."""

    model_config = _DOC
    kind: Literal["customers"]
    customers: Annotated[list[RegisteredCustomer], Field(min_length=1)]


# The document models by their ``kind``. The validator validates a document with its
# kind's model alone (:func:`asprules.format.validate.parse_document`), so that a run
# reading grading and calendar files never builds the other kinds' validators;
# ``Document``, their union, is what the JSON Schema of a ruleset file describes.
KINDS: dict[str, type[BaseModel]] = {
    "grading": GradingDocument,
    "authorization": AuthorizationDocument,
    "calendar": CalendarDocument,
    "customers": CustomerRegistry,
}
# A document of none of these kinds (``facts`` is read by :mod:`asprules.facts.schema`).
KIND_ERROR = ("document_kind", "kind must be one of grading, authorization, calendar, customers, facts")

Document = Annotated[
    Union[tuple(Annotated[model, Tag(kind)] for kind, model in KINDS.items())],  # type: ignore[misc]
    Discriminator(
        lambda v: v.get("kind") if isinstance(v, dict) else getattr(v, "kind", None),
        custom_error_type=KIND_ERROR[0],
        custom_error_message=KIND_ERROR[1],
    ),
]
