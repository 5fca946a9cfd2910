"""asprules' own figures: input kinds, batch, authorization, load time, cold start, memory.

    .venv/bin/python benchmarks/figures.py [--facts 100000] [--stream 1000000]

Every rate is printed next to a reference measured in the same run (a hand-written
if-chain, a bare pydantic model of the same fields, an empty interpreter), because on a
shared machine absolute numbers move with the load and ratios much less.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import shipped_if_chain  # noqa: E402

import asprules  # noqa: E402
from asprules.facts.models import Incident  # noqa: E402
from workload import incident_dicts, synthetic_rows, synthetic_ruleset_text  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def rate(fn, items, repeat: int = 3) -> float:
    """Best of ``repeat`` passes, in items per second (the least disturbed pass)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return len(items) / best


def line(label: str, value: float, unit: str = "/s", note: str = "") -> None:
    print(f"  {label:58} {value:14,.0f} {unit:4} {note}")


def grading_figures(count: int) -> None:
    rules = asprules.load_rulesets(REPO / "rulesets")
    dicts = incident_dicts(count)
    models = [asprules.parse_incident(d) for d in dicts]
    if_chain = shipped_if_chain(rules.grading)
    print(f"\n== grading, shipped rulesets, {count:,} generated incidents ==")
    limit = rate(if_chain, models)
    line("hand-written if-chain on Incident (reference)", limit)
    for label, fn in (
        ("rules.grading.grade(Incident)", rules.grading.grade),
        ("asprules.grade(Incident, rules)", lambda m: asprules.grade(m, rules)),
        ("closures, no generated code (grade_reference)", rules.grading.grade_reference),
    ):
        r = rate(fn, models)
        line(label, r, note=f"if-chain is {limit / r:.2f}x this")
    r = len(models) / _timed(lambda: list(asprules.grade_many(models, rules)))
    line("asprules.grade_many(list of Incident)", r, note=f"if-chain is {limit / r:.2f}x this")
    # the level alone, and the level with its obligations' absolute deadlines (§35.3)
    level_only = rate(rules.grading.grade, models)
    r = rate(rules.grading.decide, models)
    line("rules.grading.decide(Incident): level + obligations", r, note=f"{level_only / r:.2f}x the time of the level alone")

    few = dicts[: max(1, count // 2)]
    bare = rate(Incident.model_validate, few)
    line("Incident.model_validate(dict) alone (the validation floor)", bare)
    r = rate(lambda d: asprules.grade(d, rules), few)
    line("asprules.grade(dict, rules), validation included", r, note=f"{r / bare:.2f}x of validation alone")
    r = len(few) / _timed(lambda: list(asprules.grade_many(few, rules)))
    line("asprules.grade_many(list of dict)", r, note=f"{r / bare:.2f}x of validation alone")


def authorization_figures(count: int) -> None:
    rules = asprules.load_rulesets(REPO / "rulesets")
    examples = sorted((REPO / "examples" / "operations").glob("*.yaml"))
    models = [asprules.operation_from_file(str(p)) for p in examples]
    ops = [models[i % len(models)] for i in range(count)]
    print(f"\n== authorization, shipped chain, the {len(models)} example operations cycled to {count:,} ==")
    line("rules.authorization.authorize(Operation)", rate(rules.authorization.authorize, ops))
    line("asprules.authorize(Operation, rules)", rate(lambda o: asprules.authorize(o, rules), ops))


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def load_figures() -> None:
    print("\n== load_rulesets + compile ==")
    times = [_timed(lambda: asprules.load_rulesets(REPO / "rulesets")) for _ in range(5)]
    line("shipped rulesets (3 files), median of 5", statistics.median(times) * 1000, "ms")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.yaml"
        path.write_text(synthetic_ruleset_text(synthetic_rows(1000)), encoding="utf-8")
        from asprules.source import parse_file

        parse = _timed(lambda: parse_file(path))
        total = _timed(lambda: asprules.load_rulesets(path))
    line("synthetic 1,000-row table, once", total * 1000, "ms", f"of which YAML parsing with positions {parse * 1000:,.0f} ms")


def cold_start_figures(runs: int = 7) -> None:
    print(f"\n== cold start as a whole process (best of {runs}) ==")
    cli = str(Path(PYTHON).with_name("asprules"))
    for label, argv in (
        ("python -c pass (reference)", [PYTHON, "-c", "pass"]),
        ("python -c 'import pydantic' (reference)", [PYTHON, "-c", "import pydantic"]),
        ("asprules validate rulesets/", [cli, "validate", str(REPO / "rulesets")]),
        ("asprules grade examples/incidents/l2-vip-raised.yaml", [cli, "grade", str(REPO / "examples/incidents/l2-vip-raised.yaml")]),
    ):
        wall, cpu = [], []
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall.append(_timed(lambda: subprocess.run(argv, check=True, capture_output=True)))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        # CPU time (user + system) moves less than wall time when other processes compete
        line(label, min(wall) * 1000, "ms", f"CPU {min(cpu) * 1000:,.0f} ms, median wall {statistics.median(wall) * 1000:,.0f} ms")


# Peak RSS from /proc (VmHWM, KiB): ru_maxrss would carry over the parent's peak at fork.
STREAM = """
import json, resource, sys, time
sys.path.insert(0, {bench!r})
import asprules
from workload import stream_incident_dicts

def peak_kib():
    try:
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

rules = asprules.load_rulesets({rules!r})
count, marks, levels, start = {count}, [], {{}}, time.perf_counter()
for i, d in enumerate(asprules.grade_many(stream_incident_dicts(count), rules), 1):
    levels[d.level] = levels.get(d.level, 0) + 1
    if i % (count // 10) == 0:
        marks.append((i, peak_kib()))
print(json.dumps({{"marks": marks, "levels": levels, "seconds": time.perf_counter() - start}}))
"""


def memory_figures(count: int) -> None:
    print(f"\n== memory: grade_many over a generator of {count:,} incident dicts, in a fresh process ==")
    code = STREAM.format(bench=str(Path(__file__).resolve().parent), rules=str(REPO / "rulesets"), count=count)
    out = json.loads(subprocess.run([PYTHON, "-c", code], check=True, capture_output=True, text=True).stdout)
    for done, rss in out["marks"]:
        print(f"  peak RSS after {done:>10,} incidents: {rss / 1024:7.1f} MiB")
    print(f"  levels {out['levels']}; {count / out['seconds']:,.0f} incidents/s including generating the dicts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--stream", type=int, default=1_000_000, help="incidents for the memory run (0: skip)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, asprules {asprules.__version__}, ru_maxrss now {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    grading_figures(args.facts)
    authorization_figures(min(args.facts, 20_000))
    load_figures()
    cold_start_figures()
    if args.stream:
        memory_figures(args.stream)


if __name__ == "__main__":
    main()
