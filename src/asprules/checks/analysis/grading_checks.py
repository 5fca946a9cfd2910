"""Static checks of a grading ruleset on the box model, aware of each table's hit policy.

* ``gap`` — incidents no table applies to (an error: grading them raises), and regions
  a table leaves to its ``default`` when that default is a *major* level (a warning: a
  major level nobody wrote a row for). Falling through to a non-major default such as
  ``none`` is the documented catch-all and not reported.
* ``overlap`` — two rows of a ``unique`` table match one incident, or two rows of an
  ``any`` table that give different levels do (an error: grading it raises).
* ``masked-row`` — under ``first`` (and ``priority``, after its severity sort) a row that
  never decides because earlier rows match wherever it does (a warning naming them);
  ``unreachable-row`` when its condition cannot hold at all (every policy). ``any`` and
  ``collect`` tables have no masked rows: every matching row takes part.
* ``collect sum``/``count`` tables have no default, so no default gap: the loader checks
  that their bands give every reachable total a level. Their monotonicity is checked
  like any table's (with non-negative scores and bands more severe for larger totals, a
  monotone condition set stays monotone).
* ``non-monotone`` — worsening one impact measure (:data:`MEASURES`) gives a less
  severe final level (an error, with the pair of incidents).
* ``dead-adjustment`` — an adjustment that never changes a level, because its
  condition never meets a level it applies to or its cap/floor always stops it.
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

from ...engine.grading import GradingEvaluator, _adjust
from ...errors import AspRulesError, EvaluationError
from ...facts.fields import INCIDENT_FIELDS
from ...facts.schema import FactSchema
from ...facts.models import Incident, parse_incident
from ...format.document import GradingDocument
from ...format.validate import with_derived
from ...source import SourceDocument
from .budget import DEFAULT_BUDGET, Budget, BudgetExceeded
from .dimensions import number_bounds
from .dnf import DNF, Space
from .regions import Leaf, Pruning, build_tree, collapse, leaves, mark, meet, merge_boxes, query, uncovered
from .findings import Finding, finding
from ...i18n import Said, said, text, worded
from .witness import WitnessBuilder, lowest_point


# Impact measures (§34.2): more of a number, or true for a flag, is never less severe.
MEASURES = {
    "outage_minutes": True,
    "affected_users": True,
    "affected_users_pct": True,
    "affected_sites": True,
    "core_service": True,
    "data_loss": True,
    "security_breach": True,
    "customer_complaint": True,
    "vip_customer": True,
}

TEMPLATE: dict[str, Any] = {
    "id": "WITNESS",
    "environment": "production",
    "started_at": "2026-06-10T12:00:00+00:00",
    "outage_minutes": 0,
    "affected_users": 0,
    "affected_users_pct": 0,
    "affected_sites": 0,
    "core_service": False,
    "data_loss": False,
    "security_breach": False,
    "vip_customer": False,
    "customer_complaint": False,
}
MAX_PER_KIND = 5  # witnesses listed per finding kind and rule; the rest are counted
MAX_AROUND = 64  # parts of a masked row's region joined to describe it in words
MAX_TRIES = 3  # witness pairs tried per pair of deciding rules before giving up on it


class Outcome(NamedTuple):
    # per table: matching rows in evaluation order (under a first-hit policy only the first),
    # None if it does not apply
    tables: tuple[tuple[int, ...] | None, ...]
    table: int  # the deciding table, -1: none applies
    base: int
    final: int
    adjustments: tuple[tuple[bool, bool], ...]  # per adjustment: (fired, changed the level)


NO_TABLE = "(no table)"  # the level of a region no table applies to


def _piece_words(dim, piece: int) -> Said:
    return worded(lambda lang: dim.describe(piece, piece + 1, lang) or "")


class GradingModel:
    """One grading ruleset as a region tree with an outcome on every leaf."""

    def __init__(
        self, evaluator: GradingEvaluator, source: SourceDocument, zone, periods, space: Space | None = None,
        budget: Budget = DEFAULT_BUDGET,
    ):
        """With a shared ``space`` (see :mod:`asprules.checks.diff`) the caller registers every
        model's conditions and then builds one tree over all of them.

        A condition or tree that would pass ``budget`` is not modelled exactly: the
        condition becomes an opaque one, the tree is not built (``tree`` is ``None``);
        :attr:`unchecked` says what was left out, for the ``budget`` finding."""
        self.ev = evaluator
        self.budget = budget
        self.unchecked: list[tuple[str, tuple, str]] = []  # (rule or table id, path, what was not checked)
        self.doc: GradingDocument = evaluator.doc
        self.source = source
        schema = evaluator.ctx.schema
        self.parse: Callable[[Any], Any] = parse_incident if schema is None or schema.bundled else schema.parse
        self.template = TEMPLATE if schema is None or schema.bundled else schema.example()
        self.witnesses = WitnessBuilder(space, self.template, zone, periods) if space else None
        self.space = space or grading_space(self.doc, bool(periods), schema, budget)
        # tables decided by their first matching row: later matches never matter there
        self.first_hit = frozenset(ti for ti, t in enumerate(self.ev.tables) if t.first_match)
        # rules: [applies_when per table] + [rows per table, evaluation order] + [adjustments]
        self.rules: list[tuple[str, Any, Callable[[Any], bool]]] = []
        self.applies_rule: list[int] = []
        self.row_rules: list[list[int]] = []
        dnfs = []
        for ti, t in enumerate(self.ev.tables):
            self.applies_rule.append(len(self.rules))
            self.rules.append(("applies", t.model.id, t.applies))
            dnfs.append(self._dnf(t.model.applies_when, t.model.id, ("tables", ti, "applies_when")))
        for ti, t in enumerate(self.ev.tables):
            ids = []
            for row, pred, _rank in t.rows:
                ids.append(len(self.rules))
                self.rules.append(("row", row.id, pred))
                dnfs.append(self._dnf(row.when, row.id, _row_path(self, ti, row.id) + ("when",)))
            self.row_rules.append(ids)
        self.adj_rule = []
        for ai, adj in enumerate(self.ev.adjustments):
            self.adj_rule.append(len(self.rules))
            self.rules.append(("adjustment", adj.model.id, adj.when))
            dnfs.append(self._dnf(adj.model.when, adj.model.id, ("adjustments", ai, "when")))
        self.row_of = {r: (ti, k) for ti, ids in enumerate(self.row_rules) for k, r in enumerate(ids)}
        self.dnfs = dnfs
        for dnf in dnfs:
            self.space.register(dnf)
        self.tree = None
        self.leaves: list[Leaf] = []
        self._items: dict[int, list] = {}
        self.has_items = False  # whether every rule's boxes are known (gaps need them)
        if space is None:
            self.space.freeze()
            self.witnesses = WitnessBuilder(self.space, self.template, zone, periods)
            self._build_tree()

    def _dnf(self, cond, rule: str, path: tuple) -> DNF:
        """The condition's boxes; past the budget, an opaque condition (and a note)."""
        try:
            return self.space.dnf(cond)
        except BudgetExceeded as exc:
            self.unchecked.append((rule, path, said("finding.budget_opaque_incident", rule=rule, exceeded=exc.said)))
            return self.space.opaque(cond, f"{exc}")

    def pruning(self, offset: int = 0) -> Pruning:
        """What :func:`build_tree` may leave out: rows of a table that cannot apply, and
        rows of a first-hit table below a row that already matches the whole region."""
        ordered: dict[int, tuple[Any, int]] = {}
        gated: dict[int, int] = {}
        for ti, ids in enumerate(self.row_rules):
            for k, rule in enumerate(ids):
                gated[rule + offset] = self.applies_rule[ti] + offset
                if ti in self.first_hit:
                    ordered[rule + offset] = ((offset, ti), k)  # groups of two models never meet
        return Pruning(ordered, gated)

    def _build_tree(self) -> None:
        full = self.space.full_box()
        try:
            items = self.items()
        except BudgetExceeded as exc:
            self.unchecked.append((self.doc.id, ("tables",), said("finding.budget_no_model", ruleset=self.doc.id, exceeded=exc.said)))
            return
        try:
            self.tree = build_tree(full, items, pruning=self.pruning(), limit=self.budget.regions)
        except BudgetExceeded as exc:
            rule, path = self.doc.id, ("tables",)
            if exc.at is not None and exc.at in self.row_of:
                ti, k = self.row_of[exc.at]
                rule, path = self.ev.tables[ti].model.id, ("tables", ti)
                where = said("finding.where_table_row", table=rule, row=self.ev.tables[ti].rows[k][0].id)
            elif exc.at is not None:
                kind, ident, _ = self.rules[exc.at]
                where = said("finding.where_applies" if kind == "applies" else "finding.where_rule", ruleset=self.doc.id, kind=kind, rule=ident)
            else:
                where = said("finding.where_ruleset", ruleset=self.doc.id)
            self.unchecked.append((rule, path, said("finding.budget_tree", where=where, exceeded=exc.said)))
            self.tree = None
            return
        self.leaves = list(leaves(self.tree))
        for leaf in self.leaves:
            leaf.outcome = self.outcome(leaf.rules)
        # monotonicity only needs what decided and the final level: far fewer regions
        self.decisions = collapse(self.tree, full, self.decided)

    def decided_by(self, o: Outcome) -> str:
        """The row (or default) and the adjustments that made the level, as text."""
        if o.table < 0:
            return said("words.no_table_decided")
        hits = o.tables[o.table]
        t = self.ev.tables[o.table]
        if t.first_match:
            hits = hits[:1]
        if hits:
            base = " + ".join(t.rows[k][0].id for k in hits)
        else:
            base = f"{t.model.id} {'bands (total 0)' if t.model.banded else 'default'}"
        adj = [self.ev.adjustments[i].model.id for i, (_, changed) in enumerate(o.adjustments) if changed]
        return " + ".join([base] + adj)

    def decided(self, outcome: Outcome) -> tuple:
        hits = outcome.tables[outcome.table] if outcome.table >= 0 else ()
        if outcome.table >= 0 and self.ev.tables[outcome.table].first_match:
            hits = hits[:1]
        return outcome.table, hits, outcome.final, tuple(changed for _, changed in outcome.adjustments)

    def items(self, offset: int = 0) -> list:
        """Every rule's boxes as (rule index + offset, box); the space must be frozen."""
        items = [(i + offset, box) for i, dnf in enumerate(self.dnfs) for box in self.space.items(dnf)]
        self._items = {}
        for i, box in items:
            self._items.setdefault(i - offset, []).append(box)
        self.has_items = True
        return items

    def outcome(self, holds: frozenset[int]) -> Outcome:
        per_table: list[tuple[int, ...] | None] = []
        base, deciding = len(self.ev.levels), -1
        matched: dict[int, list[int]] = {}
        for rule in sorted(holds):
            where = self.row_of.get(rule)
            if where is not None:
                matched.setdefault(where[0], []).append(where[1])
        for ti, t in enumerate(self.ev.tables):
            if self.applies_rule[ti] not in holds:
                per_table.append(None)
                continue
            hits = tuple(matched.get(ti, ()))
            if ti in self.first_hit:
                hits = hits[:1]
            per_table.append(hits)
            rank = _base_rank(t, hits)
            if rank < base:
                base, deciding = rank, ti
        rank, adjs = base, []
        for ai, adj in enumerate(self.ev.adjustments):
            fired = deciding >= 0 and rank in adj.applies_to and self.adj_rule[ai] in holds
            new = _adjust(rank, adj) if fired else rank
            adjs.append((fired, new != rank))
            rank = new
        return Outcome(tuple(per_table), deciding, base, rank, tuple(adjs))

    # -- witnesses ------------------------------------------------------------------

    def holds(self, fact: dict[str, Any]) -> frozenset[int] | None:
        """The rules that decide ``fact``: the tables that apply, their matching rows (under a
        first-hit policy the first only: :meth:`outcome` needs no more), the adjustments."""
        try:
            incident = self.parse(fact)
        except AspRulesError:
            return None
        rules = self.rules
        out = []
        for ti, ids in enumerate(self.row_rules):
            applies = self.applies_rule[ti]
            if not rules[applies][2](incident):
                continue
            out.append(applies)
            first = ti in self.first_hit
            for r in ids:
                if rules[r][2](incident):
                    out.append(r)
                    if first:
                        break
        out += [r for r in self.adj_rule if rules[r][2](incident)]
        return frozenset(out)

    def witness(self, leaf: Leaf, point=None, start=None) -> tuple[dict[str, Any] | None, bool]:
        """A fact in ``leaf`` and whether the compiled rules confirm it lies there."""
        fact = self.witnesses.fact(point or lowest_point(leaf.box), start)
        if fact is None:
            return None, False
        actual = self.holds(fact)
        return fact, actual is not None and self.outcome(actual) == leaf.outcome

    def items_of(self, rule: int) -> list:
        return self._items.get(rule, [])

    def witness_where(self, box, check: Callable[[Outcome], bool]) -> dict[str, Any] | None:
        """A fact in ``box`` whose real outcome passes ``check``."""
        fact = self.witnesses.fact(lowest_point(box))
        actual = self.holds(fact) if fact is not None else None
        return fact if actual is not None and check(self.outcome(actual)) else None

    def region(self, box) -> str:
        """A box in words, in every language (a value a finding's message or a diff's band takes)."""
        return worded(lambda lang: self.space.describe(box, lang) or text("words.every_incident", lang))

    def place(self, path) -> dict[str, Any]:
        pos = self.source.locate(path)
        return {"file": self.source.file, "line": pos[0] if pos else None, "column": pos[1] if pos else None}

    def level(self, rank: int) -> str:
        return self.ev.levels[rank].id if rank < len(self.ev.levels) else NO_TABLE


def _base_rank(table, hits: tuple[int, ...]) -> int:
    """The table's level for these matching rows, by its hit policy. Where ``unique`` or
    ``any`` would raise (reported as an overlap), the first matching row stands in."""
    try:
        return table.combine(hits, None)[0]
    except EvaluationError:
        return table.rows[hits[0]][2]


def grading_space(
    doc: GradingDocument, has_calendar: bool, schema: FactSchema | None = None, budget: Budget = DEFAULT_BUDGET
) -> Space:
    """The analysis' dimensions for a grading ruleset on the handbook's incident, or on
    the declared ``schema`` (its monotonicity measures: those of :data:`MEASURES` it has)."""
    if schema is None or schema.bundled and schema.model is Incident:
        return Space(
            with_derived(INCIDENT_FIELDS, doc.derived), dict(doc.derived), number_bounds(Incident), MEASURES, has_calendar, budget
        )
    fields = with_derived(schema.catalog, doc.derived)
    measures = {name: up for name, up in MEASURES.items() if name in schema.catalog}
    return Space(fields, dict(doc.derived), schema.number_bounds(), measures, has_calendar, budget)


def check_grading(model: GradingModel) -> list[Finding]:
    """Every grading check; ``budget`` findings for what the model could not cover."""
    out: list[Finding] = []
    if model.has_items:
        out += _gaps(model)
    if model.tree is not None:
        out += _overlaps_and_masking(model)
        if model.ev.levels:  # a ruleset of outputs only has no severity to be monotone in
            out += _monotonicity(model)
        out += _dead_adjustments(model)
    out += _budget_findings(model)
    return out


def _confirmed_or_not(told: Said, confirmed: object) -> Said:
    """A finding's message, marked when no concrete incident confirmed it."""
    return told if confirmed else said("finding.unconfirmed", finding=told)


def _budget_findings(model: GradingModel) -> list[Finding]:
    return [
        finding("budget", "info", said("finding.not_checked", what=what), rule=rule, **model.place(path))
        for rule, path, what in model.unchecked
    ]


def _confirmed(model: GradingModel, leaves_: list[Leaf], limit: int = MAX_PER_KIND) -> tuple[list[tuple[Leaf, dict]], int]:
    """Up to ``limit`` leaves with confirmed witnesses, and how many leaves had none."""
    found, unconfirmed = [], 0
    for leaf in leaves_:
        if len(found) >= limit:
            break
        fact, ok = model.witness(leaf)
        if ok:
            found.append((leaf, fact))
        else:
            unconfirmed += 1
    return found, unconfirmed


def _gaps(model: GradingModel) -> list[Finding]:
    out = []
    applies = [b for ti in range(len(model.ev.tables)) for b in model.items_of(model.applies_rule[ti])]
    steps = model.budget.splits
    try:
        nowhere = uncovered(model.space.full_box(), applies, limit=MAX_PER_KIND, steps=steps)
    except BudgetExceeded as exc:
        model.unchecked.append((model.doc.id, ("tables",), said("finding.budget_no_table", ruleset=model.doc.id, exceeded=exc.said)))
        nowhere = []
    for box in nowhere:
        fact = model.witness_where(box, lambda o: o.table < 0)
        out.append(
            finding(
                "gap", "error" if fact else "info",
                _confirmed_or_not(said("finding.no_table", region=model.region(box)), fact),
                rule=model.doc.id, region=model.region(box), witness=(fact,) if fact else (), **model.place(("tables",)),
            )
        )
    for ti, t in enumerate(model.ev.tables):
        if not model.ev.levels:
            out += _output_gaps(model, ti)
            continue
        if t.model.banded:
            continue  # the bands give every total a level; the loader checked they cover them all
        default = model.ev.levels[t.default_rank]
        if not default.major:
            continue
        rows = [b for r in model.row_rules[ti] for b in model.items_of(r)]
        try:
            falls = [g for b in model.items_of(model.applies_rule[ti]) for g in uncovered(b, rows, limit=MAX_PER_KIND, steps=steps)]
        except BudgetExceeded as exc:
            model.unchecked.append((t.model.id, ("tables", ti), said("finding.budget_default", table=t.model.id, exceeded=exc.said)))
            falls = []
        for box in falls[:MAX_PER_KIND]:
            fact = model.witness_where(box, lambda o, ti=ti: o.tables[ti] == ())
            out.append(
                finding(
                    "gap", "warning" if fact else "info",
                    said("finding.falls_to_major_default", table=t.model.id, region=model.region(box), level=default.id),
                    rule=t.model.id, region=model.region(box), witness=(fact,) if fact else (), **model.place(("tables", ti, "default")),
                )
            )
    return out


def _output_gaps(model: GradingModel, ti: int) -> list[Finding]:
    """A table of outputs only: where no row matches, outputs without a default are null."""
    t = model.ev.tables[ti]
    bare = [o.id for o in model.ev.outputs if o.default is None]
    if not bare:
        return []
    out = []
    rows = [b for r in model.row_rules[ti] for b in model.items_of(r)]
    falls = [g for b in model.items_of(model.applies_rule[ti]) for g in uncovered(b, rows, limit=MAX_PER_KIND)]
    for box in falls[:MAX_PER_KIND]:
        fact = model.witness_where(box, lambda o, ti=ti: o.tables[ti] == ())
        out.append(
            finding(
                "gap", "warning" if fact else "info",
                said("finding.outputs_without_default", table=t.model.id, region=model.region(box), outputs=", ".join(bare)),
                rule=t.model.id, region=model.region(box), witness=(fact,) if fact else (), **model.place(("tables", ti)),
            )
        )
    return out


def _row_path(model: GradingModel, ti: int, row_id: str):
    index = model.__dict__.get("_row_index")
    if index is None:
        index = model._row_index = {(tj, r.id): ri for tj, t in enumerate(model.doc.tables) for ri, r in enumerate(t.rows)}
    return ("tables", ti, "rows", index[(ti, row_id)])


def _overlaps_and_masking(model: GradingModel) -> list[Finding]:
    out = []
    for ti, t in enumerate(model.ev.tables):
        rows = t.rows
        policy = t.model.hit_policy
        if policy in ("unique", "any"):
            # unique: no two rows may match; any: two may, if they give the same level
            pairs: dict[tuple[int, int], Leaf] = {}
            for leaf in model.leaves:
                hits = leaf.outcome.tables[ti]
                if hits and len(hits) > 1:
                    for a in range(len(hits)):
                        for b in range(a + 1, len(hits)):
                            if policy == "unique" or _disagree(model, rows[hits[a]], rows[hits[b]]):
                                pairs.setdefault((hits[a], hits[b]), leaf)
            for (a, b), leaf in pairs.items():
                fact, ok = model.witness(leaf)
                ra, rb = rows[a][0], rows[b][0]
                if policy == "unique":
                    told = said("finding.overlap_unique", table=t.model.id, a=ra.id, b=rb.id, region=model.region(leaf.box))
                else:
                    told = said("finding.overlap_any", table=t.model.id, a=ra.id, b=rb.id, gives_a=_gives(model, ra), gives_b=_gives(model, rb), region=model.region(leaf.box))
                out.append(
                    finding(
                        "overlap", "error" if ok else "info",
                        told if ok else said("finding.unconfirmed_opaque", finding=told),
                        rule=rb.id, region=model.region(leaf.box), witness=(fact,) if fact else (),
                        **model.place(_row_path(model, ti, rb.id)),
                    )
                )
            if policy == "unique":
                continue
        if not t.first_match:
            # any and collect: every matching row takes part, so none is masked; only a row
            # that can never match is worth a word
            matched = {h for leaf in model.leaves for h in (leaf.outcome.tables[ti] or ())}
            for k, (row, _, _) in enumerate(rows):
                if k not in matched:
                    place = model.place(_row_path(model, ti, row.id))
                    out.append(finding("unreachable-row", "warning", said("finding.unreachable_row", row=row.id, table=t.model.id), rule=row.id, **place))
            continue
        decides = {hits[0] for leaf in model.leaves if (hits := leaf.outcome.tables[ti])}
        for k, (row, _, _) in enumerate(rows):
            if k in decides:
                continue
            place = model.place(_row_path(model, ti, row.id))
            # the parts of leaves where the table applies and the row matches; under a
            # first-hit policy the tree is not split at a row below one that matches
            boxes = model.items_of(model.row_rules[ti][k])
            met = [
                (leaf, box)
                for box in boxes
                for leaf in query(model.tree, box)  # every leaf it yields meets the box
                if leaf.outcome.tables[ti] is not None
            ]
            if not met:
                out.append(finding("unreachable-row", "warning", said("finding.unreachable_row", row=row.id, table=t.model.id), rule=row.id, **place))
                continue
            maskers = sorted({rows[leaf.outcome.tables[ti][0]][0].id for leaf, _ in met if leaf.outcome.tables[ti]})
            parts = [part for leaf, box in met[:MAX_AROUND] if (part := meet(leaf.box, box)) is not None]
            fact, ok = model.witness(met[0][0], lowest_point(parts[0]))
            key = "finding.masked_row_first" if t.model.hit_policy == "first" else "finding.masked_row_priority"
            out.append(
                finding(
                    "masked-row", "warning" if ok else "info",
                    _confirmed_or_not(said(key, row=row.id, table=t.model.id, rows=", ".join(maskers)), ok),
                    rule=row.id, region=model.region(_around(parts[0], parts)), witness=(fact,) if fact else (), **place,
                )
            )
    return out


def _disagree(model: GradingModel, a, b) -> bool:
    if model.ev.levels:
        return a[2] != b[2]
    return (a[0].outputs or {}) != (b[0].outputs or {})


def _gives(model: GradingModel, row) -> str:
    return str(row.level) if model.ev.levels else ", ".join(f"{k}={v!r}" for k, v in (row.outputs or {}).items())


def _monotonicity(model: GradingModel) -> list[Finding]:
    """For every region and measure, look at the regions just above it on that measure;
    subtrees whose finals cannot be less severe are skipped whole (their mark), so a
    monotone table costs about one pruned query per region and measure."""
    out = []
    tree = model.decisions
    mark(tree, _leaf_finals, lambda spans: (min(s[0] for s in spans), max(s[1] for s in spans)))
    regions = [leaf for leaf in leaves(tree) if leaf.outcome.table >= 0]
    for d, dim in enumerate(model.space.order):
        if not dim.worse_when_larger:
            continue
        reported = 0
        tries: dict[tuple, int] = {}
        for a in regions:
            if reported >= MAX_PER_KIND:
                break
            face = a.box[d][1]
            if face >= dim.size:
                continue
            above = a.box[:d] + ((face, face + 1),) + a.box[d + 1 :]
            final = a.outcome.final
            for b in query(tree, above, skip=lambda node, final=final: node.mark[1] <= final):  # the least severe final below
                key = (_why(model, a), _why(model, b))
                if tries.get(key, 0) >= MAX_TRIES:
                    continue
                pair = _pair(model, a, b, d)
                if pair is None:
                    tries[key] = tries.get(key, 0) + 1
                    continue
                tries[key] = MAX_TRIES  # reported once
                reported += 1
                low, high, lvl_low, lvl_high = pair
                out.append(
                    finding(
                        "non-monotone", "error",
                        said(
                            "finding.non_monotone", measure=dim.label, below=_piece_words(dim, face - 1), above=_piece_words(dim, face),
                            low=lvl_low, high=lvl_high, a=key[0], b=key[1],
                        ),
                        rule=key[1], region=model.region(a.box), witness=(low, high),
                        **model.place(_deciding_path(model, b)),
                    )
                )
                if reported >= MAX_PER_KIND:
                    break
    return out


def _leaf_finals(leaf: Leaf) -> tuple[float, float]:
    """(most severe, least severe) final rank of a region, a leaf's ``mark``; joined over a
    subtree, its node's. No-table leaves never count."""
    if leaf.outcome.table < 0:
        return math.inf, -1
    return leaf.outcome.final, leaf.outcome.final


def _around(box, boxes):
    """The merged region among ``boxes`` that holds ``box``: fewer, larger words."""
    for merged in merge_boxes(boxes):
        if all(m[0] <= b[0] and b[1] <= m[1] for m, b in zip(merged, box)):
            return merged
    return box


def _deciding_path(model: GradingModel, leaf: Leaf) -> tuple:
    """Where the rule that decided ``leaf`` stands: its row, else its table's default."""
    o = leaf.outcome
    hits = o.tables[o.table]
    if hits:
        return _row_path(model, o.table, model.ev.tables[o.table].rows[hits[0]][0].id)
    return ("tables", o.table, "default")


def _why(model: GradingModel, leaf: Leaf) -> str:
    return model.decided_by(leaf.outcome)


def _pair(model: GradingModel, leaf: Leaf, other: Leaf, d: int):
    """Two incidents that differ only in dimension ``d``; confirmed by grading both."""
    point = tuple(max(a[0], b[0]) for a, b in zip(leaf.box, other.box))
    low_point = point[:d] + (leaf.box[d][1] - 1,) + point[d + 1 :]
    low = model.witnesses.fact(low_point)
    if low is None:
        return None
    high = model.witnesses.fact(point, start=low)
    if high is None:
        return None
    try:
        lvl_low, lvl_high = (model.ev.grade(model.parse(f)) for f in (low, high))
    except AspRulesError:
        return None
    if model.ev.rank[lvl_high.level] <= model.ev.rank[lvl_low.level]:
        return None
    if not all(_no_better(model, low, high, m) for m in MEASURES):
        return None
    return low, high, lvl_low.level, lvl_high.level


def _no_better(model: GradingModel, low: dict, high: dict, measure: str) -> bool:
    return high.get(measure) >= low.get(measure)


def _dead_adjustments(model: GradingModel) -> list[Finding]:
    out = []
    for ai, adj in enumerate(model.ev.adjustments):
        fired = [leaf for leaf in model.leaves if leaf.outcome.adjustments[ai][0]]
        changed = any(leaf.outcome.adjustments[ai][1] for leaf in fired)
        if changed:
            continue
        m = adj.model
        if not fired:
            why = said("finding.adjustment_never_applies")
        else:
            bound = model.ev.levels[adj.bound].id
            why = said("finding.adjustment_at_cap" if adj.step < 0 else "finding.adjustment_at_floor", level=bound)
        fact, ok = model.witness(fired[0]) if fired else (None, False)
        out.append(
            finding(
                "dead-adjustment", "warning", said("finding.dead_adjustment", adjustment=m.id, why=why),
                rule=m.id, witness=(fact,) if ok and fact else (), **model.place(("adjustments", ai)),
            )
        )
    return out
