"""``asprules diff OLD NEW``: what a rule change does, with CI gates.

OLD and NEW are rule files or directories, or two git revisions (``asprules diff main
HEAD -- rules/``); ``--base BRANCH`` compares the working tree with the commit it forked
from BRANCH. Revisions are read from git objects: no second checkout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .. import i18n
from ..errors import RulesetError
from .common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Progress, add_ci_format, project_rules

if TYPE_CHECKING:
    from ..loader import Rulebook


def rulebooks(args) -> tuple[Rulebook, Rulebook]:
    """The two versions the command line names: files, revisions, or ``--base``."""
    from ..checks.revisions import load_revision, merge_base, worktree_rule_paths
    from ..loader import bundled_rulesets, load_rulesets

    spec = list(args.spec or ())
    if len(spec) == 1 and not args.base and Path(spec[0]).exists():  # one path: against the bundled rulesets
        return load_rulesets(bundled_rulesets()), load_rulesets(spec[0])
    if len(spec) == 2 and not args.base and all(Path(p).exists() for p in spec):
        return load_rulesets(spec[0]), load_rulesets(spec[1])
    # a rules repository's own rules (asprules.toml), read only where no path is given
    own = list(project_rules()) if (not spec if args.base else len(spec) in (0, 2)) else []
    if args.base:
        fork = merge_base(args.base)
        paths = spec or own
        return load_revision(fork, paths, label=args.base), load_rulesets(*worktree_rule_paths(paths))
    if not spec and own:  # like git diff: the last commit against the working tree
        return load_revision("HEAD", own), load_rulesets(*own)
    if len(spec) < 2:
        raise i18n.error(RulesetError, "diff_needs_two", [i18n.problem("diff_give_two")])
    old_rev, new_rev, paths = spec[0], spec[1], spec[2:] or own
    return load_revision(old_rev, paths), load_revision(new_rev, paths)


def cmd_diff(args) -> int:
    from ..checks.diff import diff

    old, new = rulebooks(args)
    progress = Progress(None, i18n.text("progress.corpus", args.lang))
    try:
        report = diff(old, new, args.scenarios or (), step=progress.step, backend=args.backend)
    finally:
        progress.close()
    breaking = report.breaking(only_raise=args.only_raise, only_restrict=args.only_restrict)
    if args.format == "text":
        print(report.text(args.lang))
        if breaking:
            gates = i18n.text("diff.gate_separator", args.lang).join(g for g, on in (("--only-raise", args.only_raise), ("--only-restrict", args.only_restrict)) if on)
            print(i18n.text("diff.broken", args.lang, gates=gates, count=len(breaking)))
            for c in breaking:
                where = f"{c.file}:{c.line}: " if getattr(c, "file", None) and getattr(c, "line", None) else ""
                print(f"  {where}{c.text(args.lang).splitlines()[0]}")
    else:
        from ..checks.report import render

        findings = _findings(report, breaking, args.format)
        print(render(findings, args.format, suite="asprules diff", extra={**report.to_json(), "breaking": len(breaking)}, lang=args.lang))
    if report.bad_count:
        # the diff went on and printed everything it could decide; the corpus is still bad input
        first = report.bad_rows[0].text() if report.bad_rows else ""
        shown = i18n.text("diff.undecided", args.lang, count=report.bad_count, plural="s" if report.bad_count != 1 else "", first=first)
        print(i18n.text("error", args.lang, summary=shown), file=sys.stderr)
        return EXIT_ERROR
    return EXIT_FINDINGS if breaking else EXIT_OK


def _findings(report, breaking, fmt: str) -> list:
    from ..checks.analysis.findings import Finding
    from ..checks.changes import LOOSER, LOWER, UNJUDGED, CorpusChange
    from ..checks.revisions import plain_file

    failing = {id(c) for c in breaking}
    out = []
    for c in [*report.changes, *report.corpus_changes]:
        code = {LOWER: "lowered", UNJUDGED: "not-comparable", LOOSER: "loosened"}.get(c.direction, "changed")
        if isinstance(c, CorpusChange):
            file, _, line = c.source.rpartition(":")
            file, line_no, rule, region = (file, int(line), c.fact_id, None) if line.isdigit() else (c.source, None, c.fact_id, None)
        else:
            file, line_no, rule, region = c.file, c.line, c.rule, c.region
        if fmt == "github" and file:
            file = plain_file(file)  # an annotation points at the working tree's file
        out.append(
            Finding(
                code, "error" if id(c) in failing else "info", c.text().replace("\n      ", "; "),
                file=file, line=line_no, rule=rule, region=region, witness=(c.witness,) if getattr(c, "witness", None) else (),
            )
        )
    for b in report.bad_rows:
        out.append(Finding("bad-row", "warning", f"not decided: {b.message}", file=b.file, line=b.line))
    return out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "diff",
        help="what a rule change does: changed regions of the input space, and changed decisions over a corpus",
        description="asprules diff OLD NEW | asprules diff REV1 REV2 [-- PATHS] | asprules diff --base BRANCH [-- PATHS]. "
        "Two existing paths are read as files; otherwise OLD and NEW are git revisions read from git objects. "
        "In a rules repository (an asprules.toml here or above) PATHS default to its rules, and a bare "
        "'asprules diff' compares the last commit (HEAD) with the working tree.",
    )
    p.add_argument("spec", nargs="*", metavar="OLD NEW [-- PATHS]", help="two rule paths, or two git revisions and optional paths")
    p.add_argument("--base", metavar="BRANCH", help="compare the working tree with the commit it forked from BRANCH (a pull request against its base)")
    p.add_argument("--scenarios", action="append", metavar="PATH", help="scenario files or JSONL facts to decide under both (repeatable)")
    p.add_argument(
        "--backend", choices=("auto", "records", "columnar"), default="auto",
        help="how --scenarios corpora are replayed: auto (Parquet, CSV and large JSONL of incidents on the columnar backend "
        "when its extra is installed), records (every fact through the engine), columnar (every file DuckDB reads)",
    )
    p.add_argument("--only-raise", action="store_true", help="fail if any incident would be graded less severe (or not comparably)")
    p.add_argument("--only-restrict", action="store_true", help="fail if the new rules authorize any operation the old did not")
    add_ci_format(p)
    p.set_defaults(func=cmd_diff)
