"""What every command shares: exit codes, output, error rendering and common options."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from .. import i18n
from ..checks.report import FORMATS
from ..errors import AspRulesError, Problem

if TYPE_CHECKING:
    from ..loader import Rulebook

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_BUDGET = 6  # validate: the analysis hit a budget and could not check everything (failing findings still exit 1)


def emit(payload: dict, text: str, fmt: str) -> None:
    """Print a decision as JSON or as its text explanation."""
    if fmt == "json":
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(text)


def fail(exc: AspRulesError, fmt: str, lang: str = i18n.DEFAULT_LANGUAGE) -> int:
    """Report an error in the command's output format; always exit 2."""
    if fmt in ("junit", "github"):
        from ..checks.analysis.findings import from_problem
        from ..checks.report import render

        findings = [from_problem(p) for p in exc.problems] or [from_problem(Problem(str(exc)))]
        print(render(findings, fmt, suite="asprules"))
        return EXIT_ERROR
    if fmt == "json":
        print(json.dumps(exc.to_json(), ensure_ascii=False, indent=2))
    else:
        print(i18n.error_text(exc, lang), file=sys.stderr)
    return EXIT_ERROR


def rules_of(args) -> Rulebook:
    """The rulebook named by ``--rules`` (repeatable), else the bundled rulesets."""
    from ..loader import load_rulesets

    return load_rulesets(*args.rules) if args.rules else load_rulesets()


def add_language(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        default=None,
        help=f"language of explanations and errors (default: ${i18n.ENV_VAR}, else {i18n.DEFAULT_LANGUAGE})",
    )


def add_decision_format(p: argparse.ArgumentParser) -> None:
    """``--format text|json`` and ``--lang``: the options of commands that print decisions."""
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    add_language(p)


def add_ci_format(p: argparse.ArgumentParser) -> None:
    """``--format text|json|junit|github`` and ``--lang``: the options of CI commands."""
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    add_language(p)


def add_rules(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rules",
        action="append",
        metavar="PATH",
        help="rule file or directory (repeatable; default: the bundled handbook rulesets)",
    )
