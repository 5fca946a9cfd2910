"""Grade a ticketing system's JSONL export of incidents and write the decisions as JSONL.

    python examples/grade_jsonl.py TICKETS.jsonl DECISIONS.jsonl [--rules PATH] [--lang en|zh]

Each input line is one incident (see docs/facts.md). Each output line is the decision for
the input line of the same number — ``{"line": 3, "id": ..., "level": ..., ...}`` — or, if
that ticket cannot be graded, ``{"line": 3, "id": ..., "error": ..., "problems": [...]}``.
A bad ticket never stops the run; its problems also go to stderr as ``FILE:LINE: ...``.
Blank lines are skipped. Use ``-`` for stdin or stdout.

Exit status: 0 every ticket graded, 1 some tickets could not be graded, 2 the rules or
the files could not be used at all.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import IO, Iterator

import asprules
from asprules import i18n
from asprules.errors import AspRulesError, FactError, Problem

EXIT_OK, EXIT_SOME_FAILED, EXIT_UNUSABLE = 0, 1, 2


def grade_lines(lines: Iterator[str], rules: asprules.Rulebook, source: str, lang: str) -> Iterator[tuple[dict, str | None]]:
    """Yield ``(output record, error text or None)`` for every non-blank input line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        ticket_id = None
        try:
            try:
                ticket = json.loads(line.rstrip("\n"))
            except json.JSONDecodeError as exc:
                raise FactError("ticket is not JSON", [Problem(exc.msg, column=exc.colno)]) from None
            if isinstance(ticket, dict) and isinstance(ticket.get("id"), str):
                ticket_id = ticket["id"]
            decision = asprules.grade(ticket, rules)
        except AspRulesError as exc:
            # The problems name the field; the ticket's place is this file and line.
            placed = [dataclasses.replace(p, file=source, line=number) for p in exc.problems]
            error = type(exc)(exc.summary, placed, code=exc.code, params=exc.params)  # the key keeps --lang zh working
            record = {"line": number, "id": ticket_id, **error.to_json()}
            yield record, i18n.error_text(error, lang)
            continue
        yield {"line": number, **decision.to_json(fact_id=ticket_id)}, None


def run(tickets: IO[str], out: IO[str], err: IO[str], rules: asprules.Rulebook, source: str, lang: str) -> int:
    failed = 0
    for record, error in grade_lines(tickets, rules, source, lang):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        if error is not None:
            failed += 1
            err.write(error + "\n")
    return EXIT_SOME_FAILED if failed else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tickets", help="JSONL file of incidents, or - for stdin")
    parser.add_argument("decisions", help="JSONL file to write, or - for stdout")
    parser.add_argument("--rules", action="append", metavar="PATH", help="rule file or directory (default: bundled)")
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help="language of the error text on stderr")
    args = parser.parse_args(argv)
    try:
        lang = args.lang or i18n.language_from_env()
        rules = asprules.load_rulesets(*(args.rules or ()))
        tickets = sys.stdin if args.tickets == "-" else open(args.tickets, encoding="utf-8")
    except (AspRulesError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    with tickets:
        if args.decisions == "-":
            return run(tickets, sys.stdout, sys.stderr, rules, args.tickets, lang)
        with open(args.decisions, "w", encoding="utf-8") as out:
            return run(tickets, out, sys.stderr, rules, args.tickets, lang)


if __name__ == "__main__":
    sys.exit(main())
