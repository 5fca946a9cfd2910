"""What starting asprules imports: structure, not time (the speed is shown by
`benchmarks/speed_targets.py --only cold`, docs/performance.md).

`asprules --help`, an argument error and `import asprules` must build no pydantic model
and import none of the heavy libraries; `asprules grade FILE` imports pydantic and the
engine but none of the extras' libraries (DuckDB, sqlglot, Starlette, durable-rules) nor
the checks. Each runs in a fresh interpreter, which then prints its ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INCIDENT = ROOT / "examples/incidents/l1-breach-with-loss.yaml"

# Run the command line as `python -m asprules ARGS` does, then report what was imported.
RUN_CLI = """
import json, runpy, sys
sys.argv = ["asprules", *json.loads(sys.argv[1])]
try:
    runpy.run_module("asprules", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
sys.stdout.flush()
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""

EXTRAS = ("duckdb", "sqlglot", "starlette", "uvicorn", "durable", "pyspark", "hypothesis")
# What a command that decides nothing must not pay for: pydantic itself, the YAML reader,
# the models of the format, facts and decisions, the loader and the checks.
NOTHING_HEAVY = ("pydantic", "pydantic_core", "yaml", "importlib.metadata", *EXTRAS) + tuple(
    f"asprules.{m}" for m in ("localtext", "source", "format", "facts", "engine", "loader", "decide", "audit", "backends.rete", "backends.columnar", "service")
)


# The checks' work; their option lists (report formats, schema kinds) are light and may load.
CHECKS = tuple(
    f"asprules.checks.{m}"
    for m in ("diff", "authorization_diff", "changes", "replay", "revisions", "coverage", "scenarios", "scenario_runs")
) + tuple(f"asprules.checks.analysis.{m}" for m in ("boxes", "dimensions", "dnf", "regions", "grading_checks", "authorization_checks", "witness"))


def imported(code: str, *args: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, timeout=120, check=True
    ).stdout
    return set(json.loads(out.rpartition("MODULES ")[2]))


def cli_imports(*args: str) -> set[str]:
    return imported(RUN_CLI, json.dumps(list(args)))


def loaded(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


@pytest.mark.parametrize(
    "args",
    [["--help"], ["grade", "--help"], ["validate", "--help"], ["grade"], ["no-such-command"], ["--version"]],
    ids=lambda a: " ".join(a),
)
def test_help_and_argument_errors_build_no_model(args):
    assert loaded(cli_imports(*args), NOTHING_HEAVY) == []


def test_import_asprules_imports_none_of_its_stages():
    modules = imported('import sys, json, asprules; print("MODULES " + json.dumps(sorted(sys.modules)))')
    assert loaded(modules, NOTHING_HEAVY) == []


def test_grade_imports_the_engine_and_no_extra_nor_check():
    modules = cli_imports("grade", str(INCIDENT))
    assert "asprules.engine.grading" in modules and "pydantic" in modules  # it did decide
    assert loaded(modules, EXTRAS + CHECKS + ("asprules.service", "asprules.backends.rete", "asprules.backends.columnar")) == []
