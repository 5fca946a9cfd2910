"""``asprules diff OLD NEW``: what a rule change does, before anyone approves it.

Symbolically, per grading decision (ruleset id): both versions are translated into one
box model (the same cuts, so their regions line up), and every satisfiable band where
the final level differs is reported with its old and new level, named by the rule that
changed (``L2 band: outage_minutes 30→45``) and placed at that rule's file and line on
the new side. Levels are compared by id: a level one side does not declare is reported
as added or removed, and a band's direction is judged by the declared order of each
side that declares both levels (``not comparable`` when neither does, or they disagree).

Authorization is compared by what it requires (:mod:`.authorization_diff`).

Over a corpus (:mod:`.replay`) every fact is decided under both versions against the
decision it was written for; rows that cannot be decided are listed and counted.

The gates: ``--only-raise`` fails on a band or corpus fact graded less severe or not
comparable, ``--only-restrict`` on one the new rules authorize and the old did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..decide import fact_parser
from ..errors import AspRulesError
from ..format.document import AllOf, AnyOf, Compare, NotOf
from ..i18n import DEFAULT_LANGUAGE, Said, in_lang, said, worded
from ..i18n import text as say
from ..localtext import Note
from ..loader import Rulebook
from .analysis import source_of, zone_and_periods
from .analysis.boxes import build_tree, collapse, leaves, merge_boxes
from .analysis.grading_checks import NO_TABLE, GradingModel, grading_space
from .analysis.witness import WitnessBuilder, lowest_point
from .authorization_diff import authorization_changes
from .changes import CHANGED, LOOSENING, LOWER, LOWERING, RAISE, UNJUDGED, BadRow, Change, CorpusChange, condition_words
from .replay import Replay, replay

MAX_MERGE = 300  # boxes joined into one band at most (merge_boxes is quadratic)


@dataclass
class DiffReport:
    changes: list[Change] = field(default_factory=list)
    corpus_total: int = 0
    corpus_changes: list[CorpusChange] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    bad_count: int = 0
    notes: list[Said] = field(default_factory=list)

    def lowered(self) -> bool:
        return bool(self.breaking(only_raise=True))

    def loosened(self) -> bool:
        return bool(self.breaking(only_restrict=True))

    def breaking(self, *, only_raise: bool = False, only_restrict: bool = False) -> list[Change | CorpusChange]:
        """The bands and corpus facts that break the gates asked for."""
        out: list[Change | CorpusChange] = []
        for c in [*self.changes, *self.corpus_changes]:
            grading = isinstance(c, CorpusChange) and "level" in c.old or isinstance(c, Change) and c.kind in ("grading", "levels")
            if only_raise and grading and c.direction in LOWERING:
                out.append(c)
            elif only_restrict and not grading and c.direction in LOOSENING:
                out.append(c)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "regions": [c.to_json() for c in self.changes],
            "corpus": {
                "decisions": self.corpus_total,
                "changed": [c.to_json() for c in self.corpus_changes],
                "bad_rows": self.bad_count,
                "bad": [b.to_json() for b in self.bad_rows],
            },
            "notes": [_english(n) for n in self.notes],
        }

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The report in ``lang`` (band names and regions are the rules' own words)."""
        count = len(self.changes)
        lines = [say("diff.regions", lang, count=count, plural="s" if count != 1 else "")]
        lines += [f"  {c.text(lang)}" for c in self.changes]
        if self.corpus_total or self.bad_count:
            lines.append(say("diff.corpus", lang, changed=len(self.corpus_changes), total=self.corpus_total))
            lines += [f"  {c.text(lang)}" for c in self.corpus_changes]
        if self.bad_count:
            lines.append(say("diff.bad_rows", lang, count=self.bad_count, plural="s" if self.bad_count != 1 else ""))
            lines += [f"  {b.text()}" for b in self.bad_rows]
            if self.bad_count > len(self.bad_rows):
                lines.append(say("diff.more_rows", lang, count=self.bad_count - len(self.bad_rows)))
        lines += [say("diff.note", lang, note=_in(n, lang)) for n in self.notes]
        return "\n".join(lines)


def _english(note) -> str:
    """A note as text: a catalog message (:class:`~asprules.i18n.Said`), a plain string,
    or an :class:`~asprules.localtext.Note`, in English."""
    return note.english if isinstance(note, (Said, Note)) else note


def _in(note, lang: str) -> str:
    """A note in ``lang``."""
    if isinstance(note, Said):
        return note.render(lang)
    return note if isinstance(note, str) else note.message.render(lang)


# --- grading, symbolically -------------------------------------------------------------


def judge_levels(old_grader, new_grader, old_level: str, new_level: str) -> str:
    """``raise`` / ``lower`` by the declared order of each side that declares both levels;
    ``not comparable`` when neither does or the two orders disagree."""
    votes = set()
    for grader in (old_grader, new_grader):
        rank = grader.rank
        if old_level in rank and new_level in rank and rank[old_level] != rank[new_level]:
            votes.add(RAISE if rank[new_level] < rank[old_level] else LOWER)
    return votes.pop() if len(votes) == 1 else UNJUDGED


def level_changes(old: Rulebook, new: Rulebook, decision: str | None = None) -> list[Change]:
    """Levels one side declares and the other does not, and levels whose order changed."""
    a, b = old.grading, new.grading
    if a is None or b is None:
        return []
    source = source_of(new, b.doc)
    out = []
    old_ids, new_ids = [lv.id for lv in a.doc.levels], [lv.id for lv in b.doc.levels]
    for i, lv in enumerate(b.doc.levels):
        if lv.id not in old_ids:
            pos = source.locate(("levels", i))
            out.append(Change("levels", said("words.level", id=lv.id), "—", lv.id, "added", file=source.file, line=pos[0] if pos else None, rule=lv.id, decision=decision))
    for lv in a.doc.levels:
        if lv.id not in new_ids:
            pos = source.locate(("levels",))
            out.append(Change("levels", said("words.level", id=lv.id), lv.id, "—", "removed", file=source.file, line=pos[0] if pos else None, rule=lv.id, decision=decision))
    common_old = [x for x in old_ids if x in new_ids]
    common_new = [x for x in new_ids if x in old_ids]
    if common_old != common_new:
        pos = source.locate(("levels",))
        out.append(
            Change("levels", said("words.level_order"), " > ".join(common_old), " > ".join(common_new), UNJUDGED, file=source.file,
                   line=pos[0] if pos else None, decision=decision, details=(said("words.ranked_differently"),))
        )
    return out


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
            notes.append(said("note.only_old_grading", id=ident))
    notes += [said("note.only_new_grading", id=ident) for ident in new.gradings if ident not in old.gradings]
    return pairs, notes


def grading_changes(old: Rulebook, new: Rulebook) -> tuple[list[Change], list[Said]]:
    """Changed bands (and levels) of every grading ruleset present on both sides."""
    pairs, notes = grading_pairs(old, new)
    changes: list[Change] = []
    for ident, a, b in pairs:
        found, told = _grading_changes(a, b, ident)
        changes += found
        notes += [said("note.of_decision", decision=ident, note=n) for n in told] if ident else told
    return changes, notes


def _grading_changes(old: Rulebook, new: Rulebook, decision: str | None) -> tuple[list[Change], list[Said]]:
    if old.grading is None or new.grading is None:
        return [], [] if old.grading is new.grading else [said("note.one_side_grading")]
    if old.grading.ref.sha256 == new.grading.ref.sha256:
        return [], []  # the same rules and calendars: nothing can change
    if old.grading.requires or new.grading.requires:
        return [], [said("note.requires")]
    if not old.grading.levels or not new.grading.levels:
        return [], [said("note.outputs_only")]
    levels = level_changes(old, new, decision)
    if old.grading.doc.derived != new.grading.doc.derived:
        return levels, [said("note.derived_differ")]
    if old.grading.ctx.fields != new.grading.ctx.fields:
        return levels, [said("note.schemas_differ")]
    zone, periods = zone_and_periods(new, new.grading.doc)
    space = grading_space(new.grading.doc, bool(periods), new.grading.ctx.schema)
    models = [
        GradingModel(rb.grading, source_of(rb, rb.grading.doc), *zone_and_periods(rb, rb.grading.doc), space=space) for rb in (old, new)
    ]
    space.freeze()
    offset = len(models[0].rules)
    tree = build_tree(space.full_box(), models[0].items() + models[1].items(offset))
    for leaf in leaves(tree):
        before = models[0].outcome(frozenset(r for r in leaf.rules if r < offset))
        after = models[1].outcome(frozenset(r - offset for r in leaf.rules if r >= offset))
        # a band is what decides on each side and the level it gives, by id (not by rank),
        # with the row's declared outputs when only they change
        old_level, new_level = models[0].level(before.final), models[1].level(after.final)
        shown = _outputs_changed(models, before, after) if old_level == new_level else None
        leaf.outcome = (*(shown or (old_level, new_level)), models[0].decided_by(before), models[1].decided_by(after), shown is not None)
    tree = collapse(tree, space.full_box())
    builder = WitnessBuilder(space, models[1].witnesses.template, zone, periods)
    groups: dict[tuple, list] = {}
    for leaf in leaves(tree):
        old_level, new_level, why_old, why_new, outputs_only = leaf.outcome
        if old_level == new_level:
            continue
        if outputs_only:
            direction = CHANGED
        elif NO_TABLE in (old_level, new_level):
            direction = UNJUDGED if new_level == NO_TABLE else CHANGED
        else:
            direction = judge_levels(old.grading, new.grading, old_level, new_level)
        cause = _cause(old.grading.doc, new.grading.doc, why_old, why_new)
        groups.setdefault((old_level, new_level, direction, cause), []).append((leaf.box, why_old, why_new))
    changes = []
    for (old_level, new_level, direction, cause), parts in groups.items():
        boxes = [b for b, _, _ in parts]
        merged = merge_boxes(boxes) if len(boxes) <= MAX_MERGE else boxes
        merged.sort(key=_volume, reverse=True)
        witness = None
        for box in merged[:12]:
            witness = _confirm_grading(builder.fact(lowest_point(box)), old, new, old_level, new_level)
            if witness is not None:
                break
        region = _region_words(models[1].region(_hull(merged)), len(merged))
        whys_old = sorted({w for _, w, _ in parts})
        whys_new = sorted({w for _, _, w in parts})
        band, place = _band(old.grading.doc, new.grading.doc, cause, new_level, source_of(new, new.grading.doc))
        details = () if witness is not None else (said("words.no_witness"),)
        changes.append(
            Change(
                "grading", region, _level_words(old_level), _level_words(new_level), direction, _whys(whys_old), _whys(whys_new),
                witness, band=band, details=details, decision=decision, **place,
            )
        )
    return levels + changes, []


def _whys(whys: list[str]) -> str:
    """The rules deciding a band: the shortest combination, and how many others."""
    first = min(whys, key=len)
    return first if len(whys) == 1 else said("words.other_combinations", first=first, count=len(whys) - 1)


def _region_words(region: str, parts: int) -> str:
    """A band's region (its hull) in every language, and how many parts it has."""
    if parts <= 1:
        return region
    return worded(lambda lang: in_lang(region, lang) + say("words.parts", lang, count=parts))


def _level_words(level: str) -> str:
    """A level as a band shows it: ``(no table)`` in words, a level id as it is."""
    return said("words.no_table") if level == NO_TABLE else level


def _volume(box) -> int:
    out = 1
    for lo, hi in box:
        out *= hi - lo
    return out


def _hull(boxes: list):
    return tuple((min(b[k][0] for b in boxes), max(b[k][1] for b in boxes)) for k in range(len(boxes[0])))


def _rules_by_id(doc) -> dict[str, tuple[tuple, Any]]:
    """Every row and adjustment of a grading document by id, with its path."""
    out: dict[str, tuple[tuple, Any]] = {}
    for ti, t in enumerate(doc.tables):
        for ri, row in enumerate(t.rows):
            out.setdefault(row.id, (("tables", ti, "rows", ri), row))
        out.setdefault(f"{t.id} default", (("tables", ti, "default"), t.default))
    for ai, adj in enumerate(doc.adjustments):
        out.setdefault(adj.id, (("adjustments", ai), adj))
    return out


def _cause(old_doc, new_doc, why_old: str, why_new: str) -> str | None:
    """The rule that makes a band: the first deciding rule (new side, then old) whose
    definition differs between the versions."""
    olds, news = _rules_by_id(old_doc), _rules_by_id(new_doc)
    for ident in [*why_new.split(" + "), *why_old.split(" + ")]:
        a, b = olds.get(ident), news.get(ident)
        if (a is None) != (b is None) or (a is not None and b is not None and a[1] != b[1]):
            return ident
    return None


def _band(old_doc, new_doc, cause: str | None, new_level: str, source) -> tuple[str, dict[str, Any]]:
    """The band's name (``L2 band: outage_minutes 30→45``), in every language, and the changed rule's place."""
    olds, news = _rules_by_id(old_doc), _rules_by_id(new_doc)
    if cause is None:
        pos = source.locate(("tables",))
        return said("words.band", name=new_level), {"file": source.file, "line": pos[0] if pos else None, "rule": None}
    before, after = olds.get(cause), news.get(cause)
    rule = (after or before)[1]  # type: ignore[index]
    title = None if isinstance(rule, str) else getattr(rule, "title", None)
    level = None if isinstance(rule, str) else getattr(rule, "level", None)

    def words(lang: str) -> str:
        own = (title.zh if lang == "zh" and title.zh else title.en) if title is not None else None
        name = own or level or cause
        if before is None:
            what = say("words.new_rule", lang, rule=cause)
        elif after is None:
            what = say("words.rule_removed", lang, rule=cause)
        else:
            what = _what_changed(before[1], after[1], lang) or say("words.rule_changed", lang, rule=cause)
        return say("words.band_changed", lang, name=name, what=what)

    path = after[0] if after is not None else ("tables",)
    pos = source.locate(path)
    return worded(words), {"file": source.file, "line": pos[0] if pos else None, "rule": cause}


def _what_changed(a: Any, b: Any, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """Threshold edits between two versions of a rule, e.g. ``affected_users_pct 5→10``, in ``lang``."""
    parts: list[str] = []
    if getattr(a, "level", None) != getattr(b, "level", None):
        parts.append(say("words.level_edit", lang, old=a.level, new=b.level))
    if isinstance(a, str) or isinstance(b, str):
        return say("words.default_edit", lang, old=a, new=b) if a != b else None
    cond_a, cond_b = getattr(a, "when", None), getattr(b, "when", None)
    if cond_a != cond_b:
        edits = _edits(cond_a, cond_b)
        parts += edits if edits is not None else [say("words.condition_edit", lang, old=condition_words(cond_a, lang), new=condition_words(cond_b, lang))]
    for key in ("raise_", "lower", "cap", "floor", "applies_to"):
        if getattr(a, key, None) != getattr(b, key, None):
            parts.append(f"{key.rstrip('_')} {getattr(a, key, None)}→{getattr(b, key, None)}")
    return ", ".join(parts) or None


def _edits(a: Any, b: Any) -> list[str] | None:
    """Operand edits of two conditions of the same shape; ``None`` when the shapes differ."""
    if type(a) is not type(b):
        return None
    if isinstance(a, Compare):
        if a.field != b.field or a.operator != b.operator:
            return None
        return [] if a.operand == b.operand else [f"{a.field} {_shown(a.operand)}→{_shown(b.operand)}"]
    if isinstance(a, (AllOf, AnyOf)):
        xs, ys = (a.all, b.all) if isinstance(a, AllOf) else (a.any, b.any)
        if len(xs) != len(ys):
            return None
        out: list[str] = []
        for x, y in zip(xs, ys):
            got = _edits(x, y)
            if got is None:
                return None
            out += got
        return out
    if isinstance(a, NotOf):
        return _edits(a.not_, b.not_)
    return [] if a == b else None


def _shown(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(map(str, v)) + "]"
    return str(v)


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


# --- authorization step policies, key by key -----------------------------------------------
# Quorum, separation, validity, notice recipients and the lead per risk class are
# requirement kinds of :mod:`.authorization_diff`: compared region by region, each band
# with a witness. Archiving and the channels required (all or any) are not. Each changed step is still classified here, and what a band of the region diff
# already shows (``reported``: (step, policy, way)) is left out, so a change the regions do
# not show — no witness found, or a policy they do not model — is still reported and still
# fails --only-restrict.


def step_policy_changes(old: Rulebook, new: Rulebook, reported: set[tuple[str, str, str]] | frozenset = frozenset()) -> list[Change]:
    """One change per step whose approval or notice policy changed in a way no band of the
    region diff shows (``reported``, from :func:`.authorization_diff.authorization_changes`)."""
    if old.authorization is None or new.authorization is None:
        return []
    if old.authorization.ref.sha256 == new.authorization.ref.sha256:
        return []
    return _step_changes(old.authorization.doc, new.authorization.doc, reported)


def _step_changes(old_doc, new_doc, reported: set[tuple[str, str, str]] | frozenset = frozenset()) -> list[Change]:
    """Roles, evidence, lead times and qualifications are compared region by region in
    :mod:`.authorization_diff`; only issue 14's step policies are judged here."""

    def shown(step: str, label: Said, way: str) -> bool:
        policy = label.key.removeprefix("words.policy.")
        risk = dict(label.params).get("risk")
        return (step, f"{policy}:{risk}" if risk else policy, way) in reported

    out = []
    old_steps = {s.id: s for s in old_doc.steps}
    for step in new_doc.steps:
        before = old_steps.get(step.id)
        if before is None or before == step:
            continue
        looser, tighter = [], []
        if before.approval and step.approval:
            more, fewer = approval_policy_changes(before.approval, step.approval)
            looser += [x for x in more if not shown(step.id, x, "looser")]
            tighter += [x for x in fewer if not shown(step.id, x, "stricter")]
        if before.notification and step.notification:
            more, fewer = notification_policy_changes(before.notification, step.notification)
            looser += [x for x in more if not shown(step.id, x, "looser")]
            tighter += [x for x in fewer if not shown(step.id, x, "stricter")]
        if not (looser or tighter):
            continue
        direction = "more permissive" if looser else "more restrictive"
        out.append(
            Change(
                "step", said("words.step", id=step.id), said("words.requirements"), _policy_words(looser, tighter), direction,
                details=(said("words.policy_fallback"),), rule=step.id,
            )
        )
    return out


def _policy_words(looser: list[str], tighter: list[str]) -> Said:
    """``looser quorum; stricter recipients`` in every language."""

    def words(lang: str) -> str:
        parts = [say(f"words.{way}", lang, what=", ".join(in_lang(x, lang) for x in xs)) for way, xs in (("looser", looser), ("stricter", tighter)) if xs]
        return say("words.policy_separator", lang).join(parts)

    return worded(words)


# Issue 14's step requirements, compared key by key: each returns (looser, tighter) labels.
# What the diff does not yet do with them: region-wise effects (a retrospective step, a
# freeze calendar or the customer registry changes which operations are decided how —
# these are reported as notes by :func:`policy_notes`, and a corpus run shows the effect).


def approval_policy_changes(a, b) -> tuple[list[str], list[str]]:
    """Quorum, separation of duties, validity and archiving of one step's approval."""
    from .. import clock

    looser: list[str] = []
    tighter: list[str] = []
    if b.quorum != a.quorum:
        (looser if b.quorum < a.quorum else tighter).append(said("words.policy.quorum"))
    sa, sb = a.distinct_from, b.distinct_from
    for key in ("requester", "engineer"):
        was, now = bool(sa and getattr(sa, key)), bool(sb and getattr(sb, key))
        if was != now:
            (tighter if now else looser).append(said(f"words.policy.separation_{key}"))
    steps_a, steps_b = set(sa.steps if sa else ()), set(sb.steps if sb else ())
    if steps_b - steps_a:
        tighter.append(said("words.policy.separation_steps"))
    if steps_a - steps_b:
        looser.append(said("words.policy.separation_steps"))
    va = clock.parse_duration(a.valid_for) if a.valid_for else None
    vb = clock.parse_duration(b.valid_for) if b.valid_for else None
    if va != vb:
        (looser if vb is None or (va is not None and vb > va) else tighter).append(said("words.policy.validity"))
    if (a.archive is None) != (b.archive is None):
        (tighter if b.archive is not None else looser).append(said("words.policy.archive"))
    return looser, tighter


def notification_policy_changes(a, b) -> tuple[list[str], list[str]]:
    """Channels required (all or any), recipients by role, and lead time per risk class."""
    looser: list[str] = []
    tighter: list[str] = []
    if a.require != b.require:
        (looser if b.require == "any" else tighter).append(said("words.policy.channels_required"))
    ra, rb = set(a.recipients), set(b.recipients)
    if rb - ra:
        tighter.append(said("words.policy.recipients"))
    if ra - rb:
        looser.append(said("words.policy.recipients"))
    for risk in set(a.lead_minutes_for) | set(b.lead_minutes_for):
        la, lb = a.lead_minutes_for.get(risk, a.lead_minutes), b.lead_minutes_for.get(risk, b.lead_minutes)
        if la != lb:
            (looser if lb < la else tighter).append(said("words.policy.lead_time", risk=risk))
    return looser, tighter


def policy_notes(old: Rulebook, new: Rulebook) -> list[Said]:
    """What changed in retrospective steps, obligations, calendars and the customer registry."""
    from .. import clock
    from ..format.document import CalendarDocument, CustomerRegistry

    notes: list[Said] = []
    if old.authorization is not None and new.authorization is not None:
        retro_a = {(rc.id, r.step): r.within for rc in old.authorization.doc.risk_classes for r in rc.retrospective}
        retro_b = {(rc.id, r.step): r.within for rc in new.authorization.doc.risk_classes for r in rc.retrospective}
        for (rc, step) in sorted(set(retro_a) | set(retro_b)):
            was, now = retro_a.get((rc, step)), retro_b.get((rc, step))
            if was == now:
                continue
            if was is None:
                notes.append(said("note.retro_added", risk=rc, step=step, within=now))
            elif now is None:
                notes.append(said("note.retro_removed", risk=rc, step=step))
            else:
                wider = clock.parse_duration(now) > clock.parse_duration(was)
                notes.append(said("note.retro_wider" if wider else "note.retro_narrower", risk=rc, step=step, within=now, was=was))
        obl_a = {o.id for o in old.authorization.doc.obligations}
        obl_b = {o.id for o in new.authorization.doc.obligations}
        notes += [said("note.obligation_added", id=o) for o in sorted(obl_b - obl_a)] + [said("note.obligation_removed", id=o) for o in sorted(obl_a - obl_b)]
    for kind, what in ((CalendarDocument, "calendar"), (CustomerRegistry, "registry")):
        docs_a = {d.model.id: d.source.data for d in old.documents if isinstance(d.model, kind)}
        docs_b = {d.model.id: d.source.data for d in new.documents if isinstance(d.model, kind)}
        for ident in sorted(set(docs_a) | set(docs_b)):
            if docs_a.get(ident) != docs_b.get(ident):
                state = "added" if ident not in docs_a else "removed" if ident not in docs_b else "changed"
                notes.append(said(f"note.{what}_{state}", id=ident))
    return notes


# --- over a corpus --------------------------------------------------------------------------


def corpus_changes(
    old: Rulebook, new: Rulebook, paths: Iterable[str | Path], step: Callable[[], None] | None = None, backend: str = "auto"
) -> Replay:
    """Every corpus fact decided by both versions (:func:`.replay.replay`); ``step`` is
    called once per fact decided per record (a progress counter); ``backend``: see
    :func:`.replay.replay`."""
    return replay(old, new, paths, judge_levels, step, backend)


def diff(
    old: Rulebook, new: Rulebook, corpus: Iterable[str | Path] = (), step: Callable[[], None] | None = None, backend: str = "auto"
) -> DiffReport:
    """What changes from ``old`` to ``new``: bands of the input space, and over ``corpus``."""
    report = DiffReport()
    changes, notes = grading_changes(old, new)
    report.changes += changes
    report.notes += notes
    auth = authorization_changes(old, new)
    report.changes += auth.changes
    report.notes += auth.notes
    report.changes += step_policy_changes(old, new, auth.reported)
    report.notes += policy_notes(old, new)
    corpus = list(corpus)
    if corpus:
        found = corpus_changes(old, new, corpus, step, backend)
        report.corpus_total, report.corpus_changes = found.total, found.changes
        report.notes += found.notes
        report.bad_rows, report.bad_count = found.bad, found.bad_count
    return report


__all__ = ["BadRow", "Change", "CorpusChange", "DiffReport", "corpus_changes", "diff", "grading_changes", "judge_levels", "level_changes"]
