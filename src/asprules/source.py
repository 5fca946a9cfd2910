"""Stage 1: YAML text → plain data with a source position for every key and item.

Only the YAML safe schema is accepted. Anchors and aliases are rejected outright: rule
files do not need them, and refusing them makes alias bombs ("billion laughs")
impossible instead of merely expensive. Nesting depth, node count and number length are
capped for the same reason: hostile input is refused in bounded time and memory. Duplicate keys, which PyYAML silently lets the
last one win, are reported because in a rule file they are always a mistake.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import json
import os
import re
import stat
from array import array
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Iterator, Literal

import yaml
from pydantic import BeforeValidator, Field, ValidationError

from .errors import AspRulesError, Problem, ProblemList, RulesetError
from . import i18n
from .i18n import LocalValueError, Said, said

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_NUMBER_CHARS = 64
MAX_NODES = 500_000  # a 10,000-row table of four-comparison rows has about 360,000; the shipped rulesets under 3,000

FORMAT_VERSION = 1  # the `asprules:` key of every asprules document (rules, facts, scenarios)


def _exact_version(value: Any) -> Any:
    # Literal[1] alone admits True and 1.0, which equal 1 in Python
    if type(value) is not int:
        raise LocalValueError("format_version", version=FORMAT_VERSION, value=repr(value))
    return value


FormatVersion = Annotated[Literal[1], BeforeValidator(_exact_version), Field(description="Format version")]

Position = tuple[int, int]  # 1-based line, column
SourcePath = tuple[str | int, ...]


class Positions(Mapping[SourcePath, Position]):
    """Where each key and item of a document starts, kept in three flat arrays.

    The reader meets keys and items in document order, so their places are kept as they
    come: line, column, and how many keys and items lie inside each one (the jump to its
    next sibling). A dict of path tuple → position tuple cost about 290 bytes a key or
    item, 57 MiB for a 10,000-row table (a third of its load's memory); these cost 12.

    A look-up walks the data along the path, jumping over siblings; the children of each
    container walked are kept, so looking up every row of a long table walks that table
    once, not once a row. It answers as the dict did: a path is there exactly when the
    data has it (``("rows", True)`` is ``("rows", 1)``, as in a tuple), and it is a
    :class:`Mapping` for whoever iterates over it. The data must not change afterwards
    (no one changes a parsed document's data: it is hashed and validated as it was read).
    """

    __slots__ = ("_data", "_lines", "_columns", "_sizes", "_line", "_children")

    def __init__(self, data: Any, lines: array, columns: array, sizes: array, line: int | None = None):
        self._data = data
        self._lines = lines  # 0-based, as the parser's marks count
        self._columns = columns
        self._sizes = sizes
        self._line = line  # every place is on this line (a line of a JSONL file)
        self._children: dict[SourcePath, dict[Any, int]] = {}  # container's path → child key → index

    def on_line(self, line: int) -> Positions:
        """The same places, all on ``line``: a document parsed from one line of a bigger file."""
        return Positions(self._data, self._lines, self._columns, self._sizes, line)

    def _at(self, index: int) -> Position:
        line = self._lines[index] + 1 if self._line is None else self._line
        return (line, self._columns[index] + 1)

    def _walk(self, path: SourcePath) -> tuple[int, int]:
        """(index of the deepest node along ``path``, how many parts of ``path`` lead to it)."""
        node, index = self._data, 0
        for depth, part in enumerate(path):
            if not isinstance(node, (dict, list)):
                break
            prefix = path[:depth]
            children = self._children.get(prefix)
            if children is None:
                children, at, sizes = {}, index + 1, self._sizes
                for key in node if isinstance(node, dict) else range(len(node)):
                    children[key] = at
                    at += 1 + sizes[at]
                self._children[prefix] = children
            found = children.get(part)
            if found is None:
                return index, depth
            index = found
            node = node[part] if isinstance(node, dict) else node[int(part)]
        else:
            return index, len(path)
        return index, depth

    def locate(self, path: SourcePath) -> Position | None:
        """Position of ``path``, or of its nearest ancestor that has one."""
        if not self._lines:
            return None
        return self._at(self._walk(tuple(path))[0])

    def __getitem__(self, path: SourcePath) -> Position:
        if self._lines and isinstance(path, tuple):
            index, found = self._walk(path)
            if found == len(path):
                return self._at(index)
        raise KeyError(path)

    def __contains__(self, path: object) -> bool:
        return bool(self._lines) and isinstance(path, tuple) and self._walk(path)[1] == len(path)

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[SourcePath]:
        if self._lines:
            yield ()
            yield from _paths_below((), self._data)


def _paths_below(path: SourcePath, node: Any) -> Iterator[SourcePath]:
    """The path of every key and item inside ``node``, each before what it holds."""
    pairs = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in pairs:
        yield path + (key,)
        yield from _paths_below(path + (key,), child)


@dataclass(frozen=True)
class SourceDocument:
    """A parsed YAML document: its data and where each part of it stands in the file."""

    file: str
    data: Any
    positions: Mapping[SourcePath, Position]  # a :class:`Positions` when parsed here

    def locate(self, path: SourcePath) -> Position | None:
        """Position of ``path``, or of its nearest ancestor that has one."""
        if isinstance(self.positions, Positions):
            return self.positions.locate(path)
        path = tuple(path)
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return None
            path = path[:-1]

    def on_line(self, line: int) -> SourceDocument:
        """This document with every place on ``line`` (it was parsed from that line of ``file``)."""
        if isinstance(self.positions, Positions):
            return replace(self, positions=self.positions.on_line(line))
        return replace(self, positions={k: (line, col) for k, (_, col) in self.positions.items()})

    def problem(self, path: SourcePath, message: str | Said) -> Problem:
        """A problem at ``path`` of this document; a :class:`~asprules.i18n.Said` message
        keeps its catalog key and values, so it can be shown in Chinese too."""
        pos = self.locate(path)
        line, col = pos if pos else (None, None)
        if isinstance(message, Said):
            return Problem(message.english, path=tuple(path), file=self.file, line=line, column=col, code=message.code, params=message.params)
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
    def __init__(self, mark: yaml.Mark, message: Said):
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
            raise _Rejected(event.start_mark, said("problem.yaml_alias"))
        if self._depth >= MAX_DEPTH:
            raise _Rejected(event.start_mark, said("problem.too_deep", limit=MAX_DEPTH))
        self._nodes += 1
        if self._nodes > MAX_NODES:  # each node costs about half a kilobyte until converted
            raise _Rejected(event.start_mark, said("problem.too_many_nodes", limit=MAX_NODES))
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


# Scalars are resolved as the YAML 1.2 core schema does, never as YAML 1.1: under 1.1 a
# level named `no` or a country code `NO` silently becomes False (the "Norway problem"),
# `010` is octal 8, `0b101` is 5 and `1:30` is base-60 90 — each one a changed decision.
# Under 1.2 `010` is ten, `0b101`, `1:30`, `yes` and `1_000` are text (which a number or
# bool field then refuses), and `1e-05` — what JSON writers emit — is a float.
# Timestamps (not in the 1.2 core schema) stay: facts and calendars may use them.
_CORE_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_CORE_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_CORE_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_KEPT_RESOLVERS = ("tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge")
_StrictComposer.yaml_implicit_resolvers = {}
_StrictComposer.add_implicit_resolver("tag:yaml.org,2002:bool", _CORE_BOOL, list("tTfF"))
_StrictComposer.add_implicit_resolver("tag:yaml.org,2002:int", _CORE_INT, list("-+0123456789"))
_StrictComposer.add_implicit_resolver("tag:yaml.org,2002:float", _CORE_FLOAT, list("-+0123456789."))
for _first, _resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
    for _tag, _rx in _resolvers:
        if _tag in _KEPT_RESOLVERS:
            _StrictComposer.yaml_implicit_resolvers.setdefault(_first, []).append((_tag, _rx))


def _core_int(loader, node):  # type: ignore[no-untyped-def]
    text = loader.construct_scalar(node)
    if not _CORE_INT.match(text):  # an explicit !!int on a YAML 1.1 form (0b…, 1:30, 1_000)
        raise LocalValueError("not_yaml_integer", value=repr(text))
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


def _core_float(loader, node):  # type: ignore[no-untyped-def]
    text = loader.construct_scalar(node)
    if not (_CORE_FLOAT.match(text) or _CORE_INT.match(text)) or text.startswith(("0o", "0x")):
        raise LocalValueError("not_yaml_float", value=repr(text))
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    return float(text)


_StrictComposer.add_constructor("tag:yaml.org,2002:int", _core_int)
_StrictComposer.add_constructor("tag:yaml.org,2002:float", _core_float)

# JSON writes a character outside the Basic Multilingual Plane as a surrogate pair
# (`json.dumps("😀")` is `"\ud83d\ude00"`), which YAML's escapes do not allow. In a JSON
# document every backslash stands in a string, so a pair preceded by an even number of
# backslashes is an escape, and becomes the one `\U` escape YAML reads as that character.
_SURROGATE_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")


def _pairs_joined(text: str) -> str:
    if "\\u" not in text or not text.lstrip().startswith(("{", "[")):
        return text

    def joined(m: re.Match[str]) -> str:
        high, low = int(m.group(2), 16), int(m.group(3), 16)
        return f"{m.group(1)}\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"

    return _SURROGATE_PAIR.sub(joined, text)


def _pos(mark: yaml.Mark) -> Position:
    return (mark.line + 1, mark.column + 1)


def parse_text(text: str, file: str = "<string>", error: type[AspRulesError] = RulesetError) -> SourceDocument:
    """Parse YAML (or JSON) text. Raises ``error`` naming file, line and column."""
    if len(text) > MAX_BYTES:
        raise i18n.error(error, "file_too_large", [i18n.problem("larger_than", file=file, limit=MAX_BYTES)], file=file)
    with paused_gc():
        return _parse_text(text, file, error)


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off for a while, as it was afterwards.

    Parsing, validating and compiling a large table allocate millions of small objects that
    are not cyclic garbage; each automatic collection rescans all of them (64 % of parse
    time, 40 % of loading a 10,000-row table). What is collectable is collected later.

    The objects made meanwhile are handed to the oldest generation on the way out (a
    freeze and unfreeze: two list splices, nothing scanned), so the first collection after
    a load is not one young collection over every one of them (a second of a 10,000-row
    load). They are scanned at the next full collection, like any long-lived object. Only
    when nothing else is frozen (``gc.freeze`` by a pre-forking server is kept as it is),
    and only by the outermost pause.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _parse_text(text: str, file: str, error: type[AspRulesError]) -> SourceDocument:
    problems = ProblemList()
    try:
        loader = _StrictComposer(_pairs_joined(text))  # the reader already refuses control characters here
        try:
            builder = _Builder(loader, file, problems)
            data = builder.document()
        finally:
            loader.dispose()
    except _Rejected as exc:
        line, col = _pos(exc.mark)
        raise i18n.error(error, "cannot_parse", [i18n.problem(exc.message.code, file=file, line=line, column=col, **dict(exc.message.params))], file=file) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _pos(mark) if mark else (None, None)
        msg = " ".join(str(x) for x in (exc.context, exc.problem) if x) or "invalid YAML"
        raise i18n.error(error, "cannot_parse", [i18n.problem("yaml_syntax", file=file, line=line, column=col, detail=msg)], file=file) from None
    except yaml.YAMLError as exc:
        raise i18n.error(error, "cannot_parse", [i18n.problem("yaml_syntax", file=file, detail=str(exc))], file=file) from None
    except UnicodeEncodeError as exc:  # a lone surrogate in text handed in as str
        raise i18n.error(error, "cannot_parse", [i18n.problem("not_unicode", file=file, reason=exc.reason, at=exc.start)], file=file) from None
    except RecursionError:
        raise i18n.error(error, "cannot_parse", [i18n.problem("nested_too_deeply", file=file)], file=file) from None
    if problems:
        raise i18n.error(error, "cannot_parse", problems.problems, file=file)
    return SourceDocument(file=file, data=data, positions=Positions(data, builder.lines, builder.columns, builder.sizes))


class _Builder:
    """Plain data and positions straight from the parser's events.

    The composer's node tree (a Python object per key, value and item, then walked again
    to convert it) was most of the load time of a large table; this reads each event
    once and keeps every check the composer and its conversion made:
    anchors, aliases, depth, node count, safe tags, merge keys, text keys, duplicates,
    number length and bad scalars. Scalars repeat (``ge``, ``L1``, ``outage_minutes``),
    so each distinct one is resolved and constructed once, and its value is shared.

    The place of each key and item is appended to three arrays in the order met (see
    :class:`Positions`). A part the data leaves out (a duplicate key's value, a merge key,
    a key that is not text, a collection with a refused tag) appends its places too, but
    each of those is a problem, so the document is refused and the arrays never read.
    """

    def __init__(self, loader, file: str, problems: ProblemList):
        self.loader = loader
        self.file = file
        self.problems = problems
        self.nodes = 0
        self.scalars: dict[tuple[str, bool, str | None], tuple[str, Any]] = {}  # (text, plain, tag) → (tag, value or _UNBUILT)
        self.collection_tags: dict[tuple[type, bool], str] = {}
        self.lines = array("i")  # 0-based line, column and how many places inside, of each key and item
        self.columns = array("i")
        self.sizes = array("i")

    def document(self) -> Any:
        loader = self.loader
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return None
        loader.get_event()  # document start
        first = loader.get_event()
        self.lines.append(first.start_mark.line)
        self.columns.append(first.start_mark.column)
        self.sizes.append(0)
        data = self.value(first, (), 0, self.problems)
        self.sizes[0] = len(self.lines) - 1
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            raise yaml.composer.ComposerError(
                "expected a single document in the stream", first.start_mark, "but found another document", event.start_mark
            )
        loader.get_event()
        return data

    # Each event is fetched once (``get_event``) and handed to ``value``: peeking and
    # checking first tripled the calls into the parser per key and item.
    def value(self, event, path: SourcePath, depth: int, problems: ProblemList) -> Any:
        kind = type(event)
        if kind is yaml.AliasEvent or event.anchor is not None:
            raise _Rejected(event.start_mark, said("problem.yaml_alias"))
        if depth >= MAX_DEPTH:
            raise _Rejected(event.start_mark, said("problem.too_deep", limit=MAX_DEPTH))
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Rejected(event.start_mark, said("problem.too_many_nodes", limit=MAX_NODES))
        if kind is yaml.ScalarEvent:
            return self.scalar(event, path, problems)
        get_event = self.loader.get_event
        lines, sizes = self.lines, self.sizes
        add_line, add_column, add_size = lines.append, self.columns.append, sizes.append
        scalars = self.scalars
        # A scalar child is read here after the checks ``value`` would make, in its order
        # (an anchor, the depth, the node count), and one built before is taken from
        # ``scalars``; every other child goes through ``value``.
        shallow = depth + 1 < MAX_DEPTH
        if kind is yaml.MappingStartEvent:
            tag = event.tag if event.tag not in (None, "!") else self._collection_tag(yaml.MappingNode, event.implicit)
            if tag != "tag:yaml.org,2002:map":
                self.bad_tag(tag, event, path, problems)
                self.rest(yaml.MappingEndEvent, depth)
                return None
            out: dict[Any, Any] = {}
            while True:
                key_event = get_event()
                scalar_key = type(key_event) is yaml.ScalarEvent
                if not scalar_key and type(key_event) is yaml.MappingEndEvent:
                    return out
                mark = key_event.start_mark
                hit = None
                if scalar_key and key_event.anchor is None and shallow and self.nodes < MAX_NODES:
                    hit = scalars.get((key_event.value, key_event.implicit[0], key_event.tag))
                if hit is not None and hit[1] is not _UNBUILT:  # never `<<`: a merge key is not built
                    self.nodes += 1
                    key = hit[1]
                else:
                    if scalar_key and key_event.tag in (None, "!") and self.resolve(key_event)[0] == "tag:yaml.org,2002:merge":
                        self.value(key_event, path, depth + 1, ProblemList())  # the key, counted and checked
                        problems.add(i18n.problem("yaml_merge_key", path, file=self.file, line=mark.line + 1, column=mark.column + 1))
                        self.value(get_event(), path, depth + 1, ProblemList())
                        continue
                    key = self.value(key_event, path, depth + 1, problems if scalar_key else ProblemList())
                if not isinstance(key, (str, int)):
                    problems.add(i18n.problem("key_not_text", path, file=self.file, line=mark.line + 1, column=mark.column + 1, key=repr(key)))
                    self.value(get_event(), path, depth + 1, ProblemList())
                    continue
                if key in out:
                    child = path + (key,)
                    problems.add(i18n.problem("duplicate_key", child, file=self.file, line=mark.line + 1, column=mark.column + 1, key=repr(key)))
                    self.value(get_event(), child, depth + 1, ProblemList())
                    continue
                at = len(lines)
                add_line(mark.line)
                add_column(mark.column)
                add_size(0)
                item = get_event()
                if type(item) is yaml.ScalarEvent and item.anchor is None and shallow and self.nodes < MAX_NODES:
                    self.nodes += 1
                    found = (item.value, item.implicit[0], item.tag)
                    hit = scalars.get(found)
                    out[key] = hit[1] if hit is not None and hit[1] is not _UNBUILT else self.scalar(item, path + (key,), problems, found, hit)
                    continue
                out[key] = self.value(item, path + (key,), depth + 1, problems)
                if len(lines) > at + 1:
                    sizes[at] = len(lines) - at - 1
        if kind is yaml.SequenceStartEvent:
            tag = event.tag if event.tag not in (None, "!") else self._collection_tag(yaml.SequenceNode, event.implicit)
            if tag != "tag:yaml.org,2002:seq":
                self.bad_tag(tag, event, path, problems)
                self.rest(yaml.SequenceEndEvent, depth)
                return None
            items: list[Any] = []
            while True:
                item = get_event()
                scalar = type(item) is yaml.ScalarEvent
                if not scalar and type(item) is yaml.SequenceEndEvent:
                    return items
                mark = item.start_mark
                at = len(lines)
                add_line(mark.line)
                add_column(mark.column)
                add_size(0)
                if scalar and item.anchor is None and shallow and self.nodes < MAX_NODES:
                    self.nodes += 1
                    found = (item.value, item.implicit[0], item.tag)
                    hit = scalars.get(found)
                    items.append(hit[1] if hit is not None and hit[1] is not _UNBUILT else self.scalar(item, path + (len(items),), problems, found, hit))
                    continue
                items.append(self.value(item, path + (len(items),), depth + 1, problems))
                if len(lines) > at + 1:
                    sizes[at] = len(lines) - at - 1
        raise yaml.composer.ComposerError(None, None, f"unexpected {kind.__name__}", event.start_mark)

    def _collection_tag(self, kind: type, implicit: bool) -> str:
        """The tag a mapping or sequence without one resolves to (always the same: no path resolvers)."""
        tag = self.collection_tags.get((kind, implicit))
        if tag is None:
            tag = self.collection_tags[(kind, implicit)] = self.loader.resolve(kind, None, implicit)
        return tag

    def rest(self, end: type, depth: int) -> None:
        """Consume a collection whose tag is refused, still checking what it holds."""
        while True:
            event = self.loader.get_event()
            if type(event) is end:
                return
            self.value(event, (), depth + 1, ProblemList())

    def resolve(self, event, key: tuple | None = None) -> tuple[str, Any]:
        """(tag, value) of a scalar; ``value`` is ``_UNBUILT`` until constructed. ``key``: its
        cache key, when the caller has it."""
        if key is None:
            key = (event.value, event.implicit[0], event.tag)
        hit = self.scalars.get(key)
        if hit is None:
            tag = event.tag if event.tag not in (None, "!") else self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            hit = self.scalars[key] = (tag, _UNBUILT)
        return hit

    def scalar(self, event, path: SourcePath, problems: ProblemList, key: tuple | None = None, hit: tuple | None = None) -> Any:
        """A scalar's value, counted and checked by the caller; ``key`` and ``hit``: its
        cache key and entry, when the caller has looked them up already."""
        if key is None:
            key = (event.value, event.implicit[0], event.tag)
        if hit is None:
            hit = self.resolve(event, key)
        tag, value = hit
        if value is not _UNBUILT:
            return value
        if tag not in _SAFE_SCALAR_TAGS:
            self.bad_tag(tag, event, path, problems)
            return None
        if tag in _NUMBER_TAGS and len(event.value) > MAX_NUMBER_CHARS:
            # hex and base-60 integers would otherwise build huge ints (slowly, for base 60)
            # that no rule needs and that repr() and json refuse to print
            line, col = _pos(event.start_mark)
            problems.add(i18n.problem("number_too_long", path, file=self.file, line=line, column=col, number=repr(event.value[:24]), limit=MAX_NUMBER_CHARS))
            return None
        if tag == "tag:yaml.org,2002:str":
            self.scalars[key] = (tag, event.value)
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = self.loader.yaml_constructors[tag](self.loader, node)
        except Exception as exc:  # PyYAML's scalar constructors fail every which way: `!!int ''` (IndexError), `!!bool x` (KeyError)…
            line, col = _pos(event.start_mark)
            kind = tag.rsplit(":", 1)[-1]
            if isinstance(exc, (ValueError, OverflowError, yaml.YAMLError)):
                problems.add(i18n.problem("bad_scalar_because", path, file=self.file, line=line, column=col, value=repr(event.value), kind=kind, reason=i18n.reason(exc)))
            else:
                problems.add(i18n.problem("bad_scalar", path, file=self.file, line=line, column=col, value=repr(event.value), kind=kind))
            return None
        self.scalars[key] = (tag, value)
        return value

    def bad_tag(self, tag: str, event, path: SourcePath, problems: ProblemList) -> None:
        line, col = _pos(event.start_mark)
        problems.add(i18n.problem("yaml_tag", path, file=self.file, line=line, column=col, tag=tag))


_UNBUILT = object()


def _kind_of(mode: int) -> Said:
    for test, name in (
        (stat.S_ISDIR, "directory"),
        (stat.S_ISFIFO, "fifo"),
        (stat.S_ISCHR, "character_device"),
        (stat.S_ISBLK, "block_device"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return said(f"problem.file_kind.{name}")
    return said("problem.file_kind.other")


def _unreadable(error: type[AspRulesError], path: str, exc: OSError) -> AspRulesError:
    """``path: cannot read``, with the system's reason (its text is the C library's, in English)."""
    name = errno.errorcode.get(exc.errno or 0, "")
    if f"problem.os_error.{name}" in i18n.EN:
        return i18n.error(error, "cannot_read", [i18n.problem(f"os_error.{name}", file=path)], file=path)
    return i18n.error(error, "cannot_read", [i18n.problem("os_error", file=path, reason=exc.strerror or str(exc))], file=path)


def read_bytes(path: str | Path, error: type[AspRulesError] = RulesetError, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or ``error`` saying why not.

    The file is opened without blocking (a FIFO would wait forever for a writer) and
    checked with ``fstat`` on the open descriptor — so it is the file that is read, not one
    swapped in between — before a byte is read: a FIFO, a device such as ``/dev/zero`` or
    a directory is refused by what it is, an oversized file by its size, and no more than
    ``limit + 1`` bytes are ever read (a file growing meanwhile is refused too).
    Rule, fact and corpus files are all read through here.
    """
    p = str(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise _unreadable(error, p, exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise i18n.error(error, "not_regular", [i18n.problem("not_regular_file", file=p, what=_kind_of(info.st_mode))], file=p)
        if info.st_size > limit:
            raise i18n.error(error, "file_too_large", [i18n.problem("size_larger_than", file=p, size=info.st_size, limit=limit)], file=p)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise _unreadable(error, p, exc) from None
    finally:
        os.close(fd)
    if size > limit:
        raise i18n.error(error, "file_too_large", [i18n.problem("larger_than", file=p, limit=limit)], file=p)
    return b"".join(chunks)


def read_text(path: str | Path, error: type[AspRulesError] = RulesetError, limit: int = MAX_BYTES) -> str:
    """:func:`read_bytes`, decoded as UTF-8 (a leading byte-order mark is dropped)."""
    raw = read_bytes(path, error, limit)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise i18n.error(error, "cannot_read", [i18n.problem("not_utf8", file=str(path), reason=exc.reason, at=exc.start)], file=str(path)) from None


def parse_file(path: str | Path, error: type[AspRulesError] = RulesetError) -> SourceDocument:
    """Parse a YAML or JSON file (a regular file of at most ``MAX_BYTES``)."""
    return parse_text(read_text(path, error), str(Path(path)), error)


def parse_lines(path: str | Path, error: type[AspRulesError] = RulesetError) -> Iterator[SourceDocument]:
    """The JSON objects of a JSONL file, one :class:`SourceDocument` per non-blank line.

    The file is read like every other (:func:`read_text`); each line is parsed by the same
    reader as a fact file, so it is held to the same rules, and its positions and problems
    name the file and that line. A line that is not a JSON object (``5``, ``null``, a list)
    is an ``error`` naming the line.
    """
    p = str(Path(path))
    for n, line in enumerate(read_text(path, error).splitlines(), 1):
        if not line.strip():
            continue
        if not line.lstrip().startswith("{"):
            shown = line.strip()[:40]
            raise i18n.error(error, "line_not_object", [i18n.problem("line_not_object", file=p, line=n, got=repr(shown))], file=p, line=n)
        try:
            doc = parse_text(line, p, error)
        except AspRulesError as exc:
            raise i18n.error(error, "line_cannot_parse", [replace(q, line=n) for q in exc.problems], file=p, line=n) from None
        yield doc.on_line(n)


_SAFE_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


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
        context = err.get("ctx") or {}
        raised = context.get("error")
        if isinstance(raised, LocalValueError):  # a message of ours: its key and values, to translate
            out.append(replace(problem, message=raised.said.english, code=raised.key, params=raised.said.params))
            continue
        params = tuple((k, str(v)) for k, v in context.items() if k != "error")  # the bounds and choices, for the Chinese
        out.append(replace(problem, code=err["type"], params=params))
    return out


def _shown(value: Any) -> str:
    """``repr`` that survives ints too long for Python to print (over 4,300 digits)."""
    try:
        return repr(value)
    except ValueError:
        if isinstance(value, int):
            return f"an integer of {value.bit_length()} bits"
        return f"a {type(value).__name__}"
