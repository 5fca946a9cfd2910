"""The bundled examples decide as their comments say, through the CLI and its JSON contract."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import asprules
from asprules.cli import main
from support import REPO, RULESETS, write

INCIDENTS = {
    "l1-core-outage-daytime.yaml": ("L1", "L1", ["prod-l1-core-outage-day"]),
    "l1-breach-with-loss.yaml": ("L1", "L1", ["prod-l1-breach-with-loss"]),
    "l1-sensitive-period.yaml": ("L2", "L1", ["prod-l2-core-outage", "adj-sensitive-period"]),
    "l2-core-outage.yaml": ("L2", "L2", ["prod-l2-core-outage"]),
    "l2-night-band-unrecovered.yaml": ("L2", "L2", ["prod-l2-core-outage"]),
    "l2-vip-raised.yaml": ("L3", "L2", ["prod-l3-outage", "adj-vip-customer"]),
    "l3-office-outage.yaml": ("L3", "L3", ["office-l3-outage"]),
    "l3-quick-recovery.yaml": ("L2", "L3", ["prod-l2-user-hours", "adj-quick-recovery"]),
    "none-brief-blip.yaml": ("none", "none", []),
}

OPERATIONS = {
    "authorized-core-cutover.yaml": ("authorized", "high", [], []),
    "authorized-berlin-window-across-midnight.yaml": ("authorized", "high", [], []),
    "authorized-emergency-log-tracing.yaml": ("authorized", "customer_permission", [], []),
    "authorized-remote-data-export.yaml": ("authorized", "customer_permission", [], []),
    "pending-upgrade-missing-steps.yaml": ("pending", "high", ["technical", "notification"], []),
    "pending-verbal-consent.yaml": ("pending", "customer_permission", ["customer"], []),
    "denied-outside-window.yaml": ("denied", "high", [], ["major-impact-outside-window"]),
    "denied-sensitive-period-config.yaml": ("denied", "customer_permission", [], ["sensitive-period-change"]),
    "denied-other-vendor.yaml": ("denied", "customer_permission", [], ["other-vendor-equipment"]),
    "denied-third-party-remote-no-scope.yaml": ("denied", "customer_permission", [], ["third-party-alone", "remote-without-scope"]),
    "denied-beyond-approved-scope.yaml": ("denied", "routine", [], ["beyond-approved-scope"]),
}


def test_every_example_is_covered_here():
    assert {p.name for p in (REPO / "examples/incidents").glob("*.yaml")} == set(INCIDENTS)
    assert {p.name for p in (REPO / "examples/operations").glob("*.yaml")} == set(OPERATIONS)


def run_json(capsys, *argv) -> tuple[int, dict]:
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", sorted(INCIDENTS))
def test_example_incidents_grade_as_documented(capsys, name):
    base, level, fired = INCIDENTS[name]
    code, out = run_json(capsys, "grade", str(REPO / "examples/incidents" / name), "--format", "json")
    assert code == 0
    assert (out["base_level"], out["level"], [f["id"] for f in out["fired"]]) == (base, level, fired)
    assert out["ruleset"]["id"] == "asp-handbook-grading" and len(out["ruleset"]["sha256"]) == 64
    assert all(f["cite"].startswith("§34.2") and f["provenance"] in ("handbook", "assumed") for f in out["fired"])


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_example_operations_decide_as_documented(capsys, name):
    status, risk, missing, violations = OPERATIONS[name]
    code, out = run_json(capsys, "authorize", str(REPO / "examples/operations" / name), "--format", "json", "--rules", str(RULESETS))
    assert code == 0
    assert (out["status"], out["risk"], out["missing"], [v["rule"] for v in out["violations"]]) == (status, risk, missing, violations)


def test_levels_and_statuses_are_all_exemplified():
    assert {v[1] for v in INCIDENTS.values()} == {"L1", "L2", "L3", "none"}
    assert {v[0] for v in OPERATIONS.values()} == {"authorized", "pending", "denied"}


def test_text_output_explains(capsys):
    assert main(["grade", str(REPO / "examples/incidents/l2-vip-raised.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("INC-2026-1103: Level L2") and "adj-vip-customer (§34.2.4)" in out


def test_bad_fact_file_exits_2_with_file_line_and_field(capsys, tmp_path):
    bad = write(tmp_path, "bad.yaml", "id: X\nenvironment: lab\n")
    assert main(["grade", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2:1: environment: Input should be 'production' or 'office'" in err
    assert "Traceback" not in err


def test_bad_fact_file_in_json_mode(capsys, tmp_path):
    bad = write(tmp_path, "bad.yaml", "id: X\nenvironment: lab\n")
    code, out = run_json(capsys, "authorize", str(bad), "--format", "json")
    assert code == 2 and out["error"] == "FactError"
    assert {"file", "line", "column", "field", "message"} <= set(out["problems"][0])


def test_bad_rules_exit_2(capsys, tmp_path):
    write(tmp_path, "r.yaml", "asprules: 1\nkind: grading\nid: x\n")
    assert main(["grade", str(REPO / "examples/incidents/l2-core-outage.yaml"), "--rules", str(tmp_path)]) == 2
    assert "r.yaml:1:1: tables: Field required" in capsys.readouterr().err


def test_validate_bundled_rulesets(capsys):
    assert main(["validate", str(RULESETS)]) == 0
    out = capsys.readouterr().out
    assert "grading asp-handbook-grading" in out and "authorization asp-handbook-authorization" in out


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as exc:
        main(["grade"])
    assert exc.value.code == 2


def test_console_entry_point_runs_as_a_process():
    result = subprocess.run(
        [sys.executable, "-m", "asprules", "grade", "examples/incidents/l1-core-outage-daytime.yaml", "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["level"] == "L1"


def test_bundled_rulesets_ship_with_the_package_and_match_the_repository():
    bundled = asprules.bundled_rulesets()
    names = sorted(p.name for p in bundled.glob("*.yaml"))
    assert names == sorted(p.name for p in RULESETS.glob("*.yaml"))
    for name in names:
        assert (bundled / name).read_bytes() == (RULESETS / name).read_bytes()


def test_grade_reads_no_authorization_ruleset_and_authorize_no_grading_one(tmp_path, capsys):
    # A rulebook for one decision leaves the other kind unread past its `kind`: a broken
    # authorization file does not stop grading, and is reported by `authorize`.
    for name in ("grading.yaml", "calendar-cn.yaml", "authorization.yaml"):
        write(tmp_path, name, (RULESETS / name).read_text(encoding="utf-8"))
    write(tmp_path, "zz-broken.yaml", "asprules: 1\nkind: authorization\nid: broken\n")
    code, out = run_json(capsys, "grade", str(REPO / "examples/incidents/l1-breach-with-loss.yaml"), "--rules", str(tmp_path), "--format", "json")
    assert (code, out["level"]) == (0, "L1")
    operation = str(REPO / "examples/operations/authorized-core-cutover.yaml")
    assert main(["authorize", operation, "--rules", str(tmp_path)]) == 2
    assert "zz-broken.yaml:1:1: roles: Field required" in capsys.readouterr().err
    rules = asprules.load_rulesets(tmp_path, deciding="grading")
    assert rules.authorization is None and [p.rsplit("/", 1)[-1] for p in rules.files] == [
        "authorization.yaml", "calendar-cn.yaml", "grading.yaml", "zz-broken.yaml"
    ]
    rules = asprules.load_rulesets(RULESETS / "authorization.yaml", RULESETS / "calendar-cn.yaml", deciding="authorization")
    assert not rules.gradings and rules.authorization is not None
