"""The reference pages stay true to the code: facts, format keys, handbook mapping, links."""

from __future__ import annotations

import re
import typing

import pytest
import yaml
from pydantic import BaseModel

from asprules import docgen
from asprules.facts.schema import FactsDocument
from asprules.format import document
from asprules.loader import bundled_rulesets
from support import REPO

DOCS = REPO / "docs"
DIGEST = REPO.parent / "shared" / "handbook" / "DIGEST.md"


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


# --- facts.md is generated ----------------------------------------------------------------


def test_facts_page_is_the_generated_one():
    assert read("facts.md") == docgen.facts_page(), "regenerate: python -m asprules.docgen facts > docs/facts.md"


def test_every_fact_field_has_a_meaning_and_no_meaning_is_stale():
    missing = [f"{m.__name__}.{f}" for m in docgen.FACT_MODELS for f in m.model_fields if not docgen.meaning(m, f)]
    assert missing == [], "add a description to the model field or an entry to docgen.MEANINGS"
    known = {f"{m.__name__}.{f}" for m in docgen.FACT_MODELS for f in m.model_fields} | {m.__name__ for m in docgen.FACT_MODELS}
    assert sorted(set(docgen.MEANINGS) - known) == []


def test_docgen_command_line(capsys):
    assert docgen.main(["facts"]) == 0
    assert capsys.readouterr().out == docgen.facts_page()
    assert docgen.main(["nope"]) == 2


# --- ruleset-format.md names every key of the format, with an example ---------------------


def format_models() -> list[type[BaseModel]]:
    """Every model reachable from the document kinds (fact schema files included)."""
    seen: list[type[BaseModel]] = []

    def visit(annotation) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in seen:
                seen.append(annotation)
                for info in annotation.model_fields.values():
                    visit(info.annotation)
            return
        for arg in typing.get_args(annotation):
            visit(arg)

    for kind in (document.GradingDocument, document.AuthorizationDocument, document.CalendarDocument, document.CustomerRegistry, FactsDocument):
        visit(kind)
    return seen


def format_keys() -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {}
    for model in format_models():
        for name, info in model.model_fields.items():
            keys.setdefault(info.alias or name, set()).add(model.__name__)
    return keys


def yaml_blocks(text: str) -> str:
    return "\n".join(re.findall(r"^```yaml[^\n]*\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE))


def test_the_format_walk_reaches_nested_models():
    names = {m.__name__ for m in format_models()}
    assert {"Compare", "HasApprovalSpec", "EvidenceExtension", "Period", "Figure", "DerivedValue"} <= names
    assert {"in", "not", "raise", "evidence_also", "lead_minutes"} <= set(format_keys())


@pytest.mark.parametrize("key", sorted(format_keys()))
def test_ruleset_format_describes_every_key_with_an_example(key):
    page = read("ruleset-format.md")
    owners = ", ".join(sorted(format_keys()[key]))
    assert f"`{key}`" in page, f"ruleset-format.md never names `{key}` (a key of {owners})"
    assert re.search(rf"(^|[\s{{,\-]){re.escape(key)}:", yaml_blocks(page), re.MULTILINE), (
        f"no YAML example in ruleset-format.md uses {key}: (a key of {owners})"
    )


# --- handbook-mapping.md accounts for every rule and every section ------------------------

MAPPED = re.compile(r"`([A-Za-z0-9][A-Za-z0-9_.\-]*)` \((handbook|assumed)\)")


def shipped_rules() -> dict[str, str]:
    """Rule id → provenance, for every mapping with an id, a cite and a provenance."""
    found: dict[str, str] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            if {"id", "cite", "provenance"} <= set(node):  # a rule; tables have no provenance of their own
                found[node["id"]] = node["provenance"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(bundled_rulesets().glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def mapped_rules() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for rule, provenance in MAPPED.findall(read("handbook-mapping.md")):
        out.setdefault(rule, set()).add(provenance)
    return out


def test_shipped_rules_are_found():
    assert {"prod-l1-core-outage-day", "adj-vip-customer", "technical", "high", "third-party-alone"} <= set(shipped_rules())


def test_every_shipped_rule_is_mapped_with_its_provenance():
    shipped, mapped = shipped_rules(), mapped_rules()
    assert sorted(set(shipped) - set(mapped)) == [], "rules missing from docs/handbook-mapping.md"
    wrong = {rule: (shipped[rule], sorted(mapped[rule])) for rule in shipped if mapped[rule] != {shipped[rule]}}
    assert wrong == {}, "provenance in the mapping differs from the ruleset (ruleset, mapping)"


def test_every_mapped_rule_exists():
    assert sorted(set(mapped_rules()) - set(shipped_rules())) == []


@pytest.mark.skipif(not DIGEST.exists(), reason="the handbook digest lives outside the repository")
def test_every_digest_section_is_mapped_or_out_of_scope():
    sections = set(re.findall(r"§(\d+(?:\.\d+)*)", DIGEST.read_text(encoding="utf-8")))
    page = read("handbook-mapping.md")
    mapped = set(re.findall(r"§(\d+(?:\.\d+)*)", page))
    assert sorted(sections - mapped, key=lambda s: [int(p) for p in s.split(".")]) == []


# --- links between pages resolve ------------------------------------------------------------

# Written in the CI issue's branch; it lands in main separately and is linked already.
PAGES_FROM_OTHER_BRANCHES = {DOCS / "ci.md"}


def test_relative_links_resolve():
    broken = []
    for page in [REPO / "README.md", *sorted(DOCS.glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            path = (page.parent / target).resolve()
            if not path.exists() and path not in PAGES_FROM_OTHER_BRANCHES:
                broken.append(f"{page.name} → {target}")
    assert broken == []


# --- the README stays short, with its two commands ------------------------------------------

TWO_COMMANDS = (
    "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/asprules grade examples/incidents/l1-core-outage-daytime.yaml",
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test,serve,columnar]' && .venv/bin/python -m pytest",
)


def test_readme_keeps_the_two_commands_and_stays_short():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert all(f"\n{command}\n" in text for command in TWO_COMMANDS)
    assert len(text.splitlines()) <= 100, "the README is a front page; put details into docs/"
