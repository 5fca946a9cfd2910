"""The DNF algebra of the box model: conditions as unions of boxes over the input domains.

Every input a condition can look at becomes a *dimension*:

* a number field (``outage_minutes``) — an interval domain cut at every threshold any
  rule mentions; integer fields are cut at integers only;
* a boolean or an enum — its values;
* a list of enum members (``modifies``) — one boolean dimension per member;
* the local time of day of an instant (``local_time``) — minutes 0–1439 in the ruleset's
  default zone; whether an instant lies in a sensitive period — a boolean;
* a derived value that is a field times or over a constant (``outage_hours``) — folded
  into that field exactly; any other derived value (``user_hours``) — a number dimension
  of its own, whose witnesses are solved for afterwards (see :mod:`.witness`);
* anything else (text fields, customer profiles, spans in windows, approvals) — an
  *opaque* boolean: the model lets it be either, and every finding is confirmed by
  evaluating the compiled rules on a concrete witness before it is reported.

A condition becomes a list of *items*, each a box of piece-index ranges, one per
dimension. :func:`build_tree` splits the whole space only where some item's edge lies,
so each leaf is a region on which every rule is constant.
"""

from __future__ import annotations

import json
import math
from typing import Any, NamedTuple

from ... import clock
from ...i18n import DEFAULT_LANGUAGE, said
from ...facts.fields import FieldType
from ...format.document import (
    AllOf,
    AnyOf,
    Compare,
    Condition,
    DerivedValue,
    HasApproval,
    InSensitivePeriod,
    InWindow,
    LocalTime,
    NotOf,
)
from .budget import DEFAULT_BUDGET, Budget, BudgetExceeded
from .dimensions import MINUTES_PER_DAY, Dim, Key

# --- constraints in value space (before the cuts are known) ------------------------------

class NumRange(NamedTuple):
    start: Key
    end: Key


Conj = dict[str, Any]  # dim name → NumRange | frozenset of values
DNF = list[Conj]


class Space:
    """The dimensions of one ruleset, and the translation of its conditions into boxes."""

    def __init__(
        self,
        fields: dict[str, FieldType],
        derived: dict[str, DerivedValue],
        bounds: dict[str, tuple[float, float, bool]],
        measures: dict[str, bool],
        has_calendar: bool,
        budget: Budget = DEFAULT_BUDGET,
    ):
        self.fields = fields
        self.budget = budget
        self.derived = derived
        self.bounds = bounds  # number field → (lo, hi, integer)
        self.measures = measures  # impact measures: name → True (numbers: larger is worse; bools: true is worse)
        self.has_calendar = has_calendar
        self.dims: dict[str, Dim] = {}
        self.linear: dict[str, tuple[str, float]] = {}
        self.approximations: dict[str, str] = {}  # opaque dim → why
        self._atoms: dict[tuple, DNF] = {}
        for name in derived:
            lin = self._linear(name, 0)
            if lin is not None:
                self.linear[name] = lin

    # -- dimensions ------------------------------------------------------------------

    def _linear(self, name: str, depth: int) -> tuple[str, float] | None:
        """``name`` as (base field, positive scale), when it is a field times/over constants."""
        if name not in self.derived:
            return (name, 1.0) if name in self.bounds else None
        if depth > 8:
            return None
        op, operands = self.derived[name].operation
        names = [o for o in operands if isinstance(o, str)]
        consts = [o for o in operands if not isinstance(o, str)]
        if len(names) != 1 or op not in ("mul", "div"):
            return None
        if op == "div" and operands[0] != names[0]:
            return None
        inner = self._linear(names[0], depth + 1)
        if inner is None or any(c <= 0 for c in consts):
            return None
        scale = inner[1]
        for c in consts:
            scale = scale * c if op == "mul" else scale / c
        return inner[0], scale

    def number_dim(self, name: str) -> Dim:
        dim = self.dims.get(name)
        if dim is None:
            if name in self.bounds:
                lo, hi, integer = self.bounds[name]
            else:
                lo, hi = self.derived_range(name)
                integer = False
            dim = self.dims[name] = Dim(
                name, "number", lo=lo, hi=hi, integer=integer, worse_when_larger=self.is_measure(name), label=name
            )
        return dim

    def choice_dim(self, name: str, values: tuple[Any, ...], label: str = "", worse: bool = False) -> Dim:
        dim = self.dims.get(name)
        if dim is None:
            dim = self.dims[name] = Dim(name, "choice", values=values, worse_when_larger=worse, label=label or name)
        return dim

    def is_measure(self, name: str) -> bool:
        if name in self.measures:
            return True
        if name not in self.derived:
            return False
        op, operands = self.derived[name].operation
        names = [o for o in operands if isinstance(o, str)]
        consts = [o for o in operands if not isinstance(o, str)]
        if op == "div":
            return isinstance(operands[0], str) and self.is_measure(operands[0]) and not names[1:] and all(c > 0 for c in consts)
        if op == "sub":
            return False
        return bool(names) and all(self.is_measure(n) for n in names) and all(c >= 0 for c in consts)

    def derived_range(self, name: str) -> tuple[float, float]:
        if name in self.bounds:
            return self.bounds[name][0], self.bounds[name][1]
        op, operands = self.derived[name].operation
        ranges = [self.derived_range(o) if isinstance(o, str) else (o, o) for o in operands]
        lo, hi = ranges[0]
        for a, b in ranges[1:]:
            if op == "add":
                lo, hi = lo + a, hi + b
            elif op == "sub":
                lo, hi = lo - b, hi - a
            elif op == "mul":
                prods = [lo * a, lo * b, hi * a, hi * b]
                lo, hi = min(prods), max(prods)
            elif op == "div":
                if a <= 0 <= b:
                    return -math.inf, math.inf
                quots = [lo / a, lo / b, hi / a, hi / b]
                lo, hi = min(quots), max(quots)
            elif op == "min":
                lo, hi = min(lo, a), min(hi, b)
            else:
                lo, hi = max(lo, a), max(hi, b)
        return lo, hi

    def opaque(self, cond: Any, why: str) -> DNF:
        text = json.dumps(cond.model_dump(by_alias=True, exclude_none=True), sort_keys=True, ensure_ascii=False)
        name = "?" + text
        self.approximations[name] = why
        self.choice_dim(name, (False, True), label=text)
        return [{name: frozenset([True])}]

    # -- conditions → DNF ---------------------------------------------------------------

    def dnf(self, cond: Condition | None) -> DNF:
        if cond is None:
            return [{}]
        if isinstance(cond, AllOf):
            parts = [self.dnf(part) for part in cond.all]
            if all(len(p) == 1 for p in parts):
                return _and_single([p[0] for p in parts])
            out: DNF = [{}]
            for part in parts:
                out = _and(out, part, self)
            return out
        if isinstance(cond, AnyOf):
            union = [c for part in cond.any for c in self.dnf(part)]
            self._check_size(len(union))
            return union
        if isinstance(cond, NotOf):
            return self.negate(self.dnf(cond.not_))
        if isinstance(cond, Compare):
            # large tables repeat the same thresholds row after row
            key = repr(tuple(cond.__dict__.values()))
            dnf = self._atoms.get(key)
            if dnf is None:
                dnf = self._atoms[key] = self._compare(cond)
            return dnf
        if isinstance(cond, LocalTime):
            spec = cond.local_time
            ftype = self.fields.get(spec.field)
            if ftype is None or ftype.optional:
                return self.opaque(cond, f"the time of day of optional field {spec.field!r}")
            band = clock.parse_window(spec.within)
            dim = self.number_dim_for_time(spec.field)
            if band.crosses_midnight:
                parts = [NumRange((band.start, 0), (MINUTES_PER_DAY, 0)), NumRange((0, 0), (band.end, 0))]
            else:
                parts = [NumRange((band.start, 0), (band.end, 0))]
            clamped = [self._clamp(dim, p) for p in parts]
            return [{dim.name: c} for c in clamped if c is not None]
        if isinstance(cond, InSensitivePeriod):
            spec = cond.in_sensitive_period
            ftype = self.fields.get(spec.field) if spec.field else None
            if spec.field is None or ftype is None or ftype.optional:
                return self.opaque(cond, "a span meeting a sensitive period")
            dim = self.choice_dim(f"{spec.field}:sensitive", (False, True) if self.has_calendar else (False,), label=said("words.in_sensitive_period", what=spec.field))
            return [{dim.name: frozenset([True])}] if self.has_calendar else []
        if isinstance(cond, InWindow):
            return self.opaque(cond, "a span inside a daily window")
        if isinstance(cond, HasApproval):
            return self.opaque(cond, "approval records")
        raise TypeError(type(cond).__name__)

    def _check_size(self, n: int) -> None:
        if n > self.budget.conjunctions:
            raise BudgetExceeded("boxes of one condition", self.budget.conjunctions)

    def number_dim_for_time(self, fieldname: str) -> Dim:
        name = f"{fieldname}:time_of_day"
        dim = self.dims.get(name)
        if dim is None:
            dim = self.dims[name] = Dim(name, "number", lo=0, hi=MINUTES_PER_DAY - 1, integer=True, label=said("words.local_time", field=fieldname))
        return dim

    def negate(self, dnf: DNF) -> DNF:
        out: DNF = [{}]
        for conj in dnf:
            alternatives: DNF = []
            for name, con in conj.items():
                dim = self.dims[name]
                if isinstance(con, NumRange):
                    for part in (NumRange((dim.lo, 0), con.start), NumRange(con.end, (dim.hi, 1))):
                        if part.start < part.end:
                            alternatives.append({name: part})
                else:
                    rest = frozenset(dim.values) - con
                    if rest:
                        alternatives.append({name: rest})
            out = _and(out, alternatives, self)
        return out

    def _clamp(self, dim: Dim, r: NumRange) -> NumRange | None:
        start, end = r.start, r.end
        if dim.integer:
            start, end = _int_key(start), _int_key(end)
        start, end = max(start, (dim.lo, 0)), min(end, (dim.hi, 1))
        return NumRange(start, end) if start < end else None

    def _compare(self, cond: Compare) -> DNF:
        name, op, v = cond.field, cond.operator, cond.operand
        if name in self.linear:
            base, scale = self.linear[name]
            return self._number(cond, base, scale, op, v)
        if name in self.derived:
            return self._number(cond, name, 1.0, op, v)
        ftype = self.fields.get(name)
        if ftype is None:
            return self.opaque(cond, f"unknown field {name!r}")
        if ftype.kind == "number" and not ftype.optional and name in self.bounds:
            return self._number(cond, name, 1.0, op, v)
        if ftype.kind in ("bool", "enum") and op in ("eq", "ne", "in", "not_in", "present"):
            values: tuple[Any, ...] = (False, True) if ftype.kind == "bool" else ftype.values
            if ftype.optional:
                values = values + (None,)
            dim = self.choice_dim(name, values, worse=ftype.kind == "bool" and self.measures.get(name, False))
            real = frozenset(v for v in values if v is not None)
            if op == "present":
                chosen = real if v else frozenset(values) - real
            elif op == "eq":
                chosen = frozenset([v]) & real
            elif op == "ne":
                chosen = real - {v}
            elif op == "in":
                chosen = frozenset(v) & real
            else:
                chosen = real - frozenset(v)
            return [{dim.name: chosen}] if chosen else []
        if ftype.kind == "list" and op == "contains_any" and not ftype.optional:
            out: DNF = []
            for member in v:
                dim = self.choice_dim(f"{name}∋{member}", (False, True), label=said("words.contains", name=name, member=member))
                out.append({dim.name: frozenset([True])})
            return out
        return self.opaque(cond, f"{ftype.kind} field {name!r} with {op}")

    def _number(self, cond: Compare, name: str, scale: float, op: str, v: Any) -> DNF:
        dim = self.number_dim(name)
        if op == "between":
            ranges = [NumRange((v[0] / scale, 0), (v[1] / scale, 1))]
        elif op in ("in", "not_in", "eq", "ne"):
            values = v if op in ("in", "not_in") else [v]
            nums = [x / scale for x in values if isinstance(x, (int, float)) and not isinstance(x, bool)]
            points = [NumRange((x, 0), (x, 1)) for x in nums]
            if op in ("eq", "in"):
                ranges = points
            else:
                return self.negate([{dim.name: self._clamp(dim, p)} for p in points if self._clamp(dim, p)])
        elif op == "present":
            return [{}] if v else []
        else:
            x = v / scale
            if op in ("ge", "gt"):
                ranges = [NumRange((x, 1 if op == "gt" else 0), (math.inf, 1))]
            else:
                ranges = [NumRange((-math.inf, 0), (x, 1 if op == "le" else 0))]
        out: DNF = []
        for r in ranges:
            clamped = self._clamp(dim, r)
            if clamped is not None:
                out.append({dim.name: clamped})
        return out

    # -- index space ----------------------------------------------------------------------

    def register(self, dnf: DNF) -> None:
        for conj in dnf:
            for name, con in conj.items():
                if isinstance(con, NumRange):
                    self.dims[name].cuts.update((con.start, con.end))

    def freeze(self) -> list[Dim]:
        order = sorted(self.dims.values(), key=lambda d: (d.opaque, d.kind == "number", d.name))
        for d in order:
            d.freeze()
        self.order = order
        self.position = {d.name: i for i, d in enumerate(order)}
        return order

    def describe(self, box, lang: str = DEFAULT_LANGUAGE) -> str:
        """A box in words in ``lang``, leaving out dimensions it does not restrict ("" for everything)."""
        parts = [d.describe(lo, hi, lang) for d, (lo, hi) in zip(self.order, box)]
        return ", ".join(p for p in parts if p)

    def full_box(self) -> tuple[tuple[int, int], ...]:
        return tuple((0, d.size) for d in self.order)

    def items(self, dnf: DNF) -> list[tuple[tuple[int, int], ...]]:
        """Boxes in piece indices. A choice set becomes one box per contiguous run."""
        out = []
        for conj in dnf:
            boxes = [list(self.full_box())]
            for name, con in conj.items():
                dim = self.dims[name]
                i = self.position[name]
                if isinstance(con, NumRange):
                    runs = [(dim.index(con.start), dim.index(con.end))]
                else:
                    runs = _runs([k for k, val in enumerate(dim.values) if val in con])
                boxes = [b[:i] + [r] + b[i + 1 :] for b in boxes for r in runs]
                self._check_size(len(boxes))
            out += [tuple(b) for b in boxes if all(lo < hi for lo, hi in b)]
            self._check_size(len(out))
        return out


def _int_key(key: Key) -> Key:
    x, side = key
    if math.isinf(x):
        return key
    return (math.floor(x) + 1, 0) if side == 1 else (math.ceil(x), 0)


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for k in indices:
        if runs and runs[-1][1] == k:
            runs[-1] = (runs[-1][0], k + 1)
        else:
            runs.append((k, k + 1))
    return runs


def _and_single(conjs: list[Conj]) -> DNF:
    """The conjunction of single boxes (the common case: ``all`` of comparisons)."""
    merged: Conj = {}
    for conj in conjs:
        for name, con in conj.items():
            other = merged.get(name)
            if other is None:
                merged[name] = con
            elif isinstance(con, NumRange):
                both = NumRange(max(con.start, other.start), min(con.end, other.end))
                if not both.start < both.end:
                    return []
                merged[name] = both
            else:
                both = con & other
                if not both:
                    return []
                merged[name] = both
    return [merged]


def _and(left: DNF, right: DNF, space: Space) -> DNF:
    """The conjunction of two unions of boxes, without repeating a box.

    ``all`` over ``any`` groups multiplies: two groups of two alternatives on the same
    fields give four boxes, most of them equal once thresholds are intersected. Equal
    boxes are kept once, so the count grows with the distinct results, not 2^groups.
    """
    out: DNF = []
    seen: set = set()
    for a in left:
        for b in right:
            merged = dict(a)
            empty = False
            for name, con in b.items():
                if name not in merged:
                    merged[name] = con
                    continue
                other = merged[name]
                if isinstance(con, NumRange):
                    both = NumRange(max(con.start, other.start), min(con.end, other.end))
                    if not both.start < both.end:
                        empty = True
                        break
                    merged[name] = both
                else:
                    both = con & other
                    if not both:
                        empty = True
                        break
                    merged[name] = both
            if not empty:
                key = tuple(sorted(merged.items(), key=lambda kv: kv[0]))
                if key not in seen:
                    seen.add(key)
                    out.append(merged)
        space._check_size(len(out))
    return out
