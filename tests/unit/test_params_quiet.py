"""key=value arguments, quiet hours parsing, and when quiet hours end."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Invalid
from domain.notify import quiet_until
from domain.params import check_keys, parse_args
from domain.services.prefs import parse_quiet

IST = ZoneInfo("Asia/Kolkata")


def test_key_values_quotes_and_positionals() -> None:
    args = parse_args('code=CS101 name="Data Bases" class=CSE-A extra')
    assert args.named == {"code": "CS101", "name": "Data Bases", "class": "CSE-A"}
    assert args.positional == ["extra"]
    assert parse_args("name=“Curly quotes”").named == {"name": "Curly quotes"}  # phones type these
    assert parse_args(None).named == {}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('name="open', "quotation mark is not closed"),
        ("code=1 code=2", "code= is given twice"),
        ("9x=1", "not a key=value pair"),
    ],
)
def test_argument_mistakes_are_named(text: str, needle: str) -> None:
    with pytest.raises(Invalid) as info:
        parse_args(text)
    assert needle in str(info.value)


def test_unknown_keys_are_named_with_the_allowed_ones() -> None:
    with pytest.raises(Invalid) as info:
        check_keys(parse_args("colour=red"), ["code", "name"])
    assert str(info.value) == "colour= is not an option here; the options are: code, name."


def test_parse_quiet() -> None:
    assert parse_quiet("21:00-07:00") == (dt.time(21), dt.time(7))
    assert parse_quiet("22-6") == (dt.time(22), dt.time(6))
    assert parse_quiet("off") is None
    for bad in ("25:00-07:00", "evening", "7-7"):
        with pytest.raises(Invalid):
            parse_quiet(bad)


def test_quiet_until_wraps_midnight() -> None:
    start, end = dt.time(21), dt.time(7)
    late = dt.datetime(2026, 11, 21, 23, 30, tzinfo=IST)
    assert quiet_until(late, start, end) == dt.datetime(2026, 11, 22, 7, 0, tzinfo=IST)
    early = dt.datetime(2026, 11, 22, 6, 59, tzinfo=IST)
    assert quiet_until(early, start, end) == dt.datetime(2026, 11, 22, 7, 0, tzinfo=IST)
    assert quiet_until(dt.datetime(2026, 11, 22, 7, 0, tzinfo=IST), start, end) is None  # ends at 07:00 sharp
    assert quiet_until(dt.datetime(2026, 11, 22, 12, 0, tzinfo=IST), start, end) is None
    assert quiet_until(late, None, None) is None


@given(st.times(), st.times(), st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)))
def test_quiet_until_is_after_now_and_outside_quiet_hours(start: dt.time, end: dt.time, naive: dt.datetime) -> None:
    start, end, now = start.replace(microsecond=0), end.replace(microsecond=0), naive.replace(tzinfo=IST)
    until = quiet_until(now, start, end)
    if until is None:
        return
    assert now < until <= now + dt.timedelta(days=1)
    assert quiet_until(until, start, end) is None  # delivery time is outside quiet hours
