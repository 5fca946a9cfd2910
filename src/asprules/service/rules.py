"""The rules a service decides with, and their hot reload.

A :class:`Snapshot` is one loaded rulebook with what the service shows about it (its
OpenAPI document among them). :class:`RuleSource` holds the current snapshot and replaces
it whole: a reload loads, validates and compiles the rule files aside (the loader raises
on any problem in any file, and the generated grader is built at load), then swaps one
reference. A request reads that reference once and decides every fact of its body with
it, so no request sees half of a reload; a failed reload keeps the last good snapshot and
is reported (:attr:`RuleSource.last_reload`, the log, the metrics).

The watcher thread polls the rule files' size, mtime and inode (no extra package, and
cheap for the few dozen files a rules directory holds). A change is loaded once the files
have stood still for one poll, and a load during which the files changed again is thrown
away and retried, so that a rulebook is never built from files caught mid-copy. SIGHUP
asks for a reload at once, whatever the files' stat says.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from ..engine.rulebook import Rulebook
from ..errors import AspRulesError, Problem
from ..loader import RULE_SUFFIXES, bundled_rulesets, load_rulesets

log = logging.getLogger("asprules.service")

Fingerprint = tuple[tuple[Any, ...], ...]
# A load that keeps seeing the files change is given up after this many tries (and reported).
_LOAD_TRIES = 5


def fingerprint(paths: tuple[Path, ...]) -> Fingerprint:
    """What the poll compares: each rule file's path, size, mtime and inode (a missing path too)."""
    out: list[tuple[Any, ...]] = []
    for root in paths:
        files = sorted(f for f in root.rglob("*") if f.suffix in RULE_SUFFIXES) if root.is_dir() else [root]
        for f in files:
            try:
                st = f.stat()
            except OSError:
                out.append((str(f), "missing"))
                continue
            if st.st_mode & 0o170000 == 0o100000:  # regular files (a directory named x.yaml is not a rule file)
                out.append((str(f), st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(out)


@dataclass(frozen=True)
class Snapshot:
    """One loaded rulebook, as a service serves it."""

    rules: Rulebook
    generation: int  # 1 for the rules loaded at start, +1 for each reload that swapped
    loaded_at: datetime
    fingerprint: Fingerprint
    extras: dict[str, Any] = field(default_factory=dict, compare=False)  # derived views, built once (openapi)

    def rulesets(self) -> list[dict[str, Any]]:
        """The decision rulesets served: kind, id, version, sha256 and the fact schema they decide on."""
        served = [("grading", e) for e in self.rules.gradings.values()]
        if self.rules.authorization is not None:
            served.append(("authorization", self.rules.authorization))
        out = []
        for kind, evaluator in served:
            schema = evaluator.ctx.schema
            out.append({"kind": kind, **evaluator.ref.to_json(), "facts": schema.id if schema else None})
        return out


@dataclass(frozen=True)
class ReloadResult:
    """What the last reload did: when, why, whether it swapped, and its error if it failed."""

    at: datetime
    reason: str
    ok: bool
    error: AspRulesError | None = None
    prints: Fingerprint = field(default=(), compare=False, repr=False)  # of the files this reload read

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "reason": self.reason,
            "ok": self.ok,
            "error": None if self.error is None else self.error.to_json(),
        }


class RuleSource:
    """The current snapshot of the rules loaded from ``paths`` (none: the bundled rulesets).

    The first load happens here and raises :class:`~asprules.errors.RulesetError` like
    :func:`~asprules.loader.load_rulesets`: a service does not start without good rules.
    ``prepare`` derives per-snapshot views (it runs aside, before the swap);
    ``on_reload`` hears every reload's result.
    """

    def __init__(
        self,
        paths: tuple[str | Path, ...] = (),
        *,
        prepare: Callable[[Snapshot], None] | None = None,
        on_reload: Callable[[RuleSource, ReloadResult], None] | None = None,
        now: Callable[[], datetime] | None = None,
    ):
        self.paths = tuple(Path(p) for p in paths) or (bundled_rulesets(),)
        self._given = tuple(paths)
        self._prepare = prepare or (lambda snapshot: None)
        self._on_reload = on_reload or (lambda source, result: None)
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._reload_lock = threading.Lock()
        self._wake = threading.Event()
        self._forced: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        before = fingerprint(self.paths)
        self.current: Snapshot = self._snapshot(load_rulesets(*self._given), 1, before)
        self.last_reload: ReloadResult | None = None

    @property
    def stale(self) -> bool:
        """True when the last reload failed, so older rules than the files hold are served."""
        return self.last_reload is not None and not self.last_reload.ok

    def _snapshot(self, rules: Rulebook, generation: int, prints: Fingerprint) -> Snapshot:
        snapshot = Snapshot(rules, generation, self._now(), prints)
        self._prepare(snapshot)
        return snapshot

    def reload(self, reason: str = "requested") -> ReloadResult:
        """Load the files again and swap them in if they are good; one reload at a time."""
        with self._reload_lock:
            result = self._reload(reason)
            self.last_reload = result
        self._on_reload(self, result)
        return result

    def _reload(self, reason: str) -> ReloadResult:
        error: AspRulesError | None = None
        for _ in range(_LOAD_TRIES):
            before = fingerprint(self.paths)
            try:
                rules = load_rulesets(*self._given)
                snapshot = self._snapshot(rules, self.current.generation + 1, before)
            except AspRulesError as exc:
                error = exc
            except Exception as exc:  # a bug in a stage below; the old rules keep serving
                log.exception("reload (%s) raised an internal error", reason)
                error = AspRulesError("internal error while loading the rules; please report it", [Problem(f"{type(exc).__name__}: {exc}")])
            else:
                if fingerprint(self.paths) != before:  # files changed while they were read: read them again
                    error = AspRulesError("the rule files kept changing while they were loaded", [])
                    time.sleep(0.05)
                    continue
                self.current = snapshot  # the swap: one reference, read once per request
                return ReloadResult(self._now(), reason, True, prints=before)
            if fingerprint(self.paths) == before:  # a real problem in files that stand still
                break
        return ReloadResult(self._now(), reason, False, error, prints=before)

    # -- watching ----------------------------------------------------------------------

    def request_reload(self, reason: str = "SIGHUP") -> None:
        """Ask the watcher thread to reload now (safe from a signal handler)."""
        self._forced = reason
        self._wake.set()

    def start(self, interval: float) -> None:
        """Start the watcher: it polls every ``interval`` seconds (0: only on request)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, args=(interval,), name="asprules-rules-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _watch(self, interval: float) -> None:
        seen = self.current.fingerprint
        while not self._stop.is_set():
            self._wake.wait(interval if interval > 0 else None)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                if self._forced is not None:
                    reason, self._forced = self._forced, None
                    seen = self.reload(reason).prints
                    continue
                now = fingerprint(self.paths)
                if interval > 0 and now != seen:
                    self._settled(now, interval)
                    seen = self.reload("rules changed").prints
            except Exception:  # the watcher must outlive anything a reload hook does
                log.exception("the rules watcher hit an internal error; it keeps watching")

    def _settled(self, prints: Fingerprint, interval: float) -> Fingerprint:
        """Wait until the files stand still for one poll (at most ten polls) and return their print."""
        for _ in range(10):
            if self._stop.wait(min(interval, 1.0)):
                break
            again = fingerprint(self.paths)
            if again == prints:
                break
            prints = again
        return prints
