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

from typing import Any, Iterable, Iterator, Literal, Mapping

from .engine.decisions import AuthorizationDecision, GradeDecision
from .engine.rulebook import Rulebook
from .errors import BackendUnavailable, FactError, Problem, RulesetError
from .facts.models import Incident, Operation, parse_incident, parse_operation

Backend = Literal["compiled", "rete"]
BACKENDS: tuple[str, ...] = ("compiled", "rete")


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise BackendUnavailable(f"unknown backend {backend!r}", [Problem(f"available backends: {', '.join(BACKENDS)}")])


def grade(
    incident: Mapping[str, Any] | Incident, rules: Rulebook, *, decision: str | None = None, backend: Backend = "compiled"
) -> GradeDecision:
    """Grade an incident under the grading ruleset ``decision`` names (its id; may be
    omitted when exactly one is loaded). Raises :class:`FactError` for bad input and
    :class:`RulesetError` when ``decision`` names no loaded ruleset or several are loaded
    and none is named — never a deep traceback."""
    _check_backend(backend)
    evaluator = rules.decision(decision)
    if backend == "rete":
        from .backends import rete  # durable-rules is imported only when asked for

        return rete.grade(parse_incident(incident), evaluator)
    return evaluator.grade(parse_incident(incident))


def grade_all(
    incident: Mapping[str, Any] | Incident, rules: Rulebook, *, backend: Backend = "compiled"
) -> dict[str, GradeDecision]:
    """Every decision for one incident: the grading ruleset id → its decision, in load order.

    The incident is parsed once. Raises :class:`RulesetError` when no grading ruleset is loaded.
    """
    _check_backend(backend)
    if not rules.gradings:
        rules.decision(None)  # raises: no grading ruleset loaded
    fact = parse_incident(incident)
    return {ident: grade(fact, rules, decision=ident, backend=backend) for ident in rules.gradings}


def authorize(operation: Mapping[str, Any] | Operation, rules: Rulebook, *, backend: Backend = "compiled") -> AuthorizationDecision:
    """Decide whether an operation may run now: ``authorized``, ``pending`` or ``denied``."""
    _check_backend(backend)
    if rules.authorization is None:
        raise RulesetError("no authorization ruleset loaded", [Problem(f"loaded files: {', '.join(rules.files) or 'none'}")])
    if backend == "rete":
        from .backends import rete

        return rete.authorize(parse_operation(operation), rules.authorization)
    return rules.authorization.authorize(parse_operation(operation))


def grade_many(
    incidents: Iterable[Mapping[str, Any] | Incident],
    rules: Rulebook,
    *,
    decision: str | None = None,
    backend: Backend = "compiled",
) -> Iterator[GradeDecision]:
    """Grade each incident in turn; yields decisions in input order.

    Raises :class:`RulesetError` at once when no grading ruleset is loaded (or ``decision``
    names none, or several are loaded and none is named), and
    :class:`FactError` (``incident #i``: zero-based position) when an incident is invalid.
    """
    _check_backend(backend)
    evaluator = rules.decision(decision)
    if backend != "compiled":
        return (grade(incident, rules, decision=decision, backend=backend) for incident in incidents)  # type: ignore[arg-type]
    return _compiled(incidents, evaluator.grade)


def _compiled(incidents: Iterable[Mapping[str, Any] | Incident], grade) -> Iterator[GradeDecision]:
    for index, incident in enumerate(incidents):
        if type(incident) is not Incident:
            try:
                incident = parse_incident(incident)
            except FactError as exc:
                raise FactError(f"incident #{index}: {exc.summary}", exc.problems) from None
        yield grade(incident)
