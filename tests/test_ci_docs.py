"""docs/ci.md and .pre-commit-hooks.yaml name commands that work on this repository."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest
import yaml

from asprules.cli import main
from support import REPO

CI = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")


def _commands() -> list[list[str]]:
    out = []
    for block in re.findall(r"```(?:sh|yaml)\n(.*?)```", CI, re.S):
        for line in block.splitlines():
            line = line.strip().removeprefix("run: ")
            if line.startswith("asprules "):
                # the pull request's base is this checkout's own HEAD here: the same rules
                line = line.split(" > ")[0].replace("base/rulesets/", "rulesets/").replace('"origin/${GITHUB_BASE_REF}"', "HEAD")
                argv = shlex.split(line)[1:]
                if argv not in out:
                    out.append(argv)
    return out


@pytest.mark.parametrize("argv", _commands(), ids=" ".join)
def test_every_command_in_the_ci_guide_passes_on_the_bundled_rules(argv, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    if "--base" in argv and subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    assert main(argv) == 0, capsys.readouterr().out[-2000:]


def test_the_guide_has_a_workflow_and_a_pre_commit_config():
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", CI, re.S)]
    workflow, precommit = blocks
    steps = workflow["jobs"]["rules"]["steps"]
    assert any("asprules validate" in s.get("run", "") for s in steps)
    assert any("--only-raise" in s.get("run", "") for s in steps)
    hooks = {h["id"] for h in precommit["repos"][0]["hooks"]}
    defined = {h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert hooks == defined


def test_pre_commit_hooks_run(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    documented = _commands()
    for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")):
        entry = shlex.split(hook["entry"])
        assert entry[0] == "asprules" and hook["pass_filenames"] is False
        argv = entry[1:] + hook["args"]
        if any(argv == cmd[: len(argv)] for cmd in documented):
            continue  # the same check, already run above with an output format added
        assert main(argv) == 0, capsys.readouterr().out[-2000:]
