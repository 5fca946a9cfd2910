"""Calendars of sensitive periods (§1.4.4): dates in a zone → absolute intervals.

One-off periods in a calendar with a zone become absolute intervals once, at load time.
Recurring periods (every year, every week) and periods of a calendar that follows the
customer's zone become :class:`Recurring` rules, expanded into the occurrences near the
instant or span a condition asks about — never into an endless list.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .. import clock
from ..i18n import LocalValueError
from .document import CalendarDocument, LocalText, Period, WeeklyPeriod, YearlyPeriod


@dataclass(frozen=True)
class Interval:
    """A sensitive period as an absolute half-open interval ``[start, end)``."""

    name: str
    start: datetime
    end: datetime
    source: str  # calendar id, or "customer"


def _instant(value, tz: ZoneInfo, *, inclusive_end: bool) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise LocalValueError("no_offset", instant=value.isoformat())
        return value
    if isinstance(value, date):
        day = value + timedelta(days=1) if inclusive_end else value
        return datetime.combine(day, time(0, 0), tzinfo=tz)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise LocalValueError("not_date_or_instant", value=repr(value)) from None
        if len(value) == 10:
            return _instant(parsed.date(), tz, inclusive_end=inclusive_end)
        return _instant(parsed, tz, inclusive_end=inclusive_end)
    raise LocalValueError("not_date_or_datetime", value=repr(value))


def period_bounds(period: Period, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Dates mean whole local days, the end date included; date-times are taken as given."""
    try:
        start = clock.check_range(_instant(period.start, tz, inclusive_end=False))
        end = clock.check_range(_instant(period.end, tz, inclusive_end=True))
    except OverflowError:  # the day after 9999-12-31
        raise LocalValueError("period_out_of_range", period=period.name.en) from None
    if end <= start:
        raise LocalValueError("period_reversed", period=period.name.en)
    return start, end


def _name(text: LocalText) -> str:
    return f"{text.en} ({text.zh})" if text.zh else text.en


def intervals(doc: CalendarDocument) -> tuple[Interval, ...]:
    """The calendar's one-off periods as absolute intervals (those that need no customer zone)."""
    if doc.timezone is None:
        return ()
    tz = clock.zone(doc.timezone)
    out = []
    for period in doc.periods:
        if isinstance(period, Period):
            start, end = period_bounds(period, tz)
            out.append(Interval(_name(period.name), start, end, doc.id))
    return tuple(sorted(out, key=lambda iv: iv.start))


@dataclass(frozen=True)
class Recurring:
    """A period whose occurrences depend on the instant asked about, or on the customer's zone.

    ``every``: ``year`` (``first``/``last`` are (month, day), both days included), ``week``
    (``first``/``last`` are (weekday, minute of day), ``last`` excluded), ``once`` (a one-off
    period of a calendar without a zone: ``period`` read in the customer's zone)."""

    name: str
    source: str
    zone: ZoneInfo | None  # None: the customer's
    every: str
    first: tuple[int, int] = (0, 0)
    last: tuple[int, int] = (0, 0)
    period: Period | None = None
    # The occurrences already worked out, per (year or week, zone): a rule of the compiled
    # ruleset is asked about the same few years and weeks by every decision, and each
    # occurrence costs two conversions of local wall-clock time (DST-safe, so not cheap).
    # At most _OCCURRENCES_KEPT are kept; the rest are worked out each time.
    _memo: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def occurrences(self, lo: datetime, hi: datetime, customer_zone: ZoneInfo) -> list[Interval]:
        """The occurrences that may meet ``[lo, hi]``: those starting within a cycle of it."""
        tz = self.zone or customer_zone
        if self.every == "once":
            return [self._occurrence(tz, tz)]
        first_day, last_day = lo.astimezone(tz).date(), hi.astimezone(tz).date()
        if self.every == "year":
            out = []
            for year in range(first_day.year - 1, last_day.year + 1):
                found = self._occurrence(year, tz)
                if found is not None:
                    out.append(found)
            return out
        out = []
        day = first_day - timedelta(days=first_day.weekday() + 7)  # a Monday before the span
        while day <= last_day:
            out.append(self._occurrence(day, tz))
            day += timedelta(days=7)
        return out

    def _occurrence(self, cycle: int | date | ZoneInfo, tz: ZoneInfo) -> Interval | None:
        """The occurrence of one cycle: the year (yearly), the Monday of the week (weekly),
        the zone itself (once); ``None`` for 02-29 in a year without it."""
        key = (cycle, tz)
        memo = self._memo
        found = memo.get(key, _UNKNOWN)
        if found is not _UNKNOWN:
            return found
        found = self._work_out(cycle, tz)
        if len(memo) < _OCCURRENCES_KEPT:
            memo[key] = found
        return found

    def _work_out(self, cycle, tz: ZoneInfo) -> Interval | None:
        if self.every == "once":
            assert self.period is not None
            start, end = period_bounds(self.period, tz)
            return Interval(self.name, start, end, self.source)
        if self.every == "year":
            start_day = _day_of(cycle, self.first)
            end_year = cycle + 1 if self.last < self.first else cycle
            end_day = _day_of(end_year, self.last)
            if start_day is None or end_day is None:
                return None  # 02-29 in a year without it
            return Interval(self.name, clock.local_start(start_day, 0, tz), clock.local_start(end_day + timedelta(days=1), 0, tz), self.source)
        start_day = cycle + timedelta(days=self.first[0])
        span = (self.last[0] - self.first[0]) % 7
        if span == 0 and self.last[1] <= self.first[1]:
            span = 7
        end_day = start_day + timedelta(days=span)
        return Interval(self.name, clock.local_start(start_day, self.first[1], tz), clock.local_start(end_day, self.last[1], tz), self.source)


# Occurrences one recurring rule keeps: two centuries of years in each of a few hundred
# zones, or twenty years of weeks in ten. A rule asked about more is still right, only slower.
_OCCURRENCES_KEPT = 10_000
_UNKNOWN = object()


_UTC = timezone.utc


class PeriodIndex:
    """Fixed periods searched by bisection: which of them an instant falls in, or a span
    meets, answered in ``O(log n + k)`` where a scan looks at every period.

    Bounds are kept as UTC datetimes and a query is converted to UTC once, so every
    comparison is exact (no rounding of timestamps) and compares like with like. Answers
    are positions in the tuple the index was built from, in that order, so a caller that
    names "the first period met" names the same one a scan would."""

    __slots__ = ("periods", "_starts", "_ends", "_reach", "_position")

    def __init__(self, periods: tuple[Interval, ...]):
        self.periods = periods
        order = sorted(range(len(periods)), key=lambda i: periods[i].start)
        self._position = order
        self._starts = [periods[i].start.astimezone(_UTC) for i in order]
        self._ends = [periods[i].end.astimezone(_UTC) for i in order]
        reach: list[datetime] = []  # the latest end among the periods starting up to here
        for end in self._ends:
            reach.append(end if not reach or end > reach[-1] else reach[-1])
        self._reach = reach

    def containing(self, instant: datetime) -> list[int]:
        """Positions of the periods with ``start <= instant < end``, in the given order."""
        x = instant.astimezone(_UTC)
        return self._back(bisect_right(self._starts, x) - 1, x)

    def meeting(self, lo: datetime, hi: datetime) -> list[int]:
        """Positions of the periods the span ``[lo, hi)`` meets (``lo < end`` and
        ``start < hi``, as :func:`asprules.clock.overlaps`), in the given order."""
        return self._back(bisect_left(self._starts, hi.astimezone(_UTC)) - 1, lo.astimezone(_UTC))

    def _back(self, j: int, after: datetime) -> list[int]:
        """Among the periods sorted up to ``j``, those ending after ``after``."""
        reach, ends, position = self._reach, self._ends, self._position
        found = []
        while j >= 0 and reach[j] > after:
            if ends[j] > after:
                found.append(position[j])
            j -= 1
        found.sort()
        return found


def _day_of(year: int, month_day: tuple[int, int]) -> date | None:
    try:
        return date(year, *month_day)
    except ValueError:
        return None


def recurring(doc: CalendarDocument, source: str | None = None) -> tuple[Recurring, ...]:
    """The calendar's periods that are not fixed intervals: yearly, weekly, and one-off
    periods of a calendar that follows the customer's zone."""
    tz = clock.zone(doc.timezone) if doc.timezone else None
    src = source or doc.id
    out = []
    for period in doc.periods:
        name = _name(period.name)
        if isinstance(period, YearlyPeriod):
            out.append(Recurring(name, src, tz, "year", clock.parse_month_day(period.from_), clock.parse_month_day(period.to)))
        elif isinstance(period, WeeklyPeriod):
            out.append(Recurring(name, src, tz, "week", clock.parse_week_time(period.from_), clock.parse_week_time(period.to)))
        elif tz is None:
            out.append(Recurring(name, src, None, "once", period=period))
    return tuple(out)


def customer_periods(periods, customer_id: str, tz: ZoneInfo) -> tuple[tuple[Interval, ...], tuple[Recurring, ...]]:
    """A registered customer's own periods, read in its zone: fixed intervals and recurring ones."""
    fixed = []
    rec = []
    source = f"customer {customer_id}"
    for period in periods:
        if isinstance(period, Period):
            start, end = period_bounds(period, tz)
            fixed.append(Interval(_name(period.name), start, end, source))
        elif isinstance(period, YearlyPeriod):
            rec.append(Recurring(_name(period.name), source, tz, "year", clock.parse_month_day(period.from_), clock.parse_month_day(period.to)))
        else:
            rec.append(Recurring(_name(period.name), source, tz, "week", clock.parse_week_time(period.from_), clock.parse_week_time(period.to)))
    return tuple(fixed), tuple(rec)
