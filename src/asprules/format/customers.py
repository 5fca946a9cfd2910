"""The customer registry (``kind: customers``): the authoritative customer profiles.

Without a registry, a fact's own ``customer`` profile is trusted as given: whoever submits
the fact chooses the time zone, the maintenance window and the sensitive periods its
rules are checked against. With one loaded, the registry decides: the fact names its
customer by ``customer.id``; its own profile may only *narrow* the window (a window
inside the registered one) or *add* sensitive periods. A fact that would widen the
window, change the zone, name an unknown customer or name none is refused — the
authorization is denied, a grade is refused with a :class:`~asprules.errors.FactError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from .. import clock
from ..i18n import Said, said
from .calendars import Interval, Recurring, customer_periods
from .document import CustomerRegistry


@dataclass(frozen=True)
class Profile:
    """A registered customer: zone, window (``None``: the ruleset's default) and periods."""

    id: str
    zone_name: str
    zone: ZoneInfo
    window: clock.DailyWindow | None
    fixed: tuple[Interval, ...]
    recurring: tuple[Recurring, ...]


@dataclass(frozen=True)
class Registry:
    """Customer profiles by id, from one or more registry documents."""

    ids: tuple[str, ...]  # the registry documents' ids
    profiles: dict[str, Profile]
    cite: str
    provenance: str

    def refusal(self, fact: Any) -> Said | None:
        """Why the fact's customer cannot be decided on, or ``None`` when it can."""
        customer = getattr(fact, "customer", None)
        known = ", ".join(self.ids)
        if customer is None:
            return said("problem.no_customer", registry=known)
        ident = getattr(customer, "id", None)
        profile = self.profiles.get(ident) if ident is not None else None
        if profile is None:
            return said("problem.unregistered_customer", customer=repr(ident), registry=known)
        zone_name = getattr(customer, "timezone", None)
        if zone_name is not None and zone_name != profile.zone_name:
            return said("problem.customer_zone_changed", customer=repr(ident), registered=profile.zone_name, given=zone_name)
        window = getattr(customer, "maintenance_window", None)
        if window is not None and profile.window is not None and not narrows(clock.parse_window(window), profile.window):
            return said("problem.customer_window_widened", customer=repr(ident), registered=profile.window.text, given=window)
        return None


def narrows(inner: clock.DailyWindow, outer: clock.DailyWindow) -> bool:
    """Whether every minute of the daily window ``inner`` lies in ``outer``."""
    return all(outer.contains_minute_of_day((inner.start + m) % (24 * 60)) for m in range(inner.length_minutes))


def build_registry(docs: list[CustomerRegistry]) -> Registry | None:
    """One registry from the loaded registry documents (validated: ids unique, zones known)."""
    if not docs:
        return None
    profiles: dict[str, Profile] = {}
    for doc in docs:
        for c in doc.customers:
            tz = clock.zone(c.timezone)
            fixed, rec = customer_periods(c.periods, c.id, tz)
            window = clock.parse_window(c.maintenance_window) if c.maintenance_window else None
            profiles[c.id] = Profile(c.id, c.timezone, tz, window, fixed, rec)
    return Registry(tuple(d.id for d in docs), profiles, docs[0].cite, docs[0].provenance)
