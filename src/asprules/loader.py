"""Load rule files through every stage: text → document → validated → compiled.

Everything is checked before anything is compiled, and all problems from all files are
reported together in one :class:`~asprules.errors.RulesetError`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Iterable

from . import clock
from .engine.authorization import AuthorizationEvaluator
from .engine.compile import Context
from .engine.decisions import RulesetRef
from .engine.grading import GradingEvaluator
from .engine.rulebook import LoadedDocument, Rulebook
from .errors import Problem, RulesetError
from .facts.schema import FactsDocument, FactSchema, bundled_schemas, is_facts_source, resolve_schemas
from .format.calendars import intervals
from .format.document import AuthorizationDocument, CalendarDocument, GradingDocument
from .format.validate import check_document, parse_document, with_derived
from .source import SourceDocument, content_hash, parse_file, parse_text

RULE_SUFFIXES = (".yaml", ".yml")
SCENARIO_SUFFIX = ".scenarios.yaml"

# Used only when a ruleset names no default of its own; see docs/ruleset-format.md.
FALLBACK_ZONE = "UTC"
FALLBACK_WINDOW = "00:00-05:00"


def bundled_rulesets() -> Path:
    """The handbook rulesets shipped inside the package."""
    return Path(str(resources.files("asprules") / "rulesets"))


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix in RULE_SUFFIXES and not f.name.endswith(SCENARIO_SUFFIX)
            )
            if not found:
                raise RulesetError(f"{p}: no rule files", [Problem("the directory holds no .yaml rule files", file=str(p))])
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise RulesetError(f"{p}: not found", [Problem("no such file or directory", file=str(p))])
    return out


def load_documents(paths: Iterable[str | Path]) -> list[LoadedDocument]:
    """Parse and validate every file; raise all problems at once."""
    problems: list[Problem] = []
    sources: list[SourceDocument] = []
    for path in rule_files(paths):
        try:
            sources.append(parse_file(path))
        except RulesetError as exc:
            problems += exc.problems
    return _checked(sources, problems)


# The fact kind a ruleset decides on when it names none (its ``facts:`` key).
DEFAULT_FACTS = {GradingDocument: "incident", AuthorizationDocument: "operation"}


def fact_kind(model: GradingDocument | AuthorizationDocument) -> str:
    """The id of the fact schema a ruleset decides on."""
    return model.facts or DEFAULT_FACTS[type(model)]


def _checked(sources: Iterable[SourceDocument], problems: list[Problem]) -> list[LoadedDocument]:
    sources = list(sources)
    schemas: dict[str, FactSchema | None] = dict(bundled_schemas())
    try:
        schemas = dict(resolve_schemas([s for s in sources if is_facts_source(s)]))
    except RulesetError as exc:
        problems += exc.problems
        schemas = {**schemas, **_ids_declared(sources)}  # rules naming a broken schema are not reported twice
    loaded: list[LoadedDocument] = []
    for source in sources:
        if is_facts_source(source):
            declared = schemas.get(str(source.data.get("id")))
            if declared is not None:
                loaded.append(LoadedDocument(source, declared.document, declared))  # type: ignore[arg-type]
            continue
        model, shape_problems = parse_document(source)
        if model is None:
            problems += shape_problems
            continue
        schema = None
        if isinstance(model, (GradingDocument, AuthorizationDocument)):
            kind = fact_kind(model)
            if kind not in schemas:
                problems.append(source.problem(("facts",), f"unknown fact schema {kind!r}; known: {', '.join(sorted(schemas))}"))
                continue
            schema = schemas[kind]
            if schema is None:  # broken: its own problems are reported
                continue
        problems += check_document(source, model, schema)
        loaded.append(LoadedDocument(source, model, schema))
    problems += _check_across(loaded)
    if problems:
        files = sorted({p.file for p in problems if p.file})
        raise RulesetError(f"invalid ruleset{'s' if len(files) != 1 else ''}: {', '.join(files)}", problems)
    return loaded


def _ids_declared(sources: list[SourceDocument]) -> dict[str, None]:
    return {str(s.data.get("id")): None for s in sources if is_facts_source(s)}


def _check_across(loaded: list[LoadedDocument]) -> list[Problem]:
    problems: list[Problem] = []
    ids: dict[str, LoadedDocument] = {}
    calendars = {d.model.id for d in loaded if isinstance(d.model, CalendarDocument)}
    for d in loaded:
        if isinstance(d.model, FactsDocument):  # fact schema ids are their own namespace (checked when resolved)
            continue
        if d.model.id in ids:
            problems.append(d.source.problem(("id",), f"ruleset id {d.model.id!r} is also used by {ids[d.model.id].source.file}"))
        ids.setdefault(d.model.id, d)
        for i, cal in enumerate(getattr(d.model, "calendars", ())):
            if cal not in calendars:
                problems.append(d.source.problem(("calendars", i), f"calendar {cal!r} is not among the loaded files"))
    # Any number of grading rulesets (one decision each, told apart by their ids, which
    # are unique above); one authorization ruleset.
    for kind in (AuthorizationDocument,):
        docs = [d for d in loaded if isinstance(d.model, kind)]
        for extra in docs[1:]:
            problems.append(
                extra.source.problem(
                    ("kind",), f"a second {extra.model.kind} ruleset (first: {docs[0].source.file}); load them separately"
                )
            )
    return problems


def load_rulesets(*paths: str | Path) -> Rulebook:
    """Load, validate and compile rule files or directories (default: the bundled ones)."""
    return _compiled(load_documents(paths or (bundled_rulesets(),)))


def load_ruleset_texts(*texts: str) -> Rulebook:
    """Like :func:`load_rulesets`, from YAML text held in memory (named ``<text 1>``, …)."""
    problems: list[Problem] = []
    sources: list[SourceDocument] = []
    for i, text in enumerate(texts, 1):
        try:
            sources.append(parse_text(text, f"<text {i}>"))
        except RulesetError as exc:
            problems += exc.problems
    return _compiled(_checked(sources, problems))


def _compiled(loaded: list[LoadedDocument]) -> Rulebook:
    calendars = {d.model.id: d for d in loaded if isinstance(d.model, CalendarDocument)}
    gradings: dict[str, GradingEvaluator] = {}
    authorization = None
    for d in loaded:
        if isinstance(d.model, (GradingDocument, AuthorizationDocument)):
            used = [calendars[c] for c in d.model.calendars]
            ctx = _context(d.model, used, d.schema)  # type: ignore[arg-type]
            ref = RulesetRef(
                id=d.model.id,
                sha256=content_hash({"ruleset": d.source.data, "calendars": [c.source.data for c in used]}),
                version=None if d.model.version is None else str(d.model.version),
            )
            if isinstance(d.model, GradingDocument):
                gradings[d.model.id] = GradingEvaluator(d.model, ctx, ref, where=_where(d.source))
            else:
                authorization = AuthorizationEvaluator(d.model, ctx, ref)
    declared = tuple(d.schema for d in loaded if isinstance(d.model, FactsDocument) and d.schema is not None)
    return Rulebook(gradings=gradings, authorization=authorization, documents=tuple(loaded), fact_schemas=declared)


def _where(source: SourceDocument):
    """``path -> (file, line)`` for a key of ``source``: evaluation errors say where."""

    def where(path: tuple) -> tuple[str, int | None]:
        pos = source.locate(path)
        return source.file, pos[0] if pos else None

    return where


def _context(model: GradingDocument | AuthorizationDocument, calendars: list[LoadedDocument], schema: FactSchema) -> Context:
    base = schema.catalog
    zone_name = model.defaults.timezone.value if model.defaults.timezone else FALLBACK_ZONE
    window = model.defaults.maintenance_window.value if model.defaults.maintenance_window else FALLBACK_WINDOW
    periods = tuple(iv for c in calendars for iv in intervals(c.model))  # type: ignore[arg-type]
    return Context(
        fields=with_derived(base, model.derived),
        derived=dict(model.derived),
        default_zone=clock.zone(zone_name),
        default_window=clock.parse_window(window),
        calendar=tuple(sorted(periods, key=lambda iv: iv.start)),
        schema=schema,
    )
