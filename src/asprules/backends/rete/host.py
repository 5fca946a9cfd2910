"""A private durable-rules ``Host`` per compiled ruleset, and the one place that talks to it.

Why not ``durable.lang``: it keeps one module-level host, created lazily, which races
when first used from several threads, and its rulesets can never be replaced. Here each
compiled ruleset gets its own Host, created eagerly under a lock, holding one ruleset
named by the hash of its JSON. The Host's two polling threads are not started: asprules
uses no durable timers (time is logical, carried in the facts), and a background
dispatcher could run an action for a state the caller is still processing.

durable reports a failing action only in the state (``state['exception']``) and an
unmatched message as an exception; both are turned into asprules' own outcomes here.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import threading
from decimal import Decimal
from functools import lru_cache
from types import ModuleType
from typing import Any, Callable

from ...errors import BackendUnavailable, EvaluationError, Problem
from ...i18n import hints

Action = Callable[[Any], None]


def durable_engine() -> ModuleType:
    """``durable.engine``, or :class:`BackendUnavailable` saying why it cannot be imported."""
    try:
        return importlib.import_module("durable.engine")
    except Exception as exc:  # ImportError, or an undefined symbol in the C core (CPython 3.13)
        raise BackendUnavailable(
            "the rete backend and incident timelines need durable-rules, which cannot be imported here",
            [Problem(f"import durable.engine failed: {type(exc).__name__}: {exc}", code="rete_missing")],
            **hints("hint.rete_missing"),
        ) from None


@lru_cache(maxsize=1)
def _host_class() -> type:
    engine = durable_engine()

    class QuietHost(engine.Host):  # type: ignore[name-defined,misc]
        def _run(self) -> None:
            """No polling threads: see the module docstring."""

    return QuietHost


def ruleset_name(kind: str, rules: dict[str, Any], salt: str = "") -> str:
    blob = json.dumps(rules, sort_keys=True, ensure_ascii=False) + salt
    return f"asprules-{kind}-{hashlib.sha256(blob.encode()).hexdigest()[:20]}"


SEEN = "asprules:seen"

# durable-rules 2.0.28 kills the process (segmentation fault) on some facts once a ruleset
# holds about 70 rules with distinct conditions; 66 held over 3,000 random facts and 72
# crashed (synthetic threshold tables, measured 2026-11-28). A crash cannot be caught, so
# larger rulesets are refused before durable sees them, with margin below the measured edge.
MAX_RULES = 60

# durable-rules 2.0.28 refuses a rule whose expression holds more than 15 sub-expressions
# (`$and`/`$or` nodes, the outermost included) with "Could not create ruleset, error code:
# 113"; 15 loaded and 16 failed, nested or side by side (measured 2026-12-01). Counted here,
# so the refusal names the rule and says what to do instead of leaking durable's code.
MAX_SUBEXPRESSIONS = 15


# And it hangs (or crashes) creating a ruleset of more than about 513 tests in all (`{a: 1}`,
# `$gte`, `$ex`…, over all its rules): 513 loaded, 514 never returned, in one rule or spread
# over two or five (measured 2026-12-01). asprules accepts at most MAX_TERMS.
MAX_TERMS = 480


def subexpressions(expression: Any) -> tuple[int, int]:
    """The ``$and``/``$or`` nodes and the tests in a durable expression (no recursion)."""
    nodes, terms, stack = 0, 0, [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("$and", "$or"):
                    nodes += 1
                    stack += value
                else:
                    terms += 1
    return nodes, terms


def _seen(c: Any) -> None:
    c.s.seen = True


def recorder(rule: str) -> Action:
    """The action for a rule: note in the state that it fired (durable returns no values)."""

    def record(c: Any) -> None:
        c.s.hits = (c.s.hits or []) + [rule]

    return record


class ReteSession:
    """One durable ruleset in its own Host. Thread-safe: calls are serialized per ruleset."""

    def __init__(self, name: str, rules: dict[str, dict[str, Any]], actions: dict[str, Action] | None = None):
        self.name = name
        self._engine = durable_engine()
        if len(rules) > MAX_RULES:
            raise BackendUnavailable(
                f"the rete backend cannot hold this ruleset: it compiles to {len(rules)} Rete rules",
                [
                    Problem(f"durable-rules crashes the process on rulesets above about 70 rules; asprules accepts at most {MAX_RULES}"),
                    Problem("use backend='compiled', which has no such limit and decides the same way"),
                ],
            )
        sizes = {rule: subexpressions(expression) for rule, expression in rules.items()}
        crowded = {rule: n for rule, (n, _) in sizes.items() if n > MAX_SUBEXPRESSIONS}
        terms = sum(t for _, t in sizes.values())
        if terms > MAX_TERMS:
            raise BackendUnavailable(
                f"the rete backend cannot hold this ruleset: its conditions compile to {terms} tests",
                [
                    Problem(f"durable-rules hangs on rulesets above about 513 tests (each compared value, each `in` member); asprules accepts at most {MAX_TERMS}"),
                    Problem("use backend='compiled', which has no such limit and decides the same way"),
                ],
            )
        if crowded:
            raise BackendUnavailable(
                "the rete backend cannot hold this ruleset: a condition is too complex for durable-rules",
                [
                    Problem(f"{rule} compiles to {n} sub-expressions (all/any combinations); durable-rules accepts at most {MAX_SUBEXPRESSIONS} per rule")
                    for rule, n in sorted(crowded.items())
                ]
                + [Problem("use backend='compiled', which has no such limit and decides the same way")],
            )
        definitions = {
            rule: {"all": [{"m": expression}], "run": (actions or {}).get(rule) or recorder(rule)}
            for rule, expression in rules.items()
        }
        # Every fact is handled by this rule, so a state always exists to delete: durable
        # may crash deleting the state of a fact no rule handled.
        definitions[SEEN] = {"all": [{"m": {"x_fact": 1}}], "run": _seen}
        with _CREATE:
            self._host = _host_class()()
            self._host.set_rulesets({name: definitions})
            self._ruleset = self._host.get_ruleset(name)
        self._lock = threading.Lock()
        self._sids = itertools.count()

    def match_once(self, fact: dict[str, Any]) -> frozenset[str]:
        """Assert ``fact`` in a fresh state, return the rules that fired, delete the state."""
        with self._lock:
            sid = f"e{next(self._sids)}"
            try:
                state = self.assert_fact(sid, fact)
            except BaseException:
                if self._exists(sid):  # a fact durable rejected may leave no state to delete
                    self.delete_state(sid)
                raise
            self.delete_state(sid)
        return frozenset(state.get("hits") or ())

    def assert_fact(self, sid: str, fact: dict[str, Any]) -> dict[str, Any]:
        """Assert into state ``sid``; the state after every triggered action has run.

        A fact no rule matches leaves the state as it was (a defined "no change")."""
        try:
            state = self._host._handle_function(self._ruleset, self._assert_text, dumps({**fact, "sid": sid}), None)
        except self._engine.MessageNotHandledException:
            return self.state(sid)
        except self._engine.MessageObservedException:
            return self.state(sid)
        except Exception as exc:
            raise EvaluationError(f"the rete engine rejected a fact for {self.name}", [Problem(str(exc))]) from None
        return self._checked(state) if state else self.state(sid)

    def _assert_text(self, text: str) -> Any:
        # Host.assert_fact would json.dumps the fact itself; see dumps() for why not
        return self._ruleset._handle_result(_core().assert_fact(self._ruleset._handle, text), text)

    def _retract_text(self, text: str) -> Any:
        return self._ruleset._handle_result(_core().retract_fact(self._ruleset._handle, text), text)

    def retract_fact(self, sid: str, fact: dict[str, Any]) -> dict[str, Any]:
        try:
            state = self._host._handle_function(self._ruleset, self._retract_text, dumps({**fact, "sid": sid}), None)
        except self._engine.MessageNotHandledException:
            return self.state(sid)
        except Exception as exc:
            raise EvaluationError(f"the rete engine could not retract a fact for {self.name}", [Problem(str(exc))]) from None
        return self._checked(state) if state else self.state(sid)

    def state(self, sid: str) -> dict[str, Any]:
        try:
            return self._checked(self._host.get_state(self.name, sid))
        except EvaluationError:
            raise
        except Exception:  # durable raises a bare engine error for a state never created
            return {}

    def _exists(self, sid: str) -> bool:
        try:
            self._host.get_state(self.name, sid)
        except Exception:
            return False
        return True

    def delete_state(self, sid: str) -> None:
        try:
            self._host.delete_state(self.name, sid)
        except Exception:  # a state that was never created: nothing to clean up
            pass

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    def _checked(self, state: dict[str, Any] | None) -> dict[str, Any]:
        state = state or {}
        failure = state.get("exception")
        if failure:
            raise EvaluationError(f"a rule action failed in {self.name}", [Problem(str(failure).split(", traceback")[0])])
        return state


_CREATE = threading.Lock()


def _core() -> ModuleType:
    return importlib.import_module("durable_rules_engine")


def number_text(x: float) -> str:
    text = repr(x)
    return format(Decimal(x), "f") if ("e" in text or "E" in text) else text


def _needs_exponent(x: Any) -> bool:
    return isinstance(x, float) and x != 0 and not (1e-4 <= abs(x) < 1e16)


def dumps(value: Any) -> str:
    """JSON with every number in plain decimal notation: durable's reader rejects exponents
    (``1e-05``), which ``json.dumps`` writes for small and large floats. The decimal
    expansion of a float is exact, so durable reads back the very same double."""
    if isinstance(value, dict) and not any(_needs_exponent(v) or isinstance(v, (dict, list, tuple)) for v in value.values()):
        return json.dumps(value, ensure_ascii=False)  # the common case: a flat fact, one call
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(dumps(v) for v in value) + "]"
    if isinstance(value, float):
        return number_text(value)
    return json.dumps(value, ensure_ascii=False)
