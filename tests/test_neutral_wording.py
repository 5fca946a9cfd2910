"""Neutral wording (issue 11, part 4): free-text citations, a declared cite pattern,
labels from the ruleset or the chosen language only, and [reference default] for
``provenance: assumed`` alone."""

from __future__ import annotations

import pytest

import asprules
from asprules.errors import RulesetError

from support import incident

SRE = """\
asprules: 1
kind: grading
id: sre
{pattern}levels:
  - {{id: SEV1, name: sev one}}
  - {{id: SEV2, name: sev two}}
  - {{id: ok, name: fine, major: false}}
tables:
  - id: sev
    cite: SRE-POL-001 2.1
    hit_policy: first
    default: ok
    rows:
      - {{id: big, level: SEV1, cite: "SRE-POL-001 2.1", provenance: {provenance}, when: {{field: outage_minutes, gt: 15}}}}
adjustments:
  - {{id: vip, raise: 1, cite: SRE-POL-001 2.4, provenance: policy, when: {{field: vip_customer, eq: true}}}}
"""


def sre(pattern: str = "", provenance: str = "policy") -> str:
    return SRE.format(pattern=pattern, provenance=provenance)


def test_an_organizations_own_policy_reference_is_a_valid_cite():
    rules = asprules.load_ruleset_texts(sre())
    decision = asprules.grade(incident(outage_minutes=30), rules)
    assert decision.level == "SEV1"
    assert decision.fired[0].cite == "SRE-POL-001 2.1"


@pytest.mark.parametrize("cite", ['""', '"   "', "x" * 201])
def test_a_cite_is_non_empty_and_bounded(cite):
    with pytest.raises(RulesetError) as err:
        asprules.load_ruleset_texts(sre().replace("cite: SRE-POL-001 2.1\n", f"cite: {cite}\n"))
    assert [p.path for p in err.value.problems] == [("tables", 0, "cite")]
    assert err.value.problems[0].line == 10


def test_a_declared_cite_pattern_is_checked_at_every_cite_with_its_line():
    text = sre(pattern="cite_pattern: '^SRE-POL-[0-9]{3} [0-9.]+$'\n").replace("SRE-POL-001 2.4", "§34.2.4")
    with pytest.raises(RulesetError) as err:
        asprules.load_ruleset_texts(text)
    (problem,) = err.value.problems
    assert problem.path == ("adjustments", 0, "cite")
    assert problem.line == 17
    assert "'§34.2.4' does not follow this file's cite_pattern" in problem.message


def test_a_cite_pattern_that_is_no_regular_expression_is_refused_at_its_key():
    with pytest.raises(RulesetError) as err:
        asprules.load_ruleset_texts(sre(pattern="cite_pattern: '^SRE-(POL'\n"))
    (problem,) = err.value.problems
    assert problem.path == ("cite_pattern",) and problem.line == 4
    assert "not a regular expression" in problem.message


def test_the_bundled_rulesets_declare_the_handbook_section_pattern():
    rules = asprules.load_rulesets()
    patterns = {d.model.kind: d.model.cite_pattern for d in rules.documents}
    assert patterns == dict.fromkeys(("grading", "authorization", "calendar"), r"^§[0-9]+(\.[0-9]+)*$")


def test_english_labels_are_english_and_chinese_labels_chinese():
    decision = asprules.grade(incident(outage_minutes=30, vip_customer=True), asprules.load_ruleset_texts(sre()))
    english, chinese = decision.explain("en"), decision.explain("zh")
    assert "level adjustments:" in english
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english), english
    assert "级别调整" in chinese


def test_reference_default_marks_assumed_provenance_and_nothing_else():
    rules = asprules.load_ruleset_texts(sre())
    policy = asprules.grade(incident(outage_minutes=30, vip_customer=True), rules)
    assert [f.provenance for f in policy.fired] == ["policy", "policy"]
    assert "[reference default]" not in policy.explain("en")
    assumed = asprules.grade(
        incident(outage_minutes=30), asprules.load_ruleset_texts(sre(provenance="assumed, basis: a guess"))
    )
    assert assumed.explain("en").count("[reference default]") == 1
