"""asprules test: shipped scenarios pass with full rule coverage; failures show diff and trace."""

from __future__ import annotations

import json
import subprocess
import sys

from asprules.checks.scenario_runs import run_paths
from asprules.cli import main
from support import REPO, write

SCENARIOS = REPO / "examples" / "scenarios"


def test_shipped_scenarios_pass_with_at_least_95_percent_rule_coverage():
    run = run_paths([SCENARIOS])
    assert run.results and not run.failed, [r.name for r in run.failed]
    report = {c.ruleset: c for c in run.coverage.report()}
    assert set(report) == {"asp-handbook-grading", "asp-handbook-authorization"}
    for cov in report.values():
        assert cov.percent >= 95, (cov.ruleset, cov.missed)


def failing_file(tmp_path):
    return write(
        tmp_path,
        "bad.scenarios.yaml",
        f"""
        asprules: 1
        kind: scenarios
        rules: {REPO / 'rulesets'}
        scenarios:
          - name: a blip is wrongly expected to be L1
            given: {{id: X, environment: production, started_at: "2026-11-18T14:00:00+08:00", outage_minutes: 5,
                     affected_users: 1, affected_users_pct: 1, affected_sites: 1, core_service: false, data_loss: false,
                     security_breach: false, vip_customer: false, customer_complaint: false}}
            expect: {{level: L1}}
        """,
    )


def test_failure_shows_expected_actual_and_trace(tmp_path, capsys):
    path = failing_file(tmp_path)
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:5:" in out and "error[scenario-failed]" in out
    assert "expected: 'L1'" in out and "actual:   'none'" in out
    assert "trace:" in out and "no row of table production matched" in out


def test_coverage_report_and_minimum(tmp_path, capsys):
    assert main(["test", str(SCENARIOS / "grading.scenarios.yaml"), "--coverage", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (grading,) = [c for c in out["coverage"] if c["ruleset"] == "asp-handbook-grading"]
    assert grading["percent"] == 100.0 and grading["by_kind"]["rows"] == {"covered": 16, "total": 16}
    # one scenario covers one row and its level's three obligations of twenty-nine rules: far below the minimum
    one = write(tmp_path, "one.scenarios.yaml", (SCENARIOS / "grading.scenarios.yaml").read_text(encoding="utf-8").split("  - name: the night band")[0].replace("../../rulesets", str(REPO / "rulesets")))
    assert main(["test", str(one), "--min-coverage", "95"]) == 1
    text = capsys.readouterr().out
    assert "coverage asp-handbook-grading: 13.8% (rows 1/16, adjustments 0/4, obligations 3/9)" in text and "below --min-coverage 95%" in text
    assert "not exercised: prod-l1-core-outage-night" in text


def test_junit_lists_passes_and_failures(tmp_path, capsys):
    assert main(["test", str(failing_file(tmp_path)), str(SCENARIOS / "grading.scenarios.yaml"), "--format", "junit"]) == 1
    out = capsys.readouterr().out
    assert 'failures="1"' in out and out.count("<testcase") == 24


def test_pytest_plugin_collects_scenario_files_as_items(tmp_path):
    failing_file(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(SCENARIOS), str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    shipped = len(run_paths([SCENARIOS]).results)
    assert f"1 failed, {shipped} passed" in proc.stdout, proc.stdout[-2000:]
    assert "scenario 'a blip is wrongly expected to be L1' failed" in proc.stdout
    assert "expected: 'L1'" in proc.stdout
