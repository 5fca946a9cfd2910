"""Imports run one way: faces → checks → loader/decide → backends → engine → format → facts → ground → words → errors.

Every import in every module of ``src/asprules`` is read from its syntax tree — at the
top of the file, inside functions and under ``TYPE_CHECKING`` alike, so a late import
cannot hide a dependency that runs the wrong way. docs/architecture.md explains the floors.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "asprules"

# Top floor first. A module may import modules of its own wing and of any lower floor.
FLOORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("faces", ("asprules", "asprules.__main__", "asprules.cli", "asprules.pytest_plugin", "asprules.testing", "asprules.docgen", "asprules.service")),
    ("checks", ("asprules.checks",)),
    ("assembly", ("asprules.loader", "asprules.decide", "asprules.audit")),
    ("backends", ("asprules.backends",)),
    ("engine", ("asprules.engine",)),
    ("format", ("asprules.format",)),
    ("facts", ("asprules.facts",)),
    ("texts", ("asprules.localtext",)),
    ("ground", ("asprules.source", "asprules.clock", "asprules.journal")),
    ("words", ("asprules.i18n",)),
    ("errors", ("asprules.errors",)),
)
# The faces are the public surface; they may use one another (``__main__`` runs ``cli``).
SHARED_FLOORS = {"faces"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


# scaffold/ is data `asprules init` copies out (its examples/grade_jsonl.py is a user's
# script that imports asprules from outside), not a module of the package.
MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "scaffold" not in p.relative_to(PACKAGE).parts}


def wing_of(module: str) -> tuple[int, str]:
    """The floor index and the wing (the longest listed prefix) a module belongs to."""
    best: tuple[int, str] | None = None
    for index, (_, wings) in enumerate(FLOORS):
        for wing in wings:
            if module == wing or (wing != "asprules" and module.startswith(wing + ".")):
                if best is None or len(wing) > len(best[1]):
                    best = (index, wing)
    if best is None:
        raise AssertionError(f"{module} is on no floor: add it to FLOORS and to docs/architecture.md")
    return best


def imports_of(module: str, text: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, imported asprules module) for every import the module's text makes."""
    tree = ast.parse(text)
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "asprules"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "asprules":
                continue
            for alias in node.names:  # `from asprules.x import y` may name the module x.y
                sub = f"{target}.{alias.name}"
                found.append((node.lineno, sub if sub in MODULES else target))
    return found


def test_every_module_is_on_a_floor():
    for module in MODULES:
        wing_of(module)


def violations(module: str, text: str, *, is_package: bool = False) -> list[str]:
    """One line per import that runs up the floors, or across them between two wings."""
    floor, wing = wing_of(module)
    wrong = []
    for line, target in imports_of(module, text, is_package=is_package):
        target_floor, target_wing = wing_of(target)
        if target_floor > floor or target_wing == wing:
            continue
        if target_floor == floor and FLOORS[floor][0] in SHARED_FLOORS:
            continue
        wrong.append(f"line {line}: {module} ({FLOORS[floor][0]}) imports {target} ({FLOORS[target_floor][0]})")
    return wrong


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_down_the_floors(module):
    path = MODULES[module]
    wrong = violations(module, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py")
    assert not wrong, f"{path.relative_to(SRC.parent)}: imports against the floors:\n" + "\n".join(wrong)


def test_a_late_import_of_a_higher_floor_is_found():
    text = "def f():\n    from ..checks import diff\n"
    assert violations("asprules.engine.grading", text) == [
        "line 2: asprules.engine.grading (engine) imports asprules.checks.diff (checks)"
    ]


def test_imports_across_one_floor_are_found_and_within_a_wing_allowed():
    assert violations("asprules.loader", "from .decide import grade\n") == [
        "line 1: asprules.loader (assembly) imports asprules.decide (assembly)"
    ]
    assert violations("asprules.engine.grading", "from .compile import Context\nfrom ..format import document\n") == []
    assert violations("asprules.errors", "import asprules.i18n\n") == [
        "line 1: asprules.errors (errors) imports asprules.i18n (words)"
    ]
