"""The two examples that are not the handbook (an SRE team, a bank) validate clean, pass
their scenarios with full rule coverage and decide their example tickets."""

from __future__ import annotations

import json

import pytest

from asprules.cli import main
from support import REPO

EXAMPLES = REPO / "examples"


@pytest.mark.parametrize("name", ["sre", "change-management"])
def test_rules_validate_clean_and_scenarios_cover_every_rule(name, capsys):
    assert main(["validate", str(EXAMPLES / name / "rules"), "--fail-on", "warning"]) == 0
    assert main(["test", str(EXAMPLES / name), "--min-coverage", "100"]) == 0
    out = capsys.readouterr().out
    assert "clean" in out and "100.0%" in out


def test_the_sre_ticket_gets_a_severity_and_a_priority(capsys):
    ticket = EXAMPLES / "sre" / "inc-1042.yaml"
    assert main(["grade", str(ticket), "--rules", str(EXAMPLES / "sre" / "rules"), "--all", "--format", "json"]) == 0
    levels = {k: d["level"] for k, d in json.loads(capsys.readouterr().out)["decisions"].items()}
    assert levels == {"sre-priority": "P2", "sre-severity": "SEV2"}


def test_the_bank_change_is_authorized_on_its_own_schema(capsys):
    change = EXAMPLES / "change-management" / "changes" / "chg-normal-authorized.yaml"
    rules = EXAMPLES / "change-management" / "rules"
    assert main(["authorize", str(change), "--rules", str(rules), "--format", "json"]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert (decision["id"], decision["status"], decision["risk"]) == ("CHG-2041", "authorized", "normal")


def test_a_handbook_only_field_is_refused_on_the_bank_schema(tmp_path, capsys):
    change = EXAMPLES / "change-management" / "changes" / "chg-normal-authorized.yaml"
    bad = tmp_path / "chg.yaml"
    bad.write_text(change.read_text(encoding="utf-8") + "third_party: false\n", encoding="utf-8")
    assert main(["authorize", str(bad), "--rules", str(EXAMPLES / "change-management" / "rules")]) == 2
    assert "third_party" in capsys.readouterr().err
