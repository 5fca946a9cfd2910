"""What every command shares: exit codes, output, error rendering and common options."""

from __future__ import annotations

import argparse
import codecs
import json
import sys
from typing import TYPE_CHECKING

from .. import i18n
from ..checks.report import FORMATS
from ..errors import AspRulesError, Problem

if TYPE_CHECKING:
    from ..loader import Rulebook

# 0 decided or clean, 1 findings (or bad lines in a JSON Lines run), 2 bad input, usage or rules.
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERNAL = 3  # a bug in asprules, never the input's fault: see internal_error()
EXIT_BUDGET = 6  # validate: the analysis hit a budget and could not check everything (failing findings still exit 1)


def internal_error(exc: BaseException, debug: bool, lang: str = i18n.DEFAULT_LANGUAGE) -> int:
    """Report an unexpected exception: one line asking for a bug report (the traceback
    too with ``--debug``); exit 3, so CI can tell a crash from findings (1) or bad input (2)."""
    if debug:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    what = f"{type(exc).__name__}{': ' + detail if detail else ''}"
    print(i18n.text("internal.traceback" if debug else "internal.debug", lang, error=what), file=sys.stderr)
    return EXIT_INTERNAL


def _escaped(exc: UnicodeEncodeError) -> tuple[str, int]:
    """Characters the output's encoding lacks, as JSON ``\\uXXXX`` escapes (surrogate pairs
    beyond the BMP): valid inside JSON strings, and readable in text."""
    out = []
    for ch in exc.object[exc.start : exc.end]:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), exc.end


codecs.register_error("asprules-escape", _escaped)


def safe_output() -> None:
    """Make stdout and stderr unable to fail on a character their encoding lacks
    (``PYTHONIOENCODING=cp1252``, a Windows console or redirection): it is escaped."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if encoding not in ("utf8", "utf8sig") and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="asprules-escape")
            except (ValueError, OSError):  # a closed or detached stream: nothing to print on
                pass
# ``authorize --exit-status``: the decision in the exit status, for a shell step to gate on.
EXIT_PENDING, EXIT_DENIED = 4, 5


def emit(payload: dict, text: str, fmt: str, one_line: bool = False) -> None:
    """Print a decision as JSON (``one_line``: one JSON Lines record) or as its text explanation."""
    if fmt == "json":
        print(json.dumps(payload, ensure_ascii=False, indent=None if one_line else 2))
    else:
        print(text)


class Progress:
    """``n/total what`` counting up on stderr, only when stderr is a terminal and the work
    is long (at least :attr:`MIN_TOTAL` items; ``total=None``: not known, a plain count);
    silent otherwise, so pipes and CI logs stay clean. Redrawn at most every :attr:`EVERY`
    items. A dozen lines do this; a progress library would not earn its dependency."""

    MIN_TOTAL = 200
    EVERY = 50

    def __init__(self, total: int | None, what: str, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.total, self.what, self.done = total, what, 0
        self.shown = (total is None or total >= self.MIN_TOTAL) and _is_terminal(self.stream)

    def step(self, n: int = 1) -> None:
        self.done += n
        if self.shown and (self.done % self.EVERY == 0 or self.done == self.total):
            of = f"/{self.total}" if self.total is not None else ""
            self.stream.write(f"\r{self.done}{of} {self.what}")
            self.stream.flush()

    def note(self, text: str) -> None:
        """A status line for work that cannot be counted (shown on a terminal only)."""
        if _is_terminal(self.stream):
            self.shown = True
            self.stream.write(f"\r{text}")
            self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")  # clear the line: the output that follows stays clean
            self.stream.flush()
            self.shown = False


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


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


def project_rules() -> tuple[str, ...]:
    """The rule paths of the rules repository the current directory is in (its
    ``asprules.toml``, :mod:`.project`); empty outside one."""
    from .project import current

    found = current()
    return found.rules if found is not None else ()


def rules_of(args, deciding: str | None = None) -> Rulebook:
    """The rulebook named by ``--rules`` (repeatable), else the project's (``asprules.toml``),
    else the bundled rulesets; ``deciding``: for that decision only (``grade`` reads no
    authorization ruleset)."""
    from ..loader import load_rulesets

    return load_rulesets(*(args.rules or project_rules()), deciding=deciding)


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
        help="rule file or directory (repeatable; default: the rules asprules.toml names, else the bundled handbook rulesets)",
    )
