"""``asprules init DIR``: scaffold an organization's rules repository.

Copies of the bundled rulesets to edit (``rulesets/``), an ``asprules.toml`` that makes
them the default rules of every command run inside the repository (:mod:`.project`), the
examples (facts, scenario files that decide with those copies, a JSON Lines export), a CI
workflow and a pre-commit config that run the checks, and a README. Nothing is overwritten: an existing
file is an error naming it. The files come from the package (``asprules/scaffold``), so
this works from an installed wheel anywhere.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import i18n
from ..errors import AspRulesError
from .common import EXIT_OK, add_language

SCAFFOLD = Path(__file__).resolve().parent.parent / "scaffold"
# Scenario files in the scaffold decide with the copied rulesets, not the bundled ones.
SCENARIO_RULES = "rules: ../../rulesets\n"


def plan(target: Path) -> dict[Path, bytes]:
    """Every file ``init`` writes under ``target``, with its content."""
    from ..loader import bundled_rulesets

    files: dict[Path, bytes] = {}
    for path in sorted(bundled_rulesets().glob("*.yaml")):
        files[target / "rulesets" / path.name] = path.read_bytes()
    examples = SCAFFOLD / "examples"
    for path in sorted(examples.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            data = path.read_bytes()
            if path.parent.name == "scenarios" and path.name.endswith(".scenarios.yaml"):
                data = data.replace(b"kind: scenarios\n", b"kind: scenarios\n" + SCENARIO_RULES.encode(), 1)
            files[target / "examples" / path.relative_to(examples)] = data
    files[target / ".github" / "workflows" / "rules.yml"] = (SCAFFOLD / "ci" / "rules.yml").read_bytes()
    files[target / ".pre-commit-config.yaml"] = (SCAFFOLD / "ci" / "pre-commit-config.yaml").read_bytes()
    files[target / "README.md"] = (SCAFFOLD / "README.md").read_bytes()
    files[target / "asprules.toml"] = (SCAFFOLD / "asprules.toml").read_bytes()
    return files


def cmd_init(args) -> int:
    target = Path(args.dir)
    files = plan(target)
    if args.wheel:
        wheel = Path(args.wheel)
        if not wheel.is_file() or wheel.suffix != ".whl":
            raise i18n.error(AspRulesError, "not_a_wheel", [i18n.problem("give_a_wheel", file=str(wheel))], file=str(wheel))
        files[target / "wheels" / wheel.name] = wheel.read_bytes()
    existing = [p for p in files if p.exists()]
    if existing:
        raise i18n.error(
            AspRulesError,
            "init_would_overwrite",
            [i18n.problem("already_exists", file=str(p)) for p in existing],
            target=str(target),
            count=len(existing),
            plural="s" if len(existing) != 1 else "",
        )
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(i18n.text("init.wrote", args.lang, count=len(files), target=str(target), readme=str(target / "README.md")))
    if not args.wheel:
        print(i18n.text("init.wheels", args.lang))
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="scaffold a rules repository: rulesets to edit, examples, scenarios, CI and pre-commit")
    p.add_argument("dir", help="the directory to write into (created if missing; . for the current one)")
    p.add_argument("--wheel", metavar="FILE", help="also copy this asprules wheel into DIR/wheels/, where the CI workflow installs it from")
    add_language(p)
    p.set_defaults(func=cmd_init, format="text")
