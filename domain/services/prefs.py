"""Notification preferences: which kinds a person wants, and quiet hours."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.access import Actor
from domain.errors import N_, Invalid
from domain.model.messaging import NotificationPrefs
from domain.model.people import Role
from domain.notify import ALWAYS, KINDS

_HOURS = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-–to]+\s*(\d{1,2})(?::(\d{2}))?\s*$")


@dataclass(frozen=True)
class Prefs:
    muted: frozenset[str]
    quiet_start: dt.time | None
    quiet_end: dt.time | None


def parse_quiet(text: str) -> tuple[dt.time, dt.time] | None:
    """``21:00-07:00`` (or ``21-7``) → times; ``off``/``none`` → None."""
    if text.strip().lower() in ("off", "none", "no", "0"):
        return None
    m = _HOURS.match(text)
    if not m:
        raise Invalid(N_("Quiet hours are written like 21:00-07:00 (or off)."))
    h1, m1, h2, m2 = int(m[1]), int(m[2] or 0), int(m[3]), int(m[4] or 0)
    if not (0 <= h1 <= 23 and 0 <= h2 <= 23 and 0 <= m1 <= 59 and 0 <= m2 <= 59):
        raise Invalid(N_("Quiet hours are written like 21:00-07:00 (or off)."))
    start, end = dt.time(h1, m1), dt.time(h2, m2)
    if start == end:
        raise Invalid(N_("Quiet hours must start and end at different times."))
    return start, end


async def get(session: AsyncSession, actor: Actor) -> Prefs:
    actor.require(Role.PARENT, Role.STUDENT)
    row = await session.get(NotificationPrefs, actor.user_id)
    if row is None:
        return Prefs(frozenset(), None, None)
    return Prefs(frozenset(row.muted_kinds or []), row.quiet_start, row.quiet_end)


async def _save(session: AsyncSession, actor: Actor, prefs: Prefs) -> Prefs:
    values = {"muted_kinds": sorted(prefs.muted), "quiet_start": prefs.quiet_start, "quiet_end": prefs.quiet_end}
    await session.execute(
        insert(NotificationPrefs).values(user_id=actor.user_id, **values)
        .on_conflict_do_update(index_elements=["user_id"], set_={**values, "updated_at": dt.datetime.now(dt.UTC)})
    )
    await audit.record(session, "prefs.changed", org_id=actor.org_id, actor_user_id=actor.user_id,
                       entity="notification_prefs", entity_id=actor.user_id, muted=sorted(prefs.muted),
                       quiet=[str(prefs.quiet_start), str(prefs.quiet_end)] if prefs.quiet_start else None)
    await session.commit()
    return prefs


async def toggle(session: AsyncSession, actor: Actor, kind: str) -> Prefs:
    if kind not in KINDS or kind in ALWAYS:
        raise Invalid(N_("That is not a kind of message I send."))
    current = await get(session, actor)
    muted = current.muted ^ {kind}
    return await _save(session, actor, Prefs(frozenset(muted), current.quiet_start, current.quiet_end))


async def set_quiet(session: AsyncSession, actor: Actor, text: str) -> Prefs:
    current = await get(session, actor)
    hours = parse_quiet(text)
    return await _save(session, actor, Prefs(current.muted, *(hours or (None, None))))


def choosable_kinds() -> list[str]:
    """The kinds a person can switch off."""
    return [k for k in KINDS if k not in ALWAYS]
