"""The catalog of fact fields a condition may name, with their types.

Built from the pydantic fact models, so a field added to :class:`~asprules.facts.models.Incident`
is usable in rules at once and a field renamed there is reported in every rule that
still names it. Nested models appear as dotted paths (``engineer.qualification``).
"""

from __future__ import annotations

import types
import typing
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel

from .models import Incident, Operation

FieldKind = Literal["number", "bool", "enum", "text", "instant", "list"]


@dataclass(frozen=True)
class FieldType:
    kind: FieldKind
    values: tuple[str, ...] = ()  # enum members, or list element members
    optional: bool = False

    def describe(self) -> str:
        if self.values:
            return f"{self.kind} of {', '.join(self.values)}"
        return self.kind


def unwrap(annotation) -> tuple[Any, bool, list]:
    """Unwrap Annotated[...] and Optional[...]: the bare annotation, whether None was
    allowed, and the constraint metadata (``Ge``, ``Le``, …) collected on the way."""
    optional, metadata = False, []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            annotation = args[0]
            for extra in args[1:]:
                metadata += getattr(extra, "metadata", [extra])
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) != 1:
                return annotation, optional, metadata
            annotation = args[0]
        else:
            return annotation, optional, metadata


def _field_type(annotation, optional: bool) -> FieldType | None:
    origin = typing.get_origin(annotation)
    if annotation is bool:
        return FieldType("bool", optional=optional)
    if annotation in (int, float):
        return FieldType("number", optional=optional)
    if annotation is str:
        return FieldType("text", optional=optional)
    if annotation is datetime or annotation is AwareDatetime:
        return FieldType("instant", optional=optional)
    if origin is Literal:
        return FieldType("enum", tuple(str(v) for v in typing.get_args(annotation)), optional)
    if origin is tuple:
        inner, _, _ = unwrap(typing.get_args(annotation)[0])
        if typing.get_origin(inner) is Literal:
            return FieldType("list", tuple(str(v) for v in typing.get_args(inner)), optional)
    return None


def catalog(model: type[BaseModel], prefix: str = "") -> dict[str, FieldType]:
    out: dict[str, FieldType] = {}
    hints = typing.get_type_hints(model, include_extras=True)
    for name in model.model_fields:
        annotation, optional, _ = unwrap(hints[name])
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out.update(catalog(annotation, f"{prefix}{name}."))
            continue
        ftype = _field_type(annotation, optional)
        if ftype is None:  # collections of records (approvals…) are reached by their own conditions
            continue
        out[prefix + name] = ftype
    return out


# Each model's catalog, worked out once: the bundled schemas' catalogs are their hand-written
# classes', which INCIDENT_FIELDS and OPERATION_FIELDS below have already read (reading
# type hints evaluates every annotation again). Weak: declared models go with their rulebook.
_CATALOGS: weakref.WeakKeyDictionary[type[BaseModel], dict[str, FieldType]] = weakref.WeakKeyDictionary()


def parent_optional(model: type[BaseModel]) -> dict[str, FieldType]:
    """The catalog of ``model`` (a copy, the caller's to change), where fields under an
    optional record (``customer.id``) are themselves optional."""
    known = _CATALOGS.get(model)
    if known is None:
        known = _CATALOGS[model] = _parent_optional(model)
    return dict(known)


def _parent_optional(model: type[BaseModel]) -> dict[str, FieldType]:
    out = catalog(model)
    hints = typing.get_type_hints(model, include_extras=True)
    for name in model.model_fields:
        annotation, optional, _ = unwrap(hints[name])
        if optional and isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for key, ftype in list(out.items()):
                if key.startswith(name + "."):
                    out[key] = FieldType(ftype.kind, ftype.values, True)
    return out


INCIDENT_FIELDS: dict[str, FieldType] = parent_optional(Incident)
# Optional on input, but the model derives it, so every validated incident has one.
INCIDENT_FIELDS["outage_minutes"] = FieldType("number")
OPERATION_FIELDS: dict[str, FieldType] = parent_optional(Operation)
