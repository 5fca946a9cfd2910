"""The analysis is bounded: past a budget it says what it did not check, never blows up."""

from __future__ import annotations

import sys

import pytest

import asprules
from asprules.checks.analysis import Budget, analyse, budget
from asprules.checks.analysis.regions import build_tree, leaves, merge_boxes
from asprules.cli import main
from support import RULESETS, REPO, grading_text, row, write

sys.path.insert(0, str(REPO / "benchmarks"))
import analysis_limits  # noqa: E402

sys.path.remove(str(REPO / "benchmarks"))


def budget_findings(findings):
    return [f for f in findings if f.code == "budget"]


def test_a_condition_past_the_box_budget_is_opaque_and_named(tmp_path):
    groups = ", ".join(f"{{any: [{{field: outage_minutes, ge: {10 + i}}}, {{field: affected_users, ge: {100 + i}}}]}}" for i in range(6))
    text = grading_text(row("wide", "L1", f"{{all: [{groups}]}}") + row("plain", "L3", "{field: outage_minutes, ge: 5}"))
    rules = asprules.load_rulesets(write(tmp_path, "grading.yaml", text))
    assert not budget_findings(analyse(rules))  # 7 × 7 distinct boxes: within the default budget
    (note,) = budget_findings(analyse(rules, Budget(conjunctions=8)))
    assert note.severity == "info" and note.rule == "wide" and note.line is not None
    assert "boxes of one condition would pass the budget of 8" in note.message and "opaque" in note.message


def test_a_tree_past_the_region_budget_names_the_table_and_what_was_not_checked():
    findings = analyse(asprules.load_rulesets(RULESETS), Budget(regions=5))
    (note,) = budget_findings(findings)
    assert note.rule == "production" and "table 'production' (splitting at row" in note.message
    assert "overlaps, masked rows, monotonicity and dead adjustments were not checked" in note.message
    assert not [f for f in findings if f.code in ("non-monotone", "masked-row", "overlap")]


def test_validate_exits_6_when_a_budget_stopped_the_analysis(monkeypatch, capsys):
    assert main(["validate", str(RULESETS)]) == 0
    monkeypatch.setattr(budget, "DEFAULT_BUDGET", Budget(regions=5))
    assert main(["validate", str(RULESETS)]) == 6
    assert "info[budget] production: not checked exactly" in capsys.readouterr().out


def test_failing_findings_still_exit_1_when_a_budget_was_hit(tmp_path, monkeypatch, capsys):
    text = grading_text(row("r1", "L1", "{field: outage_minutes, ge: 60}")).replace(
        "    hit_policy:", "    applies_when: {field: environment, eq: production}\n    hit_policy:"
    )
    path = write(tmp_path, "grading.yaml", text)
    monkeypatch.setattr(budget, "DEFAULT_BUDGET", Budget(regions=1))
    assert main(["validate", str(path)]) == 1  # the gap (office incidents) is still found
    out = capsys.readouterr().out
    assert "error[gap]" in out and "info[budget]" in out


def test_conditions_past_every_budget_still_give_findings_not_tracebacks(tmp_path):
    text = grading_text(row("r1", "L1", "{field: outage_minutes, ge: 60}") + row("r2", "L2", "{field: vip_customer, eq: true}"))
    rules = asprules.load_rulesets(write(tmp_path, "grading.yaml", text))
    findings = analyse(rules, Budget(conjunctions=0, regions=0, splits=0))
    assert findings and all(f.code == "budget" for f in findings)


def test_a_large_overlapping_priority_table_is_analysed_within_budget(tmp_path):
    path = write(tmp_path, "grading.yaml", analysis_limits.priority_3(150))
    findings = analyse(asprules.load_rulesets(path))
    assert not budget_findings(findings)
    assert {f.code for f in findings} >= {"masked-row"}


def test_pruned_tree_decides_like_the_full_tree_on_every_leaf(tmp_path):
    """The first hit and the adjustments on a pruned tree equal those of the unpruned one."""
    from asprules.checks.analysis import grading_model

    path = write(tmp_path, "grading.yaml", analysis_limits.mixed_8(15))
    model = grading_model(asprules.load_rulesets(path))
    full = build_tree(model.space.full_box(), model.items())
    for leaf in leaves(full):
        outcome = model.outcome(leaf.rules)
        for pruned in model_leaves_meeting(model, leaf.box):
            assert pruned.outcome == outcome


def model_leaves_meeting(model, box):
    from asprules.checks.analysis.regions import query

    return list(query(model.tree, box))


@pytest.mark.parametrize("n", [1, 2, 50])
def test_merge_boxes_joins_touching_boxes_in_one_dimension(n):
    boxes = [((i, i + 1), (0, 1)) for i in range(n)] + [((0, 1), (5, 6))]
    merged = merge_boxes(boxes)
    assert merged[0] == ((0, n), (0, 1)) and ((0, 1), (5, 6)) in merged and len(merged) == 2
    grid = [((i, i + 1), (j, j + 1)) for i in range(n) for j in range(3)]
    assert merge_boxes(grid) == [((0, n), (0, 3))]


def test_derived_cycle_through_a_later_operand_is_found(tmp_path):
    """The walk follows every operand: a cycle behind the first one used to go unseen."""
    extra = "derived:\n  a: {add: [base, loop]}\n  base: {mul: [outage_minutes, 2]}\n  loop: {add: [a, 1]}\n"
    with pytest.raises(asprules.RulesetError) as err:
        asprules.load_ruleset_texts(grading_text(row("r1", "L1", "{field: a, ge: 1}"), extra=extra))
    assert any("derived values form a cycle through 'a': 'a' → 'loop' → 'a'" in p.message for p in err.value.problems)


def test_derived_cycle_check_is_linear_on_a_long_chain():
    from asprules.format.validate import _cycles

    n = 20_000
    graph = {f"d{i}": [f"d{i - 1}"] if i else [] for i in range(n)}
    assert _cycles(graph) == []
    graph["d0"] = [f"d{n - 1}"]
    (cycle,) = _cycles(graph)
    assert len(cycle) == n
