"""The ``asprules`` command line: one module per command, each with a ``register``.

Exit codes: 0 decided (or clean), 1 findings, 2 usage, load or input error.
A new command is a module here with ``register(sub)`` and one entry in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from .. import i18n
from ..errors import AspRulesError
from . import decide, diff, regrade, schema, serve, test, validate
from .common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, fail

# In the order `asprules --help` lists them.
COMMANDS = (decide, validate, test, diff, schema, serve, regrade)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asprules",
        description="Grade major faults and authorize high-risk operations from declarative rulesets.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        if getattr(args, "lang", None) is None:
            args.lang = i18n.language_from_env()
    except i18n.UnsupportedLanguage as exc:
        return fail(exc, getattr(args, "format", "text"))
    try:
        return func(args)
    except AspRulesError as exc:
        return fail(exc, args.format, args.lang)
    except BrokenPipeError:  # e.g. `asprules ... | head`
        return EXIT_OK


__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "build_parser", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
