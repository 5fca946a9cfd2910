"""What the analysis reports: one frozen finding per problem, with where and a witness."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ...errors import Problem
from ...i18n import DEFAULT_LANGUAGE, Said, problem_text

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """``code`` is stable (``gap``, ``overlap``, ``masked-row``, ``non-monotone`` …);
    ``witness`` holds concrete facts that show the problem when decided."""

    code: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    rule: str | None = None
    region: str | None = None
    witness: tuple[dict[str, Any], ...] = field(default=())
    said: Said | None = field(default=None, compare=False)  # the message's catalog key and values
    problem: Problem | None = field(default=None, compare=False, repr=False)  # the load problem it reports, if any

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The message in ``lang`` (in English, :attr:`message`)."""
        if self.said is not None:
            return self.said.render(lang)
        if self.problem is not None:  # the place is the finding's own
            return problem_text(replace(self.problem, file=None, line=None, column=None), lang)
        return self.message

    @property
    def location(self) -> str:
        return Problem("", file=self.file or "<rules>", line=self.line, column=self.column).location

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "region": self.region,
            "witness": list(self.witness),
        }


def from_problem(problem: Problem, code: str = "invalid", rule: str | None = None) -> Finding:
    """A schema or reference problem from loading, as an error finding."""
    return Finding(
        code=code,
        rule=rule,
        severity="error",
        message=f"{problem.field}: {problem.message}" if problem.path else problem.message,
        file=problem.file,
        line=problem.line,
        column=problem.column,
        problem=problem,
    )


def finding(code: str, severity: Severity, said: Said, **where: Any) -> Finding:
    """A finding whose message is a catalog message; :attr:`Finding.message` is its English."""
    return Finding(code, severity, said.english, said=said, **where)
