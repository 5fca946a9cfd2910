"""``asprules validate PATH…``: load rule files and analyse them."""

from __future__ import annotations

import argparse

from .. import i18n
from .common import EXIT_BUDGET, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Progress, add_ci_format, project_rules

LARGE_RULES = 256 * 1024  # bytes of rule files above which validate's analysis takes seconds


def cmd_validate(args) -> int:
    from ..checks.analysis import check_paths
    from ..checks.report import render
    from ..loader import bundled_rulesets, rule_files

    args.paths = args.paths or list(project_rules()) or [str(bundled_rulesets())]
    progress = Progress(0, "")
    size = sum(f.stat().st_size for f in rule_files(args.paths) if f.exists())
    if size >= LARGE_RULES:  # a large table takes seconds to analyse: say so on a terminal
        progress.note(i18n.text("progress.analysing", args.lang, size=size // 1024))
    try:
        findings, docs = check_paths(args.paths, strict=args.strict, load_errors_as_findings=args.format != "text")
    finally:
        progress.close()
    # A ruleset that does not load is exit 2 like in every command; text output then reads
    # as the other commands' errors do (in --lang), the CI formats keep one finding per problem.
    files = [str(f) for f in rule_files(args.paths)]
    if not docs:
        print(render(findings, args.format, suite="asprules validate", extra={"files": files}, lang=args.lang))
        return EXIT_ERROR
    loaded = "\n".join(i18n.text("validate.ok", args.lang, file=d.source.file, kind=d.model.kind, id=d.model.id) for d in docs)
    passed = [("valid", f) for f in files if not any(x.file == f and x.severity == "error" for x in findings)]
    print(render(findings, args.format, suite="asprules validate", passed=passed, extra={"files": files}, text_head=loaded, lang=args.lang))
    failing = ("error",) if args.fail_on == "error" else ("error", "warning")
    if any(f.severity in failing for f in findings):
        return EXIT_FINDINGS
    return EXIT_BUDGET if any(f.code == "budget" for f in findings) else EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="load rule files and analyse them: gaps, overlaps, masked rows, monotonicity")
    p.add_argument("paths", nargs="*", metavar="PATH", help="rule files or directories (default: the rules asprules.toml names, else the bundled rulesets)")
    p.add_argument("--strict", action="store_true", help="also fail while any figure has provenance: assumed")
    p.add_argument("--fail-on", choices=("error", "warning"), default="error", help="lowest severity that fails (default: error)")
    add_ci_format(p)
    p.set_defaults(func=cmd_validate)
