"""Concrete facts for a point of the box model, and the check that they land there.

A *point* picks one piece per dimension. Number fields take the least value of their
piece (the one nearest the threshold that made it), instants are put on a day inside or
outside every sensitive period as the point asks, and derived values that are not a
field times a constant (``user_hours``) are solved for by moving one operand within its
piece. Every witness is then decided by the compiled rules; a witness that does not
reproduce the model's prediction is never reported as confirmed.
"""

from __future__ import annotations

import copy
import math
from datetime import date, datetime, time, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

from ...format.calendars import Interval
from .boxes import Box, Space

Point = tuple[int, ...]


def lowest_point(box: Box) -> Point:
    return tuple(lo for lo, _ in box)


class WitnessBuilder:
    def __init__(self, space: Space, template: dict[str, Any], zone: ZoneInfo, periods: tuple[Interval, ...]):
        self.space = space
        self.template = template
        self.zone = zone
        self.periods = periods

    def fact(self, point: Point, start: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """A fact at ``point`` (``None`` if a derived value cannot be met there)."""
        fact = copy.deepcopy(start if start is not None else self.template)
        instants: dict[str, dict[str, Any]] = {}
        lists: dict[str, set[str]] = {}
        derived_targets: list[tuple[str, int]] = []
        for dim, piece in zip(self.space.order, point):
            if dim.opaque:
                continue
            if dim.name.endswith(":time_of_day"):
                instants.setdefault(dim.name.split(":")[0], {})["minute"] = int(dim.lowest(piece))
            elif dim.name.endswith(":sensitive"):
                instants.setdefault(dim.name.split(":")[0], {})["sensitive"] = dim.values[piece]
            elif "∋" in dim.name:
                name, member = dim.name.split("∋")
                members = lists.setdefault(name, set(_get(fact, name) or ()))
                if dim.values[piece]:
                    members.add(member)
                else:
                    members.discard(member)
            elif dim.name in self.space.derived:
                derived_targets.append((dim.name, piece))
            elif start is None or not dim.contains(piece, _get(fact, dim.name)):
                _set(fact, dim.name, dim.lowest(piece))
        for name, members in lists.items():
            _set(fact, name, sorted(members))
        for name, want in instants.items():
            at = self._instant(_get(fact, name), want.get("minute"), want.get("sensitive"))
            if at is None:
                return None
            _set(fact, name, at.isoformat())
        if derived_targets and not self._solve(fact, derived_targets, point):
            return None
        return fact

    # -- instants -------------------------------------------------------------------

    def _instant(self, current: Any, minute: int | None, sensitive: bool | None) -> datetime | None:
        base = datetime.fromisoformat(current) if isinstance(current, str) else current
        if minute is None:
            local = base.astimezone(self.zone)
            minute = local.hour * 60 + local.minute
        days: list[date]
        if sensitive:
            days = [p.start.astimezone(self.zone).date() + timedelta(days=k) for p in self.periods for k in range(3)]
        else:
            first = base.astimezone(self.zone).date()
            days = [first + timedelta(days=k) for k in range(400)]
        for day in days:
            at = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.zone)
            inside = any(p.start <= at < p.end for p in self.periods)
            if sensitive is None or inside == sensitive:
                return at
        return None

    # -- derived values -------------------------------------------------------------

    def value(self, fact: dict[str, Any], name: str) -> float | None:
        if name not in self.space.derived:
            v = _get(fact, name)
            return None if isinstance(v, bool) else v
        op, operands = self.space.derived[name].operation
        vals = [self.value(fact, o) if isinstance(o, str) else o for o in operands]
        if any(v is None for v in vals):
            return None
        acc = vals[0]
        for v in vals[1:]:
            if op == "div" and v == 0:
                return None
            acc = {"add": acc + v, "sub": acc - v, "mul": acc * v, "div": acc / v if op == "div" else 0, "min": min(acc, v), "max": max(acc, v)}[op]
        return acc

    def _solve(self, fact: dict[str, Any], targets: list[tuple[str, int]], point: Point) -> bool:
        """Move free base fields so each derived value lies in its piece."""
        for name, piece in targets:
            dim = self.space.dims[name]
            if self._in(dim, piece, fact, name):
                continue
            if not self._solve_one(fact, name, piece, point):
                return False
        return all(self._in(self.space.dims[n], p, fact, n) for n, p in targets)

    def _in(self, dim, piece: int, fact: dict[str, Any], name: str) -> bool:
        v = self.value(fact, name)
        return v is not None and dim.contains(piece, v)

    def _solve_one(self, fact: dict[str, Any], name: str, piece: int, point: Point) -> bool:
        dim = self.space.dims[name]
        goal = dim.lowest(piece)
        free = self._free_fields(name)
        for base in free:
            saved = {f: _get(fact, f) for f in free}
            for setting in ("as is", "one", "highest"):
                for other in free:
                    if other != base and setting != "as is":
                        lo, hi = self._range(other, point)
                        _set(fact, other, hi if setting == "highest" else min(hi, max(lo, 1)))
                lo, hi = self._range(base, point)
                integer = self.space.bounds[base][2]
                x = _bisect_for(lambda v: self._probe(fact, base, v, name), goal, lo, hi, integer)
                if x is not None:
                    _set(fact, base, x)
                    if self._in(dim, piece, fact, name):
                        return True
                for f, v in saved.items():
                    _set(fact, f, v)
        return False

    def _probe(self, fact: dict[str, Any], base: str, v: float, name: str) -> float | None:
        saved = _get(fact, base)
        _set(fact, base, v)
        out = self.value(fact, name)
        _set(fact, base, saved)
        return out

    def _free_fields(self, name: str) -> list[str]:
        out: list[str] = []
        stack = [name]
        while stack:
            n = stack.pop()
            if n in self.space.derived:
                stack += [o for o in self.space.derived[n].operation[1] if isinstance(o, str)]
            elif n in self.space.bounds and n not in out:
                out.append(n)
        return out

    def _range(self, base: str, point: Point) -> tuple[float, float]:
        dim = self.space.dims.get(base)
        if dim is None or base not in self.space.position:
            lo, hi, _ = self.space.bounds[base]
            return lo, hi
        piece = point[self.space.position[base]]
        return dim.lowest(piece), dim.highest(piece)


def _bisect_for(f: Callable[[float], float | None], goal: float, lo: float, hi: float, integer: bool) -> float | None:
    """Least x in [lo, hi] with f(x) ≥ goal, for f non-decreasing (None: not found)."""
    top = f(hi)
    if top is None or top < goal:
        return None
    for _ in range(200):
        if hi - lo <= (1 if integer else 1e-9):
            break
        mid = math.floor((lo + hi) / 2) if integer else (lo + hi) / 2
        v = f(mid)
        if v is not None and v >= goal:
            hi = mid
        else:
            lo = mid
    for x in (lo, hi):
        v = f(x)
        if v is not None and v >= goal:
            return int(x) if integer else x
    return None


def _get(fact: dict[str, Any], dotted: str) -> Any:
    node: Any = fact
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _set(fact: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = fact
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
