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
from bisect import bisect_left, bisect_right
from typing import Any, Callable, NamedTuple

from ...engine.grading import GradingEvaluator, _adjust
from ...errors import AspRulesError, EvaluationError
from ...facts.fields import INCIDENT_FIELDS
from ...facts.schema import FactSchema
from ...facts.models import Incident, parse_incident
from ...format.document import GradingDocument
from ...format.validate import with_derived
from ...source import SourceDocument
from .boxes import Leaf, Space, build_tree, collapse, leaves, merge_boxes, number_bounds, uncovered
from .findings import Finding
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


class Outcome(NamedTuple):
    tables: tuple[tuple[int, ...] | None, ...]  # per table: matching rows in evaluation order, None if it does not apply
    table: int  # the deciding table, -1: none applies
    base: int
    final: int
    adjustments: tuple[tuple[bool, bool], ...]  # per adjustment: (fired, changed the level)


class GradingModel:
    """One grading ruleset as a region tree with an outcome on every leaf."""

    def __init__(self, evaluator: GradingEvaluator, source: SourceDocument, zone, periods, space: Space | None = None):
        """With a shared ``space`` (see :mod:`asprules.checks.diff`) the caller registers every
        model's conditions and then calls :meth:`finish` on each with the same tree."""
        self.ev = evaluator
        self.doc: GradingDocument = evaluator.doc
        self.source = source
        schema = evaluator.ctx.schema
        self.parse: Callable[[Any], Any] = parse_incident if schema is None or schema.bundled else schema.parse
        self.template = TEMPLATE if schema is None or schema.bundled else schema.example()
        self.witnesses = WitnessBuilder(space, self.template, zone, periods) if space else None
        self.space = space or grading_space(self.doc, bool(periods), schema)
        # rules: [applies_when per table] + [rows per table, evaluation order] + [adjustments]
        self.rules: list[tuple[str, Any, Callable[[Any], bool]]] = []
        self.applies_rule: list[int] = []
        self.row_rules: list[list[int]] = []
        dnfs = []
        for ti, t in enumerate(self.ev.tables):
            self.applies_rule.append(len(self.rules))
            self.rules.append(("applies", t.model.id, t.applies))
            dnfs.append(self.space.dnf(t.model.applies_when))
        for ti, t in enumerate(self.ev.tables):
            ids = []
            for row, pred, _rank in t.rows:
                ids.append(len(self.rules))
                self.rules.append(("row", row.id, pred))
                dnfs.append(self.space.dnf(row.when))
            self.row_rules.append(ids)
        self.adj_rule = []
        for adj in self.ev.adjustments:
            self.adj_rule.append(len(self.rules))
            self.rules.append(("adjustment", adj.model.id, adj.when))
            dnfs.append(self.space.dnf(adj.model.when))
        self.row_of = {r: (ti, k) for ti, ids in enumerate(self.row_rules) for k, r in enumerate(ids)}
        self.dnfs = dnfs
        for dnf in dnfs:
            self.space.register(dnf)
        if space is None:
            self.space.freeze()
            self.tree = build_tree(self.space.full_box(), self.items())
            self.leaves = list(leaves(self.tree))
            for leaf in self.leaves:
                leaf.outcome = self.outcome(leaf.rules)
            # monotonicity only needs what decided and the final level: far fewer regions
            self.decisions = collapse(self.tree, self.space.full_box(), self.decided)
            self.witnesses = WitnessBuilder(self.space, self.template, zone, periods)

    def decided_by(self, o: Outcome) -> str:
        """The row (or default) and the adjustments that made the level, as text."""
        if o.table < 0:
            return "no table"
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
        self._items: dict[int, list] = {}
        for i, box in items:
            self._items.setdefault(i - offset, []).append(box)
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
        try:
            incident = self.parse(fact)
        except AspRulesError:
            return None
        return frozenset(i for i, (_, _, pred) in enumerate(self.rules) if pred(incident))

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
        return self.space.describe(box) or "every incident"

    def place(self, path) -> dict[str, Any]:
        pos = self.source.locate(path)
        return {"file": self.source.file, "line": pos[0] if pos else None, "column": pos[1] if pos else None}

    def level(self, rank: int) -> str:
        return self.ev.levels[rank].id if rank < len(self.ev.levels) else "(no table)"


def _base_rank(table, hits: tuple[int, ...]) -> int:
    """The table's level for these matching rows, by its hit policy. Where ``unique`` or
    ``any`` would raise (reported as an overlap), the first matching row stands in."""
    try:
        return table.combine(hits, None)[0]
    except EvaluationError:
        return table.rows[hits[0]][2]


def grading_space(doc: GradingDocument, has_calendar: bool, schema: FactSchema | None = None) -> Space:
    """The analysis' dimensions for a grading ruleset on the handbook's incident, or on
    the declared ``schema`` (its monotonicity measures: those of :data:`MEASURES` it has)."""
    if schema is None or schema.bundled and schema.model is Incident:
        return Space(with_derived(INCIDENT_FIELDS, doc.derived), dict(doc.derived), number_bounds(Incident), MEASURES, has_calendar)
    fields = with_derived(schema.catalog, doc.derived)
    measures = {name: up for name, up in MEASURES.items() if name in schema.catalog}
    return Space(fields, dict(doc.derived), schema.number_bounds(), measures, has_calendar)


def check_grading(model: GradingModel) -> list[Finding]:
    out: list[Finding] = []
    out += _gaps(model)
    out += _overlaps_and_masking(model)
    if model.ev.levels:  # a ruleset of outputs only has no severity to be monotone in
        out += _monotonicity(model)
    out += _dead_adjustments(model)
    return out


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
    nowhere = uncovered(model.space.full_box(), applies, limit=MAX_PER_KIND)
    for box in nowhere:
        fact = model.witness_where(box, lambda o: o.table < 0)
        out.append(
            Finding(
                "gap", "error" if fact else "info",
                f"no table applies to incidents with {model.region(box)}; grading them raises an error"
                + ("" if fact else " (not confirmed on a concrete incident)"),
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
        falls = [g for b in model.items_of(model.applies_rule[ti]) for g in uncovered(b, rows, limit=MAX_PER_KIND)]
        for box in falls[:MAX_PER_KIND]:
            fact = model.witness_where(box, lambda o, ti=ti: o.tables[ti] == ())
            out.append(
                Finding(
                    "gap", "warning" if fact else "info",
                    f"table {t.model.id!r}: no row covers {model.region(box)}; it falls to the default {default.id}, a major level",
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
            Finding(
                "gap", "warning" if fact else "info",
                f"table {t.model.id!r}: no row covers {model.region(box)}; outputs {', '.join(bare)} have no default there (null)",
                rule=t.model.id, region=model.region(box), witness=(fact,) if fact else (), **model.place(("tables", ti)),
            )
        )
    return out


def _row_path(model: GradingModel, ti: int, row_id: str):
    ri = next(i for i, r in enumerate(model.doc.tables[ti].rows) if r.id == row_id)
    return ("tables", ti, "rows", ri)


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
                what = "is unique but" if policy == "unique" else f"has hit policy any but rows giving {_gives(model, ra)} and {_gives(model, rb)}:"
                out.append(
                    Finding(
                        "overlap", "error" if ok else "info",
                        f"table {t.model.id!r} {what} rows {ra.id} and {rb.id} both match {model.region(leaf.box)}"
                        + ("" if ok else " (not confirmed on a concrete incident: the region depends on a condition the model cannot decide)"),
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
                    out.append(Finding("unreachable-row", "warning", f"row {row.id} of table {t.model.id!r} can never match: its condition is unsatisfiable (within the table's applies_when)", rule=row.id, **place))
            continue
        decides: set[int] = set()
        matches: dict[int, list[Leaf]] = {}
        for leaf in model.leaves:
            hits = leaf.outcome.tables[ti]
            if not hits:
                continue
            decides.add(hits[0])
            for h in hits:
                matches.setdefault(h, []).append(leaf)
        for k, (row, _, _) in enumerate(rows):
            if k in decides:
                continue
            place = model.place(_row_path(model, ti, row.id))
            if k not in matches:
                out.append(Finding("unreachable-row", "warning", f"row {row.id} of table {t.model.id!r} can never match: its condition is unsatisfiable (within the table's applies_when)", rule=row.id, **place))
                continue
            maskers = sorted({rows[leaf.outcome.tables[ti][0]][0].id for leaf in matches[k]})
            fact, ok = model.witness(matches[k][0])
            order = "earlier rows" if t.model.hit_policy == "first" else "more severe (priority) rows"
            out.append(
                Finding(
                    "masked-row", "warning" if ok else "info",
                    f"row {row.id} of table {t.model.id!r} never decides: {order} {', '.join(maskers)} match wherever it does"
                    + ("" if ok else " (not confirmed on a concrete incident)"),
                    rule=row.id, region=model.region(_around(matches[k][0].box, [leaf.box for leaf in matches[k]])), witness=(fact,) if fact else (), **place,
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
    """Compare the two sides of every split on a measure; subtrees whose finals cannot
    get less severe across the split are skipped whole, so a monotone table costs little."""
    out = []
    seen: set[tuple] = set()
    full = model.space.full_box()
    for d, dim in enumerate(model.space.order):
        if not dim.worse_when_larger:
            continue
        reported = 0
        for a, b in _crossings(model.decisions, full, d):
            if reported >= MAX_PER_KIND:
                break
            key = (d, _why(model, a), _why(model, b))
            if key in seen:
                continue
            pair = _pair(model, a, b, d)
            if pair is None:
                continue
            seen.add(key)
            reported += 1
            low, high, lvl_low, lvl_high = pair
            face = b.box[d][0]
            out.append(
                Finding(
                    "non-monotone", "error",
                    f"worsening {dim.label} ({dim.describe(face - 1, face)} → {dim.describe(face, face + 1)}) lowers the level "
                    f"{lvl_low} → {lvl_high} ({_why(model, a)} vs {_why(model, b)})",
                    rule=_why(model, b), region=model.region(a.box), witness=(low, high),
                    **model.place(_deciding_path(model, b)),
                )
            )
    return out


def _finals(node) -> tuple[float, float]:
    """(most severe, least severe) final rank below ``node``; no-table leaves never count."""
    if isinstance(node, Leaf):
        if node.outcome.table < 0:
            return math.inf, -1
        return node.outcome.final, node.outcome.final
    if node.mark is None:
        spans = [_finals(c) for c in node.children]
        node.mark = (min(s[0] for s in spans), max(s[1] for s in spans))
    return node.mark


def _children(node, box):
    d = node.dim
    for k, child in enumerate(node.children):
        yield child, box[:d] + ((node.bounds[k], node.bounds[k + 1]),) + box[d + 1 :]


def _crossings(tree, box, d):
    """Leaf pairs (below, above) touching across a split on ``d`` where the upper is less severe."""
    stack = [(tree, box)]
    while stack:
        node, nbox = stack.pop()
        if isinstance(node, Leaf):
            continue
        kids = list(_children(node, nbox))
        if node.dim == d:
            for (a, abox), (b, bbox) in zip(kids, kids[1:]):
                yield from _cross(a, abox, b, bbox, d)
        stack += reversed(kids)


def _cross(a, abox, b, bbox, d):
    for e, ((alo, ahi), (blo, bhi)) in enumerate(zip(abox, bbox)):
        if e != d and (alo >= bhi or blo >= ahi):
            return
    if _finals(b)[1] <= _finals(a)[0]:
        return
    if isinstance(a, Leaf) and isinstance(b, Leaf):
        yield a, b
        return
    if not isinstance(a, Leaf) and not isinstance(b, Leaf) and a.dim == b.dim != d and a.bounds == b.bounds:
        # both sides split alike (common for siblings built from the same rules): pair them up
        for (ca, cabox), (cb, cbbox) in zip(_children(a, abox), _children(b, bbox)):
            yield from _cross(ca, cabox, cb, cbbox, d)
        return
    if not isinstance(a, Leaf):
        for child, cbox in _facing(a, abox, bbox, d, upper=True):
            yield from _cross(child, cbox, b, bbox, d)
    else:
        for child, cbox in _facing(b, bbox, abox, d, upper=False):
            yield from _cross(a, abox, child, cbox, d)


def _facing(node, box, other, d, upper):
    """Children of ``node`` on the shared face: the last (or first) along ``d``, else
    those meeting ``other``'s extent in the node's split dimension."""
    e, bounds = node.dim, node.bounds
    if e == d:
        k = len(node.children) - 1 if upper else 0
        return [(node.children[k], box[:e] + ((bounds[k], bounds[k + 1]),) + box[e + 1 :])]
    lo, hi = other[e]
    first = max(0, bisect_right(bounds, lo) - 1)
    last = min(len(node.children), bisect_left(bounds, hi))
    return [(node.children[k], box[:e] + ((bounds[k], bounds[k + 1]),) + box[e + 1 :]) for k in range(first, last)]


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
            why = "its condition never holds for an incident at a level it applies to"
        else:
            bound = model.ev.levels[adj.bound].id
            why = f"wherever it applies the level is already at its {'cap' if adj.step < 0 else 'floor'} {bound}"
        fact, ok = model.witness(fired[0]) if fired else (None, False)
        out.append(
            Finding(
                "dead-adjustment", "warning", f"adjustment {m.id} never changes a level: {why}",
                rule=m.id, witness=(fact,) if ok and fact else (), **model.place(("adjustments", ai)),
            )
        )
    return out
