"""Load rule files through every stage: text → document → validated → compiled.

Everything is checked before anything is compiled, and all problems from all files are
reported together in one :class:`~asprules.errors.RulesetError`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Iterable

from . import clock, i18n
from .engine.authorization import AuthorizationEvaluator
from .engine.compile import Context
from .engine.decisions import RulesetRef
from .engine.grading import GradingEvaluator
from .engine.rulebook import LoadedDocument, Rulebook
from .errors import Problem, RulesetError
from .facts.schema import FactsDocument, FactSchema, bundled_schemas, is_facts_source, resolve_schemas
from .format.calendars import intervals, recurring
from .format.customers import Registry, build_registry
from .format.document import AuthorizationDocument, CalendarDocument, CustomerRegistry, GradingDocument
from .facts.fields import FieldType
from .format.validate import check_document, output_field, parse_document, with_derived
from .source import SourceDocument, content_hash, parse_file, parse_text, paused_gc

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
                raise i18n.error(RulesetError, "no_rule_files_in", [i18n.problem("directory_without_rules", file=str(p))], path=str(p))
            out += found
        elif p.exists():  # a FIFO or a device is refused by what it is when read (source.read_bytes)
            out.append(p)
        else:
            raise i18n.error(RulesetError, "not_found", [i18n.problem("no_such_file", file=str(p))], path=str(p))
    return out


# The kinds a rulebook for one decision leaves unread past their ``kind``: grading needs
# no authorization ruleset, authorizing no grading one (nor do their checks look across).
# Their files are parsed, so the kind is known, but never validated nor compiled: neither
# their models' validators (pydantic builds each on first use) nor their evaluators are built.
UNREAD_FOR = {"grading": ("authorization",), "authorization": ("grading",)}


def load_documents(paths: Iterable[str | Path], unread: Iterable[str] = ()) -> list[LoadedDocument]:
    """Parse and validate every file, except those of the ``unread`` kinds; raise all
    problems at once."""
    return _read_documents(paths, unread)[0]


def _read_documents(paths: Iterable[str | Path], unread: Iterable[str] = ()) -> tuple[list[LoadedDocument], tuple[str, ...]]:
    """:func:`load_documents`, and the name of every file parsed (those of ``unread``
    kinds too), in load order."""
    problems: list[Problem] = []
    sources: list[SourceDocument] = []
    read: list[str] = []
    skipped = frozenset(unread)
    for path in rule_files(paths):
        try:
            source = parse_file(path)
        except RulesetError as exc:
            problems += exc.problems
            continue
        read.append(source.file)
        if not (skipped and isinstance(source.data, dict) and source.data.get("kind") in skipped):
            sources.append(source)
    return _checked(sources, problems), tuple(read)


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
    # two passes, so a ruleset is checked knowing the decisions it requires; load order kept
    parsed: list[tuple[SourceDocument, object, FactSchema | None] | LoadedDocument] = []
    for source in sources:
        if is_facts_source(source):
            declared = schemas.get(str(source.data.get("id")))
            if declared is not None:
                parsed.append(LoadedDocument(source, declared.document, declared))  # type: ignore[arg-type]
            continue
        model, shape_problems = parse_document(source)
        if model is None:
            problems += shape_problems
            continue
        schema = None
        if isinstance(model, (GradingDocument, AuthorizationDocument)):
            kind = fact_kind(model)
            if kind not in schemas:
                problems.append(source.problem(("facts",), i18n.said("problem.unknown_fact_schema", id=kind, known=", ".join(sorted(schemas)))))
                continue
            schema = schemas[kind]
            if schema is None:  # broken: its own problems are reported
                continue
        parsed.append((source, model, schema))
    gradings = {e[1].id: (e[0], e[1]) for e in parsed if isinstance(e, tuple) and isinstance(e[1], GradingDocument)}
    problems += _check_requires(gradings)
    loaded: list[LoadedDocument] = []
    for entry in parsed:
        if isinstance(entry, LoadedDocument):
            loaded.append(entry)
            continue
        source, model, schema = entry
        inputs = required_fields(model, gradings) if isinstance(model, GradingDocument) else None
        problems += check_document(source, model, schema, inputs)
        loaded.append(LoadedDocument(source, model, schema))  # type: ignore[arg-type]
    problems += _check_across(loaded)
    if problems:
        files = sorted({p.file for p in problems if p.file})
        raise i18n.error(RulesetError, "invalid_rulesets" if len(files) != 1 else "invalid_ruleset", problems, files=", ".join(files))
    return loaded


def required_fields(model: GradingDocument, gradings: dict[str, tuple[SourceDocument, GradingDocument]]) -> dict[str, FieldType]:
    """The fields a ruleset's ``requires`` give its conditions: ``ID.level`` (an enum of the
    required ruleset's levels) and ``ID.OUTPUT`` for each of its declared outputs."""
    fields: dict[str, FieldType] = {}
    for ident in model.requires:
        if ident not in gradings:
            continue
        dep = gradings[ident][1]
        if dep.levels:
            fields[f"{ident}.level"] = FieldType("enum", tuple(lv.id for lv in dep.levels))
        for out in dep.outputs:
            fields[f"{ident}.{out.id}"] = output_field(out)
    return fields


def _check_requires(gradings: dict[str, tuple[SourceDocument, GradingDocument]]) -> list[Problem]:
    """Every required decision is loaded, no ruleset requires itself or one that comes back
    to it: a cycle is reported at the ``requires`` entry that closes it."""
    problems: list[Problem] = []
    for ident, (source, model) in gradings.items():
        for i, dep in enumerate(model.requires):
            if dep not in gradings:
                loaded = ", ".join(g for g in gradings if g != ident)
                said = i18n.said("problem.requires_unloaded", dep=dep, loaded=loaded) if loaded else i18n.said("problem.requires_unloaded_none", dep=dep)
                problems.append(source.problem(("requires", i), said))
    reported: set[frozenset[str]] = set()
    for start in gradings:
        path = _cycle_from(start, gradings)
        if path and frozenset(path) not in reported:
            reported.add(frozenset(path))
            last, closing = path[-1], path[0]
            source, model = gradings[last]
            chain = " → ".join(path + [closing])
            problems.append(source.problem(("requires", model.requires.index(closing)), i18n.said("problem.requires_cycle", chain=chain)))
    return problems


def _cycle_from(start: str, gradings: dict[str, tuple[SourceDocument, GradingDocument]]) -> list[str] | None:
    """A cycle of requires through ``start`` (as the list of ids, ``start`` first), or None."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for dep in gradings[node][1].requires:
            if dep == start:
                return path
            if dep in gradings and dep not in seen:
                seen.add(dep)
                stack.append((dep, path + [dep]))
    return None


def dependency_order(models: list[GradingDocument]) -> list[GradingDocument]:
    """Grading rulesets with every required one before those that require it (load order
    otherwise); validated acyclic."""
    by_id = {m.id: m for m in models}
    done: dict[str, GradingDocument] = {}

    def visit(m: GradingDocument) -> None:
        if m.id in done:
            return
        for dep in m.requires:
            visit(by_id[dep])
        done[m.id] = m

    for m in models:
        visit(m)
    return list(done.values())


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
            problems.append(d.source.problem(("id",), i18n.said("problem.ruleset_id_taken", id=d.model.id, first=ids[d.model.id].source.file)))
        ids.setdefault(d.model.id, d)
        for i, cal in enumerate(getattr(d.model, "calendars", ())):
            if cal not in calendars:
                problems.append(d.source.problem(("calendars", i), i18n.said("problem.calendar_not_loaded", calendar=cal)))
    registered: dict[str, LoadedDocument] = {}
    for d in loaded:
        if isinstance(d.model, CustomerRegistry):
            for i, c in enumerate(d.model.customers):
                if c.id in registered:
                    if registered[c.id] is d:
                        said = i18n.said("problem.customer_twice_here", customer=c.id)
                    else:
                        said = i18n.said("problem.customer_twice", customer=c.id, first=registered[c.id].source.file)
                    problems.append(d.source.problem(("customers", i, "id"), said))
                registered.setdefault(c.id, d)
    # Any number of grading rulesets (one decision each, told apart by their ids, which
    # are unique above); one authorization ruleset.
    for kind in (AuthorizationDocument,):
        docs = [d for d in loaded if isinstance(d.model, kind)]
        for extra in docs[1:]:
            problems.append(
                extra.source.problem(
                    ("kind",), i18n.said("problem.second_ruleset", kind=extra.model.kind, first=docs[0].source.file)
                )
            )
    return problems


def load_rulesets(*paths: str | Path, deciding: str | None = None) -> Rulebook:
    """Load, validate and compile rule files or directories (default: the bundled ones).

    ``deciding="grading"`` (or ``"authorization"``): a rulebook for that decision only;
    files of the other ruleset kind are not read past their kind (:data:`UNREAD_FOR`),
    so their problems are not reported here, and the rulebook's files still name them."""
    with paused_gc():
        loaded, read = _read_documents(paths or (bundled_rulesets(),), UNREAD_FOR.get(deciding or "", ()))
        return _compiled(loaded, read if deciding else None)


def load_ruleset_texts(*texts: str) -> Rulebook:
    """Like :func:`load_rulesets`, from YAML text held in memory (named ``<text 1>``, …)."""
    problems: list[Problem] = []
    sources: list[SourceDocument] = []
    with paused_gc():
        for i, text in enumerate(texts, 1):
            try:
                sources.append(parse_text(text, f"<text {i}>"))
            except RulesetError as exc:
                problems += exc.problems
        return _compiled(_checked(sources, problems))


def _compiled(loaded: list[LoadedDocument], files: tuple[str, ...] | None = None) -> Rulebook:
    calendars = {d.model.id: d for d in loaded if isinstance(d.model, CalendarDocument)}
    registries = [d for d in loaded if isinstance(d.model, CustomerRegistry)]
    registry = build_registry([d.model for d in registries])  # type: ignore[misc]
    built: dict[str, GradingEvaluator] = {}
    authorization = None
    by_model = {id(d.model): d for d in loaded}
    grading_models = [d.model for d in loaded if isinstance(d.model, GradingDocument)]
    order = [by_model[id(m)] for m in dependency_order(grading_models)]  # type: ignore[arg-type]
    for d in order + [d for d in loaded if not isinstance(d.model, GradingDocument)]:
        if isinstance(d.model, (GradingDocument, AuthorizationDocument)):
            used = [calendars[c] for c in d.model.calendars]
            inputs = None
            if isinstance(d.model, GradingDocument) and d.model.requires:
                known = {m.id: (x.source, m) for x in loaded if isinstance((m := x.model), GradingDocument)}
                inputs = required_fields(d.model, known)  # type: ignore[arg-type]
            ctx = _context(d.model, used, d.schema, inputs, registry)  # type: ignore[arg-type]
            hashed = {"ruleset": d.source.data, "calendars": [c.source.data for c in used]}
            if registries:  # the registry decides, so it is part of what was decided with
                hashed["customers"] = [r.source.data for r in registries]
            ref = RulesetRef(
                id=d.model.id,
                sha256=content_hash(hashed),
                version=None if d.model.version is None else str(d.model.version),
            )
            if isinstance(d.model, GradingDocument):
                requires = [built[dep] for dep in d.model.requires]
                built[d.model.id] = GradingEvaluator(d.model, ctx, ref, where=_where(d.source), requires=requires)
            else:
                authorization = AuthorizationEvaluator(d.model, ctx, ref)
    gradings = {m.id: built[m.id] for m in grading_models}  # load order
    declared = tuple(d.schema for d in loaded if isinstance(d.model, FactsDocument) and d.schema is not None)
    return Rulebook(gradings=gradings, authorization=authorization, documents=tuple(loaded), fact_schemas=declared, read=files)


def _where(source: SourceDocument):
    """``path -> (file, line)`` for a key of ``source``: evaluation errors say where."""

    def where(path: tuple) -> tuple[str, int | None]:
        pos = source.locate(path)
        return source.file, pos[0] if pos else None

    return where


def _context(
    model: GradingDocument | AuthorizationDocument,
    calendars: list[LoadedDocument],
    schema: FactSchema,
    inputs: dict[str, FieldType] | None = None,
    registry: Registry | None = None,
) -> Context:
    base = {**schema.catalog, **(inputs or {})}
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
        recurring=tuple(r for c in calendars for r in recurring(c.model)),  # type: ignore[arg-type]
        registry=registry,
    )


def load_named_texts(named: Iterable[tuple[str, str]]) -> Rulebook:
    """Like :func:`load_ruleset_texts`, each text with the name its problems and findings
    cite (``rules/grading.yaml@main``): rule files read from git objects keep a real
    ``file:line``.

    >>> rb = load_named_texts([("g.yaml@HEAD", open(bundled_rulesets() / "grading.yaml").read())])
    >>> rb.files
    ('g.yaml@HEAD',)
    """
    problems: list[Problem] = []
    sources: list[SourceDocument] = []
    for name, text in named:
        try:
            sources.append(parse_text(text, name))
        except RulesetError as exc:
            problems += exc.problems
    if not sources and not problems:
        raise i18n.error(RulesetError, "no_rule_files", [i18n.problem("no_rule_files_given")])
    return _compiled(_checked(sources, problems))
