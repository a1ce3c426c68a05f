"""What an admin types to /calendar: working hours, weekdays, a time zone, a day."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.errors import Invalid
from domain.services.calendars import parse_day, parse_days, parse_hours, parse_timezone


@pytest.mark.parametrize(("raw", "start", "end"), [
    ("09:00-18:00", dt.time(9), dt.time(18)), ("9-17:30", dt.time(9), dt.time(17, 30)),
    ("08:30 – 16:00", dt.time(8, 30), dt.time(16)), ("00:00-24:00", dt.time(0), dt.time(23, 59, 59)),
])
def test_hours(raw: str, start: dt.time, end: dt.time) -> None:
    assert parse_hours(raw) == (start, end)


@pytest.mark.parametrize("raw", ["18:00-09:00", "9", "25:00-26:00", "09:00-24:30", "nine to five", "09:60-10:00"])
def test_hours_refused(raw: str) -> None:
    with pytest.raises(Invalid):
        parse_hours(raw)


@pytest.mark.parametrize(("raw", "days"), [
    ("Mon-Sat", [1, 2, 3, 4, 5, 6]), ("mon-fri,sun", [1, 2, 3, 4, 5, 7]), ("all", list(range(1, 8))),
    ("Tuesday", [2]), ("Mon, Wed, Fri", [1, 3, 5]),
])
def test_days(raw: str, days: list[int]) -> None:
    assert parse_days(raw) == days


@pytest.mark.parametrize("raw", ["Sat-Mon", "weekdays", "", "Mon-Tue-Wed"])
def test_days_refused(raw: str) -> None:
    with pytest.raises(Invalid):
        parse_days(raw)


def test_timezone_and_day() -> None:
    assert parse_timezone(" Asia/Kolkata ") == "Asia/Kolkata"
    with pytest.raises(Invalid, match="not a time zone"):
        parse_timezone("India/Delhi")
    assert parse_day("25/12/2026") == dt.date(2026, 12, 25)
    with pytest.raises(Invalid):
        parse_day("12/25/2026")


def test_a_holiday_is_its_date_then_its_name() -> None:
    from domain.services.calendars import parse_holiday

    assert parse_holiday("25/12/2026 Christmas") == (dt.date(2026, 12, 25), "Christmas")
    assert parse_holiday("24 Nov 2026 Guru Nanak Jayanti") == (dt.date(2026, 11, 24), "Guru Nanak Jayanti")
    with pytest.raises(Invalid, match="its date and name"):
        parse_holiday("Christmas")
