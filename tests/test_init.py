"""``asprules init DIR`` scaffolds a rules repository whose every file works where it lands:
the scenarios decide with the copied rulesets, the CI workflow's and the pre-commit
config's checks pass, and nothing is overwritten."""

from __future__ import annotations

import contextlib
import io
import json
import shlex
from pathlib import Path

import pytest
import yaml

from asprules.cli import main
from asprules.cli.init import SCAFFOLD
from support import REPO, incident


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
        if line.startswith("asprules ") and "--base" not in line:  # diff --base needs the pull request's base
            assert run(*shlex.split(line)[1:]) == 0, line
            ran += 1
    assert ran == 2  # validate and test; diff needs the pull request's base (tested below with a branch)
    hooks = yaml.safe_load((scaffolded / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"][0]["hooks"]
    assert [h["language"] for h in hooks] == ["system", "system"]
    validate, test = (h["entry"] for h in hooks)
    assert validate == "asprules validate" and validate in commands[1]  # the run above, without --format: asprules.toml names the rules
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


def said(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


def test_inside_a_scaffolded_repository_bare_commands_use_its_own_rules(scaffolded, monkeypatch):
    """``asprules.toml`` makes ``rulesets/`` the default of every command, from the
    repository and from any directory below it; explicit paths and --rules still win."""
    assert (scaffolded / "asprules.toml").read_bytes() == (SCAFFOLD / "asprules.toml").read_bytes()
    code, out = said("validate")
    assert code == 0 and "ok  rulesets/grading.yaml" in out and "ok  rulesets/authorization.yaml" in out, out
    assert said("test")[0] == 0
    example = "examples/incidents/l2-vip-raised.yaml"
    code, out = said("grade", example, "--format", "json")
    assert code == 0 and '"level": "L2"' in out
    assert run("authorize", "examples/operations/denied-outside-window.yaml", "--exit-status") == 5
    # an edit to the copy is what a bare command decides with
    grading = scaffolded / "rulesets/grading.yaml"
    grading.write_text(grading.read_text(encoding="utf-8").replace("id: asp-handbook-grading", "id: our-grading", 1), encoding="utf-8")
    assert '"id": "our-grading"' in said("grade", example, "--format", "json")[1]
    # a scenario file that names no rules decides with the repository's too
    (scaffolded / "own.scenarios.yaml").write_text(
        f"asprules: 1\nkind: scenarios\nscenarios:\n  - name: ours\n    given: {json.dumps(incident())}\n    expect: {{level: none}}\n",
        encoding="utf-8",
    )
    code, out = said("test", "own.scenarios.yaml", "--coverage", "--format", "json")
    assert code == 0 and "our-grading" in out, out
    # from a directory below, the same configuration
    monkeypatch.chdir(scaffolded / "examples" / "incidents")
    code, out = said("validate")
    assert code == 0 and f"ok  {Path('../../rulesets/grading.yaml')}" in out, out
    assert '"id": "our-grading"' in said("grade", "l2-vip-raised.yaml", "--format", "json")[1]
    # explicit rules win
    bundled = str(REPO / "rulesets")
    assert '"id": "asp-handbook-grading"' in said("grade", "l2-vip-raised.yaml", "--rules", bundled, "--format", "json")[1]
    assert f"ok  {bundled}" in said("validate", bundled)[1]


def test_outside_a_rules_repository_the_bundled_rulesets_stay_the_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out = said("validate")
    assert code == 0 and "asp-handbook-grading" in out and "rulesets/grading.yaml" in out


def test_a_bare_diff_compares_the_last_commit_with_the_working_tree(scaffolded):
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=ci@example.org", "-c", "user.name=ci", *args], cwd=scaffolded, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "rules")
    assert said("diff")[0] == 0  # nothing changed yet
    git("checkout", "-qb", "tighter")
    grading = scaffolded / "rulesets/grading.yaml"
    grading.write_text(grading.read_text(encoding="utf-8").replace("- {field: outage_minutes, ge: 60}", "- {field: outage_minutes, ge: 90}", 1), encoding="utf-8")
    code, out = said("diff", "--only-raise")
    assert code == 1 and "outage_minutes 60→90" in out and "rulesets/grading.yaml" in out, out
    git("commit", "-qam", "later")
    workflow = yaml.safe_load((scaffolded / ".github/workflows/rules.yml").read_text(encoding="utf-8"))
    [step] = [s["run"] for s in workflow["jobs"]["rules"]["steps"] if "asprules diff" in s.get("run", "")]
    line = step.replace('"origin/${GITHUB_BASE_REF}"', "main")  # what the CI workflow runs on a pull request against main
    code, out = said(*shlex.split(line)[1:])
    assert code == 1 and "outage_minutes 60→90" in out and "--only-raise" in out, out


@pytest.mark.parametrize(
    ("config", "line", "field", "en", "zh"),
    [
        ('rules = "rulesets"\n', 1, "rules", "a list of rule files or directories", "应为规则文件或目录的列表"),
        ('rules = ["rulesets"]\nrulez = ["x"]\n', 2, "rulez", "unknown key 'rulez'", "未知的键 'rulez'"),
        ('# mine\nrules = ["rulesets", "nowhere"]\n', 2, "rules[1]", "'nowhere': no such file or directory", "'nowhere'：文件或目录不存在"),
        ("rules = [\n  'rulesets',\n  = 1\n]\n", 3, None, "not TOML", "不是有效的 TOML"),
        ("# nothing\n", None, "rules", "name the rules", "请指明规则"),
    ],
)
def test_a_bad_configuration_is_a_typed_error_naming_file_line_and_key(scaffolded, config, line, field, en, zh):
    from test_chinese_everywhere import english

    (scaffolded / "asprules.toml").write_text(config, encoding="utf-8")
    for argv in (["validate"], ["test"], ["grade", "examples/incidents/l2-vip-raised.yaml"], ["diff", "HEAD", "HEAD"]):
        code, out = said(*argv)
        assert code == 2 and out.startswith("error: asprules.toml: invalid project configuration"), (argv, out)
        place = f"asprules.toml:{line}:" if line else "asprules.toml:"
        problem = next(ln for ln in out.splitlines() if ln.startswith("  "))
        assert problem.strip().startswith(place) and (field is None or f" {field}: " in problem) and en in problem, (argv, out)
    code, out = said("validate", "--lang", "zh")
    assert code == 2 and out.startswith("错误：asprules.toml：项目配置无效") and zh in out, out
    assert not english(out.split("原文：")[0]), english(out)
    assert said("validate", "rulesets/")[0] == 0  # explicit paths need no configuration
