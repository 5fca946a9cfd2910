"""Wall-clock logic in a customer's time zone: daily windows, time-of-day bands, periods.

A *daily window* such as ``00:00-05:00`` or ``22:00-02:00`` (crossing midnight) is a
recurring interval of local wall-clock time. Its occurrence starting on local date ``d``
runs from ``d start`` to ``d end`` (``d+1 end`` when it crosses midnight), each end
converted to an absolute instant through the customer's IANA zone, so DST transitions
are handled by ``zoneinfo`` and never by arithmetic on local times.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .i18n import LocalValueError

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

    def _day_of(self, instant: datetime, zone: ZoneInfo) -> date:
        """The local date on which the occurrence that could contain ``instant`` opens."""
        local = instant.astimezone(zone)
        day = local.date()
        if self.crosses_midnight and local.hour * 60 + local.minute < self.end:
            day -= timedelta(days=1)  # the occurrence that opened yesterday evening
        return day

    def occurrence_containing(self, instant: datetime, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
        """The occurrence ``[open, close)`` (absolute instants) that contains ``instant``."""
        opened, closed = self._occurrence(self._day_of(instant, zone), zone)
        if opened <= instant < closed:
            return opened, closed
        return None

    def _occurrence(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
        opened = _at_local(day, self.start, zone)
        close_day = day + timedelta(days=1) if (self.crosses_midnight or self.end == _DAY) else day
        closed = _at_local(close_day, self.end % _DAY, zone)
        return opened, closed

    def span_within(self, start: datetime, end: datetime, zone: ZoneInfo) -> bool:
        """Whether the whole span ``[start, end]`` lies inside one occurrence of the window.

        Fail-closed at DST fall-back: inside only if inside by its *instants* (the
        occurrence opens the first time the clock reads the opening time and closes the
        first time it reads the closing time) **and** by the customer's *wall clock* — at
        no moment of the span does the clock read a time before the opening time. New
        York, 2026-11-01, window 01:30-05:00: an operation starting at the second 01:05
        (01:05-05:00, after the clocks went back) is outside, although the first 01:30
        has passed, because the customer's clock reads 01:05. Reading before the closing
        time is already implied by the instants (the first reading of it closes).
        """
        day = self._day_of(start, zone)
        opened, closed = self._occurrence(day, zone)
        if not (opened <= start < closed and end <= closed):
            return False
        return self._clock_never_before_opening(day, start, end, zone)

    def _clock_never_before_opening(self, day: date, start: datetime, end: datetime, zone: ZoneInfo) -> bool:
        opening = datetime.combine(day, time(0)) + timedelta(minutes=self.start)  # wall clock, naive
        first, last = start.astimezone(zone), end.astimezone(zone)
        if first.replace(tzinfo=None) < opening:
            return False
        if last.utcoffset() >= first.utcoffset():  # type: ignore[operator]
            return True  # no clock moved back during the span (zones change offset at most once a day)
        # the clocks went back inside the span: the lowest reading is right after the change
        lo, hi = int(start.timestamp()), int(math.ceil(end.timestamp()))
        while hi - lo > 1:
            middle = (lo + hi) // 2
            if datetime.fromtimestamp(middle, zone).utcoffset() == first.utcoffset():
                lo = middle
            else:
                hi = middle
        changed = datetime.fromtimestamp(hi, zone)
        return changed >= end or changed.replace(tzinfo=None) >= opening

    def instant_within(self, instant: datetime, zone: ZoneInfo) -> bool:
        """Whether an instant lies inside an occurrence, by instants and by wall clock."""
        return self.span_within(instant, instant, zone)


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


# The instants asprules decides on. Evaluation moves instants by up to a year (escalation
# windows of 366 days, notice lead times of 525,600 minutes, a window occurrence a day
# either side, a zone's offset): inside these bounds none of that can leave the range of
# ``datetime`` (years 1 to 9999), so no OverflowError can be raised by any input.
EARLIEST = datetime(2, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9998, 12, 31, 23, 59, 59, tzinfo=timezone.utc)


def check_range(instant: datetime) -> datetime:
    """``instant`` when asprules can decide on it, else ``ValueError`` saying the range."""
    try:
        inside = EARLIEST <= instant <= LATEST
    except OverflowError:  # an offset pushing a year-1 or year-9999 time out of range
        inside = False
    if not inside:
        raise LocalValueError("out_of_range", instant=instant.isoformat())
    return instant


@lru_cache(maxsize=1024)
def parse_window(text: str) -> DailyWindow:
    """Parse ``HH:MM-HH:MM``. Raises ``ValueError`` with a message fit for a user."""
    if not isinstance(text, str):
        raise LocalValueError("window_not_text", value=repr(text))
    m = _WINDOW.match(text)
    if not m:
        raise LocalValueError("window_form", window=text)
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    for h, mm, allow_24 in ((h1, m1, False), (h2, m2, True)):
        if mm > 59 or h > 24 or (h == 24 and (mm != 0 or not allow_24)):
            raise LocalValueError("window_impossible_time", window=text, time=f"{h:02d}:{mm:02d}")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise LocalValueError("window_zero", window=text)
    return DailyWindow(start=start, end=end, text=f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}")


# IANA region names: ``Area/Location`` (``Asia/Shanghai``, ``America/Argentina/Salta``)
# under the tz database's areas, the fixed ``Etc/…`` zones, and ``UTC``. Not accepted:
# host-dependent files a tz directory may also hold (``localtime``: whatever the machine
# is set to; ``posixrules``; ``Factory``, whose abbreviation is "-00"), the ``posix/`` and
# ``right/`` trees (``right/`` counts leap seconds), and the old aliases outside the areas
# (``EST``, ``US/Eastern``, ``GMT``), which the database keeps only for compatibility.
IANA_AREAS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific", "Etc")
_REGION = re.compile(r"^(?:UTC|(?:" + "|".join(IANA_AREAS) + r")(?:/[A-Za-z0-9][A-Za-z0-9_+\-]*)+)$")


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """An IANA region zone by name. Raises ``ValueError`` with a message fit for a user."""
    if not isinstance(name, str) or not _REGION.match(name):
        shown = name if isinstance(name, str) else type(name).__name__
        raise LocalValueError("unknown_zone_name", zone=shown)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise LocalValueError("unknown_zone", zone=name) from None


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
        raise LocalValueError("duration_not_text", value=repr(text))
    m = _DURATION.match(text.strip())
    if not m:
        if text.strip().lstrip("-").isdigit():
            raise LocalValueError("duration_no_unit", duration=text, number=text.strip())
        raise LocalValueError("duration_form", duration=text)
    amount, unit = int(m.group(1)), m.group(2)
    if amount == 0:
        raise LocalValueError("duration_zero", duration=text)
    return timedelta(minutes=amount * _UNIT_MINUTES[unit])


# --- recurring periods -------------------------------------------------------------------

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_DAY = re.compile(r"^([0-9]{2})-([0-9]{2})$")
_WEEK_TIME = re.compile(r"^([A-Za-z]+)\s+([0-9]{1,2}):([0-9]{2})$")


def parse_month_day(text: object) -> tuple[int, int]:
    """``MM-DD`` of a yearly period; 02-29 is allowed (it occurs in leap years), 02-30 is not."""
    if not isinstance(text, str) or not _MONTH_DAY.match(text.strip()):
        raise LocalValueError("not_month_day", value=repr(text))
    month, day = (int(g) for g in _MONTH_DAY.match(text.strip()).groups())  # type: ignore[union-attr]
    try:
        date(2024, month, day)  # a leap year, so 02-29 is a real day
    except ValueError:
        raise LocalValueError("not_a_day", value=repr(text)) from None
    return month, day


def parse_week_time(text: object) -> tuple[int, int]:
    """``Friday 16:00`` → (weekday 0=Monday, minute of day)."""
    m = _WEEK_TIME.match(text.strip()) if isinstance(text, str) else None
    if not m or m.group(1).lower() not in WEEKDAYS:
        raise LocalValueError("not_week_time", value=repr(text))
    hour, minute = int(m.group(2)), int(m.group(3))
    if hour > 23 or minute > 59:
        raise LocalValueError("week_time_impossible", value=repr(text), time=f"{hour:02d}:{minute:02d}")
    return WEEKDAYS.index(m.group(1).lower()), hour * 60 + minute


def local_start(day: date, minute_of_day: int, tz: ZoneInfo) -> datetime:
    """The instant the local clock reads ``day`` at ``minute_of_day`` (see :func:`_at_local`)."""
    return _at_local(day, minute_of_day, tz)
