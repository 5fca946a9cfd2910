"""Stage 3: is a well-formed ruleset also well-founded?

Checks every reference a ruleset makes — fields, operators against field types, levels,
roles, steps, evidence forms, channels, windows, calendars, derived values — and reports
each problem at the key that holds it. Nothing here evaluates a fact.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from pydantic import TypeAdapter, ValidationError

from .. import clock
from ..errors import Problem
from ..facts.fields import INCIDENT_FIELDS, OPERATION_FIELDS, FieldType
from ..facts.models import CHANNELS, EVIDENCE_FORMS
from ..facts.schema import FactSchema, FieldSpec
from ..source import SourceDocument, SourcePath, problems_from_validation
from .document import (
    AllOf,
    AnyOf,
    AuthorizationDocument,
    CalendarDocument,
    Compare,
    Condition,
    DerivedValue,
    Document,
    GradingDocument,
    HasApproval,
    InSensitivePeriod,
    InWindow,
    LocalTime,
    NotOf,
    Table,
    UnrecoveredEscalation,
)

_DOCUMENT = TypeAdapter(Document)

Path = SourcePath


@dataclass
class _Scope:
    """What names a condition may refer to, and where problems go."""

    source: SourceDocument
    fields: dict[str, FieldType]
    steps: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    uses: dict[str, Path] = field(default_factory=dict)  # condition kinds with engine needs -> first place
    schema: FactSchema | None = None

    def unknown(self, name: str) -> str:
        """Why a condition cannot name ``name``: not declared, or of a type no condition compares."""
        spec = _declared(self.schema, name) if self.schema is not None else None
        if spec is not None and spec.type == "record":
            inner = ", ".join(f"{name}.{k}" for k in (spec.fields or {}))
            return f"{name!r} is a record; a condition names one of its fields ({inner})"
        if spec is not None and spec.type == "list":
            return f"{name!r} is a list of records; no condition compares it (has_approval reads approvals)"
        return f"unknown field {name!r}{_suggest(name, self.fields)}"

    def report(self, path: Path, message: str) -> None:
        self.problems.append(self.source.problem(path, message))


def parse_document(source: SourceDocument) -> tuple[Any, list[Problem]]:
    """Type-check the document's shape. Returns the model, or ``None`` and the problems."""
    if not isinstance(source.data, dict):
        return None, [source.problem((), "a ruleset file is a mapping with asprules, kind and id at the top")]
    try:
        return _DOCUMENT.validate_python(source.data), []
    except ValidationError as exc:
        return None, problems_from_validation(exc, source)


def check_document(
    source: SourceDocument, document: Any, schema: FactSchema | None = None, inputs: dict[str, FieldType] | None = None
) -> list[Problem]:
    """Every reference problem in one parsed document; rules are checked against the
    catalog of ``schema``, the fact schema it decides on (default: the handbook's), and
    ``inputs``: the fields the decisions a grading ruleset ``requires`` give it."""
    if isinstance(document, GradingDocument):
        scope = _Scope(source, {}, schema=schema)
        base = INCIDENT_FIELDS if schema is None else schema.catalog
        problems = _check_grading(source, document, {**base, **(inputs or {})}, scope)
        problems += [] if schema is None else _check_needs(scope, document, schema)
    elif isinstance(document, AuthorizationDocument):
        scope = _Scope(source, {}, schema=schema)
        problems = _check_authorization(source, document, OPERATION_FIELDS if schema is None else schema.catalog, scope)
        problems += [] if schema is None else _check_needs(scope, document, schema)
    elif isinstance(document, CalendarDocument):
        problems = _check_calendar(source, document)
    else:
        raise TypeError(type(document))
    return problems + check_cites(source, document.cite_pattern)


def check_cites(source: SourceDocument, pattern: str | None) -> list[Problem]:
    """With a ``cite_pattern``: every ``cite`` in the file must match it as a whole."""
    if pattern is None:
        return []
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return [source.problem(("cite_pattern",), f"cite_pattern is not a regular expression: {exc}")]
    out: list[Problem] = []
    for path, cite in _cites(source.data, ()):
        if not (isinstance(cite, str) and compiled.fullmatch(cite)):
            out.append(source.problem(path, f"cite {cite!r} does not follow this file's cite_pattern {pattern!r}"))
    return out


def _cites(node: Any, path: Path) -> Iterable[tuple[Path, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "cite":
                yield path + (key,), value
            else:
                yield from _cites(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _cites(value, path + (i,))


# --- shared -----------------------------------------------------------------------------


def _check_unique_ids(scope: _Scope, entries: Iterable[tuple[Path, str]]) -> None:
    seen: dict[str, Path] = {}
    for path, ident in entries:
        if ident in seen:
            line = (scope.source.locate(seen[ident]) or (None,))[0]
            scope.report(path + ("id",), f"duplicate id {ident!r} (first defined at line {line})")
        else:
            seen[ident] = path


def _check_defaults(scope: _Scope, defaults) -> None:
    if defaults.timezone is not None:
        try:
            clock.zone(defaults.timezone.value)
        except ValueError as exc:
            scope.report(("defaults", "timezone", "value"), str(exc))
    if defaults.maintenance_window is not None:
        try:
            clock.parse_window(defaults.maintenance_window.value)
        except ValueError as exc:
            scope.report(("defaults", "maintenance_window", "value"), str(exc))


def _check_derived(scope: _Scope, derived: dict[str, DerivedValue], base: dict[str, FieldType]) -> None:
    for name, value in derived.items():
        path: Path = ("derived", name)
        if name in base:
            scope.report(path, f"derived value {name!r} shadows a fact field")
        op, operands = value.operation
        for i, operand in enumerate(operands):
            if isinstance(operand, bool):
                scope.report(path + (op, i), "operands are numbers or field names, not booleans")
            elif isinstance(operand, str):
                ftype = scope.fields.get(operand)
                if ftype is None and operand not in derived:
                    scope.report(path + (op, i), f"unknown field {operand!r}")
                elif ftype is not None and ftype.kind != "number":
                    scope.report(path + (op, i), f"field {operand!r} is {ftype.kind}, not a number")
            elif op == "div" and i > 0 and operand == 0:
                scope.report(path + (op, i), "division by zero")
    # a cycle would recurse forever when compiled
    for name in derived:
        chain = [name]
        while True:
            nxt = [o for o in derived[chain[-1]].operation[1] if isinstance(o, str) and o in derived]
            if not nxt:
                break
            if any(n in chain for n in nxt):
                scope.report(("derived", name), f"derived values form a cycle through {name!r}")
                break
            chain.append(nxt[0])
            if len(chain) > len(derived):
                break


def with_derived(fields: dict[str, FieldType], derived: dict[str, DerivedValue]) -> dict[str, FieldType]:
    out = dict(fields)
    for name in derived:
        out.setdefault(name, FieldType("number"))
    return out


_ORDERING = {"lt", "le", "gt", "ge", "between"}


def check_condition(scope: _Scope, cond: Condition, path: Path) -> None:
    if isinstance(cond, AllOf):
        for i, c in enumerate(cond.all):
            check_condition(scope, c, path + ("all", i))
    elif isinstance(cond, AnyOf):
        for i, c in enumerate(cond.any):
            check_condition(scope, c, path + ("any", i))
    elif isinstance(cond, NotOf):
        check_condition(scope, cond.not_, path + ("not",))
    elif isinstance(cond, Compare):
        _check_compare(scope, cond, path)
    elif isinstance(cond, LocalTime):
        scope.uses.setdefault("local_time", path)
        _check_instant(scope, cond.local_time.field, path + ("local_time", "field"))
        _check_window_text(scope, cond.local_time.within, path + ("local_time", "within"))
    elif isinstance(cond, InWindow):
        scope.uses.setdefault("in_window" if cond.in_window.window is not None else "in_window_default", path)
        _check_instant(scope, cond.in_window.start, path + ("in_window", "start"))
        _check_instant(scope, cond.in_window.end, path + ("in_window", "end"))
        if cond.in_window.window is not None:
            _check_window_text(scope, cond.in_window.window, path + ("in_window", "window"))
    elif isinstance(cond, InSensitivePeriod):
        spec = cond.in_sensitive_period
        scope.uses.setdefault("in_sensitive_period", path)
        for key in ("field", "start", "end"):
            if getattr(spec, key) is not None:
                _check_instant(scope, getattr(spec, key), path + ("in_sensitive_period", key))
    elif isinstance(cond, HasApproval):
        scope.uses.setdefault("has_approval", path)
        spec = cond.has_approval
        for key in ("roles", "evidence"):
            if getattr(spec, key) == []:
                # an empty list would accept nothing (a constraint's `unless` never holds,
                # a `not` always does): never what was meant, so say it at load time
                scope.report(
                    path + ("has_approval", key),
                    f"{key}: [] lets no approval qualify, so this condition never holds; leave {key} out to accept any {key[:-1] if key == 'roles' else key}",
                )
        _check_approval_refs(scope, spec.step, spec.roles, spec.evidence, path + ("has_approval",))


def _check_instant(scope: _Scope, name: str, path: Path) -> None:
    ftype = scope.fields.get(name)
    if ftype is None:
        scope.report(path, scope.unknown(name))
    elif ftype.kind != "instant":
        scope.report(path, f"field {name!r} is {ftype.kind}, not a date-time")


def _check_window_text(scope: _Scope, text: str, path: Path) -> None:
    try:
        clock.parse_window(text)
    except ValueError as exc:
        scope.report(path, str(exc))


def _check_approval_refs(scope: _Scope, step, roles, evidence, path: Path) -> None:
    if not scope.steps:
        scope.report(path, "has_approval is only meaningful in an authorization ruleset")
        return
    if step is not None and step not in scope.steps:
        scope.report(path + ("step",), f"undefined step {step!r}; defined: {', '.join(sorted(scope.steps))}")
    for i, role in enumerate(roles or ()):
        if role not in scope.roles:
            scope.report(path + ("roles", i), f"undefined role {role!r}; defined: {', '.join(sorted(scope.roles))}")
    _check_forms(scope, evidence or (), path + ("evidence",))


def _check_forms(scope: _Scope, forms, path: Path) -> None:
    for i, form in enumerate(forms):
        if form not in EVIDENCE_FORMS:
            scope.report(path + (i,), f"evidence form {form!r} is not in the fact schema ({', '.join(EVIDENCE_FORMS)})")


def _suggest(name: str, names: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(names), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_compare(scope: _Scope, cond: Compare, path: Path) -> None:
    ftype = scope.fields.get(cond.field)
    if ftype is None:
        scope.report(path + ("field",), scope.unknown(cond.field))
        return
    op, operand = cond.operator, cond.operand
    at = path + (op,)
    if op == "present":
        return
    if op == "contains_any":
        if ftype.kind != "list":
            scope.report(at, f"contains_any needs a list field; {cond.field!r} is {ftype.kind}")
        else:
            _check_members(scope, operand, ftype, at)
        return
    if ftype.kind == "list":
        scope.report(at, f"{cond.field!r} is a list; compare it with contains_any")
        return
    if op in _ORDERING:
        if ftype.kind != "number":
            scope.report(at, f"{op} needs a number field; {cond.field!r} is {ftype.kind}")
        elif op == "between" and operand[0] > operand[1]:
            scope.report(at, f"between [{operand[0]}, {operand[1]}] is empty: low bound above high bound")
        return
    values = operand if op in ("in", "not_in") else [operand]
    for i, value in enumerate(values):
        sub = at + (i,) if op in ("in", "not_in") else at
        if not _fits(value, ftype):
            scope.report(sub, f"{value!r} cannot be a value of {cond.field!r} ({ftype.describe()})")


def _check_members(scope: _Scope, values, ftype: FieldType, path: Path) -> None:
    for i, value in enumerate(values):
        if value not in ftype.values:
            scope.report(path + (i,), f"{value!r} is not one of {', '.join(ftype.values)}")


def _fits(value: Any, ftype: FieldType) -> bool:
    if ftype.kind == "bool":
        return isinstance(value, bool)
    if ftype.kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if ftype.kind == "enum":
        return isinstance(value, str) and value in ftype.values
    if ftype.kind == "text":
        return isinstance(value, str)
    return False  # instants are compared through the time conditions


# --- grading ----------------------------------------------------------------------------


def _check_grading(source: SourceDocument, doc: GradingDocument, base: dict[str, FieldType], scope: _Scope) -> list[Problem]:
    scope.fields = with_derived(base, doc.derived)
    _check_defaults(scope, doc.defaults)
    _check_derived(scope, doc.derived, base)
    _check_unique_ids(scope, ((("levels", i), lv.id) for i, lv in enumerate(doc.levels)))
    levels = {lv.id for lv in doc.levels}
    if not doc.levels and not doc.outputs:
        scope.report(("levels",), "a grading ruleset declares levels (at least two), or outputs")
    elif len(doc.levels) == 1:
        scope.report(("levels",), "declare at least two levels (or none, when the ruleset declares outputs)")
    elif doc.levels and not any(lv.major for lv in doc.levels):
        scope.report(("levels",), "no level is a major fault (major: true)")
    _check_outputs(scope, doc)

    def level_ref(path: Path, ident: str | None) -> None:
        if ident is not None and ident not in levels:
            scope.report(path, f"undefined level {ident!r}; defined: {', '.join(lv.id for lv in doc.levels)}")

    rule_ids: list[tuple[Path, str]] = []
    _check_unique_ids(scope, ((("tables", i), t.id) for i, t in enumerate(doc.tables)))
    for li, lv in enumerate(doc.levels):
        for oi, ob in enumerate(lv.obligations):
            opath: Path = ("levels", li, "obligations", oi)
            rule_ids.append((opath, ob.id))
            if ob.from_ != "graded":
                if ob.from_ not in scope.fields:
                    scope.report(opath + ("from",), f"{scope.unknown(ob.from_)}; or 'graded': the moment of grading")
                elif scope.fields[ob.from_].kind != "instant":
                    scope.report(opath + ("from",), f"field {ob.from_!r} is {scope.fields[ob.from_].kind}, not a time")
    for ti, table in enumerate(doc.tables):
        tpath: Path = ("tables", ti)
        if doc.levels:
            _check_policy(scope, table, tpath)
        else:
            _check_output_policy(scope, doc, table, tpath)
        for ri, row in enumerate(table.rows):
            _check_row_outputs(scope, doc, row.outputs, tpath + ("rows", ri, "outputs"))
        level_ref(tpath + ("default",), table.default)
        for bi, band in enumerate(table.bands or ()):
            level_ref(tpath + ("bands", bi, "level"), band.level)
        if table.applies_when is not None:
            check_condition(scope, table.applies_when, tpath + ("applies_when",))
        for ri, row in enumerate(table.rows):
            rpath = tpath + ("rows", ri)
            rule_ids.append((rpath, row.id))
            level_ref(rpath + ("level",), row.level)
            check_condition(scope, row.when, rpath + ("when",))
    for ai, adj in enumerate(doc.adjustments):
        apath: Path = ("adjustments", ai)
        rule_ids.append((apath, adj.id))
        check_condition(scope, adj.when, apath + ("when",))
        level_ref(apath + ("cap",), adj.cap)
        level_ref(apath + ("floor",), adj.floor)
        for i, lv in enumerate(adj.applies_to or ()):
            level_ref(apath + ("applies_to", i), lv)
        order = [lv.id for lv in doc.levels]
        if adj.cap in levels and adj.floor in levels and order.index(adj.cap) > order.index(adj.floor):
            scope.report(apath + ("cap",), f"cap {adj.cap!r} is less severe than floor {adj.floor!r}")
    for kind, rules in (("unrecovered", doc.escalations.unrecovered), ("repeat_faults", doc.escalations.repeat_faults)):
        for ei, esc in enumerate(rules):
            epath: Path = ("escalations", kind, ei)
            rule_ids.append((epath, esc.id))
            level_ref(epath + ("cap",), esc.cap)
            if isinstance(esc, UnrecoveredEscalation):
                level_ref(epath + ("level",), esc.level)
            else:
                for i, lv in enumerate(esc.applies_to or ()):
                    level_ref(epath + ("applies_to", i), lv)
    _check_unique_ids(scope, rule_ids)
    return scope.problems


OUTPUT_KINDS = {"text": "text", "number": "number", "boolean": "bool", "list": "list"}


def output_field(output) -> FieldType:
    """The field type a declared output has when a chained decision reads it."""
    if output.type == "text" and output.allowed:
        return FieldType("enum", tuple(str(v) for v in output.allowed), optional=True)
    if output.type == "list":
        return FieldType("list", tuple(str(v) for v in output.allowed or ()), optional=True)
    return FieldType(OUTPUT_KINDS[output.type], optional=True)  # type: ignore[arg-type]


def _type_fits(kind: str, value: Any) -> str | None:
    if kind == "text" and not isinstance(value, str):
        return f"{value!r} is not text"
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"{value!r} is not a number"
    if kind == "boolean" and not isinstance(value, bool):
        return f"{value!r} is not a boolean"
    if kind == "list" and not isinstance(value, list):
        return f"{value!r} is not a list"
    return None


def output_value_fits(output, value: Any) -> str | None:
    """Why ``value`` cannot be a value of ``output``, or ``None`` when it can."""
    why = _type_fits(output.type, value)
    if why is not None or output.allowed is None:
        return why
    members = value if output.type == "list" else [value]
    bad = [v for v in members if v not in output.allowed]
    if bad:
        return f"{bad[0]!r} is not one of the allowed values {', '.join(map(repr, output.allowed))}"
    return None


def _check_outputs(scope: _Scope, doc: GradingDocument) -> None:
    _check_unique_ids(scope, ((("outputs", i), o.id) for i, o in enumerate(doc.outputs)))
    for i, out in enumerate(doc.outputs):
        path: Path = ("outputs", i)
        if out.id == "level":
            scope.report(path + ("id",), "output id 'level' is taken: a chained decision reads the level as ID.level")
        if out.type != "list":
            for k, value in enumerate(out.allowed or ()):
                why = _type_fits(out.type, value)
                if why is not None:
                    scope.report(path + ("allowed", k), f"{why} (output {out.id!r} is {out.type})")
        if out.default is not None:
            why = output_value_fits(out, out.default)
            if why is not None:
                scope.report(path + ("default",), f"default of output {out.id!r}: {why}")


def _check_row_outputs(scope: _Scope, doc: GradingDocument, given: dict | None, path: Path) -> None:
    declared = {o.id: o for o in doc.outputs}
    for name, value in (given or {}).items():
        out = declared.get(name)
        if out is None:
            known = ", ".join(declared) or "none (declare them under outputs)"
            scope.report(path + (name,), f"undeclared output {name!r}; declared: {known}")
            continue
        why = output_value_fits(out, value)
        if why is not None:
            scope.report(path + (name,), f"output {name!r} ({out.type}): {why}")


def _check_output_policy(scope: _Scope, doc: GradingDocument, table: Table, tpath: Path) -> None:
    """A table of a ruleset without levels gives outputs only: no level, score, default or
    bands (each output declares its default); ``priority`` and ``output order`` rank by the
    first output's allowed values."""
    for key in ("default", "bands"):
        if getattr(table, key) is not None:
            scope.report(tpath + (key,), f"a ruleset without levels gives outputs only: a table has no {key} (declare the output's default)")
    for ri, row in enumerate(table.rows):
        for key in ("level", "score"):
            if getattr(row, key) is not None:
                scope.report(tpath + ("rows", ri, key), f"a ruleset without levels gives outputs only: a row has no {key}")
        if not row.outputs:
            scope.report(tpath + ("rows", ri), "every row gives at least one output")
    if table.hit_policy != "collect" and table.aggregator is not None:
        scope.report(tpath + ("aggregator",), f"an aggregator goes with hit policy collect, not {table.hit_policy}")
    if table.hit_policy in ("priority", "output_order") and doc.outputs and not doc.outputs[0].allowed:
        scope.report(tpath + ("hit_policy",), f"hit policy {table.hit_policy} ranks by the allowed values of the first output ({doc.outputs[0].id!r}), which declares none")


def _check_policy(scope: _Scope, table: Table, tpath: Path) -> None:
    """What a table's hit policy asks of it: an aggregator with ``collect`` only; rows with
    a ``level`` (or a ``score`` under ``collect sum``, nothing under ``count``); a
    ``default``, or under ``sum``/``count`` ``bands`` that cover every total once."""
    policy, aggregator = table.hit_policy, table.aggregator
    if table.gives_lists and policy != "collect":
        scope.report(tpath + ("hit_policy",), f"hit policy {policy} returns lists of outputs: only in a ruleset without levels")
        return
    if policy == "collect" and aggregator is None:
        scope.report(tpath + ("hit_policy",), "hit policy collect needs an aggregator: max, min, sum or count")
        return
    if policy != "collect" and aggregator is not None:
        scope.report(tpath + ("aggregator",), f"an aggregator goes with hit policy collect, not {policy}")
    named = f"collect {aggregator}" if policy == "collect" else policy
    for ri, row in enumerate(table.rows):
        rpath = tpath + ("rows", ri)
        if aggregator == "sum":
            if row.score is None:
                scope.report(rpath, "under collect sum every row gives a score (and no level)")
            if row.level is not None:
                scope.report(rpath + ("level",), "under collect sum a row gives a score, not a level: the bands give the level")
        elif aggregator == "count":
            for key in ("level", "score"):
                if getattr(row, key) is not None:
                    scope.report(rpath + (key,), f"under collect count a row gives no {key}: matching rows are counted and the bands give the level")
        else:
            if row.level is None:
                scope.report(rpath, f"under hit policy {named} every row gives a level")
            if row.score is not None:
                scope.report(rpath + ("score",), "a score goes with collect sum only")
    if table.banded:
        if table.default is not None:
            scope.report(tpath + ("default",), f"under collect {aggregator} the bands give the level; a default is never used")
        if not table.bands:
            scope.report(tpath, f"under collect {aggregator} the table needs bands: levels for ranges of the total")
            return
        scores = [row.score or 0 for row in table.rows] if aggregator == "sum" else [1] * len(table.rows)
        lowest = min(0, sum(x for x in scores if x < 0))
        highest = max(0, sum(x for x in scores if x > 0))
        _check_bands(scope, table, tpath, lowest, highest)
        return
    if table.default is None:
        scope.report(tpath, f"under hit policy {named} the table needs a default: the level when no row matches")
    if table.bands is not None:
        scope.report(tpath + ("bands",), "bands go with collect sum or count only")


def _check_bands(scope: _Scope, table: Table, tpath: Path, lowest: float, highest: float) -> None:
    """Bands must cover every total from ``lowest`` to ``highest`` exactly once."""
    bands = sorted(enumerate(table.bands or ()), key=lambda ib: -math.inf if ib[1].min is None else ib[1].min)
    first_index, first = bands[0]
    if first.min is not None and first.min > lowest:
        scope.report(
            tpath + ("bands", first_index, "min"),
            f"gap: totals from {lowest:g} up to {first.min:g} fall in no band (the lowest band starts at {first.min:g})",
        )
    for (ai, a), (bi, b) in zip(bands, bands[1:]):
        if b.min is None or (a.min is not None and a.min == b.min):
            scope.report(tpath + ("bands", bi, "min"), f"bands {ai} and {bi} overlap: both start at {'no lower bound' if b.min is None else format(b.min, 'g')}")
        elif a.below is not None and a.below != b.min:
            gap = a.below < b.min
            scope.report(
                tpath + ("bands", ai, "below"),
                f"{'gap' if gap else 'overlap'}: band {ai} ends below {a.below:g} but the next band starts at {b.min:g}"
                + (f"; totals from {a.below:g} up to {b.min:g} fall in no band" if gap else ""),
            )
    last_index, last = bands[-1]
    if last.below is not None and last.below <= highest:
        scope.report(
            tpath + ("bands", last_index, "below"),
            f"gap: totals from {last.below:g} up to {highest:g} fall in no band (the highest band ends below {last.below:g})",
        )
    for bi, band in enumerate(table.bands or ()):
        if band.min is not None and band.below is not None and band.below <= band.min:
            scope.report(tpath + ("bands", bi, "below"), f"band {bi} is empty: below {band.below:g} is not above min {band.min:g}")


# --- authorization ----------------------------------------------------------------------


def _check_authorization(source: SourceDocument, doc: AuthorizationDocument, base: dict[str, FieldType], scope: _Scope) -> list[Problem]:
    scope.fields = with_derived(base, doc.derived)
    scope.steps = {s.id for s in doc.steps}
    scope.roles = {r.id for r in doc.roles}
    _check_defaults(scope, doc.defaults)
    _check_derived(scope, doc.derived, base)
    _check_unique_ids(scope, ((("roles", i), r.id) for i, r in enumerate(doc.roles)))
    rule_ids: list[tuple[Path, str]] = []
    for si, step in enumerate(doc.steps):
        spath: Path = ("steps", si)
        rule_ids.append((spath, step.id))
        if step.approval is not None:
            _check_approval_refs(scope, None, step.approval.roles, step.approval.evidence, spath + ("approval",))
            for ei, ext in enumerate(step.approval.evidence_also):
                epath = spath + ("approval", "evidence_also", ei)
                check_condition(scope, ext.when, epath + ("when",))
                _check_forms(scope, ext.forms, epath + ("forms",))
        if step.notification is not None:
            for ci, channel in enumerate(step.notification.channels):
                if channel not in CHANNELS:
                    scope.report(spath + ("notification", "channels", ci), f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
    risk_ids = {rc.id for rc in doc.risk_classes}
    for ri, rc in enumerate(doc.risk_classes):
        rpath: Path = ("risk_classes", ri)
        rule_ids.append((rpath, rc.id))
        if rc.when is None and ri != len(doc.risk_classes) - 1:
            scope.report(rpath, f"risk class {rc.id!r} has no condition, so the classes after it can never match")
        if rc.when is not None:
            check_condition(scope, rc.when, rpath + ("when",))
        seen: set[str] = set()
        for ci, step_id in enumerate(rc.chain):
            if step_id not in scope.steps:
                scope.report(rpath + ("chain", ci), f"undefined step {step_id!r}; defined: {', '.join(s.id for s in doc.steps)}")
            if step_id in seen:
                scope.report(rpath + ("chain", ci), f"step {step_id!r} appears twice in the chain")
            seen.add(step_id)
    if doc.risk_classes[-1].when is not None:
        scope.report(
            ("risk_classes", len(doc.risk_classes) - 1),
            "the last risk class must have no condition (the catch-all), so that no operation goes unclassified",
        )
    for ci, con in enumerate(doc.constraints):
        cpath: Path = ("constraints", ci)
        rule_ids.append((cpath, con.id))
        check_condition(scope, con.when, cpath + ("when",))
        if con.unless is not None:
            check_condition(scope, con.unless, cpath + ("unless",))
        for i, rid in enumerate(con.applies_to or ()):
            if rid not in risk_ids:
                scope.report(cpath + ("applies_to", i), f"undefined risk class {rid!r}")
    _check_unique_ids(scope, rule_ids)
    return scope.problems


# --- calendars ----------------------------------------------------------------------------


def _check_calendar(source: SourceDocument, doc: CalendarDocument) -> list[Problem]:
    from .calendars import period_bounds  # the one place that reads period dates

    scope = _Scope(source, {})
    try:
        tz = clock.zone(doc.timezone)
    except ValueError as exc:
        scope.report(("timezone",), str(exc))
        return scope.problems
    for i, period in enumerate(doc.periods):
        try:
            period_bounds(period, tz)
        except ValueError as exc:
            scope.report(("periods", i), str(exc))
    return scope.problems


# --- what the engine itself reads of a declared fact ---------------------------------------

# A declared schema may leave out ``customer`` (the ruleset's defaults then apply); what it
# does declare of it must have the shape the engine reads. path -> (type, format, element fields)
_CUSTOMER_PARTS: dict[str, tuple[str, str | None]] = {
    "timezone": ("text", "timezone"),
    "maintenance_window": ("text", "window"),
    "sensitive_periods": ("list", None),
}
_PERIOD = {"name": "text", "start": "instant", "end": "instant"}
_APPROVAL = {"step": "text", "role": "text", "at": "instant"}
_NOTIFICATION = {"channel": "enum", "at": "instant"}


def _declared(schema: FactSchema, name: str) -> FieldSpec | None:
    fields: Any = schema.fields
    spec = None
    for part in name.split("."):
        spec = (fields or {}).get(part)
        if spec is None:
            return None
        fields = spec.fields
    return spec


def _check_needs(scope: _Scope, doc: GradingDocument | AuthorizationDocument, schema: FactSchema) -> list[Problem]:
    """Engine features a rule uses need fields of a given shape; a declared schema that
    lacks them is reported at load time, naming the rule and the schema."""
    problems: list[Problem] = []
    fields = schema.fields
    where = schema.source.file if schema.source else "bundled"

    def need(path: Path, message: str) -> None:
        problems.append(scope.source.problem(path, f"{message} (fact schema {schema.id!r}, {where})"))

    def shape(spec: FieldSpec | None, wanted: dict[str, str]) -> list[str]:
        got = (spec.fields or {}) if spec is not None else {}
        return [f"{k}: {t}" for k, t in wanted.items() if k not in got or got[k].type != t or not got[k].required]

    time_uses = [k for k in ("local_time", "in_window", "in_window_default", "in_sensitive_period") if k in scope.uses]
    customer = fields.get("customer")
    if time_uses and customer is not None:
        first = scope.uses[time_uses[0]]
        if customer.type != "record":
            need(first, f"{time_uses[0]} reads customer.timezone, but customer is {customer.type}, not a record")
        else:
            for name, (kind, fmt) in _CUSTOMER_PARTS.items():
                part = (customer.fields or {}).get(name)
                if part is None:
                    continue
                if part.type != kind or part.format != fmt or part.required:
                    need(first, f"{time_uses[0]} reads customer.{name}: it must be an optional {kind}{f' with format {fmt}' if fmt else ''}")
                elif name == "sensitive_periods" and shape(part, _PERIOD):
                    need(first, f"customer.sensitive_periods must be records of {', '.join(shape(part, _PERIOD))}")
    if not isinstance(doc, AuthorizationDocument):
        return problems
    start = fields.get("scheduled_start")
    if start is None or start.type != "instant" or not start.required:
        need(("kind",), "an authorization decides approvals against scheduled_start: declare it a required instant")
    uses_approvals = "has_approval" in scope.uses or any(s.approval for s in doc.steps)
    if uses_approvals:
        missing = shape(fields.get("approvals"), _APPROVAL) if fields.get("approvals") and fields["approvals"].type == "list" else ["a list of records"]
        if missing:
            need(("steps",), f"approval steps read approvals, which must be a list of records with {', '.join(missing)}")
    if any(s.notification for s in doc.steps):
        notes = fields.get("notifications")
        missing = shape(notes, _NOTIFICATION) if notes and notes.type == "list" else ["a list of records"]
        if missing:
            need(("steps",), f"notification steps read notifications, which must be a list of records with {', '.join(missing)}")
    if any(s.qualification for s in doc.steps):
        engineer = fields.get("engineer")
        qual = (engineer.fields or {}).get("qualification") if engineer and engineer.type == "record" else None
        if engineer is None or not engineer.required or qual is None or qual.type != "integer" or not qual.required:
            need(("steps",), "qualification steps read engineer.qualification: declare engineer a required record with a required integer qualification")
    return problems
