"""The generated grader on a declared fact schema against the built-in incident, same run.

    .venv/bin/python benchmarks/declared_schema.py [--facts 50000] [--repeat 7]

Both sides grade the same facts with the same rules (the bundled handbook grading): the
built-in side on :class:`asprules.Incident`, the declared side on a ``kind: facts``
schema that extends ``incident`` without changes, so that its model is the one
``create_model`` builds from YAML rather than the hand-written class. Two figures, each a
ratio declared / built-in (1.00 = as fast; above 1 = slower), min and median over
``--repeat`` alternating rounds:

- *grade*: facts already validated (the generated grader alone);
- *validate + grade*: plain dicts in, as a ticketing system sends them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import asprules  # noqa: E402
from workload import incident_dicts  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DECLARED = """asprules: 1
kind: facts
id: declared-incident
description: "The handbook's incident, declared in YAML (benchmarks/declared_schema.py)"
extends: incident
"""


def rulebooks(tmp: Path) -> tuple[asprules.Rulebook, asprules.Rulebook]:
    """The bundled handbook grading on the built-in incident, and on the declared schema."""
    builtin = asprules.load_rulesets(REPO / "rulesets" / "grading.yaml", REPO / "rulesets" / "calendar-cn.yaml")
    text = (REPO / "rulesets" / "grading.yaml").read_text(encoding="utf-8")
    (tmp / "grading.yaml").write_text(text.replace("\nkind: grading\n", "\nkind: grading\nfacts: declared-incident\n", 1), encoding="utf-8")
    (tmp / "declared.facts.yaml").write_text(DECLARED, encoding="utf-8")
    declared = asprules.load_rulesets(tmp / "grading.yaml", tmp / "declared.facts.yaml", REPO / "rulesets" / "calendar-cn.yaml")
    assert declared.grading.ctx.schema.model is not asprules.Incident
    return builtin, declared


def _time(fn, items) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    dicts = incident_dicts(args.facts)
    with tempfile.TemporaryDirectory() as tmp:
        builtin, declared = rulebooks(Path(tmp))
    sides = {}
    for name, rules in (("built-in", builtin), ("declared", declared)):
        model = rules.grading.ctx.schema.model
        facts = [model.model_validate(d) for d in dicts]
        sides[name] = (rules, facts)
    # the same decisions, or the timing means nothing
    for a, b in zip(sides["built-in"][1], sides["declared"][1]):
        da, db = builtin.grading.grade(a), declared.grading.grade(b)
        assert (da.level, da.fired_ids) == (db.level, db.fired_ids)
    ratios: dict[str, list[float]] = {"grade": [], "validate + grade": []}
    for round_ in range(args.repeat):
        times = {}
        order = list(sides.items())
        for name, (rules, facts) in order if round_ % 2 else order[::-1]:  # alternate, so drift hits both
            times[name, "grade"] = _time(rules.grading.grade, facts)
            times[name, "validate + grade"] = _time(lambda d, r=rules: asprules.grade(d, r), dicts)
        for what in ratios:
            ratios[what].append(times["declared", what] / times["built-in", what])
        last = times
    print(f"{args.facts:,} incidents, handbook grading, {args.repeat} rounds; ratio declared / built-in")
    out = {}
    for what, values in ratios.items():
        out[what] = (min(values), statistics.median(values))
        rate = args.facts / last["built-in", what]
        print(f"  {what:<17} min {out[what][0]:.3f}  median {out[what][1]:.3f}   (built-in, last round: {rate:,.0f}/s)")
    return out


if __name__ == "__main__":
    main()
