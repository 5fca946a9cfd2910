"""A rules repository's own configuration: ``asprules.toml``, found from the current
directory upwards (the nearest one wins, as ruff's and pytest's configuration files do).

It names the repository's rules, so that inside it a bare ``asprules validate``, ``test``,
``diff``, ``grade``, ``authorize``, ``regrade`` and ``serve`` use them rather than the
bundled handbook rulesets::

    rules = ["rulesets"]        # files or directories, relative to this file

Explicit ``--rules`` and paths still win. Outside such a repository nothing changes. A
configuration that cannot be read, is not TOML, names an unknown key or a path that does
not exist is a typed error naming the file, the line and the key, before any command runs:
a rules repository must never be checked against the wrong rules silently.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import i18n
from ..errors import AspRulesError, Problem

CONFIG_NAME = "asprules.toml"
KEYS = ("rules",)
_TOML_PLACE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


@dataclass(frozen=True)
class Project:
    """The configuration found: its file, and the rule paths it names (as the command line would give them)."""

    file: Path
    rules: tuple[str, ...]


def find(start: str | Path | None = None) -> Path | None:
    """The nearest ``asprules.toml`` in ``start`` (default: the current directory) or above it."""
    here = Path(start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def current(start: str | Path | None = None) -> Project | None:
    """The project the current directory is in, read and checked; ``None`` outside one."""
    found = find(start)
    return None if found is None else load(found)


def load(file: Path) -> Project:
    """``file`` read and checked; every problem at once, each with its line and key."""
    import tomllib  # here: only a command that needs its rules reads a configuration

    shown = _relative(file)
    try:
        text = file.read_bytes().decode("utf-8")
    except OSError as exc:
        raise _invalid(shown, [i18n.os_problem(exc, file=shown)]) from None
    except UnicodeDecodeError as exc:
        raise _invalid(shown, [i18n.problem("undecodable_byte", file=shown, start=exc.start, reason=exc.reason)]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        place = _TOML_PLACE.search(message)
        line, column = (int(place.group(1)), int(place.group(2))) if place else (None, None)
        message = _TOML_PLACE.sub("", message)
        if line is None and "end of document" in message:
            line = text.count("\n") + (0 if text.endswith("\n") else 1) or 1
        raise _invalid(shown, [i18n.problem("config_syntax", file=shown, line=line, column=column, message=message)]) from None
    problems: list[Problem] = []
    for key in data:
        if key not in KEYS:
            problems.append(i18n.problem("config_unknown_key", (key,), file=shown, line=_line_of(text, key), key=key, keys=", ".join(KEYS)))
    rules = data.get("rules")
    paths: list[str] = []
    if "rules" not in data:
        problems.append(i18n.problem("config_needs_rules", ("rules",), file=shown))
    elif not (isinstance(rules, list) and rules and all(isinstance(r, str) and r for r in rules)):
        problems.append(i18n.problem("config_paths", ("rules",), file=shown, line=_line_of(text, "rules"), got=_got(rules)))
    else:
        for i, name in enumerate(rules):
            target = file.parent / name
            if target.exists():
                paths.append(_relative(target))
            else:
                problems.append(i18n.problem("config_path_missing", ("rules", i), file=shown, line=_line_of(text, "rules"), path=name))
    if problems:
        raise _invalid(shown, problems)
    return Project(file, tuple(paths))


def _invalid(shown: str, problems: list[Problem]) -> AspRulesError:
    return i18n.error(AspRulesError, "invalid_config", problems, file=shown)


def _relative(path: Path) -> str:
    """``path`` relative to the current directory (``../rulesets`` from a subdirectory):
    short in messages, and what ``git`` takes for a revision's files; absolute when no
    relative path leads there (another drive)."""
    resolved = path.resolve()
    try:
        return os.path.relpath(resolved, Path.cwd().resolve())
    except ValueError:
        return str(resolved)


def _line_of(text: str, key: str) -> int | None:
    """The line where top-level ``key`` is set (``key = …``) or opened (``[key]``)."""
    pattern = re.compile(rf"""^\s*(?:["']?{re.escape(key)}["']?\s*=|\[\[?\s*["']?{re.escape(key)}["']?\s*[\].])""")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return None


def _got(value: Any) -> str:
    return repr(value) if not isinstance(value, (dict, list)) or len(repr(value)) < 60 else type(value).__name__
