"""Daily windows: parsing, midnight crossing, time zones and DST transitions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from asprules import clock

UTC = timezone.utc


@pytest.mark.parametrize(
    "text, start, end, crosses",
    [
        ("00:00-05:00", 0, 300, False),
        ("22:00-02:00", 1320, 120, True),
        (" 1:30 - 4:45 ", 90, 285, False),
        ("18:00-24:00", 1080, 1440, False),
    ],
)
def test_parse_window(text, start, end, crosses):
    w = clock.parse_window(text)
    assert (w.start, w.end, w.crosses_midnight) == (start, end, crosses)


@pytest.mark.parametrize(
    "text, message",
    [
        ("05:00-05:00", "zero length"),
        ("25:00-05:00", "impossible time"),
        ("00:60-05:00", "impossible time"),
        ("24:00-05:00", "impossible time"),
        ("midnight-5", "HH:MM-HH:MM"),
        ("", "HH:MM-HH:MM"),
    ],
)
def test_bad_windows_are_refused_with_a_reason(text, message):
    with pytest.raises(ValueError, match=message):
        clock.parse_window(text)


def test_unknown_zone_is_refused():
    for name in ("Mars/Olympus", "../etc/passwd", ""):
        with pytest.raises(ValueError, match="unknown IANA time zone"):
            clock.zone(name)


def brute_force_within(window: clock.DailyWindow, start: datetime, end: datetime, tz) -> bool:
    """Independent reference: every minute of [start, end) has a local wall time in the
    band, and the span does not leave the band and come back (one occurrence)."""
    t = start
    while t < end:
        local = t.astimezone(tz)
        if not window.contains_minute_of_day(local.hour * 60 + local.minute):
            return False
        t += timedelta(minutes=1)
    return True


@pytest.mark.parametrize("zone_name", ["Asia/Shanghai", "Europe/Berlin", "America/New_York"])
@pytest.mark.parametrize("window_text", ["00:00-05:00", "22:00-02:00", "01:00-03:30"])
def test_span_within_agrees_with_minute_by_minute_check_across_dst(zone_name, window_text):
    tz = clock.zone(zone_name)
    window = clock.parse_window(window_text)
    # nights around the 2026 DST changes in Europe (29 Mar, 25 Oct) and the US (8 Mar, 1 Nov)
    days = ["2026-03-07", "2026-03-08", "2026-03-28", "2026-03-29", "2026-10-24", "2026-10-25", "2026-10-31", "2026-11-01"]
    for day in days:
        base = datetime.fromisoformat(f"{day}T20:00:00").replace(tzinfo=tz)
        for start_offset in range(0, 10 * 60, 45):
            start = (base + timedelta(minutes=start_offset)).astimezone(UTC)
            for length in (15, 60, 150, 290):
                end = start + timedelta(minutes=length)
                expected = brute_force_within(window, start, end, tz)
                assert window.span_within(start, end, tz) is expected, (zone_name, window_text, start, end)


def test_fall_back_night_keeps_the_window_in_absolute_time():
    # On 2026-11-01 New York repeats 01:00-02:00; the 00:00-05:00 window is six hours long.
    tz = clock.zone("America/New_York")
    window = clock.parse_window("00:00-05:00")
    opened = datetime(2026, 11, 1, 0, 0, tzinfo=tz).astimezone(UTC)
    assert window.span_within(opened, opened + timedelta(hours=6), tz)
    assert not window.span_within(opened, opened + timedelta(hours=6, minutes=1), tz)


def test_overlap_is_half_open():
    a = datetime(2026, 1, 1, tzinfo=UTC)
    b = a + timedelta(hours=1)
    assert clock.overlaps(a, b, a, b)
    assert not clock.overlaps(a, b, b, b + timedelta(hours=1))


# --- property: windows against an independent minute-by-minute reference --------------

from datetime import date, time  # noqa: E402

from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from asprules.testing import windows  # noqa: E402

DST_ZONES = ["America/New_York", "Europe/Berlin", "Asia/Shanghai"]
# days around the 2026 DST changes (US 8 Mar / 1 Nov, EU 29 Mar / 25 Oct), plus any day
DST_DAYS = [date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1)]
_DAYS = st.sampled_from(DST_DAYS).flatmap(lambda d: st.integers(-1, 1).map(lambda k: d + timedelta(days=k))) | st.dates(
    date(2026, 1, 1), date(2027, 12, 31)
)


def first_reaching(day: date, minute_of_day: int, tz) -> datetime:
    """The first instant at which the local clock reads ``day`` at ``minute_of_day`` or
    later, found by stepping through absolute minutes rather than by zoneinfo's folds: a
    wall time skipped at spring-forward is reached when the clock jumps past it, one
    repeated at fall-back is reached the first time round."""
    target = datetime.combine(day, time(0)) + timedelta(minutes=minute_of_day)
    t = (target - timedelta(hours=3)).replace(tzinfo=tz).astimezone(UTC).replace(second=0)
    t -= timedelta(hours=3)
    while t.astimezone(tz).replace(tzinfo=None) < target:
        t += timedelta(minutes=1)
    return t


def reference_within(window: clock.DailyWindow, start: datetime, end: datetime, tz) -> bool:
    """Occurrence of local date d: [first reaching d start, first reaching its end), and
    (fail-closed at fall-back) at no minute of the span does the wall clock read a time
    before d's opening time, found by stepping through the span's minutes."""
    local_day = start.astimezone(tz).date()
    for day in (local_day - timedelta(days=1), local_day):
        opened = first_reaching(day, window.start, tz)
        close_day = day + timedelta(days=1) if window.end <= window.start or window.end == 24 * 60 else day
        closed = first_reaching(close_day, window.end % (24 * 60), tz)
        if opened <= start < closed and end <= closed:
            opening = datetime.combine(day, time(0)) + timedelta(minutes=window.start)
            t = start
            while True:
                if t.astimezone(tz).replace(tzinfo=None) < opening:
                    return False
                t += timedelta(minutes=1)
                if t >= end:
                    return True
    return False


@given(
    zone_name=st.sampled_from(DST_ZONES),
    window_text=windows(),
    day=_DAYS,
    start_minute=st.integers(-6 * 60, 30 * 60),
    length=st.integers(1, 26 * 60),
)
@example(zone_name="America/New_York", window_text="22:00-02:30", day=date(2026, 3, 7), start_minute=26 * 60, length=20)
@example(zone_name="Europe/Berlin", window_text="02:30-04:00", day=date(2026, 3, 29), start_minute=2 * 60, length=30)
def test_window_span_agrees_with_minute_stepping_reference(zone_name, window_text, day, start_minute, length):
    tz = clock.zone(zone_name)
    window = clock.parse_window(window_text)
    start = first_reaching(day, 0, tz) + timedelta(minutes=start_minute)
    end = start + timedelta(minutes=length)
    assert window.span_within(start, end, tz) is reference_within(window, start, end, tz)
    assert window.instant_within(start, tz) is reference_within(window, start, start, tz)
