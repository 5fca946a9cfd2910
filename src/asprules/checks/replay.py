"""Corpus replay for ``asprules diff --scenarios``: every fact decided by both versions,
against the decision it was written for.

A corpus is scenario files (each scenario's ``decision:``, else its file's, and its
``type``), and JSONL with one fact a line: a bare fact (an operation when it has
``scheduled_start``, else an incident), an envelope ``{"type": …, "decision": …, "fact":
{…}}``, or a line of the decision log (:mod:`asprules.audit`: its ``kind`` and
``ruleset.id`` say what decided it, ``input`` is the fact). A row that cannot be read or
decided — not JSON, a fact its schema refuses, a decision one version does not have —
is a :class:`~.changes.BadRow` with its file and line: counted, listed, and the replay
goes on. A bare incident, where several grading decisions are loaded, is decided by each
decision both versions have.

:func:`replay` is the one entry point, so a columnar path for large JSONL corpora can
stand in for it (same arguments, same :class:`Replay`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..decide import fact_parser
from ..errors import AspRulesError, FactError
from ..loader import Rulebook
from .changes import CHANGED, LOOSER, STRICTER, BadRow, CorpusChange

MAX_BAD_LISTED = 50  # bad rows kept for the report; the rest are counted


@dataclass(frozen=True)
class CorpusFact:
    """One fact of a corpus, where it is, and what it was written for."""

    file: str
    line: int | None
    type: str  # "incident" | "operation"
    decision: str | None  # the grading ruleset id, for an incident; None: the only one
    fact: dict[str, Any]

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Replay:
    """What replaying a corpus found."""

    total: int = 0  # facts decided by both versions
    changes: list[CorpusChange] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    bad_count: int = 0

    def add_bad(self, row: BadRow) -> None:
        self.bad_count += 1
        if len(self.bad) < MAX_BAD_LISTED:
            self.bad.append(row)


def corpus_facts(paths: Iterable[str | Path], on_bad: Callable[[BadRow], None]) -> Iterator[CorpusFact]:
    """The facts of scenario files and JSONL files; unreadable rows go to ``on_bad``."""
    from .scenarios import read_scenario_file, scenario_files

    for raw in paths:
        p = Path(raw)
        if p.suffix == ".jsonl":
            yield from _jsonl(p, on_bad)
            continue
        try:
            files = scenario_files([p])
        except AspRulesError as exc:
            on_bad(BadRow(str(p), None, str(exc)))
            continue
        for f in files:
            try:
                source, spec = read_scenario_file(f)
            except AspRulesError as exc:
                on_bad(BadRow(str(f), None, f"not a scenario file: {str(exc).splitlines()[0]}"))
                continue
            for i, sc in enumerate(spec.scenarios):
                if sc.expect.error is not None:
                    continue  # written to fail on input: nothing to compare
                pos = source.locate(("scenarios", i))
                facts = {**spec.base.get(sc.type, {}), **sc.given}  # type: ignore[arg-type]
                decision = (sc.decision or spec.decision) if sc.type == "incident" else None
                yield CorpusFact(str(f), pos[0] if pos else None, sc.type or "incident", decision, facts)


def _jsonl(path: Path, on_bad: Callable[[BadRow], None]) -> Iterator[CorpusFact]:
    from ..source import read_text

    try:
        text = read_text(path, FactError)  # read like every fact file: a regular file, its size checked first
    except AspRulesError as exc:
        on_bad(BadRow(str(path), None, exc.problems[0].message if exc.problems else str(exc)))
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            on_bad(BadRow(str(path), n, f"not JSON: {exc.msg} (column {exc.colno})"))
            continue
        fact = _row_fact(str(path), n, row)
        if isinstance(fact, BadRow):
            on_bad(fact)
        else:
            yield fact


def _row_fact(file: str, line: int, row: Any) -> CorpusFact | BadRow:
    if not isinstance(row, dict):
        return BadRow(file, line, f"expected a JSON object, got {type(row).__name__}")
    if "input" in row and isinstance(row.get("ruleset"), dict):  # a decision-log line
        kind = row.get("kind")
        if kind not in ("grading", "authorization") or not isinstance(row["input"], dict):
            return BadRow(file, line, "a decision-log line needs kind grading|authorization and an input object")
        ident = row["ruleset"].get("id")
        typ = "incident" if kind == "grading" else "operation"
        return CorpusFact(file, line, typ, ident if typ == "incident" else None, row["input"])
    if "fact" in row and set(row) <= {"type", "decision", "fact"}:  # an envelope
        if not isinstance(row["fact"], dict):
            return BadRow(file, line, "fact must be a JSON object")
        typ = row.get("type") or ("operation" if "scheduled_start" in row["fact"] else "incident")
        if typ not in ("incident", "operation"):
            return BadRow(file, line, f"type must be incident or operation, got {typ!r}")
        return CorpusFact(file, line, typ, row.get("decision"), row["fact"])
    return CorpusFact(file, line, "operation" if "scheduled_start" in row else "incident", None, row)


def _grader(rules: Rulebook, decision: str | None, side: str):
    """The grading evaluator a fact was written for, or why there is none."""
    if decision is None:
        if len(rules.gradings) == 1:
            return next(iter(rules.gradings.values())), None
        if not rules.gradings:
            return None, f"the {side} rules have no grading ruleset"
        return None, f"several grading rulesets in the {side} rules ({', '.join(rules.gradings)}): say which (decision)"
    found = rules.gradings.get(decision)
    return (found, None) if found is not None else (None, f"decision {decision!r} is not in the {side} rules")


def replay(
    old: Rulebook, new: Rulebook, paths: Iterable[str | Path], judge_levels: Callable[[Any, Any, str, str], str],
    step: Callable[[], None] | None = None,
) -> Replay:
    """Decide every corpus fact under both versions; list the decisions that change.

    ``judge_levels(old_grader, new_grader, old_level, new_level)`` gives a grading
    change its direction (:func:`asprules.checks.diff.judge_levels`)."""
    out = Replay()
    for item in corpus_facts(paths, out.add_bad):
        for one in _written_for(old, new, item):
            try:
                change = _decide(old, new, one, judge_levels)
            except AspRulesError as exc:
                problem = exc.problems[0] if exc.problems else None
                where = f"{problem.field}: " if problem is not None and problem.path else ""
                out.add_bad(BadRow(item.file, item.line, f"{where}{problem.message if problem else exc}"))
                continue
            if isinstance(change, BadRow):
                out.add_bad(change)
                continue
            out.total += 1
            if step is not None:
                step()  # a progress counter
            if change is not None:
                out.changes.append(change)
    return out


def _written_for(old: Rulebook, new: Rulebook, item: CorpusFact) -> list[CorpusFact]:
    """An incident that names no decision, where several are loaded, is decided by each
    decision both versions have; one that names its decision, by that one only."""
    if item.type != "incident" or item.decision is not None or (len(old.gradings) <= 1 and len(new.gradings) <= 1):
        return [item]
    common = [d for d in old.gradings if d in new.gradings]
    return [CorpusFact(item.file, item.line, item.type, d, item.fact) for d in common] or [item]


def _decide(old: Rulebook, new: Rulebook, item: CorpusFact, judge_levels) -> CorpusChange | BadRow | None:
    fact_id = str(item.fact.get("id", "?"))
    if item.type == "incident":
        graders = []
        for rules, side in ((old, "old"), (new, "new")):
            grader, why = _grader(rules, item.decision, side)
            if grader is None:
                return BadRow(item.file, item.line, why or "no grading ruleset")
            graders.append(grader)
        a, b = (g.decide(fact_parser(g)(item.fact)) for g in graders)
        if a.level == b.level and a.outputs == b.outputs:
            return None
        label = {"decision": item.decision} if item.decision else {}
        before, after = {**label, "level": a.level}, {**label, "level": b.level}
        if a.outputs != b.outputs:
            before["outputs"], after["outputs"] = a.to_json().get("outputs"), b.to_json().get("outputs")
        if a.level == b.level or a.level is None or b.level is None:
            direction = CHANGED  # the outputs changed (or a version gives outputs only)
        else:
            direction = judge_levels(graders[0], graders[1], a.level, b.level)
        return CorpusChange(item.source, fact_id, before, after, direction, item.decision)
    if old.authorization is None or new.authorization is None:
        return BadRow(item.file, item.line, f"the {'old' if old.authorization is None else 'new'} rules have no authorization ruleset")
    a = old.authorization.authorize(fact_parser(old.authorization)(item.fact))
    b = new.authorization.authorize(fact_parser(new.authorization)(item.fact))
    before = {"status": a.status, "missing": list(a.missing), "violations": sorted(v.rule for v in a.violations)}
    after = {"status": b.status, "missing": list(b.missing), "violations": sorted(v.rule for v in b.violations)}
    if before == after:
        return None
    # the gate's question: does the new version authorize what the old did not (or the reverse)?
    if b.status == "authorized" and a.status != "authorized":
        direction = LOOSER
    elif a.status == "authorized" and b.status != "authorized":
        direction = STRICTER
    else:
        direction = CHANGED  # neither authorizes it: other steps missing, other constraints broken
    return CorpusChange(item.source, fact_id, before, after, direction)
