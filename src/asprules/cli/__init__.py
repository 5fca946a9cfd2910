"""The ``asprules`` command line: one module per command, each with a ``register``.

Exit codes: 0 decided (or clean), 1 findings, 2 usage, load or input error, 3 internal
error (a bug: one line asking for a report; the traceback only with ``--debug``);
``authorize --exit-status``: 4 pending, 5 denied (:mod:`.common`). 6 ``validate`` whose analysis
hit a budget (``common.EXIT_BUDGET``).
A new command is a module here with ``register(sub)`` and one entry in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

# The command modules register their options only; each imports what it needs (the
# loader, the engine, pydantic's models) inside its command, so `asprules --help` and a
# parse error build no model (tests/test_startup.py keeps it so). pydantic's plugins are
# left to the user (PYDANTIC_DISABLE_PLUGINS): the environment is not ours to change.
from .. import __version__, i18n
from ..errors import AspRulesError
from . import decide, diff, init, regrade, schema, serve, test, validate
from .common import EXIT_DENIED, EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_PENDING, fail, internal_error, safe_output

# In the order `asprules --help` lists them.
COMMANDS = (decide, validate, test, diff, schema, serve, init, regrade)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asprules",
        description="Grade major faults and authorize high-risk operations from declarative rulesets.",
    )
    parser.add_argument("--debug", action="store_true", help="on an internal error, print its traceback")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    safe_output()
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
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: anything the input can cause is an AspRulesError
        return internal_error(exc, args.debug, getattr(args, "lang", None) or i18n.DEFAULT_LANGUAGE)


__all__ = ["EXIT_DENIED", "EXIT_ERROR", "EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_OK", "EXIT_PENDING", "build_parser", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
