"""What a teacher types when creating an exam, read into values: times (``now``, ``+2d``,
``2026-11-25 10:00``, ``tomorrow 9:30``), durations (``20``, ``1h30m``), fractions (``1/4``, ``25%``)
and yes/no. Pure functions: the caller passes the current time and the organization's time zone.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from domain.errors import N_, Invalid

_RELATIVE = re.compile(r"^\+\s*(\d{1,4})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$", re.I)
_UNIT = {"m": dt.timedelta(minutes=1), "h": dt.timedelta(hours=1), "d": dt.timedelta(days=1),
         "w": dt.timedelta(weeks=1)}
_TIME = r"(?P<hh>\d{1,2})(?::(?P<mm>\d{2}))?\s*(?P<ampm>am|pm)?"
_ISO = re.compile(r"^(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})(?:[ T]+" + _TIME + r")?$", re.I)
_DMY = re.compile(r"^(?P<d>\d{1,2})[/.-](?P<mo>\d{1,2})[/.-](?P<y>\d{4})(?:\s+" + _TIME + r")?$", re.I)
_DAYWORD = re.compile(r"^(?P<w>today|tomorrow)(?:\s+" + _TIME + r")?$", re.I)
_CLOCK = re.compile(r"^" + _TIME + r"$", re.I)
_DURATION = re.compile(r"^(?:(?P<h>\d{1,2})\s*(?:h|hrs?|hours?))?\s*(?:(?P<m>\d{1,3})\s*(?:m|min|mins|minutes?)?)?$",
                       re.I)

YES = frozenset({"yes", "y", "true", "on", "1", "हाँ", "हां"})
NO = frozenset({"no", "n", "false", "off", "0", "नहीं"})

WHEN_HELP = N_("{value} is not a time I understand: write now, +2h, +3d, 2026-11-25 10:00, 25/11/2026 10:00, "
               "today 14:00 or tomorrow 9:30.")


def _clock(m: re.Match[str], *, end_of_day: bool) -> dt.time:
    if m.group("hh") is None:
        return dt.time(23, 59) if end_of_day else dt.time(0, 0)
    hh, mm = int(m.group("hh")), int(m.group("mm") or 0)
    ampm = (m.group("ampm") or "").lower()
    if ampm:
        if not 1 <= hh <= 12:
            raise ValueError
        hh = hh % 12 + (12 if ampm == "pm" else 0)
    return dt.time(hh, mm)


def parse_when(raw: str, now: dt.datetime, timezone: str, *, end_of_day: bool = False) -> dt.datetime:
    """A moment typed by a teacher, in the organization's local time; a date alone is its start (or its
    last minute with ``end_of_day``, for a closing time)."""
    text = " ".join(raw.strip().split())
    tz = ZoneInfo(timezone)
    if text.lower() == "now":
        return now
    m = _RELATIVE.match(text)
    if m:
        return now + int(m.group(1)) * _UNIT[m.group(2)[0].lower()]
    local_today = now.astimezone(tz).date()
    try:
        if (m := _ISO.match(text) or _DMY.match(text)) is not None:
            day = dt.date(int(m.group("y")), int(m.group("mo")), int(m.group("d")))
            return dt.datetime.combine(day, _clock(m, end_of_day=end_of_day), tz)
        if (m := _DAYWORD.match(text)) is not None:
            day = local_today + dt.timedelta(days=1 if m.group("w").lower() == "tomorrow" else 0)
            return dt.datetime.combine(day, _clock(m, end_of_day=end_of_day), tz)
        if (m := _CLOCK.match(text)) is not None and (m.group("mm") or m.group("ampm")):
            return dt.datetime.combine(local_today, _clock(m, end_of_day=False), tz)
    except ValueError:
        pass
    raise Invalid(WHEN_HELP, value=text[:40])


def parse_minutes(raw: str) -> int:
    """A duration in whole minutes, 1 to 600 (``20``, ``20 min``, ``1h``, ``1h 30m``)."""
    text = raw.strip()
    m = _DURATION.match(text)
    if not text or m is None or (m.group("h") is None and m.group("m") is None):
        raise Invalid(N_("{value} is not a duration: write the minutes, for example 20, or 1h30m."), value=text[:40])
    minutes = int(m.group("h") or 0) * 60 + int(m.group("m") or 0)
    if not 1 <= minutes <= 600:
        raise Invalid(N_("An exam lasts from 1 minute to 10 hours, not {value}."), value=text[:40])
    return minutes


_WORKING = re.compile(r"^(?:(?P<h>\d{1,3})\s*(?:h|hrs?|hours?))?\s*(?:(?P<m>\d{1,3})\s*(?:m|min|mins|minutes?))?"
                      r"\s*(?:(?P<s>\d{1,5})\s*(?:s|sec|secs|seconds?))?$", re.I)
SLA_MAX_SECONDS = 200 * 3600


def parse_working_time(raw: str) -> int:
    """An SLA in seconds of working time: ``24`` (hours), ``48h``, ``1h30m``, ``90s``; from 1 second to 200 hours."""
    text = raw.strip()
    if text.isdigit():
        text += "h"
    m = _WORKING.match(text)
    if not text or m is None or not any(m.group(k) for k in "hms"):
        raise Invalid(N_("{value} is not a length of working time: write hours, for example 24 or 48h, or 1h30m."),
                      value=raw.strip()[:40])
    seconds = int(m.group("h") or 0) * 3600 + int(m.group("m") or 0) * 60 + int(m.group("s") or 0)
    if not 1 <= seconds <= SLA_MAX_SECONDS:
        raise Invalid(N_("An SLA is from 1 second to 200 working hours, not {value}."), value=raw.strip()[:40])
    return seconds


def parse_fraction(raw: str) -> Decimal:
    """The share of a question's marks taken off for a wrong answer: 0, 0.25, 1/4, 25 %, none."""
    text = raw.strip().replace(" ", "").lower()
    try:
        if text in NO or text in ("none", "-"):
            value = Decimal(0)
        elif text.endswith("%"):
            value = Decimal(text[:-1]) / 100
        elif "/" in text:
            top, bottom = text.split("/", 1)
            value = Decimal(top) / Decimal(bottom)
        else:
            value = Decimal(text)
    except (InvalidOperation, ZeroDivisionError, ValueError):
        raise Invalid(N_("{value} is not a share of the marks: write 0, 0.25, 1/4 or 25%."), value=raw[:40]) from None
    if not Decimal(0) <= value <= Decimal(1):
        raise Invalid(N_("A wrong answer can lose between 0 and all of its marks, not {value}."), value=raw[:40])
    return value.quantize(Decimal("0.01"))


def parse_yes_no(raw: str) -> bool:
    text = raw.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise Invalid(N_("Answer yes or no, not {value}."), value=raw[:40])
