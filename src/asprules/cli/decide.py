"""``asprules grade FILE`` and ``asprules authorize FILE``: decisions, explained.

FILE is a YAML or JSON fact, ``-`` for standard input, or JSON Lines (one fact a line,
one decision a line out). A bad line is reported on stderr with its line number and the
run goes on (``--fail-fast`` stops at the first); the exit status is then 1.
``--exit-status`` makes ``authorize`` say its decision in the exit status
(0 authorized, 4 pending, 5 denied; see :mod:`asprules.cli.common`).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from .. import i18n
from ..backends import BACKENDS
from ..errors import AspRulesError, FactError
from ..i18n import printable
from .common import (
    EXIT_DENIED,
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_PENDING,
    Progress,
    add_decision_format,
    add_rules,
    emit,
    rules_of,
)

_STATUS_EXIT = {"authorized": EXIT_OK, "pending": EXIT_PENDING, "denied": EXIT_DENIED}


def decision_payload(fact, decision, lang: str = "en") -> dict:
    """The JSON of one decision: ``decision.to_json(lang, fact_id=...)`` with the fact's id.
    What ``--format json`` prints, and what ``asprules serve`` answers for each fact."""
    return decision.to_json(lang, fact_id=getattr(fact, "id", None))


# The API's decisions, imported when a command decides (not for `--help`); named here so
# that a command's every decision goes through this module.
def grade(*args, **kwargs):
    from ..decide import grade as decide_grade

    return decide_grade(*args, **kwargs)


def authorize(*args, **kwargs):
    from ..decide import authorize as decide_authorize

    return decide_authorize(*args, **kwargs)


def _decide(args, which: str) -> int:
    from ..audit import DecisionLog
    from ..decide import fact_parser
    from ..facts.models import read_fact_documents

    rules = rules_of(args, which)
    if which == "grading":  # one decision, or every one with --all; RulesetError before any input is read
        idents = list(rules.decisions) if args.all_decisions else [args.decision]
        parsers = {ident: fact_parser(rules.decision(ident)) for ident in idents}
        if args.all_decisions and not idents:
            rules.decision(None)  # raises: no grading ruleset loaded
    else:
        if rules.authorization is None:
            authorize({}, rules)  # raises the API's RulesetError
        parsers = {None: fact_parser(rules.authorization)}  # the ruleset's fact schema: bundled or declared
    log = DecisionLog(args.log, mask=args.log_mask or ()) if args.log else None
    documents = list(read_fact_documents(args.file))
    stream = len(documents) > 1 or args.file.endswith((".jsonl", ".ndjson"))
    failed, worst = 0, EXIT_OK
    progress = Progress(len(documents) if stream else 0, i18n.text("progress.facts", args.lang))
    try:
        for number, doc in documents:
            progress.step()
            try:
                if isinstance(doc, FactError):
                    raise doc
                made = {}
                for ident, parse in parsers.items():
                    fact = parse(doc.data, source=doc)
                    if which == "grading":
                        made[ident] = grade(fact, rules, decision=ident, at=args.at, backend=args.backend, why_not=args.why_not)
                    else:
                        made[ident] = authorize(fact, rules, at=args.at, backend=args.backend, why_not=args.why_not)
            except AspRulesError as exc:
                if not stream:
                    raise
                failed += 1
                print(i18n.error_text(exc, args.lang), file=sys.stderr)
                if args.format == "json":
                    print(json.dumps({"line": number, **exc.to_json()}, ensure_ascii=False))
                if args.fail_fast:
                    break
                continue
            fact_id = getattr(fact, "id", None)
            if log is not None:
                for decision in made.values():
                    log.record(fact, decision)
            explained = {k: d.explain(args.lang, why_not=True) if args.why_not else d.explain(args.lang) for k, d in made.items()}
            if which == "grading" and args.all_decisions:
                payload = {"id": fact_id, "decisions": {k: decision_payload(fact, d, args.lang) for k, d in made.items()}}
                shown = "\n".join(f"{printable(str(fact_id))} [{k}]: {text}" for k, text in explained.items())
            else:
                [(_, decision)] = made.items()
                payload = decision_payload(fact, decision, args.lang)
                shown = f"{printable(str(fact_id))}: {next(iter(explained.values()))}"
                if which == "authorization" and args.exit_status:
                    worst = max(worst, _STATUS_EXIT[decision.status])
            if stream:
                payload = {"line": number, **payload}
            emit(payload, shown, args.format, one_line=stream)
    finally:
        progress.close()
        if log is not None:
            log.close()
    if failed:
        return EXIT_FINDINGS
    return worst


def cmd_grade(args) -> int:
    return _decide(args, "grading")


def cmd_authorize(args) -> int:
    return _decide(args, "authorization")


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
        ("grade", "grade an incident file (YAML, JSON or JSON Lines; - for stdin)", cmd_grade),
        ("authorize", "decide whether an operation may run (YAML, JSON or JSON Lines; - for stdin)", cmd_authorize),
    ):
        p = sub.add_parser(name, help=helper)
        p.add_argument("file", help="the fact file: YAML or JSON, JSON Lines (one fact a line), or - for standard input")
        add_rules(p)
        p.add_argument(
            "--backend",
            choices=BACKENDS,
            default="compiled",
            help="evaluator: compiled closures (default) or the durable-rules Rete network (the rete extra); see docs/backends.md",
        )
        if name == "grade":
            which = p.add_mutually_exclusive_group()
            which.add_argument(
                "--decision", metavar="ID", help="the grading ruleset to decide by (its id); needed when several are loaded"
            )
            which.add_argument("--all", dest="all_decisions", action="store_true", help="decide by every grading ruleset loaded")
        p.add_argument(
            "--at", type=_instant, metavar="TIME",
            help="the moment of grading (ISO 8601 with offset): obligations due from it, and overdue ones marked; default: none"
            if name == "grade"
            else "evaluation time, ISO 8601 with offset (default: the operation's scheduled start; never the wall clock)",
        )
        p.add_argument("--log", metavar="FILE", help="append the decision to this JSONL audit log (see docs/integration.md)")
        p.add_argument(
            "--log-mask", action="append", metavar="FIELD", help="input field (dotted path) the log must not hold (repeatable)"
        )
        p.add_argument("--fail-fast", action="store_true", help="JSON Lines: stop at the first bad line (default: report it and go on)")
        p.add_argument(
            "--why-not", action="store_true",
            help="grade: for each more severe row of the deciding table, the first condition that failed; "
            "authorize: for each broken constraint, what matched (period, window) in local time",
        )
        if name == "authorize":
            p.add_argument(
                "--exit-status", action="store_true",
                help=f"exit {EXIT_OK} authorized, {EXIT_PENDING} pending, {EXIT_DENIED} denied (the worst of a JSON Lines file)",
            )
        add_decision_format(p)
        p.set_defaults(func=fn, exit_status=False, decision=None, all_decisions=False, at=None)
