"""Findings and test results rendered for people and CI: text, json, junit, github.

``github`` prints workflow commands (``::error file=…,line=…::…``) that GitHub Actions
turns into annotations on the pull request; ``junit`` is the XML most CI servers read.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..i18n import DEFAULT_LANGUAGE, in_lang, text

if TYPE_CHECKING:  # the findings are imported by what makes them: `grade` and --help need neither
    from .analysis.findings import Finding

FORMATS = ("text", "json", "junit", "github")


def summary(findings: Sequence[Finding]) -> dict[str, int]:
    from .analysis.findings import SEVERITIES

    return {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}


def render(
    findings: Sequence[Finding],
    fmt: str,
    *,
    suite: str,
    passed: Iterable[tuple[str, str | None]] = (),
    extra: dict[str, Any] | None = None,
    text_tail: str = "",
    text_head: str = "",
    lang: str = DEFAULT_LANGUAGE,
) -> str:
    """``passed``: (name, file) of checks that passed, listed by junit and counted by text;
    ``lang``: the language of the text format's words (finding codes stay as they are)."""
    passed = list(passed)
    if fmt == "json":
        return json.dumps(
            {"findings": [f.to_json() for f in findings], "summary": summary(findings), "passed": len(passed), **(extra or {})},
            ensure_ascii=False,
            indent=2,
        )
    if fmt == "github":
        return "\n".join(_github(f) for f in findings) + (f"\n{text_tail}" if text_tail else "")
    if fmt == "junit":
        return _junit(findings, suite, passed)
    lines = ([text_head] if text_head else []) + [_text(f, lang) for f in findings]
    counts = summary(findings)
    tail = text("report.separator", lang).join(
        text("report.count", lang, count=n, severity=text(f"severity.{s}", lang), plural="s" if n != 1 else "")
        for s, n in counts.items()
        if n
    )
    if text_tail:
        lines.append(text_tail)
    shown = text("report.summary", lang, suite=suite, counts=tail or text("report.clean", lang))
    lines.append(shown + (text("report.passed", lang, count=len(passed)) if passed else ""))
    return "\n".join(lines)


def _text(f: Finding, lang: str = DEFAULT_LANGUAGE) -> str:
    rule = f" {f.rule}:" if f.rule else ""
    severity = f.severity if lang == DEFAULT_LANGUAGE else text(f"severity.{f.severity}", lang)
    out = [f"{f.location}: {severity}[{f.code}]{rule} {f.text(lang)}"]
    if f.region:
        out.append(text("report.region", lang, region=in_lang(f.region, lang)))
    for i, w in enumerate(f.witness):
        label = text("report.witness" if len(f.witness) == 1 else ("report.worse" if i else "report.less_bad"), lang)
        shown = w if isinstance(w, str) else json.dumps(w, ensure_ascii=False, sort_keys=True)
        out.append(text("report.labelled", lang, label=label, value=shown))
    return "\n".join(out)


def _github(f: Finding) -> str:
    level = {"error": "error", "warning": "warning", "info": "notice"}[f.severity]
    props = []
    if f.file:
        props.append(f"file={_prop(f.file)}")
    if f.line is not None:
        props.append(f"line={f.line}")
    if f.column is not None:
        props.append(f"col={f.column}")
    props.append(f"title={_prop(f'asprules {f.code}' + (f' {f.rule}' if f.rule else ''))}")
    message = f.message + (f" — region: {f.region}" if f.region else "")
    if f.witness:
        message += "\n" + "\n".join(w if isinstance(w, str) else json.dumps(w, ensure_ascii=False, sort_keys=True) for w in f.witness)
    return f"::{level} {','.join(props)}::{_data(message)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _junit(findings: Sequence[Finding], suite: str, passed: list[tuple[str, str | None]]) -> str:
    # imported here: xml.sax.saxutils pulls in urllib.request, ssl and email, a sixth of
    # the command line's start, and only junit output needs it
    from xml.sax.saxutils import escape, quoteattr

    failures = [f for f in findings if f.severity == "error"]
    cases = []
    for name, file in passed:
        cases.append(f"    <testcase classname={quoteattr(file or suite)} name={quoteattr(name)}/>")
    for f in findings:
        name = f"{f.code}: {f.rule or f.location}"
        body = _text(f)
        if f.severity == "error":
            inner = f"<failure message={quoteattr(f.message)} type={quoteattr(f.code)}>{escape(body)}</failure>"
        else:
            inner = f"<system-out>{escape(body)}</system-out>"
        cases.append(f"    <testcase classname={quoteattr(f.file or suite)} name={quoteattr(name)}>{inner}</testcase>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
        f"  <testsuite name={quoteattr(suite)} tests=\"{len(cases)}\" failures=\"{len(failures)}\" errors=\"0\">\n"
        + "\n".join(cases)
        + ("\n" if cases else "")
        + "  </testsuite>\n</testsuites>"
    )
