"""The region tree: the product of the dimensions split where some rule's box has an edge.

Each leaf is a region on which every rule is constant. Boxes are tuples of piece-index
ranges ``(lo, hi)``, one per dimension in :attr:`.dnf.Space.order`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
import math
from typing import Any, Callable, Iterable, NamedTuple

from .budget import BudgetExceeded

Box = tuple[tuple[int, int], ...]


@dataclass
class Leaf:
    box: Box
    rules: frozenset[int]
    outcome: Any = None
    mark: Any = field(default=None, compare=False)  # its own summary, as a node's (``mark``)


@dataclass
class Node:
    dim: int
    bounds: list[int]
    children: list[Any]
    mark: Any = None  # a summary of the leaves below, for pruned queries


class Pruning(NamedTuple):
    """Which items cannot change a leaf's outcome once others are settled.

    ``ordered``: rule → (group, position): under a first-hit policy, once a rule of a
    group holds on the whole of a node, rules of that group at later positions cannot be
    the first hit below it. ``gated``: rule → the rule that must be able to hold for it
    to matter (a table's rows need its ``applies_when``).
    """

    ordered: dict[int, tuple[Any, int]]
    gated: dict[int, int]


def build_tree(
    box: Box,
    items: list[tuple[int, Box]],
    covered: frozenset[int] = frozenset(),
    *,
    pruning: Pruning | None = None,
    limit: int | None = None,
) -> Node | Leaf:
    """Split ``box`` at item edges until every item either covers a part or misses it.

    Items that cover the whole of a node are settled there (their rule holds on every
    leaf below), so only the ones still cutting through are looked at further down.
    With ``pruning``, items that can no longer matter are dropped too, so a leaf's
    ``rules`` then holds the rules that decide it, not every rule that holds. Raises
    :class:`~.budget.BudgetExceeded` when the tree would have more than ``limit`` nodes.
    """
    limit_ = limit if limit is not None else math.inf
    count = 0
    root: list[Node | Leaf | None] = [None]
    # an explicit stack: a pruned tree may be as deep as the table is long
    stack: list[tuple] = [(box, items, covered, {}, root, 0)]
    while stack:
        box, items, covered, settled, slot, at = stack.pop()
        count += 1
        partial = []
        full = []
        for item in items:
            r = item[1]
            for (lo, hi), (blo, bhi) in zip(r, box):
                if lo > blo or hi < bhi:
                    partial.append(item)
                    break
            else:
                full.append(item[0])
        if full:
            covered = covered | frozenset(full)
        if pruning is not None and partial:
            partial, settled = _prune(pruning, full, partial, covered, settled)
        if not partial:
            slot[at] = Leaf(box, covered)
            continue
        if count > limit_:
            raise BudgetExceeded("regions of the tree", int(limit_), at=partial[0][0])
        first = partial[0][1]
        d = next(k for k, ((lo, hi), (blo, bhi)) in enumerate(zip(first, box)) if lo > blo or hi < bhi)
        blo, bhi = box[d]
        # Without pruning every partial item's edge on ``d`` is a cut, so each dimension is
        # split once on a path. With pruning only the first item's edges are: the part it
        # covers drops the items below it at once, the rest never meets it again.
        cuts = set()
        for _, r in partial[:1] if pruning is not None else partial:
            lo, hi = r[d]
            if lo > blo:
                cuts.add(lo)
            if hi < bhi:
                cuts.add(hi)
        bounds = [blo] + sorted(cuts) + [bhi]
        parts: list[list[tuple[int, Box]]] = [[] for _ in range(len(bounds) - 1)]
        for item in partial:
            lo, hi = item[1][d]
            for k in range(max(0, bisect_right(bounds, lo) - 1), min(len(parts), bisect_left(bounds, hi))):
                parts[k].append(item)
        node = Node(d, bounds, [None] * len(parts))
        slot[at] = node
        for k in reversed(range(len(parts))):  # the first child first: budget notes name the earliest rows
            stack.append((box[:d] + ((bounds[k], bounds[k + 1]),) + box[d + 1 :], parts[k], covered, settled, node.children, k))
    return root[0]  # type: ignore[return-value]


def _prune(pruning: Pruning, full: list[int], partial: list, covered: frozenset[int], settled: dict[Any, int]):
    """Partial items that can still change the outcome below a node, and the first-hit
    position settled per group there."""
    ordered, gated = pruning
    for rule in full:
        group = ordered.get(rule)
        if group is not None and group[1] < settled.get(group[0], math.inf):
            settled = {**settled, group[0]: group[1]}
    live = None
    kept = []
    for item in partial:
        rule = item[0]
        group = ordered.get(rule)
        if group is not None and group[1] > settled.get(group[0], math.inf):
            continue
        gate = gated.get(rule)
        if gate is not None and gate not in covered:
            if live is None:
                live = {it[0] for it in partial}
            if gate not in live:
                continue
        kept.append(item)
    return kept, settled


def uncovered(box: Box, covers: list[Box], limit: int = 1, steps: int | None = None) -> list[Box]:
    """Disjoint parts of ``box`` that none of ``covers`` meets (at most ``limit`` of them).

    Raises :class:`~.budget.BudgetExceeded` after more than ``steps`` splits.
    """
    out: list[Box] = []
    budget = steps if steps is not None else math.inf
    done = 0
    stack: list[tuple[Box, list[Box]]] = [(box, covers)]
    while stack and len(out) < limit:
        box, covers = stack.pop()
        done += 1
        if done > budget:
            raise BudgetExceeded("splits of the search for uncovered regions", int(budget))
        meeting = []
        for r in covers:
            inside = True
            for (lo, hi), (blo, bhi) in zip(r, box):
                if lo >= bhi or hi <= blo:
                    break
                if lo > blo or hi < bhi:
                    inside = False
            else:
                if inside:
                    break
                meeting.append(r)
        else:
            if not meeting:
                out.append(box)
                continue
            first = meeting[0]
            d = next(k for k, ((lo, hi), (blo, bhi)) in enumerate(zip(first, box)) if lo > blo or hi < bhi)
            blo, bhi = box[d]
            lo, hi = first[d]
            parts = [(a, b) for a, b in ((blo, max(blo, lo)), (max(blo, lo), min(bhi, hi)), (min(bhi, hi), bhi)) if a < b]
            for a, b in reversed(parts):
                stack.append((box[:d] + ((a, b),) + box[d + 1 :], meeting))
    return out


def merge_boxes(boxes: list[Box], limit: int = 1_000_000) -> list[Box]:
    """Join boxes that differ in one dimension only and touch there, until none do.

    One pass per dimension groups the boxes by their other ranges and joins touching
    runs in each group, so a pass costs O(n log n); passes repeat only while they join
    something. A merged box keeps the place of its first part. More than ``limit`` boxes
    are returned as they are.
    """
    if len(boxes) > limit or len(boxes) < 2:
        return list(boxes)
    placed = list(enumerate(boxes))
    dims = len(boxes[0])
    idle = 0  # dimensions in a row whose pass joined nothing
    k = 0
    while idle < dims:
        groups: dict[Box, list[tuple[int, Box]]] = {}
        for item in placed:
            b = item[1]
            groups.setdefault(b[:k] + b[k + 1 :], []).append(item)
        joined = False
        out: list[tuple[int, Box]] = []
        for group in groups.values():
            if len(group) == 1:
                out.append(group[0])
                continue
            group.sort(key=lambda item: item[1][k])
            first, cur = group[0]
            for place, b in group[1:]:
                if b[k][0] == cur[k][1]:
                    cur = cur[:k] + ((cur[k][0], b[k][1]),) + cur[k + 1 :]
                    first = min(first, place)
                    joined = True
                else:
                    out.append((first, cur))
                    first, cur = place, b
            out.append((first, cur))
        if joined:
            out.sort(key=lambda item: item[0])
            placed = out
            idle = 0
        else:
            idle += 1
        k = (k + 1) % dims
    return [b for _, b in placed]


def meet(a: Box, b: Box) -> Box | None:
    out = tuple((max(x[0], y[0]), min(x[1], y[1])) for x, y in zip(a, b))
    return out if all(lo < hi for lo, hi in out) else None


def collapse(node: Node | Leaf, box: Box, key: Callable[[Any], Any] = lambda outcome: outcome) -> Node | Leaf:
    """A copy of the tree where siblings with equal ``key(outcome)`` are merged, bottom up,
    so regions are as large as they can be. The leaves of ``node`` are left as they are."""
    done: dict[int, Node | Leaf] = {}
    stack: list[tuple[Node | Leaf, Box, bool]] = [(node, box, False)]
    while stack:  # post-order without recursion: pruned trees can be deep
        n, b, ready = stack.pop()
        if isinstance(n, Leaf):
            done[id(n)] = n
            continue
        d = n.dim
        if not ready:
            stack.append((n, b, True))
            stack.extend((c, b[:d] + ((n.bounds[k], n.bounds[k + 1]),) + b[d + 1 :], False) for k, c in enumerate(n.children))
            continue
        children = [done.pop(id(c)) for c in n.children]
        first = children[0]
        if isinstance(first, Leaf):
            want = key(first.outcome)
            if all(isinstance(c, Leaf) and key(c.outcome) == want for c in children[1:]):
                done[id(n)] = Leaf(b, first.rules, first.outcome)
                continue
        done[id(n)] = Node(d, n.bounds, children)
    return done[id(node)]


def mark(tree: Node | Leaf, summary: Callable[[Leaf], Any], join: Callable[[list[Any]], Any]) -> None:
    """Set every leaf's ``mark`` to its ``summary`` and every node's to ``join`` of its
    children's: a pruned query reads one attribute of whatever it meets."""
    stack: list[tuple[Node | Leaf, bool]] = [(tree, False)]
    while stack:
        n, ready = stack.pop()
        if isinstance(n, Leaf):
            n.mark = summary(n)
            continue
        if not ready:
            stack.append((n, True))
            stack.extend((c, False) for c in n.children)
            continue
        n.mark = join([c.mark for c in n.children])


def leaves(tree: Node | Leaf) -> Iterable[Leaf]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Leaf):
            yield node
        else:
            stack.extend(reversed(node.children))


def query(tree: Node | Leaf, box: Box, skip: Callable[[Any], bool] | None = None) -> Iterable[Leaf]:
    """Leaves meeting ``box``; ``skip(node)`` prunes whole subtrees."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if skip is not None and skip(node):
            continue
        if isinstance(node, Leaf):
            yield node
            continue
        lo, hi = box[node.dim]
        b = node.bounds
        first = bisect_right(b, lo) - 1
        stack.extend(node.children[first if first > 0 else 0 : bisect_left(b, hi)])  # a slice stops at the end


