"""Dimensions of the box model: the inputs a condition can look at, cut into pieces.

A number dimension is cut at every threshold any rule mentions (integer fields at
integers only); a choice dimension (a boolean, an enum, a list member, whether an instant
lies in a sensitive period) has one piece per value. :mod:`.dnf` translates conditions
into constraints over these dimensions and :mod:`.regions` splits their product.
"""

from __future__ import annotations

import math
import typing
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

import annotated_types
from pydantic import BaseModel

from ...facts.fields import unwrap
from ...i18n import DEFAULT_LANGUAGE, in_lang, text

Key = tuple[float, int]  # (x, 0): x starts the upper piece; (x, 1): x ends the lower piece
MINUTES_PER_DAY = 1440


@dataclass
class Dim:
    name: str
    kind: str  # "number" or "choice"
    lo: float = 0.0
    hi: float = 0.0
    integer: bool = False
    values: tuple[Any, ...] = ()
    worse_when_larger: bool = False  # an impact measure: more of it is never less severe
    label: str = ""
    cuts: set[Key] = field(default_factory=set)
    bounds: list[Key] = field(default_factory=list)  # piece i is [bounds[i], bounds[i+1])

    @property
    def opaque(self) -> bool:
        return self.name.startswith("?")

    def freeze(self) -> None:
        if self.kind == "number":
            inner = sorted(k for k in self.cuts if (self.lo, 0) < k < (self.hi, 1))
            self.bounds = [(self.lo, 0)] + inner + [(self.hi, 1)]

    @property
    def size(self) -> int:
        return len(self.bounds) - 1 if self.kind == "number" else len(self.values)

    def index(self, key: Key) -> int:
        return bisect_left(self.bounds, key)

    def lowest(self, piece: int) -> Any:
        """The least value of a piece: the witness nearest to the threshold that made it."""
        if self.kind == "choice":
            return self.values[piece]
        (x1, s1), (x2, s2) = self.bounds[piece], self.bounds[piece + 1]
        if s1 == 0:
            return _tidy(x1)
        if self.integer:
            return _tidy(math.floor(x1) + 1)
        return _tidy(x1 + min(1.0, (x2 - x1) / 2))

    def highest(self, piece: int) -> Any:
        if self.kind == "choice":
            return self.values[piece]
        (x1, _), (x2, s2) = self.bounds[piece], self.bounds[piece + 1]
        if s2 == 1:
            return _tidy(x2)
        if self.integer:
            return _tidy(math.ceil(x2) - 1)
        return _tidy(x2 - min(1.0, (x2 - x1) / 2))

    def contains(self, piece: int, value: Any) -> bool:
        if self.kind == "choice":
            return self.values[piece] == value
        (x1, s1), (x2, s2) = self.bounds[piece], self.bounds[piece + 1]
        return (value > x1 or (s1 == 0 and value == x1)) and (value < x2 or (s2 == 1 and value == x2))

    def describe(self, lo: int, hi: int, lang: str = DEFAULT_LANGUAGE) -> str | None:
        """Pieces ``[lo, hi)`` in words in ``lang`` (a label made with ``said`` is rendered in it); ``None`` when they are the whole domain."""
        if lo == 0 and hi == self.size:
            return None
        name = in_lang(self.label, lang) if self.label else self.name
        if self.kind == "choice":
            vals = self.values[lo:hi]
            shown = [_show(v) for v in vals]
            return f"{name} = {shown[0]}" if len(shown) == 1 else text("words.in", lang, name=name, values=f"{{{', '.join(shown)}}}")
        (x1, s1), (x2, s2) = self.bounds[lo], self.bounds[hi]
        if self.name.endswith(":time_of_day"):
            fmt = lambda m: f"{int(m) // 60:02d}:{int(m) % 60:02d}"  # noqa: E731
            end = x2 + 1 if s2 == 1 else x2
            return f"{name} {fmt(x1)}–{fmt(end)}"
        a, b = _show(x1), _show(x2)
        if x1 == x2:  # a single point: [x, x]
            return f"{name} = {a}"
        low = None if lo == 0 else (f"≥ {a}" if s1 == 0 else f"> {a}")
        high = None if hi == self.size else (f"< {b}" if s2 == 0 else f"≤ {b}")
        if low and high:
            return f"{name} {a}–{b}" if s1 == 0 and s2 == 0 else f"{name} {low}, {high}"
        return f"{name} {low or high}"


def _tidy(x: float) -> Any:
    return int(x) if float(x).is_integer() else x


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int) and abs(v) >= 10000:
        return f"{v:,}"
    return str(v)



def number_bounds(model: type[BaseModel], prefix: str = "") -> dict[str, tuple[float, float, bool]]:
    """Domains of a fact model's number fields, from their ``ge``/``le`` limits."""
    out: dict[str, tuple[float, float, bool]] = {}
    hints = typing.get_type_hints(model, include_extras=True)
    for name, info in model.model_fields.items():
        ann, _, found = unwrap(hints[name])
        metadata = list(info.metadata) + found
        if ann not in (int, float):
            continue
        lo = next((m.ge for m in metadata if isinstance(m, annotated_types.Ge)), -math.inf)
        hi = next((m.le for m in metadata if isinstance(m, annotated_types.Le)), math.inf)
        out[prefix + name] = (float(lo), float(hi), ann is int)
    return out
