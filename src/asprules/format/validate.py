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

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from .. import clock
from ..errors import Problem
from ..facts.fields import INCIDENT_FIELDS, OPERATION_FIELDS, FieldType
from ..facts.models import CHANNELS, EVIDENCE_FORMS
from ..facts.schema import FactSchema, FieldSpec
from ..i18n import Said, reason, said
from ..source import SourceDocument, SourcePath, problems_from_validation
from .document import (
    AllOf,
    AnyOf,
    AuthorizationDocument,
    CalendarDocument,
    Compare,
    CustomerRegistry,
    Period,
    Condition,
    DerivedValue,
    GradingDocument,
    HasApproval,
    InSensitivePeriod,
    InWindow,
    KIND_ERROR,
    KINDS,
    LocalTime,
    NotOf,
    Table,
    UnrecoveredEscalation,
)

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

    def unknown(self, name: str) -> Said:
        """Why a condition cannot name ``name``: not declared, or of a type no condition compares."""
        spec = _declared(self.schema, name) if self.schema is not None else None
        if spec is not None and spec.type == "record":
            inner = ", ".join(f"{name}.{k}" for k in (spec.fields or {}))
            return said("problem.record_field", name=name, fields=inner)
        if spec is not None and spec.type == "list":
            return said("problem.list_of_records_field", name=name)
        return said("problem.unknown_field", name=name, hint=_suggest(name, self.fields))

    def report(self, path: Path, message: str | Said) -> None:
        self.problems.append(self.source.problem(path, message))


def parse_document(source: SourceDocument) -> tuple[Any, list[Problem]]:
    """Type-check the document's shape. Returns the model, or ``None`` and the problems."""
    if not isinstance(source.data, dict):
        return None, [source.problem((), said("problem.not_a_ruleset_mapping"))]
    kind = source.data.get("kind")
    model = KINDS.get(kind) if isinstance(kind, str) else None
    try:
        if model is None:  # the error the union of the kinds gives (its discriminator's)
            raise ValidationError.from_exception_data(
                "Document", [{"type": PydanticCustomError(*KIND_ERROR), "loc": (), "input": source.data}]
            )
        return model.model_validate(source.data), []
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
    elif isinstance(document, CustomerRegistry):
        problems = _check_registry(source, document)
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
        return [source.problem(("cite_pattern",), said("problem.bad_cite_pattern", error=str(exc)))]
    out: list[Problem] = []
    for path, cite in _cites(source.data, ()):
        if not (isinstance(cite, str) and compiled.fullmatch(cite)):
            out.append(source.problem(path, said("problem.cite_off_pattern", cite=repr(cite), pattern=pattern)))
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
            scope.report(path + ("id",), said("problem.duplicate_id", ident=ident, line=line))
        else:
            seen[ident] = path


def _check_defaults(scope: _Scope, defaults) -> None:
    if defaults.timezone is not None:
        try:
            clock.zone(defaults.timezone.value)
        except ValueError as exc:
            scope.report(("defaults", "timezone", "value"), reason(exc))
    if defaults.maintenance_window is not None:
        try:
            clock.parse_window(defaults.maintenance_window.value)
        except ValueError as exc:
            scope.report(("defaults", "maintenance_window", "value"), reason(exc))


def _check_derived(scope: _Scope, derived: dict[str, DerivedValue], base: dict[str, FieldType]) -> None:
    for name, value in derived.items():
        path: Path = ("derived", name)
        if name in base:
            scope.report(path, said("problem.derived_shadows", name=name))
        op, operands = value.operation
        for i, operand in enumerate(operands):
            if isinstance(operand, bool):
                scope.report(path + (op, i), said("problem.boolean_operand"))
            elif isinstance(operand, str):
                ftype = scope.fields.get(operand)
                if ftype is None and operand not in derived:
                    scope.report(path + (op, i), said("problem.unknown_field", name=operand, hint=""))
                elif ftype is not None and ftype.kind != "number":
                    scope.report(path + (op, i), said("problem.not_a_number_field", name=operand, kind=ftype.kind))
            elif op == "div" and i > 0 and operand == 0:
                scope.report(path + (op, i), said("problem.division_by_zero"))
    # A cycle would recurse forever when compiled. One depth-first walk over every operand
    # (not only the first), iterative so that a chain of thousands stays within the stack:
    # linear in the derived values and their operands.
    for cycle in _cycles({name: [o for o in value.operation[1] if isinstance(o, str) and o in derived] for name, value in derived.items()}):
        shown = " → ".join(repr(n) for n in cycle + [cycle[0]])
        scope.report(("derived", cycle[0]), said("problem.derived_cycle", name=cycle[0], cycle=shown))


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """One cycle (its members in order) for every back edge a depth-first walk meets."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    found: list[list[str]] = []
    for root in graph:
        if root in state:
            continue
        path: list[str] = [root]
        state[root] = 1
        stack = [iter(graph[root])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                state[path.pop()] = 2
                continue
            mark = state.get(nxt)
            if mark == 1:
                found.append(path[path.index(nxt):])
            elif mark is None:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(graph[nxt]))
    return found


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
                    said("problem.empty_approval_list", key=key, what=key[:-1] if key == "roles" else key),
                )
        _check_approval_refs(scope, spec.step, spec.roles, spec.evidence, path + ("has_approval",))


def _check_instant(scope: _Scope, name: str, path: Path) -> None:
    ftype = scope.fields.get(name)
    if ftype is None:
        scope.report(path, scope.unknown(name))
    elif ftype.kind != "instant":
        scope.report(path, said("problem.not_an_instant_field", name=name, kind=ftype.kind))


def _check_window_text(scope: _Scope, text: str, path: Path) -> None:
    try:
        clock.parse_window(text)
    except ValueError as exc:
        scope.report(path, reason(exc))


def _check_approval_refs(scope: _Scope, step, roles, evidence, path: Path) -> None:
    if not scope.steps:
        scope.report(path, said("problem.has_approval_outside"))
        return
    if step is not None and step not in scope.steps:
        scope.report(path + ("step",), said("problem.undefined_step", step=step, defined=", ".join(sorted(scope.steps))))
    for i, role in enumerate(roles or ()):
        if role not in scope.roles:
            scope.report(path + ("roles", i), said("problem.undefined_role", role=role, defined=", ".join(sorted(scope.roles))))
    _check_forms(scope, evidence or (), path + ("evidence",))


def _check_forms(scope: _Scope, forms, path: Path) -> None:
    for i, form in enumerate(forms):
        if form not in EVIDENCE_FORMS:
            scope.report(path + (i,), said("problem.unknown_evidence_form", form=form, forms=", ".join(EVIDENCE_FORMS)))


def _suggest(name: str, names: Iterable[str]) -> Said | str:
    import difflib

    close = difflib.get_close_matches(name, list(names), n=1)
    return said("problem.did_you_mean", name=close[0]) if close else ""


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
            scope.report(at, said("problem.contains_any_needs_list", name=cond.field, kind=ftype.kind))
        else:
            _check_members(scope, operand, ftype, at)
        return
    if ftype.kind == "list":
        scope.report(at, said("problem.list_needs_contains_any", name=cond.field))
        return
    if op in _ORDERING:
        if ftype.kind != "number":
            scope.report(at, said("problem.ordering_needs_number", op=op, name=cond.field, kind=ftype.kind))
        elif op == "between" and operand[0] > operand[1]:
            scope.report(at, said("problem.empty_between", low=operand[0], high=operand[1]))
        return
    values = operand if op in ("in", "not_in") else [operand]
    for i, value in enumerate(values):
        sub = at + (i,) if op in ("in", "not_in") else at
        if not _fits(value, ftype):
            scope.report(sub, said("problem.not_a_value_of", value=repr(value), name=cond.field, type=ftype.describe()))


def _check_members(scope: _Scope, values, ftype: FieldType, path: Path) -> None:
    for i, value in enumerate(values):
        if value not in ftype.values:
            scope.report(path + (i,), said("problem.not_a_member", value=repr(value), values=", ".join(ftype.values)))


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
        scope.report(("levels",), said("problem.no_levels"))
    elif len(doc.levels) == 1:
        scope.report(("levels",), said("problem.one_level"))
    elif doc.levels and not any(lv.major for lv in doc.levels):
        scope.report(("levels",), said("problem.no_major_level"))
    _check_outputs(scope, doc)

    def level_ref(path: Path, ident: str | None) -> None:
        if ident is not None and ident not in levels:
            scope.report(path, said("problem.undefined_level", level=ident, defined=", ".join(lv.id for lv in doc.levels)))

    rule_ids: list[tuple[Path, str]] = []
    _check_unique_ids(scope, ((("tables", i), t.id) for i, t in enumerate(doc.tables)))
    for li, lv in enumerate(doc.levels):
        for oi, ob in enumerate(lv.obligations):
            opath: Path = ("levels", li, "obligations", oi)
            rule_ids.append((opath, ob.id))
            if ob.from_ != "graded":
                if ob.from_ not in scope.fields:
                    scope.report(opath + ("from",), said("problem.unknown_from", why=scope.unknown(ob.from_)))
                elif scope.fields[ob.from_].kind != "instant":
                    scope.report(opath + ("from",), said("problem.not_a_time_field", name=ob.from_, kind=scope.fields[ob.from_].kind))
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
            scope.report(apath + ("cap",), said("problem.cap_below_floor", cap=adj.cap, floor=adj.floor))
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


def _type_fits(kind: str, value: Any) -> Said | None:
    if kind == "text" and not isinstance(value, str):
        return said("problem.value_not_text", value=repr(value))
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return said("problem.value_not_number", value=repr(value))
    if kind == "boolean" and not isinstance(value, bool):
        return said("problem.value_not_boolean", value=repr(value))
    if kind == "list" and not isinstance(value, list):
        return said("problem.value_not_list", value=repr(value))
    return None


def output_value_fits(output, value: Any) -> Said | None:
    """Why ``value`` cannot be a value of ``output``, or ``None`` when it can."""
    why = _type_fits(output.type, value)
    if why is not None or output.allowed is None:
        return why
    members = value if output.type == "list" else [value]
    bad = [v for v in members if v not in output.allowed]
    if bad:
        return said("problem.value_not_allowed", value=repr(bad[0]), allowed=", ".join(map(repr, output.allowed)))
    return None


def _check_outputs(scope: _Scope, doc: GradingDocument) -> None:
    _check_unique_ids(scope, ((("outputs", i), o.id) for i, o in enumerate(doc.outputs)))
    for i, out in enumerate(doc.outputs):
        path: Path = ("outputs", i)
        if out.id == "level":
            scope.report(path + ("id",), said("problem.output_named_level"))
        if out.type != "list":
            for k, value in enumerate(out.allowed or ()):
                why = _type_fits(out.type, value)
                if why is not None:
                    scope.report(path + ("allowed", k), said("problem.allowed_of_type", why=why, output=out.id, type=out.type))
        if out.default is not None:
            why = output_value_fits(out, out.default)
            if why is not None:
                scope.report(path + ("default",), said("problem.bad_output_default", output=out.id, why=why))


def _check_row_outputs(scope: _Scope, doc: GradingDocument, given: dict | None, path: Path) -> None:
    declared = {o.id: o for o in doc.outputs}
    for name, value in (given or {}).items():
        out = declared.get(name)
        if out is None:
            if declared:
                scope.report(path + (name,), said("problem.undeclared_output", name=name, declared=", ".join(declared)))
            else:
                scope.report(path + (name,), said("problem.undeclared_output_none", name=name))
            continue
        why = output_value_fits(out, value)
        if why is not None:
            scope.report(path + (name,), said("problem.bad_output_value", name=name, type=out.type, why=why))


def _check_output_policy(scope: _Scope, doc: GradingDocument, table: Table, tpath: Path) -> None:
    """A table of a ruleset without levels gives outputs only: no level, score, default or
    bands (each output declares its default); ``priority`` and ``output order`` rank by the
    first output's allowed values."""
    for key in ("default", "bands"):
        if getattr(table, key) is not None:
            scope.report(tpath + (key,), said("problem.outputs_table_key", key=key))
    for ri, row in enumerate(table.rows):
        for key in ("level", "score"):
            if getattr(row, key) is not None:
                scope.report(tpath + ("rows", ri, key), said("problem.outputs_row_key", key=key))
        if not row.outputs:
            scope.report(tpath + ("rows", ri), said("problem.row_without_output"))
    if table.hit_policy != "collect" and table.aggregator is not None:
        scope.report(tpath + ("aggregator",), said("problem.aggregator_without_collect", policy=table.hit_policy))
    if table.hit_policy in ("priority", "output_order") and doc.outputs and not doc.outputs[0].allowed:
        scope.report(tpath + ("hit_policy",), said("problem.policy_needs_allowed", policy=table.hit_policy, output=doc.outputs[0].id))


def _check_policy(scope: _Scope, table: Table, tpath: Path) -> None:
    """What a table's hit policy asks of it: an aggregator with ``collect`` only; rows with
    a ``level`` (or a ``score`` under ``collect sum``, nothing under ``count``); a
    ``default``, or under ``sum``/``count`` ``bands`` that cover every total once."""
    policy, aggregator = table.hit_policy, table.aggregator
    if table.gives_lists and policy != "collect":
        scope.report(tpath + ("hit_policy",), said("problem.list_policy_with_levels", policy=policy))
        return
    if policy == "collect" and aggregator is None:
        scope.report(tpath + ("hit_policy",), said("problem.collect_needs_aggregator"))
        return
    if policy != "collect" and aggregator is not None:
        scope.report(tpath + ("aggregator",), said("problem.aggregator_without_collect", policy=policy))
    named = f"collect {aggregator}" if policy == "collect" else policy
    for ri, row in enumerate(table.rows):
        rpath = tpath + ("rows", ri)
        if aggregator == "sum":
            if row.score is None:
                scope.report(rpath, said("problem.sum_row_needs_score"))
            if row.level is not None:
                scope.report(rpath + ("level",), said("problem.sum_row_has_level"))
        elif aggregator == "count":
            for key in ("level", "score"):
                if getattr(row, key) is not None:
                    scope.report(rpath + (key,), said("problem.count_row_key", key=key))
        else:
            if row.level is None:
                scope.report(rpath, said("problem.row_needs_level", policy=named))
            if row.score is not None:
                scope.report(rpath + ("score",), said("problem.score_without_sum"))
    if table.banded:
        if table.default is not None:
            scope.report(tpath + ("default",), said("problem.banded_default", aggregator=aggregator))
        if not table.bands:
            scope.report(tpath, said("problem.banded_needs_bands", aggregator=aggregator))
            return
        scores = [row.score or 0 for row in table.rows] if aggregator == "sum" else [1] * len(table.rows)
        lowest = min(0, sum(x for x in scores if x < 0))
        highest = max(0, sum(x for x in scores if x > 0))
        _check_bands(scope, table, tpath, lowest, highest)
        return
    if table.default is None:
        scope.report(tpath, said("problem.table_needs_default", policy=named))
    if table.bands is not None:
        scope.report(tpath + ("bands",), said("problem.bands_without_collect"))


def _check_bands(scope: _Scope, table: Table, tpath: Path, lowest: float, highest: float) -> None:
    """Bands must cover every total from ``lowest`` to ``highest`` exactly once."""
    bands = sorted(enumerate(table.bands or ()), key=lambda ib: -math.inf if ib[1].min is None else ib[1].min)
    first_index, first = bands[0]
    if first.min is not None and first.min > lowest:
        scope.report(
            tpath + ("bands", first_index, "min"),
            said("problem.band_gap_below", low=format(lowest, "g"), min=format(first.min, "g")),
        )
    for (ai, a), (bi, b) in zip(bands, bands[1:]):
        if b.min is None or (a.min is not None and a.min == b.min):
            scope.report(tpath + ("bands", bi, "min"), said("problem.bands_overlap_unbounded", a=ai, b=bi) if b.min is None else said("problem.bands_overlap", a=ai, b=bi, min=format(b.min, "g")))
        elif a.below is not None and a.below != b.min:
            gap = a.below < b.min
            scope.report(
                tpath + ("bands", ai, "below"),
                said("problem.band_gap_between" if gap else "problem.band_overlap_between", a=ai, below=format(a.below, "g"), min=format(b.min, "g")),
            )
    last_index, last = bands[-1]
    if last.below is not None and last.below <= highest:
        scope.report(
            tpath + ("bands", last_index, "below"),
            said("problem.band_gap_above", below=format(last.below, "g"), high=format(highest, "g")),
        )
    for bi, band in enumerate(table.bands or ()):
        if band.min is not None and band.below is not None and band.below <= band.min:
            scope.report(tpath + ("bands", bi, "below"), said("problem.empty_band", band=bi, below=format(band.below, "g"), min=format(band.min, "g")))


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
            separation = step.approval.distinct_from
            for i, other in enumerate(separation.steps if separation else ()):
                if other not in scope.steps:
                    scope.report(spath + ("approval", "distinct_from", "steps", i), said("problem.undefined_step", step=other, defined=", ".join(sorted(scope.steps))))
                elif other == step.id:
                    scope.report(spath + ("approval", "distinct_from", "steps", i), said("problem.separated_from_itself"))
        if step.notification is not None:
            for ci, channel in enumerate(step.notification.channels):
                if channel not in CHANNELS:
                    scope.report(spath + ("notification", "channels", ci), said("problem.unknown_channel", channel=channel, channels=", ".join(CHANNELS)))
            for ri, role in enumerate(step.notification.recipients):
                if role not in scope.roles:
                    scope.report(spath + ("notification", "recipients", ri), said("problem.undefined_role", role=role, defined=", ".join(sorted(scope.roles))))
            for rid in step.notification.lead_minutes_for:
                if rid not in {rc.id for rc in doc.risk_classes}:
                    scope.report(spath + ("notification", "lead_minutes_for", rid), said("problem.undefined_risk_class", risk=rid))
    risk_ids = {rc.id for rc in doc.risk_classes}
    for ri, rc in enumerate(doc.risk_classes):
        rpath: Path = ("risk_classes", ri)
        rule_ids.append((rpath, rc.id))
        if rc.when is None and ri != len(doc.risk_classes) - 1:
            scope.report(rpath, said("problem.catch_all_not_last", risk=rc.id))
        if rc.when is not None:
            check_condition(scope, rc.when, rpath + ("when",))
        seen: set[str] = set()
        for ci, step_id in enumerate(rc.chain):
            if step_id not in scope.steps:
                scope.report(rpath + ("chain", ci), said("problem.undefined_step", step=step_id, defined=", ".join(s.id for s in doc.steps)))
            if step_id in seen:
                scope.report(rpath + ("chain", ci), said("problem.step_twice", step=step_id))
            seen.add(step_id)
        by_id = {s.id: s for s in doc.steps}
        for ti, retro in enumerate(rc.retrospective):
            tpath = rpath + ("retrospective", ti, "step")
            if retro.step not in rc.chain:
                scope.report(tpath, said("problem.retro_not_in_chain", step=retro.step, risk=rc.id))
            elif by_id.get(retro.step) is not None and by_id[retro.step].approval is None:
                scope.report(tpath, said("problem.retro_without_approval", step=retro.step))
    if doc.risk_classes[-1].when is not None:
        scope.report(
            ("risk_classes", len(doc.risk_classes) - 1),
            said("problem.no_catch_all"),
        )
    for ci, con in enumerate(doc.constraints):
        cpath: Path = ("constraints", ci)
        rule_ids.append((cpath, con.id))
        check_condition(scope, con.when, cpath + ("when",))
        if con.unless is not None:
            check_condition(scope, con.unless, cpath + ("unless",))
        for i, rid in enumerate(con.applies_to or ()):
            if rid not in risk_ids:
                scope.report(cpath + ("applies_to", i), said("problem.undefined_risk_class", risk=rid))
    for oi, ob in enumerate(doc.obligations):
        opath: Path = ("obligations", oi)
        rule_ids.append((opath, ob.id))
        check_condition(scope, ob.when, opath + ("when",))
        _check_instant(scope, ob.due.after, opath + ("due", "after"))
        if ob.role is not None and ob.role not in scope.roles:
            scope.report(opath + ("role",), said("problem.undefined_role", role=ob.role, defined=", ".join(sorted(scope.roles))))
        for i, rid in enumerate(ob.applies_to or ()):
            if rid not in risk_ids:
                scope.report(opath + ("applies_to", i), said("problem.undefined_risk_class", risk=rid))
    _check_unique_ids(scope, rule_ids)
    return scope.problems


# --- calendars ----------------------------------------------------------------------------


def _check_calendar(source: SourceDocument, doc: CalendarDocument) -> list[Problem]:
    from .calendars import period_bounds  # the one place that reads period dates

    scope = _Scope(source, {})
    tz = None
    if doc.timezone is not None:
        try:
            tz = clock.zone(doc.timezone)
        except ValueError as exc:
            scope.report(("timezone",), reason(exc))
            return scope.problems
    for i, period in enumerate(doc.periods):
        if not isinstance(period, Period):
            continue  # yearly and weekly periods are checked as they are parsed
        try:
            if tz is None:
                _offsets_only(period)
            else:
                period_bounds(period, tz)
        except ValueError as exc:
            scope.report(("periods", i), reason(exc))
    return scope.problems


def _offsets_only(period) -> None:
    """A one-off period of a calendar without a zone is read in each customer's zone; its
    order is checked in a zone of the farthest offsets so that no customer sees it reversed."""
    from .calendars import period_bounds

    for name in ("Pacific/Kiritimati", "Etc/GMT+12"):
        period_bounds(period, clock.zone(name))


def _check_registry(source: SourceDocument, doc: CustomerRegistry) -> list[Problem]:
    from .calendars import period_bounds

    scope = _Scope(source, {})
    for i, customer in enumerate(doc.customers):
        path: Path = ("customers", i)
        try:
            tz = clock.zone(customer.timezone)
        except ValueError as exc:
            scope.report(path + ("timezone",), reason(exc))
            continue
        if customer.maintenance_window is not None:
            _check_window_text(scope, customer.maintenance_window, path + ("maintenance_window",))
        for j, period in enumerate(customer.periods):
            if isinstance(period, Period):
                try:
                    period_bounds(period, tz)
                except ValueError as exc:
                    scope.report(path + ("periods", j), reason(exc))
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

    def need(path: Path, message: Said) -> None:
        problems.append(scope.source.problem(path, said("problem.schema_lacks", need=message, schema=schema.id, where=where)))

    def shape(spec: FieldSpec | None, wanted: dict[str, str]) -> list[str]:
        got = (spec.fields or {}) if spec is not None else {}
        return [f"{k}: {t}" for k, t in wanted.items() if k not in got or got[k].type != t or not got[k].required]

    time_uses = [k for k in ("local_time", "in_window", "in_window_default", "in_sensitive_period") if k in scope.uses]
    customer = fields.get("customer")
    if time_uses and customer is not None:
        first = scope.uses[time_uses[0]]
        if customer.type != "record":
            need(first, said("problem.customer_not_record", use=time_uses[0], type=customer.type))
        else:
            for name, (kind, fmt) in _CUSTOMER_PARTS.items():
                part = (customer.fields or {}).get(name)
                if part is None:
                    continue
                if part.type != kind or part.format != fmt or part.required:
                    need(first, said("problem.customer_part_with_format", use=time_uses[0], name=name, kind=kind, format=fmt) if fmt else said("problem.customer_part", use=time_uses[0], name=name, kind=kind))
                elif name == "sensitive_periods" and shape(part, _PERIOD):
                    need(first, said("problem.customer_periods_shape", fields=", ".join(shape(part, _PERIOD))))
    if not isinstance(doc, AuthorizationDocument):
        return problems
    start = fields.get("scheduled_start")
    if start is None or start.type != "instant" or not start.required:
        need(("kind",), said("problem.needs_scheduled_start"))
    uses_approvals = "has_approval" in scope.uses or any(s.approval for s in doc.steps)
    if uses_approvals:
        missing = shape(fields.get("approvals"), _APPROVAL) if fields.get("approvals") and fields["approvals"].type == "list" else None
        if missing is None:
            need(("steps",), said("problem.needs_approvals_list"))
        elif missing:
            need(("steps",), said("problem.needs_approvals_fields", fields=", ".join(missing)))
    approvals = fields.get("approvals")
    if approvals is not None and approvals.type == "list":
        got = approvals.fields or {}
        if any(s.approval and (s.approval.quorum > 1 or s.approval.distinct_from) for s in doc.steps) and "by" not in got:
            need(("steps",), said("problem.needs_approver_by"))
        if any(s.approval and s.approval.archive for s in doc.steps) and "archive_ref" not in got:
            need(("steps",), said("problem.needs_archive_ref"))
    if any(s.approval and s.approval.distinct_from and s.approval.distinct_from.requester for s in doc.steps):
        requester = fields.get("requester")
        if requester is None or requester.type != "text":
            need(("steps",), said("problem.needs_requester"))
    if any(s.approval and s.approval.distinct_from and s.approval.distinct_from.engineer for s in doc.steps):
        engineer = fields.get("engineer")
        if engineer is None or engineer.type != "record" or "id" not in (engineer.fields or {}):
            need(("steps",), said("problem.needs_engineer_id"))
    if doc.obligations:
        confirmations = fields.get("confirmations")
        if confirmations is None or confirmations.type != "list" or shape(confirmations, {"obligation": "text", "at": "instant"}):
            need(("obligations",), said("problem.needs_confirmations"))
    if any(s.notification for s in doc.steps):
        notes = fields.get("notifications")
        missing = shape(notes, _NOTIFICATION) if notes and notes.type == "list" else None
        if missing is None:
            need(("steps",), said("problem.needs_notifications_list"))
        elif missing:
            need(("steps",), said("problem.needs_notifications_fields", fields=", ".join(missing)))
    if any(s.qualification for s in doc.steps):
        engineer = fields.get("engineer")
        qual = (engineer.fields or {}).get("qualification") if engineer and engineer.type == "record" else None
        if engineer is None or not engineer.required or qual is None or qual.type != "integer" or not qual.required:
            need(("steps",), said("problem.needs_qualification"))
    return problems
