"""Making invites in chat: staff links (admins), class join links and parent codes (teachers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain import sysconfig
from domain.access import Actor
from domain.errors import N_, Invalid
from domain.model.base import utcnow
from domain.model.people import Role
from domain.services import classes, invites, students


@dataclass(frozen=True)
class MadeInvite:
    code: str
    expires_at: dt.datetime
    what: str  # "teacher", "admin", or the class name


async def _ttl(session: AsyncSession, org_id: int) -> int:
    return int(await sysconfig.get(session, org_id, "invite.ttl_days"))


async def staff_invite(session: AsyncSession, actor: Actor, role: Role) -> MadeInvite:
    me = actor.require(Role.ADMIN)
    if role not in (Role.TEACHER, Role.ADMIN):
        raise Invalid(N_("Admins invite teachers or admins; students and parents join through their teachers."))
    ttl = await _ttl(session, me.org_id)
    code = await invites.create_invite(session, org_id=me.org_id, role=role, created_by_user_id=actor.user_id,
                                       ttl_days=ttl)
    await session.commit()
    return MadeInvite(code, utcnow() + dt.timedelta(days=ttl), role.value)


async def class_link(session: AsyncSession, actor: Actor, class_id: int) -> MadeInvite:
    """A link every student of the class can use (until it expires); each then confirms their USN."""
    me = actor.require(Role.TEACHER, Role.ADMIN)
    cls = await classes.require_class_access(session, actor, class_id)
    ttl = await _ttl(session, me.org_id)
    code = await invites.create_invite(session, org_id=me.org_id, role=Role.STUDENT, created_by_user_id=actor.user_id,
                                       ttl_days=ttl, class_id=cls.id, max_uses=None)
    await session.commit()
    return MadeInvite(code, utcnow() + dt.timedelta(days=ttl), cls.name)


@dataclass(frozen=True)
class ParentCode:
    usn: str
    name: str
    code: str


async def parent_codes(session: AsyncSession, actor: Actor, class_id: int) -> tuple[str, list[ParentCode]]:
    """One new single-use parent code per student of the class."""
    me = actor.require(Role.TEACHER, Role.ADMIN)
    cls = await classes.require_class_access(session, actor, class_id)
    ttl = await _ttl(session, me.org_id)
    codes = []
    for student in await students.class_students(session, actor, cls.id):
        code = await invites.create_invite(session, org_id=me.org_id, role=Role.PARENT,
                                           created_by_user_id=actor.user_id, ttl_days=ttl, student_id=student.id)
        codes.append(ParentCode(student.usn, student.name, code))
    if not codes:
        raise Invalid(N_("Class {klass} has no students yet: send its roster file first."), klass=cls.name)
    await session.commit()
    return cls.name, codes
