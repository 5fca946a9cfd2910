"""Budgets of the static analysis: how much work one ruleset may cost, in counts.

The exact box model grows with the product of the conditions' alternatives and with the
arrangement of overlapping rows. Each budget below bounds one of those counts — never
wall-clock time, so a ruleset gets the same findings on every machine and every run.
When a count would pass its budget the analysis stops that part, reports a
``budget`` finding that names the table and what was not checked, and ``asprules
validate`` exits 6.

Measured on the shipped handbook rulesets (December 2026): the largest condition expands
to 4 conjunctions and the region tree has about 3,000 nodes, so the defaults leave
margins of 1,000× and 60×; at the default region budget the tree of a pathological table
takes about 2 s and 300 MB (see docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...i18n import Said, said


@dataclass(frozen=True)
class Budget:
    """Limits of one analysis run."""

    conjunctions: int = 4096  # boxes one condition may expand to (``all`` over ``any`` multiplies)
    regions: int = 200_000  # nodes of one region tree
    splits: int = 100_000  # steps of one search for uncovered regions (gaps, masked classes)


DEFAULT_BUDGET = Budget()


class BudgetExceeded(Exception):
    """A count passed its budget; ``what`` says which, in words."""

    def __init__(self, what: str, limit: int, at: int | None = None):
        super().__init__(f"{what} would pass the budget of {limit:,}")
        self.what = what
        self.limit = limit
        self.at = at  # the rule (item) being split on when the count ran out, if known

    @property
    def said(self) -> Said:
        """What ran out, as a catalog message (for the findings that report it)."""
        counted = said(_COUNTED[self.what]) if self.what in _COUNTED else self.what
        return said("finding.budget_exceeded", what=counted, limit=f"{self.limit:,}")


# What a budget counts, in each language.
_COUNTED = {
    "boxes of one condition": "finding.counted.boxes",
    "regions of the tree": "finding.counted.regions",
    "splits of the search for uncovered regions": "finding.counted.splits",
}
