"""Every fenced code block in README.md and docs/*.md runs, so the docs cannot rot.

What each fence means (the first word is the language, as a code host renders it):

- ``python``: executed; the blocks of one page share a namespace, in order.
- ``pycon``: ``>>>`` sessions, run as doctests (``...`` matches any text) in that namespace.
- ``console``: lines starting with ``$ `` are run by bash from an empty directory after
  ``asprules init .`` (the bundled rulesets and the examples) with a copy of the docs, with the installed ``asprules`` and ``python``
  first on PATH; a plain ``asprules …`` command (no pipes or redirections) runs in-process
  through the CLI's ``main``, which is the same code without a second of interpreter start.
  The lines after a command are its expected output (stdout then stderr);
  ``...`` stands for any text. A command ending in ``# exit N`` must exit with N, every
  other command with 0.
- ``sh``: every line is a command that must exit 0; output is not checked.
- ``toml``: must parse; ``toml config`` is an ``asprules.toml`` and must load (its paths
  relative to the scaffolded directory).
- ``yaml`` / ``json``: must parse. A second word names what the text must validate as:
  ``ruleset`` (a whole rule file, loaded and checked like ``asprules validate``), a model
  of :mod:`asprules.format.document` (``Step``, ``Condition``, …; ``Step[]`` for a list of them),
  or ``Incident``/``Operation``. The conditions in a fragment must name real fact fields,
  and the bundled ruleset's steps and roles, as they must in a whole file.
  A third word is a repository file the block must equal, so a page can show a shipped
  example verbatim; a shipped ruleset naming a declared fact schema (``facts:``) loads
  with the ``kind: facts`` files beside it.

A block that deliberately cannot run is preceded by ``<!-- not-run: why -->``; there are
at most :data:`MAX_NOT_RUN` of those across all pages. A block that needs the Rete backend
is preceded by ``<!-- needs: rete -->``: it runs wherever durable-rules imports (and where
CI requires it), and is skipped, with the reason, where it cannot (CPython 3.13).
"""

from __future__ import annotations

import contextlib
import doctest
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, TypeAdapter

import asprules
from asprules.cli import main
from asprules.facts.fields import INCIDENT_FIELDS, OPERATION_FIELDS
from asprules.format import document, validate
from asprules.loader import bundled_rulesets, load_documents
from asprules.source import SourceDocument
from support import REPO, RETE_MISSING, RETE_REQUIRED, RETE_SKIP_REASON

PAGES = sorted([REPO / "README.md", *(REPO / "docs").glob("*.md")])
MAX_NOT_RUN = 3
NOT_RUN = re.compile(r"^<!-- not-run: (\S.*) -->$")
NEEDS = re.compile(r"^<!-- needs: (rete) -->$")
EXIT = re.compile(r"\s+# exit (\d+)$")


@dataclass
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    lang: str
    target: str | None
    shows: str | None
    text: str
    not_run: str | None
    needs: str | None = None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    out: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            words = lines[i][3:].split()
            start = i
            i += 1
            body: list[str] = []
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            marker = NOT_RUN.match(lines[start - 1]) if start else None
            needs = NEEDS.match(lines[start - 1]) if start else None
            out.append(
                Block(
                    page, start + 1, words[0] if words else "", words[1] if len(words) > 1 else None,
                    words[2] if len(words) > 2 else None, "\n".join(body) + "\n", marker.group(1) if marker else None,
                    needs.group(1) if needs else None,
                )
            )
        i += 1
    return out


ALL_BLOCKS = [b for page in PAGES for b in blocks(page)]


def test_the_runner_sees_the_pages():
    names = {p.name for p in PAGES}
    assert {"README.md", "getting-started.md", "ruleset-format.md", "integration.md"} <= names
    assert len(ALL_BLOCKS) > 30


def test_not_run_blocks_are_rare_and_say_why():
    skipped = [b.where for b in ALL_BLOCKS if b.not_run]
    assert len(skipped) <= MAX_NOT_RUN, skipped


def test_every_block_has_a_language():
    assert [b.where for b in ALL_BLOCKS if not b.lang] == []


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """An empty directory scaffolded by ``asprules init .`` (the bundled rulesets and the
    examples, as a user without the repository gets them), with a copy of the docs."""
    monkeypatch.chdir(tmp_path)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["init", "."]) == 0
    shutil.copytree(REPO / "docs", tmp_path / "docs")  # a copy: a page may edit it (sed -i)
    monkeypatch.delenv("ASPRULES_LANG", raising=False)
    return tmp_path


SHELL_SYNTAX = re.compile(r"[|&;<>()$`*?]")


def _in_process(command: str) -> subprocess.CompletedProcess | None:
    """Run ``[VAR=value ...] asprules args`` through ``main``; None if it needs a shell."""
    if SHELL_SYNTAX.search(command):
        return None
    words = shlex.split(command)
    env = {}
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    if not words or words[0] != "asprules":
        return None
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(words[1:])
            except SystemExit as exc:  # argparse usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return subprocess.CompletedProcess(words, code, out.getvalue(), err.getvalue())


def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    done = _in_process(command)
    if done is not None:
        return done
    env = {k: v for k, v in os.environ.items() if k != "ASPRULES_LANG"}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, flags=re.DOTALL) is not None


def _run_console(block: Block, cwd: Path) -> None:
    commands: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
        elif line.strip():
            raise AssertionError(f"{block.where}: console output before any '$ ' command")
    assert commands, f"{block.where}: console block without a command"
    for command, expected_lines in commands:
        code = 0
        found = EXIT.search(command)
        if found:
            code, command = int(found.group(1)), command[: found.start()]
        result = _shell(command, cwd)
        shown = (result.stdout + result.stderr).rstrip("\n")
        assert result.returncode == code, f"{block.where}: `{command}` exited {result.returncode}, not {code}:\n{shown}"
        expected = "\n".join(expected_lines).rstrip("\n")
        if expected:
            assert _matches(expected, shown), f"{block.where}: `{command}` printed\n{shown}\n--- expected ---\n{expected}"


def _run_sh(block: Block, cwd: Path) -> None:
    for command in block.text.splitlines():
        if command.strip() and not command.lstrip().startswith("#"):
            result = _shell(command, cwd)
            assert result.returncode == 0, f"{block.where}: `{command}` failed:\n{result.stdout}{result.stderr}"


def _check_toml(block: Block, cwd: Path) -> None:
    """A ``toml`` block must parse; ``toml config``: it is an ``asprules.toml`` that loads
    (its paths relative to the scaffolded directory)."""
    import tomllib

    from asprules.cli import project

    tomllib.loads(block.text)
    if block.target == "config":
        path = cwd / f"block-{block.line}.toml"
        path.write_text(block.text, encoding="utf-8")
        project.load(path)


def _check_data(block: Block, cwd: Path) -> None:
    data = json.loads(block.text) if block.lang == "json" else yaml.safe_load(block.text)
    if block.shows:
        assert (REPO / block.shows).read_text(encoding="utf-8") == block.text, f"{block.where}: differs from {block.shows}"
    target = block.target
    if target is None:
        return
    if target == "ruleset":
        path = cwd / f"block-{block.line}.yaml"
        path.write_text(block.text, encoding="utf-8")
        paths = [path]
        if data.get("calendars") and data["kind"] != "calendar":
            paths.append(bundled_rulesets() / "calendar-cn.yaml")
        if data.get("facts") and block.shows:  # a shipped ruleset on a declared schema: load the schemas beside it
            beside = (REPO / block.shows).parent.glob("*.yaml")
            paths += [p for p in beside if (yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("kind") == "facts"]
        load_documents(paths)
    elif target == "Incident":
        asprules.parse_incident(data)
    elif target == "Operation":
        asprules.parse_operation(data)
    else:
        model = getattr(document, target.removesuffix("[]"))
        value = TypeAdapter(list[model] if target.endswith("[]") else model).validate_python(data)
        _check_conditions(block, value)


CONDITIONS = (
    document.Compare, document.AllOf, document.AnyOf, document.NotOf,
    document.LocalTime, document.InWindow, document.InSensitivePeriod, document.HasApproval,
)


def _check_conditions(block: Block, value) -> None:
    """The conditions in a fragment name real fields, steps and roles, as in a whole file."""
    rules = asprules.load_rulesets()
    auth = rules.authorization.doc
    scope = validate._Scope(
        SourceDocument(file=block.where, data={}, positions={}),
        fields={**INCIDENT_FIELDS, **OPERATION_FIELDS},
        steps={s.id for s in auth.steps},
        roles={r.id for r in auth.roles},
    )

    def walk(node, path) -> None:
        if isinstance(node, CONDITIONS):
            validate.check_condition(scope, node, path)
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                walk(getattr(node, name), path + (name,))
        elif isinstance(node, (list, tuple)):
            for i, item in enumerate(node):
                walk(item, path + (i,))

    walk(value, ())
    assert scope.problems == [], "\n".join(map(str, scope.problems))


def _run_python(block: Block, namespace: dict) -> None:
    code = compile(block.text, block.where, "exec")
    with contextlib.redirect_stdout(io.StringIO()):
        exec(code, namespace)  # noqa: S102 - the docs are this repository's own code


def _run_pycon(block: Block, namespace: dict) -> None:
    test = doctest.DocTestParser().get_doctest(block.text, namespace, block.where, str(block.page), block.line)
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=out.write, clear_globs=False)
    assert runner.failures == 0, f"{block.where}:\n{out.getvalue()}"
    namespace.update(test.globs)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_code_blocks_run(page, scratch):
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    skipped = []
    for block in blocks(page):
        if block.not_run:
            continue
        if block.needs == "rete" and RETE_MISSING is not None and not RETE_REQUIRED:
            skipped.append(block.where)
            continue
        try:
            if block.lang == "python":
                _run_python(block, namespace)
            elif block.lang == "pycon":
                _run_pycon(block, namespace)
            elif block.lang == "console":
                _run_console(block, scratch)
            elif block.lang == "sh":
                _run_sh(block, scratch)
            elif block.lang in ("yaml", "json"):
                _check_data(block, scratch)
            elif block.lang == "toml":
                _check_toml(block, scratch)
            else:
                raise AssertionError(f"{block.where}: no way to run a {block.lang!r} block; mark it <!-- not-run: why -->")
        except asprules.AspRulesError as exc:
            raise AssertionError(f"{block.where}: {exc}") from None
    if skipped:
        pytest.skip(f"{', '.join(skipped)} ran not: {RETE_SKIP_REASON}")
