"""The small hierarchy of errors asprules raises.

Every error a caller can provoke with bad input is an :class:`AspRulesError`. Each
carries a list of :class:`Problem` s so one raise reports *every* problem found, each
with the place it was found (file, line, column, field path) — never a traceback from
deep inside pydantic or PyYAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and where it is."""

    message: str
    path: tuple[str | int, ...] = ()
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    code: str | None = None  # pydantic's error type or our own, so i18n can translate the message
    params: tuple[tuple[str, str], ...] = ()  # what a message of ours was made with, for its translation

    @property
    def field(self) -> str:
        """The offending key as a dotted path (``rows[2].when.ge``)."""
        out = ""
        for part in self.path:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                out += f".{part}" if out else str(part)
        return out

    @property
    def location(self) -> str:
        """``file:line:column``; empty for a fact handed in as data (no file to name)."""
        where = self.file or ""
        if where and self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        key = f" {self.field}:" if self.path else ""
        where = self.location
        if not where:  # data from a caller: the field is the place
            return f"{self.field}: {self.message}" if self.path else self.message
        return f"{where}:{key} {self.message}"

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message,
            "code": self.code,
        }


class AspRulesError(Exception):
    """Base of every error asprules raises on purpose."""

    def __init__(self, summary: str, problems: Iterable[Problem] = (), *, code: str | None = None, params: tuple[tuple[str, str], ...] = ()):
        self.summary = summary
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.code = code  # with params: the summary's catalog key, so i18n can translate it
        self.params = params
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.problems:
            return self.summary
        lines = [f"{self.summary} ({len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}):"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "error": type(self).__name__,
            "summary": self.summary,
            "problems": [p.to_json() for p in self.problems],
        }


class RulesetError(AspRulesError):
    """A ruleset file cannot be read, parsed or validated. Raised before any evaluation."""


class FactError(AspRulesError):
    """An incident or operation fact does not match the typed schema."""


class EvaluationError(AspRulesError):
    """A valid ruleset cannot decide a valid fact (e.g. a ``unique`` table matched twice)."""


class BackendUnavailable(AspRulesError):
    """The requested evaluation backend cannot run in this interpreter.

    ``hints`` says what to do instead, worded for each face that can get this error:
    ``{"python": "... backend='compiled' ...", "cli": "... --backend compiled ..."}``; the
    message shows the Python wording, the command line its own (:meth:`hint`).
    """

    def __init__(
        self,
        summary: str,
        problems: Iterable[Problem] = (),
        *,
        hints: dict[str, str] | None = None,
        hint_key: str | None = None,
        code: str | None = None,
        params: tuple[tuple[str, str], ...] = (),
    ):
        self.hints: dict[str, str] = dict(hints or {})
        self.hint_key = hint_key  # the i18n catalog's key of the hints, to show them in another language
        super().__init__(summary, problems, code=code, params=params)

    def hint(self, face: str = "python") -> str | None:
        """What to do instead, for ``face`` (``"python"`` or ``"cli"``)."""
        return self.hints.get(face) or self.hints.get("python")

    def _render(self) -> str:
        hint = self.hint("python")
        return super()._render() + (f"\n  hint: {hint}" if hint else "")

    def to_json(self) -> dict:
        return {**super().to_json(), "hints": self.hints}


@dataclass
class ProblemList:
    """Collects problems while a stage walks its input, then raises them all at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self, error: type[AspRulesError], summary: str) -> None:
        if self.problems:
            raise error(summary, self.problems)
