"""What ``asprules serve`` does, apart from HTTP: read a request body, decide, answer.

Everything here is synchronous and runs in a worker thread (the HTTP layer in
:mod:`asprules.service.app` hands it there), so JSON parsing, validation, evaluation, the
decision log and the answer's serialization never block the event loop.

The body of an answer is built by one function, :func:`asprules.cli.decide.decision_payload`
(the fact's id and the decision's ``to_json()``), the same the CLI prints with
``--format json``: the service's contract is the CLI's.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Mapping

from ..audit import DecisionLog
from ..cli.decide import decision_payload
from ..decide import authorize, fact_parser, grade
from ..engine.decisions import AuthorizationDecision, GradeDecision, RulesetRef
from ..engine.rulebook import Rulebook
from .. import i18n
from ..errors import AspRulesError, BackendUnavailable, EvaluationError, FactError, Problem, RulesetError
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, LocalValueError, Said, problem, problem_of, said
from ..source import MAX_DEPTH
from .metrics import Metrics, service_metrics
from .openapi import openapi_document
from .rules import ReloadResult, RuleSource, Snapshot

log = logging.getLogger("asprules.service")

Kind = Literal["grade", "authorize"]
DEFAULT_MAX_BODY = 1 << 20  # bytes: a thousand tickets of a kilobyte each
DEFAULT_MAX_BATCH = 1000
DEFAULT_WATCH = 2.0  # seconds between polls of the rule files


class RequestError(AspRulesError):
    """A request refused before any decision, with its HTTP status (400, 401, 404, 405, 413).
    A summary made with :func:`~asprules.i18n.said` (``summary.<key>``) keeps its key, so
    the body can be rendered in the request's language."""

    def __init__(self, status: int, error: str, summary: str, problems: tuple[Problem, ...] | list[Problem] = ()):
        self.status = status
        self.error = error
        code, params = (summary.code, summary.params) if isinstance(summary, Said) else (None, ())
        super().__init__(str(summary), problems, code=code, params=params)  # type: ignore[arg-type]

    def to_json(self) -> dict:
        return {**super().to_json(), "error": self.error}


def refused(status: int, error: str, key: str, problems: tuple[Problem, ...] | list[Problem] = (), /, **params: Any) -> RequestError:
    """A :class:`RequestError` whose summary is the catalog entry ``summary.<key>``."""
    return RequestError(status, error, said(f"summary.{key}", **params), problems)


def language(query: Mapping[str, str], accept: str | None) -> tuple[str, RequestError | None]:
    """The language of a request's answer, and the error to answer instead, if any.

    ``?lang=en|zh`` wins; else the first supported language of ``Accept-Language`` by its
    quality values (``zh-CN,zh;q=0.9,en;q=0.8`` → ``zh``); else English. An unsupported
    ``lang=`` is refused (400, in the language ``Accept-Language`` asks for); an
    ``Accept-Language`` naming none of ours is a preference, not an error: English.
    """
    preferred = _accepted(accept or "")
    asked = query.get("lang")
    if asked is None:
        return preferred, None
    if asked in LANGUAGES:
        return asked, None
    return preferred, refused(400, "BadRequest", "unsupported_language", [problem("choose_one", ("lang",), choices=", ".join(LANGUAGES))], lang=asked)


def _accepted(header: str) -> str:
    """The first of our languages an ``Accept-Language`` header ranks, by quality (RFC 9110 §12.5.4)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:32]):
        tag, _, rest = item.strip().partition(";")
        quality = 1.0
        weight = rest.strip()
        if weight.startswith("q="):
            try:
                quality = float(weight[2:])
            except ValueError:
                continue
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


# The HTTP status of each error a decision can raise: the fact is wrong (422), the rules
# cannot decide it (422: the same fact fails every time), the kind is not served (404).
STATUS: dict[type[AspRulesError], int] = {FactError: 422, EvaluationError: 422, RulesetError: 404, BackendUnavailable: 501}


def status_of(exc: AspRulesError) -> int:
    if isinstance(exc, RequestError):
        return exc.status
    for kind, status in STATUS.items():
        if isinstance(exc, kind):
            return status
    return 400


def _no_constant(name: str) -> Any:
    raise LocalValueError("not_json_number", name=name)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise LocalValueError("duplicate_key", key=repr(key))
        out[key] = value
    return out


def parse_json(body: bytes) -> Any:
    """The request body as JSON; strict: UTF-8, no NaN or Infinity, no key given twice."""
    if not body.strip():
        raise refused(400, "BadRequest", "empty_body", [problem("send_fact_or_batch")])
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError as exc:
        raise refused(400, "BadRequest", "body_not_utf8", [problem("undecodable_byte", start=exc.start, reason=exc.reason)]) from None
    except json.JSONDecodeError as exc:
        raise refused(400, "BadRequest", "body_not_json", [_json_problem(exc)]) from None
    except ValueError as exc:  # our hooks, and integers past Python's 4,300 digits (its own words)
        shown = problem_of(exc) if isinstance(exc, LocalValueError) else problem("parser_said", message=str(exc))
        raise refused(400, "BadRequest", "body_not_acceptable", [shown]) from None
    except RecursionError:  # CPython 3.11's parser, past its recursion limit
        raise _too_deep() from None
    if _depth_over(data, MAX_DEPTH):
        raise _too_deep()
    return data


def _too_deep() -> RequestError:
    return refused(400, "BadRequest", "body_too_deep", [problem("nested_deeper", limit=MAX_DEPTH)])


def _depth_over(data: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` (iterative: no recursion to
    run out of). CPython 3.13's parser reaches thousands of levels where 3.11's stops near
    one thousand, so the cap is ours, the same on every Python and the same as the reader's."""
    level: list[tuple[Any, int]] = [(data, 1)]
    while level:
        node, depth = level.pop()
        if isinstance(node, dict):
            node = list(node.values())
        elif not isinstance(node, list):
            continue
        if depth > limit:
            return True
        level.extend((child, depth + 1) for child in node if isinstance(child, (dict, list)))
    return False


def _json_problem(exc: json.JSONDecodeError) -> Problem:
    """Where the JSON stops parsing, counted by us: CPython 3.13 reports a trailing comma
    at the comma ("Illegal trailing comma before end of object"), 3.11 at the bracket after
    it ("Expecting property name enclosed in double quotes"); both are told as the bracket."""
    text, pos, message = exc.doc, exc.pos, exc.msg
    if message.startswith("Illegal trailing comma") and text[pos : pos + 1] == ",":
        after = pos + 1
        while after < len(text) and text[after] in " \t\r\n":
            after += 1
        pos = after
    before = pos - 1
    while before >= 0 and text[before] in " \t\r\n":
        before -= 1
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    if text[pos : pos + 1] in ("}", "]") and before >= 0 and text[before] == ",":
        return problem("trailing_comma", line=line, column=column, bracket=text[pos])
    return problem("json_syntax", line=line, column=column, message=message)


def load_tokens(file: str | None, env: str | None) -> frozenset[str]:
    """Bearer tokens from a file (one a line; blank lines and ``#`` comments skipped) and/or
    an environment variable (separated by whitespace or commas). Configured but empty is an
    error: a service told to check tokens must not let everyone in, nor no one silently."""
    tokens: set[str] = set()
    if file is not None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            raise i18n.error(AspRulesError, "cannot_read_tokens", [i18n.os_problem(exc, file=file)], file=file) from None
        except UnicodeDecodeError as exc:
            reason = problem("undecodable_byte", file=file, start=exc.start, reason=exc.reason)
            raise i18n.error(AspRulesError, "cannot_read_tokens", [reason], file=file) from None
        tokens |= {line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")}
        if not tokens:
            raise i18n.error(AspRulesError, "no_token_in_file", [problem("one_token_a_line", file=file)], file=file)
    if env is not None:
        value = os.environ.get(env)
        if not value or not value.replace(",", " ").split():
            raise i18n.error(AspRulesError, "no_token_in_env", [problem("set_tokens", env=env)], env=env)
        tokens |= set(value.replace(",", " ").split())
    return frozenset(tokens)


@dataclass(frozen=True)
class ServiceConfig:
    """How a service runs. ``rules``: rule files or directories (none: the bundled rulesets)."""

    rules: tuple[str, ...] = ()
    token_file: str | None = None
    token_env: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    max_batch: int = DEFAULT_MAX_BATCH
    watch: float = DEFAULT_WATCH  # seconds between polls of the rule files; 0: reload on SIGHUP only
    log: str | None = None  # the JSONL decision log
    log_mask: tuple[str, ...] = ()
    log_fsync: bool = False
    lang: str = DEFAULT_LANGUAGE  # the language of the service's own log lines (answers follow each request's)

    @property
    def auth(self) -> bool:
        return self.token_file is not None or self.token_env is not None


@dataclass
class Answer:
    """A decided request: the JSON body, the ruleset it was decided with, the decisions."""

    body: bytes
    ruleset: RulesetRef
    decisions: list[GradeDecision | AuthorizationDecision] = field(default_factory=list)
    decision_ids: list[str] = field(default_factory=list)


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Service:
    """The rules, tokens, decision log and metrics of one running service."""

    def __init__(self, config: ServiceConfig):
        self.config = config
        self.metrics: Metrics = service_metrics()
        self.tokens = load_tokens(config.token_file, config.token_env) if config.auth else frozenset()
        self.log = DecisionLog(config.log, mask=config.log_mask, fsync=config.log_fsync) if config.log else None

        def prepare(snapshot: Snapshot) -> None:
            snapshot.extras["openapi"] = openapi_document(snapshot, config)

        self.source = RuleSource(config.rules, prepare=prepare, on_reload=self._reloaded)
        self._show(self.source.current)

    # -- rules ---------------------------------------------------------------------------

    def _show(self, snapshot: Snapshot) -> None:
        self.metrics.replace(
            "asprules_ruleset_info",
            [({"kind": r["kind"], "id": r["id"], "version": r["version"] or "", "sha256": r["sha256"]}, 1) for r in snapshot.rulesets()],
        )
        self.metrics.set("asprules_rules_loaded_timestamp_seconds", snapshot.loaded_at.timestamp())

    def _reloaded(self, source: RuleSource, result: ReloadResult) -> None:
        lang = self.config.lang
        shown = ", ".join(f"{r['kind']} {r['id']}@{r['sha256'][:12]}" for r in source.current.rulesets())
        if result.ok:
            self.metrics.inc("asprules_reloads_total")
            self.metrics.set("asprules_rules_stale", 0)
            self._show(source.current)
            log.info("%s", i18n.text("serve.reloaded", lang, reason=result.reason, generation=source.current.generation, serving=shown))
        else:
            self.metrics.inc("asprules_reload_failures_total")
            self.metrics.set("asprules_rules_stale", 1)
            error = result.error
            problems = "; ".join(i18n.problem_text(p, lang) for p in error.problems[:20]) if error else ""
            summary = (i18n.summary_text(error, lang) if error else "") + (f": {problems}" if problems else "")
            log.error("%s", i18n.text("serve.reload_failed", lang, reason=result.reason, error=summary, generation=source.current.generation, serving=shown))
        if result.reason == "SIGHUP" and self.config.auth:  # token rotation: SIGHUP rereads them too
            try:
                self.tokens = load_tokens(self.config.token_file, self.config.token_env)
            except AspRulesError as exc:
                shown = "; ".join([i18n.summary_text(exc, lang), *(i18n.problem_text(p, lang) for p in exc.problems)])
                log.error("%s", i18n.text("serve.kept_tokens", lang, error=shown))

    def authorized(self, header: str | None) -> bool:
        """Whether an ``Authorization`` header carries a known bearer token (always, without tokens)."""
        if not self.tokens:
            return True
        scheme, _, credentials = (header or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():  # the scheme is case-insensitive (RFC 9110)
            return False
        given = credentials.strip().encode("utf-8")
        found = False
        for token in self.tokens:  # compare with every token, in constant time each
            found |= hmac.compare_digest(given, token.encode("utf-8"))
        return found

    # -- deciding --------------------------------------------------------------------------

    def decide(self, kind: Kind, body: bytes, query: Mapping[str, str], lang: str = DEFAULT_LANGUAGE) -> Answer:
        """Decide one fact (a JSON object) or a batch (a JSON array) with the current rules;
        the decisions' texts in ``lang`` (the request's ``lang=``, see :func:`language`).

        A batch is all or nothing: every fact is validated before any is decided, a bad one
        refuses the whole batch with every problem of every fact (paths start with its
        index), and only a batch wholly decided is written to the decision log.
        """
        snapshot = self.source.current  # read once: every fact of this request sees the same rules
        rules = snapshot.rules
        options = self._options(kind, query, rules)
        evaluator = rules.decision(options["decision"]) if kind == "grade" else rules.authorization
        if evaluator is None:
            served = ", ".join(r["id"] for r in snapshot.rulesets()) or "—"
            raise i18n.error(RulesetError, "no_authorization_served", [problem("service_serves", ids=served)])
        data = parse_json(body)
        parse = fact_parser(evaluator)
        if isinstance(data, dict):
            fact = parse(data)
            decision = self._decide(kind, fact, rules, options)
            ids = [self.log.record(fact, decision)] if self.log else []
            return Answer(dumps(decision_payload(fact, decision, lang)), decision.ruleset, [decision], ids)
        if not isinstance(data, list):
            raise refused(400, "BadRequest", "not_fact_or_batch", [problem("got_json_type", type=type(data).__name__)])
        if len(data) > self.config.max_batch:
            raise refused(413, "PayloadTooLarge", "batch_too_large", [problem("at_most_facts", limit=self.config.max_batch)], count=len(data))
        facts, problems = [], []
        for index, item in enumerate(data):
            try:
                facts.append(parse(item))
            except FactError as exc:
                problems += [replace(p, path=(index, *p.path)) for p in exc.problems]
        if problems:
            raise i18n.error(FactError, "invalid_batch", problems, bad=len({p.path[0] for p in problems}), total=len(data))
        decisions = []
        for index, fact in enumerate(facts):
            try:
                decisions.append(self._decide(kind, fact, rules, options))
            except EvaluationError as exc:
                inner = i18n.worded(lambda lang, exc=exc: i18n.summary_text(exc, lang))
                placed = [replace(p, path=(index, *p.path)) for p in exc.problems]
                raise i18n.error(EvaluationError, "fact_in_batch", placed, index=index, summary=inner) from None
        ids = [self.log.record(f, d) for f, d in zip(facts, decisions)] if self.log else []
        body_out = dumps({"decisions": [decision_payload(f, d, lang) for f, d in zip(facts, decisions)]})
        return Answer(body_out, evaluator.ref, decisions, ids)

    def _options(self, kind: Kind, query: Mapping[str, str], rules: Rulebook) -> dict[str, Any]:
        """The keyword arguments of ``grade``/``authorize`` that the query string asks for.

        ``decision=`` names the grading decision (a grading ruleset's id; needed when
        several are loaded). ``at=`` is an authorization's evaluation time (ISO 8601 with an
        offset; default: the operation's scheduled start). ``lang=`` is the answer's
        language (read by :func:`language`). Any other parameter is refused, so a typo
        cannot be silently ignored.
        """
        known = {"grade": {"decision", "lang"}, "authorize": {"at", "lang"}}[kind]
        unknown = sorted(set(query) - known)
        if unknown:
            takes = ", ".join(sorted(known))
            raise refused(400, "BadRequest", "unknown_query", [problem("route_takes", (name,), kind=kind, names=takes) for name in unknown],
                          names=", ".join(unknown), plural="s" if len(unknown) > 1 else "")
        if kind == "grade":
            decision = query.get("decision")
            if decision is None and len(rules.gradings) > 1:
                raise refused(400, "BadRequest", "several_gradings_served", [problem("choose_one", ("decision",), choices=", ".join(rules.gradings))])
            if decision is not None and decision not in rules.gradings:
                raise refused(404, "NotFound", "unknown_grading_decision",
                              [problem("served_decisions", ("decision",), ids=", ".join(rules.gradings) or "—")], decision=decision)
            return {"decision": decision}
        return {"at": query["at"]} if "at" in query else {}

    @staticmethod
    def _decide(kind: Kind, fact: Any, rules: Any, options: dict[str, Any]) -> GradeDecision | AuthorizationDecision:
        return grade(fact, rules, **options) if kind == "grade" else authorize(fact, rules, **options)

    def count(self, kind: Kind, answer: Answer) -> None:
        for decision in answer.decisions:
            outcome = decision.level if isinstance(decision, GradeDecision) else decision.status
            self.metrics.inc("asprules_decisions_total", kind=kind, outcome=outcome)

    # -- what the service shows --------------------------------------------------------------

    def rulesets(self) -> dict[str, Any]:
        snapshot = self.source.current
        rules = snapshot.rules
        return {
            "rulesets": snapshot.rulesets(),
            "fact_schemas": sorted({d.schema.id for d in rules.documents if d.schema is not None}),
            "files": list(rules.files),
            "generation": snapshot.generation,
            "loaded_at": snapshot.loaded_at.isoformat(),
        }

    def readiness(self) -> dict[str, Any]:
        snapshot = self.source.current
        last = self.source.last_reload
        return {
            "status": "stale" if self.source.stale else "ready",
            "generation": snapshot.generation,
            "loaded_at": snapshot.loaded_at.isoformat(),
            "rulesets": snapshot.rulesets(),
            "last_reload": None if last is None else last.to_json(),
        }

    def close(self) -> None:
        self.source.stop()
        if self.log is not None:
            self.log.close()
