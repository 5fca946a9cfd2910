"""The typed facts' checks as columns: raw incident columns → typed columns and problems.

:class:`~asprules.facts.models.Incident` is strict where a loose reading would change a
decision; so is this stage, one SQL expression per check, every check on every row:

- types: booleans are booleans (``"false"`` in JSON is not false), counts are integers
  (``5.0`` is not a count), numbers are numbers; CSV cells are text and are read as the
  same types (``true``/``false``, ``12``, ``12.5``), an empty cell being absent;
- bounds (``0 ≤ affected_users_pct ≤ 100``…), enum members, text length after trimming;
- required measures: a missing one is a problem, never a silent zero;
- date-times must carry a UTC offset; time zones must be IANA names the engine knows;
  maintenance windows ``HH:MM-HH:MM``;
- ``recovered_at``/``as_of`` not before ``started_at``; the outage derived from them when
  ``outage_minutes`` is absent, a problem when it cannot be; a customer's sensitive
  periods end after they start;
- JSON objects with keys the schema does not know are problems (the model forbids them).

A value that fails a check is NULL in the typed column and the row's ``__problems`` lists
every failure (``affected_users: expected an integer``); the runner sends such rows to the
errors output. A *column* of the wrong type (a DOUBLE ``affected_users``, a naive
TIMESTAMP) or a missing required column is not a row problem: :func:`plan_columns` raises
:class:`~asprules.errors.FactError` naming it before anything runs.

Only the handbook's incident is described here (:data:`INCIDENT`); a ruleset deciding on a
declared fact schema is refused with :class:`~asprules.errors.BackendUnavailable`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlglot import exp

from ...errors import FactError, Problem
from ...i18n import error, problem, said
from ...facts.models import Customer, Incident, SensitivePeriod
from .dialects import Dialect, alias, and_, call, case, not_, or_
from .rules import column_name

Kind = Literal["int", "float", "bool", "enum", "text", "instant", "zone", "window", "periods"]
SourceType = Literal["json", "text", "int", "float", "bool", "instant", "periods", "struct"]


@dataclass(frozen=True)
class FieldSpec:
    """One input field of the incident, as the typed model checks it."""

    path: str
    kind: Kind
    required: bool  # required when its record (the incident, or the customer) is given
    lo: float | None = None
    hi: float | None = None
    values: tuple[str, ...] = ()

    @property
    def record(self) -> str:
        return self.path.rpartition(".")[0]


_ENVIRONMENTS = ("production", "office")
INCIDENT: tuple[FieldSpec, ...] = (
    FieldSpec("id", "text", True),
    FieldSpec("environment", "enum", True, values=_ENVIRONMENTS),
    FieldSpec("started_at", "instant", True),
    FieldSpec("recovered_at", "instant", False),
    FieldSpec("as_of", "instant", False),
    FieldSpec("outage_minutes", "float", False, 0, 10**9),
    FieldSpec("affected_users", "int", True, 0, 10**12),
    FieldSpec("affected_users_pct", "float", True, 0, 100),
    FieldSpec("affected_sites", "int", True, 0, 10**12),
    FieldSpec("core_service", "bool", True),
    FieldSpec("data_loss", "bool", True),
    FieldSpec("security_breach", "bool", True),
    FieldSpec("vip_customer", "bool", True),
    FieldSpec("customer_complaint", "bool", True),
    FieldSpec("site", "text", False),
    FieldSpec("customer.id", "text", True),
    FieldSpec("customer.timezone", "zone", False),
    FieldSpec("customer.maintenance_window", "window", False),
    FieldSpec("customer.sensitive_periods", "periods", False),
)
RECORDS = {"": Incident, "customer": Customer}
PERIOD_KEYS = tuple(SensitivePeriod.model_fields)  # name, start, end
TEXT_MAX = 256
_INSTANT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})$"
_NAIVE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?$"
_INT_TEXT = r"^\s*[+-]?[0-9]+\s*$"
_WINDOW = r"^\s*([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})\s*$"
_WHAT = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "enum": "text",
    "text": "text",
    "instant": "a date-time text with a UTC offset",
    "zone": "an IANA time zone name",
    "window": "a daily window HH:MM-HH:MM",
    "periods": "a list of periods {name, start, end}",
}


def _s(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def _n(value: float) -> exp.Expression:
    return exp.Literal.number(value)


def _is_null(node: exp.Expression) -> exp.Expression:
    return exp.Is(this=node, expression=exp.null())


def _not_null(node: exp.Expression) -> exp.Expression:
    return not_(exp.Is(this=node, expression=exp.null()))


def _when(test: exp.Expression, then: exp.Expression, default: exp.Expression | None = None) -> exp.Expression:
    return case([(test, then)], default)


def _bounded(spec: FieldSpec, value: exp.Expression) -> exp.Expression:
    test = []
    if spec.lo is not None:
        test.append(exp.GTE(this=value, expression=_n(spec.lo)))
    if spec.hi is not None:
        test.append(exp.LTE(this=value, expression=_n(spec.hi)))
    return and_(*test) if test else exp.true()


def _bounds_text(spec: FieldSpec) -> str:
    if spec.lo is not None and spec.hi is not None:
        return f"between {spec.lo:g} and {spec.hi:g}"
    return f"at least {spec.lo:g}" if spec.lo is not None else f"at most {spec.hi:g}"


@dataclass
class Source:
    """Where each field comes from in the raw relation, and as what.

    ``json``: the raw relation has each field's JSON text (``__text.PATH``, VARCHAR; NULL
    where the key is absent or null) and, for text fields, the string it holds when it is
    a JSON string (``__str.PATH``); ``columns``: plain columns (Parquet, CSV, Arrow, a Spark
    DataFrame), a field found as a dotted column (``customer.timezone``) or inside a struct
    column (``customer``).
    """

    mode: Literal["json", "columns"]
    fields: dict[str, tuple[exp.Expression, SourceType]] = field(default_factory=dict)
    record_columns: dict[str, exp.Expression] = field(default_factory=dict)  # struct columns; json mode: the record's JSON text
    json_strings: dict[str, exp.Expression] = field(default_factory=dict)  # json mode: a text field's string, NULL if not a JSON string


def json_source() -> Source:
    """Fields of a JSON record, as :func:`json_fields_layer` lays them out."""
    src = Source("json")
    for path in JSON_PATHS:
        node = exp.column(f"__text.{path}", quoted=True)
        if path == "customer":
            src.record_columns["customer"] = node
        else:
            src.fields[path] = (node, "json")
    for spec in INCIDENT:
        if spec.kind in _TEXT_KINDS:
            src.json_strings[spec.path] = exp.column(f"__str.{spec.path}", quoted=True)
    return src


JSON_PATHS = tuple(spec.path for spec in INCIDENT) + ("customer",)
TOP_LEVEL = tuple(spec.path for spec in INCIDENT if not spec.record) + ("customer",)
_CUSTOMER = tuple(spec.path for spec in INCIDENT if spec.record == "customer")
_TEXT_KINDS = ("enum", "text", "instant", "zone", "window")


def json_starts(text: exp.Expression, char: str) -> exp.Expression:
    """Whether a JSON text is a string (``"``), an object (``{``) or an array (``[``): its
    first character says, without parsing it again (DuckDB writes the JSON values it reads
    without leading blanks; a missing key or ``null`` is NULL)."""
    return exp.Coalesce(this=call("starts_with", text, _s(char)), expressions=[exp.false()])


def json_fields_layer(numbered: bool = True) -> tuple[list[exp.Expression], ...]:
    """Three select lists over a relation with one JSON column per top-level key (and
    ``__row`` when ``numbered``): each field's JSON text (the customer's taken apart with one parse of that
    small object, only where it is an object), then each text field's string — the only
    values parsed again (``json_extract_string`` undoes escapes); numbers and booleans are
    typed from their text by the checks. Measured 2026-12-02: ``json_type`` per value and
    the checks computing every regular expression and cast twice were 7 of 13.6 s of CPU
    per million rows."""
    customer = exp.cast(exp.column("customer", quoted=True), "VARCHAR")
    paths = exp.Array(expressions=[_s("$." + p.partition(".")[2]) for p in _CUSTOMER])
    parts = _when(json_starts(customer, "{"), call("json_extract", customer.copy(), paths))
    first: list[exp.Expression] = [exp.column("__row", quoted=True)] if numbered else []
    first.append(alias(parts, "__customer"))
    first += [alias(exp.cast(exp.column(p, quoted=True), "VARCHAR"), f"__text.{p}") for p in TOP_LEVEL]
    second: list[exp.Expression] = [exp.Star()]
    second += [
        alias(exp.cast(exp.Bracket(this=exp.column("__customer", quoted=True), expressions=[_n(i + 1)], offset=1), "VARCHAR"), f"__text.{p}")
        for i, p in enumerate(_CUSTOMER)
    ]
    third: list[exp.Expression] = [exp.Star()]
    for spec in INCIDENT:
        if spec.kind in _TEXT_KINDS:
            text = exp.column(f"__text.{spec.path}", quoted=True)
            third.append(alias(_when(json_starts(text, '"'), call("json_extract_string", text.copy(), _s("$"))), f"__str.{spec.path}"))
    return first, second, third


def _columns_error(problems: list[Problem]) -> FactError:
    return error(FactError, "columns_do_not_fit", problems)


_TYPE_FOR: dict[Kind, tuple[str, ...]] = {
    "int": ("int",),
    "float": ("int", "float"),
    "bool": ("bool",),
    "enum": (),
    "text": (),
    "zone": (),
    "window": (),
    "instant": ("instant",),
    "periods": ("periods",),
}


def columns_source(types: dict[str, str], file: str | None = None, *, extra: Literal["error", "ignore"] = "error") -> Source:
    """Plan a columnar source from its column types, normalized by the runner to
    ``int``/``float``/``bool``/``text``/``instant``/``naive``/``periods``/``struct:{…}``/other
    names. Missing required columns, columns of the wrong type and unknown columns (unless
    ``extra="ignore"``) raise :class:`FactError` naming each column."""
    problems: list[Problem] = []
    src = Source("columns")
    known = {spec.path for spec in INCIDENT}
    struct_fields: dict[str, dict[str, str]] = {}
    for name, kind in types.items():
        if kind.startswith("struct:"):
            struct_fields[name] = dict(part.split("=", 1) for part in kind[len("struct:"):].split(",") if part)
    for spec in INCIDENT:
        record = spec.record
        leaf = spec.path.rpartition(".")[2]
        found: tuple[exp.Expression, str] | None = None
        if spec.path in types and not types[spec.path].startswith("struct:"):
            found = (exp.column(spec.path, quoted=True), types[spec.path])
        elif record and record in struct_fields and leaf in struct_fields[record]:
            found = (exp.Dot(this=exp.column(record, quoted=True), expression=exp.to_identifier(leaf, quoted=True)), struct_fields[record][leaf])
        if found is None:
            if spec.required and not record:
                problems.append(problem("missing_column", (spec.path,), file=file, name=repr(spec.path), what=said(f"columnar.what.{spec.kind}")))
            continue
        node, sql_type = found
        if sql_type == "text" and spec.kind != "periods":
            src.fields[spec.path] = (node, "text")
        elif sql_type == "text" and spec.kind == "periods":
            src.fields[spec.path] = (exp.cast(node, "JSON"), "json")
        elif sql_type in _TYPE_FOR[spec.kind] or (spec.kind == "enum" and sql_type == "enum"):
            src.fields[spec.path] = (node, "text" if sql_type == "enum" else sql_type)  # type: ignore[assignment]
        else:
            want = " or ".join(_TYPE_FOR[spec.kind]) or "text"
            hint = said("problem.naive_datetimes") if sql_type == "naive" else ""
            problems.append(problem("column_type", (spec.path,), file=file, name=repr(spec.path), type=sql_type, want=want, hint=hint))
    for name in struct_fields:
        if name in RECORDS:
            src.record_columns[name] = exp.column(name, quoted=True)
            for leaf in struct_fields[name]:
                if f"{name}.{leaf}" not in known and extra == "error":
                    problems.append(problem("unknown_struct_field", (name, leaf), file=file, field=f"{name}.{leaf!r}", name=repr(name)))
    if extra == "error":
        for name in types:
            if name not in known and name not in RECORDS:
                problems.append(problem("unknown_column", (name,), file=file, name=repr(name)))
    if problems:
        raise _columns_error(problems)
    return src


@dataclass
class _Typed:
    value: exp.Expression  # NULL when absent or invalid
    present: exp.Expression
    problems: list[exp.Expression]  # each a string or NULL


class ColumnChecker:
    """Builds the typed layer for one source and dialect.

    With ``prepare=True`` every costly value a check and the typed column both need (a
    parsed instant, a trimmed text, a zone looked up among 600 names, a period list's
    problems) is computed once, into :attr:`prepared` — a layer the caller selects before
    the checks — and the checks and the typed columns read it; otherwise each is written
    where it is used (Spark's code generation shares them itself). DuckDB evaluated them
    once in ``__valid`` and again in the typed columns: 5.5 of 13.6 s of CPU per million
    JSON records (measured 2026-12-02).
    """

    def __init__(self, source: Source, dialect: Dialect, zones: tuple[str, ...], *, prepare: bool = False):
        self.source = source
        self.dialect = dialect
        self.zones = zones
        self.prepare = prepare
        self.prepared: list[list[tuple[str, exp.Expression]]] = []  # select lists, each over the one before
        self._depth: dict[str, int] = {}

    def keep(self, name: str, node: exp.Expression) -> exp.Expression:
        """``node`` computed once in the prepared layers (``prepare``), else ``node`` itself.
        A kept value that reads another goes in the layer after it."""
        if not self.prepare:
            return node
        column = f"__v.{name}"
        assert column not in self._depth, column
        depth = max((self._depth.get(c.name, -1) for c in node.find_all(exp.Column)), default=-1) + 1
        while len(self.prepared) <= depth:
            self.prepared.append([])
        self.prepared[depth].append((column, node))
        self._depth[column] = depth
        return exp.column(column, quoted=True)

    def sql_type(self, spec: FieldSpec) -> str:
        """The SQL type of a field's typed column."""
        instant = self.dialect.instant_type
        if spec.kind == "periods":
            return f"ARRAY<STRUCT<start: {instant}, end: {instant}>>" if self.dialect.name == "spark" else f"STRUCT(start {instant}, \"end\" {instant})[]"
        if spec.kind == "enum":
            return self.dialect.enum_type(spec.values).sql(dialect=self.dialect.name)
        return {"int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN", "instant": instant}.get(spec.kind, "VARCHAR")

    # -- the kinds -----------------------------------------------------------------

    def _string(self, spec: FieldSpec, text: exp.Expression, present: exp.Expression, wrong_type: exp.Expression) -> _Typed:
        d = self.dialect
        path = spec.path
        problems = [_when(wrong_type, _s(f"{path}: expected {_WHAT[spec.kind]}"))]
        ok_text = and_(present, not_(wrong_type))
        if spec.kind == "enum":  # NULL unless the text is a member (and so when absent or not text)
            member = self.keep(path, d.enum_value(text, spec.values))
            problems.append(_when(and_(ok_text, _is_null(member.copy())), exp.Concat(expressions=[_s(f"{path}: "), text.copy(), _s(f" is not one of {', '.join(spec.values)}")], safe=False, coalesce=False)))
            return _Typed(member, present, problems)
        stripped = self.keep(f"{path}.stripped", d.strip(text))
        if spec.kind == "text":
            size = d.length(stripped)
            good = self.keep(f"{path}.ok", and_(exp.GTE(this=size, expression=_n(1)), exp.LTE(this=size, expression=_n(TEXT_MAX))))
            problems.append(_when(and_(ok_text, not_(good)), _s(f"{path}: must be 1 to {TEXT_MAX} characters after trimming")))
            return _Typed(_when(and_(ok_text, good), stripped), present, problems)
        if spec.kind == "zone":
            good = self.keep(f"{path}.ok", d.member(stripped.copy(), self.zones))
            problems.append(_when(and_(ok_text, not_(good)), exp.Concat(expressions=[_s(f"{path}: unknown IANA time zone "), stripped], safe=False, coalesce=False)))
            return _Typed(_when(and_(ok_text, good), stripped), present, problems)
        if spec.kind == "window":
            parts = [exp.TryCast(this=exp.RegexpExtract(this=stripped, expression=_s(_WINDOW), group=_n(g)), to=exp.DataType.build("INT")) for g in (1, 2, 3, 4)]
            h1, m1, h2, m2 = parts
            good = and_(
                d.matches(stripped, _WINDOW),
                exp.LTE(this=m1, expression=_n(59)), exp.LTE(this=m2, expression=_n(59)),
                exp.LTE(this=h1, expression=_n(23)),
                or_(exp.LTE(this=h2, expression=_n(23)), and_(exp.EQ(this=h2, expression=_n(24)), exp.EQ(this=m2, expression=_n(0)))),
                exp.NEQ(this=h1 * _n(60) + m1, expression=h2 * _n(60) + m2),
            )
            checked = exp.Coalesce(this=good, expressions=[exp.false()])
            if self.prepare:
                good = checked = self.keep(f"{path}.ok", checked)
            problems.append(_when(and_(ok_text, not_(checked)), _s(f"{path}: not a daily window HH:MM-HH:MM of nonzero length")))
            return _Typed(_when(and_(ok_text, good), stripped), present, problems)
        if spec.kind == "instant":
            value, instant_problems = self._instant_text(path, text, ok_text)
            return _Typed(value, present, problems + instant_problems)
        raise AssertionError(spec.kind)

    def _instant_text(self, path: str, text: exp.Expression, ok_text: exp.Expression, keep: bool = True) -> tuple[exp.Expression, list[exp.Expression]]:
        d = self.dialect
        shaped = d.matches(text, _INSTANT)
        parsed = exp.TryCast(this=exp.Upper(this=text.copy()), to=exp.DataType.build(d.instant_type, dialect=d.name))
        value = case([(shaped, parsed)])
        if keep:
            value = self.keep(path, value)
        message = case(
            [(d.matches(text, _NAIVE), _s(f"{path}: has no UTC offset (write e.g. +08:00 or Z)"))],
            exp.Concat(expressions=[_s(f"{path}: not an ISO 8601 date-time: "), text], safe=False, coalesce=False),
        )
        return value, [_when(and_(ok_text, _is_null(value)), message)]

    def field(self, spec: FieldSpec) -> _Typed:
        found = self.source.fields.get(spec.path)
        if found is None:  # a typed NULL: functions over it must still bind
            sql_type = self.sql_type(spec)
            return _Typed(exp.cast(exp.null(), exp.DataType.build(sql_type, dialect=self.dialect.name)), exp.false(), [])
        raw, stype = found
        path = spec.path
        d = self.dialect
        if stype == "json":  # raw: the value's JSON text, NULL when the key is absent or null
            present = and_(_not_null(raw), exp.NEQ(this=raw.copy(), expression=_s("null")))
            if spec.kind == "periods":
                return self._json_periods(spec, raw, present)
            if spec.kind == "int":  # a JSON integer is written as digits: 5.0 and 1e3 are numbers, not counts
                literal = self.keep(f"{path}.integer", d.matches(raw.copy(), r"^-?[0-9]+$"))
                value = self.keep(path, _when(literal, exp.TryCast(this=raw.copy(), to=exp.DataType.build("BIGINT"))))
                return self._number(spec, value, present, and_(present, not_(literal)), too_large=and_(literal, _is_null(value)))
            if spec.kind == "float":  # a JSON text that reads as a number is one: strings are quoted, true/false/{…}/[…] are not numbers
                value = self.keep(path, exp.TryCast(this=raw.copy(), to=exp.DataType.build("DOUBLE")))
                return self._number(spec, value, present, and_(present, _is_null(value)))
            if spec.kind == "bool":  # true and false only: "false" is a string
                value = self.keep(path, _when(exp.In(this=raw.copy(), expressions=[_s("true"), _s("false")]), exp.EQ(this=raw.copy(), expression=_s("true"))))
                return self._number(spec, value, present, and_(present, _is_null(value)))
            text = self.source.json_strings[path]
            return self._string(spec, text, present, and_(present, _is_null(text)))
        if stype == "text":
            present = and_(_not_null(raw), exp.NEQ(this=raw, expression=_s("")))
            if spec.kind in ("int", "float"):
                stripped = d.strip(raw)
                if spec.kind == "int":
                    shaped = self.keep(f"{path}.integer", d.matches(raw, _INT_TEXT))
                    value = self.keep(path, _when(shaped, exp.TryCast(this=stripped, to=exp.DataType.build("BIGINT"))))
                    wrong = and_(present, or_(not_(shaped.copy()), _is_null(value)))
                else:
                    value = self.keep(path, exp.TryCast(this=stripped, to=exp.DataType.build("DOUBLE")))
                    wrong = and_(present, _is_null(value))
                return self._number(spec, value, present, wrong)
            if spec.kind == "bool":
                word = exp.Lower(this=d.strip(raw))
                good = exp.In(this=word, expressions=[_s("true"), _s("false")])
                value = self.keep(path, _when(good, exp.EQ(this=word.copy(), expression=_s("true"))))
                if self.prepare:
                    good = _not_null(value)
                return self._number(spec, value, present, and_(present, not_(good)))
            return self._string(spec, raw, present, exp.false())
        # native columns of the right type (checked by columns_source)
        present = _not_null(raw)
        if spec.kind == "instant":
            return _Typed(raw, present, [])
        if spec.kind == "periods":
            return self._native_periods(spec, raw, present)
        sql_type = {"int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN"}[spec.kind]
        value = raw if spec.kind == "bool" else exp.TryCast(this=raw, to=exp.DataType.build(sql_type))
        return self._number(spec, value, present, exp.false())

    def _number(self, spec: FieldSpec, value: exp.Expression, present: exp.Expression, wrong_type: exp.Expression, too_large: exp.Expression | None = None) -> _Typed:
        """``too_large``: an integer past 64 bits (NULL as a value, out of bounds as the model says)."""
        problems = [_when(wrong_type, _s(f"{spec.path}: expected {_WHAT[spec.kind]}"))]
        if spec.kind == "bool":
            return _Typed(value, present, problems)
        inside = _bounded(spec, value)
        outside = and_(_not_null(value), not_(inside))
        problems.append(_when(outside if too_large is None else or_(too_large, outside), _s(f"{spec.path}: must be {_bounds_text(spec)}")))
        return _Typed(_when(inside, value), present, problems)

    # -- sensitive periods -------------------------------------------------------------

    def _json_periods(self, spec: FieldSpec, raw: exp.Expression, present: exp.Expression) -> _Typed:
        """A JSON array of ``{name, start, end}`` (DuckDB only): each element checked, with its index."""
        d = self.dialect
        path = spec.path
        is_array = json_starts(raw, "[")
        items = self.keep(f"{path}.items", call("json_extract", _when(is_array, raw), _s("$[*]")))
        e, i = exp.column("__e"), exp.column("__i")
        where = exp.Concat(expressions=[_s(f"{path}["), exp.cast(i - _n(1), "VARCHAR"), _s("]")], safe=False, coalesce=False)
        etype = call("json_type", e)
        is_obj = exp.EQ(this=etype, expression=_s("OBJECT"))
        name_t = call("json_type", exp.JSONExtract(this=e, expression=_s("$.name")))
        name = call("json_extract_string", e, _s("$.name"))
        not_known = not_(exp.In(this=exp.column("__k"), expressions=[_s(k) for k in PERIOD_KEYS]))
        unknown = call("list_filter", call("json_keys", e), _lam1("__k", not_known))
        checks: list[exp.Expression] = [
            _when(not_(is_obj), exp.Concat(expressions=[where, _s(": expected an object {name, start, end}")], safe=False, coalesce=False)),
            _when(
                and_(is_obj, exp.GT(this=d.list_size(unknown), expression=_n(0))),
                exp.Concat(expressions=[where, _s(": unknown field (a period has name, start, end)")], safe=False, coalesce=False),
            ),
            _when(
                and_(is_obj, or_(exp.NEQ(this=exp.Coalesce(this=name_t, expressions=[_s("NULL")]), expression=_s("VARCHAR")), not_(exp.Between(this=d.length(d.strip(name)), low=_n(1), high=_n(TEXT_MAX))))),
                exp.Concat(expressions=[where, _s(f".name: required, 1 to {TEXT_MAX} characters")], safe=False, coalesce=False),
            ),
        ]
        bounds: dict[str, exp.Expression] = {}
        for key in ("start", "end"):
            text = exp.JSONExtract(this=e, expression=_s(f"$.{key}"))
            ktype = exp.Coalesce(this=call("json_type", text), expressions=[_s("NULL")])
            s = call("json_extract_string", e, _s(f"$.{key}"))
            ok_text = and_(is_obj, exp.EQ(this=ktype, expression=_s("VARCHAR")))
            value, problems = self._instant_text(f"{path}[].{key}", s, ok_text, keep=False)
            bounds[key] = value
            checks.append(_when(and_(is_obj, exp.NEQ(this=ktype, expression=_s("VARCHAR"))), exp.Concat(expressions=[where, _s(f".{key}: required, a date-time text with a UTC offset")], safe=False, coalesce=False)))
            checks += [_when(_not_null(p), exp.Concat(expressions=[where, _s(": "), p], safe=False, coalesce=False)) for p in problems]
        checks.append(
            _when(exp.LTE(this=bounds["end"], expression=bounds["start"]), exp.Concat(expressions=[where, _s(": end must be after start")], safe=False, coalesce=False))
        )
        per_item = d.compact(checks)
        joined = d.join(call("flatten", call("list_transform", items, _lam2("__e", "__i", per_item))), "; ")
        # evaluated lazily (CASE): only for rows that give periods
        element_problems = self.keep(f"{path}.problems", _when(case([(present, exp.NEQ(this=joined, expression=_s("")))], exp.false()), joined.copy()))
        value = call("list_transform", items.copy(), _lam2("__e", "__i", exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(k), expression=bounds[k]) for k in ("start", "end")])))
        value = self.keep(path, value)
        problems = [_when(and_(present, not_(is_array)), _s(f"{path}: expected a list of periods {{name, start, end}}")), element_problems]
        return _Typed(value, present, problems)

    def _native_periods(self, spec: FieldSpec, raw: exp.Expression, present: exp.Expression) -> _Typed:
        d = self.dialect
        p = exp.column("__p")
        start, end = exp.Dot(this=p, expression=exp.to_identifier("start", quoted=True)), exp.Dot(this=p, expression=exp.to_identifier("end", quoted=True))
        ordered = d.all_in(raw, "__p", and_(_not_null(start), _not_null(end), exp.GT(this=end, expression=start)))
        problems = [_when(and_(present, not_(exp.Coalesce(this=ordered, expressions=[exp.true()]))), _s(f"{spec.path}: every period needs start and end date-times, end after start"))]
        return _Typed(raw, present, problems)

    # -- the whole record ------------------------------------------------------------------

    def layer(self) -> tuple[list[tuple[str, exp.Expression]], list[exp.Expression]]:
        """The typed columns (by :func:`~.rules.column_name`) and the problems: each a
        ``CASE WHEN failed THEN message END`` (:func:`problem_columns` combines them)."""
        d = self.dialect
        typed = {spec.path: self.field(spec) for spec in INCIDENT}
        customer_given = self._record_present("customer", typed)
        out: list[tuple[str, exp.Expression]] = []
        problems: list[exp.Expression] = []
        if self.source.mode == "json":
            cust = self.source.record_columns["customer"]
            is_object = json_starts(cust, "{")
            problems.append(_when(and_(_not_null(cust), exp.NEQ(this=cust.copy(), expression=_s("null")), not_(is_object)), _s("customer: expected an object")))
            unknown = self._unknown_keys(cust, "customer.", tuple(s.path.partition(".")[2] for s in INCIDENT if s.record == "customer"))
            problems.append(self.keep("customer.unknown", _when(is_object.copy(), unknown)))
        for spec in INCIDENT:
            t = typed[spec.path]
            given = customer_given if spec.record == "customer" else exp.true()
            problems += [_when(given, p) if spec.record else p for p in t.problems]
            if spec.required:
                problems.append(_when(and_(given, not_(t.present)), _s(f"{spec.path}: field required")))
            value = _when(given, t.value) if spec.record else t.value
            out.append((column_name(spec.path), value))
        # the timeline (the model's incident_timeline check), over the typed values
        started = typed["started_at"].value
        values = dict(out)
        for name in ("recovered_at", "as_of"):
            problems.append(_when(exp.LT(this=values[name], expression=started), _s(f"{name}: is before started_at")))
        end = exp.Coalesce(this=values["recovered_at"], expressions=[values["as_of"]])
        micros = exp.cast(exp.Sub(this=d.epoch_us(end), expression=d.epoch_us(started)), "DOUBLE")
        derived = exp.Div(this=exp.Div(this=micros, expression=exp.cast(_n(1_000_000), "DOUBLE"), typed=False, safe=False), expression=exp.cast(_n(60), "DOUBLE"), typed=False, safe=False)
        outage_given = typed["outage_minutes"].present
        problems.append(
            _when(
                and_(not_(outage_given), _is_null(values["recovered_at"]), _is_null(values["as_of"]), not_(typed["recovered_at"].present), not_(typed["as_of"].present)),
                _s("outage unknown: give outage_minutes, recovered_at or as_of"),
            )
        )
        out = [(n, case([(outage_given, values["outage_minutes"])], derived) if n == "outage_minutes" else v) for n, v in out]
        return out, problems

    def _record_present(self, record: str, typed: dict[str, _Typed]) -> exp.Expression:
        column = self.source.record_columns.get(record)
        if self.source.mode == "json" and column is not None:
            return json_starts(column, "{")
        tests = [typed[s.path].present for s in INCIDENT if s.record == record and s.path in self.source.fields]
        if column is not None:
            tests.append(_not_null(column))
        return or_(*tests) if tests else exp.false()

    def _unknown_keys(self, obj: exp.Expression, prefix: str, known: tuple[str, ...]) -> exp.Expression:
        d = self.dialect
        unknown = call("list_filter", call("json_keys", obj), _lam1("__k", not_(exp.In(this=exp.column("__k"), expressions=[_s(k) for k in known]))))
        joined = d.join(unknown, ", ")
        return _when(exp.GT(this=d.list_size(unknown), expression=_n(0)), exp.Concat(expressions=[_s(f"{prefix or ''}unknown field(s): "), joined], safe=False, coalesce=False))


def _lam1(var: str, body: exp.Expression) -> exp.Lambda:
    return exp.Lambda(this=body, expressions=[exp.to_identifier(var)])


def _lam2(a: str, b: str, body: exp.Expression) -> exp.Lambda:
    return exp.Lambda(this=body, expressions=[exp.to_identifier(a), exp.to_identifier(b)])


PROBLEM_SEPARATOR = "\x1f"  # between a row's problems in ``__problems`` (messages may hold "; ")


def _failed(problem: exp.Expression) -> exp.Expression:
    """The condition of a ``CASE WHEN c THEN (CASE WHEN d THEN m END) END`` problem: c AND d
    (a message chosen by a CASE with an ELSE is a message, not a nested problem); a column
    (a message kept by :meth:`ColumnChecker.keep`) has failed where it is not NULL."""
    if isinstance(problem, exp.Column):
        return _not_null(problem.copy())
    assert isinstance(problem, exp.Case) and len(problem.args["ifs"]) == 1 and problem.args.get("default") is None
    branch = problem.args["ifs"][0]
    then = branch.args["true"]
    if isinstance(then, exp.Column) or (isinstance(then, exp.Case) and then.args.get("default") is None and len(then.args["ifs"]) == 1):
        return case([(branch.this, _failed(then))], exp.false())
    return branch.this


def problem_columns(problems: list[exp.Expression], dialect: Dialect) -> tuple[exp.Expression, exp.Expression]:
    """``__valid`` (no check failed; a CASE chain, so each check runs only while none has
    failed) and ``__problems`` (the messages joined, built for invalid rows only)."""
    valid = case([(_failed(problem), exp.false()) for problem in problems], exp.true()) if problems else exp.true()
    text = call("concat_ws", _s(PROBLEM_SEPARATOR), *problems) if problems else exp.null()
    return valid, case([(not_(exp.column("__valid", quoted=True)), text)])
