"""A rulebook: the compiled evaluators of a set of rule files, with the documents they came from.

Built by :mod:`asprules.loader`; read by every stage above the engine. It lives here, not
in the loader, because the engine's own streaming and timeline code takes one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..facts.schema import FactsDocument, FactSchema
from ..format.document import AuthorizationDocument, CalendarDocument, GradingDocument
from ..source import SourceDocument
from .authorization import AuthorizationEvaluator
from .grading import GradingEvaluator


@dataclass(frozen=True)
class LoadedDocument:
    """One rule file as parsed (with positions) and validated."""

    source: SourceDocument
    model: GradingDocument | AuthorizationDocument | CalendarDocument | FactsDocument
    schema: FactSchema | None = None  # a ruleset's: the one it decides on; a facts document's: itself


@dataclass(frozen=True)
class Rulebook:
    """Compiled rulesets, ready to decide. Immutable and safe to share between threads."""

    grading: GradingEvaluator | None
    authorization: AuthorizationEvaluator | None
    documents: tuple[LoadedDocument, ...]
    fact_schemas: tuple[FactSchema, ...] = ()  # the fact schemas declared in the loaded files

    def fact_schema(self, ident: str) -> FactSchema | None:
        """A fact schema by id: declared in the loaded files, or bundled and decided on."""
        known = {d.schema.id: d.schema for d in self.documents if d.schema}
        return known.get(ident)

    @property
    def files(self) -> tuple[str, ...]:
        """The rule files this rulebook was loaded from, in load order."""
        return tuple(d.source.file for d in self.documents)
