"""The service's metrics, written in the Prometheus text exposition format (version 0.0.4).

A small exact writer instead of ``prometheus-client``: four metric families are all the
service needs, the text format is short and stable, and the extra stays two packages.
Counters and histograms are updated from the event loop and from the evaluation threads
alike, so every update takes one lock; a scrape copies the values under the same lock.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Iterable

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Seconds. A single decision takes tens of microseconds in-process; over HTTP a request
# takes a few milliseconds, a batch of a thousand facts tens of milliseconds.
LATENCY_BUCKETS: tuple[float, ...] = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Labels = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels, extra: Labels = ()) -> str:
    pairs = labels + extra
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _number(value: float) -> str:
    if value == math.inf:
        return "+Inf"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


@dataclass
class _Family:
    name: str
    kind: str  # counter, gauge, histogram
    help: str
    values: dict[Labels, float] = field(default_factory=dict)
    buckets: tuple[float, ...] = ()
    counts: dict[Labels, list[int]] = field(default_factory=dict)  # histogram: per bucket, not cumulative
    sums: dict[Labels, float] = field(default_factory=dict)


class Metrics:
    """Counters, gauges and histograms by name and labels; :meth:`render` writes them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._families: dict[str, _Family] = {}

    def declare(self, name: str, kind: str, help: str, buckets: Iterable[float] = ()) -> None:
        """Name a metric family; a family is listed (with no samples) before its first update."""
        self._families[name] = _Family(name, kind, help, buckets=tuple(buckets))

    def inc(self, name: str, amount: float = 1, **labels: str) -> None:
        key = tuple(labels.items())
        with self._lock:
            values = self._families[name].values
            values[key] = values.get(key, 0) + amount

    def set(self, name: str, value: float, **labels: str) -> None:
        with self._lock:
            self._families[name].values[tuple(labels.items())] = value

    def replace(self, name: str, samples: Iterable[tuple[dict[str, str], float]]) -> None:
        """Set a gauge family to exactly these samples (e.g. the rulesets loaded now)."""
        with self._lock:
            self._families[name].values = {tuple(labels.items()): value for labels, value in samples}

    def observe(self, name: str, value: float, **labels: str) -> None:
        key = tuple(labels.items())
        with self._lock:
            family = self._families[name]
            counts = family.counts.get(key)
            if counts is None:
                counts = family.counts[key] = [0] * (len(family.buckets) + 1)
            counts[bisect_left(family.buckets, value)] += 1
            family.sums[key] = family.sums.get(key, 0.0) + value

    def value(self, name: str, **labels: str) -> float:
        """One sample's value (0 when it was never set): for tests and /readyz."""
        with self._lock:
            return self._families[name].values.get(tuple(labels.items()), 0)

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            for family in self._families.values():
                lines.append(f"# HELP {family.name} {family.help}")
                lines.append(f"# TYPE {family.name} {family.kind}")
                if family.kind == "histogram":
                    for key, counts in family.counts.items():
                        running = 0
                        for bound, count in zip((*family.buckets, math.inf), counts):
                            running += count
                            lines.append(f"{family.name}_bucket{_labels(key, (('le', _number(bound)),))} {running}")
                        lines.append(f"{family.name}_sum{_labels(key)} {_number(family.sums[key])}")
                        lines.append(f"{family.name}_count{_labels(key)} {running}")
                else:
                    for key, value in family.values.items():
                        lines.append(f"{family.name}{_labels(key)} {_number(value)}")
        return "\n".join(lines) + "\n"


def service_metrics() -> Metrics:
    """The metric families of ``asprules serve`` (docs/service.md lists them)."""
    m = Metrics()
    m.declare("asprules_decisions_total", "counter", "Decisions made, by kind (grade, authorize) and outcome (level or status).")
    m.declare("asprules_requests_total", "counter", "HTTP requests answered, by route and status code.")
    m.declare("asprules_request_duration_seconds", "histogram", "Time to answer a request, by route.", LATENCY_BUCKETS)
    m.declare("asprules_requests_in_flight", "gauge", "Requests being answered now, by route.")
    m.declare("asprules_reloads_total", "counter", "Rule reloads that swapped in a new rulebook.")
    m.declare("asprules_reload_failures_total", "counter", "Rule reloads that failed; the last good rules kept serving.")
    m.declare("asprules_rules_stale", "gauge", "1 when the last reload failed and older rules are being served, else 0.")
    m.declare("asprules_rules_loaded_timestamp_seconds", "gauge", "When the rules being served were loaded (Unix time).")
    m.declare("asprules_ruleset_info", "gauge", "The rulesets being served: kind, id, version and sha256 (always 1).")
    for name in ("asprules_reloads_total", "asprules_reload_failures_total", "asprules_rules_stale"):
        m.set(name, 0)  # shown as 0 from the start, so an alert on an increase sees the first one
    return m
