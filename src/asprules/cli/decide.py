"""``asprules grade FILE`` and ``asprules authorize FILE``: one decision, explained."""

from __future__ import annotations

import argparse

from ..backends import BACKENDS
from .common import EXIT_OK, add_decision_format, add_rules, emit, rules_of


def _logged(args, fact, decision) -> None:
    if args.log:
        from ..audit import DecisionLog

        with DecisionLog(args.log, mask=args.log_mask or ()) as log:
            log.record(fact, decision)


def cmd_grade(args) -> int:
    from ..decide import fact_from_file, grade  # imported here: `asprules --help` stays light

    rules = rules_of(args)
    incident = fact_from_file(args.file, rules, "grading")  # validated against the ruleset's fact schema
    decision = grade(incident, rules, backend=args.backend)
    _logged(args, incident, decision)
    payload = {"id": incident.id, **decision.to_json()}
    emit(payload, f"{incident.id}: {decision.explain(args.lang)}", args.format)
    return EXIT_OK


def cmd_authorize(args) -> int:
    from ..decide import authorize, fact_from_file

    rules = rules_of(args)
    operation = fact_from_file(args.file, rules, "authorization")
    decision = authorize(operation, rules, backend=args.backend)
    _logged(args, operation, decision)
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
        p.add_argument("--log", metavar="FILE", help="append the decision to this JSONL audit log (see docs/integration.md)")
        p.add_argument(
            "--log-mask", action="append", metavar="FIELD", help="input field (dotted path) the log must not hold (repeatable)"
        )
        add_decision_format(p)
        p.set_defaults(func=fn)
