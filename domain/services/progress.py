"""A student's progress per course (their score on each CO), for the student and their parents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import Actor
from domain.errors import N_, NotFound
from domain.model.obe import Mark
from domain.model.people import Course, ParentLink, Role, Student
from domain.services import attainment


@dataclass(frozen=True)
class CourseProfile:
    course_label: str
    rows: list[Any]  # the per-CO, per-component rows of ``attainment.student_scores``


async def own_student_id(session: AsyncSession, actor: Actor) -> int | None:
    me = actor.membership(Role.STUDENT)
    if me is None:
        return None
    return await session.scalar(select(Student.id).where(Student.membership_id == me.membership_id))


async def children(session: AsyncSession, actor: Actor) -> list[tuple[int, str]]:
    me = actor.membership(Role.PARENT)
    if me is None:
        return []
    return [(i, f"{n} ({u})") for i, n, u in (await session.execute(
        select(Student.id, Student.name, Student.usn).join(ParentLink, ParentLink.student_id == Student.id)
        .where(ParentLink.parent_membership_id == me.membership_id).order_by(Student.name))).all()]


async def require_family(session: AsyncSession, actor: Actor, student_id: int) -> None:
    """The student is the actor, or one of the actor's children (ids from buttons are checked)."""
    actor.require(Role.STUDENT, Role.PARENT)
    if student_id == await own_student_id(session, actor):
        return
    if student_id in {i for i, _ in await children(session, actor)}:
        return
    raise NotFound(N_("That student is not you or one of your children."))


async def student_name(session: AsyncSession, actor: Actor, student_id: int) -> str:
    await require_family(session, actor, student_id)
    return str(await session.scalar(select(Student.name).where(Student.id == student_id)))


async def profiles(session: AsyncSession, actor: Actor, student_id: int) -> list[CourseProfile]:
    await require_family(session, actor, student_id)
    rows = (await session.execute(
        select(Course.id, Course.code, Course.name).where(
            select(Mark.course_id).where(Mark.course_id == Course.id, Mark.student_id == student_id).exists(),
            Course.org_id == select(Student.org_id).where(Student.id == student_id).scalar_subquery())
        .order_by(Course.code))).all()
    out = []
    for course_id, code, name in rows:
        scores = await attainment.student_scores(session, course_id, student_id)
        out.append(CourseProfile(f"{code} {name}", list(scores)))
    return out
