"""Calendars of sensitive periods (§1.4.4): dates in a zone → absolute intervals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .. import clock
from .document import CalendarDocument, LocalText, Period


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
            raise ValueError(f"{value.isoformat()} has no UTC offset")
        return value
    if isinstance(value, date):
        day = value + timedelta(days=1) if inclusive_end else value
        return datetime.combine(day, time(0, 0), tzinfo=tz)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD) or a date-time with offset") from None
        if len(value) == 10:
            return _instant(parsed.date(), tz, inclusive_end=inclusive_end)
        return _instant(parsed, tz, inclusive_end=inclusive_end)
    raise ValueError(f"{value!r} is not a date or a date-time")


def period_bounds(period: Period, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Dates mean whole local days, the end date included; date-times are taken as given."""
    try:
        start = clock.check_range(_instant(period.start, tz, inclusive_end=False))
        end = clock.check_range(_instant(period.end, tz, inclusive_end=True))
    except OverflowError:  # the day after 9999-12-31
        raise ValueError(f"period {period.name.en!r} runs past the supported range 0002-01-01 to 9998-12-31") from None
    if end <= start:
        raise ValueError(f"period {period.name.en!r} ends before it starts")
    return start, end


def _name(text: LocalText) -> str:
    return f"{text.en} ({text.zh})" if text.zh else text.en


def intervals(doc: CalendarDocument) -> tuple[Interval, ...]:
    tz = clock.zone(doc.timezone)
    out = []
    for period in doc.periods:
        start, end = period_bounds(period, tz)
        out.append(Interval(_name(period.name), start, end, doc.id))
    return tuple(sorted(out, key=lambda iv: iv.start))
