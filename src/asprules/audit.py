"""The decision log: an append-only JSONL audit trail of decisions.

One line per decision: a decision id, when it was logged, which ruleset decided (id,
version, sha256), the sha256 of the input (of its canonical JSON: keys sorted, no
spaces, taken before masking), the input with named fields masked, and the decision's
JSON. Logging is I/O and reads the wall clock, so it lives
here, outside evaluation: the engine stays pure and a decision is the same whether or not
it was logged.

Each line is written with one ``write`` under a lock and flushed at once, so threads may
share one log and a crash loses at most the line being written. The file is opened for
appending (``O_APPEND``), so two processes appending to one file do not overwrite each
other's lines.

    log = DecisionLog("decisions.jsonl", mask=("engineer.name", "approvals.by"))
    decision = asprules.authorize(op, rules)
    log.record(op, decision)
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Mapping

from pydantic import BaseModel

from .engine.decisions import AuthorizationDecision, GradeDecision
from . import i18n
from .errors import AspRulesError, Problem
from .source import content_hash

MASK = "[masked]"


def _plain(fact: Mapping[str, Any] | BaseModel) -> Any:
    if isinstance(fact, BaseModel):
        return fact.model_dump(mode="json", exclude_none=True)
    return json.loads(json.dumps(fact, default=str))


def mask_fields(data: Any, paths: Iterable[str]) -> Any:
    """A copy of ``data`` with each dotted path's value replaced by ``[masked]``.

    A path runs through lists: ``approvals.by`` masks the ``by`` of every approval.
    A path that the data does not have is passed over: the log masks what is there.
    """
    out = json.loads(json.dumps(data))
    for path in paths:
        _mask(out, path.split("."))
    return out


def _mask(node: Any, parts: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _mask(item, parts)
    elif isinstance(node, dict) and parts[0] in node:
        if len(parts) == 1:
            node[parts[0]] = MASK
        else:
            _mask(node[parts[0]], parts[1:])


def _kind(decision: GradeDecision | AuthorizationDecision) -> str:
    return "grade" if isinstance(decision, GradeDecision) else "authorize"


class DecisionLog:
    """Appends one JSON line per decision to a file; safe to share between threads.

    ``mask`` names input fields (dotted paths) whose values the log must not hold; the
    input sha256 is taken before masking, so an auditor holding the original ticket can
    still prove it is the one decided. ``now`` is the clock of the ``logged_at`` stamp
    (the wall clock in UTC unless a test gives its own). ``fsync=True`` also asks the
    operating system to put each line on disk, at a cost per decision.
    """

    def __init__(
        self,
        target: str | Path | IO[str],
        *,
        mask: Iterable[str] = (),
        fsync: bool = False,
        now: Callable[[], datetime] | None = None,
    ):
        self.mask = tuple(mask)
        self._fsync = fsync
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()
        if isinstance(target, (str, Path)):
            try:
                self._file: IO[str] = open(target, "a", encoding="utf-8")
            except OSError as exc:
                raise i18n.error(
                    AspRulesError, "cannot_open_log", [i18n.problem("os_error", file=str(target), reason=exc.strerror or str(exc))], file=str(target)
                ) from None
            self._owned = True
        else:
            self._file, self._owned = target, False

    def entry(self, fact: Mapping[str, Any] | BaseModel, decision: GradeDecision | AuthorizationDecision) -> dict:
        """The line :meth:`record` would write, as a dict (with a fresh decision id)."""
        data = _plain(fact)
        return {
            "decision_id": uuid.uuid4().hex,
            "logged_at": self._now().isoformat(),
            "kind": _kind(decision),
            "ruleset": decision.ruleset.to_json(),
            "input_sha256": content_hash(data),
            "input": mask_fields(data, self.mask),
            "decision": decision.to_json(fact_id=data.get("id") if isinstance(data, dict) else None),
        }

    def record(self, fact: Mapping[str, Any] | BaseModel, decision: GradeDecision | AuthorizationDecision) -> str:
        """Append one line for ``decision`` made on ``fact``; returns its decision id."""
        line = self.entry(fact, decision)
        text = json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            self._file.write(text)
            self._file.flush()
            if self._fsync:
                os.fsync(self._file.fileno())
        return line["decision_id"]

    def close(self) -> None:
        with self._lock:
            if self._owned and not self._file.closed:
                self._file.close()

    def __enter__(self) -> DecisionLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
