"""Classes: created by teachers (who become their class teachers), listed per person."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.access import Actor
from domain.errors import N_, Conflict, Invalid, NotFound
from domain.model.people import ClassTeacher, Role, SchoolClass

_NAME = re.compile(r"^[\w][\w .\-/&()]{0,63}$")


@dataclass(frozen=True)
class ClassView:
    id: int
    name: str


def clean_class_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise Invalid(N_("A class needs a name, for example CSE-A."))
    if len(name) > 64 or not _NAME.match(name):
        raise Invalid(N_("{name} is not a usable class name: use letters, digits, spaces and - / . (at most 64)."),
                      name=name)
    return name


async def create_class(session: AsyncSession, actor: Actor, raw_name: str) -> ClassView:
    me = actor.require(Role.TEACHER, Role.ADMIN)
    name = clean_class_name(raw_name)
    clash = await session.scalar(
        select(SchoolClass.name).where(SchoolClass.org_id == me.org_id, func.lower(SchoolClass.name) == name.lower())
    )
    if clash is not None:
        raise Conflict(N_("A class named {name} already exists."), name=clash)
    cls = SchoolClass(org_id=me.org_id, name=name)
    session.add(cls)
    await session.flush()
    if me.role is Role.TEACHER:
        await session.execute(
            insert(ClassTeacher).values(org_id=me.org_id, class_id=cls.id, membership_id=me.membership_id)
        )
    await audit.record(session, "class.created", org_id=me.org_id, actor_user_id=actor.user_id, entity="class",
                       entity_id=cls.id, name=name)
    await session.commit()
    return ClassView(cls.id, cls.name)


async def classes_of(session: AsyncSession, actor: Actor) -> list[ClassView]:
    """The classes a person works with: a teacher's own, or every class for an admin."""
    org_id = actor.org_id
    if org_id is None:
        return []
    stmt = select(SchoolClass.id, SchoolClass.name).where(SchoolClass.org_id == org_id)
    if not actor.has(Role.ADMIN):
        teacher = actor.require(Role.TEACHER)
        stmt = stmt.join(ClassTeacher, ClassTeacher.class_id == SchoolClass.id).where(
            ClassTeacher.membership_id == teacher.membership_id
        )
    rows = (await session.execute(stmt.order_by(SchoolClass.name))).all()
    return [ClassView(r.id, r.name) for r in rows]


async def offered(session: AsyncSession, actor: Actor) -> list[ClassView]:
    """The classes to offer as choices: the person's own, or every class of the organization if none."""
    return await classes_of(session, actor) or await all_classes(session, actor.org_id or 0)


async def all_classes(session: AsyncSession, org_id: int) -> list[ClassView]:
    rows = (
        await session.execute(
            select(SchoolClass.id, SchoolClass.name).where(SchoolClass.org_id == org_id).order_by(SchoolClass.name)
        )
    ).all()
    return [ClassView(r.id, r.name) for r in rows]


async def find_class(session: AsyncSession, org_id: int, name: str) -> ClassView:
    row = (
        await session.execute(
            select(SchoolClass.id, SchoolClass.name).where(
                SchoolClass.org_id == org_id, func.lower(SchoolClass.name) == " ".join(name.split()).lower()
            )
        )
    ).first()
    if row is None:
        known = ", ".join(c.name for c in await all_classes(session, org_id)) or "none yet (create one with /newclass)"
        raise NotFound(N_("There is no class {name}. Classes: {known}."), name=name, known=known)
    return ClassView(row.id, row.name)


async def require_class_access(session: AsyncSession, actor: Actor, class_id: int) -> ClassView:
    """The class, if the actor is its teacher or an admin of its organization (ids are never trusted)."""
    for cls in await classes_of(session, actor):
        if cls.id == class_id:
            return cls
    raise NotFound(N_("That class is not one of yours."))
