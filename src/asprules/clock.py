"""Wall-clock logic in a customer's time zone: daily windows, time-of-day bands, periods.

A *daily window* such as ``00:00-05:00`` or ``22:00-02:00`` (crossing midnight) is a
recurring interval of local wall-clock time. Its occurrence starting on local date ``d``
runs from ``d start`` to ``d end`` (``d+1 end`` when it crosses midnight), each end
converted to an absolute instant through the customer's IANA zone, so DST transitions
are handled by ``zoneinfo`` and never by arithmetic on local times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_WINDOW = re.compile(r"^\s*([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})\s*$")
_DAY = 24 * 60


@dataclass(frozen=True)
class DailyWindow:
    """``start``/``end`` are minutes after local midnight; ``end`` may be 1440 (24:00)."""

    start: int
    end: int
    text: str

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def length_minutes(self) -> int:
        return (self.end - self.start) % _DAY or _DAY

    def contains_minute_of_day(self, minute: int) -> bool:
        """Whether a local wall-clock minute lies in the band ``[start, end)``."""
        if self.crosses_midnight:
            return minute >= self.start or minute < self.end
        return self.start <= minute < self.end

    def occurrence_containing(self, instant: datetime, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
        """The occurrence ``[open, close)`` (absolute instants) that contains ``instant``."""
        local = instant.astimezone(zone)
        minute = local.hour * 60 + local.minute
        day = local.date()
        if self.crosses_midnight and minute < self.end:
            day -= timedelta(days=1)  # the occurrence that opened yesterday evening
        opened, closed = self._occurrence(day, zone)
        if opened <= instant < closed:
            return opened, closed
        return None

    def _occurrence(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
        opened = _at_local(day, self.start, zone)
        close_day = day + timedelta(days=1) if (self.crosses_midnight or self.end == _DAY) else day
        closed = _at_local(close_day, self.end % _DAY, zone)
        return opened, closed

    def span_within(self, start: datetime, end: datetime, zone: ZoneInfo) -> bool:
        """Whether the whole span ``[start, end]`` lies inside one occurrence of the window."""
        occ = self.occurrence_containing(start, zone)
        return occ is not None and end <= occ[1]

    def instant_within(self, instant: datetime, zone: ZoneInfo) -> bool:
        return self.occurrence_containing(instant, zone) is not None


def _at_local(day: date, minute_of_day: int, zone: ZoneInfo) -> datetime:
    """The first instant at which the local clock reads ``day`` at ``minute_of_day``.

    A wall time repeated at a DST fall-back means its first occurrence (fold=0). One
    skipped at spring-forward means the moment the clock jumps past it: PEP 495 would
    read it with the pre-transition offset, an instant when the clock already shows a
    later time — which would stretch a window closing at 02:30 to 03:30 on that night.
    """
    local = datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60), tzinfo=zone)
    later = local.astimezone(timezone.utc)
    wall = local.replace(tzinfo=None)
    if later.astimezone(zone).replace(tzinfo=None) == wall:
        return local
    # in the gap: the transition (on a whole second) lies between the two readings
    lo, hi = int(local.replace(fold=1).timestamp()), int(later.timestamp())
    while hi - lo > 1:
        middle = (lo + hi) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wall:
            hi = middle
        else:
            lo = middle
    return datetime.fromtimestamp(hi, zone)


@lru_cache(maxsize=1024)
def parse_window(text: str) -> DailyWindow:
    """Parse ``HH:MM-HH:MM``. Raises ``ValueError`` with a message fit for a user."""
    if not isinstance(text, str):
        raise ValueError(f"a window is text like '00:00-05:00', got {text!r}")
    m = _WINDOW.match(text)
    if not m:
        raise ValueError(f"window {text!r} is not of the form HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    for h, mm, allow_24 in ((h1, m1, False), (h2, m2, True)):
        if mm > 59 or h > 24 or (h == 24 and (mm != 0 or not allow_24)):
            raise ValueError(f"window {text!r} has an impossible time {h:02d}:{mm:02d}")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise ValueError(f"window {text!r} has zero length")
    return DailyWindow(start=start, end=end, text=f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}")


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """An IANA zone by name. Raises ``ValueError`` with a message fit for a user."""
    if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(f"unknown IANA time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown IANA time zone {name!r}") from None


def minute_of_day(instant: datetime, tz: ZoneInfo) -> int:
    local = instant.astimezone(tz)
    return local.hour * 60 + local.minute


def overlaps(start: datetime, end: datetime, period_start: datetime, period_end: datetime) -> bool:
    """Half-open overlap: ``[start, end)`` meets ``[period_start, period_end)``."""
    return start < period_end and period_start < end


# --- durations ---------------------------------------------------------------------------

_DURATION = re.compile(r"^([0-9]{1,6})(m|h|d|w)$")
_UNIT_MINUTES = {"m": 1, "h": 60, "d": _DAY, "w": 7 * _DAY}


def parse_duration(text: object) -> timedelta:
    """``30m``, ``72h``, ``14d``, ``2w`` → a timedelta. A number without a unit, a
    negative or a zero duration is refused with a message fit for a user."""
    if not isinstance(text, str):
        raise ValueError(f"a duration is text with a unit, like '72h' or '14d', got {text!r}")
    m = _DURATION.match(text.strip())
    if not m:
        if text.strip().lstrip("-").isdigit():
            raise ValueError(f"duration {text!r} has no unit: write it like '{text.strip()}h' or '{text.strip()}d' (units m, h, d, w)")
        raise ValueError(f"duration {text!r} is not a positive number with a unit m, h, d or w (like '72h' or '14d')")
    amount, unit = int(m.group(1)), m.group(2)
    if amount == 0:
        raise ValueError(f"duration {text!r} is zero")
    return timedelta(minutes=amount * _UNIT_MINUTES[unit])


# --- recurring periods -------------------------------------------------------------------

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_DAY = re.compile(r"^([0-9]{2})-([0-9]{2})$")
_WEEK_TIME = re.compile(r"^([A-Za-z]+)\s+([0-9]{1,2}):([0-9]{2})$")


def parse_month_day(text: object) -> tuple[int, int]:
    """``MM-DD`` of a yearly period; 02-29 is allowed (it occurs in leap years), 02-30 is not."""
    if not isinstance(text, str) or not _MONTH_DAY.match(text.strip()):
        raise ValueError(f"{text!r} is not a month and day MM-DD (like '12-15')")
    month, day = (int(g) for g in _MONTH_DAY.match(text.strip()).groups())  # type: ignore[union-attr]
    try:
        date(2024, month, day)  # a leap year, so 02-29 is a real day
    except ValueError:
        raise ValueError(f"{text!r} is not a day of any year") from None
    return month, day


def parse_week_time(text: object) -> tuple[int, int]:
    """``Friday 16:00`` → (weekday 0=Monday, minute of day)."""
    m = _WEEK_TIME.match(text.strip()) if isinstance(text, str) else None
    if not m or m.group(1).lower() not in WEEKDAYS:
        raise ValueError(f"{text!r} is not a weekday and time like 'Friday 16:00'")
    hour, minute = int(m.group(2)), int(m.group(3))
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} has an impossible time {hour:02d}:{minute:02d}")
    return WEEKDAYS.index(m.group(1).lower()), hour * 60 + minute


def local_start(day: date, minute_of_day: int, tz: ZoneInfo) -> datetime:
    """The instant the local clock reads ``day`` at ``minute_of_day`` (see :func:`_at_local`)."""
    return _at_local(day, minute_of_day, tz)
