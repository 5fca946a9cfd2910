"""Incident timelines: replayed event by event, they end where the compiled evaluator puts
the final snapshot plus the escalation rules."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import asprules
from asprules.backends.rete.timeline import IncidentTimeline, escalated_grade
from asprules.errors import FactError, RulesetError
from support import RULESETS, incident, needs_rete, write

pytestmark = needs_rete

RULES = asprules.load_rulesets(RULESETS)
START = datetime(2026, 11, 18, 6, 0, tzinfo=timezone(timedelta(hours=8)))
TIMES = ("started_at", "outage_minutes")


def opened(at: datetime, **over: Any) -> dict[str, Any]:
    data = {k: v for k, v in incident(**over).items() if k not in TIMES}
    return {"kind": "opened", "at": at, "incident": data}


@st.composite
def event_streams(draw) -> list[dict[str, Any]]:
    now, events, live, n = START, [], [], 0
    for _ in range(draw(st.integers(1, 14))):
        now += timedelta(minutes=draw(st.sampled_from([0, 5, 20, 45, 90, 300, 600, 1500])))
        kind = draw(st.sampled_from(["opened", "impact_changed", "complaint", "recovered", "tick"]))
        if kind == "opened" or (not live and kind != "tick"):
            n += 1
            over = {
                "id": f"INC-{n}",
                "environment": draw(st.sampled_from(["production", "office"])),
                "affected_users_pct": draw(st.sampled_from([1, 6, 12, 35, 60])),
                "affected_users": draw(st.sampled_from([10, 5_000, 80_000])),
                "core_service": draw(st.booleans()),
                "vip_customer": draw(st.booleans()),
            }
            site = draw(st.sampled_from(["SZ-1", "SZ-2", None]))
            if site:
                over["site"] = site
            events.append(opened(now, **over))
            live.append(over["id"])
        elif kind == "tick":
            events.append({"kind": "tick", "at": now})
        else:
            ident = draw(st.sampled_from(live))
            if kind == "impact_changed":
                impact = {"affected_users_pct": draw(st.sampled_from([2, 8, 40])), "data_loss": draw(st.booleans())}
                events.append({"kind": kind, "at": now, "incident": ident, "impact": impact})
            else:
                events.append({"kind": kind, "at": now, "incident": ident})
                if kind == "recovered":
                    live.remove(ident)
    events.append({"kind": "tick", "at": now + timedelta(minutes=draw(st.sampled_from([0, 60, 600, 1800])))})
    return events


def expected(events: list[dict[str, Any]]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The compiled backend on each incident's final snapshot, built here from the events alone."""
    data: dict[str, dict[str, Any]] = {}
    opened_at: dict[str, datetime] = {}
    recovered: dict[str, datetime] = {}
    openings: dict[str, list[datetime]] = {}
    earlier: dict[str, list[datetime]] = {}
    for ev in events:
        if ev["kind"] == "opened":
            ident = ev["incident"]["id"]
            data[ident], opened_at[ident] = dict(ev["incident"]), ev["at"]
            if "site" in ev["incident"]:
                openings.setdefault(ev["incident"]["site"], []).append(ev["at"])
                earlier[ident] = list(openings[ev["incident"]["site"]])  # up to this one, in stream order
        elif ev["kind"] == "tick" or ev["incident"] in recovered:
            continue
        elif ev["kind"] == "impact_changed":
            data[ev["incident"]].update(ev["impact"])
        elif ev["kind"] == "complaint":
            data[ev["incident"]]["customer_complaint"] = True
        elif ev["kind"] == "recovered":
            recovered[ev["incident"]] = ev["at"]
    end = events[-1]["at"]
    out = {}
    for ident, facts in data.items():
        times = {"recovered_at": recovered[ident]} if ident in recovered else {"as_of": end}
        snapshot = asprules.parse_incident({**facts, "started_at": opened_at[ident], **times})
        level, causes = escalated_grade(RULES, snapshot, recovered.get(ident, end), earlier.get(ident, []))
        out[ident] = (level, tuple(c.id for c in causes))
    return out


@settings(max_examples=30)
@given(event_streams())
def test_a_replayed_timeline_ends_where_the_compiled_evaluator_does(events: list[dict[str, Any]]) -> None:
    timeline = IncidentTimeline(RULES)
    final: dict[str, tuple[str, tuple[str, ...]]] = {}
    for event in events:
        for change in timeline.handle(event):
            if change.closed:
                final[change.incident] = (change.after, tuple(c.id for c in change.causes))
            else:
                assert timeline.level(change.incident) == change.after
    for ident in expected(events):
        if ident not in final:
            final[ident] = (timeline.level(ident), tuple(c.id for c in timeline.causes(ident)))  # type: ignore[assignment]
    assert final == expected(events)


def test_escalation_by_time_and_by_repeat_faults_with_causes() -> None:
    timeline = IncidentTimeline(RULES)
    at = START
    for n in (1, 2):
        timeline.handle(opened(at, id=f"OLD-{n}", site="SZ-9"))
        timeline.handle({"kind": "recovered", "at": at + timedelta(minutes=1), "incident": f"OLD-{n}"})
        at += timedelta(days=1)
    first = timeline.handle(opened(at, id="INC-3", site="SZ-9", affected_users_pct=6))
    assert [(c.before, c.after) for c in first] == [(None, "none")]
    (l3,) = timeline.handle({"kind": "tick", "at": at + timedelta(minutes=30)})
    # the third fault at SZ-9 within 7 days: L3 from the table, up one for the repeat
    assert (l3.before, l3.after) == ("none", "L2")
    assert [c.id for c in l3.causes] == ["prod-l3-outage", "esc-repeat-site"]
    (later,) = timeline.handle({"kind": "tick", "at": at + timedelta(hours=24)})
    assert later.after == "L1" and "esc-l3-unrecovered-24h" in [c.id for c in later.causes]
    assert timeline.handle({"kind": "tick", "at": at + timedelta(hours=25)}) == ()


def test_closing_deletes_the_rete_state_and_forgets_the_incident() -> None:
    timeline = IncidentTimeline(RULES)
    timeline.handle(opened(START, id="INC-1"))
    assert timeline._sessions[0].state("INC-1")
    (closed,) = timeline.handle({"kind": "recovered", "at": START + timedelta(minutes=3), "incident": "INC-1"})
    assert closed.closed and timeline.open_incidents == 0
    assert timeline._sessions[0].state("INC-1") == {}


def test_events_no_rule_handles_are_no_change() -> None:
    timeline = IncidentTimeline(RULES)
    assert timeline.handle({"kind": "complaint", "at": START, "incident": "NEVER-OPENED"}) == ()
    assert timeline.handle({"kind": "tick", "at": START}) == ()
    timeline.handle(opened(START, id="INC-1"))
    assert timeline.handle({"kind": "tick", "at": START + timedelta(minutes=1)}) == ()


def test_bad_events_are_typed_errors() -> None:
    timeline = IncidentTimeline(RULES)
    timeline.handle({"kind": "tick", "at": START})
    with pytest.raises(FactError, match="out of order"):
        timeline.handle({"kind": "tick", "at": START - timedelta(seconds=1)})
    with pytest.raises(FactError, match="kind must be one of"):
        timeline.handle({"kind": "exploded", "at": START})
    with pytest.raises(FactError, match="invalid impact_changed"):
        timeline.handle({"kind": "impact_changed", "at": START, "incident": "X", "impact": {"affected_users": "many"}})
    with pytest.raises(FactError, match="affected_sites"):
        timeline.handle(opened(START, id="INC-B", affected_sites=-1))
    assert timeline.open_incidents == 0


def test_escalations_are_validated_with_their_place(tmp_path: Path) -> None:
    from support import grading_text, row

    base = grading_text(row("r", "L3", "{field: data_loss, eq: true}"))
    cases = {
        "  unrecovered:\n    - {id: e, level: L9, after_hours: 1, cite: §35.3, provenance: assumed, basis: test}\n": (
            "escalations.unrecovered[0].level", "undefined level 'L9'"),
        "  repeat_faults:\n    - {id: f, count: 1, within_days: 1, cite: §34.2.4, provenance: handbook}\n": (
            "escalations.repeat_faults[0].count", "greater than or equal to 2"),
        "  repeat_faults:\n    - {id: r, count: 2, within_days: 1, cite: §34.2.4, provenance: handbook}\n": (
            "escalations.repeat_faults[0].id", "duplicate id 'r'"),
    }
    for body, (where, why) in cases.items():
        with pytest.raises(RulesetError) as exc:
            asprules.load_rulesets(write(tmp_path, "g.yaml", base + "escalations:\n" + body))
        assert any(where in str(p) and why in str(p) for p in exc.value.problems), exc.value


def test_the_docs_timeline_example_runs_and_prints_what_it_says() -> None:
    import contextlib
    import io
    import re

    text = (Path(__file__).resolve().parent.parent / "docs" / "backends.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 2
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, "docs/backends.md", "exec"), {})
        promised = [line[2:] for line in block.splitlines() if line.startswith("# ")]
        if promised:
            assert out.getvalue().splitlines() == promised
