"""asprules diff: every wrong answer of issue 13, as a test that fails on it."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

import asprules
from asprules.checks.diff import diff
from asprules.cli import main
from asprules.loader import bundled_rulesets, load_named_texts
from support import incident, write

AUTH = (bundled_rulesets() / "authorization.yaml").read_text(encoding="utf-8")
CAL = (bundled_rulesets() / "calendar-cn.yaml").read_text(encoding="utf-8")
GRADING = (bundled_rulesets() / "grading.yaml").read_text(encoding="utf-8")

SEV = """
asprules: 1
kind: grading
id: sev
levels:
  - {id: SEV1, name: s1}
  - {id: SEV2, name: s2}
  - {id: SEV3, name: s3}
  - {id: SEV4, name: s4, major: false}
tables:
  - id: t
    cite: §34.2.2
    hit_policy: first
    default: SEV4
    rows:
      - {id: long, level: SEV1, cite: §34.2.2, provenance: handbook, when: {field: outage_minutes, ge: 60}}
      - {id: mid, level: SEV2, cite: §34.2.2, provenance: handbook, when: {field: outage_minutes, ge: 30}}
      - {id: share, level: SEV3, title: SEV3, cite: §34.2.2, provenance: handbook, when: {field: affected_users_pct, ge: 5}}
"""


def sides(old_texts, new_texts):
    old = load_named_texts([(f"rules/{i}.yaml@main", t) for i, t in enumerate(old_texts)])
    new = load_named_texts([(f"rules/{i}.yaml", t) for i, t in enumerate(new_texts)])
    return old, new


def auth_sides(old_auth, new_auth, old_cal=CAL, new_cal=CAL):
    return sides([old_auth, old_cal], [new_auth, new_cal])


def assert_witnessed(report, old, new):
    """Every band has a witness that both versions decide as the band says."""
    for c in report.changes:
        assert c.witness is not None, c.text()
        if c.kind == "authorization":
            before, after = asprules.authorize(c.witness, old).status, asprules.authorize(c.witness, new).status
            if c.direction == "more permissive":
                assert after == "authorized" and before != "authorized", c.text()
            elif c.direction == "more restrictive":
                assert before == "authorized" and after != "authorized", c.text()


# --- 1. levels by id --------------------------------------------------------------------------


def test_renamed_levels_are_changes_added_and_removed_not_a_raise(tmp_path):
    old, new = sides([SEV], [SEV.replace("SEV", "P")])
    report = diff(old, new)
    levels = {(c.region, c.direction) for c in report.changes if c.kind == "levels"}
    assert {("level SEV1", "removed"), ("level P1", "added")} <= levels
    bands = [c for c in report.changes if c.kind == "grading"]
    assert {(c.old, c.new) for c in bands} >= {("SEV1", "P1"), ("SEV2", "P2"), ("SEV3", "P3"), ("SEV4", "P4")}
    assert all(c.direction == "not comparable" for c in bands)  # neither side declares both levels
    assert report.lowered()  # --only-raise cannot pass a change it cannot judge
    corpus = write(tmp_path, "t.jsonl", json.dumps(incident(id="T1", outage_minutes=90)) + "\n")
    (change,) = diff(old, new, [corpus]).corpus_changes
    assert (change.old["level"], change.new["level"], change.direction) == ("SEV1", "P1", "not comparable")


def test_inserting_a_most_and_a_least_severe_level_only_raises():
    new = SEV.replace("  - {id: SEV1, name: s1}", "  - {id: SEV0, name: s0}\n  - {id: SEV1, name: s1}").replace(
        "  - {id: SEV4, name: s4, major: false}", "  - {id: SEV4, name: s4, major: false}\n  - {id: SEV5, name: s5, major: false}"
    ).replace("    rows:\n", "    rows:\n      - {id: breach, level: SEV0, cite: §34.2.2, provenance: handbook, when: {field: security_breach, eq: true}}\n")
    old, new_rb = sides([SEV], [new])
    report = diff(old, new_rb)
    bands = [c for c in report.changes if c.kind == "grading"]
    assert bands and all(c.new == "SEV0" and c.direction == "raise" for c in bands)
    assert not any(c.old == c.new for c in bands)  # no "SEV4 → SEV4 (lower)"
    assert {c.region for c in report.changes if c.kind == "levels"} == {"level SEV0", "level SEV5"}
    assert not report.lowered()


def test_one_threshold_edit_is_one_band_named_by_its_rule():
    old, new = sides([SEV], [SEV.replace("affected_users_pct, ge: 5}", "affected_users_pct, ge: 10}")])
    (band,) = diff(old, new).changes
    assert band.band == "SEV3 band: affected_users_pct 5→10"
    assert (band.old, band.new, band.direction) == ("SEV3", "SEV4", "lower")
    assert band.region == "affected_users_pct 5–10, outage_minutes < 30"
    assert (band.file, band.line, band.rule) == ("rules/0.yaml", 18, "share")  # the changed row, new side


def test_a_threshold_edit_on_the_handbook_grading_is_few_readable_bands():
    old, new = sides([GRADING, CAL], [GRADING.replace("ge: 5}", "ge: 10}", 1), CAL])
    report = diff(old, new)
    assert report.changes and len(report.changes) <= 6
    for c in report.changes:
        assert "{" not in c.region and '"' not in c.region  # words, not JSON
        assert " band: " in c.band and "→" in c.band


# --- 2. authorization by what it requires ----------------------------------------------------

CHANGE_RULES = """
asprules: 1
kind: authorization
id: changes
roles: [{id: peer, name: peer}, {id: cab, name: cab}]
steps:
  - {id: std_notice, name: standard notice, cite: §32, provenance: handbook, notification: {channels: [email], lead_minutes: 60, cite: §32, provenance: handbook}}
  - {id: peer_review, name: peer review, cite: §29, provenance: handbook, approval: {roles: [peer]}}
  - {id: cab, name: CAB, cite: §29, provenance: handbook, approval: {roles: [cab]}}
  - {id: change_notice, name: change notice, cite: §32, provenance: handbook, notification: {channels: [email, sms], lead_minutes: 1440, cite: §32, provenance: handbook}}
risk_classes:
  - {id: normal, name: normal change, cite: §28, provenance: handbook, when: {field: kind, in: [KINDS]}, chain: [peer_review, cab, change_notice]}
  - {id: standard, name: pre-approved change, cite: §28, provenance: handbook, chain: [std_notice]}
"""


def test_moving_restart_to_the_class_needing_peer_review_and_cab_is_more_restrictive():
    before, after = CHANGE_RULES.replace("KINDS", "upgrade"), CHANGE_RULES.replace("KINDS", "upgrade, restart")
    old, new = sides([before], [after])
    (change,) = diff(old, new).changes
    assert (change.region, change.direction) == ("kind = restart", "more restrictive")
    assert change.band == "pre-approved change → normal change band"
    assert_witnessed(diff(old, new), old, new)
    (back,) = diff(new, old).changes
    assert back.direction == "more permissive"


def test_moving_restart_on_the_handbook_rules_reads_the_same_both_ways():
    moved = AUTH.replace("data_export, remote_access, restart]", "data_export, remote_access]").replace(
        "hardware_replacement]}", "hardware_replacement, restart]}", 1
    )
    old, new = auth_sides(AUTH, moved)
    report = diff(old, new)
    assert report.changes and {c.direction for c in report.changes} == {"more restrictive"}
    assert not report.loosened()
    assert_witnessed(report, old, new)
    assert diff(new, old).loosened()


def test_widening_an_explicit_window_reports_only_satisfiable_regions():
    def with_window(w):
        return AUTH.replace("not: {in_window: {start: scheduled_start, end: scheduled_end}}", f'not: {{in_window: {{start: scheduled_start, end: scheduled_end, window: "{w}"}}}}')

    old, new = auth_sides(with_window("22:00-04:00"), with_window("21:00-05:00"))
    report = diff(old, new)
    assert report.changes and {c.direction for c in report.changes} == {"more permissive"}
    for c in report.changes:  # inside the narrow window but outside the wide one: no operation is there
        assert "not (scheduled_start–scheduled_end inside the window 21:00-05:00)" not in c.region
    assert_witnessed(report, old, new)
    narrowed = diff(new, old)
    assert narrowed.changes and not narrowed.loosened()


def test_a_constraint_for_routine_work_only_changes_routine_work():
    added = AUTH.replace("constraints:\n", """constraints:
  - id: no-third-party-routine
    cite: §3.2.8
    provenance: handbook
    when: {field: third_party, eq: true}
    applies_to: [routine]
    message: no third parties on routine work
""", 1)
    old, new = auth_sides(AUTH, added)
    report = diff(old, new)
    assert report.changes
    assert all(c.old.startswith("routine") and c.direction == "more restrictive" for c in report.changes)
    assert all(c.rule == "no-third-party-routine" for c in report.changes)


# --- blind spots: each loosening fails --only-restrict ---------------------------------------


def loosens(old_auth, new_auth, old_cal=CAL, new_cal=CAL):
    old, new = auth_sides(old_auth, new_auth, old_cal, new_cal)
    report = diff(old, new)
    assert report.loosened(), report.text()
    assert_witnessed(report, old, new)
    return report


def test_default_window_widened_to_the_whole_day_loosens():
    report = loosens(AUTH, AUTH.replace('value: "00:00-05:00"', 'value: "00:00-24:00"'))
    assert any("major-impact-outside-window" in " ".join(c.details) for c in report.changes)


def test_a_sensitive_period_deleted_from_the_calendar_loosens():
    cut = "\n".join(line for line in CAL.splitlines() if "National Day 2026" not in line) + "\n"
    report = loosens(AUTH, AUTH, CAL, cut)
    assert any(c.witness["scheduled_start"].startswith("2026-10-0") for c in report.changes)


def test_an_unordered_chain_loosens():
    report = loosens(AUTH, AUTH.replace("    ordered: true", "    ordered: false"))
    assert any("- approvals in order technical → customer" in c.details for c in report.changes)


def added_unless(spec: str) -> str:
    return AUTH.replace(
        """    message:
      en: "an operation with major impact must run wholly inside""",
        f"""    unless: {{has_approval: {spec}}}
    message:
      en: "an operation with major impact must run wholly inside""",
    )


def test_an_added_unless_with_any_role_loosens():
    report = loosens(AUTH, added_unless("{step: emergency}"))
    assert all(c.rule == "major-impact-outside-window" for c in report.changes)
    assert any("approval emergency recorded by anyone" in c.region for c in report.changes)


def test_an_added_unless_with_an_empty_role_list_is_refused_not_passed(tmp_path, capsys):
    (tmp_path / "o").mkdir(), (tmp_path / "n").mkdir()
    a = write(tmp_path / "o", "a.yaml", AUTH)
    b = write(tmp_path / "n", "a.yaml", added_unless("{step: emergency, roles: []}"))
    for d in (a.parent, b.parent):
        write(d, "c.yaml", CAL)
    assert main(["diff", str(a.parent), str(b.parent), "--only-restrict"]) == 2  # bad input, never a silent pass
    assert "roles: [] lets no approval qualify" in capsys.readouterr().err


# --- 4. corpus replay --------------------------------------------------------------------------

PRIORITY = SEV.replace("id: sev", "id: prio").replace("ge: 60}", "ge: 120}")


def test_corpus_facts_are_decided_by_the_decision_they_were_written_for(tmp_path):
    old, new = sides([SEV, PRIORITY], [SEV, PRIORITY.replace("ge: 120}", "ge: 90}")])
    rows = [
        {"decision": "prio", "fact": incident(id="P-100", outage_minutes=100)},  # prio: SEV2 → SEV1
        {"decision": "sev", "fact": incident(id="S-100", outage_minutes=100)},  # sev: unchanged
    ]
    corpus = write(tmp_path, "tickets.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    report = diff(old, new, [corpus])
    assert report.corpus_total == 2
    (change,) = report.corpus_changes
    assert (change.fact_id, change.decision, change.direction) == ("P-100", "prio", "raise")
    assert change.source == f"{corpus}:1"


def test_bad_corpus_rows_are_listed_with_file_and_line_and_the_diff_goes_on(tmp_path, capsys):
    rows = [json.dumps(incident(id="T1", outage_minutes=45)), "{not json", json.dumps({**incident(id="T3"), "outage_minutes": -5}), "[1, 2]", json.dumps(incident(id="T5", outage_minutes=50))]
    corpus = write(tmp_path, "tickets.jsonl", "\n".join(rows) + "\n")
    old, new = sides([SEV], [SEV.replace("ge: 60}", "ge: 45}")])
    report = diff(old, new, [corpus])
    assert report.corpus_total == 2 and report.bad_count == 3
    assert [(b.line, b.message.split(":")[0]) for b in report.bad_rows][0] == (2, "not JSON")
    assert {b.line for b in report.bad_rows} == {2, 3, 4} and all(b.file == str(corpus) for b in report.bad_rows)
    assert [c.fact_id for c in report.corpus_changes] == ["T1", "T5"]
    (tmp_path / "o").mkdir(), (tmp_path / "n").mkdir()
    a, b = write(tmp_path / "o", "g.yaml", SEV), write(tmp_path / "n", "g.yaml", SEV.replace("ge: 60}", "ge: 45}"))
    assert main(["diff", str(a), str(b), "--scenarios", str(corpus)]) == 2  # everything else is reported, then: bad input
    captured = capsys.readouterr()
    assert "corpus: 3 bad rows skipped" in captured.out and f"{corpus}:2: not JSON" in captured.out
    assert "T5" in captured.out and f"3 corpus rows could not be decided (first: {corpus}:2: not JSON" in captured.err


# --- 5. gates say what broke them, at the changed rule's line ---------------------------------


def test_gates_name_what_broke_them_and_github_points_at_the_changed_line(tmp_path, capsys):
    (tmp_path / "o").mkdir(), (tmp_path / "n").mkdir()
    a = write(tmp_path / "o", "g.yaml", SEV)
    b = write(tmp_path / "n", "g.yaml", SEV.replace("affected_users_pct, ge: 5}", "affected_users_pct, ge: 10}"))
    assert main(["diff", str(a), str(b), "--only-raise"]) == 1
    out = capsys.readouterr().out
    assert "--only-raise: broken by 1:" in out and f"{b}:17: SEV3 band: affected_users_pct 5→10" in out
    assert main(["diff", str(a), str(b), "--only-raise", "--format", "github"]) == 1
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("::error")]
    assert f"file={b},line=17," in line and "asprules lowered share" in line
    assert main(["diff", str(a), str(b), "--only-raise", "--format", "junit"]) == 1
    assert 'failures="1"' in capsys.readouterr().out
    assert main(["diff", str(a), str(b), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["regions"][0]["line"] == 17 and data["regions"][0]["file"] == str(b) and data["breaking"] == 0


# --- 6. git revisions ------------------------------------------------------------------------


def git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / "rules").mkdir()
    (tmp_path / ".github").mkdir()
    write(tmp_path / ".github", "ci.yaml", "on: push\n")  # not a ruleset: left out
    write(tmp_path / "rules", "g.yaml", SEV)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "v1")
    git(tmp_path, "checkout", "-q", "-b", "change")
    write(tmp_path / "rules", "g.yaml", SEV.replace("affected_users_pct, ge: 5}", "affected_users_pct, ge: 10}"))
    git(tmp_path, "commit", "-q", "-am", "v2")
    return tmp_path


def test_diff_of_two_revisions_reads_git_objects(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo)
    assert main(["diff", "--only-raise", "main", "change", "--", "rules/"]) == 1  # options before --
    out = capsys.readouterr().out
    assert "rules/g.yaml@change:17: SEV3 band: affected_users_pct 5→10" in out
    assert main(["diff", "main", "change", "--only-raise", "--format", "github"]) == 1  # rule files found without PATHS
    assert "file=rules/g.yaml,line=17," in capsys.readouterr().out


def test_diff_against_the_base_branch_compares_the_working_tree(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo)
    write(repo / "rules", "g.yaml", SEV.replace("outage_minutes, ge: 30}", "outage_minutes, ge: 20}"))  # not committed
    assert main(["diff", "--base", "main", "--only-raise"]) == 0
    out = capsys.readouterr().out
    assert "outage_minutes 20–30" in out and "raise" in out and "5→10" not in out


def test_a_name_that_is_neither_a_path_nor_a_revision_is_bad_input(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo)
    assert main(["diff", "main", "no-such-branch"]) == 2
    assert re.search(r"no-such-branch.*neither an existing path nor a git revision", capsys.readouterr().err)
