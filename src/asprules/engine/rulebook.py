"""A rulebook: the compiled evaluators of a set of rule files, with the documents they came from.

Built by :mod:`asprules.loader`; read by every stage above the engine. It lives here, not
in the loader, because the engine's own streaming and timeline code takes one.

A rulebook holds any number of grading rulesets — *decisions*, named by their ruleset id
(a severity matrix and a priority, say) — and at most one authorization ruleset.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from .. import i18n
from ..errors import RulesetError
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


@dataclass(frozen=True, eq=False)
class Rulebook:
    """Compiled rulesets, ready to decide. Immutable and safe to share between threads.

    ``gradings`` maps each grading ruleset's id to its evaluator, in load order.
    """

    gradings: Mapping[str, GradingEvaluator]
    authorization: AuthorizationEvaluator | None
    documents: tuple[LoadedDocument, ...]
    fact_schemas: tuple[FactSchema, ...] = ()  # the fact schemas declared in the loaded files
    read: tuple[str, ...] | None = None  # every file read, when some were left unread (a rulebook for one decision)

    def fact_schema(self, ident: str) -> FactSchema | None:
        """A fact schema by id: declared in the loaded files, or bundled and decided on."""
        known = {d.schema.id: d.schema for d in self.documents if d.schema}
        return known.get(ident)

    def __post_init__(self) -> None:
        object.__setattr__(self, "gradings", MappingProxyType(dict(self.gradings)))
        # the one grading ruleset, when exactly one is loaded: decision(None) on every grade
        only = next(iter(self.gradings.values())) if len(self.gradings) == 1 else None
        object.__setattr__(self, "_only", only)

    @property
    def files(self) -> tuple[str, ...]:
        """The rule files this rulebook was loaded from, in load order."""
        return self.read if self.read is not None else tuple(d.source.file for d in self.documents)

    @property
    def decisions(self) -> tuple[str, ...]:
        """The ids of the grading rulesets loaded, in load order."""
        return tuple(self.gradings)

    @property
    def grading(self) -> GradingEvaluator | None:
        """The one grading ruleset (``None`` when none is loaded).

        With several loaded this is ambiguous: a :class:`RulesetError` lists their ids, and
        :meth:`decision` or :meth:`for_decision` names one.
        """
        if len(self.gradings) > 1:
            raise _ambiguous(self)
        return next(iter(self.gradings.values()), None)

    def decision(self, decision: str | None = None) -> GradingEvaluator:
        """The grading ruleset ``decision`` names; ``None`` is the only one loaded.

        Raises :class:`RulesetError` when none is loaded, when ``decision`` names no loaded
        ruleset, or when it is ``None`` and several are loaded.
        """
        if decision is None:
            if self._only is not None:  # type: ignore[attr-defined]
                return self._only  # type: ignore[attr-defined]
            if not self.gradings:
                problem = i18n.problem("loaded_files", files=", ".join(self.files)) if self.files else i18n.problem("loaded_no_files")
                raise i18n.error(RulesetError, "no_grading", [problem])
            if len(self.gradings) > 1:
                raise _ambiguous(self)
            return next(iter(self.gradings.values()))
        found = self.gradings.get(decision)
        if found is None:
            loaded = ", ".join(self.gradings)
            problem = i18n.problem("decision_not_loaded", decision=decision, loaded=loaded) if loaded else i18n.problem("decision_not_loaded_none", decision=decision)
            raise i18n.error(RulesetError, "no_grading_named", [problem], decision=decision)
        return found

    def for_decision(self, decision: str) -> Rulebook:
        """This rulebook with one grading ruleset only (its authorization and calendars kept):
        what the analysis, coverage and diff, which look at one grading ruleset at a time, take."""
        chosen = self.decision(decision)
        documents = tuple(d for d in self.documents if not isinstance(d.model, GradingDocument) or d.model is chosen.doc)
        return Rulebook({decision: chosen}, self.authorization, documents)

    def without_gradings(self) -> Rulebook:
        """This rulebook with its authorization and calendars, and no grading ruleset."""
        documents = tuple(d for d in self.documents if not isinstance(d.model, GradingDocument))
        return Rulebook({}, self.authorization, documents)


def _ambiguous(rules: Rulebook) -> RulesetError:
    ids = ", ".join(rules.gradings)
    return i18n.error(RulesetError, "several_gradings", [i18n.problem("name_the_decision", ids=ids)], ids=ids)  # type: ignore[return-value]
