"""Stream many incidents through one IncidentTimeline and watch its memory stay flat.

    .venv/bin/python benchmarks/timeline_memory.py                 # 100,000 incidents
    .venv/bin/python benchmarks/timeline_memory.py --incidents 5000

Each incident opens at one of 200 sites (so repeat-fault escalation has work), gets an
impact change and, for one in four, a complaint, and recovers; about 50 stay open at any
time, and a tick every 500 incidents re-checks the time-based escalations. Resident set
size is read from /proc after every tenth of the stream: flat means the last reading is
within a few MiB of the first, whatever the number of incidents.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from datetime import datetime, timedelta, timezone

import asprules
from asprules.backends.rete.timeline import IncidentTimeline


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def events(n: int):
    t0 = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8)))
    live: list[tuple[str, datetime]] = []
    for i in range(n):
        at = t0 + timedelta(minutes=7 * i)
        ident = f"INC-{i}"
        yield {
            "kind": "opened",
            "at": at,
            "incident": {
                "id": ident, "environment": "production" if i % 5 else "office", "site": f"SITE-{i % 200}",
                "affected_users": 50 + i % 5000, "affected_users_pct": float(i % 40), "affected_sites": 1 + i % 4,
                "core_service": i % 3 == 0, "data_loss": i % 17 == 0, "security_breach": i % 101 == 0,
                "vip_customer": i % 7 == 0, "customer_complaint": False,
            },
        }
        yield {"kind": "impact_changed", "at": at, "incident": ident, "impact": {"affected_users_pct": float((i * 7) % 60)}}
        if i % 4 == 0:
            yield {"kind": "complaint", "at": at, "incident": ident}
        live.append((ident, at))
        if len(live) > 50:
            old, _ = live.pop(0)
            yield {"kind": "recovered", "at": at, "incident": old}
        if i % 500 == 499:
            yield {"kind": "tick", "at": at}
    end = t0 + timedelta(minutes=7 * n)
    for ident, _ in live:
        yield {"kind": "recovered", "at": end, "incident": ident}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=100_000)
    args = parser.parse_args()
    timeline = IncidentTimeline(asprules.load_rulesets())
    step = max(1, args.incidents // 10)
    readings: list[tuple[int, float]] = []
    changes = handled = 0
    start = time.perf_counter()
    for event in events(args.incidents):
        changes += len(timeline.handle(event))
        handled += 1
        if event["kind"] == "opened" and int(event["incident"]["id"][4:]) % step == step - 1:
            gc.collect()
            readings.append((int(event["incident"]["id"][4:]) + 1, rss_mib()))
            print(f"{readings[-1][0]:>8} incidents  RSS {readings[-1][1]:7.1f} MiB  open {timeline.open_incidents}", flush=True)
    elapsed = time.perf_counter() - start
    gc.collect()
    first, last = readings[0][1], rss_mib()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.incidents} incidents, {handled} events, {changes} level changes in {elapsed:.1f} s ({handled / elapsed:,.0f} events/s)")
    print(f"open at the end: {timeline.open_incidents}; RSS after the first tenth {first:.1f} MiB, at the end {last:.1f} MiB "
          f"(growth {last - first:+.1f} MiB); peak RSS {peak:.1f} MiB")


if __name__ == "__main__":
    main()
