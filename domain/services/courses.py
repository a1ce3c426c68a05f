"""Courses: created by a teacher (who teaches it), optionally for a class and a program."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.access import Actor
from domain.errors import N_, Conflict, Invalid, NotFound
from domain.model.people import ClassTeacher, Course, CourseTeacher, Role, SchoolClass
from domain.services.classes import find_class

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,31}$")


@dataclass(frozen=True)
class CourseView:
    id: int
    code: str
    name: str
    program: str | None
    class_id: int | None
    class_name: str | None


def clean_code(raw: str) -> str:
    code = raw.strip().upper()
    if not _CODE.match(code):
        raise Invalid(N_("{code} is not a usable course code: letters, digits, - and _, at most 32, e.g. CS101."),
                      code=raw.strip())
    return code


def clean_course_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not 1 <= len(name) <= 200:
        raise Invalid(N_("A course name needs 1 to 200 characters."))
    return name


def clean_program(raw: str) -> str:
    program = " ".join(raw.split()).upper()
    if not 1 <= len(program) <= 32:
        raise Invalid(N_("A program is a short name such as CSE (at most 32 characters)."))
    return program


async def create_course(
    session: AsyncSession, actor: Actor, *, code: str, name: str, class_name: str | None, program: str | None
) -> CourseView:
    me = actor.require(Role.TEACHER)
    code = clean_code(code)
    name = clean_course_name(name)
    program = clean_program(program) if program else None
    cls = await find_class(session, me.org_id, class_name) if class_name else None
    clash = await session.scalar(select(Course.code).where(Course.org_id == me.org_id, Course.code == code))
    if clash is not None:
        raise Conflict(N_("A course with code {code} already exists."), code=code)
    course = Course(org_id=me.org_id, code=code, name=name, program=program, class_id=cls.id if cls else None)
    session.add(course)
    await session.flush()
    await session.execute(
        insert(CourseTeacher).values(org_id=me.org_id, course_id=course.id, membership_id=me.membership_id)
    )
    if cls is not None:  # teaching a course of a class makes one a teacher of that class
        await session.execute(
            insert(ClassTeacher)
            .values(org_id=me.org_id, class_id=cls.id, membership_id=me.membership_id)
            .on_conflict_do_nothing()
        )
    await audit.record(session, "course.created", org_id=me.org_id, actor_user_id=actor.user_id, entity="course",
                       entity_id=course.id, code=code, name=name, class_id=course.class_id, program=program)
    await session.commit()
    return CourseView(course.id, code, name, program, course.class_id, cls.name if cls else None)


async def my_courses(session: AsyncSession, actor: Actor) -> list[CourseView]:
    me = actor.require(Role.TEACHER)
    rows = (
        await session.execute(
            select(Course.id, Course.code, Course.name, Course.program, Course.class_id, SchoolClass.name)
            .join(CourseTeacher, CourseTeacher.course_id == Course.id)
            .outerjoin(SchoolClass, SchoolClass.id == Course.class_id)
            .where(CourseTeacher.membership_id == me.membership_id, Course.org_id == me.org_id)
            .order_by(Course.code)
        )
    ).all()
    return [CourseView(*r) for r in rows]


async def course_count(session: AsyncSession, org_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(Course).where(Course.org_id == org_id)) or 0)


async def require_course(session: AsyncSession, actor: Actor, course_id: int) -> CourseView:
    for course in await my_courses(session, actor):
        if course.id == course_id:
            return course
    raise NotFound(N_("That course is not one of yours."))
