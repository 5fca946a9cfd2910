"""The wheel works from an empty directory and the sdist is complete.

One wheel is built (no build isolation: setuptools comes with the test extra, so nothing
is fetched) and installed into a fresh virtual environment that borrows this one's
dependencies (pydantic, PyYAML) but not its asprules; the getting-started page's
commands then run with that environment's ``asprules`` in an empty directory, after
``asprules init .``. The sdist is built, unpacked, and its tests collect and run there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tarfile
import venv
from pathlib import Path

import pytest

from support import REPO
from test_docs_code import EXIT, _matches, blocks


def _run(argv: list[str], cwd: Path, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(root / "dist"), str(REPO)], REPO)
    assert built.returncode == 0, built.stderr
    [wheel] = (root / "dist").glob("asprules-*.whl")
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    installed = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)], root)
    assert installed.returncode == 0, installed.stderr
    # Dependencies from this environment, appended after the new one's own site-packages;
    # .pth files there are not processed, so this checkout's editable asprules stays out.
    inner = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], root).stdout.strip())
    (inner / "borrowed-deps.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    where = _run([str(python), "-c", "import asprules; print(asprules.__file__)"], root)
    assert where.returncode == 0 and where.stdout.startswith(str(env_dir)), where.stdout + where.stderr
    return env_dir


def test_getting_started_runs_from_the_wheel_in_an_empty_directory(wheel_env, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("ASPRULES_LANG", "PYTHONPATH")}
    env["PATH"] = f"{wheel_env / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    init = _run(["asprules", "init", "."], tmp_path, env)
    assert init.returncode == 0, init.stderr
    ran = 0
    for block in blocks(REPO / "docs" / "getting-started.md"):
        if block.lang != "console" or block.not_run:
            continue
        commands: list[tuple[str, list[str]]] = []
        for line in block.text.splitlines():
            if line.startswith("$ "):
                commands.append((line[2:], []))
            elif commands:
                commands[-1][1].append(line)
        for command, expected in commands:
            code, found = 0, EXIT.search(command)
            if found:
                code, command = int(found.group(1)), command[: found.start()]
            done = _run(["bash", "-c", command], tmp_path, env, timeout=120)
            shown = (done.stdout + done.stderr).rstrip("\n")
            assert done.returncode == code, f"{block.where}: `{command}` exited {done.returncode}:\n{shown}"
            want = "\n".join(expected).rstrip("\n")
            assert not want or _matches(want, shown), f"{block.where}: `{command}` printed\n{shown}\n--- expected ---\n{want}"
            ran += 1
    assert ran >= 10


def test_the_sdist_holds_what_its_tests_need_and_they_run_from_it(tmp_path):
    built = _run(
        [sys.executable, "-c", f"from setuptools import build_meta; print(build_meta.build_sdist({str(tmp_path / 'dist')!r}))"], REPO
    )
    assert built.returncode == 0, built.stderr
    name = built.stdout.strip().splitlines()[-1]
    with tarfile.open(tmp_path / "dist" / name) as sdist:
        sdist.extractall(tmp_path / "unpacked", filter="data")
    [root] = (tmp_path / "unpacked").iterdir()
    for needed in ("tests/conftest.py", "tests/support.py", "examples/incidents", "docs/getting-started.md", "rulesets/grading.yaml", "src/asprules/scaffold/ci/rules.yml"):
        assert (root / needed).exists(), needed
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    collected = _run([sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider"], root, env)
    assert collected.returncode == 0 and " error" not in collected.stdout.splitlines()[-1], collected.stdout[-2000:]
    ran = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_install.py"], root, env)
    assert ran.returncode == 0, ran.stdout[-2000:]
    assert "asprules" in _run([sys.executable, "-c", "import asprules; print(asprules.__file__)"], root, env).stdout
