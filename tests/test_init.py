"""``asprules init DIR`` scaffolds a rules repository whose every file works where it lands:
the scenarios decide with the copied rulesets, the CI workflow's and the pre-commit
config's checks pass, and nothing is overwritten."""

from __future__ import annotations

import contextlib
import io
import shlex
from pathlib import Path

import pytest
import yaml

from asprules.cli import main
from asprules.cli.init import SCAFFOLD
from support import REPO


def run(*argv: str) -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        return main(list(argv))


@pytest.fixture
def scaffolded(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    assert run("init", ".") == 0
    return tmp_path


def test_the_scaffold_ships_the_repository_examples():
    shipped = {p.relative_to(SCAFFOLD / "examples"): p.read_bytes() for p in (SCAFFOLD / "examples").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    repo = {p.relative_to(REPO / "examples"): p.read_bytes() for p in (REPO / "examples").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert shipped == repo, "copy examples/ to src/asprules/scaffold/examples/"


def test_the_copied_scenarios_decide_with_the_copied_rulesets(scaffolded):
    for path in (scaffolded / "examples/scenarios").glob("*.scenarios.yaml"):
        assert yaml.safe_load(path.read_text(encoding="utf-8"))["rules"] == "../../rulesets"
    assert run("test", "examples/scenarios/", "--min-coverage", "95") == 0
    # an edit to the copy shows in the scenarios: they test the organization's rules
    grading = scaffolded / "rulesets/grading.yaml"
    grading.write_text(grading.read_text(encoding="utf-8").replace("ge: 30}", "ge: 31}", 1), encoding="utf-8")
    assert run("test", "examples/scenarios/") == 1


def test_the_ci_workflow_and_pre_commit_checks_pass_where_they_land(scaffolded):
    workflow = yaml.safe_load((scaffolded / ".github/workflows/rules.yml").read_text(encoding="utf-8"))
    commands = [s["run"] for s in workflow["jobs"]["rules"]["steps"] if "run" in s]
    assert commands[0] == "pip install wheels/asprules-*.whl"
    ran = 0
    for command in commands[1:]:
        line = command.split(">")[0].strip()
        if line.startswith("asprules "):
            assert run(*shlex.split(line)[1:]) == 0, line
            ran += 1
    assert ran == 2  # validate and test; diff needs the pull request's base
    hooks = yaml.safe_load((scaffolded / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"][0]["hooks"]
    assert [h["language"] for h in hooks] == ["system", "system"]
    validate, test = (h["entry"] for h in hooks)
    assert validate == "asprules validate rulesets/" and validate in commands[1]  # the run above, without --format
    assert run(*shlex.split(test)[1:]) == 0, test


def test_the_examples_decide_with_the_copies(scaffolded):
    assert run("grade", "examples/incidents/l2-vip-raised.yaml", "--rules", "rulesets/") == 0
    assert run("authorize", "examples/operations/denied-outside-window.yaml", "--rules", "rulesets/", "--exit-status") == 5


def test_init_never_overwrites(scaffolded, capsys):
    (scaffolded / "rulesets/grading.yaml").write_text("mine\n", encoding="utf-8")
    assert main(["init", "."]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert (scaffolded / "rulesets/grading.yaml").read_text(encoding="utf-8") == "mine\n"


def test_a_wheel_given_lands_where_the_workflow_installs_it(tmp_path):
    wheel = tmp_path / "asprules-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    assert run("init", str(tmp_path / "rules"), "--wheel", str(wheel)) == 0
    assert (tmp_path / "rules/wheels" / wheel.name).read_bytes() == b"PK"
