"""The ``asprules`` command line.

Exit codes: 0 decided (or clean), 1 findings, 2 usage, load or input error.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Callable, Sequence

from . import i18n
from .errors import AspRulesError
from .facts import incident_from_file, operation_from_file
from .loader import Rulebook, load_documents, load_rulesets

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _emit(payload: dict, text: str, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(text)


def _fail(exc: AspRulesError, fmt: str, lang: str = i18n.DEFAULT_LANGUAGE) -> int:
    if fmt == "json":
        print(json.dumps(exc.to_json(), ensure_ascii=False, indent=2))
    else:
        print(i18n.error_text(exc, lang), file=sys.stderr)
    return EXIT_ERROR


def _rules(args) -> Rulebook:
    return load_rulesets(*args.rules) if args.rules else load_rulesets()


def cmd_grade(args) -> int:
    rules = _rules(args)
    incident = incident_from_file(args.file)
    from . import grade

    decision = grade(incident, rules, backend=args.backend)
    payload = {"id": incident.id, **decision.to_json()}
    _emit(payload, f"{incident.id}: {decision.explain(args.lang)}", args.format)
    return EXIT_OK


def cmd_authorize(args) -> int:
    rules = _rules(args)
    operation = operation_from_file(args.file)
    from . import authorize

    decision = authorize(operation, rules, backend=args.backend)
    payload = {"id": operation.id, **decision.to_json()}
    _emit(payload, f"{operation.id}: {decision.explain(args.lang)}", args.format)
    return EXIT_OK


def cmd_validate(args) -> int:
    docs = load_documents(args.paths)
    payload = {"files": [d.source.file for d in docs], "problems": []}
    text = "\n".join(i18n.text("validate.ok", args.lang, file=d.source.file, kind=d.model.kind, id=d.model.id) for d in docs)
    _emit(payload, text, args.format)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asprules",
        description="Grade major faults and authorize high-risk operations from declarative rulesets.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
        p.add_argument(
            "--lang",
            choices=i18n.LANGUAGES,
            default=None,
            help=f"language of explanations and errors (default: ${i18n.ENV_VAR}, else {i18n.DEFAULT_LANGUAGE})",
        )

    for name, helper, fn in (
        ("grade", "grade an incident file (YAML or JSON)", cmd_grade),
        ("authorize", "decide whether an operation file may run", cmd_authorize),
    ):
        p = sub.add_parser(name, help=helper)
        p.add_argument("file", help="the fact file")
        p.add_argument(
            "--rules",
            action="append",
            metavar="PATH",
            help="rule file or directory (repeatable; default: the bundled handbook rulesets)",
        )
        p.add_argument(
            "--backend",
            choices=("compiled", "rete"),
            default="compiled",
            help="evaluator: compiled closures (default) or the durable-rules Rete network; see docs/backends.md",
        )
        common(p)
        p.set_defaults(func=fn)

    p = sub.add_parser("validate", help="load and check rule files without evaluating anything")
    p.add_argument("paths", nargs="+", metavar="PATH")
    common(p)
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        if getattr(args, "lang", None) is None:
            args.lang = i18n.language_from_env()
    except i18n.UnsupportedLanguage as exc:
        return _fail(exc, getattr(args, "format", "text"))
    try:
        return func(args)
    except AspRulesError as exc:
        return _fail(exc, args.format, args.lang)
    except BrokenPipeError:  # e.g. `asprules ... | head`
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
