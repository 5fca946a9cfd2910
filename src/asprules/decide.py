"""Deciding with a backend chosen by name: grade, grade all decisions, authorize, grade many.

This is where the engine and the backends meet: the compiled evaluators of
:mod:`asprules.engine` decide by default, and ``backend="rete"`` hands the same
evaluator to :mod:`asprules.backends.rete`, which builds the same decision.

:func:`grade_many` streams: nothing is kept between incidents, so grading a million of
them from a generator holds one fact in memory at a time. A bad incident stops the
stream with a :class:`FactError` that names its position, so the caller can find it in
its source.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Literal, Mapping

from .engine.decisions import AuthorizationDecision, GradeDecision
from .engine.rulebook import Rulebook
from .errors import BackendUnavailable, FactError, Problem, RulesetError
from .facts.models import Incident, Operation, parse_incident, parse_operation, read_fact_file, validated

Backend = Literal["compiled", "rete"]
BACKENDS: tuple[str, ...] = ("compiled", "rete")


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise BackendUnavailable(f"unknown backend {backend!r}", [Problem(f"available backends: {', '.join(BACKENDS)}")])


def fact_parser(evaluator: Any) -> Callable[[Any], Any]:
    """How facts for this evaluator are validated: its ruleset's declared fact schema, or
    the handbook's model when it decides on a bundled kind."""
    schema = evaluator.ctx.schema
    if schema is None or schema.model is Incident:
        return parse_incident
    if schema.model is Operation:
        return parse_operation
    return schema.parse


def fact_from_file(
    path: str, rules: Rulebook, kind: Literal["grading", "authorization"], *, decision: str | None = None
) -> Any:
    """Read a fact file (YAML or JSON) for one of the rulebook's decisions (``decision``
    names a grading ruleset when several are loaded), validated against the fact schema
    that ruleset decides on; problems name the file and line."""
    evaluator = rules.decision(decision) if kind == "grading" else _authorization(rules)
    source = read_fact_file(path)
    return fact_parser(evaluator)(source.data, source=source)


def _authorization(rules: Rulebook):
    if rules.authorization is None:
        raise RulesetError("no authorization ruleset loaded", [Problem(f"loaded files: {', '.join(rules.files) or 'none'}")])
    return rules.authorization


def _check_at(at: datetime | None) -> None:
    if at is not None and (not isinstance(at, datetime) or at.utcoffset() is None):
        raise FactError("at must be a datetime with a time zone offset", [Problem(f"got {at!r}", path=("at",))])


def grade(
    incident: Mapping[str, Any] | Incident,
    rules: Rulebook,
    *,
    decision: str | None = None,
    at: datetime | None = None,
    backend: Backend = "compiled",
    why_not: bool = False,
) -> GradeDecision:
    """Grade an incident (or a fact of the kind the ruleset declares) under the grading
    ruleset ``decision`` names (its id; may be omitted when exactly one is loaded).

    ``at`` is the moment of grading: obligations that run ``from: graded`` are due from it,
    and obligations already past due at ``at`` are ``overdue``; without it they have no
    absolute deadline (never the wall clock). Raises :class:`FactError` for bad input and
    :class:`RulesetError` when ``decision`` names no loaded ruleset or several are loaded
    and none is named — never a deep traceback.

    ``why_not=True``: the decision also holds, for each more severe row of the deciding
    table, the first condition that failed with the fact's value (``decision.why_not``,
    ``decision.explain(why_not=True)``)."""
    _check_backend(backend)
    _check_at(at)
    evaluator = rules.decision(decision)
    fact = fact_parser(evaluator)(incident)
    if backend == "rete":
        if evaluator.requires:
            raise BackendUnavailable(
                f"ruleset {evaluator.ref.id!r} reads other decisions (requires: {', '.join(d.ref.id for d in evaluator.requires)})",
                [Problem("the rete backend grades one ruleset at a time; use backend='compiled'", path=("requires",))],
            )
        from .backends import rete  # durable-rules is imported only when asked for

        made = evaluator.consequences(rete.grade(fact, evaluator), fact, at)
    else:
        made = evaluator.decide(fact, at)
    return evaluator.with_why_not(fact, made) if why_not else made


def grade_all(
    incident: Mapping[str, Any] | Incident, rules: Rulebook, *, at: datetime | None = None, backend: Backend = "compiled"
) -> dict[str, GradeDecision]:
    """Every decision for one incident: the grading ruleset id → its decision, in load order.

    The incident is parsed once. Raises :class:`RulesetError` when no grading ruleset is loaded.
    """
    _check_backend(backend)
    if not rules.gradings:
        rules.decision(None)  # raises: no grading ruleset loaded
    # Each decision validates the fact against its own ruleset's schema; a fact already
    # validated as that schema's model passes through at no cost.
    return {ident: grade(incident, rules, decision=ident, at=at, backend=backend) for ident in rules.gradings}


def authorize(
    operation: Mapping[str, Any] | Operation, rules: Rulebook, *, backend: Backend = "compiled", why_not: bool = False
) -> AuthorizationDecision:
    """Decide whether an operation may run now: ``authorized``, ``pending`` or ``denied``.

    ``why_not=True``: each violation also holds what in its condition matched (the
    sensitive period, the window left), in the operation's local time."""
    _check_backend(backend)
    evaluator = _authorization(rules)
    fact = fact_parser(evaluator)(operation)
    if backend == "rete":
        from .backends import rete

        decision = rete.authorize(fact, evaluator)
    else:
        decision = evaluator.authorize(fact)
    return evaluator.with_why_not(fact, decision) if why_not else decision


def grade_many(
    incidents: Iterable[Mapping[str, Any] | Incident],
    rules: Rulebook,
    *,
    decision: str | None = None,
    at: datetime | None = None,
    backend: Backend = "compiled",
) -> Iterator[GradeDecision]:
    """Grade each incident in turn; yields decisions in input order.

    Raises :class:`RulesetError` at once when no grading ruleset is loaded (or ``decision``
    names none, or several are loaded and none is named), and
    :class:`FactError` (``incident #i``: zero-based position) when an incident is invalid.
    """
    _check_backend(backend)
    _check_at(at)
    evaluator = rules.decision(decision)
    if backend != "compiled":
        return (grade(incident, rules, decision=decision, at=at, backend=backend) for incident in incidents)  # type: ignore[arg-type]
    schema = evaluator.ctx.schema
    decide = evaluator.grade if evaluator.plain else (lambda fact: evaluator.decide(fact, at))
    return _compiled(incidents, decide, Incident if schema is None else schema.model, fact_parser(evaluator))


def _compiled(incidents: Iterable[Mapping[str, Any] | Incident], grade, model: type, parse: Callable[[Any], Any]) -> Iterator[GradeDecision]:
    for index, incident in enumerate(incidents):
        if type(incident) is not model or not validated(incident):
            try:
                incident = parse(incident)
            except FactError as exc:
                raise FactError(f"incident #{index}: {exc.summary}", exc.problems) from None
        yield grade(incident)
