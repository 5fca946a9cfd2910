"""The handbook scenario corpus (tests/handbook/*.scenarios.yaml): every scenario passes,
every scenario says which § it exercises and why, and every rule-bearing passage of the
handbook digest and every shipped grading row and adjustment has a scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

import asprules
from asprules.checks.scenarios import load_scenario_file, run_scenario, scenario_files

CORPUS = Path(__file__).parent / "handbook"
FILES = scenario_files([CORPUS])
LOADED = {f: load_scenario_file(f) for f in FILES}
CASES = [(f, i) for f in FILES for i in range(len(LOADED[f].spec.scenarios))]


def _scenarios():
    for loaded in LOADED.values():
        yield from loaded.spec.scenarios


@pytest.mark.parametrize(
    "path, index", CASES, ids=[f"{f.name.removesuffix('.scenarios.yaml')}:{LOADED[f].spec.scenarios[i].name}" for f, i in CASES]
)
def test_handbook_scenario(path, index):
    result = run_scenario(LOADED[path], index)
    assert result.passed, f"{result.file}:{result.line}: {result.name}\n" + "\n".join(map(str, result.mismatches)) + (
        "\n" + result.decision.explain() if result.decision is not None else f"\n{result.error}"
    )


def test_every_scenario_names_its_section_and_why():
    for sc in _scenarios():
        assert sc.cite and sc.why and sc.why.strip(), sc.name
        assert "\n" not in sc.why.strip(), f"{sc.name}: why is one line"


# The rule-bearing passages of /work/shared/handbook/DIGEST.md that the rulesets encode.
DIGEST_SECTIONS = {
    "§1.3.5", "§1.4.1", "§1.4.2", "§1.4.3", "§1.4.4", "§1.4.5", "§1.4.6",
    "§1.7.1", "§1.7.4", "§3.2.6", "§3.2.8", "§17.9", "§17.10",
    "§28", "§29", "§30", "§31", "§32",
    "§34.2.1", "§34.2.2", "§34.2.3", "§34.2.4",
}  # fmt: skip


def test_every_digest_passage_has_a_scenario():
    cited = {sc.cite for sc in _scenarios()}
    assert DIGEST_SECTIONS - cited == set()


def test_every_shipped_grading_row_and_adjustment_fires_in_some_scenario():
    grading = asprules.load_rulesets().grading
    rule_ids = {row.id for t in grading.doc.tables for row in t.rows} | {a.id for a in grading.doc.adjustments}
    fired = {rid for sc in _scenarios() for rid in (sc.expect.fired or []) + (sc.expect.fired_exactly or [])}
    assert rule_ids - fired == set()


def test_every_shipped_constraint_and_risk_class_is_exercised():
    auth = asprules.load_rulesets().authorization
    wanted = {c.id for c in auth.doc.constraints} | {rc.id for rc in auth.doc.risk_classes}
    seen = {rid for sc in _scenarios() for rid in (sc.expect.violations or []) + [sc.expect.risk or ""]}
    assert wanted - seen == set()
