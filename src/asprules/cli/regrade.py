"""``asprules regrade IN -o OUT``: re-grade a whole ticket history on the columnar backend.

Reads Parquet, CSV or JSONL (by suffix, or ``--input-format``), writes Parquet, CSV or
JSONL with ``level``, ``base_level``, the deciding ``rows``, the fired ``adjustments`` and
the ruleset's sha256 per ticket, and prints a summary table of levels. Rows that fail the
incident's checks go to the errors file with their row number and every problem; they
never stop the run, and the command then exits 2 (bad input) after writing everything.
A missing column, a column of the wrong type, a file that is not what its suffix says:
a typed error naming it, exit 2, before anything is written.
"""

from __future__ import annotations

import argparse
import json
import sys

from .. import i18n
from .common import EXIT_ERROR, EXIT_OK, add_decision_format, add_rules, rules_of


def _progress(stream, lang: str):
    """A progress line on a terminal only (never in a pipe or a log file)."""
    if not stream.isatty():
        return None

    def show(rows: int) -> None:
        stream.write("\r  " + i18n.text("progress.rows", lang, rows=f"{rows:,}"))
        stream.flush()

    return show


def cmd_regrade(args) -> int:
    from ..backends import columnar

    rules = rules_of(args, "grading")
    progress = _progress(sys.stderr, args.lang)
    summary = columnar.regrade_file(
        args.input,
        args.output,
        rules,
        decision=args.decision,
        errors=args.errors,
        progress=progress,
        threads=args.threads,
        extra_columns="ignore" if args.ignore_extra_columns else "error",
        input_format=args.input_format,
        output_format=args.output_format,
    )
    if progress:
        sys.stderr.write("\r" + " " * 40 + "\r")
    if args.format == "json":
        print(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
    else:
        print(summary.table(args.lang))
    return EXIT_ERROR if summary.invalid else EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("regrade", help="re-grade a ticket history (Parquet, CSV, JSONL) on the columnar backend (DuckDB)")
    p.add_argument("input", help="incidents: .parquet, .csv or .jsonl")
    p.add_argument("-o", "--output", required=True, help="decisions: .parquet, .csv or .jsonl")
    p.add_argument("--errors", metavar="FILE", help="invalid rows, JSONL (default: OUTPUT-stem.errors.jsonl)")
    p.add_argument("--decision", metavar="ID", help="the grading ruleset to apply when several are loaded")
    p.add_argument("--input-format", choices=("parquet", "csv", "jsonl"), help="override the input's suffix")
    p.add_argument("--output-format", choices=("parquet", "csv", "jsonl"), help="override the output's suffix")
    p.add_argument("--threads", type=int, metavar="N", help="DuckDB threads (default: one per core)")
    p.add_argument("--ignore-extra-columns", action="store_true", help="leave out columns the incident does not have (default: refuse them)")
    add_rules(p)
    add_decision_format(p)
    p.set_defaults(func=cmd_regrade)
