"""How static analysis grows on tables that used to blow it up, and where its budgets stop it.

Four generated grading rulesets (seeded, so every run analyses the same rules):

* ``priority-3`` — n rows under hit policy ``priority``, each a random box over three
  number fields (outage minutes, affected users %, sites) with a random level, so rows
  overlap everywhere;
* ``mixed-8`` — n rows like the shipped production table, each ``all`` of 2–4
  conditions drawn from eight fields (four numbers, four flags);
* ``any-groups`` — one row whose condition is ``all`` of g groups, each ``any`` of two
  comparisons on different fields;
* ``numbers-4`` — n rows over four number fields, thresholds drawn per row.

Each case runs in a fresh process (``asprules validate FILE``, whole process), so its peak
memory is its own. The reference is ``python -c 'import pydantic'`` timed in the same run.

    python benchmarks/analysis_limits.py                 # the issue's targets
    python benchmarks/analysis_limits.py --fit           # growth over 10…10,000 rows
    python benchmarks/analysis_limits.py --repeat 3
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Children write .pyc files even under PYTHONDONTWRITEBYTECODE, as an installed package has them (see speed_targets.py).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

HEAD = [
    "asprules: 1", "kind: grading", "id: limits",
    "levels:", "  - {id: L1, name: one}", "  - {id: L2, name: two}", "  - {id: L3, name: three}",
    "  - {id: none, name: not major, major: false}",
    "tables:", "  - id: big", "    cite: §34.2.2", "    hit_policy: priority", "    default: none", "    rows:",
]
NUMBERS = {"outage_minutes": (0, 600), "affected_users_pct": (0, 100), "affected_sites": (0, 40), "affected_users": (0, 100000)}
FLAGS = ("core_service", "data_loss", "security_breach", "vip_customer")
LEVELS = ("L1", "L2", "L3")


def _row(i: int, level: str, conds: list[str]) -> str:
    when = conds[0] if len(conds) == 1 else "{all: [" + ", ".join(conds) + "]}"
    return f"      - {{id: r{i}, level: {level}, cite: §34.2.2, provenance: assumed, basis: generated, when: {when}}}"


def _band(rng: random.Random, field: str) -> list[str]:
    lo, hi = NUMBERS[field]
    a, b = sorted(rng.sample(range(lo, hi + 1), 2))
    return [f"{{field: {field}, ge: {a}}}", f"{{field: {field}, lt: {b}}}"]


def priority_3(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        conds = [c for f in ("outage_minutes", "affected_users_pct", "affected_sites") for c in _band(rng, f)]
        rows.append(_row(i, rng.choice(LEVELS), conds))
    return "\n".join(HEAD + rows) + "\n"


def mixed_8(n: int, seed: int = 2) -> str:
    rng = random.Random(seed)
    fields = list(NUMBERS) + list(FLAGS)
    rows = []
    for i in range(n):
        conds = []
        for f in rng.sample(fields, rng.randint(2, 4)):
            if f in NUMBERS:
                lo, hi = NUMBERS[f]
                conds.append(f"{{field: {f}, ge: {rng.randrange(lo, hi)}}}")
            else:
                conds.append(f"{{field: {f}, eq: {rng.choice(['true', 'false'])}}}")
        rows.append(_row(i, rng.choice(LEVELS), conds))
    return "\n".join(HEAD + rows) + "\n"


def any_groups(groups: int, seed: int = 3) -> str:
    """``all`` of ``groups`` groups, each "a long outage or many users" at its own figures."""
    rng = random.Random(seed)
    parts = [
        f"{{any: [{{field: outage_minutes, ge: {rng.randrange(10, 600)}}}, {{field: affected_users_pct, ge: {rng.randrange(1, 100)}}}]}}"
        for _ in range(groups)
    ]
    rows = [_row(0, "L1", parts), _row(1, "L3", ["{field: outage_minutes, ge: 30}"])]
    return "\n".join(HEAD + rows) + "\n"


def any_flags(groups: int, seed: int = 5) -> str:
    """``all`` of ``groups`` groups over different fields: 2^groups distinct boxes, past the budget."""
    rng = random.Random(seed)
    fields = list(NUMBERS) + list(FLAGS)
    parts = []
    for g in range(groups):
        a, b = fields[g % len(fields)], fields[(g * 3 + 1) % len(fields)]
        alt = [f"{{field: {f}, ge: {rng.randrange(*NUMBERS[f])}}}" if f in NUMBERS else f"{{field: {f}, eq: true}}" for f in (a, b)]
        parts.append("{any: [" + ", ".join(alt) + "]}")
    rows = [_row(0, "L1", parts), _row(1, "L3", ["{field: outage_minutes, ge: 30}"])]
    return "\n".join(HEAD + rows) + "\n"


def numbers_4(n: int, seed: int = 4) -> str:
    rng = random.Random(seed)
    rows = [_row(i, rng.choice(LEVELS), [c for f in NUMBERS for c in _band(rng, f)[:1]]) for i in range(n)]
    return "\n".join(HEAD + rows) + "\n"


CASES = {"priority-3": priority_3, "mixed-8": mixed_8, "any-groups": any_groups, "any-flags": any_flags, "numbers-4": numbers_4}


def run(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS in MiB of one child process; its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1, 6):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def peak_mib(cmd: list[str]) -> float:
    """Peak RSS of one run, read from the child alone (wait4 accounts for one process)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024


def measure(cmd: list[str], repeat: int) -> dict:
    runs = [run(cmd) for _ in range(repeat)]
    walls = [w for w, _, _ in runs]
    cpus = [c for _, c, _ in runs]
    return {"wall": (min(walls), statistics.median(walls)), "cpu": (min(cpus), statistics.median(cpus)),
            "exit": runs[-1][2], "mib": peak_mib(cmd)}


def validate_cmd(path: Path) -> list[str]:
    return [sys.executable, "-m", "asprules", "validate", str(path)]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fit", action="store_true", help="fit time and memory against rows, 10…10,000")
    parser.add_argument("--sizes", default="10,30,100,300,1000,3000,10000")
    parser.add_argument("--cases", default="priority-3,mixed-8,numbers-4", help="which tables --fit grows")
    args = parser.parse_args(argv)
    ref = measure([sys.executable, "-c", "import pydantic"], args.repeat)
    print(f"reference python -c 'import pydantic': {ref['wall'][0]:.3f} s wall min, {ref['cpu'][1]:.3f} s CPU median")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.fit:
            for name in args.cases.split(","):
                xs, ts, ms = [], [], []
                for n in (int(s) for s in args.sizes.split(",")):
                    path = Path(tmp) / f"{name}-{n}.yaml"
                    path.write_text(CASES[name](n), encoding="utf-8")
                    m = measure(validate_cmd(path), args.repeat)
                    xs.append(n), ts.append(m["cpu"][1] - ref["cpu"][1]), ms.append(m["mib"])
                    print(f"{name:11} rows {n:6}: {m['cpu'][1]:7.2f} s CPU median  {m['mib']:7.1f} MiB  exit {m['exit']}")
                print(f"{name:11} fit: time ∝ rows^{_slope(xs, ts):.2f}, memory ∝ rows^{_slope(xs, ms):.2f} (log-log least squares)")
                results[name] = list(zip(xs, ts, ms))
            return results
        cases = [
            ("priority-3", 1000, 10.0, 1024), ("mixed-8", 1000, 10.0, 1024), ("any-groups", 20, 2.0, 1024),
            ("any-flags", 20, 2.0, 1024), ("numbers-4", 80, 10.0, 1024),
        ]
        for name, n, limit_s, limit_mib in cases:
            path = Path(tmp) / f"{name}.yaml"
            path.write_text(CASES[name](n), encoding="utf-8")
            m = measure(validate_cmd(path), args.repeat)
            # CPU time is what the run costs; on a shared machine wall time adds the wait for a core
            ok = m["cpu"][1] <= limit_s and m["mib"] <= limit_mib
            print(
                f"{name:11} n={n:5}: CPU min/median {m['cpu'][0]:.2f}/{m['cpu'][1]:.2f} s, wall median {m['wall'][1]:.2f} s (target ≤ {limit_s:g} s), "
                f"peak {m['mib']:.0f} MiB (≤ {limit_mib}), exit {m['exit']}, "
                f"CPU ratio to import pydantic {m['cpu'][1] / ref['cpu'][1]:.1f}  {'ok' if ok else 'MISSED'}"
            )
            results[name] = m
        shipped = Path(__file__).resolve().parents[1] / "rulesets"
        m = measure(validate_cmd(shipped), args.repeat)
        ratio_min = m["cpu"][0] / ref["cpu"][0]
        ratio_med = m["cpu"][1] / ref["cpu"][1]
        print(f"shipped rulesets: validate / import pydantic, whole process CPU: min {ratio_min:.2f}, median {ratio_med:.2f} (target ≤ 3)")
        results["shipped"] = (ratio_min, ratio_med)
    return results


def _slope(xs: list[float], ys: list[float]) -> float:
    pts = [(math.log(x), math.log(max(y, 1e-3))) for x, y in zip(xs, ys)]
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)


if __name__ == "__main__":
    main()
