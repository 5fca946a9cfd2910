"""asprules diff on issue 14's approval policies (examples/approval-policy): quorum,
separation of duties and validity are compared region by region, each band with a witness
operation that the real engine decides as the band says under both versions; a change no
witness is found for is still reported, and the gates never fail open."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import asprules
from asprules.checks import authorization_diff
from asprules.checks.diff import diff
from asprules.cli import main
from asprules.loader import load_ruleset_texts

REPO = Path(__file__).resolve().parents[1]
POLICY = REPO / "examples/approval-policy/rules"
TEXT = (POLICY / "authorization.yaml").read_text()
OTHERS = [(POLICY / name).read_text() for name in ("bank-freezes.yaml", "customers.yaml")]

# (name, the example's text, its replacement, what the band's details say is lost from old to new)
EDITS = [
    ("quorum", "quorum: 2", "quorum: 1", "- 2 distinct approvers of peer_review"),
    (
        "separation from the requester",
        "distinct_from: {requester: true, engineer: true}", "distinct_from: {engineer: true}",
        "- approvers of peer_review not the requester",
    ),
    (
        "separation from the engineer",
        "distinct_from: {requester: true, engineer: true}", "distinct_from: {requester: true}",
        "- approvers of peer_review not the engineer",
    ),
    (
        "separation between steps",
        "distinct_from: {requester: true, steps: [peer_review]}", "distinct_from: {requester: true}",
        "- no approver counted for both cab and peer_review",
    ),
    ("validity longer", "valid_for: 14d\n  - id: cab", "valid_for: 30d\n  - id: cab", "- approvals of peer_review valid for 14d"),
    ("validity dropped", "      valid_for: 14d\n  - id: cab", "  - id: cab", "- approvals of peer_review valid for 14d"),
]


def _versions(old_text: str, new_text: str):
    return load_ruleset_texts(old_text, *OTHERS), load_ruleset_texts(new_text, *OTHERS)


def _dirs(tmp_path: Path, old_text: str, new_text: str) -> tuple[str, str]:
    out = []
    for name, text in (("old", old_text), ("new", new_text)):
        shutil.copytree(POLICY, tmp_path / name)
        (tmp_path / name / "authorization.yaml").write_text(text)
        out.append(str(tmp_path / name))
    return out[0], out[1]


def _band(report):
    (band,) = [c for c in report.changes if c.kind == "authorization"]
    return band


@pytest.mark.parametrize(("name", "was", "now", "lost"), EDITS, ids=[e[0] for e in EDITS])
def test_a_loosened_policy_is_a_more_permissive_band_with_a_witness_the_engine_confirms(name, was, now, lost):
    assert was in TEXT
    old, new = _versions(TEXT, TEXT.replace(was, now, 1))
    report = diff(old, new)
    band = _band(report)
    assert band.direction == "more permissive" and lost in band.details, band.text()
    assert band.witness is not None
    assert asprules.authorize(band.witness, old).status == "pending"
    assert asprules.authorize(band.witness, new).status == "authorized"
    assert not [c for c in report.changes if c.kind == "step"]  # the band shows it: no per-step repeat
    assert report.breaking(only_restrict=True) == [band]


@pytest.mark.parametrize(("name", "was", "now", "lost"), EDITS, ids=[e[0] for e in EDITS])
def test_the_same_edit_reversed_is_a_more_restrictive_band_with_a_witness(name, was, now, lost):
    old, new = _versions(TEXT.replace(was, now, 1), TEXT)
    report = diff(old, new)
    band = _band(report)
    assert band.direction == "more restrictive" and "+" + lost[1:] in band.details, band.text()
    assert asprules.authorize(band.witness, old).status == "authorized"
    assert asprules.authorize(band.witness, new).status == "pending"
    assert not report.breaking(only_restrict=True)


def test_a_shorter_validity_is_more_restrictive_with_an_approval_older_than_the_new_limit():
    old, new = _versions(TEXT, TEXT.replace("valid_for: 14d\n  - id: emergency", "valid_for: 7d\n  - id: emergency"))
    band = _band(diff(old, new))
    assert band.direction == "more restrictive" and "+ approvals of cab valid for 7d" in band.details
    (record,) = [a for a in band.witness["approvals"] if a["step"] == "cab"]
    from datetime import datetime, timedelta

    age = datetime.fromisoformat(band.witness["scheduled_start"]) - datetime.fromisoformat(record["at"])
    assert timedelta(days=7) <= age < timedelta(days=14)
    assert (asprules.authorize(band.witness, old).status, asprules.authorize(band.witness, new).status) == ("authorized", "pending")


def test_the_witness_names_a_requester_a_registered_customer_and_the_notified_roles():
    old, new = _versions(TEXT, TEXT.replace("quorum: 2", "quorum: 1"))
    witness = _band(diff(old, new)).witness
    assert witness["requester"] not in {a["by"] for a in witness["approvals"]} | {witness["engineer"]["id"]}
    assert witness["customer"] == {"id": "retail-uk"}  # the registry's customer in the ruleset's own zone and window
    assert {n["role"] for n in witness["notifications"]} == {"change_manager"}


def test_quorum_2_to_1_fails_only_restrict_on_the_example(tmp_path, capsys):
    old, new = _dirs(tmp_path, TEXT, TEXT.replace("quorum: 2", "quorum: 1"))
    assert main(["diff", old, new, "--only-restrict"]) == 1
    out = capsys.readouterr().out
    assert "--only-restrict: broken by 1:" in out and "- 2 distinct approvers of peer_review" in out
    assert main(["diff", old, new, "--only-restrict", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["breaking"] == 1 and data["regions"][0]["witness"]["approvals"]


def test_quorum_1_to_2_is_reported_more_restrictive_and_breaks_neither_gate(tmp_path, capsys):
    # --only-raise gates grading (an incident graded less severe); a stricter authorization
    # is no loosening either: the diff reports it, and both gates pass.
    old, new = _dirs(tmp_path, TEXT.replace("quorum: 2", "quorum: 1"), TEXT)
    assert main(["diff", old, new, "--only-raise"]) == 0
    assert "+ 2 distinct approvers of peer_review" in capsys.readouterr().out
    assert main(["diff", old, new, "--only-restrict", "--only-raise"]) == 0
    assert main(["diff", new, old, "--only-restrict", "--only-raise"]) == 1  # and 2 → 1 fails with both asked


def test_a_loosening_without_a_witness_is_still_reported_and_still_fails_only_restrict(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(authorization_diff._WitnessSearch, "find", lambda self, box, signature, want: None)
    old, new = _versions(TEXT, TEXT.replace("quorum: 2", "quorum: 1"))
    report = diff(old, new)
    band = _band(report)
    assert band.witness is None and band.direction == "more permissive"
    assert "no witness operation found: the change is judged from what each version requires" in band.details
    assert any("no witness operation was found" in n for n in report.notes)
    assert report.breaking(only_restrict=True) == [band]
    old_dir, new_dir = _dirs(tmp_path, TEXT, TEXT.replace("quorum: 2", "quorum: 1"))
    assert main(["diff", old_dir, new_dir, "--only-restrict"]) == 1
    assert main(["diff", new_dir, old_dir, "--only-restrict"]) == 0


def test_a_retrospective_step_loosened_no_witness_at_the_start_is_reported_all_the_same():
    # emergency_approval may be given within 72 h after the start: at the start both versions
    # authorize with the approval still owed, so no operation tells them apart there.
    old, new = _versions(TEXT, TEXT.replace("      roles: [duty_manager]\n      distinct_from: {requester: true}", "      roles: [duty_manager]"))
    report = diff(old, new)
    band = _band(report)
    assert band.witness is None and band.direction == "more permissive"
    assert "- approvers of emergency_approval not the requester" in band.details
    assert report.breaking(only_restrict=True) == [band]


def test_a_policy_the_regions_do_not_model_falls_back_to_the_step_and_says_so():
    old, new = _versions(TEXT, TEXT.replace("require: any", "require: all"))
    (step,) = [c for c in diff(old, new).changes if c.kind == "step"]
    assert step.direction == "more restrictive" and "not shown region by region: judged from the step policy alone" in step.details


def test_the_new_requirements_read_in_chinese(tmp_path, capsys):
    old, new = _dirs(tmp_path, TEXT, TEXT.replace("quorum: 2", "quorum: 1").replace("distinct_from: {requester: true, steps: [peer_review]}", "distinct_from: {steps: [peer_review]}"))
    assert main(["diff", old, new, "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "- peer_review 须有 2 名不同的审批人" in out and "- cab 的审批人不得是申请人" in out


def test_a_lead_time_of_one_risk_class_is_compared_on_its_band():
    old, new = _versions(TEXT, TEXT.replace("lead_minutes_for: {emergency: 0}", "lead_minutes_for: {emergency: 60}"))
    report = diff(old, new)
    band = _band(report)
    assert band.direction == "more restrictive" and "+ email notice 60 min ahead" in band.details
    assert band.witness["emergency"] is True
    assert (asprules.authorize(band.witness, old).status, asprules.authorize(band.witness, new).status) == ("authorized", "pending")
    assert not [c for c in report.changes if c.kind == "step"]


@pytest.mark.parametrize(
    ("was", "now", "direction", "line"),
    [
        ("      recipients: [change_manager]\n", "", "more permissive", "- notice to the change_manager"),
        ("recipients: [change_manager]", "recipients: [change_manager, duty_manager]", "more restrictive", "+ notice to the duty_manager"),
    ],
    ids=["recipients dropped", "recipient added"],
)
def test_notice_recipients_are_compared_on_every_band_of_a_chain_that_notifies(was, now, direction, line):
    old, new = _versions(TEXT, TEXT.replace(was, now))
    report = diff(old, new)
    bands = [c for c in report.changes if c.kind == "authorization"]
    assert {c.band for c in bands} == {"normal change band", "emergency change band"}
    for band in bands:
        assert band.direction == direction and line in band.details, band.text()
        statuses = (asprules.authorize(band.witness, old).status, asprules.authorize(band.witness, new).status)
        assert statuses == (("pending", "authorized") if direction == "more permissive" else ("authorized", "pending"))
    assert not [c for c in report.changes if c.kind == "step"]
    assert bool(report.breaking(only_restrict=True)) == (direction == "more permissive")
