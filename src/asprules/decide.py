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
from . import i18n
from .errors import AspRulesError, BackendUnavailable, FactError, Problem, RulesetError
from .facts.models import Incident, Operation, parse_incident, parse_operation, read_fact_file, validated

Backend = Literal["compiled", "rete"]
BACKENDS: tuple[str, ...] = ("compiled", "rete")


def _loaded_files(files) -> Problem:
    return i18n.problem("loaded_files", files=", ".join(files)) if files else i18n.problem("loaded_no_files")


def _summary_of(exc: AspRulesError) -> str | i18n.Said:
    """An error's summary, as a message when it has a catalog key."""
    key = f"summary.{exc.code}"
    if exc.code and key in i18n.EN:
        return i18n.Said(key, exc.params, exc.summary)
    return exc.summary


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise i18n.error(BackendUnavailable, "unknown_backend", [i18n.problem("available_backends", backends=", ".join(BACKENDS))], backend=repr(backend))


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
        raise i18n.error(RulesetError, "no_authorization", [_loaded_files(rules.files)])
    return rules.authorization


def _check_at(at: datetime | None) -> None:
    if at is not None and (not isinstance(at, datetime) or at.utcoffset() is None):
        raise i18n.error(FactError, "at_needs_offset", [i18n.problem("got_value", ("at",), value=repr(at))])


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
    _registered(evaluator, fact)
    if backend == "rete":
        if evaluator.requires:
            raise i18n.error(
                BackendUnavailable,
                "rete_requires",
                [i18n.problem("rete_one_ruleset", ("requires",))],
                ruleset=evaluator.ref.id,
                requires=", ".join(d.ref.id for d in evaluator.requires),
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


def evaluation_time(at: datetime | str | None) -> datetime | None:
    """``at`` as an offset-aware instant (ISO 8601 text is read); :class:`FactError` otherwise."""
    if at is None or isinstance(at, datetime) and at.tzinfo is not None:
        return at  # type: ignore[return-value]
    if isinstance(at, str):
        try:
            parsed = datetime.fromisoformat(at)
        except ValueError:
            raise i18n.error(FactError, "invalid_time", [i18n.problem("not_iso_time", ("at",), value=repr(at))]) from None
        return evaluation_time(parsed)
    shown = at.isoformat() if isinstance(at, datetime) else repr(at)
    raise i18n.error(FactError, "invalid_time", [i18n.problem("time_without_offset", ("at",), value=shown)])


def authorize(
    operation: Mapping[str, Any] | Operation,
    rules: Rulebook,
    *,
    at: datetime | str | None = None,
    backend: Backend = "compiled",
    why_not: bool = False,
) -> AuthorizationDecision:
    """Decide whether an operation may run: ``authorized``, ``pending`` or ``denied``, as of
    ``at`` (default: its scheduled start; never the wall clock).

    ``why_not=True``: each violation also holds what in its condition matched (the
    sensitive period, the window left), in the operation's local time."""
    _check_backend(backend)
    evaluator = _authorization(rules)
    fact = fact_parser(evaluator)(operation)
    when = evaluation_time(at)
    if backend == "rete":
        from .backends import rete

        decision = rete.authorize(fact, evaluator, at=when)
    else:
        decision = evaluator.authorize(fact, at=when)
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
    return _compiled(incidents, decide, Incident if schema is None else schema.model, fact_parser(evaluator), evaluator)


def _registered(evaluator: Any, fact: Any) -> None:
    """A loaded customer registry refuses a fact whose customer it does not know, or whose
    own profile would widen the window or change the zone: a :class:`FactError`."""
    refused = evaluator.ctx.refusal(fact)
    if refused is not None:
        ident = getattr(fact, "id", None)
        problem = Problem(refused.english, path=("customer",), code=refused.code, params=refused.params)
        raise i18n.error(FactError, "customer_refused_for", [problem], id=repr(ident)) if ident else i18n.error(FactError, "customer_refused", [problem])


def _compiled(
    incidents: Iterable[Mapping[str, Any] | Incident], grade, model: type, parse: Callable[[Any], Any], evaluator: Any = None
) -> Iterator[GradeDecision]:
    check = evaluator is not None and evaluator.ctx.registry is not None
    for index, incident in enumerate(incidents):
        try:
            if type(incident) is not model or not validated(incident):
                incident = parse(incident)
            if check:
                _registered(evaluator, incident)
        except FactError as exc:
            raise i18n.error(FactError, "incident_number", exc.problems, index=index, summary=_summary_of(exc)) from None
        yield grade(incident)
