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
