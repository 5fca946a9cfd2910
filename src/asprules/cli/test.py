"""``asprules test PATH…``: run scenario files, report failures and rule coverage."""

from __future__ import annotations

import argparse

from .. import i18n
from .common import EXIT_FINDINGS, EXIT_OK, add_ci_format, project_rules, rules_of


def cmd_test(args) -> int:
    from ..checks.report import render
    from ..checks.scenario_runs import failure_finding, run_paths

    own = () if args.rules else project_rules()  # for scenario files that name no rules
    run = run_paths(args.paths or ["."], rules_of(args) if args.rules else None, default=own or None)
    findings = [failure_finding(r, args.lang) for r in run.failed]
    passed = [(r.name, r.file) for r in run.results if r.passed]
    report = run.coverage.report() if args.coverage or args.min_coverage is not None else []
    tail = "\n".join(c.text(args.lang) for c in report)
    below = args.min_coverage is not None and run.coverage.lowest() < args.min_coverage
    if below:
        tail += "\n" + i18n.text("test.below_coverage", args.lang, lowest=f"{run.coverage.lowest():.1f}", minimum=f"{args.min_coverage:g}")
    extra = {"scenarios": len(run.results), "coverage": [c.to_json() for c in report]}
    print(render(findings, args.format, suite="asprules test", passed=passed, extra=extra, text_tail=tail.strip("\n"), lang=args.lang))
    return EXIT_FINDINGS if findings or below else EXIT_OK


def percent(text: str) -> float:
    """A percentage from 0 to 100; ``nan`` (which no coverage is below) and ``inf`` are refused."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 100:  # false for nan too
        raise argparse.ArgumentTypeError(f"a percentage from 0 to 100, got {text!r}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("test", help="run scenario files (*.scenarios.yaml) and report failures and rule coverage")
    p.add_argument("paths", nargs="*", metavar="PATH", help="scenario files or directories (default: the current directory)")
    p.add_argument(
        "--rules", action="append", metavar="PATH",
        help="decide with these rule files or directories (repeatable) instead of the rules each scenario file names",
    )
    p.add_argument("--coverage", action="store_true", help="report which rules the scenarios exercised")
    p.add_argument("--min-coverage", type=percent, metavar="N", help="fail when a ruleset's rule coverage is below N%% (0 to 100)")
    add_ci_format(p)
    p.set_defaults(func=cmd_test)
