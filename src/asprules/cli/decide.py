"""``asprules grade FILE`` and ``asprules authorize FILE``: one decision, explained."""

from __future__ import annotations

import argparse
from datetime import datetime

from ..audit import DecisionLog
from ..decide import BACKENDS, authorize, fact_from_file, grade
from .common import EXIT_OK, add_decision_format, add_rules, emit, rules_of


def _logged(args, fact, decision) -> None:
    if args.log:
        with DecisionLog(args.log, mask=args.log_mask or ()) as log:
            log.record(fact, decision)


def decision_payload(fact, decision) -> dict:
    """The JSON of one decision: the fact's id and the decision's ``to_json()``. What
    ``--format json`` prints, and what ``asprules serve`` answers for each fact."""
    return {"id": getattr(fact, "id", None), **decision.to_json()}


def cmd_grade(args) -> int:
    rules = rules_of(args)
    if args.all_decisions:
        return _grade_all(args, rules)
    # validated against the fact schema of the ruleset that decides
    incident = fact_from_file(args.file, rules, "grading", decision=args.decision)
    decision = grade(incident, rules, decision=args.decision, at=args.at, backend=args.backend)
    _logged(args, incident, decision)
    payload = decision_payload(incident, decision)
    emit(payload, f"{incident.id}: {decision.explain(args.lang)}", args.format)
    return EXIT_OK


def _grade_all(args, rules) -> int:
    """Every grading decision loaded; each reads the file against its own fact schema."""
    decisions = {}
    for ident in rules.decisions:
        incident = fact_from_file(args.file, rules, "grading", decision=ident)
        decisions[ident] = grade(incident, rules, decision=ident, at=args.at, backend=args.backend)
        _logged(args, incident, decisions[ident])
    payload = {"id": incident.id, "decisions": {k: d.to_json() for k, d in decisions.items()}}
    shown = "\n".join(f"{incident.id} [{k}]: {d.explain(args.lang)}" for k, d in decisions.items())
    emit(payload, shown, args.format)
    return EXIT_OK


def cmd_authorize(args) -> int:
    rules = rules_of(args)
    operation = fact_from_file(args.file, rules, "authorization")
    decision = authorize(operation, rules, backend=args.backend)
    _logged(args, operation, decision)
    payload = decision_payload(operation, decision)
    emit(payload, f"{operation.id}: {decision.explain(args.lang)}", args.format)
    return EXIT_OK


def _instant(text: str) -> datetime:
    """``--at``: an ISO 8601 time with its offset (the moment of grading)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if value.utcoffset() is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no offset; write e.g. 2026-12-02T10:00+08:00")
    return value


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
        if name == "grade":
            which = p.add_mutually_exclusive_group()
            which.add_argument(
                "--decision", metavar="ID", help="the grading ruleset to decide by (its id); needed when several are loaded"
            )
            which.add_argument("--all", dest="all_decisions", action="store_true", help="decide by every grading ruleset loaded")
            p.add_argument(
                "--at", type=_instant, metavar="TIME",
                help="the moment of grading (ISO 8601 with offset): obligations due from it, and overdue ones marked; default: none",
            )
        p.add_argument("--log", metavar="FILE", help="append the decision to this JSONL audit log (see docs/integration.md)")
        p.add_argument(
            "--log-mask", action="append", metavar="FIELD", help="input field (dotted path) the log must not hold (repeatable)"
        )
        add_decision_format(p)
        p.set_defaults(func=fn)
