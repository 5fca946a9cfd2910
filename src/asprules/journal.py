"""Durable event history for long-lived state (incident timelines): an append-only JSONL
journal and atomic checkpoints, as plain JSON.

Nothing here knows what an event means or which engine folds them; the timeline rebuilds
its state by folding the journal again (or a checkpoint plus the events after it), so the
format outlives any backend. Each journal line is flushed and fsynced before the caller
learns the event's outcome: an event whose outcome was returned survives a crash. A
process killed in the middle of writing leaves at most a torn last line without its
newline; reading skips it (that event was never acknowledged). Any other unreadable line
is a :class:`~asprules.errors.FactError` naming the file and line.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

from .errors import FactError, Problem

CHECKPOINT_FORMAT = 1


class EventJournal:
    """Appends one JSON object a line to ``path`` (created if absent)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 — held open for the journal's life

    def append(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> EventJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_journal(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, record)`` for every complete line of the journal at ``path``."""
    p = Path(path)
    if not p.exists():
        return
    text = p.read_text(encoding="utf-8")
    lines = text.split("\n")
    complete = lines[:-1]  # the text after the last newline is a torn write (or empty)
    for n, line in enumerate(complete, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FactError(f"{p}:{n}: not a journal record", [Problem(str(exc), file=str(p), line=n)]) from None
        if not isinstance(record, dict):
            raise FactError(f"{p}:{n}: not a journal record", [Problem("a journal line is a JSON object", file=str(p), line=n)])
        yield n, record


def write_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically (a crash leaves the old checkpoint or the new)."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"format": CHECKPOINT_FORMAT, **state}, f, ensure_ascii=False, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, p)


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        state = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise FactError(f"{p}: unreadable checkpoint", [Problem(str(exc), file=str(p))]) from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise FactError(f"{p}: not a checkpoint", [Problem(f"expected format {CHECKPOINT_FORMAT}", file=str(p), path=("format",))])
    return state
