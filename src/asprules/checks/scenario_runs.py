"""``asprules test``: run scenario files and report each failure with its evidence.

A failure shows expected against actual for every key that differs, then the trace of
the decision that was made (the same text ``asprules grade``/``authorize`` print).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..loader import Rulebook
from .analysis.findings import Finding
from .coverage import CoverageTracker, coverage_of
from .scenarios import ScenarioResult, load_scenario_file, run_file, scenario_files


@dataclass
class TestRun:
    results: list[ScenarioResult]
    coverage: CoverageTracker

    @property
    def failed(self) -> list[ScenarioResult]:
        return [r for r in self.results if not r.passed]


def run_paths(paths: Iterable[str | Path], rules: Rulebook | None = None) -> TestRun:
    """Run every scenario file under ``paths``; ``rules``: decide with these instead of
    the rules each file names."""
    results: list[ScenarioResult] = []
    rulebooks = []
    for path in scenario_files(list(paths)):
        loaded = load_scenario_file(path, rules)
        rulebooks.append(loaded.rules)
        results += run_file(loaded)
    return TestRun(results, coverage_of(results, rulebooks))


def explain_failure(result: ScenarioResult) -> str:
    lines = [ln for m in result.mismatches for ln in (f"  {m.key}:", f"    expected: {m.expected!r}", f"    actual:   {m.actual!r}")]
    if result.decision is not None:
        lines.append("  trace:")
        lines += ["    " + ln for ln in result.decision.explain().splitlines()]
    elif result.error is not None:
        lines.append(f"  error: {result.error}")
    return "\n".join(lines)


def failure_finding(result: ScenarioResult) -> Finding:
    keys = ", ".join(m.key for m in result.mismatches)
    return Finding(
        code="scenario-failed",
        severity="error",
        message=f"{result.name}: {keys} differ\n{explain_failure(result)}",
        file=result.file,
        line=result.line,
        rule=result.name,
    )
