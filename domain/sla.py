"""Working-hours calendar arithmetic for evaluation deadlines: SLA hours counted only in an organization's working time.

An organization's calendar says when time counts: a daily window of local wall-clock hours
(``work_start``–``work_end``), the ISO weekdays that are working days, and a set of local dates that
are holidays, all in one IANA time zone. A deadline is the submission instant plus the plan's SLA hours
of *working* time; the reminders are the instants when 50 % and 90 % of that working time has elapsed.

Pure functions, no I/O. All arithmetic is exact ``timedelta`` arithmetic (microseconds, no floats for
accumulated time). Instants go in as aware datetimes in any zone and come out as aware UTC datetimes;
:func:`local` shows one in the calendar's zone.

Working periods
    Each working day ``D`` (its weekday is a work day and it is not a holiday) has one working period:
    from the instant the local clock first reads ``D work_start`` to the instant it first reads
    ``D work_end``. ``work_end == time.max`` stands for 24:00, the following midnight. A period is as long
    as the real time that elapses, so on a day with a DST shift inside the window it is an hour shorter
    or longer than usual. Periods are half-open: the start is working time, the end is not.

Local times that do not exist or happen twice
    A wall-clock time is turned into an instant as *the first instant at which the local clock reads
    that time or later*:

    * an ambiguous time (clocks go back, the time happens twice) is its first occurrence, i.e.
      ``fold=0``;
    * a nonexistent time (clocks jump forward over it) is the instant of the jump, when the clock first
      shows a later time.

    This conversion never decreases as the wall-clock time increases, so the periods of consecutive
    days never overlap and never run backwards; a period whose start and end both fall into the same
    gap is empty, and that day has no working time.

No working time at all
    A calendar may leave no working time for a long stretch (for example every work day is a holiday).
    :func:`add_working` gives up with ``ValueError`` when it finds no working time in
    ``NO_WORK_LIMIT`` (about ten years) of consecutive local days instead of searching forever.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "ALWAYS",
    "DEFAULT",
    "NO_WORK_LIMIT",
    "Calendar",
    "add_working",
    "fraction_point",
    "is_working",
    "local",
    "working_between",
    "working_period",
]

NO_WORK_LIMIT = timedelta(days=3660)  # about ten years of local days without any working time
_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_ALL_DAYS = frozenset(range(1, 8))


@dataclass(frozen=True, slots=True)
class Calendar:
    """When working time counts for one organization.

    ``work_end`` may be ``time.max`` (23:59:59.999999), which means "until midnight" (24:00).
    """

    timezone: str = "Asia/Kolkata"
    work_start: time = time(9, 0)
    work_end: time = time(18, 0)
    work_days: frozenset[int] = frozenset(range(1, 7))
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.timezone, str):
            raise ValueError(f"The time zone must be an IANA name such as 'Asia/Kolkata', not {self.timezone!r}.")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"The time zone {self.timezone!r} is not a known IANA time zone.") from None
        for name in ("work_start", "work_end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"{name} must be a local wall-clock time without a time zone, not {value!r}.")
        if not self.work_start < self.work_end:
            raise ValueError(
                f"The working day must start before it ends; got {self.work_start.isoformat()}"
                f"–{self.work_end.isoformat()}."
            )
        days = frozenset(self.work_days)
        if not days:
            raise ValueError("A calendar needs at least one working weekday.")
        if not all(type(d) is int and 1 <= d <= 7 for d in days):
            shown = ", ".join(sorted(map(repr, days)))
            raise ValueError(f"Working weekdays are ISO numbers 1 (Monday) to 7 (Sunday); got {{{shown}}}.")
        holidays = frozenset(self.holidays)
        for h in holidays:
            if not isinstance(h, date) or isinstance(h, datetime):
                raise ValueError(f"A holiday is a local date, not {h!r}.")
        object.__setattr__(self, "work_days", days)
        object.__setattr__(self, "holidays", holidays)

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone (``ZoneInfo`` caches its instances)."""
        return ZoneInfo(self.timezone)

    @property
    def until_midnight(self) -> bool:
        """Whether the working day ends at 24:00 (``work_end`` is ``time.max``)."""
        return self.work_end == time.max

    def is_work_day(self, day: date) -> bool:
        """Whether ``day`` (a local date) is a working day: a work weekday and not a holiday."""
        return day.isoweekday() in self.work_days and day not in self.holidays


DEFAULT = Calendar()
"""The product default: 09:00–18:00, Monday to Saturday, no holidays, Asia/Kolkata."""

ALWAYS = Calendar(timezone="UTC", work_start=time.min, work_end=time.max, work_days=_ALL_DAYS)
"""Every instant is working time (24/7): working time equals elapsed time."""


def _require_aware(instant: datetime, name: str) -> None:
    if not isinstance(instant, datetime):
        raise ValueError(f"{name} must be a datetime, not {instant!r}.")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone); got the naive {instant.isoformat()}.")


def _first_instant_reading(zone: ZoneInfo, wall: datetime) -> datetime:
    """The first instant (UTC) at which the clock of ``zone`` reads ``wall`` (naive) or later."""
    early = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if early.astimezone(zone).replace(tzinfo=None) == wall:
        return early  # the time exists; fold=0 is the first occurrence of an ambiguous time
    # ``wall`` is in a gap. With fold=0 it is read with the offset before the jump (an instant at or
    # after the jump), with fold=1 with the offset after it (an instant before the jump); the jump lies
    # between. Time-zone transitions happen on whole seconds: search for it.
    after = early
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    offset_after = after.astimezone(zone).utcoffset()
    lo = before.replace(microsecond=0)  # before the jump
    hi = after if after.microsecond == 0 else after.replace(microsecond=0) + _SECOND  # at or after it
    while hi - lo > _SECOND:
        mid = lo + (hi - lo) // 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(zone).utcoffset() == offset_after:
            hi = mid
        else:
            lo = mid
    return hi


def working_period(cal: Calendar, day: date) -> tuple[datetime, datetime] | None:
    """The working period ``[start, end)`` (UTC) of the local date ``day``, or None when it has none."""
    if not cal.is_work_day(day):
        return None
    zone = cal.zone
    start = _first_instant_reading(zone, datetime.combine(day, cal.work_start))
    end_wall = datetime.combine(day + _DAY, time.min) if cal.until_midnight else datetime.combine(day, cal.work_end)
    end = _first_instant_reading(zone, end_wall)
    if end <= start:
        return None  # the whole window fell into one DST gap
    return start, end


def _periods(cal: Calendar, first_day: date, last_day: date | None = None) -> Iterator[tuple[date, datetime, datetime]]:
    """The working periods of the local dates from ``first_day`` on (to ``last_day`` inclusive), in order."""
    day = first_day
    while last_day is None or day <= last_day:
        period = working_period(cal, day)
        if period is not None:
            yield day, period[0], period[1]
        day += _DAY


def _local_date(cal: Calendar, instant: datetime) -> date:
    return instant.astimezone(cal.zone).date()


def local(cal: Calendar, instant: datetime) -> datetime:
    """``instant`` in the calendar's time zone, for showing a deadline to people."""
    _require_aware(instant, "The instant")
    return instant.astimezone(cal.zone)


def is_working(cal: Calendar, instant: datetime) -> bool:
    """Whether ``instant`` lies inside a working period (its start counts, its end does not)."""
    _require_aware(instant, "The instant")
    instant = instant.astimezone(UTC)
    day = _local_date(cal, instant)
    # The period containing an instant belongs to its local date, or to a neighbour when the clock
    # was turned back across midnight; looking one day either side covers every case.
    return any(start <= instant < end for _, start, end in _periods(cal, day - _DAY, day + _DAY))


def working_between(cal: Calendar, a: datetime, b: datetime) -> timedelta:
    """The working time in ``[a, b)``; zero when ``b <= a``."""
    _require_aware(a, "The start")
    _require_aware(b, "The end")
    a, b = a.astimezone(UTC), b.astimezone(UTC)
    if b <= a:
        return timedelta(0)
    total = timedelta(0)
    for _, start, end in _periods(cal, _local_date(cal, a) - _DAY, _local_date(cal, b) + _DAY):
        lo, hi = max(start, a), min(end, b)
        if lo < hi:
            total += hi - lo
    return total


def add_working(cal: Calendar, start: datetime, amount: timedelta) -> datetime:
    """The instant (UTC) when ``amount`` of working time has elapsed after ``start``.

    ``amount == 0`` gives ``start`` itself. When the amount runs out exactly at the end of a working
    period the result is that end (18:00 the same day), not the start of the next period. Raises
    ``ValueError`` for a naive ``start``, a negative amount, or a calendar without working time in
    ``NO_WORK_LIMIT`` of consecutive days.
    """
    _require_aware(start, "The start")
    if not isinstance(amount, timedelta):
        raise ValueError(f"The amount of working time must be a timedelta, not {amount!r}.")
    if amount < timedelta(0):
        raise ValueError(f"The amount of working time cannot be negative; got {amount}.")
    start = start.astimezone(UTC)
    if not amount:
        return start
    remaining = amount
    day = _local_date(cal, start) - _DAY
    last_work_day = day
    while True:
        if day - last_work_day > NO_WORK_LIMIT:
            raise ValueError(
                f"The calendar has no working time between {last_work_day.isoformat()} and {day.isoformat()}: "
                "check its working days and holidays."
            )
        period = working_period(cal, day)
        day += _DAY
        if period is None or period[1] <= start:
            continue
        last_work_day = day
        begin = max(period[0], start)
        available = period[1] - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available


def fraction_point(cal: Calendar, start: datetime, amount: timedelta, fraction: float) -> datetime:
    """The instant when ``fraction`` (0..1) of ``amount`` of working time has elapsed: the reminder points.

    ``amount * fraction`` is rounded to the microsecond by ``timedelta`` (half to even).
    """
    if not 0 <= fraction <= 1:
        raise ValueError(f"The fraction of the working time must be between 0 and 1; got {fraction!r}.")
    if not isinstance(amount, timedelta):
        raise ValueError(f"The amount of working time must be a timedelta, not {amount!r}.")
    return add_working(cal, start, amount * fraction)
