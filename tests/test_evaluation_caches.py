"""The indexes and caches that make evaluation fast answer exactly as the plain scans they
replace (issue 12, targets 5 and 6): sensitive periods by bisection, recurring periods'
remembered occurrences (DST edges included), decision parts built without validation,
and the grading caches that stay bounded on a stream of varied incidents."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import asprules
from asprules import clock
from asprules.engine import grading
from asprules.engine.compile import Context
from asprules.engine.decisions import (
    AuthorizationDecision,
    CountedApproval,
    FiredRule,
    Obligation,
    RulesetRef,
    StepResult,
    Violation,
    built,
    evolved,
    stamper,
)
from asprules.format.calendars import Interval, PeriodIndex, Recurring
from asprules.format.customers import Profile, Registry
from asprules.format.document import LocalText

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import workload  # noqa: E402

ZONES = ["Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "UTC", "Pacific/Kiritimati"]
_BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)


def instants(days: int = 3 * 366):
    """Aware instants over three years, in IANA zones or fixed offsets, on minute or odd-second marks."""
    zone = st.sampled_from([ZoneInfo(z) for z in ZONES] + [timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))])
    return st.builds(
        lambda seconds, tz: (_BASE + timedelta(seconds=seconds)).astimezone(tz),
        st.integers(0, days * 86400).map(lambda s: s - s % 60) | st.integers(0, days * 86400),
        zone,
    )


def intervals():
    return st.builds(
        lambda start, minutes, name: Interval(name, start, start + timedelta(minutes=minutes), "cal"),
        instants(), st.integers(1, 60 * 24 * 40), st.sampled_from(["a", "b", "c"]),
    )


def spans():
    return st.builds(lambda lo, minutes: (lo, lo + timedelta(minutes=minutes)), instants(), st.integers(0, 60 * 24 * 10))


# --- the period index --------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(intervals(), max_size=30), spans(), instants())
def test_the_period_index_answers_like_a_scan_in_the_given_order(periods, span, instant):
    periods = tuple(periods)
    index = PeriodIndex(periods)
    lo, hi = span
    assert index.meeting(lo, hi) == [i for i, p in enumerate(periods) if clock.overlaps(lo, hi, p.start, p.end)]
    assert index.containing(instant) == [i for i, p in enumerate(periods) if p.start <= instant < p.end]


def test_the_period_index_at_its_bounds_is_half_open():
    start = datetime(2026, 3, 8, 2, 0, tzinfo=ZoneInfo("America/New_York"))  # the clocks skip 02:00-03:00
    end = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York"))  # the second 01:30
    index = PeriodIndex((Interval("p", start, end, "cal"),))
    assert index.containing(start) == [0] and index.containing(end) == []
    assert index.containing(end - timedelta(microseconds=1)) == [0]
    assert index.meeting(end, end + timedelta(hours=1)) == [] and index.meeting(start - timedelta(hours=1), start) == []
    assert index.meeting(start - timedelta(hours=1), start + timedelta(microseconds=1)) == [0]


RECURRING = (
    Recurring("year end", "cal", ZoneInfo("Asia/Shanghai"), "year", (12, 28), (1, 3)),
    Recurring("leap day", "cal", None, "year", (2, 29), (2, 29)),
    Recurring("weekend", "cal", ZoneInfo("America/New_York"), "week", (4, 22 * 60), (0, 2 * 60 + 30)),  # Fri 22:00 - Mon 02:30
    Recurring("sunday night", "cal", None, "week", (6, 1 * 60 + 30), (6, 3 * 60)),  # in the customer's zone, across DST
)


def _context(calendar, recurring=(), registry=None) -> Context:
    return Context(
        fields={}, derived={}, default_zone=ZoneInfo("Asia/Shanghai"), default_window=clock.parse_window("00:00-05:00"),
        calendar=tuple(calendar), recurring=tuple(recurring), registry=registry,
    )


def _fact(customer_zone: str | None, own: list[Interval], ident: str = "c1"):
    periods = [SimpleNamespace(name=p.name, start=p.start, end=p.end) for p in own]
    return SimpleNamespace(customer=SimpleNamespace(id=ident, timezone=customer_zone, maintenance_window=None, sensitive_periods=periods))


def _scan(ctx: Context, fact, lo, hi):
    """The definition the index replaced: the first of ``periods_meeting`` that is met."""
    for p in ctx.periods_meeting(fact, lo, hi):
        if (p.start <= lo < p.end) if lo == hi else clock.overlaps(lo, hi, p.start, p.end):
            return p
    return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(intervals(), max_size=12), st.lists(intervals(), max_size=3), st.lists(intervals(), max_size=3),
    st.lists(st.sampled_from(RECURRING), max_size=3, unique_by=lambda r: r.name), st.booleans(),
    st.sampled_from(ZONES), spans(),
)
def test_periods_met_agree_with_the_scan_with_recurring_periods_and_a_registry(calendar, own, registered, recurring, with_registry, zone, span):
    registry = None
    if with_registry:
        tz = ZoneInfo(zone)
        profile = Profile("c1", zone, tz, None, tuple(registered), tuple(r for r in RECURRING if r.name == "sunday night"))
        registry = Registry(("reg",), {"c1": profile}, "§1.4.3", "handbook")
    ctx = _context(calendar, recurring, registry)
    fact = _fact(None if with_registry else zone, own)
    lo, hi = span
    for a, b in ((lo, hi), (lo, lo)):
        expected = _scan(ctx, fact, a, b)
        assert ctx.period_met(fact, a, b) == expected
        if a == b:
            assert ctx.in_period(fact, a) == any(p.start <= a < p.end for p in ctx.periods_meeting(fact, a, a))
        else:
            assert ctx.span_in_period(fact, a, b) == any(clock.overlaps(a, b, p.start, p.end) for p in ctx.periods_meeting(fact, a, b))


def _fresh(r: Recurring) -> Recurring:
    return Recurring(r.name, r.source, r.zone, r.every, r.first, r.last, r.period)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(RECURRING), spans(), st.sampled_from(ZONES))
def test_remembered_occurrences_equal_those_worked_out_afresh(rule, span, zone):
    lo, hi = span
    tz = ZoneInfo(zone)
    first = rule.occurrences(lo, hi, tz)
    assert rule.occurrences(lo, hi, tz) == first == _fresh(rule).occurrences(lo, hi, tz)


@pytest.mark.parametrize("day", ["2026-03-08", "2026-11-01", "2027-03-14", "2027-11-07"])  # New York's DST changes
def test_a_weekly_period_across_a_dst_change_keeps_its_wall_clock_times(day):
    rule = RECURRING[3]  # Sunday 01:30-03:00 in the customer's zone
    tz = ZoneInfo("America/New_York")
    noon = datetime.fromisoformat(day).replace(hour=12, tzinfo=tz)
    for _ in range(2):  # worked out, then remembered
        (occ,) = [o for o in rule.occurrences(noon, noon, tz) if o.start.date() == noon.date()]
        assert occ.start == clock.local_start(noon.date(), 90, tz) and occ.end == clock.local_start(noon.date(), 180, tz)
        assert (occ.start.astimezone(tz).strftime("%H:%M"), occ.end.astimezone(tz).strftime("%H:%M")) == ("01:30", "03:00")
        spring = day.endswith(("03-08", "03-14"))  # 02:00-03:00 is skipped; at fall-back 01:30 comes twice, the first counts
        assert occ.end.timestamp() - occ.start.timestamp() == (30 * 60 if spring else 150 * 60)


def test_a_rule_remembers_a_bounded_number_of_occurrences(monkeypatch):
    from asprules.format import calendars

    monkeypatch.setattr(calendars, "_OCCURRENCES_KEPT", 5)
    rule = _fresh(RECURRING[2])
    tz = ZoneInfo("UTC")
    for week in range(20):
        at = _BASE + timedelta(weeks=week)
        assert rule.occurrences(at, at, tz) == _fresh(rule).occurrences(at, at, tz)
    assert len(rule._memo) == 5


# --- decision parts built from validated values ------------------------------------------


def test_built_parts_equal_validated_ones_field_for_field():
    text = LocalText(en="written report", zh="书面报告")
    due = datetime(2026, 12, 2, 14, tzinfo=ZoneInfo("Asia/Shanghai"))
    cases = [
        (Obligation, dict(id="o", kind="report", text=text, due=due, cite="§35.3", provenance="assumed")),
        (CountedApproval, dict(by="p", role="customer", at=due, retrospective=True)),
        (StepResult, dict(id="s", name=text, cite="§31", satisfied=True)),
        (Violation, dict(rule="r", cite="§1", provenance="handbook", message=text, detail=None)),
        (FiredRule, dict(id="r", kind="step", cite="§1", provenance="handbook", title=text)),
        (LocalText, dict(en="x")),
    ]
    for cls, values in cases:
        made, validated = built(cls, **values), cls(**values)
        assert made == validated and repr(made) == repr(validated) and made.model_dump() == validated.model_dump()
        assert made.model_fields_set == validated.model_fields_set
        assert hash(made) == hash(validated)
    ref = RulesetRef(id="r", sha256="0" * 64)
    decision = built(AuthorizationDecision, status="pending", risk="r", risk_name=text, missing=("s",), violations=(), steps=(), fired=(), ruleset=ref)
    assert decision == AuthorizationDecision(status="pending", risk="r", risk_name=text, missing=("s",), violations=(), steps=(), fired=(), ruleset=ref)


def test_built_refuses_a_missing_or_unknown_field():
    with pytest.raises(KeyError, match="cite"):
        built(Obligation, id="o", kind="report", text=LocalText(en="x"), provenance="assumed")
    with pytest.raises(KeyError, match="colour"):
        built(LocalText, en="x", colour="red")
    with pytest.raises(KeyError, match="colour"):
        evolved(LocalText(en="x"), colour="red")


def test_evolved_and_stamped_copies_equal_model_copy():
    template = Obligation(id="o", kind="report", text=LocalText(en="x"), cite="§35.3", provenance="assumed")
    due = datetime(2026, 12, 2, tzinfo=timezone.utc)
    copied = template.model_copy(update={"due": due, "status": "overdue"})
    stamp = stamper(template, "due", "status")
    for made in (evolved(template, due=due, status="overdue"), stamp(due, "overdue")):
        assert made == copied and repr(made) == repr(copied) and made.model_fields_set == copied.model_fields_set
    assert template.due is None  # the template is untouched


# --- grading caches stay bounded --------------------------------------------------------


def test_deadlines_of_the_facts_own_are_forgotten_shared_ones_kept(monkeypatch):
    monkeypatch.setattr(grading, "_RECENT_LIMIT", 50)
    rules = asprules.load_rulesets()
    evaluator = rules.decision(None)
    dicts = workload.incident_dicts(400, seed=21)
    decisions = [asprules.grade(d, rules) for d in dicts]
    assert len(evaluator._recent) <= 50
    for _, dues in evaluator._with_obligations:  # kept long: only decisions whose deadlines are month ends (or none)
        assert all(due is None or (due.day, due.hour, due.minute) == (1, 0, 0) for due, _, _ in dues)
    assert all(o.due is None or o.id == "minor-monthly-summary" for o in evaluator._obligation_cache.values())
    # forgetting changes nothing of the decisions, and a fact graded again at once gets the same object
    assert [asprules.grade(d, rules) for d in dicts] == decisions
    assert asprules.grade(dicts[-1], rules) is asprules.grade(dicts[-1], rules)


# --- authorization -----------------------------------------------------------------------


def test_suggestions_for_unknown_names_are_remembered_up_to_a_bound(monkeypatch):
    from asprules.engine import authorization

    monkeypatch.setattr(authorization, "_SUGGEST_LIMIT", 3)
    rules = asprules.load_rulesets()
    evaluator = rules.authorization
    for i, op in enumerate(workload.operation_dicts(40, seed=5)):
        op["approvals"] = [{"step": "customer", "by": "p", "role": f"custmer{i}", "at": op["scheduled_start"], "evidence": "fax"}]
        said = asprules.authorize(op, rules).warnings
        assert said == (f"approval by p names role 'custmer{i}', which the ruleset does not declare (did you mean 'customer'?); it does not count",)
    assert len(evaluator._suggestions) == 3
