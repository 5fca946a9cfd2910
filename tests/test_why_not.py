"""Why not higher: the first failing condition of each more severe row, with the fact's
value; for a denial, what matched (the period, the window), in the fact's local time."""

from __future__ import annotations

import pytest

import asprules
from asprules.cli import main
from support import REPO, incident

RULES = asprules.load_rulesets()


def test_each_more_severe_row_names_its_first_failing_condition_with_the_value():
    d = asprules.grade(incident(outage_minutes=40, affected_users=9000, affected_users_pct=12), RULES, why_not=True)
    assert d.level == "L3"
    rows = {w.row: w for w in d.why_not}
    assert set(rows) == {r.id for t in RULES.grading.doc.tables if t.id == d.table for r in t.rows if RULES.grading.rank[r.level] < RULES.grading.rank["L3"]}
    assert rows["prod-l1-many-sites"].failed.render("en") == "affected_sites 1 < 10"
    assert rows["prod-l1-core-outage-day"].failed.render("en") == "core_service false ≠ true"
    assert all(w.level in ("L1", "L2") for w in d.why_not)
    text = d.explain(why_not=True)
    assert "why not more severe:" in text and "L1 row prod-l1-many-sites (§34.2.2): affected_sites 1 < 10" in text
    assert "为何未定为更高级别" in d.explain("zh", why_not=True)


def test_the_first_failing_part_of_an_all_is_the_one_named():
    d = asprules.grade(incident(core_service=True, outage_minutes=12, affected_users_pct=30), RULES, why_not=True)
    failed = {w.row: w.failed.render("en") for w in d.why_not}
    assert d.level == "none"
    assert failed["prod-l1-core-outage-day"] == "outage_minutes 12 < 60"  # core_service holds: the next part is named
    assert failed["prod-l3-core-short"] == "outage_minutes 12 < 15"
    assert "L3 row prod-l3-core-short (§34.2.2): outage_minutes 12 < 15" in d.explain(why_not=True)


def test_without_the_flag_nothing_is_computed_and_explain_says_how_to_ask():
    d = asprules.grade(incident(), RULES)
    assert d.why_not is None and "why_not" not in d.to_json()
    with pytest.raises(ValueError, match="why_not=True"):
        d.explain(why_not=True)


def test_the_most_severe_level_has_nothing_above_it():
    d = asprules.grade(asprules.incident_from_file(str(REPO / "examples/incidents/l1-core-outage-daytime.yaml")), RULES, why_not=True)
    assert d.base_level == "L1" and d.why_not == ()
    assert "no row of the deciding table is more severe" in d.explain(why_not=True)


def test_a_denial_says_which_period_matched_in_local_time():
    op = asprules.operation_from_file(str(REPO / "examples/operations/denied-sensitive-period-config.yaml"))
    [v] = asprules.authorize(op, RULES, why_not=True).violations
    shown = [m.render("en") for m in v.matched]
    assert any("meets sensitive period Spring Festival 2027" in s and "+08:00" in s for s in shown)


def test_a_denial_says_the_window_it_leaves_in_the_customers_zone(capsys):
    path = str(REPO / "examples/operations/denied-outside-window.yaml")
    assert main(["authorize", path, "--why-not"]) == 0
    out = capsys.readouterr().out
    assert "is not wholly inside the maintenance window 00:00-05:00" in out and "(Asia/Shanghai)" in out
    assert main(["authorize", path, "--why-not", "--lang", "zh"]) == 0
    assert "不完全在维护窗口 00:00-05:00 内" in capsys.readouterr().out
