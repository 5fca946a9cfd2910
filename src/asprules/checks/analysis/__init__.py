"""Static analysis of rulesets: what a reviewer should know before approving a change.

    from asprules.checks.analysis import analyse_paths
    findings = analyse_paths(["rulesets/"], strict=True)

Each grading row, applies_when and adjustment is modelled as a union of boxes over the
input domains (:mod:`.boxes`); the checks (:mod:`.grading_checks`,
:mod:`.authorization_checks`) walk the regions where every rule is constant. The model
assumes incidents without a customer profile (the ruleset's default zone, window and
calendar); conditions it cannot model exactly are treated as free and every finding
that depends on them is confirmed on a concrete witness fact before it is reported.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ...errors import RulesetError
from . import budget as _budget
from .budget import Budget
from .findings import SEVERITIES, Finding, Severity, finding, from_problem
from ...i18n import said

if TYPE_CHECKING:
    from ...loader import LoadedDocument, Rulebook

__all__ = ["Budget", "Finding", "Severity", "SEVERITIES", "analyse", "analyse_paths", "assumed_figures", "check_paths", "grading_model"]


def zone_and_periods(rulebook: Rulebook, model) -> tuple:
    from ... import clock
    from ...format.calendars import intervals, recurring
    from ...format.document import CalendarDocument
    from ...loader import FALLBACK_ZONE

    zone = clock.zone(model.defaults.timezone.value if model.defaults.timezone else FALLBACK_ZONE)
    cals = {d.model.id: d.model for d in rulebook.documents if isinstance(d.model, CalendarDocument)}
    found = [iv for c in model.calendars for iv in intervals(cals[c])]
    # Recurring periods (and those in the customer's zone) are modelled by their occurrences
    # in the default zone over the years around the witness template's date.
    lo, hi = datetime(2025, 1, 1, tzinfo=zone), datetime(2028, 1, 1, tzinfo=zone)
    found += [iv for c in model.calendars for r in recurring(cals[c]) for iv in r.occurrences(lo, hi, zone) if iv.end > lo and iv.start < hi]
    return zone, tuple(sorted(found, key=lambda iv: iv.start))


def source_of(rulebook: Rulebook, model):
    return next(d.source for d in rulebook.documents if d.model is model)


def grading_model(rulebook: Rulebook, budget: Budget | None = None):
    """The box model of the loaded grading ruleset (``None`` if there is none; with
    several loaded, pass ``rulebook.for_decision(id)``)."""
    from .grading_checks import GradingModel

    if rulebook.grading is None:
        return None
    doc = rulebook.grading.doc
    zone, periods = zone_and_periods(rulebook, doc)
    return GradingModel(rulebook.grading, source_of(rulebook, doc), zone, periods, budget=budget or _budget.DEFAULT_BUDGET)


def analyse(rulebook: Rulebook, budget: Budget | None = None) -> list[Finding]:
    """Every finding of the static checks on loaded, valid rulesets.

    ``budget`` bounds the work (default :data:`.budget.DEFAULT_BUDGET`); what it stops is
    reported as ``budget`` findings, never as an exception."""
    from ...source import paused_gc

    # The analysis allocates many small short-lived objects; with a large ruleset loaded,
    # each cyclic collection would rescan all of it. Pause the collector, restore it after.
    with paused_gc():
        return _analyse(rulebook, budget or _budget.DEFAULT_BUDGET)


def _analyse(rulebook: Rulebook, budget: Budget) -> list[Finding]:
    from .authorization_checks import check_authorization, check_calendars
    from .grading_checks import check_grading

    findings: list[Finding] = check_calendars(rulebook.documents)
    for decision in rulebook.decisions:  # every grading ruleset, one at a time
        evaluator = rulebook.decision(decision)
        if evaluator.requires:
            findings.append(_chained_not_analysed(rulebook, evaluator))
            continue
        model = grading_model(rulebook.for_decision(decision), budget)
        if model is not None:
            findings += check_grading(model)
    if rulebook.authorization is not None:
        doc = rulebook.authorization.doc
        zone, periods = zone_and_periods(rulebook, doc)
        findings += check_authorization(rulebook.authorization, source_of(rulebook, doc), zone, periods, budget)
    return findings


def _chained_not_analysed(rulebook: Rulebook, evaluator) -> Finding:
    """The box model spans the fact's own fields; a decision's conditions on the level and
    outputs of others (``requires``) have no dimension there, so that ruleset is not
    analysed (the ones it requires are)."""
    source = source_of(rulebook, evaluator.doc)
    pos = source.locate(("requires",))
    needs = ", ".join(d.ref.id for d in evaluator.requires)
    return finding(
        "not-analysed", "info",
        said("finding.not_analysed", ruleset=evaluator.ref.id, needs=needs),
        rule=evaluator.ref.id, file=source.file, line=pos[0] if pos else None, column=pos[1] if pos else None,
    )


def assumed_figures(documents: Iterable[LoadedDocument]) -> list[Finding]:
    """``--strict``: every figure still marked ``provenance: assumed``."""
    out = []
    for d in documents:
        for path, node in _walk(d.source.data, ()):
            if node.get("provenance") == "assumed":
                pos = d.source.locate(path + ("provenance",))
                ident = node.get("id") or node.get("value") or ".".join(str(p) for p in path)
                name = node.get("name")
                if isinstance(name, dict):
                    ident = node.get("id") or name.get("en") or ident
                out.append(
                    finding(
                        "assumed", "error",
                        said("finding.assumed", id=ident, basis=node.get("basis", "?")),
                        file=d.source.file, line=pos[0] if pos else None, column=pos[1] if pos else None, rule=str(ident),
                    )
                )
    return out


def _walk(node, path):
    if isinstance(node, dict):
        if "provenance" in node:
            yield path, node
        for k, v in node.items():
            yield from _walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, path + (i,))


def check_paths(
    paths: Iterable[str | Path], *, strict: bool = False, load_errors_as_findings: bool = True
) -> tuple[list[Finding], tuple[LoadedDocument, ...]]:
    """Load (schema and reference problems become error findings), then analyse.

    Returns the findings and the documents that loaded — none when loading failed. Raises
    :class:`~asprules.errors.RulesetError` when a path does not exist, and for load problems
    too unless ``load_errors_as_findings``.
    """
    from ...loader import load_rulesets, rule_files

    paths = list(paths)
    rule_files(paths)  # a missing path is a usage error, not a finding
    try:
        rulebook = load_rulesets(*paths)
    except RulesetError as exc:
        if not load_errors_as_findings:
            raise
        parsed: dict[str, object] = {}  # each file is parsed once, however many problems it has
        return [from_problem(p, rule=_rule_at(p, parsed)) for p in exc.problems], ()
    findings = analyse(rulebook)
    if strict:
        findings += assumed_figures(rulebook.documents)
    return findings, rulebook.documents


def _rule_at(problem, parsed: dict[str, object]) -> str | None:
    """The id of the innermost rule (row, step, …) around a problem's field, if any;
    ``parsed`` keeps each file's data (``None``: it does not parse) between calls."""
    from ...source import parse_file

    if not problem.file or not problem.path:
        return None
    if problem.file not in parsed:
        try:
            parsed[problem.file] = parse_file(problem.file).data
        except RulesetError:
            parsed[problem.file] = None
    node = parsed[problem.file]
    if node is None:
        return None
    found = None
    for part in problem.path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str) and part != "defaults":
            found = node["id"]
    return found


def analyse_paths(paths: Iterable[str | Path], *, strict: bool = False) -> list[Finding]:
    return check_paths(paths, strict=strict)[0]
