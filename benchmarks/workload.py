"""Generated workloads shared by the benchmark scripts: incidents and a large synthetic table.

Everything is seeded, so two runs (and two engines in one run) see the same facts.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

LEVELS = ("L1", "L2", "L3", "none")
_EPOCH = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8)))
_SPAN_MINUTES = 2 * 365 * 24 * 60  # 2026-2027, so the shipped calendar's periods are hit


def incident_dict(rng: random.Random, n: int) -> dict[str, Any]:
    """One incident as a ticketing system would send it: JSON-like values, ISO datetimes.

    The mix is skewed the way real queues are: most incidents are small, a minority are
    major, a few are severe.
    """
    started = _EPOCH + timedelta(minutes=rng.randrange(_SPAN_MINUTES))
    outage = round(rng.expovariate(1 / 40), 1)
    fact: dict[str, Any] = {
        "id": f"INC-{n}",
        "environment": "production" if rng.random() < 0.8 else "office",
        "started_at": started.isoformat(),
        "affected_users": int(rng.lognormvariate(7, 2.5)) % 5_000_000,
        "affected_users_pct": round(min(100.0, rng.expovariate(1 / 12)), 2),
        "affected_sites": min(40, int(rng.expovariate(1 / 2.5))),
        "core_service": rng.random() < 0.35,
        "data_loss": rng.random() < 0.04,
        "security_breach": rng.random() < 0.03,
        "vip_customer": rng.random() < 0.15,
        "customer_complaint": rng.random() < 0.08,
    }
    if rng.random() < 0.5:
        fact["outage_minutes"] = outage
    else:
        fact["recovered_at"] = (started + timedelta(minutes=outage)).isoformat()
    return fact


def incident_dicts(count: int, seed: int = 6) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [incident_dict(rng, i) for i in range(count)]


def stream_incident_dicts(count: int, seed: int = 6) -> Iterator[dict[str, Any]]:
    """The same facts as :func:`incident_dicts`, generated lazily (for memory runs)."""
    rng = random.Random(seed)
    for i in range(count):
        yield incident_dict(rng, i)


# --- a synthetic 1,000-row table -------------------------------------------------------

_BANDS = (  # level, share of rows, affected_users range, outage_minutes range
    ("L1", 0.1, (200_000, 3_000_000), (30, 480)),
    ("L2", 0.3, (20_000, 400_000), (15, 240)),
    ("L3", 0.6, (500, 40_000), (5, 120)),
)


def synthetic_rows(count: int = 1000, seed: int = 1000) -> list[tuple[str, int, int, bool | None]]:
    """Rows ``(level, users_at_least, minutes_at_least, core_service or None)``, most severe first."""
    rng = random.Random(seed)
    rows = []
    for level, share, (u_lo, u_hi), (m_lo, m_hi) in _BANDS:
        for _ in range(round(count * share)):
            core = rng.choice((True, False, None))
            rows.append((level, rng.randrange(u_lo, u_hi), rng.randrange(m_lo, m_hi), core))
    return rows[:count]


def synthetic_ruleset_text(rows: list[tuple[str, int, int, bool | None]]) -> str:
    """A grading ruleset (YAML, which JSON is a subset of) holding the rows as one priority table."""
    import json

    body = []
    for i, (level, users, minutes, core) in enumerate(rows):
        when = [{"field": "affected_users", "ge": users}, {"field": "outage_minutes", "ge": minutes}]
        if core is not None:
            when.append({"field": "core_service", "eq": core})
        body.append(
            {
                "id": f"row-{i:04d}",
                "level": level,
                "cite": "§34.2.2",
                "provenance": "assumed",
                "basis": "synthetic benchmark row",
                "when": {"all": when},
            }
        )
    doc = {
        "asprules": 1,
        "kind": "grading",
        "id": "synthetic-1000",
        "title": "Synthetic benchmark table",
        "levels": [{"id": lv, "name": lv} for lv in LEVELS[:3]] + [{"id": "none", "name": "not major", "major": False}],
        "tables": [
            {
                "id": "synthetic",
                "name": "synthetic",
                "cite": "§34.2.2",
                "hit_policy": "priority",
                "default": "none",
                "rows": body,
            }
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


# --- varied operations -------------------------------------------------------------------

_KINDS = ("cutover", "upgrade", "config_change", "data_export", "inspection", "log_tracing")
_MODIFIES = ("program", "config", "data", "log")
_ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC")
_STEPS = (("management", "service_manager"), ("technical", "technical_authorization_team"), ("customer", "customer"))


def operation_dict(rng: random.Random, n: int) -> dict[str, Any]:
    """One operation as a change system would send it: its own customer, zone, times and approvals.

    Start times are spread over two years at minute resolution (so no two decisions share a
    time), approvals are given for a random prefix of the chain at random hours before the
    start, some customers have their own sensitive periods and maintenance windows.
    """
    start = _EPOCH + timedelta(minutes=rng.randrange(_SPAN_MINUTES))
    length = timedelta(minutes=rng.choice((15, 30, 60, 90, 180, 240, 600)))
    zone = rng.choice(_ZONES)
    customer: dict[str, Any] = {"id": f"CUST-{rng.randrange(500):03d}", "timezone": zone}
    if rng.random() < 0.3:
        day = start + timedelta(days=rng.randrange(-20, 20))
        customer["sensitive_periods"] = [
            {"name": "own freeze", "start": day.isoformat(), "end": (day + timedelta(days=rng.randrange(1, 10))).isoformat()}
        ]
    if rng.random() < 0.3:
        customer["maintenance_window"] = rng.choice(("00:00-06:00", "22:00-04:00", "01:00-05:00"))
    approvals = []
    for step, role in _STEPS[: rng.randrange(len(_STEPS) + 1)]:
        at = start - timedelta(hours=rng.randrange(1, 24 * 14), minutes=rng.randrange(60))
        approval = {"step": step, "by": f"person-{rng.randrange(100)}", "role": role if rng.random() < 0.9 else "engineer", "at": at.isoformat()}
        if step == "customer" and rng.random() < 0.7:
            approval["evidence"] = rng.choice(("fax", "email", "recording", "verbal"))
        approvals.append(approval)
    notifications = []
    if rng.random() < 0.7:
        notifications.append({"channel": rng.choice(("email", "sms")), "to": "noc@customer.example", "at": (start - timedelta(hours=rng.randrange(1, 72))).isoformat()})
    return {
        "id": f"OP-{n}",
        "kind": rng.choice(_KINDS),
        "major_impact": rng.random() < 0.3,
        "modifies": sorted(rng.sample(_MODIFIES, rng.randrange(len(_MODIFIES) + 1))),
        "remote": rng.random() < 0.3,
        "third_party": rng.random() < 0.2,
        "customer_present": rng.random() < 0.6,
        "other_vendor_equipment": rng.random() < 0.05,
        "within_approved_scope": rng.random() < 0.97,
        "scheduled_start": start.isoformat(),
        "scheduled_end": (start + length).isoformat(),
        "engineer": {"id": f"ENG-{rng.randrange(200):03d}", "qualification": rng.randrange(1, 6)},
        "approvals": approvals,
        "notifications": notifications,
        "site": f"SITE-{rng.randrange(50)}",
        "customer": customer,
    }


def operation_dicts(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [operation_dict(rng, i) for i in range(count)]
