"""The box model, in three parts; this module names them together for callers.

* :mod:`.dimensions` — the inputs a condition can look at, cut into pieces;
* :mod:`.dnf` — conditions as unions of boxes over those pieces (:class:`Space`);
* :mod:`.regions` — the region tree split where some box has an edge.
"""

from __future__ import annotations

from .budget import DEFAULT_BUDGET, Budget, BudgetExceeded
from .dimensions import MINUTES_PER_DAY, Dim, Key, number_bounds
from .dnf import DNF, Conj, NumRange, Space
from .regions import Box, Leaf, Node, Pruning, build_tree, collapse, leaves, mark, meet, merge_boxes, query, uncovered

__all__ = [
    "Box", "Budget", "BudgetExceeded", "Conj", "DEFAULT_BUDGET", "DNF", "Dim", "Key", "Leaf", "MINUTES_PER_DAY", "Node",
    "NumRange", "Pruning", "Space", "build_tree", "collapse", "leaves", "mark", "meet", "merge_boxes", "number_bounds", "query", "uncovered",
]
