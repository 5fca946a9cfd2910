"""Hit policies as DMN names them (issue 11, part 3): unique, any, first, priority and
collect with max, min, sum or count; ``collect sum`` with bands is a risk scorecard."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import asprules
from asprules.checks.analysis import analyse
from asprules.checks.diff import diff
from asprules.errors import EvaluationError, RulesetError
from asprules.testing import grading_rulesets, incidents

from support import grading_text, incident, needs_rete
from test_codegen import random_incident


def table(policy: str, rows: str, *, head: str = "default: none\n") -> str:
    """A one-table ruleset; ``policy`` is e.g. ``any`` or ``collect sum``; ``rows`` YAML list items."""
    hit, _, aggregator = policy.partition(" ")
    text = grading_text(rows, policy=hit)
    extra = (f"    aggregator: {aggregator}\n" if aggregator else "") + "".join(f"    {line}\n" for line in head.splitlines())
    return text.replace("    default: none\n", extra)


def r(ident: str, when: str, level: str | None = None, score: float | None = None) -> str:
    out = f"- {{id: {ident}, cite: SRE-POL 1, provenance: policy, when: {when}"
    out += f", level: {level}" if level else ""
    out += f", score: {score}" if score is not None else ""
    return out + "}\n"


LONG, WIDE, BREACH = "{field: outage_minutes, ge: 60}", "{field: affected_users_pct, ge: 25}", "{field: security_breach, eq: true}"
ROWS = r("long", LONG, "L2") + r("wide", WIDE, "L2") + r("breach", BREACH, "L1")

SCORECARD_BANDS = "bands:\n  - {min: 0, level: none}\n  - {min: 3, level: L3}\n  - {min: 6, level: L2}\n  - {min: 9, level: L1}\n"
SCORECARD = table(
    "collect sum",
    r("long", LONG, score=3) + r("wide", WIDE, score=4) + r("breach", BREACH, score=5),
    head=SCORECARD_BANDS,
)


def level(rules_text: str, **fact) -> str:
    return asprules.grade(incident(**fact), asprules.load_ruleset_texts(rules_text)).level


# --- evaluation -----------------------------------------------------------------------------


def test_any_allows_rows_that_agree_and_gives_all_of_them():
    text = table("any", ROWS)
    decision = asprules.grade(incident(outage_minutes=90, affected_users_pct=30), asprules.load_ruleset_texts(text))
    assert decision.level == "L2" and decision.fired_ids == ("long", "wide")


def test_any_refuses_rows_that_disagree_naming_them_and_the_tables_place():
    rules = asprules.load_ruleset_texts(table("any", ROWS))
    with pytest.raises(EvaluationError) as err:
        asprules.grade(incident(outage_minutes=90, security_breach=True), rules)
    assert "'t' (<text 1>:10) has hit policy any" in str(err.value)
    assert "long → L2, breach → L1" in str(err.value.problems[0])


def test_unique_errors_say_where_the_table_is():
    rules = asprules.load_ruleset_texts(table("unique", ROWS))
    with pytest.raises(EvaluationError, match=r"'t' \(<text 1>:10\) has hit policy unique"):
        asprules.grade(incident(outage_minutes=90, affected_users_pct=30), rules)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("collect max", "L1"), ("collect min", "L2"), ("first", "L2"), ("priority", "L1")],
)
def test_collect_max_and_min_take_the_most_and_least_severe_matching_level(policy, expected):
    text = table(policy, ROWS)
    assert level(text, outage_minutes=90, security_breach=True) == expected
    assert level(text) == "none"  # no row matches: the default


def test_collect_sum_is_a_scorecard_banded_into_levels():
    rules = asprules.load_ruleset_texts(SCORECARD)
    got = {
        0: asprules.grade(incident(), rules),
        3: asprules.grade(incident(outage_minutes=90), rules),
        7: asprules.grade(incident(outage_minutes=90, affected_users_pct=30), rules),
        12: asprules.grade(incident(outage_minutes=90, affected_users_pct=30, security_breach=True), rules),
    }
    assert {total: d.level for total, d in got.items()} == {0: "none", 3: "L3", 7: "L2", 12: "L1"}
    assert all(d.score == total for total, d in got.items())
    assert got[7].to_json()["score"] == 7 and got[7].fired_ids == ("long", "wide")
    explained = got[7].explain("en")
    assert "base level L2 from table t, total 7:" in explained and "long (SRE-POL 1) — scores 3" in explained
    assert "总分 7" in got[7].explain("zh")
    assert "score" not in asprules.grade(incident(), asprules.load_ruleset_texts(table("first", ROWS))).to_json()


def test_collect_count_counts_matching_rows():
    text = table("collect count", r("long", LONG) + r("wide", WIDE) + r("breach", BREACH), head="bands:\n  - {min: 0, level: none}\n  - {min: 2, level: L2}\n  - {min: 3, level: L1}\n")
    assert level(text, outage_minutes=90) == "none"
    assert level(text, outage_minutes=90, security_breach=True) == "L2"
    assert level(text, outage_minutes=90, security_breach=True, affected_users_pct=50) == "L1"


def test_adjustments_apply_to_a_banded_level():
    text = SCORECARD + "adjustments:\n  - {id: vip, raise: 1, cite: x, provenance: policy, when: {field: vip_customer, eq: true}}\n"
    assert level(text, outage_minutes=90, vip_customer=True) == "L2"


# --- the generated grader and the Rete network decide alike ---------------------------------

EVERY_POLICY = [
    table("any", r("a1", LONG, "L2") + r("a2", WIDE, "L2") + r("a3", BREACH, "L1")),
    table("unique", r("u1", LONG, "L2") + r("u2", "{field: outage_minutes, lt: 10}", "L3")),
    table("collect max", ROWS),
    table("collect min", ROWS),
    SCORECARD,
    table("collect sum", r("n1", LONG, score=4) + r("n2", WIDE, score=-2) + r("n3", BREACH, score=2.5), head="bands:\n  - {level: none}\n  - {min: 1, level: L3}\n  - {min: 4, level: L1}\n"),
    table("collect count", r("long", LONG) + r("wide", WIDE), head="bands:\n  - {min: 0, below: 1, level: none}\n  - {min: 1, level: L2}\n"),
]


def outcomes(rules: asprules.Rulebook, fact, backend: str | None = None):
    evaluator = rules.grading
    graders = {"fast": evaluator.grade, "reference": evaluator.grade_reference}
    out = {}
    for name, grader in graders.items():
        try:
            out[name] = grader(asprules.parse_incident(fact))
        except EvaluationError as exc:
            out[name] = ("error", str(exc))
    if backend:
        try:
            out[backend] = asprules.grade(fact, rules, backend="rete")
        except EvaluationError as exc:
            out[backend] = ("error", str(exc))
    return out


@needs_rete
@pytest.mark.parametrize("text", EVERY_POLICY, ids=range(len(EVERY_POLICY)))
def test_generated_reference_and_rete_agree_for_every_policy(text):
    rules = asprules.load_ruleset_texts(text)
    rng = random.Random(11)
    seen = set()
    for n in range(300):
        got = outcomes(rules, random_incident(rng, n), backend="rete" if n < 40 else None)
        first = next(iter(got.values()))
        assert all(v == first for v in got.values()), got
        seen.add(first[0] if isinstance(first, tuple) else (first.level, first.fired_ids))
    assert len(seen) > 2


@settings(max_examples=60, deadline=None)
@given(
    grading_rulesets(hit_policies=("any", "unique", "collect max", "collect min", "collect sum", "collect count")),
    st.lists(incidents(), min_size=1, max_size=5),
)
def test_random_rulesets_of_every_policy_decide_alike_generated_and_reference(text, facts):
    rules = asprules.load_ruleset_texts(text)
    for fact in facts:
        got = outcomes(rules, fact)
        assert got["fast"] == got["reference"]


# --- load errors ----------------------------------------------------------------------------


def problems(text: str) -> list[tuple[tuple, int | None, str]]:
    with pytest.raises(RulesetError) as err:
        asprules.load_ruleset_texts(text)
    return [(p.path, p.line, p.message) for p in err.value.problems]


def test_an_unknown_hit_policy_is_refused_at_its_key():
    ((path, line, message),) = problems(table("some", ROWS))
    assert path == ("tables", 0, "hit_policy") and line == 12 and "'collect'" in message


def test_collect_without_an_aggregator_is_refused():
    ((path, line, message),) = problems(table("collect", ROWS))
    assert path == ("tables", 0, "hit_policy") and line == 12
    assert "collect needs an aggregator: max, min, sum or count" in message


def test_an_aggregator_without_collect_and_bands_without_a_banded_policy_are_refused():
    got = problems(table("first", ROWS, head="aggregator: max\ndefault: none\nbands: [{min: 0, level: none}]\n"))
    assert [p for p, _, _ in got] == [("tables", 0, "aggregator"), ("tables", 0, "bands")]


def test_collect_sum_rows_need_scores_not_levels_and_the_table_no_default():
    got = problems(table("collect sum", r("long", LONG, "L2") + r("wide", WIDE, score=1), head="default: none\n" + SCORECARD_BANDS))
    assert [p for p, _, _ in got] == [("tables", 0, "rows", 0), ("tables", 0, "rows", 0, "level"), ("tables", 0, "default")]


def test_rows_of_a_level_policy_need_a_level():
    ((path, _, message),) = problems(table("any", r("long", LONG)))
    assert path == ("tables", 0, "rows", 0) and "every row gives a level" in message


def test_a_banded_table_needs_bands():
    ((path, _, message),) = problems(table("collect count", r("long", LONG), head=""))
    assert path == ("tables", 0) and "needs bands" in message


@pytest.mark.parametrize(
    ("bands", "path", "words"),
    [
        ("[{min: 0, level: none}, {min: 0, level: L1}]", ("tables", 0, "bands", 1, "min"), "overlap"),
        ("[{level: none}, {level: L1}]", ("tables", 0, "bands", 1, "min"), "overlap"),
        ("[{min: 1, level: none}, {min: 5, level: L1}]", ("tables", 0, "bands", 0, "min"), "gap: totals from 0 up to 1"),
        ("[{min: 0, below: 4, level: none}, {min: 5, level: L1}]", ("tables", 0, "bands", 0, "below"), "gap: band 0 ends below 4"),
        ("[{min: 0, below: 6, level: none}, {min: 5, level: L1}]", ("tables", 0, "bands", 0, "below"), "overlap: band 0"),
        ("[{min: 0, level: none}, {min: 5, below: 10, level: L1}]", ("tables", 0, "bands", 1, "below"), "gap: totals from 10 up to 12"),
        ("[{min: 0, level: none}, {min: 5, level: L9}]", ("tables", 0, "bands", 1, "level"), "undefined level 'L9'"),
    ],
)
def test_bands_that_overlap_or_leave_gaps_are_refused_with_their_line(bands, path, words):
    text = table("collect sum", r("long", LONG, score=3) + r("wide", WIDE, score=4) + r("breach", BREACH, score=5), head=f"bands: {bands}\n")
    ((got_path, line, message),) = problems(text)
    assert got_path == path and line == 14 and words in message


def test_negative_scores_lower_the_least_reachable_total():
    text = table("collect sum", r("long", LONG, score=3) + r("calm", WIDE, score=-2), head="bands: [{min: 0, level: none}, {min: 3, level: L2}]\n")
    ((path, _, message),) = problems(text)
    assert path == ("tables", 0, "bands", 0, "min") and "gap: totals from -2 up to 0" in message


# --- static analysis --------------------------------------------------------------------------


def codes(text: str) -> list[tuple[str, str | None]]:
    return sorted((f.code, f.rule) for f in analyse(asprules.load_ruleset_texts(text)))


def test_analysis_reports_any_rows_that_disagree_and_not_those_that_agree():
    got = codes(table("any", ROWS))
    assert ("overlap", "breach") in got
    assert ("overlap", "wide") not in got  # long and wide give the same level
    assert not [c for c in got if c[0] == "masked-row"]


def test_collect_tables_have_no_masked_rows():
    text = table("collect max", r("big", "{field: outage_minutes, ge: 10}", "L1") + r("small", "{field: outage_minutes, ge: 60}", "L3"))
    assert not [c for c in codes(text) if c[0] == "masked-row"]
    assert ("masked-row", "small") in codes(text.replace("hit_policy: collect\n    aggregator: max", "hit_policy: first"))


def test_collect_tables_report_rows_that_never_match():
    text = table("collect sum", r("long", LONG, score=3) + r("never", "{all: [{field: outage_minutes, ge: 60}, {field: outage_minutes, lt: 10}]}", score=1), head="bands: [{min: 0, level: none}, {min: 3, level: L2}]\n")
    assert ("unreachable-row", "never") in codes(text)


def test_a_scorecard_with_non_negative_scores_is_monotone_and_a_negative_score_is_not():
    assert not [c for c in codes(SCORECARD) if c[0] in ("non-monotone", "gap", "overlap")]
    lowering = table("collect sum", r("long", LONG, score=3) + r("wide", WIDE, score=-3), head="bands: [{level: none}, {min: 3, level: L2}]\n")
    assert ("non-monotone", "long") in codes(lowering) or any(c[0] == "non-monotone" for c in codes(lowering))


def test_diff_reads_the_new_policies():
    old = asprules.load_ruleset_texts(SCORECARD)
    new = asprules.load_ruleset_texts(SCORECARD.replace("{min: 9, level: L1}", "{min: 7, level: L1}"))
    report = diff(old, new)
    assert report.changes and all(c.direction == "raise" for c in report.changes)
    assert any(c.new == "L1" and c.old == "L2" for c in report.changes)
