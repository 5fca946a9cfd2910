"""Grading many incidents: an iterable in, decisions out, one at a time.

Streams: nothing is kept between incidents, so grading a million of them from a
generator holds one fact in memory at a time. A bad incident stops the stream with a
:class:`FactError` that names its position, so the caller can find it in its source.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from .decisions import GradeDecision
from .errors import FactError, Problem, RulesetError
from .facts import Incident, parse_incident
from .loader import Rulebook


def grade_many(
    incidents: Iterable[Mapping[str, Any] | Incident], rules: Rulebook, *, backend: str = "compiled"
) -> Iterator[GradeDecision]:
    """Grade each incident in turn; yields decisions in input order.

    Raises :class:`RulesetError` at once when no grading ruleset is loaded, and
    :class:`FactError` (``incident #i``: zero-based position) when an incident is invalid.
    """
    if rules.grading is None:
        raise RulesetError("no grading ruleset loaded", [Problem(f"loaded files: {', '.join(rules.files) or 'none'}")])
    if backend != "compiled":
        from . import grade

        return (grade(incident, rules, backend=backend) for incident in incidents)  # type: ignore[arg-type]
    return _compiled(incidents, rules.grading.grade)


def _compiled(incidents: Iterable[Mapping[str, Any] | Incident], grade) -> Iterator[GradeDecision]:
    for index, incident in enumerate(incidents):
        if type(incident) is not Incident:
            try:
                incident = parse_incident(incident)
            except FactError as exc:
                raise FactError(f"incident #{index}: {exc.summary}", exc.problems) from None
        yield grade(incident)
