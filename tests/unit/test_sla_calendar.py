"""Working-hours arithmetic for evaluation deadlines (``domain.sla``): hand-worked examples and properties.

The examples use the product default (Asia/Kolkata, 09:00–18:00, Monday to Saturday, 9 working hours a
day) unless they say otherwise; each expected result is written out in local time with its weekday.
The week of 2 March 2026 runs Monday 2 … Sunday 8.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.sla import (
    ALWAYS,
    DEFAULT,
    NO_WORK_LIMIT,
    Calendar,
    add_working,
    fraction_point,
    is_working,
    local,
    working_between,
    working_period,
)

KOLKATA = ZoneInfo("Asia/Kolkata")
H = timedelta(hours=1)
MIN = timedelta(minutes=1)
US = timedelta(microseconds=1)
ALL_DAYS = frozenset(range(1, 8))


def ist(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=KOLKATA)


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def shown(cal: Calendar, instant: datetime) -> str:
    """How a deadline reads in a message: weekday and local ISO time with the offset."""
    assert instant.utcoffset() == timedelta(0), "results are UTC instants"
    loc = local(cal, instant)
    return f"{loc:%a} {loc.isoformat()}"


def add(cal: Calendar, start: datetime, amount: timedelta) -> str:
    return shown(cal, add_working(cal, start, amount))


# --------------------------------------------------------------------------------------------------
# Hand-worked examples, Asia/Kolkata, default calendar
# --------------------------------------------------------------------------------------------------


def test_default_calendar_is_the_product_default() -> None:
    expected = Calendar(
        timezone="Asia/Kolkata", work_start=time(9), work_end=time(18),
        work_days=frozenset({1, 2, 3, 4, 5, 6}), holidays=frozenset(),
    )
    assert expected == DEFAULT


def test_monday_morning_plus_24_hours() -> None:
    # Mon 10:00–18:00 = 8 h (16 h left), Tue 09:00–18:00 = 9 h (7 h left), Wed 09:00 + 7 h = 16:00.
    assert add(DEFAULT, ist(2026, 3, 2, 10), 24 * H) == "Wed 2026-03-04T16:00:00+05:30"


def test_monday_morning_plus_48_hours() -> None:
    # Mon 8 h, Tue 9 h (17), Wed 9 h (26), Thu 9 h (35), Fri 9 h (44), Sat 09:00 + 4 h = 13:00.
    assert add(DEFAULT, ist(2026, 3, 2, 10), 48 * H) == "Sat 2026-03-07T13:00:00+05:30"


def test_saturday_submission_skips_sunday() -> None:
    # Sat 10:00–18:00 = 8 h, Sunday is no work day, Mon 9 h (17), Tue 09:00 + 7 h = 16:00.
    assert add(DEFAULT, ist(2026, 3, 7, 10), 24 * H) == "Tue 2026-03-10T16:00:00+05:30"


def test_evening_before_a_holiday_followed_by_a_sunday() -> None:
    # Fri 14 Aug 2026 20:30 is after hours; Sat 15 Aug (Independence Day) is a holiday, Sun 16 is no work
    # day: time counts from Mon 17 09:00. Mon 9 h, Tue 9 h (18), Wed 09:00 + 6 h = 15:00.
    cal = dataclasses.replace(DEFAULT, holidays=frozenset({date(2026, 8, 15)}))
    submitted = ist(2026, 8, 14, 20, 30)
    assert add(cal, submitted, 24 * H) == "Wed 2026-08-19T15:00:00+05:30"
    # 48 h: Mon 9, Tue 9, Wed 9, Thu 9, Fri 9 (45), Sat 22 09:00 + 3 h = 12:00.
    assert add(cal, submitted, 48 * H) == "Sat 2026-08-22T12:00:00+05:30"
    assert add(cal, submitted, US) == "Mon 2026-08-17T09:00:00.000001+05:30"
    assert working_between(cal, submitted, ist(2026, 8, 17, 9)) == timedelta(0)
    # Without the holiday Saturday counts: Sat 9 h, Mon 9 h (18), Tue 09:00 + 6 h = 15:00.
    assert add(DEFAULT, submitted, 24 * H) == "Tue 2026-08-18T15:00:00+05:30"


def test_submission_during_a_holiday() -> None:
    # Fri 2 Oct 2026 (Gandhi Jayanti) 11:00 is a holiday: count from Sat 09:00. Sat 9 h, Mon 9 h (18),
    # Tue 09:00 + 6 h = 15:00.
    cal = dataclasses.replace(DEFAULT, holidays=frozenset({date(2026, 10, 2)}))
    assert add(cal, ist(2026, 10, 2, 11), 24 * H) == "Tue 2026-10-06T15:00:00+05:30"
    assert add(cal, ist(2026, 10, 2, 11), 30 * MIN) == "Sat 2026-10-03T09:30:00+05:30"
    assert not is_working(cal, ist(2026, 10, 2, 11))


def test_submission_on_a_sunday() -> None:
    # Sun 8 Mar 14:00: count from Mon 09:00. Mon 9 h, Tue 9 h (18), Wed 09:00 + 6 h = 15:00.
    assert add(DEFAULT, ist(2026, 3, 8, 14), 24 * H) == "Wed 2026-03-11T15:00:00+05:30"
    assert add(DEFAULT, ist(2026, 3, 8, 14), 2 * H) == "Mon 2026-03-09T11:00:00+05:30"


def test_submission_before_opening() -> None:
    # Tue 07:15: count from Tue 09:00. Tue 9 h, Wed 9 h (18), Thu 09:00 + 6 h = 15:00.
    assert add(DEFAULT, ist(2026, 3, 3, 7, 15), 24 * H) == "Thu 2026-03-05T15:00:00+05:30"
    assert add(DEFAULT, ist(2026, 3, 3, 7, 15), H) == "Tue 2026-03-03T10:00:00+05:30"
    assert add(DEFAULT, ist(2026, 3, 3, 0, 0), H) == "Tue 2026-03-03T10:00:00+05:30"


def test_submission_after_closing() -> None:
    # 18:00 itself is no longer working time; neither is 23:59. Both count from Wed 09:00.
    assert add(DEFAULT, ist(2026, 3, 3, 18), H) == "Wed 2026-03-04T10:00:00+05:30"
    assert add(DEFAULT, ist(2026, 3, 3, 23, 59), H) == "Wed 2026-03-04T10:00:00+05:30"
    # Wed 9 h, Thu 9 h (18), Fri 09:00 + 6 h = 15:00.
    assert add(DEFAULT, ist(2026, 3, 3, 20, 30), 24 * H) == "Fri 2026-03-06T15:00:00+05:30"
    # Saturday evening: Sunday is skipped, Monday morning counts.
    assert add(DEFAULT, ist(2026, 3, 7, 19), H) == "Mon 2026-03-09T10:00:00+05:30"


def test_an_amount_that_ends_at_closing_time_ends_that_day() -> None:
    assert add(DEFAULT, ist(2026, 3, 2, 10), 8 * H) == "Mon 2026-03-02T18:00:00+05:30"
    assert add(DEFAULT, ist(2026, 3, 2, 9), 9 * H) == "Mon 2026-03-02T18:00:00+05:30"
    assert add(DEFAULT, ist(2026, 3, 2, 7), 9 * H) == "Mon 2026-03-02T18:00:00+05:30"
    # Mon 8 h + Tue 9 h = 17 h: Tuesday 18:00, not Wednesday 09:00.
    assert add(DEFAULT, ist(2026, 3, 2, 10), 17 * H) == "Tue 2026-03-03T18:00:00+05:30"
    # Saturday's close, not Monday's opening.
    assert add(DEFAULT, ist(2026, 3, 7, 9), 9 * H) == "Sat 2026-03-07T18:00:00+05:30"
    # One microsecond more moves to the next morning.
    assert add(DEFAULT, ist(2026, 3, 2, 10), 8 * H + US) == "Tue 2026-03-03T09:00:00.000001+05:30"
    # From a closing time, further time starts the next morning.
    end = add_working(DEFAULT, ist(2026, 3, 2, 10), 8 * H)
    assert add(DEFAULT, end, H) == "Tue 2026-03-03T10:00:00+05:30"


def test_an_sla_of_a_few_seconds() -> None:
    assert add(DEFAULT, ist(2026, 3, 2, 12), timedelta(seconds=5)) == "Mon 2026-03-02T12:00:05+05:30"
    # 2 s before closing, 3 s the next morning.
    assert add(DEFAULT, ist(2026, 3, 2, 17, 59, 58), timedelta(seconds=5)) == "Tue 2026-03-03T09:00:03+05:30"
    assert add(DEFAULT, ist(2026, 3, 2, 12, 0, 0, 250_000), timedelta(microseconds=1_500_000)) == (
        "Mon 2026-03-02T12:00:01.750000+05:30"
    )


def test_zero_amount_returns_the_start_as_utc() -> None:
    for start in (ist(2026, 3, 2, 10), ist(2026, 3, 8, 14), ist(2026, 3, 2, 18), ist(2026, 3, 2, 3, 7, 1, 5)):
        result = add_working(DEFAULT, start, timedelta(0))
        assert result == start
        assert result.tzinfo is UTC


def test_reminder_points_of_a_24_hour_sla() -> None:
    start = ist(2026, 3, 2, 10)
    # 50 % = 12 h: Mon 8 h, Tue 09:00 + 4 h = 13:00.
    assert shown(DEFAULT, fraction_point(DEFAULT, start, 24 * H, 0.5)) == "Tue 2026-03-03T13:00:00+05:30"
    # 90 % = 21 h 36 min: Mon 8 h, Tue 9 h (17), Wed 09:00 + 4 h 36 min = 13:36.
    assert shown(DEFAULT, fraction_point(DEFAULT, start, 24 * H, 0.9)) == "Wed 2026-03-04T13:36:00+05:30"
    assert shown(DEFAULT, fraction_point(DEFAULT, start, 24 * H, 1.0)) == "Wed 2026-03-04T16:00:00+05:30"
    assert fraction_point(DEFAULT, start, 24 * H, 0.0) == start


def test_reminder_points_of_a_48_hour_sla() -> None:
    start = ist(2026, 3, 2, 10)
    # 50 % = 24 h: Wed 16:00 (as above).
    assert shown(DEFAULT, fraction_point(DEFAULT, start, 48 * H, 0.5)) == "Wed 2026-03-04T16:00:00+05:30"
    # 90 % = 43 h 12 min: Mon 8, Tue 9, Wed 9, Thu 9 (35), Fri 09:00 + 8 h 12 min = 17:12.
    assert shown(DEFAULT, fraction_point(DEFAULT, start, 48 * H, 0.9)) == "Fri 2026-03-06T17:12:00+05:30"


def test_is_working_boundaries() -> None:
    assert is_working(DEFAULT, ist(2026, 3, 2, 9))
    assert is_working(DEFAULT, ist(2026, 3, 2, 17, 59, 59, 999_999))
    assert not is_working(DEFAULT, ist(2026, 3, 2, 18))
    assert not is_working(DEFAULT, ist(2026, 3, 2, 8, 59, 59, 999_999))
    assert not is_working(DEFAULT, ist(2026, 3, 8, 12))  # Sunday
    assert is_working(DEFAULT, utc(2026, 3, 2, 3, 30))  # 09:00 in Kolkata, given in UTC
    assert not is_working(DEFAULT, utc(2026, 3, 2, 3, 29))


def test_working_between_examples() -> None:
    week = (ist(2026, 3, 2), ist(2026, 3, 9))
    assert working_between(DEFAULT, *week) == 54 * H  # six days of 9 h
    cal = dataclasses.replace(DEFAULT, holidays=frozenset({date(2026, 3, 4)}))
    assert working_between(cal, *week) == 45 * H
    assert working_between(DEFAULT, ist(2026, 3, 2, 10), ist(2026, 3, 4, 16)) == 24 * H
    assert working_between(DEFAULT, ist(2026, 3, 2, 17, 30), ist(2026, 3, 3, 9, 15)) == 45 * MIN
    assert working_between(DEFAULT, ist(2026, 3, 4, 16), ist(2026, 3, 2, 10)) == timedelta(0)
    assert working_between(DEFAULT, ist(2026, 3, 2, 10), ist(2026, 3, 2, 10)) == timedelta(0)


def test_local_shows_the_calendar_zone() -> None:
    shown_at = local(DEFAULT, utc(2026, 3, 2, 10, 30))
    assert shown_at.tzinfo == KOLKATA
    assert shown_at.replace(tzinfo=None) == datetime(2026, 3, 2, 16, 0)


def test_start_in_another_zone_is_the_same_instant() -> None:
    start = ist(2026, 3, 2, 10)
    for other in (UTC, timezone(timedelta(hours=-7)), ZoneInfo("America/New_York")):
        assert add_working(DEFAULT, start.astimezone(other), 24 * H) == add_working(DEFAULT, start, 24 * H)


def test_working_day_until_midnight() -> None:
    cal = Calendar(timezone="Asia/Kolkata", work_start=time(20), work_end=time.max, work_days=frozenset({1}))
    # Mon 20:00–24:00 = 4 h; the next period is the following Monday.
    assert add(cal, ist(2026, 3, 2, 19), 4 * H) == "Tue 2026-03-03T00:00:00+05:30"
    assert add(cal, ist(2026, 3, 2, 19), 5 * H) == "Mon 2026-03-09T21:00:00+05:30"
    assert working_between(cal, ist(2026, 3, 2), ist(2026, 3, 3)) == 4 * H
    assert is_working(cal, ist(2026, 3, 2, 23, 59, 59, 999_999))
    assert not is_working(cal, ist(2026, 3, 3))
    assert working_period(cal, date(2026, 3, 2)) == (utc(2026, 3, 2, 14, 30), utc(2026, 3, 2, 18, 30))
    assert working_period(cal, date(2026, 3, 3)) is None


# --------------------------------------------------------------------------------------------------
# The 24/7 calendar
# --------------------------------------------------------------------------------------------------


def test_always_is_plain_addition() -> None:
    start = ist(2026, 3, 8, 23, 59, 59, 999_999)  # a Sunday, late at night
    for amount in (timedelta(0), US, timedelta(seconds=5), 24 * H, 48 * H, timedelta(days=400)):
        assert add_working(ALWAYS, start, amount) == start + amount
        assert working_between(ALWAYS, start, start + amount) == amount
    assert is_working(ALWAYS, start)
    assert ALWAYS.work_days == ALL_DAYS and ALWAYS.work_start == time.min and ALWAYS.work_end == time.max


# --------------------------------------------------------------------------------------------------
# Daylight saving time
# --------------------------------------------------------------------------------------------------

NEW_YORK = "America/New_York"  # 2026: clocks forward 8 Mar 02:00 → 03:00, back 1 Nov 02:00 → 01:00
LONDON = "Europe/London"  # 2026: clocks forward 29 Mar 01:00 → 02:00, back 25 Oct 02:00 → 01:00


def test_london_default_hours_across_the_spring_shift() -> None:
    cal = Calendar(timezone=LONDON)
    # Sat 28 Mar 17:00 GMT: 1 h on Saturday, Sunday (the shift) is no work day, Monday 09:00 BST + 1 h.
    assert add(cal, datetime(2026, 3, 28, 17, tzinfo=ZoneInfo(LONDON)), 2 * H) == "Mon 2026-03-30T10:00:00+01:00"
    assert add_working(cal, utc(2026, 3, 28, 17), 2 * H) == utc(2026, 3, 30, 9)
    assert working_between(cal, utc(2026, 3, 28), utc(2026, 3, 31)) == 18 * H


def test_london_working_day_on_the_transition_date() -> None:
    # Working on Sundays, 09:00–18:00: the shift at 01:00 is outside the window, the day has 9 h.
    sundays = Calendar(timezone=LONDON, work_days=ALL_DAYS)
    assert working_period(sundays, date(2026, 3, 29)) == (utc(2026, 3, 29, 8), utc(2026, 3, 29, 17))
    assert working_period(sundays, date(2026, 3, 28)) == (utc(2026, 3, 28, 9), utc(2026, 3, 28, 18))
    # Around the clock: the spring day has 23 real hours, the autumn day 25.
    always = Calendar(timezone=LONDON, work_start=time.min, work_end=time.max, work_days=ALL_DAYS)
    assert working_between(always, utc(2026, 3, 28, 12), utc(2026, 3, 30, 12)) == 48 * H
    spring = working_period(always, date(2026, 3, 29))
    autumn = working_period(always, date(2026, 10, 25))
    assert spring is not None and spring[1] - spring[0] == 23 * H
    assert autumn is not None and autumn[1] - autumn[0] == 25 * H


def test_new_york_period_containing_the_shift_is_as_long_as_real_time() -> None:
    cal = Calendar(timezone=NEW_YORK, work_start=time(0), work_end=time(12), work_days=ALL_DAYS)
    ny = ZoneInfo(NEW_YORK)
    # Sun 8 Mar 00:00 EST – 12:00 EDT is 11 real hours.
    assert working_period(cal, date(2026, 3, 8)) == (utc(2026, 3, 8, 5), utc(2026, 3, 8, 16))
    sunday = datetime(2026, 3, 8, tzinfo=ny)
    assert add(cal, sunday, 11 * H) == "Sun 2026-03-08T12:00:00-04:00"
    assert add(cal, sunday, 12 * H) == "Mon 2026-03-09T01:00:00-04:00"
    assert add(cal, sunday, 3 * H) == "Sun 2026-03-08T04:00:00-04:00"  # 03:00 EST is 04:00 EDT
    # Sun 1 Nov 00:00 EDT – 12:00 EST is 13 real hours.
    assert working_period(cal, date(2026, 11, 1)) == (utc(2026, 11, 1, 4), utc(2026, 11, 1, 17))
    assert add_working(cal, datetime(2026, 11, 1, tzinfo=ny), 13 * H) == utc(2026, 11, 1, 17)
    assert add(cal, datetime(2026, 11, 1, tzinfo=ny), 2 * H) == "Sun 2026-11-01T01:00:00-05:00"


def test_a_window_starting_at_a_nonexistent_time_starts_when_the_clock_jumps() -> None:
    # 02:30 does not exist on 8 Mar: the clock jumps from 02:00 EST to 03:00 EDT at 07:00 UTC.
    cal = Calendar(timezone=NEW_YORK, work_start=time(2, 30), work_end=time(10), work_days=ALL_DAYS)
    assert working_period(cal, date(2026, 3, 8)) == (utc(2026, 3, 8, 7), utc(2026, 3, 8, 14))
    assert not is_working(cal, utc(2026, 3, 8, 6, 59))
    assert is_working(cal, utc(2026, 3, 8, 7))
    # A window entirely inside the gap gives that day no working time.
    gap = Calendar(timezone=NEW_YORK, work_start=time(2, 10), work_end=time(2, 50), work_days=ALL_DAYS)
    assert working_period(gap, date(2026, 3, 8)) is None
    assert add(gap, utc(2026, 3, 8), 10 * MIN) == "Mon 2026-03-09T02:20:00-04:00"


def test_a_window_starting_at_an_ambiguous_time_starts_at_its_first_occurrence() -> None:
    # 01:30 happens twice on 1 Nov (EDT, then EST); the window starts at the first, 05:30 UTC, and runs to
    # 10:00 EST: 9 h 30 min.
    cal = Calendar(timezone=NEW_YORK, work_start=time(1, 30), work_end=time(10), work_days=ALL_DAYS)
    assert working_period(cal, date(2026, 11, 1)) == (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 15))
    # A window ending at an ambiguous time ends at its first occurrence too: the second pass of the clock
    # through 01:00–01:30 (EST) is not working time.
    short = Calendar(timezone=NEW_YORK, work_start=time(1), work_end=time(1, 30), work_days=ALL_DAYS)
    assert working_period(short, date(2026, 11, 1)) == (utc(2026, 11, 1, 5), utc(2026, 11, 1, 5, 30))
    assert is_working(short, utc(2026, 11, 1, 5, 15))  # 01:15 EDT
    assert not is_working(short, utc(2026, 11, 1, 6, 15))  # 01:15 EST


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 2, 10)
    with pytest.raises(ValueError, match="aware"):
        add_working(DEFAULT, naive, H)
    with pytest.raises(ValueError, match="aware"):
        add_working(DEFAULT, naive, timedelta(0))
    with pytest.raises(ValueError, match="aware"):
        working_between(DEFAULT, naive, ist(2026, 3, 3))
    with pytest.raises(ValueError, match="aware"):
        working_between(DEFAULT, ist(2026, 3, 1), naive)
    with pytest.raises(ValueError, match="aware"):
        is_working(DEFAULT, naive)
    with pytest.raises(ValueError, match="aware"):
        local(DEFAULT, naive)
    with pytest.raises(ValueError, match="aware"):
        fraction_point(DEFAULT, naive, H, 0.5)


def test_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working(DEFAULT, ist(2026, 3, 2, 10), -US)
    with pytest.raises(ValueError, match="negative"):
        add_working(ALWAYS, ist(2026, 3, 2, 10), -24 * H)


@pytest.mark.parametrize("fraction", [-0.1, 1.5, float("nan")])
def test_fraction_outside_zero_to_one_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        fraction_point(DEFAULT, ist(2026, 3, 2, 10), 24 * H, fraction)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"work_days": frozenset()}, "at least one working weekday"),
        ({"work_days": frozenset({0, 1})}, "ISO numbers"),
        ({"work_days": frozenset({8})}, "ISO numbers"),
        ({"work_start": time(18), "work_end": time(18)}, "start before it ends"),
        ({"work_start": time(18), "work_end": time(9)}, "start before it ends"),
        ({"work_start": time.max, "work_end": time.max}, "start before it ends"),
        ({"timezone": "Mars/Olympus_Mons"}, "not a known IANA time zone"),
        ({"timezone": "Asia/Kolkatta"}, "not a known IANA time zone"),
        ({"timezone": ""}, "not a known IANA time zone"),
        ({"timezone": "../../etc/passwd"}, "not a known IANA time zone"),
        ({"work_start": time(9, tzinfo=UTC)}, "without a time zone"),
        ({"holidays": frozenset({datetime(2026, 3, 2)})}, "local date"),
    ],
)
def test_invalid_calendars_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(DEFAULT, **changes)  # type: ignore[arg-type]


def test_a_calendar_without_working_time_is_refused_not_searched_forever() -> None:
    first_monday = date(2026, 3, 2)
    mondays = frozenset(first_monday + timedelta(weeks=w) for w in range(11 * 53))
    cal = Calendar(work_days=frozenset({1}), holidays=mondays)
    with pytest.raises(ValueError, match="no working time"):
        add_working(cal, ist(2026, 3, 1), H)
    # Asking about such a calendar is fine: it has no working time there.
    assert not is_working(cal, ist(2026, 3, 2, 10))
    assert working_between(cal, ist(2026, 3, 1), ist(2027, 3, 1)) == timedelta(0)
    assert add_working(cal, ist(2026, 3, 1), timedelta(0)) == ist(2026, 3, 1)


def test_a_long_run_of_holidays_shorter_than_the_limit_is_waited_out() -> None:
    first_monday = date(2026, 3, 2)
    weeks = NO_WORK_LIMIT.days // 7 - 2
    holidays = frozenset(first_monday + timedelta(weeks=w) for w in range(weeks))
    cal = Calendar(work_days=frozenset({1}), holidays=holidays)
    expected = first_monday + timedelta(weeks=weeks)
    result = local(cal, add_working(cal, ist(2026, 3, 1), H))
    assert result.replace(tzinfo=None) == datetime.combine(expected, time(10))


def test_calendars_are_values() -> None:
    a = Calendar(work_days=frozenset({1, 2}), holidays=frozenset({date(2026, 1, 26)}))
    b = Calendar(work_days=frozenset({2, 1}), holidays=frozenset({date(2026, 1, 26)}))
    assert a == b and hash(a) == hash(b)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.timezone = "UTC"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------------
# Properties over random calendars
# --------------------------------------------------------------------------------------------------

ZONES = (
    "Asia/Kolkata",
    "UTC",
    "Asia/Kathmandu",  # +05:45
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",  # a 30-minute shift
    "America/Santiago",  # shifts at midnight
)
FIXED_ZONES = ("Asia/Kolkata", "UTC", "Asia/Kathmandu")
PROPS = settings(max_examples=200, deadline=None)


def _transitions(zone_name: str) -> list[datetime]:
    """The instants (UTC, to the hour) at which the zone changed its offset, 2024–2027."""
    zone = ZoneInfo(zone_name)
    found = []
    t = utc(2024, 1, 1)
    while t < utc(2028, 1, 1):
        if t.astimezone(zone).utcoffset() != (t + timedelta(days=1)).astimezone(zone).utcoffset():
            hour = t
            while hour.astimezone(zone).utcoffset() == t.astimezone(zone).utcoffset():
                hour += H
            found.append(hour)
        t += timedelta(days=1)
    return found


TRANSITIONS = {name: _transitions(name) for name in ZONES}
SHIFT_DAYS = {name: [t.astimezone(ZoneInfo(name)).date() for t in ts] for name, ts in TRANSITIONS.items()}


def _minutes_to_time(minutes: int) -> time:
    return time.max if minutes == 24 * 60 else time(minutes // 60, minutes % 60)


# Strategies are built once: building them inside a draw costs more than the arithmetic under test.
_WINDOW_KINDS = st.sampled_from(["default", "midnight", "random"])
_MIDNIGHT_STARTS = st.sampled_from([0, 0, 60, 120, 8 * 60])
_MIDNIGHT_ENDS = st.sampled_from([24 * 60, 24 * 60, 23 * 60, 3 * 60])
_MINUTES = st.integers(0, 23 * 60)
_INSTANT_KINDS = st.sampled_from(["anywhere", "transition", "wall"])
_NEAR = st.integers(-3 * 86_400 * 10**6, 2 * 86_400 * 10**6)
_BASES = {name: st.sampled_from(TRANSITIONS[name] or [utc(2026, 3, 2)]) for name in ZONES}
_SHIFT_DAYS = {name: st.sampled_from(SHIFT_DAYS[name] or [date(2026, 3, 2)]) for name in ZONES}
_DAYS_AROUND = st.sampled_from([0, 0, 0, -1, 1])
_ROUND_WALLS = st.sampled_from([time(h, m) for h in range(4) for m in (0, 30)] + [time(9), time(18), time(23, 30)])
_FOLDS = st.integers(0, 1)
_ANYWHERE = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1))
_WORK_DAYS = st.frozensets(st.integers(1, 7), min_size=1)
_HOLIDAY_OFFSETS = st.frozensets(st.integers(-2, 30), max_size=8)
_SHOWN_IN = st.integers(0, 2)
_OTHER_ZONE = timezone(timedelta(hours=-7, minutes=-30))


@st.composite
def windows(draw: st.DrawFn) -> tuple[time, time]:
    kind = draw(_WINDOW_KINDS)
    if kind == "default":
        return time(9), time(18)
    if kind == "midnight":  # touching midnight at one end or both, where some zones shift
        start = draw(_MIDNIGHT_STARTS)
        end = draw(_MIDNIGHT_ENDS) if start < 3 * 60 else 24 * 60
        return _minutes_to_time(start), _minutes_to_time(end)
    start = draw(_MINUTES)
    # at least an hour a day, which keeps 60 working hours within a few years
    end = start + 60 + draw(_MINUTES) % (24 * 60 - start - 60 + 1)
    return _minutes_to_time(start), _minutes_to_time(end)


@st.composite
def instants(draw: st.DrawFn, zone_name: str) -> datetime:
    """An aware instant: anywhere in 2000–2040, near an offset change, or at a round local time."""
    kind = draw(_INSTANT_KINDS)
    if kind == "transition":
        return draw(_BASES[zone_name]) + timedelta(microseconds=draw(_NEAR))
    if kind == "wall":  # a round local time, possibly nonexistent or ambiguous, with either fold
        day = draw(_SHIFT_DAYS[zone_name]) + timedelta(days=draw(_DAYS_AROUND))
        return datetime.combine(day, draw(_ROUND_WALLS), tzinfo=ZoneInfo(zone_name)).replace(fold=draw(_FOLDS))
    return draw(_ANYWHERE).replace(tzinfo=UTC)


@st.composite
def scenarios(draw: st.DrawFn, zones: tuple[str, ...] = ZONES) -> tuple[Calendar, datetime]:
    """A random calendar and an aware start instant: UTC, in the calendar's zone or another, or a local wall time."""
    zone_name = draw(st.sampled_from(zones))
    work_start, work_end = draw(windows())
    work_days = draw(_WORK_DAYS)
    start = draw(instants(zone_name))
    first = start.astimezone(ZoneInfo(zone_name)).date()
    holidays = frozenset(first + timedelta(days=d) for d in draw(_HOLIDAY_OFFSETS))
    cal = Calendar(zone_name, work_start, work_end, work_days, holidays)
    if start.tzinfo is not UTC:
        return cal, start  # a local wall-clock time, kept as drawn (it may not exist, or exist twice)
    return cal, start.astimezone((UTC, ZoneInfo(zone_name), _OTHER_ZONE)[draw(_SHOWN_IN)])


# Hypothesis favours small integers (and some branches of ``one_of``): sampling the hour, the minute and the
# kind of amount spreads the amounts over 0–61 h.
_AMOUNT_KINDS: dict[str, st.SearchStrategy[timedelta]] = {
    "spread": st.builds(
        lambda h, m, us: h * H + m * MIN + us * US,
        st.sampled_from(range(61)), st.sampled_from(range(60)), st.integers(0, 60 * 10**6 - 1),
    ),
    "under a second": st.integers(0, 10**6).map(lambda us: us * US),
    "whole hours": st.sampled_from(range(61)).map(lambda h: h * H),  # often ends exactly at a closing time
    "typical": st.sampled_from([timedelta(0), US, timedelta(seconds=5), 24 * H, 48 * H]),
}
_AMOUNT_KIND = st.sampled_from(["spread", "spread", "spread", "spread", "under a second", "whole hours", "typical"])


@st.composite
def _amounts(draw: st.DrawFn) -> timedelta:
    return draw(_AMOUNT_KINDS[draw(_AMOUNT_KIND)])


amounts = _amounts()


def _stable(zone: ZoneInfo, instant: datetime) -> bool:
    """Whether the zone keeps one UTC offset for two days either side of ``instant``."""
    base = instant.astimezone(UTC)
    offsets = {(base + d * timedelta(hours=12)).astimezone(zone).utcoffset() for d in range(-4, 5)}
    return len(offsets) == 1


def _reference_add(cal: Calendar, start: datetime, amount: timedelta) -> datetime:
    """add_working for a zone with one fixed offset, by naive wall-clock arithmetic."""
    zone = ZoneInfo(cal.timezone)
    wall = start.astimezone(zone).replace(tzinfo=None)
    if not amount:
        return start.astimezone(UTC)
    day = wall.date()
    while True:
        if day.isoweekday() in cal.work_days and day not in cal.holidays:
            begin = max(datetime.combine(day, cal.work_start), wall)
            end = (
                datetime.combine(day + timedelta(days=1), time(0))
                if cal.work_end == time.max
                else datetime.combine(day, cal.work_end)
            )
            if begin < end:
                if amount <= end - begin:
                    return (begin + amount).replace(tzinfo=zone).astimezone(UTC)
                amount -= end - begin
        day += timedelta(days=1)


@PROPS
@given(scenarios(), amounts, amounts)
def test_adding_in_two_steps_equals_adding_at_once(
    scenario: tuple[Calendar, datetime], h1: timedelta, h2: timedelta
) -> None:
    cal, t = scenario
    assert add_working(cal, add_working(cal, t, h1), h2) == add_working(cal, t, h1 + h2)


@PROPS
@given(scenarios(), amounts)
def test_working_time_up_to_the_result_is_the_amount(scenario: tuple[Calendar, datetime], amount: timedelta) -> None:
    cal, t = scenario
    result = add_working(cal, t, amount)
    assert result.tzinfo is UTC
    assert working_between(cal, t, result) == amount


@PROPS
@given(scenarios(), amounts)
def test_result_lies_in_working_time_or_at_the_end_of_a_period(
    scenario: tuple[Calendar, datetime], amount: timedelta
) -> None:
    cal, t = scenario
    amount = amount or US
    result = add_working(cal, t, amount)
    assert result > t
    assert is_working(cal, result - US)  # the result is in (start, end] of a working period
    zone = ZoneInfo(cal.timezone)
    if _stable(zone, result):  # check the wall clock directly where no shift is near
        inside = (result - US).astimezone(zone)
        assert inside.isoweekday() in cal.work_days
        assert inside.date() not in cal.holidays
        assert cal.work_start <= inside.time() <= cal.work_end
        shown_at = result.astimezone(zone)
        if shown_at.date() != inside.date():  # only a period running to 24:00 ends on the next date
            assert cal.work_end == time.max and shown_at.time() == time(0)
        else:
            assert shown_at.time() <= cal.work_end


@PROPS
@given(scenarios(), st.integers(0, 8), amounts)
def test_an_amount_reaching_a_closing_time_ends_there(
    scenario: tuple[Calendar, datetime], days_later: int, more: timedelta
) -> None:
    cal, t = scenario
    day = t.astimezone(ZoneInfo(cal.timezone)).date() + timedelta(days=days_later)
    period = working_period(cal, day)
    while period is None or period[1] <= t:  # ends: every week has a work day and holidays are few
        day += timedelta(days=1)
        period = working_period(cal, day)
    closing = period[1]
    amount = working_between(cal, t, closing)
    assert add_working(cal, t, amount) == closing
    assert add_working(cal, closing, more) == add_working(cal, t, amount + more)
    if more:
        assert add_working(cal, closing, more) > closing


@PROPS
@given(scenarios(FIXED_ZONES), amounts)
def test_fixed_offset_zones_agree_with_wall_clock_arithmetic(
    scenario: tuple[Calendar, datetime], amount: timedelta
) -> None:
    cal, t = scenario
    assert add_working(cal, t, amount) == _reference_add(cal, t, amount)


@PROPS
@given(scenarios(), amounts, amounts)
def test_more_working_time_never_ends_earlier(
    scenario: tuple[Calendar, datetime], h1: timedelta, h2: timedelta
) -> None:
    cal, t = scenario
    h1, h2 = sorted((h1, h2))
    assert add_working(cal, t, h1) <= add_working(cal, t, h2)


@PROPS
@given(scenarios(), amounts)
def test_reminders_come_before_the_deadline(scenario: tuple[Calendar, datetime], amount: timedelta) -> None:
    cal, t = scenario
    half = fraction_point(cal, t, amount, 0.5)
    ninety = fraction_point(cal, t, amount, 0.9)
    deadline = add_working(cal, t, amount)
    assert t <= half <= ninety <= deadline
    assert fraction_point(cal, t, amount, 1.0) == deadline
    assert fraction_point(cal, t, amount, 0.0) == t.astimezone(UTC)


@PROPS
@given(scenarios(), st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10))
def test_no_working_time_on_a_holiday(
    scenario: tuple[Calendar, datetime], f1: int, f2: int, shift: int
) -> None:
    cal, t = scenario
    zone = ZoneInfo(cal.timezone)
    day = t.astimezone(zone).date() + timedelta(days=shift)
    cal = dataclasses.replace(cal, holidays=cal.holidays | {day})
    a, b = _sub_interval(zone, *_whole_day(day), f1, f2)
    assert working_between(cal, a, b) == timedelta(0)
    assert not is_working(cal, a)
    assert working_period(cal, day) is None


@PROPS
@given(scenarios(), st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10))
def test_no_working_time_on_a_day_off(scenario: tuple[Calendar, datetime], f1: int, f2: int, shift: int) -> None:
    cal, t = scenario
    zone = ZoneInfo(cal.timezone)
    day = t.astimezone(zone).date() + timedelta(days=shift)
    off = day.isoweekday()
    days = cal.work_days - {off} or frozenset({off % 7 + 1})
    cal = dataclasses.replace(cal, work_days=days)
    a, b = _sub_interval(zone, *_whole_day(day), f1, f2)
    assert working_between(cal, a, b) == timedelta(0)
    assert not is_working(cal, a)


@PROPS
@given(scenarios(), st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10))
def test_no_working_time_outside_hours(scenario: tuple[Calendar, datetime], f1: int, f2: int, shift: int) -> None:
    cal, t = scenario
    zone = ZoneInfo(cal.timezone)
    day = t.astimezone(zone).date() + timedelta(days=shift)
    assume(_stable(zone, datetime.combine(day, time(12), tzinfo=zone)))
    midnight, next_midnight = _whole_day(day)
    if cal.work_start > time(0):
        a, b = _sub_interval(zone, midnight, datetime.combine(day, cal.work_start), f1, f2)
        assert working_between(cal, a, b) == timedelta(0)
        assert not is_working(cal, a)
    if cal.work_end != time.max:
        a, b = _sub_interval(zone, datetime.combine(day, cal.work_end), next_midnight, f1, f2)
        assert working_between(cal, a, b) == timedelta(0)
        assert not is_working(cal, a)
    # and the whole local day holds exactly the window
    window = (next_midnight if cal.work_end == time.max else datetime.combine(day, cal.work_end)) - datetime.combine(
        day, cal.work_start
    )
    expected = window if cal.is_work_day(day) else timedelta(0)
    assert working_between(cal, midnight.replace(tzinfo=zone), next_midnight.replace(tzinfo=zone)) == expected


def _whole_day(day: date) -> tuple[datetime, datetime]:
    """The local wall-clock span of ``day``: its midnight and the next (naive)."""
    return datetime.combine(day, time(0)), datetime.combine(day + timedelta(days=1), time(0))


def _sub_interval(zone: ZoneInfo, lo: datetime, hi: datetime, f1: int, f2: int) -> tuple[datetime, datetime]:
    """A sub-interval ``[a, b)`` of the local wall-clock span ``[lo, hi)``, picked by two millionths (``a < hi``)."""
    a, b = lo.replace(tzinfo=zone).astimezone(UTC), hi.replace(tzinfo=zone).astimezone(UTC)
    span = b - a
    x, y = sorted((f1, f2))
    return a + span * x // (10**6 + 1), a + span * y // 10**6


@PROPS
@given(scenarios(), amounts, amounts)
def test_working_time_adds_up_over_adjacent_intervals(
    scenario: tuple[Calendar, datetime], d1: timedelta, d2: timedelta
) -> None:
    cal, a = scenario
    a = a.astimezone(UTC)  # arithmetic on an aware local time would be wall-clock arithmetic
    b, c = a + d1, a + d1 + d2
    assert working_between(cal, a, b) + working_between(cal, b, c) == working_between(cal, a, c)
    assert working_between(cal, a, c) <= c - a


@PROPS
@given(scenarios())
def test_is_working_agrees_with_working_between(scenario: tuple[Calendar, datetime]) -> None:
    cal, t = scenario
    assert is_working(cal, t) == (working_between(cal, t, t.astimezone(UTC) + US) == US)


@PROPS
@given(instants("UTC"), amounts)
def test_always_adds_plainly(t: datetime, amount: timedelta) -> None:
    assert add_working(ALWAYS, t, amount) == t + amount
    assert working_between(ALWAYS, t, t + amount) == amount
    assert is_working(ALWAYS, t)
