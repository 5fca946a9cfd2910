"""The ``asprules`` command line.

Exit codes: 0 decided (or clean), 1 findings, 2 usage, load or input error.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Callable, Sequence

from . import i18n
from .checks.report import FORMATS
from .decide import BACKENDS, authorize, grade, grade_all
from .errors import AspRulesError, Problem
from .facts.models import incident_from_file, operation_from_file
from .loader import Rulebook, load_rulesets

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _emit(payload: dict, text: str, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(text)


def _fail(exc: AspRulesError, fmt: str, lang: str = i18n.DEFAULT_LANGUAGE) -> int:
    if fmt in ("junit", "github"):
        from .checks.analysis.findings import from_problem
        from .checks.report import render

        findings = [from_problem(p) for p in exc.problems] or [from_problem(Problem(str(exc)))]
        print(render(findings, fmt, suite="asprules"))
        return EXIT_ERROR
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
    if args.all_decisions:
        decisions = grade_all(incident, rules, backend=args.backend)
        payload = {"id": incident.id, "decisions": {k: d.to_json() for k, d in decisions.items()}}
        shown = "\n".join(f"{incident.id} [{k}]: {d.explain(args.lang)}" for k, d in decisions.items())
        _emit(payload, shown, args.format)
        return EXIT_OK
    decision = grade(incident, rules, decision=args.decision, backend=args.backend)
    payload = {"id": incident.id, **decision.to_json()}
    _emit(payload, f"{incident.id}: {decision.explain(args.lang)}", args.format)
    return EXIT_OK


def cmd_authorize(args) -> int:
    rules = _rules(args)
    operation = operation_from_file(args.file)
    decision = authorize(operation, rules, backend=args.backend)
    payload = {"id": operation.id, **decision.to_json()}
    _emit(payload, f"{operation.id}: {decision.explain(args.lang)}", args.format)
    return EXIT_OK


def cmd_validate(args) -> int:
    from .checks.analysis import check_paths
    from .checks.report import render
    from .loader import rule_files

    # A ruleset that does not load is exit 2 like in every command; text output then reads
    # as the other commands' errors do (in --lang), the CI formats keep one finding per problem.
    findings, docs = check_paths(args.paths, strict=args.strict, load_errors_as_findings=args.format != "text")
    files = [str(f) for f in rule_files(args.paths)]
    if not docs:
        print(render(findings, args.format, suite="asprules validate", extra={"files": files}))
        return EXIT_ERROR
    loaded = "\n".join(i18n.text("validate.ok", args.lang, file=d.source.file, kind=d.model.kind, id=d.model.id) for d in docs)
    print(render(findings, args.format, suite="asprules validate", passed=[("valid", f) for f in files if not any(x.file == f and x.severity == "error" for x in findings)], extra={"files": files}, text_head=loaded))
    failing = ("error",) if args.fail_on == "error" else ("error", "warning")
    return EXIT_FINDINGS if any(f.severity in failing for f in findings) else EXIT_OK


def cmd_test(args) -> int:
    from .checks.report import render
    from .checks.scenario_runs import failure_finding, run_paths

    run = run_paths(args.paths)
    findings = [failure_finding(r) for r in run.failed]
    passed = [(r.name, r.file) for r in run.results if r.passed]
    report = run.coverage.report() if args.coverage or args.min_coverage is not None else []
    tail = "\n".join(c.text() for c in report)
    below = args.min_coverage is not None and run.coverage.lowest() < args.min_coverage
    if below:
        tail += f"\ncoverage {run.coverage.lowest():.1f}% is below --min-coverage {args.min_coverage:g}%"
    extra = {"scenarios": len(run.results), "coverage": [c.to_json() for c in report]}
    print(render(findings, args.format, suite="asprules test", passed=passed, extra=extra, text_tail=tail.strip("\n")))
    return EXIT_FINDINGS if findings or below else EXIT_OK


def cmd_diff(args) -> int:
    from .checks.diff import diff

    report = diff(load_rulesets(args.old), load_rulesets(args.new), args.scenarios or ())
    failing = (args.only_raise and report.lowered()) or (args.only_restrict and report.loosened())
    if args.format == "text":
        print(report.text())
    else:
        from .checks.analysis.findings import Finding
        from .checks.report import render

        findings = [
            Finding(
                "lowered" if c.direction == "lower" else "loosened" if c.direction == "more permissive" else "changed",
                "error" if (args.only_raise and c.direction == "lower") or (args.only_restrict and c.direction == "more permissive") else "info",
                c.text(), file=args.new, region=getattr(c, "region", None),
            )
            for c in report.changes + report.corpus_changes  # type: ignore[operator]
        ]
        print(render(findings, args.format, suite="asprules diff", extra=report.to_json()))
    return EXIT_FINDINGS if failing else EXIT_OK


def cmd_schema(args) -> int:
    from .checks.schema import render

    print(render(args.kind), end="")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asprules",
        description="Grade major faults and authorize high-risk operations from declarative rulesets.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def language(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--lang",
            choices=i18n.LANGUAGES,
            default=None,
            help=f"language of explanations and errors (default: ${i18n.ENV_VAR}, else {i18n.DEFAULT_LANGUAGE})",
        )

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
        language(p)

    def ci_format(p: argparse.ArgumentParser) -> None:
        p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
        language(p)

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
        common(p)
        p.set_defaults(func=fn)

    p = sub.add_parser("validate", help="load rule files and analyse them: gaps, overlaps, masked rows, monotonicity")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--strict", action="store_true", help="also fail while any figure has provenance: assumed")
    p.add_argument("--fail-on", choices=("error", "warning"), default="error", help="lowest severity that fails (default: error)")
    ci_format(p)
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("test", help="run scenario files (*.scenarios.yaml) and report failures and rule coverage")
    p.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or directories")
    p.add_argument("--coverage", action="store_true", help="report which rules the scenarios exercised")
    p.add_argument("--min-coverage", type=float, metavar="N", help="fail when a ruleset's rule coverage is below N%%")
    ci_format(p)
    p.set_defaults(func=cmd_test)

    p = sub.add_parser("diff", help="what a rule change does: changed regions of the input space, and changed decisions over a corpus")
    p.add_argument("old", help="the rules before (file or directory)")
    p.add_argument("new", help="the rules after (file or directory)")
    p.add_argument("--scenarios", action="append", metavar="PATH", help="scenario files or a JSONL export of facts to decide under both (repeatable)")
    p.add_argument("--only-raise", action="store_true", help="fail if any incident would be graded less severe")
    p.add_argument("--only-restrict", action="store_true", help="fail if any operation would be treated more permissively")
    ci_format(p)
    p.set_defaults(func=cmd_diff)

    from .checks.schema import KINDS

    p = sub.add_parser("schema", help="print the JSON Schema of the ruleset format, a fact model or scenario files")
    p.add_argument("kind", nargs="?", choices=KINDS, default="ruleset", help="which schema (default: ruleset)")
    p.set_defaults(func=cmd_schema, format="text")
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
