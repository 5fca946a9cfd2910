"""Stage 1: YAML text → plain data with a source position for every key and item.

Only the YAML safe schema is accepted. Anchors and aliases are rejected outright: rule
files do not need them, and refusing them makes alias bombs ("billion laughs")
impossible instead of merely expensive. Nesting depth, node count and number length are
capped for the same reason: hostile input is refused in bounded time and memory. Duplicate keys, which PyYAML silently lets the
last one win, are reported because in a rule file they are always a mistake.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator

import yaml
from pydantic import ValidationError

from .errors import AspRulesError, Problem, ProblemList, RulesetError

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_NUMBER_CHARS = 64
MAX_NODES = 500_000  # a 10,000-row table of four-comparison rows has about 360,000; the shipped rulesets under 3,000

Position = tuple[int, int]  # 1-based line, column
SourcePath = tuple[str | int, ...]


@dataclass(frozen=True)
class SourceDocument:
    """A parsed YAML document: its data and where each part of it stands in the file."""

    file: str
    data: Any
    positions: dict[SourcePath, Position]

    def locate(self, path: SourcePath) -> Position | None:
        """Position of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return None
            path = path[:-1]

    def problem(self, path: SourcePath, message: str) -> Problem:
        pos = self.locate(path)
        line, col = pos if pos else (None, None)
        return Problem(message=message, path=tuple(path), file=self.file, line=line, column=col)

    def resolve_path(self, loc: tuple[Any, ...], missing: bool = False) -> SourcePath:
        """Map a pydantic error location onto this document's data.

        Pydantic puts union tags and type names into ``loc``; keep only the parts that
        really index the data, so the reported field is the one the author wrote.
        """
        node: Any = self.data
        out: list[str | int] = []
        for part in loc:
            if isinstance(node, dict) and part in node:
                out.append(part)
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                out.append(part)
                node = node[part]
            elif isinstance(node, dict) and isinstance(part, str) and part.rstrip("_") in node:
                # fields aliased around Python keywords: in_ ↔ in
                out.append(part.rstrip("_"))
                node = node[part.rstrip("_")]
            elif missing and part == loc[-1] and isinstance(node, dict):
                out.append(part)  # name the missing key even though the data lacks it
                break
        return tuple(out)

    @property
    def sha256(self) -> str:
        return content_hash(self.data)


def content_hash(data: Any) -> str:
    """Hash of the *meaning* of a document: comments and key order do not change it."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Rejected(Exception):
    def __init__(self, mark: yaml.Mark, message: str):
        self.mark = mark
        self.message = message


class _StrictComposition:
    """Composes nodes refusing anchors, aliases, nesting past ``MAX_DEPTH`` and more than
    ``MAX_NODES`` nodes — as they are met, so no bomb costs more than the cap."""

    _depth = 0
    _nodes = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Rejected(event.start_mark, "YAML anchors and aliases are not allowed in asprules files")
        if self._depth >= MAX_DEPTH:
            raise _Rejected(event.start_mark, f"nested deeper than {MAX_DEPTH} levels")
        self._nodes += 1
        if self._nodes > MAX_NODES:  # each node costs about half a kilobyte until converted
            raise _Rejected(event.start_mark, f"more than {MAX_NODES} YAML nodes (keys, values and items)")
        self._depth += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


if yaml.__with_libyaml__:
    # libyaml scans and parses; the Python composer above it keeps the checks and positions.
    # The pure-Python scanner is roughly ten times slower, which an 8 MB file makes visible.
    class _StrictComposer(_StrictComposition, yaml.composer.Composer, yaml.cyaml.CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):  # type: ignore[misc]
        def __init__(self, stream: str):
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class _StrictComposer(_StrictComposition, yaml.SafeLoader):  # type: ignore[no-redef]
        pass


# YAML 1.2 booleans only: under YAML 1.1 a level named `no` or a country code `NO`
# silently becomes False (the "Norway problem").
_StrictComposer.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictComposer.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _pos(mark: yaml.Mark) -> Position:
    return (mark.line + 1, mark.column + 1)


def parse_text(text: str, file: str = "<string>", error: type[AspRulesError] = RulesetError) -> SourceDocument:
    """Parse YAML (or JSON) text. Raises ``error`` naming file, line and column."""
    if len(text) > MAX_BYTES:
        raise error(f"{file}: file too large", [Problem(f"larger than {MAX_BYTES} bytes", file=file)])
    with paused_gc():
        return _parse_text(text, file, error)


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off for a while, as it was afterwards.

    Parsing, validating and compiling a large table allocate millions of small objects that
    are not cyclic garbage; each automatic collection rescans all of them (64 % of parse
    time, 40 % of loading a 10,000-row table). What is collectable is collected later.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_text(text: str, file: str, error: type[AspRulesError]) -> SourceDocument:
    positions: dict[SourcePath, Position] = {}
    problems = ProblemList()
    try:
        loader = _StrictComposer(text)  # the reader already refuses control characters here
        try:
            data = _Builder(loader, file, problems, positions).document()
        finally:
            loader.dispose()
    except _Rejected as exc:
        line, col = _pos(exc.mark)
        raise error(f"{file}: cannot parse", [Problem(exc.message, file=file, line=line, column=col)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _pos(mark) if mark else (None, None)
        msg = " ".join(str(x) for x in (exc.context, exc.problem) if x) or "invalid YAML"
        raise error(f"{file}: cannot parse", [Problem(msg, file=file, line=line, column=col)]) from None
    except yaml.YAMLError as exc:
        raise error(f"{file}: cannot parse", [Problem(str(exc), file=file)]) from None
    except UnicodeEncodeError as exc:  # a lone surrogate in text handed in as str
        raise error(f"{file}: cannot parse", [Problem(f"not valid Unicode text ({exc.reason} at {exc.start})", file=file)]) from None
    except RecursionError:
        raise error(f"{file}: cannot parse", [Problem("nested too deeply", file=file)]) from None
    problems.raise_if_any(error, f"{file}: cannot parse")
    return SourceDocument(file=file, data=data, positions=positions)


class _Builder:
    """Plain data and positions straight from the parser's events.

    The composer's node tree (a Python object per key, value and item, then walked again
    to convert it) was most of the load time of a large table; this reads each event
    once and keeps every check of :class:`_StrictComposition` and :func:`_convert`:
    anchors, aliases, depth, node count, safe tags, merge keys, text keys, duplicates,
    number length and bad scalars. Plain scalars repeat (``ge``, ``L1``, ``true``), so
    each distinct one is resolved and constructed once.
    """

    def __init__(self, loader, file: str, problems: ProblemList, positions: dict[SourcePath, Position]):
        self.loader = loader
        self.file = file
        self.problems = problems
        self.positions = positions
        self.nodes = 0
        self.scalars: dict[tuple[str, bool, str | None], tuple[str, Any]] = {}

    def document(self) -> Any:
        loader = self.loader
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return None
        loader.get_event()  # document start
        first = loader.peek_event()
        self.positions[()] = _pos(first.start_mark)
        data = self.value((), 0, self.problems, self.positions)
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            raise yaml.composer.ComposerError(
                "expected a single document in the stream", first.start_mark, "but found another document", event.start_mark
            )
        loader.get_event()
        return data

    def value(self, path: SourcePath, depth: int, problems: ProblemList, positions: dict) -> Any:
        loader = self.loader
        event = loader.get_event()
        if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
            raise _Rejected(event.start_mark, "YAML anchors and aliases are not allowed in asprules files")
        if depth >= MAX_DEPTH:
            raise _Rejected(event.start_mark, f"nested deeper than {MAX_DEPTH} levels")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Rejected(event.start_mark, f"more than {MAX_NODES} YAML nodes (keys, values and items)")
        if isinstance(event, yaml.ScalarEvent):
            return self.scalar(event, path, problems)
        if isinstance(event, yaml.MappingStartEvent):
            tag = event.tag if event.tag not in (None, "!") else loader.resolve(yaml.MappingNode, None, event.implicit)
            if tag != "tag:yaml.org,2002:map":
                self.bad_tag(tag, event, path, problems)
                self.rest(yaml.MappingEndEvent, depth)
                return None
            out: dict[Any, Any] = {}
            while not loader.check_event(yaml.MappingEndEvent):
                key_event = loader.peek_event()
                key_pos = _pos(key_event.start_mark)
                if isinstance(key_event, yaml.ScalarEvent) and key_event.tag in (None, "!") and self.resolve(key_event)[0] == "tag:yaml.org,2002:merge":
                    self.value(path, depth + 1, ProblemList(), {})  # the key, counted and checked
                    problems.add(Problem("YAML merge keys (<<) are not allowed", path=path, file=self.file, line=key_pos[0], column=key_pos[1]))
                    self.value(path, depth + 1, ProblemList(), {})
                    continue
                scalar_key = isinstance(key_event, yaml.ScalarEvent)
                key = self.value(path, depth + 1, problems if scalar_key else ProblemList(), positions if scalar_key else {})
                if not isinstance(key, (str, int)):
                    problems.add(Problem(f"mapping keys must be text, got {key!r}", path=path, file=self.file, line=key_pos[0], column=key_pos[1]))
                    self.value(path, depth + 1, ProblemList(), {})
                    continue
                child = path + (key,)
                if key in out:
                    problems.add(Problem(f"duplicate key {key!r}", path=child, file=self.file, line=key_pos[0], column=key_pos[1]))
                    self.value(child, depth + 1, ProblemList(), {})
                    continue
                positions[child] = key_pos
                out[key] = self.value(child, depth + 1, problems, positions)
            loader.get_event()
            return out
        if isinstance(event, yaml.SequenceStartEvent):
            tag = event.tag if event.tag not in (None, "!") else loader.resolve(yaml.SequenceNode, None, event.implicit)
            if tag != "tag:yaml.org,2002:seq":
                self.bad_tag(tag, event, path, problems)
                self.rest(yaml.SequenceEndEvent, depth)
                return None
            items = []
            i = 0
            while not loader.check_event(yaml.SequenceEndEvent):
                child = path + (i,)
                positions[child] = _pos(loader.peek_event().start_mark)
                items.append(self.value(child, depth + 1, problems, positions))
                i += 1
            loader.get_event()
            return items
        raise yaml.composer.ComposerError(None, None, f"unexpected {type(event).__name__}", event.start_mark)

    def rest(self, end: type, depth: int) -> None:
        """Consume a collection whose tag is refused, still checking what it holds."""
        while not self.loader.check_event(end):
            self.value((), depth + 1, ProblemList(), {})
        self.loader.get_event()

    def resolve(self, event) -> tuple[str, Any]:
        """(tag, value) of a scalar; ``value`` is ``_UNBUILT`` until constructed."""
        key = (event.value, event.implicit[0], event.tag)
        hit = self.scalars.get(key)
        if hit is None:
            tag = event.tag if event.tag not in (None, "!") else self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            hit = self.scalars[key] = (tag, _UNBUILT)
        return hit

    def scalar(self, event, path: SourcePath, problems: ProblemList) -> Any:
        tag, value = self.resolve(event)
        if value is not _UNBUILT:
            return value
        if tag not in _SAFE_SCALAR_TAGS:
            self.bad_tag(tag, event, path, problems)
            return None
        if tag in _NUMBER_TAGS and len(event.value) > MAX_NUMBER_CHARS:
            # hex and base-60 integers would otherwise build huge ints (slowly, for base 60)
            # that no rule needs and that repr() and json refuse to print
            line, col = _pos(event.start_mark)
            problems.add(Problem(f"number {event.value[:24]!r}… is longer than {MAX_NUMBER_CHARS} characters", path=path, file=self.file, line=line, column=col))
            return None
        if tag == "tag:yaml.org,2002:str":
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = self.loader.yaml_constructors[tag](self.loader, node)
        except Exception as exc:  # PyYAML's scalar constructors fail every which way: `!!int ''` (IndexError), `!!bool x` (KeyError)…
            line, col = _pos(event.start_mark)
            kind = tag.rsplit(":", 1)[-1]
            reason = f": {exc}" if isinstance(exc, (ValueError, OverflowError, yaml.YAMLError)) else ""
            problems.add(Problem(f"bad scalar {event.value!r}: not a valid {kind}{reason}", path=path, file=self.file, line=line, column=col))
            return None
        self.scalars[(event.value, event.implicit[0], event.tag)] = (tag, value)
        return value

    def bad_tag(self, tag: str, event, path: SourcePath, problems: ProblemList) -> None:
        line, col = _pos(event.start_mark)
        problems.add(Problem(f"YAML tag {tag!r} is not allowed", path=path, file=self.file, line=line, column=col))


_UNBUILT = object()


def parse_file(path: str | Path, error: type[AspRulesError] = RulesetError) -> SourceDocument:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise error(f"{p}: cannot read", [Problem(exc.strerror or str(exc), file=str(p))]) from None
    if len(raw) > MAX_BYTES:
        raise error(f"{p}: file too large", [Problem(f"larger than {MAX_BYTES} bytes", file=str(p))])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{p}: cannot read", [Problem(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=str(p))]) from None
    return parse_text(text, str(p), error)


_SAFE_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


def _convert(node, path, positions, problems: ProblemList, loader, file, depth):
    if depth > MAX_DEPTH:
        line, col = _pos(node.start_mark)
        problems.add(Problem(f"nested deeper than {MAX_DEPTH} levels", path=path, file=file, line=line, column=col))
        return None
    if isinstance(node, yaml.MappingNode):
        if node.tag != "tag:yaml.org,2002:map":
            _bad_tag(node, path, problems, file)
            return None
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                _bad_tag(key_node, path, problems, file, "YAML merge keys (<<) are not allowed")
                continue
            key = _convert(key_node, path, positions, problems, loader, file, depth + 1)
            if not isinstance(key, (str, int)):
                line, col = _pos(key_node.start_mark)
                problems.add(Problem(f"mapping keys must be text, got {key!r}", path=path, file=file, line=line, column=col))
                continue
            child = path + (key,)
            line, col = _pos(key_node.start_mark)
            if key in out:
                problems.add(Problem(f"duplicate key {key!r}", path=child, file=file, line=line, column=col))
                continue
            positions[child] = (line, col)
            out[key] = _convert(value_node, child, positions, problems, loader, file, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            _bad_tag(node, path, problems, file)
            return None
        items = []
        for i, item in enumerate(node.value):
            child = path + (i,)
            positions[child] = _pos(item.start_mark)
            items.append(_convert(item, child, positions, problems, loader, file, depth + 1))
        return items
    if node.tag not in _SAFE_SCALAR_TAGS:
        _bad_tag(node, path, problems, file)
        return None
    if node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARS:
        # hex and base-60 integers would otherwise build huge ints (slowly, for base 60)
        # that no rule needs and that repr() and json refuse to print
        line, col = _pos(node.start_mark)
        problems.add(Problem(f"number {node.value[:24]!r}… is longer than {MAX_NUMBER_CHARS} characters", path=path, file=file, line=line, column=col))
        return None
    try:
        return loader.construct_object(node, deep=True)
    except Exception as exc:  # PyYAML's scalar constructors fail every which way: `!!int ''` (IndexError), `!!bool x` (KeyError)…
        line, col = _pos(node.start_mark)
        kind = node.tag.rsplit(":", 1)[-1]
        reason = f": {exc}" if isinstance(exc, (ValueError, OverflowError, yaml.YAMLError)) else ""
        problems.add(Problem(f"bad scalar {node.value!r}: not a valid {kind}{reason}", path=path, file=file, line=line, column=col))
        return None


_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


def _bad_tag(node, path, problems: ProblemList, file, message=None):
    line, col = _pos(node.start_mark)
    problems.add(Problem(message or f"YAML tag {node.tag!r} is not allowed", path=path, file=file, line=line, column=col))


def problems_from_validation(exc: ValidationError, doc: SourceDocument) -> list[Problem]:
    """Turn pydantic's errors into problems that point into the author's file."""
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if err["type"] not in ("missing", "extra_forbidden", "value_error") and "input" in err:
            shown = _shown(err["input"])
            msg += f" (got {shown[:60]}{'…' if len(shown) > 60 else ''})"
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        problem = doc.problem(doc.resolve_path(loc, missing=err["type"] == "missing"), msg)
        out.append(replace(problem, code=err["type"]))
    return out


def _shown(value: Any) -> str:
    """``repr`` that survives ints too long for Python to print (over 4,300 digits)."""
    try:
        return repr(value)
    except ValueError:
        if isinstance(value, int):
            return f"an integer of {value.bit_length()} bits"
        return f"a {type(value).__name__}"
