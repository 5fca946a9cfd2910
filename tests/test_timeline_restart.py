"""Timelines keep their promises across restarts (issue 19, part 4): a process killed in
the middle of a stream is rebuilt from its journal (or a checkpoint plus the events after
it), and the rebuilt state and every later decision equal an uninterrupted run."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytest.importorskip("durable")

import asprules  # noqa: E402
from asprules import FactError  # noqa: E402
from asprules.backends.rete.timeline import IncidentTimeline, ObligationOverdue  # noqa: E402
from asprules.journal import read_journal, write_checkpoint  # noqa: E402

CN = timezone(timedelta(hours=8))
KILL_AFTER = 23  # events the child acknowledges before it is killed


def stream(seed: int = 19, n: int = 60) -> list[dict]:
    """A reproducible stream: incidents open, worsen, draw complaints, recover; ticks pass time."""
    rng = random.Random(seed)
    at = datetime(2026, 12, 2, 8, 0, tzinfo=CN)
    events, open_ids, next_id = [], [], 1
    for _ in range(n):
        at += timedelta(minutes=rng.choice([5, 20, 90, 240]))
        roll = rng.random()
        if not open_ids or roll < 0.3:
            ident = f"INC-{next_id}"
            next_id += 1
            open_ids.append(ident)
            events.append({
                "kind": "opened", "at": at.isoformat(),
                "incident": {
                    "id": ident, "environment": "production", "affected_users": rng.choice([100, 50000]),
                    "affected_users_pct": rng.choice([1, 12, 40]), "affected_sites": rng.choice([1, 4]),
                    "core_service": rng.random() < 0.5, "data_loss": False, "security_breach": False,
                    "vip_customer": rng.random() < 0.3, "customer_complaint": False, "site": rng.choice(["SZ-1", "BJ-2"]),
                },
            })
        elif roll < 0.5:
            events.append({"kind": "impact_changed", "at": at.isoformat(), "incident": rng.choice(open_ids),
                           "impact": {"affected_users_pct": rng.choice([5, 35]), "core_service": True}})
        elif roll < 0.6:
            events.append({"kind": "complaint", "at": at.isoformat(), "incident": rng.choice(open_ids)})
        elif roll < 0.75:
            ident = rng.choice(open_ids)
            open_ids.remove(ident)
            events.append({"kind": "recovered", "at": at.isoformat(), "incident": ident})
        else:
            events.append({"kind": "tick", "at": at.isoformat()})
    return events


def outputs(items) -> list[dict]:
    return [item.model_dump(mode="json") | {"type": type(item).__name__} for item in items]


def uninterrupted(events):
    """Every event's outputs and the checkpoint after it, in one process."""
    timeline = IncidentTimeline(asprules.load_rulesets(), overdue_events=True)
    said, states = [], []
    for event in events:
        said.append(outputs(timeline.handle(event)))
        states.append(json.loads(json.dumps(timeline.checkpoint())))
    return said, states


CHILD = textwrap.dedent(
    """
    import json, sys
    import asprules
    from asprules.backends.rete.timeline import IncidentTimeline

    timeline = IncidentTimeline(asprules.load_rulesets(), journal=sys.argv[1], overdue_events=True)
    for line in sys.stdin:
        out = timeline.handle(json.loads(line))
        print(json.dumps([o.model_dump(mode="json") | {"type": type(o).__name__} for o in out]), flush=True)
    """
)


def killed_mid_stream(tmp_path: Path, events) -> tuple[Path, list]:
    """Feed a child process the whole stream, read KILL_AFTER answers, then SIGKILL it."""
    journal = tmp_path / "timeline.jsonl"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(journal)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdin is not None and child.stdout is not None
    said = []
    for event in events[:KILL_AFTER]:
        child.stdin.write(json.dumps(event) + "\n")
        child.stdin.flush()
        said.append(json.loads(child.stdout.readline()))
    for event in events[KILL_AFTER:KILL_AFTER + 5]:  # more in flight when it dies
        child.stdin.write(json.dumps(event) + "\n")
    child.stdin.flush()
    child.kill()
    child.wait()
    return journal, said


def test_a_killed_timeline_is_rebuilt_from_its_journal_exactly(tmp_path):
    events = stream()
    said, states = uninterrupted(events)
    assert any(o["type"] == "ObligationOverdue" for out in said for o in out), "the stream must pass some deadline"
    assert any(o["type"] == "LevelChange" and o["before"] and o["after"] != o["before"] for out in said for o in out)
    journal, child_said = killed_mid_stream(tmp_path, events)
    assert child_said == said[:KILL_AFTER]  # the child decided as the uninterrupted run did

    resumed = IncidentTimeline(asprules.load_rulesets(), journal=journal, overdue_events=True)
    done = resumed.events
    assert KILL_AFTER <= done <= KILL_AFTER + 5  # every acknowledged event survived the kill
    assert [r for _, r in read_journal(journal)][:done] == [resumed_event(e) for e in events[:done]]
    assert resumed.checkpoint() == states[done - 1]
    for k, event in enumerate(events[done:], done):
        assert outputs(resumed.handle(event)) == said[k], f"event {k} decided differently after the restart"
    assert resumed.checkpoint() == states[-1]
    resumed.close()
    assert len(list(read_journal(journal))) == len(events)


def resumed_event(event: dict) -> dict:
    """An event as the journal holds it (validated, times normalized)."""
    from asprules.backends.rete.timeline import _parse_event

    return _parse_event(event).model_dump(mode="json")


def test_a_checkpoint_plus_the_later_events_rebuilds_the_same_state(tmp_path):
    events = stream()
    said, states = uninterrupted(events)
    journal, _ = killed_mid_stream(tmp_path, events)
    # a cut where open incidents have deadlines already reported overdue and escalations held
    cut = next(k + 1 for k, st in enumerate(states) if any(o["overdue"] for o in st["open"].values()))
    assert cut < KILL_AFTER
    checkpoint = tmp_path / "checkpoint.json"
    write_checkpoint(checkpoint, states[cut - 1])
    alone = IncidentTimeline(asprules.load_rulesets(), checkpoint=checkpoint, overdue_events=True)
    assert alone.checkpoint() == states[cut - 1]
    for k, event in enumerate(events[cut:], cut):  # from the checkpoint alone, every later event
        assert outputs(alone.handle(event)) == said[k], f"event {k} decided differently after the checkpoint"
    resumed = IncidentTimeline(asprules.load_rulesets(), journal=journal, checkpoint=checkpoint, overdue_events=True)
    assert resumed.checkpoint() == states[resumed.events - 1]
    for k, event in enumerate(events[resumed.events:], resumed.events):
        assert outputs(resumed.handle(event)) == said[k]
    resumed.close()


def test_open_incidents_carry_their_obligations_and_report_them_overdue_once():
    timeline = IncidentTimeline(asprules.load_rulesets(), overdue_events=True)
    opened = datetime(2026, 12, 2, 10, 0, tzinfo=CN)
    incident = {"id": "INC-9", "environment": "production", "affected_users": 9000, "affected_users_pct": 40,
                "affected_sites": 1, "core_service": True, "data_loss": False, "security_breach": False,
                "vip_customer": False, "customer_complaint": False}
    (change,) = timeline.handle({"kind": "opened", "at": opened, "incident": incident})
    assert change.after == "none"  # outage so far: zero minutes
    assert [o.id for o in timeline.obligations("INC-9")] == ["minor-monthly-summary"]
    out = timeline.handle({"kind": "tick", "at": opened + timedelta(hours=2)})
    assert [type(o).__name__ for o in out] == ["LevelChange", "ObligationOverdue"] and out[0].after == "L1"
    assert out[1].obligation.id == "l1-oral-report"  # due at once: already late when the level is known
    due = {o.id: o.due for o in timeline.obligations("INC-9")}
    assert due["l1-written-report"] == datetime(2026, 12, 2, 14, 0, tzinfo=CN)
    assert timeline.handle({"kind": "tick", "at": opened + timedelta(hours=3)}) == ()
    late = timeline.handle({"kind": "tick", "at": opened + timedelta(hours=4, minutes=1)})
    assert [(o.obligation.id, o.obligation.status) for o in late if isinstance(o, ObligationOverdue)] == [
        ("l1-written-report", "overdue"),
    ]
    assert timeline.handle({"kind": "tick", "at": opened + timedelta(hours=5)}) == ()  # once
    assert {o.status for o in timeline.obligations("INC-9") if o.due} == {"overdue"}


def test_a_checkpoint_of_other_rules_or_a_broken_journal_is_a_typed_error(tmp_path):
    timeline = IncidentTimeline(asprules.load_rulesets())
    state = timeline.checkpoint() | {"ruleset": "0" * 64}
    with pytest.raises(FactError, match="checkpoint was taken under other rules"):
        IncidentTimeline(asprules.load_rulesets(), checkpoint=state)
    journal = tmp_path / "j.jsonl"
    journal.write_text('{"kind": "tick", "at": "2026-12-02T10:00:00+08:00"}\nnot json\n', encoding="utf-8")
    with pytest.raises(FactError) as exc:
        IncidentTimeline(asprules.load_rulesets(), journal=journal)
    assert exc.value.problems[0].line == 2
    journal.write_text('{"kind": "tick", "at": "2026-12-02T10:00:00+08:00"}\n{"kind": "ti', encoding="utf-8")  # torn last write
    assert IncidentTimeline(asprules.load_rulesets(), journal=journal).events == 1


def test_a_timeline_follows_levels_of_one_ruleset_only():
    from test_consequences import IMPACT, MATRIX, OUTPUTS, URGENCY

    rules = asprules.load_ruleset_texts(MATRIX, IMPACT, URGENCY, OUTPUTS.replace("POLICY", "first").replace("AGGREGATOR", ""))
    with pytest.raises(asprules.BackendUnavailable, match="reads other decisions"):
        IncidentTimeline(rules, "priority")
    with pytest.raises(asprules.BackendUnavailable, match="gives outputs only"):
        IncidentTimeline(rules, "routing")
    assert IncidentTimeline(rules, "impact").open_incidents == 0
