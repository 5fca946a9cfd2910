"""How long static analysis of a large grading table takes.

Generates a 10,000-row table — a 100 × 100 grid of outage bands × affected-user bands,
each cell a row whose level grows with both measures, under hit policy ``first`` — and
times ``asprules.checks.analysis.analyse`` on it (gaps, overlaps, masking, monotonicity, dead
adjustments). For scale it also times grading 1,000 of the rows' own incidents
with the compiled evaluator, the cheapest thing one could do with such a table.

    python benchmarks/analysis_bench.py [--rows 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import asprules
from asprules.checks.analysis import analyse

LEVELS = ["L1", "L2", "L3", "none"]


def table(rows: int) -> str:
    side = max(1, math.isqrt(rows))
    out = [
        "asprules: 1", "kind: grading", "id: bench",
        "levels:", "  - {id: L1, name: one}", "  - {id: L2, name: two}", "  - {id: L3, name: three}",
        "  - {id: none, name: not major, major: false}",
        "tables:", "  - id: grid", "    cite: §34.2.2", "    hit_policy: first", "    default: none", "    rows:",
    ]
    for i in range(side):
        for j in range(side):
            level = LEVELS[3 - min(3, (i + j) * 4 // (2 * side))]
            # the last band of each measure is open-ended, so the grid covers every incident
            upper_outage = f"lt: {i * 10 + 10}" if i < side - 1 else "le: 1000000000"
            upper_pct = f"lt: {(j + 1) * 100 / side:g}" if j < side - 1 else "le: 100"
            when = (
                f"{{all: [{{field: outage_minutes, ge: {i * 10}}}, {{field: outage_minutes, {upper_outage}}}, "
                f"{{field: affected_users_pct, ge: {j * 100 / side:g}}}, {{field: affected_users_pct, {upper_pct}}}]}}"
            )
            out.append(f"      - {{id: r{i}-{j}, level: {level}, cite: §34.2.2, provenance: assumed, basis: generated, when: {when}}}")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(table(args.rows), encoding="utf-8")
        t0 = time.perf_counter()
        rules = asprules.load_rulesets(path)
        load = time.perf_counter() - t0
    n = sum(len(t.rows) for t in rules.grading.doc.tables)
    best = best_cpu = math.inf
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        findings = analyse(rules)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    t0 = time.perf_counter()
    sample = rules.grading.doc.tables[0].rows[:: max(1, n // 1000)]
    for row in sample:
        lo = row.when.all[0].ge
        pct = row.when.all[2].ge
        asprules.grade({"id": "B", "environment": "production", "started_at": "2026-06-10T12:00:00+00:00", "outage_minutes": lo,
                        "affected_users": 1, "affected_users_pct": pct, "affected_sites": 1, "core_service": False, "data_loss": False,
                        "security_breach": False, "vip_customer": False, "customer_complaint": False}, rules)
    grade_all = time.perf_counter() - t0
    codes = sorted({f.code for f in findings})
    print(f"rows: {n}  load+compile: {load:.2f} s  findings: {len(findings)} {codes}")
    # CPU time is reported too: on a shared machine wall time includes waiting for a core
    print(f"analysis (best of {args.repeat}): {best:.3f} s wall, {best_cpu:.3f} s CPU")
    print(f"grading {len(sample)} incidents against the same table (compiled evaluator): {grade_all:.3f} s")
    print(f"ratio analysis / grading {len(sample)} incidents: {best / grade_all:.2f}")


if __name__ == "__main__":
    main()
