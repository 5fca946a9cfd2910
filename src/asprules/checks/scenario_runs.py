"""``asprules test``: run scenario files and report each failure with its evidence.

A failure shows expected against actual for every key that differs, then the trace of
the decision that was made (the same text ``asprules grade``/``authorize`` print).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..i18n import DEFAULT_LANGUAGE, error_text, text
from ..loader import Rulebook, load_rulesets
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


def run_paths(paths: Iterable[str | Path], rules: Rulebook | None = None, default: Sequence[str | Path] | None = None) -> TestRun:
    """Run every scenario file under ``paths``; ``rules``: decide with these instead of
    the rules each file names; ``default``: the rule paths a file that names none decides
    with (a project's own, loaded once; else the bundled rulesets)."""
    results: list[ScenarioResult] = []
    rulebooks = []
    own: list[Rulebook] = []

    def fallback() -> Rulebook:
        if not own:
            own.append(load_rulesets(*(default or ())))
        return own[0]

    for path in scenario_files(list(paths)):
        loaded = load_scenario_file(path, rules, default=fallback)
        rulebooks.append(loaded.rules)
        results += run_file(loaded)
    return TestRun(results, coverage_of(results, rulebooks))


def explain_failure(result: ScenarioResult, lang: str = DEFAULT_LANGUAGE) -> str:
    """What differs from the expectation, and the decision's trace, in ``lang``."""
    lines = [
        ln
        for m in result.mismatches
        for ln in (
            text("test.key", lang, field=m.key),
            text("test.expected", lang, value=repr(m.expected)),
            text("test.actual", lang, value=repr(m.actual)),
        )
    ]
    if result.decision is not None:
        lines.append(text("test.trace", lang))
        lines += ["    " + ln for ln in result.decision.explain(lang).splitlines()]
    elif result.error is not None:
        shown = error_text(result.error, lang) if lang != DEFAULT_LANGUAGE else str(result.error)
        lines.append(text("test.error", lang, error=shown))
    return "\n".join(lines)


def failure_finding(result: ScenarioResult, lang: str = DEFAULT_LANGUAGE) -> Finding:
    keys = ", ".join(m.key for m in result.mismatches)
    return Finding(
        code="scenario-failed",
        severity="error",
        message=f"{text('test.differ', lang, name=result.name, keys=keys)}\n{explain_failure(result, lang)}",
        file=result.file,
        line=result.line,
        rule=result.name,
    )
