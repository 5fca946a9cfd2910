"""``asprules diff OLD NEW``: what a rule change does, with CI gates."""

from __future__ import annotations

import argparse

from ..loader import bundled_rulesets, load_rulesets
from .common import EXIT_FINDINGS, EXIT_OK, Progress, add_ci_format


def cmd_diff(args) -> int:
    from ..checks.diff import diff

    if args.new is None:  # one path: what it changes against the bundled rulesets
        args.old, args.new = str(bundled_rulesets()), args.old
    progress = Progress(None, "corpus facts decided under both")
    try:
        report = diff(load_rulesets(args.old), load_rulesets(args.new), args.scenarios or (), step=progress.step)
    finally:
        progress.close()
    failing = (args.only_raise and report.lowered()) or (args.only_restrict and report.loosened())
    if args.format == "text":
        print(report.text(args.lang))
    else:
        from ..checks.analysis.findings import Finding
        from ..checks.report import render

        findings = [
            Finding(
                "lowered" if c.direction == "lower" else "loosened" if c.direction == "more permissive" else "changed",
                "error"
                if (args.only_raise and c.direction == "lower") or (args.only_restrict and c.direction == "more permissive")
                else "info",
                c.text(),
                file=args.new,
                region=getattr(c, "region", None),
            )
            for c in report.changes + report.corpus_changes  # type: ignore[operator]
        ]
        print(render(findings, args.format, suite="asprules diff", extra=report.to_json(), lang=args.lang))
    return EXIT_FINDINGS if failing else EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diff", help="what a rule change does: changed regions of the input space, and changed decisions over a corpus")
    p.add_argument("old", help="the rules before (file or directory); alone, the rules after, compared with the bundled rulesets")
    p.add_argument("new", nargs="?", help="the rules after (file or directory)")
    p.add_argument("--scenarios", action="append", metavar="PATH", help="scenario files or a JSONL export of facts to decide under both (repeatable)")
    p.add_argument("--only-raise", action="store_true", help="fail if any incident would be graded less severe")
    p.add_argument("--only-restrict", action="store_true", help="fail if any operation would be treated more permissively")
    add_ci_format(p)
    p.set_defaults(func=cmd_diff)
