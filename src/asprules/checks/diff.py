"""``asprules diff OLD NEW``: what a rule change does, before anyone approves it.

Symbolically: both grading rulesets are translated into one box model (the same cuts,
so their regions line up), and every region where the final level differs is reported
with its old and new level and the rules that decided each, e.g.
``outage_minutes 30–60, affected_users_pct ≥ 50: L3 → L2``. For authorization, every
region of operations where the risk class, the chain of steps or the constraints that
apply differ, and every step whose requirements changed, is reported and marked
``more permissive`` or ``more restrictive``.

Over a corpus (scenario files, or JSONL with one incident or operation per line) it
decides every fact under both versions and lists the decisions that change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..decide import fact_parser
from ..errors import AspRulesError, FactError, Problem
from ..i18n import DEFAULT_LANGUAGE, EN, printable
from ..i18n import text as say
from ..loader import Rulebook
from ..source import SourceDocument, parse_lines
from .analysis import source_of, zone_and_periods
from .analysis.authorization_checks import operation_space
from .analysis.boxes import build_tree, collapse, leaves, merge_boxes
from .analysis.grading_checks import GradingModel, grading_space
from .analysis.witness import WitnessBuilder, lowest_point

STATUS_ORDER = {"denied": 0, "pending": 1, "authorized": 2}  # larger is more permissive


@dataclass(frozen=True)
class Change:
    kind: str  # "grading" | "authorization" | "step"
    region: str
    old: str
    new: str
    direction: str  # "raise" | "lower" | "more permissive" | "more restrictive" | "changed"
    why_old: str = ""
    why_new: str = ""
    witness: dict[str, Any] | None = None
    decision: str | None = None  # the grading ruleset, when several are compared

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        why = f"  [{self.why_old} → {self.why_new}]" if self.why_old or self.why_new else ""
        where = f"{self.decision}: " if self.decision else ""
        return f"{where}{self.region}: {self.old} → {self.new} ({_direction(self.direction, lang)}){why}"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "decision" or v is not None}


@dataclass
class CorpusChange:
    source: str
    fact_id: str
    old: dict[str, Any]
    new: dict[str, Any]
    direction: str

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return (
            f"{printable(self.source)} {printable(self.fact_id)}: {_brief(self.old)} → {_brief(self.new)}"
            f" ({_direction(self.direction, lang)})"
        )


def _direction(direction: str, lang: str) -> str:
    key = f"direction.{direction}"
    return say(key, lang) if key in EN else direction


@dataclass
class DiffReport:
    changes: list[Change] = field(default_factory=list)
    corpus_total: int = 0
    corpus_changes: list[CorpusChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lowered(self) -> bool:
        return any(c.direction == "lower" for c in self.changes) or any(c.direction == "lower" for c in self.corpus_changes)

    def loosened(self) -> bool:
        return any(c.direction == "more permissive" for c in self.changes + self.corpus_changes)  # type: ignore[operator]

    def to_json(self) -> dict[str, Any]:
        return {
            "regions": [c.to_json() for c in self.changes],
            "corpus": {"decisions": self.corpus_total, "changed": [c.__dict__ for c in self.corpus_changes]},
            "notes": self.notes,
        }

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        count = len(self.changes)
        lines = [say("diff.regions", lang, count=count, plural="s" if count != 1 else "")]
        lines += [f"  {c.text(lang)}" for c in self.changes]
        if self.corpus_total:
            lines.append(say("diff.corpus", lang, changed=len(self.corpus_changes), total=self.corpus_total))
            lines += [f"  {c.text(lang)}" for c in self.corpus_changes]
        lines += [say("diff.note", lang, note=n) for n in self.notes]
        return "\n".join(lines)


# --- grading, symbolically -------------------------------------------------------------


def grading_pairs(old: Rulebook, new: Rulebook) -> tuple[list[tuple[str | None, Rulebook, Rulebook]], list[str]]:
    """The grading rulesets to compare, each side restricted to one: with one on each
    side, those two (whatever their ids, labelled ``None``); else those of one id."""
    if len(old.gradings) <= 1 and len(new.gradings) <= 1:
        return [(None, old, new)], []
    pairs, notes = [], []
    for ident in old.gradings:
        if ident in new.gradings:
            pairs.append((ident, old.for_decision(ident), new.for_decision(ident)))
        else:
            notes.append(f"grading ruleset {ident!r} is only in the old rules")
    notes += [f"grading ruleset {ident!r} is only in the new rules" for ident in new.gradings if ident not in old.gradings]
    return pairs, notes


def grading_changes(old: Rulebook, new: Rulebook) -> tuple[list[Change], list[str]]:
    """Changed regions of every grading ruleset present on both sides."""
    pairs, notes = grading_pairs(old, new)
    changes: list[Change] = []
    for ident, a, b in pairs:
        found, said = _grading_changes(a, b)
        changes += [Change(**{**c.__dict__, "decision": ident}) for c in found] if ident else found
        notes += [f"{ident}: {n}" for n in said] if ident else said
    return changes, notes


def _grading_changes(old: Rulebook, new: Rulebook) -> tuple[list[Change], list[str]]:
    if old.grading is None or new.grading is None:
        return [], [] if old.grading is new.grading else ["only one side has a grading ruleset"]
    if old.grading.ref.sha256 == new.grading.ref.sha256:
        return [], []  # the same rules and calendars: nothing can change
    if old.grading.requires or new.grading.requires:
        return [], ["a version reads other decisions (requires); compare them over a corpus (--scenarios)"]
    if not old.grading.levels or not new.grading.levels:
        return [], ["a version gives outputs only (no levels); compare them over a corpus (--scenarios)"]
    if old.grading.doc.derived != new.grading.doc.derived:
        return [], ["derived values differ between the versions; compare them over a corpus (--scenarios)"]
    if old.grading.ctx.fields != new.grading.ctx.fields:
        return [], ["the versions decide on different fact schemas; compare them over a corpus (--scenarios)"]
    zone, periods = zone_and_periods(new, new.grading.doc)
    space = grading_space(new.grading.doc, bool(periods), new.grading.ctx.schema)
    models = [
        GradingModel(rb.grading, source_of(rb, rb.grading.doc), *zone_and_periods(rb, rb.grading.doc), space=space) for rb in (old, new)
    ]
    space.freeze()
    offset = len(models[0].rules)
    tree = build_tree(space.full_box(), models[0].items() + models[1].items(offset))
    for leaf in leaves(tree):
        leaf.outcome = (
            models[0].outcome(frozenset(r for r in leaf.rules if r < offset)),
            models[1].outcome(frozenset(r - offset for r in leaf.rules if r >= offset)),
        )
    tree = collapse(tree, space.full_box())
    builder = WitnessBuilder(space, models[1].witnesses.template, zone, periods)
    groups: dict[tuple, list] = {}
    for leaf in leaves(tree):
        before, after = leaf.outcome
        if before.final == after.final and (before.table < 0) == (after.table < 0):
            said = _outputs_changed(models, before, after)
            if said is not None:
                groups.setdefault((*said, "changed", models[0].decided_by(before), models[1].decided_by(after)), []).append(leaf.box)
            continue
        old_level, new_level = models[0].level(before.final), models[1].level(after.final)
        if before.table < 0 or after.table < 0:
            direction = "changed"
        else:
            direction = "raise" if models[1].ev.rank.get(old_level, 99) > after.final else "lower"
        key = (old_level, new_level, direction, models[0].decided_by(before), models[1].decided_by(after))
        groups.setdefault(key, []).append(leaf.box)
    changes = []
    for (old_level, new_level, direction, why_old, why_new), boxes in groups.items():
        for box in merge_boxes(boxes):
            fact = builder.fact(lowest_point(box))
            changes.append(
                Change(
                    "grading", models[1].region(box), old_level, new_level, direction,
                    why_old, why_new, _confirm_grading(fact, old, new, old_level, new_level),
                )
            )
    return changes, []


def _outputs_changed(models: list[GradingModel], before, after) -> tuple[str, str] | None:
    """Same level, different outputs (a ruleset with levels and outputs): the two outputs as
    ``level {outputs}`` texts, or None when they agree (or no table applies)."""
    if before.table < 0 or after.table < 0 or not (models[0].ev.outputs or models[1].ev.outputs):
        return None
    shown = []
    for model, outcome in zip(models, (before, after)):
        hits = model.decided(outcome)[1]
        shown.append((model.level(outcome.final), model.ev.outputs_of(outcome.table, hits) or {}))
    if shown[0][1] == shown[1][1]:
        return None
    return tuple(f"{level} {_brief_outputs(values)}" for level, values in shown)  # type: ignore[return-value]


def _brief_outputs(values: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}={v!r}" for k, v in values.items()) + "}"


def _confirm_grading(fact, old: Rulebook, new: Rulebook, old_level: str, new_level: str) -> dict[str, Any] | None:
    if fact is None:
        return None
    try:
        decided = (
            old.grading.grade(fact_parser(old.grading)(fact)),  # type: ignore[union-attr]
            new.grading.grade(fact_parser(new.grading)(fact)),  # type: ignore[union-attr]
        )
    except AspRulesError:
        return None
    got = tuple(d.level for d in decided)
    if " {" in old_level:  # an outputs change: the level and its outputs, as shown
        got = tuple(f"{d.level} {_brief_outputs(d.outputs or {})}" for d in decided)
    return fact if got == (old_level, new_level) else None


# --- authorization, symbolically -----------------------------------------------------------


def authorization_changes(old: Rulebook, new: Rulebook) -> list[Change]:
    if old.authorization is None or new.authorization is None:
        return []
    if old.authorization.ref.sha256 == new.authorization.ref.sha256:
        return []
    evs = [old.authorization, new.authorization]
    out = _step_changes(evs[0].doc, evs[1].doc)
    docs = [ev.doc for ev in evs]
    if evs[0].ctx.fields != evs[1].ctx.fields:
        return []  # different fact schemas: a shared space would misread one side (compare over a corpus)
    space = operation_space(docs[1], True, evs[1].ctx.schema)
    dnfs: list[list] = []
    layout = []
    for doc in docs:
        rc_ids = [len(dnfs) + i for i in range(len(doc.risk_classes))]
        dnfs += [space.dnf(rc.when) for rc in doc.risk_classes]
        con_ids = [len(dnfs) + i for i in range(len(doc.constraints))]
        dnfs += [space.dnf(c.when) for c in doc.constraints]
        layout.append((doc, rc_ids, con_ids))
    for dnf in dnfs:
        space.register(dnf)
    space.freeze()
    items = [(i, box) for i, dnf in enumerate(dnfs) for box in space.items(dnf)]
    tree = build_tree(space.full_box(), items)

    def decide(doc, rc_ids, con_ids, holds):
        rc = next(doc.risk_classes[k] for k, r in enumerate(rc_ids) if r in holds or doc.risk_classes[k].when is None)
        cons = frozenset(doc.constraints[k].id for k, r in enumerate(con_ids) if r in holds)
        return rc.id, tuple(rc.chain), cons

    for leaf in leaves(tree):
        (rc0, chain0, cons0), (rc1, chain1, cons1) = (decide(*lay, leaf.rules) for lay in layout)
        # only what changes matters: the constraints both versions apply are left out
        leaf.outcome = (rc0, chain0, rc1, chain1, cons0 - cons1, cons1 - cons0)
    tree = collapse(tree, space.full_box())
    groups: dict[tuple, list] = {}
    for leaf in leaves(tree):
        rc0, chain0, rc1, chain1, dropped, added = leaf.outcome
        if (rc0, chain0) != (rc1, chain1) or dropped or added:
            groups.setdefault(leaf.outcome, []).append(leaf.box)
    for (rc0, chain0, rc1, chain1, dropped, added), boxes in groups.items():
        fewer_steps = not set(chain0) <= set(chain1) or (set(chain1) == set(chain0) and len(chain1) < len(chain0))
        looser = fewer_steps or bool(dropped)
        tighter = bool(set(chain1) - set(chain0)) or bool(added)
        direction = "more permissive" if looser else ("more restrictive" if tighter else "changed")
        old_text = f"{rc0} [{', '.join(chain0)}]" + (f" with {', '.join(sorted(dropped))}" if dropped else "")
        new_text = f"{rc1} [{', '.join(chain1)}]" + (f" with {', '.join(sorted(added))}" if added else "")
        for box in merge_boxes(boxes):
            region = space.describe(box) or "every operation"
            out.append(Change("authorization", region, old_text, new_text, direction))
    return out


def _step_changes(old_doc, new_doc) -> list[Change]:
    out = []
    old_steps = {s.id: s for s in old_doc.steps}
    for step in new_doc.steps:
        before = old_steps.get(step.id)
        if before is None or before == step:
            continue
        looser, tighter = [], []
        a, b = before.approval, step.approval
        if a and b:
            (looser if set(b.roles) - set(a.roles) else tighter if set(a.roles) - set(b.roles) else []).append("roles")
            fa, fb = set(a.evidence or ()), set(b.evidence or ())
            if a.evidence is not None and (b.evidence is None or fb - fa):
                looser.append("evidence forms")
            elif fa - fb or (a.evidence is None and b.evidence is not None):
                tighter.append("evidence forms")
        elif a and not b:
            looser.append("approval dropped")
        elif b and not a:
            tighter.append("approval added")
        na, nb = before.notification, step.notification
        if na and nb and nb.lead_minutes != na.lead_minutes:
            (looser if nb.lead_minutes < na.lead_minutes else tighter).append("notice lead time")
        qa, qb = before.qualification, step.qualification
        if qa and qb and qb.minimum != qa.minimum:
            (looser if qb.minimum < qa.minimum else tighter).append("qualification")
        elif qa and not qb:
            looser.append("qualification dropped")
        direction = "more permissive" if looser else ("more restrictive" if tighter else "changed")
        what = "; ".join(part for part in (looser and f"looser {', '.join(looser)}", tighter and f"stricter {', '.join(tighter)}") if part)
        out.append(Change("step", f"step {step.id}", "requirements", what or "requirements reworded", direction))
    return out


# --- over a corpus --------------------------------------------------------------------------


def corpus_facts(paths: Iterable[str | Path]) -> Iterable[tuple[str, str, dict[str, Any], SourceDocument | None]]:
    """(source, type, fact, its document) from scenario files and JSONL exports.

    Files are read as fact files are (regular files, size checked first); a JSONL line
    that is not a JSON object, or a YAML file that is not a scenario file, is a typed error."""
    from .scenarios import read_scenario_file, scenario_files

    for raw in paths:
        p = Path(raw)
        if p.suffix == ".jsonl":
            for doc in parse_lines(p, FactError):
                line = doc.positions.get((), (None,))[0]
                yield f"{p}:{line}", ("operation" if "scheduled_start" in doc.data else "incident"), doc.data, doc
            continue
        for f in scenario_files([p]):
            _, spec = read_scenario_file(f)
            for sc in spec.scenarios:
                if sc.expect.error is None:
                    yield f"{f}", sc.type, {**spec.base.get(sc.type, {}), **sc.given}, None  # type: ignore[arg-type]


def corpus_changes(
    old: Rulebook, new: Rulebook, paths: Iterable[str | Path], step: Callable[[], None] | None = None
) -> tuple[int, list[CorpusChange]]:
    """Decide every fact of the corpus under both rulebooks; ``step`` is called once a fact."""
    total, changed = 0, []
    for source, kind, fact, doc in corpus_facts(paths):
        if step is not None:
            step()
        if kind == "incident":
            for ident, old_rb, new_rb in grading_pairs(old, new)[0]:
                if old_rb.grading is None or new_rb.grading is None:
                    continue
                old_eval, new_eval = old_rb.grading, new_rb.grading
                a = old_eval.decide(fact_parser(old_eval)(fact, source=doc))
                b = new_eval.decide(fact_parser(new_eval)(fact, source=doc))
                total += 1
                if a.level == b.level and a.outputs == b.outputs:
                    continue
                label = {"decision": ident} if ident else {}
                before, after = {**label, "level": a.level}, {**label, "level": b.level}
                if a.outputs != b.outputs:
                    before["outputs"], after["outputs"] = a.to_json().get("outputs"), b.to_json().get("outputs")
                if a.level == b.level or a.level is None or b.level is None or b.level not in new_rb.grading.rank:
                    direction = "changed"
                else:
                    direction = "raise" if new_rb.grading.rank[b.level] < new_rb.grading.rank.get(a.level, 99) else "lower"
                changed.append(CorpusChange(source, str(fact.get("id", "?")), before, after, direction))
            continue
        else:
            if old.authorization is None or new.authorization is None:
                continue
            a = old.authorization.authorize(fact_parser(old.authorization)(fact, source=doc))
            b = new.authorization.authorize(fact_parser(new.authorization)(fact, source=doc))
            before = {"status": a.status, "missing": list(a.missing), "violations": sorted(v.rule for v in a.violations)}
            after = {"status": b.status, "missing": list(b.missing), "violations": sorted(v.rule for v in b.violations)}
            if before == after:
                total += 1
                continue
            looser = STATUS_ORDER[b.status] > STATUS_ORDER[a.status] or (
                a.status == b.status and set(b.missing) < set(a.missing)
            ) or set(before["violations"]) > set(after["violations"])
            direction = "more permissive" if looser else "more restrictive"
        total += 1
        changed.append(CorpusChange(source, str(fact.get("id", "?")), before, after, direction))
    return total, changed


def _brief(decision: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in decision.items() if v not in ([], None))


def diff(old: Rulebook, new: Rulebook, corpus: Iterable[str | Path] = (), step: Callable[[], None] | None = None) -> DiffReport:
    """What changes from ``old`` to ``new``: regions of the input space, and the decisions
    of the corpus facts (``step``: called once a corpus fact, for a progress counter)."""
    report = DiffReport()
    changes, notes = grading_changes(old, new)
    report.changes += changes
    report.notes += notes
    report.changes += authorization_changes(old, new)
    corpus = list(corpus)
    if corpus:
        report.corpus_total, report.corpus_changes = corpus_changes(old, new, corpus, step)
    return report
