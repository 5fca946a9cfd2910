"""``asprules grade FILE`` and ``asprules authorize FILE``: one decision, explained."""

from __future__ import annotations

import argparse

from ..decide import BACKENDS, authorize, grade
from ..facts.models import incident_from_file, operation_from_file
from .common import EXIT_OK, add_decision_format, add_rules, emit, rules_of


def cmd_grade(args) -> int:
    rules = rules_of(args)
    incident = incident_from_file(args.file)
    decision = grade(incident, rules, backend=args.backend)
    payload = {"id": incident.id, **decision.to_json()}
    emit(payload, f"{incident.id}: {decision.explain(args.lang)}", args.format)
    return EXIT_OK


def cmd_authorize(args) -> int:
    rules = rules_of(args)
    operation = operation_from_file(args.file)
    decision = authorize(operation, rules, backend=args.backend)
    payload = {"id": operation.id, **decision.to_json()}
    emit(payload, f"{operation.id}: {decision.explain(args.lang)}", args.format)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    for name, helper, fn in (
        ("grade", "grade an incident file (YAML or JSON)", cmd_grade),
        ("authorize", "decide whether an operation file may run", cmd_authorize),
    ):
        p = sub.add_parser(name, help=helper)
        p.add_argument("file", help="the fact file")
        add_rules(p)
        p.add_argument(
            "--backend",
            choices=BACKENDS,
            default="compiled",
            help="evaluator: compiled closures (default) or the durable-rules Rete network; see docs/backends.md",
        )
        add_decision_format(p)
        p.set_defaults(func=fn)
