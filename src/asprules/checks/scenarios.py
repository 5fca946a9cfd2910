"""Scenario files (``*.scenarios.yaml``): facts with the decisions they must get.

    asprules: 1
    kind: scenarios
    rules: ../rulesets            # optional, relative to this file; default: bundled
    decision: asp-handbook-grading  # optional: the grading ruleset tested (needed with several)
    base:                         # optional fields merged under every scenario's facts
      incident: {environment: production, ...}
      operation: {...}
    scenarios:
      - name: core outage of an hour is L1
        cite: §34.2.2             # optional: where the expected outcome comes from (free text)
        why: one line on why the outcome follows
        given: {id: S1, outage_minutes: 60, ...}
        expect: {level: L1, fired: [prod-l1-core-outage-day]}

A scenario is about an incident when ``expect`` names ``level``/``base_level``/``major``,
and about an operation when it names ``status``/``risk``/``missing``/``violations``;
``type: incident|operation`` says so outright. ``fired`` lists rule ids that must have
fired (a subset check unless ``fired_exactly`` is used).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from datetime import datetime
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..decide import authorize, grade
from ..engine.decisions import AuthorizationDecision, GradeDecision
from .. import i18n
from ..errors import AspRulesError, FactError, Problem, RulesetError
from ..loader import Rulebook, load_rulesets
from ..source import FormatVersion, SourceDocument, parse_file, problems_from_validation

SUFFIX = ".scenarios.yaml"
# `obligations` belong to both kinds of decision, so they tell neither
_INCIDENT_KEYS = {"level", "base_level", "major", "outputs"}
_OPERATION_KEYS = {"status", "risk", "missing", "violations", "mentions"}
_STRICT = ConfigDict(frozen=True, extra="forbid", strict=True)


class ObligationExpectation(BaseModel):
    model_config = _STRICT
    id: str
    status: Literal["open", "overdue", "met"] | None = None


class Expectation(BaseModel):
    model_config = _STRICT
    level: str | None = None
    base_level: str | None = None
    major: bool | None = None
    outputs: dict[str, Any] | None = Field(default=None, description="Declared outputs and the values they must have (lists as lists)")
    status: Literal["authorized", "pending", "denied"] | None = None
    risk: str | None = None
    missing: list[str] | None = None
    violations: list[str] | None = Field(default=None, description="Ids of the constraints broken, in any order")
    fired: list[str] | None = Field(default=None, description="Rule ids that must be among those fired")
    fired_exactly: list[str] | None = Field(default=None, description="The exact list of rule ids fired, in order")
    not_fired: list[str] | None = None
    error: Literal["FactError", "EvaluationError"] | None = Field(default=None, description="The fact must be refused")
    obligations: list[str | ObligationExpectation] | None = Field(
        default=None, description="The decision's obligations, exactly and in order: each an id, or an id and its status"
    )
    mentions: list[str] | None = Field(
        default=None, description="Texts each found in a step reason, a violation's message or detail, or a warning"
    )


class Scenario(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1)
    type: Literal["incident", "operation"] | None = None
    cite: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"\S")
    why: str | None = None
    decision: str | None = Field(default=None, min_length=1, description="The grading ruleset (its id) an incident scenario tests; default: the file's")
    given: dict[str, Any]
    at: datetime | None = Field(default=None, description="Evaluation time of an operation (default: its scheduled start)")
    expect: Expectation

    @model_validator(mode="after")
    def _kind_is_known(self) -> Scenario:
        if self.type is None:
            keys = {k for k, v in self.expect.model_dump().items() if v is not None}
            inc, op = bool(keys & _INCIDENT_KEYS), bool(keys & _OPERATION_KEYS)
            if inc == op:
                raise i18n.LocalValueError("scenario_say_type")
            object.__setattr__(self, "type", "incident" if inc else "operation")
        return self


class ScenarioFile(BaseModel):
    model_config = _STRICT
    asprules: FormatVersion
    kind: Literal["scenarios"]
    rules: str | list[str] | None = None
    decision: str | None = Field(default=None, min_length=1, description="The grading ruleset (its id) the incident scenarios test; needed when several are loaded")
    base: dict[Literal["incident", "operation"], dict[str, Any]] = {}
    scenarios: list[Scenario] = Field(min_length=1)


@dataclass(frozen=True)
class Mismatch:
    key: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.key}: expected {self.expected!r}, got {self.actual!r}"


@dataclass(frozen=True)
class ScenarioResult:
    file: str
    line: int | None
    scenario: Scenario
    decision: GradeDecision | AuthorizationDecision | None
    mismatches: tuple[Mismatch, ...] = ()
    error: AspRulesError | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatches

    @property
    def name(self) -> str:
        return self.scenario.name


@dataclass
class LoadedScenarios:
    source: SourceDocument
    spec: ScenarioFile
    rules: Rulebook
    lines: list[int | None] = field(default_factory=list)


def read_scenario_file(path: str | Path) -> tuple[SourceDocument, ScenarioFile]:
    """A scenario file's text and its validated shape; :class:`RulesetError` when it is not one."""
    source = parse_file(path)
    try:
        return source, ScenarioFile.model_validate(source.data)
    except ValidationError as exc:
        raise i18n.error(RulesetError, "invalid_scenario_file", problems_from_validation(exc, source), file=source.file) from None


def load_scenario_file(path: str | Path, rules: Rulebook | None = None, default: Callable[[], Rulebook] | None = None) -> LoadedScenarios:
    source, spec = read_scenario_file(path)
    if rules is None:
        rules = _rules_for(spec, Path(path), source, default)
    lines = [(source.locate(("scenarios", i)) or (None,))[0] for i in range(len(spec.scenarios))]
    problems = _decision_problems(source, spec, rules)
    if problems:
        raise i18n.error(RulesetError, "scenarios_no_decision", problems, file=source.file)
    return LoadedScenarios(source, spec, rules, lines)


def _decision_problems(source: SourceDocument, spec: ScenarioFile, rules: Rulebook) -> list[Problem]:
    """Every incident scenario must name one loaded grading ruleset (or there is only one)."""
    loaded = ", ".join(rules.gradings) or "—"
    out: list[Problem] = []
    if spec.decision is not None and spec.decision not in rules.gradings:
        out.append(source.problem(("decision",), i18n.said("problem.scenario_decision_unloaded", decision=spec.decision, loaded=loaded)))
    for i, sc in enumerate(spec.scenarios):
        if sc.type != "incident":
            continue
        if sc.decision is not None and sc.decision not in rules.gradings:
            out.append(source.problem(("scenarios", i, "decision"), i18n.said("problem.scenario_decision_unloaded", decision=sc.decision, loaded=loaded)))
        elif sc.decision is None and spec.decision is None and len(rules.gradings) > 1:
            out.append(source.problem(("scenarios", i), i18n.said("problem.scenario_say_decision", loaded=loaded)))
    return out


def _rules_for(spec: ScenarioFile, path: Path, source, default: Callable[[], Rulebook] | None = None) -> Rulebook:
    """The rules a file names, else ``default()`` (a project's), else the bundled rulesets."""
    if spec.rules is None:
        return default() if default is not None else load_rulesets()
    names = [spec.rules] if isinstance(spec.rules, str) else spec.rules
    missing = [
        source.problem(("rules",) if isinstance(spec.rules, str) else ("rules", i), i18n.said("problem.rules_missing", name=n, path=str(path.parent / n)))
        for i, n in enumerate(names)
        if not (path.parent / n).exists()
    ]
    if missing:  # e.g. a scenario file copied away from the rules it names
        raise i18n.error(RulesetError, "scenario_rules_missing", missing, file=source.file)
    return load_rulesets(*(path.parent / n for n in names))


def scenario_files(paths: list[str | Path]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob(f"*{SUFFIX}") if f.is_file())
            if not found:  # nothing run is not "clean": a mistyped path must not pass CI
                raise i18n.error(RulesetError, "no_scenario_files", [i18n.problem("directory_without_scenarios", file=str(p), suffix=SUFFIX)], path=str(p))
            out += found
        elif p.exists():  # a FIFO or a device is refused by what it is when read
            out.append(p)
        else:
            raise i18n.error(RulesetError, "not_found", [i18n.problem("no_such_file", file=str(p))], path=str(p))
    return out


def run_scenario(loaded: LoadedScenarios, index: int) -> ScenarioResult:
    """Decide one scenario and compare with what it expects. Never raises for the fact."""
    sc = loaded.spec.scenarios[index]
    facts = {**loaded.spec.base.get(sc.type, {}), **sc.given}  # type: ignore[arg-type]
    line = loaded.lines[index]
    decision = None
    error: AspRulesError | None = None
    try:
        # validated against the fact schema the loaded ruleset decides on (bundled or declared)
        if sc.type == "incident":
            decision = grade(facts, loaded.rules, decision=sc.decision or loaded.spec.decision)
        else:
            decision = authorize(facts, loaded.rules, at=sc.at)
    except (FactError, AspRulesError) as exc:
        error = exc
    mismatches = tuple(_compare(sc.expect, decision, error))
    return ScenarioResult(loaded.source.file, line, sc, decision, mismatches, error)


def run_file(loaded: LoadedScenarios) -> list[ScenarioResult]:
    return [run_scenario(loaded, i) for i in range(len(loaded.spec.scenarios))]


def _said(part: Any) -> str:
    """The text of one reason, detail or message as the decision JSON carries it."""
    if isinstance(part, dict):
        return str(part.get("text") or part.get("en") or "")
    return "" if part is None else str(part)


def _compare(expect: Expectation, decision, error: AspRulesError | None) -> list[Mismatch]:
    if error is not None:
        kind = type(error).__name__
        if expect.error == kind:
            return []
        return [Mismatch("error", expect.error, f"{kind}: {error}")]
    if expect.error is not None:
        return [Mismatch("error", expect.error, None)]
    out: list[Mismatch] = []
    actual = decision.to_json()
    for key in ("level", "base_level", "major", "status", "risk"):
        want = getattr(expect, key)
        if want is not None and actual.get(key) != want:
            out.append(Mismatch(key, want, actual.get(key)))
    if expect.outputs is not None:
        got_outputs = actual.get("outputs") or {}
        for name, want in expect.outputs.items():
            if name not in got_outputs:
                out.append(Mismatch(f"outputs.{name}", want, "(not an output of this decision)"))
            elif got_outputs[name] != want:
                out.append(Mismatch(f"outputs.{name}", want, got_outputs[name]))
    if expect.missing is not None and list(actual.get("missing", [])) != expect.missing:
        out.append(Mismatch("missing", expect.missing, actual.get("missing")))
    if expect.violations is not None:
        got = sorted(v["rule"] for v in actual.get("violations", []))
        if got != sorted(expect.violations):
            out.append(Mismatch("violations", sorted(expect.violations), got))
    fired = [f.id for f in decision.fired]
    if expect.fired is not None:
        absent = [r for r in expect.fired if r not in fired]
        if absent:
            out.append(Mismatch("fired", expect.fired, fired))
    if expect.fired_exactly is not None and fired != expect.fired_exactly:
        out.append(Mismatch("fired_exactly", expect.fired_exactly, fired))
    if expect.not_fired is not None:
        present = [r for r in expect.not_fired if r in fired]
        if present:
            out.append(Mismatch("not_fired", expect.not_fired, fired))
    if expect.obligations is not None:
        got_obl = [{"id": o["id"], "status": o["status"]} for o in actual.get("obligations", [])]
        want = [{"id": o, "status": None} if isinstance(o, str) else {"id": o.id, "status": o.status} for o in expect.obligations]
        shown = [{"id": g["id"], "status": g["status"] if w["status"] is not None else None} for g, w in zip(got_obl, want)]
        if len(got_obl) != len(want) or shown != want:
            out.append(Mismatch("obligations", want, got_obl))
    if expect.mentions is not None:
        # reasons and details are {code, params, text} in the JSON contract; messages {en, zh} with their text
        said = [_said(r) for st in actual.get("steps", []) for r in st["reasons"]]
        for v in actual.get("violations", []):
            said += [v.get("text") or _said(v["message"]), _said(v.get("detail"))]
        said += list(actual.get("warnings", []))
        absent = [m for m in expect.mentions if not any(m in line for line in said)]
        if absent:
            out.append(Mismatch("mentions", absent, said))
    return out
