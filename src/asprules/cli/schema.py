"""``asprules schema [KIND] [--rules DIR]``: the JSON Schema of a file kind, or of a fact kind declared in DIR."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, add_language, rules_of


def cmd_schema(args) -> int:
    from ..checks.schema import render

    print(render(args.kind, rules_of(args) if args.rules else None), end="")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    from ..checks.schema import KINDS

    p = sub.add_parser("schema", help="print the JSON Schema of the ruleset format, a fact model, scenario files or a decision")
    p.add_argument(
        "kind", nargs="?", default="ruleset", help=f"which schema: {', '.join(KINDS)}, or a fact schema declared in --rules (default: ruleset)"
    )
    p.add_argument("--rules", action="append", metavar="PATH", help="rule files or directories declaring fact schemas (kind: facts)")
    # A schema is JSON whatever the format; --format json makes errors JSON too, like every command.
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format of errors (the schema is JSON)")
    add_language(p)
    p.set_defaults(func=cmd_schema)
