"""Errors name the real place, a fact of the wrong kind is named as such, and the CI
commands' summaries and failure details exist in Chinese as in English."""

from __future__ import annotations

import json
import re

import pytest

import asprules
from asprules.cli import main
from support import REPO, incident

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_an_operation_handed_to_grade_is_named_as_one(capsys):
    path = str(REPO / "examples/operations/denied-outside-window.yaml")
    assert main(["grade", path]) == 2
    err = capsys.readouterr().err
    assert "this looks like an operation, not an incident" in err and "asprules authorize" in err
    assert f"{path}:1" in err and err.count("\n") <= 3  # one problem, not twenty
    assert main(["authorize", str(REPO / "examples/incidents/l2-vip-raised.yaml"), "--lang", "zh"]) == 2
    assert "这看起来是故障，而不是操作" in capsys.readouterr().err


def test_the_python_api_names_the_wrong_kind_too():
    op = asprules.operation_from_file(str(REPO / "examples/operations/denied-outside-window.yaml")).model_dump(mode="json")
    with pytest.raises(asprules.FactError) as exc:
        asprules.grade(op, asprules.load_rulesets())
    [problem] = exc.value.problems
    assert problem.code == "wrong_kind" and "asprules.authorize" in problem.message


def test_data_from_a_caller_is_placed_by_its_field_not_a_made_up_file():
    with pytest.raises(asprules.FactError) as exc:
        asprules.grade(incident(affected_users="many"), asprules.load_rulesets())
    assert "<input>" not in str(exc.value)
    assert "  affected_users: Input should be a valid integer" in str(exc.value)


def test_a_copied_scenario_file_says_which_rules_it_misses_and_where(tmp_path, capsys):
    copied = tmp_path / "sre.scenarios.yaml"
    copied.write_text((REPO / "examples/sre/sre.scenarios.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["test", str(copied)]) == 2
    err = capsys.readouterr().err
    assert f"{copied}:6:" in err and "rules" in err and "--rules" in err
    assert main(["test", str(copied), "--rules", str(REPO / "examples/sre/rules")]) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", str(REPO / "examples/first-rules")],  # small: the bundled ones are validate's default
        ["test", str(REPO / "examples/scenarios")],
        ["diff", str(REPO / "rulesets")],
    ],
)
def test_ci_summaries_follow_the_language(argv, capsys):
    assert main([*argv, "--lang", "zh"]) == 0
    zh = capsys.readouterr().out.strip().splitlines()[-1]
    assert main([*argv, "--lang", "en"]) == 0
    en = capsys.readouterr().out.strip().splitlines()[-1]
    assert CJK.search(zh) and not CJK.search(en)


def test_a_failing_scenario_explains_itself_in_chinese(tmp_path, capsys):
    path = tmp_path / "one.scenarios.yaml"
    path.write_text(
        "asprules: 1\nkind: scenarios\nscenarios:\n  - name: wrong level\n    given: "
        + json.dumps(incident())
        + "\n    expect: {level: L1}\n",
        encoding="utf-8",
    )
    assert main(["test", str(path), "--lang", "zh"]) == 1
    out = capsys.readouterr().out
    assert "与预期不符" in out and "预期：'L1'" in out and "实际：'none'" in out and "推理过程" in out
    assert "asprules test：1 个错误" in out
