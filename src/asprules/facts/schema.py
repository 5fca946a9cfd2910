"""Fact schemas declared in YAML (``kind: facts``): an organization's own ticket fields.

A facts document declares fields with a type, bounds, required-ness and a description;
it either ``extends`` a bundled schema (the handbook's ``incident`` and ``operation``,
shipped as ``facts/schemas/*.yaml``) — adding fields, making some optional, dropping
others — or declares a fact kind of its own. From a resolved schema this module builds

- a frozen, strict, ``extra="forbid"`` pydantic model (``create_model``) that facts are
  validated against, and
- the field catalog (:mod:`.fields`) the format's validator checks rules against.

A bundled schema used as it is keeps its hand-written class (:class:`~.models.Incident`,
:class:`~.models.Operation`): same fields, and a test proves they equal their YAML.
Nothing here reads rules; the loader resolves which schema each ruleset decides on.
"""

from __future__ import annotations

import difflib
import math
import re
import typing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping, Optional

from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    create_model,
    model_validator,
)

from .. import clock
from ..errors import Problem, RulesetError
from .. import i18n
from ..i18n import LocalValueError, Said, said
from ..localtext import LocalText
from ..source import FormatVersion, SourceDocument, SourcePath, parse_file, problems_from_validation
from . import models
from .fields import FieldType, parent_optional, unwrap

FieldTypeName = Literal["number", "integer", "bool", "enum", "text", "instant", "duration", "list", "record"]
FIELD_TYPES: tuple[str, ...] = FieldTypeName.__args__  # type: ignore[attr-defined]
# The cross-field checks of :data:`asprules.facts.models.CHECKS` a schema may ask for.
CheckName = Literal["period_order", "schedule_order", "incident_timeline"]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
SchemaId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]
FieldPath = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$", max_length=200)]
TEXT_MAX = 256  # a text field's length limit when the schema names none
_NUMERIC = ("number", "integer", "duration")
# Formats a text field may declare; each checks the value as the handbook models do.
FORMATS = ("timezone", "window")

# strict, like the rule formats: `required: 'no'` or `min: true` are errors, not coerced
_DOC = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True, strict=True)


def _text(value: Any) -> Any:
    return {"en": value} if isinstance(value, str) else value


class FieldSpec(BaseModel):
    """One declared field."""

    model_config = _DOC
    # a plain string, so that an unknown type is reported with the document's other problems
    type: Annotated[str, Field(description=f"One of {', '.join(FIELD_TYPES)}")]
    values: Optional[list[Annotated[str, Field(min_length=1, max_length=64)]]] = Field(
        default=None, description="Members of an enum, or of a list of enum"
    )
    fields: Optional[dict[Identifier, FieldSpec]] = Field(default=None, description="The fields of a record, or of a list of records")
    min: Optional[float] = Field(default=None, description="Least value (number, integer, duration in minutes)")
    max: Optional[float] = Field(default=None, description="Greatest value")
    max_length: Optional[Annotated[int, Field(ge=1, le=10**6)]] = Field(default=None, description="Longest text, or most list items")
    required: bool = Field(default=True, description="Must be given; an optional field is absent (None), an optional list empty")
    default: Optional[bool] = Field(default=None, description="A bool's value when absent (the field is then optional)")
    format: Optional[Literal["timezone", "window"]] = Field(default=None, description="Checks a text: an IANA zone name, or a daily window HH:MM-HH:MM")
    checks: list[CheckName] = Field(default=[], description="Cross-field checks of a record")
    description: Annotated[Optional[LocalText], BeforeValidator(_text)] = None


class FactsDocument(BaseModel):
    """A ``kind: facts`` document."""

    model_config = _DOC
    asprules: FormatVersion
    kind: Literal["facts"]
    id: SchemaId
    version: str | int | float | None = None
    title: Annotated[Optional[LocalText], BeforeValidator(_text)] = None
    description: Annotated[Optional[LocalText], BeforeValidator(_text)] = None
    extends: Optional[SchemaId] = Field(default=None, description="A schema whose fields this one starts from")
    fields: dict[Identifier, FieldSpec] = Field(default={}, description="Fields declared (or, when extending, added or replaced)")
    optional: list[FieldPath] = Field(default=[], description="Fields of the extended schema made optional")
    drop: list[FieldPath] = Field(default=[], description="Fields of the extended schema dropped")
    checks: list[CheckName] = Field(default=[], description="Cross-field checks of the fact")


@dataclass(frozen=True)
class FactSchema:
    """A resolved fact schema: its fields, the model facts are validated with, and the catalog."""

    id: str
    fields: Mapping[str, FieldSpec]
    checks: tuple[str, ...]
    model: type[BaseModel]
    catalog: dict[str, FieldType]
    source: SourceDocument | None = None
    bundled: bool = False
    document: FactsDocument | None = None

    def number_bounds(self) -> dict[str, tuple[float, float, bool]]:
        """Each number field's domain (dotted paths into records): low, high, whole numbers only."""
        out: dict[str, tuple[float, float, bool]] = {}

        def walk(fields: Mapping[str, FieldSpec], prefix: str) -> None:
            for name, spec in fields.items():
                if spec.type in _NUMERIC:
                    low = -math.inf if spec.min is None else spec.min
                    high = math.inf if spec.max is None else spec.max
                    out[prefix + name] = (float(low), float(high), spec.type == "integer")
                elif spec.type == "record":
                    walk(spec.fields or {}, f"{prefix}{name}.")

        walk(self.fields, "")
        return out

    def example(self) -> dict[str, Any]:
        """A small valid fact: every required field at its least value (what the analysis
        varies from). Optional fields are left out, except records (so that a witness can
        set a field of one) and those a check fills in."""
        filled = {f for name in self.checks for f in models.CHECKS[name][2]}

        def value(spec: FieldSpec) -> Any:
            kind = spec.type
            if kind in _NUMERIC:
                return spec.min if spec.min is not None and spec.min > 0 else (0 if spec.max is None or spec.max >= 0 else spec.max)
            return {
                "bool": False,
                "enum": (spec.values or [""])[0],
                "text": "EXAMPLE" if spec.format is None else {"timezone": "UTC", "window": "00:00-05:00"}[spec.format],
                "instant": "2026-06-10T12:00:00+00:00",
                "list": [],
            }.get(kind) if kind != "record" else record(spec.fields or {}, set())

        def record(fields: Mapping[str, FieldSpec], keep: set[str]) -> dict[str, Any]:
            return {n: value(f) for n, f in fields.items() if (f.required and f.default is None) or f.type == "record" or n in keep}

        return record(self.fields, filled)

    def parse(self, data: Any, *, source: SourceDocument | None = None) -> Any:
        """Validate one fact. Raises :class:`~asprules.errors.FactError` listing every problem."""
        return models.parse_fact(self.model, data, source, self.id)


# --- reading ------------------------------------------------------------------------------


def is_facts_source(source: SourceDocument) -> bool:
    return isinstance(source.data, dict) and source.data.get("kind") == "facts"


def parse_facts_document(source: SourceDocument) -> tuple[FactsDocument | None, list[Problem]]:
    """The document's shape, and every problem in its own declarations."""
    try:
        doc = FactsDocument.model_validate(source.data)
    except ValidationError as exc:
        return None, problems_from_validation(exc, source)
    problems: list[Problem] = []
    for name, spec in doc.fields.items():
        _check_spec(source, spec, ("fields", name), problems)
    return doc, problems


def _check_spec(source: SourceDocument, spec: FieldSpec, path: SourcePath, out: list[Problem]) -> None:
    def report(key: str | None, message: str | Said) -> None:
        out.append(source.problem(path + ((key,) if key else ()), message))

    kind = spec.type
    if kind not in FIELD_TYPES:
        close = difflib.get_close_matches(kind, FIELD_TYPES, n=1)
        report("type", said("problem.unknown_type", type=kind, hint=said("problem.did_you_mean", name=close[0]) if close else "", types=", ".join(FIELD_TYPES)))
        return
    element = "record" if (kind == "list" and spec.fields is not None) else "enum" if kind == "list" else kind
    if kind in ("enum",) or (kind == "list" and spec.fields is None):
        if not spec.values:
            report("values" if spec.values is not None else "type", said("problem.enum_needs_values" if kind == "enum" else "problem.list_needs_values"))
        elif len(set(spec.values)) != len(spec.values):
            report("values", said("problem.enum_repeats"))
    elif spec.values is not None:
        report("values", said("problem.values_misplaced", type=kind))
    if kind == "record" or (kind == "list" and spec.values is None):
        if not spec.fields:
            report("fields" if spec.fields is not None else "type", said("problem.record_needs_fields" if kind == "record" else "problem.records_need_fields"))
    elif spec.fields is not None:
        report("fields", said("problem.fields_misplaced", type=kind))
    if kind == "list" and spec.values is not None and spec.fields is not None:
        report("type", said("problem.values_and_fields"))
    for key in ("min", "max"):
        if getattr(spec, key) is not None and kind not in _NUMERIC:
            report(key, said("problem.bound_misplaced", key=key, type=kind))
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        report("min", said("problem.bounds_reversed", min=format(spec.min, "g"), max=format(spec.max, "g")))
    if kind == "integer":
        for key in ("min", "max"):
            bound = getattr(spec, key)
            if bound is not None and bound != int(bound):
                report(key, said("problem.integer_bound", key=key, bound=format(bound, "g")))
    if spec.max_length is not None and kind not in ("text", "list"):
        report("max_length", said("problem.max_length_misplaced", type=kind))
    if spec.default is not None and kind != "bool":
        report("default", said("problem.default_misplaced", type=kind))
    if spec.format is not None and kind != "text":
        report("format", said("problem.format_misplaced", type=kind))
    if spec.checks and element != "record":
        report("checks", said("problem.checks_misplaced", type=kind))
    for i, name in enumerate(spec.checks):
        _check_check(name, spec.fields or {}, lambda m, i=i: out.append(source.problem(path + ("checks", i), m)))
    for name, sub in (spec.fields or {}).items():
        _check_spec(source, sub, path + ("fields", name), out)


def _check_check(name: str, fields: Mapping[str, FieldSpec], report) -> None:
    _, reads, _ = models.CHECKS[name]
    missing = [f for f in reads if f not in fields]
    if missing:
        report(said("problem.check_reads_undeclared", check=name, fields=", ".join(missing)))


# --- resolving ----------------------------------------------------------------------------


def _bundled_dir() -> Path:
    return Path(str(resources.files("asprules.facts") / "schemas"))


BUNDLED_CLASSES: dict[str, type[BaseModel]] = {"incident": models.Incident, "operation": models.Operation}


def bundled_sources() -> list[SourceDocument]:
    """The handbook's fact schemas shipped in the package (``incident``, ``operation``)."""
    return [parse_file(p) for p in sorted(_bundled_dir().glob("*.yaml"))]


_BUNDLED: dict[str, FactSchema] | None = None


def bundled_schemas() -> dict[str, FactSchema]:
    """The bundled schemas, resolved once; each validates with its hand-written class."""
    global _BUNDLED
    if _BUNDLED is None:
        _BUNDLED = resolve_schemas(bundled_sources(), {}, bundled=True)
    return _BUNDLED


def resolve_schemas(
    sources: list[SourceDocument], base: Mapping[str, FactSchema] | None = None, *, bundled: bool = False
) -> dict[str, FactSchema]:
    """Parse and resolve facts documents against ``base`` (default: the bundled schemas).

    Raises one :class:`RulesetError` listing every problem of every document."""
    known: dict[str, FactSchema] = dict(bundled_schemas() if base is None else base)
    problems: list[Problem] = []
    docs: dict[str, tuple[SourceDocument, FactsDocument]] = {}
    for source in sources:
        doc, found = parse_facts_document(source)
        problems += found
        if doc is None:
            continue
        if doc.id in docs or (doc.id in known and not bundled):
            first = docs[doc.id][0].file if doc.id in docs else said("problem.the_bundled_schemas")
            problems.append(source.problem(("id",), said("problem.schema_id_taken", id=doc.id, first=first)))
            continue
        docs[doc.id] = (source, doc)
    out: dict[str, FactSchema] = {}
    resolving: list[str] = []

    def resolve(ident: str) -> FactSchema | None:
        if ident in out:
            return out[ident]
        if ident not in docs:
            return known.get(ident)
        source, doc = docs[ident]
        if ident in resolving:
            problems.append(source.problem(("extends",), said("problem.extends_cycle", id=ident)))
            return None
        resolving.append(ident)
        parent = None
        if doc.extends is not None:
            parent = resolve(doc.extends)
            if parent is None:
                if doc.extends not in docs:
                    names = sorted(set(known) | set(docs))
                    problems.append(source.problem(("extends",), said("problem.extends_unknown", id=doc.extends, known=", ".join(names))))
                resolving.pop()
                return None
        before = len(problems)
        fields, checks = _merged(source, doc, parent, problems)
        resolving.pop()
        if len(problems) > before:
            return None
        schema = build_schema(ident, fields, checks, source=source, bundled=bundled, document=doc)
        out[ident] = schema
        return schema

    for ident in docs:
        resolve(ident)
    if problems:
        files = sorted({p.file for p in problems if p.file})
        raise i18n.error(RulesetError, "invalid_fact_schemas" if len(files) != 1 else "invalid_fact_schema", problems, files=", ".join(files))
    return {**known, **out}


def _merged(
    source: SourceDocument, doc: FactsDocument, parent: FactSchema | None, problems: list[Problem]
) -> tuple[dict[str, FieldSpec], tuple[str, ...]]:
    fields: dict[str, FieldSpec] = dict(parent.fields) if parent else {}
    checks = list(parent.checks) if parent else []
    if parent is None and (doc.optional or doc.drop):
        key = "optional" if doc.optional else "drop"
        problems.append(source.problem((key,), said("problem.change_without_extends", key=key)))
    for name, spec in doc.fields.items():
        old = fields.get(name)
        fields[name] = _merge_record(old, spec) if old is not None else spec
    for key, change in (("optional", _made_optional), ("drop", None)):
        for i, path in enumerate(getattr(doc, key)):
            parts = path.split(".")
            if not _has(fields, parts):
                problems.append(source.problem((key, i), said("problem.schema_has_no_field", schema=parent.id if parent else said("problem.the_schema"), field=path)))
                continue
            fields = _changed(fields, parts, change)
    for name in checks:
        _, reads, _ = models.CHECKS[name]
        gone = [f for f in reads if f not in fields]
        if gone:
            problems.append(
                source.problem(("drop",), said("problem.check_loses_fields", check=name, schema=parent.id if parent else said("problem.the_schema"), fields=", ".join(gone)))
            )
    for i, name in enumerate(doc.checks):
        _check_check(name, fields, lambda m, i=i: problems.append(source.problem(("checks", i), m)))
        if name not in checks:
            checks.append(name)
    if "id" not in fields or fields["id"].type != "text" or not fields["id"].required:
        problems.append(source.problem(("fields",), said("problem.schema_needs_id")))
    return fields, tuple(checks)


def _merge_record(old: FieldSpec, new: FieldSpec) -> FieldSpec:
    """A record declared over a record adds to (or replaces) its fields; anything else replaces."""
    if old.type == new.type == "record" and old.fields and new.fields:
        merged = dict(old.fields)
        for name, spec in new.fields.items():
            merged[name] = _merge_record(merged[name], spec) if name in merged else spec
        required = new.required if "required" in new.model_fields_set else old.required
        return old.model_copy(update={"fields": merged, "required": required, "checks": list(old.checks) + [c for c in new.checks if c not in old.checks]})
    return new


def _made_optional(spec: FieldSpec) -> FieldSpec:
    return spec.model_copy(update={"required": False})


def _has(fields: Mapping[str, FieldSpec], parts: list[str]) -> bool:
    spec = fields.get(parts[0])
    if spec is None:
        return False
    if len(parts) == 1:
        return True
    return spec.fields is not None and _has(spec.fields, parts[1:])


def _changed(fields: Mapping[str, FieldSpec], parts: list[str], change) -> dict[str, FieldSpec]:
    out = dict(fields)
    if len(parts) == 1:
        if change is None:
            del out[parts[0]]
        else:
            out[parts[0]] = change(out[parts[0]])
        return out
    spec = out[parts[0]]
    out[parts[0]] = spec.model_copy(update={"fields": _changed(spec.fields or {}, parts[1:], change)})
    return out


# --- building -----------------------------------------------------------------------------

_DURATION = re.compile(r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


def duration_minutes(value: Any) -> Any:
    """A duration in minutes: a number of minutes, or ISO 8601 text (``PT1H30M`` → 90)."""
    if isinstance(value, str):
        match = _DURATION.match(value.strip())
        if not match or value.strip() in ("P", "PT") or value.strip().endswith("T"):
            raise LocalValueError("not_iso_duration", value=repr(value))
        parts = {k: float(v) for k, v in match.groupdict().items() if v}
        return parts.get("d", 0) * 1440 + parts.get("h", 0) * 60 + parts.get("m", 0) + parts.get("s", 0) / 60
    return value


def _format_check(name: str):
    def zone(text: str) -> str:
        clock.zone(text)
        return text

    def window(text: str) -> str:
        return clock.parse_window(text).text

    return {"timezone": zone, "window": window}[name]


def _annotation(ident: str, path: str, spec: FieldSpec) -> Any:
    bounds = {k: v for k, v in (("ge", spec.min), ("le", spec.max)) if v is not None}
    desc = {"description": spec.description.en} if spec.description else {}
    kind = spec.type
    if kind == "number":
        return Annotated[float, Field(strict=True, **bounds, **desc)]
    if kind == "integer":
        return Annotated[StrictInt, Field(**{k: int(v) for k, v in bounds.items()}, **desc)]
    if kind == "duration":
        return Annotated[float, BeforeValidator(duration_minutes), Field(strict=True, **bounds, **desc)]
    if kind == "bool":
        return Annotated[StrictBool, Field(**desc)]
    if kind == "enum":
        return Annotated[Literal[tuple(spec.values or ())], Field(**desc)]  # type: ignore[misc]
    if kind == "text":
        extra = (AfterValidator(_format_check(spec.format)),) if spec.format else ()
        if spec.format:  # the format's own check is stricter than any length
            length = {"max_length": spec.max_length} if spec.max_length else {}
            return Annotated[str, Field(**length, **desc), *extra]
        return Annotated[str, Field(min_length=1, max_length=spec.max_length or TEXT_MAX, **desc)]
    if kind == "instant":
        return Annotated[models.Instant, Field(**desc)]
    if kind == "record":
        return Annotated[record_model(ident, path, spec.fields or {}, spec.checks), Field(**desc)]
    # a list
    item: Any = Literal[tuple(spec.values)] if spec.values else record_model(ident, path, spec.fields or {}, spec.checks)  # type: ignore[misc]
    length = {"max_length": spec.max_length} if spec.max_length else {}
    return Annotated[tuple[item, ...], Field(**length, **desc)]


def _class_name(ident: str, path: str) -> str:
    words = re.split(r"[-_.]", f"{ident}.{path}" if path else ident)
    return "".join(w[:1].upper() + w[1:] for w in words if w)


def record_model(ident: str, path: str, fields: Mapping[str, FieldSpec], checks: tuple[str, ...] | list[str] = ()) -> type[BaseModel]:
    """A frozen, strict pydantic model for declared fields (``create_model``)."""
    definitions: dict[str, Any] = {}
    for name, spec in fields.items():
        annotation = _annotation(ident, f"{path}.{name}" if path else name, spec)
        if spec.type == "list":
            definitions[name] = (annotation, ...) if spec.required else (annotation, ())
        elif spec.default is not None:
            definitions[name] = (annotation, spec.default)
        elif spec.required:
            definitions[name] = (annotation, ...)
        else:
            definitions[name] = (Optional[annotation], None)
    validators = {
        f"_check_{name}": model_validator(mode="after")(lambda self, fn=models.CHECKS[name][0]: fn(self)) for name in checks
    }
    # models.Fact carries the fact configuration (frozen, strict, extra="forbid") and marks validated instances
    return create_model(_class_name(ident, path), __base__=models.Fact, __validators__=validators, **definitions)  # type: ignore[call-overload]


def build_schema(
    ident: str,
    fields: Mapping[str, FieldSpec],
    checks: tuple[str, ...],
    *,
    source: SourceDocument | None = None,
    bundled: bool = False,
    document: FactsDocument | None = None,
) -> FactSchema:
    """A resolved schema's model and catalog. A bundled schema validates with its class."""
    model = BUNDLED_CLASSES[ident] if bundled and ident in BUNDLED_CLASSES else record_model(ident, "", fields, checks)
    fields_catalog = parent_optional(model)
    for name in checks:
        for filled in models.CHECKS[name][2]:  # optional on input, always present once validated
            if filled in fields_catalog:
                fields_catalog[filled] = FieldType(fields_catalog[filled].kind, fields_catalog[filled].values)
    return FactSchema(ident, dict(fields), tuple(checks), model, fields_catalog, source, bundled, document)


def describe(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields reduced to what a schema declares (type, members, bounds,
    required-ness), recursively: two models with equal descriptions accept the same facts."""
    hints = typing.get_type_hints(model, include_extras=True)
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation, optional, metadata = unwrap(hints[name])
        entry: dict[str, Any] = {"required": info.is_required(), "nullable": optional, "default": None if info.is_required() else info.default}
        origin = typing.get_origin(annotation)
        if origin is tuple:
            entry["list"] = True
            annotation, _, _ = unwrap(typing.get_args(annotation)[0])
            origin = typing.get_origin(annotation)
        metadata = metadata + list(info.metadata)
        for item in metadata:
            for cls, key in ((Ge, "ge"), (Le, "le"), (MinLen, "min_length"), (MaxLen, "max_length")):
                if isinstance(item, cls):
                    entry[key] = float(getattr(item, key))
            if callable(getattr(item, "func", None)):
                entry.setdefault("validators", []).append(getattr(item.func, "__name__", "?").lstrip("_").replace("check_", ""))
        if origin is Literal:
            entry["enum"] = sorted(str(v) for v in typing.get_args(annotation))
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            entry["record"] = describe(annotation)
        else:
            entry["type"] = getattr(annotation, "__name__", str(annotation))
        out[name] = entry
    return out
