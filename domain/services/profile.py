"""What a person is, for /whoami: roles per organization, their classes, courses or children."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor
from domain.errors import N_, NotFound
from domain.model.people import (
    ClassTeacher,
    Course,
    CourseTeacher,
    Membership,
    ParentLink,
    Role,
    SchoolClass,
    Student,
    User,
)


@dataclass
class OrgProfile:
    org_id: int
    org_name: str
    roles: list[Role]
    acting: bool
    student: str | None = None  # "Asha Rao (1CR24CS001), CSE-B"
    classes: list[str] = field(default_factory=list)
    courses: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


async def profile(session: AsyncSession, actor: Actor) -> list[OrgProfile]:
    out: list[OrgProfile] = []
    for org_id in actor.org_ids:
        ms = [m for m in actor.memberships if m.org_id == org_id]
        p = OrgProfile(org_id, ms[0].org_name, [m.role for m in ms], acting=org_id == actor.org_id)
        for m in ms:
            if m.role is Role.STUDENT:
                row = (await session.execute(
                    select(Student.name, Student.usn, SchoolClass.name)
                    .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
                    .where(Student.membership_id == m.membership_id)
                )).first()
                if row is not None:
                    p.student = f"{row[0]} ({row[1]})" + (f", {row[2]}" if row[2] else "")
            elif m.role is Role.TEACHER:
                p.classes = list((await session.execute(
                    select(SchoolClass.name).join(ClassTeacher, ClassTeacher.class_id == SchoolClass.id)
                    .where(ClassTeacher.membership_id == m.membership_id).order_by(SchoolClass.name)
                )).scalars())
                p.courses = [f"{c} {n}" for c, n in (await session.execute(
                    select(Course.code, Course.name).join(CourseTeacher, CourseTeacher.course_id == Course.id)
                    .where(CourseTeacher.membership_id == m.membership_id).order_by(Course.code)
                )).all()]
            elif m.role is Role.PARENT:
                p.children = [f"{n} ({u})" for n, u in (await session.execute(
                    select(Student.name, Student.usn).join(ParentLink, ParentLink.student_id == Student.id)
                    .where(ParentLink.parent_membership_id == m.membership_id).order_by(Student.name)
                )).all()]
        out.append(p)
    return out


async def switch_org(session: AsyncSession, actor: Actor, org_id: int) -> str:
    """Act in another of one's organizations (the id comes from a button: checked against memberships)."""
    names = {m.org_id: m.org_name for m in actor.memberships}
    if org_id not in names:
        raise NotFound(N_("You are not a member of that organization."))
    user = await session.get(User, actor.user_id)
    assert user is not None
    user.current_org_id = org_id
    await session.commit()
    return names[org_id]


async def member_user_ids(session: AsyncSession, org_id: int, role: Role) -> list[int]:
    return list((await session.execute(
        select(Membership.user_id).where(Membership.org_id == org_id, Membership.role == role)
    )).scalars())
