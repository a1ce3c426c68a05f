"""An organization's working calendar as its admin keeps it (/calendar and holiday files): working hours,
working weekdays, time zone and holidays. A change moves the deadlines of evaluations still open (their
working time is counted again in the new calendar); reminders already sent stay sent."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.access import Actor
from domain.errors import N_, Invalid, NotFound
from domain.files.holidays import HolidayRow, read_date
from domain.model.base import utcnow
from domain.model.evaluation import Evaluation
from domain.model.org import Holiday, Organization
from domain.model.people import Role
from domain.services.evaluations import calendar_of, reminder_fractions, schedule

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HOURS = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?\s*$")


@dataclass(frozen=True)
class CalendarView:
    name: str
    timezone: str
    work_start: dt.time
    work_end: dt.time
    work_days: tuple[int, ...]
    holidays: list[tuple[dt.date, str]]  # from today on


async def show(session: AsyncSession, actor: Actor, today: dt.date | None = None) -> CalendarView:
    me = actor.require(Role.ADMIN, Role.TEACHER)
    org = await session.get(Organization, me.org_id)
    assert org is not None
    today = today or utcnow().astimezone(ZoneInfo(org.timezone)).date()
    rows = (await session.execute(select(Holiday.day, Holiday.name).where(
        Holiday.org_id == org.id, Holiday.day >= today).order_by(Holiday.day).limit(60))).all()
    return CalendarView(org.name, org.timezone, org.work_start, org.work_end, tuple(sorted(org.work_days)),
                        [(d, n) for d, n in rows])


def parse_hours(raw: str) -> tuple[dt.time, dt.time]:
    """``09:00-18:00`` (also ``9-18``); ``00:00-24:00`` is the whole day."""
    m = _HOURS.match(raw)
    if m is None:
        raise Invalid(N_("{value} is not working hours; write them as 09:00-18:00."), value=raw[:40])
    h1, m1, h2, m2 = int(m.group(1)), int(m.group(2) or 0), int(m.group(3)), int(m.group(4) or 0)
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise Invalid(N_("{value} is not working hours; write them as 09:00-18:00."), value=raw[:40])
    start = dt.time(h1, m1)
    end = dt.time(23, 59, 59) if h2 == 24 else dt.time(h2, m2)
    if end <= start:
        raise Invalid(N_("Working hours end after they start, not {value}."), value=raw[:40])
    return start, end


def parse_days(raw: str) -> list[int]:
    """``Mon-Sat``, ``Mon-Fri,Sun``, ``all``: ISO weekdays."""
    text = raw.strip().lower()
    if text in ("all", "every day", "daily"):
        return list(range(1, 8))
    names = [d.lower() for d in DAY_NAMES]
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in text.replace(" ", "").split(","))):
        ends = part.split("-")
        try:
            idx = [names.index(e[:3]) + 1 for e in ends]
        except ValueError:
            raise Invalid(N_("{value} is not a list of weekdays; write them as Mon-Sat or Mon-Fri,Sun."),
                          value=raw[:40]) from None
        if len(idx) == 1:
            days.add(idx[0])
        elif len(idx) == 2 and idx[0] <= idx[1]:
            days.update(range(idx[0], idx[1] + 1))
        else:
            raise Invalid(N_("{value} is not a list of weekdays; write them as Mon-Sat or Mon-Fri,Sun."),
                          value=raw[:40])
    if not days:
        raise Invalid(N_("{value} is not a list of weekdays; write them as Mon-Sat or Mon-Fri,Sun."), value=raw[:40])
    return sorted(days)


def parse_timezone(raw: str) -> str:
    name = raw.strip()
    if name not in available_timezones():
        raise Invalid(N_("{value} is not a time zone; write one such as Asia/Kolkata."), value=raw[:40])
    return name


def parse_day(raw: str) -> dt.date:
    day, problem, params = read_date(raw)
    if day is None:
        raise Invalid(problem or N_("{value} is not a date; write it as day/month/year, such as 24/11/2026."),
                      **({"value": raw[:40]} | params))
    return day


def parse_holiday(raw: str) -> tuple[dt.date, str]:
    """``25/12/2026 Christmas``: the date (one to three words), then the name."""
    words = raw.split()
    for n in (3, 2, 1):
        if len(words) > n:
            try:
                return parse_day(" ".join(words[:n])), " ".join(words[n:])
            except Invalid:
                continue
    raise Invalid(N_("Write the holiday as its date and name: add=\"25/12/2026 Christmas\"."))


@dataclass(frozen=True)
class Change:
    hours: tuple[dt.time, dt.time] | None = None
    days: list[int] | None = None
    timezone: str | None = None
    add: tuple[dt.date, str] | None = None
    remove: dt.date | None = None


async def change(session: AsyncSession, actor: Actor, what: Change, now: dt.datetime | None = None) -> int:
    """Apply an admin's change; the number of open evaluations whose deadline moved."""
    me = actor.require(Role.ADMIN)
    org = await session.get(Organization, me.org_id)
    assert org is not None
    if what.hours:
        org.work_start, org.work_end = what.hours
    if what.days:
        org.work_days = what.days
    if what.timezone:
        org.timezone = what.timezone
    if what.add:
        day, name = what.add
        await session.execute(insert(Holiday).values(org_id=org.id, day=day, name=name[:200], source="admin")
                              .on_conflict_do_update(index_elements=["org_id", "day"],
                                                     set_={"name": name[:200], "source": "admin"}))
    if what.remove:
        gone = await session.execute(delete(Holiday).where(Holiday.org_id == org.id, Holiday.day == what.remove)
                                     .returning(Holiday.id))
        if gone.first() is None:
            raise NotFound(N_("{day} is not a holiday."), day=what.remove.strftime("%d/%m/%Y"))
    await session.flush()
    moved = await move_deadlines(session, org.id, now or utcnow())
    await audit.record(session, "calendar.changed", org_id=org.id, actor_user_id=actor.user_id,
                       entity="organization", entity_id=org.id, hours=[str(t) for t in what.hours or ()],
                       days=what.days, timezone=what.timezone,
                       add=[str(what.add[0]), what.add[1]] if what.add else None,
                       remove=str(what.remove) if what.remove else None, deadlines_moved=moved)
    await session.commit()
    return moved


async def apply_holidays(session: AsyncSession, actor: Actor, rows: list[HolidayRow], now: dt.datetime | None = None
                         ) -> tuple[int, int, int]:
    """A holidays file: its days are the organization's holidays from now on (kept as the admin's; the
    days the file leaves out stay). (added, renamed, deadlines moved); in the caller's transaction."""
    me = actor.require(Role.ADMIN)
    before = dict((await session.execute(select(Holiday.day, Holiday.name).where(Holiday.org_id == me.org_id))).all())
    if rows:
        stmt = insert(Holiday).values([{"org_id": me.org_id, "day": r.day, "name": r.name, "source": "admin"}
                                       for r in rows])
        await session.execute(stmt.on_conflict_do_update(index_elements=["org_id", "day"],
                                                         set_={"name": stmt.excluded.name, "source": "admin"}))
    added = sum(1 for r in rows if r.day not in before)
    renamed = sum(1 for r in rows if r.day in before and before[r.day] != r.name)
    moved = await move_deadlines(session, me.org_id, now or utcnow())
    return added, renamed, moved


async def move_deadlines(session: AsyncSession, org_id: int, now: dt.datetime) -> int:
    """Count each open evaluation's working time again in the calendar as it is now."""
    cal = await calendar_of(session, org_id)
    fractions = await reminder_fractions(session, org_id)
    moved = 0
    for e in (await session.scalars(select(Evaluation).where(
            Evaluation.org_id == org_id, Evaluation.finished_at.is_(None), Evaluation.breached_at.is_(None)))).all():
        due = schedule(cal, e.submitted_at, e.sla_seconds, fractions)
        if due.deadline_at != e.deadline_at:
            e.deadline_at, e.remind_first_at, e.remind_second_at = (due.deadline_at, due.remind_first_at,
                                                                    due.remind_second_at)
            moved += 1
    await session.flush()
    return moved
