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

:func:`replay` is the one entry point. A corpus file DuckDB reads (Parquet or CSV, and
JSONL of bare incidents from :data:`COLUMNAR_MIN_BYTES` on, or any with
``backend="columnar"``) is graded on the columnar backend (:mod:`asprules.backends.columnar`)
when its extra is installed and both versions have one grading ruleset it compiles: the same
totals, changes and bad rows as the per-record path, a thousand times as many rows a
second. Where it cannot (an envelope or a decision-log line, an operation, a ruleset with
outputs, the extra missing) the file is replayed per record, with a note saying why: never
a different answer.
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
# JSONL from this size on goes to the columnar backend ("auto"): about 20,000 incidents, where
# its fixed cost (compiling both rulesets, starting DuckDB: about half a second) is a few
# percent of the per-record path's time
COLUMNAR_MIN_BYTES = 8 << 20
BACKENDS = ("auto", "records", "columnar")
_COLUMNAR_SUFFIXES = (".parquet", ".pq", ".csv")


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
    notes: list[Any] = field(default_factory=list)  # i18n.Note: how a corpus file was replayed, when it matters

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
    step: Callable[[], None] | None = None, backend: str = "auto",
) -> Replay:
    """Decide every corpus fact under both versions; list the decisions that change.

    ``judge_levels(old_grader, new_grader, old_level, new_level)`` gives a grading
    change its direction (:func:`asprules.checks.diff.judge_levels`). ``backend``:
    ``auto`` (the columnar backend for the files it suits, see the module's docstring),
    ``records`` (every fact through the engine) or ``columnar`` (every file DuckDB reads)."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    out = Replay()
    paths = list(paths)
    if backend != "records":
        paths = [p for p in paths if not _replayed_on_columns(old, new, Path(p), backend, judge_levels, out)]
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


def _replayed_on_columns(old: Rulebook, new: Rulebook, path: Path, backend: str, judge_levels, out: Replay) -> bool:
    """Replay one corpus file on the columnar backend into ``out``, if it suits it; False
    (and a note, where the file was meant for it) when the per-record path must."""
    from .. import i18n

    suffix = path.suffix.lower()
    columnar_only = suffix in _COLUMNAR_SUFFIXES
    if not path.is_file() or not (columnar_only or suffix == ".jsonl"):
        return False
    if suffix == ".jsonl" and backend == "auto" and path.stat().st_size < COLUMNAR_MIN_BYTES:
        return False
    why = _columnar_unsuited(old, new)
    found = None
    if why is None:
        from ..backends import columnar

        try:
            found = columnar.corpus_replay(_only(old), _only(new), path)
        except AspRulesError as exc:  # BackendUnavailable, or columns that are not incidents
            why = f"{exc.summary}: {exc.problems[0].message}" if exc.problems else exc.summary
    lines = None
    if found is not None and suffix == ".jsonl":
        lines = _record_lines(path)
        if len(lines) != found.total + len(found.refused):
            why, found = f"{len(lines)} records read per line, {found.total + len(found.refused)} by DuckDB", None
    if found is None:
        if columnar_only:  # the per-record path reads no Parquet or CSV
            out.add_bad(BadRow(str(path), None, f"not replayed: {why}"))
            return True
        out.notes.append(i18n.note("diff.replay_per_record", file=str(path), reason=why or ""))
        return False

    def place(row: int) -> int:
        return lines[row - 1] if lines is not None else row + 1 if suffix == ".csv" else row  # the line (the header is line 1 of a CSV)

    old_grader, new_grader = _only(old), _only(new)
    for row, _ident, problems in found.refused:
        out.add_bad(BadRow(str(path), place(row), problems[0] if problems else "refused"))
    out.total += found.total
    for row, ident, before, after in found.changed:
        direction = judge_levels(old_grader, new_grader, before, after)
        out.changes.append(CorpusChange(f"{path}:{place(row)}", str(ident), {"level": before}, {"level": after}, direction, None))
    return True


def _only(rules: Rulebook):
    return next(iter(rules.gradings.values()))  # as _grader picks it for a bare incident


def _columnar_unsuited(old: Rulebook, new: Rulebook) -> str | None:
    """Why the columnar backend cannot replay a corpus of bare incidents for these versions."""
    import importlib.util

    missing = [m for m in ("duckdb", "sqlglot", "pyarrow") if importlib.util.find_spec(m) is None]
    if missing:
        return f"the columnar extra is not installed ({', '.join(missing)}): pip install 'asprules[columnar]'"
    for rules, side in ((old, "old"), (new, "new")):
        if len(rules.gradings) != 1:
            return f"the {side} rules have {len(rules.gradings)} grading rulesets (the columnar replay takes one a side)"
    return None


def _record_lines(path: Path) -> list[int]:
    """The line number of each record of a JSONL file (blank lines hold none)."""
    numbers = []
    with path.open("rb") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                numbers.append(n)
    return numbers


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
