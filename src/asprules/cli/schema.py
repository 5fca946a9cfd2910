"""``asprules schema [KIND]``: the JSON Schema of a file kind."""

from __future__ import annotations

import argparse

from .common import EXIT_OK


def cmd_schema(args) -> int:
    from ..checks.schema import render

    print(render(args.kind), end="")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    from ..checks.schema import KINDS

    p = sub.add_parser("schema", help="print the JSON Schema of the ruleset format, a fact model or scenario files")
    p.add_argument("kind", nargs="?", choices=KINDS, default="ruleset", help="which schema (default: ruleset)")
    p.set_defaults(func=cmd_schema, format="text")
